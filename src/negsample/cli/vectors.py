"""Vectors files on the command line: the format a file name says, loading and saving with a
progress bar for anything that takes over a second, and a final save that does not throw a finished
run away: if the output cannot be written after all, the vectors go to another place, and the
error says which.

Example
-------
>>> vectors_format("vectors.npz", None), vectors_format("vectors.bin", None), vectors_format("v.txt", True)
('npz', 'binary', 'binary')
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["load_vectors", "rescue_places", "save_vectors", "save_vectors_or_rescue", "vectors_format"]


def vectors_format(path: str, binary: bool | None) -> str:
    """``"npz"`` for a ``.npz`` name, else ``"binary"`` (``binary``, or a ``.bin`` name) or ``"text"``."""
    if str(path).endswith(".npz"):
        return "npz"
    if binary is None:
        binary = str(path).endswith(".bin")
    return "binary" if binary else "text"


def load_vectors(path: str, binary: bool | None, *, progress: bool = False):
    """A :class:`~negsample.keyedvectors.KeyedVectors` from ``path``, in the format its name says."""
    import numpy as np

    from .. import vectors_io
    from .._progress import progress_bar
    from ..keyedvectors import KeyedVectors
    from ..vocab import Vocabulary

    fmt = vectors_format(path, binary)
    if fmt == "npz":
        return KeyedVectors.load(path)
    with progress_bar(desc="loading", unit="vector", unit_scale=True, disable=not progress, delay=1.0) as bar:
        words, vectors = vectors_io.read_word2vec(path, binary=fmt == "binary", on_rows=bar.update)
    return KeyedVectors(vectors, Vocabulary(words, np.arange(len(words), 0, -1)))  # as load_word2vec_format


def save_vectors(wv, path: str | os.PathLike, binary: bool | None, *, progress: bool = False) -> str:
    """Write ``wv`` (atomically) in the format the name says; returns that format."""
    from .. import vectors_io
    from .._progress import progress_bar

    fmt = vectors_format(str(path), binary)
    if fmt == "npz":
        wv.save(path)
        return fmt
    with progress_bar(total=len(wv), desc="writing", unit="vector", unit_scale=True, disable=not progress,
                      delay=1.0) as bar:
        vectors_io.write_word2vec(path, wv.index_to_key, wv.vectors, binary=fmt == "binary", on_rows=bar.update)
    return fmt


def rescue_places(path: str | os.PathLike) -> list[Path]:
    """Where vectors go when ``path`` cannot be written: the temporary folder, the home folder and the
    working directory (those that are not ``path``'s own), under a name that says what happened."""
    name = f"negsample-rescued-{os.getpid()}-{Path(path).name}"
    own = Path(path).resolve().parent
    places = []
    for folder in (Path(tempfile.gettempdir()), Path.home(), Path.cwd()):
        with_name = folder / name
        if folder.resolve() != own and with_name not in places:
            places.append(with_name)
    return places


def save_vectors_or_rescue(wv, path: str, binary: bool | None, *, progress: bool = False) -> str:
    """:func:`save_vectors`; if that fails with an OSError, save to the first of
    :func:`rescue_places` that works and raise an OSError naming ``path``, the reason and where the
    vectors are (or that no place worked)."""
    try:
        return save_vectors(wv, path, binary, progress=progress)
    except OSError as exc:
        failure = exc
    fmt = vectors_format(path, binary)
    tried = []
    for place in rescue_places(path):
        try:
            save_vectors(wv, place, fmt == "binary", progress=progress)
        except OSError:
            tried.append(str(place))
            continue
        raise OSError(f"{failure}; the trained vectors were saved to {place} instead") from failure
    raise OSError(f"{failure}; the trained vectors could not be saved elsewhere either (tried "
                  f"{', '.join(tried)})") from failure

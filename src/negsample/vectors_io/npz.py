"""negsample's native ``.npz``: ``format_version``, ``vectors``, ``counts`` and the words as UTF-8 JSON
in a uint8 array, so that reading never needs pickle.

The reader opens the zip itself instead of calling ``np.load``: every member's ``.npy`` header is
checked against the bytes the member holds (and those against what its compressed size can hold)
before an array of that size is allocated, object dtypes are refused, and every failure of the zip
or the arrays becomes a :class:`~negsample.VectorsFormatError` that names the file and the member.

Example
-------
>>> import os, tempfile, numpy as np
>>> from negsample.vectors_io.npz import read_npz, write_npz
>>> path = os.path.join(tempfile.mkdtemp(), "v.npz")
>>> write_npz(path, ["über", "b"], np.array([2, 1]), np.zeros((2, 3), dtype=np.float32))
>>> words, counts, vectors = read_npz(path)
>>> words, counts.tolist(), vectors.shape
(['über', 'b'], [2, 1], (2, 3))
"""

from __future__ import annotations

import json
import math
import os
import zipfile
import zlib
from collections.abc import Sequence

import numpy as np

from .._atomic import atomic_write
from .common import VectorsFormatError, check_finite

__all__ = ["FORMAT_VERSION", "read_npz", "write_npz"]

FORMAT_VERSION = 1
_MEMBERS = {"format_version": "iu", "vectors": "f", "counts": "iu", "words_json": "u"}  # name: dtype kinds
_MAX_DEFLATE_RATIO = 1032  # deflate cannot expand more than this (bzip2/lzma members are refused)
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; an empty archive's end record


def write_npz(path: str | os.PathLike, words: Sequence[str], counts: np.ndarray, vectors: np.ndarray) -> None:
    """Save ``words``, ``counts`` (int64, shape (n_words,)) and ``vectors`` (shape (n_words, dim)) to one
    ``.npz`` file at exactly ``path``, atomically."""
    words_json = json.dumps(list(words), ensure_ascii=False).encode("utf-8")
    with atomic_write(path, "wb") as f:
        np.savez(
            f,
            format_version=np.array(FORMAT_VERSION),
            vectors=vectors,
            counts=np.asarray(counts, dtype=np.int64),
            words_json=np.frombuffer(words_json, dtype=np.uint8),
        )


def read_npz(path: str | os.PathLike, *, allow_non_finite: bool = False) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(words, counts, vectors)`` as :func:`write_npz` stored them, checked to agree with each other.

    Raises :class:`~negsample.VectorsFormatError` for a file that is not a zip, lacks a member, has
    another format version, holds arrays whose headers do not match their bytes, corrupt or
    non-list JSON, parts of different lengths, duplicate words, or (unless ``allow_non_finite``)
    NaN or infinite vectors.
    """
    name = os.fspath(path)
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic not in _ZIP_MAGIC:
        raise VectorsFormatError(f"{name}: not a .npz file (an .npz is a zip archive, and this file starts "
                                 f"with {magic!r}); a word2vec file needs another file name or --binary")
    try:
        with zipfile.ZipFile(path) as archive:
            members = {info.filename.removesuffix(".npy"): info for info in archive.infolist()}
            missing = sorted(set(_MEMBERS) - set(members))
            if missing:
                raise VectorsFormatError(f"{name}: not a negsample KeyedVectors file (missing {missing})")
            arrays = {key: _read_member(archive, members[key], name, kinds) for key, kinds in _MEMBERS.items()}
    except VectorsFormatError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError, OverflowError,
            NotImplementedError, RuntimeError, KeyError) as exc:
        # a corrupt zip, a compression method zipfile lacks, an encrypted member, a bad .npy header
        raise VectorsFormatError(
            f"{name}: cannot read as a negsample .npz file ({type(exc).__name__}: {exc})") from None
    return _checked_parts(arrays, name, allow_non_finite)


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, kinds: str) -> np.ndarray:
    where = f"{name}, member {info.filename}"
    if info.compress_type == zipfile.ZIP_STORED:
        limit = info.compress_size
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        limit = info.compress_size * _MAX_DEFLATE_RATIO
    else:
        raise VectorsFormatError(f"{where}: compression method {info.compress_type} is not one numpy writes")
    if info.file_size > limit:
        raise VectorsFormatError(f"{where}: claims {info.file_size} bytes, more than its {info.compress_size} "
                                 "stored bytes can hold")
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(member)
        elif version == (2, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(member)
        else:
            raise VectorsFormatError(f"{where}: unsupported .npy version {version}")
        if dtype.hasobject or dtype.kind not in kinds or dtype.subdtype is not None:
            raise VectorsFormatError(f"{where}: unexpected dtype {dtype}")
        n_bytes = math.prod(shape) * dtype.itemsize
        header = member.tell()
        if n_bytes != info.file_size - header:
            raise VectorsFormatError(f"{where}: its header announces shape {shape} ({n_bytes} bytes) but "
                                     f"{info.file_size - header} bytes follow it")
        array = np.empty(math.prod(shape), dtype)
        view = memoryview(array.view(np.uint8))
        done = 0
        while done < n_bytes:
            got = member.readinto(view[done:])
            if not got:
                raise VectorsFormatError(f"{where}: ends after {done} of {n_bytes} bytes")
            done += got
        if member.read(1):  # also makes zipfile check the CRC
            raise VectorsFormatError(f"{where}: holds more bytes than its header announces")
    return array.reshape(shape, order="F" if fortran_order else "C")


def _checked_parts(arrays: dict[str, np.ndarray], name: str, allow_non_finite: bool):
    version = arrays["format_version"]
    if version.shape != () or int(version) != FORMAT_VERSION:
        raise VectorsFormatError(f"{name}: unsupported format version {version.tolist()}")
    try:
        words = json.loads(arrays["words_json"].tobytes().decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise VectorsFormatError(f"{name}: the word list is not valid UTF-8 JSON ({exc})") from None
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise VectorsFormatError(f"{name}: the word list must be a JSON list of strings")
    vectors, counts = arrays["vectors"], arrays["counts"]
    if vectors.ndim != 2 or vectors.shape[1] < 1 or counts.ndim != 1:
        raise VectorsFormatError(f"{name}: vectors must be 2-d (n_words, dim >= 1) and counts 1-d, got shapes "
                                 f"{vectors.shape} and {counts.shape}")
    if not vectors.shape[0] == counts.shape[0] == len(words):
        raise VectorsFormatError(f"{name}: inconsistent contents: {len(words)} words, {counts.shape[0]} counts, "
                                 f"{vectors.shape[0]} vectors")
    if len(set(words)) != len(words):
        raise VectorsFormatError(f"{name}: the word list holds duplicates")
    if not allow_non_finite:
        check_finite(vectors, name, first_line=0, where=lambda row: f"vector {row} ({words[row]!r})")
    return words, counts.astype(np.int64), vectors

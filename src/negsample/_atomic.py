"""Atomic file writes: readers see either the old file or the complete new one, never half of it.

The data goes to a temporary file in the *same directory* as the target (``os.replace`` is only
atomic within one file system), is flushed and fsync'ed, and then renamed onto the target. If anything
raises inside the ``with`` block the temporary file is removed and the target is left untouched.

Example
-------
>>> import os, tempfile
>>> from negsample._atomic import atomic_write
>>> path = os.path.join(tempfile.mkdtemp(), "hello.txt")
>>> with atomic_write(path, "w") as f:
...     _ = f.write("hello\\n")
>>> open(path).read()
'hello\\n'
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from typing import IO

__all__ = ["atomic_write"]

_ALLOWED_MODES = {"w", "wt", "wb"}


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", *, encoding: str | None = "utf-8",
                 newline: str | None = None) -> Iterator[IO]:
    """Open ``path`` for writing so that the file appears all at once, or not at all.

    Parameters
    ----------
    path : str or os.PathLike
        The target file. Its directory must exist.
    mode : {"w", "wt", "wb"}
        Text or binary write mode. Appending cannot be made atomic this way, so "a" is refused.
    encoding : str or None, default "utf-8"
        Text mode only; ignored in binary mode. (A fixed default, not the locale's, so files
        written on one machine read the same on another.)
    newline : str or None
        Text mode only, as for :func:`open`.

    Yields
    ------
    file object
        Writes go to a hidden temporary file next to ``path``.

    Notes
    -----
    The temporary file is created with mode ``0o666`` filtered by the process umask, so the result
    has the same permissions an ordinary ``open(path, "w")`` would give a new file.
    """
    if mode not in _ALLOWED_MODES:
        raise ValueError(f"atomic_write: mode must be one of {sorted(_ALLOWED_MODES)}, got {mode!r}")
    path = os.fspath(path)
    directory, name = os.path.split(os.path.abspath(path))
    tmp_path, fd = _create_temp(directory, name)
    try:
        if "b" in mode:
            f = os.fdopen(fd, "wb")
        else:
            f = os.fdopen(fd, "w", encoding=encoding, newline=newline)
    except BaseException:
        os.close(fd)
        _remove_quietly(tmp_path)
        raise
    try:
        with f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        _remove_quietly(tmp_path)
        raise
    _fsync_directory(directory)


def _create_temp(directory: str, name: str) -> tuple[str, int]:
    # os.open with O_EXCL and 0o666 (not tempfile.mkstemp, which forces 0o600) so the umask decides
    # the final permissions, just like for a plainly opened file.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp_path = os.path.join(directory, f".{name}.{secrets.token_hex(6)}.tmp")
        try:
            return tmp_path, os.open(tmp_path, flags, 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(f"atomic_write: could not create a temporary file next to {name!r} in {directory}")


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


def _fsync_directory(directory: str) -> None:
    # Makes the rename itself durable after a power loss. Not possible on Windows; best effort elsewhere.
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

"""Atomic file writes and clean interruption: readers see either the old file or the complete new one,
never half of it, and nothing negsample leaves behind outlives the process that made it.

The data goes to a temporary file in the *same directory* as the target (``os.replace`` is only
atomic within one file system), is flushed and fsync'ed, and then renamed onto the target. If anything
raises inside the ``with`` block -- Ctrl-C and, with :func:`terminate_on_sigterm`, SIGTERM included --
the temporary file is removed and the target is left untouched. A write that fails names the target,
not the hidden temporary file.

Temporary files (``.NAME.<host>-<pid>-<hex>.tmp``) and folders (:func:`private_temp_dir`) carry the
id of the process that made them; a process killed outright (``kill -9``, a power cut) cannot clean
up, so the next write into the same directory, or the next private folder of the same kind, removes
those whose process is gone (on this host: a file on a shared disk whose writer runs elsewhere is
left alone).

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
import hashlib
import os
import re
import secrets
import shutil
import signal
import socket
import tempfile
import threading
from collections.abc import Iterator
from typing import IO

__all__ = ["OutputError", "Terminated", "atomic_write", "check_writable", "fsync_directory", "owned_name",
           "private_temp_dir", "remove_stale_entries", "remove_stale_temporaries", "terminate_on_sigterm"]

_ALLOWED_MODES = {"w", "wt", "wb"}
_HOST = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]
_TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-[0-9a-f]{12}\.tmp$")


class OutputError(OSError):
    """A file cannot be written; the message names the file the caller asked for and why, and
    ``errno`` is the original failure's."""

    def __init__(self, message: str, errno: int | None = None, path: str | None = None):
        super().__init__(errno, message)
        self.filename = path

    def __str__(self) -> str:
        return self.strerror


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM (see :func:`terminate_on_sigterm`). A KeyboardInterrupt, so
    everything that cleans up after Ctrl-C cleans up after it too."""


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

    Raises
    ------
    OutputError
        An OSError naming ``path`` (never the temporary file) when the file cannot be created,
        written or renamed into place; its ``errno`` is the original one.

    Notes
    -----
    The temporary file is created with mode ``0o666`` filtered by the process umask, so the result
    has the same permissions an ordinary ``open(path, "w")`` would give a new file.
    """
    if mode not in _ALLOWED_MODES:
        raise ValueError(f"atomic_write: mode must be one of {sorted(_ALLOWED_MODES)}, got {mode!r}")
    path = os.fspath(path)
    directory, name = os.path.split(os.path.abspath(path))
    remove_stale_temporaries(directory)
    try:
        tmp_path, fd = _create_temp(directory, name)
    except OSError as exc:
        raise _naming(exc, path) from exc
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
        try:
            with f:
                yield f
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp_path, path)
        except OSError as exc:
            raise _naming(exc, path) from exc
    except BaseException:
        _remove_quietly(tmp_path)
        raise
    fsync_directory(directory)


def _naming(exc: OSError, path: str) -> OSError:
    """The same failure, told about ``path`` instead of a temporary file."""
    if isinstance(exc, IsADirectoryError) or os.path.isdir(path):
        reason = "it is a directory"
    elif not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        reason = f"the directory {os.path.dirname(os.path.abspath(path))} does not exist"
    else:
        reason = exc.strerror or str(exc)
    return OutputError(f"cannot write {path}: {reason}", exc.errno, path)


def check_writable(path: str | os.PathLike) -> None:
    """Make sure ``path`` can be written *before* long work whose result goes there: create, then
    remove, a temporary file beside it. Raises OSError naming ``path`` and why (a missing directory,
    a directory in its place, no permission, a read-only file system, a full disk)."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise _naming(IsADirectoryError(21, "Is a directory"), path)
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise _naming(PermissionError(13, "Permission denied"), path)
    directory, name = os.path.split(os.path.abspath(path))
    try:
        tmp_path, fd = _create_temp(directory, name)
    except OSError as exc:
        raise _naming(exc, path) from exc
    try:
        os.write(fd, b"\0")  # a full disk may only show when the first block is allocated
    except OSError as exc:
        raise _naming(exc, path) from exc
    finally:
        os.close(fd)
        _remove_quietly(tmp_path)


def _create_temp(directory: str, name: str) -> tuple[str, int]:
    # os.open with O_EXCL and 0o666 (not tempfile.mkstemp, which forces 0o600) so the umask decides
    # the final permissions, just like for a plainly opened file.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp_path = os.path.join(directory, f".{name}.{_owner()}-{secrets.token_hex(6)}.tmp")
        try:
            return tmp_path, os.open(tmp_path, flags, 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(f"atomic_write: could not create a temporary file next to {name!r} in {directory}")


def _owner() -> str:
    return f"{_HOST}-{os.getpid()}"  # looked up each time: a forked child is another owner


def _process_is_gone(host: str, pid: int) -> bool:
    if host != _HOST or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError):  # alive, but someone else's; or a platform without kill(pid, 0)
        return False
    return False


def remove_stale_temporaries(directory: str | os.PathLike) -> list[str]:
    """Remove the temporary files :func:`atomic_write` left in ``directory`` when its process was
    killed; returns their paths. Files of live processes, and of other hosts, are left alone."""
    removed = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if match and _process_is_gone(match["host"], int(match["pid"])):
            _remove_quietly(entry.path)
            removed.append(entry.path)
    return removed


def private_temp_dir(prefix: str) -> str:
    """A new folder ``<tmp>/<prefix><host>-<pid>-<random>`` for this process's scratch files
    (e.g. ``negsample-corpus-``); first removes the folders of that prefix whose process is gone."""
    base = tempfile.gettempdir()
    remove_stale_entries(base, prefix)
    return tempfile.mkdtemp(prefix=owned_name(prefix), dir=base)


def owned_name(prefix: str) -> str:
    """``<prefix><host>-<pid>-``: the start of a name that :func:`remove_stale_entries` recognises as
    this process's (add something unique after it)."""
    return f"{prefix}{_owner()}-"


def remove_stale_entries(directory: str | os.PathLike, prefix: str) -> list[str]:
    """Remove the files and folders in ``directory`` named :func:`owned_name` ``(prefix)...`` whose
    process is gone (on this host); returns their paths."""
    pattern = re.compile(re.escape(prefix) + r"(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-")
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            match = pattern.match(entry.name)
            if match and _process_is_gone(match["host"], int(match["pid"])):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    _remove_quietly(entry.path)
                removed.append(entry.path)
    return removed


@contextlib.contextmanager
def terminate_on_sigterm() -> Iterator[None]:
    """While the block runs, SIGTERM raises :class:`Terminated` (a KeyboardInterrupt) in the main
    thread, so that temporary files and folders are cleaned up as after Ctrl-C. Does nothing outside
    the main thread or where SIGTERM cannot be caught."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return

    def handler(signum, frame):
        raise Terminated(f"terminated by signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


def fsync_directory(directory: str | os.PathLike) -> None:
    """Make a rename in ``directory`` durable (best effort; nothing on Windows)."""
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

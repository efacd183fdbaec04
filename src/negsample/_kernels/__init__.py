"""Numba kernels: contiguous arrays and scalars in, no classes, no feature flags inside hot loops.

Everything here is compiled with ``cache=True`` so only the first run on a machine pays for it.
Numba keeps that cache beside the source (``__pycache__``), else in the user's cache folder
(``~/.cache/numba``); on a read-only install run by a user without a writable home neither works,
and every kernel would fail to import. Then the cache goes to a private folder in the temporary
directory (``negsample-numba-cache-<uid>``, or a fresh one if that is not this user's). Set
``NUMBA_CACHE_DIR`` to choose the folder yourself, e.g. one shared by the runs of a batch job.
"""

import contextlib
import os
import stat
import tempfile
import threading
from collections.abc import Iterator


def _can_write(folder: str) -> bool:
    """Whether Numba can cache in ``folder`` (its own test: create the folder, then a file in it)."""
    try:
        os.makedirs(folder, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError:
        return False
    return True


def _private(folder: str) -> bool:
    """``folder`` exists, is a directory of this user's and nobody else may write to it (a cache
    holds code that is loaded and run)."""
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    owner = getattr(os, "getuid", lambda: info.st_uid)()
    return stat.S_ISDIR(info.st_mode) and info.st_uid == owner and not info.st_mode & 0o022


def choose_cache_dir() -> str | None:
    """Point Numba at a writable cache folder if neither its in-tree nor its user-wide one is
    writable (and ``NUMBA_CACHE_DIR`` is not set); returns the folder chosen, or None."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    if _can_write(os.path.join(os.path.dirname(os.path.abspath(__file__)), "__pycache__")):
        return None
    from numba.misc.appdirs import AppDirs

    if _can_write(AppDirs(appname="numba", appauthor=False).user_cache_dir):
        return None
    folder = os.path.join(tempfile.gettempdir(), f"negsample-numba-cache-{getattr(os, 'getuid', lambda: 0)()}")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError:
        pass
    if not (_private(folder) and _can_write(folder)):
        folder = tempfile.mkdtemp(prefix="negsample-numba-cache-")
    from numba.core import config

    config.CACHE_DIR = folder
    os.environ["NUMBA_CACHE_DIR"] = folder  # and for the processes this one starts
    return folder


choose_cache_dir()


@contextlib.contextmanager
def compiling() -> Iterator[threading.Event]:
    """While the block runs, the yielded event is set as soon as Numba starts compiling a kernel
    (loading one from the cache is not compiling), in any thread."""
    from numba.core import event

    started = threading.Event()

    class Listener(event.Listener):
        def on_start(self, ev):
            started.set()

        def on_end(self, ev):
            pass

    with event.install_listener("numba:compile", Listener()):
        yield started

"""Before a run reads its corpus: every kernel it will call, compiled or loaded from Numba's cache.

Numba compiles a kernel on its first call, or loads it from the cache (``cache=True``): a first run
at a new ``vector_size`` compiles for many seconds, a later one loads in tens of milliseconds, after
Numba has set its compiler up (about 0.3 s on the first call in a process). Both happen here, on tiny
inputs with the real argument types, in a thread of its own: the corpus scanner first, so that the
corpus can be read while the training kernels load, and "compiling kernels" is said only when
Numba really compiles and it takes a while.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from .._kernels import compiling
from .._kernels.hot_rows import sync_hot_rows
from .._kernels.logistic import sigmoid_tables
from .config import Word2VecConfig
from .corpus import warm_up_scanner
from .objectives import ContextWindow, build_objectives
from .training import job_kernel

__all__ = ["KernelWarmUp"]


class KernelWarmUp:
    """Compile (or load from the cache) every kernel a run calls -- the corpus scanner, the alias table,
    the job kernel and the hot-row sync -- on tiny inputs with the real argument types, in a thread of
    its own, the scanner first, saying so when compiling takes a while, so the run never stalls silently.

    The caller reads the corpus as soon as the scanner is ready (:meth:`scanner_ready`) while the
    other kernels load, then waits for them (:meth:`wait`): loading them from the cache takes 30-50 ms,
    about a third of reading text8_prefix. Leaving the ``with`` block early (an error while reading)
    does not wait for the kernels; the thread finishes by itself.

    Example
    -------
    >>> from negsample.word2vec.config import Word2VecConfig
    >>> said = []  # "compiling kernels ..." when they are not cached yet
    >>> with KernelWarmUp(Word2VecConfig(vector_size=4), True, said.append) as kernels:
    ...     kernels.scanner_ready()  # the corpus can be read now
    ...     kernels.wait()  # and trained on now
    """

    def __init__(self, cfg: Word2VecConfig, reads_files: bool, log: Callable[[str], None]):
        self._log = log
        self._failure: list[BaseException] = []
        self._scanner = threading.Event()
        self._listening = compiling()  # loading cached kernels can take a while too: say nothing then
        self._compiles = self._listening.__enter__()
        self._announced = False
        self._started = time.perf_counter()
        self._thread = threading.Thread(target=self._load, args=(cfg, reads_files), daemon=True)
        self._thread.start()

    def _load(self, cfg: Word2VecConfig, reads_files: bool) -> None:
        try:
            if reads_files:
                warm_up_scanner()
            self._scanner.set()
            dim = cfg.vector_size
            inputs = np.zeros((2, dim), np.float32)
            negative, tree = build_objectives(np.array([1, 1]), dim=dim, negative=cfg.negative, hs=cfg.hs,
                                              ns_exponent=cfg.ns_exponent)
            job_kernel(cfg)(np.array([0, 1], np.int32), np.array([2], np.int32), inputs, np.ones(2, np.float32),
                            ContextWindow(cfg.window, bool(cfg.cbow_mean), bool(cfg.shrink_windows)), negative,
                            tree, 0.0, 0.0, np.ones(1, np.uint64), sigmoid_tables())
            hot = inputs[:1].copy()
            sync_hot_rows(inputs[:1], hot, hot.copy())
        except BaseException as exc:  # surfaced in the calling thread
            self._failure.append(exc)
        finally:
            self._scanner.set()

    def _wait_until(self, done: Callable[[float], bool]) -> None:
        while not done(0.1):
            if (not self._announced and self._compiles.is_set() and self._thread.is_alive()
                    and time.perf_counter() - self._started > 0.5):
                self._log("compiling kernels (first run only; they are cached afterwards)...")
                self._announced = True

    def scanner_ready(self) -> None:
        """Return once the corpus scanner is compiled or loaded (raises what loading it raised)."""
        self._wait_until(self._scanner.wait)
        if self._failure:
            raise self._failure[0]

    def wait(self, *, on_failure: Callable[[], object] | None = None) -> None:
        """Return once every kernel is ready; if one could not be compiled or loaded, call
        ``on_failure`` (to release what was read meanwhile) and raise what it raised."""
        self._wait_until(self._joined)
        self._stop_listening()
        if self._announced:
            self._log(f"kernels compiled in {time.perf_counter() - self._started:.1f}s")
            self._announced = False
        if self._failure:
            if on_failure is not None:
                on_failure()
            raise self._failure[0]

    def _joined(self, timeout: float) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _stop_listening(self) -> None:
        if self._listening is not None:
            listening, self._listening = self._listening, None
            listening.__exit__(None, None, None)

    def __enter__(self) -> KernelWarmUp:
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop_listening()

"""Silent phases and noisy logs: progress bars write one final line per phase when stderr is not a
terminal, phases over a second show progress (max_vocab_size included), and "compiling kernels"
is said only when Numba compiles."""

import io
import threading
import time

import numpy as np
import pytest
from numba import njit

from negsample._progress import progress_bar
from negsample.word2vec import Word2Vec, Word2VecConfig
from negsample.word2vec import warm_up as warm_up_module


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_log_file_gets_one_plain_line_per_phase():
    log = io.StringIO()
    with progress_bar(total=1000, desc="reading", unit="B", file=log) as bar:
        for _ in range(100):
            bar.update(10)
            bar.set_postfix_str("loss=1.0")
    text = log.getvalue()
    assert text.count("\n") == 1 and "\r" not in text
    assert text.startswith("reading: 100%") and "loss=1.0" in text


def test_short_phases_leave_no_line_and_terminals_get_a_live_bar():
    log = io.StringIO()
    with progress_bar(total=3, desc="encoding", file=log, delay=1.0) as bar:
        bar.update(3)
    assert log.getvalue() == ""
    terminal = Terminal()
    with progress_bar(total=3, desc="training", file=terminal) as bar:
        bar.update(3)
    assert "\r" in terminal.getvalue() and "training: 100%" in terminal.getvalue()


def test_fit_writes_each_phase_once_to_a_log(tmp_path, capsys):
    path = tmp_path / "corpus.txt"
    rng = np.random.default_rng(0)
    path.write_text("\n".join(" ".join(f"w{i}" for i in rng.integers(0, 30, 12)) for _ in range(300)))
    Word2Vec(vector_size=8, min_count=1, epochs=3, workers=1).fit(path, progress=True)
    err = capsys.readouterr().err
    assert "\r" not in err
    assert err.count("reading: 100%") == 1 and err.count("epoch 3/3") == 1


def test_max_vocab_size_reading_shows_progress(tmp_path, capsys, monkeypatch):
    """The two Python passes (counting, encoding) show bars too (after a second: here at once)."""
    import negsample.word2vec.corpus.source as source_module

    real = source_module.progress_bar
    monkeypatch.setattr(source_module, "progress_bar", lambda **kw: real(**{**kw, "delay": 0}))
    path = tmp_path / "corpus.txt"
    path.write_text("a b c a b a\n" * 200)
    Word2Vec(vector_size=8, min_count=1, epochs=1, workers=1, max_vocab_size=10).fit(path, progress=True)
    err = capsys.readouterr().err
    assert err.count("counting: 100%") == 1 and err.count("encoding: 100%") == 1


def _warm_up_all(cfg, log):
    """Every kernel of a run, compiled or loaded, with nothing read meanwhile."""
    with warm_up_module.KernelWarmUp(cfg, True, log) as kernels:
        kernels.wait()


def test_compiling_kernels_is_said_only_when_numba_compiles(monkeypatch):
    cfg = Word2VecConfig(vector_size=4, workers=1)
    said = []
    _warm_up_all(cfg, said.append)  # compiled or loaded from the cache: quick or not, ...
    real_kernel = warm_up_module.job_kernel

    def slow_but_cached(config):
        kernel = real_kernel(config)

        def run(*args):
            time.sleep(0.8)  # loading from a cache on a busy machine can take this long
            return kernel(*args)

        return run

    said.clear()
    monkeypatch.setattr(warm_up_module, "job_kernel", slow_but_cached)
    _warm_up_all(cfg, said.append)
    assert said == []  # ... nothing is compiled now, so nothing is said

    def compiles(config):
        kernel = real_kernel(config)

        @njit  # a fresh function: Numba must compile it
        def fresh(x):
            return x + 1

        def run(*args):
            fresh(1)
            time.sleep(0.8)
            return kernel(*args)

        return run

    monkeypatch.setattr(warm_up_module, "job_kernel", compiles)
    _warm_up_all(cfg, said.append)
    assert said[0].startswith("compiling kernels") and said[1].startswith("kernels compiled in")


def _held_job_kernel(monkeypatch, *, fails=False) -> threading.Event:
    """job_kernel that does not return (or, with ``fails``, raise) before the returned event is set."""
    real_kernel = warm_up_module.job_kernel
    release = threading.Event()

    def held(config):
        assert release.wait(20), "the job kernel was never released"
        if fails:
            raise ValueError("the job kernel failed to load")
        return real_kernel(config)

    monkeypatch.setattr(warm_up_module, "job_kernel", held)
    return release


def test_the_corpus_is_read_while_the_training_kernels_load(monkeypatch):
    cfg = Word2VecConfig(vector_size=4, workers=1)
    release = _held_job_kernel(monkeypatch)
    with warm_up_module.KernelWarmUp(cfg, True, lambda line: None) as kernels:
        kernels.scanner_ready()  # returns although the job kernel is still held ...
        assert not release.is_set()
        release.set()
        kernels.wait()  # ... and this once it is loaded
    assert not kernels._thread.is_alive()


def test_a_kernel_that_fails_to_load_fails_the_wait_and_leaving_early_does_not_wait(monkeypatch):
    cfg = Word2VecConfig(vector_size=4, workers=1)
    release = _held_job_kernel(monkeypatch, fails=True)
    with warm_up_module.KernelWarmUp(cfg, True, lambda line: None) as kernels:
        kernels.scanner_ready()  # the scanner loaded: reading may go on
        release.set()
        released = []
        with pytest.raises(ValueError, match="failed to load"):
            kernels.wait(on_failure=lambda: released.append(True))
        assert released == [True]
    release = _held_job_kernel(monkeypatch)
    started = time.perf_counter()
    with pytest.raises(KeyError):  # e.g. reading the corpus failed
        with warm_up_module.KernelWarmUp(cfg, True, lambda line: None) as kernels:
            kernels.scanner_ready()
            raise KeyError("corpus")
    assert time.perf_counter() - started < 10 and not release.is_set()  # the job kernel is held for 20 s
    release.set()


def test_a_scanner_that_fails_to_load_fails_before_reading(monkeypatch):
    def broken():
        raise RuntimeError("no scanner")

    monkeypatch.setattr(warm_up_module, "warm_up_scanner", broken)
    with warm_up_module.KernelWarmUp(Word2VecConfig(vector_size=4, workers=1), True, lambda line: None) as kernels:
        with pytest.raises(RuntimeError, match="no scanner"):
            kernels.scanner_ready()

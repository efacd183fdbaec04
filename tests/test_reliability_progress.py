"""Silent phases and noisy logs: progress bars write one final line per phase when stderr is not a
terminal, phases over a second show progress (max_vocab_size included), and "compiling kernels"
is said only when Numba compiles."""

import io
import time

import numpy as np
from numba import njit

from negsample._progress import progress_bar
from negsample.word2vec import Word2Vec, Word2VecConfig
from negsample.word2vec import training as training_module


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


def test_compiling_kernels_is_said_only_when_numba_compiles(monkeypatch):
    cfg = Word2VecConfig(vector_size=4, workers=1)
    said = []
    training_module.warm_up(cfg, True, said.append)  # compiled or loaded from the cache: quick or not, ...
    real_kernel = training_module.job_kernel

    def slow_but_cached(config):
        kernel = real_kernel(config)

        def run(*args):
            time.sleep(0.8)  # loading from a cache on a busy machine can take this long
            return kernel(*args)

        return run

    said.clear()
    monkeypatch.setattr(training_module, "job_kernel", slow_but_cached)
    training_module.warm_up(cfg, True, said.append)
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

    monkeypatch.setattr(training_module, "job_kernel", compiles)
    training_module.warm_up(cfg, True, said.append)
    assert said[0].startswith("compiling kernels") and said[1].startswith("kernels compiled in")

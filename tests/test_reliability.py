"""Nothing lost, nothing left behind: a killed write leaves the old file and (after the next run) no
temporary file, SIGTERM cleans up as Ctrl-C does, failures name the real path, and a read-only
install still imports (Numba's cache goes elsewhere)."""

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from negsample import _atomic
from negsample._atomic import (
    OutputError,
    Terminated,
    atomic_write,
    check_writable,
    private_temp_dir,
    remove_stale_temporaries,
    terminate_on_sigterm,
)
from negsample.vectors_io import read_word2vec, write_word2vec

SRC = Path(__file__).resolve().parents[1] / "src"
ENV = {**os.environ, "PYTHONPATH": str(SRC)}

# A child that writes vectors.txt and stops for good in the middle of it (at the fsync), saying so.
_WRITER = textwrap.dedent("""
    import sys, time
    import numpy as np
    from negsample import _atomic
    from negsample._atomic import terminate_on_sigterm
    from negsample.vectors_io import write_word2vec

    def stalled_fsync(fd):
        print("WRITING", flush=True)
        time.sleep(120)

    _atomic.os.fsync = stalled_fsync
    vectors = np.full((2000, 50), 0.25, np.float32)
    with terminate_on_sigterm():
        try:
            write_word2vec(sys.argv[1], [f"w{i}" for i in range(2000)], vectors)
        except KeyboardInterrupt as exc:
            print(f"cleaned up after {type(exc).__name__}", flush=True)
            sys.exit(143)
""")


def _start_writer(target):
    child = subprocess.Popen([sys.executable, "-c", _WRITER, str(target)], stdout=subprocess.PIPE, text=True,
                             env=ENV)
    assert child.stdout.readline().strip() == "WRITING"
    return child


def _temporaries(folder):
    return sorted(p.name for p in Path(folder).iterdir() if p.name.endswith(".tmp"))


def test_a_write_killed_outright_leaves_the_old_file_and_the_next_run_removes_its_temporary(tmp_path):
    target = tmp_path / "vectors.txt"
    write_word2vec(target, ["old"], np.ones((1, 50), np.float32))
    before = target.read_bytes()
    child = _start_writer(target)
    child.kill()  # SIGKILL: no chance to clean up
    child.wait()
    assert target.read_bytes() == before
    left = _temporaries(tmp_path)
    assert len(left) == 1 and left[0].startswith(".vectors.txt.") and str(child.pid) in left[0]
    write_word2vec(tmp_path / "other.txt", ["a"], np.ones((1, 2), np.float32))  # the next run, same folder
    assert _temporaries(tmp_path) == []
    assert read_word2vec(target)[0] == ["old"]


def test_sigterm_during_a_write_cleans_up_at_once(tmp_path):
    target = tmp_path / "vectors.txt"
    target.write_text("previous\n")
    child = _start_writer(target)
    child.send_signal(signal.SIGTERM)
    out, _ = child.communicate(timeout=60)
    assert child.returncode == 143 and "cleaned up after Terminated" in out
    assert target.read_text() == "previous\n" and _temporaries(tmp_path) == []


def test_sigterm_ends_a_cli_training_run_with_a_message(tmp_path):
    corpus = tmp_path / "corpus.txt"
    rng = np.random.default_rng(0)
    corpus.write_text("\n".join(" ".join(f"w{i}" for i in rng.integers(0, 50, 20)) for _ in range(20_000)))
    code = textwrap.dedent("""
        import sys
        from negsample.word2vec import model
        real = model.train_epochs
        def announced(*args, **kwargs):
            print("TRAINING", flush=True)
            return real(*args, **kwargs)
        model.train_epochs = announced
        from negsample.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    child = subprocess.Popen([sys.executable, "-c", code, "word2vec", "train", str(corpus), "-o",
                              str(tmp_path / "v.bin"), "--epochs", "200", "--workers", "1", "--min-count", "1",
                              "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    assert child.stdout.readline().strip() == "TRAINING"
    time.sleep(0.5)
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 143
    assert err.strip().splitlines()[-1] == ("negsample: terminated (SIGTERM); temporary files removed, "
                                            "no output was written")
    assert not (tmp_path / "v.bin").exists() and _temporaries(tmp_path) == []


def test_terminate_on_sigterm_raises_a_keyboard_interrupt_and_restores_the_handler():
    previous = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated) as info, terminate_on_sigterm():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
    assert isinstance(info.value, KeyboardInterrupt)
    assert signal.getsignal(signal.SIGTERM) is previous


def test_stale_temporaries_of_live_processes_and_other_hosts_are_kept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    host = _atomic._HOST
    names = {f".v.txt.{host}-{dead}-0123456789ab.tmp": False,  # its process is gone: removed
             f".v.txt.{host}-{os.getpid()}-0123456789ab.tmp": True,  # ours, still writing
             f".v.txt.{host}-1-0123456789ab.tmp": True,  # alive (init)
             f".v.txt.00000000-{dead}-0123456789ab.tmp": host != "00000000",  # another host's
             ".v.txt.tmp": True, "notes.tmp": True}  # not of our naming
    for name in names:
        (tmp_path / name).write_text("x")
    removed = remove_stale_temporaries(tmp_path)
    assert [Path(p).name for p in removed] == [n for n, kept in names.items() if not kept]
    assert sorted(_temporaries(tmp_path)) == sorted(n for n, kept in names.items() if kept)


def test_private_temp_dirs_of_gone_processes_are_removed():
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    import tempfile

    stale = Path(tempfile.gettempdir()) / f"negsample-test-spill-{_atomic._HOST}-{dead}-abc"
    stale.mkdir(exist_ok=True)
    (stale / "chunk.npy").write_bytes(b"x")
    mine = Path(private_temp_dir("negsample-test-spill-"))
    try:
        assert mine.is_dir() and f"-{os.getpid()}-" in mine.name
        assert not stale.exists()
    finally:
        shutil.rmtree(mine, ignore_errors=True)
        shutil.rmtree(stale, ignore_errors=True)


def test_write_failures_name_the_real_path(tmp_path, monkeypatch):
    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_atomic.os, "fsync", full_disk)
    target = tmp_path / "vectors.bin"
    with pytest.raises(OutputError) as info, atomic_write(target, "wb") as f:
        f.write(b"x")
    assert str(info.value) == f"cannot write {target}: No space left on device" and info.value.errno == 28
    assert _temporaries(tmp_path) == []
    with pytest.raises(OSError, match=f"cannot write {tmp_path}: it is a directory"):
        check_writable(tmp_path)
    with pytest.raises(OSError, match="the directory .*nowhere does not exist"):
        check_writable(tmp_path / "nowhere" / "v.bin")


def test_a_read_only_install_imports_and_runs_its_kernels(tmp_path):
    """The package directory and the home folder cannot hold Numba's cache (here: a file stands where
    each cache folder would go, which stops root too): Numba's cache moves to a temporary folder."""
    package = tmp_path / "install" / "negsample"
    shutil.copytree(SRC / "negsample", package, ignore=shutil.ignore_patterns("__pycache__"))
    (package / "_kernels" / "__pycache__").write_text("not a folder")
    home = tmp_path / "home"
    home.write_text("not a folder either")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(PYTHONPATH=str(package.parent), HOME=str(home), XDG_CACHE_HOME=str(home / "cache"))
    code = ("import numba, negsample\nfrom negsample.noise import Unigram\n"
            "print(Unigram([3, 2, 1]).sample(4, rng=0).shape, numba.config.CACHE_DIR)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    shape, cache = done.stdout.split()
    assert shape == "(4,)" and "negsample-numba-cache-" in cache

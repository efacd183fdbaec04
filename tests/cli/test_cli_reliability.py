"""The command line checks what it can before any work, never throws a finished run away, exits
non-zero when a query answered nothing, and starts without importing what it does not need."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from negsample.cli import main
from negsample.keyedvectors import KeyedVectors
from negsample.vocab import Vocabulary
from negsample.word2vec.corpus import source as source_module

SRC = str(Path(__file__).resolve().parents[2] / "src")


@pytest.fixture
def corpus_file(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(" ".join(f"t{t}w{w}" for w in rng.integers(0, 8, 10))
                              for t in rng.integers(0, 3, 200)) + "\n")
    return path


@pytest.fixture
def never_read(monkeypatch):
    """Fails the test if the corpus is read."""
    def read(self, *args, **kwargs):
        raise AssertionError("the corpus was read")

    monkeypatch.setattr(source_module.Corpus, "count_and_encode", read)


def train(corpus, out, *extra):
    return main(["word2vec", "train", str(corpus), "-o", str(out), "--min-count", "1", "--vector-size", "8",
                 "--epochs", "1", "--workers", "1", "--quiet", *extra])


@pytest.mark.parametrize("extra, message", [
    (["--seed", "-1"], r"seed must be an integer in \[0, 4294967295\], got -1"),
    (["--vector-size", "0"], "vector_size must be an integer >= 1"),
])
def test_settings_are_checked_before_the_corpus_is_read(tmp_path, corpus_file, never_read, capsys, extra, message):
    assert train(corpus_file, tmp_path / "v.bin", *extra) == 2
    err = capsys.readouterr().err
    assert err.startswith("negsample: error:") and err.count("\n") == 1
    import re

    assert re.search(message, err)


@pytest.mark.parametrize("target, reason", [
    (lambda tmp: tmp / "missing" / "v.bin", "the directory .*missing does not exist"),
    (lambda tmp: tmp, "it is a directory"),
    (lambda tmp: Path("/proc/negsample-v.bin"), "No such file or directory|Permission denied|Read-only"),
])
def test_the_output_is_checked_before_the_corpus_is_read(tmp_path, corpus_file, never_read, capsys, target,
                                                        reason):
    out = target(tmp_path)
    assert train(corpus_file, out) == 2
    err = capsys.readouterr().err
    import re

    assert re.search(f"negsample: error: cannot write {re.escape(str(out))}: ({reason})", err), err
    assert list(tmp_path.glob(".*.tmp")) == []


def test_an_unwritable_output_is_refused_before_reading(tmp_path, corpus_file, never_read, capsys):
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert train(corpus_file, folder / "v.bin") == 2
    finally:
        folder.chmod(0o700)
    assert "Permission denied" in capsys.readouterr().err


def test_a_failed_final_write_names_the_output_and_saves_the_vectors_elsewhere(tmp_path, corpus_file, monkeypatch,
                                                                             capsys):
    from negsample.word2vec import model as model_module

    folder = tmp_path / "out"
    folder.mkdir()
    real_fit = model_module.Word2Vec.fit

    def fit_then_lose_the_folder(self, *args, **kwargs):
        result = real_fit(self, *args, **kwargs)
        shutil.rmtree(folder)  # e.g. a disk unmounted, or a full disk, during training
        return result

    monkeypatch.setattr(model_module.Word2Vec, "fit", fit_then_lose_the_folder)
    assert train(corpus_file, folder / "v.bin") == 2
    err = capsys.readouterr().err.strip()
    rescued = Path(err.rsplit(" saved to ", 1)[1].removesuffix(" instead"))
    try:
        assert err.startswith(f"negsample: error: cannot write {folder / 'v.bin'}: the directory {folder} does not "
                              "exist; the trained vectors were saved to ")
        assert ".tmp" not in err  # the real path, not the hidden temporary file
        assert len(KeyedVectors.load_word2vec_format(rescued, binary=True)) == 24
    finally:
        rescued.unlink(missing_ok=True)


def test_workers_are_capped_with_a_plain_warning(tmp_path, corpus_file, capsys):
    assert train(corpus_file, tmp_path / "v.bin", "--workers", "1000") == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "warning" in line]
    assert lines == [line for line in lines if line.startswith("negsample: warning: workers=1000 is more than 4x")]
    assert len(lines) == 1


def test_invalid_bytes_warn_in_one_plain_line_naming_the_file(tmp_path, capsys):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("the cat sat on the mat\n" * 100)
    (folder / "b.txt").write_bytes(b"caf\xe9 " + b"the dog sat on the mat\n" * 100)
    assert train(folder, tmp_path / "v.bin") == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert warnings == [f"negsample: warning: replaced NUL or invalid UTF-8 bytes with U+FFFD in {folder / 'b.txt'} "
                        "(1 of 2305 bytes)"]


def test_a_binary_corpus_is_refused(tmp_path, capsys):
    blob = tmp_path / "blob"
    blob.write_bytes(bytes(range(256)) * 100)
    assert train(blob, tmp_path / "v.bin") == 2
    assert "does not look like text" in capsys.readouterr().err
    assert train(blob, tmp_path / "v.bin", "--max-invalid-share", "1") in (0, 2)  # overridable (then too few words)


@pytest.fixture
def vectors_file(tmp_path):
    rng = np.random.default_rng(0)
    kv = KeyedVectors(rng.standard_normal((4, 3)).astype(np.float32), Vocabulary(["a", "b", "c", "d"], [4, 3, 2, 1]))
    path = tmp_path / "v.txt"
    kv.save_word2vec_format(path)
    return path


def test_similar_exits_non_zero_when_no_word_is_known(vectors_file, capsys):
    assert main(["word2vec", "similar", str(vectors_file), "x", "y"]) == 1
    captured = capsys.readouterr()
    assert "x: not in the vocabulary" in captured.out
    assert captured.err.strip() == ("negsample: error: none of the words is in the vocabulary of "
                                    f"{vectors_file} (4 words)")
    assert main(["word2vec", "similar", str(vectors_file), "x", "a"]) == 0


def test_an_evaluation_that_answers_nothing_exits_non_zero(tmp_path, vectors_file, capsys):
    constant = tmp_path / "pairs.tsv"
    constant.write_text("a\tb\t5\nc\td\t5\na\tc\t5\n")  # constant human scores: Spearman is NaN
    assert main(["word2vec", "eval", str(vectors_file), "--pairs", str(constant)]) == 1
    assert "correlations are undefined (NaN) on the 3 pairs" in capsys.readouterr().err
    uncovered = tmp_path / "analogies.txt"
    uncovered.write_text(": s\nx y z w\n")
    assert main(["word2vec", "eval", str(vectors_file), "--analogies", str(uncovered)]) == 1
    assert "no question of" in capsys.readouterr().err


def _imported_after(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(sorted(m for m in ('numba', 'torch', "
                          "'scipy', 'tqdm') if m in sys.modules))"], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": SRC}, check=True)
    return eval(out.stdout.strip().splitlines()[-1])


def test_help_and_queries_import_neither_numba_nor_torch(vectors_file):
    assert _imported_after("import negsample, negsample.cli\nfrom negsample.cli import build_parser\n"
                           "build_parser().format_help()") == []
    code = f"from negsample.cli import main\nmain(['word2vec', 'similar', {str(vectors_file)!r}, 'a'])"
    assert [m for m in _imported_after(code) if m != "tqdm"] == []
    code = ("from negsample.cli import main\n"
            f"main(['word2vec', 'eval', {str(vectors_file)!r}, '--analogies', '/dev/null'])")
    assert [m for m in _imported_after(code) if m != "tqdm"] == []  # scipy only for word pairs

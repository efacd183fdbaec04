"""negsample word2vec train / eval / similar and negsample demo, end to end through main()."""

import dataclasses

import numpy as np
import pytest

from negsample.cli import build_parser, main
from negsample.cli.word2vec import model_from_args
from negsample.keyedvectors import KeyedVectors
from negsample.word2vec import Word2VecConfig
from negsample.word2vec.config import CBOW_ALPHA, SKIPGRAM_ALPHA


@pytest.fixture
def corpus_file(tmp_path):
    rng = np.random.default_rng(0)
    lines = []
    for _ in range(300):
        topic = rng.integers(3)
        lines.append(" ".join(f"t{topic}w{w}" for w in rng.integers(0, 8, 10)))
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_train_similar_eval_round_trip(tmp_path, corpus_file, capsys):
    out = tmp_path / "vectors.bin"
    assert main(["word2vec", "train", str(corpus_file), "-o", str(out), "--sg", "--min-count", "1",
                 "--vector-size", "16", "--epochs", "3", "--workers", "1", "--quiet"]) == 0
    wv = KeyedVectors.load_word2vec_format(out, binary=True)
    assert len(wv) == 24 and wv.vector_size == 16

    assert main(["word2vec", "similar", str(out), "t0w1", "nosuchword", "--topn", "3"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("t0w1: ") and "nosuchword: not in the vocabulary" in printed

    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("t0w1\tt0w2\t9\nt0w1\tt1w2\t1\nt1w3\tt1w4\t8\nt2w1\tt0w5\t2\n")
    analogies = tmp_path / "analogies.txt"
    analogies.write_text(": toy\nt0w1 t0w2 t1w1 t1w2\n")
    assert main(["word2vec", "eval", str(out), "--pairs", str(pairs), "--analogies", str(analogies)]) == 0
    printed = capsys.readouterr().out
    assert "spearman" in printed and "analogies" in printed


def test_text_and_native_outputs(tmp_path, corpus_file):
    for name in ("v.txt", "v.npz"):
        out = tmp_path / name
        assert main(["word2vec", "train", str(corpus_file), "-o", str(out), "--min-count", "1", "--hs",
                     "--negative", "0", "--epochs", "1", "--workers", "1", "--quiet"]) == 0
        assert out.exists()


@pytest.mark.parametrize("argv, message", [
    (["word2vec", "train", "missing.txt", "-o", "x.txt", "--quiet"], "corpus not found"),
    (["word2vec", "train", "{corpus}", "-o", "x.txt", "--window", "0", "--quiet"], "window must be"),
    (["word2vec", "train", "{corpus}", "-o", "x.txt", "--negative", "0", "--quiet"], "hs=0 with negative=0"),
    (["word2vec", "train", "{corpus}", "-o", "x.txt", "--min-count", "1000", "--quiet"], "lower min_count"),
    (["word2vec", "similar", "{bad}", "a"], "line 2"),
    (["word2vec", "eval", "{bad}"], "nothing to evaluate"),
])
def test_errors_are_one_line_without_traceback(tmp_path, corpus_file, capsys, argv, message):
    bad = tmp_path / "bad.txt"
    bad.write_text("2 3\nword 0.1 0.2\n")
    argv = [a.format(corpus=corpus_file, bad=bad) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("negsample: error:") and message in err
    assert "Traceback" not in err


def test_interrupted_training_leaves_no_output(tmp_path, corpus_file, monkeypatch):
    from negsample.word2vec import model as model_module

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(model_module.Word2Vec, "_train", interrupted)
    out = tmp_path / "v.txt"
    assert main(["word2vec", "train", str(corpus_file), "-o", str(out), "--min-count", "1", "--quiet"]) == 130
    assert not out.exists() and list(tmp_path.iterdir()) == [corpus_file]


def test_demo_runs_on_the_bundled_sample(capsys):
    assert main(["demo", "--epochs", "1"]) == 0
    printed = capsys.readouterr().out
    assert "WordSim-353 Spearman" in printed and "three:" in printed


def test_training_defaults_come_from_word2vec_config(capsys):
    args = build_parser().parse_args(["word2vec", "train", "corpus.txt", "-o", "out.vec"])
    assert model_from_args(args).config == Word2VecConfig()
    defaults = {f.name: f.default for f in dataclasses.fields(Word2VecConfig)}
    options = {name: value for name, value in vars(args).items() if name in defaults}
    assert options == {name: defaults[name] for name in options}
    assert set(defaults) - set(options) == {"ns_exponent", "max_sentence_length"}  # no option for these
    with pytest.raises(SystemExit):
        main(["word2vec", "train", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert f"maximum context window (default {defaults['window']})" in shown
    assert defaults["alpha"] is None  # the architecture picks: 0.025 skip-gram, 0.05 CBOW
    assert f"initial learning rate (default {SKIPGRAM_ALPHA} for skip-gram, {CBOW_ALPHA} for CBOW)" in shown


def test_batch_negatives_flag_reaches_the_model():
    # Moved from the batched-kernel tests: it tests the CLI.
    args = build_parser().parse_args(["word2vec", "train", "corpus.txt", "-o", "out.vec", "--sg", "--batch-negatives"])
    assert model_from_args(args).config.batch_negatives is True
    args = build_parser().parse_args(["word2vec", "train", "corpus.txt", "-o", "out.vec", "--sg"])
    assert model_from_args(args).config.batch_negatives is None
    assert model_from_args(args).config.batched is True
    args = build_parser().parse_args(["word2vec", "train", "corpus.txt", "-o", "out.vec", "--sg",
                                      "--no-batch-negatives"])
    assert model_from_args(args).config.batched is False

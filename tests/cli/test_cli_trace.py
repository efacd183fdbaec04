"""negsample trace, negsample plot and word2vec train --log, end to end through main()."""

import json
import sys

import numpy as np
import pytest

from negsample.cli import build_parser, main
from negsample.training_log import read_training_log
from negsample.word2vec import Word2VecConfig
from negsample.word2vec.trace import TRACE_SETTINGS


@pytest.fixture
def corpus_file(tmp_path):
    rng = np.random.default_rng(0)
    lines = [" ".join(f"t{rng.integers(3)}w{w}" for w in rng.integers(0, 6, 8)) for _ in range(120)]
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_trace_defaults_are_word2vec_trains_but_for_the_toy_text():
    args = build_parser().parse_args(["trace"])
    for field, default in Word2VecConfig().to_dict().items():
        if field == "workers":
            assert not hasattr(args, "workers")  # the trace is the one-worker run
        elif field in vars(args):
            assert getattr(args, field) == TRACE_SETTINGS.get(field, default), field
    assert (args.steps, args.format, args.corpus, args.text) == (1, "terminal", None, None)
    assert build_parser().parse_args(["trace", "--steps", "all"]).steps is None


def test_trace_prints_the_default_sentence_step_by_step(capsys):
    assert main(["trace", "--sg", "--no-batch-negatives", "--steps", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("word2vec trace: skip-gram, classic per-example kernel\n")
    for part in ("Vocabulary, noise and subsampling", "cells of 100", "Step 1", "Step 2", "Loss of these terms"):
        assert part in out


def test_trace_formats_and_sources_agree(tmp_path, capsys):
    text_file = tmp_path / "toy.txt"
    text_file.write_text("the dog ate the bone\nthe cat ate the fish\n")
    assert main(["trace", "--text", "the dog ate the bone\nthe cat ate the fish", "--format", "json", "--hs"]) == 0
    from_text = json.loads(capsys.readouterr().out)
    assert main(["trace", str(text_file), "--format", "json", "--hs"]) == 0
    from_file = json.loads(capsys.readouterr().out)
    assert from_text == from_file
    assert from_text["words"][0] == "the" and from_text["config"]["hs"] == 1
    assert from_text["config"]["vector_size"] == 4 and len(from_text["steps"]) == 1

    out = tmp_path / "trace.md"
    assert main(["trace", "--format", "markdown", "--steps", "3", "--window", "2", "-o", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("# word2vec trace") and "### Step 3" in text and "of 2 |" in text


@pytest.mark.parametrize("argv, message", [
    (["trace", "corpus.txt", "--text", "a b"], "not both"),
    (["trace", "--text", "   "], "holds no words"),
    (["trace", "--text", "a"], "nothing to trace"),
    (["trace", "missing.txt"], "corpus not found"),
    (["trace", "--negative", "0"], "hs=0 with negative=0"),
])
def test_trace_errors_are_one_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_trace_steps_must_be_positive(capsys):
    with pytest.raises(SystemExit):
        main(["trace", "--steps", "0"])
    assert "updates >= 1 or 'all'" in capsys.readouterr().err


def test_train_log_feeds_plot_curves(tmp_path, corpus_file):
    logs = []
    for arch in ("--sg", "--cbow"):
        log = tmp_path / f"{arch[2:]}.jsonl"
        assert main(["word2vec", "train", str(corpus_file), "-o", str(tmp_path / "v.bin"), arch, "--min-count", "1",
                     "--vector-size", "8", "--epochs", "3", "--workers", "1", "--quiet", "--log", str(log)]) == 0
        run, epochs = read_training_log(log)
        assert run["wing"] == "word2vec" and run["unit"] == "words" and run["config"]["sg"] == (arch == "--sg")
        assert [e["epoch"] for e in epochs] == [1, 2, 3]
        assert all(e["loss"] > 0 and e["lr"] > 0 for e in epochs)
        assert epochs[0]["lr"] > epochs[-1]["lr"]
        logs.append(str(log))
    pytest.importorskip("matplotlib")
    out = tmp_path / "curves.png"
    assert main(["plot", "curves", *logs, "--labels", "skip-gram", "CBOW", "-o", str(out)]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_plot_noise_vectors_and_trace(tmp_path, corpus_file, capsys):
    pytest.importorskip("matplotlib")
    assert main(["plot", "noise", str(corpus_file), "-o", str(tmp_path / "noise.svg")]) == 0
    assert "<svg" in (tmp_path / "noise.svg").read_text()
    vectors = tmp_path / "v.npz"
    assert main(["word2vec", "train", str(corpus_file), "-o", str(vectors), "--min-count", "1", "--vector-size", "8",
                 "--epochs", "1", "--workers", "1", "--quiet"]) == 0
    assert main(["plot", "noise", str(vectors), "-o", str(tmp_path / "noise.png")]) == 0
    assert main(["plot", "vectors", str(vectors), "--top", "6", "-o", str(tmp_path / "top.png")]) == 0
    assert main(["plot", "vectors", str(vectors), "--words", "t0w1", "t1w2", "t2w3", "-o",
                 str(tmp_path / "words.svg")]) == 0
    trace_file = tmp_path / "trace.json"
    assert main(["trace", "--sg", "--steps", "all", "--format", "json", "-o", str(trace_file)]) == 0
    assert main(["plot", "trace", str(trace_file), "-o", str(tmp_path / "trace.png")]) == 0
    assert main(["plot", "vectors", str(trace_file), "-o", str(tmp_path / "moves.png")]) == 0
    for name in ("noise.png", "top.png", "trace.png", "moves.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG", name
    capsys.readouterr()

    bad = [(["plot", "noise", str(tmp_path / "v.bin"), "-o", str(tmp_path / "x.png")], "store no counts"),
           (["plot", "vectors", str(vectors), "--words", "nope", "-o", str(tmp_path / "x.png")], "nope"),
           (["plot", "trace", str(corpus_file), "-o", str(tmp_path / "x.png")], "line 1, column 1: not JSON"),
           (["plot", "trace", str(trace_file), "-o", str(tmp_path / "x.gif")], "got .gif")]
    for argv, message in bad:
        assert main(argv) == 2, argv
        assert message in capsys.readouterr().err


def test_plot_without_matplotlib_says_which_extra(monkeypatch, tmp_path, capsys):
    import negsample

    for name in [m for m in sys.modules if m == "negsample.plots" or m.startswith("negsample.plots.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.delattr(negsample, "plots", raising=False)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["plot", "trace", "t.json", "-o", str(tmp_path / "t.png")]) == 2
    err = capsys.readouterr().err
    assert "pip install '.[plots]'" in err and "Traceback" not in err


def test_the_readme_excerpt_is_the_commands_output(capsys):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = readme.split("## See it work")[1].split("```text\n")[1].split("```")[0].splitlines()
    command, excerpt = block[0], [line for line in block[1:] if line != "..."]
    assert command.startswith("$ negsample trace")
    assert main(command.split()[2:]) == 0
    printed = capsys.readouterr().out.splitlines()
    missing = [line for line in excerpt if line not in printed]
    assert not missing and len(excerpt) > 8
    assert (Path(__file__).resolve().parents[2] / "docs" / "see-it-work-noise.png").exists()

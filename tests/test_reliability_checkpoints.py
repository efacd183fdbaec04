"""Checkpoints and resume: a run stopped after any epoch and resumed from its last checkpoint gives,
with one worker, the vectors of a run never stopped, bit for bit; checkpoints are whole or absent;
the CLI's --checkpoint / --checkpoint-every / --resume do the same end to end."""

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

from negsample import _atomic
from negsample.checkpoints import CheckpointDir, CheckpointError, CheckpointEvery
from negsample.cli import main
from negsample.keyedvectors import KeyedVectors
from negsample.word2vec import Word2Vec
from negsample.word2vec import checkpoint as checkpoint_module
from negsample.word2vec.checkpoint import checkpoint_callback, latest_model, resume


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory):
    rng = np.random.default_rng(1)
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    path.write_text("\n".join(" ".join(f"t{t}w{w}" for w in rng.integers(0, 12, 14))
                              for t in rng.integers(0, 4, 600)) + "\n")
    return path


class Crash(Exception):
    pass


def crash_after(epoch):
    def callback(model, stats):
        if stats.epoch == epoch:
            raise Crash

    return callback


SETTINGS = [
    dict(sg=1, negative=5),  # skip-gram, batched negatives
    dict(sg=0, hs=1, negative=0),  # CBOW, hierarchical softmax
    dict(sg=1, hs=1, negative=3, batch_negatives=False),  # both objectives, per-pair kernel
]


@pytest.mark.parametrize("settings", SETTINGS, ids=["sg-ns", "cbow-hs", "sg-hs-ns"])
@pytest.mark.parametrize("every, stop", [("1", 2), ("2", 3)])
def test_a_resumed_run_is_bit_identical_to_an_uninterrupted_one(tmp_path, corpus_file, settings, every, stop):
    params = dict(vector_size=12, min_count=1, epochs=4, workers=1, seed=7, **settings)
    whole = Word2Vec(**params).fit(corpus_file)
    with pytest.raises(Crash):  # the run dies at the end of epoch `stop`, after any checkpoint of it
        Word2Vec(**params).fit(corpus_file, callbacks=[checkpoint_callback(tmp_path, every), crash_after(stop)])
    saved, manifest = latest_model(tmp_path)
    assert manifest["epochs_trained"] == (2 if every == "2" else stop)
    resumed = resume(tmp_path, corpus_file)
    assert resumed.epochs_trained == 4 and resumed.schedule.finished
    assert np.array_equal(resumed.wv.vectors, whole.wv.vectors)
    for name in ("context_vectors", "node_vectors"):
        ours, theirs = getattr(resumed, name), getattr(whole, name)
        assert (ours is None and theirs is None) or np.array_equal(ours, theirs)
    assert [s.epoch for s in resumed.epoch_stats] == [1, 2, 3, 4]


def test_checkpoints_keep_the_newest_and_record_what_they_are(tmp_path, corpus_file):
    Word2Vec(vector_size=8, min_count=1, epochs=5, workers=1).fit(
        corpus_file, callbacks=[checkpoint_callback(tmp_path, 1, keep=2, corpus_name=str(corpus_file))])
    folder = CheckpointDir(tmp_path)
    assert [p.name for p in folder.checkpoints()] == ["checkpoint-000004", "checkpoint-000005"]
    manifest = folder.manifest(folder.latest())
    assert manifest["wing"] == "word2vec" and manifest["epochs_trained"] == 5
    assert manifest["corpus"] == str(corpus_file) and manifest["every"] == "1"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resume(tmp_path, corpus_file).epochs_trained == 5  # finished: nothing left to train
    other = tmp_path / "other.txt"
    other.write_text("t0w1 t0w2\n")
    with pytest.warns(UserWarning, match=f"but its checkpoints were taken training on {corpus_file}"):
        resume(tmp_path, other)


def test_every_minutes_saves_at_the_first_epoch_end_past_the_interval(tmp_path, corpus_file, monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(checkpoint_module.time, "monotonic", lambda: clock[0])

    def tick(model, stats):
        clock[0] += 40.0  # each epoch takes 40 s

    Word2Vec(vector_size=8, min_count=1, epochs=6, workers=1).fit(
        corpus_file, callbacks=[tick, checkpoint_callback(tmp_path, "1.5m", keep=10)])
    assert [p.name for p in CheckpointDir(tmp_path).checkpoints()] == ["checkpoint-000003", "checkpoint-000006"]


@pytest.mark.parametrize("text, expected", [("3", CheckpointEvery(epochs=3)), ("30m", CheckpointEvery(minutes=30)),
                                            ("1.5h", CheckpointEvery(minutes=90)), (2, CheckpointEvery(epochs=2))])
def test_checkpoint_every_parses_epochs_and_minutes(text, expected):
    assert CheckpointEvery.parse(text) == expected


@pytest.mark.parametrize("text", ["0", "-1", "2.5", "soon", "5s"])
def test_bad_checkpoint_every_is_a_parameter_error(text):
    with pytest.raises(ValueError, match="checkpoint every"):
        CheckpointEvery.parse(text)


def test_a_failed_checkpoint_write_leaves_the_previous_one_whole(tmp_path):
    folder = CheckpointDir(tmp_path)
    folder.save(lambda path: (path / "w.txt").write_text("one"), step=1)

    def half_written(path):
        (path / "w.txt").write_text("tw")
        raise OSError("disk full (simulated)")

    with pytest.raises(OSError, match="simulated"):
        folder.save(half_written, step=2)
    assert [p.name for p in folder.checkpoints()] == ["checkpoint-000001"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint-000001"]
    assert (folder.latest() / "w.txt").read_text() == "one"


def test_a_checkpoint_killed_mid_write_is_removed_by_the_next_save(tmp_path):
    code = ("import os, sys, time\nfrom negsample.checkpoints import CheckpointDir\n"
            "def stall(path):\n    (path / 'w.txt').write_text('partial')\n    print('WRITING', flush=True)\n"
            "    time.sleep(120)\nCheckpointDir(sys.argv[1]).save(stall, step=2)\n")
    CheckpointDir(tmp_path).save(lambda path: (path / "w.txt").write_text("one"), step=1)
    child = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert child.stdout.readline().strip() == "WRITING"
    child.kill()
    child.wait()
    assert CheckpointDir(tmp_path).latest().name == "checkpoint-000001"  # the partial one is not a checkpoint
    assert any(p.name.startswith(".checkpoint-tmp-") for p in tmp_path.iterdir())
    CheckpointDir(tmp_path).save(lambda path: (path / "w.txt").write_text("three"), step=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint-000001", "checkpoint-000003"]
    assert _atomic.remove_stale_entries(tmp_path, ".checkpoint-tmp-") == []


def test_resuming_without_a_checkpoint_says_so(tmp_path, corpus_file):
    with pytest.raises(CheckpointError, match=f"no checkpoint to resume from in {tmp_path}"):
        resume(tmp_path, corpus_file)
    (tmp_path / "checkpoint-000001").mkdir()
    (tmp_path / "checkpoint-000001" / "manifest.json").write_text(json.dumps({"wing": "kg"}))
    with pytest.raises(CheckpointError, match="is not a word2vec one"):
        resume(tmp_path, corpus_file)


def _cli_train(corpus, out, *extra):
    return main(["word2vec", "train", str(corpus), "-o", str(out), "--min-count", "1", "--vector-size", "10",
                 "--epochs", "4", "--workers", "1", "--seed", "5", "--sg", "--quiet", *extra])


def test_cli_checkpoint_then_resume_writes_the_uninterrupted_vectors(tmp_path, corpus_file, monkeypatch, capsys):
    assert _cli_train(corpus_file, tmp_path / "whole.bin") == 0
    real = checkpoint_module.checkpoint_callback

    def crashing(*args, **kwargs):
        save = real(*args, **kwargs)

        def callback(model, stats):
            save(model, stats)
            if stats.epoch == 3:
                raise KeyboardInterrupt  # Ctrl-C (or a crash) right after the checkpoint of epoch 3

        return callback

    monkeypatch.setattr(checkpoint_module, "checkpoint_callback", crashing)
    assert _cli_train(corpus_file, tmp_path / "v.bin", "--checkpoint", str(tmp_path / "ckpt")) == 130
    assert not (tmp_path / "v.bin").exists()
    monkeypatch.setattr(checkpoint_module, "checkpoint_callback", real)
    assert main(["word2vec", "train", str(corpus_file), "-o", str(tmp_path / "v.bin"), "--resume",
                 str(tmp_path / "ckpt"), "--quiet"]) == 0
    assert (tmp_path / "v.bin").read_bytes() == (tmp_path / "whole.bin").read_bytes()
    assert len(KeyedVectors.load_word2vec_format(tmp_path / "v.bin", binary=True)) == 48


@pytest.mark.parametrize("extra, message", [
    (["--checkpoint-every", "2"], "--checkpoint-every needs --checkpoint DIR"),
    (["--checkpoint", "{tmp}/c", "--checkpoint-every", "soon"], "checkpoint every: expected EPOCHS"),
    (["--resume", "{tmp}/none"], "no checkpoint to resume from"),
    (["--resume", "{tmp}/a", "--checkpoint", "{tmp}/b"], "leave out --checkpoint"),
])
def test_cli_checkpoint_options_are_checked_before_reading(tmp_path, corpus_file, capsys, extra, message):
    from negsample.word2vec.corpus import source

    def never(*args, **kwargs):
        raise AssertionError("the corpus was read")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(source.Corpus, "count_and_encode", never)
        assert _cli_train(corpus_file, tmp_path / "v.bin", *[e.format(tmp=tmp_path) for e in extra]) == 2
    assert message in capsys.readouterr().err

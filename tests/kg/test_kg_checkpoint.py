"""KG checkpoints and resume: a fit stopped after epoch k and resumed gives, on CPU with the same seed,
the very parameters (and optimizer state, and history) of a fit never stopped; a checkpoint of another
graph or other settings is refused by name; the CLI's --checkpoint / --checkpoint-every / --resume."""

import json

import numpy as np
import pytest
import torch
from kg_planted import one_torch_thread, planted_triples  # noqa: F401 (a fixture)

from negsample.checkpoints import CheckpointDir, CheckpointError
from negsample.cli import main
from negsample.kg import KGModel, Triples
from negsample.kg.checkpoint import latest_checkpoint

pytestmark = pytest.mark.usefixtures("one_torch_thread")

BASE = dict(dim=8, negatives=4, batch_size=32, epochs=5, eval_every=0, seed=3)
CASES = {   # each optimizer's state, both samplers, shared and filtered negatives, early stopping
    "rotate-adam": dict(model="rotate", loss="self_adversarial", margin=4.0, lr=0.05),
    "complex-adagrad-inverse-1vsall": dict(model="complex", loss="1vsall", optimizer="adagrad", lr=0.2, inverse=True),
    "transe-sparse-adam-filtered": dict(model="transe", p=2, loss="margin", lr=0.02, optimizer="sparse_adam",
                                        filtered=True),
    # validation MRR 0.110, 0.093, 0.104: stops after epoch 3 with epoch 1's weights, which a resume
    # after epoch 2 must have kept (and the one validation without a gain)
    "complex-sgd-bernoulli-shared-early-stop": dict(model="complex", loss="softmax", optimizer="sgd", lr=1.0,
                                                    sampler="bernoulli", chunk_size=8, eval_every=1, patience=2,
                                                    epochs=6),
}


class Crash(Exception):
    pass


def crash_after(epoch):
    def on_epoch(record):
        if record["epoch"] == epoch:
            raise Crash

    return on_epoch


def _same(a: KGModel, b: KGModel) -> None:
    for name in ("entity", "relation"):
        assert torch.equal(getattr(a.score_function, name), getattr(b.score_function, name)), name
    strip = [{k: v for k, v in r.items() if k not in ("seconds", "elapsed", "per_second")} for r in a.history]
    assert strip == [{k: v for k, v in r.items() if k not in ("seconds", "elapsed", "per_second")}
                     for r in b.history]


@pytest.mark.parametrize("name", list(CASES))
def test_a_resumed_fit_gives_the_parameters_of_an_uninterrupted_one(tmp_path, name):
    triples = planted_triples()
    settings = {**BASE, **CASES[name]}
    whole = KGModel(progress=False, **settings).fit(triples)
    with pytest.raises(Crash):
        KGModel(progress=False, **settings).fit(triples, checkpoint=tmp_path, on_epoch=crash_after(2))
    path, header = latest_checkpoint(tmp_path)
    assert path.name == "checkpoint-000002" and header["progress"]["epochs_done"] == 2
    trained = len(triples.train) * (2 if settings.get("inverse") else 1)
    assert len(header["entities"]) == 48 and header["fingerprint"]["train"] == trained
    resumed = KGModel(progress=False, **settings).fit(triples, resume=tmp_path)
    _same(resumed, whole)
    assert [r["epoch"] for r in resumed.history] == [r["epoch"] for r in whole.history]
    if settings["eval_every"]:
        assert len(whole.history) == 3   # early stopping did stop the run


def test_every_two_epochs_and_a_finished_run(tmp_path):
    triples = planted_triples()
    settings = {**BASE, **CASES["rotate-adam"]}
    whole = KGModel(progress=False, **settings).fit(triples, checkpoint=tmp_path, checkpoint_every="2",
                                                    keep_checkpoints=5)
    folder = CheckpointDir(tmp_path)
    assert [p.name for p in folder.checkpoints()] == ["checkpoint-000002", "checkpoint-000004", "checkpoint-000005"]
    manifest = folder.manifest(folder.latest())
    assert manifest["wing"] == "kg" and manifest["finished"] and manifest["every"] == "2"
    again = KGModel(progress=False, **settings).fit(triples, resume=tmp_path)  # nothing left to train
    _same(again, whole)
    longer = KGModel(progress=False, **{**settings, "epochs": 7}).fit(triples, resume=tmp_path)  # may go on
    assert [r["epoch"] for r in longer.history] == list(range(1, 8))
    assert CheckpointDir(tmp_path).latest().name == "checkpoint-000007"


def test_a_checkpoint_of_another_graph_or_other_settings_is_refused(tmp_path):
    triples = planted_triples()
    settings = {**BASE, **CASES["rotate-adam"], "epochs": 2}
    KGModel(progress=False, **settings).fit(triples, checkpoint=tmp_path)
    fewer = Triples.from_ids(triples.train[:-1], triples.valid, triples.test, num_entities=48, num_relations=4)
    with pytest.raises(CheckpointError, match=r"another graph \(its training triples differ\).*95 train"):
        KGModel(progress=False, **settings).fit(fewer, resume=tmp_path)
    labelled = Triples.from_labels([("a", "r", "b")])
    with pytest.raises(CheckpointError, match=r"another graph \(its labels differ\): it has 48 entities"):
        KGModel(progress=False, **settings).fit(labelled, resume=tmp_path)
    with pytest.raises(CheckpointError, match=r"other settings: dim 8 \(now 16\); lr 0.05 \(now 0.1\)"):
        KGModel(progress=False, **{**settings, "dim": 16, "lr": 0.1}).fit(triples, resume=tmp_path)
    with pytest.raises(CheckpointError, match="no checkpoint to resume from"):
        KGModel(progress=False, **settings).fit(triples, resume=tmp_path / "empty")
    with pytest.raises(ValueError, match="leave out checkpoint="):
        KGModel(progress=False, **settings).fit(triples, resume=tmp_path, checkpoint=tmp_path)
    (CheckpointDir(tmp_path).latest() / "state.npz").write_bytes(b"not a zip")
    with pytest.raises(CheckpointError, match="damaged or incomplete state.npz"):
        KGModel(progress=False, **settings).fit(triples, resume=tmp_path)


def _write_graph(root):
    triples = planted_triples()
    root.mkdir()
    for split in ("train", "valid", "test"):
        rows = getattr(triples, split)
        (root / f"{split}.txt").write_text("".join(f"e{h}\tr{r}\te{t}\n" for h, r, t in rows))
    return root


def test_the_cli_checkpoints_and_resumes(tmp_path, capsys):
    data = _write_graph(tmp_path / "graph")
    options = ["--model", "distmult", "--loss", "softplus", "--dim", "8", "--negatives", "4", "--epochs", "4",
               "--batch-size", "32", "--eval-every", "0", "--lr", "0.05", "--quiet"]
    whole = tmp_path / "whole.npz"
    assert main(["kg", "train", str(data), "-o", str(whole), *options]) == 0
    ckpt = tmp_path / "ckpt"
    partial = options[:options.index("--epochs") + 1] + ["2"] + options[options.index("--epochs") + 2:]
    assert main(["kg", "train", str(data), "-o", str(tmp_path / "part.npz"), *partial, "--checkpoint", str(ckpt),
                 "--checkpoint-every", "1"]) == 0
    resumed = tmp_path / "resumed.npz"   # the settings come from the checkpoint; more epochs may be asked for
    assert main(["kg", "train", str(data), "-o", str(resumed), "--resume", str(ckpt), "--epochs", "4",
                 "--quiet"]) == 0
    a, b = KGModel.load(whole), KGModel.load(resumed)
    assert torch.equal(a.score_function.entity, b.score_function.entity)
    header = json.loads((CheckpointDir(ckpt).latest() / "state.json").read_text())
    assert header["progress"]["epochs_done"] == 4
    capsys.readouterr()
    assert main(["kg", "train", str(data), "-o", str(resumed), "--resume", str(ckpt), "--dim", "16"]) == 2
    assert "--dim 16 differs from the checkpoint's 8" in capsys.readouterr().err
    assert main(["kg", "train", str(data), "-o", str(resumed), "--checkpoint-every", "2"]) == 2
    assert "--checkpoint-every needs --checkpoint DIR" in capsys.readouterr().err
    assert np.isfinite(b.score_function.entity.detach().numpy()).all()

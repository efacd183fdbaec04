"""Checkpoints of a two-tower fit: a fit resumed from a checkpoint ends with the weights (and history)
of the uninterrupted one, bit for bit on CPU, for every kind of state the objective carries; other
settings or other data are refused; the CLI's --checkpoint / --resume."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from recsys_synthetic import one_torch_thread, planted  # noqa: E402, F401

from negsample.checkpoints import CheckpointDir, CheckpointError  # noqa: E402
from negsample.cli import main as cli_main  # noqa: E402
from negsample.recsys import TwoTower, leave_last_out  # noqa: E402
from negsample.recsys.checkpoint import read_state  # noqa: E402

FAST = {"dim": 8, "epochs": 4, "batch_size": 128, "lr": 0.02, "early_stopping": None, "seed": 5}


@pytest.fixture(scope="module")
def split():
    return leave_last_out(planted(num_users=120, num_items=80), valid=True, seed=0)


def _weights(model):
    return {**{f"u/{k}": v for k, v in model.user_tower.state_dict().items()},
            **{f"i/{k}": v for k, v in model.item_tower.state_dict().items()}}


def _assert_same(a, b):
    wa, wb = _weights(a), _weights(b)
    assert wa.keys() == wb.keys()
    for key in wa:
        assert torch.equal(wa[key], wb[key]), key
    strip = lambda history: [{k: v for k, v in r.items() if k != "seconds"} for r in history]  # noqa: E731
    assert strip(a.history) == strip(b.history)


@pytest.mark.parametrize("settings", [
    {"negatives": "uniform", "loss": "bpr", "num_negatives": 1, "shared_negatives": False, "sample_unseen": True,
     "temperature": 1.0, "normalize": False},
    {"negatives": "cross-batch", "memory_size": 200},
    {"negatives": "in-batch", "log_q": "streaming"},
    {"negatives": "hard", "num_negatives": 3, "hard_pool": 10, "hard_refresh": 2},
    {"negatives": "mixed", "num_negatives": 16, "early_stopping": "ndcg@10", "epochs": 5, "patience": 5},
], ids=lambda s: s["negatives"] + ("-early" if "early_stopping" in s else ""))
def test_a_resumed_fit_matches_the_uninterrupted_one(split, tmp_path, settings):
    config = {**FAST, **settings}
    valid = split.valid if config["early_stopping"] else None
    whole = TwoTower(**config).fit(split.train, valid, checkpoint=tmp_path / "whole", checkpoint_every="2",
                                   keep_checkpoints=3)
    folder = CheckpointDir(tmp_path / "whole")
    assert [p.name for p in folder.checkpoints()][-1] == f"checkpoint-{config['epochs']:06d}"  # the last epoch
    # "Interrupted" after epoch 2: only that checkpoint is left; resuming trains epochs 3.. again.
    shutil.copytree(folder.path / "checkpoint-000002", tmp_path / "cut" / "checkpoint-000002")
    resumed = TwoTower(**config).fit(split.train, valid, resume=tmp_path / "cut")
    _assert_same(whole, resumed)
    assert CheckpointDir(tmp_path / "cut").latest().name == f"checkpoint-{config['epochs']:06d}"
    # Resuming a finished fit trains nothing and gives the same model.
    again = TwoTower(**config).fit(split.train, valid, resume=tmp_path / "cut")
    _assert_same(whole, again)


def test_the_state_holds_what_the_objective_carries(split, tmp_path):
    TwoTower(**FAST, negatives="cross-batch", memory_size=50).fit(split.train, checkpoint=tmp_path)
    state = read_state(CheckpointDir(tmp_path).latest())
    assert state["epoch"] == FAST["epochs"] and state["stopped"]
    assert state["objective"]["memory_ids"].shape == (50,)
    assert set(state["optimizer"][0]) == {"step", "exp_avg", "exp_avg_sq"}


def test_resuming_with_other_settings_or_data_is_refused(split, tmp_path):
    TwoTower(**FAST).fit(split.train, checkpoint=tmp_path, checkpoint_every="1")
    with pytest.raises(CheckpointError, match=r"other settings \(lr: 0.02 in the checkpoint, 0.01 now\)"):
        TwoTower(**{**FAST, "lr": 0.01}).fit(split.train, resume=tmp_path)
    with pytest.raises(CheckpointError, match="other interactions"):
        TwoTower(**FAST).fit(split.train.concat(split.valid), resume=tmp_path)
    with pytest.raises(CheckpointError, match="no checkpoint"):
        TwoTower(**FAST).fit(split.train, resume=tmp_path / "empty")
    with pytest.raises(ValueError, match="leave out checkpoint="):
        TwoTower(**FAST).fit(split.train, checkpoint=tmp_path, resume=tmp_path)
    with pytest.raises(ValueError, match="checkpoint_every needs"):
        TwoTower(**FAST).fit(split.train, checkpoint_every="2")


def test_cli_checkpoint_and_resume(tmp_path, capsys):
    rng = np.random.default_rng(0)
    lines = [f"{u}\t{(u % 5) * 16 + i}" for u in range(60) for i in rng.choice(16, 8, replace=False)]
    data = tmp_path / "pairs.tsv"
    data.write_text("user\titem\n" + "\n".join(lines) + "\n")
    common = [str(data), "--user-col", "user", "--item-col", "item", "--quiet", "--dim", "8", "--epochs", "3",
              "--batch-size", "64", "--early-stopping", "none", "--seed", "2"]
    assert cli_main(["recsys", "train", *common, "-o", str(tmp_path / "a.npz"), "--checkpoint",
                     str(tmp_path / "ck"), "--checkpoint-every", "1", "--lr", "0.03"]) == 0
    metrics = lambda out: [line for line in out.splitlines() if "seconds" not in line]  # noqa: E731
    whole = metrics(capsys.readouterr().out)
    shutil.rmtree(tmp_path / "ck" / "checkpoint-000003")  # as if stopped after epoch 2
    # The settings come from the checkpoint (lr 0.03), not from the (default) options given here.
    assert cli_main(["recsys", "train", *common, "-o", str(tmp_path / "b.npz"), "--resume",
                     str(tmp_path / "ck")]) == 0
    assert metrics(capsys.readouterr().out) == whole  # the same test metrics
    a, b = TwoTower.load(tmp_path / "a.npz"), TwoTower.load(tmp_path / "b.npz")
    assert np.array_equal(a.item_embeddings(), b.item_embeddings())
    assert cli_main(["recsys", "train", *common, "-o", str(tmp_path / "c.npz"), "--checkpoint-every", "2"]) == 2
    assert "--checkpoint-every needs --checkpoint" in capsys.readouterr().err

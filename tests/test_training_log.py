"""Training logs round-trip, and a log that is not one is named with its line."""

import math

import pytest

from negsample.training_log import TrainingLog, TrainingLogError, read_training_log


def test_round_trip_with_metrics_and_non_finite_values(tmp_path):
    path = tmp_path / "run.jsonl"
    with TrainingLog(path, wing="kg", unit="triples", config={"model": "rotate", "dim": 8}) as log:
        log.epoch(epoch=1, loss=1.5, seconds=2.0, per_second=100.0, lr=1e-3, metrics={"valid_mrr": 0.25})
        log.epoch(epoch=2, loss=math.nan, seconds=2.0, per_second=90.0, lr=None)
    run, epochs = read_training_log(path)
    assert run == {"kind": "run", "wing": "kg", "unit": "triples", "config": {"model": "rotate", "dim": 8}}
    assert [e["epoch"] for e in epochs] == [1, 2]
    assert epochs[0]["metrics"] == {"valid_mrr": 0.25}
    assert epochs[1]["loss"] is None and epochs[1]["lr"] is None


@pytest.mark.parametrize("text,message", [
    ("", "empty, not a training log"),
    ('{"kind": "epoch", "epoch": 1}\n', 'line 1: expected the run header'),
    ('{"kind": "run", "wing": "x"}\nnot json\n', "line 2: not JSON"),
    ('{"kind": "run", "wing": "x"}\n{"kind": "epoch", "epoch": 1, "loss": 1}\n', "line 2: epoch record lacks seconds"),
])
def test_bad_logs_are_named_with_their_line(tmp_path, text, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(text)
    with pytest.raises(TrainingLogError, match=message):
        read_training_log(path)

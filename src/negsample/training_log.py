"""Training logs every wing writes alike: one JSON object per line, the run first, then one per epoch.

The word2vec, recommender and knowledge-graph trainers write the same format (``--log LOG.jsonl`` on
the command line), so ``negsample plot curves`` can overlay any of them::

    {"kind": "run", "wing": "word2vec", "unit": "words", "config": {...}}
    {"kind": "epoch", "epoch": 1, "loss": 2.31, "seconds": 0.8, "per_second": 1.4e6, "lr": 0.0226}
    {"kind": "epoch", "epoch": 2, "loss": 2.05, "seconds": 0.8, "per_second": 1.5e6, "lr": 0.0201,
     "metrics": {"valid_mrr": 0.31}}

``unit`` says what ``per_second`` counts (words, interactions, triples). Each line is flushed as it is
written, so a log stays readable while the run goes on and after it stops for any reason.

Example
-------
>>> import pathlib, tempfile
>>> from negsample.training_log import TrainingLog, read_training_log
>>> path = pathlib.Path(tempfile.mkdtemp()) / "run.jsonl"
>>> with TrainingLog(path, wing="word2vec", unit="words", config={"sg": 1}) as log:
...     log.epoch(epoch=1, loss=2.5, seconds=1.0, per_second=1e6, lr=0.02)
>>> run, epochs = read_training_log(path)
>>> run["wing"], [e["loss"] for e in epochs]
('word2vec', [2.5])
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

__all__ = ["TrainingLog", "TrainingLogError", "read_training_log"]

_EPOCH_FIELDS = ("epoch", "loss", "seconds", "per_second", "lr")


class TrainingLogError(ValueError):
    """A training log that cannot be read; the message names the file and line."""


class TrainingLog:
    """Writes a run's header line, then :meth:`epoch` lines, to ``path`` (replaced if it exists).

    wing : str -- "word2vec", "recsys" or "kg"
    unit : str -- what ``per_second`` counts
    config : dict -- the run's settings (JSON-serialisable)
    """

    def __init__(self, path: str | os.PathLike, *, wing: str, unit: str, config: dict):
        self.path = Path(path)
        self._file = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 - closed by close()/__exit__
        self._write({"kind": "run", "wing": wing, "unit": unit, "config": config})

    def epoch(self, *, epoch: int, loss: float, seconds: float, per_second: float, lr: float | None,
              metrics: dict[str, float] | None = None) -> None:
        """One epoch's record; ``metrics`` holds validation results (e.g. ``{"valid_mrr": 0.3}``)."""
        record = {"kind": "epoch", "epoch": int(epoch), "loss": float(loss), "seconds": float(seconds),
                  "per_second": float(per_second), "lr": None if lr is None else float(lr)}
        if metrics:
            record["metrics"] = {name: float(value) for name, value in metrics.items()}
        self._write(record)

    def _write(self, record: dict) -> None:
        # Non-finite floats are written as null: JSON has no NaN, and readers should not choke on one.
        def clean(value):
            if isinstance(value, float) and not math.isfinite(value):
                return None
            if isinstance(value, dict):
                return {k: clean(v) for k, v in value.items()}
            return value

        self._file.write(json.dumps(clean(record), default=str) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> TrainingLog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_training_log(path: str | os.PathLike) -> tuple[dict, list[dict]]:
    """The run header and the epoch records of a log written by :class:`TrainingLog`.

    Raises :class:`TrainingLogError` naming the file and line for anything else.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise TrainingLogError(f"cannot read training log {path}: {exc}") from exc
    run, epochs = None, []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TrainingLogError(f"{path}, line {number}: not JSON ({exc.msg})") from exc
        kind = record.get("kind") if isinstance(record, dict) else None
        if kind == "run" and run is None:
            run = record
        elif kind == "epoch" and run is not None:
            missing = [name for name in _EPOCH_FIELDS if name not in record]
            if missing:
                raise TrainingLogError(f"{path}, line {number}: epoch record lacks {', '.join(missing)}")
            epochs.append(record)
        else:
            expected = "an epoch record" if run is not None else 'the run header ({"kind": "run", ...})'
            raise TrainingLogError(f"{path}, line {number}: expected {expected}, got kind={kind!r}")
    if run is None:
        raise TrainingLogError(f"{path}: empty, not a training log")
    return run, epochs

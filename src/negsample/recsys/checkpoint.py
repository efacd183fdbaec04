"""Checkpoints of a two-tower fit and resuming one, on :mod:`negsample.checkpoints` (the mechanism
every wing shares).

A checkpoint is the whole training state after an epoch (:func:`~negsample.recsys.training.training_state`):
both towers, Adam's moments, the shuffling and sampling random streams, the objective's carried
state (cross-batch memory, streaming frequencies, hard-negative pools), the early-stopping
bookkeeping and the history, in ``state.npz`` (arrays, no pickle) and ``state.json`` (the rest). The
manifest records the settings and a digest of the training (and validation) interactions; resuming
with other settings or other data is refused, naming what differs. On CPU with a seed, a resumed fit
ends with the weights of the uninterrupted one, bit for bit (``tests/recsys/test_recsys_checkpoint.py``).

Example
-------
>>> import tempfile
>>> import numpy as np
>>> from negsample.recsys import Interactions, TwoTower
>>> data = Interactions.from_arrays(np.repeat(np.arange(20), 3), np.arange(60) % 7)
>>> folder = tempfile.mkdtemp()
>>> settings = dict(dim=8, epochs=3, batch_size=16, early_stopping=None, seed=0)
>>> _ = TwoTower(**settings).fit(data, checkpoint=folder, checkpoint_every="2")   # after epochs 2 and 3
>>> again = TwoTower(**settings).fit(data, resume=folder)   # from epoch 3's: nothing left to train
>>> [record["epoch"] for record in again.history]
[1, 2, 3]
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np

from .._torch import require_torch
from ..checkpoints import CheckpointDir, CheckpointError, CheckpointEvery, tensors_to_arrays

torch = require_torch()

__all__ = ["STATE_ARRAYS", "STATE_JSON", "checkpoint_saver", "data_digest", "latest_manifest", "latest_state",
           "read_state", "write_state"]

STATE_ARRAYS = "state.npz"
STATE_JSON = "state.json"
_TENSOR_GROUPS = ("model", "best_model", "optimizer", "objective")


def data_digest(*parts) -> str:
    """SHA-256 of the (user, item) pairs of the given Interactions (None parts count as empty)."""
    digest = hashlib.sha256()
    for part in parts:
        if part is None:
            digest.update(b"none")
            continue
        digest.update(f"{part.num_users},{part.num_items},{len(part)};".encode())
        digest.update(np.ascontiguousarray(part.users, np.int64).tobytes())
        digest.update(np.ascontiguousarray(part.items, np.int64).tobytes())
    return digest.hexdigest()


def write_state(folder: Path, state: dict) -> None:
    """Write a training state into ``folder``: its tensors into ``state.npz``, the rest into ``state.json``."""
    arrays = tensors_to_arrays({"shuffle": state["shuffle"]})
    for group in ("model", "best_model", "objective"):
        arrays.update(tensors_to_arrays(state[group] or {}, f"{group}/"))
    for index, moments in state["optimizer"].items():
        arrays.update(tensors_to_arrays({name: torch.as_tensor(value) for name, value in moments.items()},
                                        f"optimizer/{index}/"))
    np.savez(Path(folder) / STATE_ARRAYS, **arrays)
    plain = {k: state[k] for k in ("epoch", "step", "best", "waited", "history", "stopped")}
    plain["has_best_model"] = state["best_model"] is not None
    (Path(folder) / STATE_JSON).write_text(json.dumps(plain, indent=1, default=float), encoding="utf-8")


def read_state(folder: Path) -> dict:
    """The training state :func:`write_state` wrote into ``folder`` (tensors on the CPU)."""
    folder = Path(folder)
    try:
        plain = json.loads((folder / STATE_JSON).read_text(encoding="utf-8"))
        with np.load(folder / STATE_ARRAYS, allow_pickle=False) as stored:
            arrays = {k: torch.as_tensor(stored[k]) for k in stored.files}
    except (OSError, ValueError, KeyError) as exc:
        raise CheckpointError(f"checkpoint {folder}: unreadable training state ({exc})") from None
    state = {group: {} for group in _TENSOR_GROUPS}
    for key, value in arrays.items():
        group, _, name = key.partition("/")
        if group == "optimizer":
            index, _, name = name.partition("/")
            state["optimizer"].setdefault(int(index), {})[name] = value
        elif group in _TENSOR_GROUPS:
            state[group][name] = value
    state["shuffle"] = arrays["shuffle"]
    if not plain.pop("has_best_model"):
        state["best_model"] = None
    return {**state, **plain}


def checkpoint_saver(directory: str | os.PathLike, every: CheckpointEvery | str | int, *, meta: dict,
                     keep: int = 2):
    """The ``checkpoint=`` callable of :func:`~negsample.recsys.training.train_towers`: writes the state
    into ``directory`` whenever ``every`` says one is due (and after the last epoch, or early stopping)."""
    every = every if isinstance(every, CheckpointEvery) else CheckpointEvery.parse(every)
    folder = CheckpointDir(directory, keep=keep)
    last = [time.monotonic()]

    def save(epoch: int, state_fn, final: bool) -> None:
        if not (final or every.due(epoch, started=last[0])):
            return
        state = state_fn()
        folder.save(lambda path: write_state(path, state), step=epoch,
                    meta={"wing": "recsys", "epoch": epoch, "every": every.to_text(), **meta})
        last[0] = time.monotonic()

    return save


def latest_manifest(directory: str | os.PathLike) -> tuple[Path, dict]:
    """The newest checkpoint in ``directory`` and its manifest (settings under ``config``, ``every``).

    Raises :class:`~negsample.checkpoints.CheckpointError` when there is none or it is not a two-tower one.
    """
    return CheckpointDir(directory).newest("recsys")


def latest_state(directory: str | os.PathLike, *, config: dict, digest: str) -> tuple[dict, str | None]:
    """The training state of the newest checkpoint in ``directory``, checked against the fit that resumes
    it, and how often that fit checkpointed (``every``, e.g. ``"2"``).

    Raises :class:`~negsample.checkpoints.CheckpointError` when there is none, when it is not a
    two-tower checkpoint, or when it was taken with other settings or other interactions.
    """
    newest, manifest = latest_manifest(directory)
    saved = manifest.get("config", {})
    differ = sorted(k for k in set(saved) | set(config) if saved.get(k) != config.get(k))
    if differ:
        shown = ", ".join(f"{k}: {saved.get(k)!r} in the checkpoint, {config.get(k)!r} now" for k in differ)
        raise CheckpointError(f"checkpoint {newest} was taken with other settings ({shown})")
    if manifest.get("data") != digest:
        raise CheckpointError(f"checkpoint {newest} was taken training on other interactions (their digest "
                              "differs: another file, filter or split)")
    return read_state(newest), manifest.get("every")

"""Checkpoints of a knowledge-graph run and resuming one, on :mod:`negsample.checkpoints` (the mechanism
every wing shares).

A checkpoint (``checkpoint-NNNNNN/`` after NNNNNN epochs) holds two files, no pickle:

* ``state.npz`` -- the embedding tables, the best validated tables (early stopping), every tensor of
  the optimizer's state, and the states of the two random generators of the run (``shuffle``: the
  order of the triples; ``draws``: the corruptions; the samplers draw from these torch generators
  only, no NumPy generator is involved);
* ``state.json`` -- the settings, the entity and relation labels (the id maps), a fingerprint of the
  graph (sizes and SHA-256 of the training and validation triples), the optimizer's hyper-parameters
  and scalar state, the epochs done, training seconds, the early-stopping state and the history.

A checkpoint is also written after the last epoch (or early stopping), so resuming a finished run
trains nothing. Resuming rebuilds the run from these, so on CPU with the same seed a run stopped after any epoch and
resumed gives the very parameters of a run never stopped (``tests/kg/test_kg_checkpoint.py``). A
checkpoint taken on another graph or with other settings (except ``epochs``, ``max_seconds`` and
``eval_batch_size``, which a resumed run may change) is refused with a
:class:`~negsample.checkpoints.CheckpointError` that names what differs.

Example
-------
>>> import tempfile
>>> from negsample.kg import KGModel, Triples
>>> kg = Triples.from_labels([("a", "r", "b"), ("b", "r", "c"), ("c", "r", "a")])
>>> folder = tempfile.mkdtemp()
>>> settings = dict(model="distmult", dim=4, loss="softplus", negatives=2, epochs=3, progress=False)
>>> def stop_after_2(record):
...     if record["epoch"] == 2:
...         raise KeyboardInterrupt
>>> try:
...     _ = KGModel(**settings).fit(kg, checkpoint=folder, checkpoint_every="2", on_epoch=stop_after_2)
... except KeyboardInterrupt:
...     pass
>>> resumed = KGModel(**settings).fit(kg, resume=folder)   # from the checkpoint after epoch 2
>>> [record["epoch"] for record in resumed.history], [p.name for p in CheckpointDir(folder).checkpoints()]
([1, 2, 3], ['checkpoint-000002', 'checkpoint-000003'])
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np

from .._atomic import atomic_write
from .._torch import require_torch
from ..checkpoints import CheckpointDir, CheckpointError, CheckpointEvery, arrays_to_tensors, tensors_to_arrays
from .config import KGConfig
from .trainer import TrainState
from .triples import Triples

torch = require_torch()

__all__ = ["FORMAT", "RESUMABLE_SETTINGS", "Checkpointer", "graph_fingerprint", "latest_checkpoint"]

FORMAT = "negsample.kg.checkpoint/1"
ARRAYS, HEADER = "state.npz", "state.json"
#: settings a resumed run may change; any other difference from the checkpoint is refused
RESUMABLE_SETTINGS = ("epochs", "max_seconds", "eval_batch_size")


def graph_fingerprint(triples: Triples) -> dict:
    """What identifies a graph as trained: sizes, and SHA-256 of the labels and the train and valid ids."""
    def digest(*parts) -> str:
        h = hashlib.sha256()
        for part in parts:
            h.update(part if isinstance(part, bytes) else np.ascontiguousarray(part, dtype=np.int64).tobytes())
            h.update(b"\0")
        return h.hexdigest()

    return {"num_entities": int(triples.num_entities), "num_relations": int(triples.num_relations),
            "train": int(len(triples.train)), "valid": int(len(triples.valid)),
            "labels": digest("\n".join(triples.entities).encode(), "\n".join(triples.relations).encode()),
            "train_sha256": digest(triples.train), "valid_sha256": digest(triples.valid)}


def latest_checkpoint(directory: str | os.PathLike) -> tuple[Path, dict]:
    """The newest checkpoint in ``directory`` and its ``state.json``; a
    :class:`~negsample.checkpoints.CheckpointError` naming the folder when there is none or it is damaged."""
    newest, _ = CheckpointDir(directory).newest("kg")
    try:
        header = json.loads((newest / HEADER).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"checkpoint {newest}: unreadable {HEADER} ({exc})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint {newest}: {HEADER} is not a {FORMAT} header")
    return newest, header


class Checkpointer:
    """Saves a :class:`~negsample.kg.trainer.TrainState` into a checkpoint folder when one is due, and
    restores one: the ``checkpoint`` and ``restore`` hooks of
    :func:`~negsample.kg.trainer.train_score_function`.

    Parameters
    ----------
    model : ScoreFunction -- the tables being trained
    triples : Triples -- as trained (inverse relations added, if any)
    config : KGConfig
    directory : str or path -- the checkpoint folder
    every : CheckpointEvery, str or int, optional -- when to save (None: never; ``"2"``, ``"30m"``)
    resume : bool -- restore the newest checkpoint of ``directory`` (checked against graph and settings)
    keep : int -- the newest checkpoints kept
    """

    def __init__(self, model, triples: Triples, config: KGConfig, directory: str | os.PathLike, *,
                 every: CheckpointEvery | str | int | None = None, resume: bool = False, keep: int = 2):
        self.model, self.triples, self.config = model, triples, config
        self.directory = Path(directory)
        self.folder = CheckpointDir(directory, keep=keep)
        self.fingerprint = graph_fingerprint(triples)
        self.saved = None
        if resume:
            self.saved = latest_checkpoint(directory)
            self._check(*self.saved)
            every = every if every is not None else self.saved[1].get("every")
        self.every = every if every is None or isinstance(every, CheckpointEvery) else CheckpointEvery.parse(every)
        self._last = time.monotonic()

    # ------------------------------------------------------------------ refusing what does not fit
    def _check(self, path: Path, header: dict) -> None:
        saved = header.get("fingerprint", {})
        ours = self.fingerprint
        if saved.get("labels") != ours["labels"] or saved.get("train_sha256") != ours["train_sha256"] \
                or saved.get("valid_sha256") != ours["valid_sha256"]:
            what = ", ".join(f"{saved.get(k)} {k.replace('num_', '')}" for k in ("num_entities", "num_relations",
                                                                                 "train", "valid"))
            mine = ", ".join(f"{ours[k]} {k.replace('num_', '')}" for k in ("num_entities", "num_relations",
                                                                           "train", "valid"))
            part = ("labels" if saved.get("labels") != ours["labels"] else
                    "training triples" if saved.get("train_sha256") != ours["train_sha256"] else "validation triples")
            raise CheckpointError(f"checkpoint {path} was taken on another graph (its {part} differ): it has "
                                  f"{what}; these triples have {mine}. Resume on the files it was trained on, "
                                  f"or start a new run")
        theirs = header.get("config", {})
        ours_config = self.config.to_dict()
        differ = [f"{name} {theirs.get(name)!r} (now {value!r})" for name, value in ours_config.items()
                  if name not in RESUMABLE_SETTINGS and theirs.get(name) != value]
        if differ:
            raise CheckpointError(f"checkpoint {path} was taken with other settings: {'; '.join(differ)}. Resume "
                                  f"with the settings it was trained with (only {', '.join(RESUMABLE_SETTINGS)} "
                                  "may change), or start a new run")

    # ------------------------------------------------------------------ the trainer's hooks
    def __call__(self, state: TrainState) -> None:
        """The trainer's ``checkpoint`` hook: save when due (and always after the last epoch)."""
        if self.every is None:
            return
        if not (state.finished or self.every.due(state.epochs_done, started=self._last)):
            return
        self.save(state)
        self._last = time.monotonic()

    def save(self, state: TrainState) -> Path:
        """Write ``state`` (and the model's tables) as ``checkpoint-<epochs done>``; returns its path."""
        arrays = tensors_to_arrays(self.model.state_dict(), "model.")
        if state.best_state is not None:
            arrays.update(tensors_to_arrays(state.best_state, "best."))
        arrays["rng.shuffle"] = state.shuffle.get_state().numpy()
        arrays["rng.draws"] = state.draws.get_state().numpy()
        optimizer = state.optimizer.state_dict()
        scalars = {}
        for index, entries in optimizer["state"].items():
            arrays.update(tensors_to_arrays({name: v for name, v in entries.items() if torch.is_tensor(v)},
                                            f"optimizer.{index}."))
            scalars[str(index)] = {name: v for name, v in entries.items() if not torch.is_tensor(v)}
        header = {"format": FORMAT, "config": self.config.to_dict(), "fingerprint": self.fingerprint,
                  "entities": list(self.triples.entities), "relations": list(self.triples.relations),
                  "every": self.every.to_text() if self.every else None,
                  "optimizer": {"class": type(state.optimizer).__name__, "param_groups": optimizer["param_groups"],
                                "state": scalars},
                  "progress": {"epochs_done": state.epochs_done, "elapsed": state.elapsed, "best": state.best,
                               "waited": state.waited, "stopped_early": state.stopped_early,
                               "history": state.history}}

        def write(folder: Path) -> None:
            with atomic_write(folder / ARRAYS, "wb") as f:
                np.savez(f, **arrays)
            with atomic_write(folder / HEADER, "w") as f:
                json.dump(header, f)

        return self.folder.save(write, step=state.epochs_done,
                                meta={"wing": "kg", "epochs_done": state.epochs_done, "epochs": self.config.epochs,
                                      "finished": state.finished, "every": header["every"]})

    def restore(self, state: TrainState) -> None:
        """The trainer's ``restore`` hook: load the checkpoint found at construction into ``state`` and the model."""
        if self.saved is None:
            return
        path, header = self.saved
        try:
            with np.load(path / ARRAYS, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
            self._load(state, arrays, header)
        except CheckpointError:
            raise
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise CheckpointError(f"checkpoint {path}: damaged or incomplete {ARRAYS} ({type(exc).__name__}: "
                                  f"{exc})") from None

    def _load(self, state: TrainState, arrays: dict, header: dict) -> None:
        optimizer = header["optimizer"]
        if optimizer["class"] != type(state.optimizer).__name__:
            raise CheckpointError(f"checkpoint {self.saved[0]}: optimizer {optimizer['class']}, expected "
                                  f"{type(state.optimizer).__name__}")
        device = self.model.entity.device
        with torch.no_grad():
            self.model.load_state_dict(arrays_to_tensors(arrays, "model.", device))
        best = arrays_to_tensors(arrays, "best.", device)
        state.best_state = best or None
        entries = {int(i): dict(values) for i, values in optimizer["state"].items()}
        for key, value in arrays.items():
            if key.startswith("optimizer."):
                _, index, name = key.split(".", 2)
                entries.setdefault(int(index), {})[name] = torch.from_numpy(value)
        groups = [{k: tuple(v) if isinstance(v, list) and k != "params" else v for k, v in group.items()}
                  for group in optimizer["param_groups"]]
        state.optimizer.load_state_dict({"state": entries, "param_groups": groups})
        state.shuffle.set_state(torch.from_numpy(arrays["rng.shuffle"]))
        state.draws.set_state(torch.from_numpy(arrays["rng.draws"]))
        progress = header["progress"]
        state.epochs_done, state.elapsed = int(progress["epochs_done"]), float(progress["elapsed"])
        state.best, state.waited = progress["best"], int(progress["waited"])
        state.stopped_early, state.history = bool(progress["stopped_early"]), list(progress["history"])
        budget = self.config.max_seconds  # a resumed run may have more epochs or time than the first
        state.finished = state.stopped_early or state.epochs_done >= self.config.epochs or (
            budget is not None and state.elapsed >= budget)

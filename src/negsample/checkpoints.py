"""Checkpoints of a training run, for every wing: when to take one, a folder of whole checkpoints,
and which to resume from.

A checkpoint folder ``DIR`` holds ``checkpoint-000004/`` (after 4 epochs), ``checkpoint-000006/``, ...:
each is written into a hidden temporary folder of this process and renamed into place only when
complete (with its ``manifest.json`` last), so a crash or ``kill -9`` at any moment leaves the
previous checkpoints whole; a later save removes the temporary folders of processes that are gone,
and all but the newest ``keep`` checkpoints. What goes into a checkpoint is the wing's: a trainer
passes a function that writes its files into the folder it is given (word2vec: the whole model,
:mod:`negsample.word2vec.checkpoint`), and reads them back from :meth:`CheckpointDir.latest`.

Checkpoints are taken at the end of an epoch, when :class:`CheckpointEvery` says one is due:
every N epochs, or at the first epoch end at least M minutes after the previous checkpoint (or the
start).

Example
-------
>>> import json, tempfile
>>> from pathlib import Path
>>> every = CheckpointEvery.parse("2")
>>> [every.due(epoch, started=0.0, now=0.0) for epoch in (1, 2, 3, 4)]
[False, True, False, True]
>>> folder = CheckpointDir(tempfile.mkdtemp())
>>> saved = folder.save(lambda path: (path / "weights.txt").write_text("w"), step=2, meta={"wing": "demo"})
>>> saved.name, folder.latest() == saved, folder.manifest(saved)["wing"]
('checkpoint-000002', True, 'demo')
>>> folder.newest("demo")[0] == saved
True
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ._atomic import atomic_write, fsync_directory, owned_name, remove_stale_entries
from ._checks import ParameterError
from ._torch import require_torch

__all__ = ["CheckpointDir", "CheckpointError", "CheckpointEvery", "arrays_to_tensors", "tensors_to_arrays"]

_NAME = re.compile(r"^checkpoint-(\d{6,})$")
_TEMP_PREFIX = ".checkpoint-tmp-"
MANIFEST = "manifest.json"


class CheckpointError(ValueError):
    """No usable checkpoint where one was expected; the message names the folder."""


CheckpointError.__module__ = "negsample"


@dataclass(frozen=True)
class CheckpointEvery:
    """When a checkpoint is due: every ``epochs`` epochs, or every ``minutes`` minutes (checked at the
    end of each epoch). Exactly one of the two is set."""

    epochs: int | None = None
    minutes: float | None = None

    def __post_init__(self):
        if (self.epochs is None) == (self.minutes is None):
            raise ParameterError("checkpoint every: give epochs or minutes (exactly one)")
        if self.epochs is not None and (isinstance(self.epochs, bool) or not isinstance(self.epochs, int)
                                        or self.epochs < 1):
            raise ParameterError(f"checkpoint every: epochs must be an integer >= 1, got {self.epochs!r}")
        if self.minutes is not None and not self.minutes > 0:
            raise ParameterError(f"checkpoint every: minutes must be > 0, got {self.minutes!r}")

    @classmethod
    def parse(cls, text: str | int) -> CheckpointEvery:
        """``"3"`` (or 3): every 3 epochs; ``"30m"`` / ``"30min"``: every 30 minutes; ``"2h"``: every 2 hours."""
        value = str(text).strip().lower()
        match = re.fullmatch(r"(\d+(?:\.\d*)?)\s*(m|min|minutes?|h|hours?)?", value)
        if match is None:
            raise ParameterError(f"checkpoint every: expected EPOCHS (e.g. 2) or MINUTES (e.g. 30m, 1.5h), "
                                 f"got {text!r}")
        number, unit = match.groups()
        if unit is None:
            if "." in number:
                raise ParameterError(f"checkpoint every: a number of epochs must be whole, got {text!r}")
            return cls(epochs=int(number))
        return cls(minutes=float(number) * (60 if unit.startswith("h") else 1))

    def due(self, epochs_done: int, *, started: float, now: float | None = None) -> bool:
        """Whether a checkpoint is due after ``epochs_done`` epochs, the previous checkpoint (or the
        start) having been at ``started`` (``time.monotonic()``)."""
        if self.epochs is not None:
            return epochs_done % self.epochs == 0
        return (time.monotonic() if now is None else now) - started >= 60 * self.minutes

    def to_text(self) -> str:
        return str(self.epochs) if self.epochs is not None else f"{self.minutes:g}m"


class CheckpointDir:
    """A folder of checkpoints, each complete or absent (see the module docstring).

    Parameters
    ----------
    path : str or os.PathLike
        Created if missing.
    keep : int, default 2
        The newest checkpoints kept after each save (older ones are removed).
    """

    def __init__(self, path: str | os.PathLike, *, keep: int = 2):
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
            raise ParameterError(f"keep must be an integer >= 1, got {keep!r}")
        self.path = Path(path)
        self.keep = keep
        if self.path.exists() and not self.path.is_dir():
            raise CheckpointError(f"checkpoint folder {self.path} is a file")

    def checkpoints(self) -> list[Path]:
        """Every complete checkpoint, oldest first."""
        if not self.path.is_dir():
            return []
        found = [(int(m[1]), p) for p in self.path.iterdir() if (m := _NAME.match(p.name)) and (p / MANIFEST).is_file()]
        return [p for _, p in sorted(found)]

    def latest(self) -> Path | None:
        """The newest complete checkpoint, or None."""
        found = self.checkpoints()
        return found[-1] if found else None

    def newest(self, wing: str) -> tuple[Path, dict]:
        """The newest complete checkpoint and its manifest, to resume a run of ``wing`` from; a
        :class:`CheckpointError` naming the folder when there is none or another wing wrote it."""
        newest = self.latest()
        if newest is None:
            raise CheckpointError(f"no checkpoint to resume from in {self.path} (expected checkpoint-NNNNNN folders)")
        manifest = self.manifest(newest)
        if manifest.get("wing") != wing:
            raise CheckpointError(f"checkpoint {newest} is not a {wing} one (wing {manifest.get('wing')!r})")
        return newest, manifest

    def manifest(self, checkpoint: Path) -> dict:
        """What :meth:`save` recorded with ``checkpoint`` (``step``, ``saved_at`` and the caller's ``meta``)."""
        try:
            return json.loads((checkpoint / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CheckpointError(f"checkpoint {checkpoint}: unreadable {MANIFEST} ({exc})") from None

    def save(self, write: Callable[[Path], None], *, step: int, meta: dict | None = None) -> Path:
        """Write a checkpoint for ``step`` (e.g. epochs done): ``write(folder)`` puts the wing's files
        in a fresh temporary folder, then the manifest goes in and the folder is renamed to
        ``checkpoint-<step>``; a checkpoint of the same step is replaced. Returns its path."""
        self.path.mkdir(parents=True, exist_ok=True)
        remove_stale_entries(self.path, _TEMP_PREFIX)
        temporary = self.path / f"{owned_name(_TEMP_PREFIX)}{step:06d}"
        shutil.rmtree(temporary, ignore_errors=True)
        temporary.mkdir()
        try:
            write(temporary)
            with atomic_write(temporary / MANIFEST, "w") as f:
                json.dump({"step": step, "saved_at": time.time(), **(meta or {})}, f, indent=1)
            final = self.path / f"checkpoint-{step:06d}"
            if final.exists():  # the same step again (e.g. after a resume): replace it as a whole
                old = self.path / f"{owned_name(_TEMP_PREFIX)}old-{step:06d}"
                os.replace(final, old)
                os.replace(temporary, final)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(temporary, final)
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
        fsync_directory(self.path)
        for older in self.checkpoints()[:-self.keep]:
            shutil.rmtree(older, ignore_errors=True)
        return final


def tensors_to_arrays(tensors: Mapping, prefix: str = "") -> dict:
    """NumPy copies of the torch ``tensors`` (on any device; a checkpoint is where they leave it), keyed
    ``prefix + name``: the torch wings' way of putting state dicts into one ``.npz`` beside each other.

    >>> import torch
    >>> arrays = tensors_to_arrays({"weight": torch.ones(2, 3)}, prefix="model.")
    >>> list(arrays), arrays["model.weight"].shape
    (['model.weight'], (2, 3))
    >>> arrays_to_tensors({**arrays, "other": arrays["model.weight"]}, "model.")["weight"].sum().item()
    6.0
    """
    return {prefix + name: tensor.detach().cpu().numpy() for name, tensor in tensors.items()}


def arrays_to_tensors(arrays: Mapping, prefix: str, device=None) -> dict:
    """The entries of ``arrays`` whose key starts with ``prefix``, as tensors on ``device`` keyed by the
    rest of the key: :func:`tensors_to_arrays` undone. ``{}`` when no key has the prefix."""
    torch = require_torch()
    return {key[len(prefix):]: torch.from_numpy(value).to(device) for key, value in arrays.items()
            if key.startswith(prefix)}

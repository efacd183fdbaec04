"""Checkpoints of a word2vec run and resuming one, on :mod:`negsample.checkpoints` (the mechanism every
wing shares) and the whole-model files of :mod:`negsample.word2vec.persistence`.

A checkpoint is the whole model after an epoch -- settings, vocabulary and counts, input, output and
node weights, subsampling probabilities, and the schedule (epochs, learning rates, the seed the
jobs' random streams derive from, and how many epochs are done) -- so resuming continues exactly
where the run stopped: with ``workers=1`` the resumed run's vectors are bit for bit those of a run
that was never interrupted (``tests/test_reliability_checkpoints.py``).

Example
-------
>>> import tempfile
>>> from negsample.word2vec import Word2Vec
>>> from negsample.word2vec.checkpoint import checkpoint_callback, resume
>>> folder = tempfile.mkdtemp()
>>> sentences = [["the", "cat", "sat", "on", "the", "mat"]] * 30
>>> model = Word2Vec(vector_size=8, min_count=1, epochs=3, workers=1)
>>> _ = model.fit(sentences, callbacks=[checkpoint_callback(folder, every="2")])
>>> again = resume(folder, sentences)   # from the checkpoint after epoch 2: trains epoch 3
>>> again.epochs_trained, again.schedule.done
(3, 3)
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ..checkpoints import CheckpointDir, CheckpointEvery
from .model import Word2Vec
from .training import EpochStats

__all__ = ["MODEL_FILE", "checkpoint_callback", "finish", "latest_model", "resume"]

MODEL_FILE = "model.npz"


def checkpoint_callback(directory: str | os.PathLike, every: CheckpointEvery | str | int, *, keep: int = 2,
                        corpus_name: str | None = None) -> Callable[[Word2Vec, EpochStats], None]:
    """A ``fit`` / ``train`` callback that writes a checkpoint into ``directory`` whenever ``every``
    says one is due (``"2"``: every 2 epochs; ``"30m"``: at the first epoch end 30 minutes after the
    last checkpoint). The newest ``keep`` checkpoints are kept. ``corpus_name`` is recorded, so that
    :func:`resume` can warn when it is handed another corpus."""
    every = every if isinstance(every, CheckpointEvery) else CheckpointEvery.parse(every)
    folder = CheckpointDir(directory, keep=keep)
    corpus_name = _corpus_id(corpus_name)
    last = [time.monotonic()]

    def save(model: Word2Vec, stats: EpochStats) -> None:
        if not every.due(stats.epoch, started=last[0]):
            return
        folder.save(lambda path: model.save(path / MODEL_FILE), step=model.epochs_trained,
                    meta={"wing": "word2vec", "epoch": stats.epoch, "epochs": model.schedule.epochs,
                          "epochs_trained": model.epochs_trained, "every": every.to_text(), "corpus": corpus_name})
        last[0] = time.monotonic()

    return save


def _corpus_id(name: str | None) -> str | None:
    """A corpus's name as a checkpoint records it: a file or folder by its absolute path."""
    return os.path.abspath(name) if name is not None and os.path.exists(name) else name


def latest_model(directory: str | os.PathLike) -> tuple[Word2Vec, dict]:
    """The model of the newest checkpoint in ``directory``, and its manifest.

    Raises :class:`~negsample.checkpoints.CheckpointError` when there is none, and
    :class:`~negsample.word2vec.persistence.ModelFileError` for a damaged model file.
    """
    newest, manifest = CheckpointDir(directory).newest("word2vec")
    return Word2Vec.load(Path(newest) / MODEL_FILE), manifest


def resume(directory: str | os.PathLike, corpus, *, every: CheckpointEvery | str | int | None = None,
           keep: int = 2, callbacks: Sequence[Callable[[Word2Vec, EpochStats], None]] = (), progress: bool = False,
           log: Callable[[str], None] | None = None, log_file: str | os.PathLike | None = None) -> Word2Vec:
    """Continue the run whose checkpoints are in ``directory`` on ``corpus`` (the one it trained on):
    load the newest checkpoint and train its remaining epochs, writing further checkpoints into the
    same folder as before (or as ``every`` says). Returns the model, trained to the end.

    A corpus whose name differs from the one the checkpoint recorded draws a warning; the vocabulary
    is the checkpoint's either way (words it lacks are skipped).
    """
    model, manifest = latest_model(directory)
    return finish(model, manifest, directory, corpus, every=every, keep=keep, callbacks=callbacks,
                  progress=progress, log=log, log_file=log_file)


def finish(model: Word2Vec, manifest: dict, directory: str | os.PathLike, corpus, *,
           every: CheckpointEvery | str | int | None = None, keep: int = 2,
           callbacks: Sequence[Callable[[Word2Vec, EpochStats], None]] = (), progress: bool = False,
           log: Callable[[str], None] | None = None, log_file: str | os.PathLike | None = None) -> Word2Vec:
    """:func:`resume` with the checkpoint already loaded (:func:`latest_model`)."""
    from .._checks import warn_outside
    from .corpus import Corpus

    name = _corpus_id(corpus.name if isinstance(corpus, Corpus) else (
        os.fspath(corpus) if isinstance(corpus, (str, os.PathLike)) else None))
    if manifest.get("corpus") and name and manifest["corpus"] != name:
        warn_outside(f"resuming {directory} on {name}, but its checkpoints were taken training on "
                     f"{manifest['corpus']}", UserWarning)
    if model.schedule is None or model.schedule.finished:
        return model  # the checkpoint was taken after the last epoch: nothing is left to train
    every = every if every is not None else manifest.get("every")
    own = [checkpoint_callback(directory, every, keep=keep, corpus_name=manifest.get("corpus"))] if every else []
    return model.train(corpus, resume=True, callbacks=[*own, *callbacks], progress=progress, log=log,
                       log_file=log_file)

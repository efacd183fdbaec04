"""Whole-model files: everything a :class:`~negsample.word2vec.Word2Vec` needs to answer queries and to
go on training, in one ``.npz`` of arrays plus JSON -- never pickle, so loading a file runs no code.

``Word2Vec.save(path)`` writes it atomically (:func:`negsample._atomic.atomic_write`: a reader sees
the old file or the whole new one); ``Word2Vec.load(path)`` reads it back. The file holds:

* ``state_json`` (UTF-8 JSON as uint8): ``format`` ("negsample.word2vec"), ``version``, ``config``
  (every :class:`~negsample.word2vec.config.Word2VecConfig` field), ``words``, ``corpus_count``,
  ``corpus_total_words``, ``epochs_trained`` (epochs finished over all ``train`` calls),
  ``schedule`` (the last ``train`` call: epochs, start and end learning rate, the seed of its random
  streams, and how many of its epochs are done -- fewer than all means ``train(resume=True)`` can
  finish it) and ``epoch_stats``;
* ``counts`` int64 (V,), ``keep_prob`` float32 (V,) (the subsampling keep probabilities, as gensim's
  ``sample_int``), ``vectors`` float32 (V, dim), and ``context_vectors`` (V, dim) with negative
  sampling, ``node_vectors`` (V-1, dim) with hierarchical softmax.

A run loaded after epoch k of a schedule and trained with ``resume=True`` and one worker gives the
vectors an uninterrupted run gives, bit for bit.

Example
-------
>>> import os, tempfile
>>> from negsample.word2vec.persistence import ModelState, TrainingSchedule, read_state, write_state
>>> from negsample.word2vec.config import Word2VecConfig
>>> from negsample.vocab import Vocabulary
>>> import numpy as np
>>> state = ModelState(config=Word2VecConfig(vector_size=2, hs=1, negative=0), vocab=Vocabulary(["a", "b"], [2, 1]),
...                    vectors=np.ones((2, 2), np.float32), context_vectors=None,
...                    node_vectors=np.zeros((1, 2), np.float32), keep_prob=np.ones(2, np.float32),
...                    schedule=TrainingSchedule(epochs=5, start_alpha=0.05, end_alpha=1e-4, seed=1, done=2))
>>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
>>> write_state(path, state)
>>> back = read_state(path)
>>> back.vocab.index_to_key, back.schedule.done, back.config.hs, back.context_vectors is None
(['a', 'b'], 2, 1, True)
"""

from __future__ import annotations

import dataclasses
import json
import os
import zipfile
from dataclasses import dataclass, field

import numpy as np

from .._atomic import atomic_write
from ..vocab import Vocabulary
from .config import Word2VecConfig

__all__ = ["FORMAT", "VERSION", "ModelFileError", "ModelState", "TrainingSchedule", "read_state", "write_state"]

FORMAT = "negsample.word2vec"
VERSION = 1


class ModelFileError(ValueError):
    """A file that is not a negsample Word2Vec model, or a damaged one; the message names the file."""


ModelFileError.__module__ = "negsample.word2vec"


@dataclass
class TrainingSchedule:
    """One ``train`` call: ``epochs`` epochs with the learning rate falling linearly from ``start_alpha``
    to ``end_alpha``, random streams from ``seed``; ``done`` of its epochs are finished."""

    epochs: int
    start_alpha: float
    end_alpha: float
    seed: int
    done: int = 0

    @property
    def finished(self) -> bool:
        return self.done >= self.epochs


@dataclass
class ModelState:
    """What a model file holds (see the module docstring)."""

    config: Word2VecConfig
    vocab: Vocabulary
    vectors: np.ndarray
    context_vectors: np.ndarray | None
    node_vectors: np.ndarray | None
    keep_prob: np.ndarray
    corpus_count: int = 0
    corpus_total_words: int = 0
    epochs_trained: int = 0
    schedule: TrainingSchedule | None = None
    epoch_stats: list[dict] = field(default_factory=list)


def write_state(path: str | os.PathLike, state: ModelState) -> None:
    """Write ``state`` to one ``.npz`` file at exactly ``path``, atomically."""
    header = {
        "format": FORMAT, "version": VERSION, "config": state.config.to_dict(),
        "words": state.vocab.index_to_key, "corpus_count": int(state.corpus_count),
        "corpus_total_words": int(state.corpus_total_words), "epochs_trained": int(state.epochs_trained),
        "schedule": None if state.schedule is None else dataclasses.asdict(state.schedule),
        "epoch_stats": state.epoch_stats,
    }
    arrays = {"state_json": np.frombuffer(json.dumps(header, ensure_ascii=False).encode("utf-8"), np.uint8),
              "counts": state.vocab.counts, "keep_prob": np.asarray(state.keep_prob, np.float32),
              "vectors": state.vectors}
    if state.context_vectors is not None:
        arrays["context_vectors"] = state.context_vectors
    if state.node_vectors is not None:
        arrays["node_vectors"] = state.node_vectors
    with atomic_write(path, "wb") as f:
        np.savez(f, **arrays)


def read_state(path: str | os.PathLike) -> ModelState:
    """Read what :func:`write_state` wrote; :class:`ModelFileError` for anything else or anything damaged."""
    name = os.fspath(path)
    if not os.path.isfile(name):
        raise ModelFileError(f"{name}: no such model file")
    if not zipfile.is_zipfile(name):
        raise ModelFileError(f"{name}: not a negsample Word2Vec model (not an .npz archive; gensim's pickled "
                             "models cannot be loaded, by design: loading a pickle can run any code)")
    try:
        with np.load(name, allow_pickle=False) as archive:
            members = set(archive.files)
            if "state_json" not in members:
                raise ModelFileError(f"{name}: not a negsample Word2Vec model (no state_json member; "
                                     "a KeyedVectors .npz loads with KeyedVectors.load)")
            header = json.loads(archive["state_json"].tobytes().decode("utf-8"))
            arrays = {key: archive[key] for key in members - {"state_json"}}
    except ModelFileError:
        raise
    except (ValueError, OSError, KeyError, zipfile.BadZipFile, EOFError) as exc:  # corrupt member, bad JSON
        raise ModelFileError(f"{name}: cannot read as a negsample Word2Vec model ({exc})") from exc
    return _state_from(name, header, arrays)


def _state_from(name: str, header, arrays: dict[str, np.ndarray]) -> ModelState:
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError(f"{name}: not a negsample Word2Vec model (format {header.get('format')!r})"
                             if isinstance(header, dict) else f"{name}: state_json is not a JSON object")
    if header.get("version") != VERSION:
        raise ModelFileError(f"{name}: model file version {header.get('version')!r}; this negsample reads "
                             f"version {VERSION}")
    try:
        known = {f.name for f in dataclasses.fields(Word2VecConfig)}
        unknown = sorted(set(header["config"]) - known)
        if unknown:
            raise ModelFileError(f"{name}: settings this negsample does not know: {unknown} (written by a newer one?)")
        config = Word2VecConfig(**header["config"])
        vocab = Vocabulary(header["words"], arrays["counts"])
        schedule = None if header["schedule"] is None else TrainingSchedule(**header["schedule"])
        state = ModelState(config=config, vocab=vocab, vectors=arrays["vectors"],
                           context_vectors=arrays.get("context_vectors"), node_vectors=arrays.get("node_vectors"),
                           keep_prob=arrays["keep_prob"], corpus_count=int(header["corpus_count"]),
                           corpus_total_words=int(header["corpus_total_words"]),
                           epochs_trained=int(header["epochs_trained"]), schedule=schedule,
                           epoch_stats=list(header["epoch_stats"]))
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{name}: damaged model file ({type(exc).__name__}: {exc})") from exc
    _check_shapes(name, state)
    return state


def _check_shapes(name: str, state: ModelState) -> None:
    n, dim = len(state.vocab), state.config.vector_size
    expected = {"vectors": (state.vectors, (n, dim)), "keep_prob": (state.keep_prob, (n,))}
    if state.config.negative:
        expected["context_vectors"] = (state.context_vectors, (n, dim))
    if state.config.hs:
        expected["node_vectors"] = (state.node_vectors, (n - 1, dim))
    for key, (array, shape) in expected.items():
        if array is None:
            raise ModelFileError(f"{name}: damaged model file (no {key}, which the settings need)")
        if array.shape != shape or array.dtype != np.float32:
            raise ModelFileError(f"{name}: damaged model file ({key} is {array.dtype} {array.shape}, "
                                 f"expected float32 {shape})")

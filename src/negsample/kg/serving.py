"""Saving, loading and querying a trained knowledge-graph model: one ``.npz`` file, no pickle.

The file holds the embedding tables, the known triples (for filtered predictions) and a JSON
header (format version, settings, entity and relation labels) stored as a plain unicode array, so
``numpy.load(..., allow_pickle=False)`` reads it and nothing in it can run code. It is written
atomically (:func:`negsample._atomic.atomic_write`).

Example
-------
>>> import os, tempfile, numpy as np
>>> from negsample.kg.serving import load_arrays, save_arrays
>>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
>>> save_arrays(path, {"entity": np.zeros((2, 3), np.float32)}, {"entities": ["a", "b"]})
>>> arrays, header = load_arrays(path, required=("entity",))
>>> arrays["entity"].shape, header["entities"]
((2, 3), ['a', 'b'])
"""

from __future__ import annotations

import difflib
import json
import os
import zipfile
from typing import NamedTuple

import numpy as np

from .._atomic import atomic_write
from .._torch import require_torch
from ..evaluation import ExclusionIndex, top_k
from .evaluation import score_all
from .models import ScoreFunction

torch = require_torch()

__all__ = ["FORMAT", "KGModelFormatError", "Prediction", "UnknownLabelError", "load_arrays", "lookup", "save_arrays",
           "top_entities"]

FORMAT = "negsample.kg.model/1"


class KGModelFormatError(ValueError):
    """A model file that cannot be loaded; the message names the file and what is wrong."""


class UnknownLabelError(ValueError):
    """An entity or relation name the model does not know; the message suggests close names."""


class Prediction(NamedTuple):
    """One predicted entity: its label, score and rank (1 = best) among the candidates."""

    entity: str
    score: float
    rank: int


def save_arrays(path: str | os.PathLike, arrays: dict, header: dict) -> None:
    """Write ``arrays`` (name -> ndarray) and a JSON ``header`` to one ``.npz`` file, atomically."""
    header = {"format": FORMAT, **header}
    payload = {name: np.ascontiguousarray(value) for name, value in arrays.items()}
    payload["header"] = np.array(json.dumps(header))
    with atomic_write(path, "wb") as f:
        np.savez(f, **payload)


def load_arrays(path: str | os.PathLike, *, required=()) -> tuple[dict, dict]:
    """The arrays and the header of a file written by :func:`save_arrays` (never unpickles).

    Raises :class:`KGModelFormatError` naming the file for a missing file, a non-npz file, another
    format or version, or a missing array.
    """
    path = os.fspath(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except FileNotFoundError as exc:
        raise KGModelFormatError(f"{path}: no such model file") from exc
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        raise KGModelFormatError(f"{path}: not a negsample knowledge-graph model (.npz without pickle): {exc}") \
            from exc
    if "header" not in arrays:
        raise KGModelFormatError(f"{path}: no header; not a negsample knowledge-graph model")
    try:
        header = json.loads(str(arrays.pop("header")))
    except json.JSONDecodeError as exc:
        raise KGModelFormatError(f"{path}: the header is not JSON ({exc.msg})") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        found = header.get("format") if isinstance(header, dict) else None
        raise KGModelFormatError(f"{path}: format {found!r}, expected {FORMAT!r}")
    missing = [name for name in required if name not in arrays]
    if missing:
        raise KGModelFormatError(f"{path}: missing arrays {', '.join(missing)}")
    return arrays, header


def lookup(kind: str, labels: dict, names) -> list[int]:
    """Ids of ``names`` (a label or a list of labels) in ``labels`` (label -> id).

    Raises :class:`UnknownLabelError` naming the first unknown label and up to three close ones.
    """
    names = [names] if isinstance(names, str) else list(names)
    ids = []
    for name in names:
        if name not in labels:
            close = difflib.get_close_matches(str(name), labels.keys(), n=3) if len(labels) <= 100_000 else []
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise UnknownLabelError(f"unknown {kind} {name!r} ({len(labels)} known){hint}")
        ids.append(labels[name])
    return ids


@torch.no_grad()
def top_entities(model: ScoreFunction, anchors, relations, head_side: bool, k: int,
                 index: ExclusionIndex | None = None):
    """The ``k`` best entities for each query, best first.

    anchors, relations : LongTensor, shape (n_queries,)
    head_side : bool -- True: rank heads for ``(?, relation, anchor)``; else tails for ``(anchor, relation, ?)``
    index : ExclusionIndex, optional -- known (anchor * num_relations + relation, entity) pairs left out
    Returns (scores, ids), both shape (n_queries, min(k, num_entities)); left-out entities come last
    with score ``-inf`` if fewer than ``k`` remain.
    """
    scores = score_all(model, model.query(anchors, relations, head_side))
    if index is not None:
        scores = index.mask(scores, anchors * model.num_relations + relations)
    return top_k(scores, k)

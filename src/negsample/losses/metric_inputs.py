"""Shared pieces of the metric-learning losses: input checks, triplets and pairs.

Follows pytorch-metric-learning's conventions so miners plug in unchanged: ``indices_tuple`` is
either triplets ``(anchor, positive, negative)`` or pairs ``(anchor1, positive, anchor2, negative)``,
each a LongTensor of batch row indices; ``None`` means every valid triplet/pair of the batch.

Example
-------
>>> import torch
>>> from negsample.losses.metric_inputs import all_triplets
>>> [t.tolist() for t in all_triplets(torch.tensor([0, 0, 1]))]
[[0, 1], [1, 0], [2, 2]]
"""

from __future__ import annotations

from .._checks import check_floating, check_ids_in_range, check_integer, check_ndim, check_shape
from .._torch import require_torch

torch = require_torch()

__all__ = [
    "all_pairs",
    "all_triplets",
    "as_pairs",
    "as_triplets",
    "check_metric_inputs",
    "empty_loss",
]


def check_metric_inputs(embeddings, labels, indices_tuple) -> None:
    """``embeddings``: (batch_size, dim) float; ``labels``: (batch_size,) int; indices in range."""
    check_floating("embeddings", embeddings)
    check_ndim("embeddings", embeddings, 2, "of shape (batch_size, dim)")
    batch_size = embeddings.shape[0]
    if labels is None and indices_tuple is None:
        raise ValueError("labels: labels are needed when indices_tuple is None, got neither")
    if labels is not None:
        check_integer("labels", labels)
        check_shape("labels", labels, (batch_size,), "(batch_size,)")
    if indices_tuple is not None:
        if not isinstance(indices_tuple, (tuple, list)) or len(indices_tuple) not in (3, 4):
            raise ValueError(
                "indices_tuple: expected triplets (anchor, positive, negative) or pairs "
                f"(anchor1, positive, anchor2, negative), got {type(indices_tuple).__name__} "
                f"of length {len(indices_tuple) if isinstance(indices_tuple, (tuple, list)) else '?'}"
            )
        groups = [(0, 1, 2)] if len(indices_tuple) == 3 else [(0, 1), (2, 3)]
        for group in groups:
            length = indices_tuple[group[0]].shape[0]
            for i in group:
                name = f"indices_tuple[{i}]"
                check_ndim(name, indices_tuple[i], 1)
                check_shape(name, indices_tuple[i], (length,), f"(num_{'triplets' if len(group) == 3 else 'pairs'},)")
                check_ids_in_range(name, indices_tuple[i], batch_size)


def all_triplets(labels: torch.Tensor):
    """Every ``(a, p, n)`` with ``labels[a] == labels[p]``, ``a != p``, ``labels[n] != labels[a]``.

    In lexicographic order, as pytorch-metric-learning's ``get_all_triplets_indices``.
    """
    same = labels.unsqueeze(1) == labels.unsqueeze(0)
    positive = same & ~torch.eye(labels.shape[0], dtype=torch.bool, device=labels.device)
    return torch.where(positive.unsqueeze(2) & ~same.unsqueeze(1))


def all_pairs(labels: torch.Tensor):
    """``(a1, p, a2, n)``: every ordered positive pair (a1 != p) and every ordered negative pair."""
    same = labels.unsqueeze(1) == labels.unsqueeze(0)
    positive = same & ~torch.eye(labels.shape[0], dtype=torch.bool, device=labels.device)
    return (*torch.where(positive), *torch.where(~same))


def as_triplets(labels, indices_tuple):
    """Triplets from ``None`` (all), triplets (as is) or pairs (positive x negative per shared anchor)."""
    if indices_tuple is None:
        return all_triplets(labels)
    if len(indices_tuple) == 3:
        return tuple(t.long() for t in indices_tuple)
    a1, p, a2, n = (t.long() for t in indices_tuple)
    pos_idx, neg_idx = torch.where(a1.unsqueeze(1) == a2.unsqueeze(0))
    return a1[pos_idx], p[pos_idx], n[neg_idx]


def as_pairs(labels, indices_tuple):
    """Pairs from ``None`` (all), pairs (unchanged) or triplets (``(a, p)`` and ``(a, n)`` of each)."""
    if indices_tuple is None:
        return all_pairs(labels)
    if len(indices_tuple) == 4:
        return tuple(t.long() for t in indices_tuple)
    a, p, n = (t.long() for t in indices_tuple)
    return a, p, a, n


def empty_loss(embeddings: torch.Tensor, reduction: str) -> torch.Tensor:
    """Loss of a batch with nothing to compare: 0 (still attached to the graph), or an empty vector."""
    if reduction == "none":
        return embeddings.new_zeros(0)
    return embeddings.sum() * 0.0

"""Online hard example mining as in SSD: keep every positive and the highest-loss negatives."""

from __future__ import annotations

from .._checks import check_ndim, check_non_negative, check_shape
from .._torch import require_torch

torch = require_torch()

__all__ = ["ohem"]


def ohem(losses: torch.Tensor, positive_mask: torch.Tensor, neg_pos_ratio: float = 3) -> torch.Tensor:
    """Boolean mask of the examples to keep: all positives plus ``neg_pos_ratio`` negatives per positive.

    Negatives are ranked by loss (highest first) within each row; a 2-d input is one row per image
    (or query), a 1-d input is a single row. Each row keeps
    ``min(floor(neg_pos_ratio * num_positives), num_negatives)`` negatives, so a row without positives
    keeps nothing. Equal losses are broken by the lower index, so the mask is deterministic.

    Parameters
    ----------
    losses : Tensor, float, shape (N,) or (B, N)
        Per-example loss (only its order matters; it is not differentiated through).
    positive_mask : Tensor, bool, same shape as ``losses``
    neg_pos_ratio : float, default 3
        Negatives kept per positive, >= 0.

    Returns
    -------
    Tensor, bool, same shape as ``losses``

    Example
    -------
    >>> import torch
    >>> from negsample.miners import ohem
    >>> losses = torch.tensor([0.1, 0.9, 0.5, 0.7, 0.2])
    >>> ohem(losses, torch.tensor([True, False, False, False, False]), neg_pos_ratio=2).tolist()
    [True, True, False, True, False]
    """
    if not isinstance(losses, torch.Tensor):
        raise TypeError(f"losses: expected a torch.Tensor, got {type(losses).__name__}")
    check_ndim("losses", losses, (1, 2), "(N,) or (B, N)")
    positive_mask = torch.as_tensor(positive_mask, device=losses.device)
    check_shape("positive_mask", positive_mask, tuple(losses.shape), "(the shape of losses)")
    check_non_negative("neg_pos_ratio", neg_pos_ratio)
    rows = losses.detach().reshape(-1, losses.shape[-1])
    positive = positive_mask.to(torch.bool).reshape(rows.shape)
    num_positive = positive.sum(dim=1, keepdim=True)
    num_negative = torch.minimum(
        torch.floor(num_positive.to(torch.float64) * neg_pos_ratio).to(torch.long),
        (~positive).sum(dim=1, keepdim=True),
    )
    # Two stable sorts: by loss (descending), then move positives behind all negatives. Masking
    # positives with -inf instead would let them tie with negatives whose loss is -inf.
    order = torch.sort(rows, dim=1, descending=True, stable=True).indices
    order = order.gather(1, torch.sort(positive.gather(1, order).to(torch.uint8), dim=1, stable=True).indices)
    positions = torch.arange(rows.shape[1], device=rows.device).expand_as(order)
    rank = torch.empty_like(order).scatter_(1, order, positions)
    keep = positive | (rank < num_negative)
    return keep.reshape(losses.shape)

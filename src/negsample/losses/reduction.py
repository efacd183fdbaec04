"""How every loss reduces its per-element values: ``'mean'``, ``'sum'`` or ``'none'``.

Example
-------
>>> import torch
>>> from negsample.losses.reduction import reduce_loss
>>> reduce_loss(torch.tensor([1.0, 3.0]), "mean").item()
2.0
"""

from __future__ import annotations

from .._torch import require_torch

torch = require_torch()

__all__ = ["reduce_loss"]


def reduce_loss(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    """``'mean'`` / ``'sum'`` over every element, or ``'none'`` (returned unchanged)."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss

"""Margin ranking loss on scores: every negative should score at least ``margin`` below its positive.

Example
-------
>>> import torch
>>> from negsample.losses import MarginRankingLoss
>>> MarginRankingLoss(margin=1.0)(torch.tensor([2.0]), torch.tensor([[0.5, 1.5]])).item()  # (0 + 0.5) / 2
0.25
"""

from __future__ import annotations

from .._checks import check_non_negative, check_reduction
from .._torch import require_torch
from .reduction import reduce_loss
from .score_inputs import check_pos_neg

torch = require_torch()
F = torch.nn.functional

__all__ = ["MarginRankingLoss"]


class MarginRankingLoss(torch.nn.Module):
    """``max(0, margin - s⁺ + s⁻_k)`` for every (row, negative) pair (TransE's loss, Bordes et al. 2013).

    A negative masked to :func:`negsample.scores.fill_value` costs 0 (and passes no gradient).

    Parameters
    ----------
    margin : float, default 1.0
        (>= 0)
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        Over every (row, negative) pair, as PyKEEN's ``MarginRankingLoss``; ``'none'`` returns the
        shape of ``neg_scores``.

    Examples
    --------
    >>> import torch
    >>> from negsample.losses import MarginRankingLoss
    >>> pos, neg = torch.randn(8), torch.randn(8, 5)    # e.g. -||h + r - t|| of triples and corruptions
    >>> MarginRankingLoss(reduction="none")(pos, neg).shape
    torch.Size([8, 5])
    """

    def __init__(self, *, margin: float = 1.0, reduction: str = "mean"):
        super().__init__()
        check_non_negative("margin", margin)
        self.margin = float(margin)
        self.reduction = check_reduction(reduction)

    def forward(self, pos_scores: torch.Tensor, neg_scores: torch.Tensor) -> torch.Tensor:
        """``pos_scores``: shape (batch_size,); ``neg_scores``: shape (batch_size, num_negatives)."""
        check_pos_neg("pos_scores", pos_scores, "neg_scores", neg_scores)
        return reduce_loss(F.relu(self.margin - pos_scores.unsqueeze(1) + neg_scores), self.reduction)

    def extra_repr(self) -> str:
        return f"margin={self.margin}, reduction={self.reduction!r}"

"""SimpleX's cosine contrastive loss, CCL (Mao et al., 2021).

Example
-------
>>> import torch
>>> from negsample.losses import CosineContrastiveLoss
>>> loss = CosineContrastiveLoss(margin=0.5, negative_weight=2.0)
>>> round(loss(torch.tensor([0.8]), torch.tensor([[0.9, 0.1]])).item(), 4)   # 0.2 + 2 * (0.4 + 0) / 2
0.6
"""

from __future__ import annotations

from .._checks import check_non_negative, check_reduction
from .._torch import require_torch
from .reduction import reduce_loss
from .score_inputs import check_pos_neg

torch = require_torch()

__all__ = ["CosineContrastiveLoss"]


class CosineContrastiveLoss(torch.nn.Module):
    """``(1 - s⁺) + w / K · Σ_k max(0, s⁻_k - m)`` per row, on cosine similarities.

    The positive's cosine is pulled to 1; a negative costs only when its cosine exceeds the margin
    ``m``, so the many easy negatives SimpleX samples (hundreds per user) add nothing, and the
    negative weight ``w`` balances the two terms. A negative masked to
    :func:`negsample.scores.fill_value` (an accidental hit) costs 0 and still counts in ``K``.

    Parameters
    ----------
    margin : float, default 0.9
        ``m``; cosines are in [-1, 1], so margins in [0, 1) are the useful range (>= 0).
    negative_weight : float, default 1.0
        ``w`` (>= 0).
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        Over rows; ``'none'`` returns shape (batch_size,).

    Examples
    --------
    >>> import torch
    >>> from negsample.losses import CosineContrastiveLoss
    >>> users = torch.nn.functional.normalize(torch.randn(8, 16), dim=1)
    >>> items = torch.nn.functional.normalize(torch.randn(8, 16), dim=1)
    >>> negatives = torch.nn.functional.normalize(torch.randn(100, 16), dim=1)
    >>> CosineContrastiveLoss(reduction="none")((users * items).sum(1), users @ negatives.T).shape
    torch.Size([8])
    """

    def __init__(self, *, margin: float = 0.9, negative_weight: float = 1.0, reduction: str = "mean"):
        super().__init__()
        check_non_negative("margin", margin)
        check_non_negative("negative_weight", negative_weight)
        self.margin = float(margin)
        self.negative_weight = float(negative_weight)
        self.reduction = check_reduction(reduction)

    def forward(self, pos_scores: torch.Tensor, neg_scores: torch.Tensor) -> torch.Tensor:
        """``pos_scores``: cosines, shape (batch_size,); ``neg_scores``: shape (batch_size, num_negatives)."""
        check_pos_neg("pos_scores", pos_scores, "neg_scores", neg_scores)
        negative = torch.relu(neg_scores - self.margin).mean(dim=1)
        loss = torch.relu(1.0 - pos_scores) + self.negative_weight * negative
        return reduce_loss(loss, self.reduction)

    def extra_repr(self) -> str:
        return f"margin={self.margin}, negative_weight={self.negative_weight}, reduction={self.reduction!r}"

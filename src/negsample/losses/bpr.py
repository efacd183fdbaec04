"""Bayesian personalised ranking loss (Rendle et al., 2009).

Example
-------
>>> import torch
>>> from negsample.losses import BPRLoss
>>> loss = BPRLoss()(torch.tensor([2.0, 1.0]), torch.tensor([0.0, 1.0]))
"""

from __future__ import annotations

from .._checks import check_reduction
from .._torch import require_torch
from .reduction import reduce_loss
from .score_inputs import check_pos_neg

torch = require_torch()
F = torch.nn.functional

__all__ = ["BPRLoss"]


class BPRLoss(torch.nn.Module):
    """``-log σ(s⁺ - s⁻)``: the positive item should outscore each sampled negative.

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        Over every (row, negative) pair; ``'none'`` returns the shape of ``neg_scores``.

    Examples
    --------
    >>> import torch
    >>> from negsample.losses import BPRLoss
    >>> user_item, user_negatives = torch.randn(32), torch.randn(32, 4)
    >>> BPRLoss(reduction="none")(user_item, user_negatives).shape
    torch.Size([32, 4])
    """

    def __init__(self, *, reduction: str = "mean"):
        super().__init__()
        self.reduction = check_reduction(reduction)

    def forward(self, pos_scores: torch.Tensor, neg_scores: torch.Tensor) -> torch.Tensor:
        """``pos_scores``: (batch_size,); ``neg_scores``: (batch_size,) or (batch_size, num_negatives)."""
        check_pos_neg("pos_scores", pos_scores, "neg_scores", neg_scores, neg_may_be_1d=True)
        diff = pos_scores.unsqueeze(1) - neg_scores if neg_scores.ndim == 2 else pos_scores - neg_scores
        return reduce_loss(-F.logsigmoid(diff), self.reduction)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"

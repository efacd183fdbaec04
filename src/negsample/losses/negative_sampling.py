"""word2vec's negative-sampling loss on scores.

Example
-------
>>> import torch
>>> from negsample.losses import NegativeSamplingLoss
>>> loss = NegativeSamplingLoss()(torch.zeros(2), torch.zeros(2, 3))   # 4 * log 2 per row
>>> round(loss.item(), 4)
2.7726
"""

from __future__ import annotations

from .._checks import check_reduction
from .._torch import require_torch
from .reduction import reduce_loss
from .score_inputs import check_pos_neg

torch = require_torch()
F = torch.nn.functional

__all__ = ["NegativeSamplingLoss"]


class NegativeSamplingLoss(torch.nn.Module):
    """``-log σ(s⁺) - Σ_k log σ(-s⁻_k)`` per row (Mikolov et al., 2013).

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        Over rows; ``'none'`` returns shape (batch_size,).

    Examples
    --------
    >>> import torch
    >>> from negsample.losses import NegativeSamplingLoss
    >>> pos, neg = torch.randn(8), torch.randn(8, 5)    # e.g. center·context dot products
    >>> NegativeSamplingLoss(reduction="none")(pos, neg).shape
    torch.Size([8])
    """

    def __init__(self, *, reduction: str = "mean"):
        super().__init__()
        self.reduction = check_reduction(reduction)

    def forward(self, pos_scores: torch.Tensor, neg_scores: torch.Tensor) -> torch.Tensor:
        """``pos_scores``: shape (batch_size,); ``neg_scores``: shape (batch_size, num_negatives)."""
        check_pos_neg("pos_scores", pos_scores, "neg_scores", neg_scores)
        # logsigmoid, not log(sigmoid(x)): the latter is -inf once sigmoid underflows.
        loss = -F.logsigmoid(pos_scores) - F.logsigmoid(-neg_scores).sum(dim=1)
        return reduce_loss(loss, self.reduction)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"

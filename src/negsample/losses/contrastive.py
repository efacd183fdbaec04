"""Contrastive (pair) loss (Hadsell, Chopra & LeCun, 2006).

Example
-------
>>> import torch
>>> from negsample.losses import ContrastiveLoss
>>> embeddings, labels = torch.randn(12, 16), torch.arange(4).repeat(3)
>>> loss = ContrastiveLoss(pos_margin=0.0, neg_margin=1.0)(embeddings, labels)
"""

from __future__ import annotations

from .._checks import check_non_negative, check_reduction
from .._torch import require_torch
from ..distances import EuclideanDistance
from .metric_inputs import as_pairs, check_metric_inputs, empty_loss

torch = require_torch()
F = torch.nn.functional

__all__ = ["ContrastiveLoss"]


class ContrastiveLoss(torch.nn.Module):
    """Pull positive pairs within ``pos_margin``, push negative pairs beyond ``neg_margin``.

    Positive pair: ``max(0, d - pos_margin)``; negative pair: ``max(0, neg_margin - d)``.

    Parameters
    ----------
    pos_margin : float, default 0.0
    neg_margin : float, default 1.0
    normalize : bool, default True
        Euclidean distance between L2-normalised embeddings; the loss keeps it as ``self.distance``
        (``EuclideanDistance(normalize=normalize)``, the object the miners use too).
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        ``'mean'`` averages the positive-pair losses and the negative-pair losses separately and
        adds the two means (pytorch-metric-learning's convention with ``MeanReducer``), so the
        many negative pairs do not drown the few positive ones. ``'sum'`` sums every pair.
        ``'none'`` returns shape (num_pos_pairs + num_neg_pairs,): positive pairs first.

    Examples
    --------
    >>> import torch
    >>> from negsample.losses import ContrastiveLoss
    >>> embeddings, labels = torch.randn(4, 8), torch.tensor([0, 0, 1, 1])
    >>> ContrastiveLoss(reduction="none")(embeddings, labels).shape   # 4 positive + 8 negative pairs
    torch.Size([12])
    """

    def __init__(
        self,
        *,
        pos_margin: float = 0.0,
        neg_margin: float = 1.0,
        normalize: bool = True,
        reduction: str = "mean",
    ):
        super().__init__()
        check_non_negative("pos_margin", pos_margin)
        check_non_negative("neg_margin", neg_margin)
        self.pos_margin = float(pos_margin)
        self.neg_margin = float(neg_margin)
        self.distance = EuclideanDistance(normalize=bool(normalize))
        self.reduction = check_reduction(reduction)

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor | None = None, indices_tuple=None):
        """Compute the loss.

        Parameters
        ----------
        embeddings : shape (batch_size, dim)
        labels : LongTensor, shape (batch_size,)
            Needed when ``indices_tuple`` is None (all ordered pairs of the batch are used).
        indices_tuple : tuple of LongTensor, optional
            Pairs ``(anchor1, positive, anchor2, negative)`` or triplets ``(anchor, positive, negative)``
            (split into ``(anchor, positive)`` and ``(anchor, negative)`` pairs).
        """
        check_metric_inputs(embeddings, labels, indices_tuple)
        a1, p, a2, n = as_pairs(labels, indices_tuple)
        if a1.numel() == 0 and a2.numel() == 0:
            return empty_loss(embeddings, self.reduction)
        distances = self.distance.pairwise(embeddings)
        pos_loss = F.relu(distances[a1, p] - self.pos_margin)
        neg_loss = F.relu(self.neg_margin - distances[a2, n])
        if self.reduction == "none":
            return torch.cat([pos_loss, neg_loss])
        if self.reduction == "sum":
            return pos_loss.sum() + neg_loss.sum()
        # An empty side contributes 0, not the nan of an empty mean.
        return sum(part.mean() for part in (pos_loss, neg_loss) if part.numel())

    def extra_repr(self) -> str:
        return (
            f"pos_margin={self.pos_margin}, neg_margin={self.neg_margin}, distance={self.distance}, "
            f"reduction={self.reduction!r}"
        )

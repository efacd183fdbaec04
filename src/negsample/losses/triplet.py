"""Triplet margin loss (Weinberger & Saul, 2009; Schroff et al., 2015).

Example
-------
>>> import torch
>>> from negsample.losses import TripletMarginLoss
>>> embeddings, labels = torch.randn(12, 16), torch.arange(4).repeat(3)
>>> loss = TripletMarginLoss(margin=0.1)(embeddings, labels)
"""

from __future__ import annotations

from .._checks import check_non_negative, check_reduction
from .._torch import require_torch
from ..distances import EuclideanDistance
from .metric_inputs import as_triplets, check_metric_inputs, empty_loss
from .reduction import reduce_loss

torch = require_torch()
F = torch.nn.functional

__all__ = ["TripletMarginLoss"]


class TripletMarginLoss(torch.nn.Module):
    """``max(0, d(a, p) - d(a, n) + margin)`` per triplet.

    Parameters
    ----------
    margin : float, default 0.05
        >= 0. The default suits L2-normalised embeddings (distances in [0, 2]), as in
        pytorch-metric-learning.
    swap : bool, default False
        Use ``min(d(a, n), d(p, n))`` as the negative distance (Balntas et al., 2016).
    normalize : bool, default True
        Euclidean distance between L2-normalised embeddings; the loss keeps it as ``self.distance``
        (``EuclideanDistance(normalize=normalize)``, the object the miners use too).
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        Over triplets; ``'none'`` returns shape (num_triplets,). Note: pytorch-metric-learning
        averages only the non-zero triplet losses by default; ``'mean'`` here averages all of them
        (its ``MeanReducer``).

    Examples
    --------
    >>> import torch
    >>> from negsample.losses import TripletMarginLoss
    >>> embeddings, labels = torch.randn(6, 8), torch.tensor([0, 0, 1, 1, 2, 2])
    >>> triplets = (torch.tensor([0, 2]), torch.tensor([1, 3]), torch.tensor([4, 5]))  # e.g. from a miner
    >>> TripletMarginLoss(reduction="none")(embeddings, labels, triplets).shape
    torch.Size([2])
    """

    def __init__(self, *, margin: float = 0.05, swap: bool = False, normalize: bool = True, reduction: str = "mean"):
        super().__init__()
        check_non_negative("margin", margin)
        self.margin = float(margin)
        self.swap = bool(swap)
        self.distance = EuclideanDistance(normalize=bool(normalize))
        self.reduction = check_reduction(reduction)

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor | None = None, indices_tuple=None):
        """Compute the loss.

        Parameters
        ----------
        embeddings : shape (batch_size, dim)
        labels : LongTensor, shape (batch_size,)
            Needed when ``indices_tuple`` is None (all valid triplets of the batch are used).
        indices_tuple : tuple of LongTensor, optional
            Triplets ``(anchor, positive, negative)`` or pairs ``(anchor1, positive, anchor2, negative)``
            (combined into triplets through shared anchors), e.g. from a miner.
        """
        check_metric_inputs(embeddings, labels, indices_tuple)
        anchor, positive, negative = as_triplets(labels, indices_tuple)
        if anchor.numel() == 0:
            return empty_loss(embeddings, self.reduction)
        distances = self.distance.pairwise(embeddings)
        d_ap = distances[anchor, positive]
        d_an = distances[anchor, negative]
        if self.swap:
            d_an = torch.minimum(d_an, distances[positive, negative])
        return reduce_loss(F.relu(d_ap - d_an + self.margin), self.reduction)

    def extra_repr(self) -> str:
        return f"margin={self.margin}, swap={self.swap}, distance={self.distance}, reduction={self.reduction!r}"

"""Margin loss with a (learnable) boundary beta (Wu, Manmatha, Smola & Krähenbühl, 2017).

Example
-------
>>> import torch
>>> from negsample.losses import MarginLoss
>>> embeddings, labels = torch.randn(12, 16), torch.arange(4).repeat(3)
>>> loss = MarginLoss(margin=0.2, beta=1.2)(embeddings, labels)
"""

from __future__ import annotations

from .._checks import check_non_negative, check_reduction
from .._torch import require_torch
from ..distances import EuclideanDistance
from .metric_inputs import as_triplets, check_metric_inputs, empty_loss
from .reduction import reduce_loss

torch = require_torch()
F = torch.nn.functional

__all__ = ["MarginLoss"]


class MarginLoss(torch.nn.Module):
    """Per triplet: ``max(0, d(a,p) - β + margin) + max(0, β - d(a,n) + margin) + ν·β``.

    Positives should lie within ``β - margin`` of the anchor and negatives beyond ``β + margin``.
    Triplets are formed as in pytorch-metric-learning's ``MarginLoss`` (all valid triplets, or
    those of a miner; pairs are combined into triplets through shared anchors).

    Parameters
    ----------
    margin : float, default 0.2
    beta : float, default 1.2
        The boundary; initial value when learned.
    learn_beta : bool, default False
        Make ``beta`` an ``nn.Parameter`` (give it to the optimizer, usually with a larger lr).
    num_classes : int, optional
        With ``learn_beta``, one beta per class, indexed by the anchor's label.
    nu : float, default 0.0
        Weight of the ``ν·β`` regulariser on learned betas (Wu et al.'s ν).
    normalize : bool, default True
        Euclidean distance between L2-normalised embeddings; the loss keeps it as ``self.distance``
        (``EuclideanDistance(normalize=normalize)``, the object the miners use too).
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        Over triplets; ``'none'`` returns shape (num_triplets,). pytorch-metric-learning divides
        by the number of non-zero terms by default; ``'mean'`` here divides by the number of
        triplets (its ``MeanReducer``).

    Examples
    --------
    >>> import torch
    >>> from negsample.losses import MarginLoss
    >>> loss_fn = MarginLoss(learn_beta=True, num_classes=4)
    >>> [p.shape for p in loss_fn.parameters()]
    [torch.Size([4])]
    """

    def __init__(
        self,
        *,
        margin: float = 0.2,
        beta: float = 1.2,
        learn_beta: bool = False,
        num_classes: int | None = None,
        nu: float = 0.0,
        normalize: bool = True,
        reduction: str = "mean",
    ):
        super().__init__()
        check_non_negative("margin", margin)
        check_non_negative("beta", beta)
        check_non_negative("nu", nu)
        if num_classes is not None and (not isinstance(num_classes, int) or num_classes < 1):
            raise ValueError(f"num_classes: expected a positive integer or None, got {num_classes!r}")
        if num_classes is not None and not learn_beta:
            raise ValueError("num_classes: per-class betas only make sense with learn_beta=True, got learn_beta=False")
        self.margin = float(margin)
        self.nu = float(nu)
        self.learn_beta = bool(learn_beta)
        self.num_classes = num_classes
        initial = torch.full((num_classes or 1,), float(beta))
        if self.learn_beta:
            self.beta = torch.nn.Parameter(initial)
        else:
            self.register_buffer("beta", initial)
        self.distance = EuclideanDistance(normalize=bool(normalize))
        self.reduction = check_reduction(reduction)

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor | None = None, indices_tuple=None):
        """Compute the loss.

        Parameters
        ----------
        embeddings : shape (batch_size, dim)
        labels : LongTensor, shape (batch_size,)
            Needed when ``indices_tuple`` is None, and for per-class betas.
        indices_tuple : tuple of LongTensor, optional
            Triplets ``(anchor, positive, negative)`` or pairs ``(anchor1, positive, anchor2, negative)``.
        """
        check_metric_inputs(embeddings, labels, indices_tuple)
        anchor, positive, negative = as_triplets(labels, indices_tuple)
        if anchor.numel() == 0:
            return empty_loss(embeddings, self.reduction)
        if self.num_classes is not None:
            if labels is None:
                raise ValueError("labels: per-class betas (num_classes set) need labels, got None")
            beta = self.beta[labels[anchor]]
        else:
            beta = self.beta
        beta = beta.to(embeddings.dtype)
        distances = self.distance.pairwise(embeddings)
        pos_loss = F.relu(distances[anchor, positive] - beta + self.margin)
        neg_loss = F.relu(beta - distances[anchor, negative] + self.margin)
        loss = pos_loss + neg_loss
        if self.learn_beta and self.nu:
            loss = loss + self.nu * beta
        return reduce_loss(loss, self.reduction)

    def extra_repr(self) -> str:
        return (
            f"margin={self.margin}, learn_beta={self.learn_beta}, num_classes={self.num_classes}, "
            f"nu={self.nu}, distance={self.distance}, reduction={self.reduction!r}"
        )

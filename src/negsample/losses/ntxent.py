"""NT-Xent, SimCLR's normalised-temperature cross-entropy over 2N augmented views (Chen et al., 2020).

Example
-------
>>> import torch
>>> from negsample.losses import NTXentLoss
>>> view1, view2 = torch.randn(8, 32), torch.randn(8, 32)   # two augmentations of 8 images
>>> loss = NTXentLoss(temperature=0.5)(view1, view2)
"""

from __future__ import annotations

from .._checks import (
    check_floating,
    check_ndim,
    check_positive,
    check_reduction,
    check_same_dtype,
    check_shape,
)
from .._torch import require_torch
from ..distances import CosineSimilarity
from ..scores import mask_scores
from .reduction import reduce_loss

torch = require_torch()
F = torch.nn.functional

__all__ = ["NTXentLoss"]


class NTXentLoss(torch.nn.Module):
    """For each of the 2N views: cross-entropy of its partner view against all other 2N - 1 views.

    With cosine similarities ``s`` and temperature ``τ``, view ``i`` with partner ``j`` contributes
    ``-log(exp(s_ij / τ) / Σ_{k ≠ i} exp(s_ik / τ))``; the loss averages over all 2N views. This equals
    pytorch-metric-learning's ``NTXentLoss`` with labels ``[0..N-1, 0..N-1]``.

    Call it as ``loss(view1, view2)`` with two tensors of shape (N, dim), where row i of each is a
    view of the same example, or as ``loss(views)`` with one tensor of shape (2N, dim) whose rows i
    and i + N are partners (``torch.cat([view1, view2])``).

    Parameters
    ----------
    temperature : float, default 0.5
        > 0 (SimCLR's value for small batches; 0.1 for large ones).
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        Over the 2N views; ``'none'`` returns shape (2N,).

    Examples
    --------
    >>> import torch
    >>> from negsample.losses import NTXentLoss
    >>> views = torch.randn(16, 32)                          # 2N = 16 rows
    >>> NTXentLoss(reduction="none")(views).shape
    torch.Size([16])
    """

    def __init__(self, *, temperature: float = 0.5, reduction: str = "mean"):
        super().__init__()
        check_positive("temperature", temperature)
        self.temperature = float(temperature)
        self.reduction = check_reduction(reduction)

    def forward(self, view1: torch.Tensor, view2: torch.Tensor | None = None) -> torch.Tensor:
        """``view1``, ``view2``: shape (N, dim) each; or ``view1`` alone: shape (2N, dim). N >= 2."""
        check_floating("view1", view1)
        check_ndim("view1", view1, 2, "of shape (N, dim) or (2N, dim)")
        if view2 is None:
            if view1.shape[0] % 2:
                raise ValueError(
                    f"view1: a single input must stack two views, shape (2N, dim), got {tuple(view1.shape)}"
                )
            views = view1
        else:
            check_floating("view2", view2)
            check_same_dtype("view2", view2, "view1", view1)
            check_shape("view2", view2, tuple(view1.shape), "(N, dim) like view1")
            views = torch.cat([view1, view2])
        n = views.shape[0] // 2
        if n < 2:
            raise ValueError(f"view1: need N >= 2 examples so each view has negatives, got N = {n}")
        logits = CosineSimilarity().pairwise(views) / self.temperature
        # A view is not its own negative: drop the diagonal from every softmax.
        logits = mask_scores(logits, torch.eye(2 * n, dtype=torch.bool, device=views.device))
        partners = torch.arange(2 * n, device=views.device).roll(n)
        loss = F.cross_entropy(logits, partners, reduction="none")
        return reduce_loss(loss, self.reduction)

    def extra_repr(self) -> str:
        return f"temperature={self.temperature}, reduction={self.reduction!r}"

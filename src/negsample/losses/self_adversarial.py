"""Self-adversarial negative sampling (RotatE, Sun et al. 2019): negatives weighted by their own scores.

Example
-------
>>> import torch
>>> from negsample.losses import SelfAdversarialLoss
>>> loss = SelfAdversarialLoss(margin=6.0, temperature=0.5)
>>> [round(w, 6) for w in loss.weights(torch.tensor([[0.0, 0.0, 1.3862944]]))[0].tolist()]  # softmax(0.5 s)
[0.25, 0.25, 0.5]
"""

from __future__ import annotations

from .._checks import check_non_negative, check_reduction
from .._torch import require_torch
from ..scores import fill_value
from .reduction import reduce_loss
from .score_inputs import check_pos_neg

torch = require_torch()
F = torch.nn.functional

__all__ = ["SelfAdversarialLoss"]


class SelfAdversarialLoss(torch.nn.Module):
    """``-log σ(γ + s⁺) - Σ_k w_k log σ(-s⁻_k - γ)`` per row, ``w = softmax(α s⁻)`` treated as a constant.

    With distance scores ``s = -d`` this is Sun et al.'s ``-log σ(γ - d⁺) - Σ_k w_k log σ(d⁻_k - γ)``:
    the negatives that the model currently scores highest (the hard ones) get the most weight, and
    because the weights carry no gradient, sampling from this distribution is only simulated. With
    ``temperature=0`` every negative gets weight ``1/K`` (RotatE's uniform negative sampling).

    A negative masked to :func:`negsample.scores.fill_value` (a known triple, an accidental hit) gets
    weight 0 and costs 0; a row whose negatives are all masked costs only its positive term.

    Parameters
    ----------
    margin : float, default 9.0
        ``γ`` (>= 0); RotatE used 6 on WN18RR, 9 on FB15k-237, 24 on FB15k.
    temperature : float, default 1.0
        ``α`` (>= 0), the sampling temperature.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        Over rows; ``'none'`` returns shape (batch_size,). (RotatE's code halves the sum of the positive
        and negative means; the factor only rescales the learning rate.)

    Examples
    --------
    >>> import torch
    >>> from negsample.losses import SelfAdversarialLoss
    >>> pos, neg = -torch.rand(8), -torch.rand(8, 16)          # negative distances
    >>> SelfAdversarialLoss(reduction="none")(pos, neg).shape
    torch.Size([8])
    """

    def __init__(self, *, margin: float = 9.0, temperature: float = 1.0, reduction: str = "mean"):
        super().__init__()
        check_non_negative("margin", margin)
        check_non_negative("temperature", temperature)
        self.margin = float(margin)
        self.temperature = float(temperature)
        self.reduction = check_reduction(reduction)

    def weights(self, neg_scores: torch.Tensor) -> torch.Tensor:
        """``softmax(α s⁻)`` over each row's negatives, detached; shape of ``neg_scores``."""
        with torch.no_grad():
            # the clamp keeps a masked score (the dtype's most negative finite value) finite once scaled,
            # so a fully masked row gets uniform weights instead of nan
            scaled = (self.temperature * neg_scores).clamp_min(fill_value(neg_scores.dtype))
            return torch.softmax(scaled, dim=1)

    def forward(self, pos_scores: torch.Tensor, neg_scores: torch.Tensor) -> torch.Tensor:
        """``pos_scores``: shape (batch_size,); ``neg_scores``: shape (batch_size, num_negatives)."""
        check_pos_neg("pos_scores", pos_scores, "neg_scores", neg_scores)
        positive = -F.logsigmoid(self.margin + pos_scores)
        negative = -(self.weights(neg_scores) * F.logsigmoid(-neg_scores - self.margin)).sum(dim=1)
        return reduce_loss(positive + negative, self.reduction)

    def extra_repr(self) -> str:
        return f"margin={self.margin}, temperature={self.temperature}, reduction={self.reduction!r}"

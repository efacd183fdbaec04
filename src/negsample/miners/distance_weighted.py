"""Distance-weighted negative sampling (Wu, Manmatha, Smola & Krähenbühl 2017)."""

from __future__ import annotations

from .._checks import check_positive
from .._torch import require_torch
from .base import TripletMiner, Triplets

torch = require_torch()

__all__ = ["DistanceWeightedMiner", "log_inverse_sphere_density"]


def log_inverse_sphere_density(distances: torch.Tensor, dim: int, *, cutoff: float) -> torch.Tensor:
    """``-log q(d)``, the log weight of a negative at distance ``d`` (Wu et al. 2017, Sec. 4).

    ``q(d) ∝ d^(dim-2) (1 - d^2/4)^((dim-3)/2)`` is the density of the distance between two uniform
    random points on the unit sphere in ``R^dim``, so ``-log q(d) = (2 - dim) log d - ((dim - 3) / 2)
    log(1 - d^2 / 4)`` up to a constant. Distances are clipped below at ``cutoff`` (``1/q`` blows up
    at 0, which would make near-duplicates dominate).

    Parameters
    ----------
    distances : Tensor, any shape, values in [0, 2]
    dim : int
        Embedding dimension.
    cutoff : float

    Returns
    -------
    Tensor, float64, same shape as ``distances``

    Example
    -------
    >>> import torch
    >>> log_inverse_sphere_density(torch.tensor([0.1, 1.0]), 4, cutoff=0.5).round(decimals=4)
    tensor([1.4186, 0.1438], dtype=torch.float64)
    """
    d = distances.to(torch.float64).clamp(min=cutoff)
    # Rounding can push normalised distances a hair past 2; keep the log argument positive.
    one_minus = (1.0 - 0.25 * d * d).clamp(min=1e-12)
    return (2.0 - dim) * torch.log(d) - ((dim - 3.0) / 2.0) * torch.log(one_minus)


class DistanceWeightedMiner(TripletMiner):
    """For every (anchor, positive) pair, draw one negative with probability ``∝ 1 / q(d(a, n))``.

    ``q`` is the density of distances between uniform points on the unit sphere, so the draw spreads
    negatives evenly over distances instead of concentrating where most of them lie (around
    ``sqrt(2)`` in high dimension). Weights are computed in log space and shifted by their row
    maximum before exponentiating, because ``d^(D-2)`` under- or overflows for any realistic ``D``.

    Negatives at ``d >= nonzero_loss_cutoff`` get weight 0 (a margin loss with
    ``beta + margin = nonzero_loss_cutoff`` gives them zero loss anyway). **Pairs whose anchor has no
    negative closer than ``nonzero_loss_cutoff`` are dropped.**

    Parameters
    ----------
    cutoff : float, default 0.5
        Distances are clipped below at this value before weighting.
    nonzero_loss_cutoff : float, default 1.4
        Negatives this far or farther are never drawn.
    normalize_embeddings : bool, default True
        The weights assume unit-norm embeddings; set False only for inputs that are already unit-norm.
    generator : torch.Generator, optional
        Source of randomness for the draws (must live on the embeddings' device).

    Example
    -------
    >>> import torch
    >>> from negsample.miners import DistanceWeightedMiner
    >>> miner = DistanceWeightedMiner(generator=torch.Generator().manual_seed(0))
    >>> emb, labels = torch.randn(16, 8), torch.arange(16) % 4
    >>> t = miner(emb, labels)
    >>> bool((labels[t.anchor] == labels[t.positive]).all())
    True
    >>> bool((labels[t.anchor] != labels[t.negative]).all())
    True
    """

    def __init__(
        self,
        *,
        cutoff: float = 0.5,
        nonzero_loss_cutoff: float = 1.4,
        normalize_embeddings: bool = True,
        generator: torch.Generator | None = None,
    ):
        super().__init__(normalize_embeddings=normalize_embeddings)
        check_positive("cutoff", cutoff)
        check_positive("nonzero_loss_cutoff", nonzero_loss_cutoff)
        if nonzero_loss_cutoff <= cutoff:
            raise ValueError(f"nonzero_loss_cutoff: expected a number > cutoff = {cutoff}, got {nonzero_loss_cutoff!r}")
        self.cutoff = float(cutoff)
        self.nonzero_loss_cutoff = float(nonzero_loss_cutoff)
        self.generator = generator

    def __call__(self, embeddings: torch.Tensor, labels: torch.Tensor) -> Triplets:
        # q(d) depends on the dimension, which the distance matrix no longer carries.
        self._dim = embeddings.shape[-1] if isinstance(embeddings, torch.Tensor) else 0
        return super().__call__(embeddings, labels)

    def _mine(self, distances, positive_mask, negative_mask) -> Triplets:
        log_weights = log_inverse_sphere_density(distances, self._dim, cutoff=self.cutoff)
        eligible = negative_mask & (distances < self.nonzero_loss_cutoff)
        log_weights = log_weights.masked_fill(~eligible, float("-inf"))
        anchor, positive = positive_mask.nonzero(as_tuple=True)
        has_negative = eligible.any(dim=1)[anchor]
        anchor, positive = anchor[has_negative], positive[has_negative]
        rows = log_weights[anchor]  # shape: (P, N)
        weights = torch.exp(rows - rows.max(dim=1, keepdim=True).values)
        if anchor.numel() == 0:
            negative = anchor.clone()
        else:
            negative = torch.multinomial(weights, 1, generator=self.generator).squeeze(1)
        return Triplets(anchor, positive, negative)

    def _options(self) -> str:
        return f"cutoff={self.cutoff}, nonzero_loss_cutoff={self.nonzero_loss_cutoff}, {super()._options()}"

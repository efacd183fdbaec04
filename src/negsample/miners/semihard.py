"""FaceNet's semi-hard negatives: farther than the positive, but still inside the margin."""

from __future__ import annotations

from .._checks import check_positive
from .._torch import require_torch
from .base import TripletMiner, Triplets

torch = require_torch()

__all__ = ["SemiHardNegativeMiner"]


class SemiHardNegativeMiner(TripletMiner):
    """Triplets whose negative satisfies ``d(a, p) < d(a, n) < d(a, p) + margin`` (Schroff et al. 2015).

    These are the triplets a triplet loss with this margin still learns from without being dominated
    by the hardest (often mislabelled) negatives.

    **When an (anchor, positive) pair has no semi-hard negative it is dropped** — no fallback to the
    hardest or easiest negative — so every returned triplet satisfies the condition; a batch may
    yield zero triplets (an empty ``Triplets``), which the losses treat as zero loss.

    Parameters
    ----------
    margin : float
        Width of the semi-hard band, > 0; use the margin of the triplet loss you train with.
    per_pair : {"all", "closest"}, default "all"
        ``"all"`` returns every semi-hard negative of each pair (pytorch-metric-learning's
        ``type_of_triplets="semihard"``); ``"closest"`` keeps only the closest one per pair (the
        selection of FaceNet / TensorFlow's ``triplet_semihard_loss``; ties -> lower index).
    normalize_embeddings : bool, default True
        Euclidean distance between L2-normalised embeddings (False: raw Euclidean).

    Example
    -------
    >>> import torch
    >>> from negsample.miners import SemiHardNegativeMiner
    >>> emb = torch.tensor([[0.0, 0.0], [1.0, 0.0], [1.2, 0.0], [-3.0, 0.0]])
    >>> t = SemiHardNegativeMiner(margin=0.5, normalize_embeddings=False)(emb, torch.tensor([0, 0, 1, 1]))
    >>> list(zip(t.anchor.tolist(), t.positive.tolist(), t.negative.tolist()))
    [(0, 1, 2)]
    """

    def __init__(self, *, margin: float, per_pair: str = "all", normalize_embeddings: bool = True):
        super().__init__(normalize_embeddings=normalize_embeddings)
        check_positive("margin", margin)
        if per_pair not in ("all", "closest"):
            raise ValueError(f"per_pair: expected 'all' or 'closest', got {per_pair!r}")
        self.margin = float(margin)
        self.per_pair = per_pair

    def _mine(self, distances, positive_mask, negative_mask) -> Triplets:
        anchor, positive = positive_mask.nonzero(as_tuple=True)
        # One row per (anchor, positive) pair instead of an (N, N, N) cube: P*N memory.
        d_ap = distances[anchor, positive][:, None]  # shape: (P, 1)
        d_an = distances[anchor]  # shape: (P, N)
        semi_hard = negative_mask[anchor] & (d_an > d_ap) & (d_an < d_ap + self.margin)
        if self.per_pair == "all":
            pair, negative = semi_hard.nonzero(as_tuple=True)
            return Triplets(anchor[pair], positive[pair], negative)
        closest = d_an.masked_fill(~semi_hard, float("inf")).argmin(dim=1)  # argmin: first minimum
        found = semi_hard.any(dim=1)
        return Triplets(anchor[found], positive[found], closest[found])

    def _options(self) -> str:
        return f"margin={self.margin}, per_pair={self.per_pair!r}, {super()._options()}"

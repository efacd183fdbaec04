"""Hard negative mining: for every anchor, its ``k`` closest negatives."""

from __future__ import annotations

from .._torch import require_torch
from .base import TripletMiner, Triplets

torch = require_torch()

__all__ = ["HardNegativeMiner"]


class HardNegativeMiner(TripletMiner):
    """Pair every positive of an anchor with the anchor's ``k`` hardest (closest) negatives.

    Parameters
    ----------
    k : int, default 1
        Negatives per anchor. An anchor with fewer than ``k`` negatives uses all of them; an anchor
        without positives yields no triplets. Equal distances are broken by the lower batch index, so
        results are deterministic.
    normalize_embeddings : bool, default True
        Euclidean distance between L2-normalised embeddings (False: raw Euclidean).

    Returns (when called)
    ---------------------
    Triplets, each field shape ``(num_triplets,)`` with ``num_triplets = sum_a P(a) * min(k, N(a))``,
    ordered by anchor, then positive, then hardness.

    Example
    -------
    >>> import torch
    >>> from negsample.miners import HardNegativeMiner
    >>> miner = HardNegativeMiner(k=1)
    >>> emb = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.8, 0.3], [0.0, 1.0]])
    >>> miner(emb, torch.tensor([0, 0, 1, 1])).negative.tolist()   # anchors 0, 1, 2, 3
    [2, 2, 1, 1]
    """

    def __init__(self, *, k: int = 1, normalize_embeddings: bool = True):
        super().__init__(normalize_embeddings=normalize_embeddings)
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k: expected an int >= 1, got {k!r}")
        self.k = k

    def _mine(self, distances, positive_mask, negative_mask) -> Triplets:
        k = min(self.k, distances.shape[0])
        masked = distances.masked_fill(~negative_mask, float("inf"))
        # A stable sort (not topk) so that ties go to the lower index on every device.
        nearest = torch.sort(masked, dim=1, stable=True).indices[:, :k]  # shape: (N, k)
        is_negative = negative_mask.gather(1, nearest)
        anchor, positive = positive_mask.nonzero(as_tuple=True)
        negative = nearest[anchor].reshape(-1)
        keep = is_negative[anchor].reshape(-1)
        return Triplets(anchor.repeat_interleave(k)[keep], positive.repeat_interleave(k)[keep], negative[keep])

    def _options(self) -> str:
        return f"k={self.k}, {super()._options()}"

"""What every triplet miner shares: the ``Triplets`` result, the distance matrix and label masks.

A miner looks at a distance matrix and returns index sets; it never computes a loss and never
back-propagates, so everything here runs under ``torch.no_grad()``.
"""

from __future__ import annotations

from typing import NamedTuple

from .._checks import check_floating, check_ndim, check_shape
from .._torch import require_torch
from ..distances import EuclideanDistance

torch = require_torch()

__all__ = ["Triplets", "TripletMiner"]


class Triplets(NamedTuple):
    """Indices into the batch of mined ``(anchor, positive, negative)`` triplets.

    Each field is a LongTensor of shape ``(num_triplets,)`` on the embeddings' device. Being a tuple,
    it can be passed straight to a loss as ``indices_tuple`` (negsample or pytorch-metric-learning).
    """

    anchor: torch.Tensor
    positive: torch.Tensor
    negative: torch.Tensor


class TripletMiner:
    """Base class: validate inputs, build distances and label masks, then ``_mine`` (template method).

    Parameters
    ----------
    normalize_embeddings : bool, default True
        Measure Euclidean distance between L2-normalised embeddings (False: raw Euclidean). The
        miner keeps it as ``self.distance`` (``EuclideanDistance(normalize=normalize_embeddings)``,
        the object the metric losses use too, so both see the same matrix for the same batch).

    Subclasses implement ``_mine(distances, positive_mask, negative_mask)`` where all three are
    ``shape: (N, N)``; ``positive_mask[a, p]`` is True when ``p != a`` shares ``a``'s label and
    ``negative_mask[a, n]`` when the labels differ.
    """

    def __init__(self, *, normalize_embeddings: bool = True):
        self.distance = EuclideanDistance(normalize=bool(normalize_embeddings))

    def __call__(self, embeddings: torch.Tensor, labels: torch.Tensor) -> Triplets:
        """Mine triplets from a batch.

        Parameters
        ----------
        embeddings : Tensor, float, shape (N, D)
        labels : Tensor, integer, shape (N,)

        Returns
        -------
        Triplets
        """
        if not isinstance(embeddings, torch.Tensor):
            raise TypeError(f"embeddings: expected a torch.Tensor, got {type(embeddings).__name__}")
        check_ndim("embeddings", embeddings, 2, "(N, D)")
        check_floating("embeddings", embeddings)
        labels = torch.as_tensor(labels, device=embeddings.device)
        check_shape("labels", labels, (embeddings.shape[0],), "(N,)")
        with torch.no_grad():
            distances = self.distance.pairwise(embeddings.detach())
            same = labels[:, None] == labels[None, :]
            not_self = ~torch.eye(len(labels), dtype=torch.bool, device=embeddings.device)
            return self._mine(distances, same & not_self, ~same)

    def _mine(self, distances: torch.Tensor, positive_mask: torch.Tensor, negative_mask: torch.Tensor) -> Triplets:
        raise NotImplementedError

    def _options(self) -> str:
        return f"distance={self.distance}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._options()})"

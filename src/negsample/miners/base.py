"""What every triplet miner shares: the ``Triplets`` result, pairwise distances and label masks.

A miner looks at a distance matrix and returns index sets; it never computes a loss and never
back-propagates, so everything here runs under ``torch.no_grad()``.
"""

from __future__ import annotations

from typing import NamedTuple

from .._checks import check_floating, check_ndim, check_shape
from .._torch import require_torch

torch = require_torch()

__all__ = ["Triplets", "TripletMiner", "pairwise_distances"]


class Triplets(NamedTuple):
    """Indices into the batch of mined ``(anchor, positive, negative)`` triplets.

    Each field is a LongTensor of shape ``(num_triplets,)`` on the embeddings' device. Being a tuple,
    it can be passed straight to a loss as ``indices_tuple`` (negsample or pytorch-metric-learning).
    """

    anchor: torch.Tensor
    positive: torch.Tensor
    negative: torch.Tensor


def pairwise_distances(embeddings: torch.Tensor, *, normalize_embeddings: bool = True) -> torch.Tensor:
    """Euclidean distances between all rows of ``embeddings``.

    Parameters
    ----------
    embeddings : Tensor, shape (N, D)
    normalize_embeddings : bool, default True
        L2-normalise rows first, so distances lie in ``[0, 2]`` (pytorch-metric-learning's default).

    Returns
    -------
    Tensor, shape (N, N)

    Example
    -------
    >>> import torch
    >>> pairwise_distances(torch.tensor([[1.0, 0.0], [0.0, 3.0]])).round(decimals=4)
    tensor([[0.0000, 1.4142],
            [1.4142, 0.0000]])
    """
    x = torch.nn.functional.normalize(embeddings, p=2, dim=1) if normalize_embeddings else embeddings
    # The matmul shortcut (|a|^2 + |b|^2 - 2ab) cancels badly for near-duplicates and leaves non-zero
    # self-distances; miners compare distances against each other, so take the exact route.
    return torch.cdist(x, x, compute_mode="donot_use_mm_for_euclid_dist")


class TripletMiner:
    """Base class: validate inputs, build distances and label masks, then ``_mine`` (template method).

    Parameters
    ----------
    normalize_embeddings : bool, default True
        Measure Euclidean distance between L2-normalised embeddings (False: raw Euclidean).

    Subclasses implement ``_mine(distances, positive_mask, negative_mask)`` where all three are
    ``shape: (N, N)``; ``positive_mask[a, p]`` is True when ``p != a`` shares ``a``'s label and
    ``negative_mask[a, n]`` when the labels differ.
    """

    def __init__(self, *, normalize_embeddings: bool = True):
        self.normalize_embeddings = bool(normalize_embeddings)

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
            distances = pairwise_distances(embeddings.detach(), normalize_embeddings=self.normalize_embeddings)
            same = labels[:, None] == labels[None, :]
            not_self = ~torch.eye(len(labels), dtype=torch.bool, device=embeddings.device)
            return self._mine(distances, same & not_self, ~same)

    def _mine(self, distances: torch.Tensor, positive_mask: torch.Tensor, negative_mask: torch.Tensor) -> Triplets:
        raise NotImplementedError

    def _options(self) -> str:
        return f"normalize_embeddings={self.normalize_embeddings}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._options()})"

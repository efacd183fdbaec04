"""Pairwise distances and similarities as small objects (PyTorch; needs the ``[torch]`` extra).

The one place where a batch becomes a ``(n, m)`` matrix of distances or similarities: the miners,
the metric-learning losses, the in-batch contrastive losses and the retrieval logits all call
``pairwise``, so a miner and a loss given the same batch and the same object see the same numbers.

* :class:`EuclideanDistance`: ``|x_i - y_j|``, on L2-normalised rows when ``normalize=True``
  (then in ``[0, 2]``). Smaller is closer.
* :class:`CosineSimilarity`: ``x_i · y_j / (|x_i| |y_j|)``. Larger is closer.
* :class:`DotProductSimilarity`: ``x_i · y_j``. Larger is closer.

``larger_is_closer`` says which way a matrix points (pytorch-metric-learning calls it ``is_inverted``).

Example
-------
>>> import torch
>>> from negsample.distances import CosineSimilarity, EuclideanDistance
>>> x = torch.tensor([[1.0, 0.0], [0.0, 3.0]])
>>> EuclideanDistance(normalize=True).pairwise(x).round(decimals=4)
tensor([[0.0000, 1.4142],
        [1.4142, 0.0000]])
>>> CosineSimilarity().pairwise(x, torch.tensor([[2.0, 2.0]])).round(decimals=4)
tensor([[0.7071],
        [0.7071]])
>>> EuclideanDistance().larger_is_closer, CosineSimilarity().larger_is_closer
(False, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._checks import check_floating, check_ndim, check_shape
from ._torch import require_torch

torch = require_torch()
F = torch.nn.functional

__all__ = ["CosineSimilarity", "Distance", "DotProductSimilarity", "EuclideanDistance", "euclidean_matrix"]

NEAREST_EXACT = 4  # per row, the nearest pairs recomputed from differences (see euclidean_matrix)


class Distance:
    """Base class: check the inputs, then ``matrix(x, y)`` (template method).

    Subclasses set ``larger_is_closer`` and implement ``matrix(x, y)`` for 2-d float tensors of
    equal width.
    """

    larger_is_closer: ClassVar[bool]

    def pairwise(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """The matrix between every row of ``x`` and every row of ``y`` (``y`` defaults to ``x``).

        Parameters
        ----------
        x : Tensor, float, shape (n, dim)
        y : Tensor, float, shape (m, dim), optional

        Returns
        -------
        Tensor, shape (n, m)
        """
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x: expected a torch.Tensor, got {type(x).__name__}")
        check_ndim("x", x, 2, "(n, dim)")
        check_floating("x", x)
        if y is None:
            y = x
        else:
            if not isinstance(y, torch.Tensor):
                raise TypeError(f"y: expected a torch.Tensor, got {type(y).__name__}")
            check_shape("y", y, (None, x.shape[1]), "(m, dim)")
        return self.matrix(x, y)

    def matrix(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


@dataclass(frozen=True)
class EuclideanDistance(Distance):
    """Euclidean (L2) distances; smaller is closer.

    Parameters
    ----------
    normalize : bool, default False
        L2-normalise the rows first, so distances lie in ``[0, 2]`` (what the miners and metric
        losses use by default, as pytorch-metric-learning does).

    Example
    -------
    >>> import torch
    >>> EuclideanDistance().pairwise(torch.tensor([[0.0, 0.0], [3.0, 4.0]]))
    tensor([[0., 5.],
            [5., 0.]])
    """

    normalize: bool = False
    larger_is_closer: ClassVar[bool] = False

    def matrix(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        same = y is x
        dtype = x.dtype
        # float16 / bfloat16 would lose most digits on the way (and CPU has no half-precision
        # cdist): compute in float32 and hand back the input's dtype.
        work = torch.promote_types(dtype, torch.float32)
        x = x.to(work)
        y = x if same else y.to(work)
        if self.normalize:
            x = F.normalize(x, p=2, dim=1)
            y = x if same else F.normalize(y, p=2, dim=1)
        return euclidean_matrix(x, y).to(dtype)


def euclidean_matrix(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``|x_i - y_j|`` for float32/float64 rows: the matmul route, exact for each row's nearest.

    The matmul route (``|a|^2 + |b|^2 - 2 a·b``) was 17x faster than ``torch.cdist``'s exact mode on
    256 x 128 float32 rows (``benchmarks/distances.py``) but cancels for near-duplicates: it is off by
    about ``sqrt(eps) |a|`` (5e-4 for unit float32 rows) and leaves self-distances non-zero. Those
    pairs are each row's nearest, so the ``NEAREST_EXACT`` nearest of every row are recomputed from
    their differences (exact as ``cdist``'s exact mode, and differentiable at 0), which keeps 9x of
    the speed. A row with more near-duplicates than that keeps the matmul value for the rest.

    shape: x (n, dim), y (m, dim) -> (n, m)

    Example
    -------
    >>> import torch
    >>> x = torch.tensor([[1.0, 0.0], [1.0, 1e-4]])
    >>> euclidean_matrix(x, x)
    tensor([[0.0000e+00, 1.0000e-04],
            [1.0000e-04, 0.0000e+00]])
    """
    d = torch.cdist(x, y, compute_mode="use_mm_for_euclid_dist")
    k = min(NEAREST_EXACT, y.shape[0])
    if k == 0 or x.shape[0] == 0:
        return d
    nearest = d.detach().topk(k, dim=1, largest=False).indices  # shape: (n, k)
    near_rows = y.index_select(0, nearest.reshape(-1)).view(*nearest.shape, y.shape[1])
    return d.scatter(1, nearest, torch.linalg.vector_norm(x[:, None, :] - near_rows, dim=-1))


@dataclass(frozen=True)
class CosineSimilarity(Distance):
    """Cosine similarities, in ``[-1, 1]``; larger is closer.

    Example
    -------
    >>> import torch
    >>> CosineSimilarity().pairwise(torch.tensor([[3.0, 0.0], [0.0, 0.5]]))
    tensor([[1., 0.],
            [0., 1.]])
    """

    larger_is_closer: ClassVar[bool] = True

    def matrix(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        x_unit = F.normalize(x, dim=1)
        return x_unit @ (x_unit if y is x else F.normalize(y, dim=1)).T


@dataclass(frozen=True)
class DotProductSimilarity(Distance):
    """Dot products (unnormalised: longer vectors score higher); larger is closer.

    Example
    -------
    >>> import torch
    >>> DotProductSimilarity().pairwise(torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0, 4.0], [0.0, 1.0]]))
    tensor([[11.,  2.]])
    """

    larger_is_closer: ClassVar[bool] = True

    def matrix(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return x @ y.T

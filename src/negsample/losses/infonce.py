"""InfoNCE with in-batch negatives (van den Oord et al., 2018); ``symmetric=True`` is CLIP's loss.

Example
-------
>>> import torch
>>> from negsample.losses import InfoNCELoss
>>> queries, keys = torch.randn(8, 32), torch.randn(8, 32)
>>> loss = InfoNCELoss(temperature=0.1, symmetric=True)(queries, keys)
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
from ..distances import CosineSimilarity, DotProductSimilarity
from .reduction import reduce_loss

torch = require_torch()
F = torch.nn.functional

__all__ = ["InfoNCELoss"]


class InfoNCELoss(torch.nn.Module):
    """Cross-entropy of each query against all keys of the batch; its own key is the positive.

    ``logits = queries @ keys.T / temperature`` (cosine similarities when ``normalize``), and row
    ``i`` is classified as class ``i``: the other ``batch_size - 1`` keys are its negatives.

    Parameters
    ----------
    temperature : float, default 0.07
        > 0.
    symmetric : bool, default False
        Also classify each key against all queries and average both directions (CLIP).
    normalize : bool, default True
        Logits are cosine similarities / temperature (``self.similarity`` is ``CosineSimilarity()``);
        ``False``: raw dot products (``DotProductSimilarity()``).
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        Over rows; ``'none'`` returns shape (batch_size,) (the mean of both directions per row when
        symmetric).

    Examples
    --------
    >>> import torch
    >>> from negsample.losses import InfoNCELoss
    >>> image_emb, text_emb = torch.randn(16, 64), torch.randn(16, 64)
    >>> InfoNCELoss(symmetric=True, reduction="none")(image_emb, text_emb).shape
    torch.Size([16])
    """

    def __init__(
        self,
        *,
        temperature: float = 0.07,
        symmetric: bool = False,
        normalize: bool = True,
        reduction: str = "mean",
    ):
        super().__init__()
        check_positive("temperature", temperature)
        self.temperature = float(temperature)
        self.symmetric = bool(symmetric)
        self.similarity = CosineSimilarity() if normalize else DotProductSimilarity()
        self.reduction = check_reduction(reduction)

    def forward(self, queries: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        """``queries``, ``keys``: shape (batch_size, dim), batch_size >= 2; rows i form a positive pair."""
        check_floating("queries", queries)
        check_ndim("queries", queries, 2, "of shape (batch_size, dim)")
        check_floating("keys", keys)
        check_same_dtype("keys", keys, "queries", queries)
        check_shape("keys", keys, tuple(queries.shape), "(batch_size, dim) like queries")
        if queries.shape[0] < 2:
            raise ValueError(f"queries: in-batch negatives need batch_size >= 2, got shape {tuple(queries.shape)}")
        logits = self.similarity.pairwise(queries, keys) / self.temperature
        targets = torch.arange(logits.shape[0], device=logits.device)
        loss = F.cross_entropy(logits, targets, reduction="none")
        if self.symmetric:
            loss = 0.5 * (loss + F.cross_entropy(logits.T, targets, reduction="none"))
        return reduce_loss(loss, self.reduction)

    def extra_repr(self) -> str:
        return (
            f"temperature={self.temperature}, symmetric={self.symmetric}, similarity={self.similarity}, "
            f"reduction={self.reduction!r}"
        )

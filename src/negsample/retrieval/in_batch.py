"""In-batch logits for two-tower retrieval, and extra negative columns appended to them.

Row ``i`` of a logits matrix is query ``i``; its positive is **column ``i``** (the diagonal), so the
labels for ``cross_entropy`` are ``arange(B)``. Extra negatives (sampled, or from a cross-batch memory)
are appended as further columns with ``append_negatives``. The logQ correction and the accidental-hit
mask are the shared transforms of :mod:`negsample.scores`.

Example
-------
>>> import torch
>>> from negsample.retrieval import in_batch_logits
>>> queries, candidates = torch.randn(4, 8), torch.randn(4, 8)
>>> ids, log_q = torch.tensor([7, 3, 7, 5]), torch.log(torch.tensor([0.2, 0.1, 0.2, 0.05]))
>>> logits = in_batch_logits(queries, candidates, candidate_ids=ids, log_q=log_q, temperature=0.1)
>>> logits.shape, bool(logits[0, 2] == torch.finfo(logits.dtype).min)   # item 7 is row 0's positive
(torch.Size([4, 4]), True)
>>> loss = torch.nn.functional.cross_entropy(logits, torch.arange(4))
"""

from __future__ import annotations

from .._checks import check_floating, check_ndim, check_positive, check_shape
from .._torch import require_torch
from ..scores import accidental_hits, mask_scores, remove_accidental_hits, subtract_log_q

torch = require_torch()

__all__ = ["append_negatives", "in_batch_logits"]


def _check_tensor(name: str, x) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor, got {type(x).__name__}")


def in_batch_logits(
    queries: torch.Tensor,
    candidates: torch.Tensor,
    *,
    candidate_ids: torch.Tensor | None = None,
    log_q: torch.Tensor | None = None,
    temperature: float = 1.0,
) -> torch.Tensor:
    """Logits of every query against every candidate in the batch; the positives are the diagonal.

    ``queries @ candidates.T / temperature``, then :func:`~negsample.scores.subtract_log_q` (if
    ``log_q``), then :func:`~negsample.scores.remove_accidental_hits` (if ``candidate_ids``), in the
    order TensorFlow Recommenders uses.

    Parameters
    ----------
    queries : Tensor, float, shape (B, D)
    candidates : Tensor, float, shape (B, D)
        Row ``i`` is query ``i``'s positive.
    candidate_ids : Tensor, integer, shape (B,), optional
        Item ids, to mask duplicates of a row's positive.
    log_q : Tensor, float, shape (B,), optional
        Log sampling probability of each candidate (e.g. its log frequency in the training data).
    temperature : float, default 1.0
        > 0.

    Returns
    -------
    Tensor, shape (B, B)

    Example
    -------
    >>> import torch
    >>> q = torch.eye(2)
    >>> in_batch_logits(q, q, log_q=torch.log(torch.tensor([0.5, 0.5])), temperature=0.5)
    tensor([[2.6931, 0.6931],
            [0.6931, 2.6931]])
    """
    _check_tensor("queries", queries)
    _check_tensor("candidates", candidates)
    check_ndim("queries", queries, 2, "(B, D)")
    check_floating("queries", queries)
    check_shape("candidates", candidates, tuple(queries.shape), "(B, D) like queries")
    check_positive("temperature", temperature)
    batch = queries.shape[0]
    logits = queries @ candidates.T / temperature
    if log_q is not None:
        _check_tensor("log_q", log_q)
        check_shape("log_q", log_q, (batch,), "(B,)")
        logits = subtract_log_q(logits, log_q)
    if candidate_ids is not None:
        _check_tensor("candidate_ids", candidate_ids)
        check_shape("candidate_ids", candidate_ids, (batch,), "(B,)")
        logits = remove_accidental_hits(logits, candidate_ids, candidate_ids)
    return logits


def append_negatives(
    logits: torch.Tensor,
    queries: torch.Tensor,
    negatives: torch.Tensor,
    *,
    row_ids: torch.Tensor | None = None,
    negative_ids: torch.Tensor | None = None,
    log_q: torch.Tensor | None = None,
    temperature: float = 1.0,
) -> torch.Tensor:
    """Append columns for extra negatives shared by all rows (sampled, or from a memory).

    The new block is ``queries @ negatives.T / temperature``, minus ``log_q`` if given, with every
    negative whose id equals the row's positive id masked (if both id tensors are given) to
    :func:`~negsample.scores.fill_value`.

    Parameters
    ----------
    logits : Tensor, shape (B, C)
        Existing logits, e.g. from ``in_batch_logits`` or a single positive column.
    queries : Tensor, float, shape (B, D)
    negatives : Tensor, float, shape (M, D)
    row_ids : Tensor, integer, shape (B,), optional
        Id of each row's positive item.
    negative_ids : Tensor, integer, shape (M,), optional
    log_q : Tensor, float, shape (M,), optional
        Log sampling probability (or log expected count) of each negative, on the same scale as the
        correction applied to ``logits``.
    temperature : float, default 1.0

    Returns
    -------
    Tensor, shape (B, C + M)

    Example
    -------
    >>> import torch
    >>> q = torch.eye(2)
    >>> logits = in_batch_logits(q, q)
    >>> ids, negative_ids = torch.tensor([3, 4]), torch.tensor([4, 5])
    >>> out = append_negatives(logits, q, torch.eye(2), row_ids=ids, negative_ids=negative_ids)
    >>> out.shape, (out == torch.finfo(out.dtype).min).nonzero().tolist()    # item 4 is row 1's positive
    (torch.Size([2, 4]), [[1, 2]])
    """
    for name, x in (("logits", logits), ("queries", queries), ("negatives", negatives)):
        _check_tensor(name, x)
    check_ndim("queries", queries, 2, "(B, D)")
    check_shape("logits", logits, (queries.shape[0], None), "(B, C)")
    check_shape("negatives", negatives, (None, queries.shape[1]), "(M, D)")
    check_positive("temperature", temperature)
    block = queries @ negatives.T / temperature
    if log_q is not None:
        _check_tensor("log_q", log_q)
        check_shape("log_q", log_q, (negatives.shape[0],), "(M,)")
        block = subtract_log_q(block, log_q)
    if (row_ids is None) != (negative_ids is None):
        raise ValueError("row_ids, negative_ids: expected both (to mask accidental hits) or neither")
    if row_ids is not None:
        check_shape("row_ids", row_ids, (queries.shape[0],), "(B,)")
        check_shape("negative_ids", negative_ids, (negatives.shape[0],), "(M,)")
        block = mask_scores(block, accidental_hits(row_ids, negative_ids.to(block.device)))
    return torch.cat([logits, block], dim=1)

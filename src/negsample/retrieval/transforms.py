"""Score-matrix transforms for retrieval with in-batch negatives, each small and separate.

Row ``i`` of a logits matrix is query ``i``; its positive is **column ``i``** (the diagonal), so the
labels for ``cross_entropy`` are ``arange(B)``. Extra negatives (sampled, or from a cross-batch memory)
are appended as further columns with ``append_negatives``.

Example
-------
>>> import torch
>>> from negsample.retrieval import in_batch_logits
>>> queries, candidates = torch.randn(4, 8), torch.randn(4, 8)
>>> ids, log_q = torch.tensor([7, 3, 7, 5]), torch.log(torch.tensor([0.2, 0.1, 0.2, 0.05]))
>>> logits = in_batch_logits(queries, candidates, candidate_ids=ids, log_q=log_q, temperature=0.1)
>>> logits.shape, bool(torch.isinf(logits[0, 2]))          # item 7 is row 0's positive: not a negative
(torch.Size([4, 4]), True)
>>> loss = torch.nn.functional.cross_entropy(logits, torch.arange(4))
"""

from __future__ import annotations

from .._checks import check_floating, check_ndim, check_positive, check_shape
from .._torch import require_torch

torch = require_torch()

__all__ = ["append_negatives", "in_batch_logits", "logq_correction", "remove_accidental_hits"]


def _check_tensor(name: str, x) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor, got {type(x).__name__}")


def logq_correction(logits: torch.Tensor, log_q: torch.Tensor) -> torch.Tensor:
    """Subtract each candidate's log sampling probability from its column (Yi et al. 2019).

    A candidate that appears in many batches is a negative in many softmaxes; without the correction
    the model learns ``log p(item | query) - log p(item)`` and under-ranks popular items.

    Parameters
    ----------
    logits : Tensor, shape (B, C)
    log_q : Tensor, shape (C,)
        Log-probability (or log expected count: a constant shift changes nothing) with which each
        candidate column was drawn.

    Returns
    -------
    Tensor, shape (B, C)

    Example
    -------
    >>> import torch
    >>> logq_correction(torch.zeros(2, 2), torch.log(torch.tensor([0.5, 0.25])))
    tensor([[0.6931, 1.3863],
            [0.6931, 1.3863]])
    """
    _check_tensor("logits", logits)
    _check_tensor("log_q", log_q)
    check_ndim("logits", logits, 2, "(B, C)")
    check_shape("log_q", log_q, (logits.shape[1],), "(C,)")
    return logits - log_q.to(logits.dtype)[None, :]


def _hits(row_ids: torch.Tensor, col_ids: torch.Tensor) -> torch.Tensor:
    """``hits[i, j]``: column ``j`` holds the same item as row ``i``'s positive. shape: (B, C)."""
    return row_ids.to(col_ids.device)[:, None] == col_ids[None, :]


def remove_accidental_hits(logits: torch.Tensor, row_ids: torch.Tensor, col_ids: torch.Tensor) -> torch.Tensor:
    """Set to ``-inf`` every off-diagonal column that holds row ``i``'s own positive item.

    With in-batch negatives a popular item can be the positive of several rows; without masking, the
    copies in other columns would be pushed down as negatives of the very query they answer.

    Parameters
    ----------
    logits : Tensor, shape (B, C) with C >= B
        Row ``i``'s positive is column ``i``; it is never masked.
    row_ids : Tensor, integer, shape (B,)
        Id of each row's positive item.
    col_ids : Tensor, integer, shape (C,)
        Id of the item in each column.

    Returns
    -------
    Tensor, shape (B, C)

    Example
    -------
    >>> import torch
    >>> ids = torch.tensor([4, 9, 4])
    >>> remove_accidental_hits(torch.zeros(3, 3), ids, ids)
    tensor([[0., 0., -inf],
            [0., 0., 0.],
            [-inf, 0., 0.]])
    """
    for name, x in (("logits", logits), ("row_ids", row_ids), ("col_ids", col_ids)):
        _check_tensor(name, x)
    check_ndim("logits", logits, 2, "(B, C)")
    batch, num_cols = logits.shape
    if num_cols < batch:
        raise ValueError(
            f"logits: expected shape (B, C) with C >= B (positives on the diagonal), got {(batch, num_cols)}"
        )
    check_shape("row_ids", row_ids, (batch,), "(B,)")
    check_shape("col_ids", col_ids, (num_cols,), "(C,)")
    hits = _hits(row_ids, col_ids.to(logits.device))
    hits[:, :batch].fill_diagonal_(False)
    return logits.masked_fill(hits, float("-inf"))


def in_batch_logits(
    queries: torch.Tensor,
    candidates: torch.Tensor,
    *,
    candidate_ids: torch.Tensor | None = None,
    log_q: torch.Tensor | None = None,
    temperature: float = 1.0,
) -> torch.Tensor:
    """Logits of every query against every candidate in the batch; the positives are the diagonal.

    ``queries @ candidates.T / temperature``, then ``logq_correction`` (if ``log_q``), then
    ``remove_accidental_hits`` (if ``candidate_ids``), in the order TensorFlow Recommenders uses.

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
        logits = logq_correction(logits, log_q)
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
    negative whose id equals the row's positive id set to ``-inf`` (if both id tensors are given).

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
    >>> append_negatives(logits, q, torch.eye(2), row_ids=ids, negative_ids=negative_ids)
    tensor([[1., 0., 1., 0.],
            [0., 1., -inf, 1.]])
    """
    for name, x in (("logits", logits), ("queries", queries), ("negatives", negatives)):
        _check_tensor(name, x)
    check_ndim("queries", queries, 2, "(B, D)")
    check_shape("logits", logits, (queries.shape[0], None), "(B, C)")
    check_shape("negatives", negatives, (None, queries.shape[1]), "(M, D)")
    check_positive("temperature", temperature)
    block = queries @ negatives.T / temperature
    if log_q is not None:
        block = logq_correction(block, log_q)
    if (row_ids is None) != (negative_ids is None):
        raise ValueError("row_ids, negative_ids: expected both (to mask accidental hits) or neither")
    if row_ids is not None:
        check_shape("row_ids", row_ids, (queries.shape[0],), "(B,)")
        check_shape("negative_ids", negative_ids, (negatives.shape[0],), "(M,)")
        block = block.masked_fill(_hits(row_ids, negative_ids.to(block.device)), float("-inf"))
    return torch.cat([logits, block], dim=1)

"""Small transforms of a score (logits) matrix: logQ subtraction and accidental-hit masks (PyTorch).

The one home of both corrections, used by the sampled-score losses (NCE, sampled softmax), the
TensorFlow ports and the retrieval logits, in the order TensorFlow Recommenders applies them:
scale (temperature), then :func:`subtract_log_q`, then mask (:func:`mask_scores`). Masking comes
last so that nothing is added to, or divided into, a masked score afterwards.

Masked scores get ``torch.finfo(dtype).min`` (:func:`fill_value`), the most negative *finite*
value, not ``-inf``. After ``exp`` it is exactly 0, as ``-inf`` would be, so a masked column adds
nothing to a softmax and its NCE term ``-log σ(-s)`` is exactly 0; but it stays finite where
``-inf`` turns into ``nan``: a masked column with target weight 0 (``0 * log_softmax = 0 * -inf``
in the soft-label cross-entropy of ``sampled_softmax_loss``, ``binary_cross_entropy_with_logits``
of ``nce_loss``), ``-inf - -inf``, or a row whose every column is masked. TensorFlow's
``_compute_sampled_logits`` uses ``-FLOAT_MAX`` for the same reason.

Example
-------
>>> import torch
>>> from negsample.scores import accidental_hits, mask_scores, subtract_log_q
>>> logits = subtract_log_q(torch.zeros(2, 3), torch.log(torch.tensor([0.5, 0.25, 0.25])))
>>> hits = accidental_hits(torch.tensor([4, 9]), torch.tensor([4, 5, 6]))   # row 0 drew its positive
>>> masked = mask_scores(logits, hits)
>>> bool(masked[0, 0] == torch.finfo(torch.float32).min), masked[1]
(True, tensor([0.6931, 1.3863, 1.3863]))
"""

from __future__ import annotations

from ._checks import check_integer, check_ndim, check_shape
from ._torch import require_torch

torch = require_torch()

__all__ = ["accidental_hits", "fill_value", "mask_scores", "remove_accidental_hits", "subtract_log_q"]


def _check_tensor(name: str, x) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor, got {type(x).__name__}")


def fill_value(dtype: torch.dtype) -> float:
    """The score of a masked entry: ``torch.finfo(dtype).min`` (see the module docstring for why).

    Example
    -------
    >>> import torch
    >>> fill_value(torch.float16)
    -65504.0
    """
    return torch.finfo(dtype).min


def subtract_log_q(scores: torch.Tensor, log_q: torch.Tensor) -> torch.Tensor:
    """Subtract each candidate's log sampling probability from its score (logQ correction).

    A candidate drawn often is a negative in many softmaxes; without the correction the model learns
    ``log p(item | query) - log p(item)`` and under-ranks popular items (Yi et al. 2019). NCE passes
    ``log(K·Q)``, the TF ports ``log(expected_count)``: a constant shift per row changes no softmax.

    Parameters
    ----------
    scores : Tensor, float, shape (B, C) (or (B,))
    log_q : Tensor, float, shape (C,) shared by every row, or the shape of ``scores``
        Cast to the dtype of ``scores``.

    Returns
    -------
    Tensor, the shape of ``scores``

    Example
    -------
    >>> import torch
    >>> subtract_log_q(torch.zeros(2, 2), torch.log(torch.tensor([0.5, 0.25])))
    tensor([[0.6931, 1.3863],
            [0.6931, 1.3863]])
    """
    _check_tensor("scores", scores)
    _check_tensor("log_q", log_q)
    if tuple(log_q.shape) not in (tuple(scores.shape), tuple(scores.shape[-1:])):
        raise ValueError(
            f"log_q: expected shape (C,) or the shape of scores, with scores of shape {tuple(scores.shape)}, "
            f"got {tuple(log_q.shape)}"
        )
    return scores - log_q.to(scores.dtype)


def accidental_hits(true_ids: torch.Tensor, candidate_ids: torch.Tensor) -> torch.Tensor:
    """Where a candidate is (one of) the row's own true ids, so it must not count as a negative.

    Parameters
    ----------
    true_ids : Tensor, integer, shape (B,) or (B, num_true)
    candidate_ids : Tensor, integer, shape (C,) shared by every row, or (B, C)

    Returns
    -------
    Tensor, bool, shape (B, C), on the device of ``candidate_ids``

    Example
    -------
    >>> import torch
    >>> accidental_hits(torch.tensor([[1, 4], [2, 7]]), torch.tensor([4, 8, 2])).tolist()
    [[True, False, False], [False, False, True]]
    """
    _check_tensor("true_ids", true_ids)
    _check_tensor("candidate_ids", candidate_ids)
    check_integer("true_ids", true_ids)
    check_integer("candidate_ids", candidate_ids)
    check_ndim("true_ids", true_ids, (1, 2), "(B,) or (B, num_true)")
    check_ndim("candidate_ids", candidate_ids, (1, 2), "(C,) or (B, C)")
    if candidate_ids.ndim == 2:
        check_shape("candidate_ids", candidate_ids, (true_ids.shape[0], None), "(B, C)")
    true_ids = true_ids.to(candidate_ids.device)
    columns = candidate_ids.unsqueeze(0) if candidate_ids.ndim == 1 else candidate_ids  # (1 or B, C)
    if true_ids.ndim == 1:
        return columns == true_ids.unsqueeze(1)
    return (columns.unsqueeze(1) == true_ids.unsqueeze(2)).any(dim=1)


def mask_scores(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Set ``scores`` to :func:`fill_value` where ``mask`` is true (no gradient flows there).

    Parameters
    ----------
    scores : Tensor, float, shape (B, C)
    mask : Tensor, bool, broadcastable to ``scores``

    Returns
    -------
    Tensor, shape (B, C)

    Example
    -------
    >>> import torch
    >>> mask_scores(torch.zeros(1, 2, dtype=torch.float16), torch.tensor([[False, True]]))
    tensor([[     0., -65504.]], dtype=torch.float16)
    """
    return scores.masked_fill(mask, fill_value(scores.dtype))


def remove_accidental_hits(logits: torch.Tensor, row_ids: torch.Tensor, col_ids: torch.Tensor) -> torch.Tensor:
    """In-batch logits: mask every off-diagonal column that holds row ``i``'s own positive item.

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
    Tensor, shape (B, C); masked entries are :func:`fill_value`.

    Example
    -------
    >>> import torch
    >>> ids = torch.tensor([4, 9, 4])
    >>> remove_accidental_hits(torch.zeros(3, 3), ids, ids) == torch.finfo(torch.float32).min
    tensor([[False, False,  True],
            [False, False, False],
            [ True, False, False]])
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
    hits = accidental_hits(row_ids, col_ids.to(logits.device))
    hits[:, :batch].fill_diagonal_(False)
    return mask_scores(logits, hits)

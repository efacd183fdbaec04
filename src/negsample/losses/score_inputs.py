"""Input checks of the losses on scores: positive and negative scores, their logQ and their ids.

Example
-------
>>> import torch
>>> from negsample.losses.score_inputs import check_pos_neg
>>> check_pos_neg("pos_scores", torch.zeros(4), "neg_scores", torch.zeros(4, 5))
(4, 5)
"""

from __future__ import annotations

from .._checks import check_floating, check_integer, check_ndim, check_same_dtype, check_shape
from ..scores import accidental_hits

__all__ = ["check_log_q", "check_pos_neg", "check_pos_neg_ids"]


def check_pos_neg(pos_name: str, pos, neg_name: str, neg, *, neg_may_be_1d: bool = False) -> tuple[int, int]:
    """``pos``: shape (batch_size,); ``neg``: shape (batch_size, num_negatives), num_negatives >= 1.

    With ``neg_may_be_1d`` a (batch_size,) ``neg`` is accepted too (one negative per row).
    Returns ``(batch_size, num_negatives)``.
    """
    check_floating(pos_name, pos)
    check_ndim(pos_name, pos, 1, "of shape (batch_size,)")
    check_floating(neg_name, neg)
    check_same_dtype(neg_name, neg, pos_name, pos)
    batch_size = pos.shape[0]
    if neg_may_be_1d and neg.ndim == 1:
        check_shape(neg_name, neg, (batch_size,), "(batch_size,)")
        return batch_size, 1
    check_shape(neg_name, neg, (batch_size, None), "(batch_size, num_negatives)")
    if neg.shape[1] == 0:
        raise ValueError(
            f"{neg_name}: expected at least one negative (num_negatives >= 1), got shape {tuple(neg.shape)}"
        )
    return batch_size, neg.shape[1]


def check_log_q(pos_log_q, neg_log_q, reference, batch_size: int, num_negatives: int) -> None:
    """``pos_log_q``: (batch_size,); ``neg_log_q``: (batch_size, num_negatives) or shared (num_negatives,)."""
    check_floating("pos_log_q", pos_log_q)
    check_same_dtype("pos_log_q", pos_log_q, "pos_logits", reference)
    check_shape("pos_log_q", pos_log_q, (batch_size,), "(batch_size,)")
    check_floating("neg_log_q", neg_log_q)
    check_same_dtype("neg_log_q", neg_log_q, "pos_logits", reference)
    if neg_log_q.ndim == 1:
        check_shape("neg_log_q", neg_log_q, (num_negatives,), "(num_negatives,)")
    else:
        check_shape("neg_log_q", neg_log_q, (batch_size, num_negatives), "(batch_size, num_negatives)")


def check_pos_neg_ids(pos_ids, neg_ids, batch_size: int, num_negatives: int):
    """Both or neither of ``pos_ids`` (batch_size,), ``neg_ids`` (batch_size, K) or (K,) (K negatives).

    Returns the accidental-hit mask of shape (batch_size, num_negatives), or ``None``.
    """
    if pos_ids is None and neg_ids is None:
        return None
    if pos_ids is None or neg_ids is None:
        missing = "pos_ids" if pos_ids is None else "neg_ids"
        raise ValueError(f"{missing}: pos_ids and neg_ids go together (to find accidental hits), got only one")
    check_integer("pos_ids", pos_ids)
    check_integer("neg_ids", neg_ids)
    check_shape("pos_ids", pos_ids, (batch_size,), "(batch_size,)")
    if neg_ids.ndim == 1:
        check_shape("neg_ids", neg_ids, (num_negatives,), "(num_negatives,)")
    else:
        check_shape("neg_ids", neg_ids, (batch_size, num_negatives), "(batch_size, num_negatives)")
    return accidental_hits(pos_ids, neg_ids)

"""Sampled softmax (Jean et al., 2015; Bengio & Senécal, 2008), as ``tf.nn.sampled_softmax_loss``.

Example
-------
>>> import torch
>>> from negsample.losses import sampled_softmax_loss
>>> weights, biases = torch.randn(100, 16, requires_grad=True), torch.zeros(100, requires_grad=True)
>>> labels, inputs = torch.randint(0, 100, (8, 1)), torch.randn(8, 16)
>>> sampled_softmax_loss(weights, biases, labels, inputs, num_sampled=10, num_classes=100).backward()
"""

from __future__ import annotations

from .._checks import check_reduction
from .._torch import require_torch
from ..noise import NoiseDistribution
from ._candidates import compute_sampled_logits
from ._common import check_log_q, check_pos_neg, check_pos_neg_ids, reduce_loss

torch = require_torch()
F = torch.nn.functional

__all__ = ["SampledSoftmaxLoss", "sampled_softmax_loss"]


class SampledSoftmaxLoss(torch.nn.Module):
    """Softmax cross-entropy over the true class and sampled negatives, with the logQ correction.

    Each logit becomes ``s - log Q(id)``, negatives equal to the row's true id (accidental hits) are
    pushed to the dtype's most negative value when ids are given, and the loss is cross-entropy with
    the true class in column 0. In expectation over the samples this approximates the full softmax.

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        Over rows; ``'none'`` returns shape (batch_size,).

    Examples
    --------
    >>> import torch
    >>> from negsample.losses import SampledSoftmaxLoss
    >>> from negsample.noise import LogUniform
    >>> noise = LogUniform(1000)
    >>> pos_ids, neg_ids = torch.randint(0, 1000, (4,)), noise.sample((20,), device="cpu")  # shared
    >>> pos_logits, neg_logits = torch.randn(4), torch.randn(4, 20)
    >>> loss = SampledSoftmaxLoss()(pos_logits, neg_logits, noise.log_prob(pos_ids),
    ...                             noise.log_prob(neg_ids), pos_ids=pos_ids, neg_ids=neg_ids)
    """

    def __init__(self, *, reduction: str = "mean"):
        super().__init__()
        self.reduction = check_reduction(reduction)

    def forward(
        self,
        pos_logits: torch.Tensor,
        neg_logits: torch.Tensor,
        pos_log_q: torch.Tensor,
        neg_log_q: torch.Tensor,
        pos_ids: torch.Tensor | None = None,
        neg_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Compute the loss.

        Parameters
        ----------
        pos_logits : shape (batch_size,)
        neg_logits : shape (batch_size, num_negatives)
        pos_log_q : shape (batch_size,)
        neg_log_q : shape (batch_size, num_negatives) or (num_negatives,) for shared negatives
        pos_ids, neg_ids : LongTensor, optional
            Shapes (batch_size,) and (batch_size, num_negatives) or (num_negatives,); needed to
            remove accidental hits (both or neither).
        """
        batch_size, num_negatives = check_pos_neg("pos_logits", pos_logits, "neg_logits", neg_logits)
        check_log_q(pos_log_q, neg_log_q, pos_logits, batch_size, num_negatives)
        hits = check_pos_neg_ids(pos_ids, neg_ids, batch_size, num_negatives)
        neg = neg_logits - neg_log_q
        if hits is not None:
            neg = neg.masked_fill(hits, torch.finfo(neg.dtype).min)
        logits = torch.cat([(pos_logits - pos_log_q).unsqueeze(1), neg], dim=1)
        loss = torch.logsumexp(logits, dim=1) - logits[:, 0]
        return reduce_loss(loss, self.reduction)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


def sampled_softmax_loss(
    weights: torch.Tensor,
    biases: torch.Tensor,
    labels: torch.Tensor,
    inputs: torch.Tensor,
    num_sampled: int,
    num_classes: int,
    num_true: int = 1,
    sampled_values=None,
    remove_accidental_hits: bool = True,
    *,
    sampler: NoiseDistribution | None = None,
    generator: torch.Generator | None = None,
    unique: bool = True,
    reduction: str = "mean",
) -> torch.Tensor:
    """Port of ``tf.nn.sampled_softmax_loss``: same arguments, shapes and numbers (sharded weights aside).

    Parameters
    ----------
    weights : float tensor, shape (num_classes, dim)
    biases : float tensor, shape (num_classes,)
    labels : LongTensor, shape (batch_size, num_true) (or (batch_size,) when ``num_true == 1``)
    inputs : float tensor, shape (batch_size, dim)
    num_sampled : int
        Negative ids drawn per batch and shared by all rows.
    num_classes : int
    num_true : int, default 1
        True classes per row; each gets target probability ``1 / num_true`` as in TF.
    sampled_values : tuple, optional
        ``(sampled, true_expected_count, sampled_expected_count)``; drawn here when omitted.
    remove_accidental_hits : bool, default True
        TF's default for sampled softmax.
    sampler : NoiseDistribution, optional
        Default ``LogUniform(num_classes)``.
    generator : torch.Generator, optional
    unique : bool, default True
        See :func:`sample_candidates` for the expected counts in either case.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        ``'none'`` gives TF's per-example losses, shape (batch_size,).
    """
    check_reduction(reduction)
    logits, targets = compute_sampled_logits(
        weights, biases, labels, inputs, num_sampled, num_classes, num_true, sampled_values,
        subtract_log_q=True, remove_accidental_hits=remove_accidental_hits,
        sampler=sampler, generator=generator, unique=unique,
    )  # fmt: skip
    loss = -(targets * F.log_softmax(logits, dim=1)).sum(dim=1)
    return reduce_loss(loss, reduction)

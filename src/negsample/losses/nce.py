"""Noise-contrastive estimation (Gutmann & Hyvärinen, 2010; Mnih & Teh, 2012), as ``tf.nn.nce_loss``.

Example
-------
>>> import torch
>>> from negsample.losses import nce_loss
>>> weights, biases = torch.randn(100, 16, requires_grad=True), torch.zeros(100, requires_grad=True)
>>> labels, inputs = torch.randint(0, 100, (8, 1)), torch.randn(8, 16)
>>> nce_loss(weights, biases, labels, inputs, num_sampled=10, num_classes=100).backward()
"""

from __future__ import annotations

import math

from .._checks import check_reduction
from .._torch import require_torch
from ..noise import NoiseDistribution
from ._candidates import compute_sampled_logits
from ._common import check_log_q, check_pos_neg, check_pos_neg_ids, reduce_loss

torch = require_torch()
F = torch.nn.functional

__all__ = ["NCELoss", "nce_loss"]


class NCELoss(torch.nn.Module):
    """Binary logistic loss on logits shifted by ``-log(K·Q)`` (true: label 1, noise: label 0).

    With ``K`` noise samples per row drawn from ``Q``, the shifted logit ``s - log(K·Q(id))`` is the
    log-odds that the id came from the data rather than the noise; training it makes ``s`` estimate
    the (self-normalised) log-probability. Same numbers as ``tf.nn.nce_loss`` given the same logits.

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        Over rows; ``'none'`` returns shape (batch_size,).

    Examples
    --------
    >>> import torch
    >>> from negsample.losses import NCELoss
    >>> from negsample.noise import Uniform
    >>> noise = Uniform(1000)
    >>> pos_ids, neg_ids = torch.randint(0, 1000, (4,)), noise.sample((4, 5), device="cpu")
    >>> pos_logits, neg_logits = torch.randn(4), torch.randn(4, 5)
    >>> loss = NCELoss()(pos_logits, neg_logits, noise.log_prob(pos_ids), noise.log_prob(neg_ids))
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
            ``log Q`` of the true ids under the noise distribution.
        neg_log_q : shape (batch_size, num_negatives) or (num_negatives,) for shared negatives
        pos_ids, neg_ids : LongTensor, optional
            Shapes (batch_size,) and (batch_size, num_negatives) or (num_negatives,). When given,
            noise samples equal to the row's true id (accidental hits) contribute nothing.
        """
        batch_size, num_negatives = check_pos_neg("pos_logits", pos_logits, "neg_logits", neg_logits)
        check_log_q(pos_log_q, neg_log_q, pos_logits, batch_size, num_negatives)
        hits = check_pos_neg_ids(pos_ids, neg_ids, batch_size, num_negatives)
        log_k = math.log(num_negatives)
        pos = pos_logits - (log_k + pos_log_q)
        neg = neg_logits - (log_k + neg_log_q)
        neg_terms = -F.logsigmoid(-neg)
        if hits is not None:
            neg_terms = neg_terms.masked_fill(hits, 0.0)
        loss = -F.logsigmoid(pos) + neg_terms.sum(dim=1)
        return reduce_loss(loss, self.reduction)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


def nce_loss(
    weights: torch.Tensor,
    biases: torch.Tensor,
    labels: torch.Tensor,
    inputs: torch.Tensor,
    num_sampled: int,
    num_classes: int,
    num_true: int = 1,
    sampled_values=None,
    remove_accidental_hits: bool = False,
    *,
    sampler: NoiseDistribution | None = None,
    generator: torch.Generator | None = None,
    unique: bool = True,
    reduction: str = "mean",
) -> torch.Tensor:
    """Port of ``tf.nn.nce_loss``: same arguments, shapes and numbers (sharded weights aside).

    Parameters
    ----------
    weights : float tensor, shape (num_classes, dim)
        Output embeddings (one tensor; TF's list of shards is not supported).
    biases : float tensor, shape (num_classes,)
    labels : LongTensor, shape (batch_size, num_true) (or (batch_size,) when ``num_true == 1``)
    inputs : float tensor, shape (batch_size, dim)
    num_sampled : int
        Noise ids drawn per batch and shared by all rows.
    num_classes : int
    num_true : int, default 1
        True classes per row; each gets target ``1 / num_true`` as in TF.
    sampled_values : tuple, optional
        ``(sampled, true_expected_count, sampled_expected_count)`` as returned by
        :func:`sample_candidates` (or TF's candidate samplers); drawn here when omitted.
    remove_accidental_hits : bool, default False
        TF's default for NCE.
    sampler : NoiseDistribution, optional
        Default ``LogUniform(num_classes)`` (TF's ``log_uniform_candidate_sampler``).
    generator : torch.Generator, optional
    unique : bool, default True
        TF samples distinct candidates; see :func:`sample_candidates` for the expected counts.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        ``'none'`` gives TF's per-example losses, shape (batch_size,).
    """
    check_reduction(reduction)
    logits, targets = compute_sampled_logits(
        weights, biases, labels, inputs, num_sampled, num_classes, num_true, sampled_values,
        subtract_log_q=True, remove_accidental_hits=remove_accidental_hits,
        sampler=sampler, generator=generator, unique=unique,
    )  # fmt: skip
    loss = F.binary_cross_entropy_with_logits(logits, targets, reduction="none").sum(dim=1)
    return reduce_loss(loss, reduction)

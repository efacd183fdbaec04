"""Losses on the scores of a true class and sampled negatives, corrected by the sampler's ``log Q``.

:class:`SampledScoreLoss` is the template: check the inputs, subtract ``log Q`` (plus a constant per
loss), mask accidental hits (:mod:`negsample.scores`), compute each row's loss, reduce. NCE and
sampled softmax differ only in the constant and in the per-row loss.

Example
-------
>>> import torch
>>> from negsample.losses import NCELoss, SampledSoftmaxLoss
>>> pos, neg = torch.zeros(2), torch.zeros(2, 3)
>>> log_q = torch.full((2,), -1.0), torch.full((3,), -1.0)
>>> round(SampledSoftmaxLoss()(pos, neg, *log_q).item(), 4)      # log 4: four equal logits
1.3863
>>> NCELoss(reduction="none")(pos, neg, *log_q).shape
torch.Size([2])
"""

from __future__ import annotations

import math

from .._checks import check_reduction
from .._torch import require_torch
from ..scores import mask_scores, subtract_log_q
from .reduction import reduce_loss
from .score_inputs import check_log_q, check_pos_neg, check_pos_neg_ids

torch = require_torch()
F = torch.nn.functional

__all__ = ["NCELoss", "SampledScoreLoss", "SampledSoftmaxLoss"]


class SampledScoreLoss(torch.nn.Module):
    """Base class of the losses on ``(pos_logits, neg_logits, pos_log_q, neg_log_q[, ids])``.

    ``forward`` checks the inputs, shifts every logit by ``-(log_q + log_q_offset(K))``, sets the
    negatives that are the row's own true id (accidental hits, when ids are given) to
    :func:`negsample.scores.fill_value`, and reduces ``row_loss(pos, neg)`` over the rows.
    Subclasses implement ``row_loss`` and may override ``log_q_offset``.

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        Over rows; ``'none'`` returns shape (batch_size,).
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
            Shapes (batch_size,) and (batch_size, num_negatives) or (num_negatives,); both or neither.
            When given, negatives equal to the row's true id (accidental hits) count for nothing.

        Returns
        -------
        Tensor: a scalar, or shape (batch_size,) with ``reduction='none'``.
        """
        batch_size, num_negatives = check_pos_neg("pos_logits", pos_logits, "neg_logits", neg_logits)
        check_log_q(pos_log_q, neg_log_q, pos_logits, batch_size, num_negatives)
        hits = check_pos_neg_ids(pos_ids, neg_ids, batch_size, num_negatives)
        offset = self.log_q_offset(num_negatives)
        pos = subtract_log_q(pos_logits, offset + pos_log_q)
        neg = subtract_log_q(neg_logits, offset + neg_log_q)
        if hits is not None:
            neg = mask_scores(neg, hits)
        return reduce_loss(self.row_loss(pos, neg), self.reduction)

    def log_q_offset(self, num_negatives: int) -> float:
        """A constant added to every ``log Q`` before it is subtracted; 0 here."""
        return 0.0

    def row_loss(self, pos: torch.Tensor, neg: torch.Tensor) -> torch.Tensor:
        """Per-row loss from corrected logits ``pos`` (batch_size,) and ``neg`` (batch_size, K)."""
        raise NotImplementedError

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class NCELoss(SampledScoreLoss):
    """Noise-contrastive estimation (Gutmann & Hyvärinen, 2010; Mnih & Teh, 2012).

    Binary logistic loss on logits shifted by ``-log(K·Q)`` (true: label 1, noise: label 0). With
    ``K`` noise samples per row drawn from ``Q``, the shifted logit ``s - log(K·Q(id))`` is the
    log-odds that the id came from the data rather than the noise; training it makes ``s`` estimate
    the (self-normalised) log-probability. Same numbers as ``tf.nn.nce_loss`` given the same logits.
    A masked accidental hit contributes ``-log σ(-fill_value) = 0``.

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

    def log_q_offset(self, num_negatives: int) -> float:
        """``log K``: the noise is ``K`` times as likely as the data a priori."""
        return math.log(num_negatives)

    def row_loss(self, pos: torch.Tensor, neg: torch.Tensor) -> torch.Tensor:
        return -F.logsigmoid(pos) - F.logsigmoid(-neg).sum(dim=1)


class SampledSoftmaxLoss(SampledScoreLoss):
    """Sampled softmax (Jean et al., 2015; Bengio & Senécal, 2008), with the logQ correction.

    Each logit becomes ``s - log Q(id)``, negatives equal to the row's true id (accidental hits) are
    masked when ids are given, and the loss is cross-entropy with the true class in column 0. In
    expectation over the samples this approximates the full softmax.

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

    def row_loss(self, pos: torch.Tensor, neg: torch.Tensor) -> torch.Tensor:
        logits = torch.cat([pos.unsqueeze(1), neg], dim=1)
        return torch.logsumexp(logits, dim=1) - logits[:, 0]

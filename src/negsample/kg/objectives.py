"""What one training step minimises: a loss on true triples and their corruptions, plus a regulariser.

The losses themselves are the shared ones (:mod:`negsample.losses`); this module only picks one by
name, feeds it the scores of :func:`~negsample.kg.models.score_corruptions` with the masked
corruptions set to :func:`negsample.scores.fill_value` (so they count for nothing), and adds the
no-sampling reference, 1-vs-all cross-entropy against every entity (Lacroix et al. 2018), and the
L2 / N3 regularisers of the batch's embeddings.

Example
-------
>>> import torch
>>> from negsample.kg.config import KGConfig
>>> from negsample.kg.corruption import UniformCorruption
>>> from negsample.kg.models import build_score_function
>>> from negsample.kg.objectives import KGObjective
>>> config = KGConfig(model="distmult", loss="softplus", dim=4, negatives=3)
>>> model = build_score_function("distmult", num_entities=5, num_relations=1, dim=4)
>>> objective = KGObjective(config, UniformCorruption(num_entities=5, num_negatives=3))
>>> objective(model, torch.tensor([[0, 0, 1], [2, 0, 3]])).ndim      # mean loss of the batch
0
"""

from __future__ import annotations

from .._torch import require_torch
from ..losses import MarginRankingLoss, NegativeSamplingLoss, SampledSoftmaxLoss, SelfAdversarialLoss
from ..scores import mask_scores
from .config import KGConfig
from .corruption import CorruptionSampler
from .models import ScoreFunction, score_corruptions

torch = require_torch()
F = torch.nn.functional

__all__ = ["KGObjective", "TrainStep", "regularization"]


def regularization(model: ScoreFunction, head: torch.Tensor, relation: torch.Tensor, tail: torch.Tensor, kind: str,
                   weight: float) -> torch.Tensor | float:
    """``weight / batch_size * Σ |f|^3`` (N3) or ``Σ f^2`` (L2) over the batch's factors.

    head, relation, tail : the batch's embedding rows, shape (batch_size, ...); the factors are
    :meth:`~negsample.kg.models.ScoreFunction.factors` of them (moduli for complex models).
    """
    if kind == "none" or weight == 0:
        return 0.0
    power = 3 if kind == "n3" else 2
    return weight / head.shape[0] * sum(f.abs().pow(power).sum() for f in model.factors(head, relation, tail))


class KGObjective:
    """The loss of a batch of true triples (mean over its rows), with negatives from ``sampler``.

    Parameters
    ----------
    config : KGConfig
        ``loss``, ``margin``, ``temperature``, ``regularizer``, ``regularization``, ``inverse``.
    sampler : CorruptionSampler or None
        None only for ``loss="1vsall"``.
    """

    def __init__(self, config: KGConfig, sampler: CorruptionSampler | None):
        if sampler is None and config.loss != "1vsall":
            raise ValueError(f"sampler: loss {config.loss!r} needs a corruption sampler")
        self.config, self.sampler = config, sampler
        margin = config.resolved_margin()
        self.loss = {
            "softplus": lambda: NegativeSamplingLoss(),
            "margin": lambda: MarginRankingLoss(margin=margin),
            "self_adversarial": lambda: SelfAdversarialLoss(margin=margin, temperature=config.temperature),
            "softmax": lambda: SampledSoftmaxLoss(),
            "1vsall": lambda: None,
        }[config.loss]()

    def __call__(self, model: ScoreFunction, triples: torch.Tensor, generator=None) -> torch.Tensor:
        """Mean loss of ``triples`` (LongTensor, shape (batch_size, 3)) plus the regulariser."""
        config = self.config
        if config.loss == "1vsall":
            return self._one_versus_all(model, triples)
        negatives = self.sampler.sample(triples, generator=generator)
        scores = score_corruptions(model, triples, negatives)
        neg = scores.neg if negatives.mask is None else mask_scores(scores.neg, negatives.mask)
        if config.loss == "softmax":
            loss = self._sampled_softmax(triples, negatives, scores.pos, neg)
        else:
            loss = self.loss(scores.pos, neg)
        return loss + regularization(model, scores.anchor, scores.relation, scores.target, config.regularizer,
                                     config.regularization)

    def _sampled_softmax(self, triples, negatives, pos, neg):
        heads, _, tails = triples.unbind(1)
        noise = self.sampler.noise
        pos_log_q = noise.log_prob(torch.where(negatives.head_side, heads, tails), dtype=pos.dtype)
        neg_log_q = negatives.log_prob.to(pos.dtype)
        if negatives.chunk_size is not None:
            neg_log_q = neg_log_q.repeat_interleave(negatives.chunk_size, dim=0)[:triples.shape[0]]
        return self.loss(pos, neg, pos_log_q, neg_log_q)

    def _one_versus_all(self, model, triples):
        heads, relations, tails = triples.unbind(1)
        batch_size = triples.shape[0]
        head, tail = model.entity_rows(torch.cat([heads, tails])).split([batch_size, batch_size])
        relation = model.relation_rows(relations)
        loss = F.cross_entropy(model.compare(model.combine(head, relation, False), model.entity), tails)
        if not self.config.inverse:  # with inverse relations the batch holds the head queries already
            loss = (loss + F.cross_entropy(model.compare(model.combine(tail, relation, True), model.entity), heads)) / 2
        return loss + regularization(model, head, relation, tail, self.config.regularizer, self.config.regularization)


class TrainStep(torch.nn.Module):
    """The score function and the objective, so one ``forward`` (the one DDP wraps) computes the loss."""

    def __init__(self, model: ScoreFunction, objective: KGObjective):
        super().__init__()
        self.model = model
        self.objective = objective

    def forward(self, triples: torch.Tensor, generator=None) -> torch.Tensor:
        return self.objective(self.model, triples, generator)

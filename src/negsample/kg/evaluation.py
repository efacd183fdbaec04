"""Filtered link prediction: the rank of the true entity among all entities, both sides, known triples left out.

For every evaluation triple ``(h, r, t)`` two queries are ranked: the tail query ``(h, r, ?)`` (rank
of ``t`` among all entities as tails) and the head query ``(?, r, t)``. In the *filtered* setting
(Bordes et al. 2013) every other entity that makes a known true triple (train, valid or test) is left
out of the ranking, so the model is not punished for ranking another correct answer first. Ties are
counted as the mean of the optimistic and the pessimistic rank (a model that scores every entity the
same gets the middle rank; Berrendorf et al. 2020's "realistic" rank).

The work is done by the shared :mod:`negsample.evaluation.full_ranking`: one chunk of queries is
scored against every entity at a time (a (chunk, num_entities) matrix, never (queries, num_entities)),
the chunk's known pairs are masked from an :class:`~negsample.evaluation.ExclusionIndex` keyed
``head * num_relations + relation`` (tails) or ``tail * num_relations + relation`` (heads), and
:func:`~negsample.evaluation.target_ranks` ranks the targets. Models trained with inverse relations
answer a head query ``(?, r, t)`` as the tail query ``(t, r_inv, ?)``.

Example
-------
>>> import numpy as np, torch
>>> from negsample.kg import Triples, build_score_function
>>> from negsample.kg.evaluation import evaluate_link_prediction
>>> kg = Triples.from_ids([[0, 0, 1], [1, 0, 2]], test=[[0, 0, 2]], num_entities=4, num_relations=1)
>>> model = build_score_function("distmult", num_entities=4, num_relations=1, dim=3)
>>> result = evaluate_link_prediction(model, kg, "test")
>>> sorted(result.sides), result.count
(['head', 'tail'], 2)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._torch import require_torch
from ..evaluation import ExclusionIndex, target_ranks
from .models import ScoreFunction
from .triples import Triples

torch = require_torch()

__all__ = ["HITS_AT", "LinkPredictionResult", "RankingMetrics", "evaluate_link_prediction", "exclusion_indexes",
           "rank_queries"]

HITS_AT = (1, 3, 10)
_SCORE_CELLS = 1 << 24  # floats of one (chunk, num_entities) score matrix: 64 MB in float32
_BROADCAST_CELLS = 1 << 25  # floats of one (chunk, entity block, width) difference tensor for L1 / RotatE


@dataclass(frozen=True)
class RankingMetrics:
    """Metrics of a set of ranks: MRR, Hits@1/3/10 (a tied rank of k + 0.5 is no hit), mean rank, count."""

    mrr: float
    hits: dict
    mean_rank: float
    count: int

    @classmethod
    def from_ranks(cls, ranks: np.ndarray) -> RankingMetrics:
        ranks = np.asarray(ranks, dtype=np.float64)
        if ranks.size == 0:
            return cls(float("nan"), {k: float("nan") for k in HITS_AT}, float("nan"), 0)
        return cls(float(np.mean(1.0 / ranks)), {k: float(np.mean(ranks <= k)) for k in HITS_AT},
                   float(ranks.mean()), int(ranks.size))

    def to_dict(self) -> dict:
        return {"mrr": self.mrr, **{f"hits@{k}": v for k, v in self.hits.items()}, "mean_rank": self.mean_rank,
                "count": self.count}


@dataclass(frozen=True)
class LinkPredictionResult:
    """Filtered (or raw) link prediction on one split.

    Attributes
    ----------
    mrr, hits, mean_rank, count : over both sides (``hits`` maps 1, 3, 10 to Hits@k)
    sides : dict -- ``"head"`` and ``"tail"`` -> :class:`RankingMetrics`
    relations : dict -- relation label -> {"both" | "head" | "tail" -> :class:`RankingMetrics`}
    head_ranks, tail_ranks : ndarray of float64, shape (n_triples,) -- per triple, in split order
    filtered : bool
    """

    mrr: float
    hits: dict
    mean_rank: float
    count: int
    sides: dict
    relations: dict
    head_ranks: np.ndarray = field(repr=False)
    tail_ranks: np.ndarray = field(repr=False)
    filtered: bool = True

    def to_dict(self, *, per_relation: bool = True) -> dict:
        """Plain JSON-ready numbers (no ranks)."""
        out = {"mrr": self.mrr, **{f"hits@{k}": v for k, v in self.hits.items()}, "mean_rank": self.mean_rank,
               "count": self.count, "filtered": self.filtered,
               "sides": {side: metrics.to_dict() for side, metrics in self.sides.items()}}
        if per_relation:
            out["relations"] = {label: {part: m.to_dict() for part, m in parts.items()}
                                for label, parts in self.relations.items()}
        return out


def exclusion_indexes(known: np.ndarray, num_entities: int, num_relations: int, *, inverse: bool = False):
    """(tail index, head index) of the known triples (n, 3); the head index is None with ``inverse``.

    The tail index has keys ``head * num_relations + relation`` and candidates the tails; the head
    index keys ``tail * num_relations + relation`` and candidates the heads.
    """
    known = np.asarray(known, dtype=np.int64).reshape(-1, 3)
    keys = num_entities * num_relations
    tails = ExclusionIndex(known[:, 0] * num_relations + known[:, 1], known[:, 2], keys)
    heads = None if inverse else ExclusionIndex(known[:, 2] * num_relations + known[:, 1], known[:, 0], keys)
    return tails, heads


def _entity_block(model: ScoreFunction, chunk: int) -> int:
    if not model.broadcasts:
        return model.num_entities
    return max(1, min(model.num_entities, _BROADCAST_CELLS // max(1, chunk * model.width)))


@torch.no_grad()
def score_all(model: ScoreFunction, query: torch.Tensor) -> torch.Tensor:
    """Scores of queries (n, width) against every entity, shape (n, num_entities), in entity blocks."""
    block = _entity_block(model, query.shape[0])
    if block >= model.num_entities:
        return model.compare(query, model.entity)
    return torch.cat([model.compare(query, model.entity[start:start + block])
                      for start in range(0, model.num_entities, block)], dim=1)


@torch.no_grad()
def rank_queries(model: ScoreFunction, anchors, relations, targets, head_side: bool, *,
                 index: ExclusionIndex | None, batch_size: int | None = None) -> torch.Tensor:
    """Rank of each target among all entities for queries ``(anchor, relation, ?)`` or ``(?, relation, anchor)``.

    anchors, relations, targets : LongTensor, shape (n_queries,), on the model's device
    head_side : bool -- True: the targets are heads (the anchors are tails)
    index : ExclusionIndex or None -- known (key, entity) pairs to leave out (None: raw ranks)
    batch_size : int, optional -- queries per chunk (default: a chunk of about 16M scores)
    Returns float64 ranks, shape (n_queries,), on the model's device.
    """
    n = anchors.shape[0]
    chunk = batch_size or max(1, _SCORE_CELLS // model.num_entities)
    ranks = []
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        anchor, relation, target = anchors[start:stop], relations[start:stop], targets[start:stop]
        scores = score_all(model, model.query(anchor, relation, head_side))
        if index is not None:
            scores = index.mask(scores, anchor * model.num_relations + relation, keep=target)
        ranks.append(target_ranks(scores, target))
    return torch.cat(ranks) if ranks else torch.zeros(0, dtype=torch.float64, device=anchors.device)


def evaluate_link_prediction(model: ScoreFunction, triples: Triples, split: str = "test", *, filtered: bool = True,
                             batch_size: int | None = None, indexes=None) -> LinkPredictionResult:
    """Filtered (default) link prediction of ``triples``' ``split`` on both sides.

    Parameters
    ----------
    model : ScoreFunction
    triples : Triples
        ``triples.inverse`` (inverse relations in train) makes head queries tail queries of the inverse.
    split : {"test", "valid", "train"}
    filtered : bool, default True
        Leave every other known triple (:meth:`Triples.known`) out of each ranking.
    batch_size : int, optional
        Queries scored per chunk (default: about 16M scores per chunk).
    indexes : (ExclusionIndex, ExclusionIndex or None), optional
        Prebuilt :func:`exclusion_indexes` (the trainer builds them once for all its validations).

    Returns
    -------
    LinkPredictionResult
    """
    if model.num_entities != triples.num_entities or model.num_relations != triples.num_relations:
        raise ValueError(f"model has {model.num_entities} entities and {model.num_relations} relations, the "
                         f"triples {triples.num_entities} and {triples.num_relations}")
    device = model.entity.device
    ids = torch.as_tensor(triples.split(split), device=device)
    heads, relations, tails = ids.unbind(1)
    if filtered and indexes is None:
        indexes = exclusion_indexes(triples.known(), triples.num_entities, triples.num_relations,
                                    inverse=triples.inverse)
    tail_index, head_index = indexes if filtered else (None, None)
    was_training = model.training
    model.eval()
    try:
        tail_ranks = rank_queries(model, heads, relations, tails, False, index=tail_index, batch_size=batch_size)
        if triples.inverse:
            head_ranks = rank_queries(model, tails, relations + triples.num_base_relations, heads, False,
                                      index=tail_index, batch_size=batch_size)
        else:
            head_ranks = rank_queries(model, tails, relations, heads, True, index=head_index, batch_size=batch_size)
    finally:
        model.train(was_training)
    head_ranks, tail_ranks = head_ranks.cpu().numpy(), tail_ranks.cpu().numpy()
    return summarise(head_ranks, tail_ranks, triples.split(split)[:, 1], triples.relations, filtered)


def summarise(head_ranks: np.ndarray, tail_ranks: np.ndarray, relations: np.ndarray, labels, filtered: bool = True
              ) -> LinkPredictionResult:
    """A :class:`LinkPredictionResult` from per-triple ranks (n,) and relation ids (n,)."""
    both = RankingMetrics.from_ranks(np.concatenate([head_ranks, tail_ranks]))
    per_relation = {}
    for relation in np.unique(relations).tolist():
        rows = relations == relation
        per_relation[labels[relation]] = {
            "both": RankingMetrics.from_ranks(np.concatenate([head_ranks[rows], tail_ranks[rows]])),
            "head": RankingMetrics.from_ranks(head_ranks[rows]),
            "tail": RankingMetrics.from_ranks(tail_ranks[rows]),
        }
    return LinkPredictionResult(
        mrr=both.mrr, hits=both.hits, mean_rank=both.mean_rank, count=both.count,
        sides={"head": RankingMetrics.from_ranks(head_ranks), "tail": RankingMetrics.from_ranks(tail_ranks)},
        relations=per_relation, head_ranks=head_ranks, tail_ranks=tail_ranks, filtered=filtered)

"""One batch's loss: the configured source of negatives builds the scores, the configured loss reads them.

Every source ends in the same two tensors: ``pos`` (batch,) and ``neg`` (batch, M), with accidental
hits already masked to :func:`negsample.scores.fill_value` and, for the softmax loss, logQ already
subtracted. The pieces are the shared floor's: samplers from :mod:`negsample.noise`, in-batch logits,
extra columns and the cross-batch FIFO from :mod:`negsample.retrieval` (gathered across ranks by
:mod:`negsample.retrieval.distributed`), losses from :mod:`negsample.losses`.

Corrections are log *expected counts* per batch, so that in-batch columns (``log(G · p)`` for a
global batch of G, or the streaming estimate of how often an item shows up in a batch) and sampled
columns (``log(S · q)`` for S draws) are on one scale, as :class:`negsample.retrieval.MixedNegatives`
does it.

Example
-------
>>> import numpy as np, torch
>>> from negsample.recsys.config import TwoTowerConfig
>>> from negsample.recsys.objectives import Objective
>>> from negsample.recsys.towers import Tower
>>> users, items = Tower(5, 8), Tower(7, 8)
>>> objective = Objective(TwoTowerConfig(negatives="mixed", num_negatives=4), np.ones(7), dim=8,
...                       generator=torch.Generator().manual_seed(0))
>>> pos, neg = objective.scores(users, items, torch.tensor([0, 1, 2]), torch.tensor([3, 3, 6]), step=1)
>>> neg.shape                                   # 3 in-batch columns + 4 sampled
torch.Size([3, 7])
>>> objective.row_loss(pos, neg).shape
torch.Size([3])
"""

from __future__ import annotations

import math

import numpy as np

from .._torch import require_torch
from ..losses import BPRLoss, CosineContrastiveLoss, NegativeSamplingLoss
from ..noise import StreamingFrequency, Uniform, Unigram
from ..retrieval import CrossBatchMemory, append_negatives, in_batch_logits
from ..retrieval.distributed import gather, gather_with_grad, rank_and_world_size
from ..scores import accidental_hits, mask_scores, subtract_log_q
from .config import IN_BATCH, TwoTowerConfig

torch = require_torch()
F = torch.nn.functional

__all__ = ["Objective"]


class Objective:
    """Negatives and loss of one two-tower configuration; holds the sampler state between batches.

    Parameters
    ----------
    config : TwoTowerConfig
    item_counts : array-like, shape (num_items,)
        Training interactions per item (popularity sampling, the ``counts`` correction).
    dim : int
        Embedding dimension (for the cross-batch memory).
    generator : torch.Generator
        For every draw, on the training device.
    """

    def __init__(self, config: TwoTowerConfig, item_counts, *, dim: int, generator: torch.Generator):
        self.config = config
        self.generator = generator
        self.device = generator.device
        counts = np.asarray(item_counts, dtype=np.float64)
        self.num_items = counts.shape[0]
        self.log_q_mode = config.resolved_log_q()
        self.softmax = config.loss == "softmax"
        self.temperature = 1.0 if config.loss == "ccl" else float(config.temperature)
        # log p(item) of the training data; items never seen get the smallest seen probability.
        floor = counts[counts > 0].min() if (counts > 0).any() else 1.0
        frequency = np.maximum(counts, floor)
        self.count_log_p = torch.as_tensor(np.log(frequency / frequency.sum()), dtype=torch.float32,
                                           device=self.device)
        self.streaming = (StreamingFrequency(4 * self.num_items, alpha=0.01)
                          if self.log_q_mode == "streaming" else None)
        source = config.negatives
        self.noise = None
        if source in ("uniform", "mixed"):
            self.noise = Uniform(self.num_items)
        elif source == "popularity":
            self.noise = Unigram(np.maximum(counts, 0), power=config.popularity_beta)
        self.memory = CrossBatchMemory(size=config.memory_size, dim=dim) if source == "cross-batch" else None
        self.hard_pool: torch.Tensor | None = None  # (num_users, pool), set by refresh
        self.losses = {"bpr": BPRLoss(reduction="none"), "binary": NegativeSamplingLoss(reduction="none"),
                       "ccl": CosineContrastiveLoss(margin=config.margin, negative_weight=config.negative_weight,
                                                    reduction="none")}

    # ------------------------------------------------------------------ scores
    def scores(self, user_tower, item_tower, users: torch.Tensor, items: torch.Tensor, *, step: int,
               offset: int = 0, equal_sizes: bool = False):
        """``(pos, neg)`` for a batch of (user, positive item) rows: shapes (B,) and (B, M).

        Under ``torch.distributed``, ``offset`` is where this rank's rows start in the global batch
        and ``equal_sizes`` says every rank holds as many rows (no need to gather the sizes).
        """
        queries, candidates = user_tower(users), item_tower(items)
        if self.config.negatives in IN_BATCH:
            return self._in_batch(queries, candidates, users, items, item_tower, step, offset, equal_sizes)
        return self._sampled(queries, candidates, items, item_tower)

    def _sampled(self, queries, candidates, items, item_tower):
        t = self.temperature
        ids = self.noise.sample((self.config.num_negatives,), device=self.device, generator=self.generator)
        pos = (queries * candidates).sum(-1) / t
        log_q = None
        if self.log_q_mode == "counts":
            pos = subtract_log_q(pos, self.noise.log_prob(items) + math.log(self.config.num_negatives))
            log_q = self.noise.log_prob(ids) + math.log(self.config.num_negatives)
        neg = append_negatives(queries.new_zeros(queries.shape[0], 0), queries, item_tower(ids), row_ids=items,
                               negative_ids=ids, log_q=log_q, temperature=t)
        return pos, neg

    def _batch_log_q(self, all_items: torch.Tensor, step: int) -> torch.Tensor | None:
        if self.log_q_mode == "none":
            return None
        if self.streaming is not None:
            self.streaming.update(all_items, step)
            return self.streaming.log_prob(all_items)
        return self.count_log_p[all_items] + math.log(all_items.shape[0])

    def _in_batch(self, queries, candidates, users, items, item_tower, step, start, equal_sizes):
        t, config = self.temperature, self.config
        _, world_size = rank_and_world_size()
        all_candidates = gather_with_grad(candidates, equal_sizes=equal_sizes)
        all_items = gather(items, equal_sizes=equal_sizes)
        log_q = self._batch_log_q(all_items, step)
        batch = queries.shape[0]
        local = slice(start, start + batch)
        logits = in_batch_logits(queries, candidates, candidate_ids=items,
                                 log_q=None if log_q is None else log_q[local], temperature=t)
        if world_size > 1:  # the other ranks' rows: more negatives, same softmax as one process
            others = torch.cat([torch.arange(0, start), torch.arange(start + batch, all_items.shape[0])])
            others = others.to(all_items.device)
            logits = append_negatives(logits, queries, all_candidates[others], row_ids=items,
                                      negative_ids=all_items[others], log_q=None if log_q is None else log_q[others],
                                      temperature=t)
        if self.memory is not None:
            old = self.memory.negatives()
            if len(old.ids):
                logits = append_negatives(logits, queries, old.embeddings, row_ids=items, negative_ids=old.ids,
                                          log_q=old.log_q if log_q is not None else None, temperature=t)
            self.memory.enqueue(all_candidates.detach(), all_items,
                                log_q.detach() if log_q is not None else None)
        if self.noise is not None:  # mixed: a few uniform draws give the long tail exposure
            ids = self.noise.sample((config.num_negatives,), device=self.device, generator=self.generator)
            sampled_log_q = None
            if log_q is not None:
                sampled_log_q = self.noise.log_prob(ids) + math.log(config.num_negatives)
            logits = append_negatives(logits, queries, item_tower(ids), row_ids=items, negative_ids=ids,
                                      log_q=sampled_log_q, temperature=t)
        pos = logits.diagonal().clone()
        diagonal = torch.zeros(logits.shape, dtype=torch.bool, device=logits.device)
        diagonal[:, :batch].fill_diagonal_(True)
        neg = mask_scores(logits, diagonal)
        if self.hard_pool is not None:
            neg = torch.cat([neg, self._hard(queries, users, items, item_tower, log_q is not None)], dim=1)
        return pos, neg

    def _hard(self, queries, users, items, item_tower, correct: bool):
        """Per-row negatives drawn uniformly from each user's current top ``hard_pool`` items."""
        pool = self.hard_pool[users]  # (B, P)
        k = self.config.num_negatives
        picks = torch.randint(0, pool.shape[1], (pool.shape[0], k), device=pool.device, generator=self.generator)
        ids = pool.gather(1, picks)
        scores = torch.einsum("bd,bkd->bk", queries, item_tower(ids)) / self.temperature
        if correct:  # each is one of k draws from P: expected count k / P
            scores = scores - math.log(k / pool.shape[1])
        return mask_scores(scores, accidental_hits(items, ids))

    def refresh_hard_negatives(self, pool: torch.Tensor) -> None:
        """Set each user's pool of hard negatives: the model's current top items, shape (num_users, P)."""
        self.hard_pool = pool.to(self.device)

    # ------------------------------------------------------------------ loss
    def row_loss(self, pos: torch.Tensor, neg: torch.Tensor) -> torch.Tensor:
        """Per-row loss, shape (B,), from corrected and masked ``pos`` (B,) and ``neg`` (B, M)."""
        if self.softmax:
            return torch.logsumexp(torch.cat([pos.unsqueeze(1), neg], dim=1), dim=1) - pos
        loss = self.losses[self.config.loss](pos, neg)
        return loss.mean(dim=1) if loss.ndim == 2 else loss

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

__all__ = ["Objective", "SeenPairs"]

REDRAWS = 3  # rounds of redrawing a seen negative (``sample_unseen``); a fixed count, so no host sync


class SeenPairs:
    """The training (user, item) pairs on the device, for a membership test per draw: a dense
    (num_users, num_items) bool table when it has at most ``dense_limit`` cells (one lookup per
    draw), else the pairs' sorted keys (a binary search per draw).

    Parameters
    ----------
    users, items : array-like of int, shape (n,)
    num_items : int
    device : str or torch.device
    num_users : int, optional
        Default: the largest user id + 1.
    dense_limit : int, default 2**25
        The largest table kept dense (bytes: one per cell).

    Example
    -------
    >>> import torch
    >>> seen = SeenPairs([0, 0, 1], [2, 5, 0], num_items=6, device="cpu")
    >>> seen.contains(torch.tensor([[0], [1]]), torch.tensor([[5], [5]])).tolist()
    [[True], [False]]
    """

    def __init__(self, users, items, *, num_items: int, device, num_users: int | None = None,
                 dense_limit: int = 2 ** 25):
        self.num_items = int(num_items)
        users, items = np.asarray(users, np.int64), np.asarray(items, np.int64)
        if num_users is None:
            num_users = int(users.max()) + 1 if users.size else 1
        self.table = self.keys = None
        if num_users * self.num_items <= dense_limit:
            table = np.zeros((num_users, self.num_items), dtype=bool)
            table[users, items] = True
            self.table = torch.as_tensor(table.reshape(-1), device=device)
        else:
            keys = np.unique(users * self.num_items + items)
            self.keys = torch.as_tensor(keys if keys.size else np.array([-1], np.int64), device=device)

    def contains(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Bool tensor, shape of ``items``: whether ``(users, items)`` (broadcast) is a training pair."""
        wanted = users * self.num_items + items
        if self.table is not None:
            return self.table[wanted]
        at = torch.searchsorted(self.keys, wanted).clamp_(max=self.keys.shape[0] - 1)
        return self.keys[at] == wanted


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
    seen : SeenPairs, optional
        The training pairs; needed with ``config.sample_unseen``.
    """

    def __init__(self, config: TwoTowerConfig, item_counts, *, dim: int, generator: torch.Generator,
                 seen: SeenPairs | None = None):
        if config.sample_unseen and seen is None:
            raise ValueError("seen: sample_unseen needs the training pairs (SeenPairs)")
        self.config = config
        self.seen = seen if config.sample_unseen else None
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
        # The sampler's log-probabilities as one table on the device, looked up without the range check
        # of ``noise.log_prob`` (its min/max would wait for the device on every batch).
        self.noise_log_p = (None if self.noise is None else
                            self.noise.log_prob(torch.arange(self.num_items, device=self.device)))
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
        queries = user_tower(users)
        if self.config.negatives in IN_BATCH:
            return self._in_batch(queries, item_tower(items), users, items, item_tower, step, offset, equal_sizes)
        return self._sampled(queries, users, items, item_tower)

    def _sampled(self, queries, users, items, item_tower):
        """Sampled negatives: ``num_negatives`` draws shared by the batch (one matrix product), or per row."""
        t, k = self.temperature, self.config.num_negatives
        shared = self.config.shared_negatives
        batch = queries.shape[0]
        ids = self.noise.sample((k,) if shared else (batch, k), device=self.device, generator=self.generator)
        hits = None
        if self.seen is not None:  # redraw what the user has seen, then mask what still is
            rows = users.unsqueeze(1)
            for _ in range(REDRAWS):
                again = self.noise.sample(ids.shape, device=self.device, generator=self.generator)
                ids = torch.where(self.seen.contains(rows, ids), again, ids)
            hits = self.seen.contains(rows, ids)
        # The positives and the negatives through the item tower at once (one lookup, one backward).
        vectors = item_tower(torch.cat([items, ids.reshape(-1)]))
        candidates, negatives = vectors[:batch], vectors[batch:]
        pos = (queries * candidates).sum(-1)
        if shared:  # (B, D) @ (D, M)
            neg = queries @ negatives.T
        elif k == 1:  # one per row (BPR as RecBole and LightFM run it): a row-wise dot product
            neg = (queries * negatives).sum(-1, keepdim=True)
        else:  # (B, k, D) @ (B, D, 1)
            neg = torch.bmm(negatives.reshape(batch, k, -1), queries.unsqueeze(2)).squeeze(2)
        if t != 1.0:
            pos, neg = pos / t, neg / t
        if self.log_q_mode == "counts":  # log expected count of each id among the k draws
            pos = subtract_log_q(pos, self.noise_log_p[items] + math.log(k))
            neg = subtract_log_q(neg, self.noise_log_p[ids] + math.log(k))
        return pos, mask_scores(neg, accidental_hits(items, ids) if hits is None else hits)

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
            if len(old.ids) and step > config.memory_warmup:  # filled from the start, used after the warm-up
                logits = append_negatives(logits, queries, old.embeddings, row_ids=items, negative_ids=old.ids,
                                          log_q=old.log_q if log_q is not None else None, temperature=t)
            self.memory.enqueue(all_candidates.detach(), all_items,
                                log_q.detach() if log_q is not None else None)
        if self.noise is not None:  # mixed: a few uniform draws give the long tail exposure
            ids = self.noise.sample((config.num_negatives,), device=self.device, generator=self.generator)
            sampled_log_q = None
            if log_q is not None:
                sampled_log_q = self.noise_log_p[ids] + math.log(config.num_negatives)
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

    # ------------------------------------------------------------------ checkpoints
    def state(self) -> dict:
        """What the objective carries between batches (draws aside): tensors by name, for a checkpoint."""
        out = {"sampler": self.generator.get_state()}
        if self.streaming is not None:
            out["streaming_last_step"] = torch.as_tensor(self.streaming.last_step)
            out["streaming_gap"] = torch.as_tensor(self.streaming.gap)
        if self.memory is not None:
            old = self.memory.negatives()
            out.update(memory_embeddings=old.embeddings, memory_ids=old.ids, memory_log_q=old.log_q)
        if self.hard_pool is not None:
            out["hard_pool"] = self.hard_pool
        return out

    def load_state(self, state: dict) -> None:
        """Restore :meth:`state` (tensors on any device; moved to the objective's)."""
        self.generator.set_state(state["sampler"].cpu())
        if self.streaming is not None and "streaming_gap" in state:
            self.streaming.last_step = state["streaming_last_step"].to(self.device, torch.float64)
            self.streaming.gap = state["streaming_gap"].to(self.device, torch.float64)
        if self.memory is not None:
            self.memory.reset()
            if "memory_ids" in state and state["memory_ids"].shape[0]:  # oldest first: the same FIFO order
                self.memory.enqueue(state["memory_embeddings"].to(self.device), state["memory_ids"].to(self.device),
                                    state["memory_log_q"].to(self.device))
        self.hard_pool = state["hard_pool"].to(self.device) if "hard_pool" in state else None

    # ------------------------------------------------------------------ loss
    def row_loss(self, pos: torch.Tensor, neg: torch.Tensor) -> torch.Tensor:
        """Per-row loss, shape (B,), from corrected and masked ``pos`` (B,) and ``neg`` (B, M)."""
        if self.softmax:
            return torch.logsumexp(torch.cat([pos.unsqueeze(1), neg], dim=1), dim=1) - pos
        loss = self.losses[self.config.loss](pos, neg)
        return loss.mean(dim=1) if loss.ndim == 2 else loss

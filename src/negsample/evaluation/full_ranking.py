"""Ranking a whole catalogue, chunk by chunk: known pairs left out, ties counted fairly.

Both the recommender wing (rank every item for a user, the user's training items left out) and the
knowledge-graph wing (rank every entity as the tail of (head, relation), the other known true
triples left out) score one chunk of queries against every candidate at a time and need two things
from that (chunk, n_candidates) score matrix, which this module gives for NumPy arrays and torch
tensors alike (on the tensor's device, no copy to the host):

* :func:`top_k` -- the ``k`` best candidates per query, best first (recommendations);
* :func:`target_ranks` -- the rank of one known target per query among all candidates
  (link prediction), with ties counted as the mean of the optimistic and the pessimistic rank, so a
  model that scores everything equally gets the middle rank, not the first (the "realistic" rank of
  Berrendorf et al. 2020).

What to leave out comes from an :class:`ExclusionIndex`: known (query key, candidate) pairs in
compressed rows, built once; its :meth:`~ExclusionIndex.mask` sets the chunk's known pairs to
``-inf`` (a target is never masked), so the caller never builds a (queries x catalogue) boolean matrix.

Example
-------
>>> import numpy as np
>>> from negsample.evaluation import ExclusionIndex, target_ranks, top_k
>>> scores = np.array([[0.9, 0.2, 0.5, 0.5],
...                    [0.1, 0.8, 0.8, 0.3]])           # shape (n_queries, n_candidates)
>>> seen = ExclusionIndex(keys=[0, 1], candidates=[0, 2], num_keys=2)   # query 0 saw 0, query 1 saw 2
>>> masked = seen.mask(scores, np.array([0, 1]))
>>> top_k(masked, 2)[1].tolist()                        # ids, best first; ties go to the lower id
[[2, 3], [1, 3]]
>>> target_ranks(scores, np.array([2, 1])).tolist()     # query 0: one better, one tied -> 2.5
[2.5, 1.5]
>>> target_ranks(masked, np.array([2, 1])).tolist()     # the known pairs no longer compete
[1.5, 1.0]
"""

from __future__ import annotations

import numpy as np

from .._checks import check_ndim, check_shape, is_tensor

__all__ = ["ExclusionIndex", "hits_from_ranks", "mrr_from_ranks", "target_ranks", "top_k"]


def _check_scores(scores) -> None:
    check_ndim("scores", scores, 2, "of shape (n_queries, n_candidates)")


def top_k(scores, k: int):
    """The ``k`` highest scores per row and their column ids, best first; equal scores go to the lower id.

    scores : float array or tensor, shape (n_queries, n_candidates); ``-inf`` marks a candidate left out
    Returns (values, ids), both shape (n_queries, min(k, n_candidates)); ids are int64.

    Ties are broken by id even at the cut (where a partial sort would pick any of the tied
    candidates), so the same scores always give the same recommendations, on every back end.
    """
    _check_scores(scores)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k: expected an integer >= 1, got {k!r}")
    k = min(int(k), scores.shape[1])
    n = scores.shape[0]
    if is_tensor(scores):
        import torch

        cut = torch.topk(scores, k, dim=1, sorted=False).values.min(dim=1, keepdim=True).values
        greater = scores > cut
        tied = scores == cut
        need = k - greater.sum(dim=1, keepdim=True)
        chosen = greater | (tied & (torch.cumsum(tied, dim=1) <= need))
        ids = chosen.nonzero()[:, 1].reshape(n, k)  # row-major: each row's ids ascending
        values = scores.gather(1, ids)
        order = torch.argsort(values, dim=1, descending=True, stable=True)
        return values.gather(1, order), ids.gather(1, order)
    scores = np.asarray(scores)
    if k < scores.shape[1]:
        cut = np.partition(scores, scores.shape[1] - k, axis=1)[:, scores.shape[1] - k][:, None]
    else:
        cut = scores.min(axis=1, keepdims=True)
    greater = scores > cut
    tied = scores == cut
    need = k - greater.sum(axis=1, keepdims=True)
    chosen = greater | (tied & (np.cumsum(tied, axis=1) <= need))
    ids = np.nonzero(chosen)[1].reshape(n, k)
    values = np.take_along_axis(scores, ids, axis=1)
    order = np.argsort(-values, axis=1, kind="stable")
    return np.take_along_axis(values, order, axis=1), np.take_along_axis(ids, order, axis=1).astype(np.int64)


def target_ranks(scores, targets):
    """Rank (1 = best) of each row's target column among all columns, ties counted as the mean of the
    optimistic rank (ahead of every tie) and the pessimistic one (behind every tie).

    scores : float, shape (n_queries, n_candidates); a candidate at ``-inf`` is left out (below the
        target unless the target is ``-inf`` too)
    targets : int, shape (n_queries,)
    Returns float64 ranks, shape (n_queries,) (a tensor on the scores' device for tensor input).
    """
    _check_scores(scores)
    check_shape("targets", targets, (scores.shape[0],), "(n_queries,)")
    if is_tensor(scores):

        target_scores = scores.gather(1, targets.long().to(scores.device)[:, None])
        better = (scores > target_scores).sum(dim=1)
        tied = (scores == target_scores).sum(dim=1)  # the target itself included
        return 1.0 + better.double() + (tied.double() - 1.0) / 2.0
    scores = np.asarray(scores)
    target_scores = scores[np.arange(scores.shape[0]), np.asarray(targets)][:, None]
    better = (scores > target_scores).sum(axis=1)
    tied = (scores == target_scores).sum(axis=1)
    return 1.0 + better + (tied - 1.0) / 2.0


def mrr_from_ranks(ranks) -> float:
    """Mean reciprocal rank of a vector of ranks."""
    return float((1.0 / ranks).mean())


def hits_from_ranks(ranks, k: int) -> float:
    """Share of ranks at most ``k`` (Hits@k). A tied rank of k + 0.5 is not a hit."""
    return float((ranks <= k).double().mean() if is_tensor(ranks) else np.mean(ranks <= k))


class ExclusionIndex:
    """Known (key, candidate) pairs, in compressed rows, to leave out when a key's candidates are ranked.

    keys, candidates : int array-likes of equal length (n_pairs,) -- e.g. (user, training item) pairs,
        or (head * n_relations + relation, tail) for known triples; duplicates are harmless
    num_keys : int -- keys lie in [0, num_keys)

    Example
    -------
    >>> import numpy as np
    >>> index = ExclusionIndex(keys=[1, 1, 0], candidates=[3, 0, 2], num_keys=2)
    >>> index.candidates_of(1).tolist()
    [0, 3]
    """

    def __init__(self, keys, candidates, num_keys: int):
        keys = np.asarray(keys, dtype=np.int64).reshape(-1)
        candidates = np.asarray(candidates, dtype=np.int64).reshape(-1)
        if keys.shape != candidates.shape:
            raise ValueError(f"keys and candidates must have the same length, got {keys.shape[0]} and "
                             f"{candidates.shape[0]}")
        if keys.size and (keys.min() < 0 or keys.max() >= num_keys):
            raise ValueError(f"keys must lie in [0, {num_keys}), got values in [{keys.min()}, {keys.max()}]")
        if candidates.size and candidates.min() < 0:
            raise ValueError(f"candidates must be >= 0, got {candidates.min()}")
        order = np.lexsort((candidates, keys))
        self.num_keys = int(num_keys)
        self.columns = candidates[order]
        self.offsets = np.zeros(self.num_keys + 1, np.int64)
        np.cumsum(np.bincount(keys, minlength=self.num_keys), out=self.offsets[1:])
        self._on_device: dict = {}

    def __len__(self) -> int:
        return int(self.columns.shape[0])

    def candidates_of(self, key: int) -> np.ndarray:
        """The known candidates of one key, sorted."""
        return self.columns[self.offsets[key]:self.offsets[key + 1]]

    def pairs(self, keys):
        """The known pairs of a chunk of keys as (rows, columns): ``rows`` index into ``keys``.

        keys : int array or tensor, shape (n_queries,). Tensors get tensors on their device.
        """
        if is_tensor(keys):
            import torch

            offsets, columns = self._tensors(keys.device)
            keys = keys.long()
            starts, counts = offsets[keys], offsets[keys + 1] - offsets[keys]
            rows = torch.repeat_interleave(torch.arange(keys.shape[0], device=keys.device), counts)
            within = torch.arange(rows.shape[0], device=keys.device) - torch.repeat_interleave(
                torch.cumsum(counts, 0) - counts, counts)
            return rows, columns[starts[rows] + within]
        keys = np.asarray(keys, dtype=np.int64)
        starts, counts = self.offsets[keys], self.offsets[keys + 1] - self.offsets[keys]
        rows = np.repeat(np.arange(keys.shape[0]), counts)
        within = np.arange(rows.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts)
        return rows, self.columns[starts[rows] + within]

    def mask(self, scores, keys, *, keep=None):
        """A copy of ``scores`` (n_queries, n_candidates) with each row's known candidates at ``-inf``.

        keys : int, shape (n_queries,) -- the key of each row
        keep : int, shape (n_queries,), optional -- one candidate per row never masked (the target of a
            link-prediction query, itself a known triple)
        """
        _check_scores(scores)
        rows, columns = self.pairs(keys)
        inside = columns < scores.shape[1]
        rows, columns = rows[inside], columns[inside]
        if keep is not None:
            check_shape("keep", keep, (scores.shape[0],), "(n_queries,)")
            own = columns != keep[rows]
            rows, columns = rows[own], columns[own]
        masked = scores.clone() if is_tensor(scores) else np.array(scores, copy=True)
        masked[rows, columns] = -float("inf")
        return masked

    def _tensors(self, device):
        import torch

        key = str(device)
        if key not in self._on_device:
            self._on_device[key] = (torch.as_tensor(self.offsets, device=device),
                                    torch.as_tensor(self.columns, device=device))
        return self._on_device[key]

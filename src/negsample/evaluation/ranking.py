"""Ranking metrics over retrieved ids: Recall@K, Hits@K, NDCG@K (binary relevance) and MRR.

Shared by every wing: ``ranked_ids`` holds each query's retrieved ids best first, shape
(n_queries, n_ranked); ``true_ids`` the relevant id of each query, shape (n_queries,), or a set of them
padded with negative values, shape (n_queries, n_true). Each metric returns the mean over queries, or
with ``per_query=True`` the per-query values, shape (n_queries,).

Example
-------
>>> import numpy as np
>>> from negsample.evaluation import recall_at_k, mrr
>>> ranked = np.array([[3, 1, 2], [0, 2, 1]])     # shape (n_queries, n_ranked)
>>> relevant = np.array([1, 5])                     # one relevant id per query
>>> recall_at_k(ranked, relevant, k=2), mrr(ranked, relevant)
(0.5, 0.25)
"""

from __future__ import annotations

import numpy as np

__all__ = ["hits_at_k", "mrr", "ndcg_at_k", "recall_at_k"]


def _hits(ranked_ids, true_ids, k: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Relevance of the top-k ranked ids, bool shape (n_queries, k), and the relevant-set sizes,
    shape (n_queries,)."""
    ranked = np.asarray(ranked_ids)
    relevant = np.asarray(true_ids)
    if ranked.ndim != 2:
        raise ValueError(f"ranked_ids must have shape (n_queries, n_ranked), got {ranked.shape}")
    if relevant.ndim == 1:
        relevant = relevant[:, None]
    if relevant.ndim != 2 or relevant.shape[0] != ranked.shape[0]:
        raise ValueError(
            f"true_ids must have shape ({ranked.shape[0]},) or ({ranked.shape[0]}, n_true), "
            f"got {relevant.shape}"
        )
    if k is not None and k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    is_real = relevant >= 0  # negative ids pad variable-size relevant sets
    n_relevant = is_real.sum(axis=1)
    if (n_relevant == 0).any():
        query = int(np.argmin(n_relevant))
        raise ValueError(f"query {query} has no relevant id (all of its true_ids are < 0)")
    top = ranked[:, :k]
    hits = ((top[:, :, None] == relevant[:, None, :]) & is_real[:, None, :]).any(axis=2)
    return hits, n_relevant


def _reduce(values: np.ndarray, per_query: bool):
    return values if per_query else float(values.mean())


def recall_at_k(ranked_ids, true_ids, k: int, *, per_query: bool = False):
    """Fraction of each query's relevant ids found in its top ``k``, averaged over queries.

    Parameters
    ----------
    ranked_ids : array-like of int, shape (n_queries, n_ranked)
        Retrieved ids, best first; the ids within a row must be distinct.
    true_ids : array-like of int, shape (n_queries,) or (n_queries, n_true)
        The relevant id of each query, or a set of them padded with negative values.
    k : int
    per_query : bool, default False
        Return the per-query values, shape (n_queries,), instead of their mean.

    Example
    -------
    >>> recall_at_k([[4, 2, 7]], [[2, 7, 9, -1]], k=2)
    0.3333333333333333
    """
    hits, n_relevant = _hits(ranked_ids, true_ids, k)
    return _reduce(hits.sum(axis=1) / n_relevant, per_query)


def hits_at_k(ranked_ids, true_ids, k: int, *, per_query: bool = False):
    """1 if any relevant id is in the top ``k``, else 0, averaged over queries.

    Shapes as in :func:`recall_at_k`.

    Example
    -------
    >>> hits_at_k([[4, 2, 7], [1, 0, 3]], [2, 3], k=2)
    0.5
    """
    hits, _ = _hits(ranked_ids, true_ids, k)
    return _reduce(hits.any(axis=1).astype(np.float64), per_query)


def ndcg_at_k(ranked_ids, true_ids, k: int, *, per_query: bool = False):
    """Normalised discounted cumulative gain with binary relevance (shapes as :func:`recall_at_k`).

    ``DCG = sum_i rel_i / log2(i + 2)`` over the top-k positions ``i = 0..k-1``, divided by the DCG of an
    ideal ranking that puts ``min(n_relevant, k)`` relevant ids first.

    Example
    -------
    >>> round(ndcg_at_k([[4, 2, 7]], [2], k=3), 4)   # one relevant id, at rank 2: 1 / log2(3)
    0.6309
    """
    hits, n_relevant = _hits(ranked_ids, true_ids, k)
    discounts = 1.0 / np.log2(np.arange(2, hits.shape[1] + 2))
    dcg = hits @ discounts
    ideal = np.cumsum(1.0 / np.log2(np.arange(2, k + 2)))[np.minimum(n_relevant, k) - 1]
    return _reduce(dcg / ideal, per_query)


def mrr(ranked_ids, true_ids, k: int | None = None, *, per_query: bool = False):
    """Mean reciprocal rank of the first relevant id (0 if none in the top ``k``, or in the whole list
    when ``k`` is None); shapes as :func:`recall_at_k`.

    Example
    -------
    >>> mrr([[4, 2, 7], [1, 0, 3]], [7, 5])
    0.16666666666666666
    """
    hits, _ = _hits(ranked_ids, true_ids, k)
    first = np.argmax(hits, axis=1)
    reciprocal = np.where(hits.any(axis=1), 1.0 / (first + 1), 0.0)
    return _reduce(reciprocal, per_query)

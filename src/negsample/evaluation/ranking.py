"""Ranking metrics over retrieved ids: Recall@K, Precision@K, Hits@K, NDCG@K (binary relevance), MRR,
and two properties of the recommended lists themselves: catalogue coverage and mean popularity.

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

__all__ = ["catalogue_coverage", "hits_at_k", "mean_popularity", "mrr", "ndcg_at_k", "precision_at_k", "recall_at_k"]


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


def precision_at_k(ranked_ids, true_ids, k: int, *, per_query: bool = False):
    """Share of the top ``k`` ranked ids that are relevant, averaged over queries (shapes as
    :func:`recall_at_k`). The denominator is ``k`` even when fewer than ``k`` ids were ranked.

    Example
    -------
    >>> precision_at_k([[4, 2, 7], [1, 0, 3]], [[2, 7, -1], [5, -1, -1]], k=2)
    0.25
    """
    hits, _ = _hits(ranked_ids, true_ids, k)
    return _reduce(hits.sum(axis=1) / k, per_query)


def catalogue_coverage(ranked_ids, num_items: int, k: int | None = None) -> float:
    """Share of the catalogue's ``num_items`` ids that appear in at least one query's top ``k``.

    ranked_ids : int, shape (n_queries, n_ranked); negative ids (padding) are ignored.

    Example
    -------
    >>> catalogue_coverage([[4, 2, 7], [4, 0, 3]], num_items=10, k=2)   # ids 0, 2, 4
    0.3
    """
    ranked = np.asarray(ranked_ids)
    if ranked.ndim != 2:
        raise ValueError(f"ranked_ids must have shape (n_queries, n_ranked), got {ranked.shape}")
    if isinstance(num_items, bool) or not isinstance(num_items, (int, np.integer)) or num_items < 1:
        raise ValueError(f"num_items must be an integer >= 1, got {num_items!r}")
    top = ranked[:, :k].reshape(-1)
    top = top[top >= 0]
    if top.size and top.max() >= num_items:
        raise ValueError(f"ranked_ids must lie in [0, {num_items}), got {top.max()}")
    return float(np.unique(top).size / num_items)


def mean_popularity(ranked_ids, popularity, k: int | None = None, *, per_query: bool = False):
    """Mean ``popularity`` (e.g. training interactions per item) of each query's top ``k`` ids.

    ranked_ids : int, shape (n_queries, n_ranked); popularity : float, shape (num_items,).
    Compare with the catalogue's own mean to see how much a model leans to popular items.

    Example
    -------
    >>> mean_popularity([[0, 1], [2, 1]], popularity=[10.0, 4.0, 0.0])   # (10 + 4) / 2, (0 + 4) / 2
    4.5
    """
    ranked = np.asarray(ranked_ids)
    if ranked.ndim != 2:
        raise ValueError(f"ranked_ids must have shape (n_queries, n_ranked), got {ranked.shape}")
    popularity = np.asarray(popularity, dtype=np.float64)
    top = ranked[:, :k]
    if top.size and (top.min() < 0 or top.max() >= popularity.shape[0]):
        raise ValueError(f"ranked_ids must lie in [0, {popularity.shape[0]}) (the length of popularity)")
    return _reduce(popularity[top].mean(axis=1), per_query)

"""Full-catalogue evaluation of user and item embeddings, chunked over users: every item is ranked for
every test user, the user's training items left out, and Recall / NDCG / HitRate / Precision / MRR @ K,
catalogue coverage and the mean popularity of what was recommended are reported.

Only a (chunk_size x num_items) block of scores exists at a time; the masks come from
:class:`negsample.evaluation.ExclusionIndex`, the top-k and the metrics from :mod:`negsample.evaluation`
(the same code the knowledge-graph wing ranks with).

Example
-------
>>> import numpy as np
>>> from negsample.recsys import Interactions
>>> from negsample.recsys.evaluate import evaluate_embeddings
>>> data = Interactions.from_arrays(users=[0, 0, 1, 1], items=[0, 1, 1, 2])
>>> train, test = data.select([0, 2]), data.select([1, 3])       # user 0: 0 | 1, user 1: 1 | 2
>>> users = np.array([[1.0, 0.0], [0.0, 1.0]])
>>> items = np.array([[0.9, 0.1], [0.5, 0.5], [0.1, 0.9]])
>>> result = evaluate_embeddings(users, items, test, exclude=train, ks=(1,))
>>> result["recall@1"], result["coverage@1"]     # user 0 gets item 1, user 1 gets item 2
(1.0, 0.6666666666666666)
"""

from __future__ import annotations

import time

import numpy as np

from ..evaluation import (
    ExclusionIndex,
    catalogue_coverage,
    hits_at_k,
    mean_popularity,
    mrr,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    top_k,
)
from .data import Interactions
from .errors import EmptySplitError

__all__ = ["METRICS", "evaluate_embeddings", "relevant_sets"]

METRICS = ("recall", "ndcg", "hit", "precision", "mrr")
_PER_QUERY = {"recall": recall_at_k, "ndcg": ndcg_at_k, "hit": hits_at_k, "precision": precision_at_k, "mrr": mrr}


def relevant_sets(test: Interactions) -> tuple[np.ndarray, np.ndarray]:
    """The test users (sorted) and their relevant items padded with -1: shapes (n,), (n, max_relevant)."""
    if len(test) == 0:
        raise EmptySplitError(f"{test.source}: no test interactions to evaluate")
    pairs = np.unique(test.users * test.num_items + test.items)
    users, items = pairs // test.num_items, pairs % test.num_items
    unique, starts, counts = np.unique(users, return_index=True, return_counts=True)
    padded = np.full((unique.shape[0], counts.max()), -1, dtype=np.int64)
    rows = np.repeat(np.arange(unique.shape[0]), counts)
    padded[rows, np.arange(users.shape[0]) - np.repeat(starts, counts)] = items
    return unique, padded


def _is_tensor(x) -> bool:
    return type(x).__module__.startswith("torch")


def evaluate_embeddings(user_vectors, item_vectors, test: Interactions, *, exclude: Interactions | None = None,
                        ks=(10, 20), chunk_size: int = 2048, item_popularity=None) -> dict:
    """Metrics of ranking every item by ``user_vectors @ item_vectors.T`` for each test user.

    Parameters
    ----------
    user_vectors : ndarray or Tensor, shape (num_users, dim)
    item_vectors : ndarray or Tensor, shape (num_items, dim)
        Tensors stay on their device: only the top-k ids of each chunk come to the host.
    test : Interactions
        The relevant (user, item) pairs.
    exclude : Interactions, optional
        Pairs never ranked (the training interactions): masked per chunk.
    ks : tuple of int
    chunk_size : int
        Users scored at a time.
    item_popularity : array-like, shape (num_items,), optional
        For ``popularity@K``; default: interactions per item in ``exclude`` (the training data).

    Returns
    -------
    dict
        ``recall@K``, ``ndcg@K``, ``hit@K``, ``precision@K``, ``mrr@K`` (mean over test users),
        ``coverage@K`` (share of the catalogue recommended to someone), ``popularity@K`` (mean
        training interactions of a recommended item), ``users`` and ``seconds``.
    """
    started = time.perf_counter()
    ks = tuple(sorted({int(k) for k in ks}))
    if not ks or ks[0] < 1:
        raise ValueError(f"ks: expected integers >= 1, got {ks!r}")
    users, relevant = relevant_sets(test)
    num_items = item_vectors.shape[0]
    if num_items != test.num_items or user_vectors.shape[0] != test.num_users:
        raise ValueError(f"expected {test.num_users} user and {test.num_items} item vectors, got "
                         f"{user_vectors.shape[0]} and {num_items}")
    index = None if exclude is None else ExclusionIndex(exclude.users, exclude.items, num_keys=exclude.num_users)
    if item_popularity is None:
        item_popularity = exclude.item_counts() if exclude is not None else np.zeros(num_items)
    k_max = min(ks[-1], num_items)
    tops = []
    for start in range(0, users.shape[0], chunk_size):
        chunk = users[start:start + chunk_size]
        if _is_tensor(user_vectors):
            import torch

            keys = torch.as_tensor(chunk, device=user_vectors.device)
            scores = user_vectors[keys] @ item_vectors.T
        else:
            keys = chunk
            scores = np.asarray(user_vectors)[chunk] @ np.asarray(item_vectors).T
        if index is not None:
            scores = index.mask(scores, keys)
        ids = top_k(scores, k_max)[1]
        tops.append(ids.cpu().numpy() if _is_tensor(ids) else ids)
    ranked = np.concatenate(tops)
    out = {}
    for k in ks:
        for name in METRICS:
            out[f"{name}@{k}"] = float(_PER_QUERY[name](ranked, relevant, k))
        out[f"coverage@{k}"] = catalogue_coverage(ranked, num_items, k)
        out[f"popularity@{k}"] = float(mean_popularity(ranked, item_popularity, k))
    out["users"] = int(users.shape[0])
    out["seconds"] = time.perf_counter() - started
    return out

"""Ranking metrics must equal naive per-query loops."""

import math

import numpy as np
import pytest

from negsample.evaluation import hits_at_k, mrr, ndcg_at_k, recall_at_k


def naive_metrics(ranked, relevant_sets, k):
    recall, hits, ndcg, rr = [], [], [], []
    for row, relevant in zip(ranked, relevant_sets, strict=True):
        top = list(row[:k])
        found = [i for i, item in enumerate(top) if item in relevant]
        recall.append(len(found) / len(relevant))
        hits.append(float(bool(found)))
        ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), k)))
        ndcg.append(sum(1 / math.log2(i + 2) for i in found) / ideal)
        rr.append(1 / (found[0] + 1) if found else 0.0)
    return [float(np.mean(m)) for m in (recall, hits, ndcg, rr)]


@pytest.mark.parametrize("k", [1, 3, 10, 25])
def test_retrieval_metrics_match_naive_loops(k):
    rng = np.random.default_rng(k)
    ranked = np.stack([rng.permutation(40)[:20] for _ in range(50)])  # (n_queries, n_ranked)
    relevant_sets = [set(rng.choice(40, rng.integers(1, 5), replace=False).tolist()) for _ in range(50)]
    padded = np.full((50, 4), -1)
    for row, relevant in enumerate(relevant_sets):
        padded[row, : len(relevant)] = sorted(relevant)
    want = naive_metrics(ranked, relevant_sets, k)
    got = [recall_at_k(ranked, padded, k), hits_at_k(ranked, padded, k), ndcg_at_k(ranked, padded, k),
           mrr(ranked, padded, k)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert recall_at_k(ranked, padded, k, per_query=True).shape == (50,)


def test_retrieval_metrics_single_relevant_and_errors():
    ranked = np.array([[5, 1, 2], [0, 2, 1]])
    assert recall_at_k(ranked, [1, 9], k=2) == 0.5 and hits_at_k(ranked, [1, 9], k=1) == 0.0
    assert mrr(ranked, [2, 1]) == pytest.approx((1 / 3 + 1 / 3) / 2)
    assert ndcg_at_k(ranked, [5, 0], k=3) == 1.0
    with pytest.raises(ValueError, match="no relevant id"):
        recall_at_k(ranked, [[1], [-1]], k=2)
    with pytest.raises(ValueError, match="shape"):
        recall_at_k(ranked, [1, 2, 3], k=2)

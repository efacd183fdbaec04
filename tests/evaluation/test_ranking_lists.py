"""Precision@K, catalogue coverage and mean popularity: hand-computed values and naive loops."""

import numpy as np
import pytest

from negsample.evaluation import catalogue_coverage, mean_popularity, precision_at_k


def test_hand_computed():
    ranked = np.array([[4, 2, 7], [1, 0, 3]])
    relevant = np.array([[2, 7, -1], [5, -1, -1]])
    assert precision_at_k(ranked, relevant, k=3) == pytest.approx((2 / 3 + 0) / 2)
    assert precision_at_k(ranked, relevant, k=1) == 0.0
    assert catalogue_coverage(ranked, num_items=8) == pytest.approx(6 / 8)
    assert catalogue_coverage(ranked, num_items=8, k=1) == pytest.approx(2 / 8)
    popularity = np.arange(8, dtype=float) * 10
    assert mean_popularity(ranked, popularity, k=2) == pytest.approx(((40 + 20) / 2 + (10 + 0) / 2) / 2)


@pytest.mark.parametrize("k", [1, 5, 20])
def test_match_loops(k):
    rng = np.random.default_rng(k)
    ranked = np.stack([rng.permutation(60)[:20] for _ in range(30)])
    sets = [set(rng.choice(60, rng.integers(1, 6), replace=False).tolist()) for _ in range(30)]
    padded = np.full((30, 6), -1)
    for row, s in enumerate(sets):
        padded[row, : len(s)] = sorted(s)
    popularity = rng.random(60)
    precision = np.mean([sum(i in s for i in row[:k]) / k for row, s in zip(ranked, sets, strict=True)])
    coverage = len({int(i) for row in ranked for i in row[:k]}) / 60
    popular = np.mean([np.mean([popularity[i] for i in row[:k]]) for row in ranked])
    assert precision_at_k(ranked, padded, k) == pytest.approx(precision)
    assert catalogue_coverage(ranked, 60, k) == pytest.approx(coverage)
    assert mean_popularity(ranked, popularity, k) == pytest.approx(popular)
    assert precision_at_k(ranked, padded, k, per_query=True).shape == (30,)


def test_bad_input():
    with pytest.raises(ValueError, match="num_items"):
        catalogue_coverage([[0, 1]], num_items=0)
    with pytest.raises(ValueError, match=r"\[0, 2\)"):
        catalogue_coverage([[0, 5]], num_items=2)
    with pytest.raises(ValueError, match="popularity"):
        mean_popularity([[0, 5]], popularity=[1.0, 2.0])

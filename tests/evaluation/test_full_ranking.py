"""Full-catalogue ranking against slow loops, for NumPy arrays and torch tensors."""

import numpy as np
import pytest

from negsample.evaluation import ExclusionIndex, hits_from_ranks, mrr_from_ranks, target_ranks, top_k


def _scores(seed, n_queries=7, n_candidates=11, levels=4):
    """Few distinct values, so that ties are everywhere."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, levels, (n_queries, n_candidates)).astype(np.float32)


def _loop_rank(row, target, left_out):
    """Optimistic and pessimistic rank by counting, one candidate at a time; their mean."""
    better = tied = 0
    for c, value in enumerate(row):
        if c in left_out and c != target:
            continue
        better += value > row[target]
        tied += value == row[target] and c != target
    return 1 + better + tied / 2


def _loop_top_k(row, k, left_out):
    kept = [(-value, c) for c, value in enumerate(row) if c not in left_out]
    return [c for _, c in sorted(kept)[:k]]


def _known_pairs(seed, n_queries=7, n_candidates=11, n_pairs=20):
    rng = np.random.default_rng(seed + 100)
    return rng.integers(0, n_queries, n_pairs), rng.integers(0, n_candidates, n_pairs)


def _as(backend, x):
    if backend == "numpy":
        return x
    torch = pytest.importorskip("torch")
    return torch.as_tensor(x)


def _numpy(x):
    return x.cpu().numpy() if hasattr(x, "cpu") else np.asarray(x)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_target_ranks_match_a_loop_with_and_without_known_pairs(backend, seed):
    scores = _scores(seed)
    targets = np.random.default_rng(seed).integers(0, scores.shape[1], scores.shape[0])
    keys, candidates = _known_pairs(seed)
    index = ExclusionIndex(keys, candidates, num_keys=scores.shape[0])
    queries = np.arange(scores.shape[0])
    plain = _numpy(target_ranks(_as(backend, scores), _as(backend, targets)))
    masked_scores = index.mask(_as(backend, scores), _as(backend, queries), keep=_as(backend, targets))
    filtered = _numpy(target_ranks(masked_scores, _as(backend, targets)))
    for q in range(scores.shape[0]):
        left_out = set(candidates[keys == q].tolist())
        assert plain[q] == _loop_rank(scores[q], targets[q], set())
        assert filtered[q] == _loop_rank(scores[q], targets[q], left_out)
    assert (filtered <= plain).all() and (filtered < plain).any()  # leaving pairs out helps: not vacuous


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("k", [1, 3, 11, 50])
def test_top_k_matches_a_loop_and_breaks_ties_by_id(backend, k):
    scores = _scores(3)
    keys, candidates = _known_pairs(3)
    index = ExclusionIndex(keys, candidates, num_keys=scores.shape[0])
    masked = index.mask(_as(backend, scores), _as(backend, np.arange(scores.shape[0])))
    values, ids = top_k(masked, k)
    ids, values = _numpy(ids), _numpy(values)
    for q in range(scores.shape[0]):
        left_out = set(candidates[keys == q].tolist())
        expected = _loop_top_k(scores[q], k, left_out)
        assert ids[q][: len(expected)].tolist() == expected
        assert np.isneginf(values[q][len(expected):]).all()  # only left-out ones fill a short row


def test_all_tied_scores_rank_in_the_middle():
    ranks = target_ranks(np.zeros((2, 9)), np.array([0, 8]))
    assert ranks.tolist() == [5.0, 5.0]
    assert mrr_from_ranks(np.array([1.0, 2.0, 4.0])) == pytest.approx((1 + 0.5 + 0.25) / 3)
    assert hits_from_ranks(np.array([1.0, 3.0, 3.5, 10.0]), 3) == 0.5


def test_exclusion_index_pairs_of_a_chunk():
    index = ExclusionIndex(keys=[2, 0, 2, 2], candidates=[5, 1, 0, 5], num_keys=3)
    rows, columns = index.pairs(np.array([2, 1, 0]))
    assert list(zip(rows.tolist(), columns.tolist(), strict=True)) == [(0, 0), (0, 5), (0, 5), (2, 1)]
    assert len(index) == 4 and index.candidates_of(1).tolist() == []


@pytest.mark.parametrize("call,message", [
    (lambda: ExclusionIndex([0, 1], [0], num_keys=2), "same length"),
    (lambda: ExclusionIndex([0, 5], [0, 1], num_keys=2), r"keys must lie in \[0, 2\)"),
    (lambda: ExclusionIndex([0], [-1], num_keys=2), "candidates must be >= 0"),
    (lambda: top_k(np.zeros((2, 3)), 0), "k: expected an integer >= 1"),
    (lambda: top_k(np.zeros(3), 1), "scores: expected a 2-d input"),
    (lambda: target_ranks(np.zeros((2, 3)), np.zeros(3, np.int64)), r"targets: expected shape"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()

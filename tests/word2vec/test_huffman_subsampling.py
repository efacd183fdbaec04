import heapq

import numpy as np
import pytest

from negsample.word2vec.huffman import build_huffman
from negsample.word2vec.subsampling import keep_probabilities


def _optimal_cost(counts):
    heap = [float(c) for c in counts]
    heapq.heapify(heap)
    cost = 0.0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        cost += merged
        heapq.heappush(heap, merged)
    return cost


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_codes_are_prefix_free_optimal_and_frequent_words_shorter(seed):
    rng = np.random.default_rng(seed)
    counts = np.sort(rng.zipf(1.3, 300).clip(max=10**6))[::-1]
    tree = build_huffman(counts)
    codes = ["".join(map(str, tree.code(w))) for w in range(len(counts))]
    ordered = sorted(codes)
    assert all(not b.startswith(a) for a, b in zip(ordered, ordered[1:])), "not prefix-free"
    assert len(set(codes)) == len(codes)
    lengths = tree.lengths
    assert np.all(np.diff(lengths) >= 0), "a rarer word got a shorter code"
    assert np.sum(2.0 ** -lengths) == pytest.approx(1.0)  # a full binary tree (Kraft equality)
    assert float(np.dot(lengths, counts)) == pytest.approx(_optimal_cost(counts))
    # Inner nodes are 0..V-2, the root (V-2) starts every path.
    assert tree.points.min() == 0 and tree.points.max() == len(counts) - 2
    assert all(tree.path(w)[0] == len(counts) - 2 for w in range(len(counts)))


def test_unsorted_counts_map_back_to_the_callers_order():
    counts = np.array([1, 50, 3, 20])
    tree = build_huffman(counts)
    assert tree.lengths[1] <= tree.lengths[3] <= tree.lengths[2] <= tree.lengths[0]


def test_a_single_word_is_refused():
    with pytest.raises(ValueError, match="at least 2 words"):
        build_huffman([5])


def test_keep_probability_formula():
    counts = np.array([10_000, 1_000, 100, 10])
    t = 1e-3
    keep = keep_probabilities(counts, t)
    tn = t * counts.sum()
    expected = np.minimum((np.sqrt(counts / tn) + 1) * tn / counts, 1.0)
    np.testing.assert_allclose(keep, expected, rtol=1e-6)
    assert keep[0] < keep[1] < 1.0 and keep[-1] == 1.0
    assert np.all(keep_probabilities(counts, 0) == 1.0)
    with pytest.raises(ValueError, match="sample must be >= 0"):
        keep_probabilities(counts, -1e-3)

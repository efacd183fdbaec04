import heapq

import numpy as np
import pytest

from negsample._kernels.huffman import huffman_merge
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
    # A strictly rarer word never gets a shorter code (words of equal count may come in any order).
    longest_so_far = np.maximum.accumulate(lengths)
    rarer = np.concatenate([[False], counts[1:] < counts[:-1]])
    assert np.all(lengths[rarer] >= longest_so_far[np.flatnonzero(rarer) - 1]), "a rarer word got a shorter code"
    assert np.sum(2.0 ** -lengths) == pytest.approx(1.0)  # a full binary tree (Kraft equality)
    assert float(np.dot(lengths, counts)) == pytest.approx(_optimal_cost(counts))
    # Inner nodes are 0..V-2, the root (V-2) starts every path.
    assert tree.points.min() == 0 and tree.points.max() == len(counts) - 2
    assert all(tree.path(w)[0] == len(counts) - 2 for w in range(len(counts)))


class _ByWeight:
    """A heap entry that compares by weight only, so heapq alone decides how ties fall."""

    def __init__(self, weight, node):
        self.weight, self.node = weight, node

    def __lt__(self, other):
        return self.weight < other.weight


def _heapq_tree(counts):
    """(parent, is_right) from Python's heapq over the leaves in order: the build ties must follow."""
    n = len(counts)
    heap = [_ByWeight(float(c), i) for i, c in enumerate(counts)]
    heapq.heapify(heap)
    parent, is_right = np.zeros(2 * n - 1, np.int64), np.zeros(2 * n - 1, np.uint8)
    for merged in range(n, 2 * n - 1):
        left, right = heapq.heappop(heap), heapq.heappop(heap)
        parent[left.node] = parent[right.node] = merged
        is_right[right.node] = 1
        heapq.heappush(heap, _ByWeight(left.weight + right.weight, merged))
    return parent, is_right


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_ties_fall_exactly_where_heapq_puts_them(seed):
    rng = np.random.default_rng(seed)
    # Few distinct counts, so nearly every merge meets a tie (leaf against leaf and against merged nodes).
    counts = np.sort(rng.choice([1, 2, 3, 4, 6, 8], size=int(rng.integers(2, 400))))[::-1]
    if seed == 3:
        counts = rng.permutation(counts)  # any order, not only most frequent first
    want_parent, want_right = _heapq_tree(counts)
    parent, is_right = huffman_merge(counts.astype(np.float64))
    np.testing.assert_array_equal(parent[:-1], want_parent[:-1])
    np.testing.assert_array_equal(is_right, want_right)


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

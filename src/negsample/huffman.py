"""Huffman codes and inner-node paths for hierarchical softmax.

Each word gets a code (its left/right turns from the root) and the inner nodes on its path. Inner
nodes are numbered ``0 .. n_words-2`` with the root last, as in the word2vec C tool, so one output
matrix of ``n_words - 1`` rows serves the whole tree. Frequent words get short codes.

Codes and points are stored flat (no padding, no length cap): word w's code is
``codes[offsets[w]:offsets[w+1]]`` and its inner nodes ``points[offsets[w]:offsets[w+1]]``.

Example
-------
>>> tree = build_huffman([5, 3, 1, 1])
>>> tree.code(0), tree.code(3)
([1], [0, 0, 0])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

__all__ = ["HuffmanTree", "build_huffman"]


@dataclass(frozen=True)
class HuffmanTree:
    """Flat Huffman codes. ``offsets``: int64 (n+1,); ``codes``: uint8; ``points``: int32."""

    offsets: np.ndarray
    codes: np.ndarray
    points: np.ndarray

    def code(self, word: int) -> list[int]:
        return self.codes[self.offsets[word]:self.offsets[word + 1]].tolist()

    def path(self, word: int) -> list[int]:
        return self.points[self.offsets[word]:self.offsets[word + 1]].tolist()

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)


@njit(cache=True)
def _merge(sorted_counts):
    # Two-queue O(n) Huffman build over counts sorted in descending order: leaves are consumed from
    # the tail (smallest first), merged nodes are created in non-decreasing order of weight.
    n = sorted_counts.shape[0]
    weight = np.empty(2 * n - 1, dtype=np.float64)
    weight[:n] = sorted_counts
    parent = np.zeros(2 * n - 1, dtype=np.int64)
    is_right = np.zeros(2 * n - 1, dtype=np.uint8)
    leaf = n - 1
    node = n
    for merged in range(n, 2 * n - 1):
        pick = np.empty(2, dtype=np.int64)
        for k in range(2):
            if leaf >= 0 and (node >= merged or weight[leaf] < weight[node]):
                pick[k] = leaf
                leaf -= 1
            else:
                pick[k] = node
                node += 1
        weight[merged] = weight[pick[0]] + weight[pick[1]]
        parent[pick[0]] = merged
        parent[pick[1]] = merged
        is_right[pick[1]] = 1
    return parent, is_right


@njit(cache=True)
def _paths(parent, is_right, n):
    root = 2 * n - 2
    lengths = np.zeros(n, dtype=np.int64)
    for w in range(n):
        b = w
        while b != root:
            lengths[w] += 1
            b = parent[b]
    offsets = np.zeros(n + 1, dtype=np.int64)
    for w in range(n):
        offsets[w + 1] = offsets[w] + lengths[w]
    codes = np.empty(offsets[n], dtype=np.uint8)
    points = np.empty(offsets[n], dtype=np.int32)
    for w in range(n):
        # Walk leaf -> root, writing from the end so the stored code reads root -> leaf.
        b = w
        i = offsets[w + 1] - 1
        while b != root:
            codes[i] = is_right[b]
            points[i] = parent[b] - n
            b = parent[b]
            i -= 1
    return offsets, codes, points


def build_huffman(counts) -> HuffmanTree:
    """Build the tree for word counts (any order; ties broken by index).

    Parameters
    ----------
    counts : array-like of int, shape (n_words,), n_words >= 2
    """
    counts = np.asarray(counts, dtype=np.float64)
    n = counts.shape[0]
    if counts.ndim != 1 or n < 2:
        raise ValueError(f"hierarchical softmax needs at least 2 words in the vocabulary, got {n}")
    order = np.argsort(-counts, kind="stable")
    parent, is_right = _merge(counts[order])
    offsets, codes, points = _paths(parent, is_right, n)
    if np.array_equal(order, np.arange(n)):
        return HuffmanTree(offsets, codes, points)
    # Map back from sorted positions to the caller's word order.
    lengths = np.diff(offsets)
    new_lengths = np.empty(n, dtype=np.int64)
    new_lengths[order] = lengths
    new_offsets = np.concatenate([[0], np.cumsum(new_lengths)])
    new_codes = np.empty_like(codes)
    new_points = np.empty_like(points)
    for rank, word in enumerate(order):
        src = slice(offsets[rank], offsets[rank + 1])
        dst = slice(new_offsets[word], new_offsets[word + 1])
        new_codes[dst] = codes[src]
        new_points[dst] = points[src]
    return HuffmanTree(new_offsets, new_codes, new_points)

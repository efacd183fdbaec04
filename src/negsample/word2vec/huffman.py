"""Huffman codes and inner-node paths for hierarchical softmax.

Each word gets a code (its left/right turns from the root) and the inner nodes on its path. Inner
nodes are numbered ``0 .. n_words-2`` with the root last, as in the word2vec C tool, so one output
matrix of ``n_words - 1`` rows serves the whole tree. Frequent words get short codes.

Codes and points are stored flat (no padding, no length cap): word w's code is
``codes[offsets[w]:offsets[w+1]]`` and its inner nodes ``points[offsets[w]:offsets[w+1]]``.

Example
-------
>>> from negsample.word2vec.huffman import build_huffman
>>> tree = build_huffman([5, 3, 1, 1])
>>> tree.code(0), tree.code(3)
([1], [0, 0, 0])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._kernels.huffman import huffman_merge, huffman_paths

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
    parent, is_right = huffman_merge(counts[order])
    offsets, codes, points = huffman_paths(parent, is_right, n)
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

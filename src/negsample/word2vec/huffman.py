"""Huffman codes and inner-node paths for hierarchical softmax.

Each word gets a code (its left/right turns from the root) and the inner nodes on its path. Inner
nodes are numbered ``0 .. n_words-2`` with the root last, as in the word2vec C tool, so one output
matrix of ``n_words - 1`` rows serves the whole tree. Frequent words get short codes.

Codes and points are stored flat (no padding, no length cap): word w's code is
``codes[offsets[w]:offsets[w+1]]`` and its inner nodes ``points[offsets[w]:offsets[w+1]]``.

Ties are broken as gensim's ``heapq`` build breaks them, so the tree is gensim's for the same
vocabulary. Many optimal trees exist when counts tie (thousands of words share each small count),
and which one is built matters more than one would think: SG-HS on text8_prefix (10 epochs, 2
threads, Google analogies), trees that differ only in their ties scored 0.086, 0.094 and 0.099
(gensim's heap over three orders of the same counts, 4 seeds each), while the seeds of one tree
spread by about 0.003. The word2vec C tool's two-queue build (a merged node before a leaf of equal
weight) gave 0.091 over 7 seeds; gensim, given that tree instead of its own, fell from 0.096 to
0.088, and negsample given gensim's tree rose to 0.097. Matching gensim's tie order makes both
libraries train on the same tree, so their HS quality is the same wherever they are compared.

Example
-------
>>> from negsample.word2vec.huffman import build_huffman
>>> tree = build_huffman([5, 3, 1, 1])
>>> tree.code(0), tree.code(3)
([0], [1, 0, 1])
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
    """Build the tree for word counts, in the vocabulary's order (ties broken as gensim breaks them).

    Parameters
    ----------
    counts : array-like of int, shape (n_words,), n_words >= 2 -- any order; gensim's tree for the
        same words in the same order (:func:`negsample._kernels.huffman.huffman_merge`)
    """
    counts = np.asarray(counts, dtype=np.float64)
    n = counts.shape[0]
    if counts.ndim != 1 or n < 2:
        raise ValueError(f"hierarchical softmax needs at least 2 words in the vocabulary, got {n}")
    parent, is_right = huffman_merge(counts)
    return HuffmanTree(*huffman_paths(parent, is_right, n))

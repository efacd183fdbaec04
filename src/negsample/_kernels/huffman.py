"""Building a Huffman tree from word counts (the kernels behind :func:`negsample.word2vec.huffman.build_huffman`).

Example
-------
>>> import numpy as np
>>> from negsample._kernels.huffman import huffman_merge, huffman_paths
>>> parent, is_right = huffman_merge(np.array([5.0, 3.0, 1.0, 1.0]))
>>> offsets, codes, points = huffman_paths(parent, is_right, 4)
>>> codes[offsets[0]:offsets[1]].tolist(), codes[offsets[3]:offsets[4]].tolist()
([0], [1, 0, 1])
"""

import numpy as np
from numba import njit

__all__ = ["huffman_merge", "huffman_paths"]


@njit(cache=True, inline="always")
def _sift_down(heap, weight, start, pos):
    """Move ``heap[pos]`` up towards ``start`` while it is strictly lighter than its parent."""
    item = heap[pos]
    while pos > start:
        parent = (pos - 1) >> 1
        if weight[item] < weight[heap[parent]]:
            heap[pos] = heap[parent]
            pos = parent
            continue
        break
    heap[pos] = item


@njit(cache=True, inline="always")
def _sift_up(heap, weight, size, pos):
    """Bring the lighter child up until ``pos`` is a leaf, then settle the item there (heapq's order)."""
    start = pos
    item = heap[pos]
    child = 2 * pos + 1
    while child < size:
        right = child + 1
        if right < size and not weight[heap[child]] < weight[heap[right]]:
            child = right
        heap[pos] = heap[child]
        pos = child
        child = 2 * pos + 1
    heap[pos] = item
    _sift_down(heap, weight, start, pos)


@njit(cache=True, inline="always")
def _pop(heap, weight, size):
    """Remove and return the lightest node of ``heap[:size]`` (the caller shrinks ``size`` by one)."""
    last = heap[size - 1]
    if size == 1:
        return last
    top = heap[0]
    heap[0] = last
    _sift_up(heap, weight, size - 1, 0)
    return top


@njit(cache=True)
def huffman_merge(counts):
    """Merge the two lightest nodes until one is left: ``(parent, is_right)`` of the ``2n - 1`` nodes.

    counts : float64 (n,) in vocabulary order (most frequent first). Leaves are ``0 .. n-1``, merged
    nodes ``n .. 2n-2`` (the root last); the lighter of two merged nodes is the left child.

    Nodes wait in a binary heap that starts as the leaves in vocabulary order and compares weights
    only, and every step is that of Python's ``heapq`` (heapify, heappop, heappush), so ties between
    equal weights fall exactly where gensim's ``heapq`` build puts them and the tree is gensim's for
    the same counts. Why ties matter: :mod:`negsample.word2vec.huffman`.
    """
    n = counts.shape[0]
    weight = np.empty(2 * n - 1, dtype=np.float64)
    weight[:n] = counts
    parent = np.zeros(2 * n - 1, dtype=np.int64)
    is_right = np.zeros(2 * n - 1, dtype=np.uint8)
    heap = np.arange(n, dtype=np.int64)
    for i in range(n // 2 - 1, -1, -1):  # heapify
        _sift_up(heap, weight, n, i)
    size = n
    for merged in range(n, 2 * n - 1):
        left = _pop(heap, weight, size)
        size -= 1
        right = _pop(heap, weight, size)
        size -= 1
        weight[merged] = weight[left] + weight[right]
        parent[left] = merged
        parent[right] = merged
        is_right[right] = 1
        heap[size] = merged  # heappush
        size += 1
        _sift_down(heap, weight, 0, size - 1)
    return parent, is_right


@njit(cache=True)
def huffman_paths(parent, is_right, n):
    """Flat codes and inner-node paths of the ``n`` leaves: ``(offsets int64 (n+1,), codes uint8,
    points int32)``, each code read root -> leaf, inner nodes numbered ``0 .. n-2``."""
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

"""Building a Huffman tree from sorted counts (the kernels behind :func:`negsample.word2vec.huffman.build_huffman`).

Example
-------
>>> import numpy as np
>>> from negsample._kernels.huffman import huffman_merge, huffman_paths
>>> parent, is_right = huffman_merge(np.array([5.0, 3.0, 1.0, 1.0]))
>>> offsets, codes, points = huffman_paths(parent, is_right, 4)
>>> codes[offsets[0]:offsets[1]].tolist(), codes[offsets[3]:offsets[4]].tolist()
([1], [0, 0, 0])
"""

import numpy as np
from numba import njit

__all__ = ["huffman_merge", "huffman_paths"]


@njit(cache=True)
def huffman_merge(sorted_counts):
    """Merge the two lightest nodes until one is left: ``(parent, is_right)`` of the ``2n - 1`` nodes.

    sorted_counts : float64 (n,) in descending order. Leaves are ``0 .. n-1``, merged nodes
    ``n .. 2n-2`` (the root last). A two-queue O(n) build: leaves are consumed from the tail
    (smallest first), merged nodes are created in non-decreasing order of weight.
    """
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

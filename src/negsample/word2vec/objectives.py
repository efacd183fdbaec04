"""What the job kernels are told: the context window and the objectives, as small named tuples.

The kernels in :mod:`negsample._kernels.word2vec_pairs` and :mod:`negsample._kernels.word2vec_batched`
take one :class:`ContextWindow` and two objectives, each a named tuple of arrays or ``None`` when it
is off. Numba compiles one specialisation per combination, so an objective that is off costs
nothing and no flag is tested inside a hot loop.

Each objective carries the output rows it trains (``out``) and ``hot``: a thread's private copy of
the rows nearly every example writes (the most frequent words' output rows; the node rows at the
top of the Huffman tree), trained instead of the shared ones. An empty (0, dim) ``hot`` trains every
row in place (one thread). The trainer gives each thread its own ``hot`` with ``_replace``, with
``hot_base`` (the copy as of its last sync) and ``sync_every``: the kernel adds the thread's change
back every that many tokens (0: only the trainer syncs, between jobs).

Example
-------
>>> import numpy as np
>>> from negsample.word2vec.objectives import build_objectives
>>> negative, tree = build_objectives(np.array([5, 3, 1]), dim=4, negative=2, hs=False)
>>> negative.out.shape, negative.k, tree is None
((3, 4), 2, True)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..noise import Unigram
from .huffman import build_huffman

__all__ = ["ContextWindow", "HierarchicalSoftmax", "NegativeSampling", "build_objectives"]

NO_ROWS = np.zeros((0, 0), np.float32)  # ``hot_base`` of an objective without private rows


class ContextWindow(NamedTuple):
    """How a center's context is formed.

    size : int -- the largest reach; each center draws its own in [1, size]
    mean : bool -- CBOW averages its context rows (else sums them); skip-gram trains one context
        row per example, so it has nothing to average
    shrink : bool, default True -- draw each center's reach (False: always ``size``, and no draw;
        gensim's ``shrink_windows=False``)
    """

    size: int
    mean: bool
    shrink: bool = True


class NegativeSampling(NamedTuple):
    """Negative sampling: the target against ``k`` words drawn from the noise's alias table.

    out : float32 (V, dim) -- output rows, one per word
    hot : float32 (n_hot, dim) -- a thread's private copy of ``out[:n_hot]`` (the most frequent words:
        the vocabulary is sorted by count), trained instead of those rows
    threshold : float64 (V,) and alias : int32 (V,) -- the alias table of count^power
    k : int -- negatives per example (>= 1)
    hot_base : float32 (n_hot, dim) -- ``hot`` as of its last sync; sync_every : int -- tokens between
        the kernel's syncs (0: none inside a job)
    """

    out: np.ndarray
    hot: np.ndarray
    threshold: np.ndarray
    alias: np.ndarray
    k: int
    hot_base: np.ndarray = NO_ROWS
    sync_every: int = 0


class HierarchicalSoftmax(NamedTuple):
    """Hierarchical softmax: a binary logistic step at each inner node on the target's Huffman path.

    out : float32 (V-1, dim) -- inner-node rows, the root last
    hot : float32 (n_hot, dim) -- a thread's private copy of the last ``n_hot`` node rows (the top
        of the tree, which every path crosses)
    offsets : int64 (V+1,), codes : uint8, points : int32 -- the flat Huffman codes and paths
        (:class:`~negsample.word2vec.huffman.HuffmanTree`)
    hot_base, sync_every -- as in :class:`NegativeSampling`
    """

    out: np.ndarray
    hot: np.ndarray
    offsets: np.ndarray
    codes: np.ndarray
    points: np.ndarray
    hot_base: np.ndarray = NO_ROWS
    sync_every: int = 0


def build_objectives(counts: np.ndarray, *, dim: int, negative: int, hs: bool, ns_exponent: float = 0.75,
                     context_vectors: np.ndarray | None = None, node_vectors: np.ndarray | None = None,
                     ) -> tuple[NegativeSampling | None, HierarchicalSoftmax | None]:
    """The objectives for a vocabulary with these counts, every row shared (empty ``hot``).

    counts : int (V,) -- word counts, most frequent first
    negative : int -- negatives per example; 0 turns negative sampling off (``None``)
    hs : bool -- hierarchical softmax on or off (``None``)
    context_vectors, node_vectors : float32 (V, dim) and (V-1, dim), optional -- the rows to train;
        zeros when not given
    """
    counts = np.asarray(counts)
    n_words = counts.shape[0]
    empty = np.zeros((0, dim), np.float32)
    ns = None
    if negative:
        noise = Unigram(counts, power=ns_exponent)
        out = np.zeros((n_words, dim), np.float32) if context_vectors is None else context_vectors
        ns = NegativeSampling(out, empty, noise.threshold, noise.alias, int(negative))
    tree = None
    if hs:
        codes = build_huffman(counts)
        out = np.zeros((n_words - 1, dim), np.float32) if node_vectors is None else node_vectors
        tree = HierarchicalSoftmax(out, empty, codes.offsets, codes.codes, codes.points)
    return ns, tree

"""Alias tables (Walker / Vose): O(n) build, O(1) draw, exact up to float rounding.

A table is two arrays of length n: ``threshold`` (float64 in [0, 1]) and ``alias`` (int32). To draw,
pick a column i uniformly and keep it with probability ``threshold[i]``, else take ``alias[i]``.
Column i then carries probability ``(threshold[i] + sum of (1 - threshold[j]) for j aliasing to i) / n``
which equals ``probs[i]``.
"""

import numpy as np
from numba import njit

from .rng import next_u64

__all__ = ["build_alias_table", "draw_alias", "fill_alias_draws"]

_S32 = np.uint64(32)
_LOW32 = np.uint64(0xFFFFFFFF)


@njit(cache=True, nogil=True)
def build_alias_table(probs):
    """Vose's method. ``probs``: float64 (n,), non-negative, summing to 1. Returns (threshold, alias)."""
    n = probs.shape[0]
    scaled = probs * n
    threshold = np.ones(n, dtype=np.float64)
    alias = np.arange(n).astype(np.int32)
    small = np.empty(n, dtype=np.int64)
    large = np.empty(n, dtype=np.int64)
    n_small = 0
    n_large = 0
    for i in range(n):
        if scaled[i] < 1.0:
            small[n_small] = i
            n_small += 1
        else:
            large[n_large] = i
            n_large += 1
    while n_small > 0 and n_large > 0:
        n_small -= 1
        s = small[n_small]
        g = large[n_large - 1]
        threshold[s] = scaled[s]
        alias[s] = g
        scaled[g] = (scaled[g] + scaled[s]) - 1.0
        if scaled[g] < 1.0:
            n_large -= 1
            small[n_small] = g
            n_small += 1
    # Whatever is left is 1 up to rounding: keep it always (threshold already 1).
    return threshold, alias


@njit(cache=True, nogil=True, inline="always")
def draw_alias(threshold, alias, state):
    """One draw. High 32 bits pick the column (multiply-shift), low 32 bits flip the biased coin.

    The alias is loaded before the comparison so the choice compiles to a conditional move: the coin
    is unpredictable, and a branch on it costs about 4x in mispredictions.
    """
    r = next_u64(state)
    column = np.int64(((r >> _S32) * np.uint64(threshold.shape[0])) >> _S32)
    coin = np.float64(r & _LOW32) * (1.0 / 4294967296.0)
    other = np.int64(alias[column])
    return column if coin < threshold[column] else other


@njit(cache=True, nogil=True)
def fill_alias_draws(threshold, alias, state, out):
    """Fill ``out`` (int64, 1-d) with draws; ``state`` is a uint64[1] splitmix64 state."""
    for i in range(out.shape[0]):
        out[i] = draw_alias(threshold, alias, state)

"""The parts of a word2vec job that come before any objective: subsampling and window drawing.

Every job kernel walks its sentences the same way: copy a sentence's kept tokens into a scratch
buffer (one draw per token whose keep probability is below 1), then, per kept center, draw how far
its window reaches (uniform in [1, window], the C tool's shrink, unless the window does not shrink).

Example
-------
>>> import numpy as np
>>> from negsample._kernels.windows import sentence_buffer, subsample
>>> ids = np.array([0, 1, 2, 1], np.int32)
>>> sentence = sentence_buffer(np.array([4], np.int32))
>>> n = subsample(ids, 0, 4, np.ones(3, np.float32), np.ones(1, np.uint64), sentence)  # keep all
>>> sentence[:n].tolist()
[0, 1, 2, 1]
"""

import numpy as np
from numba import njit

from .rng import next_below, next_unit

__all__ = ["sentence_buffer", "subsample", "window_bounds"]


@njit(cache=True, nogil=True, inline="always")
def window_bounds(rng, window, i, n):
    """The ``[lo, hi)`` range of sentence positions center ``i``'s window covers, center included.

    ``window`` is a :class:`~negsample.word2vec.objectives.ContextWindow`: with ``shrink`` its reach
    is drawn uniform in [1, size] (the C tool's shrink, one draw), else it is ``size`` (gensim's
    ``shrink_windows=False``, no draw).
    """
    reach = window.size - next_below(rng, window.size) if window.shrink else window.size
    return max(0, i - reach), min(n, i + reach + 1)


@njit(cache=True, nogil=True, inline="always")
def sentence_buffer(lengths):
    """Scratch for one subsampled sentence: as long as the job's longest sentence."""
    return np.empty(np.max(lengths) if lengths.shape[0] > 0 else 0, dtype=np.int32)


@njit(cache=True, nogil=True, fastmath=True)
def subsample(ids, start, stop, keep_prob, rng, sentence):
    """Copy the kept tokens of ids[start:stop] into ``sentence``; return how many."""
    n = 0
    for t in range(start, stop):
        w = ids[t]
        p = keep_prob[w]
        if p < 1.0 and next_unit(rng) >= p:
            continue
        sentence[n] = w
        n += 1
    return n

"""Frequent-word subsampling (Mikolov et al. 2013).

Word w with count f in a corpus of N in-vocabulary tokens is kept with probability
``keep = (sqrt(f / (t*N)) + 1) * (t*N) / f``, capped at 1: the word2vec C tool's formula, which
gensim shares. Kernels redraw the keep/drop decision for every token on every epoch.

Example
-------
>>> import numpy as np
>>> from negsample.word2vec.subsampling import keep_probabilities
>>> [round(float(k), 3) for k in keep_probabilities(np.array([1000, 10, 1]), sample=1e-2)]
[0.111, 1.0, 1.0]
"""

from __future__ import annotations

import numpy as np

__all__ = ["keep_probabilities"]


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """Keep probability per word, float32 of shape ``counts.shape``; ``sample=0`` keeps everything.

    Parameters
    ----------
    counts : ndarray of int, shape (n_words,)
    sample : float
        The threshold t; 1e-3 (gensim's default) to 1e-5 are typical.
    """
    if sample < 0:
        raise ValueError(f"sample must be >= 0, got {sample}")
    counts = np.asarray(counts, dtype=np.float64)
    if sample == 0 or counts.size == 0:
        return np.ones(counts.shape, dtype=np.float32)
    threshold = sample * counts.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        keep = (np.sqrt(counts / threshold) + 1.0) * threshold / counts
    keep = np.where(counts > 0, keep, 1.0)
    return np.minimum(keep, 1.0).astype(np.float32)

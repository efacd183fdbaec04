"""The fixed noise distributions: word2vec's unigram^power, uniform, log-uniform (Zipf) and explicit.

Example
-------
>>> import numpy as np
>>> from negsample.noise import Unigram
>>> noise = Unigram([100, 10, 1], power=0.75)
>>> ids = noise.sample(5, rng=0)                     # int64 array, shape (5,)
>>> np.exp(noise.log_prob(np.array([0, 1, 2]))).round(3).tolist()
[0.827, 0.147, 0.026]
"""

from __future__ import annotations

import numpy as np

from .._checks import check_probabilities
from .base import NoiseDistribution, check_num_classes

__all__ = ["Empirical", "LogUniform", "Uniform", "Unigram"]


class Unigram(NoiseDistribution):
    """Noise proportional to ``count ** power`` (word2vec's negative-sampling distribution).

    Parameters
    ----------
    counts : array-like of non-negative numbers, shape (num_classes,)
    power : float, default 0.75
        0 gives the uniform distribution, 1 the raw frequencies.

    Examples
    --------
    >>> from negsample.noise import Unigram
    >>> Unigram([100, 10, 1]).sample(4, rng=0).dtype
    dtype('int64')
    """

    def __init__(self, counts, power: float = 0.75):
        counts = np.asarray(counts, dtype=np.float64)
        if counts.ndim != 1 or counts.shape[0] == 0:
            raise ValueError(f"Unigram: counts must be a non-empty 1-d array, got shape {counts.shape}")
        if not np.all(np.isfinite(counts)) or counts.min() < 0:
            raise ValueError("Unigram: counts must be finite and non-negative")
        if not np.isfinite(power):
            raise ValueError(f"Unigram: power must be finite, got {power}")
        self.power = float(power)
        weights = np.where(counts > 0, counts, 0.0) ** self.power if self.power != 0 else np.ones_like(counts)
        if self.power != 0:
            weights[counts == 0] = 0.0
        total = weights.sum()
        if total <= 0:
            raise ValueError("Unigram: all counts are zero")
        self._init_table(weights / total)

    def __repr__(self) -> str:
        return f"Unigram(num_classes={self.num_classes}, power={self.power})"


class Uniform(NoiseDistribution):
    """Every id in ``0 .. num_classes-1`` equally likely.

    Parameters
    ----------
    num_classes : int

    Examples
    --------
    >>> from negsample.noise import Uniform
    >>> float(Uniform(4).probs.sum())
    1.0
    """

    def __init__(self, num_classes: int):
        num_classes = check_num_classes("Uniform", num_classes)
        self._init_table(np.full(num_classes, 1.0 / num_classes))


class LogUniform(NoiseDistribution):
    """Zipfian noise ``P(k) = log((k + 2) / (k + 1)) / log(num_classes + 1)``.

    The distribution of TensorFlow's ``log_uniform_candidate_sampler``: sensible when ids are sorted
    by decreasing frequency (id 0 most frequent), as vocabularies usually are.

    Parameters
    ----------
    num_classes : int

    Examples
    --------
    >>> from negsample.noise import LogUniform
    >>> LogUniform(3).probs.round(3).tolist()
    [0.5, 0.292, 0.208]
    """

    def __init__(self, num_classes: int):
        num_classes = check_num_classes("LogUniform", num_classes)
        k = np.arange(num_classes, dtype=np.float64)
        # log1p keeps the tail accurate: log((k+2)/(k+1)) = log1p(1/(k+1)) loses nothing for large k.
        probs = np.log1p(1.0 / (k + 1.0)) / np.log1p(num_classes)
        self._init_table(probs / probs.sum())


class Empirical(NoiseDistribution):
    """Noise given directly by its probabilities.

    Parameters
    ----------
    probs : array-like, shape (num_classes,)
        Finite, non-negative, summing to 1 within 1e-6 (then renormalised exactly).

    Examples
    --------
    >>> from negsample.noise import Empirical
    >>> Empirical([0.5, 0.25, 0.25]).num_classes
    3
    """

    def __init__(self, probs):
        probs = check_probabilities("Empirical: probs", probs)
        self._init_table(probs / probs.sum())


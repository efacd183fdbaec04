"""Noise distributions: every source of negatives can ``sample`` ids *and* report ``log_prob(ids)``.

Because every sampler reports the probability it sampled with, every loss that needs a correction
(NCE's ``log(k*Q)``, sampled softmax's ``logQ``) gets it for free, and the compiled word2vec kernels
draw from the very same alias table as the NumPy (and PyTorch) samplers.

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

from ._kernels.alias import build_alias_table

__all__ = ["NoiseDistribution", "Unigram"]


def as_generator(rng) -> np.random.Generator:
    """``None`` -> fresh entropy, ``int`` -> seeded generator, a ``Generator`` -> itself."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be None, an int seed or a numpy.random.Generator, got {type(rng).__name__}")


class NoiseDistribution:
    """A distribution over class ids ``0 .. num_classes-1`` backed by an alias table.

    Subclasses only say what the probabilities are (``_make_probs``); drawing and log-probabilities
    are shared. ``threshold`` and ``alias`` are the raw table, exposed so compiled kernels can draw
    from exactly the same distribution.

    Attributes
    ----------
    num_classes : int
    probs : ndarray, float64, shape (num_classes,)
        Exact probabilities (sum to 1).
    threshold, alias : ndarray, shape (num_classes,)
        The alias table (float64, int32).
    """

    num_classes: int
    probs: np.ndarray

    def _init_table(self, probs: np.ndarray) -> None:
        probs = np.ascontiguousarray(probs, dtype=np.float64)
        self.num_classes = int(probs.shape[0])
        self.probs = probs
        with np.errstate(divide="ignore"):
            self._log_probs = np.log(probs)
        self.threshold, self.alias = build_alias_table(probs)

    def sample(self, size, rng=None) -> np.ndarray:
        """Draw ids i.i.d. from the distribution.

        Parameters
        ----------
        size : int or tuple of int
            Output shape.
        rng : None, int or numpy.random.Generator
            Source of randomness (an int is a seed).

        Returns
        -------
        ndarray of int64, shape ``size``
        """
        gen = as_generator(rng)
        column = gen.integers(0, self.num_classes, size=size)
        coin = gen.random(size=size)
        return np.where(coin < self.threshold[column], column, self.alias[column]).astype(np.int64)

    def log_prob(self, ids) -> np.ndarray:
        """Natural-log probability of each id; same shape as ``ids``.

        Raises ``ValueError`` for ids outside ``[0, num_classes)``.
        """
        ids = np.asarray(ids)
        if ids.size and (ids.min() < 0 or ids.max() >= self.num_classes):
            raise ValueError(
                f"log_prob: ids must lie in [0, {self.num_classes}), got values in "
                f"[{int(ids.min())}, {int(ids.max())}]"
            )
        return self._log_probs[ids]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(num_classes={self.num_classes})"


class Unigram(NoiseDistribution):
    """Noise proportional to ``count ** power`` (word2vec's negative-sampling distribution).

    Parameters
    ----------
    counts : array-like of non-negative numbers, shape (num_classes,)
    power : float, default 0.75
        0 gives the uniform distribution, 1 the raw frequencies.
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

"""Word2VecConfig: every word2vec setting, validated in one place, with gensim's names and defaults.

Example
-------
>>> Word2VecConfig(vector_size=50, sg=1).window
5
>>> Word2VecConfig(window=0)
Traceback (most recent call last):
...
negsample.ParameterError: window must be an integer >= 1, got 0
>>> import numpy as np
>>> Word2VecConfig(vector_size=np.int64(10)).vector_size   # any integral number, stored as an int
10
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass
from numbers import Integral, Real

from .._checks import ParameterError, warn_outside

__all__ = ["CBOW_ALPHA", "MAX_SEED", "MAX_WORKERS_PER_CORE", "SKIPGRAM_ALPHA", "Word2VecConfig", "default_workers"]

SKIPGRAM_ALPHA = 0.025  # the default initial learning rates (alpha=None)
CBOW_ALPHA = 0.05


def default_workers() -> int:
    """All cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


MAX_WORKERS_PER_CORE = 4  # more threads than this only cost memory (each keeps private hot rows)
MAX_SEED = 2**32 - 1  # the kernels' random streams take 32 bits of the seed


def _int_at_least(name: str, value, low: int, high: int | None = None) -> int:
    """Any integral number (NumPy's included, bool not) >= ``low`` (and <= ``high``), as an int."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low or (high is not None
                                                                                    and value > high):
        bound = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ParameterError(f"{name} must be an integer {bound}, got {value!r}")
    return int(value)


def _finite(name: str, value) -> float:
    """Any finite real number (NumPy's included, bool not), as a float."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ParameterError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def _flag(name: str, value, meaning: str) -> int:
    if isinstance(value, Integral) and value in (0, 1):
        return int(value)
    raise ParameterError(f"{name} must be {meaning}, got {value!r}")


@dataclass(frozen=True)
class Word2VecConfig:
    """Settings of a word2vec run (gensim's parameter names and defaults).

    Any integral number (a NumPy integer too) is accepted for an integer setting and any real number
    for a float one; they are stored as plain ``int`` and ``float``. A bad setting raises
    :class:`~negsample.ParameterError` (a ``ValueError``) that names it.

    Parameters
    ----------
    vector_size : int, default 100
        Dimensionality of the word vectors.
    window : int, default 5
        Maximum distance between the center and a context word; each center draws its own window
        uniformly in ``[1, window]`` (unless ``shrink_windows`` is off).
    min_count : int, default 5
        Words rarer than this are dropped.
    sg : {0, 1}, default 0
        1 for skip-gram, 0 for CBOW.
    hs : {0, 1}, default 0
        1 to train with hierarchical softmax (can be combined with ``negative > 0``).
    negative : int, default 5
        Negatives per example; 0 disables negative sampling.
    ns_exponent : float, default 0.75
        Noise distribution ∝ count ** ns_exponent.
    sample : float, default 1e-3
        Subsampling threshold for frequent words; 0 disables.
    alpha : float or None, default None
        The initial learning rate. ``None`` picks the architecture's own: 0.025 for skip-gram and
        0.05 for CBOW, the word2vec C tool's and fastText's choice (gensim uses 0.025 for both, which
        leaves CBOW far from its best: on text8 its analogy accuracy nearly halves). An explicit value
        is always used as given; :attr:`initial_alpha` is the value in force.
    min_alpha : float, default 1e-4
        The learning rate decays linearly from the initial rate to ``min_alpha`` over all epochs.
    epochs : int, default 5
    workers : int or None, default None
        Training threads (Hogwild), at most 4 per core (more are capped, with a warning: they would
        only cost memory). None uses all cores. Reading a file corpus uses as many threads.
    seed : int, default 1
        In ``[0, 2**32 - 1]``. With ``workers=1``, two runs with the same seed give bit-identical vectors.
    max_vocab_size : int or None
        Bound on distinct words held while counting (prunes rare words, as the C tool does).
    max_final_vocab : int or None
        Keep at most this many words (raises the effective ``min_count``).
    max_sentence_length : int, default 10000
        Longer sentences are split into pieces of this many tokens.
    cbow_mean : bool, default True
        CBOW hidden layer is the mean (True) or the sum (False) of the context vectors.
    batch_negatives : bool or None, default None
        Share one draw of ``negative`` noise words across a minibatch and train it as small matrix
        products (pWord2Vec / HogBatch, Ji et al. 2016): for skip-gram the minibatch is a center's
        whole window (instead of a fresh draw per context word); for CBOW, which already draws once per
        window, it is 8 windows of a sentence, each a whole window from the next (windows side by side
        lost accuracy at CBOW's learning rate, 0.05), sharing a draw of ``2 * negative`` noise words at
        half weight each (one draw of ``negative`` converged to worse vectors than per-pair CBOW). Fewer
        draws and better vectorised loops, slightly different updates -- see
        :mod:`negsample._kernels.word2vec_batched`. Needs negative sampling
        without hierarchical softmax (``negative > 0``, ``hs=0``). ``False`` runs the classic per-pair
        algorithm of the C tool. ``None`` (the default) picks the batched kernel whenever it applies
        (negative sampling without hierarchical softmax), where the benchmarks (BENCHMARKS.md) show it
        faster than the classic one at the same quality. See :attr:`batched`.
    shrink_windows : bool, default True
        Each center draws its window's reach uniformly in ``[1, window]`` (the C tool's and gensim's
        default, which weights near words more); False always uses the whole ``window`` (gensim's
        ``shrink_windows=False``).
    """

    vector_size: int = 100
    window: int = 5
    min_count: int = 5
    sg: int = 0
    hs: int = 0
    negative: int = 5
    ns_exponent: float = 0.75
    sample: float = 1e-3
    alpha: float | None = None
    min_alpha: float = 1e-4
    epochs: int = 5
    workers: int | None = None
    seed: int = 1
    max_vocab_size: int | None = None
    max_final_vocab: int | None = None
    max_sentence_length: int = 10000
    cbow_mean: bool = True
    batch_negatives: bool | None = None
    shrink_windows: bool = True

    def __post_init__(self):
        # Frozen: the checked values (plain ints and floats, so that to_dict() is JSON) go in with
        # object.__setattr__.
        def store(name, value):
            object.__setattr__(self, name, value)

        for name, low in (("vector_size", 1), ("window", 1), ("min_count", 1), ("negative", 0), ("epochs", 1),
                          ("max_sentence_length", 1)):
            store(name, _int_at_least(name, getattr(self, name), low))
        for name in ("workers", "max_vocab_size", "max_final_vocab"):
            if getattr(self, name) is not None:
                store(name, _int_at_least(name, getattr(self, name), 1))
        store("sg", _flag("sg", self.sg, "0 (CBOW) or 1 (skip-gram)"))
        store("hs", _flag("hs", self.hs, "0 or 1"))
        store("seed", _int_at_least("seed", self.seed, 0, MAX_SEED))
        store("cbow_mean", bool(_flag("cbow_mean", self.cbow_mean, "True or False")))
        store("shrink_windows", bool(_flag("shrink_windows", self.shrink_windows, "True or False")))
        if not self.hs and self.negative == 0:
            raise ParameterError("no training objective: set hs=1 or negative > 0 (hs=0 with negative=0)")
        if self.alpha is not None:
            store("alpha", _finite("alpha", self.alpha))
            if self.alpha <= 0:
                raise ParameterError(f"alpha must be > 0, got {self.alpha!r}")
        store("min_alpha", _finite("min_alpha", self.min_alpha))
        if self.min_alpha < 0 or self.min_alpha > self.initial_alpha:
            raise ParameterError(f"min_alpha must be in [0, alpha={self.initial_alpha}], got {self.min_alpha!r}")
        store("sample", _finite("sample", self.sample))
        if self.sample < 0:
            raise ParameterError(f"sample must be >= 0 (0 disables subsampling), got {self.sample!r}")
        store("ns_exponent", _finite("ns_exponent", self.ns_exponent))
        if self.batch_negatives is not None:
            store("batch_negatives", bool(_flag("batch_negatives", self.batch_negatives,
                                                "True, False or None (automatic)")))
        if self.batch_negatives and self.hs:
            raise ParameterError("batch_negatives=True batches negative sampling only; it cannot be combined "
                                 "with hierarchical softmax (set hs=0, or batch_negatives=False)")
        if self.workers is not None and self.workers > self.max_threads:
            warn_outside(f"workers={self.workers} is more than {MAX_WORKERS_PER_CORE}x the {default_workers()} "
                         f"cores this process may use: training runs {self.max_threads} threads (more would "
                         "only cost memory: each keeps its own copy of the hottest rows)", UserWarning)

    @property
    def batched(self) -> bool:
        """Whether training uses the window-batched kernel (``batch_negatives`` resolved)."""
        if self.batch_negatives is None:
            # On text8 (BENCHMARKS.md) the batched kernels are faster than the classic ones (a whole
            # run with 2 workers: skip-gram 2.4x, CBOW 1.4x before its draw of 2 x negative, which
            # costs ~1.16x) with scores within the noise of the classic ones' and gensim's.
            return self.negative > 0 and not self.hs
        return bool(self.batch_negatives)

    @property
    def initial_alpha(self) -> float:
        """The learning rate training starts from: ``alpha``, or the architecture's default for ``None``."""
        if self.alpha is not None:
            return float(self.alpha)
        return SKIPGRAM_ALPHA if self.sg else CBOW_ALPHA

    @property
    def max_threads(self) -> int:
        """The most threads a run uses: ``MAX_WORKERS_PER_CORE`` per core this process may run on."""
        return MAX_WORKERS_PER_CORE * default_workers()

    @property
    def threads(self) -> int:
        """The threads a run uses: ``workers`` (at most :attr:`max_threads`), or every core."""
        return min(self.workers, self.max_threads) if self.workers is not None else default_workers()

    def to_dict(self) -> dict:
        return asdict(self)

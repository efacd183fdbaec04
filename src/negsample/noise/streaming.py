"""A streaming estimate of item frequencies, for the in-batch logQ correction of two-tower models."""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_integer, check_positive, is_tensor
from .._torch import require_torch
from .base import check_num_classes

__all__ = ["StreamingFrequency"]


class StreamingFrequency:
    """Online estimate of how often each item is sampled, from a stream of ids (Yi et al., 2019).

    The "sampling-bias-corrected" two-tower estimator: ids are hashed into ``num_buckets`` buckets;
    ``last_step`` (A) remembers the step a bucket was last seen and ``gap`` (B) tracks, by an
    exponential moving average with rate ``alpha``, the number of steps between sightings. The
    probability that an item shows up in a batch is then ``1 / gap``, and ``log_prob`` reports
    ``log(1 / gap)`` for the in-batch logQ correction.

    Parameters
    ----------
    num_buckets : int
        Size of the hash arrays; collisions merge items, so use a few times the number of items.
    alpha : float, default 0.01
        Learning rate of the moving average, in (0, 1].

    Notes
    -----
    Both arrays start at zero, as in the paper, so an item's gap is underestimated until it has
    been seen about ``1 / alpha`` times. A bucket is updated at most once per step (repeats of an id
    within one batch count once), so the gap is at least 1 and ``log_prob`` is clipped at 0: never
    seen ids report probability 1. The state lives in NumPy or in torch on the device of the last
    input and moves when the other kind of input arrives.

    Examples
    --------
    >>> import numpy as np
    >>> from negsample.noise import StreamingFrequency
    >>> freq = StreamingFrequency(1024, alpha=0.5)
    >>> for step in range(1, 9):
    ...     freq.update(np.array([7] if step % 2 == 0 else [7, 3]), step)
    >>> np.exp(freq.log_prob(np.array([7]))).round(2).tolist()
    [1.0]
    """

    # The golden-ratio multiplier as a signed int64 (Fibonacci hashing); its high 32 bits of the
    # product spread consecutive ids evenly over the buckets.
    _MULTIPLIER = 0x9E3779B97F4A7C15 - 2**64

    def __init__(self, num_buckets: int, *, alpha: float = 0.01):
        self.num_buckets = check_num_classes("StreamingFrequency", num_buckets, "num_buckets")
        check_positive("StreamingFrequency: alpha", alpha)
        if alpha > 1:
            raise ValueError(f"StreamingFrequency: alpha: expected a number in (0, 1], got {alpha!r}")
        self.alpha = float(alpha)
        self.last_step = np.zeros(self.num_buckets, dtype=np.float64)  # A in the paper
        self.gap = np.zeros(self.num_buckets, dtype=np.float64)  # B in the paper

    def _state_for(self, ids):
        """Move the state to the back end (and device) of ``ids``."""
        if is_tensor(ids):
            if not is_tensor(self.gap) or self.gap.device != ids.device:
                torch = require_torch()

                self.last_step = torch.as_tensor(self.last_step, dtype=torch.float64, device=ids.device)
                self.gap = torch.as_tensor(self.gap, dtype=torch.float64, device=ids.device)
        elif is_tensor(self.gap):
            self.last_step = self.last_step.cpu().numpy()
            self.gap = self.gap.cpu().numpy()

    def bucket(self, ids):
        """Bucket of each id (int64 array or LongTensor, same shape as ``ids``)."""
        if not is_tensor(ids):
            ids = np.asarray(ids)
        check_integer("ids", ids)
        if is_tensor(ids):
            product = ids.long() * self._MULTIPLIER  # wraps modulo 2**64, as intended
        else:
            with np.errstate(over="ignore"):
                product = ids.astype(np.int64) * np.int64(self._MULTIPLIER)
        return ((product >> 32) & 0xFFFFFFFF) % self.num_buckets

    def update(self, ids, step) -> None:
        """Record that ``ids`` (any shape) were seen at training step ``step`` (non-decreasing)."""
        numeric = isinstance(step, (int, float, np.integer, np.floating))
        if not (numeric and math.isfinite(step) and step >= 0):
            raise ValueError(f"StreamingFrequency.update: step: expected a finite number >= 0, got {step!r}")
        self._state_for(ids)
        buckets = self.bucket(ids).reshape(-1)
        if is_tensor(buckets):
            buckets = require_torch().unique(buckets)
        else:
            buckets = np.unique(buckets)
        last = self.last_step[buckets]
        self.gap[buckets] = (1.0 - self.alpha) * self.gap[buckets] + self.alpha * (step - last)
        self.last_step[buckets] = float(step)

    def log_prob(self, ids, *, dtype=None):
        """``log(1 / gap)`` per id, clipped at 0; same shape (and back end / device) as ``ids``.

        Tensor results have ``dtype`` (default ``torch.get_default_dtype()``), arrays are float64.
        """
        self._state_for(ids)
        gap = self.gap[self.bucket(ids)]
        if is_tensor(gap):
            torch = require_torch()
            return (-torch.log(gap.clamp(min=1.0))).to(torch.get_default_dtype() if dtype is None else dtype)
        return -np.log(np.maximum(gap, 1.0))

    def __repr__(self) -> str:
        return f"StreamingFrequency(num_buckets={self.num_buckets}, alpha={self.alpha})"

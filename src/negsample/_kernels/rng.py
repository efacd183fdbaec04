"""Per-thread reproducible random numbers for the kernels.

Each job owns a one-element ``uint64`` state array seeded from (seed, epoch, job), so results do not
depend on which thread ran the job. The generator is splitmix64: tiny state, good low bits (the C
tool's LCG has weak low bits, which matter when we take ``r % window``).
"""

import numpy as np
from numba import njit

__all__ = ["next_u64", "next_below", "next_unit", "job_seed"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S32 = np.uint64(32)
_LOW32 = np.uint64(0xFFFFFFFF)


@njit(cache=True, nogil=True, inline="always")
def next_u64(state):
    """Advance ``state`` (uint64[1]) and return 64 random bits."""
    state[0] += _GOLDEN
    z = state[0]
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@njit(cache=True, nogil=True, inline="always")
def next_below(state, n):
    """Uniform integer in ``[0, n)`` for ``n < 2**32`` (Lemire's multiply-shift, no division)."""
    r = next_u64(state) >> _S32
    return np.int64((r * np.uint64(n)) >> _S32)


@njit(cache=True, nogil=True, inline="always")
def next_unit(state):
    """Uniform float64 in ``[0, 1)`` with 53 random bits."""
    return np.float64(next_u64(state) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


def job_seed(seed: int, epoch: int, job: int) -> np.ndarray:
    """The starting state for one job: a pure function of (seed, epoch, job)."""
    mixed = np.random.SeedSequence([seed & 0xFFFFFFFF, epoch, job]).generate_state(2, dtype=np.uint64)
    return np.array([mixed[0] ^ mixed[1]], dtype=np.uint64)

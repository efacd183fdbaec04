"""Train / validation / test splits of interactions, all seeded: leave-last-out by timestamp, a per-user
random ratio, and a global temporal cut. Every split keeps the full id maps, so ids agree across them.

Example
-------
>>> from negsample.recsys import Interactions
>>> from negsample.recsys.splits import leave_last_out
>>> data = Interactions.from_arrays(users=[1, 1, 1, 2, 2, 2], items=[5, 6, 7, 5, 6, 8],
...                                 timestamps=[1, 3, 2, 9, 8, 7])
>>> split = leave_last_out(data)
>>> [data.item_map.to_external(part.items).tolist() for part in split]   # train, valid, test
[[5, 8], [7, 6], [6, 5]]
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .data import Interactions
from .errors import EmptySplitError, RecsysDataError

__all__ = ["SPLITS", "Split", "leave_last_out", "make_split", "random_split", "temporal_split"]


class Split(NamedTuple):
    """Three parts of one interactions set; ``valid`` is None when no validation part was asked for."""

    train: Interactions
    valid: Interactions | None
    test: Interactions


def _rank_within_user(data: Interactions, keys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Each interaction's 0-based position within its user, ordered by ``keys`` (last key first in
    priority, as np.lexsort), and each interaction's user size."""
    order = np.lexsort((*keys, data.users))
    counts = data.user_counts()
    starts = np.cumsum(counts) - counts
    rank = np.empty(len(data), dtype=np.int64)
    rank[order] = np.arange(len(data)) - starts[data.users[order]]
    return rank, counts[data.users]


def _parts(data: Interactions, part: np.ndarray, with_valid: bool, how: str) -> Split:
    """``part``: 0 train, 1 valid, 2 test per interaction."""
    names = ("train", "validation", "test")
    for code in (0, 1, 2) if with_valid else (0, 2):
        if not (part == code).any():
            raise EmptySplitError(f"{data.source}: the {how} split left the {names[code]} part empty "
                                  f"({len(data):,} interactions of {data.num_users:,} users)")
    valid = data.select(part == 1) if with_valid else None
    return Split(data.select(part == 0), valid, data.select(part == 2))


def _tie_breaker(data: Interactions, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random(len(data))


def leave_last_out(data: Interactions, *, valid: bool = True, seed: int = 0) -> Split:
    """Each user's latest interaction is the test item and (with ``valid``) the one before it the
    validation item; equal timestamps are ordered at random (seeded). A user needs 2 interactions for
    a test item and 3 for a validation one; users with fewer stay in training only.
    """
    if data.timestamps is None:
        raise RecsysDataError(f"{data.source}: leave-last-out needs timestamps (give the timestamp column)")
    rank, size = _rank_within_user(data, [_tie_breaker(data, seed), data.timestamps])
    from_end = size - 1 - rank
    part = np.zeros(len(data), dtype=np.int64)
    part[(from_end == 0) & (size >= 2)] = 2
    if valid:
        part[(from_end == 1) & (size >= 3)] = 1
    return _parts(data, part, valid, "leave-last-out")


def random_split(data: Interactions, *, test: float = 0.1, valid: float = 0.1, seed: int = 0) -> Split:
    """Per user, a random ``test`` share of the interactions is the test part and a ``valid`` share the
    validation part (rounded per user; every user keeps at least one training interaction)."""
    for name, share in (("test", test), ("valid", valid)):
        if not 0 <= share < 1:
            raise ValueError(f"{name}: expected a share in [0, 1), got {share!r}")
    if not 0 < test + valid < 1:
        raise ValueError(f"test + valid: expected a share in (0, 1), got {test + valid!r}")
    rank, size = _rank_within_user(data, [_tie_breaker(data, seed)])
    n_test = np.round(size * test).astype(np.int64)
    n_valid = np.round(size * valid).astype(np.int64)
    n_test = np.minimum(n_test, size - 1)
    n_valid = np.minimum(n_valid, size - 1 - n_test)
    from_end = size - 1 - rank
    part = np.where(from_end < n_test, 2, np.where(from_end < n_test + n_valid, 1, 0))
    return _parts(data, part, valid > 0, "random")


def temporal_split(data: Interactions, *, test: float = 0.1, valid: float = 0.1, seed: int = 0) -> Split:
    """One cut in time for everyone: the latest ``test`` share of all interactions is the test part,
    the ``valid`` share before it the validation part (equal timestamps ordered at random, seeded)."""
    if data.timestamps is None:
        raise RecsysDataError(f"{data.source}: a temporal split needs timestamps (give the timestamp column)")
    if not (0 < test < 1 and 0 <= valid < 1 and test + valid < 1):
        raise ValueError(f"test, valid: expected shares with 0 < test, 0 <= valid, test + valid < 1; got "
                         f"{test!r}, {valid!r}")
    order = np.lexsort((_tie_breaker(data, seed), data.timestamps))
    position = np.empty(len(data), dtype=np.int64)
    position[order] = np.arange(len(data))
    n_test, n_valid = round(len(data) * test), round(len(data) * valid)
    from_end = len(data) - 1 - position
    part = np.where(from_end < n_test, 2, np.where(from_end < n_test + n_valid, 1, 0))
    return _parts(data, part, valid > 0, "temporal")


SPLITS = {"leave-last-out": leave_last_out, "random": random_split, "temporal": temporal_split}


def make_split(data: Interactions, method: str, *, valid: bool = True, seed: int = 0, test_share: float = 0.1,
               valid_share: float = 0.1) -> Split:
    """One of :data:`SPLITS` by name (the CLI's ``--split``); shares apply to ``random`` and ``temporal``."""
    if method not in SPLITS:
        raise ValueError(f"split: expected one of {sorted(SPLITS)}, got {method!r}")
    if method == "leave-last-out":
        return leave_last_out(data, valid=valid, seed=seed)
    return SPLITS[method](data, test=test_share, valid=valid_share if valid else 0.0, seed=seed)

"""Planted user-item structure on a Zipf catalogue, shared by the recsys tests (not a test module)."""

from __future__ import annotations

import numpy as np
import pytest

from negsample.recsys import Interactions


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """One torch thread while a module that imports this fixture runs. On a loaded 2-core machine
    torch's default of one thread per core spins against the other jobs and makes these tiny batches
    ~20x slower (test_recsys_model.py took 223 s instead of ~12 s); results are the same up to float
    summation order. (A fixture here, not a tests/recsys/conftest.py: that module name would shadow
    tests/conftest.py for the ``from conftest import SHARED_DATA`` of other test directories.)"""
    try:
        import torch
    except ImportError:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def item_groups(num_items: int, groups: int, seed: int) -> np.ndarray:
    """The taste group of every item in :func:`planted` with the same arguments."""
    return np.random.default_rng(seed).permutation(np.arange(num_items) % groups)


def planted(*, num_users=300, num_items=200, groups=5, per_user=8, zipf=1.5, seed=0) -> Interactions:
    """Users and items fall into ``groups`` taste groups; a user picks items of their own group only,
    each with probability proportional to its global Zipf popularity (so in-batch negatives are
    dominated by the popular items of every group). Timestamps are random, so the held-out pick is
    any of a user's picks (not the least popular one, as the last of draws without replacement is)."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, num_items + 1) ** zipf
    item_group = item_groups(num_items, groups, seed)
    rng.permutation(num_items)  # the draw item_groups made, so the stream continues as before
    user_group = np.arange(num_users) % groups
    users, items = [], []
    for u in range(num_users):
        mine = np.flatnonzero(item_group == user_group[u])
        p = popularity[mine] / popularity[mine].sum()
        picks = rng.choice(mine, size=min(per_user, mine.size), replace=False, p=p)
        users.extend([u] * picks.size)
        items.extend(picks.tolist())
    users, items = np.array(users), np.array(items)
    return Interactions.from_arrays(users, items, timestamps=rng.permutation(users.size).astype(float),
                                    source="planted")

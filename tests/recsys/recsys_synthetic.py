"""Planted user-item structure on a Zipf catalogue, shared by the recsys tests (not a test module)."""

from __future__ import annotations

import numpy as np

from negsample.recsys import Interactions


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

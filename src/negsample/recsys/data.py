"""Interactions: who interacted with what (and when, how much), with id maps both ways and optional
user and item feature tables.

Example
-------
>>> from negsample.recsys import Interactions
>>> data = Interactions.from_arrays(users=["ann", "bob", "ann", "cy"], items=[7, 7, 9, 9],
...                                 ratings=[5, 2, 4, 5], min_rating=4)
>>> len(data), data.num_users, data.num_items          # bob's 2-star rating is not a positive
(3, 2, 2)
>>> data.user_map.to_external(data.users).tolist(), data.item_counts().tolist()
(['ann', 'ann', 'cy'], [1, 2])
"""

from __future__ import annotations

import numpy as np

from .errors import RecsysDataError
from .features import FeatureTable
from .idmap import IdMap
from .tables import read_columns

__all__ = ["Interactions"]

_OPTIONAL = ("ratings", "timestamps", "weights")


class Interactions:
    """A set of (user, item) interactions on internal ids, sharing id maps with its splits.

    Attributes
    ----------
    users, items : ndarray of int64, shape (n,)
        Internal ids: ``user_map.to_external(users)`` gives the file's ids back.
    ratings, timestamps, weights : ndarray of float64, shape (n,), or None
    user_map, item_map : IdMap
        Every user and item known (a split keeps the full maps, so ids agree across splits).
    user_features, item_features : FeatureTable or None
        One row per internal user / item id.
    source : str
        Where the data came from (named in error messages).

    Build with :meth:`from_file`, :meth:`from_arrays` or :func:`negsample.recsys.movielens.load_movielens`.
    """

    def __init__(self, users, items, *, user_map: IdMap, item_map: IdMap, ratings=None, timestamps=None,
                 weights=None, user_features: FeatureTable | None = None,
                 item_features: FeatureTable | None = None, source: str = "interactions"):
        self.users = np.asarray(users, dtype=np.int64)
        self.items = np.asarray(items, dtype=np.int64)
        n = self.users.shape[0]
        if self.users.ndim != 1 or self.items.shape != (n,):
            raise ValueError(f"{source}: users and items must be 1-d arrays of one length, got shapes "
                             f"{self.users.shape} and {self.items.shape}")
        for name, values in (("users", self.users), ("items", self.items)):
            limit = len(user_map if name == "users" else item_map)
            if n and (values.min() < 0 or values.max() >= limit):
                raise ValueError(f"{source}: internal {name} must lie in [0, {limit})")
        self.ratings = None if ratings is None else np.asarray(ratings, dtype=np.float64)
        self.timestamps = None if timestamps is None else np.asarray(timestamps, dtype=np.float64)
        self.weights = None if weights is None else np.asarray(weights, dtype=np.float64)
        for name in _OPTIONAL:
            values = getattr(self, name)
            if values is not None and values.shape != (n,):
                raise ValueError(f"{source}: {name} must have shape ({n},), got {values.shape}")
        self.user_map, self.item_map = user_map, item_map
        for what, table, id_map in (("user", user_features, user_map), ("item", item_features, item_map)):
            if table is not None and table.num_rows != len(id_map):
                raise ValueError(f"{source}: {what} features have {table.num_rows} rows for {len(id_map)} {what}s")
        self.user_features, self.item_features = user_features, item_features
        self.source = source

    # ------------------------------------------------------------------ building
    @classmethod
    def from_arrays(cls, users, items, *, ratings=None, timestamps=None, weights=None, min_rating=None,
                    deduplicate: bool = True, source: str = "interactions") -> Interactions:
        """Interactions from external ids (ints or strings), with id maps built from them.

        Parameters
        ----------
        users, items : array-like, shape (n,)
        ratings, timestamps, weights : array-like of numbers, shape (n,), optional
        min_rating : float, optional
            Implicit feedback: keep only interactions rated at least this (needs ``ratings``).
        deduplicate : bool, default True
            Keep one interaction per (user, item) pair: the latest (by timestamp, else the last line).
        """
        users, items = np.asarray(users), np.asarray(items)
        if users.shape != items.shape or users.ndim != 1:
            raise ValueError(f"{source}: users and items must be 1-d and of one length, got {users.shape} "
                             f"and {items.shape}")
        extra = {name: None if v is None else np.asarray(v, dtype=np.float64)
                 for name, v in (("ratings", ratings), ("timestamps", timestamps), ("weights", weights))}
        for name, values in extra.items():
            if values is not None and values.shape != users.shape:
                raise ValueError(f"{source}: {name} must have shape {users.shape}, got {values.shape}")
            if values is not None and not np.all(np.isfinite(values)):
                raise RecsysDataError(f"{source}: {name} has a missing or non-finite value at row "
                                      f"{int(np.flatnonzero(~np.isfinite(values))[0]) + 1}")
        if extra["weights"] is not None and extra["weights"].min(initial=0) < 0:
            raise RecsysDataError(f"{source}: weights must be >= 0")
        keep = np.ones(users.shape[0], dtype=bool)
        if min_rating is not None:
            if extra["ratings"] is None:
                raise ValueError(f"{source}: min_rating needs a rating column")
            keep &= extra["ratings"] >= min_rating
        user_map, user_codes = IdMap.encode(users[keep], what="user")
        item_map, item_codes = IdMap.encode(items[keep], what="item")
        kept = {name: None if v is None else v[keep] for name, v in extra.items()}
        data = cls(user_codes, item_codes, user_map=user_map, item_map=item_map, source=source, **kept)
        if len(data) == 0:
            raise RecsysDataError(f"{source}: no interactions" + (f" rated >= {min_rating}" if min_rating else ""))
        return data.deduplicated() if deduplicate else data

    @classmethod
    def from_file(cls, path, *, user, item, rating=None, timestamp=None, weight=None, sep: str | None = None,
                  header: bool | None = None, min_rating=None, deduplicate: bool = True) -> Interactions:
        """Read interactions from a CSV / TSV (any separator, ``.gz`` too) or Parquet file.

        Parameters
        ----------
        path : str or os.PathLike
        user, item : str or int
            Column names (the first line is a header), or 0-based positions (no header).
        rating, timestamp, weight : str or int, optional
            Numeric columns; ``timestamp`` orders the leave-last-out and temporal splits,
            ``weight`` scales each interaction's loss.
        sep : str, optional
            Separator; guessed from the extension or the first line (``::`` works).
        header : bool, optional
            Override the header rule above.
        min_rating : float, optional
            Keep only interactions rated at least this (implicit feedback from ratings).

        Raises
        ------
        RecsysDataError
            Naming the file, and the line and column where there is one.
        """
        numeric = ("rating", "timestamp", "weight")
        columns = {"user": user, "item": item, "rating": rating, "timestamp": timestamp, "weight": weight}
        data = read_columns(path, columns, sep=sep, header=header, numeric=numeric)
        return cls.from_arrays(data["user"], data["item"], ratings=data.get("rating"),
                               timestamps=data.get("timestamp"), weights=data.get("weight"),
                               min_rating=min_rating, deduplicate=deduplicate, source=str(path))

    def with_features(self, *, user_features: FeatureTable | None = None,
                      item_features: FeatureTable | None = None) -> Interactions:
        """The same interactions with feature tables (rows aligned to ``user_map`` / ``item_map``)."""
        return self._replace(user_features=user_features if user_features is not None else self.user_features,
                             item_features=item_features if item_features is not None else self.item_features)

    # ------------------------------------------------------------------ views
    def __len__(self) -> int:
        return int(self.users.shape[0])

    @property
    def num_users(self) -> int:
        return len(self.user_map)

    @property
    def num_items(self) -> int:
        return len(self.item_map)

    def item_counts(self) -> np.ndarray:
        """Interactions per internal item id, int64 shape (num_items,)."""
        return np.bincount(self.items, minlength=self.num_items)

    def user_counts(self) -> np.ndarray:
        """Interactions per internal user id, int64 shape (num_users,)."""
        return np.bincount(self.users, minlength=self.num_users)

    def _replace(self, **changes) -> Interactions:
        fields = {"user_map": self.user_map, "item_map": self.item_map, "ratings": self.ratings,
                  "timestamps": self.timestamps, "weights": self.weights, "user_features": self.user_features,
                  "item_features": self.item_features, "source": self.source}
        fields.update({k: v for k, v in changes.items() if k not in ("users", "items")})
        return Interactions(changes.get("users", self.users), changes.get("items", self.items), **fields)

    def select(self, rows) -> Interactions:
        """The interactions at ``rows`` (a boolean mask or indices), with the same id maps."""
        rows = np.asarray(rows)
        picked = {name: None if getattr(self, name) is None else getattr(self, name)[rows] for name in _OPTIONAL}
        return self._replace(users=self.users[rows], items=self.items[rows], **picked)

    def concat(self, other: Interactions) -> Interactions:
        """These interactions followed by ``other``'s (same id maps), e.g. train + validation."""
        if other.user_map != self.user_map or other.item_map != self.item_map:
            raise ValueError(f"{other.source}: expected the id maps of {self.source}")
        picked = {name: None if getattr(self, name) is None or getattr(other, name) is None
                  else np.concatenate([getattr(self, name), getattr(other, name)]) for name in _OPTIONAL}
        return self._replace(users=np.concatenate([self.users, other.users]),
                             items=np.concatenate([self.items, other.items]), **picked)

    def deduplicated(self) -> Interactions:
        """One interaction per (user, item): the latest by timestamp (else the last one listed)."""
        time = self.timestamps if self.timestamps is not None else np.zeros(len(self))
        order = np.lexsort((np.arange(len(self)), time, self.items, self.users))
        pair = self.users[order] * self.num_items + self.items[order]
        last = np.r_[pair[1:] != pair[:-1], True] if len(self) else np.zeros(0, bool)
        return self.select(np.sort(order[last]))

    def k_core(self, min_user: int = 5, min_item: int = 5) -> Interactions:
        """Drop users with fewer than ``min_user`` and items with fewer than ``min_item`` interactions,
        repeatedly, until none is left; the id maps (and feature rows) shrink to what remains."""
        keep = np.ones(len(self), dtype=bool)
        while True:
            users, items = self.users[keep], self.items[keep]
            bad_users = np.bincount(users, minlength=self.num_users) < min_user
            bad_items = np.bincount(items, minlength=self.num_items) < min_item
            drop = bad_users[self.users] | bad_items[self.items]
            if not (keep & drop).any():
                break
            keep &= ~drop
        if not keep.any():
            raise RecsysDataError(f"{self.source}: nothing is left after the {min_user}/{min_item}-core filter")
        kept = self.select(keep)
        user_rows = np.unique(kept.users)
        item_rows = np.unique(kept.items)
        return Interactions(
            np.searchsorted(user_rows, kept.users), np.searchsorted(item_rows, kept.items),
            user_map=self.user_map.take(user_rows), item_map=self.item_map.take(item_rows),
            ratings=kept.ratings, timestamps=kept.timestamps, weights=kept.weights,
            user_features=None if self.user_features is None else self.user_features.take(user_rows),
            item_features=None if self.item_features is None else self.item_features.take(item_rows),
            source=self.source,
        )

    def map_external(self, users, items, *, source: str = "interactions") -> Interactions:
        """Interactions given by external ids, mapped with *these* id maps (e.g. a test file for a model).

        Raises :class:`~negsample.recsys.errors.UnknownIdError` naming the first unknown id.
        """
        try:
            user_codes = self.user_map.to_internal(users)
            item_codes = self.item_map.to_internal(items)
        except RecsysDataError as exc:
            raise type(exc)(f"{source}: {exc}") from None
        return self._replace(users=user_codes, items=item_codes, ratings=None, timestamps=None, weights=None,
                             source=source)

    def seen_by_user(self) -> tuple[np.ndarray, np.ndarray]:
        """Each user's items in compressed rows: items of user ``u`` are ``items[offsets[u]:offsets[u+1]]``."""
        order = np.lexsort((self.items, self.users))
        offsets = np.zeros(self.num_users + 1, dtype=np.int64)
        np.cumsum(self.user_counts(), out=offsets[1:])
        return offsets, self.items[order]

    def __repr__(self) -> str:
        extra = [name for name in _OPTIONAL if getattr(self, name) is not None]
        extra += [f"{w} features" for w in ("user", "item") if getattr(self, f"{w}_features") is not None]
        shown = f"; {', '.join(extra)}" if extra else ""
        return f"Interactions({len(self):,} of {self.num_users:,} users x {self.num_items:,} items{shown})"

"""User and item feature tables: categorical fields (one value per row) and multi-valued ones (a bag of
values per row, e.g. a movie's genres), aligned to the internal ids of an :class:`~.idmap.IdMap`.

Example
-------
>>> import numpy as np
>>> from negsample.recsys.features import FeatureTable
>>> from negsample.recsys.idmap import IdMap
>>> items = IdMap(np.array([10, 20, 30]), what="item")
>>> table = FeatureTable.from_columns([20, 10], items, categorical={"year": ["1995", "1977"]},
...                                   multi={"genres": ["Comedy|Drama", "Sci-Fi"]})
>>> table.padded("genres").tolist()     # item 30 has no row: an empty bag; -1 pads
[[2, -1], [0, 1], [-1, -1]]
>>> table.fields["genres"].vocab.values.tolist()
['Comedy', 'Drama', 'Sci-Fi']
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .errors import RecsysDataError
from .idmap import IdMap
from .tables import read_columns

__all__ = ["FeatureField", "FeatureTable", "history_features"]


class FeatureField(NamedTuple):
    """One field: row ``r`` holds the value codes ``codes[offsets[r]:offsets[r + 1]]`` of ``vocab``."""

    vocab: IdMap
    offsets: np.ndarray  # int64, shape (num_rows + 1,)
    codes: np.ndarray  # int64, shape (nnz,)
    multi: bool


def _bags(values, sep: str) -> list[list[str]]:
    bags = []
    for value in values:
        if isinstance(value, (list, tuple, np.ndarray)):
            bags.append([str(v) for v in value])
        else:
            text = "" if value is None else str(value)
            bags.append([v.strip() for v in text.split(sep) if v.strip()] if text else [])
    return bags


class FeatureTable:
    """Features of ``num_rows`` entities (users or items), one row per internal id.

    Parameters
    ----------
    fields : dict of name -> FeatureField
    num_rows : int

    Build one with :meth:`from_columns` or :meth:`from_file`; :func:`history_features` makes a user's
    training items a multi-valued field.
    """

    def __init__(self, fields: dict[str, FeatureField], num_rows: int):
        for name, field in fields.items():
            if field.offsets.shape != (num_rows + 1,):
                raise ValueError(f"feature {name!r}: expected offsets of shape ({num_rows + 1},), "
                                 f"got {field.offsets.shape}")
        self.fields = dict(fields)
        self.num_rows = int(num_rows)

    @classmethod
    def from_columns(cls, keys, entity_map: IdMap, *, categorical: dict | None = None, multi: dict | None = None,
                     sep: str = "|", source: str = "features") -> FeatureTable:
        """Features given per external key; keys the map does not know are dropped, ids without a key
        get empty bags.

        Parameters
        ----------
        keys : array-like, shape (n,)
            External ids (as in ``entity_map``), one per row, distinct.
        entity_map : IdMap
        categorical : dict of name -> array-like, shape (n,)
            One value per row (empty strings mean "unknown").
        multi : dict of name -> array-like, shape (n,)
            Per row a list of values, or a string of values joined by ``sep``.
        """
        rows = entity_map.to_internal(np.asarray(keys), missing=-1)
        known = rows >= 0
        if np.unique(rows[known]).size != int(known.sum()):
            duplicate = np.asarray(keys)[known][np.argmax(np.bincount(rows[known]))]
            raise RecsysDataError(f"{source}: {entity_map.what} {duplicate!r} has more than one feature row")
        fields = {}
        for name, values in (categorical or {}).items():
            fields[name] = cls._field(name, _bags([str(v) for v in values], "\0"), rows, known, entity_map,
                                      multi=False, source=source)
        for name, values in (multi or {}).items():
            fields[name] = cls._field(name, _bags(values, sep), rows, known, entity_map, multi=True, source=source)
        return cls(fields, len(entity_map))

    @staticmethod
    def _field(name, bags, rows, known, entity_map, *, multi, source) -> FeatureField:
        if len(bags) != rows.shape[0]:
            raise RecsysDataError(f"{source}: feature {name!r} has {len(bags)} values for {rows.shape[0]} keys")
        sizes = np.zeros(len(entity_map), dtype=np.int64)
        kept = [(row, bag) for row, bag, ok in zip(rows, bags, known) if ok]
        flat = [value for _, bag in kept for value in bag]
        vocab, codes = IdMap.encode(np.array(flat, dtype=str), what=f"{name} value")
        for row, bag in kept:
            sizes[row] = len(bag)
        order_rows = np.repeat(np.array([row for row, _ in kept], dtype=np.int64),
                               [len(bag) for _, bag in kept]) if kept else np.zeros(0, np.int64)
        order = np.argsort(order_rows, kind="stable")
        offsets = np.zeros(len(entity_map) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        return FeatureField(vocab, offsets, codes[order].astype(np.int64), multi)

    @classmethod
    def from_file(cls, path, entity_map: IdMap, *, key, categorical=(), multi=(), multi_sep: str = "|",
                  sep: str | None = None, header: bool | None = None) -> FeatureTable:
        """Read a feature table: one row per entity, a ``key`` column of external ids.

        ``categorical`` and ``multi`` name (or give positions of) the columns to use; a multi-valued
        column holds values joined by ``multi_sep`` (MovieLens genres: ``Comedy|Drama``).
        """
        columns = {"key": key, **{f"c:{c}": c for c in categorical}, **{f"m:{c}": c for c in multi}}
        data = read_columns(path, columns, sep=sep, header=header)
        return cls.from_columns(
            data["key"], entity_map, source=str(path), sep=multi_sep,
            categorical={str(c): data[f"c:{c}"] for c in categorical},
            multi={str(c): data[f"m:{c}"] for c in multi},
        )

    # ------------------------------------------------------------------ use
    @property
    def names(self) -> list[str]:
        return list(self.fields)

    def num_values(self, name: str) -> int:
        return len(self.fields[name].vocab)

    def padded(self, name: str, *, max_len: int | None = None) -> np.ndarray:
        """Field ``name`` as int64 codes, shape (num_rows, longest bag), padded with -1.

        ``max_len`` keeps only each bag's first ``max_len`` values.
        """
        field = self.fields[name]
        sizes = np.diff(field.offsets)
        width = int(sizes.max()) if sizes.size else 0
        if max_len is not None:
            width = min(width, int(max_len))
        out = np.full((self.num_rows, max(width, 1)), -1, dtype=np.int64)
        rows = np.repeat(np.arange(self.num_rows), sizes)
        within = np.arange(rows.shape[0]) - np.repeat(field.offsets[:-1], sizes)
        keep = within < out.shape[1]
        out[rows[keep], within[keep]] = field.codes[keep]
        return out

    def take(self, rows) -> FeatureTable:
        """The table restricted to internal ids ``rows`` (in that order): rows are renumbered 0..len-1."""
        rows = np.asarray(rows, dtype=np.int64)
        fields = {}
        for name, field in self.fields.items():
            sizes = np.diff(field.offsets)[rows]
            offsets = np.zeros(rows.shape[0] + 1, dtype=np.int64)
            np.cumsum(sizes, out=offsets[1:])
            starts = np.repeat(field.offsets[rows], sizes)
            within = np.arange(offsets[-1]) - np.repeat(offsets[:-1], sizes)
            fields[name] = FeatureField(field.vocab, offsets, field.codes[starts + within], field.multi)
        return FeatureTable(fields, rows.shape[0])

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}{'[]' if f.multi else ''}:{len(f.vocab)}" for n, f in self.fields.items())
        return f"FeatureTable({self.num_rows} rows; {shown})"


def history_features(users, items, num_users: int, item_map: IdMap, *, name: str = "history") -> FeatureTable:
    """Each user's (training) items as one multi-valued field whose vocabulary is the item map.

    users, items : int, shape (n,) -- internal ids of the interactions to use (the training split only,
    so that no held-out item leaks into a user's features).
    """
    users = np.asarray(users, dtype=np.int64)
    items = np.asarray(items, dtype=np.int64)
    pairs = np.unique(users * len(item_map) + items)
    rows, codes = pairs // len(item_map), pairs % len(item_map)
    offsets = np.zeros(num_users + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=num_users), out=offsets[1:])
    return FeatureTable({name: FeatureField(item_map, offsets, codes, True)}, num_users)

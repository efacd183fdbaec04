"""External ids (whatever the file holds) to internal ids ``0 .. n-1`` and back.

Example
-------
>>> import numpy as np
>>> from negsample.recsys.idmap import IdMap
>>> ids, codes = IdMap.encode(np.array(["u9", "u2", "u9"]), what="user")
>>> codes.tolist(), ids.to_external([1]).tolist(), ids.to_internal(["u2"]).tolist()
([1, 0, 1], ['u9'], [0])
"""

from __future__ import annotations

import numpy as np

from .errors import UnknownIdError

__all__ = ["IdMap"]


def _as_id_array(values) -> np.ndarray:
    """Ids as int64 when every one is an integer (or a string of one), else as strings."""
    array = np.asarray(values)
    if array.dtype.kind in "iu":
        return array.astype(np.int64)
    if array.dtype.kind == "b":
        raise TypeError("ids must be integers or strings, got booleans")
    if array.dtype.kind == "f":
        if array.size and not np.all(np.isfinite(array) & (array == np.round(array))):
            raise ValueError("ids given as floats must be whole numbers")
        return array.astype(np.int64)
    strings = array.astype(str)
    try:
        as_int = strings.astype(np.int64)
    except (ValueError, OverflowError):
        return strings
    # Keep strings when the integer form would not round-trip ("007" is not 7).
    return as_int if np.array_equal(as_int.astype(str), strings) else strings


class IdMap:
    """A sorted array of distinct external ids; an id's position is its internal id.

    Parameters
    ----------
    values : array-like of int or str, shape (n,)
        Distinct and sorted ascending (:meth:`encode` builds one from raw ids).
    what : str, default "id"
        What the ids are ("user", "item", ...), for error messages.
    """

    def __init__(self, values, *, what: str = "id"):
        values = _as_id_array(values)
        if values.ndim != 1:
            raise ValueError(f"{what} ids: expected a 1-d array, got shape {values.shape}")
        if values.size > 1 and not np.all(values[1:] > values[:-1]):
            raise ValueError(f"{what} ids: expected distinct ids sorted ascending")
        self.values = values
        self.what = what

    @classmethod
    def encode(cls, raw, *, what: str = "id") -> tuple[IdMap, np.ndarray]:
        """The map of the distinct ids in ``raw`` and each raw id's internal id (int64, shape of raw)."""
        raw = _as_id_array(raw)
        values, codes = np.unique(raw, return_inverse=True)
        return cls(values, what=what), codes.reshape(raw.shape).astype(np.int64)

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def __eq__(self, other) -> bool:
        return isinstance(other, IdMap) and self.values.dtype.kind == other.values.dtype.kind and \
            np.array_equal(self.values, other.values)

    __hash__ = None

    def _coerce(self, ids: np.ndarray) -> np.ndarray:
        if self.values.dtype.kind == "i":
            if ids.dtype.kind in "iu":
                return ids.astype(np.int64)
            try:
                return ids.astype(str).astype(np.int64)
            except (ValueError, OverflowError):
                bad = next(x for x in ids.reshape(-1).astype(str) if not x.lstrip("-").isdigit())
                raise UnknownIdError(f"unknown {self.what} id {bad!r} (the {self.what} ids are integers)") from None
        return ids.astype(str)

    def to_internal(self, ids, *, missing: int | None = None) -> np.ndarray:
        """Internal ids of external ``ids`` (any shape; ``"196"`` finds integer id 196).

        An unknown id raises :class:`~negsample.recsys.errors.UnknownIdError` naming it, unless
        ``missing`` is given: then unknown ids map to ``missing`` (e.g. -1).
        """
        ids = np.asarray(ids)
        if ids.size == 0:
            return np.zeros(ids.shape, dtype=np.int64)
        wanted = self._coerce(ids)
        if len(self) == 0:
            position = np.zeros(wanted.shape, dtype=np.int64)
            found = np.zeros(wanted.shape, dtype=bool)
        else:
            position = np.searchsorted(self.values, wanted).clip(max=len(self) - 1)
            found = self.values[position] == wanted
        if not found.all():
            if missing is None:
                bad = wanted[~found].reshape(-1)[0]
                raise UnknownIdError(f"unknown {self.what} id {bad.item()!r}: not in the {len(self):,} "
                                     f"{self.what} ids the model knows")
            position = np.where(found, position, missing)
        return position.astype(np.int64)

    def to_external(self, codes) -> np.ndarray:
        """External ids of internal ``codes`` (any shape)."""
        codes = np.asarray(codes, dtype=np.int64)
        if codes.size and (codes.min() < 0 or codes.max() >= len(self)):
            raise ValueError(f"{self.what} internal ids must lie in [0, {len(self)}), got "
                             f"[{codes.min()}, {codes.max()}]")
        return self.values[codes]

    def take(self, codes) -> IdMap:
        """The map of the ids at sorted internal ``codes`` (a subset keeps its order)."""
        return IdMap(self.values[np.asarray(codes, dtype=np.int64)], what=self.what)

    def __repr__(self) -> str:
        return f"IdMap({len(self)} {self.what} ids, {self.values.dtype})"

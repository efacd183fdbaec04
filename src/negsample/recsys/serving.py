"""Serving: top-k search over item embeddings (exact NumPy, or a faiss flat / IVF index with the
``faiss-cpu`` extra), each query's seen items left out; and the model file (``.npz`` + JSON, no pickle).

Example
-------
>>> import numpy as np
>>> from negsample.recsys.serving import ItemIndex
>>> items = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]], dtype=np.float32)
>>> index = ItemIndex(items, kind="exact")
>>> scores, ids = index.search(np.array([[1.0, 0.0]], dtype=np.float32), k=2)
>>> ids.tolist(), [round(float(s), 2) for s in scores[0]]
([[0, 1]], [1.0, 0.6])
>>> index.search(np.array([[1.0, 0.0]], dtype=np.float32), k=2, exclude=[np.array([0])])[1].tolist()
[[1, 2]]
"""

from __future__ import annotations

import json
import os

import numpy as np

from .._atomic import atomic_write
from ..evaluation import top_k
from .errors import RecsysDataError
from .features import FeatureField, FeatureTable
from .idmap import IdMap

__all__ = ["INDEX_KINDS", "ItemIndex", "faiss_available", "read_model_file", "write_model_file"]

INDEX_KINDS = ("auto", "exact", "flat", "ivf")
FORMAT = "negsample.two_tower"
VERSION = 1


def faiss_available() -> bool:
    try:
        import faiss  # noqa: F401
    except ImportError:
        return False
    return True


class ItemIndex:
    """Inner-product top-k search over ``item_vectors``.

    Parameters
    ----------
    item_vectors : ndarray, shape (num_items, dim)
    kind : {"auto", "exact", "flat", "ivf"}, default "auto"
        ``exact``: NumPy matrix products in chunks (ties go to the lower id). ``flat``: faiss
        ``IndexFlatIP`` (exact). ``ivf``: faiss ``IndexIVFFlat`` (approximate; ``nprobe`` of
        ``nlist`` lists are searched). ``auto``: ``flat`` when faiss imports, else ``exact``.
    nlist : int, optional
        IVF lists; default about ``4 * sqrt(num_items)``, at most ``num_items // 39`` (faiss wants 39
        training points per list).
    nprobe : int, optional
        IVF lists searched per query; default ``max(1, nlist // 8)``.
    """

    def __init__(self, item_vectors, *, kind: str = "auto", nlist: int | None = None, nprobe: int | None = None):
        if kind not in INDEX_KINDS:
            raise ValueError(f"index: expected one of {INDEX_KINDS}, got {kind!r}")
        vectors = np.ascontiguousarray(item_vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] == 0:
            raise ValueError(f"item_vectors: expected shape (num_items, dim) with num_items >= 1, got {vectors.shape}")
        if kind == "auto":
            kind = "flat" if faiss_available() else "exact"
        self.kind, self.vectors = kind, vectors
        self.index = None
        if kind in ("flat", "ivf"):
            try:
                import faiss
            except ImportError as exc:
                raise ImportError(f"index={kind!r} needs faiss: pip install 'negsample[faiss]' "
                                  "(or use index='exact')") from exc
            dim = vectors.shape[1]
            if kind == "flat":
                self.index = faiss.IndexFlatIP(dim)
            else:
                n = vectors.shape[0]
                nlist = nlist or max(1, min(int(4 * n ** 0.5), n // 39))
                quantizer = faiss.IndexFlatIP(dim)
                self.index = faiss.IndexIVFFlat(quantizer, dim, int(nlist), faiss.METRIC_INNER_PRODUCT)
                self.index.train(vectors)
                self.index.nprobe = int(nprobe or max(1, nlist // 8))
                self._quantizer = quantizer  # faiss does not own it: keep it alive
            self.index.add(vectors)

    def __len__(self) -> int:
        return int(self.vectors.shape[0])

    def search(self, queries, k: int, *, exclude=None, chunk_size: int = 4096):
        """The ``k`` best items per query, best first: ``(scores float32, ids int64)``, shape (n, k').

        ``exclude``: a sequence of int arrays, one per query, of items to leave out. ``k'`` is
        ``min(k, num_items)``; a row with fewer candidates left is padded with id -1, score -inf.
        """
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if queries.ndim != 2 or queries.shape[1] != self.vectors.shape[1]:
            raise ValueError(f"queries: expected shape (n, {self.vectors.shape[1]}), got {queries.shape}")
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"k: expected an integer >= 1, got {k!r}")
        if exclude is not None and len(exclude) != queries.shape[0]:
            raise ValueError(f"exclude: expected one array per query ({queries.shape[0]}), got {len(exclude)}")
        k = min(int(k), len(self))
        if self.index is None:
            return self._exact(queries, k, exclude, chunk_size)
        return self._faiss(queries, k, exclude)

    def _exact(self, queries, k, exclude, chunk_size):
        out_scores, out_ids = [], []
        for start in range(0, queries.shape[0], chunk_size):
            scores = queries[start:start + chunk_size] @ self.vectors.T
            if exclude is not None:
                for row, seen in enumerate(exclude[start:start + chunk_size]):
                    scores[row, np.asarray(seen, dtype=np.int64)] = -np.inf
            values, ids = top_k(scores, k)
            ids = np.where(np.isneginf(values), -1, ids)
            out_scores.append(values.astype(np.float32))
            out_ids.append(ids)
        return np.concatenate(out_scores), np.concatenate(out_ids)

    def _faiss(self, queries, k, exclude):
        extra = max((len(seen) for seen in exclude), default=0) if exclude is not None else 0
        wanted = min(k + extra, len(self))
        scores, ids = self.index.search(queries, wanted)
        if exclude is None:
            return scores[:, :k], ids[:, :k].astype(np.int64)
        out_scores = np.full((queries.shape[0], k), -np.inf, dtype=np.float32)
        out_ids = np.full((queries.shape[0], k), -1, dtype=np.int64)
        for row, seen in enumerate(exclude):
            keep = (ids[row] >= 0) & ~np.isin(ids[row], seen)
            chosen = np.flatnonzero(keep)[:k]
            out_scores[row, :chosen.size] = scores[row, chosen]
            out_ids[row, :chosen.size] = ids[row, chosen]
        return out_scores, out_ids

    def __repr__(self) -> str:
        return f"ItemIndex({len(self)} items, kind={self.kind!r})"


# ---------------------------------------------------------------------- model file
def _put_table(arrays: dict, prefix: str, table: FeatureTable | None) -> list:
    if table is None:
        return []
    fields = []
    for name, field in table.fields.items():
        key = f"{prefix}/{len(fields)}"
        arrays[f"{key}/vocab"], arrays[f"{key}/offsets"], arrays[f"{key}/codes"] = (
            field.vocab.values, field.offsets, field.codes)
        fields.append({"name": name, "multi": field.multi, "what": field.vocab.what})
    return fields


def _get_table(arrays, prefix: str, fields: list, num_rows: int) -> FeatureTable | None:
    if not fields:
        return None
    out = {}
    for i, meta in enumerate(fields):
        key = f"{prefix}/{i}"
        out[meta["name"]] = FeatureField(IdMap(arrays[f"{key}/vocab"], what=meta["what"]),
                                         arrays[f"{key}/offsets"].astype(np.int64),
                                         arrays[f"{key}/codes"].astype(np.int64), bool(meta["multi"]))
    return FeatureTable(out, num_rows)


def write_model_file(path, *, meta: dict, weights: dict, user_map: IdMap, item_map: IdMap, seen_users, seen_items,
                     item_counts, user_table: FeatureTable | None, item_table: FeatureTable | None) -> None:
    """Write everything a model needs into one ``.npz`` (atomically); ``meta`` is stored as JSON."""
    arrays = {f"weights/{name}": np.asarray(value) for name, value in weights.items()}
    arrays.update({"user_map": user_map.values, "item_map": item_map.values,
                   "seen_users": np.asarray(seen_users, np.int64), "seen_items": np.asarray(seen_items, np.int64),
                   "item_counts": np.asarray(item_counts, np.int64)})
    meta = dict(meta, format=FORMAT, version=VERSION, user_fields=_put_table(arrays, "user_features", user_table),
                item_fields=_put_table(arrays, "item_features", item_table))
    arrays["meta"] = np.array(json.dumps(meta))
    with atomic_write(path, "wb") as f:
        np.savez(f, **arrays)


def read_model_file(path) -> dict:
    """The parts :func:`write_model_file` stored (arrays loaded without pickle)."""
    name = os.fspath(path)
    try:
        with np.load(name, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (OSError, ValueError) as exc:
        raise RecsysDataError(f"{name}: not a negsample two-tower model file ({exc})") from exc
    if "meta" not in arrays:
        raise RecsysDataError(f"{name}: not a negsample two-tower model file (no metadata)")
    meta = json.loads(str(arrays["meta"]))
    if meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise RecsysDataError(f"{name}: expected format {FORMAT} version {VERSION}, got "
                              f"{meta.get('format')} version {meta.get('version')}")
    user_map, item_map = IdMap(arrays["user_map"], what="user"), IdMap(arrays["item_map"], what="item")
    return {
        "meta": meta,
        "weights": {key.removeprefix("weights/"): value for key, value in arrays.items() if key.startswith("weights/")},
        "user_map": user_map, "item_map": item_map,
        "seen_users": arrays["seen_users"], "seen_items": arrays["seen_items"], "item_counts": arrays["item_counts"],
        "user_table": _get_table(arrays, "user_features", meta["user_fields"], len(user_map)),
        "item_table": _get_table(arrays, "item_features", meta["item_fields"], len(item_map)),
    }

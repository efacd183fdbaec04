"""Knowledge-graph triples: tab-separated ``head relation tail`` files, id maps both ways, inverse relations.

:meth:`Triples.from_files` reads the layout of the usual link-prediction data sets (one triple per
line, ``head<TAB>relation<TAB>tail``; train, and optionally valid and test). Entity and relation ids
are given in sorted order of the training labels, so the same files always give the same ids.

Entities or relations of valid/test that never occur in train cannot have a trained embedding.
``unseen=`` says what happens to such a triple (every one is listed in :attr:`Triples.unseen`):

* ``"error"`` (default): :class:`TriplesFormatError` naming the file, the line and the label;
* ``"drop"``: the triple is left out of its split (PyKEEN's behaviour);
* ``"keep"``: the label gets an id after the training labels and the triple is kept. Its embedding
  is never pulled towards a true triple (only pushed away as a sampled negative), so it is ranked
  by an essentially random vector; this is how the published WN18RR numbers count the 200-odd test
  triples with an entity missing from train.

With ``inverse=True`` every relation ``r`` gets an inverse ``r + num_base_relations`` (named
``r`` + :data:`INVERSE_SUFFIX`) and the training split holds ``(t, r_inv, h)`` next to every
``(h, r, t)``; valid and test stay as read. A head query ``(?, r, t)`` is then answered as the tail
query ``(t, r_inv, ?)`` (Lacroix et al. 2018's reciprocal relations).

Example
-------
>>> from negsample.kg import Triples
>>> kg = Triples.from_labels([("a", "likes", "b"), ("b", "likes", "c")], test=[("a", "likes", "c")])
>>> kg.entities, kg.test.tolist()
(['a', 'b', 'c'], [[0, 0, 2]])
>>> Triples.from_labels([("a", "likes", "b")], inverse=True).train.tolist()
[[0, 0, 1], [1, 1, 0]]
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["INVERSE_SUFFIX", "SPLITS", "Triples", "TriplesFormatError", "UnseenLabel"]

SPLITS = ("train", "valid", "test")
INVERSE_SUFFIX = "__inverse"
_UNSEEN_POLICIES = ("error", "drop", "keep")


class TriplesFormatError(ValueError):
    """A triples file (or list) that cannot be used; the message names the file and the line."""


@dataclass(frozen=True)
class UnseenLabel:
    """A valid/test triple whose entity or relation never occurs in train.

    Attributes
    ----------
    split : str -- "valid" or "test"
    source : str -- the file name (or ``"<valid>"`` for in-memory triples)
    line : int -- 1-based line number
    kind : str -- "entity" or "relation"
    label : str
    action : str -- "dropped" or "kept" (the ``unseen=`` policy)
    """

    split: str
    source: str
    line: int
    kind: str
    label: str
    action: str


class Triples:
    """Train / valid / test triples as int64 arrays of ``(head, relation, tail)`` ids, with their labels.

    Build with :meth:`from_files`, :meth:`from_labels` or :meth:`from_ids`.

    Attributes
    ----------
    entities, relations : list of str
        ``entities[i]`` is the label of entity id ``i``; with ``inverse``, ``relations`` has
        ``2 * num_base_relations`` labels, the inverses last.
    entity_to_id, relation_to_id : dict of str to int
    train, valid, test : ndarray of int64, shape (n_triples, 3)
        Columns head, relation, tail. ``train`` holds the inverse triples too when ``inverse``.
    inverse : bool
    num_base_relations : int
        Relations as read (without inverses).
    num_seen_entities : int
        Entities that occur in train (ids ``0 .. num_seen_entities - 1``); larger ids were kept unseen.
    unseen : list of UnseenLabel
    """

    def __init__(self, *, entities, relations, train, valid=None, test=None, inverse: bool = False,
                 num_base_relations: int | None = None, num_seen_entities: int | None = None,
                 unseen=()):
        self.entities = list(entities)
        self.relations = list(relations)
        self.entity_to_id = {label: i for i, label in enumerate(self.entities)}
        self.relation_to_id = {label: i for i, label in enumerate(self.relations)}
        if len(self.entity_to_id) != len(self.entities) or len(self.relation_to_id) != len(self.relations):
            raise TriplesFormatError("Triples: entity and relation labels must be unique")
        self.inverse = bool(inverse)
        self.num_base_relations = len(self.relations) // (2 if inverse else 1) if num_base_relations is None \
            else int(num_base_relations)
        self.num_seen_entities = len(self.entities) if num_seen_entities is None else int(num_seen_entities)
        self.train = _as_id_array("train", train, len(self.entities), len(self.relations))
        self.valid = _as_id_array("valid", valid, len(self.entities), len(self.relations))
        self.test = _as_id_array("test", test, len(self.entities), len(self.relations))
        self.unseen = list(unseen)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_files(cls, train: str | os.PathLike, valid: str | os.PathLike | None = None,
                   test: str | os.PathLike | None = None, *, inverse: bool = False,
                   unseen: str = "error") -> Triples:
        """Read tab-separated ``head relation tail`` files (one triple per line; blank lines skipped).

        Parameters
        ----------
        train, valid, test : path
            ``valid`` and ``test`` are optional.
        inverse : bool, default False
            Add an inverse relation for every relation and its triples to train (see the module notes).
        unseen : {"error", "drop", "keep"}, default "error"
            What to do with a valid/test triple whose entity or relation is not in train.

        Raises
        ------
        TriplesFormatError
            A missing or empty file, a line without exactly three non-empty tab-separated fields,
            or (``unseen="error"``) a label missing from train; the message names the file and line.
        """
        sources = {"train": train, "valid": valid, "test": test}
        rows = {split: _read_file(path) if path is not None else None for split, path in sources.items()}
        names = {split: None if path is None else str(path) for split, path in sources.items()}
        return cls._from_rows(rows, names, inverse=inverse, unseen=unseen)

    @classmethod
    def from_labels(cls, train, valid=None, test=None, *, inverse: bool = False, unseen: str = "error") -> Triples:
        """As :meth:`from_files`, from sequences of ``(head, relation, tail)`` label triples.

        Errors name ``<train>``, ``<valid>`` or ``<test>`` and the 1-based position as the line.
        """
        rows, names = {}, {}
        for split, given in (("train", train), ("valid", valid), ("test", test)):
            names[split] = None if given is None else f"<{split}>"
            rows[split] = None if given is None else _rows_from_labels(f"<{split}>", given)
        return cls._from_rows(rows, names, inverse=inverse, unseen=unseen)

    @classmethod
    def from_ids(cls, train, valid=None, test=None, *, num_entities: int, num_relations: int,
                 inverse: bool = False) -> Triples:
        """Triples given as id arrays (n, 3); labels are the ids as strings.

        Example
        -------
        >>> Triples.from_ids([[0, 0, 1]], num_entities=3, num_relations=1).num_entities
        3
        """
        relations = [str(i) for i in range(num_relations)]
        train = _as_id_array("train", train, num_entities, num_relations)
        if inverse:
            relations += [label + INVERSE_SUFFIX for label in relations]
            train = _with_inverse(train, num_relations)
        return cls(entities=[str(i) for i in range(num_entities)], relations=relations, train=train,
                   valid=valid, test=test, inverse=inverse, num_base_relations=num_relations)

    @classmethod
    def _from_rows(cls, rows: dict, names: dict, *, inverse: bool, unseen: str) -> Triples:
        if unseen not in _UNSEEN_POLICIES:
            raise TriplesFormatError(f"unseen: expected one of {_UNSEEN_POLICIES}, got {unseen!r}")
        heads, relations, tails, _ = rows["train"]
        entities = sorted(set(heads) | set(tails))
        relation_labels = sorted(set(relations))
        entity_to_id = {label: i for i, label in enumerate(entities)}
        relation_to_id = {label: i for i, label in enumerate(relation_labels)}
        num_seen = len(entities)
        reports: list[UnseenLabel] = []
        arrays = {"train": _encode(rows["train"], entity_to_id, relation_to_id)}
        for split in ("valid", "test"):
            if rows[split] is None:
                arrays[split] = None
                continue
            arrays[split] = _encode_checked(split, names[split], rows[split], entities, relation_labels,
                                            entity_to_id, relation_to_id, unseen, reports)
        num_base = len(relation_labels)
        if inverse:
            relation_labels = relation_labels + [label + INVERSE_SUFFIX for label in relation_labels]
            arrays["train"] = _with_inverse(arrays["train"], num_base)
        return cls(entities=entities, relations=relation_labels, inverse=inverse, num_base_relations=num_base,
                   num_seen_entities=num_seen, unseen=reports, **arrays)

    # ------------------------------------------------------------------ views
    @property
    def num_entities(self) -> int:
        return len(self.entities)

    @property
    def num_relations(self) -> int:
        """Relation ids in use (inverses included)."""
        return len(self.relations)

    def split(self, name: str) -> np.ndarray:
        """The triples of ``"train"``, ``"valid"`` or ``"test"``, shape (n, 3)."""
        if name not in SPLITS:
            raise ValueError(f"split: expected one of {SPLITS}, got {name!r}")
        return getattr(self, name)

    def known(self) -> np.ndarray:
        """Every known true triple (train, valid and test), shape (n, 3): what filtered ranking leaves out.

        With ``inverse``, valid and test enter with their inverse triples too.
        """
        extra = np.concatenate([self.valid, self.test])
        if self.inverse:
            extra = _with_inverse(extra, self.num_base_relations)
        return np.concatenate([self.train, extra])

    def with_inverse(self) -> Triples:
        """These triples with inverse relations (itself if it has them already).

        Example
        -------
        >>> Triples.from_labels([("a", "r", "b")]).with_inverse().relations
        ['r', 'r__inverse']
        """
        if self.inverse:
            return self
        relations = self.relations + [label + INVERSE_SUFFIX for label in self.relations]
        return Triples(entities=self.entities, relations=relations, inverse=True,
                       train=_with_inverse(self.train, self.num_relations), valid=self.valid, test=self.test,
                       num_base_relations=self.num_relations, num_seen_entities=self.num_seen_entities,
                       unseen=self.unseen)

    def labels_of(self, ids) -> list[tuple[str, str, str]]:
        """``(head, relation, tail)`` labels of id triples, shape (n, 3)."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1, 3)
        return [(self.entities[h], self.relations[r], self.entities[t]) for h, r, t in ids.tolist()]

    def __repr__(self) -> str:
        return (f"Triples(entities={self.num_entities}, relations={self.num_relations}, train={len(self.train)}, "
                f"valid={len(self.valid)}, test={len(self.test)}, inverse={self.inverse})")


# ---------------------------------------------------------------------- reading
def _read_file(path) -> tuple[list[str], list[str], list[str], list[int]]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise TriplesFormatError(f"{path}: no such file") from exc
    except UnicodeDecodeError as exc:
        line = path.read_bytes().count(b"\n", 0, exc.start) + 1
        raise TriplesFormatError(f"{path}, line {line}: not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise TriplesFormatError(f"{path}: cannot read ({exc})") from exc
    numbered = ((number, line.split("\t"), line) for number, line in enumerate(text.splitlines(), start=1)
                if line.strip())
    return _collect(str(path), numbered, "expected lines of head<TAB>relation<TAB>tail")


def _rows_from_labels(source: str, triples) -> tuple[list[str], list[str], list[str], list[int]]:
    numbered = []
    for number, triple in enumerate(triples, start=1):
        fields = [str(value) for value in triple] if isinstance(triple, (tuple, list)) else [str(triple)]
        numbered.append((number, fields, "\t".join(fields)))
    return _collect(source, numbered, "expected (head, relation, tail) triples")


def _collect(source: str, numbered, expected: str) -> tuple[list[str], list[str], list[str], list[int]]:
    """Columns (heads, relations, tails, line numbers) of checked ``(number, fields, line)`` rows."""
    heads, relations, tails, lines = [], [], [], []
    for number, fields, line in numbered:
        _check_fields(source, number, fields, line)
        heads.append(fields[0])
        relations.append(fields[1])
        tails.append(fields[2])
        lines.append(number)
    if not lines:
        raise TriplesFormatError(f"{source}: empty, {expected}")
    return heads, relations, tails, lines


def _check_fields(source: str, number: int, fields, line) -> None:
    if len(fields) != 3:
        hint = " (fields are separated by tabs)" if len(fields) == 1 and len(line.split()) == 3 else ""
        raise TriplesFormatError(
            f"{source}, line {number}: expected 3 tab-separated columns (head, relation, tail), "
            f"got {len(fields)}{hint}: {line[:80]!r}"
        )
    for column, value in zip(("head", "relation", "tail"), fields):
        if not value.strip():
            raise TriplesFormatError(f"{source}, line {number}: empty {column}: {line[:80]!r}")


def _encode(rows, entity_to_id, relation_to_id) -> np.ndarray:
    heads, relations, tails, _ = rows
    out = np.empty((len(heads), 3), dtype=np.int64)
    out[:, 0] = [entity_to_id[label] for label in heads]
    out[:, 1] = [relation_to_id[label] for label in relations]
    out[:, 2] = [entity_to_id[label] for label in tails]
    return out


def _encode_checked(split, source, rows, entities, relation_labels, entity_to_id, relation_to_id, unseen,
                    reports) -> np.ndarray:
    """Encode a valid/test split, applying the ``unseen`` policy (and growing the maps for "keep")."""
    heads, relations, tails, lines = rows
    keep = np.ones(len(heads), dtype=bool)
    kept_labels = {(report.kind, report.label) for report in reports}  # unseen labels given ids already
    for i, (head, relation, tail) in enumerate(zip(heads, relations, tails)):
        for kind, label, table, labels in (("entity", head, entity_to_id, entities),
                                           ("relation", relation, relation_to_id, relation_labels),
                                           ("entity", tail, entity_to_id, entities)):
            if label in table and (kind, label) not in kept_labels:
                continue
            if unseen == "error":
                raise TriplesFormatError(
                    f"{source}, line {lines[i]}: {kind} {label!r} does not occur in the training triples "
                    "(pass unseen='drop' to leave such triples out, or unseen='keep' to score them)"
                )
            if unseen == "drop":
                keep[i] = False
            elif label not in table:
                table[label] = len(labels)
                labels.append(label)
                kept_labels.add((kind, label))
            reports.append(UnseenLabel(split, source, lines[i], kind, label,
                                       "dropped" if unseen == "drop" else "kept"))
    if unseen == "drop":
        rows = tuple([value for value, kept in zip(column, keep) if kept] for column in rows)
    return _encode(rows, entity_to_id, relation_to_id)


def _with_inverse(triples: np.ndarray, num_base_relations: int) -> np.ndarray:
    inverse = triples[:, ::-1].copy()
    inverse[:, 1] += num_base_relations
    return np.concatenate([triples, inverse])


def _as_id_array(split: str, triples, num_entities: int, num_relations: int) -> np.ndarray:
    if triples is None:
        return np.zeros((0, 3), dtype=np.int64)
    array = np.asarray(triples)
    if array.size == 0:
        array = array.reshape(0, 3)
    if array.ndim != 2 or array.shape[1] != 3 or not np.issubdtype(array.dtype, np.integer):
        raise TriplesFormatError(f"{split}: expected integer triples of shape (n, 3), got {array.dtype} "
                                 f"of shape {array.shape}")
    array = array.astype(np.int64)
    for column, (name, bound) in enumerate((("head", num_entities), ("relation", num_relations),
                                            ("tail", num_entities))):
        values = array[:, column]
        bad = np.flatnonzero((values < 0) | (values >= bound))
        if bad.size:
            raise TriplesFormatError(f"{split}, row {bad[0] + 1}: {name} id {values[bad[0]]} outside [0, {bound})")
    return array

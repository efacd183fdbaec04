"""Exact, vectorised membership of triples in a set of known triples (one sorted key array).

A triple ``(h, r, t)`` is the int64 key ``(h * num_relations + r) * num_entities + t``; the known
keys are sorted once, and a whole (batch_size, num_negatives) block of corrupted triples is looked
up with one ``searchsorted`` on the keys' device: no Python set, no loop per triple.

Example
-------
>>> import torch
>>> from negsample.kg.known import KnownTriples
>>> known = KnownTriples([[0, 0, 1], [1, 0, 2]], num_entities=3, num_relations=1)
>>> known.contains(torch.tensor([0, 0]), torch.tensor([0, 0]), torch.tensor([1, 2])).tolist()
[True, False]
"""

from __future__ import annotations

import numpy as np

from .._torch import require_torch

torch = require_torch()

__all__ = ["KnownTriples"]

_MAX_KEY = 2**63 - 1


class KnownTriples:
    """A set of ``(head, relation, tail)`` id triples with a vectorised :meth:`contains`.

    Parameters
    ----------
    triples : int array-like or LongTensor, shape (n_triples, 3)
    num_entities, num_relations : int
    device : torch.device or str, optional
        Where the sorted keys live (default: the tensor's device, or the CPU).

    Raises
    ------
    ValueError
        If ``num_entities**2 * num_relations`` does not fit in int64 keys, or an id is out of range.
    """

    def __init__(self, triples, *, num_entities: int, num_relations: int, device=None):
        if num_entities * num_entities * num_relations > _MAX_KEY:
            raise ValueError(f"KnownTriples: {num_entities} entities and {num_relations} relations do not fit "
                             "in int64 triple keys")
        self.num_entities, self.num_relations = int(num_entities), int(num_relations)
        if device is None:
            device = triples.device if isinstance(triples, torch.Tensor) else "cpu"
        ids = torch.as_tensor(np.asarray(triples.cpu() if isinstance(triples, torch.Tensor) else triples,
                                         dtype=np.int64).reshape(-1, 3), device=device)
        for column, (name, bound) in enumerate((("head", num_entities), ("relation", num_relations),
                                                ("tail", num_entities))):
            values = ids[:, column]
            if values.numel() and (int(values.min()) < 0 or int(values.max()) >= bound):
                raise ValueError(f"KnownTriples: {name} ids must lie in [0, {bound})")
        self.keys = torch.unique(self.key(ids[:, 0], ids[:, 1], ids[:, 2]))  # sorted

    @property
    def device(self):
        return self.keys.device

    def __len__(self) -> int:
        return int(self.keys.numel())

    def key(self, heads, relations, tails):
        """The int64 key of each triple; the inputs broadcast against each other."""
        return (heads.long() * self.num_relations + relations.long()) * self.num_entities + tails.long()

    def contains(self, heads, relations, tails):
        """True where ``(heads, relations, tails)`` is known; the inputs broadcast, the result is their shape."""
        keys = self.key(heads, relations, tails)
        if self.keys.numel() == 0:
            return torch.zeros(keys.shape, dtype=torch.bool, device=keys.device)
        position = torch.searchsorted(self.keys, keys.reshape(-1)).clamp_max_(self.keys.numel() - 1)
        return (self.keys[position] == keys.reshape(-1)).reshape(keys.shape)

    def to(self, device) -> KnownTriples:
        """The same set with its keys on ``device``."""
        moved = object.__new__(KnownTriples)
        moved.num_entities, moved.num_relations = self.num_entities, self.num_relations
        moved.keys = self.keys.to(device)
        return moved

    def __repr__(self) -> str:
        return (f"KnownTriples({len(self)} triples, num_entities={self.num_entities}, "
                f"num_relations={self.num_relations})")

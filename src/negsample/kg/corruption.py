"""Negatives for triples: corrupt the head or the tail of each true triple with entities from a noise distribution.

:class:`CorruptionSampler` is the template: choose, per triple, which side to corrupt
(:meth:`~CorruptionSampler.head_probability`: one half for :class:`UniformCorruption`, Wang et al.
2014's ``tph / (tph + hpt)`` per relation for :class:`BernoulliCorruption`), draw the replacement
entities from a :mod:`negsample.noise` distribution (which also reports their log-probabilities), and
mark the corruptions that are not negatives at all. Two options apply to both samplers:

* ``known=`` (a :class:`~negsample.kg.known.KnownTriples` of the training triples) gives *filtered*
  negatives: a corruption that is a known true triple is redrawn (a bounded number of rounds, each
  one vectorised over the block) and masked if it is still known after the last round, so no
  negative is ever a known triple. Membership is one ``searchsorted`` over the whole block.
* ``chunk_size=`` gives *shared* negatives (PyTorch-BigGraph / DGL-KE): every ``chunk_size``
  consecutive triples share one set of ``num_negatives`` entities, so a chunk's negatives are scored
  as one matrix product (:func:`negsample.kg.models.score_corruptions`). A shared entity that equals a
  row's own entity on the corrupted side (or, filtered, makes a known triple) is masked for that row.

Per-row draws from the uniform distribution avoid the true entity exactly with PyKEEN's shift trick:
draw from ``num_entities - 1`` ids and add one to every draw at or above the true id.

Example
-------
>>> import torch
>>> from negsample.kg.corruption import UniformCorruption
>>> sampler = UniformCorruption(num_entities=10, num_negatives=4)
>>> triples = torch.tensor([[0, 0, 1], [2, 0, 3]])
>>> negatives = sampler.sample(triples, generator=torch.Generator().manual_seed(0))
>>> negatives.entities.shape, negatives.head_side.shape          # (batch_size, num_negatives), (batch_size,)
(torch.Size([2, 4]), torch.Size([2]))
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._torch import require_torch
from ..noise import NoiseDistribution, Uniform
from .known import KnownTriples

torch = require_torch()

__all__ = ["BernoulliCorruption", "CorruptionSampler", "Negatives", "UniformCorruption",
           "bernoulli_head_probability"]


class Negatives(NamedTuple):
    """Corrupted triples of a batch.

    entities : LongTensor, shape (batch_size, num_negatives), or (n_chunks, num_negatives) when shared
        The replacement entities.
    head_side : BoolTensor, shape (batch_size,) -- True where the head was replaced, else the tail
    log_prob : float tensor, the shape of ``entities`` -- log-probability of each draw under the noise
    mask : BoolTensor, shape (batch_size, num_negatives), or None -- True where the corruption is not a
        negative (the row's own entity, or a known triple when filtered); such scores must count for nothing
    chunk_size : int or None -- rows per shared chunk (None: one set per row)
    """

    entities: torch.Tensor
    head_side: torch.Tensor
    log_prob: torch.Tensor
    mask: torch.Tensor | None
    chunk_size: int | None


class CorruptionSampler:
    """Base of the corruption samplers; subclasses give :meth:`head_probability`.

    Parameters
    ----------
    num_entities : int
    num_negatives : int
        Corruptions per true triple (K).
    noise : NoiseDistribution, optional
        Over the entities; default uniform (per-row draws then never hit the true entity, by the shift
        trick; other noise is masked where it does).
    known : KnownTriples, optional
        Filter: corruptions that are known (training) triples are redrawn or masked, never negatives.
    chunk_size : int, optional
        Share one set of negatives among every ``chunk_size`` consecutive triples.
    max_rounds : int, default 3
        Rounds of redrawing the known corruptions of per-row filtered draws; what is still known is masked.
    """

    def __init__(self, *, num_entities: int, num_negatives: int, noise: NoiseDistribution | None = None,
                 known: KnownTriples | None = None, chunk_size: int | None = None, max_rounds: int = 3):
        for label, value in (("num_entities", num_entities), ("num_negatives", num_negatives)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{type(self).__name__}: {label} must be a positive integer, got {value!r}")
        if num_entities < 2:
            raise ValueError(f"{type(self).__name__}: corrupting needs at least 2 entities, got {num_entities}")
        if noise is not None and noise.num_classes != num_entities:
            raise ValueError(f"{type(self).__name__}: noise covers {noise.num_classes} ids, expected "
                             f"num_entities={num_entities}")
        if chunk_size is not None and (isinstance(chunk_size, bool) or not isinstance(chunk_size, int)
                                       or chunk_size < 1):
            raise ValueError(f"{type(self).__name__}: chunk_size must be a positive integer or None, "
                             f"got {chunk_size!r}")
        if known is not None and known.num_entities != num_entities:
            raise ValueError(f"{type(self).__name__}: known triples have {known.num_entities} entities, expected "
                             f"{num_entities}")
        self.num_entities, self.num_negatives = int(num_entities), int(num_negatives)
        self.noise = Uniform(num_entities) if noise is None else noise
        # The shift trick is exact for the uniform distribution only.
        self._others = Uniform(num_entities - 1) if noise is None else None
        self.known, self.chunk_size, self.max_rounds = known, chunk_size, int(max_rounds)

    def head_probability(self, relations: torch.Tensor) -> torch.Tensor:
        """Probability of corrupting the head of each triple, shape (batch_size,), from relation ids."""
        raise NotImplementedError

    def sample(self, triples: torch.Tensor, *, generator: torch.Generator | None = None) -> Negatives:
        """Corruptions of ``triples`` (LongTensor, shape (batch_size, 3)) on their device."""
        if not isinstance(triples, torch.Tensor) or triples.ndim != 2 or triples.shape[1] != 3:
            raise ValueError(f"triples: expected a LongTensor of shape (batch_size, 3), got "
                             f"{getattr(triples, 'shape', type(triples).__name__)}")
        device = triples.device
        heads, relations, tails = triples.unbind(1)
        probability = self.head_probability(relations)
        head_side = torch.rand(triples.shape[0], device=device, generator=generator) < probability
        original = torch.where(head_side, heads, tails)
        if self.chunk_size is None:
            return self._per_row(triples, head_side, original, generator)
        return self._shared(triples, head_side, original, generator)

    def _draw(self, shape, device, generator, original=None):
        """Entity draws and their log-probabilities; with ``original`` (batch_size,), never the row's own
        entity when the noise is uniform (the shift trick)."""
        if original is not None and self._others is not None:
            draws = self._others.sample(shape, device=device, generator=generator)
            log_prob = self._others.log_prob(draws)
            draws += draws >= original.unsqueeze(1)
            return draws, log_prob
        draws = self.noise.sample(shape, device=device, generator=generator)
        return draws, self.noise.log_prob(draws)

    def _known_corruption(self, triples, head_side, entities):
        """Whether each corruption (batch_size, K) is a known triple."""
        heads, relations, tails = (column.unsqueeze(1) for column in triples.unbind(1))
        side = head_side.unsqueeze(1)
        return self.known.contains(torch.where(side, entities, heads), relations, torch.where(side, tails, entities))

    def _per_row(self, triples, head_side, original, generator):
        shape = (triples.shape[0], self.num_negatives)
        entities, log_prob = self._draw(shape, triples.device, generator, original)
        own = None if self._others is not None else entities == original.unsqueeze(1)
        if self.known is None:
            return Negatives(entities, head_side, log_prob, own, None)
        # Rejection with whole-block redraws: no data-dependent shapes, so no host round-trip per batch.
        hits = self._known_corruption(triples, head_side, entities)
        for _ in range(self.max_rounds):
            redrawn, redrawn_log_prob = self._draw(shape, triples.device, generator, original)
            entities = torch.where(hits, redrawn, entities)
            log_prob = torch.where(hits, redrawn_log_prob, log_prob)
            hits = self._known_corruption(triples, head_side, entities)
        if own is not None:
            hits |= entities == original.unsqueeze(1)
        return Negatives(entities, head_side, log_prob, hits, None)

    def _shared(self, triples, head_side, original, generator):
        batch_size = triples.shape[0]
        n_chunks = -(-batch_size // self.chunk_size)
        entities, log_prob = self._draw((n_chunks, self.num_negatives), triples.device, generator)
        per_row = entities.repeat_interleave(self.chunk_size, dim=0)[:batch_size]  # (batch_size, K)
        if self.known is not None:
            mask = self._known_corruption(triples, head_side, per_row)
        else:
            mask = per_row == original.unsqueeze(1)
        return Negatives(entities, head_side, log_prob, mask, self.chunk_size)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(num_entities={self.num_entities}, num_negatives={self.num_negatives}, "
                f"filtered={self.known is not None}, chunk_size={self.chunk_size})")


class UniformCorruption(CorruptionSampler):
    """Corrupt the head or the tail with probability one half each (Bordes et al. 2013).

    Example
    -------
    >>> import torch
    >>> UniformCorruption(num_entities=5, num_negatives=2).head_probability(torch.tensor([0, 3])).tolist()
    [0.5, 0.5]
    """

    def head_probability(self, relations):
        return torch.full(relations.shape, 0.5, device=relations.device)


def bernoulli_head_probability(triples, num_relations: int) -> np.ndarray:
    """Per relation, ``tph / (tph + hpt)`` (Wang et al. 2014), shape (num_relations,).

    ``tph`` is the mean number of tails per distinct head of the relation, ``hpt`` the mean number of
    heads per distinct tail. Corrupting the head of a one-to-many relation (large ``tph``) is less
    likely to produce a true triple, so it is done more often. Relations without triples get 0.5.

    Example
    -------
    >>> bernoulli_head_probability([[0, 0, 1], [0, 0, 2], [0, 0, 3]], 1).tolist()   # 1-to-3: tph 3, hpt 1
    [0.75]
    """
    triples = np.asarray(triples, dtype=np.int64).reshape(-1, 3)
    counts = np.bincount(triples[:, 1], minlength=num_relations).astype(np.float64)
    heads = np.bincount(np.unique(triples[:, [1, 0]], axis=0)[:, 0], minlength=num_relations)
    tails = np.bincount(np.unique(triples[:, [1, 2]], axis=0)[:, 0], minlength=num_relations)
    with np.errstate(divide="ignore", invalid="ignore"):
        tph, hpt = counts / heads, counts / tails
        probability = tph / (tph + hpt)
    return np.where(counts > 0, probability, 0.5)


class BernoulliCorruption(CorruptionSampler):
    """Corrupt the head with probability ``tph / (tph + hpt)`` of the triple's relation (Wang et al. 2014).

    Parameters
    ----------
    train : int array-like, shape (n_triples, 3)
        The training triples the per-relation statistics come from.
    num_relations : int
    **kwargs : as for :class:`CorruptionSampler`

    Example
    -------
    >>> import torch
    >>> sampler = BernoulliCorruption([[0, 0, 1], [0, 0, 2]], num_relations=1, num_entities=3, num_negatives=2)
    >>> [round(p, 4) for p in sampler.head_probability(torch.tensor([0])).tolist()]
    [0.6667]
    """

    def __init__(self, train, *, num_relations: int, **kwargs):
        super().__init__(**kwargs)
        self.probabilities = torch.as_tensor(bernoulli_head_probability(train, num_relations), dtype=torch.float32)
        self._on_device: dict = {}

    def head_probability(self, relations):
        key = str(relations.device)
        if key not in self._on_device:
            self._on_device[key] = self.probabilities.to(relations.device)
        return self._on_device[key][relations]

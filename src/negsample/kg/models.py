"""Score functions of knowledge-graph embeddings: TransE (L1/L2), DistMult, ComplEx, RotatE.

Every model scores a triple as ``compare(query, candidate)``, where the *query* folds the known
entity and the relation into one vector and the *candidate* is the embedding of the entity to rank:

============  =================================  =================================  ==================
model         tail query (h, r, ?)                head query (?, r, t)               compare(q, e)
============  =================================  =================================  ==================
TransE        ``h + r``                           ``t - r``                          ``-||q - e||_p``
DistMult      ``h * r``                           ``t * r``                          ``<q, e>``
ComplEx       ``h * r`` (complex)                 ``t * conj(r)``                    ``Re<q, conj(e)>``
RotatE        ``h * exp(i theta)``                ``t * exp(-i theta)``              ``-sum_k |q_k - e_k|``
============  =================================  =================================  ==================

so one code path serves positives (one candidate per query), per-row negatives (K candidates per
query), negatives shared by a chunk of queries, and ranking against every entity. For the dot-product
models (and the L2 distances, through ``|q|^2 + |e|^2 - 2 q.e``) scoring shared candidates is one
matrix product (TransE's L1 distance goes through ``torch.cdist``'s kernel). Complex vectors are
stored as ``[real | imaginary]`` halves of a real vector, so a complex dot product is a real one.
Higher scores mean more plausible triples.

Example
-------
>>> import torch
>>> from negsample.kg.models import build_score_function
>>> model = build_score_function("complex", num_entities=5, num_relations=2, dim=4,
...                              generator=torch.Generator().manual_seed(0))
>>> h, r, t = torch.tensor([0, 1]), torch.tensor([0, 1]), torch.tensor([2, 3])
>>> model.score(h, r, t).shape                              # shape: (batch_size,)
torch.Size([2])
>>> q = model.query(h, r, head_side=False)                  # shape: (batch_size, width)
>>> model.compare(q, model.entity_rows(torch.arange(5))).shape   # against every entity
torch.Size([2, 5])
"""

from __future__ import annotations

import math
from typing import ClassVar, NamedTuple

from .._torch import require_torch

torch = require_torch()
F = torch.nn.functional

__all__ = ["MODELS", "ComplEx", "CorruptionScores", "DistMult", "DistanceModel", "RotatE", "ScoreFunction", "TransE",
           "build_score_function", "score_corruptions"]

_TINY = 1e-12  # inside square roots, so that a zero distance has a finite gradient


class ScoreFunction(torch.nn.Module):
    """Entity and relation embedding tables and the score of ``(head, relation, tail)``.

    Subclasses say how a relation turns an anchor into a query (:meth:`combine`), how a query is
    compared with candidates (:attr:`similarity` and :meth:`compare`) and how they are initialised.

    Parameters
    ----------
    num_entities, num_relations : int
    dim : int
        Embedding dimension (complex dimension for ComplEx and RotatE, whose vectors take ``2 * dim``
        reals).
    sparse : bool, default False
        Sparse gradients for the embedding tables (only the rows a batch touched), for optimizers
        that take them (``SparseAdam``, ``Adagrad``, ``SGD``).
    generator : torch.Generator, optional
        Randomness of the initialisation.

    Attributes
    ----------
    entity : Parameter, shape (num_entities, width)
    relation : Parameter, shape (num_relations, relation_width)
    """

    name: ClassVar[str] = ""
    complex_valued: ClassVar[bool] = False
    #: "dot" (score = q . e, shared candidates in one matmul) or "distance" (score = -||q - e||)
    similarity: ClassVar[str] = "dot"
    #: the p of the distance; None for dot-product models
    p: int | None = None

    def __init__(self, num_entities: int, num_relations: int, dim: int, *, sparse: bool = False,
                 generator=None):
        super().__init__()
        for label, value in (("num_entities", num_entities), ("num_relations", num_relations), ("dim", dim)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{type(self).__name__}: {label} must be a positive integer, got {value!r}")
        self.num_entities, self.num_relations, self.dim = num_entities, num_relations, dim
        self.sparse = bool(sparse)
        self.width = 2 * dim if self.complex_valued else dim
        self.entity = torch.nn.Parameter(torch.empty(num_entities, self.width))
        self.relation = torch.nn.Parameter(torch.empty(num_relations, self.relation_width))
        with torch.no_grad():
            self.reset_parameters(generator)
            self.constrain_()

    @property
    def relation_width(self) -> int:
        return self.width

    @property
    def broadcasts(self) -> bool:
        """True when :meth:`compare` of n queries with m candidates builds an (n, m, width) tensor."""
        return self.similarity == "distance" and self.p == 1 and self.complex_valued  # RotatE's sum of moduli

    def reset_parameters(self, generator=None) -> None:
        """Uniform ``U(-a, a)``, ``a = sqrt(6 / width)`` (PyKEEN's Xavier for embeddings)."""
        bound = math.sqrt(6.0 / self.width)
        self.entity.uniform_(-bound, bound, generator=generator)
        self.relation.uniform_(-bound, bound, generator=generator)

    def constrain_(self) -> None:
        """Project the parameters back onto their constraints after an optimizer step (default: none)."""

    # ------------------------------------------------------------------ lookups
    def entity_rows(self, ids: torch.Tensor) -> torch.Tensor:
        """Entity embeddings, shape ``ids.shape + (width,)``."""
        return F.embedding(ids, self.entity, sparse=self.sparse)

    def relation_rows(self, ids: torch.Tensor) -> torch.Tensor:
        """Relation parameters, shape ``ids.shape + (relation_width,)``."""
        return F.embedding(ids, self.relation, sparse=self.sparse)

    # ------------------------------------------------------------------ scoring
    def query(self, anchors: torch.Tensor, relations: torch.Tensor, head_side) -> torch.Tensor:
        """The query vector of ``(anchor, relation, ?)`` (tail side) or ``(?, relation, anchor)`` (head side).

        anchors, relations : LongTensor, shape (batch_size,)
        head_side : bool, or BoolTensor of shape (batch_size,) -- True where the head is to be found
        Returns shape (batch_size, width).
        """
        return self.combine(self.entity_rows(anchors), self.relation_rows(relations), head_side)

    def combine(self, anchor: torch.Tensor, relation: torch.Tensor, head_side) -> torch.Tensor:
        """Query from anchor embeddings (batch_size, width) and relation rows (batch_size, relation_width)."""
        raise NotImplementedError

    def compare(self, query: torch.Tensor, candidates: torch.Tensor) -> torch.Tensor:
        """Scores of every query against every candidate.

        query : shape (..., n, width); candidates : shape (..., m, width) (leading dims broadcast)
        Returns shape (..., n, m).
        """
        if self.similarity == "dot":
            return torch.matmul(query, candidates.transpose(-1, -2))
        n, m = query.shape[-2], candidates.shape[-2]
        if self.p == 1 and not self.complex_valued:
            # cdist's L1 kernel (forward and backward) beats an (n, m, width) difference tensor 2-5x
            return -torch.cdist(query, candidates, p=1)
        if self.p == 2 and n > 1 and m > 1:
            # |q - e|^2 = |q|^2 + |e|^2 - 2 q.e: one matrix product instead of an (n, m, width) tensor
            squared = (query.square().sum(-1, keepdim=True) + candidates.square().sum(-1).unsqueeze(-2)
                       - 2.0 * torch.matmul(query, candidates.transpose(-1, -2)))
            return -squared.clamp_min(_TINY).sqrt()
        return -self.distance(query.unsqueeze(-2) - candidates.unsqueeze(-3))

    def distance(self, difference: torch.Tensor) -> torch.Tensor:
        """Norm of ``query - candidate`` over the last axis (distance models only)."""
        if self.p == 2:
            return (difference.square().sum(-1) + _TINY).sqrt()
        return difference.abs().sum(-1)

    def score_rows(self, query: torch.Tensor, candidates: torch.Tensor) -> torch.Tensor:
        """Row-wise scores: query (batch_size, width) against candidates (batch_size, width) -> (batch_size,)."""
        if self.similarity == "dot":
            return (query * candidates).sum(-1)
        return -self.distance(query - candidates)

    def score(self, heads: torch.Tensor, relations: torch.Tensor, tails: torch.Tensor) -> torch.Tensor:
        """Scores of triples, shape (batch_size,) from three LongTensors of shape (batch_size,)."""
        return self.score_rows(self.query(heads, relations, False), self.entity_rows(tails))

    def factors(self, head: torch.Tensor, relation: torch.Tensor, tail: torch.Tensor) -> list[torch.Tensor]:
        """What a regulariser penalises, from embedding rows (batch_size, width) and relation rows.

        The rows themselves; moduli for the complex models (each shape (batch_size, dim)).
        """
        return [head, relation, tail]

    def extra_repr(self) -> str:
        return (f"num_entities={self.num_entities}, num_relations={self.num_relations}, dim={self.dim}"
                + (f", p={self.p}" if self.p else "") + (", sparse=True" if self.sparse else ""))


def _side_sign(head_side, like: torch.Tensor):
    """+1 for tail queries, -1 for head queries; a float or a (batch_size, 1) tensor."""
    if isinstance(head_side, bool):
        return -1.0 if head_side else 1.0
    return (1.0 - 2.0 * head_side.to(like.dtype)).unsqueeze(-1)


def _complex_product(a: torch.Tensor, b_real: torch.Tensor, b_imag: torch.Tensor) -> torch.Tensor:
    """``a * b`` for ``a`` as [real | imaginary] halves, ``b`` given by its parts."""
    a_real, a_imag = a.chunk(2, dim=-1)
    return torch.cat([a_real * b_real - a_imag * b_imag, a_real * b_imag + a_imag * b_real], dim=-1)


def _modulus(x: torch.Tensor) -> torch.Tensor:
    real, imag = x.chunk(2, dim=-1)
    return (real.square() + imag.square() + _TINY).sqrt()


class DistanceModel(ScoreFunction):
    """A model scored by ``-||query - candidate||_p``, ``p`` in {1, 2} (default 1): TransE and RotatE.

    Example
    -------
    >>> TransE(3, 1, 2, p=2).p, RotatE(3, 1, 2).p
    (2, 1)
    """

    similarity = "distance"

    def __init__(self, num_entities: int, num_relations: int, dim: int, *, p: int = 1, sparse: bool = False,
                 generator=None):
        if p not in (1, 2) or isinstance(p, bool):
            raise ValueError(f"{type(self).__name__}: p must be 1 or 2, got {p!r}")
        self.p = p
        super().__init__(num_entities, num_relations, dim, sparse=sparse, generator=generator)


class TransE(DistanceModel):
    """TransE (Bordes et al. 2013): ``-||h + r - t||_p``; entities kept at unit L2 norm.

    Example
    -------
    >>> import torch
    >>> model = TransE(4, 1, 3, p=2)
    >>> bool(model.score(torch.tensor([0]), torch.tensor([0]), torch.tensor([0])) < 0)
    True
    """

    name = "transe"

    def reset_parameters(self, generator=None) -> None:
        super().reset_parameters(generator)
        self.relation.copy_(F.normalize(self.relation, dim=-1))

    def constrain_(self) -> None:
        with torch.no_grad():
            self.entity.copy_(F.normalize(self.entity, dim=-1))

    def combine(self, anchor, relation, head_side):
        return anchor + _side_sign(head_side, anchor) * relation


class DistMult(ScoreFunction):
    """DistMult (Yang et al. 2015): ``<h, r, t> = sum_k h_k r_k t_k``.

    Example
    -------
    >>> import torch
    >>> model = DistMult(4, 1, 3)
    >>> h, r, t = torch.tensor([0]), torch.tensor([0]), torch.tensor([1])
    >>> torch.allclose(model.score(h, r, t), model.score(t, r, h))     # symmetric by design
    True
    """

    name = "distmult"

    def combine(self, anchor, relation, head_side):
        return anchor * relation


class ComplEx(ScoreFunction):
    """ComplEx (Trouillon et al. 2016): ``Re(sum_k h_k r_k conj(t_k))``.

    Example
    -------
    >>> import torch
    >>> model = ComplEx(4, 1, 3)
    >>> model.entity.shape                                    # [real | imaginary]
    torch.Size([4, 6])
    """

    name = "complex"
    complex_valued = True

    def combine(self, anchor, relation, head_side):
        real, imag = relation.chunk(2, dim=-1)
        # Re<h r, conj t> = Re<t conj(r), conj h>: a head query rotates by the conjugate relation
        return _complex_product(anchor, real, _side_sign(head_side, anchor) * imag)

    def factors(self, head, relation, tail):
        return [_modulus(head), _modulus(relation), _modulus(tail)]


class RotatE(DistanceModel):
    """RotatE (Sun et al. 2019): ``-sum_k |h_k exp(i theta_k) - t_k|`` (``p=1``, the paper's).

    ``p=2`` takes the L2 norm of the complex difference vector instead (PyKEEN's RotatE), which turns
    scoring shared candidates into a matrix product. Relations are phases ``theta``, shape
    (num_relations, dim), so ``|r_k| = 1`` holds by construction.

    Example
    -------
    >>> import torch
    >>> model = RotatE(4, 1, 3)
    >>> model.relation.shape                                  # one phase per complex dimension
    torch.Size([1, 3])
    """

    name = "rotate"
    complex_valued = True

    @property
    def relation_width(self) -> int:
        return self.dim

    def reset_parameters(self, generator=None) -> None:
        bound = math.sqrt(6.0 / self.width)
        self.entity.uniform_(-bound, bound, generator=generator)
        self.relation.uniform_(-math.pi, math.pi, generator=generator)

    def combine(self, anchor, relation, head_side):
        phase = _side_sign(head_side, anchor) * relation
        return _complex_product(anchor, torch.cos(phase), torch.sin(phase))

    def distance(self, difference):
        if self.p == 2:
            return super().distance(difference)
        return _modulus(difference).sum(-1)

    def factors(self, head, relation, tail):
        return [_modulus(head), _modulus(tail)]  # the rotation has modulus 1


MODELS = {"transe": TransE, "distmult": DistMult, "complex": ComplEx, "rotate": RotatE}


def build_score_function(name: str, *, num_entities: int, num_relations: int, dim: int, p: int | None = None,
                         sparse: bool = False, generator=None) -> ScoreFunction:
    """A score function by name: ``"transe"``, ``"distmult"``, ``"complex"`` or ``"rotate"``.

    ``p`` (1 or 2) is the distance of TransE (default 1) and RotatE (default 1); dot-product models
    refuse it.

    Example
    -------
    >>> build_score_function("transe", num_entities=3, num_relations=1, dim=2, p=2).p
    2
    """
    key = str(name).lower()
    if key not in MODELS:
        raise ValueError(f"model: expected one of {sorted(MODELS)}, got {name!r}")
    cls = MODELS[key]
    if cls.similarity == "distance":
        return cls(num_entities, num_relations, dim, p=1 if p is None else p, sparse=sparse, generator=generator)
    if p is not None:
        raise ValueError(f"model: p (the distance's norm) applies to transe and rotate, not {key}")
    return cls(num_entities, num_relations, dim, sparse=sparse, generator=generator)


class CorruptionScores(NamedTuple):
    """Scores of a batch of true triples and their corruptions, and the rows that made them.

    pos : shape (batch_size,); neg : shape (batch_size, K) (masked corruptions are not filled here, see
    :func:`negsample.scores.mask_scores`); anchor, relation, target : the batch's embedding rows
    (batch_size, width) / (batch_size, relation_width), for a regulariser (:meth:`ScoreFunction.factors`).
    """

    pos: torch.Tensor
    neg: torch.Tensor
    anchor: torch.Tensor
    relation: torch.Tensor
    target: torch.Tensor


def score_corruptions(model: ScoreFunction, triples: torch.Tensor, negatives) -> CorruptionScores:
    """Scores of true triples and of their corruptions, from one query per triple.

    Parameters
    ----------
    model : ScoreFunction
    triples : LongTensor, shape (batch_size, 3)
    negatives : :class:`negsample.kg.corruption.Negatives`
        Per-row entities (batch_size, K), or shared ones (n_chunks, K) with ``chunk_size`` rows each:
        then each chunk's queries meet its K candidates in one batched matrix product (dot-product
        and L2 models) instead of a gather of batch_size * K embeddings.

    Returns
    -------
    CorruptionScores : ``pos`` shape (batch_size,), ``neg`` shape (batch_size, K), and the rows used.

    Notes
    -----
    Every entity row of the step (anchors, targets, candidates) is gathered by one lookup, so the
    backward pass scatters into the entity table once.

    Example
    -------
    >>> import torch
    >>> from negsample.kg.corruption import UniformCorruption
    >>> model = build_score_function("distmult", num_entities=6, num_relations=2, dim=4)
    >>> triples = torch.tensor([[0, 0, 1], [2, 1, 3], [4, 0, 5]])
    >>> negatives = UniformCorruption(num_entities=6, num_negatives=5, chunk_size=2).sample(triples)
    >>> scores = score_corruptions(model, triples, negatives)
    >>> tuple(scores.pos.shape), tuple(scores.neg.shape)
    ((3,), (3, 5))
    """
    heads, relations, tails = triples.unbind(1)
    head_side = negatives.head_side
    batch_size = triples.shape[0]
    ids = torch.cat([torch.where(head_side, tails, heads), torch.where(head_side, heads, tails),
                     negatives.entities.reshape(-1)])
    anchor, target, candidates = model.entity_rows(ids).split([batch_size, batch_size, ids.shape[0] - 2 * batch_size])
    candidates = candidates.reshape(*negatives.entities.shape, -1)
    relation = model.relation_rows(relations)
    query = model.combine(anchor, relation, head_side)  # (batch_size, width)
    pos = model.score_rows(query, target)
    if negatives.chunk_size is None:
        neg = model.compare(query.unsqueeze(1), candidates).squeeze(1)
    else:
        chunk, n_chunks = negatives.chunk_size, candidates.shape[0]
        padded = F.pad(query, (0, 0, 0, n_chunks * chunk - batch_size))
        neg = model.compare(padded.reshape(n_chunks, chunk, -1), candidates)  # (n_chunks, chunk, K)
        neg = neg.reshape(n_chunks * chunk, -1)[:batch_size]
    return CorruptionScores(pos, neg, anchor, relation, target)

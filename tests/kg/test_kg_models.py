"""Score functions: each model's formula by hand, head queries, and every scoring shape."""

import math

import pytest
import torch

from negsample.kg.models import MODELS, ComplEx, DistMult, RotatE, TransE, build_score_function

E, R, D = 7, 3, 5
VARIANTS = [("transe", 1), ("transe", 2), ("distmult", None), ("complex", None), ("rotate", 1), ("rotate", 2)]


def _model(name, p, dtype=torch.float64):
    model = build_score_function(name, num_entities=E, num_relations=R, dim=D, p=p,
                                 generator=torch.Generator().manual_seed(3))
    return model.to(dtype)


def _as_complex(x):
    real, imag = x.chunk(2, dim=-1)
    return torch.complex(real, imag)


def _by_hand(model, h, r, t):
    """The textbook formula of each model, one triple at a time."""
    eh, et, rel = model.entity[h], model.entity[t], model.relation[r]
    if isinstance(model, TransE):
        return -torch.linalg.vector_norm(eh + rel - et, ord=model.p)
    if isinstance(model, DistMult):
        return (eh * rel * et).sum()
    if isinstance(model, ComplEx):
        return (_as_complex(eh) * _as_complex(rel) * _as_complex(et).conj()).sum().real
    rotated = _as_complex(eh) * torch.exp(1j * rel.to(torch.float64))
    difference = rotated - _as_complex(et)
    if model.p == 1:
        return -difference.abs().sum()
    return -torch.linalg.vector_norm(difference)


@pytest.mark.parametrize("name,p", VARIANTS)
def test_scores_match_the_textbook_formula(name, p):
    model = _model(name, p)
    heads, relations, tails = torch.tensor([0, 3, 6, 2]), torch.tensor([0, 1, 2, 2]), torch.tensor([1, 3, 4, 5])
    expected = torch.stack([_by_hand(model, h, r, t) for h, r, t in zip(heads, relations, tails)])
    torch.testing.assert_close(model.score(heads, relations, tails), expected)


@pytest.mark.parametrize("name,p", VARIANTS)
def test_head_queries_score_the_same_triples(name, p):
    """compare(query(t, r, head side), h) is score(h, r, t), for every (h, r, t)."""
    model = _model(name, p)
    heads, relations, tails = torch.meshgrid(torch.arange(E), torch.arange(R), torch.arange(E), indexing="ij")
    heads, relations, tails = heads.reshape(-1), relations.reshape(-1), tails.reshape(-1)
    scores = model.score(heads, relations, tails)
    by_tail = model.compare(model.query(heads, relations, False)[:, None], model.entity_rows(tails)[:, None])
    by_head = model.compare(model.query(tails, relations, True)[:, None], model.entity_rows(heads)[:, None])
    torch.testing.assert_close(by_tail[:, 0, 0], scores)
    torch.testing.assert_close(by_head[:, 0, 0], scores)
    mixed_side = torch.arange(len(heads)) % 2 == 0
    anchors = torch.where(mixed_side, tails, heads)
    targets = torch.where(mixed_side, heads, tails)
    mixed = model.score_rows(model.query(anchors, relations, mixed_side), model.entity_rows(targets))
    torch.testing.assert_close(mixed, scores)


@pytest.mark.parametrize("name,p", VARIANTS)
def test_every_scoring_shape_agrees_with_row_scores(name, p):
    model = _model(name, p)
    g = torch.Generator().manual_seed(0)
    heads, relations = torch.randint(0, E, (6,), generator=g), torch.randint(0, R, (6,), generator=g)
    query = model.query(heads, relations, False)                                      # (6, width)
    every = model.compare(query, model.entity_rows(torch.arange(E)))                  # (6, E)
    assert every.shape == (6, E)
    for entity in range(E):
        torch.testing.assert_close(every[:, entity], model.score(heads, relations, torch.full((6,), entity)))
    per_row = torch.randint(0, E, (6, 4), generator=g)                                # (6, K)
    own = model.compare(query[:, None], model.entity_rows(per_row))[:, 0]
    torch.testing.assert_close(own, every.gather(1, per_row))
    shared = torch.randint(0, E, (2, 4), generator=g)                                 # (n_chunks, K)
    chunked = model.compare(query.reshape(2, 3, -1), model.entity_rows(shared)).reshape(6, 4)
    torch.testing.assert_close(chunked, every.gather(1, shared.repeat_interleave(3, dim=0)))


@pytest.mark.parametrize("name,p", VARIANTS)
def test_gradients_are_finite_even_at_zero_distance(name, p):
    model = _model(name, p)
    with torch.no_grad():
        model.entity[1] = model.entity[0]
        if name == "transe":
            model.relation[0] = 0.0
        if name == "rotate":
            model.relation[0] = 0.0
    scores = model.score(torch.tensor([0]), torch.tensor([0]), torch.tensor([1]))
    query = model.query(torch.tensor([0, 0]), torch.tensor([0, 0]), False)
    shared = model.compare(query, model.entity_rows(torch.tensor([1, 2])))
    (scores.sum() + shared.sum()).backward()
    assert torch.isfinite(model.entity.grad).all() and torch.isfinite(model.relation.grad).all()


def test_gradcheck_of_compare():
    for name, p in VARIANTS:
        model = _model(name, p)
        query = torch.randn(3, model.width, dtype=torch.float64, requires_grad=True)
        candidates = torch.randn(4, model.width, dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(model.compare, (query, candidates)), name


def test_constraints_and_parameter_shapes():
    transe = TransE(E, R, D)
    torch.testing.assert_close(transe.entity.norm(dim=1), torch.ones(E))
    with torch.no_grad():
        transe.entity.mul_(3.0)
    transe.constrain_()
    torch.testing.assert_close(transe.entity.norm(dim=1), torch.ones(E))
    assert ComplEx(E, R, D).relation.shape == (R, 2 * D) and RotatE(E, R, D).relation.shape == (R, D)
    assert RotatE(E, R, D).relation.abs().max() <= math.pi
    assert set(MODELS) == {"transe", "distmult", "complex", "rotate"}
    assert RotatE(E, R, D, p=2).broadcasts is False and TransE(E, R, D, p=1).broadcasts is False
    assert RotatE(E, R, D, p=1).broadcasts is True


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="model: expected one of"):
        build_score_function("transh", num_entities=3, num_relations=1, dim=2)
    with pytest.raises(ValueError, match="p .*applies to transe and rotate"):
        build_score_function("distmult", num_entities=3, num_relations=1, dim=2, p=2)
    with pytest.raises(ValueError, match="TransE: p must be 1 or 2"):
        TransE(3, 1, 2, p=3)
    with pytest.raises(ValueError, match="dim must be a positive integer"):
        DistMult(3, 1, 0)


def test_initialisation_is_seeded():
    a, b = (build_score_function("rotate", num_entities=E, num_relations=R, dim=D,
                                 generator=torch.Generator().manual_seed(1)) for _ in range(2))
    assert torch.equal(a.entity, b.entity) and torch.equal(a.relation, b.relation)

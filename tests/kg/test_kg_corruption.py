"""Corruption samplers: Bernoulli statistics by hand, the shift trick, filtered and shared negatives."""

import math

import numpy as np
import pytest
import torch

from negsample.kg.corruption import BernoulliCorruption, UniformCorruption, bernoulli_head_probability
from negsample.kg.known import KnownTriples
from negsample.kg.models import build_score_function, score_corruptions
from negsample.noise import Unigram

# A toy graph: relation 0 is one-to-many (0 -> 1, 2, 3; 4 -> 5), relation 1 many-to-one (1, 2, 3 -> 0),
# relation 2 one-to-one.
TOY = np.array([[0, 0, 1], [0, 0, 2], [0, 0, 3], [4, 0, 5],
                [1, 1, 0], [2, 1, 0], [3, 1, 0],
                [5, 2, 6]])


def _generator(seed=0):
    return torch.Generator().manual_seed(seed)


def test_bernoulli_probabilities_are_tph_over_tph_plus_hpt_by_hand():
    # relation 0: 4 triples, heads {0, 4}, tails {1, 2, 3, 5}: tph = 4/2 = 2, hpt = 4/4 = 1 -> 2/3
    # relation 1: 3 triples, heads {1, 2, 3}, tails {0}: tph = 1, hpt = 3 -> 1/4
    # relation 2: tph = hpt = 1 -> 1/2; relation 3 has no triples -> 1/2
    probability = bernoulli_head_probability(TOY, 4)
    np.testing.assert_allclose(probability, [2 / 3, 1 / 4, 1 / 2, 1 / 2])


def test_bernoulli_sampler_corrupts_heads_that_often():
    sampler = BernoulliCorruption(TOY, num_relations=3, num_entities=7, num_negatives=1)
    batch = torch.as_tensor(TOY[[0, 4]]).repeat(20000, 1)           # relation 0 and relation 1 rows
    side = sampler.sample(batch, generator=_generator()).head_side.reshape(-1, 2).float().mean(0)
    torch.testing.assert_close(side, torch.tensor([2 / 3, 1 / 4]), atol=0.01, rtol=0)


def test_uniform_per_row_draws_never_hit_the_true_entity_and_are_uniform_over_the_rest():
    sampler = UniformCorruption(num_entities=6, num_negatives=3000)
    batch = torch.tensor([[2, 0, 4]] * 4)
    negatives = sampler.sample(batch, generator=_generator(1))
    assert negatives.mask is None and negatives.chunk_size is None
    for row in range(4):
        own = 2 if negatives.head_side[row] else 4
        counts = torch.bincount(negatives.entities[row], minlength=6)
        assert counts[own] == 0
        others = counts[torch.arange(6) != own].double()
        assert (others - 600).abs().max() < 4 * math.sqrt(600)          # uniform over the other five
    torch.testing.assert_close(negatives.log_prob, torch.full((4, 3000), -math.log(5)))
    assert set(negatives.head_side.tolist()) <= {True, False}


def test_filtered_per_row_negatives_never_make_a_training_triple():
    known_set = {tuple(t) for t in TOY.tolist()}
    known = KnownTriples(TOY, num_entities=7, num_relations=3)
    for sampler in (UniformCorruption(num_entities=7, num_negatives=50, known=known),
                    BernoulliCorruption(TOY, num_relations=3, num_entities=7, num_negatives=50, known=known,
                                        max_rounds=0),
                    UniformCorruption(num_entities=7, num_negatives=50, known=known,
                                      noise=Unigram(np.arange(1, 8)))):
        batch = torch.as_tensor(TOY).repeat(10, 1)
        negatives = sampler.sample(batch, generator=_generator(2))
        assert negatives.mask is not None
        seen_known = 0
        for row, (h, r, t) in enumerate(batch.tolist()):
            for k, entity in enumerate(negatives.entities[row].tolist()):
                corrupted = (entity, r, t) if negatives.head_side[row] else (h, r, entity)
                is_known = corrupted in known_set
                seen_known += is_known
                assert bool(negatives.mask[row, k]) == is_known, (corrupted, sampler)
        if sampler.max_rounds == 0:
            assert seen_known > 0          # without redraws the filter has something to mask


def test_filtered_redraws_leave_few_masked():
    known = KnownTriples(TOY, num_entities=7, num_relations=3)
    batch = torch.as_tensor(TOY).repeat(50, 1)
    masked = [UniformCorruption(num_entities=7, num_negatives=20, known=known, max_rounds=rounds)
              .sample(batch, generator=_generator(3)).mask.float().mean().item() for rounds in (0, 3)]
    assert masked[1] < masked[0] / 5


def test_shared_negatives_mask_own_entities_and_known_triples():
    known_set = {tuple(t) for t in TOY.tolist()}
    batch = torch.as_tensor(TOY)                                   # 8 rows, chunks of 3 -> 3 chunks
    plain = UniformCorruption(num_entities=7, num_negatives=6, chunk_size=3).sample(batch, generator=_generator(4))
    assert plain.entities.shape == (3, 6) and plain.mask.shape == (8, 6) and plain.chunk_size == 3
    filtered = UniformCorruption(num_entities=7, num_negatives=6, chunk_size=3,
                                 known=KnownTriples(TOY, num_entities=7, num_relations=3))
    shared = filtered.sample(batch, generator=_generator(4))
    for row, (h, r, t) in enumerate(batch.tolist()):
        own = h if plain.head_side[row] else t
        for k, entity in enumerate(plain.entities[row // 3].tolist()):
            assert bool(plain.mask[row, k]) == (entity == own)
        for k, entity in enumerate(shared.entities[row // 3].tolist()):
            corrupted = (entity, r, t) if shared.head_side[row] else (h, r, entity)
            assert bool(shared.mask[row, k]) == (corrupted in known_set)
    torch.testing.assert_close(plain.log_prob, torch.full((3, 6), -math.log(7)))


def test_other_noise_reports_its_log_probabilities_and_masks_own_hits():
    noise = Unigram([50, 1, 1, 1, 1], power=1.0)
    negatives = UniformCorruption(num_entities=5, num_negatives=100, noise=noise).sample(
        torch.tensor([[0, 0, 1], [1, 0, 0]]), generator=_generator(5))
    torch.testing.assert_close(negatives.log_prob, noise.log_prob(negatives.entities))
    own = torch.where(negatives.head_side, torch.tensor([0, 1]), torch.tensor([1, 0]))
    assert torch.equal(negatives.mask, negatives.entities == own[:, None]) and negatives.mask.any()


def test_known_triples_membership_matches_a_python_set():
    g = np.random.default_rng(0)
    triples = g.integers(0, [30, 4, 30], size=(200, 3))
    known = KnownTriples(triples, num_entities=30, num_relations=4)
    queries = torch.as_tensor(g.integers(0, [30, 4, 30], size=(3000, 3)))
    queries[:100] = torch.as_tensor(triples[:100])
    expected = [tuple(q) in {tuple(t) for t in triples.tolist()} for q in queries.tolist()]
    assert known.contains(*queries.unbind(1)).tolist() == expected
    assert len(known) == len({tuple(t) for t in triples.tolist()})
    empty = KnownTriples(np.zeros((0, 3), dtype=np.int64), num_entities=3, num_relations=1)
    assert not empty.contains(torch.tensor([0]), torch.tensor([0]), torch.tensor([1])).any()
    with pytest.raises(ValueError, match="do not fit in int64"):
        KnownTriples(triples, num_entities=10**9, num_relations=10**2)


def test_sampling_is_seeded_and_checks_its_arguments():
    sampler = UniformCorruption(num_entities=9, num_negatives=4, chunk_size=2)
    batch = torch.tensor([[0, 0, 1], [2, 0, 3], [4, 0, 5]])
    a, b = (sampler.sample(batch, generator=_generator(7)) for _ in range(2))
    assert torch.equal(a.entities, b.entities) and torch.equal(a.head_side, b.head_side)
    with pytest.raises(ValueError, match="num_negatives must be a positive integer"):
        UniformCorruption(num_entities=9, num_negatives=0)
    with pytest.raises(ValueError, match="noise covers 3 ids"):
        UniformCorruption(num_entities=9, num_negatives=2, noise=Unigram([1, 2, 3]))
    with pytest.raises(ValueError, match=r"triples: expected a LongTensor of shape \(batch_size, 3\)"):
        sampler.sample(torch.zeros(3, 2, dtype=torch.long))


@pytest.mark.parametrize("name,p", [("transe", 1), ("transe", 2), ("distmult", None), ("complex", None),
                                    ("rotate", 1), ("rotate", 2)])
def test_shared_scores_equal_per_row_scores_of_the_same_entities(name, p):
    model = build_score_function(name, num_entities=9, num_relations=2, dim=4, p=p, generator=_generator(8))
    batch = torch.tensor([[0, 0, 1], [2, 1, 3], [4, 0, 5], [6, 1, 7], [8, 0, 0]])
    shared = UniformCorruption(num_entities=9, num_negatives=6, chunk_size=2).sample(batch, generator=_generator(9))
    pos, neg = score_corruptions(model, batch, shared)[:2]
    per_row = shared._replace(entities=shared.entities.repeat_interleave(2, dim=0)[:5], chunk_size=None)
    pos_rows, neg_rows = score_corruptions(model, batch, per_row)[:2]
    torch.testing.assert_close(neg, neg_rows)
    torch.testing.assert_close(pos, model.score(*batch.unbind(1)))
    torch.testing.assert_close(pos_rows, pos)
    corrupted = batch.clone()[:, None, :].repeat(1, 6, 1)
    side = shared.head_side[:, None]
    corrupted[..., 0] = torch.where(side, per_row.entities, corrupted[..., 0])
    corrupted[..., 2] = torch.where(side, corrupted[..., 2], per_row.entities)
    torch.testing.assert_close(neg, model.score(*corrupted.reshape(-1, 3).unbind(1)).reshape(5, 6))

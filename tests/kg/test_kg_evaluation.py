"""Filtered link prediction against a brute-force loop, ties included, on both sides."""

import numpy as np
import pytest
import torch

from negsample.kg import Triples, build_score_function
from negsample.kg.evaluation import evaluate_link_prediction, rank_queries

E, R = 9, 2
TRAIN = [[0, 0, 1], [0, 0, 2], [1, 1, 3], [2, 0, 4], [4, 1, 5], [6, 0, 7], [7, 1, 8], [3, 0, 0]]
VALID = [[0, 0, 3], [5, 1, 6]]
TEST = [[0, 0, 4], [2, 1, 3], [6, 0, 8], [1, 1, 3]]


def _brute_force(model, triples, split, filtered, via_inverse=False):
    """Per test triple and side, loop over every entity; returns head ranks, tail ranks and the ties seen."""
    known = {tuple(t) for t in triples.known().tolist()}
    head_ranks, tail_ranks, ties = [], [], 0

    def candidate(h, r, t, side, e):
        if side == "tail":
            return h, r, e
        return (t, r + triples.num_base_relations, e) if via_inverse else (e, r, t)

    def score(triple):
        return float(model.score(*(torch.tensor([x]) for x in triple)))

    with torch.no_grad():
        for h, r, t in triples.split(split).tolist():
            for side, ranks, target in (("tail", tail_ranks, t), ("head", head_ranks, h)):
                mine = score(candidate(h, r, t, side, target))
                better = tied = 0
                for e in range(triples.num_entities):
                    triple = candidate(h, r, t, side, e)
                    if e == target or (filtered and triple in known):
                        continue
                    better += score(triple) > mine
                    tied += score(triple) == mine
                ranks.append(1 + better + tied / 2)
                ties += tied
    return np.array(head_ranks), np.array(tail_ranks), ties


def _tied_model(name, num_relations=R, p=None):
    """A model whose entities 2, 4 and 8 share one embedding, so their scores tie exactly."""
    model = build_score_function(name, num_entities=E, num_relations=num_relations, dim=4, p=p,
                                 generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        model.entity[4] = model.entity[2]
        model.entity[8] = model.entity[2]
    return model


@pytest.mark.parametrize("name,p", [("distmult", None), ("transe", 1), ("rotate", 1), ("complex", None),
                                    ("transe", 2)])
@pytest.mark.parametrize("filtered", [True, False])
def test_ranks_equal_a_brute_force_loop_with_ties(name, p, filtered):
    triples = Triples.from_ids(TRAIN, VALID, TEST, num_entities=E, num_relations=R)
    model = _tied_model(name, p=p)
    result = evaluate_link_prediction(model, triples, "test", filtered=filtered, batch_size=3)
    head, tail, ties = _brute_force(model, triples, "test", filtered)
    np.testing.assert_allclose(result.head_ranks, head)
    np.testing.assert_allclose(result.tail_ranks, tail)
    assert ties > 0                                                   # the ties are really there
    assert result.mrr == pytest.approx(np.mean(1 / np.concatenate([head, tail])))
    assert result.sides["head"].mrr == pytest.approx(np.mean(1 / head))
    assert result.hits[10] == 1.0 and result.count == 2 * len(TEST)


def test_inverse_relations_answer_head_queries_as_tail_queries():
    triples = Triples.from_ids(TRAIN, VALID, TEST, num_entities=E, num_relations=R, inverse=True)
    model = _tied_model("complex", num_relations=2 * R)
    result = evaluate_link_prediction(model, triples, "test")
    head, tail, _ = _brute_force(model, triples, "test", True, via_inverse=True)
    np.testing.assert_allclose(result.head_ranks, head)
    np.testing.assert_allclose(result.tail_ranks, tail)


def test_equal_scores_get_the_middle_rank_and_breakdowns_add_up():
    triples = Triples.from_ids(TRAIN, VALID, TEST, num_entities=E, num_relations=R)
    model = build_score_function("distmult", num_entities=E, num_relations=R, dim=2)
    with torch.no_grad():
        model.entity.zero_()
    raw = evaluate_link_prediction(model, triples, "test", filtered=False)
    np.testing.assert_allclose(raw.tail_ranks, (E + 1) / 2)          # every entity ties with the target
    result = evaluate_link_prediction(model, triples, "test")
    assert set(result.relations) == {"0", "1"}
    counts = sum(parts["both"].count for parts in result.relations.values())
    assert counts == result.count
    weighted = sum(parts["both"].mrr * parts["both"].count for parts in result.relations.values()) / counts
    assert weighted == pytest.approx(result.mrr)
    relation_one = [i for i, t in enumerate(TEST) if t[1] == 1]
    assert result.relations["1"]["tail"].mrr == pytest.approx(np.mean(1 / result.tail_ranks[relation_one]))
    as_dict = result.to_dict()
    assert as_dict["sides"]["tail"]["count"] == len(TEST) and "hits@10" in as_dict


def test_chunk_size_does_not_change_ranks():
    g = torch.Generator().manual_seed(1)
    model = build_score_function("rotate", num_entities=50, num_relations=3, dim=6, generator=g)
    anchors, relations, targets = (torch.randint(0, n, (37,), generator=g) for n in (50, 3, 50))
    one = rank_queries(model, anchors, relations, targets, False, index=None, batch_size=1)
    many = rank_queries(model, anchors, relations, targets, False, index=None, batch_size=16)
    torch.testing.assert_close(one, many)


def test_mismatched_model_is_refused():
    triples = Triples.from_ids(TRAIN, VALID, TEST, num_entities=E, num_relations=R)
    with pytest.raises(ValueError, match="model has 3 entities"):
        evaluate_link_prediction(build_score_function("distmult", num_entities=3, num_relations=R, dim=2), triples)

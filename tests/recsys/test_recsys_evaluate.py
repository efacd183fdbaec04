"""Full-ranking evaluation: a hand-computed example, a slow per-user loop, chunking and back ends."""

from __future__ import annotations

import math

import numpy as np
import pytest

from negsample.recsys import Interactions
from negsample.recsys.evaluate import evaluate_embeddings


def test_hand_computed():
    # 2 users, 4 items. User 0 trained on item 0, holds out {1, 3}; user 1 trained on 1, holds out {2}.
    data = Interactions.from_arrays([0, 0, 0, 1, 1], [0, 1, 3, 1, 2])
    train, test = data.select([0, 3]), data.select([1, 2, 4])
    users = np.array([[1.0, 0.0], [0.0, 1.0]])
    items = np.array([[9.0, 0.0], [3.0, 1.0], [2.0, 2.0], [1.0, 3.0]])
    # user 0 scores 9, 3, 2, 1 -> without item 0: ranking 1, 2, 3. user 1 scores 0, 1, 2, 3 -> without 1: 3, 2, 0.
    r = evaluate_embeddings(users, items, test, exclude=train, ks=(1, 2))
    assert r["recall@1"] == pytest.approx((1 / 2 + 0) / 2)
    assert r["recall@2"] == pytest.approx((1 / 2 + 1) / 2)
    assert r["hit@1"] == 0.5 and r["precision@2"] == pytest.approx((1 / 2 + 1 / 2) / 2)
    ndcg_user1 = (1 / math.log2(3)) / 1.0
    ndcg_user0 = 1.0 / (1 + 1 / math.log2(3))
    assert r["ndcg@2"] == pytest.approx((ndcg_user0 + ndcg_user1) / 2)
    assert r["mrr@2"] == pytest.approx((1 + 1 / 2) / 2)
    assert r["coverage@1"] == pytest.approx(2 / 4)  # items 1 and 3
    popularity = train.item_counts()  # items 0 and 1 were trained once each
    user0, user1 = (popularity[1] + popularity[2]) / 2, (popularity[3] + popularity[2]) / 2
    assert r["popularity@2"] == pytest.approx((user0 + user1) / 2)


def _slow(users, items, test, train, k):
    recall, ndcg = [], []
    for u in sorted(set(test.users.tolist())):
        seen = set(train.items[train.users == u].tolist())
        relevant = set(test.items[test.users == u].tolist())
        scores = [(-float(users[u] @ items[i]), i) for i in range(len(items)) if i not in seen]
        top = [i for _, i in sorted(scores)[:k]]
        hits = [i in relevant for i in top]
        recall.append(sum(hits) / len(relevant))
        ideal = sum(1 / math.log2(r + 2) for r in range(min(k, len(relevant))))
        ndcg.append(sum(h / math.log2(r + 2) for r, h in enumerate(hits)) / ideal)
    return np.mean(recall), np.mean(ndcg)


@pytest.mark.parametrize("chunk_size", [1, 7, 1000])
def test_matches_a_slow_loop(chunk_size):
    rng = np.random.default_rng(chunk_size)
    data = Interactions.from_arrays(rng.integers(0, 40, 500), rng.integers(0, 60, 500))
    rows = rng.permutation(len(data))
    train, test = data.select(np.sort(rows[:350])), data.select(np.sort(rows[350:]))
    users, items = rng.normal(size=(data.num_users, 8)), rng.normal(size=(data.num_items, 8))
    r = evaluate_embeddings(users, items, test, exclude=train, ks=(5, 10), chunk_size=chunk_size)
    for k in (5, 10):
        recall, ndcg = _slow(users, items, test, train, k)
        assert r[f"recall@{k}"] == pytest.approx(recall)
        assert r[f"ndcg@{k}"] == pytest.approx(ndcg)


def test_torch_tensors_give_the_same_numbers():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    data = Interactions.from_arrays(rng.integers(0, 30, 300), rng.integers(0, 50, 300))
    train, test = data.select(np.arange(200)), data.select(np.arange(200, len(data)))
    users, items = rng.normal(size=(data.num_users, 4)), rng.normal(size=(data.num_items, 4))
    a = evaluate_embeddings(users, items, test, exclude=train, chunk_size=8)
    b = evaluate_embeddings(torch.as_tensor(users), torch.as_tensor(items), test, exclude=train, chunk_size=8)
    a.pop("seconds"), b.pop("seconds")
    assert a == pytest.approx(b)

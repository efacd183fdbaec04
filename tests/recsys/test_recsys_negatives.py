"""Sampled negatives of the two-tower objective: shared by the batch (the matrix product, as before),
per row (``shared_negatives=False``), and per row avoiding the user's training items
(``sample_unseen``), checked against brute force."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from recsys_synthetic import one_torch_thread  # noqa: E402, F401

from negsample.noise import Uniform, Unigram  # noqa: E402
from negsample.recsys import TwoTowerConfig  # noqa: E402
from negsample.recsys.objectives import Objective, SeenPairs  # noqa: E402
from negsample.recsys.towers import Tower  # noqa: E402
from negsample.retrieval import append_negatives  # noqa: E402

NUM_USERS, NUM_ITEMS, DIM = 6, 9, 4


def _towers():
    g = torch.Generator().manual_seed(0)
    return Tower(NUM_USERS, DIM, generator=g, normalize=False), Tower(NUM_ITEMS, DIM, generator=g, normalize=False)


def _seen_pairs(seed=0, n=25):
    rng = np.random.default_rng(seed)
    users, items = rng.integers(0, NUM_USERS, n), rng.integers(0, NUM_ITEMS, n)
    return users, items


@pytest.mark.parametrize("dense_limit", [2 ** 25, 0], ids=["dense", "sorted-keys"])
def test_seen_pairs_agrees_with_a_set(dense_limit):
    users, items = _seen_pairs()
    seen = SeenPairs(users, items, num_items=NUM_ITEMS, num_users=NUM_USERS, device="cpu", dense_limit=dense_limit)
    assert (seen.table is None) == (dense_limit == 0)
    truth = set(zip(users.tolist(), items.tolist()))
    grid_u, grid_i = torch.meshgrid(torch.arange(NUM_USERS), torch.arange(NUM_ITEMS), indexing="ij")
    got = seen.contains(grid_u, grid_i)
    expected = torch.tensor([[(u, i) in truth for i in range(NUM_ITEMS)] for u in range(NUM_USERS)])
    assert torch.equal(got, expected)
    empty = SeenPairs([], [], num_items=NUM_ITEMS, num_users=NUM_USERS, device="cpu", dense_limit=dense_limit)
    assert not empty.contains(grid_u, grid_i).any()


@pytest.mark.parametrize("negatives", ["uniform", "popularity"])
@pytest.mark.parametrize("loss", ["softmax", "bpr"])
def test_shared_draws_score_as_append_negatives_does(negatives, loss):
    config = TwoTowerConfig(negatives=negatives, loss=loss, num_negatives=5, temperature=0.5 if loss == "softmax"
                            else 1.0)
    counts = np.arange(1, NUM_ITEMS + 1)
    objective = Objective(config, counts, dim=DIM, generator=torch.Generator().manual_seed(3))
    user_tower, item_tower = _towers()
    users, items = torch.tensor([0, 1, 2, 3]), torch.tensor([4, 4, 0, 8])
    pos, neg = objective.scores(user_tower, item_tower, users, items, step=1)
    # The same draws, scored the way the objective did before (append_negatives on an empty block).
    noise = Uniform(NUM_ITEMS) if negatives == "uniform" else Unigram(counts, power=config.popularity_beta)
    ids = noise.sample((5,), generator=torch.Generator().manual_seed(3))
    q, c, t = user_tower(users), item_tower(items), config.temperature
    want_pos, log_q = (q * c).sum(-1) / t, None
    if config.resolved_log_q() == "counts":
        want_pos = want_pos - (noise.log_prob(items) + np.log(5))
        log_q = noise.log_prob(ids) + np.log(5)
    want = append_negatives(q.new_zeros(4, 0), q, item_tower(ids), row_ids=items, negative_ids=ids, log_q=log_q,
                            temperature=t)
    torch.testing.assert_close(pos, want_pos)
    torch.testing.assert_close(neg, want)


def _match_items(q, neg, item_tower):
    """The item each (row, column) score is the dot product with (scores are distinct on these towers)."""
    every = q @ item_tower.embed_all().T  # (B, num_items)
    return (neg.unsqueeze(2) - every.unsqueeze(1)).abs().argmin(dim=2)


@pytest.mark.parametrize("k", [1, 3])
def test_per_row_draws_score_each_rows_own_items(k):
    config = TwoTowerConfig(negatives="uniform", loss="bpr", num_negatives=k, shared_negatives=False,
                            temperature=1.0, normalize=False)
    objective = Objective(config, np.ones(NUM_ITEMS), dim=DIM, generator=torch.Generator().manual_seed(1))
    user_tower, item_tower = _towers()
    users = torch.arange(NUM_USERS).repeat(50)
    items = torch.randint(0, NUM_ITEMS, users.shape, generator=torch.Generator().manual_seed(2))
    pos, neg = objective.scores(user_tower, item_tower, users, items, step=1)
    assert pos.shape == users.shape and neg.shape == (users.shape[0], k)
    q = user_tower(users)
    drawn = Uniform(NUM_ITEMS).sample((users.shape[0], k), generator=torch.Generator().manual_seed(1))  # replayed
    hit = drawn == items.unsqueeze(1)
    masked = neg == torch.finfo(neg.dtype).min
    assert torch.equal(masked, hit) and hit.any()  # the row's own positive is masked, and nothing else
    exact = (q.unsqueeze(1) * item_tower(drawn)).sum(-1)
    torch.testing.assert_close(neg[~masked], exact[~masked])
    # Each row draws its own: columns differ across rows, and every item shows up.
    assert len(set(drawn[:, 0].tolist())) == NUM_ITEMS
    loss = objective.row_loss(pos, neg)
    assert loss.shape == users.shape and torch.isfinite(loss).all()


def test_sample_unseen_draws_avoid_the_users_training_items():
    seen_users, seen_items = _seen_pairs(seed=4, n=30)
    seen = SeenPairs(seen_users, seen_items, num_items=NUM_ITEMS, device="cpu")
    config = TwoTowerConfig(negatives="uniform", loss="bpr", num_negatives=2, shared_negatives=False,
                            sample_unseen=True, temperature=1.0, normalize=False)
    objective = Objective(config, np.ones(NUM_ITEMS), dim=DIM, generator=torch.Generator().manual_seed(5),
                          seen=seen)
    user_tower, item_tower = _towers()
    users = torch.as_tensor(seen_users).repeat(40)
    items = torch.as_tensor(seen_items).repeat(40)
    pos, neg = objective.scores(user_tower, item_tower, users, items, step=1)
    drawn = _match_items(user_tower(users), neg, item_tower)
    masked = neg == torch.finfo(neg.dtype).min
    truth = set(zip(seen_users.tolist(), seen_items.tolist()))
    was_seen = torch.tensor([[(u, i) in truth for i in row] for u, row in zip(users.tolist(), drawn.tolist())])
    assert not (was_seen & ~masked).any()  # no seen item scores as a negative
    # Redrawn (three rounds) rather than masked: at most ~(share seen)^4 of the draws stay masked.
    share_seen = np.mean([len({i for (u2, i) in truth if u2 == u}) / NUM_ITEMS for u in users.tolist()])
    assert masked.float().mean() < max(0.05, 3 * share_seen ** 4)
    # Without sample_unseen the same batch draws seen items as negatives.
    plain = Objective(TwoTowerConfig(**{**config.to_dict(), "sample_unseen": False}), np.ones(NUM_ITEMS), dim=DIM,
                      generator=torch.Generator().manual_seed(5))
    _, neg_plain = plain.scores(user_tower, item_tower, users, items, step=1)
    drawn_plain = _match_items(user_tower(users), neg_plain, item_tower)
    assert any((u, i) in truth for u, row in zip(users.tolist(), drawn_plain.tolist()) for i in row)


def test_per_row_settings_are_checked():
    with pytest.raises(ValueError, match="shared_negatives"):
        TwoTowerConfig(negatives="in-batch", shared_negatives=False)
    with pytest.raises(ValueError, match="sample_unseen.*shared_negatives=False"):
        TwoTowerConfig(negatives="uniform", loss="bpr", sample_unseen=True)
    with pytest.raises(ValueError, match="sample_unseen.*log_q"):
        TwoTowerConfig(negatives="popularity", shared_negatives=False, sample_unseen=True)
    with pytest.raises(ValueError, match="seen"):
        Objective(TwoTowerConfig(negatives="uniform", loss="bpr", shared_negatives=False, sample_unseen=True),
                  np.ones(NUM_ITEMS), dim=DIM, generator=torch.Generator())


def test_the_cross_batch_memory_is_used_only_after_the_warm_up():
    config = TwoTowerConfig(negatives="cross-batch", memory_size=8, memory_warmup=2)
    objective = Objective(config, np.ones(NUM_ITEMS), dim=DIM, generator=torch.Generator().manual_seed(0))
    user_tower, item_tower = _towers()
    users, items = torch.tensor([0, 1, 2]), torch.tensor([3, 4, 5])
    widths = [objective.scores(user_tower, item_tower, users, items, step=step)[1].shape[1] for step in (1, 2, 3, 4)]
    assert widths == [3, 3, 9, 11]  # in-batch only while warming up (the memory fills meanwhile), then 6, then 8
    with pytest.raises(ValueError, match="memory_warmup"):
        TwoTowerConfig(negatives="cross-batch", memory_warmup=-1)

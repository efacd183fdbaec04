"""TwoTower on planted structure: logQ-corrected in-batch training recovers it, uncorrected training
is pushed away from popular items; every negative source and loss trains; seeds, early stopping,
save/load, serving (exact vs faiss) and the errors."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from recsys_synthetic import item_groups, one_torch_thread, planted  # noqa: E402, F401

from negsample.recsys import TwoTower, UnknownIdError, leave_last_out  # noqa: E402
from negsample.recsys.serving import ItemIndex, faiss_available  # noqa: E402

FAST = {"dim": 16, "epochs": 12, "batch_size": 256, "lr": 0.02, "early_stopping": None, "temperature": 0.1}


@pytest.fixture(scope="module")
def zipf_split():
    return leave_last_out(planted(), valid=True, seed=0)


def _fit(split, **settings):
    return TwoTower(**{**FAST, **settings}).fit(split.train)


def test_log_q_recovers_planted_structure_and_uncorrected_is_biased(zipf_split):
    corrected = _fit(zipf_split, negatives="in-batch", log_q="counts")
    uncorrected = _fit(zipf_split, negatives="in-batch", log_q="none")
    good = corrected.evaluate(zipf_split.test, ks=(10,))
    bad = uncorrected.evaluate(zipf_split.test, ks=(10,))
    # 40 items per taste group: a model that knows the groups gets the held-out item into the top 10
    # far more often than a random ranking (10 / 188 ~ 0.05).
    assert good["recall@10"] >= 0.6
    # Without the correction every popular item is a negative in many rows: the model under-ranks
    # them, recommends a less popular tail and loses recall on this Zipf catalogue.
    assert bad["popularity@10"] < 0.8 * good["popularity@10"]
    assert bad["recall@10"] < good["recall@10"] - 0.1


@pytest.mark.parametrize(("settings", "floor"), [
    ({"negatives": "uniform", "num_negatives": 64}, 0.25),
    ({"negatives": "popularity", "num_negatives": 64, "popularity_beta": 0.5}, 0.25),
    ({"negatives": "in-batch", "log_q": "streaming"}, 0.25),
    ({"negatives": "cross-batch", "memory_size": 128}, 0.25),
    ({"negatives": "mixed", "num_negatives": 32}, 0.25),
    ({"negatives": "hard", "num_negatives": 4, "hard_pool": 20, "epochs": 6}, 0.25),
    ({"negatives": "uniform", "loss": "bpr", "num_negatives": 32, "temperature": 1.0}, 0.25),
    ({"negatives": "uniform", "loss": "bpr", "num_negatives": 1, "shared_negatives": False, "sample_unseen": True,
      "temperature": 1.0, "normalize": False, "init_std": 0.03}, 0.25),
    # Binary NS with uniform negatives learns the groups but not the popularity order within them.
    ({"negatives": "uniform", "loss": "binary", "num_negatives": 8, "temperature": 1.0, "normalize": False}, 0.15),
    ({"negatives": "uniform", "loss": "ccl", "num_negatives": 64, "margin": 0.4, "negative_weight": 20.0}, 0.25),
    ({"negatives": "in-batch", "user_history": True, "mlp": (32,)}, 0.25),
], ids=lambda s: "-".join(str(v) for v in s.values()) if isinstance(s, dict) else str(s))
def test_every_source_and_loss_learns(zipf_split, settings, floor):
    result = _fit(zipf_split, **settings).evaluate(zipf_split.test, ks=(10,))
    assert result["recall@10"] > floor  # random: 10 / 192 ~ 0.05


def test_seeded_runs_repeat_and_seeds_differ(zipf_split):
    a = _fit(zipf_split, epochs=2, seed=3).item_embeddings()
    b = _fit(zipf_split, epochs=2, seed=3).item_embeddings()
    c = _fit(zipf_split, epochs=2, seed=4).item_embeddings()
    assert np.array_equal(a, b) and not np.allclose(a, c)


def test_early_stopping_restores_the_best_epoch(zipf_split):
    model = TwoTower(**{**FAST, "epochs": 30, "lr": 0.05, "early_stopping": "ndcg@10", "patience": 2})
    model.fit(zipf_split.train, zipf_split.valid)
    scores = [e["metrics"]["valid_ndcg@10"] for e in model.history]
    assert len(scores) < 30  # stopped
    restored = model.evaluate(zipf_split.valid, ks=(10,))["ndcg@10"]
    assert restored == pytest.approx(max(scores))


def test_save_load_recommends_the_same(zipf_split, tmp_path):
    model = _fit(zipf_split, epochs=3, user_history=True)
    users = zipf_split.train.user_map.values[:7]
    before = model.recommend(users, k=5)
    model.save(tmp_path / "model.npz")
    loaded = TwoTower.load(tmp_path / "model.npz")
    after = loaded.recommend(users, k=5)
    assert np.array_equal(before.items, after.items)
    np.testing.assert_allclose(before.scores, after.scores, rtol=1e-6)
    assert loaded.config == model.config
    with np.load(tmp_path / "model.npz", allow_pickle=False) as npz:  # no pickled object inside
        assert all(npz[key].dtype != object for key in npz.files)


def test_recommend_leaves_out_seen_items_and_names_unknown_ids(zipf_split):
    model = _fit(zipf_split, epochs=2)
    user = zipf_split.train.user_map.values[0]
    seen = set(zipf_split.train.item_map.to_external(zipf_split.train.items[zipf_split.train.users == 0]).tolist())
    assert not seen & set(model.recommend([user], k=50).items[0].tolist())
    assert seen & set(model.recommend([user], k=188, exclude_seen=False).items[0].tolist())
    with pytest.raises(UnknownIdError, match="unknown user id 12345"):
        model.recommend([12345])
    similar = model.similar_items([5, 6], k=3)
    assert similar.items.shape == (2, 3) and 5 not in similar.items[0].tolist()


@pytest.mark.skipif(not faiss_available(), reason="faiss-cpu is not installed")
@pytest.mark.parametrize("kind", ["flat", "ivf"])
def test_faiss_agrees_with_exact(kind):
    rng = np.random.default_rng(0)
    items = rng.normal(size=(500, 16)).astype(np.float32)
    queries = rng.normal(size=(20, 16)).astype(np.float32)
    exclude = [rng.choice(500, size=rng.integers(0, 30), replace=False) for _ in range(20)]
    exact = ItemIndex(items, kind="exact").search(queries, 10, exclude=exclude)
    options = {"nlist": 8, "nprobe": 8} if kind == "ivf" else {}  # every list probed: exact
    other = ItemIndex(items, kind=kind, **options).search(queries, 10, exclude=exclude)
    assert np.array_equal(exact[1], other[1])
    np.testing.assert_allclose(exact[0], other[0], rtol=1e-4, atol=1e-5)


def test_a_tower_of_shared_parameters_trains_with_cross_batch_negatives():
    """An item tower with no id embedding: its group and popularity bucket are features shared by many
    items, and the stale memory embeddings are still negatives the shared parameters learn from."""
    from negsample.recsys.features import FeatureTable

    data = planted(num_users=200, num_items=120, groups=4, seed=1)
    item_group = item_groups(120, 4, seed=1)
    counts = data.item_counts()
    bucket = np.argsort(np.argsort(-counts)) // 15
    items = FeatureTable.from_columns(data.item_map.values, data.item_map,
                                      categorical={"group": item_group[data.item_map.values].astype(str),
                                                   "bucket": bucket.astype(str)})
    split = leave_last_out(data.with_features(item_features=items), valid=False)
    model = TwoTower(**{**FAST, "negatives": "cross-batch", "memory_size": 128, "item_id": False, "mlp": (32,)})
    model.fit(split.train)
    assert model.item_tower.shares_parameters
    assert model.evaluate(split.test, ks=(10,))["recall@10"] > 0.3  # random: ~10 / 115

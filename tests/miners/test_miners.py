"""Miners against naive Python loops, plus their documented edge cases and error messages."""

from __future__ import annotations

import importlib
import itertools
import math
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from negsample.distances import EuclideanDistance  # noqa: E402
from negsample.miners import (  # noqa: E402
    DistanceWeightedMiner,
    HardNegativeMiner,
    SemiHardNegativeMiner,
    Triplets,
    ohem,
)


def _batch(seed, n=24, dim=6, num_classes=4):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, dim, generator=g), torch.randint(0, num_classes, (n,), generator=g)


def _naive_distances(embeddings, normalize):
    x = embeddings.double().numpy()
    if normalize:
        x = x / np.linalg.norm(x, axis=1, keepdims=True)
    return np.array([[math.dist(a, b) for b in x] for a in x])


def _as_set(triplets):
    return set(_as_list(triplets))


def _as_list(triplets):
    return list(zip(*(t.tolist() for t in triplets), strict=True))


def _positives(labels, a):
    return [p for p in range(len(labels)) if p != a and labels[p] == labels[a]]


def _negatives(labels, a):
    return [n for n in range(len(labels)) if labels[n] != labels[a]]


def test_euclidean_distance_matches_naive():
    emb, _ = _batch(0)
    for normalize in (True, False):
        got = EuclideanDistance(normalize=normalize).pairwise(emb).double().numpy()
        np.testing.assert_allclose(got, _naive_distances(emb, normalize), atol=1e-5)


@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("k", [1, 3, 100])
@pytest.mark.parametrize("seed", [0, 1])
def test_hard_negative_miner_matches_naive_loop(seed, k, normalize):
    emb, labels = _batch(seed)
    dist, labels_list = _naive_distances(emb, normalize), labels.tolist()
    expected = []
    for a in range(len(labels_list)):
        hardest = sorted(_negatives(labels_list, a), key=lambda n: dist[a, n])[:k]
        expected += [(a, p, n) for p in _positives(labels_list, a) for n in hardest]
    got = HardNegativeMiner(k=k, normalize_embeddings=normalize)(emb, labels)
    assert isinstance(got, Triplets)
    assert all(t.dtype == torch.long for t in got)
    assert _as_list(got) == expected


def test_hard_negative_miner_breaks_ties_by_index():
    emb = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    got = HardNegativeMiner(k=2)(emb, torch.tensor([0, 0, 1, 1, 1]))
    assert got.negative[got.anchor == 0].tolist() == [2, 3]


@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_semi_hard_miner_matches_naive_loop_and_condition_holds(seed, normalize):
    emb, labels = _batch(seed)
    margin = 0.3 if normalize else 1.0
    dist, labels_list = _naive_distances(emb, normalize), labels.tolist()
    expected = {
        (a, p, n)
        for a in range(len(labels_list))
        for p in _positives(labels_list, a)
        for n in _negatives(labels_list, a)
        if dist[a, p] < dist[a, n] < dist[a, p] + margin
    }
    got = SemiHardNegativeMiner(margin=margin, normalize_embeddings=normalize)(emb, labels)
    assert expected and _as_set(got) == expected
    d = EuclideanDistance(normalize=normalize).pairwise(emb)
    d_ap, d_an = d[got.anchor, got.positive], d[got.anchor, got.negative]
    assert bool(((d_ap < d_an) & (d_an < d_ap + margin)).all())
    assert bool((labels[got.anchor] == labels[got.positive]).all())
    assert bool((labels[got.anchor] != labels[got.negative]).all())


def test_semi_hard_agrees_with_pytorch_metric_learning():
    pml_miners = pytest.importorskip("pytorch_metric_learning.miners")
    emb, labels = _batch(5, n=40, dim=8)
    theirs = pml_miners.TripletMarginMiner(margin=0.3, type_of_triplets="semihard")(emb, labels)
    assert _as_set(SemiHardNegativeMiner(margin=0.3)(emb, labels)) == _as_set(theirs)


def test_semi_hard_closest_per_pair_matches_naive_loop():
    emb, labels = _batch(3)
    margin = 0.4
    dist, labels_list = _naive_distances(emb, True), labels.tolist()
    expected = set()
    for a in range(len(labels_list)):
        for p in _positives(labels_list, a):
            band = [n for n in _negatives(labels_list, a) if dist[a, p] < dist[a, n] < dist[a, p] + margin]
            if band:
                expected.add((a, p, min(band, key=lambda n: dist[a, n])))
    got = SemiHardNegativeMiner(margin=margin, per_pair="closest")(emb, labels)
    assert expected and _as_set(got) == expected
    assert len(got.anchor) == len(expected)


def test_semi_hard_drops_pairs_without_semi_hard_negatives():
    # Well-separated classes: every negative is farther than d(a, p) + margin, so nothing is returned
    # (documented: no fallback to the hardest negative).
    emb = torch.tensor([[0.0, 0.0], [0.1, 0.0], [10.0, 0.0], [10.1, 0.0]])
    got = SemiHardNegativeMiner(margin=1.0, normalize_embeddings=False)(emb, torch.tensor([0, 0, 1, 1]))
    assert all(t.shape == (0,) and t.dtype == torch.long for t in got)
    # ... and the empty result is still usable by a loss.
    pml = pytest.importorskip("pytorch_metric_learning.losses")
    emb.requires_grad_(True)
    assert float(pml.TripletMarginLoss()(emb, torch.tensor([0, 0, 1, 1]), got).detach()) == 0.0


def _naive_ohem(losses, positive, ratio):
    keep = []
    for row_loss, row_pos in zip(losses, positive, strict=True):
        negatives = sorted((i for i, p in enumerate(row_pos) if not p), key=lambda i: (-row_loss[i], i))
        chosen = set(negatives[: min(math.floor(ratio * sum(row_pos)), len(negatives))])
        keep.append([bool(p) or i in chosen for i, p in enumerate(row_pos)])
    return keep


@pytest.mark.parametrize("ratio", [3, 0, 1.5])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ohem_keeps_top_negatives_at_ratio_with_deterministic_ties(seed, ratio):
    g = torch.Generator().manual_seed(seed)
    losses = torch.randint(0, 4, (5, 40), generator=g).float()  # few distinct values: many ties
    positive = torch.rand(5, 40, generator=g) < 0.1
    positive[0] = False  # a row without positives keeps nothing
    keep = ohem(losses, positive, neg_pos_ratio=ratio)
    assert keep.shape == losses.shape and keep.dtype == torch.bool
    assert keep.tolist() == _naive_ohem(losses.tolist(), positive.tolist(), ratio)
    assert not keep[0].any()
    num_pos = positive.sum(1)
    wanted = torch.minimum((num_pos * ratio).floor().long(), (~positive).sum(1))
    assert ((keep & ~positive).sum(1) == wanted).all()


def test_ohem_one_dimensional_and_capped_by_available_negatives():
    losses = torch.tensor([0.5, 0.9, 0.5, 0.1, 0.5])
    keep = ohem(losses, torch.tensor([False, True, False, False, False]), 2)
    assert keep.tolist() == [True, True, True, False, False]  # ties at 0.5 -> lower indices
    all_kept = ohem(losses, torch.tensor([True, False, False, False, False]), neg_pos_ratio=10)
    assert all_kept.all()


def test_ohem_positives_kept_even_with_minus_inf_negatives():
    losses = torch.tensor([float("-inf"), float("-inf"), 1.0])
    keep = ohem(losses, torch.tensor([True, False, False]), neg_pos_ratio=2)
    assert keep.tolist() == [True, True, True]


def test_miners_plug_into_metric_losses():
    pml = pytest.importorskip("pytorch_metric_learning.losses")
    emb, labels = _batch(4, n=32, dim=8)
    emb.requires_grad_(True)
    miners = [
        HardNegativeMiner(k=2),
        SemiHardNegativeMiner(margin=0.2),
        DistanceWeightedMiner(generator=torch.Generator().manual_seed(0)),
    ]
    losses = [pml.TripletMarginLoss(margin=0.2)]
    try:
        from negsample.losses import MarginLoss, TripletMarginLoss
    except ImportError:
        pass
    else:
        losses += [MarginLoss(margin=0.2, beta=1.2), TripletMarginLoss(margin=0.2)]
    for miner, loss_fn in itertools.product(miners, losses):
        loss = loss_fn(emb, labels, miner(emb, labels))
        loss.backward()
        assert torch.isfinite(loss)
        assert emb.grad is not None


def test_miners_do_not_track_gradients():
    emb, labels = _batch(0)
    emb.requires_grad_(True)
    got = HardNegativeMiner(k=1)(emb, labels)
    assert not any(t.requires_grad for t in got)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: HardNegativeMiner(k=0), r"k: expected an int >= 1, got 0"),
        (lambda: HardNegativeMiner(k=1.5), r"k: expected an int >= 1, got 1.5"),
        (lambda: SemiHardNegativeMiner(margin=0.0), r"margin: expected a finite number > 0, got 0.0"),
        (
            lambda: SemiHardNegativeMiner(margin=float("nan")),
            r"margin: expected a finite number > 0, got nan",
        ),
        (
            lambda: SemiHardNegativeMiner(margin=0.2, per_pair="one"),
            r"per_pair: expected 'all' or 'closest', got 'one'",
        ),
        (lambda: DistanceWeightedMiner(cutoff=-1.0), r"cutoff: expected a finite number > 0, got -1.0"),
        (
            lambda: DistanceWeightedMiner(cutoff=0.5, nonzero_loss_cutoff=0.4),
            r"nonzero_loss_cutoff: expected a number > cutoff = 0.5, got 0.4",
        ),
        (
            lambda: HardNegativeMiner()(torch.zeros(4), torch.zeros(4)),
            r"embeddings: expected a 2-d input \(N, D\), got shape \(4,\)",
        ),
        (
            lambda: HardNegativeMiner()(torch.zeros(4, 3), torch.zeros(5)),
            r"labels: expected shape \(N,\) = \(4,\), got \(5,\)",
        ),
        (
            lambda: HardNegativeMiner()(torch.zeros(4, 3, dtype=torch.long), torch.zeros(4)),
            r"embeddings: expected a floating-point dtype, got torch.int64",
        ),
        (
            lambda: ohem(torch.zeros(2, 3, 4), torch.zeros(2, 3, 4, dtype=torch.bool)),
            r"losses: expected a 1-d or 2-d input",
        ),
        (
            lambda: ohem(torch.zeros(2, 3), torch.zeros(2, 4, dtype=torch.bool)),
            r"positive_mask: expected shape \(the shape of losses\) = \(2, 3\), got \(2, 4\)",
        ),
        (
            lambda: ohem(torch.zeros(3), torch.zeros(3, dtype=torch.bool), -1),
            r"neg_pos_ratio: expected a finite number >= 0, got -1",
        ),
    ],
)
def test_bad_inputs_raise_with_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_constructors_are_keyword_only():
    with pytest.raises(TypeError):
        HardNegativeMiner(3)
    with pytest.raises(TypeError):
        SemiHardNegativeMiner(0.2)


def test_import_without_torch_names_the_extra(monkeypatch):
    for name in [m for m in sys.modules if m.startswith("negsample.miners")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"negsample\[torch\]"):
        importlib.import_module("negsample.miners")

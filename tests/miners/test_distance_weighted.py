"""DistanceWeightedMiner against Wu et al. 2017 (Sampling Matters in Deep Embedding Learning), Sec. 4.

The paper draws a negative at distance d with weight ``1 / q(d)``, clipped at a cutoff, where
``q(d) ∝ d^(n-2) (1 - d^2/4)^((n-3)/2)`` is the density of distances between uniform points on the
unit sphere in R^n. Negatives of a batch lie at distances distributed as q, so the draw spreads them
evenly over ``[cutoff, nonzero_loss_cutoff)``. Until this was fixed the miner weighted by q(d)
itself (the easiest negatives), and the exact-distribution test below expected that inversion too.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
scipy_stats = pytest.importorskip("scipy.stats")

from negsample.miners import DistanceWeightedMiner  # noqa: E402
from negsample.miners.distance_weighted import log_inverse_sphere_density  # noqa: E402

CUTOFF, NONZERO = 0.5, 1.4


def _log_q(d, dim):
    """The log density of distances on the sphere, up to a constant (the paper's q, by hand)."""
    d = np.asarray(d, dtype=np.float64)
    return (dim - 2) * np.log(d) + (dim - 3) / 2 * np.log(1 - d * d / 4)


def _papers_weights(distances, dim, cutoff=CUTOFF, nonzero_loss_cutoff=NONZERO):
    """``1 / q(max(d, cutoff))`` for d < nonzero_loss_cutoff, else 0; normalised to sum to 1."""
    d = np.asarray(distances, dtype=np.float64)
    w = 1.0 / np.exp(_log_q(np.maximum(d, cutoff), dim))
    w[d >= nonzero_loss_cutoff] = 0.0
    return w / w.sum()


def _points_at_distances(distances, dim):
    """Unit vectors in R^dim: anchor e0, then one point at each given distance from it."""
    points = [torch.eye(dim, dtype=torch.float64)[0]]
    for i, d in enumerate(distances):
        cos = 1.0 - d * d / 2.0  # |e0 - x|^2 = 2 - 2 cos
        x = torch.zeros(dim, dtype=torch.float64)
        x[0], x[1 + i % (dim - 1)] = cos, math.sqrt(1.0 - cos * cos)
        points.append(x)
    return torch.stack(points)


@pytest.mark.parametrize("dim", [3, 8, 16, 128])
def test_log_weights_are_the_papers_inverse_density(dim):
    d = np.linspace(0.01, 1.99, 67)
    got = log_inverse_sphere_density(torch.tensor(d), dim, cutoff=CUTOFF).numpy()
    np.testing.assert_allclose(got, -_log_q(np.maximum(d, CUTOFF), dim), rtol=1e-12, atol=1e-12)
    if dim == 16:  # the number: +7.77 at d = 0.6 (the inverted miner had -7.77)
        at_06 = float(log_inverse_sphere_density(torch.tensor([0.6]), 16, cutoff=CUTOFF))
        assert at_06 == pytest.approx(7.764, abs=1e-3)


def test_the_closer_negative_is_drawn_almost_always_in_16_dimensions():
    dim = 16
    # anchor, 40 positives at 0.05, then the negatives at 0.6 and 1.3
    points = _points_at_distances([0.05] * 40 + [0.6, 1.3], dim).float()
    labels = torch.tensor([0] * 41 + [1, 2])
    miner = DistanceWeightedMiner(generator=torch.Generator().manual_seed(3), normalize_embeddings=False)
    picks = torch.cat([(t := miner(points, labels)).negative[t.anchor == 0] for _ in range(50)])
    assert picks.numel() == 2000
    p_close = _papers_weights([0.6, 1.3], dim)[0]
    assert p_close == pytest.approx(0.9996, abs=1e-4)  # the inverted miner: 0.0004
    misses = int((picks == 42).sum())
    assert misses <= 6, f"the far negative was drawn {misses} times in 2000 (expected about 0.8)"


def _uniform_sphere_draws(dim, n, seeds):
    """Distances d(a, n) the miner draws in batches of n uniform points on the sphere (pairs of labels)."""
    drawn = []
    for seed in seeds:
        g = torch.Generator().manual_seed(seed)
        emb = torch.nn.functional.normalize(torch.randn(n, dim, generator=g, dtype=torch.float64), dim=1)
        labels = torch.arange(n) // 2
        t = DistanceWeightedMiner(generator=g)(emb.float(), labels)
        drawn.append((emb[t.anchor] - emb[t.negative]).norm(dim=1).numpy())
    return np.concatenate(drawn)


def _sampled_distance_law(dim):
    """CDF and mean of the distance the paper's draw returns when negatives are uniform on the
    sphere: density ∝ q(d) / q(max(d, cutoff)) on [0, nonzero_loss_cutoff), i.e. flat above the cutoff."""
    grid = np.linspace(1e-9, NONZERO, 200_001)
    density = np.exp(_log_q(grid, dim) - _log_q(np.maximum(grid, CUTOFF), dim))
    cdf = np.concatenate([[0.0], np.cumsum((density[1:] + density[:-1]) / 2 * np.diff(grid))])
    mass = cdf[-1]
    mean = float(np.sum((grid[1:] * density[1:] + grid[:-1] * density[:-1]) / 2 * np.diff(grid)) / mass)
    return (lambda x: np.interp(x, grid, cdf / mass)), mean


def test_sampled_distances_of_uniform_points_follow_the_papers_law():
    dim = 8
    drawn = _uniform_sphere_draws(dim, 1500, seeds=range(4))
    cdf, mean = _sampled_distance_law(dim)
    assert mean == pytest.approx(0.911, abs=0.001)  # the inverted miner drew 1.24 on average
    assert drawn.max() < NONZERO
    assert drawn.mean() == pytest.approx(mean, abs=0.015)
    assert scipy_stats.kstest(drawn, cdf).pvalue > 1e-3
    # Above the cutoff the draws are flat, as the paper intends.
    above = drawn[drawn >= CUTOFF]
    assert scipy_stats.kstest(above, scipy_stats.uniform(CUTOFF, NONZERO - CUTOFF).cdf).pvalue > 1e-3


def test_mean_sampled_distance_agrees_with_pytorch_metric_learning():
    pml_miners = pytest.importorskip("pytorch_metric_learning.miners")
    dim, n = 8, 400  # pytorch-metric-learning draws in a Python loop per anchor: keep it small
    theirs = []
    torch.manual_seed(0)
    np.random.seed(0)
    for seed in range(6):
        g = torch.Generator().manual_seed(seed)
        emb = torch.nn.functional.normalize(torch.randn(n, dim, generator=g), dim=1)
        miner = pml_miners.DistanceWeightedMiner(cutoff=CUTOFF, nonzero_loss_cutoff=NONZERO)
        a, _, neg = miner(emb, torch.arange(n) // 2)
        theirs.append((emb[a] - emb[neg]).norm(dim=1).numpy())
    theirs = np.concatenate(theirs)
    ours = _uniform_sphere_draws(dim, n, seeds=range(6))
    # The standard error of each mean is about 0.005; the inverted miner was 0.33 off.
    assert ours.mean() == pytest.approx(theirs.mean(), abs=0.03)


def test_draws_follow_the_exact_distribution():
    dim = 5
    neg_distances = [0.3, 0.7, 1.0, 1.3, 1.6]  # 0.3 is clipped to the cutoff, 1.6 is never drawn
    points = _points_at_distances([0.05] * 40 + neg_distances, dim)  # anchor, 40 positives, 5 negatives
    labels = torch.tensor([0] * 41 + [1, 2, 3, 4, 5])
    miner = DistanceWeightedMiner(generator=torch.Generator().manual_seed(1234), normalize_embeddings=False)
    counts = np.zeros(len(neg_distances))
    for _ in range(75):  # 3000 draws for the anchor
        t = miner(points.float(), labels)
        np.add.at(counts, t.negative[t.anchor == 0].numpy() - 41, 1)
    probs = _papers_weights(neg_distances, dim)
    assert counts[-1] == 0
    result = scipy_stats.chisquare(counts[:-1], probs[:-1] * counts.sum())
    assert result.pvalue > 0.01, (counts, probs)


def _batch(seed, n, dim, num_classes):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, dim, generator=g), torch.randint(0, num_classes, (n,), generator=g)


@pytest.mark.parametrize("seed", [0, 1])
def test_pairs_and_support_match_naive_loop(seed):
    emb, labels = _batch(seed, n=30, dim=4, num_classes=3)
    unit = [v / np.linalg.norm(v) for v in emb.double().numpy()]
    labels_list = labels.tolist()
    anchors = range(len(labels_list))
    eligible = {a: {n for n in anchors if labels_list[n] != labels_list[a] and math.dist(unit[a], unit[n]) < 1.4}
                for a in anchors}
    expected_pairs = [(a, p) for a in anchors for p in anchors
                      if p != a and labels_list[p] == labels_list[a] and eligible[a]]
    got = DistanceWeightedMiner(generator=torch.Generator().manual_seed(seed))(emb, labels)
    assert list(zip(got.anchor.tolist(), got.positive.tolist(), strict=True)) == expected_pairs
    assert all(n in eligible[a] for a, n in zip(got.anchor.tolist(), got.negative.tolist(), strict=True))


def test_is_stable_in_high_dimension_and_reproducible():
    emb, labels = _batch(0, n=64, dim=512, num_classes=8)
    first = DistanceWeightedMiner(generator=torch.Generator().manual_seed(5))(emb, labels)
    second = DistanceWeightedMiner(generator=torch.Generator().manual_seed(5))(emb, labels)
    assert len(first.anchor) > 0
    assert all(torch.equal(a, b) for a, b in zip(first, second, strict=True))


def test_drops_anchors_without_close_negatives():
    emb = torch.tensor([[1.0, 0.0], [1.0, 0.01], [-1.0, 0.0]])  # the negative sits at distance ~2
    got = DistanceWeightedMiner()(emb, torch.tensor([0, 0, 1]))
    assert all(t.numel() == 0 for t in got)

"""Distance objects against naive loops, and the one matrix that miners and metric losses share."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from negsample.distances import CosineSimilarity, DotProductSimilarity, EuclideanDistance  # noqa: E402
from negsample.losses import ContrastiveLoss, MarginLoss, TripletMarginLoss  # noqa: E402
from negsample.miners import DistanceWeightedMiner, HardNegativeMiner, SemiHardNegativeMiner  # noqa: E402


def _batch(seed, n=10, dim=5):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, dim, generator=g, dtype=torch.float64), torch.arange(n) % 3


def _naive(x, y, pair):
    return torch.tensor([[pair(a.tolist(), b.tolist()) for b in y] for a in x], dtype=torch.float64)


def _dot(a, b):
    return sum(u * v for u, v in zip(a, b, strict=True))


def _unit(v):
    return [c / math.sqrt(_dot(v, v)) for c in v]


def test_distances_match_naive_loops():
    x, _ = _batch(0)
    y, _ = _batch(1, n=4)
    torch.testing.assert_close(EuclideanDistance().pairwise(x, y), _naive(x, y, math.dist))
    torch.testing.assert_close(
        EuclideanDistance(normalize=True).pairwise(x, y), _naive(x, y, lambda a, b: math.dist(_unit(a), _unit(b)))
    )
    torch.testing.assert_close(CosineSimilarity().pairwise(x, y), _naive(x, y, lambda a, b: _dot(_unit(a), _unit(b))))
    torch.testing.assert_close(DotProductSimilarity().pairwise(x, y), _naive(x, y, _dot))
    for distance in (EuclideanDistance(), CosineSimilarity(), DotProductSimilarity()):
        assert torch.equal(distance.pairwise(x), distance.pairwise(x, x.clone()))


def test_direction_flags_equality_and_exact_self_distances():
    assert not EuclideanDistance().larger_is_closer
    assert CosineSimilarity().larger_is_closer and DotProductSimilarity().larger_is_closer
    assert EuclideanDistance(normalize=True) == EuclideanDistance(normalize=True) != EuclideanDistance()
    # Near-duplicates in a batch over 25 rows (where cdist would switch to the matmul shortcut).
    g = torch.Generator().manual_seed(0)
    x = torch.randn(40, 16, generator=g).repeat(2, 1) + 1e-7 * torch.randn(80, 16, generator=g)
    d = EuclideanDistance(normalize=True).pairwise(x)
    assert (d.diagonal() == 0).all()


def test_miners_and_losses_see_the_same_matrix_for_the_same_batch(monkeypatch):
    seen = []
    original = EuclideanDistance.pairwise

    def recording(self, x, y=None):
        out = original(self, x, y)
        seen.append(out.detach().clone())
        return out

    monkeypatch.setattr(EuclideanDistance, "pairwise", recording)
    embeddings, labels = _batch(2, n=32, dim=8)
    embeddings.requires_grad_(True)
    for normalize in (True, False):
        miners = [HardNegativeMiner(k=2, normalize_embeddings=normalize),
                  SemiHardNegativeMiner(margin=0.3, normalize_embeddings=normalize)]  # fmt: skip
        if normalize:
            miners.append(DistanceWeightedMiner(generator=torch.Generator().manual_seed(0)))
        losses = [TripletMarginLoss(normalize=normalize), ContrastiveLoss(normalize=normalize),
                  MarginLoss(normalize=normalize)]  # fmt: skip
        for miner in miners:
            for loss in losses:
                assert miner.distance == loss.distance
                seen.clear()
                loss(embeddings, labels, miner(embeddings, labels))
                assert len(seen) == 2 and torch.equal(seen[0], seen[1]), (miner, loss)


def test_near_duplicates_are_exact_beyond_the_matmul_routes_reach():
    # The matmul route alone is 5e-4 off here (sqrt of float32's eps) and leaves the diagonal non-zero.
    g = torch.Generator().manual_seed(3)
    x = torch.nn.functional.normalize(torch.randn(64, 32, generator=g), dim=1)
    x[1] = torch.nn.functional.normalize(x[0] + 1e-4 * torch.randn(32, generator=g), dim=0)
    truth = torch.cdist(x.double(), x.double(), compute_mode="donot_use_mm_for_euclid_dist")
    got = EuclideanDistance().pairwise(x)
    assert (got.diagonal() == 0).all()
    assert abs(float(got[0, 1]) - float(truth[0, 1])) < 1e-7 < float(truth[0, 1])
    torch.testing.assert_close(got.double(), truth, atol=1e-6, rtol=0)


def test_distances_are_differentiable_at_zero():
    x = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], dtype=torch.float64, requires_grad=True)
    EuclideanDistance().pairwise(x).sum().backward()
    assert torch.isfinite(x.grad).all()
    x = torch.randn(6, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda v: EuclideanDistance(normalize=True).pairwise(v, v.flip(0)), (x,))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_low_precision_distances_run_on_cpu_and_keep_their_dtype(dtype):
    x, _ = _batch(4, n=40, dim=16)
    tolerance = 2e-3 if dtype == torch.float16 else 1.6e-2  # half a unit in the last place near 2
    for normalize in (False, True):
        got = EuclideanDistance(normalize=normalize).pairwise(x.to(dtype))
        assert got.dtype == dtype and (got.diagonal() == 0).all()
        want = EuclideanDistance(normalize=normalize).pairwise(x.to(dtype).double())
        torch.testing.assert_close(got.double(), want, atol=0, rtol=tolerance)
    for similarity in (CosineSimilarity(), DotProductSimilarity()):
        assert similarity.pairwise(x.to(dtype)).dtype == dtype


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_metric_losses_and_miners_run_in_low_precision_on_cpu(dtype):
    embeddings, labels = _batch(5, n=32, dim=8)
    miners = [HardNegativeMiner(k=2), SemiHardNegativeMiner(margin=0.3),
              DistanceWeightedMiner(generator=torch.Generator().manual_seed(0))]  # fmt: skip
    for miner in miners:
        triplets = miner(embeddings.to(dtype), labels)
        assert all(t.dtype == torch.long for t in triplets)
    triplets = HardNegativeMiner(k=2)(embeddings, labels)
    for loss_fn in (TripletMarginLoss(), ContrastiveLoss(), MarginLoss()):
        low = embeddings.to(dtype).requires_grad_(True)
        loss = loss_fn(low, labels, triplets)
        loss.backward()
        assert loss.dtype == dtype and low.grad.dtype == dtype and torch.isfinite(low.grad).all()
        reference = loss_fn(embeddings.to(dtype).double(), labels, triplets)
        assert float(loss.detach()) == pytest.approx(float(reference), rel=2e-2, abs=1e-2)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: EuclideanDistance().pairwise(torch.zeros(3)), r"x: expected a 2-d input \(n, dim\), got shape \(3,\)"),
        (
            lambda: CosineSimilarity().pairwise(torch.zeros(3, 2), torch.zeros(4, 3)),
            r"y: expected shape \(m, dim\) = \(\*, 2\), got \(4, 3\)",
        ),
        (
            lambda: DotProductSimilarity().pairwise(torch.zeros(3, 2, dtype=torch.long)),
            r"x: expected a floating-point dtype, got torch.int64",
        ),
    ],
)
def test_bad_inputs_raise_with_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()

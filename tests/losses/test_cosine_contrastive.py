"""CosineContrastiveLoss against a per-element loop, by gradcheck, and on its edge cases."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from negsample.losses import CosineContrastiveLoss  # noqa: E402
from negsample.scores import fill_value  # noqa: E402


def _loop(pos, neg, margin, weight):
    rows = []
    for i in range(len(pos)):
        negative = sum(max(0.0, float(s) - margin) for s in neg[i]) / neg.shape[1]
        rows.append(max(0.0, 1.0 - float(pos[i])) + weight * negative)
    return torch.tensor(rows, dtype=torch.float64)


def test_matches_a_loop():
    gen = torch.Generator().manual_seed(0)
    pos = torch.rand(6, generator=gen, dtype=torch.float64) * 2 - 1
    neg = torch.rand(6, 9, generator=gen, dtype=torch.float64) * 2 - 1
    for margin, weight in [(0.0, 1.0), (0.4, 3.0), (0.9, 0.5)]:
        loss = CosineContrastiveLoss(margin=margin, negative_weight=weight, reduction="none")
        torch.testing.assert_close(loss(pos, neg), _loop(pos, neg, margin, weight))
    total = CosineContrastiveLoss(margin=0.4, negative_weight=3.0, reduction="sum")(pos, neg)
    torch.testing.assert_close(total, _loop(pos, neg, 0.4, 3.0).sum())


def test_hand_computed_and_masked():
    loss = CosineContrastiveLoss(margin=0.5, negative_weight=2.0)
    neg = torch.tensor([[0.9, fill_value(torch.float32)]])  # the masked column costs nothing
    assert loss(torch.tensor([0.8]), neg).item() == pytest.approx(0.2 + 2.0 * 0.4 / 2)


def test_gradcheck():
    gen = torch.Generator().manual_seed(1)
    # Away from the hinge points so the finite differences are defined.
    pos = (torch.rand(4, generator=gen, dtype=torch.float64) * 0.8).requires_grad_(True)
    neg = (torch.rand(4, 5, generator=gen, dtype=torch.float64) * 0.8 + 0.15).requires_grad_(True)
    assert torch.autograd.gradcheck(CosineContrastiveLoss(margin=0.5), (pos, neg))


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="margin"):
        CosineContrastiveLoss(margin=-1.0)
    with pytest.raises(ValueError, match="negative_weight"):
        CosineContrastiveLoss(negative_weight=float("nan"))
    with pytest.raises(ValueError, match="neg_scores"):
        CosineContrastiveLoss()(torch.zeros(3), torch.zeros(2, 4))

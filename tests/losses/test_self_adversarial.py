"""Self-adversarial negative sampling and margin ranking: the formulas by hand, masks, no gradient
through the weights, gradcheck, bad input."""

import math

import pytest

torch = pytest.importorskip("torch")

from negsample.losses import MarginRankingLoss, SelfAdversarialLoss  # noqa: E402
from negsample.scores import fill_value, mask_scores  # noqa: E402


def _randn(*shape, seed=0, grad=False):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=torch.float64).requires_grad_(grad)


def _log_sigmoid(x):
    return -math.log1p(math.exp(-x))


def test_self_adversarial_matches_the_formula_row_by_row():
    pos, neg = _randn(3, seed=1), _randn(3, 4, seed=2)
    gamma, alpha = 2.0, 0.7
    loss = SelfAdversarialLoss(margin=gamma, temperature=alpha, reduction="none")(pos, neg)
    for row in range(3):
        exp = [math.exp(alpha * s) for s in neg[row].tolist()]
        weights = [e / sum(exp) for e in exp]
        expected = -_log_sigmoid(gamma + pos[row].item()) - sum(
            w * _log_sigmoid(-s - gamma) for w, s in zip(weights, neg[row].tolist()))
        assert loss[row].item() == pytest.approx(expected, rel=1e-12)
    weights = SelfAdversarialLoss(temperature=alpha).weights(neg)
    torch.testing.assert_close(weights, torch.softmax(alpha * neg, dim=1))
    uniform = SelfAdversarialLoss(temperature=0.0).weights(neg)
    torch.testing.assert_close(uniform, torch.full((3, 4), 0.25, dtype=torch.float64))


def test_self_adversarial_weights_carry_no_gradient():
    pos, neg = _randn(3, seed=3, grad=True), _randn(3, 5, seed=4, grad=True)
    loss_fn = SelfAdversarialLoss(margin=1.0, temperature=2.0)
    weights = loss_fn.weights(neg)
    assert not weights.requires_grad and weights.grad_fn is None
    loss_fn(pos, neg).backward()
    # d/ds_k of -w_k log σ(-s_k - γ) with w constant: w_k σ(s_k + γ), over the mean's 3 rows
    expected = weights * torch.sigmoid(neg.detach() + 1.0) / 3
    torch.testing.assert_close(neg.grad, expected)
    torch.testing.assert_close(pos.grad, -torch.sigmoid(-(pos.detach() + 1.0)) / 3)


def test_masked_negatives_cost_nothing_even_a_whole_masked_row():
    pos, neg = _randn(2, seed=5, grad=True), _randn(2, 3, seed=6, grad=True)
    mask = torch.tensor([[False, True, False], [True, True, True]])
    for loss_fn in (SelfAdversarialLoss(temperature=3.0, reduction="none"),
                    MarginRankingLoss(margin=2.0, reduction="none")):
        masked = loss_fn(pos, mask_scores(neg, mask))
        assert torch.isfinite(masked).all()
        masked.sum().backward()
        assert torch.isfinite(neg.grad).all() and (neg.grad[mask] == 0).all()
        neg.grad = None
    sa = SelfAdversarialLoss(temperature=3.0, reduction="none")
    kept = sa(pos[:1], neg[:1, [0, 2]])
    torch.testing.assert_close(sa(pos, mask_scores(neg, mask))[0], kept[0])     # as if it were never drawn
    torch.testing.assert_close(sa(pos, mask_scores(neg, mask))[1], -torch.nn.functional.logsigmoid(9.0 + pos[1]))
    assert sa.weights(torch.full((1, 2), fill_value(torch.float64), dtype=torch.float64)).tolist() == [[0.5, 0.5]]


def test_margin_ranking_matches_the_formula():
    pos, neg = torch.tensor([1.0, -0.5]), torch.tensor([[0.5, -2.0, 0.9], [0.0, -1.0, -0.6]])
    loss = MarginRankingLoss(margin=0.5, reduction="none")(pos, neg)
    expected = [[max(0.0, 0.5 - p + n) for n in row] for p, row in zip(pos.tolist(), neg.tolist())]
    torch.testing.assert_close(loss, torch.tensor(expected))
    assert MarginRankingLoss(margin=0.5)(pos, neg).item() == pytest.approx(sum(map(sum, expected)) / 6)
    assert MarginRankingLoss(margin=0.5, reduction="sum")(pos, neg).item() == pytest.approx(sum(map(sum, expected)))


def test_gradcheck():
    pos, neg = _randn(4, seed=7, grad=True), _randn(4, 3, seed=8, grad=True)
    # with temperature 0 the (detached) weights are constant, so numerical and analytic gradients agree;
    # at any other temperature they must differ, as the weights' own dependence on the scores is cut
    assert torch.autograd.gradcheck(SelfAdversarialLoss(margin=1.5, temperature=0.0), (pos, neg))
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        torch.autograd.gradcheck(SelfAdversarialLoss(margin=1.5, temperature=0.5), (pos, neg))
    assert torch.autograd.gradcheck(MarginRankingLoss(margin=0.3), (pos, neg + 0.01))


def test_bad_input_is_named():
    with pytest.raises(ValueError, match=r"neg_scores: expected shape \(batch_size, num_negatives\)"):
        SelfAdversarialLoss()(torch.zeros(3), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="temperature: expected a finite number >= 0"):
        SelfAdversarialLoss(temperature=-1.0)
    with pytest.raises(ValueError, match="margin: expected a finite number >= 0"):
        MarginRankingLoss(margin=float("nan"))
    with pytest.raises(ValueError, match="reduction"):
        MarginRankingLoss(reduction="max")

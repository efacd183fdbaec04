"""Candidate sampling for the TF ports: TensorFlow's unique draws and expected counts."""

import math

import pytest

torch = pytest.importorskip("torch")

from negsample.noise import LogUniform, Uniform  # noqa: E402
from negsample.noise.candidates import sample_candidates  # noqa: E402


def test_sample_candidates_unique_uses_tensorflow_expected_counts():
    sampler = Uniform(6)
    labels = torch.tensor([[0], [5]])
    g = torch.Generator().manual_seed(3)
    sampled, true_count, sampled_count = sample_candidates(sampler, labels, num_sampled=6, generator=g)
    assert sorted(sampled.tolist()) == list(range(6))
    # count = 1 - (1 - p)^num_tries for one integer num_tries >= 6 (recovered from the counts).
    tries = torch.log1p(-sampled_count.double()) / math.log1p(-1 / 6)
    assert torch.allclose(tries, tries.round(), atol=1e-3) and tries.min() >= 6
    torch.testing.assert_close(true_count, sampled_count[:2].view(2, 1))
    # unique=False: TF's shortcut, num_sampled * p.
    log_uniform = LogUniform(50)
    sampled, true_count, sampled_count = sample_candidates(
        log_uniform, labels, num_sampled=5, unique=False, generator=g
    )
    torch.testing.assert_close(true_count.squeeze(1), torch.tensor(5 * log_uniform.probs[[0, 5]]).float())
    torch.testing.assert_close(sampled_count, torch.tensor(5 * log_uniform.probs[sampled.numpy()]).float())


def test_unique_expected_counts_are_inclusion_probabilities():
    """Monte Carlo: TF's unique-sampling expected count is the probability an id is among the draws."""
    sampler = LogUniform(20)
    labels = torch.zeros(1, 1, dtype=torch.long)
    g = torch.Generator().manual_seed(0)
    hits, expected = torch.zeros(20, dtype=torch.float64), torch.zeros(20, dtype=torch.float64)
    rounds = 400
    for _ in range(rounds):
        sampled, _, counts = sample_candidates(sampler, labels, num_sampled=5, generator=g)
        hits[sampled] += 1
        # Expected inclusion for every class at this round's num_tries (TF's shortcut when none rejected).
        p = torch.as_tensor(sampler.probs)
        p0 = p[sampled[0]].item()
        shortcut = math.isclose(counts[0].item(), 5 * p0, rel_tol=1e-5)
        tries = 5 if shortcut else math.log1p(-counts[0].item()) / math.log1p(-p0)
        expected += -torch.expm1(tries * torch.log1p(-p))
    # Sum of indicators vs sum of probabilities, class by class (binomial-ish tolerance).
    assert torch.all((hits - expected).abs() <= 4 * expected.clamp(min=1).sqrt() + 2)

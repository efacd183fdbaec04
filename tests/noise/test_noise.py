"""Noise distributions: exact distributions (chi-square with power), torch/NumPy parity, exclusion,
bad input, the streaming frequency estimator, and torch staying optional."""

import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from negsample.noise import (
    Empirical,
    LogUniform,
    NoiseDistribution,
    StreamingFrequency,
    Uniform,
    Unigram,
)

NUM_DRAWS = 200_000


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def zipf_counts(n):
    return np.round(1e5 / np.arange(1, n + 1)) + 1


DISTRIBUTIONS = {
    "unigram": lambda: Unigram(zipf_counts(40), power=0.75),
    "uniform": lambda: Uniform(30),
    "loguniform": lambda: LogUniform(40),
    "empirical": lambda: Empirical(np.r_[0.3, 0.2, np.full(25, 0.5 / 25)]),
}


def chisquare_p(draws, probs):
    """p-value of the draws (any shape of ids) against ``probs``."""
    observed = np.bincount(np.asarray(draws).ravel(), minlength=len(probs))
    keep = probs > 0
    assert observed[~keep].sum() == 0, "drew an id with probability zero"
    expected = probs[keep] / probs[keep].sum() * observed.sum()
    return stats.chisquare(observed[keep], expected).pvalue


# ----------------------------------------------------------------------------- exact distributions
@pytest.mark.parametrize("name", sorted(DISTRIBUTIONS))
def test_numpy_draws_follow_the_exact_distribution(name):
    noise = DISTRIBUTIONS[name]()
    draws = noise.sample(NUM_DRAWS, rng=np.random.default_rng(1234))
    assert draws.dtype == np.int64 and draws.shape == (NUM_DRAWS,)
    assert chisquare_p(draws, noise.probs) > 0.001


@pytest.mark.parametrize("name", sorted(DISTRIBUTIONS))
def test_torch_draws_follow_the_exact_distribution(name, torch):
    noise = DISTRIBUTIONS[name]()
    draws = noise.sample((NUM_DRAWS // 100, 100), generator=torch.Generator().manual_seed(1234))
    assert draws.dtype == torch.int64 and tuple(draws.shape) == (NUM_DRAWS // 100, 100)
    assert chisquare_p(draws.numpy(), noise.probs) > 0.001


def test_chisquare_has_power_against_a_wrong_distribution(torch):
    """The test above would notice a sampler that is off: power 0.75 vs 1.0, or one class nudged."""
    noise = Unigram(zipf_counts(40), power=0.75)
    draws = noise.sample(NUM_DRAWS, rng=5)
    assert chisquare_p(draws, Unigram(zipf_counts(40), power=1.0).probs) < 1e-6
    nudged = noise.probs.copy()
    nudged[3] *= 1.1  # a 10% error on one class
    assert chisquare_p(draws, nudged / nudged.sum()) < 0.001
    torch_draws = noise.sample(NUM_DRAWS, generator=torch.Generator().manual_seed(5)).numpy()
    assert chisquare_p(torch_draws, LogUniform(40).probs) < 1e-6


def test_log_uniform_matches_tensorflow_formula():
    n = 1000
    k = np.arange(n)
    expected = (np.log(k + 2) - np.log(k + 1)) / np.log(n + 1)
    np.testing.assert_allclose(LogUniform(n).probs, expected, rtol=1e-12)
    np.testing.assert_allclose(np.exp(LogUniform(n).log_prob(k)), expected, rtol=1e-12)


def test_uniform_and_empirical_probabilities():
    np.testing.assert_allclose(Uniform(7).probs, np.full(7, 1 / 7))
    probs = np.array([0.1, 0.0, 0.9])
    noise = Empirical(probs)
    np.testing.assert_allclose(noise.probs, probs)
    assert noise.log_prob(np.array([1]))[0] == -np.inf
    assert not np.any(noise.sample(10_000, rng=0) == 1)


# ----------------------------------------------------------------------------- API and parity
def test_numpy_sampling_is_reproducible_and_keeps_the_base_contract():
    noise = Unigram([5, 3, 2, 0, 1])
    assert isinstance(noise, NoiseDistribution)
    np.testing.assert_array_equal(noise.sample((3, 4), 7), noise.sample((3, 4), np.random.default_rng(7)))
    gen = np.random.default_rng(0)
    assert not np.array_equal(noise.sample(100, gen), noise.sample(100, gen))
    assert noise.sample(0, 0).shape == (0,)
    assert noise.threshold.dtype == np.float64 and noise.alias.dtype == np.int32
    assert not np.any(noise.sample(10_000, 1) == 3)  # zero count, never drawn


def test_torch_sampling_device_generator_and_log_prob(torch):
    noise = LogUniform(100)
    a = noise.sample((4, 6), generator=torch.Generator().manual_seed(3))
    b = noise.sample((4, 6), device="cpu", generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b) and a.device.type == "cpu" and a.dtype == torch.long
    assert noise.sample(5, device=torch.device("cpu")).shape == (5,)
    log_q = noise.log_prob(a)
    assert log_q.dtype == torch.get_default_dtype() and log_q.shape == a.shape
    np.testing.assert_allclose(log_q.double().numpy(), noise.log_prob(a.numpy()), rtol=1e-6)
    assert noise.log_prob(a, dtype=torch.float64).dtype == torch.float64
    assert isinstance(noise.log_prob(a.numpy()), np.ndarray)
    # The table is copied to a device once.
    assert noise._torch_tables("cpu") is noise._torch_tables(torch.device("cpu"))
    with pytest.raises(TypeError, match="generator="):
        noise.sample(3, rng=0, device="cpu")


def test_log_prob_rejects_out_of_range_ids(torch):
    noise = Uniform(5)
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 5\), got values in \[0, 5\]"):
        noise.log_prob(np.array([0, 5]))
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 5\), got values in \[-1, 2\]"):
        noise.log_prob(torch.tensor([-1, 2]))


# ----------------------------------------------------------------------------- exclusion
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_shared_exclusion_never_returns_excluded_and_renormalises(backend, torch):
    noise = Unigram(zipf_counts(30))
    exclude = np.array([0, 1, 5, 5])
    if backend == "numpy":
        draws = noise.sample(NUM_DRAWS, rng=11, exclude=exclude)
    else:
        draws = noise.sample(NUM_DRAWS, generator=torch.Generator().manual_seed(11), exclude=torch.tensor(exclude))
        draws = draws.numpy()
    assert not np.isin(draws, exclude).any()
    renormalised = noise.probs.copy()
    renormalised[exclude] = 0
    assert chisquare_p(draws, renormalised / renormalised.sum()) > 0.001
    # log_prob with exclude= is the renormalised distribution it sampled from.
    conditional = np.exp(noise.log_prob(np.arange(30), exclude=exclude))
    np.testing.assert_allclose(conditional, renormalised / renormalised.sum(), rtol=1e-12)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_per_row_exclusion_padded_with_minus_one(backend, torch):
    noise = Uniform(12)
    exclude = np.array([[0, 1, 2, 3, 4, 5, 6, 7], [11, -1, -1, -1, -1, -1, -1, -1], [-1] * 8])
    if backend == "numpy":
        draws = noise.sample((3, 20_000), rng=2, exclude=exclude)
        log_q = noise.log_prob(np.tile(np.arange(12), (3, 1)), exclude=exclude)
    else:
        ex = torch.tensor(exclude)
        draws = noise.sample((3, 20_000), generator=torch.Generator().manual_seed(2), exclude=ex).numpy()
        log_q = noise.log_prob(torch.arange(12).repeat(3, 1), exclude=ex, dtype=torch.float64).numpy()
    assert set(np.unique(draws[0])) == set(range(8, 12))
    assert set(np.unique(draws[1])) == set(range(11))
    assert set(np.unique(draws[2])) == set(range(12))
    assert chisquare_p(draws[0], np.r_[np.zeros(8), np.full(4, 0.25)]) > 0.001
    np.testing.assert_allclose(np.exp(log_q).sum(axis=1), 1.0)
    assert np.all(log_q[0, :8] == -np.inf) and log_q[1, 11] == -np.inf


def test_exclusion_errors(torch):
    noise = Empirical([0.5, 0.5 - 1e-9, 1e-9])
    with pytest.raises(ValueError, match=r"exclude: the excluded ids carry probability 0.999999999 \(~1\)"):
        noise.sample(10, rng=0, exclude=[0, 1])
    with pytest.raises(ValueError, match="the excluded ids carry probability"):
        noise.sample(10, generator=torch.Generator(), exclude=torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"exclude: ids must lie in \[0, 3\), got values in \[0, 3\]"):
        noise.sample(10, rng=0, exclude=[0, 3])
    with pytest.raises(ValueError, match=r"exclude: ids must lie in \[0, 3\) \(or -1 as padding\)"):
        noise.sample((1, 10), rng=0, exclude=[[0, -2]])
    with pytest.raises(ValueError, match=r"needs size \(batch_size, \.\.\.\) with batch_size=2, got size \(3, 4\)"):
        noise.sample((3, 4), rng=0, exclude=[[0], [1]])
    with pytest.raises(ValueError, match=r"exclude: expected an integer dtype, got float64"):
        noise.sample(4, rng=0, exclude=[0.5])
    with pytest.raises(RuntimeError, match="still excluded after max_rounds=1 rounds"):
        Empirical([0.99, 0.01]).sample(10_000, rng=0, exclude=[0], max_rounds=1)


def test_bad_sizes_and_constructor_arguments():
    with pytest.raises(ValueError, match=r"size: expected a non-negative int or a tuple of them, got -1"):
        Uniform(3).sample(-1)
    with pytest.raises(ValueError, match=r"Uniform: num_classes must be a positive integer, got 0"):
        Uniform(0)
    with pytest.raises(ValueError, match=r"LogUniform: num_classes must be a positive integer, got 2.5"):
        LogUniform(2.5)
    with pytest.raises(
        ValueError, match=r"Empirical: probs: probabilities must sum to 1 \(within 1e-06\), got sum 1.1"
    ):
        Empirical([0.5, 0.6])
    with pytest.raises(ValueError, match=r"Empirical: probs: probabilities must be non-negative, got -0.5 at index 1"):
        Empirical([1.5, -0.5])
    with pytest.raises(ValueError, match=r"Empirical: probs: probabilities must be finite, got nan at index 0"):
        Empirical([np.nan, 1.0])
    with pytest.raises(ValueError, match=r"Empirical: probs: expected a non-empty 1-d array .* got shape \(1, 2\)"):
        Empirical([[0.5, 0.5]])
    Empirical([0.5, 0.5 + 5e-7])  # within tolerance


# ----------------------------------------------------------------------------- streaming frequency
def test_streaming_frequency_learns_the_gap_between_sightings():
    """Item i shows up every gaps[i] steps; 1 / gap estimates its per-step probability."""
    gaps = np.array([1, 2, 5, 10])
    freq = StreamingFrequency(4096, alpha=0.05)
    for step in range(1, 2001):
        freq.update(np.array([i for i, g in enumerate(gaps) if step % g == 0] + [0]), step)
    np.testing.assert_allclose(np.exp(freq.log_prob(np.arange(4))), 1 / gaps, rtol=0.02)
    assert freq.log_prob(np.array([123_456]))[0] == 0.0  # never seen: probability clipped at 1


def test_streaming_frequency_torch_and_numpy_agree(torch):
    ids = [np.array([3, 3, 7]), np.array([7, 2**40]), np.array([3, -5])]
    np_freq, torch_freq = StreamingFrequency(64, alpha=0.3), StreamingFrequency(64, alpha=0.3)
    for step, batch in enumerate(ids * 5, start=1):
        np_freq.update(batch, step)
        torch_freq.update(torch.as_tensor(batch), step)
    probe = np.array([3, 7, 2**40, -5, 11])
    out = torch_freq.log_prob(torch.as_tensor(probe), dtype=torch.float64)
    assert torch.is_tensor(out)
    np.testing.assert_allclose(out.numpy(), np_freq.log_prob(probe))
    np.testing.assert_array_equal(np_freq.bucket(probe), torch_freq.bucket(torch.as_tensor(probe)).numpy())
    # Switching back to NumPy input moves the state back.
    np.testing.assert_allclose(torch_freq.log_prob(probe), np_freq.log_prob(probe))


def test_streaming_frequency_bad_arguments():
    with pytest.raises(ValueError, match=r"StreamingFrequency: num_buckets must be a positive integer, got 0"):
        StreamingFrequency(0)
    with pytest.raises(ValueError, match=r"alpha: expected a number in \(0, 1\], got 1.5"):
        StreamingFrequency(8, alpha=1.5)
    with pytest.raises(ValueError, match=r"alpha: expected a finite number > 0, got 0"):
        StreamingFrequency(8, alpha=0)
    with pytest.raises(ValueError, match=r"step: expected a finite number >= 0, got -1"):
        StreamingFrequency(8).update(np.array([1]), -1)
    with pytest.raises(ValueError, match=r"ids: expected an integer dtype, got float64"):
        StreamingFrequency(8).update(np.array([1.0]), 1)


# ----------------------------------------------------------------------------- torch stays optional
def test_noise_imports_and_samples_without_torch():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from negsample.noise import Unigram, StreamingFrequency\n"
        "u = Unigram([3, 2, 1]); assert u.sample(5, rng=0).shape == (5,)\n"
        "try:\n"
        "    u.sample(5, device='cpu')\n"
        "except ImportError as e:\n"
        "    assert 'negsample[torch]' in str(e), e\n"
        "else:\n"
        "    raise AssertionError('expected ImportError')\n"
        "assert 'torch' not in sys.modules or sys.modules['torch'] is None\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

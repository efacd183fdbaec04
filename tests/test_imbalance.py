"""Negative downsampling and calibration: kept sets, weights, and calibrate inverting the bias of a
logistic model fit on downsampled data."""

import numpy as np
import pytest
from scipy import stats

from negsample.imbalance import calibrate, downsample_negatives


def test_downsampling_keeps_positives_and_a_rate_of_negatives():
    rng = np.random.default_rng(0)
    labels = (rng.random(100_000) < 0.02).astype(int)
    kept, weight = downsample_negatives(labels, 0.1, seed=1)
    assert kept.dtype == np.int64 and np.all(np.diff(kept) > 0)
    assert set(np.flatnonzero(labels)) <= set(kept.tolist())
    num_neg = int((labels == 0).sum())
    kept_neg = int((labels[kept] == 0).sum())
    assert stats.binomtest(kept_neg, num_neg, 0.1).pvalue > 0.001
    np.testing.assert_array_equal(weight, np.where(labels[kept] == 1, 1.0, 10.0))
    # Weighted counts are unbiased for the full data.
    assert abs(weight[labels[kept] == 0].sum() - num_neg) < 4 * np.sqrt(num_neg * 0.9 / 0.1)


def test_downsampling_is_reproducible_and_accepts_bools():
    labels = np.array([True, False, False, True, False] * 20)
    a, _ = downsample_negatives(labels, 0.5, seed=3)
    b, _ = downsample_negatives(labels, 0.5, seed=np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    kept, weight = downsample_negatives(labels, 1.0, seed=0)
    np.testing.assert_array_equal(kept, np.arange(100))
    np.testing.assert_array_equal(weight, np.ones(100))


def test_calibrate_is_the_exact_inverse_of_the_odds_shift():
    p = np.linspace(0, 1, 101)
    for rate in (0.01, 0.2, 1.0):
        biased = p / (p + (1 - p) * rate)  # what a model sees after downsampling negatives at `rate`
        np.testing.assert_allclose(calibrate(biased, rate), p, atol=1e-12)
    assert calibrate(0.5, 0.1) == pytest.approx(1 / 11)
    assert isinstance(calibrate(0.5, 0.1), float)


def test_calibrate_undoes_downsampling_in_a_simulated_logistic_model():
    """Fit logistic regression on data with 5% of the negatives kept: raw predictions are inflated
    ~20x, calibrated ones match the true probabilities (and so does fitting with the weights)."""
    linear_model = pytest.importorskip("sklearn.linear_model")
    rng = np.random.default_rng(42)
    n, rate = 300_000, 0.05
    x = rng.normal(size=(n, 2))
    true_p = 1 / (1 + np.exp(-(-4.5 + 1.2 * x[:, 0] - 0.8 * x[:, 1])))
    labels = (rng.random(n) < true_p).astype(int)
    kept, weight = downsample_negatives(labels, rate, seed=7)
    assert kept.size < 0.1 * n

    x_test = rng.normal(size=(20_000, 2))
    p_test = 1 / (1 + np.exp(-(-4.5 + 1.2 * x_test[:, 0] - 0.8 * x_test[:, 1])))
    model = linear_model.LogisticRegression(C=1e6).fit(x[kept], labels[kept])
    raw = model.predict_proba(x_test)[:, 1]
    calibrated = calibrate(raw, rate)
    assert np.mean(np.abs(raw - p_test)) > 0.05  # badly biased before
    assert np.mean(np.abs(calibrated - p_test)) < 0.003
    assert calibrated.mean() == pytest.approx(p_test.mean(), rel=0.1)
    weighted = linear_model.LogisticRegression(C=1e6).fit(x[kept], labels[kept], sample_weight=weight)
    assert np.mean(np.abs(weighted.predict_proba(x_test)[:, 1] - p_test)) < 0.003


def test_bad_inputs():
    with pytest.raises(ValueError, match=r"rate: expected a number in \(0, 1\], got 0"):
        downsample_negatives(np.array([0, 1]), 0)
    with pytest.raises(ValueError, match=r"rate: expected a number in \(0, 1\], got 1.5"):
        calibrate(0.5, 1.5)
    with pytest.raises(ValueError, match=r"labels: expected binary labels \(0/1 or bool\), got value 2"):
        downsample_negatives(np.array([0, 2]), 0.5)
    with pytest.raises(ValueError, match=r"labels: expected shape \(num_examples,\), got \(2, 1\)"):
        downsample_negatives(np.zeros((2, 1)), 0.5)
    with pytest.raises(ValueError, match=r"p: expected probabilities in \[0, 1\], got 1.2"):
        calibrate([0.5, 1.2], 0.5)
    with pytest.raises(ValueError, match=r"p: expected probabilities in \[0, 1\], got nan"):
        calibrate(np.nan, 0.5)

"""Class imbalance: negative downsampling and the calibration that undoes it (He et al., 2014).

With rare positives (clicks, conversions) most training time goes to negatives that teach little.
Keeping every positive and each negative with probability ``rate`` makes training ``~1/rate`` times
cheaper; a model fit on the downsampled data predicts inflated probabilities ``q``, and
``calibrate(q, rate) = q / (q + (1 - q) / rate)`` maps them back (the odds were multiplied by
``1 / rate``). Alternatively, train with the returned weights (``1 / rate`` per kept negative) and
skip the calibration. NumPy only.

Example
-------
>>> import numpy as np
>>> from negsample.imbalance import calibrate, downsample_negatives
>>> labels = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 1])
>>> kept, weight = downsample_negatives(labels, 0.5, seed=0)
>>> bool(np.all(labels[kept][weight == 1.0] == 1))     # positives kept with weight 1
True
>>> round(float(calibrate(0.5, 0.1)), 4)                # 50% on 10%-downsampled data -> ~9%
0.0909
"""

from __future__ import annotations

import numpy as np

from ._checks import check_unit_interval
from .noise import as_generator

__all__ = ["calibrate", "downsample_negatives"]


def downsample_negatives(labels, rate: float, seed=None) -> tuple[np.ndarray, np.ndarray]:
    """Keep every positive and each negative independently with probability ``rate``.

    Parameters
    ----------
    labels : array-like, shape (num_examples,)
        Binary labels: 1 / True is positive, 0 / False negative.
    rate : float in (0, 1]
        Keep probability for negatives.
    seed : None, int or numpy.random.Generator

    Returns
    -------
    kept_indices : ndarray of int64, shape (num_kept,)
        Increasing indices into ``labels``.
    weight : ndarray of float64, shape (num_kept,)
        1 for positives, ``1 / rate`` for negatives: importance weights that make weighted sums
        over the kept examples unbiased for sums over all of them.

    Raises
    ------
    ValueError
        For labels that are not 1-d binary, or ``rate`` outside (0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from negsample.imbalance import downsample_negatives
    >>> kept, weight = downsample_negatives(np.array([0, 1, 0, 0]), 1.0, seed=0)
    >>> kept.tolist(), weight.tolist()
    ([0, 1, 2, 3], [1.0, 1.0, 1.0, 1.0])
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels: expected shape (num_examples,), got {labels.shape}")
    if labels.size and not np.all((labels == 0) | (labels == 1)):
        bad = labels[(labels != 0) & (labels != 1)][0].item()
        raise ValueError(f"labels: expected binary labels (0/1 or bool), got value {bad!r}")
    check_unit_interval("rate", rate)
    positive = labels.astype(bool)
    keep = positive | (as_generator(seed).random(labels.shape[0]) < rate)
    kept = np.flatnonzero(keep)
    weight = np.where(positive[kept], 1.0, 1.0 / rate)
    return kept, weight


def calibrate(p, rate: float):
    """Undo negative downsampling in predicted probabilities: ``p / (p + (1 - p) / rate)``.

    Parameters
    ----------
    p : float or array-like in [0, 1]
        Probabilities predicted by a model trained on data whose negatives were kept at ``rate``.
    rate : float in (0, 1]

    Returns
    -------
    float or ndarray (same shape as ``p``)
        Probabilities on the original (not downsampled) distribution.

    Examples
    --------
    >>> from negsample.imbalance import calibrate
    >>> calibrate([0.0, 0.5, 1.0], 0.25).tolist()
    [0.0, 0.2, 1.0]
    """
    check_unit_interval("rate", rate)
    p_arr = np.asarray(p, dtype=np.float64)
    if np.any(~np.isfinite(p_arr)) or np.any((p_arr < 0) | (p_arr > 1)):
        bad = float(p_arr[~((p_arr >= 0) & (p_arr <= 1))].flat[0])
        raise ValueError(f"p: expected probabilities in [0, 1], got {bad!r}")
    # Same formula rearranged as p*rate / (p*rate + 1 - p): no division by p, so p = 0 maps to 0.
    out = p_arr * rate / (p_arr * rate + (1.0 - p_arr))
    return float(out) if np.ndim(p) == 0 else out

"""The noise distribution by rank: raw frequency, count^power (word2vec's noise) and uniform.

Raising counts to the power 0.75 takes probability from the most frequent words and gives it to
the rare ones; on log-log axes the flattening is a straight line turned towards the uniform one.

Example
-------
>>> import numpy as np
>>> from negsample.plots import plot_noise
>>> fig = plot_noise(np.array([3, 1]), power=0.5)
>>> fig.axes[0].get_lines()[2].get_ydata().tolist()
[0.5, 0.5]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..noise import Unigram
from .figure import new_figure

__all__ = ["plot_noise"]


def plot_noise(counts, *, power: float = 0.75, words: Sequence[str] | None = None):
    """Probability against frequency rank, on log-log axes.

    Parameters
    ----------
    counts : array-like of int, shape (n_words,)
        Word counts (any order; plotted by descending count).
    power : float, default 0.75
        The noise exponent (``ns_exponent``).
    words : sequence of str, optional
        The words, to label those at ranks 1, 10, 100, ... on the noise line.

    Returns
    -------
    matplotlib.figure.Figure
        One axes with three lines over ranks 1..n_words: raw frequency, count^power normalised
        (:class:`~negsample.noise.Unigram`'s probabilities) and uniform 1/n_words.
    """
    counts = np.asarray(counts)
    if counts.ndim != 1 or counts.shape[0] == 0:
        raise ValueError(f"plot_noise: counts must be a non-empty 1-d array, got shape {counts.shape}")
    if words is not None and len(words) != counts.shape[0]:
        raise ValueError(f"plot_noise: {counts.shape[0]} counts but {len(words)} words")
    order = np.argsort(-counts, kind="stable")
    sorted_counts = counts[order].astype(np.float64)
    rank = np.arange(1, counts.shape[0] + 1)
    raw = sorted_counts / sorted_counts.sum()
    noise = Unigram(sorted_counts, power=power).probs
    fig, (ax,) = new_figure(1, width=6.0, height=4.2)
    ax.plot(rank, raw, label="raw frequency")
    ax.plot(rank, noise, label=f"count^{power:g} (the noise)")
    ax.plot(rank, np.full(rank.shape, 1.0 / counts.shape[0]), linestyle="--", label="uniform")
    if words is not None:
        # One word per power of ten of rank: labels that never collide on log axes, and a sample of
        # what lives where (function words on top, names and rare words in the tail).
        for r in 10 ** np.arange(int(np.log10(counts.shape[0])) + 1) - 1:
            ax.annotate(words[order[r]], (rank[r], noise[r]), textcoords="offset points", xytext=(0, 7),
                        fontsize="small", ha="center")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("frequency rank")
    ax.set_ylabel("probability of being drawn")
    ax.set_title(f"Noise for negative sampling ({counts.shape[0]:,} words)")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    return fig

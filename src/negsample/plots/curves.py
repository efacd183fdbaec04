"""Training curves: loss, throughput and learning rate against epoch, several runs overlaid.

The runs are training logs (:mod:`negsample.training_log`), which the word2vec, recommender and
knowledge-graph trainers all write, so any of them can be compared on one figure.

Example
-------
>>> from negsample.plots import plot_curves
>>> run = {"kind": "run", "wing": "word2vec", "unit": "words", "config": {}}
>>> epochs = [{"epoch": e, "loss": 3.0 / e, "seconds": 1.0, "per_second": 1e6, "lr": 0.03 - 0.01 * e}
...           for e in (1, 2)]
>>> fig = plot_curves([(run, epochs)], labels=["sg"])
>>> fig.axes[0].get_lines()[0].get_ydata().tolist()
[3.0, 1.5]
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.ticker import MaxNLocator

from ..training_log import read_training_log
from .figure import new_figure

__all__ = ["plot_curves"]

_PANELS = (("loss", "loss per example"), ("per_second", "{unit} per second"), ("lr", "learning rate"))


def _series(epochs: list[dict], key: str) -> tuple[np.ndarray, np.ndarray]:
    """(epoch, value) of the records whose value is a number (a log writes NaN/inf as null)."""
    points = [(e["epoch"], e[key]) for e in epochs if isinstance(e.get(key), (int, float))]
    if not points:
        return np.array([]), np.array([])
    x, y = zip(*points)
    return np.array(x, dtype=np.float64), np.array(y, dtype=np.float64)


def plot_curves(logs: Sequence, labels: Sequence[str] | None = None):
    """Loss, throughput and learning rate by epoch, one line per run.

    Parameters
    ----------
    logs : sequence of paths (training logs) or of ``(run, epochs)`` as
        :func:`~negsample.training_log.read_training_log` returns them
    labels : sequence of str, optional
        One per log; default the file name, or the run's wing.

    Returns
    -------
    matplotlib.figure.Figure
        Three axes (loss, per second, learning rate); each line's data are the logged numbers.
    """
    if not logs:
        raise ValueError("plot_curves: give at least one training log")
    if labels is not None and len(labels) != len(logs):
        raise ValueError(f"plot_curves: {len(logs)} logs but {len(labels)} labels")
    runs, names = [], []
    for i, log in enumerate(logs):
        if isinstance(log, (str, os.PathLike)):
            runs.append(read_training_log(log))
            names.append(Path(log).stem)
        else:
            runs.append(log)
            names.append(log[0].get("wing", f"run {i + 1}"))
    names = list(labels) if labels is not None else names
    units = sorted({run.get("unit", "items") for run, _ in runs})
    fig, axes = new_figure(len(_PANELS), width=4.2, height=3.2)
    for ax, (key, title) in zip(axes, _PANELS):
        for (_, epochs), name in zip(runs, names):
            x, y = _series(epochs, key)
            ax.plot(x, y, marker="o", markersize=3, label=name)
        ax.set_title(title.format(unit=" / ".join(units)))
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    axes[1].ticklabel_format(axis="y", style="sci", scilimits=(-3, 4))
    if len(runs) > 1 or labels is not None:
        axes[0].legend(fontsize="small")
    return fig

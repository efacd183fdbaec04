"""A trace's figure: each step's loss before and after its update, and where the vectors moved.

Example
-------
>>> from negsample.word2vec.trace import trace
>>> from negsample.plots import plot_trace
>>> fig = plot_trace(trace(sg=1, steps=3))
>>> [bool(bar.get_height() > 0) for bar in fig.axes[0].patches]  # every update lowered its loss
[True, True, True]
"""

from __future__ import annotations

import numpy as np

from .figure import new_figure
from .vectors import draw_map

__all__ = ["plot_trace"]


def plot_trace(trace, *, method: str = "pca"):
    """Two panels: the loss of each traced step before and after its update (recomputed on the same
    terms), and a map of the word vectors with arrows from the start to the end of the trace.

    Parameters
    ----------
    trace : :class:`~negsample.word2vec.trace.Trace`, or its ``to_dict()`` (a JSON trace read back)
    method : "pca" or "tsne", for the map

    Returns
    -------
    matplotlib.figure.Figure
        ``axes[0]``: one bar per step, its height the loss before minus the loss after;
        ``axes[1]``: :func:`~negsample.plots.vectors.plot_vectors`' map of the input vectors.
    """
    data = trace.to_dict() if hasattr(trace, "to_dict") else trace
    try:
        steps, words = data["steps"], data["words"]
        start, end = np.asarray(data["inputs_before"]), np.asarray(data["inputs_after"])
        losses = np.array([[s["loss"], s["loss_after"]] for s in steps], dtype=np.float64).reshape(-1, 2)
    except (KeyError, TypeError) as exc:
        raise ValueError(f"plot_trace: not a trace (as negsample trace --format json writes it): {exc!r}") from exc
    fig, axes = new_figure(2, width=5.2, height=4.2)
    number = np.arange(1, len(steps) + 1)
    axes[0].bar(number, losses[:, 0] - losses[:, 1], color=np.where(losses[:, 1] < losses[:, 0], "C0", "C3"))
    axes[0].axhline(0.0, color="0.3", linewidth=0.8)
    axes[0].set_xlabel("step")
    axes[0].set_ylabel("loss before - loss after")
    axes[0].set_title("How much each update lowered its own loss")
    axes[0].grid(alpha=0.3, axis="y")
    draw_map(axes[1], end, words, before=start, method=method)
    largest = float(np.linalg.norm(end - start, axis=1).max()) if len(words) else 0.0
    axes[1].set_title(f"Word vectors: start (grey) -> after step {len(steps)}\n"
                      f"largest move {largest:.2g}, drawn to scale", fontsize="medium")
    return fig

"""A labelled 2-D map of word vectors (PCA, or t-SNE with scikit-learn), with optional arrows.

Arrows show where vectors moved, e.g. from the start of a trace to its end: both ends are
projected together, so an arrow is the move as the map sees it.

Example
-------
>>> import numpy as np
>>> from negsample.plots import plot_vectors
>>> fig = plot_vectors(np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), ["a", "b", "c"])
>>> [t.get_text() for t in fig.axes[0].texts]
['a', 'b', 'c']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .figure import new_figure

__all__ = ["draw_map", "plot_vectors", "project"]

METHODS = ("pca", "tsne")


def project(vectors: np.ndarray, method: str = "pca", *, seed: int = 0) -> np.ndarray:
    """2-D coordinates of ``vectors`` (shape: (n, dim)), float64 (n, 2).

    ``"pca"``: onto the two leading principal axes (an exact rotation when dim is 2; the sign of
    each axis is fixed so that its largest loading is positive). ``"tsne"``: scikit-learn's t-SNE.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2 or vectors.shape[0] < 1:
        raise ValueError(f"project: vectors must be (n, dim) with n >= 1, got shape {vectors.shape}")
    if method == "tsne":
        try:
            from sklearn.manifold import TSNE
        except ImportError as exc:
            raise ImportError("method='tsne' needs scikit-learn (pip install scikit-learn); "
                              "method='pca' needs nothing more") from exc
        if vectors.shape[0] < 3:
            raise ValueError("method='tsne' needs at least 3 vectors")
        # Exact gradients are faster than Barnes-Hut for the few hundred words a labelled map can show.
        tsne = TSNE(n_components=2, perplexity=min(30.0, vectors.shape[0] - 1.0), init="pca", random_state=seed,
                    method="exact" if vectors.shape[0] <= 500 else "barnes_hut")
        return tsne.fit_transform(vectors)
    if method != "pca":
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    centred = vectors - vectors.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    axes = axes[:2]
    axes *= np.sign(axes[np.arange(axes.shape[0]), np.abs(axes).argmax(axis=1)])[:, None]
    coords = centred @ axes.T
    return coords if coords.shape[1] == 2 else np.pad(coords, ((0, 0), (0, 2 - coords.shape[1])))


def plot_vectors(vectors, words: Sequence[str], *, before=None, method: str = "pca", seed: int = 0,
                 title: str | None = None):
    """Scatter the words at their projected vectors, labelled.

    Parameters
    ----------
    vectors : array-like, shape (n_words, dim)
    words : sequence of str, the labels (n_words)
    before : array-like, shape (n_words, dim), optional
        Where the vectors were earlier; an arrow goes from each word's earlier to its current place.
    method : "pca" or "tsne"

    Returns
    -------
    matplotlib.figure.Figure
        One axes: a scatter at the projected points (``collections[0]``), one text per word, and
        with ``before`` a scatter of the earlier points (``collections[1]``) and a quiver of the
        moves (``collections[2]``).
    """
    fig, (ax,) = new_figure(1, width=6.0, height=5.0)
    draw_map(ax, vectors, words, before=before, method=method, seed=seed)
    ax.set_title(title or f"{len(words)} word vectors ({'t-SNE' if method == 'tsne' else 'PCA'})")
    return fig


def draw_map(ax, vectors, words: Sequence[str], *, before=None, method: str = "pca", seed: int = 0) -> np.ndarray:
    """Draw :func:`plot_vectors`' map on ``ax``; returns the projected points, float64 (n_words, 2)."""
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise ValueError(f"plot_vectors: vectors of shape {vectors.shape} for {len(words)} words")
    n = vectors.shape[0]
    if before is not None:
        before = np.asarray(before, dtype=np.float64)
        if before.shape != vectors.shape:
            raise ValueError(f"plot_vectors: before has shape {before.shape}, vectors {vectors.shape}")
        both = project(np.concatenate([before, vectors]), method, seed=seed)
        start, points = both[:n], both[n:]
    else:
        points = project(vectors, method, seed=seed)
    ax.scatter(points[:, 0], points[:, 1], s=18, zorder=3)
    if before is not None:
        ax.scatter(start[:, 0], start[:, 1], s=10, color="0.6", zorder=2)
        moves = points - start
        ax.quiver(start[:, 0], start[:, 1], moves[:, 0], moves[:, 1], angles="xy", scale_units="xy", scale=1,
                  width=0.004, color="C3", zorder=2)
    for word, (x, y) in zip(words, points):
        ax.annotate(word, (x, y), textcoords="offset points", xytext=(4, 3), fontsize="small")
    ax.set_xlabel("axis 1")
    ax.set_ylabel("axis 2")
    ax.grid(alpha=0.3)
    return points

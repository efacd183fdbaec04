"""The one place that imports matplotlib, a new figure, and saving one (PNG, SVG or PDF, atomically).

Example
-------
>>> import os, tempfile
>>> from negsample.plots.figure import new_figure, save_figure
>>> fig, (ax,) = new_figure(1)
>>> _ = ax.plot([1, 2], [3, 4])
>>> path = os.path.join(tempfile.mkdtemp(), "line.svg")
>>> save_figure(fig, path)
'svg'
"""

from __future__ import annotations

import os

from .._atomic import atomic_write

__all__ = ["FORMATS", "new_figure", "require_matplotlib", "save_figure"]

FORMATS = ("png", "svg", "pdf")
_HINT = ("negsample.plots needs matplotlib, an optional extra: pip install 'negsample[plots]' "
         "(from a checkout: pip install '.[plots]')")


def require_matplotlib():
    """Return the ``matplotlib`` module, or raise ImportError naming the ``[plots]`` extra."""
    try:
        import matplotlib
        import matplotlib.figure  # noqa: F401 - the submodule every plot uses
    except ImportError as exc:
        raise ImportError(f"{_HINT} ({exc})") from exc
    return matplotlib


def new_figure(n_axes: int, *, width: float = 5.0, height: float = 3.6):
    """A figure with ``n_axes`` side by side, each ``width`` x ``height`` inches: (figure, axes list)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * n_axes, height), layout="constrained")
    axes = fig.subplots(1, n_axes, squeeze=False)[0]
    return fig, list(axes)


def save_figure(fig, path: str | os.PathLike, *, dpi: int = 150) -> str:
    """Write ``fig`` to ``path`` in the format its suffix names (.png, .svg, .pdf); returns the format.

    The file appears whole or not at all (:func:`negsample._atomic.atomic_write`).
    """
    fmt = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"{os.fspath(path)}: the figure's format comes from its suffix, one of "
                         f"{', '.join('.' + f for f in FORMATS)}; got {'.' + fmt if fmt else 'none'}")
    with atomic_write(path, "wb") as f:
        fig.savefig(f, format=fmt, dpi=dpi)
    return fmt

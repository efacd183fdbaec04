"""Figures of what training did: loss curves, the noise distribution, vector maps, a trace's moves.

The ``[plots]`` extra (``pip install 'negsample[plots]'``, from a checkout ``pip install '.[plots]'``)
brings matplotlib; importing this package without it raises an ImportError that says so. Every
function returns a :class:`matplotlib.figure.Figure` (made without pyplot, so no global state and no
display needed); :func:`save_figure` writes it as PNG, SVG or PDF, atomically.

Example
-------
>>> import numpy as np
>>> from negsample.plots import plot_noise
>>> fig = plot_noise(np.array([50, 20, 9, 3, 1]))
>>> [line.get_label() for line in fig.axes[0].get_lines()]
['raw frequency', 'count^0.75 (the noise)', 'uniform']
"""

from .figure import require_matplotlib

require_matplotlib()

from .curves import plot_curves  # noqa: E402 - after the check, so a missing matplotlib says what to install
from .figure import save_figure  # noqa: E402
from .noise import plot_noise  # noqa: E402
from .trace import plot_trace  # noqa: E402
from .vectors import plot_vectors, project  # noqa: E402

__all__ = ["plot_curves", "plot_noise", "plot_trace", "plot_vectors", "project", "save_figure"]

"""Thread-private copies of the hottest rows, and how a thread's change goes back to the shared rows.

With several threads, the rows that nearly every example writes -- the output rows of the most
frequent words, the node rows at the top of the Huffman tree -- are trained in a copy per thread,
so that the cores do not fight over their cache lines; :func:`sync_hot_rows` adds a thread's change
back now and then.

Example
-------
>>> import numpy as np
>>> from negsample._kernels.hot_rows import sync_hot_rows
>>> shared = np.zeros((1, 2), np.float32)
>>> hot, base = shared.copy(), shared.copy()
>>> hot += 1.0          # this thread trained its copy
>>> shared += 0.5       # meanwhile another thread added to the shared rows
>>> sync_hot_rows(shared, hot, base)
>>> shared.tolist(), hot.tolist()
([[1.5, 1.5]], [[1.5, 1.5]])
"""

from numba import njit

__all__ = ["sync_hot_rows", "sync_when_due"]


@njit(cache=True, nogil=True, fastmath=True)
def sync_hot_rows(out, hot, hot_base):
    """Add what a thread changed in its private copy of some rows to the shared rows, then refresh it.

    out : float32 (n_hot, dim) -- the shared rows (a slice of an output or node matrix)
    hot : float32 (n_hot, dim) -- the thread's copy of them, trained since the last sync
    hot_base : float32 (n_hot, dim) -- ``hot`` as it was at the last sync
    Afterwards ``hot`` and ``hot_base`` both equal ``out``, which holds this thread's change plus
    whatever other threads added meanwhile (Hogwild-style: nothing is overwritten).
    """
    for t in range(hot.shape[0]):
        for d in range(hot.shape[1]):
            value = out[t, d] + (hot[t, d] - hot_base[t, d])
            out[t, d] = value
            hot[t, d] = value
            hot_base[t, d] = value


@njit(cache=True, nogil=True, inline="always")
def sync_when_due(out, hot, hot_base, tail, since, every, tokens):
    """Count ``tokens`` more trained since the last sync; once ``every`` (> 0) are reached, sync.

    out : float32 (V, dim) -- the whole shared matrix; the private rows are its first ``n_hot`` rows,
        or its last ones when ``tail`` (the top of a Huffman tree)
    since : int -- tokens trained since the last sync. Returns the new count (0 right after a sync).
    ``every == 0`` never syncs here (the caller syncs between jobs).
    """
    if every <= 0 or hot.shape[0] == 0:
        return since
    since += tokens
    if since < every:
        return since
    start = out.shape[0] - hot.shape[0] if tail else 0
    sync_hot_rows(out[start:start + hot.shape[0]], hot, hot_base)
    return 0

"""The passes of one window-batched negative-sampling update (:mod:`negsample._kernels.word2vec_batched`).

A window's context rows C (n_context x dim) meet its target rows O (n_target x dim: the positive,
then the shared negatives) in three small matrix products, S = C O^T, grad_C = G O and G^T C, with
G the gains the sigmoid table makes of S. :func:`window_step` runs the five passes in order; each is
a function of its own so that ``benchmarks/word2vec_profile.py`` can stop after any of them.

Example
-------
>>> import numpy as np
>>> from negsample._kernels.batched_passes import window_scores
>>> inputs = np.eye(2, 4, dtype=np.float32); out = np.ones((3, 4), np.float32)
>>> scores = np.zeros((2, 2), np.float32)
>>> window_scores(inputs, out, out[:0], np.array([0, 1]), 2, np.array([2, 0]), 2, scores, 4)
>>> scores.tolist()
[[1.0, 1.0], [1.0, 1.0]]
"""

import numpy as np
from numba import njit

from .logistic import gain_and_loss

__all__ = ["add4", "dot3", "dot4", "scores_block", "window_gains", "window_grad_context", "window_scatter_context",
           "window_scatter_out", "window_scores", "window_step"]


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def window_step(inputs, out, hot, context_ids, n_context, target_ids, n_target, alpha, sigmoid, log_sigmoid,
                 gains, grad_context, dim):
    """One window: target 0 is the positive, the rest negatives. Updates ``inputs`` and ``out``/``hot``.

    gains : float32 (>= n_context, >= n_target) scratch for S, then G
    grad_context : float32 (>= n_context, dim) scratch for G O
    Returns the window's loss (float64). The five passes are functions of their own so that
    ``benchmarks/word2vec_profile.py`` can time the kernel stopping after each.
    """
    # Output rows below n_hot live in the thread's private copy. Every pass loops over targets
    # outermost, so the row is chosen once per target and pass: choosing it per (context, target)
    # cell made one thread 5% slower (a branch the predictor cannot learn), and a helper returning
    # the row view measured 3x slower than writing the choice out.
    # The passes work on blocks of rows (4 contexts, or 3 targets) so that each load and store of
    # the shared row serves several cells, and G is computed from S in a loop of its own (the table
    # reads and branches kept out of the dot products). The arithmetic is the same per cell. One
    # 6 x 6 window at dim 100 held in L1: 670-830 instead of ~1,000 ns; one text8 epoch on one
    # thread (vector_size 100): 0.63-0.72 instead of 0.98-1.04 s (median of 5, three runs).
    # S = C O^T goes further, 4 contexts x 3 targets per pass (scores_block: 7 row loads for 12
    # products instead of 5 for 4): one text8_prefix epoch on one thread 0.92x the time (two runs, each
    # the geometric mean of both load orders of 8 interleaved pairs). The two passes that store rows
    # stay a row at a time: stores to several rows per pass made them slower, as the compiler's
    # overlap checks before its vector loop grow with every row written and it falls back to scalar code.
    window_scores(inputs, out, hot, context_ids, n_context, target_ids, n_target, gains, dim)
    loss = window_gains(n_context, n_target, alpha, sigmoid, log_sigmoid, gains)
    window_grad_context(out, hot, target_ids, n_context, n_target, gains, grad_context, dim)
    window_scatter_out(inputs, out, hot, context_ids, n_context, target_ids, n_target, gains, dim)
    window_scatter_context(inputs, context_ids, n_context, grad_context, dim)
    return loss


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def dot4(o, x0, x1, x2, x3, dim):
    """The dot products of row ``o`` with four rows, in one pass over ``o`` (float32 each)."""
    f0 = f1 = f2 = f3 = np.float32(0.0)
    for d in range(dim):
        f0 += x0[d] * o[d]
        f1 += x1[d] * o[d]
        f2 += x2[d] * o[d]
        f3 += x3[d] * o[d]
    return f0, f1, f2, f3


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def dot3(x, o0, o1, o2, dim):
    """The dot products of row ``x`` with three rows, in one pass over ``x`` (float32 each)."""
    f0 = f1 = f2 = np.float32(0.0)
    for d in range(dim):
        f0 += x[d] * o0[d]
        f1 += x[d] * o1[d]
        f2 += x[d] * o2[d]
    return f0, f1, f2


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def scores_block(scores, i, j, x0, x1, x2, x3, o0, o1, o2, dim):
    """``scores[i + a, j + t]`` = x_a . o_t for a 4 x 3 block: twelve sums from one pass over seven rows."""
    f00 = f10 = f20 = f30 = f01 = f11 = f21 = f31 = f02 = f12 = f22 = f32 = np.float32(0.0)
    for d in range(dim):
        p, q, r = o0[d], o1[d], o2[d]
        y0, y1, y2, y3 = x0[d], x1[d], x2[d], x3[d]
        f00 += y0 * p
        f10 += y1 * p
        f20 += y2 * p
        f30 += y3 * p
        f01 += y0 * q
        f11 += y1 * q
        f21 += y2 * q
        f31 += y3 * q
        f02 += y0 * r
        f12 += y1 * r
        f22 += y2 * r
        f32 += y3 * r
    scores[i, j], scores[i + 1, j], scores[i + 2, j], scores[i + 3, j] = f00, f10, f20, f30
    scores[i, j + 1], scores[i + 1, j + 1], scores[i + 2, j + 1], scores[i + 3, j + 1] = f01, f11, f21, f31
    scores[i, j + 2], scores[i + 1, j + 2], scores[i + 2, j + 2], scores[i + 3, j + 2] = f02, f12, f22, f32


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def add4(o, g0, x0, g1, x1, g2, x2, g3, x3, dim):
    """``o += g0 x0 + g1 x1 + g2 x2 + g3 x3``, one load and store of ``o`` for the four rows."""
    for d in range(dim):
        o[d] += g0 * x0[d] + g1 * x1[d] + g2 * x2[d] + g3 * x3[d]


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def window_scores(inputs, out, hot, context_ids, n_context, target_ids, n_target, scores, dim):
    """S = C O^T into ``scores[:n_context, :n_target]``, from the rows as they are now: blocks of
    4 contexts x 3 targets (:func:`scores_block`), then the leftover rows and targets."""
    n_hot = hot.shape[0]
    j = 0
    while j + 3 <= n_target:
        t0, t1, t2 = target_ids[j], target_ids[j + 1], target_ids[j + 2]
        o0 = hot[t0] if t0 < n_hot else out[t0]
        o1 = hot[t1] if t1 < n_hot else out[t1]
        o2 = hot[t2] if t2 < n_hot else out[t2]
        i = 0
        while i + 4 <= n_context:
            scores_block(scores, i, j, inputs[context_ids[i]], inputs[context_ids[i + 1]],
                         inputs[context_ids[i + 2]], inputs[context_ids[i + 3]], o0, o1, o2, dim)
            i += 4
        while i < n_context:
            scores[i, j], scores[i, j + 1], scores[i, j + 2] = dot3(inputs[context_ids[i]], o0, o1, o2, dim)
            i += 1
        j += 3
    while j < n_target:
        t = target_ids[j]
        o = hot[t] if t < n_hot else out[t]
        i = 0
        while i + 4 <= n_context:
            scores[i, j], scores[i + 1, j], scores[i + 2, j], scores[i + 3, j] = dot4(
                o, inputs[context_ids[i]], inputs[context_ids[i + 1]], inputs[context_ids[i + 2]],
                inputs[context_ids[i + 3]], dim)
            i += 4
        while i < n_context:
            x = inputs[context_ids[i]]
            f = np.float32(0.0)
            for d in range(dim):
                f += x[d] * o[d]
            scores[i, j] = f
            i += 1
        j += 1


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def window_gains(n_context, n_target, alpha, sigmoid, log_sigmoid, gains):
    """G from S, in place (target 0 the positive); returns the window's loss (float64)."""
    loss = 0.0
    for i in range(n_context):
        # A sum per context row, so that the rows' additions do not wait on one another.
        gains[i, 0], row_loss = gain_and_loss(gains[i, 0], 1.0, alpha, sigmoid, log_sigmoid)
        for j in range(1, n_target):
            gains[i, j], example_loss = gain_and_loss(gains[i, j], 0.0, alpha, sigmoid, log_sigmoid)
            row_loss += example_loss
        loss += row_loss
    return loss


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def window_grad_context(out, hot, target_ids, n_context, n_target, gains, grad_context, dim):
    """grad_C = G O into ``grad_context[:n_context]``, read before the output rows change: each
    context's row, three targets at a time."""
    n_hot = hot.shape[0]
    for i in range(n_context):
        row = grad_context[i]
        row[:] = 0.0
        j = 0
        while j + 3 <= n_target:
            t0, t1, t2 = target_ids[j], target_ids[j + 1], target_ids[j + 2]
            o0 = hot[t0] if t0 < n_hot else out[t0]
            o1 = hot[t1] if t1 < n_hot else out[t1]
            o2 = hot[t2] if t2 < n_hot else out[t2]
            g0, g1, g2 = gains[i, j], gains[i, j + 1], gains[i, j + 2]
            for d in range(dim):
                row[d] += g0 * o0[d] + g1 * o1[d] + g2 * o2[d]
            j += 3
        while j < n_target:
            t = target_ids[j]
            o = hot[t] if t < n_hot else out[t]
            g = gains[i, j]
            for d in range(dim):
                row[d] += g * o[d]
            j += 1


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def window_scatter_out(inputs, out, hot, context_ids, n_context, target_ids, n_target, gains, dim):
    """O += G^T C, four contexts at a time (the input rows have not changed yet: the pre-update C)."""
    n_hot = hot.shape[0]
    for j in range(n_target):
        t = target_ids[j]
        o = hot[t] if t < n_hot else out[t]
        i = 0
        while i + 4 <= n_context:
            add4(o, gains[i, j], inputs[context_ids[i]], gains[i + 1, j], inputs[context_ids[i + 1]],
                 gains[i + 2, j], inputs[context_ids[i + 2]], gains[i + 3, j], inputs[context_ids[i + 3]], dim)
            i += 4
        while i < n_context:
            x = inputs[context_ids[i]]
            g = gains[i, j]
            for d in range(dim):
                o[d] += g * x[d]
            i += 1


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def window_scatter_context(inputs, context_ids, n_context, grad_context, dim):
    """C += grad_C (repeated context words accumulate)."""
    for i in range(n_context):
        x = inputs[context_ids[i]]
        row = grad_context[i]
        for d in range(dim):
            x[d] += row[d]

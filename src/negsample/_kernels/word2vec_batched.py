"""Window-batched negative sampling (pWord2Vec / "HogBatch", Ji et al. 2016).

The classic kernel (:func:`negsample._kernels.word2vec_pairs.train_skipgram_job`) trains one
(context, center) pair at a time and draws ``k`` fresh negatives for each pair. Here a center word's
whole window is one minibatch and **one draw of ``k`` negatives is shared by the window**:

    C = input rows of the context words                    shape: (n_context, dim)
    O = output rows of [center, negative_1 .. negative_k]   shape: (n_target, dim)
    S = C O^T,   G = alpha * (labels - sigmoid(S))          shape: (n_context, n_target)
    grad_C = G O,   grad_O = G^T C

Both gradients come from the rows as they were before the window's update, and are then added back
(Hogwild), so a context word that appears twice in a window, or a negative drawn twice, simply
accumulates its gradient rows. A negative equal to the center is dropped, as in the classic path.
The sigmoid table and its saturation rule are the classic negative-sampling step's.

This trades ``2 * reach`` draws of ``k`` negatives for one, and turns the per-pair vector-vector work
into three small matrix products whose inner loops run over contiguous float32 rows.

CBOW already draws one set of negatives per window, so :func:`train_cbow_batched_job` batches across
windows instead: ``CENTERS_PER_BATCH`` centers of a sentence, a whole window apart, share one draw
(:func:`cbow_batch_layout` says why apart; the kernel's docstring gives its order of draws) of
``CBOW_DRAWS_PER_NEGATIVE * k`` negatives at weight ``1 / CBOW_DRAWS_PER_NEGATIVE`` each (why: at the
constant).

The kernels take the classic kernels' arguments (:mod:`negsample._kernels.word2vec_pairs`), with
``negative`` required and ``tree`` always ``None``: hierarchical softmax has no window-batched form,
and the trainer sends it to the classic kernels. ``negative.hot`` holds the thread's private copy of
the output rows of the most frequent words (see :mod:`negsample._kernels.hot_rows`).

Skip-gram's random draws, in the order a job consumes them (:mod:`negsample.word2vec.reference`
replays them):
per sentence, one draw per token whose keep probability is below 1 (subsampling); then per kept
center position, one draw for the window shrink (none when it does not shrink), then -- only if
the window holds at least one context word -- ``k`` draws for the window's negatives.
"""

import functools

import numpy as np
from numba import njit

from .alias import draw_alias
from .batched_passes import add4, dot3, dot4, scores_block, window_step
from .hot_rows import sync_when_due
from .logistic import gain_and_loss
from .prefetch import prefetch_row
from .windows import sentence_buffer, subsample, window_bounds

__all__ = ["CBOW_DRAWS_PER_NEGATIVE", "CENTERS_PER_BATCH", "batch_positions", "build_hidden", "cbow_batch_layout",
           "cbow_batch_step", "cbow_batched_job_for_size", "draw_batch", "n_batches", "prefetch_batch",
           "scatter_hidden", "skipgram_batched_job_for_size", "train_cbow_batched_job", "train_skipgram_batched_job",
           "window_ids"]

CENTERS_PER_BATCH = 8  # CBOW: centers of a sentence that share one draw of negatives (see cbow_batch_layout)
# A CBOW batch draws CBOW_DRAWS_PER_NEGATIVE * k shared negatives and weights each by
# 1 / CBOW_DRAWS_PER_NEGATIVE: the expected gradient of k negatives per center, as in classic CBOW,
# with less of the extra variance that sharing one draw among 8 centers adds. With one set of k the
# batched kernel converged to worse vectors than the classic one: text8_prefix, alpha 0.05, 2 threads,
# 30 epochs, paired seeds 1-6, analogy -0.0071 (t -3.9), syntactic -0.0055 (t -5.2), semantic -0.0135
# (t -1.8); 2 x k at half weight is level with classic there (+0.0007, +0.0003, +0.0025) and at 10
# epochs (seeds 1-12) gains +0.0082 on the semantic half (t 3.7), +0.0019 analogy, -0.009 WS-353,
# for 1.16-1.23x the time of a whole run (BENCHMARKS.md).
CBOW_DRAWS_PER_NEGATIVE = 2


@njit(cache=True, nogil=True, inline="always")
def window_ids(sentence, i, n, window, threshold, alias, k, rng, context_ids, target_ids):
    """The rows of center ``i``'s window: ``(n_context, n_target)``, the context words written to
    ``context_ids`` and the center followed by its negatives to ``target_ids``.

    Draws the window shrink, then -- only if the window holds a context word -- ``k`` negatives; a
    negative equal to the center is dropped. ``(0, 0)`` for an empty window.
    """
    center = sentence[i]
    lo, hi = window_bounds(rng, window, i, n)
    n_context = 0
    for j in range(lo, hi):
        if j != i:
            context_ids[n_context] = sentence[j]
            n_context += 1
    if n_context == 0:
        return 0, 0
    target_ids[0] = center
    n_target = 1
    for _ in range(k):
        word = draw_alias(threshold, alias, rng)
        if word != center:
            target_ids[n_target] = word
            n_target += 1
    return n_context, n_target


@njit(cache=True, nogil=True, fastmath=True)
def train_skipgram_batched_job(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start, alpha_end,
                               rng, tables):
    """Skip-gram with window-shared negatives over one job.

    ids : int32 (n_tokens,) -- the job's in-vocabulary ids, sentence after sentence
    lengths : int32 (n_sentences,) -- sentence lengths, summing to n_tokens
    inputs : float32 (V, dim) -- the word vectors, updated in place (Hogwild)
    keep_prob : float32 (V,) -- subsampling keep probabilities
    window : ContextWindow -- each center draws its reach in [1, window.size] (``window.shrink``), else
        reaches window.size
    negative : NegativeSampling, k >= 1 -- output rows ``0 .. n_hot-1`` (the most frequent words) are
        read and trained in ``negative.hot``. Negatives are drawn from count^0.75, so with several
        threads those rows take most of the writes, and sharing them live makes the cores fight
        over their cache lines. With one thread, ``hot`` is empty: a copy synced after the job
        gives the same result up to float rounding.
    tree : None
    alpha_start, alpha_end : float -- learning rate at the first and after the last token of the job
    rng : uint64 (1,) -- random state, advanced in place
    tables : (sigmoid, log_sigmoid) float32 tables

    Returns (loss: float64, examples: int64); an example is a (context, center) pair, as in the
    classic kernel, so losses per example are comparable.
    """
    return _skipgram_batched_job(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start, alpha_end,
                                 rng, tables, inputs.shape[1])


# One small factory per kernel, not one taking the kernel as an argument: Numba caches a closure over
# a number (here the size) across processes, but a closure over another compiled function compiled
# again in every new process (tried: a second process wrote new cache entries instead of loading).
@functools.cache
def skipgram_batched_job_for_size(dim: int):
    """:func:`train_skipgram_batched_job` compiled for ``dim``-float vectors (why:
    :func:`negsample.word2vec.training.job_kernel`)."""

    @njit(cache=True, nogil=True, fastmath=True)
    def job(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start, alpha_end, rng, tables):
        return _skipgram_batched_job(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start,
                                     alpha_end, rng, tables, dim)

    return job


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def _skipgram_batched_job(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start, alpha_end, rng,
                          tables, dim):
    if tree is not None:
        raise ValueError("hierarchical softmax has no window-batched kernel")
    sigmoid, log_sigmoid = tables
    out, hot, threshold, alias, k = negative.out, negative.hot, negative.threshold, negative.alias, negative.k
    window_size = window.size
    # Thread-local scratch, allocated once per job.
    context_ids = np.empty(2 * window_size, dtype=np.int64)
    target_ids = np.empty(k + 1, dtype=np.int64)
    gains = np.empty((2 * window_size, k + 1), dtype=np.float32)
    grad_context = np.empty((2 * window_size, dim), dtype=np.float32)
    sentence = sentence_buffer(lengths)
    n_tokens = ids.shape[0]
    loss = 0.0
    examples = 0
    start = 0
    since_sync = 0
    for s in range(lengths.shape[0]):
        stop = start + lengths[s]
        alpha = alpha_start + (alpha_end - alpha_start) * (start / n_tokens)
        n = subsample(ids, start, stop, keep_prob, rng, sentence)
        for i in range(n):
            n_context, n_target = window_ids(sentence, i, n, window, threshold, alias, k, rng, context_ids,
                                             target_ids)
            if n_context == 0:
                continue
            loss += window_step(inputs, out, hot, context_ids, n_context, target_ids, n_target, alpha, sigmoid,
                                 log_sigmoid, gains, grad_context, dim)
            examples += n_context
        start = stop
        since_sync = sync_when_due(out, hot, negative.hot_base, False, since_sync, negative.sync_every, lengths[s])
    return loss, examples


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def cbow_batch_step(out, hot, hidden, grad_hidden, centers, n_rows, negatives, k, alpha, sigmoid, log_sigmoid,
                    gains, dim):
    """Rows ``hidden[:n_rows]`` predict their own ``centers`` against the shared ``negatives``.

    Column 0 of ``gains`` is each row's positive, columns 1..k the shared negatives, each with weight
    ``1 / CBOW_DRAWS_PER_NEGATIVE`` on its gain and loss (``k`` is the draw's size: that many times the
    model's negatives); a negative equal to a row's center gets gain 0 in that row (dropped). Updates
    the output rows (``out``, or ``hot`` for the most frequent words) and fills ``grad_hidden[:n_rows]``
    from the pre-update output rows.
    Returns the batch's loss (float64).
    """
    # Output rows below n_hot live in the thread's private copy; loops over the shared negatives
    # run outermost so that the row is chosen once per negative, and work on blocks of rows, as
    # batched_passes.window_step's passes do (the scores 4 rows x 3 negatives per pass: one
    # text8_prefix epoch on one thread 0.97x the time, the geometric mean of both load orders of 16
    # interleaved pairs). The loops are written out here rather than calling window_scores /
    # window_scatter_out with the hidden rows as contexts through an identity index array: that
    # measured 1.05x and 1.06x slower in one load order only (the harness favours the copy loaded
    # first by up to 9%, BENCHMARKS.md; not measured again).
    n_hot = hot.shape[0]
    weight = np.float32(1.0 / CBOW_DRAWS_PER_NEGATIVE)
    negative_alpha = alpha * weight  # each shared negative's rate
    loss = 0.0
    for b in range(n_rows):
        center = centers[b]
        h = hidden[b]
        o = hot[center] if center < n_hot else out[center]
        f = np.float32(0.0)
        for d in range(dim):
            f += h[d] * o[d]
        gains[b, 0], example_loss = gain_and_loss(f, 1.0, alpha, sigmoid, log_sigmoid)
        loss += example_loss
    j = 0
    while j + 3 <= k:
        t0, t1, t2 = negatives[j], negatives[j + 1], negatives[j + 2]
        o0 = hot[t0] if t0 < n_hot else out[t0]
        o1 = hot[t1] if t1 < n_hot else out[t1]
        o2 = hot[t2] if t2 < n_hot else out[t2]
        b = 0
        while b + 4 <= n_rows:
            scores_block(gains, b, j + 1, hidden[b], hidden[b + 1], hidden[b + 2], hidden[b + 3], o0, o1, o2, dim)
            b += 4
        while b < n_rows:
            gains[b, j + 1], gains[b, j + 2], gains[b, j + 3] = dot3(hidden[b], o0, o1, o2, dim)
            b += 1
        j += 3
    while j < k:
        word = negatives[j]
        o = hot[word] if word < n_hot else out[word]
        b = 0
        while b + 4 <= n_rows:
            gains[b, j + 1], gains[b + 1, j + 1], gains[b + 2, j + 1], gains[b + 3, j + 1] = dot4(
                o, hidden[b], hidden[b + 1], hidden[b + 2], hidden[b + 3], dim)
            b += 4
        while b < n_rows:
            h = hidden[b]
            f = np.float32(0.0)
            for d in range(dim):
                f += h[d] * o[d]
            gains[b, j + 1] = f
            b += 1
        j += 1
    for b in range(n_rows):
        for j in range(k):
            if negatives[j] == centers[b]:
                gains[b, j + 1] = 0.0
            else:
                gains[b, j + 1], example_loss = gain_and_loss(gains[b, j + 1], 0.0, negative_alpha, sigmoid,
                                                              log_sigmoid)
                loss += weight * example_loss
    # grad_H = G O, before the output rows change: each row's own center, then the negatives three at a time.
    for b in range(n_rows):
        row = grad_hidden[b]
        g = gains[b, 0]
        t = centers[b]
        o = hot[t] if t < n_hot else out[t]
        for d in range(dim):
            row[d] = g * o[d]
        j = 0
        while j + 3 <= k:
            t0, t1, t2 = negatives[j], negatives[j + 1], negatives[j + 2]
            o0 = hot[t0] if t0 < n_hot else out[t0]
            o1 = hot[t1] if t1 < n_hot else out[t1]
            o2 = hot[t2] if t2 < n_hot else out[t2]
            g0, g1, g2 = gains[b, j + 1], gains[b, j + 2], gains[b, j + 3]
            for d in range(dim):
                row[d] += g0 * o0[d] + g1 * o1[d] + g2 * o2[d]
            j += 3
        while j < k:
            t = negatives[j]
            o = hot[t] if t < n_hot else out[t]
            g = gains[b, j + 1]
            for d in range(dim):
                row[d] += g * o[d]
            j += 1
    # O += G^T H (repeated centers / negatives accumulate).
    for b in range(n_rows):
        g = gains[b, 0]
        h = hidden[b]
        t = centers[b]
        o = hot[t] if t < n_hot else out[t]
        for d in range(dim):
            o[d] += g * h[d]
    for j in range(k):
        t = negatives[j]
        o = hot[t] if t < n_hot else out[t]
        b = 0
        while b + 4 <= n_rows:
            add4(o, gains[b, j + 1], hidden[b], gains[b + 1, j + 1], hidden[b + 1], gains[b + 2, j + 1], hidden[b + 2],
                 gains[b + 3, j + 1], hidden[b + 3], dim)
            b += 4
        while b < n_rows:
            g = gains[b, j + 1]
            h = hidden[b]
            for d in range(dim):
                o[d] += g * h[d]
            b += 1
    return loss


@njit(cache=True, nogil=True, inline="always")
def draw_batch(rng, window, sentence, n, batch_index, span, stride, threshold, alias, k, centers, positions, los,
               his, negatives):
    """The words of batch ``batch_index`` of a subsampled sentence (:func:`batch_positions`): one
    window-shrink draw per center in order, then -- if some window holds a context word -- ``k`` shared
    negatives. Fills ``centers``, ``positions``, ``los`` / ``his`` (each window's range) and
    ``negatives``; returns how many centers have a context word (0: nothing to train, nothing drawn)."""
    first, last = batch_positions(batch_index, n, span, stride)
    n_rows = 0
    for i in range(first, last, stride):
        lo, hi = window_bounds(rng, window, i, n)
        if hi - lo < 2:
            continue
        centers[n_rows] = sentence[i]
        positions[n_rows] = i
        los[n_rows] = lo
        his[n_rows] = hi
        n_rows += 1
    if n_rows > 0:
        for j in range(k):
            negatives[j] = draw_alias(threshold, alias, rng)
    return n_rows


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def build_hidden(inputs, sentence, positions, los, his, n_rows, mean, hidden, dim):
    """``hidden[b]`` = the sum (``mean``: the average) of window ``b``'s context rows, for ``b < n_rows``."""
    for b in range(n_rows):
        row = hidden[b]
        row[:] = 0.0
        for j in range(los[b], his[b]):
            if j != positions[b]:
                context = sentence[j]
                for d in range(dim):
                    row[d] += inputs[context, d]
        if mean:
            inv = np.float32(1.0 / (his[b] - los[b] - 1))
            for d in range(dim):
                row[d] *= inv


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def scatter_hidden(inputs, sentence, positions, los, his, n_rows, grad_hidden, dim):
    """Add ``grad_hidden[b]`` whole to each context row of window ``b`` (as the classic kernel does)."""
    for b in range(n_rows):
        row = grad_hidden[b]
        for j in range(los[b], his[b]):
            if j != positions[b]:
                context = sentence[j]
                for d in range(dim):
                    inputs[context, d] += row[d]


@njit(cache=True, nogil=True, inline="always")
def prefetch_batch(inputs, out, hot, sentence, centers, positions, los, his, n_rows, negatives, k):
    """Hint every row a CBOW batch is about to read: the centers' and negatives' output rows and the
    windows' input rows, so that their loads overlap (text8, one thread: ~1.06-1.15x per epoch)."""
    n_hot = hot.shape[0]
    for b in range(n_rows):
        t = centers[b]
        prefetch_row(hot if t < n_hot else out, t)
    for j in range(k):
        t = negatives[j]
        prefetch_row(hot if t < n_hot else out, t)
    for b in range(n_rows):
        for j in range(los[b], his[b]):
            if j != positions[b]:
                prefetch_row(inputs, sentence[j])


@njit(cache=True, nogil=True, inline="always")
def cbow_batch_layout(window_size):
    """(span, stride) of batched CBOW: how a sentence's kept positions fall into batches.

    The sentence is cut into blocks of ``span = CENTERS_PER_BATCH * stride`` positions, and a batch
    is one residue class of a block: positions ``first, first + stride, ...``. With ``stride`` a
    whole window (``2 * window_size + 1``) apart, no two centers of a batch have overlapping
    windows, so no context row takes two of the batch's gradients at once and no batch sees the
    same text twice. Batches of consecutive centers (stride 1) lost 0.015 analogy at alpha 0.05 on
    text8 (0.051 vs 0.066 for classic CBOW, 3 seeds); with whole-window strides batched CBOW is
    level with classic (0.0665 vs 0.0667, 9 seeds) at the same speed as stride 1.
    """
    stride = 2 * window_size + 1
    return CENTERS_PER_BATCH * stride, stride


@njit(cache=True, nogil=True, inline="always")
def n_batches(n, span, stride):
    """How many batches :func:`cbow_batch_layout` makes of ``n`` positions (every residue of every
    block, even those a short last block leaves empty)."""
    return ((n + span - 1) // span) * stride


@njit(cache=True, nogil=True, inline="always")
def batch_positions(batch_index, n, span, stride):
    """(first, stop) of batch ``batch_index``: its centers are ``range(first, stop, stride)``."""
    block, residue = divmod(batch_index, stride)
    return block * span + residue, min(n, (block + 1) * span)


@njit(cache=True, nogil=True, fastmath=True)
def train_cbow_batched_job(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start, alpha_end,
                           rng, tables):
    """CBOW where batches of ``CENTERS_PER_BATCH`` centers of a sentence, a window apart, share one draw
    of negatives.

    Classic CBOW already draws ``k`` negatives per window; here a batch of up to CENTERS_PER_BATCH
    windows shares one draw of ``CBOW_DRAWS_PER_NEGATIVE * k``, each at weight
    ``1 / CBOW_DRAWS_PER_NEGATIVE``, and the batch is trained as one (rows x (1 + that)) score matrix. All hidden
    rows of a batch are built from the input rows as they were before the batch's update; each
    window's gradient is then added whole to each of its context rows (as the classic kernel does).
    Which centers form a batch: :func:`cbow_batch_layout` (every kept position is a center once).

    Random draws: per sentence, the subsampling draws; then per batch, one window-shrink draw per
    center in order (none without shrink), then -- if some window of the batch holds a context word --
    ``CBOW_DRAWS_PER_NEGATIVE * k`` negatives.
    Arguments as in :func:`train_skipgram_batched_job`; ``window.mean`` averages the context rows
    (else sums them). Returns (loss: float64, examples: int64); an example is one window, as in the
    classic kernel.
    """
    return _cbow_batched_job(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start, alpha_end, rng,
                             tables, inputs.shape[1])


@functools.cache
def cbow_batched_job_for_size(dim: int):
    """:func:`train_cbow_batched_job` compiled for ``dim``-float vectors (why:
    :func:`negsample.word2vec.training.job_kernel`)."""

    @njit(cache=True, nogil=True, fastmath=True)
    def job(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start, alpha_end, rng, tables):
        return _cbow_batched_job(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start, alpha_end,
                                 rng, tables, dim)

    return job


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def _cbow_batched_job(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start, alpha_end, rng, tables,
                      dim):
    if tree is not None:
        raise ValueError("hierarchical softmax has no window-batched kernel")
    sigmoid, log_sigmoid = tables
    out, hot, threshold, alias = negative.out, negative.hot, negative.threshold, negative.alias
    k = negative.k * CBOW_DRAWS_PER_NEGATIVE  # the batch's shared draw
    batch = CENTERS_PER_BATCH
    hidden = np.empty((batch, dim), dtype=np.float32)
    grad_hidden = np.empty((batch, dim), dtype=np.float32)
    centers = np.empty(batch, dtype=np.int64)
    positions = np.empty(batch, dtype=np.int64)
    los = np.empty(batch, dtype=np.int64)
    his = np.empty(batch, dtype=np.int64)
    negatives = np.empty(k, dtype=np.int64)
    gains = np.empty((batch, k + 1), dtype=np.float32)
    sentence = sentence_buffer(lengths)
    n_tokens = ids.shape[0]
    loss = 0.0
    examples = 0
    start = 0
    since_sync = 0
    for s in range(lengths.shape[0]):
        stop = start + lengths[s]
        alpha = alpha_start + (alpha_end - alpha_start) * (start / n_tokens)
        n = subsample(ids, start, stop, keep_prob, rng, sentence)
        span, stride = cbow_batch_layout(window.size)
        for batch_index in range(n_batches(n, span, stride)):
            n_rows = draw_batch(rng, window, sentence, n, batch_index, span, stride, threshold, alias, k, centers,
                                positions, los, his, negatives)
            if n_rows == 0:
                continue
            prefetch_batch(inputs, out, hot, sentence, centers, positions, los, his, n_rows, negatives, k)
            build_hidden(inputs, sentence, positions, los, his, n_rows, window.mean, hidden, dim)
            loss += cbow_batch_step(out, hot, hidden, grad_hidden, centers, n_rows, negatives, k, alpha,
                                    sigmoid, log_sigmoid, gains, dim)
            scatter_hidden(inputs, sentence, positions, los, his, n_rows, grad_hidden, dim)
            examples += n_rows
        start = stop
        since_sync = sync_when_due(out, hot, negative.hot_base, False, since_sync, negative.sync_every, lengths[s])
    return loss, examples

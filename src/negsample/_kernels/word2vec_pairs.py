"""word2vec training kernels, one (context, center) example at a time: skip-gram and CBOW over one job.

Architecture and objective are separate, as in fastText: ``train_skipgram_job`` / ``train_cbow_job``
only build the hidden vector (a context word's input row, or the mean/sum of the context rows) and
hand it to ``negative_sampling_step`` and/or ``hierarchical_softmax_step``, which update the output
rows and accumulate the gradient for the hidden vector. The caller then adds that gradient to the
input rows, exactly as the word2vec C tool does (for CBOW with a mean, the C tool adds the whole
gradient to every context row, not gradient/count; we do the same).

The objectives arrive as named tuples (:mod:`negsample.word2vec.objectives`): ``negative`` =
(out, hot, threshold, alias, k), ``tree`` = (out, hot, offsets, codes, points), either one ``None``
when it is off. Numba compiles one version per combination, so an objective that is off costs no
test in the loops. ``hot`` is the thread's private copy of the rows nearly every example writes (see
:mod:`negsample._kernels.hot_rows`); empty, every row is trained in place.

Random draws, in the order a job consumes them (:mod:`negsample.word2vec.reference` replays them):
per sentence, one draw per token whose keep probability is below 1 (subsampling); then per kept
center position, one draw for the window shrink (none when the window does not shrink); then, per
training example, one draw per negative.
"""

import functools

import numpy as np
from numba import njit

from .alias import draw_alias
from .batched_passes import dot4
from .hot_rows import sync_when_due
from .logistic import MAX_EXP, gain_and_loss, logistic_loss
from .windows import sentence_buffer, subsample, window_bounds

__all__ = ["PATH_SCORES", "cbow_job_for_size", "hierarchical_softmax_step", "negative_sampling_step", "path_gains",
           "path_scores", "path_update4", "path_updates", "skipgram_job_for_size", "train_cbow_job",
           "train_skipgram_job"]

PATH_SCORES = 64  # a job's scratch for one Huffman path's scores (a longer path goes 64 nodes at a time)


@njit(cache=True, nogil=True, fastmath=True)
def negative_sampling_step(hidden, grad, target, negative, alpha, rng, sigmoid, log_sigmoid, dim):
    """One negative-sampling example: target is the positive, ``negative.k`` negatives come from the noise.

    hidden : float32 (dim,) -- read only
    grad : float32 (dim,) -- receives += gradient for ``hidden`` (scaled by ``alpha``)
    negative : NegativeSampling -- rows ``0 .. n_hot-1`` are trained in ``negative.hot``
    dim : int -- the vector size (a compile-time constant in the ``*_for_size`` kernels)
    Returns the example's loss (float64). A negative equal to the target is skipped (C tool rule).
    """
    out, hot = negative.out, negative.hot
    n_hot = hot.shape[0]
    loss = 0.0
    for draw in range(negative.k + 1):
        if draw == 0:
            word = target
            label = 1.0
        else:
            word = draw_alias(negative.threshold, negative.alias, rng)
            if word == target:
                continue
            label = 0.0
        row = hot[word] if word < n_hot else out[word]
        f = np.float32(0.0)
        for d in range(dim):
            f += hidden[d] * row[d]
        g, example_loss = gain_and_loss(f, label, alpha, sigmoid, log_sigmoid)
        loss += example_loss
        for d in range(dim):
            grad[d] += g * row[d]
            row[d] += g * hidden[d]
    return loss


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def path_scores(hidden, out, hot, points, first, n, scores, dim):
    """``scores[:n]`` = the dot products of ``hidden`` with the rows of nodes ``points[first:first + n]``
    as they are now (a node among the last ``len(hot)``, the top of the tree, in its private row),
    four node rows per pass over ``hidden`` (``dot4``)."""
    hot_start = out.shape[0] - hot.shape[0]
    p = 0
    while p + 4 <= n:
        a, b, c, e = points[first + p], points[first + p + 1], points[first + p + 2], points[first + p + 3]
        scores[p], scores[p + 1], scores[p + 2], scores[p + 3] = dot4(
            hidden, hot[a - hot_start] if a >= hot_start else out[a],
            hot[b - hot_start] if b >= hot_start else out[b], hot[c - hot_start] if c >= hot_start else out[c],
            hot[e - hot_start] if e >= hot_start else out[e], dim)
        p += 4
    while p < n:
        node = points[first + p]
        row = hot[node - hot_start] if node >= hot_start else out[node]
        f = np.float32(0.0)
        for d in range(dim):
            f += hidden[d] * row[d]
        scores[p] = f
        p += 1


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def path_gains(codes, first, n, scores, alpha, sigmoid, log_sigmoid):
    """``scores[:n]`` (the scores of the nodes ``first .. first + n - 1`` of a path) turned into their
    gains ``alpha * (label - sigmoid(f))`` in place, label ``1 - code``; 0 where |f| >= MAX_EXP (the
    C tool and gensim skip those nodes; the others through ``gain_and_loss``). Returns the nodes'
    logistic loss (float64), skipped ones too.
    """
    loss = 0.0
    for p in range(n):
        label = np.float32(1 - codes[first + p])
        f = scores[p]
        if f <= -MAX_EXP or f >= MAX_EXP:
            loss += logistic_loss(f, label, log_sigmoid)
            scores[p] = 0.0
        else:
            scores[p], node_loss = gain_and_loss(f, label, alpha, sigmoid, log_sigmoid)
            loss += node_loss
    return loss


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def path_update4(hidden, grad, r0, g0, r1, g1, r2, g2, r3, g3, dim):
    """Four nodes' updates in one pass: ``grad += g_k r_k`` (each row as it was), ``r_k += g_k hidden``.

    The nodes of a path are distinct rows, so this is the node-by-node update with one load and store
    of ``grad`` and one load of ``hidden`` per four rows instead of per row (``grad`` gets the four
    terms' sum, so its rounding differs from four separate additions).
    """
    for d in range(dim):
        h = hidden[d]
        a, b, c, e = r0[d], r1[d], r2[d], r3[d]
        grad[d] += g0 * a + g1 * b + g2 * c + g3 * e
        r0[d] = a + g0 * h
        r1[d] = b + g1 * h
        r2[d] = c + g2 * h
        r3[d] = e + g3 * h


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def path_updates(hidden, grad, out, hot, points, first, n, gains, dim):
    """The updates of nodes ``points[first:first + n]`` by their ``gains``: ``grad += g row`` (the row
    before its update), ``row += g hidden``; four nodes per pass (``path_update4``)."""
    hot_start = out.shape[0] - hot.shape[0]
    p = 0
    while p + 4 <= n:
        a, b, c, e = points[first + p], points[first + p + 1], points[first + p + 2], points[first + p + 3]
        path_update4(hidden, grad, hot[a - hot_start] if a >= hot_start else out[a], gains[p],
                     hot[b - hot_start] if b >= hot_start else out[b], gains[p + 1],
                     hot[c - hot_start] if c >= hot_start else out[c], gains[p + 2],
                     hot[e - hot_start] if e >= hot_start else out[e], gains[p + 3], dim)
        p += 4
    while p < n:
        node = points[first + p]
        row = hot[node - hot_start] if node >= hot_start else out[node]
        g = gains[p]
        for d in range(dim):
            grad[d] += g * row[d]
            row[d] += g * hidden[d]
        p += 1


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def hierarchical_softmax_step(hidden, grad, target, tree, scores, alpha, sigmoid, log_sigmoid, dim):
    """One hierarchical-softmax example: a binary logistic step at each inner node on the path.

    tree : HierarchicalSoftmax -- the last ``n_hot`` node rows (the top of the tree, which every
        path crosses) are trained in ``tree.hot``
    scores : float32 (m,), m >= 1 -- scratch for the path's scores, then its gains (:data:`PATH_SCORES`
        in the jobs; a longer path is taken ``m`` nodes at a time)
    Nodes where |f| >= MAX_EXP are skipped, as in the C tool and gensim (their gradient is ~0 or the
    example is hopeless); their loss is still counted so the reported loss is honest.

    The C tool scores a node, updates it, then scores the next. The hidden vector stays fixed along
    the path and its node rows are distinct, so every score can come first (``path_scores``: four
    node rows per pass over ``hidden``), then every gain (``path_gains``), then the updates
    (``path_updates``: four node rows per pass over ``grad`` and ``hidden``): the same arithmetic,
    with no dot product waiting on the previous node's update. Scores first against node by node:
    text8, one thread, 1.16x per SG-HS epoch, ~1.1x CBOW-HS; updates four at a time against one at a
    time (with ``path_gains``): SG-HS 2 epochs, one thread, 1.17x.
    """
    out, hot, offsets, codes, points = tree.out, tree.hot, tree.offsets, tree.codes, tree.points
    loss = 0.0
    first, stop = offsets[target], offsets[target + 1]
    while first < stop:
        n = min(scores.shape[0], stop - first)
        path_scores(hidden, out, hot, points, first, n, scores, dim)
        loss += path_gains(codes, first, n, scores, alpha, sigmoid, log_sigmoid)
        path_updates(hidden, grad, out, hot, points, first, n, scores, dim)
        first += n
    return loss


@njit(cache=True, nogil=True, fastmath=True)
def train_skipgram_job(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start, alpha_end,
                       rng, tables):
    """Skip-gram over one job; each context word's input row predicts the center word.

    With hierarchical softmax the trainer runs :func:`skipgram_job_for_size`, this loop compiled for one
    vector size; with negative sampling alone, this function.

    ids : int32 (n_tokens,) -- the job's in-vocabulary ids, sentence after sentence
    lengths : int32 (n_sentences,) -- sentence lengths, summing to n_tokens
    inputs : float32 (V, dim) -- the word vectors, updated in place (Hogwild)
    keep_prob : float32 (V,) -- subsampling keep probabilities
    window : ContextWindow -- each center draws its reach in [1, window.size] (``window.shrink``), else
        reaches window.size
    negative : NegativeSampling or None
    tree : HierarchicalSoftmax or None -- at least one of the two objectives is on; each syncs its
        private rows into the shared ones every ``sync_every`` tokens (0: never inside the job)
    alpha_start, alpha_end : float -- learning rate at the first and after the last token of the job
    rng : uint64 (1,) -- random state, advanced in place
    tables : (sigmoid, log_sigmoid) float32 tables (:func:`~negsample._kernels.logistic.sigmoid_tables`)

    Returns (loss: float64, examples: int64).
    """
    return _skipgram_job(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start, alpha_end, rng,
                         tables, inputs.shape[1])


# One small factory per kernel, not one taking the kernel as an argument: Numba caches a closure over
# a number (here the size) across processes, but a closure over another compiled function compiled
# again in every new process (tried: a second process wrote new cache entries instead of loading).
@functools.cache
def skipgram_job_for_size(dim: int):
    """:func:`train_skipgram_job` compiled for ``dim``-float vectors (why:
    :func:`negsample.word2vec.training.job_kernel`)."""

    @njit(cache=True, nogil=True, fastmath=True)
    def job(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start, alpha_end, rng, tables):
        return _skipgram_job(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start, alpha_end, rng,
                             tables, dim)

    return job


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def _skipgram_job(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start, alpha_end, rng, tables,
                  dim):
    sigmoid, log_sigmoid = tables
    grad = np.zeros(dim, dtype=np.float32)
    scores = np.empty(PATH_SCORES, dtype=np.float32)
    sentence = sentence_buffer(lengths)
    n_tokens = ids.shape[0]
    loss = 0.0
    examples = 0
    start = 0
    ns_since = tree_since = 0
    for s in range(lengths.shape[0]):
        stop = start + lengths[s]
        alpha = alpha_start + (alpha_end - alpha_start) * (start / n_tokens)
        n = subsample(ids, start, stop, keep_prob, rng, sentence)
        for i in range(n):
            center = sentence[i]
            lo, hi = window_bounds(rng, window, i, n)
            for j in range(lo, hi):
                if j == i:
                    continue
                context = sentence[j]
                hidden = inputs[context]
                grad[:] = 0.0
                # Hierarchical softmax first, then negative sampling, as the C tool orders them.
                if tree is not None:
                    loss += hierarchical_softmax_step(hidden, grad, center, tree, scores, alpha, sigmoid, log_sigmoid,
                                                      dim)
                if negative is not None:
                    loss += negative_sampling_step(hidden, grad, center, negative, alpha, rng, sigmoid, log_sigmoid,
                                                   dim)
                for d in range(dim):
                    inputs[context, d] += grad[d]
                examples += 1
        start = stop
        # A thread's private rows go back to the shared ones every ``sync_every`` tokens.
        if negative is not None:
            ns_since = sync_when_due(negative.out, negative.hot, negative.hot_base, False, ns_since,
                                     negative.sync_every, lengths[s])
        if tree is not None:
            tree_since = sync_when_due(tree.out, tree.hot, tree.hot_base, True, tree_since, tree.sync_every,
                                       lengths[s])
    return loss, examples


@njit(cache=True, nogil=True, fastmath=True)
def train_cbow_job(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start, alpha_end, rng, tables):
    """CBOW over one job: the mean (``window.mean``) or sum of the context rows predicts the center word.

    Arguments as in :func:`train_skipgram_job`. Returns (loss: float64, examples: int64). With
    hierarchical softmax the trainer runs :func:`cbow_job_for_size`.
    """
    return _cbow_job(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start, alpha_end, rng, tables,
                     inputs.shape[1])


@functools.cache
def cbow_job_for_size(dim: int):
    """:func:`train_cbow_job` compiled for ``dim``-float vectors (why:
    :func:`negsample.word2vec.training.job_kernel`)."""

    @njit(cache=True, nogil=True, fastmath=True)
    def job(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start, alpha_end, rng, tables):
        return _cbow_job(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start, alpha_end, rng,
                         tables, dim)

    return job


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def _cbow_job(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start, alpha_end, rng, tables, dim):
    sigmoid, log_sigmoid = tables
    grad = np.zeros(dim, dtype=np.float32)
    scores = np.empty(PATH_SCORES, dtype=np.float32)
    hidden = np.zeros(dim, dtype=np.float32)
    sentence = sentence_buffer(lengths)
    n_tokens = ids.shape[0]
    loss = 0.0
    examples = 0
    start = 0
    ns_since = tree_since = 0
    for s in range(lengths.shape[0]):
        stop = start + lengths[s]
        alpha = alpha_start + (alpha_end - alpha_start) * (start / n_tokens)
        n = subsample(ids, start, stop, keep_prob, rng, sentence)
        for i in range(n):
            center = sentence[i]
            lo, hi = window_bounds(rng, window, i, n)
            if hi - lo < 2:
                continue
            hidden[:] = 0.0
            for j in range(lo, hi):
                if j != i:
                    context = sentence[j]
                    for d in range(dim):
                        hidden[d] += inputs[context, d]
            if window.mean:
                inv = np.float32(1.0 / (hi - lo - 1))
                for d in range(dim):
                    hidden[d] *= inv
            grad[:] = 0.0
            if tree is not None:
                loss += hierarchical_softmax_step(hidden, grad, center, tree, scores, alpha, sigmoid, log_sigmoid, dim)
            if negative is not None:
                loss += negative_sampling_step(hidden, grad, center, negative, alpha, rng, sigmoid, log_sigmoid, dim)
            for j in range(lo, hi):
                if j != i:
                    context = sentence[j]
                    for d in range(dim):
                        inputs[context, d] += grad[d]
            examples += 1
        start = stop
        # A thread's private rows go back to the shared ones every ``sync_every`` tokens.
        if negative is not None:
            ns_since = sync_when_due(negative.out, negative.hot, negative.hot_base, False, ns_since,
                                     negative.sync_every, lengths[s])
        if tree is not None:
            tree_since = sync_when_due(tree.out, tree.hot, tree.hot_base, True, tree_since, tree.sync_every,
                                       lengths[s])
    return loss, examples

"""word2vec training kernels: skip-gram and CBOW over one job (a run of sentences).

Architecture and objective are separate, as in fastText: ``train_skipgram_job`` / ``train_cbow_job``
only build the hidden vector (a context word's input row, or the mean/sum of the context rows) and
hand it to ``negative_sampling_step`` and/or ``hierarchical_softmax_step``, which update the output
rows and accumulate the gradient for the hidden vector. The caller then adds that gradient to the
input rows, exactly as the word2vec C tool does (for CBOW with a mean, the C tool adds the whole
gradient to every context row, not gradient/count; we do the same).

Objectives come packed as tuples so that a kernel's signature stays short:
``negative`` = (out_ns float32 (V, dim), threshold float64 (V,), alias int32 (V,), k int) and
``tree`` = (out_hs float32 (V-1, dim), offsets int64 (V+1,), codes uint8, points int32).
An objective that is off has ``k == 0`` or an empty ``offsets``; the branch is per example, never
inside a loop over dimensions.

With several threads, the rows that nearly every example writes -- the output rows of the most
frequent words, the node rows at the top of the tree -- are trained in a thread-private copy
(``hot_out``, ``hot_nodes``) that the trainer adds back with :func:`sync_hot_rows` every so often,
so that the cores do not fight over their cache lines. With empty copies every row is shared.

The sigmoid comes from a 1000-entry table over [-6, 6] (the C tool's), and the gradient saturates
outside it the same way, so results match the reference algorithm and cost no ``exp`` per example.

Random draws, in the order a job consumes them (``tests/reference_word2vec.py`` replays them):
per sentence, one draw per token whose keep probability is below 1 (subsampling); then per kept
center position, one draw for the window shrink; then, per training example, one draw per negative.
"""

import numpy as np
from numba import njit

from .alias import draw_alias
from .rng import next_below, next_unit

__all__ = [
    "MAX_EXP",
    "SIGMOID_TABLE_SIZE",
    "sigmoid_tables",
    "sync_hot_rows",
    "negative_sampling_step",
    "hierarchical_softmax_step",
    "train_skipgram_job",
    "train_cbow_job",
]

MAX_EXP = 6.0
SIGMOID_TABLE_SIZE = 1000
_SCALE = SIGMOID_TABLE_SIZE / MAX_EXP / 2.0


def sigmoid_tables():
    """(sigmoid, log_sigmoid) float32 tables of SIGMOID_TABLE_SIZE entries over [-MAX_EXP, MAX_EXP)."""
    x = (np.arange(SIGMOID_TABLE_SIZE, dtype=np.float64) / SIGMOID_TABLE_SIZE * 2.0 - 1.0) * MAX_EXP
    sig = 1.0 / (1.0 + np.exp(-x))
    return sig.astype(np.float32), np.log(sig).astype(np.float32)


@njit(cache=True, nogil=True, fastmath=True)
def _logistic_loss(f, label, log_sigmoid):
    """-log sigmoid(f) for label 1, -log sigmoid(-f) for label 0, from the table (linear tails)."""
    z = f if label > 0.5 else -f
    if z >= MAX_EXP:
        return 0.0
    if z <= -MAX_EXP:
        return -z
    return -np.float64(log_sigmoid[int((z + MAX_EXP) * _SCALE)])


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def _gain_and_loss(f, label, alpha, sigmoid, log_sigmoid):
    """(alpha * (label - sigmoid(f)), logistic loss) from one table index.

    The gain saturates outside the table, as in the C tool. The loss uses
    -log(1 - sigmoid(f)) = -log sigmoid(f) + f, so a negative's loss needs no second table read;
    computing it this way instead of in a separate pass made the batched kernel ~10% faster. The
    table has no entry at f = MAX_EXP, hence ``>=`` where the C tool (one entry longer) has ``>``.
    """
    if f >= MAX_EXP:
        return np.float32((label - 1.0) * alpha), (0.0 if label > 0.5 else np.float64(f))
    if f <= -MAX_EXP:
        return np.float32(label * alpha), (-np.float64(f) if label > 0.5 else 0.0)
    index = int((f + MAX_EXP) * _SCALE)
    p = sigmoid[index]
    if label > 0.5:
        return np.float32((1.0 - p) * alpha), -np.float64(log_sigmoid[index])
    return np.float32(-p * alpha), np.float64(f) - np.float64(log_sigmoid[index])


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


@njit(cache=True, nogil=True, fastmath=True)
def negative_sampling_step(hidden, grad, target, negative, hot, alpha, rng, sigmoid, log_sigmoid):
    """One negative-sampling example: target is the positive, ``k`` negatives come from the noise.

    hidden : float32 (dim,) -- read only
    grad : float32 (dim,) -- receives += gradient for ``hidden`` (scaled by ``alpha``)
    hot : float32 (n_hot, dim) -- the thread's copy of output rows ``0 .. n_hot-1``, used instead
    Returns the example's loss (float64). A negative equal to the target is skipped (C tool rule).
    """
    out, threshold, alias, k = negative
    dim = hidden.shape[0]
    n_hot = hot.shape[0]
    loss = 0.0
    for draw in range(k + 1):
        if draw == 0:
            word = target
            label = 1.0
        else:
            word = draw_alias(threshold, alias, rng)
            if word == target:
                continue
            label = 0.0
        row = hot[word] if word < n_hot else out[word]
        f = np.float32(0.0)
        for d in range(dim):
            f += hidden[d] * row[d]
        g, example_loss = _gain_and_loss(f, label, alpha, sigmoid, log_sigmoid)
        loss += example_loss
        for d in range(dim):
            grad[d] += g * row[d]
            row[d] += g * hidden[d]
    return loss


@njit(cache=True, nogil=True, fastmath=True)
def hierarchical_softmax_step(hidden, grad, target, tree, hot, alpha, sigmoid, log_sigmoid):
    """One hierarchical-softmax example: a binary logistic step at each inner node on the path.

    hot : float32 (n_hot, dim) -- the thread's copy of the last ``n_hot`` node rows (the top of the
        tree, which every path crosses), used instead
    Nodes where |f| >= MAX_EXP are skipped, as in the C tool and gensim (their gradient is ~0 or the
    example is hopeless); their loss is still counted so the reported loss is honest.
    """
    out, offsets, codes, points = tree
    dim = hidden.shape[0]
    hot_start = out.shape[0] - hot.shape[0]
    loss = 0.0
    for i in range(offsets[target], offsets[target + 1]):
        node = points[i]
        label = 1.0 - codes[i]
        row = hot[node - hot_start] if node >= hot_start else out[node]
        f = np.float32(0.0)
        for d in range(dim):
            f += hidden[d] * row[d]
        loss += _logistic_loss(f, label, log_sigmoid)
        if f <= -MAX_EXP or f >= MAX_EXP:
            continue
        g = np.float32((label - sigmoid[int((f + MAX_EXP) * _SCALE)]) * alpha)
        for d in range(dim):
            grad[d] += g * row[d]
            row[d] += g * hidden[d]
    return loss


@njit(cache=True, nogil=True, inline="always")
def _window_bounds(rng, window, i, n):
    """Draw the center's window, uniform in [1, window] (the C tool's shrink), and return the
    ``[lo, hi)`` range of sentence positions it covers, center included."""
    reach = window - next_below(rng, window)
    return max(0, i - reach), min(n, i + reach + 1)


@njit(cache=True, nogil=True, inline="always")
def _sentence_buffer(lengths):
    """Scratch for one subsampled sentence: as long as the job's longest sentence."""
    return np.empty(np.max(lengths) if lengths.shape[0] > 0 else 0, dtype=np.int32)


@njit(cache=True, nogil=True, fastmath=True)
def _subsample(ids, start, stop, keep_prob, rng, sentence):
    """Copy the kept tokens of ids[start:stop] into ``sentence``; return how many."""
    n = 0
    for t in range(start, stop):
        w = ids[t]
        p = keep_prob[w]
        if p < 1.0 and next_unit(rng) >= p:
            continue
        sentence[n] = w
        n += 1
    return n


@njit(cache=True, nogil=True, fastmath=True)
def train_skipgram_job(ids, lengths, inputs, keep_prob, negative, tree, window, alpha_start, alpha_end,
                       rng, tables, hot_out, hot_nodes):
    """Skip-gram over one job; each context word's input row predicts the center word.

    ids : int32 (n_tokens,) -- the job's in-vocabulary ids, sentence after sentence
    lengths : int32 (n_sentences,) -- sentence lengths, summing to n_tokens
    inputs : float32 (V, dim) -- the word vectors, updated in place (Hogwild)
    keep_prob : float32 (V,) -- subsampling keep probabilities
    window : int -- maximum window; each center draws its own in [1, window]
    alpha_start, alpha_end : float -- learning rate at the first and after the last token of the job
    rng : uint64 (1,) -- random state, advanced in place
    tables : (sigmoid, log_sigmoid) float32 tables
    hot_out : float32 (n, dim) -- a thread-private copy of output rows ``0 .. n-1`` (the most
        frequent words: nearly every example writes them), trained instead of the shared rows; the
        caller adds the change back with :func:`sync_hot_rows`.
        Pass an empty (0, dim) array to train every row in place (one thread).
    hot_nodes : float32 (n, dim) -- the same for the last ``n`` node rows (the top of the tree)

    Returns (loss: float64, examples: int64).
    """
    sigmoid, log_sigmoid = tables
    dim = inputs.shape[1]
    use_ns = negative[3] > 0
    use_hs = tree[1].shape[0] > 0
    grad = np.zeros(dim, dtype=np.float32)
    sentence = _sentence_buffer(lengths)
    n_tokens = ids.shape[0]
    loss = 0.0
    examples = 0
    start = 0
    for s in range(lengths.shape[0]):
        stop = start + lengths[s]
        alpha = alpha_start + (alpha_end - alpha_start) * (start / n_tokens)
        n = _subsample(ids, start, stop, keep_prob, rng, sentence)
        for i in range(n):
            center = sentence[i]
            lo, hi = _window_bounds(rng, window, i, n)
            for j in range(lo, hi):
                if j == i:
                    continue
                context = sentence[j]
                hidden = inputs[context]
                grad[:] = 0.0
                if use_hs:
                    loss += hierarchical_softmax_step(hidden, grad, center, tree, hot_nodes, alpha, sigmoid,
                                                      log_sigmoid)
                if use_ns:
                    loss += negative_sampling_step(hidden, grad, center, negative, hot_out, alpha, rng, sigmoid,
                                                   log_sigmoid)
                for d in range(dim):
                    inputs[context, d] += grad[d]
                examples += 1
        start = stop
    return loss, examples


@njit(cache=True, nogil=True, fastmath=True)
def train_cbow_job(ids, lengths, inputs, keep_prob, negative, tree, window, alpha_start, alpha_end,
                   rng, tables, hot_out, hot_nodes, cbow_mean):
    """CBOW over one job: the (mean or sum of the) context rows predicts the center word.

    Arguments as in :func:`train_skipgram_job`, plus ``cbow_mean`` (bool): average instead of sum.
    Returns (loss: float64, examples: int64).
    """
    sigmoid, log_sigmoid = tables
    dim = inputs.shape[1]
    use_ns = negative[3] > 0
    use_hs = tree[1].shape[0] > 0
    grad = np.zeros(dim, dtype=np.float32)
    hidden = np.zeros(dim, dtype=np.float32)
    sentence = _sentence_buffer(lengths)
    n_tokens = ids.shape[0]
    loss = 0.0
    examples = 0
    start = 0
    for s in range(lengths.shape[0]):
        stop = start + lengths[s]
        alpha = alpha_start + (alpha_end - alpha_start) * (start / n_tokens)
        n = _subsample(ids, start, stop, keep_prob, rng, sentence)
        for i in range(n):
            center = sentence[i]
            lo, hi = _window_bounds(rng, window, i, n)
            if hi - lo < 2:
                continue
            hidden[:] = 0.0
            for j in range(lo, hi):
                if j != i:
                    context = sentence[j]
                    for d in range(dim):
                        hidden[d] += inputs[context, d]
            if cbow_mean:
                inv = np.float32(1.0 / (hi - lo - 1))
                for d in range(dim):
                    hidden[d] *= inv
            grad[:] = 0.0
            if use_hs:
                loss += hierarchical_softmax_step(hidden, grad, center, tree, hot_nodes, alpha, sigmoid,
                                                  log_sigmoid)
            if use_ns:
                loss += negative_sampling_step(hidden, grad, center, negative, hot_out, alpha, rng, sigmoid,
                                               log_sigmoid)
            for j in range(lo, hi):
                if j != i:
                    context = sentence[j]
                    for d in range(dim):
                        inputs[context, d] += grad[d]
            examples += 1
        start = stop
    return loss, examples

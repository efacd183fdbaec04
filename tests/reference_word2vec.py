"""A slow, obvious NumPy twin of the word2vec kernels, for tests only.

It replays the kernels' random stream (the same splitmix64 draws, called one at a time from Python)
in the documented order, so one job of the real kernel and one job here must give the same weights
up to float32 rounding.
"""

import numpy as np

from negsample._kernels.alias import draw_alias
from negsample._kernels.rng import next_below, next_unit
from negsample._kernels.word2vec import MAX_EXP, SIGMOID_TABLE_SIZE

SCALE = SIGMOID_TABLE_SIZE / MAX_EXP / 2.0


def logistic_gradient(f, label, alpha, sigmoid, saturate_skip):
    """alpha * (label - sigmoid(f)) with the C tool's table; None where hierarchical softmax skips."""
    if f >= MAX_EXP or f <= -MAX_EXP:
        if saturate_skip:
            return None
        return alpha * (label - (1.0 if f > 0 else 0.0))
    return alpha * (label - float(sigmoid[int((f + MAX_EXP) * SCALE)]))


def logistic_loss(f, label):
    """Exact -log sigmoid(+-f); the kernel's table agrees to about 1e-2."""
    z = f if label == 1 else -f
    return float(np.logaddexp(0.0, -z))


def negative_sampling(hidden, grad, target, negative, alpha, rng, sigmoid):
    out, threshold, alias, k = negative
    loss = 0.0
    for draw in range(k + 1):
        if draw == 0:
            word, label = target, 1.0
        else:
            word = int(draw_alias(threshold, alias, rng))
            if word == target:
                continue
            label = 0.0
        f = float(np.dot(hidden.astype(np.float64), out[word].astype(np.float64)))
        loss += logistic_loss(f, label)
        g = logistic_gradient(f, label, alpha, sigmoid, saturate_skip=False)
        grad += np.float32(g) * out[word]
        out[word] += np.float32(g) * hidden
    return loss


def hierarchical_softmax(hidden, grad, target, tree, alpha, sigmoid):
    out, offsets, codes, points = tree
    loss = 0.0
    for i in range(offsets[target], offsets[target + 1]):
        node, label = points[i], 1.0 - codes[i]
        f = float(np.dot(hidden.astype(np.float64), out[node].astype(np.float64)))
        loss += logistic_loss(f, label)
        g = logistic_gradient(f, label, alpha, sigmoid, saturate_skip=True)
        if g is None:
            continue
        grad += np.float32(g) * out[node]
        out[node] += np.float32(g) * hidden
    return loss


def _objectives(hidden, grad, center, negative, tree, alpha, rng, sigmoid):
    """Hierarchical softmax first, then negative sampling, as the C tool orders them."""
    loss = 0.0
    if tree[1].shape[0] > 0:
        loss += hierarchical_softmax(hidden, grad, center, tree, alpha, sigmoid)
    if negative[3] > 0:
        loss += negative_sampling(hidden, grad, center, negative, alpha, rng, sigmoid)
    return loss


def subsampled_sentences(ids, lengths, keep_prob, alpha_start, alpha_end, rng):
    """Yield (alpha, kept words) per sentence, drawing the subsampling coins in the kernels' order.

    Lazy on purpose: a sentence's coins are drawn only when the caller asks for it, i.e. after the
    previous sentence's window and negative draws, as in the kernels.
    """
    start = 0
    for length in lengths:
        alpha = alpha_start + (alpha_end - alpha_start) * (start / len(ids))
        sentence = []
        for word in ids[start:start + length]:
            p = keep_prob[word]
            if p < 1.0 and next_unit(rng) >= p:
                continue
            sentence.append(int(word))
        yield alpha, sentence
        start += length


def window_context(sentence, i, window, rng):
    """Draw center i's window shrink and return its context words, left to right."""
    reach = window - int(next_below(rng, window))
    return [sentence[j] for j in range(max(0, i - reach), min(len(sentence), i + reach + 1)) if j != i]


def reference_job(ids, lengths, inputs, keep_prob, negative, tree, window, alpha_start, alpha_end, rng,
                  tables, *, sg, cbow_mean=True):
    """Train one job in place; returns (loss, examples) like the kernels."""
    sigmoid, _ = tables
    loss, examples = 0.0, 0
    for alpha, sentence in subsampled_sentences(ids, lengths, keep_prob, alpha_start, alpha_end, rng):
        for i, center in enumerate(sentence):
            context = window_context(sentence, i, window, rng)
            if sg:
                # One example per context word; each reads its row when its turn comes, after the
                # updates of earlier examples (a word may appear twice in a window).
                for c in context:
                    hidden = inputs[c].copy()
                    grad = np.zeros_like(hidden)
                    loss += _objectives(hidden, grad, center, negative, tree, alpha, rng, sigmoid)
                    inputs[c] += grad
                    examples += 1
                continue
            if not context:
                continue
            hidden = inputs[context].sum(axis=0)
            if cbow_mean:
                hidden = hidden * np.float32(1.0 / len(context))
            hidden = hidden.astype(np.float32)
            grad = np.zeros_like(hidden)
            loss += _objectives(hidden, grad, center, negative, tree, alpha, rng, sigmoid)
            for c in context:
                inputs[c] += grad
            examples += 1
    return loss, examples

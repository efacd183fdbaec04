"""A slow, obvious NumPy twin of the word2vec job kernels.

Every compiled kernel in :mod:`negsample._kernels.word2vec_pairs` and
:mod:`negsample._kernels.word2vec_batched` has a twin here that takes the same arguments, replays the
same random stream (the kernels' splitmix64 draws, called one at a time from Python) in the
documented order, and does the arithmetic the plain way, in float64 where the kernels use float32.
One job of a kernel and one job of its twin therefore give the same weights up to float32 rounding
(the tests check this for every kernel), which is what lets the trace mode show the real algorithm.

The twins ignore ``hot``: they train ``out`` directly, which is what a kernel's private copy adds
up to once synced.

Every twin takes an optional ``observer`` (a :class:`TwinObserver`), told each draw and each
logistic term as it happens; the trace mode (:mod:`negsample.word2vec.trace`) listens this way, so
what it shows is this code running, not a retelling of it. An observer never changes the draws or
the arithmetic.

Example
-------
>>> import numpy as np
>>> from negsample._kernels.logistic import sigmoid_tables
>>> from negsample.word2vec.objectives import ContextWindow, build_objectives
>>> from negsample.word2vec.reference import reference_skipgram_job
>>> negative, _ = build_objectives(np.array([3, 2, 1]), dim=2, negative=1, hs=False)
>>> inputs = np.full((3, 2), 0.1, np.float32)
>>> loss, examples = reference_skipgram_job(
...     np.array([0, 1, 2], np.int32), np.array([3], np.int32), inputs, np.ones(3, np.float32),
...     ContextWindow(size=1, mean=True), negative, None, 0.025, 0.025, np.ones(1, np.uint64),
...     sigmoid_tables())
>>> examples
4
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .._kernels.alias import draw_alias
from .._kernels.logistic import MAX_EXP, SIGMOID_SCALE
from .._kernels.rng import next_below, next_unit
from .._kernels.word2vec_batched import (
    CBOW_DRAWS_PER_NEGATIVE,
    CENTERS_PER_BATCH,
    batch_positions,
    cbow_batch_layout,
    n_batches,
)

__all__ = [
    "TwinObserver",
    "context_hidden",
    "logistic_gradient",
    "logistic_loss",
    "reference_cbow_batched_job",
    "reference_cbow_job",
    "reference_skipgram_batched_job",
    "reference_skipgram_job",
    "subsampled_sentences",
    "table_sigmoid",
    "window_context",
]


class TwinObserver:
    """What a twin reports while it trains a job. Every method does nothing here; subclass to listen.

    A *step* is one update: one (center, context) pair in classic skip-gram, one window in CBOW and
    in batched skip-gram, one run of windows sharing a draw in batched CBOW. Its ``rows`` are the
    hidden vectors it trains, each ``(center, context words)``: one row, except in the batched paths.
    Calls come in this order: ``sentence``, then per center ``window``, then per step
    ``begin_step`` (before anything of the step changes), ``hidden``, ``drawn`` and ``term`` as the
    draws and logistic terms happen, and ``end_step`` once the step's update is applied.
    """

    def sentence(self, alpha: float, tokens: list[int], coins: list[float | None], kept: list[bool]) -> None:
        """A sentence's subsampling: one coin per token whose keep probability is below 1 (else None)."""

    def window(self, position: int, reach: int, context_positions: list[int]) -> None:
        """Center ``position`` of the kept sentence drew ``reach``; its context sits at these positions."""

    def begin_step(self, rows: list[tuple[int, list[int]]]) -> None:
        """A step is about to train these (center, context words) rows."""

    def hidden(self, vectors: np.ndarray) -> None:
        """The step's hidden vectors as the objectives read them, shape: (n_rows, dim)."""

    def drawn(self, words: list[int]) -> None:
        """Noise words just drawn (a negative equal to the target is drawn, then skipped)."""

    def term(self, objective: str, row: int, target: int, label: float, f: float, gain: float | None,
             loss: float, weight: float = 1.0) -> None:
        """One logistic term: ``objective`` "ns" (target a word) or "hs" (target an inner node);
        ``gain`` is weight * alpha * (label - sigmoid(f)), None where hierarchical softmax skips the
        node, and ``loss`` its logistic loss times ``weight`` (below 1 only for the shared negatives
        of batched CBOW: ``CBOW_DRAWS_PER_NEGATIVE``)."""

    def end_step(self, loss: float) -> None:
        """The step's update is applied; ``loss`` is the sum of its terms before the update."""


_SILENT = TwinObserver()


def table_sigmoid(f: float, sigmoid: np.ndarray) -> float:
    """sigmoid(f) as the kernels read it: the C tool's table inside (-MAX_EXP, MAX_EXP), 0 or 1 outside."""
    if f >= MAX_EXP or f <= -MAX_EXP:
        return 1.0 if f > 0 else 0.0
    return float(sigmoid[int((f + MAX_EXP) * SIGMOID_SCALE)])


def logistic_gradient(f: float, label: float, alpha: float, sigmoid: np.ndarray, saturate_skip: bool):
    """alpha * (label - sigmoid(f)) with the C tool's table; ``None`` where hierarchical softmax skips."""
    if saturate_skip and (f >= MAX_EXP or f <= -MAX_EXP):
        return None
    return alpha * (label - table_sigmoid(f, sigmoid))


def logistic_loss(f: float, label: float) -> float:
    """Exact -log sigmoid(+-f); the kernels' table agrees to about 1e-2."""
    z = f if label == 1 else -f
    return float(np.logaddexp(0.0, -z))


def subsampled_sentences(ids, lengths, keep_prob, alpha_start, alpha_end, rng,
                         observer: TwinObserver = _SILENT) -> Iterator[tuple[float, list[int]]]:
    """Yield (alpha, kept words) per sentence, drawing the subsampling coins in the kernels' order.

    Lazy on purpose: a sentence's coins are drawn only when the caller asks for it, i.e. after the
    previous sentence's window and negative draws, as in the kernels.
    """
    start = 0
    for length in lengths:
        alpha = alpha_start + (alpha_end - alpha_start) * (start / len(ids))
        tokens = [int(word) for word in ids[start:start + length]]
        coins = [next_unit(rng) if keep_prob[word] < 1.0 else None for word in tokens]
        kept = [coin is None or coin < keep_prob[word] for word, coin in zip(tokens, coins)]
        observer.sentence(alpha, tokens, coins, kept)
        yield alpha, [word for word, keep in zip(tokens, kept) if keep]
        start += length


def window_context(sentence: list[int], i: int, window, rng, observer: TwinObserver = _SILENT) -> list[int]:
    """Center i's context words, left to right, for a ContextWindow: the reach drawn in [1, size] when
    the window shrinks, else ``size`` (no draw)."""
    reach = window.size - int(next_below(rng, window.size)) if window.shrink else window.size
    positions = [j for j in range(max(0, i - reach), min(len(sentence), i + reach + 1)) if j != i]
    observer.window(i, reach, positions)
    return [sentence[j] for j in positions]


def context_hidden(inputs: np.ndarray, context: list[int], mean: bool) -> np.ndarray:
    """CBOW's hidden vector: the sum of the context rows, times 1/len in float32 for the mean."""
    hidden = inputs[context].astype(np.float32).sum(axis=0)
    if mean:
        hidden = hidden * np.float32(1.0 / len(context))
    return hidden.astype(np.float32)


def _negative_sampling(hidden, grad, target, negative, alpha, rng, sigmoid, observer) -> float:
    out = negative.out
    loss = 0.0
    for draw in range(negative.k + 1):
        if draw == 0:
            word, label = target, 1.0
        else:
            word = int(draw_alias(negative.threshold, negative.alias, rng))
            observer.drawn([word])
            if word == target:
                continue
            label = 0.0
        f = float(np.dot(hidden.astype(np.float64), out[word].astype(np.float64)))
        term_loss = logistic_loss(f, label)
        g = logistic_gradient(f, label, alpha, sigmoid, saturate_skip=False)
        observer.term("ns", 0, word, label, f, g, term_loss)
        loss += term_loss
        grad += np.float32(g) * out[word]
        out[word] += np.float32(g) * hidden
    return loss


def _hierarchical_softmax(hidden, grad, target, tree, alpha, sigmoid, observer) -> float:
    out = tree.out
    loss = 0.0
    for i in range(tree.offsets[target], tree.offsets[target + 1]):
        node, label = int(tree.points[i]), 1.0 - tree.codes[i]
        f = float(np.dot(hidden.astype(np.float64), out[node].astype(np.float64)))
        term_loss = logistic_loss(f, label)
        g = logistic_gradient(f, label, alpha, sigmoid, saturate_skip=True)
        observer.term("hs", 0, node, label, f, g, term_loss)
        loss += term_loss
        if g is None:
            continue
        grad += np.float32(g) * out[node]
        out[node] += np.float32(g) * hidden
    return loss


def _objectives(hidden, grad, center, negative, tree, alpha, rng, sigmoid, observer) -> float:
    """Hierarchical softmax first, then negative sampling, as the C tool orders them."""
    observer.hidden(hidden[None, :])
    loss = 0.0
    if tree is not None:
        loss += _hierarchical_softmax(hidden, grad, center, tree, alpha, sigmoid, observer)
    if negative is not None:
        loss += _negative_sampling(hidden, grad, center, negative, alpha, rng, sigmoid, observer)
    return loss


def reference_skipgram_job(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start, alpha_end,
                           rng, tables, observer: TwinObserver = _SILENT) -> tuple[float, int]:
    """Twin of :func:`~negsample._kernels.word2vec_pairs.train_skipgram_job`: trains in place,
    returns (loss, examples)."""
    sigmoid, _ = tables
    loss, examples = 0.0, 0
    for alpha, sentence in subsampled_sentences(ids, lengths, keep_prob, alpha_start, alpha_end, rng, observer):
        for i, center in enumerate(sentence):
            # One example per context word; each reads its row when its turn comes, after the
            # updates of earlier examples (a word may appear twice in a window).
            for c in window_context(sentence, i, window, rng, observer):
                observer.begin_step([(center, [c])])
                hidden = inputs[c].copy()
                grad = np.zeros_like(hidden)
                step_loss = _objectives(hidden, grad, center, negative, tree, alpha, rng, sigmoid, observer)
                inputs[c] += grad
                observer.end_step(step_loss)
                loss += step_loss
                examples += 1
    return loss, examples


def reference_cbow_job(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start, alpha_end,
                       rng, tables, observer: TwinObserver = _SILENT) -> tuple[float, int]:
    """Twin of :func:`~negsample._kernels.word2vec_pairs.train_cbow_job`."""
    sigmoid, _ = tables
    loss, examples = 0.0, 0
    for alpha, sentence in subsampled_sentences(ids, lengths, keep_prob, alpha_start, alpha_end, rng, observer):
        for i, center in enumerate(sentence):
            context = window_context(sentence, i, window, rng, observer)
            if not context:
                continue
            observer.begin_step([(center, context)])
            hidden = context_hidden(inputs, context, window.mean)
            grad = np.zeros_like(hidden)
            step_loss = _objectives(hidden, grad, center, negative, tree, alpha, rng, sigmoid, observer)
            for c in context:
                inputs[c] += grad
            observer.end_step(step_loss)
            loss += step_loss
            examples += 1
    return loss, examples


def reference_skipgram_batched_job(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start,
                                   alpha_end, rng, tables, observer: TwinObserver = _SILENT) -> tuple[float, int]:
    """Twin of :func:`~negsample._kernels.word2vec_batched.train_skipgram_batched_job`: each window as
    explicit matrix products on copies of the rows taken before the update."""
    if tree is not None:
        raise ValueError("hierarchical softmax has no window-batched kernel")
    sigmoid, _ = tables
    out = negative.out
    loss, examples = 0.0, 0
    for alpha, sentence in subsampled_sentences(ids, lengths, keep_prob, alpha_start, alpha_end, rng, observer):
        for i, center in enumerate(sentence):
            context = window_context(sentence, i, window, rng, observer)
            if not context:
                continue
            observer.begin_step([(center, [c]) for c in context])
            draws = [int(draw_alias(negative.threshold, negative.alias, rng)) for _ in range(negative.k)]
            observer.drawn(draws)
            targets = [center] + [w for w in draws if w != center]
            labels = np.array([1.0] + [0.0] * (len(targets) - 1))

            rows_c = inputs[context].astype(np.float64)  # fancy indexing copies: pre-update values
            rows_o = out[targets].astype(np.float64)
            observer.hidden(inputs[context])
            scores = rows_c @ rows_o.T
            gains = np.zeros(scores.shape)
            step_loss = 0.0
            for a in range(len(context)):
                for b in range(len(targets)):
                    gains[a, b] = logistic_gradient(scores[a, b], labels[b], alpha, sigmoid, saturate_skip=False)
                    term_loss = logistic_loss(scores[a, b], labels[b])
                    observer.term("ns", a, targets[b], labels[b], float(scores[a, b]), gains[a, b], term_loss)
                    step_loss += term_loss
            grad_c = gains @ rows_o
            grad_o = gains.T @ rows_c
            np.add.at(inputs, context, grad_c.astype(np.float32))  # repeated rows accumulate
            np.add.at(out, targets, grad_o.astype(np.float32))
            observer.end_step(step_loss)
            loss += step_loss
            examples += len(context)
    return loss, examples


def reference_cbow_batched_job(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start, alpha_end,
                               rng, tables, centers_per_batch: int = CENTERS_PER_BATCH,
                               observer: TwinObserver = _SILENT) -> tuple[float, int]:
    """Twin of :func:`~negsample._kernels.word2vec_batched.train_cbow_batched_job`: batches of
    ``centers_per_batch`` centers a whole window apart share one draw of negatives (the batches of
    :func:`~negsample._kernels.word2vec_batched.cbow_batch_layout`), ``CBOW_DRAWS_PER_NEGATIVE * k`` of
    them, each with weight ``1 / CBOW_DRAWS_PER_NEGATIVE`` on its gain and loss."""
    if tree is not None:
        raise ValueError("hierarchical softmax has no window-batched kernel")
    sigmoid, _ = tables
    out, k = negative.out, negative.k * CBOW_DRAWS_PER_NEGATIVE
    weight = 1.0 / CBOW_DRAWS_PER_NEGATIVE
    loss, examples = 0.0, 0
    for alpha, sentence in subsampled_sentences(ids, lengths, keep_prob, alpha_start, alpha_end, rng, observer):
        stride = cbow_batch_layout(window.size)[1]
        span = centers_per_batch * stride
        for batch_index in range(n_batches(len(sentence), span, stride)):
            first, stop = batch_positions(batch_index, len(sentence), span, stride)
            windows = []  # (center, context words)
            for i in range(first, stop, stride):
                context = window_context(sentence, i, window, rng, observer)
                if context:
                    windows.append((sentence[i], context))
            if not windows:
                continue
            observer.begin_step(windows)
            negatives = [int(draw_alias(negative.threshold, negative.alias, rng)) for _ in range(k)]
            observer.drawn(negatives)

            hidden = np.array([context_hidden(inputs, c, window.mean) for _, c in windows], np.float32)
            observer.hidden(hidden)
            hidden = hidden.astype(np.float64)
            targets = [[center] + negatives for center, _ in windows]  # per row: positive, then negatives
            gains = np.zeros((len(windows), k + 1))
            step_loss = 0.0
            for b, (center, _) in enumerate(windows):
                for j, word in enumerate(targets[b]):
                    if j > 0 and word == center:
                        continue  # dropped for this row only
                    label, w = (1.0, 1.0) if j == 0 else (0.0, weight)
                    f = float(hidden[b] @ out[word].astype(np.float64))
                    term_loss = w * logistic_loss(f, label)
                    gains[b, j] = logistic_gradient(f, label, alpha * w, sigmoid, saturate_skip=False)
                    observer.term("ns", b, word, label, f, gains[b, j], term_loss, w)
                    step_loss += term_loss
            out_before = out.astype(np.float64)
            grad_hidden = np.array([gains[b] @ out_before[targets[b]] for b in range(len(windows))])
            for b in range(len(windows)):
                np.add.at(out, targets[b], (np.outer(gains[b], hidden[b])).astype(np.float32))
            for b, (_, context) in enumerate(windows):
                np.add.at(inputs, context, np.tile(grad_hidden[b].astype(np.float32), (len(context), 1)))
            observer.end_step(step_loss)
            loss += step_loss
            examples += len(windows)
    return loss, examples

"""A slow, obvious NumPy twin of the window-batched skip-gram kernel, for tests only.

It replays the kernel's random stream in the documented order (subsampling, then per center the
window shrink and, for a non-empty window, ``k`` negatives shared by the window) and does each
window as explicit matrix products on copies of the rows taken before the update.
"""

import numpy as np
from reference_word2vec import logistic_gradient, logistic_loss, subsampled_sentences, window_context

from negsample._kernels.alias import draw_alias


def reference_batched_skipgram_job(ids, lengths, inputs, keep_prob, negative, window, alpha_start,
                                   alpha_end, rng, tables):
    """Train one job in place; returns (loss, examples) like the kernel."""
    sigmoid, _ = tables
    out, threshold, alias, k = negative
    loss, examples = 0.0, 0
    for alpha, sentence in subsampled_sentences(ids, lengths, keep_prob, alpha_start, alpha_end, rng):
        for i, center in enumerate(sentence):
            context = window_context(sentence, i, window, rng)
            if not context:
                continue
            draws = [int(draw_alias(threshold, alias, rng)) for _ in range(k)]
            targets = [center] + [w for w in draws if w != center]
            labels = np.array([1.0] + [0.0] * (len(targets) - 1))

            rows_c = inputs[context].astype(np.float64)  # fancy indexing copies: pre-update values
            rows_o = out[targets].astype(np.float64)
            scores = rows_c @ rows_o.T
            gains = np.array([[logistic_gradient(scores[a, b], labels[b], alpha, sigmoid, saturate_skip=False)
                               for b in range(len(targets))] for a in range(len(context))])
            loss += sum(logistic_loss(scores[a, b], labels[b])
                        for a in range(len(context)) for b in range(len(targets)))
            grad_c = gains @ rows_o
            grad_o = gains.T @ rows_c
            np.add.at(inputs, context, grad_c.astype(np.float32))  # repeated rows accumulate
            np.add.at(out, targets, grad_o.astype(np.float32))
            examples += len(context)
    return loss, examples


def reference_batched_cbow_job(ids, lengths, inputs, keep_prob, negative, window, alpha_start, alpha_end,
                               rng, tables, cbow_mean, centers_per_batch):
    """CBOW where ``centers_per_batch`` consecutive centers share one draw of negatives."""
    sigmoid, _ = tables
    out, threshold, alias, k = negative
    loss, examples = 0.0, 0
    for alpha, sentence in subsampled_sentences(ids, lengths, keep_prob, alpha_start, alpha_end, rng):
        for first in range(0, len(sentence), centers_per_batch):
            windows = []  # (center, context words)
            for i in range(first, min(len(sentence), first + centers_per_batch)):
                context = window_context(sentence, i, window, rng)
                if context:
                    windows.append((sentence[i], context))
            if not windows:
                continue
            negatives = [int(draw_alias(threshold, alias, rng)) for _ in range(k)]

            hidden = np.array([inputs[c].astype(np.float32).sum(axis=0) for _, c in windows], np.float32)
            if cbow_mean:
                hidden *= np.array([[1.0 / len(c)] for _, c in windows], np.float32)
            hidden = hidden.astype(np.float64)
            targets = [[center] + negatives for center, _ in windows]  # per row: positive, then negatives
            gains = np.zeros((len(windows), k + 1))
            for b, (center, _) in enumerate(windows):
                for j, word in enumerate(targets[b]):
                    if j > 0 and word == center:
                        continue  # dropped for this row only
                    label = 1.0 if j == 0 else 0.0
                    f = float(hidden[b] @ out[word].astype(np.float64))
                    loss += logistic_loss(f, label)
                    gains[b, j] = logistic_gradient(f, label, alpha, sigmoid, saturate_skip=False)
            out_before = out.astype(np.float64)
            grad_hidden = np.array([gains[b] @ out_before[targets[b]] for b in range(len(windows))])
            for b in range(len(windows)):
                np.add.at(out, targets[b], (np.outer(gains[b], hidden[b])).astype(np.float32))
            for b, (_, context) in enumerate(windows):
                np.add.at(inputs, context, np.tile(grad_hidden[b].astype(np.float32), (len(context), 1)))
            examples += len(windows)
    return loss, examples

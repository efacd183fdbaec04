"""Where a word2vec epoch's time goes: a profile by stages, for one thread and for two.

    python benchmarks/word2vec_profile.py [--data ../shared/data] [--repeats 3] [--out FILE]

This machine has no hardware counters (``perf stat`` reports "not supported") and Numba's code has
no symbols for a sampling profiler, so the profile is built by stages instead: the script trains
one epoch of text8_prefix (as ``benchmarks/word2vec.py`` prepares it) through kernels that stop
after a given stage -- the window-batched skip-gram kernel's own passes called one after the other,
copies of the per-pair kernels' loops -- and reports each stage's added time:

- skip-gram, window-batched negative sampling (the default kernel):
  ``draws`` (subsampling, window shrink, alias draws of the negatives: the RNG and the loop),
  ``gather + dot`` (reading the context and target rows, S = C O^T), ``sigmoid`` (the table
  lookups that turn S into gains and losses: the "exp"), ``grad C`` (G O), ``scatter O`` (O += G^T C)
  and ``scatter C`` (C += grad C): the whole kernel;
- skip-gram, hierarchical softmax: ``draws``, ``gather + dot`` over the path's node rows
  (``path_scores``), ``sigmoid`` (``path_gains``), ``scatter`` (``path_updates`` and the input row):
  the library's parts of ``hierarchical_softmax_step`` one after the other;
- CBOW, window-batched negative sampling (the default CBOW kernel): ``draws`` (subsampling, window
  shrink, the batch's shared negatives), ``prefetch`` (the cache hints for the batch's rows),
  ``hidden`` (gathering and averaging the context rows), ``batch step`` (scores, sigmoid, G O and
  O += G^T H for the batch's centers and shared negatives) and ``scatter`` (the context rows);
- CBOW, per-pair negative sampling (``batch_negatives=False``): ``draws``, ``hidden`` (gathering and
  averaging the context rows), ``dot + sigmoid`` (draws included), ``scatter``.

Every stage kernel consumes the same random numbers as the library kernel, and the last stage of
each is checked against it (the same loss, up to float32 rounding) so the stages time the real
work. The last stage of a profile is timed beside the library kernel itself. Each line is the
median of ``--repeats`` runs on fresh vectors; the first run of every kernel is thrown away (Numba
compiles on first call). Then it times the same epoch with two threads (the library's trainer) and
the two sides of an epoch that are not kernels: reading + vocabulary + encoding, and hot-row syncs.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import statistics
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
from numba import njit

from negsample._kernels.alias import draw_alias
from negsample._kernels.batched_passes import (
    window_gains,
    window_grad_context,
    window_scatter_context,
    window_scatter_out,
    window_scores,
)
from negsample._kernels.hot_rows import sync_hot_rows
from negsample._kernels.logistic import gain_and_loss, sigmoid_tables
from negsample._kernels.rng import job_seed
from negsample._kernels.windows import sentence_buffer, subsample, window_bounds
from negsample._kernels.word2vec_batched import (
    CBOW_DRAWS_PER_NEGATIVE,
    CENTERS_PER_BATCH,
    build_hidden,
    cbow_batch_layout,
    cbow_batch_step,
    draw_batch,
    n_batches,
    prefetch_batch,
    scatter_hidden,
    window_ids,
)
from negsample._kernels.word2vec_pairs import (
    PATH_SCORES,
    negative_sampling_step,
    path_gains,
    path_scores,
    path_updates,
)
from negsample.word2vec.config import Word2VecConfig
from negsample.word2vec.corpus import Corpus
from negsample.word2vec.model import initial_vectors
from negsample.word2vec.objectives import ContextWindow, build_objectives
from negsample.word2vec.subsampling import keep_probabilities
from negsample.word2vec.training import job_kernel, plan_jobs

HERE = Path(__file__).resolve().parent

# Stages (a kernel stops after the given one).
DRAWS, GATHER_DOT, SIGMOID, GRAD_C, SCATTER_O, SCATTER_C = range(6)
SG_NS_STAGES = ["draws", "gather + dot", "sigmoid", "grad C", "scatter O", "scatter C"]
SG_HS_STAGES = ["draws", "gather + dot", "sigmoid", "scatter"]
CBOW_STAGES = ["draws", "hidden", "dot + sigmoid", "scatter"]
CBOW_BATCHED_STAGES = ["draws", "prefetch", "hidden", "batch step", "scatter"]


@functools.cache
def sg_ns_batched_stages(stage: int, dim: int):
    """The window-batched skip-gram kernel up to ``stage``, for ``dim``-float vectors (both constants,
    as in the trainer's kernel: the stage tests fold away)."""

    @njit(nogil=True, fastmath=True)
    def kernel(ids, lengths, inputs, keep_prob, window, negative, alpha, rng, tables):
        """The window-batched skip-gram loop (``train_skipgram_batched_job``), stopping after ``stage``."""
        sigmoid, log_sigmoid = tables
        out, hot, threshold, alias, k = negative.out, negative.hot, negative.threshold, negative.alias, negative.k
        context_ids = np.empty(2 * window.size, dtype=np.int64)
        target_ids = np.empty(k + 1, dtype=np.int64)
        gains = np.empty((2 * window.size, k + 1), dtype=np.float32)
        grad_context = np.empty((2 * window.size, dim), dtype=np.float32)
        sentence = sentence_buffer(lengths)
        loss = 0.0
        sink = np.float32(0.0)
        start = 0
        for s in range(lengths.shape[0]):
            stop = start + lengths[s]
            n = subsample(ids, start, stop, keep_prob, rng, sentence)
            for i in range(n):
                n_context, n_target = window_ids(sentence, i, n, window, threshold, alias, k, rng, context_ids,
                                                 target_ids)
                if n_context == 0:
                    continue
                if stage == DRAWS:
                    sink += np.float32(target_ids[n_target - 1] + context_ids[n_context - 1])
                    continue
                # The library's own passes (batched_passes), one after the other up to the stage.
                window_scores(inputs, out, hot, context_ids, n_context, target_ids, n_target, gains, dim)
                if stage == GATHER_DOT:
                    sink += gains[n_context - 1, n_target - 1]
                    continue
                loss += window_gains(n_context, n_target, alpha, sigmoid, log_sigmoid, gains)
                if stage == SIGMOID:
                    continue
                window_grad_context(out, hot, target_ids, n_context, n_target, gains, grad_context, dim)
                if stage == GRAD_C:
                    sink += grad_context[0, 0]
                    continue
                window_scatter_out(inputs, out, hot, context_ids, n_context, target_ids, n_target, gains, dim)
                if stage == SCATTER_O:
                    continue
                window_scatter_context(inputs, context_ids, n_context, grad_context, dim)
            start = stop
        return loss, sink

    return kernel


@functools.cache
def sg_hs_stages(stage: int, dim: int):
    """The skip-gram hierarchical-softmax kernel up to ``stage``, for ``dim``-float vectors (both
    constants, as in the trainer's kernel)."""

    @njit(nogil=True, fastmath=True)
    def kernel(ids, lengths, inputs, keep_prob, window, tree, alpha, rng, tables):
        """The per-pair skip-gram loop with hierarchical softmax (``train_skipgram_job``), up to ``stage``
        (0 draws, 1 gather + dot, 2 sigmoid, 3 scatter), from the step's own parts."""
        sigmoid, log_sigmoid = tables
        out, offsets, codes, points = tree.out, tree.offsets, tree.codes, tree.points
        grad = np.zeros(dim, dtype=np.float32)
        scores = np.empty(PATH_SCORES, dtype=np.float32)
        sentence = sentence_buffer(lengths)
        loss = 0.0
        sink = np.float32(0.0)
        start = 0
        for s in range(lengths.shape[0]):
            stop = start + lengths[s]
            n = subsample(ids, start, stop, keep_prob, rng, sentence)
            for i in range(n):
                center = sentence[i]
                lo, hi = window_bounds(rng, window, i, n)
                for j in range(lo, hi):
                    if j == i:
                        continue
                    hidden = inputs[sentence[j]]
                    if stage == 0:
                        sink += np.float32(offsets[center + 1] - offsets[center])
                        continue
                    grad[:] = 0.0
                    first, last = offsets[center], offsets[center + 1]
                    while first < last:  # the library's hierarchical_softmax_step, part after part
                        m = min(PATH_SCORES, last - first)
                        path_scores(hidden, out, tree.hot, points, first, m, scores, dim)
                        if stage >= 2:
                            loss += path_gains(codes, first, m, scores, alpha, sigmoid, log_sigmoid)
                        if stage == 3:
                            path_updates(hidden, grad, out, tree.hot, points, first, m, scores, dim)
                        else:  # keep the stage's results (scores, then gains) alive
                            for p in range(m):
                                sink += scores[p]
                        first += m
                    if stage == 3:
                        for d in range(dim):
                            hidden[d] += grad[d]
            start = stop
        return loss, sink

    return kernel


@functools.cache
def cbow_batched_stages(stage: int, dim: int):
    """The window-batched CBOW kernel (the default CBOW) up to ``stage`` (an index of CBOW_BATCHED_STAGES):
    the library's own per-batch parts (``word2vec_batched``: draw_batch, prefetch_batch, build_hidden,
    cbow_batch_step, scatter_hidden) one after the other."""

    @njit(nogil=True, fastmath=True)
    def kernel(ids, lengths, inputs, keep_prob, window, negative, alpha, rng, tables):
        sigmoid, log_sigmoid = tables
        out, hot, threshold, alias = negative.out, negative.hot, negative.threshold, negative.alias
        k = negative.k * CBOW_DRAWS_PER_NEGATIVE  # the batch's shared draw, as in the library kernel
        batch = CENTERS_PER_BATCH
        hidden = np.zeros((batch, dim), dtype=np.float32)
        grad_hidden = np.empty((batch, dim), dtype=np.float32)
        centers, positions = np.empty(batch, dtype=np.int64), np.empty(batch, dtype=np.int64)
        los, his = np.empty(batch, dtype=np.int64), np.empty(batch, dtype=np.int64)
        negatives = np.empty(k, dtype=np.int64)
        gains = np.empty((batch, k + 1), dtype=np.float32)
        sentence = sentence_buffer(lengths)
        loss = 0.0
        sink = np.float32(0.0)
        start = 0
        span, stride = cbow_batch_layout(window.size)
        for s in range(lengths.shape[0]):
            stop = start + lengths[s]
            n = subsample(ids, start, stop, keep_prob, rng, sentence)
            for batch_index in range(n_batches(n, span, stride)):
                n_rows = draw_batch(rng, window, sentence, n, batch_index, span, stride, threshold, alias, k,
                                    centers, positions, los, his, negatives)
                if n_rows == 0:
                    continue
                if stage == 0:
                    sink += np.float32(centers[n_rows - 1] + negatives[k - 1])
                    continue
                prefetch_batch(inputs, out, hot, sentence, centers, positions, los, his, n_rows, negatives, k)
                if stage == 1:
                    continue
                build_hidden(inputs, sentence, positions, los, his, n_rows, window.mean, hidden, dim)
                if stage == 2:
                    sink += hidden[n_rows - 1, 0]
                    continue
                loss += cbow_batch_step(out, hot, hidden, grad_hidden, centers, n_rows, negatives, k, alpha, sigmoid,
                                        log_sigmoid, gains, dim)
                if stage == 3:
                    sink += grad_hidden[n_rows - 1, 0]
                    continue
                scatter_hidden(inputs, sentence, positions, los, his, n_rows, grad_hidden, dim)
            start = stop
        return loss, sink

    return kernel


@functools.cache
def cbow_ns_stages(stage: int):
    """The per-pair CBOW negative-sampling kernel up to ``stage`` (a constant: its tests fold away; the
    vector size is read from the array, as in the trainer's kernel for per-pair negative sampling)."""

    @njit(nogil=True, fastmath=True)
    def kernel(ids, lengths, inputs, keep_prob, window, negative, alpha, rng, tables):
        """The per-pair CBOW loop with negative sampling (``train_cbow_job``), up to ``stage``
        (0 draws, 1 hidden, 2 dot + sigmoid, 3 scatter); the last stage calls the library's
        ``negative_sampling_step``."""
        sigmoid, log_sigmoid = tables
        out, threshold, alias, k = negative.out, negative.threshold, negative.alias, negative.k
        dim = inputs.shape[1]
        grad = np.zeros(dim, dtype=np.float32)
        hidden = np.zeros(dim, dtype=np.float32)
        sentence = sentence_buffer(lengths)
        loss = 0.0
        sink = np.float32(0.0)
        start = 0
        for s in range(lengths.shape[0]):
            stop = start + lengths[s]
            n = subsample(ids, start, stop, keep_prob, rng, sentence)
            for i in range(n):
                center = sentence[i]
                lo, hi = window_bounds(rng, window, i, n)
                if hi - lo < 2:
                    continue
                if stage >= 1:
                    hidden[:] = 0.0
                    for j in range(lo, hi):
                        if j != i:
                            context = sentence[j]  # hoisted: inputs[sentence[j], d] reloads sentence[j] per d
                            for d in range(dim):
                                hidden[d] += inputs[context, d]
                    inv = np.float32(1.0 / (hi - lo - 1))
                    for d in range(dim):
                        hidden[d] *= inv
                if stage == 3:  # the library's own step, so the whole kernel is compiled as the library's
                    grad[:] = 0.0
                    loss += negative_sampling_step(hidden, grad, center, negative, alpha, rng, sigmoid, log_sigmoid,
                                                   dim)
                    for j in range(lo, hi):
                        if j != i:
                            context = sentence[j]
                            for d in range(dim):
                                inputs[context, d] += grad[d]
                    continue
                for draw in range(k + 1):
                    if draw == 0:
                        word, label = center, 1.0
                    else:
                        word = draw_alias(threshold, alias, rng)
                        if word == center:
                            continue
                        label = 0.0
                    if stage == 0:
                        sink += np.float32(word)
                        continue
                    if stage == 1:
                        sink += hidden[word % dim]
                        continue
                    row = out[word]
                    f = np.float32(0.0)
                    for d in range(dim):
                        f += hidden[d] * row[d]
                    g, example_loss = gain_and_loss(f, label, alpha, sigmoid, log_sigmoid)
                    loss += example_loss
                    sink += g
            start = stop
        return loss, sink

    return kernel


def text8_corpus(data: Path, work: Path) -> Path:
    """text8_prefix in 1,000-token lines (as benchmarks/word2vec.py prepares it)."""
    lines = work / "text8_prefix.lines"
    if not lines.exists():
        work.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(data / "text8_prefix.zip") as zf:
            words = zf.read("text8_prefix").decode().split()
        lines.write_text("\n".join(" ".join(words[i:i + 1000]) for i in range(0, len(words), 1000)) + "\n")
    return lines


class Epoch:
    """One epoch's jobs of the encoded corpus, trained one after the other on one thread."""

    def __init__(self, cfg: Word2VecConfig, vocab, encoded):
        self.cfg, self.encoded = cfg, encoded
        self.jobs = plan_jobs(encoded)
        self.keep = keep_probabilities(vocab.counts, cfg.sample)
        self.counts = vocab.counts
        self.window = ContextWindow(cfg.window, True, True)
        self.tables = sigmoid_tables()

    def fresh(self, *, negative: int, hs: bool):
        inputs = initial_vectors(self.cfg, len(self.counts))
        ns, tree = build_objectives(self.counts, dim=self.cfg.vector_size, negative=negative, hs=hs)
        # Output rows start at zero in the trainer; random ones here, so that no stage's dot products are
        # all zero (copies of the input rows: each matrix keeps its own memory).
        if ns is not None:
            ns.out[:] = inputs
        if tree is not None:
            tree.out[:] = inputs[:-1]
        return inputs, ns, tree

    def run(self, call) -> tuple[float, float]:
        """(seconds, loss) of ``call(ids, lengths, rng)`` over every job of the epoch."""
        rng = np.zeros(1, np.uint64)
        loss = 0.0
        t0 = time.perf_counter()
        for job in self.jobs:
            ids, lengths = self.encoded.chunks[job.chunk]
            rng[0] = job_seed(1, 0, job.index)[0]
            result = call(np.asarray(ids[job.token_start:job.token_stop]),
                          np.asarray(lengths[job.sentence_start:job.sentence_stop]), rng)
            loss += result[0]  # (loss, sink): the sink keeps a stage's last work from being optimised away
        return time.perf_counter() - t0, loss


def median_run(epoch: Epoch, make_call, repeats: int) -> tuple[float, float]:
    times, loss = [], 0.0
    for r in range(repeats + 1):
        seconds, loss = epoch.run(make_call())
        if r:  # the first run compiles (or loads the cache) and warms the matrices
            times.append(seconds)
    return statistics.median(times), loss


def profile_rows(epoch: Epoch, name: str, stages: list[str], make_stage_call, make_library_call,
                 repeats: int) -> list[str]:
    rows, previous, last_loss = [], 0.0, 0.0
    for stage, label in enumerate(stages):
        seconds, last_loss = median_run(epoch, lambda stage=stage: make_stage_call(stage), repeats)
        rows.append(f"| {name} | {label} | {seconds:.2f} | {seconds - previous:+.2f} |")
        previous = seconds
    library, library_loss = median_run(epoch, make_library_call, repeats)
    if not np.isclose(last_loss, library_loss, rtol=1e-3):
        raise SystemExit(f"{name}: the last stage's loss {last_loss} is not the library kernel's {library_loss}")
    rows.append(f"| {name} | *library kernel* | {library:.2f} | |")
    shares = [float(r.split("|")[4]) for r in rows[:len(stages)]]
    total = sum(shares)
    for i, share in enumerate(shares):
        rows[i] += f" {100 * share / total:.0f}% |"
    rows[-1] += " |"
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--work", type=Path, default=HERE / "_work")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "word2vec_profile.md")
    args = parser.parse_args()
    lines_path = text8_corpus(args.data, args.work)

    reading = {}
    for workers in (1, 2, 1, 2):
        t0 = time.perf_counter()
        vocab, encoded = Corpus(str(lines_path)).count_and_encode(min_count=5, workers=workers)
        reading.setdefault(workers, []).append(time.perf_counter() - t0)
    cfg = Word2VecConfig(vector_size=100, window=5, min_count=5, sample=1e-4, sg=1, negative=5, workers=1, seed=1)
    epoch = Epoch(cfg, vocab, encoded)
    alpha, dim = 0.025, cfg.vector_size
    tables, window, keep = epoch.tables, epoch.window, epoch.keep
    rows = ["| kernel | stage | seconds (cumulative) | added | share |", "|---|---|---:|---:|---:|"]

    def ns_call(kernel, stage=None):
        inputs, ns, _ = epoch.fresh(negative=5, hs=False)
        if stage is None:
            return lambda ids, lengths, rng: kernel(ids, lengths, inputs, keep, window, ns, None, alpha, alpha, rng,
                                                    tables)
        stage_kernel = kernel(stage, dim) if kernel in (sg_ns_batched_stages, cbow_batched_stages) else kernel(stage)
        return lambda ids, lengths, rng: stage_kernel(ids, lengths, inputs, keep, window, ns, alpha, rng, tables)

    def hs_call(kernel, stage=None):
        inputs, _, tree = epoch.fresh(negative=0, hs=True)
        if stage is None:
            return lambda ids, lengths, rng: kernel(ids, lengths, inputs, keep, window, None, tree, alpha, alpha, rng,
                                                    tables)
        stage_kernel = kernel(stage, dim)
        return lambda ids, lengths, rng: stage_kernel(ids, lengths, inputs, keep, window, tree, alpha, rng, tables)

    def trainers_kernel(**settings):  # what the trainer runs for these settings
        return job_kernel(dataclasses.replace(cfg, **settings))

    rows += profile_rows(epoch, "SG-NS batched", SG_NS_STAGES, lambda s: ns_call(sg_ns_batched_stages, s),
                         lambda: ns_call(trainers_kernel(batch_negatives=True)), args.repeats)
    rows += profile_rows(epoch, "SG-HS", SG_HS_STAGES, lambda s: hs_call(sg_hs_stages, s),
                         lambda: hs_call(trainers_kernel(hs=1, negative=0, batch_negatives=False)), args.repeats)
    rows += profile_rows(epoch, "CBOW-NS batched", CBOW_BATCHED_STAGES, lambda s: ns_call(cbow_batched_stages, s),
                         lambda: ns_call(trainers_kernel(sg=0, batch_negatives=True)), args.repeats)
    rows += profile_rows(epoch, "CBOW-NS classic", CBOW_STAGES, lambda s: ns_call(cbow_ns_stages, s),
                         lambda: ns_call(trainers_kernel(sg=0, batch_negatives=False)), args.repeats)

    # Hot-row syncs: the cost of one sync of the private rows as the trainer sizes them.
    out = initial_vectors(cfg, 8192)
    hot, base = out.copy(), out.copy()
    sync_hot_rows(out, hot, base)
    t0 = time.perf_counter()
    for _ in range(200):
        sync_hot_rows(out, hot, base)
    sync_ms = (time.perf_counter() - t0) / 200 * 1e3

    n_words = encoded.n_words
    text = [
        "# Where a word2vec epoch's time goes",
        "",
        f"`python benchmarks/word2vec_profile.py --repeats {args.repeats}`: one epoch of text8_prefix "
        f"({n_words:,} tokens kept, {len(vocab):,} words), vector_size 100, window 5, negative 5, sample 1e-4, "
        "one thread, median of the repeats. *added* is the time a stage adds to the ones before it.",
        "",
        *rows,
        "",
        f"Reading + vocabulary + encoding text8_prefix: 1 worker {min(reading[1]):.2f} s, 2 workers "
        f"{min(reading[2]):.2f} s (best of 2). One sync of the 8,192 private output rows: {sync_ms:.2f} ms "
        f"(the trainer syncs every 40,000 tokens per thread: {n_words / 40_000:.0f} syncs per thread-epoch "
        f"if one thread trained it all, {n_words / 40_000 * sync_ms / 1e3:.3f} s).",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(text) + "\n")
    print("\n".join(text))


if __name__ == "__main__":
    sys.exit(main())

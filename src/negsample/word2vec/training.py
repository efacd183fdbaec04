"""The word2vec thread engine: jobs, threads, the learning-rate schedule, private hot rows, epoch tally.

:func:`train_epochs` cuts the encoded corpus into jobs of whole sentences (:func:`plan_jobs`), and
threads take (epoch, job) pairs from one shared queue (one region of the corpus per thread, taken
in turn: :func:`interleave_regions`) and hand each job to the compiled kernel (:func:`job_kernel`).
A job's learning rate and random stream depend only on the job and the number of threads, never on
which thread runs it, so with one thread and a seed a run is bit-for-bit reproducible.

Example
-------
>>> from negsample.word2vec.corpus import Corpus
>>> from negsample.word2vec.training import plan_jobs
>>> _, encoded = Corpus([["a", "b"] * 6] * 4).count_and_encode(min_count=1)
>>> [(job.sentence_start, job.sentence_stop) for job in plan_jobs(encoded, job_words=20)]
[(0, 2), (2, 4)]
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass

import numpy as np

from .._kernels.hot_rows import sync_hot_rows
from .._kernels.logistic import sigmoid_tables
from .._kernels.rng import job_seed
from .._kernels.word2vec_batched import cbow_batched_job_for_size, skipgram_batched_job_for_size
from .._kernels.word2vec_pairs import cbow_job_for_size, skipgram_job_for_size, train_cbow_job, train_skipgram_job
from .config import Word2VecConfig
from .corpus import EncodedCorpus
from .objectives import ContextWindow, HierarchicalSoftmax, NegativeSampling

__all__ = ["EpochStats", "EpochTally", "Job", "PrivateRows", "TrainingDivergedError", "hot_sync_words", "job_kernel",
           "interleave_regions", "learning_rate", "plan_jobs", "train_epochs"]

JOB_WORDS = 10_000  # tokens per job: long enough to hide call overhead, short enough to balance threads
# With several threads, each thread trains the rows that nearly every example writes in a private
# copy (PrivateRows) and adds its change back now and then:
# - the output rows of the HOT_ROWS most frequent words (87% of text8's negative draws, 91% of its
#   centers after subsampling), every HOT_SYNC_WORDS tokens. Batched skip-gram on text8, 2 threads,
#   median of 4-5 runs: 2,048 rows kept the kernels busy 3.53 s per thread and ran the epochs in
#   3.60 s; 8,192 rows 3.40 s and 3.51 s (the longer syncs take back part of the gain); giving each
#   thread its own whole output matrix 3.39 s. So the cores no longer fight over output rows.
# - the HOT_NODE_ROWS node rows at the top of the Huffman tree (74% of node visits), after every
#   job: every example crosses the root, so a stale copy costs quality there. CBOW-HS on text8,
#   analogy accuracy over 6 seeds: 0.0475 with every node shared (and 2 threads 4x slower than
#   with copies), 0.0445 with 2,048 rows synced every 40k tokens, 0.0469 with 256 after every job.
HOT_ROWS = 8192
HOT_SYNC_WORDS = 40_000
HOT_NODE_ROWS = 256
# The kernel adds a thread's private node rows back every HOT_NODE_SYNC_WORDS tokens, inside the job:
# 256 rows cost little to sync, and the top of the tree is where staleness costs quality. Text8, 2
# threads, Google analogies: SG-HS 0.0859 synced after each job (10,000 tokens), 0.0894 every 1,000
# (seeds 1-3; 1 thread 0.0912, gensim 0.0951); CBOW-HS at alpha 0.05, 0.0389 and 0.0429 (1 thread
# 0.0428, gensim 0.0404).
HOT_NODE_SYNC_WORDS = 1000
# CBOW with negative sampling keeps no private output rows: its threads train every output row in
# place, as gensim's and the C tool's do. A CBOW example writes one center's row and its negatives'
# per window (skip-gram writes them once per context word), so the rows are contended less, and the
# copies bought no speed: text8_prefix, 2 threads, 10 epochs, 8 paired runs, the epochs ran 1.06x
# faster without them [0.98-1.14] (skip-gram 0.97x, so it keeps them). The copies cost accuracy at
# alpha 0.05: the Google set's semantic half, 2 threads, without them +0.0045 over 10 seeds
# (t = 1.7), +0.003 over 20, +0.0037 over 10 more and +0.0013 over the 10 of
# benchmarks/word2vec_gensim_modes.py's second run: about +0.003 pooled.
CBOW_PRIVATE_OUTPUT_ROWS = False


class TrainingDivergedError(RuntimeError):
    """Vectors or loss became NaN/inf: the learning rate is too high for this data."""


@dataclass(frozen=True)
class EpochStats:
    """What one epoch did. ``loss`` is the mean loss per training example (float64 accumulated).

    ``seconds`` runs from the end of the previous epoch (or the start of training) to the end of
    this one. Without callbacks, threads run on into the next epoch while the last jobs of this one
    finish, so on a tiny corpus two epochs can end at the same moment and the later one has 0 s.
    """

    epoch: int
    loss: float
    examples: int
    words: int
    seconds: float
    alpha: float

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds > 0 else float("inf")


@dataclass(frozen=True)
class Job:
    """A run of whole sentences of one chunk: tokens ``[token_start, token_stop)``."""

    chunk: int
    token_start: int
    token_stop: int
    sentence_start: int
    sentence_stop: int
    offset: int  # tokens before the job in the epoch's queue: where the learning rate stands
    index: int  # the job's place in the corpus: its random stream (job_seed) follows it, not the queue

    @property
    def words(self) -> int:
        return self.token_stop - self.token_start


def plan_jobs(encoded: EncodedCorpus, job_words: int = JOB_WORDS, *, regions: int = 1) -> list[Job]:
    """Cut every chunk into runs of whole sentences of about ``job_words`` tokens, in the order an
    epoch's queue hands them out: with ``regions`` > 1, see :func:`interleave_regions`."""
    jobs = []
    offset = 0
    for c, (_, lengths) in enumerate(encoded.chunks):
        ends = np.cumsum(lengths, dtype=np.int64)
        sentence = 0
        token = 0
        while sentence < lengths.shape[0]:
            stop = int(np.searchsorted(ends, token + job_words, side="left")) + 1
            stop = min(max(stop, sentence + 1), lengths.shape[0])
            token_stop = int(ends[stop - 1])
            jobs.append(Job(c, token, token_stop, sentence, stop, offset + token, len(jobs)))
            sentence, token = stop, token_stop
        offset += int(ends[-1]) if ends.shape[0] else 0
    return interleave_regions(jobs, regions) if regions > 1 else jobs


def interleave_regions(jobs: Sequence[Job], regions: int) -> list[Job]:
    """The queue order for ``regions`` threads: the corpus (``jobs`` in corpus order) cut into
    ``regions`` stretches of about equal tokens, whose jobs are taken in turn (the first of each
    stretch, then the second of each, ...); ``offset`` is counted along that order, so the learning
    rate falls with the tokens trained so far, whichever stretch they come from.

    Why: the threads take the queue's jobs one after the other, so in corpus order two threads
    trained neighbouring stretches of text at once, and the model saw two streams on one topic. The
    C tool and gensim give each thread a region of its own. Interleaving the regions in one shared
    queue gives the same view (the threads stay in distant regions) and keeps the shared queue's
    balance (all threads finish an epoch within one job of each other). Text8, 2 threads, 6 runs
    each, corpus order -> interleaved: CBOW-NS at alpha 0.05 Google analogies 0.0660 -> 0.0687,
    semantic half 0.092 -> 0.097, WS-353 0.541 -> 0.548, SimLex 0.189 -> 0.195; CBOW-HS at 0.05
    WS-353 0.503 -> 0.528 and 0.529 -> 0.534 (two sets of seeds), at 0.025 0.460 -> 0.475; skip-gram
    NS unchanged (0.0690 -> 0.0695). The cost: the hierarchical-softmax variants' syntactic half
    fell ~0.003 (t about -2 over 12 runs of CBOW-HS) and their SimLex ~0.01.

    >>> jobs = [Job(0, 10 * i, 10 * i + 10, i, i + 1, 10 * i, i) for i in range(5)]
    >>> [(job.index, job.offset) for job in interleave_regions(jobs, 2)]
    [(0, 0), (3, 10), (1, 20), (4, 30), (2, 40)]
    """
    total = sum(job.words for job in jobs)
    stretches: list[list[Job]] = [[] for _ in range(regions)]
    before = 0
    for job in jobs:  # a job belongs to the stretch its first token falls in
        stretches[min(regions - 1, before * regions // max(total, 1))].append(job)
        before += job.words
    order = [job for turn in itertools.zip_longest(*stretches) for job in turn if job is not None]
    offsets = itertools.accumulate((job.words for job in order), initial=0)
    return [dataclasses.replace(job, offset=offset) for job, offset in zip(order, offsets)]


def learning_rate(cfg: Word2VecConfig, epoch: int, offset: int, epoch_words: int) -> float:
    """The learning rate at token ``offset`` of ``epoch`` (from 0): a linear decay from ``alpha`` to
    ``min_alpha`` over the token stream of all epochs, as in the C tool with one thread."""
    return cfg.initial_alpha - (cfg.initial_alpha - cfg.min_alpha) * (epoch + offset / epoch_words) / cfg.epochs


def job_kernel(cfg: Word2VecConfig):
    """The compiled job function for the config. All four share one signature:
    ``kernel(ids, lengths, inputs, keep_prob, window, negative, tree, alpha_start, alpha_end, rng, tables)``.

    The window-batched kernels and those with hierarchical softmax are compiled for
    ``cfg.vector_size``: with the size a constant, the compiler lays out every row loop for it.
    One epoch of text8 on one thread, vector_size 100, median of 5 runs, size read from the array
    vs compiled in: window-batched skip-gram 1.16 vs 0.92 s, SG-HS 1.97 vs 1.49 s, CBOW-HS 0.58 vs
    0.43 s, window-batched CBOW 0.29 vs 0.25 s. Per-pair negative sampling alone runs slower
    compiled for its size (CBOW 0.40 vs 0.50 s, skip-gram 1.92 vs 2.13 s, median of 8), so it keeps
    the size-free kernel. Each new size compiles once, then comes from Numba's cache.
    """
    if cfg.batched:
        return (skipgram_batched_job_for_size if cfg.sg else cbow_batched_job_for_size)(cfg.vector_size)
    if cfg.hs:
        return (skipgram_job_for_size if cfg.sg else cbow_job_for_size)(cfg.vector_size)
    return train_skipgram_job if cfg.sg else train_cbow_job


class EpochTally:
    """Per-epoch sums of the jobs done so far; the trainer updates and reads it under its lock.

    An epoch is *finished* once every job of it and of all earlier epochs is done; ``finished_at``
    holds when that happened (``time.perf_counter``), so finish times never go backwards even if a
    thread is still on an earlier epoch's last job when another completes a later epoch.
    """

    def __init__(self, epochs: int, jobs_per_epoch: int, *, alpha: float):
        self.jobs_per_epoch = jobs_per_epoch
        self.loss = np.zeros(epochs)
        self.examples = np.zeros(epochs, np.int64)
        self.jobs_done = np.zeros(epochs, np.int64)
        self.finished_at = np.zeros(epochs)
        self.n_finished = 0
        self.newest = 0  # the latest epoch a job was done in, for the progress bar
        self.alpha = alpha  # the learning rate at the end of the latest job done
        self.stopped = False  # set when training ends early (an error, divergence): threads stop taking jobs

    def add(self, epoch: int, loss: float, examples: int, alpha: float) -> None:
        self.loss[epoch] += loss
        self.examples[epoch] += examples
        self.jobs_done[epoch] += 1
        self.newest = max(self.newest, epoch)
        self.alpha = alpha
        now = time.perf_counter()
        while self.n_finished < len(self.jobs_done) and self.jobs_done[self.n_finished] == self.jobs_per_epoch:
            self.finished_at[self.n_finished] = now
            self.n_finished += 1

    def progress(self, epochs: int) -> tuple[str, str]:
        """The progress bar's description and postfix: the newest epoch's running loss."""
        loss = self.loss[self.newest] / max(self.examples[self.newest], 1)
        return bar_labels(self.newest + 1, epochs, self.alpha, loss)


def bar_labels(epoch: int, epochs: int, alpha: float, loss: float) -> tuple[str, str]:
    """The training progress bar's description and postfix (``epoch`` counts from 1)."""
    return f"epoch {epoch}/{epochs}", f"lr={alpha:.5f} loss={loss:.4f}"


class PrivateRows:
    """A thread's private copy of some rows of a shared matrix: the kernels train ``rows`` instead
    of the shared ones, and :meth:`sync` adds the change back (keeping what other threads added),
    which :meth:`trained` does once ``sync_words`` tokens were trained since the last sync."""

    def __init__(self, shared: np.ndarray, *, sync_words: int):
        self.shared = shared
        self.rows = shared.copy()
        self.base = shared.copy()
        self.sync_words = sync_words
        self.unsynced = 0

    def trained(self, words: int) -> None:
        self.unsynced += words
        if self.unsynced >= self.sync_words:
            self.sync()

    def sync(self) -> None:
        if self.rows.shape[0]:
            sync_hot_rows(self.shared, self.rows, self.base)
        self.unsynced = 0


def hot_sync_words(n_hot: int) -> int:
    """Tokens between a thread's syncs of ``n_hot`` private output rows: HOT_SYNC_WORDS at HOT_ROWS
    rows, and proportionally sooner for fewer (a small vocabulary, every row private).

    A private row goes stale by the updates the other threads make to it between syncs, about
    ``sync_words * draws_per_token / n_hot`` of them on average, so fewer rows must sync sooner to
    stay as fresh; the sync's work per token (``n_hot * dim / sync_words``) stays what it is at
    8,192 rows. gensim's test_parallel (Lee corpus, 889 words, 4 threads, 24 seeds; rank of
    'palestinian' next to 'israeli' must be < 6): 10 seeds failed with every row synced every 40,000
    tokens, 5 with one thread, 5 with no private rows at all, 4 with 111 rows every 10,000 tokens.
    """
    return max(1, HOT_SYNC_WORDS * n_hot // HOT_ROWS)


def thread_objectives(negative: NegativeSampling | None, tree: HierarchicalSoftmax | None, *,
                      private_output_rows: bool = True,
                      ) -> tuple[NegativeSampling | None, HierarchicalSoftmax | None, list[PrivateRows]]:
    """The objectives as one of several threads trains them: the hottest output rows (unless
    ``private_output_rows`` is false) and the top of the tree in private copies (the returned
    :class:`PrivateRows`, to sync)."""
    private = []
    if negative is not None and private_output_rows:
        n_hot = min(HOT_ROWS, negative.out.shape[0])
        sync_words = hot_sync_words(n_hot)
        rows = PrivateRows(negative.out[:n_hot], sync_words=sync_words)
        negative = negative._replace(hot=rows.rows, hot_base=rows.base,
                                     sync_every=sync_words if sync_words < JOB_WORDS else 0)
        private.append(rows)
    if tree is not None:
        n_nodes = tree.out.shape[0]
        rows = PrivateRows(tree.out[n_nodes - min(HOT_NODE_ROWS, n_nodes):], sync_words=1)
        tree = tree._replace(hot=rows.rows, hot_base=rows.base, sync_every=HOT_NODE_SYNC_WORDS)
        private.append(rows)
    return negative, tree, private


def private_state() -> np.ndarray:
    """A uint64[1] random state alone on its 64-byte cache line.

    The kernels advance their state about ten times per window. NumPy hands out small arrays from a
    shared cache, so two threads' one-element states could sit on the same cache line, and every
    draw would then pull that line away from the other core (false sharing).
    """
    block = np.zeros(24, np.uint64)  # 192 bytes: always holds one whole aligned 64-byte line
    first = (-block.ctypes.data % 64) // 8
    return block[first:first + 1]


def train_epochs(cfg: Word2VecConfig, encoded: EncodedCorpus, inputs: np.ndarray, keep_prob: np.ndarray,
                 negative: NegativeSampling | None, tree: HierarchicalSoftmax | None, *, bar,
                 after_epochs: Callable[[Sequence[EpochStats]], None], stop_each_epoch: bool,
                 on_epoch: Callable[[EpochStats], None] | None = None, first_epoch: int = 0) -> list[EpochStats]:
    """Train ``cfg.epochs`` epochs over ``encoded`` in ``cfg.threads`` threads; the rows are updated in place.

    inputs : float32 (V, dim); keep_prob : float32 (V,); negative, tree : the objectives (every row
    shared: each thread makes its own private copies); bar : a tqdm bar over ``n_words * epochs``
    tokens. ``after_epochs(stats)`` is called with the threads stopped and every private row merged:
    after each epoch with ``stop_each_epoch`` (callbacks must see each epoch's vectors), else once at
    the end. ``on_epoch(stats)``, if given, hears of each epoch as soon as it is reported, while the
    threads may run on (for logs: it sees the numbers, not the vectors). ``first_epoch`` > 0 resumes
    the schedule there: epochs ``first_epoch .. cfg.epochs - 1`` run with the learning rates and
    random streams they would have had (the returned stats are theirs).
    Raises :class:`TrainingDivergedError` as soon as an epoch ends with a NaN/inf loss or vectors.
    """
    kernel = job_kernel(cfg)
    window = ContextWindow(cfg.window, bool(cfg.cbow_mean), bool(cfg.shrink_windows))
    tables = sigmoid_tables()
    jobs = plan_jobs(encoded, regions=cfg.threads)
    n_threads = min(cfg.threads, len(jobs))
    epoch_words = encoded.n_words
    lock = threading.Lock()
    tally = EpochTally(cfg.epochs, len(jobs), alpha=learning_rate(cfg, first_epoch, 0, epoch_words))
    tally.n_finished = tally.newest = first_epoch
    bar.set_description(tally.progress(cfg.epochs)[0], refresh=False)

    def alpha_at(epoch: int, offset: int) -> float:
        return learning_rate(cfg, epoch, offset, epoch_words)

    def run_jobs(queue: Iterator[tuple[int, int]]) -> None:
        # Threads take (epoch, job) pairs in order from one shared queue, so they all finish an
        # epoch within one job of each other (fixed regions per thread, as in the C tool, left
        # one thread waiting 7% of the time at the end of an epoch on text8); the queue takes the
        # regions in turn (interleave_regions), so the threads still train distant text. With one thread
        # nothing contends for the hot rows, so they stay in place.
        state = private_state()
        own_negative, own_tree, private = (negative, tree, []) if n_threads == 1 else thread_objectives(
            negative, tree, private_output_rows=bool(cfg.sg) or CBOW_PRIVATE_OUTPUT_ROWS)
        while True:
            with lock:
                epoch, index = (None, None) if tally.stopped else next(queue, (None, None))
            if epoch is None:
                for rows in private:
                    rows.sync()
                return
            job = jobs[index]
            ids, lengths = encoded.chunks[job.chunk]
            n = job.words
            alpha_end = alpha_at(epoch, job.offset + n)
            state[0] = job_seed(cfg.seed, epoch, job.index)[0]
            job_loss, job_examples = kernel(
                np.asarray(ids[job.token_start:job.token_stop]),
                np.asarray(lengths[job.sentence_start:job.sentence_stop]),
                inputs, keep_prob, window, own_negative, own_tree, alpha_at(epoch, job.offset), alpha_end,
                state, tables,
            )
            for rows in private:
                rows.trained(n)
            with lock:
                tally.add(epoch, job_loss, job_examples, alpha_end)
                bar.update(n)

    def report(epoch: int, seconds: float) -> EpochStats:
        if not np.isfinite(tally.loss[epoch]) or not np.isfinite(inputs).all():
            raise TrainingDivergedError(
                f"training diverged in epoch {epoch + 1}: the loss or the vectors became NaN/inf; "
                f"lower alpha (it is {cfg.initial_alpha})"
            )
        return EpochStats(epoch=epoch + 1, loss=tally.loss[epoch] / max(tally.examples[epoch], 1),
                          examples=int(tally.examples[epoch]), words=epoch_words, seconds=seconds,
                          alpha=alpha_at(epoch + 1, 0))

    # A callback must see the model as the epoch left it, so with callbacks every epoch ends with
    # the threads stopped and their private rows merged. Without, the threads run straight on
    # into the next epoch: the wait for the slowest thread at each epoch's end cost ~1% of
    # training with 2 threads on text8. Epochs are reported (and checked for divergence) as
    # their last job finishes either way.
    epochs = range(first_epoch, cfg.epochs)
    segments = [range(e, e + 1) for e in epochs] if stop_each_epoch else [epochs]
    pool = ThreadPoolExecutor(max_workers=n_threads)
    stats: list[EpochStats] = []
    try:
        for segment in segments:
            queue = ((epoch, index) for epoch in segment for index in range(len(jobs)))
            last_end = time.perf_counter()
            futures = [pool.submit(run_jobs, queue) for _ in range(n_threads)]
            while True:
                threads_running = wait(futures, timeout=0.5).not_done
                for future in futures:
                    if future.done():
                        future.result()  # a thread's error surfaces here
                with lock:
                    finished = list(tally.finished_at[first_epoch + len(stats):tally.n_finished])
                    description, postfix = tally.progress(cfg.epochs)
                for end in finished:
                    stats.append(report(first_epoch + len(stats), end - last_end))
                    if on_epoch is not None:
                        on_epoch(stats[-1])
                    last_end = end
                if not threads_running:
                    break
                bar.set_description(description, refresh=False)
                bar.set_postfix_str(postfix, refresh=False)
            last = stats[-1]
            description, postfix = bar_labels(last.epoch, cfg.epochs, last.alpha, last.loss)
            bar.set_description(description, refresh=False)
            bar.set_postfix_str(postfix)
            after_epochs([stats[epoch - first_epoch] for epoch in segment])
    finally:
        with lock:
            tally.stopped = True
        pool.shutdown(wait=True, cancel_futures=True)
    return stats

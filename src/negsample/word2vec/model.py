"""Word2Vec: the trainer. Python drives (vocabulary, epochs, learning rate, threads, progress),
the kernels in ``negsample._kernels.word2vec`` compute.

Example
-------
>>> from negsample import Word2Vec
>>> sentences = [["cat", "sat", "on", "the", "mat"], ["dog", "sat", "on", "the", "rug"]] * 50
>>> model = Word2Vec(vector_size=16, min_count=1, epochs=2, workers=1).fit(sentences)
>>> model.wv["cat"].shape
(16,)
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass

import numpy as np

from .._kernels.rng import job_seed
from .._kernels.word2vec import sigmoid_tables, sync_hot_rows, train_cbow_job, train_skipgram_job
from .._kernels.word2vec_batched import train_cbow_batched_job, train_skipgram_batched_job
from ..corpus import Corpus, CorpusError, EncodedCorpus
from ..huffman import build_huffman
from ..noise import Unigram
from ..scan import warm_up_scanner
from ..subsampling import keep_probabilities
from ..vocab import Vocabulary
from .config import Word2VecConfig

__all__ = ["Word2Vec", "EpochStats", "TrainingDivergedError"]

_JOB_WORDS = 10_000  # tokens per job: long enough to hide call overhead, short enough to balance threads
# With several threads, each thread trains the rows that nearly every example writes in a private
# copy (_PrivateRows) and adds its change back now and then:
# - the output rows of the _HOT_ROWS most frequent words (87% of text8's negative draws, 91% of its
#   centers after subsampling), every _HOT_SYNC_WORDS tokens. Batched skip-gram on text8, 2 threads,
#   median of 4-5 runs: 2,048 rows kept the kernels busy 3.53 s per thread and ran the epochs in
#   3.60 s; 8,192 rows 3.40 s and 3.51 s (the longer syncs take back part of the gain); giving each
#   thread its own whole output matrix 3.39 s. So the cores no longer fight over output rows.
# - the _HOT_NODE_ROWS node rows at the top of the Huffman tree (74% of node visits), after every
#   job: every example crosses the root, so a stale copy costs quality there. CBOW-HS on text8,
#   analogy accuracy over 6 seeds: 0.0475 with every node shared (and 2 threads 4x slower than
#   with copies), 0.0445 with 2,048 rows synced every 40k tokens, 0.0469 with 256 after every job.
_HOT_ROWS = 8192
_HOT_SYNC_WORDS = 40_000
_HOT_NODE_ROWS = 256
_INIT_BLOCK_ROWS = 65536


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
class _Job:
    chunk: int
    token_start: int
    token_stop: int
    sentence_start: int
    sentence_stop: int
    offset: int  # position of the job's first token in the epoch's stream


def plan_jobs(encoded: EncodedCorpus, job_words: int = _JOB_WORDS) -> list[_Job]:
    """Cut every chunk into runs of whole sentences of about ``job_words`` tokens."""
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
            jobs.append(_Job(c, token, token_stop, sentence, stop, offset + token))
            sentence, token = stop, token_stop
        offset += int(ends[-1]) if ends.shape[0] else 0
    return jobs


class Word2Vec:
    """word2vec: skip-gram or CBOW, with negative sampling and/or hierarchical softmax.

    Takes gensim's parameter names (see :class:`~negsample.word2vec.config.Word2VecConfig` for each).
    ``fit(corpus)`` trains and returns the model; the word vectors are ``model.wv``
    (a :class:`~negsample.keyedvectors.KeyedVectors`).

    Attributes after ``fit``
    ------------------------
    wv : KeyedVectors
    vocab : Vocabulary
    context_vectors : float32 (V, vector_size) or None -- negative-sampling output rows
    node_vectors : float32 (V-1, vector_size) or None -- hierarchical-softmax inner-node rows
    epoch_stats : list of EpochStats
    """

    def __init__(self, *, vector_size: int = 100, window: int = 5, min_count: int = 5, sg: int = 0,
                 hs: int = 0, negative: int = 5, ns_exponent: float = 0.75, sample: float = 1e-3,
                 alpha: float = 0.025, min_alpha: float = 1e-4, epochs: int = 5, workers: int | None = None,
                 seed: int = 1, max_vocab_size: int | None = None, max_final_vocab: int | None = None,
                 max_sentence_length: int = 10000, cbow_mean: bool = True, batch_negatives: bool | None = None):
        self.config = Word2VecConfig(
            vector_size=vector_size, window=window, min_count=min_count, sg=sg, hs=hs, negative=negative,
            ns_exponent=ns_exponent, sample=sample, alpha=alpha, min_alpha=min_alpha, epochs=epochs,
            workers=workers, seed=seed, max_vocab_size=max_vocab_size, max_final_vocab=max_final_vocab,
            max_sentence_length=max_sentence_length, cbow_mean=cbow_mean, batch_negatives=batch_negatives,
        )
        self.vocab: Vocabulary | None = None
        self.wv = None
        self.context_vectors: np.ndarray | None = None
        self.node_vectors: np.ndarray | None = None
        self.epoch_stats: list[EpochStats] = []

    # -- public --------------------------------------------------------------------------------------
    def fit(self, corpus, *, progress: bool = False,
            callbacks: Sequence[Callable[[Word2Vec, EpochStats], None]] = (),
            log: Callable[[str], None] | None = None) -> Word2Vec:
        """Build the vocabulary from ``corpus`` and train.

        Parameters
        ----------
        corpus : path, directory or re-iterable of token lists (see :class:`~negsample.corpus.Corpus`)
        progress : bool
            Show a progress bar (epoch, percent, words/s, learning rate, loss) on stderr.
        callbacks : sequence of callables ``f(model, stats)``, called after every epoch.
        log : callable taking a str, optional
            Where status lines go (default: stderr when ``progress`` is on, else nowhere).
        """
        if log is None:
            log = _stderr if progress else _quiet
        cfg = self.config
        source = corpus if isinstance(corpus, Corpus) else Corpus(
            corpus, max_sentence_length=cfg.max_sentence_length)
        _warm_up(self._kernel(), cfg, source.reads_once(max_vocab_size=cfg.max_vocab_size), log)
        started = time.perf_counter()
        vocab, encoded = source.count_and_encode(min_count=cfg.min_count, max_final_vocab=cfg.max_final_vocab,
                                                 max_vocab_size=cfg.max_vocab_size, progress=progress)
        if cfg.hs and len(vocab) < 2:
            encoded.close()
            raise CorpusError("hierarchical softmax needs at least 2 words in the vocabulary")
        log(f"vocabulary: {len(vocab)} words, {encoded.n_words} of {encoded.raw_words} tokens kept "
            f"({time.perf_counter() - started:.1f}s)")
        if encoded.n_words == 0:
            raise CorpusError(f"{source.name}: no sentence has two in-vocabulary words; nothing to train on")
        self.vocab = vocab
        try:
            self._train(encoded, progress=progress, callbacks=callbacks, log=log)
        finally:
            encoded.close()
        return self

    # -- training ------------------------------------------------------------------------------------
    def _init_weights(self, n_words: int):
        cfg = self.config
        # Inputs uniform in [-1, 1) / dim (gensim's range; the C tool's is half as wide, which measurably
        # slows CBOW on small corpora), outputs zero. Filled in place, in blocks of 64k rows that the
        # worker threads share (NumPy releases the GIL here): a 1M x 300 matrix takes 1 s instead of 3.4 s
        # with whole-array arithmetic. Each block has its own stream, so the result ignores `workers`.
        dim = cfg.vector_size
        inputs = np.empty((n_words, dim), np.float32)
        starts = range(0, n_words, _INIT_BLOCK_ROWS)
        streams = np.random.SeedSequence(cfg.seed).spawn(len(starts))

        def fill(block: int) -> None:
            rows = inputs[starts[block]:starts[block] + _INIT_BLOCK_ROWS]
            np.random.default_rng(streams[block]).random(out=rows, dtype=np.float32)
            rows *= np.float32(2.0 / dim)
            rows -= np.float32(1.0 / dim)

        with ThreadPoolExecutor(max_workers=cfg.threads) as pool:
            list(pool.map(fill, range(len(starts))))
        self.context_vectors = np.zeros((n_words, dim), np.float32) if cfg.negative else None
        self.node_vectors = np.zeros((n_words - 1, dim), np.float32) if cfg.hs else None
        return inputs

    def _kernel(self):
        """The job function: ``kernel(ids, lengths, inputs, keep, negative, tree, window, alpha_start,
        alpha_end, rng, tables, hot_out, hot_nodes)``. The batched kernels take neither a tree nor hot
        node rows (the config guarantees hs=0 with them)."""
        cfg = self.config
        mean = bool(cfg.cbow_mean)
        if cfg.batched:
            batched = train_skipgram_batched_job if cfg.sg else train_cbow_batched_job
            extra = () if cfg.sg else (mean,)

            def kernel(ids, lengths, inputs, keep, negative, tree, window, a0, a1, rng, tables, hot_out, hot_nodes):
                return batched(ids, lengths, inputs, keep, negative, window, a0, a1, rng, tables, hot_out, *extra)

            return kernel
        if cfg.sg:
            return train_skipgram_job
        return lambda *args: train_cbow_job(*args, mean)

    def _train(self, encoded: EncodedCorpus, *, progress, callbacks, log):
        from tqdm.auto import tqdm

        from ..keyedvectors import KeyedVectors

        cfg = self.config
        inputs = self._init_weights(len(self.vocab))
        negative, tree = _objectives(cfg, self.vocab.counts, self.context_vectors, self.node_vectors)
        keep = keep_probabilities(self.vocab.counts, cfg.sample)
        tables = sigmoid_tables()
        kernel = self._kernel()
        jobs = plan_jobs(encoded)
        n_threads = min(cfg.threads, len(jobs))
        # With one thread nothing contends for the hot rows, so they stay in place.
        shared = n_threads == 1
        nodes = tree[0]
        epoch_words = encoded.n_words
        decay = cfg.alpha - cfg.min_alpha
        lock = threading.Lock()
        tally = _EpochTally(cfg.epochs, len(jobs), alpha=cfg.alpha)
        bar = tqdm(total=epoch_words * cfg.epochs, desc=tally.progress(cfg.epochs)[0], unit="word",
                   unit_scale=True, disable=not progress, dynamic_ncols=True, file=sys.stderr, smoothing=0.1,
                   mininterval=0.5)

        def alpha_at(epoch: int, offset: int) -> float:
            # Linear decay over the token stream of all epochs, as in the C tool with one thread.
            return cfg.alpha - decay * (epoch + offset / epoch_words) / cfg.epochs

        def run_jobs(queue: Iterator[tuple[int, int]]) -> None:
            # Threads take (epoch, job) pairs in order from one shared queue, so they all finish an
            # epoch within one job of each other (fixed regions per thread, as in the C tool, left
            # one thread waiting 7% of the time at the end of an epoch on text8). A job's learning rate
            # and random stream depend only on the job, never on which thread runs it.
            state = _private_state()
            hot_out = _PrivateRows(negative[0][:0 if shared else _HOT_ROWS], sync_words=_HOT_SYNC_WORDS)
            n_hot_nodes = 0 if shared else min(_HOT_NODE_ROWS, nodes.shape[0])
            hot_nodes = _PrivateRows(nodes[nodes.shape[0] - n_hot_nodes:], sync_words=1)
            while True:
                with lock:
                    epoch, index = (None, None) if tally.stopped else next(queue, (None, None))
                if epoch is None:
                    hot_out.sync()
                    hot_nodes.sync()
                    return
                job = jobs[index]
                ids, lengths = encoded.chunks[job.chunk]
                n = job.token_stop - job.token_start
                alpha_end = alpha_at(epoch, job.offset + n)
                job_loss, job_examples = kernel(
                    np.asarray(ids[job.token_start:job.token_stop]),
                    np.asarray(lengths[job.sentence_start:job.sentence_stop]),
                    inputs, keep, negative, tree, cfg.window, alpha_at(epoch, job.offset), alpha_end,
                    _seeded(state, cfg.seed, epoch, index), tables, hot_out.rows, hot_nodes.rows,
                )
                hot_out.trained(n)
                hot_nodes.trained(n)
                with lock:
                    tally.add(epoch, job_loss, job_examples, alpha_end)
                    bar.update(n)

        def report(epoch: int, seconds: float) -> EpochStats:
            alpha_now = alpha_at(epoch + 1, 0)
            stats = EpochStats(epoch=epoch + 1, loss=tally.loss[epoch] / max(tally.examples[epoch], 1),
                               examples=int(tally.examples[epoch]), words=epoch_words, seconds=seconds,
                               alpha=alpha_now)
            if not np.isfinite(tally.loss[epoch]) or not np.isfinite(inputs).all():
                raise TrainingDivergedError(
                    f"training diverged in epoch {epoch + 1}: the loss or the vectors became NaN/inf; "
                    f"lower alpha (it is {cfg.alpha})"
                )
            return stats

        # A callback must see the model as the epoch left it, so with callbacks every epoch ends with
        # the threads stopped and their private rows merged. Without, the threads run straight on
        # into the next epoch: the wait for the slowest thread at each epoch's end cost ~1% of
        # training with 2 threads on text8. Epochs are reported (and checked for divergence) as
        # their last job finishes either way.
        segments = [range(e, e + 1) for e in range(cfg.epochs)] if callbacks else [range(cfg.epochs)]
        pool = ThreadPoolExecutor(max_workers=n_threads)
        self.epoch_stats = []
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
                        finished = list(tally.finished_at[len(self.epoch_stats):tally.n_finished])
                        description, postfix = tally.progress(cfg.epochs)
                    for end in finished:
                        stats = report(len(self.epoch_stats), end - last_end)
                        self.epoch_stats.append(stats)
                        last_end = end
                    if not threads_running:
                        break
                    bar.set_description(description, refresh=False)
                    bar.set_postfix_str(postfix, refresh=False)
                last = self.epoch_stats[-1]
                description, postfix = _bar_labels(last.epoch, cfg.epochs, last.alpha, last.loss)
                bar.set_description(description, refresh=False)
                bar.set_postfix_str(postfix)
                self.wv = KeyedVectors(inputs, self.vocab)
                for epoch in segment:
                    for callback in callbacks:
                        callback(self, self.epoch_stats[epoch])
        finally:
            with lock:
                tally.stopped = True
            bar.close()
            pool.shutdown(wait=True, cancel_futures=True)
        seconds = sum(s.seconds for s in self.epoch_stats)
        log(f"training done: {cfg.epochs} epochs in {seconds:.1f}s "
            f"({epoch_words * cfg.epochs / max(seconds, 1e-9) / 1e3:.0f}k words/s); loss by epoch: "
            + ", ".join(f"{s.loss:.4f}" for s in self.epoch_stats))


class _EpochTally:
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
        return _bar_labels(self.newest + 1, epochs, self.alpha, loss)


def _bar_labels(epoch: int, epochs: int, alpha: float, loss: float) -> tuple[str, str]:
    """The training progress bar's description and postfix (``epoch`` counts from 1)."""
    return f"epoch {epoch}/{epochs}", f"lr={alpha:.5f} loss={loss:.4f}"


class _PrivateRows:
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


def _objectives(cfg: Word2VecConfig, counts: np.ndarray, context_vectors: np.ndarray, node_vectors: np.ndarray):
    """The (negative, tree) tuples the kernels take, for a vocabulary with these counts; an objective
    the config leaves off is empty (and its matrix argument ignored)."""
    dim = cfg.vector_size
    if cfg.negative:
        noise = Unigram(counts, power=cfg.ns_exponent)
        negative = (context_vectors, noise.threshold, noise.alias, int(cfg.negative))
    else:
        negative = (np.zeros((0, dim), np.float32), np.zeros(0, np.float64), np.zeros(0, np.int32), 0)
    if cfg.hs:
        tree_codes = build_huffman(counts)
        tree = (node_vectors, tree_codes.offsets, tree_codes.codes, tree_codes.points)
    else:
        tree = (np.zeros((0, dim), np.float32), np.zeros(0, np.int64), np.zeros(0, np.uint8), np.zeros(0, np.int32))
    return negative, tree


def _private_state() -> np.ndarray:
    """A uint64[1] random state alone on its 64-byte cache line.

    The kernels advance their state about ten times per window. NumPy hands out small arrays from a
    shared cache, so two threads' one-element states could sit on the same cache line, and every
    draw would then pull that line away from the other core (false sharing).
    """
    block = np.zeros(24, np.uint64)  # 192 bytes: always holds one whole aligned 64-byte line
    first = (-block.ctypes.data % 64) // 8
    return block[first:first + 1]


def _seeded(state: np.ndarray, seed: int, epoch: int, job: int) -> np.ndarray:
    state[0] = job_seed(seed, epoch, job)[0]
    return state


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _quiet(message: str) -> None:
    pass


def _warm_up(kernel, cfg: Word2VecConfig, reads_files: bool, log) -> None:
    """Compile (or load from the cache) every kernel ``fit`` calls -- the corpus scanner, the alias
    table, the job kernel and the hot-row sync -- on tiny inputs with the real argument types, in
    one go before reading, saying so when that takes a while, so the run never stalls silently."""
    dim = cfg.vector_size
    ids = np.array([0, 1], np.int32)
    lengths = np.array([2], np.int32)
    inputs = np.zeros((2, dim), np.float32)
    keep = np.ones(2, np.float32)
    failure: list[BaseException] = []

    def compile_it():
        try:
            if reads_files:
                warm_up_scanner()
            negative, tree = _objectives(cfg, np.array([1, 1]), np.zeros((2, dim), np.float32),
                                         np.zeros((1, dim), np.float32))
            hot = inputs[:1].copy()
            kernel(ids, lengths, inputs, keep, negative, tree, cfg.window, 0.0, 0.0, np.ones(1, np.uint64),
                   sigmoid_tables(), hot[:0], hot[:0])
            sync_hot_rows(inputs[:1], hot, hot.copy())
        except BaseException as exc:  # surfaced in the calling thread below
            failure.append(exc)

    worker = threading.Thread(target=compile_it, daemon=True)
    t0 = time.perf_counter()
    worker.start()
    worker.join(0.5)
    if worker.is_alive():
        log("compiling kernels (first run only; they are cached afterwards)...")
        worker.join()
        log(f"kernels compiled in {time.perf_counter() - t0:.1f}s")
    if failure:
        raise failure[0]

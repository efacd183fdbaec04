"""Word2Vec: the trainer. Python drives (vocabulary, epochs, learning rate, threads, progress),
the kernels compute; the thread engine is :mod:`negsample.word2vec.training`.

Example
-------
>>> from negsample import Word2Vec
>>> sentences = [["cat", "sat", "on", "the", "mat"], ["dog", "sat", "on", "the", "rug"]] * 50
>>> model = Word2Vec(vector_size=16, min_count=1, epochs=2, workers=1).fit(sentences)
>>> model.wv["cat"].shape
(16,)
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..keyedvectors import KeyedVectors
from ..training_log import TrainingLog
from ..vocab import Vocabulary
from .config import Word2VecConfig
from .corpus import Corpus, CorpusError, EncodedCorpus
from .objectives import build_objectives
from .subsampling import keep_probabilities
from .training import EpochStats, train_epochs, warm_up

__all__ = ["Word2Vec", "initial_vectors"]

_INIT_BLOCK_ROWS = 65536


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
                 alpha: float | None = None, min_alpha: float = 1e-4, epochs: int = 5, workers: int | None = None,
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
            log: Callable[[str], None] | None = None, log_file: str | os.PathLike | None = None) -> Word2Vec:
        """Build the vocabulary from ``corpus`` and train.

        Parameters
        ----------
        corpus : path, directory or re-iterable of token lists (see :class:`~negsample.word2vec.corpus.Corpus`)
        progress : bool
            Show a progress bar (epoch, percent, words/s, learning rate, loss) on stderr.
        callbacks : sequence of callables ``f(model, stats)``, called after every epoch.
        log : callable taking a str, optional
            Where status lines go (default: stderr when ``progress`` is on, else nowhere).
        log_file : path, optional
            Write a training log there (:mod:`negsample.training_log`: the settings, then one line per
            epoch as it finishes, with its loss, seconds, words/s and final learning rate), which
            ``negsample plot curves`` draws.
        """
        if log is None:
            log = _stderr if progress else _quiet
        cfg = self.config
        source = corpus if isinstance(corpus, Corpus) else Corpus(
            corpus, max_sentence_length=cfg.max_sentence_length)
        warm_up(cfg, source.reads_once(max_vocab_size=cfg.max_vocab_size), log)
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
            self._train(encoded, progress=progress, callbacks=callbacks, log=log, log_file=log_file)
        finally:
            encoded.close()
        return self

    # -- training ------------------------------------------------------------------------------------
    def _init_weights(self, n_words: int):
        cfg = self.config
        inputs = initial_vectors(cfg, n_words)
        dim = cfg.vector_size
        self.context_vectors = np.zeros((n_words, dim), np.float32) if cfg.negative else None
        self.node_vectors = np.zeros((n_words - 1, dim), np.float32) if cfg.hs else None
        return inputs

    def _train(self, encoded: EncodedCorpus, *, progress, callbacks, log, log_file=None):
        from tqdm.auto import tqdm

        cfg = self.config
        inputs = self._init_weights(len(self.vocab))
        negative, tree = build_objectives(self.vocab.counts, dim=cfg.vector_size, negative=cfg.negative, hs=cfg.hs,
                                          ns_exponent=cfg.ns_exponent, context_vectors=self.context_vectors,
                                          node_vectors=self.node_vectors)
        keep = keep_probabilities(self.vocab.counts, cfg.sample)

        def after_epochs(stats: Sequence[EpochStats]) -> None:
            self.wv = KeyedVectors(inputs, self.vocab)
            for epoch in stats:
                for callback in callbacks:
                    callback(self, epoch)

        self.epoch_stats = []
        training_log = None if log_file is None else TrainingLog(log_file, wing="word2vec", unit="words",
                                                                 config=cfg.to_dict())
        with training_log or contextlib.nullcontext(), \
                tqdm(total=encoded.n_words * cfg.epochs, unit="word", unit_scale=True, disable=not progress,
                     dynamic_ncols=True, file=sys.stderr, smoothing=0.1, mininterval=0.5) as bar:
            self.epoch_stats = train_epochs(cfg, encoded, inputs, keep, negative, tree, bar=bar,
                                            after_epochs=after_epochs, stop_each_epoch=bool(callbacks),
                                            on_epoch=training_log and functools.partial(_log_epoch, training_log))
        seconds = sum(s.seconds for s in self.epoch_stats)
        log(f"training done: {cfg.epochs} epochs in {seconds:.1f}s "
            f"({encoded.n_words * cfg.epochs / max(seconds, 1e-9) / 1e3:.0f}k words/s); loss by epoch: "
            + ", ".join(f"{s.loss:.4f}" for s in self.epoch_stats))


def initial_vectors(cfg: Word2VecConfig, n_words: int) -> np.ndarray:
    """The word vectors training starts from, float32 (n_words, vector_size); output rows start at zero.

    Uniform in [-1, 1) / dim (gensim's range; the C tool's is half as wide, which measurably slows
    CBOW on small corpora), a pure function of ``cfg.seed``. Filled in place, in blocks of 64k rows
    that ``cfg.threads`` threads share (NumPy releases the GIL here): a 1M x 300 matrix takes 1 s
    instead of 3.4 s with whole-array arithmetic. Each block has its own stream, so the result
    ignores ``workers``.
    """
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
    return inputs


def _log_epoch(training_log: TrainingLog, stats: EpochStats) -> None:
    training_log.epoch(epoch=stats.epoch, loss=stats.loss, seconds=stats.seconds, per_second=stats.words_per_second,
                       lr=stats.alpha)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _quiet(message: str) -> None:
    pass

"""Word2Vec: the trainer. Python drives (vocabulary, epochs, learning rate, threads, progress),
the kernels compute; the thread engine is :mod:`negsample.word2vec.training`.

gensim's training API, with its names: ``build_vocab(corpus, update=False, trim_rule=None)``,
``build_vocab_from_freq``, ``train(corpus, total_examples=, epochs=, start_alpha=, end_alpha=)``
(which goes on from the weights as they are: more text, more epochs), ``predict_output_word``, and
``save`` / ``load`` of the whole model (:mod:`negsample.word2vec.persistence`; no pickle) that can
resume training. ``fit(corpus)`` is build_vocab + train in one read of the corpus.

Example
-------
>>> from negsample import Word2Vec
>>> sentences = [["cat", "sat", "on", "the", "mat"], ["dog", "sat", "on", "the", "rug"]] * 50
>>> model = Word2Vec(vector_size=16, min_count=1, epochs=2, workers=1).fit(sentences)
>>> model.wv["cat"].shape
(16,)
>>> _ = model.build_vocab([["a", "cat", "sat", "on", "a", "mat"]] * 5, update=True)
>>> _ = model.train([["a", "cat", "sat", "on", "a", "mat"]] * 5, total_examples=model.corpus_count, epochs=2)
>>> len(model.wv), model.epochs_trained
(8, 4)
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import sys
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .._checks import ParameterError
from ..keyedvectors import KeyedVectors
from ..training_log import TrainingLog
from ..vocab import TrimRule, Vocabulary
from .config import Word2VecConfig
from .corpus import Corpus, CorpusError, EncodedCorpus
from .objectives import build_objectives
from .persistence import ModelState, TrainingSchedule, read_state, write_state
from .reading import count_words, encode
from .subsampling import keep_probabilities
from .training import EpochStats, train_epochs
from .warm_up import KernelWarmUp

__all__ = ["Word2Vec", "initial_vectors"]

_INIT_BLOCK_ROWS = 65536
_CONFIG_FIELDS = frozenset(f.name for f in dataclasses.fields(Word2VecConfig))


class Word2Vec:
    """word2vec: skip-gram or CBOW, with negative sampling and/or hierarchical softmax.

    Takes gensim's parameter names (see :class:`~negsample.word2vec.config.Word2VecConfig` for each,
    also readable as ``model.epochs``, ``model.window``, ...). ``fit(corpus)`` trains and returns the
    model; the word vectors are ``model.wv`` (a :class:`~negsample.keyedvectors.KeyedVectors`), which
    is also what further training trains.

    Attributes after ``build_vocab`` or ``fit``
    -------------------------------------------
    wv : KeyedVectors
    vocab : Vocabulary
    context_vectors : float32 (V, vector_size) or None -- negative-sampling output rows (gensim's syn1neg)
    node_vectors : float32 (V-1, vector_size) or None -- hierarchical-softmax inner-node rows (syn1)
    keep_prob : float32 (V,) -- subsampling keep probabilities (gensim's sample_int, as a probability)
    corpus_count, corpus_total_words : int -- sentences and tokens the last vocabulary read found
    epochs_trained : int -- epochs finished over all ``train`` calls
    schedule : TrainingSchedule or None -- the last ``train`` call and how far it got
    epoch_stats : list of EpochStats -- of the last ``train`` call
    """

    def __init__(self, *, vector_size: int = 100, window: int = 5, min_count: int = 5, sg: int = 0,
                 hs: int = 0, negative: int = 5, ns_exponent: float = 0.75, sample: float = 1e-3,
                 alpha: float | None = None, min_alpha: float = 1e-4, epochs: int = 5, workers: int | None = None,
                 seed: int = 1, max_vocab_size: int | None = None, max_final_vocab: int | None = None,
                 max_sentence_length: int = 10000, cbow_mean: bool = True, batch_negatives: bool | None = None,
                 shrink_windows: bool = True):
        self.config = Word2VecConfig(
            vector_size=vector_size, window=window, min_count=min_count, sg=sg, hs=hs, negative=negative,
            ns_exponent=ns_exponent, sample=sample, alpha=alpha, min_alpha=min_alpha, epochs=epochs,
            workers=workers, seed=seed, max_vocab_size=max_vocab_size, max_final_vocab=max_final_vocab,
            max_sentence_length=max_sentence_length, cbow_mean=cbow_mean, batch_negatives=batch_negatives,
            shrink_windows=shrink_windows,
        )
        self.vocab: Vocabulary | None = None
        self.wv: KeyedVectors | None = None
        self.context_vectors: np.ndarray | None = None
        self.node_vectors: np.ndarray | None = None
        self.keep_prob: np.ndarray | None = None
        self.corpus_count = 0
        self.corpus_total_words = 0
        self.epochs_trained = 0
        self.schedule: TrainingSchedule | None = None
        self.epoch_stats: list[EpochStats] = []

    def __getattr__(self, name: str):
        # gensim's model.epochs, model.window, ...: the settings, read-only.
        if name in _CONFIG_FIELDS and "config" in self.__dict__:
            return getattr(self.__dict__["config"], name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def syn1neg(self) -> np.ndarray | None:
        """gensim's name for :attr:`context_vectors`."""
        return self.context_vectors

    @property
    def syn1(self) -> np.ndarray | None:
        """gensim's name for :attr:`node_vectors`."""
        return self.node_vectors

    # -- vocabulary ----------------------------------------------------------------------------------
    def build_vocab(self, corpus=None, *, corpus_iterable=None, corpus_file=None, update: bool = False,
                    trim_rule: TrimRule | None = None, progress: bool = False) -> Word2Vec:
        """Count the corpus's words and set up the vocabulary and the weights (gensim's ``build_vocab``).

        Parameters
        ----------
        corpus : path, directory or re-iterable of token lists (``corpus_iterable=`` and ``corpus_file=``,
            gensim's keywords, work too)
        update : bool
            Add the new words (those that reach ``min_count`` in this corpus) to the vocabulary of a
            model that has one, after the known ones: their input rows start random, their output rows
            at zero, and every known word's count grows by its count here (gensim's online update).
        trim_rule : callable ``(word, count, min_count) -> RULE_KEEP | RULE_DISCARD | RULE_DEFAULT``, optional
            Used while pruning and building, never stored (as in gensim).
        """
        source = self._source(corpus, corpus_iterable, corpus_file)
        raw = count_words(source, max_vocab_size=self.config.max_vocab_size, trim_rule=trim_rule, progress=progress)
        self._adopt_counts(raw.words, raw.counts, update=update, trim_rule=trim_rule, name=source.name)
        self.corpus_count, self.corpus_total_words = raw.sentences, raw.raw_words
        return self

    def build_vocab_from_freq(self, word_freq: Mapping[str, int], keep_raw_vocab: bool = False,
                              corpus_count: int | None = None, trim_rule: TrimRule | None = None,
                              update: bool = False) -> Word2Vec:
        """:meth:`build_vocab` from a ``{word: count}`` mapping (its order standing for first appearance).

        ``keep_raw_vocab`` is accepted for gensim's signature (negsample keeps no raw vocabulary).
        """
        words = list(word_freq)
        counts = np.fromiter((int(word_freq[w]) for w in words), np.int64, len(words))
        self._adopt_counts(words, counts, update=update, trim_rule=trim_rule, name="word_freq")
        self.corpus_count, self.corpus_total_words = int(corpus_count or 0), int(counts.sum())
        return self

    def _adopt_counts(self, words: list[str], counts: np.ndarray, *, update: bool, trim_rule, name: str) -> None:
        cfg = self.config
        if update:
            if self.vocab is None:
                raise ParameterError("build_vocab(update=True) needs a model with a vocabulary: build one first "
                                     "(build_vocab or fit without update)")
            grown, retained = self.vocab.updated(words, counts, min_count=cfg.min_count,
                                                 max_final_vocab=cfg.max_final_vocab, trim_rule=trim_rule)
            keep = np.ones(len(grown), np.float32)
            keep[:len(self.vocab)] = self.keep_prob
            new_counts = dict(zip(words, counts.tolist(), strict=True))
            # gensim's sample_int: the words this text kept get keep probabilities from its counts alone
            keep[retained] = keep_probabilities(np.array([new_counts[grown.index_to_key[i]] for i in retained],
                                                         np.int64), cfg.sample)
            self._grow_weights(grown)
            self.vocab, self.keep_prob = grown, keep
            return
        vocab = Vocabulary.from_word_counts(words, counts, min_count=cfg.min_count,
                                            max_final_vocab=cfg.max_final_vocab, trim_rule=trim_rule)
        if len(vocab) == 0:
            top = int(np.argmax(counts)) if len(counts) else None
            raise CorpusError(f"no word in {name} occurs at least min_count={cfg.min_count} times"
                              + ("" if top is None else f" (the most frequent, {words[top]!r}, occurs "
                                 f"{int(counts[top])} times): lower min_count"))
        self._set_vocabulary(vocab)

    def _set_vocabulary(self, vocab: Vocabulary) -> None:
        cfg = self.config
        if cfg.hs and len(vocab) < 2:
            raise CorpusError("hierarchical softmax needs at least 2 words in the vocabulary")
        self.vocab = vocab
        self.keep_prob = keep_probabilities(vocab.counts, cfg.sample)
        n, dim = len(vocab), cfg.vector_size
        self.wv = KeyedVectors(initial_vectors(cfg, n), vocab)
        self.context_vectors = np.zeros((n, dim), np.float32) if cfg.negative else None
        self.node_vectors = np.zeros((n - 1, dim), np.float32) if cfg.hs else None
        self.epochs_trained, self.schedule, self.epoch_stats = 0, None, []

    def _grow_weights(self, grown: Vocabulary) -> None:
        old, new, dim = len(self.vocab), len(grown), self.config.vector_size
        self._check_wv()
        # The new input rows: gensim's range, from a stream of their own (seed, size before the update).
        rng = np.random.default_rng([self.config.seed, old])
        added = (rng.random((new - old, dim), dtype=np.float32) * np.float32(2.0 / dim) - np.float32(1.0 / dim))
        self.wv = KeyedVectors(np.concatenate([self.wv.vectors, added]), grown)
        if self.context_vectors is not None:
            self.context_vectors = np.concatenate([self.context_vectors, np.zeros((new - old, dim), np.float32)])
        if self.node_vectors is not None:
            # The tree is rebuilt from the new counts. Inner nodes are numbered in merge order with the
            # root last, so the old rows stay at the top (root to root); gensim appends zero rows after
            # the old ones instead, which puts a zero row at the new root.
            nodes = np.zeros((new - 1, dim), np.float32)
            nodes[new - old:] = self.node_vectors
            self.node_vectors = nodes

    # -- training ------------------------------------------------------------------------------------
    def fit(self, corpus, *, update: bool = False, trim_rule: TrimRule | None = None, progress: bool = False,
            callbacks: Sequence[Callable[[Word2Vec, EpochStats], None]] = (),
            log: Callable[[str], None] | None = None, log_file: str | os.PathLike | None = None) -> Word2Vec:
        """Build the vocabulary from ``corpus`` and train ``epochs`` epochs on it.

        Parameters
        ----------
        corpus : path, directory or re-iterable of token lists (see :class:`~negsample.word2vec.corpus.Corpus`)
        update, trim_rule : as in :meth:`build_vocab`; with ``update`` the model goes on from its
            weights (``build_vocab(corpus, update=True)`` then ``train(corpus)``), else it starts afresh.
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
        cfg = self.config
        source = self._source(corpus, None, None)
        if update or trim_rule is not None or cfg.max_vocab_size is not None:
            self.build_vocab(source, update=update, trim_rule=trim_rule, progress=progress)
            return self.train(source, progress=progress, callbacks=callbacks, log=log, log_file=log_file)
        log = log or (_stderr if progress else _quiet)
        with KernelWarmUp(cfg, source.reads_once(), log) as kernels:
            kernels.scanner_ready()
            started = time.perf_counter()
            # One read: count, build the vocabulary and encode at once (the compiled scanner for files),
            # while the training kernels load.
            vocab, encoded = source.count_and_encode(min_count=cfg.min_count, max_final_vocab=cfg.max_final_vocab,
                                                     progress=progress, workers=cfg.threads)
            kernels.wait(on_failure=encoded.close)
        try:
            self._set_vocabulary(vocab)
            self.corpus_count = sum(len(lengths) for _, lengths in encoded.chunks)
            self.corpus_total_words = encoded.raw_words
            log(f"vocabulary: {len(vocab)} words, {encoded.n_words} of {encoded.raw_words} tokens kept "
                f"({time.perf_counter() - started:.1f}s)")
            self._train(source, encoded, self._new_schedule(None, None, None), progress=progress,
                                callbacks=callbacks, log=log, log_file=log_file)
        finally:
            encoded.close()
        return self

    def train(self, corpus=None, *, corpus_iterable=None, corpus_file=None, total_examples: int | None = None,
              total_words: int | None = None, epochs: int | None = None, start_alpha: float | None = None,
              end_alpha: float | None = None, resume: bool = False, progress: bool = False,
              callbacks: Sequence[Callable[[Word2Vec, EpochStats], None]] = (),
              log: Callable[[str], None] | None = None, log_file: str | os.PathLike | None = None) -> Word2Vec:
        """Train on ``corpus`` from the weights as they are (gensim's ``train``): after ``build_vocab``, or
        again on more text or for more epochs.

        Parameters
        ----------
        corpus : as in :meth:`fit` (``corpus_iterable=`` / ``corpus_file=`` work too). Words outside
            the vocabulary are skipped.
        total_examples, total_words : int, optional
            gensim needs one of them to plan the learning rate over a stream; negsample counts the
            corpus exactly while encoding it, so they are optional, and a ``total_words`` that is not
            the corpus's token count only draws a warning (as gensim's mismatch does).
        epochs : int, default the model's ``epochs``
        start_alpha, end_alpha : float, default the model's initial rate and ``min_alpha``
            The learning rate falls linearly from one to the other over this call's epochs.
        resume : bool
            Finish the schedule a saved model stopped in (``Word2Vec.load`` of a file saved after
            some epochs of a ``train`` call, e.g. by a checkpoint callback): its remaining epochs, at
            their learning rates and random streams. ``epochs`` and the alphas must then be left out.
        progress, callbacks, log, log_file : as in :meth:`fit`
        """
        if self.vocab is None:
            raise ParameterError("train needs a vocabulary: call build_vocab(corpus) first, or fit(corpus)")
        self._check_wv()
        for name, value in (("total_examples", total_examples), ("total_words", total_words)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer))
                                      or value < 0):
                raise ParameterError(f"{name} must be an integer >= 0 or None, got {value!r}")
        if resume:
            if epochs is not None or start_alpha is not None or end_alpha is not None:
                raise ParameterError("train(resume=True) finishes the saved schedule: leave epochs, start_alpha "
                                     "and end_alpha out")
            if self.schedule is None or self.schedule.finished:
                raise ParameterError("train(resume=True): nothing to resume, the model's last train call finished "
                                     "all its epochs")
            schedule = self.schedule
        else:
            schedule = self._new_schedule(epochs, start_alpha, end_alpha)
        log = log or (_stderr if progress else _quiet)
        source = self._source(corpus, corpus_iterable, corpus_file)
        with KernelWarmUp(self.config, source.reads_once(), log) as kernels:
            kernels.scanner_ready()
            encoded = encode(source, self.vocab, progress=progress, workers=self.config.threads)
            kernels.wait(on_failure=encoded.close)
        try:
            if total_words is not None and total_words != encoded.raw_words:
                warnings.warn(f"train: total_words={total_words}, but {source.name} holds {encoded.raw_words} "
                              "tokens (negsample schedules by the exact count)", UserWarning, stacklevel=2)
            self._train(source, encoded, schedule, progress=progress, callbacks=callbacks, log=log,
                                log_file=log_file)
        finally:
            encoded.close()
        return self

    def _new_schedule(self, epochs, start_alpha, end_alpha) -> TrainingSchedule:
        cfg = self.config
        # The first schedule draws from the seed itself; later ones from streams of their own.
        seed = cfg.seed if self.epochs_trained == 0 else int(
            np.random.SeedSequence([cfg.seed, self.epochs_trained]).generate_state(1)[0])
        return TrainingSchedule(epochs=cfg.epochs if epochs is None else epochs,
                                start_alpha=cfg.initial_alpha if start_alpha is None else float(start_alpha),
                                end_alpha=cfg.min_alpha if end_alpha is None else float(end_alpha), seed=seed)

    def _train(self, source: Corpus, encoded: EncodedCorpus, schedule: TrainingSchedule, *, progress,
                       callbacks, log, log_file) -> None:
        from .._progress import progress_bar

        if encoded.n_words == 0:
            raise CorpusError(f"{source.name}: no sentence has two in-vocabulary words; nothing to train on")
        with warnings.catch_warnings():  # the settings were checked (and warned about) once already
            warnings.simplefilter("ignore")
            cfg = dataclasses.replace(self.config, epochs=schedule.epochs, alpha=schedule.start_alpha,
                                      min_alpha=schedule.end_alpha, seed=schedule.seed)
        negative, tree = build_objectives(self.vocab.counts, dim=cfg.vector_size, negative=cfg.negative, hs=cfg.hs,
                                          ns_exponent=cfg.ns_exponent, context_vectors=self.context_vectors,
                                          node_vectors=self.node_vectors)
        first = schedule.done
        previous = list(self.epoch_stats) if first else []  # a resumed schedule's earlier epochs
        self.schedule, self.epoch_stats = schedule, previous
        finished: list[EpochStats] = []

        def after_epochs(stats: Sequence[EpochStats]) -> None:
            # Threads stopped, private rows merged: the state a callback (a checkpoint) sees is whole.
            self.wv.clear_cache()
            for epoch in stats:
                schedule.done = epoch.epoch
                self.epochs_trained += 1
                finished.append(epoch)
                self.epoch_stats = previous + finished
                for callback in callbacks:
                    callback(self, epoch)

        training_log = None if log_file is None else TrainingLog(log_file, wing="word2vec", unit="words",
                                                                 config=cfg.to_dict())
        remaining = cfg.epochs - first
        with training_log or contextlib.nullcontext(), \
                progress_bar(total=encoded.n_words * remaining, unit="word", unit_scale=True,
                             disable=not progress, smoothing=0.1) as bar:
            stats = train_epochs(cfg, encoded, self.wv.vectors, self.keep_prob, negative, tree, bar=bar,
                                 after_epochs=after_epochs, stop_each_epoch=bool(callbacks), first_epoch=first,
                                 on_epoch=training_log and functools.partial(_log_epoch, training_log))
        self.epoch_stats = previous + stats
        seconds = sum(s.seconds for s in stats)
        log(f"training done: {remaining} epochs in {seconds:.1f}s "
            f"({encoded.n_words * remaining / max(seconds, 1e-9) / 1e3:.0f}k words/s); loss by epoch: "
            + ", ".join(f"{s.loss:.4f}" for s in stats))

    # -- queries -------------------------------------------------------------------------------------
    def predict_output_word(self, context_words_list: Sequence[str], topn: int = 10):
        """The ``topn`` words the model predicts at the center of these context words, with their
        probability: softmax over every word of ``context_vectors . h``, where ``h`` is the mean (with
        ``cbow_mean``, else the sum) of the known context words' vectors (gensim's method).

        Needs negative sampling. Returns None (with a warning) when no context word is known, as gensim.
        """
        if not self.config.negative or self.context_vectors is None:
            raise ParameterError("predict_output_word needs a model trained with negative sampling (negative > 0)")
        rows = [self.wv.get_index(w) for w in context_words_list if w in self.wv]
        if not rows:
            warnings.warn("predict_output_word: no context word is in the vocabulary", UserWarning, stacklevel=2)
            return None
        hidden = self.wv.vectors[rows].sum(axis=0)
        if self.config.cbow_mean:
            hidden /= len(rows)
        scores = self.context_vectors @ hidden
        probs = np.exp(scores - scores.max())
        probs /= probs.sum()
        top = np.argsort(-probs, kind="stable")[:topn]
        return [(self.wv.index_to_key[i], float(probs[i])) for i in top.tolist()]

    # -- files ---------------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write the whole model (settings, vocabulary, all weights, the schedule) to one ``.npz`` at
        exactly ``path``, atomically; :meth:`load` reads it back, ready to query or to train on."""
        if self.vocab is None:
            raise ParameterError("save: the model has no vocabulary yet; build_vocab or fit it first")
        self._check_wv()
        write_state(path, ModelState(
            config=self.config, vocab=self.vocab, vectors=self.wv.vectors, context_vectors=self.context_vectors,
            node_vectors=self.node_vectors, keep_prob=self.keep_prob, corpus_count=self.corpus_count,
            corpus_total_words=self.corpus_total_words, epochs_trained=self.epochs_trained,
            schedule=self.schedule, epoch_stats=[dataclasses.asdict(s) for s in self.epoch_stats]))

    @classmethod
    def load(cls, path: str | os.PathLike) -> Word2Vec:
        """A model :meth:`save` wrote; :class:`~negsample.word2vec.persistence.ModelFileError` for anything else."""
        state = read_state(path)
        model = cls(**state.config.to_dict())
        model.vocab = state.vocab
        model.wv = KeyedVectors(state.vectors, state.vocab)
        model.context_vectors, model.node_vectors = state.context_vectors, state.node_vectors
        model.keep_prob = state.keep_prob
        model.corpus_count, model.corpus_total_words = state.corpus_count, state.corpus_total_words
        model.epochs_trained, model.schedule = state.epochs_trained, state.schedule
        model.epoch_stats = [EpochStats(**s) for s in state.epoch_stats]
        return model

    # -- helpers -------------------------------------------------------------------------------------
    def _source(self, corpus, corpus_iterable, corpus_file) -> Corpus:
        given = [c for c in (corpus, corpus_iterable, corpus_file) if c is not None]
        if len(given) != 1:
            raise ParameterError("pass the corpus once: as the first argument, corpus_iterable= or corpus_file= "
                                 f"(got {len(given)})")
        corpus = given[0]
        return corpus if isinstance(corpus, Corpus) else Corpus(corpus,
                                                                max_sentence_length=self.config.max_sentence_length)

    def _check_wv(self) -> None:
        if self.wv is None or self.wv.index_to_key != self.vocab.index_to_key:
            raise ParameterError("model.wv no longer holds the model's vocabulary (words added with "
                                 "add_vectors?); the model can only train the words of its own vocabulary")


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

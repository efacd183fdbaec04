"""Trace mode: the first updates of a word2vec run, with every number they are made of.

:func:`trace` replays a run the way :meth:`Word2Vec.fit <negsample.word2vec.Word2Vec.fit>` trains it
with one worker -- the same vocabulary, starting vectors, jobs, per-job random streams and
learning-rate schedule -- but through the slow NumPy twin of the kernels
(:mod:`negsample.word2vec.reference`), listening to it as it draws and computes. So what a trace
shows is the real algorithm: the tests run the compiled kernels for the same steps and check they
end with the same vectors.

A *step* is one update (see :class:`~negsample.word2vec.reference.TwinObserver`): a (center,
context) pair in classic skip-gram, a window in CBOW and in window-batched skip-gram, a run of
windows sharing one draw of negatives in batched CBOW. For each step the trace keeps the windows
drawn, the hidden vectors, the negatives drawn, every logistic term (dot product, sigmoid, loss,
gradient coefficient), every row it changed (before and after) and the loss of the same terms
recomputed after the update. Around the steps: the vocabulary, the noise distribution as the C
tool's unit segment and as the alias table the kernels draw from, the subsampling coins, the
Huffman codes. :mod:`negsample.word2vec.trace_render` turns it into text, markdown or JSON.

Example
-------
>>> from negsample.word2vec.trace import trace
>>> t = trace(sg=1, batch_negatives=False, negative=2, steps=1)
>>> t.words
['the', 'mat', 'on', 'sat', 'cat']
>>> step = t.steps[0]
>>> [term.label for term in step.terms][:1], step.loss_after < step.loss
([1.0], True)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from .._kernels.logistic import sigmoid_tables
from .._kernels.rng import job_seed
from ..noise import Unigram
from .config import Word2VecConfig
from .corpus import Corpus, CorpusError
from .huffman import HuffmanTree, build_huffman
from .model import initial_vectors
from .objectives import ContextWindow, build_objectives
from .reference import (
    TwinObserver,
    context_hidden,
    logistic_loss,
    reference_cbow_batched_job,
    reference_cbow_job,
    reference_skipgram_batched_job,
    reference_skipgram_job,
    table_sigmoid,
)
from .subsampling import keep_probabilities
from .trace_settings import TRACE_SETTINGS
from .training import learning_rate, plan_jobs

__all__ = ["DEFAULT_TEXT", "TRACE_SETTINGS", "NoiseTables", "RowUpdate", "SentenceDraw", "Step", "Term", "Trace",
           "WindowDraw", "alias_probabilities", "trace", "unit_segment_cells"]

DEFAULT_TEXT = "the cat sat on the mat"
# TRACE_SETTINGS (why each differs from Word2VecConfig's defaults: see trace_settings) lives apart so
# that the command line's help does not import the kernels.
SEGMENT_CELLS = 100  # cells of the unit segment shown for a toy vocabulary (the C tool's table has 1e8)


@dataclass
class NoiseTables:
    """The negative-sampling noise three ways, all float64 (V,) unless said.

    weights : count ** power; probs : the noise probabilities q; log_probs : log q
    cells : int64 (V,) -- cells of a unit segment of ``n_cells`` each word owns (the C tool's
        ``InitUnigramTable``); cells / n_cells is within 1 / n_cells of q
    threshold, alias : the alias table the kernels draw from (:mod:`negsample._kernels.alias`);
        alias_probs : the probabilities it gives back (:func:`alias_probabilities`)
    """

    power: float
    weights: np.ndarray
    probs: np.ndarray
    log_probs: np.ndarray
    n_cells: int
    cells: np.ndarray
    threshold: np.ndarray
    alias: np.ndarray
    alias_probs: np.ndarray


@dataclass
class SentenceDraw:
    """One sentence's subsampling: a coin per token whose keep probability is below 1 (else None)."""

    epoch: int
    sentence: int
    alpha: float
    tokens: list[int]
    coins: list[float | None]
    kept: list[bool]
    windows: list[WindowDraw] = field(default_factory=list)

    @property
    def kept_tokens(self) -> list[int]:
        return [word for word, keep in zip(self.tokens, self.kept) if keep]


@dataclass
class WindowDraw:
    """Center ``position`` of the kept sentence drew ``reach`` (at most the window setting)."""

    position: int
    center: int
    reach: int
    context_positions: list[int]
    context: list[int]


@dataclass
class Term:
    """One logistic term: ``hidden row`` . ``out row of target``, against ``label``.

    objective : "ns" (target a word) or "hs" (target an inner node of the Huffman tree)
    row : which of the step's hidden rows; sigmoid : from the kernels' table
    gain : weight * alpha * (label - sigmoid), None where hierarchical softmax skips a saturated node
    loss : the term's logistic loss times ``weight``; loss_after : the same recomputed from the rows after
    the step; weight : 1, or ``1 / CBOW_DRAWS_PER_NEGATIVE`` for batched CBOW's shared negatives
    """

    objective: str
    row: int
    target: int
    label: float
    f: float
    sigmoid: float
    loss: float
    gain: float | None
    loss_after: float = float("nan")
    weight: float = 1.0


@dataclass
class RowUpdate:
    """A row the step changed: ``matrix`` "input" (word vectors), "output" (negative-sampling rows)
    or "node" (hierarchical-softmax rows); ``before`` and ``after`` are float32 (dim,)."""

    matrix: str
    id: int
    before: np.ndarray
    after: np.ndarray


@dataclass
class Step:
    """One update. ``rows`` are its hidden rows as (center, context words); ``hidden`` float32
    (n_rows, dim) as the objectives read them, ``hidden_after`` recomputed after the update."""

    number: int
    epoch: int
    sentence: int
    alpha: float
    rows: list[tuple[int, list[int]]]
    windows: list[WindowDraw]
    hidden: np.ndarray | None = None
    hidden_after: np.ndarray | None = None
    drawn: list[int] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)
    updates: list[RowUpdate] = field(default_factory=list)
    loss: float = 0.0
    loss_after: float = 0.0


@dataclass
class Trace:
    """What :func:`trace` saw. Vectors are float32; ``outputs_*`` / ``nodes_*`` are None when their
    objective is off. ``*_before`` is where training started, ``*_after`` where the last traced step
    left it; ``complete`` says the whole run was traced (not stopped after ``steps``)."""

    config: Word2VecConfig
    words: list[str]
    counts: np.ndarray
    keep_prob: np.ndarray
    noise: NoiseTables | None
    huffman: HuffmanTree | None
    sentences: list[SentenceDraw]
    steps: list[Step]
    inputs_before: np.ndarray
    inputs_after: np.ndarray
    outputs_before: np.ndarray | None
    outputs_after: np.ndarray | None
    nodes_before: np.ndarray | None
    nodes_after: np.ndarray | None
    complete: bool

    @property
    def kernel(self) -> str:
        """Which kernel this run trains with (the trace replays its twin)."""
        arch = "skip-gram" if self.config.sg else "CBOW"
        return f"{arch}, {'window-batched' if self.config.batched else 'classic per-example'} kernel"

    def to_dict(self) -> dict:
        """Every number, as JSON-ready Python lists and floats."""
        return _plain(asdict(self) | {"config": self.config.to_dict(), "kernel": self.kernel,
                                      "huffman": None if self.huffman is None else {
                                          "codes": [self.huffman.code(w) for w in range(len(self.words))],
                                          "paths": [self.huffman.path(w) for w in range(len(self.words))]}})


def _plain(value):
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (np.floating, float)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, (np.integer, np.bool_)):
        return value.item()
    return value


def unit_segment_cells(probs: np.ndarray, n_cells: int) -> np.ndarray:
    """How many of ``n_cells`` equal cells of [0, 1) each word owns, int64 (V,).

    As the word2vec C tool's ``InitUnigramTable`` fills its table: cell ``a`` belongs to the first
    word whose cumulative probability exceeds ``a / n_cells``. (The C loop moves to the next word one
    cell late, which gives the first word an extra cell; here the boundaries are exact, so each
    count is within one cell of ``probs * n_cells``.)

    >>> unit_segment_cells(np.array([0.5, 0.3, 0.2]), 10).tolist()
    [5, 3, 2]
    """
    bounds = np.ceil(np.cumsum(probs) * n_cells - 1e-9).clip(0, n_cells).astype(np.int64)
    bounds[-1] = n_cells
    return np.diff(np.concatenate([[0], bounds]))


def alias_probabilities(threshold: np.ndarray, alias: np.ndarray) -> np.ndarray:
    """The probabilities an alias table draws with: column i keeps itself with ``threshold[i]``,
    else gives ``alias[i]``, each column chosen with probability 1/V.

    >>> alias_probabilities(np.array([1.0, 0.5]), np.array([0, 0])).tolist()
    [0.75, 0.25]
    """
    n = threshold.shape[0]
    probs = threshold.astype(np.float64).copy()
    np.add.at(probs, alias, 1.0 - threshold)
    return probs / n


def _noise_tables(counts: np.ndarray, power: float, n_cells: int) -> NoiseTables:
    noise = Unigram(counts, power=power)
    weights = counts.astype(np.float64) ** power
    with np.errstate(divide="ignore"):
        log_probs = np.log(noise.probs)
    return NoiseTables(power, weights, noise.probs, log_probs, n_cells, unit_segment_cells(noise.probs, n_cells),
                       noise.threshold, noise.alias, alias_probabilities(noise.threshold, noise.alias))


class _Enough(Exception):
    """Raised by the recorder once it holds the steps asked for: stops the twin mid-job."""


class _Recorder(TwinObserver):
    """Listens to a twin: keeps what it drew and computed, snapshots the rows around each step."""

    def __init__(self, inputs, negative, tree, window: ContextWindow, sigmoid, limit: int | None):
        self.inputs, self.context_window, self.sigmoid, self.limit = inputs, window, sigmoid, limit
        self.matrices = {"input": inputs}
        if negative is not None:
            self.matrices["output"] = negative.out
        if tree is not None:
            self.matrices["node"] = tree.out
        self.sentences: list[SentenceDraw] = []
        self.steps: list[Step] = []
        self.epoch = 0
        self.windows: list[WindowDraw] = []
        self.fresh_window = True  # the next window starts a new group (a step began since the last)
        self.step: Step | None = None
        self.before: dict[str, np.ndarray] = {}

    def start_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        self.sentence_number = 0

    def sentence(self, alpha, tokens, coins, kept):
        self.sentence_number += 1
        self.sentences.append(SentenceDraw(self.epoch + 1, self.sentence_number, alpha, tokens, coins,
                                           [bool(keep) for keep in kept]))
        self.alpha = alpha
        self.fresh_window = True

    def window(self, position, reach, context_positions):
        kept = self.sentences[-1].kept_tokens
        draw = WindowDraw(position, kept[position], reach, context_positions, [kept[j] for j in context_positions])
        self.sentences[-1].windows.append(draw)
        if self.fresh_window:
            self.windows, self.fresh_window = [], False
        self.windows.append(draw)

    def begin_step(self, rows):
        self.fresh_window = True
        self.before = {name: matrix.copy() for name, matrix in self.matrices.items()}
        self.step = Step(len(self.steps) + 1, self.epoch + 1, self.sentence_number, self.alpha,
                         [(center, list(context)) for center, context in rows], list(self.windows))

    def hidden(self, vectors):
        self.step.hidden = np.array(vectors, np.float32)

    def drawn(self, words):
        self.step.drawn.extend(int(w) for w in words)

    def term(self, objective, row, target, label, f, gain, loss, weight=1.0):
        self.step.terms.append(Term(objective, int(row), int(target), float(label), float(f),
                                    table_sigmoid(f, self.sigmoid), float(loss), None if gain is None else float(gain),
                                    weight=float(weight)))

    def end_step(self, loss):
        step = self.step
        step.loss = float(loss)
        touched = [("input", c) for _, context in step.rows for c in context]
        touched += [("output" if t.objective == "ns" else "node", t.target) for t in step.terms]
        for name, row in dict.fromkeys(touched):
            step.updates.append(RowUpdate(name, row, self.before[name][row].copy(), self.matrices[name][row].copy()))
        step.hidden_after = np.array([context_hidden(self.inputs, context, self.context_window.mean)
                                      for _, context in step.rows], np.float32)
        for t in step.terms:
            out = self.matrices["output" if t.objective == "ns" else "node"][t.target]
            t.loss_after = t.weight * logistic_loss(
                float(step.hidden_after[t.row].astype(np.float64) @ out.astype(np.float64)), t.label)
        step.loss_after = float(sum(t.loss_after for t in step.terms))
        self.steps.append(step)
        if self.limit is not None and len(self.steps) >= self.limit:
            raise _Enough


def _twin(cfg: Word2VecConfig):
    """The twin of the kernel :func:`~negsample.word2vec.training.job_kernel` picks for ``cfg``."""
    if cfg.batched:
        return reference_skipgram_batched_job if cfg.sg else reference_cbow_batched_job
    return reference_skipgram_job if cfg.sg else reference_cbow_job


def sentences_of(text: str) -> list[list[str]]:
    """A text as sentences of tokens: one sentence a line, split on whitespace (as corpus files are)."""
    return [line.split() for line in text.splitlines() if line.split()]


def trace(corpus=None, *, steps: int | None = 1, segment_cells: int | None = None, **settings) -> Trace:
    """Trace the first ``steps`` updates of word2vec on ``corpus``.

    Parameters
    ----------
    corpus : path or re-iterable of token lists, optional
        As :meth:`Word2Vec.fit <negsample.word2vec.Word2Vec.fit>` takes it; default
        :data:`DEFAULT_TEXT` as one sentence.
    steps : int or None, default 1
        Updates to trace; None traces the whole run (every epoch). A run with fewer updates is
        traced whole.
    segment_cells : int, optional
        Cells of the unit segment shown beside the alias table; default 100, or for a larger
        vocabulary the power of ten that gives the rarest words about one cell each.
    **settings
        Any :class:`~negsample.word2vec.config.Word2VecConfig` field (gensim's names: ``sg``, ``hs``,
        ``negative``, ``window``, ``sample``, ``alpha``, ``seed``, ``batch_negatives``, ...); the
        defaults are Word2VecConfig's but for :data:`TRACE_SETTINGS`. ``workers`` is ignored: the
        trace is the one-worker run.

    Returns
    -------
    Trace
    """
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 1):
        raise ValueError(f"steps must be an integer >= 1 or None (the whole run), got {steps!r}")
    if segment_cells is not None and (isinstance(segment_cells, bool) or not isinstance(segment_cells, int)
                                      or segment_cells < 1):
        raise ValueError(f"segment_cells must be an integer >= 1, got {segment_cells!r}")
    cfg = Word2VecConfig(**{**TRACE_SETTINGS, **settings, "workers": 1})
    source = Corpus([DEFAULT_TEXT.split()] if corpus is None else corpus, max_sentence_length=cfg.max_sentence_length)
    vocab, encoded = source.count_and_encode(min_count=cfg.min_count, max_final_vocab=cfg.max_final_vocab,
                                             max_vocab_size=cfg.max_vocab_size)
    try:
        if cfg.hs and len(vocab) < 2:
            raise CorpusError("hierarchical softmax needs at least 2 words in the vocabulary")
        if encoded.n_words == 0:
            raise CorpusError(f"{source.name}: no sentence has two in-vocabulary words; nothing to trace")
        return _replay(cfg, vocab, encoded, steps, segment_cells)
    finally:
        encoded.close()


def _replay(cfg, vocab, encoded, steps, segment_cells) -> Trace:
    counts = vocab.counts
    if segment_cells is None:
        rarest = float(np.min(counts) ** cfg.ns_exponent / np.sum(counts.astype(np.float64) ** cfg.ns_exponent))
        segment_cells = max(SEGMENT_CELLS, 10 ** int(np.ceil(np.log10(1.0 / rarest))))
    inputs = initial_vectors(cfg, len(vocab))
    negative, tree = build_objectives(counts, dim=cfg.vector_size, negative=cfg.negative, hs=cfg.hs,
                                      ns_exponent=cfg.ns_exponent)
    keep = keep_probabilities(counts, cfg.sample)
    window = ContextWindow(cfg.window, bool(cfg.cbow_mean), bool(cfg.shrink_windows))
    tables = sigmoid_tables()
    recorder = _Recorder(inputs, negative, tree, window, tables[0], steps)
    before = {name: matrix.copy() for name, matrix in recorder.matrices.items()}
    twin = _twin(cfg)
    jobs = plan_jobs(encoded)
    complete = True
    try:
        for epoch in range(cfg.epochs):
            recorder.start_epoch(epoch)
            for job in jobs:
                ids, lengths = encoded.chunks[job.chunk]
                n = job.words
                twin(np.asarray(ids[job.token_start:job.token_stop]),
                     np.asarray(lengths[job.sentence_start:job.sentence_stop]), inputs, keep, window, negative, tree,
                     learning_rate(cfg, epoch, job.offset, encoded.n_words),
                     learning_rate(cfg, epoch, job.offset + n, encoded.n_words),
                     job_seed(cfg.seed, epoch, job.index), tables, observer=recorder)
    except _Enough:
        complete = False
    after = recorder.matrices
    return Trace(
        config=cfg, words=list(vocab.index_to_key), counts=counts.copy(), keep_prob=keep,
        noise=_noise_tables(counts, cfg.ns_exponent, segment_cells) if cfg.negative else None,
        huffman=build_huffman(counts) if cfg.hs else None, sentences=recorder.sentences, steps=recorder.steps,
        inputs_before=before["input"], inputs_after=after["input"].copy(),
        outputs_before=before.get("output"), outputs_after=None if negative is None else after["output"].copy(),
        nodes_before=before.get("node"), nodes_after=None if tree is None else after["node"].copy(),
        complete=complete,
    )

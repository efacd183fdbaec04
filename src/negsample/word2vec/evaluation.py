"""Word-vector quality: analogy accuracy and word-pair similarity correlation, as gensim computes them.

:func:`evaluate_analogies` and :func:`evaluate_word_pairs` reproduce the numbers of gensim's
``KeyedVectors.evaluate_word_analogies`` / ``evaluate_word_pairs`` (same vocabulary restriction,
case folding, out-of-vocabulary skipping and accuracy definition), but answer the analogy questions
in batches with one matrix product each instead of one query at a time. They work with any object
that has ``vectors`` (shape (n_words, dim)) and ``index_to_key``, so also with a gensim model.
Ranking metrics shared by every wing (Recall / NDCG / MRR / Hits@K) are in :mod:`negsample.evaluation`.

Example
-------
>>> import os, tempfile, numpy as np
>>> from negsample.vocab import Vocabulary
>>> from negsample.keyedvectors import KeyedVectors
>>> from negsample.word2vec.evaluation import evaluate_word_pairs
>>> kv = KeyedVectors(np.array([[1, 0], [1, .2], [0, 1]], dtype=np.float32),
...                   Vocabulary(["cat", "dog", "car"], [3, 2, 1]))
>>> path = os.path.join(tempfile.mkdtemp(), "pairs.tsv")
>>> _ = open(path, "w").write("cat\\tdog\\t9\\ncat\\tcar\\t1\\ndog\\tcar\\t2\\n")
>>> evaluate_word_pairs(kv, path).spearman
1.0
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "AnalogyResult",
    "DatasetFormatError",
    "WordPairsResult",
    "evaluate_analogies",
    "evaluate_word_pairs",
]

_ANALOGY_CANDIDATES = 5  # gensim looks at the 5 best answers and takes the first that is not a question word
_SCORES_PER_BATCH = 1 << 23  # float32 cells of one (batch, restrict_vocab) score matrix: 32 MB


class DatasetFormatError(ValueError):
    """An evaluation file is malformed; the message names the file and the line."""


@dataclass(frozen=True)
class AnalogyResult:
    """Outcome of :func:`evaluate_analogies`.

    Attributes
    ----------
    accuracy : float
        ``correct / total`` (0.0 when nothing was covered), gensim's overall score.
    correct : int
    total : int
        Questions whose four words are all in the searched vocabulary (the others are skipped).
    coverage : float
        ``total / questions``.
    questions : int
        All questions in the file.
    sections : dict of str -> (accuracy, correct, total)
        Per ``: section`` of the file, in file order.
    """

    accuracy: float
    correct: int
    total: int
    coverage: float
    questions: int
    sections: dict[str, tuple[float, int, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class WordPairsResult:
    """Outcome of :func:`evaluate_word_pairs`: correlations with 2-sided p-values (scipy.stats)."""

    pearson: float
    pearson_pvalue: float
    spearman: float
    spearman_pvalue: float
    oov_ratio: float  # percent of pairs skipped because a word is unknown, as gensim reports it
    pairs: int  # pairs used
    oov: int  # pairs skipped


# ---------------------------------------------------------------------- shared helpers
def _searchable_vocab(index_to_key, restrict_vocab: int, case_insensitive: bool) -> dict[str, int]:
    """Word (upper-cased if case-insensitive) -> row, over the first ``restrict_vocab`` words.

    Among case variants of one word the first, i.e. most frequent, wins (gensim's rule).
    """
    if restrict_vocab < 1:
        raise ValueError(f"restrict_vocab must be >= 1, got {restrict_vocab}")
    lookup: dict[str, int] = {}
    for index, word in enumerate(index_to_key[:restrict_vocab]):
        lookup.setdefault(word.upper() if case_insensitive else word, index)
    return lookup


def _unit_rows(vectors: np.ndarray, norms: np.ndarray, rows: np.ndarray) -> np.ndarray:
    # Same float32 arithmetic as gensim's get_vector(norm=True); zero vectors stay zero instead of NaN.
    safe = np.where(norms[rows] > 0, norms[rows], np.float32(1))
    return vectors[rows] / safe[..., None]


# ---------------------------------------------------------------------- analogies
def _read_analogies(path, lookup: dict[str, int], case_insensitive: bool):
    """Parse an analogy file; return section names, every question's section and the covered rows."""
    name = os.fspath(path)
    section_names: list[str] = []
    section_of_question: list[int] = []
    covered_rows: list[tuple[int, int, int, int]] = []
    covered_section: list[int] = []
    with open(path, "rb") as f:
        for line_no, raw in enumerate(f, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DatasetFormatError(f"{name}, line {line_no}: not valid UTF-8 ({exc.reason})") from None
            if line.startswith(": "):
                section = line.lstrip(": ").strip()
                if section not in section_names:  # a repeated name continues that section
                    section_names.append(section)
                current = section_names.index(section)
                continue
            words = line.split()
            if not words:
                continue  # blank lines are not questions (gensim skips them too)
            if len(words) != 4:
                raise DatasetFormatError(
                    f"{name}, line {line_no}: expected 4 words or a ': section' header, got {line.strip()!r}"
                )
            if not section_names:
                raise DatasetFormatError(
                    f"{name}, line {line_no}: question before the first ': section' line"
                )
            if case_insensitive:
                words = [w.upper() for w in words]
            section_of_question.append(current)
            if all(w in lookup for w in words):
                covered_rows.append(tuple(lookup[w] for w in words))
                covered_section.append(current)
    if not section_of_question:
        raise DatasetFormatError(f"{name}: no analogy questions found")
    questions = np.array(covered_rows, dtype=np.int64).reshape(-1, 4)
    return section_names, np.array(section_of_question), questions, np.array(covered_section, dtype=np.int64)


def _analogy_scores(vectors, norms, unit_a, unit_b, unit_c, method: str) -> np.ndarray:
    """Score every searched word for a batch of questions a:b :: c:?; shape (batch, restrict_vocab)."""
    if method == "3cosadd":
        # gensim: float32 sum of the unit vectors, mean and renormalisation in float64, back to float32.
        total = ((unit_b + unit_c) - unit_a).astype(np.float64) / 3.0
        length = np.linalg.norm(total, axis=1, keepdims=True)
        query = np.where(length > 0, total * (1.0 / np.where(length > 0, length, 1.0)), total)
        scores = query.astype(np.float32) @ vectors.T
        scores /= norms  # gensim divides the dot products by the norms (not unit vectors): same rounding
        return scores
    # 3CosMul: cosines shifted to [0, 1]; the three products share one matrix multiplication.
    cosines = (np.concatenate([unit_a, unit_b, unit_c]) @ vectors.T) / norms
    shifted_a, shifted_b, shifted_c = np.split((1 + cosines) / 2, 3)
    return (shifted_b * shifted_c) / (shifted_a + np.float32(1e-6))


def _answer_batch(scores: np.ndarray, batch: np.ndarray, canonical: np.ndarray) -> np.ndarray:
    """Whether each question in ``batch`` (shape (B, 4): rows of a, b, c, expected) is answered right.

    ``scores`` (shape (B, restrict_vocab)) is used as scratch space and overwritten.
    """
    if np.isnan(scores).any():
        scores[np.isnan(scores)] = -np.inf  # zero vectors: gensim's NaN sorts last, so does -inf
    batch_rows = np.arange(len(batch))
    scores[batch_rows[:, None], batch[:, :3]] = -np.inf  # the question words themselves are never answers
    # Five passes of argmax beat one argpartition (about 3x here) and break ties by lowest row.
    n_candidates = min(_ANALOGY_CANDIDATES, scores.shape[1])
    top = np.empty((len(batch), n_candidates), dtype=np.int64)
    for rank in range(n_candidates):
        top[:, rank] = np.argmax(scores, axis=1)
        scores[batch_rows, top[:, rank]] = -np.inf
    # gensim compares words after case folding: an answer that is only a case variant of a question word
    # is passed over for the next candidate; if all candidates are, the last one stands.
    folded = canonical[top]
    is_question_word = (folded[:, :, None] == batch[:, None, :3]).any(axis=2)
    first_ok = np.argmax(~is_question_word, axis=1)
    chosen = np.where(is_question_word.all(axis=1), n_candidates - 1, first_ok)
    predicted = folded[batch_rows, chosen]
    return predicted == batch[:, 3]


def evaluate_analogies(kv, path: str | os.PathLike, restrict_vocab: int = 30000,
                       case_insensitive: bool = True, method: str = "3cosadd") -> AnalogyResult:
    """Accuracy on an analogy file (``a b c d`` lines under ``: section`` headers), as gensim computes it.

    For each question "a is to b as c is to ?" the answer is the searched word with the best score that
    is not one of a, b, c; it is right if it equals d. Questions with a word outside the first
    ``restrict_vocab`` words are skipped (they count in ``coverage`` only).

    Parameters
    ----------
    kv : KeyedVectors (or anything with ``vectors`` and ``index_to_key``)
    path : str or os.PathLike
        E.g. the C tool's ``questions-words.txt``. Blank lines are ignored; other lines must have
        4 words (gensim silently skips them; here they raise :class:`DatasetFormatError`).
    restrict_vocab : int, default 30000
        Search and accept only the first (most frequent) words, like the C tool's ``compute-accuracy``.
    case_insensitive : bool, default True
        Compare upper-cased words; among case variants the most frequent word's vector is used.
    method : {"3cosadd", "3cosmul"}
        3CosAdd ranks by ``cos(x, b - a + c)`` (gensim's ``most_similar``); 3CosMul by Levy & Goldberg's
        ``s(x,b) s(x,c) / (s(x,a) + 1e-6)``, ``s = (1 + cos) / 2`` (gensim's ``most_similar_cosmul``).

    Returns
    -------
    AnalogyResult

    Example
    -------
    >>> import os, tempfile, numpy as np
    >>> from negsample.vocab import Vocabulary
    >>> from negsample.keyedvectors import KeyedVectors
    >>> vectors = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1], [0, 1, 1], [1, 0, 1]], dtype=np.float32)
    >>> kv = KeyedVectors(vectors, Vocabulary(["man", "king", "woman", "queen", "x"], [5, 4, 3, 2, 1]))
    >>> path = os.path.join(tempfile.mkdtemp(), "q.txt")
    >>> _ = open(path, "w").write(": family\\nman king woman queen\\nman king woman prince\\n")
    >>> result = evaluate_analogies(kv, path)
    >>> result.accuracy, result.correct, result.total, result.coverage
    (1.0, 1, 1, 0.5)
    """
    if method not in ("3cosadd", "3cosmul"):
        raise ValueError(f"method must be '3cosadd' or '3cosmul', got {method!r}")
    lookup = _searchable_vocab(kv.index_to_key, restrict_vocab, case_insensitive)
    section_names, section_of_question, questions, covered_section = _read_analogies(path, lookup,
                                                                                     case_insensitive)
    n_search = min(restrict_vocab, len(kv.index_to_key))
    vectors = np.ascontiguousarray(kv.vectors[:n_search], dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1)
    # Row -> row of its case-folded form's first occurrence, so "is the answer d" is an integer test.
    folded_keys = [w.upper() if case_insensitive else w for w in kv.index_to_key[:n_search]]
    canonical = np.array([lookup[w] for w in folded_keys], dtype=np.int64)

    correct = np.zeros(len(questions), dtype=bool)
    rows_per_batch = max(1, _SCORES_PER_BATCH // max(n_search, 1) // (3 if method == "3cosmul" else 1))
    for start in range(0, len(questions), rows_per_batch):
        batch = questions[start:start + rows_per_batch]
        unit_a, unit_b, unit_c = (_unit_rows(vectors, norms, batch[:, j]) for j in range(3))
        scores = _analogy_scores(vectors, norms, unit_a, unit_b, unit_c, method)
        correct[start:start + len(batch)] = _answer_batch(scores, batch, canonical)

    sections = {}
    for section_id, section in enumerate(section_names):
        in_section = covered_section == section_id
        n_total, n_correct = int(in_section.sum()), int(correct[in_section].sum())
        sections[section] = (n_correct / n_total if n_total else 0.0, n_correct, n_total)
    n_total, n_correct = len(questions), int(correct.sum())
    return AnalogyResult(
        accuracy=n_correct / n_total if n_total else 0.0,
        correct=n_correct,
        total=n_total,
        coverage=n_total / len(section_of_question),
        questions=len(section_of_question),
        sections=sections,
    )


# ---------------------------------------------------------------------- word pairs
def evaluate_word_pairs(kv, path: str | os.PathLike, delimiter: str = "\t", restrict_vocab: int = 300000,
                        case_insensitive: bool = True, encoding: str = "utf8") -> WordPairsResult:
    """Correlation of cosine similarity with human judgements (WordSim-353, SimLex, ...), as gensim.

    Parameters
    ----------
    kv : KeyedVectors (or anything with ``vectors`` and ``index_to_key``)
    path : str or os.PathLike
        Lines ``word1<delimiter>word2<delimiter>score``; lines starting with ``#`` and blank lines
        are ignored, anything else malformed raises :class:`DatasetFormatError`.
    delimiter : str, default tab
    restrict_vocab : int, default 300000
        Pairs with a word outside the first ``restrict_vocab`` words are skipped and counted in
        ``oov_ratio``.
    case_insensitive : bool, default True
    encoding : str, default "utf8"

    Returns
    -------
    WordPairsResult

    Example
    -------
    >>> import os, tempfile, numpy as np
    >>> from negsample.vocab import Vocabulary
    >>> from negsample.keyedvectors import KeyedVectors
    >>> kv = KeyedVectors(np.array([[1, 0], [1, .2], [0, 1]], dtype=np.float32),
    ...                   Vocabulary(["cat", "dog", "car"], [3, 2, 1]))
    >>> path = os.path.join(tempfile.mkdtemp(), "pairs.tsv")
    >>> lines = ["# w1 w2 score", "cat\\tdog\\t8", "cat\\tcar\\t2", "dog\\tcar\\t3", "cat\\tyak\\t1"]
    >>> _ = open(path, "w").write("\\n".join(lines) + "\\n")
    >>> r = evaluate_word_pairs(kv, path)
    >>> round(r.spearman, 3), r.pairs, r.oov, r.oov_ratio
    (1.0, 3, 1, 25.0)
    """
    name = os.fspath(path)
    lookup = _searchable_vocab(kv.index_to_key, restrict_vocab, case_insensitive)
    left, right, gold = [], [], []
    oov = line_no = 0
    with open(path, encoding=encoding) as f:
        try:
            for line_no, line in enumerate(f, start=1):
                if line.startswith("#") or not line.strip():
                    continue
                fields = line.rstrip("\r\n").split(delimiter)
                if len(fields) != 3:
                    raise DatasetFormatError(
                        f"{name}, line {line_no}: expected 3 fields separated by {delimiter!r} "
                        f"(word, word, score), got {len(fields)}"
                    )
                # Words are compared as they stand (not stripped), exactly as gensim does.
                word1, word2, score = fields
                try:
                    score = float(score)
                except ValueError:
                    raise DatasetFormatError(
                        f"{name}, line {line_no}: score {score!r} is not a number"
                    ) from None
                if case_insensitive:
                    word1, word2 = word1.upper(), word2.upper()
                if word1 not in lookup or word2 not in lookup:
                    oov += 1
                    continue
                left.append(lookup[word1])
                right.append(lookup[word2])
                gold.append(score)
        except UnicodeDecodeError as exc:
            raise DatasetFormatError(
                f"{name}, line {line_no + 1}: not valid {encoding} ({exc.reason})"
            ) from None
    if not gold:
        raise DatasetFormatError(
            f"{name}: no pair with both words in the vocabulary ({oov} out-of-vocabulary)"
        )
    pair_vectors = np.asarray(kv.vectors[np.array(left + right)], dtype=np.float32)
    unit = _unit_rows(pair_vectors, np.linalg.norm(pair_vectors, axis=1), np.arange(len(pair_vectors)))
    model = np.einsum("ij,ij->i", unit[: len(gold)], unit[len(gold):]).astype(np.float64)
    gold = np.asarray(gold, dtype=np.float64)
    from scipy import stats  # here, not at the top: SciPy's statistics take ~0.5 s to import

    spearman = stats.spearmanr(gold, model)
    pearson = stats.pearsonr(gold, model)
    return WordPairsResult(
        pearson=float(pearson[0]),
        pearson_pvalue=float(pearson[1]),
        spearman=float(spearman[0]),
        spearman_pvalue=float(spearman[1]),
        oov_ratio=100.0 * oov / (len(gold) + oov),
        pairs=len(gold),
        oov=oov,
    )

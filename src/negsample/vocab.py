"""Vocabulary: word counts, the word <-> index maps, and pruning, as gensim builds them.

Words are sorted by descending count; words of equal count come in the *reverse* of the order in
which they first appeared (gensim 4's ``sort_by_descending_frequency``: ``np.lexsort((-index,
-count))`` over first-appearance order), so the same corpus gives gensim's indices, and a vectors
file from either library lists the words in the same order.

``trim_rule(word, count, min_count)`` decides per word as in gensim: :data:`RULE_KEEP`,
:data:`RULE_DISCARD`, or :data:`RULE_DEFAULT` (keep when ``count >= min_count``); gensim's own
``gensim.utils.RULE_*`` constants have the same values.

Example
-------
>>> from negsample.vocab import Vocabulary, VocabularyCounter
>>> counter = VocabularyCounter()
>>> counter.update(["the", "cat", "sat", "on", "the", "mat"])
>>> vocab = counter.build(min_count=1)
>>> vocab.index_to_key, vocab.counts.tolist()
(['the', 'mat', 'on', 'sat', 'cat'], [2, 1, 1, 1, 1])
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

__all__ = ["RULE_DEFAULT", "RULE_DISCARD", "RULE_KEEP", "Vocabulary", "VocabularyCounter", "keep_word"]

RULE_DEFAULT, RULE_DISCARD, RULE_KEEP = 0, 1, 2  # gensim.utils' values

TrimRule = Callable[[str, int, int], int]


def keep_word(word: str, count: int, min_count: int, trim_rule: TrimRule | None = None) -> bool:
    """Whether ``word`` stays: ``trim_rule``'s verdict, or ``count >= min_count`` (gensim's ``keep_vocab_item``).

    Example
    -------
    >>> keep_word("a", 3, 5), keep_word("a", 3, 5, lambda w, c, m: RULE_KEEP)
    (False, True)
    """
    if trim_rule is not None:
        verdict = trim_rule(word, int(count), int(min_count))
        if verdict == RULE_KEEP:
            return True
        if verdict == RULE_DISCARD:
            return False
    return count >= min_count


def effective_min_count(counts: np.ndarray, min_count: int, max_final_vocab: int | None) -> int:
    """``min_count``, raised just enough that at most ``max_final_vocab`` words remain; words tied at the
    cut are all dropped rather than chosen arbitrarily (gensim's rule).

    Example
    -------
    >>> effective_min_count(np.array([9, 5, 5, 5, 1]), 1, 2)
    6
    """
    if max_final_vocab is None:
        return min_count
    if max_final_vocab < 1:
        raise ValueError(f"max_final_vocab must be >= 1 or None, got {max_final_vocab}")
    counts = np.asarray(counts, dtype=np.int64)
    if max_final_vocab >= counts.shape[0]:
        return min_count
    cut = np.partition(counts, counts.shape[0] - 1 - max_final_vocab)[counts.shape[0] - 1 - max_final_vocab]
    return max(min_count, int(cut) + 1)


def _check_min_count(min_count) -> None:
    if min_count < 0:
        raise ValueError(f"min_count must be >= 0, got {min_count}")


class Vocabulary:
    """An ordered set of words with their corpus counts.

    Parameters
    ----------
    words : sequence of str
        The words, most frequent first.
    counts : array-like of int, shape (len(words),)
        Count of each word in the corpus.
    """

    def __init__(self, words: Iterable[str], counts: Iterable[int]):
        self.index_to_key: list[str] = list(words)
        self.counts: np.ndarray = np.asarray(list(counts) if not isinstance(counts, np.ndarray) else counts,
                                             dtype=np.int64)
        if self.counts.shape != (len(self.index_to_key),):
            raise ValueError(
                f"Vocabulary: got {len(self.index_to_key)} words but counts of shape {self.counts.shape}"
            )
        self.key_to_index: dict[str, int] = {w: i for i, w in enumerate(self.index_to_key)}
        if len(self.key_to_index) != len(self.index_to_key):
            raise ValueError("Vocabulary: words must be unique")

    @classmethod
    def from_counts(cls, counts: Mapping[str, int], *, min_count: int = 1, max_final_vocab: int | None = None,
                    trim_rule: TrimRule | None = None) -> Vocabulary:
        """The words of a mapping in its order (for a Counter: first appearance), as :meth:`from_word_counts`."""
        return cls.from_word_counts(list(counts.keys()), np.fromiter(counts.values(), np.int64, len(counts)),
                                    min_count=min_count, max_final_vocab=max_final_vocab, trim_rule=trim_rule)

    @classmethod
    def from_word_counts(cls, words: Sequence[str], counts: np.ndarray, *, min_count: int = 1,
                         max_final_vocab: int | None = None, trim_rule: TrimRule | None = None) -> Vocabulary:
        """Keep the words :func:`keep_word` keeps, sorted by descending count, ties in reverse input order.

        words : sequence of str, distinct, in order of first appearance; counts : int (len(words),)
        ``max_final_vocab`` raises the effective ``min_count`` (:func:`effective_min_count`), which
        is also what ``trim_rule`` is told, as in gensim.

        Example
        -------
        >>> Vocabulary.from_word_counts(["a", "b", "c", "d"], np.array([1, 2, 1, 2])).index_to_key
        ['d', 'b', 'c', 'a']
        """
        _check_min_count(min_count)
        counts = np.asarray(counts, dtype=np.int64)
        threshold = effective_min_count(counts, min_count, max_final_vocab)
        if trim_rule is None:
            kept = np.flatnonzero(counts >= threshold)
        else:
            kept = np.array([i for i, (w, c) in enumerate(zip(words, counts.tolist(), strict=True))
                             if keep_word(w, c, threshold, trim_rule)], dtype=np.int64)
        order = kept[np.lexsort((-kept, -counts[kept]))]
        return cls([words[i] for i in order.tolist()], counts[order])

    def updated(self, words: Sequence[str], counts: np.ndarray, *, min_count: int = 1,
                max_final_vocab: int | None = None, trim_rule: TrimRule | None = None,
                ) -> tuple[Vocabulary, np.ndarray]:
        """This vocabulary grown by the counts of more text, as gensim's ``build_vocab(update=True)``.

        Of the new text's words (``words`` in order of first appearance, ``counts`` as in
        :meth:`from_word_counts`), those :func:`keep_word` keeps and this vocabulary lacks are appended
        in that order (not sorted: existing indices never move). Every known word's count grows by
        its count in the new text, kept or not.

        Returns
        -------
        vocab : Vocabulary
        retained : int64 (n_retained,)
            Indices in ``vocab`` of the new text's kept words, known or new, in the new text's order.

        Example
        -------
        >>> vocab = Vocabulary(["a", "b"], [5, 3])
        >>> grown, retained = vocab.updated(["c", "a", "d"], np.array([2, 1, 1]), min_count=2)
        >>> grown.index_to_key, grown.counts.tolist(), retained.tolist()
        (['a', 'b', 'c'], [6, 3, 2], [2])
        """
        _check_min_count(min_count)
        counts = np.asarray(counts, dtype=np.int64)
        threshold = effective_min_count(counts, min_count, max_final_vocab)
        keys = list(self.index_to_key)
        totals = self.counts.copy()
        index = dict(self.key_to_index)
        added_counts, retained = [], []
        for word, count in zip(words, counts.tolist(), strict=True):
            known = index.get(word)
            if known is not None:
                totals[known] += count
            if not keep_word(word, count, threshold, trim_rule):
                continue
            if known is None:
                known = index[word] = len(keys)
                keys.append(word)
                added_counts.append(count)
            retained.append(known)
        grown = Vocabulary(keys, np.concatenate([totals, np.asarray(added_counts, dtype=np.int64)]))
        return grown, np.asarray(retained, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, word: object) -> bool:
        return word in self.key_to_index

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} words, {int(self.counts.sum())} tokens)"

    @property
    def total_count(self) -> int:
        """Sum of the counts of the kept words."""
        return int(self.counts.sum())


class VocabularyCounter:
    """Streaming word counter with bounded memory, pruning as gensim's ``scan_vocab``.

    With ``max_vocab_size`` set, after each sentence that leaves more distinct words than that, every
    word seen fewer than ``min_reduce`` times is dropped (unless ``trim_rule`` keeps it) and
    ``min_reduce`` grows by one, once per such sentence. ``min_reduce`` starts at 1, so the first
    prune drops nothing (gensim's scheme; the word2vec C tool drops one count more each time).
    Counts of pruned words are lost, so a word pruned early and seen again later is undercounted,
    exactly as in those tools.
    """

    def __init__(self, max_vocab_size: int | None = None, *, trim_rule: TrimRule | None = None):
        if max_vocab_size is not None and max_vocab_size < 1:
            raise ValueError(f"max_vocab_size must be >= 1 or None, got {max_vocab_size}")
        self.max_vocab_size = max_vocab_size
        self.trim_rule = trim_rule
        self.counts: Counter[str] = Counter()
        self.min_reduce = 1
        self.pruned = 0  # distinct words dropped by pruning so far

    def update(self, tokens: Sequence[str], lengths: Iterable[int] | None = None) -> None:
        """Count ``tokens``: the sentences of ``lengths`` tokens each, one after the other (default: one sentence).

        Counter.update runs in C; with ``max_vocab_size``, sentences are counted one by one only where
        the limit could be crossed.
        """
        limit = self.max_vocab_size
        if limit is None or len(self.counts) + len(tokens) <= limit:
            self.counts.update(tokens)  # no prune can happen in between
            return
        start = 0
        for n in [len(tokens)] if lengths is None else lengths:
            self.counts.update(tokens[start:start + n])
            start += n
            if len(self.counts) > limit:
                self._prune()

    def _prune(self) -> None:
        doomed = [w for w, c in self.counts.items() if not keep_word(w, c, self.min_reduce, self.trim_rule)]
        for w in doomed:
            del self.counts[w]
        self.pruned += len(doomed)
        self.min_reduce += 1

    def build(self, *, min_count: int = 1, max_final_vocab: int | None = None,
              trim_rule: TrimRule | None = None) -> Vocabulary:
        """The final :class:`Vocabulary` from what was counted."""
        return Vocabulary.from_counts(self.counts, min_count=min_count, max_final_vocab=max_final_vocab,
                                      trim_rule=trim_rule)

"""Vocabulary: word counts, the word <-> index maps, and pruning.

Words are sorted by descending count; ties keep the order in which the words first appeared in the
corpus (a stable sort over insertion order, as gensim does), so the same corpus always gives the same
indices.

Example
-------
>>> from negsample.vocab import Vocabulary, VocabularyCounter
>>> counter = VocabularyCounter()
>>> counter.update(["the", "cat", "sat", "on", "the", "mat"])
>>> vocab = counter.build(min_count=2)
>>> vocab.index_to_key, vocab.counts.tolist()
(['the'], [2])
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

__all__ = ["Vocabulary", "VocabularyCounter"]


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
    def from_counts(cls, counts: Mapping[str, int], *, min_count: int = 1,
                    max_final_vocab: int | None = None) -> Vocabulary:
        """Keep words with ``count >= min_count``, sorted by descending count (ties in the mapping's
        order, which for a Counter is first appearance); see :meth:`from_word_counts`."""
        return cls.from_word_counts(list(counts.keys()), np.fromiter(counts.values(), np.int64, len(counts)),
                                    min_count=min_count, max_final_vocab=max_final_vocab)

    @classmethod
    def from_word_counts(cls, words: Sequence[str], counts: np.ndarray, *, min_count: int = 1,
                         max_final_vocab: int | None = None) -> Vocabulary:
        """Keep words with ``count >= min_count``, sorted by descending count, ties in input order.

        words : sequence of str, distinct; counts : int (len(words),)
        ``max_final_vocab`` raises the effective ``min_count`` just enough that at most that many words
        remain; words tied at the cut are all dropped rather than chosen arbitrarily (gensim's rule).
        """
        if min_count < 1:
            raise ValueError(f"min_count must be >= 1, got {min_count}")
        counts = np.asarray(counts, dtype=np.int64)
        order = np.argsort(-counts, kind="stable")
        sorted_counts = counts[order]
        effective_min = min_count
        if max_final_vocab is not None:
            if max_final_vocab < 1:
                raise ValueError(f"max_final_vocab must be >= 1 or None, got {max_final_vocab}")
            if max_final_vocab < order.shape[0]:
                effective_min = max(effective_min, int(sorted_counts[max_final_vocab]) + 1)
        kept = order[:int(np.count_nonzero(sorted_counts >= effective_min))]
        return cls([words[i] for i in kept.tolist()], counts[kept])

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
    """Streaming word counter with bounded memory.

    With ``max_vocab_size`` set, whenever more distinct words than that are held, every word seen
    fewer than ``min_reduce`` times is dropped and ``min_reduce`` grows by one (the word2vec C tool's
    and gensim's scheme). Counts of pruned words are lost, so frequent words may be undercounted on
    huge corpora, exactly as in those tools.
    """

    def __init__(self, max_vocab_size: int | None = None):
        if max_vocab_size is not None and max_vocab_size < 1:
            raise ValueError(f"max_vocab_size must be >= 1 or None, got {max_vocab_size}")
        self.max_vocab_size = max_vocab_size
        self.counts: Counter[str] = Counter()
        self._min_reduce = 1
        self.pruned = 0  # distinct words dropped by pruning so far

    def update(self, tokens: Iterable[str]) -> None:
        """Count ``tokens`` (Counter.update runs in C, so no per-token Python loop)."""
        self.counts.update(tokens)
        if self.max_vocab_size is not None and len(self.counts) > self.max_vocab_size:
            self._prune()

    def _prune(self) -> None:
        while len(self.counts) > self.max_vocab_size:
            doomed = [w for w, c in self.counts.items() if c < self._min_reduce]
            for w in doomed:
                del self.counts[w]
            self.pruned += len(doomed)
            self._min_reduce += 1

    def build(self, *, min_count: int = 1, max_final_vocab: int | None = None) -> Vocabulary:
        """The final :class:`Vocabulary` from what was counted."""
        return Vocabulary.from_counts(self.counts, min_count=min_count, max_final_vocab=max_final_vocab)

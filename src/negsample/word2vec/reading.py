"""What ``build_vocab`` and ``train`` read from a corpus: raw word counts, and the encoding against a vocabulary.

:func:`count_words` is gensim's ``scan_vocab``: every word in order of first appearance with its
count, pruned sentence by sentence under ``max_vocab_size`` (:class:`~negsample.vocab.VocabularyCounter`),
plus how many sentences and tokens were read. :func:`encode` turns a corpus into the ids of a given
vocabulary (unknown words dropped): a file corpus through the compiled one-pass scanner, then one
array lookup per chunk; an iterable through :meth:`~negsample.word2vec.corpus.Corpus.encode`.

Example
-------
>>> from negsample.vocab import Vocabulary
>>> from negsample.word2vec.corpus import Corpus
>>> from negsample.word2vec.reading import count_words, encode
>>> corpus = Corpus([["a", "b", "a"], ["b", "c"]])
>>> raw = count_words(corpus)
>>> raw.words, raw.counts.tolist(), raw.sentences, raw.raw_words
(['a', 'b', 'c'], [2, 2, 1], 2, 5)
>>> [ids.tolist() for ids, _ in encode(corpus, Vocabulary(["b", "c"], [2, 1])).chunks]
[[0, 1]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..vocab import TrimRule, Vocabulary, VocabularyCounter
from .corpus import ChunkSink, Corpus, CorpusError, EncodedCorpus, in_vocabulary_only

__all__ = ["RawCounts", "count_words", "encode", "remap"]


@dataclass
class RawCounts:
    """A corpus's words in order of first appearance, their counts (int64), its non-empty sentences
    (long lines split at ``max_sentence_length``) and its tokens."""

    words: list[str]
    counts: np.ndarray
    sentences: int
    raw_words: int


def count_words(source: Corpus, *, max_vocab_size: int | None = None, trim_rule: TrimRule | None = None,
                progress: bool = False) -> RawCounts:
    """One pass counting words, pruned once per sentence over ``max_vocab_size`` as gensim does.

    Raises :class:`CorpusError` when the corpus holds no token.
    """
    counter = VocabularyCounter(max_vocab_size, trim_rule=trim_rule)
    sentences = 0
    with source.progress_bar("counting", progress) as bar:  # shown once counting takes over a second
        for block in source.blocks(bar.update):
            counter.update(block.tokens, block.lengths)
            sentences += len(block.lengths)
    if source.raw_words == 0:
        raise CorpusError(f"corpus {source.name} is empty: no tokens found")
    counts = np.fromiter(counter.counts.values(), np.int64, len(counter.counts))
    return RawCounts(list(counter.counts), counts, sentences, source.raw_words)


def encode(source: Corpus, vocab: Vocabulary, *, progress: bool = False, workers: int = 1) -> EncodedCorpus:
    """The corpus as int32 ids of ``vocab``; words it lacks are dropped, then sentences left with one word."""
    if not source.reads_once():
        return source.encode(vocab, progress=progress)
    every, encoded = source.count_and_encode(min_count=1, progress=progress, workers=workers)
    lookup = np.fromiter(map(vocab.key_to_index.get, every.index_to_key, [-1] * len(every)), np.int32, len(every))
    return remap(encoded, lookup)


def remap(encoded: EncodedCorpus, lookup: np.ndarray) -> EncodedCorpus:
    """``encoded`` with every id ``i`` replaced by ``lookup[i]`` (-1 drops the token); closes ``encoded``."""
    sink = ChunkSink()
    chunks, encoded.chunks = encoded.chunks, []
    chunks.reverse()
    while chunks:  # pop, so that each old chunk can be freed once mapped
        ids, lengths = chunks.pop()
        sink.add(*in_vocabulary_only(lookup[ids], np.asarray(lengths, dtype=np.int64)))
        del ids, lengths
    raw_words = encoded.raw_words
    encoded.close()
    return sink.finish(raw_words=raw_words)

"""Read a file corpus once: count the words and keep every token as a provisional id.

The two-pass reader (:meth:`~negsample.word2vec.corpus.Corpus.count_words`, then ``encode``) splits and looks up
every token twice in Python. Here the compiled scanner (:mod:`negsample._kernels.tokenize`) does
both in one pass over the bytes; words get provisional ids in order of first appearance, and once
the vocabulary is known, one array lookup per chunk turns them into vocabulary ids. The result is
the same vocabulary and the same encoded corpus as the two-pass reader (the tests check both).

Example
-------
>>> import pathlib, tempfile
>>> from negsample.word2vec.corpus.scan import scan_files
>>> path = pathlib.Path(tempfile.mkdtemp()) / "corpus.txt"
>>> _ = path.write_text("a b a\\nb c\\n")
>>> scanned = scan_files([path])
>>> scanned.words, scanned.counts.tolist()
(['a', 'b', 'c'], [2, 2, 1])
>>> vocab = scanned.build(min_count=2)
>>> [ids.tolist() for ids, _ in scanned.encode(vocab).chunks]
[[1, 0, 1]]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

import numpy as np

from ..._kernels.tokenize import (
    ARENA_USED,
    N_IDS,
    N_LENGTHS,
    N_WORDS,
    RAW_TOKENS,
    SENTENCE_TOKENS,
    STATE_FIELDS,
    rehash,
    scan_block,
)
from ...vocab import Vocabulary
from .encoded import SPILL_TOKENS, ChunkSink, EncodedCorpus, in_vocabulary_only
from .text import CorpusError, invalid_bytes_seen, utf8_blocks

__all__ = ["ScannedCorpus", "scan_files", "warm_up_scanner"]


class _WordTable:
    """The scanner's hash table and word store (layout in :mod:`negsample._kernels.tokenize`),
    grown by doubling whenever the scanner reports that a new word does not fit."""

    def __init__(self, capacity: int = 1 << 14):
        self.table = np.full(2 * capacity, -1, np.int32)
        self.word_start = np.zeros(capacity, np.int64)
        self.word_len = np.zeros(capacity, np.int32)
        self.hashes = np.zeros(capacity, np.uint64)
        self.counts = np.zeros(capacity, np.int64)
        self.arena = np.zeros(8 * capacity, np.uint8)

    def arrays(self):
        return self.table, self.word_start, self.word_len, self.hashes, self.counts, self.arena

    def grow(self, n_words: int, arena_used: int, next_word_bytes: int) -> None:
        capacity = self.hashes.shape[0]
        if n_words >= capacity:  # the table has 2 * capacity slots, so it is half full exactly then
            capacity *= 2
            for name in ("word_start", "word_len", "hashes", "counts"):
                old = getattr(self, name)
                new = np.zeros(capacity, old.dtype)
                new[:n_words] = old[:n_words]
                setattr(self, name, new)
            self.table = np.full(2 * capacity, -1, np.int32)
            rehash(self.table, self.hashes, n_words)
        if arena_used + next_word_bytes + 1 > self.arena.shape[0]:
            size = max(2 * self.arena.shape[0], arena_used + next_word_bytes + 1)
            arena = np.zeros(size, np.uint8)
            arena[:arena_used] = self.arena[:arena_used]
            self.arena = arena


@dataclass
class ScannedCorpus:
    """What one reading pass found.

    Attributes
    ----------
    words : list of str -- every distinct word, in order of first appearance
    counts : int64 (len(words),) -- how often each occurs
    provisional : EncodedCorpus -- every token as its index in ``words`` (no word dropped yet)
    raw_words : int -- tokens read
    invalid_bytes : int -- bytes that were not UTF-8 and read as U+FFFD
    spill_tokens : int -- encoded ids held in memory before chunks go to disk
    """

    words: list[str]
    counts: np.ndarray
    provisional: EncodedCorpus
    raw_words: int
    invalid_bytes: int
    spill_tokens: int

    @property
    def most_common(self) -> tuple[str, int]:
        top = int(np.argmax(self.counts))  # the first of the most frequent, as Counter.most_common
        return self.words[top], int(self.counts[top])

    def build(self, *, min_count: int = 1, max_final_vocab: int | None = None) -> Vocabulary:
        """The vocabulary, as :meth:`~negsample.vocab.VocabularyCounter.build` would give it from the same counts."""
        return Vocabulary.from_word_counts(self.words, self.counts, min_count=min_count,
                                           max_final_vocab=max_final_vocab)

    def encode(self, vocab: Vocabulary) -> EncodedCorpus:
        """Vocabulary ids, chunk by chunk; frees the provisional ids as it goes."""
        to_vocab = np.fromiter(map(vocab.key_to_index.get, self.words, repeat(-1)), dtype=np.int32,
                               count=len(self.words))
        sink = ChunkSink(self.spill_tokens)
        chunks, self.provisional.chunks = self.provisional.chunks, []
        chunks.reverse()
        while chunks:  # pop, so that each provisional chunk is freed once encoded
            ids, lengths = chunks.pop()
            sink.add(*in_vocabulary_only(to_vocab[ids], np.asarray(lengths, dtype=np.int64)))
            del ids, lengths
        self.provisional.close()
        return sink.finish(raw_words=self.raw_words)


def scan_files(files: Sequence[str | Path], *, max_sentence_length: int = 10000, name: str | None = None,
               spill_tokens: int = SPILL_TOKENS, on_bytes: Callable[[int], object] | None = None) -> ScannedCorpus:
    """Read the text files once, in order, with the compiled scanner.

    Lines longer than ``max_sentence_length`` tokens are split, as the Python reader does.
    ``name`` is what errors call the corpus (default: the first file). ``on_bytes(n)`` hears of
    every block read, with its size on disk (for a progress bar).
    Raises :class:`~negsample.word2vec.corpus.text.CorpusError` when the files hold no token at all.
    """
    files = [Path(f) for f in files]
    name = str(files[0]) if name is None and files else name
    words = _WordTable()
    state = np.zeros(STATE_FIELDS, np.int64)
    sink = ChunkSink(spill_tokens)
    carry = b""  # the start of a token that may continue in the next block
    open_ids = np.zeros(0, np.int32)  # tokens of the sentence still open at the end of a block
    for data, last in utf8_blocks(files, on_bytes):
        text = np.frombuffer(carry + data if carry else data, dtype=np.uint8)
        # At most one token per two bytes, and at most one sentence per token.
        room = open_ids.shape[0] + (text.shape[0] + 1) // 2 + 1
        ids = np.empty(room, np.int32)
        lengths = np.empty(room, np.int32)
        ids[:open_ids.shape[0]] = open_ids
        state[N_IDS], state[N_LENGTHS] = open_ids.shape[0], 0
        stop = 0
        while True:
            stop, full = scan_block(text, stop, last, *words.arrays(), ids, lengths, state,
                                    max_sentence_length)
            if not full:
                break
            # The next token is at most the rest of the block long.
            words.grow(int(state[N_WORDS]), int(state[ARENA_USED]), text.shape[0] - stop)
        complete = int(state[N_IDS] - state[SENTENCE_TOKENS])
        open_ids = ids[complete:state[N_IDS]].copy()
        carry = text[stop:].tobytes()
        sink.add(ids[:complete].copy(), lengths[:state[N_LENGTHS]].copy())
    raw = int(state[RAW_TOKENS])
    if raw == 0:
        raise CorpusError(f"corpus {name} is empty: no tokens found")
    n_words = int(state[N_WORDS])
    # Words hold no whitespace, so one decode and split recovers them all, in first-appearance order.
    names = words.arena[:state[ARENA_USED] - 1].tobytes().decode("utf-8").split("\n")
    return ScannedCorpus(words=names, counts=words.counts[:n_words].copy(),
                         provisional=sink.finish(raw_words=raw), raw_words=raw, invalid_bytes=invalid_bytes_seen(),
                         spill_tokens=spill_tokens)


def warm_up_scanner() -> None:
    """Compile (or load from the cache) the scanner's kernels on a tiny input."""
    words = _WordTable(capacity=1)
    state = np.zeros(STATE_FIELDS, np.int64)
    room = np.empty(4, np.int32)
    scan_block(np.frombuffer(b"a b", np.uint8), 0, True, *words.arrays(), room, room.copy(), state, 10)
    words.grow(int(state[N_WORDS]), int(state[ARENA_USED]), 1)

"""Read a file corpus once: count the words and keep every token as a provisional id, in parallel.

The two-pass reader (:meth:`~negsample.word2vec.corpus.Corpus.count_words`, then ``encode``) splits
and looks up every token twice in Python. Here the compiled scanner
(:mod:`negsample._kernels.tokenize`) does both in one pass over the bytes, and with several workers
each reads its own part of the corpus: large plain files are cut into byte ranges just after a
newline (or, in a file without one, just after a space before a token:
:mod:`~negsample.word2vec.corpus.parts`), other files are read whole, and the threads scan them at
once (the kernel runs without the GIL). Each part finds its words in its own first-appearance order;
merging the parts in corpus order gives every word the place of its first appearance in the whole
corpus, and sentences are cut to ``max_sentence_length`` only after the parts' lines are stitched
back together. So the vocabulary and the encoded corpus are the same for any number of workers, and
the same as the two-pass reader's (the tests check both).

Example
-------
>>> import pathlib, tempfile
>>> from negsample.word2vec.corpus.scan import scan_files
>>> path = pathlib.Path(tempfile.mkdtemp()) / "corpus.txt"
>>> _ = path.write_text("a b a\\nb c a\\n")
>>> scanned = scan_files([path], workers=2)
>>> scanned.words, scanned.counts.tolist()
(['a', 'b', 'c'], [3, 2, 1])
>>> vocab = scanned.build(min_count=2)
>>> [(ids.tolist(), lengths.tolist()) for ids, lengths in scanned.encode(vocab).chunks]
[([0, 1, 0, 1, 0], [3, 2])]
"""

from __future__ import annotations

import os
import threading
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

import numpy as np

from ..._kernels.tokenize import (
    ARENA_USED,
    EMPTY,
    ENC_LEFT,
    ENC_N_IDS,
    ENC_N_LENGTHS,
    ENCODE_FIELDS,
    N_IDS,
    N_LENGTHS,
    N_WORDS,
    RAW_TOKENS,
    SENTENCE_TOKENS,
    STATE_FIELDS,
    encode_tokens,
    rehash,
    scan_block,
    sentence_pieces,
    slot_counts,
)
from ...vocab import Vocabulary
from . import encoded as encoded_module
from .encoded import SPILL_TOKENS, ChunkSink, EncodedCorpus
from .parts import Part, plan_parts
from .text import CorpusError, ReadStats, utf8_blocks

__all__ = ["ScannedCorpus", "scan_files", "warm_up_scanner"]

_WHOLE_LINES = 2**31 - 1  # the kernel ends sentences at newlines only; pieces are cut after stitching
_NO_LENGTHS = np.zeros(0, np.int32)


class _Stopped(Exception):
    """A part stopped reading because another failed (whose error is the one reported)."""


class _WordTable:
    """The scanner's hash table and word store (layout in :mod:`negsample._kernels.tokenize`) with
    the scanner's state, grown by doubling whenever the scanner reports that a new word does not fit."""

    def __init__(self, capacity: int = 1 << 14):
        self.slots = np.full((2 * capacity, 4), EMPTY, np.int64)
        self.word_start = np.zeros(capacity, np.int64)
        self.arena = np.zeros(8 * capacity, np.uint8)
        self.state = np.zeros(STATE_FIELDS, np.int64)

    @property
    def n_words(self) -> int:
        return int(self.state[N_WORDS])

    def arrays(self):
        return self.slots, self.word_start, self.arena

    def scan(self, text: np.ndarray, last: bool, ids: np.ndarray, lengths: np.ndarray) -> int:
        """Scan ``text`` (uint8) into ``ids`` and ``lengths`` (written from ``state[N_IDS]`` and
        ``state[N_LENGTHS]`` on), growing the table as needed; returns where the kernel stopped (the
        start of a token that may continue in the next block, or the end)."""
        at = 0
        while True:
            at, full = scan_block(text, at, last, *self.arrays(), ids, lengths, self.state, _WHOLE_LINES)
            if not full:
                return at
            self.grow(self.n_words, int(self.state[ARENA_USED]), text.shape[0] - at)  # the token fits in the rest

    def grow(self, n_words: int, arena_used: int, next_word_bytes: int) -> None:
        capacity = self.word_start.shape[0]
        if n_words >= capacity:  # the table has 2 * capacity slots, so it is half full exactly then
            capacity *= 2
            word_start = np.zeros(capacity, np.int64)
            word_start[:n_words] = self.word_start[:n_words]
            self.word_start = word_start
            slots = np.full((2 * capacity, 4), EMPTY, np.int64)
            rehash(slots, self.slots)
            self.slots = slots
        if arena_used + next_word_bytes + 1 > self.arena.shape[0]:
            size = max(2 * self.arena.shape[0], arena_used + next_word_bytes + 1)
            arena = np.zeros(size, np.uint8)
            arena[:arena_used] = self.arena[:arena_used]
            self.arena = arena

    def text(self) -> np.ndarray:
        """The words in first-appearance order, each followed by a newline (uint8, read-only as the
        blocks of a file are, so that the scanner is compiled once): text that :meth:`scan` reads
        back into the same words."""
        text = self.arena[:int(self.state[ARENA_USED])]
        text.flags.writeable = False
        return text

    def words(self) -> list[str]:
        # Words hold no whitespace, so one decode and split recovers them all, in first-appearance order.
        used = int(self.state[ARENA_USED])
        return self.arena[:used - 1].tobytes().decode("utf-8").split("\n") if used else []

    def counts(self) -> np.ndarray:
        return slot_counts(self.slots, self.n_words)


@dataclass
class PartScan:
    """What reading one :class:`Part` found.

    table : its distinct words in their order of first appearance (within the part), dropped
    once merged; counts : int64 (n_words,); tokens : its tokens as indices into the table's words (chunks of an
    EncodedCorpus whose sentence lengths are unused); lines : int64, the token counts of the lines
    that end in the part (the first may continue the previous part's last); open_tokens : tokens of
    the line still open at the part's end (0 when the part ends a file); raw_words : tokens read.
    """

    table: _WordTable | None
    counts: np.ndarray
    tokens: EncodedCorpus
    lines: np.ndarray
    open_tokens: int
    raw_words: int


@dataclass
class ScannedCorpus:
    """What one reading pass found, merged over the parts in corpus order.

    Attributes
    ----------
    words : list of str -- every distinct word, in order of first appearance
    counts : int64 (len(words),) -- how often each occurs
    sentence_lengths : int32 -- every sentence's token count (lines cut to ``max_sentence_length``)
    parts : list of PartScan -- the parts' provisional tokens, freed by :meth:`encode`
    raw_words : int -- tokens read
    invalid_bytes : int -- bytes that were NUL or not UTF-8 (read as U+FFFD)
    spill_tokens : int -- encoded ids held in memory before chunks go to disk
    """

    words: list[str]
    counts: np.ndarray
    sentence_lengths: np.ndarray
    parts: list[PartScan]
    remaps: list[np.ndarray | None]
    raw_words: int
    invalid_bytes: int
    spill_tokens: int
    workers: int = 1

    @property
    def most_common(self) -> tuple[str, int]:
        top = int(np.argmax(self.counts))  # the first of the most frequent, as Counter.most_common
        return self.words[top], int(self.counts[top])

    def build(self, *, min_count: int = 1, max_final_vocab: int | None = None) -> Vocabulary:
        """The vocabulary, as :meth:`~negsample.vocab.VocabularyCounter.build` would give it from the same counts."""
        return Vocabulary.from_word_counts(self.words, self.counts, min_count=min_count,
                                           max_final_vocab=max_final_vocab)

    def encode(self, vocab: Vocabulary, on_tokens: Callable[[int], object] | None = None) -> EncodedCorpus:
        """Vocabulary ids in chunks of whole sentences; frees the provisional ids as it goes.
        ``on_tokens(n)`` hears of every chunk of ``n`` tokens encoded.

        The sentences are cut into groups of about ``CHUNK_TOKENS`` tokens (where they fall does not
        depend on the parts), ``workers`` threads encode groups at once (the kernel runs without the
        GIL), and their results join the corpus in order: the same chunks for any number of workers.
        """
        to_vocab = np.fromiter(map(vocab.key_to_index.get, self.words, repeat(-1)), dtype=np.int32,
                               count=len(self.words))
        stream = _TokenStream(self.parts, self.remaps, to_vocab)
        self.parts, self.remaps = [], []
        lengths, self.sentence_lengths = self.sentence_lengths, _NO_LENGTHS
        sink = ChunkSink(self.spill_tokens)
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        threads = min(self.workers, cores)  # more threads than cores would only hold more groups in memory
        pool = ThreadPoolExecutor(max_workers=threads) if threads > 1 else None
        try:
            for ids, kept_lengths, stop_token in _in_order(pool, 2 * threads, _encode_group,
                                                           ((stream, lengths, g) for g in _groups(lengths))):
                sink.add(ids, kept_lengths)
                if on_tokens is not None:
                    on_tokens(stop_token - stream.released)
                stream.release(stop_token)
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
            stream.close()
        return sink.finish(raw_words=self.raw_words)

    def close(self) -> None:
        """Drop the provisional tokens (and their spill folders) without encoding them."""
        for part in self.parts:
            part.tokens.close()
        self.parts, self.remaps = [], []


class _TokenStream:
    """The parts' provisional chunks in corpus order, each with its map to vocabulary ids; chunks
    are dropped as encoding passes them."""

    def __init__(self, parts: list[PartScan], remaps: list[np.ndarray | None], to_vocab: np.ndarray):
        self.sources = [part.tokens for part in parts]  # closed at the end (spill folders)
        self.chunks, self.maps, self.starts = [], [], []
        at = 0
        for part, remap in zip(parts, remaps):
            part_map = to_vocab if remap is None else to_vocab[remap]
            for ids, _ in part.tokens.chunks:
                self.chunks.append(ids)
                self.maps.append(part_map)
                self.starts.append(at)
                at += ids.shape[0]
            part.tokens.chunks = []
        self.starts.append(at)
        self.released = 0

    def segments(self, start: int, stop: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """``(provisional ids, their map)`` covering the tokens ``[start, stop)`` of the corpus."""
        k = bisect_right(self.starts, start) - 1
        while start < stop:
            offset = start - self.starts[k]
            n = min(stop, self.starts[k + 1]) - start
            if n > 0:
                yield self.chunks[k][offset:offset + n], self.maps[k]
            start += n
            k += 1

    def release(self, stop: int) -> None:
        """Drop the chunks that end at or before token ``stop``."""
        k = bisect_right(self.starts, self.released) - 1
        while k + 1 < len(self.starts) and self.starts[k + 1] <= stop:
            self.chunks[k] = self.maps[k] = None
            k += 1
        self.released = stop

    def close(self) -> None:
        self.chunks, self.maps = [], []
        for source in self.sources:
            source.close()


def _groups(lengths: np.ndarray) -> Iterator[tuple[int, int, int, int]]:
    """``(first, stop, start_token, stop_token)``: sentences ``[first, stop)`` hold the tokens
    ``[start_token, stop_token)``, the fewest whole sentences that reach ``CHUNK_TOKENS`` tokens."""
    ends = np.cumsum(lengths, dtype=np.int64)
    first = 0
    while first < lengths.shape[0]:
        done = int(ends[first - 1]) if first else 0
        stop = int(np.searchsorted(ends, done + encoded_module.CHUNK_TOKENS, side="left")) + 1
        stop = min(max(stop, first + 1), lengths.shape[0])
        yield first, stop, done, int(ends[stop - 1])
        first = stop


def _encode_group(stream: _TokenStream, lengths: np.ndarray, group: tuple[int, int, int, int]):
    """One group's kept ids and sentence lengths (int32), and the token where it stops."""
    first, stop, start_token, stop_token = group
    group_lengths = lengths[first:stop]
    ids = np.empty(stop_token - start_token, np.int32)
    kept_lengths = np.empty(stop - first, np.int32)
    state = np.zeros(ENCODE_FIELDS, np.int64)
    state[ENC_LEFT] = group_lengths[0]
    for tokens, to_vocab in stream.segments(start_token, stop_token):
        encode_tokens(tokens, to_vocab, group_lengths, state, ids, kept_lengths)
    return ids[:state[ENC_N_IDS]], kept_lengths[:state[ENC_N_LENGTHS]], stop_token


def _in_order(pool: ThreadPoolExecutor | None, ahead: int, work: Callable, items: Iterator) -> Iterator:
    """``work(*item)`` for every item, in order: in ``pool`` with ``ahead`` items in flight, or here."""
    if pool is None:
        for item in items:
            yield work(*item)
        return
    pending: deque[Future] = deque()
    for item in items:
        pending.append(pool.submit(work, *item))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def scan_files(files: Sequence[str | Path], *, max_sentence_length: int = 10000, name: str | None = None,
               spill_tokens: int = SPILL_TOKENS, on_bytes: Callable[[int], object] | None = None,
               workers: int = 1, stats: ReadStats | None = None) -> ScannedCorpus:
    """Read the text files once, in ``workers`` threads, with the compiled scanner.

    Lines longer than ``max_sentence_length`` tokens are split, as the Python reader does.
    ``name`` is what errors call the corpus (default: the first file). ``on_bytes(n)`` hears of
    every block read, with its size on disk (for a progress bar). ``stats`` collects the bytes read
    and replaced per file (and sets the share of invalid bytes that stops reading).
    Raises :class:`~negsample.word2vec.corpus.text.CorpusError` when the files hold no token at all.
    """
    files = [Path(f) for f in files]
    name = str(files[0]) if name is None and files else name
    stats = stats if stats is not None else ReadStats()
    parts = plan_parts(files, workers)
    lock, stop = threading.Lock(), threading.Event()

    def heard(n: int) -> None:
        with lock:
            on_bytes(n)

    def scan(part: Part) -> PartScan:
        return _scan_part(part, stats, heard if on_bytes is not None else None,
                          max(1, spill_tokens // len(parts)), stop)

    if workers > 1 and len(parts) > 1:
        pool = ThreadPoolExecutor(max_workers=min(workers, len(parts)))
        try:
            futures = [pool.submit(scan, part) for part in parts]
            wait(futures, return_when=FIRST_EXCEPTION)
            if any(f.done() and f.exception() is not None for f in futures):
                stop.set()  # the other parts stop at their next block
                wait(futures)
                raise next(e for e in map(Future.exception, futures) if e is not None and not isinstance(e, _Stopped))
            scans = [future.result() for future in futures]
        finally:
            stop.set()  # an interrupt: the parts stop at their next block
            pool.shutdown(wait=True, cancel_futures=True)
    else:
        scans = [scan(part) for part in parts]
    raw = sum(s.raw_words for s in scans)
    if raw == 0:
        raise CorpusError(f"corpus {name} is empty: no tokens found")
    words, counts, remaps = _merge_words(scans)
    lines = _stitch_lines(scans)
    return ScannedCorpus(words=words, counts=counts, sentence_lengths=sentence_pieces(lines, max_sentence_length),
                         parts=scans, remaps=remaps, raw_words=raw, invalid_bytes=stats.invalid_bytes(),
                         spill_tokens=spill_tokens, workers=workers)


def _scan_part(part: Part, stats: ReadStats, on_bytes, spill_tokens: int, stop: threading.Event) -> PartScan:
    table = _WordTable()
    state = table.state
    sink = ChunkSink(spill_tokens)
    lines = []
    carry = b""  # the start of a token that may continue in the next block
    # The kernel writes ids straight into a buffer that becomes a chunk once the next block might not
    # fit (no copy per block); untouched pages of the buffer cost no memory.
    ids = lengths = _NO_LENGTHS
    for data, last in utf8_blocks([part.path], on_bytes, stats=stats, start=part.start, stop=part.stop):
        if stop.is_set():
            sink.finish(raw_words=0).close()
            raise _Stopped
        text = np.frombuffer(carry + data if carry else data, dtype=np.uint8)
        room = (text.shape[0] + 1) // 2 + 1  # at most one token per two bytes, one sentence per token
        if ids.shape[0] - state[N_IDS] < room:
            _add_ids(sink, ids, int(state[N_IDS]))
            ids = np.empty(max(4 * room, encoded_module.CHUNK_TOKENS), np.int32)
            state[N_IDS] = 0
        if lengths.shape[0] < room:
            lengths = np.empty(room, np.int32)
        state[N_LENGTHS] = 0
        at = table.scan(text, last, ids, lengths)
        lines.append(lengths[:state[N_LENGTHS]].astype(np.int64))
        carry = text[at:].tobytes()
    _add_ids(sink, ids, int(state[N_IDS]))
    return PartScan(table=table, counts=table.counts(), tokens=sink.finish(raw_words=int(state[RAW_TOKENS])),
                    lines=np.concatenate(lines) if lines else np.zeros(0, np.int64),
                    open_tokens=int(state[SENTENCE_TOKENS]), raw_words=int(state[RAW_TOKENS]))


def _add_ids(sink: ChunkSink, ids: np.ndarray, n: int) -> None:
    if n:  # the first n ids of a buffer, as a chunk (copied if they fill less than half of it)
        sink.add(ids[:n] if 2 * n >= ids.shape[0] else ids[:n].copy(), _NO_LENGTHS)


def _merge_words(scans: list[PartScan]) -> tuple[list[str], np.ndarray, list[np.ndarray | None]]:
    """The corpus's words in first-appearance order, their counts, and each part's map from its
    word indices to the corpus's (None: the same indices).

    The first part's table takes in every later part's words, in that part's order, by scanning
    them as text: a word it knows gets its index, a new one the next (its first appearance in the
    corpus is in that part). No Python object per word is made but the final list.
    """
    table = scans[0].table
    remaps: list[np.ndarray | None] = [None]
    for part in scans[1:]:
        n = part.table.n_words
        ids = np.empty(n + 1, np.int32)
        lengths = np.empty(n + 1, np.int32)
        table.state[N_IDS] = table.state[N_LENGTHS] = 0
        table.scan(part.table.text(), True, ids, lengths)
        remaps.append(ids[:n])
        part.table = None
    counts = np.zeros(table.n_words, np.int64)
    counts[:scans[0].counts.shape[0]] = scans[0].counts
    for part, remap in zip(scans[1:], remaps[1:]):
        counts[remap] += part.counts  # a part's indices are distinct
    words = table.words()
    scans[0].table = None
    return words, counts, remaps


def _stitch_lines(scans: list[PartScan]) -> np.ndarray:
    """Every line's token count: a part's first line continues the previous part's open one."""
    lines, carry = [], 0
    for part in scans:
        if part.lines.shape[0]:
            first = part.lines[:1] + carry
            lines += [first, part.lines[1:]]
            carry = part.open_tokens
        else:
            carry += part.open_tokens
    return np.concatenate(lines) if lines else np.zeros(0, np.int64)


def warm_up_scanner() -> None:
    """Compile (or load from the cache) the scanner's kernels on a tiny input."""
    table = _WordTable(capacity=1)
    room = np.empty(4, np.int32)
    table.scan(np.frombuffer(b"a b a", np.uint8), True, room, room.copy())  # grows the table too
    table.counts()
    tokens = np.zeros(3, np.int32)
    for writable in (True, False):  # provisional ids in memory, and spilled ones (read-only memory maps)
        tokens.flags.writeable = writable
        state = np.zeros(ENCODE_FIELDS, np.int64)
        state[ENC_LEFT] = 3
        encode_tokens(tokens, np.array([0], np.int32), np.array([3], np.int32), state, room.copy(), room.copy())
    sentence_pieces(np.array([3], np.int64), 2)

"""Streaming corpus readers and the int32 encoding the kernels train on.

A corpus is a plain or ``.gz`` text file, a directory of such files, or any re-iterable of token lists.
A line is a sentence and tokens are split on whitespace. Lines longer than ``max_sentence_length``
tokens are split into several sentences (never silently truncated). Invalid UTF-8 bytes are replaced
with U+FFFD and counted, so one warning can report them after a pass.

:meth:`Corpus.count_and_encode` is what training calls. Files are read once, by the compiled
scanner in :mod:`negsample.scan` (~8x faster than the Python passes below, and the same result).
Iterables, and ``max_vocab_size`` (which prunes while counting), take two Python passes:
:meth:`Corpus.count_words`, then :meth:`Corpus.encode`. There, reading happens in blocks of whole
lines: each block becomes a flat token list plus sentence lengths, and encoding maps the whole block
at once with ``map(dict.get, ...)`` inside ``np.fromiter`` (no per-token Python bytecode).

The encoded corpus is a list of chunks of ``int32`` ids with ``int32`` sentence lengths; past
``spill_tokens`` ids the chunks go to ``.npy`` files in a temporary folder and are memory-mapped back
(:class:`ChunkSink`), so a corpus larger than memory streams.

Example
-------
>>> from negsample.corpus import Corpus
>>> corpus = Corpus([["a", "b", "a"], ["b", "c"]])
>>> counter = corpus.count_words()
>>> vocab = counter.build(min_count=2)
>>> encoded = corpus.encode(vocab)
>>> encoded.n_words, [ids.tolist() for ids, _ in encoded.chunks]
(3, [[0, 1, 0]])
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import os
import shutil
import sys
import tempfile
import threading
import warnings
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

import numpy as np

from .vocab import Vocabulary, VocabularyCounter

__all__ = ["ChunkSink", "Corpus", "CorpusError", "EncodedCorpus", "TokenBlock", "in_vocabulary_only"]

_BLOCK_BYTES = 1 << 22  # 4 MiB of text per block
_CHUNK_TOKENS = 1 << 20  # ids per encoded chunk
_SPILL_TOKENS = 1 << 28  # encoded ids held in memory before chunks go to disk (1 GiB of int32)


class CorpusError(ValueError):
    """The corpus is missing, empty or unreadable; the message names the source."""


# One replacement handler for the whole process; counts live in a thread-local so that two corpora
# read in two threads keep separate tallies.
_tally = threading.local()


def _count_and_replace(exc: UnicodeDecodeError):
    _tally.invalid = getattr(_tally, "invalid", 0) + (exc.end - exc.start)
    return "\ufffd", exc.end


codecs.register_error("negsample.count_replace", _count_and_replace)


def _utf8_decoder():
    """An incremental UTF-8 decoder that replaces invalid bytes and counts them (see ``_tally``)."""
    return codecs.getincrementaldecoder("utf-8")(errors="negsample.count_replace")


@contextlib.contextmanager
def _open_corpus_file(path: Path):
    """Open a corpus file for binary reading (``.gz`` decompressed); any read error in the block
    becomes a :class:`CorpusError` that names the file."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            yield fh
    except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
        raise CorpusError(f"cannot read corpus file {path}: {exc}") from exc


@dataclass
class TokenBlock:
    """Sentences of one block: ``tokens`` flat, ``lengths[i]`` tokens in sentence i (all > 0)."""

    tokens: list[str]
    lengths: list[int]


@dataclass
class EncodedCorpus:
    """A corpus as int32 ids (in-vocabulary words only) in chunks.

    Attributes
    ----------
    chunks : list of (ids, lengths)
        ``ids``: int32, shape (n,); ``lengths``: int32, shape (n_sentences,), summing to n.
        Sentences left with fewer than 2 in-vocabulary words are dropped: they give no training pair.
    n_words : int
        In-vocabulary tokens kept (sum over chunks).
    raw_words : int
        Tokens read, including out-of-vocabulary ones.
    """

    chunks: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    n_words: int = 0
    raw_words: int = 0
    _spill_dir: str | None = None

    def close(self) -> None:
        """Drop the chunks and delete any spilled files."""
        self.chunks = []
        if self._spill_dir is not None:
            shutil.rmtree(self._spill_dir, ignore_errors=True)
            self._spill_dir = None

    def __del__(self):
        self.close()


class Corpus:
    """A re-readable source of sentences.

    Parameters
    ----------
    source : str, os.PathLike, or re-iterable of token lists
        A text file (``.gz`` is decompressed), a directory (its non-hidden files, sorted by name,
        not recursive), or e.g. a list of lists of str.
    max_sentence_length : int, default 10000
        Longer lines are split into pieces of at most this many tokens.
    """

    def __init__(self, source, *, max_sentence_length: int = 10000):
        if max_sentence_length < 1:
            raise ValueError(f"max_sentence_length must be >= 1, got {max_sentence_length}")
        self.max_sentence_length = int(max_sentence_length)
        self.invalid_bytes = 0  # replaced bytes in the last full pass
        self.raw_words = 0  # tokens in the last full pass
        if isinstance(source, (str, os.PathLike)):
            path = Path(source)
            if not path.exists():
                raise CorpusError(f"corpus not found: {path}")
            if path.is_dir():
                files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
                if not files:
                    raise CorpusError(f"corpus directory {path} holds no files")
            else:
                files = [path]
            self.files: list[Path] | None = files
            self.sentences = None
            self.name = str(path)
        else:
            if isinstance(source, (bytes, bytearray)) or not isinstance(source, Iterable):
                raise CorpusError(
                    f"corpus must be a path or a re-iterable of token lists, got {type(source).__name__}"
                )
            if iter(source) is source:
                raise CorpusError(
                    "corpus is a one-shot iterator (e.g. a generator); training reads it more than once, "
                    "so pass a list or a re-iterable object"
                )
            self.files = None
            self.sentences = source
            self.name = f"<{type(source).__name__}>"

    # -- reading -----------------------------------------------------------------------------------
    def blocks(self) -> Iterator[TokenBlock]:
        """One pass over the corpus as token blocks; sets ``raw_words`` and ``invalid_bytes`` at the end."""
        _tally.invalid = 0
        raw = 0
        source = self._file_blocks() if self.files is not None else self._iterable_blocks()
        for block in source:
            raw += len(block.tokens)
            yield block
        self._pass_done(raw, stacklevel=4)

    def _pass_done(self, raw_words: int, stacklevel: int) -> None:
        self.raw_words = raw_words
        self.invalid_bytes = _tally.invalid
        if self.invalid_bytes:
            warnings.warn(
                f"{self.name}: replaced {self.invalid_bytes} invalid UTF-8 byte(s) with U+FFFD",
                UnicodeWarning,
                stacklevel=stacklevel,
            )

    def _split_long(self, tokens: list[str], lengths: list[int], line: list[str]) -> None:
        limit = self.max_sentence_length
        tokens.extend(line)
        n = len(line)
        while n > limit:
            lengths.append(limit)
            n -= limit
        if n:
            lengths.append(n)

    def _file_blocks(self) -> Iterator[TokenBlock]:
        for path in self.files:
            with _open_corpus_file(path) as fh:
                yield from self._stream_blocks(fh, path)

    def _utf8_blocks(self, on_bytes: Callable[[int], object] | None = None) -> Iterator[tuple[bytes, bool]]:
        """The files' text as ``(data, last)`` blocks of valid UTF-8 holding whole characters;
        ``last`` marks a file's final block. Invalid bytes become U+FFFD and are counted.
        ``on_bytes(n)`` is told how many bytes of the files on disk each block consumed (compressed
        bytes for ``.gz``), so that they add up to :meth:`disk_bytes`.

        Starts a pass: call :meth:`_pass_done` when it is over.
        """
        if self.files is None:
            raise TypeError("_utf8_blocks reads files; this corpus is an iterable of token lists")
        _tally.invalid = 0
        for path in self.files:
            decoder = _utf8_decoder()
            with _open_corpus_file(path) as fh:
                raw = fh.fileobj if isinstance(fh, gzip.GzipFile) else fh
                done = 0
                while True:
                    data = fh.read(_BLOCK_BYTES)
                    if on_bytes is not None:
                        position = raw.tell()
                        on_bytes(position - done)
                        done = position
                    # Decoding and re-encoding costs ~1 ms per MB and makes the bytes exactly what
                    # the str-based reader sees, replacements included.
                    yield decoder.decode(data, final=not data).encode("utf-8"), not data
                    if not data:
                        break

    def _stream_blocks(self, fh, path: Path) -> Iterator[TokenBlock]:
        decoder = _utf8_decoder()
        carry = ""  # an unfinished last line
        carried_tokens: list[str] = []  # tokens of a single huge line seen so far
        while True:
            data = fh.read(_BLOCK_BYTES)
            final = not data
            text = carry + decoder.decode(data, final=final)
            if final:
                lines, carry = text.split("\n"), ""
            else:
                cut = text.rfind("\n")
                if cut < 0:
                    # One line longer than a block: consume all but its last (maybe partial) token so
                    # that memory stays bounded, and keep going with the same sentence.
                    cut_ws = max(text.rfind(" "), text.rfind("\t"))
                    if cut_ws > 0:
                        carried_tokens.extend(text[:cut_ws].split())
                        carry = text[cut_ws:]
                        if len(carried_tokens) >= self.max_sentence_length:
                            keep = len(carried_tokens) % self.max_sentence_length
                            full = carried_tokens[: len(carried_tokens) - keep]
                            carried_tokens = carried_tokens[len(carried_tokens) - keep:]
                            tokens: list[str] = []
                            lengths: list[int] = []
                            self._split_long(tokens, lengths, full)
                            yield TokenBlock(tokens, lengths)
                    else:
                        carry = text
                    continue
                lines, carry = text[:cut].split("\n"), text[cut + 1:]
            tokens = []
            lengths = []
            for i, line in enumerate(lines):
                words = line.split()
                if i == 0 and carried_tokens:
                    words = carried_tokens + words
                    carried_tokens = []
                if words:
                    self._split_long(tokens, lengths, words)
            if tokens:
                yield TokenBlock(tokens, lengths)
            if final:
                return

    def _iterable_blocks(self) -> Iterator[TokenBlock]:
        tokens: list[str] = []
        lengths: list[int] = []
        for i, sentence in enumerate(self.sentences):
            if isinstance(sentence, str):
                raise CorpusError(
                    f"{self.name}: sentence {i} is a str; expected a list of tokens (use str.split())"
                )
            words = list(sentence)
            if words:
                self._split_long(tokens, lengths, words)
            if len(tokens) >= _CHUNK_TOKENS:
                yield TokenBlock(tokens, lengths)
                tokens, lengths = [], []
        if tokens:
            yield TokenBlock(tokens, lengths)

    def reads_once(self, *, max_vocab_size: int | None = None) -> bool:
        """Whether :meth:`count_and_encode` reads this corpus once, with the compiled scanner: files
        without ``max_vocab_size`` (which prunes while counting, so it takes the two Python passes)."""
        return self.files is not None and max_vocab_size is None

    def disk_bytes(self) -> int:
        """Total size of the corpus files on disk (0 for an iterable)."""
        return sum(path.stat().st_size for path in self.files) if self.files is not None else 0

    # -- passes --------------------------------------------------------------------------------------
    def count_words(self, *, max_vocab_size: int | None = None) -> VocabularyCounter:
        """First pass: stream the corpus into a :class:`VocabularyCounter`.

        Raises :class:`CorpusError` when the corpus holds no token at all.
        """
        counter = VocabularyCounter(max_vocab_size)
        for block in self.blocks():
            counter.update(block.tokens)
        if self.raw_words == 0:
            raise CorpusError(f"corpus {self.name} is empty: no tokens found")
        return counter

    def encode(self, vocab: Vocabulary, *, spill_tokens: int = _SPILL_TOKENS) -> EncodedCorpus:
        """Second pass: map tokens to int32 ids, dropping out-of-vocabulary words.

        Parameters
        ----------
        vocab : Vocabulary
        spill_tokens : int
            Past this many ids (1 GiB of int32 by default), chunks are written to a temporary folder
            and memory-mapped, so memory use stays bounded.
        """
        lookup = vocab.key_to_index.get
        sink = ChunkSink(spill_tokens)
        for block in self.blocks():
            n = len(block.tokens)
            ids = np.fromiter(map(lookup, block.tokens, repeat(-1)), dtype=np.int32, count=n)
            sink.add(*in_vocabulary_only(ids, np.asarray(block.lengths, dtype=np.int64)))
        return sink.finish(raw_words=self.raw_words)

    def count_and_encode(self, *, min_count: int = 5, max_final_vocab: int | None = None,
                         max_vocab_size: int | None = None, spill_tokens: int = _SPILL_TOKENS,
                         progress: bool = False) -> tuple[Vocabulary, EncodedCorpus]:
        """Count the words, build the :class:`Vocabulary` and encode the corpus.

        Files are read once, by the compiled scanner (:mod:`negsample.scan`), with a progress bar
        over the bytes read when ``progress`` is on; iterables of token lists, and
        ``max_vocab_size`` (which prunes while counting), take two Python passes.
        Raises :class:`CorpusError` when no word is frequent enough.
        """
        one_pass = self.reads_once(max_vocab_size=max_vocab_size)
        if one_pass:
            from tqdm.auto import tqdm

            from .scan import scan_files

            with tqdm(total=self.disk_bytes(), unit="B", unit_scale=True, desc="reading", file=sys.stderr,
                      disable=not progress, dynamic_ncols=True, mininterval=0.5) as bar:
                scanned = scan_files(self, spill_tokens=spill_tokens, on_bytes=bar.update)
            vocab = scanned.build(min_count=min_count, max_final_vocab=max_final_vocab)
            most_common = scanned.most_common
        else:
            counter = self.count_words(max_vocab_size=max_vocab_size)
            vocab = counter.build(min_count=min_count, max_final_vocab=max_final_vocab)
            most_common = counter.counts.most_common(1)[0]
        if len(vocab) == 0:
            raise CorpusError(
                f"no word in {self.name} occurs at least min_count={min_count} times "
                f"(the most frequent, {most_common[0]!r}, occurs {most_common[1]} times): lower min_count"
            )
        encoded = scanned.encode(vocab) if one_pass else self.encode(vocab, spill_tokens=spill_tokens)
        return vocab, encoded


def in_vocabulary_only(ids: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop out-of-vocabulary tokens (id -1), then sentences left with one word (they give no pair).

    ids : int32 (n,); lengths : int (n_sentences,) summing to n.
    Returns (ids int32, lengths int32) of what is kept; sentences left empty disappear.
    """
    keep = ids >= 0
    sentence_of_token = np.repeat(np.arange(lengths.shape[0]), lengths)
    kept_lengths = np.bincount(sentence_of_token[keep], minlength=lengths.shape[0])
    ids = ids[keep]
    if (kept_lengths == 1).any():
        lone = np.repeat(kept_lengths == 1, kept_lengths)
        ids = ids[~lone]
        kept_lengths = np.where(kept_lengths == 1, 0, kept_lengths)
    return ids, kept_lengths[kept_lengths > 0].astype(np.int32)


class ChunkSink:
    """Collects (ids, lengths) blocks into an :class:`EncodedCorpus` of chunks of about 2^20 ids.

    Past ``spill_tokens`` ids, chunks are written to ``.npy`` files in a temporary folder and
    memory-mapped back, so a corpus larger than memory streams.
    """

    def __init__(self, spill_tokens: int = _SPILL_TOKENS):
        self.encoded = EncodedCorpus()
        self.spill_tokens = spill_tokens
        self._ids: list[np.ndarray] = []
        self._lengths: list[np.ndarray] = []
        self._pending = 0

    def add(self, ids: np.ndarray, lengths: np.ndarray) -> None:
        if ids.shape[0] == 0:
            return
        self._ids.append(ids)
        self._lengths.append(lengths)
        self._pending += ids.shape[0]
        self.encoded.n_words += ids.shape[0]
        if self._pending >= _CHUNK_TOKENS:
            self._flush()

    def finish(self, *, raw_words: int) -> EncodedCorpus:
        if self._pending:
            self._flush()
        self.encoded.raw_words = raw_words
        return self.encoded

    def _flush(self) -> None:
        encoded = self.encoded
        ids = np.concatenate(self._ids) if len(self._ids) > 1 else self._ids[0]
        lengths = np.concatenate(self._lengths) if len(self._lengths) > 1 else self._lengths[0]
        self._ids.clear()
        self._lengths.clear()
        self._pending = 0
        if encoded.n_words > self.spill_tokens:
            if encoded._spill_dir is None:
                encoded._spill_dir = tempfile.mkdtemp(prefix="negsample-corpus-")
            base = os.path.join(encoded._spill_dir, f"chunk{len(encoded.chunks):06d}")
            np.save(base + "-ids.npy", ids)
            np.save(base + "-len.npy", lengths)
            ids = np.load(base + "-ids.npy", mmap_mode="r")
            lengths = np.load(base + "-len.npy", mmap_mode="r")
        encoded.chunks.append((ids, lengths))

"""Streaming corpus readers and the int32 encoding the kernels train on.

A corpus is a plain or ``.gz`` text file, a directory of such files, or any re-iterable of token lists.
A line is a sentence and tokens are split on whitespace. Lines longer than ``max_sentence_length``
tokens are split into several sentences (never silently truncated). Invalid UTF-8 bytes are replaced
with U+FFFD and counted, so one warning can report them after a pass.

Reading happens in blocks of whole lines: each block becomes a flat token list plus sentence lengths,
and encoding maps the whole block at once with ``map(dict.get, ...)`` inside ``np.fromiter`` (no
per-token Python bytecode). The encoded corpus is a list of chunks of ``int32`` ids with ``int32``
sentence lengths; past ``spill_tokens`` ids the chunks go to ``.npy`` files in a temporary folder and
are memory-mapped back, so a corpus larger than memory streams.

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
import gzip
import os
import shutil
import tempfile
import threading
import warnings
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

import numpy as np

from .vocab import Vocabulary, VocabularyCounter

__all__ = ["Corpus", "CorpusError", "EncodedCorpus", "TokenBlock"]

_BLOCK_BYTES = 1 << 22  # 4 MiB of text per block
_CHUNK_TOKENS = 1 << 20  # ids per encoded chunk


class CorpusError(ValueError):
    """The corpus is missing, empty or unreadable; the message names the source."""


# One replacement handler for the whole process; counts live in a thread-local so that two corpora
# read in two threads keep separate tallies.
_tally = threading.local()


def _count_and_replace(exc: UnicodeDecodeError):
    _tally.invalid = getattr(_tally, "invalid", 0) + (exc.end - exc.start)
    return "\ufffd", exc.end


codecs.register_error("negsample.count_replace", _count_and_replace)


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
        self.raw_words = raw
        self.invalid_bytes = _tally.invalid
        if self.invalid_bytes:
            warnings.warn(
                f"{self.name}: replaced {self.invalid_bytes} invalid UTF-8 byte(s) with U+FFFD",
                UnicodeWarning,
                stacklevel=3,
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
            opener = gzip.open if path.suffix == ".gz" else open
            try:
                with opener(path, "rb") as fh:
                    yield from self._stream_blocks(fh, path)
            except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
                raise CorpusError(f"cannot read corpus file {path}: {exc}") from exc

    def _stream_blocks(self, fh, path: Path) -> Iterator[TokenBlock]:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="negsample.count_replace")
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

    def encode(self, vocab: Vocabulary, *, spill_tokens: int = 1 << 28) -> EncodedCorpus:
        """Second pass: map tokens to int32 ids, dropping out-of-vocabulary words.

        Parameters
        ----------
        vocab : Vocabulary
        spill_tokens : int
            Past this many ids (1 GiB of int32 by default), chunks are written to a temporary folder
            and memory-mapped, so memory use stays bounded.
        """
        encoded = EncodedCorpus()
        lookup = vocab.key_to_index.get
        pending_ids: list[np.ndarray] = []
        pending_lengths: list[np.ndarray] = []
        pending = 0

        def flush():
            nonlocal pending
            ids = np.concatenate(pending_ids) if len(pending_ids) > 1 else pending_ids[0]
            lengths = np.concatenate(pending_lengths) if len(pending_lengths) > 1 else pending_lengths[0]
            pending_ids.clear()
            pending_lengths.clear()
            pending = 0
            if encoded.n_words > spill_tokens:
                if encoded._spill_dir is None:
                    encoded._spill_dir = tempfile.mkdtemp(prefix="negsample-corpus-")
                base = os.path.join(encoded._spill_dir, f"chunk{len(encoded.chunks):06d}")
                np.save(base + "-ids.npy", ids)
                np.save(base + "-len.npy", lengths)
                ids = np.load(base + "-ids.npy", mmap_mode="r")
                lengths = np.load(base + "-len.npy", mmap_mode="r")
            encoded.chunks.append((ids, lengths))

        for block in self.blocks():
            n = len(block.tokens)
            ids = np.fromiter(map(lookup, block.tokens, repeat(-1)), dtype=np.int32, count=n)
            lengths = np.asarray(block.lengths, dtype=np.int64)
            keep = ids >= 0
            sentence_of_token = np.repeat(np.arange(lengths.shape[0]), lengths)
            kept_lengths = np.bincount(sentence_of_token[keep], minlength=lengths.shape[0])
            ids = ids[keep]
            if (kept_lengths == 1).any():  # lone words give no pair: drop them with their sentence
                lone = np.repeat(kept_lengths == 1, kept_lengths)
                ids = ids[~lone]
                kept_lengths = np.where(kept_lengths == 1, 0, kept_lengths)
            kept_lengths = kept_lengths[kept_lengths > 0].astype(np.int32)
            if ids.shape[0] == 0:
                continue
            pending_ids.append(ids)
            pending_lengths.append(kept_lengths)
            pending += ids.shape[0]
            encoded.n_words += ids.shape[0]
            if pending >= _CHUNK_TOKENS:
                flush()
        if pending:
            flush()
        encoded.raw_words = self.raw_words
        return encoded

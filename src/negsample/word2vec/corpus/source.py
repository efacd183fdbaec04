"""The corpus a user hands in: a text file, a directory of them, or a re-iterable of token lists.

A file is plain or ``.gz`` text. A line is a sentence and tokens are split on whitespace. Lines
longer than ``max_sentence_length`` tokens are split into several sentences (never silently
truncated). Invalid UTF-8 bytes are replaced with U+FFFD and counted, so one warning can report them
after a pass.

:meth:`Corpus.count_and_encode` is what training calls. Files are read once, by the compiled
scanner in :mod:`negsample.word2vec.corpus.scan` (~8x faster than the Python passes below, and the
same result). Iterables, and ``max_vocab_size`` (which prunes while counting), take two Python
passes: :meth:`Corpus.count_words`, then :meth:`Corpus.encode`. There, reading happens in blocks of
whole lines: each block becomes a flat token list plus sentence lengths, and encoding maps the whole
block at once with ``map(dict.get, ...)`` inside ``np.fromiter`` (no per-token Python bytecode).

Example
-------
>>> from negsample.word2vec.corpus import Corpus
>>> corpus = Corpus([["a", "b", "a"], ["b", "c"]])
>>> counter = corpus.count_words()
>>> vocab = counter.build(min_count=2)
>>> encoded = corpus.encode(vocab)
>>> encoded.n_words, [ids.tolist() for ids, _ in encoded.chunks]
(3, [[1, 0, 1]])
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

import numpy as np

from ...vocab import Vocabulary, VocabularyCounter
from . import encoded as encoded_module
from . import text as text_module
from .encoded import SPILL_TOKENS, ChunkSink, EncodedCorpus, in_vocabulary_only
from .scan import scan_files
from .text import CorpusError, invalid_bytes_seen, open_corpus_file, start_pass, utf8_decoder

__all__ = ["Corpus", "TokenBlock"]


@dataclass
class TokenBlock:
    """Sentences of one block: ``tokens`` flat, ``lengths[i]`` tokens in sentence i (all > 0)."""

    tokens: list[str]
    lengths: list[int]


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
        start_pass()
        raw = 0
        source = self._file_blocks() if self.files is not None else self._iterable_blocks()
        for block in source:
            raw += len(block.tokens)
            yield block
        self._pass_done(raw, invalid_bytes_seen(), stacklevel=4)

    def _pass_done(self, raw_words: int, invalid_bytes: int, stacklevel: int) -> None:
        self.raw_words = raw_words
        self.invalid_bytes = invalid_bytes
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
            with open_corpus_file(path) as fh:
                yield from self._stream_blocks(fh, path)

    def _stream_blocks(self, fh, path: Path) -> Iterator[TokenBlock]:
        decoder = utf8_decoder()
        carry = ""  # an unfinished last line
        carried_tokens: list[str] = []  # tokens of a single huge line seen so far
        while True:
            data = fh.read(text_module.BLOCK_BYTES)  # looked up here so tests can shrink it
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
            if len(tokens) >= encoded_module.CHUNK_TOKENS:
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

    def encode(self, vocab: Vocabulary, *, spill_tokens: int = SPILL_TOKENS) -> EncodedCorpus:
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
                         max_vocab_size: int | None = None, spill_tokens: int = SPILL_TOKENS,
                         progress: bool = False) -> tuple[Vocabulary, EncodedCorpus]:
        """Count the words, build the :class:`Vocabulary` and encode the corpus.

        Files are read once, by the compiled scanner (:mod:`negsample.word2vec.corpus.scan`), with a progress bar
        over the bytes read when ``progress`` is on; iterables of token lists, and
        ``max_vocab_size`` (which prunes while counting), take two Python passes.
        Raises :class:`CorpusError` when no word is frequent enough.
        """
        one_pass = self.reads_once(max_vocab_size=max_vocab_size)
        if one_pass:
            from tqdm.auto import tqdm

            with tqdm(total=self.disk_bytes(), unit="B", unit_scale=True, desc="reading", file=sys.stderr,
                      disable=not progress, dynamic_ncols=True, mininterval=0.5) as bar:
                scanned = scan_files(self.files, max_sentence_length=self.max_sentence_length, name=self.name,
                                     spill_tokens=spill_tokens, on_bytes=bar.update)
            self._pass_done(scanned.raw_words, scanned.invalid_bytes, stacklevel=3)
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

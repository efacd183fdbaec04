"""The corpus a user hands in: a text file, a directory of them, or a re-iterable of token lists.

A file is text, plain or compressed (gzip, bzip2, xz, zip: recognised by its first bytes, see
:mod:`~negsample.word2vec.corpus.text`). A line is a sentence and tokens are split on whitespace.
Lines longer than ``max_sentence_length`` tokens are split into several sentences (never silently
truncated). Invalid UTF-8 bytes are replaced with U+FFFD and counted, so one warning line can name
the files that had them after a pass; a file with more than ``max_invalid_share`` of them is not
text and stops the pass. A list corpus must hold lists of str: anything else is an error that
names the sentence and the position.

:meth:`Corpus.count_and_encode` is what training calls. Files are read once, by the compiled
scanner in :mod:`negsample.word2vec.corpus.scan` (~8x faster than the Python passes below, and the
same result), in as many threads as training has workers. Iterables, and ``max_vocab_size`` (which
prunes while counting), take two Python passes: :meth:`Corpus.count_words`, then
:meth:`Corpus.encode`. There, reading happens in blocks of whole lines: each block becomes a flat
token list plus sentence lengths, and encoding maps the whole block at once with ``map(dict.get,
...)`` inside ``np.fromiter`` (no per-token Python bytecode).

Example
-------
>>> from negsample.word2vec.corpus import Corpus
>>> corpus = Corpus([["a", "b", "a"], ["b", "c", "a"]])
>>> counter = corpus.count_words()
>>> vocab = counter.build(min_count=2)
>>> encoded = corpus.encode(vocab)
>>> encoded.n_words, [ids.tolist() for ids, _ in encoded.chunks]
(5, [[0, 1, 0, 1, 0]])
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

import numpy as np

from ..._progress import progress_bar
from ...vocab import Vocabulary, VocabularyCounter
from . import encoded as encoded_module
from .encoded import SPILL_TOKENS, ChunkSink, EncodedCorpus, in_vocabulary_only
from .scan import scan_files
from .text import MAX_INVALID_SHARE, CorpusError, ReadStats, check_max_invalid_share, utf8_blocks

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
        A text file (gzip, bzip2, xz and zip are decompressed), a directory (its non-hidden files,
        sorted by name, not recursive), or e.g. a list of lists of str.
    max_sentence_length : int, default 10000
        Longer lines are split into pieces of at most this many tokens.
    max_invalid_share : float, default 0.01
        A file in which more than this share of the bytes are NUL or invalid UTF-8 is not text:
        reading it stops with a :class:`CorpusError` that names it.
    """

    def __init__(self, source, *, max_sentence_length: int = 10000, max_invalid_share: float = MAX_INVALID_SHARE):
        from ..._checks import check_positive_int

        self.max_sentence_length = check_positive_int("max_sentence_length", max_sentence_length)
        self.max_invalid_share = check_max_invalid_share(max_invalid_share)
        self.invalid_bytes = 0  # NUL or invalid bytes in the last full pass
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
    def blocks(self, on_bytes=None) -> Iterator[TokenBlock]:
        """One pass over the corpus as token blocks; sets ``raw_words`` and ``invalid_bytes`` at the
        end. ``on_bytes(n)`` hears of the bytes of the files read, or of the sentences of an iterable
        (for a progress bar)."""
        raw = 0
        stats = ReadStats(self.max_invalid_share)
        source = self._file_blocks(stats, on_bytes) if self.files is not None else self._iterable_blocks(on_bytes)
        for block in source:
            raw += len(block.tokens)
            yield block
        self._pass_done(raw, stats)

    def _pass_done(self, raw_words: int, stats: ReadStats) -> None:
        self.raw_words = raw_words
        self.invalid_bytes = stats.invalid_bytes()
        stats.warn_about_replacements()

    def _split_long(self, tokens: list[str], lengths: list[int], line: list[str]) -> None:
        limit = self.max_sentence_length
        tokens.extend(line)
        n = len(line)
        while n > limit:
            lengths.append(limit)
            n -= limit
        if n:
            lengths.append(n)

    def _file_blocks(self, stats: ReadStats, on_bytes) -> Iterator[TokenBlock]:
        carry = ""  # an unfinished last line
        carried_tokens: list[str] = []  # tokens of a single huge line seen so far
        for data, last in utf8_blocks(self.files, on_bytes, stats=stats):
            text = carry + data.decode("utf-8")  # utf8_blocks hands out valid UTF-8 only
            if last:  # a file (or zip member) ends, and with it its last line
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

    def _iterable_blocks(self, on_sentences=None) -> Iterator[TokenBlock]:
        tokens: list[str] = []
        lengths: list[int] = []
        reported = 0
        i = -1
        for i, sentence in enumerate(self.sentences):
            if isinstance(sentence, str):
                raise CorpusError(
                    f"{self.name}: sentence {i} is a str; expected a list of tokens (use str.split())"
                )
            words = list(sentence)
            if set(map(type, words)) - {str}:
                self._check_tokens(i, words)
            if words:
                self._split_long(tokens, lengths, words)
            if len(tokens) >= encoded_module.CHUNK_TOKENS:
                if on_sentences is not None:
                    on_sentences(i + 1 - reported)
                    reported = i + 1
                yield TokenBlock(tokens, lengths)
                tokens, lengths = [], []
        if on_sentences is not None:
            on_sentences(i + 1 - reported)
        if tokens:
            yield TokenBlock(tokens, lengths)

    def _check_tokens(self, sentence: int, words: list) -> None:
        for position, token in enumerate(words):
            if not isinstance(token, str):
                raise CorpusError(f"{self.name}: sentence {sentence}, position {position}: token {token!r} is a "
                                  f"{type(token).__name__}; tokens must be str")

    def reads_once(self, *, max_vocab_size: int | None = None) -> bool:
        """Whether :meth:`count_and_encode` reads this corpus once, with the compiled scanner: files
        without ``max_vocab_size`` (which prunes while counting, so it takes the two Python passes)."""
        return self.files is not None and max_vocab_size is None

    def disk_bytes(self) -> int:
        """Total size of the corpus files on disk (0 for an iterable)."""
        return sum(path.stat().st_size for path in self.files) if self.files is not None else 0

    # -- passes --------------------------------------------------------------------------------------
    def progress_bar(self, desc: str, progress: bool):
        """A progress bar over one pass of this corpus (the bytes of its files, or the sentences of an
        iterable), for ``blocks(bar.update)``; shown once the pass takes over a second, if ``progress``."""
        if self.files is not None:
            return progress_bar(total=self.disk_bytes(), desc=desc, unit="B", unit_scale=True, disable=not progress,
                                delay=1.0)
        total = len(self.sentences) if hasattr(self.sentences, "__len__") else None
        return progress_bar(total=total, desc=desc, unit="sentence", unit_scale=True, disable=not progress, delay=1.0)

    def count_words(self, *, max_vocab_size: int | None = None, progress: bool = False) -> VocabularyCounter:
        """First pass: stream the corpus into a :class:`VocabularyCounter`.

        Raises :class:`CorpusError` when the corpus holds no token at all.
        """
        counter = VocabularyCounter(max_vocab_size)
        with self.progress_bar("counting", progress) as bar:
            for block in self.blocks(bar.update):
                counter.update(block.tokens, block.lengths)  # pruned once per sentence, as gensim
        if self.raw_words == 0:
            raise CorpusError(f"corpus {self.name} is empty: no tokens found")
        return counter

    def encode(self, vocab: Vocabulary, *, spill_tokens: int = SPILL_TOKENS, progress: bool = False) -> EncodedCorpus:
        """Second pass: map tokens to int32 ids, dropping out-of-vocabulary words.

        Parameters
        ----------
        vocab : Vocabulary
        spill_tokens : int
            Past this many ids (1 GiB of int32 by default), chunks are written to a temporary folder
            and memory-mapped, so memory use stays bounded.
        progress : bool
            Show a progress bar (after a second).
        """
        lookup = vocab.key_to_index.get
        sink = ChunkSink(spill_tokens)
        with self.progress_bar("encoding", progress) as bar:
            for block in self.blocks(bar.update):
                n = len(block.tokens)
                ids = np.fromiter(map(lookup, block.tokens, repeat(-1)), dtype=np.int32, count=n)
                sink.add(*in_vocabulary_only(ids, np.asarray(block.lengths, dtype=np.int64)))
        return sink.finish(raw_words=self.raw_words)

    def count_and_encode(self, *, min_count: int = 5, max_final_vocab: int | None = None,
                         max_vocab_size: int | None = None, spill_tokens: int = SPILL_TOKENS,
                         progress: bool = False, workers: int = 1) -> tuple[Vocabulary, EncodedCorpus]:
        """Count the words, build the :class:`Vocabulary` and encode the corpus.

        Files are read once, by the compiled scanner (:mod:`negsample.word2vec.corpus.scan`) in
        ``workers`` threads (the result does not depend on how many); iterables of token lists, and
        ``max_vocab_size`` (which prunes while counting), take two Python passes. With ``progress``,
        every phase that lasts over a second shows a progress bar.
        Raises :class:`CorpusError` when no word is frequent enough.
        """
        from ..._checks import check_positive_int

        workers = check_positive_int("workers", workers)
        if not self.reads_once(max_vocab_size=max_vocab_size):
            counter = self.count_words(max_vocab_size=max_vocab_size, progress=progress)
            vocab = counter.build(min_count=min_count, max_final_vocab=max_final_vocab)
            if len(vocab) == 0:
                raise self._too_rare(min_count, counter.counts.most_common(1)[0])
            return vocab, self.encode(vocab, spill_tokens=spill_tokens, progress=progress)
        stats = ReadStats(self.max_invalid_share)
        with progress_bar(total=self.disk_bytes(), unit="B", unit_scale=True, desc="reading",
                          disable=not progress) as bar:
            scanned = scan_files(self.files, max_sentence_length=self.max_sentence_length, name=self.name,
                                 spill_tokens=spill_tokens, on_bytes=bar.update, workers=workers, stats=stats)
        try:
            self._pass_done(scanned.raw_words, stats)
            vocab = scanned.build(min_count=min_count, max_final_vocab=max_final_vocab)
            if len(vocab) == 0:
                raise self._too_rare(min_count, scanned.most_common)
            with progress_bar(total=scanned.raw_words, unit="word", unit_scale=True, desc="encoding",
                              disable=not progress, delay=1.0) as bar:
                return vocab, scanned.encode(vocab, on_tokens=bar.update)
        finally:
            scanned.close()

    def _too_rare(self, min_count: int, most_common: tuple[str, int]) -> CorpusError:
        return CorpusError(
            f"no word in {self.name} occurs at least min_count={min_count} times "
            f"(the most frequent, {most_common[0]!r}, occurs {most_common[1]} times): lower min_count"
        )

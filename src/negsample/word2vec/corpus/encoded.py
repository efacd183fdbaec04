"""The int32 encoding the kernels train on, and how it is collected (spilled to disk when large).

The encoded corpus is a list of chunks of ``int32`` ids with ``int32`` sentence lengths; past
``spill_tokens`` ids the chunks go to ``.npy`` files in a temporary folder and are memory-mapped back
(:class:`ChunkSink`), so a corpus larger than memory streams. The folder is removed when the corpus is
closed, on Ctrl-C or SIGTERM too; one left by a killed process is removed by the next run that
spills (:func:`negsample._atomic.private_temp_dir`).

Example
-------
>>> import numpy as np
>>> from negsample.word2vec.corpus.encoded import ChunkSink, in_vocabulary_only
>>> ids, lengths = in_vocabulary_only(np.array([0, -1, 1, 2, -1], np.int32), np.array([3, 2]))
>>> ids.tolist(), lengths.tolist()       # the second sentence kept one word: dropped
([0, 1], [2])
>>> sink = ChunkSink()
>>> sink.add(ids, lengths)
>>> sink.finish(raw_words=5).n_words
2
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field

import numpy as np

from ..._atomic import private_temp_dir

__all__ = ["CHUNK_TOKENS", "SPILL_TOKENS", "ChunkSink", "EncodedCorpus", "in_vocabulary_only"]

CHUNK_TOKENS = 1 << 20  # ids per encoded chunk
SPILL_TOKENS = 1 << 28  # encoded ids held in memory before chunks go to disk (1 GiB of int32)


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


def in_vocabulary_only(ids: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop out-of-vocabulary tokens (id -1), then sentences left with one word (they give no pair).

    ids : int32 (n,); lengths : int (n_sentences,) summing to n.
    Returns (ids int32, lengths int32) of what is kept; sentences left empty disappear.
    """
    lengths = np.asarray(lengths)
    keep = ids >= 0
    if keep.all():  # the common case when the vocabulary keeps most words: nothing to count
        kept_lengths = lengths
    else:
        # Kept tokens per sentence, summed over each sentence's slice (lengths are > 0, so no slice is
        # empty): no per-token sentence index is built.
        starts = np.zeros(lengths.shape[0], np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        kept_lengths = np.add.reduceat(keep, starts, dtype=np.int64) if lengths.shape[0] else lengths
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

    def __init__(self, spill_tokens: int = SPILL_TOKENS):
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
        if self._pending >= CHUNK_TOKENS:
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
                encoded._spill_dir = private_temp_dir("negsample-corpus-")
            base = os.path.join(encoded._spill_dir, f"chunk{len(encoded.chunks):06d}")
            np.save(base + "-ids.npy", ids)
            np.save(base + "-len.npy", lengths)
            ids = np.load(base + "-ids.npy", mmap_mode="r")
            lengths = np.load(base + "-len.npy", mmap_mode="r")
        encoded.chunks.append((ids, lengths))

"""Word counts beside a word2vec file (gensim's ``fvocab``): one ``word count`` line per word.

Example
-------
>>> import os, tempfile
>>> from negsample.vectors_io.counts import read_counts, write_counts
>>> path = os.path.join(tempfile.mkdtemp(), "vocab.txt")
>>> write_counts(path, ["the", "cat"], [12, 3])
>>> open(path).read()
'the 12\\ncat 3\\n'
>>> read_counts(path)
{'the': 12, 'cat': 3}
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from .._atomic import atomic_write
from .common import VectorsFormatError, check_decoding, check_storable_words, decode_word

__all__ = ["counts_for", "read_counts", "write_counts"]


def write_counts(path: str | os.PathLike, words: Sequence[str], counts: Sequence[int]) -> None:
    """Write ``word count`` lines in the order given, atomically."""
    check_storable_words(words)
    with atomic_write(path, "w", encoding="utf-8", newline="\n") as f:
        f.writelines(f"{word} {int(count)}\n" for word, count in zip(words, counts, strict=True))


def read_counts(path: str | os.PathLike, *, encoding: str = "utf8", unicode_errors: str = "strict") -> dict[str, int]:
    """``{word: count}`` from a file of ``word count`` lines (blank lines are skipped).

    Raises :class:`~negsample.VectorsFormatError` naming the file and the line for a line that is not
    a word and a non-negative integer, or a word given twice.
    """
    check_decoding(encoding, unicode_errors)
    name = os.fspath(path)
    counts: dict[str, int] = {}
    with open(path, "rb") as f:
        for line_no, line in enumerate(f, start=1):
            fields = line.split()
            if not fields:
                continue
            word = decode_word(fields[0], name, f"line {line_no}", encoding, unicode_errors)
            try:
                count = int(fields[1]) if len(fields) == 2 else -1
            except ValueError:
                count = -1
            if count < 0:
                raise VectorsFormatError(f"{name}, line {line_no}: expected 'word count' with a count >= 0, "
                                         f"got {line[:80]!r}")
            if word in counts:
                raise VectorsFormatError(f"{name}, line {line_no}: the word {word!r} appears twice")
            counts[word] = count
    return counts


def counts_for(words: Sequence[str], counts: dict[str, int], name: str) -> np.ndarray:
    """The count of every word (int64, shape (len(words),)); a word without one is an error."""
    try:
        return np.fromiter((counts[w] for w in words), dtype=np.int64, count=len(words))
    except KeyError as exc:
        raise VectorsFormatError(f"{name}: no count for the word {exc.args[0]!r}, which the vectors file "
                                 "holds") from None

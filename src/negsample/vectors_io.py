"""Vector file formats: the word2vec C tool's text and binary formats and negsample's native ``.npz``.

Readers and writers work on plain ``words`` (list of str, length n_words) and ``vectors`` (float32,
shape (n_words, dim)); :class:`~negsample.keyedvectors.KeyedVectors` wraps them in its
``save_word2vec_format`` / ``load_word2vec_format`` / ``save`` / ``load`` methods.

word2vec format
    Header ``"<n_words> <dim>\\n"``, then one record per word. Text records are
    ``word v1 ... v_dim\\n`` with ``%.9g`` values (nine significant digits give back the same float32
    exactly). Binary records are ``word``, a space, ``dim`` little-endian float32 and a newline, byte for
    byte what the C tool writes; the reader also accepts gensim's records without the newline. Counts are
    not stored.
native format
    One ``.npz`` with ``format_version``, ``vectors``, ``counts`` and the words as UTF-8 JSON in a uint8
    array, so reading it never needs pickle.

Every malformed file raises :class:`VectorsFormatError` naming the file and, where it applies, the line
(for binary files: record ``i`` is line ``i + 1``, plus a byte offset).

Example
-------
>>> import os, tempfile, numpy as np
>>> from negsample.vectors_io import read_word2vec, write_word2vec
>>> path = os.path.join(tempfile.mkdtemp(), "v.bin")
>>> write_word2vec(path, ["a", "b"], np.eye(2, dtype=np.float32), binary=True)
>>> words, vectors = read_word2vec(path, binary=True)
>>> words, vectors.shape, vectors.dtype
(['a', 'b'], (2, 2), dtype('float32'))
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Sequence
from typing import BinaryIO

import numpy as np

from ._atomic import atomic_write

__all__ = ["VectorsFormatError", "read_header", "read_npz", "read_word2vec", "write_npz", "write_word2vec"]

_NATIVE_FORMAT_VERSION = 1
_TEXT_CHUNK_LINES = 8192  # rows parsed per np.fromstring call: big enough to amortise, small in memory
_BINARY_CHUNK_BYTES = 1 << 20
# A word containing ASCII whitespace would be split differently on reading, so it cannot be stored.
_ASCII_WHITESPACE = re.compile(r"[ \t\n\r\x0b\x0c]")


class VectorsFormatError(ValueError):
    """A vectors file is malformed. The message names the file and, where it applies, the line."""


# ---------------------------------------------------------------------- word2vec format
def write_word2vec(path: str | os.PathLike, words: Sequence[str], vectors: np.ndarray, *,
                   binary: bool = False) -> None:
    """Write ``words`` and ``vectors`` (float32, shape (len(words), dim)) in the word2vec format, atomically.

    Raises ValueError, before anything is written, for a word that is empty or contains ASCII whitespace.

    Example
    -------
    >>> import os, tempfile, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "v.bin")
    >>> write_word2vec(path, ["a"], np.array([[1.0]], dtype=np.float32), binary=True)
    >>> open(path, "rb").read()   # header, word, space, one little-endian float32, newline
    b'1 1\\na \\x00\\x00\\x80?\\n'
    """
    for word in words:
        if not word or _ASCII_WHITESPACE.search(word):
            raise ValueError(f"cannot store {word!r} in word2vec format: words must be non-empty "
                             "and contain no whitespace")
    n_words, dim = vectors.shape
    with atomic_write(path, "wb") as f:
        f.write(f"{n_words} {dim}\n".encode())
        if binary:
            little_endian = vectors.astype("<f4", copy=False)
            for word, row in zip(words, little_endian, strict=True):
                f.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")
        else:
            row_format = " ".join(["%.9g"] * dim)
            for word, row in zip(words, vectors.tolist(), strict=True):
                f.write(f"{word} {row_format % tuple(row)}\n".encode())


def read_word2vec(path: str | os.PathLike, *, binary: bool = False, limit: int | None = None,
                  encoding: str = "utf8", unicode_errors: str = "strict") -> tuple[list[str], np.ndarray]:
    """Read a word2vec text or binary file (as written by the C tool, gensim or negsample).

    Returns the words (length n_rows) and the vectors (float32, shape (n_rows, dim)), where
    ``n_rows`` is the header's word count, or ``limit`` if that is smaller. See
    :meth:`KeyedVectors.load_word2vec_format <negsample.keyedvectors.KeyedVectors.load_word2vec_format>`
    for the parameters and the errors.
    """
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0 or None, got {limit}")
    name = os.fspath(path)
    with open(path, "rb") as f:
        n_words, dim = read_header(f, name, encoding)
        n_rows = n_words if limit is None else min(n_words, limit)
        reader = _read_binary_records if binary else _read_text_records
        return reader(f, name, n_rows, n_words, dim, encoding, unicode_errors)


def read_header(f: BinaryIO, name: str, encoding: str) -> tuple[int, int]:
    """``(n_words, dim)`` from the first line of the open file ``f``; ``name`` is used in errors."""
    raw = f.readline()
    if not raw:
        raise VectorsFormatError(f"{name}: file is empty (expected a header line '<n_words> <dim>')")
    try:
        fields = raw.decode(encoding).split()
        n_words, dim = (int(x) for x in fields)
        if n_words < 0 or dim < 1:
            raise ValueError
    except ValueError:
        raise VectorsFormatError(
            f"{name}, line 1: the header must be two integers '<n_words> <dim>' (dim >= 1), "
            f"got {raw[:80]!r}"
        ) from None
    return n_words, dim


def _decode_word(raw: bytes, name: str, where: str, encoding: str, unicode_errors: str) -> str:
    try:
        word = raw.decode(encoding, errors=unicode_errors)
    except UnicodeDecodeError as exc:
        raise VectorsFormatError(
            f"{name}, {where}: cannot decode the word {raw[:80]!r} ({exc.reason})"
        ) from None
    if not word:
        raise VectorsFormatError(f"{name}, {where}: empty word")
    return word


def _check_unique(word: str, line_no: int, first_line: dict[str, int], name: str) -> None:
    seen = first_line.setdefault(word, line_no)
    if seen != line_no:
        raise VectorsFormatError(f"{name}, line {line_no}: duplicate word {word!r} (first on line {seen})")


def _read_text_records(f, name, n_rows, n_words, dim, encoding, unicode_errors):
    vectors = np.empty((n_rows, dim), dtype=np.float32)
    words: list[str] = []
    first_line: dict[str, int] = {}
    done = 0
    while done < n_rows:
        chunk_rows = min(_TEXT_CHUNK_LINES, n_rows - done)
        value_texts = []
        for offset in range(chunk_rows):
            line_no = done + offset + 2  # the header is line 1
            line = f.readline()
            if not line:
                raise VectorsFormatError(
                    f"{name}, line {line_no}: file ends after {done + offset} of the {n_words} vectors "
                    "the header announces"
                )
            # Split the word off at the first ASCII space only (as the C tool and gensim do): words
            # may contain other Unicode spaces. rstrip drops the newline and the C tool's trailing space.
            raw_word, _, values = line.rstrip().partition(b" ")
            word = _decode_word(raw_word, name, f"line {line_no}", encoding, unicode_errors)
            _check_unique(word, line_no, first_line, name)
            # Cheap count first; only rows with odd spacing pay for a real split.
            count = values.count(b" ") + 1 if values else 0
            if count != dim:
                count = len(values.split())
                if count != dim:
                    raise VectorsFormatError(
                        f"{name}, line {line_no}: expected {dim} values after the word {word!r}, got {count}"
                    )
            words.append(word)
            value_texts.append(values)
        vectors[done:done + chunk_rows] = _parse_values(value_texts, dim, name, first_line_no=done + 2)
        done += chunk_rows
    return words, vectors


def _parse_values(value_texts: list[bytes], dim: int, name: str, first_line_no: int) -> np.ndarray:
    """Parse the number part of many rows at once; shape (len(value_texts), dim)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy signals unparsable text with a warning in some versions
        try:
            flat = np.fromstring(b" ".join(value_texts), dtype=np.float32, sep=" ")
        except (ValueError, DeprecationWarning):
            flat = None
    if flat is not None and flat.size == len(value_texts) * dim:
        return flat.reshape(len(value_texts), dim)
    # Slow path, only for bad input: find the first row that does not parse and say where it is.
    rows = np.empty((len(value_texts), dim), dtype=np.float32)
    for offset, values in enumerate(value_texts):
        for token in values.split():
            try:
                float(token)
            except ValueError:
                bad = token.decode(errors="replace")
                line_no = first_line_no + offset
                raise VectorsFormatError(f"{name}, line {line_no}: non-numeric value {bad!r}") from None
        try:
            rows[offset] = np.array(values.split(), dtype=np.float32)
        except ValueError:
            raise VectorsFormatError(
                f"{name}, line {first_line_no + offset}: values numpy cannot read as float32"
            ) from None
    return rows


def _read_binary_records(f, name, n_rows, n_words, dim, encoding, unicode_errors):
    vectors = np.empty((n_rows, dim), dtype=np.float32)
    words: list[str] = []
    first_line: dict[str, int] = {}
    vector_bytes = 4 * dim
    buffer, pos = b"", 0
    buffer_start = f.tell()  # file offset of buffer[0], for error messages
    at_eof = False
    for row in range(n_rows):
        line_no = row + 2
        while True:
            space = buffer.find(b" ", pos)
            if space != -1 and len(buffer) - (space + 1) >= vector_bytes:
                break
            if at_eof:
                _raise_binary_truncation(buffer, pos, space, buffer_start, row, n_words, vector_bytes, name,
                                         line_no)
            chunk = f.read(_BINARY_CHUNK_BYTES)
            at_eof = not chunk
            buffer_start += pos
            buffer, pos = buffer[pos:] + chunk, 0
        # The C tool ends each record with "\n" and gensim does not; accept both by skipping
        # newlines in front of the word.
        word_start = _skip_newlines(buffer, pos)
        where = f"line {line_no} (byte {buffer_start + word_start})"
        word = _decode_word(buffer[word_start:space], name, where, encoding, unicode_errors)
        _check_unique(word, line_no, first_line, name)
        words.append(word)
        vectors[row] = np.frombuffer(buffer, dtype="<f4", count=dim, offset=space + 1)
        pos = space + 1 + vector_bytes
    return words, vectors


def _skip_newlines(buffer: bytes, pos: int) -> int:
    while buffer[pos:pos + 1] == b"\n":
        pos += 1
    return pos


def _raise_binary_truncation(buffer, pos, space, buffer_start, row, n_words, vector_bytes, name, line_no):
    pos = _skip_newlines(buffer, pos)
    where = f"{name}, line {line_no} (byte {buffer_start + pos})"
    if pos == len(buffer):
        raise VectorsFormatError(
            f"{where}: file ends after {row} of the {n_words} vectors the header announces"
        )
    if space == -1:
        raise VectorsFormatError(f"{where}: file ends inside a word (no space before the vector)")
    got = len(buffer) - (space + 1)
    raw_word = buffer[pos:space][:80]
    raise VectorsFormatError(
        f"{where}: file ends in the middle of the vector for {raw_word!r}: "
        f"expected {vector_bytes} bytes, got {got}"
    )


# ---------------------------------------------------------------------- native format
def write_npz(path: str | os.PathLike, words: Sequence[str], counts: np.ndarray, vectors: np.ndarray) -> None:
    """Save ``words``, ``counts`` (int64, shape (n_words,)) and ``vectors`` (shape (n_words, dim)) to one
    ``.npz`` file at exactly ``path``, atomically.

    Example
    -------
    >>> import os, tempfile, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "v.npz")
    >>> write_npz(path, ["über", "b"], np.array([2, 1]), np.zeros((2, 3), dtype=np.float32))
    >>> words, counts, vectors = read_npz(path)
    >>> words, counts.tolist(), vectors.shape
    (['über', 'b'], [2, 1], (2, 3))
    """
    words_json = json.dumps(list(words), ensure_ascii=False).encode("utf-8")
    with atomic_write(path, "wb") as f:
        np.savez(
            f,
            format_version=np.array(_NATIVE_FORMAT_VERSION),
            vectors=vectors,
            counts=counts,
            words_json=np.frombuffer(words_json, dtype=np.uint8),
        )


def read_npz(path: str | os.PathLike) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(words, counts, vectors)`` as :func:`write_npz` stored them.

    Loads with ``allow_pickle=False``: reading a file never runs code. Raises
    :class:`VectorsFormatError` for a file that is not a zip, lacks a member, has another format version
    or holds corrupt JSON. Whether the three parts agree is left to the caller.
    """
    name = os.fspath(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = {"format_version", "vectors", "counts", "words_json"} - set(archive.files)
            if missing:
                raise VectorsFormatError(
                    f"{name}: not a negsample KeyedVectors file (missing {sorted(missing)})"
                )
            version = int(archive["format_version"])
            if version != _NATIVE_FORMAT_VERSION:
                raise VectorsFormatError(f"{name}: unsupported format version {version}")
            vectors, counts = archive["vectors"], archive["counts"]
            words = json.loads(archive["words_json"].tobytes().decode("utf-8"))
    except VectorsFormatError:
        raise
    except (ValueError, OSError, KeyError) as exc:  # not a zip / corrupt member / bad JSON
        raise VectorsFormatError(f"{name}: cannot read as a negsample .npz file ({exc})") from exc
    return words, counts, vectors

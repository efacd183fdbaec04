"""The word2vec C tool's text and binary formats: reading (checked before anything is allocated) and
writing (atomic; text formatted by a compiled kernel, in threads).

Example
-------
>>> import os, tempfile, numpy as np
>>> from negsample.vectors_io.word2vec_format import read_word2vec, write_word2vec
>>> path = os.path.join(tempfile.mkdtemp(), "v.txt")
>>> write_word2vec(path, ["a", "b"], np.array([[0.5, -1], [2, 1e-7]], dtype=np.float32))
>>> open(path).read()
'2 2\\na 0.5 -1\\nb 2 1.00000001e-07\\n'
>>> words, vectors = read_word2vec(path)
>>> words, vectors.dtype
(['a', 'b'], dtype('float32'))
"""

from __future__ import annotations

import collections
import os
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import BinaryIO

import numpy as np

from .._atomic import atomic_write
from .._checks import ParameterError
from .common import (
    VectorsFormatError,
    check_datatype,
    check_decoding,
    check_finite,
    check_limit,
    check_storable_words,
    check_unique,
    decode_word,
)

__all__ = ["read_header", "read_word2vec", "write_word2vec"]

TEXT_CHUNK_LINES = 8192  # rows parsed per np.fromstring call: big enough to amortise, small in memory
BINARY_CHUNK_BYTES = 1 << 20
_WRITE_BLOCK_BYTES = 4 << 20  # text formatted per kernel call
_HEADER_BYTES = 1024  # a header line longer than this is not a header


# ---------------------------------------------------------------------- reading
def read_word2vec(path: str | os.PathLike, *, binary: bool = False, limit: int | None = None,
                  encoding: str = "utf8", unicode_errors: str = "strict", datatype=np.float32,
                  no_header: bool = False, allow_non_finite: bool = False,
                  on_rows: Callable[[int], object] | None = None) -> tuple[list[str], np.ndarray]:
    """Read a word2vec text or binary file (as written by the C tool, gensim or negsample).

    Returns the words (length n_rows) and the vectors (``datatype``, shape (n_rows, dim)), where
    ``n_rows`` is the header's word count, or ``limit`` if that is smaller. ``no_header`` reads a text
    file without the header line (its rows are counted first). ``on_rows(n)`` hears of every block of
    rows read (for a progress bar). See
    :meth:`KeyedVectors.load_word2vec_format <negsample.keyedvectors.KeyedVectors.load_word2vec_format>`
    for the parameters and the errors.
    """
    limit = check_limit(limit)
    dtype = check_datatype(datatype)
    check_decoding(encoding, unicode_errors)
    if no_header and binary:
        raise ParameterError("no_header works for text files only: binary records cannot be counted "
                             "without the header")
    name = os.fspath(path)
    with open(path, "rb") as f:
        if no_header:
            n_words, dim = _count_text_rows(f, name, encoding)
            first_line = 1
        else:
            n_words, dim = read_header(f, name, encoding)
            first_line = 2
        n_rows = n_words if limit is None else min(n_words, limit)
        reader = _read_binary_records if binary else _read_text_records
        words, vectors = reader(f, name, n_rows, n_words, dim, first_line, encoding, unicode_errors, dtype,
                                allow_non_finite, on_rows)
        if limit is None or limit > n_words:
            (_check_binary_end if binary else _check_text_end)(f, name, n_words, first_line + n_rows)
    return words, vectors


def read_header(f: BinaryIO, name: str, encoding: str = "utf8") -> tuple[int, int]:
    """``(n_words, dim)`` from the first line of the open file ``f``; ``name`` is used in errors."""
    raw = f.readline(_HEADER_BYTES)
    if not raw:
        raise VectorsFormatError(f"{name}: file is empty (expected a header line '<n_words> <dim>')")
    try:
        fields = raw.decode(encoding).split()
        n_words, dim = (int(x) for x in fields)
        if n_words < 0 or dim < 1:
            raise ValueError
    except ValueError:
        raise VectorsFormatError(
            f"{name}, line 1: the header must be two integers '<n_words> <dim>' (dim >= 1), got {raw[:80]!r}"
        ) from None
    return n_words, dim


def _count_text_rows(f: BinaryIO, name: str, encoding: str) -> tuple[int, int]:
    """``(rows, dim)`` of a text file without a header: its non-blank lines, and the first one's
    number of values. Leaves ``f`` at the start."""
    first = f.readline()
    if not first.strip():
        raise VectorsFormatError(f"{name}, line 1: expected a record 'word v1 v2 ...' (no_header=True), "
                                 f"got {first[:80]!r}")
    dim = len(first.split()) - 1
    if dim < 1:
        raise VectorsFormatError(f"{name}, line 1: a record needs a word and at least one value, got {first[:80]!r}")
    rows = 1 + sum(1 for line in f if line.strip())
    f.seek(0)
    return rows, dim


def _room(f: BinaryIO, binary: bool, dim: int) -> int:
    """How many records the rest of the file can hold at most, so that nothing the header announces
    is allocated before the file shows it holds it: a text record takes at least a 1-byte word and
    ``dim`` 1-byte values, each after a separator, and a newline (but the last); a binary one a
    1-byte word, a space and ``dim`` float32."""
    left = os.fstat(f.fileno()).st_size - f.tell()
    return left // (2 + 4 * dim) if binary else (left + 1) // (2 + 2 * dim)


def _capacity(f: BinaryIO, binary: bool, n_rows: int, dim: int) -> int:
    """Rows to allocate: ``n_rows``, or fewer if the file cannot hold them -- then reading stops at
    the line where the file ends, with that error."""
    return min(n_rows, _room(f, binary, dim))


def _read_text_records(f, name, n_rows, n_words, dim, first_line, encoding, unicode_errors, dtype,
                       allow_non_finite, on_rows):
    vectors = np.empty((_capacity(f, False, n_rows, dim), dim), dtype=dtype)
    parse_dtype = np.float64 if dtype == np.float64 else np.float32
    words: list[str] = []
    first_seen: dict[str, int] = {}
    done = 0
    while done < n_rows:
        chunk_rows = min(TEXT_CHUNK_LINES, n_rows - done)
        value_texts = []
        for offset in range(chunk_rows):
            line_no = done + offset + first_line
            line = f.readline()
            if not line:
                raise VectorsFormatError(
                    f"{name}, line {line_no}: file ends after {done + offset} of the {n_words} vectors "
                    "the header announces"
                )
            # Split the word off at the first ASCII space only (as the C tool and gensim do): words
            # may contain other Unicode spaces. rstrip drops the newline and the C tool's trailing space.
            raw_word, _, values = line.rstrip().partition(b" ")
            word = decode_word(raw_word, name, f"line {line_no}", encoding, unicode_errors)
            check_unique(word, line_no, first_seen, name)
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
        rows = _parse_values(value_texts, dim, name, done + first_line, parse_dtype)
        if done + chunk_rows > vectors.shape[0]:
            raise _grew(name)
        _store(vectors, done, rows, name, done + first_line, allow_non_finite)
        done += chunk_rows
        if on_rows is not None:
            on_rows(chunk_rows)
    return words, vectors


def _grew(name: str) -> VectorsFormatError:
    return VectorsFormatError(f"{name}: the file grew while it was read")


def _store(vectors, start, rows, name, first_line, allow_non_finite, where=None):
    """``vectors[start:start + len(rows)] = rows``, refusing non-finite values (also those the cast
    to a narrower datatype makes) unless they are allowed."""
    if not allow_non_finite:
        check_finite(rows, name, first_line=first_line, where=where)
    with np.errstate(all="ignore"):
        vectors[start:start + rows.shape[0]] = rows
    if not allow_non_finite and vectors.dtype != rows.dtype:
        stored = vectors[start:start + rows.shape[0]]
        if not np.isfinite(stored).all():
            row = int(np.argwhere(~np.isfinite(stored))[0][0])
            place = f"line {first_line + row}" if where is None else where(row)
            raise VectorsFormatError(f"{name}, {place}: a value is too large for datatype {vectors.dtype}")


def _parse_values(value_texts: list[bytes], dim: int, name: str, first_line: int, dtype) -> np.ndarray:
    """Parse the number part of many rows at once; shape (len(value_texts), dim)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy signals unparsable text with a warning in some versions
        try:
            flat = np.fromstring(b" ".join(value_texts), dtype=dtype, sep=" ")
        except (ValueError, Warning):
            flat = None
    if flat is not None and flat.size == len(value_texts) * dim:
        return flat.reshape(len(value_texts), dim)
    # Slow path, only for bad input: find the first row that does not parse and say where it is.
    rows = np.empty((len(value_texts), dim), dtype=dtype)
    for offset, values in enumerate(value_texts):
        line_no = first_line + offset
        try:
            numbers = [float(token) for token in values.split()]
        except ValueError:
            bad = next(t for t in values.split() if not _is_number(t)).decode(errors="replace")
            raise VectorsFormatError(f"{name}, line {line_no}: non-numeric value {bad!r}") from None
        with np.errstate(all="ignore"):
            rows[offset] = numbers
    return rows


def _is_number(token: bytes) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _check_text_end(f, name, n_words, line_no):
    """Nothing but blank lines may follow the last record the header announces."""
    for line in f:
        if line.strip():
            raise VectorsFormatError(
                f"{name}, line {line_no}: the header announces {n_words} vectors, but the file holds more "
                f"(line {line_no} starts {line[:40]!r}); fix the header, or pass limit={n_words} to read "
                "only the announced rows"
            )
        line_no += 1


def _read_binary_records(f, name, n_rows, n_words, dim, first_line, encoding, unicode_errors, dtype,
                         allow_non_finite, on_rows):
    raw = np.empty((_capacity(f, True, n_rows, dim), dim), dtype="<f4")
    words: list[str] = []
    starts: list[int] = []  # each record's byte offset, for error messages
    first_seen: dict[str, int] = {}
    vector_bytes = 4 * dim
    buffer, pos = b"", 0
    buffer_start = f.tell()  # file offset of buffer[0]
    at_eof = False
    reported = 0
    pending: list[int] = []  # where the vectors of rows [reported, row) start in buffer
    for row in range(n_rows):
        line_no = row + first_line
        while True:
            space = buffer.find(b" ", pos)
            if space != -1 and len(buffer) - (space + 1) >= vector_bytes:
                break
            if at_eof:
                _raise_binary_truncation(buffer, pos, space, buffer_start, row, n_words, vector_bytes, name,
                                         line_no)
            _gather(raw, reported, buffer, pending, vector_bytes)
            chunk = f.read(BINARY_CHUNK_BYTES)
            at_eof = not chunk
            buffer_start += pos
            buffer, pos = buffer[pos:] + chunk, 0
            if on_rows is not None:
                on_rows(row - reported)
            reported = row
        # The C tool ends each record with "\n" and gensim does not; accept both by skipping
        # newlines in front of the word.
        word_start = _skip_newlines(buffer, pos)
        starts.append(buffer_start + word_start)
        where = f"line {line_no} (byte {starts[-1]})"
        word = decode_word(buffer[word_start:space], name, where, encoding, unicode_errors)
        check_unique(word, line_no, first_seen, name)
        words.append(word)
        if row >= raw.shape[0]:
            raise _grew(name)
        pending.append(space + 1)
        pos = space + 1 + vector_bytes
    _gather(raw, reported, buffer, pending, vector_bytes)
    f.seek(buffer_start + pos)
    if on_rows is not None:
        on_rows(n_rows - reported)
    vectors = np.empty((n_rows, dim), dtype=dtype)
    _store(vectors, 0, raw, name, first_line, allow_non_finite,
           where=lambda row: f"line {row + first_line} (byte {starts[row]})")
    return words, vectors


def _gather(raw: np.ndarray, first: int, buffer: bytes, offsets: list[int], vector_bytes: int) -> None:
    """Copy the vectors at ``offsets`` of ``buffer`` into rows ``first, first + 1, ...`` of ``raw`` at
    once (one join and one copy instead of an array per row), and forget the offsets."""
    if offsets:
        joined = b"".join([buffer[o:o + vector_bytes] for o in offsets])
        raw[first:first + len(offsets)] = np.frombuffer(joined, dtype="<f4").reshape(len(offsets), -1)
        offsets.clear()


def _skip_newlines(buffer: bytes, pos: int) -> int:
    while buffer[pos:pos + 1] == b"\n":
        pos += 1
    return pos


def _raise_binary_truncation(buffer, pos, space, buffer_start, row, n_words, vector_bytes, name, line_no):
    pos = _skip_newlines(buffer, pos)
    where = f"{name}, line {line_no} (byte {buffer_start + pos})"
    if pos == len(buffer):
        raise VectorsFormatError(f"{where}: file ends after {row} of the {n_words} vectors the header announces")
    if space == -1:
        raise VectorsFormatError(f"{where}: file ends inside a word (no space before the vector)")
    got = len(buffer) - (space + 1)
    raise VectorsFormatError(
        f"{where}: file ends in the middle of the vector for {buffer[pos:space][:80]!r}: "
        f"expected {vector_bytes} bytes, got {got}"
    )


def _check_binary_end(f, name, n_words, line_no):
    """Nothing but newlines may follow the last record the header announces."""
    offset = f.tell()
    while True:
        chunk = f.read(BINARY_CHUNK_BYTES)
        if not chunk:
            return
        rest = chunk.lstrip(b"\n")
        if rest:
            raise VectorsFormatError(
                f"{name}, line {line_no} (byte {offset + len(chunk) - len(rest)}): the header announces "
                f"{n_words} vectors, but the file holds more; fix the header, or pass limit={n_words} to read "
                "only the announced records"
            )
        offset += len(chunk)


# ---------------------------------------------------------------------- writing
def write_word2vec(path: str | os.PathLike, words: Sequence[str], vectors: np.ndarray, *, binary: bool = False,
                   write_header: bool = True, on_rows: Callable[[int], object] | None = None,
                   workers: int | None = None) -> None:
    """Write ``words`` and ``vectors`` (shape (len(words), dim)) in the word2vec format, atomically.

    Text records are ``word v1 ... v_dim`` with each value as ``"%.9g"`` writes it (nine significant
    digits give back the same float32 exactly), formatted by a compiled kernel in ``workers`` threads
    (default: every core). Binary records are the word, a space, ``dim`` little-endian float32 and a
    newline, byte for byte what the C tool writes. ``write_header=False`` leaves out the
    ``"<n_words> <dim>"`` line (text only makes sense then: see ``no_header`` when reading).
    ``on_rows(n)`` hears of every block of rows written.

    Raises :class:`~negsample.ParameterError`, before anything is written, for a word that is empty
    or contains ASCII whitespace.

    Example
    -------
    >>> import os, tempfile, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "v.bin")
    >>> write_word2vec(path, ["a"], np.array([[1.0]], dtype=np.float32), binary=True)
    >>> open(path, "rb").read()   # header, word, space, one little-endian float32, newline
    b'1 1\\na \\x00\\x00\\x80?\\n'
    """
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or vectors.shape[0] != len(words) or vectors.shape[1] < 1:
        raise ParameterError(f"vectors must have shape (len(words), dim >= 1) = ({len(words)}, *), "
                             f"got {vectors.shape}")
    check_storable_words(words)
    n_words, dim = vectors.shape
    with atomic_write(path, "wb") as f:
        if write_header:
            f.write(f"{n_words} {dim}\n".encode())
        if binary:
            _write_binary_rows(f, words, vectors, on_rows)
        else:
            _write_text_rows(f, words, vectors, on_rows, workers)


def _write_binary_rows(f, words, vectors, on_rows) -> None:
    block = max(1, _WRITE_BLOCK_BYTES // (4 * vectors.shape[1] + 16))
    for start in range(0, len(words), block):
        rows = np.ascontiguousarray(vectors[start:start + block], dtype="<f4")
        f.write(b"".join(word.encode("utf-8") + b" " + row.tobytes() + b"\n"
                         for word, row in zip(words[start:start + block], rows, strict=True)))
        if on_rows is not None:
            on_rows(rows.shape[0])


def _write_text_rows(f, words, vectors, on_rows, workers) -> None:
    from .._kernels.float_text import MAX_VALUE_BYTES, format_rows

    n_words, dim = vectors.shape
    block = max(1, _WRITE_BLOCK_BYTES // (MAX_VALUE_BYTES * dim + 32))
    encoded = [word.encode("utf-8") for word in words]

    def format_block(start: int) -> np.ndarray:
        stop = min(start + block, n_words)
        word_bytes = b"".join(encoded[start:stop])
        word_starts = np.zeros(stop - start + 1, np.int64)
        np.cumsum([len(w) for w in encoded[start:stop]], out=word_starts[1:])
        out = np.empty(len(word_bytes) + (stop - start) * (MAX_VALUE_BYTES * dim + 1), np.uint8)
        rows = np.ascontiguousarray(vectors[start:stop], dtype=np.float32)
        return out[:format_rows(rows, np.frombuffer(word_bytes, np.uint8), word_starts, out)]

    threads = max(1, workers or _cores())
    # The kernel runs without the GIL; at most two blocks per thread wait in memory, written in order.
    with ThreadPoolExecutor(max_workers=threads) as pool:
        pending: collections.deque = collections.deque()
        for start in range(0, n_words, block):
            pending.append((pool.submit(format_block, start), min(block, n_words - start)))
            if len(pending) >= 2 * threads:
                _write_next(f, pending, on_rows)
        while pending:
            _write_next(f, pending, on_rows)


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - not on Linux


def _write_next(f, pending, on_rows) -> None:
    future, rows = pending.popleft()
    f.write(future.result())
    if on_rows is not None:
        on_rows(rows)

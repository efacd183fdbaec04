"""What every vectors format shares: the error type, parameter checks, word decoding and the checks
that catch a wrong load early (duplicate words, non-finite values).

Example
-------
>>> import numpy as np
>>> from negsample.vectors_io.common import check_finite
>>> check_finite(np.array([[1.0, np.nan]]), "v.txt", first_line=2)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
negsample.VectorsFormatError: v.txt, line 2: value 2 is nan (non-finite values are refused; ...)
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from numbers import Integral

import numpy as np

from .._checks import ParameterError

__all__ = ["VectorsFormatError", "check_datatype", "check_decoding", "check_finite", "check_limit",
           "check_storable_words", "check_unique", "decode_word"]

# A word containing ASCII whitespace would be split differently on reading, so it cannot be stored.
ASCII_WHITESPACE = re.compile(r"[ \t\n\r\x0b\x0c]")
_ASCII_WHITESPACE_BYTES = re.compile(rb"[ \t\n\r\x0b\x0c]")


class VectorsFormatError(ValueError):
    """A vectors file is malformed. The message names the file and, where it applies, the line (and,
    for binary files, the byte)."""


VectorsFormatError.__module__ = "negsample"  # its public home: tracebacks show negsample.VectorsFormatError


def check_limit(limit) -> int | None:
    """``limit``: None or an integer >= 0 (NumPy integers count)."""
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, Integral) or limit < 0:
        raise ParameterError(f"limit must be an integer >= 0 or None, got {limit!r}")
    return int(limit)


def check_datatype(datatype) -> np.dtype:
    """``datatype``: a floating-point NumPy dtype (float16, float32, float64)."""
    try:
        dtype = np.dtype(datatype)
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind != "f":
        raise ParameterError(f"datatype must be a floating-point dtype such as np.float32, got {datatype!r}")
    return dtype


def check_decoding(encoding: str, unicode_errors: str) -> None:
    """``encoding`` and ``unicode_errors`` must name a codec and an error handler."""
    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError):
        raise ParameterError(f"encoding: unknown text encoding {encoding!r}") from None
    try:
        codecs.lookup_error(unicode_errors)
    except (LookupError, TypeError):
        raise ParameterError(f"unicode_errors: unknown error handler {unicode_errors!r} "
                             "(use 'strict', 'ignore' or 'replace')") from None


def check_storable_words(words: Sequence[str]) -> None:
    """Refuse, before anything is written, a word the word2vec format cannot hold."""
    for word in words:
        if not isinstance(word, str) or not word or ASCII_WHITESPACE.search(word):
            raise ParameterError(f"cannot store {word!r} in word2vec format: words must be non-empty "
                                 "strings without whitespace")


def decode_word(raw: bytes, name: str, where: str, encoding: str, unicode_errors: str) -> str:
    """``raw`` decoded; an undecodable or empty word, or one holding ASCII whitespace (no writer can
    have written it, and none could write it back), is a :class:`VectorsFormatError` at ``where``."""
    if _ASCII_WHITESPACE_BYTES.search(raw):
        raise VectorsFormatError(f"{name}, {where}: the word {raw[:80]!r} contains whitespace")
    try:
        word = raw.decode(encoding, errors=unicode_errors)
    except UnicodeDecodeError as exc:
        raise VectorsFormatError(f"{name}, {where}: cannot decode the word {raw[:80]!r} ({exc.reason})") from None
    if not word:
        raise VectorsFormatError(f"{name}, {where}: empty word")
    return word


def check_unique(word: str, line_no: int, first_line: dict[str, int], name: str) -> None:
    seen = first_line.setdefault(word, line_no)
    if seen != line_no:
        raise VectorsFormatError(f"{name}, line {line_no}: duplicate word {word!r} (first on line {seen})")


def check_finite(rows: np.ndarray, name: str, *, first_line: int, where=None) -> None:
    """Every value of ``rows`` (shape (n, dim); row i is on line ``first_line + i``) must be finite.

    ``where(i)`` may say more about row i than its line (e.g. its byte offset in a binary file).
    """
    finite = np.isfinite(rows)
    if finite.all():
        return
    row, column = (int(k) for k in np.argwhere(~finite)[0])
    place = f"line {first_line + row}" if where is None else where(row)
    raise VectorsFormatError(
        f"{name}, {place}: value {column + 1} is {rows[row, column]} (non-finite values are refused; "
        "pass allow_non_finite=True to load them)"
    )

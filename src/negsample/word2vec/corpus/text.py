r"""Reading corpus files as text: what a file is (by its first bytes, not its name), opening it
(gzip, bzip2, xz and zip decompressed; UTF-16/32 decoded), UTF-8 decoding that counts what it
replaces, the rule that stops on a file that is not text, and the error every failure becomes.

Both readers of a file corpus -- the Python reader in :mod:`~negsample.word2vec.corpus.source` and the
compiled scanner in :mod:`~negsample.word2vec.corpus.scan` -- take their bytes from :func:`utf8_blocks`,
so they see the same text, replacements included.

Not text
    A file is refused, naming it, when more than ``max_invalid_share`` (1% by default, see
    :data:`MAX_INVALID_SHARE`) of the bytes read so far are NUL or invalid UTF-8: checked after every
    block of 4 MiB, so a binary file stops at once. Below that, invalid bytes become U+FFFD and are
    counted, and one warning line names each file that had any.
Recognised signatures
    gzip, bzip2, xz and zip are decompressed (a zip's members are read in order, each ending a
    sentence as a file does); zstd, 7z, rar, lz4, lzip, Unix compress and a few binary formats are
    named in the error; UTF-8 byte-order marks are skipped and UTF-16/32 text (with its BOM) is
    decoded.

Example
-------
>>> import pathlib, tempfile
>>> from negsample.word2vec.corpus.text import ReadStats, utf8_blocks
>>> path = pathlib.Path(tempfile.mkdtemp()) / "corpus.txt"
>>> _ = path.write_bytes(b"caf\xe9 ok\n" + b"fine words\n" * 100)
>>> stats = ReadStats()
>>> next(utf8_blocks([path], stats=stats))[0][:10]
b'caf\xef\xbf\xbd ok\n'
>>> stats.invalid_bytes(path)
1
"""

from __future__ import annotations

import bz2
import codecs
import contextlib
import gzip
import lzma
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..._checks import ParameterError, warn_outside

__all__ = ["BLOCK_BYTES", "MAX_INVALID_SHARE", "CorpusError", "ReadStats", "check_max_invalid_share",
           "file_kind", "is_splittable", "open_corpus_file", "utf8_blocks"]

BLOCK_BYTES = 1 << 22  # 4 MiB of text per block
MAX_INVALID_SHARE = 0.01  # more NUL or invalid UTF-8 bytes than this share: the file is not text

# First bytes -> (kind, what to call it). Decompressible kinds have an opener below.
_SIGNATURES = [
    (b"\x1f\x8b", "gzip", "gzip-compressed"),
    (b"BZh", "bz2", "bzip2-compressed"),
    (b"\xfd7zXZ\x00", "xz", "xz-compressed"),
    (b"PK\x03\x04", "zip", "a zip archive"),
    (b"PK\x05\x06", "zip", "an empty zip archive"),
    (b"\x28\xb5\x2f\xfd", "zstd", "zstd-compressed (decompress it first: zstd -d FILE)"),
    (b"7z\xbc\xaf\x27\x1c", "binary", "a 7z archive (extract it first)"),
    (b"Rar!\x1a\x07", "binary", "a rar archive (extract it first)"),
    (b"\x04\x22\x4d\x18", "binary", "lz4-compressed (decompress it first: lz4 -d FILE)"),
    (b"LZIP", "binary", "lzip-compressed (decompress it first: lzip -d FILE)"),
    (b"\x1f\x9d", "binary", "compressed with Unix compress (decompress it first: uncompress FILE)"),
    (b"\x7fELF", "binary", "an ELF executable"),
    (b"%PDF", "binary", "a PDF document"),
    (b"\x89PNG", "binary", "a PNG image"),
    (b"\x93NUMPY", "binary", "a NumPy .npy array"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32 text"),  # before UTF-16's marks, which they start with
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32 text"),
    (b"\xfe\xff", "utf-16-be", "UTF-16 text"),
    (b"\xff\xfe", "utf-16-le", "UTF-16 text"),
    (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8 text with a byte-order mark"),
]
_DECODED = {"utf-16-le": "utf-16", "utf-16-be": "utf-16", "utf-32-le": "utf-32", "utf-32-be": "utf-32",
            "utf-8-sig": "utf-8-sig"}
_OPENERS = {"gzip": gzip.open, "bz2": bz2.open, "xz": lzma.open}


class CorpusError(ValueError):
    """The corpus is missing, empty, unreadable or not text; the message names the source."""


CorpusError.__module__ = "negsample.word2vec"  # its public home


def check_max_invalid_share(value) -> float:
    """``max_invalid_share``: a number in [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ParameterError(f"max_invalid_share must be a number in [0, 1], got {value!r}")
    return float(value)


def file_kind(path: Path) -> tuple[str, str]:
    """``(kind, description)`` of a corpus file from its first bytes: ``"plain"`` for anything that
    carries no known signature."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise CorpusError(f"cannot read corpus file {path}: {exc.strerror or exc}") from None
    for magic, kind, description in _SIGNATURES:
        if head.startswith(magic):
            if kind == "zstd" and _zstd_open() is not None:
                return "zstd", "zstd-compressed"
            return kind, description
    return "plain", "text"


def is_splittable(path: Path) -> bool:
    """Whether byte ranges of the file can be read independently: plain (or UTF-8 BOM) text."""
    return file_kind(path)[0] in ("plain", "utf-8-sig")


def _zstd_open():
    try:  # the standard library has zstd from Python 3.14 on
        from compression import zstd  # type: ignore[import-not-found]
    except ImportError:
        return None
    return zstd.open


class _Tally:
    """Counts the bytes a decoder replaced (one per thread, so concurrent reads keep their own)."""

    local = threading.local()


def _count_and_replace(exc: UnicodeDecodeError):
    _Tally.local.replaced = getattr(_Tally.local, "replaced", 0) + (exc.end - exc.start)
    return "\ufffd", exc.end


codecs.register_error("negsample.count_replace", _count_and_replace)


@dataclass
class ReadStats:
    """What a pass read, per file: bytes of text, bytes replaced (invalid) and NUL bytes.

    Updated from several threads when byte ranges are read in parallel (under its lock).
    """

    max_invalid_share: float = MAX_INVALID_SHARE
    text_bytes: dict = field(default_factory=dict)
    invalid: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, path: Path, text_bytes: int, invalid: int) -> None:
        with self.lock:
            self.text_bytes[path] = self.text_bytes.get(path, 0) + text_bytes
            self.invalid[path] = self.invalid.get(path, 0) + invalid

    def invalid_bytes(self, path: Path | None = None) -> int:
        """Bytes that were NUL or not UTF-8, in ``path`` or in all files."""
        if path is not None:
            return self.invalid.get(path, 0)
        return sum(self.invalid.values())

    def warn_about_replacements(self) -> None:
        """One warning line naming every file that had invalid bytes (below the limit)."""
        bad = [(p, n) for p, n in self.invalid.items() if n]
        if not bad:
            return
        shown = ", ".join(f"{p} ({n} of {self.text_bytes[p]} bytes)" for p, n in bad[:5])
        more = f" and {len(bad) - 5} more files" if len(bad) > 5 else ""
        warn_outside(f"replaced NUL or invalid UTF-8 bytes with U+FFFD in {shown}{more}", UnicodeWarning)


@contextlib.contextmanager
def open_corpus_file(path: Path, kind: str | None = None):
    """Yield ``(streams, position)``: ``streams`` lists ``(name, context manager of a binary stream)``
    for the file (one, decompressed) or each member of a zip, and ``position()`` says how far into the
    file on disk reading has come. Any read error in the block becomes a :class:`CorpusError` that
    names the file."""
    kind = kind or file_kind(path)[0]
    try:
        with open(path, "rb") as raw:
            if kind == "zip":
                with zipfile.ZipFile(raw) as archive:
                    members = [m for m in archive.infolist() if not m.is_dir()]
                    yield [(f"{path}:{m.filename}", _lazy(archive.open, m)) for m in members], raw.tell
            elif kind in _OPENERS or kind == "zstd":
                opener = _zstd_open() if kind == "zstd" else _OPENERS[kind]
                with opener(raw, "rb") as fh:
                    yield [(str(path), contextlib.nullcontext(fh))], raw.tell
            else:
                yield [(str(path), contextlib.nullcontext(raw))], raw.tell
    except CorpusError:
        raise
    except (OSError, EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile, NotImplementedError, RuntimeError,
            ValueError, IndexError, KeyError, OverflowError, struct.error) as exc:
        # BadGzipFile is an OSError; RuntimeError: an encrypted zip member; the others: a zip's
        # directory so damaged that zipfile trips over it
        raise CorpusError(f"cannot read corpus file {path}: {exc}") from exc


@contextlib.contextmanager
def _lazy(opener, member):
    with opener(member) as fh:
        yield fh


def _not_text(path: Path, bad: int, seen: int, limit: float) -> CorpusError:
    kind, description = file_kind(path)
    what = "" if kind in ("plain", "binary") or kind in _DECODED else f" (it is {description})"
    if kind == "binary":
        what = f" (it looks like {description})"
    return CorpusError(
        f"corpus file {path} does not look like text{what}: {bad / seen:.1%} of the first {seen:,} bytes read "
        f"are NUL or invalid UTF-8 (the limit is {limit:.0%}: raise it with max_invalid_share= or --max-invalid-share)"
    )


def utf8_blocks(files: Sequence[Path], on_bytes: Callable[[int], object] | None = None, *,
                stats: ReadStats | None = None, start: int = 0, stop: int | None = None,
                ) -> Iterator[tuple[bytes, bool]]:
    """The files' text as ``(data, last)`` blocks of valid UTF-8 holding whole characters;
    ``last`` marks the final (empty) block of a file or of a zip member. Invalid bytes become U+FFFD;
    NUL and invalid bytes are counted in ``stats``, and a file in which they pass
    ``stats.max_invalid_share`` raises :class:`CorpusError`, as does a file of a kind that cannot be
    read as text. ``on_bytes(n)`` is told how many bytes of the files on disk each block consumed
    (compressed bytes for compressed files), so that they add up to the files' sizes.

    ``start`` and ``stop`` read only that byte range of a single plain file, cut by the caller just
    after an ASCII byte (for parallel reading); ``last`` then comes only if the range ends the file.
    """
    stats = stats if stats is not None else ReadStats()
    for path in files:
        kind, description = file_kind(path)
        if kind == "binary" or (kind == "zstd" and _zstd_open() is None):
            raise CorpusError(f"corpus file {path} is {description}, not text")
        size = _size(path)
        end = size if stop is None else stop
        with open_corpus_file(path, kind) as (streams, position):
            done = start
            for _, stream in streams:
                with stream as fh:
                    if start:
                        fh.seek(start)
                    for data, last in _decoded_blocks(fh, path, kind, stats, start, end, end == size):
                        if on_bytes is not None:
                            now = min(position(), end)
                            on_bytes(now - done)
                            done = now
                        yield data, last
            if on_bytes is not None and end - done > 0:  # e.g. a zip's central directory
                on_bytes(end - done)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as exc:
        raise CorpusError(f"cannot read corpus file {path}: {exc.strerror or exc}") from None


def _decoded_blocks(fh, path: Path, kind: str, stats: ReadStats, start: int, stop: int, ends_file: bool):
    encoding = _DECODED.get(kind, "utf-8") if start == 0 else "utf-8"
    decoder = codecs.getincrementaldecoder(encoding)(errors="negsample.count_replace")
    plain = encoding == "utf-8"
    compressed = kind not in ("plain", "utf-8-sig")
    left = None if compressed else stop - start  # a compressed stream is read to its end
    seen = bad = 0
    while left is None or left > 0:
        data = fh.read(BLOCK_BYTES if left is None else min(BLOCK_BYTES, left))
        if not data:
            break
        if left is not None:
            left -= len(data)
        if plain and data.isascii() and not decoder.getstate()[0]:
            text = data  # nothing to replace: skip the decode and encode (~2 ms per MB)
            replaced = 0
        else:
            _Tally.local.replaced = 0
            # Decoding and re-encoding makes the bytes exactly what the str-based reader sees,
            # replacements included.
            text = decoder.decode(data).encode("utf-8")
            replaced = _Tally.local.replaced
        invalid = replaced + text.count(b"\x00")
        seen += len(data)
        bad += invalid
        stats.add(path, len(data), invalid)
        if bad > stats.max_invalid_share * seen:
            raise _not_text(path, bad, seen, stats.max_invalid_share)
        yield text, False
    if ends_file or compressed:
        _Tally.local.replaced = 0
        text = decoder.decode(b"", final=True).encode("utf-8")
        if _Tally.local.replaced:
            stats.add(path, 0, _Tally.local.replaced)
        yield text, True

r"""Reading corpus files as text: opening (``.gz`` decompressed), UTF-8 decoding that counts what it
replaces, and the error every reading failure becomes.

Both readers of a file corpus -- the Python reader in :mod:`~negsample.word2vec.corpus.source` and the
compiled scanner in :mod:`~negsample.word2vec.corpus.scan` -- decode through here, so they see the
same text, replacements included.

Example
-------
>>> import pathlib, tempfile
>>> from negsample.word2vec.corpus.text import invalid_bytes_seen, utf8_blocks
>>> path = pathlib.Path(tempfile.mkdtemp()) / "corpus.txt"
>>> _ = path.write_bytes(b"caf\xe9 ok\n")
>>> [data for data, last in utf8_blocks([path])]
[b'caf\xef\xbf\xbd ok\n', b'']
>>> invalid_bytes_seen()
1
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

__all__ = ["BLOCK_BYTES", "CorpusError", "invalid_bytes_seen", "open_corpus_file", "start_pass", "utf8_blocks",
           "utf8_decoder"]

BLOCK_BYTES = 1 << 22  # 4 MiB of text per block


class CorpusError(ValueError):
    """The corpus is missing, empty or unreadable; the message names the source."""


# One replacement handler for the whole process; counts live in a thread-local so that two corpora
# read in two threads keep separate tallies.
_tally = threading.local()


def _count_and_replace(exc: UnicodeDecodeError):
    _tally.invalid = getattr(_tally, "invalid", 0) + (exc.end - exc.start)
    return "\ufffd", exc.end


codecs.register_error("negsample.count_replace", _count_and_replace)


def utf8_decoder():
    """An incremental UTF-8 decoder that replaces invalid bytes and counts them (see ``_tally``)."""
    return codecs.getincrementaldecoder("utf-8")(errors="negsample.count_replace")


@contextlib.contextmanager
def open_corpus_file(path: Path):
    """Open a corpus file for binary reading (``.gz`` decompressed); any read error in the block
    becomes a :class:`CorpusError` that names the file."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            yield fh
    except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
        raise CorpusError(f"cannot read corpus file {path}: {exc}") from exc


def start_pass() -> None:
    """Reset this thread's count of replaced bytes: a reading pass begins."""
    _tally.invalid = 0


def invalid_bytes_seen() -> int:
    """Bytes this thread replaced with U+FFFD since :func:`start_pass`."""
    return getattr(_tally, "invalid", 0)


def utf8_blocks(files: Sequence[Path], on_bytes: Callable[[int], object] | None = None,
                ) -> Iterator[tuple[bytes, bool]]:
    """The files' text as ``(data, last)`` blocks of valid UTF-8 holding whole characters;
    ``last`` marks a file's final block. Invalid bytes become U+FFFD and are counted
    (:func:`invalid_bytes_seen`). ``on_bytes(n)`` is told how many bytes of the files on disk each
    block consumed (compressed bytes for ``.gz``), so that they add up to the files' sizes.

    Starts a pass (:func:`start_pass`).
    """
    start_pass()
    for path in files:
        decoder = utf8_decoder()
        with open_corpus_file(path) as fh:
            raw = fh.fileobj if isinstance(fh, gzip.GzipFile) else fh
            done = 0
            while True:
                data = fh.read(BLOCK_BYTES)
                if on_bytes is not None:
                    position = raw.tell()
                    on_bytes(position - done)
                    done = position
                # Decoding and re-encoding costs ~1 ms per MB and makes the bytes exactly what
                # the str-based reader sees, replacements included.
                yield decoder.decode(data, final=not data).encode("utf-8"), not data
                if not data:
                    break

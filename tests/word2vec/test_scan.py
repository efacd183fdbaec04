"""The one-pass compiled scanner against the two-pass Python reader it replaces for files."""

import gzip
import sys

import numpy as np
import pytest

import negsample.word2vec.corpus.encoded as encoded_module
import negsample.word2vec.corpus.scan as scan_module
import negsample.word2vec.corpus.source as source_module
import negsample.word2vec.corpus.text as text_module
from negsample.word2vec.corpus import Corpus, CorpusError
from negsample.word2vec.corpus.scan import scan_files


def _two_pass(corpus, **build):
    counter = corpus.count_words()
    vocab = counter.build(**build)
    return counter, vocab, corpus.encode(vocab)


def _scan(corpus, **kwargs):
    """The scanner on a Corpus's files, as ``Corpus.count_and_encode`` calls it."""
    return scan_files(corpus.files, max_sentence_length=corpus.max_sentence_length, name=corpus.name, **kwargs)


def _flat(encoded):
    if not encoded.chunks:
        return [], []
    ids = np.concatenate([np.asarray(i) for i, _ in encoded.chunks]).tolist()
    lengths = np.concatenate([np.asarray(n) for _, n in encoded.chunks]).tolist()
    return ids, lengths


def _assert_same_as_python(path, max_sentence_length=10_000, **build):
    slow_corpus = Corpus(path, max_sentence_length=max_sentence_length)
    counter, slow_vocab, slow = _two_pass(slow_corpus, **build)
    fast_corpus = Corpus(path, max_sentence_length=max_sentence_length)
    scanned = _scan(fast_corpus)
    assert scanned.words == list(counter.counts.keys())  # first-appearance order
    assert scanned.counts.tolist() == list(counter.counts.values())
    assert scanned.raw_words == slow_corpus.raw_words == slow.raw_words
    assert scanned.invalid_bytes == slow_corpus.invalid_bytes
    vocab = scanned.build(**build)
    assert vocab.index_to_key == slow_vocab.index_to_key
    assert vocab.counts.tolist() == slow_vocab.counts.tolist()
    fast = scanned.encode(vocab)
    assert fast.n_words == slow.n_words and fast.raw_words == slow.raw_words
    assert _flat(fast) == _flat(slow)
    return scanned, fast


def test_splits_exactly_where_str_split_does_for_every_code_point(tmp_path):
    """One line per code point c: "x<c>y". The scanner must split it iff chr(c).isspace()."""
    points = [c for c in range(1, sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF and c != 10]
    path = tmp_path / "every.txt"
    path.write_text("".join(f"x{chr(c)}y\n" for c in points), encoding="utf-8")
    scanned = _scan(Corpus(path))
    lengths = scanned.sentence_lengths.tolist()
    spaces = [c for c in points if chr(c).isspace()]
    assert len(spaces) == 28  # Python 3.11's list, \n excluded
    assert len(lengths) == len(points)
    split_lines = [i for i, n in enumerate(lengths) if n == 2]
    assert [points[i] for i in split_lines] == spaces
    assert scanned.raw_words == len(points) + len(spaces)


def test_same_vocabulary_and_ids_as_the_python_reader(tmp_path, monkeypatch):
    """Unicode spaces, CRLF, tabs, empty lines, long lines and invalid bytes, read in 7-byte blocks
    (tokens, multi-byte characters and sentences all cross block boundaries) with a table that has
    to grow several times."""
    monkeypatch.setattr(text_module, "BLOCK_BYTES", 7)
    monkeypatch.setattr(scan_module._WordTable.__init__, "__defaults__", (2,))
    rng = np.random.default_rng(0)
    alphabet = ["a", "b", "é", "ж", "好", "🙂", "ab", "the", "of", "x" * 30]
    separators = [" ", "  ", "\t", "\u00a0", "\u3000", "\u2003", "\x1c", "\r", "\x85"]
    lines = []
    for _ in range(300):
        n = int(rng.integers(0, 25))
        words = [alphabet[i] + str(rng.integers(0, 40)) for i in rng.integers(0, len(alphabet), n)]
        line = "".join(w + separators[rng.integers(0, len(separators))] for w in words)
        lines.append(line + ("\r" if rng.random() < 0.2 else ""))
    data = "\n".join(lines).encode("utf-8")  # no newline at the end
    data = data[:500] + b"\xff\xfe" + data[500:800] + b"\xe2\x82" + data[800:]  # invalid bytes
    path = tmp_path / "mixed.txt"
    path.write_bytes(data)
    with pytest.warns(UnicodeWarning, match="replaced"):
        _assert_same_as_python(path, max_sentence_length=7, min_count=2)
    with pytest.warns(UnicodeWarning):
        _assert_same_as_python(path, min_count=1, max_final_vocab=20)


def test_a_token_longer_than_a_block_and_exact_multiples_of_the_sentence_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(text_module, "BLOCK_BYTES", 16)
    path = tmp_path / "long.txt"
    path.write_text("a b c d\n" + "q" * 100 + " a b\n" + " ".join(["a", "b"] * 6) + "\n\n\nc d c\n")
    _, encoded = _assert_same_as_python(path, max_sentence_length=4, min_count=1)
    assert _flat(encoded)[1] == [4, 3, 4, 4, 4, 3]


def test_gz_and_directories_end_a_sentence_at_each_file_end(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "1.txt").write_text("a b c\nb c")  # no newline: the sentence ends with the file
    with gzip.open(folder / "2.txt.gz", "wt") as fh:
        fh.write("c a b\n")
    _, encoded = _assert_same_as_python(folder, min_count=1)
    assert _flat(encoded)[1] == [3, 2, 3]


def test_progress_hears_every_byte_on_disk(tmp_path, monkeypatch):
    monkeypatch.setattr(text_module, "BLOCK_BYTES", 1000)
    (tmp_path / "a.txt").write_text("a b c\n" * 1000)
    with gzip.open(tmp_path / "b.txt.gz", "wt") as fh:
        fh.write("c d e\n" * 20_000)
    corpus = Corpus(tmp_path)
    seen = []
    _scan(corpus, on_bytes=seen.append)
    assert len(seen) > 10 and min(seen) >= 0
    assert sum(seen) == corpus.disk_bytes() == sum(p.stat().st_size for p in tmp_path.iterdir())


def test_spilled_chunks_match_and_are_cleaned_up(tmp_path, monkeypatch):
    monkeypatch.setattr(encoded_module, "CHUNK_TOKENS", 50)
    monkeypatch.setattr(text_module, "BLOCK_BYTES", 256)
    path = tmp_path / "c.txt"
    rng = np.random.default_rng(1)
    path.write_text("\n".join(" ".join(f"w{i}" for i in rng.zipf(1.5, 20) % 60) for _ in range(100)))
    memory = _scan(Corpus(path))
    spilled = _scan(Corpus(path), spill_tokens=100)
    folder = spilled.parts[0].tokens._spill_dir
    assert folder is not None and len(spilled.parts[0].tokens.chunks) > 2
    vocab = memory.build(min_count=2)
    in_memory, on_disk = memory.encode(vocab), spilled.encode(vocab)
    assert not (tmp_path / folder).exists()  # provisional ids are deleted once encoded
    assert on_disk._spill_dir is not None
    assert _flat(in_memory) == _flat(on_disk)
    on_disk.close()


def test_empty_corpus_and_too_rare_words_are_reported(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text(" \n\t\n")
    with pytest.raises(CorpusError, match="empty"):
        _scan(Corpus(empty))
    rare = tmp_path / "rare.txt"
    rare.write_text("a b b\n")
    with pytest.raises(CorpusError, match="the most frequent, 'b', occurs 2 times"):
        Corpus(rare).count_and_encode(min_count=3)


def test_a_corrupt_gzip_is_named_by_the_scanner_too(tmp_path):
    (tmp_path / "bad.gz").write_bytes(b"\x1f\x8b\x08\x00garbage-not-deflate")
    with pytest.raises(CorpusError, match="cannot read corpus file .*bad.gz"):
        _scan(Corpus(tmp_path / "bad.gz"))


def test_max_vocab_size_and_iterables_take_the_python_reader(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(source_module, "scan_files", lambda *a, **k: calls.append(1))
    path = tmp_path / "c.txt"
    path.write_text("a b a c b a\n")
    vocab, encoded = Corpus(path).count_and_encode(min_count=1, max_vocab_size=10)
    assert vocab.index_to_key == ["a", "b", "c"] and encoded.n_words == 6
    vocab, _ = Corpus([["a", "b", "a"]]).count_and_encode(min_count=1)
    assert vocab.index_to_key == ["a", "b"] and calls == []
    assert Corpus(path).reads_once() and not Corpus(path).reads_once(max_vocab_size=10)
    assert not Corpus([["a", "b"]]).reads_once()

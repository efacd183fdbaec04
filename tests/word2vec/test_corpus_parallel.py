"""Reading a corpus with several workers: byte-range parts, merged in corpus order, give exactly the
vocabulary (first-appearance ties included) and the encoded corpus of one worker."""

import gzip

import numpy as np
import pytest

import negsample.word2vec.corpus.scan as scan_module
import negsample.word2vec.corpus.text as text_module
from negsample.word2vec.corpus import Corpus
from negsample.word2vec.corpus.scan import plan_parts, scan_files


def _read(path, workers, max_sentence_length=7):
    corpus = Corpus(path, max_sentence_length=max_sentence_length)
    scanned = scan_files(corpus.files, max_sentence_length=max_sentence_length, workers=workers)
    words, counts, lengths = scanned.words, scanned.counts.tolist(), scanned.sentence_lengths.tolist()
    vocab = scanned.build(min_count=2)
    encoded = scanned.encode(vocab)
    ids = [np.asarray(i).tolist() for i, _ in encoded.chunks]
    chunk_lengths = [n.tolist() for _, n in encoded.chunks]
    return words, counts, lengths, vocab.index_to_key, ids, chunk_lengths, scanned.invalid_bytes


@pytest.fixture
def small_parts(monkeypatch):
    monkeypatch.setattr(scan_module, "MIN_PART_BYTES", 64)
    monkeypatch.setattr(text_module, "BLOCK_BYTES", 37)


def _mixed_text(rng, n_lines, newline_share=1.0):
    alphabet = ["a", "b", "é", "ж", "好", "the", "of", "x" * 12]
    separators = [" ", " ", " ", "\t", "\u00a0", "\u3000", "\r"]
    lines = []
    for _ in range(n_lines):
        n = int(rng.integers(0, 30))
        words = [alphabet[i] + str(rng.integers(0, 30)) for i in rng.integers(0, len(alphabet), n)]
        lines.append("".join(w + separators[rng.integers(0, len(separators))] for w in words))
    joined = "".join(line + ("\n" if rng.random() < newline_share else " ") for line in lines)
    return joined.encode("utf-8")


@pytest.mark.parametrize("newline_share", [1.0, 0.3, 0.0])
def test_any_number_of_workers_reads_the_same_corpus(tmp_path, small_parts, newline_share):
    rng = np.random.default_rng(int(newline_share * 10))
    path = tmp_path / "c.txt"
    data = _mixed_text(rng, 400, newline_share)
    path.write_bytes(data[:3000] + b"\xff" + data[3000:])  # one invalid byte, inside some part
    assert len(plan_parts([path], 5)) == 5
    one = _read(path, 1)
    assert one[-1] > 0
    for workers in (2, 3, 5):
        assert _read(path, workers) == one


def test_a_directory_of_plain_and_compressed_files(tmp_path, small_parts):
    rng = np.random.default_rng(3)
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "1.txt").write_bytes(_mixed_text(rng, 100, 0.5))
    (folder / "2.txt.gz").write_bytes(gzip.compress(_mixed_text(rng, 100)))
    (folder / "3.txt").write_bytes(_mixed_text(rng, 100, 0.0))
    parts = plan_parts(sorted(folder.iterdir()), 3)
    assert [p.path.name for p in parts].count("2.txt.gz") == 1 and len(parts) == 7  # gzip is read whole
    assert _read(folder, 3) == _read(folder, 1)


def test_cuts_fall_only_after_ascii_separators(tmp_path, monkeypatch):
    monkeypatch.setattr(scan_module, "MIN_PART_BYTES", 10)
    path = tmp_path / "c.txt"
    path.write_bytes("ab\u00a0\u00a0\u00a0cd\u00a0\u00a0\u00a0ef gh\u3000ij".encode() * 20)
    data = path.read_bytes()
    for part in plan_parts([path], 8)[1:]:
        assert data[part.start - 1:part.start] in (b" ", b"\t", b"\n") and 0x21 <= data[part.start] <= 0x7E
    assert _read(path, 8, max_sentence_length=3) == _read(path, 1, max_sentence_length=3)


def test_no_place_to_cut_reads_the_file_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(scan_module, "MIN_PART_BYTES", 10)
    monkeypatch.setattr(scan_module, "_CUT_WINDOW", 8)
    path = tmp_path / "c.txt"
    path.write_bytes(b"x" * 200 + b" y")
    assert len(plan_parts([path], 4)) == 1
    assert _read(path, 4) == _read(path, 1)


def test_the_python_reader_agrees_with_the_parallel_scanner(tmp_path, small_parts):
    path = tmp_path / "c.txt"
    path.write_bytes(_mixed_text(np.random.default_rng(5), 300, 0.5))
    vocab, encoded = Corpus(path, max_sentence_length=7).count_and_encode(min_count=2, workers=4)
    counter = Corpus(path, max_sentence_length=7).count_words()
    slow_vocab = counter.build(min_count=2)
    slow = Corpus(path, max_sentence_length=7).encode(slow_vocab)
    assert vocab.index_to_key == slow_vocab.index_to_key
    flat = [np.concatenate([np.asarray(c[k]) for c in e.chunks]).tolist() for e in (encoded, slow) for k in (0, 1)]
    assert flat[0] == flat[2] and flat[1] == flat[3]

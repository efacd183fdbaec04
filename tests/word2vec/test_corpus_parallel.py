"""Reading a corpus with several workers: byte-range parts, merged in corpus order, give exactly the
vocabulary (first-appearance ties included) and the encoded corpus of one worker."""

import gzip

import numpy as np
import pytest

import negsample.word2vec.corpus.encoded as encoded_module
import negsample.word2vec.corpus.parts as parts_module
import negsample.word2vec.corpus.text as text_module
from negsample._kernels.tokenize import (
    ENC_LEFT,
    ENC_N_IDS,
    ENC_N_LENGTHS,
    ENCODE_FIELDS,
    encode_tokens,
    sentence_pieces,
)
from negsample.word2vec.corpus import Corpus, CorpusError, in_vocabulary_only
from negsample.word2vec.corpus.parts import plan_parts
from negsample.word2vec.corpus.scan import scan_files


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
    monkeypatch.setattr(parts_module, "MIN_PART_BYTES", 64)
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
    monkeypatch.setattr(parts_module, "MIN_PART_BYTES", 10)
    path = tmp_path / "c.txt"
    path.write_bytes("ab\u00a0\u00a0\u00a0cd\u00a0\u00a0\u00a0ef gh\u3000ij".encode() * 20)
    data = path.read_bytes()
    for part in plan_parts([path], 8)[1:]:
        assert data[part.start - 1:part.start] in (b" ", b"\t", b"\n") and 0x21 <= data[part.start] <= 0x7E
    assert _read(path, 8, max_sentence_length=3) == _read(path, 1, max_sentence_length=3)


def test_no_place_to_cut_reads_the_file_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(parts_module, "MIN_PART_BYTES", 10)
    monkeypatch.setattr(parts_module, "_CUT_WINDOW", 8)
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


@pytest.fixture
def small_chunks(monkeypatch, small_parts):
    """Parts of a few dozen bytes and encoding groups of a few tokens, so that groups span several
    provisional chunks and parts."""
    monkeypatch.setattr(encoded_module, "CHUNK_TOKENS", 5)


def _assert_workers_agree(path, workers=(2, 3, 4, 7), max_sentence_length=7):
    one = _read(path, 1, max_sentence_length)
    for n in workers:
        assert _read(path, n, max_sentence_length) == one, n
    # and both agree with the Python reader
    vocab, encoded = Corpus(path, max_sentence_length=max_sentence_length).count_and_encode(min_count=2, workers=4)
    slow_vocab = Corpus(path, max_sentence_length=max_sentence_length).count_words().build(min_count=2)
    slow = Corpus(path, max_sentence_length=max_sentence_length).encode(slow_vocab)
    assert vocab.index_to_key == slow_vocab.index_to_key and vocab.counts.tolist() == slow_vocab.counts.tolist()
    assert [np.asarray(c[0]).tolist() for c in encoded.chunks] == one[4]
    assert np.concatenate([np.asarray(c[0]) for c in slow.chunks]).tolist() == sum(one[4], [])
    assert np.concatenate([np.asarray(c[1]) for c in slow.chunks]).tolist() == sum(one[5], [])
    return one


def test_words_and_lines_across_the_cuts(tmp_path, monkeypatch, small_chunks):
    # Cuts land inside lines that run on (the window seen for a newline is short) and after newlines,
    # between words that also occur on the other side (and words whose first appearance is after
    # the cut); lone-word sentences and rare words everywhere.
    monkeypatch.setattr(parts_module, "_CUT_WINDOW", 6)
    path = tmp_path / "c.txt"
    rng = np.random.default_rng(11)
    lines = []
    for i in range(120):
        n = int(rng.choice([1, 1, 2, 3, 9, 15]))
        lines.append(" ".join(f"w{int(k)}" for k in rng.zipf(1.3, n) % (10 + 2 * i)))
    path.write_text("\n".join(lines) + "\n")
    parts = plan_parts([path], 7)
    data = path.read_bytes()
    after = [data[p.start - 1:p.start] for p in parts[1:]]
    assert len(parts) == 7 and b" " in after and b"\n" in after
    one = _assert_workers_agree(path)
    assert len(one[4]) > 10  # many encoded chunks
    second = parts[1].start
    before = set(data[:second].decode().split())
    assert any(w not in before for w in data[second:].decode().split())  # words first seen after a cut


def test_multibyte_characters_at_the_cuts(tmp_path, monkeypatch, small_chunks):
    # Long lines of 2-, 3- and 4-byte characters with few ASCII spaces: every cut target falls inside a
    # character, and the blocks of 37 bytes cut characters too.
    monkeypatch.setattr(parts_module, "_CUT_WINDOW", 64)
    path = tmp_path / "c.txt"
    rng = np.random.default_rng(12)
    alphabet = ["é", "ж", "好", "😀", "ab", "\u00a0", "\u3000"]
    text = "".join(alphabet[int(i)] + (" " if rng.random() < 0.15 else "") + ("\n" if rng.random() < 0.01 else "")
                   for i in rng.integers(0, len(alphabet), 3000))
    path.write_text(text)
    data = path.read_bytes()
    parts = plan_parts([path], 5)
    assert len(parts) > 2
    for part in parts[1:]:  # after an ASCII space or newline, never inside a character
        assert data[part.start - 1:part.start] in (b" ", b"\n")
    _assert_workers_agree(path, workers=(2, 5))


@pytest.mark.parametrize("data", [b"a", b"a b", b"ab\n", "\u00e9 \u00e9".encode(), b"\n\nx y\n\n", b"x\ny\nx\ny"])
def test_a_file_shorter_than_the_workers(tmp_path, monkeypatch, data):
    monkeypatch.setattr(parts_module, "MIN_PART_BYTES", 1)
    path = tmp_path / "c.txt"
    path.write_bytes(data)
    one = _read(path, 1)
    for workers in (2, 3, 8, 16):
        assert len(plan_parts([path], workers)) <= len(data)
        assert _read(path, workers) == one


def test_an_empty_file_with_workers(tmp_path, monkeypatch):
    monkeypatch.setattr(parts_module, "MIN_PART_BYTES", 1)
    path = tmp_path / "c.txt"
    path.write_bytes(b" \n \n")
    for workers in (1, 4):
        with pytest.raises(CorpusError, match="empty"):
            _read(path, workers)


def test_spilled_parts_encode_in_parallel(tmp_path, small_chunks):
    path = tmp_path / "c.txt"
    path.write_bytes(_mixed_text(np.random.default_rng(13), 300, 0.7))
    corpus = Corpus(path, max_sentence_length=7)
    spilled = scan_files(corpus.files, max_sentence_length=7, workers=3, spill_tokens=40)
    folders = [p.tokens._spill_dir for p in spilled.parts]
    assert all(folder is not None for folder in folders)
    vocab = spilled.build(min_count=2)
    encoded = spilled.encode(vocab)
    assert not any((tmp_path / f).exists() for f in folders)  # provisional ids are deleted once encoded
    one = _read(path, 1)
    assert [np.asarray(i).tolist() for i, _ in encoded.chunks] == one[4]
    assert [n.tolist() for _, n in encoded.chunks] == one[5]
    encoded.close()


def test_the_encoding_kernel_is_in_vocabulary_only_in_pieces():
    rng = np.random.default_rng(14)
    for _ in range(300):
        lengths = rng.integers(1, 6, int(rng.integers(1, 12))).astype(np.int32)
        n_words = int(rng.integers(1, 8))
        tokens = rng.integers(0, n_words, int(lengths.sum())).astype(np.int32)
        to_vocab = np.where(rng.random(n_words) < 0.4, -1, rng.integers(0, 100, n_words)).astype(np.int32)
        want_ids, want_lengths = in_vocabulary_only(to_vocab[tokens], lengths)
        ids, kept = np.full(tokens.shape[0], -7, np.int32), np.full(lengths.shape[0], -7, np.int32)
        state = np.zeros(ENCODE_FIELDS, np.int64)
        state[ENC_LEFT] = lengths[0]
        cuts = np.sort(rng.integers(0, tokens.shape[0] + 1, int(rng.integers(0, 4))))
        for piece in np.split(tokens, cuts):  # any cut of the tokens, empty pieces too
            encode_tokens(piece, to_vocab, lengths, state, ids, kept)
        assert ids[:state[ENC_N_IDS]].tolist() == want_ids.tolist()
        assert kept[:state[ENC_N_LENGTHS]].tolist() == want_lengths.tolist()


def test_sentence_pieces_by_hand():
    lines = np.array([0, 3, 7, 2, 0, 6, 1], np.int64)
    assert sentence_pieces(lines, 3).tolist() == [3, 3, 3, 1, 2, 3, 3, 1]
    assert sentence_pieces(lines, 100).tolist() == [3, 7, 2, 6, 1]
    assert sentence_pieces(np.zeros(0, np.int64), 3).tolist() == []

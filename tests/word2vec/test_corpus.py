import gzip

import numpy as np
import pytest

from negsample.word2vec.corpus import Corpus, CorpusError


def _sentences(encoded, vocab):
    out = []
    for ids, lengths in encoded.chunks:
        start = 0
        for n in lengths:
            out.append([vocab.index_to_key[i] for i in ids[start:start + n]])
            start += n
    return out


def test_plain_gz_and_directory_give_the_same_tokens(tmp_path):
    text = "a b c\n\nb c  d\tc\n"
    (tmp_path / "plain.txt").write_text(text)
    with gzip.open(tmp_path / "zipped.txt.gz", "wt") as fh:
        fh.write(text)
    folder = tmp_path / "dir"
    folder.mkdir()
    (folder / "1.txt").write_text("a b c\n")
    (folder / "2.txt").write_text("b c  d\tc")
    (folder / ".hidden").write_text("zzz zzz\n")
    counts = []
    for source in (tmp_path / "plain.txt", tmp_path / "zipped.txt.gz", folder):
        counter = Corpus(source).count_words()
        counts.append(dict(counter.counts))
    assert counts[0] == counts[1] == counts[2] == {"a": 1, "b": 2, "c": 3, "d": 1}


def test_long_lines_are_split_not_truncated(tmp_path):
    words = [f"w{i % 7}" for i in range(25)]
    (tmp_path / "c.txt").write_text(" ".join(words) + "\nw0 w1\n")
    corpus = Corpus(tmp_path / "c.txt", max_sentence_length=10)
    lengths = [n for block in corpus.blocks() for n in block.lengths]
    assert lengths == [10, 10, 5, 2]
    assert corpus.raw_words == 27


def test_a_line_longer_than_a_read_block_streams(tmp_path, monkeypatch):
    import negsample.word2vec.corpus.text as text_module

    monkeypatch.setattr(text_module, "BLOCK_BYTES", 64)
    words = [f"tok{i % 13}" for i in range(1000)]
    (tmp_path / "one_line.txt").write_text(" ".join(words))
    corpus = Corpus(tmp_path / "one_line.txt", max_sentence_length=300)
    blocks = list(corpus.blocks())
    flat = [t for b in blocks for t in b.tokens]
    assert flat == words
    assert [n for b in blocks for n in b.lengths] == [300, 300, 300, 100]


def test_invalid_utf8_is_replaced_and_counted_once(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9 ok\nfine \xff\xfe words\n" + b"padding text\n" * 30)
    corpus = Corpus(tmp_path / "bad.txt")
    with pytest.warns(UnicodeWarning, match=r"replaced NUL or invalid UTF-8 bytes with U\+FFFD in .*bad.txt "
                                            r"\(3 of 412 bytes\)$") as record:
        counter = corpus.count_words()
    assert len(record) == 1 and record[0].filename == __file__  # the caller's line, not the library's
    assert counter.counts["ok"] == 1 and counter.counts["words"] == 1
    assert corpus.invalid_bytes == 3


def test_encode_drops_oov_and_lone_words():
    corpus = Corpus([["a", "x", "b"], ["a"], ["y", "b", "z"], ["a", "a", "b"]])
    vocab = corpus.count_words().build(min_count=2)
    encoded = corpus.encode(vocab)
    assert _sentences(encoded, vocab) == [["a", "b"], ["a", "a", "b"]]
    assert encoded.n_words == 5 and encoded.raw_words == 10


def test_encode_spills_to_disk_and_cleans_up(monkeypatch):
    import negsample.word2vec.corpus.encoded as encoded_module

    monkeypatch.setattr(encoded_module, "CHUNK_TOKENS", 50)
    rng = np.random.default_rng(0)
    sentences = [[f"w{k}" for k in rng.integers(0, 20, 30)] for _ in range(20)]
    corpus = Corpus(sentences)
    vocab = corpus.count_words().build()
    in_memory = corpus.encode(vocab)
    spilled = corpus.encode(vocab, spill_tokens=60)
    assert spilled._spill_dir is not None
    folder = spilled._spill_dir
    assert isinstance(spilled.chunks[-1][0], np.memmap)
    assert np.array_equal(np.concatenate([c[0] for c in in_memory.chunks]),
                          np.concatenate([np.asarray(c[0]) for c in spilled.chunks]))
    spilled.close()
    import os

    assert not os.path.exists(folder)


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing.txt", "corpus not found"),
    (lambda p: (p / "empty.txt").write_text("  \n\n") and p / "empty.txt", "is empty"),
    (lambda p: (p / "emptydir").mkdir() or p / "emptydir", "holds no files"),
])
def test_missing_or_empty_corpus(tmp_path, make, message):
    with pytest.raises(CorpusError, match=message):
        Corpus(make(tmp_path)).count_words()


def test_one_shot_generators_and_strings_are_refused():
    with pytest.raises(CorpusError, match="one-shot iterator"):
        Corpus(s.split() for s in ["a b", "c d"])
    with pytest.raises(CorpusError, match="sentence 1 is a str"):
        Corpus([["a"], "b c"]).count_words()
    with pytest.raises(CorpusError, match="path or a re-iterable"):
        Corpus(42)


def test_corrupt_gzip_names_the_file(tmp_path):
    (tmp_path / "bad.gz").write_bytes(b"\x1f\x8b\x08\x00garbage-not-deflate")
    with pytest.raises(CorpusError, match="bad.gz"):
        Corpus(tmp_path / "bad.gz").count_words()

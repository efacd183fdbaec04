"""KeyedVectors: lookups, similarity queries against naive loops, word2vec-format compatibility with
the C tool and gensim, native save/load, atomic writes, and clear errors for every kind of bad file."""

import os
import struct

import numpy as np
import pytest

from negsample import _atomic
from negsample._atomic import atomic_write
from negsample.keyedvectors import KeyedVectors, VectorsFormatError
from negsample.vocab import Vocabulary

WORDS = ["the", "naïve", "日本語", "café", "a\u00a0b", "Straße", "x", "y"]


def make_kv(n_words=8, dim=5, seed=0, words=None):
    rng = np.random.default_rng(seed)
    words = words or (WORDS if n_words == len(WORDS) else [f"w{i}" for i in range(n_words)])
    return KeyedVectors(rng.standard_normal((len(words), dim)).astype(np.float32),
                        Vocabulary(words, np.arange(len(words), 0, -1)))


def write_bytes(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------------- construction and lookup
def test_lookup_and_container_protocol():
    kv = make_kv()
    assert len(kv) == 8 and kv.vector_size == 5 and "café" in kv and "nope" not in kv
    assert kv.index_to_key == WORDS and kv.key_to_index["café"] == 3 and kv.get_index("x") == 6
    np.testing.assert_array_equal(kv["café"], kv.vectors[3])
    assert kv[["x", "the"]].shape == (2, 5)
    np.testing.assert_array_equal(kv[["x", "the"]], kv.vectors[[6, 0]])
    with pytest.raises(KeyError, match="nope"):
        kv["nope"]
    with pytest.raises(KeyError, match="nope"):
        kv[["x", "nope"]]


def test_constructor_validates_shapes():
    vocab = Vocabulary(["a", "b"], [2, 1])
    with pytest.raises(ValueError, match="3 rows but the vocabulary has 2"):
        KeyedVectors(np.zeros((3, 4), dtype=np.float32), vocab)
    with pytest.raises(ValueError, match="2-d"):
        KeyedVectors(np.zeros(4, dtype=np.float32), vocab)
    with pytest.raises(TypeError):
        KeyedVectors(np.zeros((2, 4)), ["a", "b"])
    assert KeyedVectors(np.zeros((2, 4)), vocab).vectors.dtype == np.float32


def test_norms_cached_invalidated_and_nan_free():
    kv = make_kv()
    unit = kv.unit_vectors
    assert kv.unit_vectors is unit
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), 1, rtol=1e-6)
    new = kv.vectors.copy()
    new[0] = 0  # a zero vector must not produce NaN anywhere
    kv.vectors = new
    assert kv.unit_vectors is not unit
    assert not np.isnan(kv.unit_vectors).any() and (kv.unit_vectors[0] == 0).all()
    assert kv.similarity("the", "x") == 0.0
    assert not np.isnan(kv.most_similar("x", topn=None)).any()


# ---------------------------------------------------------------------- similarity queries
def naive_most_similar(vectors, words, positive, negative, topn):
    unit = [v / np.linalg.norm(v) for v in vectors.astype(np.float64)]
    mean = sum(unit[words.index(w)] for w in positive) - sum(unit[words.index(w)] for w in negative)
    mean /= np.linalg.norm(mean)
    scores = [(w, float(unit[i] @ mean)) for i, w in enumerate(words) if w not in positive + negative]
    return sorted(scores, key=lambda ws: -ws[1])[:topn]


def naive_cosmul(vectors, words, positive, negative, topn):
    unit = [v / np.linalg.norm(v) for v in vectors.astype(np.float64)]
    scores = []
    for i, w in enumerate(words):
        if w in positive + negative:
            continue
        shifted = {u: (1 + unit[i] @ unit[words.index(u)]) / 2 for u in positive + negative}
        score = np.prod([shifted[u] for u in positive]) / (np.prod([shifted[u] for u in negative]) + 1e-6)
        scores.append((w, score))
    return sorted(scores, key=lambda ws: -ws[1])[:topn]


@pytest.mark.parametrize("positive,negative", [(["w1"], []), (["w1", "w2"], ["w3"]), ([], ["w4"])])
def test_most_similar_matches_naive_loop(positive, negative):
    kv = make_kv(n_words=300, dim=16, seed=1)
    got = kv.most_similar(positive=positive, negative=negative, topn=7)
    want = naive_most_similar(kv.vectors, kv.index_to_key, positive, negative, 7)
    assert [w for w, _ in got] == [w for w, _ in want]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-5, atol=1e-6)


def test_most_similar_variants():
    kv = make_kv(n_words=300, dim=16, seed=2)
    assert kv.most_similar("w5", topn=0) == []
    assert len(kv.most_similar("w5", topn=None)) == 300
    assert len(kv.most_similar("w5", topn=None, restrict_vocab=50)) == 50
    assert all(kv.get_index(w) < 50 for w, _ in kv.most_similar("w5", restrict_vocab=50))
    # a vector query gives the same ranking as the word, but does not exclude the word itself
    by_vector = kv.similar_by_vector(kv["w5"], topn=3)
    assert by_vector[0][0] == "w5"
    assert [w for w, _ in by_vector[1:]] == [w for w, _ in kv.most_similar("w5")][:2]
    # (word, weight) tuples, as gensim allows
    weighted = kv.most_similar(positive=[("w1", 2.0)], topn=3)
    assert [w for w, _ in weighted] == [w for w, _ in kv.most_similar("w1", topn=3)]
    with pytest.raises(ValueError):
        kv.most_similar()
    with pytest.raises(KeyError, match="zzz"):
        kv.most_similar("zzz")


@pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")  # gensim's own init_sims
def test_most_similar_agrees_with_gensim():
    gensim_models = pytest.importorskip("gensim.models")
    kv = make_kv(n_words=400, dim=20, seed=3)
    g = gensim_models.KeyedVectors(20)
    g.add_vectors(kv.index_to_key, kv.vectors)
    for pos, neg in [(["w1", "w7"], ["w9"]), (["w2"], [])]:
        ours, theirs = kv.most_similar(pos, neg, topn=10), g.most_similar(pos, neg, topn=10)
        assert [w for w, _ in ours] == [w for w, _ in theirs]
        np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-6)
        ours, theirs = kv.most_similar_cosmul(pos, neg, topn=10), g.most_similar_cosmul(pos, neg, topn=10)
        assert [w for w, _ in ours] == [w for w, _ in theirs]
        np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=1e-5)


def test_cosmul_matches_naive_formula():
    kv = make_kv(n_words=200, dim=12, seed=4)
    got = kv.most_similar_cosmul(positive=["w1", "w2"], negative=["w3"], topn=6)
    want = naive_cosmul(kv.vectors, kv.index_to_key, ["w1", "w2"], ["w3"], 6)
    assert [w for w, _ in got] == [w for w, _ in want]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-5)
    with pytest.raises(ValueError):
        kv.most_similar_cosmul(negative=["w1"])


def test_pairwise_similarities():
    kv = make_kv()
    a, b = kv.vectors[0].astype(np.float64), kv.vectors[6].astype(np.float64)
    cosine = a @ b / np.linalg.norm(a) / np.linalg.norm(b)
    assert kv.similarity("the", "x") == pytest.approx(cosine, abs=1e-6)
    assert kv.distance("the", "x") == pytest.approx(1 - cosine, abs=1e-6)
    mean1, mean2 = kv[["the", "x"]].mean(0), kv[["y"]].mean(0)
    want = mean1 @ mean2 / np.linalg.norm(mean1) / np.linalg.norm(mean2)
    assert kv.n_similarity(["the", "x"], ["y"]) == pytest.approx(want, abs=1e-6)


# ---------------------------------------------------------------------- word2vec formats
@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_round_trip(tmp_path, binary):
    kv = make_kv()
    path = tmp_path / "v.bin"
    kv.save_word2vec_format(path, binary=binary)
    back = KeyedVectors.load_word2vec_format(path, binary=binary)
    assert back.index_to_key == WORDS
    np.testing.assert_array_equal(back.vectors, kv.vectors)  # %.9g text is exact for float32
    assert back.counts.tolist() == list(range(8, 0, -1))  # synthetic, order-preserving counts
    limited = KeyedVectors.load_word2vec_format(path, binary=binary, limit=3)
    assert limited.index_to_key == WORDS[:3] and limited.counts.tolist() == [3, 2, 1]


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_round_trip_through_gensim(tmp_path, binary):
    gensim_models = pytest.importorskip("gensim.models")
    kv = make_kv()
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    kv.save_word2vec_format(ours, binary=binary)
    g = gensim_models.KeyedVectors.load_word2vec_format(str(ours), binary=binary)
    assert g.index_to_key == WORDS
    np.testing.assert_array_equal(g.vectors, kv.vectors)
    g.save_word2vec_format(str(theirs), binary=binary)  # gensim omits the C tool's newline in binary
    back = KeyedVectors.load_word2vec_format(theirs, binary=binary)
    assert back.index_to_key == WORDS
    np.testing.assert_array_equal(back.vectors, kv.vectors)


def test_reads_c_tool_binary_bytes(tmp_path):
    # Exactly what word2vec.c writes: "%lld %lld\n", then per word "%s " + raw floats + "\n".
    data = b"2 3\n"
    data += "héllo".encode() + b" " + struct.pack("<3f", 1.0, -2.5, 0.25) + b"\n"
    data += b"</s> " + struct.pack("<3f", 0.0, 3.0, 1e-3) + b"\n"
    kv = KeyedVectors.load_word2vec_format(write_bytes(tmp_path, "c.bin", data), binary=True)
    assert kv.index_to_key == ["héllo", "</s>"]
    np.testing.assert_array_equal(kv.vectors, np.array([[1, -2.5, 0.25], [0, 3, 1e-3]], dtype=np.float32))
    # and we write those same bytes
    kv.save_word2vec_format(tmp_path / "again.bin", binary=True)
    assert (tmp_path / "again.bin").read_bytes() == data


def test_reads_c_tool_text_with_trailing_space_and_crlf(tmp_path):
    data = b"2 3\r\nfoo 0.5 1.000000 -2 \r\nbar 1\t2  3\n"
    kv = KeyedVectors.load_word2vec_format(write_bytes(tmp_path, "c.txt", data))
    np.testing.assert_array_equal(kv.vectors, [[0.5, 1, -2], [1, 2, 3]])


def test_binary_vector_containing_newline_and_space_bytes(tmp_path):
    # float32 bytes can be 0x0a or 0x20; the reader must count bytes, not look for separators.
    value = struct.unpack("<f", b"\x0a\x20\x0a\x20")[0]
    kv = KeyedVectors(np.full((2, 3), value, dtype=np.float32), Vocabulary(["a", "b"], [2, 1]))
    kv.save_word2vec_format(tmp_path / "v.bin", binary=True)
    back = KeyedVectors.load_word2vec_format(tmp_path / "v.bin", binary=True)
    assert back.index_to_key == ["a", "b"]
    np.testing.assert_array_equal(back.vectors, kv.vectors)


def test_refuses_words_with_whitespace(tmp_path):
    kv = KeyedVectors(np.ones((2, 2)), Vocabulary(["ok", "not ok"], [2, 1]))
    with pytest.raises(ValueError, match="not ok"):
        kv.save_word2vec_format(tmp_path / "v.txt")
    assert not (tmp_path / "v.txt").exists()


BAD_TEXT_FILES = {
    "empty": (b"", "file is empty"),
    "header_one_int": (b"3\na 1 2\n", "line 1: the header must be two integers"),
    "header_words": (b"three two\n", "line 1: the header must be two integers"),
    "header_zero_dim": (b"1 0\na\n", "line 1: the header must be two integers"),
    "truncated": (b"3 2\na 1 2\nb 3 4\n", "line 4: file ends after 2 of the 3 vectors"),
    "short_row": (b"2 3\na 1 2 3\nb 1 2\n", "line 3: expected 3 values after the word 'b', got 2"),
    "long_row": (b"2 3\na 1 2 3 4\nb 1 2 3\n", "line 2: expected 3 values after the word 'a', got 4"),
    "blank_row": (b"2 3\na 1 2 3\n\n", "line 3: empty word"),
    "non_numeric": (b"2 3\na 1 2 3\nb 1 zwei 3\n", "line 3: non-numeric value 'zwei'"),
    "duplicate": (b"3 1\na 1\nb 2\na 3\n", "line 4: duplicate word 'a' \\(first on line 2\\)"),
    "bad_utf8": (b"1 1\n\xff\xfe 1\n", "line 2: cannot decode the word"),
}


@pytest.mark.parametrize("case", sorted(BAD_TEXT_FILES))
def test_bad_text_files_name_file_and_line(tmp_path, case):
    data, message = BAD_TEXT_FILES[case]
    path = write_bytes(tmp_path, f"{case}.txt", data)
    with pytest.raises(VectorsFormatError, match=message) as info:
        KeyedVectors.load_word2vec_format(path)
    assert str(path) in str(info.value)


def test_non_numeric_value_found_in_a_later_chunk(tmp_path, monkeypatch):
    from negsample import keyedvectors

    monkeypatch.setattr(keyedvectors, "_TEXT_CHUNK_LINES", 4)
    rows = [f"w{i} {i} {i}" for i in range(10)]
    rows[8] = "w8 1 1.5.3"
    path = write_bytes(tmp_path, "v.txt", ("10 2\n" + "\n".join(rows) + "\n").encode())
    with pytest.raises(VectorsFormatError, match=r"line 10: non-numeric value '1.5.3'"):
        KeyedVectors.load_word2vec_format(path)


def binary_record(word, values):
    return word.encode() + b" " + struct.pack(f"<{len(values)}f", *values) + b"\n"


BAD_BINARY_FILES = {
    "empty": (b"", "file is empty"),
    "bad_header": (b"2 x\n", "line 1: the header must be two integers"),
    "missing_records": (b"3 2\n" + binary_record("a", [1, 2]) + binary_record("b", [3, 4]),
                        "line 4 \\(byte 26\\): file ends after 2 of the 3 vectors"),
    "cut_mid_vector": ((b"2 2\n" + binary_record("a", [1, 2]) + binary_record("bb", [3, 4]))[:-4],
                       "line 3 \\(byte 15\\): file ends in the middle of the vector for b'bb': "
                       "expected 8 bytes, got 5"),
    "cut_in_word": (b"2 2\n" + binary_record("a", [1, 2]) + b"wor", "line 3 .*file ends inside a word"),
    "duplicate": (b"2 1\n" + binary_record("a", [1]) + binary_record("a", [2]), "line 3: duplicate word 'a'"),
}


@pytest.mark.parametrize("case", sorted(BAD_BINARY_FILES))
def test_bad_binary_files_name_file_and_line(tmp_path, case):
    data, message = BAD_BINARY_FILES[case]
    path = write_bytes(tmp_path, f"{case}.bin", data)
    with pytest.raises(VectorsFormatError, match=message) as info:
        KeyedVectors.load_word2vec_format(path, binary=True)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_binary_reader_crosses_chunk_boundaries(tmp_path, monkeypatch):
    from negsample import keyedvectors

    monkeypatch.setattr(keyedvectors, "_BINARY_CHUNK_BYTES", 7)
    kv = make_kv(n_words=50, dim=3, seed=5)
    kv.save_word2vec_format(tmp_path / "v.bin", binary=True)
    back = KeyedVectors.load_word2vec_format(tmp_path / "v.bin", binary=True)
    assert back.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(back.vectors, kv.vectors)


# ---------------------------------------------------------------------- native format
def test_native_round_trip_keeps_counts(tmp_path):
    kv = KeyedVectors(make_kv().vectors, Vocabulary(WORDS, [50, 40, 30, 20, 10, 5, 2, 1]))
    kv.save(tmp_path / "model.npz")
    back = KeyedVectors.load(tmp_path / "model.npz")
    assert back.index_to_key == WORDS and back.counts.tolist() == [50, 40, 30, 20, 10, 5, 2, 1]
    np.testing.assert_array_equal(back.vectors, kv.vectors)
    with np.load(tmp_path / "model.npz", allow_pickle=False) as archive:  # nothing in it needs pickle
        assert all(archive[name].dtype != object for name in archive.files)


def test_native_load_rejects_other_files(tmp_path):
    path = write_bytes(tmp_path, "junk.npz", b"not a zip file")
    with pytest.raises(VectorsFormatError, match="junk.npz"):
        KeyedVectors.load(path)
    np.savez(tmp_path / "other.npz", a=np.arange(3))
    with pytest.raises(VectorsFormatError, match="missing"):
        KeyedVectors.load(tmp_path / "other.npz")


# ---------------------------------------------------------------------- atomic writes
def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with atomic_write(target, "w") as f:
        f.write("new")
        assert target.read_text() == "old"  # not visible until the block ends
    assert target.read_text() == "new"
    assert os.listdir(tmp_path) == ["out.txt"]
    with pytest.raises(ValueError):
        with atomic_write(target, "a"):
            pass


@pytest.mark.parametrize("existing", [True, False])
@pytest.mark.parametrize("binary", [False, True])
def test_failed_save_leaves_target_untouched(tmp_path, monkeypatch, existing, binary):
    target = tmp_path / "vectors.txt"
    if existing:
        target.write_bytes(b"previous contents")
    kv = make_kv(n_words=20, dim=4)
    real_fsync = os.fsync
    calls = []

    def failing_fsync(fd):
        calls.append(fd)
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(_atomic.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="simulated"):
        kv.save_word2vec_format(target, binary=binary)
    monkeypatch.setattr(_atomic.os, "fsync", real_fsync)
    assert calls  # the failure happened after data had been written
    if existing:
        assert target.read_bytes() == b"previous contents"
    else:
        assert not target.exists()
    assert sorted(os.listdir(tmp_path)) == (["vectors.txt"] if existing else [])


def test_exception_inside_block_removes_temp_file(tmp_path):
    target = tmp_path / "model.npz"
    with pytest.raises(RuntimeError):
        with atomic_write(target, "wb") as f:
            f.write(b"partial")
            raise RuntimeError("boom")
    assert os.listdir(tmp_path) == []


def test_atomic_write_uses_umask_permissions(tmp_path):
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    with atomic_write(tmp_path / "a", "w") as f:
        f.write("x")
    plain = tmp_path / "b"
    plain.write_text("x")
    assert os.stat(tmp_path / "a").st_mode == os.stat(plain).st_mode

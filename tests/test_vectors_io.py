"""Vector files through KeyedVectors: word2vec-format compatibility with the C tool and gensim, native
save/load, atomic writes, and clear errors for every kind of bad file."""

import os
import struct

import numpy as np
import pytest
from test_keyedvectors import WORDS, make_kv

from negsample import _atomic, vectors_io
from negsample._atomic import atomic_write
from negsample.keyedvectors import KeyedVectors
from negsample.vectors_io import VectorsFormatError, word2vec_format
from negsample.vocab import Vocabulary


def write_bytes(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


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
    monkeypatch.setattr(word2vec_format, "TEXT_CHUNK_LINES", 4)
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
    monkeypatch.setattr(word2vec_format, "BINARY_CHUNK_BYTES", 7)
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


# ---------------------------------------------------------------------- loads that used to go wrong silently
@pytest.mark.parametrize("binary", [False, True])
def test_more_rows_than_the_header_announces_is_an_error(tmp_path, binary):
    kv = make_kv(n_words=5, dim=3)
    kv.save_word2vec_format(tmp_path / "v", binary=binary)
    data = (tmp_path / "v").read_bytes()
    path = write_bytes(tmp_path, "more", b"3 3\n" + data.split(b"\n", 1)[1])
    with pytest.raises(VectorsFormatError, match="line 5.*header announces 3 vectors, but the file holds more") as info:
        KeyedVectors.load_word2vec_format(path, binary=binary)
    assert str(path) in str(info.value)
    assert len(KeyedVectors.load_word2vec_format(path, binary=binary, limit=3)) == 3  # asked for: fine
    blank_tail = write_bytes(tmp_path, "blank", data + b"\n\n")
    assert len(KeyedVectors.load_word2vec_format(blank_tail, binary=binary)) == 5


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e39"])
def test_non_finite_text_values_are_errors_naming_the_line(tmp_path, value):
    path = write_bytes(tmp_path, "v.txt", f"2 3\na 1 2 3\nb 1 {value} 3\n".encode())
    with pytest.raises(VectorsFormatError, match=r"line 3: value 2 is .*allow_non_finite=True"):
        KeyedVectors.load_word2vec_format(path)
    kv = KeyedVectors.load_word2vec_format(path, allow_non_finite=True)
    assert not np.isfinite(kv["b"][1]) and kv["b"][2] == 3


def test_non_finite_binary_and_npz_values_are_errors(tmp_path):
    path = write_bytes(tmp_path, "v.bin", b"2 2\n" + binary_record("a", [1, 2]) + binary_record("b", [1, np.nan]))
    with pytest.raises(VectorsFormatError, match=r"line 3 \(byte 15\): value 2 is nan"):
        KeyedVectors.load_word2vec_format(path, binary=True)
    assert np.isnan(KeyedVectors.load_word2vec_format(path, binary=True, allow_non_finite=True)["b"][1])
    kv = make_kv()
    kv.vectors[2, 1] = np.inf
    kv.save(tmp_path / "v.npz")
    with pytest.raises(VectorsFormatError, match=r"vector 2 \('日本語'\): value 2 is inf"):
        KeyedVectors.load(tmp_path / "v.npz")
    assert vectors_io.read_npz(tmp_path / "v.npz", allow_non_finite=True)[2][2, 1] == np.inf


def test_float16_overflow_is_an_error(tmp_path):
    path = write_bytes(tmp_path, "v.txt", b"1 2\na 1 70000\n")
    with pytest.raises(VectorsFormatError, match="line 2: a value is too large for datatype float16"):
        KeyedVectors.load_word2vec_format(path, datatype=np.float16)


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("header", [b"2346735668 102090", b"1 10000000000", b"99999999999999999999 1"])
def test_a_header_larger_than_the_file_is_refused_before_allocating(tmp_path, binary, header):
    path = write_bytes(tmp_path, "v", header + b"\na " + struct.pack("<f", 1.0) + b"\n")
    with pytest.raises(VectorsFormatError, match=r"line [23]( \(byte \d+\))?: (file ends|expected)"):
        KeyedVectors.load_word2vec_format(path, binary=binary)


def test_words_with_whitespace_are_refused_on_reading(tmp_path):
    path = write_bytes(tmp_path, "v.bin", b"1 1\na\tb " + struct.pack("<f", 1.0))
    with pytest.raises(VectorsFormatError, match=r"line 2 \(byte 4\): the word b'a\\tb' contains whitespace"):
        KeyedVectors.load_word2vec_format(path, binary=True)


# ---------------------------------------------------------------------- gensim's load/save options
def test_datatype_keeps_the_dtype_asked_for(tmp_path):
    kv = make_kv()
    kv.save_word2vec_format(tmp_path / "v.bin", binary=True)
    for dtype in (np.float16, np.float32, np.float64):
        back = KeyedVectors.load_word2vec_format(tmp_path / "v.bin", binary=True, datatype=dtype)
        assert back.vectors.dtype == dtype
        np.testing.assert_array_equal(back.vectors, kv.vectors.astype(dtype))
    text = write_bytes(tmp_path, "v.txt", b"1 1\na 0.1000000000000000055511151231257827\n")
    assert KeyedVectors.load_word2vec_format(text, datatype=np.float64)["a"][0] == 0.1  # parsed as float64
    with pytest.raises(ValueError, match="datatype must be a floating-point dtype"):
        KeyedVectors.load_word2vec_format(text, datatype=np.int32)


def test_no_header_and_write_header(tmp_path):
    kv = make_kv()
    kv.save_word2vec_format(tmp_path / "v.txt", write_header=False)
    assert (tmp_path / "v.txt").read_text().split("\n")[0].split()[0] == "the"
    back = KeyedVectors.load_word2vec_format(tmp_path / "v.txt", no_header=True)
    assert back.index_to_key == WORDS
    np.testing.assert_array_equal(back.vectors, kv.vectors)
    assert len(KeyedVectors.load_word2vec_format(tmp_path / "v.txt", no_header=True, limit=2)) == 2
    with pytest.raises(ValueError, match="no_header works for text files only"):
        KeyedVectors.load_word2vec_format(tmp_path / "v.txt", no_header=True, binary=True)
    gensim_models = pytest.importorskip("gensim.models")
    theirs = gensim_models.KeyedVectors.load_word2vec_format(str(tmp_path / "v.txt"), no_header=True)
    assert theirs.index_to_key == WORDS


def test_fvocab_round_trip_and_gensim(tmp_path):
    counts = [50, 40, 30, 20, 10, 5, 2, 1]
    words = [w.replace("\u00a0", "_") for w in WORDS]  # gensim's fvocab reader splits at any Unicode space
    kv = KeyedVectors(make_kv().vectors, Vocabulary(words, counts))
    kv.save_word2vec_format(tmp_path / "v.bin", binary=True, fvocab=tmp_path / "vocab.txt")
    assert (tmp_path / "vocab.txt").read_text(encoding="utf-8").splitlines()[:2] == ["the 50", "naïve 40"]
    back = KeyedVectors.load_word2vec_format(tmp_path / "v.bin", binary=True, fvocab=tmp_path / "vocab.txt")
    assert back.counts.tolist() == counts
    gensim_models = pytest.importorskip("gensim.models")
    theirs = gensim_models.KeyedVectors.load_word2vec_format(str(tmp_path / "v.bin"), binary=True,
                                                             fvocab=str(tmp_path / "vocab.txt"))
    assert [theirs.get_vecattr(w, "count") for w in words] == counts
    theirs.save_word2vec_format(str(tmp_path / "g.txt"), fvocab=str(tmp_path / "g_vocab.txt"))
    ours = KeyedVectors.load_word2vec_format(tmp_path / "g.txt", fvocab=tmp_path / "g_vocab.txt")
    assert dict(zip(ours.index_to_key, ours.counts.tolist())) == dict(zip(words, counts))


BAD_VOCAB_FILES = {
    "no_count": (b"the\n", "line 1: expected 'word count'"),
    "bad_count": ("the 5\nnaïve -1\n".encode(), "line 2: expected 'word count'"),
    "twice": (b"the 5\nthe 4\n", "line 2: the word 'the' appears twice"),
    "missing": (b"the 5\n", "no count for the word 'naïve'"),
}


@pytest.mark.parametrize("case", sorted(BAD_VOCAB_FILES))
def test_bad_fvocab_files(tmp_path, case):
    make_kv().save_word2vec_format(tmp_path / "v.txt")
    data, message = BAD_VOCAB_FILES[case]
    vocab = write_bytes(tmp_path, "vocab.txt", data)
    with pytest.raises(VectorsFormatError, match=message) as info:
        KeyedVectors.load_word2vec_format(tmp_path / "v.txt", fvocab=vocab)
    assert str(vocab) in str(info.value)


# ---------------------------------------------------------------------- .npz files that are not ours
def test_a_non_zip_npz_gets_our_message_not_numpys_pickle_advice(tmp_path):
    make_kv().save_word2vec_format(tmp_path / "v.npz")  # a text file under an .npz name
    with pytest.raises(VectorsFormatError, match=r"not a .npz file \(an .npz is a zip archive") as info:
        KeyedVectors.load(tmp_path / "v.npz")
    assert "pickle" not in str(info.value)


def test_npz_member_headers_are_checked_against_their_bytes(tmp_path):
    import zipfile

    make_kv().save(tmp_path / "v.npz")
    with zipfile.ZipFile(tmp_path / "v.npz") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    # the vectors' header announces a huge shape; the member holds 160 bytes
    members["vectors.npy"] = members["vectors.npy"].replace(b"(8, 5)", b"(2346735668, 102090)")
    with zipfile.ZipFile(tmp_path / "bad.npz", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(VectorsFormatError, match=r"member vectors.npy: its header announces shape \(2346735668"):
        KeyedVectors.load(tmp_path / "bad.npz")
    np.savez(tmp_path / "objects.npz", format_version=np.array(1), vectors=np.array([None]), counts=np.zeros(1),
             words_json=np.zeros(1, np.uint8))
    with pytest.raises(VectorsFormatError, match="member vectors.npy: unexpected dtype object"):
        KeyedVectors.load(tmp_path / "objects.npz")

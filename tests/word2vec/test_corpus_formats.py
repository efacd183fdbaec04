"""What a corpus file is, from its first bytes: compressed text is decompressed (gzip, bzip2, xz,
zip), other archives and binaries are named, UTF-16/32 is decoded, and a file that is not text
stops the pass with an error naming it, however it is read."""

import bz2
import gzip
import lzma
import shutil
import zipfile
from pathlib import Path

import pytest

from negsample.word2vec.corpus import Corpus, CorpusError

TEXT = "the cat sat on the mat\nthe dog sat\n" * 40


def _read_both_ways(path, **kwargs):
    """(vocabulary, sentences) from the scanner and from the Python reader, which must agree."""
    vocab, encoded = Corpus(path, **kwargs).count_and_encode(min_count=1)
    slow = Corpus(path, **kwargs).count_words().build(min_count=1)
    assert slow.index_to_key == vocab.index_to_key and slow.counts.tolist() == vocab.counts.tolist()
    sentences = [n for _, lengths in encoded.chunks for n in lengths.tolist()]
    return vocab.index_to_key, sentences


@pytest.mark.parametrize("name, write", [
    ("c.gz", lambda p, data: p.write_bytes(gzip.compress(data))),
    ("c.bz2", lambda p, data: p.write_bytes(bz2.compress(data))),
    ("c.xz", lambda p, data: p.write_bytes(lzma.compress(data))),
    ("renamed.txt", lambda p, data: p.write_bytes(bz2.compress(data))),  # the bytes decide, not the name
    ("c.zip", lambda p, data: zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED).writestr("text8", data)),
])
def test_compressed_corpora_read_as_their_text(tmp_path, name, write):
    plain = tmp_path / "plain.txt"
    plain.write_text(TEXT)
    write(tmp_path / name, TEXT.encode())
    assert _read_both_ways(tmp_path / name) == _read_both_ways(plain)


def test_a_zip_with_several_members_reads_them_in_order_each_ending_a_sentence(tmp_path):
    with zipfile.ZipFile(tmp_path / "parts.zip", "w") as archive:
        archive.writestr("a.txt", "x y z")
        archive.writestr("dir/", "")
        archive.writestr("dir/b.txt", "y z\nz\n")
    words, sentences = _read_both_ways(tmp_path / "parts.zip")
    assert words == ["z", "y", "x"] and sentences == [3, 2]  # the lone "z" gives no sentence


@pytest.mark.parametrize("head, named", [
    (b"\x28\xb5\x2f\xfd", "zstd-compressed \\(decompress it first: zstd -d FILE\\)"),
    (b"7z\xbc\xaf\x27\x1c", "a 7z archive \\(extract it first\\)"),
    (b"Rar!\x1a\x07\x00", "a rar archive \\(extract it first\\)"),
    (b"\x7fELF\x02\x01", "an ELF executable"),
    (b"%PDF-1.4", "a PDF document"),
])
def test_other_archives_and_binaries_are_named(tmp_path, head, named):
    path = tmp_path / "corpus.txt"
    path.write_bytes(head + b"the cat sat\n" * 10)
    for read in (lambda: Corpus(path).count_and_encode(min_count=1), lambda: Corpus(path).count_words()):
        with pytest.raises(CorpusError, match=f"corpus file {path} is {named}, not text"):
            read()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-32-le", "utf-8-sig"])
def test_unicode_with_a_byte_order_mark_is_decoded(tmp_path, encoding):
    text = "naïve café 日本語\ncafé naïve\n" * 5
    path = tmp_path / "c.txt"
    bom = {"utf-16-be": "\ufeff", "utf-32-le": "\ufeff"}.get(encoding, "")
    path.write_bytes((bom + text).encode(encoding))
    plain = tmp_path / "plain.txt"
    plain.write_text(text, encoding="utf-8")
    assert _read_both_ways(path) == _read_both_ways(plain)
    assert "\ufeff" not in _read_both_ways(path)[0][0]


def test_utf16_without_a_mark_is_not_text(tmp_path):
    """NUL-interleaved words used to train silently."""
    path = tmp_path / "c.txt"
    path.write_bytes(("the cat sat on the mat\n" * 20).encode("utf-16-le"))
    with pytest.raises(CorpusError, match=r"c.txt does not look like text: 50.0% of the first 920 bytes read are "
                                          r"NUL or invalid UTF-8 \(the limit is 1%"):
        Corpus(path).count_and_encode(min_count=1)


@pytest.mark.parametrize("reader", ["scanner", "python"])
def test_binary_files_stop_the_pass_and_the_share_is_overridable(tmp_path, reader):
    data = bytes(range(256)) * 20 + b" some words here\n" * 10
    path = tmp_path / "blob.dat"
    path.write_bytes(data)

    def read(**kwargs):
        corpus = Corpus(path, **kwargs)
        return corpus.count_and_encode(min_count=1) if reader == "scanner" else corpus.count_words()

    with pytest.raises(CorpusError, match=r"blob.dat does not look like text: \d+\.\d% of the first"):
        read()
    with pytest.warns(UnicodeWarning, match="blob.dat"):
        read(max_invalid_share=0.9)
    with pytest.raises(ValueError, match=r"max_invalid_share must be a number in \[0, 1\], got 2"):
        Corpus(path, max_invalid_share=2)


def test_a_real_executable_is_not_text(tmp_path):
    ls = shutil.which("ls")
    if ls is None or Path(ls).read_bytes()[:4] != b"\x7fELF":
        pytest.skip("no ELF ls here")
    with pytest.raises(CorpusError, match="is an ELF executable, not text"):
        Corpus(ls).count_and_encode(min_count=1)


def test_a_few_invalid_bytes_in_a_large_file_only_warn_and_name_the_file(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "good.txt").write_text(TEXT)
    (folder / "bad.txt").write_bytes(TEXT.encode() + b"caf\xe9\n")
    with pytest.warns(UnicodeWarning) as record:
        Corpus(folder).count_and_encode(min_count=1)
    messages = [str(w.message) for w in record]
    assert len(messages) == 1 and "bad.txt (1 of" in messages[0] and "good.txt" not in messages[0]
    assert "\n" not in messages[0]


def test_list_corpora_with_non_string_tokens_are_errors_naming_sentence_and_position():
    with pytest.raises(CorpusError, match=r"sentence 1, position 2: token None is a NoneType; tokens must be str"):
        Corpus([["a", "b"], ["a", "b", None]]).count_and_encode(min_count=1)
    with pytest.raises(CorpusError, match=r"sentence 0, position 1: token 1 is a int"):
        Corpus([["a", 1]]).count_words()
    import numpy as np

    vocab, _ = Corpus([list(np.array(["a", "b", "a"]))]).count_and_encode(min_count=1)  # str subclasses are str
    assert vocab.index_to_key == ["a", "b"]

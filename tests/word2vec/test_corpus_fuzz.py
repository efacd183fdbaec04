"""Fuzzing the corpus readers (hypothesis, a few seconds each): whatever the bytes or the objects, only
the library's own errors come out (CorpusError, ParameterError: ValueErrors), and what is accepted
reads the same through the scanner (1 or 3 workers) and the Python reader."""

import bz2
import gzip
import zipfile

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from fuzz_bytes import mutate  # noqa: E402 (set / insert / delete / truncate, as drawn below)
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import negsample.word2vec.corpus.parts as parts_module  # noqa: E402
from negsample.word2vec.corpus import Corpus, CorpusError  # noqa: E402
from negsample.word2vec.corpus.scan import scan_files  # noqa: E402

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
VALID = ("the cat sat on the mat\nthe dog sat\n\ncafé au lait\tand tea\r\n" * 4).encode()


def _flat(encoded):
    ids = [int(i) for chunk, _ in encoded.chunks for i in np.asarray(chunk)]
    lengths = [int(n) for _, chunk in encoded.chunks for n in np.asarray(chunk)]
    return ids, lengths


def _read_every_way(path):
    """The vocabulary and encoding from the scanner with 1 and 3 workers and from the Python reader;
    all must agree. None if the corpus is refused (with the library's own error)."""
    try:
        results = []
        for workers in (1, 3):
            scanned = scan_files([path], max_sentence_length=5, workers=workers)
            vocab = scanned.build(min_count=1)
            results.append((scanned.words, scanned.counts.tolist(), vocab.index_to_key,
                            _flat(scanned.encode(vocab))))
        corpus = Corpus(path, max_sentence_length=5)
        counter = corpus.count_words()
        vocab = counter.build(min_count=1)
        results.append((list(counter.counts), list(counter.counts.values()), vocab.index_to_key,
                        _flat(Corpus(path, max_sentence_length=5).encode(vocab))))
    except CorpusError as exc:
        assert str(path) in str(exc)
        return None
    assert results[0] == results[1] == results[2]
    return results[0]


MUTATION = st.tuples(st.sampled_from(["set", "insert", "delete", "truncate"]), st.integers(0, 10_000),
                     st.sampled_from([0, 0x0A, 0x20, 0xFF, 0xC3, 0xA9, 0x80, 0xE2, ord("a"), 0x1F, 0x8B]))


@pytest.fixture
def small_parts(monkeypatch):
    monkeypatch.setattr(parts_module, "MIN_PART_BYTES", 16)


@given(mutations=st.lists(MUTATION, min_size=1, max_size=6))
@FUZZ
def test_mutated_text_reads_the_same_every_way_or_is_refused(tmp_path, small_parts, mutations):
    path = tmp_path / "c.txt"
    path.write_bytes(mutate(VALID, mutations))
    with _quietly():
        _read_every_way(path)


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress, "zip"], ids=["gzip", "bzip2", "zip"])
@given(mutations=st.lists(MUTATION, min_size=1, max_size=3))
@FUZZ
def test_mutated_compressed_files_raise_only_corpus_errors(tmp_path, compress, mutations):
    path = tmp_path / "c.bin"
    if compress == "zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("text8", VALID)
        data = path.read_bytes()
    else:
        data = compress(VALID)
    path.write_bytes(mutate(data, mutations))
    with _quietly():
        _read_every_way(path)


@given(data=st.binary(max_size=300))
@FUZZ
def test_random_bytes_raise_only_corpus_errors(tmp_path, small_parts, data):
    path = tmp_path / "c.bin"
    path.write_bytes(data)
    with _quietly():
        _read_every_way(path)


TOKEN = st.one_of(st.text(max_size=4), st.integers(), st.none(), st.floats(), st.binary(max_size=3))
SENTENCE = st.one_of(st.lists(TOKEN, max_size=5), st.text(max_size=5), st.tuples(st.text(max_size=3)))


@given(sentences=st.lists(SENTENCE, max_size=6))
@FUZZ
def test_list_corpora_of_anything_raise_only_corpus_errors(sentences):
    try:
        vocab, encoded = Corpus(sentences).count_and_encode(min_count=1)
    except CorpusError:
        return
    tokens = [t for s in sentences for t in s]
    assert all(isinstance(t, str) for t in tokens)
    assert set(vocab.index_to_key) == set(tokens)
    assert encoded.raw_words == len(tokens)


class _quietly:
    """Replacement warnings are part of the game here: keep them out of the test output."""

    def __enter__(self):
        import warnings

        self._context = warnings.catch_warnings()
        self._context.__enter__()
        warnings.simplefilter("ignore", UnicodeWarning)

    def __exit__(self, *exc):
        return self._context.__exit__(*exc)

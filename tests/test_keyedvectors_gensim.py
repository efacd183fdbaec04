"""KeyedVectors' gensim methods against gensim's own KeyedVectors holding the very same vectors."""

import logging

import numpy as np
import pytest

from negsample.keyedvectors import KeyedVectors
from negsample.vocab import Vocabulary

gensim_models = pytest.importorskip("gensim.models")
logging.getLogger("gensim").setLevel(logging.ERROR)

N_WORDS, DIM = 300, 16


def _pair(seed=0, n_words=N_WORDS, dim=DIM):
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((n_words, dim)).astype(np.float32)
    words = [f"w{i}" for i in range(n_words)]
    ours = KeyedVectors(vectors, Vocabulary(words, np.arange(n_words, 0, -1)))
    theirs = gensim_models.KeyedVectors(dim)
    theirs.add_vectors(words, vectors.copy())
    return ours, theirs


def _same_ranking(ours, theirs, atol=1e-6):
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=atol)


def test_similar_by_word_key_and_vector():
    ours, theirs = _pair(1)
    for key in ("w3", "w200", 7):
        _same_ranking(ours.similar_by_key(key, topn=8), theirs.similar_by_key(key, topn=8))
    _same_ranking(ours.similar_by_word("w5", topn=5, restrict_vocab=50),
                  theirs.similar_by_word("w5", topn=5, restrict_vocab=50))
    _same_ranking(ours.similar_by_vector(ours["w9"] * 3, topn=6), theirs.similar_by_vector(theirs["w9"] * 3, topn=6))
    np.testing.assert_allclose(ours.similar_by_key("w2", topn=None), theirs.similar_by_key("w2", topn=None),
                               atol=1e-6)


def test_rank_closer_than_and_distances():
    ours, theirs = _pair(2)
    for a, b in [("w0", "w1"), ("w10", "w250"), ("w7", "w7"), ("w33", "w34")]:
        assert ours.closer_than(a, b) == theirs.closer_than(a, b)
        assert ours.rank(a, b) == theirs.rank(a, b)
    assert ours.rank("w4", ours.similar_by_key("w4", topn=1)[0][0]) == 1
    np.testing.assert_allclose(ours.distances("w5"), theirs.distances("w5"), atol=1e-6)
    np.testing.assert_allclose(ours.distances("w5", ["w1", "w2"]), theirs.distances("w5", ["w1", "w2"]), atol=1e-6)


def test_most_similar_to_given_relative_cosine_and_n_similarity():
    ours, theirs = _pair(3)
    choices = ["w1", "w50", "w120", "w7"]
    assert ours.most_similar_to_given("w0", choices) == theirs.most_similar_to_given("w0", choices)
    for wa, wb, topn in [("w1", "w2", 10), ("w8", "w9", 3)]:
        # gensim 4 declares it a staticmethod taking self, so it must be called on the class
        want = type(theirs).relative_cosine_similarity(theirs, wa, wb, topn)
        assert ours.relative_cosine_similarity(wa, wb, topn) == pytest.approx(want, rel=1e-5)
    assert ours.n_similarity(["w1", "w2"], ["w3"]) == pytest.approx(theirs.n_similarity(["w1", "w2"], ["w3"]),
                                                                   abs=1e-6)


@pytest.mark.parametrize("pre,post", [(True, False), (False, False), (True, True), (False, True)])
def test_get_mean_vector(pre, post):
    ours, theirs = _pair(4)
    vector = np.linspace(-1, 1, DIM).astype(np.float32)
    keys = ["w1", "w20", "missing", vector, 5]
    weights = [0.5, -2.0, 3.0, 1.0, 1.5]
    np.testing.assert_allclose(ours.get_mean_vector(keys, weights, pre, post),
                               theirs.get_mean_vector(keys, weights, pre, post), atol=1e-6)
    np.testing.assert_allclose(ours.get_mean_vector(["w1", "w2"]), theirs.get_mean_vector(["w1", "w2"]), atol=1e-6)
    with pytest.raises(KeyError, match="missing"):
        ours.get_mean_vector(keys, ignore_missing=False)
    with pytest.raises(ValueError, match="one per key"):
        ours.get_mean_vector(["w1"], weights=[1.0, 2.0])


def test_doesnt_match_and_rank_by_centrality():
    ours, theirs = _pair(5)
    words = ["w1", "w2", "w3", "w4", "w5"]
    assert ours.doesnt_match(words) == theirs.doesnt_match(words)
    got, want = ours.rank_by_centrality(words), theirs.rank_by_centrality(words)
    assert [w for _, w in got] == [w for _, w in want]
    np.testing.assert_allclose([s for s, _ in got], [s for s, _ in want], atol=1e-6)
    with pytest.warns(UserWarning, match="nope"):
        assert ours.doesnt_match(words + ["nope"]) == theirs.doesnt_match(words)


def test_add_vectors_and_setitem_as_gensim():
    ours, theirs = _pair(6, n_words=20)
    rng = np.random.default_rng(0)
    new = rng.standard_normal((3, DIM)).astype(np.float32)
    for kv in (ours, theirs):
        kv.add_vectors(["w1", "new1", "new2"], new)  # w1 known: kept (replace=False)
        kv["w2"] = new[0] * 2  # replaced
        kv[["new2", "new3"]] = new[1:]  # new2 replaced, new3 added
        kv.add_vectors("w5", new[2], replace=True)
    assert ours.index_to_key == theirs.index_to_key
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    assert ours.counts.tolist()[-3:] == [0, 0, 0]
    _same_ranking(ours.most_similar("new1", topn=5), theirs.most_similar("new1", topn=5))
    with pytest.raises(ValueError, match=r"shape \(2, 16\)"):
        ours.add_vectors(["a", "b"], np.zeros((3, DIM)))
    with pytest.raises(ValueError, match="distinct"):
        ours.add_vectors(["a", "a"], np.zeros((2, DIM)))


def test_vectors_for_all_and_int_keys():
    ours, theirs = _pair(7, n_words=30)
    keys = ["w9", "zzz", "w3", "w9", "w0"]
    got, want = ours.vectors_for_all(keys), theirs.vectors_for_all(keys)
    assert got.index_to_key == want.index_to_key == ["w9", "w3", "w0"]
    np.testing.assert_array_equal(got.vectors, want.vectors)
    assert ours.vectors_for_all(keys, copy_vecattrs=True).counts.tolist() == [21, 27, 30]
    np.testing.assert_array_equal(ours[4], theirs[4])
    assert ours.get_index(4) == theirs.get_index(4) == 4 and ours.get_index("nope", -1) == -1
    assert ours.has_index_for(29) and not ours.has_index_for(30) and ours.get_vecattr("w2", "count") == 28


def test_intersect_word2vec_format_takes_the_files_vectors_for_shared_words(tmp_path):
    ours, theirs = _pair(8, n_words=40)
    donor, _ = _pair(9, n_words=60)
    shared = donor.vectors_for_all([f"w{i}" for i in range(20, 60)])
    path, text_path = tmp_path / "pretrained.bin", tmp_path / "pretrained.txt"
    shared.save_word2vec_format(path, binary=True)
    shared.save_word2vec_format(text_path)
    # gensim 4 needs vectors_lockf allocated first, and its binary reader fails under NumPy 2: use text.
    theirs.vectors_lockf = np.ones(len(theirs), np.float32)
    theirs.intersect_word2vec_format(str(text_path), lockf=1.0)
    copy = ours.vectors_for_all(ours.index_to_key)
    assert ours.intersect_word2vec_format(path, binary=True) == copy.intersect_word2vec_format(text_path) == 20
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    np.testing.assert_array_equal(copy.vectors, theirs.vectors)
    np.testing.assert_array_equal(ours["w25"], donor["w25"])
    with pytest.raises(ValueError, match="lockf=0.0 is not supported"):
        ours.intersect_word2vec_format(path, lockf=0.0, binary=True)
    small, _ = _pair(10, n_words=5, dim=4)
    with pytest.raises(ValueError, match="dimension 16, but these have 4"):
        small.intersect_word2vec_format(path, binary=True)


def test_add_vector_and_sort_by_descending_frequency():
    ours, theirs = _pair(11, n_words=10)
    vector = np.arange(DIM, dtype=np.float32)
    with pytest.warns(UserWarning):  # gensim warns that growing one row at a time is costly
        assert ours.add_vector("extra", vector) == theirs.add_vector("extra", vector) == 10
    ours.counts[3] = ours.counts[5] = 50  # a tie, which gensim puts in reverse order
    for word, count in zip(ours.index_to_key, ours.counts.tolist(), strict=True):
        theirs.set_vecattr(word, "count", count)
    ours.sort_by_descending_frequency()
    theirs.sort_by_descending_frequency()
    assert ours.index_to_key == theirs.index_to_key and ours.index_to_key[:3] == ["w5", "w3", "w0"]
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)

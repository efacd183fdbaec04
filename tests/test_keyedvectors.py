"""KeyedVectors: lookups and similarity queries against naive loops and gensim (file formats:
test_vectors_io.py)."""

import numpy as np
import pytest

from negsample.keyedvectors import KeyedVectors
from negsample.vocab import Vocabulary

WORDS = ["the", "naïve", "日本語", "café", "a\u00a0b", "Straße", "x", "y"]


def make_kv(n_words=8, dim=5, seed=0, words=None):
    rng = np.random.default_rng(seed)
    words = words or (WORDS if n_words == len(WORDS) else [f"w{i}" for i in range(n_words)])
    return KeyedVectors(rng.standard_normal((len(words), dim)).astype(np.float32),
                        Vocabulary(words, np.arange(len(words), 0, -1)))


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

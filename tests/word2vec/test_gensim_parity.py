"""negsample's Word2Vec against gensim's on the same corpus: the deterministic parts compared exactly.

Vocabulary (words, order with ties, counts, pruning, trim rules, max_final_vocab, online updates),
corpus tallies, subsampling keep probabilities, the noise distribution, Huffman code cost, the output
layer's predictions and the keyed-vector queries on the same vectors. Training itself draws different
random numbers in each library, so it is compared by quality (the threads test), not number by number.
"""

import logging

import numpy as np
import pytest

from negsample import Word2Vec
from negsample.noise import Unigram
from negsample.vocab import RULE_DISCARD, RULE_KEEP
from negsample.word2vec.huffman import build_huffman

gensim_models = pytest.importorskip("gensim.models")
logging.getLogger("gensim").setLevel(logging.ERROR)


@pytest.fixture(scope="module")
def lee():
    from gensim.models.word2vec import LineSentence
    from gensim.test.utils import datapath

    path = datapath("lee_background.cor")
    return path, list(LineSentence(path))


def _gensim(sentences=None, *, update_with=None, **kwargs):
    model = gensim_models.Word2Vec(**{"vector_size": 8, "workers": 1, **kwargs})
    trim_rule = kwargs.pop("trim_rule", None)
    if sentences is not None:
        model.build_vocab(sentences, trim_rule=trim_rule)
    if update_with is not None:
        model.build_vocab(update_with, update=True, trim_rule=trim_rule)
    return model


def _words_and_counts(wv):
    return wv.index_to_key, [wv.get_vecattr(w, "count") for w in wv.index_to_key]


def _rule(word, count, min_count):
    return RULE_KEEP if len(word) > 10 else RULE_DISCARD if count > 200 else 0


SETTINGS = [{"min_count": 1}, {"min_count": 5}, {"min_count": 2, "max_final_vocab": 900},
            {"min_count": 1, "max_vocab_size": 1500}, {"min_count": 3, "trim_rule": _rule}]
IDS = ["min1", "min5", "max-final", "max-vocab-size", "trim-rule"]


@pytest.mark.parametrize("kwargs", SETTINGS, ids=IDS)
def test_build_vocab_is_gensims(lee, kwargs):
    path, sentences = lee
    kwargs = dict(kwargs)
    theirs = _gensim(sentences, **kwargs)
    trim_rule = kwargs.pop("trim_rule", None)
    for corpus in (sentences, path):
        ours = Word2Vec(vector_size=8, workers=1, **kwargs).build_vocab(corpus, trim_rule=trim_rule)
        assert _words_and_counts(ours.wv) == _words_and_counts(theirs.wv)
        assert (ours.corpus_count, ours.corpus_total_words) == (theirs.corpus_count, theirs.corpus_total_words)


@pytest.mark.parametrize("corpus", ["list", "file"])
def test_fit_reads_gensims_vocabulary_in_one_pass(lee, corpus):
    path, sentences = lee
    ours = Word2Vec(vector_size=8, min_count=3, epochs=1, workers=1).fit(sentences if corpus == "list" else path)
    assert _words_and_counts(ours.wv) == _words_and_counts(_gensim(sentences, min_count=3).wv)


def test_gensims_own_max_vocab_size_test():
    sentences = [["graph", "system"], ["graph", "system"], ["system", "eps"], ["graph", "system"],
                 ["minors", "survey", "minors", "survey", "minors"]]
    ours = Word2Vec(vector_size=10, min_count=1, max_vocab_size=2, seed=42, hs=1, negative=0, workers=1)
    ours.fit(sentences)
    assert len(ours.wv) == 3  # negsample used to keep 1
    assert {w: ours.wv.get_vecattr(w, "count") for w in ours.wv.index_to_key} == {"system": 4, "graph": 3,
                                                                                   "minors": 3}


@pytest.mark.parametrize("kwargs", [{"min_count": 2}, {"min_count": 1, "trim_rule": _rule}], ids=["min2", "trim"])
def test_online_update_is_gensims(lee, kwargs):
    _, sentences = lee
    kwargs = dict(kwargs)
    first, second = sentences[:120], sentences[120:]
    theirs = _gensim(first, update_with=second, sample=1e-3, **kwargs)
    trim_rule = kwargs.pop("trim_rule", None)
    ours = Word2Vec(vector_size=8, workers=1, sample=1e-3, **kwargs).build_vocab(first, trim_rule=trim_rule)
    before = ours.wv.vectors.copy()
    ours.build_vocab(second, update=True, trim_rule=trim_rule)
    assert _words_and_counts(ours.wv) == _words_and_counts(theirs.wv)
    np.testing.assert_array_equal(ours.wv.vectors[:len(before)], before)  # known rows untouched
    want = [theirs.wv.get_vecattr(w, "sample_int") / (2**32 - 1) for w in theirs.wv.index_to_key]
    np.testing.assert_allclose(ours.keep_prob, want, rtol=1e-6)


def test_build_vocab_from_freq_is_gensims():
    freq = {"the": 50, "cat": 7, "sat": 7, "on": 12, "mat": 3, "a": 50, "rare": 1}
    theirs = gensim_models.Word2Vec(vector_size=4, min_count=2)
    theirs.build_vocab_from_freq(freq, corpus_count=9)
    ours = Word2Vec(vector_size=4, min_count=2).build_vocab_from_freq(freq, corpus_count=9)
    assert _words_and_counts(ours.wv) == _words_and_counts(theirs.wv)
    assert ours.corpus_count == theirs.corpus_count == 9
    more = {"dog": 4, "cat": 1}
    theirs.build_vocab_from_freq(more, update=True)
    ours.build_vocab_from_freq(more, update=True)
    assert _words_and_counts(ours.wv) == _words_and_counts(theirs.wv)


@pytest.mark.parametrize("sample", [1e-3, 1e-4, 0.0])
def test_subsampling_and_noise_are_gensims(lee, sample):
    _, sentences = lee
    theirs = _gensim(sentences, min_count=2, sample=sample, hs=1, negative=5, ns_exponent=0.6)
    ours = Word2Vec(vector_size=8, min_count=2, sample=sample, hs=1, negative=5, ns_exponent=0.6).build_vocab(sentences)
    want = [theirs.wv.get_vecattr(w, "sample_int") / (2**32 - 1) for w in theirs.wv.index_to_key]
    np.testing.assert_allclose(ours.keep_prob, want, rtol=1e-6)
    # gensim's cumulative table holds count^power rounded to a 2^31 - 1 domain: 1e-5 relative at worst here.
    cum = np.concatenate([[0], theirs.cum_table.astype(np.float64)])
    np.testing.assert_allclose(Unigram(ours.vocab.counts, power=0.6).probs, np.diff(cum) / cum[-1], rtol=1e-5)
    # Huffman trees with ties are not unique; ours breaks them as gensim's does: the same codes and paths.
    tree = build_huffman(ours.vocab.counts)
    for index, word in enumerate(theirs.wv.index_to_key):
        assert tree.code(index) == theirs.wv.get_vecattr(word, "code").tolist(), word
        assert tree.path(index) == theirs.wv.get_vecattr(word, "point").tolist(), word


def test_predict_output_word_is_gensims_on_the_same_weights(lee):
    _, sentences = lee
    ours = Word2Vec(vector_size=16, min_count=3, sg=0, epochs=2, workers=1).fit(sentences)
    theirs = _gensim(sentences, min_count=3, vector_size=16)
    theirs.wv.vectors[:] = ours.wv.vectors
    theirs.syn1neg[:] = ours.syn1neg
    for context in (["the", "government"], ["Australia", "said", "zzz"], ["Prime", "minister"]):
        got, want = ours.predict_output_word(context, topn=7), theirs.predict_output_word(context, topn=7)
        assert [w for w, _ in got] == [w for w, _ in want]
        np.testing.assert_allclose([p for _, p in got], [p for _, p in want], rtol=1e-4)
    with pytest.warns(UserWarning, match="no context word"):
        assert ours.predict_output_word(["zzz"]) is None


def test_keyed_vector_queries_on_trained_vectors_are_gensims(lee):
    _, sentences = lee
    ours = Word2Vec(vector_size=24, min_count=5, sg=1, epochs=3, workers=1).fit(sentences).wv
    theirs = gensim_models.KeyedVectors(24)
    theirs.add_vectors(ours.index_to_key, ours.vectors.copy())
    for word in ("government", "Australia", "police"):
        got, want = ours.similar_by_word(word, topn=10), theirs.similar_by_word(word, topn=10)
        assert [w for w, _ in got] == [w for w, _ in want]
        np.testing.assert_allclose([s for _, s in got], [s for _, s in want], atol=1e-5)
        neighbour = got[4][0]
        assert ours.rank(word, neighbour) == theirs.rank(word, neighbour) == 5
        assert ours.closer_than(word, neighbour) == theirs.closer_than(word, neighbour)
    group = ["government", "minister", "police", "Australia", "the"]
    assert ours.doesnt_match(group) == theirs.doesnt_match(group)
    assert ours.n_similarity(group[:2], group[2:]) == pytest.approx(theirs.n_similarity(group[:2], group[2:]),
                                                                   abs=1e-5)
    np.testing.assert_allclose(ours.get_mean_vector(group), theirs.get_mean_vector(group), atol=1e-6)


def test_corpus_counting_prunes_per_sentence_as_gensim():
    from negsample.word2vec.corpus import Corpus

    sentences = [["graph", "system"], ["graph", "system"], ["system", "eps"], ["graph", "system"],
                 ["minors", "survey", "minors", "survey", "minors"]]
    vocab, _ = Corpus(sentences).count_and_encode(min_count=1, max_vocab_size=2)
    assert _words_and_counts(_gensim(sentences, min_count=1, max_vocab_size=2).wv) == (
        vocab.index_to_key, vocab.counts.tolist())

"""Vocabulary and VocabularyCounter: by hand, and against gensim's own vocabulary building on the same
sentences (order, counts, pruning, trim rules, max_final_vocab, updates)."""

import logging

import numpy as np
import pytest

from negsample.vocab import RULE_DISCARD, RULE_KEEP, Vocabulary, VocabularyCounter, keep_word


def test_sorted_by_count_with_ties_in_reverse_first_appearance_order():
    counter = VocabularyCounter()
    counter.update("d c b a c b a b a a".split())
    counter.update("z y".split())
    vocab = counter.build(min_count=1)
    assert vocab.index_to_key == ["a", "b", "c", "y", "z", "d"]
    assert vocab.counts.tolist() == [4, 3, 2, 1, 1, 1]
    assert vocab.key_to_index["c"] == 2 and "z" in vocab and "q" not in vocab


def test_min_count_and_max_final_vocab_never_split_ties():
    counts = {"a": 9, "b": 5, "c": 5, "d": 5, "e": 1}
    assert Vocabulary.from_counts(counts, min_count=2).index_to_key == ["a", "d", "c", "b"]
    # 2 words requested, but b/c/d tie at the cut: all three go rather than an arbitrary pick.
    assert Vocabulary.from_counts(counts, max_final_vocab=2).index_to_key == ["a"]
    assert len(Vocabulary.from_counts(counts, max_final_vocab=4)) == 4


def test_trim_rule_overrides_min_count_either_way():
    def rule(word, count, min_count):
        return RULE_KEEP if word == "rare" else RULE_DISCARD if word == "the" else 0

    counts = {"the": 9, "cat": 5, "rare": 1, "dog": 1}
    assert Vocabulary.from_counts(counts, min_count=2, trim_rule=rule).index_to_key == ["cat", "rare"]
    assert keep_word("x", 2, 2) and not keep_word("x", 1, 2)


def test_max_vocab_size_prunes_during_counting():
    rng = np.random.default_rng(0)
    counter = VocabularyCounter(max_vocab_size=50)
    frequent = ["the", "of", "and"]
    largest = 0
    for _ in range(200):
        counter.update(frequent + [f"rare{rng.integers(10**6)}" for _ in range(5)])
        largest = max(largest, len(counter.counts))
    # A prune may remove nothing (gensim's threshold starts at 1), so the bound is loose, not absent.
    assert counter.pruned > 0 and largest <= 60
    vocab = counter.build(min_count=100)
    assert sorted(vocab.index_to_key) == sorted(frequent) and vocab.counts.tolist() == [200] * 3


def test_max_vocab_size_raises_the_threshold_once_per_sentence_over_the_limit():
    """gensim's test_max_vocab_size: 3 words survive here (negsample used to prune down to 1)."""
    sentences = [["graph", "system"], ["graph", "system"], ["system", "eps"], ["graph", "system"],
                 ["minors", "survey", "minors", "survey", "minors"]]
    counter = VocabularyCounter(max_vocab_size=2)
    flat = [w for s in sentences for w in s]
    counter.update(flat, [len(s) for s in sentences])
    vocab = counter.build(min_count=1)
    assert dict(zip(vocab.index_to_key, vocab.counts.tolist())) == {"system": 4, "minors": 3, "graph": 3}
    assert counter.min_reduce == 4  # three sentences crossed the limit


def test_bad_arguments():
    with pytest.raises(ValueError, match="min_count must be >= 0"):
        Vocabulary.from_counts({"a": 1}, min_count=-1)
    with pytest.raises(ValueError, match="max_vocab_size"):
        VocabularyCounter(max_vocab_size=0)
    with pytest.raises(ValueError, match="unique"):
        Vocabulary(["a", "a"], [1, 1])
    with pytest.raises(ValueError, match="max_final_vocab"):
        Vocabulary.from_counts({"a": 1}, max_final_vocab=0)


# ---------------------------------------------------------------------- against gensim
@pytest.fixture(scope="module")
def lee_sentences():
    pytest.importorskip("gensim")
    from gensim.models.word2vec import LineSentence
    from gensim.test.utils import datapath

    return list(LineSentence(datapath("lee_background.cor")))


def _gensim_vocab(sentences, **kwargs):
    from gensim.models import Word2Vec as GensimWord2Vec

    logging.getLogger("gensim").setLevel(logging.WARNING)
    trim_rule = kwargs.pop("trim_rule", None)
    model = GensimWord2Vec(vector_size=4, sample=0, **kwargs)
    model.build_vocab(sentences, trim_rule=trim_rule)
    return model.wv.index_to_key, [model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key]


def _ours(sentences, *, min_count=5, max_vocab_size=None, max_final_vocab=None, trim_rule=None):
    counter = VocabularyCounter(max_vocab_size, trim_rule=trim_rule)
    counter.update([w for s in sentences for w in s], [len(s) for s in sentences])
    vocab = counter.build(min_count=min_count, max_final_vocab=max_final_vocab, trim_rule=trim_rule)
    return vocab.index_to_key, vocab.counts.tolist()


@pytest.mark.parametrize("kwargs", [
    {"min_count": 1}, {"min_count": 5}, {"min_count": 2, "max_final_vocab": 700},
    {"min_count": 1, "max_vocab_size": 2000}, {"min_count": 1, "max_vocab_size": 300},
    {"min_count": 3, "trim_rule": lambda w, c, m: RULE_KEEP if len(w) > 9 else RULE_DISCARD if c > 100 else 0},
], ids=["min1", "min5", "max-final", "prune-2000", "prune-300", "trim-rule"])
def test_vocabulary_is_gensims_on_the_lee_corpus(lee_sentences, kwargs):
    """Same words, same order (ties included: 6,884 of 6,981 indices used to differ), same counts."""
    theirs = _gensim_vocab(lee_sentences, **kwargs)
    ours = _ours(lee_sentences, **kwargs)
    assert len(ours[0]) > 100
    assert ours[0] == theirs[0]
    assert ours[1] == theirs[1]


def test_gensims_max_vocab_size_test_passes(lee_sentences):
    sentences = [["graph", "system"], ["graph", "system"], ["system", "eps"], ["graph", "system"],
                 ["minors", "survey", "minors", "survey", "minors"]]
    assert _ours(sentences, min_count=1, max_vocab_size=2) == _gensim_vocab(sentences, min_count=1,
                                                                             max_vocab_size=2)


def test_updated_vocabulary_is_gensims(lee_sentences):
    from gensim.models import Word2Vec as GensimWord2Vec

    logging.getLogger("gensim").setLevel(logging.WARNING)
    first, second = lee_sentences[:150], lee_sentences[150:]
    model = GensimWord2Vec(first, vector_size=4, min_count=3, sample=0, epochs=1, workers=1)
    model.build_vocab(second, update=True)
    vocab = Vocabulary.from_word_counts(*_raw(first), min_count=3)
    grown, retained = vocab.updated(*_raw(second), min_count=3)
    assert grown.index_to_key == model.wv.index_to_key
    assert grown.counts.tolist() == [model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key]
    assert len(retained) > 0 and len(grown) > len(vocab)


def _raw(sentences):
    counter = VocabularyCounter()
    for s in sentences:
        counter.update(s)
    return list(counter.counts), np.fromiter(counter.counts.values(), np.int64)

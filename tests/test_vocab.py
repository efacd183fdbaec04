import numpy as np
import pytest

from negsample.vocab import Vocabulary, VocabularyCounter


def test_sorted_by_count_with_ties_in_first_appearance_order():
    counter = VocabularyCounter()
    counter.update("d c b a c b a b a a".split())
    counter.update("z y".split())
    vocab = counter.build(min_count=1)
    assert vocab.index_to_key == ["a", "b", "c", "d", "z", "y"]
    assert vocab.counts.tolist() == [4, 3, 2, 1, 1, 1]
    assert vocab.key_to_index["c"] == 2 and "z" in vocab and "q" not in vocab


def test_min_count_and_max_final_vocab_never_split_ties():
    counts = {"a": 9, "b": 5, "c": 5, "d": 5, "e": 1}
    assert Vocabulary.from_counts(counts, min_count=2).index_to_key == ["a", "b", "c", "d"]
    # 2 words requested, but b/c/d tie at the cut: all three go rather than an arbitrary pick.
    assert Vocabulary.from_counts(counts, max_final_vocab=2).index_to_key == ["a"]
    assert len(Vocabulary.from_counts(counts, max_final_vocab=4)) == 4


def test_max_vocab_size_prunes_during_counting():
    rng = np.random.default_rng(0)
    counter = VocabularyCounter(max_vocab_size=50)
    frequent = ["the", "of", "and"]
    for _ in range(200):
        counter.update(frequent + [f"rare{rng.integers(10**6)}" for _ in range(5)])
        assert len(counter.counts) <= 50
    assert counter.pruned > 0
    vocab = counter.build(min_count=100)
    assert vocab.index_to_key[:3] == frequent


def test_bad_arguments():
    with pytest.raises(ValueError, match="min_count must be >= 1"):
        Vocabulary.from_counts({"a": 1}, min_count=0)
    with pytest.raises(ValueError, match="max_vocab_size"):
        VocabularyCounter(max_vocab_size=0)
    with pytest.raises(ValueError, match="unique"):
        Vocabulary(["a", "a"], [1, 1])

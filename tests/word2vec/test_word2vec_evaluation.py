"""Word-vector evaluation: analogy and word-pair scores must equal gensim's evaluators on the same
vectors."""

import os

import numpy as np
import pytest
from conftest import SHARED_DATA

from negsample.keyedvectors import KeyedVectors
from negsample.vocab import Vocabulary
from negsample.word2vec.evaluation import DatasetFormatError, evaluate_analogies, evaluate_word_pairs

SHARED_EVAL = str(SHARED_DATA / "eval")


def structured_vectors(words, questions, dim=24, seed=0, solved=0.5):
    """Random vectors in which a fraction of the analogies a:b :: c:d hold (d ~ c + b - a)."""
    rng = np.random.default_rng(seed)
    index = {w: i for i, w in enumerate(words)}
    vectors = rng.standard_normal((len(words), dim)).astype(np.float32)
    for a, b, c, d in questions[: int(len(questions) * solved)]:
        if all(w in index for w in (a, b, c, d)):
            vectors[index[d]] = (vectors[index[c]] + vectors[index[b]] - vectors[index[a]]
                                 + 0.3 * rng.standard_normal(dim))
    return KeyedVectors(vectors, Vocabulary(words, np.arange(len(words), 0, -1)))


def as_gensim(kv):
    gensim_models = pytest.importorskip("gensim.models")
    g = gensim_models.KeyedVectors(kv.vector_size)
    g.add_vectors(kv.index_to_key, kv.vectors)
    return g


def gensim_analogy_counts(g, path, restrict_vocab, case_insensitive=True):
    score, sections = g.evaluate_word_analogies(str(path), restrict_vocab=restrict_vocab,
                                                case_insensitive=case_insensitive)
    per_section = {s["section"]: (len(s["correct"]), len(s["correct"]) + len(s["incorrect"]))
                   for s in sections[:-1]}
    return score, per_section


def assert_same_as_gensim(kv, path, restrict_vocab, case_insensitive=True):
    ours = evaluate_analogies(kv, path, restrict_vocab=restrict_vocab, case_insensitive=case_insensitive)
    score, per_section = gensim_analogy_counts(as_gensim(kv), path, restrict_vocab, case_insensitive)
    assert ours.accuracy == score
    assert {name: (c, t) for name, (_, c, t) in ours.sections.items()} == per_section
    assert ours.total == sum(t for _, t in per_section.values())
    return ours


# A tiny analogy file: case variants, an OOV question, an answer equal to a question word, a blank line.
TINY_ANALOGIES = """\
: capitals
Athens Greece Berlin Germany
athens greece paris france
Berlin Germany Athens Greece
Paris France Berlin Germany
Athens Greece Oslo Norway

: family
man king woman queen
man king boy prince
king queen man woman
man man woman woman
"""
TINY_WORDS = ["Athens", "greece", "Greece", "berlin", "Berlin", "Germany", "Paris", "France", "athens",
              "man", "king", "woman", "queen", "boy", "prince", "filler1", "filler2", "filler3", "Oslo"]


@pytest.fixture
def tiny_analogies(tmp_path):
    path = tmp_path / "analogies.txt"
    path.write_text(TINY_ANALOGIES, encoding="utf-8")
    questions = [line.split() for line in TINY_ANALOGIES.splitlines() if line and not line.startswith(":")]
    return path, questions


@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("restrict_vocab", [10, 18, 30000])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_analogies_match_gensim_on_tiny_file(tiny_analogies, case_insensitive, restrict_vocab, seed):
    path, questions = tiny_analogies
    kv = structured_vectors(TINY_WORDS, questions, dim=8, seed=seed, solved=0.6)
    result = assert_same_as_gensim(kv, path, restrict_vocab, case_insensitive)
    assert result.questions == 9 and 0 < result.coverage <= 1


def test_analogy_result_fields(tiny_analogies):
    path, questions = tiny_analogies
    kv = structured_vectors(TINY_WORDS, questions, dim=8, seed=0, solved=1.0)
    result = evaluate_analogies(kv, path, restrict_vocab=18)  # "Oslo" (row 18) is outside
    assert result.questions == 9 and result.total == 8 and result.coverage == pytest.approx(8 / 9)
    assert list(result.sections) == ["capitals", "family"]
    assert result.correct == sum(c for _, c, _ in result.sections.values())
    assert result.accuracy == pytest.approx(result.correct / result.total)


def naive_cosmul_answer(kv, question, restrict_vocab):
    """gensim's rule with 3CosMul: best 5 non-input words, first whose upper-case is not a question word."""
    a, b, c, _ = question
    candidates = kv.most_similar_cosmul(positive=[b, c], negative=[a], topn=5, restrict_vocab=restrict_vocab)
    ignore = {a.upper(), b.upper(), c.upper()}
    predicted = None
    for word, _ in candidates:
        predicted = word.upper()
        if predicted not in ignore:
            break
    return predicted


def test_cosmul_analogies_match_naive_loop(tiny_analogies):
    path, questions = tiny_analogies
    kv = structured_vectors(TINY_WORDS, questions, dim=8, seed=3, solved=0.6)
    first = {}
    for w in kv.index_to_key:
        first.setdefault(w.upper(), w)
    correct = covered = 0
    for q in (line.split() for line in TINY_ANALOGIES.splitlines() if line and not line.startswith(":")):
        upper = [w.upper() for w in q]
        if not all(w in first for w in upper):
            continue
        covered += 1
        correct += naive_cosmul_answer(kv, [first[w] for w in upper], None) == upper[3]
    result = evaluate_analogies(kv, path, method="3cosmul")
    assert (result.correct, result.total) == (correct, covered)


def test_questions_words_matches_gensim():
    path = os.path.join(SHARED_EVAL, "questions-words.txt")
    if not os.path.exists(path):
        pytest.skip(f"{path} not available")
    sections, questions = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith(":"):
                sections.append(line)
            elif line.strip():
                questions.append(line.split())
    originals = list(dict.fromkeys(w for q in questions for w in q))
    # Lower-case twins of some words (later in the vocabulary, so the original wins when case-folding),
    # and the last 40 original words beyond restrict_vocab.
    twins = [w.lower() for w in originals[::7] if w.lower() not in originals]
    words = originals[:-40] + twins + originals[-40:]
    kv = structured_vectors(words, questions, dim=32, seed=4, solved=0.4)
    result = assert_same_as_gensim(kv, path, restrict_vocab=len(words) - 40)
    assert 0.9 < result.coverage < 1 and 0.2 < result.accuracy < 0.9


def test_bad_analogy_files(tmp_path):
    kv = structured_vectors(TINY_WORDS, [], dim=4)
    cases = {
        "no_section.txt": ("man king woman queen\n", "line 1: question before the first ': section'"),
        "three_words.txt": (": s\nman king woman\n", "line 2: expected 4 words"),
        "empty.txt": ("", "no analogy questions"),
    }
    for name, (text, message) in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(DatasetFormatError, match=message) as info:
            evaluate_analogies(kv, tmp_path / name)
        assert name in str(info.value)
    with pytest.raises(ValueError):
        evaluate_analogies(kv, tmp_path / "empty.txt", method="3cosfoo")


# ---------------------------------------------------------------------- word pairs
def assert_pairs_same_as_gensim(kv, path, **kwargs):
    ours = evaluate_word_pairs(kv, path, **kwargs)
    pearson, spearman, oov_ratio = as_gensim(kv).evaluate_word_pairs(str(path), **kwargs)
    assert ours.pearson == pytest.approx(pearson[0], abs=1e-6)
    assert ours.pearson_pvalue == pytest.approx(pearson[1], rel=1e-4, abs=1e-12)
    assert ours.spearman == pytest.approx(spearman[0], abs=1e-6)
    assert ours.spearman_pvalue == pytest.approx(spearman[1], rel=1e-4, abs=1e-12)
    assert ours.oov_ratio == pytest.approx(oov_ratio)
    return ours


def test_word_pairs_match_gensim_on_small_file(tmp_path):
    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(30)] + ["Cat", "cat"]
    kv = KeyedVectors(rng.standard_normal((32, 6)).astype(np.float32),
                      Vocabulary(words, np.arange(32, 0, -1)))
    lines = ["# a comment", ""]
    for _ in range(40):
        a, b = rng.choice(words, 2)
        lines.append(f"{a.upper() if rng.random() < 0.3 else a}\t{b}\t{rng.uniform(0, 10):.2f}")
    lines += ["cat\tunknown\t3.0", "CAT\tw1\t4.5"]
    path = tmp_path / "pairs.tsv"
    path.write_text("\n".join(lines) + "\n")
    result = assert_pairs_same_as_gensim(kv, path)
    assert result.oov == 1 and result.pairs == 41
    assert_pairs_same_as_gensim(kv, path, case_insensitive=False)
    assert_pairs_same_as_gensim(kv, path, restrict_vocab=20)


@pytest.mark.parametrize("name", ["wordsim353.tsv", "EN-WS-353-ALL.txt"])
def test_word_pairs_match_gensim_on_wordsim(name):
    path = os.path.join(SHARED_EVAL, name)
    if not os.path.exists(path):
        pytest.skip(f"{path} not available")
    with open(path, encoding="utf-8") as f:
        words = list(dict.fromkeys(w for line in f if not line.startswith("#") and line.strip()
                                   for w in line.split("\t")[:2]))
    words = words[:-15]  # leave some pairs out of vocabulary
    rng = np.random.default_rng(6)
    kv = KeyedVectors(rng.standard_normal((len(words), 16)).astype(np.float32),
                      Vocabulary(words, np.arange(len(words), 0, -1)))
    result = assert_pairs_same_as_gensim(kv, path)
    assert result.oov > 0


def test_bad_word_pair_files(tmp_path):
    kv = KeyedVectors(np.eye(3, dtype=np.float32), Vocabulary(["a", "b", "c"], [3, 2, 1]))
    cases = {
        "two_fields.tsv": ("a\tb\t1\na\tc\n", "line 2: expected 3 fields"),
        "bad_score.tsv": ("a\tb\t1\nb\tc\thigh\n", "line 2: score 'high' is not a number"),
        "all_oov.tsv": ("x\ty\t1\n", "no pair with both words"),
    }
    for name, (text, message) in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(DatasetFormatError, match=message) as info:
            evaluate_word_pairs(kv, tmp_path / name)
        assert name in str(info.value)

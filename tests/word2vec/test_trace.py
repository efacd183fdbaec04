"""The trace is the real algorithm: its vectors are the compiled kernels' for the same steps and seed,
and every number it shows is the one the update used."""

import numpy as np
import pytest

from negsample import Word2Vec
from negsample._kernels.logistic import MAX_EXP, sigmoid_tables
from negsample._kernels.rng import job_seed
from negsample._kernels.word2vec_batched import CBOW_DRAWS_PER_NEGATIVE
from negsample.noise import Unigram
from negsample.word2vec import CorpusError
from negsample.word2vec.corpus import Corpus
from negsample.word2vec.model import initial_vectors
from negsample.word2vec.objectives import ContextWindow, build_objectives
from negsample.word2vec.subsampling import keep_probabilities
from negsample.word2vec.trace import (
    TRACE_SETTINGS,
    alias_probabilities,
    trace,
    unit_segment_cells,
)
from negsample.word2vec.training import job_kernel, learning_rate

# Every kernel the trainer picks: SG/CBOW x NS/HS (classic), both objectives, CBOW's sum, and the
# window-batched skip-gram and CBOW.
KERNELS = {
    "sg-ns": dict(sg=1, batch_negatives=False),
    "cbow-ns": dict(sg=0, batch_negatives=False),
    "sg-hs": dict(sg=1, hs=1, negative=0),
    "cbow-hs": dict(sg=0, hs=1, negative=0),
    "sg-ns+hs": dict(sg=1, hs=1, negative=3),
    "cbow-sum-ns": dict(sg=0, cbow_mean=False, batch_negatives=False),
    "sg-batched": dict(sg=1, batch_negatives=True),
    "cbow-batched": dict(sg=0, batch_negatives=True),
    "sg-ns-no-shrink": dict(sg=1, batch_negatives=False, shrink_windows=False),
    "cbow-batched-no-shrink": dict(sg=0, batch_negatives=True, shrink_windows=False),
}


@pytest.fixture(scope="module")
def sentences():
    rng = np.random.default_rng(0)
    return [[f"w{w}" for w in rng.zipf(1.5, size=rng.integers(2, 12)) % 25] for _ in range(30)]


def _settings(**kw):
    # sample=0.02 drops some tokens of this corpus now and then, so the subsampling coins matter.
    return dict(TRACE_SETTINGS, epochs=2, sample=0.02, window=3, **kw)


@pytest.mark.parametrize("name", KERNELS)
def test_a_whole_trace_ends_where_the_trainer_does(name, sentences):
    """Word2Vec.fit (one worker) runs the compiled kernel over every step of the run; the trace
    replays the same steps in the NumPy twin and must end with the same vectors."""
    settings = _settings(**KERNELS[name])
    traced = trace(sentences, steps=None, **settings)
    model = Word2Vec(workers=1, **settings).fit(sentences)
    assert traced.complete and len(traced.steps) > 50
    assert traced.kernel.startswith("skip-gram" if settings["sg"] else "CBOW")
    np.testing.assert_allclose(traced.inputs_after, model.wv.vectors, rtol=1e-4, atol=1e-6)
    for after, trained in ((traced.outputs_after, model.context_vectors), (traced.nodes_after, model.node_vectors)):
        assert (after is None) == (trained is None)
        if after is not None:
            np.testing.assert_allclose(after, trained, rtol=1e-4, atol=1e-6)
    # Training moved the vectors, so the comparison is not vacuous.
    assert np.abs(traced.inputs_after - traced.inputs_before).max() > 1e-3


def _kernel_on_first_sentences(settings, sentences, n_sentences):
    """The compiled job kernel run on the first ``n_sentences`` of epoch 1, as the trainer starts it."""
    from negsample.word2vec import Word2VecConfig

    cfg = Word2VecConfig(**settings)
    vocab, encoded = Corpus(sentences).count_and_encode(min_count=cfg.min_count)
    (ids, lengths), = encoded.chunks
    inputs = initial_vectors(cfg, len(vocab))
    negative, tree = build_objectives(vocab.counts, dim=cfg.vector_size, negative=cfg.negative, hs=cfg.hs,
                                      ns_exponent=cfg.ns_exponent)
    n, prefix = encoded.n_words, int(lengths[:n_sentences].sum())
    start, end = learning_rate(cfg, 0, 0, n), learning_rate(cfg, 0, n, n)
    # Each sentence's rate is start + (end - start) * offset / job tokens: the same on the prefix.
    job_kernel(cfg)(ids[:prefix], lengths[:n_sentences], inputs, keep_probabilities(vocab.counts, cfg.sample),
                    ContextWindow(cfg.window, bool(cfg.cbow_mean), bool(cfg.shrink_windows)), negative, tree, start,
                    start + (end - start) * prefix / n, job_seed(cfg.seed, 0, 0), sigmoid_tables())
    return inputs, negative, tree


@pytest.mark.parametrize("name", KERNELS)
def test_a_trace_stopped_after_n_steps_holds_the_kernels_vectors(name, sentences):
    settings = _settings(**KERNELS[name])
    whole = trace(sentences, steps=None, **settings)
    n_sentences = 4
    n_steps = sum(1 for s in whole.steps if s.epoch == 1 and s.sentence <= n_sentences)
    traced = trace(sentences, steps=n_steps, **settings)
    assert not traced.complete and len(traced.steps) == n_steps
    inputs, negative, tree = _kernel_on_first_sentences(settings, sentences, n_sentences)
    np.testing.assert_allclose(traced.inputs_after, inputs, rtol=1e-4, atol=1e-6)
    if negative is not None:
        np.testing.assert_allclose(traced.outputs_after, negative.out, rtol=1e-4, atol=1e-6)
    if tree is not None:
        np.testing.assert_allclose(traced.nodes_after, tree.out, rtol=1e-4, atol=1e-6)
    # Every row a step changes is recorded, so each step starts where the steps before it left off.
    latest = {}
    for step in traced.steps:
        for u in step.updates:
            if (u.matrix, u.id) in latest:
                np.testing.assert_array_equal(u.before, latest[(u.matrix, u.id)])
            latest[(u.matrix, u.id)] = u.after


@pytest.mark.parametrize("name", KERNELS)
def test_every_update_lowers_its_own_loss(name):
    traced = trace(steps=None, **KERNELS[name])
    assert len(traced.steps) >= 5
    for step in traced.steps:
        assert step.loss_after < step.loss, f"step {step.number}"
        assert step.loss == pytest.approx(sum(t.loss for t in step.terms))


@pytest.mark.parametrize("name", KERNELS)
def test_the_numbers_shown_are_the_ones_the_update_used(name):
    cfg = KERNELS[name]
    traced = trace(steps=12, alpha=0.3, **cfg)  # a large rate, so that terms saturate now and then
    sigmoid, _ = sigmoid_tables()
    seen_any = False
    for step in traced.steps:
        before = {(u.matrix, u.id): u.before.astype(np.float64) for u in step.updates}
        # Hidden vectors: a context row in skip-gram, the mean (or sum) of the context rows in CBOW.
        for row, (_, context) in enumerate(step.rows):
            rows = np.array([before[("input", c)] for c in context])
            expected = rows.mean(axis=0) if cfg.get("cbow_mean", True) else rows.sum(axis=0)
            np.testing.assert_allclose(step.hidden[row], expected, rtol=1e-5, atol=1e-7)
        first = set()
        for t in step.terms:
            inside = -MAX_EXP < t.f < MAX_EXP
            assert t.sigmoid == (float(sigmoid[int((t.f + MAX_EXP) * 500 / MAX_EXP)]) if inside else float(t.f > 0))
            # Batched CBOW's shared negatives carry weight 1 / CBOW_DRAWS_PER_NEGATIVE; every other term 1.
            shared = name.startswith("cbow-batched") and t.objective == "ns" and t.label == 0
            assert t.weight == (1.0 / CBOW_DRAWS_PER_NEGATIVE if shared else 1.0)
            assert t.loss == pytest.approx(t.weight * np.logaddexp(0.0, -t.f if t.label == 1 else t.f), rel=1e-12)
            if t.gain is None:
                assert t.objective == "hs" and not inside
            else:
                assert t.gain == pytest.approx(t.weight * step.alpha * (t.label - t.sigmoid), rel=1e-12)
            matrix = "output" if t.objective == "ns" else "node"
            if (t.row, matrix, t.target) not in first:  # later terms of a repeated draw see its updated row
                first.add((t.row, matrix, t.target))
                assert t.f == pytest.approx(float(step.hidden[t.row].astype(np.float64) @ before[(matrix, t.target)]),
                                            rel=1e-5, abs=1e-7)
                seen_any = True
        # A negative equal to the word a row predicts is drawn but gets no term in that row.
        if "ns" in {t.objective for t in step.terms}:
            for row, (center, _) in enumerate(step.rows):
                negatives = [t.target for t in step.terms if t.row == row and t.objective == "ns"][1:]
                assert center not in negatives
                assert all(word in step.drawn for word in negatives)
    assert seen_any


def test_windows_and_subsampling_follow_their_rules():
    traced = trace(steps=None, sg=1, window=3, sample=0.05, epochs=20)
    dropped = 0
    for draw in traced.sentences:
        for word, coin, kept in zip(draw.tokens, draw.coins, draw.kept):
            p = traced.keep_prob[word]
            assert (coin is None) == (p >= 1.0)
            assert kept == (coin is None or coin < p)
            dropped += not kept
        kept_tokens = draw.kept_tokens
        for window in draw.windows:
            assert 1 <= window.reach <= 3
            assert window.center == kept_tokens[window.position]
            assert window.context_positions == [j for j in range(window.position - window.reach,
                                                                 window.position + window.reach + 1)
                                                if 0 <= j < len(kept_tokens) and j != window.position]
    assert dropped > 0  # the rule was exercised both ways


def _c_tool_cells(probs, n_cells):
    """A brute-force unit segment: cell a belongs to the first word whose cumulative q exceeds a / M."""
    bounds = np.cumsum(probs)
    owner = [min(int(np.searchsorted(bounds, a / n_cells, side="right")), len(probs) - 1) for a in range(n_cells)]
    return np.bincount(owner, minlength=len(probs))


@pytest.mark.parametrize("n_cells", [7, 100, 1000])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_unit_segment_and_the_alias_table_give_the_same_probabilities(n_cells, seed):
    rank = np.arange(1, 41)
    counts = (5000 / rank ** 1.1 * np.random.default_rng(seed).uniform(0.5, 1.5, 40)).astype(np.int64) + 1
    noise = Unigram(counts, power=0.75)
    cells = unit_segment_cells(noise.probs, n_cells)
    assert cells.sum() == n_cells
    np.testing.assert_array_equal(cells, _c_tool_cells(noise.probs, n_cells))
    from_alias = alias_probabilities(noise.threshold, noise.alias)
    np.testing.assert_allclose(from_alias, noise.probs, rtol=0, atol=1e-12)
    assert np.abs(cells / n_cells - from_alias).max() <= 1.0 / n_cells
    # And the check can fail: the raw frequencies are far from the noise.
    assert np.abs(cells / n_cells - counts / counts.sum()).max() > 1.0 / n_cells or n_cells == 7


def test_the_trace_tables_describe_the_kernels_noise():
    traced = trace(negative=3)
    noise = traced.noise
    np.testing.assert_allclose(noise.weights, traced.counts ** 0.75)
    np.testing.assert_allclose(noise.probs, noise.weights / noise.weights.sum())
    np.testing.assert_allclose(noise.log_probs, np.log(noise.probs))
    ns, _ = build_objectives(traced.counts, dim=4, negative=3, hs=False)
    np.testing.assert_array_equal(noise.threshold, ns.threshold)
    np.testing.assert_array_equal(noise.alias, ns.alias)
    assert traced.words == ["the", "mat", "on", "sat", "cat"]


@pytest.mark.parametrize("kwargs, message", [
    (dict(steps=0), "steps must be"),
    (dict(corpus=[["lonely"]]), "nothing to trace"),
    (dict(corpus=[["a", "b"]], min_count=2), "lower min_count"),
    (dict(window=0), "window must be"),
    (dict(segment_cells=0), "segment_cells"),
])
def test_bad_input_is_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        trace(**kwargs)


def test_hierarchical_softmax_needs_two_words():
    with pytest.raises(CorpusError, match="at least 2 words"):
        trace([["a", "a", "a"]], hs=1, negative=0)

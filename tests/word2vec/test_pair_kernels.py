"""Each compiled pair kernel against its slow NumPy twin (negsample.word2vec.reference), on the same draws."""

import numpy as np
import pytest
from numba import njit
from scipy.stats import chisquare

from negsample._kernels.alias import draw_alias
from negsample._kernels.hot_rows import sync_hot_rows
from negsample._kernels.logistic import MAX_EXP, SIGMOID_SCALE, sigmoid_tables
from negsample._kernels.rng import next_below
from negsample._kernels.word2vec_pairs import hierarchical_softmax_step, train_cbow_job, train_skipgram_job
from negsample.noise import Unigram
from negsample.word2vec.huffman import build_huffman
from negsample.word2vec.objectives import ContextWindow, HierarchicalSoftmax, NegativeSampling
from negsample.word2vec.reference import reference_cbow_job, reference_skipgram_job
from negsample.word2vec.subsampling import keep_probabilities

DIM = 8
VOCAB = 12
EMPTY = np.zeros((0, DIM), np.float32)


def _setup(use_ns, use_hs, seed=0):
    rng = np.random.default_rng(seed)
    counts = np.sort(rng.integers(1, 200, VOCAB))[::-1].astype(np.int64)
    lengths = np.array([9, 14, 6, 11], np.int32)
    ids = rng.choice(VOCAB, size=int(lengths.sum()), p=counts / counts.sum()).astype(np.int32)
    inputs = (rng.standard_normal((VOCAB, DIM)) * 0.4).astype(np.float32)
    negative = tree = None
    if use_ns:
        noise = Unigram(counts)
        negative = NegativeSampling((rng.standard_normal((VOCAB, DIM)) * 0.4).astype(np.float32), EMPTY,
                                    noise.threshold, noise.alias, 3)
    if use_hs:
        codes = build_huffman(counts)
        tree = HierarchicalSoftmax((rng.standard_normal((VOCAB - 1, DIM)) * 0.4).astype(np.float32), EMPTY,
                                   codes.offsets, codes.codes, codes.points)
    keep = keep_probabilities(counts, 0.02)  # some words are dropped now and then
    assert (keep < 1).any()
    return ids, lengths, inputs, keep, negative, tree


def _copy(args):
    ids, lengths, inputs, keep, negative, tree = args
    return (ids, lengths, inputs.copy(), keep, None if negative is None else negative._replace(out=negative.out.copy()),
            None if tree is None else tree._replace(out=tree.out.copy()))


def _rows(objective):
    return EMPTY if objective is None else objective.out


def _private_rows(shared):
    """What the trainer gives a thread: a private copy of some rows, and that copy as it started."""
    return shared.copy(), shared.copy()


# hot_rows: 0 trains every output and node row in place; 4 trains the output rows of words 0..3 and
# the last 4 node rows (the top of the tree) in a private copy synced after the job: the same result.
# shrink=False: every window reaches its full size, with no draw (gensim's shrink_windows=False).
@pytest.mark.parametrize("shrink", [True, False], ids=["shrink", "full-window"])
@pytest.mark.parametrize("hot_rows", [0, 4])
@pytest.mark.parametrize("sg,cbow_mean", [(1, True), (0, True), (0, False)],
                         ids=["skipgram", "cbow-mean", "cbow-sum"])
@pytest.mark.parametrize("use_ns,use_hs", [(True, False), (False, True), (True, True)],
                         ids=["ns", "hs", "ns+hs"])
def test_kernel_matches_numpy_reference(sg, cbow_mean, use_ns, use_hs, hot_rows, shrink):
    args = _setup(use_ns, use_hs)
    tables = sigmoid_tables()
    fast, slow = _copy(args), _copy(args)
    rng_fast = np.array([12345], np.uint64)
    rng_slow = rng_fast.copy()
    ids, lengths, inputs, keep, negative, tree = fast
    out, nodes = _rows(negative)[:hot_rows], _rows(tree)[_rows(tree).shape[0] - hot_rows:]
    (hot_out, out_base), (hot_nodes, nodes_base) = _private_rows(out), _private_rows(nodes)
    if negative is not None:
        negative = negative._replace(hot=hot_out)
    if tree is not None:
        tree = tree._replace(hot=hot_nodes)
    window = ContextWindow(3, cbow_mean, shrink)
    kernel, reference = (train_skipgram_job, reference_skipgram_job) if sg else (train_cbow_job, reference_cbow_job)
    loss, examples = kernel(ids, lengths, inputs, keep, window, negative, tree, 0.05, 0.01, rng_fast, tables)
    if hot_rows:
        assert not np.array_equal(hot_out, out_base) or not np.array_equal(hot_nodes, nodes_base)
    sync_hot_rows(out, hot_out, out_base)
    sync_hot_rows(nodes, hot_nodes, nodes_base)
    ref_loss, ref_examples = reference(*slow[:4], window, *slow[4:], 0.05, 0.01, rng_slow, tables)

    assert examples == ref_examples > 0
    assert rng_fast[0] == rng_slow[0], "the kernel consumed a different number of random draws"
    np.testing.assert_allclose(fast[2], slow[2], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(_rows(fast[4]), _rows(slow[4]), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(_rows(fast[5]), _rows(slow[5]), rtol=1e-4, atol=1e-5)
    # The kernel's loss comes from a 1000-entry table; the reference's is exact.
    assert loss == pytest.approx(ref_loss, rel=1e-2)
    # Training moved the weights: the comparison above is not vacuous.
    assert not np.allclose(fast[2], args[2])


def test_kernel_learning_rate_zero_leaves_weights_untouched():
    ids, lengths, inputs, keep, negative, tree = _copy(_setup(True, True))
    before = inputs.copy()
    train_skipgram_job(ids, lengths, inputs, keep, ContextWindow(3, True), negative, tree, 0.0, 0.0,
                       np.ones(1, np.uint64), sigmoid_tables())
    np.testing.assert_array_equal(inputs, before)


@njit(cache=True)
def _draw_many(threshold, alias, n, seed):
    state = np.array([seed], np.uint64)
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i] = draw_alias(threshold, alias, state)
    return out


@njit(cache=True)
def _below_many(bound, n, seed):
    state = np.array([seed], np.uint64)
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i] = next_below(state, bound)
    return out


def test_kernel_alias_draws_follow_the_exact_distribution():
    counts = np.array([500, 120, 60, 33, 10, 4, 2, 1, 1, 0], np.float64)
    noise = Unigram(counts, power=0.75)
    draws = _draw_many(noise.threshold, noise.alias, 400_000, 7)
    observed = np.bincount(draws, minlength=len(counts))
    assert observed[-1] == 0  # zero count, zero probability
    support = noise.probs > 0
    assert chisquare(observed[support], noise.probs[support] * draws.size).pvalue > 1e-3
    # The same draws are clearly not from the raw (power 1) frequencies: the test has power.
    raw = counts[support] / counts.sum()
    assert chisquare(observed[support], raw * draws.size).pvalue < 1e-6


def test_window_draws_are_uniform():
    draws = _below_many(5, 200_000, 3)
    observed = np.bincount(draws, minlength=5)
    assert observed.shape == (5,)
    assert chisquare(observed).pvalue > 1e-3


@pytest.mark.parametrize("sg", [1, 0], ids=["skipgram", "cbow"])
def test_private_rows_synced_during_the_job_give_the_twins_result(sg):
    """With sync_every > 0 the kernel adds its private rows back every few tokens, mid-job: the shared
    rows then hold the change before the job ends, and the final result is still the twin's."""
    args = _setup(True, True, seed=3)
    tables = sigmoid_tables()
    fast, slow = _copy(args), _copy(args)
    ids, lengths, inputs, keep, negative, tree = fast
    hot_out, out_base = _private_rows(negative.out[:4])
    n_nodes = tree.out.shape[0]
    hot_nodes, nodes_base = _private_rows(tree.out[n_nodes - 4:])
    before = negative.out[:4].copy(), tree.out[n_nodes - 4:].copy()
    negative = negative._replace(hot=hot_out, hot_base=out_base, sync_every=7)
    tree = tree._replace(hot=hot_nodes, hot_base=nodes_base, sync_every=5)
    window = ContextWindow(3, True)
    kernel, reference = (train_skipgram_job, reference_skipgram_job) if sg else (train_cbow_job, reference_cbow_job)
    rng_fast, rng_slow = np.array([99], np.uint64), np.array([99], np.uint64)
    kernel(ids, lengths, inputs, keep, window, negative, tree, 0.05, 0.01, rng_fast, tables)
    # Synced mid-job: the shared rows moved although nobody synced after the job.
    assert not np.array_equal(fast[4].out[:4], before[0]) and not np.array_equal(fast[5].out[n_nodes - 4:], before[1])
    sync_hot_rows(fast[4].out[:4], hot_out, out_base)
    sync_hot_rows(fast[5].out[n_nodes - 4:], hot_nodes, nodes_base)
    reference(*slow[:4], window, *slow[4:], 0.05, 0.01, rng_slow, tables)
    np.testing.assert_allclose(fast[2], slow[2], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(fast[4].out, slow[4].out, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(fast[5].out, slow[5].out, rtol=1e-4, atol=1e-5)


def test_windows_reach_their_full_size_without_shrink():
    from negsample.word2vec.reference import TwinObserver

    class Reaches(TwinObserver):
        def __init__(self):
            self.reaches = []

        def window(self, position, reach, context_positions):
            self.reaches.append(reach)

    ids, lengths, inputs, keep, negative, _ = _copy(_setup(True, False))
    keep = np.ones_like(keep)  # no subsampling draws either: what is left is the window and negative draws
    draws = {}
    for shrink in (True, False):
        observer = Reaches()
        rng = np.array([7], np.uint64)
        reference_skipgram_job(ids, lengths, inputs.copy(), keep, ContextWindow(3, True, shrink),
                               negative._replace(out=negative.out.copy()), None, 0.05, 0.01, rng, sigmoid_tables(),
                               observer=observer)
        draws[shrink] = observer.reaches
    assert set(draws[False]) == {3} and len(draws[False]) == int(lengths.sum())
    assert set(draws[True]) == {1, 2, 3}


@njit
def _one_hs_example(hidden, grad, target, tree, scores, alpha, tables):
    return hierarchical_softmax_step(hidden, grad, target, tree, scores, alpha, tables[0], tables[1], hidden.shape[0])


@pytest.mark.parametrize("room", [1, 3, 4, 7, 64])
def test_hierarchical_softmax_step_is_the_node_by_node_update_for_any_scratch(room):
    """Scores first, then updates, for paths longer and shorter than the scratch: the C tool's
    node-by-node step (score a node, update it, go on), recomputed in NumPy."""
    counts = np.array([2 ** (20 - i) for i in range(20)] + [1], np.int64)  # a path of 20 nodes
    codes = build_huffman(counts)
    assert np.diff(codes.offsets).max() == 20
    rng = np.random.default_rng(3)
    tables = sigmoid_tables()
    sigmoid = tables[0]
    nodes = (rng.standard_normal((counts.shape[0] - 1, DIM)) * 1.5).astype(np.float32)
    start = nodes.copy()
    for target in (0, 5, counts.shape[0] - 1):
        hidden = (rng.standard_normal(DIM) * 1.5).astype(np.float32)
        tree = HierarchicalSoftmax(nodes.copy(), EMPTY, codes.offsets, codes.codes, codes.points)
        grad = np.zeros(DIM, np.float32)
        loss = _one_hs_example(hidden, grad, target, tree, np.empty(room, np.float32), np.float32(0.1), tables)

        want_nodes, want_grad = nodes.copy(), np.zeros(DIM, np.float32)
        for i in range(codes.offsets[target], codes.offsets[target + 1]):
            row = want_nodes[codes.points[i]]
            f = float(hidden @ row)
            if abs(f) >= MAX_EXP:
                continue
            g = np.float32((1.0 - codes.codes[i] - sigmoid[int((f + MAX_EXP) * SIGMOID_SCALE)]) * 0.1)
            want_grad += g * row
            row += g * hidden
        np.testing.assert_allclose(grad, want_grad, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(tree.out, want_nodes, rtol=1e-5, atol=1e-6)
        assert loss > 0
        nodes = want_nodes
    assert not np.allclose(nodes, start)

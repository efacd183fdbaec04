"""The window-batched kernels against their slow NumPy twins, and end to end."""

import numpy as np
import pytest
from test_pair_kernels import _copy, _setup
from test_word2vec import assert_planted_clusters_recovered, planted_corpus

from negsample import Word2Vec
from negsample._kernels.hot_rows import sync_hot_rows
from negsample._kernels.logistic import sigmoid_tables
from negsample._kernels.word2vec_batched import (
    CENTERS_PER_BATCH,
    batch_positions,
    cbow_batch_layout,
    n_batches,
    train_cbow_batched_job,
    train_skipgram_batched_job,
)
from negsample.word2vec import Word2VecConfig
from negsample.word2vec.objectives import ContextWindow, NegativeSampling
from negsample.word2vec.reference import reference_cbow_batched_job, reference_skipgram_batched_job


def _args(seed, k):
    ids, lengths, inputs, keep, negative, _ = _copy(_setup(True, False, seed=seed))
    return ids, lengths, inputs, keep, negative._replace(k=k)


def _fresh(negative):
    """The objective with output rows of its own (the twin and the kernel each train a copy)."""
    return negative._replace(out=negative.out.copy())


def _hot_copy(negative, hot_rows):
    """What the trainer gives a thread: a private copy of the first ``hot_rows`` output rows."""
    hot = negative.out[:hot_rows].copy()
    return negative._replace(hot=hot), hot.copy()


def _run_both(seed, k, window, alpha_start=0.05, alpha_end=0.01, hot_rows=0, shrink=True):
    fast = _args(seed, k)
    slow = _args(seed, k)
    tables = sigmoid_tables()
    rng_fast = np.array([987 + seed], np.uint64)
    rng_slow = rng_fast.copy()
    negative, hot_base = _hot_copy(fast[4], hot_rows)
    result = train_skipgram_batched_job(*fast[:4], ContextWindow(window, True, shrink), negative, None,
                                        alpha_start, alpha_end, rng_fast, tables)
    sync_hot_rows(fast[4].out, negative.hot, hot_base)
    np.testing.assert_array_equal(negative.hot, fast[4].out[:hot_rows])  # refreshed from the shared rows
    ref = reference_skipgram_batched_job(*slow[:4], ContextWindow(window, True, shrink), slow[4], None,
                                         alpha_start, alpha_end, rng_slow, tables)
    return fast, slow, result, ref, rng_fast, rng_slow


# hot_rows: 0 trains every output row in place; 3 and 10_000 (all of the vocabulary) train the most
# frequent rows in a private copy synced after the job, which must give the same result.
@pytest.mark.parametrize("shrink", [True, False], ids=["shrink", "full-window"])
@pytest.mark.parametrize("hot_rows", [0, 3, 10_000])
@pytest.mark.parametrize("seed,k,window", [(0, 3, 3), (1, 5, 2), (2, 1, 4), (3, 8, 5)])
def test_batched_kernel_matches_numpy_reference(seed, k, window, hot_rows, shrink):
    fast, slow, (loss, examples), (ref_loss, ref_examples), rng_fast, rng_slow = _run_both(
        seed, k, window, hot_rows=hot_rows, shrink=shrink)
    assert examples == ref_examples > 0
    assert rng_fast[0] == rng_slow[0], "the kernel consumed a different number of random draws"
    np.testing.assert_allclose(fast[2], slow[2], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(fast[4].out, slow[4].out, rtol=1e-4, atol=1e-5)
    # The kernel's loss comes from a 1000-entry table; the reference's is exact.
    assert loss == pytest.approx(ref_loss, rel=1e-2)
    start = _args(seed, k)
    assert not np.allclose(fast[2], start[2]) and not np.allclose(fast[4].out, start[4].out)


def test_batched_kernel_accumulates_repeated_rows():
    """Three words, k=6: every window repeats context words and draws repeated negatives and the center."""
    from negsample.noise import Unigram

    rng = np.random.default_rng(4)
    lengths = np.array([10, 7], np.int32)
    ids = rng.integers(0, 3, int(lengths.sum())).astype(np.int32)
    noise = Unigram(np.array([5, 3, 2]))
    inputs = (rng.standard_normal((3, 8)) * 0.4).astype(np.float32)
    out = (rng.standard_normal((3, 8)) * 0.4).astype(np.float32)
    keep = np.ones(3, np.float32)
    tables = sigmoid_tables()
    empty = np.zeros((0, 8), np.float32)
    fast = (inputs.copy(), NegativeSampling(out.copy(), empty, noise.threshold, noise.alias, 6))
    slow = (inputs.copy(), NegativeSampling(out.copy(), empty, noise.threshold, noise.alias, 6))
    rng_fast, rng_slow = np.array([11], np.uint64), np.array([11], np.uint64)
    negative, hot_base = _hot_copy(fast[1], 2)
    window = ContextWindow(4, True)
    train_skipgram_batched_job(ids, lengths, fast[0], keep, window, negative, None, 0.1, 0.05, rng_fast, tables)
    sync_hot_rows(fast[1].out, negative.hot, hot_base)
    reference_skipgram_batched_job(ids, lengths, slow[0], keep, window, slow[1], None, 0.1, 0.05, rng_slow, tables)
    assert rng_fast[0] == rng_slow[0]
    np.testing.assert_allclose(fast[0], slow[0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(fast[1].out, slow[1].out, rtol=1e-4, atol=1e-5)


def test_batched_kernel_draws_k_per_window_not_per_pair():
    """Fewer random draws than the classic kernel: one set of k negatives per window."""
    from negsample._kernels.word2vec_pairs import train_skipgram_job

    args = _args(0, 5)
    rng_batched = np.array([5], np.uint64)
    rng_classic = rng_batched.copy()
    ids, lengths, inputs, keep, negative = args
    window = ContextWindow(3, True)
    _, ex_b = train_skipgram_batched_job(ids, lengths, inputs.copy(), keep, window, _fresh(negative), None,
                                         0.05, 0.01, rng_batched, sigmoid_tables())
    _, ex_c = train_skipgram_job(ids, lengths, inputs.copy(), keep, window, _fresh(negative), None,
                                 0.05, 0.01, rng_classic, sigmoid_tables())
    # splitmix64 adds a constant to the state per draw, so the state's advance counts the draws.
    inverse = pow(0x9E3779B97F4A7C15, -1, 2**64)
    draws_b = (int(rng_batched[0]) - 5) * inverse % 2**64
    draws_c = (int(rng_classic[0]) - 5) * inverse % 2**64
    assert ex_b > 0 and ex_c > 0
    assert draws_b < draws_c


def test_batched_learning_rate_zero_leaves_weights_untouched():
    ids, lengths, inputs, keep, negative = _args(0, 3)
    before, before_out = inputs.copy(), negative.out.copy()
    private, hot_base = _hot_copy(negative, 4)
    train_skipgram_batched_job(ids, lengths, inputs, keep, ContextWindow(3, True), private, None, 0.0, 0.0,
                               np.ones(1, np.uint64), sigmoid_tables())
    sync_hot_rows(negative.out, private.hot, hot_base)
    np.testing.assert_array_equal(inputs, before)
    np.testing.assert_array_equal(negative.out, before_out)


def _run_cbow(args, window, cbow_mean, seed, alpha=(0.05, 0.01), hot_rows=0, shrink=True):
    ids, lengths, inputs, keep, negative = args
    fast = (inputs.copy(), _fresh(negative))
    slow = (inputs.copy(), _fresh(negative))
    tables = sigmoid_tables()
    rng_fast = np.array([seed], np.uint64)
    rng_slow = rng_fast.copy()
    private, hot_base = _hot_copy(fast[1], hot_rows)
    context = ContextWindow(window, cbow_mean, shrink)
    result = train_cbow_batched_job(ids, lengths, fast[0], keep, context, private, None, *alpha, rng_fast, tables)
    sync_hot_rows(fast[1].out, private.hot, hot_base)
    ref = reference_cbow_batched_job(ids, lengths, slow[0], keep, context, slow[1], None, *alpha, rng_slow, tables,
                                     CENTERS_PER_BATCH)
    return fast, slow, result, ref, rng_fast, rng_slow


@pytest.mark.parametrize("shrink", [True, False], ids=["shrink", "full-window"])
@pytest.mark.parametrize("hot_rows", [0, 5])
@pytest.mark.parametrize("cbow_mean", [True, False], ids=["mean", "sum"])
@pytest.mark.parametrize("seed,k,window", [(0, 3, 3), (1, 5, 2), (2, 2, 4), (3, 8, 5)])
def test_batched_cbow_matches_numpy_reference(seed, k, window, cbow_mean, hot_rows, shrink):
    args = _args(seed, k)
    fast, slow, (loss, examples), (ref_loss, ref_examples), rng_fast, rng_slow = _run_cbow(
        args, window, cbow_mean, 77 + seed, hot_rows=hot_rows, shrink=shrink)
    assert examples == ref_examples > CENTERS_PER_BATCH  # more than one batch
    assert rng_fast[0] == rng_slow[0], "the kernel consumed a different number of random draws"
    np.testing.assert_allclose(fast[0], slow[0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(fast[1].out, slow[1].out, rtol=1e-4, atol=1e-5)
    assert loss == pytest.approx(ref_loss, rel=1e-2)
    assert not np.allclose(fast[0], args[2]) and not np.allclose(fast[1].out, args[4].out)


def test_batched_cbow_accumulates_repeated_rows():
    """Three words, k=6: batches repeat centers and context words, and negatives hit the centers."""
    from negsample.noise import Unigram

    rng = np.random.default_rng(5)
    lengths = np.array([19, 4, 1, 12], np.int32)  # a one-word sentence has no window at all
    ids = rng.integers(0, 3, int(lengths.sum())).astype(np.int32)
    noise = Unigram(np.array([5, 3, 2]))
    inputs = (rng.standard_normal((3, 8)) * 0.4).astype(np.float32)
    out = (rng.standard_normal((3, 8)) * 0.4).astype(np.float32)
    negative = NegativeSampling(out, np.zeros((0, 8), np.float32), noise.threshold, noise.alias, 6)
    args = (ids, lengths, inputs, np.ones(3, np.float32), negative)
    fast, slow, _, _, rng_fast, rng_slow = _run_cbow(args, 4, True, 13, alpha=(0.1, 0.05), hot_rows=2)
    assert rng_fast[0] == rng_slow[0]
    np.testing.assert_allclose(fast[0], slow[0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(fast[1].out, slow[1].out, rtol=1e-4, atol=1e-5)


# With two workers the most frequent output rows train in thread-private copies; quality must not suffer.
@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("sg", [1, 0], ids=["sg-ns-batched", "cbow-ns-batched"])
def test_planted_clusters_are_recovered_batched(sg, workers):
    model = Word2Vec(vector_size=24, window=4, min_count=1, sample=0, sg=sg, negative=5, epochs=8,
                     workers=workers, seed=3, batch_negatives=True).fit(planted_corpus())
    assert_planted_clusters_recovered(model)


def test_batched_one_worker_is_bit_reproducible():
    corpus = planted_corpus(sentences=200)
    a = Word2Vec(vector_size=16, min_count=1, sg=1, epochs=2, workers=1, seed=5, batch_negatives=True).fit(corpus)
    b = Word2Vec(vector_size=16, min_count=1, sg=1, epochs=2, workers=1, seed=5, batch_negatives=True).fit(corpus)
    c = Word2Vec(vector_size=16, min_count=1, sg=1, epochs=2, workers=1, seed=5, batch_negatives=False).fit(corpus)
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)
    assert not np.array_equal(a.wv.vectors, c.wv.vectors)  # the flag really selects another kernel


@pytest.mark.parametrize("kwargs,message", [
    ({"batch_negatives": True, "hs": 1}, "hierarchical softmax"),
    ({"batch_negatives": True, "hs": 1, "negative": 0}, "hierarchical softmax"),
    ({"batch_negatives": "yes"}, "batch_negatives must be True, False or None"),
])
def test_batched_config_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Word2VecConfig(sg=1, **kwargs)


def test_batched_config_default_is_batched_for_negative_sampling_without_hs():
    assert Word2VecConfig().batch_negatives is None
    assert Word2VecConfig(sg=1).batched is True
    assert Word2VecConfig(sg=0).batched is True  # CBOW: windows a window apart share a draw
    assert Word2VecConfig(sg=0, batch_negatives=True).batched is True
    assert Word2VecConfig(sg=1, hs=1).batched is False  # negative sampling plus hierarchical softmax
    assert Word2VecConfig(sg=0, hs=1, negative=0).batched is False
    assert Word2VecConfig(sg=1, batch_negatives=False).batched is False
    assert Word2VecConfig(sg=0, batch_negatives=False).batched is False


@pytest.mark.parametrize("window_size", [1, 2, 5])
@pytest.mark.parametrize("n", [0, 1, 7, 23, 24, 25, 200])
def test_cbow_batches_take_each_position_once_with_windows_apart(n, window_size):
    """Brute force over the batch layout: every position is a center exactly once, no batch holds more
    than CENTERS_PER_BATCH centers, and two centers of one batch are at least a whole window apart
    (2 * window + 1), so their windows share no position."""
    span, stride = cbow_batch_layout(window_size)
    assert stride == 2 * window_size + 1 and span == CENTERS_PER_BATCH * stride
    seen = []
    for batch_index in range(n_batches(n, span, stride)):
        first, stop = batch_positions(batch_index, n, span, stride)
        centers = list(range(first, stop, stride))
        assert len(centers) <= CENTERS_PER_BATCH
        for a, b in zip(centers, centers[1:]):
            assert b - a >= 2 * window_size + 1
        seen += centers
    assert sorted(seen) == list(range(n))


def test_hot_rows_sync_keeps_changes_made_by_other_threads_meanwhile():
    """A thread adds its own change to the hot rows; what another thread wrote in between is kept,
    and the thread's copy is refreshed with both."""
    rng = np.random.default_rng(0)
    base = rng.standard_normal((6, 4)).astype(np.float32)
    own, other = (rng.standard_normal((3, 4)).astype(np.float32) for _ in range(2))
    out = base.copy()
    out[:3] += other  # written by another thread while this one trained its private copy
    hot_base = base[:3].copy()
    hot = hot_base + own
    sync_hot_rows(out, hot, hot_base)
    np.testing.assert_allclose(out[:3], base[:3] + other + own, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(out[3:], base[3:])
    np.testing.assert_array_equal(hot, out[:3])
    np.testing.assert_array_equal(hot_base, out[:3])



@pytest.mark.parametrize("sg", [1, 0], ids=["skipgram", "cbow"])
def test_batched_private_rows_synced_during_the_job_give_the_twins_result(sg):
    args = _args(2, 4)
    ids, lengths, inputs, keep, negative = args
    fast, slow = (inputs.copy(), _fresh(negative)), (inputs.copy(), _fresh(negative))
    private, hot_base = _hot_copy(fast[1], 3)
    before = fast[1].out[:3].copy()
    private = private._replace(hot_base=hot_base, sync_every=6)
    window = ContextWindow(3, True)
    tables = sigmoid_tables()
    kernel, reference = ((train_skipgram_batched_job, reference_skipgram_batched_job) if sg
                         else (train_cbow_batched_job, reference_cbow_batched_job))
    rng_fast, rng_slow = np.array([21], np.uint64), np.array([21], np.uint64)
    kernel(ids, lengths, fast[0], keep, window, private, None, 0.05, 0.01, rng_fast, tables)
    assert not np.array_equal(fast[1].out[:3], before)  # synced mid-job
    sync_hot_rows(fast[1].out[:3], private.hot, hot_base)
    reference(ids, lengths, slow[0], keep, window, slow[1], None, 0.05, 0.01, rng_slow, tables)
    np.testing.assert_allclose(fast[0], slow[0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(fast[1].out, slow[1].out, rtol=1e-4, atol=1e-5)

"""The kernels compiled for one vector size (what the trainer runs) against the NumPy twins."""

import numpy as np
import pytest
from test_pair_kernels import DIM, _copy, _setup

from negsample._kernels.logistic import sigmoid_tables
from negsample._kernels.word2vec_batched import (
    cbow_batched_job_for_size,
    skipgram_batched_job_for_size,
    train_cbow_batched_job,
    train_skipgram_batched_job,
)
from negsample._kernels.word2vec_pairs import cbow_job_for_size, skipgram_job_for_size
from negsample.word2vec import Word2VecConfig
from negsample.word2vec.objectives import ContextWindow
from negsample.word2vec.reference import (
    reference_cbow_batched_job,
    reference_cbow_job,
    reference_skipgram_batched_job,
    reference_skipgram_job,
)
from negsample.word2vec.training import job_kernel

FAMILIES = {
    "skipgram": (skipgram_job_for_size, reference_skipgram_job),
    "cbow": (cbow_job_for_size, reference_cbow_job),
    "skipgram-batched": (skipgram_batched_job_for_size, reference_skipgram_batched_job),
    "cbow-batched": (cbow_batched_job_for_size, reference_cbow_batched_job),
}


# Hierarchical softmax has no window-batched kernel.
CASES = [(family, ns, hs) for family in FAMILIES for ns, hs in [(True, False), (False, True), (True, True)]
         if ns and not hs or not family.endswith("batched")]


@pytest.mark.parametrize("family,use_ns,use_hs", CASES)
def test_a_kernel_compiled_for_its_size_trains_as_the_twin(family, use_ns, use_hs):
    sized, reference = FAMILIES[family]
    args = _setup(use_ns, use_hs, seed=4)
    fast, slow = _copy(args), _copy(args)
    window = ContextWindow(3, True)
    tables = sigmoid_tables()
    rng_fast, rng_slow = np.array([77], np.uint64), np.array([77], np.uint64)
    loss, examples = sized(DIM)(*fast[:4], window, *fast[4:], 0.05, 0.01, rng_fast, tables)
    ref_loss, ref_examples = reference(*slow[:4], window, *slow[4:], 0.05, 0.01, rng_slow, tables)
    assert examples == ref_examples > 0
    assert rng_fast[0] == rng_slow[0]
    for trained, twin in zip([fast[2], *[o.out for o in fast[4:] if o is not None]],
                             [slow[2], *[o.out for o in slow[4:] if o is not None]]):
        np.testing.assert_allclose(trained, twin, rtol=1e-4, atol=1e-5)
    assert loss == pytest.approx(ref_loss, rel=1e-2)
    assert not np.allclose(fast[2], args[2])


def test_the_trainer_runs_the_kernel_compiled_for_its_vector_size():
    assert skipgram_batched_job_for_size(DIM) is skipgram_batched_job_for_size(DIM)
    assert skipgram_batched_job_for_size(DIM) is not skipgram_batched_job_for_size(DIM + 1)
    cfg = Word2VecConfig(vector_size=DIM, sg=1, negative=5, batch_negatives=True)
    assert job_kernel(cfg) is skipgram_batched_job_for_size(DIM)
    assert job_kernel(Word2VecConfig(vector_size=DIM, sg=0, hs=1, negative=0)) is cbow_job_for_size(DIM)


@pytest.mark.parametrize("sg", [1, 0], ids=["skipgram", "cbow"])
def test_the_batched_kernels_refuse_hierarchical_softmax(sg):
    args = _setup(True, True, seed=1)
    tables = sigmoid_tables()
    generic = train_skipgram_batched_job if sg else train_cbow_batched_job
    sized = (skipgram_batched_job_for_size if sg else cbow_batched_job_for_size)(DIM)
    for kernel in (generic, sized):
        with pytest.raises(ValueError, match="hierarchical softmax has no window-batched kernel"):
            kernel(*args[:4], ContextWindow(3, True), *args[4:], 0.05, 0.01, np.array([1], np.uint64), tables)

"""The recsys tests train small models: one torch thread each. On a loaded 2-core machine torch's
default of one thread per core spins against the other jobs and makes these tiny batches ~20x slower
(the model file took ~4 min instead of ~12 s); results are the same up to float summation order."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    try:
        import torch
    except ImportError:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

"""A planted toy graph every model can learn: relation k links each entity of group 2k to each of group 2k+1."""

import numpy as np
import pytest

from negsample.kg import Triples

GROUPS, GROUP_SIZE, RELATIONS = 8, 6, 4


def planted_triples(inverse: bool = False) -> Triples:
    """48 entities, 4 relations, 144 triples. Of each relation's 6 x 6 pairs, two "diagonals" are held
    out, (a_i, b_i) for test and (a_i, b_{i+1}) for valid, so every entity keeps 4 training triples."""
    train, valid, test = [], [], []
    for k in range(RELATIONS):
        for i in range(GROUP_SIZE):
            for j in range(GROUP_SIZE):
                triple = (2 * k * GROUP_SIZE + i, k, (2 * k + 1) * GROUP_SIZE + j)
                offset = (j - i) % GROUP_SIZE
                (test if offset == 0 else valid if offset == 1 else train).append(triple)
    return Triples.from_ids(np.array(train), np.array(valid), np.array(test), num_entities=GROUPS * GROUP_SIZE,
                            num_relations=RELATIONS, inverse=inverse)


@pytest.fixture
def one_torch_thread():
    """Tiny tensors run fastest on one thread, and far faster than on two busy cores; restored afterwards."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

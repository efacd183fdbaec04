"""The README's PyTorch examples run as written (they share one namespace, top to bottom)."""

import pytest
from readme_blocks import python_blocks, run_blocks


def test_readme_torch_examples_run():
    pytest.importorskip("torch")
    blocks = python_blocks("## Noise distributions, losses and class imbalance", "## Benchmarks")
    assert len(blocks) >= 6
    run_blocks(blocks, "python")

"""The README's knowledge-graph examples run as written (one namespace, top to bottom, in a scratch folder)."""

import pytest
from kg_planted import one_torch_thread  # noqa: F401 (a fixture)
from readme_blocks import python_blocks, run_blocks


@pytest.mark.usefixtures("one_torch_thread")
def test_readme_kg_examples_run(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)
    blocks = python_blocks("## Knowledge-graph embeddings")
    assert len(blocks) >= 2
    run_blocks(blocks, "knowledge-graph")

"""The README's knowledge-graph examples run as written (one namespace, top to bottom, in a scratch folder)."""

import re
from pathlib import Path

import pytest
from kg_planted import one_torch_thread  # noqa: F401 (a fixture)

README = Path(__file__).resolve().parents[2] / "README.md"


def _kg_blocks():
    text = README.read_text()
    start = text.index("## Knowledge-graph embeddings")
    end = text.index("\n## ", start + 1)
    return re.findall(r"```python\n(.*?)```", text[start:end], flags=re.S)


@pytest.mark.usefixtures("one_torch_thread")
def test_readme_kg_examples_run(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)
    blocks = _kg_blocks()
    assert len(blocks) >= 2
    namespace: dict = {}
    for i, block in enumerate(blocks):
        try:
            exec(compile(block, f"README.md knowledge-graph block {i}", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message is the point
            raise AssertionError(f"README knowledge-graph block {i} failed: {exc!r}\n{block}") from exc

"""The README's PyTorch examples run as written (they share one namespace, top to bottom)."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def _torch_section_blocks():
    text = README.read_text()
    start = text.index("## Noise distributions, losses and class imbalance")
    end = text.index("## Benchmarks")
    return re.findall(r"```python\n(.*?)```", text[start:end], flags=re.S)


def test_readme_torch_examples_run():
    pytest.importorskip("torch")
    blocks = _torch_section_blocks()
    assert len(blocks) >= 6
    namespace: dict = {}
    for i, block in enumerate(blocks):
        try:
            exec(compile(block, f"README.md python block {i}", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message is the point
            raise AssertionError(f"README python block {i} failed: {exc!r}\n{block}") from exc

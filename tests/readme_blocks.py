"""Running the README's ``python`` blocks as tests: the blocks of one section, executed as written in one
namespace, top to bottom; a failing block is reported with its text."""

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks(start: str, end: str = "\n## ") -> list[str]:
    """The ```python blocks between the heading ``start`` and the next ``end`` after it."""
    text = README.read_text()
    first = text.index(start)
    return re.findall(r"```python\n(.*?)```", text[first:text.index(end, first + 1)], flags=re.S)


def run_blocks(blocks: list[str], label: str) -> dict:
    """Execute ``blocks`` in one namespace (returned); AssertionError naming the block that failed."""
    namespace: dict = {}
    for i, block in enumerate(blocks):
        try:
            exec(compile(block, f"README.md {label} block {i}", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message is the point
            raise AssertionError(f"README {label} block {i} failed: {exc!r}\n{block}") from exc
    return namespace

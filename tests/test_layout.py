"""The floor plan's rules that import-linter does not check: module size and private names.

(The layering itself -- which package may import which -- is import-linter's contract in
pyproject.toml, run by .ci/run.)
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "negsample"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_LINES = 500


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_module(path: Path, node: ast.ImportFrom) -> str:
    """The absolute name of the module an ``ImportFrom`` reads from."""
    if not node.level:
        return node.module or ""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[:len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def test_the_package_has_modules():
    assert len(MODULES) > 40


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_longer_than_one_sitting(path):
    lines = path.read_text().count("\n")
    assert lines <= MAX_LINES, f"{path.relative_to(PACKAGE)} has {lines} lines (the limit is {MAX_LINES})"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_another_modules_private_names(path):
    tree = ast.parse(path.read_text())
    here = _module_name(path)
    private = [
        f"{_imported_module(path, node)}.{alias.name}"
        for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__") and _imported_module(path, node) != here
    ]
    assert not private, f"{here} imports private names: {private}"


def test_the_private_name_check_can_fail(tmp_path):
    """The check above sees relative imports of underscore names (so its passing means something)."""
    node = ast.parse("from ..corpus import _SPILL_TOKENS").body[0]
    assert _imported_module(PACKAGE / "word2vec" / "model.py", node) == "negsample.corpus"
    assert node.names[0].name.startswith("_")

"""Lazy package exports (PEP 562): a package names what it exports and from which submodule, and the
submodule is imported on first use, so importing the package stays cheap (no Numba, no torch).

Example
-------
>>> __getattr__, __dir__ = lazy_exports("negsample", {"Vocabulary": "vocab"}, ["Vocabulary"])
>>> __getattr__("Vocabulary").__name__
'Vocabulary'
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from importlib import import_module

__all__ = ["lazy_exports"]


def lazy_exports(package: str, table: dict[str, str], names: Iterable[str], *,
                 submodules: bool = False) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: ``name`` comes from ``package.<table[name]>`` on
    first use and is then kept in the package's namespace; with ``submodules``, any other name is
    tried as a submodule (``negsample.losses``)."""
    names = list(names)

    def __getattr__(name: str):
        namespace = vars(sys.modules[package])
        if name in table:
            value = getattr(import_module(f".{table[name]}", package), name)
        elif submodules and not name.startswith("__"):
            try:
                value = import_module(f".{name}", package)
            except ModuleNotFoundError as exc:
                if exc.name != f"{package}.{name}":
                    raise
                raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace[name] = value
        return value

    def __dir__():
        return sorted(set(names) | set(vars(sys.modules[package])))

    return __getattr__, __dir__

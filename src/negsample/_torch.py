"""One place that imports PyTorch, so a missing install fails with a message naming the extra."""

from __future__ import annotations

__all__ = ["require_torch"]

_HINT = (
    "this part of negsample needs PyTorch, which is an optional extra: "
    "pip install 'negsample[torch]' (or install a torch build for your platform first)"
)


def require_torch():
    """Return the ``torch`` module, or raise ImportError that says to install ``negsample[torch]``."""
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - exercised by monkeypatching sys.modules in tests
        raise ImportError(f"{_HINT} ({exc})") from exc
    return torch

"""Shared argument validators for NumPy arrays and torch tensors.

Every check raises :class:`ParameterError` (a ``ValueError``) whose message names the argument, what
was expected and what was given, so a wrong call is fixed from the message alone. Nothing here imports
torch: tensors are handled through the attributes they share with arrays (``shape``, ``dtype``,
``min``/``max``).

Example
-------
>>> import numpy as np
>>> from negsample._checks import check_shape
>>> check_shape("neg_scores", np.zeros((4, 5)), (4, None), "(batch_size, num_negatives)")
>>> check_shape("neg_scores", np.zeros((3, 5)), (4, None), "(batch_size, num_negatives)")
Traceback (most recent call last):
...
negsample.ParameterError: neg_scores: expected shape (batch_size, num_negatives) = (4, *), got (3, 5)
"""

from __future__ import annotations

import math
import sys

import numpy as np

__all__ = [
    "REDUCTIONS",
    "ParameterError",
    "check_floating",
    "check_ids_in_range",
    "check_integer",
    "check_ndim",
    "check_non_negative",
    "check_positive",
    "check_positive_int",
    "check_probabilities",
    "check_reduction",
    "check_same_dtype",
    "check_shape",
    "check_unit_interval",
    "is_tensor",
    "warn_outside",
]

REDUCTIONS = ("mean", "sum", "none")


class ParameterError(ValueError):
    """An argument or setting is out of range or of the wrong kind; the message names the parameter.

    The one error type of every parameter check in negsample (it is a ``ValueError``, as the corpus
    and vectors-file errors are), so ``except ValueError`` still catches it.
    """


ParameterError.__module__ = "negsample"  # its public home: tracebacks show negsample.ParameterError


def warn_outside(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn`` attributed to the first caller outside negsample, so that the warning shows
    the user's line rather than the library's (the command line prints it as one plain line)."""
    import os
    import warnings

    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    level, frame = 1, sys._getframe(0)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def is_tensor(x) -> bool:
    """True for a ``torch.Tensor``; never imports torch (if it is not imported, ``x`` cannot be one)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def _shape(x) -> tuple:
    return tuple(int(d) for d in x.shape)


def check_ndim(name: str, x, ndim: int | tuple[int, ...], description: str = "") -> None:
    """``x`` must have ``ndim`` dimensions (or one of several)."""
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if x.ndim not in allowed:
        wanted = " or ".join(f"{d}-d" for d in allowed)
        what = f" {description}" if description else ""
        raise ParameterError(f"{name}: expected a {wanted} input{what}, got shape {_shape(x)}")


def check_shape(name: str, x, expected: tuple, description: str = "") -> None:
    """``x.shape`` must equal ``expected``, where ``None`` entries match any size.

    ``description`` names the axes, e.g. ``"(batch_size, num_negatives)"``.
    """
    got = _shape(x)
    ok = len(got) == len(expected) and all(e is None or e == g for e, g in zip(expected, got, strict=False))
    if not ok:
        inner = ", ".join("*" if e is None else str(e) for e in expected)
        shown = f"({inner},)" if len(expected) == 1 else f"({inner})"
        label = f"{description} = {shown}" if description else shown
        raise ParameterError(f"{name}: expected shape {label}, got {got}")


def _is_floating_dtype(x) -> bool:
    if is_tensor(x):
        return x.is_floating_point()
    return np.issubdtype(np.asarray(x).dtype, np.floating)


def _is_integer_dtype(x) -> bool:
    if is_tensor(x):
        return not x.is_floating_point() and not x.is_complex() and x.dtype != sys.modules["torch"].bool
    return np.issubdtype(np.asarray(x).dtype, np.integer)


def check_floating(name: str, x) -> None:
    """``x`` must hold floating-point numbers (losses need gradients)."""
    if not _is_floating_dtype(x):
        raise ParameterError(f"{name}: expected a floating-point dtype, got {x.dtype}")


def check_integer(name: str, x) -> None:
    """``x`` must hold integers (ids, labels)."""
    if not _is_integer_dtype(x):
        raise ParameterError(f"{name}: expected an integer dtype, got {x.dtype}")


def check_same_dtype(name: str, x, reference_name: str, reference) -> None:
    """``x`` must have the same dtype as ``reference`` (mixing float32 and float64 is almost always a bug)."""
    if x.dtype != reference.dtype:
        raise ParameterError(f"{name}: expected dtype {reference.dtype} (the dtype of {reference_name}), got {x.dtype}")


def check_ids_in_range(name: str, ids, num_classes: int, *, allow: int | None = None) -> None:
    """Integer ``ids`` must lie in ``[0, num_classes)``; ``allow`` is one extra value (e.g. -1 padding)."""
    check_integer(name, ids)
    if math.prod(ids.shape) == 0:
        return
    values = ids
    if allow is not None:
        values = ids[ids != allow]
        if math.prod(values.shape) == 0:
            return
    low, high = int(values.min()), int(values.max())
    if low < 0 or high >= num_classes:
        extra = f" (or {allow} as padding)" if allow is not None else ""
        raise ParameterError(f"{name}: ids must lie in [0, {num_classes}){extra}, got values in [{low}, {high}]")


def check_positive(name: str, value) -> None:
    """A scalar that must be finite and > 0 (temperature, rate, counts of things)."""
    if not (isinstance(value, (int, float, np.integer, np.floating)) and math.isfinite(value) and value > 0):
        raise ParameterError(f"{name}: expected a finite number > 0, got {value!r}")


def check_positive_int(name: str, value) -> int:
    """``value`` must be an integer >= 1 (not a bool; NumPy integers count); returns it as an int."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ParameterError(f"{name}: expected a positive integer, got {value!r}")
    return int(value)


def check_non_negative(name: str, value) -> None:
    """A scalar that must be finite and >= 0 (margins, smoothing)."""
    if not (isinstance(value, (int, float, np.integer, np.floating)) and math.isfinite(value) and value >= 0):
        raise ParameterError(f"{name}: expected a finite number >= 0, got {value!r}")


def check_unit_interval(name: str, value) -> None:
    """A scalar in ``(0, 1]`` (a keep rate)."""
    if not (isinstance(value, (int, float, np.integer, np.floating)) and 0 < value <= 1):
        raise ParameterError(f"{name}: expected a number in (0, 1], got {value!r}")


def check_probabilities(name: str, probs, *, atol: float = 1e-6) -> np.ndarray:
    """A 1-d, finite, non-negative vector summing to 1 within ``atol``; returns it as float64.

    The message names the first offending entry or the actual sum.
    """
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 1 or probs.shape[0] == 0:
        raise ParameterError(f"{name}: expected a non-empty 1-d array of probabilities, got shape {probs.shape}")
    bad = np.flatnonzero(~np.isfinite(probs))
    if bad.size:
        raise ParameterError(f"{name}: probabilities must be finite, got {probs[bad[0]]} at index {bad[0]}")
    bad = np.flatnonzero(probs < 0)
    if bad.size:
        raise ParameterError(f"{name}: probabilities must be non-negative, got {probs[bad[0]]} at index {bad[0]}")
    total = float(probs.sum())
    if abs(total - 1.0) > atol:
        raise ParameterError(f"{name}: probabilities must sum to 1 (within {atol:g}), got sum {total!r}")
    return probs


def check_reduction(reduction: str) -> str:
    """One of ``'mean'``, ``'sum'``, ``'none'`` (as in ``torch.nn`` losses)."""
    if reduction not in REDUCTIONS:
        raise ParameterError(f"reduction: expected one of {REDUCTIONS}, got {reduction!r}")
    return reduction

"""The recommender wing's errors: each is a ``ValueError`` whose message names the file, line, column or id.

Example
-------
>>> from negsample.recsys.errors import UnknownIdError
>>> issubclass(UnknownIdError, ValueError)
True
"""

from __future__ import annotations

__all__ = ["EmptySplitError", "RecsysDataError", "UnknownIdError"]


class RecsysDataError(ValueError):
    """Bad interactions or feature data: a missing column, an unparsable row, an inconsistent table."""


class UnknownIdError(RecsysDataError):
    """An external user or item id the model has never seen (at serving time, or in a test file)."""


class EmptySplitError(RecsysDataError):
    """A split (train, validation or test) that came out empty."""

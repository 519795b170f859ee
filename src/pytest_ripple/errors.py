"""What can go wrong, for users and for callers: one base exception, one warning class."""

from __future__ import annotations

import pytest


class RippleError(Exception):
    """Base of pytest-ripple's own exceptions."""


class DataFileError(RippleError):
    """The data file cannot be used as it is (damaged, foreign): rebuild it."""


class DataFileUnavailable(RippleError):
    """The data file cannot be opened or created now (read-only, full disk, I/O error,
    locked): it may be fine, so it must not be rebuilt."""


class RippleWarning(pytest.PytestWarning):
    """Something the user should know: the data file could not be used or written.
    A pytest warning, so ``-W error`` and ``filterwarnings`` apply to it."""


__all__ = ["DataFileError", "DataFileUnavailable", "RippleError", "RippleWarning"]

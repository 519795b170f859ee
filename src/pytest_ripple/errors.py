"""What can go wrong, for users and for callers: one base exception, one warning class.

``RippleWarning`` is a pytest warning, made on first use: the command line
(``python -m pytest_ripple``) reads the data file without importing pytest, which
costs more than the whole of an ``affected`` answer."""

from __future__ import annotations

import functools

TYPE_CHECKING = False
if TYPE_CHECKING:
    import pytest


class RippleError(Exception):
    """Base of pytest-ripple's own exceptions."""


class DataFileError(RippleError):
    """The data file cannot be used as it is (damaged, foreign): rebuild it."""


class SchemaError(DataFileError):
    """The data file is ours, of another schema version (``found``)."""

    def __init__(self, message: str, found: int | None) -> None:
        super().__init__(message)
        self.found = found

    def explain(self, path: object, reads: int, *, newer: str, older: str) -> str:
        """A message for a command that reads schema ``reads``: which pytest-ripple
        wrote ``path``, and the advice for a newer or an older one."""
        who, advice = ("a newer", newer) if (self.found or 0) > reads else ("an older", older)
        return (
            f"{path} was written by {who} pytest-ripple (schema {self.found}; this one "
            f"reads {reads}): {advice}"
        )


class DataFileUnavailable(RippleError):
    """The data file cannot be opened or created now (read-only, full disk, I/O error,
    locked): it may be fine, so it must not be rebuilt."""


if TYPE_CHECKING:

    class RippleWarning(pytest.PytestWarning):
        """Something the user should know: the data file could not be used or written.
        A pytest warning, so ``-W error`` and ``filterwarnings`` apply to it."""

else:

    def __getattr__(name: str) -> object:
        if name == "RippleWarning":
            return _ripple_warning()
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def _ripple_warning() -> type:
    import pytest

    class RippleWarning(pytest.PytestWarning):
        """Something the user should know: the data file could not be used or written.
        A pytest warning, so ``-W error`` and ``filterwarnings`` apply to it."""

    RippleWarning.__module__ = __name__
    RippleWarning.__qualname__ = "RippleWarning"
    return RippleWarning


__all__ = [
    "DataFileError",
    "DataFileUnavailable",
    "RippleError",
    "RippleWarning",
    "SchemaError",
]

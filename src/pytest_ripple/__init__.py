"""pytest-ripple: run only the tests a change can affect.

A pytest plugin, enabled with ``pytest --testmon`` (pytest-testmon's command line).
"""

from __future__ import annotations

from pytest_ripple.errors import DataFileError, DataFileUnavailable, RippleError, RippleWarning
from pytest_ripple.fingerprint import Fingerprint, diff, fingerprint_python
from pytest_ripple.store import Store

__version__ = "0.1.0"

__all__ = [
    "DataFileError",
    "DataFileUnavailable",
    "Fingerprint",
    "RippleError",
    "RippleWarning",
    "Store",
    "__version__",
    "diff",
    "fingerprint_python",
]

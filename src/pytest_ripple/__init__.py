"""pytest-ripple: run only the tests a change can affect.

A pytest plugin, enabled with ``pytest --testmon`` (pytest-testmon's command line).
The public names load on first use: pytest imports this package at every start-up,
also when ``--testmon`` is not given.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_WHERE = {
    "DataFileError": "errors",
    "DataFileUnavailable": "errors",
    "RippleError": "errors",
    "RippleWarning": "errors",
    "Fingerprint": "fingerprint",
    "diff": "fingerprint",
    "fingerprint_python": "fingerprint",
    "Store": "store",
}

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


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_ripple' has no attribute {name!r}")
    return getattr(import_module(f"pytest_ripple.{module}"), name)

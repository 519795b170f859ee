"""pytest-ripple: run only the tests a change can affect.

A pytest plugin, enabled with ``pytest --testmon`` (pytest-testmon's command line),
and a command line that answers from the data file: ``python -m pytest_ripple``.
The public names load on first use: pytest imports this package at every start-up,
also when ``--testmon`` is not given, every Python child process of a tracked test
imports ``pytest_ripple.child``, and the command line must not pay for pytest.

PYTEST_DONT_REWRITE: a tracked child process imports this package at start-up
(``pytest-ripple.pth``); when that child runs pytest, pytest would otherwise warn that
the plugin's package was imported before it could rewrite its asserts.
"""

from __future__ import annotations

# typing costs ~10 ms to import: children import this package at start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from pytest_ripple.errors import (
        DataFileError,
        DataFileUnavailable,
        RippleError,
        RippleWarning,
    )
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

# Imported on first use: the command line must not pay for pytest (RippleWarning is a
# pytest warning) nor for modules it does not need.
_LAZY = {
    "DataFileError": "errors",
    "DataFileUnavailable": "errors",
    "RippleError": "errors",
    "RippleWarning": "errors",
    "Fingerprint": "fingerprint",
    "diff": "fingerprint",
    "fingerprint_python": "fingerprint",
    "Store": "store",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_ripple' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"pytest_ripple.{module}"), name)

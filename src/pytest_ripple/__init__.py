"""pytest-ripple: run only the tests a change can affect.

A pytest plugin, enabled with ``pytest --testmon`` (pytest-testmon's command line).
The public names load on first use: pytest imports this package at every start-up,
also when ``--testmon`` is not given, and every Python child process of a tracked test
imports ``pytest_ripple.child`` (fingerprint + store cost 85 ms to import, 3.11).

PYTEST_DONT_REWRITE: a tracked child process imports this package at start-up
(``pytest-ripple.pth``); when that child runs pytest, pytest would otherwise warn that
the plugin's package was imported before it could rewrite its asserts.
"""

from __future__ import annotations

# typing costs ~10 ms to import: children import this package at start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"

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
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_ripple' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"pytest_ripple.{module}"), name)

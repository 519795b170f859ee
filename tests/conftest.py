"""Fixtures for every test file: the scratch project, and a check that a test gives the
tracing hooks back. Helpers to import are in ``helpers.py``."""

from __future__ import annotations

import sys

import hypothesis  # noqa: F401  # loaded once here: its pytest plugin would re-import it per in-process run
import pytest

from helpers import Project


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Project:
    # An edit in the same second with the same size would reuse a stale .pyc.
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.delenv("TESTMON_DATAFILE", raising=False)
    pytester.syspathinsert()  # as `python -m pytest` does with the current directory
    return Project(pytester)


@pytest.fixture(autouse=True)
def _restore_tracing() -> object:
    """Tests that start trackers must give the interpreter's hooks back."""
    before = sys.gettrace()
    yield
    if sys.gettrace() is not before:
        sys.settrace(before)
        pytest.fail("a test left sys.settrace changed")

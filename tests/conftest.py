"""Shared fixtures: a scratch project driven through several pytest runs."""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import hypothesis  # noqa: F401  # loaded once here: its pytest plugin would re-import it per in-process run
import pytest


@dataclass
class Run:
    """What one pytest run did."""

    result: pytest.RunResult
    ran: list[str]  # short names (last part of the node id) of tests that executed, sorted
    nodeids: list[str]  # full node ids that executed, sorted
    outcomes: dict[str, str]  # nodeid -> passed / failed / skipped

    @property
    def ret(self) -> int:
        return int(self.result.ret)

    @property
    def out(self) -> str:
        return self.result.stdout.str() + self.result.stderr.str()


class Project:
    """A scratch project in pytester's directory. ``run`` runs pytest in-process and
    reports exactly which tests executed (from their setup reports)."""

    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester
        self.path: Path = pytester.path

    def write(self, files: dict[str, str]) -> None:
        for rel, text in files.items():
            p = self.path / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(textwrap.dedent(text).lstrip("\n"))

    def edit(self, rel: str, old: str, new: str) -> None:
        p = self.path / rel
        text = p.read_text()
        assert old in text, f"{old!r} not in {rel}"
        p.write_text(text.replace(old, new, 1))

    def remove(self, rel: str) -> None:
        (self.path / rel).unlink()

    def run(self, *args: str) -> Run:
        result = self.pytester.runpytest("-p", "no:randomly", *args)
        outcomes: dict[str, str] = {}
        for rep in result.reprec.getreports("pytest_runtest_logreport"):  # type: ignore[attr-defined]
            if rep.when == "setup" or rep.nodeid not in outcomes:
                outcomes.setdefault(rep.nodeid, rep.outcome)
            if rep.failed:
                outcomes[rep.nodeid] = "failed"
            elif rep.when == "call":
                outcomes[rep.nodeid] = rep.outcome
        nodeids = sorted(outcomes)
        ran = sorted(n.rsplit("::", 1)[-1] for n in nodeids)
        return Run(result, ran, nodeids, outcomes)


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

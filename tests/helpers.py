"""What the test files share: a scratch project driven through pytest runs, what one
run did, and the small "calc" project most end-to-end tests start from.

Fixtures live in ``conftest.py``; everything here is imported by name.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import pytest

if TYPE_CHECKING:
    from pytest_ripple.fingerprint import Fingerprint

DATAFILE = ".testmondata"


# -- runs -----------------------------------------------------------------------------


def short(nodeid: str) -> str:
    """The last part of a node id: a test's name (with its parameters)."""
    return nodeid.rsplit("::", 1)[-1]


def outcomes_of(reports: Iterable[tuple[str, str, str]]) -> dict[str, str]:
    """nodeid -> passed / failed / skipped, from (nodeid, when, outcome) in order: a
    test executed if it has a setup report; it failed if any phase failed."""
    outcomes: dict[str, str] = {}
    for nodeid, when, outcome in reports:
        if when == "setup" or nodeid not in outcomes:
            outcomes.setdefault(nodeid, outcome)
        if outcome == "failed":
            outcomes[nodeid] = "failed"
        elif when == "call":
            outcomes[nodeid] = outcome
    return outcomes


@dataclass
class Executed:
    """The tests a run executed, and how each ended."""

    outcomes: dict[str, str]  # nodeid -> passed / failed / skipped

    @property
    def nodeids(self) -> list[str]:
        return sorted(self.outcomes)

    @property
    def ran(self) -> list[str]:
        """Short names of the tests that executed, sorted."""
        return sorted(short(n) for n in self.outcomes)

    @property
    def failed(self) -> list[str]:
        """Short names of the tests that failed, sorted."""
        return sorted(short(n) for n, o in self.outcomes.items() if o == "failed")


@dataclass
class Run(Executed):
    """What one in-process pytest run did."""

    result: pytest.RunResult

    @property
    def ret(self) -> int:
        return int(self.result.ret)

    @property
    def out(self) -> str:
        return self.result.stdout.str() + self.result.stderr.str()


def collected(run: Run) -> list[str]:
    """Short names of the items a ``--collect-only`` run kept (what would run)."""
    calls = run.result.reprec.getcalls("pytest_collection_finish")  # type: ignore[attr-defined]
    return sorted(item.name for item in calls[-1].session.items)


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

    def run(self, *args: str, **kwargs: Any) -> Run:
        """``pytest ARGS`` in-process; ``kwargs`` go to pytester (``no_reraise_ctrlc``)."""
        result = self.pytester.runpytest("-p", "no:randomly", *args, **kwargs)
        reports = result.reprec.getreports("pytest_runtest_logreport")  # type: ignore[attr-defined]
        return Run(outcomes_of((r.nodeid, r.when, r.outcome) for r in reports), result)


def defined_tests(files: dict[str, str]) -> list[str]:
    """The names of the test functions defined at the top of the test files among
    ``files`` (as :meth:`Project.write` takes them)."""
    names = []
    for rel, text in files.items():
        if rel.endswith(".py") and Path(rel).name.startswith("test_"):
            names += re.findall(r"^def (test_\w+)", textwrap.dedent(text), re.M)
    return names


# -- fingerprints ---------------------------------------------------------------------


def digests(fp: Fingerprint) -> tuple[object, ...]:
    """Everything of a fingerprint that selection compares, besides the content digest."""
    assert fp.parsed
    return (
        {name: dg for name, (dg, _) in fp.blocks.items()},
        {key: (b.kind, b.digest, b.deps) for key, b in fp.bindings.items()},
        sorted(e.digest for e in fp.effects),
        fp.module,
    )


# -- the calc project -----------------------------------------------------------------

# Who uses what, in every project below: add -> test_add, mul -> test_mul, and in the
# larger projects of test_guide and test_integrations also sub -> test_sub, classify ->
# test_neg and test_pos, upper -> test_upper (and test_flow, test_report), greet ->
# test_greet.
CALC_PY = """
    def add(a, b):
        return a + b


    def mul(a, b):
        return a * b


    def sub(a, b):
        return a - b


    def classify(n):
        if n < 0:
            return "negative"
        return "non-negative"
"""
TEXT_PY = """
    def upper(s):
        return s.upper()


    def greet(name):
        return "hello " + name
"""


def calc_tests(module: str) -> str:
    """A test file with ``test_add`` and ``test_mul``, importing them from ``module``."""
    return f"""
        from {module} import add, mul


        def test_add():
            assert add(2, 3) == 5


        def test_mul():
            assert mul(2, 3) == 6
    """


# The smallest: one module and two tests in the rootdir.
CALC = {
    "pytest.ini": "[pytest]\n",
    "calc.py": CALC_PY,
    "test_calc.py": calc_tests("calc"),
}
# The same code as a package with a second module; each test file adds its own tests
# (and its own pytest.ini).
APP = {
    "app/__init__.py": "",
    "app/calc.py": CALC_PY,
    "app/text.py": TEXT_PY,
}
# Edits (old, new) that keep every test passing unless said otherwise.
ADD = ("return a + b", "return b + a")
MUL = ("return a * b", "return b * a")
UPPER = ("return s.upper()", "return str.upper(s)")
GREET = ('return "hello " + name', 'return f"hello {name}"')
CLASSIFY = ("if n < 0:", "if not n >= 0:")  # both branches still taken as before
BREAK_SUB = ("return a - b", "return a - b - b")  # test_sub fails
FIX_SUB = ("return a - b - b", "return a - b")

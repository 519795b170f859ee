"""Project modules pytest imports before any plugin: a warning filter's category.

pytest 9 applies ``filterwarnings`` (and ``-W``) before it loads plugins, and a dotted
category imports its module then, with its package and everything that imports. A
child process imports them again under tracking (``reimport.py``), so that they have
import records as if we had seen them. End to end: record, edit, re-run, assert
exactly which tests ran.
"""

from __future__ import annotations

import decimal
import os
import re
import sqlite3
from contextlib import closing

import pytest

from helpers import Project
from pytest_ripple.fingerprint import PLUGIN
from pytest_ripple.reimport import _Digester, _TooBig, warning_modules
from test_children import OFF, pytest_run, ran_in
from test_safety import check, record

# pytest 8 (Python 3.9) resolves the categories at collection, under tracking already
EARLY = hasattr(pytest.Config, "_capture_plugin_import_warnings")

PROJECT = {
    "pkg/__init__.py": "from pkg import core, warn\n",
    "pkg/warn.py": """
        class PkgWarning(UserWarning):
            pass
    """,
    "pkg/core.py": """
        def compute():
            return 1


        VAL = compute()


        def helper():
            return 1


        TABLE = {"h": helper}


        def used():
            return helper()
    """,
    "tests/test_core.py": """
        from pkg import core


        def test_used():
            assert core.used() == 1


        def test_val():
            assert core.VAL == 1


        def test_table():
            assert "h" in core.TABLE
    """,
}

THIRD = """
    from decimal import Decimal


    def third():
        return str(Decimal(1) / Decimal(3))
"""
THIRD_TESTS = """
    from calc import third


    def test_third():
        assert third() == "0.333333"


    def test_plain():
        assert True
"""


def category(project: Project) -> str:
    """A filter with the category: pytest caches what it parsed (``lru_cache``), so
    each project's own text, or an in-process run after the first imports nothing."""
    return f"ignore:{project.path.name}:pkg.warn.PkgWarning"


def ini(project: Project) -> dict[str, str]:
    return {"pytest.ini": f"[pytest]\nfilterwarnings =\n    {category(project)}\n"}


def in_process(project: Project, *args: str) -> tuple[list[str], list[str]]:
    """pytest in a new process, as a user runs it: the tests that ran, and those
    that failed (short names). In pytester's own process the early import happens
    once (pytest caches parsed filters), and what it set stays for the next run."""
    result = project.pytester.runpytest_subprocess("-v", *OFF, *args, timeout=300)
    out = result.stdout.str()
    assert result.ret in (0, 1, 5), out
    failed = sorted(set(re.findall(r"::(\w+) FAILED", out)))
    return ran_in(out), failed


def early_records(project: Project) -> tuple[set[str], set[str]]:
    """The modules of pkg with import records, and those taken for plugins."""
    with closing(sqlite3.connect(project.path / ".testmondata")) as db:
        recorded = {
            path
            for (path,) in db.execute(
                "SELECT path FROM module_import JOIN file ON file.id = file_id"
            )
        }
        plugins = {
            f for (f,) in db.execute("SELECT file FROM import_run WHERE block = ?", (PLUGIN,))
        }
    pkg = {p for p in recorded | plugins if p.startswith("pkg/")}
    return recorded & pkg, plugins & pkg


@pytest.mark.slow  # the child process
class TestWarningCategories:
    @pytest.mark.parametrize("cmdline", [False, True], ids=["ini", "-W"])
    def test_a_body_edit_runs_the_tests_that_ran_it(self, project: Project, cmdline: bool) -> None:
        """``TABLE`` holds ``helper``, which never ran at import: only ``test_used``
        runs it. Before the child, core.py had no import record, so ``TABLE`` counted
        as changed too."""
        files = PROJECT if cmdline else {**PROJECT, **ini(project)}
        args = ("--testmon", "-W", category(project)) if cmdline else ("--testmon",)
        project.write(files)
        assert project.run(*args).ran == ["test_table", "test_used", "test_val"]
        assert project.run(*args).ran == []
        modules = {"pkg/__init__.py", "pkg/core.py", "pkg/warn.py"}
        # pytest imported them for every test: plugins still, with records now
        assert early_records(project) == (modules, modules)
        project.edit("pkg/core.py", "def helper():\n    return 1", "def helper():\n    return 2")
        check(project.run(*args), must=["test_used"], failed=["test_used"])

    def test_xdist_workers_take_the_records_too(self, project: Project) -> None:
        """Each worker imports the category as pytest starts, and starts its child;
        the controller, which runs no test, keeps none. (In a subprocess: xdist gives
        its workers the ``sys.path`` it saw when it was imported.)"""
        project.write({**PROJECT, **ini(project)})
        assert pytest_run(project, "--testmon", "-n", "2") == [
            "test_table",
            "test_used",
            "test_val",
        ]
        modules = {"pkg/__init__.py", "pkg/core.py", "pkg/warn.py"}
        # pytest imported them for every test: plugins still, with records now
        assert early_records(project) == (modules, modules)
        assert pytest_run(project, "--testmon", "-n", "2") == []
        project.edit(
            "pkg/core.py", "def helper():\n    return 1", "def helper():\n    return 2 - 1"
        )
        assert pytest_run(project, "--testmon", "-n", "2") == ["test_used"]

    def test_a_function_that_ran_at_the_early_import(self, project: Project) -> None:
        """``VAL = compute()`` ran when pytest imported the category: a new body of
        ``compute`` reaches ``test_val``, which never calls it."""
        record(project, {**PROJECT, **ini(project)}, "test_table", "test_used", "test_val")
        project.edit("pkg/core.py", "def compute():\n    return 1", "def compute():\n    return 2")
        check(
            project.run("--testmon"),
            must=["test_val"],
            may=["test_used", "test_table"],  # every importer of core.py
            failed=["test_val"],
        )

    def test_a_child_that_imports_differently_is_not_trusted(self, project: Project) -> None:
        """The child imported a project module this process had not: its records may
        say what this import did not do, so every early module stays a plugin."""
        files = {
            **PROJECT,
            **ini(project),
            # pytester runs pytest in this process: another one is the child
            "pkg/__init__.py": f"""
                import os

                from pkg import core, warn

                if os.getpid() != {os.getpid()}:
                    from pkg import extra
            """,
            "pkg/extra.py": "X = 1\n",
        }
        record(project, files, "test_table", "test_used", "test_val")
        if EARLY:
            modules = {"pkg/__init__.py", "pkg/core.py", "pkg/warn.py"}
            assert early_records(project) == (set(), modules)
        project.edit("pkg/core.py", "def helper():\n    return 1", "def helper():\n    return 2")
        # without records, TABLE may hold what a changed helper returned
        if EARLY:
            check(project.run("--testmon"), must=["test_used", "test_table"], failed=["test_used"])
        else:  # no child: what the tracer saw decides, as for any module
            check(project.run("--testmon"), must=["test_used"], may=["test_table"])

    def test_what_the_early_import_did_reaches_every_test(self, project: Project) -> None:
        """Review 31: the early import set the decimal context for every test,
        also for a test whose imports never reach pkg."""
        project.write(
            {
                **ini(project),
                "pkg/__init__.py": """
                    import decimal

                    from pkg.warn import PkgWarning

                    decimal.getcontext().prec = 6
                """,
                "pkg/warn.py": PROJECT["pkg/warn.py"],
                "calc.py": THIRD,
                "tests/test_a.py": THIRD_TESTS,
            }
        )
        assert in_process(project, "--testmon") == (["test_plain", "test_third"], [])
        assert in_process(project, "--testmon") == ([], [])
        project.edit("pkg/__init__.py", "prec = 6", "prec = 7")
        assert in_process(project, "--testmon") == (["test_plain", "test_third"], ["test_third"])

    @pytest.mark.parametrize("effect", ["registry", "decimal"])
    def test_a_child_whose_import_was_guarded_is_not_trusted(
        self, project: Project, monkeypatch: pytest.MonkeyPatch, effect: str
    ) -> None:
        """Review 31: the first import sets a variable so that it configures once; the
        child inherits it and configures nothing, so its record says ``setup`` never
        ran. What the imports left (a registry, the decimal context) differs, and the
        records are not taken: a new default of ``setup`` reaches ``test_setup``."""
        flag = f"RIPPLE_{project.path.name.upper()}"
        monkeypatch.setenv(flag, "")  # so that the end of the test restores its absence
        body = (
            'REGISTRY["a"] = value' if effect == "registry" else "decimal.getcontext().prec = value"
        )
        files = {
            **ini(project),
            "pkg/__init__.py": f"""
                import os

                from pkg import core, warn

                if "{flag}" not in os.environ:
                    os.environ["{flag}"] = "1"
                    core.setup()
            """,
            "pkg/warn.py": PROJECT["pkg/warn.py"],
            "pkg/core.py": f"""
                import decimal

                REGISTRY = {{}}


                def setup(value=6):
                    {body}


                def other():
                    return 5
            """,
            "tests/test_a.py": f"""
                import decimal

                from pkg.core import REGISTRY, other


                def test_setup():
                    if "{effect}" == "registry":
                        assert REGISTRY["a"] == 6
                    else:
                        assert str(decimal.Decimal(1) / decimal.Decimal(3)) == "0.333333"


                def test_other():
                    assert other() == 5
            """,
        }

        monkeypatch.delenv(flag)  # each run is a new process that starts without it
        project.write(files)
        assert in_process(project, "--testmon") == (["test_other", "test_setup"], [])
        if EARLY:
            modules = {"pkg/__init__.py", "pkg/core.py", "pkg/warn.py"}
            assert early_records(project) == (set(), modules)
        assert in_process(project, "--testmon") == ([], [])
        project.edit("pkg/core.py", "def setup(value=6):", "def setup(value=7):")
        ran, failed = in_process(project, "--testmon")
        assert "test_setup" in ran
        assert failed == ["test_setup"]


def test_a_first_conftest_import_reaches_every_test(project: Project) -> None:
    """Review 31: ``testpaths`` makes pytest load tests/a/conftest.py before any test
    is collected; what the module it imports set (the decimal context) every test
    sees, tests/b's too. (No warning filter: the modules there when pytest
    configures are plugins, as before.)"""
    files = {
        "pytest.ini": "[pytest]\ntestpaths = tests/a tests/b\n",
        "precision.py": "import decimal\n\ndecimal.getcontext().prec = 6\n",
        "calc.py": THIRD,
        "tests/a/conftest.py": "import precision  # noqa: F401\n",
        "tests/a/test_a.py": "def test_a():\n    assert True\n",
        "tests/b/test_b.py": THIRD_TESTS,
    }
    with decimal.localcontext():
        record(project, files, "test_a", "test_plain", "test_third")
        project.edit("precision.py", "prec = 6", "prec = 7")
        check(
            project.run("--testmon"),
            must=["test_third"],
            may=["test_a", "test_plain"],
            failed=["test_third"],
        )


@pytest.mark.parametrize(
    ("filters", "modules"),
    [
        ([], []),
        (["error"], []),
        (["ignore::DeprecationWarning"], []),
        (["ignore::pkg.warn.PkgWarning"], ["pkg.warn"]),
        (["ignore:some text:pkg.PkgWarning:pkg.mod"], ["pkg"]),
        (["error::a.B", "ignore::a.C", "default::b.c.D"], ["a", "b.c"]),
        ([" ignore :: pkg.warn.W "], ["pkg.warn"]),  # pytest strips each field
    ],
)
def test_warning_modules(filters: list[str], modules: list[str]) -> None:
    assert warning_modules(filters) == modules


class _Proxy:
    """Answers every attribute with project code, as a lazy proxy does."""

    ran = 0

    def __getattr__(self, name: str) -> object:
        _Proxy.ran += 1
        raise AssertionError(name)

    @property
    def __class__(self) -> type:  # type: ignore[override]
        _Proxy.ran += 1
        raise AssertionError("__class__")


@pytest.mark.parametrize(
    ("one", "other", "equal"),
    [
        ({"REGISTRY": {"a": 1}}, {"REGISTRY": {"a": 1}}, True),
        ({"REGISTRY": {"a": 1}}, {"REGISTRY": {}}, False),
        ({"ITEMS": [1, 2, 3]}, {"ITEMS": [1, 2]}, False),
        ({"NAMES": {"b", "a"}}, {"NAMES": {"a", "b"}}, True),
        ({"MODE": "fast"}, {"MODE": "slow"}, False),
        ({"f": len}, {"f": len}, True),
        ({"C": decimal.Context}, {"C": decimal.Context}, True),
        ({"__spec__": 1, "X": 1}, {"__spec__": 2, "X": 1}, True),  # the import system's
        ({"__all__": ["a"]}, {"__all__": ["b"]}, False),
        ({"big": list(range(10_000))}, {"big": list(range(10_000))}, True),  # length only
        ({"big": list(range(10_000))}, {"big": list(range(9_999))}, False),
    ],
)
def test_namespace_digests(one: dict[str, object], other: dict[str, object], equal: bool) -> None:
    assert (_Digester().names(one, 3) == _Digester().names(other, 3)) is equal


def test_namespace_digest_runs_no_project_code() -> None:
    """A proxy's ``__getattr__`` and ``__class__`` are never asked."""
    _Proxy.ran = 0
    text = _Digester().names({"proxy": _Proxy(), "nested": {"p": [_Proxy()]}}, 3)
    assert "_Proxy" in text
    assert _Proxy.ran == 0


def test_namespace_digest_has_a_budget() -> None:
    """Past its budget a digest fails: ``state_digests`` then writes one that
    equals no other process's, and the child is not trusted."""
    nested = {"rows": [[[i, j] for j in range(150)] for i in range(150)]}
    with pytest.raises(_TooBig):
        _Digester().names({"a": nested, "b": nested, "c": nested, "d": nested, "e": nested}, 4)

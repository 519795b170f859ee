"""Project modules pytest imports before any plugin: a warning filter's category.

pytest 9 applies ``filterwarnings`` (and ``-W``) before it loads plugins, and a dotted
category imports its module then, with its package and everything that imports. Those
modules are plugins for every test. Tracking starts at that moment (``early.py``, from
the .pth line) when the process looks like pytest, so their imports get records like
any other; otherwise (``pytest.main`` from a script) a child process imports them
again under tracking (``reimport.py``) to tell which of their functions ran then. End
to end, in new processes as a user runs pytest (in pytester's own process pytest caches
the parsed filters, so only its first run would import early): record, edit, re-run,
assert exactly which tests ran.
"""

from __future__ import annotations

import decimal
import re
import sqlite3
import sys
import textwrap
import types
from contextlib import closing
from pathlib import Path

import pytest

from helpers import Project
from pytest_ripple import early
from pytest_ripple.fingerprint import PLUGIN
from pytest_ripple.options import will_record_args
from pytest_ripple.reimport import warning_modules
from test_children import OFF, ran_in
from test_safety import check, record

CATEGORY = "pkg.warn.PkgWarning"
WARN = """
    class PkgWarning(UserWarning):
        pass
"""
INI = {"pytest.ini": f"[pytest]\nfilterwarnings =\n    ignore::{CATEGORY}\n"}
# setup() runs at pkg's import, and leaves its mark in a registry
SETUP = {
    "pkg/__init__.py": """
        from pkg import core, warn

        core.setup()
    """,
    "pkg/warn.py": WARN,
    "pkg/core.py": """
        REGISTRY = {}


        def setup():
            REGISTRY["a"] = 1


        def other():
            return 5
    """,
    "tests/test_core.py": """
        from pkg.core import REGISTRY, other


        def test_registry():
            assert REGISTRY["a"] == 1


        def test_other():
            assert other() == 5
    """,
    "tests/test_free.py": """
        def test_free():
            assert True
    """,
}
EVERY = ["test_free", "test_other", "test_registry"]
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


# pytest.main() from a script: the .pth line does not see pytest, tracking starts at
# the first conftest.py and the child of reimport.py tells what ran before
MAIN = "import sys, pytest; sys.exit(pytest.main(sys.argv[1:]))"
HOWS = ["pytest", "pytest.main"]


@pytest.fixture(autouse=True)
def _as_a_user(monkeypatch: pytest.MonkeyPatch) -> None:
    """As a user's shell: under ``--testmon -n`` this suite's own xdist controller
    sets the variable for its workers, and a script's pytest.main would start early."""
    monkeypatch.delenv(early.ENV, raising=False)


def run(project: Project, *args: str, how: str = "pytest") -> tuple[list[str], list[str]]:
    """pytest --testmon in a new process: the tests that ran, and those that failed."""
    argv = ("-v", *OFF, "--testmon", *args)
    if how == "pytest":
        result = project.pytester.runpytest_subprocess(*argv, timeout=300)
    else:
        result = project.pytester.run(sys.executable, "-c", MAIN, *argv, timeout=300)
    out = result.stdout.str()
    assert result.ret in (0, 1, 5), out
    failed = re.findall(r"::(\w+) FAILED|FAILED \S+::(\w+)", out)  # without xdist, with
    return ran_in(out), sorted({a or b for a, b in failed})


def early_facts(project: Project) -> tuple[set[str], set[tuple[str, str]], set[str]]:
    """The modules of pkg taken for plugins, the functions of pkg stored as run at
    import outside any module's import, and the modules of pkg with an import record."""
    with closing(sqlite3.connect(project.path / ".testmondata")) as db:
        rows = db.execute("SELECT file, block FROM import_run").fetchall()
        recorded = db.execute(
            "SELECT f.path FROM module_import m JOIN file f ON f.id = m.file_id"
        ).fetchall()
    plugins = {f for f, b in rows if b == PLUGIN and f.startswith("pkg/")}
    ran = {(f, b) for f, b in rows if b != PLUGIN and f.startswith("pkg/")}
    return plugins, ran, {f for (f,) in recorded if f.startswith("pkg/")}


def _imports_early() -> bool:
    """Whether this pytest applies the warning filters before it loads plugins."""
    from _pytest.config import Config

    return "_capture_plugin_import_warnings" in vars(Config)


@pytest.mark.slow  # new processes, and the child
class TestWarningCategories:
    @pytest.mark.parametrize("how", HOWS)
    @pytest.mark.parametrize("cmdline", [False, True], ids=["ini", "-W"])
    def test_a_body_edit_of_what_ran_at_the_early_import(
        self, project: Project, cmdline: bool, how: str
    ) -> None:
        """``setup`` ran when pytest imported the category, before we were loaded: its
        new body reaches every test (pkg is a plugin). It selected none before
        tracking started that early, or the child told that it ran then (reviews 31
        and 32)."""
        args = ("-W", f"ignore::{CATEGORY}") if cmdline else ()
        project.write(SETUP if cmdline else {**SETUP, **INI})
        assert run(project, *args, how=how) == (EVERY, [])
        plugins, ran, recorded = early_facts(project)
        assert plugins == {"pkg/__init__.py", "pkg/core.py", "pkg/warn.py"}
        if how == "pytest":  # tracked from the start: the modules' own import records
            assert recorded == {"pkg/__init__.py", "pkg/core.py", "pkg/warn.py"}
        elif how == "pytest.main" and _imports_early():  # the child's facts
            assert ("pkg/core.py", "setup") in ran and ("pkg/core.py", "other") not in ran
        assert run(project, *args, how=how) == ([], [])
        project.edit("pkg/core.py", 'REGISTRY["a"] = 1', 'REGISTRY["a"] = 2')
        assert run(project, *args, how=how) == (EVERY, ["test_registry"])

    @pytest.mark.parametrize("args", [(), ("-W", f"ignore::{CATEGORY}"), ("-n", "2")])
    def test_a_function_that_did_not_run_at_the_early_import(
        self, project: Project, args: tuple[str, ...]
    ) -> None:
        """Tracked from the early import on, ``other`` is known not to have run then:
        its new body selects the test that runs it, not every test (marshmallow's
        ``from_iso_time``: 1,236 of 1,238 tests before, where 20 run it)."""
        files = {
            **SETUP,
            # import-time code reads ``other`` without calling it
            "pkg/core.py": textwrap.dedent(SETUP["pkg/core.py"]) + '\n\nHANDLERS = {"o": other}\n',
            "tests/test_handlers.py": """
                from pkg.core import HANDLERS


                def test_handlers():
                    assert "o" in HANDLERS
            """,
        }
        project.write(files if args[:1] == ("-W",) else {**files, **INI})
        every = sorted([*EVERY, "test_handlers"])
        assert run(project, *args) == (every, [])
        assert run(project, *args) == ([], [])
        project.edit("pkg/core.py", "return 5", "return 6")
        assert run(project, *args) == (["test_other"], ["test_other"])
        project.edit("pkg/core.py", 'REGISTRY["a"] = 1', 'REGISTRY["a"] = 2')
        assert run(project, *args) == (every, ["test_other", "test_registry"])

    def test_xdist_workers_tell_it_too(self, project: Project) -> None:
        project.write({**SETUP, **INI})
        assert run(project, "-n", "2") == (EVERY, [])
        assert run(project, "-n", "2") == ([], [])
        project.edit("pkg/core.py", 'REGISTRY["a"] = 1', 'REGISTRY["a"] = 2')
        assert run(project, "-n", "2") == (EVERY, ["test_registry"])

    @pytest.mark.parametrize("how", HOWS)
    def test_what_the_early_import_did_reaches_every_test(self, project: Project, how: str) -> None:
        """Review 31: the early import set the decimal context for every test,
        also for a test whose imports never reach pkg."""
        project.write(
            {
                **INI,
                "pkg/__init__.py": """
                    import decimal

                    from pkg.warn import PkgWarning

                    decimal.getcontext().prec = 6
                """,
                "pkg/warn.py": WARN,
                "calc.py": THIRD,
                "tests/test_a.py": THIRD_TESTS,
            }
        )
        assert run(project, how=how) == (["test_plain", "test_third"], [])
        assert run(project, how=how) == ([], [])
        project.edit("pkg/__init__.py", "prec = 6", "prec = 7")
        assert run(project, how=how) == (["test_plain", "test_third"], ["test_third"])

    @pytest.mark.parametrize("how", HOWS)
    @pytest.mark.parametrize("effect", ["registry", "decimal", "environ"])
    def test_an_import_guarded_by_what_the_first_one_set(
        self, project: Project, monkeypatch: pytest.MonkeyPatch, effect: str, how: str
    ) -> None:
        """Reviews 31 and 32: the first import sets a variable so that it configures
        once; the child inherits it and configures nothing. What the child saw never
        counts as "setup did not run": a new default of ``setup`` reaches
        ``test_setup``."""
        flag = f"RIPPLE_{project.path.name.upper()}"
        monkeypatch.setenv(flag, "")  # so that the end of the test restores its absence
        monkeypatch.delenv(flag)  # each run is a new process that starts without it
        body = {
            "registry": 'REGISTRY["a"] = value',
            "decimal": "decimal.getcontext().prec = value",
            "environ": f'os.environ["{flag}_MODE"] = str(value)',
        }[effect]
        check_setup = {
            "registry": 'REGISTRY["a"] == 6',
            "decimal": 'str(decimal.Decimal(1) / decimal.Decimal(3)) == "0.333333"',
            "environ": f'os.environ["{flag}_MODE"] == "6"',
        }[effect]
        project.write(
            {
                **INI,
                "pkg/__init__.py": f"""
                    import os

                    from pkg import core, warn

                    if "{flag}" not in os.environ:
                        os.environ["{flag}"] = "1"
                        core.setup()
                """,
                "pkg/warn.py": WARN,
                "pkg/core.py": f"""
                    import decimal
                    import os

                    REGISTRY = {{}}


                    def setup(value=6):
                        {body}


                    def other():
                        return 5
                """,
                "tests/test_a.py": f"""
                    import decimal
                    import os

                    from pkg.core import REGISTRY, other


                    def test_setup():
                        assert {check_setup}


                    def test_other():
                        assert other() == 5
                """,
            }
        )
        assert run(project, how=how) == (["test_other", "test_setup"], [])
        assert run(project, how=how) == ([], [])
        project.edit("pkg/core.py", "def setup(value=6):", "def setup(value=7):")
        ran, failed = run(project, how=how)
        assert "test_setup" in ran
        assert failed == ["test_setup"]


@pytest.mark.slow  # new processes, and the child
def test_a_category_imported_before_pytest_parses(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sitecustomize imported pkg before pytest started: tracking that starts at the
    warning filters sees no import of it, so the child tells what ran then."""
    project.write({**SETUP, **INI, "site/sitecustomize.py": "import pkg  # noqa: F401\n"})
    monkeypatch.setenv("PYTHONPATH", f"{project.path / 'site'}:{project.path}")
    assert run(project) == (EVERY, [])
    assert run(project) == ([], [])
    project.edit("pkg/core.py", 'REGISTRY["a"] = 1', 'REGISTRY["a"] = 2')
    explained = project.pytester.run(sys.executable, "-m", "pytest_ripple", "affected")
    said = " ".join(explained.stdout.str().split())  # lines wrap
    assert "pkg/core.py was imported before tracking started" in said
    assert run(project) == (EVERY, ["test_registry"])


@pytest.mark.slow  # new processes
def test_a_record_from_another_run_does_not_hide_an_unseen_import(project: Project) -> None:
    """Review 33: ``pytest`` records pkg's import (``fill`` did not run then); a script
    that imports pkg with another environment, then calls pytest.main, runs ``fill`` at
    that import, unseen. The record of the first run must not say "fill never ran at
    import" for the tests the script ran."""
    project.write(
        {
            "pkg/__init__.py": """
                import os

                from pkg import reg

                if os.environ.get("PKG_FULL"):
                    reg.fill()
            """,
            "pkg/reg.py": """
                REG = {}


                def fill():
                    REG["a"] = 1
            """,
            "tests/test_reg.py": """
                from pkg.reg import REG


                def test_reg():
                    assert REG.get("a", 1) == 1
            """,
            "tests/test_free.py": "def test_free():\n    assert True\n",
        }
    )
    script = "import os; os.environ['PKG_FULL'] = '1'; import pkg; " + MAIN
    assert run(project) == (["test_free", "test_reg"], [])
    result = project.pytester.run(sys.executable, "-c", script, "-v", *OFF, "--testmon")
    assert ran_in(result.stdout.str()) == []
    project.edit("pkg/reg.py", 'REG["a"] = 1', 'REG["a"] = 2')
    result = project.pytester.run(sys.executable, "-c", script, "-v", *OFF, "--testmon")
    assert ran_in(result.stdout.str()) == ["test_free", "test_reg"]
    assert result.ret == 1


def test_a_first_conftest_import_reaches_every_test(project: Project) -> None:
    """Review 31: ``testpaths`` makes pytest load tests/a/conftest.py before any test
    is collected; what the module it imports set (the decimal context) every test
    sees, tests/b's too: the modules there when pytest configures are plugins."""
    files = {
        "pytest.ini": "[pytest]\ntestpaths = tests/a tests/b\n",
        "precision.py": "import decimal\n\ndecimal.getcontext().prec = 6\n",
        "calc.py": THIRD,
        "tests/a/conftest.py": "import precision  # noqa: F401\n",
        "tests/a/test_a.py": "def test_a():\n    assert True\n",
        "tests/b/test_b.py": THIRD_TESTS,
    }
    with decimal.localcontext():  # this process's context is the inner runs' too
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


@pytest.mark.parametrize(
    ("args", "records"),
    [
        ([], False),
        (["--testmon"], True),
        (["-v", "--testmon", "tests"], True),
        (["--testmon-noselect"], True),
        (["--testmon-env", "pg"], True),
        (["--testmon-env"], False),  # its value is missing: pytest will say so
        (["--testmon", "--no-testmon"], False),
        (["--testmon", "--collect-only"], False),
        (["--testmon", "--co"], False),
        (["--testmon-nocollect"], False),
        (["-k", "testmon"], False),
        (["--testmonx"], False),  # no abbreviations, as pytest
    ],
)
def test_will_record_from_the_raw_arguments(args: list[str], records: bool) -> None:
    """What the early start decides from arguments our options are not parsed into."""
    assert will_record_args(args) is records


def test_pytests_method_is_wrapped_once_and_passes_through() -> None:
    calls: list[tuple[object, ...]] = []

    class Config:
        def _consider_importhook(self, *a: object) -> str:
            calls.append(a)
            return "done"

    module = types.SimpleNamespace(Config=Config)
    early.patch(module)
    wrapped = Config._consider_importhook
    early.patch(module)
    assert Config._consider_importhook is wrapped
    assert Config()._consider_importhook(["x"]) == "done"  # no args local: no start
    assert calls == [(["x"],)]


@pytest.mark.parametrize(
    ("argv", "orig", "env", "installs"),
    [
        (["-c"], ["python", "-c", "pass"], False, False),
        (["/srv/app/manage.py"], ["python", "/srv/app/manage.py"], False, False),
        (["-m"], ["python", "-m", "pytest"], False, True),
        (["-m"], ["python", "-mpytest", "-v"], False, True),  # pytester's subprocess
        (["-m"], ["python", "-m", "pip", "list"], False, False),
        (["-m"], None, False, True),  # 3.9 has no orig_argv: any -m
        (["/venv/bin/pytest"], ["/venv/bin/python", "/venv/bin/pytest"], False, True),
        (["/venv/bin/py.test"], ["/venv/bin/python", "/venv/bin/py.test"], False, True),
        (["-c"], ["python", "-c", "import sys;exec(eval(sys.stdin.readline()))"], True, True),
        ([], [], False, False),
    ],
)
def test_the_start_up_line_waits_for_pytest(
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    orig: list[str] | None,
    env: bool,
    installs: bool,
) -> None:
    """The .pth line as site.py runs it: early.py in processes that run pytest (an
    xdist worker of a recording controller by the variable), not in others."""
    installed = Path(early.__file__).parent.parent / "pytest-ripple.pth"
    calls: list[bool] = []
    monkeypatch.setattr(early, "install", lambda: calls.append(True))
    monkeypatch.setattr(sys, "argv", argv)
    if orig is None:
        monkeypatch.delattr(sys, "orig_argv", raising=False)
    else:
        monkeypatch.setattr(sys, "orig_argv", orig, raising=False)
    monkeypatch.delenv("PYTEST_RIPPLE_CHILDREN", raising=False)
    if env:
        monkeypatch.setenv(early.ENV, "1")
    else:
        monkeypatch.delenv(early.ENV, raising=False)
    exec(installed.read_text().strip(), {})
    assert calls == ([True] if installs else [])

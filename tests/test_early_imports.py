"""Project modules pytest imports before any plugin: a warning filter's category.

pytest 9 applies ``filterwarnings`` (and ``-W``) before it loads plugins, and a dotted
category imports its module then, with its package and everything that imports. Those
modules are plugins for every test, and a child process imports them again under
tracking (``reimport.py``) to tell which of their functions ran at that import. End to
end, in new processes as a user runs pytest (in pytester's own process pytest caches
the parsed filters, so only its first run would import early): record, edit, re-run,
assert exactly which tests ran.
"""

from __future__ import annotations

import decimal
import re
import sqlite3
from contextlib import closing

import pytest

from helpers import Project
from pytest_ripple.fingerprint import PLUGIN
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


def run(project: Project, *args: str) -> tuple[list[str], list[str]]:
    """pytest --testmon in a new process: the tests that ran, and those that failed."""
    result = project.pytester.runpytest_subprocess("-v", *OFF, "--testmon", *args, timeout=300)
    out = result.stdout.str()
    assert result.ret in (0, 1, 5), out
    failed = re.findall(r"::(\w+) FAILED|FAILED \S+::(\w+)", out)  # without xdist, with
    return ran_in(out), sorted({a or b for a, b in failed})


def early_facts(project: Project) -> tuple[set[str], set[tuple[str, str]]]:
    """The modules of pkg taken for plugins, and the functions of pkg stored as run
    at import."""
    with closing(sqlite3.connect(project.path / ".testmondata")) as db:
        rows = db.execute("SELECT file, block FROM import_run").fetchall()
    plugins = {f for f, b in rows if b == PLUGIN and f.startswith("pkg/")}
    ran = {(f, b) for f, b in rows if b != PLUGIN and f.startswith("pkg/")}
    return plugins, ran


@pytest.mark.slow  # new processes, and the child
class TestWarningCategories:
    @pytest.mark.parametrize("cmdline", [False, True], ids=["ini", "-W"])
    def test_a_body_edit_of_what_ran_at_the_early_import(
        self, project: Project, cmdline: bool
    ) -> None:
        """``setup`` ran when pytest imported the category, before we were loaded: its
        new body reaches every test (pkg is a plugin). It selected none before the
        child told that it ran then (reviews 31 and 32)."""
        args = ("-W", f"ignore::{CATEGORY}") if cmdline else ()
        project.write(SETUP if cmdline else {**SETUP, **INI})
        assert run(project, *args) == (EVERY, [])
        plugins, ran = early_facts(project)
        assert plugins == {"pkg/__init__.py", "pkg/core.py", "pkg/warn.py"}
        assert ("pkg/core.py", "setup") in ran
        assert ("pkg/core.py", "other") not in ran
        assert run(project, *args) == ([], [])
        project.edit("pkg/core.py", 'REGISTRY["a"] = 1', 'REGISTRY["a"] = 2')
        assert run(project, *args) == (EVERY, ["test_registry"])

    def test_xdist_workers_tell_it_too(self, project: Project) -> None:
        project.write({**SETUP, **INI})
        assert run(project, "-n", "2") == (EVERY, [])
        assert ("pkg/core.py", "setup") in early_facts(project)[1]
        assert run(project, "-n", "2") == ([], [])
        project.edit("pkg/core.py", 'REGISTRY["a"] = 1', 'REGISTRY["a"] = 2')
        assert run(project, "-n", "2") == (EVERY, ["test_registry"])

    def test_what_the_early_import_did_reaches_every_test(self, project: Project) -> None:
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
        assert run(project) == (["test_plain", "test_third"], [])
        assert run(project) == ([], [])
        project.edit("pkg/__init__.py", "prec = 6", "prec = 7")
        assert run(project) == (["test_plain", "test_third"], ["test_third"])

    @pytest.mark.parametrize("effect", ["registry", "decimal", "environ"])
    def test_an_import_guarded_by_what_the_first_one_set(
        self, project: Project, monkeypatch: pytest.MonkeyPatch, effect: str
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
        assert run(project) == (["test_other", "test_setup"], [])
        assert run(project) == ([], [])
        project.edit("pkg/core.py", "def setup(value=6):", "def setup(value=7):")
        ran, failed = run(project)
        assert "test_setup" in ran
        assert failed == ["test_setup"]


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

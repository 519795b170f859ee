"""Issue 13, "Measured": the ``testmon:`` status line and the reasons of ``-v``, tried
as a new user would: with pytest-xdist, ``-q``, filters in addopts, a first run, tests
that only read a module's bindings, an xfail test, ``--lf --ff``.

The status line counts the tests pytest collected (``A of T tests affected``), says
which filter left affected tests out, and names the tracking engine; the counts are
made where tests are collected, so they mean the same with and without xdist.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import ClassVar

import pytest

from helpers import Project, Run
from pytest_ripple import reasons
from pytest_ripple.changes import Changes
from pytest_ripple.fingerprint import READ
from pytest_ripple.selection import compute
from pytest_ripple.store import PASSED, Store
from pytest_ripple.store import TestResult as Result

FILTERED = {
    "pytest.ini": """
        [pytest]
        pythonpath = .
        addopts = -m "not property"
        markers =
            property: slow property-based tests
    """,
    "pkg/__init__.py": "",
    "pkg/utils.py": """
        __all__ = ["is_normalized", "other"]

        SEPARATOR = "-"


        def is_normalized(name):
            return SEPARATOR not in name


        def other(x):
            return x + 1
    """,
    "tests/test_utils.py": """
        import pytest
        import pkg.utils as utils
        from pkg.utils import is_normalized, other


        def test_all():
            assert set(utils.__all__) <= set(dir(utils))


        def test_norm():
            assert is_normalized("abc")


        def test_other():
            assert other(1) == 2


        @pytest.mark.property
        def test_property():
            assert other(2) == 3
    """,
}

STATUS = re.compile(r"^testmon: (\d+ files? changed|building new data|no data yet)")


def status(run: Run) -> str:
    """The status line (there is exactly one)."""
    lines = [line for line in run.out.splitlines() if STATUS.match(line)]
    assert len(lines) == 1, run.out
    return lines[0]


def engine() -> str:
    from pytest_ripple.tracer import choose_tracer

    tracer, _ = choose_tracer("/")
    tracer.close()
    return tracer.name


def restore(project: Project, saved: Path) -> None:
    """Put a copy of the data file back, so two runs decide from the same data."""
    for suffix in ("-wal", "-shm"):
        (project.path / f".testmondata{suffix}").unlink(missing_ok=True)
    shutil.copy(saved, project.path / ".testmondata")


class TestStatusLine:
    def test_first_run_says_it_builds_new_data(self, project: Project) -> None:
        project.write(FILTERED)
        run = project.run("--testmon")
        assert status(run) == (
            'testmon: building new data, 4 of 4 tests affected, 1 left out by -m "not '
            f'property" (addopts) (select + record, {engine()})'
        )
        dry = project.run("--testmon", "--collect-only")
        assert "building" not in status(dry)

    def test_a_dry_run_without_data_says_so(self, project: Project) -> None:
        project.write(FILTERED)
        run = project.run("--testmon", "--collect-only")
        assert status(run).startswith("testmon: no data yet, 4 of 4 tests affected")
        assert not (project.path / ".testmondata").exists()

    def test_tests_left_out_by_addopts_count_as_affected_and_say_why(
        self, project: Project
    ) -> None:
        """The property test never runs under this addopts, so it stays pending: it is
        affected, and the line says what left it out."""
        project.write(FILTERED)
        project.run("--testmon")
        run = project.run("--testmon")
        assert run.ran == []
        assert status(run).startswith(
            'testmon: 0 files changed, 1 of 4 tests affected, 1 left out by -m "not property"'
            " (addopts)"
        )

    def test_a_filter_on_the_command_line_is_named(self, project: Project) -> None:
        project.write(FILTERED)
        project.run("--testmon", "-m", "")
        project.edit("pkg/utils.py", "return x + 1", "return 1 + x")
        run = project.run("--testmon", "-m", "", "-k", "norm")
        assert run.ran == []
        assert status(run).startswith(
            "testmon: 1 file changed, 2 of 4 tests affected, 2 left out by -k norm ("
        )
        assert project.run("--testmon", "-m", "").ran == ["test_other", "test_property"]

    def test_affected_tests_outside_the_given_paths_are_counted(self, project: Project) -> None:
        project.write({**FILTERED, "tests/unit/test_more.py": "def test_more():\n    pass\n"})
        project.run("--testmon", "-m", "")
        project.edit("pkg/utils.py", "return x + 1", "return 1 + x")
        run = project.run("--testmon", "-m", "", "tests/unit")
        assert status(run).startswith(
            "testmon: 1 file changed, 0 of 1 tests affected, 2 more outside the given paths ("
        )

    def test_q_shows_the_line_and_qq_does_not(self, project: Project) -> None:
        project.write(FILTERED)
        project.run("--testmon")
        assert status(project.run("--testmon", "-q")).startswith("testmon: 0 files changed")
        assert not STATUS.search(project.run("--testmon", "-qq").out)

    @pytest.mark.slow
    def test_xdist_counts_engine_and_q_are_the_same(self, project: Project) -> None:
        """pytest-xdist: the counts, the filter and the engine are those of a run
        without xdist (the workers' tally), also under -q; also after one edit."""
        project.write(FILTERED)
        first = project.run("--testmon", "-n", "2")
        assert "building new data, 4 of 4 tests affected" in status(first)
        plain = project.run("--testmon")
        spread = project.run("--testmon", "-n", "2")
        assert status(spread) == status(plain)
        assert status(spread).endswith(f"(select + record, {engine()})")
        assert status(project.run("--testmon", "-n", "2", "-q")) == status(plain)
        project.edit("pkg/utils.py", 'SEPARATOR = "-"', 'SEPARATOR = "_"')
        saved = project.path / "saved.testmondata"
        shutil.copy(project.path / ".testmondata", saved)
        spread = project.run("--testmon", "-n", "2", "-v")
        restore(project, saved)
        plain = project.run("--testmon", "-v")
        assert status(spread) == status(plain)
        # test_all lists the module's names (dir): it reads SEPARATOR too
        assert status(plain).startswith("testmon: 1 file changed, 3 of 4 tests affected, 1 left")
        # -v: each selected test with its reason, from the worker that collected it
        line = "  tests/test_utils.py::test_norm: pkg/utils.py::SEPARATOR changed"
        assert f"{line} -> read by pkg/utils.py::is_normalized" in spread.out
        assert spread.ran == plain.ran == ["test_all", "test_norm"]


class TestReasons:
    """One grammar: the change, then each step from it to the test, in one line."""

    FILES: ClassVar[dict[str, str]] = {
        "pytest.ini": "[pytest]\n",
        "pkg/__init__.py": "",
        "pkg/b.py": "X = 1\n",
        "pkg/a.py": """
            from pkg.b import X
            from pkg.b import X as ALIAS

            REGISTRY = []
            REGISTRY.append(1)


            def uses_x():
                return X


            def uses_alias():
                return ALIAS


            def registered():
                return len(REGISTRY)


            def add(a, b):
                return a + b
        """,
        "tests/expected.txt": "hello\n",
        "tests/test_a.py": """
            from pathlib import Path

            import pytest
            import pkg.a as a


            def test_add():
                assert a.add(1, 2) == 3


            def test_x():
                assert a.uses_x() == 1


            def test_alias():
                assert a.uses_alias() == 1


            def test_registered():
                assert a.registered() == 1


            def test_read():
                assert (Path(__file__).parent / "expected.txt").read_text() == "hello\\n"


            @pytest.mark.testmon_always
            def test_always():
                pass
        """,
        "tests/sub/conftest.py": """
            def pytest_itemcollected(item):
                item.seen = True
        """,
        "tests/sub/test_low.py": "def test_low():\n    pass\n",
    }

    def reasons_of(self, project: Project, *args: str) -> dict[str, str]:
        dry = project.run("--testmon", "--collect-only", "-v", *args)
        found = {}
        for line in dry.out.splitlines():
            if line.startswith("  tests/") and ": " in line:
                nodeid, why = line.strip().split(": ", 1)
                found[nodeid.rsplit("::", 1)[-1]] = why
        return found

    def test_each_kind(self, project: Project) -> None:
        project.write(self.FILES)
        project.run("--testmon")
        assert self.reasons_of(project) == {"test_always": reasons.ALWAYS}
        project.edit("pkg/a.py", "return a + b", "return b + a")
        project.edit("pkg/b.py", "X = 1", "X = 2")
        project.write({"tests/expected.txt": "bye\n"})
        project.edit("tests/sub/conftest.py", "item.seen = True", "item.seen = 1")
        project.write({"tests/test_new.py": "def test_new():\n    pass\n"})
        assert self.reasons_of(project) == {
            "test_add": "pkg/a.py::add changed",
            "test_x": "pkg/b.py::X changed -> read by pkg/a.py::uses_x",
            "test_alias": "pkg/b.py::X changed -> pkg/a.py::ALIAS -> read by pkg/a.py::uses_alias",
            "test_read": "tests/expected.txt changed -> read by the test",
            "test_low": "tests/sub/conftest.py::pytest_itemcollected changed -> every test "
            "under tests/sub/",
            "test_new": "new test",
            "test_always": reasons.ALWAYS,
        }
        project.edit("pkg/a.py", "REGISTRY.append(1)", "REGISTRY.append(2)")
        assert (
            self.reasons_of(project)["test_registered"]
            == "pkg/a.py::<module> changed -> pkg/a.py::registered (same module)"
        )

    def test_failed_pending_and_configuration(self, project: Project) -> None:
        project.write(self.FILES)
        project.run("--testmon")
        project.edit("pkg/a.py", "return a + b", "return a - b")
        project.edit("pkg/b.py", "X = 1", "X = 2")
        project.run("--testmon", "-k", "test_add")  # test_add fails; test_x stays pending
        found = self.reasons_of(project)
        assert found["test_add"] == "failed last time"
        assert found["test_x"] == (
            "pkg/b.py::X changed -> read by pkg/a.py::uses_x (earlier run, not run since)"
        )
        project.write({"pytest.ini": "[pytest]\nmarkers =\n    slow: slow\n"})
        found = self.reasons_of(project)
        assert found["test_low"] == "pytest.ini changed -> every test"

    def test_a_package_upgrade(self, tmp_path: Path) -> None:
        store = Store(tmp_path / ".testmondata")
        store.open()
        try:
            with store.db.transaction():
                env = store.save_env("default", "cpython3.x", "", {"requests": "2.31"})
                store.save_file("pkg:requests", 0, 0, "", None)
                store.save_tests(
                    env, [Result("t.py::test_get", [("pkg:requests", READ)], PASSED, 0.1)]
                )
            why = reasons.package("requests", "2.31", "2.32")
            plan = compute(store, Changes(), store.files(), env, packages={"requests": why})
            assert plan.affected == {
                "t.py::test_get": "package requests changed (2.31 to 2.32) -> ran its code"
            }
        finally:
            store.close()

    def test_a_test_that_reads_only_the_bindings_is_told_so(self, project: Project) -> None:
        """Tests that check ``__all__`` or ``dir(module)`` never ran ``is_normalized``:
        their reason says that the name reached them through ``__all__``."""
        project.write(FILTERED)
        project.run("--testmon", "-m", "")
        project.edit(
            "pkg/utils.py", "def is_normalized(name):", "def is_normalized(name, sep=None):"
        )
        found = self.reasons_of(project, "-m", "")
        assert found["test_norm"] == "pkg/utils.py::is_normalized changed"
        assert found["test_all"] == (
            "pkg/utils.py::is_normalized changed -> listed in pkg/utils.py::__all__ -> read by "
            "the test"
        )


class TestXfail:
    FILES: ClassVar[dict[str, str]] = {
        "pytest.ini": "[pytest]\nxfail_strict = true\n",
        "pkg/__init__.py": "",
        "pkg/setters.py": """
            class FrozenError(Exception):
                pass


            def frozen(*args):
                # the traceback of an xfail test shows this line
                raise FrozenError
        """,
        "tests/test_setattr.py": """
            import pytest
            from pkg.setters import FrozenError, frozen


            @pytest.mark.xfail(raises=FrozenError)
            def test_confused():
                frozen()


            def test_plain():
                pass
        """,
    }

    def test_a_comment_edit_does_not_select_an_xfail_test(self, project: Project) -> None:
        """pytest reads the source lines of the traceback while it makes the xfail
        test's report: that is not data the test read (attrs' setters.py, issue 13)."""
        project.write(self.FILES)
        first = project.run("--testmon")
        first.result.assert_outcomes(passed=1, xfailed=1)
        project.edit("pkg/setters.py", "# the traceback", "# the traceback of pytest")
        assert project.run("--testmon").ran == []
        project.edit("pkg/setters.py", "raise FrozenError", "raise FrozenError()")
        assert project.run("--testmon").ran == ["test_confused"]


class TestLastFailedFirst:
    FILES: ClassVar[dict[str, str]] = {
        "pytest.ini": "[pytest]\n",
        "pkg/__init__.py": "",
        "pkg/m.py": "def f():\n    return 1\n\n\ndef g():\n    return 1\n",
        "tests/test_m.py": """
            from pkg.m import f, g


            def test_f():
                assert f() == 1


            def test_g():
                assert g() == 1


            def test_h():
                pass
        """,
    }

    def test_lf_ff_runs_failures_first_then_the_affected_rest(self, project: Project) -> None:
        project.write(self.FILES)
        project.run("--testmon")
        project.edit("pkg/m.py", "def g():\n    return 1", "def g():\n    return 2")
        assert project.run("--testmon").ran == ["test_g"]
        project.edit("pkg/m.py", "def f():\n    return 1", "def f():\n    return 3")
        run = project.run("--lf", "--testmon", "--ff")
        reports = run.result.reprec.getreports("pytest_runtest_logreport")  # type: ignore[attr-defined]
        order = [r.nodeid.rsplit("::", 1)[-1] for r in reports if r.when == "call"]
        assert order == ["test_g", "test_f"]
        assert status(run).startswith("testmon: 1 file changed, 2 of 3 tests affected (")

"""End-to-end tests of every command of the usage guide
(``/work/shared/seed/pytest-testmon-usage-guide.md``), grouped by its sections, plus
the issue's "done when" flows.

Each test drives a small project (two modules, three test files, seven tests) through
several pytest runs with edits in between and asserts exactly which tests ran.
"""

from __future__ import annotations

import json
import os
import shutil
import textwrap

import pytest

from helpers import ADD, APP, BREAK_SUB, DATAFILE, FIX_SUB, MUL, Project, Run, collected

INI = """
    [pytest]
    addopts = --strict-markers
    markers =
        unit: unit tests
        integration: integration tests
        slow: slow tests
        critical: critical path
        requires_db: needs a database
"""

FILES = {
    **APP,
    "tests/unit/test_calc.py": """
        import pytest

        from app.calc import add, mul, sub

        pytestmark = pytest.mark.unit


        @pytest.mark.critical
        def test_add():
            assert add(2, 3) == 5


        def test_mul():
            assert mul(2, 3) == 6


        @pytest.mark.slow
        def test_sub():
            assert sub(5, 3) == 2
    """,
    "tests/unit/test_text.py": """
        import pytest

        from app.text import greet, upper

        pytestmark = pytest.mark.unit


        def test_upper():
            assert upper("a") == "A"


        def test_greet():
            assert greet("bob") == "hello bob"
    """,
    "tests/integration/test_flow.py": """
        import pytest

        from app.calc import add
        from app.text import upper

        pytestmark = pytest.mark.integration


        @pytest.mark.requires_db
        def test_flow():
            assert upper("x") * add(1, 1) == "XX"


        @pytest.mark.critical
        def test_report():
            assert upper("ok") == "OK"
    """,
}
ALL = ["test_add", "test_flow", "test_greet", "test_mul", "test_report", "test_sub", "test_upper"]
# Who uses what: add -> test_add, test_flow; mul -> test_mul; sub -> test_sub;
# upper -> test_upper, test_flow, test_report; greet -> test_greet.


def start(project: Project, ini: str = INI) -> Run:
    """Write the project and make the baseline run (every test runs and passes)."""
    project.write({"pytest.ini": ini, **FILES})
    run = project.run("--testmon")
    assert run.ran == ALL
    assert run.ret == 0
    return run


def call_order(run: Run) -> list[str]:
    reports = run.result.reprec.getreports("pytest_runtest_logreport")  # type: ignore[attr-defined]
    return [r.nodeid.rsplit("::", 1)[-1] for r in reports if r.when == "call"]


def data(project: Project, name: str = DATAFILE) -> bytes:
    return (project.path / name).read_bytes()


# -- Basic Usage ---------------------------------------------------------------------


class TestBasicUsage:
    def test_first_run_runs_all_and_creates_testmondata(self, project: Project) -> None:
        """`uv run pytest --testmon` (first run): every test runs, .testmondata is made."""
        assert not (project.path / DATAFILE).exists()
        run = start(project)
        assert (project.path / DATAFILE).is_file()
        run.result.assert_outcomes(passed=7)
        run.result.stdout.fnmatch_lines(["testmon: building new data, 7 of 7 tests affected (*)"])
        again = project.run("--testmon")
        assert again.ran == []
        assert again.ret == 0

    def test_subsequent_run_runs_only_affected(self, project: Project) -> None:
        """`uv run pytest --testmon` after a change: only affected tests, rest deselected."""
        start(project)
        project.edit("app/calc.py", *ADD)
        run = project.run("--testmon")
        assert run.ran == ["test_add", "test_flow"]
        assert run.ret == 0
        run.result.assert_outcomes(passed=2, deselected=5)
        run.result.stdout.fnmatch_lines(["testmon: 1 file changed, 2 of 7 tests affected (*)"])
        assert project.run("--testmon").ran == []

    def test_appended_comment_runs_nothing(self, project: Project) -> None:
        """`echo "# Updated" >> module.py; uv run pytest --testmon`: a comment changes no
        code, so no test runs (the guide's 12 would be wasted runs) and the exit is 0."""
        start(project)
        with open(project.path / "app/calc.py", "a") as f:
            f.write("# Updated\n")
        run = project.run("--testmon")
        assert run.ran == []
        assert run.ret == 0
        run.result.stdout.fnmatch_lines(["testmon: * 0 of 7 tests affected (*)"])


# -- Common Commands: Development Workflow -------------------------------------------


class TestDevelopmentWorkflow:
    def test_x_stops_at_first_failure_and_keeps_the_rest_selected(self, project: Project) -> None:
        """`uv run pytest --testmon -x`: stops at the first failure; the affected tests it
        did not reach stay selected for the next run."""
        start(project)
        project.edit("app/text.py", "return s.upper()", "return s.lower()")
        run = project.run("--testmon", "-x")
        assert run.ran == ["test_flow"]  # tests/integration/ sorts first; it fails
        assert run.ret == 1
        run = project.run("--testmon")  # no edit in between
        assert run.ran == ["test_flow", "test_report", "test_upper"]
        assert run.failed == ["test_flow", "test_report", "test_upper"]
        project.edit("app/text.py", "return s.lower()", "return s.upper()")
        run = project.run("--testmon", "-x")
        assert run.ran == ["test_flow", "test_report", "test_upper"]
        assert run.ret == 0
        assert project.run("--testmon", "-x").ran == []

    def test_pre_commit_hook_command(self, project: Project) -> None:
        """`uv run pytest --testmon -x -q` (pre-commit hook): exit 0 when nothing is
        affected, non-zero when an affected test fails."""
        start(project)
        run = project.run("--testmon", "-x", "-q")
        assert (run.ran, run.ret) == ([], 0)
        project.edit("app/calc.py", "return a * b", "return a ** b")
        run = project.run("--testmon", "-x", "-q")
        assert (run.ran, run.ret) == (["test_mul"], 1)

    def test_collect_only_is_a_dry_run(self, project: Project) -> None:
        """`uv run pytest --testmon --collect-only`: lists only what would run, writes
        nothing; the next real run selects the same tests."""
        start(project)
        project.edit("app/text.py", 'return "hello " + name', 'return "hello " + name.strip()')
        before = data(project)
        for _ in range(2):
            dry = project.run("--testmon", "--collect-only")
            assert dry.ran == []
            assert dry.ret == 0
            assert collected(dry) == ["test_greet"]
            dry.result.stdout.fnmatch_lines(
                ["*test_greet*", "*1/7 tests collected (6 deselected)*"]
            )
            dry.result.stdout.no_fnmatch_line("*test_upper*")
            assert data(project) == before
        run = project.run("--testmon")
        assert run.ran == ["test_greet"]
        assert project.run("--testmon").ran == []

    def test_collect_only_on_a_fresh_project_writes_no_data_file(self, project: Project) -> None:
        """`uv run pytest --testmon --collect-only` before any run: all would run, and
        the dry run creates no .testmondata."""
        project.write({"pytest.ini": INI, **FILES})
        dry = project.run("--testmon", "--collect-only")
        assert collected(dry) == ALL
        assert dry.ret == 0
        assert not (project.path / DATAFILE).exists()
        assert project.run("--testmon").ran == ALL

    def test_no_testmon_runs_all_and_records_nothing(self, project: Project) -> None:
        """`uv run pytest --no-testmon`: every test runs; the data is left as it was, so
        the next --testmon run still selects the affected tests."""
        start(project)
        project.edit("app/calc.py", "return a - b", "return -b + a")
        before = data(project)
        run = project.run("--no-testmon")
        assert run.ran == ALL
        assert run.ret == 0
        run.result.stdout.no_fnmatch_line("testmon:*")
        assert data(project) == before
        assert project.run("--testmon").ran == ["test_sub"]

    def test_no_testmon_wins_over_testmon_in_addopts(self, project: Project) -> None:
        """`uv run pytest --no-testmon` with `--testmon` in addopts: runs all tests."""
        ini = INI.replace("addopts = --strict-markers", "addopts = --strict-markers --testmon")
        project.write({"pytest.ini": ini, **FILES})
        assert project.run().ran == ALL
        assert project.run().ran == []
        project.edit("app/calc.py", *MUL)
        assert project.run("--no-testmon").ran == ALL
        assert project.run("--no-testmon", "--testmon").ran == ALL
        assert project.run().ran == ["test_mul"]
        assert project.run().ran == []

    def test_nocache_alone_runs_all_and_rebuilds(self, project: Project) -> None:
        """`uv run pytest --testmon-nocache` (without --testmon): ignores the stored data,
        runs every test, and the rebuilt data selects nothing afterwards."""
        start(project)
        project.edit("app/calc.py", *ADD)
        run = project.run("--testmon-nocache")
        assert run.ran == ALL
        assert run.ret == 0
        assert project.run("--testmon").ran == []

    def test_lf_runs_failed_affected_and_keeps_the_rest(self, project: Project) -> None:
        """`uv run pytest --lf --testmon`: runs only the failed tests; affected tests it
        filtered out run on the next --testmon run."""
        start(project)
        project.edit("app/calc.py", *BREAK_SUB)
        assert project.run("--testmon").ran == ["test_sub"]
        project.edit("app/calc.py", *MUL)  # test_mul affected
        run = project.run("--lf", "--testmon")
        assert run.ran == ["test_sub"]
        assert run.ret == 1
        run = project.run("--testmon")
        assert run.ran == ["test_mul", "test_sub"]
        assert run.failed == ["test_sub"]
        project.edit("app/calc.py", *FIX_SUB)
        run = project.run("--lf", "--testmon")
        assert (run.ran, run.ret) == (["test_sub"], 0)
        assert project.run("--testmon").ran == []

    def test_lf_with_no_failures_runs_affected_only(self, project: Project) -> None:
        """`uv run pytest --lf --testmon` when nothing failed: pytest would run all; the
        intersection with the affected tests runs only those."""
        start(project)
        project.edit("app/text.py", 'return "hello " + name', 'return "hello " + name[:]')
        assert project.run("--lf", "--testmon").ran == ["test_greet"]
        assert project.run("--lf", "--testmon").ran == []

    def test_lf_ff_runs_last_failed_then_the_affected_rest(self, project: Project) -> None:
        """`uv run pytest --lf --testmon --ff` ("run last failed, then all affected"):
        the failed test first, then the other affected tests (issue 13: --lf alone
        decided before, and left them out)."""
        start(project)
        project.edit("app/calc.py", *BREAK_SUB)
        assert project.run("--testmon").ran == ["test_sub"]
        project.edit("app/calc.py", *MUL)
        run = project.run("--lf", "--testmon", "--ff")
        assert (run.ran, run.ret) == (["test_mul", "test_sub"], 1)
        assert call_order(run) == ["test_sub", "test_mul"]
        run.result.stdout.fnmatch_lines(["run-last-failure: rerun previous 1 failure first"])
        assert project.run("--testmon").ran == ["test_sub"]  # still failing

    def test_ff_runs_failed_first_then_affected(self, project: Project) -> None:
        """`uv run pytest --ff --testmon` ("run last failed, then all affected"): the
        failed test first, then the other affected tests, nothing else."""
        start(project)
        project.edit("app/calc.py", *BREAK_SUB)
        assert project.run("--testmon").ran == ["test_sub"]
        project.edit("app/calc.py", *MUL)
        run = project.run("--ff", "--testmon")
        assert run.ran == ["test_mul", "test_sub"]
        assert call_order(run) == ["test_sub", "test_mul"]
        assert run.failed == ["test_sub"]


# -- Common Commands: Category-Specific Testing / Selective Test Execution ----------


class TestCategorySpecific:
    def test_directory_paths_intersect_and_keep_the_rest(self, project: Project) -> None:
        """`uv run pytest tests/unit/ --testmon`, then `tests/integration/ --testmon`:
        each runs its affected tests; nothing affected is lost in between."""
        start(project)
        project.edit("app/calc.py", *ADD)
        assert project.run("tests/unit/", "--testmon").ran == ["test_add"]
        run = project.run("tests/integration/", "--testmon")
        assert (run.ran, run.ret) == (["test_flow"], 0)
        assert project.run("--testmon").ran == []

    def test_subset_run_keeps_affected_tests_elsewhere(self, project: Project) -> None:
        """`uv run pytest --testmon tests/unit/services/` (a subset): affected tests
        outside it run on the next full --testmon run."""
        start(project)
        project.edit("app/text.py", "return s.upper()", "return s.upper()[:]")
        assert project.run("--testmon", "tests/unit/").ran == ["test_upper"]
        assert project.run("--testmon", "tests/unit/").ran == []
        assert project.run("--testmon").ran == ["test_flow", "test_report"]
        assert project.run("--testmon").ran == []

    def test_marker_expression_unit_and_not_slow(self, project: Project) -> None:
        """`uv run pytest -m "unit and not slow" --testmon`."""
        start(project)
        project.edit("app/calc.py", *ADD)
        project.edit("app/calc.py", "return a - b", "return -b + a")
        run = project.run("-m", "unit and not slow", "--testmon")
        assert (run.ran, run.ret) == (["test_add"], 0)
        assert project.run("-m", "unit and not slow", "--testmon").ran == []
        assert project.run("--testmon").ran == ["test_flow", "test_sub"]

    def test_marker_critical_then_requires_db(self, project: Project) -> None:
        """`uv run pytest -m critical --testmon` and
        `uv run pytest --testmon -m "integration and requires_db"`."""
        start(project)
        project.edit("app/text.py", "return s.upper()", "return s.upper()[:]")
        assert project.run("-m", "critical", "--testmon").ran == ["test_report"]
        assert project.run("--testmon", "-m", "integration and requires_db").ran == ["test_flow"]
        assert project.run("-m", "critical", "--testmon", "-x").ran == []
        assert project.run("--testmon").ran == ["test_upper"]

    def test_marker_with_nothing_affected_exits_0(self, project: Project) -> None:
        """`uv run pytest -m "not requires_redis" --testmon` with nothing changed."""
        start(project)
        run = project.run("-m", "not slow", "--testmon")
        assert (run.ran, run.ret) == ([], 0)

    def test_keyword_filter(self, project: Project) -> None:
        """`uv run pytest --testmon tests/ -k task_queue`: -k narrows the affected set."""
        start(project)
        project.edit("app/calc.py", *ADD)
        run = project.run("--testmon", "tests/", "-k", "calc")
        assert (run.ran, run.ret) == (["test_add"], 0)
        assert project.run("--testmon", "tests/", "-k", "calc").ran == []
        assert project.run("--testmon", "tests/").ran == ["test_flow"]

    def test_node_id_argument(self, project: Project) -> None:
        """`uv run pytest --testmon tests/unit/test_calc.py::test_mul`: a node id is a
        path too; it intersects."""
        start(project)
        project.edit("app/calc.py", *MUL)
        project.edit("app/calc.py", *ADD)
        assert project.run("--testmon", "tests/unit/test_calc.py::test_add").ran == ["test_add"]
        assert project.run("--testmon", "tests/unit/test_calc.py::test_mul").ran == ["test_mul"]
        assert project.run("--testmon").ran == ["test_flow"]

    @pytest.mark.parametrize("name", ["ChunkedTests", "TestChunked"])
    def test_node_id_first_run_of_a_unittest_class(self, project: Project, name: str) -> None:
        """The first run names one method of a unittest class (pytest collects a
        TestCase subclass whatever its name): the others, never collected, are unknown,
        so the next run imports the file and runs them."""
        tests = f"""
            from unittest import TestCase


            class {name}(TestCase):
                def test_one(self):
                    self.assertEqual(1, 1)

                def test_two(self):
                    self.assertEqual(2, 3)
        """
        project.write({"pytest.ini": INI, **FILES, "tests/unit/test_chunks.py": tests})
        one = f"tests/unit/test_chunks.py::{name}::test_one"
        assert project.run("--testmon", one).ran == ["test_one"]
        run = project.run("--testmon", "tests/unit/test_chunks.py")
        assert (run.ran, run.failed) == (["test_two"], ["test_two"])

    def test_unittest_classes_with_a_mixin_of_the_same_file(
        self,
        project: Project,
        monkeypatch: pytest.MonkeyPatch,
        tmp_path_factory: pytest.TempPathFactory,
    ) -> None:
        """unittest classes (any name) and a mixin of the same file, as more-itertools
        writes them: once every test is known, a no-change run does not import the file;
        after a first run of one method only, the inherited tests are unknown and run."""
        log = tmp_path_factory.mktemp("imports") / "log"
        monkeypatch.setenv("IMPORT_LOG", str(log))
        # the log is written by a module the test file imports: a statement of the
        # test file's own that does more than bind (an effect) would make its bases
        # untrusted, and the file imported every time
        log_import = """
            import os

            with open(os.environ["IMPORT_LOG"], "a") as _f:
                _f.write("imported\\n")
        """
        tests = """
            from unittest import TestCase

            import peek_log
            from app.calc import add


            class PeekableMixinTests:
                def test_mixed_in(self):
                    self.assertEqual(add(1, 1), 2)


            class PeekableTests(PeekableMixinTests, TestCase):
                def test_own(self):
                    self.assertEqual(1, 1)


            class SeekableTests(PeekableMixinTests, TestCase):
                pass
        """
        project.write(
            {
                "pytest.ini": INI,
                **FILES,
                "tests/unit/test_peek.py": tests,
                "tests/unit/peek_log.py": log_import,
            }
        )

        def imported() -> bool:
            found = log.exists()
            log.unlink(missing_ok=True)
            return found

        own = "tests/unit/test_peek.py::PeekableTests::test_own"
        assert project.run("--testmon", own).ran == ["test_own"]
        assert imported()
        run = project.run("--testmon", "tests/unit/test_peek.py")
        assert sorted(run.nodeids) == [
            "tests/unit/test_peek.py::PeekableTests::test_mixed_in",
            "tests/unit/test_peek.py::SeekableTests::test_mixed_in",
        ]
        assert imported()
        assert project.run("--testmon").ran == ALL
        run = project.run("--testmon")
        assert (run.ran, imported()) == ([], False)
        project.edit("app/calc.py", *ADD)
        run = project.run("--testmon")
        assert sorted(run.ran) == ["test_add", "test_flow", "test_mixed_in", "test_mixed_in"]
        assert imported()


# -- Debugging with Testmon ----------------------------------------------------------


class TestDebugging:
    def test_pdb_with_passing_tests(self, project: Project) -> None:
        """`uv run pytest --testmon --pdb`: runs the affected tests and still records."""
        start(project)
        project.edit("app/calc.py", *MUL)
        run = project.run("--testmon", "--pdb")
        assert (run.ran, run.ret) == (["test_mul"], 0)
        assert project.run("--testmon").ran == []

    def test_vv_shows_affected_tests_with_reasons(self, project: Project) -> None:
        """`uv run pytest --testmon -vv`: verbose results of the affected tests only, and
        why each one was selected."""
        start(project)
        project.edit("app/text.py", 'return "hello " + name', 'return "hello " + name[:]')
        run = project.run("--testmon", "-vv")
        assert (run.ran, run.ret) == (["test_greet"], 0)
        run.result.stdout.fnmatch_lines(
            [
                "testmon: 1 file changed, 1 of 7 tests affected (*)",
                "*tests/unit/test_text.py::test_greet*app/text.py::greet changed*",
                "tests/unit/test_text.py::test_greet PASSED*",
            ]
        )
        run.result.stdout.no_fnmatch_line("*test_upper*")

    def test_collect_only_v_explains_each_selected_test(self, project: Project) -> None:
        """`uv run pytest --testmon --collect-only -v`: every selected test with the change
        that selected it: a changed function, a new test, a failure last time."""
        start(project)
        project.edit("app/calc.py", *BREAK_SUB)
        assert project.run("--testmon").ran == ["test_sub"]
        project.edit("app/calc.py", *ADD)  # add changed
        project.write(
            {
                "tests/unit/test_more.py": """
            from app.calc import mul

            def test_more():
                assert mul(1, 1) == 1
        """
            }
        )
        before = data(project)
        dry = project.run("--testmon", "--collect-only", "-v")
        assert dry.ret == 0
        assert collected(dry) == ["test_add", "test_flow", "test_more", "test_sub"]
        out = dry.result.stdout
        out.fnmatch_lines(["testmon: 1 file changed, 4 of 8 tests affected (dry run*)"])
        out.fnmatch_lines(["*tests/unit/test_calc.py::test_add*: app/calc.py::add changed*"])
        out.fnmatch_lines(
            ["*tests/integration/test_flow.py::test_flow*: app/calc.py::add changed*"]
        )
        out.fnmatch_lines(["*tests/unit/test_more.py::test_more*: new test*"])
        out.fnmatch_lines(["*tests/unit/test_calc.py::test_sub*: failed last time*"])
        for name in ("test_mul", "test_upper", "test_greet", "test_report"):
            out.no_fnmatch_line(f"*{name}*")
        assert data(project) == before
        run = project.run("--testmon")
        assert run.ran == ["test_add", "test_flow", "test_more", "test_sub"]
        assert run.failed == ["test_sub"]


# -- Reset and Rebuild ---------------------------------------------------------------


class TestResetAndRebuild:
    def test_rm_testmondata_then_testmon_rebuilds(self, project: Project) -> None:
        """`rm -rf .testmondata; uv run pytest --testmon`: all run, then none."""
        start(project)
        project.edit("app/calc.py", *MUL)
        (project.path / DATAFILE).unlink()
        assert project.run("--testmon").ran == ALL
        assert project.run("--testmon").ran == []

    def test_nocache_alone_on_a_fresh_project_records(self, project: Project) -> None:
        """`uv run pytest --testmon-nocache` as the first command (CI "build fresh testmon
        cache"): runs all, writes the data; `--testmon` afterwards runs none."""
        project.write({"pytest.ini": INI, **FILES})
        run = project.run("--testmon-nocache")
        assert (run.ran, run.ret) == (ALL, 0)
        assert (project.path / DATAFILE).is_file()
        assert project.run("--testmon").ran == []
        project.edit("app/calc.py", *MUL)
        assert project.run("--testmon").ran == ["test_mul"]

    def test_nocache_keeps_a_failing_test_selected(self, project: Project) -> None:
        """`uv run pytest --testmon-nocache` with a failing test: the rebuilt data still
        says it failed, so --testmon keeps running it."""
        start(project)
        project.edit("app/calc.py", *BREAK_SUB)
        run = project.run("--testmon-nocache")
        assert run.ran == ALL
        assert run.failed == ["test_sub"]
        assert project.run("--testmon").ran == ["test_sub"]


# -- The "done when" flows ---------------------------------------------------


class TestDoneWhen:
    def test_body_edit_runs_only_tests_that_executed_it(self, project: Project) -> None:
        """A one-function body edit re-runs only the tests that executed that function."""
        start(project)
        project.edit("app/text.py", "return s.upper()", "return str.upper(s)")
        assert project.run("--testmon").ran == ["test_flow", "test_report", "test_upper"]
        project.edit("app/calc.py", *MUL)
        project.edit("app/text.py", 'return "hello " + name', 'return f"hello {name}"')
        run = project.run("--testmon")
        assert run.ran == ["test_greet", "test_mul"]
        run.result.stdout.fnmatch_lines(["testmon: 2 files changed, 2 of 7 tests affected (*)"])

    def test_comment_and_formatting_edits_run_nothing(self, project: Project) -> None:
        """Comment-only and formatting-only edits re-run nothing."""
        start(project)
        project.edit("app/calc.py", "def mul(a, b):\n", "def mul(a, b):\n    # product\n")
        project.edit("app/calc.py", "return a * b", "return a*b  # tight")
        project.edit("app/text.py", "def upper(s):", "def upper(\n    s\n):")
        project.edit("tests/unit/test_calc.py", "def test_mul():", "# about mul\ndef test_mul():")
        run = project.run("--testmon")
        assert (run.ran, run.ret) == ([], 0)

    def test_formatter_magic_trailing_comma_runs_nothing(self, project: Project) -> None:
        """A formatter (ruff format, black) splitting a signature adds a trailing comma:
        formatting only, so nothing re-runs."""
        start(project)
        project.edit("app/text.py", "def upper(s):", "def upper(\n    s,\n):")
        project.edit("app/calc.py", "def mul(a, b):", "def mul(\n    a,\n    b,\n):")
        run = project.run("--testmon")
        assert (run.ran, run.ret) == ([], 0)

    def test_new_test_file_runs_only_its_tests(self, project: Project) -> None:
        """A new test file: only its tests run; then nothing."""
        start(project)
        project.write(
            {
                "tests/unit/test_new.py": """
            from app.calc import mul

            def test_new_one():
                assert mul(3, 3) == 9

            def test_new_two():
                assert mul(0, 3) == 0
        """
            }
        )
        run = project.run("--testmon")
        assert (run.ran, run.ret) == (["test_new_one", "test_new_two"], 0)
        run.result.assert_outcomes(passed=2, deselected=7)
        assert project.run("--testmon").ran == []
        project.edit("app/calc.py", *MUL)
        assert project.run("--testmon").ran == ["test_mul", "test_new_one", "test_new_two"]

    def test_new_test_in_existing_file_runs_alone(self, project: Project) -> None:
        """A test added to an existing file: only it runs."""
        start(project)
        with open(project.path / "tests/unit/test_calc.py", "a") as f:
            f.write("\n\ndef test_mul_zero():\n    assert mul(0, 5) == 0\n")
        assert project.run("--testmon").ran == ["test_mul_zero"]
        assert project.run("--testmon").ran == []

    def test_failing_test_keeps_running_until_it_passes(self, project: Project) -> None:
        """A failing test is selected on every run until it passes."""
        start(project)
        project.edit("app/calc.py", *BREAK_SUB)
        for _ in range(3):
            run = project.run("--testmon")
            assert (run.ran, run.ret) == (["test_sub"], 1)
            assert run.failed == ["test_sub"]
        project.edit("app/calc.py", *FIX_SUB)
        run = project.run("--testmon")
        assert (run.ran, run.ret) == (["test_sub"], 0)
        assert project.run("--testmon").ran == []

    def test_failing_test_keeps_running_without_pytest_cache(self, project: Project) -> None:
        """The failure is remembered in .testmondata, not only in pytest's cache."""
        project.write({"pytest.ini": INI, **FILES})
        assert project.run("--testmon", "-p", "no:cacheprovider").ran == ALL
        project.edit("app/calc.py", *BREAK_SUB)
        for _ in range(2):
            run = project.run("--testmon", "-p", "no:cacheprovider")
            assert (run.ran, run.ret) == (["test_sub"], 1)
        project.edit("app/calc.py", *FIX_SUB)
        assert project.run("--testmon", "-p", "no:cacheprovider").ran == ["test_sub"]
        assert project.run("--testmon", "-p", "no:cacheprovider").ran == []

    def test_copy_into_new_folder_with_data_runs_nothing(
        self,
        project: Project,
        pytester: pytest.Pytester,
        tmp_path_factory: pytest.TempPathFactory,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """A copy of the project with its .testmondata into a new folder (a fresh CI
        checkout: new mtimes) runs nothing; a real edit there is still seen."""
        start(project)
        dst = tmp_path_factory.mktemp("checkout")
        shutil.copytree(
            project.path,
            dst,
            dirs_exist_ok=True,
            copy_function=shutil.copy,
            ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"),
        )
        for dirpath, _, names in os.walk(dst):
            for name in names:
                os.utime(os.path.join(dirpath, name), ns=(10**18, 10**18))
        monkeypatch.chdir(dst)
        monkeypatch.syspath_prepend(str(dst))
        copy = Project(pytester)
        copy.path = dst
        run = copy.run("--testmon")
        assert (run.ran, run.ret) == ([], 0)
        assert str(dst) in run.result.stdout.str()  # it really ran in the copy
        copy.edit("app/calc.py", *ADD)
        assert copy.run("--testmon").ran == ["test_add", "test_flow"]
        assert copy.run("--testmon").ran == []

    def test_noselect_runs_all_and_records(self, project: Project) -> None:
        """`--testmon-noselect`: runs every test and records them."""
        start(project)
        project.edit("app/calc.py", *ADD)
        run = project.run("--testmon-noselect")
        assert (run.ran, run.ret) == (ALL, 0)
        assert project.run("--testmon").ran == []
        project.edit("app/calc.py", *MUL)
        assert project.run("--testmon", "--testmon-noselect").ran == ALL
        assert project.run("--testmon").ran == []

    def test_nocollect_selects_and_writes_nothing(self, project: Project) -> None:
        """`--testmon-nocollect`: selects the affected tests, writes nothing, so the next
        run selects them again."""
        start(project)
        project.edit("app/calc.py", *ADD)
        project.write({"tests/unit/test_new.py": "def test_new():\n    pass\n"})
        before = data(project)
        for args in (["--testmon-nocollect"], ["--testmon", "--testmon-nocollect"]):
            run = project.run(*args)
            assert (run.ran, run.ret) == (["test_add", "test_flow", "test_new"], 0)
            assert data(project) == before
        assert project.run("--testmon").ran == ["test_add", "test_flow", "test_new"]
        assert project.run("--testmon").ran == []
        assert project.run("--testmon-nocollect").ran == []

    def test_testmon_env_keeps_separate_records(self, project: Project) -> None:
        """`--testmon-env NAME`: each environment has its own record."""
        start(project)
        assert project.run("--testmon", "--testmon-env", "postgres").ran == ALL
        assert project.run("--testmon", "--testmon-env", "postgres").ran == []
        assert project.run("--testmon").ran == []
        project.edit("app/calc.py", *MUL)
        assert project.run("--testmon", "--testmon-env", "postgres").ran == ["test_mul"]
        assert project.run("--testmon", "--testmon-env", "postgres").ran == []
        assert project.run("--testmon").ran == ["test_mul"]
        assert project.run("--testmon").ran == []
        project.edit("app/calc.py", *BREAK_SUB)
        assert project.run("--testmon", "--testmon-env", "postgres").ran == ["test_sub"]
        project.edit("app/calc.py", *FIX_SUB)
        assert project.run("--testmon", "--testmon-env", "postgres").ran == ["test_sub"]
        # broken and fixed while running the other environment only: the file is again
        # what this environment recorded test_sub with (issue 10, per-environment truth)
        assert project.run("--testmon").ran == []
        assert project.run("--testmon", "--testmon-env", "sqlite").ran == ALL

    def test_testmon_datafile_env_var(
        self,
        project: Project,
        monkeypatch: pytest.MonkeyPatch,
        tmp_path_factory: pytest.TempPathFactory,
    ) -> None:
        """`TESTMON_DATAFILE=/path uv run pytest --testmon` uses that file."""
        shared = tmp_path_factory.mktemp("cache") / "shared.testmondata"
        monkeypatch.setenv("TESTMON_DATAFILE", str(shared))
        start(project)
        assert shared.is_file()
        assert not (project.path / DATAFILE).exists()
        assert project.run("--testmon").ran == []
        monkeypatch.delenv("TESTMON_DATAFILE")
        assert project.run("--testmon").ran == ALL  # .testmondata: a fresh file
        assert (project.path / DATAFILE).is_file()
        project.edit("app/calc.py", *MUL)
        monkeypatch.setenv("TESTMON_DATAFILE", str(shared))
        assert project.run("--testmon").ran == ["test_mul"]
        assert project.run("--testmon").ran == []

    def test_testmon_datafile_ini_key(self, project: Project) -> None:
        """`testmon_datafile = build/ripple.db` in the ini."""
        start(project, ini=INI + "    testmon_datafile = build/ripple.db\n")
        assert (project.path / "build/ripple.db").is_file()
        assert not (project.path / DATAFILE).exists()
        assert project.run("--testmon").ran == []
        project.edit("app/calc.py", *MUL)
        assert project.run("--testmon").ran == ["test_mul"]

    def test_everything_deselected_exits_0(self, project: Project) -> None:
        """Exit status 0 when every test was deselected (plain pytest says 5)."""
        start(project)
        run = project.run("--testmon")
        assert (run.ran, run.ret) == ([], 0)
        run.result.assert_outcomes(deselected=7)
        run = project.run("--testmon", "-k", "add")
        assert (run.ran, run.ret) == ([], 0)

    def test_deleted_tests_are_dropped(self, project: Project) -> None:
        """A deleted test is forgotten: added back, it is a new test."""
        start(project)
        original = (project.path / "tests/unit/test_calc.py").read_text()
        project.edit("tests/unit/test_calc.py", "def test_mul():\n    assert mul(2, 3) == 6\n", "")
        run = project.run("--testmon")
        assert (run.ran, run.ret) == ([], 0)
        run.result.stdout.fnmatch_lines(["testmon: * of 6 tests affected (*)"])
        project.write({"tests/unit/test_calc.py": original})
        dry = project.run("--testmon", "--collect-only", "-v")
        assert collected(dry) == ["test_mul"]
        dry.result.stdout.fnmatch_lines(["*tests/unit/test_calc.py::test_mul*: new test*"])

    def test_deleted_test_file_is_dropped(self, project: Project) -> None:
        """A deleted test file: its tests are forgotten; restored as it was, they are new
        tests and run."""
        start(project)
        original = (project.path / "tests/unit/test_text.py").read_text()
        project.remove("tests/unit/test_text.py")
        run = project.run("--testmon")
        assert (run.ran, run.ret) == ([], 0)
        run.result.assert_outcomes(deselected=5)
        project.write({"tests/unit/test_text.py": original})
        run = project.run("--testmon")
        assert run.ran == ["test_greet", "test_upper"]

    def test_unselected_test_file_is_not_imported(
        self,
        project: Project,
        monkeypatch: pytest.MonkeyPatch,
        tmp_path_factory: pytest.TempPathFactory,
    ) -> None:
        """A test file none of whose tests is selected is not imported at all."""
        log = tmp_path_factory.mktemp("imports") / "log"
        monkeypatch.setenv("IMPORT_LOG", str(log))
        record = (
            "import os\n"
            "with open(os.environ['IMPORT_LOG'], 'a') as _f:\n"
            "    _f.write(__file__.replace(os.sep, '/').rsplit('/', 1)[-1] + '\\n')\n"
        )
        tests = {
            k: record + textwrap.dedent(v).lstrip("\n")
            for k, v in FILES.items()
            if k.startswith("tests/")
        }
        project.write({"pytest.ini": INI, **FILES})
        project.write(tests)

        def imported() -> list[str]:
            names = sorted(log.read_text().split()) if log.exists() else []
            log.unlink(missing_ok=True)
            return names

        assert project.run("--testmon").ran == ALL
        assert imported() == ["test_calc.py", "test_flow.py", "test_text.py"]
        run = project.run("--testmon")
        assert (run.ran, run.ret) == ([], 0)
        assert imported() == []
        project.edit("app/calc.py", *MUL)
        run = project.run("--testmon")
        assert run.ran == ["test_mul"]
        run.result.assert_outcomes(passed=1, deselected=6)
        assert imported() == ["test_calc.py"]
        dry = project.run("--testmon", "--collect-only")
        assert collected(dry) == []
        assert imported() == []

    def test_tests_of_unimported_files_reach_pytest_as_deselected(self, project: Project) -> None:
        """No item is built for the tests of a file that is not imported, yet pytest's
        counts and other plugins' ``pytest_deselected`` see each of them, by node id."""
        plugin = textwrap.dedent(
            """
            import json

            seen = []

            def pytest_deselected(items):
                # what conftest files do with deselected items: read them as nodes
                if items:
                    assert items[0].session.config is not None
                for item in items:
                    item.get_closest_marker("slow")
                    assert all(mark.name for mark in item.iter_markers())
                    assert item.listchain()[-1] is item
                    assert item.name in item.keywords and item.path.name in item.nodeid
                seen.extend(item.nodeid for item in items)

            def pytest_terminal_summary(terminalreporter):
                with open("deselected.json", "w") as f:
                    json.dump(sorted(seen), f)
            """
        )
        project.write({"pytest.ini": INI, **FILES, "conftest.py": plugin})
        first = project.run("--testmon")
        assert first.ran == ALL
        every = sorted(first.nodeids)
        project.edit("app/calc.py", *MUL)
        run = project.run("--testmon")
        assert run.ran == ["test_mul"]
        run.result.stdout.fnmatch_lines(["collected 7 items / 6 deselected / 1 selected"])
        seen = json.loads((project.path / "deselected.json").read_text())
        assert seen == [n for n in every if not n.endswith("::test_mul")]
        run = project.run("--testmon")  # nothing changed since
        assert run.ran == []
        run.result.stdout.fnmatch_lines(["collected 7 items / 7 deselected / 0 selected"])
        assert json.loads((project.path / "deselected.json").read_text()) == every

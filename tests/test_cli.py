"""``pytest-ripple COMMAND`` / ``python -m pytest_ripple COMMAND``: every command, its
``--json``, and bad input (no data file, an unknown test, a damaged file, a file of a
newer schema, bad usage). Exit status: 0 answered, 1 lookup failed, 2 bad usage; a
user's mistake never shows a traceback.

Most run the command in-process (``cli.main``) in the project's directory, as pytest
left it; two run the real console script and ``python -m``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import pytest

from helpers import Project
from pytest_ripple import cli
from pytest_ripple.store import SCHEMA_VERSION

FILES = {
    "pytest.ini": "[pytest]\n",
    "app/__init__.py": "",
    "app/calc.py": """
        RATE = 2


        def add(a, b):
            return a + b


        def scale(x):
            return x * RATE


        class Box:
            def size(self):
                return 1

            def weight(self):
                return 2
    """,
    "tests/test_calc.py": """
        from app.calc import Box, add, scale


        def test_add():
            assert add(2, 3) == 5


        def test_scale():
            assert scale(2) == 4


        def test_box():
            assert Box().size() == 1
    """,
    "tests/sub/test_more.py": """
        from app.calc import add


        def test_more():
            assert add(1, 1) == 2


        def test_box():
            pass
    """,
}


class Cli:
    """``pytest-ripple ...`` in-process: (exit status, stdout, stderr)."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        try:
            code = cli.main(list(args))
        except SystemExit as exc:  # argparse: usage errors and --help
            code = int(exc.code or 0)
        out, err = self.capsys.readouterr()
        assert "Traceback" not in out + err, out + err
        return code, out, err

    def json(self, *args: str) -> dict[str, object]:
        code, out, err = self(*args, "--json")
        assert code == 0, err
        doc: dict[str, object] = json.loads(out)
        return doc


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(capsys)


@pytest.fixture
def recorded(project: Project) -> Project:
    project.write(FILES)
    assert project.run("--testmon").ret == 0
    return project


# -- why -----------------------------------------------------------------------------


class TestWhy:
    def test_a_test_up_to_date(self, recorded: Project, run_cli: Cli) -> None:
        code, out, _ = run_cli("why", "tests/test_calc.py::test_add")
        assert code == 0
        lines = out.splitlines()
        assert lines[0] == "tests/test_calc.py::test_add"
        assert lines[1].startswith("  last run      passed in ")
        assert lines[2] == "  selected now  no: nothing it depends on changed"
        assert "  functions     app/calc.py: add" in lines
        assert all(len(line) <= cli.WIDTH for line in lines)

    def test_an_affected_test_by_the_end_of_its_node_id(
        self, recorded: Project, run_cli: Cli
    ) -> None:
        recorded.edit("app/calc.py", "return a + b", "return b + a")
        doc = run_cli.json("why", "test_add")
        assert doc["nodeid"] == "tests/test_calc.py::test_add"
        assert doc["affected"] == "app/calc.py::add changed"
        assert doc["outcome"] == "passed"
        assert doc["functions"] == {"app/calc.py": ["add"], "tests/test_calc.py": ["test_add"]}
        assert doc["env"] == "default"

    def test_from_a_subdirectory_with_a_relative_node_id(
        self, recorded: Project, run_cli: Cli, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(recorded.path / "tests" / "sub")
        code, out, _ = run_cli("why", "test_more.py::test_more")
        assert (code, out.splitlines()[0]) == (0, "tests/sub/test_more.py::test_more")

    def test_files_read_import_time_code_and_markers(self, project: Project, run_cli: Cli) -> None:
        project.write(
            {
                **FILES,
                "tests/data.json": "[1]\n",
                "tests/test_marks.py": """
                    import importlib
                    import json
                    from pathlib import Path

                    import pytest

                    @pytest.mark.testmon_always
                    @pytest.mark.testmon_depends("schema/*.sql")
                    def test_marked():
                        importlib.import_module("app.late")
                        assert json.loads((Path(__file__).parent / "data.json").read_text())
                """,
                "app/late.py": "VALUE = 1\n",
            }
        )
        project.run("--testmon")
        doc = run_cli.json("why", "test_marked")
        assert doc["files_read"] == ["tests/data.json"]
        assert doc["import_time"] == ["app/late.py"]
        assert doc["markers"] == ['testmon_depends("schema/*.sql")', "testmon_always"]
        assert doc["affected"] == "marked testmon_always"

    def test_an_ambiguous_name_lists_the_candidates(self, recorded: Project, run_cli: Cli) -> None:
        code, out, err = run_cli("why", "test_box")
        assert (code, out) == (1, "")
        assert err.startswith("ERROR: 2 tests match test_box; give one:\n")
        assert "  tests/sub/test_more.py::test_box" in err

    def test_an_unknown_test(self, recorded: Project, run_cli: Cli) -> None:
        code, out, err = run_cli("why", "test_ad")
        assert (code, out) == (1, "")
        assert err.startswith("ERROR: no test test_ad in ")
        assert "; did you mean " in err and " tests/test_calc.py::test_add " in err


# -- affected ------------------------------------------------------------------------


class TestAffected:
    def test_text_json_and_quiet(self, recorded: Project, run_cli: Cli) -> None:
        recorded.edit("app/calc.py", "return a + b", "return b + a")
        recorded.write({"tests/test_new.py": "def test_new():\n    pass\n"})
        code, out, _ = run_cli("affected")
        assert code == 0
        assert out.splitlines() == [
            "tests/sub/test_more.py::test_more",
            "    app/calc.py::add changed",
            "tests/test_calc.py::test_add",
            "    app/calc.py::add changed",
            "tests/test_new.py::test_new",
            "    new test",
            "1 file changed, 3 of 6 tests affected",
        ]
        doc = run_cli.json("affected")
        assert doc["tests"] == {
            "tests/sub/test_more.py::test_more": "app/calc.py::add changed",
            "tests/test_calc.py::test_add": "app/calc.py::add changed",
            "tests/test_new.py::test_new": "new test",
        }
        assert (doc["changed"], doc["collected"], doc["new_data"]) == (["app/calc.py"], 6, False)
        code, out, _ = run_cli("affected", "-q", "tests/sub")
        assert (code, out) == (0, "tests/sub/test_more.py::test_more\n")

    def test_nothing_changed(self, recorded: Project, run_cli: Cli) -> None:
        assert run_cli("affected") == (0, "0 files changed, 0 of 5 tests affected\n", "")

    def test_a_path_that_does_not_exist(self, recorded: Project, run_cli: Cli) -> None:
        code, out, err = run_cli("affected", "tests/nope")
        assert (code, out) == (1, "")
        assert err == "ERROR: file or directory not found: tests/nope\n"

    def test_tests_inherited_by_a_unittest_class_of_any_name(
        self, project: Project, run_cli: Cli
    ) -> None:
        # pytest collects a unittest.TestCase subclass whatever its name, and its
        # tests may come from a mixin: the test file cannot say they are gone
        project.write(
            {
                "app/__init__.py": "",
                "app/calc.py": "def add(a, b):\n    return a + b\n",
                "tests/test_mixed.py": """
                    import unittest

                    from app.calc import add

                    class AddMixin:
                        def test_add(self):
                            self.assertEqual(add(1, 2), 3)

                    class AddingTests(AddMixin, unittest.TestCase):
                        pass
                """,
            }
        )
        assert project.run("--testmon").ran == ["test_add"]
        project.edit("app/calc.py", "return a + b", "return b + a")
        doc = run_cli.json("affected")
        assert list(doc["tests"]) == ["tests/test_mixed.py::AddingTests::test_add"]  # type: ignore[arg-type]
        assert doc["collected"] == 1
        assert project.run("--testmon").ran == ["test_add"]

    def test_writes_nothing(self, recorded: Project, run_cli: Cli) -> None:
        recorded.edit("app/calc.py", "return a + b", "return b + a")
        before = (recorded.path / ".testmondata").read_bytes()
        assert run_cli("affected")[0] == 0
        assert (recorded.path / ".testmondata").read_bytes() == before
        assert recorded.run("--testmon").ran == ["test_add", "test_more"]


# -- tests-for -----------------------------------------------------------------------


class TestTestsFor:
    def test_a_function(self, recorded: Project, run_cli: Cli) -> None:
        code, out, _ = run_cli("tests-for", "app/calc.py::add")
        assert code == 0
        lines = out.splitlines()
        assert lines[0] == "app/calc.py::add: 2 tests ran it"
        assert lines[1].startswith("  passed  ") and lines[1].endswith(
            "s  tests/sub/test_more.py::test_more"
        )
        assert lines[2].endswith("s  tests/test_calc.py::test_add")

    def test_a_file_a_class_and_json(self, recorded: Project, run_cli: Cli) -> None:
        doc = run_cli.json("tests-for", "app/calc.py")
        assert doc["kind"] == "file"
        assert [t["nodeid"] for t in doc["tests"]] == [  # type: ignore[attr-defined]
            "tests/sub/test_more.py::test_more",
            "tests/test_calc.py::test_add",
            "tests/test_calc.py::test_box",
            "tests/test_calc.py::test_scale",
        ]
        doc = run_cli.json("tests-for", "app/calc.py::Box")
        assert [t["nodeid"] for t in doc["tests"]] == ["tests/test_calc.py::test_box"]  # type: ignore[attr-defined]

    def test_a_module_level_name(self, recorded: Project, run_cli: Cli) -> None:
        code, out, _ = run_cli("tests-for", "app/calc.py::RATE")
        assert code == 0
        assert out.splitlines()[0] == "app/calc.py::RATE: 1 test read it"
        assert out.splitlines()[2].strip() == "read by app/calc.py::scale"

    def test_what_no_test_depends_on(self, recorded: Project, run_cli: Cli) -> None:
        code, out, err = run_cli("tests-for", "app/nope.py")
        assert (code, out) == (1, "")
        assert err.startswith("ERROR: no test depends on app/nope.py (it is not in ")
        code, out, err = run_cli("tests-for", "app/calc.py::nope")
        assert (code, out) == (1, "")
        assert err == (
            "ERROR: no test ran or reads app/calc.py::nope; the functions tests ran there: "
            "Box.size, add, scale\n"
        )


# -- stats and gc ----------------------------------------------------------------------


class TestStatsAndGc:
    def test_stats_counts_runs_and_time_saved(self, recorded: Project, run_cli: Cli) -> None:
        recorded.edit("app/calc.py", "return a + b", "return b + a")
        assert recorded.run("--testmon").ran == ["test_add", "test_more"]
        recorded.run("--testmon", "--collect-only")  # a dry run is not a run of the history
        doc = run_cli.json("stats")
        runs = doc["runs"]
        assert isinstance(runs, dict)
        assert (runs["runs"], runs["selected"], runs["deselected"]) == (2, 7, 3)
        assert runs["saved"] > 0
        (env,) = doc["envs"]  # type: ignore[misc]
        assert (env["name"], env["tests"], env["failed"], env["pending"]) == ("default", 5, 0, 0)
        assert len(doc["slowest"]) == 5  # type: ignore[arg-type]
        code, out, _ = run_cli("stats", "--slowest", "2")
        assert code == 0
        lines = out.splitlines()
        assert lines[0].startswith(f"{recorded.path / '.testmondata'}: ")
        assert lines[0].endswith(" 5 tests, 4 files, 5 distinct dependency sets")
        assert lines[3].startswith("runs recorded: 2; 7 tests run, 3 deselected; estimated time")
        assert lines[4].startswith("slowest tests (default cpython")
        assert len(lines) == 7

    def test_gc_forgets_what_no_longer_exists(self, recorded: Project, run_cli: Cli) -> None:
        recorded.write(
            {
                "tests/data.txt": "1\n",
                "tests/test_read.py": """
                    from pathlib import Path

                    def test_read():
                        assert (Path(__file__).parent / "data.txt").read_text() == "1\\n"
                """,
            }
        )
        assert recorded.run("--testmon").ran == ["test_read"]
        recorded.remove("tests/sub/test_more.py")
        recorded.edit("tests/test_calc.py", "def test_box():", "def test_crate():")
        recorded.remove("tests/data.txt")
        code, out, _ = run_cli("gc")
        assert code == 0
        lines = out.splitlines()
        assert lines[0].startswith("forgot 2 files and 3 tests; .testmondata: ")
        assert lines[1:] == ["  tests/data.txt", "  tests/sub/test_more.py"]
        assert run_cli.json("stats")["files"] == 4
        # a test that read a vanished file runs next, as after a run that saw it go
        assert run_cli.json("affected")["tests"] == {
            "tests/test_calc.py::test_crate": "new test",
            "tests/test_read.py::test_read": "tests/data.txt removed (earlier run, not run since)",
        }
        run = recorded.run("--testmon")
        assert (run.ran, run.outcomes["tests/test_read.py::test_read"]) == (
            ["test_crate", "test_read"],
            "failed",
        )
        assert run_cli("gc")[1].startswith("forgot 0 files and 0 tests")


# -- where the data is -----------------------------------------------------------------


class TestDataFileAndEnvironment:
    def test_found_from_a_subdirectory(
        self, recorded: Project, run_cli: Cli, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(recorded.path / "tests" / "sub")
        assert run_cli.json("stats")["datafile"] == str(recorded.path / ".testmondata")

    def test_testmon_datafile_ini_key_variable_and_option(
        self, project: Project, run_cli: Cli, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        project.write({**FILES, "pytest.ini": "[pytest]\ntestmon_datafile = data/ripple.db\n"})
        project.run("--testmon")
        assert run_cli.json("stats")["datafile"] == str(project.path / "data/ripple.db")
        os.rename(project.path / "data/ripple.db", project.path / "other.db")
        monkeypatch.setenv("TESTMON_DATAFILE", "other.db")
        assert run_cli.json("stats")["datafile"] == str(project.path / "other.db")
        monkeypatch.delenv("TESTMON_DATAFILE")
        os.rename(project.path / "other.db", project.path / "third.db")
        assert run_cli.json("stats", "--datafile", "third.db")["datafile"] == str(
            project.path / "third.db"
        )

    def test_a_path_with_uri_characters(
        self, project: Project, run_cli: Cli, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        project.write(FILES)
        odd = project.path / "odd dir #1" / "da?ta%20.db"
        monkeypatch.setenv("TESTMON_DATAFILE", str(odd))
        project.run("--testmon")
        assert run_cli.json("stats")["datafile"] == str(odd)

    def test_environment_from_addopts_the_ini_key_and_the_option(
        self, project: Project, run_cli: Cli
    ) -> None:
        project.write({**FILES, "pytest.ini": "[pytest]\naddopts = --testmon-env pg\n"})
        project.run("--testmon")
        assert run_cli.json("why", "test_add")["env"] == "pg"
        code, _, err = run_cli("why", "test_add", "--testmon-env", "sqlite")
        assert code == 1 and "(environment sqlite, " in err
        project.write({"pytest.ini": "[pytest]\ntestmon_env = pg\n"})
        assert run_cli.json("why", "test_add")["env"] == "pg"


# -- bad input -------------------------------------------------------------------------


class TestBadInput:
    COMMANDS: ClassVar[list[list[str]]] = [
        ["why", "test_add"],
        ["affected"],
        ["tests-for", "app/calc.py"],
        ["stats"],
        ["gc"],
    ]

    @pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
    def test_no_data_file(self, project: Project, run_cli: Cli, args: list[str]) -> None:
        project.write(FILES)
        code, out, err = run_cli(*args)
        assert (code, out) == (1, "")
        assert err == (
            f"ERROR: no data file at {project.path / '.testmondata'}: run pytest --testmon "
            "to make one\n"
        )
        assert not (project.path / ".testmondata").exists()

    @pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
    def test_a_damaged_file_is_left_as_it_is(
        self, project: Project, run_cli: Cli, args: list[str]
    ) -> None:
        project.write(FILES)
        path = project.path / ".testmondata"
        path.write_bytes(b"SQLite format 3\x00" + b"\x17" * 4000)
        code, out, err = run_cli(*args)
        assert (code, out) == (1, "")
        assert err.startswith(f"ERROR: {path} cannot be used: it is damaged (")
        assert path.read_bytes() == b"SQLite format 3\x00" + b"\x17" * 4000

    def test_a_foreign_file_and_a_directory(self, project: Project, run_cli: Cli) -> None:
        path = project.path / ".testmondata"
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE other (x)")
        con.commit()
        con.close()
        code, _, err = run_cli("stats")
        assert code == 1
        assert (
            err == f"ERROR: {path} cannot be used: it was not written by pytest-ripple "
            "(another tool's schema?)\n"
        )
        path.unlink()
        path.mkdir()
        assert run_cli("stats") == (1, "", f"ERROR: {path} is a directory, not a data file\n")

    @pytest.mark.parametrize(
        ("version", "says"),
        [
            (
                SCHEMA_VERSION + 1,
                "was written by a newer pytest-ripple (schema {v}; this one "
                "reads {s}): upgrade pytest-ripple",
            ),
            (
                SCHEMA_VERSION - 1,
                "was written by an older pytest-ripple (schema {v}; this one "
                "reads {s}): the next pytest --testmon run rebuilds it",
            ),
        ],
    )
    def test_another_schema(self, recorded: Project, run_cli: Cli, version: int, says: str) -> None:
        path = recorded.path / ".testmondata"
        con = sqlite3.connect(path)
        con.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(version),))
        con.commit()
        con.close()
        code, out, err = run_cli("why", "test_add")
        assert (code, out) == (1, "")
        assert err == f"ERROR: {path} " + says.format(v=version, s=SCHEMA_VERSION) + "\n"

    def test_a_configuration_file_that_does_not_parse(self, project: Project, run_cli: Cli) -> None:
        project.write({"pytest.ini": "[pytest\n"})
        code, out, err = run_cli("stats")
        assert (code, out) == (1, "")
        assert err.startswith(f"ERROR: {project.path / 'pytest.ini'}: ")

    @pytest.mark.parametrize(
        "args",
        [
            [],
            ["bogus"],
            ["why"],
            ["why", "a", "b"],
            ["affected", "--testmon-env", "bad name"],
            ["stats", "--slowest", "many"],
            ["gc", "--json"],
        ],
    )
    def test_bad_usage_exits_2(self, project: Project, run_cli: Cli, args: list[str]) -> None:
        code, out, err = run_cli(*args)
        assert (code, out) == (2, "")
        assert err.startswith("usage: pytest-ripple")

    @pytest.mark.parametrize("command", ["why", "affected", "tests-for", "stats", "gc"])
    def test_help_of_each_command(self, project: Project, run_cli: Cli, command: str) -> None:
        code, out, _ = run_cli(command, "--help")
        assert code == 0
        assert out.startswith(f"usage: pytest-ripple {command} ")
        assert "--datafile PATH" in out
        assert all(len(line) <= cli.WIDTH for line in out.splitlines())


@pytest.mark.slow
class TestEntryPoints:
    def test_console_script_and_python_m(self, recorded: Project) -> None:
        script = Path(sys.executable).parent / "pytest-ripple"
        env = {k: v for k, v in os.environ.items() if k != "TESTMON_DATAFILE"}
        for cmd in ([str(script)], [sys.executable, "-m", "pytest_ripple"]):
            ok = subprocess.run(
                [*cmd, "affected"], cwd=recorded.path, capture_output=True, text=True, env=env
            )
            assert (ok.returncode, ok.stdout, ok.stderr) == (
                0,
                "0 files changed, 0 of 5 tests affected\n",
                "",
            )
            bad = subprocess.run(
                [*cmd, "why", "nope"], cwd=recorded.path, capture_output=True, text=True, env=env
            )
            assert (bad.returncode, bad.stdout) == (1, "")
            assert bad.stderr.startswith("ERROR: no test nope in ")
            usage = subprocess.run([*cmd], cwd=recorded.path, capture_output=True, text=True)
            assert usage.returncode == 2 and "Traceback" not in usage.stderr

    def test_the_command_line_does_not_import_pytest(self, recorded: Project) -> None:
        """Importing pytest costs more than an answer: the command line never does."""
        code = (
            "import sys; from pytest_ripple import cli; rc = cli.main(['stats']); "
            "assert 'pytest' not in sys.modules and '_pytest' not in sys.modules, "
            "sorted(m for m in sys.modules if 'pytest' in m); sys.exit(rc)"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=recorded.path, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr

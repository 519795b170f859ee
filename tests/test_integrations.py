"""Integration tests: pytest-ripple together with the plugins and tools the usage guide
(``/work/shared/seed/pytest-testmon-usage-guide.md``) uses, and the guide's shell-level
recipes.

- pytest-xdist (``-n 2``, ``--dist loadscope``/``loadfile``), pytest-cov and
  ``coverage run`` (also with ``COVERAGE_CORE=sysmon`` on 3.12+), ``--pdb`` and
  ``--trace`` with stdin closed, tests that take tracing over, ``-x``, ``--maxfail``
  and KeyboardInterrupt;
- unittest suites, doctests, class-based tests, parametrize ids with odd characters,
  ``-p no:cacheprovider``, pytest-timeout, pytest-rerunfailures, hypothesis;
- pytest-asyncio and pytest-randomly, and pytest-testmon installed alongside, each in a
  temporary virtual environment (pytest-asyncio warns at configure time, which this
  suite's ``filterwarnings = error`` would turn into an error; pytest-randomly would
  shuffle this suite itself);
- the guide's Makefile targets, pre-commit hook and VS Code arguments, run as shell
  commands.

Every test drives a small project through several runs with edits in between and
asserts exactly which tests ran. In-process runs use the ``project`` fixture; runs that
need a process of their own go through :class:`Shell`, which learns what ran from a
small reporting plugin (``-p ran_log``) kept outside the project.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import pytest

from helpers import (
    ADD,
    APP,
    BREAK_SUB,
    CLASSIFY,
    FIX_SUB,
    GREET,
    MUL,
    UPPER,
    Executed,
    Project,
    collected,
    defined_tests,
    outcomes_of,
)

ROOT = Path(__file__).resolve().parents[1]  # this repository: installed into venvs
REAL_HOME = os.path.expanduser("~")  # pytester points HOME at its directory later
SYSMON = sys.version_info >= (3, 12)  # the engine pytest-ripple picks (subprocesses)
needs_sysmon = pytest.mark.skipif(not SYSMON, reason="sys.monitoring is new in Python 3.12")
posix_only = pytest.mark.skipif(os.name != "posix", reason="a POSIX shell recipe")

FILES = {
    "pytest.ini": "[pytest]\n",
    **APP,
    "tests/unit/test_calc.py": """
        from app.calc import add, classify, mul, sub


        def test_add():
            assert add(2, 3) == 5


        def test_mul():
            assert mul(2, 3) == 6


        def test_sub():
            assert sub(5, 3) == 2


        def test_neg():
            assert classify(-1) == "negative"


        def test_pos():
            assert classify(1) == "non-negative"
    """,
    "tests/unit/test_text.py": """
        from app.text import greet, upper


        def test_upper():
            assert upper("a") == "A"


        def test_greet():
            assert greet("bob") == "hello bob"
    """,
    "tests/integration/test_flow.py": """
        from app.calc import add
        from app.text import upper


        def test_flow():
            assert upper("x") * add(1, 1) == "XX"


        def test_report():
            assert upper("ok") == "OK"
    """,
}
ALL = [
    "test_add",
    "test_flow",
    "test_greet",
    "test_mul",
    "test_neg",
    "test_pos",
    "test_report",
    "test_sub",
    "test_upper",
]
# Who uses what: add -> test_add, test_flow; mul -> test_mul; sub -> test_sub;
# classify -> test_neg, test_pos; upper -> test_upper, test_flow, test_report;
# greet -> test_greet.

# Reports every test phase of a run (on the xdist controller only) to $RAN_LOG.
RAN_LOG_PLUGIN = """
import json
import os

_worker = False


def pytest_configure(config):
    global _worker
    _worker = hasattr(config, "workerinput")


def pytest_runtest_logreport(report):
    path = os.environ.get("RAN_LOG")
    if path and not _worker:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps([report.nodeid, report.when, report.outcome]) + "\\n")
"""
# Plugins left out of subprocess runs: pytest-randomly (order) and hypothesis (start-up).
QUIET = ("-p", "no:randomly", "-p", "no:hypothesispytest")
# Output that must never appear.
TROUBLE = (
    "database is locked",
    "INTERNALERROR",
    "testmon: could not",
    "RippleWarning",
    "cannot be used",
)


@dataclass
class ShellRun(Executed):
    """What one command did: its exit status, output and the tests that executed."""

    ret: int
    out: str

    def assert_clean(self) -> None:
        for text in TROUBLE:
            assert text not in self.out, self.out


class Shell:
    """Runs commands in the project directory as a person would, in processes of their
    own, with stdin closed. ``python`` on PATH is this interpreter; ``-p ran_log``
    (passed here, or through PYTEST_ADDOPTS for fixed command lines) reports the tests
    that ran."""

    def __init__(self, project: Project, tools: Path) -> None:
        self.project = project
        self.tools = tools
        self.log = tools / "ran.jsonl"
        (tools / "ran_log.py").write_text(RAN_LOG_PLUGIN.lstrip())
        env = {
            k: v
            for k, v in os.environ.items()
            # PYTEST_RIPPLE_CHILDREN: the run reports to the outer test (children.py)
            if k == "PYTEST_RIPPLE_CHILDREN"
            or not k.startswith(("COV_CORE_", "PYTEST_", "COVERAGE_", "TESTMON_"))
        }
        env.update(
            PYTHONPATH=str(tools),
            RAN_LOG=str(self.log),
            PYTHONDONTWRITEBYTECODE="1",
            PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
        )
        self.env = env

    def run(
        self,
        cmd: Sequence[str] | str,
        env: dict[str, str] | None = None,
        timeout: float = 180,
    ) -> ShellRun:
        self.log.unlink(missing_ok=True)
        proc = subprocess.run(
            cmd if isinstance(cmd, str) else list(cmd),
            shell=isinstance(cmd, str),
            cwd=self.project.path,
            env={**self.env, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=timeout,
        )
        reports: list[tuple[str, str, str]] = []
        if self.log.exists():
            for line in self.log.read_text(encoding="utf-8").splitlines():
                nodeid, when, outcome = json.loads(line)
                reports.append((nodeid, when, outcome))
        return ShellRun(outcomes_of(reports), proc.returncode, proc.stdout)

    def pytest(self, *args: str, env: dict[str, str] | None = None) -> ShellRun:
        """``python -m pytest ARGS``, without hypothesis's plugin unless asked for (it
        imports hypothesis: 0.6 s in every process and xdist worker)."""
        off = [] if "hypothesispytest" in args else list(QUIET)
        cmd = [sys.executable, "-m", "pytest", "-p", "ran_log", *off, *args]
        return self.run(cmd, env=env)

    def addopts(self, **extra: str) -> dict[str, str]:
        """Environment for a fixed command line (make, git hooks): the reporter comes in
        through PYTEST_ADDOPTS."""
        return {"PYTEST_ADDOPTS": " ".join(["-p", "ran_log", *QUIET]), **extra}


@pytest.fixture
def shell(project: Project, tmp_path_factory: pytest.TempPathFactory) -> Shell:
    return Shell(project, tmp_path_factory.mktemp("tools"))


def start(project: Project, files: dict[str, str] | None = None) -> None:
    """Write the project and make the baseline run in-process: every test runs."""
    project.write({**FILES, **(files or {})})
    run = project.run("--testmon")
    assert run.ret == 0, run.out
    assert run.ran == sorted(ALL + defined_tests(files or {}))


def would_run(project: Project, *args: str) -> list[str]:
    """Short names of what ``--testmon`` would run now (a dry run, in-process)."""
    run = project.run("--testmon", "--collect-only", *args)
    assert run.ret == 0, run.out
    return collected(run)


def make_venv(where: Path, *requirements: str) -> Path:
    """A new virtual environment (``python -m venv``) with ``requirements`` installed
    (uv's pip when uv is on PATH: much faster; else the venv's pip). Its python."""
    uv = shutil.which("uv")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))}
    env["HOME"] = REAL_HOME  # the download caches
    venv = [sys.executable, "-m", "venv", *(["--without-pip"] if uv else []), str(where)]
    subprocess.run(venv, check=True, env=env, capture_output=True, timeout=300)
    bindir = where / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    install = (
        [uv, "pip", "install", "-q", "-p", str(python), *requirements]
        if uv
        else [str(python), "-m", "pip", "install", "-q", *requirements]
    )
    proc = subprocess.run(install, env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.skip(f"cannot install {' '.join(requirements)} (offline?): {proc.stderr[-400:]}")
    return python


# -- pytest-xdist --------------------------------------------------------------------


@pytest.mark.slow
class TestXdist:
    def test_same_selection_as_without_xdist_and_workers_record(
        self, project: Project, shell: Shell
    ) -> None:
        """`pytest --testmon -n 2`, `--dist loadscope`, `--dist loadfile`: the tests a run
        without xdist would select, no more; dependencies recorded by the workers select
        the right tests in a run without xdist; all deselected exits 0."""
        project.write(FILES)
        run = shell.pytest("--testmon", "-n", "2")
        assert (run.ran, run.ret) == (ALL, 0), run.out
        run.assert_clean()
        run = shell.pytest("--testmon", "-n", "2")
        assert (run.ran, run.ret) == ([], 0), run.out
        run.assert_clean()

        project.edit("app/calc.py", *ADD)  # recorded by the workers only
        assert project.run("--testmon").ran == ["test_add", "test_flow"]

        project.edit("app/text.py", *UPPER)
        expected = ["test_flow", "test_report", "test_upper"]
        assert would_run(project) == expected
        run = shell.pytest("--testmon", "-n", "2", "--dist", "loadscope")
        assert (run.ran, run.ret) == (expected, 0), run.out
        run.assert_clean()

        project.edit("app/calc.py", *MUL)
        project.edit("app/text.py", *GREET)
        assert would_run(project) == ["test_greet", "test_mul"]
        run = shell.pytest("--testmon", "-n", "2", "--dist", "loadfile", "-p", "no:cacheprovider")
        assert (run.ran, run.ret) == (["test_greet", "test_mul"], 0), run.out
        run.assert_clean()
        assert project.run("--testmon").ran == []

    def test_plain_records_select_under_xdist_and_failures_stay(
        self, project: Project, shell: Shell
    ) -> None:
        """Recorded without xdist, selected with it; a test failing on a worker stays
        selected, with or without xdist, until it passes."""
        start(project)
        project.edit("app/calc.py", *BREAK_SUB)
        project.edit("app/calc.py", *MUL)
        run = shell.pytest("--testmon", "-n", "2")
        assert (run.ran, run.failed, run.ret) == (["test_mul", "test_sub"], ["test_sub"], 1)
        run.assert_clean()
        run = shell.pytest("--testmon", "-n", "2")
        assert (run.ran, run.failed, run.ret) == (["test_sub"], ["test_sub"], 1)
        project.edit("app/calc.py", *FIX_SUB)
        run = project.run("--testmon")
        assert (run.ran, run.ret) == (["test_sub"], 0)
        assert project.run("--testmon").ran == []


# -- pytest-cov and coverage.py ------------------------------------------------------


def json_coverage(path: Path) -> dict[str, tuple[list[int], list[list[int]]]]:
    """{file: (executed lines, executed branches)} from a coverage JSON report."""
    doc = json.loads(path.read_text())
    return {
        name: (f["executed_lines"], f.get("executed_branches", []))
        for name, f in doc["files"].items()
    }


def data_coverage(root: Path, data_file: Path) -> dict[str, tuple[list[int], list[Any]]]:
    """{file: (lines, arcs)} from a coverage data file, read with coverage's API."""
    coverage = pytest.importorskip("coverage")
    data = coverage.CoverageData(basename=str(data_file))
    data.read()
    return {
        Path(os.path.relpath(f, root)).as_posix(): (
            sorted(data.lines(f) or []),
            sorted(data.arcs(f) or []),
        )
        for f in data.measured_files()
    }


def contexts(data_file: Path) -> set[str]:
    """The test node ids pytest-cov's ``--cov-context=test`` recorded."""
    coverage = pytest.importorskip("coverage")
    data = coverage.CoverageData(basename=str(data_file))
    data.read()
    return {c.split("|", 1)[0] for c in data.measured_contexts() if c}


@pytest.mark.slow
class TestCoverage:
    @pytest.mark.parametrize("core", ["default", pytest.param("sysmon", marks=needs_sysmon)])
    def test_pytest_cov(self, project: Project, shell: Shell, core: str) -> None:
        """`pytest --testmon --cov=app` (term, html, json reports, --cov-branch,
        --cov-context=test; with -n 2): the selection is the same as without coverage,
        and coverage measures, for the tests that ran, exactly what plain pytest-cov
        measures for those tests."""
        env = {"COVERAGE_CORE": "sysmon"} if core == "sysmon" else {}
        # sys.monitoring measures branches from 3.14 on; coverage falls back before that
        branch = ["--cov-branch"] if core == "default" or sys.version_info >= (3, 14) else []
        project.write(FILES)
        run = shell.pytest("--testmon", "--cov=app", "--cov-report=term", env=env)
        assert (run.ran, run.ret) == (ALL, 0), run.out
        assert "TOTAL" in run.out
        run.assert_clean()
        run = shell.pytest("--testmon", "--cov=app", "--cov-report=term", env=env)
        assert (run.ran, run.ret) == ([], 0), run.out  # coverage's tracer changes nothing

        project.edit("app/calc.py", *CLASSIFY)
        run = shell.pytest(
            "--testmon",
            "--cov=app",
            *branch,
            "--cov-report=html",
            "--cov-report=json:ripple.json",
            "--cov-context=test",
            env=env,
        )
        assert (run.ran, run.ret) == (["test_neg", "test_pos"], 0), run.out
        run.assert_clean()
        assert (project.path / "htmlcov" / "index.html").is_file()
        assert contexts(project.path / ".coverage") == set(run.nodeids)
        ripple = json_coverage(project.path / "ripple.json")
        assert ripple["app/calc.py"][0]  # measured something

        again = shell.pytest("--testmon", "-n", "2", "--cov=app", env=env)
        assert (again.ran, again.ret) == ([], 0), again.out
        again.assert_clean()

        plain = shell.pytest(
            "-p", "no:ripple", *run.nodeids, "--cov=app", *branch,
            "--cov-report=json:plain.json", env=env,
        )  # fmt: skip
        assert (plain.ran, plain.ret) == (run.ran, 0), plain.out
        assert ripple == json_coverage(project.path / "plain.json")

    def test_pytest_cov_and_a_thread_a_test_starts(self, project: Project, shell: Shell) -> None:
        """`pytest --testmon --cov=app` and a test that starts a thread: coverage gives
        each new thread its own trace function at the thread's first call. Everything
        the thread runs is still a dependency: an edit deep in it selects the test."""
        project.write(
            {
                "app/__init__.py": "",
                "app/deep.py": "def rate():\n    return 2\n",
                "app/work.py": (
                    "from app import deep\n\n\ndef price(n):\n    return n * deep.rate()\n"
                ),
                "tests/test_work.py": (
                    "import threading\n\nfrom app.work import price\n\n\n"
                    "def test_in_thread():\n"
                    "    out = []\n"
                    "    t = threading.Thread(target=lambda: out.append(price(3)))\n"
                    "    t.start()\n"
                    "    t.join()\n"
                    "    assert out == [6]\n\n\n"
                    "def test_other():\n"
                    "    assert True\n"
                ),
            }
        )
        run = shell.pytest("--testmon", "--cov=app")
        assert (run.ran, run.ret) == (["test_in_thread", "test_other"], 0), run.out
        run.assert_clean()
        project.edit("app/deep.py", "return 2", "return 3")
        run = shell.pytest("--testmon", "--cov=app")
        assert (run.ran, run.failed, run.ret) == (["test_in_thread"], ["test_in_thread"], 1)
        project.edit("app/deep.py", "return 3", "return 2")
        run = shell.pytest("--testmon", "--cov=app")
        assert (run.ran, run.ret) == (["test_in_thread"], 0), run.out
        assert shell.pytest("--testmon", "--cov=app").ran == []

    def test_coverage_run(self, project: Project, shell: Shell) -> None:
        """`coverage run -m pytest --testmon`: coverage.py traces from the start; the
        selection is right, and the lines and arcs measured equal a plain
        `coverage run -m pytest` of the same tests."""
        pytest.importorskip("coverage")
        cov = [sys.executable, "-m", "coverage", "run", "--branch", "--source=app"]
        pytest_args = ["-m", "pytest", "-p", "ran_log", "-p", "no:randomly"]
        project.write(FILES)
        run = shell.run([*cov, *pytest_args, "--testmon"])
        assert (run.ran, run.ret) == (ALL, 0), run.out
        run.assert_clean()
        project.edit("app/calc.py", *ADD)
        run = shell.run([*cov, "--data-file=.cov-ripple", *pytest_args, "--testmon"])
        assert (run.ran, run.ret) == (["test_add", "test_flow"], 0), run.out
        again = shell.run([*cov, *pytest_args, "--testmon"])
        assert (again.ran, again.ret) == ([], 0), again.out
        plain = shell.run(
            [*cov, "--data-file=.cov-plain", *pytest_args, "-p", "no:ripple", *run.nodeids]
        )
        assert (plain.ran, plain.ret) == (run.ran, 0), plain.out
        ripple = data_coverage(project.path, project.path / ".cov-ripple")
        assert ripple["app/calc.py"][0]
        assert ripple == data_coverage(project.path, project.path / ".cov-plain")


# -- Debuggers and tests that take tracing over --------------------------------------


class TestDebuggers:
    @pytest.mark.slow
    def test_pdb_quit_on_a_failure_keeps_the_rest_selected(
        self, project: Project, shell: Shell
    ) -> None:
        """`pytest --testmon --pdb` with stdin closed: the debugger quits at the first
        failure and the session stops. The failing test and every test that did not run
        are selected next time; the tests that passed are not."""
        project.write(FILES)
        project.edit("app/calc.py", *BREAK_SUB)
        run = shell.pytest("--testmon", "--pdb")
        # tests/integration first, then tests/unit/test_calc.py up to test_sub
        assert run.ran == ["test_add", "test_flow", "test_mul", "test_report", "test_sub"]
        assert run.failed == ["test_sub"]
        assert run.ret == 2  # interrupted
        assert "Quitting debugger" in run.out
        run.assert_clean()
        run = project.run("--testmon")
        assert run.ran == ["test_greet", "test_neg", "test_pos", "test_sub", "test_upper"]
        assert run.failed == ["test_sub"]
        project.edit("app/calc.py", *FIX_SUB)
        assert project.run("--testmon").ran == ["test_sub"]
        assert project.run("--testmon").ran == []

    @pytest.mark.slow
    def test_trace(self, project: Project, shell: Shell) -> None:
        """`pytest --testmon --trace` with stdin closed: pdb stops at each test's first
        line, reads end-of-file and quits that test's debugging, so the test's body never
        runs, yet pytest reports it passed. The debugger decided what ran: the traced
        tests run again next time (under either engine), and an edit selects them."""
        project.write(FILES)
        body = ("def test_upper():\n", "def test_upper():\n    print('body' + ' ran')\n")
        project.edit("tests/unit/test_text.py", *body)
        run = shell.pytest("--testmon", "--trace", "-s", "tests/unit/test_text.py")
        assert (run.ran, run.ret) == (["test_greet", "test_upper"], 0), run.out
        assert "(Pdb)" in run.out
        assert "body ran" not in run.out  # passed without running
        run.assert_clean()
        assert project.run("--testmon").ran == ALL
        project.edit("app/text.py", *UPPER)
        assert project.run("--testmon").ran == ["test_flow", "test_report", "test_upper"]

    @pytest.mark.slow
    def test_tests_that_take_tracing_over_run_again(self, project: Project, shell: Shell) -> None:
        """A test that switches our tracking off (sys.settrace(None) under the
        sys.settrace engine, sys.setprofile(None) under sys.setprofile, its
        sys.monitoring events off under sys.monitoring) is selected on the next run;
        tests that leave it alone are not. (In a child process: in-process, it would
        switch off a session tracking this test too.)"""
        tests = """
            import sys

            from app.calc import add, sub

            # a tracer of this process (coverage.py; the session that runs this one
            # tracks its child processes through sys.settrace)
            with open("traced.txt", "w") as out:
                out.write(str(sys.gettrace() is not None))


            def test_settrace_none():
                sys.settrace(None)
                assert add(1, 1) == 2


            def test_setprofile_none():
                sys.setprofile(None)
                assert add(1, 1) == 2


            def test_monitoring_off():
                mon = getattr(sys, "monitoring", None)
                if mon is not None:
                    for tool in range(6):
                        if mon.get_tool(tool) == "pytest-ripple":
                            mon.set_events(tool, 0)
                assert sub(1, 1) == 0


            def test_quiet():
                assert add(2, 2) == 4
        """
        project.write({**FILES, "tests/test_tracing.py": tests})
        names = ["test_monitoring_off", "test_quiet", "test_setprofile_none", "test_settrace_none"]
        first = shell.pytest("--testmon", "tests/test_tracing.py")
        assert first.ran == names
        engine = first.out.split("select + record, ", 1)[1].split(")", 1)[0]
        # under sys.setprofile, removing a trace function that was in place counts (a
        # debugger could have replaced it)
        traced = (project.path / "traced.txt").read_text() == "True"
        taken_over = {
            "sys.monitoring": ["test_monitoring_off"],
            "sys.setprofile": ["test_setprofile_none", *(["test_settrace_none"] * traced)],
            "sys.settrace": ["test_settrace_none"],
        }[engine]
        assert engine == ("sys.monitoring" if SYSMON else "sys.setprofile")
        for _ in range(2):
            assert shell.pytest("--testmon", "tests/test_tracing.py").ran == taken_over
        project.edit("app/calc.py", *ADD)
        run = shell.pytest("--testmon", "tests/test_tracing.py")
        edited = ["test_quiet", "test_setprofile_none", "test_settrace_none"]
        assert run.ran == sorted({*edited, *taken_over})

    def test_own_trace_function_during_the_test(self, project: Project) -> None:
        """A test that installs its own trace function for a while (and puts the old one
        back): the code it ran meanwhile still counts, so an edit there selects it."""
        tests = """
            import sys

            from app.calc import add, mul


            def test_own_tracer():
                seen = []

                def mine(frame, event, arg):
                    seen.append(frame.f_code.co_name)

                old = sys.gettrace()
                sys.settrace(mine)
                try:
                    value = mul(2, 2)
                finally:
                    sys.settrace(old)
                assert value == 4
                assert "mul" in seen


            def test_plain():
                assert add(1, 2) == 3
        """
        project.write({**FILES, "tests/test_tracing.py": tests})
        run = project.run("--testmon", "tests/test_tracing.py")
        assert run.ran == ["test_own_tracer", "test_plain"]
        project.edit("app/calc.py", *MUL)
        assert project.run("--testmon", "tests/test_tracing.py").ran == ["test_own_tracer"]


# -- -x, --maxfail, KeyboardInterrupt ------------------------------------------------


STOP_TESTS = """
    import os

    from app.calc import add


    def test_before():
        assert add(1, 1) == 2


    def test_interrupt():
        assert add(0, 0) == 0
        if os.environ.get("STOP_HERE"):
            raise KeyboardInterrupt


    def test_after():
        assert add(2, 2) == 4
"""


class TestStopping:
    def test_x_keeps_a_new_test_it_did_not_reach(self, project: Project) -> None:
        """`pytest --testmon -x` stops at the first failure; a test added meanwhile to a
        file it did not reach runs on the next run."""
        start(project)
        with open(project.path / "tests/unit/test_text.py", "a") as f:
            f.write("\n\ndef test_zz_new():\n    assert greet('x') == 'hello x'\n")
        project.edit("app/calc.py", *BREAK_SUB)
        run = project.run("--testmon", "-x")
        assert (run.ran, run.ret) == (["test_sub"], 1)
        run = project.run("--testmon")
        assert run.ran == ["test_sub", "test_zz_new"]
        assert run.failed == ["test_sub"]

    def test_maxfail_keeps_the_rest_selected(self, project: Project) -> None:
        """`--maxfail=1`, then `--maxfail=2`: affected tests that did not run stay
        selected until they run."""
        start(project)
        project.edit("app/text.py", "return s.upper()", "return s.lower()")
        run = project.run("--testmon", "--maxfail=1")
        assert (run.ran, run.ret) == (["test_flow"], 1)
        run = project.run("--testmon", "--maxfail=2")
        assert (run.ran, run.failed) == (["test_flow", "test_report"],) * 2
        project.edit("app/text.py", "return s.lower()", "return s.upper()")
        run = project.run("--testmon", "--maxfail=1")
        assert (run.ran, run.ret) == (["test_flow", "test_report", "test_upper"], 0)
        assert project.run("--testmon").ran == []

    def test_keyboard_interrupt_keeps_finished_results(
        self, project: Project, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A KeyboardInterrupt raised in a test stops the run: the tests that finished
        keep their results, the interrupted one and those after it run next time."""
        start(project, {"tests/unit/test_stop.py": STOP_TESTS})
        project.edit("app/calc.py", *ADD)
        monkeypatch.setenv("STOP_HERE", "1")
        run = project.run("--testmon", no_reraise_ctrlc=True)
        assert run.ret == pytest.ExitCode.INTERRUPTED
        assert run.ran == ["test_add", "test_before", "test_flow", "test_interrupt"]
        monkeypatch.delenv("STOP_HERE")
        assert project.run("--testmon").ran == ["test_after", "test_interrupt"]
        assert project.run("--testmon").ran == []

    def test_keyboard_interrupt_on_the_first_run(
        self, project: Project, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The same on the very first run: the tests never reached, in the interrupted
        file and in the files after it, run next time."""
        project.write({**FILES, "tests/unit/test_stop.py": STOP_TESTS})
        monkeypatch.setenv("STOP_HERE", "1")
        run = project.run("--testmon", no_reraise_ctrlc=True)
        assert run.ret == pytest.ExitCode.INTERRUPTED
        done = ["test_add", "test_flow", "test_mul", "test_neg", "test_pos", "test_report"]
        assert run.ran == sorted([*done, "test_sub", "test_before", "test_interrupt"])
        monkeypatch.delenv("STOP_HERE")
        run = project.run("--testmon")
        assert run.ran == ["test_after", "test_greet", "test_interrupt", "test_upper"]
        assert project.run("--testmon").ran == []


# -- Kinds of tests ------------------------------------------------------------------


class TestKindsOfTests:
    def test_unittest_setupclass_and_classes(self, project: Project) -> None:
        """unittest.TestCase with setUpClass (run once, for the first test) and pytest
        classes with setup_method and class attributes."""
        files = {
            "app/db.py": """
                def connect():
                    return {"open": True}


                def query(conn, q):
                    return q.upper()
            """,
            "tests/test_db.py": """
                import unittest

                from app.db import connect, query


                class DbTest(unittest.TestCase):
                    @classmethod
                    def setUpClass(cls):
                        cls.conn = connect()

                    def setUp(self):
                        self.table = "t"

                    def test_query(self):
                        self.assertEqual(query(self.conn, "a"), "A")

                    def test_conn(self):
                        self.assertTrue(self.conn["open"])


                class PlainTest(unittest.TestCase):
                    def test_plain(self):
                        self.assertEqual(len("ab"), 2)
            """,
            "tests/test_classes.py": """
                from app.db import connect, query


                class TestWithSetup:
                    def setup_method(self):
                        self.conn = connect()

                    def test_one(self):
                        assert self.conn["open"]

                    def test_two(self):
                        assert query(self.conn, "b") == "B"


                class TestPlain:
                    value = 3

                    def test_value(self):
                        assert self.value == 3
            """,
        }
        project.write({"pytest.ini": "[pytest]\n", "app/__init__.py": "", **files})
        everything = ["test_conn", "test_one", "test_plain", "test_query", "test_two"]
        assert project.run("--testmon").ran == [*everything, "test_value"]
        assert project.run("--testmon").ran == []
        project.edit("app/db.py", 'return {"open": True}', "return dict(open=True)")
        assert project.run("--testmon").ran == ["test_conn", "test_one", "test_query", "test_two"]
        project.edit("tests/test_db.py", "cls.conn = connect()", "cls.conn = dict(connect())")
        assert project.run("--testmon").ran == ["test_conn", "test_query"]
        project.edit("tests/test_db.py", 'self.table = "t"', 'self.table = "u"')
        assert project.run("--testmon").ran == ["test_conn", "test_query"]
        project.edit("tests/test_classes.py", "value = 3", "value = 1 + 2")
        assert project.run("--testmon").ran == ["test_value"]
        project.edit("app/db.py", "return q.upper()", "return str.upper(q)")
        assert project.run("--testmon").ran == ["test_query", "test_two"]
        assert project.run("--testmon").ran == []

    def test_doctests_depend_on_their_docstrings(self, project: Project) -> None:
        """`--doctest-modules` and a doctest text file: editing a docstring's example
        (or the text file) selects that doctest, also when the example calls nothing of
        the module, and for a module's own docstring; a function's body edit selects its
        doctest and its tests, not the module's."""
        files = {
            "pytest.ini": "[pytest]\naddopts = --doctest-modules\n",
            "app/__init__.py": "",
            "app/about.py": '''
                """About this package.

                >>> 1 + 1
                2
                """

                VERSION = "1.0"
            ''',
            "app/fmt.py": '''
                def shout(s):
                    """Shout.

                    >>> shout("hi")
                    'HI!'
                    """
                    return s.upper() + "!"


                def answer():
                    """The answer.

                    >>> 6 * 7
                    42
                    """
                    return 42


                def whisper(s):
                    """Whisper.

                    >>> whisper("HI")
                    'hi'
                    """
                    return s.lower()
            ''',
            "tests/test_fmt.py": """
                from app.fmt import whisper


                def test_whisper():
                    assert whisper("A") == "a"
            """,
            "tests/test_usage.txt": """
                >>> from app.fmt import shout
                >>> shout("a")
                'A!'
            """,
        }
        project.write(files)
        module = "app/about.py::app.about"
        shout = "app/fmt.py::app.fmt.shout"
        answer = "app/fmt.py::app.fmt.answer"
        whisper = "app/fmt.py::app.fmt.whisper"
        text = "tests/test_usage.txt::test_usage.txt"
        run = project.run("--testmon")
        assert run.nodeids == [
            module,
            answer,
            shout,
            whisper,
            "tests/test_fmt.py::test_whisper",
            text,
        ]
        assert project.run("--testmon").ran == []
        project.edit("app/fmt.py", ">>> shout(\"hi\")\n    'HI!'", ">>> shout(\"ho\")\n    'HO!'")
        # the text file's example calls shout() too, and a docstring is part of its code
        assert project.run("--testmon").nodeids == [shout, text]
        project.edit("app/fmt.py", "return s.lower()", "return str.lower(s)")
        assert project.run("--testmon").nodeids == [whisper, "tests/test_fmt.py::test_whisper"]
        # examples that call nothing of the module, now failing: they must run
        project.edit("app/fmt.py", ">>> 6 * 7", ">>> 6 * 8")
        project.edit("app/about.py", ">>> 1 + 1", ">>> 1 + 2")
        run = project.run("--testmon")
        assert (run.nodeids, run.ret) == ([module, answer], 1)
        project.edit("tests/test_usage.txt", "'A!'", "'A?'")
        run = project.run("--testmon")
        assert run.nodeids == [module, answer, text]
        assert run.failed == ["app.about", "app.fmt.answer", "test_usage.txt"]

    def test_parametrize_ids_with_odd_characters(self, project: Project) -> None:
        """Parametrized ids with spaces, unicode, brackets, "::", slashes, quotes and
        backslashes (unescaped, as the ini allows), in functions and classes, with
        `-p no:cacheprovider`; the unaffected file is collected from stored ids."""
        ini = (
            "[pytest]\n"
            "disable_test_id_escaping_and_forfeit_all_rights_to_community_support = true\n"
        )
        tests = """
            import pytest

            from app.calc import add, mul


            @pytest.mark.parametrize("a", [1, 2], ids=["with space", "ünïcødé 🐍"])
            def test_add_ids(a):
                assert add(a, 0) == a


            @pytest.mark.parametrize(
                "s", ["[brackets]", "a::b", "x/y.py", "tab\\tquote'\\"", "back\\\\slash"]
            )
            def test_mul_ids(s):
                assert mul(s, 1) == s


            class TestGroup:
                @pytest.mark.parametrize(
                    "n", [pytest.param(1, id="one [1]"), pytest.param(2, id="two::2")]
                )
                def test_in_class(self, n):
                    assert add(n, n) == 2 * n
        """
        project.write({**FILES, "pytest.ini": ini, "tests/test_ids.py": tests})
        off = ("-p", "no:cacheprovider")
        plain = project.run("--no-testmon", *off, "tests/test_ids.py")
        ids = plain.nodeids
        assert len(ids) == 9
        assert "tests/test_ids.py::test_mul_ids[a::b]" in ids
        assert "tests/test_ids.py::test_add_ids[ünïcødé 🐍]" in ids
        assert "tests/test_ids.py::TestGroup::test_in_class[two::2]" in ids
        add_ids = [n for n in ids if "::test_add_ids[" in n or "::test_in_class[" in n]
        mul_ids = [n for n in ids if "::test_mul_ids[" in n]

        def ran(*args: str) -> list[str]:
            run = project.run("--testmon", *off, *args, "tests/test_ids.py")
            return [n for n in run.nodeids if n.startswith("tests/test_ids.py")]

        assert ran() == ids
        run = project.run("--testmon", *off, "tests/test_ids.py")
        assert run.ran == []
        run.result.assert_outcomes(deselected=9)  # stand-ins for the stored ids
        project.edit("app/calc.py", *ADD)
        assert ran() == add_ids
        project.edit("app/calc.py", "return a * b", "return (a * b).replace('::', ':')")
        odd = "tests/test_ids.py::test_mul_ids[a::b]"
        assert ran() == mul_ids
        assert ran() == [odd]  # the failed one, by its id
        dry = project.run("--testmon", *off, "--collect-only", "-v", "tests/test_ids.py")
        assert f"  {odd}: failed last time" in dry.result.stdout.lines
        project.edit("app/calc.py", "return (a * b).replace('::', ':')", "return a * b")
        assert ran() == mul_ids
        assert ran() == []


# -- pytest-timeout, pytest-rerunfailures, hypothesis ---------------------------------


WAIT_TESTS = """
    import os
    import time

    from app.calc import add


    def test_slow_first():
        if os.environ.get("HANG"):
            time.sleep(1.1)  # past pytest-ripple's one-second write interval
        assert add(1, 0) == 1


    def test_wait():
        if os.environ.get("HANG"):
            time.sleep(30)
        assert add(0, 0) == 0
"""


class TestPlugins:
    @pytest.mark.slow
    def test_pytest_timeout(
        self, project: Project, shell: Shell, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """pytest-timeout: `--timeout-method=thread` kills the whole process at a hung
        test: what was written stays, and the hung test runs next time.
        `--timeout` (signal method): the timed-out test failed and stays selected."""
        pytest.importorskip("pytest_timeout")
        start(project, {"tests/unit/test_wait.py": WAIT_TESTS})
        project.edit("app/calc.py", *ADD)
        run = shell.pytest("--testmon", "--timeout=2", "--timeout-method=thread", env={"HANG": "1"})
        assert run.ret != 0
        assert "Timeout" in run.out
        assert run.ran == ["test_add", "test_flow", "test_slow_first", "test_wait"]
        assert project.run("--testmon").ran == ["test_wait"]
        monkeypatch.setenv("HANG", "1")
        project.edit("app/calc.py", *ADD[::-1])
        run = project.run("--testmon", "--timeout=0.5", "tests/unit/test_wait.py::test_wait")
        assert (run.ran, run.failed, run.ret) == (["test_wait"], ["test_wait"], 1)
        assert "Timeout" in run.out
        monkeypatch.delenv("HANG")
        assert project.run("--testmon").ran == [
            "test_add",
            "test_flow",
            "test_slow_first",
            "test_wait",
        ]
        assert project.run("--testmon").ran == []

    def test_pytest_rerunfailures(self, project: Project) -> None:
        """pytest-rerunfailures `--reruns 1`: a test that passed on its rerun is done; one
        that failed every time stays selected; what every attempt ran counts, so an edit
        to code only the first attempt ran selects the test."""
        pytest.importorskip("pytest_rerunfailures")
        files = {
            "pytest.ini": "[pytest]\n",
            "app/__init__.py": "",
            "app/calc.py": FILES["app/calc.py"],
            "app/cache.py": """
                CACHE = {}


                def warm():
                    CACHE["x"] = 1
            """,
            "tests/test_flaky.py": """
                from app import cache
                from app.calc import add

                ATTEMPTS = []


                def test_flaky():
                    ATTEMPTS.append(1)
                    if len(ATTEMPTS) == 1:
                        cache.warm()
                        raise AssertionError("cold start")
                    assert cache.CACHE["x"] == 1


                def test_always_fails():
                    assert add(1, 1) == 3


                def test_steady():
                    assert add(1, 1) == 2
            """,
        }
        project.write(files)
        run = project.run("--testmon", "--reruns", "1")
        assert run.ran == ["test_always_fails", "test_flaky", "test_steady"]
        assert (run.failed, run.ret) == (["test_always_fails"], 1)
        assert run.result.parseoutcomes()["rerun"] == 2
        run = project.run("--testmon", "--reruns", "1")
        assert (run.ran, run.failed) == (["test_always_fails"], ["test_always_fails"])
        project.edit("app/cache.py", 'CACHE["x"] = 1', 'CACHE["x"] = 2')  # now always fails
        run = project.run("--testmon", "--reruns", "1")
        assert run.ran == ["test_always_fails", "test_flaky"]
        assert run.failed == ["test_always_fails", "test_flaky"]

    @pytest.mark.slow
    def test_hypothesis(self, project: Project, shell: Shell) -> None:
        """hypothesis @given tests (in a process of their own: hypothesis keeps its example
        database relative to the directory it was imported in): selected by the code
        they ran; a fixed failure runs once, then not again."""
        pytest.importorskip("hypothesis")
        tests = """
            from hypothesis import given
            from hypothesis import strategies as st

            from app.calc import add, mul


            @given(st.integers(), st.integers())
            def test_add_commutes(a, b):
                assert add(a, b) == add(b, a)


            @given(st.integers())
            def test_mul_one(a):
                assert mul(a, 1) == a
        """
        project.write({**FILES, "tests/test_props.py": tests})
        project.edit("app/calc.py", "return a * b", "return a * b + (a > 100)")
        props = ("-p", "hypothesispytest", "--testmon", "tests/test_props.py")
        run = shell.pytest(*props)
        assert run.ran == ["test_add_commutes", "test_mul_one"], run.out
        assert run.failed == ["test_mul_one"], run.out
        assert "a=101" in run.out  # the failing example, shrunk
        # Some hypothesis versions read the source of the project's modules for constants
        # to try (a data read: the whole file counts), so test_add_commutes may run too.
        both = {"test_add_commutes", "test_mul_one"}
        project.edit("app/calc.py", "return a * b + (a > 100)", "return a * b")
        run = shell.pytest(*props)
        assert "test_mul_one" in run.ran and set(run.ran) <= both, run.out
        assert run.ret == 0, run.out
        run = shell.pytest(*props)  # a fixed failure is done: nothing left to run
        assert (run.ran, run.ret) == ([], 0), run.out


# -- Temporary environments: pytest-asyncio + pytest-randomly; pytest-testmon ---------


@pytest.mark.slow
class TestOtherEnvironments:
    def test_pytest_asyncio_randomly_and_sugar(
        self,
        project: Project,
        shell: Shell,
        tmp_path_factory: pytest.TempPathFactory,
    ) -> None:
        """In a venv with pytest-asyncio, pytest-randomly (random order, a new seed
        each run) and pytest-sugar (its own terminal reporter): async tests and async
        fixtures are selected by the coroutines they ran, also code run in a worker
        thread by asyncio.to_thread."""
        python = make_venv(
            tmp_path_factory.mktemp("venv") / "aio",
            "pytest",
            "pytest-asyncio",
            "pytest-randomly",
            "pytest-sugar",
            "-e",
            str(ROOT),
        )
        files = {
            "pytest.ini": "[pytest]\nasyncio_default_fixture_loop_scope = function\n",
            "app/aio.py": """
                import asyncio


                async def fetch(x):
                    await asyncio.sleep(0)
                    return x * 2


                def blocking(x):
                    return x + 1


                async def in_thread(x):
                    return await asyncio.to_thread(blocking, x)
            """,
            "tests/test_aio.py": """
                import pytest
                import pytest_asyncio

                from app.aio import fetch, in_thread


                @pytest_asyncio.fixture
                async def base():
                    return await fetch(1)


                @pytest.mark.asyncio
                async def test_fetch(base):
                    assert base == 2
                    assert await fetch(2) == 4


                @pytest.mark.asyncio
                async def test_thread():
                    assert await in_thread(1) == 2
            """,
        }
        project.write({**FILES, **files})
        everything = sorted([*ALL, "test_fetch", "test_thread"])

        def run(seed: int) -> ShellRun:
            cmd = [str(python), "-m", "pytest", "-p", "ran_log", "--testmon"]
            result = shell.run([*cmd, f"--randomly-seed={seed}"])
            assert f"--randomly-seed={seed}" in result.out
            assert "sugar-" in result.out  # its reporter is the one in use
            assert "testmon: " in result.out  # our header line, under it
            result.assert_clean()
            return result

        result = run(1)
        assert (result.ran, result.ret) == (everything, 0), result.out
        assert run(2).ran == []
        project.edit("app/aio.py", "return x * 2", "return 2 * x")
        project.edit("app/calc.py", *ADD)
        assert run(3).ran == ["test_add", "test_fetch", "test_flow"]
        project.edit("app/aio.py", "return x + 1", "return 1 + x")  # runs in a thread
        assert run(4).ran == ["test_thread"]

    @pytest.mark.skipif(sys.version_info < (3, 10), reason="pytest-testmon 2.2.0 needs 3.10+")
    def test_pytest_testmon_installed_too(
        self,
        project: Project,
        shell: Shell,
        tmp_path_factory: pytest.TempPathFactory,
    ) -> None:
        """pytest-testmon 2.2.0 installed next to pytest-ripple: every run stops with one
        clear message saying to uninstall one (exit 4, no traceback); the way out it
        names (`-p no:pytest-testmon`) works."""
        python = make_venv(
            tmp_path_factory.mktemp("venv") / "both",
            "pytest",
            "pytest-testmon==2.2.0",
            "-e",
            str(ROOT),
        )
        project.write(FILES)
        for args in (["--testmon"], [], ["--no-testmon"]):
            result = shell.run([str(python), "-m", "pytest", "-p", "ran_log", *args])
            assert (result.ran, result.ret) == ([], pytest.ExitCode.USAGE_ERROR), result.out
            lines = [line for line in result.out.splitlines() if line.strip()]
            assert len(lines) == 1, result.out
            assert "pytest-testmon" in lines[0]
            assert "uninstall one" in lines[0]
            assert "Traceback" not in result.out
        cmd = [str(python), "-m", "pytest", "-p", "ran_log", "-p", "no:pytest-testmon"]
        result = shell.run([*cmd, "--testmon"])
        assert (result.ran, result.ret) == (ALL, 0), result.out
        assert "testmon: building new data, 9 of 9 tests affected" in result.out
        project.edit("app/calc.py", *MUL)
        assert shell.run([*cmd, "--testmon"]).ran == ["test_mul"]


# -- The guide's shell recipes -------------------------------------------------------


GUIDE_MAKEFILE = """\
# Makefile

.PHONY: test-quick test-full test-unit test-integration

# Quick feedback loop
test-quick:
\tuv run pytest --testmon -x -n auto

# Full test suite
test-full:
\tuv run pytest --no-testmon --cov

# Category-specific
test-unit:
\tuv run pytest tests/unit/ --testmon -n auto

test-integration:
\tuv run pytest tests/integration/ --testmon

test-e2e:
\tuv run pytest tests/e2e/ --testmon

# Rebuild testmon cache
test-rebuild:
\trm -f .testmondata
\tuv run pytest --testmon

# Watch mode (requires pytest-watch)
test-watch:
\tuv run ptw -- --testmon -x
"""

GUIDE_PRE_COMMIT = """\
#!/bin/bash

echo "🧪 Running affected tests..."
uv run pytest --testmon -x -q

if [ $? -ne 0 ]; then
    echo "❌ Tests failed. Fix before committing."
    exit 1
fi

echo "✅ All affected tests passed!"
"""

GUIDE_VSCODE = """\
// .vscode/settings.json
{
  "python.testing.pytestEnabled": true,
  "python.testing.pytestArgs": [
    "--testmon",
    "-v",
    "tests"
  ],
  "python.testing.autoTestDiscoverOnSaveEnabled": true
}
"""


def local(recipe: str) -> str:
    """A guide recipe with `uv run pytest` as `python -m pytest` (this environment)."""
    return recipe.replace("uv run pytest", "python -m pytest")


@posix_only
@pytest.mark.slow
class TestShellRecipes:
    @pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
    def test_makefile_targets(self, project: Project, shell: Shell) -> None:
        """`make test-rebuild`, `test-unit` (-n auto), `test-integration`, `test-quick`
        (-x -n auto), `test-full` (--no-testmon --cov)."""
        project.write({**FILES, "Makefile": local(GUIDE_MAKEFILE)})
        env = shell.addopts()

        def make(target: str) -> ShellRun:
            result = shell.run(["make", "--no-print-directory", target], env=env)
            result.assert_clean()
            return result

        run = make("test-rebuild")
        assert (run.ran, run.ret) == (ALL, 0), run.out
        project.edit("app/calc.py", *ADD)
        project.edit("app/calc.py", *BREAK_SUB)
        run = make("test-unit")
        assert (run.ran, run.failed) == (["test_add", "test_sub"], ["test_sub"]), run.out
        assert run.ret != 0  # make reports the failed recipe
        run = make("test-integration")
        assert (run.ran, run.ret) == (["test_flow"], 0), run.out
        project.edit("app/calc.py", *FIX_SUB)
        run = make("test-quick")
        assert (run.ran, run.ret) == (["test_sub"], 0), run.out
        before = (project.path / ".testmondata").read_bytes()
        run = make("test-full")
        assert (run.ran, run.ret) == (ALL, 0), run.out
        assert "TOTAL" in run.out
        assert (project.path / ".testmondata").read_bytes() == before
        run = make("test-rebuild")
        assert (run.ran, run.ret) == (ALL, 0), run.out

    @pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
    def test_pre_commit_hook(self, project: Project, shell: Shell) -> None:
        """The guide's .git/hooks/pre-commit: a commit runs the affected tests; a failing
        one blocks the commit; with nothing affected (exit 0) the commit goes through."""
        project.write({**FILES, ".gitignore": ".testmondata*\n__pycache__/\n.pytest_cache/\n"})
        ident = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
        ident |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
        env = shell.addopts(GIT_CONFIG_NOSYSTEM="1", **ident)
        assert shell.run(["git", "init", "-q"], env=env).ret == 0
        hook = project.path / ".git" / "hooks" / "pre-commit"
        hook.write_text(local(GUIDE_PRE_COMMIT))
        hook.chmod(0o755)

        def commit(message: str) -> ShellRun:
            assert shell.run(["git", "add", "-A"], env=env).ret == 0
            return shell.run(["git", "commit", "-q", "-m", message], env=env)

        def commits() -> int:
            log = shell.run(["git", "rev-list", "--count", "--all"], env=env)
            return int(log.out.strip() or 0) if log.ret == 0 else 0

        run = commit("first")
        assert (run.ran, run.ret) == (ALL, 0), run.out
        assert "All affected tests passed!" in run.out
        project.edit("app/calc.py", *BREAK_SUB)
        run = commit("break sub")
        assert (run.ran, run.failed, run.ret) == (["test_sub"], ["test_sub"], 1), run.out
        assert "Tests failed. Fix before committing." in run.out
        assert commits() == 1
        project.edit("app/calc.py", *FIX_SUB)
        project.edit("app/text.py", "def upper(s):", "def upper(s):  # comment only")
        run = commit("fix sub")
        assert (run.ran, run.ret) == (["test_sub"], 0), run.out
        assert commits() == 2
        project.edit("app/text.py", "  # comment only", "")
        run = commit("tidy")
        assert (run.ran, run.ret) == ([], 0), run.out
        assert commits() == 3

    def test_vscode_pytest_args(self, project: Project, shell: Shell) -> None:
        """VS Code with the guide's settings: discovery (`--collect-only` + pytestArgs)
        writes nothing and lists what would run; running (pytestArgs) runs it."""
        settings_text = "\n".join(
            line for line in GUIDE_VSCODE.splitlines() if not line.startswith("//")
        )
        project.write({**FILES, ".vscode/settings.json": settings_text})
        settings = json.loads((project.path / ".vscode/settings.json").read_text())
        args: list[str] = settings["python.testing.pytestArgs"]
        assert args == ["--testmon", "-v", "tests"]

        discover = shell.pytest("--collect-only", *args)
        assert discover.ret == 0, discover.out
        assert "9 tests collected" in discover.out
        assert not (project.path / ".testmondata").exists()
        run = shell.pytest(*args)
        assert (run.ran, run.ret) == (ALL, 0), run.out
        assert "tests/unit/test_text.py::test_greet PASSED" in run.out
        project.edit("app/text.py", *GREET)  # saved: discovery runs again
        discover = shell.pytest("--collect-only", *args)
        assert "tests/unit/test_text.py::test_greet: app/text.py::greet changed" in discover.out
        assert "1/9 tests collected (8 deselected)" in discover.out
        run = shell.pytest(*args)
        assert (run.ran, run.ret) == (["test_greet"], 0), run.out
        assert "tests/unit/test_text.py::test_greet PASSED" in run.out

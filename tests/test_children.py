"""Python child processes: what they run and read belongs to the test that started them.

Unit tests of the report format (``child.py``) and of the parent's merge
(``children.py``), then end-to-end runs over scratch projects: record, edit, run again,
and check exactly which tests ran. Runs whose tests use multiprocessing go through a
subprocess (``pytest_run``): a forkserver is one per process, and pytester's in-process
runs would share the first one between scratch projects.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import Project
from pytest_ripple import child
from pytest_ripple.children import Children, ChildTrace, Report

pytestmark = pytest.mark.slow

FORK = hasattr(os, "fork")
# plugins a scratch run in a subprocess does not need (hypothesis: 0.6 s per start)
OFF = ("-p", "no:randomly", "-p", "no:hypothesispytest", "-p", "no:cov", "-p", "no:rerunfailures")


# -- child.py: the format -------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["plain", "tab\there", "new\nline", "back\\slash", "\\t literally", "ünï"]
)
def test_fields_escape_and_come_back(text: str) -> None:
    data = child.escape(text)
    assert b"\t" not in data and b"\n" not in data
    assert child.unescape(data) == text


def test_targets_round_trip() -> None:
    targets = [("1a", "/tmp/ripple-children-x"), ("-", "/tmp/with+plus")]
    assert child.parse_targets(child.format_targets(targets)) == targets
    assert child.parse_targets("") == []
    assert child.parse_targets("nokey") == []


@pytest.mark.parametrize(
    ("event", "args", "python"),
    [
        ("subprocess.Popen", (sys.executable, [sys.executable, "-c", "pass"], None, None), True),
        ("subprocess.Popen", (None, ["python3", "-m", "pkg"], None, None), True),
        (
            "subprocess.Popen",
            ("/bin/sh", ["/bin/sh", "-c", "cd x && python -m a"], None, None),
            True,
        ),
        ("subprocess.Popen", (None, ["git", "status"], None, None), False),
        ("subprocess.Popen", ("/bin/sh", ["/bin/sh", "-c", "ls -l"], None, None), False),
        ("os.system", ("pytest -q",), True),
        ("os.system", ("true",), False),
        ("os.exec", (sys.executable, [sys.executable, "x.py"], {}), True),
        ("os.posix_spawn", ("/bin/ls", ["ls"], {}), False),
        ("os.spawn", (os.P_WAIT, sys.executable, [sys.executable, "-V"], {}), True),
    ],
)
def test_which_spawns_look_like_python(event: str, args: tuple, python: bool) -> None:
    assert (child.python_command(event, args) is not None) is python


def test_one_child_of_popen_and_posix_spawn_counts_once() -> None:
    """3.13's subprocess raises ``subprocess.Popen``, then ``os.posix_spawn`` for the
    same child; every listener sees both."""
    popen = ("subprocess.Popen", (sys.executable, [sys.executable, "-c", "pass"], None, None))
    spawn = ("os.posix_spawn", (sys.executable, [sys.executable, "-c", "pass"], {}))
    other = ("os.posix_spawn", (sys.executable, [sys.executable, "-V"], {}))
    first, second = child.SpawnEvents(), child.SpawnEvents()
    for events in (first, second):
        seen = [events.new_child(*e) for e in (popen, spawn, spawn, popen, popen, other)]
        assert [c is not None for c in seen] == [True, False, True, True, True, True]


def test_a_console_script_is_python_by_its_shebang(tmp_path: Path) -> None:
    script = tmp_path / "mytool"
    script.write_text(f"#!{sys.executable}\nprint(1)\n")
    binary = tmp_path / "native"
    binary.write_bytes(b"\x7fELF\x02\x01\x01")
    assert child.python_command("subprocess.Popen", (None, [str(script)], None, None))
    assert not child.python_command("subprocess.Popen", (None, [str(binary)], None, None))


def _session(tmp_path: Path, root: Path, key: str = "7") -> tuple[Path, dict[str, str]]:
    directory = tmp_path / "reports"
    directory.mkdir()
    (directory / child.SESSION_FILE).write_text(f"{root}{os.sep}\n")
    return directory, {**os.environ, child.ENV: _before(key, str(directory))}


def _before(key: str, directory: str) -> str:
    """The variable naming this session in front of the one this process got (when
    our own suite runs under --testmon, its children report to the running test)."""
    outer = os.environ.get(child.ENV)
    return child.format_targets([(key, directory)]) + (os.pathsep + outer if outer else "")


def test_a_child_reports_code_reads_and_spawns_as_it_runs(tmp_path: Path) -> None:
    """The report of a real interpreter start (the .pth file), left by os._exit: its
    header, the code it ran under the root (a thread's too), the file it read, the
    Python child it started (which reports as well); nothing from outside the root."""
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text(
        "def f():\n    return open('data.txt').read()\n\ndef unused():\n    pass\n\n"
        "def in_thread():\n    pass\n"
    )
    (root / "data.txt").write_text("x")
    directory, env = _session(tmp_path, root)
    env["PYTHONPATH"] = str(root)
    code = (
        "import os, subprocess, sys, threading, pkg\n"
        "pkg.f()\n"
        "t = threading.Thread(target=pkg.in_thread)\n"
        "t.start()\n"
        "t.join()\n"
        "subprocess.run([sys.executable, '-c', 'pass'])\n"
        "os._exit(3)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, env=env)
    assert proc.returncode == 3
    names = sorted(n for n in os.listdir(directory) if n != child.SESSION_FILE)
    assert len(names) == 2, names  # the child's and its own child's
    mine = [n for n in names if n.split(".")[2] == str(os.getpid())]
    assert len(mine) == 1, names
    key, pid, _, n = mine[0].split(".")
    assert (key, n) == ("7", "0")
    report = Report(str(directory / mine[0]), key)
    report.read()
    assert not report.bad
    assert (report.how, report.pid, report.ppid, report.role) == (
        "exec",
        int(pid),
        os.getpid(),
        "exec",
    )
    assert "import os, subprocess" in report.command
    init = os.path.normcase(str(root / "pkg" / "__init__.py"))
    assert (init, 1, "f") in report.codes
    assert (init, 1, "<module>") in report.codes
    assert (init, 7, "in_thread") in report.codes
    assert not any(name == "unused" for _, _, name in report.codes)
    assert not any(os.path.basename(f) == "subprocess.py" for f, _, _ in report.codes)
    ours = {r for r in report.reads if r.startswith(os.path.normcase(str(root)))}
    assert ours == {os.path.normcase(str(root / "data.txt"))}
    assert len(report.spawned) == 1 and report.spawned[0].endswith("-c pass")
    assert not report.alive()  # the process is gone: its lock with it


def test_the_start_up_line_does_nothing_without_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The .pth line as site.py runs it (in-process: a child without the variable would
    not report to the test running this one under --testmon)."""
    installed = Path(child.__file__).parent.parent / "pytest-ripple.pth"
    line = installed.read_text().strip()
    assert line.startswith("import ") and "\n" not in line
    calls: list[str] = []
    monkeypatch.setattr(child, "start", lambda how="exec": calls.append(how) or True)
    monkeypatch.delenv(child.ENV, raising=False)
    exec(line, {})
    assert calls == []
    monkeypatch.setenv(child.ENV, "1+/nowhere")
    exec(line, {})
    assert calls == ["exec"]


def test_a_report_whose_session_is_gone_is_not_written(tmp_path: Path) -> None:
    env = {**os.environ, child.ENV: _before("1", str(tmp_path / "gone"))}
    code = "import sys; print('pytest_ripple.child' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "True"
    assert not (tmp_path / "gone").exists()


# -- children.py: the parent's merge --------------------------------------------------


def _write_report(directory: str, key: str, pid: int, lines: list[str], how: str = "exec") -> str:
    path = os.path.join(directory, f"{key}.{pid}.1.0")
    header = f"ripple-child 1\t{how}\t{pid}\t1\tpython -c x\n"
    with open(path, "w") as f:
        f.write(header + "".join(line + "\n" for line in lines))
    return path


@pytest.fixture
def session(tmp_path: Path) -> object:
    before = os.environ.get(child.ENV)
    kids = Children(tmp_path, {".testmondata"})
    assert kids.start_session()
    assert kids.on_spawn("os.posix_spawn", ("/bin/true", ["true"], {})) is False  # no context
    yield kids
    kids.close()
    assert os.environ.get(child.ENV) == before


def _pop(kids: Children) -> ChildTrace:
    trace = kids.pop()
    assert trace is not None
    return trace


def _dir(kids: Children) -> str:
    value = child.parse_targets(os.environ[child.ENV])
    return value[0][1]


def test_contexts_name_themselves_in_the_environment(session: Children) -> None:
    outside = child.parse_targets(os.environ[child.ENV])[0][0]
    assert outside == child.OUTSIDE
    session.push()
    first = child.parse_targets(os.environ[child.ENV])[0][0]
    session.push()
    inner = child.parse_targets(os.environ[child.ENV])[0][0]
    assert len({outside, first, inner}) == 3
    session.pop()
    assert child.parse_targets(os.environ[child.ENV])[0][0] == first
    session.pop()
    # between tests the ended key stays (a putenv less per test): its late children
    # are treated as those of "-"
    assert child.parse_targets(os.environ[child.ENV])[0][0] == first
    session.push()
    assert child.parse_targets(os.environ[child.ENV])[0][0] not in (outside, first, inner)
    session.pop()


def test_nothing_to_do_until_a_process_starts(tmp_path: Path) -> None:
    kids = Children(tmp_path, set())
    assert kids.start_session()
    try:
        kids.push()
        assert kids.pop() is None
        kids.push()
        assert kids.on_spawn("subprocess.Popen", (None, ["git", "status"], None, None))
        trace = kids.pop()
        assert trace is not None and trace.untracked is None
    finally:
        kids.close()


def test_a_context_gets_its_childrens_code_and_reads(session: Children, tmp_path: Path) -> None:
    directory = _dir(session)
    session.push()
    key = child.parse_targets(os.environ[child.ENV])[0][0]
    src = str(tmp_path / "pkg" / "m.py")
    _write_report(
        directory,
        key,
        101,
        [
            f"F\t0\t{src}",
            "C\t0\t3\tf",
            "C\t0\t1\t<module>",
            f"R\t{tmp_path / 'data' / 'in.txt'}",
            f"R\t{tmp_path / '.testmondata'}",  # ignored: our data file
            f"R\t{tmp_path / '.pytest_cache' / 'v'}",  # ignored: tool state
            "C\t0\t9\thalf-writ",  # no newline at the end: a record being written
        ],
    )
    with open(os.path.join(directory, f"{key}.101.1.0"), "rb+") as f:  # cut the last line
        data = f.read()
        f.seek(0)
        f.truncate()
        f.write(data[:-1])
    trace = _pop(session)
    assert trace.code_keys == {(src, 3, "f"), (src, 1, "<module>")}
    assert trace.files == {"data/in.txt"}
    assert trace.untracked is None


def test_a_python_child_that_did_not_report_leaves_the_context_untracked(
    session: Children,
) -> None:
    session.push()
    handled = session.on_spawn(
        "subprocess.Popen", (None, [sys.executable, "-S", "-c", "pass"], None, None)
    )
    assert handled
    assert session.on_spawn("subprocess.Popen", (None, ["git", "status"], None, None))
    trace = _pop(session)
    assert trace.untracked is not None
    assert "did not report" in trace.untracked and "-S -c pass" in trace.untracked


def test_a_childs_own_python_children_must_report_too(session: Children) -> None:
    directory = _dir(session)
    session.push()
    key = child.parse_targets(os.environ[child.ENV])[0][0]
    session.on_spawn("subprocess.Popen", (None, [sys.executable, "a.py"], None, None))
    _write_report(directory, key, 201, ["S\tpython b.py", "S\tpython c.py"])
    _write_report(directory, key, 202, [])  # b.py reported, c.py did not
    trace = _pop(session)
    assert trace.untracked is not None and "did not report" in trace.untracked


def test_code_installed_in_another_environment_leaves_the_context_untracked(
    session: Children, tmp_path: Path
) -> None:
    """A test that installs the project into a new virtual environment and runs it: the
    child runs a copy, whose changes nothing here tracks."""
    directory = _dir(session)
    session.push()
    key = child.parse_targets(os.environ[child.ENV])[0][0]
    here = next(p for p in sys.path if p.endswith("site-packages"))
    _write_report(directory, key, 601, [f"F\t0\t{here}/pytest/__init__.py", "C\t0\t1\tx"])
    assert _pop(session).untracked is None
    session.push()
    key = child.parse_targets(os.environ[child.ENV])[0][0]
    other = tmp_path / "venv" / "lib" / "python3" / "site-packages" / "pkg" / "m.py"
    _write_report(directory, key, 602, [f"F\t0\t{other}", "C\t0\t1\tf"])
    untracked = _pop(session).untracked
    assert untracked is not None and "another environment" in untracked


def test_third_party_code_of_an_environment_made_during_the_session(
    session: Children, tmp_path: Path
) -> None:
    """A test that builds a virtual environment and runs a tool in it: the tool's code
    (from the package index, like a download) is not the project's and does not leave
    the test untracked; a copy of the project's code in it, or an environment that
    was there before the session (it may change between runs), does."""
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "__init__.py").write_text("")
    deep = tmp_path / "libs" / "core" / "src" / "corepkg"  # a monorepo's package
    deep.mkdir(parents=True)
    (deep / "values.py").write_text("def value():\n    return 1\n")
    directory = _dir(session)

    def ran(env: str, module: str) -> str | None:
        session.push()
        key = child.parse_targets(os.environ[child.ENV])[0][0]
        where = tmp_path / env / "lib" / "python3.x" / "site-packages" / module
        if not where.exists():
            where.parent.mkdir(parents=True, exist_ok=True)
            where.write_text(f"NAME = {module!r}\n")
        _write_report(directory, key, 700 + len(env), [f"F\t0\t{where}", "C\t0\t1\tf"])
        return _pop(session).untracked

    for env in ("made", "older"):
        (tmp_path / env).mkdir()
        (tmp_path / env / "pyvenv.cfg").write_text("home = /usr/bin\n")
    os.utime(tmp_path / "older" / "pyvenv.cfg", (1_000_000_000, 1_000_000_000))
    assert ran("made", "tool/cli.py") is None
    assert ran("made", "tool_single.py") is None
    copy = ran("made", "pkg/core.py")
    assert copy is not None and "another environment" in copy and "pkg/core.py" in copy
    # a copy under another top-level name (package_dir), or from deep in a monorepo:
    # the same bytes as a project file of that name
    site = tmp_path / "made" / "lib" / "python3.x" / "site-packages"
    for name in ("renamed", "corepkg"):
        (site / name).mkdir(parents=True, exist_ok=True)
        (site / name / "values.py").write_text("def value():\n    return 1\n")
        (site / name / "__init__.py").write_text("")
    for name in ("renamed", "corepkg"):
        copied = ran("made", f"{name}/values.py")
        assert copied is not None and "another environment" in copied
        assert ran("made", f"{name}/__init__.py") is None  # empty: says nothing
    (site / "tool" / "values.py").write_text("def value():\n    return 2\n")
    assert ran("made", "tool/values.py") is None  # same name, other bytes
    older = ran("older", "tool/cli.py")
    assert older is not None and "another environment" in older


def test_multiprocessing_helpers_and_forks_are_not_counted_as_started(session: Children) -> None:
    directory = _dir(session)
    session.push()
    key = child.parse_targets(os.environ[child.ENV])[0][0]
    session.on_spawn("subprocess.Popen", (None, [sys.executable, "a.py"], None, None))
    _write_report(directory, key, 301, [], how="fork")
    _write_report(directory, key, 302, [])
    trace = _pop(session)
    assert trace.untracked is None  # the exec'd one matches the spawn event
    report = Report("x", "1")
    report.how = "exec"
    report.command = "python -B -c from multiprocessing.forkserver import main; main(1)"
    assert report.role == "forkserver"
    report.command = "python -c from multiprocessing.spawn import spawn_main; spawn_main()"
    assert report.role == "pool"


def test_a_child_outliving_its_test_serves_the_tests_after_it(session: Children) -> None:
    """A pool kept in a global: what it reports while it lives belongs to every context
    that ends meanwhile; once it is gone, to nobody more."""
    fcntl = pytest.importorskip("fcntl")
    directory = _dir(session)
    session.push()
    key = child.parse_targets(os.environ[child.ENV])[0][0]
    path = _write_report(directory, key, 401, ["F\t0\t/p/m.py", "C\t0\t1\tfirst"])
    holder = os.open(path, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)  # as the live child does
    try:
        assert _pop(session).code_keys == {("/p/m.py", 1, "first")}
        with open(path, "a") as f:
            f.write("C\t0\t5\tsecond\n")
        session.push()
        assert _pop(session).code_keys == {("/p/m.py", 1, "first"), ("/p/m.py", 5, "second")}
    finally:
        os.close(holder)  # the child ends
    session.push()
    assert _pop(session).code_keys == {("/p/m.py", 1, "first"), ("/p/m.py", 5, "second")}
    session.push()
    assert _pop(session).code_keys == set()


def test_a_forkserver_makes_the_parent_keep_the_key_file(session: Children) -> None:
    directory = _dir(session)
    session.push()
    key = child.parse_targets(os.environ[child.ENV])[0][0]
    path = os.path.join(directory, f"{key}.501.1.0")
    with open(path, "w") as f:
        f.write(
            "ripple-child 1\texec\t501\t1\tpython -c from multiprocessing.forkserver "
            "import main; main(3)\n"
        )
    session.pop()
    key_file = Path(directory, child.KEY_FILE)
    assert key_file.read_text() == child.OUTSIDE
    session.push()
    assert key_file.read_text() == child.parse_targets(os.environ[child.ENV])[0][0]
    session.pop()


def test_a_session_inside_a_tracked_process_reports_to_both(tmp_path: Path) -> None:
    outer = Children(tmp_path, set())
    assert outer.start_session()
    try:
        outer.push()
        outers = child.parse_targets(os.environ[child.ENV])
        inner = Children(tmp_path, set())
        assert inner.start_session()
        inner.push()
        targets = child.parse_targets(os.environ[child.ENV])
        assert targets[1:] == outers and targets[0][1] != outers[0][1]
        inner.pop()
        inner.close()
        assert child.parse_targets(os.environ[child.ENV]) == outers
        outer.pop()
    finally:
        outer.close()


# -- end to end -----------------------------------------------------------------------

WORK = """
    def double(x):
        return x * 2


    def triple(x):
        return x * 3


    def half(x):
        return x // 2
"""


def ran_in(out: str) -> list[str]:
    """Short names of the tests a ``-v`` run reports (with or without xdist)."""
    names = set()
    for line in out.splitlines():
        if re.search(r"\b(PASSED|FAILED|ERROR|SKIPPED)\b", line):
            names.update(re.findall(r"::(\w+)", line))
    return sorted(names)


def pytest_run(project: Project, *args: str) -> list[str]:
    """pytest in a subprocess, as a user runs it; the short names of the tests that ran."""
    result = project.pytester.runpytest_subprocess("-v", *OFF, *args, timeout=300)
    out = result.stdout.str() + result.stderr.str()
    assert result.ret in (0, 5), out
    return ran_in(out)


def selected(project: Project, *args: str) -> dict[str, str]:
    """What ``--testmon --collect-only -v`` would run, with each reason."""
    run = project.run("--testmon", "--collect-only", "-v", *args)
    return dict(re.findall(r"^  \S+::(\w+): (.*)$", run.out, re.M))


@pytest.fixture
def cli(project: Project) -> Project:
    project.write(
        {
            "pytest.ini": "[pytest]\n",
            "pkg/__init__.py": "",
            "pkg/work.py": WORK,
            "pkg/__main__.py": """
                import sys

                from pkg.work import double

                print(double(int(sys.argv[1])))
            """,
            "pkg/reader.py": """
                from pathlib import Path

                print(Path("data", "table.txt").read_text().strip())
            """,
            "pkg/outer.py": """
                import subprocess
                import sys

                subprocess.run([sys.executable, "-m", "pkg", "5"], check=True)
            """,
            "scripts/tool.py": """
                import sys

                from pkg.work import triple

                print(triple(int(sys.argv[1])))
            """,
            "data/table.txt": "alpha\n",
            "tests/test_tool.py": """
                import os
                import subprocess
                import sys


                def run(*args, **env):
                    env = {**os.environ, "PYTHONPATH": os.getcwd(), **env}
                    done = subprocess.run(
                        [sys.executable, *args], capture_output=True, text=True, env=env
                    )
                    assert done.returncode == 0, done.stderr
                    return done.stdout.strip()


                def test_module():
                    assert run("-m", "pkg", "2") == "4"


                def test_script():
                    assert run("scripts/tool.py", "3") == "9"


                def test_reads_data():
                    assert run("-m", "pkg.reader") == "alpha"


                def test_grandchild():
                    assert run("-m", "pkg.outer") == "10"


                def test_spawnv():  # POSIX: os.fork, then os.execve in the child
                    args = [sys.executable, "-c", "from pkg.work import double; double(1)"]
                    env = {**os.environ, "PYTHONPATH": os.getcwd()}
                    assert os.spawnve(os.P_WAIT, sys.executable, args, env) == 0


                def test_system():  # through a shell
                    cmd = f"cd scripts && PYTHONPATH=.. {sys.executable} tool.py 1 > /dev/null"
                    assert os.system(cmd) == 0


                def test_no_child():
                    assert True
            """,
        }
    )
    first = project.run("--testmon")
    assert first.ret == 0, first.out
    assert first.ran == [
        "test_grandchild",
        "test_module",
        "test_no_child",
        "test_reads_data",
        "test_script",
        "test_spawnv",
        "test_system",
    ]
    return project


def test_subprocess_children_select_the_tests_that_started_them(cli: Project) -> None:
    assert cli.run("--testmon").ran == []  # no change: nothing
    cli.edit("pkg/work.py", "return x // 2", "return int(x / 2)")  # run by no child
    assert cli.run("--testmon").ran == []
    cli.edit("pkg/work.py", "return x * 3", "return 3 * x")  # run by scripts/tool.py only
    assert cli.run("--testmon").ran == ["test_script", "test_system"]
    cli.edit("pkg/work.py", "return x * 2", "return 2 * x")  # python -m pkg, and its child's
    assert cli.run("--testmon").ran == ["test_grandchild", "test_module", "test_spawnv"]
    cli.edit("data/table.txt", "alpha", "beta")  # read by a child
    run = cli.run("--testmon")
    assert run.ran == ["test_reads_data"]
    assert run.outcomes["tests/test_tool.py::test_reads_data"] == "failed"
    cli.edit("data/table.txt", "beta", "alpha")
    assert cli.run("--testmon").ran == ["test_reads_data"]  # failed last time, passes now
    assert cli.run("--testmon").ran == []


def test_a_child_that_does_not_report_keeps_its_test_selected(cli: Project) -> None:
    cli.write(
        {
            "tests/test_blind.py": """
                import os
                import subprocess
                import sys


                def test_no_site():  # -S: no .pth file runs, no report
                    subprocess.run([sys.executable, "-S", "-c", "pass"], check=True)


                def test_bare_environment():  # the variable is not passed on
                    env = {"PATH": os.environ.get("PATH", "")}
                    subprocess.run([sys.executable, "-c", "pass"], check=True, env=env)


                def test_not_python():
                    subprocess.run(["ls"], check=True, capture_output=True)
            """
        }
    )
    first = cli.run("--testmon")
    assert first.ran == ["test_bare_environment", "test_no_site", "test_not_python"]
    reasons = selected(cli)
    assert sorted(reasons) == ["test_bare_environment", "test_no_site"]
    assert "did not report" in reasons["test_no_site"] and "-S -c pass" in reasons["test_no_site"]
    assert cli.run("--testmon").ran == ["test_bare_environment", "test_no_site"]


# The children that go untracked on purpose report to the scratch session only: to
# the session running this suite too, they would leave this test untracked, and it
# would run every time. What they run of ours is then declared instead.
@pytest.mark.testmon_depends("src/pytest_ripple/child.py", "src/pytest_ripple/children.py")
def test_a_child_whose_trace_function_is_replaced(cli: Project) -> None:
    """A child under coverage.py or pdb: someone else's sys.settrace replaces ours
    (before 3.12) and a profile function records instead, so the test is tracked like
    any other. Only a child that takes the profile function too goes untracked, also
    when it puts ours back (profile functions are not chained: calls were missed)."""
    take_over = """
        import sys

        from pkg.work import {first}

        {first}(1)
        {setup}
        from pkg.work import {after}

        print({after}(2))
    """
    cli.write(
        {
            "pkg/traced.py": take_over.format(  # a thread first: each has its own
                first="double",
                after="triple",
                setup="import threading; t = threading.Thread(target=int); t.start(); "
                "t.join(); sys.settrace(lambda *a: None)",
            ),
            "pkg/debugged.py": take_over.format(  # pdb: its function comes and goes
                first="double",
                after="triple",
                setup="sys.settrace(lambda *a: None); sys.settrace(None)",
            ),
            "pkg/profiled.py": take_over.format(
                first="double",
                after="triple",
                setup="sys.settrace(lambda *a: None); sys.setprofile(lambda *a: None)",
            ),
            "pkg/restored.py": """
                import sys

                from pkg.work import double

                double(1)
                sys.settrace(lambda *a: None)
                old = sys.getprofile()
                sys.setprofile(lambda *a: None)
                from pkg.work import triple

                value = triple(2)
                sys.setprofile(old)
                double(3)
                print(value)
            """,
            # the program's own profile hook for threads stays; its threads are tracked
            "pkg/hooked.py": """
                import sys
                import threading

                calls = []
                threading.setprofile(lambda *a: calls.append(1))
                sys.settrace(lambda *a: None)
                from pkg.work import triple

                t = threading.Thread(target=triple, args=(1,))
                t.start()
                t.join()
                print(6 if calls else "the hook was lost")
            """,
            "tests/test_taken.py": """
                import os
                import subprocess
                import sys


                def run(module, this_session_only=False):
                    env = {**os.environ, "PYTHONPATH": os.getcwd()}
                    if this_session_only:  # the first target is this run's session
                        var = "PYTEST_RIPPLE_CHILDREN"
                        env[var] = env[var].split(os.pathsep)[0]
                    done = subprocess.run(
                        [sys.executable, "-m", module], capture_output=True, text=True, env=env
                    )
                    assert done.returncode == 0, done.stderr
                    return done.stdout.strip()


                def test_traced():
                    assert run("pkg.traced") == "6"


                def test_restored():
                    assert run("pkg.restored", this_session_only=True) == "6"


                def test_hooked():
                    assert run("pkg.hooked") == "6"


                def test_debugged():
                    assert run("pkg.debugged") == "6"


                def test_profiled():
                    assert run("pkg.profiled", this_session_only=True) == "6"
            """,
        }
    )
    every = ["test_debugged", "test_hooked", "test_profiled", "test_restored", "test_traced"]
    assert cli.run("--testmon").ran == every
    # after 3.12 the children record through sys.monitoring: nothing is replaced
    untracked = ["test_profiled", "test_restored"] if sys.version_info < (3, 12) else []
    assert cli.run("--testmon").ran == untracked
    if untracked:
        assert "replaced" in selected(cli)["test_restored"]
    cli.edit("pkg/work.py", "return x * 3", "return 3 * x")  # run after the takeover
    run = cli.run("--testmon")
    assert run.ran == sorted([*every, "test_script", "test_system"])
    assert cli.run("--testmon").ran == untracked


def test_a_console_script(project: Project, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A console script (bin/ of the environment) runs with the interpreter its #! line
    names: it reports like ``python -m``."""
    bindir = tmp_path_factory.mktemp("bin")
    script = bindir / "pkg-cli"
    script.write_text(
        f"#!{sys.executable}\nimport sys\nfrom pkg.work import double\n"
        "print(double(int(sys.argv[1])))\n"
    )
    script.chmod(0o755)
    project.write(
        {
            "pytest.ini": "[pytest]\n",
            "pkg/__init__.py": "",
            "pkg/work.py": WORK,
            "tests/test_console.py": f"""
                import os
                import subprocess


                def test_console_script():
                    path = {str(bindir)!r} + os.pathsep + os.environ["PATH"]
                    env = {{**os.environ, "PATH": path, "PYTHONPATH": os.getcwd()}}
                    out = subprocess.run(["pkg-cli", "4"], env=env, capture_output=True, text=True)
                    assert out.stdout.strip() == "8", out.stderr
            """,
        }
    )
    assert project.run("--testmon").ran == ["test_console_script"]
    assert project.run("--testmon").ran == []
    project.edit("pkg/work.py", "return x * 3", "return 3 * x")
    assert project.run("--testmon").ran == []
    project.edit("pkg/work.py", "return x * 2", "return 2 * x")
    assert project.run("--testmon").ran == ["test_console_script"]


MP_WORK = """
    import os


    def pool_job(x):
        return x + 1


    def spawn_job(x):
        return x + 2


    def server_job(x):
        return x + 3


    def process_job():
        assert 1 + 1 == 2


    def executor_job(x):
        return x + 4


    def exit_job():
        return 0


    def shared_job(x):
        return x + 5


    def unused(x):
        return x
"""

MP_TESTS = """
    import multiprocessing as mp
    import os
    import sys
    from concurrent.futures import ProcessPoolExecutor

    import pytest

    from pkg import jobs

    FORK = hasattr(os, "fork")
    fork_only = pytest.mark.skipif(not FORK, reason="no fork here")
    POOL = []


    @fork_only
    def test_fork_pool():
        with mp.get_context("fork").Pool(2) as pool:
            assert pool.map(jobs.pool_job, [1, 2]) == [2, 3]


    def test_spawn_pool():
        with mp.get_context("spawn").Pool(2) as pool:
            assert pool.map(jobs.spawn_job, [1, 2]) == [3, 4]


    @fork_only
    def test_forkserver_pool():  # starts the forkserver
        with mp.get_context("forkserver").Pool(1) as pool:
            assert pool.apply(jobs.server_job, (1,)) == 4


    @fork_only
    def test_forkserver_process():  # a later test: the server forks for it
        proc = mp.get_context("forkserver").Process(target=jobs.process_job)
        proc.start()
        proc.join()
        assert proc.exitcode == 0


    def test_executor():
        with ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")) as ex:
            assert list(ex.map(jobs.executor_job, [1])) == [5]


    @fork_only
    def test_os_exit():
        pid = os.fork()
        if pid == 0:
            os._exit(jobs.exit_job())
        assert os.waitpid(pid, 0)[1] == 0


    def pool():  # made by the first test that needs it, kept for later ones
        if not POOL:
            POOL.append(mp.get_context("spawn").Pool(1))
        return POOL[0]


    def test_pool_starts():
        assert pool().apply(abs, (-1,)) == 1


    def test_pool_reused():  # in a full run, by the workers test_pool_starts started
        assert pool().apply(jobs.shared_job, (1,)) == 6
"""


@pytest.mark.skipif(not FORK, reason="forkserver and fork need POSIX")
def test_multiprocessing_children_across_tests(project: Project) -> None:
    """Each start method, pools, an executor, os._exit, a forkserver that serves a later
    test, a pool that outlives the test that made it: an edit to a function only a
    child runs selects exactly the test that made it run."""
    project.write(
        {
            "pytest.ini": "[pytest]\nfilterwarnings = ignore::DeprecationWarning\n",
            "pkg/__init__.py": "",
            "pkg/jobs.py": MP_WORK,
            "tests/test_mp.py": MP_TESTS,
        }
    )
    everything = sorted(re.findall(r"def (test_\w+)", MP_TESTS))
    assert pytest_run(project, "--testmon") == everything
    assert pytest_run(project, "--testmon") == []
    project.edit("pkg/jobs.py", "return x\n", "return x + 0\n")  # unused
    assert pytest_run(project, "--testmon") == []
    for old, new, test in [
        ("x + 1", "1 + x", "test_fork_pool"),
        ("x + 2", "2 + x", "test_spawn_pool"),
        ("x + 3", "3 + x", "test_forkserver_pool"),
        ("1 + 1 == 2", "2 == 1 + 1", "test_forkserver_process"),
        ("x + 4", "4 + x", "test_executor"),
        ("return 0", "return 0 * 1", "test_os_exit"),
        ("x + 5", "5 + x", "test_pool_reused"),
    ]:
        project.edit("pkg/jobs.py", old, new)
        assert pytest_run(project, "--testmon") == [test], (old, new)
    assert pytest_run(project, "--testmon") == []


def test_xdist_workers_track_their_childrens_code(cli: Project) -> None:
    cli.edit("pkg/work.py", "return x * 3", "return 3 * x")
    assert pytest_run(cli, "--testmon", "-n", "2") == ["test_script", "test_system"]
    assert pytest_run(cli, "--testmon", "-n", "2") == []
    cli.edit("pkg/work.py", "return x * 2", "return 2 * x")
    assert pytest_run(cli, "--testmon", "-n", "2") == [
        "test_grandchild",
        "test_module",
        "test_spawnv",
    ]


def test_a_nested_pytest_run_with_its_own_tracker(project: Project) -> None:
    """A test that runs ``pytest --testmon`` on another project (as our own suite does):
    the inner run tracks its own tests, and what its tests' children run reaches the
    outer test too."""
    project.write(
        {
            "pytest.ini": "[pytest]\ntestpaths = tests\n",
            "pkg/__init__.py": "",
            "pkg/work.py": WORK,
            "inner/pytest.ini": "[pytest]\n",
            "inner/test_inner.py": """
                import subprocess
                import sys


                def test_inner():
                    out = subprocess.run(
                        [sys.executable, "-c", "from pkg.work import double; print(double(1))"],
                        capture_output=True,
                        text=True,
                    )
                    assert out.stdout.strip() == "2"
            """,
            "tests/test_outer.py": f"""
                import os
                import subprocess
                import sys


                def test_outer(tmp_path):
                    env = {{**os.environ, "PYTHONPATH": os.getcwd()}}
                    env["TESTMON_DATAFILE"] = str(tmp_path / "inner.testmondata")
                    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]
                    cmd += {list(OFF)!r} + ["--testmon", "inner"]
                    for _ in range(2):
                        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
                        assert done.returncode == 0, done.stdout + done.stderr
                    assert "1 deselected" in done.stdout, done.stdout
            """,
        }
    )
    assert project.run("--testmon").ran == ["test_outer"]
    assert project.run("--testmon").ran == []
    project.edit("pkg/work.py", "return x * 3", "return 3 * x")
    assert project.run("--testmon").ran == []
    project.edit("pkg/work.py", "return x * 2", "return 2 * x")
    assert project.run("--testmon").ran == ["test_outer"]

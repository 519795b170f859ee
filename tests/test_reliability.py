"""Reliability: the data file survives interruption, concurrency, damage and bad input.

The data file is what users trust to decide what not to run: it must never be silently
wrong, and never stop a test run with a traceback. Each test here is a row of
``docs/reliability.md`` (scenario -> what happens -> test).

Runs that must be interrupted or run side by side are real ``python -m pytest``
processes (with a small helper plugin, ``-p ripple_helper``, that writes after every
test and can stop at a known point); the rest are in-process pytester runs that report
exactly which tests ran.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from helpers import ADD, APP, CALC, DATAFILE, MUL, Project, calc_tests, defined_tests
from pytest_ripple import sqlitedb
from pytest_ripple.store import Store

# hypothesis' pytest plugin imports all of hypothesis at the end of every run (about a
# second per run here): the runs of this file do without it.
NO_HYPOTHESIS = "-p no:hypothesispytest"
NO_CRASH = ("INTERNALERROR", "Traceback (most recent call last)")


@pytest.fixture(autouse=True)
def _no_hypothesis_plugin(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_ADDOPTS", NO_HYPOTHESIS)  # after pytester cleared it


def assert_no_crash(out: str) -> None:
    for word in NO_CRASH:
        assert word not in out, out


def assert_sound(path: Path) -> set[str]:
    """The data file opens as ours and passes SQLite's integrity check; the node ids
    it holds a finished result for (collected tests that never ran are stored as
    pending, to run next time)."""
    store = Store(path)
    try:
        store.open()
        assert store.db.one("PRAGMA integrity_check")[0] == "ok"
        rows = store.db.all("SELECT nodeid FROM test WHERE pending IS NULL")
        return {nodeid for (nodeid,) in rows}
    finally:
        store.close()


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a child pytest: ours, without pytest's or testmon's variables."""
    env = {
        k: v
        for k, v in os.environ.items()
        # PYTEST_RIPPLE_CHILDREN: the run reports to the outer test (children.py)
        if k == "PYTEST_RIPPLE_CHILDREN" or not k.startswith(("PYTEST_", "TESTMON_"))
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


# -- subprocess runs ------------------------------------------------------------------

# Loaded into child runs with `-p ripple_helper`: one write transaction per test, a
# start barrier for runs that must overlap, and a stop point inside a write transaction.
HELPER = '''
import os
import pathlib
import time

import pytest

import pytest_ripple.recording
from pytest_ripple.store import Store

pytest_ripple.recording.FLUSH_EVERY_N = 1  # write after every test

_save_tests = Store.save_tests


def _save_tests_and_maybe_stop(self, env_id, results):
    results = list(results)
    _save_tests(self, env_id, results)  # rows written, transaction still open
    stop = os.environ.get("RIPPLE_STOP_IN_WRITE")
    if stop and any(r.nodeid.endswith("::" + stop) for r in results):
        pathlib.Path(os.environ["RIPPLE_MARKER"]).write_text("writing")
        time.sleep(120)  # the parent signals us here


Store.save_tests = _save_tests_and_maybe_stop


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """With RIPPLE_BARRIER, wait until RIPPLE_PARTIES runs got here: they then open the
    data file and run their tests at the same time."""
    barrier = os.environ.get("RIPPLE_BARRIER")
    if not barrier:
        return
    folder = pathlib.Path(barrier)
    (folder / os.environ["RIPPLE_PARTY"]).write_text("")
    deadline = time.monotonic() + 60
    while len(list(folder.iterdir())) < int(os.environ["RIPPLE_PARTIES"]):
        if time.monotonic() > deadline:
            raise RuntimeError("the other run never started")
        time.sleep(0.005)
'''


@pytest.fixture
def helpers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ripple_helpers")
    (folder / "ripple_helper.py").write_text(HELPER)
    return folder


def spawn(project: Project, helpers: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    """``python -m pytest --testmon`` in the project, as a user's terminal runs it."""
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", *NO_HYPOTHESIS.split(), "-p", "ripple_helper", *args],
        cwd=project.path,
        env=clean_env(PYTHONPATH=str(helpers), **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(proc: subprocess.Popen[str], timeout: float = 60) -> str:
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        pytest.fail(f"pytest did not finish:\n{out}")
    return out


def wait_for(marker: Path, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if proc.poll() is not None:
            pytest.fail(f"pytest ended before its stop point:\n{finish(proc)}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"pytest never reached its stop point:\n{finish(proc)}")
        time.sleep(0.01)


# -- interruption ---------------------------------------------------------------------

STEPS = {
    "pytest.ini": "[pytest]\n",
    **APP,
    "tests/test_steps.py": """
        import os
        import pathlib
        import time

        from app.calc import add


        def stop_point(name):
            if os.environ.get("RIPPLE_STOP_IN_TEST") == name:
                pathlib.Path(os.environ["RIPPLE_MARKER"]).write_text(name)
                time.sleep(120)  # the parent signals us here


        def test_1():
            stop_point("test_1")
            assert add(1, 0) == 1


        def test_2():
            stop_point("test_2")
            assert add(2, 0) == 2


        def test_3():
            stop_point("test_3")
            assert add(3, 0) == 3


        def test_4():
            stop_point("test_4")
            assert add(4, 0) == 4


        def test_5():
            stop_point("test_5")
            assert add(5, 0) == 5
    """,
}
STEP_TESTS = ["test_1", "test_2", "test_3", "test_4", "test_5"]


def interrupted_run(
    project: Project, helpers: Path, sig: signal.Signals, where: str, stop_at: str
) -> str:
    marker = helpers / "stopped"
    marker.unlink(missing_ok=True)
    stop = {"test": "RIPPLE_STOP_IN_TEST", "write": "RIPPLE_STOP_IN_WRITE"}[where]
    proc = spawn(project, helpers, "--testmon", **{stop: stop_at, "RIPPLE_MARKER": str(marker)})
    wait_for(marker, proc)
    proc.send_signal(sig)
    out = finish(proc)
    if sig == signal.SIGINT:
        assert proc.returncode == pytest.ExitCode.INTERRUPTED, out
        assert "KeyboardInterrupt" in out
        assert_no_crash(out)
        assert "testmon: could not" not in out
    else:
        assert proc.returncode == -signal.SIGKILL, out
    return out


INTERRUPTIONS = [
    pytest.param(signal.SIGINT, "test", "test_3", STEP_TESTS[2:], id="ctrl-c-in-a-test"),
    pytest.param(signal.SIGINT, "write", "test_3", STEP_TESTS[2:], id="ctrl-c-while-writing"),
    # test_1's transaction also writes the run's plan (new file states, pending tests)
    pytest.param(signal.SIGINT, "write", "test_1", STEP_TESTS, id="ctrl-c-writing-the-plan"),
    pytest.param(signal.SIGKILL, "test", "test_3", STEP_TESTS[2:], id="kill-in-a-test"),
    pytest.param(signal.SIGKILL, "write", "test_3", STEP_TESTS[2:], id="kill-while-writing"),
    pytest.param(signal.SIGKILL, "write", "test_1", STEP_TESTS, id="kill-writing-the-plan"),
]


@pytest.mark.slow
class TestInterruption:
    @pytest.mark.parametrize(("sig", "where", "stop_at", "unfinished"), INTERRUPTIONS)
    def test_after_an_edit(
        self,
        project: Project,
        helpers: Path,
        sig: signal.Signals,
        where: str,
        stop_at: str,
        unfinished: list[str],
    ) -> None:
        """An edit affects all five tests; the run that should run them is stopped at
        a known point. Finished tests keep their results, the rest run next time."""
        project.write(STEPS)
        assert project.run("--testmon").ran == STEP_TESTS
        project.edit("app/calc.py", *ADD)
        interrupted_run(project, helpers, sig, where, stop_at)
        assert_sound(project.path / DATAFILE)
        run = project.run("--testmon")
        assert run.ran == unfinished
        assert run.ret == 0
        assert project.run("--testmon").ran == []

    @pytest.mark.parametrize(
        ("sig", "where"),
        [
            pytest.param(signal.SIGINT, "test", id="ctrl-c-in-a-test"),
            pytest.param(signal.SIGKILL, "write", id="kill-while-writing"),
        ],
    )
    def test_first_run(
        self, project: Project, helpers: Path, sig: signal.Signals, where: str
    ) -> None:
        """The very first run (no data file yet) is stopped at test_3."""
        project.write(STEPS)
        interrupted_run(project, helpers, sig, where, "test_3")
        assert assert_sound(project.path / DATAFILE) == {
            "tests/test_steps.py::test_1",
            "tests/test_steps.py::test_2",
        }
        assert project.run("--testmon").ran == STEP_TESTS[2:]
        assert project.run("--testmon").ran == []

    @pytest.mark.parametrize(
        "narrow",
        [["tests/test_steps.py::test_1"], ["-k", "test_1"]],
        ids=["node-id", "k"],
    )
    def test_a_first_run_of_one_test(self, project: Project, narrow: list[str]) -> None:
        """The same without a signal: the first run of a file (an IDE running one test)
        runs one of its tests; the next run must run the others."""
        project.write(STEPS)
        assert project.run("--testmon", *narrow).ran == ["test_1"]
        assert project.run("--testmon").ran == STEP_TESTS[1:]
        assert project.run("--testmon").ran == []


# -- concurrency ----------------------------------------------------------------------


def _many_tests(prefix: str, func: str, n: int = 15) -> str:
    body = ["import time", "", f"from app.calc import {func}", ""]
    for i in range(n):
        body += [
            "",
            f"def test_{prefix}{i}():",
            "    time.sleep(0.01)",
            f"    assert {func}({i}, 1) is not None",
            "",
        ]
    return "\n".join(body)


PAIR = {"pytest.ini": "[pytest]\n", **APP}
A_TESTS = [f"test_a{i}" for i in range(15)]
B_TESTS = [f"test_b{i}" for i in range(15)]


def at_once(project: Project, helpers: Path, *argsets: list[str]) -> list[str]:
    """Start one run per argument list; they open the data file and run their tests at
    the same time (a start barrier). Each must finish cleanly."""
    barrier = helpers / "barrier"
    shutil.rmtree(barrier, ignore_errors=True)
    barrier.mkdir()
    procs = [
        spawn(
            project,
            helpers,
            "--testmon",
            *args,
            RIPPLE_BARRIER=str(barrier),
            RIPPLE_PARTY=str(i),
            RIPPLE_PARTIES=str(len(argsets)),
        )
        for i, args in enumerate(argsets)
    ]
    outs = [finish(proc) for proc in procs]
    for proc, out in zip(procs, outs):
        assert proc.returncode == 0, out
        assert_no_crash(out)
        for word in ("database is locked", "testmon: could not", "testmon: cannot", "warning"):
            assert word not in out, out
    return outs


def _concurrent_project(project: Project) -> None:
    project.write(
        {
            **PAIR,
            "tests/test_a.py": _many_tests("a", "add"),
            "tests/test_b.py": _many_tests("b", "mul"),
        }
    )


@pytest.mark.slow
class TestConcurrency:
    def test_two_runs_create_one_data_file(self, project: Project, helpers: Path) -> None:
        """An IDE runs tests/test_a.py while a terminal runs tests/test_b.py, both on a
        data file that does not exist yet, each writing after every test."""
        _concurrent_project(project)
        outs = at_once(project, helpers, ["tests/test_a.py"], ["tests/test_b.py"])
        assert "15 passed" in outs[0] and "15 passed" in outs[1]
        recorded = assert_sound(project.path / DATAFILE)
        assert len(recorded) == 30  # no lost records
        assert project.run("--testmon").ran == []
        project.edit("app/calc.py", *MUL)
        assert project.run("--testmon").ran == sorted(B_TESTS)

    def test_two_runs_of_the_whole_suite_after_an_edit(
        self, project: Project, helpers: Path
    ) -> None:
        """Both run the whole suite at once after an edit that affects test_a*. The run
        that decides first runs all of them; the other runs those the first has not yet
        recorded when it decides (often all). Nothing is lost or runs again afterwards."""
        _concurrent_project(project)
        assert project.run("--testmon").ran == sorted(A_TESTS + B_TESTS)
        project.edit("app/calc.py", *ADD)
        outs = at_once(project, helpers, [], [])
        counts = []
        for out in outs:
            found = re.search(r"(\d+) passed, (\d+) deselected", out)
            assert found, out
            counts.append(int(found[1]))
            assert int(found[1]) + int(found[2]) == 30
            assert "tests/test_b.py" not in out  # no progress line: none of them ran
        assert max(counts) == 15
        assert len(assert_sound(project.path / DATAFILE)) == 30
        assert project.run("--testmon").ran == []
        project.edit("app/calc.py", *MUL)
        assert project.run("--testmon").ran == sorted(B_TESTS)


# -- damaged data ---------------------------------------------------------------------

# A real .testmondata of pytest-testmon 2.2.0 (data_version 14, coverage 7, Python
# 3.11), from `pytest --testmon` on a project like CALC (with add and mul only);
# zlib-compressed, base64.
TESTMON_2_2_0 = (
    "eNrt3E9s21QcB/DnP0marK3HNhGgm2SpjCVqmsVJ0yyTpq7tvKlQ2q3rYDtMwbVfWmv50yVO1d5IVe5wAwmJAyfQ"
    "JBA7cmLSQFwmrghxGQJNTDsBEtqJZyfZ4sSJyr9pnb4fNYnt9/z8y+/lZXsvTS9emDctKufLlaJmySmyn/A8OS3L"
    "hBCe3YbIY0F2E9v2OXYbJv3xJK5zQ9KfZNB/g0gl6ZthImUG3xscDH2278fgqwMfB95iBQAAAH3UlcFAeHaKqxfN"
    "kkE3qzSvr+WqNfbvV840cnmzQEtakeaqa1rjIN2kes0yyyWnLJdnBUOzS+r0sipfWpi7cEmV5xbOqJflPg3Jiwty"
    "z8YinSWmEZNbZ7MtViW6fXpfIDw1xe1IlrZSoD3b6lkw2Ix4eXpmXu0dixwJyR26o2PPd1k9py7Fuuq2opaX1cvL"
    "HsX2FSy6aXUXnV1cUufOLcivqVc88hGVl9Sz6pK6MKte7AwoYhez/J5R51X2BGenL85On1G7LhCtvxxi3Z7l6lec"
    "brdo1erKwHpupWyteRfta2aw0dl9TreD8S6WIx3HGz1dWqWV9YpZsuxnur0SDISzWW4n5/S0d0PeR0OuPu4VQldm"
    "umLq17/tsfau196bXc27OtNd6t2X/dvvyF97483nbLfqaiK6PRYIhEdGuJ1xJ8nNes2HAVcaW7ltP787h4+TIZ9f"
    "mnt9eumKHdvfHiBFaq2VjZy+RvVr1VqxKs/ML854VLNM1sTZ+cXpXoPMu/nm21XE/eYS67psR7bGB/zh6RGONN4u"
    "rxfs4afVrLKz/+ilrzQ3gnXez17BUa5+3HOgXcvZl3YfDfQdW40zuoeVHKGlDbNSLhWp0/exRrldObpd8AXC0Sj3"
    "zkGPYeTe8/cZNrvuapm9VLsT7o6v93h5FHePjjNqFc0Jp1efayz3hjwz51VWrui9ytrHkTtW1zhqK/IeodHtCSEQ"
    "Hh3ldo476W47oW1TdCW6reA/zHKfJFa3qhYt5tY1/Zq2Sqs9aq1vsbFQym3QStVOeP+B1HnlWOdFYh3tdYystOgP"
    "z432GlntrSttO743uUD4yBGuzjnJZoNJMzRLaz3yrjS3jsoR+56l1X5Grjcp2Sm2D0eP8/7w7JFe8bSayimtLYH9"
    "d2qANCf4ovQhke5LX0ufsw0AAAAAAAAAeKIOiEJUWiiX6El7mama0wqF5CFBGG8/VtU2qJEY5YVjqcZRs0jtiol4"
    "IqGkkplkJp1IJJJJJT15kBPGpMeVGmeGnPn/TSLdZPP/H6QHyDoAAAAAAADA07EsIEQ596qAeEgY5zoXBYTnhGOc"
    "a02APyCMBTsWAOzP/znpfcJ+AAAAAAAAAOAJy3N+MlJPvWjQvFYrWOe3Vu0vEFTlZDypxGS9vEEr2iqVM3ElE5PN"
    "kqmXS3lzlRWnYnLjOwxmie1OxifYfqG2urolK/GM860GWrXkbDyZiivsSMiZ/39A2A8AAAAAAAAAPPEFAL89/Q/+"
    "3/N/+/N/XvqCSN+zOwAAAAAAAAB4ShzlAySYDQwMOH97UtcKenx966Tzm/+5Yq0wdfLTq+Nvs2pc72qaYUwtRO7c"
    "Pk1IyJn/f0ukn9kdAAAAAAAAADzdRsRglvNeEuBfYmVB73WAIekeEYfvEukTiUqvDN9lmwAAAAAAAAB70IzPT44e"
    "Jlfb57/zt+68yym3LF2nNKNMpNInJlP5bF5LpyYyenIib6TSRprqk7qRn6AriclTop+MsDaap7+x/dHU5ujKVxkl"
    "k89QQ0ukTihKSkvn9RMr7HQ9m0ilqWEoNKlpKTqZnBG8Qxj48vr6rkPgu0J4eOeP73YbAkvEC17ZCUm/svn/PSKN"
    "STeG70mmZOIVAwAAAAAAAHt5FeDo1cOuz8d3O/FurRX4TvlGWBPNs3c7724tFYj/LgB7pUD4xwHYCwU8S8Lz3Xmx"
    "v/8vSr8Q6aH0u/SAbQAAAAAAAADAHuUTBY7jfT7BfhBFXghygsixez7kzP9/suf/v0n32QYAAAAAAAAA7EUBkbMn"
    "/2LjURT8YpDjBHYgyAV5+/N/sh9JAgAAAAAAAHiWhTD/BwAAAAAAAHjm/QVHbDja"
)


def _baseline(project: Project) -> Path:
    assert project.run("--testmon").ran == ["test_add", "test_mul"]
    return project.path / DATAFILE


def _truncated(project: Project) -> bool:
    path = _baseline(project)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return True


def _random_bytes(project: Project) -> bool:
    (project.path / DATAFILE).write_bytes(bytes((i * 7919 + 13) % 256 for i in range(8192)))
    return True


def _sqlite_header_then_garbage(project: Project) -> bool:
    (project.path / DATAFILE).write_bytes(b"SQLite format 3\x00" + b"\xa5\x5a" * 4000)
    return True


def _zero_length(project: Project) -> bool:
    (project.path / DATAFILE).write_bytes(b"")
    return False  # to SQLite, an empty database: nothing to warn about, no data


def _testmon_2(project: Project) -> bool:
    (project.path / DATAFILE).write_bytes(zlib.decompress(base64.b64decode(TESTMON_2_2_0)))
    return True


def _schema_version(version: str) -> Callable[[Project], bool]:
    def damage(project: Project) -> bool:
        path = _baseline(project)
        con = sqlite3.connect(str(path))
        with con:
            con.execute("UPDATE meta SET value=? WHERE key='schema_version'", (version,))
        con.close()
        return True

    return damage


def _coverage_file(project: Project) -> bool:
    con = sqlite3.connect(str(project.path / DATAFILE))
    con.executescript(
        "CREATE TABLE coverage_schema (version integer);"
        "CREATE TABLE meta (key text, value text, unique (key));"
        "INSERT INTO meta VALUES ('version', '7.4.0');"
    )
    con.close()
    return True


DAMAGE = [
    pytest.param(_truncated, id="truncated"),
    pytest.param(_random_bytes, id="random-bytes"),
    pytest.param(_sqlite_header_then_garbage, id="sqlite-header-then-garbage"),
    pytest.param(_zero_length, id="zero-length"),
    pytest.param(_testmon_2, id="pytest-testmon-2.2.0"),
    pytest.param(_schema_version("0"), id="older-schema-0"),
    pytest.param(_schema_version("99"), id="newer-schema-99"),
    pytest.param(_coverage_file, id="another-tools-sqlite"),
]


class TestDamagedData:
    @pytest.mark.parametrize("damage", DAMAGE)
    def test_warns_and_rebuilds(self, project: Project, damage: Callable[[Project], bool]) -> None:
        project.write(CALC)
        warns = damage(project)
        path = project.path / DATAFILE
        run = project.run("--testmon")
        assert_no_crash(run.out)
        assert run.ret == 0
        assert run.ran == ["test_add", "test_mul"]  # nothing is trusted: all run
        if warns:
            run.result.stdout.fnmatch_lines(
                [f"*RippleWarning: testmon: {path} cannot be used: *. It is rebuilt from this run*"]
            )
        assert assert_sound(path) == {"test_calc.py::test_add", "test_calc.py::test_mul"}
        assert project.run("--testmon").ran == []
        project.edit("calc.py", *MUL)
        assert project.run("--testmon").ran == ["test_mul"]

    def test_the_warning_shows_with_quiet(self, project: Project) -> None:
        """`-q` (often in addopts) hides pytest's report header; the warning that the
        data file is rebuilt must not be hidden with it."""
        project.write(CALC)
        _testmon_2(project)
        run = project.run("--testmon", "-q")
        assert run.ran == ["test_add", "test_mul"]
        assert f"{project.path / DATAFILE} cannot be used" in run.out

    def test_a_dry_run_on_a_damaged_file_changes_nothing(self, project: Project) -> None:
        project.write(CALC)
        _random_bytes(project)
        before = (project.path / DATAFILE).read_bytes()
        run = project.run("--testmon", "--collect-only")
        assert run.ret == 0
        assert "the next recording run rebuilds it" in run.out
        assert (project.path / DATAFILE).read_bytes() == before


# -- unwritable data ------------------------------------------------------------------


class FailingConnection:
    """A sqlite3 connection whose statements fail on demand with the error SQLite gives
    (the way coverage.py's tests wrap their data file). ``fail(sql)`` returns the
    message to raise, or None."""

    def __init__(self, con: sqlite3.Connection, fail: Callable[[str], str | None]) -> None:
        self._con = con
        self._fail = fail

    def _check(self, sql: str) -> None:
        message = self._fail(sql)
        if message is not None:
            raise sqlite3.OperationalError(message)

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        self._check(sql)
        return self._con.execute(sql, *args)

    def executemany(self, sql: str, *args: Any) -> sqlite3.Cursor:
        self._check(sql)
        return self._con.executemany(sql, *args)

    def executescript(self, sql: str) -> sqlite3.Cursor:
        self._check(sql)
        return self._con.executescript(sql)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


class Injector:
    """Wraps every connection the plugin opens to one file; ``active`` switches the
    failures on and off."""

    def __init__(self, path: Path, on: Callable[[str], bool], message: str) -> None:
        self.path = str(path)
        self.on = on
        self.message = message
        self.active = True
        self.failures = 0

    def fail(self, sql: str) -> str | None:
        if self.active and self.on(sql.strip().upper()):
            self.failures += 1
            return self.message
        return None


@pytest.fixture
def inject(
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[[Path, Callable[[str], bool], str], Injector]:
    def install(path: Path, on: Callable[[str], bool], message: str) -> Injector:
        injector = Injector(path, on, message)
        real = sqlite3.connect

        def connect(database: Any, *args: Any, **kwargs: Any) -> Any:
            con = real(database, *args, **kwargs)
            if os.path.abspath(str(database)) == injector.path:
                return FailingConnection(con, injector.fail)
            return con

        monkeypatch.setattr(sqlitedb.sqlite3, "connect", connect)
        return injector

    return install


def _writes(sql: str) -> bool:
    return sql.startswith(("INSERT", "UPDATE", "DELETE"))


def _opens(sql: str) -> bool:
    return sql.startswith("PRAGMA JOURNAL_MODE")


def _can_chattr(probe_dir: Path) -> str | None:
    """Why `chattr +i` cannot make a file read-only here, or None when it can (as root,
    chmod does not stop writes, the immutable attribute does)."""
    if shutil.which("chattr") is None:
        return "chattr is not installed"
    probe = probe_dir / "chattr-probe"
    probe.write_text("x")
    try:
        if subprocess.run(["chattr", "+i", str(probe)], capture_output=True).returncode:
            return "this file system does not support chattr +i"
        try:
            with open(probe, "w"):
                return "chattr +i does not stop writes here"
        except OSError:
            return None
    finally:
        subprocess.run(["chattr", "-i", str(probe)], capture_output=True)
        probe.unlink()


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[None]:
    subprocess.run(["chattr", "+i", str(path)], check=True)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@pytest.fixture
def chattr(tmp_path: Path) -> None:
    reason = _can_chattr(tmp_path)
    if reason is not None:
        pytest.skip(f"needs chattr +i to make a file read-only: {reason}")


@pytest.fixture
def tiny_disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A 512 KiB tmpfs, to fill up (mounting one needs root)."""
    mount = tmp_path_factory.mktemp("tiny_disk")
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a full disk is simulated with a tiny tmpfs, which needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk: Path) -> Path:
    """Fill the disk to the last byte."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


class TestUnwritableData:
    def _edited(self, project: Project) -> None:
        """A baseline run, then an edit that affects test_mul only."""
        project.write(CALC)
        assert project.run("--testmon").ran == ["test_add", "test_mul"]
        project.edit("calc.py", *MUL)

    def assert_still_selected(self, project: Project) -> None:
        """Nothing of the failed run was written; nothing before it was lost."""
        assert project.run("--testmon").ran == ["test_mul"]
        assert project.run("--testmon").ran == []

    @pytest.mark.usefixtures("chattr")
    def test_read_only_data_file(self, project: Project) -> None:
        """chattr +i on the data file (as root, chmod does not stop writes)."""
        self._edited(project)
        path = project.path / DATAFILE
        with immutable(path):
            run = project.run("--testmon")
            assert run.ret == 0
            assert run.ran == ["test_mul"]  # it still decides from what it can read
            assert f"testmon: could not write {path}" in run.out
            assert "the tests of this run stay selected" in run.out
        self.assert_still_selected(project)

    @pytest.mark.parametrize(
        "message", ["attempt to write a readonly database", "database or disk is full"]
    )
    def test_writes_fail(
        self, project: Project, inject: Callable[..., Injector], message: str
    ) -> None:
        """Simulated (a failing connection): every write fails, as on a read-only file
        or a full disk, without root."""
        self._edited(project)
        path = project.path / DATAFILE
        injector = inject(path, _writes, message)
        run = project.run("--testmon")
        assert injector.failures
        assert run.ret == 0
        assert run.ran == ["test_mul"]
        assert f"testmon: could not write {path} ({message})" in run.out
        injector.active = False
        self.assert_still_selected(project)

    def test_an_io_error_on_open_keeps_the_data(
        self, project: Project, inject: Callable[..., Injector]
    ) -> None:
        """Simulated: opening fails with an I/O error (a full disk cannot make the
        shared-memory file). The run still runs what it must; the data file is not
        thrown away for it."""
        self._edited(project)
        path = project.path / DATAFILE
        before = path.read_bytes()
        injector = inject(path, _opens, "disk I/O error")
        run = project.run("--testmon")
        assert injector.failures
        assert_no_crash(run.out)
        assert run.ret == 0
        assert "test_mul" in run.ran
        assert str(path) in run.out
        injector.active = False
        assert path.read_bytes() == before
        self.assert_still_selected(project)

    def test_disk_full_when_the_run_starts(
        self, project: Project, tiny_disk: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The data file lives on a tmpfs that is full before the run starts."""
        path = tiny_disk / DATAFILE
        monkeypatch.setenv("TESTMON_DATAFILE", str(path))
        self._edited(project)
        filler = fill(tiny_disk)
        run = project.run("--testmon")
        assert_no_crash(run.out)
        assert run.ret == 0
        assert "test_mul" in run.ran
        assert str(path) in run.out
        filler.unlink()
        self.assert_still_selected(project)

    def test_disk_fills_up_during_the_run(
        self, project: Project, tiny_disk: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The tmpfs fills up after the data file was opened, before the run writes."""
        path = tiny_disk / DATAFILE
        monkeypatch.setenv("TESTMON_DATAFILE", str(path))
        self._edited(project)
        real_open = Store.open
        fillers: list[Path] = []

        def open_then_fill(store: Store) -> None:
            real_open(store)
            if not fillers:
                fillers.append(fill(tiny_disk))

        monkeypatch.setattr(Store, "open", open_then_fill)
        run = project.run("--testmon")
        assert fillers
        assert run.ret == 0
        assert run.ran == ["test_mul"]
        assert f"testmon: could not write {path}" in run.out
        fillers[0].unlink()
        self.assert_still_selected(project)

    @pytest.mark.usefixtures("chattr")
    def test_read_only_directory_without_a_data_file(
        self, project: Project, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """TESTMON_DATAFILE names a file in a read-only directory (chattr +i)."""
        project.write(CALC)
        folder = project.path / "readonly"
        folder.mkdir()
        path = folder / DATAFILE
        monkeypatch.setenv("TESTMON_DATAFILE", str(path))
        with immutable(folder):
            run = project.run("--testmon")
        assert_no_crash(run.out)
        assert run.ret == 0
        assert run.ran == ["test_add", "test_mul"]
        assert str(path) in run.out
        assert "damaged" not in run.out  # there is no file to be damaged
        assert not path.exists()

    @pytest.mark.usefixtures("chattr")
    def test_read_only_directory_with_a_data_file(
        self, project: Project, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The data file's directory becomes read-only (chattr +i): SQLite cannot make
        its WAL files there. The run completes; the data file is left as it was."""
        folder = project.path / "readonly"
        folder.mkdir()
        path = folder / DATAFILE
        monkeypatch.setenv("TESTMON_DATAFILE", str(path))
        self._edited(project)
        before = path.read_bytes()
        with immutable(folder):
            run = project.run("--testmon")
        assert_no_crash(run.out)
        assert run.ret == 0
        assert "test_mul" in run.ran
        assert str(path) in run.out
        assert "damaged" not in run.out
        assert path.read_bytes() == before
        self.assert_still_selected(project)

    def test_datafile_is_a_directory(
        self, project: Project, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        project.write(CALC)
        folder = project.path / "somedir"
        folder.mkdir()
        monkeypatch.setenv("TESTMON_DATAFILE", str(folder))
        for _ in range(2):
            run = project.run("--testmon")
            assert run.ret == 0
            assert run.ran == ["test_add", "test_mul"]
            assert f"testmon: {folder} is a directory, not a data file" in run.out
        assert list(folder.iterdir()) == []

    def test_datafile_in_a_missing_directory_is_created(
        self, project: Project, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        project.write(CALC)
        path = project.path / "not" / "yet" / "data"
        monkeypatch.setenv("TESTMON_DATAFILE", str(path))
        assert project.run("--testmon").ran == ["test_add", "test_mul"]
        assert assert_sound(path) == {"test_calc.py::test_add", "test_calc.py::test_mul"}
        assert project.run("--testmon").ran == []

    def test_datafile_directory_cannot_be_created(
        self, project: Project, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        project.write({**CALC, "blocker": "a file where a directory should be\n"})
        path = project.path / "blocker" / "data"
        monkeypatch.setenv("TESTMON_DATAFILE", str(path))
        run = project.run("--testmon")
        assert run.ret == 0
        assert run.ran == ["test_add", "test_mul"]
        assert f"testmon: cannot create {path.parent}" in run.out


# -- bad options ----------------------------------------------------------------------


def _usage_error(project: Project, *args: str) -> str:
    result = project.pytester.runpytest(*args)
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR, out
    assert_no_crash(out)
    assert not (project.path / DATAFILE).exists()
    return out


class TestBadOptions:
    @pytest.mark.parametrize(
        "value", ["", "has space", "../up", "a/b", "-starts-with-dash", "x" * 101, "ünï"]
    )
    def test_invalid_env_name(self, project: Project, value: str) -> None:
        project.write(CALC)
        out = _usage_error(project, "--testmon", f"--testmon-env={value}")
        assert f"--testmon-env {value!r}" in out
        assert "an environment name is 1 to 100 characters" in out

    def test_invalid_env_name_in_the_ini_file(self, project: Project) -> None:
        project.write({**CALC, "pytest.ini": "[pytest]\ntestmon_env = two words\n"})
        out = _usage_error(project, "--testmon")
        assert "'two words'" in out

    def test_testmon_env_without_a_value(self, project: Project) -> None:
        project.write(CALC)
        out = _usage_error(project, "--testmon", "--testmon-env")
        assert "--testmon-env" in out

    def test_no_testmon_wins_over_testmon(self, project: Project) -> None:
        project.write(CALC)
        run = project.run("--testmon", "--no-testmon")
        assert run.ret == 0
        assert run.ran == ["test_add", "test_mul"]
        assert "testmon:" not in run.out
        assert not (project.path / DATAFILE).exists()

    def test_no_testmon_wins_over_a_contradiction(self, project: Project) -> None:
        project.write(CALC)
        run = project.run("--testmon-nocache", "--testmon-nocollect", "--no-testmon")
        assert run.ret == 0
        assert run.ran == ["test_add", "test_mul"]
        assert not (project.path / DATAFILE).exists()

    def test_nocache_with_nocollect(self, project: Project) -> None:
        project.write(CALC)
        out = _usage_error(project, "--testmon-nocache", "--testmon-nocollect")
        assert (
            "--testmon-nocache rebuilds the data file and --testmon-nocollect writes "
            "nothing: use one of them" in out
        )

    def test_noselect_with_nocollect(self, project: Project) -> None:
        project.write(CALC)
        out = _usage_error(project, "--testmon-noselect", "--testmon-nocollect")
        assert "leaves nothing to do: use --no-testmon instead" in out


# -- bad source -----------------------------------------------------------------------

UPPER_PY = "def upper(s):\n    return s.upper()\n"
SOURCE = {
    "pytest.ini": "[pytest]\n",
    **APP,
    "app/text.py": UPPER_PY,
    "data/config.txt": "limit=3\n",
    "tests/test_calc.py": calc_tests("app.calc"),
    # imports inside the tests: a broken module fails its tests, not the collection
    "tests/test_text.py": """
        from pathlib import Path


        def test_upper():
            from app.text import upper

            assert upper("a") == "A"


        def test_config():
            path = Path(__file__).parent.parent / "data" / "config.txt"
            assert path.read_text() == "limit=3\\n"
    """,
}
SOURCE_TESTS = ["test_add", "test_config", "test_mul", "test_upper"]


def _source(project: Project, extra: dict[str, str] | None = None, *more: str) -> None:
    """Write the project (plus ``extra`` files) and run every test once; ``more``:
    tests besides those of SOURCE and ``extra`` (in files written otherwise)."""
    project.write({**SOURCE, **(extra or {})})
    run = project.run("--testmon")
    assert run.ret == 0, run.out
    assert run.ran == sorted([*SOURCE_TESTS, *defined_tests(extra or {}), *more])


BROKEN = [
    pytest.param(b"def upper(s)\n    return s.upper()\n", id="syntax-error"),
    pytest.param(b"def upper(s):\n    return s.upper() + 'caf\xe9'\n", id="not-utf-8"),
    pytest.param(b"def upper(s):\n    return s.upper()\x00\n", id="nul-byte"),
]


class TestBadSource:
    @pytest.mark.parametrize("broken", BROKEN)
    def test_a_module_that_does_not_parse(self, project: Project, broken: bytes) -> None:
        _source(project)
        (project.path / "app/text.py").write_bytes(broken)
        run = project.run("--testmon")
        assert "INTERNALERROR" not in run.out
        assert run.ran == ["test_upper"]
        assert run.failed == ["test_upper"]
        assert project.run("--testmon").ran == ["test_upper"]  # failing: runs until fixed
        (project.path / "app/text.py").write_text(UPPER_PY)
        run = project.run("--testmon")
        assert run.ran == ["test_upper"]
        assert run.ret == 0
        assert project.run("--testmon").ran == []
        assert_sound(project.path / DATAFILE)

    def test_a_syntax_error_in_an_imported_module_stops_collection(self, project: Project) -> None:
        _source(project)
        project.edit("app/calc.py", "def mul(a, b):", "def mul(a, b)")
        run = project.run("--testmon")
        assert "INTERNALERROR" not in run.out
        assert run.ret == pytest.ExitCode.INTERRUPTED  # pytest's collection error
        assert "SyntaxError" in run.out
        assert_sound(project.path / DATAFILE)
        project.edit("app/calc.py", "def mul(a, b)", "def mul(a, b):")
        run = project.run("--testmon")
        assert run.ran == ["test_add", "test_mul"]  # everything that imports calc.py
        assert run.ret == 0
        assert project.run("--testmon").ran == []

    def test_invalid_utf_8_in_a_comment(self, project: Project) -> None:
        """Python imports a module with undecodable bytes in a comment; we cannot cut
        it into blocks, so it is one whole-file block: any edit runs all its users."""
        _source(project)
        helper = b"\n\ndef lower(s):\n    return s.lower()  # caf\xe9\n"
        (project.path / "app/text.py").write_bytes(UPPER_PY.encode() + helper)
        run = project.run("--testmon")
        assert run.ran == ["test_upper"]
        assert run.ret == 0
        assert project.run("--testmon").ran == []
        path = project.path / "app/text.py"
        path.write_bytes(path.read_bytes().replace(b"s.lower()", b"s.casefold()"))
        assert project.run("--testmon").ran == ["test_upper"]

    def test_latin_1_source(self, project: Project) -> None:
        """A module in another declared encoding, with non-UTF-8 bytes in it."""
        latin = (
            b"# -*- coding: latin-1 -*-\n"
            b"def name():\n    return 'caf\xe9'\n\n\n"
            b"def code():\n    return 'c\xf4de'\n"
        )
        tests = {
            "tests/test_latin.py": """
                from app.latin import code, name


                def test_name():
                    assert name() == "caf\\xe9"


                def test_code():
                    assert code() == "c\\xf4de"
            """
        }
        project.write(tests)
        (project.path / "app").mkdir(exist_ok=True)
        (project.path / "app/latin.py").write_bytes(latin)
        _source(project, tests)
        (project.path / "app/latin.py").write_bytes(latin.replace(b"c\xf4de'", b"c\xf4de' * 1"))
        assert project.run("--testmon").ran == ["test_code"]
        (project.path / "app/latin.py").write_bytes(latin.replace(b"caf\xe9", b"caf\xe8"))
        run = project.run("--testmon")
        assert run.ran == ["test_code", "test_name"]  # code changed back, name changed
        assert run.failed == ["test_name"]

    def test_binary_data_file_with_nul_and_invalid_utf_8(self, project: Project) -> None:
        tests = {
            "tests/test_blob.py": """
                from pathlib import Path


                def test_blob():
                    data = (Path(__file__).parent.parent / "data" / "blob.bin").read_bytes()
                    assert data[:2] == b"\\x00\\xff"
            """
        }
        project.write(tests)
        (project.path / "data").mkdir(exist_ok=True)
        (project.path / "data/blob.bin").write_bytes(b"\x00\xff\xfe\x80 not utf-8 \x00")
        _source(project, tests)
        (project.path / "data/blob.bin").write_bytes(b"\x00\xff\xfe\x81 not utf-8 \x00")
        assert project.run("--testmon").ran == ["test_blob"]
        assert project.run("--testmon").ran == []

    def test_a_very_large_generated_module(self, project: Project) -> None:
        """About 10 MB: 2,000 small functions and 1,000 long string constants (a
        generated table). 50 MB of dense code takes minutes to fingerprint: see
        docs/reliability.md."""
        parts = [f"def f_{i}(x):\n    return x + {i}\n\n\n" for i in range(2000)]
        parts += [f"BLOB_{j} = {f'row {j:05d} ' * 1000!r}\n" for j in range(1000)]
        source = "".join(parts)
        assert len(source) > 10_000_000
        tests = {
            "tests/test_big.py": """
                from app import big


                def test_first():
                    assert big.f_5(1) == 6


                def test_last():
                    assert big.f_1999(1) == 2000


                def test_blob():
                    assert big.BLOB_7.startswith("row 00007")
            """
        }
        project.write(tests)
        (project.path / "app").mkdir(exist_ok=True)
        (project.path / "app/big.py").write_text(source)
        _source(project, tests)
        project.edit("app/big.py", "return x + 1000\n", "return 1000 + x\n")
        assert project.run("--testmon").ran == []  # no test ran f_1000
        project.edit("app/big.py", "return x + 5\n", "return 5 + x\n")
        assert project.run("--testmon").ran == ["test_first"]

    def test_a_module_deleted_between_runs(self, project: Project) -> None:
        _source(project)
        project.remove("app/text.py")
        run = project.run("--testmon")
        assert run.ran == ["test_upper"]
        assert run.failed == ["test_upper"]
        project.write({"app/text.py": UPPER_PY})
        run = project.run("--testmon")
        assert run.ran == ["test_upper"]
        assert run.ret == 0

    def test_a_test_file_deleted_between_runs(self, project: Project) -> None:
        _source(project)
        text_tests = project.path / "tests/test_text.py"
        saved = text_tests.read_text()
        text_tests.unlink()
        run = project.run("--testmon")
        assert run.ret == 0
        assert run.ran == []
        assert assert_sound(project.path / DATAFILE) == {
            "tests/test_calc.py::test_add",
            "tests/test_calc.py::test_mul",
        }
        text_tests.write_text(saved)
        assert project.run("--testmon").ran == ["test_config", "test_upper"]

    @pytest.mark.parametrize(
        ("rel", "test"),
        [("app/text.py", "test_upper"), ("data/config.txt", "test_config")],
        ids=["module", "data-file"],
    )
    def test_a_file_replaced_by_a_directory(self, project: Project, rel: str, test: str) -> None:
        _source(project)
        path = project.path / rel
        saved = path.read_bytes()
        path.unlink()
        path.mkdir()
        (path / "inside.txt").write_text("x\n")
        run = project.run("--testmon")
        assert "INTERNALERROR" not in run.out
        assert run.ran == [test]
        assert run.failed == [test]
        shutil.rmtree(path)
        path.write_bytes(saved)
        run = project.run("--testmon")
        assert run.ran == [test]
        assert run.ret == 0
        assert project.run("--testmon").ran == []

    def test_symlinked_files(self, project: Project) -> None:
        """A module that is a symlink to another module of the project, a module and a
        test file that are symlinks to files outside the rootdir."""
        outside = project.path.parent / f"{project.path.name}-vendor"
        outside.mkdir()
        (outside / "shared.py").write_text("def shared():\n    return 1\n")
        (outside / "test_linked.py").write_text("def test_linked():\n    assert True\n")
        tests = {
            "tests/test_links.py": """
                from app.alias import mul
                from app.shared import shared


                def test_alias():
                    assert mul(2, 2) == 4


                def test_shared():
                    assert shared() == 1
            """
        }
        project.write({**SOURCE, **tests})
        (project.path / "app/alias.py").symlink_to("calc.py")
        (project.path / "app/shared.py").symlink_to(outside / "shared.py")
        (project.path / "tests/test_linked.py").symlink_to(outside / "test_linked.py")
        _source(project, tests, "test_linked")
        project.edit("app/calc.py", *MUL)
        assert project.run("--testmon").ran == ["test_alias", "test_mul"]
        (outside / "shared.py").write_text("def shared():\n    return 2 - 1\n")
        assert project.run("--testmon").ran == ["test_shared"]
        (outside / "test_linked.py").write_text("def test_linked():\n    assert 1\n")
        assert project.run("--testmon").ran == ["test_linked"]
        assert project.run("--testmon").ran == []

    def test_code_outside_the_rootdir(self, project: Project) -> None:
        """A helper imported from outside the rootdir (``pythonpath = ../x``) is not
        project code: it is not stored, and a change to it is seen only through a
        declared dependency (``testmon_depends``)."""
        outside = project.path.parent / f"{project.path.name}-outside"
        outside.mkdir()
        (outside / "helper.py").write_text("def helper():\n    return 1\n")
        tests = {
            "tests/test_outside.py": f"""
                import pytest
                from helper import helper


                def test_plain():
                    assert helper() == 1


                @pytest.mark.testmon_depends("../{outside.name}/*.py")
                def test_declared():
                    assert helper() == 1
            """
        }
        ini = {"pytest.ini": f"[pytest]\npythonpath = ../{outside.name}\n"}
        _source(project, {**ini, **tests})
        store = Store(project.path / DATAFILE)
        try:
            store.open()
            paths = set(store.files())
        finally:
            store.close()
        assert not any(p.startswith(("/", "..")) or "helper" in p for p in paths), paths
        (outside / "helper.py").write_text("def helper():\n    return 2 - 1\n")
        assert project.run("--testmon").ran == ["test_declared"]

    def test_an_absolute_testmon_depends_glob(self, project: Project) -> None:
        """The same dependency declared by an absolute glob: it is honoured, and the
        run's results are written (one odd marker must not stop all recording)."""
        outside = project.path.parent / f"{project.path.name}-outside"
        outside.mkdir()
        (outside / "schema.json").write_text("{}\n")
        tests = {
            "tests/test_abs.py": f"""
                import pytest


                @pytest.mark.testmon_depends({str(outside / "*.json")!r})
                def test_declared():
                    pass
            """
        }
        project.write({**SOURCE, **tests})
        run = project.run("--testmon")
        assert run.ret == 0
        assert "testmon: could not" not in run.out
        assert project.run("--testmon").ran == []
        (outside / "schema.json").write_text('{"v": 2}\n')
        assert project.run("--testmon").ran == ["test_declared"]

    def test_a_test_that_changes_the_working_directory(
        self, project: Project, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        elsewhere = project.path.parent / f"{project.path.name}-elsewhere"
        elsewhere.mkdir()
        tests = {
            "tests/test_cwd.py": f"""
                import os
                from pathlib import Path

                from app.calc import add, mul

                ROOT = Path(__file__).parent.parent


                def test_a():
                    assert add(1, 1) == 2


                def test_b_chdir():
                    os.chdir({str(elsewhere)!r})  # and never back


                def test_c_after():
                    assert (ROOT / "data" / "config.txt").read_text() == "limit=3\\n"
                    assert mul(2, 2) == 4
            """
        }
        _source(project, tests)
        monkeypatch.chdir(project.path)
        assert list(elsewhere.iterdir()) == []  # the data file was written where it is
        assert project.run("--testmon").ran == []
        monkeypatch.chdir(project.path)
        project.edit("app/calc.py", *MUL)
        assert project.run("--testmon").ran == ["test_c_after", "test_mul"]
        monkeypatch.chdir(project.path)
        project.write({"data/config.txt": "limit=4\n"})
        run = project.run("--testmon")
        assert run.ran == ["test_c_after", "test_config"]
        monkeypatch.chdir(project.path)
        assert list(elsewhere.iterdir()) == []

    def test_a_test_that_changes_sys_path(self, project: Project) -> None:
        tests = {
            "plugins/plug.py": """
                def value():
                    return 1
            """,
            "tests/test_path.py": """
                import sys

                from app.calc import add


                def test_extend():
                    sys.path.insert(0, "plugins")  # relative, and left there
                    import plug

                    assert plug.value() == 1


                def test_later():
                    assert add(1, 2) == 3
            """,
        }
        _source(project, tests)
        assert project.run("--testmon").ran == []
        project.edit("plugins/plug.py", "return 1", "return 2 - 1")
        assert project.run("--testmon").ran == ["test_extend"]
        project.edit("app/calc.py", *ADD)
        assert project.run("--testmon").ran == ["test_add", "test_later"]

    def test_a_test_that_forks(self, project: Project) -> None:
        tests = {
            "tests/test_fork.py": """
                import os

                from app.calc import add, mul


                def test_fork():
                    pid = os.fork()
                    if pid == 0:  # the child leaves through os._exit: no atexit, no flush
                        os._exit(0 if mul(2, 3) == 6 else 1)
                    _, status = os.waitpid(pid, 0)
                    assert status == 0


                def test_plain():
                    assert add(1, 2) == 3
            """
        }
        if not hasattr(os, "fork"):
            pytest.skip("os.fork is POSIX only")
        _source(project, tests)
        assert_sound(project.path / DATAFILE)
        # the forked child reports what it ran (children.py): nothing runs again
        assert project.run("--testmon").ran == []
        project.edit("app/calc.py", "return a + b", "return b + a")
        assert project.run("--testmon").ran == ["test_add", "test_plain"]
        project.edit("app/calc.py", "return a * b", "return b * a")  # run by the child only
        assert project.run("--testmon").ran == ["test_fork", "test_mul"]

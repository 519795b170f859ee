"""Fixtures for every test file: the scratch project, and two checks on what a test
leaves behind or starts (tracing hooks; processes, which need the ``slow`` marker).
Helpers to import are in ``helpers.py``."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from typing import Any, Iterator

import hypothesis  # noqa: F401  # loaded once here: its pytest plugin would re-import it per in-process run
import pytest

import pytest_ripple
from helpers import Project

# pytester's in-process runs forget the modules a run imported: each run would import
# (without .pyc files, compile) pytest-ripple's modules again, most of a short run's time
for _module in pkgutil.iter_modules(pytest_ripple.__path__, "pytest_ripple."):
    if not _module.name.endswith(("__main__", ".child")):
        importlib.import_module(_module.name)


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Project:
    # An edit in the same second with the same size would reuse a stale .pyc.
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.delenv("TESTMON_DATAFILE", raising=False)
    pytester.syspathinsert()  # as `python -m pytest` does with the current directory
    return Project(pytester)


@pytest.fixture(autouse=True)
def _restore_tracing() -> Iterator[None]:
    """Tests that start trackers must give the interpreter's hooks back.

    A trace function that was in place before the test and is gone after it was
    switched off by the test's code (``sys.settrace(None)`` in a scratch test run
    in-process, as TestDebuggers does on purpose). It wraps this whole suite: coverage.py,
    or pytest-ripple's own sys.settrace engine under ``pytest --testmon`` on Python
    < 3.12. That tracer sees the loss itself (pytest-ripple selects the test again next
    time), so it is put back here and not reported. A trace function left installed is."""
    before = sys.gettrace()
    yield
    after = sys.gettrace()
    if after is not before:
        sys.settrace(before)
        if after is not None:
            pytest.fail("a test left sys.settrace changed")


# -- the slow marker ------------------------------------------------------------------

# Programs a quick test may start: small system tools, not Python.
QUICK_PROGRAMS = frozenset({"chattr", "mount", "umount"})
_PROCESS_EVENTS = frozenset(
    {"subprocess.Popen", "os.system", "os.posix_spawn", "os.spawn", "os.exec"}
)


class _ProcessLog:
    """An audit hook (it cannot be removed): the programs started while ``started`` is
    a list, that is while a test without the ``slow`` marker runs."""

    def __init__(self) -> None:
        self.started: list[str] | None = None

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if event not in _PROCESS_EVENTS or self.started is None:
            return
        if event == "os.system":  # (command,): a shell runs it
            program = "sh"
        elif event == "os.spawn":  # (mode, path, args, env)
            program = args[1]
        else:  # subprocess.Popen (executable, args, cwd, env), os.posix_spawn, os.exec
            program = args[0]
        name = os.path.basename(os.fsdecode(program))
        if name not in QUICK_PROGRAMS:
            self.started.append(name)


_process_log = _ProcessLog()
sys.addaudithook(_process_log)


@pytest.fixture(autouse=True)
def _slow_if_it_starts_processes(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that starts a process (a Python subprocess, a shell, pytest-xdist's
    workers, a virtual environment) costs seconds: it must be marked ``slow``, so that
    ``pytest -m "not slow"`` stays a quick inner loop."""
    if request.node.get_closest_marker("slow") is not None:
        yield
        return
    _process_log.started = []
    try:
        yield
    finally:
        started, _process_log.started = _process_log.started, None
    if started:
        pytest.fail(f"started {sorted(set(started))} without @pytest.mark.slow")

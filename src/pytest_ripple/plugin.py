"""The pytest entry point: options, then one object per role, chosen once.

==================  =========  ========  ========  ========
process             Selector   Tracker   Writer    hand-off
==================  =========  ========  ========  ========
without xdist       decides    tracks    writes    -
xdist controller    decides    -         writes    Controller
xdist worker        applies    tracks    -         Worker
==================  =========  ========  ========  ========

The data flow: options -> decision (changes, selection) -> tracking -> store -> report.
"""

from __future__ import annotations

import os
from importlib import metadata
from typing import TYPE_CHECKING, Any

import pytest

from pytest_ripple.early import ENV as EARLY_ENV
from pytest_ripple.options import (
    ALWAYS_MARKER,
    DEPENDS_MARKER,
    add_options,
    failed_first_then_affected,
    resolve,
    will_record,
)
from pytest_ripple.startup import (
    drop_early_tracer,
    has_early_tracer,
    start,
    take_early_tracer,
)

# The roles load only when the plugin is on: pytest imports this module at every
# start-up, and a run without --testmon must not pay for SQLite, ast and the tracers.
if TYPE_CHECKING:
    from pytest_ripple.state import RunState

_roles_key = pytest.StashKey[list[tuple[str, Any]]]()


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    if _testmon_installed(pluginmanager):
        raise pytest.UsageError(
            "pytest-ripple and pytest-testmon are both installed and both own the "
            "--testmon options: uninstall one of them (pip uninstall pytest-testmon), "
            "or disable it for this run with -p no:pytest-testmon"
        )
    add_options(parser)


def _testmon_installed(pluginmanager: pytest.PytestPluginManager) -> bool:
    if pluginmanager.is_blocked("pytest-testmon"):
        return False
    try:
        metadata.distribution("pytest-testmon")
    except metadata.PackageNotFoundError:
        return False
    return True


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Before pytest's last-failed plugin is configured: ``--lf --ff --testmon`` runs
    the last failures first, then the other affected tests (the guide's "run last
    failed, then all affected"), where ``--lf`` alone would leave those out."""
    failed_first_then_affected(config.option)


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    """Start tracking before the first conftest.py is imported. Code that runs at
    import time (filling a registry, a cache, parametrize data) runs once per process:
    it is seen now or never."""
    if not will_record(early_config.known_args_namespace):
        drop_early_tracer(early_config)  # started on a wrong guess (startup.start_early)
    elif not has_early_tracer(early_config):
        from pytest_ripple.tracking import warning_filters

        start(early_config, warning_filters(early_config))


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    settings = resolve(config)
    if settings is None:
        drop_early_tracer(config)
        return
    config.addinivalue_line(
        "markers",
        f"{ALWAYS_MARKER}: run this test on every --testmon run (for dependencies "
        "pytest-ripple cannot see)",
    )
    config.addinivalue_line(
        "markers",
        f"{DEPENDS_MARKER}(*globs): files (globs relative to the rootdir) this test "
        "depends on although it does not visibly read them",
    )
    from pytest_ripple.handoff import uses_xdist
    from pytest_ripple.state import RunState

    run = RunState.create(config, settings)
    if hasattr(config, "workerinput"):
        roles = _worker_roles(run, config)
    elif uses_xdist(config):
        drop_early_tracer(config)  # a controller runs no test: nothing to track
        roles = _controller_roles(run)
        if settings.record and EARLY_ENV not in os.environ:
            # workers start as ``python -c``: this tells their .pth line to start
            # tracking while their pytest parses its arguments (early.py)
            os.environ[EARLY_ENV] = "1"
            config.add_cleanup(_unset_early_env)
    else:
        roles = _local_roles(run, config)
    if settings.report is not None and not hasattr(config, "workerinput"):
        from pytest_ripple.report import SummaryWriter

        roles.append(("ripple-summary", SummaryWriter(run)))
    for name, role in roles:
        config.pluginmanager.register(role, name)
    config.stash[_roles_key] = roles


def _unset_early_env() -> None:
    os.environ.pop(EARLY_ENV, None)


def _local_roles(run: RunState, config: pytest.Config) -> list[tuple[str, Any]]:
    from pytest_ripple.recording import Writer
    from pytest_ripple.report import StatusReporter
    from pytest_ripple.selecting import Selector, decide_from_store
    from pytest_ripple.tracking import Tracker

    selector = Selector(run, lambda: decide_from_store(run))
    roles: list[tuple[str, Any]] = [("ripple-selector", selector)]
    roles.append(("ripple-report", StatusReporter(run)))
    if run.settings.record:
        tracker = Tracker(run, take_early_tracer(config))
        roles.append(("ripple-tracker", tracker))
        roles.append(("ripple-writer", Writer(run, tracker.import_reads, tracker.module_records)))
    return roles


def _controller_roles(run: RunState) -> list[tuple[str, Any]]:
    from pytest_ripple.handoff import ControllerHandoff
    from pytest_ripple.recording import Writer
    from pytest_ripple.report import StatusReporter
    from pytest_ripple.selecting import Selector, decide_from_store

    selector = Selector(run, lambda: decide_from_store(run))
    roles: list[tuple[str, Any]] = [("ripple-selector", selector)]
    roles.append(("ripple-report", StatusReporter(run)))
    roles.append(("ripple-handoff", ControllerHandoff(run)))
    if run.settings.record:
        roles.append(("ripple-writer", Writer(run, set, run.take_module_records)))
    return roles


def _worker_roles(run: RunState, config: pytest.Config) -> list[tuple[str, Any]]:
    from pytest_ripple.handoff import WorkerHandoff
    from pytest_ripple.selecting import Selector
    from pytest_ripple.tracking import Tracker

    tracker = None
    if run.settings.record:
        tracker = Tracker(run, take_early_tracer(config))
    handoff = WorkerHandoff(run, tracker)
    selector = Selector(run, handoff.load)
    roles: list[tuple[str, Any]] = [("ripple-selector", selector), ("ripple-handoff", handoff)]
    if tracker is not None:
        roles.append(("ripple-tracker", tracker))
    return roles


def pytest_unconfigure(config: pytest.Config) -> None:
    roles = config.stash.get(_roles_key, None)
    if roles is not None:
        del config.stash[_roles_key]
        for name, role in roles:
            close = getattr(role, "close", None)
            if close is not None:
                close()
            config.pluginmanager.unregister(role, name)
        roles[0][1].run.release()
    drop_early_tracer(config)

"""The recording role (a run without xdist, or the xdist controller; never a worker):
collects each finished test's result and dependencies from its reports, and writes
them, with the files they depend on, in transactions at least every second, so an
interrupted run keeps what finished."""

from __future__ import annotations

import sqlite3
import sys
import time
from typing import Any, Callable

import pytest

from pytest_ripple import environment, reasons
from pytest_ripple.changes import PACKAGE
from pytest_ripple.paths import test_path
from pytest_ripple.state import RunState
from pytest_ripple.store import FAILED, PASSED, SKIPPED, RunRow, Store, TestResult

# Write finished tests at least this often, so an interrupted run keeps them.
FLUSH_EVERY_S = 1.0
FLUSH_EVERY_N = 200


class Writer:
    def __init__(
        self,
        run: RunState,
        import_reads: Callable[[], set[tuple[str, str]]],
        module_records: Callable[[], dict[str, set[tuple[str, str]]]],
    ) -> None:
        self.run = run
        # from this process's tracker, or (xdist controller) from the workers
        self._take_import_reads = import_reads
        self._take_module_records = module_records
        self._phases: dict[str, list[Any]] = {}
        self._results: list[TestResult] = []
        self._finished: set[str] = set()
        self._last_flush = time.monotonic()
        self._decision_written = False
        self._import_run_saved: set[tuple[str, str]] = set()
        self._drop: set[str] = set()
        self._modules_seen: set[str] = set()
        self._started = (time.time(), time.monotonic())
        self._run_row: RunRow | None = None  # written with the last flush
        self._shard_out: dict[str, str] = {}  # affected tests other shards run: pending

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self._started = (time.time(), time.monotonic())

    # -- results ----------------------------------------------------------------------
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.run.store is None:
            return
        phases = self._phases.setdefault(report.nodeid, [PASSED, 0.0])
        if report.failed:
            phases[0] = FAILED
        elif report.skipped and phases[0] == PASSED:
            phases[0] = SKIPPED
        phases[1] += getattr(report, "duration", 0.0) or 0.0
        if report.when != "teardown":
            return
        outcome, duration = self._phases.pop(report.nodeid)
        deps = getattr(report, "ripple_deps", None)
        if deps is None:
            return  # not tracked: it stays selected
        self._finished.add(report.nodeid)
        self._results.append(
            TestResult(
                nodeid=report.nodeid,
                deps=[(p, b) for p, b in deps],
                outcome=outcome,
                duration=duration,
                pending=getattr(report, "ripple_pending", None),
                ran=time.time(),
            )
        )
        now = time.monotonic()
        if len(self._results) >= FLUSH_EVERY_N or now - self._last_flush > FLUSH_EVERY_S:
            self.flush()

    def pytest_collection_modifyitems(self, config: pytest.Config) -> None:
        """Tests deleted from files that were collected whole are forgotten. A run narrowed
        to node ids (``file::test``) proves nothing about the rest of a file. (The xdist
        controller does not collect: its workers do.)"""
        plan = self.run.decision.plan
        if plan is None or any("::" in arg for arg in config.args):
            return
        if config.getoption("lf", False):
            return  # pytest's --lf collects only the failed tests of a file with failures
        collected = self.run.collected
        seen_files = {test_path(n) for n in collected}
        for path, nodeids in plan.test_files().items():
            if path in seen_files or not (self.run.rootdir / path).exists():
                self._drop.update(n for n in nodeids if n not in collected)

    def _note_unrun_new_tests(self) -> None:
        """New tests that were collected but did not finish (filtered out by -k, a path
        or -m, or never reached after -x, a KeyboardInterrupt, a debugger's quit) are
        stored as pending: their file may be stored as seen, so without a row they
        would never be selected."""
        known = self.run.decision.known
        new = [n for n in self.run.collected - self._finished if n not in known]
        for nodeid in sorted(new):  # sorted: the few new ones, not every collected test
            self._results.append(TestResult(nodeid, [], PASSED, 0.0, pending=reasons.NEW_TEST))

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._note_unrun_new_tests()
        self._run_row = self._this_run()
        tally = self.run.tally
        if tally is not None:  # no job may forget a test it left to another shard
            known = self.run.decision.known
            self._shard_out = {n: why for n, why in tally.shard_out.items() if n in known}
        self.flush()

    def _this_run(self) -> RunRow | None:
        """The history row of this run: what ran, what we deselected, and the time the
        deselected tests took when they last ran."""
        tally = self.run.tally
        if tally is None:
            return None  # nothing was collected
        saved = self.run.saved_seconds()
        started, clock = self._started
        duration = time.monotonic() - clock
        return RunRow(started, tally.running, tally.deselected, duration, saved)

    # -- writing ---------------------------------------------------------------------
    def flush(self) -> None:
        run = self.run
        store = run.store
        if store is None:
            return
        results, self._results = self._results, []
        self._last_flush = time.monotonic()
        run.import_reads |= self._take_import_reads()
        modules = self._take_module_records()
        if (
            self._decision_written
            and not results
            and not modules
            and not run.import_reads
            and run.import_run <= self._import_run_saved
            and self._run_row is None
            and not self._shard_out
        ):
            return
        try:
            with store.db.transaction():
                if not self._decision_written:
                    self._write_decision(store)
                self._save_states(store, results, modules)
                store.save_module_imports(run.decision.env_id, modules)
                new_run = run.import_run - self._import_run_saved
                if new_run:
                    replace = run.settings.fresh and not self._import_run_saved
                    store.save_import_run(new_run, replace=replace)
                    self._import_run_saved |= new_run
                store.save_tests(run.decision.env_id, results)
                if self._shard_out:
                    env_id = run.decision.env_id
                    store.mark_pending((env_id, n, why) for n, why in self._shard_out.items())
                    self._shard_out = {}
                if self._run_row is not None:
                    store.save_run(run.decision.env_id, self._run_row)
                    self._run_row = None
        except (sqlite3.Error, OSError) as exc:
            run.warn(
                f"testmon: could not write {store.path} ({exc}); "
                "the tests of this run stay selected"
            )
            run.close_store()

    def _write_decision(self, store: Store) -> None:
        """Once per run, in the first write: the environment, the new file states and
        the tests that are now pending, in one transaction, so an interruption never
        loses a selection."""
        decision = self.run.decision
        settings = self.run.settings
        if decision.env_write is not None or decision.env_id == 0:
            env = decision.env_write
            if env is None:
                python = environment.python_tag()
                signature = environment.site_signature(self.run.rootdir)
                decision.env_id = store.save_env(settings.env, python, signature, {})
            else:
                decision.env_id = store.save_env(
                    settings.env, env.python, env.signature, env.packages
                )
        if decision.config_digest is not None:
            store.save_config_digest(decision.config_digest)
        if decision.names_version is not None:
            store.save_names_version(decision.names_version)
        plan = decision.plan
        if plan is not None:
            resolved = (decision.env_id, plan.stale_resolved)
            store.save_changes(plan.changes, plan.pending, plan.stale, resolved)
        if settings.fresh:
            store.clear_env(decision.env_id)
        self.run.import_reads |= self._take_import_reads()
        if self._drop:
            store.drop_tests(decision.env_id, self._drop)
        self._decision_written = True

    def _save_states(
        self, store: Store, results: list[TestResult], modules: dict[str, set[tuple[str, str]]]
    ) -> None:
        """Save the files these results depend on, as read in this run."""
        run = self.run
        reads, run.import_reads = run.import_reads, set()
        if reads:
            store.save_import_reads(reads)
        stored = {p: r.content for p, r in store.files().items()}
        paths = {p for res in results for p, _ in res.deps} | {f for pair in reads for f in pair}
        paths |= set(modules) | {p for deps in modules.values() for p, _ in deps}
        # conftest files count even when no test ran code in them (hooks, pytest_plugins)
        for res in results:
            paths.update(run.conftests.above(test_path(res.nodeid)))
        # so do modules imported but never entered during a test: their import-time
        # bindings (constants, parametrize data) are what name taint follows
        paths |= self._loaded_modules()
        for path in sorted(paths):
            if path.startswith(PACKAGE):
                if path not in stored:
                    store.save_file(path, 0, 0, "", None)
                    stored[path] = ""
                continue
            state = run.resolver.state(path)
            if state.fp is None or stored.get(path) == state.fp.content:
                continue
            store.save_state(state)
            stored[path] = state.fp.content

    def _loaded_modules(self) -> set[str]:
        """Project modules imported in this process (and, under xdist, on the workers)
        that no earlier flush saved."""
        found = set(self.run.worker_modules)
        self.run.worker_modules.clear()
        found |= loaded_modules(self.run, self._modules_seen)
        return found


def loaded_modules(run: RunState, seen: set[str]) -> set[str]:
    """Project files of the modules in sys.modules not in ``seen`` (which grows)."""
    found = set()
    for name, module in list(sys.modules.items()):
        if name in seen:
            continue
        seen.add(name)
        filename = getattr(module, "__file__", None)
        if isinstance(filename, str):
            rel = run.resolver.relative(filename)
            if rel is not None:
                found.add(rel)
    return found

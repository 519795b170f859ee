"""What the run says: the ``testmon:`` status line, and why each test was selected.

The status line is made from the :class:`~pytest_ripple.state.Tally` of the process
that collected the tests (this one, or under xdist the first worker to finish
collecting), so its counts mean the same with and without xdist::

    testmon: 1 file changed, 3 of 245 tests affected, 1 left out by -m "not slow"
    (addopts) (select + record, sys.monitoring)

It shows under ``-q`` too (not under ``-qq``): ``pytest --testmon -x -q`` is the
guide's pre-commit hook, and the line is the only sign of what was selected.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from pytest_ripple.state import RunState, Tally

QUIETEST_SHOWN = -1  # -q shows the status line, -qq does not


def _changes(run: RunState) -> str:
    """What the run starts from: new data, or the files changed since the last run."""
    decision = run.decision
    if run.store is None:
        if run.settings.dry_run and not run.settings.datafile.exists():
            return "no data yet"
        return "no usable data file"
    if decision.new_data:
        return "no data yet" if run.settings.dry_run else "building new data"
    plan = decision.plan
    changed = len(plan.changes.changed) if plan is not None else 0
    return f"{changed} file{'s' if changed != 1 else ''} changed"


def status_line(run: RunState, tally: Tally) -> str:
    settings = run.settings
    engine = tally.engine or run.engine
    detail = f"({settings.mode}{', ' + engine if engine else ''})"
    changes = _changes(run)
    shard = f", shard {tally.shard} runs {tally.running} of {tally.shard_pool}"
    if settings.fresh or changes == "no usable data file":
        if tally.shard:
            return f"testmon: {changes}{shard} {detail}"
        return f"testmon: {changes}, {tally.running} tests run {detail}"
    line = f"testmon: {changes}, {tally.affected} of {tally.collected} tests affected"
    if tally.left_out:
        line += f", {tally.left_out} left out by {tally.filters}"
    if tally.outside:
        line += f", {tally.outside} more outside the given paths"
    if tally.shard:
        line += shard
    elif not settings.select:
        line += f", all {tally.running} run"
    return f"{line} {detail}"


def header(run: RunState, verbose: int) -> list[str]:
    lines = list(run.decision.notes)
    if run.engine_reason and verbose > 0:
        lines.append(f"testmon: tracking with {run.engine_reason}")
    return lines


def collection_summary(run: RunState, tally: Tally, nodeids: list[str], verbose: int) -> list[str]:
    """The status line, and with ``-v`` each selected test with its reason."""
    if verbose < QUIETEST_SHOWN:
        return []
    lines = [status_line(run, tally)]
    if verbose < 0:  # -q hides the report header, and our notes in it
        lines = [*run.decision.notes, *lines]
    if verbose > 0 and run.settings.select:
        reasons = tally.reasons
        lines += [f"  {n}: {reasons.get(n) or run.decision.reason(n)}" for n in nodeids]
    return lines


class StatusReporter:
    """The report hooks, where a terminal shows them (not on xdist workers)."""

    def __init__(self, run: RunState) -> None:
        self.run = run
        self._shown = False

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        return header(self.run, config.option.verbose)

    def pytest_report_collectionfinish(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> list[str]:
        tally = self.run.tally or Tally(collected=len(items), running=len(items))
        return collection_summary(self.run, tally, [i.nodeid for i in items], config.option.verbose)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """On the xdist controller, which collects nothing itself: the status line from
        the first worker's tally (ControllerHandoff reads it just before)."""
        tally = self.run.tally
        terminal = self.run.config.pluginmanager.getplugin("terminalreporter")
        if self._shown or tally is None or terminal is None:
            return
        self._shown = True
        verbose = self.run.config.option.verbose
        lines = collection_summary(self.run, tally, list(ids), verbose)
        if lines and tally.engine_reason and verbose > 0:
            lines.insert(0, f"testmon: tracking with {tally.engine_reason}")
        if lines and bool(terminal.isatty):
            terminal.rewrite("", erase=True)  # xdist's status line: ours goes in its place
        for line in lines:
            terminal.write_line(line)


class SummaryWriter:
    """``--testmon-report PATH``: the run's summary (:mod:`summary`) as JSON, written at
    the end by the process that reports (without xdist, or the controller, which
    receives every worker's reports)."""

    def __init__(self, run: RunState) -> None:
        self.run = run
        self._results: dict[str, list[Any]] = {}  # nodeid -> [outcome, seconds]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        found = self._results.setdefault(report.nodeid, ["passed", 0.0])
        if report.failed:
            found[0] = "failed"
        elif report.skipped and found[0] == "passed":
            found[0] = "skipped"
        found[1] += getattr(report, "duration", 0.0) or 0.0

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        path = self.run.settings.report
        if path is None:
            return
        doc = self.document(int(exitstatus))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(doc, indent=2) + "\n")
            os.replace(tmp, path)
        except OSError as exc:
            self.run.warn(f"testmon: could not write the report {path} ({exc})")

    def document(self, exit_status: int | None) -> dict[str, Any]:
        from pytest_ripple import environment
        from pytest_ripple.summary import changes_doc, document

        run, settings = self.run, self.run.settings
        tally = run.tally or Tally()
        decision = run.decision
        names = list(tally.reasons) if settings.select else sorted(self._results)
        tests = []
        for nodeid in names:
            why = tally.reasons.get(nodeid) or decision.affected.get(nodeid)
            if why is None:
                why = decision.reason(nodeid) if settings.select else "every test runs"
            outcome, seconds = self._results.get(nodeid, (None, None))
            tests.append((nodeid, why, outcome, seconds))
        durations = decision.durations or {n: r.duration for n, r in decision.known.items()}
        other = sum(durations.get(n, 0.0) for n in tally.shard_out)
        plan = decision.plan
        return document(
            source="run",
            environment={"name": settings.env, "python": environment.python_tag()},
            engine=tally.engine or run.engine,
            mode=settings.mode,
            shard=str(settings.shard) if settings.shard is not None else None,
            changes=changes_doc(plan.changes if plan is not None else None),
            counts={
                "collected": tally.collected,
                "affected": tally.affected,
                "selected": tally.running,
                "deselected": tally.deselected,
                "left_out": tally.left_out,
                "other_shards": tally.shard_pool - tally.running if tally.shard else 0,
            },
            tests=tests,
            time={
                "selected": sum(r[1] for r in self._results.values()),
                "deselected": run.saved_seconds(),
                "other_shards": other,
            },
            exit_status=exit_status,
        )

"""What the run says: the ``testmon:`` status line, and why each test was selected."""

from __future__ import annotations

import pytest

from pytest_ripple.selecting import Selector
from pytest_ripple.state import RunState


def status_line(run: RunState, total: int, affected: int) -> str:
    plan = run.decision.plan
    changed = len(plan.changes.changed) if plan is not None else 0
    files = f"{changed} file{'s' if changed != 1 else ''} changed"
    engine = f", {run.engine}" if run.engine else ""
    mode = run.settings.mode
    if run.store is None:
        return f"testmon: no usable data file, {total} tests run ({mode})"
    return f"testmon: {files}, {affected} of {total} tests affected ({mode}{engine})"


def header(run: RunState, verbose: int, controller: bool) -> list[str]:
    lines = list(run.decision.notes)
    if run.engine_reason and verbose > 0:
        lines.append(f"testmon: tracking with {run.engine_reason}")
    if controller and run.decision.plan is not None:
        lines.append(status_line(run, len(run.decision.known), len(run.decision.affected)))
    return lines


def collection_summary(
    run: RunState, nodeids: list[str], verbose: int, collected: int, selected: int
) -> list[str]:
    lines = [status_line(run, collected, selected)]
    if verbose < 0:  # -q hides the report header, and our notes in it
        lines = [*run.decision.notes, *lines]
    if verbose > 0 and run.settings.select:
        lines += [f"  {nodeid}: {run.decision.reason(nodeid)}" for nodeid in nodeids]
    return lines


class StatusReporter:
    """The report hooks, where a terminal shows them (not on xdist workers)."""

    def __init__(self, run: RunState, selector: Selector, *, controller: bool) -> None:
        self.run = run
        self.selector = selector
        self.controller = controller

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        return header(self.run, config.option.verbose, self.controller)

    def pytest_report_collectionfinish(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> list[str]:
        return collection_summary(
            self.run,
            [item.nodeid for item in items],
            config.option.verbose,
            self.selector.collected_count,
            self.selector.selected_count,
        )

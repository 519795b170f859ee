"""The xdist hand-off. The controller decides before workers start and names a file
with its decision in each worker's ``workerinput``; workers apply it, track, put each
test's dependencies on its teardown report (xdist sends extra report attributes), and
send what they imported and read at import time back through ``workeroutput``."""

from __future__ import annotations

import json
import os
import tempfile
from typing import TYPE_CHECKING, Any

import pytest

from pytest_ripple.decision import Decision
from pytest_ripple.recording import loaded_modules
from pytest_ripple.state import RunState

if TYPE_CHECKING:
    from pytest_ripple.tracking import Tracker

_DECISION_KEY = "ripple_plan"


def uses_xdist(config: pytest.Config) -> bool:
    """Whether this process is an xdist controller (workers have ``workerinput``)."""
    n = getattr(config.option, "numprocesses", None)
    dist = getattr(config.option, "dist", "no")
    tx = getattr(config.option, "tx", None)
    return bool(n) or (dist not in (None, "no")) or bool(tx)


class ControllerHandoff:
    def __init__(self, run: RunState) -> None:
        self.run = run
        self._file: str | None = None

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        if self._file is None:  # the decision is made in pytest_sessionstart, before this
            fd, self._file = tempfile.mkstemp(prefix="ripple-plan-", suffix=".json")
            with os.fdopen(fd, "w") as f:
                json.dump(self.run.decision.to_doc(), f)
        node.workerinput[_DECISION_KEY] = self._file

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = getattr(node, "workeroutput", None) or {}
        run = self.run
        run.import_reads.update(tuple(pair) for pair in output.get("ripple_import_reads", []))
        run.worker_modules.update(output.get("ripple_modules", []))
        run.collected.update(output.get("ripple_collected", []))
        run.import_run.update(tuple(pair) for pair in output.get("ripple_import_run", []))
        for module, deps in output.get("ripple_module_records", {}).items():
            run.module_records[module] = {(p, b) for p, b in deps}

    def close(self) -> None:
        if self._file is not None:
            try:
                os.remove(self._file)
            except OSError:
                pass
            self._file = None


class WorkerHandoff:
    def __init__(self, run: RunState, tracker: Tracker | None) -> None:
        self.run = run
        self.tracker = tracker  # None when this run records nothing

    def load(self) -> Decision:
        """The controller's decision; none (every test runs) if it cannot be read."""
        workerinput = getattr(self.run.config, "workerinput", {})
        name = workerinput.get(_DECISION_KEY)
        if not name:
            return Decision()
        try:
            with open(name) as f:
                return Decision.from_doc(json.load(f))
        except (OSError, ValueError, KeyError, TypeError):
            return Decision()

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        out = getattr(self.run.config, "workeroutput", None)
        if out is None or self.tracker is None:
            return
        run = self.run
        out["ripple_import_reads"] = sorted(self.tracker.import_reads())
        out["ripple_module_records"] = {
            module: sorted(deps) for module, deps in self.tracker.module_records().items()
        }
        out["ripple_modules"] = sorted(loaded_modules(run, set()))
        out["ripple_collected"] = sorted(run.collected)
        out["ripple_import_run"] = sorted(run.import_run)

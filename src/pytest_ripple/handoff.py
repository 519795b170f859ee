"""The xdist hand-off. The controller decides before workers start and names a file
with its decision in each worker's ``workerinput``; workers apply it, track, put each
test's dependencies on its teardown report (xdist sends extra report attributes), and
send what they imported and read at import time back through ``workeroutput``.

The status line needs the counts of a collection, which only workers make: each
worker writes its :class:`~pytest_ripple.state.Tally` next to the decision file before
xdist tells the controller it has collected, and the controller reads the first one.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import tempfile
from typing import TYPE_CHECKING, Any

import pytest

from pytest_ripple.decision import Decision
from pytest_ripple.recording import loaded_modules
from pytest_ripple.state import RunState, Tally

if TYPE_CHECKING:
    from pytest_ripple.tracking import Tracker

_DECISION_KEY = "ripple_plan"


def _tally_file(decision_file: str, workerid: str) -> str:
    return f"{decision_file}.{workerid}.tally"


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

    @pytest.hookimpl(optionalhook=True, tryfirst=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """The worker's counts, for the status line (StatusReporter shows it next)."""
        workerid = getattr(node, "workerinput", {}).get("workerid")
        if self._file is None or workerid is None:
            return
        name = _tally_file(self._file, str(workerid))
        try:
            with open(name) as f:
                tally = Tally.from_doc(json.load(f))
        except (OSError, ValueError, TypeError):
            return
        finally:
            with contextlib.suppress(OSError):
                os.remove(name)
        if self.run.tally is None:
            self.run.tally = tally

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
            for name in [self._file, *glob.glob(glob.escape(self._file) + ".*.tally")]:
                with contextlib.suppress(OSError):
                    os.remove(name)
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

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Before xdist's own hook tells the controller this worker has collected."""
        workerinput = getattr(self.run.config, "workerinput", {})
        name, workerid = workerinput.get(_DECISION_KEY), workerinput.get("workerid")
        if not name or workerid is None or self.run.tally is None:
            return
        with contextlib.suppress(OSError), open(_tally_file(name, str(workerid)), "w") as f:
            json.dump(self.run.tally.to_doc(), f)

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

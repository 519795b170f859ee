"""The selecting role (a run without xdist, or the xdist controller; on a worker it
applies the controller's decision): decide, deselect, leave unaffected test files
unimported, and say what was decided."""

from __future__ import annotations

import sqlite3
import zlib
from pathlib import Path
from typing import Any, Callable, Generator, Iterable, Sequence

import pytest

from pytest_ripple.datafile import open_datafile
from pytest_ripple.decision import Decision, Inputs, decide
from pytest_ripple.errors import DataFileError
from pytest_ripple.paths import relative_path, test_path
from pytest_ripple.state import RunState
from pytest_ripple.tracer import Tracer


class KnownTest(pytest.Item):
    """A test known from the data file, in a test file that is not imported because
    none of its tests is affected. It is counted as collected, then deselected."""

    def runtest(self) -> None:  # never runs: always deselected
        raise RuntimeError(f"pytest-ripple: {self.nodeid} was not imported")

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, self.name


class KnownModule(pytest.File):
    known: Sequence[str] = ()
    tracer: Tracer | None = None

    def collect(self) -> Iterable[pytest.Item]:
        # no project code runs here: on the sys.settrace engine, tracing pytest's
        # item construction would double the cost of a run that changed nothing
        items = []
        if self.tracer is not None:
            self.tracer.suspend()
        try:
            for nodeid in self.known:
                name = nodeid.split("::", 1)[1] if "::" in nodeid else nodeid
                items.append(KnownTest.from_parent(self, name=name, nodeid=nodeid))
        finally:
            if self.tracer is not None:
                self.tracer.resume()
        return items


def decide_from_store(run: RunState) -> Decision:
    """Open the data file and decide (a run without xdist, or the xdist controller)."""
    opened = open_datafile(run.settings)
    for message in opened.warnings:
        run.warn(message)
    run.store = opened.store
    if opened.store is None:
        return Decision(notes=opened.notes)
    config = run.config
    cache = getattr(config, "cache", None)  # absent with -p no:cacheprovider
    lastfailed = cache.get("cache/lastfailed", {}) if cache is not None else {}
    inputs = Inputs(
        rootdir=run.rootdir,
        env_name=run.settings.env,
        select=run.settings.select,
        inipath=config.inipath,
        lastfailed=lastfailed if isinstance(lastfailed, dict) else (),
        python_functions=config.getini("python_functions"),
        python_classes=config.getini("python_classes"),
    )
    try:
        decision = decide(opened.store, inputs)
    except (sqlite3.Error, DataFileError, OSError, ValueError, zlib.error) as exc:
        run.warn(f"testmon: could not read {run.settings.datafile} ({exc!r}); running every test")
        return Decision()
    decision.notes[:0] = opened.notes
    return decision


class Selector:
    def __init__(self, run: RunState, source: Callable[[], Decision]) -> None:
        self.run = run
        self.source = source  # where the decision comes from: the store or the controller
        self.tracer: Tracer | None = None  # suspended while stand-in items are built
        self.collected_count = 0
        self.selected_count = 0

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.run.decision = self.source()

    @pytest.hookimpl(tryfirst=True)
    def pytest_pycollect_makemodule(
        self, module_path: Path, parent: pytest.Collector
    ) -> pytest.File | None:
        """A test file none of whose tests is affected is not imported: its known tests
        stand in for it, to be counted and deselected."""
        skip = self.run.decision.skip
        if not skip:
            return None
        rel = relative_path(self.run.rootdir, module_path)
        if rel is None or rel not in skip or self._new_conftests(rel):
            return None
        module = KnownModule.from_parent(parent, path=module_path)
        module.known = skip[rel]
        module.tracer = self.tracer
        return module

    def _new_conftests(self, rel_file: str) -> list[str]:
        return self.run.conftests.new_above(rel_file, self.run.decision.known_conftests)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> Generator[None, None, None]:
        standins = [item for item in items if isinstance(item, KnownTest)]
        if standins:  # other plugins never see them
            items[:] = [item for item in items if not isinstance(item, KnownTest)]
        collected = [item.nodeid for item in items] + [item.nodeid for item in standins]
        self.collected_count = len(collected)
        self.run.collected.update(collected)
        result = yield
        if not self.run.settings.select:
            self.selected_count = len(items)
            return result
        decision = self.run.decision
        keep: list[pytest.Item] = []
        drop: list[Any] = []
        for item in items:
            nodeid = item.nodeid
            if nodeid in decision.deselect:
                news = self._new_conftests(test_path(nodeid))
                if not news:
                    drop.append(item)
                    continue
                decision.affected[nodeid] = f"{news[0]} is new"
            keep.append(item)
        drop.extend(standins)
        self.selected_count = len(keep)
        if drop:
            items[:] = keep
            config.hook.pytest_deselected(items=drop)
        return result

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if (
            exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED
            and self.run.settings.select
            and self.run.decision.deselect
        ):
            session.exitstatus = pytest.ExitCode.OK

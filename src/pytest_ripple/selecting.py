"""The selecting role (a run without xdist, or the xdist controller; on a worker it
applies the controller's decision): decide, deselect, leave unaffected test files
unimported, and say what was decided."""

from __future__ import annotations

import os
import sqlite3
import zlib
from pathlib import Path
from typing import Any, Callable, Generator, Iterable, Iterator, Sequence

import pytest

from pytest_ripple import reasons
from pytest_ripple.datafile import open_datafile
from pytest_ripple.decision import Decision, Inputs, decide
from pytest_ripple.errors import DataFileError
from pytest_ripple.paths import conftest_dir, relative_path, test_path
from pytest_ripple.state import RunState, Tally


class KnownModule(pytest.File):
    """A test file none of whose tests is affected: not imported, and no item is built
    for its tests (at 100k tests, pytest's items were half of a no-change run). Its
    known tests are counted as collected and deselected from the data."""

    known: Sequence[str] = ()
    sink: list[tuple[KnownModule, Sequence[str]]]

    def collect(self) -> Iterable[pytest.Item]:
        self.sink.append((self, self.known))
        return []


class Unimported:
    """What pytest's reporting gets for a known test of a file that was not imported.
    ``pytest_deselected`` implementations count items, or read what a node offers
    without running it (node id, session, markers: none, as no module was imported);
    other plugins read the terminal's ``stats["deselected"]`` (hypothesis reads every
    entry's ``__dict__``, so no ``__slots__``)."""

    own_markers: tuple[()] = ()

    def __init__(self, nodeid: str, parent: KnownModule) -> None:
        self.nodeid = nodeid
        self.parent = parent

    @property
    def name(self) -> str:
        return self.nodeid.rpartition("::")[2]

    @property
    def session(self) -> pytest.Session:
        return self.parent.session

    @property
    def config(self) -> pytest.Config:
        return self.parent.config

    @property
    def path(self) -> Path:
        return self.parent.path

    @property
    def fspath(self) -> Any:
        return self.parent.fspath

    @property
    def keywords(self) -> dict[str, Any]:
        return {self.name: True}

    @property
    def location(self) -> tuple[str, int | None, str]:
        path, _, name = self.nodeid.partition("::")
        return path, None, name

    def iter_markers(self, name: str | None = None) -> Iterator[Any]:
        return iter(())

    def iter_markers_with_node(self, name: str | None = None) -> Iterator[Any]:
        return iter(())

    def get_closest_marker(self, name: str, default: Any = None) -> Any:
        return default

    def listchain(self) -> list[Any]:
        return [*self.parent.listchain(), self]

    def __repr__(self) -> str:
        return f"<Unimported {self.nodeid}>"


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
    run.resolver.stored = decision.files
    if run.settings.shard is not None:
        decision.durations = {n: row.duration for n, row in decision.known.items()}
    return decision


class Selector:
    def __init__(self, run: RunState, source: Callable[[], Decision]) -> None:
        self.run = run
        self.source = source  # where the decision comes from: the store or the controller
        self._new_by_file: dict[str, list[str]] = {}
        # the known tests of each file a KnownModule stood for
        self._unimported: list[tuple[KnownModule, Sequence[str]]] = []
        self._root = str(run.rootdir).rstrip(os.sep) + os.sep

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.run.decision = self.source()

    @pytest.hookimpl(tryfirst=True)
    def pytest_pycollect_makemodule(
        self, module_path: Path, parent: pytest.Collector
    ) -> pytest.File | None:
        """A test file none of whose tests is affected is not imported: its known tests
        are counted as collected and deselected."""
        skip = self.run.decision.skip
        if not skip:
            return None
        full = str(module_path)  # Path.relative_to is slow, and asked of every test file
        if full.startswith(self._root):
            rel: str | None = full[len(self._root) :].replace(os.sep, "/")
        else:
            rel = relative_path(self.run.rootdir, module_path)
        if rel is None or rel not in skip or self._new_conftests(rel):
            return None
        module = KnownModule.from_parent(parent, path=module_path)
        module.known = skip[rel]
        module.sink = self._unimported
        return module

    def _new_conftests(self, rel_file: str) -> list[str]:
        found = self._new_by_file.get(rel_file)
        if found is None:  # once per test file: asked of every collected test
            found = self.run.conftests.new_above(rel_file, self.run.decision.known_conftests)
            self._new_by_file[rel_file] = found
        return found

    def _affected(self, nodeid: str) -> bool:
        """Whether this run selects the test: it is not known to be up to date, or a
        conftest.py above it is new (it may change anything below it)."""
        decision = self.run.decision
        if nodeid not in decision.deselect:
            return True
        news = self._new_conftests(test_path(nodeid))
        if not news:
            return False
        reach = reasons.scope(conftest_dir(news[0]) or "")
        decision.affected[nodeid] = reasons.step(reasons.added(news[0]), reach)
        return True

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> Generator[None, None, None]:
        unimported = self._unimported
        collected = [item.nodeid for item in items]
        for _, known in unimported:
            collected.extend(known)
        self.run.collected.update(collected)
        affected = {n for n in collected if self._affected(n)}
        result = yield
        select = self.run.settings.select
        keep = [item for item in items if not select or item.nodeid in affected]
        drop: list[Any] = [item for item in items if select and item.nodeid not in affected]
        if unimported:
            drop.extend(self._report_unimported(config, unimported))
        self.run.tally = tally = self._tally(config, collected, affected, keep)
        tally.deselected = len(drop) if select else 0
        shard_out = self._shard(keep, drop, affected)
        if self.run.settings.shard is not None:
            tally.shard, tally.shard_pool = str(self.run.settings.shard), tally.running
            tally.running = len(keep)
            tally.shard_out = {n: self.run.decision.reason(n) for n in shard_out}
            tally.reasons = {n: why for n, why in tally.reasons.items() if n not in shard_out}
        if drop:
            items[:] = keep
            config.hook.pytest_deselected(items=drop)
        return result

    def _report_unimported(
        self, config: pytest.Config, files: list[tuple[KnownModule, Sequence[str]]]
    ) -> list[Unimported]:
        """pytest counts collected items as its collectors return them: the known tests
        of files that were not imported are added to the terminal's count, so that its
        "collected N items / M deselected" reads as if they had been collected."""
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        count = getattr(reporter, "_numcollected", None)
        out = [Unimported(nodeid, module) for module, known in files for nodeid in known]
        if reporter is not None and isinstance(count, int):
            reporter._numcollected = count + len(out)
        return out

    def _shard(self, keep: list[pytest.Item], drop: list[Any], affected: set[str]) -> list[str]:
        """With --testmon-shard: keep this shard's part of ``keep``, move the rest to
        ``drop``; the affected tests among those are returned, to stay pending here."""
        shard = self.run.settings.shard
        if shard is None:
            return []
        mine = shard.pick([item.nodeid for item in keep], self.run.decision.durations)
        others = [item for item in keep if item.nodeid not in mine]
        keep[:] = [item for item in keep if item.nodeid in mine]
        drop.extend(others)
        return [item.nodeid for item in others if item.nodeid in affected]

    def _tally(
        self,
        config: pytest.Config,
        collected: list[str],
        affected: set[str],
        keep: list[pytest.Item],
    ) -> Tally:
        run = self.run
        kept = {item.nodeid for item in keep}
        left_out = len(affected - kept)
        tally = Tally(
            collected=len(collected),
            affected=len(affected),
            left_out=left_out,
            filters=describe_filters(config) if left_out else "",
            outside=self._outside(config, collected),
            running=len(keep),
            engine=run.engine,
            engine_reason=run.engine_reason,
        )
        wanted = config.option.verbose > 0 or run.settings.report is not None
        if wanted and run.settings.select:
            tally.reasons = {item.nodeid: run.decision.reason(item.nodeid) for item in keep}
        return tally

    def _outside(self, config: pytest.Config, collected: list[str]) -> int:
        """Affected tests in files this run did not collect because paths or node ids
        were given: they stay selected for a later run."""
        if getattr(config, "args_source", None) != pytest.Config.ArgsSource.ARGS:
            return 0
        seen = {test_path(n) for n in collected}
        exists: dict[str, bool] = {}
        count = 0
        for nodeid in self.run.decision.affected:
            path = test_path(nodeid)
            if path in seen:
                continue
            if path not in exists:
                exists[path] = (self.run.rootdir / path).is_file()
            count += exists[path]
        return count

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if (
            exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED
            and self.run.settings.select
            and self.run.decision.deselect
        ):
            session.exitstatus = pytest.ExitCode.OK


def describe_filters(config: pytest.Config) -> str:
    """The filters besides ours that can leave tests out, and where each came from
    (the command line, or addopts: ``-m "not slow" (addopts)``)."""
    given = config.invocation_params.args
    found = []
    for flag, value in (("-m", config.option.markexpr), ("-k", config.option.keyword)):
        if value:
            shown = f'{flag} "{value}"' if " " in value else f"{flag} {value}"
            on_line = any(a == flag or (a.startswith(flag) and len(a) > 2) for a in given)
            found.append(shown if on_line else f"{shown} (addopts)")
    if config.getoption("deselect", None):
        found.append("--deselect")
    if config.getoption("lf", False):
        found.append("--lf")
    return " and ".join(found) or "another plugin"

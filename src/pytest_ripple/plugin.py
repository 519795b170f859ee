"""The pytest plugin: options -> changes -> selection -> tracking -> store -> report.

One :class:`RipplePlugin` per session holds all state. In an xdist run the controller
decides and writes; workers track and send each test's dependencies on its teardown
report, and read the controller's decision from a file it names in ``workerinput``.
"""

from __future__ import annotations

import fnmatch
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any, Generator, Iterable, Sequence

import pytest

from pytest_ripple import environment, selection
from pytest_ripple.changes import PACKAGE, Changes, FileState, detect, trusted_mtime
from pytest_ripple.children import Children
from pytest_ripple.fingerprint import CLASS, MODULE, READ, WHOLE
from pytest_ripple.options import Settings, add_options, resolve, will_record
from pytest_ripple.recorder import Recorder, Resolver, Trace
from pytest_ripple.store import (
    FAILED,
    PASSED,
    SKIPPED,
    DataFileError,
    DataFileUnavailable,
    FileRow,
    Store,
    TestResult,
)
from pytest_ripple.tracer import Tracer, choose_tracer
from pytest_ripple.watcher import ReadWatcher

PLUGIN_NAME = "ripple-session"
_trace_key = pytest.StashKey[Trace]()
_early_key = pytest.StashKey[tuple[Tracer, str]]()
ALWAYS_MARKER = "testmon_always"
DEPENDS_MARKER = "testmon_depends"
# Write finished tests at least this often, so an interrupted run keeps them.
FLUSH_EVERY_S = 1.0
FLUSH_EVERY_N = 200


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
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    """Start tracking before the first conftest.py is imported. Code that runs at
    import time (filling a registry, a cache, parametrize data) runs once per process:
    it is seen now or never."""
    if will_record(early_config.known_args_namespace):
        early_config.stash[_early_key] = _start_tracer()
        # also when configuration fails or never happens (pytester's parseconfig)
        early_config.add_cleanup(lambda: _drop_early_tracer(early_config))


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    settings = resolve(config)
    if settings is None:
        _drop_early_tracer(config)
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
    plugin = RipplePlugin(config, settings)
    config.pluginmanager.register(plugin, PLUGIN_NAME)


def pytest_unconfigure(config: pytest.Config) -> None:
    plugin = config.pluginmanager.get_plugin(PLUGIN_NAME)
    if isinstance(plugin, RipplePlugin):
        plugin.close()
        config.pluginmanager.unregister(plugin, PLUGIN_NAME)
    _drop_early_tracer(config)


def _start_tracer() -> tuple[Tracer, str]:
    """The engine, ready for threads and recording the import context."""
    tracer, reason = choose_tracer()
    tracer.arm()
    tracer.push()
    return tracer, reason


def _take_early_tracer(config: pytest.Config) -> tuple[Tracer, str] | None:
    early = config.stash.get(_early_key, None)
    if early is not None:
        del config.stash[_early_key]
    return early


def _drop_early_tracer(config: pytest.Config) -> None:
    early = _take_early_tracer(config)
    if early is not None:
        early[0].close()


class _KnownTest(pytest.Item):
    """A test known from the data file, in a test file that is not imported because
    none of its tests is affected. It is counted as collected, then deselected."""

    def runtest(self) -> None:  # never runs: always deselected
        raise RuntimeError(f"pytest-ripple: {self.nodeid} was not imported")

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, self.name


class _KnownModule(pytest.File):
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
                items.append(_KnownTest.from_parent(self, name=name, nodeid=nodeid))
        finally:
            if self.tracer is not None:
                self.tracer.resume()
        return items


class RipplePlugin:
    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        self.config = config
        self.settings = settings
        self.rootdir = config.rootpath
        self.worker_input: dict[str, Any] | None = getattr(config, "workerinput", None)
        self.is_worker = self.worker_input is not None
        self.is_controller = not self.is_worker and _uses_xdist(config)
        self.messages: list[str] = []
        self.store: Store | None = None
        self.plan: selection.Plan | None = None
        self.env_id = 0
        self._env_write: tuple[str, str, dict[str, str]] | None = None
        self._config_digest: str | None = None
        # selection decided (here or, on a worker, read from the controller's file)
        self.deselect: set[str] = set()
        self.affected: dict[str, str] = {}
        self.skip_files: set[str] = set()
        self.known_conftests: set[str] | None = None
        self._known_in_file: dict[str, list[str]] = {}
        self.selected_count = 0
        self.collected_count = 0
        # tracking
        self.recorder: Recorder | None = None
        self.engine = ""
        self.engine_reason = ""
        # the import context: from the first conftest.py to the end of collection
        self._importing = False
        self.import_run: set[tuple[str, str]] = set()
        if settings.record and not self.is_controller:
            tracer, self.engine_reason = _take_early_tracer(config) or _start_tracer()
            self._importing = True
            self.engine = tracer.name
            ignore = set()
            data_rel = self._rel(settings.datafile)
            if data_rel is not None:
                ignore = {data_rel + suffix for suffix in ("", "-wal", "-shm", "-journal")}
            children = Children(self.rootdir, ignore)
            children.start_session()  # if it cannot, Python children mark tests untracked
            self.recorder = Recorder(tracer, ReadWatcher(self.rootdir, ignore), children)
        self.resolver = Resolver(self.rootdir)
        self.fixture_traces: dict[tuple[str, str], Trace] = defaultdict(Trace)
        self.generate_traces: dict[str, Trace] = defaultdict(Trace)
        self.depends_globs: list[str] = list(config.getini("testmon_depends") or [])
        self._import_reads: set[tuple[str, str]] = set()
        self._modules_seen: set[str] = set()
        self._worker_modules: set[str] = set()
        # tests collected in this run (on xdist: by the workers), and those with a result
        self._collected: set[str] = set()
        self._finished: set[str] = set()
        # recording (main process only)
        self._phases: dict[str, list[Any]] = {}
        self._results: list[TestResult] = []
        self._last_flush = time.monotonic()
        self._plan_written = False
        self._import_run_saved: set[tuple[str, str]] = set()
        self._generate_hooks = (-1, True)  # (hook implementations seen, one is ours)
        self._drop: set[str] = set()
        self._plan_file: str | None = None
        self._conftest_cache: dict[str, list[str]] = {}

    # -- configure: open the store, decide -------------------------------------------
    def _open_store(self) -> Store | None:
        path = self.settings.datafile
        if not self.settings.record and not path.exists():
            self.messages.append(f"testmon: no data yet in {path}: every test is new")
            return None  # a dry run creates nothing
        if path.is_dir():
            self.messages.append(
                f"testmon: {path} is a directory, not a data file; running every test "
                "and writing nothing"
            )
            return None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.messages.append(
                f"testmon: cannot create {path.parent} ({exc}); running "
                "every test and writing nothing"
            )
            return None
        store = Store(path)
        try:
            store.open()
            return store
        except DataFileUnavailable as exc:
            store.close()
            self.messages.append(
                f"testmon: warning: cannot open {path} ({exc}); running every test and "
                "writing nothing"
            )
            return None
        except DataFileError as exc:
            store.close()
            if not self.settings.record:
                self.messages.append(
                    f"testmon: warning: {path} cannot be used: {exc}. Running every "
                    "test; the next recording run rebuilds it."
                )
                return None
            self.messages.append(
                f"testmon: warning: {path} cannot be used: {exc}. It is rebuilt from "
                "this run; every test runs."
            )
            for suffix in ("", "-wal", "-shm"):
                try:
                    os.remove(str(path) + suffix)
                except OSError:
                    pass
            store = Store(path)
            try:
                store.open()
                return store
            except (DataFileError, DataFileUnavailable, OSError) as exc2:
                self.messages.append(f"testmon: cannot rebuild {path} ({exc2})")
                return None
        except OSError as exc:
            self.messages.append(f"testmon: cannot open {path} ({exc}); running every test")
            return None

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        if self.is_worker:
            self._load_worker_plan()
            return
        self.store = self._open_store()
        if self.store is None:
            return
        try:
            self._decide(self.store)
        except Exception as exc:
            self.messages.append(
                f"testmon: warning: could not read {self.settings.datafile} ({exc!r}); "
                "running every test"
            )
            self.plan = None
            self.deselect.clear()
            self.skip_files.clear()
        if self.is_controller:
            self._write_worker_plan()

    def _decide(self, store: Store) -> None:
        python = environment.python_tag()
        env_id, signature, packages = store.env(self.settings.env, python)
        env_reason = None
        package_reasons: dict[str, str] = {}
        new_sig = environment.site_signature(self.rootdir)
        if env_id == 0 or new_sig != signature:
            new_packages = environment.installed_packages(self.rootdir)
            if env_id and new_packages != packages:
                moved = environment.package_changes(packages, new_packages)
                shown = ", ".join(moved[:3]) + (
                    f" and {len(moved) - 3} more" if len(moved) > 3 else ""
                )
                self.messages.append(f"testmon: installed packages changed: {shown}")
                upgraded = {
                    n for n in new_packages if packages.get(n, new_packages[n]) != new_packages[n]
                }
                tops = environment.top_level_names(upgraded)
                for dist in sorted(upgraded):
                    for top in tops.get(dist, ()):
                        why = f"{dist} {packages[dist]} -> {new_packages[dist]}"
                        package_reasons.setdefault(top, why)
                # installed or removed, or nothing importable known: code that tried the
                # import (try/except ImportError) may now take another path
                if set(new_packages) != set(packages) or any(not tops.get(d) for d in upgraded):
                    env_reason = f"installed packages changed: {shown}"
            self._env_write = (python, new_sig, new_packages)
        self.env_id = env_id
        config_digest = environment.pytest_config_digest(self.config.inipath)
        stored_digest = store.db.one("SELECT value FROM meta WHERE key='pytest_config'")
        everything = None
        if stored_digest is not None and stored_digest[0] != config_digest:
            everything = "pytest configuration changed"
        if stored_digest is None or stored_digest[0] != config_digest:
            self._config_digest = config_digest
        files = store.files()
        changes = detect(self.rootdir, files) if files else Changes()
        plan = selection.compute(
            store,
            changes,
            files,
            env_id,
            everything=everything,
            env_everything=env_reason,
            packages=package_reasons,
        )
        self.plan = plan
        self.known_conftests = {p for p in files if PurePosixPath(p).name == "conftest.py"}
        affected = dict(plan.affected)
        for nodeid in self._pytest_lastfailed():
            if nodeid in plan.known and nodeid not in affected:
                affected[nodeid] = "failed last time (pytest cache)"
        self.affected = affected
        if self.settings.select:
            self.deselect = {n for n in plan.known if n not in affected}
            by_file = plan.test_files()
            changed_paths = set(changes.changed)
            for path, nodeids in by_file.items():
                if plan.import_changed is not None:
                    break  # import every test file: an import error must show
                if path in changed_paths or path not in files:
                    continue
                if all(n in self.deselect for n in nodeids) and self._knows_every_test(
                    files.get(path), nodeids
                ):
                    self.skip_files.add(path)
                    self._known_in_file[path] = nodeids

    def _knows_every_test(self, row: FileRow | None, nodeids: list[str]) -> bool:
        """Whether these known tests are all the tests the file defines (pytest's naming
        rules over its stored fingerprint). A run that ran some of them only (a node id,
        -k, an interruption) leaves the others unknown: such a file must be imported."""
        fp = row.fingerprint() if row is not None else None
        if fp is None:
            return False
        known = {n.split("::", 1)[1].split("[", 1)[0] for n in nodeids if "::" in n}
        funcs = self.config.getini("python_functions")
        classes = self.config.getini("python_classes")
        for (scope, name), binding in fp.bindings.items():
            if scope == "" and binding.kind == CLASS and _matches(name, classes):
                if binding.deps:  # bases or decorators: tests may come from elsewhere
                    return False
                continue
            if not _matches(name, funcs):
                continue
            path = scope.split(".") if scope else []
            if (
                all(_matches(part, classes) for part in path)
                and "::".join([*path, name]) not in known
            ):
                return False
        return not any(
            _matches(n, funcs) or _matches(n, classes) for e in fp.effects for n in e.binds
        )

    def _pytest_lastfailed(self) -> Iterable[str]:
        cache = getattr(self.config, "cache", None)
        if cache is None:
            return ()
        lastfailed = cache.get("cache/lastfailed", {})
        return lastfailed if isinstance(lastfailed, dict) else ()

    # -- xdist: the controller tells workers what it decided --------------------------
    def _write_worker_plan(self) -> None:
        doc = {
            "deselect": sorted(self.deselect),
            "skip": {p: self._known_in_file.get(p, []) for p in sorted(self.skip_files)},
            "affected": self.affected,
            "conftests": sorted(self.known_conftests or ()),
        }
        fd, name = tempfile.mkstemp(prefix="ripple-plan-", suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump(doc, f)
        self._plan_file = name

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        if self._plan_file is not None:
            node.workerinput["ripple_plan"] = self._plan_file

    def _load_worker_plan(self) -> None:
        name = (self.worker_input or {}).get("ripple_plan")
        if not name:
            return
        try:
            with open(name) as f:
                doc = json.load(f)
        except (OSError, ValueError):
            return
        self.deselect = set(doc["deselect"])
        self._known_in_file = doc["skip"]
        self.skip_files = set(self._known_in_file)
        self.affected = doc["affected"]
        self.known_conftests = set(doc["conftests"])

    # -- report ----------------------------------------------------------------------
    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        lines = list(self.messages)
        if self.recorder is not None and config.option.verbose > 0:
            lines.append(f"testmon: tracking with {self.engine_reason}")
        if self.is_controller and self.plan is not None:
            lines.append(self._status_line(len(self.plan.known), len(self.affected)))
        return lines

    def _status_line(self, total: int, affected: int) -> str:
        changed = len(self.plan.changes.changed) if self.plan is not None else 0
        files = f"{changed} file{'s' if changed != 1 else ''} changed"
        engine = f", {self.engine}" if self.engine else ""
        if self.store is None and not self.is_worker:
            return f"testmon: no usable data file, {total} tests run ({self.settings.mode})"
        return (
            f"testmon: {files}, {affected} of {total} tests affected ({self.settings.mode}{engine})"
        )

    def pytest_report_collectionfinish(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> list[str]:
        if self.is_worker:
            return []
        total = self.collected_count
        lines = [self._status_line(total, self.selected_count)]
        if config.option.verbose < 0:  # -q hides the report header, and our warnings in it
            lines = [*self.messages, *lines]
        if config.option.verbose > 0 and self.settings.select:
            for item in items:
                lines.append(f"  {item.nodeid}: {self.reason(item.nodeid)}")
        return lines

    def reason(self, nodeid: str) -> str:
        if nodeid in self.affected:
            return self.affected[nodeid]
        if self.plan is not None and nodeid not in self.plan.known:
            return "new test"
        return "selected"

    # -- collection ------------------------------------------------------------------
    def _rel(self, path: Path) -> str | None:
        try:
            return path.relative_to(self.rootdir).as_posix()
        except ValueError:
            return None

    def _conftests_above(self, rel_file: str) -> list[str]:
        """The conftest.py files that apply to a test file (relative paths)."""
        parent = str(PurePosixPath(rel_file).parent)
        found = self._conftest_cache.get(parent)
        if found is None:
            found = []
            d = PurePosixPath(parent)
            while True:
                rel = "conftest.py" if str(d) in (".", "") else f"{d}/conftest.py"
                if (self.rootdir / rel).is_file():
                    found.append(rel)
                if str(d) in (".", ""):
                    break
                d = d.parent
            self._conftest_cache[parent] = found
        return found

    def _new_conftests(self, rel_file: str) -> list[str]:
        """conftest.py files above a test file that no earlier run has seen."""
        if self.known_conftests is None:
            return []
        return [c for c in self._conftests_above(rel_file) if c not in self.known_conftests]

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._end_import_context()

    def _end_import_context(self) -> None:
        """What ran while conftest files and test modules were imported and tests
        collected: the functions among it are import-time code of the project."""
        if not self._importing or self.recorder is None:
            return
        self._importing = False
        codes, _ = self.recorder.tracer.pop()
        for path, block in self.resolver.resolve(codes):
            if block not in (MODULE, READ, WHOLE) and ":" not in path:
                self.import_run.add((path, block))

    @pytest.hookimpl(tryfirst=True)
    def pytest_pycollect_makemodule(
        self, module_path: Path, parent: pytest.Collector
    ) -> pytest.File | None:
        """A test file none of whose tests is affected is not imported: its known tests
        stand in for it, to be counted and deselected."""
        if not self.skip_files:
            return None
        rel = self._rel(module_path)
        if rel is None or rel not in self.skip_files or self._new_conftests(rel):
            return None
        module = _KnownModule.from_parent(parent, path=module_path)
        module.known = self._known_in_file.get(rel, [])
        module.tracer = self.recorder.tracer if self.recorder is not None else None
        return module

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> Generator[None, None, None]:
        standins = [item for item in items if isinstance(item, _KnownTest)]
        if standins:  # other plugins never see them
            items[:] = [item for item in items if not isinstance(item, _KnownTest)]
        collected = [item.nodeid for item in items] + [item.nodeid for item in standins]
        result = yield
        self.collected_count = len(collected)
        self._collected.update(collected)
        if not self.is_worker:
            self._note_dropped(collected)
        if not self.settings.select:
            self.selected_count = len(items)
            return result
        keep: list[pytest.Item] = []
        drop: list[Any] = []
        for item in items:
            nodeid = item.nodeid
            if nodeid in self.deselect:
                news = self._new_conftests(nodeid.split("::", 1)[0])
                if not news:
                    drop.append(item)
                    continue
                self.affected[nodeid] = f"{news[0]} is new"
            keep.append(item)
        drop.extend(standins)
        self.selected_count = len(keep)
        if drop:
            items[:] = keep
            config.hook.pytest_deselected(items=drop)
        return result

    def _note_dropped(self, collected: list[str]) -> None:
        """Tests deleted from files that were collected whole are forgotten. A run narrowed
        to node ids (``file::test``) proves nothing about the rest of a file."""
        if self.plan is None:
            return
        if any("::" in arg for arg in self.config.args):
            return
        if self.config.getoption("lf", False):
            return  # pytest's --lf collects only the failed tests of a file with failures
        seen_files = {n.split("::", 1)[0] for n in collected}
        present = set(collected)
        for path, nodeids in self.plan.test_files().items():
            if path in seen_files or not (self.rootdir / path).exists():
                self._drop.update(n for n in nodeids if n not in present)

    # -- tracking --------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> Generator[None, None, None]:
        if self.recorder is None or not self._generates_with_project_code(metafunc):
            return (yield)
        self.recorder.push()
        try:
            return (yield)
        finally:
            self.generate_traces[metafunc.definition.nodeid].merge(self.recorder.pop())

    def _generates_with_project_code(self, metafunc: pytest.Metafunc) -> bool:
        """Whether generating this function's tests may run project code: a
        parametrize mark (its ids= callables), a parametrized fixture, or a
        pytest_generate_tests of the project. Most test functions have none, and a
        context per function costs a re-arm of the tracer."""
        if metafunc.definition.get_closest_marker("parametrize") is not None:
            return True
        if getattr(metafunc.module, "pytest_generate_tests", None) is not None:
            return True
        if getattr(metafunc.cls, "pytest_generate_tests", None) is not None:
            return True
        fixturedefs = getattr(metafunc, "_arg2fixturedefs", None)
        if not isinstance(fixturedefs, dict):
            return True  # another pytest: cannot tell, so track
        if any(getattr(d, "params", None) is not None for ds in fixturedefs.values() for d in ds):
            return True
        return self._project_generate_hook()

    def _project_generate_hook(self) -> bool:
        """Whether a project file (a conftest.py) implements pytest_generate_tests;
        looked at again only when conftest files were registered since."""
        impls = self.config.pluginmanager.hook.pytest_generate_tests.get_hookimpls()
        if len(impls) != self._generate_hooks[0]:
            files = [getattr(impl.plugin, "__file__", None) for impl in impls]
            found = any(isinstance(f, str) and self.resolver.relative(f) is not None for f in files)
            self._generate_hooks = (len(impls), found)
        return self._generate_hooks[1]

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, None, None]:
        if self.recorder is not None:
            self.recorder.push()
        return (yield)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: Any) -> Generator[Any, None, Any]:
        # A fixture wider than a function runs once but serves many tests: its code
        # belongs to every test that uses it (testmon gives it to the first only).
        if self.recorder is None or fixturedef.scope == "function":
            return (yield)
        self.recorder.push()
        try:
            return (yield)
        finally:
            key = (fixturedef.argname, fixturedef.baseid)
            self.fixture_traces[key].merge(self.recorder.pop())

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_teardown(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Generator[None, None, None]:
        try:
            return (yield)
        finally:
            if self.recorder is not None:
                trace = self.recorder.pop()
                earlier = item.stash.get(_trace_key, None)
                if earlier is not None:  # run again (pytest-rerunfailures): every attempt counts
                    trace.merge(earlier)
                item.stash[_trace_key] = trace

    def _full_trace(self, item: pytest.Item) -> Trace:
        """The test's own trace, plus what its wider fixtures and its parametrization
        ran when they were set up (perhaps for another test)."""
        trace = Trace()
        trace.merge(item.stash[_trace_key])
        nodeid = item.nodeid
        for name in getattr(item, "fixturenames", ()):
            for (argname, baseid), ftrace in self.fixture_traces.items():
                if argname == name and (not baseid or nodeid.startswith(baseid)):
                    trace.merge(ftrace)
        gen = self.generate_traces.get(nodeid.split("[", 1)[0])
        if gen is not None:
            trace.merge(gen)
        return trace

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if call.when == "teardown" and self.recorder is not None and _trace_key in item.stash:
            trace = self._full_trace(item)
            deps = self.resolver.resolve(trace.codes)
            deps |= self.resolver.resolve_keys(trace.child_codes)  # children.py
            deps.update((path, READ) for path in trace.files)
            globs = list(self.depends_globs)
            for mark in item.iter_markers(DEPENDS_MARKER):
                globs += [str(a) for a in mark.args]
            deps.update((f"glob:{g}", READ) for g in globs)
            doctest = self._doctest_dep(item)
            if doctest is not None:
                deps.add(doctest)
            pending = None
            if item.get_closest_marker(ALWAYS_MARKER) is not None:
                pending = f"marked {ALWAYS_MARKER}: runs every time"
            elif trace.untracked:
                pending = f"runs every time: {trace.untracked}"
            elif not trace.intact:
                pending = "tracking was taken over during the test (a debugger?)"
            elif self.config.getoption("trace", False):
                pending = "ran under --trace: the debugger decided what ran"
            report.ripple_deps = sorted(deps)  # type: ignore[attr-defined]
            report.ripple_pending = pending  # type: ignore[attr-defined]
        return report

    def _doctest_dep(self, item: pytest.Item) -> tuple[str, str] | None:
        """A doctest runs code compiled from its docstring (or text file), which no
        tracer maps to a block: it depends on the function holding that docstring, on
        the module's import-time code for a module's or a class's docstring, or on the
        whole text file."""
        dtest = getattr(item, "dtest", None)
        filename = getattr(dtest, "filename", None)
        if dtest is None or not filename:
            return None
        rel = self.resolver.relative(filename)
        if rel is None:
            return None
        lineno = getattr(dtest, "lineno", None)  # 0-based line of the def
        if not rel.endswith(".py"):
            return rel, READ
        state = self.resolver.state(rel)
        if lineno and state.fp is not None:
            return rel, state.fp.block_at(lineno + 1, dtest.name.rsplit(".", 1)[-1])
        return rel, MODULE

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """xdist: a worker hands over the files its imports read."""
        output = getattr(node, "workeroutput", None) or {}
        self._import_reads.update(tuple(pair) for pair in output.get("ripple_import_reads", []))
        self._worker_modules.update(output.get("ripple_modules", []))
        self._collected.update(output.get("ripple_collected", []))
        self.import_run.update(tuple(pair) for pair in output.get("ripple_import_run", []))

    # -- recording (main process) ----------------------------------------------------
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.is_worker or not self.settings.record or self.store is None:
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
            )
        )
        now = time.monotonic()
        if len(self._results) >= FLUSH_EVERY_N or now - self._last_flush > FLUSH_EVERY_S:
            self.flush()

    def _note_unrun_new_tests(self) -> None:
        """New tests that were collected but did not finish (filtered out by -k, a path
        or -m, or never reached after -x, a KeyboardInterrupt, a debugger's quit) are
        stored as pending: their file may be stored as seen, so without a row they
        would never be selected."""
        known = self.plan.known if self.plan is not None else {}
        for nodeid in sorted(self._collected - self._finished):
            if nodeid not in known:
                self._results.append(
                    TestResult(
                        nodeid=nodeid,
                        deps=[],
                        outcome=PASSED,
                        duration=0.0,
                        pending="new test, not run yet",
                    )
                )

    def _write_plan(self, store: Store) -> None:
        """Once per run, in the first write: new file states and tests that are now
        pending, in one transaction, so an interruption never loses a selection."""
        plan = self.plan
        python = environment.python_tag()
        if self._env_write is not None or self.env_id == 0:
            py, sig, packages = self._env_write or (
                python,
                environment.site_signature(self.rootdir),
                {},
            )
            self.env_id = store.save_env(self.settings.env, py, sig, packages)
        if self._config_digest is not None:
            store.db.con.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('pytest_config', ?)",
                (self._config_digest,),
            )
        if plan is not None:
            for path, (_, state, _) in plan.changes.changed.items():
                if state.fp is None:
                    store.forget_file(path)
                else:
                    store.save_file(
                        path,
                        trusted_mtime(state.mtime_ns),
                        state.size,
                        state.fp.content,
                        state.fp if state.fp.parsed else None,
                    )
            for state in plan.changes.touched:
                store.touch_file(state.path, trusted_mtime(state.mtime_ns), state.size)
            store.mark_pending(plan.pending)
        if self.settings.fresh:
            store.clear_env(self.env_id)
        if self.recorder is not None:
            self._import_reads |= self.recorder.watcher.import_reads
        if self._drop:
            store.drop_tests(self.env_id, self._drop)
        self._plan_written = True

    def _save_states(self, store: Store, results: list[TestResult]) -> None:
        """Save the files these results depend on, as read in this run."""
        reads, self._import_reads = self._import_reads, set()
        if reads:
            store.save_import_reads(reads)
        stored = {p: r.content for p, r in store.files().items()}
        paths = {p for res in results for p, _ in res.deps} | {f for pair in reads for f in pair}
        # conftest files count even when no test ran code in them (hooks, pytest_plugins)
        for res in results:
            paths.update(self._conftests_above(res.nodeid.split("::", 1)[0]))
        # so do modules imported but never entered during a test: their import-time
        # bindings (constants, parametrize data) are what name taint follows
        paths |= self._loaded_modules()
        for path in sorted(paths):
            if path.startswith(PACKAGE):
                if path not in stored:
                    store.save_file(path, 0, 0, "", None)
                    stored[path] = ""
                continue
            state: FileState = self.resolver.state(path)
            if state.fp is None or stored.get(path) == state.fp.content:
                continue
            store.save_file(
                path,
                trusted_mtime(state.mtime_ns),
                state.size,
                state.fp.content,
                state.fp if state.fp.parsed else None,
            )
            stored[path] = state.fp.content

    def _loaded_modules(self) -> set[str]:
        """Project modules imported in this process (and, under xdist, on the workers)
        that no earlier flush saved."""
        found = set(self._worker_modules)
        self._worker_modules.clear()
        for name, module in list(sys.modules.items()):
            if name in self._modules_seen:
                continue
            self._modules_seen.add(name)
            filename = getattr(module, "__file__", None)
            if isinstance(filename, str):
                rel = self.resolver.relative(filename)
                if rel is not None:
                    found.add(rel)
        return found

    def flush(self) -> None:
        store = self.store
        if store is None or not self.settings.record:
            return
        results, self._results = self._results, []
        self._last_flush = time.monotonic()
        if self.recorder is not None:
            self._import_reads |= self.recorder.watcher.import_reads
            self.recorder.watcher.import_reads.clear()
        if (
            self._plan_written
            and not results
            and not self._import_reads
            and self.import_run <= self._import_run_saved
        ):
            return
        try:
            with store.db.transaction():
                if not self._plan_written:
                    self._write_plan(store)
                self._save_states(store, results)
                new_run = self.import_run - self._import_run_saved
                if new_run:
                    replace = self.settings.fresh and not self._import_run_saved
                    store.save_import_run(new_run, replace=replace)
                    self._import_run_saved |= new_run
                store.save_tests(self.env_id, results)
        except Exception as exc:
            self.messages.append(f"testmon: could not write {store.path} ({exc})")
            self._report_late(
                f"testmon: could not write {store.path} ({exc}); "
                "the tests of this run stay selected"
            )
            store.close()
            self.store = None

    def _report_late(self, line: str) -> None:
        tr = self.config.pluginmanager.get_plugin("terminalreporter")
        if tr is not None:
            tr.write_line(line)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if not self.is_worker and self.settings.record:
            self._note_unrun_new_tests()
            self.flush()
        if self.is_worker and self.recorder is not None:
            out = getattr(self.config, "workeroutput", None)
            if out is not None:
                out["ripple_import_reads"] = sorted(self.recorder.watcher.import_reads)
                out["ripple_modules"] = sorted(self._loaded_modules())
                out["ripple_collected"] = sorted(self._collected)
                out["ripple_import_run"] = sorted(self.import_run)
        if (
            exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED
            and self.settings.select
            and self.deselect
        ):
            session.exitstatus = pytest.ExitCode.OK

    def close(self) -> None:
        self._end_import_context()
        if self.recorder is not None:
            self.recorder.close()
            self.recorder = None
        if self.store is not None:
            self.store.close()
            self.store = None
        if self._plan_file is not None:
            try:
                os.remove(self._plan_file)
            except OSError:
                pass


def _matches(name: str, options: Iterable[str]) -> bool:
    """pytest's python_functions / python_classes rule: a prefix or a glob."""
    return any(
        name.startswith(o) or (any(c in o for c in "*?[") and fnmatch.fnmatch(name, o))
        for o in options
    )


def _uses_xdist(config: pytest.Config) -> bool:
    n = getattr(config.option, "numprocesses", None)
    dist = getattr(config.option, "dist", "no")
    tx = getattr(config.option, "tx", None)
    return bool(n) or (dist not in (None, "no")) or bool(tx)

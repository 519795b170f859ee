"""The tracking role (a run without xdist, or an xdist worker; never the controller):
a context per test and per wide fixture, the import context from the first conftest.py
to the end of collection, and each test's dependencies put on its teardown report."""

from __future__ import annotations

import fnmatch
import sys
from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Generator, Optional

import pytest

from pytest_ripple import reasons
from pytest_ripple.changes import is_python
from pytest_ripple.children import Children
from pytest_ripple.fingerprint import (
    IMPORTED_BY,
    MODULE,
    PLUGIN,
    PROBED,
    READ,
    UNSEEN,
    WHOLE,
)
from pytest_ripple.modules import ModuleImports
from pytest_ripple.options import ALWAYS_MARKER, DEPENDS_MARKER
from pytest_ripple.paths import conftest_dir, relative_path, relative_to_root, root_prefix
from pytest_ripple.recorder import Dep, Recorder, Trace
from pytest_ripple.reimport import Reimport
from pytest_ripple.state import RunState
from pytest_ripple.tracer import Tracer, choose_tracer
from pytest_ripple.watcher import ReadWatcher

_trace_key = pytest.StashKey[Trace]()
# what earlier attempts of a test (pytest-rerunfailures) depended on: their deps (the
# list their report holds anyway) and why they must run again, if they must
_attempts_key = pytest.StashKey[tuple[list[Dep], Optional[str]]]()


@dataclass
class Started:
    """Tracking as started before the first conftest.py is imported."""

    recorder: Recorder
    imports: ModuleImports
    reason: str  # why this engine
    # the child that imports again what pytest imported for its warning filters
    reimport: Reimport | None

    def close(self) -> None:
        self.imports.close()
        self.recorder.close()
        if self.reimport is not None:
            self.reimport.close()


def start_tracking(rootdir: Path, filters: tuple[list[str], list[str]] = ([], [])) -> Started:
    """The engine, ready for threads, recording the import context (everything that
    runs until collection ends), with a context per project module import inside it.
    ``filters``: the warning filters pytest applied before loading plugins."""
    reimport = Reimport.start(rootdir, filters)  # before our tracer sees its start
    tracer, reason = choose_tracer(root_prefix(rootdir))
    tracer.arm()
    tracer.push()
    ignore: set[str] = set()  # the data file's names, filled in when it is known
    children = Children(rootdir, ignore)
    children.start_session()  # if it cannot, Python children mark tests untracked
    recorder = Recorder(tracer, ReadWatcher(rootdir, ignore), children)
    relative = partial(relative_to_root, root_prefix(rootdir))
    return Started(recorder, ModuleImports(recorder, relative), reason, reimport)


def warning_filters(config: pytest.Config) -> tuple[list[str], list[str]]:
    """The warning filters pytest applies before it loads plugins: the ini's, and -W."""
    try:
        ini = [str(f) for f in config.getini("filterwarnings") or []]
    except (ValueError, KeyError):
        ini = []
    cmdline = getattr(config.known_args_namespace, "pythonwarnings", None) or []
    return ini, [str(f) for f in cmdline]


class Tracker:
    def __init__(self, run: RunState, started: Started | None) -> None:
        self.run = run
        started = started or start_tracking(run.rootdir, warning_filters(run.config))
        run.engine_reason = started.reason
        run.engine = started.recorder.tracer.name
        data_rel = relative_path(run.rootdir, run.settings.datafile)
        if data_rel is not None:  # the set the watcher and the children share
            started.recorder.watcher.ignore.update(
                data_rel + suffix for suffix in ("", "-wal", "-shm", "-journal")
            )
        self.recorder: Recorder | None = started.recorder
        self.imports: ModuleImports | None = started.imports
        self._importing = True  # the import context, pushed by start_tracking()
        self._collected: set[str] = set()  # files that yielded test items
        # project modules imported before tracking started (``-p``, entry points, pytest's
        # warning categories) or by the first conftest.py files: plugins, for every
        # test saw what their import did (the child tells which functions ran then)
        for module in list(sys.modules.values()):
            filename = getattr(module, "__file__", None)
            rel = started.imports.relative(filename) if isinstance(filename, str) else None
            if rel is not None and is_python(rel) and conftest_dir(rel) is None:
                run.import_run.add((rel, PLUGIN))
                if rel not in started.imports.records:  # imported before we started
                    run.import_run.add((rel, UNSEEN))
        self._reimport = started.reimport
        self._child_reads: set[tuple[str, str]] = set()
        self.fixture_traces: dict[tuple[str, str], Trace] = defaultdict(Trace)
        self.generate_traces: dict[str, Trace] = defaultdict(Trace)
        self.depends_globs: list[str] = list(run.config.getini("testmon_depends") or [])
        self._generate_hooks = (-1, True)  # (hook implementations seen, one is ours)

    @property
    def tracer(self) -> Tracer | None:
        return self.recorder.tracer if self.recorder is not None else None

    # -- the import context ------------------------------------------------------------
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for path in {item.path for item in session.items}:  # test and doctest modules
            rel = relative_path(self.run.rootdir, Path(str(path)))
            if rel is not None:
                self._collected.add(rel)
        self.end_import_context()

    def end_import_context(self) -> None:
        """What ran while conftest files and test modules were imported and tests
        collected: the functions among it are import-time code of the project."""
        if not self._importing or self.recorder is None:
            return
        self._importing = False
        codes, _ = self.recorder.tracer.pop()
        for path, block in self.run.resolver.resolve(codes.values()):
            if block not in (MODULE, READ, WHOLE) and ":" not in path:
                self.run.import_run.add((path, block))
        for rel in self._plugin_modules(self.recorder.take_outside_modules()):
            self.run.import_run.add((rel, PLUGIN))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_make_collect_report(self, collector: pytest.Collector) -> Generator[None, Any, Any]:
        """A test module's collection apart from the rest of the import context: when
        the only project code that ran in it (its import aside, a context of its own) is
        modules' ``__getattr__``, pytest's probes of the objects in the test module's
        namespace ran them (``__test__``, ``_mock_name``...), and they count as
        ``PROBED``: selection treats them as run at import only when a change makes
        them act for such names. Anything else that ran is import-time code, as
        before."""
        tracer = self.tracer
        if not self._importing or tracer is None or not isinstance(collector, pytest.Module):
            return (yield)
        tracer.push()  # the tracer only: reads and imports keep their own rules
        try:
            return (yield)
        finally:
            codes, _ = tracer.pop()
            project = {
                (path, block)
                for path, block in self.run.resolver.resolve(codes.values())
                if ":" not in path
            }
            # pytest asks the collected module itself for public names (``setup_module``,
            # ``pytest_plugins``): its own ``__getattr__`` is no probe's. Any other code
            # (a conftest's hook, module-level code) may be its caller.
            own = relative_path(self.run.rootdir, Path(str(collector.path)))
            if project and all(
                block == "__getattr__" and conftest_dir(path) is None and path != own
                for path, block in project
            ):
                self.run.import_run.update((path, PROBED) for path, _ in project)
            else:
                self.run.import_run.update(
                    (path, block) for path, block in project if block not in (MODULE, READ, WHOLE)
                )

    def _plugin_modules(self, imported: set[str]) -> set[str]:
        """Of the project modules pytest imported itself, those that are neither a
        conftest.py nor a test module (nor a package of one): plugins (``-p``,
        ``pytest_plugins``, entry points). What their import does reaches every test:
        no test imports them."""
        patterns = list(self.run.config.getini("python_files") or [])
        # where pytest collects (``testpaths`` or the arguments): python_files = *.py
        # must not make every module a test module
        where = []
        for arg in self.run.config.args:
            full = Path(self.run.config.invocation_params.dir, arg.split("::")[0])
            rel = relative_path(self.run.rootdir, full.resolve())
            if rel is not None:
                where.append("" if rel == "." else rel.rstrip("/") + "/")
        tests = {
            rel
            for rel in imported
            if rel in self._collected
            or (
                any(fnmatch.fnmatch(rel.rsplit("/", 1)[-1], pat) for pat in patterns)
                and any(rel.startswith(w) or rel == w.rstrip("/") for w in where)
            )
        }
        packages = set()
        for rel in tests:
            parts = rel.split("/")[:-1]
            packages |= {"/".join([*parts[:i], "__init__.py"]) for i in range(len(parts) + 1)}
        return {
            rel
            for rel in imported - tests - packages
            if conftest_dir(rel) is None and is_python(rel)
        }

    def _settle_reimport(self, last: bool = False) -> None:
        """What ran and was read while the child imported the modules pytest imported
        before tracking: functions that ran at import (``import_run``), as if seen
        here. Taken once the child has exited; at the end of the session (``last``)
        it gets a few seconds more."""
        reimport = self._reimport
        if reimport is None:
            return
        result = reimport.result(last)
        if not reimport.finished:
            return  # still running: at a later write
        self._reimport = None
        if result is None:
            return
        for path, block in self.run.resolver.resolve_keys(result.codes):
            if block not in (MODULE, READ, WHOLE) and ":" not in path:
                self.run.import_run.add((path, block))
        self._child_reads = set(result.reads)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self._settle_reimport(last=True)  # before the last write, or the hand-off

    def module_records(self) -> dict[str, set[Dep]]:
        """What each project module imported since the last call ran at its import."""
        if self.imports is None:
            return {}
        self._settle_reimport()
        records = {rel: self._module_deps(rel, t) for rel, t in self.imports.records.items()}
        self.imports.records.clear()
        return records

    def _module_deps(self, rel: str, trace: Trace) -> set[Dep]:
        resolver = self.run.resolver
        deps = {dep for dep in resolver.resolve(trace.codes.values()) if dep[1] != MODULE}
        deps |= resolver.resolve_keys(trace.child_codes)
        # its own source is read to be compiled (pytest's assertion rewriter reads it
        # inside exec_module): its blocks count, not its bytes
        deps.update((path, READ) for path in trace.files if path != rel)
        deps.update((path, MODULE) for path in trace.modules)
        code = self.imports.importers.get(rel) if self.imports is not None else None
        by = resolver.resolve([code]) if code is not None else set()
        deps.update((path, IMPORTED_BY + block) for path, block in by if block[:1] != "<")
        # installed packages it imports that were imported before (no code ran now)
        fp = resolver.state(rel).fp
        for name in fp.imports if fp is not None else ():
            module = sys.modules.get(name.split(".")[0]) if name[:1] != "." else None
            filename = getattr(module, "__file__", None)
            if isinstance(filename, str):
                pkg = resolver.package(filename)
                if pkg is not None:
                    deps.add((pkg, READ))
        return deps

    def import_reads(self) -> set[tuple[str, str]]:
        """Files read at import time since the last call, with the module reading them."""
        if self.recorder is None:
            return set()
        self._settle_reimport()
        reads = set(self.recorder.watcher.import_reads) | self._child_reads
        self.recorder.watcher.import_reads.clear()
        self._child_reads = set()
        return reads

    # -- contexts ---------------------------------------------------------------------
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
        impls = self.run.config.pluginmanager.hook.pytest_generate_tests.get_hookimpls()
        if len(impls) != self._generate_hooks[0]:
            files = [getattr(impl.plugin, "__file__", None) for impl in impls]
            resolver = self.run.resolver
            found = any(isinstance(f, str) and resolver.relative(f) is not None for f in files)
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
                item.stash[_trace_key] = self.recorder.pop()

    # -- what a test depends on ---------------------------------------------------------
    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        # The audit event of open() says "r" for "rb" too, so the source lines pytest
        # reads for a traceback (an xfail test's report) looked like data the test read:
        # a comment edit then selected the xfail test (issue 13, attrs' setters.py).
        watcher = self.recorder.watcher if self.recorder is not None else None
        if watcher is not None:
            watcher.reporting = True
        try:
            report = yield
        finally:
            if watcher is not None:
                watcher.reporting = False
        if call.when == "teardown" and self.recorder is not None and _trace_key in item.stash:
            trace = self._full_trace(item)
            # the trace goes now: items live for the whole session, and on the
            # sys.settrace engine a trace holds every code object of pytest's runner
            del item.stash[_trace_key]
            deps = self._deps(item, trace)
            pending = self._pending(item, trace)
            earlier = item.stash.get(_attempts_key, None)
            if earlier is not None:  # run again (pytest-rerunfailures): every attempt counts
                deps.update(earlier[0])
                pending = pending or earlier[1]
            ordered = sorted(deps)
            report.ripple_deps = ordered  # type: ignore[attr-defined]
            report.ripple_pending = pending  # type: ignore[attr-defined]
            item.stash[_attempts_key] = (ordered, pending)
        return report

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

    def _deps(self, item: pytest.Item, trace: Trace) -> set[Dep]:
        deps = self.run.resolver.resolve(trace.codes.values())
        deps |= self.run.resolver.resolve_keys(trace.child_codes)  # child processes
        deps.update((path, READ) for path in trace.files)
        deps.update((path, MODULE) for path in trace.modules)
        globs = list(self.depends_globs)
        for mark in item.iter_markers(DEPENDS_MARKER):
            globs += [str(a) for a in mark.args]
        deps.update((f"glob:{g}", READ) for g in globs)
        doctest = self._doctest_dep(item)
        if doctest is not None:
            deps.add(doctest)
        text = self._text_item_dep(item)
        if text is not None:
            deps.add(text)
        return deps

    def _text_item_dep(self, item: pytest.Item) -> Dep | None:
        """A test another plugin collects from a text file (a README's code blocks:
        pytest-codeblocks, sybil, pytest-markdown-docs) runs code it read while
        collecting, which no trace holds: it depends on the file, and on the names
        its code reads (``fingerprint_text``)."""
        path = getattr(item, "path", None)
        if path is None or str(path).endswith(".py"):
            return None
        rel = self.run.resolver.relative(str(path))
        return (rel, READ) if rel is not None else None

    def _pending(self, item: pytest.Item, trace: Trace) -> str | None:
        """Why the test must run next time whatever changes, if it must."""
        if item.get_closest_marker(ALWAYS_MARKER) is not None:
            return reasons.ALWAYS
        if trace.untracked:  # names the command
            return reasons.SUBPROCESS + trace.untracked
        if not trace.intact:
            return reasons.TAKEN_OVER
        if self.run.config.getoption("trace", False):
            return reasons.UNDER_TRACE
        return None

    def _doctest_dep(self, item: pytest.Item) -> Dep | None:
        """A doctest runs code compiled from its docstring (or text file), which no
        tracer maps to a block: it depends on the function holding that docstring, on
        the module's import-time code for a module's or a class's docstring, or on the
        whole text file."""
        dtest = getattr(item, "dtest", None)
        filename = getattr(dtest, "filename", None)
        if dtest is None or not filename:
            return None
        rel = self.run.resolver.relative(filename)
        if rel is None:
            return None
        lineno = getattr(dtest, "lineno", None)  # 0-based line of the def
        if not rel.endswith(".py"):
            return rel, READ
        state = self.run.resolver.state(rel)
        if lineno and state.fp is not None:
            return rel, state.fp.block_at(lineno + 1, dtest.name.rsplit(".", 1)[-1])
        return rel, MODULE

    def close(self) -> None:
        self.end_import_context()
        if self._reimport is not None:  # never written (no data file): not waited for
            self._reimport.close()
            self._reimport = None
        if self.imports is not None:
            self.imports.close()
            self.imports = None
        if self.recorder is not None:
            self.recorder.close()
            self.recorder = None

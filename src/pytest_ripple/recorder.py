"""From the code objects a test ran to the blocks it depends on."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType
from typing import Iterable

from pytest_ripple.changes import PACKAGE, FileState, read_state
from pytest_ripple.children import Children, CodeKey
from pytest_ripple.contexts import Codes
from pytest_ripple.fingerprint import READ
from pytest_ripple.paths import INSTALLED_TOP, relative_to_root, root_prefix
from pytest_ripple.store import FileRow
from pytest_ripple.tracer import Tracer
from pytest_ripple.watcher import ReadWatcher

Dep = tuple[str, str]  # (path relative to the rootdir, block)


class Resolver:
    """Maps code objects to (path, block). Each project file is read and fingerprinted
    once per run; the states read are what the store saves beside the results."""

    def __init__(self, rootdir: Path) -> None:
        self.rootdir = rootdir
        self._root = root_prefix(rootdir)
        self._files: dict[str, FileState | None] = {}  # co_filename -> state
        self._codes: dict[tuple[str, int, str], Dep | None] = {}
        self._by_id: dict[int, tuple[CodeType, Dep | None]] = {}
        self.states: dict[str, FileState] = {}  # rel path -> state read this run
        self._packages: dict[str, str | None] = {}  # co_filename -> "pkg:<top-level>"
        # the data file's rows, once the decision has read them: a file whose size and
        # mtime match its row (a trusted one) is what was fingerprinted then
        self.stored: dict[str, FileRow] = {}

    def state(self, rel: str) -> FileState:
        state = self.states.get(rel)
        if state is None:
            state = self.states[rel] = self._stored_state(rel) or read_state(self.rootdir, rel)
        return state

    def _stored_state(self, rel: str) -> FileState | None:
        """The stored fingerprint of an unchanged file: parsing it again costs 10-20 ms
        per thousand lines, and a run saves the state of every project module it
        imported."""
        row = self.stored.get(rel)
        if row is None or not row.mtime_ns or not row.fp_blob:
            return None
        try:
            st = os.stat(self.rootdir / rel)
        except (OSError, ValueError):
            return None
        if st.st_mtime_ns != row.mtime_ns or st.st_size != row.size:
            return None
        fp = row.fingerprint()
        if fp is None or fp.content != row.content:
            return None
        return FileState(rel, st.st_mtime_ns, st.st_size, fp)

    def relative(self, filename: str) -> str | None:
        """The project-relative path of a file, or None when it is not project code."""
        return relative_to_root(self._root, filename)

    def _file(self, filename: str) -> FileState | None:
        if filename in self._files:
            return self._files[filename]
        rel = relative_to_root(self._root, filename)
        found = None
        if rel is not None:
            state = self.state(rel)
            if state.fp is not None:
                found = state
        self._files[filename] = found
        return found

    def resolve(self, codes: Iterable[CodeType]) -> set[Dep]:
        out: set[Dep] = set()
        # by identity: every test runs pytest's own ~200 code objects again, and a
        # code object's hash is not cached; the entry keeps the code alive, so its
        # id is never reused for another
        by_id = self._by_id
        for code in codes:
            entry = by_id.get(id(code))
            if entry is None or entry[0] is not code:
                entry = by_id[id(code)] = (code, self._resolve_one(code))
            if entry[1] is not None:
                out.add(entry[1])
        return out

    def _resolve_one(self, code: CodeType) -> Dep | None:
        return self.resolve_key((code.co_filename, code.co_firstlineno, code.co_name))

    def resolve_keys(self, keys: Iterable[CodeKey]) -> set[Dep]:
        """Code that child processes ran, reported as (filename, first line, name)."""
        out = set()
        for key in keys:
            dep = self.resolve_key(key)
            if dep is not None:
                out.add(dep)
        return out

    def resolve_key(self, key: CodeKey) -> Dep | None:
        if key in self._codes:
            dep = self._codes[key]
        else:
            state = self._file(key[0])
            dep = None
            if state is not None and state.fp is not None:
                dep = (state.path, state.fp.block_at(key[1], key[2]))
            self._codes[key] = dep
        if dep is not None:
            return dep
        pkg = self.package(key[0])
        return (pkg, READ) if pkg is not None else None

    def package(self, filename: str) -> str | None:
        """``pkg:<top-level name>`` for code installed in a site-packages directory:
        an upgrade of that distribution affects the tests that ran its code."""
        if filename in self._packages:
            return self._packages[filename]
        found = None
        m = INSTALLED_TOP.search(filename)
        if m is not None:
            top = m.group(1)
            found = PACKAGE + (top[:-3] if top.endswith(".py") else top)
        self._packages[filename] = found
        return found


@dataclass
class Trace:
    """What one context (a test, a fixture, a parametrization hook) ran and read."""

    codes: Codes = field(default_factory=dict)  # by identity
    files: set[str] = field(default_factory=set)
    intact: bool = True
    untracked: str | None = None
    modules: set[str] = field(default_factory=set)  # project modules whose body ran here
    child_codes: set[CodeKey] = field(default_factory=set)  # what child processes ran

    def merge(self, other: Trace) -> None:
        self.codes.update(other.codes)
        self.files |= other.files
        self.modules |= other.modules
        self.intact = self.intact and other.intact
        self.untracked = self.untracked or other.untracked
        self.child_codes |= other.child_codes


class Recorder:
    """Drives the code tracer and the read watcher together, context by context."""

    def __init__(
        self, tracer: Tracer, watcher: ReadWatcher, children: Children | None = None
    ) -> None:
        self.tracer = tracer
        self.watcher = watcher
        # per open context (the first: outside any), the project modules imported in it
        self._modules: list[set[str]] = [set()]
        self.children = children
        if children is not None:  # children.py: child processes report what they ran
            watcher.spawn_hook = children.on_spawn
            children.on_fork = self._close_in_fork

    def push(self) -> None:
        self.watcher.push()
        if self.children is not None:
            self.children.push()
        self.tracer.push()
        self._modules.append(set())

    def pop(self) -> Trace:
        codes, intact = self.tracer.pop()
        reads = self.watcher.pop()
        modules = self._modules.pop() if len(self._modules) > 1 else set()
        trace = Trace(codes, reads.files, intact, reads.untracked, modules)
        kids = self.children.pop() if self.children is not None else None
        if kids is not None:
            trace.child_codes = kids.code_keys
            trace.files |= kids.files
            trace.untracked = trace.untracked or kids.untracked
        return trace

    def note_module(self, rel: str) -> None:
        """A project module's body ran in the innermost open context."""
        self._modules[-1].add(rel)

    def take_outside_modules(self) -> set[str]:
        """The project modules imported outside any context since the last call: by
        pytest itself (conftest files, test modules, plugins)."""
        out, self._modules[0] = self._modules[0], set()
        return out

    def _close_in_fork(self) -> None:
        """In a child forked while a test runs: this tracking belongs to the parent."""
        self.tracer.close()
        self.watcher.close()

    def close(self) -> None:
        self.tracer.close()
        self.watcher.close()
        if self.children is not None:
            self.children.close()

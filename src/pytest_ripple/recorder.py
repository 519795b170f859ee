"""From the code objects a test ran to the blocks it depends on."""

from __future__ import annotations

import os
from pathlib import Path
from types import CodeType
from typing import Iterable

from pytest_ripple.changes import FileState, read_state, relative_to_root

Dep = tuple[str, str]  # (path relative to the rootdir, block)


class Resolver:
    """Maps code objects to (path, block). Each project file is read and fingerprinted
    once per run; the states read are what the store saves beside the results."""

    def __init__(self, rootdir: Path) -> None:
        self.rootdir = rootdir
        self._root = os.path.normcase(str(rootdir.resolve())).rstrip(os.sep) + os.sep
        self._files: dict[str, FileState | None] = {}  # co_filename -> state
        self._codes: dict[tuple[str, int, str], Dep | None] = {}
        self.states: dict[str, FileState] = {}  # rel path -> state read this run

    def state(self, rel: str) -> FileState:
        state = self.states.get(rel)
        if state is None:
            state = self.states[rel] = read_state(self.rootdir, rel)
        return state

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
        cache = self._codes
        for code in codes:
            key = (code.co_filename, code.co_firstlineno, code.co_name)
            if key in cache:
                dep = cache[key]
            else:
                state = self._file(code.co_filename)
                dep = None
                if state is not None and state.fp is not None:
                    dep = (state.path, state.fp.block_at(code.co_firstlineno, code.co_name))
                cache[key] = dep
            if dep is not None:
                out.add(dep)
        return out

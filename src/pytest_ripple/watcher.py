"""What a test reads besides code: files opened under the rootdir, and Python
subprocesses it starts (which we cannot see into), through ``sys.addaudithook``.

Files read while no test runs (at import time, during collection) belong to the
project module whose import-time code was running; a change to such a file counts
as a change to that module's import-time code.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, Callable

from pytest_ripple import audit
from pytest_ripple.child import read_path
from pytest_ripple.paths import relative_to_root, root_prefix

_SPAWN_EVENTS = frozenset(
    {"subprocess.Popen", "os.system", "os.posix_spawn", "os.exec", "os.spawn", "os.fork"}
)
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR
# State test tools keep for themselves: pytest's cache, hypothesis's example database
# (a fixed test deletes the examples it replays: they are not the project's input).
_TOOL_STATE = (".pytest_cache/", ".hypothesis/")


@dataclass
class Reads:
    """What one context (a test, a fixture) read."""

    files: set[str] = field(default_factory=set)
    untracked: str | None = None  # why this context cannot be fully tracked


class ReadWatcher:
    def __init__(self, rootdir: Path, ignore: set[str]) -> None:
        self._root = root_prefix(rootdir)
        self.ignore = ignore  # our own data file and the like, relative to the rootdir
        self._stack: list[Reads] = []
        self.import_reads: set[tuple[str, str]] = set()  # (data file, module)
        # children.py: True when child processes report what they run themselves
        self.spawn_hook: Callable[[str, tuple[Any, ...]], bool] | None = None
        # True while pytest makes a test's report: the Python files it opens then are
        # source lines for a traceback (an xfail test's), not data the test read
        self.reporting = False
        audit.subscribe(("open",), self.on_open)
        audit.subscribe(_SPAWN_EVENTS, self.on_spawn)

    def push(self) -> None:
        self._stack.append(Reads())

    def pop(self) -> Reads:
        return self._stack.pop() if self._stack else Reads()

    def close(self) -> None:
        audit.unsubscribe(self.on_open)
        audit.unsubscribe(self.on_spawn)
        self._stack.clear()

    # -- events --------------------------------------------------------------------
    def on_open(self, event: str, args: tuple[Any, ...]) -> None:
        path = read_path(args)
        if path is None:
            return
        mode = args[1] if len(args) > 1 else None
        try:
            name = os.fsdecode(path)
        except (TypeError, ValueError):
            return
        rel = relative_to_root(self._root, name)
        if rel is None or rel in self.ignore or rel.startswith(_TOOL_STATE):
            return
        if rel.endswith((".py", ".pyc", ".pyw")) and (
            self.reporting
            or not isinstance(mode, str)
            or "b" in mode
            or _loads_code(sys._getframe(2).f_code.co_filename)
        ):
            return  # imports, tracebacks, assertion rewriting: code is tracked as code
        if os.path.isdir(name):
            return
        if self._stack:
            self._stack[-1].files.add(rel)
        else:
            module = _importing_module(self._root, sys._getframe(2))
            if module is not None:
                self.import_reads.add((rel, module))

    def on_spawn(self, event: str, args: tuple[Any, ...]) -> None:
        if self.spawn_hook is not None and self.spawn_hook(event, args):
            return
        if not self._stack or self._stack[-1].untracked:
            return
        if event == "os.fork" or _runs_python(args):
            self._stack[-1].untracked = "it starts a Python subprocess, which is not tracked"


_CODE_LOADERS = frozenset({"runpy.py", "pkgutil.py", "zipimport.py"})


def _loads_code(filename: str) -> bool:
    """Opened by the import system, zipimport or runpy (frozen since 3.11): the file is
    run as code, which is tracked block by block, not read as data."""
    return filename.startswith("<frozen ") or (
        os.path.basename(filename) in _CODE_LOADERS
        and os.path.dirname(filename) == os.path.dirname(os.__file__)
    )


def _runs_python(args: tuple[Any, ...]) -> bool:
    words: list[str] = []
    for arg in args[:2]:
        if isinstance(arg, (str, bytes, os.PathLike)):
            words.append(os.fsdecode(arg))
        elif isinstance(arg, (list, tuple)):
            words += [os.fsdecode(a) for a in arg[:3] if isinstance(a, (str, bytes, os.PathLike))]
    exe = os.path.basename(sys.executable)
    return any("python" in w or exe in w or "pytest" in w for w in words)


def _importing_module(root: str, frame: FrameType | None) -> str | None:
    """The project module whose import-time code is on the stack, innermost first."""
    while frame is not None:
        code = frame.f_code
        if code.co_name == "<module>":
            rel = relative_to_root(root, code.co_filename)
            if rel is not None:
                return rel
        frame = frame.f_back
    return None

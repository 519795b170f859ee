"""Import contexts: what each project module's body did while it ran.

A finder first on ``sys.meta_path`` (before pytest's assertion rewriter) asks the
other finders for the spec and wraps the loader's ``exec_module`` for project files.
While module M's body runs, a tracking context of its own is open: the functions,
class bodies and files it ran or read are M's import-time dependencies, and a project
module whose body runs inside it is an import edge. The enclosing context (a test, or
another module) records M as imported. When a project function's call imported M
(``importlib.import_module(name)`` in a plugin loader), M's record names it too: a
test that runs it later sees M's state without importing anything.
"""

from __future__ import annotations

import sys
import threading
from types import CodeType, FrameType, ModuleType
from typing import Any, Callable

from pytest_ripple.recorder import Recorder, Trace


class ModuleImports:
    def __init__(self, recorder: Recorder, relative: Callable[[str], str | None]) -> None:
        self.recorder = recorder
        self.relative = relative
        self.records: dict[str, Trace] = {}  # module file -> what its last import did
        # module file -> the project function whose call imported it last (not a
        # module body: that is an import edge of the graph already)
        self.importers: dict[str, CodeType] = {}
        self._patched: list[tuple[Any, Any]] = []  # (loader, its exec_module before us)
        self._thread = threading.get_ident()
        self._busy = threading.local()
        self._active = True
        sys.meta_path.insert(0, self)

    # -- the finder ---------------------------------------------------------------------
    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if not self._active or getattr(self._busy, "on", False):
            return None
        self._busy.on = True
        try:
            spec = None
            for finder in list(sys.meta_path):
                find = getattr(finder, "find_spec", None)
                if finder is self or find is None:
                    continue
                spec = find(name, path, target)
                if spec is not None:
                    break
        finally:
            self._busy.on = False
        if spec is not None:
            self._wrap(spec)
        return spec

    def _wrap(self, spec: Any) -> None:
        loader, origin = spec.loader, spec.origin
        if loader is None or not isinstance(origin, str) or self.relative(origin) is None:
            return
        current = getattr(loader, "__dict__", {}).get("exec_module")
        if getattr(current, "_ripple_owner", None) is self:
            return
        original = getattr(loader, "exec_module", None)
        if original is None:
            return

        def exec_module(module: ModuleType) -> None:
            self._exec(original, module)

        exec_module._ripple_owner = self  # type: ignore[attr-defined]
        try:
            loader.exec_module = exec_module
        except (AttributeError, TypeError):
            return  # a loader that takes no attributes: its modules run untracked
        self._patched.append((loader, current))

    def _exec(self, original: Callable[[ModuleType], None], module: ModuleType) -> None:
        spec = module.__spec__
        origin = getattr(spec, "origin", None)
        rel = self.relative(origin) if isinstance(origin, str) else None
        # threads share one context stack: an import in another thread stays in
        # whatever context runs (a test's), as any other code it runs
        if rel is None or not self._active or threading.get_ident() != self._thread:
            original(module)
            return
        importer = self._importer(sys._getframe(1))
        if importer is not None:
            self.importers[rel] = importer
        else:
            self.importers.pop(rel, None)
        self.recorder.push()
        try:
            original(module)
        finally:
            self.records[rel] = self.recorder.pop()
            self.recorder.note_module(rel)

    def _importer(self, frame: FrameType | None) -> CodeType | None:
        """The innermost project code on the stack, when it is a function: the import
        machinery, installed packages and this module are passed over."""
        while frame is not None:
            code = frame.f_code
            if code.co_filename != __file__ and self.relative(code.co_filename) is not None:
                return None if code.co_name == "<module>" else code
            frame = frame.f_back
        return None

    def close(self) -> None:
        self._active = False
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        for loader, before in reversed(self._patched):
            current = getattr(loader, "__dict__", {}).get("exec_module")
            if getattr(current, "_ripple_owner", None) is not self:
                continue
            try:
                if before is None:
                    del loader.exec_module
                else:
                    loader.exec_module = before
            except (AttributeError, TypeError):
                pass
        self._patched.clear()

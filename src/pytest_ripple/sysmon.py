"""The Python 3.12+ engine: ``sys.monitoring`` start and resume events under our own
tool ids.

Each code object reports once per context: the callback returns DISABLE, and the code
is re-armed when the next context starts. With two tool ids (the usual case), re-arming
costs in proportion to the project code that ran, not to all code:

- the *seeking* tool has PY_START and PY_RESUME on globally. It sees each code object
  once (then DISABLE, for good): code that can be a dependency (a project file, an
  installed package) gets local PY_START and PY_RESUME events of the *recording* tool;
  everything else (the standard library, generated code) is never seen again;
- the *recording* tool's callback adds the code to the open context and disables its
  event. Starting a context turns the local event of just the codes that reported since
  off and on again (``set_local_events``), which re-instruments those code objects only;
- pytest's own runner (``_pytest``, ``pluggy``, ``pytest``, this plugin, installed) runs
  in every test: one code object of each stands for it in every context, so its ~200
  code objects per test are not re-armed.

With a single free tool id, every context calls ``restart_events()`` instead, which
re-instruments every code object that runs next (pytest's included, ~200 per test) and
has each report again.
"""

from __future__ import annotations

import os
import sys
from types import CodeType
from typing import Any, Sequence

from pytest_ripple.contexts import Codes, CodeStack
from pytest_ripple.paths import INSTALLED_TOP, relative_to_root

TOOL_NAME = "pytest-ripple"
# Ids 0-2 and 5 are named for debuggers, coverage, profilers and optimizers.
_PREFERRED_IDS = (4, 3, 2, 5)
# Installed packages whose code runs in every test: pytest's runner and this plugin.
RUNNER_PACKAGES = frozenset({"_pytest", "pluggy", "pytest", "pytest_ripple"})
_SKIP, _TRACK, _RUNNER = 0, 1, 2


def _seek_events(events: Any) -> int:
    """What the seeking tool listens to: a generator created before tracking started
    may first run (resume) inside a test."""
    return int(events.PY_START | events.PY_RESUME)


def free_tool_ids(want: int = 2) -> list[int]:
    """Up to ``want`` free tool ids, the preferred first."""
    mon: Any = getattr(sys, "monitoring", None)
    if mon is None:
        return []
    return [i for i in _PREFERRED_IDS if mon.get_tool(i) is None][:want]


def free_tool_id() -> int | None:
    ids = free_tool_ids(1)
    return ids[0] if ids else None


class SysMonTracer:
    name = "sys.monitoring"

    def __init__(self, tool_ids: int | Sequence[int], root: str = "") -> None:
        """``root``: the project's :func:`~pytest_ripple.paths.root_prefix`."""
        ids = (tool_ids,) if isinstance(tool_ids, int) else tuple(tool_ids)
        self._mon: Any = sys.monitoring  # type: ignore[attr-defined,unused-ignore]
        self.tool_id = ids[0]  # records
        self._seek_id: int | None = ids[1] if len(ids) > 1 else None
        self.tool_ids = ids[:2]
        self._root = root
        self._stack = CodeStack()
        self._intact = True
        self._registered = False
        # by identity, as every collection of code objects here (contexts.Codes)
        self._fired: Codes = {}  # reported (so disabled) since the last re-arm
        self._armed: Codes = {}  # with a local event of the recording tool
        self._kinds: dict[str, int] = {}  # co_filename -> _SKIP / _TRACK / _RUNNER
        self._runner_seen: set[str] = set()  # runner packages with a code in _runner_codes
        self._runner_codes: Codes = {}  # one code object per runner package
        mon = self._mon
        events = mon.events
        # A generator or coroutine reports when it starts (PY_START) and each time it
        # resumes (PY_RESUME; PY_THROW for throw(), which is global only and cannot be
        # disabled): one started in a fixture and resumed by a test runs in the test.
        self._events = events.PY_START | events.PY_RESUME  # local, re-armed per context
        codes = self._stack.codes
        fired = self._fired
        disable = mon.DISABLE

        if self._seek_id is None:

            def on_start(code: CodeType, offset: int) -> Any:
                codes[id(code)] = code
                return disable

        else:

            def on_start(code: CodeType, offset: int) -> Any:
                codes[id(code)] = fired[id(code)] = code
                return disable

        self._callback = on_start
        self._seek = seek = self._make_seek()
        armed = self._armed
        single = self._seek_id is None

        def on_throw(code: CodeType, offset: int, exc: BaseException) -> None:
            if single or id(code) in armed:
                codes[id(code)] = code
            else:  # not seen yet (a generator started before tracking, then thrown into)
                seek(code, offset)

        self._on_throw = on_throw

    def _make_seek(self) -> Any:
        mon = self._mon
        codes = self._stack.codes
        fired = self._fired
        armed = self._armed
        kinds = self._kinds
        kind_of = self._kind
        set_local = mon.set_local_events
        record_id = self.tool_id
        events = self._events
        disable = mon.DISABLE

        def on_seek(code: CodeType, offset: int) -> Any:
            kind = kinds.get(code.co_filename)
            if kind is None:
                kind = kind_of(code)
            if kind == _TRACK:
                key = id(code)
                codes[key] = code  # it runs now: the recording tool may not see it
                if key not in armed:
                    armed[key] = fired[key] = code
                    set_local(record_id, code, events)
            elif kind == _RUNNER:
                codes[id(code)] = code
            return disable

        return on_seek

    def _kind(self, code: CodeType) -> int:
        filename = code.co_filename
        if filename and filename[0] != "<" and not os.path.isabs(filename):
            # relative to the working directory when it was compiled (exec of a
            # relative path): the Resolver decides later, so it is armed, and not cached
            # (the same name may be project code seen from another directory)
            return _TRACK
        if relative_to_root(self._root, filename) is not None:
            kind = _TRACK
        else:
            m = INSTALLED_TOP.search(filename)
            if m is None:
                kind = _SKIP  # the standard library, <string>: never a dependency
            else:
                top = m.group(1)
                top = top[:-3] if top.endswith(".py") else top
                kind = _RUNNER if top in RUNNER_PACKAGES else _TRACK
                if kind == _RUNNER and top not in self._runner_seen:
                    self._runner_seen.add(top)
                    self._runner_codes[id(code)] = code
        self._kinds[filename] = kind
        return kind

    def _install(self) -> None:
        mon = self._mon
        events = mon.events
        seek = self._seek_id
        record = self.tool_id
        if not self._registered:
            mon.use_tool_id(record, TOOL_NAME)
            mon.register_callback(record, events.PY_START, self._callback)
            mon.register_callback(record, events.PY_RESUME, self._callback)
            mon.register_callback(record, events.PY_THROW, self._on_throw)
            if seek is not None:
                mon.use_tool_id(seek, TOOL_NAME)
                mon.register_callback(seek, events.PY_START, self._seek)
                mon.register_callback(seek, events.PY_RESUME, self._seek)
                # code disabled for the seeking tool by an earlier tracer (or this one
                # before close()) must be seen again
                mon.restart_events()
            self._registered = True
        for tool_id, wanted in self._global_events():
            if mon.get_events(tool_id) != wanted:
                mon.set_events(tool_id, wanted)

    def _global_events(self) -> list[tuple[int, int]]:
        events = self._mon.events
        if self._seek_id is None:
            return [(self.tool_id, self._events | events.PY_THROW)]
        return [(self._seek_id, _seek_events(events)), (self.tool_id, events.PY_THROW)]

    def _still_ours(self) -> bool:
        mon = self._mon
        return all(mon.get_tool(i) == TOOL_NAME for i in self.tool_ids) and all(
            mon.get_events(tool_id) == wanted for tool_id, wanted in self._global_events()
        )

    def _rearm(self) -> None:
        """Code that reported (and was disabled) must report again from now on."""
        if self._seek_id is None:
            self._mon.restart_events()
            return
        fired = self._fired
        set_local = self._mon.set_local_events
        record_id = self.tool_id
        events = self._events
        # pop(), not a copy and a clear: a thread may report one in between
        while fired:
            _, code = fired.popitem()
            set_local(record_id, code, 0)
            set_local(record_id, code, events)

    def push(self) -> None:
        if self._stack.enter():
            self._intact = True
            self._install()
        self._rearm()

    def pop(self) -> tuple[Codes, bool]:
        if self._stack.depth == 0:
            return {}, False
        intact = self._intact = self._intact and self._still_ours()
        codes = self._stack.leave()
        if self._stack.depth:
            # code the inner context ran is disabled: it must report again to the outer
            self._rearm()
        # Events stay on between tests: what runs there reports once and is dropped at
        # the next push (which re-arms it). Every set_events() re-instruments all code
        # that runs next, which costs more than those few reports.
        if self._runner_codes:
            codes.update(self._runner_codes)
        return codes, intact

    def arm(self) -> None:
        """sys.monitoring sees every thread: nothing to prepare."""

    def close(self) -> None:
        mon = self._mon
        if self._registered and mon.get_tool(self.tool_id) == TOOL_NAME:
            events = mon.events
            for tool_id in self.tool_ids:
                if mon.get_tool(tool_id) != TOOL_NAME:
                    continue
                mon.set_events(tool_id, 0)
                for event in (events.PY_START, events.PY_RESUME, events.PY_THROW):
                    mon.register_callback(tool_id, event, None)
            if self._seek_id is not None:
                # local events outlive the tool id before 3.14: a later owner of the id
                # must not get calls for our codes
                for code in self._armed.values():
                    mon.set_local_events(self.tool_id, code, 0)
            for tool_id in self.tool_ids:
                if mon.get_tool(tool_id) == TOOL_NAME:
                    mon.free_tool_id(tool_id)
        self._registered = False
        self._armed.clear()
        self._fired.clear()
        self._kinds.clear()
        self._runner_seen.clear()
        self._runner_codes.clear()
        self._stack.reset()

"""The Python 3.12+ engine: ``sys.monitoring`` PY_START events under our own tool id.

Each code object reports once per context: the callback returns DISABLE, and
``restart_events()`` re-arms at the start of the next context. Measured in the design
brief: a call-heavy loop costs 0.134 s against 0.13 s untraced (settrace: 0.45 s).
"""

from __future__ import annotations

import sys
from types import CodeType
from typing import Any

from pytest_ripple.contexts import CodeStack

TOOL_NAME = "pytest-ripple"
# Ids 0-2 and 5 are named for debuggers, coverage, profilers and optimizers.
_PREFERRED_IDS = (4, 3, 2)


def free_tool_id() -> int | None:
    mon: Any = getattr(sys, "monitoring", None)
    if mon is None:
        return None
    for tool_id in _PREFERRED_IDS:
        if mon.get_tool(tool_id) is None:
            return tool_id
    return None


class SysMonTracer:
    name = "sys.monitoring"

    def __init__(self, tool_id: int) -> None:
        self._mon: Any = sys.monitoring  # type: ignore[attr-defined,unused-ignore]
        self.tool_id = tool_id
        self._stack = CodeStack()
        self._intact = True
        self._registered = False
        add = self._stack.codes.add
        disable = self._mon.DISABLE

        def on_start(code: CodeType, offset: int) -> Any:
            add(code)
            return disable

        self._callback = on_start

    def _install(self) -> None:
        mon = self._mon
        if not self._registered:
            mon.use_tool_id(self.tool_id, TOOL_NAME)
            mon.register_callback(self.tool_id, mon.events.PY_START, self._callback)
            self._registered = True
        if mon.get_events(self.tool_id) != mon.events.PY_START:
            mon.set_events(self.tool_id, mon.events.PY_START)

    def _still_ours(self) -> bool:
        mon = self._mon
        return bool(
            mon.get_tool(self.tool_id) == TOOL_NAME
            and mon.get_events(self.tool_id) == mon.events.PY_START
        )

    def push(self) -> None:
        if self._stack.enter():
            self._intact = True
            self._install()
        # Code that already reported (and was disabled) must report again here.
        self._mon.restart_events()

    def pop(self) -> tuple[set[CodeType], bool]:
        if self._stack.depth == 0:
            return set(), False
        intact = self._intact = self._intact and self._still_ours()
        codes = self._stack.leave()
        if self._stack.depth:
            # code the inner context ran is disabled: it must report again to the outer
            self._mon.restart_events()
        # Events stay on between tests: what pytest runs there reports once and is
        # dropped at the next push. Every set_events() re-instruments all code that
        # runs next, which costs more than those few reports.
        return codes, intact

    def suspend(self) -> None:
        """Nothing to gain: each code object reports once per context anyway."""

    def resume(self) -> None:
        pass

    def arm(self) -> None:
        """sys.monitoring sees every thread: nothing to prepare."""

    def close(self) -> None:
        mon = self._mon
        if self._registered and mon.get_tool(self.tool_id) == TOOL_NAME:
            mon.set_events(self.tool_id, 0)
            mon.register_callback(self.tool_id, mon.events.PY_START, None)
            mon.free_tool_id(self.tool_id)
        self._registered = False
        self._stack.reset()

"""The engine for Python < 3.12: a ``sys.settrace`` function that sees call events only.

It returns no local trace function, so lines cost nothing; each call costs one Python
call (0.45 s against 0.13 s untraced on a call-heavy loop, in the design brief). A trace
function already in place (coverage.py, a debugger) keeps running: ours calls it.
"""

from __future__ import annotations

import sys
import threading
from types import FrameType
from typing import Any, Callable, Optional

from pytest_ripple import audit, threads
from pytest_ripple.contexts import Codes, CodeStack

TraceFn = Callable[[FrameType, str, Any], Optional[Callable[..., Any]]]

# Trace functions of ours found replaced for a while, by any tracker: the audit hook
# tells the innermost one only, and every open one missed those calls.
_swaps = [0]


def swapped() -> None:
    _swaps[0] += 1


class SetTraceTracer:
    name = "sys.settrace"

    def __init__(self, thread_hook: threads.ThreadHook | None = None) -> None:
        """``thread_hook``: one that records for this tracker too (the profiler
        engine's, when this one records for it)."""
        self._stack = CodeStack()
        self._codes = self._stack.codes
        self._prev: TraceFn | None = None
        self._trace: TraceFn | None = None
        self._intact = True
        self._active = False
        self.threads = thread_hook or threads.ThreadHook()
        self._thread_mark = self._swap_mark = 0
        self._own = False  # we are calling sys.settrace ourselves
        self._thread = threading.get_ident()

    def arm(self) -> None:
        """Threads started from now on (by a test module's import, a fixture, a test)
        record while a test runs (:mod:`~pytest_ripple.threads`)."""
        self.threads.arm()

    def _replaced(self, event: str, args: tuple[Any, ...]) -> None:
        """Someone calls sys.settrace while a test runs (the event comes before the
        change). If ours is not the one in place, another was, for a while: what ran
        under it was not recorded. (If ours is in place and gets replaced for good,
        pop() sees it; doctest sets ours again, which is harmless.)"""
        if (
            self._active
            and threading.get_ident() == self._thread  # other threads: threads.py
            and not self._own
            and sys.gettrace() is not self._trace
        ):
            self._intact = False
            swapped()

    def _settrace(self, fn: TraceFn | None) -> None:
        self._own = True
        try:
            sys.settrace(fn)
        finally:
            self._own = False

    def _make(self, prev: TraceFn | None) -> TraceFn:
        codes = self._codes  # by identity (contexts.Codes)
        outer: Codes | None = getattr(prev, "ripple_codes", None)
        if outer is not None:
            # a tracker of ours outside this one (pytester's in-process runs under
            # ``pytest --testmon``): its function would only do this, through one more
            # Python call per frame and the guards a foreign trace function needs

            def both(frame: FrameType, event: str, arg: Any) -> None:
                code = frame.f_code
                codes[id(code)] = outer[id(code)] = code
                return None

            return both
        if prev is None:

            def trace(frame: FrameType, event: str, arg: Any) -> None:
                code = frame.f_code
                codes[id(code)] = code
                return None

            trace.ripple_codes = codes  # type: ignore[attr-defined]
            return trace

        gettrace = sys.gettrace

        def chained(frame: FrameType, event: str, arg: Any) -> Any:
            code = frame.f_code
            codes[id(code)] = code
            self._own = True  # coverage.py's C tracer re-installs itself in here
            try:
                local = prev(frame, event, arg)
                if gettrace() is prev:  # it did: take our place in front of it again
                    sys.settrace(chained)
            finally:
                self._own = False
            return local

        return chained

    def push(self) -> None:
        if self._stack.enter():
            self._intact = True
            self._prev = sys.gettrace()  # type: ignore[assignment]
            self._trace = self._make(self._prev)
            self._thread = threading.get_ident()
            self._settrace(self._trace)
            audit.subscribe(("sys.settrace",), self._replaced)
            self.arm()  # if not yet, or again after a close()
            self._thread_mark = self.threads.start(self._codes)
            self._swap_mark = _swaps[0]
            self._active = True

    def pop(self) -> tuple[Codes, bool]:
        if self._stack.depth == 0:
            return {}, False
        installed = sys.gettrace() is self._trace
        whole = self.threads.whole(self._thread_mark) and _swaps[0] == self._swap_mark
        intact = self._intact = self._intact and installed and whole
        codes = self._stack.leave()
        if not self._stack.depth:
            self._active = False
            self.threads.stop()
            if installed:  # ours is back in place (perhaps after a swap): hand back
                self._settrace(self._prev)
            self._trace = None
            audit.unsubscribe(self._replaced)
        return codes, intact

    def close(self) -> None:
        while self._stack.depth:
            self.pop()
        self.threads.disarm()

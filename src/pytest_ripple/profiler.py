"""The engine for Python < 3.12 when the profile hook is free: cProfile's C profiler
(``_lsprof``) on ``sys.setprofile``.

Under sys.settrace every call costs a Python call to our function; the profiler's
callback is C, so a call costs one lookup in its table. What ran is read from that
table (``getstats``) when a context starts or ends, and the table is emptied.

The trace hook stays free for coverage.py and debuggers. A trace function that
replaces the one in place while a context runs (pdb, ``--trace``, a test that traces)
can change what runs: the context is not intact, and its test runs again next time,
as under the sys.settrace engine, where it replaces ours. Putting back the function
in place (doctest does, after each example) changes nothing.

A tracker started inside another of ours (pytester's in-process runs under
``pytest --testmon``) reads the outer one's profiler instead of replacing it: each
read goes to every tracker reading that profiler.

The profiler counts a call when it returns, and its table leaves out calls not
counted. A call still running when the table is read is counted by the stop
(``disable``) that precedes each read, as long as the profiler's stack of open calls
matches the frames. greenlet switches break that (two stacks' events interleave): the
table is read at each switch, through ``greenlet.settrace``.
"""

from __future__ import annotations

import sys
import threading
from types import CodeType, FrameType
from typing import Any, Callable

from pytest_ripple import audit, pytracer, threads
from pytest_ripple.contexts import Codes, CodeStack
from pytest_ripple.pytracer import SetTraceTracer

_CProfiler: Any
try:
    from _lsprof import Profiler

    class _CProfiler(Profiler):  # type: ignore[no-redef]
        """A subclass, for an attribute (the tracker state it belongs to) and a call.

        ``sys.getprofile()`` returns the profiler: code that saves the profile
        function and sets it back later (``sys.setprofile(saved)``,
        ``threading.setprofile(sys.getprofile())``) installs it as a Python function.
        Called so, it records the call and, in the thread it belongs to, takes its
        C callback back."""

        ripple_shared: _Shared

        def __call__(self, frame: FrameType, event: str, arg: Any) -> None:
            shared = self.ripple_shared
            if event == "call":
                code = frame.f_code
                # a profiler whose contexts have closed, set again (for the threads
                # started from now on, say): it records for the trackers reading now
                for reader in shared.readers or _reading:
                    if reader._active:
                        reader._codes[id(code)] = code
            # take the hook back only from ourselves: a profile function that calls
            # the one it replaced keeps its place
            if threading.get_ident() == shared.thread and sys.getprofile() is self:
                _set(self.enable)

except ImportError:  # not CPython: the sys.settrace engine
    _CProfiler = None

# Every tracker with an open context on a profiler of ours (any profiler).
_reading: list[ProfileTracer] = []
# Calls of our own to sys.setprofile (enable, disable): not a takeover.
_own = [False]
# Profilers someone else's profile function replaced: still flagged enabled, so their
# deallocation would remove whatever profile function is then in place. Kept (each one
# emptied) for the life of the process.
_kept: list[Any] = []


def available() -> bool:
    """The C profiler exists and the profile hook is free, or one of ours holds it."""
    current = sys.getprofile()
    return (
        _CProfiler is not None
        and sys.implementation.name == "cpython"
        and (current is None or _shared_by(current) is not None)
    )


def _shared_by(obj: Any) -> _Shared | None:
    shared = getattr(obj, "ripple_shared", None)
    return shared if isinstance(shared, _Shared) else None


class _Shared:
    """One C profiler, and the open context of every tracker reading it."""

    def __init__(self) -> None:
        assert _CProfiler is not None
        self.profiler: Any = _CProfiler(subcalls=False, builtins=False)
        self.profiler.ripple_shared = self
        self.readers: list[ProfileTracer] = []
        self.thread = threading.get_ident()

    def drain(self) -> None:
        """Move what ran since the last drain into every reader's open context. The
        profiler is stopped meanwhile, so that no call changes its table while it is
        read and cleared (what runs here is ours)."""
        prof = self.profiler
        running = sys.getprofile() is prof
        if running:
            _set(prof.disable)
        try:
            for entry in prof.getstats():
                code = entry.code
                if type(code) is CodeType:
                    for reader in self.readers:
                        reader._codes[id(code)] = code
            prof.clear()
        finally:
            if running:
                _set(prof.enable)


def _set(call: Callable[[], Any]) -> None:
    _own[0] = True
    try:
        call()
    finally:
        _own[0] = False


class ProfileTracer:
    name = "sys.setprofile"

    def __init__(self) -> None:
        self._stack = CodeStack()
        self._codes = self._stack.codes
        self._shared: _Shared | None = None  # None: someone else's profile function
        self._owner = False  # we made the profiler (not an outer tracker of ours)
        self._intact = True
        self._traces: list[Any] = []  # the trace function in place as each context started
        self._active = False
        self._thread = threading.get_ident()
        # the profiler sees the thread that enabled it only
        self.threads = threads.ThreadHook()
        self._thread_mark = 0
        # contexts that started while someone else's profile function was set (a
        # profiler, the fallback of a child process's recorder): recorded through
        # sys.settrace instead, as by the other engine; threads through our hook
        self._fallback = SetTraceTracer(self.threads)
        self._fallback_depth = 0

    def arm(self) -> None:
        """Threads started from now on record while a context is open
        (:mod:`~pytest_ripple.threads`)."""
        self.threads.arm()

    def _hooks_changed(self, event: str, args: tuple[Any, ...]) -> None:
        """Someone sets a profile function (ours stops recording) or a trace function
        in the thread we track. The event comes before the change: a trace function
        other than the first one in place now was set by an earlier call (a debugger:
        what runs may differ from a plain run; pop() sees one still in place). Only
        the innermost tracker hears of it; every tracker reading the profiler is told.
        (Other threads: threads.py hears them.)"""
        if not self._active or threading.get_ident() != self._thread or _own[0]:
            return
        current = sys.gettrace()
        # (a reader's baselines are empty while its outermost context is popped)
        for reader in self._shared.readers if self._shared is not None else (self,):
            if event != "sys.settrace" or current is not (reader._traces or [None])[-1]:
                reader._intact = False
        if event == "sys.settrace" and current is not (self._traces or [None])[-1]:
            pytracer.swapped()  # for a sys.settrace tracker outside this one

    def push(self) -> None:
        if self._fallback_depth or (not self._stack.depth and _foreign(sys.getprofile())):
            self._fallback_depth += 1
            self._fallback.push()
            self.arm()  # threads: ours records for it
            return
        if self._shared is not None:
            self._shared.drain()  # what ran so far belongs to the enclosing context
        self._traces.append(sys.gettrace())
        if not _watch_greenlets(install=False):
            # greenlet imported, or our hook removed, while the enclosing contexts
            # (of any tracker reading the profiler) ran: switches went unseen
            _not_intact(_shared_by(sys.getprofile()), self)
            _watch_greenlets()
        if not self._stack.enter():
            return
        self._intact = True
        self._thread = threading.get_ident()
        current = sys.getprofile()
        shared = _shared_by(current) if current is not None else _Shared()
        assert shared is not None  # someone else's: the fallback records
        self._owner = current is None or not shared.readers  # or ours, left set
        shared.drain()  # an outer tracker's: what ran so far is its own
        shared.readers.append(self)
        _reading.append(self)
        if self._owner:
            _set(shared.profiler.enable)
        self._shared = shared
        audit.subscribe(("sys.setprofile", "sys.settrace"), self._hooks_changed)
        self.arm()  # if not yet, or again after a close()
        self._thread_mark = self.threads.start(self._codes)
        self._active = True

    def pop(self) -> tuple[Codes, bool]:
        if self._fallback_depth:
            self._fallback_depth -= 1
            return self._fallback.pop()
        if self._stack.depth == 0:
            return {}, False
        shared = self._shared
        installed = shared is not None and sys.getprofile() is shared.profiler
        same_trace = sys.gettrace() is self._traces.pop()
        if not _watch_greenlets(install=False):  # imported in the context, or unhooked
            _not_intact(shared, self)
        if shared is not None:
            shared.drain()
        whole = self.threads.whole(self._thread_mark)
        intact = self._intact = self._intact and installed and same_trace and whole
        codes = self._stack.leave()
        if not self._stack.depth:
            self._active = False
            self.threads.stop()
            audit.unsubscribe(self._hooks_changed)
            if shared is not None:
                shared.readers.remove(self)
                _reading.remove(self)
                if self._owner and installed:  # hand the hook back (it was free)
                    _set(shared.profiler.disable)
                elif self._owner:
                    _kept.append(shared.profiler)
            self._shared = None
        return codes, intact

    def close(self) -> None:
        while self._fallback_depth:  # not its close(): the thread hook is ours
            self.pop()
        while self._stack.depth:
            self.pop()
        self.threads.disarm()


def _foreign(profile: Any) -> bool:
    return profile is not None and _shared_by(profile) is None


def _not_intact(shared: _Shared | None, tracker: ProfileTracer) -> None:
    """Every tracker reading the profiler loses its open contexts' intactness."""
    for reader in shared.readers if shared is not None else ():
        reader._intact = False
    tracker._intact = False


# greenlet.settrace callbacks of ours, by thread (greenlet's trace function is per thread)
_switch_hooks: dict[int, Any] = {}


def _watch_greenlets(install: bool = True) -> bool:
    """Whether greenlet switches in this thread are seen (or greenlet is not imported):
    at each one, the profiler of ours running in the thread is read. Installed once per
    thread, ahead of any greenlet trace function already there, which it calls."""
    module = sys.modules.get("greenlet")
    if module is None:
        return True
    ident = threading.get_ident()
    ours = _switch_hooks.get(ident)
    gettrace = getattr(module, "gettrace", None)
    if ours is not None and gettrace is not None and gettrace() is ours:
        return True
    if not install or gettrace is None:
        return False
    prev = gettrace()

    def on_switch(event: str, args: Any) -> Any:
        shared = _shared_by(sys.getprofile())
        if shared is not None:
            shared.drain()
        return prev(event, args) if prev is not None else None

    module.settrace(on_switch)
    _switch_hooks[ident] = on_switch
    return True

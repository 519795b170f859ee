"""Threads, for the engines of Python < 3.12: threads started from now on carry a
profile function that records each Python call into the open context.

A profile function, not a trace function: coverage.py gives every new thread a trace
function that replaces, at the thread's first call, the one threading set. A trace
function of ours chained in front of it saw that first call only, and the test that
started the thread kept a record that missed the rest.

What can still hide a thread's calls, and what the engines do about it (a context
that may have missed calls is not intact: its test runs again next time):

- a profile function of ours replaced in a thread (a profiler run there):
  :func:`taken`, heard through the audit hook. That thread records nothing more, so
  every context is not intact until it ends (a pool's worker can live all session);
- threading's hook replaced (``threading.setprofile(None)``, as profilers do when they
  stop): no audit event, so each context's end checks that ours is still in place
  and puts it back in front of whatever is there.
"""

from __future__ import annotations

import sys
import threading
from types import FrameType
from typing import Any, Callable, List, Optional

from pytest_ripple.contexts import Codes

# Takeovers heard so far, by any tracker: each context compares the count at its start
# (the audit hook tells the innermost tracker only).
_takeovers = [0]
# Threads whose profile function of ours was replaced: blind while they live.
_blind: set[int] = set()


def thread_profile() -> Any:
    """The profile function threading gives new threads (``threading.getprofile`` is
    new in 3.10; before, the same module attribute)."""
    get = getattr(threading, "getprofile", None)
    return get() if get is not None else getattr(threading, "_profile_hook", None)


def taken() -> None:
    """Someone sets a profile function in this thread, which is not the tracked one
    (the audit event comes before the change). If the one in place is ours (any
    tracker's, or our C profiler set there), calls in this thread go unrecorded from
    now on."""
    current = sys.getprofile()
    if getattr(current, "ripple_hook", None) is not None or hasattr(current, "ripple_shared"):
        _takeovers[0] += 1
        _blind.add(threading.get_ident())


def _blind_alive() -> bool:
    if _blind:
        _blind.intersection_update(sys._current_frames())
    return bool(_blind)


class ThreadHook:
    """The engine puts the table of its open context in :attr:`sink` (None: no
    context is open). A profile function threading had is called after ours, and
    given back by :meth:`disarm`."""

    def __init__(self) -> None:
        self.sink: List[Optional[Codes]] = [None]
        self.armed = False
        self.fn: Callable[[FrameType, str, Any], None] | None = None
        self._prev: Any = None

    def _install(self) -> None:
        """Ours in front of threading's profile function now. A closure per case:
        in threads it runs at every call, return and C call."""
        prev = thread_profile()
        sink = self.sink

        if prev is None:

            def profile(frame: FrameType, event: str, arg: Any) -> None:
                if event == "call":  # a Python frame starts or resumes
                    codes = sink[0]
                    if codes is not None:
                        code = frame.f_code
                        codes[id(code)] = code

        else:

            def profile(frame: FrameType, event: str, arg: Any) -> None:
                if event == "call":
                    codes = sink[0]
                    if codes is not None:
                        code = frame.f_code
                        codes[id(code)] = code
                prev(frame, event, arg)

        profile.ripple_hook = self  # type: ignore[attr-defined]
        self._prev, self.fn = prev, profile
        threading.setprofile(profile)
        self.armed = True

    def arm(self) -> None:
        """Done before collection: threads started at import time run code during
        tests, and a running thread cannot be given a profile function."""
        if not self.armed:
            self._install()

    def in_place(self) -> bool:
        """Threading's hook is ours, or reaches ours (an inner tracker's in front)."""
        fn = thread_profile()
        while fn is not None:
            hook = getattr(fn, "ripple_hook", None)
            if hook is self:
                return True
            if hook is None:
                return False
            fn = hook._prev
        return False

    def start(self, codes: Codes) -> int:
        """The outermost context starts: threads record into ``codes``. Returns the
        mark that :meth:`whole` compares."""
        if self.armed and not self.in_place():
            self._install()  # replaced between contexts: nothing ran in one
        self.sink[0] = codes
        return _takeovers[0]

    def whole(self, mark: int) -> bool:
        """A context ends: whether every thread's calls since ``mark`` were seen."""
        whole = _takeovers[0] == mark and not _blind_alive()
        if self.armed and not self.in_place():
            whole = False  # threads started meanwhile carried someone else's or none
            self._install()
        return whole

    def stop(self) -> None:
        """The outermost context has ended."""
        self.sink[0] = None

    def disarm(self) -> None:
        if self.armed:
            if thread_profile() is self.fn:  # else someone's is there: theirs stays
                threading.setprofile(self._prev)
            self.armed = False
            self.fn = None

"""Threads, for the engines of Python < 3.12: threads started from now on carry a
profile function that records each Python call into the open context.

A profile function, not a trace function: coverage.py gives every new thread a trace
function that replaces, at the thread's first call, the one threading set. A trace
function of ours chained in front of it saw that first call only, and the test that
started the thread kept a record that missed the rest.

What can still hide a thread's calls, and what the engines do about it (a context
that may have missed calls is not intact: its test runs again next time):

- a profile function of ours replaced in a thread (a profiler run there):
  :func:`taken`, heard through the audit hook while armed, in a context or not. That
  thread records nothing more: it is *blind*, and every context is not intact until
  it ends (a pool's worker can live all session);
- threading's hook replaced (``threading.setprofile(None)``, as profilers do when they
  stop; no audit event): each context's start and end check that ours is still in
  place and put it back in front of whatever is there. The context is not intact,
  and the threads started since the last check are blind (they may carry no profile
  function). Replaced and set back between two checks is seen too, through
  ``threading.setprofile``, wrapped while armed to count the calls that change it
  (not by code that imported the function itself before:
  ``from threading import setprofile``).
"""

from __future__ import annotations

import sys
import threading
from types import FrameType
from typing import Any, Callable, List, Optional

from pytest_ripple import audit
from pytest_ripple.contexts import Codes

# Takeovers so far, for every tracker: each context compares the count at its start.
_takeovers = [0]
# Threads whose profile function of ours was replaced, or that may have started
# without one: blind while they live. (ident, Thread): Linux reuses an ident at once,
# and a thread not started by threading has a stand-in that is alive for ever.
_blind: set[tuple[int, threading.Thread]] = set()


# Calls of threading.setprofile by others, and the hooks armed (the wrapper is removed
# when the last one disarms).
_sets = [0]
_armed: list[ThreadHook] = []


# threading's functions in place before ours, by name, and our wrappers
_real: dict[str, Any] = {}
_ours: dict[str, Any] = {}


def _wrap(hook: ThreadHook) -> None:
    if not _armed:
        real = _real["setprofile"] = threading.setprofile

        def setprofile(func: Any) -> None:
            if func is not thread_profile():  # the same one set again changes nothing
                _sets[0] += 1
            real(func)

        _install_wrapper("setprofile", setprofile, real)
        every = getattr(threading, "setprofile_all_threads", None)  # 3.12+
        if every is not None:
            _real["setprofile_all_threads"] = every

            def setprofile_all_threads(func: Any) -> None:
                _sets[0] += 1
                for thread in threading.enumerate():  # running ones lose ours too
                    if thread is not threading.current_thread():
                        _blind_add(thread)
                every(func)

            _install_wrapper("setprofile_all_threads", setprofile_all_threads, every)
    _armed.append(hook)


def _install_wrapper(name: str, wrapper: Any, real: Any) -> None:
    wrapper.__doc__ = real.__doc__
    wrapper.__module__, wrapper.__qualname__ = "threading", name  # pickled by name
    _ours[name] = wrapper
    setattr(threading, name, wrapper)


def _unwrap(hook: ThreadHook) -> None:
    _armed.remove(hook)
    if not _armed:
        for name, wrapper in _ours.items():
            if getattr(threading, name) is wrapper:  # else someone wrapped ours: keep
                setattr(threading, name, _real[name])
        _ours.clear()


def _real_setprofile() -> Callable[[Any], None]:
    return _real.get("setprofile", threading.setprofile)  # type: ignore[no-any-return]


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
        _blind_add(threading.current_thread())


def _blind_add(thread: threading.Thread) -> None:
    if thread.ident is not None:
        _takeovers[0] += 1
        _blind.add((thread.ident, thread))


def _blind_alive() -> bool:
    if _blind:
        # a copy (other threads add to the set), taken before the frames: a thread
        # added meanwhile is kept
        items = list(_blind)
        running = sys._current_frames()
        _blind.difference_update([(i, t) for i, t in items if i not in running or not t.is_alive()])
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
        self._thread = threading.get_ident()  # the tracked one (it arms)
        self._known: set[threading.Thread] = set()  # alive at the last check
        self._sets = 0  # _sets then

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
        _real_setprofile()(profile)
        self.armed = True

    def arm(self) -> None:
        """Done before collection: threads started at import time run code during
        tests, and a running thread cannot be given a profile function."""
        if not self.armed:
            self._install()
            _wrap(self)
            self._thread = threading.get_ident()
            self._known = set(threading.enumerate())
            self._sets = _sets[0]
            audit.subscribe(("sys.setprofile",), self._heard, observe=True)

    def _heard(self, event: str, args: tuple[Any, ...]) -> None:
        if threading.get_ident() != self._thread:
            try:
                taken()
            except Exception:  # an audit hook's exception reaches the caller: never
                _blind.add((threading.get_ident(), threading.current_thread()))
                _takeovers[0] += 1

    def _check(self) -> bool:
        """Whether threading's hook still reaches ours; if not, ours goes back in
        front, and the threads started since the last check are blind."""
        sets = _sets[0]
        now = set(threading.enumerate())
        in_place = self.in_place()
        if not in_place or sets != self._sets:
            for thread in now - self._known:
                if thread.ident != self._thread:
                    _blind_add(thread)
        if not in_place:
            self._install()
        self._known, self._sets = now, sets
        return in_place

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
        if self.armed:
            self._check()  # replaced between contexts: threads started then are blind
        self.sink[0] = codes
        return _takeovers[0]

    def whole(self, mark: int) -> bool:
        """A context ends: whether every thread's calls since ``mark`` were seen."""
        unset = not self.armed or _sets[0] == self._sets  # threading's hook untouched
        in_place = self._check() if self.armed else True
        return in_place and unset and _takeovers[0] == mark and not _blind_alive()

    def stop(self) -> None:
        """The outermost context has ended."""
        self.sink[0] = None

    def disarm(self) -> None:
        if self.armed:
            if thread_profile() is self.fn:  # else someone's is there: theirs stays
                _real_setprofile()(self._prev)
            audit.unsubscribe(self._heard)
            _unwrap(self)
            self.armed = False
            self.fn = None
            self._known = set()

"""Unit tests of the tracing engines (tracer.py, sysmon.py, profiler.py, pytracer.py) and
of threads.py."""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
from pathlib import Path
from types import CodeType, FrameType
from typing import Any, Callable, Iterator

import pytest

from pytest_ripple.paths import root_prefix
from pytest_ripple.profiler import ProfileTracer
from pytest_ripple.pytracer import SetTraceTracer
from pytest_ripple.sysmon import SysMonTracer
from pytest_ripple.tracer import Tracer, choose_tracer

HAS_SYSMON = sys.version_info >= (3, 12)
ENGINES = ["sys.settrace", "sys.monitoring" if HAS_SYSMON else "sys.setprofile"]
needs_sysmon = pytest.mark.skipif(not HAS_SYSMON, reason="sys.monitoring is new in Python 3.12")
# cProfile is built on sys.monitoring from 3.12: the profile engine is for older ones
needs_profile = pytest.mark.skipif(HAS_SYSMON, reason="the sys.setprofile engine is for < 3.12")


def work_a() -> int:
    return 1


def work_b() -> int:
    return 2


def before() -> int:
    return 3


def after() -> int:
    return 4


def only_inner() -> int:
    return 5


def both() -> int:
    return 6


def in_thread(out: list[int]) -> None:
    out.append(work_b())


def gen() -> Iterator[int]:
    yield 1
    yield 2


class Widget:
    def method(self) -> int:
        return sum(gen())


def popped(tracer: Tracer) -> tuple[set[CodeType], bool]:
    """What the innermost context ran, as a set (the test's functions all differ)."""
    codes, intact = tracer.pop()
    assert all(key == id(code) for key, code in codes.items())
    return set(codes.values()), intact


def names(codes: set[CodeType]) -> set[str]:
    return {c.co_name for c in codes}


def _thread_gettrace() -> Any:
    get: Callable[[], Any] | None = getattr(threading, "gettrace", None)
    return get() if get is not None else getattr(threading, "_trace_hook", None)  # < 3.10


def _thread_getprofile() -> Any:
    get: Callable[[], Any] | None = getattr(threading, "getprofile", None)
    return get() if get is not None else getattr(threading, "_profile_hook", None)  # < 3.10


def _monitoring_state() -> list[tuple[str | None, int]]:
    mon: Any = getattr(sys, "monitoring", None)
    if mon is None:
        return []
    return [
        (mon.get_tool(i), mon.get_events(i) if mon.get_tool(i) is not None else 0) for i in range(6)
    ]


@pytest.fixture(autouse=True)
def restore_tracing() -> Iterator[None]:
    """Give the interpreter's tracing hooks back whatever a test does, then say if it
    was left changed (sys.settrace, threading.settrace, sys.monitoring tool ids)."""
    trace, thread_trace, tools = sys.gettrace(), _thread_gettrace(), _monitoring_state()
    profile, thread_profile = sys.getprofile(), _thread_getprofile()
    yield
    left = {
        "sys.settrace": sys.gettrace() is not trace,
        "sys.setprofile": sys.getprofile() is not profile,
        "threading.settrace": _thread_gettrace() is not thread_trace,
        "threading.setprofile": _thread_getprofile() is not thread_profile,
        "sys.monitoring": _monitoring_state() != tools,
    }
    sys.settrace(trace)
    if sys.getprofile() is not profile:  # a call would tell our own tracker of a takeover
        sys.setprofile(profile)
    threading.settrace(thread_trace)
    threading.setprofile(thread_profile)
    mon: Any = getattr(sys, "monitoring", None)
    if mon is not None:
        for i, (name, _) in enumerate(tools):
            if name is None and mon.get_tool(i) is not None:
                mon.set_events(i, 0)
                mon.register_callback(i, mon.events.PY_START, None)
                mon.free_tool_id(i)
    changed = [k for k, v in left.items() if v]
    if changed:
        pytest.fail(f"the test left tracing state changed: {', '.join(changed)}")


ROOT = root_prefix(Path(__file__).parent)


def make(engine: str) -> Tracer:
    if engine == "sys.settrace":
        return SetTraceTracer()
    if engine == "sys.setprofile":
        return ProfileTracer()
    from pytest_ripple.sysmon import SysMonTracer, free_tool_ids

    ids = free_tool_ids()
    assert len(ids) == 2
    return SysMonTracer(ids, ROOT)


@pytest.fixture(params=ENGINES)
def tracer(request: pytest.FixtureRequest) -> Iterator[Tracer]:
    t = make(request.param)
    assert t.name == request.param
    try:
        yield t
    finally:
        t.close()


def test_the_chosen_engine() -> None:
    chosen, reason = choose_tracer(ROOT)
    try:
        if HAS_SYSMON:
            assert chosen.name == "sys.monitoring"
            assert "tool id" in reason
        else:
            assert chosen.name == "sys.setprofile"
            assert "3.12" in reason
    finally:
        chosen.close()


@needs_sysmon
def test_settrace_when_every_tool_id_is_taken() -> None:
    mon: Any = sys.monitoring  # type: ignore[attr-defined,unused-ignore]
    taken = [i for i in (2, 3, 4, 5) if mon.get_tool(i) is None]
    for i in taken:
        mon.use_tool_id(i, "someone else")
    try:
        chosen, reason = choose_tracer(ROOT)
        chosen.close()
    finally:
        for i in taken:
            mon.free_tool_id(i)
    assert chosen.name == "sys.settrace"
    assert "taken" in reason


def test_records_the_functions_called_inside_a_context(tracer: Tracer) -> None:
    work_b()
    tracer.push()
    work_a()
    Widget().method()
    codes, intact = popped(tracer)
    work_b()
    assert intact
    assert {work_a.__code__, Widget.method.__code__, gen.__code__} <= codes
    assert work_b.__code__ not in codes
    assert {"work_a", "method", "gen"} <= names(codes)


def _twins() -> list[Any]:
    """One function compiled from the same source for two files: equal code objects
    (co_filename is not compared), not the same one."""
    made = []
    for name in ("twin_a.py", "twin_b.py"):
        ns: dict[str, Any] = {}
        exec(
            compile("def twin(x):\n    return x + 1\n", str(Path(__file__).parent / name), "exec"),
            ns,
        )
        made.append(ns["twin"])
    return made


def test_equal_code_objects_of_two_files_are_each_recorded(tracer: Tracer) -> None:
    a, b = _twins()
    assert a.__code__ == b.__code__ and a.__code__ is not b.__code__
    tracer.push()
    a(1)
    b(1)
    codes, _ = tracer.pop()
    assert {id(a.__code__), id(b.__code__)} <= set(codes)
    for _ in range(2):  # and each reports again in later contexts
        tracer.push()
        b(1)
        codes, _ = tracer.pop()
        assert codes.get(id(b.__code__)) is b.__code__ and id(a.__code__) not in codes


def test_every_context_records_again(tracer: Tracer) -> None:
    # sys.monitoring disables an event after its first report: the next context re-arms
    found = []
    for _ in range(3):
        tracer.push()
        work_a()
        codes, intact = popped(tracer)
        found.append(work_a.__code__ in codes and intact)
        before()  # between contexts
    assert found == [True, True, True]
    tracer.push()
    codes, _ = popped(tracer)
    assert not {work_a.__code__, before.__code__} & codes


def test_nested_contexts_have_their_own_codes(tracer: Tracer) -> None:
    tracer.push()
    before()
    tracer.push()
    only_inner()
    before()  # ran in the outer context too: it belongs to the inner one as well
    inner, inner_intact = popped(tracer)
    after()
    outer, outer_intact = popped(tracer)
    assert inner_intact and outer_intact
    assert {only_inner.__code__, before.__code__} <= inner
    assert after.__code__ not in inner
    assert {before.__code__, after.__code__} <= outer
    assert only_inner.__code__ not in outer


def test_code_run_again_after_an_inner_context_belongs_to_the_outer(tracer: Tracer) -> None:
    # e.g. a session fixture set up inside a test's setup calls a helper the test
    # calls again afterwards
    tracer.push()
    tracer.push()
    both()
    inner, _ = popped(tracer)
    both()
    outer, _ = popped(tracer)
    assert both.__code__ in inner
    assert both.__code__ in outer


def test_three_levels(tracer: Tracer) -> None:
    tracer.push()
    work_a()
    tracer.push()
    tracer.push()
    only_inner()
    innermost, _ = popped(tracer)
    middle, _ = popped(tracer)
    after()
    outer, _ = popped(tracer)
    assert only_inner.__code__ in innermost
    assert only_inner.__code__ not in middle | outer
    assert {work_a.__code__, after.__code__} <= outer


def numbers() -> Iterator[int]:
    yield 1
    work_a()
    yield 2
    work_b()
    yield 3


def test_a_generator_resumed_in_a_later_context(tracer: Tracer) -> None:
    """Started in one context (a fixture), resumed in the next ones (tests): its code
    runs in each."""
    it = numbers()
    found = []
    for _ in range(3):
        tracer.push()
        next(it)
        codes, _ = popped(tracer)
        found.append(numbers.__code__ in codes)
    assert found == [True, True, True]


def test_a_generator_made_and_started_before_tracking(tracer: Tracer) -> None:
    it = numbers()
    next(it)
    tracer.push()
    next(it)
    codes, _ = popped(tracer)
    assert {numbers.__code__, work_a.__code__} <= codes


def test_a_generator_thrown_into(tracer: Tracer) -> None:
    def catcher() -> Iterator[int]:
        while True:
            try:
                yield 1
            except ValueError:
                work_b()

    it = catcher()
    next(it)
    tracer.push()
    it.throw(ValueError())
    codes, _ = popped(tracer)
    assert {catcher.__code__, work_b.__code__} <= codes


def test_code_compiled_with_a_relative_name_seen_from_elsewhere(
    tracer: Tracer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """exec() of a file by a path relative to the working directory: first run while a
    test has changed directory, it is still recorded when run from the rootdir."""
    monkeypatch.chdir(Path(__file__).parent)
    ns: dict[str, Any] = {}
    exec(compile("def rel():\n    return 7\n", "relmod.py", "exec"), ns)
    monkeypatch.chdir(tmp_path)
    tracer.push()
    ns["rel"]()
    tracer.pop()
    monkeypatch.chdir(Path(__file__).parent)
    tracer.push()
    ns["rel"]()
    codes, _ = popped(tracer)
    assert ns["rel"].__code__ in codes


def test_code_run_in_a_thread_started_inside_a_context(tracer: Tracer) -> None:
    out: list[int] = []
    tracer.push()
    t = threading.Thread(target=in_thread, args=(out,))
    t.start()
    t.join()
    codes, intact = popped(tracer)
    assert out == [2]
    assert intact
    assert {in_thread.__code__, work_b.__code__} <= codes


def test_a_thread_trace_function_already_set_is_called_and_given_back(tracer: Tracer) -> None:
    # coverage.py sets one for the threads a program starts
    seen: list[str] = []

    def theirs(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            seen.append(frame.f_code.co_name)
        return None

    before = _thread_gettrace()
    threading.settrace(theirs)
    try:
        tracer.arm()
        tracer.push()
        out: list[int] = []
        t = threading.Thread(target=in_thread, args=(out,))
        t.start()
        t.join()
        codes, intact = popped(tracer)
        tracer.close()
        assert intact and in_thread.__code__ in codes and "in_thread" in seen
        assert _thread_gettrace() is theirs
    finally:
        threading.settrace(before)


def test_a_thread_whose_trace_function_is_replaced_at_its_first_call(tracer: Tracer) -> None:
    # coverage.py's thread installer: called at the thread's first call, it puts its
    # own tracer in the thread's trace hook (formerly ours, chained in front of it:
    # then only the first call was recorded)
    seen: list[str] = []

    def theirs(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "call":
            seen.append(frame.f_code.co_name)
        return None

    def installer(frame: FrameType, event: str, arg: Any) -> Any:
        sys.settrace(None)
        sys.settrace(theirs)
        return theirs(frame, event, arg)

    before = _thread_gettrace()
    threading.settrace(installer)
    try:
        tracer.arm()
        tracer.push()
        out: list[int] = []
        t = threading.Thread(target=in_thread, args=(out,))
        t.start()
        t.join()
        codes, intact = popped(tracer)
        tracer.close()
    finally:
        threading.settrace(before)
    assert out == [2] and "work_b" in seen  # theirs ran
    assert intact and {in_thread.__code__, work_b.__code__} <= codes


def test_a_thread_profile_function_already_set_is_called_and_given_back(tracer: Tracer) -> None:
    seen: list[str] = []

    def theirs(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            seen.append(frame.f_code.co_name)

    before = _thread_getprofile()
    threading.setprofile(theirs)
    try:
        tracer.arm()
        tracer.push()
        out: list[int] = []
        t = threading.Thread(target=in_thread, args=(out,))
        t.start()
        t.join()
        codes, intact = popped(tracer)
        tracer.close()
        assert intact and {in_thread.__code__, work_b.__code__} <= codes
        assert "work_b" in seen
        assert _thread_getprofile() is theirs
    finally:
        threading.setprofile(before)


def replaces_the_profile_function(out: list[int]) -> None:
    sys.setprofile(None)
    out.append(work_b())


def test_a_thread_that_replaces_its_profile_function(tracer: Tracer) -> None:
    # before 3.12 threads record through a profile function: replaced, the calls
    # after it go unseen and the context is not intact; sys.monitoring sees them
    tracer.arm()
    tracer.push()
    out: list[int] = []
    t = threading.Thread(target=replaces_the_profile_function, args=(out,))
    t.start()
    t.join()
    codes, intact = popped(tracer)
    tracer.close()
    assert out == [2]
    if tracer.name == "sys.monitoring":
        assert intact and work_b.__code__ in codes
    else:
        assert not intact
    tracer.push()  # the next context is intact again
    work_a()
    codes, intact = popped(tracer)
    assert intact and work_a.__code__ in codes


def test_threadings_profile_function_replaced_in_a_context(tracer: Tracer) -> None:
    # profilers stop with threading.setprofile(None): threads started later would
    # record nothing. No audit event says so: the context's end sees it and puts ours
    # back in front of whatever is set
    before = _thread_getprofile()
    tracer.arm()
    tracer.push()
    threading.setprofile(None)  # type: ignore[arg-type]
    work_a()
    _, intact = popped(tracer)
    assert intact == (tracer.name == "sys.monitoring")
    try:
        tracer.push()
        out: list[int] = []
        t = threading.Thread(target=in_thread, args=(out,))
        t.start()
        t.join()
        codes, intact = popped(tracer)
        assert intact and {in_thread.__code__, work_b.__code__} <= codes
    finally:
        tracer.close()
        threading.setprofile(before)


class Worker:
    """A long-lived thread that runs one job at a time, as a pool's worker does."""

    def __init__(self) -> None:
        self.jobs: queue.Queue[Callable[[], Any] | None] = queue.Queue()
        self.done: queue.Queue[Any] = queue.Queue()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            job = self.jobs.get()
            if job is None:
                return
            self.done.put(job())

    def run(self, job: Callable[[], Any]) -> Any:
        self.jobs.put(job)
        return self.done.get()

    def stop(self) -> None:
        self.jobs.put(None)
        self.thread.join()


def test_a_long_lived_thread_whose_profile_function_was_replaced(tracer: Tracer) -> None:
    # a pool's worker profiled once records nothing again: every context is not
    # intact while it lives
    tracer.arm()
    worker = Worker()
    try:
        tracer.push()
        worker.run(lambda: sys.setprofile(None))
        _, first = popped(tracer)
        tracer.push()
        assert worker.run(work_b) == 2
        codes, second = popped(tracer)
        if tracer.name == "sys.monitoring":
            assert first and second and work_b.__code__ in codes
        else:
            assert not first and not second
    finally:
        worker.stop()
    tracer.push()  # the worker has ended
    work_a()
    codes, intact = popped(tracer)
    tracer.close()
    assert intact and work_a.__code__ in codes


def test_a_thread_started_while_threadings_hook_was_someone_elses(tracer: Tracer) -> None:
    # set and put back inside one context (threading.setprofile is watched): the
    # thread started meanwhile carries no profile function of ours
    tracer.arm()
    tracer.push()
    saved = _thread_getprofile()
    threading.setprofile(None)  # type: ignore[arg-type]
    worker = Worker()
    threading.setprofile(saved)
    _, first = popped(tracer)
    try:
        tracer.push()
        assert worker.run(work_b) == 2
        codes, second = popped(tracer)
    finally:
        worker.stop()
        tracer.close()
    if tracer.name == "sys.monitoring":
        assert first and second and work_b.__code__ in codes
    else:
        assert not first and not second


def test_a_thread_that_ran_while_threadings_hook_was_someone_elses(tracer: Tracer) -> None:
    tracer.arm()
    assert pickle.loads(pickle.dumps(threading.setprofile)) is threading.setprofile
    tracer.push()
    saved = _thread_getprofile()
    threading.setprofile(None)  # type: ignore[arg-type]
    t = threading.Thread(target=in_thread, args=([],))
    t.start()
    t.join()
    threading.setprofile(saved)
    _, intact = popped(tracer)
    tracer.close()
    assert intact == (tracer.name == "sys.monitoring")


def test_threadings_profile_function_set_again_is_no_change(tracer: Tracer) -> None:
    # as a fixture that restores threading's hook after each test does
    tracer.arm()
    tracer.push()
    threading.setprofile(_thread_getprofile())
    _, intact = popped(tracer)
    tracer.close()
    assert intact


def test_a_takeover_in_a_thread_between_contexts(tracer: Tracer) -> None:
    tracer.arm()
    worker = Worker()
    try:
        tracer.push()
        worker.run(work_a)
        _, first = popped(tracer)
        worker.run(lambda: sys.setprofile(None))  # a job finishing after its test
        tracer.push()
        worker.run(work_b)
        codes, second = popped(tracer)
    finally:
        worker.stop()
        tracer.close()
    assert first
    if tracer.name == "sys.monitoring":
        assert second and work_b.__code__ in codes
    else:
        assert not second


def test_a_blind_thread_that_ended_does_not_blind_its_successor(tracer: Tracer) -> None:
    # Linux gives a new thread the ident of one that ended: a blind thread is known
    # by its Thread object, not its ident alone
    tracer.arm()
    tracer.push()
    helper = threading.Thread(target=lambda: sys.setprofile(None))
    helper.start()
    helper.join()
    _, first = popped(tracer)
    worker = Worker()
    try:
        tracer.push()
        worker.run(work_b)
        codes, second = popped(tracer)
    finally:
        worker.stop()
        tracer.close()
    assert first == (tracer.name == "sys.monitoring")
    assert second and work_b.__code__ in codes


def nested(
    outer: Tracer, inner: Tracer, action: Callable[[], Any]
) -> tuple[bool, set[CodeType], bool]:
    """``action`` run inside two trackers of ours, one inside the other (the audit
    hook tells the inner one): the inner one's intactness, the outer one's codes and
    intactness."""
    outer.arm()
    outer.push()
    inner.arm()
    inner.push()
    action()
    _, inner_intact = popped(inner)
    inner.close()
    codes, outer_intact = popped(outer)
    outer.close()
    return inner_intact, codes, outer_intact


def swap_trace_for_a_while() -> None:
    # a debugger's trace function in place for a while, then ours set back
    saved = sys.gettrace()
    sys.settrace(lambda *a: None)
    work_a()
    sys.settrace(saved)
    work_b()


@needs_profile
def test_a_trace_function_swapped_inside_a_profiler_tracker_reaches_the_outer_one() -> None:
    # a sys.settrace tracker outside one that reads the C profiler
    inner_intact, _, outer_intact = nested(
        SetTraceTracer(), ProfileTracer(), swap_trace_for_a_while
    )
    assert not inner_intact and not outer_intact


def test_a_takeover_in_a_thread_reaches_every_tracker() -> None:
    def takeover() -> None:
        t = threading.Thread(target=replaces_the_profile_function, args=([],))
        t.start()
        t.join()

    inner_intact, _, outer_intact = nested(SetTraceTracer(), SetTraceTracer(), takeover)
    assert not inner_intact and not outer_intact


def test_a_trace_function_swapped_for_a_while_reaches_every_tracker() -> None:
    # the outer tracker missed the calls made under the other function too
    outer = SetTraceTracer()
    inner_intact, codes, outer_intact = nested(outer, SetTraceTracer(), swap_trace_for_a_while)
    assert work_b.__code__ in codes
    assert not inner_intact and not outer_intact
    outer.push()  # the next context is intact again
    work_a()
    codes, intact = popped(outer)
    outer.close()
    assert intact and work_a.__code__ in codes


def test_pop_without_push(tracer: Tracer) -> None:
    assert tracer.pop() == ({}, False)


def test_close_gives_tracing_back(tracer: Tracer) -> None:
    trace, thread_trace, tools = sys.gettrace(), _thread_gettrace(), _monitoring_state()
    profile, thread_profile = sys.getprofile(), _thread_getprofile()
    setprofile = threading.setprofile
    tracer.push()
    work_a()
    tracer.pop()
    assert sys.gettrace() is trace and sys.getprofile() is profile
    tracer.push()
    tracer.push()  # closed while contexts are open, as after an interrupted run
    work_a()
    tracer.close()
    assert sys.gettrace() is trace and sys.getprofile() is profile
    assert _thread_gettrace() is thread_trace and _thread_getprofile() is thread_profile
    assert _monitoring_state() == tools
    assert threading.setprofile is setprofile  # unwrapped (by this tracker)


def test_a_tracer_can_start_again_after_close(tracer: Tracer) -> None:
    tracer.push()
    tracer.pop()
    tracer.close()
    tracer.push()
    work_a()
    codes, intact = popped(tracer)
    tracer.close()
    assert intact and work_a.__code__ in codes


@needs_sysmon
def test_sysmon_frees_its_tool_ids_on_close() -> None:
    from pytest_ripple.sysmon import TOOL_NAME

    mon: Any = sys.monitoring  # type: ignore[attr-defined,unused-ignore]
    tracer = make("sys.monitoring")
    assert isinstance(tracer, SysMonTracer)
    record, seek = tracer.tool_ids
    tracer.push()
    work_a()
    assert mon.get_tool(record) == mon.get_tool(seek) == TOOL_NAME
    ev = mon.events
    assert mon.get_events(seek) == ev.PY_START | ev.PY_RESUME  # seeks new code everywhere
    assert mon.get_events(record) == ev.PY_THROW  # records with local events, but throw()
    assert mon.get_local_events(record, work_a.__code__) == ev.PY_START | ev.PY_RESUME
    tracer.pop()
    # on between tests (re-instrumenting costs more than the few reports)
    assert mon.get_events(seek) == ev.PY_START | ev.PY_RESUME
    tracer.close()
    assert mon.get_events(seek) == 0
    assert mon.get_local_events(record, work_a.__code__) == 0
    assert mon.get_tool(record) is None and mon.get_tool(seek) is None
    # the ids are really free: another tool can take them, and no callback of ours is left
    for tool_id in (record, seek):
        mon.use_tool_id(tool_id, "next")
        try:
            assert mon.register_callback(tool_id, mon.events.PY_START, None) is None
        finally:
            mon.free_tool_id(tool_id)


@needs_sysmon
def test_sysmon_context_taken_over_is_not_intact() -> None:
    mon: Any = sys.monitoring  # type: ignore[attr-defined,unused-ignore]
    tracer = make("sys.monitoring")
    assert isinstance(tracer, SysMonTracer)
    try:
        tracer.push()
        mon.set_events(tracer.tool_ids[1], 0)  # someone turned our events off
        _, intact = popped(tracer)
        assert not intact
        tracer.push()
        work_a()
        codes, intact = popped(tracer)
        assert intact and work_a.__code__ in codes
    finally:
        tracer.close()


@needs_sysmon
def test_sysmon_rearms_only_the_code_that_reported() -> None:
    """Only project (and installed) code is armed; a context re-arms the code that
    reported since the last one, not every code object; the standard library and
    pytest's runner are seen once."""
    import json

    tracer = make("sys.monitoring")
    assert isinstance(tracer, SysMonTracer)
    try:
        tracer.push()
        work_a()
        json.dumps({"a": 1})  # the standard library: never a dependency
        by_id, _ = tracer.pop()  # not popped(): its code would report after the pop
        codes = set(by_id.values())
        assert work_a.__code__ in codes
        assert not {c for c in codes if c.co_filename == json.__file__}
        assert set(tracer._fired.values()) == {work_a.__code__} | {
            c for c in codes if c.co_filename.startswith(str(Path(__file__).parent))
        }
        before()
        tracer.push()  # re-arms what reported: work_a, before, ...
        assert not tracer._fired
        work_a()
        codes, _ = popped(tracer)
        assert work_a.__code__ in codes and before.__code__ not in codes
    finally:
        tracer.close()


@needs_sysmon
def test_sysmon_runner_code_stands_for_every_context() -> None:
    """pytest's own code runs in every test: one of its code objects is in every
    context's codes, so the package's version is a dependency of each, without
    re-arming its code objects per context."""
    tracer = make("sys.monitoring")
    assert isinstance(tracer, SysMonTracer)
    try:
        tracer.push()
        pytest.approx(1.0) == 1.0  # noqa: B015  (runs _pytest code)
        first, _ = popped(tracer)
        tracer.push()
        second, _ = popped(tracer)
    finally:
        tracer.close()

    def runner(codes: set[CodeType]) -> set[str]:
        parts = (c.co_filename.split("site-packages")[1:] for c in codes)
        return {p[0].strip("/\\").split("/")[0] for p in parts if p}

    from pytest_ripple.sysmon import RUNNER_PACKAGES

    assert "_pytest" in runner(first)
    # other installed code (a plugin's hook) reports where it runs; the runner always
    assert runner(first) & RUNNER_PACKAGES <= runner(second)
    assert len(second) < 10  # one code object per package, not what the first ran


@needs_sysmon
def test_sysmon_with_one_free_tool_id_restarts_events() -> None:
    mon: Any = sys.monitoring  # type: ignore[attr-defined,unused-ignore]
    from pytest_ripple.sysmon import free_tool_ids

    ids = free_tool_ids(6)
    taken = ids[1:]
    for i in taken:
        mon.use_tool_id(i, "someone else")
    try:
        tracer, reason = choose_tracer(ROOT)
        try:
            assert isinstance(tracer, SysMonTracer)
            assert tracer.tool_ids == (ids[0],)
            assert reason == f"sys.monitoring (tool id {ids[0]})"
            for _ in range(2):
                tracer.push()
                work_a()
                codes, intact = popped(tracer)
                assert intact and work_a.__code__ in codes
        finally:
            tracer.close()
    finally:
        for i in taken:
            mon.free_tool_id(i)


def in_child(body: Callable[[], None]) -> None:
    """Runs a body that takes sys.settrace over in a child Python process. Run here, it
    would take over the trace function of a session tracking this test (our own suite
    under ``--testmon`` before 3.12), which must then run the test every time; a child
    is tracked whatever trace function it sets."""
    here = str(Path(__file__).parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([here, os.environ.get("PYTHONPATH", "")])}
    code = f"import {Path(__file__).stem} as t; t.{body.__name__}()"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_settrace_context_taken_over_is_not_intact() -> None:
    in_child(taken_over)


@pytest.mark.slow
def test_settrace_calls_a_trace_function_already_in_place() -> None:
    in_child(already_in_place)


def taken_over() -> None:
    tracer = SetTraceTracer()
    trace = sys.gettrace()
    try:
        tracer.push()
        sys.settrace(None)  # a debugger took over (pdb sets its own function)
        _, intact = popped(tracer)
        assert not intact
        sys.settrace(trace)
        tracer.push()
        work_a()
        codes, intact = popped(tracer)
        assert intact and work_a.__code__ in codes
    finally:
        tracer.close()
        sys.settrace(trace)


def already_in_place() -> None:
    # coverage.py or a debugger installed first: it keeps seeing every call
    seen: list[str] = []

    def prev(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            seen.append(frame.f_code.co_name)
        return None

    outer = sys.gettrace()
    sys.settrace(prev)
    tracer = SetTraceTracer()
    try:
        tracer.push()
        work_a()
        codes, intact = popped(tracer)
        assert sys.gettrace() is prev
    finally:
        tracer.close()
        sys.settrace(outer)
    assert intact
    assert work_a.__code__ in codes
    assert "work_a" in seen


@pytest.mark.slow
def test_settrace_inside_another_tracker_of_ours() -> None:
    in_child(nested_trackers)


def nested_trackers() -> None:
    # pytester's in-process runs under ``pytest --testmon``: the inner tracker writes
    # what runs into the outer's record too, without calling its function
    was = sys.gettrace()
    outer, inner = SetTraceTracer(), SetTraceTracer()
    try:
        outer.push()
        work_a()
        outer_trace = sys.gettrace()
        inner.push()
        work_b()
        codes, intact = popped(inner)
        assert intact and work_b.__code__ in codes and work_a.__code__ not in codes
        assert sys.gettrace() is outer_trace
        work_a()
        codes, intact = popped(outer)
        assert intact and {work_a.__code__, work_b.__code__} <= codes
        assert sys.gettrace() is was
    finally:
        inner.close()
        outer.close()
        sys.settrace(was)


# -- the sys.setprofile engine (Python < 3.12) ----------------------------------------
# In a child process: in-process, these would take the profile hook from a session
# tracking this test (our own suite under ``--testmon`` before 3.12).


def foreign(frame: FrameType, event: str, arg: Any) -> None:
    """Someone else's trace or profile function."""
    return None


def _no_recorder_fallback() -> None:
    """A child of a session that tracks child processes (our suite under ``--testmon``)
    records through sys.settrace, and takes the profile hook when its trace function is
    replaced: these tests are about who holds that hook. (Its trace function replaced,
    it tells that session instead, which runs the test again next time.)"""
    from pytest_ripple import child

    if child.Reporter.current is not None:
        child.Reporter.current.profile = None


@needs_profile
@pytest.mark.slow
@pytest.mark.parametrize(
    "body",
    [
        "profile_taken_over",
        "trace_set_inside",
        "nested_profilers",
        "profile_left_set",
        "profile_saved_and_set_back",
        "taken_over_profiler_kept",
        "greenlet_switches",
    ],
)
def test_setprofile_engine(body: str) -> None:
    if body == "greenlet_switches":
        pytest.importorskip("greenlet")  # a dev dependency: here unless run elsewhere
    in_child(globals()[body])


def profile_taken_over() -> None:
    # another profiler starts inside a test (cProfile, pytest-profiling): ours records
    # nothing from then on
    _no_recorder_fallback()
    assert sys.getprofile() is None
    tracer = ProfileTracer()
    try:
        tracer.push()
        work_b()
        sys.setprofile(None)
        work_a()
        codes, intact = popped(tracer)
        assert not intact and work_b.__code__ in codes
        tracer.push()  # the next context has the hook again
        work_a()
        codes, intact = popped(tracer)
        assert intact and work_a.__code__ in codes
        assert sys.getprofile() is None
    finally:
        tracer.close()
        sys.setprofile(None)


def trace_set_inside() -> None:
    # a debugger (pdb, --trace) sets a trace function inside a test: what runs may not
    # be what a plain run runs. One set before (coverage.py's) is left alone.
    _no_recorder_fallback()

    sys.settrace(foreign)
    tracer = ProfileTracer()
    try:
        tracer.push()
        work_a()
        codes, intact = popped(tracer)
        assert intact and work_a.__code__ in codes and sys.gettrace() is foreign
        tracer.push()
        sys.settrace(sys.gettrace())  # put back as it was (doctest, after each example)
        work_b()
        codes, intact = popped(tracer)
        assert intact and work_b.__code__ in codes
        tracer.push()
        sys.settrace(None)  # replaced, and still so at the end
        work_b()
        codes, intact = popped(tracer)
        assert not intact and work_b.__code__ in codes
        sys.settrace(foreign)
        tracer.push()
        sys.settrace(None)  # replaced for a while (pdb stops, then continues)
        sys.settrace(foreign)
        codes, intact = popped(tracer)
        assert not intact
        # set in a context before an inner one starts (coverage.py started while
        # conftest files are imported): the inner one is intact
        sys.settrace(None)
        tracer.push()
        sys.settrace(foreign)
        tracer.push()
        work_a()
        inner, inner_intact = popped(tracer)
        _, outer_intact = popped(tracer)
        assert (inner_intact, outer_intact) == (True, False)
        assert work_a.__code__ in inner
    finally:
        tracer.close()
        sys.settrace(None)


def nested_profilers() -> None:
    # pytester's in-process runs under ``pytest --testmon``: the inner tracker reads the
    # outer one's profiler, and what it reads goes to both
    _no_recorder_fallback()
    outer, inner = ProfileTracer(), ProfileTracer()
    try:
        outer.push()
        work_a()
        profile = sys.getprofile()
        inner.push()
        assert sys.getprofile() is profile
        work_b()
        inner.push()  # a context inside the inner session's
        only_inner()
        innermost, intact = popped(inner)
        assert intact and names(innermost) >= {"only_inner"}
        assert not names(innermost) & {"work_a", "work_b"}
        codes, intact = popped(inner)
        assert intact and work_b.__code__ in codes and work_a.__code__ not in codes
        assert only_inner.__code__ not in codes
        assert sys.getprofile() is profile  # the outer tracker keeps recording
        after()
        codes, intact = popped(outer)
        assert intact
        assert names(codes) >= {"work_a", "work_b", "only_inner", "after"}
        assert sys.getprofile() is None
        # a trace function set for a while inside the inner session: the outer context
        # is not intact either
        outer.push()
        inner.push()
        sys.settrace(lambda *a: None)
        sys.settrace(None)
        _, inner_intact = popped(inner)
        _, outer_intact = popped(outer)
        assert (inner_intact, outer_intact) == (False, False)
        # set in the outer context before the inner session, removed inside it: the
        # inner context ends as it started, the outer one does not
        outer.push()
        sys.settrace(lambda *a: None)
        inner.push()
        sys.settrace(None)
        _, inner_intact = popped(inner)
        _, outer_intact = popped(outer)
        assert (inner_intact, outer_intact) == (False, False)
    finally:
        inner.close()
        outer.close()
        sys.settrace(None)


def profile_left_set() -> None:
    # a profile function someone left set (not ours): it stays, and contexts that start
    # meanwhile are recorded through sys.settrace
    _no_recorder_fallback()

    chosen, reason = choose_tracer(ROOT)
    chosen.close()
    assert chosen.name == "sys.setprofile"
    trace = sys.gettrace()
    sys.setprofile(foreign)
    try:
        chosen, reason = choose_tracer(ROOT)
        chosen.close()
        assert chosen.name == "sys.settrace" and "profile function" in reason
        tracer = ProfileTracer()
        tracer.push()  # recorded through sys.settrace instead
        tracer.push()
        work_a()
        inner, inner_intact = popped(tracer)
        work_b()
        outer, outer_intact = popped(tracer)
        assert inner_intact and outer_intact
        assert work_a.__code__ in inner and work_b.__code__ in outer - inner
        assert sys.getprofile() is foreign and sys.gettrace() is trace
        tracer.push()  # a thread started in a context recorded through sys.settrace
        out: list[int] = []
        t = threading.Thread(target=in_thread, args=(out,))
        t.start()
        t.join()
        codes, intact = popped(tracer)
        assert intact and {in_thread.__code__, work_b.__code__} <= codes
        sys.setprofile(None)
        tracer.push()  # the hook is free again: the profiler records
        work_a()
        profiled = sys.getprofile()
        codes, intact = popped(tracer)
        assert intact and work_a.__code__ in codes and profiled is not None
        tracer.close()
    finally:
        sys.setprofile(None)


def profile_saved_and_set_back() -> None:
    # code that saves the profile function and sets it back (sys.getprofile() is our
    # profiler): no TypeError, the call after it is recorded, the hook is ours again
    _no_recorder_fallback()
    tracer = ProfileTracer()
    try:
        tracer.push()
        saved = sys.getprofile()
        sys.setprofile(lambda *a: None)
        work_a()  # not seen: someone else's profile function
        sys.setprofile(saved)
        work_b()
        Widget().method()
        after = sys.getprofile()
        codes, intact = popped(tracer)
        assert not intact  # replaced for a while
        assert {work_b.__code__, Widget.method.__code__} <= codes
        assert after is saved
        threading.setprofile(saved)  # threads started with it record too
        try:
            tracer.push()
            out: list[int] = []
            t = threading.Thread(target=in_thread, args=(out,))
            t.start()
            t.join()
            codes, intact = popped(tracer)
        finally:
            threading.setprofile(None)  # type: ignore[arg-type]
        assert intact and {in_thread.__code__, work_b.__code__} <= codes
        assert sys.getprofile() is None
        # set back between contexts: the next context takes it, and gives the hook back
        sys.setprofile(saved)
        tracer.push()
        work_a()
        codes, intact = popped(tracer)
        assert intact and work_a.__code__ in codes
        assert sys.getprofile() is None
        # a test's own profile function that calls the one it replaced keeps its place
        tracer.push()
        seen: list[str] = []
        old = sys.getprofile()

        def mine(frame: FrameType, event: str, arg: Any) -> None:
            if event == "call":
                seen.append(frame.f_code.co_name)
            old(frame, event, arg)

        sys.setprofile(mine)
        work_a()
        work_b()
        still = sys.getprofile() is mine
        sys.setprofile(old)
        _, intact = popped(tracer)
        assert still and {"work_a", "work_b"} <= set(seen) and not intact
    finally:
        tracer.close()
        sys.setprofile(None)


def taken_over_profiler_kept() -> None:
    # a test's own profiler replaces ours: ours, still flagged as enabled, must not be
    # freed later (its deallocation would remove the profile function then in place)
    _no_recorder_fallback()
    import cProfile
    import gc

    tracer = ProfileTracer()
    try:
        tracer.push()
        theirs = cProfile.Profile()
        theirs.enable()
        work_a()
        _, intact = popped(tracer)
        assert not intact
        gc.collect()
        assert sys.getprofile() is theirs
        theirs.disable()
        tracer.push()  # the next context records again
        work_b()
        codes, intact = popped(tracer)
        assert intact and work_b.__code__ in codes
    finally:
        tracer.close()
        sys.setprofile(None)


def greenlet_switches() -> None:
    # gevent, eventlet, SQLAlchemy's asyncio layer: two stacks' profile events
    # interleave in one thread. A function a greenlet started and that still waits at
    # the end of the context is recorded, as what ran between switches.
    _no_recorder_fallback()
    assert "greenlet" not in sys.modules
    tracer = ProfileTracer()
    try:
        tracer.push()
        import greenlet  # imported while a context is open: not seen from the start

        tracer.push()  # a nested context (a lazy import, a wide fixture) starts seeing
        tracer.pop()
        _, intact = popped(tracer)
        assert not intact
        tracer.push()
        _, intact = popped(tracer)
        assert intact
    finally:
        tracer.close()

    main = greenlet.getcurrent()

    def waiter() -> None:
        work_a()
        main.switch()
        only_inner()

    def server() -> None:
        before()
        main.switch()
        after()

    def spawn(fn: Callable[[], None]) -> Any:
        # returns while the greenlet it started waits: that return pops the greenlet's
        # open call off the profiler's stack
        g = greenlet.greenlet(fn)
        g.switch()
        return g

    tracer = ProfileTracer()
    try:
        tracer.push()
        g = spawn(waiter)
        both()
        spawn(server)
        codes, intact = popped(tracer)
        assert intact
        assert names(codes) >= {"spawn", "waiter", "work_a", "both", "server", "before"}
        tracer.push()
        g.switch()
        codes, _ = popped(tracer)
        assert only_inner.__code__ in codes
    finally:
        tracer.close()

"""Why a test is selected: one grammar for every kind of reason.

A reason names the change, then each step from it to the test, in one line::

    CHANGE [-> STEP]... [(earlier run, not run since)]

``CHANGE`` is a subject and what happened to it: ``calc/ops.py::add changed`` (a
function or method), ``pkg/b.py::X changed`` (a module-level or class-level name),
``pkg/b.py::<module> changed`` (import-time code with effects, as tracebacks name it),
``data/cases.json changed`` or ``removed`` (a file), ``tests/conftest.py added``,
``package requests changed (2.31.0 to 2.32.0)``, ``pytest.ini changed``, or the test
itself: ``new test``, ``failed last time``, ``marked testmon_always``.

Each ``STEP`` says how the change reaches the test: ``pkg/a.py::Y`` (a name bound from
it at import time), ``read by pkg/a.py::f`` (code the test ran reads that name),
``read by the test`` (a file), ``ran its code`` (a package), ``every test under
tests/``. A function the test ran needs no step: the change is the test's own
dependency.
"""

from __future__ import annotations

ARROW = " -> "
EARLIER = " (earlier run, not run since)"
NEW_TEST = "new test"
FAILED = "failed last time"
FAILED_PYTEST_CACHE = "failed last time (pytest cache)"
ALWAYS = "marked testmon_always"
SUBPROCESS = "last time, "  # + why a child process was not tracked (children.py)
TAKEN_OVER = "tracking was taken over last time (a debugger?)"
UNDER_TRACE = "ran under --trace last time (the debugger decided what ran)"
# About the test's own last run, not about a change: shown as they are, every time.
_OWN_RUN = (ALWAYS, SUBPROCESS, TAKEN_OVER, UNDER_TRACE)
_MAX_STEPS = 3  # longer paths keep their first and last steps: one short line


def subject(path: str, name: str | None = None) -> str:
    """``path`` or ``path::name`` (a function, ``Class.method``, a name, ``<module>``)."""
    return f"{path}::{name}" if name else path


def changed(path: str, name: str | None = None) -> str:
    return f"{subject(path, name)} changed"


def removed(path: str) -> str:
    return f"{path} removed"


def added(path: str) -> str:
    return f"{path} added"


def package(dist: str, old: str | None, new: str | None) -> str:
    if old is None:
        return f"package {dist} installed ({new})"
    if new is None:
        return f"package {dist} removed ({old})"
    return f"package {dist} changed ({old} to {new})"


def step(reason: str, link: str) -> str:
    """The reason, one step further on its way to the test."""
    parts = reason.split(ARROW)
    if len(parts) > _MAX_STEPS:
        parts = [parts[0], "...", *parts[-(_MAX_STEPS - 1) :]]
    return ARROW.join([*parts, link])


def read_by(path: str, block: str) -> str:
    return f"read by {subject(path, block)}"


def name_read_by(reason: str, name: str, path: str, block: str) -> str:
    """The last step to code that reads a name: ``X read by pkg/a.py::f``, or just
    ``read by pkg/a.py::f`` when the reason already ends with that name."""
    words = reason.rsplit(ARROW, 1)[-1].split(" ")
    named = any(w.endswith((f"::{name}", f".{name}")) for w in (words[0], words[-1]))
    return step(reason, read_by(path, block) if named else f"{name} {read_by(path, block)}")


def scope(prefix: str) -> str:
    """The tests a scope rule reaches: a test file, a directory, or every test."""
    if prefix == "":
        return "every test"
    if prefix.endswith("/"):
        return f"every test under {prefix}"
    return f"every test in {prefix}"


def origin(reason: str) -> str:
    """The change a reason starts from."""
    return reason.split(ARROW, 1)[0]


def for_test(nodeid: str, reason: str) -> str:
    """The reason as one test's: its own function, when it is the last step's reader,
    is "the test"."""
    path, _, rest = nodeid.partition("::")
    me = f"read by {subject(path, rest.split('[', 1)[0].replace('::', '.'))}"
    if reason.endswith(" " + me):
        return reason[: -len(me)] + "read by the test"
    return reason


def earlier(reason: str) -> str:
    """A reason an earlier run stored for a test that has not run since."""
    if reason.startswith(_OWN_RUN) or reason.endswith(EARLIER):
        return reason
    return reason + EARLIER

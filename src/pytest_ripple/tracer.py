"""Which engine records the code a test runs, and the Protocol both engines follow."""

from __future__ import annotations

import sys
from typing import Protocol

from pytest_ripple.contexts import Codes


class Tracer(Protocol):
    """Records which code objects run inside nested contexts (a test, a fixture)."""

    name: str

    def push(self) -> None:
        """Start a context. Code run from now until :meth:`pop` belongs to it."""

    def pop(self) -> tuple[Codes, bool]:
        """End the innermost context: the code objects it ran (by identity), and whether tracking
        stayed in place the whole time (a debugger can take it over)."""

    def arm(self) -> None:
        """Called once before project code is imported: get ready to see threads that
        code starts (a thread started at import time runs code during tests)."""

    def close(self) -> None:
        """Give the interpreter's tracing hooks back."""


def choose_tracer(root: str) -> tuple[Tracer, str]:
    """The fastest engine that is safe here, and why it was chosen. ``root``: the
    project's :func:`~pytest_ripple.paths.root_prefix`."""
    if sys.version_info >= (3, 12):
        from pytest_ripple.sysmon import SysMonTracer, free_tool_ids

        ids = free_tool_ids()
        if ids:
            shown = ("tool ids " if len(ids) > 1 else "tool id ") + ", ".join(map(str, ids))
            return SysMonTracer(ids, root), f"sys.monitoring ({shown})"
        reason = "sys.settrace: every sys.monitoring tool id is taken"
    else:
        from pytest_ripple import profiler

        why = f"sys.monitoring needs Python 3.12+, this is {sys.version.split()[0]}"
        if profiler.available():
            return profiler.ProfileTracer(), f"sys.setprofile (cProfile's C profiler): {why}"
        reason = f"sys.settrace: {why}, and another profile function is set"
    from pytest_ripple.pytracer import SetTraceTracer

    return SetTraceTracer(), reason

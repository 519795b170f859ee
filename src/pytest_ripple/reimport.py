"""Project modules pytest imported before tracking could start, imported again in a
child process that tracks what their import ran.

pytest 9 applies the ``filterwarnings`` ini lines (and ``-W``) before it loads any
plugin, and a dotted category (``ignore::pkg.warn.PkgWarning``) imports its module
then: ``pkg/__init__.py`` and everything it imports run before pytest-ripple is
loaded. Those modules are plugins (``<plugin>`` rows: every test saw what their import
did), but which of their functions ran at that import was unknown, so a new body of
one that did (``registry.fill()`` at ``pkg``'s import) selected no test.

The child, started before our tracer is armed, applies the same filters the way
pytest does, with the parent's ``sys.path``, ``sys.argv`` and interpreter flags, and
reports the code that ran and the files read. These are facts of the kind "this ran
at import": each can only add tests to a selection. The child's import may take
another path than the parent's (an environment variable the first import set, a lock
the parent holds), so its report is never read as "this did not run" (reviews 31
and 32): the modules keep no import record of their own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from pytest_ripple.children import CodeKey
from pytest_ripple.paths import relative_to_root, root_prefix

_MARK = "\n<pytest-ripple reimport>\n"  # the project's import may print too
# seconds to wait for the child once the session has ended (it had the whole session
# to finish: one that has not is stuck, on a lock this process holds, say)
_LAST_WAIT = 3.0
_SNIPPET = (
    "import json, sys\n"
    "request = json.loads(sys.stdin.readline())\n"
    "sys.path[:] = request['path']\n"
    "from pytest_ripple.reimport import child_main\n"
    "child_main(request)\n"
)


def warning_modules(filters: Iterable[str]) -> list[str]:
    """The modules of the dotted categories of warning filters, in the order pytest
    imports them (``action:message:category:module:lineno``)."""
    out: list[str] = []
    for line in filters:
        parts = str(line).split(":")
        category = parts[2].strip() if len(parts) > 2 else ""
        if "." in category:
            module = category.rsplit(".", 1)[0]
            if module not in out:
                out.append(module)
    return out


@dataclass
class Result:
    codes: set[CodeKey]  # what ran while the child imported the modules
    reads: set[tuple[str, str]]  # (data file, module) read at import


class Reimport:
    """The child process, started before tracking: its result is read once."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self._proc: subprocess.Popen[bytes] | None = proc

    @classmethod
    def start(cls, rootdir: Path, filters: tuple[list[str], list[str]]) -> Reimport | None:
        """The child for the warning filters (the ini's, then ``-W``) whose category's
        top-level package is a project module already imported; None when there is
        none (the common case)."""
        root = root_prefix(rootdir)

        def ours(name: str) -> bool:
            top = sys.modules.get(name.split(".")[0])
            filename = getattr(top, "__dict__", {}).get("__file__")
            return isinstance(filename, str) and relative_to_root(root, filename) is not None

        if not sys.executable or not any(map(ours, warning_modules([*filters[0], *filters[1]]))):
            return None
        request = {
            "path": [p for p in sys.path if isinstance(p, str)],
            "argv": list(sys.argv),
            "rootdir": str(rootdir),
            "filters": list(filters),
        }
        # -X dev, -O, -W as this process has them: the import may look at sys.flags
        flags: list[str] = subprocess._args_from_interpreter_flags()  # type: ignore[attr-defined]
        try:
            proc = subprocess.Popen(
                [sys.executable, *flags, "-c", _SNIPPET],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except (OSError, ValueError):
            return None
        assert proc.stdin is not None
        try:
            proc.stdin.write(json.dumps(request).encode() + b"\n")
            proc.stdin.close()
        except OSError:
            pass
        proc.stdin = None  # written: ``communicate`` must not flush it again
        return cls(proc)

    @property
    def finished(self) -> bool:
        """Its result was read (or it failed, or was killed)."""
        return self._proc is None

    def result(self, last: bool) -> Result | None:
        """The child's report once it has exited; None while it runs (unless ``last``:
        then it gets a few seconds, and is killed after them), or when it failed."""
        proc = self._proc
        if proc is None:
            return None
        if not last and proc.poll() is None:
            return None
        self._proc = None
        try:
            out, _ = proc.communicate(timeout=_LAST_WAIT)
        except subprocess.TimeoutExpired:
            _stop(proc)
            return None
        except (OSError, ValueError):
            return None
        if proc.returncode != 0:
            return None
        try:
            return _parse(json.loads(out.rpartition(_MARK.encode())[2].decode()))
        except (ValueError, KeyError, TypeError):
            return None

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Kill it if it runs, reap it and close its pipe."""
    if proc.poll() is None:
        proc.kill()
    try:
        proc.communicate()
    except (OSError, ValueError):
        pass


def _parse(data: dict[str, Any]) -> Result:
    codes = {(str(f), int(line), str(name)) for f, line, name in data["codes"]}
    reads = {(str(f), str(m)) for f, m in data["reads"]}
    return Result(codes, reads)


def _import_as_pytest(filters: list[list[str]]) -> None:
    """The imports pytest did: its own function applying the filters (pytest 9 is the
    one that imports early, and has it), in the same warnings context
    (``Config._catch_configured_warnings``)."""
    import warnings

    from _pytest.config import apply_warning_filters

    with warnings.catch_warnings(record=True):
        if not sys.warnoptions:
            warnings.filterwarnings("always", category=DeprecationWarning)
            warnings.filterwarnings("always", category=PendingDeprecationWarning)
        apply_warning_filters(filters[0], filters[1])


def child_main(request: dict[str, Any]) -> None:
    """In the child: import the modules as pytest did, then print what ran."""
    import os

    import pytest  # noqa: F401  (the parent had it imported: ``"pytest" in sys.modules``)

    from pytest_ripple.recorder import Recorder
    from pytest_ripple.tracer import choose_tracer
    from pytest_ripple.watcher import ReadWatcher

    sys.argv[:] = request["argv"]
    rootdir = Path(request["rootdir"])
    tracer, _ = choose_tracer(root_prefix(rootdir))
    tracer.arm()
    recorder = Recorder(tracer, ReadWatcher(rootdir, set()), None)
    recorder.push()
    try:
        _import_as_pytest(request["filters"])
    except BaseException:  # what ran until then still ran; pytest reports the error
        pass
    trace = recorder.pop()
    recorder.close()
    codes = {(c.co_filename, c.co_firstlineno, c.co_name) for c in trace.codes.values()}
    out = {
        "codes": sorted(codes),
        "reads": sorted(recorder.watcher.import_reads),
    }
    sys.stdout.write(_MARK + json.dumps(out))
    sys.stdout.flush()
    os._exit(0)  # no atexit work of the imported project: the parent runs it

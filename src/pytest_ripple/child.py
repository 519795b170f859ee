"""The child side: a Python process started (or forked) while a test runs reports what
it runs, so that the test depends on it as on code it ran itself.

``pytest-ripple.pth`` calls :func:`start` at every interpreter start-up where
``PYTEST_RIPPLE_CHILDREN`` is set; the parent's fork handler (``children.py``) calls it
in a child forked while a test runs. This module runs in every such child: it imports
the standard library only, and little of it (no ``typing``).

The variable names where to report, innermost session first (a tracked child can run
pytest itself)::

    PYTEST_RIPPLE_CHILDREN = KEY+DIR [os.pathsep KEY+DIR ...]

``DIR`` is a directory the parent session made; its ``session`` file holds the rootdir.
``KEY`` names the test (any tracking context) running when the variable was set, ``-``
while none runs. A forked child takes the key from ``DIR/key`` when the parent keeps
that file (it does once a multiprocessing forkserver exists: the server was started by
one test and forks workers for later ones).

Report: one file per process and session, ``DIR/KEY.PID.PPID.N``, written with one
``os.write`` per record as things happen (no buffer: a child killed by
``Pool.terminate()`` or leaving through ``os._exit`` has reported everything it ran),
and locked (``flock``) while the process lives::

    ripple-child 1 TAB how TAB pid TAB ppid TAB command   first line (how: exec | fork)
    F TAB n TAB path             file number n: an absolute path
    C TAB n TAB line TAB name    a code object of file n (first line, name) ran
    R TAB path                   a file under the rootdir was opened for reading
    S TAB command                this process started what looks like a Python program
    T TAB ? | - TAB n            another trace function may have replaced ours / did not
                                 (n orders these records: the highest counts)

Fields escape backslash, tab and newline. Code is reported once per code object, at
its first call, and only for files under a rootdir or in a site-packages directory
(what the parent's resolver maps to dependencies).
"""

from __future__ import annotations

import _thread
import itertools
import os
import sys

# typing costs ~10 ms to import: not at every child's start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import CodeType, FrameType
    from typing import Any, Callable, ClassVar

ENV = "PYTEST_RIPPLE_CHILDREN"
SESSION_FILE = "session"
KEY_FILE = "key"
OUTSIDE = "-"  # the key while no test runs
MAGIC = b"ripple-child 1"
SPAWN_EVENTS = frozenset({"subprocess.Popen", "os.system", "os.posix_spawn", "os.exec", "os.spawn"})
TOOL_NAME = "pytest-ripple-child"
_TOOL_IDS = (4, 3, 2)  # as the parent's engine: ids 0, 1 and 5 are named for others
_SITE = ("site-packages", "dist-packages")
_CODE_LOADERS = frozenset({"runpy.py", "pkgutil.py", "zipimport.py"})


# -- the format, shared with the parent ---------------------------------------------
def parse_targets(value: str) -> list[tuple[str, str]]:
    """``KEY+DIR`` entries of the variable, innermost session first."""
    out = []
    for entry in value.split(os.pathsep):
        key, sep, directory = entry.partition("+")
        if sep and key and directory:
            out.append((key, directory))
    return out


def format_targets(targets: list[tuple[str, str]]) -> str:
    return os.pathsep.join(f"{key}+{directory}" for key, directory in targets)


def escape(text: str) -> bytes:
    data = os.fsencode(text)
    if b"\\" in data or b"\t" in data or b"\n" in data:
        data = data.replace(b"\\", b"\\\\").replace(b"\t", b"\\t").replace(b"\n", b"\\n")
    return data


def unescape(data: bytes) -> str:
    if b"\\" in data:  # NUL never occurs in a path or a command line
        data = (
            data.replace(b"\\\\", b"\0")
            .replace(b"\\t", b"\t")
            .replace(b"\\n", b"\n")
            .replace(b"\0", b"\\")
        )
    return os.fsdecode(data)


def python_command(event: str, args: tuple[Any, ...]) -> str | None:
    """The command line a spawn audit event starts, if it looks like a Python program:
    a word of it names python or pytest, or the program is a script whose ``#!`` line
    names python (console scripts). None for anything else (git, ls)."""
    program: Any = None
    argv: Any = ()
    if event == "os.system":
        command = _text(args[0]) if args else ""
        words = command.split()
        return command[:200] if _pythonish(words, words[0] if words else None) else None
    if event == "os.spawn":
        program, argv = (args[1], args[2]) if len(args) > 2 else (None, ())
    elif args:
        program = args[0]
        argv = args[1] if len(args) > 1 else ()
    words = [_text(a) for a in (argv if isinstance(argv, (list, tuple)) else [argv])]
    words = [w for w in words if w]
    exe = _text(program) or (words[0] if words else "")
    if words[:1] == [exe]:
        words = words[1:]
    shown = " ".join([exe, *words])[:200]
    if words and os.path.basename(exe) in ("sh", "bash", "dash", "zsh") and words[0] == "-c":
        inner = words[1].split() if len(words) > 1 else []  # subprocess's shell=True
        return shown if _pythonish(inner, inner[0] if inner else None) else None
    return shown if _pythonish([exe, *words[:2]], exe) else None


class SpawnEvents:
    """``python_command`` of the spawn events that start a process of their own: since
    3.13 subprocess often starts its child with ``os.posix_spawn``, whose event follows
    ``subprocess.Popen``'s on the same thread for the same command (one child, two
    events). One per listener: each must see every event."""

    def __init__(self) -> None:
        self._popen: dict[int, str | None] = {}  # thread -> last Popen's command

    def new_child(self, event: str, args: tuple[Any, ...]) -> str | None:
        command = python_command(event, args)
        thread = _thread.get_ident()
        before = self._popen.pop(thread, None)
        if event == "subprocess.Popen":
            self._popen[thread] = command
        elif event == "os.posix_spawn" and command is not None and command == before:
            return None
        return command


def read_path(args: tuple[Any, ...]) -> Any:
    """The path an ``open`` audit event opens for reading; None for a file descriptor
    or a file opened only for writing (output, not input)."""
    path, mode, flags = (*args, None, None, None)[:3]
    if path is None or isinstance(path, int):
        return None
    if isinstance(mode, str):
        if ("w" in mode or "a" in mode or "x" in mode) and "+" not in mode:
            return None
    elif isinstance(flags, int) and flags & os.O_WRONLY:
        return None
    return path


def _text(value: Any) -> str:
    if isinstance(value, (str, bytes, os.PathLike)):
        try:
            return os.fsdecode(value)
        except (TypeError, ValueError):
            return ""
    return ""


def _pythonish(words: list[str], program: str | None) -> bool:
    exe = os.path.basename(sys.executable)
    for word in words:
        name = os.path.basename(word)  # not the directories: /tmp/pytest-of-me/...
        if "python" in name or exe in name or "pytest" in name:
            return True
    return bool(program) and _python_script(program)  # type: ignore[arg-type]


def _python_script(program: str) -> bool:
    """Whether ``program`` (a path, or a name on PATH) starts with a ``#!`` line naming
    python: a console script, run by whatever interpreter its line names."""
    path = program
    if os.sep not in program and not (os.altsep and os.altsep in program):
        for d in os.environ.get("PATH", os.defpath).split(os.pathsep):
            candidate = os.path.join(d, program)
            if os.path.isfile(candidate):
                path = candidate
                break
        else:
            return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        head = os.read(fd, 256)
    except OSError:
        return False
    finally:
        os.close(fd)
    return head.startswith(b"#!") and b"python" in head.split(b"\n", 1)[0]


def own_command() -> str:
    """This process's command line (``-c`` code included: it tells multiprocessing's
    helpers apart)."""
    argv = getattr(sys, "orig_argv", None)
    if argv is None:  # Python < 3.10
        try:
            with open("/proc/self/cmdline", "rb") as f:
                argv = [os.fsdecode(a) for a in f.read().split(b"\0") if a]
        except OSError:
            argv = [sys.executable, *sys.argv]
    return " ".join(argv)


def _read(path: str) -> str | None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        return os.fsdecode(os.read(fd, 65536))
    except OSError:
        return None
    finally:
        os.close(fd)


def _loads_code(filename: str) -> bool:
    """Opened by the import system, zipimport or runpy: run as code, not read as data."""
    return filename.startswith("<frozen ") or (
        os.path.basename(filename) in _CODE_LOADERS
        and os.path.dirname(filename) == os.path.dirname(os.__file__)
    )


# -- the reporter ---------------------------------------------------------------------
class _Target:
    __slots__ = ("fd", "key", "path")

    def __init__(self, key: str, path: str, fd: int) -> None:
        self.key = key
        self.path = path
        self.fd = fd


class Reporter:
    """What this process runs and reads, written to every session it reports to."""

    current: ClassVar[Reporter | None] = None
    hooked: ClassVar[bool] = False  # audit hook and fork handler: once per process

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.targets: list[_Target] = []
        self.roots: tuple[str, ...] = ()
        self.seen: dict[int, CodeType] = {}  # id -> code, kept alive: ids never reused
        self.files: dict[str, int] = {}  # co_filename -> number in the report, -1: not ours
        self.reads: set[str] = set()
        self.numbers = 0
        self.engine = ""
        self.tool_id = -1
        # sys.settrace called by someone else: 1 not yet written, 2 "T ?" written; back
        # to 0 when our trace function is called again in that thread (it was chained,
        # not replaced); the second item is the thread
        self.replaced = [0, 0]
        self.sequence = itertools.count()
        self.own_settrace = False
        self.exiting = False
        self.spawns = SpawnEvents()
        self.chain: Callable[[Any], Callable[..., Any]] | None = None
        self.threads_armed = False
        # the fallback when someone else's trace function replaces ours (coverage.py,
        # pdb): a profile function sees every call too, whatever the trace function is
        self.profile: Callable[..., Any] | None = None  # per thread, as sys.settrace is
        self.profiling = False  # in some thread: threads started from now on get it
        self.thread_trace: Callable[..., Any] | None = None  # threading.settrace's
        self.own_setprofile = False

    # -- files --------------------------------------------------------------------
    def open(self, how: str) -> bool:
        """Create this process's report in every session named by the variable."""
        roots = []
        pid, ppid = os.getpid(), os.getppid()
        header = b"%s\t%s\t%d\t%d\t%s\n" % (
            MAGIC,
            how.encode(),
            pid,
            ppid,
            escape(own_command()),
        )
        for key, directory in parse_targets(os.environ.get(ENV, "")):
            session = _read(os.path.join(directory, SESSION_FILE))
            if not session:
                continue  # that session is over
            if how == "fork":
                current = _read(os.path.join(directory, KEY_FILE))
                if current:
                    key = current.strip() or key
            fd = _create(directory, f"{key}.{pid}.{ppid}", header)
            if fd < 0:
                continue
            self.targets.append(_Target(key, directory, fd))
            root = os.path.normcase(session.splitlines()[0])
            roots.append(root.rstrip(os.sep) + os.sep)
        self.roots = tuple(roots)
        self.pid = pid
        return bool(self.targets)

    def emit(self, data: bytes) -> None:
        for target in self.targets:
            try:
                os.write(target.fd, data)
            except OSError:  # the session's directory is gone: nobody reads this any more
                pass

    def close_files(self) -> None:
        for target in self.targets:
            try:
                os.close(target.fd)
            except OSError:
                pass
        self.targets = []

    # -- events -------------------------------------------------------------------
    def new_code(self, code: CodeType) -> None:
        filename = code.co_filename
        n = self.files.get(filename)
        head = b""
        if n is None:
            n = -1
            if filename[:1] != "<":
                full = os.path.normcase(os.path.abspath(filename))
                if full.startswith(self.roots) or any(s in full for s in _SITE):
                    n = self.numbers
                    self.numbers += 1
                    head = b"F\t%d\t%s\n" % (n, escape(full))
            self.files[filename] = n
        if n >= 0:
            self.emit(head + b"C\t%d\t%d\t%s\n" % (n, code.co_firstlineno, escape(code.co_name)))

    def on_open(self, args: tuple[Any, ...]) -> None:
        path = read_path(args)
        if path is None:
            return
        mode = args[1] if len(args) > 1 else None
        name = _text(path)
        if not name:
            return
        full = os.path.normcase(os.path.abspath(name))
        if full in self.reads or not full.startswith(self.roots):
            return
        if any(s in full for s in _SITE):
            return  # installed (a .venv in the project): not project files for the parent
        if full.endswith((".py", ".pyc", ".pyw")) and (
            not isinstance(mode, str) or "b" in mode or _loads_code(_caller(3))
        ):
            return  # imports, tracebacks: code is reported as code
        if os.path.isdir(full):
            return
        self.reads.add(full)
        self.emit(b"R\t%s\n" % escape(full))

    def on_spawn(self, event: str, args: tuple[Any, ...]) -> None:
        command = self.spawns.new_child(event, args)
        if command is not None:
            self.emit(b"S\t%s\n" % escape(command))

    def on_settrace(self) -> None:
        """Someone calls sys.settrace. Nothing is written here: os.write lets other
        threads run, and a thread starting then (threading sets its trace function)
        fails with "Cannot install a trace function while another trace function is
        being installed" (3.11), dying before it runs. The mark is written at the next
        other audit event, if our function was not called in between."""
        if self.exiting:
            # exit handlers run (ours first: registered after coverage.py's .pth, and
            # atexit is last in, first out): coverage's stop() then removes every trace
            # function, after the program ran
            return
        if self.own_settrace or self.engine != "sys.settrace":
            return
        if self.thread_trace is not None and _thread_start_sets("_trace_hook", self.thread_trace):
            return  # a thread starting with our function (threading.settrace's)
        if sys.getprofile() is self.profile or self._profile_instead():
            return
        me = _thread.get_ident()
        if not self.replaced[0]:
            self.replaced[:] = [1, me]
        elif self.replaced[1] != me:
            self.replaced[1] = 0  # two threads' marks: neither thread withdraws them

    def _profile_instead(self) -> bool:
        """Record through a profile function from now on, if that slot is free. No
        os.write here (see on_settrace); sys.setprofile releases no lock."""
        if self.profile is None or sys.getprofile() is not None:
            return False
        self._setprofile(self.profile)
        self.profiling = True
        if self.threads_armed:
            self._arm_thread_profile()
        return True

    def _arm_thread_profile(self) -> None:
        """Threads started from now on get our profile function, unless the program
        set one for them (that one it keeps: a replaced profile in a thread is seen)."""
        import threading

        if getattr(threading, "_profile_hook", None) is None:
            threading.setprofile(self.profile)

    def on_setprofile(self) -> None:
        """Someone replaces our profile function while it is what records: what runs
        from now on may be missed, as when our trace function is replaced."""
        if (
            self.profile is not None
            and sys.getprofile() is self.profile
            and not self.own_setprofile
            and not self.exiting
            and not _thread_start_sets("_profile_hook", self.profile)
        ):
            # for good: nobody chains profile functions, so ours being called again
            # later means it was put back, after calls it did not see (thread 0: no
            # thread withdraws the mark)
            self.replaced[:] = [self.replaced[0] or 1, 0]

    def _setprofile(self, fn: Callable[..., Any] | None) -> None:
        self.own_setprofile = True
        try:
            sys.setprofile(fn)
        finally:
            self.own_setprofile = False

    def write_replaced(self) -> None:
        n = next(self.sequence)  # before the check: a later "T -" gets a higher number
        if self.replaced[0] == 1:
            self.replaced[0] = 2
            self.emit(b"T\t?\t%d\n" % n)

    # -- tracking -----------------------------------------------------------------
    def install(self, how: str) -> None:
        mon: Any = getattr(sys, "monitoring", None)
        if mon is not None:
            for tool_id in _TOOL_IDS:
                if mon.get_tool(tool_id) is None:
                    self._install_monitoring(mon, tool_id)
                    break
            if self.engine and how == "fork":
                # code the parent ran before the fork is disabled (DISABLE) for every
                # tool id, ours included: it must report again here
                mon.restart_events()
        if not self.engine:
            self._install_settrace()
        # ran before tracking started: this module and the package's __init__
        for name in ("pytest_ripple", __name__):
            filename = getattr(sys.modules.get(name), "__file__", None)
            if filename:
                self.new_code(_ModuleCode(filename))  # type: ignore[arg-type]

    def _install_monitoring(self, mon: Any, tool_id: int) -> None:
        seen = self.seen
        new = self.new_code
        disable = mon.DISABLE

        def on_start(code: CodeType, offset: int) -> Any:
            if id(code) not in seen:
                seen[id(code)] = code
                new(code)
            return disable

        mon.use_tool_id(tool_id, TOOL_NAME)
        mon.register_callback(tool_id, mon.events.PY_START, on_start)
        mon.set_events(tool_id, mon.events.PY_START)
        self.tool_id = tool_id
        self.engine = "sys.monitoring"

    def _install_settrace(self) -> None:
        seen = self.seen
        new = self.new_code
        replaced = self.replaced
        emit = self.emit
        sequence = self.sequence

        def note(code: CodeType) -> None:
            seen[id(code)] = code
            new(code)
            if code.co_name == "start" and code.co_filename.endswith("threading.py"):
                self.arm_threads()  # Thread.start runs for the first time

        def profile(frame: FrameType, event: str, arg: Any) -> None:
            if event == "call" and id(frame.f_code) not in seen:
                note(frame.f_code)

        def chain(prev: Callable[..., Any] | None) -> Callable[..., Any]:
            if prev is None:

                def trace(frame: FrameType, event: str, arg: Any) -> None:
                    if id(frame.f_code) not in seen:
                        note(frame.f_code)
                    # still called after a sys.settrace: we are chained
                    if replaced[0] and replaced[1] == _thread.get_ident():
                        replaced[0] = 0
                        emit(b"T\t-\t%d\n" % next(sequence))
                    return None

                return trace

            gettrace = sys.gettrace

            def chained(frame: FrameType, event: str, arg: Any) -> Any:
                if id(frame.f_code) not in seen:
                    note(frame.f_code)
                if replaced[0] and replaced[1] == _thread.get_ident():
                    replaced[0] = 0
                    emit(b"T\t-\t%d\n" % next(sequence))
                self.own_settrace = True  # coverage.py's C tracer re-installs itself
                try:  # in here, at every call: that is no replacement
                    local = prev(frame, event, arg)
                    if gettrace() is prev:
                        sys.settrace(chained)
                finally:
                    self.own_settrace = False
                return local

            return chained

        self._settrace(chain(sys.gettrace()))
        self.chain = chain
        self.profile = profile
        self.engine = "sys.settrace"
        import atexit

        atexit.register(self._exit)

    def arm_threads(self) -> None:
        """Threads get our trace function from ``threading.settrace``, set when
        ``Thread.start`` first runs (the new thread reads it when it starts): importing
        threading at start-up costs 2-5 ms, and most children start no thread."""
        if self.chain is not None and not self.threads_armed:
            self.threads_armed = True
            import threading

            gettrace = getattr(threading, "gettrace", None)  # 3.10+
            prev = gettrace() if gettrace is not None else getattr(threading, "_trace_hook", None)
            self.thread_trace = self.chain(prev)
            threading.settrace(self.thread_trace)
            if self.profiling:
                self._arm_thread_profile()

    def _exit(self) -> None:
        if self.replaced[0] == 1:
            self.write_replaced()
        self.exiting = True

    def _settrace(self, fn: Callable[..., Any]) -> None:
        self.own_settrace = True
        try:
            sys.settrace(fn)
        finally:
            self.own_settrace = False

    def forked(self) -> None:
        """In a forked child: a report of its own, everything reported again (the key
        may differ: a forkserver's workers serve later tests)."""
        self.close_files()
        self.seen.clear()
        self.files.clear()
        self.reads.clear()
        self.numbers = 0
        self.replaced[:] = [0, 0]
        self.open("fork")
        if self.engine == "sys.monitoring":
            sys.monitoring.restart_events()  # type: ignore[attr-defined,unused-ignore]


class _ModuleCode:
    """Stands for a module's body, which ran before tracking started."""

    co_firstlineno = 1
    co_name = "<module>"

    def __init__(self, filename: str) -> None:
        self.co_filename = filename


def _create(directory: str, name: str, header: bytes) -> int:
    """A new report file holding its header, locked for as long as this process lives
    (the parent tells a finished child from a running one by the lock). Written under a
    hidden name and renamed: the parent never sees it unlocked or empty."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock; the parent takes every child as finished
        fcntl = None  # type: ignore[assignment]
    tmp = os.path.join(directory, f".{name}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
    except OSError:
        return -1
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, header)
        for n in range(1000):  # an exec'd process keeps its pid: another file
            final = os.path.join(directory, f"{name}.{n}")
            if not os.path.exists(final):
                os.rename(tmp, final)
                return fd
    except OSError:
        pass
    os.close(fd)
    return -1


def _thread_start_sets(hook: str, ours: Any) -> bool:
    """Whether the sys.settrace or sys.setprofile being called is a new thread's
    installing threading's function for it, and that function is ours. Called from
    the audit hook, via one method: the caller is three frames up."""
    try:
        code = sys._getframe(3).f_code
    except ValueError:
        return False
    if code.co_name != "_bootstrap_inner" or not code.co_filename.endswith("threading.py"):
        return False
    threading = sys.modules.get("threading")
    return getattr(threading, hook, None) is ours


def _caller(depth: int) -> str:
    try:
        return sys._getframe(depth).f_code.co_filename
    except ValueError:
        return ""


def _audit(event: str, args: tuple[Any, ...]) -> None:
    reporter = Reporter.current
    if reporter is None:
        return
    if event == "open":
        reporter.on_open(args)
    elif event in SPAWN_EVENTS:
        reporter.on_spawn(event, args)
    elif event == "sys.settrace":
        reporter.on_settrace()
        return
    elif event == "sys.setprofile":  # being installed: no os.write here either
        reporter.on_setprofile()
        return
    if reporter.replaced[0] == 1:
        reporter.write_replaced()


def _after_fork() -> None:
    reporter = Reporter.current
    if reporter is not None:
        reporter.forked()


def start(how: str = "exec") -> bool:
    """Report to the sessions the variable names: at interpreter start-up (``exec``), or
    in a child the parent session forked while a test ran (``fork``). Whether this
    process reports."""
    reporter = Reporter.current
    if reporter is not None and reporter.pid == os.getpid():
        return bool(reporter.targets)
    reporter = Reporter()
    if not reporter.open(how):
        return False
    Reporter.current = reporter
    if not Reporter.hooked:
        Reporter.hooked = True
        sys.addaudithook(_audit)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_after_fork)
    reporter.install(how)
    return True

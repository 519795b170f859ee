"""The parent side of child-process tracking: which code and files the Python processes
a test starts (and their children) ran and read.

One :class:`Children` per session that records (the main process, or each xdist
worker). It makes a directory, names it in ``PYTEST_RIPPLE_CHILDREN`` together with a
key for the context running now (a test, a fixture, a parametrization; ``-`` while none
runs), and reads the reports children write there (``child.py`` describes the format).
At the end of a context it hands back what that context's children ran, as raw code
keys for the resolver, and whether everything was seen:

- every spawn event that looks like a Python program (in the test, or in a child:
  ``S`` records) expects a report; fewer reports than that (another interpreter without
  our package, ``python -S``, an environment without the variable, a child killed before
  it started) leaves the context untracked, naming the command: it runs next time;
- a child still running when its context ends has reported everything it ran so far
  (records are written before the code runs), and what it runs later may serve later
  tests (a pool kept in a global, a server): while it lives, every context that ends
  also depends on everything its key's children reported. multiprocessing's forkserver
  and resource tracker run no project code after their start and are left out.

Cost: a ``putenv`` per context boundary. Once a process was started (a spawn audit
event, or multiprocessing's spawn or forkserver loaded), a ``stat`` of the directory at
each context end, listed again only when its mtime moved (or may have moved unseen).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar

from pytest_ripple import child
from pytest_ripple.paths import relative_to_root
from pytest_ripple.watcher import _TOOL_STATE

# files of modules, as a package or a copy of the project's code holds them
_MODULE_SUFFIXES = (".py", ".pyi", ".pyc", ".pyw", ".so", ".pyd")
CodeKey = tuple[str, int, str]  # (co_filename, co_firstlineno, co_name)
# A directory listed within this long after its mtime may get another entry with the
# same mtime (coarse file system clocks): list it again next time.
_RACY_NS = 100_000_000
_FORKSERVER = "from multiprocessing.forkserver import main"
_TRACKER = "from multiprocessing.resource_tracker import main"
_SPAWNED = ("--multiprocessing-fork", "from multiprocessing.spawn import spawn_main")
# Loaded when multiprocessing first starts a process this way: no audit event tells.
_MP_STARTERS = (
    "multiprocessing.popen_spawn_posix",
    "multiprocessing.popen_forkserver",
    "multiprocessing.popen_spawn_win32",
)


@dataclass
class ChildTrace:
    """What the children of one context ran and read."""

    code_keys: set[CodeKey] = field(default_factory=set)
    files: set[str] = field(default_factory=set)  # relative to the rootdir
    untracked: str | None = None  # why what they ran may be incomplete


class Report:
    """One child's report file, read as it grows."""

    def __init__(self, path: str, key: str) -> None:
        self.path = path
        self.key = key
        self.fd = -1
        self.how = ""
        self.pid = 0
        self.ppid = 0
        self.command = ""
        self.bad = False
        self.ended = False
        self.files: dict[int, str] = {}
        self.codes: set[CodeKey] = set()
        self.reads: set[str] = set()
        self.spawned: list[str] = []
        self.replaced = False
        self._tseq = -1
        self._tail = b""

    @property
    def role(self) -> str:
        """``exec`` (an interpreter that started), ``fork``, or multiprocessing's own:
        ``pool`` (a spawned worker, started without an audit event in its parent),
        ``forkserver``, ``tracker``."""
        if self.how != "exec":
            return self.how
        if _FORKSERVER in self.command:
            return "forkserver"
        if _TRACKER in self.command:
            return "tracker"
        if any(s in self.command for s in _SPAWNED):
            return "pool"
        return "exec"

    def read(self) -> None:
        if self.fd < 0:
            if self.ended and self.how:
                return
            try:
                self.fd = os.open(self.path, os.O_RDONLY)
            except OSError:
                self.ended = True
                return
        chunks = []
        while True:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        if not chunks:
            return
        lines = (self._tail + b"".join(chunks)).split(b"\n")
        self._tail = lines.pop()  # a record being written
        for line in lines:
            self.parse(line)

    def parse(self, line: bytes) -> None:
        try:
            if not self.how:
                magic, how, pid, ppid, command = line.split(b"\t", 4)
                if magic != child.MAGIC:
                    raise ValueError(magic)
                self.how = how.decode()
                self.pid, self.ppid = int(pid), int(ppid)
                self.command = child.unescape(command)
                return
            tag, _, rest = line.partition(b"\t")
            if tag == b"C":
                n, first, name = rest.split(b"\t", 2)
                filename = self.files.get(int(n))
                if filename is not None:
                    self.codes.add((filename, int(first), child.unescape(name)))
            elif tag == b"F":
                n, path = rest.split(b"\t", 1)
                self.files[int(n)] = child.unescape(path)
            elif tag == b"R":
                self.reads.add(child.unescape(rest))
            elif tag == b"S":
                self.spawned.append(child.unescape(rest))
            elif tag == b"T":
                mark, _, n = rest.partition(b"\t")
                seq = int(n) if n else self._tseq + 1
                if seq > self._tseq:  # threads may write them out of order
                    self._tseq = seq
                    self.replaced = mark == b"?"
        except ValueError:
            self.bad = True

    def alive(self) -> bool:
        """Whether the process still runs (holds the lock on its report). Ask before
        reading: once it is seen finished, a read gets everything it wrote."""
        if self.ended:
            return False
        if self.fd < 0:
            self.read()
            if self.fd < 0:
                return False
        try:
            import fcntl
        except ImportError:  # no locks (Windows): take it as finished
            self.ended = True
            return False
        try:
            fcntl.flock(self.fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            pass
        else:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        self.ended = True
        return False

    def close(self) -> None:
        if self.fd >= 0:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = -1


class _Context:
    __slots__ = ("expected", "key")

    def __init__(self, key: str) -> None:
        self.key = key
        self.expected: list[str] = []  # Python programs it started


class Children:
    """Tracks the child processes of one session, context by context (nested as the
    recorder's contexts are)."""

    def __init__(self, rootdir: Path, ignore: set[str]) -> None:
        self._root = os.path.normcase(str(rootdir.resolve())).rstrip(os.sep) + os.sep
        self._ignore = ignore
        self._dir: str | None = None
        self._pid = os.getpid()
        self._spawns = child.SpawnEvents()
        self._inherited: str | None = None  # the variable as this process got it
        self._stack: list[_Context] = []
        self._next = 0
        self._reports: dict[str, list[Report]] = {}
        self._expected: dict[str, list[str]] = {}  # ended contexts' expectations
        self._shared: set[str] = {child.OUTSIDE}  # ended keys with children alive
        self._names: set[str] = set()
        self._mtime = -1
        self._racy = True
        self._key_file = False  # a forkserver exists: forked children read the key here
        self._spawned = False  # a process was started: look for reports from now on
        self._rel: dict[str, str | None] = {}
        self._foreign: dict[str, bool] = {}  # co_filename -> installed elsewhere
        self._made: dict[str, bool] = {}  # a site-packages dir -> its env made this session
        self._in_project: set[str] | None = None  # names in the project, 3 levels down
        self._py_files: dict[str, list[str]] | None = None  # by base name
        self._started_ns = time.time_ns()
        self.on_fork: Callable[[], None] | None = None  # closes the parent's tracking

    def start_session(self) -> bool:
        """Make the report directory and set the variable. False (and today's rule:
        a test that starts a Python process runs every time) if that cannot be done."""
        try:
            directory = tempfile.mkdtemp(prefix="ripple-children-")
        except OSError:
            return False
        if os.pathsep in directory:
            os.rmdir(directory)
            return False
        try:
            with open(os.path.join(directory, child.SESSION_FILE), "w") as f:
                f.write(self._root + "\n")
        except OSError:
            shutil.rmtree(directory, ignore_errors=True)
            return False
        self._dir = directory
        self._inherited = os.environ.get(child.ENV)
        self._apply()
        _Forks.register(self)
        return True

    # -- contexts ----------------------------------------------------------------------
    def push(self) -> None:
        if self._dir is None:
            return
        self._stack.append(_Context(f"{self._next:x}"))
        self._next += 1
        self._apply()

    def pop(self) -> ChildTrace | None:
        """What the children of the context ending now ran (None: nothing to add)."""
        if self._dir is None or not self._stack:
            return None
        ctx = self._stack.pop()
        if self._stack or self._key_file:
            self._apply()
        # else the variable keeps the ended key until the next push (a putenv saved per
        # test): a child started in between reports under it, and an ended key's
        # reports are treated as those of "-", shared while their process lives
        if not self._spawned:  # most sessions: nothing more to do, not even a stat
            modules = sys.modules
            if not (
                _MP_STARTERS[0] in modules
                or _MP_STARTERS[1] in modules
                or _MP_STARTERS[2] in modules
            ):
                return None
            self._spawned = True
        trace = ChildTrace()
        self._scan()
        if ctx.expected:
            self._expected[ctx.key] = ctx.expected
        if self._collect(ctx.key, trace):
            self._shared.add(ctx.key)
        else:
            self._forget(ctx.key)
        for key in sorted(self._shared):
            if key != ctx.key and not self._collect(key, trace) and key != child.OUTSIDE:
                self._forget(key)
        return trace

    def on_spawn(self, event: str, args: tuple[Any, ...]) -> bool:
        """A spawn audit event in this process. True when it came while a context runs
        and children handle it (the watcher then does not mark the test untracked)."""
        for session in _Forks.sessions:  # sessions inside sessions hear of it too
            session._spawned = True
        if self._dir is None or not self._stack or os.getpid() != self._pid:
            return False
        if event != "os.fork":  # a forked child reports through the fork handler
            command = self._spawns.new_child(event, args)
            if command is not None:
                self._stack[-1].expected.append(command)
        return True

    def close(self) -> None:
        if self._dir is None or os.getpid() != self._pid:
            return
        _Forks.unregister(self)
        if self._inherited is None:
            os.environ.pop(child.ENV, None)
        else:
            os.environ[child.ENV] = self._inherited
        for reports in self._reports.values():
            for report in reports:
                report.close()
        self._reports.clear()
        shutil.rmtree(self._dir, ignore_errors=True)
        self._dir = None

    # -- internals -----------------------------------------------------------------
    def _apply(self) -> None:
        """Name the context running now to children started from here on."""
        assert self._dir is not None
        key = self._stack[-1].key if self._stack else child.OUTSIDE
        value = f"{key}+{self._dir}"
        if self._inherited:  # this session runs inside a tracked child: report there too
            value += os.pathsep + self._inherited
        os.environ[child.ENV] = value
        if self._key_file:
            self._write_key(key)

    def _write_key(self, key: str) -> None:
        assert self._dir is not None
        tmp = os.path.join(self._dir, ".key")
        try:
            with open(tmp, "w") as f:
                f.write(key)
            os.replace(tmp, os.path.join(self._dir, child.KEY_FILE))
        except OSError:
            pass

    def _scan(self) -> None:
        """New report files, if the directory changed."""
        assert self._dir is not None
        try:
            mtime = os.stat(self._dir).st_mtime_ns
        except OSError:
            return
        if mtime == self._mtime and not self._racy:
            return
        now = time.time_ns()
        try:
            names = os.listdir(self._dir)
        except OSError:
            return
        self._mtime = mtime
        self._racy = now - mtime < _RACY_NS
        active = {ctx.key for ctx in self._stack}
        for name in names:
            if name in self._names or name.startswith(".") or "." not in name:
                continue
            self._names.add(name)
            key = name.split(".", 1)[0]
            report = Report(os.path.join(self._dir, name), key)
            report.read()
            self._reports.setdefault(key, []).append(report)
            if key not in active:  # its context is over: it serves later ones
                self._shared.add(key)
            if report.role == "forkserver" and not self._key_file:
                self._key_file = True
                self._write_key(self._stack[-1].key if self._stack else child.OUTSIDE)

    def _collect(self, key: str, trace: ChildTrace) -> bool:
        """Add what the children of ``key`` reported; whether one still runs."""
        reports = self._reports.get(key, [])
        expected = list(self._expected.get(key, ()))
        started = 0
        running = False
        for report in reports:
            alive = report.alive()
            report.read()
            role = report.role
            if alive and role not in ("forkserver", "tracker"):
                running = True
            trace.code_keys |= report.codes
            for path in report.reads:
                rel = self._relative(path)
                if rel is not None:
                    trace.files.add(rel)
            expected += report.spawned
            if role == "exec":
                started += 1
            why = None
            foreign = next((f for f in report.files.values() if self._installed_elsewhere(f)), None)
            if foreign is not None:
                # another environment's copy of the project, or an environment that was
                # there before this session: its changes are not the project's, nor
                # those of the distributions installed here
                why = f"a child process ran code installed in another environment ({foreign})"
            elif report.bad:
                why = f"the report of a child process is unreadable ({report.path})"
            elif report.replaced:
                why = (
                    "another trace function replaced pytest-ripple's in a child process "
                    f"({_short(report.command)})"
                )
            trace.untracked = trace.untracked or why
        if len(expected) > started:
            missing = expected[started:] if started else expected
            shown = _short(missing[0]) + (f" and {len(missing) - 1} more" if missing[1:] else "")
            why = f"a Python child process did not report what it ran ({shown})"
            trace.untracked = trace.untracked or why
        if key == child.OUTSIDE:  # finished ones are done with
            self._reports[key] = [r for r in reports if not r.ended]
            for report in reports:
                if report.ended:
                    report.close()
        return running

    def _forget(self, key: str) -> None:
        for report in self._reports.pop(key, []):
            report.close()
        self._expected.pop(key, None)
        self._shared.discard(key)

    def _installed_elsewhere(self, filename: str) -> bool:
        found = self._foreign.get(filename)
        if found is None:
            found = False
            if "site-packages" in filename or "dist-packages" in filename:
                ours = tuple(
                    os.path.normcase(os.path.abspath(p)).rstrip(os.sep) + os.sep
                    for p in sys.path
                    if p and ("site-packages" in p or "dist-packages" in p)
                )
                found = not filename.startswith(ours) and not self._third_party_made_here(filename)
            self._foreign[filename] = found
        return found

    def _third_party_made_here(self, filename: str) -> bool:
        """Whether this is third-party code of a virtual environment made during this
        session (a test that builds one and runs a tool in it). What such code is comes
        from the installer and the package index, inputs from outside like a download,
        which no run could check beforehand; a copy of the project's own code in it
        changes with the project, which this run cannot see: that one is not."""
        for marker in ("site-packages", "dist-packages"):
            packages, sep, rel = filename.partition(f"{os.sep}{marker}{os.sep}")
            if sep:
                break
        else:
            return False
        made = self._made.get(packages)
        if made is None:
            made = self._made[packages] = self._env_made_here(Path(packages))
        if not made:
            return False
        top = rel.split(os.sep, 1)[0]
        if top.split(".", 1)[0] in self._project_names():
            return False
        return not self._copies_project_file(filename)

    def _copies_project_file(self, filename: str) -> bool:
        """Whether the file has the bytes of a project file of its name: the project
        installed under another top-level name (``package_dir``), or from deeper than
        the names looked at (``packages/a/src/pkg``). An empty module says nothing."""
        try:
            data = Path(filename).read_bytes()
        except OSError:
            return True  # cannot tell
        if not data.strip():
            return False
        for candidate in self._project_files().get(os.path.basename(filename), ()):
            try:
                if os.path.getsize(candidate) == len(data) and Path(candidate).read_bytes() == data:
                    return True
            except OSError:
                continue
        return False

    def _project_files(self) -> dict[str, list[str]]:
        """The project's Python files by base name (hidden directories, virtual
        environments and caches left out), read once per session when needed."""
        if self._py_files is None:
            found: dict[str, list[str]] = {}
            for directory, dirs, files in os.walk(self._root):
                dirs[:] = [
                    d
                    for d in dirs
                    if not d.startswith(".")
                    and d not in ("__pycache__", "node_modules")
                    and not os.path.exists(os.path.join(directory, d, "pyvenv.cfg"))
                ]
                for name in files:
                    if name.endswith((".py", ".pyw")):
                        found.setdefault(name, []).append(os.path.join(directory, name))
            self._py_files = found
        return self._py_files

    def _env_made_here(self, lib: Path) -> bool:
        # site-packages is in lib/pythonX.Y (POSIX) or Lib (Windows) below pyvenv.cfg
        for env in (lib.parent, lib.parent.parent):
            try:
                # 2 s: file systems with coarse timestamps round down
                return (env / "pyvenv.cfg").stat().st_mtime_ns >= self._started_ns - 2 * 10**9
            except OSError:
                continue
        return False

    def _project_names(self) -> set[str]:
        """Module and package names found in the project three levels down (``pkg``,
        ``src/pkg``, ``packages/a/pkg``): code of another environment by such a name
        may be a copy of the project's."""
        if self._in_project is None:
            names: set[str] = set()
            level = [self._root]
            for _ in range(3):
                below = []
                for directory in level:
                    try:
                        entries = list(os.scandir(directory))
                    except OSError:
                        continue
                    for entry in entries:
                        if entry.name.startswith("."):
                            continue
                        if entry.is_dir(follow_symlinks=False):
                            if not os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                                names.add(entry.name)
                                below.append(entry.path)
                        elif entry.name.endswith(_MODULE_SUFFIXES):
                            names.add(entry.name.split(".", 1)[0])  # m.cpython-312-x.so
                level = below
            self._in_project = names
        return self._in_project

    def _relative(self, path: str) -> str | None:
        if path in self._rel:
            return self._rel[path]
        rel = relative_to_root(self._root, path)
        if rel is not None and (rel in self._ignore or rel.startswith(_TOOL_STATE)):
            rel = None
        self._rel[path] = rel
        return rel

    def _forked(self) -> None:
        """In a child forked from this process: the session is the parent's, not ours."""
        self._dir = None
        self._reports.clear()
        if self.on_fork is not None:
            self.on_fork()


def _short(command: str) -> str:
    return command if len(command) <= 120 else command[:117] + "..."


class _Forks:
    """``os.register_at_fork`` handlers cannot be removed: one per process forwards to
    the sessions running now (pytester runs sessions inside sessions)."""

    sessions: ClassVar[list[Children]] = []
    hooked: ClassVar[bool] = False

    @classmethod
    def register(cls, session: Children) -> None:
        cls.sessions.append(session)
        if not cls.hooked and hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=cls.after_in_child)
            cls.hooked = True

    @classmethod
    def unregister(cls, session: Children) -> None:
        if session in cls.sessions:
            cls.sessions.remove(session)

    @classmethod
    def after_in_child(cls) -> None:
        """A fork while a test runs (os.fork, multiprocessing's fork start method): the
        child stops tracking as a copy of pytest and reports as a child. A fork while no
        test runs (pytest-forked runs each test in a child) keeps the copy as it is."""
        if not cls.sessions or not cls.sessions[-1]._stack:
            return
        sessions, cls.sessions = cls.sessions, []
        for session in reversed(sessions):
            try:
                session._forked()
            except Exception:
                pass
        try:
            child.start("fork")
        except Exception:
            pass

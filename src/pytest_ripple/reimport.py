"""Project modules pytest imported before tracking could start, imported again in a
child process that tracks them.

pytest 9 applies the ``filterwarnings`` ini lines (and ``-W``) before it loads any
plugin, and a dotted category (``ignore::pkg.warnings.PkgWarning``) imports its
module then: ``pkg/__init__.py`` and everything it imports run before pytest-ripple
is loaded. Those modules have no import record: which function ran at their import
is unknown, so every change that reaches them counted as a plugin's, for every test
(1,236 of marshmallow's 1,238 tests for a body edit that 20 tests run).

The child, started before our tracer is armed, imports the same modules in the same
order with the parent's ``sys.path`` and ``sys.argv`` and pytest already imported, and
reports each project module's import record. The parent takes a record only for a
module it had imported before tracking began, and takes none if the child imported a
project module the parent had not: then the two imports differ, and every such module
stays a plugin for every test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from pytest_ripple.children import CodeKey
from pytest_ripple.paths import relative_to_root, root_prefix

_MARK = "\n<pytest-ripple reimport>\n"  # the project's import may print too
_TIMEOUT = 120.0  # seconds for the child's imports, after which it is left out
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


# What a module's namespace holds after its import, as text that two processes can
# compare: scalars by value, containers by length and (a few levels down) contents,
# functions and classes by name, objects by type and attributes. Only the type of a
# value is asked what it is (a proxy's ``__class__`` or ``__getattr__`` would run
# project code), containers are read through the builtin types' own methods, and an
# instance's attributes only where its ``__dict__`` is the plain one.
_SCALARS = (type(None), bool, int, float, complex, str, bytes)
_FUNCTIONS = (types.FunctionType, types.MethodType, types.BuiltinFunctionType)
_DEPTH = 3
_MANY = 200  # a container longer than this: its length only
_BUDGET = 100_000  # values per process; beyond it the digest equals no other


class _TooBig(Exception):
    pass


class _Digester:
    def __init__(self) -> None:
        self.left = _BUDGET

    def value(self, value: Any, depth: int) -> str:
        self.left -= 1
        if self.left < 0:
            raise _TooBig
        kind = type(value)
        if kind in _SCALARS:
            text = repr(value)
            return text if len(text) <= 200 else f"{kind.__name__}:{len(text)}:{hash(text)}"
        if issubclass(kind, type):
            name = f"class {_name(value)}"
            return name if depth <= 0 else f"{name}{{{self.names(vars(value), depth - 1)}}}"
        if issubclass(kind, dict):
            size = dict.__len__(value)
            if depth <= 0 or size > _MANY:
                return f"dict:{size}"
            items = sorted(
                f"{self.value(k, 0)}={self.value(v, depth - 1)}" for k, v in dict.items(value)
            )
            return "{" + ",".join(items) + "}"
        for base in (list, tuple, set, frozenset):
            if issubclass(kind, base):
                b: Any = base
                size = b.__len__(value)
                if depth <= 0 or size > _MANY:
                    return f"{base.__name__}:{size}"
                parts = [self.value(v, depth - 1) for v in b.__iter__(value)]
                if base in (set, frozenset):
                    parts.sort()
                return f"{base.__name__}[" + ",".join(parts) + "]"
        if issubclass(kind, _FUNCTIONS):
            return f"function {_name(value)}"
        if issubclass(kind, types.ModuleType):
            return f"module {dict.get(vars(value), '__name__', '')}"
        label = _name(kind)
        attrs = _plain_dict(value) if depth > 0 else None
        return label if attrs is None else f"{label}({self.names(attrs, depth - 1)})"

    def names(self, names: Any, depth: int) -> str:
        if type(names) is not dict:
            names = dict(names)  # a class's mappingproxy
        # not the import system's own (``__spec__``, ``__loader__``: ours wraps a loader)
        keys = sorted(
            k
            for k in dict.keys(names)
            if type(k) is str and (k == "__all__" or not (k[:2] == "__" == k[-2:]))
        )
        return ";".join(f"{k}={self.value(dict.__getitem__(names, k), depth)}" for k in keys)


def _name(obj: Any) -> str:
    """A function's or class's module and qualified name, read from its own dict
    or slots, never through ``__getattr__``."""
    try:
        return f"{obj.__module__}.{obj.__qualname__}"
    except Exception:  # a metaclass that answers otherwise
        return "?"


def _plain_dict(value: Any) -> dict[str, Any] | None:
    """An instance's attribute dict, when its class keeps the builtin ``__dict__``."""
    for klass in type(value).__mro__:
        found = vars(klass).get("__dict__")
        if found is not None:
            if not isinstance(found, types.GetSetDescriptorType):
                return None  # a property: project code
            attrs = found.__get__(value)
            return attrs if type(attrs) is dict else None
    return None


def state_digests(root: str) -> dict[str, str]:
    """What the project modules imported so far hold, and the decimal context
    (``<decimal>``, where it is imported), process-wide state an import may set.
    (Not the root logger: a program that runs ``pytest.main()`` may have set it up
    before, and the child would then never be trusted.)"""
    out: dict[str, str] = {}
    digester = _Digester()
    for module in list(sys.modules.values()):
        names = getattr(module, "__dict__", None)  # a module's own: no __getattr__
        filename = names.get("__file__") if type(names) is dict else None
        rel = relative_to_root(root, filename) if isinstance(filename, str) else None
        if rel is not None and type(names) is dict:
            try:
                out[rel] = digester.names(names, _DEPTH)
            except Exception:  # too much, or a value we cannot read: never equal
                out[rel] = f"unreadable {os.getpid()} {id(module)}"
    decimal = sys.modules.get("decimal")
    if decimal is not None:
        ctx = decimal.getcontext()
        out["<decimal>"] = f"{ctx.prec} {ctx.rounding} {ctx.Emin} {ctx.Emax} {ctx.capitals}"
    return out


@dataclass
class Record:
    """What one module's import ran and read in the child."""

    codes: set[CodeKey] = field(default_factory=set)
    files: set[str] = field(default_factory=set)  # relative to the rootdir
    modules: set[str] = field(default_factory=set)  # project modules imported inside it
    importer: CodeKey | None = None  # the project function whose call imported it


@dataclass
class Result:
    records: dict[str, Record]  # module file (relative) -> its record
    imported: set[str]  # every project module whose body ran in the child
    reads: set[tuple[str, str]]  # (data file, module) read at import
    state: dict[str, str]  # ``state_digests`` after the child's imports


class Reimport:
    """The child process, started before tracking: its result is read once."""

    def __init__(self, proc: subprocess.Popen[bytes], state: dict[str, str]) -> None:
        self._proc: subprocess.Popen[bytes] | None = proc
        self._result: Result | None = None
        self.state = state  # this process's ``state_digests`` as the child started

    @classmethod
    def start(cls, rootdir: Path, filters: tuple[list[str], list[str]]) -> Reimport | None:
        """The child for the warning filters (the ini's, then ``-W``) whose category's
        top-level package is a project module already imported; None when there is
        none (the common case)."""
        root = root_prefix(rootdir)
        names = []
        for name in warning_modules([*filters[0], *filters[1]]):
            top = sys.modules.get(name.split(".")[0])
            filename = getattr(top, "__dict__", {}).get("__file__")
            if isinstance(filename, str) and relative_to_root(root, filename) is not None:
                names.append(name)
        if not names or not sys.executable:
            return None
        state = state_digests(root)
        request = {
            "path": [p for p in sys.path if isinstance(p, str)],
            "argv": list(sys.argv),
            "rootdir": str(rootdir),
            "modules": names,
            "filters": list(filters),
        }
        try:
            proc = subprocess.Popen(
                [sys.executable, "-c", _SNIPPET],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            return None
        assert proc.stdin is not None
        try:
            proc.stdin.write(json.dumps(request).encode() + b"\n")
            proc.stdin.close()
        except OSError:
            pass
        proc.stdin = None  # written: ``communicate`` must not flush it again
        return cls(proc, state)

    def result(self) -> Result | None:
        """The child's records (waiting for it), or None when it failed."""
        proc, self._proc = self._proc, None
        if proc is None:
            return self._result
        try:
            out, _ = proc.communicate(timeout=_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            return None
        except (OSError, ValueError):
            return None
        if proc.returncode != 0:
            return None
        try:
            self._result = _parse(json.loads(out.rpartition(_MARK.encode())[2].decode()))
        except (ValueError, KeyError, TypeError):
            return None
        return self._result

    def trusted(self, before: set[str]) -> Result | None:
        """The child's result when its imports did what this process's did: it imported
        no project module this process had not (``before``), and each module it
        recorded, and the process-wide state, hold the same as here. Otherwise None:
        its records could say a function never ran at import when it ran here (an
        import guarded by an environment variable the first import set)."""
        result = self.result()
        if result is None or not result.imported <= before:
            return None
        for key in result.records:
            if key not in self.state or result.state.get(key) != self.state[key]:
                return None
        key = "<decimal>"  # where both imported it
        if key in self.state and key in result.state and self.state[key] != result.state[key]:
            return None
        return result

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        try:
            proc.communicate()  # reaps it and closes the pipe
        except (OSError, ValueError):
            pass


def _key(value: Any) -> CodeKey:
    filename, line, name = value
    return (str(filename), int(line), str(name))


def _parse(data: dict[str, Any]) -> Result:
    records = {}
    for rel, rec in data["records"].items():
        importer = rec.get("importer")
        records[str(rel)] = Record(
            {_key(k) for k in rec["codes"]},
            {str(f) for f in rec["files"]},
            {str(m) for m in rec["modules"]},
            _key(importer) if importer else None,
        )
    reads = {(str(f), str(m)) for f, m in data["reads"]}
    state = {str(k): str(v) for k, v in data["state"].items()}
    return Result(records, {str(m) for m in data["imported"]}, reads, state)


def _import_as_pytest(filters: list[list[str]], modules: list[str]) -> bool:
    """The imports pytest did: its own function applying the filters, in the same
    warnings context (``Config._catch_configured_warnings``); whether nothing failed."""
    import importlib
    import warnings

    apply: Any = None
    try:
        from _pytest.config import apply_warning_filters as apply
    except ImportError:  # another pytest: the modules, in the same order
        pass
    try:
        with warnings.catch_warnings(record=True):
            if apply is None:
                for name in modules:
                    importlib.import_module(name)
                return True
            if not sys.warnoptions:
                warnings.filterwarnings("always", category=DeprecationWarning)
                warnings.filterwarnings("always", category=PendingDeprecationWarning)
            apply(filters[0], filters[1])
    except BaseException:  # pytest reports it in the parent
        return False
    return True


def child_main(request: dict[str, Any]) -> None:
    """In the child: import the modules as pytest did, then print the records."""
    from functools import partial

    import pytest  # noqa: F401  (the parent had it imported: ``"pytest" in sys.modules``)

    from pytest_ripple.modules import ModuleImports
    from pytest_ripple.recorder import Recorder
    from pytest_ripple.tracer import choose_tracer
    from pytest_ripple.watcher import ReadWatcher

    sys.argv[:] = request["argv"]
    rootdir = Path(request["rootdir"])
    root = root_prefix(rootdir)
    tracer, _ = choose_tracer(root)
    tracer.arm()
    tracer.push()
    recorder = Recorder(tracer, ReadWatcher(rootdir, set()), None)
    imports = ModuleImports(recorder, partial(relative_to_root, root))
    before = set(sys.modules)
    failed = not _import_as_pytest(request["filters"], request["modules"])
    imports.close()
    recorder.close()
    if failed:
        sys.exit(3)
    imported: set[str] = set()
    for name in set(sys.modules) - before:
        filename = getattr(sys.modules[name], "__file__", None)
        rel = relative_to_root(root, filename) if isinstance(filename, str) else None
        if rel is not None:
            imported.add(rel)
    records = {}
    for rel, trace in imports.records.items():
        codes = {(c.co_filename, c.co_firstlineno, c.co_name) for c in trace.codes.values()}
        importer = imports.importers.get(rel)
        records[rel] = {
            "codes": sorted(codes | trace.child_codes),
            "files": sorted(trace.files),
            "modules": sorted(trace.modules),
            "importer": (
                [importer.co_filename, importer.co_firstlineno, importer.co_name]
                if importer is not None
                else None
            ),
        }
    out = {
        "records": records,
        "imported": sorted(imported | set(records)),
        "reads": sorted(recorder.watcher.import_reads),
        "state": state_digests(root),
    }
    sys.stdout.write(_MARK + json.dumps(out))
    sys.stdout.flush()
    os._exit(0)  # no atexit work of the imported project: the parent runs it

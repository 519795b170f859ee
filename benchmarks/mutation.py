"""Mutation self-check: does test selection miss a test whose outcome an edit changes?

On real projects (``benchmarks/_mutation_projects.py``) this applies source edits one
at a time. For each edit: the tree is reset to pristine, the baseline data file (from
``pytest --testmon`` on the pristine tree) is copied back, the edit is applied, then

* ``pytest --testmon`` runs the plugin's selection (which tests ran: ``--junitxml``);
* a full plain run (``pytest -p no:randomly``) tells which outcomes the edit changed,
  against a full plain run of the pristine tree.

A test whose outcome changed but that the selection did not run is *missed*. The same
is measured for pytest-testmon 2.2.0 (``--tool testmon``).

    uv run python -m benchmarks.mutation [--project NAME] [--python 3.12]
        [--tool ripple|testmon|both] [--max-edits N] [--kind KIND] [--seed S]
    uv run python -m benchmarks.mutation --summary   # tables of the stored results

Kinds: ``raise`` (a function now raises), ``compare`` (an operator flipped), ``constant``
and ``class-attr`` (a literal changed), ``comment`` and ``unused-def`` (nothing a test
can observe). The module-level kinds change what a module's import runs or reads:
``class-attr-import`` (a class attribute whose name import-time code reads),
``decorator-arg`` (a literal argument of a decorator call), ``call-arg`` (a literal
argument of a call at module or class level), ``default`` (a literal default argument
of a function defined at import), ``imported-constant`` (a constant another module
imports by name, ``from x import C``), ``conftest-settings`` (a constant or class
attribute of a module a ``conftest.py`` imports). The per-kind table gives, for each
project and over all projects (the mean over all their edits), the mean share of the
suite each tool selected and the tests each missed.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
import tokenize
import xml.etree.ElementTree as ET
from bisect import bisect_left
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Callable, Iterator, Sequence

from benchmarks._mutation_projects import (
    PROJECTS,
    PYTHONS,
    WORK,
    ProjectSpec,
    config_file,
    ensure_venv,
    ripple_digest,
    source_files,
    working_tree,
)

KINDS = (
    "raise",
    "compare",
    "constant",
    "class-attr",
    "comment",
    "unused-def",
    # module-level kinds: what a module's import runs or reads (issue 10)
    "class-attr-import",
    "decorator-arg",
    "call-arg",
    "default",
    "imported-constant",
    "conftest-settings",
)
MODULE_KINDS = KINDS[6:]
TOOLS = ("ripple", "testmon")
FLIP = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_OPS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
PER_TEST_TIMEOUT_S = 60
MEMORY_LIMIT = 6 * 1024**3  # a mutated loop that grows a list must not take the machine
_RANK = {"passed": 0, "skipped": 1, "xfailed": 2, "failed": 3, "error": 4}

Pos = tuple[int, int]  # (1-based line, 0-based character column)


# -- edits ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Edit:
    kind: str
    path: str  # relative to the tree
    line: int
    what: str
    start: Pos
    end: Pos
    text: str  # replaces [start, end)

    def apply(self, source: str) -> str:
        starts = _line_starts(source)
        a, b = _offset(starts, source, self.start), _offset(starts, source, self.end)
        return source[:a] + self.text + source[b:]


def _line_starts(source: str) -> list[int]:
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def _offset(starts: list[int], source: str, pos: Pos) -> int:
    line, col = pos
    return len(source) if line > len(starts) - 1 else starts[line - 1] + col


class Module:
    """A source module parsed once: AST, lines, operator tokens, enclosing names."""

    def __init__(self, path: str, source: str) -> None:
        self.path = path
        self.source = source
        self.lines = source.splitlines(keepends=True)
        self.tree = ast.parse(source)
        self.ops = [
            (tok.start, tok.end, tok.string)
            for tok in tokenize.generate_tokens(io.StringIO(source).readline)
            if tok.type == tokenize.OP
        ]
        self.owner: dict[ast.AST, str] = {}
        self._qualify(self.tree, "")

    def _qualify(self, node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            self.owner[child] = prefix
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self._qualify(child, f"{prefix}.{child.name}" if prefix else child.name)
            else:
                self._qualify(child, prefix)

    def qualname(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> str:
        prefix = self.owner.get(node, "")
        return f"{prefix}.{node.name}" if prefix else node.name

    def col(self, line: int, byte_col: int) -> int:
        """ast counts columns in UTF-8 bytes; edits count characters."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return len(text.encode()[:byte_col].decode(errors="replace"))

    def start(self, node: ast.AST) -> Pos:
        return (node.lineno, self.col(node.lineno, node.col_offset))  # type: ignore[attr-defined]

    def end(self, node: ast.AST) -> Pos:
        line = node.end_lineno or node.lineno  # type: ignore[attr-defined]
        return (line, self.col(line, node.end_col_offset or 0))  # type: ignore[attr-defined]

    def indent(self, line: int) -> str:
        text = self.lines[line - 1]
        return text[: len(text) - len(text.lstrip())]

    def snippet(self, node: ast.AST, limit: int = 40) -> str:
        text = " ".join((ast.get_source_segment(self.source, node) or "").split())
        return text if len(text) <= limit else text[: limit - 3] + "..."

    def functions(self) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                decorators = {_name_of(d) for d in node.decorator_list}
                if "overload" not in decorators and node.body[0].lineno > node.lineno:
                    yield node


def _name_of(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _docstring(body: Sequence[ast.stmt]) -> ast.stmt | None:
    first = body[0] if body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return first
    return None


def _insert(kind: str, mod: Module, line: int, text: str, what: str) -> Edit:
    return Edit(kind, mod.path, line, what, (line, 0), (line, 0), text)


def sites_raise(mod: Module) -> Iterator[Edit]:
    for fn in mod.functions():
        doc = _docstring(fn.body)
        if doc is not None:
            line, indent = (doc.end_lineno or doc.lineno) + 1, mod.indent(doc.lineno)
        else:
            line, indent = fn.body[0].lineno, mod.indent(fn.body[0].lineno)
        text = f"{indent}raise RuntimeError('mutation')\n"
        yield _insert("raise", mod, line, text, f"raise at the start of {mod.qualname(fn)}()")


def sites_comment(mod: Module) -> Iterator[Edit]:
    for fn in mod.functions():
        line = fn.body[0].lineno
        text = f"{mod.indent(line)}# mutation: a comment-only edit\n"
        yield _insert("comment", mod, line, text, f"comment line in {mod.qualname(fn)}()")


def sites_unused_def(mod: Module) -> Iterator[Edit]:
    body = mod.tree.body
    first = 1 if _docstring(body) is not None else 0
    for i, stmt in enumerate(body):
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            first = i + 1
    text = "def _mutation_unused_function():\n    return 42\n\n\n"
    for stmt in body[first:]:
        line = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
        yield _insert("unused-def", mod, line, text, f"new unused function before line {line}")
    end = len(mod.lines) + 1
    tail = "\n\n" + text.rstrip("\n") + "\n"
    yield Edit(
        "unused-def",
        mod.path,
        end,
        "new unused function at the end",
        (end, 0),
        (end, 0),
        tail if mod.source.endswith("\n") else "\n" + tail,
    )


def sites_compare(mod: Module) -> Iterator[Edit]:
    for node in ast.walk(mod.tree):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        for i, op in enumerate(node.ops):
            sym = _OPS.get(type(op))
            if sym is None:
                continue
            token = _op_between(mod, mod.end(operands[i]), mod.start(operands[i + 1]), sym)
            if token is None:
                continue
            where = mod.owner.get(node, "") or "module level"
            what = f"{sym} -> {FLIP[sym]} in `{mod.snippet(node)}` ({where})"
            yield Edit("compare", mod.path, token[0][0], what, token[0], token[1], FLIP[sym])


def _op_between(mod: Module, after: Pos, before: Pos, sym: str) -> tuple[Pos, Pos] | None:
    i = bisect_left(mod.ops, (after,))
    while i < len(mod.ops) and mod.ops[i][0] < before:
        start, end, text = mod.ops[i]
        if text == sym:
            return start, end
        i += 1
    return None


def sites_constant(mod: Module) -> Iterator[Edit]:
    for stmt in mod.tree.body:
        yield from _assignment_edit("constant", mod, stmt, "")


def sites_class_attr(mod: Module) -> Iterator[Edit]:
    for node in ast.walk(mod.tree):
        if isinstance(node, ast.ClassDef):
            for stmt in node.body:
                yield from _assignment_edit("class-attr", mod, stmt, mod.qualname(node) + ".")


def _assignment_edit(kind: str, mod: Module, stmt: ast.stmt, prefix: str) -> Iterator[Edit]:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target, value = stmt.targets[0], stmt.value
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        target, value = stmt.target, stmt.value
    else:
        return
    if not isinstance(target, ast.Name):
        return
    change = _mutate_literal(mod, value)
    if change is not None:
        start, end, text, how = change
        what = f"{prefix}{target.id}: {how}"
        yield Edit(kind, mod.path, stmt.lineno, what, start, end, text)


def _mutate_literal(mod: Module, value: ast.expr) -> tuple[Pos, Pos, str, str] | None:
    """A small change of a literal value: (start, end, replacement, description)."""
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub):
        value = value.operand
    if isinstance(value, ast.Constant):
        new = _changed_constant(value.value)
        if new is None:
            return None
        return mod.start(value), mod.end(value), new, f"{mod.snippet(value)} -> {new}"
    if isinstance(value, (ast.Tuple, ast.List, ast.Set)):
        return _drop_last(mod, value, value.elts)
    if isinstance(value, ast.Dict) and all(k is not None for k in value.keys):
        return _drop_last(mod, value, value.values)
    return None


def _changed_constant(value: object) -> str | None:
    if isinstance(value, bool):
        return repr(not value)
    if isinstance(value, int):
        return repr(value + 1)
    if isinstance(value, float):
        return repr(value * 2 + 1)
    if isinstance(value, str):
        return repr(value + "_mutated" if len(value) < 60 else value[:-1])
    if isinstance(value, bytes):
        return repr(value + b"_mutated")
    return None


def _drop_last(
    mod: Module, node: ast.expr, items: Sequence[ast.expr]
) -> tuple[Pos, Pos, str, str] | None:
    """Remove the last item of a tuple, list, set or dict display."""
    what = f"dropped the last item of `{mod.snippet(node)}`"
    if not items:
        return None
    if len(items) == 1:
        empty = {ast.Tuple: "()", ast.List: "[]", ast.Set: "set()", ast.Dict: "{}"}
        return mod.start(node), mod.end(node), empty[type(node)], what
    text = "," if isinstance(node, ast.Tuple) and len(items) == 2 else ""
    return mod.end(items[-2]), mod.end(items[-1]), text, what


# -- module-level kinds: what runs or is read while a module is imported ----------------
class Sources:
    """Every Python file of the tree, parsed once: what the module-level kinds need to
    know beyond one module (constants other files import by name, attribute names that
    import-time code reads, the modules a ``conftest.py`` imports)."""

    def __init__(self, spec: ProjectSpec, tree: Path, editable: Sequence[Module]) -> None:
        self.pythonpath = spec.pythonpath
        self.editable = {m.path: m for m in editable}
        self.modules: list[Module] = list(editable)
        for path in sorted(tree.rglob("*.py")):
            rel = path.relative_to(tree).as_posix()
            if rel in self.editable or "__pycache__" in path.parts:
                continue
            try:
                self.modules.append(Module(rel, path.read_text(encoding="utf-8")))
            except (SyntaxError, ValueError, UnicodeDecodeError, tokenize.TokenError):
                continue  # a Python 2 script, a template: nothing imports it
        self.by_name = {self.dotted(m.path): m.path for m in editable}
        self.imported_by_name: set[tuple[str, str]] = set()  # (module, name)
        self.attrs_read: set[str] = set()  # ``X.NAME`` read by import-time code
        self.class_reads: set[str] = set()  # names read in a class body
        self.conftest_imports: set[str] = set()  # editable files a conftest.py imports
        for mod in self.modules:
            self._scan(mod)

    def dotted(self, path: str) -> str:
        """The module name of a file (relative to the tree) as it is imported."""
        base = "" if self.pythonpath in ("", ".") else self.pythonpath.rstrip("/") + "/"
        rel = path[len(base) :] if base and path.startswith(base) else path
        parts = rel[: -len(".py")].split("/")
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    def absolute(self, mod: Module, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        parts = self.dotted(mod.path).split(".")
        if not mod.path.endswith("__init__.py"):
            parts = parts[:-1]
        parts = parts[: len(parts) - (node.level - 1)]
        return ".".join(parts + ([node.module] if node.module else []))

    def _scan(self, mod: Module) -> None:
        for node in ast.walk(mod.tree):
            if isinstance(node, ast.ImportFrom):
                base = self.absolute(mod, node)
                self.imported_by_name.update((base, a.name) for a in node.names)
        conftest = mod.path.rsplit("/", 1)[-1] == "conftest.py"
        for role, root, in_class in import_time(mod.tree.body):
            for node in ast.walk(root):
                if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                    self.attrs_read.add(node.attr)
                elif in_class and isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                    self.class_reads.add(node.id)
                elif conftest and role == "code" and isinstance(node, (ast.Import, ast.ImportFrom)):
                    self.conftest_imports.update(self._imported_files(mod, node))

    def _imported_files(self, mod: Module, node: ast.Import | ast.ImportFrom) -> set[str]:
        """The editable modules an import statement names: ``from a import b`` names
        ``a.b`` when that is a module, else ``a``."""
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            base = self.absolute(mod, node)
            names = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in self.by_name else base
                for a in node.names
            ]
        return {self.by_name[n] for n in names if n in self.by_name}


ImportTimeCode = tuple[str, ast.AST, bool]


def import_time(body: Sequence[ast.stmt], in_class: bool = False) -> Iterator[ImportTimeCode]:
    """The code a module (or class) body runs when it is imported: ``(role, node,
    in a class body)`` with role ``decorator``, ``default`` (a default argument value)
    or ``code`` (every other statement, and class bases). Function bodies do not run;
    nor does an ``if __name__ == "__main__":`` block."""
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for deco in stmt.decorator_list:
                yield "decorator", deco, in_class
            for default in [*stmt.args.defaults, *stmt.args.kw_defaults]:
                if default is not None:
                    yield "default", default, in_class
        elif isinstance(stmt, ast.ClassDef):
            for deco in stmt.decorator_list:
                yield "decorator", deco, in_class
            for base in [*stmt.bases, *(k.value for k in stmt.keywords)]:
                yield "code", base, in_class
            yield from import_time(stmt.body, True)
        elif _is_main_guard(stmt):
            continue
        elif isinstance(stmt, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)):
            for field_name in ("test", "iter", "target"):
                part = getattr(stmt, field_name, None)
                if part is not None:
                    yield "code", part, in_class
            for item in getattr(stmt, "items", []):
                yield "code", item, in_class
            yield from import_time([*stmt.body, *getattr(stmt, "orelse", [])], in_class)
        elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            handlers = getattr(stmt, "handlers", [])
            for handler in handlers:
                if handler.type is not None:
                    yield "code", handler.type, in_class
            parts = [*getattr(stmt, "body", []), *getattr(stmt, "orelse", [])]
            parts += [*getattr(stmt, "finalbody", [])]
            parts += [s for h in handlers for s in h.body]
            yield from import_time(parts, in_class)
        else:
            yield "code", stmt, in_class


def _is_main_guard(stmt: ast.stmt) -> bool:
    if not isinstance(stmt, ast.If) or not isinstance(stmt.test, ast.Compare):
        return False
    sides = [stmt.test.left, *stmt.test.comparators]
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
        isinstance(s, ast.Constant) and s.value == "__main__" for s in sides
    )


def _calls(root: ast.AST) -> Iterator[ast.Call]:
    """Calls that run when ``root`` runs: not those inside a lambda."""
    todo = [root]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Call):
            yield node
        todo.extend(ast.iter_child_nodes(node))


def _argument_edits(kind: str, mod: Module, call: ast.Call, where: str) -> Iterator[Edit]:
    """One edit per literal argument of a call."""
    args: list[tuple[str, ast.expr]] = [(f"argument {i + 1}", a) for i, a in enumerate(call.args)]
    args += [(f"{k.arg}=", k.value) for k in call.keywords if k.arg is not None]
    for label, arg in args:
        change = _mutate_literal(mod, arg)
        if change is not None:
            start, end, text, how = change
            func = _name_of(call.func) or mod.snippet(call.func, 30)
            what = f"{label} of `{func}(...)` {where}: {how}"
            yield Edit(kind, mod.path, arg.lineno, what, start, end, text)


def sites_decorator_arg(mod: Module, src: Sources) -> Iterator[Edit]:
    for role, node, _ in import_time(mod.tree.body):
        if role == "decorator" and isinstance(node, ast.Call):
            where = f"(decorating {mod.owner[node]})"
            yield from _argument_edits("decorator-arg", mod, node, where)


def sites_call_arg(mod: Module, src: Sources) -> Iterator[Edit]:
    for role, root, in_class in import_time(mod.tree.body):
        if role == "code":
            for call in _calls(root):
                where = f"(class body of {mod.owner[root]})" if in_class else "(module level)"
                yield from _argument_edits("call-arg", mod, call, where)


def sites_default(mod: Module, src: Sources) -> Iterator[Edit]:
    for role, node, _ in import_time(mod.tree.body):
        if role == "default" and isinstance(node, ast.expr):
            change = _mutate_literal(mod, node)
            if change is not None:
                start, end, text, how = change
                what = f"default in the signature of {mod.owner[node] or '?'}(): {how}"
                yield Edit("default", mod.path, node.lineno, what, start, end, text)


def sites_class_attr_import(mod: Module, src: Sources) -> Iterator[Edit]:
    """Class attributes whose name import-time code reads (``Base.SIZE // 2`` in a
    subclass, ``{cls.LABEL: cls for cls in ...}`` at module level)."""
    for role, stmt, in_class in import_time(mod.tree.body):
        if not in_class or role != "code" or not isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            continue
        target = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target
        name = target.id if isinstance(target, ast.Name) else ""
        if name in src.attrs_read or name in src.class_reads:
            yield from _assignment_edit("class-attr-import", mod, stmt, mod.owner[stmt] + ".")


def sites_imported_constant(mod: Module, src: Sources) -> Iterator[Edit]:
    """Module constants another module imports by name (``from x import C``)."""
    module = src.dotted(mod.path)
    for stmt in mod.tree.body:
        for edit in _assignment_edit("imported-constant", mod, stmt, ""):
            if (module, edit.what.split(":", 1)[0]) in src.imported_by_name:
                yield edit


def sites_conftest_settings(mod: Module, src: Sources) -> Iterator[Edit]:
    """Constants and class attributes of a module a ``conftest.py`` imports at import
    time (``config.from_object(settings.Testing)``)."""
    if mod.path not in src.conftest_imports:
        return
    for role, stmt, in_class in import_time(mod.tree.body):
        if role == "code" and isinstance(stmt, ast.stmt):
            prefix = mod.owner[stmt] + "." if in_class else ""
            yield from _assignment_edit("conftest-settings", mod, stmt, prefix)


def _local(finder: Callable[[Module], Iterator[Edit]]) -> Finder:
    """A finder that needs no more than the module."""
    return lambda mod, src: finder(mod)


Finder = Callable[[Module, Sources], Iterator[Edit]]
FINDERS: dict[str, Finder] = {
    "raise": _local(sites_raise),
    "compare": _local(sites_compare),
    "constant": _local(sites_constant),
    "class-attr": _local(sites_class_attr),
    "comment": _local(sites_comment),
    "unused-def": _local(sites_unused_def),
    "class-attr-import": sites_class_attr_import,
    "decorator-arg": sites_decorator_arg,
    "call-arg": sites_call_arg,
    "default": sites_default,
    "imported-constant": sites_imported_constant,
    "conftest-settings": sites_conftest_settings,
}
assert tuple(FINDERS) == KINDS


def pick_edits(
    spec: ProjectSpec, tree: Path, per_kind: int, seed: int, kinds: Sequence[str] = KINDS
) -> list[Edit]:
    """``per_kind`` edits of every kind: a seeded shuffle of all sites, first that parse."""
    modules = [Module(p, (tree / p).read_text(encoding="utf-8")) for p in source_files(spec, tree)]
    src = Sources(spec, tree, modules)
    picked: list[Edit] = []
    for kind in [k for k in KINDS if k in kinds]:
        sites = sorted(
            (e for m in modules for e in FINDERS[kind](m, src)),
            key=lambda e: (e.path, e.start, e.end, e.text),
        )
        random.Random(f"{seed}/{spec.name}/{kind}").shuffle(sites)
        sources = {m.path: m.source for m in modules}
        picked += [e for e in sites if _parses(e.apply(sources[e.path]))][:per_kind]
    return picked


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


# -- pytest runs ------------------------------------------------------------------------
@dataclass
class RunResult:
    outcomes: dict[str, str]  # "classname::name" -> passed/failed/error/skipped/xfailed
    error_modules: list[str]  # dotted names with collection errors
    crashed: bool  # no usable report (pytest could not start, or the run timed out)
    rc: int
    seconds: float


class Runner:
    """Runs pytest in a working tree with one of the venvs."""

    def __init__(self, spec: ProjectSpec, tree: Path, logs: Path, timeout_s: float) -> None:
        self.spec = spec
        self.tree = tree
        self.logs = logs
        self.timeout_s = timeout_s
        self.config = config_file(tree)
        logs.mkdir(parents=True, exist_ok=True)

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PYTEST_", "TESTMON_", "COVERAGE_"))
            and k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONSTARTUP")
        }
        env["PYTHONPATH"] = str((self.tree / self.spec.pythonpath).resolve())
        env["PYTHONDONTWRITEBYTECODE"] = "1"  # a stale .pyc must never run an old edit
        env["PYTHONHASHSEED"] = "0"
        return env

    def run(self, python: Path, args: Sequence[str], tag: str) -> RunResult:
        """A run with ``--testmon`` keeps pytest's cache (pytest-testmon needs the
        cacheprovider): it is saved and restored with the data file."""
        if "--testmon" not in args:
            args = ["-p", "no:cacheprovider", *args]
        junit = self.logs / f"{tag}.xml"
        junit.unlink(missing_ok=True)
        cmd = [
            str(python),
            "-m",
            "pytest",
            "-c",
            str(self.config),
            "--rootdir",
            str(self.tree),
            "-p",
            "no:randomly",
            "--continue-on-collection-errors",
            "-q",
            f"--timeout={PER_TEST_TIMEOUT_S}",
            f"--junitxml={junit}",
            *self.spec.pytest_args,
            *args,
        ]
        started = time.monotonic()
        with open(self.logs / f"{tag}.log", "w") as log:
            log.write(" ".join(cmd) + "\n")
            log.flush()
            rc = _run_limited(cmd, self.tree, self.env(), log, self.timeout_s)
        seconds = time.monotonic() - started
        outcomes, errors = parse_junit(junit)
        crashed = rc < 0 or not junit.exists() or (rc not in (0, 1, 5) and not outcomes)
        return RunResult(outcomes, errors, crashed, rc, seconds)


def _run_limited(
    cmd: list[str], cwd: Path, env: dict[str, str], log: IO[str], timeout_s: float
) -> int:
    """The exit code, or -1 on a time-out (the whole process group is ended)."""

    def limit() -> None:
        os.setsid()
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        preexec_fn=limit,
    )
    try:
        return proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait()
        return -1


def parse_junit(path: Path) -> tuple[dict[str, str], list[str]]:
    if not path.exists():
        return {}, []
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return {}, []
    outcomes: dict[str, str] = {}
    errors: list[str] = []
    for case in root.iter("testcase"):
        classname, name = case.get("classname", ""), case.get("name", "")
        outcome = _outcome(case)
        if not classname and outcome == "error":
            errors.append(name)  # a module that failed to import
            continue
        key = f"{classname}::{name}"
        old = outcomes.get(key)
        if old is None or _RANK[outcome] > _RANK[old]:
            outcomes[key] = outcome
    return outcomes, errors


def _outcome(case: ET.Element) -> str:
    if case.find("error") is not None:
        return "error"
    if case.find("failure") is not None:
        return "failed"
    skipped = case.find("skipped")
    if skipped is not None:
        return "xfailed" if skipped.get("type") == "pytest.xfail" else "skipped"
    return "passed"


def in_modules(key: str, modules: Sequence[str]) -> bool:
    classname = key.split("::", 1)[0]
    return any(classname == m or classname.startswith(m + ".") for m in modules)


# -- one project ------------------------------------------------------------------------
@dataclass
class ToolEdit:
    selected: int
    missed: list[str]
    seconds: float
    crashed: bool = False


@dataclass
class EditResult:
    kind: str
    path: str
    line: int
    what: str
    changed: list[str]  # "test: before -> after"
    vanished: int  # tests gone without a collection error (parametrize data changed)
    full_seconds: float
    tools: dict[str, ToolEdit] = field(default_factory=dict)


@dataclass
class ProjectResult:
    project: str
    python: str
    suite: int
    pristine_failing: list[str]
    baseline_seconds: dict[str, float]
    noop_selected: dict[str, int]
    edits: list[EditResult] = field(default_factory=list)
    ripple: str = ""  # the pytest-ripple measured: commit and source digest
    seed: int = 0
    per_kind: int = 0
    kinds: list[str] = field(default_factory=lambda: list(KINDS))
    finished: str = ""


class Checker:
    def __init__(self, spec: ProjectSpec, version: str, tools: Sequence[str]) -> None:
        self.spec = spec
        self.version = version
        self.tools = list(tools)
        self.tree = working_tree(spec, version)
        self.pythons = {f: ensure_venv(version, f) for f in ("plain", *self.tools)}
        self.ripple = ripple_version() if "ripple" in self.tools else ""  # as installed
        self.logs = WORK / "logs" / f"{spec.dirname}-py{version}"
        shutil.rmtree(self.logs, ignore_errors=True)
        self.runner = Runner(spec, self.tree, self.logs, timeout_s=600)
        self.baselines = WORK / "baselines" / f"{spec.dirname}-py{version}"
        self.pristine: RunResult | None = None

    def prepare(self) -> ProjectResult:
        pristine = self.runner.run(self.pythons["plain"], [], "pristine-full")
        if pristine.crashed or not pristine.outcomes:
            raise SystemExit(
                f"{self.spec.name}: the pristine suite did not run "
                f"(see {self.logs / 'pristine-full.log'})"
            )
        self.pristine = pristine
        # a floor for a loaded machine: a run with hundreds of tracebacks is slow
        self.runner.timeout_s = max(600.0, 20 * pristine.seconds)
        failing = sorted(k for k, v in pristine.outcomes.items() if v in ("failed", "error"))
        result = ProjectResult(
            self.spec.name, self.version, len(pristine.outcomes), failing, {}, {}
        )
        for tool in self.tools:
            self._clear_data()
            base = self.runner.run(self.pythons[tool], ["--testmon"], f"baseline-{tool}")
            if base.crashed:
                raise SystemExit(f"{tool}: the baseline run failed (see {self.logs})")
            self._save_data(tool)
            result.baseline_seconds[tool] = round(base.seconds, 2)
            self._restore_data(tool)
            noop = self.runner.run(self.pythons[tool], ["--testmon"], f"noop-{tool}")
            result.noop_selected[tool] = len(noop.outcomes)
        return result

    def check(self, edit: Edit, index: int) -> EditResult:
        assert self.pristine is not None
        target = self.tree / edit.path
        original = target.read_text(encoding="utf-8")
        try:
            target.write_text(edit.apply(original), encoding="utf-8")
            full = self.runner.run(self.pythons["plain"], [], f"{index:03d}-full")
            changed, vanished = changed_tests(self.pristine, full)
            result = EditResult(
                edit.kind,
                edit.path,
                edit.line,
                edit.what,
                [f"{k}: {a} -> {b}" for k, (a, b) in sorted(changed.items())],
                vanished,
                round(full.seconds, 2),
            )
            for tool in self.tools:
                self._restore_data(tool)
                run = self.runner.run(self.pythons[tool], ["--testmon"], f"{index:03d}-{tool}")
                result.tools[tool] = self._judge(run, changed)
        finally:
            shutil.copy2(pristine_path(self.spec, edit.path), target)  # content and mtime
        return result

    def _judge(self, run: RunResult, changed: dict[str, tuple[str, str]]) -> ToolEdit:
        assert self.pristine is not None
        if run.crashed:  # the user sees a broken run: nothing is silently skipped
            return ToolEdit(len(self.pristine.outcomes), [], round(run.seconds, 2), True)
        ran = set(run.outcomes)
        ran |= {k for k in self.pristine.outcomes if in_modules(k, run.error_modules)}
        selected = len(ran & set(self.pristine.outcomes))
        missed = sorted(k for k in changed if k not in ran)
        return ToolEdit(selected, missed, round(run.seconds, 2))

    def _data_files(self) -> list[Path]:
        """The plugin's data, and pytest's cache (its last-failed list)."""
        return sorted([*self.tree.glob(".testmondata*"), *self.tree.glob(".pytest_cache")])

    def _clear_data(self) -> None:
        for path in self._data_files():
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()

    def _save_data(self, tool: str) -> None:
        folder = self.baselines / tool
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for path in self._data_files():
            _copy(path, folder / path.name)

    def _restore_data(self, tool: str) -> None:
        self._clear_data()
        for path in sorted((self.baselines / tool).iterdir()):
            _copy(path, self.tree / path.name)


def _copy(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copy2(source, target)


def pristine_path(spec: ProjectSpec, rel: str) -> Path:
    return WORK / "pristine" / spec.dirname / rel


def changed_tests(pristine: RunResult, full: RunResult) -> tuple[dict[str, tuple[str, str]], int]:
    """Tests whose outcome the edit changed ({test: (before, after)}), and how many
    tests vanished without a collection error."""
    if full.crashed:
        return {k: (v, "crashed") for k, v in pristine.outcomes.items()}, 0
    changed: dict[str, tuple[str, str]] = {}
    vanished = 0
    for key, before in pristine.outcomes.items():
        after = full.outcomes.get(key)
        if after is None:
            if in_modules(key, full.error_modules):
                changed[key] = (before, "collection error")
            else:
                vanished += 1
        elif after != before:
            changed[key] = (before, after)
    for key, after in full.outcomes.items():
        if key not in pristine.outcomes and after in ("failed", "error"):
            changed[key] = ("new", after)
    return changed, vanished


# -- reporting --------------------------------------------------------------------------
def edit_line(i: int, n: int, r: EditResult) -> str:
    parts = [f"[{i}/{n}] {r.kind:<10} {r.path}:{r.line} {r.what}", f"    changed {len(r.changed)}"]
    for tool, t in r.tools.items():
        flag = " (run broke: all counted as run)" if t.crashed else ""
        parts[-1] += f" | {tool}: selected {t.selected}, missed {len(t.missed)}{flag}"
    for tool, t in r.tools.items():
        if t.missed:
            parts.append(f"    MISSED by {tool}: {describe_missed(r, t.missed)}")
    return "\n".join(parts)


SHOWN_MISSES = 3


def describe_missed(r: EditResult, missed: Sequence[str]) -> str:
    """``N tests (how their outcome changed): the first few``."""
    after = {c.split(": ", 1)[0]: c.rsplit(" -> ", 1)[1] for c in r.changed}
    kinds = sorted(set(after.get(m, "?") for m in missed))
    shown = ", ".join(missed[:SHOWN_MISSES])
    more = f" and {len(missed) - SHOWN_MISSES} more" if len(missed) > SHOWN_MISSES else ""
    return f"{len(missed)} tests (now {' / '.join(kinds)}): {shown}{more}"


def summary_rows(res: ProjectResult) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    tools = sorted({t for e in res.edits for t in e.tools})
    for tool in tools:
        edits = [e for e in res.edits if tool in e.tools]
        shares = [e.tools[tool].selected / res.suite for e in edits]
        quiet = [e.tools[tool].selected for e in edits if e.kind in ("comment", "unused-def")]
        rows.append(
            {
                "project": res.project,
                "python": res.python,
                "tool": tool,
                "suite": res.suite,
                "edits": len(edits),
                "edits changing outcomes": sum(1 for e in edits if e.changed),
                "missed": sum(len(e.tools[tool].missed) for e in edits),
                "edits with a miss": sum(1 for e in edits if e.tools[tool].missed),
                "mean share selected": f"{100 * sum(shares) / max(1, len(shares)):.1f}%",
                "selected on comment/unused edits": sum(quiet),
                "no-change run selected": res.noop_selected.get(tool, ""),
            }
        )
    return rows


def markdown_table(rows: list[dict[str, object]]) -> str:
    if not rows:
        return "(no results)"
    heads = list(rows[0])
    out = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    out += ["| " + " | ".join(str(r[h]) for h in heads) + " |" for r in rows]
    return "\n".join(out)


def results_path(
    spec: ProjectSpec, version: str, tools: Sequence[str], kinds: Sequence[str] = KINDS
) -> Path:
    part = "" if set(kinds) == set(KINDS) else "-" + "+".join(k for k in KINDS if k in kinds)
    return WORK / "results" / f"{spec.dirname}-py{version}-{'+'.join(tools)}{part}.json"


def ripple_version() -> str:
    proc = subprocess.run(
        ["git", "-C", str(WORK.parent.parent.parent), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
    )
    return f"{proc.stdout.strip() or 'unknown'} (source {ripple_digest()})"


def load_results() -> list[ProjectResult]:
    out: list[ProjectResult] = []
    for path in sorted((WORK / "results").glob("*.json")):
        doc = json.loads(path.read_text())
        doc.setdefault("kinds", list(KINDS[: KINDS.index("unused-def") + 1]))  # before issue 10
        edits = []
        for e in doc.pop("edits"):
            tools = {k: ToolEdit(**v) for k, v in e.pop("tools").items()}
            edits.append(EditResult(**e, tools=tools))
        out.append(ProjectResult(**doc, edits=edits))
    return out


def newest_rows(results: Sequence[ProjectResult]) -> list[dict[str, object]]:
    """Summary rows, one per project, interpreter and tool: the newest result of
    those with the most kinds."""
    rows: dict[tuple[object, ...], tuple[tuple[int, str], dict[str, object]]] = {}
    for res in results:
        rank = (len(res.kinds), res.finished)
        for row in summary_rows(res):
            key = (row["project"], row["python"], row["tool"])
            if key not in rows or rows[key][0] <= rank:
                rows[key] = (rank, row)
    return [row for _, row in sorted(rows.values(), key=lambda r: _row_key(r[1]))]


def _row_key(row: dict[str, object]) -> tuple[str, ...]:
    return (str(row["project"]), str(row["python"]), str(row["tool"]))


def newest_results(results: Sequence[ProjectResult]) -> list[ProjectResult]:
    """The newest result of each project and interpreter, of those with the most
    tools and kinds."""
    best: dict[tuple[str, str], ProjectResult] = {}
    for res in results:
        key = (res.project, res.python)
        old = best.get(key)
        if old is None or _rank(old) <= _rank(res):
            best[key] = res
    return [best[k] for k in sorted(best)]


def _rank(res: ProjectResult) -> tuple[int, int, str]:
    return (len(_tools_of(res)), len(res.kinds), res.finished)


def _tools_of(res: ProjectResult) -> list[str]:
    return sorted({t for e in res.edits for t in e.tools}, key=TOOLS.index)


@dataclass
class Tally:
    """Edits of one kind (or group of kinds) on one project (or all): per tool, the
    tests missed and the share of the suite each edit selected."""

    edits: int = 0
    missed: dict[str, int] = field(default_factory=dict)
    shares: dict[str, list[float]] = field(default_factory=dict)
    # the shares counting the tests a tool missed as selected: what it would have had
    # to run to be safe (a tool that deselects the tests an edit broke selects less)
    safe: dict[str, list[float]] = field(default_factory=dict)

    def add(self, res: ProjectResult, e: EditResult) -> None:
        self.edits += 1
        for tool, t in e.tools.items():
            self.missed[tool] = self.missed.get(tool, 0) + len(t.missed)
            self.shares.setdefault(tool, []).append(t.selected / res.suite)
            self.safe.setdefault(tool, []).append((t.selected + len(t.missed)) / res.suite)

    def mean(self, tool: str, safe: bool = False) -> float | None:
        shares = (self.safe if safe else self.shares).get(tool)
        return sum(shares) / len(shares) if shares else None

    def cell(self, tools: Sequence[str]) -> str:
        if not self.edits:
            return "no sites"
        means = " / ".join(_pct(self.mean(t)) for t in tools)
        missed = "/".join(str(self.missed.get(t, 0)) for t in tools)
        return f"{means} [{missed}] ({self.edits})"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


ALL = "all projects"


def kind_tables(results: Sequence[ProjectResult]) -> str:
    """Per interpreter, a table of kinds by project: mean share of the suite selected
    by each tool, tests missed by each, number of edits; then the issue-10 criteria."""
    newest = newest_results(results)
    out: list[str] = []
    for python in sorted({r.python for r in newest}):
        group = [r for r in newest if r.python == python]
        tools = [t for t in TOOLS if any(t in _tools_of(r) for r in group)]
        tallies = _tallies(group)
        projects = [r.project for r in group]
        out.append(
            f"Python {python}: mean share of the suite selected, {' / '.join(tools)}; "
            f"[tests missed, {'/'.join(tools)}]; (edits)"
        )
        out.append("")
        heads = ["kind", *projects, ALL]
        out.append("| " + " | ".join(heads) + " |")
        out.append("|" + "---|" * len(heads))
        for kind in [*KINDS, "all kinds", "module-level kinds"]:
            cells = [tallies[(kind, p)].cell(tools) for p in [*projects, ALL]]
            out.append(f"| {kind} | " + " | ".join(cells) + " |")
        out.append("")
        out += criteria(tallies, projects, tools)
        out.append("")
    return "\n".join(out).rstrip() or "(no results)"


def _tallies(group: Sequence[ProjectResult]) -> dict[tuple[str, str], Tally]:
    tallies: dict[tuple[str, str], Tally] = {}
    for res in group:
        for project in (res.project, ALL):
            for kind in [*KINDS, "all kinds", "module-level kinds"]:
                tallies.setdefault((kind, project), Tally())
        for e in res.edits:
            kinds = [e.kind, "all kinds"] + (
                ["module-level kinds"] if e.kind in MODULE_KINDS else []
            )
            for kind in kinds:
                for project in (res.project, ALL):
                    tallies[(kind, project)].add(res, e)
    return tallies


def criteria(
    tallies: dict[tuple[str, str], Tally], projects: Sequence[str], tools: Sequence[str]
) -> list[str]:
    """Issue 10's "Done when", as far as one interpreter's results tell."""
    missed = tallies[("all kinds", ALL)].missed.get("ripple")
    if missed is None:
        return []
    lines = [f"- ripple missed tests: {missed} ({'met' if missed == 0 else 'NOT MET'})"]
    if "testmon" not in tools:
        return lines
    for project in projects:
        t = tallies[("all kinds", project)]
        ours, theirs = t.mean("ripple"), t.mean("testmon")
        if ours is not None and theirs is not None:
            ok = "met" if ours <= theirs else "NOT MET"
            lines.append(
                f"- {project}, all kinds: ripple {_pct(ours)} <= testmon {_pct(theirs)} ({ok})"
                + _safe_note(t)
            )
    t = tallies[("module-level kinds", ALL)]
    ours, theirs = t.mean("ripple"), t.mean("testmon")
    if ours is not None and theirs is not None:
        ok = "met" if ours <= theirs / 2 else "NOT MET"
        lines.append(
            f"- module-level kinds, all projects ({t.edits} edits): ripple {_pct(ours)} <= "
            f"half of testmon {_pct(theirs)} ({ok})" + _safe_note(t)
        )
    return lines


def _safe_note(t: Tally) -> str:
    """testmon's mean with the tests it missed counted as selected, when it missed some."""
    if not t.missed.get("testmon"):
        return ""
    return f"; with the tests it missed counted as run, testmon {_pct(t.mean('testmon', True))}"


def misses_report(results: Sequence[ProjectResult]) -> str:
    """One line per edit and tool that missed tests."""
    lines = []
    for res in results:
        for e in res.edits:
            for tool, t in sorted(e.tools.items()):
                if t.missed:
                    lines.append(
                        f"- {tool}, {res.project}, py{res.python}: {e.kind} "
                        f"{e.path}:{e.line} ({e.what}) missed {describe_missed(e, t.missed)}"
                    )
    return "\n".join(lines) or "(no missed tests)"


# -- main -------------------------------------------------------------------------------
def run_project(
    spec: ProjectSpec,
    version: str,
    tools: Sequence[str],
    per_kind: int,
    seed: int,
    kinds: Sequence[str] = KINDS,
) -> ProjectResult:
    started = time.monotonic()
    checker = Checker(spec, version, tools)
    result = checker.prepare()
    result.ripple, result.seed, result.per_kind = checker.ripple, seed, per_kind
    result.kinds = [k for k in KINDS if k in kinds]
    edits = pick_edits(spec, checker.tree, per_kind, seed, kinds)
    print(
        f"== {spec.requirement} on Python {version}: {result.suite} tests, "
        f"{len(result.pristine_failing)} failing on the pristine tree, {len(edits)} edits; "
        f"no-change run selected {result.noop_selected}",
        flush=True,
    )
    for i, edit in enumerate(edits, 1):
        r = checker.check(edit, i)
        result.edits.append(r)
        print(edit_line(i, len(edits), r), flush=True)
    result.finished = time.strftime("%Y-%m-%d %H:%M:%S")
    path = results_path(spec, version, tools, kinds)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(result), indent=1))
    print(
        f"   {spec.name} py{version} done in {time.monotonic() - started:.0f} s "
        f"({path.relative_to(WORK.parent.parent.parent)})",
        flush=True,
    )
    return result


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.mutation",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--project",
        action="append",
        choices=sorted(PROJECTS),
        help="a project to check (repeatable; default: all but more-itertools and marshmallow)",
    )
    p.add_argument(
        "--python",
        action="append",
        choices=PYTHONS,
        help="interpreter version (repeatable; default: all)",
    )
    p.add_argument("--tool", choices=("ripple", "testmon", "both"), default="ripple")
    p.add_argument(
        "--max-edits",
        type=int,
        default=5,
        metavar="N",
        help="edits of each kind per project (default 5)",
    )
    p.add_argument(
        "--kind",
        action="append",
        choices=KINDS,
        help="an edit kind to check (repeatable; default: all; results of a subset are "
        "stored apart and the tables prefer a run of every kind)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--summary", action="store_true", help="print the tables of the stored results and exit"
    )
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.summary:
        results = load_results()
    else:
        tools = TOOLS if args.tool == "both" else (args.tool,)
        results = [
            run_project(
                PROJECTS[name], version, tools, args.max_edits, args.seed, args.kind or KINDS
            )
            for name in args.project or sorted(n for n, p in PROJECTS.items() if p.default)
            for version in args.python or PYTHONS
        ]
    print()
    print(markdown_table(newest_rows(results)))
    print()
    print(kind_tables(results))
    print()
    print(misses_report(newest_results(results)))
    ours = (e.tools.get("ripple") for r in results for e in r.edits)
    return 1 if any(t is not None and t.missed for t in ours) else 0


if __name__ == "__main__":
    sys.exit(main())

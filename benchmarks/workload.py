"""What the harness runs: a pristine test-suite tree, and the one-function edit made to it."""

from __future__ import annotations

import ast
import shutil
from dataclasses import dataclass
from pathlib import Path

# The statement inserted into the edited function: it changes the function's code (so
# every tool must see a change) and not what the function returns (so no test fails).
EDIT_LINE = "_benchmark_edit = 1"


@dataclass(frozen=True)
class Edit:
    path: str  # relative to the tree, POSIX separators
    function: str  # "func" or "Class.method"


@dataclass(frozen=True)
class Workload:
    name: str  # a short label for the tables
    kind: str  # "synthetic" or "real"
    shape: str  # "regular", "param", "calls" (synthetic) or "real": which targets apply
    tree: Path  # the pristine tree; never run in place (each tool gets its own copy)
    edit: Edit
    pytest_args: tuple[str, ...] = ()  # for every run of every tool
    # The 40,000-parametrized case: the -k expression naming the one affected test,
    # whose plain `pytest -k` run is the baseline of the edited re-run.
    k_expr: str | None = None
    big: bool = False  # the 100k suite: one interpreter only (see run.BIG_PYTHONS)
    first_once: bool = False  # a first run costs minutes: measured once per tool
    note: str = ""


def apply_edit(tree: Path, edit: Edit) -> str:
    """Insert :data:`EDIT_LINE` at the top of the function body; return the old text."""
    path = tree / edit.path
    text = path.read_text(encoding="utf-8")
    node = _find_function(ast.parse(text), edit.function)
    if node is None:
        raise ValueError(f"{edit.path}: no function {edit.function}")
    lines = text.splitlines(keepends=True)
    first = node.body[0]
    if first.lineno == node.lineno:
        raise ValueError(f"{edit.path}: {edit.function} is a one-line def; pick another")
    indent = lines[first.lineno - 1][: first.col_offset]
    # After a docstring, so that the docstring stays the docstring.
    at = first.end_lineno if _is_docstring(first) and first.end_lineno else first.lineno - 1
    lines.insert(at, f"{indent}{EDIT_LINE}\n")
    path.write_text("".join(lines), encoding="utf-8")
    return text


def revert_edit(tree: Path, edit: Edit, original: str) -> None:
    (tree / edit.path).write_text(original, encoding="utf-8")


def _find_function(module: ast.Module, qualname: str) -> ast.FunctionDef | None:
    scope: list[ast.stmt] = module.body
    *outer, name = qualname.split(".")
    for part in outer:
        found = [n for n in scope if isinstance(n, ast.ClassDef) and n.name == part]
        if not found:
            return None
        scope = found[0].body
    for n in scope:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name:
            return n  # type: ignore[return-value]
    return None


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def copy_tree(source: Path, dest: Path) -> None:
    """A fresh copy; copy2 keeps mtimes, so bytecode compiled in the pristine tree stays
    valid and no tool pays for compiling what another tool did not."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(".pytest_cache", ".testmondata*"))

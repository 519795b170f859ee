"""The tests on disk that the data file does not know yet, and the known tests that no
longer exist: what ``pytest --collect-only`` would find, from the files alone.

pytest's collection rules, for what a fingerprint can show: files matching
``python_files`` under the paths given (or ``testpaths``, or the current directory),
not in ``norecursedirs`` nor in a virtualenv; in them, the names matching
``python_functions`` at module level and in classes matching ``python_classes``. A
parametrized new test is named by its function (``tests/test_x.py::test_p``, which
pytest also accepts as an argument): its ids are known after collection only.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path

from pytest_ripple.changes import read_state
from pytest_ripple.decision import Decision
from pytest_ripple.fingerprint import CLASS, Fingerprint
from pytest_ripple.locate import Project
from pytest_ripple.paths import matches_name
from pytest_ripple.store import Store


@dataclass
class Scope:
    """What a run collects: files and directories (``dir/``, ``""`` for all) and node
    id prefixes, relative to the rootdir."""

    prefixes: list[str] = field(default_factory=lambda: [""])

    def holds(self, nodeid: str) -> bool:
        for p in self.prefixes:
            if p == "" or (p.endswith("/") and nodeid.startswith(p)):
                return True
            if nodeid == p or nodeid.startswith((p + "::", p + "[")):
                return True
        return False


def scope_of(project: Project, args: list[str]) -> Scope:
    """pytest's arguments: those given, else ``testpaths`` (from the rootdir), else the
    current directory. Raises ValueError for a path that does not exist."""
    if not args:
        if project.testpaths and project.invocation_dir == project.rootdir:
            found = []
            for pattern in project.testpaths:
                found += sorted(str(p) for p in project.rootdir.glob(pattern)) or []
            args = found or ["."]
        else:
            args = ["."]
    prefixes = []
    for arg in args:
        path_part, sep, rest = arg.partition("::")
        full = (project.invocation_dir / path_part).resolve()
        if not full.exists():
            raise ValueError(f"file or directory not found: {arg}")
        try:
            rel = full.relative_to(project.rootdir).as_posix()
        except ValueError:
            raise ValueError(f"{arg} is outside the rootdir {project.rootdir}") from None
        rel = "" if rel == "." else rel
        if full.is_dir():
            prefixes.append(rel + "/" if rel else "")
        else:
            prefixes.append(rel + sep + rest)
    return Scope(prefixes)


def test_names(fp: Fingerprint, funcs: list[str], classes: list[str]) -> set[str] | None:
    """``name`` and ``Class::name`` of the tests in a parsed file; None if it did not
    parse (pytest reports a collection error)."""
    if not fp.parsed:
        return None
    names = set()
    for (scope, name), binding in fp.bindings.items():
        if binding.kind == CLASS or not matches_name(name, funcs):
            continue
        parts = scope.split(".") if scope else []
        if all(matches_name(part, classes) for part in parts):
            names.add("::".join([*parts, name]))
    return names


def _opaque_classes(fp: Fingerprint) -> set[str]:
    """Classes with bases or decorators: their tests may come from elsewhere, and a
    unittest.TestCase subclass is collected whatever its name."""
    return {
        name for (scope, name), b in fp.bindings.items() if not scope and b.kind == CLASS and b.deps
    }


@dataclass
class OnDisk:
    new: list[str] = field(default_factory=list)  # node ids pytest would add
    gone: set[str] = field(default_factory=set)  # known node ids it would not find


def scan(project: Project, store: Store, decision: Decision, scope: Scope) -> OnDisk:
    """New and vanished tests of the test files in scope."""
    out = OnDisk()
    plan = decision.plan
    known = plan.test_files() if plan is not None else {}
    changed = plan.changes.changed if plan is not None else {}
    for rel in _test_files(project, scope):
        if rel in decision.skip:
            continue  # unchanged, every test known (decide() checked)
        entry = changed.get(rel)
        nodeids = known.get(rel, [])
        row = store.file(rel) if entry is None and nodeids else None
        if entry is not None:
            fp = entry[1].fp
        elif row is not None:  # unchanged since stored: its stored fingerprint is the file's
            fp = row.fingerprint(blocks=False)
        else:
            fp = read_state(project.rootdir, rel).fp
        found = compare(project, fp, nodeids)
        if found is not None:
            out.new += [f"{rel}::{name}" for name in found[0]]
            out.gone |= found[1]
    out.gone |= vanished_files(project, known)
    out.new = [n for n in out.new if scope.holds(n)]
    return out


def compare(
    project: Project, fp: Fingerprint | None, nodeids: list[str]
) -> tuple[list[str], set[str]] | None:
    """(names of tests the file defines that are not known, known node ids it no longer
    defines); None when the file cannot tell (gone, or it does not parse)."""
    classes = project.python_classes
    names = test_names(fp, project.python_functions, classes) if fp is not None else None
    if names is None or fp is None:
        return None
    bases = {_base(n) for n in nodeids}
    opaque = _opaque_classes(fp)
    gone = {n for n in nodeids if _base(n) not in names and _base(n).split("::")[0] not in opaque}
    return sorted(names - bases), gone


def vanished_files(project: Project, known: dict[str, list[str]]) -> set[str]:
    """Known tests whose test file is gone."""
    out: set[str] = set()
    for rel, nodeids in known.items():
        if not (project.rootdir / rel).is_file():
            out.update(nodeids)
    return out


def _base(nodeid: str) -> str:
    """``Class::name`` of ``path::Class::name[param]``."""
    return nodeid.split("::", 1)[1].split("[", 1)[0] if "::" in nodeid else ""


def _test_files(project: Project, scope: Scope) -> list[str]:
    """The test files pytest would collect in scope, relative to the rootdir."""
    patterns = project.python_files
    skip_dirs = project.norecursedirs
    found: set[str] = set()
    for prefix in scope.prefixes:
        path = prefix.split("::", 1)[0].split("[", 1)[0]
        full = project.rootdir / path
        if full.is_file():
            found.add(path)  # a file given by name is collected whatever its name
            continue
        for dirpath, dirnames, filenames in os.walk(full):
            base = Path(dirpath)
            dirnames[:] = [
                d
                for d in dirnames
                if d != "__pycache__"
                and not any(fnmatch.fnmatch(d, pat) for pat in skip_dirs)
                and not (base / d / "pyvenv.cfg").exists()
            ]
            for name in filenames:
                if name.endswith(".py") and any(fnmatch.fnmatch(name, p) for p in patterns):
                    found.add((base / name).relative_to(project.rootdir).as_posix())
    return sorted(found)

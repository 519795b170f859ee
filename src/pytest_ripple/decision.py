"""The decision of one run, made in one place: which tests are affected and why, which
to deselect, which test files need not be imported. A pure step over what the store
holds and what is on disk; the roles in :mod:`selecting` apply it."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Sequence

from pytest_ripple import environment, reasons, selection
from pytest_ripple.changes import Changes, detect
from pytest_ripple.fingerprint import CLASS, IMPORT, NAMES_VERSION, PURE_BASE_MODULES, Fingerprint
from pytest_ripple.paths import in_scope, matches_name
from pytest_ripple.store import FileRow, Store


@dataclass
class EnvState:
    """The environment as this run found it, to be written with the first results."""

    python: str
    signature: str
    packages: dict[str, str]


@dataclass
class Decision:
    plan: selection.Plan | None = None  # None: no data (or, on an xdist worker, not here)
    affected: dict[str, str] = field(default_factory=dict)  # nodeid -> why
    deselect: set[str] = field(default_factory=set)  # known tests not affected
    skip: dict[str, list[str]] = field(default_factory=dict)  # file not imported -> its tests
    known_conftests: set[str] | None = None  # None: nothing known, nothing is new
    env_id: int = 0
    env_write: EnvState | None = None
    config_digest: str | None = None  # to write: the stored one differs or is missing
    names_version: str | None = None  # to write: the fingerprints were read again
    notes: list[str] = field(default_factory=list)  # header lines
    # recorded durations, to balance --testmon-shard (filled only when sharding)
    durations: dict[str, float] = field(default_factory=dict)
    # the data file's rows as the decision read them (this process only, never sent)
    files: dict[str, FileRow] = field(default_factory=dict, repr=False)

    @property
    def known(self) -> dict[str, Any]:
        return self.plan.known if self.plan is not None else {}

    @property
    def new_data(self) -> bool:
        """No data yet for this environment: every test is new."""
        return self.plan is None or self.env_id == 0

    def reason(self, nodeid: str) -> str:
        if nodeid in self.affected:
            return self.affected[nodeid]
        return reasons.NEW_TEST

    # -- the xdist hand-off --------------------------------------------------------
    def to_doc(self) -> dict[str, Any]:
        return {
            "deselect": sorted(self.deselect),
            "skip": self.skip,
            "affected": self.affected,
            "conftests": sorted(self.known_conftests or ()),
            "durations": self.durations,
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Decision:
        return cls(
            deselect=set(doc["deselect"]),
            skip=dict(doc["skip"]),
            affected=dict(doc["affected"]),
            known_conftests=set(doc["conftests"]),
            durations=dict(doc.get("durations", {})),
        )


@dataclass
class Inputs:
    """What the decision needs from pytest's configuration."""

    rootdir: Path
    env_name: str
    select: bool
    inipath: Path | None
    lastfailed: Iterable[str] = ()
    python_functions: Sequence[str] = ("test",)
    python_classes: Sequence[str] = ("Test",)


def decide(store: Store, inputs: Inputs) -> Decision:
    env = _check_environment(store, inputs)
    decision = Decision(env_id=env.env_id, env_write=env.write, notes=env.notes)
    config_digest = environment.pytest_config_digest(inputs.inipath)
    stored_digest = store.config_digest()
    everything = None
    if stored_digest is not None and stored_digest != config_digest:
        everything = reasons.step(_config_change(inputs), "every test")
    if stored_digest != config_digest:
        decision.config_digest = config_digest
    files = store.files()
    refresh = store.names_version() != str(NAMES_VERSION)
    if refresh:
        decision.names_version = str(NAMES_VERSION)
    changes = detect(inputs.rootdir, files, refresh=refresh) if files else Changes()
    plan = selection.compute(
        store,
        changes,
        files,
        env.env_id,
        everything=everything,
        env_everything=env.everything,
        packages=env.packages,
    )
    decision.plan = plan
    decision.files = files
    decision.known_conftests = {p for p in files if PurePosixPath(p).name == "conftest.py"}
    decision.affected = dict(plan.affected)
    for nodeid in inputs.lastfailed:
        if nodeid in plan.known and nodeid not in decision.affected:
            decision.affected[nodeid] = reasons.FAILED_PYTEST_CACHE
    # what selection would leave out: applied only when selecting, counted always
    decision.deselect = {n for n in plan.known if n not in decision.affected}
    if inputs.select:
        decision.skip = _files_not_to_import(plan, decision.deselect, files, inputs)
    return decision


def _config_change(inputs: Inputs) -> str:
    """The pytest configuration file whose pytest section changed."""
    if inputs.inipath is None:
        return "pytest configuration changed"
    try:
        name = inputs.inipath.relative_to(inputs.rootdir).as_posix()
    except ValueError:
        name = str(inputs.inipath)
    return reasons.changed(name)


@dataclass
class _EnvCheck:
    env_id: int
    write: EnvState | None = None
    everything: str | None = None  # a reason that affects every test of the environment
    packages: dict[str, str] = field(default_factory=dict)  # top-level name -> why
    notes: list[str] = field(default_factory=list)


def _check_environment(store: Store, inputs: Inputs) -> _EnvCheck:
    """Installed distributions against those recorded: an upgrade affects the tests
    that ran the distribution's code; an install or removal, every test."""
    python = environment.python_tag()
    env_id, signature, packages = store.env(inputs.env_name, python)
    check = _EnvCheck(env_id)
    new_sig = environment.site_signature(inputs.rootdir)
    if env_id and new_sig == signature:
        return check
    new_packages = environment.installed_packages(inputs.rootdir)
    check.write = EnvState(python, new_sig, new_packages)
    if not env_id or new_packages == packages:
        return check
    moved = environment.package_changes(packages, new_packages)
    shown = ", ".join(moved[:3]) + (f" and {len(moved) - 3} more" if len(moved) > 3 else "")
    check.notes.append(f"testmon: installed packages changed: {shown}")
    upgraded = {n for n in new_packages if packages.get(n, new_packages[n]) != new_packages[n]}
    tops = environment.top_level_names(upgraded)
    for dist in sorted(upgraded):
        for top in tops.get(dist, ()):
            why = reasons.package(dist, packages[dist], new_packages[dist])
            check.packages.setdefault(top, why)
    # installed or removed, or nothing importable known: code that tried the import
    # (try/except ImportError) may now take another path
    if set(new_packages) != set(packages) or any(not tops.get(d) for d in upgraded):
        check.everything = reasons.step(f"installed packages changed ({shown})", "every test")
    return check


def _files_not_to_import(
    plan: selection.Plan, deselect: set[str], files: dict[str, FileRow], inputs: Inputs
) -> dict[str, list[str]]:
    """Test files none of whose tests is affected, whose bytes did not change, and
    whose known tests are all the tests they define."""
    skip: dict[str, list[str]] = {}
    changed_paths = set(plan.changes.changed)
    scopes = plan.import_scopes  # an import error must show in these
    for path, nodeids in plan.test_files().items():
        if path in changed_paths or path not in files:
            continue
        if any(in_scope(path, prefix) for prefix in scopes):
            continue
        if all(n in deselect for n in nodeids) and knows_every_test(
            files.get(path), nodeids, inputs.python_functions, inputs.python_classes
        ):
            skip[path] = nodeids
    return skip


def knows_every_test(
    row: FileRow | None, nodeids: list[str], funcs: Sequence[str], classes: Sequence[str]
) -> bool:
    """Whether these known tests are all the tests the file defines (pytest's naming
    rules over its stored fingerprint). A run that ran some of them only (a node id,
    -k, an interruption) leaves the others unknown: such a file must be imported."""
    stored = Fingerprint.names(row.fp_blob) if row is not None and row.fp_blob else None
    if stored is None:
        return False
    bindings, effects, imports = stored
    if _may_bind_unseen(bindings, effects, imports):
        return False
    known = {n.split("::", 1)[1].split("[", 1)[0] for n in nodeids if "::" in n}
    lineage = _Lineage(bindings)
    for scope, name, kind, _, deps, *_ in bindings:
        if name == "__test__" or (scope and kind == CLASS and deps):
            # collected whatever its name; a nested class with bases or decorators
            return False
        if scope == "" and kind == CLASS:
            found = lineage.of(name)
            if found is None:
                return False  # a base, decorator or hook may bring tests from elsewhere
            is_unittest, scopes = found
            if not (is_unittest or matches_name(name, classes)):
                continue
            for member in (m for s in scopes for m, _ in lineage.members.get(s, ())):
                if _test_like(member, funcs) and f"{name}::{member}" not in known:
                    return False
            continue
        if scope in lineage.top and lineage.top[scope][2] == CLASS:
            continue  # a member of a module-level class: checked with its class
        if matches_name(name, funcs):
            path = scope.split(".") if scope else []
            if (
                all(matches_name(part, classes) for part in path)
                and "::".join([*path, name]) not in known
            ):
                return False
    # a statement that binds a test's name where no binding shows it (in a ``with``)
    return not any(
        matches_name(n, funcs) or matches_name(n, classes) for e in effects for n in e[3]
    )


# names whose use may bind names no binding row shows: ``exec("def test_x(): ...")``,
# ``globals().update(...)``, ``setattr(TestX, "test_y", f)``
_BINDS_UNSEEN = frozenset(
    {"exec", "eval", "compile", "globals", "locals", "vars", "setattr", "__dict__", "modules"}
)


def _may_bind_unseen(
    bindings: list[list[Any]], effects: list[list[Any]], imports: list[str] | None
) -> bool:
    """Whether a statement of the module or of a class body may bind names that no
    binding row shows: a star import (at module level, an effect that reads nothing
    but the parts of an imported module's name, or nothing at all: ``from . import
    *``), ``exec``, ``globals()``, ``setattr``, or a statement that reads a class of
    the module (``TestX.test_y = f``, ``add_tests(TestX)``)."""
    parts = None if imports is None else {p for m in imports for p in m.split(".") if p}
    classes = {row[1] for row in bindings if row[0] == "" and row[2] == CLASS}
    for scope, _, uses, binds, *_ in effects:
        if not _BINDS_UNSEEN.isdisjoint(uses) or not classes.isdisjoint(uses):
            return True
        if scope == "" and not binds and (parts is None or set(uses) <= parts):
            return True
    return False


def _test_like(name: str, funcs: Sequence[str]) -> bool:
    # unittest collects its own prefix; a plain test class, pytest's python_functions
    return name.startswith("test") or matches_name(name, funcs)


# base names that make a class a unittest.TestCase and bring no test of their own
_UNITTEST_BASES = frozenset({"TestCase", "IsolatedAsyncioTestCase"})
# modules whose classes may be bases of a test class and bring no test
_NO_TESTS_MODULES = frozenset(PURE_BASE_MODULES)


def _source_modules(source: str) -> set[str]:
    """The top-level modules an import binding (``Binding.source``) comes from."""
    return {part.split(" ")[1].split(".")[0] for part in source.split("; ") if " " in part}


class _Lineage:
    """Where the tests of a file's classes come from, as far as the file alone says.
    Only a class whose bases are unittest's test cases, builtins, classes of modules
    that hold no tests (``abc``, ``typing``...) or known classes of the same file has a
    known set of test methods: its own and those it inherits here. Call only for a
    file without effects (nothing rebinds a base unseen)."""

    def __init__(self, bindings: list[list[Any]]) -> None:
        self.top = {row[1]: row for row in bindings if row[0] == ""}
        self.members: dict[str, list[tuple[str, str]]] = {}  # class scope -> (name, kind)
        for row in bindings:
            if row[0]:
                self.members.setdefault(row[0], []).append((row[1], row[2]))
        self._memo: dict[str, tuple[bool, list[str]] | None] = {}

    def of(self, name: str, seen: frozenset[str] = frozenset()) -> tuple[bool, list[str]] | None:
        """(whether unittest collects it, the class scopes whose members it has), or
        None when its tests may come from elsewhere."""
        if name in self._memo:
            return self._memo[name]
        row = self.top[name]
        deps, decorated = row[4], row[5] if len(row) > 5 else True
        out: tuple[bool, list[str]] | None = (False, [name])
        if decorated or name in seen:
            out = None  # a class decorator may add methods
        elif deps:
            out = self._from_bases(name, deps, seen)
        self._memo[name] = out
        return out

    def _from_bases(
        self, name: str, deps: list[str], seen: frozenset[str]
    ) -> tuple[bool, list[str]] | None:
        is_unittest, scopes = False, [name]
        for dep in deps:
            bound = self.top.get(dep)
            if bound is None:
                # an attribute (``unittest.TestCase``) or a builtin; a class keyword
                # (``metaclass=``) is neither
                if dep in _UNITTEST_BASES:
                    is_unittest = True
                elif not hasattr(builtins, dep):
                    return None
            elif bound[2] == IMPORT:
                modules = _source_modules((bound[8:9] or [""])[0])
                if modules == {"unittest"}:
                    is_unittest = True  # whatever name it has here (``import ... as``)
                elif not modules or not modules <= _NO_TESTS_MODULES:
                    return None
            elif bound[2] == CLASS and dep != name:
                inherited = self.of(dep, seen | {name})
                if inherited is None:
                    return None
                for scope in inherited[1]:
                    for member, kind in self.members.get(scope, ()):
                        if kind == CLASS or member == "__init_subclass__":
                            # an inherited nested class; a hook run as this class is made
                            return None
                is_unittest = is_unittest or inherited[0]
                scopes += inherited[1]
            else:
                return None
        return is_unittest, scopes

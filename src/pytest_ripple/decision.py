"""The decision of one run, made in one place: which tests are affected and why, which
to deselect, which test files need not be imported. A pure step over what the store
holds and what is on disk; the roles in :mod:`selecting` apply it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Sequence

from pytest_ripple import environment, reasons, selection
from pytest_ripple.changes import Changes, detect
from pytest_ripple.fingerprint import CLASS, IMPORT, Fingerprint
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
    changes = detect(inputs.rootdir, files) if files else Changes()
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
    bindings, effects = stored
    known = {n.split("::", 1)[1].split("[", 1)[0] for n in nodeids if "::" in n}
    classes_here = _Lineage(bindings, effects)
    for scope, name, kind, *_ in bindings:
        if scope == "" and kind == CLASS:
            lineage = classes_here.of(name)
            if lineage is None:
                return False  # a base or decorator may bring tests from elsewhere
            is_unittest, scopes = lineage
            if not (is_unittest or matches_name(name, classes)):
                continue
            for member in (m for s in scopes for m in classes_here.members.get(s, ())):
                if _test_like(member, funcs) and f"{name}::{member}" not in known:
                    return False
            continue
        if scope in classes_here.top and classes_here.top[scope][2] == CLASS:
            continue  # a member of a module-level class: checked with its class
        if matches_name(name, funcs):
            path = scope.split(".") if scope else []
            if (
                all(matches_name(part, classes) for part in path)
                and "::".join([*path, name]) not in known
            ):
                return False
    return not any(
        matches_name(n, funcs) or matches_name(n, classes) for e in effects for n in e[3]
    )


def _test_like(name: str, funcs: Sequence[str]) -> bool:
    # unittest collects its own prefix; a plain test class, pytest's python_functions
    return name.startswith("test") or matches_name(name, funcs)


# base names that make a class a unittest.TestCase and bring no test of their own
_UNITTEST_BASES = frozenset({"TestCase", "IsolatedAsyncioTestCase"})


def _from_unittest(source: str) -> bool:
    """Whether an import binding (``Binding.source``) comes from unittest only."""
    return bool(source) and all(
        part.split(" ")[1].split(".")[0] == "unittest" for part in source.split("; ")
    )


class _Lineage:
    """Where the tests of a file's classes come from, as far as the file alone says:
    only a class whose bases are unittest's test cases, ``object`` or classes of the
    same file has a known set of test methods (its own and those it inherits here)."""

    def __init__(self, bindings: list[list[Any]], effects: list[list[Any]]) -> None:
        self.top = {row[1]: row for row in bindings if row[0] == ""}
        self.members: dict[str, list[str]] = {}
        for row in bindings:
            if row[0]:
                self.members.setdefault(row[0], []).append(row[1])
        # a module-level statement that binds no name it shows (``from m import *``,
        # ``globals().update(...)``) may rebind a base: no base is then trusted
        self.opaque = any(e[0] == "" for e in effects)
        self._memo: dict[str, tuple[bool, list[str]] | None] = {}

    def of(self, name: str, seen: frozenset[str] = frozenset()) -> tuple[bool, list[str]] | None:
        """(whether unittest collects it, the class scopes whose members it has), or
        None when its tests may come from elsewhere."""
        if name in self._memo:
            return self._memo[name]
        row = self.top[name]
        deps, decorated = row[4], row[5] if len(row) > 5 else True
        bases = row[7] if len(row) > 7 else "?"
        out: tuple[bool, list[str]] | None = (False, [name])
        if decorated:
            out = None  # a class decorator may add methods
        elif deps and bases:  # "" when every base is a builtin, typing, abc... class
            out = None if self.opaque or name in seen else self._from_bases(name, deps, seen)
        self._memo[name] = out
        return out

    def _from_bases(
        self, name: str, deps: list[str], seen: frozenset[str]
    ) -> tuple[bool, list[str]] | None:
        is_unittest, scopes = False, [name]
        for dep in deps:
            bound = self.top.get(dep)
            if bound is None:
                # an attribute (``unittest.TestCase``) or a builtin
                if dep in _UNITTEST_BASES:
                    is_unittest = True
                elif dep != "object":
                    return None
            elif bound[2] == IMPORT and _from_unittest((bound[8:9] or [""])[0]):
                is_unittest = True  # whatever name it has here (``import ... as``)
            elif bound[2] == CLASS and dep != name:
                inherited = self.of(dep, seen | {name})
                if inherited is None:
                    return None
                is_unittest = is_unittest or inherited[0]
                scopes += inherited[1]
            else:
                return None
        return is_unittest, scopes

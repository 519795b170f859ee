"""What ``pytest-ripple`` answers, as data: from the data file and the working tree,
without starting pytest. :mod:`cli` prints it.

``affected`` makes the decision a ``pytest --testmon --collect-only`` run would make
(:func:`decision.decide` over the same inputs), then adds what collection would add:
tests on disk the data does not know (new), minus known tests that no longer exist.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_ripple import environment, reasons
from pytest_ripple.changes import GLOB, PACKAGE, Changes, FileState, read_state
from pytest_ripple.decision import Decision, Inputs, decide
from pytest_ripple.errors import DataFileError, DataFileUnavailable, SchemaError
from pytest_ripple.fingerprint import MODULE, READ, WHOLE, FileChange
from pytest_ripple.locate import Project
from pytest_ripple.ondisk import compare, scan, scope_of
from pytest_ripple.paths import Conftests, conftest_dir, test_path
from pytest_ripple.selection import compute
from pytest_ripple.store import (
    FAILED,
    PASSED,
    SCHEMA_VERSION,
    SKIPPED,
    EnvRow,
    Maintenance,
    Queries,
    RunTotals,
    Store,
)
from pytest_ripple.summary import changes_doc, document

OUTCOMES = {PASSED: "passed", FAILED: "failed", SKIPPED: "skipped"}


class Failure(Exception):
    """A lookup that found nothing to answer with (exit status 1)."""


def open_store(project: Project) -> Store:
    """The data file, read as it is: never created, converted or rebuilt."""
    path = project.datafile
    if not path.exists():
        raise Failure(f"no data file at {path}: run pytest --testmon to make one")
    if path.is_dir():
        raise Failure(f"{path} is a directory, not a data file")
    store = Store(path, create=False)
    try:
        store.open()
    except SchemaError as exc:
        store.close()
        raise Failure(
            exc.explain(
                path,
                SCHEMA_VERSION,
                newer="upgrade pytest-ripple",
                older="the next pytest --testmon run rebuilds it",
            )
        ) from None
    except (DataFileError, DataFileUnavailable) as exc:
        store.close()
        raise Failure(f"{path} cannot be used: {exc}") from None
    return store


def decide_now(project: Project, store: Store) -> Decision:
    """The decision a ``pytest --testmon`` run would make now."""
    inputs = Inputs(
        rootdir=project.rootdir,
        env_name=project.env,
        select=True,
        inipath=project.inipath,
        lastfailed=project.lastfailed(),
        python_functions=project.python_functions,
        python_classes=project.python_classes,
    )
    return decide(store, inputs)


# -- affected ------------------------------------------------------------------------


@dataclass
class Affected:
    tests: dict[str, str]  # nodeid -> why, sorted by node id
    changed: list[str]  # files changed since the data was written
    collected: int  # tests in scope: known ones that still exist, and new ones
    new_data: bool  # no data for this environment: every test is new
    notes: list[str] = field(default_factory=list)


def affected(
    project: Project, store: Store, args: list[str], decision: Decision | None = None
) -> Affected:
    decision = decision if decision is not None else decide_now(project, store)
    try:
        scope = scope_of(project, args)
    except ValueError as exc:
        raise Failure(str(exc)) from None
    disk = scan(project, store, decision, scope)
    conftests = Conftests(project.rootdir)
    found: dict[str, str] = {}
    collected = len(disk.new)
    for nodeid in decision.known:
        if nodeid in disk.gone or not scope.holds(nodeid):
            continue
        collected += 1
        why = decision.affected.get(nodeid)
        news = conftests.new_above(test_path(nodeid), decision.known_conftests) if not why else []
        if news:
            why = reasons.step(reasons.added(news[0]), reasons.scope(conftest_dir(news[0]) or ""))
        if why is not None:
            found[nodeid] = why
    for nodeid in disk.new:
        found[nodeid] = reasons.NEW_TEST
    plan = decision.plan
    return Affected(
        tests=dict(sorted(found.items())),
        changed=plan.changes.paths if plan is not None else [],
        collected=collected,
        new_data=decision.new_data,
        notes=[n.removeprefix("testmon: ") for n in decision.notes],
    )


# -- why -----------------------------------------------------------------------------


@dataclass
class Why:
    nodeid: str
    env: str
    python: str
    outcome: str
    duration: float
    affected: str | None  # why it would run now; None: it would not
    functions: dict[str, list[str]]  # file -> functions and methods it ran
    import_time: list[str]  # modules whose import-time code it ran
    files_read: list[str]
    packages: list[str]  # installed distributions (top-level names) whose code it ran
    markers: list[str]


def find_test(project: Project, known: list[str], query: str) -> str:
    """The node id meant: exact, relative to the current directory, or a unique end
    (``test_add``, ``test_calc.py::test_add``)."""
    if query in known:
        return query
    rel = _relative(project, query.split("::", 1)[0])
    if rel is not None and "::" in query:
        candidate = rel + "::" + query.split("::", 1)[1]
        if candidate in known:
            return candidate
    ends = [n for n in known if n.endswith("::" + query) or n.endswith("/" + query)]
    if len(ends) == 1:
        return ends[0]
    if len(ends) > 1:
        shown = "\n  ".join(ends[:10]) + ("\n  ..." if len(ends) > 10 else "")
        raise Failure(f"{len(ends)} tests match {query}; give one:\n  {shown}")
    import difflib

    short = query.rsplit("::", 1)[-1]
    near = (
        difflib.get_close_matches(query, known, n=3, cutoff=0.6)
        or [
            n
            for n in known
            if n.rsplit("::", 1)[-1]
            in difflib.get_close_matches(
                short, [k.rsplit("::", 1)[-1] for k in known], n=3, cutoff=0.6
            )
        ][:3]
    )
    hint = "; did you mean " + " or ".join(near) + "?" if near else ""
    raise Failure(
        f"no test {query} in {project.datafile} (environment {project.env}, "
        f"{environment.python_tag()}){hint}"
    )


def why(project: Project, store: Store, query: str) -> Why:
    decision = decide_now(project, store)
    known = decision.known
    nodeid = find_test(project, list(known), query)
    row = known[nodeid]
    out = Why(
        nodeid,
        project.env,
        environment.python_tag(),
        OUTCOMES.get(row.outcome, "?"),
        row.duration,
        decision.affected.get(nodeid),
        {},
        [],
        [],
        [],
        [],
    )
    for path, block in Queries(store).deps_of(row.depset_id):
        if path.startswith(PACKAGE):
            out.packages.append(path[len(PACKAGE) :])
        elif path.startswith(GLOB):
            out.markers.append(f'testmon_depends("{path[len(GLOB) :]}")')
        elif block == MODULE:
            out.import_time.append(path)
        elif block in (READ, WHOLE):
            out.files_read.append(path)
        else:
            out.functions.setdefault(path, []).append(block)
    if row.pending == reasons.ALWAYS:
        out.markers.append("testmon_always")
    out.packages = _distributions(store, project.env, out.packages)
    return out


def _distributions(store: Store, env: str, tops: list[str]) -> list[str]:
    """Installed code a test ran, by distribution and the version it ran with."""
    versions = store.env(env, environment.python_tag())[2]
    dists = environment.distributions_of(set(tops))
    named = {dists.get(top, top) for top in tops}
    return sorted(f"{d} {versions[d]}" if d in versions else d for d in named)


# -- tests-for -----------------------------------------------------------------------


@dataclass
class Covering:
    target: str  # path or path::qualname
    kind: str  # "file", "function" or "name"
    tests: list[tuple[str, str, float, str]]  # (nodeid, outcome, duration, how)


def tests_for(project: Project, store: Store, target: str) -> Covering:
    path_part, _, qual = target.partition("::")
    rel = _relative(project, path_part)
    files = store.files()
    if rel is None or rel not in files:
        raise Failure(f"no test depends on {path_part} (it is not in {project.datafile})")
    env_id = store.env(project.env, environment.python_tag())[0]
    queries = Queries(store)
    blocks = queries.deps_in_file(rel)
    if qual:
        picked = {
            b: i for b, i in blocks.items() if b == qual or b.startswith((qual + ".", qual + "#"))
        }
    else:
        picked = blocks
    if picked:
        hits = queries.tests_with(set(picked.values()))
        how = "ran it" if qual else "ran or read it"
        tests = [(n, OUTCOMES.get(o, "?"), d, how) for e, n, o, d in hits if e == env_id]
        return Covering(target, "function" if qual else "file", tests)
    fp = files[rel].fingerprint()
    scope, _, name = qual.rpartition(".")
    if fp is None or (scope, name) not in fp.bindings:
        funcs = ", ".join(sorted(b for b in blocks if not b.startswith("<"))) or "none"
        raise Failure(f"no test ran or reads {rel}::{qual}; the functions tests ran there: {funcs}")
    return Covering(target, "name", _readers(store, env_id, rel, (scope, name)))


def _readers(
    store: Store, env_id: int, rel: str, binding: tuple[str, str]
) -> list[tuple[str, str, float, str]]:
    """The tests a change to this module-level name would select: code they ran reads
    it (followed through imports and import-time statements, as a run follows it)."""
    files = store.files()
    row = files[rel]
    changes = Changes()
    state = FileState(rel, row.mtime_ns, row.size, row.fingerprint())
    changes.changed[rel] = (row, state, FileChange(bindings={binding}))
    plan = compute(store, changes, files, env_id)
    out = []
    for env, nodeid, why in sorted(plan.pending, key=lambda p: p[1]):
        test = plan.known.get(nodeid)
        if env == env_id and test is not None:
            how = reasons.for_test(nodeid, why).split(reasons.ARROW, 1)[-1]
            out.append((nodeid, OUTCOMES.get(test.outcome, "?"), test.duration, how))
    return out


def _relative(project: Project, path: str) -> str | None:
    """A path typed on the command line, as the data file keys it (rootdir-relative)."""
    full = Path(os.path.abspath(project.invocation_dir / path))
    try:
        rel = full.relative_to(project.rootdir).as_posix()
    except ValueError:
        return None
    return rel


# -- stats ---------------------------------------------------------------------------


@dataclass
class Stats:
    datafile: str
    size: int  # bytes, with the write-ahead log
    files: int
    depsets: int
    envs: list[EnvRow]
    env: str  # this run's environment, "name python"
    runs: RunTotals
    slowest: list[tuple[str, float]]


def stats(project: Project, store: Store, slowest: int = 10) -> Stats:
    queries = Queries(store)
    python = environment.python_tag()
    env_id = store.env(project.env, python)[0]
    files, depsets = queries.counts()
    return Stats(
        datafile=str(project.datafile),
        size=_size(project.datafile),
        files=files,
        depsets=depsets,
        envs=queries.envs(),
        env=f"{project.env} {python}",
        runs=queries.run_totals(),
        slowest=queries.slowest(env_id, slowest) if env_id else [],
    )


def _size(path: Path) -> int:
    total = 0
    for suffix in ("", "-wal"):
        try:
            total += os.path.getsize(str(path) + suffix)
        except OSError:
            pass
    return total


# -- gc ------------------------------------------------------------------------------


@dataclass
class Collected:
    files: list[str]  # forgotten
    tests: int  # forgotten, over every environment
    size_before: int
    size_after: int


def gc(project: Project, store: Store) -> Collected:
    """Forget files that no longer exist and tests no longer defined, then compact."""
    files = store.files()
    gone_files = [
        p
        for p in files
        if not p.startswith((PACKAGE, GLOB)) and not (project.rootdir / p).is_file()
    ]
    by_file: dict[str, list[tuple[int, str]]] = {}
    for env_id, nodeid in store.all_tests():
        by_file.setdefault(test_path(nodeid), []).append((env_id, nodeid))
    gone_tests: list[tuple[int, str]] = []
    for rel, pairs in by_file.items():
        if not (project.rootdir / rel).is_file():
            gone_tests += pairs
            continue
        found = compare(project, read_state(project.rootdir, rel).fp, [n for _, n in pairs])
        if found is not None:
            gone_tests += [(e, n) for e, n in pairs if n in found[1]]
    pending = _dependents(store, gone_files, set(gone_tests))
    before = _size(project.datafile)
    maintenance = Maintenance(store)
    with store.db.transaction():
        store.mark_pending(pending)  # as a run would: what depended on them runs next
        maintenance.forget(gone_files, gone_tests)
    maintenance.vacuum()
    store.close()
    return Collected(sorted(gone_files), len(gone_tests), before, _size(project.datafile))


def _dependents(
    store: Store, paths: list[str], forgotten: set[tuple[int, str]]
) -> list[tuple[int, str, str]]:
    """(env, nodeid, why) of the tests that depended on these vanished files: a run
    that saw them go would select those tests; forgetting them must not lose that."""
    queries = Queries(store)
    out = []
    for path in paths:
        dep_ids = set(queries.deps_in_file(path).values())
        if dep_ids:
            for env, nodeid, _, _ in queries.tests_with(dep_ids):
                if (env, nodeid) not in forgotten:
                    out.append((env, nodeid, reasons.removed(path)))
    return out


# -- report (from the data file) ---------------------------------------------------------


def summary(project: Project, store: Store) -> dict[str, Any]:
    """What the next ``pytest --testmon`` run would select, as a report document
    (:mod:`summary`): ``pytest-ripple report`` without a summary file."""
    decision = decide_now(project, store)
    found = affected(project, store, [], decision)
    known = decision.known
    selected = sum(known[n].duration for n in found.tests if n in known)
    deselected = sum(row.duration for n, row in known.items() if n not in found.tests)
    plan = decision.plan
    return document(
        source="data file",
        environment={"name": project.env, "python": environment.python_tag()},
        engine="",
        mode="what the next run selects",
        shard=None,
        changes=changes_doc(plan.changes if plan is not None else None),
        counts={
            "collected": found.collected,
            "affected": len(found.tests),
            "selected": len(found.tests),
            "deselected": found.collected - len(found.tests),
            "left_out": 0,
            "other_shards": 0,
        },
        tests=[(n, why, None, None) for n, why in found.tests.items()],
        time={"selected": selected, "deselected": deselected, "other_shards": 0.0},
        exit_status=None,
    )

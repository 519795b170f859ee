"""The summary of a run as one JSON document (``--testmon-report PATH``), or of what the
next run would select (``pytest-ripple report`` without a summary: from the data file).
:mod:`render` turns either into Markdown or HTML. No pytest import: the command line
builds one too.

The document (``"schema": "pytest-ripple-report/1"``)::

    source        "run" or "data file"
    created       ISO 8601, UTC
    environment   {"name", "python"}
    engine, mode  the tracking engine; "select + record", "dry run", ...
    shard         "K/N" or null
    changes       {"files": [path], "names": {path: [function or name]}}
    counts        {"collected", "affected", "selected", "deselected", "left_out",
                   "other_shards"}
    tests         [{"nodeid", "reason", "outcome", "duration"}]: the selected tests
                  (outcome and duration null when they did not run)
    by_change     {change: [nodeid]}: what each change selected
    time          {"selected": seconds the selected tests took (or are expected to),
                   "deselected": the recorded time of the tests deselected (saved),
                   "other_shards": the recorded time of those left to other shards}
    exit_status   pytest's, or null
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from pytest_ripple import __version__, reasons
from pytest_ripple.fingerprint import FileChange

if TYPE_CHECKING:
    from pytest_ripple.changes import Changes

SCHEMA = "pytest-ripple-report/1"
KEYS = (
    "schema",
    "version",
    "source",
    "created",
    "environment",
    "engine",
    "mode",
    "shard",
    "changes",
    "counts",
    "tests",
    "by_change",
    "time",
    "exit_status",
)


def changed_names(change: FileChange) -> list[str]:
    """The functions and module-level names an edit touched, as a reader names them."""
    names = set(change.blocks)
    names.update(f"{scope}.{name}" if scope else name for scope, name in change.bindings)
    return sorted(names)


def changes_doc(changes: Changes | None) -> dict[str, Any]:
    if changes is None:
        return {"files": [], "names": {}}
    found = changes.changed
    return {
        "files": sorted(found),
        "names": {path: changed_names(ch) for path, (_, _, ch) in sorted(found.items())},
    }


def by_change(tests: Mapping[str, str]) -> dict[str, list[str]]:
    """{the change a reason starts from: the tests it selected}, most tests first."""
    groups: dict[str, list[str]] = {}
    for nodeid, why in sorted(tests.items()):
        groups.setdefault(reasons.origin(why), []).append(nodeid)
    return dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def document(
    *,
    source: str,
    environment: Mapping[str, str],
    engine: str,
    mode: str,
    shard: str | None,
    changes: dict[str, Any],
    counts: Mapping[str, int],
    tests: Iterable[tuple[str, str, str | None, float | None]],  # nodeid, why, outcome, s
    time: Mapping[str, float],
    exit_status: int | None,
) -> dict[str, Any]:
    listed = sorted(tests, key=lambda t: t[0])
    rows = [
        {"nodeid": n, "reason": why, "outcome": outcome, "duration": duration}
        for n, why, outcome, duration in listed
    ]
    created = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return {
        "schema": SCHEMA,
        "version": __version__,
        "source": source,
        "created": created.isoformat(),
        "environment": dict(environment),
        "engine": engine,
        "mode": mode,
        "shard": shard,
        "changes": changes,
        "counts": dict(counts),
        "tests": rows,
        "by_change": by_change({n: why for n, why, _, _ in listed}),
        "time": {k: round(v, 3) for k, v in time.items()},
        "exit_status": exit_status,
    }


def check(doc: Any) -> dict[str, Any]:
    """A summary read back (``pytest-ripple report FILE``): ValueError if it is not one."""
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise ValueError(f'not a pytest-ripple report (no "schema": "{SCHEMA}")')
    missing = [k for k in KEYS if k not in doc]
    if missing:
        raise ValueError(f"a pytest-ripple report without {', '.join(missing)}")
    return doc

"""``pytest-ripple merge OUT IN [IN...]``: one data file from the data files of parallel
jobs (shards of one commit, or jobs on other machines or commits).

The rules, in order:

- **Environments stay apart**: tests, import records and run history are keyed by
  (environment name, interpreter), never mixed.
- **A test takes the result of the input that ran it most recently** (``test.ran``). A
  shard that only left a test pending (another shard ran it) kept the time of the run
  before: the other shard's result wins. On a tie the safer row wins: pending, then
  failed.
- **A file's content** is taken from the input that recorded most recently. Where an
  input recorded another content (a job on another commit), its tests are judged as a
  run would judge that edit (:func:`selection.compute` over that input): the ones the
  difference can reach are pending. The same for installed packages and the pytest
  configuration: a test recorded under others is pending.
- **Everything else is a union**: files read at import, start-up functions, marks
  left for other environments, the run history (rows the inputs share, from the data
  file they all started from, count once).

Bad inputs (missing, damaged, foreign, another schema version) and an OUT that is one
of the inputs stop the merge before anything is written. The output is written to a
temporary file next to OUT and renamed over it: OUT is either the old file or the
complete new one. The same inputs give the same file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from pytest_ripple.changes import PACKAGE, Changes, FileState
from pytest_ripple.errors import DataFileError, DataFileUnavailable, SchemaError
from pytest_ripple.fingerprint import Fingerprint, diff
from pytest_ripple.store import (
    FAILED,
    SCHEMA_VERSION,
    Dump,
    EnvKey,
    FileRow,
    Store,
    Transfer,
)

PACKAGES_DIFFER = "installed packages differ between merged data files"
CONFIG_DIFFERS = "pytest configuration differs between merged data files"


class MergeError(Exception):
    """An input that cannot be merged, or an output that must not be written."""


@dataclass
class Merged:
    out: Path
    inputs: int
    tests: int
    envs: int
    pending: int
    differing: list[str]  # files recorded with different content by the inputs


def merge(out: Path, inputs: Sequence[Path]) -> Merged:
    _check_paths(out, inputs)
    dumps = [_read(path) for path in inputs]
    # the most recent input first: its files, environments and configuration are kept
    order = sorted(range(len(dumps)), key=lambda i: (-dumps[i].latest, i))
    result = Dump()
    for i in reversed(order):  # the most recent is applied last and wins
        dump = dumps[i]
        result.envs.update(dump.envs)
        result.files.update(dump.files)
        result.module_imports.update(dump.module_imports)
        result.import_read |= dump.import_read
        result.import_run |= dump.import_run
        result.stale |= dump.stale
        result.runs |= dump.runs
        if dump.config is not None:
            result.config = dump.config
    # a file row of an input read by an older version may win: then none is current
    versions = {dump.names for dump in dumps}
    result.names = versions.pop() if len(versions) == 1 else None
    sources = _pick_tests(dumps, order, result)
    differing = sorted(
        p for p, row in result.files.items() if any(_differs(d, p, row) for d in dumps)
    )
    for i, dump in enumerate(dumps):
        marks = _reached(inputs[i], dump, result)
        for key, test in result.tests.items():
            if sources[key] == i and test.pending is None:
                why = marks.get(key) or _environment_moved(dump, result, key[0])
                if why is not None:
                    result.tests[key] = replace(test, pending=why)
    _write(out, result)
    return Merged(
        out=out,
        inputs=len(inputs),
        tests=len(result.tests),
        envs=len(result.envs),
        pending=sum(t.pending is not None for t in result.tests.values()),
        differing=differing,
    )


def _check_paths(out: Path, inputs: Sequence[Path]) -> None:
    for path in inputs:
        if not path.exists():
            raise MergeError(f"no data file at {path}")
        if path.is_dir():
            raise MergeError(f"{path} is a directory, not a data file")
        same = out.resolve() == path.resolve()
        if not same and out.exists():
            with contextlib.suppress(OSError):
                same = os.path.samefile(out, path)
        if same:
            raise MergeError(
                f"the output {out} is also an input: write the merge to another file "
                "(the inputs are never changed)"
            )
    if out.is_dir():
        raise MergeError(f"the output {out} is a directory")


def _read(path: Path) -> Dump:
    """A whole input, read as it is (never created, converted or rebuilt)."""
    store = Store(path, create=False)
    try:
        store.open()
        return Transfer(store).read()
    except SchemaError as exc:
        raise MergeError(
            exc.explain(
                path,
                SCHEMA_VERSION,
                newer="merge with that version",
                older="make it again with this version",
            )
        ) from None
    except (DataFileError, DataFileUnavailable) as exc:
        raise MergeError(f"{path} cannot be used: {exc}") from None
    except Exception as exc:  # sqlite3.Error and KeyError past the first pages: damage
        raise MergeError(f"{path} cannot be used: it is damaged ({exc!r})") from None
    finally:
        store.close()


def _pick_tests(dumps: list[Dump], order: list[int], result: Dump) -> dict[object, int]:
    """Each test from the input that ran it last; {key: that input}."""
    best: dict[object, tuple[tuple[float, bool, bool, int], int]] = {}
    rank = {i: len(order) - pos for pos, i in enumerate(order)}  # more recent: higher
    for i, dump in enumerate(dumps):
        for key, test in dump.tests.items():
            score = (test.ran, test.pending is not None, test.outcome == FAILED, rank[i])
            found = best.get(key)
            if found is None or score > found[0]:
                best[key] = (score, i)
                result.tests[key] = test
    return {key: i for key, (_, i) in best.items()}


def _differs(dump: Dump, path: str, kept: FileRow) -> bool:
    row = dump.files.get(path)
    return row is not None and not path.startswith(PACKAGE) and row.content != kept.content


def _fingerprint(row: FileRow) -> Fingerprint:
    return row.fingerprint() or Fingerprint(content=row.content)


def _reached(path: Path, dump: Dump, result: Dump) -> dict[tuple[EnvKey, str], str]:
    """The tests of one input that the differences between its files and the kept
    ones reach, judged as a run would judge that edit."""
    changed = {p: row for p, row in dump.files.items() if _differs(dump, p, result.files[p])}
    if not changed:
        return {}
    from pytest_ripple.selection import compute  # the run's own rules

    changes = Changes()
    for p, row in changed.items():
        kept = result.files[p]
        new = _fingerprint(kept)
        changes.changed[p] = (row, FileState(p, 0, kept.size, new), diff(_fingerprint(row), new))
    marks: dict[tuple[EnvKey, str], str] = {}
    store = Store(path, create=False)
    try:
        store.open()
        files = store.files()
        for env_id, env in dump.env_ids.items():  # each judged with its own tests
            plan = compute(store, changes, files, env_id)
            for env_of, nodeid, why in plan.pending:
                if env_of == env_id:
                    marks.setdefault((env, nodeid), why)
    finally:
        store.close()
    return marks


def _environment_moved(dump: Dump, result: Dump, env: EnvKey) -> str | None:
    mine, kept = dump.envs.get(env), result.envs.get(env)
    if mine is not None and kept is not None and mine[1] != kept[1]:
        return PACKAGES_DIFFER
    if dump.config is not None and dump.config != result.config:
        return CONFIG_DIFFERS
    return None


def _write(out: Path, dump: Dump) -> None:
    """Into a temporary file next to OUT, then renamed over it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".merging", dir=out.parent)
    os.close(fd)
    os.remove(name)  # SQLite creates it, with its tables
    tmp = Path(name)
    store = Store(tmp)
    try:
        store.open()
        Transfer(store).write(dump)
        store.db.con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
        for suffix in ("-wal", "-shm"):  # an old OUT's journal must not meet the new file
            with contextlib.suppress(FileNotFoundError):
                os.remove(str(out) + suffix)
        os.replace(tmp, out)
    finally:
        store.close()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(str(tmp) + suffix)

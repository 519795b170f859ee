"""The data file (``.testmondata``): what each test depended on, and what each file was.

Domain API over :mod:`sqlitedb`. Only the main process (the xdist controller) writes.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import sys
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from pytest_ripple.changes import Changes, FileState, trusted_mtime
from pytest_ripple.errors import DataFileError, DataFileUnavailable, SchemaError
from pytest_ripple.fingerprint import Fingerprint
from pytest_ripple.sqlitedb import BUSY_TIMEOUT_S, SqliteDb

# History: 1 = first release (pytest-ripple 0.1); 2 = import_run table;
# 3 = module_import (what each project module's import ran: import-time contexts),
# stale (changes seen by another environment's run), run (a row per recording run,
# for `pytest-ripple stats`); 4 = test.ran (when each test last ran: `merge` keeps the
# most recent result of a test that parallel jobs both hold).
SCHEMA_VERSION = 4
APP = "pytest-ripple"

SCHEMA = """
-- key/value facts about the file itself: app, schema_version
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- one row per --testmon-env name and interpreter: tests are kept per environment
CREATE TABLE IF NOT EXISTS env (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    python TEXT NOT NULL,
    signature TEXT NOT NULL DEFAULT '',   -- cheap digest of site dirs' mtimes
    packages TEXT NOT NULL DEFAULT '{}',  -- {distribution: version}
    UNIQUE (name, python)
);

-- every file some test depended on, by path relative to the rootdir
CREATE TABLE IF NOT EXISTS file (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    mtime_ns INTEGER NOT NULL,  -- a shortcut only: content decides
    size INTEGER NOT NULL,
    content TEXT NOT NULL,      -- digest of the bytes
    fp BLOB                     -- Fingerprint.dumps(), NULL for non-Python files
);

-- a block of a file (a function, <module>, <file>) that a test can depend on
CREATE TABLE IF NOT EXISTS dep (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (file_id, name)
);

-- sets of deps, shared by all tests that depend on exactly the same blocks
CREATE TABLE IF NOT EXISTS depset (
    id INTEGER PRIMARY KEY,
    digest BLOB NOT NULL UNIQUE,
    deps BLOB NOT NULL           -- sorted little-endian uint32 dep ids
);

-- files read while a project module was being imported: (data file, module)
CREATE TABLE IF NOT EXISTS import_read (
    file TEXT NOT NULL,
    module TEXT NOT NULL,
    PRIMARY KEY (file, module)
) WITHOUT ROWID;

-- functions that ran while modules were imported or tests collected: (file, block).
-- A change to one changes state that tests read without running it (a registry, a
-- cache, parametrize data)
CREATE TABLE IF NOT EXISTS import_run (
    file TEXT NOT NULL,
    block TEXT NOT NULL,
    PRIMARY KEY (file, block)
) WITHOUT ROWID;

-- what importing a project module ran and read, per environment: functions and
-- class bodies (file, block), files (file, <read>), installed packages (pkg:name,
-- <read>), and the project modules imported inside it (file, <module>): the dynamic
-- edges of the import graph. Replaced each time the module is imported again.
CREATE TABLE IF NOT EXISTS module_import (
    env_id INTEGER NOT NULL,
    file_id INTEGER NOT NULL,
    depset_id INTEGER NOT NULL,
    PRIMARY KEY (env_id, file_id)
) WITHOUT ROWID;

-- tests of an environment that a run in another one found affected, with the content
-- each changed file had before: affected while the file differs from that
CREATE TABLE IF NOT EXISTS stale (
    env_id INTEGER NOT NULL,
    nodeid TEXT NOT NULL,
    file_id INTEGER NOT NULL,
    content TEXT NOT NULL,
    why TEXT NOT NULL,
    PRIMARY KEY (env_id, nodeid, file_id)
) WITHOUT ROWID;

-- the last result of each test in each environment
CREATE TABLE IF NOT EXISTS test (
    env_id INTEGER NOT NULL,
    nodeid TEXT NOT NULL,
    depset_id INTEGER,
    outcome INTEGER NOT NULL,    -- PASSED, FAILED, SKIPPED
    duration REAL NOT NULL,
    pending TEXT,                -- why it must run, until it has run; NULL: up to date
    ran REAL NOT NULL DEFAULT 0, -- when it last ran (unix time; 0: never): merge keeps the latest
    PRIMARY KEY (env_id, nodeid)
) WITHOUT ROWID;

-- one row per recording run (not dry runs): what it selected and what it saved
CREATE TABLE IF NOT EXISTS run (
    id INTEGER PRIMARY KEY,
    env_id INTEGER NOT NULL,
    started REAL NOT NULL,       -- unix time
    selected INTEGER NOT NULL,   -- tests that ran
    deselected INTEGER NOT NULL, -- tests we deselected (not those -m, -k left out)
    duration REAL NOT NULL,      -- seconds, session start to finish
    saved REAL NOT NULL          -- the recorded durations of the deselected tests
);
"""

PASSED, FAILED, SKIPPED = 0, 1, 2
_TABLES = frozenset(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", SCHEMA))


# SQLite errors about the file system, not the file: PERM, BUSY, LOCKED, NOMEM, READONLY,
# IOERR, FULL, CANTOPEN. Any other (CORRUPT, NOTADB, a foreign schema's ERROR) is the file.
_UNAVAILABLE_CODES = frozenset({3, 5, 6, 7, 8, 10, 13, 14})
_UNAVAILABLE_TEXTS = ("unable to open", "disk I/O error", "disk is full", "readonly", "locked")


_BUSY_CODES = frozenset({5, 6})  # BUSY, LOCKED
_BUSY_TEXTS = ("locked", "busy")


def _is_unavailable(
    exc: sqlite3.DatabaseError,
    codes: frozenset[int] = _UNAVAILABLE_CODES,
    texts: tuple[str, ...] = _UNAVAILABLE_TEXTS,
) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if isinstance(code, int):
        return code & 0xFF in codes
    return any(text in str(exc) for text in texts)


def _kept(fp: Fingerprint | None) -> Fingerprint | None:
    """What a file row stores of a fingerprint: a text file's only when its code reads
    names (its content digest says the rest)."""
    if fp is None or not (fp.parsed or any(names for _, names in fp.blocks.values())):
        return None
    return fp


@dataclass
class FileRow:
    id: int
    path: str
    mtime_ns: int
    size: int
    content: str
    fp_blob: bytes | None
    _loaded: dict[bool, Fingerprint | None] = field(default_factory=dict, repr=False, compare=False)

    def renew(self, fp: Fingerprint | None) -> None:
        """The same content, fingerprinted by this version (``changes.detect``)."""
        kept = _kept(fp)
        self.fp_blob = kept.dumps() if kept is not None else None
        self._loaded.clear()

    def fingerprint(self, *, blocks: bool = True) -> Fingerprint | None:
        """Loaded once per row (a decision asks for a test file's names twice); one with
        blocks serves a request without."""
        found = self._loaded.get(True) or self._loaded.get(blocks)
        if found is None and self.fp_blob:
            found = self._loaded[blocks] = Fingerprint.loads(self.fp_blob, blocks=blocks)
        return found


@dataclass
class TestRow:
    nodeid: str
    depset_id: int | None
    outcome: int
    duration: float
    pending: str | None


@dataclass
class RunRow:
    """One recording run, for the history ``pytest-ripple stats`` reads."""

    started: float  # unix time
    selected: int  # tests that ran
    deselected: int  # tests we deselected
    duration: float  # seconds
    saved: float  # the recorded durations of the deselected tests


@dataclass
class TestResult:
    """One finished test, ready to write."""

    nodeid: str
    deps: list[tuple[str, str]]  # (relative path, block)
    outcome: int
    duration: float
    pending: str | None = None  # set when tracking was disturbed
    ran: float = 0.0  # when it ran (unix time); 0: it did not run (a new test left pending)


def pack_ids(ids: Iterable[int]) -> bytes:
    arr = array("I", sorted(set(ids)))
    if sys.byteorder == "big":
        arr.byteswap()
    return arr.tobytes()


def unpack_ids(blob: bytes) -> array[int]:
    arr = array("I")
    arr.frombytes(blob)
    if sys.byteorder == "big":
        arr.byteswap()
    return arr


def _create_or_check(db: SqliteDb) -> None:
    """Create the tables of an empty file, or check that an existing one is ours, of
    this schema version, and readable."""
    try:
        tables = {r[0] for r in db.all("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables and not db.create:
            raise DataFileError("it is empty (not written by pytest-ripple)")
        if not tables:
            # tables and meta in one transaction: a run starting at the same time
            # never sees tables without meta (a foreign file, to be rebuilt);
            # IF NOT EXISTS / OR REPLACE make the second creator's script harmless
            con = db.con
            try:
                con.executescript(
                    "BEGIN IMMEDIATE;\n"
                    + SCHEMA
                    + "INSERT OR REPLACE INTO meta (key, value) VALUES "
                    + f"('app', '{APP}'), ('schema_version', '{SCHEMA_VERSION}');\n"
                    + "COMMIT;\n"
                )
            except sqlite3.Error:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
            return
        if "meta" not in tables:
            raise DataFileError("it was not written by pytest-ripple (another tool's schema?)")
        meta = dict(db.all("SELECT key, value FROM meta"))
        if meta.get("app") != APP:
            raise DataFileError("it was not written by pytest-ripple (another tool's schema?)")
        found = meta.get("schema_version")
        if found != str(SCHEMA_VERSION):
            raise SchemaError(
                f"its schema version is {found}, this version of pytest-ripple uses "
                f"{SCHEMA_VERSION}",
                int(found) if found is not None and found.isdigit() else None,
            )
        missing = _TABLES - tables
        if missing:
            raise DataFileError(
                f"it lacks the table(s) {', '.join(sorted(missing))} (written by another "
                "build of pytest-ripple with the same schema version?)"
            )
        db.all("SELECT env_id, nodeid FROM test LIMIT 1")  # reads a page: damage shows
    except sqlite3.DatabaseError as exc:
        if _is_unavailable(exc):
            raise DataFileUnavailable(str(exc)) from exc
        raise DataFileError(f"it is damaged ({exc})") from exc


class _ImportTimeRecords:
    """The import-time part of the store: what module imports ran and read, and the
    marks other environments' runs left (kept apart to keep each class readable)."""

    db: SqliteDb

    def _depset_of(self, deps: Iterable[tuple[str, str]], file_ids: dict[str, int]) -> int:
        raise NotImplementedError

    def save_module_imports(
        self, env_id: int, records: Mapping[str, Iterable[tuple[str, str]]]
    ) -> None:
        """What importing each of these modules ran and read (see ``module_import``)."""
        file_ids: dict[str, int] = {}
        rows = []
        for path, deps in records.items():
            row = self.db.one("SELECT id FROM file WHERE path=?", (path,))
            if row is not None:
                rows.append((env_id, int(row[0]), self._depset_of(deps, file_ids)))
        self.db.many(
            "INSERT OR REPLACE INTO module_import (env_id, file_id, depset_id) VALUES (?, ?, ?)",
            rows,
        )

    def module_imports(self) -> dict[int, list[array[int]]]:
        """{module file id: the dep ids its import ran, once per environment}."""
        out: dict[int, list[array[int]]] = {}
        with self.db.execute(
            "SELECT m.file_id, d.deps FROM module_import m JOIN depset d ON d.id = m.depset_id"
        ) as cur:
            for file_id, blob in cur:
                out.setdefault(file_id, []).append(unpack_ids(blob))
        return out

    def save_import_reads(self, pairs: Iterable[tuple[str, str]]) -> None:
        self.db.many(
            "INSERT OR IGNORE INTO import_read (file, module) VALUES (?, ?)",
            [tuple(p) for p in pairs],
        )

    def save_import_run(self, pairs: Iterable[tuple[str, str]], *, replace: bool) -> None:
        if replace:
            self.db.con.execute("DELETE FROM import_run")
        self.db.many(
            "INSERT OR IGNORE INTO import_run (file, block) VALUES (?, ?)",
            [tuple(p) for p in pairs],
        )

    def import_run(self) -> dict[str, set[str]]:
        """{file: its functions that ran at import or collection time}."""
        out: dict[str, set[str]] = {}
        for file, block in self.db.all("SELECT file, block FROM import_run"):
            out.setdefault(file, set()).add(block)
        return out

    def import_readers(self, paths: Iterable[str]) -> dict[str, set[str]]:
        """{data file: modules whose import read it} for these files."""
        wanted = set(paths)
        out: dict[str, set[str]] = {}
        for file, module in self.db.all("SELECT file, module FROM import_read"):
            if file in wanted:
                out.setdefault(file, set()).add(module)
        return out

    def stale(self, env_id: int) -> list[tuple[str, int, str, str]]:
        """(nodeid, file_id, content, why) of this environment's stale tests."""
        return self.db.all(
            "SELECT nodeid, file_id, content, why FROM stale WHERE env_id=?", (env_id,)
        )


class Store(_ImportTimeRecords):
    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        self.db = SqliteDb(path, create=create)  # create=False: only an existing file
        self._dep_ids: dict[tuple[int, str], int] | None = None
        self._dep_few: dict[tuple[int, str], int] = {}  # looked up one by one
        self._depset_ids: dict[bytes, int] = {}

    # -- opening ---------------------------------------------------------------
    def open(self) -> None:
        """Open or create; raise DataFileError when the file is damaged or foreign.
        Another process creating the file (or switching it to WAL) holds a lock that
        SQLite's busy handler does not wait for: retry for a while before giving up."""
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self._open()
                return
            except DataFileUnavailable as exc:
                cause = exc.__cause__
                busy = isinstance(cause, sqlite3.DatabaseError) and _is_unavailable(
                    cause, _BUSY_CODES, _BUSY_TEXTS
                )
                if not busy or time.monotonic() > deadline:
                    raise
                self.db.close()
                time.sleep(0.05)

    def _open(self) -> None:
        _create_or_check(self.db)

    def close(self) -> None:
        self.db.close()

    # -- environments ------------------------------------------------------------
    def env(self, name: str, python: str) -> tuple[int, str, dict[str, str]]:
        """(id, signature, packages) of an environment; id 0 if unknown yet."""
        row = self.db.one(
            "SELECT id, signature, packages FROM env WHERE name=? AND python=?", (name, python)
        )
        if row is None:
            return 0, "", {}
        try:
            packages = json.loads(row[2])
        except ValueError:
            packages = {}
        return int(row[0]), str(row[1]), packages

    def save_env(self, name: str, python: str, signature: str, packages: dict[str, str]) -> int:
        self.db.con.execute(
            "INSERT INTO env (name, python, signature, packages) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (name, python) DO UPDATE SET signature=excluded.signature, "
            "packages=excluded.packages",
            (name, python, signature, json.dumps(packages, sort_keys=True)),
        )
        return int(self.db.one("SELECT id FROM env WHERE name=? AND python=?", (name, python))[0])

    # -- files -------------------------------------------------------------------
    def files(self) -> dict[str, FileRow]:
        return {
            r[1]: FileRow(*r)
            for r in self.db.all("SELECT id, path, mtime_ns, size, content, fp FROM file")
        }

    def file(self, path: str) -> FileRow | None:
        row = self.db.one(
            "SELECT id, path, mtime_ns, size, content, fp FROM file WHERE path=?", (path,)
        )
        return FileRow(*row) if row is not None else None

    def save_file(
        self, path: str, mtime_ns: int, size: int, content: str, fp: Fingerprint | None
    ) -> int:
        self.db.con.execute(
            "INSERT INTO file (path, mtime_ns, size, content, fp) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (path) DO UPDATE SET mtime_ns=excluded.mtime_ns, size=excluded.size, "
            "content=excluded.content, fp=excluded.fp",
            (path, mtime_ns, size, content, fp.dumps() if fp is not None else None),
        )
        return int(self.db.one("SELECT id FROM file WHERE path=?", (path,))[0])

    def save_state(self, state: FileState) -> None:
        """A file as read in this run (its mtime only if old enough to trust); a file
        that is gone is forgotten."""
        fp = state.fp
        if fp is None:
            self.forget_file(state.path)
            return
        self.save_file(state.path, trusted_mtime(state.mtime_ns), state.size, fp.content, _kept(fp))

    def save_changes(
        self,
        changes: Changes,
        pending: Iterable[tuple[int, str, str]],
        stale: Iterable[tuple[int, str, int, str, str]] = (),
        resolved: tuple[int, Iterable[tuple[str, int]]] = (0, ()),
    ) -> None:
        """What a run found changed, and the tests that are pending because of it (here
        and, as ``stale``, in other environments), in the caller's transaction: an
        interruption never loses a selection. ``resolved``: (env_id, [(nodeid,
        file_id)]) stale rows whose file is back to what the test was recorded with."""
        for _, state, _ in changes.changed.values():
            self.save_state(state)
        for state in changes.touched:
            self.touch_file(state.path, trusted_mtime(state.mtime_ns), state.size)
        for state in changes.refreshed:
            self.save_state(state)
        self.mark_pending(pending)
        self.db.many(
            "INSERT OR IGNORE INTO stale (env_id, nodeid, file_id, content, why) "
            "VALUES (?, ?, ?, ?, ?)",
            stale,
        )
        env_id, pairs = resolved
        self.db.many(
            "DELETE FROM stale WHERE env_id=? AND nodeid=? AND file_id=?",
            ((env_id, nodeid, file_id) for nodeid, file_id in pairs),
        )

    # -- meta ------------------------------------------------------------------------
    def config_digest(self) -> str | None:
        """The digest of the pytest configuration the data was recorded under."""
        row = self.db.one("SELECT value FROM meta WHERE key='pytest_config'")
        return None if row is None else str(row[0])

    def names_version(self) -> str | None:
        """``fingerprint.NAMES_VERSION`` of the stored fingerprints (None: older)."""
        row = self.db.one("SELECT value FROM meta WHERE key='fp_names'")
        return None if row is None else str(row[0])

    def save_names_version(self, version: str) -> None:
        self.db.con.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('fp_names', ?)", (version,)
        )

    def save_config_digest(self, digest: str) -> None:
        self.db.con.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('pytest_config', ?)", (digest,)
        )

    def touch_file(self, path: str, mtime_ns: int, size: int) -> None:
        self.db.con.execute(
            "UPDATE file SET mtime_ns=?, size=? WHERE path=?", (mtime_ns, size, path)
        )

    def forget_file(self, path: str) -> None:
        self.db.con.execute("DELETE FROM file WHERE path=?", (path,))

    # -- deps ----------------------------------------------------------------------
    def dep_ids(self) -> dict[tuple[int, str], int]:
        if self._dep_ids is None:
            self._dep_ids = {
                (f, n): i for i, f, n in self.db.all("SELECT id, file_id, name FROM dep")
            }
        return self._dep_ids

    def deps_of_files(self, file_ids: Iterable[int]) -> dict[int, dict[str, int]]:
        """{file_id: {block: dep_id}} for the given files."""
        wanted = set(file_ids)
        out: dict[int, dict[str, int]] = {f: {} for f in wanted}
        for (f, n), i in self.dep_ids().items():
            if f in wanted:
                out[f][n] = i
        return out

    def intern_dep(self, file_id: int, name: str) -> int:
        # A run that records a few tests (or only a conftest's import) looks its deps
        # up one by one; past a few hundred, reading the whole table is cheaper (at
        # 100k tests it holds 100k rows).
        key = (file_id, name)
        if self._dep_ids is None and len(self._dep_few) < 256:
            ids = self._dep_few
            dep_id = ids.get(key)
            if dep_id is None:
                row = self.db.one("SELECT id FROM dep WHERE file_id=? AND name=?", key)
                if row is not None:
                    dep_id = ids[key] = int(row[0])
        else:
            ids = self.dep_ids()
            dep_id = ids.get(key)
        if dep_id is None:
            # another run writing the same file may have added it since we read the
            # table: INSERT OR IGNORE, then read the id
            self.db.con.execute(
                "INSERT OR IGNORE INTO dep (file_id, name) VALUES (?, ?)", (file_id, name)
            )
            row = self.db.one("SELECT id FROM dep WHERE file_id=? AND name=?", key)
            dep_id = int(row[0])
            ids[key] = dep_id
        return dep_id

    def intern_depset(self, dep_ids: Iterable[int]) -> int:
        blob = pack_ids(dep_ids)
        key = hashlib.blake2b(blob, digest_size=12).digest()
        found = self._depset_ids.get(key)
        if found is not None:
            return found
        self.db.con.execute(
            "INSERT OR IGNORE INTO depset (digest, deps) VALUES (?, ?)", (key, blob)
        )
        found = int(self.db.one("SELECT id FROM depset WHERE digest=?", (key,))[0])
        self._depset_ids[key] = found
        return found

    def depsets(self) -> Iterator[tuple[int, array[int]]]:
        with self.db.execute("SELECT id, deps FROM depset") as cur:
            for depset_id, blob in cur:
                yield depset_id, unpack_ids(blob)

    # -- tests -----------------------------------------------------------------------
    def tests(self, env_id: int) -> dict[str, TestRow]:
        return {
            r[0]: TestRow(*r)
            for r in self.db.all(
                "SELECT nodeid, depset_id, outcome, duration, pending FROM test WHERE env_id=?",
                (env_id,),
            )
        }

    def tests_by_depsets(self, depset_ids: Iterable[int]) -> list[tuple[int, str, int]]:
        """(env_id, nodeid, depset_id) of every test, in every environment, with these
        depsets."""
        ids = list(depset_ids)
        out: list[tuple[int, str, int]] = []
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            out += self.db.all(
                f"SELECT env_id, nodeid, depset_id FROM test WHERE depset_id IN ({marks})",
                chunk,
            )
        return out

    def all_tests(self) -> list[tuple[int, str]]:
        return self.db.all("SELECT env_id, nodeid FROM test")

    def mark_pending(self, rows: Iterable[tuple[int, str, str]]) -> None:
        """Tests that must run until they have run: (env_id, nodeid, reason)."""
        self.db.many(
            "UPDATE test SET pending=? WHERE env_id=? AND nodeid=? AND pending IS NULL",
            ((reason, env, nodeid) for env, nodeid, reason in rows),
        )

    def _depset_of(self, deps: Iterable[tuple[str, str]], file_ids: dict[str, int]) -> int:
        dep_ids = []
        for path, block in deps:
            file_id = file_ids.get(path)
            if file_id is None:
                row = self.db.one("SELECT id FROM file WHERE path=?", (path,))
                if row is None:
                    continue  # the caller saves files first; a vanished one is skipped
                file_id = file_ids[path] = int(row[0])
            dep_ids.append(self.intern_dep(file_id, block))
        return self.intern_depset(dep_ids)

    def save_tests(self, env_id: int, results: Iterable[TestResult]) -> None:
        rows = []
        file_ids: dict[str, int] = {}
        for res in results:
            depset_id = self._depset_of(res.deps, file_ids)
            rows.append(
                (env_id, res.nodeid, depset_id, res.outcome, res.duration, res.pending, res.ran)
            )
        self.db.many(
            "INSERT OR REPLACE INTO test (env_id, nodeid, depset_id, outcome, duration, pending, "
            "ran) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        self.db.many("DELETE FROM stale WHERE env_id=? AND nodeid=?", ((r[0], r[1]) for r in rows))

    # -- run history -------------------------------------------------------------------
    def save_run(self, env_id: int, run: RunRow) -> None:
        self.db.con.execute(
            "INSERT INTO run (env_id, started, selected, deselected, duration, saved) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (env_id, run.started, run.selected, run.deselected, run.duration, run.saved),
        )

    def drop_tests(self, env_id: int, nodeids: Iterable[str]) -> None:
        pairs = [(env_id, n) for n in nodeids]
        self.db.many("DELETE FROM test WHERE env_id=? AND nodeid=?", pairs)
        self.db.many("DELETE FROM stale WHERE env_id=? AND nodeid=?", pairs)

    def clear_env(self, env_id: int) -> None:
        self.db.con.execute("DELETE FROM test WHERE env_id=?", (env_id,))
        self.db.con.execute("DELETE FROM module_import WHERE env_id=?", (env_id,))
        self.db.con.execute("DELETE FROM stale WHERE env_id=?", (env_id,))

    def prune(self) -> None:
        """Drop depsets no test and no module import uses any more (after a rebuild)."""
        self.db.con.execute(
            "DELETE FROM depset WHERE id NOT IN (SELECT DISTINCT depset_id FROM test "
            "WHERE depset_id IS NOT NULL) AND id NOT IN (SELECT depset_id FROM module_import)"
        )
        self._depset_ids.clear()


# -- what the command line asks (pytest-ripple why / tests-for / stats / gc) -----------


@dataclass
class EnvRow:
    id: int
    name: str
    python: str
    packages: dict[str, str]
    tests: int = 0
    failed: int = 0
    pending: int = 0


@dataclass
class RunTotals:
    runs: int = 0
    selected: int = 0
    deselected: int = 0
    duration: float = 0.0
    saved: float = 0.0
    first: float | None = None
    last: float | None = None


class Queries:
    """Read-only questions about a data file, beyond what a run reads."""

    def __init__(self, store: Store) -> None:
        self.db = store.db

    def envs(self) -> list[EnvRow]:
        out = {}
        for env_id, name, python, packages in self.db.all(
            "SELECT id, name, python, packages FROM env ORDER BY name, python"
        ):
            try:
                pkgs = json.loads(packages)
            except ValueError:
                pkgs = {}
            out[env_id] = EnvRow(env_id, name, python, pkgs if isinstance(pkgs, dict) else {})
        for env_id, tests, failed, pending in self.db.all(
            "SELECT env_id, COUNT(*), SUM(outcome = ?), SUM(pending IS NOT NULL) FROM test "
            "GROUP BY env_id",
            (FAILED,),
        ):
            if env_id in out:
                row = out[env_id]
                row.tests, row.failed, row.pending = tests, failed or 0, pending or 0
        return list(out.values())

    def deps_of(self, depset_id: int | None) -> list[tuple[str, str]]:
        """(path, block) of every dependency in a depset."""
        if depset_id is None:
            return []
        row = self.db.one("SELECT deps FROM depset WHERE id=?", (depset_id,))
        if row is None:
            return []
        out: list[tuple[str, str]] = self._where_in(
            "SELECT file.path, dep.name FROM dep JOIN file ON file.id = dep.file_id "
            "WHERE dep.id IN ({})",
            list(unpack_ids(row[0])),
        )
        return sorted(out)

    def _where_in(self, sql: str, ids: list[int]) -> list[Any]:
        """Rows of ``sql`` for every id, 500 at a time (SQLite's bound-variable limit)."""
        out: list[Any] = []
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            out += self.db.all(sql.format(",".join("?" * len(chunk))), chunk)
        return out

    def deps_in_file(self, path: str) -> dict[str, int]:
        """{block: dep id} of a file's blocks that some test depended on."""
        return dict(
            self.db.all(
                "SELECT dep.name, dep.id FROM dep JOIN file ON file.id = dep.file_id "
                "WHERE file.path=?",
                (path,),
            )
        )

    def tests_with(self, dep_ids: set[int]) -> list[tuple[int, str, int, float]]:
        """(env_id, nodeid, outcome, duration) of the tests that depend on any of these."""
        hits = []
        for depset_id, blob in self.db.all("SELECT id, deps FROM depset"):
            if not dep_ids.isdisjoint(unpack_ids(blob)):
                hits.append(depset_id)
        return self._where_in(
            "SELECT env_id, nodeid, outcome, duration FROM test "
            "WHERE depset_id IN ({}) ORDER BY nodeid",
            hits,
        )

    def slowest(self, env_id: int, count: int) -> list[tuple[str, float]]:
        return self.db.all(
            "SELECT nodeid, duration FROM test WHERE env_id=? ORDER BY duration DESC, nodeid "
            "LIMIT ?",
            (env_id, count),
        )

    def counts(self) -> tuple[int, int]:
        """(files that are files, not packages or globs; the tests' distinct depsets)."""
        files = self.db.one("SELECT COUNT(*) FROM file WHERE path NOT LIKE '%:%'")[0]
        depsets = self.db.one("SELECT COUNT(DISTINCT depset_id) FROM test")[0]
        return int(files), int(depsets)

    def run_totals(self, env_id: int | None = None) -> RunTotals:
        where, params = ("WHERE env_id=?", (env_id,)) if env_id is not None else ("", ())
        row = self.db.one(
            "SELECT COUNT(*), SUM(selected), SUM(deselected), SUM(duration), SUM(saved), "
            f"MIN(started), MAX(started) FROM run {where}",
            params,
        )
        runs, sel, desel, dur, saved, first, last = row
        return RunTotals(runs, sel or 0, desel or 0, dur or 0.0, saved or 0.0, first, last)


class Maintenance:
    """``pytest-ripple gc``: forget what no longer exists, then compact the file."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db

    def forget(self, files: Iterable[str], tests: Iterable[tuple[int, str]]) -> None:
        """In the caller's transaction: files (and their blocks, import-time facts),
        tests, then depsets rewritten without the blocks that are gone."""
        paths = [(p,) for p in files]
        tests = list(tests)
        for table in ("dep", "module_import", "stale"):
            self.db.many(
                f"DELETE FROM {table} WHERE file_id IN (SELECT id FROM file WHERE path=?)", paths
            )
        self.db.many("DELETE FROM file WHERE path=?", paths)
        self.db.many("DELETE FROM import_read WHERE file=? OR module=?", [p * 2 for p in paths])
        self.db.many("DELETE FROM import_run WHERE file=?", paths)
        self.db.many("DELETE FROM test WHERE env_id=? AND nodeid=?", tests)
        self.db.many("DELETE FROM stale WHERE env_id=? AND nodeid=?", tests)
        self._rewrite_depsets()
        self.store.prune()

    def _rewrite_depsets(self) -> None:
        """Depsets keep only ids of blocks that still exist (a deleted id could be
        given to a new block); sets that become equal are merged into one."""
        live = {r[0] for r in self.db.all("SELECT id FROM dep")}
        keepers: dict[bytes, tuple[int, bytes]] = {}  # new digest -> (id, deps)
        changed: list[int] = []
        moved: list[tuple[int, int]] = []  # (kept id, merged id)
        for depset_id, blob in self.db.all("SELECT id, deps FROM depset ORDER BY id"):
            packed = pack_ids(i for i in unpack_ids(blob) if i in live)
            key = hashlib.blake2b(packed, digest_size=12).digest()
            if key in keepers:
                moved.append((keepers[key][0], depset_id))
                changed.append(depset_id)
                continue
            keepers[key] = (depset_id, packed)
            if packed != blob:
                changed.append(depset_id)
        # delete, then insert again: a digest is unique, and an update in place could
        # meet the old digest of a row not rewritten yet
        rewritten = set(changed) - {merged for _, merged in moved}
        self.db.many("UPDATE test SET depset_id=? WHERE depset_id=?", moved)
        self.db.many("UPDATE module_import SET depset_id=? WHERE depset_id=?", moved)
        self.db.many("DELETE FROM depset WHERE id=?", [(i,) for i in changed])
        self.db.many(
            "INSERT INTO depset (id, digest, deps) VALUES (?, ?, ?)",
            [(i, key, deps) for key, (i, deps) in keepers.items() if i in rewritten],
        )

    def vacuum(self) -> None:
        self.db.con.execute("VACUUM")


# -- merge: a whole data file as plain values, keyed by names instead of ids ----------

EnvKey = tuple[str, str]  # (environment name, python tag)
Deps = tuple[tuple[str, str], ...]  # sorted (path, block)


@dataclass
class MergeTest:
    deps: Deps | None
    outcome: int
    duration: float
    pending: str | None
    ran: float


@dataclass
class Dump:
    """Everything a data file holds, without its internal ids: what ``merge`` joins."""

    envs: dict[EnvKey, tuple[str, str]] = field(default_factory=dict)  # (signature, packages)
    files: dict[str, FileRow] = field(default_factory=dict)
    tests: dict[tuple[EnvKey, str], MergeTest] = field(default_factory=dict)
    module_imports: dict[tuple[EnvKey, str], Deps] = field(default_factory=dict)
    import_read: set[tuple[str, str]] = field(default_factory=set)
    import_run: set[tuple[str, str]] = field(default_factory=set)
    stale: set[tuple[EnvKey, str, str, str, str]] = field(default_factory=set)
    runs: set[tuple[EnvKey, float, int, int, float, float]] = field(default_factory=set)
    config: str | None = None
    names: str | None = None  # meta ``fp_names``: every file row's fingerprint is of it
    env_ids: dict[int, EnvKey] = field(default_factory=dict)  # of the file it came from

    @property
    def latest(self) -> float:
        """When this file last recorded something: its newest run or test."""
        times = [r[1] for r in self.runs] + [t.ran for t in self.tests.values()]
        return max(times, default=0.0)


class Transfer:
    """Reads a whole data file into a :class:`Dump`, or writes one into a new file."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db

    def read(self) -> Dump:
        db, dump = self.db, Dump()
        for env_id, name, python, signature, packages in db.all(
            "SELECT id, name, python, signature, packages FROM env"
        ):
            dump.env_ids[env_id] = (name, python)
            dump.envs[(name, python)] = (signature, packages)
        envs = dump.env_ids
        dump.files = {path: row for path, row in self.store.files().items()}
        paths = {row.id: path for path, row in dump.files.items()}
        # rows of a file forgotten since (a run forgets a file that vanished) are skipped
        deps = {
            i: (paths[f], n)
            for i, f, n in db.all("SELECT id, file_id, name FROM dep")
            if f in paths
        }
        sets = {
            i: tuple(sorted(deps[d] for d in unpack_ids(b) if d in deps))
            for i, b in db.all("SELECT id, deps FROM depset")
        }
        for env_id, nodeid, depset_id, outcome, duration, pending, ran in db.all(
            "SELECT env_id, nodeid, depset_id, outcome, duration, pending, ran FROM test"
        ):
            dump.tests[(envs[env_id], nodeid)] = MergeTest(
                sets.get(depset_id), outcome, duration, pending, ran
            )
        for env_id, file_id, depset_id in db.all(
            "SELECT env_id, file_id, depset_id FROM module_import"
        ):
            if file_id in paths:
                dump.module_imports[(envs[env_id], paths[file_id])] = sets.get(depset_id, ())
        dump.import_read = set(db.all("SELECT file, module FROM import_read"))
        dump.import_run = set(db.all("SELECT file, block FROM import_run"))
        for env_id, nodeid, file_id, content, why in db.all(
            "SELECT env_id, nodeid, file_id, content, why FROM stale"
        ):
            if file_id in paths:
                dump.stale.add((envs[env_id], nodeid, paths[file_id], content, why))
        for row in db.all("SELECT env_id, started, selected, deselected, duration, saved FROM run"):
            dump.runs.add((envs[row[0]], *row[1:]))
        dump.config = self.store.config_digest()
        dump.names = self.store.names_version()
        return dump

    def write(self, dump: Dump) -> None:
        """Into a new, empty data file, in one transaction, in a fixed order (the same
        dump gives the same file)."""
        store, db = self.store, self.db
        with db.transaction():
            envs = {}
            for key in sorted(dump.envs):
                signature, packages = dump.envs[key]
                db.con.execute(
                    "INSERT INTO env (name, python, signature, packages) VALUES (?, ?, ?, ?)",
                    (*key, signature, packages),
                )
                envs[key] = int(db.one("SELECT last_insert_rowid()")[0])
            file_ids = {}
            for path in sorted(dump.files):
                row = dump.files[path]
                db.con.execute(
                    "INSERT INTO file (path, mtime_ns, size, content, fp) VALUES (?, ?, ?, ?, ?)",
                    (path, row.mtime_ns, row.size, row.content, row.fp_blob),
                )
                file_ids[path] = int(db.one("SELECT last_insert_rowid()")[0])
            if dump.config is not None:
                store.save_config_digest(dump.config)
            if dump.names is not None:
                store.save_names_version(dump.names)
            rows = []
            for (env, nodeid), t in sorted(dump.tests.items()):
                depset = None if t.deps is None else store._depset_of(t.deps, file_ids)
                rows.append((envs[env], nodeid, depset, t.outcome, t.duration, t.pending, t.ran))
            db.many("INSERT INTO test VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            db.many(
                "INSERT INTO module_import VALUES (?, ?, ?)",
                [
                    (envs[env], file_ids[path], store._depset_of(deps, file_ids))
                    for (env, path), deps in sorted(dump.module_imports.items())
                ],
            )
            db.many("INSERT INTO import_read VALUES (?, ?)", sorted(dump.import_read))
            db.many("INSERT INTO import_run VALUES (?, ?)", sorted(dump.import_run))
            db.many(
                "INSERT OR IGNORE INTO stale VALUES (?, ?, ?, ?, ?)",
                [(envs[e], n, file_ids[p], c, w) for e, n, p, c, w in sorted(dump.stale)],
            )
            db.many(
                "INSERT INTO run (env_id, started, selected, deselected, duration, saved) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(envs[r[0]], *r[1:]) for r in sorted(dump.runs)],
            )

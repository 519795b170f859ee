"""A thin layer over sqlite3: one connection per process and thread, WAL, waits on locks."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

# Long enough for an IDE run and a terminal run to take turns on one file.
BUSY_TIMEOUT_S = 60.0


class SqliteDb:
    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        # create=False: open an existing file as it is (the command line reads a file
        # that may be foreign or damaged: it must neither create nor convert it)
        self.create = create
        self._local = threading.local()  # one connection per thread
        self._pid = os.getpid()
        self._opened: list[sqlite3.Connection] = []  # to close them all

    @property
    def _con(self) -> sqlite3.Connection | None:
        con: sqlite3.Connection | None = getattr(self._local, "con", None)
        return con

    @property
    def con(self) -> sqlite3.Connection:
        # A connection must not cross a fork or a thread (coverage.py does the same).
        if self._pid != os.getpid():
            self._local = threading.local()
            self._pid = os.getpid()
        con = self._con
        if con is None:
            con = sqlite3.connect(
                str(self.path) if self.create else _uri(self.path),
                timeout=BUSY_TIMEOUT_S,
                isolation_level=None,
                check_same_thread=False,
                uri=not self.create,
            )
            if not self.create:
                self._local.con = con
                self._opened.append(con)
                return con
            try:
                # WAL: readers never block the writer; synchronous=NORMAL in WAL mode keeps
                # the file consistent after a crash (the last commits may be lost, never torn).
                con.execute("PRAGMA journal_mode=WAL")
                con.execute("PRAGMA synchronous=NORMAL")
                con.execute("PRAGMA foreign_keys=OFF")
            except BaseException:
                con.close()  # not a database: do not leave it to the GC (3.13 warns)
                raise
            self._local.con = con
            self._opened.append(con)
        return con

    @contextlib.contextmanager
    def execute(self, sql: str, params: Iterable[Any] = ()) -> Iterator[sqlite3.Cursor]:
        cur = self.con.execute(sql, tuple(params))
        try:
            yield cur
        finally:
            cur.close()

    def all(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        with self.execute(sql, params) as cur:
            return cur.fetchall()

    def one(self, sql: str, params: Iterable[Any] = ()) -> Any:
        with self.execute(sql, params) as cur:
            return cur.fetchone()

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.con.executemany(sql, rows)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction. IMMEDIATE takes the write lock up front, so two
        processes queue (busy timeout) instead of failing half-way."""
        con = self.con
        con.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    def close(self) -> None:
        if self._pid == os.getpid():
            for con in self._opened:
                with contextlib.suppress(sqlite3.Error):
                    con.close()
        self._opened = []
        self._local = threading.local()


def _uri(path: Path) -> str:
    """An SQLite URI that opens an existing file only (``mode=rw``: never creates it)."""
    text = str(path).replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    return f"file:{text}?mode=rw"

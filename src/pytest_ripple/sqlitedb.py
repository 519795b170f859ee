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
    def __init__(self, path: Path) -> None:
        self.path = path
        self._con: sqlite3.Connection | None = None
        self._pid = 0
        self._thread = 0

    @property
    def con(self) -> sqlite3.Connection:
        # A connection must not cross a fork or a thread (coverage.py does the same).
        if self._con is None or self._pid != os.getpid() or self._thread != threading.get_ident():
            con = sqlite3.connect(
                str(self.path),
                timeout=BUSY_TIMEOUT_S,
                isolation_level=None,
                check_same_thread=False,
            )
            # WAL: readers never block the writer; synchronous=NORMAL in WAL mode keeps
            # the file consistent after a crash (the last commits may be lost, never torn).
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute("PRAGMA foreign_keys=OFF")
            self._con, self._pid, self._thread = con, os.getpid(), threading.get_ident()
        return self._con

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
        if self._con is not None and self._pid == os.getpid():
            with contextlib.suppress(sqlite3.Error):
                self._con.close()
        self._con = None

"""Unit tests of store.py and sqlitedb.py: the data file."""

from __future__ import annotations

import gc
import os
import random
import sqlite3
import threading
import time
import warnings
from pathlib import Path
from typing import Any, Iterator

import pytest

from pytest_ripple import sqlitedb
from pytest_ripple.fingerprint import fingerprint_python
from pytest_ripple.store import (
    APP,
    FAILED,
    PASSED,
    SCHEMA_VERSION,
    SKIPPED,
    DataFileError,
    Store,
    pack_ids,
    unpack_ids,
)
from pytest_ripple.store import TestResult as Result

PY = "cpython3.11"
SOURCE = b"X = 1\n\n\ndef f():\n    return X\n\n\ndef g():\n    return 2\n"

# The tables of another tool that writes a file of the same name (pytest-testmon 2.x).
TESTMON_SCHEMA = """
CREATE TABLE metadata (dataid TEXT PRIMARY KEY, data TEXT);
CREATE TABLE environment (id INTEGER PRIMARY KEY, environment_name TEXT,
                          system_packages TEXT, python_version TEXT);
CREATE TABLE test_execution (id INTEGER PRIMARY KEY, environment_id INTEGER,
                             test_name TEXT, duration FLOAT, failed BIT, forced BIT);
INSERT INTO metadata VALUES ('default:data_version', '12');
"""

# coverage.py's data file has a `meta` table of key/value rows, as ours does.
COVERAGE_SCHEMA = """
CREATE TABLE coverage_schema (version integer);
CREATE TABLE meta (key text, value text, unique (key));
INSERT INTO meta VALUES ('version', '7.4.0');
INSERT INTO meta VALUES ('has_arcs', '0');
CREATE TABLE file (id integer primary key, path text, unique (path));
"""


def opened(path: Path) -> Store:
    store = Store(path)
    try:
        store.open()
    except BaseException:
        store.close()  # the caller's duty, as the plugin does
        raise
    return store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = opened(tmp_path / ".testmondata")
    yield s
    s.close()


def save_source(store: Store, path: str = "a.py", data: bytes = SOURCE) -> int:
    fp = fingerprint_python(data)
    return store.save_file(path, 1000, len(data), fp.content, fp)


def test_create_then_reopen_keeps_the_data(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "data"
    path.parent.mkdir()
    store = opened(path)
    meta = dict(store.db.all("SELECT key, value FROM meta"))
    assert meta == {"app": APP, "schema_version": str(SCHEMA_VERSION)}
    with store.db.transaction():
        env = store.save_env("default", PY, "sig", {"pytest": "8.0"})
        save_source(store)
        store.save_tests(env, [Result("t.py::test_f", [("a.py", "f")], PASSED, 0.5)])
    store.close()

    again = opened(path)
    try:
        assert again.env("default", PY) == (env, "sig", {"pytest": "8.0"})
        assert set(again.files()) == {"a.py"}
        row = again.tests(env)["t.py::test_f"]
        assert (row.outcome, row.duration, row.pending) == (PASSED, 0.5, None)
        fp = again.files()["a.py"].fingerprint()
        assert fp == fingerprint_python(SOURCE)
    finally:
        again.close()


def test_a_zero_length_file_is_a_new_data_file(tmp_path: Path) -> None:
    path = tmp_path / ".testmondata"
    path.write_bytes(b"")
    store = opened(path)
    try:
        assert store.env("default", PY) == (0, "", {})
        assert store.files() == {}
    finally:
        store.close()


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("schema_version", str(SCHEMA_VERSION + 1), ["schema version", str(SCHEMA_VERSION + 1)]),
        ("schema_version", "0", ["schema version"]),
        ("app", "pytest-testmon", ["not written by pytest-ripple"]),
    ],
)
def test_meta_mismatch_is_a_data_file_error(
    tmp_path: Path, key: str, value: str, words: list[str]
) -> None:
    path = tmp_path / ".testmondata"
    store = opened(path)
    store.db.con.execute("UPDATE meta SET value=? WHERE key=?", (value, key))
    store.close()
    with pytest.raises(DataFileError) as err:
        opened(path)
    for word in words:
        assert word in str(err.value)


@pytest.mark.parametrize(
    "schema",
    [
        TESTMON_SCHEMA,
        COVERAGE_SCHEMA,
        "CREATE TABLE meta (x INTEGER);",
        "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hello');",
    ],
    ids=["pytest-testmon", "coverage", "meta-without-columns", "unrelated"],
)
def test_a_foreign_sqlite_file_is_a_data_file_error(tmp_path: Path, schema: str) -> None:
    path = tmp_path / ".testmondata"
    con = sqlite3.connect(str(path))
    con.executescript(schema)
    con.close()
    store = Store(path)
    with pytest.raises(DataFileError):
        store.open()
    store.close()
    # the foreign data is left as it was: rebuilding is the caller's decision
    con = sqlite3.connect(str(path))
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        con.close()
    assert "depset" not in tables


TABLES = ["meta", "env", "file", "dep", "depset", "import_read", "import_run", "test"]


@pytest.mark.parametrize("table", TABLES)
def test_a_data_file_missing_a_table_is_an_error_or_repaired(tmp_path: Path, table: str) -> None:
    # e.g. written by an earlier build with the same schema version
    path = tmp_path / ".testmondata"
    store = opened(path)
    assert table in {r[0] for r in store.db.all("SELECT name FROM sqlite_master")}
    store.db.con.execute(f"DROP TABLE {table}")
    store.close()
    assert_error_or_usable(path)


def _random_files() -> list[tuple[str, bytes]]:
    rnd = random.Random(20240601)
    out = [("text", b"this is not a database\n" * 50)]
    for size in (1, 15, 100, 512, 4096, 10000):
        out.append((f"random-{size}", bytes(rnd.getrandbits(8) for _ in range(size))))
    header = b"SQLite format 3\x00"
    for size in (100, 4096):
        body = bytes(rnd.getrandbits(8) for _ in range(size))
        out.append((f"sqlite-header-then-random-{size}", header + body))
    return out


@pytest.mark.parametrize(("name", "data"), _random_files(), ids=[n for n, _ in _random_files()])
def test_random_bytes_raise_data_file_error_or_open_cleanly(
    tmp_path: Path, name: str, data: bytes
) -> None:
    path = tmp_path / ".testmondata"
    path.write_bytes(data)
    assert_error_or_usable(path)


def _full_store(path: Path) -> None:
    store = opened(path)
    with store.db.transaction():
        env = store.save_env("default", PY, "", {})
        for i in range(60):
            save_source(store, f"pkg/mod{i}.py", SOURCE + f"# {i}\n".encode() * 40)
        store.save_tests(
            env,
            [
                Result(f"tests/test_{i}.py::test_{j}", [(f"pkg/mod{i}.py", "f")], PASSED, 0.1)
                for i in range(60)
                for j in range(20)
            ],
        )
    store.close()


@pytest.mark.parametrize("keep", [0.1, 0.3, 0.5, 0.9])
def test_truncated_file_raises_data_file_error_or_opens_cleanly(
    tmp_path: Path, keep: float
) -> None:
    path = tmp_path / ".testmondata"
    _full_store(path)
    data = path.read_bytes()
    assert len(data) > 8192  # several pages, so the cut lands inside the data
    path.write_bytes(data[: int(len(data) * keep)])
    assert_error_or_usable(path)


def assert_error_or_usable(path: Path) -> None:
    """Either a DataFileError at open, or a store that reads and writes; and no
    connection left open either way (Python 3.13 warns about those)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _error_or_usable(path)
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaks == []


def _error_or_usable(path: Path) -> None:
    store = Store(path)
    try:
        try:
            store.open()
        except DataFileError as exc:
            assert str(exc)  # says what is wrong with the file
            return
        with store.db.transaction():
            env = store.save_env("default", PY, "", {})
            save_source(store)
            store.save_tests(env, [Result("t.py::test_f", [("a.py", "f")], PASSED, 0.1)])
            store.save_import_reads([("data.txt", "a.py")])
        assert "t.py::test_f" in store.tests(env)
        assert store.import_readers(["data.txt"]) == {"data.txt": {"a.py"}}
        assert set(store.files()) == {"a.py"}
        assert [list(deps) for _, deps in store.depsets()]
    finally:
        store.close()


@pytest.mark.parametrize(
    "ids",
    [[], [1], [3, 1, 2], [5, 5, 5, 1], [0, 2**32 - 1], list(range(1000, 0, -7))],
)
def test_pack_unpack_round_trip(ids: list[int]) -> None:
    blob = pack_ids(ids)
    assert len(blob) == 4 * len(set(ids))  # uint32 each: the schema's comment
    assert list(unpack_ids(blob)) == sorted(set(ids))
    assert pack_ids(reversed(ids)) == blob  # one set, one blob: interning relies on it


def test_packed_ids_are_little_endian() -> None:
    assert pack_ids([1, 256]) == b"\x01\x00\x00\x00\x00\x01\x00\x00"


def test_depset_interning_dedupes_identical_sets(store: Store) -> None:
    with store.db.transaction():
        env = store.save_env("default", PY, "", {})
        save_source(store, "a.py")
        save_source(store, "b.py")
        store.save_tests(
            env,
            [
                Result("t::one", [("a.py", "f"), ("b.py", "g")], PASSED, 0.1),
                Result("t::two", [("b.py", "g"), ("a.py", "f"), ("a.py", "f")], PASSED, 0.1),
                Result("t::three", [("a.py", "f")], PASSED, 0.1),
                Result("t::four", [("a.py", "f"), ("missing.py", "f")], PASSED, 0.1),
            ],
        )
    tests = store.tests(env)
    assert tests["t::one"].depset_id == tests["t::two"].depset_id
    assert tests["t::three"].depset_id != tests["t::one"].depset_id
    # a dependency on a file the store does not know is left out
    assert tests["t::four"].depset_id == tests["t::three"].depset_id
    assert store.db.one("SELECT count(*) FROM depset")[0] == 2
    assert store.db.one("SELECT count(*) FROM dep")[0] == 2

    # a fresh Store on the same file (no cache) finds the same sets
    store.close()
    other = opened(store.path)
    try:
        with other.db.transaction():
            other.save_tests(env, [Result("t::five", [("b.py", "g"), ("a.py", "f")], PASSED, 0)])
        assert other.tests(env)["t::five"].depset_id == tests["t::one"].depset_id
        assert other.db.one("SELECT count(*) FROM depset")[0] == 2
        sets = {i: set(deps) for i, deps in other.depsets()}
        one_id = tests["t::one"].depset_id
        assert one_id is not None
        dep_ids = other.dep_ids()
        a_file, b_file = other.files()["a.py"].id, other.files()["b.py"].id
        assert sets[one_id] == {dep_ids[(a_file, "f")], dep_ids[(b_file, "g")]}
        assert other.deps_of_files([a_file]) == {a_file: {"f": dep_ids[(a_file, "f")]}}
    finally:
        other.close()


def test_pending_marks_keep_the_first_reason_until_the_test_runs(store: Store) -> None:
    with store.db.transaction():
        env = store.save_env("default", PY, "", {})
        save_source(store)
        store.save_tests(env, [Result(n, [("a.py", "f")], PASSED, 0.1) for n in ("t::a", "t::b")])
    with store.db.transaction():
        store.mark_pending([(env, "t::a", "a.py::f changed"), (env, "t::unknown", "x")])
    with store.db.transaction():
        store.mark_pending([(env, "t::a", "b.py changed")])
    tests = store.tests(env)
    assert tests["t::a"].pending == "a.py::f changed"
    assert tests["t::b"].pending is None
    assert "t::unknown" not in tests  # a mark never creates a test
    with store.db.transaction():
        store.save_tests(env, [Result("t::a", [("a.py", "f")], PASSED, 0.1)])
    assert store.tests(env)["t::a"].pending is None


def test_a_result_can_stay_pending(store: Store) -> None:
    with store.db.transaction():
        env = store.save_env("default", PY, "", {})
        store.save_tests(env, [Result("t::a", [], FAILED, 0.1, pending="tracking disturbed")])
    row = store.tests(env)["t::a"]
    assert (row.outcome, row.pending) == (FAILED, "tracking disturbed")


def test_drop_tests_removes_them_from_one_environment(store: Store) -> None:
    with store.db.transaction():
        one = store.save_env("default", PY, "", {})
        two = store.save_env("postgres", PY, "", {})
        for env in (one, two):
            store.save_tests(env, [Result(n, [], PASSED, 0.1) for n in ("t::a", "t::b", "t::c")])
    with store.db.transaction():
        store.drop_tests(one, ["t::a", "t::c", "t::never-there"])
    assert set(store.tests(one)) == {"t::b"}
    assert set(store.tests(two)) == {"t::a", "t::b", "t::c"}


def test_environments_are_kept_apart(store: Store) -> None:
    assert store.env("default", PY) == (0, "", {})
    with store.db.transaction():
        a = store.save_env("default", PY, "s1", {"pytest": "8.0"})
        b = store.save_env("default", "cpython3.12", "s2", {})
        c = store.save_env("postgres", PY, "s3", {})
        store.save_tests(a, [Result("t::x", [], PASSED, 1.0)])
        store.save_tests(b, [Result("t::x", [], FAILED, 2.0)])
    assert len({a, b, c}) == 3 and 0 not in {a, b, c}
    assert store.tests(a)["t::x"].outcome == PASSED
    assert store.tests(b)["t::x"].outcome == FAILED
    assert store.tests(c) == {}
    assert sorted(store.all_tests()) == sorted([(a, "t::x"), (b, "t::x")])

    with store.db.transaction():
        again = store.save_env("default", PY, "s4", {"pytest": "8.1"})
    assert again == a  # an update keeps the id, and so the tests
    assert store.env("default", PY) == (a, "s4", {"pytest": "8.1"})
    assert "t::x" in store.tests(a)

    with store.db.transaction():
        store.clear_env(a)
    assert store.tests(a) == {}
    assert set(store.tests(b)) == {"t::x"}


def test_damaged_packages_json_reads_as_empty(store: Store) -> None:
    with store.db.transaction():
        env = store.save_env("default", PY, "sig", {})
        store.db.con.execute("UPDATE env SET packages='{not json' WHERE id=?", (env,))
    assert store.env("default", PY) == (env, "sig", {})


def test_files_save_touch_forget(store: Store) -> None:
    with store.db.transaction():
        first = save_source(store, "a.py")
        store.save_file("data.json", 5, 2, "abc", None)
    files = store.files()
    assert files["data.json"].fp_blob is None and files["data.json"].fingerprint() is None
    assert files["a.py"].fingerprint() == fingerprint_python(SOURCE)

    new = SOURCE.replace(b"return 2", b"return 3")
    with store.db.transaction():
        assert save_source(store, "a.py", new) == first  # an update keeps the id
        store.touch_file("data.json", 7, 3)
    files = store.files()
    assert files["a.py"].fingerprint() == fingerprint_python(new)
    assert (files["data.json"].mtime_ns, files["data.json"].size) == (7, 3)
    assert files["data.json"].content == "abc"

    with store.db.transaction():
        store.forget_file("a.py")
    assert set(store.files()) == {"data.json"}


def test_prune_drops_depsets_no_test_uses(store: Store) -> None:
    with store.db.transaction():
        env = store.save_env("default", PY, "", {})
        save_source(store)
        store.save_tests(env, [Result("t::a", [("a.py", "f")], SKIPPED, 0)])
        store.save_tests(env, [Result("t::b", [("a.py", "g")], PASSED, 0)])
        store.drop_tests(env, ["t::b"])
        store.prune()
    assert [i for i, _ in store.depsets()] == [store.tests(env)["t::a"].depset_id]
    with store.db.transaction():
        store.save_tests(env, [Result("t::b", [("a.py", "g")], PASSED, 0)])
    assert len(list(store.depsets())) == 2


def test_a_failed_transaction_writes_nothing(store: Store) -> None:
    with store.db.transaction():
        env = store.save_env("default", PY, "", {})
    with pytest.raises(RuntimeError), store.db.transaction():
        save_source(store)
        store.save_tests(env, [Result("t::a", [("a.py", "f")], PASSED, 0)])
        raise RuntimeError("interrupted")
    assert store.files() == {}
    assert store.tests(env) == {}
    other = opened(store.path)  # and another connection sees the same
    try:
        assert other.files() == {}
    finally:
        other.close()


def test_a_reader_in_another_thread_does_not_disturb_a_write(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One connection per thread: a thread that reads while the main thread is inside a
    # transaction must neither see its rows nor take its connection away.
    monkeypatch.setattr(sqlitedb, "BUSY_TIMEOUT_S", 2.0)
    seen: list[object] = []

    def read() -> None:
        try:
            seen.append(set(store.files()))
        except Exception as exc:  # reported below, in the main thread
            seen.append(exc)

    with store.db.transaction():
        env = store.save_env("default", PY, "", {})
        save_source(store, "a.py")
        reader = threading.Thread(target=read)
        reader.start()
        reader.join()
        save_source(store, "b.py")
        store.save_tests(env, [Result("t::a", [("a.py", "f"), ("b.py", "g")], PASSED, 0)])
    assert seen == [set()]
    assert set(store.files()) == {"a.py", "b.py"}
    assert "t::a" in store.tests(env)


def test_two_stores_on_one_file_see_each_others_commits(tmp_path: Path) -> None:
    path = tmp_path / ".testmondata"
    one, two = opened(path), opened(path)
    try:
        with one.db.transaction():
            env = one.save_env("default", PY, "", {})
            one.save_tests(env, [Result("t::a", [], PASSED, 0)])
        assert set(two.tests(env)) == {"t::a"}
        assert two.db.one("PRAGMA journal_mode")[0] == "wal"
    finally:
        one.close()
        two.close()


def test_resolver_takes_an_unchanged_file_from_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run saves the state of every module it imported: an unchanged one (size and
    a trusted mtime as stored) is not parsed again; one that moved is."""
    from pytest_ripple import changes
    from pytest_ripple.recorder import Resolver

    src = tmp_path / "m.py"
    src.write_text("def f():\n    return 1\n")
    old = time.time_ns() - 60 * 10**9
    os.utime(src, ns=(old, old))
    store = Store(tmp_path / ".testmondata")
    store.open()
    try:
        first = changes.read_state(tmp_path, "m.py")
        with store.db.transaction():
            store.save_state(first)
        rows = store.files()
    finally:
        store.close()

    def no_parse(path: str, data: bytes) -> Any:
        raise AssertionError(f"{path} parsed again")

    resolver = Resolver(tmp_path)
    resolver.stored = rows
    with monkeypatch.context() as m:
        m.setattr(changes, "fingerprint_bytes", no_parse)
        state = resolver.state("m.py")
    assert state.fp == first.fp and state.mtime_ns == first.mtime_ns

    src.write_text("def f():\n    return 22\n")  # edited during the run: read it
    os.utime(src, ns=(old, old))
    again = Resolver(tmp_path)
    again.stored = rows
    assert again.state("m.py").fp != first.fp

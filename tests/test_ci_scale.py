"""CI at scale (issue 14): ``--testmon-shard K/N``, ``pytest-ripple merge``, the run
summary (``--testmon-report``) and ``pytest-ripple report`` as Markdown and HTML.

Each shard job works on its own copy of the data file, as parallel CI jobs do
(``TESTMON_DATAFILE`` points each run at its copy); the merge joins the copies."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from helpers import Project, Run, short
from pytest_ripple import cli, render
from pytest_ripple.shard import Shard, ShardSpecError, loads, split, weights
from pytest_ripple.store import SCHEMA_VERSION
from pytest_ripple.summary import KEYS, SCHEMA, check

# Six tests with different durations: add -> test_add*, mul -> test_mul*.
FILES = {
    "pytest.ini": "[pytest]\n",
    "calc.py": """
        def add(a, b):
            return a + b


        def mul(a, b):
            return a * b
    """,
    "test_calc.py": """
        import time

        from calc import add, mul


        def test_add_slow():
            time.sleep(0.06)
            assert add(2, 3) == 5


        def test_add_mid():
            time.sleep(0.03)
            assert add(1, 1) == 2


        def test_add_quick():
            assert add(0, 0) == 0


        def test_mul_slow():
            time.sleep(0.05)
            assert mul(2, 3) == 6


        def test_mul_mid():
            time.sleep(0.02)
            assert mul(1, 1) == 1


        def test_mul_quick():
            assert mul(0, 0) == 0
    """,
}
ALL = sorted(f"test_{op}_{speed}" for op in ("add", "mul") for speed in ("slow", "mid", "quick"))
ADDS = [n for n in ALL if n.startswith("test_add")]


def status(run: Run) -> str:
    return next(line for line in run.out.splitlines() if line.startswith("testmon: "))


def rows(path: Path) -> dict[str, tuple[str | None, float]]:
    """{short test name: (pending reason, when it ran)} of a data file."""
    con = sqlite3.connect(path)
    try:
        found = con.execute("SELECT nodeid, pending, ran FROM test").fetchall()
    finally:
        con.close()
    return {short(n): (p, r) for n, p, r in found}


class Jobs:
    """Parallel CI jobs on one project directory, each with its own data file."""

    def __init__(self, project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
        self.project = project
        self.monkeypatch = monkeypatch
        self.base = project.path / ".testmondata"

    def data(self, name: str) -> Path:
        return self.project.path / f"{name}.testmondata"

    def restore(self, name: str, source: Path | None = None) -> Path:
        """A job's copy of the cached data file (actions/cache restore)."""
        target = self.data(name)
        shutil.copy(source or self.base, target)
        return target

    def run(self, name: str, *args: str) -> Run:
        self.monkeypatch.setenv("TESTMON_DATAFILE", str(self.data(name)))
        try:
            return self.project.run("--testmon", *args)
        finally:
            self.monkeypatch.delenv("TESTMON_DATAFILE")

    def shards(self, count: int, *args: str) -> list[Run]:
        runs = []
        for k in range(1, count + 1):
            self.restore(f"shard{k}")
            runs.append(self.run(f"shard{k}", "--testmon-shard", f"{k}/{count}", *args))
        return runs


@pytest.fixture
def jobs(project: Project, monkeypatch: pytest.MonkeyPatch) -> Jobs:
    project.write(FILES)
    assert project.run("--testmon").ran == ALL  # the data every job restores
    return Jobs(project, monkeypatch)


def merge(*args: str | Path) -> int:
    return cli.main(["merge", *map(str, args)])


# -- shards: the split ------------------------------------------------------------------


class TestSplit:
    def test_parse(self) -> None:
        assert Shard.parse("2/4") == Shard(2, 4)
        assert str(Shard.parse(" 1 / 1 ")) == "1/1"
        for bad in ("0/4", "5/4", "4", "a/b", "1/0", "-1/2", ""):
            with pytest.raises(ShardSpecError, match="K/N"):
                Shard.parse(bad)

    def test_disjoint_complete_deterministic_balanced(self) -> None:
        rng = random.Random(14)
        for _ in range(50):
            tests = [f"t.py::test_{i}" for i in range(rng.randint(0, 300))]
            durations = {n: rng.expovariate(5) for n in tests if rng.random() < 0.9}
            count = rng.randint(1, 9)
            shards = [Shard(k, count).pick(tests, durations) for k in range(1, count + 1)]
            assert sorted(n for s in shards for n in s) == sorted(tests)  # each in one
            again = list(tests)
            rng.shuffle(again)  # the order of collection does not matter
            assert split(again, durations, count) == split(tests, durations, count)
            times = loads(tests, durations, count)
            longest = max(weights(tests, durations).values(), default=0.0)
            assert max(times) - min(times) <= longest + 1e-9

    def test_unknown_durations_count_as_the_median(self) -> None:
        found = weights(["a", "b", "c", "new"], {"a": 1.0, "b": 3.0, "c": 2.0})
        assert found["new"] == 2.0
        assert weights(["x", "y"], {}) == {"x": 1.0, "y": 1.0}


# -- shards: runs ------------------------------------------------------------------------


class TestShards:
    def test_a_bad_value_is_a_usage_error(self, project: Project) -> None:
        project.write(FILES)
        run = project.run("--testmon", "--testmon-shard", "5/4")
        assert run.ret == pytest.ExitCode.USAGE_ERROR
        assert "--testmon-shard 5/4: K/N needs 1 <= K <= N" in run.out

    def test_shards_run_the_affected_tests_once_each(self, jobs: Jobs) -> None:
        jobs.project.edit("calc.py", "return a + b", "return b + a")
        runs = jobs.shards(3)
        ran = [r.ran for r in runs]
        assert sorted(n for names in ran for n in names) == ADDS  # disjoint and complete
        assert all(names for names in ran)  # three tests, three shards
        assert status(runs[1]).startswith(
            f"testmon: 1 file changed, 3 of 6 tests affected, shard 2/3 runs {len(ran[1])} of 3"
        )
        for k, names in enumerate(ran, 1):  # each job keeps the others' tests pending
            data = rows(jobs.data(f"shard{k}"))
            pending = sorted(n for n, (why, _) in data.items() if why is not None)
            assert pending == sorted(set(ADDS) - set(names))

    def test_balanced_by_recorded_durations(self, jobs: Jobs) -> None:
        jobs.project.edit("calc.py", "return a + b", "return b + a")
        jobs.project.edit("calc.py", "return a * b", "return b * a")
        con = sqlite3.connect(jobs.base)
        recorded = {short(n): d for n, d in con.execute("SELECT nodeid, duration FROM test")}
        con.close()
        runs = jobs.shards(2)
        times = [sum(recorded[n] for n in run.ran) for run in runs]
        assert abs(times[0] - times[1]) <= max(recorded.values())
        assert sorted(n for run in runs for n in run.ran) == ALL
        assert [len(run.ran) > 0 for run in runs] == [True, True]
        # the two slowest as recorded (60 and 50 ms of sleep, unless the machine was
        # busy then) never share a shard
        slowest = set(sorted(recorded, key=recorded.__getitem__)[-2:])
        assert not any(slowest <= set(r.ran) for r in runs), (slowest, recorded)

    def test_composes_with_k_and_paths(self, jobs: Jobs) -> None:
        jobs.project.edit("calc.py", "return a + b", "return b + a")
        jobs.project.edit("calc.py", "return a * b", "return b * a")
        runs = jobs.shards(2, "-k", "slow or mid", "test_calc.py")
        ran = sorted(n for r in runs for n in r.ran)
        assert ran == ["test_add_mid", "test_add_slow", "test_mul_mid", "test_mul_slow"]
        assert "2 left out by -k" in status(runs[0])

    def test_a_shard_with_nothing_to_run_succeeds(self, jobs: Jobs) -> None:
        runs = jobs.shards(4)
        assert [r.ran for r in runs] == [[], [], [], []]
        assert {r.ret for r in runs} == {0}

    @pytest.mark.slow
    def test_with_xdist(self, jobs: Jobs) -> None:
        jobs.project.edit("calc.py", "return a + b", "return b + a")
        jobs.project.edit("calc.py", "return a * b", "return b * a")
        plain = [r.ran for r in jobs.shards(2)]
        spread = jobs.shards(2, "-n", "2")
        assert [r.ran for r in spread] == plain
        # the split follows the recorded durations (timing): the same with and without -n
        assert f"shard 1/2 runs {len(plain[0])} of 6" in status(spread[0])
        data = rows(jobs.data("shard1"))
        assert sorted(n for n, (why, _) in data.items() if why) == plain[1]


# -- merge -------------------------------------------------------------------------------


class TestMerge:
    def test_shards_merge_into_data_that_selects_exactly_what_changed(self, jobs: Jobs) -> None:
        jobs.project.edit("calc.py", "return a + b", "return b + a")
        jobs.shards(3)
        out = jobs.data("merged")
        assert merge(out, *(jobs.data(f"shard{k}") for k in (1, 2, 3))) == 0
        assert all(why is None for why, _ in rows(out).values())  # each ran somewhere
        assert jobs.run("merged").ran == []
        jobs.project.edit("calc.py", "return a * b", "return b * a")
        assert jobs.run("merged").ran == [n for n in ALL if n.startswith("test_mul")]

    def test_fingerprints_of_an_older_version_are_read_again_after_a_merge(
        self, jobs: Jobs
    ) -> None:
        """An input whose fingerprints an older version wrote (no ``fp_names``) may
        give the merged file its rows: the next run reads every file again."""

        def names_version(path: Path) -> list[tuple[str]]:
            con = sqlite3.connect(path)
            try:
                return con.execute("SELECT value FROM meta WHERE key='fp_names'").fetchall()
            finally:
                con.close()

        current = names_version(jobs.base)
        assert current  # written by the first run
        jobs.restore("new")
        jobs.restore("old")
        con = sqlite3.connect(jobs.data("old"))
        with con:
            con.execute("DELETE FROM meta WHERE key='fp_names'")
        con.close()
        out = jobs.data("merged")
        assert merge(out, jobs.data("new"), jobs.data("new")) == 0
        assert names_version(out) == current
        assert merge(out, jobs.data("new"), jobs.data("old")) == 0
        assert names_version(out) == []
        assert jobs.run("merged").ran == []  # read again: nothing changed
        assert names_version(out) == current

    def test_pending_everywhere_stays_pending(self, jobs: Jobs) -> None:
        jobs.project.edit("calc.py", "return a + b", "return b + a")
        for name in ("one", "two"):
            jobs.restore(name)
            assert jobs.run(name, "-k", "mul").ran == []
        out = jobs.data("merged")
        assert merge(out, jobs.data("one"), jobs.data("two")) == 0
        assert sorted(n for n, (why, _) in rows(out).items() if why) == ADDS
        assert jobs.run("merged").ran == ADDS

    def test_the_most_recent_run_wins(self, jobs: Jobs) -> None:
        jobs.project.edit("test_calc.py", "assert add(0, 0) == 0", "assert add(0, 0) == 1")
        jobs.restore("old")
        assert jobs.run("old").failed == ["test_add_quick"]
        jobs.project.edit("test_calc.py", "assert add(0, 0) == 1", "assert add(0, 0) == 0")
        jobs.restore("new", jobs.data("old"))
        assert jobs.run("new").ran == ["test_add_quick"]  # passes now
        for order in (("old", "new"), ("new", "old")):
            out = jobs.data("merged")
            assert merge(out, *(jobs.data(n) for n in order)) == 0
            assert rows(out)["test_add_quick"] == rows(jobs.data("new"))["test_add_quick"]
            assert jobs.run("merged").ran == []

    def test_a_file_recorded_differently_leaves_its_tests_pending(self, jobs: Jobs) -> None:
        """Jobs on different commits: job B ran test_add on another add(); job A, the
        most recent, has another mul(). B's test_add is pending: judged as an edit."""
        jobs.project.edit("calc.py", "return a + b", "return b + a")
        jobs.restore("b")
        assert jobs.run("b").ran == ADDS
        jobs.project.edit("calc.py", "return b + a", "return a + b")
        jobs.project.edit("calc.py", "return a * b", "return b * a")
        jobs.restore("a")
        assert jobs.run("a").ran == [n for n in ALL if n.startswith("test_mul")]
        out = jobs.data("merged")
        assert merge(out, jobs.data("a"), jobs.data("b")) == 0
        pending = {n: why for n, (why, _) in rows(out).items() if why}
        assert pending == dict.fromkeys(ADDS, "calc.py::add changed")
        assert jobs.run("merged").ran == ADDS

    def test_environments_stay_apart(self, jobs: Jobs) -> None:
        jobs.restore("x")
        jobs.restore("y")
        assert jobs.run("x", "--testmon-env", "x").ran == ALL
        jobs.project.edit("calc.py", "return a + b", "return b + a")
        assert jobs.run("y", "--testmon-env", "y").ran == ALL
        out = jobs.data("merged")
        assert merge(out, jobs.data("x"), jobs.data("y")) == 0
        con = sqlite3.connect(out)
        envs = con.execute(
            "SELECT env.name, COUNT(*) FROM test JOIN env ON env.id = test.env_id "
            "GROUP BY env.name ORDER BY env.name"
        ).fetchall()
        con.close()
        assert envs == [("default", 6), ("x", 6), ("y", 6)]
        assert jobs.run("merged", "--testmon-env", "y").ran == []
        assert jobs.run("merged", "--testmon-env", "x").ran == ADDS

    def test_same_inputs_same_file_written_atomically(self, jobs: Jobs) -> None:
        jobs.project.edit("calc.py", "return a + b", "return b + a")
        inputs = [jobs.data(f"shard{k}") for k in (1, 2)]
        jobs.shards(2)
        first, second = jobs.data("first"), jobs.data("second")
        assert merge(first, *inputs) == 0
        assert merge(second, *inputs) == 0
        assert merge(second, *inputs) == 0  # over an existing OUT
        assert first.read_bytes() == second.read_bytes()
        leftovers = [p.name for p in jobs.project.path.iterdir() if "merging" in p.name]
        assert leftovers == []

    @pytest.mark.parametrize("bad", ["newer", "older", "damaged", "foreign", "missing", "out"])
    def test_bad_inputs_change_nothing(
        self, jobs: Jobs, bad: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        good = jobs.restore("good")
        broken = jobs.data("broken")
        out = jobs.data("merged")
        out.write_bytes(b"the old OUT")
        says = {
            "newer": f"{broken} was written by a newer pytest-ripple (schema "
            f"{SCHEMA_VERSION + 1}; this one reads {SCHEMA_VERSION}): merge with that version",
            "older": f"{broken} was written by an older pytest-ripple (schema "
            f"{SCHEMA_VERSION - 1}; this one reads {SCHEMA_VERSION}): make it again",
            "damaged": f"{broken} cannot be used: it is damaged",
            "foreign": f"{broken} cannot be used: it was not written by pytest-ripple",
            "missing": f"no data file at {broken}",
            "out": f"the output {out} is also an input",
        }[bad]
        if bad in ("newer", "older"):
            shutil.copy(good, broken)
            version = SCHEMA_VERSION + (1 if bad == "newer" else -1)
            con = sqlite3.connect(broken)
            con.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(version),))
            con.commit()
            con.close()
        elif bad == "damaged":
            data = bytearray(good.read_bytes())
            data[100:4096] = b"\xff" * (4096 - 100)
            broken.write_bytes(bytes(data))
        elif bad == "foreign":
            con = sqlite3.connect(broken)
            con.execute("CREATE TABLE other (x)")
            con.commit()
            con.close()
        elif bad == "out":
            broken = out
        capsys.readouterr()
        assert merge(out, good, broken) == 1
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.startswith(f"ERROR: {says}")
        assert "Traceback" not in captured.err
        assert out.read_bytes() == b"the old OUT"


# -- reports -----------------------------------------------------------------------------


class Page(HTMLParser):
    """What a browser would load or run from a page, and the text of its parts."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.external: list[str] = []
        self.bars: list[dict[str, str | None]] = []
        self.ids: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        for name in ("src", "href", "srcset", "action", "data"):
            if found.get(name):
                self.external.append(f"{tag} {name}={found[name]}")
        if tag == "rect" and "bar" in (found.get("class") or ""):
            self.bars.append(found)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def reported(jobs: Jobs, *args: str) -> dict[str, Any]:
    path = jobs.project.path / "report.json"
    jobs.project.run("--testmon", "--testmon-report", str(path), *args)
    doc = json.loads(path.read_text())
    check(doc)
    return doc


class TestReports:
    def test_the_run_summary(self, jobs: Jobs) -> None:
        jobs.project.edit("calc.py", "return a + b", "return b + a")
        jobs.restore("one")
        jobs.monkeypatch.setenv("TESTMON_DATAFILE", str(jobs.data("one")))
        doc = reported(jobs, "--testmon-shard", "1/2")
        assert list(doc) == list(KEYS)
        assert doc["schema"] == SCHEMA
        assert doc["shard"] == "1/2"
        assert doc["changes"] == {"files": ["calc.py"], "names": {"calc.py": ["add"]}}
        ran = [t["nodeid"] for t in doc["tests"]]
        assert ran and {short(n) for n in ran} < set(ADDS)
        assert {t["reason"] for t in doc["tests"]} == {"calc.py::add changed"}
        assert {t["outcome"] for t in doc["tests"]} == {"passed"}
        assert doc["counts"] == {
            "collected": 6,
            "affected": 3,
            "selected": len(ran),
            "deselected": 3,
            "left_out": 0,
            "other_shards": 3 - len(ran),
        }
        assert doc["by_change"] == {"calc.py::add changed": ran}
        assert doc["time"]["deselected"] > 0.05  # the mul tests' recorded time
        assert doc["time"]["selected"] > 0
        assert doc["exit_status"] == 0
        assert doc["environment"]["name"] == "default"

    def test_markdown(self, jobs: Jobs, capsys: pytest.CaptureFixture[str]) -> None:
        jobs.project.edit("calc.py", "return a + b", "return b + a")
        reported(jobs)
        capsys.readouterr()
        assert cli.main(["report", str(jobs.project.path / "report.json")]) == 0
        text = capsys.readouterr().out
        assert text.startswith("### pytest-ripple: 3 of 6 tests run\n")
        assert "| calc.py::add changed | 3 |" in text
        assert "| `test_calc.py::test_add_mid` | passed |" in text
        assert "3 deselected · estimated time saved" in text

    def test_from_the_data_file(self, jobs: Jobs, capsys: pytest.CaptureFixture[str]) -> None:
        jobs.project.edit("calc.py", "return a * b", "return b * a")
        capsys.readouterr()
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(jobs.project.path)
            assert cli.main(["report", "--format", "json"]) == 0
        doc = check(json.loads(capsys.readouterr().out))
        assert doc["source"] == "data file"
        assert sorted(short(t["nodeid"]) for t in doc["tests"]) == [
            "test_mul_mid",
            "test_mul_quick",
            "test_mul_slow",
        ]

    def test_not_a_summary(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        path = tmp_path / "x.json"
        path.write_text('{"a": 1}')
        assert cli.main(["report", str(path)]) == 1
        assert "not a pytest-ripple report" in capsys.readouterr().err

    def html(self, jobs: Jobs) -> tuple[Path, Page]:
        jobs.project.edit("calc.py", "return a + b", "return b + a")
        jobs.project.edit("test_calc.py", "assert add(1, 1) == 2", "assert add(1, 1) == 3")
        reported(jobs)
        page = jobs.project.path / "report.html"
        args = ["report", str(jobs.project.path / "report.json"), "--format", "html"]
        assert cli.main([*args, "-o", str(page)]) == 0
        parser = Page()
        parser.feed(page.read_text())
        parser.close()
        return page, parser

    def test_html_is_one_self_contained_page(self, jobs: Jobs) -> None:
        _, page = self.html(jobs)
        assert page.external == []
        assert "script" not in page.tags and "link" not in page.tags
        assert {"chart", "changed", "by-change", "tests", "facts"} <= page.ids
        labels = [bar["data-label"] for bar in page.bars]
        assert labels == ["selected", "deselected"]
        assert all(int(str(bar["width"])) > 0 for bar in page.bars)
        text = " ".join(page.text)
        assert "calc.py::add changed" in text and "test_calc.py::test_add_mid" in text
        assert "failed" in text

    @pytest.mark.slow
    def test_html_in_a_headless_browser(self, jobs: Jobs) -> None:
        sync_api = pytest.importorskip(
            "playwright.sync_api", reason="playwright is not installed (optional)"
        )
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if chromium is None:
            pytest.skip("no chromium executable (apt-get install chromium)")
        path, _ = self.html(jobs)
        requests: list[str] = []
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            try:
                tab = browser.new_page()
                tab.on("request", lambda r: requests.append(r.url))
                tab.goto(path.as_uri())
                widths = tab.eval_on_selector_all(
                    "rect.bar", "els => els.map(e => e.getBoundingClientRect().width)"
                )
                rows_shown = tab.locator("#tests tbody tr").count()
                failed = tab.locator("#tests td.failed").inner_text()
                title = tab.title()
            finally:
                browser.close()
        assert requests == [path.as_uri()]  # nothing else loaded
        assert len(widths) == 2 and all(w > 0 for w in widths)
        assert rows_shown == 3
        assert failed == "failed"
        assert title == "pytest-ripple: 3 of 6 tests run"


def test_render_escapes() -> None:
    doc = {
        "source": "run",
        "shard": None,
        "counts": dict.fromkeys(
            ("collected", "affected", "selected", "deselected", "left_out", "other_shards"), 1
        ),
        "time": {"selected": 1.0, "deselected": 0.0, "other_shards": 0.0},
        "changes": {"files": ["a.py"], "names": {"a.py": ["<b>"]}},
        "environment": {"name": "default", "python": "cpython3.12"},
        "engine": "",
        "by_change": {"a.py::x|y changed": ["t.py::test[<script>]"]},
        "tests": [
            {"nodeid": "t.py::test[<script>]", "reason": "a|b", "outcome": None, "duration": None}
        ],
        "created": "now",
        "version": "0",
    }
    page = render.page(doc)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "| a.py::x\\|y changed | 1 |" in render.markdown(doc)

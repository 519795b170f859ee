"""Shards and merge on the 5,000-test synthetic suite: ``python -m benchmarks.shards``.

1. One recording run of the suite (``pytest --testmon``) gives the durations.
2. For N = 2, 4, 8: every shard K/N runs on its own copy of that data file
   (``--testmon-noselect``: every test is selected, so the shards split all 5,000),
   with ``--testmon-report`` giving the time its tests took.
3. The imbalance of a split is max / mean of its shards' durations: as the split
   expected them (the recorded durations it balanced) and as they ran.
4. The eight data files of N = 8 are merged (in-process, best of ``--repeat``).

Runs with this interpreter (the project's environment). Work files go to
``benchmarks/_work/shards`` (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import synthetic
from benchmarks.envs import REPO
from benchmarks.workload import copy_tree
from pytest_ripple.merge import merge
from pytest_ripple.shard import loads

WORK = REPO / "benchmarks" / "_work" / "shards"
COUNTS = (2, 4, 8)


def pytest_run(tree: Path, datafile: Path, args: list[str]) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["TESTMON_DATAFILE"] = str(datafile)
    quiet = ["-q", "-p", "no:randomly", "-p", "no:cacheprovider"]
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *quiet, *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"pytest {' '.join(args)} failed:\n{done.stdout[-2000:]}")
    return time.perf_counter() - start


def recorded(datafile: Path) -> dict[str, float]:
    con = sqlite3.connect(datafile)
    try:
        return dict(con.execute("SELECT nodeid, duration FROM test"))
    finally:
        con.close()


def imbalance(times: list[float]) -> float:
    mean = sum(times) / len(times)
    return max(times) / mean if mean else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="merge timings (best of)")
    opts = parser.parse_args()
    suite = synthetic.regular(REPO / "benchmarks" / "_work" / "bench" / "suites", 5_000, 100)
    tree = WORK / "tree"
    copy_tree(suite.tree, tree)
    base = WORK / "base.testmondata"
    base.unlink(missing_ok=True)
    first = pytest_run(tree, base, ["--testmon"])
    durations = recorded(base)
    print(f"{suite.name}: recording run {first:.1f} s, {len(durations)} tests")
    print(f"{'N':>3}  {'expected max/mean':>18}  {'ran max/mean':>13}  shard times (s)")
    files: list[Path] = []
    for count in COUNTS:
        ran = []
        for k in range(1, count + 1):
            data = WORK / f"shard-{count}-{k}.testmondata"
            shutil.copy(base, data)
            report = WORK / f"shard-{count}-{k}.json"
            shard = ["--testmon-shard", f"{k}/{count}", "--testmon-report", str(report)]
            pytest_run(tree, data, ["--testmon", "--testmon-noselect", *shard])
            ran.append(json.loads(report.read_text())["time"]["selected"])
            if count == 8:
                files.append(data)
        expected = loads(durations, durations, count)
        shown = " ".join(f"{t:.2f}" for t in ran)
        print(f"{count:>3}  {imbalance(expected):>18.3f}  {imbalance(ran):>13.3f}  {shown}")
    best = float("inf")
    out = WORK / "merged.testmondata"
    for _ in range(max(opts.repeat, 1)):
        start = time.perf_counter()
        found = merge(out, files)
        best = min(best, time.perf_counter() - start)
    size = sum(f.stat().st_size for f in files) / len(files) / 1e6
    print(
        f"merge of {len(files)} shard files ({size:.1f} MB each, {found.tests} tests): "
        f"{best:.2f} s (best of {max(opts.repeat, 1)})"
    )


if __name__ == "__main__":
    main()

"""The GitHub Actions recipe of ``docs/ci.md``, run as written: each ``run:`` line of
its workflow is executed by bash, each shard job in a directory of its own (a fresh
clone with the cache restored), its artifacts copied to the merge job's directory, the
merge, then the next commit's run from the merged data, which must select exactly what
changed. The GitLab recipe must run the same commands."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

DOC = Path(__file__).parent.parent / "docs" / "ci.md"
SHARDS = 4

PROJECT = {
    "pytest.ini": "[pytest]\ntestpaths = tests\npythonpath = .\n",
    "app/__init__.py": "",
    "app/calc.py": """
        def add(a, b):
            return a + b


        def mul(a, b):
            return a * b
    """,
    "tests/test_add.py": "from app.calc import add\n\n\n"
    + "\n\n".join(f"def test_add{i}():\n    assert add({i}, 1) == {i + 1}\n" for i in range(6)),
    "tests/test_mul.py": "from app.calc import mul\n\n\n"
    + "\n\n".join(f"def test_mul{i}():\n    assert mul({i}, 1) == {i}\n" for i in range(3)),
}
ADDS = [f"tests/test_add.py::test_add{i}" for i in range(6)]
MULS = [f"tests/test_mul.py::test_mul{i}" for i in range(3)]


def yaml_block(after: str) -> str:
    text = DOC.read_text()
    start = text.index(after)
    found = re.search(r"```yaml\n(.*?)```", text[start:], re.S)
    assert found is not None
    return found.group(1)


def github_steps() -> tuple[list[str], list[str]]:
    """The ``run:`` commands of the test job and of the merge job, without installs."""
    block = yaml_block("## GitHub Actions")
    test_part, merge_part = block.split("\n  merge:\n")
    return _runs(test_part), _runs(merge_part)


def _runs(part: str) -> list[str]:
    commands = re.findall(r"^\s*(?:- )?run: (.+)$", part, re.M)
    return [c for c in commands if not c.startswith("pip ")]


def bash(command: str, cwd: Path, summary: Path) -> None:
    # the outer run's settings stay out; its child-process channel stays in (under our
    # own --testmon these commands report what they ran, like any child of a test)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TESTMON", "PYTEST_")) or k == "PYTEST_RIPPLE_CHILDREN"
    }
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["GITHUB_STEP_SUMMARY"] = str(summary)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    done = subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"


def clone(source: Path, dest: Path) -> Path:
    """A fresh checkout of the project (no data file, no caches)."""
    shutil.copytree(
        source, dest, ignore=shutil.ignore_patterns(".testmondata*", ".pytest_cache", "shards")
    )
    return dest


def ran(report: Path) -> list[str]:
    return [t["nodeid"] for t in json.loads(report.read_text())["tests"] if t["outcome"]]


@pytest.mark.slow
def test_the_github_workflow_as_written(tmp_path: Path) -> None:
    test_steps, merge_steps = github_steps()
    assert any("--testmon-shard ${{ matrix.shard }}/4" in c for c in test_steps)
    repo = tmp_path / "repo"
    for rel, text in PROJECT.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(textwrap.dedent(text).lstrip("\n"))
    summary = tmp_path / "summary.md"
    # the cache the last merge saved, on the commit before
    bash("pytest --testmon -q", repo, summary)
    cache = tmp_path / "cache.testmondata"
    shutil.copy(repo / ".testmondata", cache)
    # the next commit changes add(): the matrix runs its six tests over four shards
    calc = repo / "app" / "calc.py"
    calc.write_text(calc.read_text().replace("return a + b", "return b + a"))
    merge_dir = tmp_path / "merge"
    (merge_dir / "shards").mkdir(parents=True)
    per_shard = []
    for k in range(1, SHARDS + 1):
        job = clone(repo, tmp_path / f"shard{k}")
        shutil.copy(cache, job / ".testmondata")  # actions/cache/restore
        for command in test_steps:
            bash(command.replace("${{ matrix.shard }}", str(k)), job, summary)
        per_shard.append(ran(job / "testmon-report.json"))
        shutil.copytree(job / "shards" / str(k), merge_dir / "shards" / str(k))  # artifacts
    assert sorted(n for names in per_shard for n in names) == ADDS  # each exactly once
    assert all(per_shard)
    for command in merge_steps:
        bash(command, merge_dir, summary)
    shown = summary.read_text()
    for k in range(1, SHARDS + 1):
        assert f"tests run (shard {k}/4)" in shown
    counts = re.findall(r"^\| app/calc.py::add changed \| (\d+) \|$", shown, re.M)
    assert len(counts) == 2 * SHARDS  # each job's summary, then the merge job's
    assert sum(map(int, counts)) == 2 * len(ADDS)
    # the commit after: a fresh clone restores the merged data
    nxt = clone(repo, tmp_path / "next")
    shutil.copy(merge_dir / ".testmondata", nxt / ".testmondata")
    bash("pytest --testmon --testmon-report r.json", nxt, summary)
    assert ran(nxt / "r.json") == []
    calc = nxt / "app" / "calc.py"
    calc.write_text(calc.read_text().replace("return a * b", "return b * a"))
    bash("pytest --testmon --testmon-report r.json", nxt, summary)
    assert ran(nxt / "r.json") == MULS


def test_gitlab_runs_the_same_commands() -> None:
    test_steps, merge_steps = github_steps()
    gitlab = yaml_block("## GitLab CI")
    lines = re.findall(r"^\s+- (.+)$", gitlab, re.M)
    shard = "$CI_NODE_INDEX/$CI_NODE_TOTAL"
    github_pytest = next(c for c in test_steps if c.startswith("pytest "))
    assert github_pytest.replace("${{ matrix.shard }}/4", shard) in lines
    github_merge = next(c for c in merge_steps if " merge " in c)
    assert github_merge in lines
    copy = next(c for c in test_steps if c.startswith("mkdir"))
    assert copy.replace("${{ matrix.shard }}", "$CI_NODE_INDEX") in lines

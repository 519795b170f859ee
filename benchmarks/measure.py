"""One pytest run in a child process: wall time, peak memory, exit status, counts."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

DATAFILE = ".testmondata"
TIMEOUT_S = 1800.0  # one run; a hung child must not hold the whole harness
_PROBLEM = re.compile(r"testmon: (warning|could not|cannot)|INTERNALERROR|^Traceback|^ERROR ")
_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|deselected|xfailed|xpassed)\b")
# Variables that would change what a child pytest does, inherited from `uv run` or a shell.
_SCRUB = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONDONTWRITEBYTECODE", "PYTHONSTARTUP")
_SCRUB_PREFIXES = ("PYTEST_", "TESTMON_", "COV_CORE_", "COVERAGE_", "UV_")


@dataclass
class Run:
    seconds: float
    maxrss_kb: int  # the child's own peak resident set (wait4), not the harness's
    rc: int
    counts: dict[str, int] = field(default_factory=dict)
    header: str = ""  # the plugin's "testmon: ..." line, for the selection counts
    problems: list[str] = field(default_factory=list)  # warnings, tracebacks: see the log

    @property
    def ok(self) -> bool:
        # 5: nothing collected or all deselected (pytest-testmon's "no tests ran")
        return self.rc in (0, 5) and not self.problems

    @property
    def ran(self) -> int:
        skip = ("deselected",)
        return sum(n for word, n in self.counts.items() if word not in skip)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def child_env() -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in _SCRUB and not k.startswith(_SCRUB_PREFIXES)
    }
    env["PY_COLORS"] = "0"
    return env


def pytest_run(python: Path, cwd: Path, args: Sequence[str], log: Path) -> Run:
    """``python -m pytest ARGS`` in ``cwd``; its output goes to ``log`` (100k dots)."""
    cmd = [str(python), "-m", "pytest", *args]
    with open(log, "wb") as out:
        out.write((" ".join(cmd) + "\n").encode())
        out.flush()
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=child_env())
        timer = threading.Timer(TIMEOUT_S, proc.kill)
        timer.start()
        try:
            # wait4, not wait: the rusage of this child alone (RUSAGE_CHILDREN would be
            # the maximum over every child so far, which hides the smaller ones).
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    counts = _counts(log)
    header, problems = _scan(log)
    return Run(seconds, int(usage.ru_maxrss), proc.returncode, counts, header, problems)


def _counts(log: Path) -> dict[str, int]:
    """pytest's closing line: {"passed": 5, "deselected": 99995}."""
    with open(log, "rb") as f:
        f.seek(max(0, os.path.getsize(log) - 20_000))
        lines = f.read().decode(errors="replace").splitlines()
    for line in reversed(lines):
        found = _COUNT.findall(line)
        if found and (" in " in line or "no tests ran" in line):
            return {_word(w): int(n) for n, w in found}
    return {}


def _word(word: str) -> str:
    return "error" if word.startswith("error") else word


def _scan(log: Path) -> tuple[str, list[str]]:
    """The first ``testmon:`` line (both plugins print one near the top), and the lines
    that say a run did not go as measured (a plugin that could not read or write its
    data would make its figures meaningless)."""
    header = ""
    problems: list[str] = []
    with open(log, "rb") as f:
        for raw in f:
            line = raw.decode(errors="replace").strip()
            if not header and line.startswith("testmon"):
                header = line
            if _PROBLEM.search(line) and len(problems) < 3:
                problems.append(line[:300])
    return header, problems


def data_bytes(tree: Path) -> int:
    """The data file with its SQLite companions (-wal, -shm), as left on disk."""
    return sum(p.stat().st_size for p in tree.glob(DATAFILE + "*") if p.is_file())


def drop_data(tree: Path) -> None:
    for p in tree.glob(DATAFILE + "*"):
        p.unlink()


def snapshot_data(tree: Path, keep: Path) -> None:
    shutil.rmtree(keep, ignore_errors=True)
    keep.mkdir(parents=True)
    for p in tree.glob(DATAFILE + "*"):
        shutil.copy2(p, keep / p.name)


def restore_data(tree: Path, keep: Path) -> None:
    drop_data(tree)
    for p in keep.iterdir():
        shutil.copy2(p, tree / p.name)
    shutil.rmtree(keep)

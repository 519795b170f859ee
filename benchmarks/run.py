"""Speed and size of pytest-ripple against plain pytest and pytest-testmon 2.2.0.

    uv run python -m benchmarks [--quick] [--python X.Y ...] [--only synthetic|real|WORDS]
                                [--repeat N] [--output PATH] [--big-python X.Y] [--render]

Per interpreter, three venvs (``benchmarks/envs.py``) run every workload (synthetic
suites from ``benchmarks/synthetic.py``, real sdists from ``benchmarks/real.py``), each
tool in its own copy of the tree. The tools are interleaved within every phase (their
order rotating between repetitions), so that a burst of load on this shared machine
hits all of them alike:

1. first runs, N times: the data file deleted, the whole suite runs and is recorded;
2. then N times: a no-change re-run; a one-function edit, with ``--collect-only`` (the
   selection alone; the data file is restored after it) and the real re-run; the edit
   reverted and the revert recorded (an untimed "resync" run). Plain pytest runs
   ``--collect-only`` with the edit and, in the parametrized case, ``-k <the one
   affected test>``. Last, a comment appended to the same file (a comment-only edit),
   then reverted and re-recorded.

Every figure is the median over the repetitions. The floor is ``pytest --collect-only
-q`` in an empty folder. Results: a table on stdout and in ``docs/benchmarks.md`` (with
``--quick``: ``benchmarks/_work/bench/quick.md``), raw samples in ``_work/bench``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

from benchmarks import envs, real, report, synthetic
from benchmarks.envs import TOOLS, Env
from benchmarks.measure import Run, data_bytes, drop_data, pytest_run, restore_data, snapshot_data
from benchmarks.workload import Workload, apply_edit, copy_tree, revert_edit

WORK = envs.REPO / "benchmarks" / "_work" / "bench"
DEFAULT_PYTHONS = ("3.11", "3.12")
# The 100k suite: pytest-testmon 2.2.0's first run of it took 19.5 minutes here (plain
# pytest: 80 s). To keep a full run near an hour it runs on one interpreter (by default)
# and its first runs once per tool (Workload.first_once, as for the 40k file: testmon
# 130 s); the re-runs repeat as often as the others'. --big-python adds interpreters.
BIG_PYTHONS = ("3.12",)
BIG_REPEAT = 3  # at most
FLOOR_REPEAT = 5  # the floor is cheap and noisy: more samples
ON = ("--testmon",)

Samples = dict[str, dict[str, list[dict[str, Any]]]]  # tool -> phase -> runs


def main(argv: Sequence[str] | None = None) -> int:
    opts = _parse(argv)
    if opts.render:
        return _render_only(opts)
    started = time.monotonic()
    WORK.mkdir(parents=True, exist_ok=True)
    _say("building pytest-ripple from the working tree")
    wheel = envs.build_wheel(WORK)
    data: dict[str, Any] = {
        "machine": envs.machine(),
        "command": _command(argv),
        "quick": opts.quick,
        "pythons": {},
    }
    for version in opts.python:
        data["pythons"][version] = _bench_python(version, opts, wheel)
        _save(data, opts)  # an interrupted run keeps what it measured
    data["machine"]["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    data["machine"]["minutes"] = f"{(time.monotonic() - started) / 60:.1f}"
    _save(data, opts)
    _write_report(data, opts)
    return 0


def _render_only(opts: argparse.Namespace) -> int:
    """The report again from the stored samples (after a change to report.py)."""
    path = _results(opts)
    if not path.exists():
        raise SystemExit(f"{path}: no stored results; run the benchmarks first")
    _write_report(json.loads(path.read_text()), opts)
    return 0


def _write_report(data: dict[str, Any], opts: argparse.Namespace) -> None:
    out = _output(opts)
    before = out.read_text(encoding="utf-8") if out.exists() else ""
    text = report.render(data) + report.hand_written(before)
    print(text)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    _say(f"written to {out}")


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes, 1 repetition (smoke test)")
    p.add_argument(
        "--python",
        action="append",
        metavar="X.Y",
        help=f"interpreter (pyenv), repeatable; default {' and '.join(DEFAULT_PYTHONS)}",
    )
    p.add_argument(
        "--only",
        metavar="WHAT",
        help="synthetic, real, or comma-separated words of workload names (e.g. 100k,toolz)",
    )
    p.add_argument("--repeat", type=int, metavar="N", help="repetitions (default 3; --quick 1)")
    p.add_argument("--output", type=Path, metavar="PATH", help="where the markdown report goes")
    p.add_argument(
        "--big-python",
        action="append",
        metavar="X.Y",
        help=f"also run the 100k suite on this interpreter (default: {', '.join(BIG_PYTHONS)})",
    )
    p.add_argument(
        "--render",
        action="store_true",
        help="only rewrite the report from the stored results (with --quick: the quick ones)",
    )
    opts = p.parse_args(argv)
    opts.python = [v for arg in (opts.python or DEFAULT_PYTHONS) for v in arg.split(",")]
    opts.big_python = [*BIG_PYTHONS, *(v for a in opts.big_python or () for v in a.split(","))]
    if opts.repeat is None:
        opts.repeat = 1 if opts.quick else 3
    if opts.repeat < 1:
        p.error("--repeat must be at least 1")
    return opts


def _command(argv: Sequence[str] | None) -> str:
    args = list(sys.argv[1:] if argv is None else argv)
    return shlex.join(["uv", "run", "python", "-m", "benchmarks", *args])


def _output(opts: argparse.Namespace) -> Path:
    if opts.output is not None:
        return Path(opts.output)
    if opts.quick:
        return WORK / "quick.md"
    return envs.REPO / "docs" / "benchmarks.md"


def _results(opts: argparse.Namespace) -> Path:
    return WORK / ("results-quick.json" if opts.quick else "results.json")


def _save(data: dict[str, Any], opts: argparse.Namespace) -> None:
    _results(opts).write_text(json.dumps(data, indent=1))


def _say(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- one interpreter ------------------------------------------------------------------


def _bench_python(version: str, opts: argparse.Namespace, wheel: Path) -> dict[str, Any]:
    _say(f"Python {version}: environments")
    tools = {tool: envs.ensure(WORK, version, tool, wheel) for tool in TOOLS}
    out: dict[str, Any] = {
        "versions": {tool: env.versions for tool, env in tools.items()},
        "floor": _floor(tools),
        "workloads": [],
        "skipped": [],
    }
    for wl in _workloads(opts, tools["plain"].python):
        if wl.big and version not in opts.big_python:
            out["skipped"].append(f"{wl.name} (on {', '.join(opts.big_python)} only: time)")
            continue
        reps = min(opts.repeat, BIG_REPEAT) if wl.big else opts.repeat
        first_reps = 1 if wl.first_once else reps
        out["workloads"].append(_bench_workload(wl, tools, version, first_reps, reps))
    return out


def _workloads(opts: argparse.Namespace, python: Path) -> list[Workload]:
    only = (opts.only or "").strip().lower()
    found: list[Workload] = []
    if only != "real":
        found += synthetic.suites(WORK / "suites", opts.quick)
    if only != "synthetic":
        found += real.suites(WORK, python)
    if only in ("", "real", "synthetic"):
        return found
    words = [w.strip() for w in only.split(",") if w.strip()]
    return [wl for wl in found if any(w in wl.name.lower() for w in words)]


def _floor_run(env: Env) -> Run:
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp:
        return pytest_run(env.python, Path(tmp), ["--collect-only", "-q"], Path(tmp) / "log")


def _floor(tools: dict[str, Env]) -> dict[str, list[dict[str, Any]]]:
    """pytest's start-up: ``--collect-only -q`` in an empty folder (outside this repo,
    so no configuration is found); for the plugins also with ``--testmon`` on."""
    samples: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp:
        empty = Path(tmp) / "empty"
        log = Path(tmp) / "log.txt"
        for rep in range(FLOOR_REPEAT):
            for tool in _rotate(TOOLS, rep):
                for on in (False, True) if tool != "plain" else (False,):
                    shutil.rmtree(empty, ignore_errors=True)  # empty: no cache, no data
                    empty.mkdir()
                    args = [*ON, "--collect-only", "-q"] if on else ["--collect-only", "-q"]
                    run = pytest_run(tools[tool].python, empty, args, log)
                    samples.setdefault(tool + ("+on" if on else ""), []).append(run.to_json())
    return samples


# -- one workload ---------------------------------------------------------------------


def _bench_workload(
    wl: Workload, tools: dict[str, Env], version: str, first_reps: int, reps: int
) -> dict[str, Any]:
    base = WORK / "runs" / f"py{version}" / _slug(wl.name)
    logs = base / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    _say(f"Python {version}: {wl.name}: bytecode warm-up, copies")
    _warm_up(wl, tools["plain"], logs / "warm-up.txt")
    trees = {tool: base / tool for tool in TOOLS}
    for tree in trees.values():
        copy_tree(wl.tree, tree)
    samples: Samples = {tool: {} for tool in TOOLS}
    sizes: dict[str, list[int]] = {tool: [] for tool in TOOLS if tool != "plain"}
    ctx = _Ctx(wl, tools, trees, logs, samples, version)
    for rep in range(first_reps):
        ctx.rep = f"{rep + 1}/{first_reps}"
        for tool in _rotate(TOOLS, rep):
            if tool != "plain":
                drop_data(trees[tool])
            ctx.run(tool, "first", ON if tool != "plain" else ())
            if tool != "plain":
                sizes[tool].append(data_bytes(trees[tool]))
    # The re-runs start from the data of the last first run: no first run is needed
    # between them, since every edit is reverted and the revert re-recorded.
    for rep in range(reps):
        order = _rotate(TOOLS, rep)
        ctx.rep = f"{rep + 1}/{reps}"
        for tool in order:
            if tool != "plain":
                ctx.run(tool, "nochange", ON)
        for tool in order:
            _edit_phase(ctx, tool)
        for tool in order:
            if tool != "plain":
                _comment_phase(ctx, tool)
        # The floor again, next to the runs it is subtracted from: one taken at the
        # start of an interpreter's section can hit a burst of other people's load.
        ctx.samples["plain"].setdefault("floor", []).append(_floor_run(tools["plain"]).to_json())
    first_plain = samples["plain"]["first"][0]
    return {
        "name": wl.name,
        "kind": wl.kind,
        "shape": wl.shape,
        "tests": Run(**first_plain).ran,
        "edit": f"{wl.edit.path}::{wl.edit.function}",
        "k_expr": wl.k_expr,
        "note": wl.note,
        "big": wl.big,
        "first_reps": first_reps,
        "reps": reps,
        "samples": samples,
        "data_bytes": sizes,
    }


class _Ctx:
    """What every run of one workload needs; records each run and reports progress."""

    def __init__(
        self,
        wl: Workload,
        tools: dict[str, Env],
        trees: dict[str, Path],
        logs: Path,
        samples: Samples,
        version: str,
    ) -> None:
        self.wl, self.tools, self.trees, self.logs = wl, tools, trees, logs
        self.samples, self.version, self.rep = samples, version, ""

    def run(self, tool: str, phase: str, extra: Sequence[str]) -> Run:
        log = self.logs / f"{tool}-{phase}.txt"
        args = ["-q", *self.wl.pytest_args, *extra]
        run = pytest_run(self.tools[tool].python, self.trees[tool], args, log)
        self.samples[tool].setdefault(phase, []).append(run.to_json())
        counts = ", ".join(f"{n} {w}" for w, n in run.counts.items())
        flag = "" if run.ok else f"  FAILED rc={run.rc}, see {log}"
        _say(
            f"{self.version} {self.wl.name} [{self.rep}] {tool:7} {phase:8} "
            f"{run.seconds:7.2f} s {run.maxrss_kb / 1024:6.0f} MB  {counts}{flag}"
        )
        return run


def _edit_phase(ctx: _Ctx, tool: str) -> None:
    """Edit one function; time the selection alone (a dry run whose data is restored
    afterwards, in case a plugin writes during --collect-only), then the re-run."""
    tree = ctx.trees[tool]
    original = apply_edit(tree, ctx.wl.edit)
    try:
        if tool == "plain":
            ctx.run(tool, "collect", ("--collect-only",))
            if ctx.wl.k_expr:
                ctx.run(tool, "k", ("-k", ctx.wl.k_expr))
            return
        keep = tree.parent / f"{tool}-data-keep"
        snapshot_data(tree, keep)
        ctx.run(tool, "collect", (*ON, "--collect-only"))
        restore_data(tree, keep)
        ctx.run(tool, "edit", ON)
    finally:
        revert_edit(tree, ctx.wl.edit, original)
    if tool != "plain":  # record the revert, so the next no-change run is one
        ctx.run(tool, "resync", ON)


def _comment_phase(ctx: _Ctx, tool: str) -> None:
    """A comment appended to the edited file: a change of bytes that changes no code,
    so the run should cost what a no-change run costs (no test file imported)."""
    path = ctx.trees[tool] / ctx.wl.edit.path
    original = path.read_text(encoding="utf-8")
    try:
        path.write_text(original + "\n# a comment, nothing else\n", encoding="utf-8")
        ctx.run(tool, "comment", ON)
    finally:
        path.write_text(original, encoding="utf-8")
    ctx.run(tool, "resync", ON)


def _warm_up(wl: Workload, plain: Env, log: Path) -> None:
    """Compile the bytecode (and pytest's rewritten test modules) once in the pristine
    tree, so that no tool's first run pays for it: the copies inherit it."""
    pytest_run(plain.python, wl.tree, ["-q", "--collect-only", *wl.pytest_args], log)


def _rotate(items: Sequence[str], n: int) -> list[str]:
    k = n % len(items)
    return [*items[k:], *items[:k]]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")

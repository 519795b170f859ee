"""Replay of a project's git history: plain pytest, pytest-testmon and pytest-ripple
commit after commit, as a developer pulling those commits one by one would run them.

    uv run python -m benchmarks.replay REPO [--name NAME] [--commits N] [--ref REV]
                                            [--python X.Y] [--render] [--detail]

REPO is a git repository with history (a bare one works: the ``fetch`` mirrors under
``/work/.mirror/OWNER+NAME/repo``). The replay takes the N newest commits of the
first-parent line ending at REV that change a ``.py`` file (default 30, HEAD), and the
one such commit before them as the baseline. Each tool works in its own clone under
``benchmarks/_work/replay/trees/NAME/TOOL`` (never in REPO), in its own venv from
``benchmarks/envs.py`` (plus the project's test requirements of :data:`PROJECTS`). The
project's code is imported from the clone, never installed: ``python -m pytest`` puts
the clone on ``sys.path`` (a src layout gets ``pythonpath`` in :data:`PROJECTS`; tests
that read the distribution's metadata get a dist-info without code).

1. Baseline: every clone checked out at the baseline commit, fresh (``git clean -xdf``);
   plain pytest runs once (bytecode), testmon and ripple record with ``--testmon``.
   None of this is timed into the totals.
2. Every replayed commit, oldest first: each clone checks it out (``git checkout
   --force``; untracked files other than the data file and pytest's cache removed), and
   the three tools run in an order that rotates from commit to commit: plain pytest the
   whole suite with ``-p no:cacheprovider``, testmon and ripple with ``--testmon`` (and
   pytest's cache, as a developer has it: both re-run the tests that failed last time).
   Every run writes a JUnit XML file, from which the failing tests and the tests a tool
   ran are read.

A *miss* is a test that fails (failure or error) in plain pytest's full run at a commit
and that the tool did not run at that commit. A commit where plain pytest reports a
collection error is kept and flagged. Results: ``benchmarks/_work/replay/NAME.json``
(raw) and a Markdown table on stdout; ``--render`` prints the table of every stored
result (or of the files named) again, as the section of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from benchmarks import envs
from benchmarks.envs import TOOLS, Env
from benchmarks.measure import DATAFILE, Run, drop_data, pytest_run

REPLAY = envs.REPO / "benchmarks" / "_work" / "replay"
DEFAULT_COMMITS = 30
DEFAULT_PYTHON = "3.12"
ON = ("--testmon",)
PLAIN = ("-p", "no:cacheprovider")
# The files pytest takes its configuration from, in the order it looks for them. A
# commit without any would make pytest climb out of the clone into this repository's
# pyproject.toml: it then gets an empty ini with -c, and the clone as --rootdir.
_CONFIGS = (
    ("pytest.ini", None),
    (".pytest.ini", None),
    ("pyproject.toml", re.compile(r"^\[tool\.pytest(\.ini_options)?\]", re.M)),
    ("tox.ini", re.compile(r"^\[pytest\]", re.M)),
    ("setup.cfg", re.compile(r"^\[tool:pytest\]", re.M)),
)
_COLLECT_ERROR = re.compile(r"ERROR collecting|errors? during collection")


@dataclass(frozen=True)
class Project:
    """What a project's tests need besides pytest, and how they are run."""

    requirements: tuple[str, ...] = ()  # pip requirements of the tests (not the project)
    pytest_args: tuple[str, ...] = ()  # for every run of every tool
    pythonpath: str = ""  # a src layout: "src" (passed as -o pythonpath=...)
    # a distribution name the tests look up (``importlib.metadata.version("click")``)
    # while the code comes from the clone: its venvs get a metadata-only dist-info
    metadata: str = ""
    note: str = ""


# Projects replayed so far; a project not in the table runs with pytest alone.
PROJECTS: dict[str, Project] = {
    "toolz": Project(),
    "click": Project(
        pythonpath="src",
        # its ini turns warnings into errors, and pytest 9 warns about how click's
        # older commits call it: every tool's collection would fail
        pytest_args=("-W", "ignore::pytest.PytestRemovedIn10Warning"),
        metadata="click",  # tests/test_deprecations.py compares ``__version__`` to it
        note="src layout; pytest 9's `PytestRemovedIn10Warning` ignored for every tool; "
        "a metadata-only `click` distribution installed (the code comes from the clone)",
    ),
    "sqlparse": Project(),
    "more-itertools": Project(
        # Three tests take 14 s of the 18 s the suite runs (a prime sieve, two that wait
        # on threads): left out of every tool's runs, or they would be most of every
        # figure. (Its tests also run as unittest; pytest 9 runs their subTests.)
        pytest_args=(
            "--deselect=tests/test_recipes.py::PrimeFunctionTests::test_primes",
            "--deselect=tests/test_more.py::TestSerialize::test_concurrent_calls",
            "--deselect=tests/test_more.py::TestConcurrentTee::test_concurrent_consumers",
        ),
        note="three slow tests (`test_primes`, two thread tests; 14 s of 18 s) deselected "
        "for every tool",
    ),
}


@dataclass
class Sample:
    """One run of one tool at one commit: the measure.Run and the JUnit outcomes."""

    run: Run
    failing: list[str] = field(default_factory=list)  # test ids failed or errored
    ran_ids: set[str] = field(default_factory=set)
    collect_error: bool = False

    def to_json(self) -> dict[str, Any]:
        out = self.run.to_json()
        out["ran"] = self.run.ran
        out["failing"] = self.failing
        out["collect_error"] = self.collect_error
        return out


# -- entry ----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    opts = _parse(argv)
    if opts.render:
        paths = [Path(p) for p in opts.paths] or sorted(REPLAY.glob("*.json"))
        if not paths:
            raise SystemExit(f"no results under {REPLAY}: replay a repository first")
        print(render([json.loads(p.read_text()) for p in paths], detail=opts.detail))
        return 0
    if len(opts.paths) != 1:
        raise SystemExit("give one repository (or --render)")
    data = replay(Path(opts.paths[0]).resolve(), opts, _command(argv))
    print(render([data], detail=True))
    return 0


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.replay", description=(__doc__ or "").split("\n")[0]
    )
    p.add_argument("paths", nargs="*", metavar="REPO", help="git repository (or JSON files)")
    p.add_argument("--name", help="project name (default: from the repository's path)")
    p.add_argument(
        "--commits",
        type=int,
        default=DEFAULT_COMMITS,
        metavar="N",
        help=f"commits replayed, each one changing a .py file (default {DEFAULT_COMMITS})",
    )
    p.add_argument("--ref", default="HEAD", metavar="REV", help="newest commit (default HEAD)")
    p.add_argument("--python", default=DEFAULT_PYTHON, metavar="X.Y", help="interpreter (pyenv)")
    p.add_argument(
        "--render",
        action="store_true",
        help="print the Markdown of the stored results (all, or the JSON files given)",
    )
    p.add_argument("--detail", action="store_true", help="with --render: per-commit tables")
    opts = p.parse_args(argv)
    if opts.commits < 1:
        p.error("--commits must be at least 1")
    return opts


def _command(argv: Sequence[str] | None) -> str:
    args = list(sys.argv[1:] if argv is None else argv)
    return shlex.join(["uv", "run", "python", "-m", "benchmarks.replay", *args])


def _say(msg: str) -> None:
    print(f"[replay {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def project_name(repo: Path) -> str:
    """``/work/.mirror/pytoolz+toolz/repo`` -> ``toolz``; ``.../sqlparse.git`` -> ``sqlparse``."""
    path = repo.parent if repo.name in ("repo", ".git") else repo
    name = path.name.removesuffix(".git")
    return name.rsplit("+", 1)[-1]


# -- git ------------------------------------------------------------------------------


def _git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"failed: git -C {cwd} {' '.join(args)}\n{proc.stderr}")
    return proc.stdout


def _touches_py(repo: Path, sha: str, parent: str | None) -> bool:
    if parent is None:  # the root commit: everything is new
        return True
    cmd = ["git", "-C", str(repo), "diff", "--quiet", parent, sha, "--", "*.py"]
    return subprocess.run(cmd, capture_output=True).returncode == 1


def pick_commits(repo: Path, ref: str, n: int) -> list[dict[str, str]]:
    """The baseline and the N commits after it, oldest first: first-parent commits that
    change a .py file (a merge counts with what it brings to the first parent)."""
    out = _git(repo, "log", "--first-parent", "--format=%H %P", ref)
    found: list[str] = []
    for line in out.splitlines():
        sha, *parents = line.split()
        if _touches_py(repo, sha, parents[0] if parents else None):
            found.append(sha)
            if len(found) == n + 1:
                break
    if len(found) < 2:
        raise SystemExit(f"{repo}: fewer than 2 commits changing .py files before {ref}")
    return [_describe(repo, sha) for sha in reversed(found)]


def _describe(repo: Path, sha: str) -> dict[str, str]:
    out = _git(repo, "log", "-1", "--format=%H%x00%ad%x00%s", "--date=short", sha)
    full, date, subject = out.rstrip("\n").split("\x00")
    return {"sha": full, "date": date, "subject": subject[:100]}


def _clone(repo: Path, tree: Path) -> None:
    """A clone of repo at tree, or the one already there (refreshed)."""
    if (tree / ".git").is_dir() and _git(tree, "remote", "get-url", "origin").strip() == str(repo):
        _git(tree, "fetch", "-q", "origin", "+refs/heads/*:refs/remotes/origin/*")
        return
    shutil.rmtree(tree, ignore_errors=True)
    tree.parent.mkdir(parents=True, exist_ok=True)
    _git(tree.parent, "clone", "-q", "--no-checkout", str(repo), str(tree))


def _checkout(tree: Path, sha: str, fresh: bool = False) -> None:
    """The commit's files; untracked ones removed, but for the data file and pytest's
    cache (and, unless fresh, the ignored ones such as bytecode)."""
    _git(tree, "checkout", "-q", "--force", "--detach", sha)
    if fresh:
        _git(tree, "clean", "-q", "-ffdx")
    else:
        _git(tree, "clean", "-q", "-ffd", "-e", DATAFILE + "*", "-e", ".pytest_cache")


# -- environments ---------------------------------------------------------------------


def _envs(name: str, project: Project, version: str) -> dict[str, Env]:
    """The three venvs; a project with test requirements gets venvs of its own."""
    _say("building pytest-ripple from the working tree")
    wheel = envs.build_wheel(REPLAY)
    own = project.requirements or project.metadata
    root = REPLAY / "envs" / (name if own else "shared")
    out: dict[str, Env] = {}
    for tool in TOOLS:
        _say(f"venv {tool}")
        env = envs.ensure(root, version, tool, wheel)
        if project.requirements:
            _install(env.python, project.requirements)
        if project.metadata:
            _metadata_only(env.python, project.metadata)
        out[tool] = env
    return out


def _metadata_only(python: Path, dist: str) -> None:
    """A dist-info that names ``dist`` and holds no code: ``importlib.metadata`` finds
    it, and imports still come from the clone."""
    where = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    info = Path(where) / f"{dist}-0.0.dev0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.0.dev0\n")
    (info / "INSTALLER").write_text("benchmarks.replay\n")


def _install(python: Path, requirements: Sequence[str]) -> None:
    stamp = python.parent.parent / ".replay-requirements"
    want = "\n".join(requirements)
    if stamp.exists() and stamp.read_text() == want:
        return
    cmd = [str(python), "-m", "pip", "install", "-q", *requirements]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")
    stamp.write_text(want)


# -- runs -----------------------------------------------------------------------------


def _has_config(tree: Path) -> bool:
    for name, section in _CONFIGS:
        path = tree / name
        if path.is_file() and (section is None or section.search(path.read_text(errors="replace"))):
            return True
    return False


class _Runner:
    def __init__(self, name: str, project: Project, tools: dict[str, Env], logs: Path) -> None:
        self.project, self.tools, self.logs = project, tools, logs
        self.trees = {tool: REPLAY / "trees" / name / tool for tool in TOOLS}
        self.empty_ini = REPLAY / "empty" / "pytest.ini"

    def run(self, tool: str, tag: str) -> Sample:
        tree = self.trees[tool]
        junit = self.logs / f"{tag}-{tool}.xml"
        log = self.logs / f"{tag}-{tool}.txt"
        junit.unlink(missing_ok=True)
        args = ["-q", f"--junitxml={junit}", *self._config(tree), *self.project.pytest_args]
        args += list(PLAIN if tool == "plain" else ON)
        run = pytest_run(self.tools[tool].python, tree, args, log)
        failing, ran_ids = _junit(junit)
        collect_error = bool(_COLLECT_ERROR.search(_tail(log)))
        return Sample(run, failing, ran_ids, collect_error)

    def _config(self, tree: Path) -> list[str]:
        out = []
        if self.project.pythonpath:
            out += ["-o", f"pythonpath={self.project.pythonpath}"]
        if not _has_config(tree):
            self.empty_ini.parent.mkdir(parents=True, exist_ok=True)
            self.empty_ini.write_text("[pytest]\n")
            out += ["-c", str(self.empty_ini), "--rootdir", str(tree)]
        return out


def _tail(log: Path) -> str:
    with open(log, "rb") as f:
        f.seek(max(0, os.path.getsize(log) - 200_000))
        return f.read().decode(errors="replace")


def _junit(path: Path) -> tuple[list[str], set[str]]:
    """The failing test ids (a failure or an error, setup and teardown included) and
    every test id the run reported, from pytest's JUnit XML."""
    if not path.exists():
        return [], set()
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return [], set()
    failing: list[str] = []
    ran: set[str] = set()
    for case in root.iter("testcase"):
        classname, name = case.get("classname", ""), case.get("name", "")
        test = f"{classname}::{name}" if classname else name
        ran.add(test)
        if (case.find("failure") is not None or case.find("error") is not None) and (
            test not in failing
        ):
            failing.append(test)
    return failing, ran


def replay(repo: Path, opts: argparse.Namespace, command: str) -> dict[str, Any]:
    started = time.monotonic()
    name = opts.name or project_name(repo)
    project = PROJECTS.get(name, Project())
    commits = pick_commits(repo, opts.ref, opts.commits)
    base, steps = commits[0], commits[1:]
    _say(f"{name}: baseline {base['sha'][:10]} ({base['date']}), {len(steps)} commits")
    tools = _envs(name, project, opts.python)
    logs = REPLAY / "logs" / name
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    runner = _Runner(name, project, tools, logs)
    data: dict[str, Any] = {
        "project": name,
        "repo": str(repo),
        "ref": opts.ref,
        "command": command,
        "machine": envs.machine(),
        "versions": {tool: env.versions for tool, env in tools.items()},
        "pytest_args": list(project.pytest_args),
        "note": project.note,
        "baseline": base,
        "first": {},
        "steps": [],
    }
    out = REPLAY / f"{name}.json"
    for tool in TOOLS:
        _clone(repo, runner.trees[tool])
        drop_data(runner.trees[tool])
        _checkout(runner.trees[tool], base["sha"], fresh=True)
    for tool in TOOLS:  # plain: the bytecode; the others: their data
        sample = runner.run(tool, "0-baseline")
        data["first"][tool] = sample.to_json()
        _say(f"baseline {tool:7} {_line(sample)}")
    for i, commit in enumerate(steps, 1):
        data["steps"].append(_step(runner, i, commit))
        out.write_text(json.dumps(data, indent=1))  # an interrupted replay keeps its steps
    data["machine"]["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    data["machine"]["minutes"] = f"{(time.monotonic() - started) / 60:.1f}"
    out.write_text(json.dumps(data, indent=1))
    _say(f"written to {out}")
    return data


def _step(runner: _Runner, i: int, commit: dict[str, str]) -> dict[str, Any]:
    order = _rotate(TOOLS, i)
    for tool in TOOLS:
        _checkout(runner.trees[tool], commit["sha"])
    samples: dict[str, Sample] = {}
    for tool in order:
        samples[tool] = runner.run(tool, f"{i}-{commit['sha'][:10]}")
    plain = samples["plain"]
    step: dict[str, Any] = {**commit, "order": order, "runs": {}}
    for tool in TOOLS:
        sample = samples[tool]
        record = sample.to_json()
        if tool != "plain":
            # failing in the full run, and not run by the tool; run but passing
            record["missed"] = [t for t in plain.failing if t not in sample.ran_ids]
            record["passed_here"] = [
                t for t in plain.failing if t in sample.ran_ids and t not in sample.failing
            ]
        step["runs"][tool] = record
    flags = ["plain: collection error"] if plain.collect_error else []
    flags += [f"{tool}: rc {s.run.rc}" for tool, s in samples.items() if s.run.rc not in (0, 1, 5)]
    flags += [f"{tool}: {s.run.problems[0]}" for tool, s in samples.items() if s.run.problems]
    step["flags"] = flags
    cells = "  ".join(f"{tool} {_line(samples[tool])}" for tool in TOOLS)
    _say(f"[{i}] {commit['sha'][:10]} {cells}" + (f"  FLAGS: {flags}" if flags else ""))
    for tool in TOOLS[1:]:
        if step["runs"][tool]["missed"]:
            _say(f"    MISS {tool}: {step['runs'][tool]['missed']}")
    return step


def _line(sample: Sample) -> str:
    return f"{sample.run.seconds:6.2f} s {sample.run.ran:5} ran {len(sample.failing):3} failing"


def _rotate(items: Sequence[str], n: int) -> list[str]:
    k = n % len(items)
    return [*items[k:], *items[:k]]


# -- report ---------------------------------------------------------------------------


def summary(data: dict[str, Any]) -> dict[str, Any]:
    """Totals over the replayed commits, shares of the suite, misses."""
    steps = data["steps"]
    total = {tool: sum(s["runs"][tool]["seconds"] for s in steps) for tool in TOOLS}
    share: dict[str, float | None] = {}
    for tool in TOOLS[1:]:
        parts = [
            s["runs"][tool]["ran"] / s["runs"]["plain"]["ran"]
            for s in steps
            if s["runs"]["plain"]["ran"]
        ]
        share[tool] = sum(parts) / len(parts) if parts else None
    misses = [
        (s["sha"], tool, test)
        for s in steps
        for tool in TOOLS[1:]
        for test in s["runs"][tool]["missed"]
    ]
    return {
        "total": total,
        "share": share,
        "misses": misses,
        "failing_commits": sum(1 for s in steps if s["runs"]["plain"]["failing"]),
        "flagged": [(s["sha"], f) for s in steps for f in s["flags"]],
        "tests": [s["runs"]["plain"]["ran"] for s in steps],
    }


def render(results: Sequence[dict[str, Any]], detail: bool = False) -> str:
    head = [
        "| project | commits replayed | tests (plain) | plain | testmon | ripple "
        "| testmon ÷ plain | ripple ÷ plain | ripple ÷ testmon | share run: testmon "
        "| share run: ripple | misses: testmon | misses: ripple |",
        "| --- | --- |" + " ---: |" * 11,
    ]
    rows: list[str] = []
    notes: list[str] = []
    details: list[str] = []
    for data in results:
        s = summary(data)
        steps = data["steps"]
        if not steps:
            continue
        t = s["total"]
        span = (
            f"{len(steps)}: `{steps[0]['sha'][:8]}`..`{steps[-1]['sha'][:8]}` "
            f"({steps[0]['date']} to {steps[-1]['date']})"
        )
        tests = f"{min(s['tests'])}-{max(s['tests'])}" if s["tests"] else "-"
        miss = {tool: sum(1 for m in s["misses"] if m[1] == tool) for tool in TOOLS[1:]}
        rows.append(
            f"| {data['project']} | {span} | {tests} | {t['plain']:.1f} s | {t['testmon']:.1f} s "
            f"| {t['ripple']:.1f} s | {_ratio(t['testmon'], t['plain'])} "
            f"| {_ratio(t['ripple'], t['plain'])} | {_ratio(t['ripple'], t['testmon'])} "
            f"| {_pct(s['share']['testmon'])} | {_pct(s['share']['ripple'])} "
            f"| {miss['testmon']} | {miss['ripple']} |"
        )
        notes += _notes(data, s)
        if detail:
            details.append(_detail(data))
    out = [*head, *rows]
    if notes:
        out += ["", *notes]
    text = "\n".join(out)
    if detail:
        text += "\n\n" + "\n\n".join(details)
    return text


def _notes(data: dict[str, Any], s: dict[str, Any]) -> list[str]:
    name = data["project"]
    v = data["versions"]
    out = [
        f"- {name}: baseline `{data['baseline']['sha'][:8]}` ({data['baseline']['date']}); "
        f"Python {v['plain']['python']}, pytest {v['plain'].get('pytest')}, pytest-testmon "
        f"{v['testmon'].get('pytest-testmon')}, pytest-ripple {v['ripple'].get('pytest-ripple')}"
        f" at {data['machine']['commit']}; {s['failing_commits']} of {len(data['steps'])} "
        f"commits have failing tests in plain pytest's run"
        + (f"; {data['note']}" if data.get("note") else "")
        + "."
    ]
    for sha, tool, test in s["misses"]:
        out.append(f"- {name}: **miss** by {tool} at `{sha[:10]}`: `{test}`")
    for sha, flag in s["flagged"]:
        out.append(f"- {name}: `{sha[:10]}` flagged: {flag}")
    return out


def _detail(data: dict[str, Any]) -> str:
    lines = [
        f"#### {data['project']}, commit by commit",
        "",
        "| # | commit | date | plain s | ran | failing | testmon s | ran | ripple s | ran |",
        "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for i, s in enumerate(data["steps"], 1):
        r = s["runs"]
        lines.append(
            f"| {i} | `{s['sha'][:8]}` {_cell(s['subject'][:50])} | {s['date']} "
            f"| {r['plain']['seconds']:.2f} | {r['plain']['ran']} | {len(r['plain']['failing'])} "
            f"| {r['testmon']['seconds']:.2f} | {r['testmon']['ran']} "
            f"| {r['ripple']['seconds']:.2f} | {r['ripple']['ran']} |"
        )
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


if __name__ == "__main__":
    raise SystemExit(main())

"""The markdown report: machine, versions, figures (medians) and the targets."""

from __future__ import annotations

import statistics
from typing import Any, Callable, Sequence

FIRST_RUN_REAL = 1.15  # x plain, Python 3.12+, the real suites
FIRST_RUN_TINY = 1.30  # x plain, Python 3.12+, the 5k suite of tiny tests
SHARE_OF_TESTMON = 0.5  # of what testmon adds above the floor (no-change, edit re-run)
BIG_NOCHANGE_S = 1.0  # the 100k suite, over the floor
BIG_EDIT_S = 1.5
K_LIMIT = 1.2  # x `pytest -k <the one test>`, the parametrized file
BYTES_LIMIT = 100  # per test, the synthetic suites
BYTES_REAL_SHARE = 0.5  # of testmon's bytes per test, the real suites
RSS_LIMIT = 1.3  # x plain's peak RSS, first run
COMMENT_LIMIT = 1.10  # x the no-change run
STARTUP_LIMIT_S = 0.005  # installed, --testmon not given

Row = list[str]


def render(data: dict[str, Any]) -> str:
    parts = [_intro(data), _machine(data)]
    targets: list[Row] = []
    for version, py in data["pythons"].items():
        parts.append(_python_section(version, py))
        targets += _targets(version, py, data["quick"])
    parts.append(_glance(data))
    parts.append(_targets_section(targets))
    children = _children_section(data)
    if children:
        parts.append(children)
    parts.append(_method())
    parts.append(_usage())
    return "\n\n".join(p.rstrip() for p in parts) + "\n"


# Sections written by hand (the analysis of a round, the replay's figures): a new
# round keeps them, at the end of the page.
HAND_WRITTEN = ("## Where the targets are missed", "## Replaying real history")


def hand_written(page: str) -> str:
    """The hand-written sections of a page this module wrote before, as they are."""
    kept = []
    for part in ("\n" + page).split("\n## ")[1:]:
        section = "## " + part.rstrip() + "\n"
        if section.startswith(HAND_WRITTEN):
            kept.append(section)
    return "".join("\n" + k for k in kept)


def _intro(data: dict[str, Any]) -> str:
    quick = "  (--quick: small sizes, one repetition; a smoke test, not figures)" * data["quick"]
    return (
        "# Benchmarks\n\n"
        "pytest-ripple (`ripple`) against plain pytest (`plain`) and pytest-testmon 2.2.0 "
        "(`testmon`), each in its own virtualenv with the same pytest. Medians of the "
        "repetitions; the tools interleaved within every phase. Reproduce with:\n\n"
        f"```bash\n{data['command']}\n```\n{quick}"
    )


def _machine(data: dict[str, Any]) -> str:
    m = data["machine"]
    lines = [
        "## Machine",
        "",
        f"- {m['cpus']} CPUs: {m['cpu']}; {m['memory']} memory; {m['system']}",
        f"- load average at start {m['load']}, at end {m.get('load_end', '?')} "
        "(a shared machine: other people's jobs ran too)",
        f"- {m['date']}, pytest-ripple at commit {m['commit']}; "
        f"the run took {m.get('minutes', '?')} minutes",
    ]
    for py in data["pythons"].values():
        v = py["versions"]
        lines.append(
            f"- Python {v['plain']['python']}: pytest {v['plain'].get('pytest')}, "
            f"pytest-testmon {v['testmon'].get('pytest-testmon')} with coverage "
            f"{v['testmon'].get('coverage')}, pytest-ripple {v['ripple'].get('pytest-ripple')}"
        )
    return "\n".join(lines)


# -- figures --------------------------------------------------------------------------


def _med(runs: Sequence[dict[str, Any]] | None, key: str = "seconds") -> float | None:
    if not runs:
        return None
    return float(statistics.median(r[key] for r in runs))


def _floor(py: dict[str, Any], tool: str = "plain") -> float:
    return _med(py["floor"].get(tool)) or 0.0


def _wl_floor(wl: dict[str, Any], py: dict[str, Any]) -> float:
    """The plain floor measured next to this workload's re-runs, if it was."""
    return _med(wl["samples"]["plain"].get("floor")) or _floor(py)


def _python_section(version: str, py: dict[str, Any]) -> str:
    f = py["floor"]
    floors = ", ".join(f"{tool} {_fmt_s(_med(runs))}" for tool, runs in f.items() if runs)
    head = [
        f"## Python {py['versions']['plain']['python']}",
        "",
        f"Floor (`pytest --collect-only -q` in an empty folder; `+on`: with `--testmon`): "
        f"{floors}." + (f" {py['floor_note']}" if py.get("floor_note") else ""),
        "",
        "| workload | figure | plain | testmon | ÷ plain | ripple | ÷ plain | ÷ testmon |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    rows: list[Row] = []
    for wl in py["workloads"]:
        rows += _workload_rows(wl, _wl_floor(wl, py))
    lines = head + ["| " + " | ".join(r) + " |" for r in rows]
    spread = [_spread(wl) for wl in py["workloads"] if len(wl["samples"]["plain"]["first"]) > 1]
    if spread:
        lines += ["", "Noise: plain pytest's first runs ranged " + "; ".join(spread) + "."]
    if py.get("skipped"):
        lines += ["", "Skipped: " + "; ".join(py["skipped"]) + "."]
    problems = [p for wl in py["workloads"] for p in _problems(wl)]
    if problems:
        lines += ["", "Runs that did not go as they should (their figures are suspect):", ""]
        lines += [f"- {p}" for p in problems]
    return "\n".join(lines)


def _spread(wl: dict[str, Any]) -> str:
    times = [r["seconds"] for r in wl["samples"]["plain"]["first"]]
    return f"{min(times):.2f}-{max(times):.2f} s ({wl['name']})"


def _problems(wl: dict[str, Any]) -> list[str]:
    out = []
    for tool, phases in wl["samples"].items():
        for phase, runs in phases.items():
            bad = [r for r in runs if r["rc"] not in (0, 5) or r.get("problems")]
            if bad:
                said = (bad[0].get("problems") or [""])[0]
                out.append(
                    f"{wl['name']}, {tool}, {phase}: {len(bad)} of {len(runs)} runs "
                    f"(exit status {bad[0]['rc']}) {said}".rstrip()
                )
    return out


def _workload_rows(wl: dict[str, Any], floor: float) -> list[Row]:
    s = wl["samples"]
    tests = wl["tests"]
    plain_full = _med(s["plain"].get("first"))
    label = f"**{wl['name']}** ({tests:,} tests; edit `{wl['edit']}`)"
    if wl.get("note"):
        label += f"; {wl['note']}"
    sel = {t: _ran(s[t].get("edit")) for t in ("testmon", "ripple")}
    same = {t: _ran(s[t].get("nochange")) for t in ("testmon", "ripple")}
    once = " (1 run)" if wl.get("first_reps", wl["reps"]) == 1 else ""
    rows = [
        _row(
            f"first run{once}",
            plain_full,
            _med(s["testmon"].get("first")),
            _med(s["ripple"].get("first")),
        ),
        _row(
            f"no-change re-run (ran {same['testmon']} / {same['ripple']})",
            plain_full,
            _med(s["testmon"].get("nochange")),
            _med(s["ripple"].get("nochange")),
        ),
        _row(
            f"edit re-run (ran {sel['testmon']} / {sel['ripple']})",
            plain_full,
            _med(s["testmon"].get("edit")),
            _med(s["ripple"].get("edit")),
        ),
        _row(
            "comment-only edit re-run",
            plain_full,
            _med(s["testmon"].get("comment")),
            _med(s["ripple"].get("comment")),
        ),
        _row(
            "edit, `--collect-only`",
            _med(s["plain"].get("collect")),
            _med(s["testmon"].get("collect")),
            _med(s["ripple"].get("collect")),
        ),
        _row(
            "selection: edit re-run - floor",
            None,
            _minus(_med(s["testmon"].get("edit")), floor),
            _minus(_med(s["ripple"].get("edit")), floor),
        ),
    ]
    if wl.get("k_expr"):
        rows.append(
            _row(
                f"one test: `-k {wl['k_expr']}` vs edit re-run",
                _med(s["plain"].get("k")),
                _med(s["testmon"].get("edit")),
                _med(s["ripple"].get("edit")),
            )
        )
    per_test = {t: _per_test(wl, t) for t in ("testmon", "ripple")}
    rows.append(
        _row("data file, bytes per test", None, per_test["testmon"], per_test["ripple"], _fmt_int)
    )
    rss = {t: _mb(_med(s[t].get("first"), "maxrss_kb")) for t in ("plain", "testmon", "ripple")}
    rows.append(
        _row("peak RSS, first run (MB)", rss["plain"], rss["testmon"], rss["ripple"], _fmt_int)
    )
    rows[0][0] = label
    return [r for r in rows if any(c != "-" for c in r[2:])]


def _row(
    figure: str,
    plain: float | None,
    testmon: float | None,
    ripple: float | None,
    fmt: Callable[[float | None], str] | None = None,
) -> Row:
    fmt = fmt or _fmt_s
    return [
        "",
        figure,
        fmt(plain),
        fmt(testmon),
        _ratio(testmon, plain),
        fmt(ripple),
        _ratio(ripple, plain),
        _ratio(ripple, testmon),
    ]


def _ran(runs: Sequence[dict[str, Any]] | None) -> str:
    if not runs:
        return "-"
    return str(sum(n for w, n in runs[-1]["counts"].items() if w != "deselected"))


def _per_test(wl: dict[str, Any], tool: str) -> float | None:
    sizes = wl["data_bytes"].get(tool)
    if not sizes or not wl["tests"]:
        return None
    return float(statistics.median(sizes)) / int(wl["tests"])


def _minus(a: float | None, b: float) -> float | None:
    return None if a is None else a - b


def _mb(kb: float | None) -> float | None:
    return None if kb is None else kb / 1024


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b <= 0:
        return "-"
    return f"{a / b:.2f}x"


def _fmt_s(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f} s"


def _fmt_int(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


# -- targets --------------------------------------------------------------------------


def _targets(version: str, py: dict[str, Any], quick: bool) -> list[Row]:
    """Issue 11's targets, each rated on every workload it names."""
    rows: list[Row] = []
    modern = tuple(int(x) for x in version.split(".")[:2]) >= (3, 12)
    startup = _startup_target(version, py)
    if startup:
        rows.append(startup)
    for wl in py["workloads"]:
        if wl["shape"] == "cli":
            continue  # issue 12's workload: no target of issue 11
        floor = _wl_floor(wl, py)
        s = wl["samples"]
        name = wl["name"]
        plain = _med(s["plain"].get("first"))
        tm, rp = _med(s["testmon"].get("first")), _med(s["ripple"].get("first"))
        if plain and tm and rp:
            row = _first_run_target(version, wl, plain, tm, rp, modern)
            if row:
                rows.append(row)
        for phase, label in (("nochange", "no-change"), ("edit", "edit re-run")):
            rows.append(_over_floor_target(version, wl, floor, phase, label))
        if wl.get("big"):
            rows += _big_targets(version, wl, floor)
        if wl.get("k_expr"):
            rows.append(_k_target(version, wl))
        rows.append(_bytes_target(version, wl))
        rss = {t: _med(s[t].get("first"), "maxrss_kb") for t in ("plain", "ripple")}
        if rss["plain"] and rss["ripple"]:
            ratio = rss["ripple"] / rss["plain"]
            rows.append(
                [
                    f"peak RSS ≤ {RSS_LIMIT}x plain",
                    version,
                    name,
                    f"{ratio:.2f}x",
                    _verdict(
                        ratio <= RSS_LIMIT,
                        f"{_mb(rss['ripple']):.0f} MB vs {_mb(rss['plain']):.0f} MB",
                    ),
                ]
            )
        nc, cm = _med(s["ripple"].get("nochange")), _med(s["ripple"].get("comment"))
        if nc and cm:
            rows.append(
                [
                    "comment-only edit ≤ 1.1x no-change",
                    version,
                    name,
                    f"{cm / nc:.2f}x",
                    _verdict(cm / nc <= COMMENT_LIMIT, f"{cm:.2f} s vs {nc:.2f} s"),
                ]
            )
    return [r for r in rows if r]


def _startup_target(version: str, py: dict[str, Any]) -> Row:
    plain, ripple = _med(py["floor"].get("plain")), _med(py["floor"].get("ripple"))
    if plain is None or ripple is None:
        return []
    added = ripple - plain
    return [
        "start-up, installed and off, ≤ +5 ms",
        version,
        "empty folder",
        f"{added * 1000:+.0f} ms",
        _verdict(added <= STARTUP_LIMIT_S, f"{ripple:.3f} s vs {plain:.3f} s"),
    ]


def _first_run_target(
    version: str, wl: dict[str, Any], plain: float, tm: float, rp: float, modern: bool
) -> Row:
    ratio = rp / plain
    name = wl["name"]
    if modern:
        if wl["kind"] == "real":
            limit = FIRST_RUN_REAL
        elif wl["shape"] == "regular" and not wl.get("big"):
            limit = FIRST_RUN_TINY
        else:
            return []  # no target: the 40k file, the call-heavy and the 100k suites
        how = f"testmon {tm / plain:.2f}x"
        return [
            f"first run ≤ {limit}x plain",
            version,
            name,
            f"{ratio:.2f}x",
            _verdict(ratio <= limit, how),
        ]
    tm_ratio = tm / plain
    how = f"testmon {tm_ratio:.2f}x"
    return [
        "first run ≤ testmon's ratio",
        version,
        name,
        f"{ratio:.2f}x",
        _verdict(ratio <= tm_ratio, how),
    ]


def _over_floor_target(
    version: str, wl: dict[str, Any], floor: float, phase: str, label: str
) -> Row:
    s = wl["samples"]
    title = f"{label} adds ≤ ½ testmon's"
    tm, rp = _med(s["testmon"].get(phase)), _med(s["ripple"].get(phase))
    if tm is None or rp is None:
        return [title, version, wl["name"], "-", "not measured"]
    added_tm, added_rp = tm - floor, rp - floor
    if added_tm <= 0:
        return [title, version, wl["name"], "-", "not measurable"]
    share = added_rp / added_tm
    return [
        title,
        version,
        wl["name"],
        f"+{added_rp:.2f} s vs +{added_tm:.2f} s",
        _verdict(share <= SHARE_OF_TESTMON, f"{share:.2f} of testmon's"),
    ]


def _big_targets(version: str, wl: dict[str, Any], floor: float) -> list[Row]:
    s = wl["samples"]
    rows = []
    for phase, label, limit in (
        ("nochange", "100k: no-change ≤ 1 s over the floor", BIG_NOCHANGE_S),
        ("edit", "100k: edit re-run ≤ 1.5 s over the floor", BIG_EDIT_S),
    ):
        rp = _med(s["ripple"].get(phase))
        if rp is None:
            rows.append([label, version, wl["name"], "-", "not measured"])
            continue
        added = rp - floor
        rows.append([label, version, wl["name"], f"{added:.2f} s", _verdict(added <= limit, "")])
    return rows


def _bytes_target(version: str, wl: dict[str, Any]) -> Row:
    per, tm = _per_test(wl, "ripple"), _per_test(wl, "testmon")
    if per is None:
        return []
    if wl["kind"] == "real":
        if not tm:
            return []
        share = per / tm
        return [
            "data file ≤ ½ testmon's bytes/test",
            version,
            wl["name"],
            f"{per:,.0f} B",
            _verdict(share <= BYTES_REAL_SHARE, f"{share:.2f} of testmon's {tm:,.0f} B"),
        ]
    return [
        "data file ≤ 100 bytes/test",
        version,
        wl["name"],
        f"{per:,.0f} B",
        _verdict(per <= BYTES_LIMIT, f"{per / BYTES_LIMIT:.2f}x the limit"),
    ]


def _k_target(version: str, wl: dict[str, Any]) -> Row:
    s = wl["samples"]
    k, rp = _med(s["plain"].get("k")), _med(s["ripple"].get("edit"))
    if k is None or rp is None:
        return ["one affected ≤ 1.2x `pytest -k`", version, wl["name"], "-", "not measured"]
    tm = _med(s["testmon"].get("edit"))
    how = f"testmon {tm / k:.2f}x" if tm else ""
    return [
        "one affected ≤ 1.2x `pytest -k`",
        version,
        wl["name"],
        f"{rp / k:.2f}x",
        _verdict(rp / k <= K_LIMIT, how),
    ]


def _glance(data: dict[str, Any]) -> str:
    """Every figure as ripple ÷ testmon, sorted: under 1 (a short bar) we are faster."""
    found: list[tuple[float, str, str, str]] = []
    for version, py in data["pythons"].items():
        for wl in py["workloads"]:
            if wl["shape"] == "cli":
                continue  # testmon does not track children: its own section
            floor = _wl_floor(wl, py)
            s = wl["samples"]
            for phase, label, over_floor in (
                ("first", "first run", False),
                ("nochange", "no-change, over the floor", True),
                ("edit", "edit re-run, over the floor", True),
                ("comment", "comment-only edit, over the floor", True),
            ):
                tm, rp = _med(s["testmon"].get(phase)), _med(s["ripple"].get(phase))
                if tm is None or rp is None:
                    continue
                if over_floor:
                    tm, rp = tm - floor, rp - floor
                if tm > 0 and rp > 0:
                    found.append((rp / tm, label, version, wl["name"]))
    if not found:
        return ""
    lines = [
        "## At a glance",
        "",
        "pytest-ripple's time as a share of pytest-testmon's, every figure of this round,",
        "sorted (each █ is 0.1; the bar ends at 1.0: past `|` we are slower).",
        "",
        "| ripple ÷ testmon | | figure | Python | workload |",
        "| ---: | --- | --- | --- | --- |",
    ]
    for ratio, label, version, name in sorted(found):
        bar = "█" * min(10, round(ratio * 10)) + "|" + "█" * min(20, max(0, round(ratio * 10) - 10))
        lines.append(f"| {ratio:.2f} | `{bar}` | {label} | {version} | {name} |")
    return "\n".join(lines)


def _verdict(met: bool, how: str) -> str:
    return ("met" if met else "**not met**") + (f" ({how})" if how else "")


def _children_section(data: dict[str, Any]) -> str:
    """The suite whose tests each start a Python child: what tracking children costs,
    and which tool runs the tests a change reaches only through a child."""
    rows: list[Row] = []
    for version, py in data["pythons"].items():
        for wl in py["workloads"]:
            if wl["shape"] != "cli":
                continue
            s = wl["samples"]
            plain = _med(s["plain"].get("first"))
            for phase, label in (
                ("first", "first run"),
                ("nochange", "no-change"),
                ("edit", "edit re-run"),
            ):
                cells = [version, label]
                for tool in ("plain", "testmon", "ripple"):
                    runs = s[tool].get(phase) or (s[tool].get("first") if tool == "plain" else [])
                    t = _med(runs)
                    ran = sorted(_ran_one(r) for r in runs) if runs else []
                    shown = _fmt_s(t)
                    if tool != "plain" and t and plain:
                        shown += f" ({t / plain:.2f}x)"
                    if ran and phase != "first":
                        shown += f", ran {ran[len(ran) // 2]}"
                    cells.append(shown)
                rows.append(cells)
    if not rows:
        return ""
    head = [
        "## Child processes",
        "",
        "Each test of the CLI suite runs `python -m pkg.cli OP N` in a child process; the",
        "edit changes a function only children run (one test in eight). Times with the",
        "ratio to plain pytest's full run; `ran`: tests run (median run).",
        "pytest-testmon does not track child processes: after the edit it runs none of",
        "the tests it changes.",
        "",
        "| Python | figure | plain | testmon | ripple |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    return "\n".join(head + ["| " + " | ".join(r) + " |" for r in rows])


def _ran_one(run: dict[str, Any]) -> int:  # as measure.Run.ran, from the stored form
    counts = run.get("counts") or {}
    return sum(n for word, n in counts.items() if word != "deselected")


def _targets_section(rows: list[Row]) -> str:
    head = [
        "## Targets",
        "",
        "| target | Python | workload | measured | verdict |",
        "| --- | --- | --- | ---: | --- |",
    ]
    return "\n".join(head + ["| " + " | ".join(r) + " |" for r in rows])


def _method() -> str:
    return """## How the figures are taken

- Every tool runs in its own copy of the workload tree (bytecode compiled beforehand,
  so that no first run pays for it), in its own venv, as `python -m pytest -q`.
- *First run*: the data file deleted, `--testmon`; plain pytest runs the suite. Its
  median is also the `plain` figure of the re-run rows: without a plugin every run is a
  full run.
- Then, per repetition: the *no-change re-run*; one function body edited (a statement
  inserted), `--testmon --collect-only` (a dry run; the data file is restored after
  it) and the *edit re-run*; the edit reverted and the revert recorded by an untimed
  run; a *comment-only edit* (a comment appended to the same file), reverted and
  recorded again. Plain pytest runs `--collect-only` with the edit and, in the parametrized case,
  `-k <the one affected test>`.
- *Selection* is the edit re-run minus the floor: change detection, collection of what
  is needed, deselection, running the few affected tests and writing their records.
  The `--collect-only` row is the same without running and writing.
- *ran t / r*: tests that testmon / ripple ran (deselected ones not counted).
- Data file: `.testmondata` with any `-wal`/`-shm` left, after the first run, divided by
  the number of tests. Peak RSS: the pytest process's `ru_maxrss` (`os.wait4`).
- Raw samples: `benchmarks/_work/bench/results.json`; the log of the last run of each
  phase: `benchmarks/_work/bench/runs/`. `--render` rewrites this file from them."""


def _usage() -> str:
    return """## Running it

```bash
uv run python -m benchmarks                  # the full run: Python 3.11 and 3.12
uv run python -m benchmarks --quick          # small sizes, one repetition (a smoke test)
uv run python -m benchmarks --python 3.12    # one interpreter (repeatable; 3.13 works too)
uv run python -m benchmarks --only synthetic # or: real, or words of workload names: 5k,toolz
uv run python -m benchmarks --repeat 5       # repetitions (default 3; the 100k suite: 3 at most)
uv run python -m benchmarks --big-python 3.11  # the 100k suite on 3.11 too (default: 3.12 only)
```

It needs the pyenv interpreters (`$(pyenv root)/versions/3.11.*`, `3.12.*`) and the
package index (pip). It creates, under `benchmarks/_work/bench/` (git-ignored): one venv
per interpreter and tool (`plain`: pytest 9.2.0; `testmon`: + pytest-testmon 2.2.0;
`ripple`: + a wheel built from this working tree, installed non-editable), the
synthetic suites, the downloaded sdists and a copy of every tree per tool. Nothing
there is committed. A full run writes this file; `--quick` writes
`benchmarks/_work/bench/quick.md` unless `--output` says otherwise.

Workloads: synthetic suites from `benchmarks/synthetic.py` (5,000 tests over 100
modules; 100,000 tests over 2,000 modules; one file of 40,000 parametrized tests of
which one calls the edited function; a call-heavy suite; 40 tests that each run the
package's command line in a child process), and the real suites of
`benchmarks/real.py` (sqlparse 0.6.1, more-itertools 10.5.0, toolz 1.2.0: sdists
fetched with `pip download --no-deps --no-binary :all:`, run from the unpacked tree
with pytest alone). The 100k suite runs on Python 3.12 only, and it and the 40k file
have their first run measured once per tool (marked "1 run"): pytest-testmon's first
run of them takes about 20 minutes and 2 minutes here. Their re-runs repeat as the
others do. A full run takes about an hour on this 2-core machine."""

"""``pytest-ripple COMMAND`` (also ``python -m pytest_ripple COMMAND``): answers from
the data file, without starting pytest.

One parser per command (as coverage.py's ``cmdline.py``); each answer is computed in
:mod:`answers` and printed here, for a person (80 columns) or, with ``--json``, for a
program. Exit status: 0 answered, 1 a lookup failed (no data file, an unknown test, a
damaged file), 2 bad usage (argparse's own). A user's mistake never shows a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable, Sequence

from pytest_ripple import __version__, answers
from pytest_ripple.locate import ENV_NAME, ConfigError, Project, locate

OK, LOOKUP_FAILED, USAGE = 0, 1, 2
WIDTH = 80

_COMMANDS = {
    "why": "what a test depends on, how it last ran, and why it would run now",
    "affected": "the tests the changes in the working tree affect, and why",
    "tests-for": "the tests that ran a file or a function (who covers this?)",
    "stats": "what the data file holds: tests, files, environments, runs, time saved",
    "gc": "forget files and tests that no longer exist, then compact the data file",
    "merge": "join the data files of parallel jobs (shards) into one",
    "report": "a run's summary (--testmon-report) or the data file as Markdown or HTML",
}


def _env_name(value: str) -> str:
    if not ENV_NAME.fullmatch(value):
        raise argparse.ArgumentTypeError(
            "1 to 100 characters, starting with a letter or digit: letters, digits "
            "and . _ + : = @ -"
        )
    return value


def _common(parser: argparse.ArgumentParser, *, json_output: bool) -> None:
    group = parser.add_argument_group("where the data is (as pytest --testmon finds it)")
    group.add_argument(
        "--datafile",
        metavar="PATH",
        help="the data file (default: TESTMON_DATAFILE, the testmon_datafile ini key, "
        "or .testmondata in the rootdir)",
    )
    group.add_argument(
        "--testmon-env",
        metavar="NAME",
        type=_env_name,
        help="the environment name (default: --testmon-env in addopts, the testmon_env "
        "ini key, or 'default'); the interpreter is this one",
    )
    group.add_argument(
        "--rootdir", metavar="DIR", help="pytest's rootdir (default: found as pytest does)"
    )
    if json_output:
        parser.add_argument("--json", action="store_true", help="print JSON, for programs")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pytest-ripple",
        description="Answers from the data file of pytest --testmon (pytest-ripple), "
        "without running pytest.",
        epilog="exit status: 0 answered, 1 the lookup failed, 2 bad usage",
    )
    parser.add_argument("--version", action="version", version=f"pytest-ripple {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    why = sub.add_parser("why", help=_COMMANDS["why"], description=_COMMANDS["why"] + ".")
    why.add_argument("nodeid", metavar="NODEID", help="a test: its node id, or its end")
    _common(why, json_output=True)
    aff = sub.add_parser(
        "affected",
        help=_COMMANDS["affected"],
        description=_COMMANDS["affected"] + ": what pytest --testmon --collect-only would "
        "select (filters from addopts such as -m or -k are not applied).",
    )
    aff.add_argument("paths", nargs="*", metavar="PATH", help="only tests under these paths")
    aff.add_argument("-q", "--quiet", action="store_true", help="node ids only")
    _common(aff, json_output=True)
    cover = sub.add_parser(
        "tests-for", help=_COMMANDS["tests-for"], description=_COMMANDS["tests-for"] + "."
    )
    cover.add_argument(
        "target",
        metavar="FILE[::QUALNAME]",
        help="a file, a function or method (Class.method), or a module-level name",
    )
    _common(cover, json_output=True)
    stats = sub.add_parser("stats", help=_COMMANDS["stats"], description=_COMMANDS["stats"])
    stats.add_argument("--slowest", type=int, default=10, metavar="N", help="default: 10")
    _common(stats, json_output=True)
    gc = sub.add_parser("gc", help=_COMMANDS["gc"], description=_COMMANDS["gc"] + ".")
    _common(gc, json_output=False)
    _ci_parsers(sub)
    return parser


def _ci_parsers(sub: Any) -> None:
    merge = sub.add_parser(
        "merge",
        help=_COMMANDS["merge"],
        description=_COMMANDS["merge"] + ": each test takes the result of the input that "
        "ran it last; tests that a file recorded with different contents can reach are "
        "left pending; environments stay apart. OUT is replaced atomically; the inputs "
        "are never changed.",
    )
    merge.add_argument("out", metavar="OUT", help="the merged data file to write")
    merge.add_argument("inputs", nargs="+", metavar="IN", help="data files of the jobs")
    report = sub.add_parser(
        "report",
        help=_COMMANDS["report"],
        description=_COMMANDS["report"] + ". Without SUMMARY: what the next "
        "pytest --testmon run would select, from the data file.",
    )
    report.add_argument(
        "summary", nargs="?", metavar="SUMMARY", help="a JSON file written by --testmon-report"
    )
    report.add_argument(
        "--format",
        choices=("markdown", "html", "json"),
        default="markdown",
        help="markdown (default; fits $GITHUB_STEP_SUMMARY), html (one page, no external "
        "assets) or json",
    )
    report.add_argument("-o", "--output", metavar="PATH", help="write here (default: stdout)")
    _common(report, json_output=False)


def _standalone(args: argparse.Namespace) -> int | None:
    """The commands that need no project: merge, and report of a summary file."""
    if args.command == "merge":
        from pytest_ripple.merge import MergeError, merge

        try:
            found = merge(Path(args.out), [Path(p) for p in args.inputs])
        except MergeError as exc:
            return _error(str(exc))
        differing = len(found.differing)
        line = (
            f"merged {found.inputs} data files into {found.out}: {found.tests} tests in "
            f"{found.envs} environment{'s' if found.envs != 1 else ''}, {found.pending} pending"
        )
        if differing:
            line += f"; {differing} file{'s' if differing != 1 else ''} differed between inputs"
        _out(line)
        return OK
    if args.command == "report" and args.summary:
        from pytest_ripple.summary import check

        try:
            with open(args.summary, encoding="utf-8") as f:
                doc = check(json.load(f))
        except ValueError as exc:
            return _error(f"{args.summary}: {exc}")
        return _render(doc, args)
    return None


def _render(doc: dict[str, Any], args: argparse.Namespace) -> int:
    from pytest_ripple import render

    if args.format == "html":
        text = render.page(doc)
    elif args.format == "json":
        text = json.dumps(doc, indent=2) + "\n"
    else:
        text = render.markdown(doc) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return OK


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    where = getattr(args, "datafile", None) or "the data file"
    try:
        done = _standalone(args)
        if done is not None:
            return done
        project = locate(
            Path.cwd(),
            rootdir=args.rootdir,
            datafile=args.datafile,
            env=args.testmon_env,
        )
        where = str(project.datafile)
        store = answers.open_store(project)
        try:
            _RUN[args.command](project, store, args)
        finally:
            store.close()
    except (answers.Failure, ConfigError) as exc:
        return _error(str(exc))
    except sqlite3.DatabaseError as exc:  # damage found past the first pages
        return _error(f"{where} cannot be used: it is damaged ({exc})")
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):  # `pytest-ripple affected | head`
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return OK
        return _error(f"{exc.filename or where}: {exc.strerror or exc}")
    except KeyboardInterrupt:
        return _error("interrupted")
    return OK


def _error(message: str) -> int:
    print(f"ERROR: {message}", file=sys.stderr)
    return LOOKUP_FAILED


def _out(line: str = "") -> None:
    print(line)


def _json(doc: Any) -> None:
    print(json.dumps(doc, indent=2))


def _wrap(label: str, text: str, width: int = 16) -> list[str]:
    """``label`` in a column of ``width``, ``text`` wrapped beside it in 80 columns."""
    import textwrap

    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent=f"  {label:<{width - 2}}",
        subsequent_indent=" " * width,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [f"  {label}"]


# -- the commands ------------------------------------------------------------------------


def _why(project: Project, store: Any, args: argparse.Namespace) -> None:
    found = answers.why(project, store, args.nodeid)
    if args.json:
        _json(asdict(found))
        return
    _out(found.nodeid)
    last = f"{found.outcome} in {found.duration:.2f}s ({found.env}, {found.python})"
    lines = _wrap("last run", last)
    now = found.affected or "no: nothing it depends on changed"
    lines += _wrap("selected now", now)
    first = True
    for path, blocks in sorted(found.functions.items()):
        lines += _wrap("functions" if first else "", f"{path}: {', '.join(blocks)}")
        first = False
    for label, values in (
        ("import-time", found.import_time),
        ("files read", found.files_read),
        ("packages", found.packages),
        ("markers", found.markers),
    ):
        if values:
            lines += _wrap(label, ", ".join(values))
    for line in lines:
        _out(line)


def _affected(project: Project, store: Any, args: argparse.Namespace) -> None:
    found = answers.affected(project, store, args.paths)
    if args.json:
        _json(asdict(found))
        return
    if args.quiet:
        for nodeid in found.tests:
            _out(nodeid)
        return
    import textwrap

    for note in found.notes:
        _out(f"testmon: {note}")
    for nodeid, why in found.tests.items():
        _out(nodeid)
        for line in textwrap.wrap(why, WIDTH, initial_indent="    ", subsequent_indent="      "):
            _out(line)
    n = len(found.changed)
    start = "no data yet" if found.new_data else f"{n} file{'s' if n != 1 else ''} changed"
    _out(f"{start}, {len(found.tests)} of {found.collected} tests affected")


def _tests_for(project: Project, store: Any, args: argparse.Namespace) -> None:
    found = answers.tests_for(project, store, args.target)
    if args.json:
        keys = ("nodeid", "outcome", "duration", "how")
        _json({**asdict(found), "tests": [dict(zip(keys, t)) for t in found.tests]})
        return
    verb = {"file": "ran or read it", "function": "ran it", "name": "read it"}[found.kind]
    count = len(found.tests)
    _out(f"{found.target}: {count or 'no'} test{'s' if count != 1 else ''} {verb}")
    for nodeid, outcome, duration, how in found.tests:
        _out(f"  {outcome:<8}{duration:>7.2f}s  {nodeid}")
        if found.kind == "name":
            _out(f"  {'':<17} {how}")


def _stats(project: Project, store: Any, args: argparse.Namespace) -> None:
    found = answers.stats(project, store, max(args.slowest, 0))
    if args.json:
        _json(asdict(found))
        return
    tests = sum(e.tests for e in found.envs)
    _out(
        f"{found.datafile}: {_bytes(found.size)}, {tests} tests, {found.files} files, "
        f"{found.depsets} distinct dependency sets"
    )
    _out(f"  {'environment':<34}{'tests':>10}{'failed':>10}{'pending':>10}")
    for env in found.envs:
        name = f"{env.name} {env.python}"
        _out(f"  {name:<34}{env.tests:>10}{env.failed:>10}{env.pending:>10}")
    runs = found.runs
    if runs.runs:
        _out(
            f"runs recorded: {runs.runs}; {runs.selected} tests run, {runs.deselected} "
            f"deselected; estimated time saved: {_seconds(runs.saved)}"
        )
    else:
        _out("runs recorded: none yet")
    if found.slowest:
        _out(f"slowest tests ({found.env}):")
        for nodeid, duration in found.slowest:
            _out(f"  {duration:>8.2f}s  {nodeid}")


def _gc(project: Project, store: Any, args: argparse.Namespace) -> None:
    found = answers.gc(project, store)
    files, tests = len(found.files), found.tests
    _out(
        f"forgot {files} file{'s' if files != 1 else ''} and {tests} "
        f"test{'s' if tests != 1 else ''}; {project.datafile.name}: "
        f"{_bytes(found.size_before)} -> {_bytes(found.size_after)}"
    )
    for path in found.files:
        _out(f"  {path}")


def _bytes(n: int) -> str:
    for unit in ("bytes", "kB", "MB"):
        if n < 1000 or unit == "MB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return f"{n} bytes"  # pragma: no cover


def _seconds(s: float) -> str:
    if s < 10:
        return f"{s:.2f} s"
    if s < 60:
        return f"{s:.1f} s"
    if s < 3600:
        return f"{s / 60:.1f} min"
    return f"{s / 3600:.1f} h"


def _report(project: Project, store: Any, args: argparse.Namespace) -> None:
    _render(answers.summary(project, store), args)


_RUN: dict[str, Callable[[Project, Any, argparse.Namespace], None]] = {
    "report": _report,
    "why": _why,
    "affected": _affected,
    "tests-for": _tests_for,
    "stats": _stats,
    "gc": _gc,
}

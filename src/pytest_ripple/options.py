"""Command-line options and ini keys, as pytest-testmon's guide uses them, resolved
into one :class:`Settings`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_ripple.locate import DEFAULT_DATAFILE, ENV_NAME

if TYPE_CHECKING:
    from pytest_ripple.shard import Shard

ALWAYS_MARKER = "testmon_always"
DEPENDS_MARKER = "testmon_depends"

__all__ = [
    "ALWAYS_MARKER",
    "DEFAULT_DATAFILE",
    "DEPENDS_MARKER",
    "Settings",
    "add_options",
    "resolve",
    "will_record",
]


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("testmon", "pytest-ripple: run only the tests a change affects")
    group.addoption(
        "--testmon",
        action="store_true",
        dest="testmon",
        help="Select the tests affected by changes since the last run, run them and "
        "record what they depend on (in .testmondata).",
    )
    group.addoption(
        "--no-testmon",
        action="store_true",
        dest="no_testmon",
        help="Turn pytest-ripple off, also when --testmon is in addopts. Wins over "
        "every other testmon option.",
    )
    group.addoption(
        "--testmon-nocache",
        action="store_true",
        dest="testmon_nocache",
        help="Ignore the stored data: run every test pytest selects and replace the "
        "data of this environment with what this run records.",
    )
    group.addoption(
        "--testmon-noselect",
        action="store_true",
        dest="testmon_noselect",
        help="Record dependencies but select nothing: run every test pytest selects.",
    )
    group.addoption(
        "--testmon-nocollect",
        action="store_true",
        dest="testmon_nocollect",
        help="Select affected tests but record nothing and write nothing.",
    )
    group.addoption(
        "--testmon-forceselect",
        action="store_true",
        dest="testmon_forceselect",
        help="Accepted for pytest-testmon compatibility: -k, -m, paths, --lf always "
        "narrow the affected set here, never turn selection off.",
    )
    group.addoption(
        "--testmon-env",
        action="store",
        dest="testmon_env",
        default=None,
        metavar="NAME",
        help="Keep a separate record for this environment name (e.g. per database "
        "backend). Default: 'default'. Each interpreter version is kept apart anyway.",
    )
    _add_ci_options(group)
    _add_ini_keys(parser)


def _add_ci_options(group: pytest.OptionGroup) -> None:
    """Options for parallel CI jobs (issue 14)."""
    group.addoption(
        "--testmon-shard",
        action="store",
        dest="testmon_shard",
        default=None,
        metavar="K/N",
        help="Run the K-th of N shards of the selected tests (1 <= K <= N), balanced by "
        "recorded durations; for parallel CI jobs, each with its own K. The tests of "
        "other shards stay selected in this job's data (merge the jobs' data files "
        "with python -m pytest_ripple merge).",
    )
    group.addoption(
        "--testmon-report",
        action="store",
        dest="testmon_report",
        default=None,
        metavar="PATH",
        help="Write a JSON summary of the run (changes, selected tests and why, time "
        "saved) to PATH; render it with python -m pytest_ripple report.",
    )


def _add_ini_keys(parser: pytest.Parser) -> None:
    parser.addini(
        "testmon_datafile",
        "Path of the data file, relative to the rootdir "
        "(default .testmondata; the TESTMON_DATAFILE environment variable wins).",
        default=None,
    )
    parser.addini(
        "testmon_env",
        "Default for --testmon-env.",
        default=None,
    )
    parser.addini(
        "testmon_depends",
        "Globs (relative to the rootdir) of files every test depends on although it "
        "does not visibly read them; a change to any of them runs every test.",
        type="linelist",
        default=[],
    )


@dataclass(frozen=True)
class Settings:
    select: bool  # deselect unaffected tests
    record: bool  # track and write what ran
    fresh: bool  # --testmon-nocache: start this environment's data anew
    dry_run: bool  # --collect-only: decide, print, write nothing
    env: str
    datafile: Path
    shard: Shard | None = None  # --testmon-shard K/N
    report: Path | None = None  # --testmon-report PATH

    @property
    def mode(self) -> str:
        if self.dry_run:
            return "dry run"
        if self.fresh:
            return "rebuilding data"
        if self.select and self.record:
            return "select + record"
        if self.select:
            return "select only"
        return "record only"


def _is_on(opt: object) -> bool:
    on = (
        any(
            getattr(opt, name, False)
            for name in (
                "testmon",
                "testmon_nocache",
                "testmon_noselect",
                "testmon_nocollect",
                "testmon_forceselect",
            )
        )
        or getattr(opt, "testmon_env", None) is not None
        or getattr(opt, "testmon_shard", None) is not None
        or getattr(opt, "testmon_report", None) is not None
    )
    return on and not getattr(opt, "no_testmon", False)


def will_record(opt: object) -> bool:
    """From the options parsed early (before conftest.py files are imported): whether
    this run may record, so tracking must start now."""
    return (
        _is_on(opt)
        and not getattr(opt, "testmon_nocollect", False)
        and not getattr(opt, "collectonly", False)
    )


class _ArgsOnly:
    """Enough of pytest's parser for :func:`add_options`, into plain argparse."""

    def __init__(self) -> None:
        import argparse

        self.parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
        self.parser.add_argument("--collect-only", "--co", action="store_true", dest="collectonly")

    def getgroup(self, *args: object, **kwargs: object) -> _ArgsOnly:
        return self

    def addoption(self, *names: str, **kwargs: object) -> None:
        self.parser.add_argument(*names, **kwargs)  # type: ignore[arg-type]

    def addini(self, *args: object, **kwargs: object) -> None:
        pass


def will_record_args(args: list[str]) -> bool:
    """:func:`will_record` from the raw arguments (addopts included), before any plugin
    is loaded: our options are not pytest's yet. A wrong guess costs little either
    way: the plugin drops a tracker it does not want, or starts one later."""
    if not any(arg.startswith("--testmon") for arg in args):
        return False  # every option that turns us on: most runs stop here
    shim = _ArgsOnly()
    add_options(shim)  # type: ignore[arg-type]
    try:
        opt, _ = shim.parser.parse_known_args(args)
    except SystemExit:  # argparse's way to say an option's value is missing
        return False
    return will_record(opt)


def failed_first_then_affected(opt: object) -> None:
    """``--lf --ff`` with selection on: turn ``--lf`` into ``--ff``, so pytest orders the
    failures first and our selection keeps the affected tests (failures are affected)."""
    selecting = not (
        getattr(opt, "testmon_noselect", False) or getattr(opt, "testmon_nocache", False)
    )
    if (
        _is_on(opt)
        and selecting
        and getattr(opt, "lf", False)
        and getattr(opt, "failedfirst", False)
    ):
        opt.lf = False  # type: ignore[attr-defined]


def resolve(config: pytest.Config) -> Settings | None:
    """None when the plugin is off; UsageError when options contradict each other."""
    opt = config.option
    if not _is_on(opt):
        return None
    if opt.testmon_nocache and opt.testmon_nocollect:
        raise pytest.UsageError(
            "--testmon-nocache rebuilds the data file and --testmon-nocollect writes "
            "nothing: use one of them"
        )
    if opt.testmon_noselect and opt.testmon_nocollect:
        raise pytest.UsageError(
            "--testmon-noselect turns selection off and --testmon-nocollect turns "
            "recording off, which leaves nothing to do: use --no-testmon instead"
        )
    env = opt.testmon_env
    if env is None:
        env = config.getini("testmon_env") or "default"
    if not ENV_NAME.fullmatch(env):
        raise pytest.UsageError(
            f"--testmon-env {env!r}: an environment name is 1 to 100 characters, starts "
            "with a letter or digit and uses only letters, digits and . _ + : = @ -"
        )
    shard = None
    if opt.testmon_shard is not None:
        from pytest_ripple.shard import Shard, ShardSpecError  # only CI jobs use shards

        try:
            shard = Shard.parse(opt.testmon_shard)
        except ShardSpecError as exc:
            raise pytest.UsageError(str(exc)) from None
    report = None
    if opt.testmon_report:
        report = Path(os.path.expanduser(opt.testmon_report))
        if report.is_dir():
            raise pytest.UsageError(
                f"--testmon-report {opt.testmon_report}: a file to write, not a directory"
            )
        report = report if report.is_absolute() else config.invocation_params.dir / report
    return Settings(
        select=not (opt.testmon_noselect or opt.testmon_nocache),
        record=not opt.testmon_nocollect and not opt.collectonly,
        fresh=bool(opt.testmon_nocache),
        dry_run=bool(opt.collectonly),
        env=env,
        datafile=datafile_path(config),
        shard=shard,
        report=report,
    )


def datafile_path(config: pytest.Config) -> Path:
    raw = os.environ.get("TESTMON_DATAFILE") or config.getini("testmon_datafile")
    if not raw:
        return config.rootpath / DEFAULT_DATAFILE
    path = Path(os.path.expanduser(str(raw)))
    return path if path.is_absolute() else config.rootpath / path

"""Unit tests of options.py: command line and ini keys -> Settings, or a UsageError."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_ripple.options import DEFAULT_DATAFILE, Settings, resolve


@pytest.fixture(autouse=True)
def _no_datafile_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TESTMON_DATAFILE", raising=False)


def settings(pytester: pytest.Pytester, *args: str) -> Settings | None:
    return resolve(pytester.parseconfig(*args))


def resolve_error(pytester: pytest.Pytester, *args: str) -> str:
    """The message of the UsageError ``resolve`` raises for these options."""
    config = pytester.parseconfig(*args)
    with pytest.raises(pytest.UsageError) as err:
        resolve(config)
    return str(err.value)


def test_off_without_testmon_options(pytester: pytest.Pytester) -> None:
    assert settings(pytester) is None
    assert settings(pytester, "-k", "x", "-x") is None


def test_testmon_selects_and_records(pytester: pytest.Pytester) -> None:
    s = settings(pytester, "--testmon")
    assert s is not None
    assert (s.select, s.record, s.fresh, s.dry_run) == (True, True, False, False)
    assert s.env == "default"
    assert s.datafile == pytester.path / DEFAULT_DATAFILE
    assert s.mode == "select + record"


@pytest.mark.parametrize(
    ("args", "select", "record", "fresh", "dry_run"),
    [
        (["--testmon-noselect"], False, True, False, False),
        (["--testmon", "--testmon-noselect"], False, True, False, False),
        (["--testmon-nocollect"], True, False, False, False),
        (["--testmon", "--testmon-nocollect"], True, False, False, False),
        (["--testmon-nocache"], False, True, True, False),
        (["--testmon", "--testmon-forceselect"], True, True, False, False),
        (["--testmon", "--collect-only"], True, False, False, True),
    ],
)
def test_modes(
    pytester: pytest.Pytester,
    args: list[str],
    select: bool,
    record: bool,
    fresh: bool,
    dry_run: bool,
) -> None:
    s = settings(pytester, *args)
    assert s is not None
    assert (s.select, s.record, s.fresh, s.dry_run) == (select, record, fresh, dry_run)


def test_nocache_with_nocollect_is_a_usage_error_naming_both(pytester: pytest.Pytester) -> None:
    msg = resolve_error(pytester, "--testmon", "--testmon-nocache", "--testmon-nocollect")
    assert "--testmon-nocache" in msg
    assert "--testmon-nocollect" in msg


def test_noselect_with_nocollect_is_a_usage_error_naming_both(pytester: pytest.Pytester) -> None:
    msg = resolve_error(pytester, "--testmon-noselect", "--testmon-nocollect")
    assert "--testmon-noselect" in msg
    assert "--testmon-nocollect" in msg


@pytest.mark.parametrize(
    "value",
    ["has space", "a/b", "../up", "-dash", "x" * 101, "é", "", "a\nb", "ab\n"],
    ids=[
        "space",
        "slash",
        "parent",
        "leading-dash",
        "too-long",
        "non-ascii",
        "empty",
        "newline",
        "trailing-newline",
    ],
)
def test_bad_env_name_is_a_usage_error(pytester: pytest.Pytester, value: str) -> None:
    msg = resolve_error(pytester, "--testmon", f"--testmon-env={value}")
    assert "--testmon-env" in msg


@pytest.mark.parametrize("value", ["postgres", "py3.12+pg_16", "x" * 100, "0", "a:b=c@d-e"])
def test_good_env_names(pytester: pytest.Pytester, value: str) -> None:
    s = settings(pytester, "--testmon", f"--testmon-env={value}")
    assert s is not None and s.env == value


def test_env_from_ini_and_the_command_line_wins(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ntestmon_env = sqlite\n")
    s = settings(pytester, "--testmon")
    assert s is not None and s.env == "sqlite"
    s = settings(pytester, "--testmon", "--testmon-env", "postgres")
    assert s is not None and s.env == "postgres"


def test_bad_env_name_in_ini_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ntestmon_env = no spaces please\n")
    assert "no spaces please" in resolve_error(pytester, "--testmon")


@pytest.mark.parametrize(
    "args",
    [
        ["--testmon", "--no-testmon"],
        ["--no-testmon", "--testmon"],
        ["--no-testmon", "--testmon-nocache", "--testmon-nocollect"],
        ["--no-testmon", "--testmon-noselect", "--testmon-nocollect"],
        ["--no-testmon", "--testmon", "--testmon-env=has space"],
        ["--no-testmon"],
    ],
)
def test_no_testmon_wins(pytester: pytest.Pytester, args: list[str]) -> None:
    assert settings(pytester, *args) is None


def test_no_testmon_wins_over_addopts(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\naddopts = --testmon --testmon-nocache\n")
    assert settings(pytester) is not None
    assert settings(pytester, "--no-testmon") is None


def test_datafile_from_environment_variable(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TESTMON_DATAFILE", "sub/data.db")
    s = settings(pytester, "--testmon")
    assert s is not None and s.datafile == pytester.path / "sub" / "data.db"
    absolute = tmp_path / "elsewhere" / ".testmondata"
    monkeypatch.setenv("TESTMON_DATAFILE", str(absolute))
    s = settings(pytester, "--testmon")
    assert s is not None and s.datafile == absolute


def test_datafile_from_ini_and_the_environment_wins(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeini("[pytest]\ntestmon_datafile = .cache/ripple.db\n")
    s = settings(pytester, "--testmon")
    assert s is not None and s.datafile == pytester.path / ".cache" / "ripple.db"
    monkeypatch.setenv("TESTMON_DATAFILE", "from-env.db")
    s = settings(pytester, "--testmon")
    assert s is not None and s.datafile == pytester.path / "from-env.db"


def test_datafile_expands_the_home_directory(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    monkeypatch.setenv("TESTMON_DATAFILE", "~/ripple/.testmondata")
    s = settings(pytester, "--testmon")
    assert s is not None and s.datafile == tmp_path / "ripple" / ".testmondata"


def test_empty_datafile_environment_variable_means_the_default(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TESTMON_DATAFILE", "")
    s = settings(pytester, "--testmon")
    assert s is not None and s.datafile == pytester.path / DEFAULT_DATAFILE


def test_options_are_listed_in_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--testmon *", "*--no-testmon*", "*--testmon-env=NAME*"])
    result.stdout.fnmatch_lines(["*testmon_datafile*", "*testmon_env*"])

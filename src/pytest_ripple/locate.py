"""Where a pytest run here would find its data, without starting pytest: the rootdir
and configuration file (pytest's rules: the first ``pytest.toml``, ``pytest.ini``,
``pyproject.toml``, ``tox.ini`` or ``setup.cfg`` with a pytest section in the current
directory or above it), the data file (``--datafile``, ``TESTMON_DATAFILE``, the
``testmon_datafile`` ini key, ``.testmondata`` in the rootdir) and the environment name
(``--testmon-env``, also in ``addopts`` or ``PYTEST_ADDOPTS``, the ``testmon_env`` ini
key, ``default``).

Importing pytest costs more than an ``affected`` answer, so this mirrors pytest's
documented rules ("Finding the rootdir") for the common cases.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

DEFAULT_DATAFILE = ".testmondata"
ENV_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+:=@-]{0,99}$")
_CONFIG_NAMES = (
    "pytest.toml",
    ".pytest.toml",
    "pytest.ini",
    ".pytest.ini",
    "pyproject.toml",
    "tox.ini",
    "setup.cfg",
)


class ConfigError(Exception):
    """A configuration file pytest would refuse too."""


@dataclass
class Project:
    """What a pytest run started in ``invocation_dir`` would use."""

    rootdir: Path
    inipath: Path | None
    ini: dict[str, Any]  # the pytest section: str values, or lists (TOML)
    invocation_dir: Path
    datafile: Path = field(default_factory=Path)
    env: str = "default"

    def ini_list(self, name: str, default: Sequence[str]) -> list[str]:
        """An ``args`` ini value (whitespace-separated, shell quoting) as a list."""
        value = self.ini.get(name)
        if value is None:
            return list(default)
        if isinstance(value, list):
            return [str(v) for v in value]
        return shlex.split(str(value))

    @property
    def python_functions(self) -> list[str]:
        return self.ini_list("python_functions", ("test",))

    @property
    def python_classes(self) -> list[str]:
        return self.ini_list("python_classes", ("Test",))

    @property
    def python_files(self) -> list[str]:
        return self.ini_list("python_files", ("test_*.py", "*_test.py"))

    @property
    def testpaths(self) -> list[str]:
        return self.ini_list("testpaths", ())

    @property
    def norecursedirs(self) -> list[str]:
        default = ("*.egg", ".*", "_darcs", "build", "CVS", "dist", "node_modules", "venv")
        return self.ini_list("norecursedirs", (*default, "{arch}"))

    def lastfailed(self) -> dict[str, Any]:
        """pytest's own record of the tests that failed last time (cacheprovider)."""
        if "no:cacheprovider" in self.ini_list("addopts", ()):
            return {}
        raw = str(self.ini.get("cache_dir") or ".pytest_cache")
        cache = Path(os.path.expanduser(os.path.expandvars(raw)))
        if not cache.is_absolute():
            cache = self.rootdir / cache
        try:
            data = json.loads((cache / "v" / "cache" / "lastfailed").read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}


def locate(
    cwd: Path,
    *,
    rootdir: str | None = None,
    datafile: str | None = None,
    env: str | None = None,
    environ: Mapping[str, str] = os.environ,
) -> Project:
    """The project as a ``pytest --testmon`` run in ``cwd`` would see it. Raises
    ConfigError for a configuration file that cannot be read, or a bad env name."""
    cwd = cwd.resolve()
    found = _find_config(cwd)
    if found is not None:
        root, inipath, ini = found
    else:
        root, inipath, ini = _rootdir_without_config(cwd), None, {}
    if rootdir is not None:
        root = Path(os.path.expandvars(rootdir)).expanduser().resolve()
    project = Project(root, inipath, ini, cwd)
    project.datafile = _datafile(project, datafile, environ)
    project.env = _env_name(project, env, environ)
    return project


def _find_config(cwd: Path) -> tuple[Path, Path, dict[str, Any]] | None:
    pyproject = None
    for base in (cwd, *cwd.parents):
        for name in _CONFIG_NAMES:
            path = base / name
            if not path.is_file():
                continue
            if name == "pyproject.toml" and pyproject is None:
                pyproject = path
            ini = _load(path)
            if ini is not None:
                return base, path, ini
    if pyproject is not None:  # pytest 8.1+: a pyproject.toml marks the rootdir anyway
        return pyproject.parent, pyproject, {}
    return None


def _rootdir_without_config(cwd: Path) -> Path:
    for base in (cwd, *cwd.parents):
        if (base / "setup.py").is_file():
            return base
    return cwd


def _load(path: Path) -> dict[str, Any] | None:
    """The pytest section of a configuration file; None when it has none."""
    import configparser

    try:
        if path.suffix == ".toml":
            return _load_toml(path)
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.read_string(path.read_text("utf-8"), str(path))
    except (OSError, UnicodeDecodeError, configparser.Error, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    section = "tool:pytest" if path.name == "setup.cfg" else "pytest"
    if parser.has_section(section):
        return dict(parser.items(section))
    return {} if path.name in ("pytest.ini", ".pytest.ini") else None


def _load_toml(path: Path) -> dict[str, Any] | None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pytest depends on tomli before 3.11
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

    doc = tomllib.loads(path.read_text("utf-8"))
    if path.name != "pyproject.toml":
        table = doc.get("pytest")
        return dict(table) if isinstance(table, dict) else {}
    tool = doc.get("tool", {}).get("pytest")
    if not isinstance(tool, dict):
        return None
    ini_options = tool.get("ini_options")
    if isinstance(ini_options, dict):
        return {k: v if isinstance(v, list) else str(v) for k, v in ini_options.items()}
    return {k: v for k, v in tool.items() if k != "ini_options"}


def _datafile(project: Project, given: str | None, environ: Mapping[str, str]) -> Path:
    raw = given or environ.get("TESTMON_DATAFILE") or project.ini.get("testmon_datafile")
    if not raw:
        return project.rootdir / DEFAULT_DATAFILE
    path = Path(os.path.expanduser(str(raw)))
    if given:  # on our command line: relative to where it was typed
        return path if path.is_absolute() else project.invocation_dir / path
    return path if path.is_absolute() else project.rootdir / path


def _env_name(project: Project, given: str | None, environ: Mapping[str, str]) -> str:
    env = given
    if env is None:  # addopts, then PYTEST_ADDOPTS: the last one wins, as in pytest
        args = project.ini_list("addopts", ()) + shlex.split(environ.get("PYTEST_ADDOPTS", ""))
        for i, arg in enumerate(args):
            if arg == "--testmon-env" and i + 1 < len(args):
                env = args[i + 1]
            elif arg.startswith("--testmon-env="):
                env = arg.split("=", 1)[1]
    if env is None:
        env = str(project.ini.get("testmon_env") or "default")
    if not ENV_NAME.fullmatch(env):
        raise ConfigError(
            f"--testmon-env {env!r}: an environment name is 1 to 100 characters, starts "
            "with a letter or digit and uses only letters, digits and . _ + : = @ -"
        )
    return env

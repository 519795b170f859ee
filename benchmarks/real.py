"""Real open-source suites: PyPI sdists that ship their tests, fetched at run time.

Each is downloaded with ``pip download --no-deps --no-binary :all: NAME==VERSION`` into
``benchmarks/_work/bench/sdists`` (never committed) and unpacked once. Their tests pass
with pytest alone, and their code is imported from the unpacked tree (never installed),
so every tool sees it as project code. The edit is one function in the middle of the
package: used by a part of the suite, not by all of it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.workload import Edit, Workload

# For sdists without pytest configuration: without an ini of their own, pytest would
# climb out of benchmarks/_work into this repository's pyproject.toml.
TESTS_INI = "[pytest]\ntestpaths = tests\n"


@dataclass(frozen=True)
class Project:
    requirement: str  # NAME==VERSION
    edit: Edit
    ini: str | None = None  # a pytest.ini to write (the sdist has no pytest config)
    pytest_args: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.requirement.replace("==", " ")


PROJECTS = (
    Project("sqlparse==0.6.1", Edit("sqlparse/formatter.py", "validate_options"), TESTS_INI),
    # 10.5.0 rather than 11.x: 11's test_primes alone runs 17 s (testmon: minutes).
    Project("more-itertools==10.5.0", Edit("more_itertools/more.py", "chunked"), TESTS_INI),
    Project("toolz==1.2.0", Edit("toolz/itertoolz.py", "groupby")),
)


def suites(root: Path, python: Path) -> list[Workload]:
    """The real workloads, downloaded (with ``python -m pip``) and unpacked under root."""
    return [_workload(project, _pristine(root, project, python)) for project in PROJECTS]


def _workload(project: Project, tree: Path) -> Workload:
    return Workload(project.label, "real", "real", tree, project.edit, project.pytest_args)


def _pristine(root: Path, project: Project, python: Path) -> Path:
    target = root / "real" / project.requirement.replace("==", "-")
    done = target / ".unpacked"
    if done.exists():
        return target
    archive = _download(root / "sdists", project.requirement, python)
    shutil.rmtree(target, ignore_errors=True)
    unpack = target.with_name(target.name + ".unpack")
    shutil.rmtree(unpack, ignore_errors=True)
    with tarfile.open(archive) as tar:
        # the "data" filter refuses links and paths out of the folder (3.12, 3.11.4+)
        if hasattr(tarfile, "data_filter"):
            tar.extractall(unpack, filter="data")
        else:  # pragma: no cover - old interpreters
            tar.extractall(unpack)
    (top,) = list(unpack.iterdir())
    top.rename(target)
    unpack.rmdir()
    if project.ini is not None:
        (target / "pytest.ini").write_text(project.ini)
    done.write_text(project.requirement)
    return target


def _download(folder: Path, requirement: str, python: Path) -> Path:
    found = _find_sdist(folder, requirement)
    if found is not None:
        return found
    folder.mkdir(parents=True, exist_ok=True)
    cmd = [str(python), "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:"]
    proc = subprocess.run([*cmd, "-d", str(folder), requirement], capture_output=True, text=True)
    found = _find_sdist(folder, requirement)
    if found is None:
        raise SystemExit(f"pip download {requirement} failed:\n{proc.stdout}{proc.stderr}")
    return found


def _find_sdist(folder: Path, requirement: str) -> Path | None:
    """The sdist of ``requirement``: its file name spells the project with - or _."""
    name, version = requirement.split("==")
    for path in sorted(folder.glob("*.tar.gz")):
        stem, _, found = path.name[: -len(".tar.gz")].rpartition("-")
        if found == version and _canonical(stem) == _canonical(name):
            return path
    return None


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()

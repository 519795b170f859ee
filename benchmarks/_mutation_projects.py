"""The real projects of the mutation check, and the environments it runs them in.

Each project is a PyPI sdist that ships its tests and passes them with plain pytest.
It is downloaded at run time into ``benchmarks/_work`` (never committed), unpacked once
as a pristine copy, and copied into a working tree that edits are applied to. One more
project is synthetic (``_mutation_synthetic.py``): a small application whose conftest
configures it from a settings module at import, which none of the real ones does.

Three virtualenvs per interpreter, all with the same pytest: ``plain`` (the full runs
that tell which outcomes an edit changed), ``ripple`` (a snapshot of this checkout,
reinstalled whenever its source changed, so an edit made while the check runs does not
change the plugin under test half-way) and ``testmon`` (pytest-testmon 2.2.0). The
projects' own code is never installed: it is imported from the working tree, so both
plugins see it as project code.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks import _mutation_synthetic as synthetic

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "benchmarks" / "_work" / "mutation"

PYTEST = "pytest==9.2.0"
TESTMON = "pytest-testmon==2.2.0"
TIMEOUT_PLUGIN = "pytest-timeout==2.4.0"
FLAVORS = ("plain", "ripple", "testmon")
PYTHONS = ("3.11", "3.12")


@dataclass(frozen=True)
class ProjectSpec:
    name: str
    requirement: str  # NAME==VERSION, as pip downloads it
    packages: tuple[str, ...]  # package directories (relative to the tree) to edit
    exclude: tuple[str, ...] = ("tests",)  # directory names under a package not to edit
    pythonpath: str = "."  # where the package is imported from, relative to the tree
    ini: str | None = None  # a pytest.ini to write when the project has no pytest config
    pytest_args: tuple[str, ...] = ()  # for every run (both plugins and the full runs)
    deps: tuple[str, ...] = ()  # what its tests import besides pytest
    default: bool = True  # checked when no --project is given
    synthetic: bool = False  # written from ``_mutation_synthetic.FILES``, not downloaded

    @property
    def dirname(self) -> str:
        return self.requirement.replace("==", "-")


PROJECTS: dict[str, ProjectSpec] = {
    spec.name: spec
    for spec in (
        ProjectSpec(
            name="toolz",
            requirement="toolz==1.2.0",
            packages=("toolz",),
        ),
        ProjectSpec(
            name="itsdangerous",
            requirement="itsdangerous==2.2.0",
            packages=("src/itsdangerous",),
            pythonpath="src",
            deps=("freezegun==1.5.5",),
        ),
        ProjectSpec(
            name="sqlparse",
            requirement="sqlparse==0.6.1",
            packages=("sqlparse",),
            ini="[pytest]\ntestpaths = tests\n",
        ),
        ProjectSpec(
            # a metaclass fills a class registry at import; its tests define schemas
            # at module level: import-time code the other projects have little of
            name="marshmallow",
            requirement="marshmallow==3.26.1",
            packages=("src/marshmallow",),
            pythonpath="src",
            deps=("simplejson==3.20.1",),
            default=False,
        ),
        ProjectSpec(
            name="more-itertools",
            requirement="more-itertools==11.2.1",
            packages=("more_itertools",),
            ini="[pytest]\ntestpaths = tests\n",
            # 10 s of prime sieving, a third of the suite's time, on every full run
            pytest_args=("--deselect", "tests/test_recipes.py::PrimeFunctionTests::test_primes"),
            # tracked runs of its 20,000 subtests take a minute on 3.11: opt-in only
            default=False,
        ),
        ProjectSpec(
            name=synthetic.NAME,
            requirement=f"{synthetic.NAME}==1.4.2",
            packages=(synthetic.NAME,),
            synthetic=True,
        ),
    )
}

_CONFIG_FILES = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")


def pyenv_python(version: str) -> Path:
    """The pyenv interpreter for "3.11" or "3.12" (the newest patch release installed)."""
    root = Path(
        subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=True).stdout.strip()
    )
    found = sorted(
        (p for p in (root / "versions").glob(f"{version}.*") if (p / "bin" / "python").exists()),
        key=lambda p: tuple(int(x) for x in p.name.split(".") if x.isdigit()),
    )
    if not found:
        raise SystemExit(f"no pyenv Python {version} under {root / 'versions'}")
    return found[-1] / "bin" / "python"


def _all_deps() -> list[str]:
    return sorted({dep for spec in PROJECTS.values() for dep in spec.deps})


_SNAPSHOT = ("pyproject.toml", "README.md", "LICENSE", "src")


def ripple_digest() -> str:
    """A digest of what builds pytest-ripple: its source and packaging files."""
    h = hashlib.sha256()
    for name in _SNAPSHOT:
        root = REPO / name
        files = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(path.relative_to(REPO).as_posix().encode() + b"\0")
                h.update(path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def _ripple_snapshot(digest: str) -> Path:
    """A copy of the checkout's source to install from (never the live tree)."""
    target = WORK / "snapshots" / f"pytest-ripple-{digest}"
    if not (target / "pyproject.toml").exists():
        shutil.rmtree(target, ignore_errors=True)
        for name in _SNAPSHOT:
            source = REPO / name
            if source.is_dir():
                ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
                shutil.copytree(source, target / name, ignore=ignore)
            elif source.exists():
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / name)
    return target


def _venv_requirements(flavor: str) -> list[str]:
    reqs = [PYTEST, TIMEOUT_PLUGIN, *_all_deps()]
    if flavor == "testmon":
        reqs.append(TESTMON)
    elif flavor == "ripple":
        reqs.append(str(_ripple_snapshot(ripple_digest())))
    return reqs


def ensure_venv(version: str, flavor: str) -> Path:
    """The venv's python; created (with ``uv``) when missing or when its recipe moved."""
    venv = WORK / "venvs" / f"py{version}-{flavor}"
    reqs = _venv_requirements(flavor)
    stamp = venv / ".mutation-stamp"
    want = hashlib.sha256("\n".join([version, *reqs]).encode()).hexdigest()
    python = venv / "bin" / "python"
    if python.exists() and stamp.exists() and stamp.read_text() == want:
        return python
    shutil.rmtree(venv, ignore_errors=True)
    _quiet(["uv", "venv", "-q", "--python", str(pyenv_python(version)), str(venv)])
    _quiet(["uv", "pip", "install", "-q", "--no-cache", "--python", str(python), *reqs])
    stamp.write_text(want)
    return python


def _quiet(cmd: list[str], cwd: Path | None = None) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")


def pristine(spec: ProjectSpec) -> Path:
    """The unpacked sdist, downloaded once with ``pip download --no-binary :all:``
    (the synthetic project: its files, written again when they changed)."""
    target = WORK / "pristine" / spec.dirname
    stamp = target / ".mutation-complete"
    if spec.synthetic:
        if not stamp.exists() or stamp.read_text() != synthetic.digest():
            shutil.rmtree(target, ignore_errors=True)
            for rel, text in synthetic.FILES.items():
                (target / rel).parent.mkdir(parents=True, exist_ok=True)
                (target / rel).write_text(text, encoding="utf-8")
            stamp.write_text(synthetic.digest())
        return target
    if stamp.exists():
        return target
    sdists = WORK / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    archive = _find_sdist(sdists, spec)
    if archive is None:
        _quiet(
            [
                str(pyenv_python(PYTHONS[-1])),
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--no-binary",
                ":all:",
                "-d",
                str(sdists),
                spec.requirement,
            ]
        )
        archive = _find_sdist(sdists, spec)
    if archive is None:
        raise SystemExit(f"pip download of {spec.requirement} gave no sdist in {sdists}")
    shutil.rmtree(target, ignore_errors=True)
    unpack = WORK / "pristine" / ".unpack"
    shutil.rmtree(unpack, ignore_errors=True)
    with tarfile.open(archive) as tar:
        tar.extractall(unpack, filter="data")
    (top,) = list(unpack.iterdir())
    top.rename(target)
    unpack.rmdir()
    _add_config(spec, target)
    stamp.write_text(spec.requirement)
    return target


def _find_sdist(folder: Path, spec: ProjectSpec) -> Path | None:
    name, version = spec.requirement.split("==")
    for path in sorted(folder.glob("*.tar.gz")):
        stem, _, found = path.name[: -len(".tar.gz")].rpartition("-")
        if found == version and _canonical(stem) == _canonical(name):
            return path
    return None


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _add_config(spec: ProjectSpec, tree: Path) -> None:
    """A pytest.ini for projects that have none, so pytest does not climb out of the
    tree into this repository's own configuration."""
    if spec.ini is not None:
        (tree / "pytest.ini").write_text(spec.ini)


def config_file(tree: Path) -> Path:
    """The file pytest takes its configuration from, passed with ``-c``."""
    for name in _CONFIG_FILES:
        path = tree / name
        if path.is_file() and _has_pytest_section(path):
            return path
    raise SystemExit(f"{tree}: no pytest configuration (give the project an ini)")


def _has_pytest_section(path: Path) -> bool:
    text = path.read_text(errors="replace")
    if path.name in ("pytest.ini", ".pytest.ini"):
        return True
    if path.name == "pyproject.toml":
        return "[tool.pytest.ini_options]" in text
    if path.name == "setup.cfg":
        return "[tool:pytest]" in text
    return "[pytest]" in text


def working_tree(spec: ProjectSpec, version: str) -> Path:
    """A fresh copy of the pristine tree (files keep their mtimes), without bytecode."""
    source = pristine(spec)
    tree = WORK / "trees" / f"{spec.dirname}-py{version}"
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(source, tree, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return tree


def source_files(spec: ProjectSpec, tree: Path) -> list[str]:
    """The package modules that edits may touch, relative to the tree, sorted."""
    out: list[str] = []
    for package in spec.packages:
        for dirpath, dirnames, filenames in os.walk(tree / package):
            dirnames[:] = sorted(
                d for d in dirnames if d not in spec.exclude and d != "__pycache__"
            )
            for name in sorted(filenames):
                if name.endswith(".py") and not name.startswith("test_"):
                    out.append((Path(dirpath) / name).relative_to(tree).as_posix())
    return sorted(out)

"""The three virtual environments per interpreter, and what the report says of the machine.

``plain`` has pytest only, ``testmon`` adds pytest-testmon 2.2.0 (and the coverage.py it
pulls in), ``ripple`` adds pytest-ripple built from this working tree as a wheel and
installed non-editable, as a user would have it. All three pin the same pytest.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTEST = "pytest==9.2.0"
TESTMON = "pytest-testmon==2.2.0"
TOOLS = ("plain", "testmon", "ripple")
DISTRIBUTIONS = ("pytest", "pluggy", "coverage", "pytest-testmon", "pytest-ripple")


@dataclass(frozen=True)
class Env:
    tool: str
    python: Path  # the venv's interpreter
    versions: dict[str, str]  # "python" and the installed DISTRIBUTIONS


def pyenv_python(version: str) -> Path:
    """The newest installed pyenv interpreter of ``version`` ("3.12" -> 3.12.1)."""
    root = Path(os.environ.get("PYENV_ROOT") or _pyenv_root())
    found = [p for p in (root / "versions").glob(f"{version}.*") if (p / "bin/python").exists()]
    if not found:
        raise SystemExit(f"no Python {version} under {root / 'versions'} (pyenv install it)")
    found.sort(key=lambda p: [int(x) for x in p.name.split(".") if x.isdigit()])
    return found[-1] / "bin" / "python"


def _pyenv_root() -> str:
    try:
        out = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return str(Path.home() / ".pyenv")


def build_wheel(work: Path) -> Path:
    """pytest-ripple from the working tree, as a wheel (built once, installed in every
    ripple venv): what a non-editable ``pip install .`` would install."""
    out = work / "wheel"
    shutil.rmtree(out, ignore_errors=True)
    python = pyenv_python("3.12")
    _run([str(python), "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(REPO)])
    (wheel,) = out.glob("pytest_ripple-*.whl")
    return wheel


def ensure(work: Path, version: str, tool: str, wheel: Path) -> Env:
    """The venv of ``tool`` on Python ``version``, created when missing or outdated."""
    venv = work / "venvs" / f"py{version}-{tool}"
    python = venv / "bin" / "python"
    reqs = [PYTEST] + ([TESTMON] if tool == "testmon" else [])
    stamp = venv / ".bench-stamp"
    want = hashlib.sha256(json.dumps([version, reqs]).encode()).hexdigest()
    if not (python.exists() and stamp.exists() and stamp.read_text() == want):
        shutil.rmtree(venv, ignore_errors=True)
        _run([str(pyenv_python(version)), "-m", "venv", str(venv)])
        _run([str(python), "-m", "pip", "install", "-q", *reqs])
        stamp.write_text(want)
    if tool == "ripple":  # the working tree moves: reinstall it on every harness run
        _run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "--no-deps",
                "--force-reinstall",
                str(wheel),
            ]
        )
    return Env(tool, python, _versions(python))


def _versions(python: Path) -> dict[str, str]:
    code = (
        "import json, sys, importlib.metadata as md\n"
        "out = {'python': sys.version.split()[0]}\n"
        f"for name in {list(DISTRIBUTIONS)!r}:\n"
        "    try: out[name] = md.version(name)\n"
        "    except md.PackageNotFoundError: pass\n"
        "print(json.dumps(out))\n"
    )
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout))


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")


def machine() -> dict[str, str]:
    """What the report says of the machine the figures come from."""
    return {
        "cpus": str(os.cpu_count()),
        "cpu": _cpuinfo("model name") or platform.processor() or "?",
        "memory": _meminfo(),
        "system": platform.platform(),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": _git("rev-parse", "--short", "HEAD") + (" (+ local changes)" if _dirty() else ""),
    }


def _cpuinfo(key: str) -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def _meminfo() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024**2:.0f} GiB"
    except OSError:
        pass
    return "?"


def _git(*args: str) -> str:
    try:
        cmd = ["git", "-C", str(REPO), *args]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def _dirty() -> bool:
    # Only the plugin's source counts: the benchmark's own files do not change figures.
    return bool(_git("status", "--porcelain", "--", "src", "pyproject.toml"))

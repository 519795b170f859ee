"""The environment part of the state: interpreter and installed distributions."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import sys
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from importlib import metadata


def python_tag() -> str:
    """Tests are kept per interpreter, so switching does not wipe the other's data."""
    impl = platform.python_implementation().lower()
    return f"{impl}{sys.version_info[0]}.{sys.version_info[1]}"


def site_signature(rootdir: Path) -> str:
    """Changes when a distribution is installed, removed or upgraded: the mtimes of the
    directories on sys.path (an install adds or renames a ``.dist-info`` in one).
    Directories inside the project are left out: our own data file's journal changes
    the rootdir's mtime on every run."""
    root = os.path.normcase(str(rootdir.resolve()))
    parts = []
    for entry in sys.path:
        full = os.path.normcase(os.path.abspath(entry or "."))
        inside = full == root or full.startswith(root + os.sep)
        if inside and "site-packages" not in full and "dist-packages" not in full:
            continue  # project source, not installed code (a .venv inside stays)
        try:
            st = os.stat(entry or ".")
        except OSError:
            continue
        parts.append(f"{entry}:{st.st_mtime_ns}")
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=8).hexdigest()


def installed_packages(rootdir: Path) -> dict[str, str]:
    """{name: version} of installed distributions, without the project itself: an
    editable install of the project changes its version on every commit."""
    from importlib import metadata  # 20 ms: only when the site signature moved

    out: dict[str, str] = {}
    root = str(rootdir.resolve())
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if not name or _is_project(dist, root):
            continue
        out[name] = dist.version or ""
    return out


def _is_project(dist: metadata.Distribution, root: str) -> bool:
    """An editable install, or one whose files live in the project (``pip install -e``)."""
    try:
        info = json.loads(dist.read_text("direct_url.json") or "{}")
    except ValueError:
        info = {}
    if isinstance(info, dict) and info.get("dir_info", {}).get("editable"):
        return True
    url = str(info.get("url", "")) if isinstance(info, dict) else ""
    return url.startswith("file://") and url[7:].rstrip("/") == root


def top_level_names(dist_names: set[str]) -> dict[str, set[str]]:
    """{distribution: its importable top-level names} for these distributions."""
    from importlib import metadata

    out: dict[str, set[str]] = {}
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if name not in dist_names:
            continue
        tops = set((dist.read_text("top_level.txt") or "").split())
        if not tops:
            for f in dist.files or ():
                first = f.parts[0] if f.parts else ""
                if (
                    first
                    and not first.endswith((".dist-info", ".egg-info", ".pth"))
                    and (first.isidentifier() or first.endswith(".py"))
                ):
                    tops.add(first[:-3] if first.endswith(".py") else first)
        out.setdefault(name, set()).update(t for t in tops if t != "__pycache__")
    return out


def distributions_of(tops: set[str]) -> dict[str, str]:
    """{top-level import name: its distribution's name}, for those that can be told
    (``_pytest`` -> ``pytest``)."""
    from importlib import metadata

    found = getattr(metadata, "packages_distributions", None)  # Python 3.10+
    if found is None:
        return {}
    out = {}
    for top, dists in found().items():
        if top in tops and dists:
            out[top] = dists[0].lower().replace("_", "-")
    return out


def package_changes(old: dict[str, str], new: dict[str, str]) -> list[str]:
    """Human-readable changes, e.g. ``requests 2.31.0 to 2.32.0`` (no arrow: reasons
    use arrows for their steps)."""
    out = []
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        if a is None:
            out.append(f"{name} {b} installed")
        elif b is None:
            out.append(f"{name} {a} removed")
        else:
            out.append(f"{name} {a} to {b}")
    return out


def _section(text: str, header: re.Pattern[str]) -> str:
    """The lines of one ini/toml section (and its sub-tables), comments left out."""
    out: list[str] = []
    inside = False
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("["):
            inside = bool(header.match(line))
        if inside and line and not line.startswith(("#", ";")):
            out.append(line)
    return "\n".join(out)


_SECTIONS = {
    "pyproject.toml": re.compile(r"^\[+\s*tool\.pytest"),
    "setup.cfg": re.compile(r"^\[\s*tool:pytest\s*\]"),
    "tox.ini": re.compile(r"^\[\s*pytest\s*\]"),
}


def pytest_config_digest(inipath: Path | None) -> str:
    """Digest of the pytest part of the configuration file in use: a change there
    (addopts, markers, filterwarnings, testpaths ...) can change any test."""
    if inipath is None:
        return ""
    try:
        text = inipath.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "unreadable"
    header = _SECTIONS.get(inipath.name)
    if header is not None:
        text = _section(text, header)
    else:  # pytest.ini, .pytest.ini: all of it
        text = "\n".join(
            line.strip()
            for line in text.splitlines()
            if line.strip() and not line.strip().startswith(("#", ";"))
        )
    return f"{inipath.name}:" + hashlib.blake2b(text.encode(), digest_size=8).hexdigest()

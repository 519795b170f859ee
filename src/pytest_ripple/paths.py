"""Project paths: what is project code, node ids to files, conftest.py scopes, and
pytest's naming rules for test functions and classes."""

from __future__ import annotations

import fnmatch
import functools
import os
import re
from pathlib import Path, PurePosixPath
from typing import Iterable

_INSTALLED = re.compile(r"(^|[\\/])(site-packages|dist-packages|__pycache__)[\\/]")
# The top-level name (module or package directory) of installed code, in group 1.
INSTALLED_TOP = re.compile(r"[\\/](?:site-packages|dist-packages)[\\/]([^\\/]+)")


def root_prefix(rootdir: Path) -> str:
    """The normalized rootdir with a trailing separator, for :func:`relative_to_root`."""
    return os.path.normcase(str(rootdir.resolve())).rstrip(os.sep) + os.sep


def relative_to_root(root: str, filename: str) -> str | None:
    """The path of a file relative to the rootdir (``root`` from :func:`root_prefix`),
    or None when it is not project code: outside the rootdir, or installed in a
    site-packages inside it (a ``.venv``). Nothing else is excluded by guesswork: a
    file we do not track is a change we cannot see."""
    if not filename or filename[0] == "<":
        return None
    full = os.path.normcase(os.path.abspath(filename))
    if not full.startswith(root):
        return None
    rel = full[len(root) :]
    if _INSTALLED.search(rel):
        return None
    return rel.replace(os.sep, "/") if os.sep != "/" else rel


def relative_path(rootdir: Path, path: Path) -> str | None:
    try:
        return path.relative_to(rootdir).as_posix()
    except ValueError:
        return None


def test_path(nodeid: str) -> str:
    """The file part of a node id."""
    return nodeid.split("::", 1)[0]


def conftest_dir(path: str) -> str | None:
    """The directory prefix a conftest.py's names reach (``""`` for the rootdir,
    ``tests/sub/``), or None when ``path`` is not a conftest.py."""
    p = PurePosixPath(path)
    if p.name != "conftest.py":
        return None
    parent = str(p.parent)
    return "" if parent == "." else parent + "/"


def in_scope(path: str, prefix: str) -> bool:
    """Whether a test file is reached by a scope: a file, a directory prefix ending in
    ``/``, or ``""`` (everything)."""
    return prefix == "" or path == prefix or (prefix.endswith("/") and path.startswith(prefix))


class Conftests:
    """The conftest.py files that apply to each test file, looked up on disk once per
    directory."""

    def __init__(self, rootdir: Path) -> None:
        self.rootdir = rootdir
        self._cache: dict[str, list[str]] = {}

    def above(self, rel_file: str) -> list[str]:
        parent = rel_file.rpartition("/")[0] or "."  # called per test: no PurePath
        found = self._cache.get(parent)
        if found is None:
            found = []
            d = PurePosixPath(parent)
            while True:
                top = str(d) in (".", "")
                rel = "conftest.py" if top else f"{d}/conftest.py"
                if (self.rootdir / rel).is_file():
                    found.append(rel)
                if top:
                    break
                d = d.parent
            self._cache[parent] = found
        return found

    def new_above(self, rel_file: str, known: set[str] | None) -> list[str]:
        """conftest.py files above a test file that no earlier run has seen."""
        if known is None:
            return []
        return [c for c in self.above(rel_file) if c not in known]


def matches_name(name: str, options: Iterable[str]) -> bool:
    """pytest's python_functions / python_classes rule: a prefix or a glob."""
    prefixes, globs = _name_rule(tuple(options))
    return name.startswith(prefixes) or any(g.match(name) for g in globs)


@functools.lru_cache(maxsize=64)
def _name_rule(options: tuple[str, ...]) -> tuple[tuple[str, ...], list[re.Pattern[str]]]:
    """The options as prefixes, and globs compiled once (checked for every binding of
    every test file)."""
    flags = re.IGNORECASE if os.path.normcase("A") == "a" else 0  # as fnmatch.fnmatch
    globs = [re.compile(fnmatch.translate(o), flags) for o in options if any(c in o for c in "*?[")]
    return options, globs

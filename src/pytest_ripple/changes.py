"""Detect changed files: stat every known file, hash those whose size or mtime moved,
re-fingerprint those whose content moved."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_ripple.fingerprint import (
    FileChange,
    Fingerprint,
    diff,
    digest,
    fingerprint_python,
    fingerprint_text,
)

if TYPE_CHECKING:  # the store saves FileState objects: no import cycle at run time
    from pytest_ripple.store import FileRow

PY_SUFFIXES = (".py", ".pyw")


def is_python(path: str) -> bool:
    return path.endswith(PY_SUFFIXES)


def fingerprint_bytes(path: str, data: bytes) -> Fingerprint:
    return fingerprint_python(data) if is_python(path) else fingerprint_text(data, path)


# A file modified this recently may be modified again within the same mtime tick
# without its size changing; its mtime is not trusted as a shortcut ("racy git").
RACY_NS = 2_000_000_000


def trusted_mtime(mtime_ns: int) -> int:
    """The mtime to store: 0 (always hash next time) when it is too recent to trust."""
    return mtime_ns if time.time_ns() - mtime_ns > RACY_NS else 0


@dataclass
class FileState:
    """A file as it is on disk now."""

    path: str  # relative to the rootdir, with forward slashes
    mtime_ns: int
    size: int
    fp: Fingerprint | None  # None: missing or unreadable


def read_state(root: Path, rel: str) -> FileState:
    if rel.startswith(GLOB):
        return _glob_state(root, rel)
    full = root / rel
    try:
        st = os.stat(full)
        with open(full, "rb") as f:
            data = f.read()
    except (OSError, ValueError):
        return FileState(rel, 0, -1, None)
    return FileState(rel, st.st_mtime_ns, st.st_size, fingerprint_bytes(rel, data))


PACKAGE = "pkg:"  # an installed distribution's top-level name: changes come from environment.py
GLOB = "glob:"  # a declared dependency on every file a glob matches (testmon_depends)


def _glob_state(root: Path, rel: str) -> FileState:
    """One digest over the names and bytes of every match, so adding, removing or
    editing a matching file all count."""
    parts = []
    pattern, base = rel[len(GLOB) :], root
    if os.path.isabs(pattern):  # Path.glob takes relative patterns only
        anchor = Path(pattern).anchor
        pattern, base = pattern[len(anchor) :], Path(anchor)
    try:
        matches = sorted(base.glob(pattern))
    except (ValueError, NotImplementedError, OSError) as exc:
        matches = []
        parts.append(f"{pattern}:{exc}")
    for match in matches:
        if match.is_file():
            try:
                name = match.relative_to(root).as_posix()
            except ValueError:  # outside the rootdir
                name = match.as_posix()
            try:
                parts.append(f"{name}:{digest(match.read_bytes())}")
            except OSError:
                parts.append(f"{match}:unreadable")
    fp = Fingerprint(content=digest("\n".join(parts).encode()))
    return FileState(rel, 0, -1, fp)  # mtime 0: never trusted, always recomputed


@dataclass
class Changes:
    changed: dict[str, tuple[FileRow, FileState, FileChange]] = field(default_factory=dict)
    touched: list[FileState] = field(default_factory=list)  # same content, new mtime/size
    # same content, fingerprinted again by this version (``NAMES_VERSION`` moved)
    refreshed: list[FileState] = field(default_factory=list)

    @property
    def paths(self) -> list[str]:
        return sorted(self.changed)


def detect(root: Path, files: dict[str, FileRow], *, refresh: bool = False) -> Changes:
    """The files that changed since they were stored. ``refresh``: the stored
    fingerprints are from a version that listed other names (``NAMES_VERSION``): every
    file is read again, and an unchanged one gets its new fingerprint, in ``files``
    (what selection reads in this run) and, through ``refreshed``, in the store."""
    out = Changes()
    for rel, row in files.items():
        if rel.startswith(PACKAGE):
            continue  # installed code changes with the environment, not on disk here
        full = root / rel
        try:
            st = os.stat(full)
        except (OSError, ValueError):
            st = None
        if (
            not refresh
            and st is not None
            and st.st_mtime_ns == row.mtime_ns
            and st.st_size == row.size
        ):
            continue  # the shortcut; a restored CI cache misses it and falls to hashing
        state = None
        if st is not None and not rel.startswith(GLOB):
            try:
                with open(full, "rb") as f:
                    data = f.read()
            except (OSError, ValueError):
                data = None
            if data is not None:
                if refresh and digest(data) == row.content and not rel.startswith(GLOB):
                    fresh = FileState(rel, st.st_mtime_ns, st.st_size, fingerprint_bytes(rel, data))
                    out.refreshed.append(fresh)
                    row.renew(fresh.fp)
                    continue
                if digest(data) == row.content:
                    # the same bytes (a racy mtime stored as 0 after an edit, a
                    # checkout, a restored cache): a digest, not a parse. Parsing
                    # more-itertools' more.py cost 0.35 s of the run after each edit.
                    out.touched.append(FileState(rel, st.st_mtime_ns, st.st_size, None))
                    continue
                state = FileState(rel, st.st_mtime_ns, st.st_size, fingerprint_bytes(rel, data))
        if state is None:
            state = read_state(root, rel)
        if state.fp is not None and state.fp.content == row.content:
            out.touched.append(state)
            continue
        old = row.fingerprint()
        if old is None and row.fp_blob is None and state.fp is not None:
            old = Fingerprint(content=row.content)  # a data file: whole-file compare
        out.changed[rel] = (row, state, diff(old, state.fp))
    return out

"""The import graph of project modules: which file's import runs which other file's.

Static edges come from the import statements in each file's fingerprint (resolved to
project files by dotted-name suffix, which over-approximates: an edge too many costs a
re-run, one too few a missed test), plus the implicit edge from a module to the
``__init__.py`` of its packages. Dynamic edges are the module bodies seen running
inside another module's body.
"""

from __future__ import annotations

from collections import defaultdict, deque
from typing import Callable, Iterable, Mapping


class ModuleIndex:
    """Project Python files by every dotted name they could be imported as."""

    def __init__(self, paths: Iterable[str]) -> None:
        self.files = {p for p in paths if p.endswith(".py")}
        self.by_name: dict[str, set[str]] = defaultdict(set)
        for path in self.files:
            parts = _module_parts(path)
            for i in range(len(parts)):
                self.by_name[".".join(parts[i:])].add(path)

    def resolve(self, importer: str, name: str) -> set[str]:
        """The project files ``import name`` in ``importer`` may run: the module and
        the packages above it."""
        if name.startswith("."):
            base, rest = _relative(importer, name)
            out: set[str] = set()
            parts = base + rest
            for i in range(len(base) + 1, len(parts) + 1):
                stem = "/".join(parts[:i])
                out.update(c for c in (f"{stem}.py", f"{stem}/__init__.py") if c in self.files)
            return out
        found: set[str] = set()
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            found |= self.by_name.get(".".join(parts[:i]), set())
        return found

    def attribute_modules(self, importer: str, name: str) -> set[str]:
        """The project modules a dotted name read as attributes (``pkg.b.VAL``) may
        be: those named by two parts or more of it (``pkg.b``), never by its first
        part alone (``models.User`` is no edge to every ``models.py``)."""
        if name.startswith("."):
            return self.resolve(importer, name)
        parts = name.split(".")
        found: set[str] = set()
        for i in range(2, len(parts) + 1):
            found |= self.by_name.get(".".join(parts[:i]), set())
        return found

    def module_file(self, importer: str, name: str) -> str | None:
        """The one project file that is module ``name`` (relative to ``importer``'s
        package when it starts with dots); None when none is, or several may be."""
        if name.startswith("."):
            base, rest = _relative(importer, name)
            stem = "/".join(base + rest)
            found = {c for c in (f"{stem}.py", f"{stem}/__init__.py") if c in self.files}
        else:
            found = self.by_name.get(name, set())
        return next(iter(found)) if len(found) == 1 else None

    def packages_of(self, path: str) -> set[str]:
        """The ``__init__.py`` files of the packages a module is in."""
        parts = path.split("/")[:-1]
        out = set()
        while parts:
            init = "/".join(parts) + "/__init__.py"
            if init in self.files and init != path:
                out.add(init)
            parts = parts[:-1]
        return out


def _relative(importer: str, name: str) -> tuple[list[str], list[str]]:
    """A relative import's package directory parts and the dotted parts after it."""
    level = len(name) - len(name.lstrip("."))
    base = importer.split("/")[:-1]
    if level > 1:
        base = base[: max(0, len(base) - (level - 1))]
    return base, [p for p in name[level:].split(".") if p]


def _module_parts(path: str) -> list[str]:
    parts = path[:-3].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return parts


def importers(
    seeds: Mapping[str, str],
    static: Mapping[str, Iterable[str]],
    dynamic: Mapping[str, Iterable[str]],
    index: ModuleIndex,
    link: Callable[[str, str], str] = lambda why, importer: why,
) -> dict[str, str]:
    """Every file whose import closure reaches a seed, with the seed's reason (passed
    through ``link(seed reason, importer)`` for the files that are not seeds).
    ``static``: {file: dotted names it imports}; ``dynamic``: {file: files whose
    bodies ran inside its body}."""
    reverse: dict[str, set[str]] = defaultdict(set)
    for path, names in static.items():
        for name in names:
            for target in index.resolve(path, name):
                reverse[target].add(path)
        for init in index.packages_of(path):
            reverse[init].add(path)
    for path, targets in dynamic.items():
        for target in targets:
            reverse[target].add(path)
    out = dict(seeds)
    origin = {path: why for path, why in seeds.items()}
    todo = deque(seeds)
    while todo:
        target = todo.popleft()
        why = origin[target]
        for importer in reverse.get(target, ()):
            if importer not in out:
                origin[importer] = why
                out[importer] = link(why, importer)
                todo.append(importer)
    return out

"""Which tests a change can affect, and why.

A test depends on the blocks (functions, ``<module>``, whole files) it executed. A
change affects a test when

* a block it executed changed or disappeared;
* a name its code reads was bound differently at import time (a constant, a class
  attribute, a decorator, a default, an import), followed through the import-time
  statements that read that name (``from b import X as Y``; ``Z = f(X)``);
* import-time code with effects beyond binding changed in a module it used;
* pytest reads the change itself: a conftest hook, ``pytestmark``, an autouse
  fixture, the pytest configuration, the installed packages.

Tests that were affected and have not run since stay affected (``pending``), so a
subset run never loses a selection.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable

from pytest_ripple import reasons
from pytest_ripple.changes import PACKAGE, Changes, is_python
from pytest_ripple.fingerprint import (
    ANY_MODULE,
    ANY_STAR,
    CALLED,
    CALLS_IT,
    CLASS,
    COMPUTED,
    CONSTRUCTION_HOOKS,
    COPIED_DUNDERS,
    DEF,
    IMPORT,
    IMPORTED_BY,
    LISTS,
    MARKED,
    MODULE,
    NAMESPACE,
    PARAM,
    PLUGIN,
    PROBED,
    PYTEST_NAMES,
    READ,
    RUNS_TEXT,
    STDLIB,
    SUSPENDS,
    UNSEEN,
    VALUE,
    WHOLE,
    Binding,
    FileChange,
    Fingerprint,
    constructed,
)
from pytest_ripple.graph import ModuleIndex, importers
from pytest_ripple.paths import conftest_dir, in_scope, test_path
from pytest_ripple.store import FAILED, FileRow, Store, TestRow

# Hooks pytest calls through ``node.ihook``: a conftest.py gets them only for the nodes
# under its directory. Every other hook of a conftest.py (pytest_collection_modifyitems,
# pytest_make_parametrize_id, pytest_configure ...) and every hook of a plugin module
# sees the whole session.
PER_NODE_HOOKS = frozenset(
    {
        "pytest_runtest_protocol",
        "pytest_runtest_logstart",
        "pytest_runtest_logfinish",
        "pytest_runtest_setup",
        "pytest_runtest_call",
        "pytest_runtest_teardown",
        "pytest_runtest_makereport",
        "pytest_runtest_logreport",
        "pytest_pyfunc_call",
        "pytest_fixture_setup",
        "pytest_fixture_post_finalizer",
        "pytest_generate_tests",
        "pytest_pycollect_makeitem",
        "pytest_pycollect_makemodule",
        "pytest_collect_file",
        "pytest_collect_directory",
        "pytest_ignore_collect",
        "pytest_itemcollected",
        "pytest_collectstart",
        "pytest_make_collect_report",
        "pytest_collectreport",
        "pytest_assertrepr_compare",
    }
)


@dataclass
class Plan:
    env_id: int
    known: dict[str, TestRow]
    affected: dict[str, str]  # nodeid -> why, for tests known in this environment
    changes: Changes
    pending: list[tuple[int, str, str]] = field(default_factory=list)  # to write
    # tests of other environments a change reaches, with what each changed file was:
    # (env_id, nodeid, file_id, content, why). Each environment judges them against
    # its own run: a change another interpreter saw and reverted selects nothing there
    stale: list[tuple[int, str, int, str, str]] = field(default_factory=list)
    stale_resolved: list[tuple[str, int]] = field(default_factory=list)  # this env's, to drop
    # test files (or "" for all) whose imports reach a module whose import-time code
    # changed: they must be imported (an import error is the user's signal)
    import_scopes: dict[str, str] = field(default_factory=dict)
    _by_file: dict[str, list[str]] | None = None

    def test_files(self) -> dict[str, list[str]]:
        """{test file: its known node ids}."""
        if self._by_file is None:
            out: dict[str, list[str]] = defaultdict(list)
            for nodeid in self.known:
                out[test_path(nodeid)].append(nodeid)
            self._by_file = dict(out)
        return self._by_file


class _Impact:
    """Accumulates what a set of file changes reaches, with the first reason for each.

    Two kinds of names travel: *values* (bound differently at import: code that reads
    the name is affected) and *calls* (a function whose body changed: only import-time
    statements that read it get other values; code that calls it at test time already
    depends on its block).
    """

    def __init__(self, files: dict[str, FileRow]) -> None:
        self.files = files
        self.deps: dict[int, dict[str, int]] = {}
        self.dep_why: dict[int, str] = {}
        # of those, the ones hit only for the tests that ran them, not for a module
        # whose import ran them (``hit_file(..., ran_at_import=False)``)
        self.quiet: set[int] = set()
        self.values: dict[str, str] = {}
        # of those, the names code sees even when it reads them only to call them: all
        # but a plain function's new header (``_header_only``), which such code sees
        # only by running the function, and its trace holds that
        self.by_callers: set[str] = set()
        # of those, the ones seen so other than as what an inert class holds (``g =
        # curry(f)`` taints ``g`` for callers; ``f``'s own header change still is one)
        self.by_callers_direct: set[str] = set()
        # value names -> the files whose own binding of the name changed, None: from
        # anywhere (an attribute, an object mutated in place). A file that reads the
        # name only bare sees its own binding, unless it is one of these.
        self.origins: dict[str, set[str] | None] = {}
        # value names -> the classes (file, class) whose own attribute of that name
        # changed; None: some other binding of the name changed too (a module's, an
        # object's). ``Base.PAGE_SIZE`` cannot see a new ``Production.PAGE_SIZE``.
        self.owners: dict[str, set[tuple[str, str]] | None] = {}
        # generator or coroutine functions with a new header, for callers to see only
        # by running them, unless the project reads such frames (``_frames_read``)
        self.suspending: list[tuple[str, str, str | None, str | None]] = []
        # attribute names set anywhere in the project (``_stored``), read once
        self.all_stores: frozenset[str] | None = None
        self.stores_read = False
        # modules whose ``__all__`` changed -> (the names that entered or left it, why):
        # they reach the modules that star-import it, once every fingerprint is loaded
        self.exports: dict[str, tuple[set[str], str]] = {}
        # modules that bind, or stop binding, a name their ``__all__`` may list -> why:
        # a star import of them fails, or stops failing
        self.unlisted: dict[str, str] = {}
        # why a star import of some module may bind other names (a public name bound or
        # gone where no ``__all__`` lists them, ``__all__.append(...)`` changed): it
        # reaches the code that ``exec``s text we cannot read (``_star_in_code``)
        self.stars_changed: str | None = None
        self.stars_reached = False
        # attributes the project's code sets on other objects (a module's bare name
        # may be set from elsewhere), with COMPUTED when it may set one by a name it
        # does not spell (``setattr(obj, name, v)``): then any bare name may be
        self.written: frozenset[str] = frozenset({COMPUTED})
        self.calls: dict[str, str] = {}
        self.queue: list[tuple[str, bool]] = []  # (name, is_value)
        self.scopes: dict[str, str] = {}  # path prefix (dir/ or file) -> why: all its tests
        self.fps: dict[str, Fingerprint] = {}
        self.partial: set[str] = set()  # fps loaded without their blocks (names only)
        self.readers: dict[str, set[str]] = {}  # data file -> modules that read it on import
        self.test_files: set[str] = set()  # files with known tests
        # names bound differently only in conftest.py files -> the directories (``""``,
        # ``tests/sub/``) whose code can read them: a conftest's globals and fixtures
        # reach nothing outside its directory unless a module imports the conftest
        self.under: dict[str, set[str]] = {}
        self.import_run: dict[str, set[str]] = {}  # file -> functions run at import time
        # short names of every function that ran while a module was imported (at start-up,
        # collection, or a module body during a test); None: not needed yet
        self.run_at_import: set[str] | None = None
        # the functions whose header only changed (short names): what a name tainted
        # as such may stand for, through any alias or re-export
        self.header_only: set[str] = set()
        # reads the import records when first needed (``_named_only``)
        self.load_run_at_import: Callable[[], set[str]] | None = None
        self.recorded_imports: set[str] = set()  # modules whose import ran under tracking
        self.at_import: dict[tuple[str, str], str] = {}  # affected ones among them -> why
        # modules whose import now does something else (an effect, a function it runs,
        # a file it reads): every test whose import closure reaches them
        self.import_hits: dict[str, str] = {}
        # modules whose import-time code changed at all: importing them may now fail
        self.import_any: dict[str, str] = {}
        self.import_scopes: dict[str, str] = {}
        self.reached: dict[str, str] = {}  # files whose imports reach an import hit
        self.reached_ids: dict[int, str] = {}  # their file ids
        self._index: ModuleIndex | None = None
        # names that are inert classes wherever they are read (``_inert_name``)
        self.inert_names: dict[str, bool] = {}
        self.store: Store | None = None
        self.lists_at_import: bool | None = None  # ``_lists_at_import``
        self.introspected: bool | None = None  # ``_injects_fixtures``
        # (file, function) pairs that ran while a module was imported; None: not read
        self.blocks_at_import: set[tuple[str, str]] | None = None
        # classes whose bases changed: their creation may now run another
        # ``__init_subclass__`` or metaclass (if the project has any)
        self.bases_changed: dict[str, str] = {}
        self.class_hooks = False
        # project modules a changed module imports, or no longer imports
        self.new_imports: dict[str, set[str]] = {}
        # (name, why): the bases of a class whose ``__subclasshook__`` changed, which
        # ``isinstance`` and ``issubclass`` of each base up its bases now ask
        self.hooked_bases: set[tuple[str, str]] = set()
        # modules that import, or no longer import, submodules (``import a.b`` sets
        # ``a.b``) -> (their dotted names, why): code elsewhere reads them as attributes
        self.submodules: dict[str, tuple[set[str], str]] = {}
        # module -> the project modules whose body ran inside its import, as recorded
        # (``_imported_already``); None: not read yet
        self.recorded_edges: dict[str, set[str]] | None = None
        # module -> the (file, function) pairs its last recorded import ran; None: not read
        self.records: dict[str, set[tuple[str, str]]] | None = None
        # modules whose import keeps what it did in named containers (``_held``), handled
        # so (``_held_records``, a held call reading a changed name) -> why: no import hits
        self.held_hits: dict[str, str] = {}
        self.may_fail: dict[str, str] = {}  # held modules -> why: their import may fail
        # functions whose code changed (file, block); (file, WHOLE): any of the file
        self.changed_blocks: set[tuple[str, str]] = set()

    @property
    def index(self) -> ModuleIndex:
        """The project's Python files by module name."""
        if self._index is None:
            self._index = ModuleIndex(self.files)
        return self._index

    def _ran_at_import(self, path: str, block: str | None, why: str) -> None:
        run = self.import_run.get(path)
        if not run:
            return
        if UNSEEN in run:
            # imported before tracking started (a sitecustomize, pytest.main after the
            # script imported it): any function may have run at that import, unseen
            self.at_import.setdefault((path, UNSEEN), why)
        for name in run - {UNSEEN}:
            if block is None or name == block or name.startswith(block + "#"):
                self.at_import.setdefault((path, name), why)

    def hit(self, path: str, block: str, why: str) -> None:
        self._ran_at_import(path, block, why)
        row = self.files.get(path)
        if row is None:
            return
        by_name = self.deps.get(row.id, {})
        dep = by_name.get(block)
        if dep is not None:
            self.dep_why.setdefault(dep, why)
            self.quiet.discard(dep)
        prefix = block + "#"  # redefinitions are stored as name#2, name#3
        for name, dep in by_name.items():
            if name.startswith(prefix):
                self.dep_why.setdefault(dep, why)
                self.quiet.discard(dep)

    def hit_file(self, path: str, why: str, ran_at_import: bool = True) -> None:
        """Every block of a module whose import-time code changed: the test ran the
        module's code (``<module>``), read the file, or ran a function of it. Not
        ``ran_at_import``: only what tests ran, not the functions of it that ran while
        a module was imported (their rule reaches every importer)."""
        if ran_at_import:
            self._ran_at_import(path, None, why)
        row = self.files.get(path)
        if row is not None:
            for name, dep in self.deps.get(row.id, {}).items():
                if ran_at_import:
                    self.quiet.discard(dep)
                elif dep not in self.dep_why:
                    self.quiet.add(dep)
                if name in (MODULE, WHOLE):
                    dep_why = why
                elif name == READ:
                    dep_why = reasons.step(why, "read by the test")
                else:
                    dep_why = reasons.step(why, f"{reasons.subject(path, name)} (same module)")
                self.dep_why.setdefault(dep, dep_why)

    def import_hit(self, path: str, why: str) -> None:
        self.import_hits.setdefault(path, why)

    def import_acts(self, path: str, why: str) -> None:
        """What the module's import does changed: every test that ran its code, and
        every test whose imports reach it."""
        self.hit_file(path, why)
        self.import_hit(path, why)
        if conftest_dir(path) is not None:
            self.scope_rule(path, why)

    def taint(
        self,
        name: str,
        why: str,
        under: str | None = None,
        at: str | None = None,
        *,
        called: bool = False,
        via_inert: bool = False,
        owner: tuple[str, str] | None = None,
    ) -> None:
        """A name bound to another value. ``under``: only code below a conftest's
        directory sees it; ``at``: the file that binds it (None: no one file);
        ``called``: a plain function's header only, which code that only calls the
        name does not see; ``owner``: the class (file, name) whose attribute it is."""
        owners = self.owners.get(name, set()) if name in self.values else set()
        if owners is not None and owner is not None and owner not in owners:
            self.owners[name] = owners | {owner}
            if name in self.values:
                self.queue.append((name, True))
        elif owners is not None and owner is None:
            self.owners[name] = None
            if name in self.values:
                self.queue.append((name, True))
        if not called:
            wider = False
            if not via_inert and name not in self.by_callers_direct:
                self.by_callers_direct.add(name)
                wider = True
            if name not in self.by_callers:
                self.by_callers.add(name)
                wider = True
            if wider and name in self.values:  # its aliases are seen by callers now
                self.queue.append((name, True))
        if name not in self.values:
            self.values[name] = why
            if under is not None:
                self.under[name] = {under}
            self.origins[name] = None if at is None else {at}
            self.queue.append((name, True))
            return
        wider = False
        local = self.under.get(name)
        if local is not None:
            if under is None:
                del self.under[name]
                wider = True
            elif under not in local:
                local.add(under)
                wider = True
        origins = self.origins.get(name)
        if origins is not None:
            if at is None:
                self.origins[name] = None
                wider = True
            elif at not in origins:
                origins.add(at)
                wider = True
        if wider:  # more code sees it now: its readers again
            self.queue.append((name, True))

    def reaches(self, name: str, path: str) -> bool:
        local = self.under.get(name)
        return local is None or any(path.startswith(p) for p in local)

    def sees(self, name: str, path: str) -> bool:
        """Whether code of ``path`` that reads the tainted name can see the new value.
        A file that reads it only as a bare name and binds it itself reads its own
        binding (``import sys`` added to one module is not another module's ``sys``)."""
        if not self.reaches(name, path):
            return False
        origins = self.origins.get(name)
        if origins is None or path in origins:
            return True
        if name in self.written or COMPUTED in self.written:
            return True  # set from elsewhere, maybe
        fp = self.fps.get(path)
        return fp is None or name not in fp.bare

    def called(self, name: str, why: str) -> None:
        if name not in self.calls and name not in self.values:
            self.calls[name] = why
            self.queue.append((name, False))

    def taint_class(self, path: str, scope: str, why: str) -> None:
        """A class body changed: every method of it, and the class names, are affected."""
        for part in scope.split("."):
            self.taint(part, why, at=path)
        fp = self.full_fp(path)
        if fp is not None:
            for block in fp.blocks_in_scope(scope):
                link = f"{reasons.subject(path, block)} (same class)"
                self.hit(path, block, reasons.step(why, link))

    def full_fp(self, path: str) -> Fingerprint | None:
        """A file's fingerprint with its blocks (most are loaded with names only: name
        taint reads every file's names, few files' blocks)."""
        if path in self.partial:
            self.partial.discard(path)
            row = self.files.get(path)
            fp = row.fingerprint() if row is not None else None
            if fp is None:
                self.fps.pop(path, None)
            else:
                self.fps[path] = fp
        return self.fps.get(path)

    def whole_module(
        self, path: str, old: Fingerprint | None, new: Fingerprint | None, why: str
    ) -> None:
        """Import-time code of a module may now bind other values to any of its names
        (imports excepted: they bind the same modules as before)."""
        self.hit_file(path, why)
        under = conftest_dir(path)
        for fp in (old, new):
            if fp is not None and fp.parsed:
                for (_, name), b in fp.bindings.items():
                    if b.kind != IMPORT:
                        self.taint(name, why, under, at=path)
                for eff in fp.effects:
                    for name in eff.binds:
                        self.taint(name, why, under, at=path)

    def scope_rule(self, path: str, why: str) -> None:
        """Every test in a test file, or under a conftest.py's directory."""
        under = conftest_dir(path)
        self.scopes.setdefault(path if under is None else under, why)


def _acts(name: str, b: Binding | None) -> str:
    """What of a binding's statement may act beyond its name (a digest, "" for
    nothing): a definition decorated by anything but a known wrapper registers itself
    somewhere (a route, a fixture, a hook); a call not known to be pure may act
    anywhere (``KIND = register("json", f)``). Decorated tests do not."""
    if b is None or (name.startswith("test") and "fixture" not in b.deps):
        return ""
    return b.acts


def _inert_calls(imp: _Impact, path: str, b: Binding) -> bool:
    """Whether a statement's calls not known to be pure only build instances of inert
    classes of the project (``g = curry(f)``), with every file's fingerprint loaded."""
    callees = constructed(b.acts)
    if callees is None or _lists_at_import(imp):
        return False
    return all(_inert_callee(imp, path, c) for c in callees)


def _lists_at_import(imp: _Impact) -> bool:
    """Whether some import-time code of the project lists a namespace (``TABLE = {k: v
    for k, v in globals().items() ...}``, ``vars(api)``): it may hold what an inert
    class holds under a name nobody reads (a gap of the name rule for any value, which
    the inert rule must not widen to a function's new header)."""
    if imp.lists_at_import is None:
        imp.lists_at_import = any(
            (mark.startswith(LISTS) and mark[len(LISTS) :] not in STDLIB) or mark == RUNS_TEXT
            for fp in imp.fps.values()
            for reads in [
                *(b.deps for b in fp.bindings.values()),
                *(e.uses for e in fp.effects),
            ]
            for mark in reads
        )
    return imp.lists_at_import


def _inert_callee(imp: _Impact, path: str, callee: str) -> bool:
    """Whether a callee of a ``CONSTRUCTS`` mark is an inert class of the project:
    followed from the calling module through the modules it names (``from .m import
    C``, star imports) to the class statement, and that name bound nowhere else in the
    project as anything but such a class or an import."""
    if callee.startswith("@"):  # a class of the module itself
        module, name = path, callee[1:]
    else:
        dotted, _, name = callee.rpartition(".")
        found = imp.index.module_file(path, dotted) if dotted else None
        if found is None or _attribute_not_module(imp, path, dotted):
            return False  # another distribution's, the standard library's, an object's
        module = found
    return _defines_inert(imp, module, name, 0) and _inert_name(imp, name)


def _attribute_not_module(imp: _Impact, path: str, dotted: str) -> bool:
    """Whether ``a.b`` may be an attribute the package ``a`` binds to something else
    than its submodule ``b`` (``b = SimpleNamespace(...)`` in ``a/__init__.py``)."""
    parts = dotted.split(".")
    for i in range(1, len(parts)):
        parent, child = ".".join(parts[:i]), parts[i]
        if not parent.strip("."):
            continue
        init = imp.index.module_file(path, parent)
        fp = imp.fps.get(init) if init is not None else None
        if fp is None:
            return True
        b = fp.bindings.get(("", child))
        if (b is not None and b.kind != IMPORT) or any(child in e.binds for e in fp.effects):
            return True
    return False


def _ran_at_import(imp: _Impact, path: str, block: str) -> bool:
    """Whether a function of the project ran while some module was imported."""
    if UNSEEN in imp.import_run.get(path, ()):
        return True  # imported before tracking: any of its functions may have
    if imp.blocks_at_import is None:
        found: set[tuple[str, str]] = {
            (p, b) for p, blocks in imp.import_run.items() for b in blocks
        }
        if imp.store is not None:
            by_id = {row.id: p for p, row in imp.files.items()}
            dep_at = {d: (by_id.get(f, ""), n) for (f, n), d in imp.store.dep_ids().items()}
            for arrays in imp.store.module_imports().values():
                for arr in arrays:
                    found.update(dep_at[d] for d in arr if d in dep_at)
        imp.blocks_at_import = found
    return (path, block) in imp.blocks_at_import


def _defines_inert(imp: _Impact, path: str, name: str, depth: int) -> bool:
    """Whether module ``path``'s ``name`` is an inert class, as its own statement or
    through the imports that bind it there."""
    fp = imp.fps.get(path)
    if fp is None or not fp.parsed or depth > 20 or fp.stars is None or fp.stores is None:
        return False  # not recorded (never imported), or older data
    for mark in fp.stores:
        # ``globals()[name] = f`` at import, or in a function that ran at import
        if mark.startswith(NAMESPACE) and (
            mark == NAMESPACE or _ran_at_import(imp, path, mark[len(NAMESPACE) :])
        ):
            return False
    if any(name in e.binds for e in fp.effects):
        return False  # an ``if`` or ``try`` that binds it
    # (a module ``__getattr__`` answers only for names the module does not bind)
    b = fp.bindings.get(("", name))
    if b is not None:
        if b.kind == CLASS:
            return name in fp.inert
        if b.kind != IMPORT or not b.source.startswith("from ") or "; " in b.source:
            return False
        target = imp.index.module_file(path, b.source[len("from ") :])
        original = next(iter(b.deps)) if len(b.deps) == 1 else None
        return (
            target is not None
            and original is not None
            and (_defines_inert(imp, target, original, depth + 1))
        )
    # bound by a star import, if at all: the last one that binds it wins
    found = False
    for star in fp.stars:
        if star.startswith(ANY_STAR):
            if star == ANY_STAR:
                return False
            continue
        target = imp.index.module_file(path, star)
        if target is None:
            return False  # another distribution may bind it
        tfp = imp.fps.get(target)
        if tfp is None or name in tfp.bound_in_module(scope="") or tfp.stars:
            if not _defines_inert(imp, target, name, depth + 1):
                return False
            found = True
    return found


def _inert_name(imp: _Impact, name: str) -> bool:
    """Whether no code of the project may make the class ``name`` act after its
    statement: every binding of the name is an inert class or an import, no file sets
    an attribute of that name, ``__init__``, a construction hook, or one that an
    inert class's ``__init__`` sets (a descriptor installed later: ``C.func =
    property(...)``), and no file star-imports another distribution. Names are
    matched without their module, so this holds wherever the class is looked up."""
    known = imp.inert_names.get(name)
    if known is not None:
        return known
    # Not followed: ``setattr`` with a computed name (most packages have one), and the
    # dunders a wrapper copies (``f.__doc__ = ...`` on functions is common)
    guarded = {name, "__init__", "__code__"} | CONSTRUCTION_HOOKS
    ok = True
    for fp in imp.fps.values():
        if not fp.parsed:
            continue  # no Python that imports, or not importable
        if fp.stores is None or fp.stars is None:
            ok = False  # older data
            break
        guarded |= fp.inert.get(name, frozenset())
    for p, fp in imp.fps.items():
        if not ok:
            break
        if not fp.parsed:
            continue
        if fp.stores is not None and fp.stores & (guarded - COPIED_DUNDERS):
            ok = False
        for star in fp.stars or ():
            if star == ANY_STAR or not (star[:1] in (".", ANY_STAR) or imp.index.resolve(p, star)):
                ok = False
        if any(name in eff.binds and eff.digest not in fp.deletes for eff in fp.effects):
            ok = False
        for (scope, bound), b in fp.bindings.items():
            if bound == name and not (
                (scope == "" and b.kind == CLASS and name in fp.inert) or b.kind == IMPORT
            ):
                ok = False
    imp.inert_names[name] = ok
    return ok


def _other_classes(imp: _Impact, path: str, key: tuple[str, str], name: str) -> bool:
    """Whether a binding reads attribute ``name`` only on classes (``Base.PAGE_SIZE``)
    none of whose bases, nor they, is a class whose attribute of that name changed
    (``imp.owners``): a class attribute is looked up on the class, then its bases. No
    file may set an attribute of that name, the classes' names, ``__bases__`` or
    ``__class__``, or one it does not spell (``Base.PAGE_SIZE = Production.PAGE_SIZE``
    in a function run at import: its own reads are another module's import hit).
    Strings do not count here: ``config["PAGE_SIZE"]`` sets no attribute. Nor may
    any file write a namespace by names it does not spell (``exec``, ``vars(m)[k]``),
    and what the lookup finds on the classes must be a literal or a plain function
    (not a descriptor, which may read anything)."""
    owners = imp.owners.get(name)
    fp = imp.fps.get(path)
    if not owners or fp is None:
        return False
    receivers = fp.qualified.get(key, {}).get(name)
    if not receivers:
        return False
    names: set[str] = set()
    classes: set[tuple[str, str]] = set()
    for receiver in receivers:
        found = _mro(imp, path, receiver, names, 0)
        if found is None:
            return False
        classes |= found
    if classes & owners:
        return False
    for cls_path, cls in classes:
        # what the lookup finds on its way must be a plain value: a descriptor there
        # (``PAGE_SIZE = Largest()``, whose ``__get__`` reads the subclasses) runs code
        cls_fp = imp.fps[cls_path]
        held = cls_fp.bindings.get((cls, name))
        if held is not None and not (
            (held.kind == VALUE and not held.deps and not held.acts)
            or (held.kind == DEF and held.decorated is False)
        ):
            return False
        if any(e.scope == cls and name in e.binds for e in cls_fp.effects):
            return False
    stored = _stored(imp)
    guarded = names | {name, "__bases__", "__class__", "__dict__", "__mro__", COMPUTED}
    # ``exec(..., vars(settings))``: any name, any namespace
    return (
        stored is not None
        and not stored & guarded
        and not any(mark.startswith(NAMESPACE) for mark in stored)
    )


def _stored(imp: _Impact) -> frozenset[str] | None:
    """Every attribute name any project file's code sets (``Fingerprint.stores``),
    once per selection; None when some file's data is older and does not say."""
    if not imp.stores_read:
        imp.stores_read = True
        parsed = [fp for fp in imp.fps.values() if fp.parsed]
        if all(fp.stores is not None for fp in parsed):
            imp.all_stores = frozenset().union(*(fp.stores or () for fp in parsed))
    return imp.all_stores


def _mro(
    imp: _Impact, path: str, origin: str, names: set[str], depth: int
) -> set[tuple[str, str]] | None:
    """The project's classes (file, name) in the MRO of the class ``origin`` names
    from module ``path`` (``_Purity.constructor``'s form: ``@Base``, ``pkg.m.Base``,
    ``.m.Base``, ``builtins.object``); None when it may be anything else. ``names``
    gets every name the lookup goes through."""
    if depth > 20:
        return None
    if origin.startswith("@"):
        module, name = path, origin[1:]
    else:
        dotted, _, name = origin.rpartition(".")
        found_module = imp.index.module_file(path, dotted) if dotted else None
        if found_module is None:
            # the standard library's classes never have the project's as bases
            top = dotted.split(".")[0]
            return set() if top and top in STDLIB and not imp.index.resolve(path, dotted) else None
        if _attribute_not_module(imp, path, dotted):
            return None
        module = found_module
    found = _class_statement(imp, module, name, names, 0)
    if found is None:
        return None
    cls_path, cls_name = found
    fp = imp.fps[cls_path]
    bases = fp.class_bases.get(cls_name)
    if bases is None:
        return None
    out = {found}
    for base in bases:
        more = _mro(imp, cls_path, base, names, depth + 1)
        if more is None:
            return None
        out |= more
    return out


def _class_statement(
    imp: _Impact, path: str, name: str, names: set[str], depth: int
) -> tuple[str, str] | None:
    """The class statement module ``path``'s ``name`` is, through ``from`` imports."""
    fp = imp.fps.get(path)
    if fp is None or not fp.parsed or depth > 20 or fp.stars or fp.stores is None:
        return None  # never imported, a star import may bind it, older data
    if any(m.startswith(NAMESPACE) for m in fp.stores):
        return None  # ``globals()[k] = v``: any name
    if any(name in e.binds for e in fp.effects):
        return None  # an ``if`` or ``try`` that binds it
    names.add(name)
    b = fp.bindings.get(("", name))
    if b is None:
        return None
    if b.kind == CLASS:
        return (path, name) if name in fp.class_bases else None
    if b.kind != IMPORT or not b.source.startswith("from ") or "; " in b.source:
        return None
    target = imp.index.module_file(path, b.source[len("from ") :])
    original = next(iter(b.deps)) if len(b.deps) == 1 else None
    if target is None or original is None:
        return None
    return _class_statement(imp, target, original, names, depth + 1)


def _reads(name: str, b: Binding) -> frozenset[str]:
    """The names a binding's statement reads. ``import a.b`` reads none: the import
    system gives module ``a``. ``import a.b.c as x`` reads attributes ``b`` and ``c``
    (``getattr(a, "b")``, then of that). Older data has no source: every part."""
    if b.kind != IMPORT or not b.source.startswith("import "):
        return b.deps
    found: set[str] = set()
    for source in b.source.split("; "):
        kind, _, module = source.partition(" ")
        if kind != "import":
            return b.deps  # also bound by a from-import: its names, as stored
        parts = module.split(".")
        if name != parts[0]:  # ``import a.b as x``; ``import a.b`` binds ``a``
            found.update(parts[1:])
    return frozenset(found)


def _lists_any(imp: _Impact, path: str, reads: frozenset[str]) -> bool:
    """Whether test code that reads ``reads`` lists a namespace that may hold any name
    (``dir(m)``, ``vars(m)``: a test that every public function has a docstring): a
    standard library module's only when a project module may shadow it. Only in a
    test file: the project's own code lists namespaces it is handed (bookshop's
    ``Config.from_object(obj)`` at a conftest's import), and reading every name there
    would select every test below that conftest for any edit (a gap, noted in the
    design)."""
    if RUNS_TEXT in reads:
        return True  # ``exec(block)``: code we cannot read, in any file
    if path not in imp.test_files:
        return False
    for mark in reads:
        if mark.startswith(LISTS):
            root = mark[len(LISTS) :]
            if not root or imp.index.resolve(path, root) - {path}:
                return True
    return False


def _header_only(b: Binding | None) -> bool:
    """Whether a new header of this name changes only what running it does or what
    introspection finds: a plain function (no decorator, which may have read its
    signature, wrapped it or registered it), a generator or coroutine function too.
    Code that reads the name only to call it sees new defaults, annotations or
    docstring only by running its body, and then its trace holds the function's block
    (a generator's when it first runs). ``_bindings_changed`` also asks for the same
    call shape: a new parameter may bind a call that failed before the function ran."""
    return (
        b is not None
        and b.kind == DEF
        and b.decorated in (False, CALLS_IT)
        # no call shape: older data (which had none for generators and coroutines)
        and b.shape.partition("/")[2] != ""
    )


def _decorators_changed(before: Binding | None, after: Binding | None) -> bool:
    """Whether a def's decorators changed (unknown for data of older versions)."""
    if before is None or after is None or not before.shape or not after.shape:
        return False
    return before.shape.partition("/")[0] != after.shape.partition("/")[0]


def _method_header(scope: str, name: str, before: Binding | None, after: Binding | None) -> bool:
    """A method that was and is defined, whose header (signature, defaults,
    docstring, wrapping decorators) changed: the class object and its other methods
    are what they were. Code that runs the method depends on its block; code that
    reads it by name (also as a string: ``getattr(obj, "m")``) reads the name.
    A special method is used without its name (``==``, ``len()``, construction):
    whoever reads the class reads it. A method added or removed changes what the
    class answers to (``keys`` makes ``dict(obj)`` work): the class rule."""
    return (
        bool(scope)
        and before is not None
        and after is not None
        and (before.kind == after.kind == DEF)
    )


def _file_change(
    imp: _Impact, path: str, row: FileRow, new: Fingerprint | None, ch: FileChange
) -> None:
    old = row.fingerprint()
    is_conftest = conftest_dir(path) is not None
    why = reasons.removed(path) if new is None else reasons.changed(path)
    imp.hit(path, READ, reasons.step(why, "read by the test"))
    _read_at_import(imp, path)
    module_why = reasons.changed(path, MODULE)
    if not is_conftest and path not in imp.test_files and _import_time_changed(old, new, ch):
        # a module's import-time code changed: importing it (and every module that
        # imports it) may now fail, which only importing the test files can show
        imp.import_any.setdefault(path, module_why)
    if ch.whole or old is None or new is None:
        imp.changed_blocks.add((path, WHOLE))
        imp.whole_module(path, old, new, why)
        imp.hit(path, WHOLE, why)
        imp.import_hit(path, why)
        if is_conftest:
            imp.scope_rule(path, why)
        return
    for block in ch.blocks:
        imp.changed_blocks.add((path, block))
        imp.hit(path, block, reasons.changed(path, block))
    _branched_at_import(imp, path, old, new, ch)
    registration = _bindings_changed(imp, path, old, new, ch)
    moved = _imports_moved(imp, path, old, new)
    acting = ch.effects and _effects_changed(imp, path, old, new)
    scope_why = module_why if acting or moved else registration
    if scope_why is not None:
        # what the module's import does changed: the tests whose imports reach it
        imp.import_acts(path, scope_why)
    _hooks_changed(imp, path, ch)
    for block in ch.body_only:
        short = block.split("#")[0].rsplit(".", 1)[-1]
        imp.called(short, reasons.changed(path, block))


def _branched_at_import(
    imp: _Impact, path: str, old: Fingerprint, new: Fingerprint, ch: FileChange
) -> None:
    """A changed function that an ``if`` or ``try`` defines, which ran while some module
    was imported: what it did then may stay anywhere (a third module's registry, a
    ``print`` to a module's stream), as when its code was the module's: the names it
    reads and its own may hold other values, and the module's import acts otherwise
    (review 37)."""
    for block in sorted(ch.blocks & (old.branched | new.branched)):
        if not _ran_at_import(imp, path, block):
            continue
        why = reasons.changed(path, block)
        imp.import_acts(path, why)
        names = {block.split("#")[0].rsplit(".", 1)[-1]}
        for fp in (old, new):
            for name in fp.blocks.get(block, ("", frozenset()))[1]:
                if name.startswith(CALLED):
                    names.add(name[len(CALLED) :])
                elif not name.startswith((PARAM, MARKED, LISTS)) and name != RUNS_TEXT:
                    names.add(name)
        for name in sorted(names):
            imp.taint(name, why)


def _import_time_changed(old: Fingerprint | None, new: Fingerprint | None, ch: FileChange) -> bool:
    return bool(
        ch.whole or old is None or new is None or ch.bindings or ch.effects or MODULE in ch.blocks
    )


def _imports_moved(imp: _Impact, path: str, old: Fingerprint, new: Fingerprint) -> bool:
    """Whether the module's import now runs other modules: one that cannot be placed
    (a new file, a third-party module; not the standard library), or a project module
    it did not import before, whose body may register, configure, fill a table (known
    once every fingerprint is loaded: ``imp.new_imports``)."""
    moved = old.imports ^ new.imports
    if not moved:
        return False
    dotted = {name for name in moved if "." in name}  # ``a.b``, ``.b``, ``..``
    if dotted:
        imp.submodules[path] = (dotted, f"{reasons.changed(path, MODULE)} (imports submodules)")
    index = imp.index
    for name in moved:
        if name[:1] != "." and name.split(".")[0] in STDLIB:
            continue
        if not index.resolve(path, name):
            return True

    def files(fp: Fingerprint) -> set[str]:
        return set().union(*(index.resolve(path, name) for name in fp.imports))

    before, after = files(old), files(new)
    if before != after:
        imp.new_imports[path] = before ^ after
    return False


# Methods that run when a class is created from a base that defines them.
CLASS_HOOKS = frozenset(
    {"__init_subclass__", "__set_name__", "__class_getitem__", "__mro_entries__"}
)
# Bases of a metaclass: a class of the project deriving from one may run at creation.
METACLASS_BASES = frozenset({"type", "ABCMeta", "EnumMeta", "EnumType"})


def _acting_imports(imp: _Impact) -> None:
    """With every fingerprint loaded: classes whose bases changed, where the project
    has a class creation hook, and modules that now import (or no longer import) a
    module whose import acts beyond binding names."""
    imp.class_hooks = any(_has_class_hook(fp) for fp in imp.fps.values())
    if imp.class_hooks:
        for path, why in imp.bases_changed.items():
            imp.import_acts(path, reasons.step(why, "its bases (the project has class hooks)"))
    for path, moved in imp.new_imports.items():
        if _import_acts(imp, moved):
            imp.import_acts(path, f"{reasons.changed(path, MODULE)} (imports other modules)")


def _submodules_read(imp: _Impact) -> None:
    """A module that imports a submodule, or stops importing it, sets an attribute of
    the package that every module holding the package shares: ``import app.helpers``
    here, ``import app; app.helpers.f()`` there. The code that reads such a submodule as
    an attribute (``Fingerprint.attrs``) reads what some other import set, or left
    unset."""
    if not imp.submodules:
        return  # every file's attributes would be matched against nothing
    index = imp.index
    project: dict[str, str] = {}  # the project files among those submodules -> why
    outside: dict[str, str] = {}  # dotted names of the others -> why
    for path, (dotted, why) in imp.submodules.items():
        for name in dotted:
            found = index.resolve(path, name)
            for module in found:
                project.setdefault(module, why)
            if not found and not name.startswith("."):
                outside.setdefault(name, why)
    for path, fp in imp.fps.items():
        for block, read in fp.attrs.items():
            for name in read:
                seen = [w for m, w in outside.items() if (name + ".").startswith(m + ".")]
                hit = index.attribute_modules(path, name) & project.keys()
                seen += [project[m] for m in sorted(hit)]
                if seen:
                    why = reasons.step(seen[0], f"read by {reasons.subject(path, block)}")
                    if block == MODULE:
                        imp.import_hit(path, why)
                    imp.hit(path, block, why)
                    break


# Roots of nearly every class hierarchy (and the ``metaclass`` keyword), which no code
# asks ``isinstance`` of to learn anything: tainted, they would reach every class
# statement that names them.
_ROOTS = frozenset({"object", "ABC", "ABCMeta", "Generic", "Protocol", "metaclass"})


def _hooked_bases(imp: _Impact) -> None:
    """Taint the bases of a class whose ``__subclasshook__`` changed, and their bases
    in turn (by name: any class of that name, in any file). The names a class statement
    reads are its bases, its keywords and its decorators: all of them, to be safe."""
    if not imp.hooked_bases:
        return
    classes: dict[str, set[str]] = defaultdict(set)  # class name -> what its statement reads
    for fp in imp.fps.values():
        for (_, name), b in fp.bindings.items():
            if b.kind == CLASS:
                classes[name] |= b.deps
    seen: set[str] = set()
    todo = sorted(imp.hooked_bases)
    while todo:
        name, why = todo.pop()
        if name not in seen and name not in _ROOTS:
            seen.add(name)
            imp.taint(name, reasons.step(why, f"isinstance of {name} asks its subclasses' hooks"))
            todo.extend((base, why) for base in classes.get(name, ()))


def _has_class_hook(fp: Fingerprint) -> bool:
    # bindings, not blocks: most fingerprints are loaded with names only
    if any(scope and name.split("#")[0] in CLASS_HOOKS for scope, name in fp.bindings):
        return True
    return any(b.kind == CLASS and b.deps & METACLASS_BASES for b in fp.bindings.values())


def _import_acts(imp: _Impact, modules: set[str]) -> bool:
    """Whether importing these modules (and what they import) can do more than bind
    names: an effect, a binding that acts, a file we cannot read or place."""
    seen: set[str] = set()
    todo = list(modules)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        fp = imp.fps.get(path)
        if fp is None or not fp.parsed or fp.effects:
            return True
        for (_, name), b in fp.bindings.items():
            if _acts(name, b) or (b.bases and imp.class_hooks):
                return True
        for name in fp.imports:
            found = imp.index.resolve(path, name)
            if not found and (name[:1] == "." or name.split(".")[0] not in STDLIB):
                return True
            todo.extend(found)
    return False


def _read_at_import(imp: _Impact, path: str) -> None:
    """A data file read while modules were imported: their import-time code now binds
    other values."""
    for module in imp.readers.get(path, ()):
        mrow = imp.files.get(module)
        mfp = mrow.fingerprint() if mrow is not None else None
        mwhy = reasons.step(reasons.changed(path), f"read when {module} is imported")
        imp.whole_module(module, mfp, mfp, mwhy)
        imp.import_hit(module, mwhy)
        imp.import_any.setdefault(module, mwhy)


def _bindings_changed(
    imp: _Impact, path: str, old: Fingerprint, new: Fingerprint, ch: FileChange
) -> str | None:
    """Taint the names bound differently; the reason of the first one whose statement
    acts beyond binding its name (a registration, a call with other arguments), when
    one does: the whole module counts as changed."""
    scope_wide = None
    for scope, name in sorted(ch.bindings):
        b = new.bindings.get((scope, name)) or old.bindings[(scope, name)]
        label = f"{scope}.{name}" if scope else name
        bwhy = reasons.changed(path, label)
        before, after = old.bindings.get((scope, name)), new.bindings.get((scope, name))
        # ``X += [...]`` (a binding that reads its own name) may change the object in
        # place: every module that holds it sees that, not only this one's bare reads
        in_place = any(x.kind == VALUE and name in x.deps for x in (before, after) if x)
        own = None if in_place else path
        called = (
            _header_only(before)
            and _header_only(after)
            and before is not None
            and after is not None
            and before.shape == after.shape
        )
        if called:
            imp.header_only.add(name)
        if not _method_header(scope, name, before, after):
            under = None if scope else conftest_dir(path)
            # an attribute of the class, unless changed in place (shared by others)
            owner = (path, scope) if scope and own is not None else None
            if called and any(_suspends(x) for x in (before, after)):
                # unless some code reads an unstarted generator's frame (all files'
                # fingerprints are read later: ``_frames_read``)
                imp.suspending.append((name, bwhy, under, own))
            imp.taint(name, bwhy, under, at=own, called=called, owner=owner)
            if scope:
                imp.taint_class(path, scope, bwhy)
        elif name.startswith("__") or _decorators_changed(before, after):
            # a special method, or a method's decorators (``abstractmethod`` makes the
            # class abstract): whoever uses the class
            for part in scope.split("."):
                imp.taint(part, bwhy, at=path)
            if not name.startswith("__"):
                imp.taint(name, bwhy, at=path)  # and whoever reads the method
        else:
            imp.taint(name, bwhy, at=path, called=called)  # whoever reads the method
        if b.kind == DEF:
            imp.hit(path, label, bwhy)
        if scope and name.split("#")[0] == "__subclasshook__":
            # ``isinstance(x, Base)`` of an ABC asks the hooks of all its subclasses
            parent, _, cls = scope.rpartition(".")
            for fp in (old, new):
                klass = fp.bindings.get((parent, cls))
                if klass is not None:
                    imp.hooked_bases.update((base, bwhy) for base in klass.deps)
        if _acts(name, before) != _acts(name, after):
            scope_wide = scope_wide or bwhy
        if b.kind == CLASS and (before.bases if before else "") != (after.bases if after else ""):
            imp.bases_changed.setdefault(path, bwhy)  # acts if a class hook may run
        if (name in PYTEST_NAMES or "autouse" in b.deps) and not scope:
            imp.scope_rule(path, bwhy)
        if name == "__all__" and not scope:
            # `from path import *` elsewhere now binds other names: those that entered
            # or left a list of strings (its deps), or, when __all__ appears, disappears
            # or is built by code, every public name of the module (and what it names)
            if before is None or after is None or not (old.listed and new.listed):
                exported = {n for fp in (old, new) for n in fp.bound_in_module(scope="")}
                exported = {n for n in exported if not n.startswith("_")}
                for listing in (before, after):
                    exported |= listing.deps if listing is not None else set()  # submodules
            else:
                exported = set(before.deps ^ after.deps)
            imp.exports[path] = (exported, bwhy)
        elif not scope and (before is None) != (after is None) and _may_list(name, old, new):
            # ``from path import *`` raises when __all__ names what the module does not
            # bind, and stops raising when it binds it again
            imp.unlisted.setdefault(path, bwhy)
        elif not scope and (before is None) != (after is None) and name[:1] != "_":
            imp.stars_changed = imp.stars_changed or bwhy  # no __all__: it binds them all
    return scope_wide


def _suspends(b: Binding | None) -> bool:
    """A generator or coroutine function: a call makes a frame and runs none of it."""
    return b is not None and b.shape.partition("/")[2].startswith(SUSPENDS)


def _frames_read(imp: _Impact) -> None:
    """A generator's or coroutine's new header is seen by its callers too when some
    code reads the frame such a call makes (``gen().gi_frame.f_locals``: the
    defaults bound, before its code runs, which no trace holds then)."""
    if not imp.suspending:
        return
    if any(fp.frames or fp.stores is None for fp in imp.fps.values() if fp.parsed):
        for name, why, under, own in imp.suspending:
            imp.taint(name, why, under, at=own)
    imp.suspending.clear()


def _imports_a_conftest(imp: _Impact) -> bool:
    """Whether some module imports a conftest module (``from tests.conftest import
    X``), at import time or in a function."""
    for fp in imp.fps.values():
        for names in (fp.imports, *fp.lazy.values()):
            if any("conftest" in name.split(".") for name in names):
                return True
    return False


def _only_binds(imp: _Impact, path: str, *fps: Fingerprint) -> bool:
    """Whether the module's ``if`` and ``try`` statements that only bind names do no
    more: not so in a module whose namespace pytest reads by itself (a test module, a
    conftest.py, a plugin: a name there may be a test, an autouse fixture or a hook
    that nothing reads by name), nor in one that imports a project module named as one
    of the standard library's (``queue.py`` first on ``sys.path``: its body runs)."""
    if (
        path in imp.test_files
        or conftest_dir(path) is not None
        or PLUGIN in imp.import_run.get(path, ())
    ):
        return False
    names = {n for fp in fps for n in fp.imports if n.split(".")[0] in STDLIB}
    return not any(imp.index.resolve(path, n) for n in names)


def _may_list(name: str, old: Fingerprint, new: Fingerprint) -> bool:
    """Whether the module's ``__all__`` may name ``name`` (one built by code may name
    anything)."""
    for fp in (old, new):
        b = fp.bindings.get(("", "__all__"))
        if b is not None and (not fp.listed or name in b.deps):
            return True
    return False


def _unlisted(imp: _Impact) -> None:
    """Modules whose ``__all__`` names a name they bound and no longer do (or the
    reverse): importing a module that star-imports them fails (or now works)."""
    if not imp.unlisted:
        return
    stars = _star_imports(imp)
    for path, why in sorted(imp.unlisted.items()):
        star_why = reasons.step(why, "star-imported")
        imp.import_acts(path, star_why)
        if stars is None:  # who star-imports it is not known: whoever may
            own = imp.fps.get(path)
            public = {n for n in own.bound_in_module(scope="") if n[:1] != "_"} if own else set()
            for name in sorted(public):
                imp.taint(name, star_why)
            continue
        for importer in sorted(stars.get(path, ())):
            imp.import_acts(importer, star_why)
    imp.stars_changed = imp.stars_changed or sorted(imp.unlisted.items())[0][1]
    _star_in_code(imp)
    imp.unlisted.clear()


def _effects_changed(imp: _Impact, path: str, old: Fingerprint, new: Fingerprint) -> bool:
    """What a changed statement with effects touched (``registry.add(f)``,
    ``os.environ[k] = v``); whether one may act beyond binding names (an ``if`` or
    ``try`` that only binds names does not: it is its names' new values)."""
    old_effects = {e.digest for e in old.effects}
    new_effects = {e.digest for e in new.effects}
    acts = False
    for eff in old.effects + new.effects:
        if (eff.digest in old_effects) != (eff.digest in new_effects):
            why = reasons.changed(path, MODULE)
            held = (old if eff.digest in old_effects else new).held.get(eff.digest)
            if held and held[0] and not held[1] and not eff.scope and _may_hold(imp, path):
                # ``module_info["x"] = dict(...)``: only that object holds something else
                _held_taint(imp, path, held[0], why)
                continue
            if eff.binding and _only_binds(imp, path, old, new):
                for name in eff.binds:
                    imp.taint(name, why, None if eff.scope else conftest_dir(path), at=path)
                    if eff.scope:
                        imp.taint_class(path, eff.scope, why)
                if not eff.scope and any(_may_list(n, old, new) for n in eff.binds):
                    imp.unlisted.setdefault(path, why)  # a listed name bound or not now
                continue
            acts = True
            for name in eff.uses | eff.binds:
                if not name.startswith(CALLED):  # a mark: the name itself is there too
                    imp.taint(name, why)
            if not eff.scope and "__all__" in eff.uses | eff.binds:
                imp.stars_changed = imp.stars_changed or why  # ``__all__.append(...)``
    return acts


def _held_taint(imp: _Impact, path: str, sinks: frozenset[str], why: str) -> None:
    """What a module's import did is kept in these containers only: whoever reads one
    sees it (from anywhere: an object changed in place). Importing the module may
    fail now, and a test that imported it in its body sees that."""
    for name in sorted(sinks):
        imp.taint(name, reasons.step(why, f"kept in {name}"))
    imp.import_any.setdefault(path, why)
    imp.may_fail.setdefault(path, why)
    imp.hit_file(path, why, ran_at_import=False)


def _may_hold(imp: _Impact, path: str) -> bool:
    """Whether a module's import may count as kept in containers: not a test module or
    a conftest.py, whose namespace pytest reads, nor a plugin or a module imported
    before tracking started, whose import every test saw."""
    return (
        path not in imp.test_files
        and conftest_dir(path) is None
        and not {PLUGIN, UNSEEN} & imp.import_run.get(path, set())
    )


def _held_effect(imp: _Impact, path: str, digest: str, why: str) -> frozenset[str] | None:
    """The containers that alone keep what a module-level statement did (``_held``)."""
    fp = imp.fps.get(path)
    held = fp.held.get(digest) if fp is not None and digest else None
    if held is None or held[1] == "*" or not _may_hold(imp, path):
        return None
    if not held[1]:
        return held[0] if held[0] else None
    sinks = _held(imp, path)  # a call: judged by what the module's import ran
    if sinks is not None:
        imp.held_hits.setdefault(path, why)  # checked again once all is affected
    return sinks


def _recorded(imp: _Impact) -> dict[str, set[tuple[str, str]]]:
    if imp.records is None:
        imp.records = {}
        if imp.store is not None:
            by_id = {row.id: p for p, row in imp.files.items()}
            dep_file = {
                dep: (by_id[file_id], name)
                for (file_id, name), dep in imp.store.dep_ids().items()
                if file_id in by_id
            }
            for file_id, arrays in imp.store.module_imports().items():
                module = by_id.get(file_id)
                if module is None or len(arrays) != 1:
                    continue  # several environments: one may have run something else
                imp.records[module] = {dep_file[d] for d in arrays[0] if d in dep_file}
    return imp.records


def _held(imp: _Impact, path: str) -> frozenset[str] | None:
    """The names that alone keep what module ``path``'s import did, or None when it
    may have done anything else. Every module-level statement that is not a plain
    binding stores into a container of its own module, star-imports, or calls a
    function of the project that ran then (``_sigs.create_signature_registry()``,
    followed through the module's imports to its ``def``: ``_function_of``); every
    function of the project its recorded import ran keeps no state
    (``Fingerprint.pure``; ``pure_if`` when each function it calls through imports
    keeps none either) or keeps it in its module's containers
    (``Fingerprint.contained``); none of its bindings acts (a decorator that
    registers, a call that may act, a class with bases). An affected function among
    those that ran (changed, or reading a changed name) may name no other function of
    the project: it may now call one that did not run. A function that stores through
    a parameter counts only when the module calls it without arguments and no other
    function that ran names it; its name is kept too (``f.__defaults__``). (As for
    ``pure`` functions in ``_state_left``, what a changed value makes Python run by
    itself, a module ``__getattr__`` or a ``__hash__`` that did not run before, is not
    followed.)"""
    fp = imp.fps.get(path)
    if fp is None or not fp.parsed or not _may_hold(imp, path):
        return None
    kept: set[str] = set()
    callees: list[tuple[str, bool]] = []  # (callee, called with arguments)
    for eff in fp.effects:
        if eff.binding and _only_binds(imp, path, fp):
            continue
        held = fp.held.get(eff.digest)
        if eff.scope or held is None:
            return None
        kept |= held[0]
        if held[1] and held[1] != "*":
            callees.append((held[1].lstrip("+"), held[1].startswith("+")))
    if any(b.acts or b.bases for b in fp.bindings.values()):
        return None
    ran_all = _recorded(imp).get(path)
    if ran_all is None:
        return None
    ran = {
        (p, block)
        for p, block in ran_all
        if is_python(p) and block not in (MODULE, READ, WHOLE) and block[:1] != "<"
    }
    called: dict[tuple[str, str], bool] = {}
    for callee, given in callees:
        found = _function_of(imp, path, callee)
        if found is None or found not in ran:
            return None  # not a function of the project that ran then
        called[found] = called.get(found, False) or given
    by_params: set[tuple[str, str]] = set()
    for p, block in ran:
        sinks = _keeps_only(imp, p, block, 0)
        if sinks is None:
            return None
        kept |= sinks
        other = imp.fps[p]
        if block in other.contained and other.contained[block][2]:
            if called.get((p, block)) is not False:
                return None  # another caller may pass its own object
            by_params.add((p, block))
    by_param_names = {block for _, block in by_params}
    for p, block in ran if by_param_names else ():
        full = imp.full_fp(p)
        if full is None or block not in full.blocks:
            return None
        reads = {n.lstrip("()") for n in full.blocks[block][1]}
        if (reads & by_param_names) - {block}:
            return None  # it may pass its own object to a container parameter
    return frozenset(kept | by_param_names)


def _keeps_only(
    imp: _Impact, path: str, block: str, depth: int, seen: set[tuple[str, str]] | None = None
) -> frozenset[str] | None:
    """The containers a function of the project may keep state in (none: it keeps
    no state), or None when it may keep some elsewhere: ``pure``, ``contained``, and
    every function it may call kept to the same rule, followed to its ``def``: what it
    calls through imports (``pure_if``, a contained function's calls), and its own
    module's functions and methods (``_keeps_state`` takes those as judged by their
    own records; a changed value or body may make it call one that did not run)."""
    fp = imp.fps.get(path)
    seen = set() if seen is None else seen
    if fp is None or depth > 40:
        return None
    if (path, block) in seen:
        return frozenset()
    seen.add((path, block))
    if block in fp.pure:
        sinks: frozenset[str] = frozenset()
        calls: frozenset[str] = frozenset()
    elif block in fp.pure_if:
        sinks, calls = frozenset(), fp.pure_if[block]
    elif block in fp.contained:
        sinks, calls, _ = fp.contained[block]
    else:
        return None
    for dotted in calls:
        found = _function_of(imp, path, dotted)
        if found is None:
            return None
        more = _keeps_only(imp, found[0], found[1], depth + 1, seen)
        if more is None:
            return None
        sinks |= more
    scope = block.split("#")[0].rpartition(".")[0]
    for ref in sorted(fp.own_calls.get(block, ())):
        # a method through ``self`` in its class; a function or class of the module
        where, name = (scope, ref[1:]) if ref[:1] == "." else ("", ref)
        b = fp.bindings.get((where, name))
        if b is None:
            return None  # a base's method, a name bound by a branch
        if b.kind == DEF:
            more = _keeps_only(imp, path, f"{where}.{name}" if where else name, depth + 1, seen)
        elif b.kind == CLASS and name not in fp.inert:
            if b.bases:
                return None  # building one may run its bases' methods
            more = frozenset()
            for special in ("__new__", "__init__", "__post_init__"):
                if (name, special) in fp.bindings:
                    kept = _keeps_only(imp, path, f"{name}.{special}", depth + 1, seen)
                    more = None if kept is None or more is None else more | kept
        else:
            more = frozenset()
        if more is None:
            return None
        sinks |= more
    return sinks


def _function_of(imp: _Impact, path: str, callee: str) -> tuple[str, str] | None:
    """The top-level ``def`` (file, name) a dotted callee of module ``path`` names:
    ``?a.b.f`` from the module's own name ``a``, ``.a.f`` or ``pkg.a.f`` as its
    imports resolve it; followed through modules, ``from`` imports and a package's
    submodules. None: anything else (an object's method, another distribution's)."""
    if callee.startswith("?"):
        parts = callee[1:].split(".")
        at: tuple[str, ...] | None = ("module", path)
    else:
        parts = callee.split(".")
        lead = "." * (len(callee) - len(callee.lstrip(".")))
        parts = [p for p in callee[len(lead) :].split(".")]
        at = None
        for i in range(len(parts) - 1, 0, -1):
            found = imp.index.module_file(path, lead + ".".join(parts[:i]))
            if found is not None:
                at, parts = ("module", found), parts[i:]
                break
        if at is None:
            return None
    for i, part in enumerate(parts):
        if at is None or at[0] != "module":
            return None
        at = _lookup(imp, at[1], part, 0)
        if at is not None and at[0] == "def" and i != len(parts) - 1:
            return None  # an attribute of a function
    if at is None or at[0] != "def":
        return None
    return at[1], at[2]  # ("def", file, name)


def _lookup(imp: _Impact, module: str, name: str, depth: int) -> tuple[str, ...] | None:
    """What module ``module`` binds ``name`` to: ("module", file), ("def", file, name),
    or None (a value, a class, a name bound by a branch, by another distribution)."""
    fp = imp.fps.get(module)
    if fp is None or not fp.parsed or depth > 20 or fp.stars is None:
        return None
    if any(name in e.binds for e in fp.effects):
        return None
    b = fp.bindings.get(("", name))
    if b is None:
        if not module.endswith("__init__.py"):
            return None
        for star in fp.stars:  # a star import may bind it instead of the submodule
            target = imp.index.module_file(module, star)
            tfp = imp.fps.get(target) if target is not None else None
            if tfp is None or tfp.stars or name in tfp.bound_in_module(scope=""):
                return None
        found = imp.index.module_file(module, "." + name)
        return ("module", found) if found is not None else None
    if b.kind == DEF:
        return ("def", module, name)
    if b.kind != IMPORT or "; " in b.source:
        return None
    if b.source.startswith("from "):
        source = b.source[len("from ") :]
        if len(b.deps) != 1:
            return None
        original = next(iter(b.deps))
        joined = source + original if source.endswith(".") else f"{source}.{original}"
        found = imp.index.module_file(module, joined)
        if found is not None:
            return ("module", found)
        within = imp.index.module_file(module, source)
        return _lookup(imp, within, original, depth + 1) if within is not None else None
    if b.source.startswith("import "):
        dotted = b.source[len("import ") :]
        first = dotted.split(".")[0]
        found = imp.index.module_file(module, dotted if name != first else first)
        return ("module", found) if found is not None else None
    return None


def _held_records(imp: _Impact, store: Store, files: dict[str, FileRow]) -> bool:
    """Modules whose recorded import ran an affected function, where only named
    containers keep what the import did (``_held``): the containers' readers are
    affected instead of every importer. True when that tainted a name."""
    if imp.store is None:
        return False
    for module, why in list(imp.held_hits.items()):
        # what was affected since may have made it act beyond its containers
        if _held(imp, module) is None:
            del imp.held_hits[module]
            imp.import_hit(module, why)
    before = len(imp.values)
    affected = {dep for dep in imp.dep_why if dep not in imp.quiet}
    if not affected:
        return False
    loaded = False
    by_id = {row.id: p for p, row in files.items()}
    # functions only: a module body that ran inside is an edge of the import graph, a
    # file read keeps the import rule (``_module_imports``)
    functions = {
        dep
        for (file_id, name), dep in store.dep_ids().items()
        if dep in affected and name not in (MODULE, READ, WHOLE) and name[:1] != "<"
    }
    for file_id, arrays in store.module_imports().items():
        importer = by_id.get(file_id)
        if importer is None or importer in imp.held_hits:
            continue
        hit = [d for arr in arrays for d in arr if d in functions]
        if not hit:
            continue
        if not loaded:
            _load_all(imp, store, files)
            loaded = True
        sinks = _held(imp, importer)
        if sinks is None:
            continue
        why = reasons.step(imp.dep_why[hit[0]], f"runs when {importer} is imported")
        imp.held_hits[importer] = why
        _held_taint(imp, importer, sinks, why)
    return len(imp.values) > before or bool(imp.queue)


def _hooks_changed(imp: _Impact, path: str, ch: FileChange) -> None:
    """Hooks added, removed or changed: pytest calls hooks by name."""
    hooks = [b for b in ch.blocks if b.rsplit(".", 1)[-1].startswith("pytest_")]
    hooks += [name for scope, name in ch.bindings if not scope and name.startswith("pytest_")]
    if not hooks:
        return
    names = {h.split("#")[0].rsplit(".", 1)[-1] for h in hooks}
    hwhy = reasons.changed(path, sorted(hooks)[0])
    if conftest_dir(path) is not None and names <= PER_NODE_HOOKS:
        imp.scope_rule(path, hwhy)
    elif names == {"pytest_generate_tests"} and path in imp.test_files:
        imp.scope_rule(path, hwhy)  # a test module's own hook: its tests only
    else:  # a plugin module's hooks, a conftest's session-wide hooks: every test
        imp.scope_rule("conftest.py", hwhy)


def _named_only(imp: _Impact, name: str, path: str) -> bool:
    """Whether module ``path`` was seen being imported, and no function of this name
    ran while any module was (a module imported before tracking started, by a plugin,
    has no record: then we cannot tell)."""
    if imp.run_at_import is None and imp.load_run_at_import is not None:
        imp.run_at_import = imp.load_run_at_import()
    return (
        imp.run_at_import is not None
        and path in imp.recorded_imports
        and UNSEEN not in imp.import_run.get(path, ())  # its record is another run's
        and name not in imp.run_at_import
    )


def _none_ran(imp: _Impact, name: str, path: str) -> bool:
    """``_named_only`` for ``name`` and for every function whose header alone
    changed: what ``name`` may stand for."""
    return all(_named_only(imp, n, path) for n in {name, *imp.header_only})


# Names through which import-time code reads a function's code without running it
# (``inspect.getsource(f)``, ``f.__code__``): a body edit changes what they return.
READS_CODE = frozenset(
    {
        "__code__",
        "getsource",
        "getsourcelines",
        "findsource",
        "getblock",
        "getclosurevars",
        "dis",
        "get_instructions",
        "Bytecode",
        "code_info",
        "getline",
        "getlines",
        "co_code",
    }
)


def _none_called(imp: _Impact, name: str, path: str) -> bool:
    """``_named_only`` for ``name`` and for every function a change reaches as a call
    (a body edit) or a new header: none of them ran during any recorded import, under
    whatever name the import-time code used."""
    return all(_named_only(imp, n, path) for n in {name, *imp.calls, *imp.header_only})


def _written(imp: _Impact) -> frozenset[str]:
    """The attributes any project file's code sets on other objects (COMPUTED: one it
    does not spell, or a file whose fingerprint is from an older version)."""
    out: set[str] = set()
    for fp in imp.fps.values():
        if not fp.parsed:
            continue  # not Python, or not importable
        if fp.writes is None:
            return frozenset({COMPUTED})
        out |= fp.writes
    return frozenset(out)


def _exported(imp: _Impact) -> None:
    """Names that entered or left a module's ``__all__``: other names for the modules
    that star-import it (and so on), none for anyone else (the module still binds
    them). Every test of a module that reads ``__all__`` itself is reached by that
    name."""
    if not imp.exports:
        return
    starred = _star_imports(imp)
    for path, (names, why) in sorted(imp.exports.items()):
        if starred is None or path in starred:
            for name in sorted(names):
                imp.taint(name, reasons.step(why, "star-imported"))
    imp.stars_changed = imp.stars_changed or sorted(imp.exports.items())[0][1][1]
    _star_in_code(imp)
    imp.exports.clear()


def _star_imports(imp: _Impact) -> dict[str, set[str]] | None:
    """{project module: the modules that star-import it}; None when that cannot be
    told (a file that does not parse, data of an older version, a relative star import
    that names no file, ``exec`` of a string we cannot read)."""
    out: dict[str, set[str]] = defaultdict(set)
    for path, fp in imp.fps.items():
        if not is_python(path):
            continue
        if not fp.parsed or fp.stars is None or ANY_STAR in fp.stars:
            return None
        for name in fp.stars:
            if name.startswith(ANY_STAR):
                continue  # a block that execs text we cannot read: ``_star_in_code``
            found = imp.index.resolve(path, name)
            if not found and name.startswith("."):
                return None
            for module in found:
                out[module].add(path)
    return out


def _exec_blocks(fp: Fingerprint) -> list[str]:
    """The blocks that ``exec`` text we cannot read (``<module>``: import-time code)."""
    stars = fp.stars or ()
    return sorted(s[len(ANY_STAR) :] for s in stars if s.startswith(ANY_STAR) and s != ANY_STAR)


def _star_in_code(imp: _Impact) -> None:
    """What a star import of some module binds changed (``stars_changed``): it reaches
    the blocks that ``exec`` text we cannot read, once, as if their code had changed:
    a star import there may bind other names, or fail (into a dict of their own, only
    they see what it binds, and what they return). A module imported before tracking
    started (a plugin's) may have run them unseen: every test."""
    why = imp.stars_changed
    if why is None or imp.stars_reached:
        return
    imp.stars_reached = True
    for path, fp in list(imp.fps.items()):
        for block in _exec_blocks(fp):
            step = reasons.step(why, f"{reasons.subject(path, block)} may star-import it")
            if block == MODULE:
                imp.import_acts(path, step)
                continue
            imp.hit(path, block, step)
            imp.called(block.split("#")[0].rsplit(".", 1)[-1], step)
            if PLUGIN in imp.import_run.get(path, ()):
                imp.at_import.setdefault((path, PLUGIN), step)


def _propagate(imp: _Impact) -> None:
    """Follow names through the import-time statements that read them."""
    readers: dict[str, list[tuple[str, str, str, Binding]]] = defaultdict(list)
    effect_readers: dict[str, list[tuple[str, frozenset[str], bool, str]]] = defaultdict(list)
    listers: list[tuple[str, str, str, Binding]] = []  # in test files: read every name
    effect_listers: list[tuple[str, frozenset[str], bool, str]] = []
    for path, fp in imp.fps.items():
        for (scope, name), b in fp.bindings.items():
            reads = _reads(name, b)
            for dep in reads:
                readers[dep].append((path, scope, name, b))
            if _lists_any(imp, path, reads):  # it reads every name
                listers.append((path, scope, name, b))
        for eff in fp.effects:
            binding = eff.binding and _only_binds(imp, path, fp)
            statement = "" if eff.scope else eff.digest
            for used in eff.uses:
                if used.startswith(CALLED):
                    continue
                # read only to call it: kept apart (older data has no such marks)
                key = CALLED + used if CALLED + used in eff.uses else used
                # held statements are module-level ones (``Fingerprint.held``)
                effect_readers[key].append((path, eff.binds, binding, statement))
            if _lists_any(imp, path, eff.uses):
                effect_listers.append((path, eff.binds, binding, statement))
    conftest_read = "conftest" in effect_readers or CALLED + "conftest" in effect_readers
    if "conftest" in readers or conftest_read or _imports_a_conftest(imp):
        imp.under.clear()  # some module imports a conftest: its names go anywhere
    imp.written = _written(imp)
    _exported(imp)
    _unlisted(imp)
    _star_in_code(imp)
    while imp.queue:
        name, is_value = imp.queue.pop()
        why = imp.values.get(name) or imp.calls.get(name, "")
        listing = listers if is_value else []  # a value found by listing names
        # a parametrize mark's string: the test looks it up when it runs, if at all
        marked = readers.get(MARKED + name, ()) if is_value else ()
        for path, scope, bound, b in [*readers.get(name, ()), *marked, *listing]:
            if is_value and _other_classes(imp, path, (scope, bound), name):
                continue  # ``Base.PAGE_SIZE``: a new ``Production.PAGE_SIZE`` is not its
            label = f"{scope}.{bound}" if scope else bound
            link = reasons.subject(path, label)
            if bound == "__all__":  # the test reads the module's names, not the function
                link = f"listed in {link}"
            bound_why = why if bound == name else reasons.step(why, link)
            if bound == "__doc__":
                # its doctest examples read the name: those of a module's or class's
                # docstring are recorded on the module's import-time code
                if is_value and imp.sees(name, path):
                    imp.hit(path, MODULE, reasons.step(why, f"read by a doctest of {path}"))
                continue  # the docstring itself says the same
            if b.kind == IMPORT and not is_value:
                imp.called(bound, bound_why)  # an alias of a changed function: still a call
                continue
            # what a plain function's header reads, and an import of a name only such
            # a header change reached: its callers see it by running it
            called = _header_only(b) or (b.kind == IMPORT and name not in imp.by_callers)
            if (
                not is_value
                and b.kind == VALUE
                and not b.deps & READS_CODE
                and _none_called(imp, name, path)
            ):
                # ``g = curry(f)``, ``table = {"x": f}``: f's body never ran at import
                # (it would be in a module's import record), so the value holds f as it
                # was: whoever calls it runs f's block
                imp.called(bound, bound_why)
                continue
            if bound == "__all__" and not is_value:
                # it names the function (a string), it does not call it: a body edit
                # leaves what it lists alone (a call at import is import_run's rule)
                continue
            if is_value and not imp.sees(name, path):
                continue
            own = imp.fps.get(path)
            if bound == "__all__" and not scope and is_value and not (own and own.listed):
                # ``__all__ = list(core.__all__)``: what a star import of it binds (a
                # list of strings binds the same names whatever their values)
                public = (
                    {n for n in own.bound_in_module(scope="") if n[:1] != "_"} if own else set()
                )
                imp.exports[path] = (public | b.deps, bound_why)
                _exported(imp)
            if b.kind == DEF:  # its decorators, defaults or annotations read the name
                imp.hit(path, label, reasons.step(why, reasons.read_by(path, label)))
            # a registration, or a call or class creation that may act, reads it (a
            # fixture is found by its name: taint does it)
            acts = _acts(bound, b) or (b.bases and imp.class_hooks)
            # a plain function's new header (not a new value: ``by_callers_direct``)
            # given to inert classes only: they hold it, nothing reads it at import
            inert = bool(
                is_value
                and acts
                and not (b.bases and imp.class_hooks)
                and name not in imp.by_callers_direct
                and _inert_calls(imp, path, b)
            )
            if is_value and acts and not inert and "fixture" not in b.deps:
                imp.import_hit(path, reasons.step(why, f"read when {path} is imported"))
            elif inert and imp.sees(name, path):
                # an inert class's ``__init__`` may raise on the new value: the import
                # fails for every test that ran the module's code (a test file that
                # imports it shows the error: ``import_any`` of the changed module)
                imp.hit_file(path, reasons.step(why, f"read when {path} is imported"), False)
            if scope and b.kind == DEF and not bound.startswith("__"):
                # a method's header reads it: the method only
                imp.taint(bound, bound_why, at=path, called=called)
            elif scope and b.kind == DEF:
                # a special method's header: whoever uses the class (as for an edit of
                # it, ``_bindings_changed``), not every ``super().__init__`` reader
                imp.taint_class(path, scope, bound_why)
            else:
                at = None if b.kind == VALUE and bound in b.deps else path  # ``X += [1]``
                under = None if scope else conftest_dir(path)
                # an import of what an inert class holds is that too
                via = inert or (b.kind == IMPORT and name not in imp.by_callers_direct)
                owner = (path, scope) if scope and at is not None else None
                imp.taint(
                    bound,
                    bound_why,
                    under,
                    at=at,
                    called=called and not scope,
                    via_inert=via,
                    owner=owner,
                )
                if scope:
                    imp.taint_class(path, scope, bound_why)
        listing_effects = effect_listers if is_value else []
        effects = [*effect_readers.get(name, ()), *listing_effects]
        for entry in effect_readers.get(CALLED + name, ()):
            # a statement that only calls it, in a module whose import was recorded,
            # while no changed function ran during any recorded import (under any name:
            # ``from a import f as g`` calls f as g): only the code it defines calls it,
            # later, and then the trace holds the function (as for a block's reads)
            if not is_value or name in imp.by_callers or not _none_ran(imp, name, entry[0]):
                effects.append(entry)
        for path, binds, binding, effect in effects:
            if is_value and not imp.sees(name, path):
                continue
            if is_value and not binding:  # ``configure(settings.MODE)``: the import acts
                read_why = reasons.step(why, f"read when {path} is imported")
                held = _held_effect(imp, path, effect, read_why)
                if held is not None:  # only named containers hold what it did
                    _held_taint(imp, path, held, read_why)
                else:
                    imp.import_hit(path, read_why)
            for bound_name in binds:
                link = reasons.subject(path, bound_name)
                bound_why = why if bound_name == name else reasons.step(why, link)
                imp.taint(bound_name, bound_why, conftest_dir(path), at=path)
    # blocks whose code reads a name bound differently now
    if not imp.values:
        return
    tainted = set(imp.values)
    # a block that reads a name only to call it: ``CALLED + name`` (``fingerprint``)
    called = {CALLED + n: n for n in imp.by_callers}
    # a block that names it only as a parameter: a fixture, where pytest injects them
    params = {PARAM + n: n for n in tainted}
    for path in list(imp.fps):
        full = imp.full_fp(path)
        if full is None:
            continue
        injects = _injects_fixtures(imp, path)
        for block, (_, reads) in full.blocks.items():
            if _lists_any(imp, path, reads):  # a name found by listing is no bare read
                common = list(tainted)
            else:
                common = [n for n in tainted.intersection(reads) if imp.sees(n, path)]
                if called:
                    common += [
                        called[c] for c in reads & called.keys() if imp.sees(called[c], path)
                    ]
                if injects:
                    common += [
                        params[c] for c in reads & params.keys() if imp.sees(params[c], path)
                    ]
            if common:
                name = min(common)
                if name not in reads and not {CALLED + name, PARAM + name} & reads:  # listing
                    listed = (
                        f"{name} may be read by {reasons.subject(path, block)} (it lists names)"
                    )
                    imp.hit(path, block, reasons.step(imp.values[name], listed))
                elif block == READ:  # a text file's doctest examples
                    why = _read_by_examples(imp.values[name], name, path)
                    imp.hit(path, block, why)
                    if path in imp.test_files:
                        # its tests (another plugin's, from its code blocks): one
                        # recorded by an older version depends on the file otherwise
                        imp.scopes.setdefault(path, why)
                else:
                    imp.hit(path, block, reasons.name_read_by(imp.values[name], name, path, block))
    for path in imp.test_files - imp.fps.keys():
        if not is_python(path):
            # a text file of doctests whose names are not stored (by an older version,
            # or a test file of another plugin): its examples may read any name
            name = min(tainted)
            imp.hit(path, READ, _read_by_examples(imp.values[name], name, path))


def _injects_fixtures(imp: _Impact, path: str) -> bool:
    """Whether something may call the functions of this file with values found by
    their parameters' names: pytest's fixtures in a test file, a conftest.py, a module
    loaded as a plugin; anywhere, when some file of the project may read parameter
    names (its own injector: ``fn(**{n: getattr(services, n) for n in
    signature(fn).parameters})``), or does not say (older data)."""
    if imp.introspected is None:
        imp.introspected = any(fp.introspects is not False for fp in imp.fps.values() if fp.parsed)
    return (
        imp.introspected
        or path in imp.test_files
        or conftest_dir(path) is not None
        or PLUGIN in imp.import_run.get(path, ())
    )


def _read_by_examples(why: str, name: str, path: str) -> str:
    return reasons.step(why, f"{name} may be read by the doctest examples of {path}")


def compute(
    store: Store,
    changes: Changes,
    files: dict[str, FileRow],
    env_id: int,
    *,
    everything: str | None = None,
    env_everything: str | None = None,
    packages: dict[str, str] | None = None,
) -> Plan:
    """The plan for this run. ``everything``: a reason that affects every test of
    every environment (pytest configuration); ``env_everything``: every test of this
    environment (installed packages); ``packages``: {top-level name: why} of upgraded
    distributions, which affect the tests that ran their code."""
    known = store.tests(env_id) if env_id else {}
    plan = Plan(env_id=env_id, known=known, affected={}, changes=changes)
    marks: dict[tuple[int, str], str] = {}
    packages = packages or {}
    pkg_rows = [files[PACKAGE + top] for top in packages if PACKAGE + top in files]
    if changes.changed or pkg_rows:
        imp = _impact(store, changes, files, known, packages)
        plan.import_scopes = imp.import_scopes
        if pkg_rows:
            plan.import_scopes.setdefault("", "installed packages changed")
        _mark_by_deps(store, imp, marks)
        _mark_by_scope(store, imp, marks)
    changed_rows = [(row.id, row.content) for row, _, _ in changes.changed.values()]
    for (env, nodeid), why in marks.items():
        if env != env_id:
            plan.stale += [(env, nodeid, fid, content, why) for fid, content in changed_rows]
    marks = {key: why for key, why in marks.items() if key[0] == env_id}
    if everything:
        for env, nodeid in store.all_tests():
            marks.setdefault((env, nodeid), everything)
    if env_everything:
        plan.import_scopes.setdefault("", env_everything)
        for nodeid in known:
            marks.setdefault((env_id, nodeid), env_everything)
    plan.pending = [(env, nodeid, why) for (env, nodeid), why in marks.items()]
    stale = _stale_here(store, env_id, files, changes, plan) if env_id else {}
    for nodeid, row in known.items():
        reason = marks.get((env_id, nodeid))
        if reason is not None:
            reason = reasons.for_test(nodeid, reason)
        elif row.pending is not None:
            reason = reasons.earlier(reasons.for_test(nodeid, row.pending))
        elif nodeid in stale:
            reason = stale[nodeid]
        if reason is None and row.outcome == FAILED:
            reason = reasons.FAILED
        if reason is not None:
            plan.affected[nodeid] = reason
    return plan


def _stale_here(
    store: Store, env_id: int, files: dict[str, FileRow], changes: Changes, plan: Plan
) -> dict[str, str]:
    """This environment's tests that another environment's run found affected: still
    affected while a file they were recorded with differs now."""
    rows = store.stale(env_id)
    if not rows:
        return {}
    now = {row.id: row.content for row in files.values()}
    for row, state, _ in changes.changed.values():
        now[row.id] = state.fp.content if state.fp is not None else ""
    out: dict[str, str] = {}
    for nodeid, file_id, content, why in rows:
        if now.get(file_id, "") != content:
            out.setdefault(nodeid, f"{why} (seen by a run in another environment)")
        else:
            plan.stale_resolved.append((nodeid, file_id))
    return out


def _impact(
    store: Store,
    changes: Changes,
    files: dict[str, FileRow],
    known: dict[str, TestRow],
    packages: dict[str, str],
) -> _Impact:
    """What the changed files and upgraded packages reach."""
    imp = _Impact(files)
    imp.store = store
    imp.test_files = {test_path(nodeid) for nodeid in known}
    imp.import_run = store.import_run()
    _settle_probed(imp, changes)
    imp.readers = store.import_readers(changes.changed)
    ids = [r.id for r, _, _ in changes.changed.values()]
    ids += [files[PACKAGE + top].id for top in packages if PACKAGE + top in files]
    ids += [files[m].id for ms in imp.readers.values() for m in ms if m in files]
    imp.deps = store.deps_of_files(ids)
    for path, (_, state, _) in changes.changed.items():
        if state.fp is not None:
            imp.fps[path] = state.fp
    for path, (file_row, state, ch) in changes.changed.items():
        _file_change(imp, path, file_row, state.fp, ch)
    for top, why in packages.items():
        imp.hit(PACKAGE + top, READ, reasons.step(why, "ran its code"))
    if (
        imp.queue
        or imp.bases_changed
        or imp.new_imports
        or imp.exports
        or imp.stars_changed
        or imp.submodules
        or imp.hooked_bases
    ):
        _load_all(imp, store, files)
        _frames_read(imp)
        _acting_imports(imp)
        _submodules_read(imp)
        _hooked_bases(imp)
        imp.load_run_at_import = lambda: _run_at_import(imp, store, files)
        _propagate(imp)
    while _held_records(imp, store, files):  # containers hold other values now
        _frames_read(imp)
        imp.load_run_at_import = lambda: _run_at_import(imp, store, files)
        _propagate(imp)
    _ran_at_import_rule(imp)
    _module_imports(imp, store, files)
    return imp


def _settle_probed(imp: _Impact, changes: Changes) -> None:
    """A module ``__getattr__`` that only pytest's collection probes ran (``PROBED``)
    counts as run at import, as any other, unless it did nothing but raise
    AttributeError for such names then (the stored fingerprint) and still does (the
    current one): then a change of its code, or of a name it reads, reaches only the
    tests that ran it."""
    for path, blocks in imp.import_run.items():
        if PROBED not in blocks:
            continue
        blocks.discard(PROBED)
        row = imp.files.get(path)
        old = row.fingerprint(blocks=False) if row is not None else None
        new = changes.changed[path][1].fp if path in changes.changed else old
        if not all(
            fp is not None and fp.probe_safe and _imported_already(imp, path, fp)
            for fp in (old, new)
        ):
            blocks.add("__getattr__")


def _imported_already(imp: _Impact, path: str, fp: Fingerprint) -> bool:
    """Whether every project module the ``__getattr__`` of module ``path`` imports was
    imported while ``path``'s own import ran (its record, and theirs): the branch then
    binds a name, and leaves no new submodule on a package for later tests to read."""
    names = fp.lazy.get("__getattr__", frozenset())
    if ANY_MODULE in names:
        return False
    wanted: set[str] = set()
    for name in names:
        wanted |= imp.index.resolve(path, name)
    wanted.discard(path)
    if not wanted:
        return True
    if imp.store is None:
        return False
    if imp.recorded_edges is None:
        by_id = {row.id: p for p, row in imp.files.items()}
        modules = {
            dep: by_id[file_id]
            for (file_id, name), dep in imp.store.dep_ids().items()
            if name == MODULE and file_id in by_id
        }
        edges: dict[str, set[str]] = defaultdict(set)
        for file_id, arrays in imp.store.module_imports().items():
            if file_id in by_id:
                for arr in arrays:
                    edges[by_id[file_id]].update(modules[d] for d in arr if d in modules)
        imp.recorded_edges = edges
    seen, todo = {path}, [path]
    while todo:
        for nxt in imp.recorded_edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return wanted <= seen


def _run_at_import(imp: _Impact, store: Store, files: dict[str, FileRow]) -> set[str]:
    """The short names of the functions that ran while any module was imported."""
    names = {block for blocks in imp.import_run.values() for block in blocks}
    by_id = {row.id: path for path, row in files.items()}
    recorded: set[int] = set()
    for file_id, arrays in store.module_imports().items():
        if file_id in by_id:
            imp.recorded_imports.add(by_id[file_id])
        for arr in arrays:
            recorded.update(arr)
    for (file_id, name), dep in store.dep_ids().items():
        if dep in recorded and file_id in by_id:
            names.add(name)
    return {n.split("#")[0].rsplit(".", 1)[-1] for n in names}


def _state_left(imp: _Impact, left: list[tuple[str, str, str, str]], index: ModuleIndex) -> None:
    """Affected functions of other modules that ran while a module was imported
    (``(module, path, function, why)``): what one did then may stay in its own module
    (``global X``, a registry there), which tests read without importing ``module``
    (another test's imports did). Those modules' importers see it, unless the function
    leaves no state (``Fingerprint.pure``). (An unchanged function that stored what a
    changed one returned is not followed: an old miss.)"""
    for module, path, name, why in left:
        fp = imp.fps.get(path)
        if fp is not None and name in fp.pure:
            continue
        calls = fp.pure_if.get(name) if fp is not None else None
        if calls and all(_defined(imp, index, path, dotted) for dotted in calls):
            continue  # what it calls through imports is the project's own code
        link = f"{reasons.subject(path, name)} ran when {module} is imported"
        imp.import_hit(path, reasons.step(why, link))


def _defined(imp: _Impact, index: ModuleIndex, importer: str, dotted: str) -> bool:
    """Whether ``dotted`` (as ``importer`` imports it: ``pkg.util.norm``, ``.util.norm``)
    names a function or class that a project module defines itself, once and
    undecorated (``Fingerprint.defs``): not a value (a list whose ``append`` is
    called), nor a name it imports (``os.environ.setdefault`` re-exported), nor a
    module of another distribution whose name ends like a project module's."""
    lead = len(dotted) - len(dotted.lstrip("."))
    module, _, name = dotted[lead:].rpartition(".")
    module = "." * lead + module
    if not name or not module:
        return False
    path = index.module_file(importer, module)
    if path is None or (not lead and _full_name(index, path) != module):
        return False
    fp = imp.fps.get(path)
    return fp is not None and name in fp.defs


def _full_name(index: ModuleIndex, path: str) -> str:
    """The dotted name of a project module from the first directory above it that is
    no package (``src/lib/util/hooks.py`` -> ``lib.util.hooks``)."""
    parts = path[: -len(".py")].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    first = len(parts) - 1
    while first > 0 and "/".join(parts[:first]) + "/__init__.py" in index.files:
        first -= 1
    return ".".join(parts[first:])


def _load_all(imp: _Impact, store: Store, files: dict[str, FileRow]) -> None:
    """Every Python file's fingerprint and every dep: taint or the import graph can
    reach any module."""
    for path, file_row in files.items():
        if path not in imp.fps and file_row.fp_blob:
            fp = file_row.fingerprint(blocks=False)  # names, effects, imports
            if fp is not None:
                imp.fps[path] = fp
                imp.partial.add(path)
    imp.deps = store.deps_of_files([r.id for r in files.values()])


def _module_imports(imp: _Impact, store: Store, files: dict[str, FileRow]) -> None:
    """Modules whose import ran something affected, and the modules whose imports
    reach them (the import graph): the tests that ran code of any of those, or whose
    test file or conftest.py is one of them, see other import-time state now."""
    records = store.module_imports()
    by_id = {row.id: path for path, row in files.items()}
    dep_file: dict[int, tuple[str, str]] = {}
    for (file_id, name), dep in store.dep_ids().items():
        path = by_id.get(file_id)
        if path is not None:
            dep_file[dep] = (path, name)
    dynamic: dict[str, set[str]] = defaultdict(set)
    # module -> the functions seen importing it when called (``IMPORTED_BY``)
    called_in: dict[str, set[tuple[str, str]]] = defaultdict(set)
    left: list[tuple[str, str, str, str]] = []  # ``_state_left``
    for file_id, arrays in records.items():
        module = by_id.get(file_id)
        if module is None:
            continue
        for arr in arrays:
            for dep in arr:
                path, name = dep_file.get(dep, ("", ""))
                if name == MODULE:
                    dynamic[module].add(path)
                elif name.startswith(IMPORTED_BY):
                    called_in[module].add((path, name[len(IMPORTED_BY) :]))
                elif dep in imp.dep_why and dep not in imp.quiet:
                    if module in imp.held_hits and name not in (READ, WHOLE):
                        continue  # ``_held_records``: its containers' readers
                    if path != module and is_python(path) and name not in (READ, WHOLE):
                        left.append((module, path, name, imp.dep_why[dep]))
                    why = reasons.step(imp.dep_why[dep], f"runs when {module} is imported")
                    imp.import_hit(module, why)
    if not imp.import_hits and not imp.import_any:
        return
    _load_all(imp, store, files)
    index = ModuleIndex(files)
    _state_left(imp, left, index)
    static = {path: fp.imports for path, fp in imp.fps.items()}
    for path, fp in imp.fps.items():  # submodules its import-time code reads as attributes
        for name in fp.attrs.get(MODULE, ()):
            dynamic[path] |= index.attribute_modules(path, name)
    for path, fp in imp.fps.items():
        # its import-time code may get any module, or a package's ``__getattr__``
        # (which imports a submodule once: then it is an attribute of the package)
        if ANY_MODULE in fp.imports or ANY_MODULE in fp.lazy.get("__getattr__", ()):
            dynamic[path] |= imp.import_hits.keys()

    def link(why: str, importer: str) -> str:
        return reasons.step(why, f"imported by {importer}")

    reached = importers(imp.import_hits, static, dynamic, index, link)
    imp.reached = reached
    # a held import (``_held_taint``) may now fail: code that imports it when it runs
    # sees that, as it sees what an import hit does
    importing = reached
    if imp.may_fail:
        importing = importers({**imp.may_fail, **imp.import_hits}, static, dynamic, index, link)

    def imported_by(path: str, block: str, why: str, verb: str = "imported") -> None:
        imp.hit(path, block, reasons.step(why, f"{verb} by {reasons.subject(path, block)}"))

    for path, fp in imp.fps.items():  # functions that import such a module when they run
        anywhere = {b for b, names in fp.lazy.items() if ANY_MODULE in names}
        for block, names in fp.lazy.items():
            for name in names if block not in anywhere else ():
                found = index.resolve(path, name) & importing.keys()
                if found:
                    imported_by(path, block, importing[min(found)])
                    break
        for block, names in fp.attrs.items():  # read as attributes of a package there
            for name in names if block != MODULE and block not in anywhere else ():
                found = index.attribute_modules(path, name) & reached.keys()
                if found:
                    imported_by(path, block, reached[min(found)], "read")
                    break
        # ``import_module(name)``, ``sys.modules[k]``, ``exec`` of text we cannot read
        anywhere.update(b for b in _exec_blocks(fp) if b != MODULE)
        for block in sorted(anywhere) if importing else ():
            imported_by(path, block, importing[min(importing)], "may be imported")
    for module, callers in called_in.items():  # imported when they ran, by any name
        if module in importing:
            for path, block in sorted(callers):
                imported_by(path, block, importing[module])
    for path, why in reached.items():
        row = files.get(path)
        if row is not None:
            imp.reached_ids[row.id] = why
        if PLUGIN in imp.import_run.get(path, ()):  # every test runs after a plugin
            imp.scopes.setdefault("", reasons.step(why, "loaded by pytest as a plugin"))
        if conftest_dir(path) is not None:
            imp.scope_rule(path, why)
        elif path in imp.test_files:
            imp.scopes.setdefault(path, why)
    # an import that may now fail: the test files whose imports reach it
    seeds = {**imp.import_any, **imp.import_hits}
    for path, why in importers(seeds, static, dynamic, index, link).items():
        if path in imp.test_files:
            imp.import_scopes.setdefault(path, why)


def _ran_at_import_rule(imp: _Impact) -> None:
    """State built at import by an affected function (a registry, a cache, parametrize
    data) is read by tests that never ran it: every test that can see that state, and
    every test file must be imported again."""
    for (path, block), why in sorted(imp.at_import.items()):
        if block == PLUGIN:
            at_why = reasons.step(why, f"{path} is loaded by pytest as a plugin")
        elif block == UNSEEN:
            at_why = reasons.step(
                why, f"{path} was imported before tracking started: its import may have run it"
            )
        elif reasons.origin(why) == reasons.changed(path, block):
            at_why = reasons.step(why, "runs at import")
        else:
            at_why = reasons.step(why, f"{reasons.subject(path, block)} runs at import")
        if path in imp.test_files:
            imp.scopes.setdefault(path, at_why)
        elif conftest_dir(path) is not None:
            imp.scope_rule(path, at_why)
        else:
            imp.scopes.setdefault("", at_why)
            imp.import_scopes.setdefault("", at_why)


def _mark_by_deps(store: Store, imp: _Impact, marks: dict[tuple[int, str], str]) -> None:
    """Tests, in every environment, whose dependency set holds an affected block."""
    if not imp.dep_why and not imp.reached_ids:
        return
    # a dep of a file whose imports reach an import hit counts as affected too
    dep_why = dict(imp.dep_why)
    if imp.reached_ids:
        for (file_id, _), dep in store.dep_ids().items():
            why = imp.reached_ids.get(file_id)
            if why is not None:
                dep_why.setdefault(dep, why)
    hits: dict[int, str] = {}
    for depset_id, dep_ids in store.depsets():
        for dep in dep_ids:
            why = dep_why.get(dep)
            if why is not None:
                hits[depset_id] = why
                break
    for env, nodeid, depset_id in store.tests_by_depsets(hits):
        marks.setdefault((env, nodeid), hits[depset_id])


def _mark_by_scope(store: Store, imp: _Impact, marks: dict[tuple[int, str], str]) -> None:
    """Every test of a file or a directory (a conftest, pytestmark, a test module's
    import-time code)."""
    if not imp.scopes:
        return
    for env, nodeid in store.all_tests():
        path = test_path(nodeid)
        for prefix, why in imp.scopes.items():
            if in_scope(path, prefix):
                marks.setdefault((env, nodeid), reasons.step(why, reasons.scope(prefix)))
                break

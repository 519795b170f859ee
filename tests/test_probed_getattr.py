"""A package's module ``__getattr__`` (deprecated names, lazy attributes) runs while
pytest collects: pytest probes every object in a test module's namespace, the package's
module object too (``__test__``, ``_mock_name``, ``__wrapped__``, ``__bases__``). Such a
run is no import-time work of the tests when the function raises AttributeError for
every probed name and does nothing else: then a change to its other branches, or to a
name they read, reaches the tests that ran it, not every test (click and marshmallow
have such a function). End to end: record, edit, re-run, assert exactly which tests ran.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap

import pytest

from helpers import Project
from pytest_ripple.fingerprint import ALWAYS_IMPORTED, probe_inert
from test_early_imports import run
from test_safety import check, record

GETATTR = """
    import warnings

    from pkg.core import Command, _OldCommand


    def __getattr__(name):
        if name == "OldCommand":
            warnings.warn("OldCommand is deprecated", DeprecationWarning, stacklevel=2)
            return _OldCommand
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
"""
FILES = {
    "pkg/__init__.py": GETATTR,
    "pkg/core.py": """
        class Command:
            def run(self):
                return 1


        class _OldCommand(Command):
            KIND = "old"

            def run(self):
                return 2 if self.KIND == "old" else 3
    """,
    "tests/test_cmd.py": """
        import pkg


        def test_cmd():
            assert pkg.Command().run() == 1
    """,
    "tests/test_old.py": """
        import pytest

        import pkg


        def test_old():
            with pytest.deprecated_call():
                assert pkg.OldCommand().run() == 2
    """,
    "tests/test_free.py": """
        import pkg


        def test_free():
            assert pkg is not None
    """,
}
EVERY = ["test_cmd", "test_free", "test_old"]


@pytest.fixture
def recorded(project: Project) -> Project:
    record(project, FILES, *EVERY)
    return project


def test_edit_of_a_branch_no_probe_takes(recorded: Project) -> None:
    # every test on 33e744e: "__getattr__ runs at import -> every test"
    recorded.edit("pkg/__init__.py", '"OldCommand is deprecated"', '"OldCommand: use Command"')
    check(recorded.run("--testmon"), ["test_old"])


def test_class_the_branch_returns(recorded: Project) -> None:
    # a class attribute taints the name ``_OldCommand``, which __getattr__ reads
    recorded.edit("pkg/core.py", 'KIND = "old"', 'KIND = "older"')
    check(recorded.run("--testmon"), ["test_old"], failed=["test_old"])


def test_branch_a_probe_takes_selects_every_test(recorded: Project) -> None:
    # ``__test__`` is what pytest asks each object in a test module's namespace
    recorded.edit("pkg/__init__.py", 'if name == "OldCommand":', 'if name == "__test__":')
    check(recorded.run("--testmon"), EVERY)


def test_new_code_on_the_probes_way_selects_every_test(recorded: Project) -> None:
    recorded.edit(
        "pkg/__init__.py",
        "    raise AttributeError(",
        "    Command.seen = name\n    raise AttributeError(",
    )
    check(recorded.run("--testmon"), EVERY)


def test_old_code_that_acted_for_probes(project: Project) -> None:
    """The recorded function filled a list for every probe; the new one does not: the
    test that reads the list fails, and must run."""
    files = {
        **FILES,
        "pkg/__init__.py": """
            from pkg.core import Command

            SEEN = []


            def __getattr__(name):
                SEEN.append(name)
                raise AttributeError(name)
        """,
        "tests/test_seen.py": """
            import pkg


            def test_seen():
                assert pkg.SEEN
        """,
    }
    files.pop("tests/test_old.py")
    record(project, files, "test_cmd", "test_free", "test_seen")
    project.edit("pkg/__init__.py", "    SEEN.append(name)\n", "")
    check(project.run("--testmon"), ["test_cmd", "test_free", "test_seen"], failed=["test_seen"])


def test_imported_name_read_by_a_test_module_at_import(project: Project) -> None:
    """A test module reads the deprecated name in its body: its import ran the branch,
    so its tests are affected, as the tests that ran it."""
    files = {
        **FILES,
        "tests/test_alias.py": """
            import pkg

            ALIAS = pkg.OldCommand


            def test_alias():
                assert ALIAS().run() == 2
        """,
    }
    record(project, files, *EVERY, "test_alias")
    project.edit("pkg/core.py", 'KIND = "old"', 'KIND = "older"')
    check(project.run("--testmon"), ["test_alias", "test_old"], failed=["test_alias", "test_old"])


@pytest.mark.parametrize(
    "hook",
    [
        # while pytest collects a test module: project code in that module's window
        """
        def pytest_pycollect_makeitem(collector, name, obj):
            if name == "test_cmd":
                import warnings

                import pkg

                with warnings.catch_warnings():  # pytest 8 applies the ini's filters later
                    warnings.simplefilter("ignore")
                    pkg.OldCommand
        """,
        # before collection: outside any test module's collection
        """
        def pytest_configure(config):
            import warnings

            import pkg

            with warnings.catch_warnings():  # pytest 8 applies the ini's filters later
                warnings.simplefilter("ignore")
                pkg.OldCommand
        """,
    ],
    ids=["makeitem", "configure"],
)
def test_conftest_that_reads_the_name_selects_every_test(project: Project, hook: str) -> None:
    files = {**FILES, "conftest.py": textwrap.dedent(hook)}
    files["pytest.ini"] = "[pytest]\nfilterwarnings =\n    ignore::DeprecationWarning\n"
    record(project, files, *EVERY)
    project.edit("pkg/__init__.py", '"OldCommand is deprecated"', '"OldCommand: use Command"')
    check(project.run("--testmon"), EVERY)


@pytest.mark.parametrize(
    "imports, selected",
    [
        # as click and marshmallow have it: pytest imported it long before
        ("import warnings", ["test_old"]),
        ("from importlib import metadata", ["test_old"]),
        # a first import runs a module's code: the project's own ``colorsys.py``, maybe
        ("import colorsys", EVERY),
        ("from importlib import resources", EVERY),
        ("from . import core", EVERY),
    ],
)
def test_import_on_the_probes_way(project: Project, imports: str, selected: list[str]) -> None:
    files = dict(FILES)
    files["pkg/__init__.py"] = GETATTR.replace(
        "def __getattr__(name):\n", f"def __getattr__(name):\n        {imports}\n\n"
    )
    record(project, files, *EVERY)
    project.edit("pkg/__init__.py", '"OldCommand is deprecated"', '"OldCommand: use Command"')
    check(project.run("--testmon"), selected)


@pytest.mark.slow
def test_always_imported_before_any_plugin() -> None:
    """What ``ALWAYS_IMPORTED`` claims: pytest's start-up imports these modules before it
    loads a plugin or a conftest.py."""
    code = "import sys, _pytest.config; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert set(out.stdout.split()) >= ALWAYS_IMPORTED


@pytest.mark.slow
@pytest.mark.parametrize("args", [(), ("-n", "2")])
def test_in_a_new_process(project: Project, args: tuple[str, ...]) -> None:
    """As a user runs it (tracking starts while pytest parses its arguments), and with
    xdist, whose workers collect."""
    project.write(FILES)
    assert run(project, *args) == (EVERY, [])
    assert run(project, *args) == ([], [])
    project.edit("pkg/__init__.py", '"OldCommand is deprecated"', '"OldCommand: use Command"')
    assert run(project, *args) == (["test_old"], [])
    project.edit("pkg/__init__.py", 'if name == "OldCommand":', 'if name == "_mock_name":')
    assert run(project, *args) == (EVERY, ["test_old"])


# -- the static part: which functions raise for every probe -----------------------------

D = "def __getattr__(name):\n"
R = "    raise AttributeError(name)\n"
INERT = {
    D + R: True,
    D + "    if name == 'Old':\n        warnings.warn('old')\n        return Old\n" + R: True,
    "from importlib.metadata import version\n"
    + D
    + "    if name == '__version__':\n        return version('pkg')\n"
    + R: True,
    D + "    if name == 'Old':\n        from . import old\n        return old.Old\n" + R: True,
    D + "    if name in ('A', 'B'):\n        return 1\n    elif name == 'C':\n        return 2\n"
    "    else:\n        raise AttributeError(f'no {name!r} in {__name__}')\n": True,
    D
    + "    if 'Old' == name or name in {'X'}:\n        return 1\n    raise AttributeError\n": True,
    D + "    if name == '__version__':\n        return '1'\n"
    "    msg = 'module has no %s' % name\n    raise AttributeError(msg)\n": True,
    D + "    import warnings, sys\n    from importlib.metadata import version\n" + R: True,
    # a branch for a name a probe asks for
    D + "    if name == '_x':\n        return 1\n" + R: False,
    D + "    if name == 'A' or name == 'pytestmark':\n        return 1\n" + R: False,
    # a test we cannot decide
    D + "    if name in _LAZY:\n        return 1\n" + R: False,
    D + "    if name.startswith('a'):\n        return 1\n" + R: False,
    # leaves state behind in a branch: a later test reads it without calling
    # __getattr__ (review 34)
    D + "    if name == 'Old':\n        setup()\n        return 1\n" + R: False,
    D + "    if name == 'X':\n        globals()['X'] = 1\n        return 1\n" + R: False,
    D + "    if name == 'X':\n        _CACHE[name] = 1\n        return 1\n" + R: False,
    D + "    if name == 'X':\n        global X\n        X = 1\n        return 1\n" + R: False,
    D + "    if name == 'X':\n        setattr(sys.modules[__name__], name, 1)\n" + R: False,
    D + "    if name == 'X':\n        warnings.simplefilter('error')\n" + R: False,
    D + "    if name == 'X':\n        return lambda: 1\n" + R: False,
    D + "    if name == 'X':\n        return next(_IDS)\n" + R: False,
    D + "    if name == 'X':\n        len = _register\n        return len(name)\n" + R: False,
    D + "    if name == 'X':\n        return len(name)\n" + R: True,
    "def warn(m):\n    pass\n" + D + "    if name == 'X':\n        warn('x')\n" + R: False,
    # acts, or answers
    D + "    setup()\n" + R: False,
    D + "    return globals()[name]\n": False,
    D + "    pass\n": False,
    D + "    raise AttributeError(repr(name))\n": False,
    D + "    raise KeyError(name)\n": False,
    D + "    raise AttributeError(name) from None\n": False,
    "import mypkg\n" + D + "    import mypkg.sub\n" + R: False,
    D + "    import importlib.resources\n" + R: False,
    # not the plain function Python calls
    D + R + "AttributeError = KeyError\n": False,
    D + R + "__getattr__ = wrap(__getattr__)\n": False,
    "@cache\n" + D + R: False,
    "def __getattr__(name, default=None):\n" + R: False,
    "async " + D + R: False,
    "class C:\n    def __getattr__(self, name):\n        raise AttributeError(name)\n": False,
    "X = 1\n": False,
    # two of them: a probe may have run the one under the ``if`` (its block takes the
    # name ``__getattr__``, the other one ``__getattr__#2``)
    "if OLD:\n    def __getattr__(name):\n        setup()\n        raise AttributeError\n"
    + D
    + R: False,
}


@pytest.mark.parametrize("source, inert", INERT.items(), ids=range(len(INERT)))
def test_probe_inert(source: str, inert: bool) -> None:
    tree = ast.parse(source)
    bound = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
    assert probe_inert(tree, bound) is inert


# -- review 34: what the branches leave behind, and the collected module's own -----------


def test_a_branch_that_caches_in_the_module(project: Project) -> None:
    """``test_b`` reads the value ``test_a`` made ``__getattr__`` store in the module's
    namespace: it never runs the function, yet a new value there fails it."""
    files = {
        "pkg/__init__.py": """
            def __getattr__(name):
                if name == "CONST":
                    globals()["CONST"] = 1
                    return 1
                raise AttributeError(name)
        """,
        "tests/test_a.py": """
            import pkg


            def test_a():
                assert pkg.CONST == 1


            def test_b():
                assert pkg.CONST == 1
        """,
        "tests/test_free.py": "import pkg\n\n\ndef test_free():\n    assert pkg\n",
    }
    record(project, files, "test_a", "test_b", "test_free")
    project.edit(
        "pkg/__init__.py", '"CONST"] = 1\n        return 1', '"CONST"] = 2\n        return 2'
    )
    run = project.run("--testmon")
    check(run, ["test_a", "test_b", "test_free"], failed=["test_a", "test_b"])


def test_a_branch_that_imports_a_submodule_first(project: Project) -> None:
    """A lazy submodule: the import leaves ``pkg.lazy`` on the package, which a later
    test reads without calling ``__getattr__``."""
    files = {
        "pkg/__init__.py": """
            def __getattr__(name):
                if name == "LAZY":
                    from pkg import lazy

                    return lazy.VALUE
                raise AttributeError(name)
        """,
        "pkg/lazy.py": "VALUE = 1\n",
        "pkg/other.py": "VALUE = 5\n",
        "tests/test_a.py": """
            import pkg


            def test_a():
                assert pkg.LAZY == 1


            def test_b():
                assert pkg.lazy.VALUE == 1
        """,
        "tests/test_free.py": "import pkg\n\n\ndef test_free():\n    assert pkg\n",
    }
    record(project, files, "test_a", "test_b", "test_free")
    project.edit("pkg/__init__.py", "from pkg import lazy", "from pkg import other as lazy")
    run = project.run("--testmon")
    check(run, ["test_a", "test_b", "test_free"], failed=["test_a", "test_b"])


def test_a_submodule_the_package_imported_already(project: Project) -> None:
    """click's ``from .core import _BaseCommand``: the package's own import imported
    ``core`` (through another module), so the branch binds a name and nothing else."""
    files = {
        **FILES,
        "pkg/__init__.py": GETATTR.replace(
            "from pkg.core import Command, _OldCommand", "from pkg.cli import Command"
        ).replace(
            "            return _OldCommand",
            "            from .core import _OldCommand\n\n            return _OldCommand",
        ),
        "pkg/cli.py": "from pkg.core import Command\n",
    }
    record(project, files, *EVERY)
    project.edit("pkg/__init__.py", '"OldCommand is deprecated"', '"OldCommand: use Command"')
    check(project.run("--testmon"), ["test_old"])


def test_the_collected_modules_own_getattr(project: Project) -> None:
    """pytest asks the test module itself for ``setup_module`` (and ``pytest_plugins``,
    ``setUpModule``...): its own ``__getattr__`` answers them."""
    files = {
        "tests/test_a.py": """
            STATE = {"ready": False}


            def _setup():
                STATE["ready"] = True


            def __getattr__(name):
                if name == "setup_module":
                    return _setup
                raise AttributeError(name)


            def test_ready():
                assert STATE["ready"]


            def test_other():
                assert True
        """,
    }
    record(project, files, "test_other", "test_ready")
    project.edit("tests/test_a.py", "return _setup", "raise AttributeError(name)")
    check(project.run("--testmon"), ["test_other", "test_ready"], failed=["test_ready"])

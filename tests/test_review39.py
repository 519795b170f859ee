"""Review 39 of two precision rules, since dropped: a test file's names reach only the
modules that import it, and the members of a class new or gone in a test file reach only
code that names the class. Every scenario here was a miss of those rules: other code gets
a test file's names or objects (a setter's argument, a caller's ``f_globals``,
``item.module`` in a hook, a registry filled at import). Each shows by a plain run that
the edit fails a test, and checks that ``--testmon`` selects it."""

from __future__ import annotations

import textwrap

import pytest

from helpers import Project
from test_safety import appended, record, verify

# -- a test file's names ----------------------------------------------------------------

# test_b reads lib/own.py's SEP, which code other than an importer of tests/test_a.py
# sets to test_a's SEP: test_a's edit fails test_b
OWN_SEP = """
    SEP = "/"


    def sep():
        return SEP
"""
TEST_A = """
    SEP = "/"


    def test_a():
        assert SEP
"""
TEST_B = """
    from lib.own import sep


    def test_b():
        assert sep() == "/"
"""


def sep_project(files: dict[str, str]) -> dict[str, str]:
    """lib/own.py, tests/test_a.py and tests/test_b.py as above, then ``files``."""
    base = {
        "lib/__init__.py": "",
        "lib/own.py": OWN_SEP,
        "tests/test_a.py": TEST_A,
        "tests/test_b.py": TEST_B,
    }
    return {**base, **files}


def sep_edited(project: Project) -> None:
    """tests/test_a.py's SEP changes, which fails test_b."""
    project.edit("tests/test_a.py", 'SEP = "/"', 'SEP = "|"')
    verify(project, "test_b")


def sep_changed(project: Project, files: dict[str, str], *others: str) -> None:
    """Record ``sep_project(files)`` (test_a, test_b and the tests ``others``), then
    change tests/test_a.py's SEP, which fails test_b."""
    record(project, sep_project(files), "test_a", "test_b", *others)
    sep_edited(project)


class TestTestFileNames:
    def test_value_passed_to_a_setter(self, project: Project) -> None:
        """tests/test_a.py hands its SEP to lib.config.configure at import."""
        sep_changed(
            project,
            {
                "lib/config.py": """
                    import lib.own


                    def configure(sep):
                        lib.own.SEP = sep
                """,
                "tests/test_a.py": """
                    from lib.config import configure

                    SEP = "/"
                    configure(SEP)


                    def test_a():
                        assert SEP
                """,
            },
        )

    def test_import_passed_to_a_setter(self, project: Project) -> None:
        """As above with a module: ``import os`` becomes ``import ntpath as os``."""
        files = sep_project(
            {
                "lib/own.py": """
                    import os


                    def sep():
                        return os.sep
                """,
                "lib/config.py": """
                    import lib.own


                    def use_os(module):
                        lib.own.os = module
                """,
                "tests/test_a.py": """
                    import os

                    from lib.config import use_os

                    use_os(os)


                    def test_a():
                        assert os
                """,
            }
        )
        record(project, files, "test_a", "test_b")
        project.edit("tests/test_a.py", "import os\n", "import ntpath as os\n")
        verify(project, "test_b")

    def test_caller_frame_globals(self, project: Project) -> None:
        """tests/test_a.py calls lib.config.autoconfigure() at import, which reads its
        caller's globals (``sys._getframe(1).f_globals``): no SEP in the call."""
        sep_changed(
            project,
            {
                "lib/config.py": """
                    import sys

                    import lib.own


                    def autoconfigure():
                        found = sys._getframe(1).f_globals
                        if "SEP" in found:
                            lib.own.SEP = found["SEP"]
                """,
                "tests/test_a.py": """
                    from lib.config import autoconfigure

                    SEP = "/"
                    autoconfigure()


                    def test_a():
                        assert SEP
                """,
            },
        )

    # conftest.py gets the test modules from pytest (``item.module``), imports none
    @pytest.mark.parametrize(
        "conftest",
        [
            pytest.param(
                """
                import lib.own


                def pytest_collection_modifyitems(items):
                    for item in items:
                        if hasattr(item.module, "SEP"):
                            lib.own.SEP = item.module.SEP
                """,
                id="collection_modifyitems",
            ),
            pytest.param(
                """
                import lib.own


                def pytest_collection_finish(session):
                    for item in session.items:
                        if hasattr(item.module, "SEP"):
                            lib.own.SEP = item.module.SEP
                """,
                id="collection_finish",
            ),
            # an autouse session fixture goes through ``request.session.items``
            pytest.param(
                """
                import pytest

                import lib.own


                @pytest.fixture(scope="session", autouse=True)
                def _wire(request):
                    for item in request.session.items:
                        if hasattr(item.module, "SEP"):
                            lib.own.SEP = item.module.SEP
                """,
                id="session-fixture",
            ),
            # the hook copies every upper-case name of each test module: no name spelled
            pytest.param(
                """
                import lib.own


                def pytest_collection_modifyitems(items):
                    for module in {item.module for item in items}:
                        for key, value in list(vars(module).items()):
                            if key.isupper():
                                setattr(lib.own, key, value)
                """,
                id="module-listed-in-a-hook",
            ),
        ],
    )
    def test_item_module(self, project: Project, conftest: str) -> None:
        sep_changed(project, {"conftest.py": conftest})

    def test_package_listed(self, project: Project) -> None:
        """conftest.py lists the ``tests`` package's attributes: its test modules, which
        pytest imported and set there."""
        sep_changed(
            project,
            {
                "tests/__init__.py": "",
                "conftest.py": """
                    import types

                    import lib.own


                    def pytest_collection_finish(session):
                        import tests

                        for module in list(vars(tests).values()):
                            if isinstance(module, types.ModuleType) and hasattr(module, "SEP"):
                                lib.own.SEP = module.SEP
                """,
            },
        )

    def test_runpy_run_path(self, project: Project) -> None:
        """lib/wire.py runs tests/test_a.py by ``runpy.run_path`` (no import) and copies
        its SEP; test_b calls it."""
        sep_changed(
            project,
            {
                "lib/wire.py": """
                    import runpy
                    import warnings

                    import lib.own


                    def wire():
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            lib.own.SEP = runpy.run_path("tests/test_a.py")["SEP"]
                """,
                "tests/__init__.py": "",
                "tests/test_b.py": """
                    from lib.own import sep
                    from lib.wire import wire


                    def test_b():
                        wire()
                        assert sep() == "/"
                """,
            },
        )

    # the importer sorts before tests/test_a.py or after it; it changes too, as the rule
    # once forgot what a changed file found (by the order it went through them)
    @pytest.mark.parametrize("importer", ["test_0", "test_z"])
    def test_importer_changed_too(self, project: Project, importer: str) -> None:
        """tests/test_0.py (or test_z.py) imports test_a and copies its SEP at import."""
        files = sep_project(
            {
                f"tests/{importer}.py": f"""
                    import lib.own
                    import test_a

                    lib.own.SEP = test_a.SEP


                    def {importer}():
                        pass
                """,
            }
        )
        record(project, files, importer, "test_a", "test_b")
        project.edit(f"tests/{importer}.py", "    pass", "    assert 1")
        sep_edited(project)

    @pytest.mark.parametrize(
        "util",
        [
            pytest.param(
                "def assign(obj, name, value):\n    setattr(obj, name, value)\n",
                id="computed write elsewhere",
            ),
            pytest.param(
                "def assign(obj, value):\n    obj.x = value\n", id="no computed write elsewhere"
            ),
        ],
    )
    def test_patch_multiple(self, project: Project, util: str) -> None:
        """tests/test_a.py sets lib.own.SEP by ``mock.patch.multiple(lib.own, SEP=SEP)``:
        a keyword names the write. A computed ``setattr`` in lib/util.py made every bare
        read see any change before; without one, only that keyword shows the write."""
        sep_changed(
            project,
            {
                "lib/util.py": util,
                "tests/test_a.py": """
                    from unittest import mock

                    import lib.own

                    SEP = "/"
                    mock.patch.multiple(lib.own, SEP=SEP).start()


                    def test_a():
                        assert SEP
                """,
                "tests/test_util.py": """
                    from lib.util import assign


                    def test_util():
                        assert assign
                """,
            },
            "test_util",
        )

    @pytest.mark.parametrize(
        ("how", "package"),
        [
            pytest.param("import test_a as mod", False, id="import"),
            pytest.param("from test_a import SEP", False, id="from-import"),
            pytest.param('mod = importlib.import_module("test_a")', False, id="import_module"),
            pytest.param('mod = __import__("test_a")', False, id="__import__"),
            pytest.param('mod = pytest.importorskip("test_a")', False, id="importorskip"),
            pytest.param("import tests.test_a as mod", True, id="package-import"),
            pytest.param("from . import test_a as mod", True, id="relative-import"),
            pytest.param("from .test_a import SEP", True, id="relative-from-import"),
            pytest.param("import tests; mod = tests.test_a", True, id="package-attribute"),
        ],
    )
    def test_copied_by_another_test_file(self, project: Project, how: str, package: bool) -> None:
        """tests/test_c.py gets test_a (as ``how`` spells it) and copies its SEP at
        import; ``package``: tests/ is a package."""
        value = "SEP" if how.endswith("import SEP") else "mod.SEP"
        files = {
            "tests/test_c.py": f"""
                import importlib

                import pytest

                import lib.own

                {how}

                lib.own.SEP = {value}


                def test_c():
                    assert importlib and pytest
            """,
        }
        if package:
            files["tests/__init__.py"] = ""
        sep_changed(project, files, "test_c")

    @pytest.mark.parametrize(
        "line",
        [
            pytest.param("take(sys.modules[__name__])", id="sys.modules"),
            pytest.param("take(globals())", id="globals"),
            pytest.param('vars(lib.own)["SEP"] = SEP', id="vars"),
        ],
    )
    def test_test_file_hands_out_its_namespace(self, project: Project, line: str) -> None:
        """tests/test_a.py hands its module or globals to lib.config.take, which copies
        SEP, or sets SEP through ``vars(lib.own)``."""
        sep_changed(
            project,
            {
                "lib/config.py": """
                    import lib.own


                    def take(namespace):
                        if not isinstance(namespace, dict):
                            namespace = vars(namespace)
                        lib.own.SEP = namespace["SEP"]
                """,
                "tests/test_a.py": f"""
                    import sys

                    import lib.own
                    from lib.config import take

                    SEP = "/"
                    {line}


                    def test_a():
                        assert SEP and sys and lib.own and take
                """,
            },
        )


# -- members of a class new or gone in a test file --------------------------------------

# test_total sums ``write`` over the registered items: a new registered Fake fails it
REGISTRY = """
    ITEMS = []


    def add(item):
        ITEMS.append(item)


    def total():
        return sum(item.write("ab") for item in ITEMS)
"""
TEST_TOTAL = """
    from lib.registry import total


    def test_total():
        assert total() == 0
"""
FAKE = "class Fake:\n    def write(self, text):\n        return len(text)\n\n\n"


def registry_project(files: dict[str, str]) -> dict[str, str]:
    """lib/registry.py and tests/test_total.py as above, then ``files``."""
    base = {
        "lib/__init__.py": "",
        "lib/registry.py": REGISTRY,
        "tests/test_total.py": TEST_TOTAL,
    }
    return {**base, **files}


def fake_added(
    project: Project, then: str = "", rel: str = "tests/test_a.py", before: str = "def test_a():"
) -> None:
    """Fake (and the lines ``then``) come in ``rel`` before the line ``before``, which
    fails test_total."""
    project.edit(rel, before, FAKE + then + before)
    verify(project, "test_total")


class TestTestFileClasses:
    @pytest.mark.parametrize(
        ("old", "new"),
        [
            pytest.param("def test_a():", FAKE + "add(Fake())\n\n\ndef test_a():", id="at-import"),
            # a test that runs before test_total registers a Fake: state a test leaves
            pytest.param(
                "def test_a():\n    assert add\n",
                FAKE + "def test_a():\n    add(Fake())\n",
                id="by-a-test",
            ),
        ],
    )
    def test_instance_registered(self, project: Project, old: str, new: str) -> None:
        """tests/test_a.py's edit (``old`` to ``new``) brings Fake and registers one."""
        files = registry_project(
            {
                "tests/test_a.py": """
                    from lib.registry import add


                    def test_a():
                        assert add
                """,
            }
        )
        record(project, files, "test_a", "test_total")
        project.edit("tests/test_a.py", old, new)
        verify(project, "test_total")

    def test_class_gone_with_its_registration(self, project: Project) -> None:
        """The reverse: Fake and its registration go; total() was 2, is 0."""
        files = registry_project(
            {
                "tests/test_a.py": """
                    from lib.registry import add


                    class Fake:
                        def write(self, text):
                            return len(text)


                    add(Fake())


                    def test_a():
                        assert add
                """,
                "tests/test_total.py": TEST_TOTAL.replace("== 0", "== 2"),
            }
        )
        record(project, files, "test_a", "test_total")
        project.edit("tests/test_a.py", FAKE + "add(Fake())\n", "")
        verify(project, "test_total")

    def test_caller_frame_globals(self, project: Project) -> None:
        """tests/test_a.py calls autoregister() at import (unchanged), which lists its
        caller's globals for classes with a ``write``: the edit only adds a class."""
        files = registry_project(
            {
                "tests/test_a.py": """
                    from lib.registry import autoregister


                    def test_a():
                        pass


                    autoregister()
                """,
            }
        )
        files = appended(
            files,
            "lib/registry.py",
            """

                def autoregister():
                    import sys

                    for value in list(sys._getframe(1).f_globals.values()):
                        if isinstance(value, type) and hasattr(value, "write"):
                            add(value())
            """,
        )
        record(project, files, "test_a", "test_total")
        fake_added(project)

    def test_found_by_set_name(self, project: Project) -> None:
        """A descriptor in Fake's body: its ``__set_name__`` gets Fake when it is
        created, and registers an instance."""
        files = registry_project(
            {
                "tests/test_a.py": """
                    from lib.registry import Registered


                    def test_a():
                        assert Registered
                """,
            }
        )
        files = appended(
            files,
            "lib/registry.py",
            """

                class Registered:
                    def __set_name__(self, owner, name):
                        add(owner())
            """,
        )
        record(project, files, "test_a", "test_total")
        project.edit(
            "tests/test_a.py",
            "def test_a():",
            FAKE.replace("class Fake:\n", "class Fake:\n    tag = Registered()\n\n")
            + "def test_a():",
        )
        verify(project, "test_total")

    # conftest.py (lib.registry's ``add``, then ``hook``) gets the test modules' objects
    # from pytest, imports none; ``added`` comes in tests/test_a.py
    @pytest.mark.parametrize(
        ("hook", "added"),
        [
            # pytest hands the hook every name of a test module
            pytest.param(
                """
                def pytest_pycollect_makeitem(collector, name, obj):
                    if isinstance(obj, type) and hasattr(obj, "write"):
                        add(obj())
                """,
                FAKE,
                id="pycollect_makeitem",
            ),
            # a new test class with a ``write``: the hook registers each test class that
            # has one
            pytest.param(
                """
                def pytest_collection_modifyitems(items):
                    for cls in {item.cls for item in items if item.cls is not None}:
                        if hasattr(cls, "write"):
                            add(cls())
                """,
                "class TestWriter:\n    def write(self, text):\n        return len(text)\n\n"
                "    def test_w(self):\n        pass\n\n\n",
                id="item.cls-in-a-hook",
            ),
            pytest.param(
                """
                def pytest_collection_modifyitems(items):
                    for module in {item.module for item in items}:
                        for value in list(vars(module).values()):
                            if isinstance(value, type) and hasattr(value, "write"):
                                add(value())
                """,
                FAKE,
                id="module-listed-in-a-hook",
            ),
        ],
    )
    def test_found_by_a_hook(self, project: Project, hook: str, added: str) -> None:
        conftest = "from lib.registry import add\n\n\n" + textwrap.dedent(hook).lstrip("\n")
        files = registry_project(
            {"conftest.py": conftest, "tests/test_a.py": "def test_a():\n    pass\n"}
        )
        record(project, files, "test_a", "test_total")
        project.edit("tests/test_a.py", "def test_a():", added + "def test_a():")
        verify(project, "test_total")

    def test_doctest_module(self, project: Project) -> None:
        """--doctest-modules: lib/extras.py has a doctest, so it is a test file, which
        pytest imports (no module does); its import registers a Fake."""
        files = registry_project(
            {
                "pytest.ini": "[pytest]\naddopts = --doctest-modules\n",
                "lib/extras.py": """
                    \"\"\"Extras.

                    >>> 1 + 1
                    2
                    \"\"\"

                    from lib.registry import add


                    def helper():
                        return add
                """,
            }
        )
        record(project, files, "lib.extras", "test_total")
        fake_added(project, then="add(Fake())\n\n\n", rel="lib/extras.py", before="def helper():")

    def test_found_by_subclasses(self, project: Project) -> None:
        """lib/registry.py finds the new class by ``object.__subclasses__()``."""
        files = registry_project(
            {
                "tests/test_a.py": "def test_a():\n    pass\n",
                "tests/test_total.py": """
                    from lib.registry import found


                    def test_total():
                        assert sum(w.write("ab") for w in found()) == 0
                """,
            }
        )
        # a name no other scenario's class has: classes of earlier in-process runs live on
        files = appended(
            files,
            "lib/registry.py",
            """

                def found():
                    return [c() for c in object.__subclasses__() if c.__name__ == "Sub39"]
            """,
        )
        record(project, files, "test_a", "test_total")
        project.edit(
            "tests/test_a.py", "def test_a():", FAKE.replace("Fake", "Sub39") + "def test_a():"
        )
        verify(project, "test_total")

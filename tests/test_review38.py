"""Review 38 of two precision rules, since dropped or narrowed: an import that two modules
share (``import io`` in both) holds the same object in each, and the members of a class
that is new or gone reach only code that names the class. Every scenario here was missed
by some version of those rules. Each records a project, edits it, shows by a plain run
that the edit fails some tests, and checks that ``--testmon`` selects them (over-selecting
is no failure here).

Known limits then, since fixed (``test_dotted_names.py``): a new ``TestCase`` class in a
module that ``unittest``'s loader lists; a new ABC subclass whose ``__subclasshook__``
changes ``isinstance`` for its base; a class or function gone that a test names only in
a ``mock.patch`` string; a dropped ``import a.b`` whose ``a.b`` another module reads.
"""

from __future__ import annotations

import sys
import textwrap
from typing import ClassVar

import pytest

from helpers import Project
from test_safety import record, verify

# -- imports two modules share ----------------------------------------------------------

# copies every public name of lib/limits.py over lib/own.py's by names it does not spell
# so lib/own.py's ``io`` is lib/limits.py's after an import
WIRE = textwrap.dedent("""
    import lib.limits
    import lib.own


    def wire():
        for name in dir(lib.limits):
            if not name.startswith("_"):
                setattr(lib.own, name, getattr(lib.limits, name))


    wire()
""")
OWN_IO = """
    import io


    def name():
        return io.__name__
"""
TEST_OWN = """
    import lib.wire  # noqa: F401
    from lib.limits import limit
    from lib.own import name


    def test_limit():
        assert limit() == 10


    def test_name():
        assert name() == "fake"
"""
IMPORT_IO = "import io  # noqa: E402\n\n\ndef limit():"


def wired(limits: str, own: str = OWN_IO) -> dict[str, str]:
    return {
        "lib/__init__.py": "",
        "lib/limits.py": limits,
        "lib/own.py": own,
        "lib/wire.py": WIRE,
        "tests/test_own.py": TEST_OWN,
    }


def limits_edited(project: Project, files: dict[str, str], old: str, new: str) -> None:
    """Record ``files``, edit lib/limits.py (``old`` to ``new``): test_name fails."""
    record(project, files, "test_limit", "test_name")
    project.edit("lib/limits.py", old, new)
    verify(project, "test_name")


class TestSharedImport:
    """lib/limits.py's ``io`` was a fake (test_name passes) until ``import io`` is added
    after the fake's binding, or the other way round."""

    @pytest.mark.parametrize(
        "binding",
        [
            pytest.param("for io in [_Fake()]:\n    pass\n", id="for-loop"),
            pytest.param(
                """
                def __getattr__(name):
                    if name == "io":
                        return _Fake()
                    raise AttributeError(name)


                def __dir__():
                    return ["io", "limit"]
                """,
                id="module-getattr",
            ),
            pytest.param(
                """
                def _setup():
                    global io
                    io = _Fake()


                _setup()
                """,
                id="global-in-a-function",
            ),
        ],
    )
    def test_origin_binds_it_without_assigning(self, project: Project, binding: str) -> None:
        """``binding``, no assignment, binds ``io`` to a fake before the import."""
        binding = textwrap.dedent(binding).lstrip("\n")
        limits = (
            f'class _Fake:\n    __name__ = "fake"\n\n\n{binding}\n\ndef limit():\n    return 10\n'
        )
        limits_edited(project, wired(limits), "def limit():", IMPORT_IO)

    def test_origin_binds_it_by_a_star_import(self, project: Project) -> None:
        files = wired("""
            from lib.fakes import *  # noqa: F403


            def limit():
                return 10
        """)
        files["lib/fakes.py"] = """
            class Fake:
                __name__ = "fake"


            io = Fake()
        """
        limits_edited(project, files, "# noqa: F403\n", "# noqa: F403\nimport io  # noqa: E402\n")

    def test_reader_deletes_its_own(self, project: Project) -> None:
        """lib/own.py ``del io`` after use: its function reads the ``io`` wire copies."""
        limits = "import io\n\n\ndef limit():\n    return 10\n"
        files = wired(
            limits,
            own="""
                import io

                KIND = io.__name__
                del io


                def name():
                    return "fake" if io.__name__ == "io" else "?"
            """,
        )
        limits_edited(project, files, "import io\n", "")

    def test_reexported(self, project: Project) -> None:
        """lib/reexp.py has ``import io`` too, and imports lib/limits.py's by name."""
        files = {
            "lib/__init__.py": "",
            "lib/limits.py": "import io\n\n\ndef limit():\n    return 10\n",
            "lib/reexp.py": """
                import io
                from lib.limits import io as limits_io


                def same():
                    return io is limits_io
            """,
            # a write by names it does not spell (never imported): the case the rule
            # takes as "set from elsewhere, maybe"
            "lib/wire.py": "def put(o, k, v):\n    setattr(o, k, v)\n",
            "tests/test_re.py": """
                from lib.limits import limit


                def test_limit():
                    assert limit() == 10


                def test_same():
                    from lib.reexp import same

                    assert same()
            """,
        }
        record(project, files, "test_limit", "test_same")
        project.edit("lib/limits.py", "import io\n", "")
        verify(project, "test_same")

    def test_import_a_b_as_a(self, project: Project) -> None:
        """``import os.path as os`` binds posixpath, not ``os``, to ``os``."""
        files = wired(
            "def limit():\n    return 10\n",
            own="""
                import os


                def name():
                    return "fake" if os.getcwd() else "?"
            """,
        )
        limits_edited(project, files, "def limit():", "import os.path as os\n\n\ndef limit():")

    def test_sys_modules_swapped_between_imports(self, project: Project) -> None:
        """lib/own.py imports the real ``io``, lib/limits.py a fake that lib/swap.py
        puts in ``sys.modules`` meanwhile: the same import, not the same object."""
        files = wired("def limit():\n    return 10\n")
        files["lib/swap.py"] = """
            import sys
            import types

            import lib.own  # noqa: F401

            _real = sys.modules["io"]
            sys.modules["io"] = types.ModuleType("fake")
            import lib.limits  # noqa: E402, F401
            sys.modules["io"] = _real
        """
        files["lib/wire.py"] = "import lib.swap  # noqa: F401\n" + WIRE
        files["tests/test_own.py"] = TEST_OWN.replace('"fake"', '"io"')
        limits_edited(project, files, "def limit():", "import io\n\n\ndef limit():")

    def test_outside_attribute_patched_between_imports(self, project: Project) -> None:
        """``from colorsys import rgb_to_hsv as codec`` gives lib/own.py the original,
        lib/limits.py (imported after lib/patch.py) the patched function."""
        # pytester forgets the modules an in-process run imports, not a patch on one
        # this process holds: it would outlive the run
        if "colorsys" in sys.modules:
            pytest.skip("colorsys is already imported")
        files = wired(
            "def limit():\n    return 10\n",
            own="""
                from colorsys import rgb_to_hsv as codec


                def name():
                    return codec.__name__
            """,
        )
        files["lib/patch.py"] = """
            import colorsys


            def fast(r, g, b):
                return (0, 0, 0)


            colorsys.rgb_to_hsv = fast
        """
        files["lib/wire.py"] = "import lib.own\nimport lib.patch  # noqa: F401\n" + WIRE
        files["tests/test_own.py"] = TEST_OWN.replace('"fake"', '"rgb_to_hsv"')
        limits_edited(
            project,
            files,
            "def limit():",
            "from colorsys import rgb_to_hsv as codec  # noqa: F401\n\n\ndef limit():",
        )


class TestSubmoduleImports:
    """``import a.b`` also sets ``a.b``, which another module's ``import a`` reads."""

    def test_submodule_imported_by_another_module(self, project: Project) -> None:
        files = wired(
            "import wsgiref.util\n\n\ndef limit():\n    return 10\n",
            own="""
                import wsgiref


                def name():
                    return "fake" if wsgiref.util.shift_path_info else "?"
            """,
        )
        limits_edited(project, files, "import wsgiref.util\n", "")

    # test_patched sets the package's name in lib/other.py by a name it spells: the
    # case the rule takes as "set from elsewhere, maybe" (without it, a known limit)
    TEST_SUBMODULE = """
        import lib.limits
        import lib.other
        from lib.own import name


        def test_limit():
            assert lib.limits.limit() == 10


        def test_name():
            assert name() == {value}


        def test_patched(monkeypatch):
            monkeypatch.setattr(lib.other, "{package}", None)
            assert lib.other.kind() is None
    """

    def submodule_project(self, package: str, submodule: str, use: str) -> dict[str, str]:
        return {
            "lib/__init__.py": "",
            "lib/limits.py": f"import {package}.{submodule}\n\n\ndef limit():\n    return 10\n",
            "lib/own.py": f"import {package}\n\n\ndef name():\n    return {use}\n",
            "lib/other.py": f"""
                import {package}


                def kind():
                    return {package} and {package}.__name__
            """,
        }

    @pytest.mark.parametrize(
        ("package", "submodule", "use", "value", "extra"),
        [
            pytest.param(
                "wsgiref",
                "util",
                "wsgiref.util.shift_path_info.__name__",
                '"shift_path_info"',
                {},
                id="outside",
            ),
            pytest.param(
                "app",
                "helpers",
                "app.helpers.f()",
                "1",
                {"app/__init__.py": "", "app/helpers.py": "def f():\n    return 1\n"},
                id="project",
            ),
        ],
    )
    def test_dropped_submodule_import(
        self,
        project: Project,
        package: str,
        submodule: str,
        use: str,
        value: str,
        extra: dict[str, str],
    ) -> None:
        """lib/own.py reads ``use`` (``value``); ``extra``: the package, if the project's."""
        files = self.submodule_project(package, submodule, use)
        files.update(extra)
        files["tests/test_own.py"] = self.TEST_SUBMODULE.format(value=value, package=package)
        record(project, files, "test_limit", "test_name", "test_patched")
        project.edit("lib/limits.py", f"import {package}.{submodule}\n", "")
        verify(project, "test_name")


# -- members of a class that is new or gone ---------------------------------------------

STREAMS = """
    class Plain:
        def write(self, text):
            return len(text)
"""
LOUD = "\n\nclass Loud:\n    def write(self, text):\n        return 0\n"
# test_all uses every stream it is handed: a new Loud fails it
TEST_ALL = """
    from {module} import {streams}


    def test_all():
        assert all(s().write("abc") == 3 for s in {streams}{call})


    def test_other():
        assert True
"""


def using_all(module: str, streams: str, call: str = "()", first: str = "") -> str:
    """A test file whose test_all uses every stream of ``streams`` (from ``module``),
    after the line ``first``."""
    text = textwrap.dedent(TEST_ALL).lstrip("\n")
    return first + text.format(module=module, streams=streams, call=call)


def streams_project(files: dict[str, str]) -> dict[str, str]:
    """lib/streams.py (STREAMS), then ``files``."""
    return {"lib/__init__.py": "", "lib/streams.py": STREAMS, **files}


def loud_added(
    project: Project,
    files: dict[str, str],
    failing: str = "test_all",
    rel: str = "lib/streams.py",
    loud: str = LOUD,
) -> None:
    """Record ``files`` (``failing`` and test_other), then add ``loud`` after the first
    ``return len(text)`` of ``rel``: ``failing`` fails."""
    record(project, files, failing, "test_other")
    project.edit(rel, "return len(text)\n", "return len(text)\n" + loud)
    verify(project, failing)


class TestClassesFoundByListing:
    """Code that lists a module finds a new class there without naming it."""

    @pytest.mark.parametrize(
        "registry",
        [
            pytest.param(
                """
                import inspect

                import lib.streams


                def streams():
                    return [c for _, c in inspect.getmembers(lib.streams, inspect.isclass)]
                """,
                id="inspect.getmembers",
            ),
            pytest.param(
                """
                import lib.streams


                def streams():
                    return [c for c in vars(lib.streams).values() if isinstance(c, type)]
                """,
                id="vars",
            ),
        ],
    )
    def test_found_by_listing_the_module(self, project: Project, registry: str) -> None:
        """lib/registry.py lists lib/streams.py's classes."""
        files = streams_project(
            {"lib/registry.py": registry, "tests/test_reg.py": using_all("lib.registry", "streams")}
        )
        loud_added(project, files)

    def test_found_by_listing_in_the_test(self, project: Project) -> None:
        files = streams_project(
            {
                "tests/test_reg.py": """
                    import inspect

                    import lib.streams


                    def test_all():
                        found = inspect.getmembers(lib.streams, inspect.isclass)
                        assert all(c().write("abc") == 3 for _, c in found)


                    def test_other():
                        assert True
                """,
            }
        )
        loud_added(project, files)

    @pytest.mark.parametrize("where", ["function", "module"])
    def test_module_lists_its_own_globals(self, project: Project, where: str) -> None:
        listed = "[v for v in list(globals().values()) if isinstance(v, type)]"
        if where == "function":
            tail = f"\n\ndef streams():\n    return {listed}\n"
        else:
            tail = f"\n\nSTREAMS = {listed}\n\n\ndef streams():\n    return STREAMS\n"
        files = {
            "lib/__init__.py": "",
            "lib/streams.py": "class Plain:\n    def write(self, text):\n        return len(text)\n"
            + tail,
            "tests/test_reg.py": using_all("lib.streams", "streams"),
        }
        loud_added(project, files)

    def test_found_by_a_computed_getattr(self, project: Project) -> None:
        """``getattr(module, computed, default)``: the default until the class exists."""
        files = streams_project(
            {
                "lib/registry.py": """
                    import lib.streams


                    def find(kind):
                        return getattr(lib.streams, kind.title(), lib.streams.Plain)
                """,
                "tests/test_reg.py": """
                    from lib.registry import find


                    def test_loud():
                        assert find("loud")().write("abc") == 3


                    def test_other():
                        assert True
                """,
            }
        )
        loud_added(project, files, "test_loud")

    def test_doctest_testmod_lists_module(self, project: Project) -> None:
        files = streams_project(
            {
                "tests/test_doc.py": """
                    import doctest

                    import lib.streams


                    def test_docs():
                        assert doctest.testmod(lib.streams).failed == 0


                    def test_other():
                        assert True
                """,
            }
        )
        loud_added(
            project,
            files,
            "test_docs",
            loud='\n\nclass Loud:\n    """\n    >>> 1 + 1\n    3\n    """\n',
        )

    def test_new_test_class(self, project: Project) -> None:
        """pytest lists the test module too."""
        record(project, {"tests/test_c.py": "def test_other():\n    assert True\n"}, "test_other")
        project.edit(
            "tests/test_c.py",
            "def test_other():",
            "class TestNew:\n    def test_new(self):\n        assert False\n\n\ndef test_other():",
        )
        verify(project, "test_new")


def outside_library(project: Project, tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    """plugbase.py, importable but outside the project (an installed library's code)."""
    where = tmp_path_factory.mktemp("outside")
    (where / "plugbase.py").write_text(text)
    project.pytester.syspathinsert(where)


# a project base whose subclasses code finds (``__subclasses__``), and a new one
BASE_AND_PLAIN = {
    "lib/__init__.py": "",
    "lib/base.py": "class Base:\n    pass\n",
    "lib/plugins.py": """
        from lib.base import Base


        class Plain(Base):
            def write(self, text):
                return len(text)
    """,
}
LOUD_BASE = "\n\nclass Loud(Base):\n    def write(self, text):\n        return 0\n"


class TestRegisteredClasses:
    """A new class that a base, a decorator or a library hands on without naming it."""

    def test_registered_by_a_base_from_outside(
        self, project: Project, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        outside_library(
            project,
            tmp_path_factory,
            "REGISTRY = []\n\n\nclass Plugin:\n    def __init_subclass__(cls, **kw):\n"
            "        super().__init_subclass__(**kw)\n        REGISTRY.append(cls)\n",
        )
        files = {
            "lib/__init__.py": "",
            "lib/plugins.py": """
                from plugbase import Plugin


                class Plain(Plugin):
                    def write(self, text):
                        return len(text)
            """,
            "tests/test_plugins.py": using_all(
                "plugbase", "REGISTRY", call="", first="import lib.plugins  # noqa: F401\n"
            ),
        }
        loud_added(
            project, files, rel="lib/plugins.py", loud=LOUD_BASE.replace("(Base)", "(Plugin)")
        )

    def test_subclasses_found_by_a_library(
        self, project: Project, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        outside_library(
            project, tmp_path_factory, "def plugins(base):\n    return base.__subclasses__()\n"
        )
        files = dict(BASE_AND_PLAIN)
        files["tests/test_plugins.py"] = """
            import lib.plugins  # noqa: F401
            from lib.base import Base
            from plugbase import plugins


            def test_all():
                assert all(p().write("abc") == 3 for p in plugins(Base))


            def test_other():
                assert True
        """
        loud_added(project, files, rel="lib/plugins.py", loud=LOUD_BASE)

    @pytest.mark.parametrize(
        "finder",
        [
            'getattr(Base, "__subclasses__")()',
            "type.__subclasses__(Base)",
            'eval("Base.__subclasses__()")',
            'operator.methodcaller("__subclasses__")(Base)',
        ],
    )
    def test_subclasses_spelled_otherwise(self, project: Project, finder: str) -> None:
        files = dict(BASE_AND_PLAIN)
        files["lib/registry.py"] = f"""
            import operator  # noqa: F401

            from lib.base import Base


            def plugins():
                return {finder}
        """
        files["tests/test_plugins.py"] = using_all(
            "lib.registry", "plugins", first="import lib.plugins  # noqa: F401\n"
        )
        loud_added(project, files, rel="lib/plugins.py", loud=LOUD_BASE)

    REGISTRIES: ClassVar[dict[str, tuple[str, str, str]]] = {
        "decorator": (
            "STREAMS = []\n\n\ndef register(cls):\n    STREAMS.append(cls)\n    return cls\n",
            "from lib.registry import register\n\n\n@register\nclass Plain:\n",
            "\n\n@register\nclass Loud:\n",
        ),
        "init_subclass": (
            "STREAMS = []\n\n\nclass Stream:\n    def __init_subclass__(cls, **kw):\n"
            "        super().__init_subclass__(**kw)\n        STREAMS.append(cls)\n",
            "from lib.registry import Stream\n\n\nclass Plain(Stream):\n",
            "\n\nclass Loud(Stream):\n",
        ),
    }

    def imported_by_conftest_only(
        self, project: Project, registry: str, kinds: str, listed: str, loud: str
    ) -> None:
        """lib/registry.py gathers lib/kinds.py's classes in ``listed``; no test imports
        lib/kinds.py, only conftest.py. ``loud`` comes in lib/kinds.py: test_all fails."""
        files = {
            "lib/__init__.py": "",
            "lib/registry.py": registry,
            "lib/kinds.py": kinds,
            "conftest.py": "import lib.kinds  # noqa: F401\n",
            "tests/test_reg.py": using_all("lib.registry", listed, call=""),
        }
        loud_added(project, files, rel="lib/kinds.py", loud=loud)

    @pytest.mark.parametrize("how", ["decorator", "init_subclass"])
    def test_registered_module_imported_by_conftest_only(self, project: Project, how: str) -> None:
        registry, plain, loud = self.REGISTRIES[how]
        self.imported_by_conftest_only(
            project,
            registry,
            kinds=plain + "    def write(self, text):\n        return len(text)\n",
            listed="STREAMS",
            loud=loud + "    def write(self, text):\n        return 0\n",
        )

    def test_set_name_registers_the_owner(self, project: Project) -> None:
        """A descriptor's ``__set_name__`` registers the class that holds it."""
        self.imported_by_conftest_only(
            project,
            registry="""
                OWNERS = []


                class Field:
                    def __set_name__(self, owner, name):
                        OWNERS.append(owner)
            """,
            kinds="""
                from lib.registry import Field


                class Plain:
                    f = Field()

                    def write(self, text):
                        return len(text)
            """,
            listed="OWNERS",
            loud="\n\nclass Loud:\n    f = Field()\n\n    def write(self, text):\n"
            "        return 0\n",
        )


def with_other(tests: str) -> str:
    """The test file ``tests``, then test_other, which no edit fails."""
    return textwrap.dedent(tests).lstrip("\n") + "\n\ndef test_other():\n    assert True\n"


class TestGoneClasses:
    """Code that reaches a gone class without naming it in code."""

    KINDS = 'class Plain:\n    kind = "plain"\n\n\nclass Other:\n    kind = "other"\n'
    GONE = 'class Plain:\n    kind = "plain"\n'

    def plain_gone(self, project: Project, files: dict[str, str], failing: str, rel: str) -> None:
        """Record ``files`` (``failing`` and test_other), then drop ``Plain`` from ``rel``:
        ``failing`` fails."""
        record(project, files, failing, "test_other")
        project.edit(rel, self.GONE, "")
        verify(project, failing)

    def test_gone_class_in_a_pickle(self, project: Project) -> None:
        """The test unpickles a ``Plain`` and reads a class attribute (no method runs)."""
        files = {
            "lib/__init__.py": "",
            "lib/streams.py": self.KINDS,
            "tests/test_pickle.py": with_other(
                """
                    import pickle
                    from pathlib import Path

                    import lib.streams  # noqa: F401

                    DATA = Path(__file__).parent.parent / "data" / "plain.pkl"


                    def test_kind():
                        assert pickle.loads(DATA.read_bytes()).kind == "plain"
                """
            ),
        }
        (project.path / "data").mkdir()
        # pickle.dumps(lib.streams.Plain(), protocol=0)
        (project.path / "data" / "plain.pkl").write_bytes(
            b"ccopy_reg\n_reconstructor\np0\n(clib.streams\nPlain\np1\nc__builtin__\nobject\n"
            b"p2\nNtp3\nRp4\n."
        )
        self.plain_gone(project, files, "test_kind", "lib/streams.py")

    def test_gone_class_held_since_import(self, project: Project) -> None:
        """lib/registry.py keeps the class lib/streams.py had for ``Plain`` at import;
        once it is gone, the module's ``__getattr__`` answers ``Other``."""
        files = {
            "lib/__init__.py": "",
            "lib/streams.py": self.KINDS + "\n\ndef __getattr__(name):\n    return Other\n",
            "lib/registry.py": """
                import lib.streams


                def collect():
                    return [lib.streams.Plain]


                CLASSES = collect()
            """,
            "tests/test_reg.py": with_other(
                """
                    from lib.registry import CLASSES


                    def test_kinds():
                        assert [c.kind for c in CLASSES] == ["plain"]
                """
            ),
        }
        self.plain_gone(project, files, "test_kinds", "lib/streams.py")

    def test_type_hints_by_string(self, project: Project) -> None:
        """``typing.get_type_hints`` evaluates the string ``"Plain"``."""
        files = {
            "lib/__init__.py": "",
            "lib/m.py": self.KINDS + '\n\ndef f(x: "Plain"):\n    return x\n',
            "tests/test_hints.py": with_other(
                """
                    import typing

                    from lib.m import f


                    def test_hint():
                        assert typing.get_type_hints(f)["x"].kind == "plain"
                """
            ),
        }
        self.plain_gone(project, files, "test_hint", "lib/m.py")

    def test_pydoc_locate(self, project: Project) -> None:
        files = {
            "lib/__init__.py": "",
            "lib/streams.py": self.KINDS,
            "tests/test_loc.py": with_other(
                """
                    import pydoc


                    def test_kind():
                        assert pydoc.locate("lib.streams.Plain").kind == "plain"
                """
            ),
        }
        self.plain_gone(project, files, "test_kind", "lib/streams.py")

    def test_import_string_from_settings(self, project: Project) -> None:
        """A dotted path in a settings module, imported by a helper (as Django does)."""
        files = {
            "lib/__init__.py": "",
            "lib/streams.py": self.KINDS,
            "lib/settings.py": 'STREAM = "lib.streams.Plain"\n',
            "lib/util.py": """
                import importlib


                def import_string(path):
                    module, _, name = path.rpartition(".")
                    return getattr(importlib.import_module(module), name)
            """,
            "tests/test_loc.py": with_other(
                """
                    from lib import settings
                    from lib.util import import_string


                    def test_kind():
                        assert import_string(settings.STREAM).kind == "plain"
                """
            ),
        }
        self.plain_gone(project, files, "test_kind", "lib/streams.py")

    def test_conftest_class_gone_name_then_star_imported(self, project: Project) -> None:
        """Once conftest.py's ``Helper`` is gone, its fixture gets lib/helpers.py's from
        a star import."""
        files = {
            "lib/__init__.py": "",
            "lib/helpers.py": 'class Helper:\n    kind = "lib"\n',
            "conftest.py": """
                import pytest

                from lib.helpers import *  # noqa: F403


                class Helper:
                    kind = "h"


                @pytest.fixture
                def helper():
                    return Helper()  # noqa: F405
            """,
            "tests/test_c.py": with_other(
                """
                    def test_kind(helper):
                        assert helper.kind == "h"
                """
            ),
        }
        record(project, files, "test_kind", "test_other")
        project.edit("conftest.py", 'class Helper:\n    kind = "h"\n', "")
        verify(project, "test_kind")

"""End-to-end safety tests: after an edit, every test whose outcome the edit can alter
must run (a missed test is the worst bug), and, where the dependency model allows it,
nothing else runs.

Each test records a scratch project (first ``--testmon`` run), edits it, re-runs and
asserts exactly which tests ran. Where the model over-selects by design (matching by
name, whole-module rules for import-time effects), :func:`check` takes the tests that
may run as well as those that must, and a comment says why.
"""

from __future__ import annotations

import sqlite3
import sys
import textwrap
from dataclasses import replace
from typing import ClassVar, Iterable

import pytest

from helpers import Project, Run, defined_tests
from pytest_ripple.fingerprint import RUNS_TEXT, Fingerprint


def check(
    run: Run, must: Iterable[str], may: Iterable[str] = (), *, failed: Iterable[str] = ()
) -> None:
    """``must`` ran, nothing outside ``must | may`` ran, and ``failed`` failed."""
    ran = set(run.ran)
    must, may = set(must), set(may)
    missed = must - ran
    assert not missed, f"missed (deselected although affected): {sorted(missed)}\n{run.out}"
    extra = ran - must - may
    assert not extra, f"over-selected: {sorted(extra)}\n{run.out}"
    by_name = {n.rsplit("::", 1)[-1]: o for n, o in run.outcomes.items()}
    for name in failed:
        assert by_name.get(name) == "failed", f"{name} should fail: {by_name}\n{run.out}"


def verify(project: Project, *failing: str) -> None:
    """The edit makes ``failing`` fail (a plain run), and ``--testmon`` selects them."""
    run = project.run("--testmon")
    plain = project.run()
    assert set(failing) <= set(plain.failed), f"the edit changes nothing: {plain.out}"
    # these cases guard against misses: what else runs is other tests' business
    check(run, must=failing, may=run.ran, failed=failing)


def without_exec(blob: bytes) -> bytes:
    """A stored fingerprint as a version before the ``<exec>`` mark wrote it."""
    fp = Fingerprint.loads(blob)
    assert fp is not None
    fp.blocks = {k: (d, names - {RUNS_TEXT}) for k, (d, names) in fp.blocks.items()}
    fp.bindings = {k: replace(b, deps=b.deps - {RUNS_TEXT}) for k, b in fp.bindings.items()}
    fp.effects = [replace(e, uses=e.uses - {RUNS_TEXT}) for e in fp.effects]
    return fp.dumps()


def appended(files: dict[str, str], rel: str, text: str) -> dict[str, str]:
    """A copy of ``files`` with ``text`` (dedented) added at the end of ``rel``."""
    out = dict(files)
    out[rel] = textwrap.dedent(out[rel]).lstrip("\n") + textwrap.dedent(text)
    return out


def record(project: Project, files: dict[str, str], *tests: str) -> None:
    """Write the project, record it, and check that a second run selects nothing."""
    project.write(files)
    first = project.run("--testmon")
    assert first.ran == sorted(tests), first.out
    assert first.ret == 0, first.out
    assert project.run("--testmon").ran == []


# pkg/b.py holds X and Y, pkg/a.py reads them: test_x uses X only, test_y Y only.
X_AND_Y = {
    "pkg/__init__.py": "",
    "pkg/b.py": "X = 1\nY = 1\n",
    "pkg/a.py": """
        from pkg.b import X, Y

        def uses_x():
            return X

        def uses_y():
            return Y
    """,
    "tests/test_a.py": """
        from pkg.a import uses_x, uses_y

        def test_x():
            assert uses_x() == 1

        def test_y():
            assert uses_y() == 1
    """,
}
# Two functions: one a setup function or fixture calls, one another test calls.
RES = {
    "pkg/__init__.py": "",
    "pkg/res.py": """
        def make():
            return 1

        def other():
            return 1
    """,
}
# A test of other() only, beside tests that use make() (RES).
FREE = {
    "tests/test_free.py": """
        from pkg.res import other

        def test_free():
            assert other() == 1
    """,
}


# --------------------------------------------------------------------------------------
# 1. The five cases pytest-testmon 2.2.0 misses (design brief)
# --------------------------------------------------------------------------------------
class TestTestmonMisses:
    """Each of these deselected a test that then failed under pytest-testmon 2.2.0."""

    def test_constant_imported_by_name(self, project: Project) -> None:
        record(project, X_AND_Y, "test_x", "test_y")
        project.edit("pkg/b.py", "X = 1", "X = 2")
        check(project.run("--testmon"), must=["test_x"], failed=["test_x"])

    @pytest.mark.slow
    def test_constant_imported_by_name_under_xdist(self, project: Project) -> None:
        pythonpath = "[pytest]\npythonpath = .\n"  # for the workers
        project.write({"pytest.ini": pythonpath, **X_AND_Y})
        # the modules are imported in the workers: they must still be recorded
        assert project.run("--testmon", "-n", "2").ran == ["test_x", "test_y"]
        assert project.run("--testmon", "-n", "2").ran == []
        project.edit("pkg/b.py", "X = 1", "X = 2")
        check(project.run("--testmon", "-n", "2"), must=["test_x"], failed=["test_x"])

    def test_constant_read_as_module_attribute(self, project: Project) -> None:
        record(
            project,
            {
                **X_AND_Y,
                "pkg/a.py": """
                    from pkg import b

                    def uses_x():
                        return b.X

                    def uses_y():
                        return b.Y
                """,
            },
            "test_x",
            "test_y",
        )
        project.edit("pkg/b.py", "X = 1", "X = 2")
        check(project.run("--testmon"), must=["test_x"], failed=["test_x"])

    def test_parametrize_data_from_another_module(self, project: Project) -> None:
        record(
            project,
            {
                "data.py": "CASES = [1, 2]\nOTHER = [7]\n",
                "tests/test_p.py": """
                    import pytest
                    from data import CASES

                    @pytest.mark.parametrize("n", CASES)
                    def test_p(n):
                        assert n < 3

                    def test_other():
                        pass
                """,
            },
            "test_p[1]",
            "test_p[2]",
            "test_other",
        )
        project.edit("data.py", "CASES = [1, 2]", "CASES = [1, 3]")
        # test_p[1] is the same test with the same value: it may run, because the
        # decorator of test_p read a name that changed (the model is per function).
        check(project.run("--testmon"), must=["test_p[3]"], may=["test_p[1]"], failed=["test_p[3]"])

    def test_data_file_read_at_import_time(self, project: Project) -> None:
        record(
            project,
            {
                "pkg/__init__.py": "",
                "pkg/settings.json": '{"limit": 3}',
                "pkg/config.py": """
                    import json
                    from pathlib import Path

                    with open(Path(__file__).parent / "settings.json") as f:
                        SETTINGS = json.load(f)

                    def limit():
                        return SETTINGS["limit"]

                    def other():
                        return 0
                """,
                "tests/test_cfg.py": """
                    from pkg.config import limit, other

                    def test_limit():
                        assert limit() == 3

                    def test_other():
                        assert other() == 0
                """,
            },
            "test_limit",
            "test_other",
        )
        project.write({"pkg/settings.json": '{"limit": 4}'})
        # The whole module depends on the file it read at import time: test_other may
        # run (the read is an effect of module code, not bound to one name).
        check(
            project.run("--testmon"), must=["test_limit"], may=["test_other"], failed=["test_limit"]
        )

    def test_data_file_read_by_a_test(self, project: Project) -> None:
        record(
            project,
            {
                "tests/expected.txt": "hello\n",
                "tests/test_read.py": """
                    from pathlib import Path

                    def test_read():
                        assert (Path(__file__).parent / "expected.txt").read_text() == "hello\\n"

                    def test_other():
                        pass
                """,
            },
            "test_read",
            "test_other",
        )
        project.write({"tests/expected.txt": "bye\n"})
        check(project.run("--testmon"), must=["test_read"], failed=["test_read"])

    SESSION_FIXTURE: ClassVar[dict[str, str]] = {
        "pkg/__init__.py": "",
        "pkg/db.py": """
            def connect():
                return {"rows": 3}

            def unrelated():
                return 0
        """,
        "tests/conftest.py": """
            import pytest
            from pkg.db import connect

            @pytest.fixture(scope="session")
            def db():
                return connect()
        """,
        "tests/test_one.py": """
            def test_one(db):
                assert db["rows"] == 3
        """,
        "tests/test_two.py": """
            def test_two(db):
                assert db["rows"] == 3

            def test_three(db):
                assert db["rows"] == 3
        """,
        "tests/test_free.py": """
            from pkg.db import unrelated

            def test_free():
                assert unrelated() == 0
        """,
    }

    def test_session_fixture_helper_changed(self, project: Project) -> None:
        users = ["test_one", "test_two", "test_three"]
        record(project, self.SESSION_FIXTURE, *users, "test_free")
        project.edit("pkg/db.py", '{"rows": 3}', '{"rows": 4}')
        check(project.run("--testmon"), must=users, failed=users)

    def test_session_fixture_body_changed(self, project: Project) -> None:
        users = ["test_one", "test_two", "test_three"]
        record(project, self.SESSION_FIXTURE, *users, "test_free")
        project.edit("tests/conftest.py", "return connect()", "return {'rows': 5}")
        check(project.run("--testmon"), must=users, failed=users)

    GENERATOR: ClassVar[dict[str, str]] = {
        "pkg/__init__.py": "",
        "pkg/ids.py": """
            def counter():
                n = 0
                while True:
                    n += 1
                    yield n
        """,
        "tests/conftest.py": """
            import pytest

            from pkg.ids import counter

            @pytest.fixture(scope="session")
            def ids():
                return counter()
        """,
        "tests/test_first.py": """
            def test_first(ids):
                assert next(ids) == 1
        """,
        "tests/test_second.py": """
            def test_second(ids):
                assert next(ids) == 2
        """,
    }

    def test_generator_resumed_by_a_later_test(self, project: Project) -> None:
        """A generator a session fixture made, started by one test and resumed by the
        next: its code runs in both (sys.monitoring reports a resume apart from the
        start)."""
        both = ["test_first", "test_second"]
        record(project, self.GENERATOR, *both)
        project.edit("pkg/ids.py", "n += 1", "n += 2")
        check(project.run("--testmon"), must=both, failed=both)

    @staticmethod
    def setup_code_changed(project: Project, tests: dict[str, str], *through: str) -> None:
        """Record RES with ``tests``, whose setup code calls make() for the tests
        ``through`` and whose test_free calls other(); then change make(): the tests
        ``through`` must run, and fail."""
        record(project, {**RES, **tests}, *through, "test_free")
        project.edit("pkg/res.py", "return 1", "return 2")
        check(project.run("--testmon"), must=through, failed=through)

    def test_setup_class(self, project: Project) -> None:
        tests = {
            "tests/test_cls.py": """
                from pkg.res import make, other

                class TestA:
                    @classmethod
                    def setup_class(cls):
                        cls.value = make()

                    def test_1(self):
                        assert self.value == 1

                    def test_2(self):
                        assert self.value == 1

                def test_free():
                    assert other() == 1
            """,
        }
        self.setup_code_changed(project, tests, "test_1", "test_2")

    def test_setup_method_and_setup_function(self, project: Project) -> None:
        tests = {
            "tests/test_xunit.py": """
                from pkg.res import make, other

                STATE = {}

                def setup_function(function):
                    STATE["value"] = make()

                def test_fn():
                    assert STATE["value"] == 1

                class TestM:
                    def setup_method(self, method):
                        self.value = make()

                    def test_m(self):
                        assert self.value == 1
            """,
            **FREE,
        }
        self.setup_code_changed(project, tests, "test_fn", "test_m")

    def test_setup_module(self, project: Project) -> None:
        tests = {
            "tests/test_mod.py": """
                from pkg import res

                STATE = {}

                def setup_module(module):
                    STATE["value"] = res.make()

                def test_1():
                    assert STATE["value"] == 1

                def test_2():
                    assert STATE["value"] == 1
            """,
            **FREE,
        }
        self.setup_code_changed(project, tests, "test_1", "test_2")

    SUBSET: ClassVar[dict[str, str]] = {
        "pkg/__init__.py": "",
        "pkg/fa.py": "def f():\n    return 1\n",
        "pkg/fb.py": "def g():\n    return 1\n",
        "tests/test_a.py": """
            from pkg.fa import f

            def test_a():
                assert f() == 1
        """,
        "tests/test_b.py": """
            from pkg.fb import g

            def test_b():
                assert g() == 1
        """,
    }

    @pytest.mark.parametrize(
        "subset", [["tests/test_b.py"], ["tests/test_b.py::test_b"], ["-k", "test_b"]]
    )
    def test_subset_run_keeps_the_selection(self, project: Project, subset: list[str]) -> None:
        record(project, self.SUBSET, "test_a", "test_b")
        project.edit("pkg/fa.py", "return 1", "return 2")
        assert project.run("--testmon", *subset).ran == []
        check(project.run("--testmon"), must=["test_a"], failed=["test_a"])
        project.edit("pkg/fa.py", "return 2", "return 1")
        check(project.run("--testmon"), must=["test_a"])
        assert project.run("--testmon").ran == []

    def test_subset_run_of_an_affected_test(self, project: Project) -> None:
        record(project, self.SUBSET, "test_a", "test_b")
        project.edit("pkg/fa.py", "return 1", "return 2")
        project.edit("pkg/fb.py", "return 1", "return 3")
        check(project.run("--testmon", "tests/test_b.py"), must=["test_b"], failed=["test_b"])
        # test_b failed last time, so it runs again
        check(project.run("--testmon"), must=["test_a", "test_b"], failed=["test_a", "test_b"])


# --------------------------------------------------------------------------------------
# 2. Module-level and class-level edits
# --------------------------------------------------------------------------------------
class TestImportTimeEdits:
    """Code that runs at import time (module and class bodies, decorators, defaults,
    bases, imports) binds names that tests read later: a change to it re-runs the
    tests whose code reads those names, and only those."""

    def test_module_constant_in_the_same_module(self, project: Project) -> None:
        record(
            project,
            {
                "pkg/__init__.py": "",
                "pkg/prices.py": """
                    RATE = 2
                    FEE = 1

                    def price(x):
                        return x * RATE

                    def fee():
                        return FEE
                """,
                "tests/test_prices.py": """
                    from pkg.prices import fee, price

                    def test_price():
                        assert price(3) == 6

                    def test_fee():
                        assert fee() == 1
                """,
            },
            "test_price",
            "test_fee",
        )
        project.edit("pkg/prices.py", "RATE = 2", "RATE = 3")
        check(project.run("--testmon"), must=["test_price"], failed=["test_price"])

    def test_constant_computed_from_another_constant(self, project: Project) -> None:
        record(
            project,
            {
                "pkg/__init__.py": "",
                "pkg/base.py": "BASE = 2\nOTHER = 5\n",
                "pkg/prices.py": """
                    from pkg.base import BASE, OTHER

                    RATE = BASE * 10
                    LIMIT = OTHER + 1

                    def price(x):
                        return x * RATE

                    def limit():
                        return LIMIT
                """,
                "tests/test_prices.py": """
                    from pkg.prices import limit, price

                    def test_price():
                        assert price(1) == 20

                    def test_limit():
                        assert limit() == 6
                """,
            },
            "test_price",
            "test_limit",
        )
        project.edit("pkg/base.py", "BASE = 2", "BASE = 3")
        check(project.run("--testmon"), must=["test_price"], failed=["test_price"])

    SHAPES: ClassVar[dict[str, str]] = {
        "pkg/__init__.py": "",
        "pkg/shapes.py": """
            class Shape:
                sides = 0

                def describe(self):
                    return f"{self.sides} sides"

                def speak(self):
                    return "shape"


            class Circle:
                def area(self):
                    return 3


            class Square(Shape):
                sides = 4
        """,
        "tests/test_shapes.py": """
            from pkg.shapes import Circle, Shape, Square

            def test_square():
                assert Square().describe() == "4 sides"

            def test_square_speaks():
                assert Square().speak() == "shape"

            def test_circle():
                assert Circle().area() == 3
        """,
    }
    SHAPE_TESTS = ("test_square", "test_square_speaks", "test_circle")

    def test_class_attribute(self, project: Project) -> None:
        record(project, self.SHAPES, *self.SHAPE_TESTS)
        project.edit("pkg/shapes.py", "sides = 4", "sides = 5")
        # test_square_speaks uses Square too, whose body changed: by class, it may run.
        check(
            project.run("--testmon"),
            must=["test_square"],
            may=["test_square_speaks"],
            failed=["test_square"],
        )

    def test_base_class(self, project: Project) -> None:
        record(project, self.SHAPES, *self.SHAPE_TESTS)
        project.edit("pkg/shapes.py", "class Square(Shape):", "class Square(Circle):")
        # both Square tests now fail (no describe / speak); test_circle only ran Circle.area
        must = ["test_square", "test_square_speaks"]
        check(project.run("--testmon"), must=must, failed=must)

    def test_new_method_overrides_an_inherited_one(self, project: Project) -> None:
        record(project, self.SHAPES, *self.SHAPE_TESTS)
        project.edit(
            "pkg/shapes.py",
            "    sides = 4\n",
            "    sides = 4\n\n    def speak(self):\n        return 'square'\n",
        )
        # test_square uses Square, whose body changed: by class, it may run.
        check(
            project.run("--testmon"),
            must=["test_square_speaks"],
            may=["test_square"],
            failed=["test_square_speaks"],
        )

    def test_decorator_swapped(self, project: Project) -> None:
        files = {
            "pkg/__init__.py": "",
            "pkg/deco.py": """
                import functools

                def twice(fn):
                    @functools.wraps(fn)
                    def wrapper(*args):
                        return fn(*args) * 2
                    return wrapper

                def once(fn):
                    return fn
            """,
            "pkg/values.py": """
                from pkg.deco import once, twice

                @twice
                def value():
                    return 1

                def plain():
                    return 1
            """,
            "pkg/other.py": "def unrelated():\n    return 1\n",
            "tests/test_values.py": """
                from pkg.values import plain, value

                def test_value():
                    assert value() == 2

                def test_plain():
                    assert plain() == 1
            """,
            "tests/test_other.py": """
                from pkg.other import unrelated

                def test_unrelated():
                    assert unrelated() == 1
            """,
        }
        record(project, files, "test_value", "test_plain", "test_unrelated")
        project.edit("pkg/values.py", "@twice", "@once")
        # A decorator can register the function anywhere: a decorated definition is an
        # import-time effect of its module, so the other users of pkg/values.py may run.
        check(
            project.run("--testmon"), must=["test_value"], may=["test_plain"], failed=["test_value"]
        )

    def test_decorator_body_that_runs_at_import_only(self, project: Project) -> None:
        files = {
            "pkg/__init__.py": "",
            "pkg/registry.py": """
                REGISTRY = {}

                def register(fn):
                    REGISTRY[fn.__name__] = fn
                    return fn

                def lookup(name):
                    return REGISTRY[name]()
            """,
            "pkg/handlers.py": """
                from pkg.registry import register

                @register
                def handler():
                    return 1
            """,
            "pkg/other.py": "def unrelated():\n    return 1\n",
            "tests/test_handlers.py": """
                import pkg.handlers
                from pkg.registry import lookup

                def test_lookup():
                    assert lookup("handler") == 1
            """,
            "tests/test_other.py": """
                from pkg.other import unrelated

                def test_unrelated():
                    assert unrelated() == 1
            """,
        }
        record(project, files, "test_lookup", "test_unrelated")
        project.edit("pkg/registry.py", "REGISTRY[fn.__name__] = fn", "REGISTRY['x'] = fn")
        # register ran at import: the state it built may be read by any test
        check(
            project.run("--testmon"),
            must=["test_lookup"],
            may=["test_unrelated"],
            failed=["test_lookup"],
        )

    def test_default_argument_from_a_constant(self, project: Project) -> None:
        record(
            project,
            {
                "pkg/__init__.py": "",
                "pkg/greet.py": """
                    GREETING = "hi"

                    def greet(name, greeting=GREETING):
                        return f"{greeting} {name}"

                    def shout(name):
                        return name.upper()
                """,
                "tests/test_greet.py": """
                    from pkg.greet import greet, shout

                    def test_greet():
                        assert greet("bob") == "hi bob"

                    def test_shout():
                        assert shout("bob") == "BOB"
                """,
            },
            "test_greet",
            "test_shout",
        )
        project.edit("pkg/greet.py", 'GREETING = "hi"', 'GREETING = "hello"')
        check(project.run("--testmon"), must=["test_greet"], failed=["test_greet"])

    def test_default_argument_from_a_call(self, project: Project) -> None:
        record(
            project,
            {
                "pkg/__init__.py": "",
                "pkg/defaults.py": """
                    def default_items():
                        return [1, 2]

                    def unrelated():
                        return 0
                """,
                "pkg/bag.py": """
                    from pkg.defaults import default_items

                    def count(items=default_items()):
                        return len(items)
                """,
                "tests/test_bag.py": """
                    from pkg.bag import count
                    from pkg.defaults import unrelated

                    def test_count():
                        assert count() == 2

                    def test_unrelated():
                        assert unrelated() == 0
                """,
            },
            "test_count",
            "test_unrelated",
        )
        project.edit("pkg/defaults.py", "return [1, 2]", "return [1, 2, 3]")
        # default_items ran at import: what it built may be read by any test
        check(
            project.run("--testmon"),
            must=["test_count"],
            may=["test_unrelated"],
            failed=["test_count"],
        )

    def test_new_function_shadows_an_import(self, project: Project) -> None:
        record(
            project,
            {
                "pkg/__init__.py": "",
                "pkg/util.py": "def helper():\n    return 1\n",
                "pkg/m.py": """
                    from pkg.util import helper

                    def run():
                        return helper()

                    def other():
                        return 1
                """,
                "tests/test_m.py": """
                    from pkg.m import other, run

                    def test_run():
                        assert run() == 1

                    def test_other():
                        assert other() == 1
                """,
            },
            "test_run",
            "test_other",
        )
        project.edit(
            "pkg/m.py",
            "from pkg.util import helper\n",
            "from pkg.util import helper\n\ndef helper():\n    return 2\n",
        )
        check(project.run("--testmon"), must=["test_run"], failed=["test_run"])

    def test_new_function_shadows_a_builtin(self, project: Project) -> None:
        record(
            project,
            {
                "pkg/__init__.py": "",
                "pkg/m.py": """
                    def size(xs):
                        return len(xs)

                    def other():
                        return 1
                """,
                "tests/test_m.py": """
                    from pkg.m import other, size

                    def test_size():
                        assert size([1, 2]) == 2

                    def test_other():
                        assert other() == 1
                """,
            },
            "test_size",
            "test_other",
        )
        project.edit("pkg/m.py", "def other", "def len(xs):\n    return 0\n\ndef other")
        check(project.run("--testmon"), must=["test_size"], failed=["test_size"])

    def test_init_reexport_retargeted(self, project: Project) -> None:
        record(
            project,
            {
                "pkg/__init__.py": "from pkg.impl import value\nfrom pkg.impl import other\n",
                "pkg/impl.py": """
                    def value():
                        return 1

                    def other():
                        return 1
                """,
                "pkg/impl2.py": """
                    def value():
                        return 2
                """,
                "tests/test_pkg.py": """
                    from pkg import other, value

                    def test_value():
                        assert value() == 1

                    def test_other():
                        assert other() == 1
                """,
            },
            "test_value",
            "test_other",
        )
        project.edit("pkg/__init__.py", "from pkg.impl import value", "from pkg.impl2 import value")
        check(project.run("--testmon"), must=["test_value"], failed=["test_value"])

    def test_dunder_all_changes_a_star_import(self, project: Project) -> None:
        record(
            project,
            {
                "pkg/__init__.py": "from pkg.impl import *\n",
                "pkg/impl.py": """
                    __all__ = ["value", "other"]

                    def value():
                        return 1

                    def other():
                        return 1
                """,
                "pkg/lone.py": "def lone():\n    return 1\n",
                "tests/test_pkg.py": """
                    import pkg

                    def test_value():
                        assert pkg.value() == 1
                """,
                "tests/test_lone.py": """
                    from pkg.lone import lone

                    def test_lone():
                        assert lone() == 1
                """,
            },
            "test_value",
            "test_lone",
        )
        project.edit("pkg/impl.py", '__all__ = ["value", "other"]', '__all__ = ["other"]')
        # A star import is an effect of pkg/__init__.py: every user of the package may
        # run, test_lone included (it imports pkg.lone, so pkg/__init__.py ran for it).
        check(
            project.run("--testmon"), must=["test_value"], may=["test_lone"], failed=["test_value"]
        )

    def test_dataclass_field_default(self, project: Project) -> None:
        record(
            project,
            {
                "pkg/__init__.py": "",
                "pkg/models.py": """
                    from dataclasses import dataclass

                    @dataclass
                    class Point:
                        x: int = 0
                        y: int = 0

                    def origin():
                        return Point()

                    def unrelated():
                        return 1
                """,
                "pkg/other.py": "def other():\n    return 1\n",
                "tests/test_models.py": """
                    from pkg.models import origin

                    def test_origin():
                        assert origin().x == 0
                """,
                "tests/test_other.py": """
                    from pkg.other import other

                    def test_other():
                        assert other() == 1
                """,
            },
            "test_origin",
            "test_other",
        )
        project.edit("pkg/models.py", "x: int = 0", "x: int = 5")
        check(project.run("--testmon"), must=["test_origin"], failed=["test_origin"])

    def test_enum_member_value(self, project: Project) -> None:
        record(
            project,
            {
                "pkg/__init__.py": "",
                "pkg/colors.py": """
                    import enum

                    class Color(enum.Enum):
                        RED = 1
                        BLUE = 2

                    def code(color):
                        return color.value
                """,
                "pkg/other.py": "def other():\n    return 1\n",
                "tests/test_colors.py": """
                    from pkg.colors import Color, code

                    def test_red():
                        assert code(Color.RED) == 1
                """,
                "tests/test_other.py": """
                    from pkg.other import other

                    def test_other():
                        assert other() == 1
                """,
            },
            "test_red",
            "test_other",
        )
        project.edit("pkg/colors.py", "RED = 1", "RED = 3")
        check(project.run("--testmon"), must=["test_red"], failed=["test_red"])

    def test_registration_call_at_import_time(self, project: Project) -> None:
        record(
            project,
            {
                "pkg/__init__.py": "",
                "pkg/registry.py": """
                    HANDLERS = {}

                    def register(kind, fn):
                        HANDLERS[kind] = fn

                    def handle(kind, x):
                        return HANDLERS[kind](x)
                """,
                "pkg/formats.py": """
                    from pkg.registry import register

                    def as_text(x):
                        return str(x)

                    def as_list(x):
                        return [x]

                    register("application/text", as_text)
                """,
                "pkg/other.py": "def other():\n    return 1\n",
                "tests/test_formats.py": """
                    import pkg.formats
                    from pkg.registry import handle

                    def test_text():
                        assert handle("application/text", 1) == "1"
                """,
                "tests/test_other.py": """
                    from pkg.other import other

                    def test_other():
                        assert other() == 1
                """,
            },
            "test_text",
            "test_other",
        )
        project.edit(
            "pkg/formats.py",
            'register("application/text", as_text)',
            'register("application/text", as_list)',
        )
        check(project.run("--testmon"), must=["test_text"], failed=["test_text"])

    def test_conditional_definition_at_import_time(self, project: Project) -> None:
        record(
            project,
            {
                "pkg/__init__.py": "",
                "pkg/compat.py": """
                    import sys

                    if sys.version_info >= (3,):
                        def label():
                            return "py3"
                    else:
                        def label():
                            return "py2"

                    def other():
                        return 1
                """,
                "tests/test_compat.py": """
                    from pkg.compat import label, other

                    def test_label():
                        assert label() == "py3"

                    def test_other():
                        assert other() == 1
                """,
            },
            "test_label",
            "test_other",
        )
        project.edit("pkg/compat.py", "(3,)", "(99,)")
        # the `if` is an import-time effect of pkg/compat.py: test_other may run
        check(
            project.run("--testmon"), must=["test_label"], may=["test_other"], failed=["test_label"]
        )

    def test_dunder_all_added_to_a_star_imported_module(self, project: Project) -> None:
        record(
            project,
            {
                "pkg/__init__.py": "from pkg.impl import *\n",
                "pkg/impl.py": """
                    def value():
                        return 1

                    def other():
                        return 1
                """,
                "tests/test_pkg.py": """
                    import pkg

                    def test_value():
                        assert pkg.value() == 1
                """,
            },
            "test_value",
        )
        project.edit("pkg/impl.py", "def value", '__all__ = ["other"]\n\ndef value')
        check(project.run("--testmon"), must=["test_value"], failed=["test_value"])

    PRECISION: ClassVar[dict[str, str]] = {
        "pkg/__init__.py": "",
        "pkg/m.py": """
            import os

            LIMIT = 3
            SPARE = 1

            def f():
                # the answer
                return LIMIT


            class K:
                attr = 1

                def g(self):
                    return self.attr
        """,
        "tests/test_m.py": """
            from pkg.m import K, f

            def test_f():
                assert f() == 3

            def test_g():
                assert K().g() == 1
        """,
    }

    def test_new_unused_function_runs_nothing(self, project: Project) -> None:
        record(project, self.PRECISION, "test_f", "test_g")
        project.edit("pkg/m.py", "LIMIT = 3\n", "LIMIT = 3\n\ndef unused():\n    return 42\n")
        assert project.run("--testmon").ran == []

    def test_new_unused_constant_and_method_run_nothing(self, project: Project) -> None:
        record(project, self.PRECISION, "test_f", "test_g")
        project.edit("pkg/m.py", "LIMIT = 3\n", "LIMIT = 3\nUNUSED = 4\n")
        project.edit(
            "pkg/m.py", "    attr = 1\n", "    attr = 1\n\n    def h(self):\n        return 0\n"
        )
        # K's body changed (a new method): users of K may run; f's users may not.
        check(project.run("--testmon"), must=[], may=["test_g"])

    def test_comment_only_edit_runs_nothing(self, project: Project) -> None:
        record(project, self.PRECISION, "test_f", "test_g")
        project.edit("pkg/m.py", "# the answer", "# the answer, as documented")
        project.edit("pkg/m.py", "LIMIT = 3", "LIMIT = 3  # a comment")
        project.edit("tests/test_m.py", "def test_g():", "# about g\ndef test_g():")
        assert project.run("--testmon").ran == []

    def test_formatting_only_edit_runs_nothing(self, project: Project) -> None:
        record(project, self.PRECISION, "test_f", "test_g")
        project.edit("pkg/m.py", "LIMIT = 3", "LIMIT   =   3")
        project.edit("pkg/m.py", "\n\nclass K:", "\n\n\n\nclass K:")
        project.edit("tests/test_m.py", "assert f() == 3", "assert f( ) == 3")
        assert project.run("--testmon").ran == []

    def test_unused_constant_edit_runs_nothing(self, project: Project) -> None:
        record(project, self.PRECISION, "test_f", "test_g")
        project.edit("pkg/m.py", "SPARE = 1", "SPARE = 2")
        assert project.run("--testmon").ran == []


class TestImportTimeCalls:
    """Functions that run while a module is imported (a registry filled at import, a
    decorator, parametrize data built through helpers) change state that tests read
    without running those functions; and an import that now fails must show in every
    test file that imports the module, including files none of whose tests is
    affected (pytest-testmon 2.2.0 and name rules alone miss both)."""

    REGISTRY: ClassVar[dict[str, str]] = {
        "pkg/__init__.py": """
            from pkg import sigs

            sigs.create_registry()
        """,
        "pkg/sigs.py": """
            registry = {}

            def count(x):
                return x + 1

            def expand(x):
                return count(x)

            def create_registry():
                registry["a"] = expand(1)

            def lookup(key):
                return registry[key]
        """,
        "pkg/other.py": """
            def other():
                return 1
        """,
        "tests/test_sigs.py": """
            import pkg
            from pkg.sigs import lookup

            def test_lookup():
                assert lookup("a") == 2
        """,
        "tests/test_other.py": """
            import pkg
            from pkg.other import other

            def test_other():
                assert other() == 1
        """,
    }

    @pytest.mark.parametrize("importer", ["test-files", "conftest"])
    def test_function_run_at_import_fills_a_registry(self, project: Project, importer: str) -> None:
        """toolz: ``create_signature_registry()`` runs at import and calls helpers; a
        test reads the registry but never runs them. Also when the root conftest.py
        does the first import (before any test file is collected)."""
        files = dict(self.REGISTRY)
        if importer == "conftest":
            files["conftest.py"] = "import pkg\n"
        record(project, files, "test_lookup", "test_other")
        project.edit("pkg/sigs.py", "return x + 1", "return x + 2")
        # every test may see state built at import: all run, test_lookup fails
        assert "pkg/sigs.py::count changed -> runs when pkg/__init__.py is imported" in (
            project.run("--testmon", "--collect-only", "-v").out
        )
        run = project.run("--testmon")
        check(run, must=["test_lookup"], may=["test_other"], failed=["test_lookup"])
        project.edit("pkg/sigs.py", "return x + 2", "return x + 1")
        check(project.run("--testmon"), must=["test_lookup"], may=["test_other"])
        # a function that does not run at import keeps function-level precision
        project.edit("pkg/other.py", "return 1", "return 0 + 1")
        check(project.run("--testmon"), must=["test_other"])

    def test_parametrize_data_built_through_helpers(self, project: Project) -> None:
        record(
            project,
            {
                "pkg/__init__.py": "",
                "pkg/data.py": """
                    def raw():
                        return [1, 2]

                    def build():
                        return [v for v in raw()]
                """,
                "tests/test_p.py": """
                    import pytest
                    from pkg.data import build

                    CASES = build()

                    @pytest.mark.parametrize("x", CASES)
                    def test_p(x):
                        assert x > 0
                """,
                "tests/test_q.py": """
                    def test_q():
                        assert True
                """,
            },
            "test_p[1]",
            "test_p[2]",
            "test_q",
        )
        project.edit("pkg/data.py", "return [1, 2]", "return [1, -2]")
        run = project.run("--testmon")
        check(run, must=["test_p[1]", "test_p[-2]"], may=["test_q"], failed=["test_p[-2]"])

    IMPORT_ERROR: ClassVar[dict[str, str]] = {
        "pkg/__init__.py": """
            from pkg.core import LIMIT

            CHECK = LIMIT.bit_length()
        """,
        "pkg/core.py": """
            LIMIT = 3

            def f():
                return 1

            def g():
                return 2
        """,
        "tests/test_f.py": """
            import pkg
            from pkg.core import f

            def test_f():
                assert f() == 1
        """,
        "tests/test_g.py": """
            import pkg
            from pkg.core import g

            def test_g():
                assert g() == 2
        """,
    }

    def test_import_error_shows_in_every_test_file(self, project: Project) -> None:
        """No test reads LIMIT or CHECK, so no test is affected by name; but importing
        pkg now raises, and every test file imports pkg: each must report it."""
        record(project, self.IMPORT_ERROR, "test_f", "test_g")
        project.edit("pkg/core.py", "LIMIT = 3", 'LIMIT = "3"')
        run = project.run("--testmon")
        assert run.ret != 0, run.out
        for test_file in ("tests/test_f.py", "tests/test_g.py"):
            assert f"ERROR {test_file}" in run.out, run.out
        project.edit("pkg/core.py", 'LIMIT = "3"', "LIMIT = 4")
        run = project.run("--testmon")
        assert run.ret == 0, run.out
        check(run, must=[])

    def test_only_import_time_edits_import_every_test_file(self, project: Project) -> None:
        """A body-only change of a function that does not run at import leaves the
        test files of unaffected tests unimported; an import-time change imports them
        all (and runs none of their tests when the import works)."""
        files = dict(self.IMPORT_ERROR)
        files["tests/test_g.py"] = (
            textwrap.dedent(files["tests/test_g.py"])
            + 'with open("imported.log", "a") as log:\n    log.write("test_g.py\\n")\n'
        )
        record(project, files, "test_f", "test_g")
        log = project.path / "imported.log"
        log.unlink()
        project.edit("pkg/core.py", "return 1", "return 0 + 1")
        check(project.run("--testmon"), must=["test_f"])
        assert not log.exists()
        project.edit("pkg/core.py", "LIMIT = 3", "LIMIT = 4")
        check(project.run("--testmon"), must=[])
        assert log.read_text() == "test_g.py\n"


# --------------------------------------------------------------------------------------
# 3. Fixtures, conftest hooks, generated tests and the pytest configuration
# --------------------------------------------------------------------------------------
SCOPES = ["function", "class", "module", "package", "session"]


class TestFixturesAndConfiguration:
    """pytest runs fixtures, hooks and ``pytest_generate_tests`` outside the test
    function, some of them once for many tests; the configuration changes every test."""

    @staticmethod
    def scoped_project(scope: str) -> dict[str, str]:
        # package scope belongs to the package whose conftest.py defines the fixture
        return {
            **RES,
            "tests/__init__.py": "",
            "tests/conftest.py": f"""
                import pytest
                from pkg.res import make

                @pytest.fixture(scope="{scope}")
                def res():
                    value = make()
                    yield value
            """,
            "tests/test_a.py": """
                class TestGroup:
                    def test_a1(self, res):
                        assert res == 1

                    def test_a2(self, res):
                        assert res == 1

                def test_a3(res):
                    assert res == 1
            """,
            "tests/test_b.py": """
                from pkg.res import other

                def test_b1(res):
                    assert res == 1

                def test_b_free():
                    assert other() == 1
            """,
        }

    USERS = ("test_a1", "test_a2", "test_a3", "test_b1")

    @pytest.mark.parametrize("scope", SCOPES)
    def test_fixture_helper_changed(self, project: Project, scope: str) -> None:
        record(project, self.scoped_project(scope), *self.USERS, "test_b_free")
        project.edit("pkg/res.py", "return 1", "return 2")
        check(project.run("--testmon"), must=self.USERS, failed=self.USERS)

    @staticmethod
    def finalizer_runs_in(scope: str) -> list[str]:
        """pytest finalizes a module, package or session fixture in the teardown of
        the last test of its scope: test_b_free (it runs last) ran the fixture's code
        after the yield, so it depends on the fixture's block, truly: an error there is
        reported on it."""
        return ["test_b_free"] if scope in ("module", "package", "session") else []

    @pytest.mark.parametrize("scope", SCOPES)
    def test_fixture_body_changed(self, project: Project, scope: str) -> None:
        record(project, self.scoped_project(scope), *self.USERS, "test_b_free")
        project.edit("tests/conftest.py", "value = make()", "value = make() + 1")
        check(
            project.run("--testmon"),
            must=self.USERS,
            may=self.finalizer_runs_in(scope),
            failed=self.USERS,
        )

    @pytest.mark.parametrize("scope", SCOPES)
    def test_fixture_teardown_changed(self, project: Project, scope: str) -> None:
        record(project, self.scoped_project(scope), *self.USERS, "test_b_free")
        project.edit("tests/conftest.py", "yield value", "yield value\n    assert value == 0")
        # The finalizer now errors; every user must run (and the run fails).
        run = project.run("--testmon")
        check(run, must=self.USERS, may=self.finalizer_runs_in(scope))
        assert run.ret != 0

    @pytest.mark.parametrize("scope", SCOPES)
    def test_fixture_used_through_another_fixture(self, project: Project, scope: str) -> None:
        files = appended(
            self.scoped_project(scope),
            "tests/conftest.py",
            "\n@pytest.fixture\ndef wrapped(res):\n    return res\n",
        )
        files["tests/test_c.py"] = """
            def test_c(wrapped):
                assert wrapped == 1
        """
        record(project, files, *self.USERS, "test_b_free", "test_c")
        project.edit("pkg/res.py", "return 1", "return 2")
        must = [*self.USERS, "test_c"]
        check(project.run("--testmon"), must=must, failed=must)

    def test_fixture_params_from_another_module(self, project: Project) -> None:
        files = {
            "data.py": "BACKENDS = ['mem', 'disk']\nOTHER = 1\n",
            "tests/conftest.py": """
                import pytest
                from data import BACKENDS

                @pytest.fixture(params=BACKENDS)
                def backend(request):
                    return request.param
            """,
            "tests/test_backend.py": """
                def test_backend(backend):
                    assert backend in ("mem", "disk")

                def test_plain():
                    pass
            """,
        }
        record(project, files, "test_backend[mem]", "test_backend[disk]", "test_plain")
        project.edit("data.py", "['mem', 'disk']", "['mem', 'sql']")
        check(
            project.run("--testmon"),
            must=["test_backend[sql]"],
            may=["test_backend[mem]"],
            failed=["test_backend[sql]"],
        )

    AUTOUSE: ClassVar[dict[str, str]] = {
        "pkg/__init__.py": "",
        "pkg/state.py": """
            FLAGS = []

            def flag():
                return list(FLAGS)
        """,
        "conftest.py": """
            import pytest

            @pytest.fixture
            def top():
                return 1
        """,
        "tests/conftest.py": """
            import pytest

            @pytest.fixture
            def mid():
                return 1
        """,
        "tests/sub/conftest.py": """
            import pytest

            @pytest.fixture
            def low():
                return 1
        """,
        "tests/test_top.py": """
            from pkg.state import flag

            def test_top(top, mid):
                assert flag() == []
        """,
        "tests/sub/test_low.py": """
            from pkg.state import flag

            def test_low(top, mid, low):
                assert mid == 1
                assert flag() == []
        """,
        "tests/sub/test_low2.py": """
            def test_low2():
                pass
        """,
        "other/test_other.py": """
            def test_other():
                pass
        """,
    }
    ALL = ("test_top", "test_low", "test_low2", "test_other")

    def test_autouse_fixture_added_to_a_conftest(self, project: Project) -> None:
        record(project, self.AUTOUSE, *self.ALL)
        project.edit(
            "tests/sub/conftest.py",
            "import pytest\n",
            "import pytest\nimport pkg.state\n\n"
            "@pytest.fixture(autouse=True)\ndef _flag():\n    pkg.state.FLAGS.append(1)\n"
            "    yield\n    pkg.state.FLAGS.clear()\n",
        )
        check(project.run("--testmon"), must=["test_low", "test_low2"], failed=["test_low"])
        assert project.run("--testmon").ran == ["test_low"]  # failed last time

    def test_autouse_fixture_added_to_the_root_conftest(self, project: Project) -> None:
        record(project, self.AUTOUSE, *self.ALL)
        project.edit(
            "conftest.py",
            "import pytest\n",
            "import pytest\n\n@pytest.fixture(autouse=True)\ndef _skip_all():\n"
            "    pytest.skip('off')\n",
        )
        run = project.run("--testmon")
        check(run, must=self.ALL)
        assert set(run.outcomes.values()) == {"skipped"}, run.outcomes

    def test_autouse_fixture_body_changed(self, project: Project) -> None:
        files = appended(
            self.AUTOUSE,
            "tests/conftest.py",
            "\n@pytest.fixture(autouse=True)\ndef _guard():\n    yield\n",
        )
        record(project, files, *self.ALL)
        project.edit("tests/conftest.py", "    yield\n", "    pytest.skip('off')\n    yield\n")
        run = project.run("--testmon")
        check(run, must=["test_top", "test_low", "test_low2"])
        assert set(run.outcomes.values()) == {"skipped"}, run.outcomes

    @pytest.mark.parametrize(
        ("conftest", "below"),
        [
            ("conftest.py", ALL),
            ("tests/conftest.py", ("test_top", "test_low", "test_low2")),
            ("tests/sub/conftest.py", ("test_low", "test_low2")),
        ],
    )
    def test_hook_added_to_a_conftest(
        self, project: Project, conftest: str, below: tuple[str, ...]
    ) -> None:
        record(project, self.AUTOUSE, *self.ALL)
        project.edit(
            conftest,
            "import pytest\n",
            "import pytest\n\ndef pytest_runtest_setup(item):\n    pytest.skip('off')\n",
        )
        run = project.run("--testmon")
        check(run, must=below)
        assert set(run.outcomes.values()) == {"skipped"}, run.outcomes

    @pytest.mark.parametrize(
        "conftest", ["conftest.py", "tests/conftest.py", "tests/sub/conftest.py"]
    )
    def test_collection_hook_changed(self, project: Project, conftest: str) -> None:
        files = appended(
            self.AUTOUSE,
            conftest,
            """
            def pytest_collection_modifyitems(config, items):
                for item in items:
                    pass
            """,
        )
        record(project, files, *self.ALL)
        # pytest calls a session-wide hook of every conftest.py (this one, or
        # pytest_make_parametrize_id, pytest_configure ...) with every item, not only
        # those under its directory: every test is affected.
        project.edit(conftest, "        pass\n", "        item.add_marker(pytest.mark.skip)\n")
        run = project.run("--testmon")
        check(run, must=self.ALL)
        assert set(run.outcomes.values()) == {"skipped"}, run.outcomes

    def test_hook_in_a_plugin_module_changed(self, project: Project) -> None:
        files = {
            **self.AUTOUSE,
            "conftest.py": """
                import pytest

                pytest_plugins = ["myplugin"]

                @pytest.fixture
                def top():
                    return 1
            """,
            "myplugin.py": """
                import pytest

                def pytest_collection_modifyitems(config, items):
                    for item in items:
                        pass
            """,
        }
        record(project, files, *self.ALL)
        # a plugin's hooks act on the whole session
        project.edit("myplugin.py", "        pass\n", "        item.add_marker(pytest.mark.skip)\n")
        run = project.run("--testmon")
        check(run, must=self.ALL)
        assert set(run.outcomes.values()) == {"skipped"}, run.outcomes

    def test_new_conftest_runs_the_tests_below_it_once(self, project: Project) -> None:
        record(project, self.AUTOUSE, *self.ALL)
        project.write(
            {
                "other/conftest.py": """
            def pytest_runtest_setup(item):
                raise RuntimeError("no")
        """
            }
        )
        run = project.run("--testmon")
        check(run, must=["test_other"], failed=["test_other"])
        project.write(
            {
                "other/conftest.py": """
            def pytest_runtest_setup(item):
                pass
        """
            }
        )
        check(project.run("--testmon"), must=["test_other"])
        assert project.run("--testmon").ran == []

    def test_new_import_in_a_conftest_is_local_to_it(self, project: Project) -> None:
        record(project, self.AUTOUSE, *self.ALL)
        # tests/sub/conftest.py now binds FLAGS too; pkg.state.flag reads its own FLAGS,
        # which did not change: nothing can be affected.
        project.edit(
            "tests/sub/conftest.py",
            "import pytest\n",
            "import pytest\nfrom pkg.state import FLAGS\n",
        )
        assert project.run("--testmon").ran == []

    @pytest.mark.parametrize(
        "importer",
        [
            "from tests.conftest import SEP",
            "import tests.conftest as c\nSEP = c.SEP",
            "import importlib\n\nSEP = importlib.import_module('tests.conftest').SEP",
            "import importlib\n\n\ndef sep():\n    return importlib.import_module('tests.conftest')"
            "\n\n\nSEP = sep().SEP",
        ],
    )
    def test_a_conftest_imported_from_outside_its_directory(
        self, project: Project, importer: str
    ) -> None:
        """A conftest's names reach only the tests below it, unless a module imports
        the conftest by a dotted name that no read of the word ``conftest`` shows."""
        files = {
            "tests/__init__.py": "",
            "tests/conftest.py": """
                SEP = ","
            """,
            "tests/test_in.py": """
                def test_in():
                    assert True
            """,
            "test_top.py": f"{importer}\n\n\ndef test_sep():\n    assert SEP == ','\n",
        }
        record(project, files, "test_in", "test_sep")
        project.edit("tests/conftest.py", 'SEP = ","', 'SEP = ";"')
        check(project.run("--testmon"), must=["test_sep"], may=["test_in"], failed=["test_sep"])

    def test_fixture_overridden_in_a_lower_conftest(self, project: Project) -> None:
        record(project, self.AUTOUSE, *self.ALL)
        project.edit(
            "tests/sub/conftest.py",
            "import pytest\n",
            "import pytest\n\n@pytest.fixture\ndef mid():\n    return 2\n",
        )
        # The override reaches only the tests under tests/sub/: test_top keeps the
        # `mid` of tests/conftest.py. A decorated definition in a conftest.py can act on
        # every test under it, so test_low2 may run.
        check(project.run("--testmon"), must=["test_low"], may=["test_low2"], failed=["test_low"])

    def test_new_conftest_overrides_a_fixture(self, project: Project) -> None:
        record(project, self.AUTOUSE, *self.ALL)
        project.write(
            {
                "other/conftest.py": """
            import pytest

            @pytest.fixture(autouse=True)
            def _fail():
                raise RuntimeError("no")
        """
            }
        )
        check(project.run("--testmon"), must=["test_other"], failed=["test_other"])

    GENERATED: ClassVar[dict[str, str]] = {
        "data.py": "NUMBERS = [1, 2]\nWORDS = ['a']\n",
        "tests/conftest.py": """
            from data import NUMBERS

            def pytest_generate_tests(metafunc):
                if "number" in metafunc.fixturenames:
                    metafunc.parametrize("number", NUMBERS)
        """,
        "tests/test_gen.py": """
            def test_num(number):
                assert number < 3

            def test_plain():
                pass
        """,
        "tests/test_local.py": """
            from data import WORDS

            def pytest_generate_tests(metafunc):
                if "word" in metafunc.fixturenames:
                    metafunc.parametrize("word", WORDS)

            def test_word(word):
                assert word == "a"

            def test_local_plain():
                pass
        """,
    }
    GENERATED_TESTS = (
        "test_num[1]",
        "test_num[2]",
        "test_plain",
        "test_word[a]",
        "test_local_plain",
    )

    def test_generate_tests_in_conftest_with_data_from_a_module(self, project: Project) -> None:
        record(project, self.GENERATED, *self.GENERATED_TESTS)
        project.edit("data.py", "NUMBERS = [1, 2]", "NUMBERS = [1, 3]")
        # The hook, which reads NUMBERS, ran for every test function under tests/ (it
        # returns early for most): by function, all of them may run.
        check(
            project.run("--testmon"),
            must=["test_num[3]"],
            may=self.GENERATED_TESTS,
            failed=["test_num[3]"],
        )

    def test_generate_tests_hook_changed(self, project: Project) -> None:
        record(project, self.GENERATED, *self.GENERATED_TESTS)
        project.edit("tests/conftest.py", '"number", NUMBERS)', '"number", [5])')
        # a hook in tests/conftest.py changed: every test under tests/ may run
        check(
            project.run("--testmon"),
            must=["test_num[5]"],
            may=self.GENERATED_TESTS,
            failed=["test_num[5]"],
        )

    def test_generate_tests_in_a_test_module_with_data_from_a_module(
        self, project: Project
    ) -> None:
        record(project, self.GENERATED, *self.GENERATED_TESTS)
        project.edit("data.py", "WORDS = ['a']", "WORDS = ['b']")
        # the module's hook ran for test_local_plain too: by function, it may run
        check(
            project.run("--testmon"),
            must=["test_word[b]"],
            may=["test_local_plain"],
            failed=["test_word[b]"],
        )

    def test_generate_tests_hook_of_a_test_module_changed(self, project: Project) -> None:
        record(project, self.GENERATED, *self.GENERATED_TESTS)
        project.edit("tests/test_local.py", '"word", WORDS)', '"word", ["c"])')
        # the hook of a test module generates that module's tests only
        check(
            project.run("--testmon"),
            must=["test_word[c]"],
            may=["test_local_plain"],
            failed=["test_word[c]"],
        )

    def test_parametrize_ids_from_a_function(self, project: Project) -> None:
        files = {
            "cases.py": """
                def make_cases():
                    return [1, 2]

                def unrelated():
                    return 0
            """,
            "tests/test_cases.py": """
                import pytest
                from cases import make_cases, unrelated

                @pytest.mark.parametrize("n", make_cases())
                def test_case(n):
                    assert n < 3

                def test_unrelated():
                    assert unrelated() == 0
            """,
        }
        record(project, files, "test_case[1]", "test_case[2]", "test_unrelated")
        project.edit("cases.py", "return [1, 2]", "return [1, 2, 4]")
        check(
            project.run("--testmon"),
            must=["test_case[4]"],
            # make_cases ran at collection: every test can see what it built
            may=["test_case[1]", "test_case[2]", "test_unrelated"],
            failed=["test_case[4]"],
        )

    CONFIGS: ClassVar[dict[str, tuple[str, str]]] = {
        "pytest.ini": (
            "[pytest]\nmarkers =\n    slow: slow\n",
            "[pytest]\nmarkers =\n    slow: slow\naddopts = -p no:warnings\n",
        ),
        "pyproject.toml": (
            '[project]\nname = "x"\n\n[tool.pytest.ini_options]\nmarkers = ["slow: slow"]\n',
            '[project]\nname = "x"\n\n[tool.pytest.ini_options]\nmarkers = ["slow: slow"]\n'
            'addopts = "-p no:warnings"\n',
        ),
        "setup.cfg": (
            "[metadata]\nname = x\n\n[tool:pytest]\nmarkers =\n    slow: slow\n",
            "[metadata]\nname = x\n\n[tool:pytest]\nmarkers =\n    slow: slow\n"
            "addopts = -p no:warnings\n",
        ),
        "tox.ini": (
            "[tox]\nenvlist = py\n\n[pytest]\nmarkers =\n    slow: slow\n",
            "[tox]\nenvlist = py\n\n[pytest]\nmarkers =\n    slow: slow\n"
            "addopts = -p no:warnings\n",
        ),
    }
    CONFIG_PROJECT: ClassVar[dict[str, str]] = {
        "pkg/__init__.py": "",
        "pkg/m.py": "def f():\n    return 1\n",
        "tests/test_a.py": """
            from pkg.m import f

            def test_a():
                assert f() == 1
        """,
        "tests/sub/test_b.py": """
            import pytest

            @pytest.mark.slow
            def test_b():
                pass
        """,
    }

    @pytest.mark.parametrize("name", sorted(CONFIGS))
    def test_pytest_configuration_change_runs_everything(self, project: Project, name: str) -> None:
        before, after = self.CONFIGS[name]
        record(project, {**self.CONFIG_PROJECT, name: before}, "test_a", "test_b")
        project.write({name: after})
        check(project.run("--testmon"), must=["test_a", "test_b"])
        assert project.run("--testmon").ran == []

    @pytest.mark.parametrize("name", sorted(CONFIGS))
    def test_pytest_configuration_comment_runs_nothing(self, project: Project, name: str) -> None:
        before, _ = self.CONFIGS[name]
        record(project, {**self.CONFIG_PROJECT, name: before}, "test_a", "test_b")
        project.write({name: before + "# a comment\n"})
        assert project.run("--testmon").ran == []

    @pytest.mark.parametrize("name", ["pyproject.toml", "setup.cfg", "tox.ini"])
    def test_other_tool_section_runs_nothing(self, project: Project, name: str) -> None:
        before, _ = self.CONFIGS[name]
        record(project, {**self.CONFIG_PROJECT, name: before}, "test_a", "test_b")
        project.write(
            {
                name: before.replace("name = ", "name = y").replace("py\n", "py3\n")
                if name != "pyproject.toml"
                else before.replace('"x"', '"y"')
            }
        )
        assert project.run("--testmon").ran == []

    def test_pytest_configuration_change_that_fails_a_test(self, project: Project) -> None:
        files = {
            **self.CONFIG_PROJECT,
            "pytest.ini": "[pytest]\nmarkers =\n    slow: slow\n",
            "tests/test_xpass.py": """
                import pytest

                @pytest.mark.xfail(reason="was flaky")
                def test_xpass():
                    pass
            """,
        }
        record(project, files, "test_a", "test_b", "test_xpass")
        project.edit("pytest.ini", "[pytest]\n", "[pytest]\nxfail_strict = true\n")
        check(
            project.run("--testmon"), must=["test_a", "test_b", "test_xpass"], failed=["test_xpass"]
        )


# --------------------------------------------------------------------------------------
# 4. Dynamic imports, exec, threads
# --------------------------------------------------------------------------------------
class TestDynamicCode:
    """Code reached without a static import: loaded by name, executed from source, or
    run in another thread."""

    PLUGINS: ClassVar[dict[str, str]] = {
        "pkg/__init__.py": "",
        "pkg/loader.py": """
            import importlib

            def load(name):
                return importlib.import_module(f"pkg.plugins.{name}")

            def load_dunder(name):
                return __import__(f"pkg.plugins.{name}", fromlist=["_"])
        """,
        "pkg/plugins/__init__.py": "",
        "pkg/plugins/alpha.py": """
            LEVEL = 1

            def value():
                return 1
        """,
        "pkg/plugins/beta.py": """
            LEVEL = 2

            def value():
                return 2
        """,
        "tests/test_alpha.py": """
            from pkg.loader import load, load_dunder

            def test_alpha():
                assert load("alpha").value() == 1

            def test_alpha_dunder():
                assert load_dunder("alpha").value() == 1

            def test_alpha_level():
                assert load("alpha").LEVEL == 1
        """,
        "tests/test_beta.py": """
            from pkg.loader import load

            def test_beta():
                assert load("beta").value() == 2
        """,
    }
    PLUGIN_TESTS = ("test_alpha", "test_alpha_dunder", "test_alpha_level", "test_beta")

    def test_function_of_a_dynamically_imported_module(self, project: Project) -> None:
        record(project, self.PLUGINS, *self.PLUGIN_TESTS)
        project.edit("pkg/plugins/alpha.py", "return 1", "return 10")
        must = ["test_alpha", "test_alpha_dunder"]
        check(project.run("--testmon"), must=must, failed=must)

    def test_constant_of_a_dynamically_imported_module(self, project: Project) -> None:
        # test_alpha imports pkg.plugins.alpha first (its module code runs in that
        # test); test_alpha_level finds it in sys.modules and reads LEVEL.
        record(project, self.PLUGINS, *self.PLUGIN_TESTS)
        project.edit("pkg/plugins/alpha.py", "LEVEL = 1", "LEVEL = 5")
        # test_beta reads a LEVEL too, of another module: matched by name, it may run.
        # test_alpha and test_alpha_dunder ran alpha's module code (import time).
        check(
            project.run("--testmon"),
            must=["test_alpha_level"],
            may=["test_alpha", "test_alpha_dunder"],
            failed=["test_alpha_level"],
        )

    def test_dynamically_imported_module_deleted(self, project: Project) -> None:
        record(project, self.PLUGINS, *self.PLUGIN_TESTS)
        project.remove("pkg/plugins/alpha.py")
        must = ["test_alpha", "test_alpha_dunder", "test_alpha_level"]
        # The names alpha.py bound are gone; test_beta reads a `value` too (of beta.py):
        # matched by name, it may run.
        check(project.run("--testmon"), must=must, may=["test_beta"], failed=must)

    EXEC: ClassVar[dict[str, str]] = {
        "pkg/__init__.py": "",
        "pkg/runner.py": """
            import runpy
            from pathlib import Path

            ROOT = Path(__file__).parent.parent

            def run_compiled(name):
                path = ROOT / "scripts" / name
                ns = {}
                exec(compile(path.read_text(), str(path), "exec"), ns)
                return ns["RESULT"]

            def run_text(name):
                ns = {}
                exec((ROOT / "scripts" / name).read_text(), ns)
                return ns["RESULT"]

            def run_path(name):
                return runpy.run_path(str(ROOT / "scripts" / name))["RESULT"]
        """,
        "scripts/job_a.py": "RESULT = 1 + 1\n",
        "scripts/job_b.py": "RESULT = 2 + 2\n",
        "scripts/job_c.py": "RESULT = 3 + 3\n",
        "tests/test_exec.py": """
            from pkg.runner import run_compiled, run_path, run_text

            def test_compiled():
                assert run_compiled("job_a.py") == 2

            def test_text():
                assert run_text("job_b.py") == 4

            def test_run_path():
                assert run_path("job_c.py") == 6
        """,
    }

    @pytest.mark.parametrize(
        ("script", "test"),
        [("job_a.py", "test_compiled"), ("job_b.py", "test_text"), ("job_c.py", "test_run_path")],
    )
    def test_exec_of_a_project_file(self, project: Project, script: str, test: str) -> None:
        record(project, self.EXEC, "test_compiled", "test_text", "test_run_path")
        project.edit(f"scripts/{script}", "RESULT = ", "RESULT = 100 + ")
        # Every runner function reads a name RESULT from a namespace: matched by name,
        # the tests of the other scripts may run.
        others = {"test_compiled", "test_text", "test_run_path"} - {test}
        check(project.run("--testmon"), must=[test], may=others, failed=[test])

    def test_script_run_by_path_comment_only(self, project: Project) -> None:
        record(project, self.EXEC, "test_compiled", "test_text", "test_run_path")
        # runpy runs job_c.py as code (fingerprinted): a comment changes nothing.
        project.edit("scripts/job_c.py", "RESULT = 3 + 3", "RESULT = 3 + 3  # six")
        assert project.run("--testmon").ran == []

    def test_script_read_as_text_comment_only(self, project: Project) -> None:
        record(project, self.EXEC, "test_compiled", "test_text", "test_run_path")
        # test_text read the bytes of job_b.py: a comment could matter to it (a test
        # may count lines), so it may run; nothing else may.
        project.edit("scripts/job_b.py", "RESULT = 2 + 2", "RESULT = 2 + 2  # four")
        check(project.run("--testmon"), must=[], may=["test_text"])

    # A README's examples, run by a test: ``exec`` of text we cannot read in the test
    # itself or in a helper it calls, or, with no ``exec`` in the project's code (a
    # plugin that runs Markdown), the names of the file's code blocks.
    EXAMPLES: ClassVar[dict[str, str]] = {
        "pkg/__init__.py": "",
        "pkg/conf.py": """
            VALUE = 1


            def helper():
                return 2
        """,
        "pkg/examples.py": """
            import pathlib
            import re
            import types

            ROOT = pathlib.Path(__file__).parent.parent
            FENCE = re.compile(r"```python\\n(.*?)```", re.S)
            DIRECTIVE = re.compile(r"code-block:: python\\n\\n((?:    .*\\n)+)")


            def blocks(name):
                text = (ROOT / name).read_text()
                found = FENCE.findall(text) + DIRECTIVE.findall(text)
                return [re.sub(r"(?m)^    ", "", b) for b in found]


            def run_all(name):
                for block in blocks(name):
                    exec(block, {})


            def run_without_exec(name):
                for block in blocks(name):
                    types.FunctionType(compile(block, name, "exec"), {})()
        """,
        "README.md": """
            # pkg

            ```python
            from pkg.conf import VALUE
            assert VALUE == 1
            ```
        """,
        "docs/usage.rst": """
            Usage
            =====

            .. code-block:: python

                import pkg.conf
                assert pkg.conf.VALUE == 1

            The end.
        """,
        "tests/test_readme.py": """
            from pkg.examples import blocks, run_all, run_without_exec


            def test_exec_in_the_test():
                for block in blocks("README.md"):
                    exec(block, {})


            def test_exec_in_a_helper():
                run_all("README.md")


            def test_markdown_without_exec():
                run_without_exec("README.md")


            def test_rst_without_exec():
                run_without_exec("docs/usage.rst")
        """,
        "tests/test_helper.py": """
            from pkg.conf import helper


            def test_helper():
                assert helper() == 2
        """,
    }
    EXAMPLE_TESTS = (
        "test_exec_in_a_helper",
        "test_exec_in_the_test",
        "test_helper",
        "test_markdown_without_exec",
        "test_rst_without_exec",
    )

    def test_a_value_read_by_examples_a_test_runs(self, project: Project) -> None:
        """``from pkg.conf import VALUE`` in text a test runs reads the value; no
        function of the test's trace holds it (pkg.conf was imported already)."""
        record(project, self.EXAMPLES, *self.EXAMPLE_TESTS)
        project.edit("pkg/conf.py", "VALUE = 1", "VALUE = 2")
        readers = [t for t in self.EXAMPLE_TESTS if t != "test_helper"]
        check(project.run("--testmon"), must=readers, failed=readers)

    def test_examples_a_test_runs_and_a_function_they_do_not_read(self, project: Project) -> None:
        record(project, self.EXAMPLES, *self.EXAMPLE_TESTS)
        project.edit("pkg/conf.py", "return 2", "return 3")
        check(project.run("--testmon"), must=["test_helper"], failed=["test_helper"])
        project.edit("pkg/conf.py", "return 3", "return 2  # two")
        check(project.run("--testmon"), must=["test_helper"])

    # Examples kept as data, whose names no fingerprint lists (a README's code blocks
    # list theirs), run by ``exec`` reached otherwise than by its name: through an
    # alias of the builtins module, ``getattr`` of it, its namespace.
    SNIPPETS: ClassVar[dict[str, str]] = {
        "pkg/__init__.py": "",
        "pkg/conf.py": EXAMPLES["pkg/conf.py"],
        "pkg/snippets.py": """
            import json
            import pathlib

            ROOT = pathlib.Path(__file__).parent.parent


            def snippets():
                return json.loads((ROOT / "snippets.json").read_text())["examples"]
        """,
        "snippets.json": '{"examples": ["from pkg.conf import VALUE\\nassert VALUE == 1\\n"]}',
        "tests/test_helper.py": EXAMPLES["tests/test_helper.py"],
    }
    ALIASED_RUNNERS: ClassVar[dict[str, str]] = {
        "tests/test_aliases.py": """
            import builtins as bi
            import types

            from pkg.snippets import snippets


            def test_module_alias():
                for code in snippets():
                    bi.exec(code, {})


            def test_local_alias():
                import builtins as b

                for code in snippets():
                    b.eval(b.compile(code, "snippets.json", "exec"), {})


            def test_compile_of_an_alias():
                for code in snippets():
                    types.FunctionType(bi.compile(code, "snippets.json", "exec"), {})()
        """,
    }
    RUNNERS_LOOKED_UP: ClassVar[dict[str, str]] = {
        "tests/test_lookups.py": """
            import builtins
            import builtins as bi

            from pkg.snippets import snippets

            RUNNER = "exec"


            def test_getattr():
                for code in snippets():
                    getattr(builtins, "exec")(code, {})


            def test_getattr_by_a_name():
                for code in snippets():
                    getattr(bi, RUNNER)(code, {})


            def test_vars():
                for code in snippets():
                    vars(builtins)["exec"](code, {})


            def test_dunder_dict():
                for code in snippets():
                    bi.__dict__["exec"](code, {})


            def test_dunder_builtins():
                assert isinstance(__builtins__, dict)  # so in a module other than __main__
                for code in snippets():
                    __builtins__["exec"](code, {})
        """,
    }

    def check_snippets_run_by(self, project: Project, runners: dict[str, str]) -> None:
        """A new value the snippets read reaches each test of ``runners``; a function
        they do not run, only its own test."""
        readers = defined_tests(runners)
        record(project, {**self.SNIPPETS, **runners}, *readers, "test_helper")
        project.edit("pkg/conf.py", "VALUE = 1", "VALUE = 2")
        check(project.run("--testmon"), must=readers, failed=readers)
        project.edit("pkg/conf.py", "VALUE = 2", "VALUE = 1")
        check(project.run("--testmon"), must=readers)
        project.edit("pkg/conf.py", "return 2", "return 3")
        check(project.run("--testmon"), must=["test_helper"], failed=["test_helper"])

    def test_snippets_run_through_an_alias_of_builtins(self, project: Project) -> None:
        self.check_snippets_run_by(project, self.ALIASED_RUNNERS)

    def test_snippets_run_by_a_runner_looked_up_in_builtins(self, project: Project) -> None:
        self.check_snippets_run_by(project, self.RUNNERS_LOOKED_UP)

    def test_snippets_run_through_an_alias_recorded_by_names_version_1(
        self, project: Project
    ) -> None:
        """Version 1 of the names (``fp_names``) did not mark these runners: data it
        recorded is read again on the next run, though no file changed."""
        readers = defined_tests(self.ALIASED_RUNNERS)
        record(project, {**self.SNIPPETS, **self.ALIASED_RUNNERS}, *readers, "test_helper")
        con = sqlite3.connect(project.path / ".testmondata")
        with con:
            con.execute("UPDATE meta SET value='1' WHERE key='fp_names'")
            for path, blob in con.execute("SELECT path, fp FROM file WHERE fp IS NOT NULL"):
                con.execute("UPDATE file SET fp=? WHERE path=?", (without_exec(blob), path))
        con.close()
        assert project.run("--testmon").ran == []  # read again: nothing changed
        project.edit("pkg/conf.py", "VALUE = 1", "VALUE = 2")
        check(project.run("--testmon"), must=readers, failed=readers)

    def test_data_recorded_before_text_files_listed_their_code(self, project: Project) -> None:
        """A version that listed fewer names (no ``<exec>`` mark, no names for a
        README without ``>>>``) recorded the data; the files do not change, so only
        reading them again on the next run gives selection their names now."""
        record(project, self.EXAMPLES, *self.EXAMPLE_TESTS)
        con = sqlite3.connect(project.path / ".testmondata")
        with con:
            con.execute("DELETE FROM meta WHERE key='fp_names'")
            con.execute("UPDATE file SET fp=NULL WHERE path IN ('README.md', 'docs/usage.rst')")
            for path, blob in con.execute("SELECT path, fp FROM file WHERE fp IS NOT NULL"):
                con.execute("UPDATE file SET fp=? WHERE path=?", (without_exec(blob), path))
        con.close()
        assert project.run("--testmon").ran == []  # read again: nothing changed
        project.edit("pkg/conf.py", "VALUE = 1", "VALUE = 2")
        readers = [t for t in self.EXAMPLE_TESTS if t != "test_helper"]
        check(project.run("--testmon"), must=readers, failed=readers)

    # A plugin outside the project that collects a README's code blocks as tests
    # (pytest-codeblocks, sybil): it reads the file while collecting and runs code no
    # trace maps to a file.
    MARKDOWN_PLUGIN = """
        import pytest


        class Block(pytest.Item):
            def __init__(self, *, code, **kwargs):
                super().__init__(**kwargs)
                self.code = code

            def runtest(self):
                exec(self.code, {})


        class Markdown(pytest.File):
            def collect(self):
                parts = self.path.read_text().split("```")
                for i, code in enumerate(parts[1::2]):
                    code = code[len("python") :] if code.startswith("python") else code
                    yield Block.from_parent(self, name=f"block{i}", code=code)


        def pytest_collect_file(parent, file_path):
            if file_path.suffix == ".md":
                return Markdown.from_parent(parent, path=file_path)
    """

    def markdown_project(
        self,
        project: Project,
        tmp_path_factory: pytest.TempPathFactory,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """The README, pkg.conf and test_helper, with the plugin importable from outside
        the project (``-p mdplug``)."""
        outside = tmp_path_factory.mktemp("site")
        (outside / "mdplug.py").write_text(textwrap.dedent(self.MARKDOWN_PLUGIN))
        monkeypatch.syspath_prepend(str(outside))
        kept = ("pkg/__init__.py", "pkg/conf.py", "README.md", "tests/test_helper.py")
        project.write({k: v for k, v in self.EXAMPLES.items() if k in kept})

    def test_examples_another_plugin_collects_from_a_text_file(
        self,
        project: Project,
        tmp_path_factory: pytest.TempPathFactory,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        self.markdown_project(project, tmp_path_factory, monkeypatch)
        first = project.run("-p", "mdplug", "--testmon")
        assert first.ran == ["block0", "test_helper"], first.out
        assert project.run("-p", "mdplug", "--testmon").ran == []
        project.edit("pkg/conf.py", "VALUE = 1", "VALUE = 2")
        check(project.run("-p", "mdplug", "--testmon"), must=["block0"], failed=["block0"])
        project.edit("pkg/conf.py", "VALUE = 2", "VALUE = 1")
        check(project.run("-p", "mdplug", "--testmon"), must=["block0"])
        project.edit("README.md", "assert VALUE == 1", "assert VALUE == 3")
        check(project.run("-p", "mdplug", "--testmon"), must=["block0"], failed=["block0"])
        project.edit("README.md", "assert VALUE == 3", "assert VALUE == 1")
        assert project.run("-p", "mdplug", "--testmon").ran == ["block0"]

    def test_examples_another_plugin_collected_with_data_of_an_older_version(
        self,
        project: Project,
        tmp_path_factory: pytest.TempPathFactory,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """An older version recorded the item as depending on the file, not on its
        code's names; the fingerprints are read again, and a value its code reads
        reaches the file's tests whatever they were recorded with."""
        self.markdown_project(project, tmp_path_factory, monkeypatch)
        assert project.run("-p", "mdplug", "--testmon").ran == ["block0", "test_helper"]
        con = sqlite3.connect(project.path / ".testmondata")
        with con:
            con.execute("DELETE FROM meta WHERE key='fp_names'")
            con.execute(
                "UPDATE dep SET name='<file>' WHERE name='<read>' AND file_id="
                "(SELECT id FROM file WHERE path='README.md')"
            )
        con.close()
        assert project.run("-p", "mdplug", "--testmon").ran == []
        project.edit("pkg/conf.py", "VALUE = 1", "VALUE = 2")
        check(project.run("-p", "mdplug", "--testmon"), must=["block0"], failed=["block0"])

    THREADS: ClassVar[dict[str, str]] = {
        "pkg/__init__.py": "",
        "pkg/work.py": """
            def compute():
                return 1

            def pooled():
                return 2

            def unrelated():
                return 3
        """,
        "tests/test_threads.py": """
            import threading
            from concurrent.futures import ThreadPoolExecutor

            from pkg.work import compute, pooled, unrelated

            def test_thread():
                out = []
                t = threading.Thread(target=lambda: out.append(compute()))
                t.start()
                t.join()
                assert out == [1]

            def test_pool():
                with ThreadPoolExecutor(2) as pool:
                    assert pool.submit(pooled).result() == 2

            def test_unrelated():
                assert unrelated() == 3
        """,
    }

    def test_code_run_in_a_thread(self, project: Project) -> None:
        record(project, self.THREADS, "test_thread", "test_pool", "test_unrelated")
        project.edit("pkg/work.py", "return 1", "return 10")
        check(project.run("--testmon"), must=["test_thread"], failed=["test_thread"])

    def test_code_run_in_a_thread_pool(self, project: Project) -> None:
        record(project, self.THREADS, "test_thread", "test_pool", "test_unrelated")
        project.edit("pkg/work.py", "return 2", "return 20")
        check(project.run("--testmon"), must=["test_pool"], failed=["test_pool"])

    def test_code_run_in_a_thread_started_before_the_test(self, project: Project) -> None:
        files = {
            "pkg/__init__.py": "",
            "pkg/work.py": """
                def compute():
                    return 1

                def unrelated():
                    return 3
            """,
            "tests/test_worker.py": """
                import queue
                import threading

                from pkg.work import compute, unrelated

                JOBS = queue.Queue()
                RESULTS = queue.Queue()

                def _serve():
                    while True:
                        fn = JOBS.get()
                        RESULTS.put(fn())

                threading.Thread(target=_serve, daemon=True).start()

                def test_worker():
                    JOBS.put(compute)
                    assert RESULTS.get(timeout=5) == 1

                def test_unrelated():
                    assert unrelated() == 3
            """,
        }
        record(project, files, "test_worker", "test_unrelated")
        project.edit("pkg/work.py", "return 1", "return 10")
        check(project.run("--testmon"), must=["test_worker"], failed=["test_worker"])


# --------------------------------------------------------------------------------------
# 5. Renamed, moved and deleted files; changed test ids
# --------------------------------------------------------------------------------------
class TestRenamesAndDeletions:
    """Files and tests that appear, move or disappear between runs."""

    BASE: ClassVar[dict[str, str]] = {
        "pkg/__init__.py": "",
        "pkg/m.py": """
            def f():
                return 1

            def g():
                return 1
        """,
        "tests/test_old.py": """
            from pkg.m import f

            def test_f():
                assert f() == 1
        """,
        "tests/test_stay.py": """
            from pkg.m import g

            def test_g():
                assert g() == 1
        """,
    }

    @pytest.mark.parametrize("new", ["tests/test_new.py", "tests/sub/test_old.py"])
    def test_renamed_or_moved_test_file(self, project: Project, new: str) -> None:
        record(project, self.BASE, "test_f", "test_g")
        text = (project.path / "tests/test_old.py").read_text()
        project.remove("tests/test_old.py")
        project.write({new: text})
        run = project.run("--testmon")
        assert run.nodeids == [f"{new}::test_f"], run.out
        assert run.ret == 0
        assert project.run("--testmon").ran == []
        # the old record is gone: an edit of f selects the moved test only
        project.edit("pkg/m.py", "return 1", "return 2")
        run = project.run("--testmon")
        assert run.nodeids == [f"{new}::test_f"], run.out

    def test_deleted_test_file(self, project: Project) -> None:
        record(project, self.BASE, "test_f", "test_g")
        project.remove("tests/test_old.py")
        run = project.run("--testmon")
        assert run.ran == [] and run.ret == 0, run.out
        project.edit("pkg/m.py", "def g():\n    return 1", "def g():\n    return 2")
        check(project.run("--testmon"), must=["test_g"], failed=["test_g"])

    def test_renamed_source_module(self, project: Project) -> None:
        record(project, self.BASE, "test_f", "test_g")
        text = (project.path / "pkg/m.py").read_text()
        project.remove("pkg/m.py")
        project.write({"pkg/m2.py": text.replace("return 1", "return 2", 1)})
        project.edit("tests/test_old.py", "from pkg.m import", "from pkg.m2 import")
        project.edit("tests/test_stay.py", "from pkg.m import", "from pkg.m2 import")
        run = project.run("--testmon")
        check(run, must=["test_f", "test_g"], failed=["test_f"])

    def test_deleted_source_file_imported_by_a_test_module(self, project: Project) -> None:
        files = {
            **self.BASE,
            "pkg/extra.py": "def h():\n    return 1\n",
            "tests/test_extra.py": """
                from pkg.extra import h

                def test_h():
                    assert h() == 1
            """,
        }
        record(project, files, "test_f", "test_g", "test_h")
        project.remove("pkg/extra.py")
        run = project.run("--testmon")
        assert run.ret != 0, run.out
        assert "ModuleNotFoundError" in run.out, run.out
        assert "test_extra.py" in run.out, run.out

    def test_deleted_source_file_imported_in_a_test(self, project: Project) -> None:
        files = {
            **self.BASE,
            "pkg/extra.py": "def h():\n    return 1\n",
            "tests/test_extra.py": """
                def test_h():
                    from pkg.extra import h
                    assert h() == 1

                def test_other():
                    pass
            """,
        }
        record(project, files, "test_f", "test_g", "test_h", "test_other")
        project.remove("pkg/extra.py")
        check(project.run("--testmon"), must=["test_h"], failed=["test_h"])

    def test_deleted_source_file_with_a_fallback(self, project: Project) -> None:
        files = {
            "pkg/__init__.py": "",
            "pkg/fast.py": "def impl():\n    return 'fast'\n",
            "pkg/slow.py": "def impl():\n    return 'slow'\n",
            "pkg/api.py": """
                try:
                    from pkg.fast import impl
                except ImportError:
                    from pkg.slow import impl

                def run():
                    return impl()
            """,
            "pkg/other.py": "def other():\n    return 1\n",
            "tests/test_api.py": """
                from pkg.api import run

                def test_run():
                    assert run() == "fast"
            """,
            "tests/test_other.py": """
                from pkg.other import other

                def test_other():
                    assert other() == 1
            """,
        }
        record(project, files, "test_run", "test_other")
        project.remove("pkg/fast.py")
        check(project.run("--testmon"), must=["test_run"], failed=["test_run"])

    def test_deleted_data_file(self, project: Project) -> None:
        files = {
            "tests/data.txt": "x\n",
            "tests/test_data.py": """
                from pathlib import Path

                def test_data():
                    assert (Path(__file__).parent / "data.txt").read_text() == "x\\n"

                def test_other():
                    pass
            """,
        }
        record(project, files, "test_data", "test_other")
        project.remove("tests/data.txt")
        check(project.run("--testmon"), must=["test_data"], failed=["test_data"])

    PARAM: ClassVar[dict[str, str]] = {
        "pkg/__init__.py": "",
        "pkg/m.py": "def f(n):\n    return n\n",
        "tests/test_p.py": """
            import pytest
            from pkg.m import f

            @pytest.mark.parametrize("n", [1, 2], ids=["one", "two"])
            def test_p(n):
                assert f(n) == n

            @pytest.mark.parametrize("n", [pytest.param(3, id="three")])
            def test_q(n):
                assert f(n) == n

            def test_other():
                pass
        """,
    }
    PARAM_TESTS = ("test_p[one]", "test_p[two]", "test_q[three]", "test_other")

    def test_parametrize_id_changed(self, project: Project) -> None:
        record(project, self.PARAM, *self.PARAM_TESTS)
        project.edit("tests/test_p.py", 'ids=["one", "two"]', 'ids=["uno", "two"]')
        # test_p's decorator changed: all of its cases may run; the renamed one must.
        run = project.run("--testmon")
        check(run, must=["test_p[uno]"], may=["test_p[two]"])
        assert project.run("--testmon").ran == []

    def test_pytest_param_id_changed(self, project: Project) -> None:
        record(project, self.PARAM, *self.PARAM_TESTS)
        project.edit("tests/test_p.py", 'id="three"', 'id="drei"')
        check(project.run("--testmon"), must=["test_q[drei]"])
        assert project.run("--testmon").ran == []

    def test_renamed_test_function(self, project: Project) -> None:
        record(project, self.PARAM, *self.PARAM_TESTS)
        project.edit(
            "tests/test_p.py",
            "def test_other():\n    pass",
            "def test_another():\n    assert False",
        )
        check(project.run("--testmon"), must=["test_another"], failed=["test_another"])
        # failed last time: runs again; the old name is forgotten
        run = project.run("--testmon")
        assert run.ran == ["test_another"], run.out
        project.edit("tests/test_p.py", "assert False", "pass")
        assert project.run("--testmon").ran == ["test_another"]
        assert project.run("--testmon").ran == []


class TestNamesReachedIndirectly:
    """A name of one module read in another way than through its name: a module
    object handed over as a value, a package attribute, a relative import, a class
    found by reflection. Names match without their module, so these run (a review
    found each missed by a rule that tried to keep such names to one module)."""

    CODEC: ClassVar[dict[str, str]] = {
        "pkg/__init__.py": "",
        "pkg/m.py": "import json as codec\n",
        "pkg/other.py": """
            import json as codec

            def load(s):
                return codec.loads(s)
        """,
    }

    def test_module_handed_over_by_a_fixture(self, project: Project) -> None:
        files = dict(self.CODEC)
        files["conftest.py"] = """
            import pytest

            import pkg.m

            @pytest.fixture
            def mod():
                return pkg.m
        """
        files["tests/test_codec.py"] = """
            from pkg.other import load

            def test_dumps(mod):
                assert mod.codec.dumps([1]) == "[1]"

            def test_load():
                assert load("1") == 1
        """
        record(project, files, "test_dumps", "test_load")
        project.edit("pkg/m.py", "import json as codec", "import pickle as codec")
        check(
            project.run("--testmon"), must=["test_dumps"], may=["test_load"], failed=["test_dumps"]
        )

    def test_module_reached_as_an_attribute_of_its_package(self, project: Project) -> None:
        files = dict(self.CODEC)
        files["conftest.py"] = "import pkg.m\n"
        files["tests/test_codec.py"] = """
            import pkg

            def test_dumps():
                assert pkg.m.codec.dumps([1]) == "[1]"
        """
        record(project, files, "test_dumps")
        project.edit("pkg/m.py", "import json as codec", "import pickle as codec")
        check(project.run("--testmon"), must=["test_dumps"], failed=["test_dumps"])

    def test_relative_import_of_a_name_of_the_package(self, project: Project) -> None:
        record(
            project,
            {
                "pkg/__init__.py": "import json as codec\n",
                "pkg/sub.py": """
                    from . import codec

                    def save(v):
                        return codec.dumps(v)
                """,
                "tests/test_sub.py": """
                    from pkg.sub import save

                    def test_save():
                        assert save([1]) == "[1]"
                """,
            },
            "test_save",
        )
        project.edit("pkg/__init__.py", "import json as codec", "import pickle as codec")
        check(project.run("--testmon"), must=["test_save"], failed=["test_save"])

    def test_import_as_reads_the_attribute_of_the_package(self, project: Project) -> None:
        # ``import pkg.core as c`` is getattr(pkg, "core"): the package may rebind it
        record(
            project,
            {
                "pkg/__init__.py": "VERSION = 1\n",
                "pkg/core.py": """
                    def core():
                        return 1

                    def other():
                        return 2
                """,
                "tests/test_core.py": """
                    import pkg.core as c

                    def test_other():
                        assert c.other() == 2
                """,
            },
            "test_other",
        )
        project.edit("pkg/__init__.py", "VERSION = 1", "from .core import core")
        check(project.run("--testmon"), must=["test_other"], failed=["test_other"])

    def test_class_docstring_found_by_reflection(self, project: Project) -> None:
        record(
            project,
            {
                "cmds.py": '''
                    class Command:
                        """Base."""
                        name = ""

                    class Hello(Command):
                        """Say hello."""
                        name = "hello"
                ''',
                "cli.py": """
                    import argparse

                    from cmds import Command

                    def parser():
                        p = argparse.ArgumentParser(prog="tool")
                        sub = p.add_subparsers()
                        for cmd in Command.__subclasses__():
                            sub.add_parser(cmd.name, help=cmd.__doc__)
                        return p
                """,
                # not test_cli.py: pytester runs in this process, beside our own
                "tests/test_commands.py": """
                    from cli import parser

                    def test_help():
                        assert "Say hello." in parser().format_help()
                """,
            },
            "test_help",
        )
        project.edit("cmds.py", '"""Say hello."""', '"""Greet someone."""')
        check(project.run("--testmon"), must=["test_help"], failed=["test_help"])

    def test_special_method_added_to_a_base_found_by_reflection(self, project: Project) -> None:
        record(
            project,
            {
                "a.py": """
                    class A:
                        def ping(self):
                            return 1
                """,
                "b.py": """
                    from a import A

                    class B(A):
                        def __init__(self):
                            super().__init__()
                            self.v = 1
                """,
                "tests/test_b.py": """
                    import b

                    def test_all():
                        found = [c for c in vars(b).values() if isinstance(c, type)]
                        made = [c() for c in found if c.__module__ == "b"]
                        assert made[0].v == 1
                """,
            },
            "test_all",
        )
        project.edit(
            "a.py",
            "    def ping(self):",
            "    def __init__(self, x):\n        self.x = x\n\n    def ping(self):",
        )
        check(project.run("--testmon"), must=["test_all"], failed=["test_all"])

    def test_method_of_a_literal_is_not_the_project_function(self, project: Project) -> None:
        record(
            project,
            {
                "pkg/__init__.py": "",
                "pkg/text.py": """
                    def join(parts, sep="+"):
                        return sep.join(parts)

                    def label(parts):
                        return ",".join(parts)
                """,
                "tests/test_text.py": """
                    from pkg.text import join, label

                    def test_join():
                        assert join(["a", "b"]) == "a+b"

                    def test_label():
                        assert label(["a", "b"]) == "a,b"
                """,
            },
            "test_join",
            "test_label",
        )
        project.edit("pkg/text.py", 'def join(parts, sep="+"):', 'def join(parts, sep="-"):')
        check(project.run("--testmon"), must=["test_join"], failed=["test_join"])


class TestEqualCodeInTwoFiles:
    def test_same_function_in_two_modules(self, project: Project) -> None:
        """Two functions with the same body at the same line of two files are equal
        code objects (their file is not compared): each is a dependency of its own.
        3.12's engine armed the second for recording only if the first was not armed,
        and both engines kept one of them when a test ran both."""
        twin = "def scale(x):\n    return x * 2\n"
        record(
            project,
            {
                "pkg/__init__.py": "",
                "pkg/a.py": twin,
                "pkg/b.py": twin,
                "tests/test_twins.py": """
                    from pkg import a, b

                    def test_a():
                        assert a.scale(1) == 2

                    def test_both():
                        assert a.scale(1) + b.scale(1) == 4

                    def test_b():
                        assert b.scale(1) == 2
                """,
            },
            "test_a",
            "test_b",
            "test_both",
        )
        project.edit("pkg/b.py", "x * 2", "x * 3")
        check(
            project.run("--testmon"), must=["test_b", "test_both"], failed=["test_b", "test_both"]
        )


# A function whose own local shares a module-level name, where the code still reaches
# the module's binding by that name (review of the local-names rule).
LOCAL_BUT_GLOBAL = {
    # ``eval`` runs before the local is bound: it finds the module's FACTOR
    "eval": (
        """
        FACTOR = 2


        def compute(n):
            first = eval("FACTOR * n")
            FACTOR = first + 1
            return FACTOR
        """,
        "assert compute(3) == 7",
        ("FACTOR = 2", "FACTOR = 3"),
    ),
    # a string annotation is looked up in the module, not in the function's locals
    "annotation": (
        """
        from __future__ import annotations

        import typing

        FACTOR = int


        def compute(n):
            def parse(text: str) -> FACTOR:
                return text

            FACTOR = typing.get_type_hints(parse)["return"]
            return FACTOR
        """,
        "assert compute(3) is int",
        ("FACTOR = int", "FACTOR = float"),
    ),
    # ``case P(mode=...)`` reads the attribute ``mode`` of a module
    "match": (
        """
        import types

        mode = "fast"


        def compute(ns):
            match ns:
                case types.ModuleType(mode="fast"):
                    mode = "quick"
                case _:
                    mode = "slow"
            return mode
        """,
        "assert compute(mod) == 'quick'",
        ('mode = "fast"', 'mode = "slow"'),
    ),
    # the same read without a local of that name (missed before the rule too)
    "match-keyword": (
        """
        import types

        mode = "fast"


        def compute(ns):
            match ns:
                case types.ModuleType(mode="fast"):
                    return "quick"
            return "slow"
        """,
        "assert compute(mod) == 'quick'",
        ('mode = "fast"', 'mode = "slow"'),
    ),
    # ``case P(1)`` reads ``P.__match_args__`` and the attribute it names
    "match-positional": (
        """
        class Point:
            __match_args__ = ("x",)

            def __init__(self):
                self.x, self.y = 1, 2


        def compute(n):
            match Point():
                case Point(1):
                    return 7
            return n
        """,
        "assert compute(3) == 7",
        ('("x",)', '("y",)'),
    ),
}


@pytest.mark.parametrize("case", sorted(LOCAL_BUT_GLOBAL))
def test_a_local_that_still_reaches_the_module_binding(project: Project, case: str) -> None:
    """A function's own local is no read of the module's name, except where code looks
    the name up by its text (``eval``, string annotations) or as an attribute that only
    a pattern spells: the edit must run the test."""
    if case.startswith("match") and sys.version_info < (3, 10):
        pytest.skip("match statements are Python 3.10+")
    source, assertion, (old, new) = LOCAL_BUT_GLOBAL[case]
    files = {
        "pkg/__init__.py": "",
        "pkg/mod.py": source,
        "tests/test_mod.py": f"""
            from pkg import mod
            from pkg.mod import compute


            def test_compute():
                {assertion}


            def test_other():
                pass
        """,
    }
    record(project, files, "test_compute", "test_other")
    project.edit("pkg/mod.py", old, new)
    check(project.run("--testmon"), must=["test_compute"], failed=["test_compute"])

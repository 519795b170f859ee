"""A shared table of selection cases: a project, what happens to it after the first
``--testmon`` run, and which tests must (and may) be selected then.

Most are the scenarios of ``test_safety.py`` (named in ``source``), written as data so
that several checks can share them: ``test_agreement.py`` asks each one of
``pytest-ripple affected --json``, ``pytest --testmon --collect-only`` and a real
``pytest --testmon`` run, which must agree with each other and with the table.

Steps: ``("edit", path, old, new)``, ``("write", path, text)``, ``("remove", path)``,
``("run", *args)`` (a pytest run in between, e.g. a subset run).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, Tuple

Step = Tuple[str, ...]


@dataclass(frozen=True)
class Case:
    name: str
    files: dict[str, str]
    steps: tuple[Step, ...]
    must: frozenset[str]  # short names (the last part of the node id)
    may: frozenset[str] = frozenset()
    source: str = ""  # the test_safety.py test this comes from
    first_fails: bool = False  # the recording run has failures (by design)


def case(
    name: str,
    files: dict[str, str],
    steps: list[Step],
    must: list[str],
    may: Sequence[str] = (),
    source: str = "",
    first_fails: bool = False,
) -> Case:
    return Case(name, files, tuple(steps), frozenset(must), frozenset(may), source, first_fails)


OPS = {
    "pytest.ini": "[pytest]\n",
    "calc/__init__.py": "",
    "calc/ops.py": """
        def add(a, b):
            return a + b


        def mul(a, b):
            return a * b
    """,
    "tests/test_ops.py": """
        from calc.ops import add, mul


        def test_add():
            assert add(2, 3) == 5


        def test_mul():
            assert mul(2, 3) == 6
    """,
}

CONSTANT = {
    "pytest.ini": "[pytest]\n",
    "pkg/__init__.py": "",
    "pkg/b.py": "X = 1\nY = 1\n",
    "pkg/a.py": """
        from pkg.b import X, Y
        from pkg import b

        def uses_x():
            return X

        def uses_y():
            return Y

        def uses_b_x():
            return b.X
    """,
    "tests/test_a.py": """
        from pkg.a import uses_b_x, uses_x, uses_y

        def test_x():
            assert uses_x() == 1

        def test_y():
            assert uses_y() == 1

        def test_b_x():
            assert uses_b_x() == 1
    """,
}

PARAMS = {
    "pytest.ini": "[pytest]\n",
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
}

READS = {
    "pytest.ini": "[pytest]\n",
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
    "tests/expected.txt": "hello\n",
    "tests/test_cfg.py": """
        from pathlib import Path
        from pkg.config import limit, other

        def test_limit():
            assert limit() == 3

        def test_other():
            assert other() == 0

        def test_read():
            assert (Path(__file__).parent / "expected.txt").read_text() == "hello\\n"
    """,
}

FIXTURES = {
    "pytest.ini": "[pytest]\n",
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
    "tests/sub/test_two.py": """
        def test_two(db):
            assert db["rows"] == 3

        def test_three(db):
            assert db["rows"] == 3
    """,
    "tests/test_free.py": """
        import pytest
        from pkg.db import unrelated

        pytestmark = []  # edited below

        def test_free():
            assert unrelated() == 0
    """,
}

SHAPES = {
    "pytest.ini": "[pytest]\n",
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
        from pkg.shapes import Circle, Square

        def test_square():
            assert Square().describe() == "4 sides"

        def test_square_speaks():
            assert Square().speak() == "shape"

        def test_circle():
            assert Circle().area() == 3
    """,
}

BINDINGS = {
    "pytest.ini": "[pytest]\n",
    "pkg/__init__.py": "",
    "pkg/utils.py": """
        import re

        __all__ = ["is_normalized", "other"]

        _pattern = re.compile(r"^[a-z]+$")


        def is_normalized(name):
            return bool(_pattern.match(name))


        def other(x):
            # a comment
            return x + 1


        def broken(x):
            return x / 0
    """,
    "tests/test_utils.py": """
        import pytest
        import pkg.utils as utils
        from pkg.utils import is_normalized, other


        def test_all():
            assert set(utils.__all__) <= set(dir(utils))


        def test_norm():
            assert is_normalized("abc")


        def test_other():
            assert other(1) == 2


        @pytest.mark.xfail(raises=ZeroDivisionError, strict=True)
        def test_xfail():
            utils.broken(1)  # the traceback shows pkg/utils.py: not data the test read
    """,
    "tests/test_always.py": """
        import pytest

        @pytest.mark.testmon_always
        def test_always():
            pass

        def test_never():
            pass
    """,
}

HOOKS = {
    "pytest.ini": "[pytest]\n",
    "tests/test_top.py": "def test_top():\n    pass\n",
    "tests/sub/conftest.py": """
        def pytest_runtest_setup(item):
            item.ran_setup_hook = True
    """,
    "tests/sub/test_low.py": "def test_low():\n    pass\n",
    "tests/other/test_side.py": "def test_side():\n    pass\n",
}

CASES = [
    case(
        "function_body",
        OPS,
        [("edit", "calc/ops.py", "return a + b", "return b + a")],
        ["test_add"],
    ),
    case(
        "comment_only",
        OPS,
        [("edit", "calc/ops.py", "def mul(a, b):", "def mul(a, b):  # multiply")],
        [],
        source="test_comment_only_edit_runs_nothing",
    ),
    case(
        "new_unused_function",
        OPS,
        [
            (
                "edit",
                "calc/ops.py",
                "def mul(a, b):",
                "def unused():\n    return 0\n\n\ndef mul(a, b):",
            )
        ],
        [],
        source="test_new_unused_function_runs_nothing",
    ),
    case(
        "constant_imported_by_name",
        CONSTANT,
        [("edit", "pkg/b.py", "X = 1", "X = 2")],
        ["test_x", "test_b_x"],
        source="test_constant_imported_by_name",
    ),
    case(
        "constant_unused_by_tests",
        CONSTANT,
        [("edit", "pkg/b.py", "Y = 1", "Y = 1\nZ = 0")],
        [],
    ),
    case(
        "parametrize_data_from_another_module",
        PARAMS,
        [("edit", "data.py", "CASES = [1, 2]", "CASES = [1, 3]")],
        ["test_p[3]"],
        ["test_p[1]"],
        source="test_parametrize_data_from_another_module",
    ),
    case(
        "data_file_read_at_import_time",
        READS,
        [("write", "pkg/settings.json", '{"limit": 4}')],
        ["test_limit"],
        ["test_other", "test_read"],
        source="test_data_file_read_at_import_time",
    ),
    case(
        "data_file_read_by_a_test",
        READS,
        [("write", "tests/expected.txt", "bye\n")],
        ["test_read"],
        source="test_data_file_read_by_a_test",
    ),
    case(
        "session_fixture_helper",
        FIXTURES,
        [("edit", "pkg/db.py", '{"rows": 3}', '{"rows": 4}')],
        ["test_one", "test_two", "test_three"],
        source="test_session_fixture_helper_changed",
    ),
    case(
        "pytestmark_changed",
        FIXTURES,
        [
            (
                "edit",
                "tests/test_free.py",
                "pytestmark = []",
                "pytestmark = [pytest.mark.skipif(False, reason='no')]",
            )
        ],
        ["test_free"],
    ),
    case(
        "new_conftest_in_a_directory",
        FIXTURES,
        [("write", "tests/sub/conftest.py", "import pytest\n")],
        ["test_two", "test_three"],
    ),
    case(
        "class_attribute",
        SHAPES,
        [("edit", "pkg/shapes.py", "sides = 4", "sides = 5")],
        ["test_square"],
        ["test_square_speaks"],
        source="test_class_attribute",
    ),
    case(
        "base_class",
        SHAPES,
        [("edit", "pkg/shapes.py", "class Square(Shape):", "class Square(Circle):")],
        ["test_square", "test_square_speaks"],
        source="test_base_class",
    ),
    case(
        "module_bindings_listed_in_dunder_all",
        BINDINGS,
        [
            (
                "edit",
                "pkg/utils.py",
                "return bool(_pattern.match(name))",
                "return bool(_pattern.fullmatch(name))",
            )
        ],
        ["test_norm", "test_always"],
    ),
    case(
        "xfail_after_a_comment_only_edit",
        BINDINGS,
        [("edit", "pkg/utils.py", "# a comment", "# a comment, edited")],
        ["test_always"],
    ),
    case(
        "new_test_file_and_renamed_test",
        OPS,
        [
            (
                "write",
                "tests/test_new.py",
                "from calc.ops import add\n\ndef test_new():\n    assert add(1, 1) == 2\n",
            ),
            ("edit", "tests/test_ops.py", "def test_mul():", "def test_times():"),
        ],
        ["test_new", "test_times"],
        source="test_renamed_test_function",
    ),
    case(
        "deleted_test_file",
        OPS,
        [
            ("write", "tests/test_more.py", "def test_more():\n    pass\n"),
            ("run", "--testmon"),
            ("remove", "tests/test_more.py"),
            ("edit", "calc/ops.py", "return a * b", "return b * a"),
        ],
        ["test_mul"],
        source="test_deleted_test_file",
    ),
    case(
        "subset_run_keeps_the_selection",
        OPS,
        [
            ("edit", "calc/ops.py", "return a + b", "return b + a"),
            ("edit", "calc/ops.py", "return a * b", "return b * a"),
            ("run", "--testmon", "-k", "test_mul"),
        ],
        ["test_add"],
        source="test_subset_run_keeps_the_selection",
    ),
    case(
        "failed_last_time",
        OPS,
        [("edit", "calc/ops.py", "return a + b", "return a - b"), ("run", "--testmon")],
        ["test_add"],
    ),
    case(
        "conftest_hook_for_a_directory",
        HOOKS,
        [("edit", "tests/sub/conftest.py", "= True", "= 1")],
        ["test_low"],
    ),
    case(
        "pytest_configuration",
        HOOKS,
        [("write", "pytest.ini", "[pytest]\nmarkers =\n    slow: slow tests\n")],
        ["test_top", "test_low", "test_side"],
    ),
]

"""Unit tests of selection.py (with changes.py): which tests a change affects, and why.

Each test records a small project into a Store through its public API, as a run with
tracking would have left it, then edits files on disk and asks for the plan.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Iterator, Sequence

import pytest

from pytest_ripple import changes as changes_module
from pytest_ripple.changes import Changes, detect, read_state
from pytest_ripple.fingerprint import MODULE, READ
from pytest_ripple.graph import ModuleIndex
from pytest_ripple.reasons import earlier
from pytest_ripple.selection import Plan, compute
from pytest_ripple.store import FAILED, PASSED, Store
from pytest_ripple.store import TestResult as Result

PY = "cpython3.x"

FILES = {
    "calc/__init__.py": "",
    "calc/consts.py": """
        def base():
            return 2


        RATE = base()
        UNUSED = 0
        CASES = [1, 2]
    """,
    "calc/deco.py": """
        def traced(fn):
            return fn
    """,
    "calc/ops.py": """
        from calc.consts import RATE
        from calc.consts import RATE as FACTOR
        from calc.deco import traced


        def add(a, b=0):
            return a + b


        def mul(a, b):
            return a * b


        def scale(x):
            return x * RATE


        def scale_as(x):
            return x * FACTOR


        def scale_default(x, rate=RATE):
            return x * rate


        @traced
        def sub(a, b):
            return a - b
    """,
    "calc/shapes.py": """
        import functools


        class Base:
            pass


        class Other:
            pass


        class Square(Base):
            sides = 4

            def perimeter(self, side):
                return self.sides * side


        class Circle:
            def perimeter(self, r):
                return 6 * r


        @functools.lru_cache(maxsize=None)
        def area(r):
            return 3 * r * r
    """,
    "data/cases.json": '{"n": 1}\n',
    "conftest.py": """
        def pytest_configure(config):
            config.addinivalue_line("markers", "slow: slow tests")
    """,
    "tests/conftest.py": """
        import pytest


        @pytest.fixture
        def numbers():
            return [1, 2, 3]


        @pytest.fixture
        def word():
            return "w"
    """,
    "tests/test_ops.py": """
        import pytest

        from calc.ops import add, mul, scale, scale_as, scale_default, sub

        pytestmark = [pytest.mark.slow]


        def test_add():
            assert add(1, 2) == 3


        def test_mul():
            assert mul(2, 3) == 6


        def test_scale():
            assert scale(2) == 4


        def test_scale_as():
            assert scale_as(2) == 4


        def test_scale_default():
            assert scale_default(2) == 4


        def test_sub():
            assert sub(3, 2) == 1


        def test_numbers(numbers):
            assert add(*numbers[:2]) == 3
    """,
    "tests/test_shapes.py": """
        from calc.shapes import Circle, Square, area


        def test_square():
            assert Square().perimeter(2) == 8


        def test_circle():
            assert Circle().perimeter(1) == 6


        def test_area():
            assert area(1) == 3
    """,
    "tests/test_param.py": """
        import json

        import pytest

        from calc.consts import CASES


        @pytest.mark.parametrize("n", CASES)
        def test_case(n):
            assert n > 0


        def test_json():
            with open("data/cases.json") as f:
                assert json.load(f)["n"] == 1
    """,
    "tests/sub/__init__.py": "",
    "tests/sub/conftest.py": """
        def pytest_collection_modifyitems(items):
            items.sort(key=lambda item: item.name)
    """,
    "tests/sub/test_deep.py": """
        from calc.ops import add


        def test_deep():
            assert add(0, 0) == 0


        def test_deep_word(word):
            assert word == "w"
    """,
}

OPS = "calc/ops.py"
SHAPES = "calc/shapes.py"
T_OPS = "tests/test_ops.py"
T_SHAPES = "tests/test_shapes.py"
T_PARAM = "tests/test_param.py"
T_DEEP = "tests/sub/test_deep.py"

# What each test executed, as tracking records it: (file, block).
DEPS: dict[str, list[tuple[str, str]]] = {
    f"{T_OPS}::test_add": [(T_OPS, "test_add"), (OPS, "add")],
    f"{T_OPS}::test_mul": [(T_OPS, "test_mul"), (OPS, "mul")],
    f"{T_OPS}::test_scale": [(T_OPS, "test_scale"), (OPS, "scale")],
    f"{T_OPS}::test_scale_as": [(T_OPS, "test_scale_as"), (OPS, "scale_as")],
    f"{T_OPS}::test_scale_default": [(T_OPS, "test_scale_default"), (OPS, "scale_default")],
    f"{T_OPS}::test_sub": [(T_OPS, "test_sub"), (OPS, "sub")],
    f"{T_OPS}::test_numbers": [
        (T_OPS, "test_numbers"),
        (OPS, "add"),
        ("tests/conftest.py", "numbers"),
    ],
    f"{T_SHAPES}::test_square": [(T_SHAPES, "test_square"), (SHAPES, "Square.perimeter")],
    f"{T_SHAPES}::test_circle": [(T_SHAPES, "test_circle"), (SHAPES, "Circle.perimeter")],
    f"{T_SHAPES}::test_area": [(T_SHAPES, "test_area"), (SHAPES, "area")],
    f"{T_PARAM}::test_case[1]": [(T_PARAM, "test_case")],
    f"{T_PARAM}::test_case[2]": [(T_PARAM, "test_case")],
    f"{T_PARAM}::test_json": [(T_PARAM, "test_json"), ("data/cases.json", READ)],
    f"{T_DEEP}::test_deep": [(T_DEEP, "test_deep"), (OPS, "add")],
    f"{T_DEEP}::test_deep_word": [(T_DEEP, "test_deep_word"), ("tests/conftest.py", "word")],
}
ALL = set(DEPS)
UNDER_SUB = {n for n in DEPS if n.startswith("tests/sub/")}


class Recorded:
    """A project on disk and the data file a tracked run of it left."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.store = Store(root / ".testmondata")
        self.store.open()
        with self.store.db.transaction():
            self.env = self.store.save_env("default", PY, "", {})

    def write(self, files: dict[str, str]) -> None:
        for rel, text in files.items():
            p = self.root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(textwrap.dedent(text).lstrip("\n"))

    def save_states(self, paths: Sequence[str]) -> None:
        for rel in paths:
            state = read_state(self.root, rel)
            assert state.fp is not None, rel
            self.store.save_file(
                rel,
                state.mtime_ns,
                state.size,
                state.fp.content,
                state.fp if state.fp.parsed else None,
            )

    def record(
        self,
        deps: dict[str, list[tuple[str, str]]],
        *,
        failed: Sequence[str] = (),
        env: int | None = None,
        paths: Sequence[str] | None = None,
    ) -> None:
        with self.store.db.transaction():
            self.save_states(sorted(FILES) if paths is None else paths)
            self.store.save_tests(
                self.env if env is None else env,
                [Result(n, d, FAILED if n in failed else PASSED, 0.01) for n, d in deps.items()],
            )

    def edit(self, rel: str, old: str, new: str) -> None:
        p = self.root / rel
        text = p.read_text()
        assert old in text, f"{old!r} not in {rel}"
        st = p.stat()
        p.write_text(text.replace(old, new, 1))
        # a later mtime, as a real edit has (an edit within one tick is another matter)
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))

    def remove(self, rel: str) -> None:
        (self.root / rel).unlink()

    def changes(self) -> Changes:
        return detect(self.root, self.store.files())

    def plan(
        self,
        *,
        env: int | None = None,
        everything: str | None = None,
        env_everything: str | None = None,
    ) -> Plan:
        files = self.store.files()
        changes = detect(self.root, files)
        env_id = self.env if env is None else env
        return compute(
            self.store,
            changes,
            files,
            env_id,
            everything=everything,
            env_everything=env_everything,
        )

    def apply(self, plan: Plan) -> None:
        """What a recording run writes before any test finishes: the new file states
        and the tests that are now pending (the store call the run makes)."""
        with self.store.db.transaction():
            self.store.save_changes(
                plan.changes, plan.pending, plan.stale, (plan.env_id, plan.stale_resolved)
            )


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Recorded]:
    rec = Recorded(tmp_path)
    rec.write(FILES)
    rec.record(DEPS)
    yield rec
    rec.store.close()


def assert_affected(plan: Plan, expected: dict[str, Sequence[str]]) -> None:
    """Exactly these tests are affected, each for a reason that names these words."""
    assert set(plan.affected) == set(expected)
    for nodeid, words in expected.items():
        why = plan.affected[nodeid]
        for word in words:
            assert word in why, f"{nodeid}: {word!r} not in {why!r}"


def test_nothing_changed_nothing_affected(project: Recorded) -> None:
    plan = project.plan()
    assert plan.changes.changed == {}
    assert plan.affected == {}
    assert plan.pending == []
    assert set(plan.known) == ALL


def test_a_new_mtime_with_the_same_content_is_no_change(project: Recorded) -> None:
    p = project.root / OPS
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    changes = project.changes()
    assert changes.changed == {}
    assert [s.path for s in changes.touched] == [OPS]
    assert project.plan().affected == {}


def test_the_same_bytes_under_a_new_mtime_are_not_parsed(
    project: Recorded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file saved with an untrusted (racy) mtime is hashed at the next run: the same
    bytes cost a digest, not a fingerprint; other bytes of the same size are parsed."""
    p = project.root / OPS
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    parsed: list[int] = []
    real = changes_module.fingerprint_python

    def counting(data: bytes) -> object:
        parsed.append(len(data))
        return real(data)

    monkeypatch.setattr(changes_module, "fingerprint_python", counting)
    assert [s.path for s in project.changes().touched] == [OPS]
    assert parsed == []
    text = p.read_text()
    p.write_text(text.replace("a * b", "b * a"))  # same size, other bytes
    changes = project.changes()
    assert list(changes.changed) == [OPS] and parsed


@pytest.mark.parametrize(
    ("rel", "old", "new"),
    [
        (OPS, "def mul(a, b):", "# multiply\ndef mul(a, b):"),
        (OPS, "    return a * b", "    return a * b  # product"),
        (OPS, "def mul(a, b):", "def mul(\n    a,\n    b\n):"),
        (SHAPES, "class Circle:", "\n\n# round\nclass Circle:"),
        ("calc/consts.py", "RATE = base()", "RATE = base()  # the rate"),
    ],
)
def test_comment_and_layout_edits_affect_nothing(
    project: Recorded, rel: str, old: str, new: str
) -> None:
    project.edit(rel, old, new)
    plan = project.plan()
    assert list(plan.changes.changed) == [rel]  # seen, compared, found equal
    assert plan.affected == {}


def test_body_edit_affects_the_tests_that_ran_the_function(project: Recorded) -> None:
    project.edit(OPS, "return a + b", "return b + a")
    assert_affected(
        project.plan(),
        {
            f"{T_OPS}::test_add": ["calc/ops.py::add changed"],
            f"{T_OPS}::test_numbers": ["calc/ops.py::add changed"],
            f"{T_DEEP}::test_deep": ["calc/ops.py::add changed"],
        },
    )


def test_method_body_edit_affects_that_method_only(project: Recorded) -> None:
    project.edit(SHAPES, "return 6 * r", "return 6.0 * r")
    assert_affected(project.plan(), {f"{T_SHAPES}::test_circle": ["Circle.perimeter"]})


def test_test_body_edit_affects_that_test_only(project: Recorded) -> None:
    project.edit(T_OPS, "assert mul(2, 3) == 6", "assert mul(3, 2) == 6")
    assert_affected(project.plan(), {f"{T_OPS}::test_mul": ["test_mul"]})


def test_constant_imported_by_name_and_alias(project: Recorded) -> None:
    project.edit("calc/consts.py", "return 2", "return 3")  # RATE = base()
    rate = ["calc/consts.py"]
    assert_affected(
        project.plan(),
        {
            f"{T_OPS}::test_scale": rate,
            f"{T_OPS}::test_scale_as": rate,
            f"{T_OPS}::test_scale_default": rate,
        },
    )


def test_constant_value_edit(project: Recorded) -> None:
    project.edit("calc/consts.py", "RATE = base()", "RATE = base() + 1")
    why = ["calc/consts.py", "RATE"]
    assert_affected(
        project.plan(),
        {
            f"{T_OPS}::test_scale": why,
            f"{T_OPS}::test_scale_as": why,
            f"{T_OPS}::test_scale_default": why,
        },
    )


def test_unused_constant_edit_affects_nothing(project: Recorded) -> None:
    project.edit("calc/consts.py", "UNUSED = 0", "UNUSED = 1")
    assert project.plan().affected == {}


def test_new_unused_function_affects_nothing(project: Recorded) -> None:
    project.edit(OPS, "@traced", "def unused(a):\n    return a\n\n\n@traced")
    assert project.plan().affected == {}


def test_parametrize_data_from_another_module(project: Recorded) -> None:
    project.edit("calc/consts.py", "CASES = [1, 2]", "CASES = [1, 2, -3]")
    why = ["calc/consts.py", "CASES"]
    assert_affected(
        project.plan(), {f"{T_PARAM}::test_case[1]": why, f"{T_PARAM}::test_case[2]": why}
    )


def test_class_attribute_edit(project: Recorded) -> None:
    project.edit(SHAPES, "sides = 4", "sides = 5")
    assert_affected(project.plan(), {f"{T_SHAPES}::test_square": [SHAPES, "Square.sides"]})


def test_base_class_edit(project: Recorded) -> None:
    project.edit(SHAPES, "class Square(Base):", "class Square(Other):")
    assert_affected(project.plan(), {f"{T_SHAPES}::test_square": [SHAPES, "Square"]})


def test_default_argument_edit(project: Recorded) -> None:
    project.edit(OPS, "def add(a, b=0):", "def add(a, b=1):")
    why = [OPS, "add"]
    assert_affected(
        project.plan(),
        {
            f"{T_OPS}::test_add": why,
            f"{T_OPS}::test_numbers": why,
            f"{T_DEEP}::test_deep": why,
        },
    )


def test_wrapper_decorator_argument_edit_affects_the_readers_of_the_name(
    project: Recorded,
) -> None:
    # functools.lru_cache wraps and registers nothing: what it returns is bound to the
    # name, so the code reading ``area`` is affected, not every user of the module.
    project.edit(SHAPES, "lru_cache(maxsize=None)", "lru_cache(maxsize=1)")
    assert_affected(project.plan(), {f"{T_SHAPES}::test_area": [SHAPES, "area"]})


def test_decorator_that_may_register_affects_the_module_users(project: Recorded) -> None:
    # A decorator of the project may register what it decorates anywhere: the users
    # of the whole module are affected.
    project.edit(SHAPES, "@functools.lru_cache(maxsize=None)", "@register(1)")
    project.edit(SHAPES, "import functools", "import functools\n\nfrom calc.deco import register")
    assert_affected(
        project.plan(),
        {
            f"{T_SHAPES}::test_area": [SHAPES],
            f"{T_SHAPES}::test_square": [SHAPES],
            f"{T_SHAPES}::test_circle": [SHAPES],
        },
    )


def test_decorator_body_edit_affects_the_decorated_functions_users(project: Recorded) -> None:
    project.edit("calc/deco.py", "    return fn", "    fn.traced = True\n    return fn")
    assert_affected(project.plan(), {f"{T_OPS}::test_sub": ["calc/deco.py", "traced"]})


def test_decorator_added(project: Recorded) -> None:
    project.edit(OPS, "def mul(a, b):", "@traced\ndef mul(a, b):")
    plan = project.plan()
    assert f"{T_OPS}::test_mul" in plan.affected
    assert not set(plan.affected) & {n for n in ALL if "test_shapes" in n}


def test_fixture_body_edit_affects_its_users(project: Recorded) -> None:
    project.edit("tests/conftest.py", "return [1, 2, 3]", "return [1, 2, 4]")
    assert_affected(project.plan(), {f"{T_OPS}::test_numbers": ["tests/conftest.py", "numbers"]})


def test_fixture_made_autouse_affects_every_test_under_its_directory(project: Recorded) -> None:
    project.edit(
        "tests/conftest.py", "@pytest.fixture\ndef word", "@pytest.fixture(autouse=True)\ndef word"
    )
    plan = project.plan()
    assert set(plan.affected) == ALL  # tests/conftest.py covers every test here
    assert all("tests/conftest.py" in why for why in plan.affected.values())


def test_conftest_session_hook_edit_affects_every_test(project: Recorded) -> None:
    """pytest_collection_modifyitems of a sub-conftest sees every item of the session."""
    project.edit("tests/sub/conftest.py", "item.name", "item.nodeid")
    why = ["tests/sub/conftest.py"]
    assert_affected(project.plan(), {n: why for n in ALL})


def test_conftest_hook_added_affects_every_test_under_its_directory(project: Recorded) -> None:
    project.edit(
        "tests/sub/conftest.py",
        "def pytest_collection_modifyitems",
        "def pytest_runtest_setup(item):\n    raise RuntimeError(item)\n\n\n"
        "def pytest_collection_modifyitems",
    )
    why = ["tests/sub/conftest.py"]
    assert_affected(project.plan(), {n: why for n in UNDER_SUB})


def test_conftest_session_hook_removed_affects_every_test(project: Recorded) -> None:
    (project.root / "tests/sub/conftest.py").write_text("X = 1\n")
    p = project.root / "tests/sub/conftest.py"
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert_affected(project.plan(), {n: ["tests/sub/conftest.py"] for n in ALL})


def test_root_conftest_hook_edit_affects_every_test(project: Recorded) -> None:
    project.edit("conftest.py", "slow: slow tests", "slow: very slow tests")
    plan = project.plan()
    assert set(plan.affected) == ALL
    assert all("conftest.py" in why for why in plan.affected.values())


def test_pytestmark_edit_affects_the_whole_test_file(project: Recorded) -> None:
    project.edit(T_OPS, "pytestmark = [pytest.mark.slow]", "pytestmark = [pytest.mark.skip]")
    ops_tests = {n for n in ALL if n.startswith(T_OPS)}
    assert_affected(project.plan(), {n: [T_OPS, "pytestmark"] for n in ops_tests})


# Test files whose imports reach a module (calc/ops.py imports calc/consts.py).
IMPORT_OPS = {n for n in ALL if n.startswith((T_OPS, T_DEEP))}
IMPORT_CONSTS = IMPORT_OPS | {n for n in ALL if n.startswith(T_PARAM)}


def test_deleted_module_affects_every_test_whose_imports_reach_it(project: Recorded) -> None:
    """Importing calc/ops.py now fails: every test of a file that imports it, directly
    or not, fails in a plain run."""
    project.remove("calc/consts.py")
    plan = project.plan()
    assert plan.changes.changed["calc/consts.py"][1].fp is None
    assert_affected(plan, {n: ["calc/consts.py removed"] for n in IMPORT_CONSTS})
    assert set(plan.import_scopes) == {T_OPS, T_DEEP, T_PARAM}


def test_deleted_module_with_executed_functions(project: Recorded) -> None:
    project.remove(SHAPES)
    why = [f"{SHAPES} removed"]
    assert_affected(project.plan(), {n: why for n in ALL if n.startswith(T_SHAPES)})


def test_data_file_edit_affects_its_readers(project: Recorded) -> None:
    project.edit("data/cases.json", '"n": 1', '"n": 2')
    assert_affected(project.plan(), {f"{T_PARAM}::test_json": ["data/cases.json changed"]})


def test_data_file_read_at_import_time_affects_the_tests_whose_imports_reach_the_module(
    project: Recorded,
) -> None:
    with project.store.db.transaction():
        project.store.save_import_reads([("data/cases.json", "calc/consts.py")])
    project.edit("data/cases.json", '"n": 1', '"n": 2')
    on_import = ["data/cases.json", "calc/consts.py"]
    expected = {n: on_import for n in IMPORT_CONSTS}
    expected[f"{T_PARAM}::test_json"] = ["data/cases.json changed"]
    assert_affected(project.plan(), expected)


def test_data_file_removed(project: Recorded) -> None:
    project.remove("data/cases.json")
    assert_affected(project.plan(), {f"{T_PARAM}::test_json": ["data/cases.json removed"]})


def test_file_that_stops_parsing_affects_every_test_whose_imports_reach_it(
    project: Recorded,
) -> None:
    project.edit(OPS, "def mul(a, b):", "def mul(a, b:")
    assert_affected(project.plan(), {n: [OPS] for n in IMPORT_OPS})


def test_failed_tests_stay_affected(tmp_path: Path) -> None:
    rec = Recorded(tmp_path)
    try:
        rec.write(FILES)
        rec.record(DEPS, failed=[f"{T_OPS}::test_mul"])
        assert_affected(rec.plan(), {f"{T_OPS}::test_mul": ["failed"]})
        rec.edit(OPS, "return a + b", "return b + a")
        plan = rec.plan()
        assert f"{T_OPS}::test_mul" in plan.affected
        assert f"{T_OPS}::test_add" in plan.affected
    finally:
        rec.store.close()


def test_pending_tests_stay_affected_until_they_run(project: Recorded) -> None:
    project.edit(OPS, "return a + b", "return b + a")
    plan = project.plan()
    affected = dict(plan.affected)
    assert set(affected) == {f"{T_OPS}::test_add", f"{T_OPS}::test_numbers", f"{T_DEEP}::test_deep"}
    # A run of tests/sub only: it writes the plan, then the one test it ran.
    project.apply(plan)
    project.record({f"{T_DEEP}::test_deep": DEPS[f"{T_DEEP}::test_deep"]}, paths=[T_DEEP, OPS])
    later = project.plan()
    assert later.changes.changed == {}
    # each with the reason of the earlier run that found it affected
    assert later.affected == {
        n: earlier(why) for n, why in affected.items() if n != f"{T_DEEP}::test_deep"
    }
    # Once they ran, they are up to date.
    project.record({n: DEPS[n] for n in later.affected}, paths=[T_OPS, OPS, "tests/conftest.py"])
    assert project.plan().affected == {}


def test_a_second_change_keeps_the_first_reason(project: Recorded) -> None:
    project.edit(OPS, "return a + b", "return b + a")
    project.apply(project.plan())
    project.edit(OPS, "return a * b", "return b * a")
    plan = project.plan()
    assert set(plan.affected) == {
        f"{T_OPS}::test_add",
        f"{T_OPS}::test_numbers",
        f"{T_DEEP}::test_deep",
        f"{T_OPS}::test_mul",
    }
    assert "add" in plan.affected[f"{T_OPS}::test_add"]
    assert "mul" in plan.affected[f"{T_OPS}::test_mul"]


def test_pytest_configuration_change_affects_every_test_of_every_env(project: Recorded) -> None:
    with project.store.db.transaction():
        other = project.store.save_env("postgres", PY, "", {})
    project.record({f"{T_OPS}::test_add": DEPS[f"{T_OPS}::test_add"]}, env=other)
    why = "pytest.ini changed -> every test"
    plan = project.plan(everything=why)
    assert plan.affected == {n: why for n in ALL}
    assert {(e, n) for e, n, _ in plan.pending} == {(project.env, n) for n in ALL} | {
        (other, f"{T_OPS}::test_add")
    }
    assert {r for _, _, r in plan.pending} == {why}


def test_package_change_affects_every_test_of_this_env_only(project: Recorded) -> None:
    with project.store.db.transaction():
        other = project.store.save_env("postgres", PY, "", {})
    project.record({f"{T_OPS}::test_add": DEPS[f"{T_OPS}::test_add"]}, env=other)
    why = "installed packages changed (requests 2.31 to 2.32) -> every test"
    plan = project.plan(env_everything=why)
    assert plan.affected == {n: why for n in ALL}
    assert {e for e, _, _ in plan.pending} == {project.env}
    assert project.plan(env=other).affected == {}


def test_a_change_marks_the_tests_of_other_envs_stale(project: Recorded) -> None:
    with project.store.db.transaction():
        other = project.store.save_env("postgres", PY, "", {})
    project.record({f"{T_OPS}::test_mul": DEPS[f"{T_OPS}::test_mul"]}, env=other)
    project.edit(OPS, "return a * b", "return b * a")
    plan = project.plan()
    assert set(plan.affected) == {f"{T_OPS}::test_mul"}
    assert {e for e, _, _ in plan.pending} == {project.env}
    assert (other, f"{T_OPS}::test_mul") in {(e, n) for e, n, _, _, _ in plan.stale}
    project.apply(plan)
    assert set(project.plan(env=other).affected) == {f"{T_OPS}::test_mul"}


def test_a_change_another_env_saw_and_reverted_selects_nothing(project: Recorded) -> None:
    """An edit and its revert, both seen by runs of this environment only: the other
    environment's tests were recorded with the file as it is again."""
    with project.store.db.transaction():
        other = project.store.save_env("py311", PY, "", {})
    project.record({f"{T_OPS}::test_mul": DEPS[f"{T_OPS}::test_mul"]}, env=other)
    project.edit(OPS, "return a * b", "return b * a")
    project.apply(project.plan())
    project.edit(OPS, "return b * a", "return a * b")
    project.apply(project.plan())
    plan = project.plan(env=other)
    assert plan.affected == {}
    project.apply(plan)  # the resolved marks are dropped
    assert project.store.stale(other) == []
    # an edit that stays: the other environment runs the test, then forgets the mark
    project.edit(OPS, "return a * b", "return a * b * 1")
    project.apply(project.plan())
    assert set(project.plan(env=other).affected) == {f"{T_OPS}::test_mul"}
    project.record({f"{T_OPS}::test_mul": DEPS[f"{T_OPS}::test_mul"]}, env=other)
    assert project.store.stale(other) == []
    assert project.plan(env=other).affected == {}


def test_unknown_env_knows_no_tests(project: Recorded) -> None:
    project.edit(OPS, "return a + b", "return b + a")
    plan = project.plan(env=0)
    assert plan.known == {} and plan.affected == {}
    # the tests of the known environment are still marked, for it to judge
    assert {n for _, n, _, _, _ in plan.stale} == {
        f"{T_OPS}::test_add",
        f"{T_OPS}::test_numbers",
        f"{T_DEEP}::test_deep",
    }


def test_module_level_dependency_is_affected_by_import_time_edits(tmp_path: Path) -> None:
    # A test that imported a module while it ran depends on its import-time code.
    rec = Recorded(tmp_path)
    try:
        rec.write(FILES)
        deps = {
            "tests/test_late.py::test_late": [
                ("tests/test_late.py", "test_late"),
                ("calc/deco.py", MODULE),
            ]
        }
        rec.record(deps, paths=["tests/test_ops.py", "calc/deco.py"])
        rec.edit("calc/deco.py", "def traced(fn):", "print('imported')\n\n\ndef traced(fn):")
        assert_affected(rec.plan(), {"tests/test_late.py::test_late": ["calc/deco.py"]})
    finally:
        rec.store.close()


def test_plan_groups_known_tests_by_file(project: Recorded) -> None:
    by_file = project.plan().test_files()
    assert set(by_file) == {T_OPS, T_SHAPES, T_PARAM, T_DEEP}
    assert sorted(by_file[T_PARAM]) == sorted(n for n in ALL if n.startswith(T_PARAM))


# Names that only the module binding them (and its importers) can read: a module
# rebound by an import, a class's docstring and special methods, str methods.
OWN = {
    "lib/__init__.py": "",
    "lib/codec.py": """
        import json


        def dump(x):
            return json.dumps(x)
    """,
    "lib/other.py": """
        import json


        def load(s):
            return json.loads(s)
    """,
    "lib/star.py": """
        from lib.codec import *


        def dump_twice(x):
            return json.dumps(x) * 2
    """,
    "lib/alias.py": """
        from lib.codec import json as codec_json


        def via(x):
            return codec_json.dumps(x)
    """,
    "lib/attr.py": """
        import json

        import lib.codec


        def through(x):
            return lib.codec.json.dumps(x)
    """,
    "lib/mods.py": """
        import lib.other as other_mod


        def use(s):
            return other_mod.load(s)
    """,
    "lib/text.py": """
        def join(parts):
            \"\"\"Join parts.\"\"\"
            return "+".join(parts)


        def label(parts):
            return ",".join(parts)
    """,
    "lib/shapes.py": """
        class Box:
            \"\"\"A box.\"\"\"

            def size(self):
                return 1


        class Bag:
            def size(self):
                return 2


        def describe(obj):
            return obj.__doc__


        def make_box():
            return Box()
    """,
}
T_LIB = "tests/test_lib.py"
OWN_DEPS: dict[str, list[tuple[str, str]]] = {
    f"{T_LIB}::test_dump": [("lib/codec.py", "dump")],
    f"{T_LIB}::test_load": [("lib/other.py", "load")],
    f"{T_LIB}::test_star": [("lib/star.py", "dump_twice")],
    f"{T_LIB}::test_alias": [("lib/alias.py", "via")],
    f"{T_LIB}::test_attr": [("lib/attr.py", "through")],
    f"{T_LIB}::test_mods": [("lib/mods.py", "use"), ("lib/other.py", "load")],
    f"{T_LIB}::test_join": [("lib/text.py", "join")],
    f"{T_LIB}::test_label": [("lib/text.py", "label")],
    f"{T_LIB}::test_box": [("lib/shapes.py", "Box.size")],
    f"{T_LIB}::test_bag": [("lib/shapes.py", "Bag.size")],
    f"{T_LIB}::test_describe_bag": [("lib/shapes.py", "describe")],
    f"{T_LIB}::test_describe_made_box": [
        ("lib/shapes.py", "describe"),
        ("lib/shapes.py", "make_box"),
    ],
}


@pytest.fixture
def own(tmp_path: Path) -> Iterator[Recorded]:
    rec = Recorded(tmp_path)
    rec.write(OWN)
    rec.record(
        {n: [(T_LIB, n.rsplit("::", 1)[1]), *d] for n, d in OWN_DEPS.items()}, paths=sorted(OWN)
    )
    yield rec
    rec.store.close()


def test_a_module_rebound_by_an_import_reaches_the_readers_that_can_see_it(
    own: Recorded,
) -> None:
    # A module object travels as a value (a fixture returns it, importlib finds it,
    # ``pkg.m.json``): every attribute ``json`` may be this one, and so is the bare
    # ``json`` of the module itself, of a star import, of ``from ... import json``.
    # ``lib/other.py`` reads only its own ``import json``.
    own.edit("lib/codec.py", "import json", "import pickle as json")
    why = ["lib/codec.py"]  # "::json changed"; 3.9 knows no stdlib: "::<module> changed"
    expected = ["test_dump", "test_star", "test_alias", "test_attr"]
    assert_affected(own.plan(), {f"{T_LIB}::{name}": why for name in expected})


def test_an_import_reads_the_attributes_it_names_and_no_module(own: Recorded) -> None:
    # ``import lib.other as other_mod`` is getattr(lib, "other"): a binding named
    # ``other`` anywhere may be it (names match without module)
    own.edit("lib/text.py", "def label(parts):", "other = 3\n\n\ndef label(parts):")
    assert_affected(
        own.plan(), {f"{T_LIB}::test_mods": ["lib/text.py::other changed", "lib/mods.py"]}
    )
    # ``import lib.other as other_mod`` reads no ``lib``: the import system gives it
    own.edit("lib/text.py", "other = 3", "lib = 3")
    affected = own.plan().affected
    assert f"{T_LIB}::test_mods" not in affected
    # lib/attr.py reads its own ``lib`` (``import lib.codec``); a star import may bind any
    assert {f"{T_LIB}::test_star"} == set(affected)


def test_a_method_of_a_literal_is_no_read_of_a_name(own: Recorded) -> None:
    own.edit("lib/text.py", '"""Join parts."""', '"""Join the parts."""')
    assert_affected(own.plan(), {f"{T_LIB}::test_join": ["lib/text.py::join changed"]})


def test_a_class_docstring_reaches_every_reader_of_docstrings(own: Recorded) -> None:
    # a class found without its name (``__subclasses__()``, ``vars(module)``) shows its
    # docstring to code that reads any ``__doc__``
    own.edit("lib/shapes.py", '"""A box."""', '"""A square box."""')
    why = ["lib/shapes.py::Box"]
    assert_affected(
        own.plan(),
        {
            f"{T_LIB}::test_box": why,
            f"{T_LIB}::test_describe_made_box": why,
            f"{T_LIB}::test_describe_bag": why,
        },
    )


def test_a_special_method_added_reaches_the_users_of_the_class(own: Recorded) -> None:
    own.edit(
        "lib/shapes.py",
        "class Bag:\n",
        "class Bag:\n    def __eq__(self, other):\n        return True\n\n",
    )
    assert_affected(own.plan(), {f"{T_LIB}::test_bag": ["lib/shapes.py::Bag.__eq__ changed"]})


@pytest.mark.parametrize(
    ("importer", "name", "found"),
    [
        ("pkg/api.py", "pkg.wrap", "pkg/wrap.py"),
        ("pkg/api.py", "pkg", "pkg/__init__.py"),
        ("pkg/api.py", ".wrap", "pkg/wrap.py"),
        ("pkg/sub/mod.py", "..wrap", "pkg/wrap.py"),
        ("pkg/api.py", ".", "pkg/__init__.py"),
        ("pkg/api.py", "pkg.wrap.hooks", None),  # an attribute of a module
        ("pkg/api.py", "pkg._fast", None),  # no source file: a C extension, a .pyc
        ("pkg/api.py", "util", None),  # two files of that name
        ("pkg/api.py", "json", None),  # the standard library
    ],
)
def test_the_file_of_a_module(importer: str, name: str, found: str | None) -> None:
    """``ModuleIndex.module_file``: one project file, or None; a package's prefix is
    not its submodule (``resolve`` gives the packages an import runs too)."""
    files = ["pkg/__init__.py", "pkg/wrap.py", "pkg/sub/__init__.py", "pkg/sub/mod.py"]
    files += ["a/util.py", "b/util.py"]
    assert ModuleIndex(files).module_file(importer, name) == found

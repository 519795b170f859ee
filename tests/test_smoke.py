from __future__ import annotations

from conftest import Project

FILES = {
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


def test_edit_runs_only_the_users_of_the_edited_function(project: Project) -> None:
    project.write(FILES)
    assert project.run("--testmon").ran == ["test_add", "test_mul"]
    assert project.run("--testmon").ran == []
    project.edit("calc/ops.py", "return a + b", "return b + a")
    run = project.run("--testmon")
    assert run.ran == ["test_add"]
    run.result.stdout.fnmatch_lines(["testmon: 1 file changed, 1 of 2 tests affected*"])

from __future__ import annotations

from helpers import ADD, CALC, Project


def test_edit_runs_only_the_users_of_the_edited_function(project: Project) -> None:
    project.write(CALC)
    assert project.run("--testmon").ran == ["test_add", "test_mul"]
    assert project.run("--testmon").ran == []
    project.edit("calc.py", *ADD)
    run = project.run("--testmon")
    assert run.ran == ["test_add"]
    run.result.stdout.fnmatch_lines(["testmon: 1 file changed, 1 of 2 tests affected*"])

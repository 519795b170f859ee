"""``pytest-ripple affected --json`` answers what ``pytest --testmon --collect-only``
would select, without starting pytest: checked both ways on every case of the shared
table (``selection_table.py``), and against a real ``pytest --testmon`` run and the table."""

from __future__ import annotations

import json
import textwrap

import pytest

from helpers import Project
from pytest_ripple import cli
from selection_table import CASES, Case


def apply(project: Project, case: Case) -> None:
    for step in case.steps:
        kind, *args = step
        if kind == "edit":
            project.edit(*args)
        elif kind == "write":
            project.write({args[0]: args[1]})
        elif kind == "remove":
            project.remove(args[0])
        elif kind == "run":
            project.run(*args)
        else:  # pragma: no cover - a typo in the table
            raise ValueError(step)


def affected_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    capsys.readouterr()
    assert cli.main(["affected", "--json", *args]) == 0
    doc: dict[str, object] = json.loads(capsys.readouterr().out)
    return doc


def collect_only(project: Project) -> list[str]:
    run = project.run("--testmon", "--collect-only", "-q")
    calls = run.result.reprec.getcalls("pytest_collection_finish")  # type: ignore[attr-defined]
    return [item.nodeid for item in calls[-1].session.items]


def function_level(nodeids: set[str]) -> set[str]:
    """Parametrized tests by function: the command line cannot know ids that only a
    new collection makes (``CASES = [1, 3]`` makes ``test_p[3]``)."""
    return {n.split("[", 1)[0] for n in nodeids}


def short(nodeids: set[str]) -> set[str]:
    return {n.rsplit("::", 1)[-1] for n in nodeids}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_affected_agrees_with_collect_only(
    project: Project, capsys: pytest.CaptureFixture[str], case: Case
) -> None:
    project.write(case.files)
    first = project.run("--testmon")
    assert first.ret == 0 or case.first_fails, first.out
    apply(project, case)
    answer = affected_json(capsys)
    listed = set(answer["tests"])  # type: ignore[arg-type]
    selected = set(collect_only(project))
    assert function_level(listed) == function_level(selected), textwrap.dedent(
        f"""
        affected --json:  {sorted(listed)}
        --collect-only:   {sorted(selected)}
        """
    )
    if not any("[" in n for n in listed | selected):
        assert listed == selected
    names = short(selected)
    assert case.must <= names, f"missed: {sorted(case.must - names)}"
    assert names <= case.must | case.may, f"over-selected: {sorted(names - case.must - case.may)}"
    # the dry run changed nothing: a real run selects the same tests
    run = project.run("--testmon")
    assert set(run.nodeids) == selected, run.out

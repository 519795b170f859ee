"""State a function may leave behind when another module's import runs it (issue 10).

A changed function that ran while module M was imported selects the tests whose
imports reach M. When it may also have left state in its own module (a registry, a
``global``), the tests whose imports reach that module are selected too, unless the
function provably leaves none (``Fingerprint.pure``, ``pure_if``). End to end: record,
edit, re-run, assert exactly which tests ran: the precise cases select fewer tests
than before, the unsafe ones still select the readers of the state.
"""

from __future__ import annotations

import pytest

from helpers import Project
from test_safety import check, record

# lib/cli.py runs label() at its import; tests/test_other.py imports lib/text.py only.
LABEL = {
    "lib/__init__.py": "",
    "lib/text.py": """
        from gettext import gettext as _
        import inspect


        def label(name, *extra, **attrs):
            parts = []
            parts.append(_("Option"))
            parts.append(name.replace("_", "-").lower())
            if attrs.get("required", False):
                parts.append("(required)")
            seen = {}
            for word in sorted(extra, key=lambda w: -len(w)):
                seen[word] = len(word)
            doc = inspect.cleandoc("  a\\n  b")
            return " ".join(parts) + _("{n}").format(n=len(seen)) + doc[:0]


        def other():
            return 1
    """,
    "lib/cli.py": """
        from lib.text import label

        LABEL = label("user_name", "x", required=True)
    """,
    "tests/test_cli.py": """
        from lib.cli import LABEL


        def test_label():
            assert LABEL == "Option user-name (required)1"
    """,
    "tests/test_other.py": """
        from lib.text import other


        def test_other():
            assert other() == 1
    """,
}


def test_text_calls_and_made_containers_leave_nothing(project: Project) -> None:
    """label() calls gettext, inspect.cleandoc, methods of text and of the list and
    dict it made, sorted with a key lambda: it leaves nothing in lib/text.py, so
    test_other (which imports lib/text.py, not lib/cli.py) is not selected."""
    record(project, LABEL, "test_label", "test_other")
    project.edit("lib/text.py", ".lower())", ".upper())")
    check(project.run("--testmon"), must=["test_label"], failed=["test_label"])


# lib/fields.py's Field.__init__ calls lib/util.py's norm() by an absolute import.
FIELDS = {
    "lib/__init__.py": "",
    "lib/util.py": """
        def norm(s):
            return s.strip()
    """,
    "lib/fields.py": """
        from lib import util
        from lib.util import norm

        VERSION = 1


        class Field:
            def __init__(self, name):
                self.name = util.norm(name) + norm("")
    """,
    "tests/test_fields.py": """
        from lib.fields import Field

        F = Field(" a ")


        def test_name():
            assert F.name == "a"
    """,
    "tests/test_plain.py": """
        from lib.fields import VERSION


        def test_version():
            assert VERSION == 1
    """,
}


def test_project_code_called_by_an_absolute_import(project: Project) -> None:
    """Field.__init__ calls the project's own norm() (``from lib import util``): what
    it leaves is norm's doing, judged by itself. test_plain imports lib/fields.py but
    never builds a Field: not selected."""
    record(project, FIELDS, "test_name", "test_version")
    project.edit("lib/fields.py", 'norm("")', 'norm("!")')
    check(project.run("--testmon"), must=["test_name"], failed=["test_name"])


# lib/plugins.py's import runs lib/reg.py's add(); tests/test_reg.py imports lib/reg.py
# only and reads what add() left there (test_1's collection imported lib/plugins.py).
REGISTRY = {
    "lib/__init__.py": "",
    "lib/reg.py": """
        import os

        REG = []


        def add(name):
            out = REG
            out.append(name.upper())
            return name


        def boot(name):
            os.environ.setdefault("RIPPLE_TEST_APP", name.upper())
            return name
    """,
    "lib/plugins.py": """
        from lib.reg import add, boot

        A = add("x1")
        B = boot("app")
    """,
    "tests/test_1.py": "import lib.plugins\n\n\ndef test_1():\n    pass\n",
    "tests/test_reg.py": """
        import os

        from lib.reg import REG


        def test_reg():
            assert REG == ["X1"]


        def test_env():
            assert os.environ["RIPPLE_TEST_APP"] == "APP"
    """,
    "tests/test_other.py": "def test_other():\n    pass\n",
}


def test_a_module_s_list_reached_through_a_local(project: Project) -> None:
    """``out = REG; out.append(...)``: a list the function did not make."""
    record(project, REGISTRY, "test_1", "test_env", "test_reg", "test_other")
    project.edit("lib/reg.py", "out.append(name.upper())", "out.append(name.lower())")
    check(
        project.run("--testmon"), must=["test_1", "test_reg"], may=["test_env"], failed=["test_reg"]
    )


def test_the_environment_set_by_a_call_not_known_to_leave_nothing(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``os.environ.setdefault`` writes the process's environment (``os.environ.get``
    would not). (The runs are in this process: each starts without the variable.)"""
    monkeypatch.delenv("RIPPLE_TEST_APP", raising=False)
    record(project, REGISTRY, "test_1", "test_env", "test_reg", "test_other")
    project.edit("lib/reg.py", '"RIPPLE_TEST_APP", name.upper()', '"RIPPLE_TEST_APP", name')
    monkeypatch.delenv("RIPPLE_TEST_APP")
    check(
        project.run("--testmon"), must=["test_1", "test_env"], may=["test_reg"], failed=["test_env"]
    )

"""Names that code reaches without spelling them as identifiers: a dotted string
(``mock.patch("lib.m.Class.method")``, ``monkeypatch.setattr("lib.m.f", ...)``,
``importlib.import_module("lib.m")``), and a submodule that is an attribute of its
package only because some other module imported it (``import a.b`` sets ``a.b``).

Each scenario records a project, edits it so that a plain run fails some test, and
checks that ``--testmon`` selects that test.
"""

from __future__ import annotations

from typing import ClassVar

import pytest

from helpers import Project
from test_safety import check, record, verify

LIB = {
    "lib/__init__.py": "",
    "lib/m.py": """
        class Client:
            def fetch(self):
                return 1


        def load():
            return 2
    """,
    "lib/use.py": """
        def go():
            return 3
    """,
}


class TestDottedStrings:
    """A test names ``lib.m``'s members only inside a string that ``mock.patch`` or
    ``monkeypatch`` resolves when the test runs."""

    @pytest.mark.parametrize(
        ("body", "old", "new"),
        [
            pytest.param(
                'with mock.patch("lib.m.Client.fetch", return_value=5):\n        assert go() == 3',
                "class Client:",
                "class Remote:",
                id="class gone",
            ),
            pytest.param(
                'with mock.patch("lib.m.Client.fetch", return_value=5):\n        assert go() == 3',
                "def fetch(self):",
                "def get(self):",
                id="method gone",
            ),
            pytest.param(
                'with mock.patch("lib.m.load"):\n        assert go() == 3',
                "def load():",
                "def read():",
                id="function gone",
            ),
            pytest.param(
                'monkeypatch.setattr("lib.m.load", lambda: 9)\n    assert go() == 3',
                "def load():",
                "def read():",
                id="monkeypatch string",
            ),
        ],
    )
    @pytest.mark.parametrize("head", ["", "import lib.m  # noqa: F401\n"], ids=["lazy", "imported"])
    def test_patched_by_string(
        self, project: Project, body: str, old: str, new: str, head: str
    ) -> None:
        files = dict(LIB)
        files["tests/test_use.py"] = (
            f"from unittest import mock\n\n{head}from lib.use import go\n\n\n"
            f"def test_go(monkeypatch):\n    {body}\n\n\n"
            "def test_other():\n    assert go() == 3\n"
        )
        record(project, files, "test_go", "test_other")
        project.edit("lib/m.py", old, new)
        verify(project, "test_go")


class TestSubmoduleAttribute:
    """lib/limits.py's ``import PKG.SUB`` sets ``PKG.SUB``, which lib/own.py reads after
    its own ``import PKG``; nothing sets ``PKG`` by name. Dropping the import breaks it."""

    @pytest.mark.parametrize(
        ("package", "submodule", "other", "use", "extra"),
        [
            pytest.param(
                "wsgiref",
                "util",
                "guess_scheme",
                "wsgiref.util.shift_path_info.__name__",
                {},
                id="standard library",
            ),
            pytest.param(
                "app",
                "helpers",
                "g",
                "app.helpers.f()",
                {
                    "app/__init__.py": "",
                    "app/helpers.py": "def f():\n    return 1\n\n\ndef g():\n    return 2\n",
                },
                id="project",
            ),
        ],
    )
    @pytest.mark.parametrize(
        "form",
        [
            "import {p}.{s}",
            "from {p}.{s} import *  # noqa: F403",
            "from {p} import {s}",
            "from {p}.{s} import {o}",
            "import {p}.{s} as sub",
        ],
    )
    def test_dropped_import(
        self,
        project: Project,
        package: str,
        submodule: str,
        other: str,
        use: str,
        extra: dict[str, str],
        form: str,
    ) -> None:
        line = form.format(p=package, s=submodule, o=other) + "  # noqa: F401\n"
        files = {
            "lib/__init__.py": "",
            "lib/limits.py": f"{line}\n\ndef limit():\n    return 10\n",
            "lib/own.py": f"import {package}\n\n\ndef name():\n    return bool({use})\n",
            "tests/test_own.py": "import lib.limits\nfrom lib.own import name\n\n\n"
            "def test_limit():\n    assert lib.limits.limit() == 10\n\n\n"
            "def test_name():\n    assert name()\n",
            **extra,
        }
        record(project, files, "test_limit", "test_name")
        project.edit("lib/limits.py", line, "")
        verify(project, "test_name")


class TestSubmodulePrecision:
    """A new import in lib/limits.py changes none of its code: it reaches only code that
    reads that submodule as an attribute."""

    FILES: ClassVar[dict[str, str]] = {
        "lib/__init__.py": "",
        "lib/limits.py": "def limit():\n    return 10\n",
        "lib/own.py": "import wsgiref\n\n\ndef name():\n    return wsgiref.util.__name__\n",
        "lib/paths.py": "import os\n\n\ndef join():\n    return os.path.join('a', 'b')\n",
        "tests/test_limits.py": "from lib.limits import limit\n\n\n"
        "def test_limit():\n    assert limit() == 10\n",
        "tests/test_own.py": "import wsgiref.util  # noqa: F401\n\nfrom lib.own import name\n"
        "from lib.paths import join\n\n\n"
        "def test_name():\n    assert name() == 'wsgiref.util'\n\n\n"
        "def test_join():\n    assert join()\n",
    }

    @pytest.mark.parametrize(
        ("line", "selected"),
        [
            pytest.param("import os.path", [], id="os is no package"),
            pytest.param("from json import decoder", [], id="a submodule nobody reads"),
            pytest.param("import wsgiref.util", ["test_name"], id="a submodule read elsewhere"),
        ],
    )
    def test_only_readers(self, project: Project, line: str, selected: list[str]) -> None:
        record(project, self.FILES, "test_limit", "test_name", "test_join")
        project.edit("lib/limits.py", "def limit():", f"{line}  # noqa: F401\n\n\ndef limit():")
        check(project.run("--testmon"), must=selected)


class TestSubclassHook:
    """``isinstance(x, Base)`` for an ABC asks every subclass's ``__subclasshook__``: a
    new one anywhere changes what the check answers, though no code names it."""

    FILES: ClassVar[dict[str, str]] = {
        "lib/__init__.py": "",
        "lib/base.py": "from abc import ABC\n\n\nclass Sized(ABC):\n    pass\n",
        "lib/kinds.py": "from lib.base import Sized\n\n\nclass Box(Sized):\n    pass\n",
        "lib/check.py": "from lib.base import Sized\n\n\n"
        "def is_sized(x):\n    return isinstance(x, Sized)\n",
        "tests/test_check.py": "import lib.kinds  # noqa: F401\n"
        "from lib.check import is_sized\n\n\n"
        "def test_int():\n    assert not is_sized(1)\n\n\n"
        "def test_box():\n    assert is_sized(lib.kinds.Box())\n",
    }
    HOOK = "\n    @classmethod\n    def __subclasshook__(cls, other):\n        return True\n"

    @pytest.mark.parametrize(
        ("old", "new"),
        [
            pytest.param(
                "class Box(Sized):\n    pass\n", f"class Box(Sized):{HOOK}", id="hook added"
            ),
            pytest.param("    pass\n", f"    pass\n\n\nclass Any(Sized):{HOOK}", id="new class"),
        ],
    )
    def test_a_new_hook(self, project: Project, old: str, new: str) -> None:
        record(project, self.FILES, "test_int", "test_box")
        project.edit("lib/kinds.py", old, new)
        verify(project, "test_int")


def test_unittest_loader_lists_a_module(project: Project) -> None:
    """unittest's loader finds a module's TestCase classes without naming them."""
    files = {
        "lib/__init__.py": "",
        "lib/cases.py": "import unittest\n\n\nclass One(unittest.TestCase):\n"
        "    def test_a(self):\n        pass\n",
        "tests/test_load.py": "import unittest\n\nimport lib.cases\n\n\ndef test_count():\n"
        "    suite = unittest.defaultTestLoader.loadTestsFromModule(lib.cases)\n"
        "    assert suite.countTestCases() == 1\n",
    }
    record(project, files, "test_count")
    project.edit(
        "lib/cases.py",
        "class One",
        "class Two(unittest.TestCase):\n    def test_b(self):\n        pass\n\n\nclass One",
    )
    verify(project, "test_count")

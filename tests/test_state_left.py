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
from pytest_ripple.graph import ModuleIndex
from pytest_ripple.selection import _full_name
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
    "tests/test_labels.py": """
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


# Review 38: functions taken as leaving nothing that left state in lib/reg.py (or in
# the process) when lib/plugins.py's import ran them; tests/test_reg.py imports lib/reg.py
# only. Each: (lib/reg.py, what lib/plugins.py runs, test_reg's body, edit old, new).
LEFT = {
    "a-project-module-s-list": (
        "from lib.state import REG\n\n\ndef add(name):\n    REG.append(name.upper())\n",
        "add('x1')",
        'assert REG == ["X1"]',
        "upper",
        "lower",
    ),
    "a-list-by-a-relative-import": (
        "from .state import REG\n\n\ndef add(name):\n    REG.append(name.upper())\n",
        "add('x1')",
        'assert REG == ["X1"]',
        "upper",
        "lower",
    ),
    "a-re-exported-stdlib-setter": (
        "from lib.compat import setdefault_env\n\n\n"
        "def boot(name):\n    setdefault_env('RIPPLE_TEST_REEXPORT', name.upper())\n",
        "boot('app')",
        'import os\n    assert os.environ["RIPPLE_TEST_REEXPORT"] == "APP"',
        "name.upper()",
        "name",
    ),
    "get-on-a-parameter-s-default": (
        "import queue\n\nQ = queue.Queue()\nQ.put(1)\nQ.put(2)\n\n\n"
        "def take(q=Q):\n    return q.get()\n",
        "take()",
        "assert Q.qsize() == 1",
        "return q.get()",
        "return q.get() + q.get()",
    ),
    "rebound-kwargs": (
        "DEFAULTS = {}\n\n\ndef configure(**options):\n"
        "    options = options or DEFAULTS\n    options['debug'] = True\n",
        "configure()",
        'assert DEFAULTS == {"debug": True}',
        "= True",
        "= False",
    ),
    "a-builtin-base-s-method-by-super": (
        "class Names(list):\n    def __iadd__(self, items):\n"
        "        return super().__iadd__(map(str.upper, items))\n\n\nNAMES = Names()\n",
        "NAMES += ['a']",
        'assert NAMES == ["A"]',
        "str.upper",
        "str.lower",
    ),
    "a-bound-method-handed-to-reduce": (
        "import functools\n\nSEEN = {}\n\n\n"
        "def add(*names):\n    return functools.reduce(SEEN.setdefault, names)\n",
        "add('a', 'b', 'c')",
        'assert SEEN == {"a": "b", "b": "c"}',
        "setdefault, names)",
        "setdefault, names[::-1])",
    ),
    "a-bound-method-as-object-hook": (
        "import json\n\nSEEN = []\n\n\n"
        "def load(text):\n    return json.loads(text, object_hook=SEEN.append)\n",
        "load('{\"a\": 1}')",
        'assert SEEN == [{"a": 1}]',
        "loads(text,",
        "loads(text.replace('1', '2'),",
    ),
    "a-module-iterator-consumed": (
        "import itertools\n\nIT = iter(['a', 'b', 'c'])\n\n\n"
        "def first():\n    return ''.join(itertools.islice(IT, 1))\n",
        "first()",
        'assert list(IT) == ["b", "c"]',
        "IT, 1)",
        "IT, 2)",
    ),
    # review 39
    "a-hook-by-a-local": (
        "import json\n\nSEEN = []\n\n\n"
        "def load(text):\n    hook = SEEN.append\n    return json.loads(text, object_hook=hook)\n",
        "load('{\"a\": 1}')",
        'assert SEEN == [{"a": 1}]',
        "loads(text,",
        "loads(text.replace('1', '2'),",
    ),
    "a-hook-as-a-default": (
        "import json\n\nSEEN = []\n\n\n"
        "def load(text, hook=SEEN.append):\n    return json.loads(text, object_hook=hook)\n",
        "load('{\"a\": 1}')",
        'assert SEEN == [{"a": 1}]',
        "loads(text,",
        "loads(text.replace('1', '2'),",
    ),
    "a-partial-of-a-bound-method": (
        "import functools\n\nSEEN = {}\n\n\ndef add(*names):\n"
        "    return functools.reduce(functools.partial(SEEN.setdefault), names)\n",
        "add('a', 'b', 'c')",
        'assert SEEN == {"a": "b", "b": "c"}',
        "setdefault), names)",
        "setdefault), names[::-1])",
    ),
    "a-module-iterator-by-a-local": (
        "import itertools\n\nIT = iter(['a', 'b', 'c'])\n\n\n"
        "def first():\n    it = IT\n    return ''.join(itertools.islice(it, 1))\n",
        "first()",
        'assert list(IT) == ["b", "c"]',
        "it, 1)",
        "it, 2)",
    ),
    "a-module-iterator-joined": (
        "IT = iter(['a', 'b', 'c'])\n\n\n"
        "def first(n):\n    return ', '.join(x for x, _ in zip(IT, range(n)))\n",
        "first(1)",
        'assert list(IT) == ["c"]',  # zip takes one more than it gives
        "range(n)",
        "range(n + 1)",
    ),
    "a-memo-handed-to-deepcopy": (
        "import copy\n\nMEMO = {}\n\n\ndef dup(x):\n    return copy.deepcopy(x, MEMO)\n",
        "dup([1])",
        "assert len(MEMO) == 2",
        "deepcopy(x, MEMO)",
        "deepcopy([x], MEMO)",
    ),
    "a-module-decoder": (
        "import json\n\nSEEN = []\nDECODER = json.JSONDecoder(object_hook=SEEN.append)\n\n\n"
        "def load(text):\n    return DECODER.decode(text)\n",
        "load('{\"a\": 1}')",
        'assert SEEN == [{"a": 1}]',
        "decode(text)",
        "decode(text.replace('1', '2'))",
    ),
    "a-parameter-rebound-to-a-new-list-or-not": (
        "from lib.state import REG\n\n\ndef collect(name, into=None):\n"
        "    if into is None:\n        into = []\n    into.append(name.upper())\n",
        "collect('x1', __import__('lib.state').state.REG)",
        'assert REG == ["X1"]',
        "upper",
        "lower",
    ),
    "a-definition-rebound-under-an-if": (
        "import sys\n\nfrom lib import compat\n\n\n"
        "def add(name):\n    return compat.remember(name.upper())\n",
        "add('x1')",
        'assert __import__("lib.compat").compat.SEEN == ["X1"]',
        "upper",
        "lower",
    ),
    "a-parameter-named-like-a-module": (
        "from lib.state import REG\nfrom lib import hooks\n\n\n"
        "def add(name, hooks=REG):\n    hooks.append(name.upper())\n",
        "add('x1')",
        'assert REG == ["X1"]',
        "upper",
        "lower",
    ),
    "a-cached-class": (
        "from lib import compat\n\n\ndef connect(name):\n    return compat.Conn(name)\n",
        "connect('a')",
        'assert __import__("lib.compat").compat.Conn.cache_info().currsize == 1',
        "return compat.Conn(name)",
        "compat.Conn(name * 2)\n    return compat.Conn(name)",
    ),
}


COMPAT = """
import functools
import os
import sys

setdefault_env = os.environ.setdefault
SEEN = []


def remember(name):
    return name


if sys.platform:
    remember = SEEN.append


@functools.lru_cache(maxsize=None)
class Conn:
    def __init__(self, name):
        self.name = name
"""


@pytest.mark.parametrize("case", list(LEFT.values()), ids=list(LEFT))
def test_state_left_by_a_function_taken_as_leaving_none(
    project: Project, monkeypatch: pytest.MonkeyPatch, case: tuple[str, str, str, str, str]
) -> None:
    """(The runs are in this process: each starts without the variable.)"""
    reg, run, body, old, new = case
    monkeypatch.delenv("RIPPLE_TEST_REEXPORT", raising=False)
    name = run.split("(")[0].split(" ")[0]
    files = {
        "lib/__init__.py": "",
        "lib/state.py": "REG = []\n",
        "lib/compat.py": COMPAT,
        "lib/hooks.py": "def append(x):\n    return x\n",
        "lib/reg.py": reg,
        "lib/plugins.py": f"from lib.reg import {name}\n\n{run}\n",
        "tests/test_1.py": "import lib.plugins\n\n\ndef test_1():\n    pass\n",
        "tests/test_reg.py": "from lib.reg import *  # noqa: F403\n"
        "from lib.state import *  # noqa: F403\n\n\n"
        f"def test_reg():\n    {body}\n",
        "tests/test_other.py": "def test_other():\n    pass\n",
    }
    record(project, files, "test_1", "test_reg", "test_other")
    project.edit("lib/reg.py", old, new)
    monkeypatch.delenv("RIPPLE_TEST_REEXPORT", raising=False)
    check(project.run("--testmon"), must=["test_1", "test_reg"], failed=["test_reg"])


def test_the_full_name_of_a_project_module() -> None:
    """A call through ``import hooks`` is the project's code only when a project module
    is ``hooks`` itself, not one whose name merely ends so (``lib.util.hooks``)."""
    index = ModuleIndex(
        ["src/lib/__init__.py", "src/lib/util/__init__.py", "src/lib/util/hooks.py", "hooks2.py"]
    )
    assert _full_name(index, "src/lib/util/hooks.py") == "lib.util.hooks"
    assert _full_name(index, "src/lib/util/__init__.py") == "lib.util"
    assert _full_name(index, "src/lib/__init__.py") == "lib"
    assert _full_name(index, "hooks2.py") == "hooks2"
    assert index.module_file("src/lib/x.py", "hooks") == "src/lib/util/hooks.py"  # by suffix

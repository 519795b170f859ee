"""Which test files need not be imported: ``decision.knows_every_test`` says whether the
known tests of an unchanged file are all the tests pytest would collect from it. A
wrong "yes" leaves a test that was never run unrun for good; a wrong "no" only costs
an import. The end-to-end side is in test_guide.py (unittest classes and node ids)."""

from __future__ import annotations

import textwrap

import pytest

from pytest_ripple.decision import knows_every_test
from pytest_ripple.fingerprint import fingerprint_python
from pytest_ripple.store import FileRow

FUNCS = ["test"]
CLASSES = ["Test"]


def knows(source: str, *tests: str) -> bool:
    data = textwrap.dedent(source).encode()
    row = FileRow(1, "tests/test_x.py", 0, len(data), "", fingerprint_python(data).dumps())
    return knows_every_test(row, [f"tests/test_x.py::{t}" for t in tests], FUNCS, CLASSES)


UNITTEST = """
    from unittest import TestCase

    class ChunkedTests(TestCase):
        def test_one(self):
            pass

        def test_two(self):
            pass

        def helper(self):
            pass
"""


def test_a_unittest_class_of_any_name_is_known_when_every_method_is() -> None:
    assert knows(UNITTEST, "ChunkedTests::test_one", "ChunkedTests::test_two")
    assert not knows(UNITTEST, "ChunkedTests::test_one")


@pytest.mark.parametrize(
    "header",
    [
        "import unittest\n\nclass ChunkedTests(unittest.TestCase):",
        "import unittest as ut\n\nclass ChunkedTests(ut.TestCase):",
        "from unittest import TestCase as TC\n\nclass ChunkedTests(TC):",
        "import unittest.mock\n\nclass ChunkedTests(unittest.TestCase):",
        "from unittest import IsolatedAsyncioTestCase\n\n"
        "class ChunkedTests(IsolatedAsyncioTestCase):",
    ],
)
def test_every_spelling_of_a_unittest_base_makes_a_collected_class(header: str) -> None:
    source = f"{header}\n    def test_one(self):\n        pass\n"
    assert knows(source, "ChunkedTests::test_one")
    assert not knows(source)


def test_tests_inherited_from_a_class_of_the_same_file_must_be_known() -> None:
    source = """
        from unittest import TestCase

        class PeekableMixinTests:
            def test_mixed_in(self):
                pass

        class PeekableTests(PeekableMixinTests, TestCase):
            def test_own(self):
                pass

        class SeekableTests(PeekableMixinTests, TestCase):
            pass
    """
    every = [
        "PeekableTests::test_own",
        "PeekableTests::test_mixed_in",
        "SeekableTests::test_mixed_in",
    ]
    assert knows(source, *every)
    for missing in every:
        assert not knows(source, *(t for t in every if t != missing)), missing


def test_a_same_file_unittest_base_makes_its_subclass_collected_whatever_its_name() -> None:
    source = """
        import unittest

        class Base(unittest.TestCase):
            def test_base(self):
                pass

        class Derived(Base):
            pass
    """
    assert knows(source, "Base::test_base", "Derived::test_base")
    assert not knows(source, "Base::test_base")


@pytest.mark.parametrize(
    "source",
    [
        # a base from another module may bring tests of its own
        "from helpers import BaseTests\n\nclass ChunkedTests(BaseTests):\n    pass\n",
        "import helpers\n\nclass ChunkedTests(helpers.TestCase):\n    pass\n",
        "from django.test import TestCase\n\nclass ChunkedTests(TestCase):\n    pass\n",
        # a base rebound after its import, or imported from two places
        "from unittest import TestCase\nTestCase = make()\n\nclass ChunkedTests(TestCase):\n"
        "    pass\n",
        "try:\n    from unittest2 import TestCase\nexcept ImportError:\n"
        "    from unittest import TestCase\n\nclass ChunkedTests(TestCase):\n    pass\n",
        # a star import may rebind the base
        "from unittest import TestCase\nfrom helpers import *\n\nclass ChunkedTests(TestCase):\n"
        "    pass\n",
        # a class decorator may add methods; a metaclass or class keyword may too
        "from unittest import TestCase\n\n@add_tests\nclass ChunkedTests(TestCase):\n    pass\n",
        "from unittest import TestCase\n\nclass ChunkedTests(TestCase, metaclass=Meta):\n"
        "    pass\n",
        # the base of a base is unknown
        "from helpers import Mixin\n\nclass Local(Mixin):\n    pass\n\n"
        "class TestLocal(Local):\n    pass\n",
        # a star import binds names unseen: a base, or test classes and functions
        "from helpers import *\n\nclass TestLocal(HelperBase):\n    pass\n",
        "from unittest import *\n\nclass ChunkedTests(TestCase):\n    pass\n",
        "from helpers import *\n\ndef test_one():\n    pass\n",
        "from . import *\n\ndef test_one():\n    pass\n",
        "from .helpers import *\n\ndef test_one():\n    pass\n",
        "import sys\nsetattr(sys.modules[__name__], 'test_two', lambda: None)\n\n"
        "def test_one():\n    pass\n",
        "globals()['Base'] = make()\n\nclass TestLocal(Base):\n    pass\n",
        # a hook of a same-file base runs as the class is made
        "import unittest\n\nclass Base(unittest.TestCase):\n"
        "    def __init_subclass__(cls, **kw):\n        cls.test_extra = lambda self: None\n\n"
        "class ChunkedTests(Base):\n    def test_one(self):\n        pass\n",
        # nested test classes: inherited, or with bases of their own
        "class Base:\n    class TestInner:\n        def test_x(self):\n            pass\n\n"
        "class TestLocal(Base):\n    pass\n",
        "from helpers import Shared\n\nclass TestLocal:\n    class TestInner(Shared):\n"
        "        pass\n",
        # a class body or a later statement that binds unseen
        "import unittest\n\nclass ChunkedTests(unittest.TestCase):\n"
        "    exec('def test_dyn(self): pass')\n\n    def test_one(self):\n        pass\n",
        "class TestLocal:\n    pass\n\nTestLocal.test_new = lambda self: None\n",
        # collected whatever its name
        "class Checks:\n    __test__ = True\n\n    def test_one(self):\n        pass\n",
    ],
)
def test_a_class_whose_tests_may_come_from_elsewhere_is_never_known(source: str) -> None:
    every_visible = [
        "test_one",
        "ChunkedTests::test_one",
        "TestLocal::test_one",
        "TestLocal::TestInner::test_x",
        "Checks::test_one",
    ]
    assert not knows(source, *every_visible)


def test_a_class_on_builtin_or_abc_bases_is_not_a_test_case() -> None:
    source = """
        from collections.abc import Set

        class _FrozenMultiset(Set):
            def test_like(self):
                pass

        class Helper(object):
            def test_like(self):
                pass

        def test_plain():
            pass
    """
    assert knows(source, "test_plain")
    assert not knows(source)


def test_a_plain_test_class_and_its_functions() -> None:
    source = """
        class TestThing:
            def test_a(self):
                pass

            def helper(self):
                pass

        class Helper:
            def test_not_collected(self):
                pass

        def test_b():
            pass
    """
    assert knows(source, "TestThing::test_a", "test_b")
    assert not knows(source, "TestThing::test_a")
    assert not knows(source, "test_b")


def test_a_rebound_class_name_keeps_its_methods_checked() -> None:
    source = """
        class TestThing:
            def test_a(self):
                pass

        TestThing = TestThing
    """
    assert knows(source, "TestThing::test_a")
    assert not knows(source)


def test_statements_that_bind_nothing_unseen_keep_a_file_known() -> None:
    source = """
        import os
        import warnings

        warnings.filterwarnings("ignore")
        with open(os.devnull, "a") as log:
            log.write("imported")

        class TestThing:
            pass

        def test_one():
            pass
    """
    assert knows(source, "test_one")
    assert not knows(source)

"""Unit tests of fingerprint.py: what counts as a change of a Python file, and where."""

from __future__ import annotations

import ast
import json
import textwrap
import types
import warnings
import zlib

import pytest

from helpers import digests
from pytest_ripple.fingerprint import (
    ANY_MODULE,
    ANY_STAR,
    CALLED,
    CALLS_IT,
    COMPUTED,
    FP_VERSION,
    LISTS,
    MARKED,
    MODULE,
    NAMESPACE,
    PARAM,
    READ,
    RUNS_TEXT,
    WHOLE,
    FileChange,
    Fingerprint,
    constructed,
    diff,
    digest,
    fingerprint_python,
    fingerprint_text,
    module_containers,
    used_names,
)


def fp(src: str) -> Fingerprint:
    return fingerprint_python(textwrap.dedent(src).lstrip("\n").encode())


def change(old: str, new: str) -> FileChange:
    return diff(fp(old), fp(new))


BASE = '''
"""A module."""
import os
from collections import OrderedDict as OD

LIMIT = 10
NAMES = ["a", "b", "c"]


def total(values, start=0):
    """Sum values."""
    result = start
    for v in values:
        if v > LIMIT:
            result += v * 2
        else:
            result += os.sep.count(v, 1, 2)
    return result


class Shape(object):
    sides = 4

    def area(self, w, h):
        return w * h


register(total, "name")
'''

# Each variant is BASE with formatting changed only.
FORMATTING_ONLY = {
    "comments": '''
        # leading comment
        """A module."""
        import os  # why os
        from collections import OrderedDict as OD

        LIMIT = 10  # the limit
        NAMES = ["a", "b", "c"]


        def total(values, start=0):  # a comment on the def line
            """Sum values."""
            # a comment line in the body
            result = start
            for v in values:
                if v > LIMIT:
                    result += v * 2  # doubled
                else:
                    result += os.sep.count(v, 1, 2)
            return result
            # a trailing comment


        class Shape(object):
            # a comment in a class body
            sides = 4

            def area(self, w, h):
                return w * h


        register(total, "name")  # registered
    ''',
    "blank lines and trailing spaces": '''
        """A module."""


        import os
        from collections import OrderedDict as OD
        LIMIT = 10   \n        NAMES = ["a", "b", "c"]
        def total(values, start=0):

            """Sum values."""

            result = start

            for v in values:
                if v > LIMIT:   \n                    result += v * 2

                else:
                    result += os.sep.count(v, 1, 2)
            return result
        class Shape(object):
            sides = 4
            def area(self, w, h):

                return w * h
        register(total, "name")
    ''',
    "indentation width": '''
        """A module."""
        import os
        from collections import OrderedDict as OD

        LIMIT = 10
        NAMES = ["a", "b", "c"]


        def total(values, start=0):
          """Sum values."""
          result = start
          for v in values:
                if v > LIMIT:
                   result += v * 2
                else:
                    result += os.sep.count(v, 1, 2)
          return result


        class Shape(object):
          sides = 4

          def area(self, w, h):
                  return w * h


        register(total, "name")
    ''',
    "line breaks inside brackets and backslashes": '''
        """A module."""
        import os
        from collections import (
            OrderedDict as OD
        )

        LIMIT = \\
            10
        NAMES = [
            "a",
            "b",
            "c"
        ]


        def total(
            values,
            start=0
        ):
            """Sum values."""
            result = start
            for v in values:
                if v > \\
                        LIMIT:
                    result += v * 2
                else:
                    result += os.sep.count(
                        v, 1,
                        2)
            return result


        class Shape(
            object
        ):
            sides = 4

            def area(self,
                     w, h):
                return w * h


        register(
            total,
            "name"
        )
    ''',
    "spaces inside lines": '''
        """A module."""
        import   os
        from collections import OrderedDict  as  OD

        LIMIT=10
        NAMES = [ "a","b","c" ]


        def total( values, start = 0 ) :
            """Sum values."""
            result=start
            for v in values :
                if v>LIMIT :
                    result+=v*2
                else :
                    result += os.sep.count( v,1,2 )
            return result


        class Shape( object ) :
            sides  =  4

            def area( self , w , h ) :
                return w*h


        register( total , "name" )
    ''',
    "quote style": """
        '''A module.'''
        import os
        from collections import OrderedDict as OD

        LIMIT = 10
        NAMES = ['a', "b", '''c''']


        def total(values, start=0):
            'Sum values.'
            result = start
            for v in values:
                if v > LIMIT:
                    result += v * 2
                else:
                    result += os.sep.count(v, 1, 2)
            return result


        class Shape(object):
            sides = 4

            def area(self, w, h):
                return w * h


        register(total, 'name')
    """,
}


@pytest.mark.parametrize("variant", sorted(FORMATTING_ONLY))
def test_formatting_only_edits_keep_every_digest(variant: str) -> None:
    old, new = fp(BASE), fp(FORMATTING_ONLY[variant])
    assert new.parsed
    assert old.content != new.content
    assert digests(new) == digests(old)
    assert not diff(old, new).any


def test_crlf_line_endings_keep_every_digest() -> None:
    src = textwrap.dedent(BASE).lstrip("\n") + 'TEXT = """two\nlines"""\n'
    lf = fingerprint_python(src.encode())
    crlf = fingerprint_python(src.replace("\n", "\r\n").encode())
    assert crlf.parsed
    assert digests(crlf) == digests(lf)
    assert not diff(lf, crlf).any


def test_statements_joined_by_semicolons_are_formatting() -> None:
    ch = change(
        """
        def f():
            a = 1
            b = 2
            return a + b
        """,
        """
        def f():
            a = 1; b = 2
            return a + b
        """,
    )
    assert not ch.any


def test_one_line_body_split_onto_its_own_line_is_formatting() -> None:
    # What a formatter (black, ruff format) does to `if x: return y`.
    ch = change(
        """
        def f(x):
            if x: return 1
            return 2
        """,
        """
        def f(x):
            if x:
                return 1
            return 2
        """,
    )
    assert not ch.any


FUNCS = """
def f(a, b):
    return a + b


def g(a):
    return [a] * 3


class C:
    def m(self, x):
        return x - 1
"""


@pytest.mark.parametrize(
    ("old", "new", "block"),
    [
        ("return a + b", "return a - b", "f"),
        ("return a + b", "return b + a", "f"),
        ("return a + b", "return (a + b)", "f"),
        ("return a + b", "return a + b + 0", "f"),
        ("return a + b", "print(a)\n    return a + b", "f"),
        ("return [a] * 3", "return [a] * 4", "g"),
        ("return [a] * 3", "return [a] * 3.0", "g"),
        ("return [a] * 3", "return [a, None] * 3", "g"),
        ("return x - 1", "return x - True", "C.m"),
        ("return x - 1", "return self - 1", "C.m"),
    ],
)
def test_token_change_in_a_function_changes_that_block_only(old: str, new: str, block: str) -> None:
    assert old in FUNCS
    before, after = fp(FUNCS), fp(FUNCS.replace(old, new))
    ch = diff(before, after)
    assert ch.blocks == {block}
    assert ch.body_only == {block}
    assert ch.bindings == set()
    assert not ch.effects and not ch.module and not ch.whole
    others = set(before.blocks) - {block}
    assert {b: before.blocks[b][0] for b in others} == {b: after.blocks[b][0] for b in others}


def test_string_values_count_inside_a_function() -> None:
    ch = change(
        """
        def f():
            return "spam"
        """,
        """
        def f():
            return "spam "
        """,
    )
    assert ch.blocks == {"f"}


@pytest.mark.parametrize(
    ("old", "new", "block", "binding"),
    [
        ('"""Add."""', '"""Add two numbers."""', "f", ("", "f")),
        ('"""A method."""', '"""The method."""', "C.m", ("C", "m")),
    ],
)
def test_docstrings_count(old: str, new: str, block: str, binding: tuple[str, str]) -> None:
    src = '''
    def f(a, b):
        """Add."""
        return a + b


    class C:
        """A class."""

        def m(self):
            """A method."""
            return 1
    '''
    ch = change(src, src.replace(old, new))
    assert block in ch.blocks
    assert block not in ch.body_only  # programs read __doc__ without calling the function
    assert binding in ch.bindings
    assert {b for b in ch.blocks if b != MODULE} == {block}


@pytest.mark.parametrize(
    ("old", "new", "bindings"),
    [
        ('"""Module doc."""', '"""Module help."""', {("", "__doc__")}),
        ('"""Class doc."""', '"""Class help."""', {("C", "__doc__"), ("", "C")}),
    ],
)
def test_module_and_class_docstrings_are_bindings(
    old: str, new: str, bindings: set[tuple[str, str]]
) -> None:
    src = '''
    """Module doc."""


    class C:
        """Class doc."""

        def m(self):
            return 1
    '''
    ch = change(src, src.replace(old, new))
    assert ch.bindings == bindings
    assert ch.module
    assert ch.blocks == {MODULE}


IMPORT_TIME = """
import functools
from base import Base, Other, wrap
from consts import X as Y

LIMIT = 10
TABLE = {"a": 1}


class Shape(Base):
    sides = 4
    name: str = "shape"

    @staticmethod
    def make(kind="square"):
        return kind

    def area(self, w, h):
        return w * h


@functools.lru_cache(maxsize=8)
def cached(n, scale=2):
    return n * scale


def plain(n):
    return n * LIMIT
"""


@pytest.mark.parametrize(
    ("old", "new", "bindings", "blocks"),
    [
        ("LIMIT = 10", "LIMIT = 11", {("", "LIMIT")}, set()),
        ('TABLE = {"a": 1}', 'TABLE = {"a": 2}', {("", "TABLE")}, set()),
        ("    sides = 4", "    sides = 5", {("Shape", "sides")}, set()),
        ('name: str = "shape"', 'name: str = "form"', {("Shape", "name")}, set()),
        (
            "@functools.lru_cache(maxsize=8)",
            "@functools.lru_cache(maxsize=9)",
            {("", "cached")},
            {"cached"},
        ),
        ("@staticmethod", "@classmethod", {("Shape", "make")}, {"Shape.make"}),
        ("def cached(n, scale=2):", "def cached(n, scale=3):", {("", "cached")}, {"cached"}),
        (
            'def make(kind="square"):',
            'def make(kind="circle"):',
            {("Shape", "make")},
            {"Shape.make"},
        ),
        ("class Shape(Base):", "class Shape(Other):", {("", "Shape")}, set()),
        ("from consts import X as Y", "from consts import Z as Y", {("", "Y")}, set()),
        (
            "import functools",
            "import functools as functools2",
            # ``@functools.lru_cache`` now reads an unbound name (``seen``)
            {("", "functools"), ("", "functools2"), ("", "cached")},
            set(),
        ),
    ],
)
def test_import_time_edits_are_binding_changes(
    old: str, new: str, bindings: set[tuple[str, str]], blocks: set[str]
) -> None:
    assert old in IMPORT_TIME
    ch = diff(fp(IMPORT_TIME), fp(IMPORT_TIME.replace(old, new)))
    assert ch.bindings == bindings
    assert ch.blocks == blocks | {MODULE}
    assert ch.body_only == set()  # a header change is not a body-only change
    assert ch.module
    assert not ch.effects and not ch.whole


def test_binding_records_the_names_its_statement_reads() -> None:
    f = fp(IMPORT_TIME)
    assert {"Base"} <= f.bindings[("", "Shape")].deps
    assert {"functools", "lru_cache"} <= f.bindings[("", "cached")].deps
    assert f.bindings[("", "cached")].decorated
    assert not f.bindings[("", "plain")].decorated
    assert f.bindings[("", "Y")].deps == {"X"}
    assert "LIMIT" in f.blocks["plain"][1]


@pytest.mark.parametrize(
    ("text", "read"),
    [
        pytest.param("lib.m.Client.fetch", {"lib", "m", "Client", "fetch"}, id="mock.patch target"),
        pytest.param("pkg.mod", {"pkg", "mod"}, id="module name"),
        pytest.param("data.json", {"data", "json"}, id="a file name reads too: safe"),
        pytest.param("a.b c", set(), id="a space: no dotted name"),
        pytest.param("v1.2", set(), id="a number: no dotted name"),
        pytest.param("pkg..mod", set(), id="an empty part: no dotted name"),
    ],
)
def test_dotted_strings_read_each_part(text: str, read: set[str]) -> None:
    """``mock.patch("lib.m.Client.fetch")`` resolves each part as an attribute when the
    test runs: a class or function gone makes it fail."""
    reads = fp(f"def test_f():\n    patch({text!r})\n").blocks["test_f"][1]
    assert reads - {"patch", "()patch"} == read


def test_a_method_of_a_literal_reads_no_name() -> None:
    # ``",".join`` is str.join whatever the project calls ``join``
    reads = fp(
        """
        def f(xs, sep):
            return ",".join(xs) + [1].count(1) + f"{xs}".upper() + sep.join(xs)
        """
    ).blocks["f"][1]
    assert "()join" in reads  # through ``sep``, which may be anything: called only
    assert not {"count", "()count", "upper", "()upper"} & reads


def test_names_a_function_binds_for_itself_are_no_reads() -> None:
    """A name that is, wherever the block uses it, a local of one of its functions
    (nested ones, lambdas and comprehensions too) cannot be a module-level binding of
    that name: it is left out of the block's reads. Everything else stays."""
    blocks = fp(
        """
        def make(src, label=default_label):
            cache = {}

            def func():
                nonlocal cache
                return cache, src

            total = 0
            for item in src:
                total += item
            return func, [row for row in src], (lambda key: key)(1)

        def shadowed():
            def inner():
                global counter
                counter = 1
            counter = 2
            return counter

        def named_otherwise(obj):
            value = 1
            other = 2
            kept = 3
            return value, obj.value, getattr(obj, "other"), dict(kept=kept)

        def class_body():
            seen = 1
            class K:
                attr = seen
            return K

        class C:
            def m(self):
                result = self.load()
                return result
        """
    ).blocks
    make = blocks["make"][1]
    assert "default_label" in make  # the default runs in the module
    # parameters name only locals, but fixtures where pytest injects them
    assert {PARAM + "src", PARAM + "label", PARAM + "key"} <= make
    assert not {"cache", "func", "total", "item", "row", "src", "label", "key"} & make
    assert "counter" in blocks["shadowed"][1]  # ``global`` in a nested function
    assert "inner" not in blocks["shadowed"][1]
    otherwise = blocks["named_otherwise"][1]
    assert {"value", "other", "kept"} <= otherwise  # an attribute, a string, a keyword
    assert "seen" in blocks["class_body"][1]  # a class body looks in the module too
    assert "result" not in blocks["C.m"][1]


def test_parameters_stay_reads_in_a_file_that_mentions_fixtures() -> None:
    """A fixture module (which a conftest may import) names fixtures by parameters;
    so may a function that ``pytest.fixture(make_mode)`` turns into one."""
    found = fp(
        """
        import pytest

        def make_mode(source):
            return source

        mode = pytest.fixture(make_mode)
        """
    )
    assert "source" in found.blocks["make_mode"][1]
    assert "source" in found.bindings[("", "make_mode")].deps
    plain = fp("def make_mode(source):\n    return source\n")
    assert PARAM + "source" in plain.blocks["make_mode"][1]
    assert "source" not in plain.blocks["make_mode"][1]
    assert "source" not in plain.bindings[("", "make_mode")].deps


def test_a_statement_binds_the_functions_it_defines_not_their_locals() -> None:
    """``if WIN: def getchar(): f = open(...)`` binds ``getchar`` at import; ``f`` is
    getchar's own. A default, a decorator and a ``global`` in its code count; a
    function it reads only to call it is marked (``CALLED``). Its body is a block of
    its own: what the body reads is the block's, not the statement's."""
    found = fp(
        """
        import sys

        if sys.platform == "win32":
            def getchar(echo):
                f = open("/dev/tty")
                return f.read(1)
        else:
            @register(key := "posix")
            def getchar(echo, default=(limit := 3)):
                global LAST
                fd = sys.stdin.fileno()
                LAST = say(fd)
                return fd
        """
    )
    effect = found.effects[0]
    assert effect.binds == {"getchar", "key", "limit", "LAST"}
    assert {"platform", "register", CALLED + "register", "limit"} <= effect.uses
    assert not {"say", CALLED + "say", "f", "fd", "echo", "open"} & effect.uses
    assert CALLED + "sys" not in effect.uses
    assert [s for s in found.spans if s[2].startswith("getchar")] == [
        (4, 6, "getchar"),
        (8, 13, "getchar#2"),
    ]
    assert {CALLED + "say", "LAST", "sys"} <= found.blocks["getchar#2"][1]
    assert CALLED + "open" in found.blocks["getchar"][1]


def test_names_stay_where_the_compiler_rejects_the_file() -> None:
    """``ast`` parses what the compiler's symbol table refuses: no name is a local then."""
    reads = fp(
        """
        def f():
            value = 1
            return value

        def g():
            nonlocal missing
        """
    ).blocks["f"][1]
    assert "value" in reads


def test_a_name_read_only_to_call_it_is_marked() -> None:
    """A block that only calls ``f`` sees a new signature of a plain function ``f``
    only by running it (``selection`` then needs no name read)."""
    reads = fp(
        """
        def f(obj, handler):
            obj.unsign(1)
            super().__init__(2)
            load(handler)
            run(both)
            both(3)
            return [g(x) for x in obj.items]
        """
    ).blocks["f"][1]
    called = {n[len(CALLED) :] for n in reads if n.startswith(CALLED)}
    assert called == {"unsign", "super", "__init__", "load", "run", "g"}
    assert {"both", "items"} <= reads  # read otherwise too
    assert {PARAM + "obj", PARAM + "handler"} <= reads  # parameters, local only
    assert "x" not in reads  # the comprehension's own
    assert not called & reads


def test_the_strings_of_slots_read_no_name() -> None:
    found = fp(
        """
        class Token:
            __slots__ = ("value", "ttype")


        class Child(Token):
            __slots__ = BASE + ("extra",)


        class Other:
            names = ("value", "ttype")
        """
    )
    assert found.bindings[("Token", "__slots__")].deps == frozenset()
    assert found.bindings[("Child", "__slots__")].deps == {"BASE"}
    assert {"value", "ttype"} <= found.bindings[("Other", "names")].deps  # getattr(o, n)


def test_decorators_after_which_a_call_runs_the_function() -> None:
    found = fp(
        """
        import functools
        import typing as t
        from abc import abstractmethod


        class C:
            @staticmethod
            def s(x=1):
                return x

            @abstractmethod
            def a(self):
                pass

            @functools.lru_cache(maxsize=None)
            def cached(self, x=1):
                return x

            @property
            def p(self):
                return 1


        @t.overload
        def over(x: int) -> int: ...
        @t.overload
        def over(x: str) -> str: ...
        def over(x):
            return x


        @t.overload
        def mixed(x: int) -> int: ...
        @functools.wraps(over)
        def mixed(x):
            return x


        def plain(x=1):
            return x
        """
    )
    decorated = {name: b.decorated for (_, name), b in found.bindings.items() if b.kind == "def"}
    assert decorated == {
        "s": CALLS_IT,
        "a": CALLS_IT,
        "cached": True,
        "p": True,
        "over": CALLS_IT,
        "mixed": True,
        "plain": False,
    }
    assert Fingerprint.loads(found.dumps()) == found


@pytest.mark.parametrize(
    ("old", "new", "same"),
    [
        ("def f(a, b=1):", "def f(a, b=2):", True),
        ("def f(a, *, b=1):", "def f(a, *, b=[]):", True),
        ("def f(a: int, b=1) -> int:", "def f(a: str, b=1):", True),
        ("def f(a, b=1):", "def f(a, b=1, c=2):", False),
        ("def f(a, b=1):", "def f(a, c=1):", False),
        ("def f(a, b):", "def f(a, b=1):", False),
        ("def f(a, *, b):", "def f(a, *, b=1):", False),
        ("def f(a, b=1):", "def f(a, /, b=1):", False),
        ("def f(a):", "def f(a, *args):", False),
        ("def f(a):", "def f(a, **kw):", False),
        ("def f(a):", "async def f(a):", False),
        ("async def f(a, b=1):", "async def f(a, b=2):", True),
        ("def f(a):", "@staticmethod\ndef f(a):", False),
        ("@staticmethod\ndef f(a):", "@classmethod\ndef f(a):", False),
        ("@staticmethod\ndef f(a=1):", "@staticmethod\ndef f(a=2):", True),
    ],
)
def test_the_call_shape_of_a_def(old: str, new: str, same: bool) -> None:
    """What decides whether a call binds its arguments: not the default values."""
    a, b = fp(f"{old}\n    pass\n"), fp(f"{new}\n    pass\n")
    assert a.bindings[("", "f")].shape
    assert (a.bindings[("", "f")].shape == b.bindings[("", "f")].shape) is same


def test_the_call_shape_of_generators_and_coroutines() -> None:
    """A generator or coroutine function has a call shape, as a plain function does,
    and another one: a call of it no longer runs the body. A def rebound by other
    code (``f = lru_cache(f)``) is decorated."""
    found = fp(
        """
        import functools


        def gen(n=1):
            yield n


        async def coro(n=1):
            return n


        def plain(n=1):
            return n


        def outer(n=1):
            def inner():
                yield n

            return inner


        def cached(n=1):
            return n


        cached = functools.lru_cache(cached)
        """
    )
    shapes = {name: b.shape for (_, name), b in found.bindings.items() if b.kind == "def"}
    assert all(not shapes[n].endswith("/") for n in ("gen", "coro", "plain", "outer"))
    assert len({shapes["gen"], shapes["coro"], shapes["plain"]}) == 3
    assert shapes["gen"].startswith("-/gen:") and shapes["coro"].startswith("-/async:")
    assert shapes["outer"] == shapes["plain"]  # the generator is the nested function's
    assert shapes["cached"] == ""  # folded with another binding
    assert found.bindings[("", "cached")].decorated is True


def test_slots_strings_passed_to_a_call_are_read() -> None:
    found = fp(
        """
        class P:
            __slots__ = ("a",) + getattr(settings, "EXTRA")
        """
    )
    assert found.bindings[("P", "__slots__")].deps == {"getattr", "settings", "EXTRA"}
    same_name = fp(
        """
        class Point:
            __slots__ = ("extra",) + extra
        """
    )
    assert same_name.bindings[("Point", "__slots__")].deps == {"extra"}  # read as code


def test_imports_record_where_they_come_from() -> None:
    found = fp(
        """
        import a.b
        import c as d
        from ..e import f
        from g import h as i
        try:
            import j
        except ImportError:
            j = None
        """
    )
    sources = {name: b.source for (_, name), b in found.bindings.items()}
    assert sources == {"a": "import a.b", "d": "import c", "f": "from ..e", "i": "from g"}
    again = Fingerprint.loads(found.dumps())
    assert again is not None and again.bindings == found.bindings


def test_new_unused_function_adds_a_binding_only() -> None:
    ch = change(IMPORT_TIME, IMPORT_TIME + "\n\ndef unused(a):\n    return a\n")
    assert ch.bindings == {("", "unused")}
    assert ch.blocks == {MODULE}  # no existing block changed
    assert ch.body_only == set()
    assert not ch.effects and not ch.whole


def test_removed_function_is_a_changed_block_and_binding() -> None:
    ch = change(IMPORT_TIME, IMPORT_TIME.replace("def plain(n):\n    return n * LIMIT\n", ""))
    assert ch.blocks == {"plain", MODULE}
    assert ch.bindings == {("", "plain")}
    assert ch.body_only == set()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('register("a")', 'register("b")'),
        ("settings.debug = True", "settings.debug = False"),
        ("for k in KEYS:\n    TABLE[k] = 1", "for k in KEYS:\n    TABLE[k] = 2"),
        ("from helpers import *", "from helpers2 import *"),
    ],
)
def test_statements_beyond_binding_are_effects(old: str, new: str) -> None:
    src = "X = 1\n\n\ndef f():\n    return X\n\n\n{}\n"
    ch = diff(
        fingerprint_python(src.format(old).encode()), fingerprint_python(src.format(new).encode())
    )
    assert ch.effects
    assert ch.module
    assert ch.blocks == {MODULE}
    assert ch.bindings == set()


@pytest.mark.parametrize(
    ("source", "binds"),
    [
        ("if TYPE_CHECKING:\n    from m import X\n", {"X"}),
        ("try:\n    import json\nexcept ImportError:\n    json = None\n", {"json"}),
        ("try:\n    import simplejson as json\nexcept ImportError:\n    import json\n", None),
        ("if sys.version_info >= (3, 13):\n    T = TypeVar('T')\nelse:\n    T = None\n", {"T"}),
        (
            "try:\n    import json\nexcept ImportError as e:\n    json = None\n    err = e\n",
            {"json", "e", "err"},
        ),
        ("if (m := re.compile('x')):\n    Y = 1\n", {"m", "Y"}),
        # a function: its header runs here (a decorator, a default may act)
        ("if X:\n    def f(a=1):\n        return g()\n", None),
        ("if TYPE_CHECKING:\n    def f(a: int) -> int: ...\n", {"f"}),
        ("if X:\n    from shlex import quote\n", {"quote"}),
        ("if X:\n    from json import decoder\n", None),  # a package: maybe a submodule
        ("if X:\n    import logging.handlers\n", None),  # sets logging.handlers
        ("if X:\n    pass\nelif Y:\n    '''doc'''\n    Z: int = 1\n", {"Z"}),
        (
            "if TYPE_CHECKING:\n    from . import models\n    from app.db import Session\n",
            {"models", "Session"},  # never runs
        ),
        ("if typing.TYPE_CHECKING:\n    from app.db import Session\n", {"Session"}),
        ("if X:\n    import plugin_a\n", None),  # its body runs: it may register
        ("try:\n    import numpy\nexcept ImportError:\n    numpy = None\n", None),
        ("if X:\n    HANDLERS += ['x']\n", None),  # in place
        ("if X:\n    def __getattr__(name):\n        return 1\n", None),
        ("if X:\n    __all__ = ['a']\n", None),
        ("if X:\n    def setup_module():\n        pass\n", None),
        ("if X:\n    def pytest_configure(config):\n        pass\n", None),
        ("if X:\n    register(f)\n", None),
        ("for k in KEYS:\n    TABLE[k] = 1\n", None),
        ("if X:\n    TABLE['a'] = 1\n", None),
        ("if X:\n    @app.route('/')\n    def f():\n        pass\n", None),
        ("if X:\n    def f(a=g()):\n        pass\n", None),
        ("if X:\n    class C:\n        pass\n", None),
        ("try:\n    import a\nexcept ImportError:\n    raise\n", None),
        ("if X:\n    from m import *\n", None),
        ("if X:\n    del Y\n", None),
        ("if configure():\n    Y = 1\n", None),
        ("with open('f') as fh:\n    DATA = fh.read()\n", None),
    ],
)
def test_statements_that_only_bind(source: str, binds: set[str] | None) -> None:
    """An ``if`` or ``try`` whose import-time work is binding names, and those names."""
    head = "import functools\nimport re\nimport sys\nimport typing\n"
    head += "from typing import TYPE_CHECKING, TypeVar\n\n"
    (effect,) = fingerprint_python((head + source).encode()).effects
    assert effect.binding is (binds is not None)
    if binds is not None:
        assert effect.binds == binds
    stored = Fingerprint.loads(fingerprint_python((head + source).encode()).dumps())
    assert stored is not None and stored.effects == [effect]


MAIN_GUARD = """
def main():
    return 1


if __name__ == "__main__":
    import sys
    RESULT = main()
    sys.exit(RESULT)
"""


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("RESULT = main()", "RESULT = main() + 1"),
        ("sys.exit(RESULT)", "print(RESULT)"),
        ('if __name__ == "__main__":', 'if "__main__" == __name__:'),
    ],
)
def test_main_guard_is_ignored(old: str, new: str) -> None:
    ch = change(MAIN_GUARD, MAIN_GUARD.replace(old, new))
    assert not ch.any


@pytest.mark.parametrize(
    "src",
    [
        'if __name__ != "__main__":\n    X = {}\n',
        'if __name__ == "__main__":\n    pass\nelse:\n    X = {}\n',
    ],
    ids=["not-equal", "else-branch"],
)
def test_code_that_runs_under_pytest_is_not_a_main_guard(src: str) -> None:
    # Both branches run when pytest imports the module.
    ch = diff(
        fingerprint_python(src.format(1).encode()), fingerprint_python(src.format(2).encode())
    )
    assert ch.any
    assert ch.module


@pytest.mark.parametrize(
    "data",
    [
        b"def f(:\n    return 1\n",
        b"def f():\nreturn 1\n",
        b"x = 'unterminated\n",
        b"x = 1\x00\ndef f():\n    return 2\n",
        b"x = '\xff\xfe'\ndef f():\n    return 2\n",
        b"# -*- coding: no-such-codec -*-\nx = 1\n",
        b"def f():\n        return 1\n    return 2\n",
        b"\xef\xbb\xbf\xef\xbb\xbfx = 1\n",
    ],
)
def test_file_that_does_not_parse_is_a_whole_file(data: bytes) -> None:
    f = fingerprint_python(data)
    assert not f.parsed
    assert f.blocks == {} and f.bindings == {} and f.effects == []
    assert f.content == digest(data)
    assert f.block_at(1, "f") == WHOLE
    assert f.block_at(1, "<module>") == WHOLE
    good = fp("def f():\n    return 1\n")
    ch = diff(good, f)
    assert ch.whole and ch.module and ch.effects
    assert ch.blocks == {"f", WHOLE, MODULE}
    back = diff(f, good)
    assert back.whole
    assert back.bindings == {("", "f")}
    other = fingerprint_python(data + b"\n# more\n")
    assert diff(f, other).whole  # no block by block comparison without a parse


def test_declared_encoding_and_bom_parse() -> None:
    latin = fingerprint_python(
        b"# -*- coding: latin-1 -*-\nNAME = '\xe9'\n\ndef f():\n    return 1\n"
    )
    assert latin.parsed
    assert set(latin.blocks) == {"f"}
    plain = fingerprint_python(b"def f():\n    return 1\n")
    bom = fingerprint_python(b"\xef\xbb\xbfdef f():\n    return 1\n")
    assert bom.parsed
    assert digests(bom) == digests(plain)


def test_non_ascii_text_does_not_shift_statement_boundaries() -> None:
    # ast counts columns in bytes, tokenize in characters
    ch = change(
        'NAME = "é€"; LIMIT = 2\n\n\ndef f():\n    return "ü", LIMIT\n',
        'NAME = "é€"; LIMIT = 3\n\n\ndef f():\n    return "ü", LIMIT\n',
    )
    assert ch.bindings == {("", "LIMIT")}
    assert ch.blocks == {MODULE}
    ch = change(
        'def f():\n    return "é€", 1\n\n\ndef g():\n    return "ü"\n',
        'def f():\n    return "é€", 2\n\n\ndef g():\n    return "ü"\n',
    )
    assert ch.blocks == {"f"}


def test_module_without_functions_or_a_blank_file_parses() -> None:
    empty = fingerprint_python(b"")
    assert empty.parsed and empty.blocks == {}
    assert empty.block_at(1, "<module>") == MODULE
    only_comment = fingerprint_python(b"# nothing here\n\n")
    assert not diff(empty, only_comment).any


BLOCKS_SRC = """
import functools

DOUBLED = [n * 2 for n in range(3)]
KEY = lambda v: v  # noqa: E731


def outer(a, b=lambda: 0):
    def inner():
        return (i for i in range(a))

    class Local:
        def method(self):
            return [j for j in range(2)]

    return inner, Local, lambda: a


class Shape:
    sides = [s for s in range(4)]
    area = lambda self: 0  # noqa: E731

    @functools.lru_cache(maxsize=None)
    def perimeter(self):
        return sum(x for x in self.sides)

    class Inner:
        def deep(self):
            return {k: k for k in "ab"}


async def coro():
    async def nested():
        return {c for c in "xy"}

    return nested
"""


def test_block_at_maps_every_code_object_to_its_outermost_function() -> None:
    src = textwrap.dedent(BLOCKS_SRC).lstrip("\n")
    lines = src.splitlines()

    def line_of(text: str) -> int:
        found = [i for i, line in enumerate(lines, 1) if text in line]
        assert len(found) == 1, text
        return found[0]

    expected = {
        ("<module>", 1): MODULE,
        ("<listcomp>", line_of("DOUBLED =")): MODULE,
        ("<lambda>", line_of("KEY =")): MODULE,
        ("outer", line_of("def outer")): "outer",
        ("<lambda>", line_of("def outer")): "outer",  # a default argument's lambda
        ("inner", line_of("def inner")): "outer",
        ("<genexpr>", line_of("return (i for i")): "outer",
        ("Local", line_of("class Local")): "outer",
        ("method", line_of("def method")): "outer",
        ("<listcomp>", line_of("return [j for j")): "outer",
        ("<lambda>", line_of("return inner, Local")): "outer",
        ("Shape", line_of("class Shape")): MODULE,
        ("<listcomp>", line_of("sides =")): MODULE,
        ("<lambda>", line_of("area =")): MODULE,
        ("perimeter", line_of("@functools.lru_cache")): "Shape.perimeter",
        ("<genexpr>", line_of("return sum(")): "Shape.perimeter",
        ("Inner", line_of("class Inner")): MODULE,
        ("deep", line_of("def deep")): "Shape.Inner.deep",
        ("<dictcomp>", line_of("return {k: k")): "Shape.Inner.deep",
        ("coro", line_of("async def coro")): "coro",
        ("nested", line_of("async def nested")): "coro",
        ("<setcomp>", line_of("return {c for c")): "coro",
    }
    code = compile(src, "blocks.py", "exec")
    found: list[types.CodeType] = []
    todo = [code]
    while todo:
        co = todo.pop()
        found.append(co)
        todo.extend(c for c in co.co_consts if isinstance(c, types.CodeType))
    f = fingerprint_python(src.encode())
    got = {
        (co.co_name, co.co_firstlineno): f.block_at(co.co_firstlineno, co.co_name) for co in found
    }
    assert set(got) <= set(expected)
    # comprehensions are inlined on 3.12+: every other code object must be there
    inlined = {"<listcomp>", "<dictcomp>", "<setcomp>"}
    assert {k for k in expected if k[0] not in inlined} <= set(got)
    assert got == {k: expected[k] for k in got}


def test_redefinitions_are_kept_apart() -> None:
    src = """
    def f():
        return 1


    def f():
        return 2
    """
    before = fp(src)
    assert set(before.blocks) == {"f", "f#2"}
    assert before.block_at(1, "f") == "f"
    assert before.block_at(5, "f") == "f#2"
    ch = diff(before, fp(src.replace("return 2", "return 3")))
    assert ch.blocks == {"f#2"}
    assert ch.body_only == {"f#2"}


def test_dumps_loads_round_trip() -> None:
    for src in (BASE, IMPORT_TIME, BLOCKS_SRC, MAIN_GUARD):
        f = fp(src)
        assert f.parsed
        back = Fingerprint.loads(f.dumps())
        assert back == f
        assert back is not None and not diff(f, back).any
    broken = fingerprint_python(b"def (:\n")
    assert Fingerprint.loads(broken.dumps()) == broken


@pytest.mark.parametrize(
    "blob",
    [
        b"",
        b"not zlib at all",
        zlib.compress(b"not json"),
        zlib.compress(b"[1, 2, 3]"),
        zlib.compress(json.dumps({"v": FP_VERSION}).encode()),
        zlib.compress(json.dumps({"v": FP_VERSION + 1, "c": "x"}).encode()),
    ],
    ids=["empty", "not-zlib", "not-json", "json-list", "fields-missing", "other-version"],
)
def test_loads_of_damaged_or_other_version_is_none(blob: bytes) -> None:
    assert Fingerprint.loads(blob) is None


def test_loads_of_another_fp_version_is_none() -> None:
    head, tail = zlib.decompress(fp(BASE).dumps()).split(b"\n")
    doc = json.loads(head)
    doc["v"] = FP_VERSION + 1
    assert Fingerprint.loads(zlib.compress(json.dumps(doc).encode() + b"\n" + tail)) is None


def test_loads_without_blocks_reads_the_first_document_only() -> None:
    f = fp(BLOCKS_SRC)
    head, _ = zlib.decompress(f.dumps()).split(b"\n")
    assert b'"b":{' not in head and b'"s":[' not in head
    names = Fingerprint.loads(zlib.compress(head + b"\n" + b"damaged"), blocks=False)
    assert names is not None
    assert (names.bindings, names.effects, names.module) == (f.bindings, f.effects, f.module)
    assert names.blocks == {} and names.spans == []
    assert Fingerprint.loads(zlib.compress(head + b"\n" + b"damaged")) is None


def test_loads_the_one_document_form_of_version_5() -> None:
    """Data files written before the split keep their fingerprints (same digests)."""
    for src in (BASE, IMPORT_TIME, BLOCKS_SRC):
        f = fp(src)
        head, tail = zlib.decompress(f.dumps()).split(b"\n")
        doc = {**json.loads(head), **json.loads(tail), "v": 5}
        old = zlib.compress(json.dumps(doc, separators=(",", ":")).encode())
        assert Fingerprint.loads(old) == f
        names = Fingerprint.loads(old, blocks=False)
        assert names is not None and names.bindings == f.bindings and names.blocks == {}


FSTRINGS = """
def label(item, width):
    return f"{item.name!r:>{width}} costs {item.price:.2f} ({'yes' if item.ok else 'no'})"


def nested(x):
    return f"outer {f'inner {x}'} end"


def other():
    return 1
"""


@pytest.mark.parametrize(
    ("old", "new", "block"),
    [
        ("costs", "is", "label"),
        ("{item.price:.2f}", "{item.price:.3f}", "label"),
        ("{item.name!r", "{item.name!s", "label"),
        ("{width}", "{width + 1}", "label"),
        ("'yes'", "'si'", "label"),
        ("inner {x}", "inner {x!r}", "nested"),
        ("outer {", "before {", "nested"),
    ],
)
def test_fstring_edits_are_detected(old: str, new: str, block: str) -> None:
    assert old in FSTRINGS
    ch = change(FSTRINGS, FSTRINGS.replace(old, new))
    assert ch.blocks == {block}
    assert ch.body_only == {block}


def test_comment_next_to_an_fstring_is_not_a_change() -> None:
    new = FSTRINGS.replace(' end"\n', ' end"  # {x} is not code\n')
    new = new.replace("def nested(x):\n", "def nested(x):\n    # f'{x}'\n")
    assert new != FSTRINGS
    assert not change(FSTRINGS, new).any


def test_diff_against_a_missing_file() -> None:
    f = fp(IMPORT_TIME)
    gone = diff(f, None)
    assert gone.whole and gone.module and gone.effects
    assert gone.blocks == set(f.blocks) | {WHOLE, MODULE}
    assert gone.bindings == set(f.bindings)
    new = diff(None, f)
    assert new.whole
    assert new.bindings == set(f.bindings)
    assert not diff(f, fp(IMPORT_TIME)).any


@pytest.mark.parametrize(
    ("src", "acts"),
    [
        ("X = 5", False),
        ("X = (A, B + 1)", False),
        ("import re\nX = re.compile('a')", False),
        ("from re import compile\nX = compile('a')", False),
        ("import typing as t\nX = t.TypeVar('X')", False),
        ("from collections import namedtuple\nX = namedtuple('P', 'x y')", False),
        ("X = dict(a=1, b=frozenset({2}))", False),
        ("X = 'a,b'.split(',')", False),
        ("from pkg.core import LIMIT\nX = LIMIT.bit_length()", False),
        ("X = register('json')", True),  # a name the module does not import: anything
        ("from pkg.reg import register\nX = register('json')", True),
        ("import logging\nX = logging.getLogger('x')", True),
        ("import os\nX = os.environ.setdefault('A', 'b')", True),
        ("X = list(map(register, NAMES))", True),  # higher-order builtins are not listed
        ("import shutil\nX = shutil.copy('a', 'b')", True),  # a module's function
        ("import re\n\ndef compile(p):\n    return p\n\nX = compile('a')", True),
        ("import re\nre = other()\nX = re.compile('a')", True),
        (
            "try:\n    from re import compile\nexcept ImportError:\n    compile = 1\n"
            "X = compile('a')",
            True,
        ),
    ],
)
def test_a_value_acts_when_it_calls_what_may_act(src: str, acts: bool) -> None:
    assert bool(fp(src).bindings[("", "X")].acts) == acts


@pytest.mark.parametrize(
    ("src", "acts"),
    [
        ("@property\ndef f(self):\n    pass", False),
        ("import typing as t\n@t.overload\ndef f(x: int) -> int: ...", False),
        ("import functools\n@functools.lru_cache(maxsize=8)\ndef f():\n    pass", False),
        ("from dataclasses import dataclass\n@dataclass(frozen=True)\nclass f:\n    x: int", False),
        ("class f(Exception):\n    pass", False),
        ("import typing as t\nclass f(t.Generic[T]):\n    pass", False),
        ("import abc\nclass f(metaclass=abc.ABCMeta):\n    pass", False),
        ("def f(x=1, y=(1, 2)):\n    pass", False),
        ("import pytest\n@pytest.fixture\ndef f():\n    pass", True),
        ("from app import route\n@route('/x')\ndef f():\n    pass", True),
        ("import lib as t\n@t.overload\ndef f(x): ...", True),  # not typing's overload
        ("def f(x=make('a')):\n    pass", True),
        ("from base import Plugin\nclass f(Plugin):\n    pass", True),  # __init_subclass__
        ("class f(Base, key='x'):\n    pass", True),
    ],
)
def test_a_definition_acts_when_a_decorator_or_base_may_register_it(src: str, acts: bool) -> None:
    b = fp(src).bindings[("", "f")]
    assert bool(b.acts or b.bases) == acts


def test_only_a_change_to_what_acts_changes_acts() -> None:
    """``RATE = base() + 1`` calls ``base()`` as before: the same acting part."""
    old, new = fp("RATE = base()"), fp("RATE = base() + 1")
    assert old.bindings[("", "RATE")].acts == new.bindings[("", "RATE")].acts != ""
    assert fp("X = base(2)").bindings[("", "X")].acts != old.bindings[("", "RATE")].acts
    header = "from base import Plugin\n\n\nclass C(Plugin):\n    {}\n    x = 1\n"
    a, b = fp(header.format('"One."')), fp(header.format('"Two."'))
    assert a.bindings[("", "C")].digest != b.bindings[("", "C")].digest  # docstring
    assert a.bindings[("", "C")].bases == b.bindings[("", "C")].bases != ""  # same bases
    assert not a.bindings[("", "C")].acts


@pytest.mark.parametrize(
    ("source", "stars"),
    [
        ("from .m import *\nfrom a.b import *", {".m", "a.b"}),
        ("from m import x", set()),
        ('exec("x = 1")', set()),  # a literal: its text is read as a string
        ('exec("from m import *")', {ANY_STAR}),
        ("exec(code)", {ANY_STAR, "?<module>"}),
        ('exec(f"x = {v}")', {ANY_STAR, "?<module>"}),  # an f-string's values may be any code
        ("run = exec", {ANY_STAR, "?<module>"}),
        ('def f():\n    """\n    >>> from m import *\n    """', {ANY_STAR}),  # a doctest
        ('"""Imports x; a * b."""', set()),
        # run into a dict of a function's own: only that function sees what it binds
        ("def f():\n    ns = {}\n    exec(code, {}, ns)", {"?f"}),
        ("class C:\n    def m(self):\n        exec(code, {})", {"?C.m"}),
        ("def f():\n    ns: dict = {'a': 1}\n    exec(code, ns)", {"?f"}),
        ("exec(code, {}, {})", {ANY_STAR, "?<module>"}),  # at import: no function's own
        ("def f(ns):\n    exec(code, {}, ns)", {ANY_STAR, "?f"}),
        ("def f():\n    exec(code, globals())", {ANY_STAR, "?f"}),
        ("def f():\n    exec(code)", {ANY_STAR, "?f"}),
        ("def f():\n    exec(code, {}, locals=ns)", {ANY_STAR, "?f"}),
        ("def f():\n    ns = {}\n    ns = vars(m)\n    exec(code, ns)", {ANY_STAR, "?f"}),
        ("def f():\n    global ns\n    ns = {}\n    exec(code, ns)", {ANY_STAR, "?f"}),
        ("def f():\n    exec(code, (ns := globals()))", {ANY_STAR, "?f"}),
        ("def f():\n    ns = {}\n    for ns in spaces:\n        exec(code, ns)", {ANY_STAR, "?f"}),
        (
            "def f():\n    ns = {}\n    with open(p) as ns:\n        exec(code, ns)",
            {ANY_STAR, "?f"},
        ),
        ("def f():\n    ns = {}\n    ns, b = g()\n    exec(code, ns)", {ANY_STAR, "?f"}),
        ("def f():\n    ns = {}\n    import ns\n    exec(code, ns)", {ANY_STAR, "?f"}),
        ("def f():\n    exec(code, ns)", {ANY_STAR, "?f"}),  # a global
        (
            "def f():\n    ns = {}\n\n    def g():\n        nonlocal ns\n        ns = globals()\n"
            "    g()\n    exec(code, ns)",
            {ANY_STAR, "?f"},
        ),
        ("def f(x=exec(code, {}, {})):\n    pass", {ANY_STAR, "?<module>"}),  # a default
        ("@deco(exec(code, {}))\ndef f():\n    pass", {ANY_STAR, "?<module>"}),
        ("def f():\n    exec(code, {}, {})\n    exec(code, globals())", {"?f", ANY_STAR}),
        ("class C:\n    exec(code, {})", {ANY_STAR, "?<module>"}),
        # the name at the exec is another scope's: a global, a closure's
        (
            "ns = globals()\n\n\ndef f():\n    def g():\n        ns = {}\n        return ns\n"
            "    exec(code, ns)",
            {ANY_STAR, "?f"},
        ),
        ("class K:\n    ns = {}\n\n    def m(self):\n        exec(code, ns)", {ANY_STAR, "?K.m"}),
        ("def f():\n    ns = {}\n\n    def g():\n        exec(code, ns)", {ANY_STAR, "?f"}),
        ("def f():\n    ns = {}\n    return [exec(code, ns) for _ in x]", {ANY_STAR, "?f"}),
        ("def f():\n    ns = {}\n    g(lambda: exec(code, ns))", {ANY_STAR, "?f"}),
    ],
)
def test_star_imports(source: str, stars: set[str]) -> None:
    fp = fingerprint_python(source.encode())
    assert fp.stars == stars
    assert Fingerprint.loads(fp.dumps()).stars == stars  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("source", "bare", "writes"),
    [
        # LIMIT read bare only; os bound by an import and read as a receiver
        ("import os\nLIMIT = 3\n\ndef f():\n    return LIMIT, os.sep", {"LIMIT", "os"}, set()),
        # read as an attribute or a string somewhere: not bare-only
        ("LIMIT = 3\n\ndef f(o):\n    return LIMIT, o.LIMIT", set(), set()),
        ('LIMIT = 3\n\ndef f(o):\n    return LIMIT, getattr(o, "LIMIT")', set(), {"LIMIT"}),
        ("from m import LIMIT\n\ndef f():\n    return LIMIT", set(), set()),
        # read bare but bound elsewhere (builtins, or set from outside)
        ("def f():\n    return LIMIT", set(), set()),
        # a module that can bind its own names without naming them
        ("LIMIT = 3\nglobals().update(x=1)\n\ndef f():\n    return LIMIT", set(), {COMPUTED}),
        ("from m import *\nLIMIT = 3\n\ndef f():\n    return LIMIT", set(), set()),
        # writes: attributes set on anything but self and cls, by name or not
        ("import m\nm.LIMIT = 4", {"m"}, {"LIMIT"}),
        ("class A:\n    def f(self):\n        self.x = 1", set(), set()),
        # a name in a string may be set anywhere (monkeypatch.setattr(mod, "NAME", v))
        ("def f(o):\n    setattr(o, 'y', 2)", set(), {"y"}),
        # a global statement: a setter another module calls
        ("X = 1\n\ndef set_x(v):\n    global X\n    X = v", set(), {"X"}),
        # bound from the environment, which another module may set
        ('import os\nX = os.environ.get("X")\n\ndef f():\n    return X', {"os"}, {"X"}),
        ("def f():\n    sys._getframe(1).f_globals['x'] = 1", set(), {COMPUTED, "x"}),
        ("import m\nsetattr(m, 'LIMIT', 4)", {"m"}, {"LIMIT"}),
        ("def f(o, k):\n    setattr(o, k, 4)", set(), {COMPUTED}),
        ("def f(o):\n    vars(o)['x'] = 1", set(), {COMPUTED, "x"}),
        ("def f(o):\n    o.__dict__.update(x=1)", set(), {COMPUTED}),
        ('patch("pkg.mod.LIMIT", 4)', set(), {"LIMIT"}),
        # review 39: mock sets the keywords' names on the object
        ("def f(o, v):\n    patch.multiple(o, LIMIT=v).start()", set(), {"LIMIT"}),
        ("def f(o, kw):\n    mock.patch.multiple(o, **kw)", set(), {COMPUTED}),
        # setattr under another name or as an attribute, namespaces named by strings
        (
            "import builtins\n\ndef f(o, k):\n    builtins.setattr(o, k, 4)",
            {"builtins"},
            {COMPUTED},
        ),
        ("set_ = setattr", set(), {COMPUTED}),
        ('def f(o, k):\n    getattr(o, "__dict__")[k] = 4', set(), {COMPUTED, "__dict__"}),
        ("def f():\n    sys._getframe(1).f_locals.update(x=1)", set(), {COMPUTED}),
        # monkeypatch's string form names what it sets; a method of its own is no setter
        ('def f(mp):\n    mp.setattr("pkg.mod.LIMIT", 4)', set(), {"LIMIT"}),
        ("class A:\n    def f(self, k):\n        self.setattr(k, 4)", set(), set()),
    ],
)
def test_bare_names_and_writes(source: str, bare: set[str], writes: set[str]) -> None:
    fp = fingerprint_python(source.encode())
    assert (fp.bare, fp.writes) == (bare, writes)
    stored = Fingerprint.loads(fp.dumps())
    assert stored is not None and (stored.bare, stored.writes) == (bare, writes)


def test_older_data_knows_no_stars_and_no_writes() -> None:
    """A fingerprint stored before the fields existed reads as 'not known': star
    imports may be anywhere, and any name may be set from outside."""
    fp = fingerprint_python(b"X = 1\n\ndef f():\n    return X\n")
    head, tail = zlib.decompress(fp.dumps()).split(b"\n", 1)
    doc = json.loads(head)
    for key in ("o", "st", "w"):
        del doc[key]
    old = zlib.compress(json.dumps(doc).encode() + b"\n" + tail)
    loaded = Fingerprint.loads(old)
    assert loaded is not None
    assert (loaded.bare, loaded.stars, loaded.writes) == (frozenset(), None, None)


@pytest.mark.parametrize(
    ("source", "listed"),
    [
        ('__all__ = ["a", "b"]\n', True),
        ("__all__ = ('a',)\n__all__ += ['b']\n__all__.append('c')\n", True),
        ('__all__: list = ["a"]\n__all__.insert(0, "b")\n', True),
        ("X = 1\n", False),  # no __all__: a star import binds every public name
        ('__all__ = ["a"] + other.__all__\n', False),
        ('NAMES = ["a"]\n__all__ = NAMES\n', False),
        ('__all__ = ["a"]\n__all__ = sorted(__all__)\n', False),
        ('__all__ = ["a"]\n__all__.extend(core.__all__)\n', False),
        ('__all__ = ["a"]\nglobals()["__all__"] = ["b"]\n', False),
        ('__all__ = ["a"]\nsetattr(sys.modules[__name__], "__all__", [])\n', False),
        ('__all__ = ["a"]\nsys.modules[__name__].__all__ = []\n', False),
        ('__all__ = ["a"]\nexec(code)\n', False),
        ('__all__ = ["a"]\ndef f():\n    global __all__\n    __all__ = make()\n', False),
        ('__all__ = ["a"]\ndel __all__\n', False),
        ('__all__ = [f"{x}"]\n', False),
    ],
)
def test_literal_export_lists(source: str, listed: bool) -> None:
    """Whether ``__all__`` is only ever string literals: then a listed name's value is
    no part of what ``from m import *`` binds."""
    found = fingerprint_python(source.encode())
    assert found.listed is listed
    stored = Fingerprint.loads(found.dumps())
    assert stored is not None and stored.listed is listed


def test_module_and_class_doctests_read_names() -> None:
    """The docstring binding of a module or class reads what its examples read (the
    doctest is recorded on the module's import-time code); prose reads nothing."""
    found = fp(
        '''
        """Tools.

        >>> from lib.tools import *
        >>> SEP
        """


        class C:
            """No examples, a SEP word."""
        '''
    )
    assert {"SEP", "lib", "tools"} <= found.bindings[("", "__doc__")].deps
    assert found.bindings[("C", "__doc__")].deps == frozenset()


def test_doctest_names() -> None:
    """A doctest runs in a copy of its module's namespace: its bare names are the
    module's, but for those its own imports bind; the prose around it is no code."""
    source = '''
import math
import json


def root(x):
    """Square root, as math would say.

    >>> from json import dumps
    >>> import json as codec
    >>> root(4) == math.sqrt(4)
    True
    """
    return math.sqrt(x)
'''
    fp = fingerprint_python(source.encode())
    assert "math" in fp.bare  # read bare by the doctest too
    assert "root" in fp.bare
    assert {"dumps", "codec", "root"} <= fp.blocks["root"][1]
    assert not {"say", "True"} & fp.blocks["root"][1]  # prose, output


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (b">>> from pkg.limits import LIMIT\n>>> LIMIT + 1\n11\n", {"pkg", "limits", "LIMIT"}),
        (b"Text\n    >>> f(\n    ...     key=2)\n    3\n", {"f", "key"}),  # indented, continued
        (b"Prose that names LIMIT, and output:\nLIMIT\n", set()),
        (b"\xff\xfe\n>>> X\n", {"X"}),  # not UTF-8: still read
        (b"", set()),
    ],
)
def test_text_file_doctest_names(text: bytes, names: set[str]) -> None:
    """A text file is one block read as data; its doctest examples' names are that
    block's (``--doctest-glob`` runs them), the prose's are not. Every text file has
    the block: one stored without it is from an older version."""
    found = fingerprint_text(text)
    assert not found.parsed
    assert found.content == digest(text)
    assert found.blocks == {READ: (found.content, frozenset(names))}
    loaded = Fingerprint.loads(found.dumps())
    assert loaded is not None and loaded.blocks == found.blocks
    assert Fingerprint.names(found.dumps()) is None  # it binds nothing a test file can tell


@pytest.mark.parametrize(
    ("body", "marks"),
    [
        ("return dir(mod)", {LISTS}),
        ("return vars(pkg.api)", {LISTS}),
        ("return pkg.api.__dict__", {LISTS}),
        ("return inspect.getmembers(mod)", {LISTS}),
        ("return getmembers(mod), inspect.getmembers_static(mod)", {LISTS}),
        ("return globals()", {LISTS}),  # the module's names, star-imported ones too
        # the standard library's, imported by name
        ("return vars(os)", {LISTS + "os"}),
        ("return vars(self), self.__dict__, dir(cls)", set()),  # what code that ran set
        ("return dir()", set()),  # the function's own names
        ("return json.dumps(x)", set()),
    ],
)
def test_listing_a_namespace_reads_any_name(body: str, marks: set[str]) -> None:
    found = fp(f"import inspect\nimport os\nimport pkg.api\n\ndef f(mod, self, cls):\n    {body}\n")
    assert {n for n in found.blocks["f"][1] if n.startswith(LISTS)} == marks


@pytest.mark.parametrize(
    ("body", "runs_text", "names"),
    [
        ("exec(block, {})", True, set()),
        ("return eval(expr)", True, set()),
        ("exec(compile(text, name, 'exec'))", True, set()),
        ('exec(f"x = {y}")', True, set()),  # an f-string's values may be any code
        ("return list(map(eval, lines))", True, set()),  # passed on, to run any text
        ("builtins.exec(code)", True, set()),
        ('exec("from pkg.conf import VALUE\\nassert VALUE == 1")', False, {"VALUE", "conf"}),
        ('return eval("limits.LIMIT + 1")', False, {"limits", "LIMIT"}),
        ('exec("def (")', True, set()),  # a literal that does not parse
        ("return app.exec()", False, set()),  # a method named so: Qt's event loop
        ("return cursor.execute(sql)", False, set()),
        ("return types.FunctionType(compile(text, name, 'exec'), {})()", True, set()),
        ("from builtins import exec as run", True, set()),
        ("return -y if eval else y", False, set()),  # a flag of that name
        ('return timeit.timeit("f()", setup="from pkg.conf import f")', False, {"conf", "f"}),
    ],
)
def test_code_run_from_text(body: str, runs_text: bool, names: set[str]) -> None:
    """``exec``/``eval`` of text we cannot read may read any name (a README's
    examples); a literal's code reads what it names."""
    params = "block, expr, text, name, y, lines, code, app, cursor, sql, eval=False"
    found = fp(f"import builtins\n\ndef f({params}):\n    {body}\n")
    reads = found.blocks["f"][1]
    assert (RUNS_TEXT in reads) is runs_text
    assert names <= reads


@pytest.mark.parametrize(
    ("src", "runs_text"),
    [
        # an alias of the builtins module, in the module or the function
        ("import builtins as bi\n\ndef f(code):\n    bi.exec(code)", True),
        ("import builtins as bi\n\ndef f(code):\n    return bi.eval(code)", True),
        ("import builtins as bi\n\ndef f(code):\n    return bi.compile(code, 'f', 'exec')", True),
        ("def f(code):\n    import builtins as b\n    b.exec(code)", True),
        ("def g():\n    import builtins as b\n\ndef f(code):\n    b.exec(code)", True),
        ("import builtins as bi\n\ndef f(lines):\n    return list(map(bi.eval, lines))", True),
        ("import builtins\n\ndef f():\n    return builtins.exec", True),  # passed on
        ("from six.moves import builtins as b\n\ndef f(code):\n    b.exec(code)", True),
        ("import six.moves.builtins\n\ndef f(code):\n    six.moves.builtins.exec(code)", True),
        ("import builtins\n\nb = builtins\n\ndef f(code):\n    b.exec(code)", True),
        ("import sys\n\ndef f(code):\n    sys.modules['builtins'].exec(code)", True),
        ("def f(code):\n    __builtins__.exec(code)", True),
        # getattr of the builtins module: by a runner's name, or any name not literal
        ("import builtins\n\ndef f(code):\n    getattr(builtins, 'exec')(code)", True),
        ("import builtins as bi\n\ndef f(code):\n    getattr(bi, 'eval')(code)", True),
        (
            "import builtins as bi\n\ndef f(code):\n    getattr(bi, 'compile')(code, 'f', 'exec')",
            True,
        ),
        ("import builtins as bi\n\ndef f(code, name):\n    getattr(bi, name)(code)", True),
        ("import builtins as bi\n\ndef f(code, n):\n    getattr(bi, f'e{n}')(code)", True),
        ("def f(code):\n    getattr(__builtins__, 'exec')(code)", True),
        ("def f(app):\n    return getattr(app, 'exec')()", True),  # any object: see used_names
        # its namespace, looked up by a runner's name or any name not literal
        ("import builtins\n\ndef f(code):\n    vars(builtins)['exec'](code)", True),
        ("import builtins\n\ndef f(code):\n    builtins.__dict__['exec'](code)", True),
        ("import builtins as bi\n\ndef f(code):\n    getattr(bi, '__dict__')['eval'](code)", True),
        ("def f(code):\n    __builtins__['exec'](code)", True),
        ("def f(code, name):\n    __builtins__[name](code)", True),
        ("import builtins as bi\n\ndef f(code):\n    vars(bi).get('eval')(code)", True),
        ("import builtins\n\nNS = vars(builtins)\n\ndef f(code):\n    NS['exec'](code)", True),
        # no runner of text: a method so named, a flag, an object, another namespace
        ("def f(app):\n    return app.exec()", False),
        ("def f(model):\n    return model.eval()", False),
        ("def f(exec, fn):\n    return exec.submit(fn)", False),
        ("def f(x, eval=False):\n    return -x if eval else x", False),
        ("import builtins as bi\n\ndef f(x):\n    return 1 if bi.eval else x", False),
        (
            "def f(ns, name):\n    return ns['exec'], ns[name], ns.get('eval'), getattr(ns, name)",
            False,
        ),
        ("import builtins\n\ndef f():\n    return getattr(builtins, 'len')", False),
        ("import builtins\n\ndef f():\n    return vars(builtins)['len']", False),
        ("import builtins as bi\n\ndef f(d, k):\n    return d[k], bi.len", False),
        ("import builtins as bi\n\ndef f(k):\n    return get(k), __getitem__(k)", False),
        (
            "import builtins as bi\n\ndef f(v):\n    bi.exec = v\n    __builtins__['eval'] = v",
            False,
        ),
    ],
)
def test_exec_reached_without_its_name(src: str, runs_text: bool) -> None:
    """``exec``, ``eval`` and ``compile`` looked up in the builtins module, through an
    alias, ``getattr`` or its namespace, run text we cannot read; a lookup of them in
    anything else, but for ``getattr(obj, "exec")``, runs none."""
    assert (RUNS_TEXT in fp(src).blocks["f"][1]) is runs_text


def test_an_alias_of_builtins_in_the_code_walked() -> None:
    """Without its module's aliases, ``used_names`` still sees the code's own import
    (a string of code, ``exec("import builtins as b; b.exec(c)")``)."""
    assert RUNS_TEXT in used_names(ast.parse("import builtins as b\nb.exec(code)"))
    assert RUNS_TEXT not in used_names(ast.parse("import builtins as b\na.exec(code)"))
    assert RUNS_TEXT not in used_names(ast.parse("b.exec(code)"))


def test_literal_code_run_through_an_alias_of_builtins() -> None:
    found = fp("import builtins as bi\n\ndef f():\n    bi.exec('from pkg.conf import VALUE')\n")
    assert RUNS_TEXT not in found.blocks["f"][1]
    assert {"conf", "VALUE"} <= found.blocks["f"][1]


@pytest.mark.parametrize(
    ("path", "text", "names"),
    [
        ("config.ini", b"[main]\ntimeout = 3\nname = x\npath = C:\\data\\file\n", set()),
        ("config.yaml", b"timeout: 30\nname: demo\ndebug: false\n", set()),
        ("pyproject.toml", b'[tool.x]\nname = "x"\n', set()),
        (
            "notes.txt",
            b"timeout = 3\nx += STEP\npkg.conf.VALUE\n",
            {"STEP", "x", "pkg", "conf", "VALUE"},
        ),
        ("data.json", b'{"cells": ' + b"[" * 3000 + b"]" * 3000 + b"}", set()),  # too deep
        ("big.txt", b"pkg.X\n" * 20_000, set()),  # over 64 KiB: marked code only
        ("big.md", b"```\npkg.X\n```\n" + b"prose\n" * 20_000, {"pkg", "X"}),
    ],
)
def test_text_file_loose_lines(path: str, text: bytes, names: set[str]) -> None:
    """Any line that parses as code is read in documentation and snippet files only,
    and only for what it reads: a data file's keys are no reads, and parsing shows
    no warning (``C:\\data`` is an invalid escape) and never raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = fingerprint_text(text, path).blocks[READ][1]
    assert found == frozenset(names)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            b"# T\n\n```python\nfrom pkg.conf import VALUE\n```\n\nProse WORD.\n",
            {"pkg", "conf", "VALUE"},
        ),
        (b"~~~\nhelper()\n~~~\nafter\n", {"helper"}),  # a fence without a language
        (b"````md\n```\ninner\n```\nstill\n````\nout\n", {"inner", "still"}),
        (b"Use::\n\n    limits.LIMIT\n\nProse.\n", {"limits", "LIMIT"}),  # a literal block
        (
            b".. code-block:: python\n\n    import pkg\n    pkg.X\n\nDone here.\n",
            {"pkg", "X"},
        ),
        (b".. note::\n\n    Words in a note.\n", set()),  # prose, not code
        (b"```\nfrom m import *\n```\n", {"m", LISTS}),  # it may read any name
        (b"> ```python\n> quoted.NAME\n> ```\n", {"quoted", "NAME"}),  # in a block quote
        (b"Text.\n\n    indented.call(V)\n", {"indented", "call", "V"}),  # any line of code
        (b".. invisible-code-block: python\n\n    hidden = 1\n", {"hidden"}),  # sybil's
        (b"<!-- invisible-code-block: python\nin_html()\n-->\n", {"in_html"}),
        (b"```x``` is inline.\n\n```\nafter_inline\n```\n", {"after_inline"}),
        (b"from pkg.conf import VALUE\nassert VALUE == 1\n", {"pkg", "conf", "VALUE"}),
        (b'{"name": "x", "value": 3}\n', set()),  # data: its strings name nothing
        (b"a,b,c\n1,2,3\nUsage\n", set()),  # values and a lone word
        (
            b'{"cells": [{"cell_type": "code", "source": ["import pkg\\n", "pkg.X"]},'
            b' {"cell_type": "markdown", "source": ["prose"]}]}',
            {"pkg", "X"},
        ),  # a notebook's code cells
    ],
)
def test_text_file_code_block_names(text: bytes, names: set[str]) -> None:
    """A text file's code blocks (Markdown fences, reST code directives and literal
    blocks) are examples a test may run (a README's): their names are the file's."""
    assert fingerprint_text(text).blocks[READ][1] == frozenset(names)


INERT_BODY = """
    class C:
        \"\"\"Doc.\"\"\"

        label = "c"

        def __init__(self, func, *args, **kwargs):
            if not callable(func):
                raise TypeError("not callable")
            merged = {}
            merged.update(kwargs)
            self.func, self.args = func, args
            self.kw = merged
            self.__doc__ = getattr(func, "__doc__", None)
            self.label = "x"

        def __call__(self, *args):
            return self.func(*args)
"""


@pytest.mark.parametrize(
    ("variant", "inert"),
    [
        (INERT_BODY, True),
        ("class C:\n    pass\n", True),
        ("class C(object):\n    x = 1\n", True),
        ("class C(Base):\n    pass\n", False),  # Base.__init__ may do anything
        ("@register\nclass C:\n    pass\n", False),
        ("class C(metaclass=Meta):\n    pass\n", False),
        ("class C:\n    def __new__(cls, f):\n        return object.__new__(cls)\n", False),
        ("class C:\n    def __set_name__(self, owner, name):\n        pass\n", False),
        ("class C:\n    def __setattr__(self, k, v):\n        pass\n", False),
        ("class C:\n    __init__ = make_init()\n", False),
        ("class C:\n    def __init__(self, f):\n        REGISTRY[f] = self\n", False),
        ("class C:\n    def __init__(self, f):\n        register(f)\n", False),
        ("class C:\n    def __init__(self, f):\n        self.setup(f)\n", False),
        ("class C:\n    def __init__(self, f):\n        self.seen.append(f)\n", False),
        ("class C:\n    def __init__(self, f):\n        f.owner = self\n", False),
        ("class C:\n    def __init__(self, f):\n        f.items.clear()\n", False),
        ("class C:\n    def __init__(self, f, seen):\n        seen += [f]\n", False),
        ("class C:\n    def __init__(self, f):\n        global LAST\n        LAST = f\n", False),
        ("class C:\n    def __init__(self, f):\n        for x in f:\n            pass\n", False),
        ("class C:\n    def __init__(self, f):\n        self.f = lambda: f\n", False),
        ("class C:\n    def __init__(self, callable):\n        callable(1)\n", False),
        ("class C:\n    @trace\n    def __init__(self, f):\n        self.f = f\n", False),
        ("class C:\n    def __init__(self, f):\n        self.__dict__ = SHARED\n", False),
        ("class C:\n    def __init__(self, f):\n        self.__class__ = Other\n", False),
        ("class C:\n    def __init__(self, f):\n        self = HOLDER\n", False),
        ("class C:\n    def __init__(self, f):\n        self.d = DOCS.get(f)\n", False),
        ("class C:\n    def __init__(self, f):\n        pass\n\n    __init__ = other\n", False),
        ("class C:\n    locals()['f'] = make()\n", False),
        ("class C:\n    limit = compute()\n", False),
        ("class C:\n    if FAST:\n        x = 1\n", False),
        # it reads a header, which may make it raise; it copies one with getattr only
        ("class C:\n    def __init__(self, f):\n        assert f.__doc__\n", False),
        ("class C:\n    def __init__(self, f):\n        self.n = len(f.__defaults__)\n", False),
        ("class C:\n    def __init__(self, f):\n        self.d = getattr(f, '__doc__')\n", False),
        ("class C:\n    def __init__(self, f):\n        self.d = getattr(f, '__doc__', 1)\n", True),
        # a module-level name may be a project object with ``__eq__``, a metaclass
        ("class C:\n    def __init__(self, f):\n        self.m = f == MISSING\n", False),
        ("class C:\n    def __init__(self, f):\n        self.k = isinstance(f, Kind)\n", False),
        ("class C:\n    def __init__(self, f):\n        self.k = isinstance(f, int)\n", True),
        # ``self.f = ...`` runs the setter of a property ``f``
        (
            "class C:\n    def __init__(self, f):\n        self.f = f\n\n"
            "    @property\n    def f(self):\n        return 1\n",
            False,
        ),
    ],
)
def test_inert_classes(variant: str, inert: bool) -> None:
    """A class whose instances are built without doing anything but setting their
    own attributes (``curry(f)``)."""
    found = fp(variant)
    assert ("C" in found.inert) is inert
    assert Fingerprint.loads(found.dumps()).inert == found.inert  # type: ignore[union-attr]


def test_an_inert_class_lists_the_attributes_its_init_sets() -> None:
    """A descriptor of one of those names set on the class later would run code."""
    sets = {"func", "args", "kw", "label", "__doc__"}
    names = {"callable", "TypeError", "getattr"}  # set from elsewhere, they run other code
    assert fp(INERT_BODY).inert == {"C": frozenset(sets | names)}


def test_attribute_stores() -> None:
    found = fp(
        """
        import pkg

        pkg.curry = wrap
        setattr(pkg.Box, "func", prop)


        def f(obj, name):
            self.own = 1
            setattr(obj, name, 2)
            del obj.gone
        """
    )
    assert found.stores == {"curry", "func", COMPUTED, "gone"}


def test_namespace_writes() -> None:
    """A namespace written as a dict: the names it spells, else ``NAMESPACE`` and the
    block that does it."""
    found = fp(
        """
        import pkg

        globals()["C"] = make
        vars(pkg)["D"] = make
        pkg.__dict__["E"] = make
        locals().update(table)


        def __getattr__(name):
            if name == "__version__":
                globals()[name] = "1"
            return None


        def install(name):
            globals()[name] = make
        """
    )
    assert found.stores == {"C", "D", "E", NAMESPACE, "__version__", NAMESPACE + "install"}
    assert Fingerprint.loads(found.dumps()).stores == found.stores  # type: ignore[union-attr]


def test_exec_and_eval_write_a_namespace() -> None:
    """``exec`` and ``eval`` bind what their text says, in the namespace given."""
    found = fp(
        """
        from app import settings

        exec("Base = Production", vars(settings))


        class Base:
            exec("PAGE_SIZE = 1")


        def walrus():
            return eval("(X := 1)")
        """
    )
    assert found.stores == {NAMESPACE, NAMESPACE + "walrus"}


def test_a_class_bound_twice_is_not_inert() -> None:
    assert "C" not in fp("class C:\n    pass\n\n\nC = make()\n").inert
    assert "C" not in fp("class C:\n    pass\n\n\nclass C:\n    pass\n").inert


@pytest.mark.parametrize(
    ("src", "callees"),
    [
        ("import toolz\ng = toolz.curry(toolz.f)\n", ["toolz.curry"]),
        ("from toolz import curry\ng = curry(f)\n", ["toolz.curry"]),
        ("from .functoolz import curry\ng = curry(f)\n", [".functoolz.curry"]),
        ("from . import functoolz\ng = functoolz.curry(f)\n", [".functoolz.curry"]),
        ("import toolz\ng = toolz.curry(f)\ndel toolz\n", ["toolz.curry"]),
        ("class W:\n    pass\n\n\ng = W(f)\n", ["@W"]),
        ("import a, b\ng = a.W(b.V(f))\n", ["a.W", "b.V"]),
        ("g = make(f)\n", None),  # a builtin of that name: not a class of the project
        ("import a\ng = a.W(f).register()\n", None),
        ("import a\ng = a.W(f)[0]\n", ["a.W"]),
        ("import a\ng = a.W(run(f))\n", None),
    ],
)
def test_calls_that_may_construct_a_class_of_the_project(
    src: str, callees: list[str] | None
) -> None:
    """``Binding.acts`` says where each callee comes from, so that selection can tell
    whether it is an inert class."""
    acts = fp(src).bindings[("", "g")].acts
    assert acts
    assert constructed(acts) == (sorted(callees) if callees is not None else None)


QUALIFIED_HEAD = """
import enum
from collections import OrderedDict as OD
from .base import Root


class Base:
    PAGE_SIZE = 20
"""


@pytest.mark.parametrize(
    ("body", "qualified"),
    [
        ("X = Base.PAGE_SIZE // 4\n", {"PAGE_SIZE": {"@Base"}}),
        ("X = Base.PAGE_SIZE + Root.PAGE_SIZE\n", {"PAGE_SIZE": {"@Base", ".base.Root"}}),
        ("X = Base.PAGE_SIZE.real\n", {"PAGE_SIZE": {"@Base"}}),
        ("X: int = Base.PAGE_SIZE\n", {"PAGE_SIZE": {"@Base"}}),
        ("X = OD.PAGE_SIZE\n", {"PAGE_SIZE": {"collections.OrderedDict"}}),
        # read some other way too: by name, anyone's
        ("X = Base.PAGE_SIZE + obj.PAGE_SIZE\n", {}),
        ("X = Base.PAGE_SIZE + getattr(Base, 'PAGE_SIZE')\n", {}),
        ("X = Base.PAGE_SIZE + f(PAGE_SIZE=1)\n", {}),
        ("X = Base.PAGE_SIZE + PAGE_SIZE\n", {}),
        ("X = make().PAGE_SIZE\n", {}),
        ("X = unknown.PAGE_SIZE\n", {}),  # a builtin's name, or nothing: not followed
        # names of the expression's own
        ("X = (lambda Base: Base.PAGE_SIZE)(1)\n", {}),
        ("X = [Base.PAGE_SIZE for Base in ()]\n", {}),
        # a name bound twice
        ("X = Base.PAGE_SIZE\nX = 2\n", {}),
        ("Base = make()\nX = Base.PAGE_SIZE\n", {}),
        ("class C:\n    Base = 1\n    X = Base.PAGE_SIZE\n", {}),
    ],
)
def test_attributes_read_only_on_classes(body: str, qualified: dict[str, set[str]]) -> None:
    found = fp(QUALIFIED_HEAD + body)
    got = {attr: set(r) for attrs in found.qualified.values() for attr, r in attrs.items()}
    assert got == qualified


def test_attributes_read_on_classes_in_a_class_body() -> None:
    found = fp(QUALIFIED_HEAD + "\n\nclass Testing(Base):\n    PAGE_SIZE = Base.PAGE_SIZE // 4\n")
    assert found.qualified == {("Testing", "PAGE_SIZE"): {"PAGE_SIZE": frozenset({"@Base"})}}


@pytest.mark.parametrize(
    ("body", "bases"),
    [
        ("class A:\n    pass\n", {"A": ()}),
        ("class A(Base):\n    pass\n", {"A": ("@Base",)}),
        ("class A(Base, Root):\n    pass\n", {"A": ("@Base", ".base.Root")}),
        ("class A(enum.Enum):\n    X = 1\n", {"A": ("enum.Enum",)}),
        ("class A(OD, dict):\n    pass\n", {"A": ("collections.OrderedDict", "builtins.dict")}),
        # what may answer attributes another way, or bases we cannot follow
        ("@deco\nclass A:\n    pass\n", {}),
        ("class A(metaclass=M):\n    pass\n", {}),
        ("class A(Base, x=1):\n    pass\n", {}),
        ("class A(make()):\n    pass\n", {}),
        ("class A(Base.Inner):\n    pass\n", {}),
        ("class A:\n    pass\n\n\nA = make()\n", {}),
        ("def f():\n    class A:\n        pass\n", {}),
    ],
)
def test_class_bases(body: str, bases: dict[str, tuple[str, ...]]) -> None:
    found = fp(QUALIFIED_HEAD + "\n\n" + body)
    assert {k: v for k, v in found.class_bases.items() if k != "Base"} == bases


def test_qualified_reads_and_class_bases_are_stored() -> None:
    found = fp(QUALIFIED_HEAD + "\n\nclass Testing(Base):\n    PAGE_SIZE = Base.PAGE_SIZE // 4\n")
    loaded = Fingerprint.loads(found.dumps(), blocks=False)
    assert loaded is not None
    assert loaded.qualified == found.qualified
    assert loaded.class_bases == found.class_bases == {"Base": (), "Testing": ("@Base",)}


@pytest.mark.parametrize(
    ("source", "frames"),
    [
        ("def f(g):\n    return g.gi_frame.f_locals\n", True),
        ("import inspect\nX = inspect.getgeneratorlocals\n", True),
        ("from inspect import getcoroutinelocals\n", True),
        ("def f(c):\n    return c.cr_frame\n", True),
        ("def f(g):\n    return g.gi_running, g.f_locals\n", False),
    ],
)
def test_code_that_reads_an_unstarted_generators_frame(source: str, frames: bool) -> None:
    found = fp(source)
    assert found.frames is frames
    assert Fingerprint.loads(found.dumps(), blocks=False).frames is frames  # type: ignore[union-attr]


def test_code_that_may_get_any_module_is_marked() -> None:
    """``import_module(name)``, a relative name, ``sys.modules``, a loader passed on:
    the module is not spelled (``ANY_MODULE``); a literal absolute name is."""
    found = fp(
        """
        import functools
        import importlib
        import sys

        load = functools.partial(importlib.import_module)
        JSON = importlib.import_module("json")

        def by_name(n):
            return importlib.import_module(n)

        def literal():
            return importlib.import_module("pkg.b")

        def cached():
            return sys.modules["pkg.b"]

        def relative():
            return importlib.import_module(".b", "pkg")

        def again(m):
            return importlib.reload(m)
        """
    )
    assert ANY_MODULE in found.imports and "json" in found.imports
    assert found.lazy["literal"] == {"pkg.b"}
    for block in ("by_name", "cached", "relative", "again"):
        assert found.lazy[block] == {ANY_MODULE}, block
    plain = fp('import importlib\nJSON = importlib.import_module("json")\n')
    assert ANY_MODULE not in plain.imports


def test_names_only_a_parametrize_mark_spells_are_marked() -> None:
    """A definition's deps: a string in ``pytest.mark.parametrize`` is ``MARKED``
    (pytest never looks it up at import); a name the header spells otherwise, or a
    string in any other decorator, stays a read."""
    found = fp(
        """
        import pytest
        from pytest import mark

        @pytest.mark.parametrize("method", ["get_parent", "get_name", "fixture"])
        @uses("get_name")
        def test_a(method, other=get_first):
            pass

        @mark.parametrize("f", [get_parent, "get_first"])
        def test_b(f):
            pass
        """
    )
    deps = found.bindings[("", "test_a")].deps
    assert MARKED + "get_parent" in deps and "get_parent" not in deps
    assert {"get_name", "fixture", "get_first"} <= deps
    assert MARKED + "get_name" not in deps
    deps = found.bindings[("", "test_b")].deps
    assert "get_parent" in deps and MARKED + "get_first" in deps


def test_module_finders_under_other_names_are_marked() -> None:
    """``sys`` bound to another name, ``sys.modules`` or ``import_module`` imported by
    name (as themselves or renamed): ANY_MODULE where they are used."""
    found = fp(
        """
        import sys as _sys
        from importlib import import_module as load
        from sys import modules
        from sys import modules as loaded

        def aliased():
            return _sys.modules["pkg.b"]

        def imported():
            return modules["pkg.b"]

        def renamed():
            return loaded["pkg.b"]

        def loader(n):
            return load(n)

        def other(obj):
            return obj.modules
        """
    )
    for block in ("aliased", "imported", "renamed", "loader"):
        assert found.lazy[block] == {ANY_MODULE}, block
    assert "other" not in found.lazy


def test_attributes_of_imported_modules_are_kept_by_block() -> None:
    """``attrs``: dotted names read as attributes of what an import bound (a submodule
    is an attribute of its package once imported), by block; not for the standard
    library; kept in the stored form."""
    found = fp(
        """
        import os
        import pkg
        import pkg.sub as s
        from . import rel

        TOP = pkg.b.VAL

        def use():
            return getattr(pkg, "c"), s.d, rel.e.F, os.path.join("a")

        def deep():
            return pkg.a.b.c.d.e.f.g
        """
    )
    # each chain as read, from what the import names and from the name it binds, and
    # without that name (``helper.pkg.b``: helper may hold the package)
    assert found.attrs[MODULE] == {"pkg.b", "pkg.b.VAL", "b.VAL"}
    # the standard library's modules are left out
    assert found.attrs["use"] == {
        *("pkg.c", "pkg.sub.d", "s.d"),
        *(".rel.e", ".rel.e.F", "rel.e", "rel.e.F", "e.F"),
    }
    assert "pkg.a.b.c.d.e.f" in found.attrs["deep"]  # six attributes at most
    assert "pkg.a.b.c.d.e.f.g" not in found.attrs["deep"]
    loaded = Fingerprint.loads(found.dumps())
    assert loaded is not None and loaded.attrs == found.attrs
    assert not fp("import os\nX = os.path.sep\n").attrs  # os is no package


def test_submodules_of_standard_library_packages_are_kept() -> None:
    """A standard library package bound by an import: the submodules read as its
    attributes (another module's ``import wsgiref.util`` sets ``wsgiref.util``), not its
    other attributes; ``os`` is a module (``os.path`` is always set)."""
    found = fp(
        """
        import json
        import wsgiref
        import email as mail
        from xml import etree
        import os

        def use():
            return wsgiref.util.shift_path_info, json.decoder, json.dumps, mail.message

        def nested():
            return etree.ElementTree.parse, etree.x, os.path
        """
    )
    assert found.attrs == {
        "use": {"wsgiref.util", "json.decoder", "email.message"},
        "nested": {"xml.etree.ElementTree"},
    }


def test_a_file_that_may_read_parameter_names_is_marked() -> None:
    """``introspects``: its text may read parameter names (an injector of its own);
    kept in the stored form, unknown (None) in older data."""
    plain = fp("def handler(db):\n    return db\n")
    injector = fp("import inspect\n\ndef call(fn):\n    return inspect.signature(fn).parameters\n")
    assert plain.introspects is False and injector.introspects is True
    for found in (plain, injector):
        back = Fingerprint.loads(found.dumps())
        assert back is not None and back.introspects is found.introspects


BRANCHES = """
import sys

if sys.platform == "win32":

    def getchar(echo):
        return 1

else:
    try:
        import termios
    except ImportError:

        class Fallback:
            LIMIT = 3

            def read(self, n=LIMIT):
                '''Read n.'''
                return n

    def getchar(echo):
        return 2

    x = 1
"""


@pytest.mark.parametrize(
    ("old", "new", "blocks", "statement"),
    [
        # bodies: the function's block only; the statement runs none of them
        ("return 2", "return 2 + 0", {"getchar#2"}, False),
        ("return 1", "return 1  # one", set(), False),
        ("return n", "return n * 2", {"Fallback.read"}, False),
        # what runs at import: a default, a docstring, a class attribute, a condition
        ("n=LIMIT", "n=4", {"Fallback.read"}, True),
        ("'''Read n.'''", "'''Read up to n.'''", {"Fallback.read"}, True),
        ("LIMIT = 3", "LIMIT = 4", set(), True),
        ('"win32"', '"cygwin"', set(), True),
    ],
)
def test_functions_of_a_branch_are_blocks(
    old: str, new: str, blocks: set[str], statement: bool
) -> None:
    before = fp(BRANCHES)
    assert new not in BRANCHES
    assert old in BRANCHES
    after = fp(BRANCHES.replace(old, new, 1))
    assert {name for _, _, name in before.spans} == {"getchar", "getchar#2", "Fallback.read"}
    ch = diff(before, after)
    assert ch.blocks - {MODULE} == blocks
    assert ch.effects is statement
    assert ch.module is statement


def test_a_statement_reads_what_its_functions_headers_read() -> None:
    effect = fp(BRANCHES).effects[0]
    assert {"platform", "LIMIT", "ImportError", "termios"} <= effect.uses
    assert not {"echo", "n"} & effect.uses  # parameters' own names


def test_what_stands_around_a_body_left_out_counts() -> None:
    """``y = 2`` under ``if X`` only, or under ``if Y`` too: the statement's digest
    leaves out ``f``'s body and keeps where the rest stands."""
    inner = fp("if X:\n    if Y:\n        def f():\n            return 1\n        y = 2\n")
    outer = fp("if X:\n    if Y:\n        def f():\n            return 1\n    y = 2\n")
    assert inner.effects[0].digest != outer.effects[0].digest
    body = fp("if X:\n    if Y:\n        def f():\n            return 3\n        y = 2\n")
    assert body.effects[0].digest == inner.effects[0].digest


@pytest.mark.parametrize(
    ("head", "test"),
    [
        ("from typing import TYPE_CHECKING", "TYPE_CHECKING"),
        ("import typing", "typing.TYPE_CHECKING"),
        ("import typing as t", "t.TYPE_CHECKING"),
        ("from typing_extensions import TYPE_CHECKING", "TYPE_CHECKING"),
    ],
)
def test_what_type_checking_holds_never_runs(head: str, test: str) -> None:
    """It reads nothing, imports nothing, and an edit there changes nothing."""
    src = f"{head}\n\nif {test}:\n    from app.core import Thing\nelse:\n    Y = other\n"
    found = fp(src)
    effect = found.effects[-1]
    assert "Thing" not in effect.uses
    assert "other" in effect.uses  # the ``else`` runs
    assert "app.core" not in found.imports
    added = fp(src.replace("import Thing", "import Thing, make"))
    assert not diff(found, added).any
    assert diff(found, fp(src.replace("other", "another"))).effects


def test_a_type_checking_flag_of_the_module_s_own() -> None:
    """``TYPE_CHECKING = True``: its body runs."""
    found = fp("TYPE_CHECKING = True\n\nif TYPE_CHECKING:\n    from app.core import Thing\n")
    assert "Thing" in found.effects[-1].uses
    assert "app.core" in found.imports


@pytest.mark.parametrize(
    ("old", "new", "changed"),
    [
        # which ``f`` the import runs for X
        (
            "def f(): pass\nX = f()\ndef f(): pass\n",
            "def f(): pass\ndef f(): pass\nX = f()\n",
            True,
        ),
        # before ``def f`` it raises NameError
        ("def f(): pass\nX = f()\n", "X = f()\ndef f(): pass\n", True),
        # a class body reads the module's name, or its own
        (
            "L = 1\nclass C:\n    Y = L\nL = 2\n",
            "L = 1\nL = 2\nclass C:\n    Y = L\n",
            True,
        ),
        # a statement with effects too
        ("def f(): pass\nrun(f)\nf = 2\n", "def f(): pass\nf = 2\nrun(f)\n", True),
        # functions moved: nothing at import reads them in another order
        (
            "def f(): pass\ndef g(): pass\nX = f()\n",
            "def g(): pass\ndef f(): pass\nX = f()\n",
            False,
        ),
    ],
)
def test_which_binding_a_statement_reads(old: str, new: str, changed: bool) -> None:
    ch = diff(fp(old), fp(new))
    assert bool(ch.bindings or ch.effects) is changed, ch


def test_functions_that_leave_no_state() -> None:
    """``Fingerprint.pure``: what a function did while another module's import ran it
    stays nowhere but in what it returned."""
    found = fp(
        """
        import os

        from registry import register

        from .helpers import local_helper

        REG = {}


        def double(x):
            return x * 2


        def gen(x):
            yield len(x)


        def store(name, f):
            REG[name] = f


        def remember(x):
            global LAST
            LAST = x


        def env():
            return os.environ.setdefault("A", "1")


        def helper(x):
            return double(x)


        def relative(x):
            return local_helper(x)


        def absolute(x):
            return register(x)


        def method(self):
            return self.put(1)


        class Box:
            def __init__(self, value):
                self.value = value

            def put(self, value):
                self.value = value


        class Named(Box):
            def __init__(self, value, name):
                super().__init__(value)
                self.name = name


        class Shared:
            def __init__(self, key):
                self.table = REG
                self.table[key] = 1
        """
    )
    # the module's own functions, a relative import's, a method of its classes: their
    # own records tell; ``register`` may be anyone's
    # ``self`` in ``__init__`` is the new instance; an object it holds may be anyone's
    assert found.pure == {
        "double",
        "gen",
        "helper",
        "method",
        "Box.__init__",
        "Named.__init__",
    }
    # pure when selection finds a function or class a project module defines by that name
    assert found.pure_if == {
        "relative": {".helpers.local_helper"},
        "absolute": {"registry.register"},
    }
    assert Fingerprint.loads(found.dumps()).pure == found.pure  # type: ignore[union-attr]


# What a function's body does -> "pure", "keeps" (state), or the dotted names whose
# being the project's own code makes it pure (``pure_if``).
PURITY_CASES = {
    "gettext": ('return _("text").format(n=1)', "pure"),
    "text-methods": ('return name.replace("_", "-").lower().strip()', "pure"),
    "join-on-literal": ('return ", ".join(sorted(name))', "pure"),
    "kwargs-get": ('return attrs.get("required", False)', "pure"),
    "get-on-a-module-object": ('return QUEUE.get("x")', "keeps"),
    "get-on-self": ('return self.table.get("x")', "keeps"),
    "made-list": ("out = []\nout.append(name)\nreturn out", "pure"),
    "made-dict-item": ("seen = {}\nseen[name] = 1\nreturn seen", "pure"),
    "made-list-times": ("args = [iter(name)] * 2\nreturn zip(*args)", "pure"),
    "a-module-s-list-by-a-local": ("out = REG\nout.append(name)", "keeps"),
    "rebound-to-a-module-s-list": ("out = []\nout = REG\nout.append(name)", "keeps"),
    "list-shadowed": ("list = util.make\nout = list()\nout.append(name)", "keeps"),
    "key-lambda": ("return sorted(name, key=lambda c: -ord(c))", "pure"),
    "kept-lambda": ("return lambda: name", "keeps"),
    "itertools": ("return list(zip_longest(name, name))", "keeps"),  # name: an iterator?
    "itertools-made": ('out = []\nreturn list(zip_longest(out, "ab"))', "pure"),
    "inspect-cleandoc": ("return inspect.cleandoc(name)", "pure"),
    "environ-get": ('return os.environ.get("A")', "pure"),
    "environ-setdefault": ('return os.environ.setdefault("A", name)', "keeps"),
    "operator-setitem": ("operator.setitem(REG, name, 1)", "keeps"),
    "a-module-function": ("return os.path.join(name)", "pure"),
    "re-split": ('return re.split(",", name)', "pure"),
    "absolute-import": ("return util.norm(name)", {"lib.util.norm"}),
    "absolute-class": ("return Length(name)", {"lib.validate.Length"}),
    "absolute-and-store": ("REG[name] = util.norm(name)", "keeps"),
    "get-on-a-parameter": ('return name.get("x")', "keeps"),  # a queue, perhaps
    "get-on-a-local-alias": ('q = QUEUE\nreturn q.get("x")', "keeps"),
    "kwargs-rebound": ('attrs = attrs or REG\nattrs["x"] = 1', "keeps"),
    "match-capture": ("out = []\nmatch REG:\n    case out:\n        pass\nout.append(1)", "keeps"),
    "reduce-bound-method": ("return functools.reduce(REG.append, name)", "keeps"),
    "json-object-hook": ("return json.loads(name, object_hook=REG.append)", "keeps"),
    "map-bound-method": ("return list(map(REG.append, name))", "keeps"),
    "map-builtin-method": ("return list(map(str.upper, name))", "pure"),
    "islice-module-iterator": ('return "".join(zip_longest(QUEUE, name))', "keeps"),
    "sorted-module-literal": ("return sorted(NAMES)", "pure"),
    # review 39
    "join-a-module-iterator": ('return ", ".join(QUEUE)', "keeps"),
    "join-made": ('out = []\nreturn ", ".join(out)', "pure"),
    "a-hook-by-a-local": ("hook = REG.append\nreturn json.loads(name, object_hook=hook)", "keeps"),
    "a-comprehension-shadowing": (
        "_ = [QUEUE for QUEUE in name]\nreturn list(zip_longest(QUEUE))",
        "keeps",
    ),
    "a-method-of-a-module-object": ('return QUEUE.decode("x")', "keeps"),
    "a-parameter-made-or-not": ("if name is None:\n    name = []\nname.append(1)", "keeps"),
    "a-partial-handed-on": (
        "return functools.reduce(functools.partial(REG.append), name)",
        "keeps",
    ),
    "stdlib-unknown": ('return logging.getLogger("x")', "keeps"),
    "super-method": ("return super().describe()", "keeps"),  # a builtin base's __iadd__
    "super-changing": ("return super().update(name)", "keeps"),
}


@pytest.mark.parametrize("body, want", list(PURITY_CASES.values()), ids=list(PURITY_CASES))
def test_what_a_function_may_leave(body: str, want: str | set[str]) -> None:
    source = (
        "import functools\nimport inspect\nimport json\nimport logging\nimport operator\n"
        "import os\nimport re\n"
        "from gettext import gettext as _\nfrom itertools import zip_longest\n\n"
        "from lib import util\nfrom lib.validate import Length\n\n"
        "REG = []\nQUEUE = iter(REG)\nNAMES = ['a', 'b']\n\n\n"
        "class Base:\n    def describe(self):\n        return 1\n\n\n"
        "class C(Base):\n    def f(self, name, **attrs):\n" + textwrap.indent(body, " " * 8) + "\n"
    )
    found = fingerprint_python(source.encode())
    if want == "pure":
        assert "C.f" in found.pure and "C.f" not in found.pure_if
    elif want == "keeps":
        assert "C.f" not in found.pure and "C.f" not in found.pure_if
    else:
        assert "C.f" not in found.pure and found.pure_if["C.f"] == want
        again = Fingerprint.loads(found.dumps())
        assert again is not None and again.pure_if == found.pure_if


def _held_of(found: Fingerprint) -> list[tuple[list[str], str]]:
    """The held statements, in effect order: (containers, callee)."""
    return [
        (sorted(found.held[e.digest][0]), found.held[e.digest][1])
        for e in found.effects
        if e.digest in found.held
    ]


def test_module_containers() -> None:
    """A name bound once at module level to a container the module makes."""
    tree = ast.parse(
        textwrap.dedent(
            """
            A = {}
            B = []
            C = dict()
            D = {}
            D = {}
            E = {}
            for E in ():
                pass
            F = {}

            def g():
                global F
            G = make()
            H = {}
            import H
            """
        )
    )
    assert module_containers(tree) == {"A", "B", "C"}
    assert module_containers(ast.parse("dict = f\nA = dict()\n")) == frozenset()


def test_held_statements() -> None:
    found = fp(
        """
        import logging
        from . import sub
        from .other import *
        from .conf import CONFIG
        REG = {}
        REG["a"] = dict(x=[lambda: print("later")])  # a lambda's body runs later
        REG["b"] = {}
        REG["b"]["c"] = (1, 2)  # an element the module made
        REG["b"].update(d=1)
        REG["z"]["c"] = 1  # an element it did not make: anyone's object
        HOLD = [CONFIG]
        HOLD[0]["mode"] = "b"
        REG.update(d=1)
        REG["b"]["c"] = 3  # ``update`` may have replaced it
        REG["e"] = open("f")
        OTHER["x"] = 1
        sub.build()
        sub.build(REG)
        build()
        logging.basicConfig()
        sub.build(open("f"))
        """
    )
    assert _held_of(found) == [
        ([], "*"),
        (["REG"], ""),
        (["REG"], ""),
        (["REG"], ""),
        (["REG"], ""),
        (["REG"], ""),
        ([], ".sub.build"),
        ([], "+.sub.build"),
        ([], "?build"),
    ]
    # a function that may change the elements: only stores into the container count
    touched = fp(
        """
        REG = {}
        REG["b"] = {}
        REG["b"]["c"] = 1


        def swap(table=REG):
            table["b"] = OTHER
        """
    )
    assert _held_of(touched) == [(["REG"], "")]  # not the store into REG["b"]


def test_contained_functions() -> None:
    found = fp(
        """
        from importlib import import_module

        TABLE = {}
        SEEN = []


        def arity(spec):
            return spec["arity"]


        def build(info, table=TABLE):
            for name, spec in info.items():
                module = import_module(name)
                table[name] = arity(spec)


        def note(x):
            SEEN.append(x)


        def leaks(x, table=TABLE):
            table[x] = 1
            x.attr = 1


        def other(x, out):
            out[x] = 1


        def rebinds(table=TABLE):
            table = {}
            table[1] = 2


        def deep(table=TABLE):
            table["x"]["y"] = 1  # the element may be anyone's object
        """
    )
    assert "arity" in found.pure
    assert found.contained == {
        "build": (frozenset({"TABLE"}), frozenset(), frozenset({"table"})),
        "note": (frozenset({"SEEN"}), frozenset(), frozenset()),
    }
    again = Fingerprint.loads(found.dumps())
    assert again is not None
    assert again.contained == found.contained
    assert again.held == found.held


def test_a_descriptor_that_defers_to_property_keeps_no_state() -> None:
    """Its getter is the project's code: the import's record holds it when it runs."""
    found = fp(
        """
        class InstanceProperty(property):
            def __get__(self, obj, type=None):
                if obj is None:
                    return self.classval
                return property.__get__(self, obj, type)


        class Other(property):
            def __get__(self, obj, type=None):
                return other.__get__(self, obj, type)
        """
    )
    assert "InstanceProperty.__get__" in found.pure
    assert "Other.__get__" not in found.pure

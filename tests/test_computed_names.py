"""Names and modules code gets by names it does not spell (review 30): a namespace
read by a computed name and then written through (a setter, an object changed in place,
a frame's locals), ``sys.modules`` and submodules reached under other names. Each case
is a miss of some earlier version: reading ``globals()[k]`` must keep counting as a
possible write of any name."""

from __future__ import annotations

import textwrap

import pytest

from helpers import Project
from test_import_time import H_CALLS_F, LIMITS, check_own, check_wired
from test_safety import check, record

SETTERS = {
    # fae7ad3: the namespace read is only a way to reach setattr, vars, object.__setattr__
    "builtins-subscript": '__builtins__["setattr"]({mod}, name, value)',
    "builtins-get": '__builtins__.get("setattr")({mod}, name, value)',
    "vars-builtins": 'vars(builtins)["setattr"]({mod}, name, value)',
    "builtins-dict": 'builtins.__dict__.get("setattr")({mod}, name, value)',
    "vars-of-vars": 'vars(builtins)["vars"]({mod})[name] = value',
    "object-setattr": 'vars(object)["__setattr__"]({mod}, name, value)',
    "globals-builtins": 'globals()["__builtins__"]["setattr"]({mod}, name, value)',
    # older: setattr under another name, or a namespace got by a name in a string
    "builtins-attr": "builtins.setattr({mod}, name, value)",
    "alias": "set_ = setattr\n        set_({mod}, name, value)",
    "getattr-dict": 'getattr({mod}, "__dict__")[name] = value',
    "getattr-setattr": 'getattr({mod}, "__setattr__")(name, value)',
}


@pytest.mark.parametrize("setter", list(SETTERS.values()), ids=list(SETTERS))
def test_a_name_set_through_a_namespace_read(project: Project, setter: str) -> None:
    """lib/wire.py sets LIMIT in lib/own.py by a computed name, through a namespace
    it only reads from: lib/own.py's bare LIMIT is no longer only its own."""
    calls = "".join(
        textwrap.indent(setter.format(mod=mod).replace("\n        ", "\n"), " " * 12) + "\n"
        for mod in ("lib.unbound", "lib.own")
    )
    wire = (
        "import builtins\n\n\n"
        "def wire():\n"
        "    for name in dir(lib.limits):\n"
        "        if name.isupper():\n"
        "            value = getattr(lib.limits, name)\n" + calls + "\n\nwire()\n"
    )
    check_wired(project, wire)


TABLES = {
    "lib/__init__.py": "",
    "lib/limits.py": """
        TABLE = {"a": 1}


        def limit():
            return TABLE["a"]
    """,
    "lib/own.py": """
        TABLE = {"b": 2}


        def small():
            return TABLE.get("a")
    """,
    "tests/test_tables.py": """
        import lib.wire  # noqa: F401
        from lib.limits import limit
        from lib.own import small


        def test_limit():
            assert limit() == 1


        def test_small():
            assert small() == 1
    """,
}

MERGES = {
    # fae7ad3: the namespace is only read, the object read from it is changed in place
    "vars-subscript": "vars(lib.own)[name].update(getattr(lib.limits, name))",
    "vars-get": "vars(lib.own).get(name, {}).update(getattr(lib.limits, name))",
    "dict-subscript": "lib.own.__dict__[name].update(vars(lib.limits)[name])",
    "item": 'vars(lib.own)[name]["a"] = getattr(lib.limits, name)["a"]',
    # spelled
    "spelled": "lib.own.TABLE.update(lib.limits.TABLE)",
}


@pytest.mark.parametrize("merge", list(MERGES.values()), ids=list(MERGES))
def test_an_object_changed_in_place_through_a_namespace_read(project: Project, merge: str) -> None:
    """lib/wire.py merges lib/limits.py's tables into lib/own.py's, got by a name it
    does not spell: lib/own.py's bare TABLE holds what lib/limits.py's TABLE held."""
    files = dict(TABLES)
    files["lib/wire.py"] = (
        "import lib.limits\nimport lib.own\n\n\n"
        "def wire():\n"
        "    for name in dir(lib.limits):\n"
        "        if name.isupper():\n"
        f"            {merge}\n\n\nwire()\n"
    )
    record(project, files, "test_limit", "test_small")
    project.edit("lib/limits.py", 'TABLE = {"a": 1}', 'TABLE = {"a": 2}')
    check(
        project.run("--testmon"),
        must=["test_limit", "test_small"],
        failed=["test_limit", "test_small"],
    )


FIRST = "import pkg.b  # noqa\n\n\ndef test_first():\n    assert True\n"
FOUND = {
    "sys-assigned": """
        import sys

        S = sys


        def test_val():
            assert S.modules["pkg.b"].VAL == 1
    """,
    "sys-getattr": """
        import sys


        def test_val():
            assert getattr(sys, "modules")["pkg.b"].VAL == 1
    """,
    "vars-sys": """
        import sys


        def test_val():
            assert vars(sys)["modules"]["pkg.b"].VAL == 1
    """,
    "dunder-import-sys": """
        def test_val():
            assert __import__("sys").modules["pkg.b"].VAL == 1
    """,
    "importlib-alias": """
        import importlib as il

        NAME = "pkg.b"


        def test_val():
            assert il.import_module(NAME).VAL == 1
    """,
    "package-assigned": """
        import pkg

        P = pkg


        def test_val():
            assert P.b.VAL == 1
    """,
    "package-vars": """
        import pkg


        def test_val():
            assert vars(pkg)["b"].VAL == 1
    """,
    "package-from-helper": """
        from helper import pkg


        def test_val():
            assert pkg.b.VAL == 1
    """,
    "package-via-helper": """
        import helper


        def test_val():
            assert helper.pkg.b.VAL == 1
    """,
}


@pytest.mark.parametrize("case", sorted(FOUND))
def test_a_module_found_by_a_name_the_code_does_not_spell_more(project: Project, case: str) -> None:
    """As test_a_module_found_by_a_name_the_code_does_not_spell (9d6617d): b's import
    calls ``f``; test_first imports b, test_val gets it by a name it does not spell."""
    files = {
        "pkg/__init__.py": "",
        "pkg/a.py": H_CALLS_F,
        "pkg/b.py": "from pkg.a import h\n\nVAL = h()\n",
        "helper.py": (
            "from importlib import import_module as load  # noqa: F401\n"
            "from sys import modules as loaded  # noqa: F401\n\n"
            "import pkg  # noqa: F401\n"
        ),
        "tests/test_aa.py": FIRST,
        "tests/test_val.py": FOUND[case],
    }
    record(project, files, "test_first", "test_val")
    project.edit("pkg/a.py", "x=1", "x=2")
    check(project.run("--testmon"), must=["test_val"], may=["test_first"], failed=["test_val"])


def test_a_namespace_passed_on_by_a_chained_comparison(project: Project) -> None:
    """``k in vars(m) in sink`` reads ``vars(m)`` with ``in`` and passes it on to
    ``sink.__contains__``, which may write it."""
    check_wired(
        project,
        """
        class Sink:
            def __contains__(self, ns):
                for name in dir(lib.limits):
                    if name.isupper():
                        ns[name] = getattr(lib.limits, name)
                return True


        for mod in (lib.unbound, lib.own):
            assert "__name__" in vars(mod) in Sink()
        """,
    )


@pytest.mark.parametrize(
    "names",
    [
        "{k: v for k, v in vars(lib.limits).items() if k.isupper()}",
        "{k: getattr(lib.limits, k) for k in dir(lib.limits) if k.isupper()}",
    ],
    ids=["vars-items", "dir-getattr"],
)
@pytest.mark.parametrize(
    "frame",
    ["sys._getframe(1).f_locals", "inspect.currentframe().f_back.f_locals"],
    ids=["getframe", "inspect"],
)
def test_a_caller_namespace_written_through_f_locals(
    project: Project, frame: str, names: str
) -> None:
    """A module frame's ``f_locals`` is its globals: lib/own.py calls ``pull()`` at
    import, which copies lib/limits.py's names into it by names nobody spells."""
    files = dict(LIMITS)
    files["lib/wire.py"] = f"""
        import inspect
        import sys

        import lib.limits


        def pull():
            names = {names}
            {frame}.update(names)
    """
    own = """
        from lib.wire import pull

        LIMIT = 3
        pull()


        def small():
            return LIMIT
    """
    check_own(project, files, own)


def test_a_deep_submodule_read_as_an_attribute(project: Project) -> None:
    """9d6617d keeps dotted names of at most three attributes: ``pkg.x.y.z.b`` is four."""
    files = {
        "pkg/__init__.py": "",
        "pkg/x/__init__.py": "",
        "pkg/x/y/__init__.py": "",
        "pkg/x/y/z/__init__.py": "",
        "pkg/a.py": H_CALLS_F,
        "pkg/x/y/z/b.py": "from pkg.a import h\n\nVAL = h()\n",
        "tests/test_aa.py": FIRST.replace("pkg.b", "pkg.x.y.z.b"),
        "tests/test_val.py": """
            import pkg


            def test_val():
                assert pkg.x.y.z.b.VAL == 1
        """,
    }
    record(project, files, "test_first", "test_val")
    project.edit("pkg/a.py", "x=1", "x=2")
    check(project.run("--testmon"), must=["test_val"], may=["test_first"], failed=["test_val"])


@pytest.mark.parametrize(
    "merge",
    [
        "globals()[_name].update(getattr(lib.limits, _name))",
        "globals().get(_name).update(vars(lib.limits)[_name])",
    ],
    ids=["subscript", "get"],
)
def test_a_module_merging_into_its_own_objects(project: Project, merge: str) -> None:
    """lib/own.py merges lib/limits.py's tables into its own, which it finds by
    ``globals()[name]``: its bare TABLE holds what lib/limits.py's TABLE held."""
    files = dict(TABLES)
    files["lib/own.py"] = f"""
        import lib.limits

        TABLE = {{"b": 2}}
        for _name in dir(lib.limits):
            if _name.isupper():
                {merge}


        def small():
            return TABLE.get("a")
    """
    files["tests/test_tables.py"] = textwrap.dedent(TABLES["tests/test_tables.py"]).replace(
        "import lib.wire  # noqa: F401\n", ""
    )
    record(project, files, "test_limit", "test_small")
    project.edit("lib/limits.py", 'TABLE = {"a": 1}', 'TABLE = {"a": 2}')
    both = ["test_limit", "test_small"]
    check(project.run("--testmon"), must=both, failed=both)

"""Import-time work belongs to the import that did it (issue 10).

While a project module's body runs, what it runs, reads and imports is that module's
import-time dependency; a test depends on the import-time dependencies of every module
its imports reach (its test file, the conftest.py files above it, the modules it ran
or imported). End to end: record, edit, re-run, assert exactly which tests ran.
"""

from __future__ import annotations

import sqlite3
import textwrap
import time
from pathlib import Path
from typing import ClassVar

import pytest

from helpers import Project
from test_safety import appended, check, record

SETTINGS = {
    "app/__init__.py": "",
    "app/settings.py": """
        MODE = "fast"
        UNUSED = 1
    """,
    "app/core.py": """
        CONFIG = {}


        def configure(mode):
            CONFIG["mode"] = mode


        def describe():
            return "core"
    """,
    "tests/unit/conftest.py": """
        from app import settings
        from app.core import configure

        configure(settings.MODE)
    """,
    "tests/unit/test_mode.py": """
        from app.core import CONFIG


        def test_mode():
            assert CONFIG["mode"] == "fast"


        def test_static():
            assert 1 + 1 == 2
    """,
    "tests/other/test_free.py": """
        def test_free():
            assert True
    """,
}


class TestEffectsAtImport:
    def test_conftest_configures_from_a_settings_value(self, project: Project) -> None:
        """testmon 2.2.0 and pytest-ripple 0.1 missed this: no test reads MODE."""
        record(project, SETTINGS, "test_free", "test_mode", "test_static")
        project.edit("app/settings.py", 'MODE = "fast"', 'MODE = "slow"')
        check(
            project.run("--testmon"),
            must=["test_mode", "test_static"],  # every test below the conftest
            failed=["test_mode"],
        )
        project.edit("app/settings.py", "UNUSED = 1", "UNUSED = 2")
        check(project.run("--testmon"), must=["test_mode"])  # still failing: runs again

    def test_conftest_settings_read_through_logging_config(self, project: Project) -> None:
        files = {
            "conf.py": """
                LOGGING = {"version": 1, "root": {"level": "INFO"}}
            """,
            "conftest.py": """
                import logging.config

                import conf

                logging.config.dictConfig(conf.LOGGING)
            """,
            "test_log.py": """
                import logging


                def test_level():
                    assert logging.getLogger().level == logging.INFO
            """,
        }
        record(project, files, "test_level")
        project.edit("conf.py", '"INFO"', '"DEBUG"')
        check(project.run("--testmon"), must=["test_level"], failed=["test_level"])

    def test_test_module_sets_the_environment_from_another_module(self, project: Project) -> None:
        files = {
            "conf.py": """
                VALUE = "1"
                OTHER = "x"
            """,
            "reader.py": """
                import os


                def value():
                    return os.environ["RIPPLE_X"]
            """,
            "test_env.py": """
                import os

                import conf
                from reader import value

                os.environ["RIPPLE_X"] = conf.VALUE


                def test_value():
                    assert value() == "1"
            """,
            "test_plain.py": """
                def test_plain():
                    assert True
            """,
        }
        record(project, files, "test_plain", "test_value")
        project.edit("conf.py", 'VALUE = "1"', 'VALUE = "2"')
        check(project.run("--testmon"), must=["test_value"], failed=["test_value"])

    @pytest.mark.parametrize(
        ("test_file", "edit"),
        [
            pytest.param(
                """
                import inspect

                import api

                ARITY = dict(fetch=2, parse=1)


                def test_signatures():
                    for name, n in ARITY.items():
                        assert len(inspect.signature(getattr(api, name)).parameters) == n
                """,
                ("def fetch(url, timeout):", "def fetch(url):"),
                id="keys-looked-up-as-attributes",
            ),
            pytest.param(
                """
                from unittest import mock

                import api

                STUBS = dict(fetch=mock.DEFAULT)


                def test_signatures():
                    with mock.patch.multiple(api, **STUBS):
                        assert api.parse("x") == "x"
                """,
                ("def fetch(url, timeout):", "def fetch_remote(url, timeout):"),
                id="keys-patched",
            ),
        ],
    )
    def test_dict_keywords_name_attributes(
        self, project: Project, test_file: str, edit: tuple[str, str]
    ) -> None:
        """``dict(fetch=2)``'s keys are names its readers look up (third review)."""
        files = {
            "api.py": """
                def fetch(url, timeout):
                    return url


                def parse(text):
                    return text
            """,
            "test_api.py": test_file,
        }
        record(project, files, "test_signatures")
        project.edit("api.py", *edit)
        check(project.run("--testmon"), must=["test_signatures"], failed=["test_signatures"])

    def test_a_changed_dict_keyword_reaches_readers_by_name(self, project: Project) -> None:
        files = {
            "app/__init__.py": "",
            "app/registry.py": """
                _REG = {}


                def get_registry():
                    return _REG


                def lookup(name):
                    return _REG.get(name)
            """,
            "tests/test_a.py": """
                from app.registry import get_registry

                get_registry().update(dict(MODE=1))


                def test_a():
                    assert True
            """,
            "tests/test_b.py": """
                from app.registry import lookup


                def test_mode():
                    assert lookup("MODE") == 1
            """,
        }
        record(project, files, "test_a", "test_mode")
        project.edit("tests/test_a.py", "dict(MODE=1)", "dict(OTHER=1)")
        # only the key links them: the statement stored MODE, a test looks MODE up
        check(project.run("--testmon"), must=["test_a", "test_mode"], failed=["test_mode"])

    def test_registry_filled_by_a_decorator_and_read_by_lookup(self, project: Project) -> None:
        files = {
            "reg.py": """
                HANDLERS = {}


                def handler(name):
                    def deco(fn):
                        HANDLERS[name] = fn
                        return fn

                    return deco


                def lookup(name):
                    return HANDLERS[name]
            """,
            "handlers.py": """
                from reg import handler

                KIND = "text"


                @handler(KIND)
                def text():
                    return "t"
            """,
            "conftest.py": """
                import handlers  # noqa: F401
            """,
            "test_lookup.py": """
                from reg import lookup


                def test_lookup():
                    assert lookup("text")() == "t"
            """,
        }
        record(project, files, "test_lookup")
        project.edit("handlers.py", 'KIND = "text"', 'KIND = "html"')
        check(project.run("--testmon"), must=["test_lookup"], failed=["test_lookup"])


FUNCTION_AT_IMPORT = {
    "lib/__init__.py": "",
    "lib/table.py": """
        def build():
            return [1, 2, 3]


        TABLE = build()


        def size():
            return len(TABLE)
    """,
    "lib/plain.py": """
        def one():
            return 1
    """,
    "tests/test_table.py": """
        from lib.table import TABLE


        def test_table():
            assert TABLE == [1, 2, 3]
    """,
    "tests/test_build.py": """
        from lib.table import build


        def test_build():
            assert build() == [1, 2, 3]
    """,
    "tests/test_plain.py": """
        from lib.plain import one


        def test_one():
            assert one() == 1
    """,
}


class TestFunctionsRunAtImport:
    def test_body_edit_selects_who_ran_it_and_whose_imports_reach_its_module(
        self, project: Project
    ) -> None:
        """build() runs when lib/table.py is imported: the tests that ran it and the
        tests whose imports reach lib/table.py, not test_one (its imports never do)."""
        record(project, FUNCTION_AT_IMPORT, "test_build", "test_one", "test_table")
        project.edit("lib/table.py", "return [1, 2, 3]", "return [1, 2]")
        check(
            project.run("--testmon"),
            must=["test_build", "test_table"],
            failed=["test_build", "test_table"],
        )

    def test_a_function_called_at_a_test_modules_top_level(self, project: Project) -> None:
        files = {
            "data.py": """
                def cases():
                    return [1, 2]
            """,
            "test_cases.py": """
                from data import cases

                CASES = cases()


                def test_count():
                    assert len(CASES) == 2
            """,
            "test_other.py": """
                def test_other():
                    assert True
            """,
        }
        record(project, files, "test_count", "test_other")
        project.edit("data.py", "return [1, 2]", "return [1]")
        check(project.run("--testmon"), must=["test_count"], failed=["test_count"])

    WRAPPED: ClassVar[dict[str, str]] = {
        "lib/__init__.py": "",
        "lib/core.py": """
            def double(x):
                return 2 * x


            def seed():
                return 10
        """,
        "lib/api.py": """
            from lib import core


            def wrap(fn):
                def wrapper(*args):
                    return fn(*args)

                return wrapper


            def call_once(fn):
                return fn()


            double = wrap(core.double)  # holds core.double: a body edit changes its callers
            START = call_once(core.seed)  # seed runs here, at import
        """,
        "tests/test_api.py": """
            from lib.api import START, double


            def test_twice():
                assert double(2) == 4


            def test_start():
                assert START == 10


            def test_other():
                assert True
        """,
    }

    def test_a_function_only_named_at_import_reaches_its_callers(self, project: Project) -> None:
        """``double = wrap(core.double)``: core.double's body never ran at import, so the
        value is the same wrapper; its callers ran it (toolz.curried: every test before)."""
        record(project, self.WRAPPED, "test_other", "test_start", "test_twice")
        project.edit("lib/core.py", "return 2 * x", "return 3 * x")
        check(project.run("--testmon"), must=["test_twice"], failed=["test_twice"])

    def test_a_function_called_through_another_at_import(self, project: Project) -> None:
        """``START = call_once(seed)`` runs seed at import: a body edit changes START."""
        record(project, self.WRAPPED, "test_other", "test_start", "test_twice")
        project.edit("lib/core.py", "return 10", "return 11")
        check(
            project.run("--testmon"),
            must=["test_start"],
            may=["test_twice", "test_other"],
            failed=["test_start"],
        )

    def test_module_imported_only_by_a_conftest(self, project: Project) -> None:
        files = {
            "setup_db.py": """
                STATE = {}


                def prepare():
                    STATE["ready"] = True


                prepare()
            """,
            "tests/a/conftest.py": """
                import setup_db  # noqa: F401
            """,
            "tests/a/test_a.py": """
                import sys


                def test_ready():
                    assert sys.modules["setup_db"].STATE["ready"] is True
            """,
            "tests/b/test_b.py": """
                def test_b():
                    assert True
            """,
        }
        record(project, files, "test_b", "test_ready")
        project.edit("setup_db.py", 'STATE["ready"] = True', 'STATE["ready"] = False')
        check(project.run("--testmon"), must=["test_ready"], failed=["test_ready"])

    def test_circular_imports(self, project: Project) -> None:
        files = {
            "a.py": """
                import b


                def seed():
                    return 1


                def value():
                    return b.TOTAL
            """,
            "b.py": """
                import a


                def total():
                    return 10


                TOTAL = total()
            """,
            "test_a.py": """
                from a import value


                def test_value():
                    assert value() == 10
            """,
            "test_seed.py": """
                from a import seed


                def test_seed():
                    assert seed() == 1
            """,
        }
        record(project, files, "test_seed", "test_value")
        project.edit("b.py", "return 10", "return 11")
        # both test files import a, which imports b: both may see the new TOTAL
        check(project.run("--testmon"), must=["test_value", "test_seed"], failed=["test_value"])

    def test_init_imports_every_submodule(self, project: Project) -> None:
        files = {
            "pkg/__init__.py": """
                from pkg import alpha, beta  # noqa: F401
            """,
            "pkg/alpha.py": """
                def make():
                    return "a"


                NAME = make()
            """,
            "pkg/beta.py": """
                def name():
                    return "b"
            """,
            "test_alpha.py": """
                from pkg.alpha import NAME


                def test_alpha():
                    assert NAME == "a"
            """,
            "test_beta.py": """
                from pkg.beta import name


                def test_beta():
                    assert name() == "b"
            """,
        }
        record(project, files, "test_alpha", "test_beta")
        project.edit("pkg/alpha.py", 'return "a"', 'return "A"')
        # importing pkg.beta imports pkg, which imports alpha: beta's test may see it
        check(project.run("--testmon"), must=["test_alpha", "test_beta"], failed=["test_alpha"])
        project.edit("pkg/beta.py", 'return "b"', 'return "B"')
        check(project.run("--testmon"), must=["test_alpha", "test_beta"], failed=["test_beta"])

    def test_star_import(self, project: Project) -> None:
        files = {
            "consts.py": """
                def pick():
                    return 5


                LIMIT = pick()
            """,
            "api.py": """
                from consts import *  # noqa: F403
            """,
            "test_api.py": """
                import api


                def test_limit():
                    assert api.LIMIT == 5
            """,
            "test_other.py": """
                def test_other():
                    assert True
            """,
        }
        record(project, files, "test_limit", "test_other")
        project.edit("consts.py", "return 5", "return 6")
        check(project.run("--testmon"), must=["test_limit"], failed=["test_limit"])


class TestImportsWhileTestsRun:
    def test_lazy_import_in_a_fixture(self, project: Project) -> None:
        files = {
            "heavy.py": """
                def load():
                    return {"k": 1}


                DATA = load()
            """,
            "conftest.py": """
                import pytest


                @pytest.fixture
                def data():
                    import heavy

                    return heavy.DATA
            """,
            "test_data.py": """
                def test_data(data):
                    assert data == {"k": 1}


                def test_free():
                    assert True
            """,
        }
        record(project, files, "test_data", "test_free")
        project.edit("heavy.py", '"k": 1', '"k": 2')
        check(project.run("--testmon"), must=["test_data"], failed=["test_data"])

    def test_a_test_that_imports_a_module_again(self, project: Project) -> None:
        files = {
            "fresh.py": """
                def start():
                    return 0


                COUNTER = [start()]
            """,
            "test_fresh.py": """
                import importlib
                import sys


                def test_reimport():
                    sys.modules.pop("fresh", None)
                    fresh = importlib.import_module("fresh")
                    assert fresh.COUNTER == [0]


                def test_free():
                    assert True
            """,
        }
        record(project, files, "test_free", "test_reimport")
        project.edit("fresh.py", "return 0", "return 1")
        check(project.run("--testmon"), must=["test_reimport"], failed=["test_reimport"])


class TestInstalledPackages:
    @staticmethod
    def install(site: Path, version: str, table: str) -> None:
        """tinylib ``version`` in a site-packages directory: an upgrade renames its
        .dist-info, as pip does, which moves the directory's mtime."""
        for old in site.glob("tinylib-*.dist-info"):
            for f in old.iterdir():
                f.unlink()
            old.rmdir()
        (site / "tinylib").mkdir(exist_ok=True)
        (site / "tinylib" / "__init__.py").write_text(f"TABLE = {table}\n")
        info = site / f"tinylib-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: tinylib\nVersion: {version}\n"
        )
        (info / "top_level.txt").write_text("tinylib\n")

    def test_upgrade_of_a_package_whose_values_a_test_only_reads(
        self,
        project: Project,
        tmp_path_factory: pytest.TempPathFactory,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """No function of tinylib runs in any test: the tests only read TABLE, which
        tinylib sets at import. The second test file imports it after the first did,
        so no code of tinylib runs while it is imported either."""
        site = tmp_path_factory.mktemp("venv") / "site-packages"
        site.mkdir()
        self.install(site, "1.0", "[1]")
        monkeypatch.syspath_prepend(str(site))
        files = {
            "test_first.py": """
                from tinylib import TABLE


                def test_first():
                    assert TABLE == [1]
            """,
            "test_second.py": """
                from tinylib import TABLE


                def test_second():
                    assert TABLE == [1]
            """,
            "test_free.py": """
                def test_free():
                    assert True
            """,
        }
        record(project, files, "test_first", "test_free", "test_second")
        time.sleep(0.01)  # a new mtime for the directory
        self.install(site, "2.0", "[2]")
        run = project.run("--testmon")
        assert "tinylib" in run.out and "2.0" in run.out  # the header names the upgrade
        check(
            run,
            must=["test_first", "test_second"],
            failed=["test_first", "test_second"],
        )


REGISTERED = {
    "pkg/__init__.py": "",
    "pkg/registry.py": """
        HANDLERS = {}


        def register(kind, fn):
            HANDLERS[kind] = fn
            return kind


        def handle(kind, x):
            return HANDLERS[kind](x)
    """,
    "pkg/kinds.py": """
        TEXT = "application/text"
        OTHER = "x"
    """,
    "pkg/formats.py": """
        import re

        from pkg.kinds import TEXT
        from pkg.registry import register

        PATTERN = re.compile("[a-z]+")


        def as_text(x):
            return str(x)


        KIND = register(TEXT, as_text)


        def words(s):
            return PATTERN.findall(s)
    """,
    "pkg/other.py": """
        def other():
            return 1
    """,
    "tests/test_formats.py": """
        import pkg.formats
        from pkg.registry import handle


        def test_text():
            assert handle("application/text", 1) == "1"


        def test_words():
            assert pkg.formats.words("ab cd") == ["ab", "cd"]


        def test_import_only():
            assert True
    """,
    "tests/test_other.py": """
        from pkg.other import other


        def test_other():
            assert other() == 1
    """,
}


class TestBindingsThatAct:
    """A binding whose value calls something may act beyond its name (mutation check,
    kind call-arg): ``KIND = register(TEXT, as_text)`` fills a registry that tests read
    by lookup, never reading ``KIND``. Found missed by the mutation check's synthetic
    case, missed before: only ``KIND`` was taken as bound differently."""

    def test_literal_argument_of_a_registering_call(self, project: Project) -> None:
        files = dict(REGISTERED)
        files["pkg/formats.py"] = files["pkg/formats.py"].replace(
            "register(TEXT, as_text)", 'register("application/text", as_text)'
        )
        record(project, files, "test_import_only", "test_other", "test_text", "test_words")
        project.edit("pkg/formats.py", '"application/text", as_text', '"text/plain", as_text')
        # every test whose imports reach pkg/formats.py: its import does something else
        check(
            project.run("--testmon"),
            must=["test_text", "test_words", "test_import_only"],
            failed=["test_text"],
        )

    def test_constant_read_by_a_registering_call(self, project: Project) -> None:
        record(project, REGISTERED, "test_import_only", "test_other", "test_text", "test_words")
        project.edit("pkg/kinds.py", 'TEXT = "application/text"', 'TEXT = "text/plain"')
        check(
            project.run("--testmon"),
            must=["test_text", "test_words", "test_import_only"],
            failed=["test_text"],
        )

    def test_argument_of_a_pure_call_reaches_its_readers_only(self, project: Project) -> None:
        """``re.compile`` returns a value and does nothing else: the tests that read
        ``PATTERN`` (through the code they ran), not every test importing the module."""
        record(project, REGISTERED, "test_import_only", "test_other", "test_text", "test_words")
        project.edit("pkg/formats.py", '"[a-z]+"', '"[a-c]+"')
        check(project.run("--testmon"), must=["test_words"], failed=["test_words"])

    def test_a_pure_name_the_module_rebinds(self, project: Project) -> None:
        """A module's own ``compile`` is not the builtin: calling it may register."""
        files = dict(REGISTERED)
        files["pkg/formats.py"] = """
            from pkg.kinds import TEXT
            from pkg.registry import register


            def as_text(x):
                return str(x)


            def compile(kind, fn):
                return register(kind, fn)


            KIND = compile(TEXT, as_text)


            def words(s):
                return s.split()
        """
        record(project, files, "test_import_only", "test_other", "test_text", "test_words")
        project.edit("pkg/formats.py", "compile(TEXT, as_text)", 'compile("b", as_text)')
        check(
            project.run("--testmon"),
            must=["test_text", "test_words", "test_import_only"],
            failed=["test_text"],
        )


SUBCLASS_REGISTRY = {
    "base.py": """
        REGISTRY = {}


        class Plugin:
            key = ""

            def __init_subclass__(cls, **kw):
                super().__init_subclass__(**kw)
                REGISTRY[cls.key] = cls
    """,
    "plugins.py": """
        from base import Plugin


        class Json(Plugin):
            "JSON."

            key = "json"
    """,
    "test_reg.py": """
        import plugins
        from base import REGISTRY


        def test_json():
            assert "json" in REGISTRY
    """,
    "test_other.py": """
        def test_other():
            assert True
    """,
}


class TestClassesRegisteredWhenCreated:
    """A base class may register every subclass (``__init_subclass__``, a metaclass)."""

    def test_base_removed(self, project: Project) -> None:
        """Missed before: only the name ``Json`` was taken as bound differently."""
        record(project, SUBCLASS_REGISTRY, "test_json", "test_other")
        project.edit("plugins.py", "class Json(Plugin):", "class Json:")
        check(project.run("--testmon"), must=["test_json"], failed=["test_json"])

    def test_attribute_the_hook_reads(self, project: Project) -> None:
        record(project, SUBCLASS_REGISTRY, "test_json", "test_other")
        project.edit("plugins.py", 'key = "json"', 'key = "yaml"')
        check(project.run("--testmon"), must=["test_json"], failed=["test_json"])

    def test_docstring_of_a_registered_class(self, project: Project) -> None:
        record(project, SUBCLASS_REGISTRY, "test_json", "test_other")
        project.edit("plugins.py", '"JSON."', '"JSON documents."')
        check(project.run("--testmon"), must=[])


OVERLOADED = {
    "lib/__init__.py": "",
    "lib/signer.py": """
        import typing as t


        class Signer:
            @t.overload
            def sign(self, value: str, strict: bool = False) -> str: ...

            @t.overload
            def sign(self, value: bytes, strict: bool = False) -> bytes: ...

            def sign(self, value, strict=False):
                return value

            @property
            def name(self):
                return "signer"


        def helper():
            return 1
    """,
    "tests/test_sign.py": """
        from lib.signer import Signer


        def test_sign():
            assert Signer().sign("a") == "a"
    """,
    "tests/test_helper.py": """
        from lib.signer import helper


        def test_helper():
            assert helper() == 1
    """,
}


class TestWrappersThatRegisterNothing:
    def test_overload_stub_default(self, project: Project) -> None:
        """``@typing.overload`` (here ``t.overload``) registers nothing a test reads: a
        stub's header edit reaches the code that reads ``sign``, not every test whose
        imports reach the module (itsdangerous: 4 of 5 default edits selected all)."""
        record(project, OVERLOADED, "test_helper", "test_sign")
        project.edit(
            "lib/signer.py", "value: str, strict: bool = False", "value: str, strict: bool = True"
        )
        check(project.run("--testmon"), must=["test_sign"])

    def test_a_decorator_of_the_same_name_from_elsewhere_may_register(
        self, project: Project
    ) -> None:
        files = dict(OVERLOADED)
        files["lib/signer.py"] = files["lib/signer.py"].replace(
            "import typing as t\n", "import lib.plugins as t\n"
        )
        files["lib/plugins.py"] = """
            SEEN = []


            def overload(fn):
                SEEN.append(fn)
                return fn
        """
        record(project, files, "test_helper", "test_sign")
        project.edit(
            "lib/signer.py", "value: str, strict: bool = False", "value: str, strict: bool = True"
        )
        check(project.run("--testmon"), must=["test_helper", "test_sign"])


class TestNewImports:
    def test_a_new_import_of_a_module_that_registers(self, project: Project) -> None:
        """Importing another project module runs its body: what it registers is seen
        by every test whose imports reach the importing module. Missed before: a new
        ``import`` only bound a name nobody read."""
        files = {
            "registry.py": """
                REG = set()
            """,
            "plugin.py": """
                import registry

                registry.REG.add("p")
            """,
            "app.py": """
                X = 1
            """,
            "test_reg.py": """
                import app
                from registry import REG


                def test_empty():
                    assert REG == set()
            """,
            "test_other.py": """
                def test_other():
                    assert True
            """,
        }
        record(project, files, "test_empty", "test_other")
        project.edit("app.py", "X = 1", "import plugin\n\nX = 1")
        check(project.run("--testmon"), must=["test_empty"], failed=["test_empty"])

    def test_a_new_import_of_the_standard_library_runs_nothing(self, project: Project) -> None:
        files = {
            "app.py": """
                X = 1
            """,
            "test_app.py": """
                import app


                def test_x():
                    assert app.X == 1
            """,
        }
        record(project, files, "test_x")
        project.edit("app.py", "X = 1", "import textwrap\n\nX = 1")
        check(project.run("--testmon"), must=[])


CONFIGURED = {
    "app/__init__.py": "",
    "app/config.py": """
        class Config(dict):
            def from_object(self, obj):
                for key in dir(obj):
                    if key.isupper():
                        self[key] = getattr(obj, key)

            def get_int(self, key, default=0):
                return int(self.get(key, default))


        config = Config()
    """,
    "app/settings.py": """
        class Testing:
            SIZE = 5
    """,
    "tests/conftest.py": """
        from app import settings
        from app.config import config

        config.from_object(settings.Testing)
    """,
    "tests/test_config.py": """
        from app.config import config


        def test_get_int():
            assert config.get_int("NOPE") == 0


        def test_size():
            assert config["SIZE"] == 5
    """,
}


class TestMethodHeaders:
    def test_a_methods_default_reaches_its_callers(self, project: Project) -> None:
        """The class and its instances are what they were: the tests that ran the
        method (or read its name), not every test below the conftest that uses an
        instance (bookshop's ``Config.get_int``: 30 tests where testmon ran 9)."""
        record(project, CONFIGURED, "test_get_int", "test_size")
        project.edit("app/config.py", "default=0", "default=1")
        check(project.run("--testmon"), must=["test_get_int"], failed=["test_get_int"])

    def test_a_method_added_reaches_whoever_uses_the_class(self, project: Project) -> None:
        """``keys`` makes ``dict(obj)`` call it, which nothing names."""
        files = dict(CONFIGURED)
        files["app/row.py"] = """
            class Row:
                def __init__(self, **values):
                    self.values = values

                def __iter__(self):
                    return iter(self.values.items())

                def __getitem__(self, key):
                    return self.values[key]
        """
        files["tests/test_row.py"] = """
            from app.row import Row


            def test_as_dict():
                assert dict(Row(a=1)) == {"a": 1}
        """
        record(project, files, "test_as_dict", "test_get_int", "test_size")
        project.edit(
            "app/row.py",
            "    def __iter__(",
            "    def keys(self):\n        return ['b']\n\n    def __iter__(",
        )
        check(project.run("--testmon"), must=["test_as_dict"], failed=["test_as_dict"])

    @pytest.mark.parametrize("first", [False, True], ids=["first-method", "second-method"])
    def test_a_decorator_added_to_a_method_reaches_whoever_uses_the_class(
        self, project: Project, first: bool
    ) -> None:
        """``@abc.abstractmethod`` on a method nobody ran makes the class abstract:
        creating it fails now, though no test ran the method or read its name. Also
        when it is not the first statement of the class, whose header digest holds the
        first statement's decorators (the tenth review's miss)."""
        files = {
            "pytest.ini": "[pytest]\n",
            "app/__init__.py": "",
            "app/shapes.py": """
                import abc


                class Shape(abc.ABC):
                    FIRST
                    def area(self):
                        return 0

                    def label(self):
                        return "shape"
            """,
            "tests/test_shapes.py": """
                from app.shapes import Shape


                def test_label():
                    assert Shape().label() == "shape"


                def test_nothing():
                    assert True
            """,
        }
        method = "def first(self):\n                        return 1\n\n                    "
        files["app/shapes.py"] = files["app/shapes.py"].replace(
            "FIRST\n                    ", method if first else ""
        )
        record(project, files, "test_label", "test_nothing")
        project.edit("app/shapes.py", "    def area(", "    @abc.abstractmethod\n    def area(")
        check(project.run("--testmon"), must=["test_label"], failed=["test_label"])


# lib/limits.py binds LIMIT; the other modules read a LIMIT in every way a module can.
LIMITS = {
    "lib/__init__.py": "",
    "lib/limits.py": """
        LIMIT = 10


        def limit():
            return LIMIT
    """,
    "lib/own.py": """
        LIMIT = 3


        def small():
            return LIMIT
    """,
    "lib/named.py": """
        from lib.limits import LIMIT


        def named():
            return LIMIT
    """,
    "lib/attr.py": """
        import lib.limits


        def attr():
            return lib.limits.LIMIT
    """,
    "lib/starred.py": """
        from lib.limits import *  # noqa: F403


        def starred():
            return LIMIT  # noqa: F405
    """,
    "tests/test_limits.py": """
        from lib.attr import attr
        from lib.limits import limit
        from lib.named import named
        from lib.own import small
        from lib.starred import starred


        def test_limit():
            assert limit() == 10


        def test_small():
            assert small() == 3


        def test_named():
            assert named() == 10


        def test_attr():
            assert attr() == 10


        def test_starred():
            assert starred() == 10
    """,
}
LIMIT_TESTS = ("test_limit", "test_small", "test_named", "test_attr", "test_starred")
# lib/wire.py sets LIMIT in other modules when it is imported, in the way each test
# of TestBareNamesSeeTheirOwnModule gives; lib/unbound.py reads a LIMIT it never binds.
WIRED = {
    **LIMITS,
    "lib/unbound.py": """
        def unbound():
            return LIMIT  # noqa: F821  (set by lib/wire.py)
    """,
    "tests/test_wired.py": """
        import lib.wire  # noqa: F401
        from lib.own import small
        from lib.unbound import unbound


        def test_unbound():
            assert unbound() == 10


        def test_wired_small():
            assert small() == 10
    """,
}


def check_wired(project: Project, wire: str) -> None:
    """lib/wire.py (``wire``, after importing the modules it sets names in) sets
    lib/limits.py's names in other modules: a new LIMIT reaches every reader of them,
    bare reads included. Collection imports lib/wire.py before any test runs."""
    files = dict(WIRED)
    files["lib/wire.py"] = "import lib.limits\nimport lib.own\nimport lib.unbound\n" + (
        textwrap.dedent(wire)
    )
    files["tests/test_limits.py"] = LIMITS["tests/test_limits.py"].replace(
        "assert small() == 3", "assert small() == 10"
    )
    everything = [*LIMIT_TESTS, "test_unbound", "test_wired_small"]
    record(project, files, *everything)
    project.edit("lib/limits.py", "LIMIT = 10", "LIMIT = 11")
    check(project.run("--testmon"), must=everything, failed=everything)


def check_own(project: Project, files: dict[str, str], own: str) -> None:
    """lib/own.py (``own``) takes lib/limits.py's names into its own namespace: a new
    LIMIT reaches every reader, test_small's bare one too."""
    files = {**files, "lib/own.py": own}
    files["tests/test_limits.py"] = LIMITS["tests/test_limits.py"].replace(
        "assert small() == 3", "assert small() == 10"
    )
    record(project, files, *LIMIT_TESTS)
    project.edit("lib/limits.py", "LIMIT = 10", "LIMIT = 11")
    check(project.run("--testmon"), must=LIMIT_TESTS, failed=LIMIT_TESTS)


class TestClassesUnderACheck:
    """A class an ``if`` or ``try`` at module level defines (an optional decoder, a
    fallback for a missing package): its methods are blocks of their own, as a
    top-level class's are. What its body binds still runs at import."""

    FILES: ClassVar[dict[str, str]] = {
        "lib/__init__.py": "",
        "lib/codecs.py": """
            try:
                import lib_missing_fast as fast
            except ImportError:
                fast = None

            if fast is None:

                class Decoder:
                    SCALE = 2

                    def decode(self, x):
                        return x * self.SCALE

                    def name(self):
                        return "slow"

                    class Options:
                        def level(self):
                            return 1

            else:

                class Decoder:
                    SCALE = 2

                    def decode(self, x):
                        return fast.decode(x)


            class Registry:
                if fast is None:

                    def lookup(self):
                        return "slow"

                else:

                    def lookup(self):
                        return "fast"
        """,
        "lib/table.py": """
            from lib.codecs import Decoder

            HALF = Decoder().decode(21)
        """,
        "tests/test_codecs.py": """
            from lib.codecs import Decoder, Registry


            def test_decode():
                assert Decoder().decode(2) == 4


            def test_name():
                assert Decoder().name() == "slow"


            def test_level():
                assert Decoder.Options().level() == 1


            def test_lookup():
                assert Registry().lookup() == "slow"
        """,
        "tests/test_table.py": """
            from lib.table import HALF


            def test_half():
                assert HALF == 42
        """,
        "tests/test_other.py": """
            import lib.codecs


            def test_other():
                assert lib.codecs.fast is None
        """,
    }
    ALL = ("test_decode", "test_half", "test_level", "test_lookup", "test_name", "test_other")

    def test_a_method_body(self, project: Project) -> None:
        # before: every test whose imports reach lib/codecs.py
        record(project, self.FILES, *self.ALL)
        project.edit(
            "lib/codecs.py", 'return "slow"\n\n        class', 'return "quick"\n\n        class'
        )
        check(project.run("--testmon"), must=["test_name"], failed=["test_name"])

    def test_a_method_the_import_of_another_module_ran(self, project: Project) -> None:
        # it ran at lib/table.py's import: what it did then may stay anywhere, as when
        # its code was the module's (review 37): the importers of lib/codecs.py too
        record(project, self.FILES, *self.ALL)
        project.edit("lib/codecs.py", "return x * self.SCALE", "return x * self.SCALE + 1")
        check(
            project.run("--testmon"),
            must=["test_decode", "test_half"],
            may=self.ALL,
            failed=["test_decode", "test_half"],
        )

    def test_a_method_of_a_nested_class(self, project: Project) -> None:
        record(project, self.FILES, *self.ALL)
        project.edit("lib/codecs.py", "return 1", "return 2")
        check(project.run("--testmon"), must=["test_level"], failed=["test_level"])

    def test_a_method_under_a_check_in_a_class(self, project: Project) -> None:
        record(project, self.FILES, *self.ALL)
        project.edit("lib/codecs.py", 'return "slow"\n\n    else', 'return "slower"\n\n    else')
        check(project.run("--testmon"), must=["test_lookup"], failed=["test_lookup"])

    def test_the_branch_not_taken(self, project: Project) -> None:
        record(project, self.FILES, *self.ALL)
        project.edit("lib/codecs.py", "return fast.decode(x)", "return fast.decode(x) + 1")
        # lib/table.py's import ran a ``decode``: names match without their class
        check(project.run("--testmon"), must=[], may=["test_half"])

    def test_a_class_attribute_still_acts(self, project: Project) -> None:
        # the class body runs at import: every test whose imports reach the module
        record(project, self.FILES, *self.ALL)
        project.edit(
            "lib/codecs.py",
            "SCALE = 2\n\n        def decode(self, x):\n            return x",
            "SCALE = 3\n\n        def decode(self, x):\n            return x",
        )
        check(
            project.run("--testmon"),
            must=list(self.ALL),
            failed=["test_decode", "test_half"],
        )

    def test_a_method_header(self, project: Project) -> None:
        record(project, self.FILES, *self.ALL)
        project.edit("lib/codecs.py", "def name(self):", "def name(self, extra):")
        check(project.run("--testmon"), must=list(self.ALL), failed=["test_name"])


class TestReview36:
    """Review 36 of functions with blocks of their own under an ``if``: which of two
    definitions a name is bound to, and state a function leaves in its own module
    when another module's import runs it."""

    def test_swapped_conditions(self, project: Project) -> None:
        files = {
            "lib/__init__.py": "",
            "lib/a.py": """
                import sys

                if sys.version_info >= (3, 0):

                    def f():
                        return "new"


                if sys.version_info < (3, 0):

                    def f():
                        return "old"
            """,
            "tests/test_a.py": """
                from lib.a import f


                def test_f():
                    assert f() == "new"
            """,
            "tests/test_other.py": "def test_other():\n    pass\n",
        }
        record(project, files, "test_f", "test_other")
        project.edit("lib/a.py", ">= (3, 0)", "<= (2, 0)")
        project.edit("lib/a.py", "< (3, 0)", ">= (3, 0)")
        project.edit("lib/a.py", "<= (2, 0)", "< (3, 0)")
        check(project.run("--testmon"), must=["test_f"], failed=["test_f"])

    def test_a_definition_moved_into_a_branch(self, project: Project) -> None:
        files = {
            "lib/__init__.py": "",
            "lib/b.py": """
                import os

                if not os.name:

                    def g():
                        return 1


                def g():
                    return 2
            """,
            "tests/test_b.py": """
                from lib.b import g


                def test_g():
                    assert g() == 2
            """,
            "tests/test_other.py": "def test_other():\n    pass\n",
        }
        record(project, files, "test_g", "test_other")
        project.write(
            {
                "lib/b.py": """
                    import os


                    def g():
                        return 1


                    if not os.name:

                        def g():
                            return 2
                """
            }
        )
        check(project.run("--testmon"), must=["test_g"], failed=["test_g"])

    @pytest.mark.parametrize("branch", [False, True])
    def test_a_value_moved_past_a_second_definition(self, project: Project, branch: bool) -> None:
        # which ``helper`` the import runs depends on where VALUE stands (an old miss)
        first = "import os\n\n\ndef helper():\n    return 1\n\n\n"
        second = "def helper():\n    return 2\n"
        if branch:
            second = "if os.name:\n\n" + textwrap.indent(second, "    ")
        rest = "\n\ndef other():\n    return 3\n"
        files = {
            "lib/__init__.py": "",
            "lib/m.py": f"{first}VALUE = helper()\n\n\n{second}{rest}",
            "tests/test_v.py": """
                from lib.m import VALUE


                def test_value():
                    assert VALUE == 1
            """,
            "tests/test_o.py": """
                from lib.m import other


                def test_other():
                    assert other() == 3
            """,
        }
        record(project, files, "test_other", "test_value")
        project.write({"lib/m.py": f"{first}{second}\n\nVALUE = helper()\n{rest}"})
        check(project.run("--testmon"), must=["test_value"], failed=["test_value"])

    def test_a_function_moved(self, project: Project) -> None:
        one = "def one():\n    return 1\n\n\nVALUE = one()\n"
        two = "def two():\n    return 2\n"
        files = {
            "lib/__init__.py": "",
            "lib/m.py": f"{one}\n\n{two}",
            "tests/test_v.py": """
                from lib.m import VALUE, two


                def test_value():
                    assert VALUE + two() == 3
            """,
        }
        record(project, files, "test_value")
        project.write({"lib/m.py": f"{two}\n\n{one}"})
        check(project.run("--testmon"), must=[])

    @pytest.mark.parametrize("where", ["top", "branch"])
    def test_state_left_in_its_own_module(self, project: Project, where: str) -> None:
        init = "def init():\n    global X\n    X = 1\n"
        if where == "branch":
            init = "if os.name:\n" + textwrap.indent(init, "    ")
        files = {
            "lib/__init__.py": "",
            "lib/state.py": "import os\n\nX = 0\n\n" + init,
            "lib/boot.py": "from lib import state\n\nstate.init()\n",
            "tests/test_a.py": "import lib.boot\n\n\ndef test_a():\n    pass\n",
            "tests/test_b.py": (
                "from lib import state\n\n\ndef test_bx():\n    assert state.X == 1\n"
            ),
            "tests/test_other.py": "def test_other():\n    pass\n",
        }
        record(project, files, "test_a", "test_bx", "test_other")
        project.edit("lib/state.py", "X = 1", "X = 2")
        check(project.run("--testmon"), must=["test_a", "test_bx"], failed=["test_bx"])

    @pytest.mark.parametrize(
        ("d", "edit", "test"),
        [
            # review 37: a print to the module's stream
            (
                "import io\nimport sys\n\nLOG = io.StringIO()\n\nif sys.platform:\n\n"
                "    def note(x):\n        print('note', x, file=LOG)\n        return x\n",
                ("'note', x", "'noted', x"),
                "from pkg import d\n\n\ndef test_d():\n"
                "    assert d.LOG.getvalue() == 'note 1\\n'\n",
            ),
            # a third module's registry
            (
                "import sys\n\nfrom pkg import e\n\nif sys.platform:\n\n"
                "    def note(v):\n        e.REG.append(v)\n        return v\n",
                ("append(v)", "append(v + 1)"),
                "from pkg import e\n\n\ndef test_d():\n    assert e.REG == [1]\n",
            ),
        ],
    )
    def test_what_a_branch_function_left_at_an_import(
        self, project: Project, d: str, edit: tuple[str, str], test: str
    ) -> None:
        files = {
            "pkg/__init__.py": "",
            "pkg/d.py": d,
            "pkg/e.py": "REG = []\n",
            "pkg/m.py": "from pkg import d\n\nA = d.note(1)\n",
            "tests/test_m.py": "from pkg import m\n\n\ndef test_m():\n    assert m.A == 1\n",
            "tests/test_d.py": test,
            "tests/test_other.py": "def test_other():\n    pass\n",
        }
        record(project, files, "test_d", "test_m", "test_other")
        project.edit("pkg/d.py", *edit)
        check(project.run("--testmon"), must=["test_d", "test_m"], failed=["test_d"])

    def test_a_registry_filled_by_another_module_s_import(self, project: Project) -> None:
        files = {
            "lib/__init__.py": "",
            "lib/reg.py": """
                import os

                REG = {}

                if os.name:

                    def register(name):
                        def add(f):
                            REG[name] = f
                            return f

                        return add
            """,
            "lib/plugins.py": """
                from lib.reg import register


                @register("x1")
                def alpha():
                    return 1
            """,
            "tests/test_1.py": "import lib.plugins\n\n\ndef test_1():\n    pass\n",
            "tests/test_2.py": (
                "from lib.reg import REG\n\n\ndef test_reg():\n    assert 'x1' in REG\n"
            ),
            "tests/test_other.py": "def test_other():\n    pass\n",
        }
        record(project, files, "test_1", "test_reg", "test_other")
        project.edit("lib/reg.py", "REG[name] = f", "REG[name + '!'] = f")
        check(project.run("--testmon"), must=["test_1", "test_reg"], failed=["test_reg"])


class TestTypeCheckingImports:
    """What ``if TYPE_CHECKING:`` holds never runs: it reads nothing and imports
    nothing, also in a module a conftest.py imports (whose namespace changes were taken
    as pytest's to read). Its ``else`` runs."""

    FILES: ClassVar[dict[str, str]] = {
        "lib/__init__.py": "",
        "lib/core.py": """
            class Thing:
                SIZE = 1


            def make():
                return Thing()
        """,
        "lib/util.py": """
            from __future__ import annotations

            from typing import TYPE_CHECKING

            if TYPE_CHECKING:
                from lib.core import Thing
            else:
                FALLBACK = 1


            def helper(x: Thing) -> int:
                return 2
        """,
        "tests/conftest.py": "import lib.util\n",
        "tests/test_util.py": """
            from lib.util import helper


            def test_helper():
                assert helper(None) == 2
        """,
        "tests/test_core.py": """
            from lib.core import Thing


            def test_size():
                assert Thing.SIZE == 1
        """,
        "tests/test_fallback.py": """
            from lib import util


            def test_fallback():
                assert util.FALLBACK == 1
        """,
    }
    ALL = ("test_fallback", "test_helper", "test_size")

    def test_a_class_it_names_changed(self, project: Project) -> None:
        # before: every test (lib/util.py read Thing at import, as far as we knew)
        record(project, self.FILES, *self.ALL)
        project.edit("lib/core.py", "SIZE = 1", "SIZE = 2")
        # helper's annotation names Thing (``get_type_hints`` may look it up)
        check(
            project.run("--testmon"),
            must=["test_size"],
            may=["test_helper"],
            failed=["test_size"],
        )

    def test_an_import_added_there(self, project: Project) -> None:
        record(project, self.FILES, *self.ALL)
        project.edit("lib/util.py", "import Thing\n", "import Thing, make\n")
        check(project.run("--testmon"), must=[])

    def test_its_else_runs(self, project: Project) -> None:
        record(project, self.FILES, *self.ALL)
        project.edit("lib/util.py", "FALLBACK = 1", "FALLBACK = 2")
        run = project.run("--testmon")
        check(run, must=["test_fallback"], may=self.ALL, failed=["test_fallback"])

    def test_a_flag_of_the_module_s_own_may_be_true(self, project: Project) -> None:
        files = dict(self.FILES)
        files["lib/util.py"] = (
            files["lib/util.py"]
            .replace("from typing import TYPE_CHECKING", "TYPE_CHECKING = True")
            .replace("from __future__ import annotations\n", "")
        )
        files["tests/test_fallback.py"] = files["tests/test_fallback.py"].replace(
            "util.FALLBACK", 'getattr(util, "FALLBACK", 1)'
        )
        files = appended(
            files,
            "tests/test_util.py",
            """

            def test_thing():
                import lib.util

                assert lib.util.Thing().SIZE == 1
            """,
        )
        record(project, files, *self.ALL, "test_thing")
        project.edit("lib/core.py", "SIZE = 1", "SIZE = 2")
        run = project.run("--testmon")
        check(
            run, must=["test_size", "test_thing"], may=self.ALL, failed=["test_size", "test_thing"]
        )


class TestBareNamesSeeTheirOwnModule:
    """A module that binds a name and reads it only as a bare name reads its own
    binding: another module's binding of that name changing does not reach it. Every
    other way to read the name still does (issue 10: an ``import sys`` added to one
    module selected every test reading any ``sys``)."""

    def test_a_constant_reaches_every_reader_but_a_module_with_its_own(
        self, project: Project
    ) -> None:
        record(project, LIMITS, *LIMIT_TESTS)
        project.edit("lib/limits.py", "LIMIT = 10", "LIMIT = 11")
        expected = ["test_limit", "test_named", "test_attr", "test_starred"]
        check(project.run("--testmon"), must=expected, failed=expected)

    def test_the_module_with_its_own_binding_is_reached_by_its_own_edit(
        self, project: Project
    ) -> None:
        record(project, LIMITS, *LIMIT_TESTS)
        project.edit("lib/own.py", "LIMIT = 3", "LIMIT = 4")
        # lib/limits.py reads its own LIMIT; any other LIMIT may be this one (an
        # attribute, a name imported or star-imported)
        check(
            project.run("--testmon"),
            must=["test_small"],
            may=["test_named", "test_attr", "test_starred"],
            failed=["test_small"],
        )

    def test_an_import_added_to_one_module(self, project: Project) -> None:
        files = {
            "a.py": """
                import os


                def sep():
                    return os.sep
            """,
            "b.py": """
                import os


                def cwd():
                    return os.getcwd() != ""
            """,
            "test_ab.py": """
                from a import sep
                from b import cwd


                def test_sep():
                    assert sep() == "/"


                def test_cwd():
                    assert cwd()
            """,
        }
        record(project, files, "test_cwd", "test_sep")
        project.edit("a.py", "import os\n", "import ntpath as os\n")
        check(project.run("--testmon"), must=["test_sep"], failed=["test_sep"])

    def test_a_module_that_writes_its_own_namespace(self, project: Project) -> None:
        own = """
            LIMIT = 3
            globals().update(
                {k: v for k, v in vars(__import__("lib.limits").limits).items() if k.isupper()}
            )


            def small():
                return LIMIT
        """
        check_own(project, LIMITS, own)

    # lib/wire.py copies lib/a.py's public names into lib/b.py by names it does not
    # spell; test_cwd calls lib/b.py's ``cwd``, which reads its own ``os``
    COPIED: ClassVar[dict[str, str]] = {
        "lib/__init__.py": "",
        "lib/a.py": """
            def sep():
                return "/"
        """,
        "lib/b.py": """
            import os


            def cwd():
                return os.getcwd() != ""
        """,
        "lib/wire.py": """
            import lib.a
            import lib.b

            for _k, _v in list(vars(lib.a).items()):
                if not _k.startswith("_"):
                    setattr(lib.b, _k, _v)
        """,
        "tests/test_ab.py": """
            import lib.wire
            from lib.a import sep
            from lib.b import cwd


            def test_sep():
                assert sep() == "/"


            def test_cwd():
                assert cwd()
        """,
    }

    @pytest.mark.parametrize(
        ("reader", "wire", "edit"),
        [
            # ``import os.path as os`` is ``posixpath``, ``import os.path`` binds ``os``
            ("import os.path\n", "", "import os.path as os\n"),
            # the copy replaces what other code set by a computed name: the same ``os``
            # as lib/b.py's own import, but not what lib/b.py held before
            (
                "import os\n",
                'setattr(lib.b, "o" + "s", type("F", (), {"getcwd": str})())\n',
                "import os\n",
            ),
        ],
        ids=["an alias of a submodule", "over another value"],
    )
    def test_an_import_copied_into_a_module_that_imports_it_too(
        self, project: Project, reader: str, wire: str, edit: str
    ) -> None:
        """Review 16: even an ``import os`` added to lib/a.py, copied into a module that
        imports ``os`` itself, may change what that module holds."""
        files = dict(self.COPIED)
        files["lib/b.py"] = textwrap.dedent(files["lib/b.py"]).replace("import os\n", reader)
        wired = textwrap.dedent(files["lib/wire.py"])
        files["lib/wire.py"] = wired.replace("\nfor ", "\n" + wire + "for ", 1)
        test = "assert cwd()" if not wire else "assert not cwd()"
        files["tests/test_ab.py"] = textwrap.dedent(files["tests/test_ab.py"]).replace(
            "assert cwd()", test
        )
        record(project, files, "test_cwd", "test_sep")
        project.edit("lib/a.py", "def sep():", edit + "\n\ndef sep():")
        check(project.run("--testmon"), must=["test_cwd"], may=["test_sep"], failed=["test_cwd"])

    @pytest.mark.parametrize(
        "wire",
        [
            pytest.param(
                """
                def wire():
                    for name in dir(lib.limits):
                        if name.isupper():
                            setattr(lib.unbound, name, getattr(lib.limits, name))
                            setattr(lib.own, name, getattr(lib.limits, name))


                wire()
                """,
                id="setattr-by-a-computed-name",
            ),
            pytest.param(
                """
                def wire():
                    for mod in (lib.unbound, lib.own):
                        vars(mod).update(
                            {k: v for k, v in vars(lib.limits).items() if k.isupper()}
                        )


                wire()
                """,
                id="vars",
            ),
            pytest.param(
                """
                def wire():
                    lib.unbound.LIMIT = lib.own.LIMIT = lib.limits.LIMIT


                wire()
                """,
                id="attributes",
            ),
            pytest.param(
                """
                from unittest import mock

                mock.patch("lib.unbound.LIMIT", lib.limits.LIMIT, create=True).start()
                mock.patch("lib.own.LIMIT", lib.limits.LIMIT).start()
                """,
                id="dotted-strings",
            ),
            pytest.param(
                """
                import pytest

                mp = pytest.MonkeyPatch()
                mp.setattr(lib.unbound, "LIMIT", lib.limits.LIMIT, raising=False)
                mp.setattr(lib.own, "LIMIT", lib.limits.LIMIT)
                """,
                id="a-name-in-a-string",
            ),
        ],
    )
    def test_a_name_set_from_another_module(self, project: Project, wire: str) -> None:
        """Code that sets a module's names from outside, in a module the tests that
        read them need not import: each bare read may see it."""
        check_wired(project, wire)


class TestExportLists:
    """``__all__`` says what ``from m import *`` binds: a name entering or leaving it
    changes the modules that star-import m, and nothing else."""

    FILES: ClassVar[dict[str, str]] = {
        "lib/__init__.py": "",
        "lib/tools.py": """
            __all__ = ["merge", "split"]


            def merge(a, b):
                return a + b


            def split(s):
                return s.split()
        """,
        "lib/api.py": """
            from lib.tools import merge, split
        """,
        "tests/test_tools.py": """
            from lib.api import merge, split


            def test_merge():
                assert merge(1, 2) == 3


            def test_split():
                assert split("a b") == ["a", "b"]
        """,
    }

    def test_without_a_star_import_nothing_runs(self, project: Project) -> None:
        record(project, self.FILES, "test_merge", "test_split")
        project.edit("lib/tools.py", '__all__ = ["merge", "split"]', '__all__ = ["split"]')
        check(project.run("--testmon"), must=[])

    def test_a_star_import_of_it(self, project: Project) -> None:
        files = dict(self.FILES)
        files["lib/api.py"] = """
            from lib.tools import *  # noqa: F403
        """
        record(project, files, "test_merge", "test_split")
        project.edit("lib/tools.py", '__all__ = ["merge", "split"]', '__all__ = ["split"]')
        # the test file imports lib.api: an import error there is a collection error
        run = project.run("--testmon")
        assert "test_merge" in run.out or "ImportError" in run.out, run.out
        assert run.ret != 0, run.out

    def test_an_export_list_copied_from_another(self, project: Project) -> None:
        files = dict(self.FILES)
        files["lib/api.py"] = """
            import lib.tools
            from lib.tools import merge, split  # noqa: F401

            __all__ = list(lib.tools.__all__)
        """
        files["tests/test_tools.py"] = """
            from lib.api import *  # noqa: F403


            def test_merge():
                assert merge(1, 2) == 3  # noqa: F405


            def test_split():
                assert split("a b") == ["a", "b"]  # noqa: F405
        """
        record(project, files, "test_merge", "test_split")
        project.edit("lib/tools.py", '__all__ = ["merge", "split"]', '__all__ = ["split"]')
        check(
            project.run("--testmon"), must=["test_merge"], may=["test_split"], failed=["test_merge"]
        )

    # a package that star-imports its modules (more-itertools, toolz): a changed value of
    # one listed name leaves what the star import binds alone
    STARRED: ClassVar[dict[str, str]] = {
        "lib/__init__.py": """
            from lib.tools import *  # noqa: F403
            from lib.text import *  # noqa: F403
        """,
        "lib/tools.py": """
            import operator

            __all__ = ["merge", "split"]


            def merge(a, b, op=operator.add):
                return op(a, b)


            def split(s, sep=None):
                return s.split(sep)
        """,
        "lib/text.py": """
            import operator

            __all__ = ["upper"]


            def upper(s):
                return operator.methodcaller("upper")(s)
        """,
        "tests/test_tools.py": """
            from lib import merge, split


            def test_merge():
                assert merge(1, 2) == 3


            def test_split():
                assert split("a b") == ["a", "b"]
        """,
        "tests/test_text.py": """
            from lib import upper


            def test_upper():
                assert upper("a") == "A"
        """,
    }

    def test_a_listed_default_changed(self, project: Project) -> None:
        record(project, self.STARRED, "test_merge", "test_split", "test_upper")
        project.edit("lib/tools.py", "sep=None", 'sep=" "')
        # before: every public name of lib.tools counted as star-imported anew, and
        # `operator` reached lib.text
        check(project.run("--testmon"), must=["test_split"])

    def test_a_listed_function_removed(self, project: Project) -> None:
        record(project, self.STARRED, "test_merge", "test_split", "test_upper")
        project.edit("lib/tools.py", "def split(s, sep=None):\n    return s.split(sep)\n", "")
        # `from lib.tools import *` now fails: every test file importing lib
        run = project.run("--testmon")
        assert run.ret != 0, run.out
        assert "tests/test_text.py" in run.out and "tests/test_tools.py" in run.out, run.out
        assert "AttributeError" in run.out, run.out

    def test_a_built_list_of_a_changed_name(self, project: Project) -> None:
        files = dict(self.STARRED)
        files["lib/tools.py"] = """
            import operator

            NAMES = ["merge", "split"]
            __all__ = NAMES


            def merge(a, b, op=operator.add):
                return op(a, b)


            def split(s, sep=None):
                return s.split(sep)
        """
        record(project, files, "test_merge", "test_split", "test_upper")
        project.edit("lib/tools.py", 'NAMES = ["merge", "split"]', 'NAMES = ["merge"]')
        run = project.run("--testmon")
        assert run.ret != 0 and "split" in run.out, run.out

    @pytest.mark.parametrize("before", ["NAMES", '["a"] + EXTRA'])
    def test_a_built_list_becomes_a_literal(self, project: Project, before: str) -> None:
        files = {
            "lib/__init__.py": """
                from lib.tools import *  # noqa: F403
            """,
            "lib/tools.py": f"""
                NAMES = ["a", "c"]
                EXTRA = ["c"]
                __all__ = {before}


                def a():
                    return 1


                def c():
                    return 3
            """,
            "tests/test_a.py": """
                from lib import a


                def test_a():
                    assert a() == 1
            """,
            "tests/test_c.py": """
                import lib


                def test_c():
                    assert lib.c() == 3
            """,
        }
        record(project, files, "test_a", "test_c")
        project.edit("lib/tools.py", f"__all__ = {before}", '__all__ = ["a"]')
        # which names left it cannot be told from the names the old list's code read
        check(project.run("--testmon"), must=["test_c"], may=["test_a"], failed=["test_c"])

    def test_a_listed_name_no_longer_bound(self, project: Project) -> None:
        """``from lib.tools import *`` now raises, in a test that imports it late."""
        files = {
            "lib/__init__.py": "",
            "lib/api.py": """
                from lib.tools import *  # noqa: F403
            """,
            "lib/tools.py": """
                __all__ = ["SEP", "join"]

                SEP = ","


                def join(items):
                    return SEP.join(items)
            """,
            "tests/test_lazy.py": """
                def test_lazy_api():
                    import lib.api

                    assert lib.api.__name__ == "lib.api"
            """,
            "tests/test_tools.py": """
                from lib.tools import SEP


                def test_sep():
                    assert SEP == ","
            """,
        }
        record(project, files, "test_lazy_api", "test_sep")
        project.edit("lib/tools.py", "def join(items):\n    return SEP.join(items)\n", "")
        check(
            project.run("--testmon"),
            must=["test_lazy_api"],
            may=["test_sep"],
            failed=["test_lazy_api"],
        )

    def test_a_listed_submodule_no_longer_shadowed(self, project: Project) -> None:
        """A star import of a package imports the submodules ``__all__`` names that it
        does not bind: their import-time code runs."""
        files = {
            "pkg/__init__.py": """
                __all__ = ["plugin", "ready"]

                plugin = None  # keeps `from pkg import *` from importing pkg.plugin


                def ready():
                    return True
            """,
            "pkg/plugin.py": """
                from pkg.registry import REG

                REG.append("plugin")
            """,
            "pkg/registry.py": """
                REG = []
            """,
            "tests/test_reg.py": """
                from pkg import *  # noqa: F403
                from pkg.registry import REG


                def test_reg_empty():
                    assert REG == []
            """,
            "tests/test_ready.py": """
                from pkg import ready


                def test_ready():
                    assert ready()
            """,
        }
        record(project, files, "test_ready", "test_reg_empty")
        project.edit("pkg/__init__.py", "plugin = None  # keeps", "# keeps")
        check(
            project.run("--testmon"),
            must=["test_reg_empty"],
            may=["test_ready"],
            failed=["test_reg_empty"],
        )

    def test_a_module_docstring_doctest(self, project: Project) -> None:
        files = {
            "lib/__init__.py": "",
            "lib/doc.py": '''
                """Examples.

                >>> from lib.tools import *
                >>> SEP
                ','
                """
            ''',
            "lib/tools.py": """
                __all__ = ["SEP", "join"]

                SEP = ","


                def join(items):
                    return "+".join(items)
            """,
            "tests/test_tools.py": """
                from lib.tools import join


                def test_join():
                    assert join("ab") == "a+b"
            """,
        }
        project.write(files)
        assert project.run("--testmon", "--doctest-modules").ret == 0
        project.edit("lib/tools.py", 'SEP = ","', 'SEP = ";"')
        run = project.run("--testmon", "--doctest-modules")
        assert run.ran == ["lib.doc"], run.out
        assert run.ret == 1, run.out

    def test_a_reader_of_all(self, project: Project) -> None:
        files = dict(self.FILES)
        files["tests/test_names.py"] = """
            import lib.tools


            def test_names():
                assert lib.tools.__all__ == ["merge", "split"]
        """
        record(project, files, "test_merge", "test_names", "test_split")
        project.edit("lib/tools.py", '__all__ = ["merge", "split"]', '__all__ = ["split"]')
        check(project.run("--testmon"), must=["test_names"], failed=["test_names"])

    @pytest.mark.parametrize(
        "reader",
        [
            pytest.param(
                """
                exec("from lib.tools import *")


                def call_merge():
                    return merge(1, 2)  # noqa: F821
                """,
                id="exec-of-a-module",
            ),
            pytest.param(
                """
                def call_merge():
                    ns = {}
                    exec("from lib.tools import *", ns)
                    return ns["merge"](1, 2)
                """,
                id="exec-in-a-function",
            ),
        ],
    )
    def test_a_star_import_in_a_string(self, project: Project, reader: str) -> None:
        files = dict(self.FILES)
        files["lib/api.py"] = reader
        files["tests/test_tools.py"] = """
            from lib.api import call_merge


            def test_merge():
                assert call_merge() == 3
        """
        record(project, files, "test_merge")
        project.edit("lib/tools.py", '__all__ = ["merge", "split"]', '__all__ = ["split"]')
        check(project.run("--testmon"), must=["test_merge"], failed=["test_merge"])

    CODEGEN: ClassVar[dict[str, str]] = {
        # code built at run time, run into a dict of the function's own: whatever it
        # star-imports, only make() can see (toolz's tests build functions so)
        "lib/gen.py": """
            def make(what):
                ns = {}
                exec(f"from lib.tools import {what}", {}, ns)
                return ns["merge"](1, 2)
        """,
        "tests/test_gen.py": """
            from lib.gen import make


            def test_make():
                assert make("*") == 3
        """,
        "tests/test_more.py": """
            from lib.tools import merge


            def test_more():
                assert merge(2, 2) == 4
        """,
    }

    def test_exec_into_a_dict_of_its_own(self, project: Project) -> None:
        files = {**self.FILES, **self.CODEGEN}
        record(project, files, "test_make", "test_merge", "test_more", "test_split")
        project.edit("lib/tools.py", '__all__ = ["merge", "split"]', '__all__ = ["merge"]')
        run = project.run("--testmon")
        assert run.ran == ["test_make"], run.out  # was every test that reads split
        project.edit("lib/tools.py", '__all__ = ["merge"]', '__all__ = ["split"]')
        check(project.run("--testmon"), must=["test_make"], failed=["test_make"])

    @pytest.mark.parametrize(
        "namespace", [pytest.param("{}", id="its-own"), pytest.param("globals()", id="module")]
    )
    def test_exec_and_a_listed_name_gone(self, project: Project, namespace: str) -> None:
        """The star import fails: the code that ran it, though it reads no name."""
        files = {**self.FILES, **self.CODEGEN}
        files["lib/gen.py"] = f"""
def make(what):
    ns = {namespace}
    exec(f"from lib.tools import {{what}}", ns)
    return len(ns) > 0
"""
        files["tests/test_gen.py"] = """
            from lib.gen import make


            def test_make():
                assert make("*")
        """
        files["lib/tools.py"] = """
            __all__ = ["merge", "split", "SEP"]
            SEP = ","


            def merge(a, b):
                return a + b


            def split(s):
                return s.split()
        """
        record(project, files, "test_make", "test_merge", "test_more", "test_split")
        project.edit("lib/tools.py", 'SEP = ","', 'SEPARATOR = ","')
        run = project.run("--testmon")  # a star import of lib.tools fails: its importers
        check(
            run,
            must=["test_make"],
            may=["test_merge", "test_more", "test_split"],
            failed=["test_make"],
        )

    def test_exec_into_a_dict_of_its_own_run_by_a_plugin(self, project: Project) -> None:
        """A module pytest imported before tracking started may have run the function
        unseen, and passed on what it returned: every test."""
        files = {**self.FILES, **self.CODEGEN}
        files["pytest.ini"] = "[pytest]\npythonpath = .\naddopts = -p lib.plug\n"
        files["lib/plug.py"] = """
            import pytest

            from lib.gen import load

            globals().update(load("*"))


            @pytest.fixture
            def merged():
                return merge(1, 2)  # noqa: F821
        """
        files["lib/gen.py"] = """
            def load(what):
                ns = {}
                exec(f"from lib.tools import {what}", {}, ns)
                return ns
        """
        files["tests/test_gen.py"] = """
            def test_make(merged):
                assert merged == 3
        """
        record(project, files, "test_make", "test_merge", "test_more", "test_split")
        project.edit("lib/tools.py", '__all__ = ["merge", "split"]', '__all__ = ["split"]')
        run = project.run("--testmon")
        may = ["test_merge", "test_more", "test_split"]
        check(run, must=["test_make"], may=may, failed=["test_make"])

    def test_exec_into_a_global_dict_named_as_a_local_elsewhere(self, project: Project) -> None:
        files = {**self.FILES, **self.CODEGEN}
        files["lib/gen.py"] = """
            ns = globals()


            def install(what):
                def helper():
                    ns = {}
                    return ns

                exec(f"from lib.tools import {what}", ns)


            def merged():
                return merge(1, 2)  # noqa: F821
        """
        files["tests/test_gen.py"] = """
            from lib import gen


            def test_install():
                gen.install("*")


            def test_make():
                assert gen.merged() == 3
        """
        record(project, files, "test_install", "test_make", "test_merge", "test_more", "test_split")
        project.edit("lib/tools.py", '__all__ = ["merge", "split"]', '__all__ = ["split"]')
        run = project.run("--testmon")
        may = ["test_install", "test_merge", "test_more", "test_split"]
        check(run, must=["test_make"], may=may, failed=["test_make"])

    @pytest.mark.parametrize(
        ("tools", "old", "new"),
        [
            pytest.param("", "def split(", "def _split(", id="name-gone"),
            pytest.param("", "def split(", "def join():\n    pass\n\n\ndef split(", id="name-new"),
            pytest.param(
                '__all__ = ["merge"]\n__all__.append("split")\n',
                '__all__.append("split")\n',
                "",
                id="all-appended",
            ),
            pytest.param("", "def merge(a, b):", "def merge(a, b)", id="syntax-error"),
        ],
    )
    def test_exec_and_the_names_a_star_import_binds(
        self, project: Project, tools: str, old: str, new: str
    ) -> None:
        """What ``from lib.tools import *`` binds changed without a literal ``__all__``
        saying so: the code that runs it in text we cannot read sees it."""
        files = {
            "lib/__init__.py": "",
            "lib/tools.py": tools + "\n\ndef merge(a, b):\n    return a + b\n\n\ndef split(s):\n"
            "    return s.split()\n",
            "lib/gen.py": """
                def load(what):
                    ns = {}
                    exec(f"from lib.tools import {what}", {}, ns)
                    return sorted(k for k in ns if not k.startswith("_"))
            """,
            "tests/test_gen.py": """
                from lib.gen import load


                def test_load():
                    assert len(load("*")) == 2
            """,
            "tests/test_tools.py": """
                from lib.tools import merge


                def test_merge():
                    assert merge(1, 2) == 3
            """,
        }
        record(project, files, "test_load", "test_merge")
        project.edit("lib/tools.py", old, new)
        run = project.run("--testmon", "--continue-on-collection-errors")
        check(run, must=["test_load"], may=["test_merge"], failed=["test_load"])

    @pytest.mark.parametrize(
        "namespace",
        [
            pytest.param("ns = {}\n    ns = globals()", id="rebound"),
            pytest.param("ns = globals()", id="globals"),
        ],
    )
    def test_exec_into_the_module(self, project: Project, namespace: str) -> None:
        files = {**self.FILES, **self.CODEGEN}
        files["lib/gen.py"] = f"""
def make(what):
    {namespace}
    exec(f"from lib.tools import {{what}}", ns)
    return merge(1, 2)  # noqa: F821
"""
        record(project, files, "test_make", "test_merge", "test_more", "test_split")
        project.edit("lib/tools.py", '__all__ = ["merge", "split"]', '__all__ = ["split"]')
        run = project.run("--testmon")  # the module's names: every reader of merge
        check(run, must=["test_make"], may=["test_merge", "test_more"], failed=["test_make"])

    def test_a_star_import_in_a_doctest(self, project: Project) -> None:
        files = {
            "lib/__init__.py": "",
            "lib/tools.py": self.FILES["lib/tools.py"],
            "lib/usage.py": """
                def usage():
                    \"\"\"
                    >>> from lib.tools import *
                    >>> merge(1, 2)
                    3
                    \"\"\"
            """,
        }
        project.write(files)
        assert project.run("--testmon", "--doctest-modules").ret == 0
        project.edit("lib/tools.py", '__all__ = ["merge", "split"]', '__all__ = ["split"]')
        run = project.run("--testmon", "--doctest-modules")
        assert run.ret == 1 and "lib.usage.usage" in run.out, run.out


class TestPluginModules:
    """A module pytest imports as a plugin (``pytest_plugins``, ``-p``) is imported by
    no test: what its import does reaches every test."""

    FILES: ClassVar[dict[str, str]] = {
        "conftest.py": """
            pytest_plugins = ["app.testenv"]
        """,
        "app/__init__.py": "",
        "app/config.py": """
            TIMEOUT = 10
        """,
        "app/testenv.py": """
            import os

            from app import config

            os.environ["APP_WAIT"] = str(config.TIMEOUT)
        """,
        "app/client.py": """
            import os

            WAIT = int(os.environ.get("APP_WAIT", "5"))


            def get():
                return WAIT
        """,
        "tests/test_client.py": """
            from app.client import get


            def test_get():
                assert get() == 10
        """,
        "tests/test_other.py": """
            def test_other():
                assert True
        """,
    }

    def test_a_value_a_plugin_passes_on_at_import(self, project: Project) -> None:
        """Missed before this rule too: only the name TIMEOUT linked them, and here
        the reader calls it WAIT."""
        record(project, self.FILES, "test_get", "test_other")
        project.edit("app/config.py", "TIMEOUT = 10", "TIMEOUT = 11")
        check(project.run("--testmon"), must=["test_get", "test_other"], failed=["test_get"])

    def test_a_plugin_given_with_p(self, project: Project) -> None:
        files = dict(self.FILES)
        files["conftest.py"] = ""
        project.write(files)
        first = project.run("--testmon", "-p", "app.testenv")
        assert first.ret == 0 and first.ran == ["test_get", "test_other"], first.out
        project.edit("app/config.py", "TIMEOUT = 10", "TIMEOUT = 11")
        run = project.run("--testmon", "-p", "app.testenv")
        check(run, must=["test_get", "test_other"], failed=["test_get"])

    def test_a_test_module_is_no_plugin(self, project: Project) -> None:
        files = dict(self.FILES)
        files["tests/test_other.py"] = """
            from app import config

            LIMIT = config.TIMEOUT


            def test_other():
                assert LIMIT == 10
        """
        record(project, files, "test_get", "test_other")
        project.edit("tests/test_other.py", "LIMIT = config.TIMEOUT", "LIMIT = config.TIMEOUT + 1")
        check(project.run("--testmon"), must=["test_other"], failed=["test_other"])


class TestNamesSetByTheirOwnModule:
    """Ways a module's own name gets another module's value without naming it."""

    FILES: ClassVar[dict[str, str]] = {
        "app/__init__.py": "",
        "app/config.py": """
            TIMEOUT = 10
        """,
        # another test file imports the writer first; this one's imports never reach it
        "tests/test_a_boot.py": """
            import app.boot  # noqa: F401


            def test_boot():
                assert True
        """,
        "tests/test_client.py": """
            from app.client import get


            def test_get():
                assert get() == 10
        """,
    }

    @pytest.mark.parametrize(
        ("client", "boot"),
        [
            pytest.param(
                """
                TIMEOUT = 5


                def set_timeout(value):
                    global TIMEOUT
                    TIMEOUT = value


                def get():
                    return TIMEOUT
                """,
                """
                from app import client, config

                client.set_timeout(config.TIMEOUT)
                """,
                id="a-global-setter",
            ),
            pytest.param(
                """
                import os

                TIMEOUT = int(os.environ.get("APP_WAIT", "5"))


                def get():
                    return TIMEOUT
                """,
                """
                import os

                from app import config

                os.environ["APP_WAIT"] = str(config.TIMEOUT)
                import app.client  # noqa: E402, F401
                """,
                id="through-the-environment",
            ),
            pytest.param(
                """
                from app.loader import apply

                TIMEOUT = 5
                apply("app.config")


                def get():
                    return TIMEOUT
                """,
                """
                import app.client  # noqa: F401
                """,
                id="frame-globals",
            ),
        ],
    )
    def test_a_changed_value_reaches_the_own_name(
        self, project: Project, client: str, boot: str
    ) -> None:
        files = dict(self.FILES)
        files["app/client.py"] = client
        files["app/boot.py"] = boot
        files["app/loader.py"] = """
            import importlib
            import sys


            def apply(name):
                module = importlib.import_module(name)
                caller = sys._getframe(1).f_globals
                for key in dir(module):
                    if key.isupper():
                        caller[key] = getattr(module, key)
        """
        record(project, files, "test_boot", "test_get")
        project.edit("app/config.py", "TIMEOUT = 10", "TIMEOUT = 11")
        check(project.run("--testmon"), must=["test_get"], may=["test_boot"], failed=["test_get"])


class TestStatementsThatOnlyBind:
    """An ``if`` or ``try`` at module level that only binds names (a version check, an
    optional import, ``if TYPE_CHECKING``) gives its names new values when it changes;
    it does nothing else that every importer of the module could see."""

    FILES: ClassVar[dict[str, str]] = {
        "lib/__init__.py": "",
        "lib/compat.py": """
            import sys

            if sys.version_info >= (3, 0):
                SEP = ","
            else:
                SEP = ";"

            if sys.version_info >= (3, 0):

                def double(x):
                    return x * 2

            try:
                from string import capwords as fmt
            except ImportError:
                fmt = None


            def one():
                return 1
        """,
        "lib/text.py": """
            from lib.compat import SEP


            def join(items):
                return SEP.join(items)
        """,
        "tests/test_text.py": """
            from lib.text import join


            def test_join():
                assert join("ab") == "a,b"
        """,
        "tests/test_compat.py": """
            from lib import compat


            def test_one():
                assert compat.one() == 1


            def test_double():
                assert compat.double(2) == 4
        """,
    }
    ALL = ("test_double", "test_join", "test_one")

    def test_a_value_bound_under_a_version_check(self, project: Project) -> None:
        record(project, self.FILES, *self.ALL)
        project.edit("lib/compat.py", 'SEP = ","', 'SEP = "+"')
        # before: every test whose imports reach lib.compat. A function defined under a
        # check runs as the module's code: test_double ran <module>
        check(
            project.run("--testmon"), must=["test_join"], may=["test_double"], failed=["test_join"]
        )

    def test_a_function_defined_under_a_check_is_a_function(self, project: Project) -> None:
        # its body has a block of its own: an edit reaches the tests that ran it, and
        # those whose imports reach a module whose import ran it (``TABLE``: fifth
        # review); as it ran at an import, what it did may stay anywhere (review 37):
        # every test whose imports reach lib.compat too
        files = dict(self.FILES)
        files["lib/table.py"] = """
            from lib.compat import double

            TABLE = double(21)
        """
        files["tests/test_table.py"] = """
            from lib.table import TABLE


            def test_table():
                assert TABLE == 42
        """
        record(project, files, *self.ALL, "test_table")
        project.edit("lib/compat.py", "return x * 2", "return x * 3")
        check(
            project.run("--testmon"),
            must=["test_double", "test_table"],
            may=self.ALL,
            failed=["test_double", "test_table"],
        )

    def test_a_check_around_a_function_changed(self, project: Project) -> None:
        # the condition decides which function (if any) the name is: the module's
        # import binds something else, as any changed statement with effects
        record(project, self.FILES, *self.ALL)
        project.edit(
            "lib/compat.py",
            "if sys.version_info >= (3, 0):\n\n",
            "if sys.version_info < (3, 0):\n\n",
        )
        check(project.run("--testmon"), must=list(self.ALL), failed=["test_double"])

    def test_a_default_of_a_function_under_a_check(self, project: Project) -> None:
        # the header runs at import: a new default is a new value of the function
        files = dict(self.FILES)
        files["lib/compat.py"] = (
            files["lib/compat.py"]
            .replace("def double(x):", "def double(x, n=2):")
            .replace("x * 2", "x * n")
        )
        record(project, files, *self.ALL)
        project.edit("lib/compat.py", "n=2", "n=3")
        check(project.run("--testmon"), must=list(self.ALL), failed=["test_double"])

    def test_a_header_edit_of_one_the_import_ran_reaches_its_readers(
        self, project: Project
    ) -> None:
        # TABLE holds what double returned at lib/table.py's import: a new default
        # there is a new TABLE
        files = dict(self.FILES)
        files["lib/compat.py"] = (
            files["lib/compat.py"]
            .replace("def double(x):", "def double(x, n=2):")
            .replace("x * 2", "x * n")
        )
        files["lib/table.py"] = "from lib.compat import double\n\nTABLE = double(21)\n"
        files["tests/test_table.py"] = (
            "from lib.table import TABLE\n\n\ndef test_table():\n    assert TABLE == 42\n"
        )
        record(project, files, *self.ALL, "test_table")
        project.edit("lib/compat.py", "n=2", "n=3")
        check(
            project.run("--testmon"),
            must=[*self.ALL, "test_table"],
            failed=["test_double", "test_table"],
        )

    def test_an_optional_import_changed(self, project: Project) -> None:
        files = dict(self.FILES)
        files["tests/test_fmt.py"] = """
            from lib.compat import fmt


            def test_fmt():
                assert fmt("a b") == "A B"
        """
        record(project, files, *self.ALL, "test_fmt")
        project.edit("lib/compat.py", "string import capwords as fmt", "shlex import quote as fmt")
        run = project.run("--testmon")
        check(run, must=["test_fmt"], may=["test_double"], failed=["test_fmt"])

    def test_a_call_under_a_check_still_acts(self, project: Project) -> None:
        files = dict(self.FILES)
        files["lib/registry.py"] = """
            NAMES = []


            def register(name):
                NAMES.append(name)
        """
        files["lib/compat.py"] = """
            import sys

            from lib.registry import register

            if sys.version_info >= (3, 0):
                register("py3")


            def one():
                return 1


            def double(x):
                return x * 2


            SEP = ","
        """
        files["tests/test_registry.py"] = """
            import lib.compat  # noqa: F401
            from lib.registry import NAMES


            def test_names():
                assert NAMES == ["py3"]
        """
        record(project, files, *self.ALL, "test_names")
        project.edit("lib/compat.py", 'register("py3")', 'register("3")')
        check(
            project.run("--testmon"),
            must=["test_names"],
            may=["test_double", "test_one", "test_join"],
            failed=["test_names"],
        )

    def test_a_mark_bound_under_a_check(self, project: Project) -> None:
        files = {
            "lib/__init__.py": "",
            "lib/flags.py": """
                SKIP = True
            """,
            "tests/test_flags.py": """
                import pytest

                from lib import flags

                if flags.SKIP:
                    pytestmark = pytest.mark.skip
                else:
                    pytestmark = []


                def test_a():
                    assert True
            """,
        }
        project.write(files)
        first = project.run("--testmon")
        assert first.ret == 0 and "1 skipped" in first.out, first.out
        project.edit("lib/flags.py", "SKIP = True", "SKIP = False")
        run = project.run("--testmon")
        assert run.outcomes == {"tests/test_flags.py::test_a": "passed"}, run.out

    def test_a_hook_defined_under_a_check(self, project: Project) -> None:
        files = {
            "tests/conftest.py": """
                import sys

                import pytest

                if sys.version_info >= (3, 0):

                    def pytest_collection_modifyitems(items):
                        for item in items:
                            if "x" in item.name:
                                item.add_marker(pytest.mark.skip)
            """,
            "tests/test_names.py": """
                def test_x():
                    assert True


                def test_y():
                    assert True
            """,
        }
        project.write(files)
        assert project.run("--testmon").ret == 0
        project.edit("tests/conftest.py", 'if "x" in item.name', 'if "y" in item.name')
        run = project.run("--testmon")
        assert run.outcomes == {
            "tests/test_names.py::test_x": "passed",
            "tests/test_names.py::test_y": "skipped",
        }, run.out

    # the third review's cases: what such a statement does beyond binding
    @pytest.mark.parametrize(
        ("files", "edit", "failing"),
        [
            pytest.param(
                {
                    "registry.py": "REGISTRY = []\n",
                    "plugin_a.py": "from registry import REGISTRY\n\nREGISTRY.append('a')\n",
                    "app.py": "FLAG = True\nif FLAG:\n    import plugin_a\n",
                    "test_app.py": "import app\nfrom registry import REGISTRY\n\n\n"
                    "def test_registered():\n    assert 'a' in REGISTRY\n",
                },
                ("app.py", "FLAG = True", "FLAG = False"),
                "test_registered",
                id="a-project-import-runs-its-module",
            ),
            pytest.param(
                {
                    "registry.py": "HANDLERS = []\n\n\ndef count():\n    return len(HANDLERS)\n",
                    "plugin.py": "from registry import HANDLERS\n\nHANDLERS += ['x']\n",
                    "test_reg.py": "import plugin\nimport registry\n\n\n"
                    "def test_count():\n    assert registry.count() == 1\n",
                },
                ("plugin.py", "HANDLERS += ['x']", "HANDLERS += ['x', 'y']"),
                "test_count",
                id="augmented-assignment-changes-a-shared-list",
            ),
            pytest.param(
                {
                    "api.py": "import sys\n\n__all__ = ['a', 'b']\n\n\ndef a():\n    return 1\n\n\n"
                    "if sys.version_info >= (3, 0):\n\n    def b():\n        return 2\n",
                    "facade.py": "from api import *  # noqa: F403\n",
                    "test_all.py": "def test_a():\n    import facade\n\n"
                    "    assert facade.a() == 1\n",
                },
                ("api.py", ">= (3, 0)", ">= (9, 0)"),
                "test_a",
                id="a-listed-name-bound-under-a-check",
            ),
            pytest.param(
                {
                    "lazy.py": "import sys\n\nif sys.version_info >= (3, 7):\n\n"
                    "    def __getattr__(name):\n        return 42\n",
                    "test_lazy.py": "from lazy import ANSWER\n\n\n"
                    "def test_answer():\n    assert ANSWER == 42\n",
                },
                ("lazy.py", "return 42", "return 41"),
                "test_answer",
                id="module-getattr-under-a-check",
            ),
            pytest.param(
                {
                    "fixtures.py": "import pytest\n\n\n@pytest.fixture(autouse=True)\n"
                    "def app_env(monkeypatch):\n    monkeypatch.setenv('APP_MODE', 'test')\n",
                    "tests/conftest.py": "import sys\n\nif sys.version_info >= (3, 0):\n"
                    "    from fixtures import app_env  # noqa: F401\n",
                    "tests/test_env.py": "import os\n\n\ndef test_mode():\n"
                    "    assert os.environ.get('APP_MODE') == 'test'\n",
                },
                ("tests/conftest.py", ">= (3, 0)", ">= (9, 0)"),
                "test_mode",
                id="an-autouse-fixture-imported-under-a-check",
            ),
            pytest.param(
                {
                    "registry.py": "HANDLERS = []\n",
                    "colorsys.py": "from registry import HANDLERS\n\nHANDLERS.append('colorsys')\n",
                    "app.py": "import sys\n\nif sys.version_info >= (3, 0):\n"
                    "    import colorsys as _c  # noqa: F401\n",
                    "test_app.py": "import app  # noqa: F401\nfrom registry import HANDLERS\n\n\n"
                    "def test_handlers():\n    assert HANDLERS == ['colorsys']\n",
                },
                ("app.py", ">= (3, 0)", ">= (9, 0)"),
                "test_handlers",
                id="a-project-module-named-as-the-standard-librarys",
            ),
            pytest.param(
                {
                    "helper.py": "import sys\n\nif sys.version_info >= (3, 0):\n"
                    "    import wsgiref.simple_server  # noqa: F401\n",
                    "test_log.py": "import wsgiref\n\nimport helper  # noqa: F401\n\n\n"
                    "def test_handler():\n    assert wsgiref.simple_server.WSGIServer\n",
                },
                ("helper.py", ">= (3, 0)", ">= (9, 0)"),
                "test_handler",
                id="a-submodule-set-on-a-shared-package",
            ),
            pytest.param(
                {
                    "norm.py": "import sys\n\nif sys.version_info >= (3, 0):\n\n"
                    "    def conv_int(v):\n        return int(v)\n",
                    "table.py": "import norm\n\n"
                    "CONVERTERS = {n[5:]: f for n, f in vars(norm).items() if n[:5] == 'conv_'}\n"
                    "DEFAULTS = {k: f('1') for k, f in CONVERTERS.items()}\n",
                    "test_table.py": "import table\n\n\n"
                    "def test_defaults():\n    assert table.DEFAULTS == {'int': 1}\n",
                },
                ("norm.py", "return int(v)", "return int(v) + 1"),
                "test_defaults",
                id="a-function-under-a-check-run-at-another-import",
            ),
        ],
    )
    def test_what_more_than_binding_does(
        self, project: Project, files: dict[str, str], edit: tuple[str, str, str], failing: str
    ) -> None:
        project.write({**files, "pytest.ini": "[pytest]\npythonpath = .\n"})
        assert project.run("--testmon").ret == 0
        project.edit(*edit)
        check(project.run("--testmon"), must=[failing], failed=[failing])


class TestDoctestTextFiles:
    """A text file's doctest examples (``--doctest-glob``) read values that no function
    of the test's trace holds: ``>>> from pkg.limits import LIMIT``."""

    FILES: ClassVar[dict[str, str]] = {
        "pytest.ini": "[pytest]\naddopts = --doctest-glob=*.txt\n",
        "pkg/__init__.py": "",
        "pkg/limits.py": """
            LIMIT = 10
            STEP = 2


            def clamp(n):
                return min(n, LIMIT)
        """,
        "docs/limits.txt": """
            The limit:

            >>> from pkg.limits import LIMIT
            >>> LIMIT
            10

            Prose that names STEP reads nothing.
        """,
        "tests/test_step.py": """
            from pkg.limits import STEP


            def test_step():
                assert STEP == 2
        """,
    }
    DOCTEST = "limits.txt"  # its node id: docs/limits.txt::limits.txt

    def test_a_constant_the_examples_read(self, project: Project) -> None:
        record(project, self.FILES, self.DOCTEST, "test_step")
        project.edit("pkg/limits.py", "STEP = 2", "STEP = 3")
        check(project.run("--testmon"), must=["test_step"], failed=["test_step"])
        project.edit("pkg/limits.py", "STEP = 3", "STEP = 2")
        check(project.run("--testmon"), must=["test_step"])  # the prose reads nothing
        project.edit("pkg/limits.py", "LIMIT = 10", "LIMIT = 11")
        run = project.run("--testmon", "-v")
        check(run, must=[self.DOCTEST], failed=[self.DOCTEST])
        assert "LIMIT may be read by the doctest examples of docs/limits.txt" in run.out
        project.edit("docs/limits.txt", "10\n", "11\n")
        run = project.run("--testmon")
        check(run, must=[self.DOCTEST])
        assert run.ret == 0, run.out

    def test_a_file_stored_without_its_names(self, project: Project) -> None:
        """Data from an older version holds no names for the text file: it may read
        any."""
        record(project, self.FILES, self.DOCTEST, "test_step")
        con = sqlite3.connect(str(project.pytester.path / ".testmondata"))
        with con:
            con.execute("UPDATE file SET fp = NULL WHERE path = ?", ("docs/limits.txt",))
        con.close()
        project.edit("pkg/limits.py", "LIMIT = 10", "LIMIT = 11")
        check(project.run("--testmon"), must=[self.DOCTEST], failed=[self.DOCTEST])


class TestTestsThatListNames:
    """A test that lists a namespace (``dir(m)``, ``vars(m)``, ``m.__dict__``,
    ``inspect.getmembers(m)``) reads names it does not spell: a new one too."""

    FILES: ClassVar[dict[str, str]] = {
        "pkg/__init__.py": "",
        "pkg/api.py": '''
            import os


            def load():
                """Load."""
                return os.sep
        ''',
        "tests/test_api.py": """
            import inspect
            import os

            from pkg import api


            def test_documented():
                for name, obj in inspect.getmembers(api, inspect.isfunction):
                    assert obj.__doc__, name


            def test_os_names():
                assert "sep" in vars(os)


            def test_load():
                assert api.load()
        """,
    }

    def test_a_new_function_without_a_docstring(self, project: Project) -> None:
        record(project, self.FILES, "test_documented", "test_load", "test_os_names")
        project.edit("pkg/api.py", "def load():", "def save():\n    return 1\n\n\ndef load():")
        run = project.run("--testmon", "-v")
        check(run, must=["test_documented"], failed=["test_documented"])
        assert "save may be read by tests/test_api.py::test_documented (it lists names)" in run.out

    @pytest.mark.parametrize(
        "test_file",
        [
            pytest.param(
                "from inspect import getmembers, isfunction\n\nfrom pkg import api\n\n\n"
                "def check(obj):\n    assert obj.__doc__\n\n\n"
                "def test_documented():\n    for _, obj in getmembers(api, isfunction):\n"
                "        check(obj)\n",
                id="getmembers-imported-and-a-helper-named-as-the-new-function",
            ),
            pytest.param(
                "import inspect\n\nfrom pkg.api import *  # noqa: F403\n\n\n"
                "def test_documented():\n    for obj in list(globals().values()):\n"
                "        if inspect.isfunction(obj) and obj.__module__ == 'pkg.api':\n"
                "            assert obj.__doc__\n",
                id="globals-after-a-star-import",
            ),
        ],
    )
    def test_other_ways_to_list(self, project: Project, test_file: str) -> None:
        files = {**self.FILES, "tests/test_api.py": test_file}
        record(project, files, "test_documented")
        project.edit("pkg/api.py", "def load():", "def check():\n    return 1\n\n\ndef load():")
        check(project.run("--testmon"), must=["test_documented"], failed=["test_documented"])

    def test_a_text_file_that_lists(self, project: Project) -> None:
        files = {
            **self.FILES,
            "pytest.ini": "[pytest]\naddopts = --doctest-glob=*.txt\n",
            "docs/names.txt": ">>> import pkg.api\n"
            ">>> sorted(n for n in dir(pkg.api) if n[0] != '_')\n"
            "['load', 'os']\n",
        }
        record(project, files, "names.txt", "test_documented", "test_load", "test_os_names")
        project.edit("pkg/api.py", "import os\n", "import os\n\nLIMIT = 1\n")
        check(
            project.run("--testmon"),
            must=["names.txt", "test_documented"],
            failed=["names.txt"],
        )

    def test_a_docstring_removed(self, project: Project) -> None:
        record(project, self.FILES, "test_documented", "test_load", "test_os_names")
        project.edit("pkg/api.py", '"""Load."""', "pass")
        check(
            project.run("--testmon"),
            must=["test_documented"],
            may=["test_load"],  # it ran load()
            failed=["test_documented"],
        )

    def test_project_code_that_lists_at_import(self, project: Project) -> None:
        """Project code listing a namespace at import keeps the old rule (see
        ``_lists_any``): an unrelated constant reaches its reader only."""
        files = dict(self.FILES)
        files["pkg/table.py"] = """
            import pkg.api

            NAMES = sorted(n for n in vars(pkg.api) if not n.startswith("_"))
            LIMIT = 3
        """
        files["tests/test_table.py"] = """
            from pkg import table


            def test_names():
                assert table.NAMES == ["load", "os"]


            def test_limit():
                assert table.LIMIT == 3
        """
        tests = ("test_documented", "test_limit", "test_load", "test_names", "test_os_names")
        record(project, files, *tests)
        project.edit("pkg/table.py", "LIMIT = 3", "LIMIT = 4")
        check(
            project.run("--testmon"),
            must=["test_limit"],
            may=["test_documented"],  # a test that lists reads every name
            failed=["test_limit"],
        )

    def test_a_standard_library_module_listed(self, project: Project) -> None:
        """``vars(os)`` lists the standard library's ``os`` (nobody's names)."""
        record(project, self.FILES, "test_documented", "test_load", "test_os_names")
        project.edit("pkg/api.py", "import os\n", "import os\n\nLIMIT = 1\n")
        check(project.run("--testmon"), must=["test_documented"])


# Two classes with a method ``unsign`` and a function ``check``; ``load`` calls
# ``signer.unsign`` for whatever signer it is handed, ``describe`` reads ``check``'s
# signature without calling it.
SIGNATURES = {
    "pytest.ini": "[pytest]\n",
    "pkg/__init__.py": "",
    "pkg/signer.py": """
        import functools


        class Timed:
            def unsign(self, value, stamp=False):
                return (value, 0) if stamp else value


        class Plain:
            def unsign(self, value):
                return value


        def check(value, strict=False):
            return value if not strict else value.upper()


        @functools.lru_cache(maxsize=None)
        def rate(x=1):
            return x


        class Maker:
            @staticmethod
            def make(x=1):
                return x
    """,
    "pkg/loader.py": """
        import inspect

        from pkg.signer import Maker, check, rate


        def load(signer, value):
            return signer.unsign(value)


        def load_checked(value):
            return check(value)


        def describe():
            return str(inspect.signature(check))


        def price():
            return rate()


        def made():
            return Maker.make()
    """,
    "tests/test_load.py": """
        from pkg.loader import describe, load, load_checked, made, price
        from pkg.signer import Plain, Timed, check, rate


        def test_timed():
            assert load(Timed(), "v") == "v"


        def test_plain():
            assert load(Plain(), "v") == "v"


        def test_checked():
            assert load_checked("v") == "v"


        def test_describe():
            assert describe() == "(value, strict=False)"


        def test_defaults():
            assert check.__defaults__ == (False,)


        def test_rate():
            assert rate() == 1


        def test_price():
            assert price() == 1  # rate(): cached by test_rate, it does not run here


        def test_made():
            assert made() == 1
    """,
}
ALL_SIGNATURES = (
    "test_checked",
    "test_defaults",
    "test_describe",
    "test_made",
    "test_plain",
    "test_price",
    "test_rate",
    "test_timed",
)


ALL_CALLERS = ("test_gen", "test_keyword_only", "test_sched")


class TestCallersOfANewSignature:
    """A plain function's new default (signature, docstring) is seen by the code that
    runs it, whose trace holds its block, and by code that reads its name other than
    to call it (``inspect.signature(check)``, ``check.__defaults__``). Code that only
    calls a name (``signer.unsign(value)``) calls another function of that name or
    runs this one. itsdangerous: a default of ``TimestampSigner.unsign`` ran 159 of
    297 tests, every caller of any ``unsign``; now the 76 that ran it."""

    @pytest.mark.parametrize(
        ("old", "new", "failing"),
        [
            ("stamp=False", "stamp=True", ["test_timed"]),
            # the callers that ran it, and its readers
            ("strict=False", "strict=True", ["test_checked", "test_describe", "test_defaults"]),
            # ``lru_cache`` answers a call without running the function: test_price's
            # trace lacks ``rate``, its code calls it
            ("def rate(x=1)", "def rate(x=2)", ["test_rate", "test_price"]),
            ("def make(x=1)", "def make(x=2)", ["test_made"]),
        ],
        ids=["method", "function", "cached-function", "static-method"],
    )
    def test_a_new_default_reaches_the_tests_that_ran_it_or_read_it(
        self, project: Project, old: str, new: str, failing: list[str]
    ) -> None:
        record(project, SIGNATURES, *ALL_SIGNATURES)
        project.edit("pkg/signer.py", old, new)
        check(project.run("--testmon"), must=failing, failed=failing)

    def test_a_function_that_gains_a_wrapper_reaches_its_callers_by_name(
        self, project: Project
    ) -> None:
        """A new decorator may answer without running the function: every reader of
        the name, callers too (test_plain and test_timed read ``unsign``, not
        ``check``)."""
        record(project, SIGNATURES, *ALL_SIGNATURES)
        project.edit(
            "pkg/signer.py",
            "def check(value, strict=False):",
            "@functools.lru_cache(maxsize=None)\ndef check(value, strict=False):",
        )
        check(
            project.run("--testmon"),
            must=["test_checked", "test_describe", "test_defaults"],
        )

    def test_a_new_function_of_a_called_name_reaches_its_callers(self, project: Project) -> None:
        """A module-level ``check`` now shadows the one imported: code that calls
        ``check`` calls another function, which its trace does not hold."""
        files = appended(SIGNATURES, "pkg/loader.py", "\n\ndef _unused():\n    pass\n")
        record(project, files, *ALL_SIGNATURES)
        project.edit(
            "pkg/loader.py",
            "def _unused():\n    pass",
            "def check(value):\n    return 'shadowed'",
        )
        check(
            project.run("--testmon"),
            must=["test_checked"],
            may=["test_describe", "test_defaults"],  # they read a name ``check``
            failed=["test_checked"],
        )

    def test_a_new_parameter_reaches_callers_whose_call_failed_to_bind(
        self, project: Project
    ) -> None:
        """A call that raised ``TypeError`` while binding its arguments never started
        the function: no trace holds it. A parameter added (or a default, or a name)
        counts as read by every caller."""
        files = {
            "pytest.ini": "[pytest]\n",
            "pkg/__init__.py": "",
            "pkg/parse.py": """
                def parse(text, sep=","):
                    return text.split(sep)
            """,
            "tests/test_parse.py": """
                import pytest

                from pkg.parse import parse


                def test_no_strict():
                    with pytest.raises(TypeError):
                        parse("a,b", strict=True)


                def test_parse():
                    assert parse("a,b") == ["a", "b"]
            """,
        }
        record(project, files, "test_no_strict", "test_parse")
        project.edit("pkg/parse.py", 'sep=","):', 'sep=",", strict=False):')
        check(
            project.run("--testmon"),
            must=["test_no_strict", "test_parse"],
            failed=["test_no_strict"],
        )
        project.edit("pkg/parse.py", 'sep=",", strict=False):', 'sep=";", strict=False):')
        # a new default value binds every call as before: test_no_strict still fails
        check(project.run("--testmon"), must=["test_no_strict", "test_parse"])

    @pytest.mark.parametrize(
        ("old", "new"),
        [("scale=1", "scale=2"), ("return 10 * scale", "return 20 * scale")],
        ids=["default", "body"],
    )
    def test_a_function_rebound_to_a_cache_reaches_every_caller(
        self, project: Project, old: str, new: str
    ) -> None:
        """``compute = lru_cache(compute)``: test_b's call is answered by the cache
        test_a filled, its trace lacks ``compute`` (the second review's miss)."""
        files = {
            "pytest.ini": "[pytest]\n",
            "pkg/__init__.py": "",
            "pkg/api.py": """
                import functools


                def compute(scale=1):
                    return 10 * scale


                compute = functools.lru_cache(compute)


                def get():
                    return compute()
            """,
            "tests/test_api.py": """
                from pkg import api


                def test_a():
                    assert api.get() == 10


                def test_b():
                    assert api.get() == 10
            """,
        }
        record(project, files, "test_a", "test_b")
        project.edit("pkg/api.py", old, new)
        check(project.run("--testmon"), must=["test_a", "test_b"], failed=["test_a", "test_b"])

    @pytest.mark.parametrize(
        ("old", "new"),
        [
            ("def connect(host, *, timeout=10):", "def connect(host, timeout=10):"),
            ("def numbers(n):", "def numbers(n, m):"),
            ("async def fetch(url):", "async def fetch(url, b):"),
        ],
        ids=["keyword-only", "generator", "coroutine"],
    )
    def test_a_call_that_never_started_the_function(
        self, project: Project, old: str, new: str
    ) -> None:
        """A call that failed to bind, or made a generator or coroutine nobody ran:
        no trace holds the function (on 3.12 a generator reports when it first runs)."""
        files = {
            "pytest.ini": "[pytest]\n",
            "pkg/__init__.py": "",
            "pkg/api.py": """
                def connect(host, *, timeout=10):
                    return (host, timeout)


                def numbers(n):
                    i = 0
                    while i < n:
                        yield i
                        i += 1


                def make_numbers():
                    return numbers(3)


                async def fetch(url):
                    return url


                def schedule():
                    c = fetch("u")
                    c.close()
                    return True
            """,
            "tests/test_api.py": """
                import pytest

                from pkg import api


                def test_keyword_only():
                    with pytest.raises(TypeError):
                        api.connect("h", 5)


                def test_gen():
                    assert api.make_numbers() is not None


                def test_sched():
                    assert api.schedule()
            """,
        }
        record(project, files, "test_gen", "test_keyword_only", "test_sched")
        project.edit("pkg/api.py", old, new)
        failing = {
            "def connect": "test_keyword_only",
            "def numbers": "test_gen",
            "async def fetch": "test_sched",
        }[old.split("(")[0]]
        check(project.run("--testmon"), must=[failing], may=ALL_CALLERS, failed=[failing])

    @pytest.mark.parametrize(
        ("old", "new"),
        [
            ("    def norm(x):", "    @staticmethod\n    def norm(x):"),
            ("    @staticmethod\n    def make(cls, x):", "    @classmethod\n    def make(cls, x):"),
        ],
        ids=["staticmethod-added", "staticmethod-to-classmethod"],
    )
    def test_a_new_decorator_may_bind_a_call_that_failed(
        self, project: Project, old: str, new: str
    ) -> None:
        """No ``self`` passed, or ``cls`` passed now: the old call raised ``TypeError``
        before the method started (the tenth review's miss)."""
        files = {
            "pytest.ini": "[pytest]\n",
            "pkg/__init__.py": "",
            "pkg/core.py": """
                class Conv:
                    def first(self):
                        return 1

                    def norm(x):
                        return x * 2

                    @staticmethod
                    def make(cls, x):
                        return x


                def convert(x):
                    try:
                        return Conv().norm(x)
                    except TypeError:
                        return "fallback"


                def build(x):
                    try:
                        return Conv.make(x)
                    except TypeError:
                        return "fallback"
            """,
            "tests/test_core.py": """
                from pkg.core import build, convert


                def test_convert():
                    assert convert(1) == "fallback"


                def test_build():
                    assert build(1) == "fallback"
            """,
        }
        record(project, files, "test_build", "test_convert")
        project.edit("pkg/core.py", old, new)
        failing = "test_convert" if "norm" in old else "test_build"
        check(
            project.run("--testmon"),
            must=[failing],
            may=["test_build", "test_convert"],  # whoever uses the class
            failed=[failing],
        )

    def test_a_special_methods_default_reaches_whoever_uses_the_class(
        self, project: Project
    ) -> None:
        """``super().__init__(...)`` of another class reads ``__init__``: not a user of
        this one (itsdangerous: ``BadData.__init__`` reached 79 more tests)."""
        files = {
            "pytest.ini": "[pytest]\n",
            "pkg/__init__.py": "",
            "pkg/consts.py": """
                SEP = "."
            """,
            "pkg/errors.py": """
                class Error(Exception):
                    def __init__(self, message):
                        super().__init__(message)
                        self.message = message
            """,
            "pkg/joiner.py": """
                from pkg.consts import SEP


                class Joiner:
                    def __init__(self, sep=SEP):
                        self.sep = sep

                    def join(self, *parts):
                        return self.sep.join(parts)
            """,
            "tests/test_it.py": """
                from pkg.errors import Error
                from pkg.joiner import Joiner


                def test_join():
                    assert Joiner().join("a", "b") == "a.b"


                def test_error():
                    assert Error("x").message == "x"
            """,
        }
        record(project, files, "test_error", "test_join")
        project.edit("pkg/consts.py", 'SEP = "."', 'SEP = "-"')
        check(project.run("--testmon"), must=["test_join"], failed=["test_join"])


# ``scale = Wrapper(core.scale)`` at import. test_default reads the value through its
# name; test_registered finds what a registry holds without naming it; test_other only
# imports the module.
WRAPPED = {
    "pkg/__init__.py": "",
    "pkg/core.py": """
        def scale(x, factor=2):
            \"\"\"Scale x.\"\"\"
            return x * factor
    """,
    "pkg/api.py": """
        from pkg import core
        from pkg.wrap import Wrapper

        scale = Wrapper(core.scale)
    """,
    "tests/test_api.py": """
        from pkg.api import scale


        def test_default():
            assert scale.func.__defaults__ == (2,)
    """,
    "tests/test_registry.py": """
        import pkg.api
        from pkg import wrap


        def test_registered():
            for f in getattr(wrap, "REGISTRY", {}).values():
                assert f.__defaults__ == (2,)
    """,
    "tests/test_other.py": """
        import pkg.api


        def test_other():
            assert pkg.api is not None
    """,
}

INERT_WRAPPER = """
    class Wrapper:
        \"\"\"Holds a function.\"\"\"

        kind = "wrapper"

        def __init__(self, func, *args, **kwargs):
            if not callable(func):
                raise TypeError("not callable")
            options = {}
            options.update(kwargs)
            self.func = func
            self.args, self.options = args, options
            self.__doc__ = getattr(func, "__doc__", None)

        def __call__(self, *args):
            return self.func(*self.args, *args)
"""

# A class that only holds the function, and a registry: the start of several
# variants below, which then make creating one register it after all
_PLAIN_WRAPPER = """
        REGISTRY = {}


        class Wrapper:
            def __init__(self, func):
                self.func = func
"""

# The same class, built so that creating one registers the function somewhere
ACTING_WRAPPERS = {
    "item stored": """
        REGISTRY = {}


        class Wrapper:
            def __init__(self, func):
                REGISTRY[func.__name__] = func
                self.func = func
    """,
    "function called": """
        REGISTRY = {}


        def register(func):
            REGISTRY[func.__name__] = func


        class Wrapper:
            def __init__(self, func):
                register(func)
                self.func = func
    """,
    "own method called": """
        REGISTRY = {}


        class Wrapper:
            def __init__(self, func):
                self.func = func
                self.register()

            def register(self):
                REGISTRY[self.func.__name__] = self.func
    """,
    "base class": """
        REGISTRY = {}


        class Base:
            def __init__(self, func):
                REGISTRY[func.__name__] = func
                self.func = func


        class Wrapper(Base):
            pass
    """,
    "property setter": """
        REGISTRY = {}


        class Wrapper:
            def __init__(self, func):
                self.func = func

            @property
            def func(self):
                return self._func

            @func.setter
            def func(self, value):
                REGISTRY[value.__name__] = value
                self._func = value
    """,
    "__new__": """
        REGISTRY = {}


        class Wrapper:
            def __new__(cls, func):
                REGISTRY[func.__name__] = func
                return super().__new__(cls)

            def __init__(self, func):
                self.func = func
    """,
    "class decorator": """
        REGISTRY = {}


        def registering(cls):
            plain = cls.__init__

            def init(self, func):
                REGISTRY[func.__name__] = func
                plain(self, func)

            cls.__init__ = init
            return cls


        @registering
        class Wrapper:
            def __init__(self, func):
                self.func = func
    """,
    "__init__ replaced": _PLAIN_WRAPPER
    + """

        def _registering(self, func):
            REGISTRY[func.__name__] = func
            self.func = func


        Wrapper.__init__ = _registering
    """,
    "shared __dict__": """
        REGISTRY = {}


        class Wrapper:
            def __init__(self, func):
                self.__dict__ = REGISTRY
                self.func = func
    """,
    "__class__ set": """
        REGISTRY = {}


        class _Recording:
            def __setattr__(self, key, value):
                REGISTRY[key] = value
                object.__setattr__(self, key, value)


        class Wrapper:
            def __init__(self, func):
                self.__class__ = _Recording
                self.func = func
    """,
    "__init__ rebound in the class body": """
        REGISTRY = {}


        def _init(self, func):
            REGISTRY[func.__name__] = func
            self.func = func


        class Wrapper:
            def __init__(self, func):
                self.func = func

            __init__ = _init
    """,
    "descriptor set through locals()": """
        REGISTRY = {}


        def _set(self, value):
            REGISTRY[value.__name__] = value


        class Wrapper:
            locals()["func"] = property(lambda self: next(iter(REGISTRY.values())), _set)

            def __init__(self, func):
                self.func = func
    """,
    "descriptor set on the class": _PLAIN_WRAPPER
    + """

        def _set(self, value):
            REGISTRY[value.__name__] = value


        Wrapper.func = property(lambda self: next(iter(REGISTRY.values())), _set)
    """,
    "self rebound": """
        class _Holder:
            def values(self):
                return [self.func]


        REGISTRY = _Holder()


        class Wrapper:
            def __init__(self, func):
                self.func = func
                if func.__doc__:
                    self = REGISTRY
                    self.func = func
    """,
    "method of a module object": """
        class _Seen:
            def __init__(self):
                self.seen = {}

            def get(self, func):
                return self.seen.setdefault(func.__name__, func)


        SEEN = _Seen()
        REGISTRY = SEEN.seen


        class Wrapper:
            def __init__(self, func):
                self.func = func
                self.first = SEEN.get(func)
    """,
    "metaclass of an isinstance check": """
        REGISTRY = {}


        class _Meta(type):
            def __instancecheck__(cls, obj):
                REGISTRY[obj.__name__] = obj
                return False


        class Checked(metaclass=_Meta):
            pass


        class Wrapper:
            def __init__(self, func):
                if isinstance(func, Checked):
                    raise TypeError("checked")
                self.func = func
    """,
    "__eq__ of a sentinel": """
        REGISTRY = {}


        class _Missing:
            def __eq__(self, other):
                REGISTRY[other.__name__] = other
                return False


        MISSING = _Missing()


        class Wrapper:
            def __init__(self, func):
                if func == MISSING:
                    raise TypeError("missing")
                self.func = func
    """,
    "builtin shadowed": """
        REGISTRY = {}


        class Wrapper:
            def __init__(self, func):
                if not callable(func):
                    raise TypeError("not callable")
                self.func = func


        def _callable(func):
            REGISTRY[func.__name__] = func
            return True


        globals()["callable"] = _callable
    """,
    "__init__'s code replaced": _PLAIN_WRAPPER
    + """

        def _init(self, func):
            REGISTRY[func.__name__] = func
            self.func = func


        Wrapper.__init__.__code__ = _init.__code__
    """,
    "class rebound by a function run at import": _PLAIN_WRAPPER
    + """

        class _Plain:
            def __init__(self, func):
                self.func = func


        def _registering(func):
            REGISTRY[func.__name__] = func
            return _Plain(func)


        def _install(name):
            globals()[name] = _registering


        _install("Wrap" + "per")
    """,
    "dict of the class": """
        class Wrapper:
            registry = {}

            def __init__(self, func):
                self.func = func
                self.registry.update({func.__name__: func})


        REGISTRY = Wrapper.registry
    """,
}


class TestInertConstructors:
    """``g = Wrapper(f)``, where creating a ``Wrapper`` only sets the new instance's own
    attributes, binds a value and does nothing else: a new default or docstring of
    ``f`` reaches the code that reads ``g``, not every test that imports the module.
    Any class that may do more when created (a registry, a hook, a setter, a base)
    keeps the rule for calls that act: every test whose imports reach the module."""

    APIS: ClassVar[dict[str, str]] = {
        "imported": WRAPPED["pkg/api.py"],
        "relative import": """
            from . import core
            from .wrap import Wrapper

            scale = Wrapper(core.scale)
        """,
        "module attribute": """
            from pkg import core, wrap

            scale = wrap.Wrapper(core.scale)
        """,
    }

    @pytest.mark.parametrize("api", sorted(APIS))
    def test_a_new_default_reaches_the_readers_of_the_name(
        self, project: Project, api: str
    ) -> None:
        files = {**WRAPPED, "pkg/wrap.py": INERT_WRAPPER, "pkg/api.py": self.APIS[api]}
        record(project, files, "test_default", "test_other", "test_registered")
        project.edit("pkg/core.py", "factor=2", "factor=3")
        check(project.run("--testmon"), must=["test_default"], failed=["test_default"])

    def test_a_module_that_deletes_the_class_it_imported(self, project: Project) -> None:
        """``del Wrapper`` after using it (a namespace cleaned up, as toolz's
        ``curried/operator.py`` does with ``curry``) binds nothing else to the name."""
        files = {**WRAPPED, "pkg/wrap.py": INERT_WRAPPER}
        files["pkg/ops.py"] = """
            from pkg.wrap import Wrapper

            double = Wrapper(lambda x: 2 * x)

            del Wrapper
        """
        files["tests/test_other.py"] = WRAPPED["tests/test_other.py"].replace(
            "import pkg.api", "import pkg.api\n        import pkg.ops"
        )
        record(project, files, "test_default", "test_other", "test_registered")
        project.edit("pkg/core.py", "factor=2", "factor=3")
        check(project.run("--testmon"), must=["test_default"], failed=["test_default"])

    def test_a_class_of_the_module_itself(self, project: Project) -> None:
        api = "from pkg import core\n" + textwrap.dedent(INERT_WRAPPER)
        api += "\n\nscale = Wrapper(core.scale)\n"
        files = {**WRAPPED, "pkg/wrap.py": "", "pkg/api.py": api}
        files = appended(
            files,
            "tests/test_api.py",
            """

            def test_doc():
                assert scale.__doc__ == "Scale x."
            """,
        )
        record(project, files, "test_default", "test_doc", "test_other", "test_registered")
        project.edit("pkg/core.py", '"""Scale x."""', '"""Scale x, by a factor."""')
        check(project.run("--testmon"), must=["test_default", "test_doc"], failed=["test_doc"])

    @pytest.mark.parametrize("wrapper", sorted(ACTING_WRAPPERS))
    def test_a_class_that_may_act_when_created(self, project: Project, wrapper: str) -> None:
        files = {**WRAPPED, "pkg/wrap.py": ACTING_WRAPPERS[wrapper]}
        record(project, files, "test_default", "test_other", "test_registered")
        project.edit("pkg/core.py", "factor=2", "factor=3")
        check(
            project.run("--testmon"),
            must=["test_default", "test_other", "test_registered"],
            failed=["test_default", "test_registered"],
        )

    def test_a_function_of_the_same_name_elsewhere(self, project: Project) -> None:
        """Names are matched without their module: a registering ``Wrapper`` anywhere
        in the project may be the one called."""
        files = {**WRAPPED, "pkg/wrap.py": INERT_WRAPPER}
        files["pkg/legacy.py"] = """
            from pkg import wrap

            wrap.REGISTRY = {}


            def Wrapper(func):
                wrap.REGISTRY[func.__name__] = func
                return wrap.Wrapper(func)
        """
        files["pkg/api.py"] = WRAPPED["pkg/api.py"].replace("pkg.wrap", "pkg.legacy")
        record(project, files, "test_default", "test_other", "test_registered")
        project.edit("pkg/core.py", "factor=2", "factor=3")
        check(
            project.run("--testmon"),
            must=["test_default", "test_other", "test_registered"],
            failed=["test_default", "test_registered"],
        )

    @pytest.mark.parametrize(
        ("wrap", "api"),
        [
            (  # a module ``__getattr__`` answers for a name the module does not bind
                """
                REGISTRY = {}


                def _registering(func):
                    REGISTRY[func.__name__] = func
                    return box.Wrapper(func)


                def __getattr__(name):
                    if name == "Wrapper":
                        return _registering
                    raise AttributeError(name)


                from pkg import box
                """,
                WRAPPED["pkg/api.py"]
                .replace("from pkg.wrap import Wrapper", "from pkg import wrap")
                .replace("Wrapper(core.scale)", "wrap.Wrapper(core.scale)"),
            ),
            (  # an attribute of an object, not of a module
                """
                import types

                from pkg import box

                REGISTRY = {}


                def _registering(func):
                    REGISTRY[func.__name__] = func
                    return box.Wrapper(func)


                hooks = types.SimpleNamespace(Wrapper=_registering)
                """,
                WRAPPED["pkg/api.py"]
                .replace("import Wrapper", "import hooks")
                .replace("Wrapper(core.scale)", "hooks.Wrapper(core.scale)"),
            ),
        ],
        ids=["module __getattr__", "object attribute"],
    )
    def test_a_callee_that_is_not_the_class_of_that_name(
        self, project: Project, wrap: str, api: str
    ) -> None:
        """An inert class ``Wrapper`` elsewhere (``pkg/box.py``) does not make any
        ``x.Wrapper(f)`` one: the callee is followed to its statement."""
        files = {**WRAPPED, "pkg/box.py": INERT_WRAPPER, "pkg/wrap.py": wrap, "pkg/api.py": api}
        record(project, files, "test_default", "test_other", "test_registered")
        project.edit("pkg/core.py", "factor=2", "factor=3")
        check(
            project.run("--testmon"),
            must=["test_default", "test_other", "test_registered"],
            failed=["test_default", "test_registered"],
        )

    def test_a_class_replaced_from_another_module(self, project: Project) -> None:
        files = {**WRAPPED, "pkg/wrap.py": "REGISTRY = {}\n" + textwrap.dedent(INERT_WRAPPER)}
        files["pkg/__init__.py"] = """
            from pkg import wrap


            def _registering(func):
                wrap.REGISTRY[func.__name__] = func
                return _Plain(func)


            class _Plain:
                def __init__(self, func):
                    self.func = func


            wrap.Wrapper = _registering
        """
        record(project, files, "test_default", "test_other", "test_registered")
        project.edit("pkg/core.py", "factor=2", "factor=3")
        check(
            project.run("--testmon"),
            must=["test_default", "test_other", "test_registered"],
            failed=["test_default", "test_registered"],
        )

    def test_an_import_switched_to_a_module_never_imported(self, project: Project) -> None:
        """The class came from an inert one; now from a module no run has imported."""
        files = {**WRAPPED, "pkg/box.py": INERT_WRAPPER}
        files["pkg/wrap.py"] = "from pkg.box import Wrapper\n"
        files["pkg/fast.py"] = """
            from pkg import box

            REGISTRY = {}


            def Wrapper(func):
                REGISTRY[func.__name__] = func
                return box.Wrapper(func)
        """
        files["tests/test_registry.py"] = """
            import sys

            import pkg.api


            def test_registered():
                fast = sys.modules.get("pkg.fast")
                assert fast is None or not fast.REGISTRY
        """
        record(project, files, "test_default", "test_other", "test_registered")
        project.edit("pkg/wrap.py", "from pkg.box import", "from pkg.fast import")
        check(
            project.run("--testmon"),
            must=["test_default", "test_other", "test_registered"],
            failed=["test_registered"],
        )

    def test_a_construction_that_raises_for_tests_that_import_later(self, project: Project) -> None:
        """``__init__`` checks its argument: the module's import now fails, also for a
        test that imports it in its body after another test did."""
        wrap = INERT_WRAPPER.replace(
            'raise TypeError("not callable")',
            'raise TypeError("not callable")\n            if not func.__doc__:\n'
            '                raise TypeError("no docstring")',
        )
        files = {**WRAPPED, "pkg/wrap.py": wrap}
        files = appended(files, "pkg/api.py", "\n\ndef helper():\n    return 1\n")
        files["tests/test_api.py"] = """
            def test_default():
                from pkg.api import scale

                assert scale.func.__defaults__ == (2,)


            def test_helper():
                from pkg.api import helper

                assert helper() == 1
        """
        del files["tests/test_other.py"], files["tests/test_registry.py"]
        record(project, files, "test_default", "test_helper")
        project.edit("pkg/core.py", '"""Scale x."""', "pass")
        check(
            project.run("--testmon"),
            must=["test_default", "test_helper"],
            failed=["test_default", "test_helper"],
        )

    def test_a_package_attribute_named_like_the_submodule(self, project: Project) -> None:
        """``from pkg import wrap`` gives what ``pkg/__init__.py`` binds to ``wrap``,
        not the module ``pkg/wrap.py`` (which a later test imports)."""
        files = {**WRAPPED, "pkg/wrap.py": INERT_WRAPPER}
        files["pkg/__init__.py"] = """
            import types

            REGISTRY = {}


            def _registering(func):
                REGISTRY[func.__name__] = func
                return types.SimpleNamespace(func=func)


            wrap = types.SimpleNamespace(Wrapper=_registering)
        """
        files["pkg/api.py"] = """
            from pkg import core, wrap

            scale = wrap.Wrapper(core.scale)
        """
        files["tests/test_registry.py"] = """
            import pkg
            import pkg.api


            def test_registered():
                for f in pkg.REGISTRY.values():
                    assert f.__defaults__ == (2,)
        """
        files["tests/test_z.py"] = """
            def test_z():
                import pkg.wrap

                assert pkg.wrap is not None
        """
        record(project, files, "test_default", "test_other", "test_registered", "test_z")
        project.edit("pkg/core.py", "factor=2", "factor=3")
        check(
            project.run("--testmon"),
            must=["test_default", "test_other", "test_registered"],
            may=["test_z"],
            failed=["test_default", "test_registered"],
        )

    def test_an_import_that_catches_what_the_construction_raises(self, project: Project) -> None:
        """``__init__`` reads the docstring, so a new one may make it raise: a module
        that catches the failed import of another sees that without naming anything."""
        wrap = INERT_WRAPPER.replace(
            'raise TypeError("not callable")',
            'raise TypeError("not callable")\n            if not func.__doc__:\n'
            '                raise TypeError("no docstring")',
        )
        files = {**WRAPPED, "pkg/wrap.py": wrap}
        files["pkg/loader.py"] = """
            try:
                import pkg.api

                HAVE_API = True
            except TypeError:
                HAVE_API = False
        """
        files["tests/test_loader.py"] = """
            from pkg.loader import HAVE_API


            def test_have():
                assert HAVE_API
        """
        record(project, files, "test_default", "test_have", "test_other", "test_registered")
        project.edit("pkg/core.py", '"""Scale x."""', "pass")
        run = project.run("--testmon", "--continue-on-collection-errors")
        check(run, must=["test_have"], failed=["test_have"])
        for importer in ("test_api", "test_other", "test_registry"):  # their import fails
            assert f"ERROR collecting tests/{importer}.py" in run.out, run.out

    def test_a_new_value_given_to_an_inert_class(self, project: Project) -> None:
        """Only a plain function's new header passes through an inert class as a
        value its readers see: another value may change what ``__init__`` does
        (raise, or run the value's own methods)."""
        files = {
            **WRAPPED,
            "pkg/wrap.py": "class Wrapper:\n    def __init__(self, v):\n        self.func = v\n",
        }
        files["pkg/core.py"] = "FACTOR = 2\n"
        files["pkg/api.py"] = """
            from pkg import core
            from pkg.wrap import Wrapper

            scale = Wrapper(core.FACTOR)
        """
        files["tests/test_api.py"] = """
            from pkg.api import scale


            def test_default():
                assert scale.func == 2
        """
        record(project, files, "test_default", "test_other", "test_registered")
        project.edit("pkg/core.py", "FACTOR = 2", "FACTOR = 3")
        check(
            project.run("--testmon"),
            must=["test_default", "test_other", "test_registered"],
            failed=["test_default"],
        )

    def test_a_module_that_lists_its_names_at_import(self, project: Project) -> None:
        """``TABLE`` holds the instance under a name nobody reads: listing at import
        is a gap of the name rule, which a new header must not slip through."""
        files = {**WRAPPED, "pkg/wrap.py": INERT_WRAPPER}
        files["pkg/api.py"] = """
            from pkg import core
            from pkg.wrap import Wrapper

            tool = Wrapper(core.scale)
            TABLE = {k: v for k, v in list(globals().items()) if k[:1] == "t" and k != "TABLE"}
        """
        files["tests/test_api.py"] = """
            from pkg.api import TABLE


            def test_default():
                assert [v.func.__defaults__ for v in TABLE.values()] == [(2,)]
        """
        record(project, files, "test_default", "test_other", "test_registered")
        project.edit("pkg/core.py", "factor=2", "factor=3")
        check(
            project.run("--testmon"),
            must=["test_default", "test_other", "test_registered"],
            failed=["test_default"],
        )


CLASS_SETTINGS = {
    "app/__init__.py": "",
    "app/config.py": CONFIGURED["app/config.py"],
    "app/settings.py": """
        class Base:
            STORE_NAME = "Corner"
            PAGE_SIZE = 20


        class Testing(Base):
            PAGE_SIZE = Base.PAGE_SIZE // 4


        class Production(Base):
            PAGE_SIZE = 50
    """,
    "tests/conftest.py": """
        from app import settings
        from app.config import config

        config.from_object(settings.Testing)
    """,
    "tests/test_config.py": """
        from app import settings
        from app.config import config


        def test_store_name():
            assert config["STORE_NAME"] == "Corner"


        def test_production():
            assert settings.Production.PAGE_SIZE == 50


        def test_other():
            assert 1 + 1 == 2
    """,
}


class TestClassAttributesReadOnAClass:
    """``PAGE_SIZE = Base.PAGE_SIZE // 4`` in a class body looks the attribute up on
    ``Base`` and its bases: a new ``Production.PAGE_SIZE`` (a subclass of ``Base``)
    cannot change it. Anything that may make the lookup reach other classes (a
    metaclass, a decorator, a base we cannot follow, an attribute set from elsewhere)
    keeps the name rule: every reader of ``PAGE_SIZE``."""

    ALL = ("test_other", "test_production", "test_store_name")

    def test_a_subclass_attribute_is_not_the_bases(self, project: Project) -> None:
        record(project, CLASS_SETTINGS, *self.ALL)
        project.edit("app/settings.py", "PAGE_SIZE = 50", "PAGE_SIZE = 51")
        check(project.run("--testmon"), must=["test_production"], failed=["test_production"])

    def test_a_base_imported_from_another_module(self, project: Project) -> None:
        files = {
            **CLASS_SETTINGS,
            "app/limits.py": """
                from app.settings import Base


                class Limits:
                    SIZE = Base.PAGE_SIZE * 2
            """,
        }
        files["tests/conftest.py"] = """
            from app import settings
            from app.config import config
            from app.limits import Limits

            config.from_object(Limits)
            config.from_object(settings.Testing)
        """
        record(project, files, *self.ALL)
        project.edit("app/settings.py", "PAGE_SIZE = 50", "PAGE_SIZE = 51")
        check(project.run("--testmon"), must=["test_production"], failed=["test_production"])

    def test_the_bases_attribute_reaches_the_subclass(self, project: Project) -> None:
        record(project, CLASS_SETTINGS, *self.ALL)
        project.edit("app/settings.py", "PAGE_SIZE = 20", "PAGE_SIZE = 21")
        # the conftest configures every test below it from ``Testing``
        check(project.run("--testmon"), must=self.ALL)

    # a reader whose lookup may reach ``Production.PAGE_SIZE``; ``test_store_name``
    # checks what the conftest copied from the reader into the configuration
    READERS: ClassVar[dict[str, str]] = {
        "a subclass of the changed class": """
            class Nightly(Production):
                STORE_NAME = "Corner" if Production.PAGE_SIZE == 50 else "other"
        """,
        "a base of the reader's base": """
            class Nightly(Base):
                pass


            Production.__bases__ = (Base,)
            Nightly.__bases__ = (Production,)


            class Reader(Nightly):
                STORE_NAME = "Corner" if Nightly.PAGE_SIZE == 50 else "other"
        """,
        "a decorator that gives another class": """
            def swap(cls):
                return Production


            @swap
            class Proxy:
                pass


            class Reader(Base):
                STORE_NAME = "Corner" if Proxy.PAGE_SIZE == 50 else "other"
        """,
        "a lambda's parameter": """
            class Reader(Base):
                STORE_NAME = "Corner" if (lambda Base: Base.PAGE_SIZE)(Production) == 50 else "x"
        """,
        "an attribute set by a name it does not spell": """
            class Reader(Base):
                pass


            for key in [k for k in vars(Production) if k.isupper()]:
                setattr(Reader, key, getattr(Production, key))


            class Copy(Base):
                STORE_NAME = "Corner" if Reader.PAGE_SIZE == 50 else "other"
        """,
    }

    @pytest.mark.parametrize("reader", sorted(READERS))
    def test_a_lookup_that_may_reach_the_changed_class(self, project: Project, reader: str) -> None:
        files = appended(CLASS_SETTINGS, "app/settings.py", self.READERS[reader])
        last = self.READERS[reader].split("class ")[-1].split("(")[0].split(":")[0]
        files["tests/conftest.py"] = f"""
            from app import settings
            from app.config import config

            config.from_object(settings.Testing)
            config.from_object(settings.{last.strip()})
        """
        record(project, files, *self.ALL)
        project.edit("app/settings.py", "PAGE_SIZE = 50", "PAGE_SIZE = 51")
        check(
            project.run("--testmon"),
            must=self.ALL,
            failed=["test_production", "test_store_name"],
        )

    def test_a_metaclass_that_answers_from_subclasses(self, project: Project) -> None:
        """``Root.PAGE_SIZE``: ``Root`` binds none, its metaclass looks in subclasses."""
        settings = textwrap.dedent(CLASS_SETTINGS["app/settings.py"])
        settings = settings.replace("class Base:", "class Base(Root):")
        files = dict(CLASS_SETTINGS)
        files["app/settings.py"] = (
            textwrap.dedent(
                """
            class Meta(type):
                def __getattr__(cls, name):
                    found = [vars(s)[name] for s in every(cls) if name in vars(s)]
                    if not found:
                        raise AttributeError(name)
                    return found[-1]


            def every(cls):
                for sub in cls.__subclasses__():
                    yield sub
                    yield from every(sub)


            class Root(metaclass=Meta):
                pass
            """
            )
            + settings
            + textwrap.dedent(
                """

            class Reader(Root):
                STORE_NAME = "Corner" if Root.PAGE_SIZE == 50 else "other"
            """
            )
        )
        files["tests/conftest.py"] = """
            from app import settings
            from app.config import config

            config.from_object(settings.Testing)
            config.from_object(settings.Reader)
        """
        record(project, files, *self.ALL)
        project.edit("app/settings.py", "PAGE_SIZE = 50", "PAGE_SIZE = 51")
        check(
            project.run("--testmon"),
            must=self.ALL,
            failed=["test_production", "test_store_name"],
        )


GENERATOR = {
    "pkg/__init__.py": "",
    "pkg/core.py": """
        def scale(x, factor=2):
            \"\"\"Scale x.\"\"\"
            yield x * factor


        async def fetch(x, factor=2):
            \"\"\"Fetch x.\"\"\"
            return x * factor
    """,
    "pkg/wrap.py": INERT_WRAPPER,
    "pkg/api.py": """
        from pkg import core
        from pkg.wrap import Wrapper

        scale = Wrapper(core.scale)
        fetch = Wrapper(core.fetch)
    """,
    "pkg/first.py": """
        from pkg import core

        FIRST = next(core.scale(3))
    """,
    "tests/test_api.py": """
        import asyncio

        from pkg import api, core


        def test_doc():
            assert api.scale.__doc__ == "Scale x."


        def test_runs():
            assert list(api.scale(3)) == [6]


        def test_made_only():
            assert core.scale(3) is not None


        def test_awaited():
            assert asyncio.run(api.fetch(3)) == 6
    """,
    "tests/test_first.py": """
        from pkg.first import FIRST


        def test_first():
            assert FIRST == 6
    """,
    "tests/test_other.py": """
        import pkg.api


        def test_other():
            assert pkg.api is not None
    """,
}


class TestGeneratorHeaders:
    """A call of a generator or coroutine function binds its arguments and runs none
    of its code: like a plain function's caller, it sees a new default or docstring
    only by running the body (then its trace holds it), or by reading the name."""

    ALL = ("test_awaited", "test_doc", "test_first", "test_made_only", "test_other", "test_runs")

    def test_a_new_docstring_reaches_its_readers_only(self, project: Project) -> None:
        record(project, GENERATOR, *self.ALL)
        project.edit("pkg/core.py", '"""Scale x."""', '"""Scale x, by a factor."""')
        # ``api.scale`` and ``core.scale``: names are matched without their module
        check(
            project.run("--testmon"),
            must=["test_doc", "test_runs"],
            may=["test_first", "test_made_only"],
            failed=["test_doc"],
        )

    def test_a_new_default_reaches_who_runs_it(self, project: Project) -> None:
        record(project, GENERATOR, *self.ALL)
        project.edit("pkg/core.py", "def scale(x, factor=2):", "def scale(x, factor=3):")
        check(
            project.run("--testmon"),
            must=["test_first", "test_runs"],
            may=["test_doc", "test_made_only"],
            failed=["test_first", "test_runs"],
        )

    def test_a_coroutines_new_default(self, project: Project) -> None:
        record(project, GENERATOR, *self.ALL)
        project.edit("pkg/core.py", "def fetch(x, factor=2):", "def fetch(x, factor=3):")
        check(project.run("--testmon"), must=["test_awaited"], failed=["test_awaited"])

    @pytest.mark.parametrize(
        ("old", "new", "fails"),
        [
            ("def scale(x, factor=2):", "def scale(x, factor):", ["test_made_only"]),
            ("    yield x * factor", "    return iter([x * factor])", []),
            ("async def fetch(", "def fetch(", ["test_awaited"]),
        ],
        ids=["a default removed", "no longer a generator", "no longer a coroutine"],
    )
    def test_a_new_call_shape_reaches_every_caller(
        self, project: Project, old: str, new: str, fails: list[str]
    ) -> None:
        # no module calls it at import (a collection error would stop the run)
        files = {k: v for k, v in GENERATOR.items() if "first" not in k}
        record(project, files, *[t for t in self.ALL if t != "test_first"])
        project.edit("pkg/core.py", old, new)
        run = project.run("--testmon")
        assert set(fails) <= set(run.ran), run.out
        for name in fails:
            assert run.outcomes[f"tests/test_api.py::{name}"] == "failed", run.out


# ``Testing.PAGE_SIZE`` is 10, 60 // 6 after the edit of ``Production.PAGE_SIZE``
# (50 -> 60) when the lookup of ``Base.PAGE_SIZE`` reaches it
PLAIN_BASES = """
    class Base:
        PAGE_SIZE = 20


    class Production(Base):
        PAGE_SIZE = 50
"""

LARGEST = """
    class Largest:
        def __set_name__(self, owner, name):
            self.name = name

        def __get__(self, obj, owner):
            return max([vars(s).get(self.name, 0) for s in owner.__subclasses__()])
"""

HIDDEN_LOOKUPS = {
    "a descriptor on the base reads the subclasses": {
        "app/settings.py": LARGEST
        + """

    class Base:
        PAGE_SIZE = Largest()
""",
        "app/prod.py": """
            from app.settings import Base


            class Production(Base):
                PAGE_SIZE = 50
        """,
        "app/limits.py": """
            import app.prod
            from app.settings import Base


            class Testing(Base):
                PAGE_SIZE = Base.PAGE_SIZE // 5
        """,
    },
    "exec rebinds the class name": {
        "app/settings.py": PLAIN_BASES,
        "app/limits.py": """
            from app.settings import Base, Production

            exec("Base = Production")


            class Testing:
                PAGE_SIZE = Base.PAGE_SIZE // 5
        """,
    },
    "exec into another module's namespace": {
        "app/settings.py": PLAIN_BASES,
        "app/aliases.py": """
            from app import settings

            exec("Base = Production", vars(settings))
        """,
        "app/limits.py": """
            import app.aliases
            from app.settings import Base


            class Testing:
                PAGE_SIZE = Base.PAGE_SIZE // 5
        """,
    },
    "exec in the base's body": {
        "app/settings.py": """
            class Production:
                PAGE_SIZE = 50


            class Base:
                exec("PAGE_SIZE = Production.PAGE_SIZE")
        """,
        "app/limits.py": """
            from app.settings import Base


            class Testing(Base):
                PAGE_SIZE = Base.PAGE_SIZE // 5
        """,
    },
}


@pytest.mark.parametrize("case", sorted(HIDDEN_LOOKUPS))
def test_a_class_attribute_lookup_that_runs_or_binds_unseen_code(
    project: Project, case: str
) -> None:
    """Review 14: what a lookup of ``Base.PAGE_SIZE`` finds may come from a descriptor
    whose ``__get__`` reads the subclasses, or from names ``exec`` binds."""
    files = {
        "app/__init__.py": "",
        "app/config.py": CLASS_SETTINGS["app/config.py"],
        **HIDDEN_LOOKUPS[case],
        "tests/conftest.py": """
            from app import limits
            from app.config import config

            config.from_object(limits.Testing)
        """,
        "tests/test_config.py": """
            from app.config import config


            def test_page():
                assert max(config.values()) == 10


            def test_other():
                assert 1 + 1 == 2
        """,
    }
    record(project, files, "test_other", "test_page")
    edited = "app/prod.py" if "app/prod.py" in files else "app/settings.py"
    project.edit(edited, "PAGE_SIZE = 50", "PAGE_SIZE = 60")
    check(project.run("--testmon"), must=["test_page"], may=["test_other"], failed=["test_page"])


@pytest.mark.parametrize(
    "reads",
    [
        'gen().gi_frame.f_locals["x"] == 1',
        'inspect.getgeneratorlocals(gen()) == {"x": 1}',
        'fetch().cr_frame.f_locals["x"] == 1',
    ],
    ids=["gi_frame", "getgeneratorlocals", "cr_frame"],
)
def test_the_frame_of_a_generator_nobody_started(project: Project, reads: str) -> None:
    """Review 15: a call binds the defaults into a frame that ``gi_frame`` shows
    before any of its code runs (on 3.12 no event reports it)."""
    files = {
        "pkg/__init__.py": "",
        "pkg/core.py": """
            def gen(x=1):
                \"\"\"Doc.\"\"\"
                yield x


            async def fetch(x=1):
                return x
        """,
        "tests/test_a.py": f"""
            import inspect
            import warnings

            from pkg.core import fetch, gen


            def test_a():
                warnings.simplefilter("ignore")  # a coroutine never awaited
                assert {reads}


            def test_b():
                pass
        """,
    }
    record(project, files, "test_a", "test_b")
    project.edit("pkg/core.py", "(x=1)", "(x=2)")
    project.edit("pkg/core.py", "(x=1)", "(x=2)")
    check(project.run("--testmon"), must=["test_a"], may=["test_b"], failed=["test_a"])


# ``func`` names a module-level value of pkg/term.py and, in pkg/compat.py, a function
# nested in a helper that runs at import (click's ``_make_cached_stream_func``).
LOCAL_NAMES = {
    "local": """
        def make_cached(src):
            cache = {}

            def func():
                if "v" not in cache:
                    cache["v"] = src()
                return cache["v"]

            return func
    """,
    # the same helper, where the nested function reads the global ``func`` instead
    "global": """
        from pkg.term import func


        def make_cached(src):
            def inner():
                return src() if func else None

            return inner
    """,
    # a comprehension's own ``func``, and then the global one after it
    "comprehension": """
        from pkg.term import *


        def make_cached(src):
            names = [func for func in ("a", "b")]
            return lambda: src() if names and func else None
    """,
    # a default evaluated where the function is defined reads the global one
    "default": """
        from pkg.term import func


        def make_cached(src, label=func):
            def func():
                return src() if label else None

            return func
    """,
}


@pytest.mark.parametrize("case", sorted(LOCAL_NAMES))
def test_a_name_its_code_binds_for_itself(project: Project, case: str) -> None:
    """A function that runs at import and uses ``func`` only as its own local cannot
    see a new module-level ``func`` elsewhere; one that reads the global must run."""
    files = {
        "pkg/__init__.py": "",
        "pkg/term.py": """
            func = "term"


            def show():
                return func
        """,
        "tests/test_term.py": """
            from pkg.term import show


            def test_show():
                assert show() == "term"
        """,
        "tests/test_compat.py": """
            from pkg.compat import get_text


            def test_text():
                assert get_text() == "text"
        """,
    }
    files["pkg/compat.py"] = textwrap.dedent(LOCAL_NAMES[case]) + textwrap.dedent(
        """

        get_text = make_cached(lambda: "text")
        """
    )
    record(project, files, "test_show", "test_text")
    project.edit("pkg/term.py", 'func = "term"', 'func = ""')
    must = ["test_show"] if case == "local" else ["test_show", "test_text"]
    check(project.run("--testmon"), must=must, failed=must)


@pytest.mark.parametrize("when", ["later", "at-import"])
def test_a_statement_that_defines_callers_of_a_function(project: Project, when: str) -> None:
    """``if WIN: def shout(...)`` only calls ``say`` in code it defines: a new default
    of ``say`` reaches the tests that ran ``say`` (their traces hold it), not every
    test that imports the module. When the statement also calls it at import, the
    module's import sees the new default: every test that imports it runs."""
    banner = '\n    BANNER = say("x")' if when == "at-import" else '\n    BANNER = "x"'
    files = {
        "pkg/__init__.py": "",
        "pkg/util.py": """
            def say(text, end=""):
                return text + end
        """,
        "pkg/term.py": textwrap.dedent(
            """
            import sys

            from pkg.util import say

            if sys.platform == "never":
                def shout(text):
                    return say(text.upper())
            else:
                def shout(text):
                    return say(text.upper(), end="!"){banner}


            def other():
                return BANNER
            """
        ).format(banner=banner),
        "tests/test_term.py": """
            from pkg.term import other, shout


            def test_shout():
                assert shout("a") == "A!"


            def test_other():
                assert other() == "x"
        """,
    }
    record(project, files, "test_other", "test_shout")
    project.edit("pkg/util.py", 'end=""', 'end="?"')
    if when == "later":
        check(project.run("--testmon"), must=["test_shout"])  # it ran ``say``
    else:
        check(project.run("--testmon"), must=["test_other", "test_shout"], failed=["test_other"])


# A plugin list: test_load imports pkg.b through it first, test_val reads b.VAL later
PLUGIN_LIST = {
    "pkg/__init__.py": "",
    "pkg/c.py": """
            import importlib

            PLUGINS = ["pkg.b"]


            def load_all():
                return [importlib.import_module(name) for name in PLUGINS]
        """,
    "tests/test_load.py": """
            from pkg.c import load_all


            def test_load():
                assert load_all()


            def test_val():
                assert load_all()[0].VAL == 1
        """,
}


# pkg/b.py calls ``f`` at import under another name; only a plugin list finds pkg.b
# (review of the call-only rule for effects)
CALLED_AT_IMPORT = {
    "alias": {
        "pkg/b.py": """
            import sys

            from pkg.a import f as g

            if sys.platform != "never":
                VAL = g()
        """,
    },
    "re-export": {
        "pkg/a.py": "from pkg.impl import _f as f\n",
        "pkg/impl.py": "def _f(x=1):\n    return x\n",
        "pkg/b.py": """
            import sys

            from pkg.a import f

            if sys.platform != "never":
                VAL = f()
        """,
    },
    "class-body": {
        "pkg/b.py": """
            import sys

            from pkg.a import f as g

            if sys.platform != "never":
                class K:
                    V = g()

                VAL = K.V
        """,
    },
}


@pytest.mark.parametrize("case", sorted(CALLED_AT_IMPORT))
def test_a_statement_that_calls_a_function_at_import_under_another_name(
    project: Project, case: str
) -> None:
    """A new default of ``f`` reaches a statement that calls it at import as ``g``
    (or through a re-export): what ran at import is ``f``, whatever the statement
    calls it. The test that reads the value finds the module by a plugin list."""
    files = {
        **PLUGIN_LIST,
        "pkg/a.py": "def f(x=1):\n    return x\n",
        **CALLED_AT_IMPORT[case],
    }
    record(project, files, "test_load", "test_val")
    edited = "pkg/impl.py" if case == "re-export" else "pkg/a.py"
    project.edit(edited, "x=1", "x=2")
    check(project.run("--testmon"), must=["test_val"], may=["test_load"], failed=["test_val"])


INDIRECT_AT_IMPORT = {
    # h calls f; the statement calls h: what it binds depends on f's defaults.
    "same-module": {
        "pkg/a.py": """
            def f(x=1):
                return x


            def h():
                return f()
        """,
        "pkg/b.py": """
            import sys

            from pkg.a import h

            if sys.platform != "never":
                VAL = h()
        """,
    },
    "other-module": {
        "pkg/a.py": "def f(x=1):\n    return x\n",
        "pkg/helpers.py": """
            from pkg.a import f


            def h():
                return f()
        """,
        "pkg/b.py": """
            from pkg.helpers import h

            VAL = h()
        """,
    },
    "plain-binding": {
        "pkg/a.py": """
            def f(x=1):
                return x


            def h():
                return [f()][0]
        """,
        "pkg/b.py": """
            from pkg.a import h

            VAL = h()
        """,
    },
}


def edit_f(project: Project, edit: str) -> None:
    """A new default of ``f`` in pkg/a.py, or a new body."""
    if edit == "default":
        project.edit("pkg/a.py", "x=1", "x=2")
    else:
        project.edit("pkg/a.py", "return x", "return x + 1")


@pytest.mark.parametrize("edit", ["default", "body"])
@pytest.mark.parametrize("case", sorted(INDIRECT_AT_IMPORT))
def test_a_function_that_ran_at_import_through_another(
    project: Project, case: str, edit: str
) -> None:
    """``VAL = h()`` at import, ``h`` calls ``f``: a new default (or body) of ``f``
    changes ``VAL``. The test that reads it finds the module by a plugin list, so no
    import of it is spelled: only the record of what ran during its import shows that
    ``f`` did."""
    files = {**PLUGIN_LIST, **INDIRECT_AT_IMPORT[case]}
    record(project, files, "test_load", "test_val")
    edit_f(project, edit)
    check(project.run("--testmon"), must=["test_val"], may=["test_load"], failed=["test_val"])


@pytest.mark.parametrize("edit", ["default", "body"])
def test_a_function_that_ran_at_import_fills_another_modules_registry(
    project: Project, edit: str
) -> None:
    """``h()`` at b's import appends ``f()`` to a's registry; a test that reads the
    registry through a's ``get`` (unchanged) after a plugin list imported b sees the
    new value: what ``f`` returned is in an object ``h`` reads by name."""
    files = {
        **PLUGIN_LIST,
        "pkg/a.py": """
            REGISTRY = []


            def f(x=1):
                return x


            def h():
                REGISTRY.append(f())


            def get():
                return REGISTRY[0]
        """,
        "pkg/b.py": "from pkg.a import h\n\nh()\n",
        "tests/test_load.py": """
            from pkg.a import get
            from pkg.c import load_all


            def test_load():
                assert load_all()


            def test_val():
                load_all()
                assert get() == 1
        """,
    }
    record(project, files, "test_load", "test_val")
    edit_f(project, edit)
    check(project.run("--testmon"), must=["test_val"], may=["test_load"], failed=["test_val"])


@pytest.mark.parametrize("scope", ["function", "session"])
def test_a_fixture_that_imports_plugins_by_name(project: Project, scope: str) -> None:
    """A conftest fixture imports the modules a list names; ``h`` ran at that import
    calls ``f``. A new ``f`` reaches the tests that use the fixture, and no other."""
    files = {
        "pkg/__init__.py": "",
        "pkg/a.py": """
            def f(x=1):
                return x


            def h():
                return f()
        """,
        "pkg/b.py": "from pkg.a import h\n\nVAL = h()\n",
        "tests/conftest.py": f"""
            import importlib

            import pytest

            NAMES = ["pkg.b"]


            @pytest.fixture(scope="{scope}")
            def plugins():
                return [importlib.import_module(name) for name in NAMES]
        """,
        "tests/test_plugins.py": """
            def test_val(plugins):
                assert plugins[0].VAL == 1


            def test_count(plugins):
                assert len(plugins) == 1


            def test_free():
                assert True
        """,
    }
    record(project, files, "test_count", "test_free", "test_val")
    project.edit("pkg/a.py", "x=1", "x=2")
    check(project.run("--testmon"), must=["test_val"], may=["test_count"], failed=["test_val"])


PARAMETER_FILES = {
    "pkg/__init__.py": "",
    "pkg/filters.py": """
        class IdentifierFilter:
            ttype = ("Name", "Symbol")


        def accepts(kind):
            return kind in IdentifierFilter.ttype
    """,
    "pkg/token.py": """
        class Token:
            def __init__(self, ttype, value):
                self.kind = ttype
                self.value = value


        def make(ttype):
            return Token(ttype, "x")


        KEYWORD = make("Keyword")
    """,
    "tests/test_filters.py": """
        from pkg.filters import accepts


        def test_symbol():
            assert accepts("Symbol")
    """,
    "tests/test_token.py": """
        from pkg.token import KEYWORD, make


        def test_make():
            assert make("Name").value == "x"


        def test_keyword():
            assert KEYWORD.value == "x"
    """,
}


def test_a_parameter_is_no_read_of_a_module_name(project: Project) -> None:
    """A class attribute ``ttype`` changes: ``Token.__init__(self, ttype, value)``,
    which ran at import too, names ``ttype`` only as its parameter, and pytest injects
    nothing into a module that is no test file, conftest.py or plugin: its tests and
    its importers are not affected (before: every test that imports ``pkg.token``)."""
    record(project, PARAMETER_FILES, "test_keyword", "test_make", "test_symbol")
    project.edit("pkg/filters.py", '("Name", "Symbol")', '("Name",)')
    check(project.run("--testmon"), must=["test_symbol"], failed=["test_symbol"])


FIXTURE_PARAMETERS = {
    # the conftest binds the fixture by a call, not a decorator
    "conftest-call": {
        "tests/conftest.py": """
            import pytest

            from pkg.values import make_mode


            def _source():
                return "fast"


            source = pytest.fixture(_source)
            mode = pytest.fixture(make_mode)
        """,
        "pkg/values.py": "def make_mode(source):\n    return source\n",
    },
    # a fixture module a conftest star-imports, defined by decorator
    "fixture-module": {
        "tests/conftest.py": "from pkg.values import *  # noqa\n",
        "pkg/values.py": """
            import pytest


            @pytest.fixture
            def source():
                return "fast"


            @pytest.fixture
            def mode(source):
                return source
        """,
    },
}


@pytest.mark.parametrize("case", sorted(FIXTURE_PARAMETERS))
def test_a_parameter_that_names_a_fixture(project: Project, case: str) -> None:
    """Where pytest injects fixtures, a parameter reads the fixture of its name: a
    new ``source`` fixture (the conftest binds the name to another function) reaches
    ``mode(source)`` and the tests that use it."""
    files = {
        "pkg/__init__.py": "",
        "tests/test_mode.py": """
            def test_mode(mode):
                assert mode == "fast"


            def test_free():
                assert True
        """,
        **FIXTURE_PARAMETERS[case],
    }
    record(project, files, "test_free", "test_mode")
    if case == "conftest-call":
        project.edit(
            "tests/conftest.py",
            "source = pytest.fixture(_source)",
            'source = pytest.fixture(lambda: "slow", name="source")',
        )
    else:
        project.edit(
            "pkg/values.py",
            '@pytest.fixture\ndef source():\n    return "fast"',
            'source = pytest.fixture(lambda: "slow", name="source")',
        )
    check(project.run("--testmon"), must=["test_mode"], may=["test_free"], failed=["test_mode"])


NAMED_IN_A_HEADER = {
    "pkg/__init__.py": "",
    "pkg/ident.py": """
        class Ident:
            def __init__(self, text):
                self.text = text

            def get_parent(self):
                return self.text.split(".")[0]

            def get_name(self):
                return self.text.split(".")[-1]


        def make_cases():
            return [("a.b", "a")]
    """,
}


def test_a_header_that_names_a_changed_function_by_a_string(project: Project) -> None:
    """``@parametrize("method", ["get_parent", "get_name"])`` names the methods; a
    body edit of ``get_parent`` reaches the cases that run it only: pytest stores a
    parametrize mark's strings, it never looks them up (sqlparse: a raise in
    ``get_parent_name`` ran 47 tests, 15 of them run it)."""
    files = {
        **NAMED_IN_A_HEADER,
        "tests/test_ident.py": """
            import pytest

            from pkg.ident import Ident


            @pytest.mark.parametrize(
                "method, expected", [("get_parent", "a"), ("get_name", "b")]
            )
            def test_method(method, expected):
                assert getattr(Ident("a.b"), method)() == expected
        """,
    }
    record(project, files, "test_method[get_name-b]", "test_method[get_parent-a]")
    project.edit("pkg/ident.py", 'split(".")[0]', 'split(".")[1]')
    check(
        project.run("--testmon"),
        must=["test_method[get_parent-a]"],
        failed=["test_method[get_parent-a]"],
    )


def test_a_decorator_that_looks_up_a_function_by_a_string(project: Project) -> None:
    """Any other decorator given the name may look the function up at import and
    read its code without running it: a body edit reaches the test."""
    files = {
        **NAMED_IN_A_HEADER,
        "tests/test_ident.py": """
            import inspect

            from pkg.ident import Ident


            def first_part(name):
                def decorate(fn):
                    fn.first = "[0]" in inspect.getsource(getattr(Ident, name))
                    return fn

                return decorate


            @first_part("get_parent")
            def test_first():
                assert test_first.first
        """,
        "tests/test_other.py": "def test_other():\n    assert True\n",
    }
    record(project, files, "test_first", "test_other")
    project.edit("pkg/ident.py", 'split(".")[0]', 'split(".")[1]')
    check(project.run("--testmon"), must=["test_first"], failed=["test_first"])


CALLED_IN_A_HEADER = {
    "decorator": """
        import pytest

        from pkg.ident import make_cases


        @pytest.mark.parametrize("cases", [make_cases()], ids=["only"])
        def test_cases(cases):
            assert cases == [("a.b", "a")]


        def test_other():
            assert True
    """,
    "alias-default": """
        from pkg.ident import make_cases as cases


        def test_cases(found=cases()):
            assert found == [("a.b", "a")]


        def test_other():
            assert True
    """,
}


@pytest.mark.parametrize("case", sorted(CALLED_IN_A_HEADER))
def test_a_header_that_calls_a_changed_function_at_import(project: Project, case: str) -> None:
    """A decorator or default that calls ``make_cases`` at import (under any name)
    holds what it returned: a body edit reaches the test."""
    files = {**NAMED_IN_A_HEADER, "tests/test_cases.py": CALLED_IN_A_HEADER[case]}
    test = "test_cases[only]" if case == "decorator" else "test_cases"
    record(project, files, test, "test_other")
    project.edit("pkg/ident.py", 'return [("a.b", "a")]', 'return [("a.b", "b")]')
    check(project.run("--testmon"), must=[test], may=["test_other"], failed=[test])


FOUND_BY_NAME = {
    # the loader that imported b first is another function than the one test_val runs
    "two-loaders": {
        "pkg/c.py": """
            import importlib

            PLUGINS = ["pkg.b"]


            def count():
                return len([importlib.import_module(n) for n in PLUGINS])


            def load_all():
                return [importlib.import_module(n) for n in PLUGINS]
        """,
        "tests/test_aa.py": "from pkg.c import count\n\n\ndef test_first():\n    assert count()\n",
        "tests/test_val.py": """
            from pkg.c import load_all


            def test_val():
                assert load_all()[0].VAL == 1
        """,
    },
    # collection imported b; the test gets it by a name it does not spell
    "computed-name": {
        "tests/test_aa.py": "import pkg.b  # noqa\n\n\ndef test_first():\n    assert True\n",
        "tests/test_val.py": """
            import importlib

            NAME = "pkg.b"


            def test_val():
                assert importlib.import_module(NAME).VAL == 1
        """,
    },
    "sys-modules": {
        "tests/test_aa.py": "import pkg.b  # noqa\n\n\ndef test_first():\n    assert True\n",
        "tests/test_val.py": """
            import sys


            def test_val():
                assert sys.modules["pkg.b"].VAL == 1
        """,
    },
    "relative-name": {
        "tests/test_aa.py": "import pkg.b  # noqa\n\n\ndef test_first():\n    assert True\n",
        "tests/test_val.py": """
            import importlib


            def test_val():
                assert importlib.import_module(".b", "pkg").VAL == 1
        """,
    },
    "partial": {
        "pkg/c.py": """
            import functools
            import importlib

            load = functools.partial(importlib.import_module)
        """,
        "tests/test_aa.py": "import pkg.b  # noqa\n\n\ndef test_first():\n    assert True\n",
        "tests/test_val.py": """
            from pkg.c import load


            def test_val():
                assert load("pkg.b").VAL == 1
        """,
    },
    # review 28: sys.modules, import_module under other names
    "sys-alias": {
        "tests/test_aa.py": "import pkg.b  # noqa\n\n\ndef test_first():\n    assert True\n",
        "tests/test_val.py": """
            import sys as _sys


            def test_val():
                assert _sys.modules["pkg.b"].VAL == 1
        """,
    },
    "sys-modules-imported": {
        "tests/test_aa.py": "import pkg.b  # noqa\n\n\ndef test_first():\n    assert True\n",
        "tests/test_val.py": """
            from sys import modules as loaded


            def test_val():
                assert loaded["pkg.b"].VAL == 1
        """,
    },
    "import-module-alias": {
        "tests/test_aa.py": "import pkg.b  # noqa\n\n\ndef test_first():\n    assert True\n",
        "tests/test_val.py": """
            from importlib import import_module as load

            NAME = "pkg.b"


            def test_val():
                assert load(NAME).VAL == 1
        """,
    },
    # review 28: b is an attribute of its package once anyone imported it
    "package-attribute": {
        "tests/test_aa.py": "import pkg.b  # noqa\n\n\ndef test_first():\n    assert True\n",
        "tests/test_val.py": "import pkg\n\n\ndef test_val():\n    assert pkg.b.VAL == 1\n",
    },
    "package-alias-attribute": {
        "tests/test_aa.py": "import pkg.b  # noqa\n\n\ndef test_first():\n    assert True\n",
        "tests/test_val.py": """
            import pkg as p

            VAL = p.b.VAL


            def test_val():
                assert VAL == 1
        """,
    },
    "package-getattr-literal": {
        "tests/test_aa.py": "import pkg.b  # noqa\n\n\ndef test_first():\n    assert True\n",
        "tests/test_val.py": """
            import pkg


            def test_val():
                assert getattr(pkg, "b").VAL == 1
        """,
    },
    "package-getattr": {
        "pkg/__init__.py": """
            import importlib


            def __getattr__(name):
                if name == "b":
                    return importlib.import_module("." + name, __name__)
                raise AttributeError(name)
        """,
        "tests/test_aa.py": "import pkg\n\n\ndef test_first():\n    assert pkg.b\n",
        "tests/test_val.py": "import pkg\n\n\ndef test_val():\n    assert pkg.b.VAL == 1\n",
    },
}


# pkg/a.py: b's import runs ``VAL = h()``, and ``h`` calls ``f``
H_CALLS_F = """
    def f(x=1):
        return x


    def h():
        return f()
"""


@pytest.mark.parametrize("case", sorted(FOUND_BY_NAME))
def test_a_module_found_by_a_name_the_code_does_not_spell(project: Project, case: str) -> None:
    """b's import calls ``f`` (through ``h``); test_first imports b, test_val gets it
    later by a name the code does not spell (``import_module(name)``,
    ``sys.modules[...]``, a loader passed on, a package's ``__getattr__``): a new
    default of ``f`` reaches test_val."""
    files = {
        "pkg/__init__.py": "",
        "pkg/a.py": H_CALLS_F,
        "pkg/b.py": "from pkg.a import h\n\nVAL = h()\n",
        **FOUND_BY_NAME[case],
    }
    record(project, files, "test_first", "test_val")
    project.edit("pkg/a.py", "x=1", "x=2")
    check(project.run("--testmon"), must=["test_val"], may=["test_first"], failed=["test_val"])


CLASS_KINDS = {
    # code that lists the class sees its attributes: dir(), or an installed
    # ``from_object`` we do not read
    "plain": ("class Filter:", 'assert "split_words" in dir(build())', True),
    "object": ("class Filter(object):", 'assert "split_words" in dir(build())', True),
    # the class machinery reads the body: whoever uses the class sees it
    "enum": ("class Filter(enum.Enum):", 'assert [m.value for m in build()][0] == "BY"', False),
    "dataclass": (
        "@dataclasses.dataclass\nclass Filter:",
        'assert dataclasses.astuple(build()())[0] == "BY"',
        False,
    ),
}


@pytest.mark.parametrize("kind", sorted(CLASS_KINDS))
def test_a_class_attribute_seen_without_its_name(project: Project, kind: str) -> None:
    """``by_words`` and ``split_words`` (which reads it) change: the code that reads
    those names sees it, and so does code that gets the class: an enum or a dataclass
    reads its body itself (iterating the members, building an instance), and any
    class can be listed by code we do not read (``config.from_object(cls)``), so the
    class name stays a reader (a plain class's attribute seen only by its name was
    tried, and missed that)."""
    header, build_check, plain = CLASS_KINDS[kind]
    files = {
        "pkg/__init__.py": "",
        "pkg/filters.py": f"""
import dataclasses
import enum


{header}
    by_words: str = "BY"
    split_words: tuple = ("FROM", by_words)


def build():
    return Filter


def split():
    return Filter.split_words
""",
        "tests/test_filters.py": f"""
import dataclasses
import enum

from pkg.filters import build, split


def test_build():
    {build_check}


def test_split():
    found = split()
    value = found.value if isinstance(found, enum.Enum) else found
    assert value == ("FROM", "BY")
""",
    }
    record(project, files, "test_build", "test_split")
    project.edit("pkg/filters.py", 'by_words: str = "BY"', 'by_words: str = "ORDER BY"')
    must = ["test_split"] if plain else ["test_build", "test_split"]
    check(project.run("--testmon"), must=must, may=["test_build"], failed=must)


def test_a_test_class_attribute_pytest_reads(project: Project) -> None:
    """``pytestmark`` in a test class marks its tests: a new one reaches them."""
    files = {
        "tests/test_marks.py": """
            import pytest


            class TestSome:
                pytestmark = [pytest.mark.skipif(False, reason="never")]

                def test_one(self):
                    assert True
        """,
    }
    record(project, files, "test_one")
    project.edit("tests/test_marks.py", "skipif(False", "skipif(True")
    run = project.run("--testmon")
    assert "1 skipped" in run.out, run.out


def test_a_plain_settings_class_a_conftest_configures_from(project: Project) -> None:
    """``config.from_object(settings.Testing)`` at a conftest's import lists the class
    (``dir``): a new ``Testing.PAGE_SIZE`` reaches the tests below it, though nothing
    spells ``PAGE_SIZE`` (a class without bases, decorators or keywords too)."""
    files = {
        "app/__init__.py": "",
        "app/config.py": """
            class Config(dict):
                def from_object(self, obj):
                    for key in dir(obj):
                        if key.isupper():
                            self[key] = getattr(obj, key)


            config = Config()
        """,
        "app/settings.py": "class Testing:\n    PAGE_SIZE = 10\n",
        "tests/conftest.py": """
            from app import settings
            from app.config import config

            config.from_object(settings.Testing)
        """,
        "tests/test_config.py": """
            from app.config import config


            def test_page():
                assert max(config.values()) == 10


            def test_other():
                assert True
        """,
    }
    record(project, files, "test_other", "test_page")
    project.edit("app/settings.py", "PAGE_SIZE = 10", "PAGE_SIZE = 11")
    check(project.run("--testmon"), must=["test_page"], may=["test_other"], failed=["test_page"])


def test_a_decorator_that_looks_at_a_function_it_names(project: Project) -> None:
    """Review 29: ``@same_kind_as(rows)`` asks whether ``rows`` is a generator
    function, at import, without running it; a body edit that makes it one changes
    what ``doubled`` is."""
    files = {
        "pkg/__init__.py": "",
        "pkg/a.py": "def rows():\n    return [1, 2]\n",
        "pkg/kinds.py": """
            import inspect


            def same_kind_as(src):
                def deco(fn):
                    if inspect.isgeneratorfunction(src):
                        def lazy(*args):
                            yield from fn(*args)

                        return lazy
                    return fn

                return deco
        """,
        "pkg/b.py": """
            from pkg.a import rows
            from pkg.kinds import same_kind_as


            @same_kind_as(rows)
            def doubled():
                return [2, 4]
        """,
        "tests/test_b.py": """
            from pkg.b import doubled


            def test_doubled():
                assert doubled() == [2, 4]
        """,
    }
    record(project, files, "test_doubled")
    project.edit("pkg/a.py", "return [1, 2]", "yield from [1, 2]")
    check(project.run("--testmon"), must=["test_doubled"], failed=["test_doubled"])


def test_a_parameter_the_projects_own_injector_fills(project: Project) -> None:
    """Review 29: ``call(fn)`` fills ``fn``'s parameters by their names from a module
    (``inspect.signature(fn).parameters``): a new ``services.db`` reaches
    ``handler(db)`` through its parameter's name, in a file pytest injects nothing
    into."""
    files = {
        "pkg/__init__.py": "",
        "pkg/services.py": 'db = "sqlite"\n',
        "pkg/di.py": """
            import inspect

            from pkg import services


            def call(fn):
                names = inspect.signature(fn).parameters
                return fn(**{n: getattr(services, n) for n in names})
        """,
        "pkg/handlers.py": "def handler(db):\n    return db.upper()\n",
        "tests/test_h.py": """
            from pkg.di import call
            from pkg.handlers import handler


            def test_handler():
                assert call(handler) == "SQLITE"
        """,
    }
    record(project, files, "test_handler")
    project.edit("pkg/services.py", '"sqlite"', '"pg"')
    check(project.run("--testmon"), must=["test_handler"], failed=["test_handler"])


class TestAnnotationsOnly:
    """``stdout: BytesIOCopy`` in a class body binds no ``stdout``: it adds to the
    class's ``__annotations__``. click's ``StreamMixer`` gained such lines, and code that
    reads ``sys.stdout`` at import (``_default_text_stdout = _make_cached_stream_func(
    lambda: sys.stdout, ...)``, in a module the conftest imports) made every test run.
    Whoever reads the class still sees it: a dataclass's new field."""

    FILES: ClassVar[dict[str, str]] = {
        "pkg/__init__.py": "",
        "pkg/compat.py": """
            import sys


            def cached(src):
                return lambda: src()


            DEFAULT = cached(lambda: sys.stdout)
        """,
        "pkg/mixer.py": """
            import io


            class Mixer:
                def __init__(self):
                    self.stdout = io.BytesIO()
        """,
        "pkg/point.py": """
            from dataclasses import dataclass


            @dataclass
            class Point:
                x: int
        """,
        "pkg/make.py": """
            from pkg.point import Point


            def make():
                return Point(1)
        """,
        "tests/conftest.py": "import pkg.compat\n",
        "tests/test_mixer.py": """
            from pkg.mixer import Mixer


            def test_mixer():
                assert Mixer().stdout.getvalue() == b""
        """,
        "tests/test_point.py": """
            from pkg.make import make
            from pkg.point import Point


            def test_point():
                assert Point(2).x == 2


            def test_make():
                assert make().x == 1
        """,
        "tests/test_other.py": """
            from pkg.compat import DEFAULT


            def test_other():
                assert DEFAULT() is not None
        """,
    }
    ALL = ("test_make", "test_mixer", "test_other", "test_point")

    def test_a_new_annotation_reaches_the_class_not_the_name(self, project: Project) -> None:
        # every test on f8ffb38: "stdout changed -> read when pkg/compat.py is imported"
        record(project, self.FILES, *self.ALL)
        project.edit("pkg/mixer.py", "class Mixer:\n", "class Mixer:\n    stdout: io.BytesIO\n\n")
        check(project.run("--testmon"), must=["test_mixer"])

    def test_a_dataclass_field(self, project: Project) -> None:
        record(project, self.FILES, *self.ALL)
        project.edit("pkg/point.py", "    x: int\n", "    x: int\n    y: int\n")
        check(
            project.run("--testmon"),
            must=["test_make", "test_point"],
            failed=["test_make", "test_point"],
        )

    def test_an_annotation_at_module_level(self, project: Project) -> None:
        record(project, self.FILES, *self.ALL)
        project.edit("pkg/mixer.py", "import io\n", "import io\n\nstdout: io.BytesIO\n")
        check(project.run("--testmon"), must=[])

    def test_a_dataclass_reached_only_at_run_time(self, project: Project) -> None:
        """Review 35: the test finds the dataclass through ``__subclasses__()`` and reads
        the field as ``obj.x``: an annotation there makes an attribute."""
        files = {
            "pkg/__init__.py": "",
            "pkg/base.py": "class Base:\n    pass\n",
            "pkg/models.py": """
                from dataclasses import dataclass

                from pkg.base import Base


                @dataclass
                class Point(Base):
                    x: int
                    y: int = 0
            """,
            "tests/test_a.py": """
                import pkg.models
                from pkg.base import Base


                def test_x():
                    for cls in Base.__subclasses__():
                        assert cls(1).x == 1


                def test_other():
                    assert True
            """,
        }
        record(project, files, "test_other", "test_x")
        project.edit("pkg/models.py", "    x: int\n", "    w: int\n")
        check(project.run("--testmon"), must=["test_x"], failed=["test_x"])

    def test_a_plain_class_read_through_its_annotations(self, project: Project) -> None:
        files = {
            **self.FILES,
            "pkg/fields.py": """
                from pkg.mixer import Mixer


                def fields():
                    return sorted(getattr(Mixer, "__annotations__", {}))
            """,
            "tests/test_fields.py": """
                from pkg.fields import fields


                def test_fields():
                    assert fields() == []
            """,
        }
        record(project, files, *self.ALL, "test_fields")
        project.edit("pkg/mixer.py", "class Mixer:\n", "class Mixer:\n    stdout: io.BytesIO\n\n")
        check(project.run("--testmon"), must=["test_fields", "test_mixer"], failed=["test_fields"])


# sig/__init__.py fills TABLE from INFO when imported (toolz's signature registry):
# what the import did stays in those two dicts, whose readers are the tests that
# can see it, not every test that imports the package
CONTAINERS = {
    "sig/__init__.py": """
        from sig import core, registry

        registry.build()
    """,
    "sig/registry.py": """
        INFO = {}
        INFO["add"] = dict(arity=2)
        INFO["neg"] = dict(arity=1)
        TABLE = {}


        def arity_of(spec):
            return spec["arity"]


        def build(info=INFO, table=TABLE):
            for name, spec in info.items():
                table[name] = arity_of(spec)


        def lookup(name):
            return TABLE[name]
    """,
    "sig/core.py": """
        CACHE = {}


        def add(a, b):
            return a + b


        def neg(a):
            return -a
    """,
    "tests/test_lookup.py": """
        from sig.registry import lookup


        def test_add_arity():
            assert lookup("add") == 2
    """,
    "tests/test_core.py": """
        import sig
        from sig.core import add, neg


        def test_add():
            assert add(1, 2) == 3


        def test_neg():
            assert neg(1) == -1
    """,
}
ALL_CONTAINER_TESTS = ("test_add", "test_add_arity", "test_neg")


class TestContainersFilledAtImport:
    """A module whose import only stores into containers of its own modules (a
    statement, or functions that keep no other state) reaches the readers of those
    containers: the import holds nothing else that changed."""

    def test_a_value_stored_at_import(self, project: Project) -> None:
        record(project, CONTAINERS, *ALL_CONTAINER_TESTS)
        project.edit("sig/registry.py", "dict(arity=2)", "dict(arity=3)")
        check(project.run("--testmon"), must=["test_add_arity"], failed=["test_add_arity"])

    def test_a_function_the_import_ran(self, project: Project) -> None:
        record(project, CONTAINERS, *ALL_CONTAINER_TESTS)
        project.edit("sig/registry.py", 'return spec["arity"]', 'return spec["arity"] + 1')
        check(project.run("--testmon"), must=["test_add_arity"], failed=["test_add_arity"])

    def test_a_value_read_from_the_container_at_import(self, project: Project) -> None:
        files = {
            **CONTAINERS,
            "sig/extra.py": """
                from sig.registry import INFO

                ADD = INFO["add"]["arity"]
            """,
            "tests/test_extra.py": """
                from sig.extra import ADD


                def test_extra():
                    assert ADD == 2
            """,
        }
        record(project, files, *ALL_CONTAINER_TESTS, "test_extra")
        project.edit("sig/registry.py", "dict(arity=2)", "dict(arity=3)")
        check(
            project.run("--testmon"),
            must=["test_add_arity", "test_extra"],
            failed=["test_add_arity", "test_extra"],
        )

    def test_an_import_that_fails_now(self, project: Project) -> None:
        record(project, CONTAINERS, *ALL_CONTAINER_TESTS)
        project.edit("sig/registry.py", "dict(arity=2)", "dict(arty=2)")
        run = project.run("--testmon")
        # a test file that imports sig shows the error (as a plain run does)
        assert "KeyError: 'arity'" in run.out, run.out
        assert run.ret != 0

    @pytest.mark.parametrize(
        ("rel", "old", "new"),
        [
            # the function keeps state elsewhere too
            (
                "sig/registry.py",
                "table[name] = arity_of(spec)",
                "table[name] = arity_of(spec)\n        core.CACHE[name] = 1",
            ),
            # the module passes its own object for the container
            (
                "sig/__init__.py",
                "registry.build()",
                "registry.build()\nregistry.build(registry.INFO, core.CACHE)",
            ),
        ],
        ids=["stores-elsewhere", "passes-an-object"],
    )
    def test_state_kept_elsewhere(self, project: Project, rel: str, old: str, new: str) -> None:
        """What the import did reaches a container the tests read by another name:
        every test whose imports reach the package."""
        files = dict(CONTAINERS)
        files["sig/registry.py"] = "from sig import core\n" + textwrap.dedent(
            files["sig/registry.py"]
        ).lstrip("\n")
        files["tests/test_cache.py"] = """
            import sig
            from sig.core import CACHE


            def test_cache():
                assert "sub" not in CACHE
        """
        files[rel] = textwrap.dedent(files[rel]).lstrip("\n").replace(old, new)
        record(project, files, *ALL_CONTAINER_TESTS, "test_cache")
        project.edit(
            "sig/registry.py",
            'INFO["neg"] = dict(arity=1)',
            'INFO["neg"] = dict(arity=1)\nINFO["sub"] = dict(arity=2)',
        )
        run = project.run("--testmon")
        check(run, must=["test_cache"], may=ALL_CONTAINER_TESTS)

    def test_a_changed_function_that_now_calls_another(self, project: Project) -> None:
        files = dict(CONTAINERS)
        files["sig/registry.py"] = "from sig import core\n" + textwrap.dedent(
            files["sig/registry.py"]
        ).lstrip("\n")
        files["sig/core.py"] = textwrap.dedent(files["sig/core.py"]) + textwrap.dedent("""

            def note(name):
                CACHE[name] = 1
        """)
        files["tests/test_cache.py"] = """
            import sig
            from sig.core import CACHE


            def test_cache():
                assert CACHE == {}
        """
        record(project, files, *ALL_CONTAINER_TESTS, "test_cache")
        project.edit(
            "sig/registry.py", 'return spec["arity"]', 'core.note("x")\n    return spec["arity"]'
        )
        check(
            project.run("--testmon"),
            must=["test_cache"],
            may=ALL_CONTAINER_TESTS,
            failed=["test_cache"],
        )

    def test_a_test_that_imports_the_package_when_it_runs(self, project: Project) -> None:
        """The import now fails: a test that imports the package in its body fails too,
        though the test files that import it at their top show the error."""
        files = {
            **CONTAINERS,
            "tests/test_late.py": """
                def test_late():
                    import sig.core

                    assert sig.core.add(1, 1) == 2
            """,
        }
        record(project, files, *ALL_CONTAINER_TESTS, "test_late")
        project.edit("sig/registry.py", "dict(arity=2)", "dict(arty=2)")
        run = project.run("--testmon", "--continue-on-collection-errors")
        assert "KeyError: 'arity'" in run.out, run.out
        check(run, must=["test_late"], may=ALL_CONTAINER_TESTS, failed=["test_late"])


# review 48: what a held import did escapes its containers; each edit fails the test
# named, which the import rule (every importer) selected before
ESCAPES = {
    "an-element-that-is-another-module-s-object": (
        {
            "sig/settings.py": 'CONFIG = {"mode": "a"}\n',
            "sig/registry.py+": (
                'from sig.settings import CONFIG\nHOLD = [CONFIG]\nHOLD[0]["mode"] = "b"\n'
            ),
            "tests/test_escape.py": (
                "import sig\nfrom sig.settings import CONFIG\n\n\n"
                'def test_escape():\n    assert CONFIG["mode"] == "b"\n'
            ),
        },
        ("sig/registry.py", 'HOLD[0]["mode"] = "b"', 'HOLD[0]["mode"] = "c"'),
    ),
    "a-function-that-stores-into-an-element": (
        {
            "sig/registry.py+": "from sig import core\n",
            "tests/test_escape.py": (
                "import sig\nfrom sig.core import CACHE\n\n\n"
                "def test_escape():\n    assert CACHE == {}\n"
            ),
        },
        (
            "sig/registry.py",
            "    for name, spec in info.items():",
            '    table["_c"] = core.CACHE\n    table["_c"]["x"] = 1\n'
            "    for name, spec in info.items():",
        ),
    ),
    "an-imported-helper-rebound": (
        {
            "sig/impl.py": (
                "CACHE2 = {}\n\n\ndef plain(x):\n    return x\n\n\n"
                'def noting(x):\n    CACHE2["x"] = 1\n    return x\n'
            ),
            "sig/registry.py+": "from sig.impl import plain as helper\n",
            "tests/test_escape.py": (
                "import sig\nfrom sig.impl import CACHE2\n\n\n"
                "def test_escape():\n    assert CACHE2 == {}\n"
            ),
        },
        ("sig/registry.py", "plain as helper", "noting as helper"),
    ),
    "a-method-named-like-a-function-that-ran": (
        {
            "sig/core.py+": 'NAMES = set()\nVALUE = "x"\n',
            "sig/__init__.py": (
                "from sig import core, registry\n\nregistry.build()\ncore.NAMES.add(core.VALUE)\n"
            ),
            "tests/test_escape.py": (
                "import sig\nfrom sig.core import NAMES\n\n\n"
                'def test_escape():\n    assert NAMES == {"x"}\n'
            ),
        },
        ("sig/core.py", 'VALUE = "x"', 'VALUE = "y"'),
    ),
}


class TestReview48:
    @pytest.mark.parametrize("case", sorted(ESCAPES))
    def test_what_the_import_did_escapes_its_containers(self, project: Project, case: str) -> None:
        extra, (rel, old, new) = ESCAPES[case]
        files = dict(CONTAINERS)
        if case == "an-imported-helper-rebound":
            files["sig/registry.py"] = files["sig/registry.py"].replace(
                'return spec["arity"]', 'return helper(spec["arity"])'
            )
        if case == "a-method-named-like-a-function-that-ran":
            files["sig/registry.py"] = files["sig/registry.py"].replace(
                'return spec["arity"]', 'return core.add(spec["arity"], 0)'
            )
            extra = {**extra, "sig/registry.py+": "from sig import core\n"}
        for name, text in extra.items():
            if name.endswith("+"):  # lines put first in the file
                name = name[:-1]
                files[name] = text + textwrap.dedent(files[name]).lstrip("\n")
            else:
                files[name] = text
        record(project, files, *ALL_CONTAINER_TESTS, "test_escape")
        project.edit(rel, old, new)
        check(
            project.run("--testmon"),
            must=["test_escape"],
            may=ALL_CONTAINER_TESTS,
            failed=["test_escape"],
        )

    def test_modules_imported_when_tests_run(self, project: Project) -> None:
        """The import of a module whose only effect is a held store now fails: every
        test that imports it in its body fails, not only the first to run."""
        files = {
            "pkg/__init__.py": "",
            "pkg/plug.py": 'PLUG = {}\nPLUG["x"] = dict(zz=1)\n',
            "tests/test_lazy.py": "def test_lazy():\n    import pkg.plug  # noqa: F401\n",
            "tests/test_lazy2.py": "def test_lazy2():\n    import pkg.plug  # noqa: F401\n",
            "tests/test_other.py": "def test_other():\n    pass\n",
        }
        record(project, files, "test_lazy", "test_lazy2", "test_other")
        project.edit("pkg/plug.py", "dict(zz=1)", "dict(zz=1 / 0)")
        check(
            project.run("--testmon"),
            must=["test_lazy", "test_lazy2"],
            failed=["test_lazy", "test_lazy2"],
        )


# review 49: an element counted as the module's own after another key replaced it,
# and a function the changed one now calls, named like one that ran elsewhere
FRESH_KEYS = {
    "equal-keys": 'G[True] = {}\nG[1] = other.SHARED\nG[True]["x"] = 1\n',
    "a-name-rebound": (
        'k = "b"\nG[k] = other.SHARED\nk = "a"\nG[k] = {}\nk = "b"\nG[k]["x"] = 1\n'
    ),
    "a-walrus": 'G["b"] = {}\nG[(k := "b")] = other.SHARED\nG["b"]["x"] = 1\n',
    "handed-on": 'G["b"] = {}\nother.swap(G)\nG["b"]["x"] = 1\n',
}


class TestReview49:
    @pytest.mark.parametrize("case", sorted(FRESH_KEYS))
    def test_an_element_replaced_before_the_store(self, project: Project, case: str) -> None:
        files = {
            "pkg/__init__.py": "",
            "pkg/other.py": ("SHARED = {}\n\n\ndef swap(g):\n    g['b'] = SHARED\n"),
            "pkg/m.py": "from pkg import other\n\nG = {}\n" + FRESH_KEYS[case],
            "tests/test_a.py": (
                "import pkg.m\nfrom pkg import other\n\n\n"
                'def test_shared():\n    assert other.SHARED.get("x", 1) == 1\n\n\n'
                "def test_g():\n    assert isinstance(pkg.m.G, dict)\n"
            ),
            "tests/test_b.py": "def test_b():\n    pass\n",
        }
        record(project, files, "test_b", "test_g", "test_shared")
        project.edit("pkg/m.py", '["x"] = 1', '["x"] = 2')
        check(
            project.run("--testmon"), must=["test_shared"], may=["test_g"], failed=["test_shared"]
        )

    def test_a_changed_function_calls_another_of_its_module(self, project: Project) -> None:
        files = {
            "pkg/__init__.py": "",
            "pkg/other.py": "STATE = []\n",
            "pkg/b.py": "def helper():\n    return 1\n",
            "pkg/m.py": """
                from pkg import other
                from pkg.b import helper as bhelper

                REG = {}


                def helper():
                    other.STATE.append(1)
                    return 1


                def fill():
                    REG["x"] = bhelper()


                fill()
            """,
            "tests/test_a.py": """
                import pkg.m
                from pkg import other


                def test_state():
                    assert other.STATE == []


                def test_reg():
                    assert pkg.m.REG == {"x": 1}
            """,
        }
        record(project, files, "test_reg", "test_state")
        project.edit("pkg/m.py", 'REG["x"] = bhelper()', 'REG["x"] = helper()')
        check(
            project.run("--testmon"), must=["test_state"], may=["test_reg"], failed=["test_state"]
        )

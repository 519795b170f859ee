"""Import-time work belongs to the import that did it (issue 10).

While a project module's body runs, what it runs, reads and imports is that module's
import-time dependency; a test depends on the import-time dependencies of every module
its imports reach (its test file, the conftest.py files above it, the modules it ran
or imported). End to end: record, edit, re-run, assert exactly which tests ran.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from helpers import Project
from test_safety import check, record

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

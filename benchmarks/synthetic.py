"""Synthetic test suites, generated into ``benchmarks/_work/bench/suites``.

Five shapes, each with a pytest.ini of its own (so pytest never climbs into this
repository's configuration) and a one-function edit that affects a few tests:

* ``regular``: N tests over M test modules, each test module exercising its own source
  module (ten small functions, a class) through a shared helper and a conftest fixture;
* ``parametrized``: one test function parametrized N ways, of which exactly one calls
  the function the edit changes (testmon's selection inside a file is quadratic);
* ``call_heavy``: tests that make tens of thousands of calls to many small functions
  and recurse deeply: the worst case for a tracer;
* ``cli``: tests that each run the package's command line in a Python child process
  (``python -m pkg.cli OP N``): what tracking children costs, and whether a change to
  what only children run selects their tests.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Callable

from benchmarks.workload import Edit, Workload

FUNCS_PER_MODULE = 10  # the regular suite's source modules: f0 .. f9
LEAVES = 40  # the call-heavy modules' small functions
ROUNDS = 1500  # chain() calls per call-heavy test: 1500 * 41 calls
DEPTH = 400  # recursion depth per call-heavy test (well under the default limit)
INI = "[pytest]\ntestpaths = tests\npythonpath = .\n"


def regular(root: Path, tests: int, modules: int) -> Workload:
    """``tests`` tests over ``modules`` test modules; the edit hits tests/modules/10."""
    per_module = tests // modules
    big = tests >= 50_000
    name = f"synthetic {_count(tests)} tests / {modules} modules"
    target = modules // 2
    edit = Edit(f"pkg/mod{target:04d}.py", "f3")
    tree = root / f"regular-{tests}-{modules}"
    params = {"shape": "regular", "tests": tests, "modules": modules, "v": 1}
    _ensure(tree, params, lambda: _regular_files(modules, per_module))
    return Workload(name, "synthetic", "regular", tree, edit, big=big, first_once=big)


def _regular_files(modules: int, per_module: int) -> dict[str, str]:
    files = {"pytest.ini": INI, "pkg/__init__.py": "", "pkg/util.py": _UTIL}
    files["tests/conftest.py"] = _CONFTEST
    for i in range(modules):
        files[f"pkg/mod{i:04d}.py"] = _regular_module(i)
        files[f"tests/test_mod{i:04d}.py"] = _regular_tests(i, per_module)
    return files


def parametrized(root: Path, tests: int) -> Workload:
    """One function parametrized ``tests`` ways; only one case calls the edited code."""
    target = tests // 3
    name = f"one file, {_count(tests)} parametrized"
    edit = Edit("pkg/paramlib.py", "special")
    k_expr = f"test_param[{target}]"
    tree = root / f"param-{tests}"
    files = {
        "pytest.ini": INI,
        "pkg/__init__.py": "",
        "pkg/paramlib.py": _PARAMLIB.format(target=target),
        "tests/test_param.py": _PARAM_TESTS.format(tests=tests),
    }
    _ensure(tree, {"shape": "param", "tests": tests, "v": 1}, lambda: files)
    return Workload(
        name, "synthetic", "param", tree, edit, k_expr=k_expr, first_once=tests >= 20_000
    )


def call_heavy(root: Path, tests: int, modules: int) -> Workload:
    """Each test: ROUNDS x (LEAVES + 1) calls and a DEPTH-deep recursion."""
    per_module = tests // modules
    name = f"call-heavy {tests} tests"
    edit = Edit(f"pkg/calls{modules // 2:04d}.py", "leaf7")
    tree = root / f"calls-{tests}-{modules}"
    params = {"shape": "calls", "tests": tests, "modules": modules, "v": 1}
    _ensure(tree, params, lambda: _calls_files(modules, per_module))
    note = f"{ROUNDS * (LEAVES + 1):,} calls and a {DEPTH}-deep recursion per test"
    return Workload(name, "synthetic", "calls", tree, edit, note=note)


def _calls_files(modules: int, per_module: int) -> dict[str, str]:
    files = {"pytest.ini": INI, "pkg/__init__.py": ""}
    for i in range(modules):
        files[f"pkg/calls{i:04d}.py"] = _calls_module(i)
        files[f"tests/test_calls{i:04d}.py"] = _calls_tests(i, per_module)
    return files


def cli(root: Path, tests: int, files: int, ops: int = 8) -> Workload:
    """``tests`` tests over ``files`` test files, each running ``python -m pkg.cli``
    once; the edit changes one of ``ops`` operations, run by ``tests // ops`` children."""
    name = f"CLI {tests} tests, a child process each"
    edit = Edit("pkg/ops.py", "op3")
    tree = root / f"cli-{tests}-{files}"
    params = {"shape": "cli", "tests": tests, "files": files, "ops": ops, "v": 1}
    _ensure(tree, params, lambda: _cli_files(tests // files, files, ops))
    note = "each test runs `python -m pkg.cli OP N` in a child process"
    return Workload(name, "synthetic", "cli", tree, edit, note=note)


def _cli_files(per_file: int, files: int, ops: int) -> dict[str, str]:
    out = {"pytest.ini": INI, "pkg/__init__.py": "", "pkg/cli.py": _CLI_MAIN}
    out["pkg/ops.py"] = "def helper(x):\n    return x * 3\n" + "".join(
        f"\n\ndef op{k}(x):\n    return helper(x) + {k}\n" for k in range(ops)
    )
    for f in range(files):
        tests = [_CLI_TEST_HEAD]
        for j in range(f * per_file, (f + 1) * per_file):
            k = j % ops
            tests.append(f"\ndef test_{j}():\n    assert run('op{k}', {j}) == {j * 3 + k}\n")
        out[f"tests/test_cli{f:02d}.py"] = "\n".join(tests)
    return out


_CLI_MAIN = """import argparse
import json

from pkg import ops


def main(argv=None):
    parser = argparse.ArgumentParser(prog="pkg")
    parser.add_argument("op")
    parser.add_argument("n", type=int)
    args = parser.parse_args(argv)
    print(json.dumps({"result": getattr(ops, args.op)(args.n)}))


if __name__ == "__main__":
    main()
"""

_CLI_TEST_HEAD = """import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])


def run(op, n):
    env = {**os.environ, "PYTHONPATH": ROOT}
    done = subprocess.run(
        [sys.executable, "-m", "pkg.cli", op, str(n)],
        capture_output=True, text=True, env=env, check=True,
    )
    return json.loads(done.stdout)["result"]
"""


def suites(root: Path, quick: bool) -> list[Workload]:
    """The synthetic workloads, at full size or (``quick``) a small fraction."""
    if quick:
        return [
            regular(root, 500, 10),
            regular(root, 2_000, 40),
            parametrized(root, 2_000),
            call_heavy(root, 40, 4),
            cli(root, 8, 2),
        ]
    return [
        regular(root, 5_000, 100),
        regular(root, 100_000, 2_000),
        parametrized(root, 40_000),
        call_heavy(root, 400, 20),
        cli(root, 40, 4),
    ]


def _count(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def _ensure(tree: Path, params: dict[str, object], files: Callable[[], dict[str, str]]) -> None:
    """Generate ``tree`` unless it was generated with these parameters (generation is
    slow at 100k tests, and the bytecode compiled in it is worth keeping). The stamp is
    written last, so an interrupted generation is redone."""
    stamp = tree / ".generated.json"
    try:
        if json.loads(stamp.read_text()) == params:
            return
    except (OSError, ValueError):
        pass
    shutil.rmtree(tree, ignore_errors=True)
    for rel, text in files().items():
        path = tree / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    stamp.write_text(json.dumps(params))


_UTIL = '''"""Helpers every synthetic module uses."""


def mix(a, b):
    return (a * 31 + b) % 1_000_003


def clamp(x, lo=0, hi=1_000_000):
    return max(lo, min(hi, x))
'''

_CONFTEST = """import pytest


@pytest.fixture
def seed():
    return 17
"""


def _regular_module(i: int) -> str:
    funcs = "\n\n".join(
        f"def f{k}(x):\n    y = util.mix(x, {k})\n    return util.clamp(y * SCALE + {k})\n"
        for k in range(FUNCS_PER_MODULE)
    )
    return (
        f'"""Source module {i} of the synthetic suite."""\n\n'
        "from pkg import util\n\n"
        f"SCALE = {i % 7 + 1}\n\n\n"
        f"{funcs}\n\n"
        "class Box:\n"
        "    def __init__(self, value):\n"
        "        self.value = value\n\n"
        "    def grow(self, n):\n"
        "        return Box(util.mix(self.value, n))\n"
    )


def _regular_tests(i: int, count: int) -> str:
    out = [f"from pkg import mod{i:04d} as m\n"]
    for j in range(count):
        k = j % FUNCS_PER_MODULE
        if j % 10 == 9:  # some tests use a fixture and a class, as real suites do
            out.append(f"\ndef test_{j}(seed):\n    assert m.Box(seed).grow({j}).value >= 0\n")
        else:
            out.append(f"\ndef test_{j}():\n    assert m.f{k}({j}) >= 0\n")
    return "\n".join(out)


_PARAMLIB = '''"""Only the case i == {target} calls special()."""

TARGET = {target}


def special(i):
    return i * 2


def work(i):
    if i == TARGET:
        return special(i)
    return i % 7
'''

_PARAM_TESTS = """import pytest

from pkg import paramlib


@pytest.mark.parametrize("i", range({tests}))
def test_param(i):
    assert paramlib.work(i) >= 0
"""


def _calls_module(i: int) -> str:
    leaves = "\n\n".join(f"def leaf{k}(x):\n    return x + {k + i % 3}\n" for k in range(LEAVES))
    chain = "".join(f"    x = leaf{k}(x)\n" for k in range(LEAVES))
    return (
        f'"""Call-heavy module {i}: many small functions and deep recursion."""\n\n\n'
        f"{leaves}\n\n"
        f"def chain(x):\n{chain}    return x % 1_000_003\n\n\n"
        "def depth(n):\n    return 0 if n == 0 else 1 + depth(n - 1)\n\n\n"
        "def run(seed, rounds):\n"
        "    total = 0\n"
        "    for r in range(rounds):\n"
        "        total += chain(seed + r)\n"
        f"    return total + depth({DEPTH})\n"
    )


def _calls_tests(i: int, count: int) -> str:
    out = [f"from pkg import calls{i:04d} as c\n"]
    out += [f"\ndef test_run_{j}():\n    assert c.run({j}, {ROUNDS}) > 0\n" for j in range(count)]
    return "\n".join(out)

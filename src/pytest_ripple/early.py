"""Tracking from pytest's argument parsing, before any plugin or warning filter.

pytest 9 applies the ``filterwarnings`` ini lines (and ``-W``) while it parses its
command line, before it loads plugins, and a dotted category
(``ignore::pkg.warn.PkgWarning``) imports ``pkg`` and everything it imports then.
Without a tracer at that moment, those modules had no import record: any of their
functions might have run at import, so a new body of one selected every test
(marshmallow: 1,236 of 1,238 tests for a function 20 tests run).

So do ``-p`` plugins and entry points of the project on every pytest: loaded before
``pytest_load_initial_conftests``, where tracking started, they had no record either.

``pytest-ripple.pth`` calls :func:`install` at the start-up of a process that looks
like pytest (``pytest``, ``python -m ...``) or that an xdist controller recording
with us started (``PYTEST_RIPPLE_EARLY``). It puts a finder first on ``sys.meta_path``
that waits for ``_pytest.config``, and wraps ``Config._consider_importhook``. When
pytest calls it, the wrapper asks the plugin to start tracking then
(:func:`pytest_ripple.startup.start_early`) if the arguments say this run records.
Anything else (``pytest.main`` from a script, another pytest, an error) leaves
tracking to start where it did before, with the child of ``reimport.py``.

This module runs at every such start-up: it imports nothing.
"""

from __future__ import annotations

import sys

# typing costs ~10 ms to import: not at every pytest start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

ENV = "PYTEST_RIPPLE_EARLY"
_TARGET = "_pytest.config"
_HOOK = "_consider_importhook"  # Config's method installing the assertion rewriter


class _Watch:
    """A meta path finder that only waits for ``_pytest.config``, then leaves."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != _TARGET:
            return None
        _leave(self)
        for finder in list(sys.meta_path):
            find = getattr(finder, "find_spec", None)
            if find is None:
                continue
            spec = find(name, path, target)
            if spec is not None:
                loader = spec.loader
                exec_module = getattr(loader, "exec_module", None)
                if exec_module is not None:
                    try:
                        loader.exec_module = _then_patch(exec_module)
                    except (AttributeError, TypeError):
                        pass
                return spec
        return None


def _leave(watch: object) -> None:
    try:
        sys.meta_path.remove(watch)  # type: ignore[arg-type]
    except ValueError:
        pass


def _then_patch(exec_module: Callable[[Any], None]) -> Callable[[Any], None]:
    def run(module: Any) -> None:
        exec_module(module)
        patch(module)

    return run


def install() -> None:
    """Called by the .pth line: wrap pytest's method once its module is imported."""
    module = sys.modules.get(_TARGET)
    if module is not None:
        patch(module)
    elif not any(isinstance(f, _Watch) for f in sys.meta_path):
        sys.meta_path.insert(0, _Watch())


def patch(module: object) -> None:
    """Wrap ``Config._consider_importhook``: pytest 7.4 to 9 call it while parsing the
    arguments, once the ini file and addopts are read and before they import any
    plugin or apply a warning filter (``args`` is its caller's local then)."""
    cls = getattr(module, "Config", None)
    original = getattr(cls, _HOOK, None)
    if original is None or getattr(original, "_ripple_early", False):
        return

    def _consider_importhook(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        # after it: our import finder must come before the rewriter pytest puts first
        _start(self, sys._getframe(1).f_locals.get("args"))
        return result

    _consider_importhook._ripple_early = True  # type: ignore[attr-defined]
    _consider_importhook.__wrapped__ = original  # type: ignore[attr-defined]
    _consider_importhook.__doc__ = original.__doc__
    setattr(cls, _HOOK, _consider_importhook)


def _start(config: Any, args: object) -> None:
    if not isinstance(args, list):
        return
    try:
        from pytest_ripple.startup import start_early

        start_early(config, [str(a) for a in args])
    except Exception:  # tracking then starts where it did before
        pass

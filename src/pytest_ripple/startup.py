"""The tracker started before the roles exist: kept on the config's stash until the
tracking role takes it, or dropped.

It starts while pytest parses its arguments (:func:`start_early`, called by
``early.py``) or, failing that, in ``pytest_load_initial_conftests``. This module is
not the plugin module: importing that one before pytest loads it would make pytest
warn that it cannot rewrite it (``-p pytest_ripple.plugin``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_ripple.options import will_record_args

if TYPE_CHECKING:
    from pytest_ripple.tracking import Started

_early_key = pytest.StashKey["Started"]()
_PLUGIN = "ripple"  # the entry point's name: ``-p no:ripple`` blocks it


def start_early(config: pytest.Config, args: list[str]) -> None:
    """Start tracking while pytest parses its arguments (``early.py``), before it loads
    plugins and applies warning filters: the project modules these import (a dotted
    warning category's package, a ``-p`` plugin) get import records like any other."""
    if has_early_tracer(config) or config.pluginmanager.is_blocked(_PLUGIN):
        return
    if not will_record_args(args):
        return
    from pytest_ripple.tracking import warning_filters

    # a category's package imported already (by a sitecustomize, an earlier run in this
    # process) is not imported again under our eyes: the child tells what it ran
    start(config, warning_filters(config))
    # not loaded after all (autoload off): nobody takes it, it goes at the session start
    config.pluginmanager.register(_Guard(), "ripple-early-guard")


def start(config: pytest.Config, filters: tuple[list[str], list[str]]) -> None:
    from pytest_ripple.tracking import start_tracking

    config.stash[_early_key] = start_tracking(config.rootpath, filters)
    # also when configuration fails or never happens (pytester's parseconfig)
    config.add_cleanup(lambda: drop_early_tracer(config))


class _Guard:
    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        drop_early_tracer(session.config)


def has_early_tracer(config: pytest.Config) -> bool:
    return _early_key in config.stash


def take_early_tracer(config: pytest.Config) -> Started | None:
    early = config.stash.get(_early_key, None)
    if early is not None:
        del config.stash[_early_key]
    return early


def drop_early_tracer(config: pytest.Config) -> None:
    early = take_early_tracer(config)
    if early is not None:
        early.close()

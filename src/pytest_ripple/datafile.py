"""Opening the data file for a run: create it, rebuild a damaged or foreign one, or
run without it, and say which in one warning."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from pytest_ripple.errors import DataFileError, DataFileUnavailable
from pytest_ripple.options import Settings
from pytest_ripple.store import Store


@dataclass
class Opened:
    store: Store | None
    warnings: list[str] = field(default_factory=list)  # for RippleWarning
    notes: list[str] = field(default_factory=list)  # for the report header


def open_datafile(settings: Settings) -> Opened:
    path = settings.datafile
    if not settings.record and not path.exists():
        return Opened(None)  # a dry run creates nothing; the status line says "no data yet"
    if path.is_dir():
        return Opened(
            None,
            [
                f"testmon: {path} is a directory, not a data file; running every test and "
                "writing nothing"
            ],
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return Opened(
            None,
            [
                f"testmon: cannot create {path.parent} ({exc}); running every test and "
                "writing nothing"
            ],
        )
    store = Store(path)
    try:
        store.open()
        return Opened(store)
    except DataFileUnavailable as exc:
        store.close()
        return Opened(
            None,
            [f"testmon: cannot open {path} ({exc}); running every test and writing nothing"],
        )
    except DataFileError as exc:
        store.close()
        return _rebuild(settings, exc)
    except OSError as exc:
        store.close()
        return Opened(None, [f"testmon: cannot open {path} ({exc}); running every test"])


def _rebuild(settings: Settings, exc: DataFileError) -> Opened:
    path = settings.datafile
    if not settings.record:
        return Opened(
            None,
            [
                f"testmon: {path} cannot be used: {exc}. Running every test; the next "
                "recording run rebuilds it."
            ],
        )
    warning = (
        f"testmon: {path} cannot be used: {exc}. It is rebuilt from this run; every test runs."
    )
    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(str(path) + suffix)
        except OSError:
            pass
    store = Store(path)
    try:
        store.open()
        return Opened(store, [warning])
    except (DataFileError, DataFileUnavailable, OSError) as exc2:
        store.close()
        return Opened(None, [warning, f"testmon: cannot rebuild {path} ({exc2})"])

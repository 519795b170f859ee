"""One audit hook per process, shared by every listener.

``sys.addaudithook`` hooks cannot be removed, and pytester runs many sessions in one
process: each event goes to the listener that subscribed to it most recently (the
innermost session), and nothing else runs when nobody listens.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Iterable

Listener = Callable[[str, tuple[Any, ...]], None]

_listeners: dict[str, list[Listener]] = {}
_installed: list[bool] = []


def _hook(event: str, args: tuple[Any, ...]) -> None:
    found = _listeners.get(event)
    if found:
        found[-1](event, args)


def subscribe(events: Iterable[str], listener: Listener) -> None:
    if not _installed:
        sys.addaudithook(_hook)
        _installed.append(True)
    for event in events:
        _listeners.setdefault(event, []).append(listener)


def unsubscribe(listener: Listener) -> None:
    for event, found in list(_listeners.items()):
        # equality, not identity: a bound method is a new object at each access
        kept = [fn for fn in found if fn != listener]
        if kept:
            _listeners[event] = kept
        else:
            del _listeners[event]

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
# Listeners that hear every event they subscribed to, nested or not (what happens in
# other threads matters to every session).
_observers: dict[str, list[Listener]] = {}
_installed: list[bool] = []


def _hook(
    event: str,
    args: tuple[Any, ...],
    listeners: dict[str, list[Listener]] = _listeners,  # bound: gone at interpreter exit
    observers: dict[str, list[Listener]] = _observers,
) -> None:
    found = listeners.get(event)
    if found:
        found[-1](event, args)
    seen = observers.get(event)
    if seen:
        for fn in seen:
            fn(event, args)


def subscribe(events: Iterable[str], listener: Listener, observe: bool = False) -> None:
    if not _installed:
        sys.addaudithook(_hook)
        _installed.append(True)
    table = _observers if observe else _listeners
    for event in events:
        table.setdefault(event, []).append(listener)


def unsubscribe(listener: Listener) -> None:
    for table in (_listeners, _observers):
        for event, found in list(table.items()):
            # equality, not identity: a bound method is a new object at each access
            kept = [fn for fn in found if fn != listener]
            if kept:
                table[event] = kept
            else:
                del table[event]

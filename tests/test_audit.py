"""The process's one audit hook (audit.py): listeners and observers."""

from __future__ import annotations

import sys
from typing import Any

from pytest_ripple import audit


def test_the_innermost_listener_hears_an_event_and_every_observer_does() -> None:
    heard: list[str] = []

    def listener(name: str) -> Any:
        return lambda event, args: heard.append(f"{name} {event} {args[0]}")

    outer, inner, watch_a, watch_b = (listener(n) for n in ("outer", "inner", "a", "b"))
    audit.subscribe(("ripple.test",), outer)
    audit.subscribe(("ripple.test",), watch_a, observe=True)
    audit.subscribe(("ripple.test",), inner)
    audit.subscribe(("ripple.test",), watch_b, observe=True)
    try:
        sys.audit("ripple.test", 1)
        audit.unsubscribe(inner)
        audit.unsubscribe(watch_a)
        sys.audit("ripple.test", 2)
    finally:
        for fn in (outer, inner, watch_a, watch_b):
            audit.unsubscribe(fn)
    sys.audit("ripple.test", 3)
    assert heard == [
        "inner ripple.test 1",
        "a ripple.test 1",
        "b ripple.test 1",
        "outer ripple.test 2",
        "b ripple.test 2",
    ]

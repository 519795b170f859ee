"""The nesting of tracking contexts, shared by both engines: a test, inside it a wide
fixture's set-up, and so on. Each context gets the code objects that ran while it was
the innermost one."""

from __future__ import annotations

from types import CodeType


class CodeStack:
    def __init__(self) -> None:
        # One set object for the whole life of the stack: the engines' hot callbacks
        # hold its bound ``add``.
        self.codes: set[CodeType] = set()
        self._saved: list[set[CodeType]] = []
        self.depth = 0

    def enter(self) -> bool:
        """Start a context; True when it is the outermost one."""
        outermost = self.depth == 0
        if not outermost:
            self._saved.append(set(self.codes))
        self.codes.clear()
        self.depth += 1
        return outermost

    def leave(self) -> set[CodeType]:
        """End the innermost context: what it ran. The enclosing context gets back
        what it had recorded before."""
        codes = set(self.codes)
        self.codes.clear()
        self.depth -= 1
        if self.depth:
            self.codes.update(self._saved.pop())
        return codes

    def reset(self) -> None:
        self.depth = 0
        self._saved.clear()
        self.codes.clear()

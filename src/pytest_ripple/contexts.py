"""The nesting of tracking contexts, shared by both engines: a test, inside it a wide
fixture's set-up, and so on. Each context gets the code objects that ran while it was
the innermost one."""

from __future__ import annotations

from types import CodeType
from typing import Dict

# Code objects by identity (id -> code, which keeps the id from being reused): two
# functions with the same body at the same line of two files are *equal* code objects
# (co_filename is not compared), and a set keeps one of them: the other file's
# function would not be a dependency.
Codes = Dict[int, CodeType]


class CodeStack:
    def __init__(self) -> None:
        # One dict for the whole life of the stack: the engines' hot callbacks hold it.
        self.codes: Codes = {}
        self._saved: list[Codes] = []
        self.depth = 0

    def enter(self) -> bool:
        """Start a context; True when it is the outermost one."""
        outermost = self.depth == 0
        if not outermost:
            self._saved.append(dict(self.codes))
        self.codes.clear()
        self.depth += 1
        return outermost

    def leave(self) -> Codes:
        """End the innermost context: what it ran. The enclosing context gets back
        what it had recorded before."""
        codes = dict(self.codes)
        self.codes.clear()
        self.depth -= 1
        if self.depth:
            self.codes.update(self._saved.pop())
        return codes

    def reset(self) -> None:
        self.depth = 0
        self._saved.clear()
        self.codes.clear()

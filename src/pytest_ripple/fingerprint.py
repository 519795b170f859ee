"""Fingerprints of files: the parts of a file a test can depend on, each with a digest.

A Python file is cut into *blocks* (each outermost function or method, hashed whole:
decorators, signature, docstring and body) and *bindings* (each name a module or class
body binds at import time, with the digest of the statement that binds it and the names
that statement reads). Statements that do more than bind names (calls, loops, ``try``,
star imports) are *effects*. Comments and formatting never reach a digest: we hash
the tokens, without comments, line layout, indentation width, quote style, trailing
commas a formatter adds, or the line a one-line body sits on. A file that does not parse, or is not
Python, is one whole-file block.
"""

from __future__ import annotations

import ast
import builtins
import copy as copy_module
import functools
import hashlib
import importlib.util
import io
import json
import keyword
import os
import re
import symtable
import sys
import sysconfig
import tokenize
import warnings
import zlib
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Iterator, Sequence, Union

# Bump when the digest of unchanged source would come out different, or fields change.
FP_VERSION = 6
_FP_ONE_DOCUMENT = 5  # the digests of 6 in one JSON document: still read
# Bump when the names a fingerprint lists may differ for the same bytes (a new mark
# such as ``<exec>``, code found in text files): a data file recorded before has every
# file read again on its next run (``changes.detect(refresh=True)``), since an
# unchanged file is otherwise never fingerprinted again. Also when a field that only
# narrows selection is new: older data would never gain it. 2: ``<exec>`` of builtins
# reached without the name ``exec``; fields ``contained`` and ``held``.
NAMES_VERSION = 2

MODULE = "<module>"  # module-level code: what runs at import
WHOLE = "<file>"  # a whole file: non-Python, or Python that does not parse
READ = "<read>"  # a file read as data (open()): any change to its bytes counts
PLUGIN = "<plugin>"  # in ``import_run``: a module pytest imported itself, as a plugin
# in ``import_run``, with PLUGIN: a module some run found imported before tracking
# started (a sitecustomize, a script calling pytest.main): what its import ran went unseen
UNSEEN = "<unseen>"
# in a module's import record: ``<by>f`` names the function whose call imported it
# (``importlib.import_module(name)`` in a plugin loader): tests that run ``f`` see
# what that import did, though they spell no import of the module
IMPORTED_BY = "<by>"
# in ``import_run``: the module's ``__getattr__`` ran while pytest collected a test
# module, and no other code of the project did (pytest's probes of the objects in a test
# module's namespace: ``__test__``, ``_mock_name``, ``__wrapped__``, ``__bases__``)
PROBED = "<probed>"

DEF, CLASS, VALUE, IMPORT = "def", "class", "value", "import"


def digest(data: bytes) -> str:
    """A stable short digest (never Python's randomized ``hash()``)."""
    return hashlib.blake2b(data, digest_size=8).hexdigest()


class _Tokens:
    """The source as normalized tokens, to digest any span of it.

    Comments, blank lines, line breaks inside brackets and indentation width are
    formatting and never reach a digest; every other token does (``(a * b)`` is not
    ``a * b`` to us, as to any reader of a diff). Strings are compared by value, so
    quote style does not count either. Python 3.12 cut f-strings into several
    tokens: we join them back into the source text, so two interpreters that share a
    data file agree on every digest.
    """

    def __init__(self, data: bytes) -> None:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
        self.lines = text.splitlines(keepends=True)
        self.pos: list[tuple[int, int]] = []
        self.text: list[str] = []
        fstring_start: tuple[int, int] | None = None
        depth = 0
        brackets: list[list[Any]] = []  # per open bracket: [trailing comma is formatting, commas]
        prev: tokenize.TokenInfo | None = None
        # A body on its header's line (``if x: y``) reads as the same body on its own
        # lines (``if x:`` NEWLINE INDENT ``y`` NEWLINE DEDENT): formatters move it.
        first: str | None = None  # first token of the logical line
        lambdas = inline = 0
        header_done = False
        colon_end: tuple[int, int] | None = None
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            kind = tok.type
            name = tokenize.tok_name.get(kind, "")
            if depth == 0 and kind not in _SKIP:
                if colon_end is not None:
                    if kind != tokenize.NEWLINE:
                        self._add(colon_end, ";")
                        self._add(colon_end, "{")
                        inline += 1
                    colon_end = None
                if first is None and kind not in (tokenize.INDENT, tokenize.DEDENT):
                    first = tok.string
                if kind == tokenize.NAME and tok.string == "lambda" and not brackets:
                    lambdas += 1
                elif tok.string == ":" and kind == tokenize.OP and not brackets:
                    if lambdas:
                        lambdas -= 1
                    elif first in _COMPOUND and not header_done:
                        colon_end, header_done = tok.end, True
            if name == "FSTRING_START":
                if depth == 0:
                    fstring_start = tok.start
                depth += 1
                continue
            if depth:
                if name == "FSTRING_END":
                    depth -= 1
                    if depth == 0 and fstring_start is not None:
                        self._add(fstring_start, self._slice(fstring_start, tok.end))
                        prev = tok
                continue
            if kind in _SKIP:
                continue
            before, prev = prev, tok
            if kind == tokenize.OP and tok.string in "([{":
                brackets.append([_comma_is_formatting(tok.string, before), 0])
            elif kind == tokenize.OP and tok.string == "," and brackets:
                brackets[-1][1] += 1
            elif kind == tokenize.OP and tok.string in ")]}" and brackets:
                free, commas = brackets.pop()
                if self.text and self.text[-1] == "," and (free or commas > 1):
                    self.pos.pop()  # a trailing comma a formatter adds or removes
                    self.text.pop()
            if kind == tokenize.STRING:
                value = tok.string
                try:
                    value = repr(ast.literal_eval(value))
                except (ValueError, SyntaxError, MemoryError, RecursionError):
                    pass  # an f-string before 3.12: its source text
                self._add(tok.start, value)
            elif kind == tokenize.NEWLINE or tok.string == ";":
                self._add(tok.start, ";")
                if kind == tokenize.NEWLINE:
                    for _ in range(inline):
                        self._add(tok.start, "}")
                    first, lambdas, inline, header_done = None, 0, 0, False
            elif kind == tokenize.INDENT:
                self._add(tok.start, "{")
            elif kind == tokenize.DEDENT:
                self._add(tok.start, "}")
            else:
                self._add(tok.start, tok.string)

    def _add(self, pos: tuple[int, int], text: str) -> None:
        self.pos.append(pos)
        self.text.append(text)

    def _slice(self, start: tuple[int, int], end: tuple[int, int]) -> str:
        (r1, c1), (r2, c2) = start, end
        if r1 == r2:
            return self.lines[r1 - 1][c1:c2]
        parts = [self.lines[r1 - 1][c1:], *self.lines[r1 : r2 - 1], self.lines[r2 - 1][:c2]]
        return "".join(parts)

    def char_col(self, row: int, byte_col: int) -> int:
        """ast counts columns in UTF-8 bytes, tokenize in characters."""
        line = self.lines[row - 1] if 0 < row <= len(self.lines) else ""
        if line.isascii():
            return byte_col
        return len(line.encode("utf-8")[:byte_col].decode("utf-8", "replace"))

    def start(self, node: Any) -> tuple[int, int]:
        return (node.lineno, self.char_col(node.lineno, node.col_offset))

    def end(self, node: Any) -> tuple[int, int]:
        row = node.end_lineno or node.lineno
        return (row, self.char_col(row, node.end_col_offset or 0))

    def span(self, start: tuple[int, int], end: tuple[int, int]) -> str:
        i = bisect_left(self.pos, start)
        j = bisect_left(self.pos, end)
        # indentation markers before a statement depend on what came before it
        while i < j and self.text[i] in ("{", "}", ";"):
            i += 1
        return digest("\x00".join(self.text[i:j]).encode("utf-8", "surrogatepass"))

    def node(self, *nodes: Any) -> str:
        return digest("|".join(self.span(self.start(n), self.end(n)) for n in nodes).encode())

    def masked(self, node: Any, holes: list[tuple[tuple[int, int], tuple[int, int], str]]) -> str:
        """``node``'s digest with the tokens of each hole (sorted, apart) replaced by
        its label: a statement without the bodies of the functions it defines, each
        named by its block (which of two ``def f`` a branch holds is part of what the
        statement binds). What stands around a hole stays, the brackets of
        indentation too: ``x = 1`` in or after a branch differs."""
        i = bisect_left(self.pos, self.start(node))
        j = bisect_left(self.pos, self.end(node))
        while i < j and self.text[i] in ("{", "}", ";"):
            i += 1
        parts: list[str] = []
        for start, end, label in holes:
            a, b = bisect_left(self.pos, start), bisect_left(self.pos, end)
            parts += [*self.text[i:a], f"\x01{label}"]
            i = b
        parts += self.text[i:j]
        return digest("\x00".join(parts).encode("utf-8", "surrogatepass"))


def _comma_is_formatting(opener: str, before: tokenize.TokenInfo | None) -> bool:
    """Whether a single trailing comma before this bracket closes is formatting only:
    ``f(a,)`` is ``f(a)`` and ``[a,]`` is ``[a]``, but ``(a,)`` is a tuple and ``x[a,]``
    indexes with one."""
    if opener == "{":
        return True
    after_value = before is not None and (
        before.string in (")", "]")
        or before.type == tokenize.STRING
        or tokenize.tok_name.get(before.type) == "FSTRING_END"
        or (
            before.type == tokenize.NAME
            and not keyword.iskeyword(before.string)
            and before.string not in keyword.softkwlist
        )
    )
    return after_value if opener == "(" else not after_value


# Statements whose header ends with a colon and may carry their body on the same line.
_COMPOUND = frozenset(
    {
        "if",
        "elif",
        "else",
        "for",
        "while",
        "try",
        "except",
        "finally",
        "with",
        "def",
        "class",
        "async",
        "match",
        "case",
    }
)
_SKIP = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER})


def walk(root: ast.AST) -> list[ast.AST]:
    """``ast.walk``'s nodes in its order. What is below the root is kept on the node (a
    function's body is walked by several rules: names it uses, imports, ``global``);
    the root itself is not, so that a tree is freed without the cycle collector."""
    below: list[ast.AST] | None = root.__dict__.get("_ripple_walk")
    if below is None:
        found = [root]
        append = found.append
        i = 0
        while i < len(found):
            node = found[i]
            i += 1
            for name in node._fields:
                value = getattr(node, name, None)
                if value.__class__ is list:
                    for item in value:
                        if isinstance(item, ast.AST):
                            append(item)
                elif isinstance(value, ast.AST):
                    append(value)
        below = found[1:]
        root.__dict__["_ripple_walk"] = below
        return found
    return [root, *below]


# Expressions whose value is always of a built-in type: ``",".join`` is ``str.join``,
# never a name of the project, so the attribute after one is not a read of that name.
_LITERALS = frozenset(
    {
        ast.Constant,
        ast.JoinedStr,
        ast.List,
        ast.Tuple,
        ast.Dict,
        ast.Set,
        ast.ListComp,
        ast.SetComp,
        ast.DictComp,
        ast.GeneratorExp,
    }
)


_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_MATCH_CLASS = getattr(ast, "MatchClass", None)  # 3.10+


def _doctest_lines(text: str) -> Iterable[str]:
    """The code of a docstring's doctest examples (``>>>`` and ``...`` lines), which
    ``--doctest-modules`` runs. The prose around them is not code."""
    for line in text.splitlines():
        line = line.lstrip()
        if line.startswith((">>>", "...")):
            yield line[3:]


def _doctest_import(line: str, names: list[str]) -> list[str]:
    """What a doctest's import line binds or reads (the names it binds shadow the
    module's own); every name of it when it does not parse alone."""
    try:
        stmt = ast.parse(line.strip()).body[0]
    except (SyntaxError, ValueError, IndexError):
        return names
    if isinstance(stmt, ast.Import):
        out = []
        for alias in stmt.names:
            out.append(alias.asname or alias.name.split(".")[0])
            if alias.asname:
                out += alias.name.split(".")[1:]
        return out
    if isinstance(stmt, ast.ImportFrom):
        return [n for a in stmt.names for n in (a.name, a.asname) if n]
    return names


def doctest_names(text: str) -> set[str]:
    return {name for line in _doctest_lines(text) for name in _IDENTIFIER.findall(line)}


# Names of the builtins module or its namespace in any module (``__builtins__`` is the
# namespace dict in a module other than ``__main__``)
BUILTINS_NAMES = frozenset({"builtins", "__builtins__"})


def used_names(
    *nodes: Any,
    callees: set[str] | None = None,
    others: set[str] | None = None,
    params: set[str] | None = None,
    builtins_names: frozenset[str] = BUILTINS_NAMES,
) -> set[str]:
    """Every name a piece of code can read: globals, attributes, keyword names and
    identifier-like strings (``getattr(obj, "x")``). Matching is by name alone, which
    over-approximates and so stays safe. (``dict(fetch=2)``'s keyword is such a name:
    its keys are looked up as attributes, ``getattr(api, name)``.)

    ``callees``: gets the names read as what a call calls (``f(x)``, ``obj.f(x)``),
    which are then left out of the result unless the code reads them otherwise too.
    ``others``: gets every name read otherwise than as a bare name (``ast.Name``).
    ``params``: gets the names of parameters, which are then no reads (a parameter
    names a fixture only where pytest can inject one).
    ``builtins_names``: the names that may hold the builtins module or its namespace
    where the code runs (``builtins_aliases`` of its module), through which it may
    reach ``exec`` without naming it."""
    out: set[str] = set()
    add = out.add
    bare: set[str] = set()  # ``ast.Name`` reads, apart so that ``others`` can be told
    callee_nodes: set[int] = set()
    # ``exec``/``eval`` names that run no text: called on text we read, or a local's
    # use as a flag or an object (``def forward(x, eval=False)``, ``exec.submit(f)``)
    read_texts: set[int] = set()
    # what ``x.exec``, ``x["exec"]``, ``getattr(x, name)`` look ``exec`` up in: a
    # runner of text when ``x`` names the builtins module (known once all is walked)
    looked_in: set[str] = set()
    aliases = builtins_names
    for root in nodes:
        if root is None:
            continue
        for node in walk(root) if isinstance(root, ast.AST) else _walk_list(root):
            kind = node.__class__  # ast.parse makes these classes, never subclasses
            if kind in _TESTS:
                read_texts.update(map(id, _tested(node)))
            if kind is ast.Name:
                if (
                    node.id in _RUNS_CODE  # type: ignore[attr-defined]
                    and id(node) not in read_texts
                    and node.ctx.__class__ is ast.Load  # type: ignore[attr-defined]
                ):
                    add(RUNS_TEXT)  # ``exec(block)``, ``map(eval, lines)``
                if callees is not None and id(node) in callee_nodes:
                    callees.add(node.id)  # type: ignore[attr-defined]
                else:
                    bare.add(node.id)  # type: ignore[attr-defined]
            elif kind is ast.Attribute:
                read_texts.add(id(node.value))  # type: ignore[attr-defined]
                if (
                    node.attr in _RUNS_CODE  # type: ignore[attr-defined]
                    and id(node) not in read_texts
                    and node.ctx.__class__ is ast.Load  # type: ignore[attr-defined]
                ):
                    # ``bi.exec(code)``, ``run = builtins.eval``; not Qt's ``app.exec()``
                    looked_in.add(_namespace_root(node.value))  # type: ignore[attr-defined]
                if node.value.__class__ not in _LITERALS:  # type: ignore[attr-defined]
                    if callees is not None and id(node) in callee_nodes:
                        callees.add(node.attr)  # type: ignore[attr-defined]
                        if others is not None:
                            others.add(node.attr)  # type: ignore[attr-defined]
                    else:
                        add(node.attr)  # type: ignore[attr-defined]
                    if node.attr == "__dict__":  # type: ignore[attr-defined]
                        add(LISTS + _root(node.value))  # type: ignore[attr-defined]
            elif kind is ast.Call:
                func = node.func  # type: ignore[attr-defined]
                if callees is not None:
                    callee_nodes.add(id(func))  # walk gives a call before its callee
                called = getattr(func, "id", None) or getattr(func, "attr", "")
                if called in _RUNS_CODE:
                    text = _code_text(node)  # type: ignore[arg-type]
                    if text is not None:
                        read_texts.add(id(func))
                        out.update(text)
                elif called == "getattr" and len(node.args) > 1:  # type: ignore[attr-defined]
                    obj, key = node.args[:2]  # type: ignore[attr-defined]
                    if key.__class__ is not ast.Constant:
                        looked_in.add(_namespace_root(obj))  # ``getattr(bi, name)``
                    elif key.value in _RUNS_CODE:
                        # on any object, ``getattr(app, "exec")`` too: it may be the
                        # builtins module reached a way not followed here (a parameter,
                        # ``sys.modules``); rare, unlike ``app.exec()``, so cheap to mark
                        add(RUNS_TEXT)
                elif (
                    called in _GETTERS
                    and func.__class__ is ast.Attribute
                    and node.args  # type: ignore[attr-defined]
                    and _runner_key(node.args[0])  # type: ignore[attr-defined]
                ):
                    # ``vars(builtins).get("eval")``, ``builtins.__getattribute__(name)``
                    looked_in.add(_namespace_root(func.value))
                if called in _LISTERS and node.args:  # type: ignore[attr-defined]
                    add(LISTS + _root(node.args[0]))  # type: ignore[attr-defined]
                elif called == "globals":  # a module's own names, star-imported ones too
                    add(LISTS)
            elif kind is ast.Subscript:
                if node.ctx.__class__ is ast.Load and _runner_key(node.slice):  # type: ignore[attr-defined]
                    # ``vars(builtins)["exec"]``, ``__builtins__[name]``
                    looked_in.add(_namespace_root(node.value))  # type: ignore[attr-defined]
            elif kind is _MATCH_CLASS:
                # ``case P(mode="fast")`` reads the attribute ``mode``; ``case P(x)``
                # reads ``__match_args__`` and the attributes it names
                out.update(node.kwd_attrs)  # type: ignore[attr-defined]
                if node.patterns:  # type: ignore[attr-defined]
                    add("__match_args__")
            elif kind is ast.alias:
                out.update(node.name.split("."))  # type: ignore[attr-defined]
                if node.name in _RUNS_CODE:  # type: ignore[attr-defined]
                    add(RUNS_TEXT)  # ``from builtins import exec as run``
                elif node.asname and _is_builtins(node.name):  # type: ignore[attr-defined]
                    aliases = aliases | {node.asname}  # type: ignore[attr-defined]
            elif kind is ast.ImportFrom and node.module:  # type: ignore[attr-defined]
                out.update(node.module.split("."))  # type: ignore[attr-defined]
            elif kind is ast.arg and params is not None:
                params.add(node.arg)  # type: ignore[attr-defined]
            elif (kind is ast.keyword or kind is ast.arg) and node.arg:  # type: ignore[attr-defined]
                add(node.arg)  # type: ignore[attr-defined]  # parameters name the fixtures
            elif kind is ast.Constant:
                value = node.value  # type: ignore[attr-defined]
                if value.__class__ is str:
                    if value.isidentifier():
                        add(value)
                    elif "import" in value and (code := _parsed_names(value)) is not None:
                        out.update(code)  # code a runner takes as text: ``timeit(s)``
                    elif ">>>" in value:  # doctest examples: code a test runs
                        out.update(doctest_names(value))
                    elif "." in value:
                        out.update(_dotted_parts(value))
    if not looked_in.isdisjoint(aliases):
        add(RUNS_TEXT)
    out.discard("*")
    if others is not None:
        others |= out
    out |= bare
    if callees is not None:
        callees -= out
    return out


# In a block's reads: it runs code from text we cannot read (``exec(block)`` of a
# README's examples, ``eval(expr)``), which may read any name of any module: a value
# change of any name reaches it, in any file (``selection._lists_any``).
RUNS_TEXT = "<exec>"
_RUNS_CODE = frozenset({"exec", "eval", "compile"})
# methods that look a key up in a namespace: ``vars(builtins).get("exec")``
_GETTERS = frozenset({"get", "__getitem__", "__getattribute__"})


def _is_builtins(module: str) -> bool:
    """``builtins``, or a module that re-exports it (``six.moves.builtins``)."""
    return module == "builtins" or module.endswith(".builtins")


def _runner_key(key: ast.expr) -> bool:
    """Whether a key may name a runner of text: ``"exec"``, or any that is no literal."""
    return key.__class__ is not ast.Constant or key.value in _RUNS_CODE


def _namespace_root(node: ast.expr) -> str:
    """The name of what may be a module, or its namespace, that code looks a name up in:
    ``bi`` of ``bi``, ``bi.__dict__``, ``vars(bi)``, ``getattr(bi, "__dict__")``;
    ``builtins`` for ``sys.modules["builtins"]``, ``import_module("builtins")`` and
    ``six.moves.builtins``; "" for anything else."""
    while True:
        kind = node.__class__
        if kind is ast.Name:
            return node.id  # type: ignore[attr-defined, no-any-return]
        if kind is ast.Attribute:
            if node.attr == "builtins":  # type: ignore[attr-defined]
                return "builtins"  # ``six.moves.builtins``
            if node.attr == "__dict__":  # type: ignore[attr-defined]
                node = node.value  # type: ignore[attr-defined]
                continue
        key = node.slice if kind is ast.Subscript else None  # type: ignore[attr-defined]
        if kind is ast.Call and node.args:  # type: ignore[attr-defined]
            args = node.args  # type: ignore[attr-defined]
            called = getattr(node.func, "id", None) or getattr(node.func, "attr", "")  # type: ignore[attr-defined]
            if called == "vars" and len(args) == 1:
                node = args[0]
                continue
            if (
                called == "getattr"
                and len(args) > 1
                and getattr(args[1], "value", None) == "__dict__"
            ):
                node = args[0]
                continue
            key = args[0]
        if key.__class__ is ast.Constant and key.value == "builtins":
            return "builtins"
        return ""


def builtins_aliases(tree: ast.AST) -> frozenset[str]:
    """The names a module's code may bind to the builtins module or its namespace, in
    any scope: ``import builtins as bi``, ``from six.moves import builtins as b``,
    ``ns = vars(builtins)``, ``b = sys.modules["builtins"]``; and ``BUILTINS_NAMES``.
    By name: such a name anywhere in the module is taken as one in all its code."""
    names = set(BUILTINS_NAMES)
    bound: list[tuple[list[ast.expr], ast.expr]] = []
    for node in walk(tree):
        if isinstance(node, ast.alias) and _is_builtins(node.name) and node.asname:
            names.add(node.asname)
        elif isinstance(node, ast.Assign):
            bound.append((node.targets, node.value))
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            bound.append(([node.target], node.value))
    grown = True
    while grown:  # ``b = builtins; ns = b.__dict__``
        grown = False
        for targets, value in bound:
            if _namespace_root(value) in names:
                for target in targets:
                    if isinstance(target, ast.Name) and target.id not in names:
                        names.add(target.id)
                        grown = True
    return frozenset(names)


# statements and expressions whose tests (``if eval:``, ``not exec``) run nothing
_TESTS = frozenset({ast.If, ast.IfExp, ast.While, ast.BoolOp, ast.UnaryOp, ast.Compare})


def _tested(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, (ast.If, ast.IfExp, ast.While)):
        return [node.test]
    if isinstance(node, ast.BoolOp):
        return list(node.values)
    if isinstance(node, ast.UnaryOp):
        return [node.operand] if isinstance(node.op, ast.Not) else []
    if isinstance(node, ast.Compare):
        return [node.left, *node.comparators]
    return []


def _parsed_names(text: str) -> set[str] | None:
    """The names a string of code reads, if it parses and is more than a lone name."""
    if len(text) > 10_000:
        return None
    tree = _quiet_parse(text)
    if tree is None:
        return None
    try:
        return used_names(tree)
    except RecursionError:
        return None


def _code_text(call: ast.Call) -> set[str] | None:
    """The names the literal code of ``exec("...")``, ``eval("...")`` or
    ``compile("...", ...)`` reads; None
    when the code is not a literal string that parses (an f-string's values may be
    any code)."""
    if not call.args or call.args[0].__class__ is not ast.Constant:
        return None
    text = call.args[0].value
    return _parsed_names(text) if isinstance(text, str) else None


# In a block's reads: ``CALLED + "f"``, it reads ``f`` only to call it (``f(x)``,
# ``obj.f(x)``). A new signature, default or docstring of a plain function reaches
# such code only by running the function, which its trace records.
CALLED = "()"

# In a block's reads: ``PARAM + "db"``, it names ``db`` only as a parameter of its
# functions (and uses it only as that local). pytest injects a fixture by such a name,
# in a test file, a conftest.py or a plugin: there it counts as a read of ``db``
# (``selection``). Not marked in a file whose text mentions ``fixture`` at all (a
# fixture module that a conftest imports, ``pytest.fixture(make_db)``).
PARAM = "(:)"

# In a definition's deps: ``MARKED + "f"``, its header names ``f`` only as a string in
# ``pytest.mark.parametrize(...)``, which pytest stores and never looks up at import.
# The test's body may look it up when it runs (its trace and reads hold that): a new
# value of ``f`` still reaches the definition, a body edit of ``f`` does not.
MARKED = "(@)"
# Text through which code may read parameter names (to fill them by name, as pytest
# does with fixtures): a project with any of it keeps parameters as reads everywhere.
_INTROSPECTING = re.compile(
    rb"parameters|co_varnames|getfullargspec|getargspec|getcallargs|signature|__code__"
)

# In the names a piece of code reads: it lists a namespace (``dir(m)``, ``vars(m)``,
# ``m.__dict__``, ``inspect.getmembers(m)``) and so may read any name, a new one too.
# ``LISTS + "os"``: the namespace of a standard library module the file imports by that
# name (nobody's, unless a project module shadows it: ``selection`` checks); ``LISTS``
# alone: of anything.
LISTS = "<dir>"
_LISTERS = frozenset(
    # and unittest's loader, which lists a module's TestCase classes and their methods
    {"dir", "vars", "getmembers", "getmembers_static"}
    | {"loadTestsFromModule", "loadTestsFromTestCase", "getTestCaseNames"}
)
_LISTING_CALL = re.compile(rf"\b(?:{'|'.join(sorted(_LISTERS))})\(")  # in a doctest line


def _dotted_parts(text: str) -> list[str]:
    """The parts of a dotted name in a string, which code may resolve as attributes
    (``mock.patch("pkg.mod.Class.method")``, ``monkeypatch.setattr("pkg.mod.f", v)``,
    ``import_module("pkg.mod")``): none unless every part is an identifier."""
    parts = text.split(".")
    return parts if all(p.isidentifier() for p in parts) else []


def _root(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else ""


# Names through which a module's code can bind names of its own namespace without a
# statement that names them (``globals().update(...)``, ``exec``, ``eval`` of a walrus):
# such a module's bare names are never scoped. (``setattr(sys.modules[__name__], ...)``
# is a write ``Fingerprint.writes`` records.)
_NAMESPACE_WRITERS = frozenset({"globals", "vars", "locals", "exec", "eval", "__dict__"})


# Calls and attributes that write an object's namespace by a name the code need not
# spell: on a module, they can bind any of its names.
_COMPUTED_WRITERS = frozenset(
    {
        "globals",
        "vars",
        "exec",
        "eval",
        "__dict__",
        "__setattr__",
        "f_globals",  # sys._getframe(1).f_globals[k] = v: a caller's module
        "__globals__",  # function.__globals__[k] = v: the function's module
        "f_locals",  # a module frame's locals are its globals
        "__builtins__",
    }
)
# Strings that name such a writer (``getattr(m, "__dict__")[k] = v``); not "exec" or
# "eval", which ``compile(text, name, "exec")`` spells without writing anything.
_COMPUTED_WRITER_STRINGS = frozenset(
    {"__dict__", "__setattr__", "__delattr__", "f_globals", "f_locals", "__globals__"}
    | {"setattr", "delattr"}
)
_SETTERS = ("setattr", "delattr")
# Reading one of these at module level takes a value from outside the program (the
# environment another module may have set): the name it binds is set from outside.
_FROM_OUTSIDE = frozenset({"environ", "getenv", "environb", "getenvb"})
_SELF = frozenset({"self", "cls"})
COMPUTED = "*"  # in ``Fingerprint.writes``: some name we cannot spell


def scan_names(
    tree: ast.AST, bound: set[str], stars: frozenset[str]
) -> tuple[frozenset[str], frozenset[str]]:
    """(bare-only names, namespace writes) of a module.

    Bare-only: the names the module binds itself that its code reads only as bare
    names (never as an attribute, an imported name, a keyword, a parameter or a
    string). Such a read sees this module's own binding: another module's binding of
    the same name reaches it only through an import, which reads the name. None for a
    module that star-imports or can write its own namespace.

    Writes: the names its code may set in another module's namespace: attributes set
    or deleted on anything but ``self`` and ``cls`` (``mod.NAME = v``), names in
    strings (``setattr(mod, "NAME", v)``, ``monkeypatch.setattr(mod, "NAME", v)``,
    the last part of ``mock.patch("pkg.mod.NAME")``, the keywords of
    ``patch.multiple(mod, NAME=v)``), names a ``global`` statement
    lets a function set (a setter another module calls), names bound at module level
    from the environment (another module may have set it); ``COMPUTED`` when it may
    set one by a name it does not spell (``setattr(obj, name, v)``, ``globals()``,
    ``vars(obj)``, ``obj.__dict__``, ``f_globals``, ``__globals__``, ``exec``)."""
    bare: set[str] = set()
    other: set[str] = set()
    writes: set[str] = set()
    add = other.add
    callees: set[int] = set()
    for node in walk(tree):  # a call comes before its callee
        kind = node.__class__
        if kind is ast.Name:
            if node.ctx.__class__ is ast.Load:  # type: ignore[attr-defined]
                bare.add(node.id)  # type: ignore[attr-defined]
                if node.id in _SETTERS and id(node) not in callees:  # type: ignore[attr-defined]
                    writes.add(COMPUTED)  # ``set_ = setattr``: called under another name
        elif kind is ast.Global:
            writes.update(node.names)  # type: ignore[attr-defined]  # a setter others may call
        elif kind is ast.Attribute:
            attr = node.attr  # type: ignore[attr-defined]
            add(attr)
            target = node.value  # type: ignore[attr-defined]
            mine = target.__class__ is ast.Name and target.id in _SELF
            if node.ctx.__class__ is not ast.Load and not mine:  # type: ignore[attr-defined]
                writes.add(attr)
            elif attr in _COMPUTED_WRITERS and not mine:
                writes.add(COMPUTED)
        elif kind is ast.Call:
            func = node.func  # type: ignore[attr-defined]
            args = node.args  # type: ignore[attr-defined]
            callees.add(id(func))
            called = getattr(func, "id", None) or getattr(func, "attr", None)
            if called == "multiple":  # ``patch.multiple(mod, NAME=v)`` sets each keyword
                for kw in node.keywords:  # type: ignore[attr-defined]
                    writes.add(kw.arg or COMPUTED)  # ``**names``: any
            if called in _SETTERS:  # ``setattr(m, k, v)``, ``builtins.setattr(...)``
                first = args[0] if args else None
                if first.__class__ is ast.Name and first.id in _SELF:
                    continue
                if func.__class__ is ast.Attribute and (
                    first.__class__ is ast.Constant
                    or (func.value.__class__ is ast.Name and func.value.id in _SELF)
                ):
                    continue  # ``monkeypatch.setattr("pkg.mod.NAME", v)``: the string says
                name = args[1] if len(args) > 1 else None
                if name.__class__ is ast.Constant and isinstance(name.value, str):
                    writes.add(name.value)
                else:
                    writes.add(COMPUTED)
        elif kind is ast.Import:
            for alias in node.names:  # type: ignore[attr-defined]
                # ``import a.b`` binds ``a``; ``import a.b as x`` reads ``a.b``
                if alias.asname:
                    other.update(alias.name.split(".")[1:])
        elif kind is ast.ImportFrom:
            other.update(a.name for a in node.names)  # type: ignore[attr-defined]
        elif (kind is ast.keyword or kind is ast.arg) and node.arg:  # type: ignore[attr-defined]
            add(node.arg)  # type: ignore[attr-defined]
        elif kind is ast.Constant:
            value = node.value  # type: ignore[attr-defined]
            if value.__class__ is str:
                if value.isidentifier():
                    add(value)
                    writes.add(value)  # monkeypatch.setattr(obj, "NAME", v), patch.object
                    if value in _COMPUTED_WRITER_STRINGS:
                        writes.add(COMPUTED)  # ``getattr(m, "__dict__")[k] = v``
                elif ">>>" in value:
                    # a doctest runs in a copy of the module's namespace: its bare
                    # names are the module's, but for what its own imports bind
                    for line in _doctest_lines(value):
                        names = _IDENTIFIER.findall(line)
                        if "import" in names:
                            other.update(_doctest_import(line, names))
                        else:
                            bare.update(names)
                elif "." in value:
                    last = value.rsplit(".", 1)[1]
                    if last.isidentifier():
                        writes.add(last)
                    other.update(_dotted_parts(value))
    if bare & _COMPUTED_WRITERS:
        writes.add(COMPUTED)  # globals(), vars(obj), exec(...), __builtins__[k] = v
    for stmt in getattr(tree, "body", ()):
        if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            value = getattr(stmt, "value", None)
            if value is not None and used_names(value) & _FROM_OUTSIDE:
                writes.update(_bound_names(stmt))
    if stars or (bare | other) & _NAMESPACE_WRITERS:
        return frozenset(), frozenset(writes)
    return frozenset((bare - other) & bound), frozenset(writes)


ANY_STAR = "?"  # in ``Fingerprint.stars``: it may star-import a module it does not name
# ``ANY_STAR + block``: that block (``<module>``: import-time code) runs ``exec`` of a
# text we cannot read; a star import there fails when a listed name is gone
_STAR_TEXT = re.compile(r"\bimport\s*\*")


def star_imports(tree: ast.Module, spans: list[tuple[int, int, str]]) -> frozenset[str]:
    """The modules ``from M import *`` names (relative ones with their dots), and
    ``ANY_STAR`` when code may run one we cannot place: a string holding ``import *``
    (``exec("from m import *")``, a doctest), or ``exec`` of anything but a literal
    string (whose text the strings rule reads). Such an ``exec`` also gives
    ``ANY_STAR + block``, the block it runs in; only that, and no ``ANY_STAR``, when
    it runs in a function's body into a new dict (``ns = {}; exec(code, g, ns)``):
    what a star import there binds, only that function's code can see."""
    out = set()
    placed = _placed_execs(tree, spans)  # ids of ``exec`` names -> (block, own dict)
    literal_exec: set[int] = set()  # ids of ``exec`` names called on a literal string
    for node in walk(tree):
        kind = node.__class__
        if kind is ast.ImportFrom:
            if any(a.name == "*" for a in node.names):  # type: ignore[attr-defined]
                out.add("." * node.level + (node.module or ""))  # type: ignore[attr-defined]
        elif kind is ast.Call:
            func, args = node.func, node.args  # type: ignore[attr-defined]
            if (
                func.__class__ is ast.Name
                and func.id == "exec"
                and args
                and isinstance(args[0], ast.Constant)  # an f-string's values may be any code
            ):
                literal_exec.add(id(func))
        elif kind is ast.Name:
            if node.id == "exec" and id(node) not in literal_exec:  # type: ignore[attr-defined]
                block, own = placed.get(id(node), (MODULE, False))
                out.add(ANY_STAR + block)
                if not own:
                    out.add(ANY_STAR)
        elif kind is ast.Constant:
            value = node.value  # type: ignore[attr-defined]
            if value.__class__ is str and "import" in value and _STAR_TEXT.search(value):
                out.add(ANY_STAR)
    return frozenset(out)


def _placed_execs(
    tree: ast.Module, spans: list[tuple[int, int, str]]
) -> dict[int, tuple[str, bool]]:
    """``exec`` names in the body of a function -> (its block in ``spans``, whether
    the call runs the code into a dict of its own: ``exec(code, g, ns)`` or
    ``exec(code, ns)`` in the function's own scope whose last dict is new,
    ``_new_dict``). A star import in the code binds into that dict alone. Decorators
    and defaults run at import: not in the body."""
    out: dict[int, tuple[str, bool]] = {}
    defs: list[ast.AST] = []
    todo: list[ast.AST] = list(tree.body)
    while todo:  # functions and methods (classes in classes too)
        node = todo.pop()
        if isinstance(node, ast.ClassDef):
            todo.extend(node.body)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            defs.append(node)
    for fn in defs:
        assert isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
        block = _block_of(spans, fn.lineno)
        if block is None:
            continue
        inside = [n for stmt in fn.body for n in walk(stmt)]
        own = _own_scope(fn)
        for node in inside:
            if isinstance(node, ast.Name) and node.id == "exec":
                out.setdefault(id(node), (block, False))
        for node in own:
            if not isinstance(node, ast.Call):
                continue
            func, args = node.func, node.args
            if (
                isinstance(func, ast.Name)
                and func.id == "exec"
                and len(args) in (2, 3)
                and not node.keywords
                and _new_dict(args[-1], fn, own, inside)
            ):
                out[id(func)] = (block, True)
    return out


def _own_scope(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    """The nodes of a function's body in its own scope: not those of the functions,
    lambdas, classes and comprehensions in it (their defaults and decorators, which
    run here, included)."""
    out: list[ast.AST] = []
    todo: list[ast.AST] = list(reversed(fn.body))
    while todo:
        node = todo.pop()
        out.append(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            below: list[ast.AST] = [*node.decorator_list, *node.args.defaults]
            below += [d for d in node.args.kw_defaults if d is not None]
        elif isinstance(node, ast.Lambda):
            below = [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]
        elif isinstance(node, ast.ClassDef):
            below = [*node.decorator_list, *node.bases, *node.keywords]
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            below = [node.generators[0].iter]
        else:
            below = list(ast.iter_child_nodes(node))
        todo.extend(reversed(below))
    return out


def _new_dict(
    arg: ast.expr,
    fn: ast.FunctionDef | ast.AsyncFunctionDef,
    own: list[ast.AST],
    inside: list[ast.AST],
) -> bool:
    """Whether ``arg``, in the function's own scope, is a new dict: a dict display,
    or a name only the function's own scope binds, and only to dict displays (bound
    nowhere else in the function, nor declared ``global`` or ``nonlocal``)."""
    if isinstance(arg, ast.Dict):
        return True
    if not isinstance(arg, ast.Name):
        return False
    name = arg.id
    targets: set[int] = set()  # the names ``ns = {...}`` binds
    for node in own:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            bound_here = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in bound_here:
                if isinstance(t, ast.Name) and t.id == name:
                    if not isinstance(node.value, ast.Dict):
                        return False
                    targets.add(id(t))
    if not targets:
        return False  # a global, or a closure's name
    for node in [*walk(fn.args), *inside]:
        if isinstance(node, ast.arg) and node.arg == name:
            return False
        if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            return False
        if isinstance(node, ast.Name) and node.id == name:
            if not isinstance(node.ctx, ast.Load) and id(node) not in targets:
                return False  # for, with, walrus, del, unpacking, a nested scope's
        elif name in _other_binds(node):
            return False  # import, except as, def, class, match
    return True


def _other_binds(node: ast.AST) -> set[str]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    names = set()
    for attr in ("name", "rest"):  # except ... as x, match patterns
        value = getattr(node, attr, None)
        if isinstance(value, str) and not isinstance(node, ast.alias):
            names.add(value)
    return names


_LIST_METHODS = frozenset({"append", "extend", "insert", "remove"})


# Names pytest, ``inspect``, ``unittest``, ``doctest`` and ``mock`` look up on the objects
# in a test module's namespace while collecting it, that do not start with "_" (all
# those that do count as probed, but for version attributes: ``_probe_free``).
_PROBED_PUBLIC = frozenset(
    {"pytestmark", "patchings", "hypothesis", "is_hypothesis_test"}
    # what pytest asks the collected module itself (its own ``__getattr__`` never counts
    # as probed: ``Tracker.pytest_make_collect_report``)
    | {"setup_module", "setUpModule", "teardown_module", "tearDownModule"}
    | {"setup_function", "teardown_function", "pytest_plugins", "pytest_generate_tests"}
    | {"pytest_mock_example_attribute_that_shouldnt_exist"}
)
# Calls a branch of ``__getattr__`` may make without leaving state behind (by the module
# they come from, ``_keeps_state``); and the builtins that may write or run anything.
_STATELESS_CALLS = frozenset(
    {"warnings.warn", "importlib.metadata.version", "importlib.metadata.metadata"}
)
# Functions of the standard library that only return a value, beyond ``PURE_CALLS``:
# what a function of the project that calls them leaves behind is its own doing
# (``Fingerprint.pure``). Not those that register or install (``abc.ABCMeta.register``,
# ``gettext.install``, ``typing.overload``'s registry, ``atexit``, ``copyreg``), nor
# the in-place operators (``operator.iadd``, ``operator.setitem``).
_RETURNING_CALLS = frozenset(
    {
        f"{module}.{name}"
        for module, names in {
            "gettext": "gettext ngettext pgettext npgettext dgettext dngettext",
            "inspect": "cleandoc getdoc signature isclass isfunction ismethod isroutine "
            "ismodule isbuiltin iscoroutinefunction isgeneratorfunction isasyncgenfunction "
            "isawaitable isabstract getmro unwrap getattr_static getfullargspec Parameter "
            "Signature",
            "itertools": "accumulate batched chain combinations combinations_with_replacement "
            "compress count cycle dropwhile filterfalse groupby islice pairwise permutations "
            "product repeat starmap takewhile tee zip_longest chain.from_iterable",
            "operator": "add sub mul truediv floordiv mod pow neg pos not_ truth is_ is_not "
            "eq ne lt le gt ge getitem index and_ or_ xor invert lshift rshift",
            "functools": "reduce cmp_to_key",
            "textwrap": "dedent indent fill wrap shorten",
            "re": "match fullmatch search sub subn split findall finditer",
            "os": "fspath fsencode fsdecode getenv environ.get",
            "os.path": "isabs normcase splitdrive relpath exists isfile isdir",
            "json": "dumps loads",
            "keyword": "iskeyword",
            "unicodedata": "normalize category east_asian_width",
            "shlex": "quote",
            "collections": "defaultdict ChainMap",
            "contextlib": "ExitStack AsyncExitStack nullcontext",
            "dataclasses": "fields is_dataclass",
            "typing": "get_origin get_args",
            "math": "ceil floor trunc fabs sqrt isclose isfinite isinf isnan log log2 log10 "
            "exp gcd lcm comb perm factorial copysign",
        }.items()
        for name in names.split()
    }
)
_ACTING_BUILTINS = frozenset(
    {"setattr", "delattr", "exec", "eval", "compile", "globals", "vars", "locals", "open"}
    | {"input", "breakpoint", "exit", "quit", "help", "__import__", "memoryview", "next"}
)
_FALLS, _RAISES = 0, 1  # where a probe's way through a block of ``__getattr__`` ends
# Modules pytest has imported before it loads any plugin or project code: importing one
# in ``__getattr__`` only binds it (a project module of that name cannot be the one
# imported: pytest's would be in ``sys.modules`` first)
ALWAYS_IMPORTED = frozenset(
    {"warnings", "sys", "os", "typing", "types", "functools", "inspect", "re"}
    | {"importlib", "importlib.metadata"}
)


def _probe_free(name: object) -> bool:
    """A name no collection probe asks for: a branch of ``__getattr__`` taken for it
    alone never runs while pytest collects."""
    if not isinstance(name, str) or name in _PROBED_PUBLIC:
        return False
    return not name.startswith("_") or "version" in name  # ``__version__``


def _never_probed(test: ast.expr, param: str) -> bool:
    """Whether ``test`` is false for every name a probe asks for (``name == "Old"``,
    ``name in ("A", "B")``, joined by ``or``; ``and`` with one such part)."""
    if isinstance(test, ast.BoolOp):
        parts = [_never_probed(v, param) for v in test.values]
        return all(parts) if isinstance(test.op, ast.Or) else any(parts)
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return False
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if isinstance(op, ast.Eq):
        if isinstance(right, ast.Name) and right.id == param:
            left, right = right, left
        return (
            isinstance(left, ast.Name)
            and left.id == param
            and isinstance(right, ast.Constant)
            and _probe_free(right.value)
        )
    if isinstance(op, ast.In) and isinstance(left, ast.Name) and left.id == param:
        return isinstance(right, (ast.Tuple, ast.List, ast.Set)) and all(
            isinstance(e, ast.Constant) and _probe_free(e.value) for e in right.elts
        )
    return False


def _plain_text(node: ast.expr, names: set[str]) -> bool:
    """A string built without calling project code: literals, f-strings and ``%`` of
    ``names`` (the parameter, ``__name__``, locals bound so)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id in names
    if isinstance(node, ast.JoinedStr):
        return all(_plain_text(v, names) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        spec = node.format_spec
        return _plain_text(node.value, names) and (spec is None or _plain_text(spec, names))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        right = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
        return _plain_text(node.left, names) and all(_plain_text(r, names) for r in right)
    return False


def _probe_way(stmts: list[ast.stmt], param: str, names: set[str]) -> int | None:
    """How a probe's way through ``stmts`` ends: falls off (_FALLS), raises
    AttributeError (_RAISES), or None: it may do something else."""
    for stmt in stmts:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # a docstring
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            if isinstance(stmt, ast.ImportFrom):
                # ``from importlib import resources`` imports a submodule
                parts = [f"{stmt.module}.{a.name}" for a in stmt.names if stmt.module]
                known = stmt.module in ALWAYS_IMPORTED and stmt.module != "importlib"
                if stmt.level or not (known or set(parts) <= ALWAYS_IMPORTED):
                    return None
            elif not all(a.name in ALWAYS_IMPORTED for a in stmt.names):
                return None  # a first import (the project's, a package's) may act
            continue
        if isinstance(stmt, ast.If):
            if not _never_probed(stmt.test, param):
                return None
            end = _probe_way(stmt.orelse, param, names)
            if end != _FALLS:
                return end
            continue
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name) and _plain_text(stmt.value, names):
                names.add(target.id)
                continue
            return None
        if isinstance(stmt, ast.Raise) and stmt.cause is None:
            exc = stmt.exc
            if isinstance(exc, ast.Call) and not exc.keywords:
                if not all(_plain_text(a, names) for a in exc.args):
                    return None
                exc = exc.func
            if isinstance(exc, ast.Name) and exc.id == "AttributeError":
                return _RAISES
        return None
    return _FALLS


# Code in ``__getattr__`` that runs later or elsewhere, or writes another scope
_NESTED_OR_SCOPE = (
    ast.Global,
    ast.Nonlocal,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.Lambda,
    ast.ClassDef,
    ast.Await,
    ast.Yield,
    ast.YieldFrom,
)


def _state_names(tree: ast.Module, scoped: bool = False) -> tuple[dict[str, str], set[str]]:
    """What ``_keeps_state`` needs of the module: its import aliases that nothing
    rebinds, and the names its statements bind otherwise (``scoped``: in module scope,
    where a function looks a global name up; else anywhere)."""
    aliases = import_bindings(tree)  # its own imports too
    if scoped:
        rebound = {n for node in walk(tree) if isinstance(node, ast.Global) for n in node.names}
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                rebound.add(stmt.name)
            elif not isinstance(stmt, (ast.Import, ast.ImportFrom)):
                rebound |= _scope_binds(stmt)
    else:
        rebound = {
            n.id
            for stmt in tree.body
            if not isinstance(stmt, (ast.Import, ast.ImportFrom))
            for n in walk(stmt)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
        }
    return {k: v for k, v in aliases.items() if k not in rebound}, rebound


def _on(node: ast.AST, name: str) -> bool:
    """A store or ``del`` of an attribute of ``name`` itself (``self.x = v``; not
    ``self.items[k] = v``, whose ``items`` may be anyone's object)."""
    return (
        isinstance(node, ast.Attribute)
        and not isinstance(node.ctx, ast.Load)
        and isinstance(node.value, ast.Name)
        and node.value.id == name
    )


def _own_code(tree: ast.Module) -> frozenset[str]:
    """Names that are only the module's own functions and classes (bound by nothing
    else in module scope), and the names of its classes' methods."""
    defs: set[str] = set()
    other: set[str] = {n for node in walk(tree) if isinstance(node, ast.Global) for n in node.names}
    methods: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if stmt.name in defs:
                other.add(stmt.name)
            defs.add(stmt.name)
            if isinstance(stmt, ast.ClassDef):
                methods |= {
                    n.name
                    for n in stmt.body
                    if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                }
        else:
            other |= _scope_binds(stmt)
    return frozenset((defs - other) | methods)


def _defined_once(tree: ast.Module) -> frozenset[str]:
    """Functions and classes defined once at the module's top level, undecorated, and
    bound by nothing else in module scope (``if ...: f = other``, ``global f``)."""
    own = _own_code(tree)
    return frozenset(
        stmt.name
        for stmt in tree.body
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and not stmt.decorator_list
        and stmt.name in own
    )


# methods that change a container in place (``REGISTRY.update(...)``)
_MUTATORS = frozenset({"append", "extend", "insert", "add", "update", "setdefault"})


def module_containers(tree: ast.Module) -> frozenset[str]:
    """Names a module binds once, at its top level, to a container it makes
    (``module_info = {}``), and nowhere else (no other binding in module scope, no
    ``global``): the object is the module's own, and what is stored in it stays there."""
    made: dict[str, int] = {}
    other: set[str] = {
        n for node in walk(tree) if isinstance(node, (ast.Global, ast.Nonlocal)) for n in node.names
    }
    for stmt in tree.body:
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and _new_container(stmt.value, set())
        ):
            made[stmt.targets[0].id] = made.get(stmt.targets[0].id, 0) + 1
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            other.add(stmt.name)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            other |= {(a.asname or a.name).split(".")[0] for a in stmt.names}
        else:
            other |= _scope_binds(stmt)
            other |= {
                n.id
                for n in _module_scope_nodes(stmt)
                if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)
            }
    shadowed = {"dict", "list", "set", "bytearray"} & (other | made.keys())
    if shadowed:
        return frozenset()
    return frozenset(n for n, count in made.items() if count == 1 and n not in other)


def _module_scope_nodes(stmt: ast.stmt) -> list[ast.AST]:
    """The nodes of a statement that run in module scope (not function or class bodies)."""
    out: list[ast.AST] = []
    todo: list[ast.AST] = [stmt]
    while todo:
        node = todo.pop()
        out.append(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        todo.extend(ast.iter_child_nodes(node))
    return out


def _store_root(node: ast.expr) -> str | None:
    """``G`` of ``G[a][b]`` (one subscript at least); None for anything else."""
    if not isinstance(node, ast.Subscript):
        return None
    while isinstance(node, ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _container_root(node: ast.expr) -> str | None:
    """``G`` of ``G`` or ``G[a][b]``."""
    while isinstance(node, ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _calls_run(*roots: ast.AST | None) -> list[ast.Call]:
    """The calls this code makes when it runs: not those in a lambda's body (only its
    defaults run)."""
    out: list[ast.Call] = []
    todo = [r for r in roots if r is not None]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Call):
            out.append(node)
        if isinstance(node, ast.Lambda):
            todo.extend(node.args.defaults)
            todo.extend(d for d in node.args.kw_defaults if d is not None)
            continue
        todo.extend(ast.iter_child_nodes(node))
    return out


def held_statement(
    stmt: ast.stmt,
    containers: frozenset[str],
    purity: _Purity,
    fresh: set[tuple[str, tuple[str, object]]],
    touched: Callable[[], frozenset[str]],
) -> tuple[frozenset[str], str] | None:
    """A module-level statement whose only effect is kept in named objects: a store
    into one of the module's containers of a value that calls nothing impure
    (``module_info["toolz"] = dict(curry=[...])``, ``REG.update(...)``): its
    containers; or a call of a function that may be the project's, with arguments
    that call nothing impure (``_sigs.create_signature_registry()``): the callee, for
    selection to judge by what the module's import ran (``+`` before it: called with
    arguments). None: anything else. A store into an element (``G[k]["x"] = v``,
    ``G[k].update(...)``) counts only when an earlier statement set ``G[k]`` to a
    container it made (``fresh``, which this updates) and no function may change
    ``G``'s elements (``touched``): else the element may be another module's object."""
    if isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names):
        return frozenset(), "*"  # what the module's body does is its own record
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
        root = _store_root(target)
        if root not in containers or not all(purity._pure_call(c) for c in _calls_run(stmt)):
            return None
        assert isinstance(target, ast.Subscript)
        if isinstance(target.value, ast.Name):  # ``G[k] = v``
            key = _key_of(target.slice, purity)
            # the element of any key that may equal this one is replaced
            fresh.difference_update({f for f in fresh if f[0] == root and not _distinct(f[1], key)})
            if key is not None and _new_container(stmt.value, set()):
                fresh.add((root, key))
            return frozenset({root}), ""
        held = _fresh_element(target.value, fresh, purity) and root not in touched()
        return (frozenset({root}), "") if held else None
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return None
    call = stmt.value
    func = call.func
    given = [*call.args, *(k.value for k in call.keywords)]
    if not all(purity._pure_call(c) for c in _calls_run(*given)):
        return None
    if isinstance(func, ast.Attribute) and func.attr in _MUTATORS:
        root = _container_root(func.value)
        if root in containers:
            if isinstance(func.value, ast.Name):  # ``G.update(...)`` may replace elements
                fresh.difference_update({k for k in fresh if k[0] == root})
                return frozenset({root}), ""
            if not all(purity._pure_call(c) for c in _calls_run(func.value)):
                return None
            held = _fresh_element(func.value, fresh, purity) and root not in touched()
            return (frozenset({root}), "") if held else None
    parts: list[str] = []
    node: ast.expr = func
    while isinstance(node, ast.Attribute):
        parts.insert(0, node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    mark = "+" if given else ""  # may fill a container parameter
    origin = purity.origins.get(node.id) or purity.relative.get(node.id)
    if origin is not None:
        if origin[:1] != "." and origin.split(".")[0] in STDLIB:
            return None  # ``logging.basicConfig(...)``: the standard library acts
        return frozenset(), mark + ".".join([origin, *parts])
    # a name of the module (its function, a package attribute set by importing a
    # submodule): selection follows it to the function that ran
    return frozenset(), mark + "?" + ".".join([node.id, *parts])


def _key_of(key: ast.expr, purity: _Purity) -> tuple[str, object] | None:
    """What a subscript key is, when it is the same object each time: a literal (by
    value: ``True``, ``1`` and ``1.0`` are one key), or a name only ``import x``
    binds (a module). None: anything else (a name rebound between, a walrus)."""
    if isinstance(key, ast.Constant):
        try:
            hash(key.value)
        except TypeError:
            return None
        return ("c", key.value)
    if isinstance(key, ast.Name) and key.id in purity.modules:
        return ("m", key.id)
    return None


def _distinct(one: tuple[str, object] | None, other: tuple[str, object] | None) -> bool:
    """Whether two keys are never equal: literals of other values, or a literal and a
    module (two module names may be one module: ``os.path``, ``posixpath``)."""
    if one is None or other is None:
        return False
    if one[0] == "c" and other[0] == "c":
        return bool(one[1] != other[1])
    return one[0] != other[0]


def _fresh_element(
    node: ast.expr, fresh: set[tuple[str, tuple[str, object]]], purity: _Purity
) -> bool:
    """Whether ``G[k]`` (the element a deeper store changes) was set to a container
    the module made: ``G[k][...]`` and ``G[k]`` of ``fresh`` keys."""
    while isinstance(node, ast.Subscript) and isinstance(node.value, ast.Subscript):
        node = node.value
    if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)):
        return False
    key = _key_of(node.slice, purity)
    return key is not None and (node.value.id, key) in fresh


def _container_params(
    args: ast.arguments, containers: frozenset[str]
) -> tuple[dict[str, str], set[str]]:
    """The parameters whose default is one of the module's containers (``def
    build(table=TABLE)``: ``table`` -> ``TABLE``), and every parameter's name."""
    positional = [*args.posonlyargs, *args.args]
    found: dict[str, str] = {}
    pairs = [
        *zip(positional[len(positional) - len(args.defaults) :], args.defaults),
        *zip(args.kwonlyargs, args.kw_defaults),
    ]
    for arg, default in pairs:
        if isinstance(default, ast.Name) and default.id in containers:
            found[arg.arg] = default.id
    names = {a.arg for a in [*positional, *args.kwonlyargs, args.vararg, args.kwarg] if a}
    return found, names


def _own_refs(func: ast.FunctionDef | ast.AsyncFunctionDef, own: frozenset[str]) -> frozenset[str]:
    """The module's own functions, classes and methods a function's body names (``f``,
    ``.m`` for ``self.m`` or ``cls.m``): called, or handed on to be called. Not its
    header's names (a decorator runs when the ``def`` does)."""
    out: set[str] = set()
    for stmt in func.body:
        for node in walk(stmt):
            if isinstance(node, ast.Name) and node.id in own:
                out.add(node.id)
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in _SELF
                and node.attr in own
            ):
                out.add("." + node.attr)
    return frozenset(out)


def _touched_in_functions(tree: ast.Module, containers: frozenset[str]) -> frozenset[str]:
    """Containers that code in a function may change or hand on (by name, or through
    a parameter whose default is one): anything but reading an element or calling a
    method that only reads (``G[k]``, ``G.items()``). Their elements may be replaced,
    so a store into one counts as a store into the container only where made fresh."""
    out: set[str] = set()
    for func in walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        alias, params = _container_params(func.args, containers)
        body = func.body if isinstance(func.body, list) else [func.body]
        parents: dict[int, ast.AST] = {}
        nodes: list[ast.AST] = []
        for stmt in body:
            for node in walk(stmt):
                nodes.append(node)
                for child in ast.iter_child_nodes(node):
                    parents[id(child)] = node
        for node in nodes:
            if not isinstance(node, ast.Name):
                continue
            name = alias.get(node.id) or (
                node.id if node.id in containers and node.id not in params else None
            )
            if name is None:
                continue
            parent = parents.get(id(node))
            if isinstance(parent, ast.Subscript) and parent.value is node:
                if isinstance(parent.ctx, ast.Load) and not isinstance(
                    parents.get(id(parent)), (ast.Subscript, ast.Attribute)
                ):
                    continue  # ``G[k]`` read, not ``G[k][j] = v`` nor ``G[k].append``
            elif (
                isinstance(parent, ast.Attribute)
                and parent.value is node
                and parent.attr in ("items", "keys", "values", "get")
            ):
                continue
            out.add(name)
    return frozenset(out)


def contained_functions(
    tree: ast.Module,
    state: tuple[ast.Module, tuple[dict[str, str], set[str]], frozenset[str], set[str]],
    containers: frozenset[str],
    fp: Fingerprint,
) -> dict[str, tuple[frozenset[str], frozenset[str], frozenset[str]]]:
    """Top-level functions, defined once, that keep state only in the module's
    containers: stores and in-place changes (``signatures[k] = v``, ``REG.add(f)``)
    through the container's name or a parameter whose default is it (``def
    register(signatures=signatures)``). Each is judged as ``_keeps_state`` judges a
    function with those stores taken out, so anything else it does keeps it out.
    ``importlib.import_module`` counts as no state: what a module's import does is
    that module's record (a known gap: a changed argument may import a module that was
    not imported before)."""
    out: dict[str, tuple[frozenset[str], frozenset[str], frozenset[str]]] = {}
    if not containers:
        return out
    aliases = state[1][0]
    loaders = {name for name, dotted in aliases.items() if dotted == "importlib.import_module"}
    for stmt in tree.body:
        if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) or stmt.decorator_list:
            continue
        name = stmt.name
        if name not in fp.defs or name in fp.pure or name in fp.pure_if or name not in fp.blocks:
            continue
        roots, params = _container_params(stmt.args, containers)
        nodes = walk(stmt)
        stored = {
            n.id for n in nodes if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)
        }
        for n in nodes:
            if isinstance(n, ast.Name) and n.id in containers and n.id not in params | stored:
                roots[n.id] = n.id  # the global itself
        for root in list(roots):
            if root in stored:
                del roots[root]  # rebound in the function: no longer the container
        if not roots and not loaders:
            continue
        copy = copy_module.deepcopy(stmt)  # with the cached walks: ``_strip_stores`` drops them
        sinks: set[str] = set()
        used: set[str] = set()
        _strip_stores(copy, roots, loaders, sinks, used)
        calls: set[str] = set()
        if not _keeps_state(
            copy, state[0], state[1], suspends=False, own=state[2], project=calls, literal=state[3]
        ):
            out[name] = (frozenset(sinks), frozenset(calls), frozenset(used & params))
            refs = _own_refs(stmt, state[2])
            if refs:
                fp.own_calls[name] = refs
    return out


class _StoreStripper(ast.NodeTransformer):
    """Takes the stores into containers (and ``import_module`` calls) out of a copy of
    a function, keeping what they evaluate, for ``_keeps_state`` to judge the rest."""

    def __init__(
        self, roots: dict[str, str], loaders: set[str], sinks: set[str], used: set[str]
    ) -> None:
        self.roots = roots
        self.loaders = loaders
        self.sinks = sinks
        self.used = used  # the roots it stored through

    def _sink(self, root: str) -> None:
        self.sinks.add(self.roots[root])
        self.used.add(root)

    def _kept(self, node: ast.AST, parts: list[ast.expr]) -> ast.Expr:
        return ast.copy_location(ast.Expr(value=ast.Tuple(elts=parts, ctx=ast.Load())), node)

    def _slices(self, target: ast.expr) -> list[ast.expr]:
        out: list[ast.expr] = []
        while isinstance(target, ast.Subscript):
            out.append(target.slice)
            target = target.value
        return out

    def _root(self, node: ast.expr) -> str | None:
        """``G`` of ``G[k]`` only: ``G[k][j] = v`` changes the element, which may be
        anyone's object."""
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id in self.roots
        ):
            return node.value.id
        return None

    def visit_Assign(self, node: ast.Assign) -> ast.AST:
        self.generic_visit(node)
        if len(node.targets) == 1:
            root = self._root(node.targets[0])
            if root is not None:
                self._sink(root)
                return self._kept(node, [*self._slices(node.targets[0]), node.value])
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        root = self._root(node.target)
        if root is not None:
            self._sink(root)
            return self._kept(node, [*self._slices(node.target), node.value])
        return node

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        self.generic_visit(node)
        call = node.value
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr in _MUTATORS
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id in self.roots
        ):
            self._sink(call.func.value.id)
            return self._kept(node, [*call.args, *(k.value for k in call.keywords)])
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id in self.loaders:
            return ast.copy_location(ast.Tuple(elts=list(node.args), ctx=ast.Load()), node)
        return node


def _strip_stores(
    func: ast.FunctionDef | ast.AsyncFunctionDef,
    roots: dict[str, str],
    loaders: set[str],
    sinks: set[str],
    used: set[str],
) -> None:
    stripper = _StoreStripper(roots, loaders, sinks, used)
    func.body = [stripper.visit(s) for s in func.body]
    for node in ast.walk(func):  # the copy's cached walks are of the nodes before
        node.__dict__.pop("_ripple_walk", None)


def _keeps_state(
    func: ast.FunctionDef | ast.AsyncFunctionDef,
    tree: ast.Module,
    names: tuple[dict[str, str], set[str]] | None = None,
    suspends: bool = True,
    own: frozenset[str] = frozenset(),
    project: set[str] | None = None,
    literal: set[str] | None = None,
) -> bool:
    """Whether some branch of ``__getattr__`` may leave state that code reads later
    without calling it again (``globals()[name] = value``, a registry, ``setattr``): a
    test that reads it after another test ran the branch depends on the branch without
    running it. It may bind locals, import (selection checks that a project module it
    imports was imported with the module already), and call builtins that write nothing
    and ``warnings.warn``. (Any function that keeps none: ``Fingerprint.pure``; there
    ``own`` are the module's functions and classes, and its methods' names: code of the
    project, judged by itself when it runs too, on ``self`` or ``cls``; ``project`` gets
    the dotted names of calls through imports, which are alike when selection finds a
    function or class a project module defines by that name: ``Fingerprint.pure_if``.)"""
    aliases, rebound = names or _state_names(tree)
    nodes = walk(func)  # once: every rule below reads the same nodes
    module_values = rebound - own  # ``DECODER = json.JSONDecoder(...)``: anyone's object
    if literal is None:
        literal = _literal_names(tree)  # ``NAMES = [...]``: no iterator
    module_values -= literal
    # ``len = _register`` in the function: no builtin any more
    rebound = rebound | {
        n.id for n in nodes if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)
    }
    # a parameter named like an import (``def add(name, hooks=REG)``) is no module
    rebound |= {n.arg for n in nodes if isinstance(n, ast.arg)}
    # ``__init__`` of the project (``own``): its ``self`` is the new instance, which its
    # caller holds; what it sets there is no module's state
    params = func.args.posonlyargs + func.args.args
    fresh = params[0].arg if own and func.name == "__init__" and params else None
    # its own names: parameters, and names it binds that no ``global`` makes the module's
    declared = {n for node in nodes if isinstance(node, ast.Global) for n in node.names}
    local = {
        a.arg
        for a in [*params, *func.args.kwonlyargs, func.args.vararg, func.args.kwarg]
        if a is not None
    } | {n.id for n in nodes if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    local -= declared
    made = _fresh_containers(func, nodes, local, rebound) if own else set()
    hands = _callback_calls(nodes, aliases, rebound) if own else {}
    keys = {
        id(k.value)
        for node in nodes
        if own and isinstance(node, ast.Call)
        for k in node.keywords
        if k.arg == "key" and isinstance(k.value, ast.Lambda)
    }
    if fresh is None:
        local -= _SELF  # ``self.queue.get()``: self may be any module's object
    for node in nodes:
        if node is func:
            continue
        if fresh is not None and _on(node, fresh):
            continue  # ``self.x = v``
        if own and isinstance(node, (ast.AugAssign, ast.Import, ast.ImportFrom)):
            return True  # ``r += [x]`` changes r's object in place; an import runs a module
        if (
            fresh is not None
            and isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "__init__"
            and isinstance(node.func.value, ast.Call)
            and getattr(node.func.value.func, "id", None) == "super"
            and not node.func.value.args
        ):
            continue  # ``super().__init__(...)``: the base's, on the same instance
        # ``suspends``: a generator's or coroutine's frame counts (it runs on later,
        # from where it stopped)
        if id(node) in keys:
            continue  # ``sorted(xs, key=lambda x: x[0])``: called there, kept by no one
        if isinstance(node, _NESTED_OR_SCOPE) and (
            suspends or not isinstance(node, (ast.Await, ast.Yield, ast.YieldFrom))
        ):
            return True
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id in made
        ):
            continue  # ``out[k] = v`` of a dict it made
        if isinstance(node, (ast.Attribute, ast.Subscript)) and not isinstance(node.ctx, ast.Load):
            return True  # ``obj.x = v``, ``cache[k] = v``, ``del obj.x``
        if isinstance(node, ast.Call):
            if id(node) in hands and not _callbacks_known(
                node, hands[id(node)], local, made, own, rebound, literal
            ):
                return True  # ``reduce(SEEN.setdefault, xs)``, ``islice(IT, 1)``
            if own and _returns_only(node.func, aliases, made, module_values - local):
                continue  # ``name.lower()``, ``", ".join(parts)``, ``kwargs.get(k)``
            if (
                own
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in made
            ):
                continue  # ``out.append(x)`` of a list it made
            parts: list[str] = []
            callee: ast.expr = node.func
            while isinstance(callee, ast.Attribute):
                parts.insert(0, callee.attr)
                callee = callee.value
            if not isinstance(callee, ast.Name):
                return True
            if own and (
                (not parts and callee.id in own)
                or (len(parts) == 1 and callee.id in _SELF and parts[0] in own)
            ):
                continue  # the project's code: its own record says what it did
            if not parts and callee.id not in aliases:
                if (
                    callee.id in _ACTING_BUILTINS
                    or not hasattr(builtins, callee.id)
                    or (own and callee.id == "print")  # ``print(..., file=LOG)``
                ):
                    return True  # a function of the project, or one that acts
                if callee.id in rebound:
                    return True
                continue
            dotted = ".".join([aliases.get(callee.id, callee.id), *parts])
            if dotted in _STATELESS_CALLS:
                continue
            if own and dotted == "property.__get__" and "property" not in rebound:
                # a descriptor that defers to ``property`` (toolz's ``InstanceProperty``):
                # the getter it runs is the project's code, judged by its own record
                continue
            if (
                own
                and callee.id in aliases
                and callee.id not in rebound
                and dotted in PURE_CALLS | _RETURNING_CALLS
            ):
                continue  # ``_("text")`` of ``gettext``, ``t.cast(...)``
            if (
                project is not None
                and callee.id in aliases
                and (dotted[:1] == "." or dotted.split(".")[0] not in STDLIB)
                and callee.id not in rebound
            ):
                project.add(dotted)  # ``utils.ensure_text(v)`` of ``from pkg import utils``
                continue
            return True
    return False


_MATCH = (ast.Match,) if sys.version_info >= (3, 10) else ()
_REBINDS = (ast.For, ast.AsyncFor, ast.comprehension, ast.AugAssign, ast.NamedExpr)


def _fresh_containers(
    func: ast.FunctionDef | ast.AsyncFunctionDef,
    nodes: list[ast.AST],
    local: set[str],
    rebound: set[str],
) -> set[str]:
    """Its own names bound only to containers it makes (``out = []``, ``seen = set()``,
    ``{k: v for ...}``, ``[x] * n``): changing one changes no one else's object."""
    # ``*args`` and ``**kwargs``: a tuple and a dict each call makes; any other
    # parameter is the caller's object (``into=None``, then ``into = []`` or not)
    made = {a.arg for a in (func.args.vararg, func.args.kwarg) if a is not None}
    args = func.args
    other = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
    for node in nodes:
        targets: list[ast.expr] = []
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Name) and _new_container(node.value, rebound):
                    made.add(target.id)
                else:
                    targets.append(target)
        elif isinstance(node, _REBINDS):
            targets.append(node.target)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            targets.append(node.optional_vars)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            other.add(node.name)
        elif isinstance(node, (ast.Delete, ast.Import, ast.ImportFrom, *_MATCH)):
            return set()  # rare in such code (``case out:`` binds with no Name): not followed
        for target in targets:  # ``d[k] = v`` rebinds no name
            other |= {
                n.id
                for n in walk(target)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
            }
    return (made - other) & local


def _new_container(value: ast.expr | None, rebound: set[str]) -> bool:
    if isinstance(value, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)):
        return True
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Mult):
        return isinstance(value.left, ast.List)  # ``[iter(seq)] * n``
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id in ("list", "dict", "set", "bytearray")
        and value.func.id not in rebound
    )


def _returns_only(
    func: ast.expr, aliases: dict[str, str], made: set[str], values: set[str]
) -> bool:
    """A call of a method that only returns a value (``PURE_METHODS``) on anything but
    a module (``name.lower()``, ``", ".join(parts)``, ``_("text").format(n=1)``), as
    at import: a method of the project by that name runs code whose own record says
    what it did. Not on a module-level object (``DECODER.decode(text)``: a decoder
    keeps state). ``get`` only on what the function made (``kwargs.get(k)``; not a
    queue a parameter or a local may be)."""
    if not (isinstance(func, ast.Attribute) and func.attr in PURE_METHODS):
        return False
    root: ast.expr = func.value
    while isinstance(root, ast.Attribute):
        root = root.value
    if isinstance(root, ast.Name) and root.id in aliases:
        return False  # ``os.path.join``, ``re.split``: a module's function
    if isinstance(root, ast.Name) and root.id in values:
        return False
    if func.attr != "get":
        return True
    value = func.value
    return isinstance(value, ast.Constant) or (isinstance(value, ast.Name) and value.id in made)


# Calls that call what they are handed (``reduce(f, xs)``, ``json.loads(s,
# object_hook=f)``, ``sorted(xs, key=f)``) or consume an iterator (``islice(it, 1)``),
# by the builtin's or the dotted name
_CONSUMING = (
    "map filter sorted min max iter sum zip enumerate reversed list tuple set frozenset "
    "dict any all"
)
_HANDED_BUILTINS = frozenset(f"builtins.{n}" for n in _CONSUMING.split())
_HANDED = (
    _HANDED_BUILTINS
    | {n for n in _RETURNING_CALLS if n.startswith(("itertools.", "functools.", "json."))}
    | {"re.sub", "re.subn", "collections.defaultdict", "inspect.unwrap"}
)


def _literal_names(tree: ast.Module) -> set[str]:
    """Module-level names bound only to literals (``NAMES = ["a", "b"]``): no iterator
    that consuming would change."""
    literal: set[str] = set()
    other: set[str] = set()
    for stmt in tree.body:
        if (
            isinstance(stmt, (ast.Assign, ast.AnnAssign))
            and stmt.value is not None
            and _literal(stmt.value)
            and all(isinstance(tg, ast.Name) for tg in _targets(stmt))
        ):
            literal |= {tg.id for tg in _targets(stmt) if isinstance(tg, ast.Name)}
        else:
            other |= _scope_binds(stmt)
    return literal - other


def _targets(stmt: ast.Assign | ast.AnnAssign) -> list[ast.expr]:
    return stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]


def _literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(_literal(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is None or _literal(k) for k in node.keys) and all(
            _literal(v) for v in node.values
        )
    return False


def _callback_calls(
    nodes: list[ast.AST], aliases: dict[str, str], rebound: set[str]
) -> dict[int, bool]:
    """The ids of calls in ``func`` that call or consume what they are handed -> True
    for the strict rule (``_callbacks_known``): all but builtins, which were taken as
    leaving nothing before they were looked at (and ``str.join``, as they)."""
    out: dict[int, bool] = {}
    for node in nodes:
        if not isinstance(node, ast.Call):
            continue
        parts: list[str] = []
        callee: ast.expr = node.func
        while isinstance(callee, ast.Attribute):
            parts.insert(0, callee.attr)
            callee = callee.value
        if parts[-1:] == ["join"] and not (isinstance(callee, ast.Name) and callee.id in aliases):
            out[id(node)] = False  # ``", ".join(IT)`` consumes IT, as ``list(IT)`` does
            continue
        if not isinstance(callee, ast.Name):
            continue
        if callee.id in aliases:
            dotted = ".".join([aliases[callee.id], *parts])
        elif not parts and callee.id not in rebound:
            dotted = f"builtins.{callee.id}"
        else:
            continue
        if dotted in _HANDED:
            out[id(node)] = dotted not in _HANDED_BUILTINS
    return out


def _callbacks_known(
    call: ast.Call,
    strict: bool,
    local: set[str],
    made: set[str],
    own: frozenset[str],
    rebound: set[str],
    literal: set[str],
) -> bool:
    """Whether what ``call`` is handed is known not to change state when called or
    consumed: literals, lambdas (whose bodies are judged), containers the function
    made, the module's functions and classes and literal values (``NAMES = [...]``),
    builtins and their methods (``str.upper``), ``self.method``, and comprehensions
    over those. ``strict``: nothing else (a parameter or a local may hold
    ``SEEN.append`` or a module's iterator). Else (builtins, taken before as leaving
    nothing) anything but a bound method of another object (``SEEN.append``) or a
    module-level value bound otherwise than to a literal (an iterator)."""

    def known(arg: ast.expr) -> bool:
        if isinstance(arg, ast.Starred):
            return known(arg.value)
        if isinstance(arg, (ast.Constant, ast.Lambda, ast.JoinedStr)):
            return True
        if isinstance(arg, (ast.List, ast.Tuple, ast.Set)):
            return all(known(e) for e in arg.elts)
        if isinstance(arg, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            return all(known(g.iter) for g in arg.generators)
        if isinstance(arg, ast.Name):
            if arg.id in made:
                return True
            if arg.id in local:
                return not strict
            if arg.id in own or arg.id in literal:
                return True
            if hasattr(builtins, arg.id) and arg.id not in rebound:
                return True
            return not strict and arg.id not in rebound  # a module-level value
        if isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name):
            root = arg.value.id
            if root in _SELF and arg.attr in own:
                return True  # ``self.method``
            return hasattr(builtins, root) and root not in rebound and root not in local
        return not strict and not isinstance(arg, ast.Attribute)

    return all(known(a) for a in [*call.args, *(k.value for k in call.keywords)])


def probe_inert(tree: ast.Module, bound: set[str]) -> bool:
    """Whether the module has a plain ``def __getattr__(name)`` at module level, bound
    once, that raises AttributeError for every name pytest's collection probes may ask
    for (``PROBED``), having done nothing else on the way (``if name == "OldName": ...``
    branches skipped; ``import warnings`` of a module pytest imported already), and
    whose other branches leave no state behind (``_keeps_state``).
    ``bound``: the module's own names (one that binds ``AttributeError`` gets False)."""
    # one under an ``if`` or ``try`` counts too: its block has the same name, and a
    # probe may have run that one
    branches = [
        fn for n in tree.body for qual, fn in _branches(n, lambda _: False)[0] if "." not in qual
    ]
    defs = [
        n
        for n in [*tree.body, *branches]
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and n.name == "__getattr__"
    ]
    if len(defs) != 1 or not isinstance(defs[0], ast.FunctionDef):
        return False
    func = defs[0]
    args = func.args
    params = [*args.posonlyargs, *args.args]
    if (
        func.decorator_list
        or "AttributeError" in bound
        or len(params) != 1
        or args.vararg
        or args.kwarg
        or args.kwonlyargs
        or args.defaults
    ):
        return False
    for node in walk(tree):  # bound once: no ``__getattr__ = ...``, no ``global``
        if isinstance(node, ast.Name) and node.id == "__getattr__":
            return False
        if isinstance(node, ast.Constant) and node.value == "__getattr__":
            return False  # ``setattr(module, "__getattr__", f)``
        if isinstance(node, ast.Global) and "__getattr__" in node.names:
            return False
    param = params[0].arg
    if _keeps_state(func, tree):
        return False
    return _probe_way(func.body, param, {param, "__name__"}) == _RAISES


def _strings(node: ast.AST | None) -> bool:
    """A string literal, or a list, tuple or set of them."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(_strings(e) for e in node.elts)
    return False


def literal_all(tree: ast.Module) -> bool:
    """Whether the module binds ``__all__`` and only ever from string literals:
    ``__all__ = ("a", "b")``, ``__all__ += ["c"]``, ``__all__.append("d")``, and no
    other code that could build it (``list(core.__all__)``, a string ``"__all__"``,
    ``globals()``, ``exec``...). Then the value of a name it lists is no part of it."""
    literal: set[int] = set()  # ids of the names bound or extended by literals
    for stmt in walk(tree):
        if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            plus = not isinstance(stmt, ast.AugAssign) or isinstance(stmt.op, ast.Add)
            one = len(targets) == 1 and isinstance(targets[0], ast.Name)
            if one and plus and _strings(stmt.value):
                literal.add(id(targets[0]))
        elif isinstance(stmt, ast.Call):
            func = stmt.func
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.attr in _LIST_METHODS
                and all(isinstance(a, ast.Constant) or _strings(a) for a in stmt.args)
                and not stmt.keywords
            ):
                literal.add(id(func.value))
    seen = False
    for node in walk(tree):
        if isinstance(node, ast.Name):
            if node.id == "__all__":
                if id(node) not in literal:
                    return False
                seen = True
            elif node.id in _NAMESPACE_WRITERS:
                return False
        elif isinstance(node, ast.Attribute):
            if node.attr == "__all__" and not isinstance(node.ctx, ast.Load):
                return False
        elif isinstance(node, ast.Constant) and node.value == "__all__":
            return False
    return seen


def _walk_list(nodes: Iterable[Any]) -> Iterable[ast.AST]:
    for node in nodes:
        if isinstance(node, ast.AST):
            yield from walk(node)


def _binding_name(node: ast.AST) -> str | None:
    """The name a node binds in the scope it runs in, if any (``*`` of a star import
    is none)."""
    kind = node.__class__
    if kind is ast.Name:
        return node.id if isinstance(node.ctx, (ast.Store, ast.Del)) else None  # type: ignore[attr-defined]
    if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef or kind is ast.ClassDef:
        return node.name  # type: ignore[attr-defined,no-any-return]
    if kind is ast.alias:
        name = node.asname or node.name.split(".")[0]  # type: ignore[attr-defined]
        return None if name == "*" else name
    return None


def _bound_names(node: ast.AST) -> set[str]:
    """Names a statement (of any nesting) binds in its scope."""
    out: set[str] = set()
    for sub in walk(node):
        name = _binding_name(sub)
        if name is not None:
            out.add(name)
    return out


def _scope_binds(stmt: ast.stmt) -> set[str]:
    """``_bound_names`` without the locals of the functions and lambdas the statement
    defines (``if WIN: def getchar(): f = open(...)`` binds ``getchar``, not ``f``).
    Their decorators, defaults and annotations run in this scope and count, and so do
    the names their code declares ``global`` (bound here once it runs)."""
    out: set[str] = set()
    todo: list[ast.AST] = [stmt]
    while todo:
        node = todo.pop()
        kind = node.__class__
        if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef or kind is ast.Lambda:
            if kind is not ast.Lambda:
                out.add(node.name)  # type: ignore[attr-defined]
                todo.extend(node.decorator_list)  # type: ignore[attr-defined]
                if node.returns is not None:  # type: ignore[attr-defined]
                    todo.append(node.returns)  # type: ignore[attr-defined]
            todo.append(node.args)  # type: ignore[attr-defined]
            for sub in walk(node):
                if sub.__class__ is ast.Global:
                    out.update(sub.names)
            continue
        name = _binding_name(node)
        if name is not None:
            out.add(name)
        todo.extend(ast.iter_child_nodes(node))
    return out


@dataclass
class Binding:
    """A name bound by module or class code at import time."""

    kind: str  # DEF, CLASS, VALUE or IMPORT
    digest: str
    deps: frozenset[str]
    # True: decorated; ``CALLS_IT`` (a def): only by decorators after which a call of
    # the name still runs the function (``staticmethod``, ``typing.overload``)
    decorated: bool | str = False
    # what in the statement may do more than bind the name, as a digest ("" when
    # nothing): the calls not known to be pure (``register("json", f)``,
    # ``logging.getLogger("x")``), or the whole header of a definition that such a
    # decorator receives
    acts: str = ""
    # a class: digest of the bases and class keywords that may run code of the project
    # when it is created (``__init_subclass__``, a metaclass), "" for none
    bases: str = ""
    # an import: where from, as ``import a.b`` or ``from ..m`` ("; "-joined when the
    # name is bound twice); "" for other bindings, and in data of older versions
    source: str = ""
    # a def: ``DECORATORS/CALL`` (``_call_shape``), digests of its decorators' text and
    # of what decides whether a call binds its arguments; "" for other bindings, and in
    # data of older versions
    shape: str = ""


@dataclass
class Effect:
    """An import-time statement that does more than bind names."""

    scope: str
    digest: str
    uses: frozenset[str]
    binds: frozenset[str]
    # an ``if`` or ``try`` that only binds names (``_Scanner.binding_only``): its
    # ``binds`` are exactly the names it binds in its scope, and it does nothing else
    binding: bool = False


@dataclass
class Fingerprint:
    """What a file is, as far as selection cares."""

    content: str  # digest of the bytes
    parsed: bool = False
    blocks: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    bindings: dict[tuple[str, str], Binding] = field(default_factory=dict)
    effects: list[Effect] = field(default_factory=list)
    module: str = ""  # digest of all import-time code
    # modules the file's import-time code imports (module and class bodies), as
    # dotted names; relative imports keep their leading dots. ``from a import b`` gives
    # ``a`` and ``a.b`` (b may be a submodule). The static edges of the import graph.
    imports: frozenset[str] = frozenset()
    # modules imported inside functions, by block: they run when the block runs
    lazy: dict[str, frozenset[str]] = field(default_factory=dict)
    # dotted names code reads as attributes of a module it imported (``pkg.b.VAL``,
    # ``getattr(pkg, "b")``), by block (``MODULE``: import-time code): a submodule is
    # an attribute of its package once anyone imported it, so the code gets it without
    # importing it. Edges of the import graph, as weak as the reads they stand for.
    attrs: dict[str, frozenset[str]] = field(default_factory=dict)
    # names of its own that the file reads only as bare names, and the attributes its
    # code sets on other objects (``scan_names``); None: not known (older data)
    bare: frozenset[str] = frozenset()
    writes: frozenset[str] | None = None
    # its code names what reads an unstarted generator's or coroutine's frame
    # (``FRAME_READERS``): the arguments a call bound, defaults too
    frames: bool = False
    # modules it star-imports; None: not known (data of an older version)
    stars: frozenset[str] | None = None
    # its ``__all__`` lists only literal strings (``literal_all``): a changed value of a
    # listed name leaves the set of names a star import binds alone. False: not known
    listed: bool = False
    # module-level classes whose instances are built without doing anything else
    # (``inert_classes``): ``g = curry(f)`` binds a value, it registers nothing. With
    # the attributes their ``__init__`` sets: a descriptor of that name installed on
    # the class later (``C.func = property(...)``) would run code when one is built
    inert: dict[str, frozenset[str]] = field(default_factory=dict)
    # attribute names its code sets on objects other than ``self`` and ``cls``
    # (``cur.curry = f``, ``setattr(C, "func", p)``), None: not known (older data)
    stores: frozenset[str] | None = None
    # digests of its effects that only delete names (``del curry``): they bind none
    deletes: set[str] = field(default_factory=set)
    # bindings (scope, name) bound once by an assignment -> the attributes it reads only
    # on names of classes (``PAGE_SIZE = Base.PAGE_SIZE // 4``), each with where those
    # names come from (``_Purity.constructor``: ``@Base``, ``pkg.m.Base``, ``.m.Base``)
    qualified: dict[tuple[str, str], dict[str, frozenset[str]]] = field(default_factory=dict)
    # module-level classes bound once, without decorators or class keywords -> their
    # bases as ``_Purity.constructor`` gives them (``builtins.object`` for a builtin);
    # a class missing here has bases we cannot follow
    class_bases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # whether its text may read functions' parameter names (``inspect.signature(fn)
    # .parameters``, ``co_varnames``): code that fills parameters by their names from
    # somewhere (``PARAM``); None: not known (older data)
    introspects: bool | None = None
    # its module-level ``__getattr__`` raises AttributeError, doing nothing else, for
    # every name pytest may probe (``probe_inert``); False: it has none, it may act, or
    # older data
    probe_safe: bool = False
    # functions (blocks) that leave no state behind when they run (``_keeps_state``):
    # what one did while another module's import ran it is gone with its return value
    pure: frozenset[str] = frozenset()
    # functions that would be ``pure`` but for calls of what imports bind (``from pkg
    # import utils``; ``utils.parse(v)``, ``from .m import f``) -> those dotted names:
    # pure when each is a function or class a project module defines (``defs``)
    pure_if: dict[str, frozenset[str]] = field(default_factory=dict)
    # functions and classes defined once at the module's top, undecorated, bound by
    # nothing else in its scope (``_defined_once``): a call of one runs that code
    defs: frozenset[str] = frozenset()
    # blocks of functions an ``if`` or ``try`` defines (``_branches``): until they had
    # blocks their code was the module's, and so it stays when one runs at import
    branched: frozenset[str] = frozenset()
    # top-level functions that keep state only in module-level containers of their own
    # module (``signatures[k] = v`` through a default ``signatures=signatures``): the
    # containers' names, and the calls through imports that must be the project's
    # functions (as ``pure_if``). ``contained_code``
    # and the parameters through which it stores (their defaults are the containers:
    # a caller that passes another object has it changed instead)
    contained: dict[str, tuple[frozenset[str], frozenset[str], frozenset[str]]] = field(
        default_factory=dict
    )
    # module-level statements (by effect digest) whose only effect is to store into such
    # a container (the containers' names), or to call a function of the project with
    # arguments that call nothing impure (the callee, as written or resolved)
    held: dict[str, tuple[frozenset[str], str]] = field(default_factory=dict)
    # of those pure or contained functions, the module's own functions and classes
    # their bodies name (``f``; ``.m`` for ``self.m``): the project's code they may run,
    # which ``_keeps_state`` leaves to be judged by itself (``_own_refs``)
    own_calls: dict[str, frozenset[str]] = field(default_factory=dict)

    def block_at(self, firstlineno: int, co_name: str) -> str:
        """The block a code object starting at this line belongs to."""
        if not self.parsed:
            return WHOLE
        if co_name == "<module>":
            return MODULE
        starts = [s[0] for s in self.spans]
        i = bisect_right(starts, firstlineno) - 1
        if i >= 0:
            start, end, name = self.spans[i]
            if start <= firstlineno <= end:
                return name
        return MODULE

    def blocks_in_scope(self, scope: str) -> set[str]:
        prefix = scope + "."
        return {b for b in self.blocks if b.startswith(prefix)}

    def bound_in_module(self, scope: str | None = None) -> set[str]:
        """Names the file's import-time code binds (in ``scope`` only: ``""`` for the
        module's own namespace)."""
        names = {name for (s, name) in self.bindings if scope is None or s == scope}
        for eff in self.effects:
            if scope is None or eff.scope == scope:
                names |= eff.binds
        return names

    # -- storage -------------------------------------------------------------
    def dumps(self) -> bytes:
        """Two JSON documents, one line each: what a file binds, then its blocks. Every
        run asks every test file which tests it defines (the first line only); the
        blocks are read for the few files a change reaches."""
        head = {
            "v": FP_VERSION,
            "c": self.content,
            "p": self.parsed,
            "n": [
                [scope, name, b.kind, b.digest, sorted(b.deps), b.decorated, b.acts, b.bases]
                + ([b.source, b.shape] if b.shape else [b.source] if b.source else [])
                for (scope, name), b in self.bindings.items()
            ],
            "e": [
                [e.scope, e.digest, sorted(e.uses), sorted(e.binds)] + ([1] if e.binding else [])
                for e in self.effects
            ],
            "m": self.module,
            "i": sorted(self.imports),
            "l": {k: sorted(v) for k, v in self.lazy.items()},
            "ra": {k: sorted(v) for k, v in self.attrs.items()},
            "o": sorted(self.bare),
        }
        if self.writes is not None:
            head["w"] = sorted(self.writes)
        if self.frames:
            head["fr"] = 1
        if self.stars is not None:
            head["st"] = sorted(self.stars)
        if self.listed:
            head["la"] = 1
        if self.inert:
            head["ic"] = {k: sorted(v) for k, v in sorted(self.inert.items())}
        if self.stores is not None:
            head["as"] = sorted(self.stores)
        if self.deletes:
            head["dl"] = sorted(self.deletes)
        if self.qualified:
            head["qa"] = [
                [scope, name, attr, sorted(receivers)]
                for (scope, name), attrs in sorted(self.qualified.items())
                for attr, receivers in sorted(attrs.items())
            ]
        if self.class_bases:
            head["cb"] = {k: list(v) for k, v in sorted(self.class_bases.items())}
        if self.introspects is not None:
            head["pi"] = int(self.introspects)
        if self.probe_safe:
            head["pg"] = 1
        if self.pure:
            head["pu"] = sorted(self.pure)
        if self.pure_if:
            head["pp"] = {k: sorted(v) for k, v in sorted(self.pure_if.items())}
        if self.defs:
            head["od"] = sorted(self.defs)
        if self.branched:
            head["bb"] = sorted(self.branched)
        if self.contained:
            head["cn"] = {
                k: [sorted(a), sorted(b), sorted(c)]
                for k, (a, b, c) in sorted(self.contained.items())
            }
        if self.held:
            head["ce"] = {k: [sorted(a), c] for k, (a, c) in sorted(self.held.items())}
        if self.own_calls:
            head["oc"] = {k: sorted(v) for k, v in sorted(self.own_calls.items())}
        tail = {
            "b": {k: [d, sorted(n)] for k, (d, n) in self.blocks.items()},
            "s": self.spans,
        }
        text = (
            json.dumps(head, separators=(",", ":")) + "\n" + json.dumps(tail, separators=(",", ":"))
        )
        return zlib.compress(text.encode(), 6)

    @staticmethod
    def _stored(data: bytes) -> tuple[dict[str, Any], bytes] | None:
        """The first document (what a file binds) and the rest of the stored form;
        None when it is from another version. Raises on damaged data."""
        head, sep, tail = zlib.decompress(data).partition(b"\n")
        doc = json.loads(head)
        version = doc.get("v")
        if (version == FP_VERSION and sep) or version == _FP_ONE_DOCUMENT:
            return doc, tail
        return None

    @staticmethod
    def names(
        data: bytes,
    ) -> tuple[list[list[Any]], list[list[Any]], list[str] | None] | None:
        """What a file binds, as stored: (binding rows ``[scope, name, kind, digest,
        deps, ...]``, effect rows ``[scope, digest, uses, binds]``, the modules it
        imports or None if not stored), without building a Fingerprint. Every run asks
        every test file which tests it defines: at 2,000 files, building the bindings
        was most of a no-change run's decision."""
        try:
            stored = Fingerprint._stored(data)
            if stored is None:
                return None
            doc = stored[0]
            if not doc["p"]:
                return None  # a text file's doctest names: it binds nothing it can tell
            return doc["n"], doc["e"], doc.get("i")
        except (ValueError, KeyError, TypeError, AttributeError, zlib.error):
            return None

    @classmethod
    def loads(cls, data: bytes, *, blocks: bool = True) -> Fingerprint | None:
        """None when the stored form is from another version or damaged. ``blocks=False``:
        names and effects only, without blocks and spans (name taint reads every file's
        names, few files' blocks). The one-document form of version 5 (the same
        digests) is read too."""
        try:
            stored = cls._stored(data)
            if stored is None:
                return None
            doc, tail = stored
            if blocks and doc["v"] == FP_VERSION:
                doc.update(json.loads(tail))
            return cls(
                content=doc["c"],
                parsed=doc["p"],
                blocks={k: (d, frozenset(n)) for k, (d, n) in doc["b"].items()} if blocks else {},
                spans=[(s, e, n) for s, e, n in doc["s"]] if blocks else [],
                bindings={
                    (row[0], row[1]): Binding(row[2], row[3], frozenset(row[4]), *row[5:10])
                    for row in doc["n"]
                },
                effects=[
                    Effect(row[0], row[1], frozenset(row[2]), frozenset(row[3]), bool(row[4:5]))
                    for row in doc["e"]
                ],
                module=doc["m"],
                imports=frozenset(doc["i"]),
                lazy={k: frozenset(v) for k, v in doc["l"].items()},
                attrs={k: frozenset(v) for k, v in doc.get("ra", {}).items()},
                bare=frozenset(doc.get("o", ())),
                frames=bool(doc.get("fr")),
                writes=frozenset(doc["w"]) if "w" in doc else None,
                stars=frozenset(doc["st"]) if "st" in doc else None,
                listed=bool(doc.get("la")),
                inert={k: frozenset(v) for k, v in doc.get("ic", {}).items()},
                stores=frozenset(doc["as"]) if "as" in doc else None,
                deletes=set(doc.get("dl", ())),
                qualified=_qualified_rows(doc.get("qa", ())),
                class_bases={k: tuple(v) for k, v in doc.get("cb", {}).items()},
                introspects=bool(doc["pi"]) if "pi" in doc else None,
                probe_safe=bool(doc.get("pg")),
                pure=frozenset(doc.get("pu", ())),
                pure_if={k: frozenset(v) for k, v in doc.get("pp", {}).items()},
                defs=frozenset(doc.get("od", ())),
                branched=frozenset(doc.get("bb", ())),
                contained={
                    k: (frozenset(a), frozenset(b), frozenset(c))
                    for k, (a, b, c) in doc.get("cn", {}).items()
                },
                held={k: (frozenset(a), c) for k, (a, c) in doc.get("ce", {}).items()},
                own_calls={k: frozenset(v) for k, v in doc.get("oc", {}).items()},
            )
        except (ValueError, KeyError, TypeError, AttributeError, zlib.error):
            return None


def _qualified_rows(rows: Iterable[list[Any]]) -> dict[tuple[str, str], dict[str, frozenset[str]]]:
    out: dict[tuple[str, str], dict[str, frozenset[str]]] = {}
    for scope, name, attr, receivers in rows:
        out.setdefault((scope, name), {})[attr] = frozenset(receivers)
    return out


def fingerprint_text(data: bytes, path: str = "") -> Fingerprint:
    """A file that is not Python: one whole-file block, read as data. Its ``<read>``
    block lists the names its code may read: pytest runs a text file's examples as a
    test (``--doctest-glob``), a test or a plugin runs a README's, and ``>>> from pkg
    import X`` reads a value that no function of the test's trace holds. The code is
    what doctest lines, Markdown fences, reST code blocks and notebook code cells
    hold, and, in a documentation or snippet file (``.md``, ``.rst``, ``.txt``, no
    suffix), any line that parses as Python by itself (an indented or quoted block);
    never a data line's keys (``timeout = 3`` in an INI, ``name: x`` in YAML, a JSON
    key). It is stored only when it has names: a text test file stored without them
    (or by an older version) may read any (see ``selection``)."""
    fp = Fingerprint(content=digest(data))
    names: frozenset[str] = frozenset()
    snippets = _snippets(path, data)
    if len(data) <= _TEXT_CODE_LIMIT and (snippets or _MARKED_CODE.search(data)):
        text = data.decode("utf-8", "replace")
        code = [*_doctest_lines(text), *_code_block_lines(text), *_notebook_lines(text)]
        found = {n for line in code for n in _IDENTIFIER.findall(line) if not keyword.iskeyword(n)}
        loose = _statement_names(text) if snippets else set()
        if found & {"globals", "__dict__"} or _lists_in_examples(code) or LISTS in loose:
            found.add(LISTS)  # an example lists names, or star-imports them
        names = frozenset(found | loose)
    fp.blocks[READ] = (fp.content, names)
    return fp


# Text files larger than this are data (a dump, a log): their lines are not read as code
_TEXT_CODE_LIMIT = 1 << 20
# Where any line may be code a test runs; larger ones are read for marked code only
_SNIPPET_SUFFIXES = frozenset({"", ".md", ".markdown", ".rst", ".txt", ".text"})
# (a line parses in ~50 us: 64 KiB of code lines cost about 0.15 s, once per edit)
_SNIPPET_LIMIT = 64 << 10
# what marks code in any other text file: doctest lines, fences, reST blocks, notebooks
_MARKED_CODE = re.compile(rb">>>|```|~~~|:::|::|<!--|\"cells\"")


def _snippets(path: str, data: bytes) -> bool:
    """Whether a text file's loose lines may be code: documentation or a snippet."""
    name = path.rsplit("/", 1)[-1]
    suffix = name[name.rfind(".") :].lower() if "." in name.lstrip(".") else ""
    return len(data) <= _SNIPPET_LIMIT and suffix in _SNIPPET_SUFFIXES


_QUOTE = re.compile(r"[ \t]*(?:>[ \t]?)+")  # a Markdown block quote's markers


def _statement_names(text: str) -> set[str]:
    """The names read by the lines of a text file that parse as Python statements by
    themselves, once quote markers and indentation are stripped (``def f(x=V):``
    with a ``pass`` after it): code a runner may take from anywhere in the file. A
    lone name or constant is prose (``Usage``), and a data line's strings are not
    names (JSON keys): attributes, names and imports only."""
    out: set[str] = set()
    for raw in text.splitlines():
        line = _QUOTE.sub("", raw, count=1).strip() if ">" in raw[:8] else raw.strip()
        if not line or len(line) > 500 or line.startswith(("#", "//", "<!--")):
            continue
        if line.startswith((">>>", "...")):
            line = line[3:].strip()
        tree = _quiet_parse(line + " pass" if line.endswith(":") else line)
        if tree is None:
            continue
        body = tree.body
        if len(body) == 1 and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, (ast.Name, ast.Constant, ast.Tuple, ast.List, ast.Dict, ast.Set)):
                continue  # prose, a value: ``Usage``, ``1, 2, 3``, ``{"name": 1}``
        for node in ast.walk(tree):
            if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                out.add(node.target.id)  # ``X += 1`` reads X
            elif isinstance(node, ast.Name):
                if isinstance(node.ctx, ast.Load):  # not a key: ``timeout = 3``
                    out.add(node.id)
            elif isinstance(node, ast.Attribute):
                out.add(node.attr)
            elif isinstance(node, ast.alias):
                out.update(node.name.split("."))
                if node.name == "*":
                    out.add(LISTS)
            elif isinstance(node, ast.ImportFrom) and node.module:
                out.update(node.module.split("."))
            elif isinstance(node, ast.Call) and getattr(node.func, "id", "") in _LISTERS:
                out.add(LISTS)
    out.discard("*")
    return out


def _quiet_parse(text: str) -> ast.Module | None:
    """``text`` parsed, or None; no warning shown (``"C:\\data"`` in an INI line)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None


def _notebook_lines(text: str) -> list[str]:
    """The lines of a Jupyter notebook's code cells (a test may run them)."""
    if '"cells"' not in text:
        return []
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return []
    out: list[str] = []
    cells = doc.get("cells") if isinstance(doc, dict) else None
    for cell in cells if isinstance(cells, list) else []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", [])
            lines = source if isinstance(source, list) else [source]
            out += [line for part in lines if isinstance(part, str) for line in part.splitlines()]
    return out


def _lists_in_examples(code: Iterable[str]) -> bool:
    """Whether a text file's examples list a namespace or star-import one."""
    return any("import *" in line or _LISTING_CALL.search(line) for line in code)


_FENCE = re.compile(r"[ \t]*(?:>[ \t]?)*[ \t]*(`{3,}|~{3,}|:{3,})")
# ``.. code-block:: python``; also sybil's ``.. invisible-code-block: python`` (a comment)
_DIRECTIVE = re.compile(r"\s*\.\.\s+([\w-]+)::?")
_CODE_DIRECTIVES = frozenset(
    {"code-block", "code", "sourcecode", "testcode", "testsetup", "doctest", "ipython"}
    | {"jupyter-execute", "exec", "runblock", "literalinclude", "plot", "exec_code"}
    | {"invisible-code-block", "code-cell", "execute"}
)


def _code_block_lines(text: str) -> Iterator[str]:
    """The lines of a text file's code blocks, which a test may run as examples (a
    README's, through ``exec`` or a plugin that runs Markdown): Markdown fences
    (any language: one without may be Python) and reST directive or ``::`` literal
    blocks. Reading more lines than are code only adds names."""
    fence = ""
    directive: int | None = None  # indentation of the ``::`` line whose block follows
    body = False
    for line in text.splitlines():
        if fence == "<!--":
            if line.strip().startswith("-->") or line.rstrip().endswith("-->"):
                fence = ""
                continue
            yield line
            continue
        if fence:
            found = _FENCE.match(line)
            if (
                found
                and found.group(1)[0] == fence[0]
                and len(found.group(1)) >= len(fence)
                and not line[found.end() :].strip()
            ):
                fence = ""
                continue
            yield line
            continue
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if directive is not None:
            if not stripped:
                continue
            if indent > directive:
                body = True
                yield line
                continue
            if not body or indent <= directive:
                directive = None
                body = False
        found = _FENCE.match(line)
        if found and not (found.group(1)[0] == "`" and "`" in line[found.end() :]):
            fence = found.group(1)  # (a backtick fence's info string has no backtick)
            continue
        directive_match = _DIRECTIVE.match(line)
        if directive_match:
            if directive_match.group(1) in _CODE_DIRECTIVES:
                directive, body = indent, False
        elif stripped.startswith("<!--") and "code-block" in stripped:
            fence = "<!--"  # ``<!-- invisible-code-block: python``, to ``-->``
            if stripped.endswith("-->"):
                fence = ""
            continue
        elif stripped.endswith("::"):  # a literal block follows
            directive, body = indent, False


def fingerprint_python(data: bytes) -> Fingerprint:
    """Fingerprint Python source; a file that does not parse is one whole-file block."""
    fp = Fingerprint(content=digest(data))
    try:
        tree = ast.parse(data)
        purity = _Purity(tree.body)
        fp.introspects = _INTROSPECTING.search(data) is not None
        tables = function_tables(data)
        scanner = _Scanner(fp, _Tokens(data), purity, tables, b"fixture" in data)
        if b"builtins" in data:  # in every spelling of an alias (``__builtins__`` too)
            scanner.builtins_names = builtins_aliases(tree)
        scanner.state = (
            tree,
            _state_names(tree, scoped=True),
            _own_code(tree),
            _literal_names(tree),
        )
        scanner.containers = module_containers(tree)
        scanner.scope(tree.body, "")
    except (
        SyntaxError,
        ValueError,
        RecursionError,
        MemoryError,
        tokenize.TokenError,
        UnicodeDecodeError,
        LookupError,
    ):
        return Fingerprint(content=fp.content)
    fp.parsed = True
    bound = import_bindings(tree)
    fp.imports = frozenset(
        imported_modules(
            tree,
            fp.lazy,
            fp.spans,
            _Finders.of(bound),
            lambda test: purity.resolve(test) in _NEVER_TRUE,
        )
    )
    fp.attrs = module_attributes(tree, fp.spans, bound)
    fp.stars = star_imports(tree, fp.spans)
    fp.bare, fp.writes = scan_names(tree, fp.bound_in_module(scope=""), fp.stars)
    fp.frames = any(
        # ``g.gi_frame``, ``getgeneratorlocals(g)``, ``from inspect import ...``,
        # ``getattr(g, "gi_frame")``
        (getattr(node, "attr", None) or getattr(node, "id", None) or getattr(node, "name", None))
        in FRAME_READERS
        or (isinstance(node, ast.Constant) and node.value in FRAME_READERS)
        for node in walk(tree)
    )
    fp.listed = literal_all(tree)
    fp.inert = inert_classes(tree.body, purity)
    # an inert class's ``__init__`` sets attributes of the instance it builds only
    fp.pure = frozenset(scanner.pure | {f"{c}.__init__" for c in fp.inert} & set(fp.blocks))
    fp.class_bases = class_bases(tree.body, purity)
    fp.defs = _defined_once(tree)
    if scanner.state is not None:
        fp.contained = contained_functions(tree, scanner.state, scanner.containers, fp)
    fp.stores = attribute_stores(tree)
    fp.probe_safe = probe_inert(tree, fp.bound_in_module(scope=""))
    fp.spans.sort()
    parts = [f"{s}:{n}:{b.digest}" for (s, n), b in sorted(fp.bindings.items())]
    parts += sorted(e.digest for e in fp.effects)
    fp.module = digest("\n".join(parts).encode())
    return fp


def function_tables(data: bytes) -> dict[tuple[str, int], symtable.SymbolTable]:
    """The symbol table of each function a block starts with, by (qualified name as
    ``_Scanner.scope`` spells it, line of ``def``): module-level functions and methods
    of classes (nested too). Empty when the compiler rejects the file: no name is then
    taken for a local. A name and line met twice are left out (which is which?); so is a
    function with type parameters (its table sits inside theirs)."""
    try:
        top = symtable.symtable(data, "<fingerprint>", "exec")  # type: ignore[arg-type]
    except (SyntaxError, ValueError, RecursionError, MemoryError, UnicodeDecodeError):
        return {}
    found: dict[tuple[str, int], symtable.SymbolTable] = {}
    twice: set[tuple[str, int]] = set()
    stack: list[tuple[str, symtable.SymbolTable]] = [("", top)]
    while stack:
        scope, table = stack.pop()
        for child in table.get_children():
            qual = f"{scope}.{child.get_name()}" if scope else child.get_name()
            kind = child.get_type()
            if kind == "class":
                stack.append((qual, child))
            elif kind == "function":
                key = (qual, child.get_lineno())
                if key in found:
                    twice.add(key)
                found[key] = child
    for key in twice:
        del found[key]
    return found


# Code that looks a name up by its text, in the module's globals whatever the
# function's locals (``eval("X * n")`` before a local ``X`` is bound, the string
# annotations ``get_type_hints`` resolves in ``__globals__``, a frame's globals): a
# block that has any keeps its locals' names as reads.
_BY_TEXT = frozenset(
    {
        "eval",
        "exec",
        "compile",
        "globals",
        "locals",
        "vars",
        "f_globals",
        "f_locals",
        "f_back",
        "__globals__",
        "__annotations__",
        "__annotate__",
        "get_type_hints",
        "get_annotations",
        "signature",
        "ForwardRef",
        "evaluate_forward_ref",
        "_eval_type",
        "currentframe",
        "_getframe",
        "format_map",
    }
)


def _annotation_names(node: ast.AST) -> set[str]:
    """Names in the annotations inside a function: with ``from __future__ import
    annotations`` they are strings that ``get_type_hints`` later looks up in the
    module, whatever the function calls local."""
    out: set[str] = set()
    for sub in walk(node):
        kind = sub.__class__
        if kind is ast.arg or kind is ast.AnnAssign:
            note = sub.annotation  # type: ignore[attr-defined]
        elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            note = sub.returns  # type: ignore[attr-defined]
        else:
            continue
        if note is not None:
            out |= used_names(note)
    return out


def local_only(table: symtable.SymbolTable) -> set[str]:
    """The names that are, wherever the function's code (nested functions, lambdas and
    comprehensions too) uses them, local to one of its functions: never a global nor a
    builtin, nor a name a class body looks up (it tries the module's names too)."""
    local: set[str] = set()
    other: set[str] = set()
    stack = [table]
    while stack:
        t = stack.pop()
        stack.extend(t.get_children())
        function = t.get_type() == "function"
        for sym in t.get_symbols():
            if function and (sym.is_local() or sym.is_free()) and not sym.is_global():
                local.add(sym.get_name())
            else:
                other.add(sym.get_name())
    return local - other


def imported_modules(
    tree: ast.AST,
    lazy: dict[str, frozenset[str]],
    spans: list[tuple[int, int, str]],
    finders: _Finders,
    never: Callable[[ast.expr], bool] = lambda _: False,
) -> set[str]:
    """The modules import statements name at import time; those inside functions go
    to ``lazy`` under the block (from ``spans``) that holds them. Not those under an
    ``if`` whose body never runs (``never``: ``if TYPE_CHECKING:``)."""
    out: set[str] = set()
    todo = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and never(node.test):
            todo.append(node.test)
            todo.extend(node.orelse)
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            names = _imports_in(node, finders)
            if names and not isinstance(node, ast.Lambda):
                block = _block_of(spans, node.lineno)
                if block is not None:
                    lazy[block] = lazy.get(block, frozenset()) | names
                    continue
            out |= names  # a lambda at module level: count it with the module
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out |= _imports_in(node, finders)
        elif isinstance(node, ast.Call):
            found = _imported_by_call(node)
            out.update(found)
            if found:  # its callee is no import of any module
                todo.extend(node.args)
                todo.extend(k.value for k in node.keywords)
                continue
        elif _finds_any_module(node, set(), finders):
            out.add(ANY_MODULE)
        todo.extend(ast.iter_child_nodes(node))
    return out


def _dotted(base: str, name: str) -> str:
    """``base.name``; a relative base of dots only takes the name right after them."""
    return f"{base}{name}" if base.endswith(".") else f"{base}.{name}"


def import_bindings(tree: ast.AST) -> dict[str, str]:
    """Names import statements bind (in any scope) -> the dotted module or attribute
    they stand for (relative ones with their dots): ``import pkg.b`` binds ``pkg``,
    ``import pkg as p`` binds ``p``, ``from . import sub`` binds ``sub`` as ``.sub``;
    and names a plain assignment binds to one of those (``P = pkg``, ``S = sys``)."""
    out: dict[str, str] = {}
    for node in walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                out[alias.asname or top] = alias.name if alias.asname else top
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            for alias in node.names:
                if alias.name != "*":
                    out[alias.asname or alias.name] = _dotted(base, alias.name)
    for node in walk(tree):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Name)
            and node.value.id in out
        ):
            out.setdefault(node.targets[0].id, out[node.value.id])
    return out


_ATTR_DEPTH = 6  # ``pkg.a.b.c.mod.NAME``: deeper chains are rarely modules


def module_attributes(
    tree: ast.AST, spans: list[tuple[int, int, str]], imported: dict[str, str]
) -> dict[str, frozenset[str]]:
    """``Fingerprint.attrs``: by block, the dotted names read as attributes of what an
    import bound (``imported``: ``import_bindings``; ``pkg.b`` and ``pkg.b.VAL`` for
    ``pkg.b.VAL``; ``getattr(pkg, "b")``), for modules outside the standard library."""
    bound = {
        name: dotted
        for name, dotted in imported.items()
        if dotted[:1] == "." or dotted.split(".")[0] not in STDLIB
    }
    # a package of the standard library bound by an import (``import wsgiref``, ``from
    # xml import etree``): its submodules only (``wsgiref.util``), which another
    # module's ``import wsgiref.util`` sets
    packages = {name: dotted for name, dotted in imported.items() if _stdlib_dir(dotted)}
    if not bound and not packages:
        return {}
    out: dict[str, set[str]] = defaultdict(set)

    def add(node: ast.AST, dotted: str) -> None:
        block = _block_of(spans, getattr(node, "lineno", 0)) or MODULE
        out[block].add(dotted)

    for node in walk(tree):
        if isinstance(node, ast.Attribute):
            attrs = [node.attr]
            root: ast.AST = node.value
            while isinstance(root, ast.Attribute) and len(attrs) <= _ATTR_DEPTH:
                attrs.append(root.attr)
                root = root.value
            if isinstance(root, ast.Name) and root.id in packages:
                package = packages[root.id]
                for attr in reversed(attrs):
                    if not _stdlib_submodule(package, attr):
                        break
                    package = f"{package}.{attr}"
                    add(node, package)
            elif isinstance(root, ast.Name) and root.id in bound and len(attrs) <= _ATTR_DEPTH:
                base = bound[root.id]
                chain = ".".join(reversed(attrs))
                add(node, _dotted(base, chain))
                if base != root.id:  # ``from helper import pkg``: pkg may be the package
                    add(node, f"{root.id}.{chain}")
                if len(attrs) > 1:  # ``helper.pkg.b``: helper may hold the package pkg
                    add(node, chain)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) in ("getattr", "hasattr")
            and len(node.args) >= 2
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in bound
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and node.args[1].value.isidentifier()
        ):
            add(node, _dotted(bound[node.args[0].id], node.args[1].value))
    return {block: frozenset(names) for block, names in out.items()}


def _block_of(spans: list[tuple[int, int, str]], line: int) -> str | None:
    for start, end, name in spans:
        if start <= line <= end:
            return name
    return None


# Calls that import the module a literal string names: ``importlib.import_module("a.b")``.
_IMPORTERS = frozenset({"import_module", "__import__"})
# In ``imports`` or ``lazy``: the code may import, or find in ``sys.modules``, a module
# whose name it does not spell (``import_module(name)``, ``reload(m)``, a reference to
# ``import_module`` passed on, ``sys.modules[k]``): it reaches any module whose import
# now does something else (``selection``).
ANY_MODULE = "*"
_FINDS_MODULES = frozenset(
    {
        *_IMPORTERS,
        "reload",
        "resolve_name",
        "exec_module",
        "load_module",
        "spec_from_file_location",
        "import_string",
        "locate",
    }
)


@dataclass(frozen=True)
class _Finders:
    """The names through which a file's code gets modules: the functions of
    ``_FINDS_MODULES`` under their own names or imported under others (``from
    importlib import import_module as load``), ``sys.modules`` imported by name
    (``from sys import modules``), and the names ``sys`` is bound to (``import sys as
    _sys``)."""

    names: frozenset[str]
    sys_names: frozenset[str]

    @classmethod
    def of(cls, imported: dict[str, str]) -> _Finders:
        """From ``import_bindings``."""
        names = set(_FINDS_MODULES)
        sys_names = {"sys"}
        for name, dotted in imported.items():
            if dotted == "sys":
                sys_names.add(name)
            elif dotted == "sys.modules" or dotted.rsplit(".", 1)[-1] in _FINDS_MODULES:
                names.add(name)
        return cls(frozenset(names), frozenset(sys_names))


def _finds_any_module(node: ast.AST, literal: set[int], finders: _Finders) -> bool:
    """A name or attribute through which code gets a module it does not spell, except
    the callee of a call with a literal name (``literal``: their ids)."""
    kind = node.__class__
    if kind is ast.Name:
        return node.id in finders.names and id(node) not in literal  # type: ignore[attr-defined]
    if kind is ast.Attribute:
        attr = node.attr  # type: ignore[attr-defined]
        if attr == "modules":  # ``sys.modules[k]``, ``__import__("sys").modules``
            owner = node.value  # type: ignore[attr-defined]
            if isinstance(owner, ast.Call):
                return True
            return getattr(owner, "id", "") in finders.sys_names
        return attr in _FINDS_MODULES and id(node) not in literal
    if kind is ast.Constant:  # ``getattr(sys, "modules")``, ``vars(sys)["modules"]``
        return bool(node.value == "modules")  # type: ignore[attr-defined]
    return False


def _imports_in(tree: ast.AST, finders: _Finders) -> frozenset[str]:
    out: set[str] = set()
    literal: set[int] = set()
    for node in walk(tree):  # a call comes before its callee
        kind = node.__class__
        if kind is ast.Call:
            found = _imported_by_call(node)  # type: ignore[arg-type]
            if found:
                out.update(found)
                literal.add(id(node.func))  # type: ignore[attr-defined]
            continue
        if _finds_any_module(node, literal, finders):
            out.add(ANY_MODULE)
            continue
        if kind is not ast.Import and kind is not ast.ImportFrom:
            continue
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            if node.module:
                out.add(base)
            for alias in node.names:
                if alias.name != "*":
                    out.add(_dotted(base, alias.name))
    return frozenset(out)


def _imported_by_call(call: ast.Call) -> list[str]:
    """The module an ``import_module("a.b")`` or ``__import__("a.b")`` call names (a
    literal, absolute name), as an import statement would: ``from tests.conftest
    import X`` and ``import_module("tests.conftest")`` import the same module."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name not in _IMPORTERS or not call.args:
        return []
    arg = call.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        target = arg.value
        if (
            target
            and not target.startswith(".")
            and all(part.isidentifier() for part in target.split("."))
        ):
            return [target]
    return []


def _is_main_guard(stmt: ast.stmt) -> bool:
    """``if __name__ == "__main__":`` never runs under pytest."""
    if not isinstance(stmt, ast.If) or stmt.orelse or not isinstance(stmt.test, ast.Compare):
        return False  # an else branch runs under pytest
    t = stmt.test
    if len(t.ops) != 1 or not isinstance(t.ops[0], ast.Eq):
        return False  # `!=` runs under pytest
    sides = [t.left, *t.comparators]
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
        isinstance(s, ast.Constant) and s.value == "__main__" for s in sides
    )


def _docstring_node(body: Sequence[ast.stmt]) -> ast.stmt | None:
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        return body[0]
    return None


# Callables whose call at import time does nothing but return a value: a change to
# their arguments changes the value bound, nothing else. Every other call may act
# beyond the name it binds (register a handler, set an environment variable, create a
# logger), and so may a function passed to a higher-order builtin (``map(register,
# names)``): those are not listed. Dotted names after resolving the module's imports.
_PURE_BUILTINS = (
    "abs ascii bin bool bytearray bytes chr complex dict divmod enumerate float format "
    "frozenset hex int len list object oct ord range repr reversed round set slice str "
    "tuple zip property staticmethod classmethod"
)
PURE_CALLS = frozenset(
    {f"builtins.{n}" for n in _PURE_BUILTINS.split()}
    | {
        "collections.namedtuple",
        "collections.OrderedDict",
        "collections.Counter",
        "collections.deque",
        "dataclasses.field",
        "datetime.date",
        "datetime.datetime",
        "datetime.time",
        "datetime.timedelta",
        "datetime.timezone",
        "decimal.Decimal",
        "enum.auto",
        "fractions.Fraction",
        "functools.partial",
        "operator.attrgetter",
        "operator.itemgetter",
        "operator.methodcaller",
        "os.path.abspath",
        "os.path.basename",
        "os.path.dirname",
        "os.path.join",
        "os.path.normpath",
        "os.path.realpath",
        "os.path.splitext",
        "pathlib.Path",
        "pathlib.PurePath",
        "pathlib.PurePosixPath",
        "re.compile",
        "re.escape",
        "string.Template",
        "struct.Struct",
        "types.MappingProxyType",
        "types.SimpleNamespace",
    }
    | {
        f"{module}.{n}"
        for module in ("typing", "typing_extensions")
        for n in ("TypeVar", "ParamSpec", "TypeVarTuple", "NewType", "cast", "NamedTuple")
    }
)
# Methods of str, bytes, numbers, tuples, mappings and paths that only return a value:
# ``PREFIX.upper()``, ``", ".join(NAMES)``, ``LIMIT.bit_length()``, ``HERE.parent``.
# Called on anything but a module (a method of a project class by one of these names
# runs project code, which the import's own record sees).
_PURE_METHODS = (
    "bit_length capitalize casefold center count decode encode endswith expandtabs "
    "find format format_map get hex index isalnum isalpha isascii isdecimal isdigit "
    "isidentifier islower isnumeric isspace istitle isupper items join keys ljust lower "
    "lstrip partition removeprefix removesuffix replace rfind rindex rjust rpartition "
    "rsplit rstrip split splitlines startswith strip swapcase title translate upper "
    "values zfill copy as_posix with_name with_suffix joinpath resolve absolute "
    "total_seconds isoformat"
)
PURE_METHODS = frozenset(_PURE_METHODS.split())
# Decorators (or decorator factories) that wrap or mark the function or class they
# decorate and register it nowhere: what they return is bound to the name, so a
# change reaches readers of the name only.
PURE_DECORATORS = frozenset(
    {"builtins.property", "builtins.staticmethod", "builtins.classmethod"}
    | {
        "abc.abstractmethod",
        "contextlib.asynccontextmanager",
        "contextlib.contextmanager",
        "dataclasses.dataclass",
        "enum.unique",
        "functools.cache",
        "functools.cached_property",
        "functools.lru_cache",
        "functools.total_ordering",
        "functools.wraps",
    }
    | {
        f"{module}.{n}"
        for module in ("typing", "typing_extensions")
        for n in ("overload", "final", "override", "runtime_checkable", "no_type_check")
    }
)


# Decorators after which calling the name runs the function's own code: code that
# calls it runs the function (its trace holds its block). Not a cache (``lru_cache``
# answers without running it) nor a wrapper (which may read the signature).
CALLS_IT = "calls"
CALLING_DECORATORS = frozenset(
    {"builtins.staticmethod", "builtins.classmethod", "abc.abstractmethod"}
    | {
        f"{module}.{n}"
        for module in ("typing", "typing_extensions")
        for n in ("overload", "final", "override", "no_type_check")
    }
)


def _is_parametrize(node: ast.expr) -> bool:
    """``pytest.mark.parametrize(...)`` or ``mark.parametrize(...)``."""
    func = getattr(node, "func", None)
    if not isinstance(func, ast.Attribute) or func.attr != "parametrize":
        return False
    owner = func.value
    return getattr(owner, "attr", None) == "mark" or getattr(owner, "id", None) == "mark"


def _mark_strings(deps: set[str], decorators: list[ast.expr], *rest: Any) -> set[str]:
    """``deps`` with the names a header (``decorators`` and the ``rest``: arguments,
    return annotation) spells only as strings inside parametrize marks turned into
    ``MARKED`` ones."""
    marks = [d for d in decorators if _is_parametrize(d)]
    if not marks:
        return deps
    strings: set[str] = set()
    spelled: set[str] = {"fixture", "autouse"}  # they keep meaning a fixture's decorator
    for node in _walk_list(marks):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.isidentifier():
                strings.add(node.value)
            elif ">>>" in node.value:
                spelled |= doctest_names(node.value)
        elif isinstance(node, ast.Name):
            spelled.add(node.id)
        elif isinstance(node, ast.Attribute):
            spelled.add(node.attr)
        elif isinstance(node, ast.keyword) and node.arg:
            spelled.add(node.arg)
    spelled |= used_names(*(d for d in decorators if not _is_parametrize(d)), *rest)
    only = (strings & deps) - spelled
    return (deps - only) | {MARKED + n for n in only}


def _slot_names(node: ast.expr) -> set[str]:
    """The names a ``__slots__`` value declares: its literal strings, also in a tuple
    (or list, set) literal and a sum of those; not a string passed to a call in it
    (``getattr(settings, "EXTRA")`` reads ``EXTRA``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return {
            e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
        }
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _slot_names(node.left) | _slot_names(node.right)
    return set()


def _call_shape(fn: ast.FunctionDef | ast.AsyncFunctionDef, tok: _Tokens) -> str:
    """``Binding.shape``, ``DECORATORS/CALL``. A new default value binds every call as
    before; a parameter added, renamed or given a default, or a decorator added or
    changed (``staticmethod``: no ``self`` then) may bind a call that raised
    ``TypeError`` before the function started (so no trace holds it:
    ``pytest.raises(TypeError)``). A generator or coroutine function is no different:
    a call binds its arguments and runs none of its code, so it sees a new default,
    annotation or docstring no more than a plain function's caller does (only by
    running the body, which its trace then holds); a new parameter is a new shape."""
    decorators = tok.node(*fn.decorator_list) if fn.decorator_list else "-"
    a = fn.args
    kind = "async:" if isinstance(fn, ast.AsyncFunctionDef) else "gen:" if _yields(fn) else ""
    parts = [
        ",".join(p.arg for p in a.posonlyargs),
        ",".join(p.arg for p in a.args),
        str(len(a.defaults)),
        a.vararg.arg if a.vararg else "",
        ",".join(f"{p.arg}={d is not None:d}" for p, d in zip(a.kwonlyargs, a.kw_defaults)),
        a.kwarg.arg if a.kwarg else "",
    ]
    # ``SUSPENDS``: a call makes a coroutine or generator (its frame holds the bound
    # arguments, which ``gi_frame.f_locals`` shows before its code runs)
    return f"{decorators}/{kind}{digest('|'.join(parts).encode())}"


def _folded_shape(a: str, b: str) -> str:
    """The shape of a name defined twice (overloads, then the function)."""
    if not a or not b:
        return ""
    (deco_a, _, call_a), (deco_b, _, call_b) = a.partition("/"), b.partition("/")
    call = digest(f"{call_a}{call_b}".encode()) if call_a and call_b else ""
    return f"{digest(f'{deco_a}{deco_b}'.encode())}/{call}"


SUSPENDS = ("gen:", "async:")  # the start of ``Binding.shape``'s CALL part

# What reads a frame a generator or coroutine function's call made, before its code ran
FRAME_READERS = frozenset(
    {
        "gi_frame",
        "cr_frame",
        "ag_frame",
        "getgeneratorlocals",
        "getcoroutinelocals",
        "getasyncgenlocals",
    }
)


def _yields(fn: ast.FunctionDef) -> bool:
    """Whether the function's own code (not a nested function's) yields."""
    todo: list[ast.AST] = list(fn.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(node))
    return False


def _decorated(a: bool | str, b: bool | str) -> bool | str:
    """A name defined twice (overloads, then the function): decorated as the most."""
    if a is True or b is True:
        return True
    return CALLS_IT if a or b else False


_COMPOUND_STMTS = (ast.If, ast.Try, ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.While)


def _bound_names_in(node: Any) -> set[str]:
    if isinstance(node, list):
        return set().union(*(_bound_names(n) for n in node if isinstance(n, ast.AST)))
    return _bound_names(node) if isinstance(node, ast.AST) else set()


def _shadowing(stmt: ast.stmt) -> set[str]:
    """Names a statement binds in module scope (or declares ``global``), and every
    name a class body binds (it shadows module names for the code in that body)."""
    out = {n for node in walk(stmt) if isinstance(node, ast.Global) for n in node.names}
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return out | {stmt.name}
    if isinstance(stmt, ast.ClassDef):
        out.add(stmt.name)
        for sub in stmt.body:
            out |= _shadowing(sub)
        return out
    return out | _bound_names(stmt)


# Modules whose classes, as bases or metaclasses, run no code of the project when a
# class is created from them (their ``__init_subclass__`` and metaclasses act on the
# new class only). A base class of the project, or of another library, may register
# every subclass (``__init_subclass__``, a metaclass): its bases act.
PURE_BASE_MODULES = ("builtins", "typing", "typing_extensions", "abc", "enum", "collections")


class _Purity:
    """Whether import-time code calls something that may act beyond its value.

    Names resolve through the module's imports: ``t.overload`` after ``import typing
    as t`` is ``typing.overload``. A name the module binds in any other way (at module
    level, in any class body, or ``global`` in a function) or imports from two places
    resolves to nothing: a module that rebinds ``property`` or ``compile`` gets no
    benefit of the doubt.
    """

    def __init__(self, body: Sequence[ast.stmt]) -> None:
        origins: dict[str, str | None] = {}
        relative: dict[str, str | None] = {}  # ``from .m import C``: C -> ".m.C"
        shadowed: set[str] = set()
        modules: set[str] = set()
        todo = list(body)
        while todo:
            stmt = todo.pop()
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    name = alias.asname or alias.name.split(".")[0]
                    self._origin(origins, name, alias.name if alias.asname else name)
                    modules.add(name)
            elif isinstance(stmt, ast.ImportFrom):
                for alias in stmt.names:
                    origin = (
                        f"{stmt.module}.{alias.name}" if stmt.module and not stmt.level else None
                    )
                    self._origin(origins, alias.asname or alias.name, origin)
                    if stmt.level:
                        base = "." * stmt.level + (f"{stmt.module}." if stmt.module else "")
                        self._origin(relative, alias.asname or alias.name, base + alias.name)
            elif isinstance(stmt, _COMPOUND_STMTS) or type(stmt).__name__ == "TryStar":
                # the header binds (a loop target, ``with ... as x``); the bodies are
                # module code: their imports are imports
                for part in ("test", "iter", "target", "items"):
                    value = getattr(stmt, part, None)
                    if value is not None:
                        shadowed |= _bound_names_in(value)
                for part in ("body", "orelse", "finalbody"):
                    todo.extend(getattr(stmt, part, []))
                for handler in getattr(stmt, "handlers", []):
                    todo.extend(handler.body)
                    if handler.name:
                        shadowed.add(handler.name)
            elif not isinstance(stmt, ast.Delete):  # ``del toolz`` binds nothing else
                shadowed |= _shadowing(stmt)
        self.origins = {k: v for k, v in origins.items() if v is not None and k not in shadowed}
        self.unknown = shadowed | {k for k, v in origins.items() if v is None}
        self.modules = modules - self.unknown  # names only ``import x`` binds: modules
        self.relative = {k: v for k, v in relative.items() if v is not None and k not in shadowed}
        bound = [n for stmt in body for n in _shadowing(stmt)]
        # classes the module binds once, by their ``class`` statement
        self.own_classes = {
            stmt.name
            for stmt in body
            if isinstance(stmt, ast.ClassDef) and bound.count(stmt.name) == 1
        } - set(origins)

    @staticmethod
    def _origin(origins: dict[str, str | None], name: str, origin: str | None) -> None:
        if name in origins and origins[name] != origin:
            origin = None  # imported from two places: which one runs is not known here
        origins[name] = origin

    def resolve(self, node: ast.expr) -> str | None:
        """The dotted name a callee or decorator expression refers to, if known."""
        if isinstance(node, ast.Name):
            if node.id in self.origins:
                return self.origins[node.id]
            return None if node.id in self.unknown else f"builtins.{node.id}"
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, (ast.Constant, ast.JoinedStr)):
                return "<literal>"  # "...".encode(), ", ".join(...): str and bytes methods
            base = self.resolve(node.value)
            return f"{base}.{node.attr}" if base is not None else None
        return None

    def constructor(self, node: ast.expr) -> str | None:
        """Where a callee that may be a class of the project comes from: a dotted name
        after the module's imports (``toolz.curry``, ``.functoolz.curry`` for a relative
        import), ``@C`` for a class this module defines; None for anything else."""
        if isinstance(node, ast.Name):
            if node.id in self.own_classes:
                return f"@{node.id}"
            return self.origins.get(node.id) or self.relative.get(node.id)
        if isinstance(node, ast.Attribute):
            root = node.value
            if isinstance(root, ast.Name) and root.id in self.relative:
                return f"{self.relative[root.id]}.{node.attr}"
            base = self.resolve(root)
            if base is None or base.startswith(("builtins.", "<")):
                return None
            return f"{base}.{node.attr}"
        return None

    def qualified_reads(self, *roots: Any) -> dict[str, frozenset[str]]:
        """The attributes this code reads only on a name that may be a class
        (``Base.PAGE_SIZE``), each with where the names come from (``constructor``).
        An attribute read any other way (``x.PAGE_SIZE``, ``getattr(o, "PAGE_SIZE")``,
        a keyword) is left out: by name, it may be anyone's."""
        on_names: dict[str, set[str]] = {}
        other: set[str] = set()  # what else reads a name, as ``used_names`` counts them
        for root in roots:
            if root is None:
                continue
            # ``lambda Base: Base.X``, ``[C.X for C in kinds]``: names of its own
            local = {
                getattr(n, "arg", None) or getattr(n, "id", "")
                for n in walk(root)
                if isinstance(n, ast.arg)
                or (isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load))
            }
            for node in walk(root):
                kind = node.__class__
                if kind is ast.Attribute:
                    value = node.value  # type: ignore[attr-defined]
                    origin = None
                    if (
                        value.__class__ is ast.Name
                        and node.ctx.__class__ is ast.Load  # type: ignore[attr-defined]
                        and value.id not in local
                    ):
                        origin = self.constructor(value)
                    if origin is None:
                        other.add(node.attr)  # type: ignore[attr-defined]
                    else:
                        on_names.setdefault(node.attr, set()).add(origin)  # type: ignore[attr-defined]
                elif kind is ast.Name:
                    other.add(node.id)  # type: ignore[attr-defined]
                elif (kind is ast.keyword or kind is ast.arg) and node.arg:  # type: ignore[attr-defined]
                    other.add(node.arg)  # type: ignore[attr-defined]
                elif kind is ast.Constant and node.value.__class__ is str:  # type: ignore[attr-defined]
                    other.add(node.value)  # type: ignore[attr-defined]  # getattr(B, "X")
                    if ">>>" in node.value:  # type: ignore[attr-defined]
                        other |= doctest_names(node.value)  # type: ignore[attr-defined]
        return {a: frozenset(o) for a, o in on_names.items() if a not in other}

    def acting_calls(self, *roots: Any) -> list[ast.Call]:
        """The calls in this code to something not known to be pure."""
        out = []
        for root in roots:
            if root is None:
                continue
            for node in walk(root) if isinstance(root, ast.AST) else _walk_list(root):
                if isinstance(node, ast.Call) and not self._pure_call(node):
                    out.append(node)
        return out

    def _pure_call(self, call: ast.Call) -> bool:
        name = self.resolve(call.func)
        if name == "<literal>" or name in PURE_CALLS or name in PURE_DECORATORS:
            return True
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in PURE_METHODS:
            root = func.value
            while isinstance(root, ast.Attribute):
                root = root.value
            return not (isinstance(root, ast.Name) and root.id in self.modules)
        return False

    def acting_bases(self, bases: Sequence[ast.expr], keywords: Sequence[ast.keyword]) -> list[Any]:
        """The bases and class keywords (``metaclass=``, ``__init_subclass__``
        arguments) that may run code of the project when the class is created."""
        out: list[Any] = []
        for base in [*bases, *(k.value for k in keywords)]:
            node = base.value if isinstance(base, ast.Subscript) else base  # Generic[T]
            name = self.resolve(node)
            if name is None or not name.startswith(tuple(f"{m}." for m in PURE_BASE_MODULES)):
                out.append(base)
        for k in keywords:
            if k.arg != "metaclass":
                out.append(k)  # passed to __init_subclass__
        return out

    def decoration(self, decorators: Sequence[ast.expr]) -> bool | str:
        """A def's ``Binding.decorated``."""
        if not decorators:
            return False
        if all(self.resolve(d) in CALLING_DECORATORS for d in decorators):
            return CALLS_IT
        return True

    def decorator_acts(self, decorators: Sequence[ast.expr]) -> bool:
        """Whether a decorator may register what it decorates (or do anything else)."""
        for deco in decorators:
            func = deco.func if isinstance(deco, ast.Call) else deco
            if self.resolve(func) not in PURE_DECORATORS:
                return True
            if isinstance(deco, ast.Call) and self.acting_calls(deco.args, deco.keywords):
                return True
        return False


# In ``Fingerprint.stores``: code writes a namespace by names it does not spell
# (``locals().update(...)``, ``vars(m)[name] = f``)
NAMESPACE = "<ns>"


def _namespace(node: ast.expr) -> bool:
    """``globals()``, ``locals()``, ``vars(x)``, ``x.__dict__``: a namespace as a dict."""
    if isinstance(node, ast.Attribute):
        return node.attr == "__dict__"
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("globals", "locals", "vars")
    )


def attribute_stores(tree: ast.Module) -> frozenset[str]:
    """The attribute names code sets or deletes on objects other than ``self`` and
    ``cls`` (``mod.curry = f``, ``C.func = property(...)``), also by ``setattr`` or
    ``delattr`` with a literal name (``COMPUTED`` for one it does not spell), and the
    names it sets in a namespace used as a dict (``globals()["C"] = f``;
    ``NAMESPACE + block`` when it does not spell them, or ``exec``/``eval`` code:
    ``<ns>`` at import, ``<ns>__getattr__`` in that function)."""
    out: set[str] = set()
    # ``if name == "__version__": globals()[name] = v`` sets that name only
    known: dict[int, tuple[str, str]] = {}
    for node in walk(tree):
        test = getattr(node, "test", None)
        if (
            isinstance(node, ast.If)
            and isinstance(test, ast.Compare)
            and isinstance(test.left, ast.Name)
            and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq)
            and isinstance(test.comparators[0], ast.Constant)
            and isinstance(test.comparators[0].value, str)
        ):
            for stmt in node.body:
                for sub in walk(stmt):
                    known[id(sub)] = (test.left.id, test.comparators[0].value)
    todo: list[tuple[ast.AST, str]] = [(tree, "")]
    while todo:
        root, block = todo.pop()
        for node in _walk_scope(root):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                qual = f"{block}.{node.name}" if block else node.name
                # decorators, defaults, bases: run where the statement runs
                head: list[Any] = [*node.decorator_list]
                if isinstance(node, ast.ClassDef):
                    head += [*node.bases, *node.keywords]
                    todo.append((ast.Module(body=node.body, type_ignores=[]), block))
                else:
                    head += [*node.args.defaults, *node.args.kw_defaults]
                    todo.append((ast.Module(body=node.body, type_ignores=[]), qual))
                expr: list[ast.stmt] = [ast.Expr(value=h) for h in head if isinstance(h, ast.expr)]
                todo.append((ast.Module(body=expr, type_ignores=[]), block))
                continue
            if isinstance(node, ast.Subscript) and not isinstance(node.ctx, ast.Load):
                if _namespace(node.value):  # ``globals()["C"] = f``, ``m.__dict__[k] = f``
                    key = node.slice
                    literal = isinstance(key, ast.Constant) and isinstance(key.value, str)
                    guard = known.get(id(key))
                    if literal:
                        out.add(key.value)  # type: ignore[attr-defined]
                    elif guard and isinstance(key, ast.Name) and key.id == guard[0]:
                        out.add(guard[1])
                    else:
                        out.add(NAMESPACE + block)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("update", "setdefault", "__setitem__", "pop", "clear")
                and _namespace(node.func.value)
            ):
                out.add(NAMESPACE + block)  # ``locals().update(...)``: names it does not spell
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("exec", "eval")
            ):
                # ``exec("Base = Production", vars(settings))``, ``eval("(X := 1)")``: it
                # binds in whatever namespace it is given, by names we do not read
                out.add(NAMESPACE + block)
            elif isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Load):
                if not (isinstance(node.value, ast.Name) and node.value.id in _SELF):
                    out.add(node.attr)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("setattr", "delattr")
            ):
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Name) and first.id in _SELF:
                    continue
                name = node.args[1] if len(node.args) > 1 else None
                literal = isinstance(name, ast.Constant) and isinstance(name.value, str)
                out.add(name.value if literal else COMPUTED)  # type: ignore[union-attr]
    return frozenset(out)


def _walk_scope(root: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a body, not entering nested defs and classes (yielded, not walked)."""
    todo = list(ast.iter_child_nodes(root))
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(node))


# ``Binding.acts`` of an assignment whose calls not known to be pure may all construct
# a class of the project: ``CONSTRUCTS + "toolz.curry,@Box|" + digest``
CONSTRUCTS = "new:"


def constructed(acts: str) -> list[str] | None:
    """The callees of a ``CONSTRUCTS`` mark (as ``_Purity.constructor`` gives them);
    None when the statement calls anything else."""
    if not acts.startswith(CONSTRUCTS):
        return None
    return acts[len(CONSTRUCTS) :].partition("|")[0].split(",")


# Methods that run when an instance is created, assigned in a class body or has an
# attribute set (beyond ``__init__``): a class with any of them may do anything then.
CONSTRUCTION_HOOKS = frozenset(
    {
        "__new__",
        "__init_subclass__",
        "__set_name__",
        "__setattr__",
        "__getattr__",
        "__getattribute__",
        "__delattr__",
        "__del__",
        "__post_init__",
        "__class_getitem__",
    }
)
# Builtins that read their arguments and return a value (an exception class builds one)
_INERT_BUILTINS = frozenset(
    {f"builtins.{n}" for n in ["callable", "getattr", "hasattr", "isinstance", "issubclass"]}
    | {
        f"builtins.{n}"
        for n, v in vars(builtins).items()
        if isinstance(v, type) and issubclass(v, BaseException)
    }
)


def class_bases(body: Sequence[ast.stmt], purity: _Purity) -> dict[str, tuple[str, ...]]:
    """``Fingerprint.class_bases``: module-level classes bound once, without decorators
    or class keywords (a decorator may return anything, a metaclass may answer any
    attribute), whose bases we can follow."""
    out: dict[str, tuple[str, ...]] = {}
    for stmt in body:
        if (
            not isinstance(stmt, ast.ClassDef)
            or stmt.name not in purity.own_classes
            or stmt.decorator_list
            or stmt.keywords
        ):
            continue
        bases = []
        for base in stmt.bases:
            origin = purity.constructor(base) or purity.resolve(base)
            if origin is None or origin.startswith("<"):
                break
            bases.append(origin)
        else:
            out[stmt.name] = tuple(bases)
    return out


def inert_classes(body: Sequence[ast.stmt], purity: _Purity) -> dict[str, frozenset[str]]:
    """Module-level classes whose instances are built without doing anything but
    setting the new instance's own attributes, with those attributes: no bases,
    decorators or class keywords, no construction hook, a class body of defs and of
    assignments without calls, and an ``__init__`` (if any) whose statements only
    assign locals and ``self.x`` (an ``x`` the class body does not bind to a
    descriptor), branch and raise, calling only what is known pure. ``curry(f)`` of
    such a class holds ``f``; it puts it nowhere else."""
    out = {}
    for stmt in body:
        if isinstance(stmt, ast.ClassDef) and stmt.name in purity.own_classes:
            attrs = _inert_class(stmt, purity)
            if attrs is not None:
                out[stmt.name] = attrs
    return out


def _inert_class(node: ast.ClassDef, purity: _Purity) -> frozenset[str] | None:
    """The attributes an inert class's ``__init__`` sets; None when it is not inert."""
    if node.decorator_list or node.keywords:
        return None
    for base in node.bases:
        if purity.resolve(base) != "builtins.object":
            return None
    plain: dict[str, bool] = {}  # names the class body binds -> only to a literal
    inits: list[ast.AST] = []
    for stmt in node.body:
        if isinstance(stmt, ast.Pass) or (
            isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
        ):
            continue  # the docstring
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if stmt.name == "__init__":
                inits.append(stmt)
            plain[stmt.name] = False
            continue
        if not isinstance(stmt, (ast.Assign, ast.AnnAssign)) or any(
            isinstance(sub, (ast.Call, ast.NamedExpr, ast.Lambda)) for sub in walk(stmt)
        ):
            return None  # ``locals()[...] = property(...)``, a loop, an import: anything
        names = _bound_names(stmt)
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        if not all(isinstance(t, ast.Name) for t in targets):
            return None
        literal = isinstance(stmt.value, ast.Constant)
        for name in names:
            plain[name] = plain.get(name, True) and literal
    if plain.keys() & CONSTRUCTION_HOOKS or len(inits) > 1:
        return None
    if inits and sum("__init__" in _bound_names(stmt) for stmt in node.body) > 1:
        return None  # ``__init__ = _init`` after the def: that one runs
    if not inits:
        return None if "__init__" in plain else frozenset()
    init = inits[0]
    if not isinstance(init, ast.FunctionDef) or init.decorator_list:
        return None
    params = [*init.args.posonlyargs, *init.args.args]
    if not params:
        return None
    check = _InertInit(purity, init, params[0].arg, plain)
    return frozenset(check.attrs | check.names) if check.ok() else None


# What a new default, annotation or docstring of a function changes: an inert
# ``__init__`` may only copy these (``getattr(f, "__doc__", None)``), never read them
HEADER_ATTRIBUTES = frozenset(
    {
        "__doc__",
        "__defaults__",
        "__kwdefaults__",
        "__annotations__",
        "__code__",
        "__signature__",
        "__text_signature__",
        "__wrapped__",
        "__dict__",
        "__type_params__",
        "__annotate__",
    }
)
# builtins an inert ``__init__`` may name: values and types whose methods are not the
# project's (``isinstance(x, Checked)`` may run a metaclass of the project)
_SAFE_BUILTINS = frozenset(
    f"builtins.{n}"
    for n in [
        "None",
        "True",
        "False",
        "int",
        "float",
        "str",
        "bytes",
        "bool",
        "tuple",
        "list",
        "dict",
        "set",
        "frozenset",
        "object",
        "type",
        "len",
        "repr",
    ]
)
# attributes an inert ``__init__`` may set beyond the instance's own: what a wrapper
# copies from what it wraps (the class's own values are plain strings)
COPIED_DUNDERS = frozenset({"__doc__", "__name__", "__qualname__", "__module__", "__wrapped__"})


class _InertInit:
    """Whether an ``__init__`` only sets attributes of ``self`` (``_inert_class``)."""

    def __init__(
        self, purity: _Purity, init: ast.FunctionDef, me: str, plain: dict[str, bool]
    ) -> None:
        self.purity = purity
        self.init = init
        self.me = me
        self.plain = plain
        self.attrs: set[str] = set()
        # the module-level names it reads (builtins, pure functions): code that sets
        # one of them from elsewhere (``wrap.callable = f``) changes what it runs
        self.names: set[str] = set()
        self.copies: set[int] = set()  # ids of the ``getattr(f, "__doc__", None)`` nodes
        a = init.args
        params = [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]
        self.locals = {p.arg for p in params if p is not None}
        assigned: dict[str, bool] = {}  # local name -> every value bound to it is new
        for sub in walk(init):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                self.locals.add(sub.id)
                assigned.setdefault(sub.id, True)
            if isinstance(sub, ast.Assign):
                new = isinstance(sub.value, (ast.Dict, ast.List, ast.Set))
                for t in sub.targets:
                    if isinstance(t, ast.Name):
                        assigned[t.id] = assigned.get(t.id, True) and new
                    else:
                        for n in walk(t):
                            if isinstance(n, ast.Name):
                                assigned[n.id] = False
            elif isinstance(sub, (ast.AugAssign, ast.AnnAssign, ast.For, ast.With)):
                for n in walk(sub):
                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                        assigned[n.id] = False
        params_bound = {p.arg for p in params if p is not None}
        # locals that only ever hold a container this ``__init__`` made: changing
        # them changes nothing outside
        self.fresh = {n for n, new in assigned.items() if new and n not in params_bound}

    def ok(self) -> bool:
        if not self.body(self.init.body):
            return False
        for sub in walk(self.init):
            if id(sub) in self.copies:
                continue
            if isinstance(sub, ast.Attribute) and not isinstance(sub.ctx, ast.Load):
                continue  # ``self.__doc__ = ...`` sets it
            text = sub.attr if isinstance(sub, ast.Attribute) else getattr(sub, "value", None)
            if isinstance(sub, (ast.Attribute, ast.Constant)) and text in HEADER_ATTRIBUTES:
                # it reads what a new default or docstring changes: it may raise on it
                return False
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                if sub.id in self.locals:
                    continue
                name = self.purity.resolve(sub)
                if name is None or not (
                    name in _INERT_BUILTINS or name in PURE_CALLS or name in _SAFE_BUILTINS
                ):
                    return False  # ``func == MISSING``, ``isinstance(func, Checked)``
                self.names.add(sub.id)
        return True

    def body(self, stmts: Sequence[ast.stmt]) -> bool:
        return all(self.stmt(s) for s in stmts)

    def stmt(self, s: ast.stmt) -> bool:
        if isinstance(s, ast.Pass):
            return True
        if isinstance(s, ast.Expr):
            return isinstance(s.value, ast.Constant) or self.expr(s.value)
        if isinstance(s, ast.Return):
            return s.value is None or (isinstance(s.value, ast.Constant) and s.value.value is None)
        if isinstance(s, ast.Raise):
            return all(self.expr(e) for e in (s.exc, s.cause) if e is not None)
        if isinstance(s, ast.Assert):
            return all(self.expr(e) for e in (s.test, s.msg) if e is not None)
        if isinstance(s, ast.If):
            return self.expr(s.test) and self.body(s.body) and self.body(s.orelse)
        if isinstance(s, ast.Assign):
            value = s.value
            if (  # ``self.__doc__ = getattr(func, "__doc__", None)``: a copy, never raises
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and self.purity.resolve(value.func) == "builtins.getattr"
                and len(value.args) == 3
                and not value.keywords
                and all(isinstance(a, (ast.Name, ast.Constant)) for a in value.args)
                and len(s.targets) == 1
                and isinstance(s.targets[0], ast.Attribute)
            ):
                self.copies.add(id(value.args[1]))
            return self.expr(value) and all(self.target(t) for t in s.targets)
        if isinstance(s, ast.AnnAssign):
            return (
                self.target(s.target)
                and self.expr(s.annotation)
                and (s.value is None or self.expr(s.value))
            )
        if isinstance(s, ast.AugAssign):
            return (
                isinstance(s.target, ast.Name) and s.target.id in self.fresh and self.expr(s.value)
            )
        return False  # loops, ``with``, ``try``, ``global``, imports, nested defs: not judged

    def target(self, t: ast.expr) -> bool:
        if isinstance(t, ast.Name):
            return t.id != self.me  # ``self = holder``: then ``self.x`` is anyone's
        if isinstance(t, ast.Starred):
            return self.target(t.value)
        if isinstance(t, (ast.Tuple, ast.List)):
            return all(self.target(e) for e in t.elts)
        if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == self.me:
            if t.attr.startswith("__") and t.attr not in COPIED_DUNDERS:
                return False  # ``self.__dict__ = shared``, ``self.__class__ = Other``
            self.attrs.add(t.attr)
            # not a property or other descriptor of the class: its setter would run
            return self.plain.get(t.attr, True)
        return False  # an item, or another object's attribute: that object changes

    def expr(self, e: ast.expr) -> bool:
        for sub in walk(e):
            if isinstance(sub, (ast.Lambda, ast.Yield, ast.YieldFrom, ast.Await, ast.NamedExpr)):
                return False
            if isinstance(sub, ast.Call) and not self.call(sub):
                return False
        return True

    def call(self, call: ast.Call) -> bool:
        func = call.func
        if isinstance(func, ast.Name) and func.id in self.locals:
            return False  # a parameter or local: anything
        if isinstance(func, ast.Attribute):
            root = func.value
            if isinstance(root, ast.Name) and root.id in self.fresh:
                return True  # ``kwargs.update(...)`` of a dict made here
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in self.locals:
                return False  # a method of ``self`` or of an argument: anything
        # a function known pure; not a method of a module-level object (``DOCS.get``)
        name = self.purity.resolve(func)
        return name == "<literal>" or name in PURE_CALLS or name in _INERT_BUILTINS


_Def = Union[ast.FunctionDef, ast.AsyncFunctionDef]
# ``if TYPE_CHECKING:`` with the name from typing: its body never runs (a module's own
# ``TYPE_CHECKING`` may be anything)
_NEVER_TRUE = frozenset({"typing.TYPE_CHECKING", "typing_extensions.TYPE_CHECKING"})


def _branches(
    stmt: ast.stmt, dead: Callable[[ast.expr], bool]
) -> tuple[list[tuple[str, _Def]], list[ast.If]]:
    """The functions an ``if`` or ``try`` defines in any of its branches, and the
    methods of the classes it defines there (nested classes too), in source order,
    each with its name as a block's (``decode``, ``ZstdDecoder.decompress``); not
    inside loops, ``with`` or other functions. And its ``if`` statements whose body
    never runs (``dead``: ``if TYPE_CHECKING:``), whose bodies it does not enter."""
    found: list[tuple[str, _Def]] = []
    never: list[ast.If] = []
    todo: list[tuple[str, ast.stmt]] = [("", stmt)]
    while todo:
        prefix, node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node is not stmt:
            found.append((prefix + node.name, node))
        elif isinstance(node, ast.ClassDef) and node is not stmt:
            todo += [(f"{prefix}{node.name}.", b) for b in node.body]
        elif isinstance(node, ast.If):
            if dead(node.test):
                never.append(node)
                todo += [(prefix, b) for b in node.orelse]
            else:
                todo += [(prefix, b) for b in [*node.body, *node.orelse]]
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            handlers = [b for h in getattr(node, "handlers", ()) for b in h.body]
            parts = [*node.body, *handlers, *node.orelse, *node.finalbody]  # type: ignore[attr-defined]
            todo += [(prefix, b) for b in parts]
    found.sort(key=lambda item: (item[1].lineno, item[1].col_offset))
    return found, never


def _without(stmt: ast.stmt, defs: list[_Def], never: list[ast.If]) -> ast.stmt:
    """A copy of an ``if`` or ``try`` with these functions replaced by ``pass``, and
    the bodies of those ``if`` statements too; the other statements are shared."""
    gone = {id(fn) for fn in defs}
    empty = {id(node) for node in never}

    def body(stmts: list[ast.stmt]) -> list[ast.stmt]:
        return [ast.Pass() if id(s) in gone else prune(s) for s in stmts]

    def prune(node: ast.stmt) -> ast.stmt:
        made: Any = type(node)
        if isinstance(node, ast.If):
            kept: list[ast.stmt] = [ast.Pass()] if id(node) in empty else body(node.body)
            return ast.If(test=node.test, body=kept, orelse=body(node.orelse))
        if isinstance(node, ast.ClassDef):
            # a new node: ``walk`` keeps what is below a node on the node itself
            fields = {f: getattr(node, f) for f in node._fields if hasattr(node, f)}
            fields["body"] = body(node.body)
            return made(**fields)  # type: ignore[no-any-return]
        if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            handlers = [
                ast.ExceptHandler(type=h.type, name=h.name, body=body(h.body))
                for h in node.handlers  # type: ignore[attr-defined]
            ]
            return made(  # type: ignore[no-any-return]
                body=body(node.body),  # type: ignore[attr-defined]
                handlers=handlers,
                orelse=body(node.orelse),  # type: ignore[attr-defined]
                finalbody=body(node.finalbody),  # type: ignore[attr-defined]
            )
        return node

    return prune(stmt)


class _Scanner:
    def __init__(
        self,
        fp: Fingerprint,
        tok: _Tokens,
        purity: _Purity,
        tables: dict[tuple[str, int], symtable.SymbolTable] | None = None,
        fixtures: bool = True,
    ) -> None:
        self.fp = fp
        self.fixtures = fixtures  # the text mentions fixtures: parameters stay reads
        self.tok = tok
        self.purity = purity
        self.tables = tables or {}  # ``function_tables``
        self.builtins_names = BUILTINS_NAMES  # ``builtins_aliases`` of the module
        # classes without bases, keywords or decorators: nothing makes fields or
        # checks of their annotations (a dataclass's, a Protocol's, a model's do)
        self.plain: set[str] = set()
        self.pure: set[str] = set()
        self.containers: frozenset[str] = frozenset()  # ``module_containers``
        # (container, key) whose element the module set to a container it made
        self.fresh: set[tuple[str, tuple[str, object]]] = set()
        self._touched: frozenset[str] | None = None  # ``touched``
        # what ``_keeps_state`` needs of the module, once for all its functions
        self.state: (
            tuple[ast.Module, tuple[dict[str, str], set[str]], frozenset[str], set[str]] | None
        ) = None
        # how many times each (scope, name) was bound so far: which binding of a name
        # a statement reads at import is part of what it does (``seen``)
        self.counts: dict[tuple[str, str], int] = {}

    def touched(self) -> frozenset[str]:
        """``_touched_in_functions`` of the module, once, when a statement stores into
        an element of a container (rare: most modules never need it)."""
        if self._touched is None:
            tree = self.state[0] if self.state is not None else None
            self._touched = (
                _touched_in_functions(tree, self.containers)
                if tree is not None
                else self.containers
            )
        return self._touched

    def def_start(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    ) -> tuple[int, int]:
        line = min([node.lineno] + [d.lineno for d in node.decorator_list])
        return (line, self.tok.char_col(node.lineno, node.col_offset))

    def header(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> str:
        """Decorators, signature (or bases) and docstring: what runs at import time."""
        doc = _docstring_node(node.body)
        first = node.body[0]
        head = self.tok.span(self.def_start(node), self.tok.start(first))
        return digest(f"{head}|{self.tok.node(doc) if doc is not None else ''}".encode())

    def acts(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, header: str, *parts: Any
    ) -> str:
        """What of a definition may act beyond its name: its whole header when a
        decorator may register it, else the calls in its defaults (or bases)."""
        if self.purity.decorator_acts(node.decorator_list):
            return header
        calls = self.purity.acting_calls(*parts)
        return self.tok.node(*calls) if calls else ""

    def call_acts(self, calls: list[ast.Call]) -> str:
        """``Binding.acts`` of an assignment: the digest of its calls not known to be
        pure; marked with where each callee comes from when every one may be a class
        of the project (``constructs``): selection, which sees every file, can tell
        whether they are inert (``inert_classes``)."""
        if not calls:
            return ""
        text = self.tok.node(*calls)
        origins = {self.purity.constructor(c.func) for c in calls}
        if None in origins:
            return text
        return f"{CONSTRUCTS}{','.join(sorted(o for o in origins if o))}|{text}"

    def never_true(self, test: ast.expr) -> bool:
        return self.purity.resolve(test) in _NEVER_TRUE

    def params(self) -> set[str] | None:
        """Where ``names`` puts parameters' own names apart from reads; None: they stay
        reads (the text mentions fixtures, which pytest injects by those names)."""
        return None if self.fixtures else set()

    def names(
        self,
        *nodes: Any,
        callees: set[str] | None = None,
        others: set[str] | None = None,
        params: set[str] | None = None,
    ) -> set[str]:
        """``used_names``, with a namespace listed resolved: ``self``'s and ``cls``'s
        hold what code that ran set; a standard library module imported by name is
        kept by that name; anything else may hold any name."""
        out = used_names(
            *nodes,
            callees=callees,
            others=others,
            params=params,
            builtins_names=self.builtins_names,
        )
        listed = [n for n in out if n.startswith(LISTS)]
        for mark in listed:
            out.discard(mark)
            root = mark[len(LISTS) :]
            if root in _SELF:
                continue
            stdlib = root in STDLIB and self.purity.origins.get(root) == root
            out.add(mark if stdlib and root in self.purity.modules else LISTS)
        return out

    def seen(self, scope: str, names: Iterable[str]) -> str:
        """Which binding of each name a statement reads at import: how many came
        before it, in its scope and (from a class body) the module's. ``VALUE =
        helper()`` before or after a second ``def helper`` binds another value."""
        out = []
        for name in sorted(names):
            here = self.counts.get((scope, name), 0)
            module = self.counts.get(("", name), 0) if scope else 0
            if here or module:
                out.append(f"{name}={here}.{module}")
        return ",".join(out)

    def bound(self, scope: str, names: Iterable[str]) -> None:
        for name in names:
            self.counts[(scope, name)] = self.counts.get((scope, name), 0) + 1

    def bind(self, scope: str, name: str, b: Binding) -> None:
        key = (scope, name)
        seen = self.seen(scope, b.deps) if b.kind != IMPORT and name != "__doc__" else ""
        if seen:
            b = replace(b, digest=digest(f"{b.digest}|{seen}".encode()))
        self.bound(scope, [name])
        old = self.fp.bindings.get(key)
        if old is not None:  # bound twice (try/except imports, X += 1): fold together
            kind = DEF if DEF in (old.kind, b.kind) else b.kind
            b = Binding(
                kind,
                digest(f"{old.digest}{b.digest}".encode()),
                old.deps | b.deps,
                # a def rebound by other code (``f = lru_cache(f)``) is no plain function
                True if old.kind != b.kind else _decorated(old.decorated, b.decorated),
                digest(f"{old.acts}{b.acts}".encode()) if old.acts or b.acts else "",
                digest(f"{old.bases}{b.bases}".encode()) if old.bases or b.bases else "",
                f"{old.source}; {b.source}" if old.source and b.source else "",
                _folded_shape(old.shape, b.shape),
            )
        self.fp.bindings[key] = b

    def block(self, qual: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
        name = qual
        n = 2
        while name in self.fp.blocks:  # a redefinition keeps both blocks apart
            name = f"{qual}#{n}"
            n += 1
        start = min([node.lineno] + [d.lineno for d in node.decorator_list])
        end = node.end_lineno or node.lineno
        dg = self.tok.span(self.def_start(node), self.tok.end(node))
        callees: set[str] = set()
        others: set[str] = set()
        params = self.params()
        reads = self.names(node, callees=callees, others=others, params=params)
        table = self.tables.get((qual, node.lineno))
        marks = {CALLED + n for n in callees}
        if table is not None and not (_BY_TEXT & reads or _BY_TEXT & callees):
            # a name the code binds and reads only as a local of its own functions is
            # no read of a global of that name: a new module-level ``func`` cannot
            # reach ``def func(): ...`` nested in it. The header (decorators, defaults,
            # annotations) runs in the enclosing scope: its names stay (not the
            # parameters' own names).
            header = self.names(node.decorator_list, node.args, node.returns, params=set())
            own = local_only(table) - others - header - _annotation_names(node)
            reads -= own
            marks = {CALLED + n for n in callees - own}
            marks |= {PARAM + n for n in params or () if n not in reads}
        elif params:
            reads |= params  # every name stays a read
        self.fp.blocks[name] = (dg, frozenset(reads | marks))
        self.fp.spans.append((start, end, name))
        # what ran on later in a generator's frame is that run's: its trace holds it
        state = self.state
        calls: set[str] = set()
        if state is not None and not _keeps_state(
            node, state[0], state[1], suspends=False, own=state[2], project=calls, literal=state[3]
        ):
            if calls:
                self.fp.pure_if[name] = frozenset(calls)
            else:
                self.pure.add(name)
            refs = _own_refs(node, state[2])
            if refs:
                self.fp.own_calls[name] = refs
        return name

    def scope(self, body: Sequence[ast.stmt], scope: str) -> None:
        doc = _docstring_node(body)
        for stmt in body:
            self.statement(stmt, scope, doc)

    def statement(self, stmt: ast.stmt, scope: str, doc: ast.stmt | None) -> None:
        held = len(self.fp.held)
        self._statement(stmt, scope, doc)
        if not scope and self.fresh and len(self.fp.held) == held:
            # not a held store: it may change or hand on a container's elements
            # (``f(G)``, ``G2 = G``), which are no longer known to be the module's own
            named = {n.id for n in walk(stmt) if isinstance(n, ast.Name)}
            self.fresh.difference_update({k for k in self.fresh if k[0] in named})

    def _statement(self, stmt: ast.stmt, scope: str, doc: ast.stmt | None) -> None:
        if stmt is doc:
            # a module's or class's doctest examples read these names when they run
            text = getattr(stmt.value, "value", "")  # type: ignore[attr-defined]
            reads = frozenset(doctest_names(text)) if ">>>" in text else frozenset()
            self.bind(scope, "__doc__", Binding(VALUE, self.tok.node(stmt), reads))
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            qual = f"{scope}.{stmt.name}" if scope else stmt.name
            self.block(qual, stmt)
            # its parameters' own names read nothing (``PARAM``)
            deps = self.names(stmt.decorator_list, stmt.args, stmt.returns, params=self.params())
            deps = _mark_strings(deps, stmt.decorator_list, stmt.args, stmt.returns)
            header = self.header(stmt)
            acts = self.acts(stmt, header, stmt.args, stmt.returns)
            decorated = self.purity.decoration(stmt.decorator_list)
            shape = _call_shape(stmt, self.tok)
            self.bind(
                scope,
                stmt.name,
                Binding(DEF, header, frozenset(deps), decorated, acts, shape=shape),
            )
        elif isinstance(stmt, ast.ClassDef):
            qual = f"{scope}.{stmt.name}" if scope else stmt.name
            deps = self.names(stmt.bases, stmt.keywords, stmt.decorator_list)
            header = self.header(stmt)
            acts = self.acts(stmt, header, stmt.bases, stmt.keywords)
            decorated = bool(stmt.decorator_list)
            acting = self.purity.acting_bases(stmt.bases, stmt.keywords)
            bases = self.tok.node(*acting) if acting else ""
            self.bind(
                scope,
                stmt.name,
                Binding(CLASS, header, frozenset(deps), decorated, acts, bases),
            )
            if not (stmt.bases or stmt.keywords or stmt.decorator_list):
                self.plain.add(qual)
            self.scope(stmt.body, qual)
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                bound = alias.asname or alias.name.split(".")[0]
                dg = digest(f"import {alias.name} as {alias.asname}".encode())
                parts = frozenset(alias.name.split("."))
                self.bind(scope, bound, Binding(IMPORT, dg, parts, source=f"import {alias.name}"))
        elif isinstance(stmt, ast.ImportFrom) and all(a.name != "*" for a in stmt.names):
            for alias in stmt.names:
                dg = digest(
                    f"from {'.' * stmt.level}{stmt.module} import {alias.name} as "
                    f"{alias.asname}".encode()
                )
                source = f"from {'.' * stmt.level}{stmt.module or ''}"
                imported = Binding(IMPORT, dg, frozenset({alias.name}), source=source)
                self.bind(scope, alias.asname or alias.name, imported)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and _simple_targets(stmt):
            value = getattr(stmt, "value", None)
            deps = self.names(value, getattr(stmt, "annotation", None))
            if scope and value is not None and _bound_names(stmt) == {"__slots__"}:
                # they declare attributes, they read none (unless code there does)
                code = {getattr(n, "id", None) or getattr(n, "attr", "") for n in walk(value)}
                deps -= _slot_names(value) - code
            if isinstance(stmt, ast.AugAssign):
                deps |= _bound_names(stmt)
            dg = self.tok.node(stmt)
            acts = self.call_acts(self.purity.acting_calls(value))
            qualified = self.purity.qualified_reads(value, getattr(stmt, "annotation", None))
            names = _bound_names(stmt)
            if (
                isinstance(stmt, ast.AnnAssign)
                and value is None
                and (not scope or scope in self.plain)
            ):
                # ``stdout: BytesIOCopy`` in a plain class (or a module) binds no
                # ``stdout``: it adds to ``__annotations__``, which only code that
                # names the class (or ``__annotations__``) reads. In a dataclass it
                # makes a field ``obj.stdout`` (review 35). Data of an older version
                # bound the name: a change there reaches its readers once more.
                names = {"__annotations__"}
            for name in sorted(names):
                key = (scope, name)
                if key in self.fp.bindings:  # bound twice: what it reads is not one read
                    self.fp.qualified.pop(key, None)
                elif qualified:
                    self.fp.qualified[key] = qualified
                self.bind(scope, name, Binding(VALUE, dg, frozenset(deps), acts=acts))
        elif scope == "" and _is_main_guard(stmt):
            return
        elif type(stmt).__name__ == "TypeAlias":  # 3.12 ``type X = ...``
            name_node = getattr(stmt, "name", None)
            if isinstance(name_node, ast.Name):
                reads = frozenset(self.names(getattr(stmt, "value", None)))
                self.bind(scope, name_node.id, Binding(VALUE, self.tok.node(stmt), reads))
        else:
            only = self.binding_only(stmt)
            binds = only if only is not None else _scope_binds(stmt)
            # every name read, and ``CALLED + f`` for those read only to call them
            # (``if WIN: echo(...)``), as in a block's reads
            callees: set[str] = set()
            branch, never = _branches(stmt, self.never_true)
            if branch or never:
                # ``if WIN: def getchar(): ...``: a function of the module (or of a
                # class the statement defines), with a block of its own as any
                # other. At import the statement runs its header (decorators,
                # defaults, annotations), not its body: a body edit reaches the
                # tests that ran the function, as a top-level function's does.
                # What ``if TYPE_CHECKING:`` holds never runs: it reads nothing.
                holes = [
                    (*self._body_span(fn), self.block(f"{scope}.{qual}" if scope else qual, fn))
                    for qual, fn in branch
                ]
                self.fp.branched |= frozenset(label for _, _, label in holes)
                defs = [fn for _, fn in branch]
                uses = self.names(_without(stmt, defs, never), callees=callees)
                for fn in defs:
                    uses |= self.names(
                        fn.decorator_list,
                        fn.args,
                        fn.returns,
                        callees=callees,
                        params=self.params(),
                    )
                holes += [(self.tok.start(n.body[0]), self.tok.end(n.body[-1]), "") for n in never]
                text = self.tok.masked(stmt, sorted(holes))
            else:
                uses = self.names(stmt, callees=callees)
                text = self.tok.node(stmt)
            uses |= callees | {CALLED + n for n in callees}
            seen = self.seen(scope, uses)
            if seen:
                text = digest(f"{text}|{seen}".encode())
            if isinstance(stmt, ast.Delete) and all(isinstance(t, ast.Name) for t in stmt.targets):
                # the effect's own digest: a name deleted was bound before, so ``seen``
                # always counts it (toolz's ``curried/operator.py`` ends ``del curry``)
                self.fp.deletes.add(text)
            self.bound(scope, binds)
            if not scope and only is None and not never and not branch:
                held = held_statement(stmt, self.containers, self.purity, self.fresh, self.touched)
                if held is not None:
                    self.fp.held[text] = held
            self.fp.effects.append(
                Effect(scope, text, frozenset(uses), frozenset(binds), only is not None)
            )

    def _body_span(
        self, fn: ast.FunctionDef | ast.AsyncFunctionDef
    ) -> tuple[tuple[int, int], tuple[int, int]]:
        """Where a function's body is, after its docstring (which ``__doc__`` reads at
        any time); an empty span when the docstring is all of it."""
        doc = _docstring_node(fn.body)
        rest = fn.body[1:] if doc is not None else fn.body
        if not rest:
            end = self.tok.end(fn)
            return (end, end)
        return (self.tok.start(rest[0]), self.tok.end(fn))

    def binding_only(self, stmt: ast.stmt) -> set[str] | None:
        """The names an ``if`` or ``try`` binds in its scope when all it does at
        import is bind them (``if TYPE_CHECKING: from m import X``, ``try: import
        simplejson as json`` / ``except ImportError: import json``, ``if sys.version_info
        >= (3, 13): T = TypeVar(...)``); None when it may do anything else: import a
        module that is not the standard library's (its body runs: a registration, and
        in another order), call something not known to be pure, decorate with what may
        register, create a class (its hooks), change an object in place (``X +=``),
        loop, ``with``, ``raise``, ``del``, star-import, or bind a name that Python or
        pytest looks up by itself (``__getattr__``, ``__all__``, a hook)."""
        names: set[str] = set()
        todo: list[tuple[ast.stmt, bool]] = [(stmt, False)]
        while todo:
            node, dead = todo.pop()  # dead: under ``if TYPE_CHECKING:``, never run
            if isinstance(node, ast.If):
                exprs: list[Any] = [node.test]
                todo += [(b, dead or _type_checking(node.test)) for b in node.body]
                todo += [(b, dead) for b in node.orelse]
            elif isinstance(node, ast.Try):
                exprs = [h.type for h in node.handlers]
                names.update(h.name for h in node.handlers if h.name)
                parts = [*node.body, *node.orelse, *node.finalbody]
                todo += [(b, dead) for b in parts + [b for h in node.handlers for b in h.body]]
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                if isinstance(node, ast.ImportFrom):
                    if any(a.name == "*" for a in node.names):
                        return None
                    # a name of a package may be a submodule: importing it sets an
                    # attribute on the package, which every importer shares
                    plain = not node.level and _plain_stdlib(node.module or "")
                    names.update(a.asname or a.name for a in node.names)
                else:
                    plain = all("." not in a.name and a.name in STDLIB for a in node.names)
                    names.update(a.asname or a.name for a in node.names)
                if not (dead or plain):
                    return None
                continue
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                if not _simple_targets(node):
                    return None
                names |= _bound_names(node)
                exprs = [node.value, getattr(node, "annotation", None)]
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                # its body has a block of its own (``_branch_defs``), but its header
                # runs here, with what a definition's header may do (a decorator
                # that registers, a default that calls): the statement acts
                if not dead:
                    return None
                names.add(node.name)
                exprs = []
            elif isinstance(node, ast.Pass) or (
                isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            ):
                continue
            else:
                return None
            if self.purity.acting_calls(*exprs):
                return None
            for expr in exprs:  # ``if (m := ...)``: a walrus binds in the module
                for sub in walk(expr) if isinstance(expr, ast.AST) else _walk_list(expr or []):
                    if isinstance(sub, ast.NamedExpr) and isinstance(sub.target, ast.Name):
                        names.add(sub.target.id)
        if any(_looked_up(n) for n in names):
            return None
        return names


# names Python or pytest look up in a module's namespace by themselves
# Names pytest itself reads from modules and classes: changing them changes what runs.
PYTEST_NAMES = frozenset(
    {"pytestmark", "pytest_plugins", "collect_ignore", "collect_ignore_glob", "__test__"}
)
_LOOKED_UP = PYTEST_NAMES | {
    "setup_module",
    "teardown_module",
    "setup_function",
    "teardown_function",
    "setUpModule",
    "tearDownModule",
}


def _stdlib_names() -> frozenset[str]:
    """Top-level modules of the standard library: ``sys.stdlib_module_names`` (3.10+), or
    on 3.9 what the interpreter's own library directory holds, so that 3.9 tells
    ``os.environ.setdefault`` from project code as later versions do."""
    names = getattr(sys, "stdlib_module_names", None)
    if names is not None:
        return frozenset(names)
    found = set(sys.builtin_module_names)
    base = sysconfig.get_paths()["stdlib"]
    for folder in (base, os.path.join(base, "lib-dynload")):
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            name = entry.split(".")[0]
            if entry.endswith((".py", ".so", ".pyd")) or (
                "." not in entry and os.path.isfile(os.path.join(folder, entry, "__init__.py"))
            ):
                found.add(name)
    # ``test`` (CPython's own suite) is no module a project imports from the library
    return frozenset(n for n in found if n.isidentifier() and not n.startswith(("test", "_test")))


# Top-level modules of the standard library
STDLIB: frozenset[str] = _stdlib_names()


@functools.cache
def _stdlib_dir(name: str) -> str:
    """The directory of a package of the standard library (``xml``, ``xml.etree``), ""
    for anything else."""
    if name.split(".")[0] not in STDLIB:
        return ""
    folder = os.path.join(sysconfig.get_paths()["stdlib"], *name.split("."))
    return folder if os.path.isfile(os.path.join(folder, "__init__.py")) else ""


@functools.cache
def _stdlib_submodule(package: str, name: str) -> bool:
    folder = _stdlib_dir(package)
    return bool(folder) and (
        os.path.isfile(os.path.join(folder, name + ".py"))
        or os.path.isfile(os.path.join(folder, name, "__init__.py"))
    )


@functools.cache
def _plain_stdlib(name: str) -> bool:
    """A top-level module of the standard library that is no package (``shlex``, not
    ``json``), so a ``from`` import of it imports no submodule."""
    if name not in STDLIB:
        return False
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return False
    return spec is not None and spec.submodule_search_locations is None


def _looked_up(name: str) -> bool:
    return name in _LOOKED_UP or name.startswith(("pytest_", "__"))


def _type_checking(test: ast.expr) -> bool:
    """``if TYPE_CHECKING:`` or ``if typing.TYPE_CHECKING:``: its body never runs."""
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _simple_targets(stmt: ast.Assign | ast.AnnAssign | ast.AugAssign) -> bool:
    """True when every target is a plain name (or a tuple of them): pure binding.
    ``obj.attr = v`` and ``d[k] = v`` mutate another object, so they are effects."""
    targets: list[ast.expr] = list(stmt.targets) if isinstance(stmt, ast.Assign) else [stmt.target]
    todo = list(targets)
    while todo:
        t = todo.pop()
        if isinstance(t, (ast.Tuple, ast.List)):
            todo.extend(t.elts)
        elif isinstance(t, ast.Starred):
            todo.append(t.value)
        elif not isinstance(t, ast.Name):
            return False
    return True


@dataclass
class FileChange:
    """How a file's new fingerprint differs from the one stored."""

    blocks: set[str] = field(default_factory=set)  # blocks changed or removed
    body_only: set[str] = field(default_factory=set)  # of those, changed in body only
    bindings: set[tuple[str, str]] = field(default_factory=set)  # (scope, name)
    effects: bool = False
    module: bool = False
    whole: bool = False  # not comparable block by block: everything counts as changed

    @property
    def any(self) -> bool:
        return bool(self.blocks or self.bindings or self.effects or self.module or self.whole)


def diff(old: Fingerprint | None, new: Fingerprint | None) -> FileChange:
    """Compare two fingerprints (None: the file is missing)."""
    ch = FileChange()
    if old is not None and new is not None and old.content == new.content:
        return ch
    if old is None or new is None or not old.parsed or not new.parsed:
        ch.whole = ch.module = ch.effects = True
        if old is not None:
            ch.blocks = set(old.blocks) | {WHOLE, MODULE}
            ch.bindings = set(old.bindings)
        if new is not None:
            ch.bindings |= set(new.bindings)
        return ch
    for name, (dg, _) in old.blocks.items():
        if new.blocks.get(name, ("",))[0] != dg:
            ch.blocks.add(name)
    for key in set(old.bindings) | set(new.bindings):
        a, b = old.bindings.get(key), new.bindings.get(key)
        if a is None or b is None or a.digest != b.digest or a.kind != b.kind:
            ch.bindings.add(key)
    # a block whose binding (header) is unchanged changed in its body only
    for name in ch.blocks:
        scope, _, short = name.rpartition(".")
        if name in new.blocks and (scope, short.split("#")[0]) not in ch.bindings:
            ch.body_only.add(name)
    ch.effects = sorted(e.digest for e in old.effects) != sorted(e.digest for e in new.effects)
    ch.module = old.module != new.module
    if ch.module:
        ch.blocks.add(MODULE)
    return ch

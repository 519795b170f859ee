"""Property-based tests of fingerprint.py (hypothesis).

Small modules come from a grammar of our own: a few functions with simple bodies
(assignments, returns, ``if``, ``for``, calls to each other, lists, strings, numbers,
binary operators). Each module is rendered as source text either canonically or with
random formatting: comments anywhere a comment may stand, blank and whitespace-only
lines, spacing around operators and inside brackets, indentation width, line splits
inside brackets, a formatter's trailing commas, quote style, one-line ``if`` bodies,
``;``-joined statements, CRLF line ends. Properties:

- reformatting and comment edits never change a fingerprint;
- a single token change inside one function changes that function's block and no
  other (and, when the token is in the body, no binding: it is a body-only change);
- a token change in a function's signature changes that function's block and its
  binding, and no other function's block.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, replace
from typing import Callable, Union

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import digests
from pytest_ripple.fingerprint import MODULE, FileChange, Fingerprint, diff, fingerprint_python

SETTINGS = settings(
    max_examples=50,
    deadline=None,
    database=None,  # no example database to keep between runs
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)

# -- the grammar ----------------------------------------------------------------------


@dataclass(frozen=True)
class Name:
    id: str


@dataclass(frozen=True)
class Num:
    value: int


@dataclass(frozen=True)
class Text:
    value: str


@dataclass(frozen=True)
class BinOp:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class ListOf:
    elts: tuple[Expr, ...]


Expr = Union[Name, Num, Text, BinOp, Call, ListOf]


@dataclass(frozen=True)
class Assign:
    target: str
    value: Expr


@dataclass(frozen=True)
class Return:
    value: Expr


@dataclass(frozen=True)
class If:
    test: Expr
    body: tuple[Simple, ...]


@dataclass(frozen=True)
class For:
    target: str
    iter: Expr
    body: tuple[Simple, ...]


Simple = Union[Assign, Return]
Stmt = Union[Assign, Return, If, For]


@dataclass(frozen=True)
class Param:
    name: str
    default: Expr | None = None


@dataclass(frozen=True)
class Func:
    name: str
    params: tuple[Param, ...]
    body: tuple[Stmt, ...]


@dataclass(frozen=True)
class Module:
    funcs: tuple[Func, ...]


OPS = ["+", "-", "*", "//", "%", "<", ">", "==", "!=", "and", "or"]
LOCALS = ("x", "y", "total", "item")
PARAMS = ["a", "b", "c"]
# Formatting choices come from a plain Random seeded by hypothesis (hypothesis' own
# randoms() draw through the engine on every call, which is slow for this many choices).
FORMATS = st.integers(min_value=0, max_value=2**32 - 1).map(random.Random)
TEXT = st.text(alphabet="abcxyz _-'\"\\", max_size=6)


@functools.cache
def exprs(names: tuple[str, ...], funcs: tuple[str, ...]) -> st.SearchStrategy[Expr]:
    """Expressions over these names, calling these functions (strategies are cached:
    building one per draw is slow)."""
    leaves: st.SearchStrategy[Expr] = st.one_of(
        st.sampled_from(names).map(Name),
        st.integers(min_value=0, max_value=999).map(Num),
        TEXT.map(Text),
    )

    def extend(inner: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
        return st.one_of(
            st.builds(BinOp, st.sampled_from(OPS), inner, inner),
            st.builds(
                Call,
                st.sampled_from(funcs),
                st.lists(inner, max_size=3).map(tuple),
            ),
            st.lists(inner, min_size=1, max_size=3).map(lambda e: ListOf(tuple(e))),
        )

    return st.recursive(leaves, extend, max_leaves=6)


@st.composite
def functions(draw: st.DrawFn, name: str, funcs: tuple[str, ...]) -> Func:
    params = draw(st.lists(st.sampled_from(PARAMS), min_size=1, max_size=3, unique=True))
    n_defaults = draw(st.integers(min_value=0, max_value=1))
    plist = [Param(p) for p in params[: len(params) - n_defaults]]
    plist += [Param(p, draw(exprs(("None",), funcs))) for p in params[len(params) - n_defaults :]]
    ex = exprs(tuple(sorted(params)) + LOCALS, funcs)
    simple: st.SearchStrategy[Simple] = st.builds(Assign, st.sampled_from(LOCALS), ex)
    compound = st.one_of(
        st.builds(If, ex, st.lists(simple, min_size=1, max_size=2).map(tuple)),
        st.builds(
            For,
            st.sampled_from(LOCALS),
            ex,
            st.lists(simple, min_size=1, max_size=2).map(tuple),
        ),
    )
    body = draw(st.lists(st.one_of(simple, simple, compound), max_size=3))
    body.append(Return(draw(ex)))
    return Func(name, tuple(plist), tuple(body))


@st.composite
def modules(draw: st.DrawFn) -> Module:
    n = draw(st.integers(min_value=2, max_value=4))
    names = tuple(f"f{i}" for i in range(n))
    return Module(tuple(draw(functions(name, names)) for name in names))


# -- rendering ------------------------------------------------------------------------


class Render:
    """Source text of a module; with a ``random.Random``, formatted at random (but
    always valid Python with the same tokens)."""

    def __init__(self, rnd: random.Random | None = None) -> None:
        self.rnd = rnd
        self.lines: list[str] = []

    def chance(self, p: float) -> bool:
        return self.rnd is not None and self.rnd.random() < p

    def pick(self, canonical: str, *others: str) -> str:
        if self.rnd is None:
            return canonical
        return self.rnd.choice((canonical, *others))

    def comment(self) -> str:
        assert self.rnd is not None
        words = ["note", "TODO", "x = 1", "def f(): pass", "'quote", '"', "#", "é"]
        return "#" + self.pick("", " ") + " ".join(self.rnd.sample(words, 2))

    def eol(self) -> str:
        """What may follow a logical line: trailing spaces, a comment."""
        if self.rnd is None:
            return ""
        out = " " * self.rnd.randint(1, 3) if self.chance(0.2) else ""
        if self.chance(0.25):
            out += " " * self.rnd.randint(1, 3) + self.comment()
        return out

    def filler(self) -> None:
        """Blank lines, whitespace-only lines, comment lines at any indentation."""
        while self.chance(0.25):
            assert self.rnd is not None
            kind = self.rnd.randrange(3)
            pad = " " * self.rnd.randint(0, 9)
            self.lines.append("" if kind == 0 else pad if kind == 1 else pad + self.comment())

    def indent(self) -> str:
        return " " * (self.rnd.randint(1, 8) if self.rnd is not None else 4)

    def expr(self, e: Expr) -> str:
        if isinstance(e, Name):
            return e.id
        if isinstance(e, Num):
            return str(e.value)
        if isinstance(e, Text):
            quote = self.pick("'", '"')
            return quote + e.value.replace("\\", "\\\\").replace(quote, "\\" + quote) + quote
        if isinstance(e, BinOp):
            word = e.op.isalpha()
            sp = " " if word else self.pick(" ", "", "  ")
            sp2 = " " if word else self.pick(sp, " ", "")
            return f"({self.expr(e.left)}{sp}{e.op}{sp2}{self.expr(e.right)})"
        if isinstance(e, Call):
            return e.func + self.brackets("(", ")", e.args)
        return self.brackets("[", "]", e.elts)

    def brackets(self, open_: str, close: str, items: tuple[Expr, ...]) -> str:
        """Items in brackets, perhaps one per line (a formatter's trailing comma after
        the last, comments after any)."""
        parts = [self.expr(i) for i in items]
        if self.chance(0.3) and parts:
            # one item per line, at any indentation, comments allowed after commas
            assert self.rnd is not None
            pad = " " * self.rnd.randint(0, 12)
            out = open_ + (self.eol() if self.chance(0.3) else "") + "\n"
            for n, part in enumerate(parts):
                last = n == len(parts) - 1
                comma = "," if not last or self.chance(0.5) else ""
                out += pad + part + comma + self.eol() + "\n"
            return out + pad + close
        inside = self.pick(", ", ",", ",  ").join(parts)
        if parts and self.chance(0.2):
            inside += ","
        pad = self.pick("", " ") if parts else ""
        return open_ + pad + inside + pad + close

    # statements
    def simple(self, s: Simple) -> str:
        if isinstance(s, Assign):
            eq = self.pick(" = ", "=", "  =  ")
            return f"{s.target}{eq}{self.expr(s.value)}"
        return f"return {self.expr(s.value)}"

    def block(self, stmts: tuple[Stmt, ...], pad: str) -> None:
        i = 0
        while i < len(stmts):
            s = stmts[i]
            self.filler()
            if isinstance(s, (Assign, Return)):
                line = self.simple(s)
                # `a = 1; b = 2` is `a = 1` NEWLINE `b = 2`
                while isinstance(stmts[i], Assign) and i + 1 < len(stmts) and self.chance(0.2):
                    after = stmts[i + 1]
                    if not isinstance(after, (Assign, Return)):
                        break
                    line += self.pick("; ", ";", " ; ") + self.simple(after)
                    i += 1
                self.lines.append(pad + line + self.eol())
            else:
                head = (
                    f"if {self.expr(s.test)}:"
                    if isinstance(s, If)
                    else f"for {s.target} in {self.expr(s.iter)}:"
                )
                if len(s.body) == 1 and self.chance(0.3):  # `if c: x = 1`
                    self.lines.append(pad + head + self.pick(" ", "  ") + self.simple(s.body[0]))
                else:
                    self.lines.append(pad + head + self.eol())
                    self.block(s.body, pad + self.indent())
            i += 1

    def func(self, f: Func) -> None:
        params = []
        for p in f.params:
            if p.default is None:
                params.append(p.name)
            else:
                params.append(p.name + self.pick("=", " = ") + self.expr(p.default))
        sep = self.pick(", ", ",", ",  ")
        self.lines.append(f"def {f.name}({sep.join(params)}):" + self.eol())
        self.block(f.body, self.indent())

    def module(self, m: Module) -> bytes:
        for f in m.funcs:
            self.filler()
            self.func(f)
            if self.rnd is None:
                self.lines += ["", ""]
        text = "\n".join(self.lines) + "\n"
        if self.chance(0.2):
            text = text.replace("\n", "\r\n")
        return text.encode()


def render(m: Module, rnd: random.Random | None = None) -> bytes:
    src = Render(rnd).module(m)
    compile(src, "<generated>", "exec")  # always valid Python
    return src


# -- single token changes -------------------------------------------------------------


def mutations(e: Expr, funcs: list[str]) -> list[Expr]:
    """Every expression that differs from ``e`` by one token (or one call target)."""
    if isinstance(e, Name):
        return [Name(n) for n in ("a", "b", "zz") if n != e.id]
    if isinstance(e, Num):
        return [Num(e.value + 1)]
    if isinstance(e, Text):
        return [Text(e.value + "q")]
    if isinstance(e, BinOp):
        other = OPS[(OPS.index(e.op) + 1) % len(OPS)]
        out: list[Expr] = [replace(e, op=other)]
        out += [replace(e, left=m) for m in mutations(e.left, funcs)]
        out += [replace(e, right=m) for m in mutations(e.right, funcs)]
        return out
    if isinstance(e, Call):
        out = [replace(e, func=f) for f in [*funcs, "g"] if f != e.func][:1]
        out += [replace(e, args=(*e.args, Num(7)))]
        for i, arg in enumerate(e.args):
            for m in mutations(arg, funcs):
                out.append(replace(e, args=(*e.args[:i], m, *e.args[i + 1 :])))
        return out
    out = [ListOf((*e.elts, Num(7)))]
    for i, elt in enumerate(e.elts):
        for m in mutations(elt, funcs):
            out.append(ListOf((*e.elts[:i], m, *e.elts[i + 1 :])))
    return out


def stmt_mutations(s: Stmt, funcs: list[str]) -> list[Stmt]:
    if isinstance(s, Assign):
        out: list[Stmt] = [replace(s, target=t) for t in LOCALS if t != s.target][:1]
        return out + [replace(s, value=m) for m in mutations(s.value, funcs)]
    if isinstance(s, Return):
        return [Return(m) for m in mutations(s.value, funcs)]
    if isinstance(s, If):
        out = [replace(s, test=m) for m in mutations(s.test, funcs)]
    else:
        out = [replace(s, iter=m) for m in mutations(s.iter, funcs)]
    for i, inner in enumerate(s.body):
        for m in stmt_mutations(inner, funcs):
            out.append(replace(s, body=(*s.body[:i], m, *s.body[i + 1 :])))  # type: ignore[arg-type]
    return out


def body_mutations(f: Func, funcs: list[str]) -> list[Func]:
    out = []
    for i, s in enumerate(f.body):
        for m in stmt_mutations(s, funcs):
            out.append(replace(f, body=(*f.body[:i], m, *f.body[i + 1 :])))
    return out


def header_mutations(f: Func, funcs: list[str]) -> list[Func]:
    out = [replace(f, params=(*f.params, Param("extra", Num(0))))]
    for i, p in enumerate(f.params):
        changed = [replace(p, name=p.name + "2")]
        if p.default is not None:
            changed += [replace(p, default=m) for m in mutations(p.default, funcs)]
        for q in changed:
            out.append(replace(f, params=(*f.params[:i], q, *f.params[i + 1 :])))
    return out


def swap(m: Module, i: int, f: Func) -> Module:
    return Module((*m.funcs[:i], f, *m.funcs[i + 1 :]))


def one_function_edited(
    module: Module, data: st.DataObject, edits: Callable[[Func, list[str]], list[Func]]
) -> tuple[str, FileChange, tuple[str, str]]:
    """Draw a function of ``module`` and one of ``edits`` of it; render the module
    before and after, each in a formatting of its own. The function's name, the change
    between the two fingerprints, and both sources (for a failure's message)."""
    names = [f.name for f in module.funcs]
    i = data.draw(st.integers(min_value=0, max_value=len(names) - 1), label="function")
    changed = data.draw(st.sampled_from(edits(module.funcs[i], names)), label="edit")
    old_src = render(module, data.draw(FORMATS))
    new_src = render(swap(module, i, changed), data.draw(FORMATS))
    ch = diff(fingerprint_python(old_src), fingerprint_python(new_src))
    return names[i], ch, (old_src.decode(), new_src.decode())


# -- properties -----------------------------------------------------------------------


@SETTINGS
@given(modules(), FORMATS, FORMATS)
def test_formatting_and_comments_never_change_a_fingerprint(
    module: Module, rnd1: random.Random, rnd2: random.Random
) -> None:
    canonical = fingerprint_python(render(module))
    one, two = render(module, rnd1), render(module, rnd2)
    fp1, fp2 = fingerprint_python(one), fingerprint_python(two)
    assert digests(fp1) == digests(canonical), one.decode()
    assert digests(fp2) == digests(canonical), two.decode()
    assert not diff(canonical, fp1).any
    assert not diff(fp1, fp2).any
    # and the stored form keeps all of it
    loaded = Fingerprint.loads(fp1.dumps())
    assert loaded is not None
    assert digests(loaded) == digests(fp1)
    assert loaded.spans == fp1.spans


@SETTINGS
@given(modules(), st.data())
def test_a_token_change_in_a_body_changes_that_block_only(
    module: Module, data: st.DataObject
) -> None:
    name, ch, context = one_function_edited(module, data, body_mutations)
    assert ch.blocks == {name}, context
    assert ch.body_only == {name}, context
    assert ch.bindings == set(), context
    assert not ch.effects and not ch.module and not ch.whole, context


@SETTINGS
@given(modules(), st.data())
def test_a_token_change_in_a_signature_changes_that_function_only(
    module: Module, data: st.DataObject
) -> None:
    name, ch, context = one_function_edited(module, data, header_mutations)
    assert ch.blocks - {MODULE} == {name}, context
    assert ch.body_only == set(), context
    assert ch.bindings == {("", name)}, context
    assert not ch.effects and not ch.whole, context

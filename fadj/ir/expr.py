"""Expression nodes of fadj's IR.

Expressions are immutable (frozen dataclasses holding tuples), so they can be
shared between the primal and derivative code, compared and hashed (identical
references are merged when adjoint increments are emitted).

Names are stored lower-case: Fortran is case-insensitive and fadj emits
lower-case code.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator


class Expr:
    """Base class of all expressions."""

    __slots__ = ()

    def children(self) -> tuple["Expr", ...]:
        return ()


@dataclass(frozen=True)
class IntLit(Expr):
    """Integer literal; ``text`` is kept as written (``10``, ``8_ik``)."""

    text: str

    @property
    def value(self) -> int:
        return int(self.text.split("_")[0])


@dataclass(frozen=True)
class RealLit(Expr):
    """Real literal, text kept exactly (``1.0D0``, ``0.5_dp``, ``1e-3``) so the primal is unchanged."""

    text: str


@dataclass(frozen=True)
class LogicalLit(Expr):
    value: bool
    kind: str = ""


@dataclass(frozen=True)
class StrLit(Expr):
    """Character literal, including its quotes."""

    text: str


@dataclass(frozen=True)
class ComplexLit(Expr):
    re: Expr
    im: Expr

    def children(self):
        return (self.re, self.im)


@dataclass(frozen=True)
class Name(Expr):
    """A scalar variable, a whole array, a named constant or a procedure name."""

    name: str


@dataclass(frozen=True)
class Slice(Expr):
    """A section subscript ``lo:hi:step``; absent bounds are None."""

    lo: Expr | None = None
    hi: Expr | None = None
    step: Expr | None = None

    def children(self):
        return tuple(e for e in (self.lo, self.hi, self.step) if e is not None)


@dataclass(frozen=True)
class Index(Expr):
    """An array element or section ``a(i, 2:n)``."""

    name: str
    subs: tuple[Expr, ...]

    def children(self):
        return self.subs

    @property
    def is_section(self) -> bool:
        return any(isinstance(s, Slice) for s in self.subs)


@dataclass(frozen=True)
class Keyword(Expr):
    """A keyword actual argument ``name=value`` (only inside Call args)."""

    key: str
    value: Expr

    def children(self):
        return (self.value,)


@dataclass(frozen=True)
class Call(Expr):
    """A function reference: intrinsic, user function or statement function."""

    name: str
    args: tuple[Expr, ...]

    def children(self):
        return self.args


@dataclass(frozen=True)
class BinOp(Expr):
    """Binary operator; ``op`` is one of + - * / ** // == /= < <= > >= .and. .or. .eqv. .neqv."""

    op: str
    left: Expr
    right: Expr

    def children(self):
        return (self.left, self.right)


@dataclass(frozen=True)
class UnOp(Expr):
    """Unary operator: ``-``, ``+`` or ``.not.``."""

    op: str
    operand: Expr

    def children(self):
        return (self.operand,)


@dataclass(frozen=True)
class Paren(Expr):
    """Parentheses written by the user: kept, since they fix evaluation order."""

    inner: Expr

    def children(self):
        return (self.inner,)


@dataclass(frozen=True)
class ArrayCtor(Expr):
    """Array constructor ``[a, b, c]`` / ``(/ a, b /)``."""

    items: tuple[Expr, ...]

    def children(self):
        return self.items


@dataclass(frozen=True)
class ImpliedDo(Expr):
    """Implied DO inside an array constructor or I/O list: ``(items, var = lo, hi[, step])``."""

    items: tuple[Expr, ...]
    var: str
    lo: Expr
    hi: Expr
    step: Expr | None = None

    def children(self):
        extra = (self.step,) if self.step is not None else ()
        return self.items + (self.lo, self.hi) + extra


@dataclass(frozen=True)
class Component(Expr):
    """A derived-type component reference ``base%comp`` (base is a reference)."""

    base: Expr
    comp: str
    subs: tuple[Expr, ...] = ()

    def children(self):
        return (self.base,) + self.subs


@dataclass(frozen=True)
class RawExpr(Expr):
    """Text fadj keeps verbatim (format specifiers, I/O control lists)."""

    text: str


REF_TYPES = (Name, Index, Component)

ONE = IntLit("1")
ZERO = IntLit("0")


def walk(e: Expr) -> Iterator[Expr]:
    """Pre-order traversal of an expression."""
    yield e
    for c in e.children():
        yield from walk(c)


def base_name(ref: Expr) -> str | None:
    """The variable a reference designates (``a`` for ``a(i)%x``), or None."""
    while isinstance(ref, Component):
        ref = ref.base
    if isinstance(ref, (Name, Index)):
        return ref.name
    return None


def names_in(e: Expr) -> set[str]:
    """Every Name / Index / Call name used in an expression (variables and procedures)."""
    out: set[str] = set()
    for n in walk(e):
        if isinstance(n, (Name, Index)):
            out.add(n.name)
    return out


def strip_parens(e: Expr) -> Expr:
    while isinstance(e, Paren):
        e = e.inner
    return e


def rebuild(e: Expr, kids: list[Expr]) -> Expr:
    """A copy of ``e`` with new children (in ``children()`` order)."""
    t = type(e)
    if t is BinOp:
        return BinOp(e.op, kids[0], kids[1])
    if t is UnOp:
        return UnOp(e.op, kids[0])
    if t is Paren:
        return Paren(kids[0])
    if t is Index:
        return Index(e.name, tuple(kids))
    if t is Keyword:
        return Keyword(e.key, kids[0])
    if t is Call:
        return Call(e.name, tuple(kids))
    if t is Slice:
        it = iter(kids)
        return Slice(next(it) if e.lo is not None else None, next(it) if e.hi is not None else None,
                       next(it) if e.step is not None else None)
    if t is ArrayCtor:
        return ArrayCtor(tuple(kids))
    if t is Component:
        return Component(kids[0], e.comp, tuple(kids[1:]))
    if t is ComplexLit:
        return ComplexLit(kids[0], kids[1])
    if t is ImpliedDo:
        n = len(e.items)
        return ImpliedDo(tuple(kids[:n]), e.var, kids[n], kids[n + 1], kids[n + 2] if e.step is not None else None)
    return e


def transform(e: Expr, fn) -> Expr:
    """Bottom-up rewrite: ``fn`` sees each node with its children already rewritten and
    returns a replacement (or the node itself)."""
    kids = e.children()
    if kids:
        e = rebuild(e, [transform(k, fn) for k in kids])
    return fn(e)

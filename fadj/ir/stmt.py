"""Statement nodes of fadj's IR.

Statements are mutable and compared by identity (``eq=False``), so analyses can
keep their results in side tables keyed by statement.  Every statement knows
where it came from (``loc``) and carries the ``$AD`` directives written right
before it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from fadj.errors import Loc
from fadj.ir.expr import Call, Expr


@dataclass(frozen=True)
class Directive:
    """A parsed ``$AD`` directive: keyword upper-case, integer/str arguments."""

    keyword: str
    args: tuple = ()
    loc: Loc | None = None


@dataclass(eq=False)
class Stmt:
    loc: Loc | None = field(default=None, kw_only=True)
    label: str | None = field(default=None, kw_only=True)
    directives: list[Directive] = field(default_factory=list, kw_only=True)

    def bodies(self) -> list[list["Stmt"]]:
        """Nested statement lists (for walkers)."""
        return []

    def has_directive(self, keyword: str) -> Directive | None:
        for d in self.directives:
            if d.keyword == keyword:
                return d
        return None


@dataclass(eq=False)
class Assign(Stmt):
    lhs: Expr
    rhs: Expr


@dataclass(eq=False)
class CallStmt(Stmt):
    name: str
    args: list[Expr]


@dataclass(eq=False)
class If(Stmt):
    """IF / ELSE IF / ELSE (and a logical IF, which has one branch holding one statement)."""

    branches: list[tuple[Expr, list[Stmt]]]
    else_body: list[Stmt] | None = None
    construct_name: str | None = None
    logical_if: bool = False   # written as a one-line logical IF

    def bodies(self):
        out = [b for _, b in self.branches]
        if self.else_body is not None:
            out.append(self.else_body)
        return out


@dataclass(eq=False)
class Do(Stmt):
    """Counted DO loop ``do var = start, end[, step]``."""

    var: str
    start: Expr
    end: Expr
    step: Expr | None
    body: list[Stmt]
    construct_name: str | None = None

    def bodies(self):
        return [self.body]


@dataclass(eq=False)
class DoWhile(Stmt):
    """``do while (cond)``; cond None is an endless ``do`` left by EXIT."""

    cond: Expr | None
    body: list[Stmt]
    construct_name: str | None = None

    def bodies(self):
        return [self.body]


@dataclass(eq=False)
class SelectCase(Stmt):
    """SELECT CASE; each case is (list of selectors, body); a selector is an Expr or a (lo, hi) range."""

    selector: Expr
    cases: list[tuple[list, list[Stmt]]]
    default: list[Stmt] | None = None
    construct_name: str | None = None

    def bodies(self):
        out = [b for _, b in self.cases]
        if self.default is not None:
            out.append(self.default)
        return out


@dataclass(eq=False)
class Where(Stmt):
    """WHERE (mask) ... ELSEWHERE (mask) ... ELSEWHERE ... END WHERE."""

    branches: list[tuple[Expr, list[Stmt]]]
    else_body: list[Stmt] | None = None

    def bodies(self):
        out = [b for _, b in self.branches]
        if self.else_body is not None:
            out.append(self.else_body)
        return out


@dataclass(eq=False)
class Region(Stmt):
    """A ``$AD CHECKPOINT-START`` ... ``$AD CHECKPOINT-END`` fragment."""

    body: list[Stmt]
    end_loc: Loc | None = None

    def bodies(self):
        return [self.body]


@dataclass(eq=False)
class Return(Stmt):
    pass


@dataclass(eq=False)
class Continue(Stmt):
    pass


@dataclass(eq=False)
class Exit(Stmt):
    construct_name: str | None = None


@dataclass(eq=False)
class Cycle(Stmt):
    construct_name: str | None = None


@dataclass(eq=False)
class Goto(Stmt):
    target: str


@dataclass(eq=False)
class ComputedGoto(Stmt):
    targets: list[str]
    index: Expr


@dataclass(eq=False)
class ArithmeticIf(Stmt):
    expr: Expr
    targets: tuple[str, str, str]


@dataclass(eq=False)
class Stop(Stmt):
    text: str = "stop"


@dataclass(eq=False)
class Allocate(Stmt):
    """ALLOCATE / DEALLOCATE of the listed references (``a(n, m)`` / ``a``)."""

    items: list[Expr]
    deallocate: bool = False
    options: str = ""   # stat=..., kept verbatim


@dataclass(eq=False)
class Raw(Stmt):
    """A statement fadj keeps verbatim in the primal parts (I/O: PRINT, WRITE, READ, OPEN...).

    ``reads`` and ``writes`` are the variables it reads and defines, so that the
    analyses stay sound.
    """

    text: str
    reads: frozenset[str] = frozenset()
    writes: frozenset[str] = frozenset()
    kind: str = "io"


@dataclass(eq=False)
class Comment(Stmt):
    """A comment fadj writes into generated code (``! adjoint of: ...``)."""

    text: str


def walk_stmts(body: list[Stmt]) -> Iterator[Stmt]:
    """Every statement in a body, nested ones included, in source order."""
    for s in body:
        yield s
        for b in s.bodies():
            yield from walk_stmts(b)


def free_if_allocated(v: Expr, loc: Loc | None = None) -> If:
    """``if (allocated(v)) deallocate(v)``: freeing what may not exist (a derivative of an array
    allocated elsewhere, a temporary of an earlier iteration)."""
    return If([(Call("allocated", (v,)), [Allocate([v], deallocate=True, loc=loc)])], logical_if=True, loc=loc)

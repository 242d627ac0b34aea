"""Visiting the expressions held by statements (read them, or rewrite them in place)."""
from __future__ import annotations

import copy
from typing import Callable

from fadj.ir import expr as E
from fadj.ir import stmt as S


def map_exprs(body: list[S.Stmt], fn: Callable[[E.Expr], E.Expr]) -> None:
    """Apply ``fn`` (an Expr -> Expr rewrite) to every expression of every statement, in place."""
    for st in S.walk_stmts(body):
        _map_stmt(st, fn)


def map_stmt_exprs(st: S.Stmt, fn: Callable[[E.Expr], E.Expr]) -> None:
    """Apply ``fn`` to the expressions of ``st`` itself (not of the statements nested in it)."""
    _map_stmt(st, fn)


def _map_stmt(st: S.Stmt, fn) -> None:
    if isinstance(st, S.Assign):
        st.lhs, st.rhs = fn(st.lhs), fn(st.rhs)
    elif isinstance(st, S.CallStmt):
        st.args = [fn(a) for a in st.args]
    elif isinstance(st, (S.If, S.Where)):
        st.branches = [(fn(c), b) for c, b in st.branches]
    elif isinstance(st, S.Do):
        st.start, st.end = fn(st.start), fn(st.end)
        if st.step is not None:
            st.step = fn(st.step)
    elif isinstance(st, S.DoWhile):
        if st.cond is not None:
            st.cond = fn(st.cond)
    elif isinstance(st, S.SelectCase):
        st.selector = fn(st.selector)
        st.cases = [([(fn(x[0]) if x[0] is not None else None, fn(x[1]) if x[1] is not None else None)
                      if isinstance(x, tuple) else fn(x) for x in sels], b) for sels, b in st.cases]
    elif isinstance(st, S.ComputedGoto):
        st.index = fn(st.index)
    elif isinstance(st, S.ArithmeticIf):
        st.expr = fn(st.expr)
    elif isinstance(st, S.Allocate):
        st.items = [fn(i) for i in st.items]


def with_bodies(st: S.Stmt, fn: Callable[[list[S.Stmt]], list[S.Stmt]]) -> S.Stmt:
    """A shallow copy of ``st`` whose nested statement lists are ``fn`` of the originals (for
    rewrites that must not touch lists shared with other routines)."""
    new = copy.copy(st)
    if isinstance(st, (S.If, S.Where)):
        new.branches = [(c, fn(b)) for c, b in st.branches]
        new.else_body = fn(st.else_body) if st.else_body is not None else None
    elif isinstance(st, S.SelectCase):
        new.cases = [(sel, fn(b)) for sel, b in st.cases]
        new.default = fn(st.default) if st.default is not None else None
    elif isinstance(st, (S.Do, S.DoWhile, S.Region)):
        new.body = fn(st.body)
    return new

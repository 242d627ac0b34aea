"""Normalising pass: user function calls and expression arguments get their own statement.

After this pass every real-valued user function reference stands alone as
``tmp = f(args)`` and every real actual argument of a CALL or of such a
function reference is a plain reference (``x``, ``a(i)``, ``a(:, j)``), so the
differentiation engines only ever see call sites of one shape:

    y = 2*f(x + 1)   ->   arg1 = x + 1
                          fres1 = f(arg1)
                          y = 2*fres1

Conditions of ELSE IF and DO WHILE are re-evaluated where Fortran evaluates
them (inside the ELSE, at each iteration), never hoisted past a branch.
"""
from __future__ import annotations

import dataclasses
import re

from fadj.ir import expr as E
from fadj.ir import stmt as S
from fadj.ir.program import Program, Routine
from fadj.ir.symbols import Dim, Symbol
from fadj.ir.typing import Typer


class _Hoister:
    def __init__(self, prog: Program, r: Routine, is_user_function, typer: Typer):
        self.prog = prog
        self.r = r
        self.is_user_function = is_user_function
        self.typer = typer
        self.counter = 0
        self.made: set[str] = set()     # the temporaries this pass declared

    def fresh(self, base: str, like: E.Expr) -> str:
        t = _visible_type(self.typer.type_of(like), self.r.scope)
        rank = self.typer.rank_of(like)
        while True:
            self.counter += 1
            name = f"{base}{self.counter}"
            if self.r.scope.lookup(name) is None:
                break
        self.made.add(name)
        dims = tuple(Dim(None, None, "deferred") for _ in range(rank)) if rank else None
        self.r.scope.add(Symbol(name, type=t, dims=dims, allocatable=bool(rank), loc=self.r.loc))
        return name

    # -- expressions ---------------------------------------------------------
    def expr(self, e: E.Expr, out: list[S.Stmt], loc) -> E.Expr:
        """Rewrite ``e``, appending hoisted statements to ``out``."""
        if isinstance(e, E.Call):
            args = tuple(self.expr(a, out, loc) for a in e.args)
            call = E.Call(e.name, args)
            if self.is_user_function(e.name) and (self._real(call) or self._derived(call)):
                call = E.Call(e.name, tuple(self.actual(a, out, loc) for a in args))
                name = self.fresh("fres", call)
                out.append(S.Assign(E.Name(name), call, loc=loc))
                return E.Name(name)
            return call
        if isinstance(e, E.ArrayCtor) and self._real(e) and any(isinstance(n, E.REF_TYPES) for n in E.walk(e)) \
                and any(isinstance(i, E.ImpliedDo) or self.typer.rank_of(i) > 0 for i in e.items):
            # implied DOs or array items: an allocatable temporary, filled element by element by
            # passes/lower_constructors
            ctor = E.ArrayCtor(tuple(self.expr(i, out, loc) if not isinstance(i, E.ImpliedDo) else i for i in e.items))
            name = self.fresh("actor", E.Call("reshape", (ctor, E.ArrayCtor((E.IntLit("1"),)))))
            out.append(S.Assign(E.Name(name), ctor, loc=loc))
            return E.Name(name)
        if isinstance(e, E.ArrayCtor) and self._real(e) and not any(isinstance(i, E.ImpliedDo) for i in e.items) \
                and any(isinstance(n, E.REF_TYPES) for n in E.walk(e)):
            # an array constructor of variables inside an expression gets its own statement
            ctor = E.ArrayCtor(tuple(self.expr(i, out, loc) for i in e.items))
            name = self.fresh_array("actor", ctor, len(e.items))
            out.append(S.Assign(E.Name(name), ctor, loc=loc))
            return E.Name(name)
        if isinstance(e, E.Paren):
            inner = self.expr(e.inner, out, loc)
            if isinstance(inner, E.Name) and inner.name in self.made:
                return inner            # (f(x)) is the temporary itself: a variable, as an actual too
            return E.Paren(inner)
        kids = e.children()
        if not kids:
            return e
        return E.rebuild(e, [self.expr(k, out, loc) for k in kids])

    def fresh_array(self, base: str, like: E.Expr, size: int) -> str:
        t = _visible_type(self.typer.type_of(like), self.r.scope)
        while True:
            self.counter += 1
            name = f"{base}{self.counter}"
            if self.r.scope.lookup(name) is None:
                break
        self.made.add(name)
        self.r.scope.add(Symbol(name, type=t, dims=(Dim(None, E.IntLit(str(size))),), loc=self.r.loc))
        return name

    def actual(self, a: E.Expr, out: list[S.Stmt], loc) -> E.Expr:
        """An actual argument: real expressions that are not references become temporaries."""
        if isinstance(a, E.Keyword):
            return E.Keyword(a.key, self.actual(a.value, out, loc))
        if isinstance(a, E.REF_TYPES) or not self._real(a):
            return a
        if isinstance(a, (E.IntLit, E.RealLit)):
            return a
        name = self.fresh("arg", a)          # an array expression gets an allocatable temporary
        out.append(S.Assign(E.Name(name), a, loc=loc))
        return E.Name(name)

    def _real(self, e: E.Expr) -> bool:
        t = self.typer.type_of(e)
        return t is not None and t.base == "real"

    def _derived(self, e: E.Expr) -> bool:
        """A derived-type value (an overloaded operator's result, ``a + b`` on vectors)."""
        t = self.typer.type_of(e)
        return t is not None and t.base == "type"

    # -- statements ------------------------------------------------------------
    def body(self, stmts: list[S.Stmt]) -> list[S.Stmt]:
        out: list[S.Stmt] = []
        for st in stmts:
            self.stmt(st, out)
        return out

    def stmt(self, st: S.Stmt, out: list[S.Stmt]) -> None:
        loc = st.loc
        if isinstance(st, S.Assign):
            pre: list[S.Stmt] = []
            lhs = self._subscripts(st.lhs, pre, loc)
            if isinstance(st.rhs, E.Call) and self.is_user_function(st.rhs.name):
                args = tuple(self.expr(a, pre, loc) for a in st.rhs.args)
                rhs = E.Call(st.rhs.name, tuple(self.actual(a, pre, loc) for a in args))
            else:
                rhs = self.expr(st.rhs, pre, loc)
            st.lhs, st.rhs = lhs, rhs
            self._emit(pre, st, out)
        elif isinstance(st, S.CallStmt):
            pre = []
            args = [self.expr(a, pre, loc) for a in st.args]
            st.args = [self.actual(a, pre, loc) for a in args]
            self._emit(pre, st, out)
        elif isinstance(st, S.If):
            self._if(st, out)
        elif isinstance(st, S.Do):
            pre = []
            st.start = self.expr(st.start, pre, loc)
            st.end = self.expr(st.end, pre, loc)
            if st.step is not None:
                st.step = self.expr(st.step, pre, loc)
            st.body = self.body(st.body)
            self._emit(pre, st, out)
        elif isinstance(st, S.DoWhile):
            st.body = self.body(st.body)
            if st.cond is not None:
                pre = []
                cond = self.expr(st.cond, pre, loc)
                if pre:
                    # do while (c(f(x)))  ->  do; t = f(x); if (.not. c(t)) exit; body; end do
                    test = S.If([(E.UnOp(".not.", E.Paren(cond)), [S.Exit(st.construct_name, loc=loc)])],
                                logical_if=True, loc=loc)
                    st.body = pre + [test] + st.body
                    st.cond = None
            out.append(st)
        elif isinstance(st, S.SelectCase):
            pre = []
            st.selector = self.expr(st.selector, pre, loc)
            st.cases = [(sel, self.body(b)) for sel, b in st.cases]
            if st.default is not None:
                st.default = self.body(st.default)
            self._emit(pre, st, out)
        elif isinstance(st, S.Region):
            st.body = self.body(st.body)
            out.append(st)
        elif isinstance(st, S.Where):
            st.branches = [(m, self.body(b)) for m, b in st.branches]
            if st.else_body is not None:
                st.else_body = self.body(st.else_body)
            out.append(st)
        else:
            out.append(st)

    def _if(self, st: S.If, out: list[S.Stmt], first: tuple | None = None) -> None:
        """``first``: the first condition already rewritten, with its hoisted statements."""
        if first is None:
            pre: list[S.Stmt] = []
            c0 = self.expr(st.branches[0][0], pre, st.loc)
        else:
            c0, pre = first
        new = [(c0, self.body(st.branches[0][1]))]
        rest = st.branches[1:]
        for i, (cond, body) in enumerate(rest):
            pc: list[S.Stmt] = []
            c = self.expr(cond, pc, st.loc)
            if pc:
                # ELSE IF (f(x) > 0)  ->  ELSE; t = f(x); IF (t > 0) ...: evaluated only when reached
                inner = S.If([(c, body)] + rest[i + 1:], st.else_body, loc=st.loc)
                inner_out: list[S.Stmt] = []
                self._if(inner, inner_out, first=(c, pc))
                st.branches = new
                st.else_body = inner_out
                self._emit(pre, st, out)
                return
            new.append((c, self.body(body)))
        st.branches = new
        if st.else_body is not None:
            st.else_body = self.body(st.else_body)
        self._emit(pre, st, out)

    def _subscripts(self, ref: E.Expr, pre, loc) -> E.Expr:
        if isinstance(ref, E.Index):
            return E.Index(ref.name, tuple(self.expr(s, pre, loc) for s in ref.subs))
        return ref

    @staticmethod
    def _emit(pre: list[S.Stmt], st: S.Stmt, out: list[S.Stmt]) -> None:
        if pre and (st.label is not None):
            # keep the label on the first statement of the group (a GOTO target)
            pre[0].label, st.label = st.label, None
        out.extend(pre)
        out.append(st)


def hoist_calls(prog: Program, r: Routine, is_user_function, typer: Typer) -> None:
    h = _Hoister(prog, r, is_user_function, typer)
    r.body = h.body(r.body)


def _visible_type(t, scope):
    """``t`` as this scope can declare it: a kind written with a name this scope cannot see (a
    function result's ``real(dp)`` where ``dp`` is private to the function's module) becomes the
    number it stands for."""
    if t is None or not t.kind_text or t.base not in ("real", "integer", "complex", "logical"):
        return t
    names = re.findall(r"[a-z_][a-z_0-9]*", t.kind_text.lower())
    if all(n == "kind" or scope.lookup(n) is not None for n in names):
        return t
    return dataclasses.replace(t, kind_text=str(t.kind), double=False)

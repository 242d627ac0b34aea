"""Normalising pass: array constructors with implied DOs or array items become loops.

``y = [(x(i)**2, i = 1, n)]`` and ``z = [y, sin(x)]`` assign elements one after another;
written out as such (a counter over the elements of the target), every element is an
ordinary assignment the engines differentiate:

    fadj_k1 = lbound(y, 1) - 1
    do fadj_i1 = 1, n                       ! the implied-DO variable is the constructor's own
      fadj_k1 = fadj_k1 + 1
      y(fadj_k1) = x(fadj_i1)**2
    end do

An array item goes in as a section (``z(k+1:k+size(y)) = y``).  An allocatable target is
(re)allocated first with the number of elements, counted by the same loops.  Only
constructors with references to variables are rewritten (constants stay as written), and only
where the target is a whole rank-1 array; others are left to the engines, which name them.
"""
from __future__ import annotations

from fadj.ad import build as B
from fadj.ir import expr as E
from fadj.ir import stmt as S
from fadj.ir.program import Routine
from fadj.ir.symbols import INTEGER, Symbol


def _needs(ctor: E.ArrayCtor, typer) -> bool:
    has_ref = any(isinstance(n, E.REF_TYPES) for n in E.walk(ctor))
    nested = any(isinstance(i, E.ImpliedDo) or typer.rank_of(i) > 0 for i in ctor.items)
    return has_ref and nested


class _Lowerer:
    def __init__(self, r: Routine, typer):
        self.r = r
        self.typer = typer
        self.count = 0

    def fresh(self, base: str) -> str:
        while True:
            self.count += 1
            name = f"fadj_{base}{self.count}"
            if self.r.scope.lookup(name) is None:
                self.r.scope.add(Symbol(name, type=INTEGER, loc=self.r.loc))
                return name

    def body(self, stmts: list[S.Stmt]) -> list[S.Stmt]:
        out: list[S.Stmt] = []
        for st in stmts:
            for b in st.bodies():
                b[:] = self.body(b)
            if isinstance(st, S.Assign) and isinstance(st.rhs, E.ArrayCtor) and isinstance(st.lhs, E.Name) \
                    and self.typer.rank_of(st.lhs) == 1 and _needs(st.rhs, self.typer):
                out += self.lower(st)
            else:
                out.append(st)
        return out

    def lower(self, st: S.Assign) -> list[S.Stmt]:
        v = st.lhs
        sym = self.r.scope.lookup(v.name)
        k = E.Name(self.fresh("k"))
        out: list[S.Stmt] = []
        if sym is not None and sym.allocatable:
            n = E.Name(self.fresh("n"))
            out += [S.Assign(n, B.ZERO, loc=st.loc)] + self.items(st.rhs.items, None, n, {}, st.loc)
            size_differs = E.BinOp(".or.", E.UnOp(".not.", E.Call("allocated", (v,))),
                                   E.BinOp("/=", E.Call("size", (v,)), n))
            out.append(S.If([(size_differs, [
                S.free_if_allocated(v),
                S.Allocate([E.Index(v.name, (n,))])])], None, loc=st.loc))
        out.append(S.Assign(k, B.sub(E.Call("lbound", (v, E.IntLit("1"))), B.ONE), loc=st.loc))
        body = self.items(st.rhs.items, v, k, {}, st.loc)
        if body:
            body[0].label = st.label
        else:
            out[0].label = st.label
        return out + body

    def items(self, items, v, k, subst: dict, loc) -> list[S.Stmt]:
        """Statements assigning ``items`` to ``v`` from position ``k`` on (only counting them
        into ``k`` when ``v`` is None)."""
        out: list[S.Stmt] = []
        for it in items:
            if isinstance(it, E.ImpliedDo):
                var = E.Name(self.fresh("i"))
                inner = dict(subst, **{it.var: var})
                lo, hi = _subst(it.lo, subst), _subst(it.hi, subst)
                step = _subst(it.step, subst) if it.step is not None else None
                out.append(S.Do(var.name, lo, hi, step, self.items(it.items, v, k, inner, loc), loc=loc))
                continue
            e = _subst(it, subst)
            rank = self.typer.rank_of(e)
            if rank == 0:
                out.append(S.Assign(k, B.add(k, B.ONE), loc=loc))
                if v is not None:
                    out.append(S.Assign(E.Index(v.name, (k,)), e, loc=loc))
                continue
            size = E.Call("size", (e,))
            if v is not None:
                value = e if rank == 1 else E.Call("reshape", (e, E.ArrayCtor((size,))))
                out.append(S.Assign(E.Index(v.name, (E.Slice(B.add(k, B.ONE), B.add(k, size)),)), value, loc=loc))
            out.append(S.Assign(k, B.add(k, size), loc=loc))
        return out


def _subst(e: E.Expr, subst: dict) -> E.Expr:
    if not subst:
        return e
    return E.transform(e, lambda n: subst.get(n.name, n) if isinstance(n, E.Name) else n)


def lower_constructors(r: Routine, typer) -> None:
    r.body = _Lowerer(r, typer).body(r.body)

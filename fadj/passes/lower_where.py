"""Normalising pass: every WHERE becomes single-assignment WHEREs on saved masks.

    where (a > 0)                 ad_mask1 = a > 0
      a = sqrt(a)                 where (ad_mask1) a = sqrt(a)
      b = a*b            ->       where (ad_mask1) b = a*b
    elsewhere                     where (.not. ad_mask1) b = 0
      b = 0
    end where

Fortran evaluates a WHERE's mask once, before the assignments; saving it in a
logical array keeps that meaning and lets each assignment be differentiated
(and its overwritten values saved) on its own, like any array assignment.
"""
from __future__ import annotations

from fadj.ir import expr as E
from fadj.ir import stmt as S
from fadj.ir.program import Routine
from fadj.ir.symbols import LOGICAL, Dim, Symbol
from fadj.ir.typing import Typer


class _Lower:
    def __init__(self, r: Routine, typer: Typer):
        self.r = r
        self.typer = typer
        self.counter = 0

    def mask_var(self, rank: int) -> str:
        while True:
            self.counter += 1
            name = f"ad_mask{self.counter}"
            if self.r.scope.lookup(name) is None:
                break
        self.r.scope.add(Symbol(name, type=LOGICAL, dims=tuple(Dim(None, None, "deferred") for _ in range(rank)),
                                allocatable=True, loc=self.r.loc))
        return name

    def body(self, stmts: list[S.Stmt]) -> list[S.Stmt]:
        out: list[S.Stmt] = []
        for st in stmts:
            if isinstance(st, S.Where):
                out += self.where(st)
                continue
            for attr in ("branches", "cases"):
                if hasattr(st, attr):
                    setattr(st, attr, [(c, self.body(b)) for c, b in getattr(st, attr)])
            for attr in ("else_body", "default"):
                if getattr(st, attr, None) is not None:
                    setattr(st, attr, self.body(getattr(st, attr)))
            if isinstance(st, (S.Do, S.DoWhile, S.Region)):
                st.body = self.body(st.body)
            out.append(st)
        return out

    def where(self, st: S.Where) -> list[S.Stmt]:
        out: list[S.Stmt] = []
        prev: E.Expr | None = None          # "not any earlier mask"
        rank = max(self.typer.rank_of(st.branches[0][0]), 1)
        branches = list(st.branches) + ([(None, st.else_body)] if st.else_body is not None else [])
        for mask, body in branches:
            if mask is None:
                cond = prev
            else:
                m = E.Name(self.mask_var(rank))
                out.append(S.Assign(m, mask if prev is None else E.BinOp(".and.", prev, E.Paren(mask)), loc=st.loc))
                cond = m
                prev = E.UnOp(".not.", m) if prev is None else E.BinOp(".and.", prev, E.UnOp(".not.", m))
            for inner in body:
                if isinstance(inner, S.Where):
                    raise_nested(inner)
                out.append(S.Where([(cond, [inner])], None, loc=inner.loc or st.loc))
        if out and st.label:
            out[0].label = st.label
        return out


def raise_nested(st):
    from fadj.errors import UnsupportedError
    raise UnsupportedError(st.loc, "nested WHERE constructs are not supported yet")


def lower_where(r: Routine, typer: Typer) -> None:
    if any(isinstance(s, S.Where) for s in S.walk_stmts(r.body)):
        r.body = _Lower(r, typer).body(r.body)

"""Saving and restoring whole allocatable arrays with their allocation status and bounds.

A whole allocatable array may be unallocated when the engine saves it (fadj's own temporaries
and WHERE masks on the first trip of a loop, an array that a checkpointed call allocates) or
allocated with other bounds when it is restored (a DEALLOCATE in a split half).  So each
``call fadj_push(a)`` / ``fadj_pop(a)`` / ``fadj_look(a)`` of one becomes, in the finished
routine:

    push:  if (allocated(a)) then            pop/look:  call fadj_pop(ad_on)
             call fadj_push(a)                           if (ad_on) then
             call fadj_push(lbound(a))                     call fadj_pop(ad_ub); call fadj_pop(ad_lb)
             call fadj_push(ubound(a))                     (re)allocate a(ad_lb(1):ad_ub(1), ...)
           end if                                          call fadj_pop(a)
           call fadj_push(allocated(a))                  else if (allocated(a)) then
                                                           deallocate(a)
                                                         end if

so that an array unallocated when saved is unallocated again when restored.  The rewrite builds
new statement lists (bodies may be shared between the versions of one routine).
"""
from __future__ import annotations

import copy

from fadj.ir import expr as E
from fadj.ir import stmt as S
from fadj.ir.visit import with_bodies
from fadj.ir.symbols import Dim, Symbol, TypeSpec

_OPS = ("fadj_push", "fadj_pop", "fadj_look")


class AllocSaver:
    """Rewrites the stack operations of one routine; ``fresh(base)`` gives unused names."""

    def __init__(self, is_allocatable, fresh, scalar_dummy_type=lambda name: None):
        self.is_allocatable = is_allocatable      # reference -> rank (0: not a whole allocatable array)
        self.scalar_dummy_type = scalar_dummy_type    # name -> TypeSpec of a scalar dummy argument, or None
        self.fresh = fresh
        self.symbols: list[Symbol] = []           # temporaries to declare
        self._on: str | None = None
        self._bounds: dict[int, tuple[str, str]] = {}

    def body(self, stmts: list[S.Stmt]) -> list[S.Stmt]:
        out: list[S.Stmt] = []
        for st in stmts:
            rank = self._target(st)
            dummy = self.scalar_dummy(st) if not rank else None
            if rank:
                out += self._expand(st, rank)
            elif dummy is not None:
                out += self._guarded(st, dummy)
            elif st.bodies():
                out.append(with_bodies(st, self.body))
            else:
                out.append(st)
        return out

    def _target(self, st: S.Stmt) -> int:
        if isinstance(st, S.CallStmt) and st.name in _OPS and len(st.args) == 1 and \
                (isinstance(st.args[0], E.Name) or (isinstance(st.args[0], E.Component) and not st.args[0].subs)):
            return self.is_allocatable(st.args[0])
        return 0

    def scalar_dummy(self, st: S.Stmt):
        if isinstance(st, S.CallStmt) and st.name in ("fadj_pop", "fadj_look") and len(st.args) == 1 \
                and isinstance(st.args[0], E.Name):
            return self.scalar_dummy_type(st.args[0].name)
        return None

    def _guarded(self, st: S.CallStmt, t) -> list[S.Stmt]:
        """A scalar dummy argument is restored only where its value changed: the caller may have
        passed a constant (``call rkf45(..., 1d-9, ...)``), which a store would fault on."""
        x = st.args[0]
        tmp = self.fresh(f"ad_was_{x.name}")
        self.symbols.append(Symbol(tmp, type=t))
        first = S.CallStmt(st.name, [E.Name(tmp)], loc=st.loc, label=st.label)
        differs = E.BinOp(".neqv." if t.base == "logical" else "/=", E.Name(tmp), x)
        return [first, S.If([(differs, [S.Assign(x, E.Name(tmp))])], None, logical_if=True)]

    # -- temporaries -------------------------------------------------------------
    def _on_flag(self) -> E.Name:
        if self._on is None:
            self._on = self.fresh("ad_on")
            self.symbols.append(Symbol(self._on, type=TypeSpec("logical", 4)))
        return E.Name(self._on)

    def _bound_vars(self, rank: int) -> tuple[E.Name, E.Name]:
        if rank not in self._bounds:
            lo, hi = self.fresh(f"ad_lbounds{rank}"), self.fresh(f"ad_ubounds{rank}")
            for n in (lo, hi):
                self.symbols.append(Symbol(n, type=TypeSpec("integer", 4), dims=(Dim(None, E.IntLit(str(rank))),)))
            self._bounds[rank] = (lo, hi)
        lo, hi = self._bounds[rank]
        return E.Name(lo), E.Name(hi)

    # -- the rewrite -------------------------------------------------------------
    def _expand(self, st: S.CallStmt, rank: int) -> list[S.Stmt]:
        a = st.args[0]
        label = st.label
        st = copy.copy(st)
        st.label = None
        allocated = E.Call("allocated", (a,))
        call = lambda name, x: S.CallStmt(name, [x])      # noqa: E731
        if st.name == "fadj_push":
            return [S.If([(allocated, [st, call("fadj_push", E.Call("lbound", (a,))),
                                       call("fadj_push", E.Call("ubound", (a,)))])], None, loc=st.loc, label=label),
                    call("fadj_push", allocated)]
        op = st.name
        on = self._on_flag()
        lo, hi = self._bound_vars(rank)
        shape = tuple(E.Slice(E.Index(lo.name, (E.IntLit(str(k)),)), E.Index(hi.name, (E.IntLit(str(k)),)))
                      for k in range(1, rank + 1))
        target = E.Component(a.base, a.comp, shape) if isinstance(a, E.Component) else E.Index(a.name, shape)
        other = E.BinOp(".or.", E.Call("any", (E.BinOp("/=", E.Call("lbound", (a,)), lo),)),
                        E.Call("any", (E.BinOp("/=", E.Call("ubound", (a,)), hi),)))
        free = S.Allocate([a], deallocate=True)
        restore = [call(op, hi), call(op, lo),
                   S.If([(allocated, [S.If([(other, [free])], None, logical_if=True)])], None),
                   S.If([(E.UnOp(".not.", allocated), [S.Allocate([target])])], None,
                        logical_if=True),
                   st]
        first = call(op, on)
        first.label = label
        return [first, S.If([(on, restore)], [S.If([(allocated, [free])], None, logical_if=True)], loc=st.loc)]

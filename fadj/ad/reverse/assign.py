"""Reverse mode of assignments: adjoint statements from the rule table, WHERE, constructors,
ALLOCATE/DEALLOCATE."""
from __future__ import annotations


from fadj.ad import build as B
from fadj.ad.cse import eliminate
from fadj.analysis.effects import ref_names, subscript_names, var_id
from fadj.errors import UnsupportedError
from fadj.ir import expr as E
from fadj.ir import stmt as S
from fadj.ir.symbols import TypeSpec
from fadj.rules.partials import SEED, Partials, apply_partial, has_seed, real_kind_of


from fadj.ad.reverse.stack import _short, pop, push


class AssignMixin:
    """Methods of :class:`fadj.ad.reverse.engine.Reverser` (split by concern)."""

    def r_Assign(self, st: S.Assign, sw):
        site = self.cg.site_of.get(st)
        if site is not None:
            return self.call_site(st, site, sw)
        fwd: list[S.Stmt] = []
        bwd: list[S.Stmt] = []
        lhs_id = var_id(self.r, E.base_name(st.lhs))
        if lhs_id in self.pushed(st, sw):
            fwd.append(push(st.lhs))
            bwd.append(pop(st.lhs))
            self.restored.add(lhs_id)
        fwd.append(st)
        if self.active_ref(st.lhs):
            if isinstance(E.strip_parens(st.rhs), E.ArrayCtor):
                bwd += self.adjoint_ctor(st)
            else:
                bwd += self.adjoint_assign(st)
        return fwd, bwd

    def r_Where(self, st: S.Where, sw):
        """A single masked assignment (after lower_where): masked adjoint statements."""
        if len(st.branches) != 1 or st.else_body is not None or len(st.branches[0][1]) != 1 \
                or not isinstance(st.branches[0][1][0], S.Assign):
            raise UnsupportedError(st.loc, "this WHERE form is not supported in reverse mode")
        mask, (asg,) = st.branches[0]
        fwd: list[S.Stmt] = []
        bwd: list[S.Stmt] = []
        lhs_id = var_id(self.r, E.base_name(asg.lhs))
        if lhs_id in self.pushed(st, sw):
            fwd.append(push(asg.lhs))
            bwd.append(pop(asg.lhs))
            self.restored.add(lhs_id)
        fwd.append(st)
        if self.active_ref(asg.lhs):
            bwd += self.adjoint_assign(asg, mask)
        return fwd, bwd

    def _assign_uses(self, st: S.Assign) -> set[str]:
        names: set[str] = set(subscript_names(st.lhs))
        for ref, p in self.partials(st):
            names |= ref_names(p) - {SEED}
            names |= subscript_names(ref)
        return names

    def adjoint_ctor(self, st: S.Assign) -> list[S.Stmt]:
        """``v = [e1, e2, ...]`` (scalar items): item k receives the adjoint of element k."""
        lhs = st.lhs
        vb = self.ds.dref(lhs)
        kind = real_kind_of(lhs, self.typer)
        out: list[S.Stmt] = [S.Comment(f"adjoint of line {st.loc.line}: {_short(st)}", loc=st.loc)] if st.loc else []
        items = E.strip_parens(st.rhs).items
        t = self.lhs_type(lhs)
        tmp = E.Name(self.ds.temp("tempb_a", t, 1))
        out += [S.Assign(tmp, vb), S.Assign(vb, E.RealLit(f"0.0_{kind}"))]
        for k, item in enumerate(items, start=1):
            if isinstance(item, E.ImpliedDo) or self.typer.rank_of(item) > 0:
                raise UnsupportedError(st.loc, "array constructors with array or implied-DO items on active data "
                                               "are not supported yet")
            seed = E.Index(tmp.name, (E.IntLit(str(k)),))
            for r_, p in Partials(self.active_ref, self.typer, st.loc).of(item):
                out.append(self.increment(r_, p, seed, 0))
        return out

    def adjoint_assign(self, st: S.Assign, mask: E.Expr | None = None) -> list[S.Stmt]:
        """Adjoint of ``v = e``:  for each active r in e: rb += de/dr * vb;  vb = 0.

        With a WHERE mask, array statements are masked and scalar increments sum over the mask.

        Allocatable components (``self%data = f%data``): an adjoint component that is not
        allocated is zero.  So the adjoint statements run only where ``vb``'s exists, and an
        increment into one that does not exist yet allocates it first, like its primal."""
        out = self._adjoint_assign(st, mask)
        comps = [r_ for r_, _ in self.partials(st) if self._alloc_component(r_)]
        if not comps and not self._alloc_component(st.lhs):
            return out
        primal_of = {self.ds.dref(r_): r_ for r_ in comps}
        head = [x for x in out if isinstance(x, S.Comment)]
        body: list[S.Stmt] = []
        for x in out:
            if isinstance(x, S.Comment):
                continue
            target = x.lhs if isinstance(x, S.Assign) else None
            ref = primal_of.get(target)
            if ref is not None and ref != st.lhs:
                body.append(S.If([(E.UnOp(".not.", E.Call("allocated", (target,))),
                                   [S.Allocate([target], options=f"mold={_text(ref)}"),
                                    S.Assign(target, E.RealLit(f"0.0_{real_kind_of(ref, self.typer)}"))])], None))
            body.append(x)
        if self._alloc_component(st.lhs):
            body = [S.If([(E.Call("allocated", (self.ds.dref(st.lhs),)), body)], None)]
        return head + body

    def _alloc_component(self, ref: E.Expr) -> bool:
        """``a%c`` (no subscripts) of an allocatable array component."""
        if not isinstance(ref, E.Component) or ref.subs:
            return False
        from fadj.ir.derived import component
        c = component(self.ctx.prog.types, self.typer.type_of(ref.base), ref.comp)
        return c is not None and c.allocatable and bool(c.dims)

    def _adjoint_assign(self, st: S.Assign, mask: E.Expr | None = None) -> list[S.Stmt]:
        lhs = st.lhs
        vb = self.ds.dref(lhs)
        parts = self.partials(st)
        lhs_name = E.base_name(lhs)
        rank = self.typer.rank_of(lhs)
        kind = real_kind_of(lhs, self.typer)
        zero = E.RealLit(f"0.0_{kind}")
        out: list[S.Stmt] = [S.Comment(f"adjoint of line {st.loc.line}: {_short(st)}", loc=st.loc)] if st.loc else []
        if rank == 0 and mask is None and len(parts) > 1:
            # repeated pieces of the partial derivatives are evaluated once (cse.py)
            t = self.lhs_type(lhs)
            temps, new = eliminate([p for _, p in parts], lambda e: self.ds.temp("temp", t),
                                   lambda e: self.typer.rank_of(e) == 0 and self._real(e))
            out += [S.Assign(E.Name(name), value) for name, value in temps]
            parts = [(r_, p) for (r_, _), p in zip(parts, new)]
        # a pointer and its targets are one storage (p => b): b(i) = 2*p(i) reads what it writes
        groups = self.r.storage_groups
        lhs_store = groups.get(lhs_name, lhs_name)

        def same(r_):
            b = E.base_name(r_)
            return groups.get(b, b) == lhs_store
        self_refs = [p for r_, p in parts if same(r_)]
        others = [(r_, p) for r_, p in parts if not same(r_)]
        identical_only = all(r_ == lhs for r_, _ in parts if same(r_))
        if mask is not None:
            t = self.lhs_type(lhs)
            tmp = E.Name(self.ds.temp("tempb_a", t, rank))
            out.append(S.Assign(tmp, vb))
            out.append(S.Where([(mask, [S.Assign(vb, zero)])], None))
            for r_, p in parts:
                inc = self.increment(r_, p, tmp, rank, mask)
                out.append(inc if isinstance(inc.rhs, E.BinOp) and self.typer.rank_of(r_) == 0
                           else S.Where([(mask, [inc])], None))
            return out
        if not self_refs:
            for r_, p in others:
                out.append(self.increment(r_, p, vb, rank))
            out.append(S.Assign(vb, zero))
        elif identical_only and len(self_refs) == 1:
            # v = f(v, ...): other increments first, then vb = dv/dv * vb
            for r_, p in others:
                out.append(self.increment(r_, p, vb, rank))
            if not B.is_one(self_refs[0]):
                out.append(S.Assign(vb, B.mul(self_refs[0], vb)))
        else:
            t = self.lhs_type(lhs)
            tmp = E.Name(self.ds.temp("tempb" if rank == 0 else "tempb_a", t, rank))
            out.append(S.Assign(tmp, vb))
            out.append(S.Assign(vb, zero))
            for r_, p in parts:
                out.append(self.increment(r_, p, tmp, rank))
        return out

    def _real(self, e: E.Expr) -> bool:
        t = self.typer.type_of(e)
        return t is not None and t.base == "real"

    def lhs_type(self, lhs: E.Expr) -> TypeSpec:
        t = self.typer.type_of(lhs)
        return t if t is not None else TypeSpec("real", 8, double=True)

    def increment(self, ref: E.Expr, partial: E.Expr, seed: E.Expr, stmt_rank: int,
                  mask: E.Expr | None = None) -> S.Stmt:
        rb = self.ds.dref(ref)
        inc = apply_partial(partial, seed)
        inc_rank = max(stmt_rank, 0 if has_seed(partial) else self.typer.rank_of(partial))
        if inc_rank > 0 and self.typer.rank_of(ref) == 0 and not has_seed(partial):
            inc = E.Call("sum", (inc, E.Keyword("mask", mask))) if mask is not None else E.Call("sum", (inc,))
        return S.Assign(rb, B.add(rb, inc))

    def r_Allocate(self, st: S.Allocate, sw):
        """ALLOCATE gives an active array its adjoint (zeroed); the backward sweep frees both.
        DEALLOCATE saves the bounds (and the values, if TBR says they are needed) so that the
        backward sweep can re-create the array, with a zero adjoint, where it was freed."""
        pushed = self.pushed(st, sw)
        fwd: list[S.Stmt] = []
        bwd: list[S.Stmt] = []
        after: list[S.Stmt] = []
        for item in st.items:
            if isinstance(item, E.Component):
                before, then, back = self.allocate_component(item, st)
                fwd += before
                after += then
                bwd = back + bwd
                continue
            name = E.base_name(item)
            sym = self.r.scope.lookup(name)
            if sym is None or not sym.dims:
                continue
            a = E.Name(name)
            active = self.active_ref(a)
            ab = E.Name(self.ds.dname(name)) if active else None
            rank = len(sym.dims)
            if st.deallocate:
                los = [E.Name(self.ds.int_temp(f"ad_lb{k}")) for k in range(1, rank + 1)]
                his = [E.Name(self.ds.int_temp(f"ad_ub{k}")) for k in range(1, rank + 1)]
                if var_id(self.r, name) in pushed:
                    fwd.append(push(a))        # values first: the bounds are popped first
                    self.restored.add(var_id(self.r, name))
                for k in range(rank):
                    fwd.append(push(E.Call("lbound", (a, E.IntLit(str(k + 1))))))
                    fwd.append(push(E.Call("ubound", (a, E.IntLit(str(k + 1))))))
                shape = tuple(E.Slice(lo, hi) for lo, hi in zip(los, his))
                # what exists here now (a restored snapshot, an adjoint given after a later call)
                # is not what the DEALLOCATE freed: allocate afresh with the saved bounds
                redo = [S.free_if_allocated(a), S.Allocate([E.Index(name, shape)])]
                if var_id(self.r, name) in pushed:
                    redo.append(pop(a))
                if active:
                    if not (sym.is_arg or sym.is_global or sym.is_result):
                        # the adjoint may not exist yet (the array came from a call recomputed
                        # later).  A dummy's, a global's or a result's adjoint is left alone: it
                        # holds the adjoint of the values allocated later (and a _fwd half has
                        # no adjoint arguments)
                        after.append(S.free_if_allocated(ab))
                    redo += [S.free_if_allocated(ab), S.Allocate([E.Index(ab.name, shape)]),
                             S.Assign(ab, self.zero_of(sym))]
                pops = []
                for k in reversed(range(rank)):
                    pops += [pop(his[k]), pop(los[k])]
                bwd = pops + redo + bwd
            else:
                if active:
                    shape = tuple(E.Slice(E.Call("lbound", (a, E.IntLit(str(k)))), E.Call("ubound", (a, E.IntLit(str(k)))))
                                  for k in range(1, rank + 1))
                    alloc = [S.Allocate([E.Index(ab.name, shape)]), S.Assign(ab, self.zero_of(sym))]
                    if sym.is_arg or sym.is_global or sym.is_result:
                        # an adjoint that exists already holds what the backward sweep has
                        # accumulated for the new values (a recomputed call): keep it
                        alloc = [S.If([(E.UnOp(".not.", E.Call("allocated", (ab,))),
                                        [S.Allocate([E.Index(ab.name, shape)]), S.Assign(ab, self.zero_of(sym))])])]
                    if sym.is_arg:
                        # the _fwd half has no adjoint arguments: the backward sweep allocates it first
                        self.bwd_prologue.append(S.If([(E.BinOp(".and.", E.Call("allocated", (a,)),
                                                                E.UnOp(".not.", E.Call("allocated", (ab,)))),
                                                        [S.Allocate([ab], options=f"mold={name}"),
                                                         S.Assign(ab, self.zero_of(sym))])], None))
                    else:
                        after += alloc
                    if not (sym.is_arg or sym.is_global or sym.is_result):
                        bwd.append(S.Allocate([ab], deallocate=True))
                bwd.append(S.Allocate([a], deallocate=True))
        return fwd + [st] + after, bwd

    def allocate_component(self, item: E.Component, st: S.Allocate) -> tuple[list, list, list]:
        """ALLOCATE/DEALLOCATE of an allocatable component ``f%data``: its adjoint component is
        allocated alongside (zeroed, unless it exists: it then holds what a recomputation has
        accumulated); DEALLOCATE saves the component (status, bounds, values) for the backward
        sweep, which re-creates it with a zero adjoint."""
        whole = E.Component(item.base, item.comp)
        active = self.active_ref(item.base)
        ab = self.ds.dref(whole) if active else None
        t = self.typer.type_of(whole)
        zero = E.RealLit(f"0.0_{max(8, t.kind) if t is not None else 8}")
        if st.deallocate:
            before = [push(whole)]            # with its status and bounds (alloc_save)
            then: list[S.Stmt] = []
            back = [pop(whole)]
            if active:
                bsym = self.r.scope.lookup(E.base_name(item))
                if bsym is None or not bsym.is_arg:
                    # (a _fwd half has no adjoint arguments to free)
                    then.append(S.free_if_allocated(ab))
                # the values freed here get a zero adjoint of their own shape
                back += [S.free_if_allocated(ab), S.Allocate([ab], options=f"mold={_text(whole)}"),
                         S.Assign(ab, zero)]
            return before, then, back
        then = []
        if active:
            alloc = [S.Allocate([ab], options=f"mold={_text(whole)}"), S.Assign(ab, zero)]
            bsym = self.r.scope.lookup(E.base_name(item))
            if bsym is not None and bsym.is_arg:
                # the _fwd half has no adjoint arguments: the backward sweep allocates it first
                self.bwd_prologue.append(S.If([(E.BinOp(".and.", E.Call("allocated", (whole,)),
                                                        E.UnOp(".not.", E.Call("allocated", (ab,)))), alloc)], None))
            else:
                then = [S.If([(E.UnOp(".not.", E.Call("allocated", (ab,))), alloc)], None)]
        back = [S.Allocate([whole], deallocate=True)]
        if active:
            back.append(S.free_if_allocated(ab))
        return [], then, back

    def zero_of(self, sym) -> E.Expr:
        kind = max(8, sym.type.kind) if sym.type is not None else 8
        return E.RealLit(f"0.0_{kind}")


def _text(e: E.Expr) -> str:
    from fadj.backend.fortran import expr_str
    return expr_str(e)

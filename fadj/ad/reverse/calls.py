"""Reverse mode of call sites: joint (snapshot, primal call; restore, ``_b``, pop) or split
(``_fwd`` / ``_bwd``), minimal snapshots from the callee's read/write sets, adjoint arguments."""
from __future__ import annotations

from fadj.ad import build as B
from fadj.ad.plan import JOINT
from fadj.ad.reverse.aliasing import DISJOINT, SAME, UNKNOWN, UNSIZED, Region, linear_offset, overlap_test, relation
from fadj.analysis.callgraph import CallSite
from fadj.analysis.effects import is_global_id, map_actuals, var_id
from fadj.errors import UnsupportedError
from fadj.ir import expr as E
from fadj.ir import stmt as S
from fadj.ir.program import Use, Routine
from fadj.ir.symbols import TypeSpec
from fadj.rules.partials import real_kind_of


from fadj.ad.reverse.stack import _call, look, pop, push
from fadj.ad.reverse.sweep import Sweep
from fadj.backend.fortran import expr_str


class CallMixin:
    """Methods of :class:`fadj.ad.reverse.engine.Reverser` (split by concern)."""

    def r_CallStmt(self, st: S.CallStmt, sw):
        site = self.cg.site_of.get(st)
        if site is not None:
            return self.call_site(st, site, sw)
        # intrinsic subroutine (random_number, cpu_time...): save what it overwrites if needed
        p = self.pushed(st, sw)
        refs = [a for a in st.args if isinstance(a, E.REF_TYPES) and var_id(self.r, E.base_name(a)) in p]
        if st.name == "move_alloc" and len(st.args) == 2 and any(self.active_ref(a) for a in st.args):
            return self.move_alloc(st, refs)
        for a in st.args:
            if isinstance(a, E.REF_TYPES) and self.active_ref(a):
                raise UnsupportedError(st.loc, f"intrinsic subroutine '{st.name}' writes an active variable")
        return [push(x) for x in refs] + [st], [pop(x) for x in reversed(refs)]

    def call_site(self, st: S.Stmt, site: CallSite, sw: Sweep):
        pushed = self.pushed(st, sw)
        refs = self.snapshot_refs(site, pushed)
        for r_ in refs:
            b = E.base_name(r_)
            if b is not None:
                self.restored.add(var_id(self.r, b))
        sync = self.allocation_sync(site)
        if not self.ctx.site_active(site):
            return [push(x) for x in refs] + [st] + sync, [pop(x) for x in reversed(refs)]
        mode = self.ctx.decision(site).mode
        pre, adj_args, post = self.derivative_args(site)
        if site.callee is not None:
            if mode == JOINT:
                self.called.add((site.callee, "b"))
            else:
                self.called |= {(site.callee, "fwd"), (site.callee, "bwd")}
        if mode == JOINT:
            fwd = self.snapshot_push(refs) + [st] + sync
            bwd = [look(x) for x in reversed(refs)]
            if site.callee is not None:
                bwd.append(_call("fadj_stats_recompute"))
            name = self.ctx.call_name(self.r, site.callee, "b") if site.callee is not None else site.name + "_b"
            bwd += pre + self.debug_site(site) + [_call(name, *adj_args)] + post + [pop(x) for x in reversed(refs)]
            return self.profiled(site, fwd, bwd)
        # split mode
        callee = site.callee
        prim_args = list(site.args)
        if site.is_function:
            fwd_call = S.Assign(st.lhs, E.Call(self.ctx.call_name(self.r, callee, "fwd"), tuple(prim_args)), loc=st.loc, label=st.label)
        else:
            fwd_call = S.CallStmt(self.ctx.call_name(self.r, callee, "fwd"), prim_args, loc=st.loc, label=st.label)
        # ``s = f(t, s)``: the value the assignment overwrites is the one f's _bwd needs, so it comes
        # back before that call (other saved values come back after it, as for a subroutine)
        lhs_base = E.base_name(st.lhs) if site.is_function else None
        first = [x for x in refs if lhs_base is not None and E.base_name(x) == lhs_base]
        rest = [x for x in refs if not any(x is y for y in first)]
        if first:
            # saved after the call's own tape (on top of it, so popped before its _bwd runs): the
            # result goes to a temporary first
            t = self.typer.type_of(st.lhs)
            res = E.Name(self.ds.temp("fres_fwd", t, self.typer.rank_of(st.lhs)))
            fwd_call = [S.Assign(res, fwd_call.rhs, loc=st.loc, label=st.label)] + [push(x) for x in first] + \
                [S.Assign(st.lhs, res, loc=st.loc)]
        else:
            fwd_call = [fwd_call]
        fwd = [push(x) for x in rest] + self.debug_site(site) + fwd_call + sync
        bwd = [pop(x) for x in reversed(first)] + pre + self.debug_site(site) + \
            [_call(self.ctx.call_name(self.r, callee, "bwd"), *adj_args)] + post + [pop(x) for x in reversed(rest)]
        return self.profiled(site, fwd, bwd)

    def adjoint_type(self, ref: E.Expr) -> TypeSpec:
        """Type of the adjoint of ``ref``: its own, or ``t_diff`` for a derived type ``t``."""
        t = self.lhs_type(ref)
        if t.base == "type":
            from fadj.ir.derived import diff_type_spec
            return diff_type_spec(t)
        return t

    def adjoint_zero(self, ref: E.Expr) -> E.Expr:
        """A zero adjoint for ``ref``: ``0.0_k``, or ``t_diff()`` (its components are zero-initialised)."""
        t = self.lhs_type(ref)
        if t.base == "type":
            from fadj.ir.derived import diff_type_name
            return E.Call(diff_type_name(t.derived), ())
        return E.RealLit(f"0.0_{real_kind_of(ref, self.typer)}")

    def move_alloc(self, st: S.CallStmt, refs: list[E.Expr]):
        """``call move_alloc(from, to)`` of active arrays (the swap of old and new fields in a time
        loop): the adjoints move with the values, forward and back.  Backward, ``from`` gets its
        storage back from ``to``, then ``to`` its own old value (saved, if needed) and a zero
        adjoint of that shape (the old values were destroyed)."""
        frm, to = (a.value if isinstance(a, E.Keyword) else a for a in st.args)
        whole = lambda x: isinstance(x, E.Name) or (isinstance(x, E.Component) and not x.subs)   # noqa: E731
        if not (whole(frm) and whole(to)):
            raise UnsupportedError(st.loc, "move_alloc of an element of an array of derived type is not supported")
        for x in (frm, to):
            if not self.active_ref(x):
                raise UnsupportedError(st.loc, f"move_alloc between an active and a passive array "
                                               f"('{expr_str(x)}' is passive) is not supported")
        fb, tb = self.ds.dref(frm), self.ds.dref(to)
        mv = lambda a, b: S.CallStmt("move_alloc", [a, b], loc=st.loc)   # noqa: E731
        fwd = [push(x) for x in refs] + [st]
        if not any(self._is_dummy_part(x) for x in (frm, to)):
            # locals: their adjoints (zero in the forward sweep) keep the shapes of the values; a
            # dummy's adjoint holds the caller's live adjoint (and a _fwd half has none): it only
            # moves backward
            fwd.append(mv(fb, tb))
        zero = E.RealLit(f"0.0_{real_kind_of(to, self.typer)}")
        back_to = [S.If([(E.Call("allocated", (to,)), [
            S.If([(E.UnOp(".not.", E.Call("allocated", (tb,))), [S.Allocate([tb], options=f"mold={expr_str(to)}")])],
                 None, logical_if=True),
            S.Assign(tb, zero)])], None)]
        bwd = [mv(to, frm), mv(tb, fb)] + [pop(x) for x in reversed(refs)] + back_to
        return fwd, bwd

    def _is_dummy_part(self, ref: E.Expr) -> bool:
        sym = self.r.scope.lookup(E.base_name(ref))
        return sym is not None and (sym.is_arg or sym.is_global or sym.is_result)

    def debug_site(self, site: CallSite) -> list[S.Stmt]:
        """FADJ_DEBUG in a debug build: the source call site, for a report from inside the callee's
        derivative.  (Not in other builds: a test per call costs tiny routines a third of their time.)"""
        if not self.ctx.debug_checks:
            return []
        loc = site.stmt.loc
        where = f"{loc.file}:{loc.line}" if loc is not None else site.name
        return [S.If([(E.Name("fadj_debug"), [_call("fadj_dbg_site", B.str_lit(where))])], None, logical_if=True)]

    def profiled(self, site: CallSite, fwd: list[S.Stmt], bwd: list[S.Stmt]):
        """With ``fadj profile``: time the two parts of a call site and measure the stack they leave."""
        if not self.ctx.profile:
            return fwd, bwd
        from fadj.ad.plan import site_key
        pid = self.ctx.profile_id(site)
        k, k2 = E.IntLit(str(pid)), E.IntLit(str(pid + 1))
        self.ds.uses.append(Use("fadj_profile"))
        if self.ctx.profile == "count":
            return [_call("fadj_prof_count", k)] + fwd, bwd
        if self.ctx.profile_timed is not None and site_key(site) not in self.ctx.profile_timed:
            return fwd, bwd          # frequent cheap calls are not timed: their clock would cost more
        return ([_call("fadj_prof_begin", k)] + fwd + [_call("fadj_prof_end", k)],
                [_call("fadj_prof_begin", k2)] + bwd + [_call("fadj_prof_end", k2)])

    def derivative_args(self, site: CallSite):
        """(statements before, argument list, statements after) of a ``_b``/``_bwd`` call."""
        pre: list[S.Stmt] = []
        post: list[S.Stmt] = []
        args: list[E.Expr] = []
        callee = site.callee
        if callee is None:
            # external black box: every real argument is followed by its adjoint
            for a in site.args:
                args.append(a)
                t = self.typer.type_of(a)
                if t is not None and t.is_real:
                    args.append(self.adjoint_actual(a, None, pre))
        else:
            actuals = map_actuals(site)
            active_f = set(self.act.active_formals(callee))
            writes = self.eff.summary(callee).writes
            keyword = False
            passed: list[tuple[str, E.Expr, Region]] = []
            for f in callee.args:
                a = actuals.get(f)
                if a is None:
                    keyword = True
                    continue
                args.append(E.Keyword(f, a) if keyword else a)
                if f in active_f:
                    fsym = callee.scope.local(f)
                    adj = self.adjoint_actual(a, fsym, pre)
                    if self._alloc_component(a) and adj == self.ds.dref(a):
                        # an adjoint component not allocated yet is zero: the callee needs its shape
                        from fadj.ir.derived import component
                        c = component(self.ctx.prog.types, self.typer.type_of(a.base), a.comp)
                        pre.append(self._give_adjoint(a, adj, c))
                    if isinstance(a, E.REF_TYPES) and self.active_ref(a):
                        region = self.region_of(site, a, fsym)
                        if self.needs_copy(site, f, a, region, passed, writes, pre):
                            adj = self.unaliased(a, adj, fsym, pre, post, f in writes, region)
                        passed.append((f, a, region))
                    args.append(E.Keyword(self.ctx.reverser(callee).ds.dname(f), adj) if keyword else adj)
        if site.is_function:
            n_before = len(args)
            lhs = site.stmt.lhs
            zero = self.adjoint_zero(lhs)
            if self.active_ref(lhs):
                lb = self.ds.dref(lhs)
                if any(E.base_name(a) == E.base_name(lhs) for a in site.args if isinstance(a, E.REF_TYPES)):
                    # v = f(v): the result's adjoint moves to a temporary (an array one for an array)
                    tmp = E.Name(self.ds.temp("tempb", self.adjoint_type(lhs), self.typer.rank_of(lhs)))
                    pre += [S.Assign(tmp, lb), S.Assign(lb, zero)]
                    args.append(tmp)
                else:
                    args.append(lb)
                    post.append(S.Assign(lb, zero))
            else:
                rank = self.typer.rank_of(lhs)
                tmp = E.Name(self.ds.temp("resb", self.adjoint_type(lhs), rank))
                if rank:
                    pre.append(S.Assign(tmp, lhs))          # takes the result's shape
                pre.append(S.Assign(tmp, zero))
                args.append(tmp)
            if callee is not None and (any(isinstance(x, E.Keyword) for x in args[:n_before])
                                       or len(map_actuals(site)) < len(callee.args)):
                # after keyword arguments the result's adjoint must be named too
                args[-1] = E.Keyword(self.ctx.reverser(callee).ds.dname(callee.result), args[-1])
        return pre, args, post

    def region_of(self, site: CallSite, a: E.Expr, fsym) -> Region:
        """The elements of ``a``'s variable that the dummy ``fsym`` spans (see aliasing.py)."""
        sym = self.r.scope.lookup(E.base_name(a))
        if isinstance(a, E.Component) or sym is None:
            return Region(None, None)
        offset = linear_offset(a, sym, self.typer.param_lookup)
        if fsym is None or fsym.rank == 0:
            size = B.ONE if self.typer.rank_of(a) == 0 else None
        else:
            size = self.formal_size(site, fsym)
        return Region(offset, size)

    def needs_copy(self, site: CallSite, f: str, a: E.Expr, region: Region, passed, writes, pre) -> bool:
        """Whether the adjoint of ``a`` must go through a temporary because an earlier actual of
        the same call may share its storage.  Two arguments that the callee both writes cannot be
        made right that way (the callee's adjoint cannot know which write survives): that is an
        error when they provably overlap, a run-time check when only the run knows."""
        copy = False
        for g, b, other in passed:
            if not _may_overlap(a, b):
                continue
            rel = relation(other, region, self.typer.param_lookup)
            if rel == DISJOINT:
                continue
            if f in writes and g in writes:
                callee = site.callee.name
                where = site.stmt.loc
                if rel == SAME:
                    raise UnsupportedError(where, f"'{E.base_name(a)}' is passed to arguments '{g}' and '{f}' of "
                                                  f"'{callee}', which writes both: with one storage under two names "
                                                  f"the adjoint is not defined (pass separate variables)")
                if rel == UNKNOWN:
                    text = [f"{where.file}:{where.line}", E.base_name(a), g, f, callee]
                    stop = S.CallStmt("fadj_alias_error", [B.str_lit(x) for x in text])
                    pre.append(S.If([(overlap_test(other, region), [stop])], None))
                continue
            if rel != UNSIZED:
                copy = True
        return copy

    def unaliased(self, a: E.Expr, adj: E.Expr, fsym, pre: list[S.Stmt], post: list[S.Stmt],
                  read: bool = True, region: Region | None = None) -> E.Expr:
        """The same variable passed to two arguments: the callee would update one adjoint through
        two names (not allowed in Fortran, and wrong once optimised).  The second one gets a zeroed
        temporary, added back after the call.  An element passed to an array dummy gets a
        temporary of the dummy's size, filled and added back along the element sequence."""
        t = self.lhs_type(a)
        rank = self.typer.rank_of(a)
        if fsym is not None and fsym.rank > 0 and region is not None and region.size is not None and \
                (rank == 0 or isinstance(a, E.Name)):
            # an element, or a whole array (assumed-size ones too): the dummy's elements in sequence
            return self.unaliased_sequence(a, adj, t, region.size, pre, post, read)
        if t.base == "type":
            from fadj.ir.derived import diff_type_spec
            if rank:
                raise UnsupportedError(self.r.loc, f"'{E.base_name(a)}' (an array of derived type) is passed twice "
                                                   f"to one call: its adjoint would be updated through two arguments")
            dt = diff_type_spec(t)
            tmp = E.Name(self.ds.temp("ad_alias", dt, 0))
            pre.append(S.Assign(tmp, E.Call(dt.derived, ())))        # default-initialised: all zero
            post += _add_components(self.ctx.prog.types, adj, tmp, t.derived)
            return tmp
        tmp = E.Name(self.ds.temp("ad_alias", t, rank))
        if not read:
            # an input of the callee: its adjoint only receives increments; a zeroed temporary
            # collects them and is added back
            kind = real_kind_of(a, self.typer)
            pre += ([S.Assign(tmp, adj)] if rank else []) + [S.Assign(tmp, E.RealLit(f"0.0_{kind}"))]
            post.append(S.Assign(adj, B.add(adj, tmp)))
            return tmp
        # the callee sees a copy; what it changed in the copy is added back afterwards:
        # adj = adj + (copy after - copy before), right also when the two arguments overlap
        before = E.Name(self.ds.temp("ad_alias_in", t, rank))
        pre += [S.Assign(before, adj), S.Assign(tmp, before)]
        post.append(S.Assign(adj, E.BinOp("+", adj, E.Paren(E.BinOp("-", tmp, before)))))
        return tmp

    def unaliased_sequence(self, a: E.Expr, adj: E.Expr, t: TypeSpec, size: E.Expr, pre: list[S.Stmt],
                           post: list[S.Stmt], read: bool) -> E.Expr:
        """``unaliased`` for an element ``w(k)`` passed to an array dummy of ``size`` elements: the
        temporary is a vector; the runtime's ``fadj_seq_get``/``fadj_seq_add`` move the element
        sequence starting at ``wb(k)`` in and out (whatever the rank of ``w``)."""
        if t.base != "real" or t.kind not in (4, 8):
            raise UnsupportedError(self.r.loc, f"'{E.base_name(a)}' ({t.base} of kind {t.kind}) is passed twice "
                                               f"to one call through sequence association: not supported")
        kid = f"r{t.kind}"
        tmp = E.Name(self.ds.temp("ad_alias", t, 1))
        pre.append(S.Allocate([E.Index(tmp.name, (size,))]))
        post_free = [S.Allocate([tmp], deallocate=True)]
        if not read:
            pre.append(S.Assign(tmp, E.RealLit(f"0.0_{t.kind}")))
            post += [S.CallStmt(f"fadj_seq_add_{kid}", [size, adj, tmp])] + post_free
            return tmp
        before = E.Name(self.ds.temp("ad_alias_in", t, 1))
        pre += [S.Allocate([E.Index(before.name, (size,))]), S.CallStmt(f"fadj_seq_get_{kid}", [size, adj, before]),
                S.Assign(tmp, before)]
        post += [S.CallStmt(f"fadj_seq_add_{kid}", [size, adj, E.BinOp("-", tmp, before)]),
                 S.Allocate([before], deallocate=True)] + post_free
        return tmp

    def adjoint_actual(self, a: E.Expr, fsym, pre: list[S.Stmt]) -> E.Expr:
        """The adjoint to pass for actual ``a``: its own, or a zeroed buffer if ``a`` is passive."""
        if self.active_ref(a):
            return self.ds.dref(a)
        t = self.typer.type_of(a)
        kind = max(8, t.kind) if t is not None and t.base == "real" else 8
        zero = E.RealLit(f"0.0_{kind}")
        if isinstance(a, (E.Name, E.Index)):
            sym = self.r.scope.lookup(a.name)
            if sym is not None and not sym.parameter:
                key = ("buffer", a.name)
                name = self.ds.adj.get(key)
                if name is None:
                    name = self.ds.like(a.name + "b", sym)
                    self.ds.adj[key] = name
                if sym.type is not None and sym.type.base == "type":
                    from fadj.ir.derived import diff_type_name
                    zero = E.Call(diff_type_name(sym.type.derived), ())     # all components 0
                pre.append(S.Assign(E.Name(name), zero))
                return E.Name(name) if isinstance(a, E.Name) else E.Index(name, a.subs)
        tt = t if t is not None and t.base == "real" else TypeSpec("real", 8, double=True)
        name = self.ds.temp("dummyb", tt)
        pre.append(S.Assign(E.Name(name), zero))
        return E.Name(name)

    def allocation_sync(self, site: CallSite) -> list[S.Stmt]:
        """After a call that may allocate an active actual's allocatable parts (a solver's
        ``initialize(me, ...)`` allocating ``me%yy``): give them their adjoints at once, zeroed.

        The callee's own derivative allocates them only in its backward half (joint: its ``_b``
        runs after those of the later calls; split: its ``_fwd`` has no adjoint arguments), while
        the backward halves of later calls already use them."""
        callee = site.callee
        if callee is None or not self.ctx.allocates(callee):
            return []
        writes = self.eff.summary(callee).writes
        out: list[S.Stmt] = []
        for f, a in map_actuals(site).items():
            if f not in writes or not isinstance(a, E.Name) or not self.active_ref(a):
                continue
            sym = self.r.scope.lookup(a.name)
            if sym is None:
                continue
            # a dummy's adjoint: a _fwd half has none, so the backward sweep gives it first
            sink = out if not sym.is_arg else self.bwd_prologue
            if sym.allocatable and sym.dims:
                local = not (sym.is_arg or sym.is_global or sym.is_result)
                sink.append(self._give_adjoint(a, self.ds.dref(a), sym, reshape=local))
            elif sym.type is not None and sym.type.base == "type" and not sym.dims:
                from fadj.ir.derived import diff_components
                for c in diff_components(self.ctx.prog.types, sym.type.derived):
                    if c.allocatable:
                        part = E.Component(a, c.name)
                        sink.append(self._give_adjoint(part, self.ds.dref(part), c))
        # module allocatables the call may allocate (a grid set-up routine)
        for vid in sorted(writes):
            if "::" not in vid or vid.startswith("/") or not self.act.is_active_id(self.r, vid):
                continue
            mod, name = vid.split("::", 1)
            m = self.ctx.prog.modules.get(mod)
            gsym = m.scope.local(name) if m is not None else None
            if gsym is None or not gsym.allocatable or not gsym.dims:
                continue
            ref = self.ds.global_ref(vid)
            out.append(self._give_adjoint(ref, self.ds.dref(ref), gsym))
        return out

    def _give_adjoint(self, ref: E.Expr, dref: E.Expr, sym, reshape: bool = False) -> S.Stmt:
        """if (allocated(ref) .and. .not. allocated(dref)): allocate it like ref, zeroed.

        ``reshape``: also when ``dref`` has other bounds than ``ref`` (the call reallocated a
        local: during the forward sweep its adjoint is zero, so nothing is lost)."""
        from fadj.backend.fortran import expr_str
        missing = E.UnOp(".not.", E.Call("allocated", (dref,)))
        make = [S.Allocate([dref], options=f"mold={expr_str(ref)}"), S.Assign(dref, self.zero_of(sym))]
        if not reshape:
            return S.If([(E.BinOp(".and.", E.Call("allocated", (ref,)), missing), make)], None)
        other = E.BinOp(".or.", E.Call("any", (E.BinOp("/=", E.Call("lbound", (dref,)), E.Call("lbound", (ref,))),)),
                        E.Call("any", (E.BinOp("/=", E.Call("ubound", (dref,)), E.Call("ubound", (ref,))),)))
        return S.If([(E.Call("allocated", (ref,)),
                      [S.If([(missing, make)],
                            [S.If([(other, [S.Allocate([dref], deallocate=True)] + make)], None)])])], None)

    def snapshot_refs(self, site: CallSite, pushed: frozenset) -> list[E.Expr]:
        """What to save before a call: refs for the ids TBR marked, as small as the formals allow."""
        if not pushed:
            return []
        out: list[E.Expr] = []
        covered: set[str] = set()
        callee = site.callee
        actuals = map_actuals(site)
        writes = self.eff.summary(callee).writes if callee is not None else None
        # a split callee's backward half gives these dummies' values back itself
        restored = frozenset()
        if callee is not None and self.ctx.site_active(site) and self.ctx.decision(site).mode != JOINT:
            restored = self.ctx.reverser(callee).restores()
        if site.is_function:
            lhs = site.stmt.lhs
            lid = var_id(self.r, E.base_name(lhs))
            if lid in pushed:
                out.append(lhs)
        for f, a in actuals.items():
            if not isinstance(a, E.REF_TYPES):
                continue
            if (writes is not None and f not in writes) or f in restored:
                continue
            b = E.base_name(a)
            vid = var_id(self.r, b)
            if vid not in pushed or (vid in covered and vid not in self.r.storage_groups.values()):
                continue     # (each pointer of a storage group passed is saved where it points)
            fsym = callee.scope.local(f) if callee is not None else None
            ref = self.section_for(site, a, fsym)
            if ref is None:
                if (fsym is not None and fsym.rank == 0) or (isinstance(a, E.Index) and a.is_section):
                    ref = a
                else:
                    ref = self.whole(b, a, site.stmt.loc)
                    covered.add(vid)
            if ref not in out:
                out.append(ref)
        for vid in sorted(pushed):
            if is_global_id(vid):
                ref = self.ref_for_id(vid)
                parts = [x for x in out if E.base_name(x) is not None and var_id(self.r, E.base_name(x)) == vid]
                if parts and writes is not None and vid not in writes:
                    continue      # a COMMON array passed as an argument: the callee writes only through it
                out = [x for x in out if not any(x is p for p in parts)]    # the whole variable covers them
                if ref not in out:
                    out.append(ref)
        return out

    def section_for(self, site: CallSite, a: E.Expr, fsym) -> E.Expr | None:
        """The part of a rank-1 actual array a callee can touch: ``u(1:n)`` for a whole ``u(nmax)``
        passed to ``x(n)``, ``u(i:i+n-1)`` for an element ``u(i)`` passed to an array ``x(n)``
        (sequence association).  None when that cannot be worked out (then the whole array)."""
        if fsym is None or fsym.rank == 0 or not fsym.dims:
            return None
        sym = self.r.scope.lookup(E.base_name(a))
        if sym is None or sym.rank != 1:
            return None
        size = self.formal_size(site, fsym)
        if size is None:
            return None
        if isinstance(a, E.Name):
            lo = sym.dims[0].lo if sym.dims[0].lo is not None else B.ONE
        elif isinstance(a, E.Index) and len(a.subs) == 1 and not isinstance(a.subs[0], E.Slice):
            lo = a.subs[0]
        else:
            return None
        return E.Index(a.name, (E.Slice(lo, B.simplify_linear(B.sub(B.add(lo, size), B.ONE))),))

    def formal_size(self, site: CallSite, fsym) -> E.Expr | None:
        """Number of elements of an explicit-shape dummy array, in the caller's terms."""
        from fadj.ir.consts import try_int
        callee = site.callee
        actuals = map_actuals(site)
        total: E.Expr | None = None
        for d in fsym.dims:
            if d.kind != "explicit" or d.hi is None:
                return None
            parts = []
            for bound in (d.lo, d.hi):
                if bound is None:
                    parts.append(B.ONE)
                    continue
                e = _subst_formals(bound, callee, actuals, self.r)
                if e is None:
                    return None
                parts.append(e)
            extent = B.simplify_linear(B.add(B.sub(parts[1], parts[0]), B.ONE))
            c = try_int(extent, self.typer.param_lookup)
            if c is not None:
                extent = B.lit(c)
            total = extent if total is None else B.mul(E.Paren(total) if not isinstance(total, (E.Name, E.IntLit)) else total,
                                                      E.Paren(extent) if not isinstance(extent, (E.Name, E.IntLit)) else extent)
        return total

    def whole(self, name: str, near: E.Expr | None = None, where=None) -> E.Expr:
        sym = self.r.scope.lookup(name)
        if sym is not None and sym.dims and any(d.kind == "assumed_size" for d in sym.dims):
            raise UnsupportedError(where or self.r.loc, f"cannot save assumed-size array '{name}' in a snapshot "
                                                        f"before this call: declare its size")
        return E.Name(name)

    def ref_for_id(self, vid: str) -> E.Expr:
        if vid.startswith("@"):
            raise AssertionError(f"storage group {vid} has several variables: use refs_for_id")
        if is_global_id(vid):
            return self.ds.global_ref(vid)
        return self.whole(vid)

    def refs_for_id(self, vid: str) -> list[E.Expr]:
        """The variables that hold ``vid``'s values: a storage group of pointers is each of its
        targets, whole (a pointer may designate any of them)."""
        from fadj.passes.pointer_groups import storage_of
        names = storage_of(self.r, vid)
        if names != [vid]:
            return [self.whole(t) for t in names]
        return [self.ref_for_id(vid)]


def _add_components(types: dict, dst: E.Expr, src: E.Expr, tname: str) -> list[S.Stmt]:
    """dst = dst + src for derivative-type values, component by component."""
    from fadj.ir.derived import diff_components
    out: list[S.Stmt] = []
    for c in diff_components(types, tname):
        d, s_ = E.Component(dst, c.name), E.Component(src, c.name)
        if c.type.base == "type":
            if c.dims:
                raise UnsupportedError(None, f"adding derivative components of type '{c.type.derived}' arrays")
            out += _add_components(types, d, s_, c.type.derived)
        else:
            out.append(S.Assign(d, E.BinOp("+", d, s_)))
    return out


def _may_overlap(a: E.Expr, b: E.Expr) -> bool:
    """Whether two references may designate overlapping storage (False only when provably not:
    different variables or components, or elements whose subscripts differ by a constant)."""
    if _path(a) != _path(b):
        return False
    if isinstance(a, E.Index) and isinstance(b, E.Index) and len(a.subs) == len(b.subs):
        for x, y in zip(a.subs, b.subs):
            if isinstance(x, E.Slice) or isinstance(y, E.Slice):
                continue
            d = B.simplify_linear(E.BinOp("-", x, E.Paren(y)))
            if B.int_value(d) not in (None, 0):
                return False          # e.g. c(i, j) and c(i, j + 1)
    return True


def _path(ref: E.Expr) -> tuple:
    """What two references must share to possibly overlap: the variable and component names."""
    out = []
    while isinstance(ref, E.Component):
        out.append(ref.comp)
        ref = ref.base
    out.append(E.base_name(ref))
    return tuple(reversed(out))


def _plain_integer_expr(a: E.Expr) -> bool:
    """Names, elements, literals and + - * of them (``k+km1``): an actual that can stand for a
    dummy's bound in the caller (no calls, no sections)."""
    if isinstance(a, (E.Name, E.IntLit)):
        return True
    if isinstance(a, E.Index):
        return not any(isinstance(x, E.Slice) for x in a.subs)
    if isinstance(a, E.BinOp) and a.op in ("+", "-", "*"):
        return _plain_integer_expr(a.left) and _plain_integer_expr(a.right)
    if isinstance(a, E.Paren):
        return _plain_integer_expr(a.inner)
    return False


def _subst_formals(e: E.Expr, callee: Routine, actuals: dict, caller: Routine) -> E.Expr | None:
    """A callee's bound expression rewritten with the caller's actual arguments (None if impossible)."""
    from fadj.ir.consts import try_int
    t = type(e)
    if t in (E.IntLit,):
        return e
    if t is E.Name:
        s = callee.scope.lookup(e.name)
        if s is not None and s.is_arg:
            a = actuals.get(e.name)
            if a is None or not _plain_integer_expr(a):
                return None
            return E.Paren(a) if isinstance(a, E.BinOp) else a
        if s is not None and s.parameter:
            v = try_int(e, lambda n: callee.scope.lookup(n).init if callee.scope.lookup(n) is not None
                        and callee.scope.lookup(n).parameter else None)
            return B.lit(v) if v is not None else None
        return None
    if t is E.BinOp and e.op in ("+", "-", "*"):
        a = _subst_formals(e.left, callee, actuals, caller)
        b = _subst_formals(e.right, callee, actuals, caller)
        if a is None or b is None:
            return None
        return E.BinOp(e.op, E.Paren(a) if isinstance(a, E.BinOp) else a, E.Paren(b) if isinstance(b, E.BinOp) else b)
    if t is E.Paren:
        inner = _subst_formals(e.inner, callee, actuals, caller)
        return E.Paren(inner) if inner is not None else None
    return None


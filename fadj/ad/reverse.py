"""Reverse mode: forward and backward sweeps of one routine.

Every statement visitor returns ``(fwd, bwd)``: the statements of the forward
sweep (the primal, plus pushes of the values TBR says will be needed) and of
the backward sweep (pops, then adjoint statements).  A statement list
concatenates the forward parts and reverses the order of the backward parts.
Control flow comes in pairs: an IF pushes the branch it took, a DO loop whose
bounds change inside it pushes them, a DO WHILE pushes its trip count.

Calls follow the checkpointing plan (see ``plan.py``):

* joint (checkpointed, default): forward sweep saves a snapshot, then runs the
  plain primal call; backward sweep restores the snapshot (``fadj_look``), calls
  ``foo_b`` (which re-runs ``foo`` with its own tape), pops the snapshot;
* split: ``foo_fwd`` in the forward sweep records ``foo``'s tape, ``foo_bwd`` in
  the backward sweep consumes it.

The snapshot of a call is the set TBR gives: what the call overwrites and
either it reads (it will be re-run) or the caller's backward sweep needs.
A CHECKPOINT-START/END region is handled like a joint call of an inlined
routine.
"""
from __future__ import annotations

from dataclasses import dataclass

from fadj.ad import build as B
from fadj.ad.assemble import finish
from fadj.ad.deriv import DerivRoutine
from fadj.ad.dscope import DerivScope, derivative_symbol
from fadj.ad.plan import JOINT
from fadj.ad.tbr import run_tbr
from fadj.analysis.callgraph import CallSite
from fadj.analysis.cfg import CFG, Node, build_cfg
from fadj.analysis.effects import is_global_id, map_actuals, ref_names, subscript_names, var_id
from fadj.errors import UnsupportedError
from fadj.ir import expr as E
from fadj.ir import stmt as S
from fadj.ir.program import Routine, Use
from fadj.ir.symbols import INTEGER, TypeSpec
from fadj.rules.partials import SEED, Partials, apply_partial, has_seed, real_kind_of


@dataclass
class Sweep:
    """A statement list with its CFG and TBR result (the routine body, or a checkpointed region)."""

    cfg: CFG
    push: dict[Node, frozenset]
    req_in: dict[Node, frozenset]
    req_end: frozenset


def _call(name: str, *args: E.Expr) -> S.CallStmt:
    return S.CallStmt(name, list(args))


def push(ref: E.Expr) -> S.Stmt:
    return _call("fadj_push", ref)


def pop(ref: E.Expr) -> S.Stmt:
    return _call("fadj_pop", ref)


def look(ref: E.Expr) -> S.Stmt:
    return _call("fadj_look", ref)


class Reverser:
    def __init__(self, ctx, r: Routine):
        self.ctx = ctx
        self.r = r
        self.act = ctx.activity
        self.cg = ctx.cg
        self.eff = ctx.effects
        self.typer = ctx.typer(r)
        self.ds = DerivScope(ctx, r, "b")
        self._uses_cache: dict[Node, frozenset] = {}
        self._partials: dict[int, list] = {}
        self._written_cache: dict[int, frozenset] = {}
        self.main = self.sweep_for(r.body)
        self.restored: set[str] = set()    # ids that the backward sweep pops into
        self.called: set[tuple[Routine, str]] = set()

    # -- analysis glue -----------------------------------------------------------
    def is_opaque(self, st: S.Stmt) -> bool:
        """Checkpointed regions and binomial loops: outside code sees only their snapshot."""
        return isinstance(st, S.Region) or (isinstance(st, S.Do) and st.has_directive("BINOMIAL-CKP") is not None)

    def sweep_for(self, body: list[S.Stmt]) -> Sweep:
        cfg = build_cfg(body, opaque=self.is_opaque)
        r = self.r

        def defs(n: Node) -> frozenset:
            if isinstance(n.stmt, S.Allocate) and not n.stmt.deallocate and n.kind == "stmt":
                return frozenset()     # a fresh allocation overwrites nothing anyone needs
            d = self.eff.node_effects(r, n)[1]
            return frozenset(v for v in d if self._restorable(v))

        def kills(n: Node) -> frozenset:
            return self.eff.node_effects(r, n)[2]

        def loop_var(n: Node) -> str | None:
            return var_id(r, n.stmt.var) if isinstance(n.stmt, S.Do) else None

        push_sets, req_in, req_end = run_tbr(cfg, defs, kills, self.uses_bwd, self.push_uses, loop_var)
        return Sweep(cfg, push_sets, req_in, req_end)

    def _restorable(self, vid: str) -> bool:
        if is_global_id(vid):
            return True
        s = self.r.scope.lookup(vid)
        return s is not None and not s.parameter and not s.procedure

    def ids(self, names) -> frozenset:
        return frozenset(var_id(self.r, n) for n in names if self.eff.is_variable(self.r, n))

    def uses_bwd(self, n: Node) -> frozenset:
        """Variables the backward code of node ``n`` reads (before its pops are undone)."""
        if n in self._uses_cache:
            return self._uses_cache[n]
        out: frozenset = frozenset()
        st = n.stmt
        if n.kind == "stmt":
            site = self.cg.site_of.get(st)
            if site is not None:
                out = self._call_uses(site)
            elif isinstance(st, S.Assign) and self.active_ref(st.lhs):
                if isinstance(E.strip_parens(st.rhs), E.ArrayCtor):
                    names = set(subscript_names(st.lhs))
                    for item in E.strip_parens(st.rhs).items:
                        for ref, p in Partials(self.active_ref, self.typer, st.loc).of(item):
                            names |= ref_names(p) | subscript_names(ref)
                    out = self.ids(names)
                else:
                    out = self.ids(self._assign_uses(st))
            elif isinstance(st, S.Where) and len(st.branches) == 1 and len(st.branches[0][1]) == 1:
                mask, (asg,) = st.branches[0]
                if isinstance(asg, S.Assign) and self.active_ref(asg.lhs):
                    out = self.ids(self._assign_uses(asg) | ref_names(mask))
        elif n.kind == "do_init":
            if self.bounds_recomputable(st):
                names = set()
                for b in (st.start, st.end, st.step):
                    if b is not None:
                        names |= ref_names(b)
                out = self.ids(names)
        elif n.kind == "opaque":
            out = self.upward_reads([st])
        self._uses_cache[n] = out
        return out

    def _assign_uses(self, st: S.Assign) -> set[str]:
        names: set[str] = set(subscript_names(st.lhs))
        for ref, p in self.partials(st):
            names |= ref_names(p) - {SEED}
            names |= subscript_names(ref)
        return names

    def push_uses(self, n: Node, pushed: frozenset) -> frozenset:
        st = n.stmt
        if isinstance(st, S.Assign):
            return self.ids(subscript_names(st.lhs))
        site = self.cg.site_of.get(st)
        if site is not None:
            names: set[str] = set()
            for a in site.args:
                if isinstance(a, E.REF_TYPES):
                    names |= subscript_names(a)
            return self.ids(names)
        return frozenset()

    def _call_uses(self, site: CallSite) -> frozenset:
        if not self.ctx.site_active(site):
            return frozenset()
        names: set[str] = set()
        for a in site.args:
            if isinstance(a, E.REF_TYPES):
                names |= subscript_names(a)
        out = set(self.ids(names))
        if site.callee is None:
            for a in site.args:
                out |= self.ids(ref_names(a))
            return frozenset(out)
        actuals = map_actuals(site)
        if self.ctx.decision(site).mode == JOINT:
            need = self.eff.summary(site.callee).reads
        else:
            need = self.ctx.reverser(site.callee).main.req_end
        for f, a in actuals.items():
            if f in need:
                out |= self.ids(ref_names(a))
        out |= {g for g in need if is_global_id(g)}
        return frozenset(out)

    def upward_reads(self, stmts: list[S.Stmt]) -> frozenset:
        """Variables whose values on entry ``stmts`` may read (liveness): what a re-run needs."""
        cfg = build_cfg(stmts, opaque=self.is_opaque)
        return self.eff.live_in(self.r, cfg)[cfg.entry]

    def written_in(self, body: list[S.Stmt]) -> frozenset:
        key = id(body)
        if key not in self._written_cache:
            self._written_cache[key] = self.eff.body_effects(self.r, body)[1]
        return self._written_cache[key]

    def bounds_recomputable(self, st: S.Do) -> bool:
        written = self.written_in(st.body)
        for b in (st.start, st.end, st.step):
            if b is not None and (self.ids(ref_names(b)) & written):
                return False
        return True

    # -- activity helpers ----------------------------------------------------------
    def active_ref(self, ref: E.Expr) -> bool:
        return isinstance(ref, E.REF_TYPES) and self.act.ref_active(self.r, ref)

    def partials(self, st: S.Assign) -> list[tuple[E.Expr, E.Expr]]:
        key = id(st)
        if key not in self._partials:
            p = Partials(self.active_ref, self.typer, st.loc)
            self._partials[key] = p.of(st.rhs)
        return self._partials[key]

    # -- statement lists -------------------------------------------------------------
    def body(self, stmts: list[S.Stmt], sw: Sweep) -> tuple[list[S.Stmt], list[S.Stmt]]:
        fwd: list[S.Stmt] = []
        bwd: list[S.Stmt] = []
        for st in stmts:
            f, b = self.stmt(st, sw)
            fwd += f
            if b:
                bwd = b + bwd
        return fwd, bwd

    def stmt(self, st: S.Stmt, sw: Sweep) -> tuple[list[S.Stmt], list[S.Stmt]]:
        method = getattr(self, "r_" + type(st).__name__, None)
        if method is None:
            raise UnsupportedError(st.loc, f"reverse mode does not support {type(st).__name__.upper()} statements yet")
        return method(st, sw)

    def blocks(self, stmts: list[S.Stmt], sw: Sweep) -> tuple[list[S.Stmt], list[S.Stmt]]:
        """Reversal of unstructured code (after ``flatten_gotos``): basic blocks record their id.

        Forward sweep: the code as it is (labels and jumps), each block pushing its number
        when it ends; a 0 first marks the start.  Backward sweep: pop a number, run that
        block's adjoint, until 0.
        """
        targets = {l for s_ in S.walk_stmts(stmts) for l in _jump_labels(s_)}
        blocks: list[list[S.Stmt]] = [[]]
        for st in stmts:
            if st.label is not None and st.label in targets and blocks[-1]:
                blocks.append([])
            blocks[-1].append(st)
            if _ends_block(st):
                blocks.append([])
        blocks = [b for b in blocks if b]
        bid = E.Name(self.ds.int_temp("ad_block"))
        fwd: list[S.Stmt] = [push(B.ZERO)]
        cases = []
        for k, blk in enumerate(blocks, start=1):
            head_label = blk[0].label
            parts = []
            b_all: list[S.Stmt] = []
            for i, st in enumerate(blk):
                f, b = self.stmt(st, sw)
                if i == 0 and head_label:
                    f = [_unlabelled(x) if x.label == head_label else x for x in f]
                parts.append(f)
                b_all = b + b_all
            # only blocks with adjoint work are recorded: the others need nothing in the backward sweep
            mark = [push(E.IntLit(str(k)))] if b_all else []
            f_all: list[S.Stmt] = [S.Continue(label=head_label)] if head_label else []
            for i, f in enumerate(parts):
                if i == len(parts) - 1 and _ends_block(blk[-1]):
                    f_all += mark
                f_all += f
            if not _ends_block(blk[-1]):
                f_all += mark
            fwd += f_all
            if b_all:
                cases.append(([E.IntLit(str(k))], b_all))
        loop = S.DoWhile(None, [pop(bid), S.If([(E.BinOp("==", bid, B.ZERO), [S.Exit()])], logical_if=True),
                                S.SelectCase(bid, cases, None)])
        return fwd, [loop]

    def r_Goto(self, st, sw):
        return [st], []

    def r_ComputedGoto(self, st, sw):
        return [st], []

    def pushed(self, st: S.Stmt, sw: Sweep) -> frozenset:
        n = sw.cfg.first.get(st)
        return sw.push.get(n, frozenset()) if n is not None else frozenset()

    # -- simple statements -----------------------------------------------------------
    def r_Comment(self, st, sw):
        return [st], []

    def r_Continue(self, st, sw):
        return [st], []

    def r_Return(self, st, sw):
        """RETURN ends the forward sweep only: it jumps to where the backward sweep starts."""
        if not hasattr(self, "_end_label"):
            labels = {int(x.label) for x in S.walk_stmts(self.r.body) if x.label and x.label.isdigit()}
            n = 99990
            while n in labels:
                n -= 1
            self._end_label = str(n)
        return [S.Goto(self._end_label, loc=st.loc, label=st.label)], []

    def r_Stop(self, st, sw):
        return [st], []

    def r_Exit(self, st, sw):
        return [st], []

    def r_Raw(self, st: S.Raw, sw):
        p = self.pushed(st, sw)
        refs = [self.ref_for_id(v) for v in sorted(p)]
        return [push(x) for x in refs] + [st], [pop(x) for x in reversed(refs)]

    def r_Allocate(self, st: S.Allocate, sw):
        """ALLOCATE gives an active array its adjoint (zeroed); the backward sweep frees both.
        DEALLOCATE saves the bounds (and the values, if TBR says they are needed) so that the
        backward sweep can re-create the array, with a zero adjoint, where it was freed."""
        pushed = self.pushed(st, sw)
        fwd: list[S.Stmt] = []
        bwd: list[S.Stmt] = []
        after: list[S.Stmt] = []
        for item in st.items:
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
                redo = [S.Allocate([E.Index(name, shape)])]
                if var_id(self.r, name) in pushed:
                    redo.append(pop(a))
                if active:
                    after.append(S.Allocate([ab], deallocate=True))
                    redo += [S.Allocate([E.Index(ab.name, shape)]), S.Assign(ab, self.zero_of(sym))]
                pops = []
                for k in reversed(range(rank)):
                    pops += [pop(his[k]), pop(los[k])]
                bwd = pops + redo + bwd
            else:
                if active:
                    shape = tuple(E.Slice(E.Call("lbound", (a, E.IntLit(str(k)))), E.Call("ubound", (a, E.IntLit(str(k)))))
                                  for k in range(1, rank + 1))
                    alloc = [S.Allocate([E.Index(ab.name, shape)]), S.Assign(ab, self.zero_of(sym))]
                    if sym.is_arg or sym.is_global:
                        alloc = [S.If([(E.UnOp(".not.", E.Call("allocated", (ab,))), [S.Allocate([E.Index(ab.name, shape)])])]),
                                 S.Assign(ab, self.zero_of(sym))]
                    after += alloc
                    if not (sym.is_arg or sym.is_global):
                        bwd.append(S.Allocate([ab], deallocate=True))
                bwd.append(S.Allocate([a], deallocate=True))
        return fwd + [st] + after, bwd

    def zero_of(self, sym) -> E.Expr:
        kind = max(8, sym.type.kind) if sym.type is not None else 8
        return E.RealLit(f"0.0_{kind}")

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

    def adjoint_ctor(self, st: S.Assign) -> list[S.Stmt]:
        """``v = [e1, e2, ...]`` (scalar items): item k receives the adjoint of element k."""
        lhs = st.lhs
        vb = self.ds.dref(lhs)
        kind = real_kind_of(lhs, self.typer)
        out: list[S.Stmt] = [S.Comment(f"adjoint of line {st.loc.line}: {_short(st)}")] if st.loc else []
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

        With a WHERE mask, array statements are masked and scalar increments sum over the mask."""
        lhs = st.lhs
        vb = self.ds.dref(lhs)
        parts = self.partials(st)
        lhs_name = E.base_name(lhs)
        rank = self.typer.rank_of(lhs)
        kind = real_kind_of(lhs, self.typer)
        zero = E.RealLit(f"0.0_{kind}")
        out: list[S.Stmt] = [S.Comment(f"adjoint of line {st.loc.line}: {_short(st)}")] if st.loc else []
        self_refs = [p for r_, p in parts if E.base_name(r_) == lhs_name]
        others = [(r_, p) for r_, p in parts if E.base_name(r_) != lhs_name]
        identical_only = all(r_ == lhs for r_, _ in parts if E.base_name(r_) == lhs_name)
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

    # -- control flow ------------------------------------------------------------------
    def r_If(self, st: S.If, sw):
        parts = [self.body(b, sw) for _, b in st.branches]
        else_part = self.body(st.else_body, sw) if st.else_body is not None else None
        has_bwd = any(b for _, b in parts) or (else_part is not None and else_part[1])
        if not has_bwd:
            new = S.If([(c, f) for (c, _), (f, _) in zip(st.branches, parts)],
                       else_part[0] if else_part is not None else None,
                       construct_name=st.construct_name, label=st.label, loc=st.loc)
            return [new], []
        br = E.Name(self.branch_var())
        fb = []
        for k, ((c, _), (f, _)) in enumerate(zip(st.branches, parts), start=1):
            fb.append((c, f + [push(E.IntLit(str(k)))]))
        n = len(st.branches)
        if else_part is not None:
            felse = else_part[0] + [push(E.IntLit(str(n + 1)))]
        else:
            felse = [push(E.IntLit("0"))]
        fwd = [S.If(fb, felse, construct_name=st.construct_name, label=st.label, loc=st.loc)]
        bb = [(E.BinOp("==", br, E.IntLit(str(k))), b) for k, (_, b) in enumerate(parts, start=1) if b]
        if else_part is not None and else_part[1]:
            bb.append((E.BinOp("==", br, E.IntLit(str(n + 1))), else_part[1]))
        bwd = [pop(br), S.If(bb, None, loc=st.loc)]
        return fwd, bwd

    def r_SelectCase(self, st: S.SelectCase, sw):
        parts = [self.body(b, sw) for _, b in st.cases]
        dpart = self.body(st.default, sw) if st.default is not None else None
        has_bwd = any(b for _, b in parts) or (dpart is not None and dpart[1])
        if not has_bwd:
            new = S.SelectCase(st.selector, [(sel, f) for (sel, _), (f, _) in zip(st.cases, parts)],
                               dpart[0] if dpart is not None else None, construct_name=st.construct_name,
                               label=st.label, loc=st.loc)
            return [new], []
        br = E.Name(self.branch_var())
        cases = [(sel, f + [push(E.IntLit(str(k)))]) for k, ((sel, _), (f, _)) in enumerate(zip(st.cases, parts), 1)]
        n = len(st.cases)
        default = (dpart[0] if dpart is not None else []) + [push(E.IntLit(str(n + 1)))]
        fwd = [S.SelectCase(st.selector, cases, default, construct_name=st.construct_name, label=st.label, loc=st.loc)]
        bb = [(E.BinOp("==", br, E.IntLit(str(k))), b) for k, (_, b) in enumerate(parts, start=1) if b]
        if dpart is not None and dpart[1]:
            bb.append((E.BinOp("==", br, E.IntLit(str(n + 1))), dpart[1]))
        return fwd, [pop(br), S.If(bb, None, loc=st.loc)]

    def branch_var(self) -> str:
        if not hasattr(self, "_branch"):
            self._branch = self.ds.int_temp("branch")
        return self._branch

    def r_Do(self, st: S.Do, sw):
        d = st.has_directive("BINOMIAL-CKP")
        if d is not None:
            return self.binomial(st, sw, d)
        nodes = sw.cfg.do_nodes[st]
        vid = var_id(self.r, st.var)
        fbody, bbody = self.body(st.body, sw)
        push_var = vid in sw.push[nodes["init"]]
        if not bbody and not push_var:
            return [S.Do(st.var, st.start, st.end, st.step, fbody, construct_name=st.construct_name,
                         label=st.label, loc=st.loc)], []
        var = E.Name(st.var)
        vtype = self.typer.type_of(var) or INTEGER
        step = st.step if st.step is not None else B.ONE
        fwd: list[S.Stmt] = []
        bwd: list[S.Stmt] = []
        after: list[S.Stmt] = []
        if push_var:
            fwd.append(push(var))
            after.append(pop(var))
        if _leaves_early(st.body):
            # the loop may stop early (EXIT): count the iterations it really ran
            cnt = E.Name(self.ds.int_temp("ad_count"))
            frm = E.Name(self.ds.int_temp("ad_from", vtype))
            fwd += [S.Assign(cnt, B.ZERO), S.Assign(frm, st.start),
                    S.Do(st.var, frm, st.end, st.step, [S.Assign(cnt, B.add(cnt, B.ONE))] + fbody,
                         construct_name=st.construct_name, label=st.label, loc=st.loc),
                    push(cnt), push(frm)]
            last = B.add(frm, B.mul(E.Paren(B.sub(cnt, B.ONE)), step))
            bwd += [pop(frm), pop(cnt), S.Do(st.var, last, frm, B.neg(step), bbody, loc=st.loc)]
        elif self.bounds_recomputable(st):
            fwd.append(S.Do(st.var, st.start, st.end, st.step, fbody, construct_name=st.construct_name,
                            label=st.label, loc=st.loc))
            if B.int_value(step) == 1:
                last = st.end
            else:
                last = B.add(st.start, B.mul(E.Paren(B.div(E.Paren(B.sub(st.end, st.start)), step)), step))
            bwd.append(S.Do(st.var, last, st.start, B.neg(step), bbody, loc=st.loc))
        else:
            if st.step is not None and (self.ids(ref_names(st.step)) & self.written_in(st.body)):
                raise UnsupportedError(st.loc, "DO loop whose step variable changes inside the loop")
            frm = E.Name(self.ds.int_temp("ad_from", vtype))
            to = E.Name(self.ds.int_temp("ad_to", vtype))
            fwd.append(S.Assign(frm, st.start))
            fwd.append(S.Do(st.var, frm, st.end, st.step, fbody, construct_name=st.construct_name,
                            label=st.label, loc=st.loc))
            fwd.append(push(B.sub(var, step)))
            fwd.append(push(frm))
            bwd.append(pop(frm))
            bwd.append(pop(to))
            bwd.append(S.Do(st.var, to, frm, B.neg(step), bbody, loc=st.loc))
        return fwd, bwd + after

    def r_DoWhile(self, st: S.DoWhile, sw):
        fbody, bbody = self.body(st.body, sw)
        if not bbody:
            return [S.DoWhile(st.cond, fbody, construct_name=st.construct_name, label=st.label, loc=st.loc)], []
        cnt = E.Name(self.ds.int_temp("ad_count"))
        it = E.Name(self.ds.int_temp("ad_iter"))
        fwd = [S.Assign(cnt, B.ZERO),
               S.DoWhile(st.cond, [S.Assign(cnt, B.add(cnt, B.ONE))] + fbody, construct_name=st.construct_name,
                         label=st.label, loc=st.loc),
               push(cnt)]
        bwd = [pop(cnt), S.Do(it.name, B.ONE, cnt, None, bbody, loc=st.loc)]
        return fwd, bwd

    def r_Region(self, st: S.Region, sw):
        """A checkpointed fragment: snapshot, plain primal; later restore, re-run taped, adjoint, pop."""
        p = self.pushed(st, sw)
        refs = [self.ref_for_id(v) for v in sorted(p)]
        inner = self.sweep_for(st.body)
        fi, bi = self.body(st.body, inner)
        if not bi:
            return self.primal(st.body), []
        for v in p:
            self.restored.add(v)
        fwd = self.snapshot_push(refs) + self.primal(st.body)
        bwd = [look(x) for x in reversed(refs)] + [_call("fadj_stats_recompute")] + fi + bi + \
            [pop(x) for x in reversed(refs)]
        return fwd, bwd

    def binomial(self, st: S.Do, sw: Sweep, d):
        """``$AD BINOMIAL-CKP``: reverse the loop with the optimal binomial (Revolve) schedule.

        Forward sweep: snapshot of the loop's state (checkpoint 0), the plain loop, its trip
        count.  Backward sweep: restore checkpoint 0 and let the runtime's revolver drive the
        steps: ADVANCE runs plain steps, TAKESHOT/RESTORE/DISCARD push/look/pop the state,
        each turn runs one step taped and at once its adjoint.
        """
        p = self.pushed(st, sw)
        refs = [self.ref_for_id(v) for v in sorted(p)]
        inner = self.sweep_for(st.body)
        fi, bi = self.body(st.body, inner)
        if not bi:
            return [S.Do(st.var, st.start, st.end, st.step, self.primal(st.body), construct_name=st.construct_name,
                         label=st.label, loc=st.loc)], []
        for v in p:
            self.restored.add(v)
        nsnaps = d.args[1]
        var = E.Name(st.var)
        vtype = self.typer.type_of(var) or INTEGER
        step = st.step if st.step is not None else B.ONE
        n = E.Name(self.ds.int_temp("ad_nsteps", INTEGER))
        first = E.Name(self.ds.int_temp("ad_first", vtype))
        k = E.Name(self.ds.int_temp("ad_k", INTEGER))
        act = E.Name(self.ds.int_temp("ad_action", INTEGER))
        rv = E.Name(self.ds.temp("ad_rv", TypeSpec("type", 0, derived="fadj_revolver")))
        self.ds.uses.append(Use("fadj_revolve"))
        trip = E.Call("max", (B.div(E.Paren(B.add(B.sub(st.end, first), step)), step), B.ZERO))
        fwd = self.snapshot_push(refs) + [
            S.Assign(first, st.start),
            S.Assign(n, trip),
            S.Do(st.var, first, st.end, st.step, self.primal(st.body), construct_name=st.construct_name,
                 label=st.label, loc=st.loc),
            push(n), push(first)]

        def comp(c):
            return E.Component(rv, c)

        def at(pos):
            return S.Assign(var, B.add(first, B.mul(pos, step)))

        recompute = _call("fadj_stats_recompute")
        looks = [_call("fadj_look_reset")] + [look(x) for x in reversed(refs)]
        cases = [
            ([E.Name("fadj_rv_advance")],
             [S.Do(k.name, comp("from"), B.sub(comp("to"), B.ONE), None, [at(k), recompute] + self.primal(st.body))]),
            ([E.Name("fadj_rv_takeshot")], self.snapshot_push(refs)),
            ([E.Name("fadj_rv_restore")], looks),
            ([E.Name("fadj_rv_firsturn"), E.Name("fadj_rv_youturn")], [at(comp("capo")), recompute] + fi + bi),
            ([E.Name("fadj_rv_discard")], [pop(x) for x in reversed(refs)]),
        ]
        driver = S.DoWhile(None, [S.Assign(act, E.Call("fadj_rv_next", (rv,))),
                                  S.SelectCase(act, cases, [S.Exit()])], loc=st.loc)
        bwd = [pop(first), pop(n)] + looks + [_call("fadj_rv_init", rv, n, E.IntLit(str(nsnaps))), driver]
        return fwd, bwd

    def snapshot_push(self, refs: list[E.Expr]) -> list[S.Stmt]:
        if not refs:
            return []
        return [_call("fadj_stats_snapshot_begin")] + [push(x) for x in refs] + [_call("fadj_stats_snapshot_end")]

    def primal(self, stmts: list[S.Stmt]) -> list[S.Stmt]:
        out: list[S.Stmt] = []
        for st in stmts:
            if isinstance(st, S.Region):
                out += self.primal(st.body)
            else:
                out.append(st)
        return out

    # -- calls -----------------------------------------------------------------------
    def r_CallStmt(self, st: S.CallStmt, sw):
        site = self.cg.site_of.get(st)
        if site is not None:
            return self.call_site(st, site, sw)
        # intrinsic subroutine (random_number, cpu_time...): save what it overwrites if needed
        p = self.pushed(st, sw)
        refs = [a for a in st.args if isinstance(a, E.REF_TYPES) and var_id(self.r, E.base_name(a)) in p]
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
        if not self.ctx.site_active(site):
            return [push(x) for x in refs] + [st], [pop(x) for x in reversed(refs)]
        mode = self.ctx.decision(site).mode
        pre, adj_args, post = self.derivative_args(site)
        if site.callee is not None:
            if mode == JOINT:
                self.called.add((site.callee, "b"))
            else:
                self.called |= {(site.callee, "fwd"), (site.callee, "bwd")}
        if mode == JOINT:
            fwd = self.snapshot_push(refs) + [st]
            bwd = [look(x) for x in reversed(refs)]
            if site.callee is not None:
                bwd.append(_call("fadj_stats_recompute"))
            bwd += pre + [_call((site.callee.name if site.callee is not None else site.name) + "_b", *adj_args)] + post + [pop(x) for x in reversed(refs)]
            return fwd, bwd
        # split mode
        callee = site.callee
        prim_args = list(site.args)
        if site.is_function:
            fwd_call = S.Assign(st.lhs, E.Call(callee.name + "_fwd", tuple(prim_args)), loc=st.loc, label=st.label)
        else:
            fwd_call = S.CallStmt(callee.name + "_fwd", prim_args, loc=st.loc, label=st.label)
        fwd = [push(x) for x in refs] + [fwd_call]
        bwd = pre + [_call(callee.name + "_bwd", *adj_args)] + post + [pop(x) for x in reversed(refs)]
        return fwd, bwd

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
            keyword = False
            for f in callee.args:
                a = actuals.get(f)
                if a is None:
                    keyword = True
                    continue
                args.append(E.Keyword(f, a) if keyword else a)
                if f in active_f:
                    fsym = callee.scope.local(f)
                    adj = self.adjoint_actual(a, fsym, pre)
                    args.append(E.Keyword(self.ctx.reverser(callee).ds.dname(f), adj) if keyword else adj)
        if site.is_function:
            lhs = site.stmt.lhs
            if self.active_ref(lhs):
                lb = self.ds.dref(lhs)
                kind = real_kind_of(lhs, self.typer)
                if any(E.base_name(a) == E.base_name(lhs) for a in site.args if isinstance(a, E.REF_TYPES)):
                    tmp = E.Name(self.ds.temp("tempb", self.lhs_type(lhs)))
                    pre += [S.Assign(tmp, lb), S.Assign(lb, E.RealLit(f"0.0_{kind}"))]
                    args.append(tmp)
                else:
                    args.append(lb)
                    post.append(S.Assign(lb, E.RealLit(f"0.0_{kind}")))
            else:
                t = self.lhs_type(lhs)
                tmp = E.Name(self.ds.temp("resb", t))
                pre.append(S.Assign(tmp, E.RealLit(f"0.0_{real_kind_of(lhs, self.typer)}")))
                args.append(tmp)
        return pre, args, post

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
                pre.append(S.Assign(E.Name(name), zero))
                return E.Name(name) if isinstance(a, E.Name) else E.Index(name, a.subs)
        tt = t if t is not None and t.base == "real" else TypeSpec("real", 8, double=True)
        name = self.ds.temp("dummyb", tt)
        pre.append(S.Assign(E.Name(name), zero))
        return E.Name(name)

    def snapshot_refs(self, site: CallSite, pushed: frozenset) -> list[E.Expr]:
        """What to save before a call: refs for the ids TBR marked, as small as the formals allow."""
        if not pushed:
            return []
        out: list[E.Expr] = []
        covered: set[str] = set()
        callee = site.callee
        actuals = map_actuals(site)
        writes = self.eff.summary(callee).writes if callee is not None else None
        if site.is_function:
            lhs = site.stmt.lhs
            lid = var_id(self.r, E.base_name(lhs))
            if lid in pushed:
                out.append(lhs)
        for f, a in actuals.items():
            if not isinstance(a, E.REF_TYPES):
                continue
            if writes is not None and f not in writes:
                continue
            b = E.base_name(a)
            vid = var_id(self.r, b)
            if vid not in pushed or vid in covered:
                continue
            fsym = callee.scope.local(f) if callee is not None else None
            ref = self.section_for(site, a, fsym)
            if ref is None:
                if (fsym is not None and fsym.rank == 0) or (isinstance(a, E.Index) and a.is_section):
                    ref = a
                else:
                    ref = self.whole(b, a)
                    covered.add(vid)
            if ref not in out:
                out.append(ref)
        for vid in sorted(pushed):
            if is_global_id(vid):
                ref = self.ref_for_id(vid)
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

    def whole(self, name: str, near: E.Expr | None = None) -> E.Expr:
        sym = self.r.scope.lookup(name)
        if sym is not None and sym.dims and any(d.kind == "assumed_size" for d in sym.dims):
            raise UnsupportedError(near and self.r.loc, f"cannot save assumed-size array '{name}' in a snapshot: "
                                                        f"declare its size")
        return E.Name(name)

    def ref_for_id(self, vid: str) -> E.Expr:
        if is_global_id(vid):
            return self.ds.global_ref(vid)
        return self.whole(vid)

    # -- routine assembly ----------------------------------------------------------------
    def routine(self, version: str) -> DerivRoutine:
        """The derivative routine: version 'b' (joint), 'fwd' or 'bwd' (split halves)."""
        if not hasattr(self, "_sweeps"):
            if getattr(self.r, "_blocks_mode", False):
                self._sweeps = self.blocks(self.r.body, self.main)
            else:
                self._sweeps = self.body(self.r.body, self.main)
        fwd, bwd = self._sweeps
        if hasattr(self, "_end_label") and version != "fwd":
            fwd = fwd + [S.Continue(label=self._end_label)]
        elif hasattr(self, "_end_label"):
            fwd = fwd + [S.Continue(label=self._end_label)]
        r = self.r
        is_head = r is self.ctx.head
        active_f = set(self.act.active_formals(r))
        body: list[S.Stmt] = []
        zero = self.zero_locals()
        if version == "b":
            save, restore = self.preserve_outputs() if is_head else ([], [])
            body = fwd + save + zero + bwd + restore
            if is_head:
                body.append(_call("fadj_stats_report", E.StrLit(f"'{r.name}_b'")))
        elif version == "fwd":
            body = fwd + [push(x) for x in self.end_locals()]
        else:
            body = [pop(x) for x in reversed(self.end_locals())] + zero + bwd
        args: list[str] = []
        for a in r.args:
            args.append(a)
            if version != "fwd" and a in active_f:
                args.append(self.ds.dname(a))
        kind = "subroutine"
        result = None
        if r.is_function:
            if version == "fwd":
                kind, result = "function", r.result
            else:
                if self.act.is_active(r, r.result) or r is self.ctx.head:
                    args.append(self.ds.dname(r.result))
                else:
                    args.append(self.ds.temp(r.result + "b", self.r.scope.local(r.result).type))
        if self.ctx.prog.types:
            body = self.expand_derived(body)
        name = f"{r.name}_{version}"
        prefix = tuple(p for p in r.prefix if p == "recursive")
        if "elemental" in r.prefix:
            prefix = ("impure", "elemental")     # pushes to the stack: impure, applied element by element
        dr = DerivRoutine(name, r, kind, args, result=result, module=r.module, body=body, prefix=prefix)

        called = {(c, v) for c, v in self.called if (v == "fwd") == (version == "fwd") or version == "b"}
        dr = finish(dr, r, self.ds, called, result_is_local=True)
        if "elemental" in r.prefix:
            # every dummy of an elemental procedure needs an INTENT: derivatives are INOUT
            args = set(dr.args)
            dr.symbols = [s_.copy(intent=s_.intent or "inout", is_arg=True) if s_.name in args else s_
                          for s_ in dr.symbols]
        return dr

    def expand_derived(self, stmts: list[S.Stmt]) -> list[S.Stmt]:
        """The stack holds intrinsic types only: a push/pop/look of a derived-type variable
        becomes one per component (pops in reverse order), recursively."""
        out: list[S.Stmt] = []
        for st in stmts:
            if isinstance(st, S.CallStmt) and st.name in ("fadj_push", "fadj_pop", "fadj_look") and len(st.args) == 1:
                t = self.typer.type_of(st.args[0])
                if t is not None and t.base == "type":
                    ops = self._component_ops(st.name, st.args[0], t)
                    out += ops if st.name == "fadj_push" else _reversed_ops(ops)
                    continue
            for attr in ("branches", "cases"):
                if hasattr(st, attr):
                    setattr(st, attr, [(c, self.expand_derived(b)) for c, b in getattr(st, attr)])
            for attr in ("else_body", "default"):
                if getattr(st, attr, None) is not None:
                    setattr(st, attr, self.expand_derived(getattr(st, attr)))
            if isinstance(st, (S.Do, S.DoWhile)):
                st.body = self.expand_derived(st.body)
            out.append(st)
        return out

    def _component_ops(self, op: str, ref: E.Expr, t: TypeSpec) -> list[S.Stmt]:
        dt = self.ctx.prog.types.get(t.derived)
        if dt is None:
            raise UnsupportedError(self.r.loc, f"derived type '{t.derived}' is not defined in the given sources")
        base_rank = self.typer.rank_of(ref)
        ops: list[S.Stmt] = []
        for c in dt.components.values():
            if c.pointer or (c.type is not None and c.type.base in ("character",)):
                continue
            if c.allocatable:
                raise UnsupportedError(self.r.loc, f"saving '{c.name}', an allocatable component of type "
                                                   f"'{dt.name}', is not supported yet")
            cref = E.Component(ref, c.name)
            if base_rank > 0 and (c.dims or (c.type is not None and c.type.base == "type")):
                if base_rank > 1:
                    raise UnsupportedError(self.r.loc, f"saving arrays of rank {base_rank} of type '{dt.name}'")
                k = E.Name(self.ds.int_temp("ad_i"))
                if isinstance(ref, E.Name):
                    base_elem = E.Index(ref.name, (k,))
                elif isinstance(ref, E.Component) and not ref.subs:
                    base_elem = E.Component(ref.base, ref.comp, (k,))
                else:
                    raise UnsupportedError(self.r.loc, f"saving an array section of type '{dt.name}'")
                elem = E.Component(base_elem, c.name)
                inner = self._component_ops(op, elem, c.type) if c.type.base == "type" else [_call(op, elem)]
                ops.append(S.Do(k.name, E.Call("lbound", (ref, B.ONE)), E.Call("ubound", (ref, B.ONE)), None, inner))
            elif c.type is not None and c.type.base == "type":
                ops += self._component_ops(op, cref, c.type)
            else:
                ops.append(_call(op, cref))
        return ops      # in push order; pops and looks use _reversed_ops

    def zero_locals(self) -> list[S.Stmt]:
        out = []
        for name, dn in list(self.ds.adj.items()):
            if not isinstance(name, str):
                continue
            sym = self.r.scope.lookup(name)
            if sym is None or sym.is_arg or sym.common is not None or sym.module is not None:
                continue
            if self.r.is_function and name == self.r.result:
                continue
            if self.r.scope.local(name) is None or sym.pointer:
                continue
            if sym.allocatable:
                if not self._explicitly_allocated(name):
                    # a temporary allocated by assignment: its adjoint takes its shape
                    dn_ = E.Name(dn)
                    out.append(S.If([(E.Call("allocated", (E.Name(name),)), [
                        S.If([(E.UnOp(".not.", E.Call("allocated", (dn_,))),
                               [S.Allocate([dn_], options=f"mold={name}")])], logical_if=True),
                        S.Assign(dn_, self.zero_of(sym))])]))
                continue     # explicitly allocated adjoints are zeroed when they are allocated
            if sym.type is not None and sym.type.base == "type":
                continue     # t_diff components are default-initialised to zero
            kind = max(8, sym.type.kind) if sym.type else 8
            out.append(S.Assign(E.Name(dn), E.RealLit(f"0.0_{kind}")))
        return out

    def _explicitly_allocated(self, name: str) -> bool:
        return any(isinstance(st, S.Allocate) and any(E.base_name(i) == name for i in st.items)
                   for st in S.walk_stmts(self.r.body))

    def end_locals(self) -> list[E.Expr]:
        """Locals whose values at the end of the forward sweep the backward sweep needs (split mode)."""
        out = []
        for vid in sorted(self.main.req_end):
            if is_global_id(vid) or vid in self.r.args:
                continue
            sym = self.r.scope.local(vid)
            if sym is None or sym.parameter or sym.procedure:
                continue
            out.append(self.whole(vid))
        return out

    def preserve_outputs(self) -> tuple[list[S.Stmt], list[S.Stmt]]:
        """The head's ``_b`` returns the primal outputs: copy what the backward sweep overwrites.

        Copies go to local variables, not to the stack: the backward sweep starts by popping
        what the forward sweep pushed last.
        """
        summ = self.eff.summary(self.r)
        save, restore = [], []
        for vid in sorted(summ.writes):
            if vid in self.restored or self._call_clobbers(vid):
                ref = self.ref_for_id(vid) if is_global_id(vid) else self.whole(vid)
                sym = self.r.scope.lookup(ref.name) if isinstance(ref, E.Name) else None
                if sym is None:
                    continue
                keep = E.Name(self.ds.like(f"ad_save_{ref.name}", sym))
                save.append(S.Assign(keep, ref))
                restore.append(S.Assign(ref, keep))
        return save, restore

    def _call_clobbers(self, vid: str) -> bool:
        for site in self.cg.sites.get(self.r, []):
            if self.ctx.site_active(site) and vid in self.eff.call_effects(site)[1]:
                return True
        return False


def _reversed_ops(ops: list[S.Stmt]) -> list[S.Stmt]:
    """Stack operations in the opposite order (loops run backwards), for pops and looks."""
    out: list[S.Stmt] = []
    for st in reversed(ops):
        if isinstance(st, S.Do):
            out.append(S.Do(st.var, st.end, st.start, B.neg(B.ONE), _reversed_ops(st.body)))
        else:
            out.append(st)
    return out


def _jump_labels(st: S.Stmt) -> list[str]:
    if isinstance(st, S.Goto):
        return [st.target]
    if isinstance(st, (S.ComputedGoto, S.ArithmeticIf)):
        return list(st.targets)
    return []


def _ends_block(st: S.Stmt) -> bool:
    """A statement after which control may not fall through to the next one."""
    if isinstance(st, (S.Goto, S.ComputedGoto, S.ArithmeticIf, S.Return, S.Stop)):
        return True
    if isinstance(st, S.If) and any(isinstance(x, (S.Goto, S.ComputedGoto, S.Return, S.Stop))
                                    for x in S.walk_stmts([y for b in st.bodies() for y in b])):
        return True
    return False


def _unlabelled(st: S.Stmt) -> S.Stmt:
    import copy
    c = copy.copy(st)
    c.label = None
    return c


def _leaves_early(body: list[S.Stmt]) -> bool:
    """Whether a loop body (normalised by structure_jumps) may EXIT its loop."""
    for st in body:
        if isinstance(st, S.Exit):
            return True
        if isinstance(st, (S.If, S.SelectCase)) and any(_leaves_early(b) for b in st.bodies()):
            return True
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
            if a is None or not isinstance(a, (E.Name, E.IntLit, E.Index)):
                return None
            if isinstance(a, E.Index) and any(isinstance(x, E.Slice) for x in a.subs):
                return None
            return a
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


def _short(st: S.Assign) -> str:
    from fadj.backend.fortran import expr_str
    t = f"{expr_str(st.lhs)} = {expr_str(st.rhs)}"
    return t if len(t) <= 60 else t[:57] + "..."

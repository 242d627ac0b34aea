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

from fadj.ad.dscope import DerivScope
from fadj.ad.plan import JOINT
from fadj.ad.tbr import run_tbr
from fadj.analysis.callgraph import CallSite
from fadj.ad.fresh import fresh_writes
from fadj.ad.recompute import copy_stmt, recomputable
from fadj.analysis.cfg import CFG, Node, build_cfg
from fadj.analysis.effects import is_global_id, map_actuals, ref_names, subscript_names, var_id
from fadj.errors import UnsupportedError
from fadj.ir import expr as E
from fadj.ir import stmt as S
from fadj.ir.program import Routine
from fadj.rules.partials import Partials


from fadj.ad.reverse.stack import pop, push
from fadj.ad.reverse.sweep import Sweep
from fadj.ad.reverse.assign import AssignMixin
from fadj.ad.reverse.calls import CallMixin
from fadj.ad.reverse.control import ControlMixin
from fadj.ad.reverse.pointers import PointerMixin
from fadj.ad.reverse.routine import RoutineMixin


class Reverser(AssignMixin, ControlMixin, CallMixin, PointerMixin, RoutineMixin):
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
        self.recompute_lists: dict[int, list[S.Stmt]] = {}     # statement list -> statements re-run
        self.recomputed: dict[int, frozenset] = {}              # id(statement) -> variable ids it sets
        self.recompute_conds: set[int] = set()                  # IF / SELECT re-evaluated, not pushed
        self.fresh = fresh_writes(r, r.body, ctx.prog.types)                   # first writes of local work arrays
        self.main = self.sweep_for(r.body, keep=ctx.kept_formals(r))
        self.restored: set[str] = set()    # ids that the backward sweep pops into
        #: statements the backward sweep starts with (adjoints of arguments' allocatable parts,
        #: which a split routine's _fwd half cannot allocate: it has no adjoint arguments)
        self.bwd_prologue: list[S.Stmt] = []
        self.called: set[tuple[Routine, str]] = set()

    def is_opaque(self, st: S.Stmt) -> bool:
        """Checkpointed regions and binomial loops: outside code sees only their snapshot."""
        return isinstance(st, S.Region) or (isinstance(st, S.Do) and st.has_directive("BINOMIAL-CKP") is not None)

    def sweep_for(self, body: list[S.Stmt], keep: frozenset = frozenset()) -> Sweep:
        """``keep``: dummies whose overwritten values this routine saves itself, because a caller
        cannot (an assumed-size work array: ADContext.kept_formals)."""
        cfg = build_cfg(body, opaque=self.is_opaque)
        r = self.r
        rec = None
        if not getattr(self.r, "_blocks_mode", False) or body is not self.r.body:
            rec = recomputable(r, self.eff, body, is_global_id, self._pure_function, self._pure_call)
            self.recompute_lists.update(rec.rerun)
            self.recomputed.update(rec.marked)
            self.recompute_conds |= rec.conditions

        def defs(n: Node) -> frozenset:
            if isinstance(n.stmt, S.Allocate) and not n.stmt.deallocate and n.kind == "stmt":
                return frozenset()     # a fresh allocation overwrites nothing anyone needs
            if n.kind == "stmt" and id(n.stmt) in self.recomputed:
                return frozenset()     # re-run in the backward sweep instead of saved
            d = self.eff.node_effects(r, n)[1]
            if n.kind == "stmt" and id(n.stmt) in self.fresh:
                d = d - self.fresh[id(n.stmt)]      # overwrites nothing ever stored (fresh.py)
            site = self._split_site(n)
            if site is not None:
                d = d - self.callee_restores(site)     # the callee's _bwd puts them back itself
            return frozenset(v for v in d if self._restorable(v))

        def kills(n: Node) -> frozenset:
            return self.eff.node_effects(r, n)[2]

        def loop_var(n: Node) -> str | None:
            return var_id(r, n.stmt.var) if isinstance(n.stmt, S.Do) else None

        def own_uses(n: Node) -> frozenset:
            # a split callee's _bwd reads the values it left at its exit, not those before it;
            # but ``s = f(t, s)`` overwrites ``s`` after the function's exit: that value is the
            # one before the statement
            site = self._split_site(n)
            if site is None:
                return self.uses_bwd(n)
            if site.is_function and isinstance(n.stmt, S.Assign):
                b = E.base_name(n.stmt.lhs)
                return self.uses_bwd(n) & {var_id(r, b)} if b is not None else frozenset()
            return frozenset()

        push_sets, req_in, req_end = run_tbr(cfg, defs, kills, self.uses_bwd, self.push_uses, loop_var,
                                             own_uses=own_uses, boundary=keep)
        if keep:
            # what the backward half itself needs at the exit, without the kept dummies' old values
            req_end = run_tbr(cfg, defs, kills, self.uses_bwd, self.push_uses, loop_var, own_uses=own_uses)[2]
        if rec is not None:
            self._drop_unneeded_reruns(cfg, rec, push_sets)
        return Sweep(cfg, push_sets, req_in, req_end)

    def _drop_unneeded_reruns(self, cfg: CFG, rec, push_sets) -> None:
        """Re-run only values some backward statement reads: ``adv`` in ``tend = ... - adv``
        is recomputable, but no adjoint needs its value."""
        need: set[str] = set()
        for n in cfg.nodes:
            if n.kind == "stmt" and id(n.stmt) in self.recomputed:
                site = self.cg.site_of.get(n.stmt)
                if site is not None:
                    need |= self._call_uses(site)
                elif isinstance(n.stmt, S.Assign) and self.active_ref(n.stmt.lhs):
                    need |= self.ids(self._assign_uses(n.stmt))
            else:
                need |= self.uses_bwd(n)
            if push_sets.get(n):
                need |= self.push_uses(n, push_sets[n])
        leaves = [x for lst in rec.rerun.values() for x in S.walk_stmts(lst) if not isinstance(x, S.If)]
        changed = True
        while changed:
            changed = False
            for x in leaves:
                if rec.sets[id(x)] & need:
                    ins = self.ids(rec.inputs[id(x)]) - need
                    if ins:
                        need |= ins
                        changed = True

        def keep(stmts: list[S.Stmt]) -> list[S.Stmt]:
            out = []
            for x in stmts:
                if isinstance(x, S.If):
                    branches = [(c, keep(b)) for c, b in x.branches]
                    other = keep(x.else_body or [])
                    if any(b for _, b in branches) or other:
                        out.append(S.If(branches, other, loc=x.loc))
                elif rec.sets[id(x)] & need:
                    out.append(x)
            return out

        for lst_id, stmts in rec.rerun.items():
            self.recompute_lists[lst_id] = keep(stmts)

    def _pure_function(self, name: str) -> bool:
        """A user function that writes nothing (arguments, globals) and is short: calling it
        again in the backward sweep is cheaper than saving its result."""
        from fadj.analysis.callgraph import resolve
        callee = resolve(self.ctx.prog, self.r, name)
        if callee is None or not callee.is_function or callee in (self.r,):
            return False
        if self.eff.summary(callee).writes or "recursive" in callee.prefix:
            return False
        return self._short_straight(callee, 6, ())

    def _short_straight(self, callee: Routine, most: int, also: tuple) -> bool:
        """At most ``most`` statements, no loop, CALL, I/O or other call (nor any ``also`` kind):
        cheap and harmless to run again in the backward sweep."""
        stmts = list(S.walk_stmts(callee.body))
        return len(stmts) <= most and not any(isinstance(x, (S.Do, S.DoWhile, S.CallStmt, S.Raw) + also)
                                              for x in stmts) \
            and not any(self.cg.site_of.get(x) is not None for x in stmts)

    def _pure_call(self, st: S.CallStmt) -> list[str]:
        """The one local scalar a CALL sets, when running it again costs less than saving it.

        The callee must be a short subroutine without loops or calls whose only write is one
        INTENT(OUT) scalar dummy, passed a plain local name not otherwise among the actuals."""
        site = self.cg.site_of.get(st)
        callee = site.callee if site is not None else None
        if callee is None or callee.is_function or callee is self.r or "recursive" in callee.prefix:
            return []
        summ = self.eff.summary(callee)
        if {w for w in summ.writes if is_global_id(w)}:
            return []
        if not self._short_straight(callee, 4, (S.If,)):
            return []
        outs = []
        for f, a in map_actuals(site).items():
            if f not in summ.writes:
                continue
            fsym = callee.scope.local(f)
            if fsym is None or fsym.rank != 0 or fsym.intent != "out" or not isinstance(a, E.Name):
                return []
            outs.append(a.name)
        if len(outs) != 1 or sum(outs[0] in ref_names(a) for a in st.args) != 1:
            return []
        return outs

    def restores(self) -> frozenset:
        """Arguments and globals this routine's backward half gives back their entry values:
        every statement that writes them saved them first (or re-runs, or delegates to a callee
        that restores them).  A split caller then need not save them again."""
        if hasattr(self, "_restores"):
            return self._restores
        self._restores = frozenset()        # recursion guard
        r = self.r
        ok: dict[str, bool] = {}
        for n in self.main.cfg.nodes:
            d = self.eff.node_effects(r, n)[1]
            if not d:
                continue
            pushed = self.main.push.get(n, frozenset())
            site = self._split_site(n)
            by_callee = self.callee_restores(site) if site is not None else frozenset()
            for v in d:
                if not (is_global_id(v) or v in r.args):
                    continue
                good = v in pushed or v in by_callee
                ok[v] = ok.get(v, True) and good
        self._restores = frozenset(v for v, g in ok.items() if g)
        return self._restores

    def _split_site(self, n: Node) -> CallSite | None:
        """The call site of node ``n`` when it is an active call to a routine in split mode."""
        site = self.cg.site_of.get(n.stmt) if n.kind == "stmt" else None
        if site is not None and site.callee is not None and self.ctx.site_active(site) \
                and self.ctx.decision(site).mode != JOINT:
            return site
        return None

    def callee_restores(self, site: CallSite) -> frozenset:
        """Caller ids (actual variables, globals) the split callee of ``site`` restores itself."""
        rv = self.ctx.reverser(site.callee)
        rest = rv.restores()
        writes = self.eff.summary(site.callee).writes
        out = set()
        # a variable the callee writes through another dummy it does not restore (``work`` and
        # ``work(iq)`` passed to two dummies) is not given back whole, whatever the first does
        unrestored = set()
        for f, a in map_actuals(site).items():
            if not isinstance(a, E.REF_TYPES) or E.base_name(a) is None:
                continue
            v = var_id(self.r, E.base_name(a))
            if f not in rest:
                if f in writes:
                    unrestored.add(v)
                continue
            if isinstance(a, (E.Name, E.Index)):
                # the whole variable only if the callee sees all of it: a plain name, or an element
                # passed to a scalar (the only element it can write)
                fsym = site.callee.scope.local(f)
                if isinstance(a, E.Name) or (fsym is not None and fsym.rank == 0):
                    out.add(v)
        out |= {g for g in rest if is_global_id(g)}
        return frozenset(out - unrestored)

    def _restorable(self, vid: str) -> bool:
        if is_global_id(vid) or vid.startswith("@"):
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
            if site is not None and id(st) in self.recomputed:
                # re-run in the backward sweep: it reads its inputs again
                out = self._call_uses(site)
                for a in (st.args if isinstance(st, S.CallStmt) else [st.rhs]):
                    out |= self.ids(ref_names(a))
                out -= self.recomputed[id(st)]
            elif site is not None:
                out = self._call_uses(site)
            elif id(st) in self.recomputed:
                out = self.ids(ref_names(st.rhs))
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
        elif n.kind in ("cond", "select") and id(st) in self.recompute_conds:
            e = st.branches[n.index][0] if n.kind == "cond" else st.selector
            out = self.ids(ref_names(e))
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
            # the extent of an array dummy, in the caller's terms, sizes the snapshot sections and
            # the overlap tests of the backward call (sequence association)
            fsym = site.callee.scope.local(f)
            if fsym is not None and fsym.rank > 0 and isinstance(a, E.REF_TYPES):
                size = self.formal_size(site, fsym)
                if size is not None:
                    out |= self.ids(ref_names(size))
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

    def active_ref(self, ref: E.Expr) -> bool:
        return isinstance(ref, E.REF_TYPES) and self.act.ref_active(self.r, ref)

    def partials(self, st: S.Assign) -> list[tuple[E.Expr, E.Expr]]:
        key = id(st)
        if key not in self._partials:
            p = Partials(self.active_ref, self.typer, st.loc)
            self._partials[key] = p.of(st.rhs)
        return self._partials[key]

    def body(self, stmts: list[S.Stmt], sw: Sweep) -> tuple[list[S.Stmt], list[S.Stmt]]:
        fwd: list[S.Stmt] = []
        bwd: list[S.Stmt] = []
        for st in stmts:
            f, b = self.stmt(st, sw)
            fwd += f
            if b:
                bwd = b + bwd
        redo = self.recompute_lists.get(id(stmts))
        if redo and bwd:
            # cheap values of this list are evaluated again rather than saved (recompute.py)
            bwd = [copy_stmt(a) for a in redo] + bwd
        return fwd, bwd

    def stmt(self, st: S.Stmt, sw: Sweep) -> tuple[list[S.Stmt], list[S.Stmt]]:
        method = getattr(self, "r_" + type(st).__name__, None)
        if method is None:
            raise UnsupportedError(st.loc, f"reverse mode does not support {type(st).__name__.upper()} statements yet")
        return method(st, sw)

    def pushed(self, st: S.Stmt, sw: Sweep) -> frozenset:
        n = sw.cfg.first.get(st)
        return sw.push.get(n, frozenset()) if n is not None else frozenset()

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
        if st.kind == "data_pointer":
            return self.r_data_pointer(st, sw)
        p = self.pushed(st, sw)
        refs = [x for v in sorted(p) for x in self.refs_for_id(v)]
        return [push(x) for x in refs] + [st], [pop(x) for x in reversed(refs)]


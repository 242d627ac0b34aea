"""Read and write sets: per statement, and per routine across calls.

Variables are named by *ids*: a local or dummy argument by its name, a global
by a key that is the same in every routine that sees it (``m::v`` for module
variable ``v`` of module ``m``, ``/blk/2`` for the third member of COMMON
``/blk/``), so that one routine's summary means the same thing at every call
site.

A routine's summary is what its callers need: ``reads`` are the arguments and
globals whose values on entry may be used (upward-exposed uses, from a
liveness analysis), ``writes`` those it may overwrite.  Recursion is handled by
iterating to a fixed point.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from fadj.analysis.callgraph import CallGraph, CallSite
from fadj.analysis.cfg import CFG, Node, build_cfg
from fadj.analysis.dataflow import solve
from fadj.ir import expr as E
from fadj.ir import stmt as S
from fadj.ir.program import Routine


def var_id(r: Routine, name: str) -> str:
    gid = r.storage_groups.get(name)
    if gid is not None:
        return gid        # a data pointer or one of its targets: the storage group (passes/pointer_groups)
    sym = r.scope.lookup(name)
    if sym is None:
        return name
    if sym.common is not None:
        return f"/{sym.common}/{sym.common_index}"
    if sym.module is not None and not sym.procedure:
        return f"{sym.module}::{sym.use_name or sym.name}"
    if r.scope.local(name) is None and r.host is not None:
        host = r.host
        while host is not None and host.scope.local(name) is None:
            host = host.host
        if host is not None:
            return f"{host.qualname}::{name}"
    return name


def is_global_id(vid: str) -> bool:
    return "::" in vid or vid.startswith("/")


def ref_names(e: E.Expr) -> set[str]:
    """Names of variables an expression reads (values and subscripts)."""
    out: set[str] = set()
    for n in E.walk(e):
        if isinstance(n, (E.Name, E.Index)):
            out.add(n.name)
    return out


def subscript_names(ref: E.Expr) -> set[str]:
    """Variables read by the subscripts of a reference (``i, j`` in ``a(i, j+1)``)."""
    out: set[str] = set()
    if isinstance(ref, E.Index):
        for s in ref.subs:
            out |= ref_names(s)
    elif isinstance(ref, E.Component):
        out |= subscript_names(ref.base)
        for s in ref.subs:
            out |= ref_names(s)
    return out


def map_actuals(site: CallSite) -> dict[str, E.Expr]:
    """Formal name -> actual argument expression of a call site."""
    callee = site.callee
    out: dict[str, E.Expr] = {}
    if callee is None:
        for i, a in enumerate(site.args):
            out[f"#{i}"] = a.value if isinstance(a, E.Keyword) else a
        return out
    pos = 0
    for a in site.args:
        if isinstance(a, E.Keyword):
            out[a.key] = a.value
        else:
            if pos < len(callee.args):
                out[callee.args[pos]] = a
            pos += 1
    return out


@dataclass
class Summary:
    reads: frozenset = frozenset()     # formal names and global ids
    writes: frozenset = frozenset()


@dataclass
class Effects:
    """Per-routine summaries plus helpers giving each CFG node's uses/defs/kills."""

    cg: CallGraph
    summaries: dict[Routine, Summary] = field(default_factory=dict)
    cfgs: dict[Routine, CFG] = field(default_factory=dict)
    _stmt_cache: dict = field(default_factory=dict)     # (routine, statement, node kind, index) -> effects

    def summary(self, r: Routine | None) -> Summary:
        if r is None:
            return Summary()
        return self.summaries.setdefault(r, Summary())

    def vid(self, r: Routine, name: str) -> str:
        return var_id(r, name)

    def is_variable(self, r: Routine, name: str) -> bool:
        s = r.scope.lookup(name)
        if s is None:
            return False
        return not s.procedure and not s.parameter

    def _ids(self, r: Routine, names) -> set[str]:
        return {var_id(r, n) for n in names if self.is_variable(r, n)}

    # -- call sites ------------------------------------------------------------
    def call_effects(self, site: CallSite) -> tuple[set[str], set[str]]:
        """(uses, defs) of a call site in the caller's variable ids."""
        r = site.caller
        uses: set[str] = set()
        defs: set[str] = set()
        actuals = map_actuals(site)
        for a in actuals.values():
            uses |= self._ids(r, subscript_names(a)) if isinstance(a, E.REF_TYPES) else self._ids(r, ref_names(a))
        if site.callee is None:
            # no source: every argument may be read, every variable argument may be written
            for a in actuals.values():
                uses |= self._ids(r, ref_names(a))
                if isinstance(a, E.REF_TYPES):
                    b = E.base_name(a)
                    if b is not None and self.is_variable(r, b):
                        defs.add(var_id(r, b))
            return uses, defs
        summ = self.summary(site.callee)
        for formal, a in actuals.items():
            b = E.base_name(a) if isinstance(a, E.REF_TYPES) else None
            if formal in summ.reads:
                uses |= self._ids(r, ref_names(a))
            if formal in summ.writes and b is not None and self.is_variable(r, b):
                defs.add(var_id(r, b))
        for g in summ.reads:
            if is_global_id(g):
                uses.add(g)
        for g in summ.writes:
            if is_global_id(g):
                defs.add(g)
        return uses, defs

    # -- nodes -----------------------------------------------------------------
    def node_effects(self, r: Routine, n: Node) -> tuple[frozenset, frozenset, frozenset]:
        """(uses, defs, kills) of a CFG node.  Nodes whose effects cannot change (no call: they do
        not depend on callee summaries) are computed once per statement."""
        st = n.stmt
        key = (id(r), id(st), n.kind, n.index)
        hit = self._stmt_cache.get(key)
        if hit is not None and hit[0] is st:
            return hit[1]
        out = self._node_effects(r, n)
        if n.kind not in ("opaque", "stmt") or (not isinstance(st, S.Where) and self.cg.site_of.get(st) is None):
            self._stmt_cache[key] = (st, out)      # the statement is kept: its id cannot be reused
        return out

    def _node_effects(self, r: Routine, n: Node) -> tuple[frozenset, frozenset, frozenset]:
        st = n.stmt
        k = n.kind
        if k in ("entry", "exit", "do_exit", "do_test"):
            return frozenset(), frozenset(), frozenset()
        if k == "cond":
            return frozenset(self._ids(r, ref_names(st.branches[n.index][0]))), frozenset(), frozenset()
        if k == "do_init":
            used = set()
            for b in (st.start, st.end, st.step):
                if b is not None:
                    used |= ref_names(b)
            v = var_id(r, st.var)
            return frozenset(self._ids(r, used)), frozenset({v}), frozenset({v})
        if k == "do_incr":
            v = var_id(r, st.var)
            return frozenset({v}), frozenset({v}), frozenset({v})
        if k == "while_test":
            return frozenset(self._ids(r, ref_names(st.cond)) if st.cond is not None else ()), frozenset(), frozenset()
        if k == "select":
            return frozenset(self._ids(r, ref_names(st.selector))), frozenset(), frozenset()
        if k == "opaque":
            return self.body_effects(r, [st])
        return self.stmt_effects(r, st)

    def stmt_effects(self, r: Routine, st: S.Stmt) -> tuple[frozenset, frozenset, frozenset]:
        site = self.cg.site_of.get(st)
        if isinstance(st, S.Assign):
            uses = self._ids(r, ref_names(st.rhs) | subscript_names(st.lhs))
            b = E.base_name(st.lhs)
            defs = {var_id(r, b)}
            # a whole assignment kills the variable's value, unless a pointer may designate it
            # (the storage group's other members keep theirs)
            kills = set(defs) if isinstance(st.lhs, E.Name) and b not in r.storage_groups else set()
            if site is not None:
                cu, cd = self.call_effects(site)
                uses |= cu
                defs |= cd
            return frozenset(uses), frozenset(defs), frozenset(kills)
        if isinstance(st, S.CallStmt):
            if site is None:
                return frozenset(self._ids(r, set().union(*[ref_names(a) for a in st.args]) if st.args else set())), \
                    frozenset(self._ids(r, {E.base_name(a) for a in st.args if isinstance(a, E.REF_TYPES)})), frozenset()
            cu, cd = self.call_effects(site)
            return frozenset(cu), frozenset(cd), frozenset()
        if isinstance(st, S.Raw):
            return frozenset(self._ids(r, st.reads)), frozenset(self._ids(r, st.writes)), frozenset()
        if isinstance(st, S.Allocate):
            used = set()
            defs = set()
            for it in st.items:
                used |= subscript_names(it)
                defs.add(E.base_name(it))
            d = frozenset(self._ids(r, defs))
            if not st.deallocate:
                # ALLOCATE needs the array unallocated: its allocation status is read, so a
                # checkpointed call that allocates it gets it back unallocated when recomputed
                used |= defs
            return frozenset(self._ids(r, used)), d, d
        if isinstance(st, S.Where):
            return self.body_effects(r, [st])
        if isinstance(st, (S.ComputedGoto,)):
            return frozenset(self._ids(r, ref_names(st.index))), frozenset(), frozenset()
        if isinstance(st, S.ArithmeticIf):
            return frozenset(self._ids(r, ref_names(st.expr))), frozenset(), frozenset()
        return frozenset(), frozenset(), frozenset()

    def body_effects(self, r: Routine, body: list[S.Stmt]) -> tuple[frozenset, frozenset, frozenset]:
        """Flow-insensitive uses/defs of a statement list (for opaque nodes: regions, WHERE)."""
        uses: set[str] = set()
        defs: set[str] = set()
        for st in S.walk_stmts(body):
            if isinstance(st, (S.Assign, S.CallStmt, S.Raw, S.Allocate, S.ComputedGoto, S.ArithmeticIf)):
                u, d, _ = self.stmt_effects(r, st)
                uses |= u
                defs |= d
            elif isinstance(st, S.If):
                for c, _ in st.branches:
                    uses |= self._ids(r, ref_names(c))
            elif isinstance(st, S.Do):
                for b in (st.start, st.end, st.step):
                    if b is not None:
                        uses |= self._ids(r, ref_names(b))
                defs.add(var_id(r, st.var))
                uses.add(var_id(r, st.var))
            elif isinstance(st, S.DoWhile) and st.cond is not None:
                uses |= self._ids(r, ref_names(st.cond))
            elif isinstance(st, S.SelectCase):
                uses |= self._ids(r, ref_names(st.selector))
            elif isinstance(st, S.Where):
                for m, _ in st.branches:
                    uses |= self._ids(r, ref_names(m))
        return frozenset(uses), frozenset(defs), frozenset()

    # -- summaries ---------------------------------------------------------------
    def cfg(self, r: Routine) -> CFG:
        c = self.cfgs.get(r)
        if c is None:
            c = build_cfg(r.body)
            self.cfgs[r] = c
        return c

    def live_in(self, r: Routine, cfg: CFG | None = None, live_out: frozenset = frozenset()):
        """Liveness: IN sets (values live on entry to each node)."""
        cfg = cfg or self.cfg(r)

        def transfer(n: Node, out: frozenset) -> frozenset:
            u, d, k = self.node_effects(r, n)
            return (out - k) | u

        inn, _ = solve(cfg, transfer, forward=False, boundary=live_out)
        return inn

    def _undefined_on_entry(self, r: Routine, name: str) -> bool:
        from fadj.ir.derived import has_allocatable_parts
        sym = r.scope.local(name)
        return sym is not None and sym.intent == "out" and not sym.allocatable and not sym.pointer \
            and not has_allocatable_parts(sym, self.cg.program.types)

    def interface(self, r: Routine) -> set[str]:
        return set(r.args)

    def compute(self, routines: list[Routine]) -> None:
        """Summaries of ``routines`` (callees first), iterated for recursion."""
        for _ in range(20):
            changed = False
            for r in routines:
                cfg = self.cfg(r)
                inn = self.live_in(r, cfg)
                entry_live = inn[cfg.entry]
                defs: set[str] = set()
                for n in cfg.nodes:
                    defs |= self.node_effects(r, n)[1]
                args = set(r.args)
                if r.result is not None:
                    args.discard(r.result)
                # an INTENT(OUT) dummy is undefined on entry: no value of the caller's is read
                # through it, however the body's first writes look to the liveness analysis
                # (its allocation status is a state, though: the entry deallocates it)
                reads = frozenset(v for v in entry_live
                                  if is_global_id(v) or (v in args and not self._undefined_on_entry(r, v)))
                writes = frozenset(v for v in defs if v in args or is_global_id(v))
                # arguments declared INTENT(IN) are never written; trust the declaration
                writes = frozenset(v for v in writes
                                   if not (v in args and (r.scope.local(v) and r.scope.local(v).intent == "in")))
                old = self.summaries.get(r)
                new = Summary(reads, writes)
                if old is None or old.reads != new.reads or old.writes != new.writes:
                    self.summaries[r] = new
                    changed = True
            if not changed:
                return

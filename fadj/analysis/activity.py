"""Activity analysis: which variables carry derivatives.

A variable is *varied* if it may depend differentiably on an independent
(``--vars``) and *useful* if a dependent (``--outvars``) may depend on it; it
is *active* if both, and real.  Only active variables get derivative
variables, and statements and routines with no active variable get no
derivative code.

The analysis is flow-insensitive within a routine and context-insensitive
across calls: one dependency graph over (routine, variable id) nodes, globals
shared by their id, arguments linked to formals at every call site.  That is
conservative (never misses a dependence), cheap, and enough for the
per-routine derivative versions fadj generates.
"""
from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field

from fadj.analysis.callgraph import CallGraph, CallSite
from fadj.analysis.effects import Effects, is_global_id, map_actuals, var_id
from fadj.ir import expr as E
from fadj.ir import intrinsics as I
from fadj.ir import stmt as S
from fadj.ir.program import Routine
from fadj.ir.derived import differentiable
from fadj.rules.table import RULES

Key = tuple[str, str]   # (routine qualname or '' for globals, variable id)


def diff_refs(e: E.Expr) -> list[E.Expr]:
    """References of ``e`` through which a derivative can flow (per the rule table)."""
    out: list[E.Expr] = []

    def rec(n: E.Expr) -> None:
        if isinstance(n, E.REF_TYPES):
            out.append(n)
            return
        if isinstance(n, E.Paren):
            rec(n.inner)
        elif isinstance(n, E.UnOp):
            if n.op in ("-", "+"):
                rec(n.operand)
        elif isinstance(n, E.BinOp):
            if n.op in ("+", "-", "*", "/", "**"):
                rec(n.left)
                rec(n.right)
        elif isinstance(n, E.Call):
            name = I.generic_name(n.name)
            rule = RULES.get(name)
            pos = [a for a in n.args if not isinstance(a, E.Keyword)]
            kw = {a.key: a.value for a in n.args if isinstance(a, E.Keyword)}
            if rule is None:
                if I.is_intrinsic(n.name) and (name in I.INTEGER_RESULT or name in I.LOGICAL_RESULT
                                               or name in I.INQUIRY or name in I.CHARACTER_RESULT):
                    return
                for a in pos:       # unknown: assume it may depend on everything (reported later if active)
                    rec(a)
                for a in kw.values():
                    rec(a)
                return
            for i, a in enumerate(pos):
                argname = rule.args[i] if i < len(rule.args) else rule.args[-1] if rule.nary else None
                if argname is not None and rule.partials.get(argname) is not None:
                    rec(a)
            for k, a in kw.items():
                if rule.partials.get(k) is not None:
                    rec(a)
        elif isinstance(n, (E.ArrayCtor, E.ImpliedDo)):
            for c in n.children():
                rec(c)

    rec(e)
    return out


@dataclass
class Activity:
    cg: CallGraph
    effects: Effects
    types: dict = field(default_factory=dict)
    active_keys: set[Key] = field(default_factory=set)
    varied: set[Key] = field(default_factory=set)
    useful: set[Key] = field(default_factory=set)

    def key(self, r: Routine, name_or_id: str, is_id: bool = False) -> Key:
        vid = name_or_id if is_id else var_id(r, name_or_id)
        return ("", vid) if is_global_id(vid) else (r.qualname, vid)

    def is_active(self, r: Routine, name: str) -> bool:
        return self.key(r, name) in self.active_keys

    def is_active_id(self, r: Routine, vid: str) -> bool:
        return self.key(r, vid, is_id=True) in self.active_keys

    def ref_active(self, r: Routine, ref: E.Expr) -> bool:
        b = E.base_name(ref)
        if b is None:
            return False
        s = r.scope.lookup(b)
        if s is None or s.procedure or s.parameter or not differentiable(self.types, s.type):
            return False
        if isinstance(ref, E.Component):
            t = self.typer_type(r, ref)
            if not differentiable(self.types, t):
                return False
        return self.is_active(r, b)

    def typer_type(self, r: Routine, ref: E.Expr):
        from fadj.ir.typing import Typer
        return Typer(r.scope, types=self.types).type_of(ref)

    def active_formals(self, r: Routine) -> list[str]:
        out = []
        for a in r.args:
            s = r.scope.local(a)
            if s is not None and differentiable(self.types, s.type) and self.is_active(r, a):
                out.append(a)
        return out

    def active_globals(self) -> set[str]:
        return {vid for (rq, vid) in self.active_keys if rq == ""}

    def routine_active(self, r: Routine) -> bool:
        if self.active_formals(r):
            return True
        if r.is_function and r.result and self.is_active(r, r.result):
            return True
        for s in r.scope:
            if s.type is not None and s.type.is_real and not s.procedure and not s.parameter:
                if is_global_id(var_id(r, s.name)) and self.is_active(r, s.name):
                    if self._touches_global(r, var_id(r, s.name)):
                        return True
        summ = self.effects.summary(r)
        act_g = self.active_globals()
        return any(g in act_g for g in summ.reads | summ.writes)

    def _touches_global(self, r, vid) -> bool:
        summ = self.effects.summary(r)
        return vid in summ.reads or vid in summ.writes

    def site_active(self, site: CallSite) -> bool:
        """Whether a call needs derivative code: the callee is active and something active goes in or out."""
        if site.callee is None:
            if not site.external:
                return False
            return any(self.ref_active(site.caller, a) for a in site.args if isinstance(a, E.REF_TYPES))
        if not self.routine_active(site.callee):
            return False
        actuals = map_actuals(site)
        for f in self.active_formals(site.callee):
            a = actuals.get(f)
            if a is not None and isinstance(a, E.REF_TYPES) and self.ref_active(site.caller, a):
                return True
        if site.is_function and isinstance(site.stmt, S.Assign) and self.ref_active(site.caller, site.stmt.lhs):
            return True
        summ = self.effects.summary(site.callee)
        act_g = self.active_globals()
        return any(g in act_g for g in summ.reads | summ.writes)


def analyse_activity(cg: CallGraph, effects: Effects, routines: list[Routine], head: Routine,
                     vars_: list[str], outvars: list[str]) -> Activity:
    act = Activity(cg, effects, types=cg.program.types)
    succ: dict[Key, set[Key]] = defaultdict(set)   # u -> v : v depends on u

    def K(r: Routine, name: str) -> Key:
        return act.key(r, name)

    def real_var(r: Routine, name: str | None) -> bool:
        if name is None:
            return False
        s = r.scope.lookup(name)
        return s is not None and not s.procedure and not s.parameter and differentiable(act.types, s.type)

    for r in routines:
        for st in S.walk_stmts(r.body):
            site = cg.site_of.get(st)
            if site is not None:
                _site_edges(act, succ, site, real_var)
                continue
            if isinstance(st, S.Assign):
                lhs = E.base_name(st.lhs)
                if not real_var(r, lhs):
                    continue
                for ref in diff_refs(st.rhs):
                    b = E.base_name(ref)
                    if real_var(r, b):
                        succ[K(r, b)].add(K(r, lhs))
            elif isinstance(st, S.CallStmt) and st.name == "move_alloc" and len(st.args) == 2:
                # the values move from one array to the other: both names are one storage,
                # active together (their adjoints move with them)
                a, b = (E.base_name(x.value if isinstance(x, E.Keyword) else x) for x in st.args)
                if real_var(r, a) and real_var(r, b):
                    succ[K(r, a)].add(K(r, b))
                    succ[K(r, b)].add(K(r, a))
            elif isinstance(st, S.Where):
                for inner in S.walk_stmts(st.bodies()[0] if False else [x for b in st.bodies() for x in b]):
                    if isinstance(inner, S.Assign):
                        lhs = E.base_name(inner.lhs)
                        if real_var(r, lhs):
                            for ref in diff_refs(inner.rhs):
                                b = E.base_name(ref)
                                if real_var(r, b):
                                    succ[K(r, b)].add(K(r, lhs))
    pred: dict[Key, set[Key]] = defaultdict(set)
    for u, vs in succ.items():
        for v in vs:
            pred[v].add(u)
    start_v = {K(head, v) for v in vars_}
    start_u = {K(head, v) for v in outvars}
    act.varied = _closure(start_v, succ)
    act.useful = _closure(start_u, pred)
    act.active_keys = act.varied & act.useful
    # the head's independents and dependents always get derivative arguments (driver contract)
    for v in vars_ + outvars:
        act.active_keys.add(K(head, v))
    return act


def _site_edges(act: Activity, succ, site: CallSite, real_var) -> None:
    r = site.caller
    actuals = map_actuals(site)
    callee = site.callee
    if callee is None:
        # black box: every real output argument may depend on every real input argument
        refs = [a for a in site.args if isinstance(a, E.REF_TYPES) and real_var(r, E.base_name(a))]
        for a in refs:
            for b in refs:
                succ[act.key(r, E.base_name(a))].add(act.key(r, E.base_name(b)))
        if site.is_function and isinstance(site.stmt, S.Assign):
            lhs = E.base_name(site.stmt.lhs)
            for a in refs:
                succ[act.key(r, E.base_name(a))].add(act.key(r, lhs))
        return
    summ = act.effects.summary(callee)
    for formal, a in actuals.items():
        fkey = act.key(callee, formal)
        if not real_var(callee, formal):
            continue
        for ref in diff_refs(a):
            b = E.base_name(ref)
            if real_var(r, b):
                succ[act.key(r, b)].add(fkey)
        if isinstance(a, E.REF_TYPES) and formal in summ.writes:
            b = E.base_name(a)
            if real_var(r, b):
                succ[fkey].add(act.key(r, b))
    if site.is_function and isinstance(site.stmt, S.Assign) and callee.result:
        lhs = E.base_name(site.stmt.lhs)
        if real_var(r, lhs):
            succ[act.key(callee, callee.result)].add(act.key(r, lhs))


def _closure(start: set[Key], edges) -> set[Key]:
    seen = set(start)
    q = deque(start)
    while q:
        u = q.popleft()
        for v in edges.get(u, ()):
            if v not in seen:
                seen.add(v)
                q.append(v)
    return seen

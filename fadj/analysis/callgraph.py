"""Call graph: every call site of every routine, resolved to its callee.

A call site is a CALL statement or (after normalisation) an assignment whose
right-hand side is a user function reference ``v = f(args)``.  Callees resolve
like Fortran names do: internal procedures of the caller and its host first,
then USE-associated and same-module procedures, then external routines.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from fadj.errors import NameErr
from fadj.ir import expr as E
from fadj.ir import intrinsics as I
from fadj.ir import stmt as S
from fadj.ir.program import Program, Routine


@dataclass(eq=False)
class CallSite:
    caller: Routine
    stmt: S.Stmt
    name: str
    callee: Routine | None          # None: external black box (no source) or intrinsic subroutine
    args: list[E.Expr]
    is_function: bool = False
    external: bool = False          # declared with --external (user supplies the derivatives)

    @property
    def loc(self):
        return self.stmt.loc


@dataclass
class CallGraph:
    program: Program
    sites: dict[Routine, list[CallSite]] = field(default_factory=dict)
    callers: dict[Routine, list[CallSite]] = field(default_factory=dict)
    site_of: dict[S.Stmt, CallSite] = field(default_factory=dict)

    def callees(self, r: Routine) -> list[Routine]:
        out = []
        for s in self.sites.get(r, []):
            if s.callee is not None and s.callee not in out:
                out.append(s.callee)
        return out

    def reachable(self, head: Routine) -> list[Routine]:
        """Routines reachable from ``head``, callees before callers (post-order)."""
        seen: set[int] = set()
        out: list[Routine] = []

        def visit(r: Routine):
            if id(r) in seen:
                return
            seen.add(id(r))
            for c in self.callees(r):
                visit(c)
            out.append(r)

        visit(head)
        return out


def resolve(prog: Program, caller: Routine, name: str) -> Routine | None:
    """The routine a name designates inside ``caller``, or None."""
    r: Routine | None = caller
    while r is not None:
        for ir in r.internals:
            if ir.name == name:
                return ir
        if r.name == name and r.host is not None:
            return r
        r = r.host
    sym = caller.scope.lookup(name)
    if sym is not None and sym.module is not None and (sym.procedure or sym.is_result is False):
        mod = prog.modules.get(sym.module)
        target = sym.use_name or sym.name
        if mod is not None:
            for mr in mod.routines:
                if mr.name == target:
                    return mr
            if target in mod.interfaces:
                return _generic(prog, mod, target)
    if caller.module is not None:
        mod = prog.modules[caller.module]
        for mr in mod.routines:
            if mr.name == name:
                return mr
    return prog.routines.get(name)


def _generic(prog: Program, mod, gname: str) -> Routine | None:
    specifics = mod.interfaces[gname].specifics
    for s in specifics:
        for mr in mod.routines:
            if mr.name == s:
                return mr
    return None


def function_call_of(st: S.Stmt) -> E.Call | None:
    """The user function reference of a normalised ``v = f(args)`` statement (set by the caller)."""
    if isinstance(st, S.Assign) and isinstance(st.rhs, E.Call):
        return st.rhs
    return None


def build_callgraph(prog: Program, routines: list[Routine], externals: set[str]) -> CallGraph:
    cg = CallGraph(prog)
    for r in routines:
        cg.sites.setdefault(r, [])
    for r in routines:
        for st in S.walk_stmts(r.body):
            site = _site(prog, r, st, externals)
            if site is not None:
                cg.sites[r].append(site)
                cg.site_of[st] = site
                if site.callee is not None:
                    cg.callers.setdefault(site.callee, []).append(site)
    return cg


def _site(prog: Program, r: Routine, st: S.Stmt, externals: set[str]) -> CallSite | None:
    if isinstance(st, S.CallStmt):
        callee = resolve(prog, r, st.name)
        if callee is None:
            if st.name in I.SUBROUTINES:
                return None
            return CallSite(r, st, st.name, None, list(st.args), external=st.name in externals)
        return CallSite(r, st, st.name, callee, list(st.args))
    fc = function_call_of(st)
    if fc is not None:
        sym = r.scope.lookup(fc.name)
        if sym is not None and sym.is_array:
            return None
        callee = resolve(prog, r, fc.name)
        if callee is not None and callee.is_function:
            return CallSite(r, st, fc.name, callee, list(fc.args), is_function=True)
        if callee is None and not I.is_intrinsic(fc.name) and sym is not None and sym.procedure:
            return CallSite(r, st, fc.name, None, list(fc.args), is_function=True,
                            external=fc.name in externals)
    return None


def check_missing(cg: CallGraph, routines: list[Routine], externals: set[str]) -> None:
    """A call to a routine with no source is an error unless the user declared it external."""
    for r in routines:
        for s in cg.sites.get(r, []):
            if s.callee is None and s.name not in externals:
                what = "function" if s.is_function else "routine"
                raise NameErr(s.loc, f"call to {what} '{s.name}', which has no source: give the file that "
                                     f"defines it, or declare it with --external {s.name}")

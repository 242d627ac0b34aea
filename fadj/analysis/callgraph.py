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


def resolve(prog: Program, caller: Routine, name: str, args: list | None = None) -> Routine | None:
    """The routine a name designates inside ``caller``, or None.

    A generic name resolves to the specific procedure whose dummy arguments match the actual
    arguments' types, kinds and ranks (``args`` given), as Fortran's generic resolution does."""
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
                return _generic(prog, mod, target, caller, args)
    if caller.module is not None:
        mod = prog.modules[caller.module]
        for mr in mod.routines:
            if mr.name == name:
                return mr
        if name in mod.interfaces:
            return _generic(prog, mod, name, caller, args)
    return prog.routines.get(name)


def _generic(prog: Program, mod, gname: str, caller: Routine, args: list | None) -> Routine | None:
    from fadj.ir.typing import Typer
    candidates = [mr for s in mod.interfaces[gname].specifics for mr in mod.routines if mr.name == s]
    if args is None:
        return candidates[0] if candidates else None   # "is it a procedure?": any specific will do
    typer = Typer(caller.scope, types=prog.types)
    for cand in candidates:
        if _matches(cand, args, typer):
            return cand
    return None


def _matches(cand: Routine, args: list, typer) -> bool:
    pos = 0
    seen = set()
    for a in args:
        if isinstance(a, E.Keyword):
            formal, value = a.key, a.value
        else:
            if pos >= len(cand.args):
                return False
            formal, value = cand.args[pos], a
            pos += 1
        if formal not in cand.args:
            return False
        seen.add(formal)
        fs = cand.scope.local(formal)
        at = typer.type_of(value)
        if fs is None or fs.type is None or at is None:
            continue
        if fs.type.base != at.base or (fs.type.base in ("real", "integer", "complex") and fs.type.kind != at.kind):
            return False
        if fs.rank != typer.rank_of(value) and not (fs.dims and any(d.kind == "assumed_size" for d in fs.dims)):
            return False
    for f in cand.args:
        if f not in seen and not cand.scope.local(f).optional:
            return False
    return True


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
    spec = getattr(st, "_specialized", None)
    if spec is not None:
        # a call passing procedures: the copy of the callee made for them (passes/specialize_procedures)
        clone, args, _ = spec
        return CallSite(r, st, clone.name, clone, list(args), is_function=not isinstance(st, S.CallStmt))
    if isinstance(st, S.CallStmt):
        callee = resolve(prog, r, st.name, st.args)
        if callee is None:
            if st.name in I.SUBROUTINES or I.from_passive_module(r, st.name):
                return None
            return CallSite(r, st, st.name, None, list(st.args), external=st.name in externals)
        return CallSite(r, st, st.name, callee, list(st.args))
    fc = function_call_of(st)
    if fc is not None:
        sym = r.scope.lookup(fc.name)
        if sym is not None and sym.is_array:
            return None
        callee = resolve(prog, r, fc.name, list(fc.args))
        if callee is not None and callee.is_function:
            return CallSite(r, st, fc.name, callee, list(fc.args), is_function=True)
        if callee is None and not I.is_intrinsic(fc.name) and sym is not None and sym.procedure \
                and not I.from_passive_module(r, fc.name):
            return CallSite(r, st, fc.name, None, list(fc.args), is_function=True,
                            external=fc.name in externals)
    return None


def check_missing(cg: CallGraph, routines: list[Routine], externals: set[str]) -> None:
    """A call to a routine with no source is an error unless the user declared it external."""
    for r in routines:
        for s in cg.sites.get(r, []):
            if s.callee is None and s.name not in externals:
                dummy = r.scope.local(s.name)
                if dummy is not None and dummy.is_arg:
                    raise NameErr(s.loc, f"'{s.name}' is a procedure argument of '{r.name}': the procedure passed "
                                         f"for it is not known in the sources (the head's own argument, or a "
                                         f"procedure pointer)")
                what = "function" if s.is_function else "routine"
                raise NameErr(s.loc, f"call to {what} '{s.name}', which has no source: give the file that "
                                     f"defines it, or declare it with --external {s.name}")

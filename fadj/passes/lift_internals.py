"""Normalising pass: internal procedures get the host variables they use as arguments.

An internal procedure (CONTAINS inside a subroutine) reads and writes its
host's variables by host association.  Passing them explicitly turns the
procedure into an ordinary routine for every analysis (read/write sets,
activity, snapshots) and for differentiation; only the emitted code still
places it (and its derivatives) inside the host's derivative routines.

    subroutine h(x, n)                  subroutine h(x, n)
      real :: w(n)                        real :: w(n)
      call p(2.0)                ->       call p(2.0, w, n)
    contains                            contains
      subroutine p(a)                     subroutine p(a, w, n)
        w = a*w                             real :: w(n); integer :: n
"""
from __future__ import annotations

from fadj.errors import UnsupportedError
from fadj.ir import expr as E
from fadj.ir import stmt as S
from fadj.ir.program import Routine
from fadj.ir.visit import map_exprs


def _used_names(r: Routine) -> set[str]:
    out: set[str] = set()
    from fadj.analysis.effects import ref_names
    from fadj.frontend.load import _stmt_exprs
    for st in S.walk_stmts(r.body):
        for e in _stmt_exprs(st):
            out |= ref_names(e)
            for n in E.walk(e):
                if isinstance(n, E.ImpliedDo):
                    out.add(n.var)
        if isinstance(st, S.Do):
            out.add(st.var)
        if isinstance(st, S.Raw):
            out |= set(st.reads) | set(st.writes)
    for s in r.scope.symbols.values():
        for d in s.dims or ():
            for b in (d.lo, d.hi):
                if b is not None:
                    out |= ref_names(b)
    return out


def _host_vars(host: Routine, p: Routine) -> list[str]:
    """Host variables ``p`` uses (not its own, not constants or procedures)."""
    out = []
    for name in sorted(_used_names(p)):
        if p.scope.local(name) is not None:
            continue
        s = host.scope.local(name)
        if s is None or s.parameter or s.procedure or s.module is not None:
            continue
        out.append(name)
    return out


def _dims_closure(host: Routine, names: list[str]) -> list[str]:
    """Add the host variables that the dimensions of ``names`` depend on."""
    from fadj.analysis.effects import ref_names
    out = list(names)
    i = 0
    while i < len(out):
        s = host.scope.local(out[i])
        for d in (s.dims or ()) if s is not None else ():
            for b in (d.lo, d.hi):
                for n in sorted(ref_names(b)) if b is not None else ():
                    hs = host.scope.local(n)
                    if hs is not None and not hs.parameter and not hs.procedure and n not in out:
                        out.append(n)
        i += 1
    return out


def lift_internals(host: Routine) -> None:
    if not host.internals:
        return
    extra: dict[str, list[str]] = {p.name: _host_vars(host, p) for p in host.internals}
    calls: dict[str, set[str]] = {p.name: _called(p) & set(extra) for p in host.internals}
    changed = True
    while changed:                      # a procedure passes on what the siblings it calls need
        changed = False
        for p in host.internals:
            for q in calls[p.name]:
                for v in extra[q]:
                    if v not in extra[p.name] and p.scope.local(v) is None:
                        extra[p.name].append(v)
                        changed = True
    nargs = {p.name: len(p.args) for p in host.internals}
    for p in host.internals:
        names = _dims_closure(host, extra[p.name])
        extra[p.name] = names
        for v in names:
            hs = host.scope.local(v)
            if hs.save or hs.init is not None:
                raise UnsupportedError(p.loc, f"internal procedure '{p.name}' uses the SAVEd host variable '{v}'")
            p.scope.add(hs.copy(is_arg=True, intent=None, save=False, loc=hs.loc))
            p.args.append(v)
    for r in [host] + host.internals:
        _rewrite_calls(r, extra, nargs)


def _called(r: Routine) -> set[str]:
    out = set()
    for st in S.walk_stmts(r.body):
        if isinstance(st, S.CallStmt):
            out.add(st.name)
        for e in _exprs(st):
            for n in E.walk(e):
                if isinstance(n, E.Call):
                    out.add(n.name)
    return out


def _exprs(st):
    from fadj.frontend.load import _stmt_exprs
    return _stmt_exprs(st)


def _rewrite_calls(r: Routine, extra: dict[str, list[str]], nargs: dict[str, int]) -> None:
    for st in S.walk_stmts(r.body):
        if isinstance(st, S.CallStmt) and st.name in extra and (r.scope.local(st.name) is None
                                                                  or r.scope.local(st.name).procedure):
            st.args = _with_extra(st.args, extra[st.name], nargs[st.name])

    def fix(e: E.Expr) -> E.Expr:
        if isinstance(e, E.Call) and e.name in extra:
            s = r.scope.local(e.name)
            if s is None or s.procedure:
                return E.Call(e.name, tuple(_with_extra(list(e.args), extra[e.name], nargs[e.name])))
        return e

    map_exprs(r.body, lambda x: E.transform(x, fix))


def _with_extra(args: list, names: list[str], nargs: int) -> list:
    """Append the host variables; by keyword when the call names or omits arguments (OPTIONAL)."""
    if any(isinstance(a, E.Keyword) for a in args) or len(args) < nargs:
        return list(args) + [E.Keyword(n, E.Name(n)) for n in names]
    return list(args) + [E.Name(n) for n in names]

"""Normalising pass: early RETURNs become structured control flow.

The reverse engine reverses structured code directly (readable adjoints that
gfortran vectorises).  The usual early exits of legacy code are made
structured here:

    if (n <= 0) return           if (n <= 0) then
    rest                   ->    else
                                   rest
                                 end if

When several branches would fall through to the rest, a logical flag is used
instead of duplicating code.  RETURN inside a loop is left alone (the CFG-based
reversal handles it, or it is reported).
"""
from __future__ import annotations

from fadj.ir import expr as E
from fadj.ir import stmt as S
from fadj.ir.program import Routine
from fadj.ir.symbols import LOGICAL, Symbol


def _contains_return(body: list[S.Stmt]) -> bool:
    return any(isinstance(s, S.Return) for s in S.walk_stmts(body))


def _return_in_loop(body: list[S.Stmt]) -> bool:
    for s in S.walk_stmts(body):
        if isinstance(s, (S.Do, S.DoWhile, S.Region)) and _contains_return(s.body):
            return True
        if isinstance(s, (S.SelectCase, S.Where)) and any(_contains_return(b) for b in s.bodies()):
            return True
    return False


def _always_returns(body: list[S.Stmt]) -> bool:
    for s in body:
        if isinstance(s, (S.Return, S.Stop)):
            return True
        if isinstance(s, S.If) and s.else_body is not None and all(_always_returns(b) for b in s.bodies()):
            return True
    return False


def _restructure(body: list[S.Stmt]) -> list[S.Stmt] | None:
    """Returns the restructured body, or None when the flag approach is needed."""
    out: list[S.Stmt] = []
    for i, st in enumerate(body):
        if isinstance(st, S.Return):
            return out          # what follows a RETURN in the same list is dead
        if isinstance(st, S.If) and _contains_return([st]):
            rest = body[i + 1:]
            branches = [b for _, b in st.branches] + [st.else_body if st.else_body is not None else []]
            falls = [not _always_returns(b) for b in branches]
            if rest and sum(falls) > 1 and any(isinstance(x, S.Stmt) and not isinstance(x, S.Continue) for x in rest):
                return None
            new = []
            for b, f in zip(branches, falls):
                nb = _restructure(b + rest if f else b)
                if nb is None:
                    return None
                new.append(nb)
            st.branches = [(c, nb) for (c, _), nb in zip(st.branches, new[:-1])]
            st.else_body = new[-1] if (new[-1] or st.else_body is not None) else None
            st.logical_if = False
            out.append(st)
            return out
        out.append(st)
    return out


def _flag(body: list[S.Stmt], flag: str) -> list[S.Stmt]:
    """Replace RETURN by ``flag = .true.`` and guard what follows a statement that may set it."""
    out: list[S.Stmt] = []
    for i, st in enumerate(body):
        if isinstance(st, S.Return):
            out.append(S.Assign(E.Name(flag), E.LogicalLit(True), loc=st.loc))
            return out
        if isinstance(st, S.If) and _contains_return([st]):
            st.branches = [(c, _flag(b, flag)) for c, b in st.branches]
            if st.else_body is not None:
                st.else_body = _flag(st.else_body, flag)
            st.logical_if = False
            out.append(st)
            rest = _flag(body[i + 1:], flag)
            if rest:
                out.append(S.If([(E.UnOp(".not.", E.Name(flag)), rest)], None, loc=st.loc))
            return out
        out.append(st)
    return out


def structure_returns(r: Routine) -> None:
    if not _contains_return(r.body):
        return
    if _return_in_loop(r.body):
        return
    new = _restructure(list(r.body))
    if new is not None:
        r.body = new
        return
    name = "fadj_return"
    while r.scope.lookup(name) is not None:
        name += "_"
    r.scope.add(Symbol(name, type=LOGICAL, loc=r.loc))
    r.body = [S.Assign(E.Name(name), E.LogicalLit(False), loc=r.loc)] + _flag(r.body, name)

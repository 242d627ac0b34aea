"""Writes that overwrite nothing: the first use of a local work array.

TBR saves a variable before a statement overwrites it when the backward sweep may need
the old value.  For arrays it cannot tell elements apart, so in

    do j = 2, n
      gam(j) = c(j - 1)/bet          ! gam: a local work array
      bet = b(j) - a(j)*gam(j)

it saves ``gam(j)`` at every iteration, because the previous iteration read ``gam``.
But the old value of ``gam(j)`` here is the garbage a fresh local starts with: nothing
was ever stored in that element.  A write is *fresh* when

* the variable is a local of the routine (not an argument, global, SAVEd, initialised,
  pointer/target or allocatable; the routine has no internal procedures that could share
  it, and no GOTO that jumps back), and
* the statement is the variable's first reference in source order, and
* each execution of it writes elements no earlier execution wrote: outside any loop, or
  an assignment whose subscripts include every enclosing loop's counter as a whole
  subscript, with no other write of the variable inside the outermost of those loops.

For a CALL, the locals it receives as whole arguments (outside any loop) are fresh too.
The engine then leaves them out of the statement's definitions: nothing is pushed.
"""
from __future__ import annotations

from fadj.analysis.effects import ref_names, subscript_names, var_id
from fadj.ir import expr as E
from fadj.ir import stmt as S
from fadj.ir.derived import has_allocatable_parts


def fresh_writes(r, body: list[S.Stmt], types: dict | None = None) -> dict[int, frozenset]:
    """id(statement) -> ids of the local variables it writes for the first time (see above)."""
    types = types or {}
    from fadj.ad.recompute import _jumps_back
    if r.internals or r.host is not None or _jumps_back(body):
        return {}
    seen: set[str] = set()
    out: dict[int, frozenset] = {}

    def local(name: str) -> bool:
        s = r.scope.local(name)
        return (s is not None and not s.is_arg and not s.save and s.init is None and s.common is None
                and s.module is None and not s.pointer and not s.target and not s.allocatable
                and not s.parameter and not s.procedure and not s.is_result and not s.host
                and not has_allocatable_parts(s, types)
                and name not in r.storage_groups)     # (EQUIVALENCE: other names write it too)

    def visit(stmts: list[S.Stmt], loops: list[S.Stmt]):
        for st in stmts:
            names = _names(st)
            new = {n for n in names if n not in seen and local(n)}
            if new:
                got = _fresh_in(st, new, loops)
                if got:
                    out[id(st)] = frozenset(var_id(r, n) for n in got)
            seen.update(names)
            inner = loops + [st] if isinstance(st, (S.Do, S.DoWhile)) else loops
            for b in st.bodies():
                visit(b, inner)

    visit(body, [])
    return out


def _names(st: S.Stmt) -> set[str]:
    """Every variable a statement's own expressions mention (not its nested statements')."""
    from fadj.frontend.load import _stmt_exprs
    if isinstance(st, S.Raw):
        return set(st.reads) | set(st.writes)
    out: set[str] = set()
    for e in _stmt_exprs(st):
        out |= ref_names(e) | subscript_names(e)
        b = E.base_name(e) if isinstance(e, E.REF_TYPES) else None
        if b is not None:
            out.add(b)
    if isinstance(st, S.Do):
        out.add(st.var)
    return out


def _fresh_in(st: S.Stmt, new: set[str], loops: list[S.Stmt]) -> set[str]:
    if isinstance(st, S.Assign):
        lhs = st.lhs
        v = E.base_name(lhs) if isinstance(lhs, E.REF_TYPES) else None
        if v not in new or v in ref_names(st.rhs) or v in subscript_names(lhs):
            return set()
        if not loops:
            return {v}
        if any(not isinstance(lp, S.Do) for lp in loops) or not isinstance(lhs, E.Index):
            return set()
        subs = [s for s in lhs.subs]
        counters = [lp.var for lp in loops]
        bare = [s.name for s in subs if isinstance(s, E.Name)]
        if not all(c in bare for c in counters) or len(set(counters)) != len(counters):
            return set()
        # no other write of v in the outermost loop
        writes = 0
        for x in S.walk_stmts([loops[0]]):
            if isinstance(x, S.Assign) and isinstance(x.lhs, E.REF_TYPES) and E.base_name(x.lhs) == v:
                writes += 1
            elif isinstance(x, (S.CallStmt, S.Raw, S.Allocate, S.Where)) and v in _names(x):
                return set()
        return {v} if writes == 1 else set()
    if isinstance(st, S.CallStmt) and not loops:
        whole = [a.name for a in st.args if isinstance(a, E.Name)]
        return {v for v in new if whole.count(v) == 1 and
                sum(v in (ref_names(a) | subscript_names(a)) for a in st.args) == 1}
    return set()

"""Calls that only re-point the caller's pointers (``call swap_pointers(old, new)``) are inlined.

Time-stepping codes swap their time levels through a small routine with pointer dummies::

    subroutine swap_pointers(a, b)
      real, pointer, intent(inout) :: a(:), b(:)
      real, pointer :: tmp(:)
      tmp => a; a => b; b => tmp
    end subroutine

The callee moves no data; what it changes is which storage the caller's pointers designate,
which fadj follows only inside one routine (passes/pointer_groups).  A call whose callee holds
nothing but pointer assignments among its pointer dummies and pointer locals, with the caller's
own local pointers as actuals, is replaced in the caller by those assignments (the callee's
locals become locals of the caller).  The primal library still calls the routine as written.
"""
from __future__ import annotations

from fadj.backend.fortran import expr_str
from fadj.ir import expr as E
from fadj.ir import stmt as S
from fadj.ir.program import Program, Routine


def pointer_only(callee: Routine) -> bool:
    """Whether the routine holds nothing but pointer assignments among its pointer dummies and locals."""
    stmts = [st for st in S.walk_stmts(callee.body) if not isinstance(st, (S.Comment, S.Continue, S.Return))]
    if not stmts or not all(getattr(st, "data_pointer", None) for st in stmts):
        return False
    for st in stmts:
        for p, t in st.data_pointer:
            for name in (p, E.base_name(t) if t is not None else None):
                if name is None:
                    continue
                sym = callee.scope.local(name)
                if sym is None or not sym.pointer or not isinstance(t, (E.Name, type(None))):
                    return False
    return all(callee.scope.local(a) is not None and callee.scope.local(a).pointer for a in callee.args)


def _movers(prog: Program) -> set[str]:
    """Names of the program's pointer-only routines (found once; most programs have none, and
    then no call needs resolving here)."""
    got = getattr(prog, "_pointer_movers", None)
    if got is None:
        got = {c.name for c in prog.order if c.args and pointer_only(c)}
        prog._pointer_movers = got           # type: ignore[attr-defined]
    return got


def inline_pointer_moves(prog: Program, r: Routine, resolve) -> None:
    """Replace ``r``'s calls of pointer-only routines by their pointer assignments."""
    if not _movers(prog):
        return

    def visit(stmts: list[S.Stmt]) -> list[S.Stmt]:
        out: list[S.Stmt] = []
        for st in stmts:
            for b in st.bodies():
                b[:] = visit(b)
            if isinstance(st, S.CallStmt):
                new = _inlined(prog, r, st, resolve)
                if new is not None:
                    out += new
                    continue
            out.append(st)
        return out
    r.body = visit(r.body)


def _inlined(prog: Program, r: Routine, st: S.CallStmt, resolve) -> list[S.Stmt] | None:
    callee = resolve(prog, r, st.name, st.args)
    if callee is None or callee is r or not pointer_only(callee) or len(st.args) != len(callee.args):
        return None
    if any(isinstance(a, E.Keyword) for a in st.args):
        return None
    subst: dict[str, str] = {}
    for f, a in zip(callee.args, st.args):
        sym = r.scope.local(a.name) if isinstance(a, E.Name) else None
        if sym is None or not sym.pointer or sym.is_arg:
            return None      # not the caller's own local pointer: left to pointer_groups' errors
        subst[f] = a.name
    for name, sym in callee.scope.symbols.items():
        if name in subst or not sym.pointer or callee.scope.local(name) is None:
            continue
        local, k = f"{name}_{callee.name}", 1
        while r.scope.lookup(local) is not None:
            k += 1
            local = f"{name}_{callee.name}{k}"
        r.scope.add(sym.copy(name=local, is_arg=False, intent=None, loc=st.loc))
        subst[name] = local
    out: list[S.Stmt] = []
    for inner in S.walk_stmts(callee.body):
        pairs = getattr(inner, "data_pointer", None)
        if not pairs:
            continue
        new_pairs = [(subst[p], E.Name(subst[t.name]) if t is not None else None) for p, t in pairs]
        text = "; ".join(f"{p} => {expr_str(t)}" if t is not None else f"nullify({p})" for p, t in new_pairs)
        raw = S.Raw(text, kind="data_pointer", loc=st.loc)
        raw.data_pointer = new_pairs
        out.append(raw)
    if st.label is not None:
        out.insert(0, S.Continue(label=st.label, loc=st.loc))
    return out

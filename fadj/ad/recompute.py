"""Recompute instead of store: cheap scalar assignments re-run in the backward sweep.

Pushing a value costs memory traffic in the forward sweep and again in the backward
sweep; for an index like ``im = mod(i + nx - 2, nx) + 1`` or a difference
``arg1 = cm - cmm`` it is cheaper to evaluate the assignment again.  An assignment
``v = e`` of a local scalar qualifies when

* it is the only assignment to ``v`` in the sweep,
* every read of ``v`` comes after it in the same statement list (so the value any
  backward statement needs is the one this assignment produced, in the same iteration),
* ``e`` is small, calls no user function, and reads only variables the sweep never
  writes, the counters of loops around it, or variables that are themselves
  recomputed earlier in the same list.

The backward sweep of that statement list then starts by evaluating ``v = e`` again
(loop counters have their iteration's value there), and TBR never saves ``v``.
"""
from __future__ import annotations

from fadj.analysis.effects import ref_names, var_id
from fadj.ir import expr as E
from fadj.ir import intrinsics as I
from fadj.ir import stmt as S

MAX_COST = 12


def recomputable(r, eff, body: list[S.Stmt], is_global, pure=None) -> dict[int, list[S.Assign]]:
    """{id(statement list): [assignments to re-run at the start of its backward sweep]}."""
    assigns: dict[str, list[tuple[S.Assign, list, list[S.Stmt]]]] = {}
    written: set[str] = set()
    writers: dict[str, int] = {}
    chains: dict[int, list] = {}
    reads: dict[str, list[list[tuple[list, int]]]] = {}   # name -> chains of (list, index) to each read

    def visit(stmts: list[S.Stmt], loops: list[str], chain: list):
        for i, st in enumerate(stmts):
            here = chain + [(stmts, i)]
            for name in _reads(st):
                reads.setdefault(name, []).append(here)
            if isinstance(st, S.Assign) and isinstance(st.lhs, E.Name):
                assigns.setdefault(st.lhs.name, []).append((st, stmts, list(loops)))
                chains[id(st)] = here
            if isinstance(st, (S.Assign, S.CallStmt, S.Raw, S.Allocate, S.Where)):
                for vid in eff.body_effects(r, [st])[1]:
                    writers[vid] = writers.get(vid, 0) + 1
                    written.add(vid)
            if isinstance(st, S.Do):
                written.add(var_id(r, st.var))
                visit(st.body, loops + [st.var], here)
            else:
                for b in st.bodies():
                    visit(b, loops, here)

    visit(body, [], [])
    chosen: dict[int, list[S.Assign]] = {}
    ok_names: dict[int, set[str]] = {}
    done: dict[str, list] = {}         # recomputed variable -> where its assignments are
    # in source order, so that a recomputed value may use one recomputed before it
    order = sorted(assigns.items(), key=lambda va: _pos(body, va[1][0][0]))
    for v, alist in order:
        sym = r.scope.local(v)
        if sym is None or sym.dims or sym.is_arg or sym.parameter or sym.save or sym.common is not None \
                or sym.module is not None or is_global(var_id(r, v)):
            continue
        if sym.type is None or sym.type.base not in ("integer", "real"):
            continue
        if writers.get(var_id(r, v), 0) != len(alist):
            continue          # written elsewhere too (by a call, a READ...): its value is not just e
        ok = True
        for st, lst, loops in alist:
            if not _cheap(st.rhs, pure) or not _inputs_ok(r, st, lst, loops, written, ok_names,
                                                           chains[id(st)], done):
                ok = False
                break
        if not ok:
            continue
        # every read must see an assignment of its own list chain, earlier in that list, with no
        # other assignment to v between them there: the value of "this iteration"
        where = [(lst, next(k for k, x in enumerate(lst) if x is st)) for st, lst, _ in alist]
        if len({id(lst) for lst, _ in where}) != len(where):
            continue          # twice in one list: re-running both at its start would leave the last value
        if not all(_dominated(chain, where, [a for a, _, _ in alist]) for chain in reads.get(v, [])):
            continue
        for st, lst, _ in alist:
            chosen.setdefault(id(lst), []).append(st)
            ok_names.setdefault(id(lst), set()).add(v)
        done[v] = [(lst, next(k for k, x in enumerate(lst) if x is st)) for st, lst, _ in alist]
    return chosen


def _dominated(chain, where, assigns) -> bool:
    """The read at the end of ``chain`` sees the value of an assignment of ``where`` made in the
    same list before it, with no other assignment to the variable in between (nested included)."""
    found = None
    for depth, (lst, k) in enumerate(chain):
        if any(l2 is lst and i >= k for l2, i in where):
            return False      # an assignment later in the list: a loop's previous iteration reaches
        before = [i for l2, i in where if l2 is lst and i < k]
        if before:
            found = (lst, max(before), k)
    if found is None:
        return False
    lst, i, k = found
    between = {id(x) for x in S.walk_stmts(lst[i + 1:k])}
    return not any(id(a) in between for a in assigns)


def _inputs_ok(r, st, lst, loops, written, ok_names, chain, done) -> bool:
    allowed = ok_names.get(id(lst), set())
    for name in ref_names(st.rhs):
        s = r.scope.lookup(name)
        if s is None or s.parameter or s.procedure:
            continue
        if name in loops or name in allowed:
            continue
        if name in done and len(done[name]) == 1 and _dominated(chain, done[name], []):
            continue          # recomputed in an enclosing list, earlier: re-run before this one
        if var_id(r, name) in written:
            return False
    return True


def _pos(body, st) -> int:
    for k, x in enumerate(S.walk_stmts(body)):
        if x is st:
            return k
    return 0


#: cost of re-evaluating one operation, in "additions"; pushing and popping a value costs
#: about as much as a dozen
_COST = {"exp": 4, "log": 4, "sin": 4, "cos": 4, "tan": 5, "sqrt": 2, "atan": 5, "tanh": 5, "**": 4}


def _cheap(e: E.Expr, pure=None) -> bool:
    """Cheap enough to evaluate again: few operations (subscripts are free: they are needed to
    address the stack's copy too), no user function unless ``pure(name)`` says it is harmless."""
    return _cost(e, pure) <= MAX_COST


def _cost(e: E.Expr, pure) -> int:
    if isinstance(e, (E.ArrayCtor, E.ImpliedDo, E.RawExpr)):
        return 10 ** 6
    if isinstance(e, E.Index):
        return 0
    if isinstance(e, E.Call):
        if not I.is_intrinsic(e.name):
            if pure is None or not pure(e.name):
                return 10 ** 6
            own = 6
        else:
            own = _COST.get(I.generic_name(e.name), 1)
        return own + sum(_cost(a, pure) for a in e.args)
    own = _COST.get(e.op, 1) if isinstance(e, E.BinOp) else (1 if isinstance(e, E.UnOp) else 0)
    return own + sum(_cost(c, pure) for c in e.children())


def _reads(st: S.Stmt) -> set[str]:
    from fadj.frontend.load import _stmt_exprs
    out: set[str] = set()
    if isinstance(st, S.Assign):
        out |= ref_names(st.rhs)
        if not isinstance(st.lhs, E.Name):
            out |= ref_names(st.lhs)
        return out
    if isinstance(st, S.Raw):
        return set(st.reads)
    for e in _stmt_exprs(st):
        out |= ref_names(e)
    return out


def recomputable_conditions(r, eff, body: list[S.Stmt]) -> set[int]:
    """IF and SELECT CASE statements whose conditions read only what the sweep never writes
    (or the counters of loops around them): the backward sweep evaluates them again instead
    of popping the branch taken."""
    written = set(eff.body_effects(r, body)[1])
    out: set[int] = set()

    def ok(e: E.Expr, loops: list[str]) -> bool:
        if not _cheap(e):
            return False
        for name in ref_names(e):
            s = r.scope.lookup(name)
            if s is None or s.parameter or s.procedure or name in loops:
                continue
            if var_id(r, name) in written:
                return False
        return True

    def visit(stmts: list[S.Stmt], loops: list[str]):
        for st in stmts:
            if isinstance(st, S.If) and all(ok(c, loops) for c, _ in st.branches):
                out.add(id(st))
            if isinstance(st, S.SelectCase) and ok(st.selector, loops):
                out.add(id(st))
            if isinstance(st, S.Do):
                visit(st.body, loops + [st.var])
            else:
                for b in st.bodies():
                    visit(b, loops)

    visit(body, [])
    return out

"""Recompute instead of store: cheap scalar values re-run in the backward sweep.

Pushing a value costs memory traffic in the forward sweep and again in the backward
sweep; for an index like ``im = mod(i + nx - 2, nx) + 1`` or a difference
``arg1 = cm - cmm`` it is cheaper to evaluate the assignment again.  A local scalar
``v`` qualifies when its value comes from one of

* a single assignment ``v = e`` in the sweep,
* one assignment in each branch of an IF (with an ELSE) whose conditions can be evaluated
  again (``if (j == 1) then; us = uo(i, j); else; us = uo(i, j - 1); end if``): the IF
  is re-run with the chosen assignments in its branches,
* a CALL of a short subroutine that sets ``v`` as its one INTENT(OUT) scalar and touches
  nothing else (``call drag_kernel(uo(i, j), vb, d, r)``),

and, in every case,

* every read of ``v`` comes after it in the same statement list (so the value any
  backward statement needs is the one it produced, in the same iteration),
* the work is small (an operation-cost model below), calls no user function unless it is
  pure and short, and reads only variables the sweep never writes, the counters of loops
  around it, or variables that are themselves recomputed earlier.

The backward sweep of that statement list then starts by running the statements again
(loop counters have their iteration's value there), and TBR never saves ``v``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from fadj.analysis.effects import ref_names, var_id
from fadj.ir import expr as E
from fadj.ir import intrinsics as I
from fadj.ir import stmt as S

MAX_COST = 12


@dataclass
class Recompute:
    """What the backward sweep evaluates again instead of popping."""

    rerun: dict[int, list[S.Stmt]] = field(default_factory=dict)   # id(list) -> statements to re-run
    marked: dict[int, frozenset] = field(default_factory=dict)       # id(statement) -> variable ids it sets
    sets: dict[int, frozenset] = field(default_factory=dict)         # id(re-run copy) -> variable ids it sets
    inputs: dict[int, frozenset] = field(default_factory=dict)       # id(re-run copy) -> names it reads
    conditions: set[int] = field(default_factory=set)                # id(IF/SELECT) re-evaluated, not pushed


def recomputable(r, eff, body: list[S.Stmt], is_global, pure=None, pure_call=None) -> Recompute:
    """Choose the cheap values of ``body`` to recompute: see the module docstring.

    ``pure(name)`` says a user function may be called again, ``pure_call(statement)`` that a
    CALL writes only its scalar arguments, reads no global, and is cheap to run again."""
    assigns: dict[str, list[tuple[S.Stmt, list, list[str]]]] = {}
    written: set[str] = set()
    writers: dict[str, int] = {}
    chains: dict[int, list] = {}
    parent_if: dict[int, tuple[S.If, list, list]] = {}     # id(branch) -> (IF, its list, its chain)
    reads: dict[str, list[list[tuple[list, int]]]] = {}   # name -> chains of (list, index) to each read
    out = Recompute(conditions=recomputable_conditions(r, eff, body))
    if _jumps_back(body):
        return out            # a GOTO loop: "earlier in the list" no longer means "this iteration"
    conds = out.conditions
    call_outs: dict[int, list[str]] = {}                 # id(CALL) -> the scalars it sets
    position: dict[int, int] = {}                        # id(statement) -> its rank in source order

    def visit(stmts: list[S.Stmt], loops: list[str], chain: list):
        for i, st in enumerate(stmts):
            position[id(st)] = len(position)
            here = chain + [(stmts, i)]
            outs = pure_call(st) if isinstance(st, S.CallStmt) and pure_call is not None else []
            for name in _reads(st) - set(outs):
                reads.setdefault(name, []).append(here)
            if isinstance(st, S.Assign) and isinstance(st.lhs, E.Name):
                assigns.setdefault(st.lhs.name, []).append((st, stmts, list(loops)))
                chains[id(st)] = here
            if outs:
                call_outs[id(st)] = outs
                for name in outs:
                    assigns.setdefault(name, []).append((st, stmts, list(loops)))
                    chains[id(st)] = here
            if isinstance(st, (S.Assign, S.CallStmt, S.Raw, S.Allocate, S.Where)):
                for vid in eff.body_effects(r, [st])[1]:
                    writers[vid] = writers.get(vid, 0) + 1
                    written.add(vid)
            if isinstance(st, S.Do):
                written.add(var_id(r, st.var))
                visit(st.body, loops + [st.var], here)
            else:
                if isinstance(st, S.If) and id(st) in conds and st.else_body is not None:
                    for b in st.bodies():
                        parent_if[id(b)] = (st, stmts, here)
                for b in st.bodies():
                    visit(b, loops, here)

    visit(body, [], [])
    ok_names: dict[int, set[str]] = {}
    done: dict[str, list] = {}         # recomputed variable -> where its assignments are
    units: dict[int, S.If] = {}        # id(IF) -> its re-run copy (holding the chosen assignments)
    # in source order, so that a recomputed value may use one recomputed before it
    order = sorted(assigns.items(), key=lambda va: position[id(va[1][0][0])])
    for v, alist in order:
        sym = r.scope.local(v)
        if sym is None or sym.dims or sym.is_arg or sym.parameter or sym.save or sym.common is not None \
                or sym.module is not None or is_global(var_id(r, v)) or v in r.storage_groups:
            continue
        if sym.type is None or sym.type.base not in ("integer", "real"):
            continue
        if writers.get(var_id(r, v), 0) != len(alist):
            continue          # written elsewhere too (by a call, a READ...): its value is not just e
        unit = _if_unit(alist, parent_if)
        if unit is not None:
            # one assignment in each branch of a recomputable IF: the IF is re-run as a whole
            ifst, lst, chain = unit
            where = [(lst, chain[-1][1])]
            loops = alist[0][2]
        else:
            where = [(lst, next(k for k, x in enumerate(lst) if x is st)) for st, lst, _ in alist]
            if len({id(lst) for lst, _ in where}) != len(where):
                continue      # twice in one list: re-running both at its start would leave the last value
        ok = True
        for st, lst, loops_st in alist:
            at_lst, at_chain = (unit[1], unit[2]) if unit else (lst, chains[id(st)])
            if not _cheap_stmt(st, pure) or not _inputs_ok(r, st, at_lst, loops_st, written, ok_names,
                                                            at_chain, done, call_outs):
                ok = False
                break
        if not ok:
            continue
        # every read must see an assignment of its own list chain, earlier in that list, with no
        # other assignment to v between them there: the value of "this iteration"
        if not all(_dominated(chain, where, [a for a, _, _ in alist]) for chain in reads.get(v, [])):
            continue
        vid = var_id(r, v)
        if unit is not None:
            ifst, lst, _ = unit
            copy = units.get(id(ifst))
            if copy is None:
                copy = units[id(ifst)] = S.If([(c, []) for c, _ in ifst.branches], [], loc=ifst.loc)
                out.rerun.setdefault(id(lst), []).append(copy)
            cond_names = set().union(*(ref_names(c) for c, _ in ifst.branches))
            for st, blist, _ in alist:
                k = next(j for j, b in enumerate(ifst.bodies()) if b is blist)
                c = copy_stmt(st)
                copy.bodies()[k].append(c)
                out.sets[id(c)] = frozenset({vid})
                out.inputs[id(c)] = frozenset(ref_names(st.rhs) | cond_names)
                out.marked[id(st)] = out.marked.get(id(st), frozenset()) | {vid}
            ok_names.setdefault(id(lst), set()).add(v)
        else:
            for st, lst, _ in alist:
                if id(st) not in out.marked:
                    c = copy_stmt(st)
                    out.rerun.setdefault(id(lst), []).append(c)
                    out.sets[id(c)] = frozenset({vid})
                    out.inputs[id(c)] = frozenset(ref_names(st.rhs) if isinstance(st, S.Assign) else
                                                  set().union(*(ref_names(a) for a in st.args)) - {v})
                out.marked[id(st)] = out.marked.get(id(st), frozenset()) | {vid}
                ok_names.setdefault(id(lst), set()).add(v)
        done[v] = where
    return out


def _jumps_back(body: list[S.Stmt]) -> bool:
    """Some GOTO (plain, computed or arithmetic IF) jumps to a label at or before itself."""
    seen: set[str] = set()
    for st in S.walk_stmts(body):
        if st.label:
            seen.add(str(st.label))
        targets = [st.target] if isinstance(st, S.Goto) else list(st.targets) \
            if isinstance(st, (S.ComputedGoto, S.ArithmeticIf)) else []
        if any(str(t) in seen for t in targets):
            return True
    return False


def _if_unit(alist, parent_if):
    """(IF, its list, its chain) when the assignments are one per branch of one IF (else None)."""
    owners = {id(parent_if[id(lst)][0]) if id(lst) in parent_if else None for _, lst, _ in alist}
    if len(owners) != 1 or None in owners:
        return None
    ifst, lst, chain = parent_if[id(alist[0][1])]
    branches = ifst.bodies()
    if sorted(id(b) for _, b, _ in alist) != sorted(id(b) for b in branches):
        return None
    if not all(isinstance(st, S.Assign) for st, _, _ in alist):
        return None
    return ifst, lst, chain


def copy_stmt(st: S.Stmt) -> S.Stmt:
    """A fresh copy to emit (statement identities key the analyses of the original)."""
    if isinstance(st, S.Assign):
        return S.Assign(st.lhs, st.rhs, loc=st.loc)
    if isinstance(st, S.CallStmt):
        return S.CallStmt(st.name, list(st.args), loc=st.loc)
    if isinstance(st, S.If):
        return S.If([(c, [copy_stmt(x) for x in b]) for c, b in st.branches],
                     [copy_stmt(x) for x in st.else_body] if st.else_body is not None else None, loc=st.loc)
    raise TypeError(type(st).__name__)


def _cheap_stmt(st: S.Stmt, pure) -> bool:
    if isinstance(st, S.Assign):
        return _cheap(st.rhs, pure)
    return all(_cost(a, pure) <= MAX_COST for a in st.args)     # CALL: pure_call judged the callee


def _dominated(chain, where, assigns) -> bool:
    """The read at the end of ``chain`` sees the value of an assignment of ``where`` made in the
    same list before it, with no other assignment to the variable in between (nested included)."""
    found = None
    for depth, (lst, k) in enumerate(chain):
        if any(l2 is lst and i >= k for l2, i in where):
            return False      # an assignment later in the list: a loop's previous iteration reaches
        before = [i for l2, i in where if l2 is lst and i < k]
        if before:
            found = (lst, max(before), k, depth)
    if found is None:
        return False
    lst, i, k, depth = found
    span = lst[i + 1:k]
    if depth < len(chain) - 1 or isinstance(lst[k], S.DoWhile):
        # the statement holding the read: an assignment nested in it (in an IF before the read,
        # or anywhere in a loop around the read) may run between
        span = span + [lst[k]]
    between = {id(x) for x in S.walk_stmts(span)}
    return not any(id(a) in between for a in assigns)


def _inputs_ok(r, st, lst, loops, written, ok_names, chain, done, call_outs) -> bool:
    allowed = ok_names.get(id(lst), set())
    if isinstance(st, S.Assign):
        names = ref_names(st.rhs)
    else:       # a CALL: what it reads; its INTENT(OUT) scalars (call_outs) it only sets
        names = set().union(*(ref_names(a) for a in st.args)) - set(call_outs.get(id(st), ()))
    for name in names:
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

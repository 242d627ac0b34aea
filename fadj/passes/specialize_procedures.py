"""Procedure arguments: a routine that receives a procedure and calls it gets one copy per
procedure passed to it.

ODE integrators, quadratures, root finders and optimisers receive the user's right-hand side
as an argument (``external f``, ``procedure(iface) :: f``, an interface block for a dummy).
Where a call passes a procedure of the sources (``call rk4(rhs, y, t, h)``), this pass makes a
copy ``rk4_rhs`` of the receiving routine in which the dummy is replaced by ``rhs``: the call
graph, the analyses and the engines then see an ordinary call of ``rhs``, so the adjoint of the
integrator calls the adjoint of the right-hand side.  The copy is registered for that call;
the call statement itself is unchanged (the primal library keeps the original routine, which
the forward sweep calls as written), and only the derivative routines are generated for the
copy (``rk4_rhs_b``...).  Copies are made again inside copies, so a procedure passed through
two levels reaches the innermost call.

A procedure that cannot be known here (the head's own procedure argument, an intrinsic or an
internal procedure passed as an actual) is reported where it is passed or called.
"""
from __future__ import annotations

import copy

from fadj.errors import UnsupportedError
from fadj.ir import expr as E
from fadj.ir import intrinsics as I
from fadj.ir import stmt as S
from fadj.ir.program import Program, Routine, Use
from fadj.ir.symbols import Symbol
from fadj.ir.visit import map_exprs


def procedure_dummies(r: Routine) -> list[str]:
    """Dummy arguments of ``r`` that are procedures (declared so, or called by CALL)."""
    called = {st.name for st in S.walk_stmts(r.body) if isinstance(st, S.CallStmt)}
    out = []
    for a in r.args:
        s = r.scope.local(a)
        if s is not None and (s.procedure or s.external or (a in called and not s.dims and s.type is None)):
            out.append(a)
    return out


def _formals_of_actuals(callee: Routine, args: list[E.Expr]) -> list[tuple[str, E.Expr]]:
    out = []
    for i, a in enumerate(args):
        if isinstance(a, E.Keyword):
            out.append((a.key, a.value))
        elif i < len(callee.args):
            out.append((callee.args[i], a))
    return out


class Specializer:
    def __init__(self, prog: Program, resolve):
        self.prog = prog
        self.resolve = resolve                       # (prog, caller, name, args) -> Routine | None
        self.clones: dict[tuple, Routine] = {}       # (id(routine), ((dummy, procedure), ...)) -> copy
        self.taken = {r.name for r in prog.order} | set(prog.routines)

    # -- call sites --------------------------------------------------------------------
    def run(self) -> None:
        work = list(self.prog.order)
        while work:
            r = work.pop(0)
            try:
                for st in S.walk_stmts(r.body):
                    call = _call_of(st)
                    if call is None:
                        continue
                    name, args = call
                    clone = self.site(r, st, name, args)
                    if clone is not None and clone not in work and not getattr(clone, "_specialized_done", False):
                        work.append(clone)
            except UnsupportedError as err:
                r.defer(err)               # raised if the head reaches r
            r._specialized_done = True     # type: ignore[attr-defined]

    def site(self, r: Routine, st: S.Stmt, name: str, args: list[E.Expr]) -> Routine | None:
        callee = self.resolve(self.prog, r, name, args)
        if callee is None:
            return None
        dummies = set(procedure_dummies(callee))
        if not dummies:
            return None
        pairs = []
        for f, a in _formals_of_actuals(callee, args):
            if f not in dummies or not isinstance(a, E.Name):
                continue
            proc = self.actual_procedure(r, st, a.name, callee, f)
            if proc is None:
                continue           # the caller's own procedure dummy: its copies will know it
            pairs.append((f, proc))
        passed = {f for f, _ in _formals_of_actuals(callee, args)}
        # an optional procedure dummy left out at this call: the copy has no such argument and
        # present() of it is false (its calls stand in branches that are then dropped)
        pairs += [(f, None) for f in callee.args if f in dummies and f not in passed and _optional(callee, f)]
        if not pairs:
            return None
        key = (id(callee), tuple((f, id(p) if p is not None else None) for f, p in pairs))
        clone = self.clones.get(key)
        if clone is None:
            clone = self.make(callee, pairs)
            self.clones[key] = clone
        st._specialized = (clone, [a for f, a in _formals_of_actuals(callee, args) if f not in dict(pairs)],
                           [f for f, _ in _formals_of_actuals(callee, args) if f not in dict(pairs)])  # type: ignore
        return clone

    def actual_procedure(self, r: Routine, st: S.Stmt, name: str, callee: Routine, dummy: str) -> Routine | None:
        sym = r.scope.lookup(name)
        if sym is not None and sym.is_arg and name in procedure_dummies(r):
            return None
        proc = self.resolve(self.prog, r, name, None)
        if proc is None:
            if I.is_intrinsic(name):
                raise UnsupportedError(st.loc, f"intrinsic '{name}' passed as procedure argument '{dummy}' of "
                                               f"'{callee.name}' is not supported (pass a function of yours that "
                                               f"calls it)")
            return None
        if proc.host is not None:
            raise UnsupportedError(st.loc, f"internal procedure '{name}' passed as procedure argument '{dummy}' of "
                                           f"'{callee.name}' is not supported (make it a module procedure)")
        return proc

    # -- copies ----------------------------------------------------------------------
    def make(self, r: Routine, pairs: list[tuple[str, Routine]]) -> Routine:
        """A copy of ``r`` whose procedure dummies in ``pairs`` are the given procedures."""
        memo = {id(r.scope.parent): r.scope.parent} if r.scope.parent is not None else {}
        if r.source is not None:
            memo[id(r.source)] = r.source
        if r.host is not None:
            memo[id(r.host)] = r.host
        for p in self.prog.order:
            if p is not r:
                memo[id(p)] = p
        c = copy.deepcopy(r, memo)
        base = "_".join([r.name] + [p.name if p is not None else "no_" + d for d, p in pairs])[:50]
        name, k = base, 1
        while name in self.taken:
            k += 1
            name = f"{base}{k}"
        self.taken.add(name)
        c.name = name
        c._specialized_from = r          # type: ignore[attr-defined]
        c._normalised = True             # a copy of a normalised routine; the renaming keeps it so
        c._specialized_done = False      # type: ignore[attr-defined]
        rename = {}
        absent = {d for d, p in pairs if p is None}
        for dummy, proc in pairs:
            c.args = [a for a in c.args if a != dummy]
            if proc is None:
                c.scope.symbols.pop(dummy, None)
                continue
            local = proc.name
            clash = c.scope.local(local)
            if clash is not None and not clash.procedure:
                raise UnsupportedError(r.loc, f"'{r.name}' has a variable named '{local}': it cannot receive the "
                                              f"procedure '{local}' as argument '{dummy}'")
            c.scope.symbols.pop(dummy, None)
            rename[dummy] = local
            if proc.module is not None and proc.module != c.module:
                c.uses.append(Use(proc.module, [local]))
                c.scope.add(Symbol(local, procedure=True, module=proc.module, loc=r.loc))
            elif c.scope.lookup(local) is None:
                c.scope.add(Symbol(local, procedure=True, external=True, type=proc.result_type(), loc=r.loc))
        _present_is_known(c.body, set(rename), absent)
        if absent:
            c.body = _drop_dead_branches(c.body)
            _no_call_of_absent(c, absent)
        _rename_procedures(c.body, rename)
        self.prog.order.append(c)
        if c.module is not None:
            self.prog.modules[c.module].routines.append(c)
        return c


def _call_of(st: S.Stmt) -> tuple[str, list[E.Expr]] | None:
    if isinstance(st, S.CallStmt):
        return st.name, list(st.args)
    if isinstance(st, S.Assign) and isinstance(st.rhs, E.Call):
        return st.rhs.name, list(st.rhs.args)
    return None


def _optional(r: Routine, name: str) -> bool:
    sym = r.scope.local(name)
    return sym is not None and sym.optional


def _present_is_known(body: list[S.Stmt], given: set[str], absent: set[str]) -> None:
    """``present(f)`` of a procedure dummy that the copy has replaced: true where the call site
    passed it, false where it left it out."""
    def fn(e: E.Expr) -> E.Expr:
        if (isinstance(e, E.Call) and e.name == "present" and len(e.args) == 1
                and isinstance(e.args[0], E.Name) and e.args[0].name in given | absent):
            return E.LogicalLit(e.args[0].name in given)
        return e
    map_exprs(body, lambda e: E.transform(e, fn))


def _literal(e: E.Expr) -> bool | None:
    """The value of a condition made of logical literals and .not./.and./.or., else None."""
    if isinstance(e, E.LogicalLit):
        return e.value
    if isinstance(e, E.UnOp) and e.op == ".not.":
        v = _literal(e.operand)
        return None if v is None else not v
    if isinstance(e, E.BinOp) and e.op in (".and.", ".or."):
        a, b = _literal(e.left), _literal(e.right)
        if e.op == ".and.":
            return False if a is False or b is False else (True if a and b else None)
        return True if a or b else (False if a is False and b is False else None)
    return None


def _drop_dead_branches(body: list[S.Stmt]) -> list[S.Stmt]:
    """IF branches whose condition is the literal false are dropped (a branch that is the literal
    true becomes the IF's only one), so the calls of an absent procedure go with them."""
    out: list[S.Stmt] = []
    for st in body:
        for b in st.bodies():
            b[:] = _drop_dead_branches(b)
        if isinstance(st, S.If) and st.construct_name is None and st.label is None:
            arms, default = [], st.else_body
            for cond, arm in st.branches:
                v = _literal(cond)
                if v is False:
                    continue
                if v is True:
                    default = arm
                    break
                arms.append((cond, arm))
            if len(arms) != len(st.branches) or default is not st.else_body:
                if arms:
                    st.branches, st.else_body = arms, default
                    out.append(st)
                elif default:
                    out.append(S.If([(E.LogicalLit(True), default)], None, loc=st.loc))
                continue
        out.append(st)
    return out


def _no_call_of_absent(c: Routine, absent: set[str]) -> None:
    for st in S.walk_stmts(c.body):
        call = _call_of(st)
        if call is not None and call[0] in absent:
            raise UnsupportedError(st.loc, f"'{call[0]}' is an optional procedure argument of "
                                           f"'{c._specialized_from.name}' that a call leaves out, and it is "
                                           f"called without a present() test")


def _rename_procedures(body: list[S.Stmt], rename: dict[str, str]) -> None:
    import re
    for st in S.walk_stmts(body):
        if isinstance(st, S.CallStmt) and st.name in rename:
            st.name = rename[st.name]
        pp = getattr(st, "proc_pointer", None)
        if pp is not None and pp[2] in rename:
            # obj%f => dummy: the copy points it to the procedure passed
            st.proc_pointer = (pp[0], pp[1], rename[pp[2]])
            st.text = re.sub(rf"=>\s*{pp[2]}\b", f"=> {rename[pp[2]]}", st.text, flags=re.I)

    def fn(e: E.Expr) -> E.Expr:
        if isinstance(e, E.Call) and e.name in rename:
            return E.Call(rename[e.name], e.args)
        if isinstance(e, E.Name) and e.name in rename:
            return E.Name(rename[e.name])
        return e
    map_exprs(body, lambda e: E.transform(e, fn))


def specialize_procedures(prog: Program, resolve) -> None:
    """Copy every routine that receives procedures of the sources, once per procedures passed."""
    Specializer(prog, resolve).run()

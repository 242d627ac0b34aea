"""Normalising pass: EXIT, CYCLE and RETURN inside loops become flags.

The reverse engine reverses a loop by re-running its iterations backwards; a
jump out of the middle of an iteration breaks that.  This pass leaves at most
one jump per loop, ``if (flag) exit`` as the last statement of the body, and
guards what an EXIT or CYCLE would have skipped:

    do i = 1, n                      ad_ex1 = .false.
      a                              do i = 1, n
      if (c) exit                      ad_skip1 = .false.
      b                       ->       a
    end do                             if (c) then
                                         ad_skip1 = .true.
                                         ad_ex1 = .true.
                                       end if
                                       if (.not. ad_skip1) then
                                         b
                                       end if
                                       if (ad_ex1) exit
                                     end do

A jump to an outer loop (``exit outer``, ``cycle outer``) sets the outer
loop's flags and leaves the inner loop the same way; RETURN inside a loop sets
a routine-level flag, leaves every enclosing loop, and what follows the
outermost loop is skipped (then ``structure_returns`` finishes the job).
The loop variable keeps Fortran's value after an EXIT (the loop stops where it
stopped), so the primal computes exactly what it did.
"""
from __future__ import annotations

from fadj.ir import expr as E
from fadj.ir import stmt as S
from fadj.ir.program import Routine
from fadj.ir.symbols import LOGICAL, Symbol

LOOPS = (S.Do, S.DoWhile)


class _Pass:
    def __init__(self, r: Routine):
        self.r = r
        self.counter = 0
        self.ret_flag: str | None = None

    def flag(self, base: str) -> str:
        while True:
            self.counter += 1
            name = f"{base}{self.counter}"
            if self.r.scope.lookup(name) is None:
                break
        self.r.scope.add(Symbol(name, type=LOGICAL, loc=self.r.loc))
        return name

    # -- resolving jump targets ------------------------------------------------
    def resolve(self, body: list[S.Stmt], loops: list[S.Stmt]) -> None:
        """Annotate every EXIT/CYCLE/RETURN inside a loop with the loop it leaves."""
        for st in body:
            if isinstance(st, (S.Exit, S.Cycle)):
                st._target = self._target(st, loops)  # type: ignore[attr-defined]
            elif isinstance(st, S.Return) and loops:
                st._target = loops[0]  # type: ignore[attr-defined]   # leaves every loop
            if isinstance(st, LOOPS):
                self.resolve(st.body, loops + [st])
            else:
                for b in st.bodies():
                    self.resolve(b, loops)

    @staticmethod
    def _target(st, loops):
        if not loops:
            return None
        if st.construct_name is None:
            return loops[-1]
        for lp in reversed(loops):
            if getattr(lp, "construct_name", None) == st.construct_name:
                return lp
        return loops[-1]

    # -- rewriting ---------------------------------------------------------------
    def body(self, stmts: list[S.Stmt]) -> list[S.Stmt]:
        out: list[S.Stmt] = []
        for st in stmts:
            out += self.stmt(st)
        return out

    def stmt(self, st: S.Stmt) -> list[S.Stmt]:
        if isinstance(st, LOOPS):
            return self.loop(st)
        if isinstance(st, (S.If, S.Where)):
            st.branches = [(c, self.body(b)) for c, b in st.branches]
            if st.else_body is not None:
                st.else_body = self.body(st.else_body)
        elif isinstance(st, S.SelectCase):
            st.cases = [(c, self.body(b)) for c, b in st.cases]
            if st.default is not None:
                st.default = self.body(st.default)
        elif isinstance(st, S.Region):
            st.body = self.body(st.body)
        return [st]

    def loop(self, lp) -> list[S.Stmt]:
        lp.body = self.body(lp.body)            # inner loops first
        jumps = [j for j in _jumps_in(lp.body) if getattr(j, "_target", None) is lp]
        if not jumps:
            return [lp]
        last = lp.body[-1] if lp.body else None
        if len(jumps) == 1 and isinstance(last, S.Exit) and last is jumps[0]:
            return [lp]                          # already the normal form
        if len(jumps) == 1 and _is_flag_exit(last) and last.branches[0][1][0] is jumps[0]:
            return [lp]
        skip = self.flag("ad_skip")
        ex = self.flag("ad_ex") if any(isinstance(j, (S.Exit, S.Return)) for j in jumps) else None
        rewrite = {}
        for j in jumps:
            loc = j.loc
            new = [S.Assign(E.Name(skip), E.LogicalLit(True), loc=loc)]
            if isinstance(j, (S.Exit, S.Return)):
                new.append(S.Assign(E.Name(ex), E.LogicalLit(True), loc=loc))
            if isinstance(j, S.Return):
                if self.ret_flag is None:
                    self.ret_flag = self.flag("ad_ret")
                new.insert(0, S.Assign(E.Name(self.ret_flag), E.LogicalLit(True), loc=loc))
            rewrite[id(j)] = new
        inner_exits = []
        lp.body = self._guard(lp.body, rewrite, skip, inner_exits)
        lp.body.insert(0, S.Assign(E.Name(skip), E.LogicalLit(False), loc=lp.loc))
        out: list[S.Stmt] = []
        if ex is not None:
            lp.body.append(S.If([(E.Name(ex), [S.Exit(loc=lp.loc)])], logical_if=True, loc=lp.loc))
            out.append(S.Assign(E.Name(ex), E.LogicalLit(False), loc=lp.loc))
        out.append(lp)
        return out

    def _guard(self, body: list[S.Stmt], rewrite: dict, skip: str, inner_exits) -> list[S.Stmt]:
        """Replace the jumps, and guard what follows a statement that may set ``skip``."""
        out: list[S.Stmt] = []
        for i, st in enumerate(body):
            if id(st) in rewrite:
                out += rewrite[id(st)]
                return out        # the rest of this list is dead after the jump
            if isinstance(st, LOOPS) and _contains(st.body, rewrite):
                # a jump to this (outer) loop from inside an inner loop: the inner loop leaves too
                st.body = self._guard(st.body, rewrite, skip, inner_exits)
                if not (st.body and _is_flag_exit(st.body[-1])):
                    st.body.append(S.If([(E.Name(skip), [S.Exit(loc=st.loc)])], logical_if=True, loc=st.loc))
                else:
                    cond = st.body[-1].branches[0][0]
                    st.body[-1].branches[0] = (E.BinOp(".or.", cond, E.Name(skip)), st.body[-1].branches[0][1])
                out.append(st)
                rest = body[i + 1:]
                if rest:
                    out.append(S.If([(E.UnOp(".not.", E.Name(skip)), self._guard(rest, rewrite, skip, inner_exits))],
                                    loc=st.loc))
                return out
            if not isinstance(st, LOOPS) and _contains([st], rewrite):
                for attr in ("branches", "cases"):
                    if hasattr(st, attr):
                        setattr(st, attr, [(c, self._guard(b, rewrite, skip, inner_exits))
                                           for c, b in getattr(st, attr)])
                for attr in ("else_body", "default"):
                    if getattr(st, attr, None) is not None:
                        setattr(st, attr, self._guard(getattr(st, attr), rewrite, skip, inner_exits))
                if isinstance(st, S.Region):
                    st.body = self._guard(st.body, rewrite, skip, inner_exits)
                if isinstance(st, S.If):
                    st.logical_if = False
                out.append(st)
                rest = body[i + 1:]
                if rest:
                    out.append(S.If([(E.UnOp(".not.", E.Name(skip)), self._guard(rest, rewrite, skip, inner_exits))],
                                    loc=st.loc))
                return out
            out.append(st)
        return out


def _jumps_in(body: list[S.Stmt]):
    for st in S.walk_stmts(body):
        if isinstance(st, (S.Exit, S.Cycle, S.Return)):
            yield st


def _contains(body: list[S.Stmt], rewrite: dict) -> bool:
    return any(id(s) in rewrite for s in S.walk_stmts(body))


def _is_flag_exit(st) -> bool:
    return (isinstance(st, S.If) and len(st.branches) == 1 and st.else_body is None
            and len(st.branches[0][1]) == 1 and isinstance(st.branches[0][1][0], S.Exit))


def structure_jumps(r: Routine) -> None:
    p = _Pass(r)
    p.resolve(r.body, [])
    r.body = p.body(r.body)
    if p.ret_flag is not None:
        # after the outermost loops that contained a RETURN: leave the routine
        r.body = _after_loops_return(r.body, p.ret_flag)
        r.scope.local(p.ret_flag)  # declared
        r.body.insert(0, S.Assign(E.Name(p.ret_flag), E.LogicalLit(False), loc=r.loc))


def _after_loops_return(body: list[S.Stmt], flag: str) -> list[S.Stmt]:
    out: list[S.Stmt] = []
    for st in body:
        out.append(st)
        if isinstance(st, LOOPS) and any(isinstance(a, S.Assign) and isinstance(a.lhs, E.Name) and a.lhs.name == flag
                                         for a in S.walk_stmts(st.body)):
            out.append(S.If([(E.Name(flag), [S.Return(loc=st.loc)])], logical_if=True, loc=st.loc))
        else:
            for attr in ("branches", "cases"):
                if hasattr(st, attr):
                    setattr(st, attr, [(c, _after_loops_return(b, flag)) for c, b in getattr(st, attr)])
            for attr in ("else_body", "default"):
                if getattr(st, attr, None) is not None:
                    setattr(st, attr, _after_loops_return(getattr(st, attr), flag))
    return out

"""Normalising pass: routines with GO TO get their jump-carrying constructs flattened.

A GO TO can leave a loop or an IF from the middle, so structured reversal does
not apply.  Every construct that contains a jump or a jump target is rewritten
into labels and jumps (the loop keeps Fortran's semantics: trip count fixed on
entry), after which the body is a sequence of basic blocks that the reverse
engine reverses by recording which block ran (see ``Reverser.blocks``).
Constructs without jumps stay structured and keep their structured reversal.

    do 10 i = 1, n               ad_trip1 = max((n - 1 + 1)/1, 0)
      if (x(i) < 0) goto 20      i = 1
      s = s + x(i)          ->   90001 continue
 10 continue                     if (ad_trip1 <= 0) go to 90002
 20 continue                     if (x(i) < 0) go to 20
                                 s = s + x(i)
                                 10 continue
                                 i = i + 1
                                 ad_trip1 = ad_trip1 - 1
                                 go to 90001
                                 90002 continue
                                 20 continue
"""
from __future__ import annotations

from fadj.ad import build as B
from fadj.errors import UnsupportedError
from fadj.ir import expr as E
from fadj.ir import stmt as S
from fadj.ir.program import Routine
from fadj.ir.symbols import INTEGER, Symbol

JUMPS = (S.Goto, S.ComputedGoto, S.ArithmeticIf)


def has_gotos(body: list[S.Stmt]) -> bool:
    return any(isinstance(s, JUMPS) for s in S.walk_stmts(body))


def jump_targets(body: list[S.Stmt]) -> set[str]:
    out: set[str] = set()
    for s in S.walk_stmts(body):
        if isinstance(s, S.Goto):
            out.add(s.target)
        elif isinstance(s, (S.ComputedGoto,)):
            out |= set(s.targets)
        elif isinstance(s, S.ArithmeticIf):
            out |= set(s.targets)
    return out


class _Flattener:
    def __init__(self, r: Routine):
        self.r = r
        self.targets = jump_targets(r.body)
        used = {s.label for s in S.walk_stmts(r.body) if s.label}
        self.next_label = 90000
        self.used = {int(x) for x in used if x.isdigit()}
        self.counter = 0

    def label(self) -> str:
        self.next_label += 1
        while self.next_label in self.used:
            self.next_label += 1
        return str(self.next_label)

    def temp(self, base: str) -> str:
        while True:
            self.counter += 1
            name = f"{base}{self.counter}"
            if self.r.scope.lookup(name) is None:
                break
        self.r.scope.add(Symbol(name, type=INTEGER, loc=self.r.loc))
        return name

    def needs(self, st: S.Stmt, in_loop: bool = False) -> bool:
        """A construct must be flattened if a jump or a jump target is inside it (or, inside a
        flattened loop, an EXIT/CYCLE of that loop, which becomes a jump)."""
        if not st.bodies():
            return False
        if _is_conditional_jump(st):
            return False
        for inner in S.walk_stmts([b for body in st.bodies() for b in body]):
            if isinstance(inner, JUMPS) or (inner.label is not None and inner.label in self.targets):
                return True
            # a RETURN is a jump to the end too: an IF or SELECT left from its middle must be
            # basic blocks like the rest (a RETURN inside a loop becomes a flag and a RETURN after
            # the loop, structure_jumps, so loops stay structured)
            if isinstance(inner, S.Return) and isinstance(st, (S.If, S.SelectCase)):
                return True
        if in_loop and not isinstance(st, (S.Do, S.DoWhile)):
            return any(_leaves(b) for b in st.bodies())
        return False

    def body(self, stmts: list[S.Stmt], loop: tuple[str, str] | None = None) -> list[S.Stmt]:
        out: list[S.Stmt] = []
        for st in stmts:
            out += self.stmt(st, loop)
        return out

    def stmt(self, st: S.Stmt, loop) -> list[S.Stmt]:
        if isinstance(st, S.ArithmeticIf):
            neg, zero, pos = st.targets
            e = st.expr
            out = [S.If([(E.BinOp("<", e, B.ZERO), [S.Goto(neg, loc=st.loc)])], logical_if=True, loc=st.loc, label=st.label),
                   S.If([(E.BinOp("==", e, B.ZERO), [S.Goto(zero, loc=st.loc)])], logical_if=True, loc=st.loc),
                   S.Goto(pos, loc=st.loc)]
            return out
        if isinstance(st, (S.Exit, S.Cycle)) and loop is not None:
            return [S.Goto(loop[1] if isinstance(st, S.Exit) else loop[0], loc=st.loc, label=st.label)]
        if not self.needs(st, loop is not None):
            return [st]
        lead = [S.Continue(label=st.label, loc=st.loc)] if st.label else []
        if isinstance(st, S.If):
            return lead + self._if(st, loop)
        if isinstance(st, S.Do):
            return lead + self._do(st)
        if isinstance(st, S.DoWhile):
            return lead + self._while(st)
        if isinstance(st, S.SelectCase):
            return lead + self._select(st, loop)
        raise UnsupportedError(st.loc, f"GO TO into or out of a {type(st).__name__.upper()} construct is not supported")

    def _if(self, st: S.If, loop) -> list[S.Stmt]:
        end = self.label()
        out: list[S.Stmt] = []
        for cond, body in st.branches:
            nxt = self.label()
            out.append(S.If([(E.UnOp(".not.", E.Paren(cond)), [S.Goto(nxt, loc=st.loc)])], logical_if=True, loc=st.loc))
            out += self.body(body, loop)
            out.append(S.Goto(end, loc=st.loc))
            out.append(S.Continue(label=nxt, loc=st.loc))
        if st.else_body is not None:
            out += self.body(st.else_body, loop)
        out.append(S.Continue(label=end, loc=st.loc))
        return out

    def _do(self, st: S.Do) -> list[S.Stmt]:
        test, incr, done = self.label(), self.label(), self.label()
        trip = E.Name(self.temp("ad_trip"))
        step = st.step if st.step is not None else B.ONE
        out: list[S.Stmt] = []
        if st.step is not None and not isinstance(st.step, E.IntLit):
            sv = E.Name(self.temp("ad_step"))
            out.append(S.Assign(sv, st.step, loc=st.loc))
            step = sv
        first = E.Name(self.temp("ad_first"))
        out += [S.Assign(first, st.start, loc=st.loc),
                S.Assign(trip, E.Call("max", (B.div(E.Paren(B.add(B.sub(st.end, first), step)), step), B.ZERO)),
                         loc=st.loc),
                S.Assign(E.Name(st.var), first, loc=st.loc),
                S.Continue(label=test, loc=st.loc),
                S.If([(E.BinOp("<=", trip, B.ZERO), [S.Goto(done, loc=st.loc)])], logical_if=True, loc=st.loc)]
        out += self.body(st.body, (incr, done))
        out += [S.Continue(label=incr, loc=st.loc),
                S.Assign(E.Name(st.var), B.add(E.Name(st.var), step), loc=st.loc),
                S.Assign(trip, B.sub(trip, B.ONE), loc=st.loc),
                S.Goto(test, loc=st.loc),
                S.Continue(label=done, loc=st.loc)]
        return out

    def _while(self, st: S.DoWhile) -> list[S.Stmt]:
        test, done = self.label(), self.label()
        out: list[S.Stmt] = [S.Continue(label=test, loc=st.loc)]
        if st.cond is not None:
            out.append(S.If([(E.UnOp(".not.", E.Paren(st.cond)), [S.Goto(done, loc=st.loc)])], logical_if=True,
                            loc=st.loc))
        out += self.body(st.body, (test, done))
        out += [S.Goto(test, loc=st.loc), S.Continue(label=done, loc=st.loc)]
        return out

    def _select(self, st: S.SelectCase, loop) -> list[S.Stmt]:
        branches = []
        for sels, body in st.cases:
            conds = []
            for s in sels:
                if isinstance(s, tuple):
                    lo, hi = s
                    parts = []
                    if lo is not None:
                        parts.append(E.BinOp("<=", lo, st.selector))
                    if hi is not None:
                        parts.append(E.BinOp("<=", st.selector, hi))
                    c = parts[0] if len(parts) == 1 else E.BinOp(".and.", parts[0], parts[1])
                else:
                    c = E.BinOp("==", st.selector, s)
                conds.append(c)
            cond = conds[0]
            for c in conds[1:]:
                cond = E.BinOp(".or.", cond, c)
            branches.append((cond, body))
        return self._if(S.If(branches, st.default, loc=st.loc), loop)


def _is_conditional_jump(st: S.Stmt) -> bool:
    """``if (c) go to 10``: already a plain conditional jump, nothing to flatten."""
    return (isinstance(st, S.If) and len(st.branches) == 1 and st.else_body is None
            and len(st.branches[0][1]) == 1 and isinstance(st.branches[0][1][0], (S.Goto, S.Return))
            and st.branches[0][1][0].label is None)


def _leaves(body: list[S.Stmt]) -> bool:
    """EXIT/CYCLE in ``body`` outside any inner loop."""
    for st in body:
        if isinstance(st, (S.Exit, S.Cycle)):
            return True
        if not isinstance(st, (S.Do, S.DoWhile)) and any(_leaves(b) for b in st.bodies()):
            return True
    return False


def flatten_gotos(r: Routine) -> bool:
    """Flatten ``r`` if it has GO TOs; returns whether it did."""
    if not has_gotos(r.body):
        return False
    f = _Flattener(r)
    r.body = f.body(r.body)
    r._blocks_mode = True  # type: ignore[attr-defined]
    return True

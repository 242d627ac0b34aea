"""Control-flow graph of a routine body, for the dataflow analyses.

Nodes are the points where something happens: simple statements, branch
conditions, and the three parts of a counted DO loop (init, test, increment)
plus its exit edge, so that analyses can treat the loop variable as the loop's
own business.  GOTOs become edges, so every analysis works on unstructured
code too.  Checkpointed regions and binomial loops are single opaque nodes: the
code outside sees only their summary effects.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from fadj.errors import UnsupportedError
from fadj.ir import stmt as S


@dataclass(eq=False)
class Node:
    kind: str            # entry exit stmt cond do_init do_test do_incr do_exit while_test select opaque
    stmt: S.Stmt | None = None
    index: int = 0
    succ: list["Node"] = field(default_factory=list)
    pred: list["Node"] = field(default_factory=list)

    def __repr__(self) -> str:
        name = type(self.stmt).__name__ if self.stmt is not None else ""
        line = self.stmt.loc.line if self.stmt is not None and self.stmt.loc else ""
        return f"<{self.kind} {name}@{line}>"


@dataclass
class CFG:
    entry: Node
    exit: Node
    nodes: list[Node]
    first: dict[S.Stmt, Node]          # statement -> its first node
    do_nodes: dict[S.Stmt, dict[str, Node]]


def _link(a: Node, b: Node) -> None:
    if b not in a.succ:
        a.succ.append(b)
        b.pred.append(a)


class _Builder:
    def __init__(self, opaque):
        self.nodes: list[Node] = []
        self.first: dict[S.Stmt, Node] = {}
        self.do_nodes: dict[S.Stmt, dict[str, Node]] = {}
        self.labels: dict[str, Node] = {}
        self.gotos: list[tuple[Node, list[str], S.Stmt]] = []
        self.loops: list[tuple[S.Stmt, Node, Node]] = []   # (loop stmt, continue target, exit target)
        self.opaque = opaque
        self.exit = self.new("exit")

    def new(self, kind, stmt=None, index=0) -> Node:
        n = Node(kind, stmt, index)
        self.nodes.append(n)
        return n

    def seq(self, body: list[S.Stmt], preds: list[Node]) -> list[Node]:
        """Add ``body`` after ``preds``; returns the nodes that fall through its end."""
        for st in body:
            preds = self.stmt(st, preds)
        return preds

    def stmt(self, st: S.Stmt, preds: list[Node]) -> list[Node]:
        if isinstance(st, S.Comment):
            return preds
        if self.opaque(st):
            n = self.new("opaque", st)
            return self._enter(st, n, preds, [n])
        if isinstance(st, S.If):
            exits: list[Node] = []
            first = None
            cur = preds
            for i, (cond, body) in enumerate(st.branches):
                c = self.new("cond", st, i)
                if first is None:
                    first = c
                    self._enter(st, c, cur, [])
                else:
                    for p in cur:
                        _link(p, c)
                exits += self.seq(body, [c])
                cur = [c]
            if st.else_body is not None:
                exits += self.seq(st.else_body, cur)
            else:
                exits += cur
            return exits
        if isinstance(st, (S.Where,)):
            n = self.new("stmt", st)   # WHERE is a masked assignment block: one node
            return self._enter(st, n, preds, [n])
        if isinstance(st, S.SelectCase):
            sel = self.new("select", st)
            self._enter(st, sel, preds, [])
            exits = []
            for _, body in st.cases:
                exits += self.seq(body, [sel])
            if st.default is not None:
                exits += self.seq(st.default, [sel])
            else:
                exits.append(sel)
            return exits
        if isinstance(st, S.Do):
            init = self.new("do_init", st)
            test = self.new("do_test", st)
            incr = self.new("do_incr", st)
            done = self.new("do_exit", st)
            self.do_nodes[st] = {"init": init, "test": test, "incr": incr, "exit": done}
            self._enter(st, init, preds, [])
            _link(init, test)
            _link(test, done)
            self.loops.append((st, incr, done))
            ends = self.seq(st.body, [test])
            self.loops.pop()
            for e in ends:
                _link(e, incr)
            _link(incr, test)
            return [done]
        if isinstance(st, S.DoWhile):
            test = self.new("while_test", st)
            done = self.new("do_exit", st)
            self.do_nodes[st] = {"test": test, "exit": done}
            self._enter(st, test, preds, [])
            if st.cond is not None:
                _link(test, done)
            self.loops.append((st, test, done))
            ends = self.seq(st.body, [test])
            self.loops.pop()
            for e in ends:
                _link(e, test)
            return [done]
        if isinstance(st, S.Region):
            n = self.new("opaque", st)
            return self._enter(st, n, preds, [n])
        n = self.new("stmt", st)
        self._enter(st, n, preds, [])
        if isinstance(st, (S.Return, S.Stop)):
            _link(n, self.exit)
            return []
        if isinstance(st, S.Exit):
            _link(n, self._loop(st, st.construct_name)[2])
            return []
        if isinstance(st, S.Cycle):
            _link(n, self._loop(st, st.construct_name)[1])
            return []
        if isinstance(st, S.Goto):
            self.gotos.append((n, [st.target], st))
            return []
        if isinstance(st, S.ComputedGoto):
            self.gotos.append((n, list(st.targets), st))
            return [n]
        if isinstance(st, S.ArithmeticIf):
            self.gotos.append((n, list(st.targets), st))
            return []
        return [n]

    def _enter(self, st: S.Stmt, node: Node, preds: list[Node], falls: list[Node]) -> list[Node]:
        self.first[st] = node
        for p in preds:
            _link(p, node)
        if st.label is not None:
            self.labels[st.label] = node
        return falls

    def _loop(self, st, name):
        for loop in reversed(self.loops):
            if name is None or getattr(loop[0], "construct_name", None) == name:
                return loop
        raise UnsupportedError(st.loc, f"EXIT/CYCLE outside a loop{' named ' + name if name else ''}")


def build_cfg(body: list[S.Stmt], opaque=lambda st: False) -> CFG:
    b = _Builder(opaque)
    entry = b.new("entry")
    ends = b.seq(body, [entry])
    for e in ends:
        _link(e, b.exit)
    for node, targets, st in b.gotos:
        for t in targets:
            tgt = b.labels.get(t)
            if tgt is None:
                raise UnsupportedError(st.loc, f"GO TO {t}: no statement with label {t} in this routine")
            _link(node, tgt)
    return CFG(entry, b.exit, b.nodes, b.first, b.do_nodes)

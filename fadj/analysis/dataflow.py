"""A generic worklist dataflow solver over a CFG.

Each analysis supplies a direction, a transfer function and a boundary value;
sets are frozensets joined by union (all of fadj's problems are "may"
problems).  Liveness, TBR and the snapshot sets are small clients of this.
"""
from __future__ import annotations

from collections import deque
from typing import Callable

from fadj.analysis.cfg import CFG, Node

Transfer = Callable[[Node, frozenset], frozenset]


def solve(cfg: CFG, transfer: Transfer, forward: bool, boundary: frozenset = frozenset()
          ) -> tuple[dict[Node, frozenset], dict[Node, frozenset]]:
    """Returns (IN, OUT): for a forward problem IN is before the node; for a backward one IN is
    the value at the node's entry (i.e. after applying the transfer to OUT)."""
    empty: frozenset = frozenset()
    inn: dict[Node, frozenset] = {n: empty for n in cfg.nodes}
    out: dict[Node, frozenset] = {n: empty for n in cfg.nodes}
    start = cfg.entry if forward else cfg.exit
    order = _order(cfg, forward)
    work = deque(order)
    queued = set(order)
    while work:
        n = work.popleft()
        queued.discard(n)
        preds = n.pred if forward else n.succ
        if n is start:
            x = boundary
            for p in preds:
                x = x | (out[p] if forward else inn[p])
        else:
            x = empty
            for p in preds:
                x = x | (out[p] if forward else inn[p])
        if forward:
            inn[n] = x
            y = transfer(n, x)
            if y != out[n]:
                out[n] = y
                for s in n.succ:
                    if s not in queued:
                        work.append(s)
                        queued.add(s)
        else:
            out[n] = x
            y = transfer(n, x)
            if y != inn[n]:
                inn[n] = y
                for s in n.pred:
                    if s not in queued:
                        work.append(s)
                        queued.add(s)
    return inn, out


def _order(cfg: CFG, forward: bool) -> list[Node]:
    """Reverse post-order (forward problems) or its reverse (backward): fewer iterations."""
    seen = set()
    post: list[Node] = []
    stack = [(cfg.entry, iter(cfg.entry.succ))]
    seen.add(cfg.entry)
    while stack:
        node, it = stack[-1]
        nxt = next(it, None)
        if nxt is None:
            stack.pop()
            post.append(node)
        elif nxt not in seen:
            seen.add(nxt)
            stack.append((nxt, iter(nxt.succ)))
    rest = [n for n in cfg.nodes if n not in seen]
    rpo = list(reversed(post)) + rest
    return rpo if forward else list(reversed(rpo))

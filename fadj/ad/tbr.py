"""To-be-recorded (TBR) analysis: which overwritten values must go on the stack.

A forward dataflow problem over the CFG.  ``Req`` before a node is the set of
variables whose *current* value the backward sweep will need for the adjoints
of nodes already executed.  A node that overwrites ``v`` pushes the old value
when ``v`` is in ``Req`` or is needed by its own adjoint::

    push(n)  = defs(n) & (Req_in | uses_bwd(n))
    Req_out  = (Req_in | uses_bwd(n)) - kills(n)

``uses_bwd(n)`` are the variables the backward code of ``n`` reads: values in
partial derivatives, subscripts of active references and pushed elements,
what a checkpointed callee reads (it is re-run from a snapshot), what a split
callee's backward half needs.  Linear statements (``y = a + b``) use nothing,
so nothing is pushed for them: that is where TBR saves memory.

The loop variable of a counted DO is never pushed per iteration: the reversed
loop recomputes it.  It is pushed once before the loop only if code before
the loop needs its old value.
"""
from __future__ import annotations

from typing import Callable

from fadj.analysis.cfg import CFG, Node
from fadj.analysis.dataflow import solve

NodeSet = Callable[[Node], frozenset]


def run_tbr(cfg: CFG, defs: NodeSet, kills: NodeSet, uses_bwd: NodeSet,
            push_uses: Callable[[Node, frozenset], frozenset], loop_var: Callable[[Node], str],
            boundary: frozenset = frozenset(), own_uses: NodeSet | None = None):
    """Returns (push sets per node, Req at each node's entry, Req at routine exit).

    ``own_uses(n)`` (default ``uses_bwd``) are the values on entry to ``n`` that its own
    backward code needs: a split callee's backward half reads the values at the callee's
    *exit* instead, which later statements keep (they are in Req after it), so for such a
    call only Req decides what is saved before it."""
    own = own_uses or uses_bwd

    def pushes(n: Node, req_in: frozenset) -> frozenset:
        if n.kind in ("do_incr", "do_test", "do_exit", "entry", "exit"):
            return frozenset()
        return defs(n) & (req_in | own(n))

    def transfer(n: Node, req_in: frozenset) -> frozenset:
        k = n.kind
        if k in ("do_incr", "do_exit"):
            v = loop_var(n)
            return req_in - {v} if v is not None else req_in
        if k == "do_init":
            need = req_in | uses_bwd(n)
            return need - {loop_var(n)}
        need = req_in | uses_bwd(n)
        p = defs(n) & (req_in | own(n))
        if p:
            need = need | push_uses(n, p)
        return need - kills(n)

    inn, out = solve(cfg, transfer, forward=True, boundary=boundary)
    push = {n: pushes(n, inn[n]) for n in cfg.nodes}
    return push, inn, inn[cfg.exit]

"""Common subexpressions of the adjoint statements of one assignment.

The partial derivatives of ``y = (a*(b*b + e) + b*(a*a + e))/(a*a + b*b + 2*e)`` all
contain ``a*a + b*b + 2*e`` and its inverse; the compiler only merges repeated
expressions it can prove identical within one statement, and never across the
increment statements fadj emits one per reference.  Evaluating each repeated
subexpression once into a temporary (largest first) removes that work, as
Tapenade's ``temp`` variables do.  Only for scalar statements: array temporaries
would cost more than they save.
"""
from __future__ import annotations

from collections import Counter
from typing import Callable

from fadj.ir import expr as E

MIN_SIZE = 4          # a subexpression of fewer nodes is cheaper to recompute than to store


def size(e: E.Expr) -> int:
    return sum(1 for _ in E.walk(e))


def _candidates(e: E.Expr, out: Counter, scalar) -> None:
    if isinstance(e, (E.BinOp, E.Call, E.UnOp)) and size(e) >= MIN_SIZE and not _has_seed(e) and scalar(e):
        out[e] += 1
    for c in e.children():
        _candidates(c, out, scalar)


def _has_seed(e: E.Expr) -> bool:
    return any(isinstance(n, E.Name) and n.name == "fadj_seed" for n in E.walk(e))


def eliminate(exprs: list[E.Expr], fresh: Callable[[E.Expr], str], scalar=lambda e: True
              ) -> tuple[list[tuple[str, E.Expr]], list[E.Expr]]:
    """Returns (temporaries in evaluation order, rewritten expressions); ``scalar(e)`` says
    whether a subexpression is scalar (only those get a temporary)."""
    temps: list[tuple[str, E.Expr]] = []
    while True:
        counts: Counter = Counter()
        for e in exprs + [v for _, v in temps]:
            _candidates(e, counts, scalar)
        repeated = [e for e, n in counts.items() if n >= 2]
        if not repeated:
            break
        best = max(repeated, key=size)
        name = fresh(best)
        ref = E.Name(name)

        def swap(e, best=best, ref=ref):
            return E.transform(e, lambda n: ref if n == best else n)

        exprs = [swap(e) for e in exprs]
        temps = [(t, swap(v)) for t, v in temps] + [(name, best)]
    # a temporary may use one introduced after it (a smaller piece of it): order by dependence
    ordered: list[tuple[str, E.Expr]] = []
    pending = list(temps)
    names = {t for t, _ in temps}
    while pending:
        for i, (t, v) in enumerate(pending):
            uses = {n.name for n in E.walk(v) if isinstance(n, E.Name)} & names
            if uses <= {x for x, _ in ordered}:
                ordered.append((t, v))
                pending.pop(i)
                break
        else:
            ordered += pending
            break
    return ordered, exprs

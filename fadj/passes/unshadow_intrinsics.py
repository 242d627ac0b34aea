"""Rename local variables that hide an intrinsic the derivative code calls.

Old codes often have a local ``sum``, ``size`` or ``max``.  The primal never calls the
intrinsic of that name (the local hides it), but derivative code does: the adjoint of
``q = h*p`` is ``hb = hb + sum(p*qb)``, and adjoint allocations use ``size``, ``lbound`` and
``allocated``.  gfortran then reads ``sum(p*qb)`` as an element of the local array, or rejects
it.  Such locals get a fresh name in the IR of the routine, so in every derivative routine;
the primal copy keeps the user's text.  Dummy arguments and module or COMMON variables are
left alone: their names are seen from outside the routine.
"""
from __future__ import annotations

import dataclasses
import re

from fadj.ir import expr as E
from fadj.ir import stmt as S
from fadj.ir.program import Routine
from fadj.ir.visit import map_exprs

# intrinsics that derivative code may call although the primal does not (rule-table partials,
# reductions of broadcast adjoints, allocation and bounds bookkeeping, guards)
EMITTED_INTRINSICS = frozenset("""
    sum product size shape lbound ubound allocated associated present reshape spread merge max min
    maxval minval count any all abs sign sqrt real dble int nint floor aint exp log sin cos tan
    sinh cosh tanh acos hypot transpose matmul cshift eoshift dim norm2 huge tiny epsilon kind
""".split())


def unshadow_intrinsics(r: Routine) -> dict[str, str]:
    """Rename ``r``'s plain local variables named like an emitted intrinsic; returns old -> new."""
    taken = {s.name for s in r.scope}
    renames: dict[str, str] = {}
    for sym in list(r.scope):
        if (sym.name not in EMITTED_INTRINSICS or sym.is_arg or sym.is_result or sym.procedure
                or sym.intrinsic or sym.external or sym.common is not None or sym.module is not None
                or sym.host):
            continue
        new = f"{sym.name}_v"
        while new in taken:
            new += "_"
        taken.add(new)
        renames[sym.name] = new
    if not renames:
        return renames
    fn = _renamer(renames)
    symbols = {}
    for name, sym in r.scope.symbols.items():
        sym = dataclasses.replace(
            sym, name=renames.get(name, name),
            dims=tuple(dataclasses.replace(d, lo=_opt(d.lo, fn), hi=_opt(d.hi, fn)) for d in sym.dims)
            if sym.dims else sym.dims,
            init=_opt(sym.init, fn))
        symbols[sym.name] = sym
    r.scope.symbols = symbols
    map_exprs(r.body, lambda e: E.transform(e, fn))
    word = re.compile(r"\b(" + "|".join(map(re.escape, renames)) + r")\b", re.I)

    def in_text(text: str) -> str:
        return _outside_strings(text, lambda t: word.sub(lambda m: renames[m.group(1).lower()], t))

    for st in S.walk_stmts(r.body):
        if isinstance(st, S.Do) and st.var in renames:
            st.var = renames[st.var]
        elif isinstance(st, S.Raw):
            st.text = in_text(st.text)
            st.reads = frozenset(renames.get(n, n) for n in st.reads)
            st.writes = frozenset(renames.get(n, n) for n in st.writes)
    r.data = [in_text(t) for t in r.data]
    r.equivalences = [(loc, in_text(t)) for loc, t in r.equivalences]
    return renames


def _opt(e, fn):
    return E.transform(e, fn) if e is not None else None


def _renamer(renames: dict[str, str]):
    def fn(e: E.Expr) -> E.Expr:
        if isinstance(e, E.Name) and e.name in renames:
            return E.Name(renames[e.name])
        if isinstance(e, E.Index) and e.name in renames:
            return E.Index(renames[e.name], e.subs)
        if isinstance(e, E.ImpliedDo) and e.var in renames:
            return dataclasses.replace(e, var=renames[e.var])
        return e
    return fn


def _outside_strings(text: str, fn) -> str:
    """Apply ``fn`` to the parts of a statement's text that are not character literals."""
    parts = re.split(r"('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\")", text)
    return "".join(p if i % 2 else fn(p) for i, p in enumerate(parts))

"""EQUIVALENCE: which uses fadj can keep.

Netlib libraries build machine constants from integer bit patterns (``d1mach``, ``i1mach``):
an integer array set by DATA and a real array sharing its storage, only read.  Storage that
no executable statement of the routine writes holds constants: no dependence can hide in it,
so the routine is analysed as written and its EQUIVALENCE statements are copied into the
derivative routines.  Storage under two names that the routine writes (a value written
through one name and read through the other) would hide a dependence from the analyses: that
is an error at the EQUIVALENCE statement.
"""
from __future__ import annotations

import re

from fadj.errors import UnsupportedError
from fadj.ir import expr as E
from fadj.ir import stmt as S
from fadj.ir.program import Routine


def equivalenced_names(text: str) -> list[list[str]]:
    """``EQUIVALENCE (A(1), B(1)), (C, D)`` -> ``[["a", "b"], ["c", "d"]]``."""
    body = re.sub(r"^\s*equivalence\s*", "", text, flags=re.I)
    groups, depth, start = [], 0, 0
    for i, ch in enumerate(body):
        if ch == "(":
            depth += 1
            if depth == 1:
                start = i + 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                groups.append(body[start:i])
    out = []
    for g in groups:
        items, depth, cur = [], 0, ""
        for ch in g:
            if ch == "," and depth == 0:
                items.append(cur)
                cur = ""
                continue
            depth += ch == "("
            depth -= ch == ")"
            cur += ch
        items.append(cur)
        names = [m.group(0).lower() for m in (re.match(r"\s*([A-Za-z_]\w*)", x) for x in items) if m]
        out.append([n.strip() for n in names])
    return [g for g in out if g]


def _written(r: Routine) -> set[str]:
    out: set[str] = set()
    for st in S.walk_stmts(r.body):
        if isinstance(st, S.Assign):
            out.add(E.base_name(st.lhs))
        elif isinstance(st, S.CallStmt):
            out |= {E.base_name(a) for a in st.args if isinstance(a, E.REF_TYPES)}
        elif isinstance(st, S.Raw):
            out |= set(st.writes)
        elif isinstance(st, S.Allocate):
            out |= {E.base_name(i) for i in st.items}
    return out


def check_equivalences(r: Routine) -> None:
    """Stop at an EQUIVALENCE whose storage the routine writes (see the module doc)."""
    if not r.equivalences:
        return
    written = _written(r)
    for loc, text in r.equivalences:
        for group in equivalenced_names(text):
            hit = [n for n in group if n in written]
            if hit:
                raise UnsupportedError(loc, f"EQUIVALENCE of '{hit[0]}', which '{r.name}' writes, is not supported "
                                            f"('{text[:50]}'): storage shared by two names that the code writes would "
                                            f"hide dependences; replace it by one variable")

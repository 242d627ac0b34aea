"""EQUIVALENCE: storage shared by several names.

Netlib libraries build machine constants from integer bit patterns (``d1mach``, ``i1mach``):
an integer array set by DATA and a real array sharing its storage, only read.  Storage that
no executable statement of the routine writes holds constants: no dependence can hide in it,
so the routine is analysed as written and its EQUIVALENCE statements are copied into the
derivative routines.

Storage that the routine writes under one name and may read under another is one storage
group for the analyses (as a pointer and its targets are, see passes/pointer_groups): a
write through either name is a write of the group, a snapshot saves every member.  When the
group is active its derivatives share storage the same way (the derivative routine has the
EQUIVALENCE of the derivative names, see ``derivative_equivalences``); an active group that
overlays a real with a value of another type or kind is an error at the EQUIVALENCE
statement.  Members in COMMON are an error too.
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
    """Group the names of written EQUIVALENCE storage (``r.storage_groups``); the members must be
    local variables outside COMMON."""
    if not r.equivalences:
        return
    written = _written(r)
    for loc, text in r.equivalences:
        for group in equivalenced_names(text):
            if not any(n in written for n in group):
                continue
            for n in group:
                sym = r.scope.local(n)
                if sym is None or sym.common is not None or sym.is_arg or sym.module is not None:
                    raise UnsupportedError(loc, f"EQUIVALENCE of '{n}' (in COMMON, a module or not a local "
                                                f"variable), which '{r.name}' writes, is not supported")
                if n in r.storage_groups and r.storage_groups[n] != "@eq_" + group[0] \
                        and not r.storage_groups[n].startswith("@eq_"):
                    raise UnsupportedError(loc, f"EQUIVALENCE of '{n}', a pointer or pointer target, "
                                                f"is not supported")
            # groups sharing a member are one storage
            ids = {r.storage_groups[n] for n in group if n in r.storage_groups}
            gid = min(ids) if ids else "@eq_" + group[0]
            for n, g in list(r.storage_groups.items()):
                if g in ids:
                    r.storage_groups[n] = gid
            for n in group:
                r.storage_groups[n] = gid


def check_active_equivalences(r: Routine, is_active_id) -> None:
    """An active EQUIVALENCE group whose members are not all reals of one kind: its
    derivatives cannot share storage as the values do."""
    for loc, text in r.equivalences:
        for group in equivalenced_names(text):
            gid = r.storage_groups.get(group[0])
            if gid is None or not is_active_id(gid):
                continue
            types = {(s.type.base, s.type.kind) if s.type is not None else None
                     for s in (r.scope.local(n) for n in group)}
            if len(types) > 1 or next(iter(types)) is None or next(iter(types))[0] != "real":
                raise UnsupportedError(loc, f"EQUIVALENCE of active real storage with a value of another type or "
                                            f"kind ('{text[:50]}') is not supported: its derivative cannot share "
                                            f"the storage")


def derivative_equivalences(r: Routine, dname, is_active_id) -> list[str]:
    """EQUIVALENCE statements of the derivatives of the routine's active written groups
    (``equivalence (a(1), b(3))`` -> ``equivalence (ab(1), bb(3))``)."""
    out = []
    for _, text in r.equivalences:
        names = [n for g in equivalenced_names(text) for n in g
                 if n in r.storage_groups and is_active_id(r.storage_groups[n])]
        if not names:
            continue
        head, _, rest = text.partition("(")
        for n in sorted(set(names), key=len, reverse=True):
            rest = re.sub(rf"\b{re.escape(n)}\b", dname(n), rest, flags=re.I)
        out.append(f"{head}({rest}")
    return out

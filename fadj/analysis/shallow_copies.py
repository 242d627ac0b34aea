"""Whole assignments of derived values whose POINTER components fadj treats as allocatable.

fadj analyses a pointer component that the sources only ALLOCATE like an allocatable one
(``Symbol.alloc_pointer``).  That holds until a whole assignment ``a = b`` of such a type: an
allocatable component is copied, a pointer component is shared (``a%u`` and ``b%u`` become one
array), and the analyses would miss the aliasing.  Such an assignment is an error at its line.
"""
from __future__ import annotations

from fadj.errors import UnsupportedError
from fadj.ir import stmt as S
from fadj.ir.program import Program, Routine


def pointer_parts(types: dict, name: str, _seen: frozenset = frozenset()) -> list[str]:
    """Names of the pointer components (at any depth) of type ``name`` analysed as allocatable."""
    if name in _seen or name not in types:
        return []
    out = []
    for c in types[name].components.values():
        if c.alloc_pointer:
            out.append(c.name)
        elif c.type is not None and c.type.base == "type":
            out += [f"{c.name}%{p}" for p in pointer_parts(types, c.type.derived, _seen | {name})]
    return out


def check_shallow_copies(prog: Program, r: Routine, typer) -> None:
    """An error at the first whole assignment in ``r`` of a type with such pointer components."""
    for st in S.walk_stmts(r.body):
        if not isinstance(st, S.Assign):
            continue
        t = typer.type_of(st.lhs)
        if t is None or t.base != "type":
            continue
        parts = pointer_parts(prog.types, t.derived)
        if parts:
            raise UnsupportedError(st.loc, f"assignment of a whole '{t.derived}', whose POINTER component "
                                           f"'{parts[0]}' it would share rather than copy, is not supported "
                                           f"(assign the components, or make '{parts[0]}' ALLOCATABLE)")

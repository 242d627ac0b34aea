"""Derived types: component lookup and which types carry derivatives.

A derived type is differentiable if it has real components (directly or in a
component of derived type).  Its derivative type ``t_diff`` holds the
derivatives of exactly those components, with the same names, so that the
derivative of ``p%u(2)`` is ``pb%u(2)``.
"""
from __future__ import annotations

from fadj.ir.symbols import Symbol, TypeSpec


def diff_type_name(name: str) -> str:
    return f"{name}_diff"


def component(types: dict, t: TypeSpec | None, comp: str) -> Symbol | None:
    if t is None or t.base != "type":
        return None
    dt = types.get(t.derived)
    return dt.components.get(comp) if dt is not None else None


def has_allocatable_parts(s: Symbol, types: dict) -> bool:
    """A derived-type entity with allocatable (or pointer) components, at any depth: its
    unallocated state is a state (an ALLOCATE reads it; INTENT(OUT) resets it on entry)."""
    seen = set()

    def walk(tname):
        if tname in seen or tname not in types:
            return False
        seen.add(tname)
        for c in types[tname].components.values():
            if c.allocatable or c.pointer:
                return True
            if c.type is not None and c.type.base == "type" and walk(c.type.derived):
                return True
        return False
    return s.type is not None and s.type.base == "type" and walk(s.type.derived)


def differentiable(types: dict, t: TypeSpec | None, _seen: frozenset = frozenset()) -> bool:
    if t is None:
        return False
    if t.base == "real":
        return True
    if t.base != "type" or t.derived in _seen:
        return False
    dt = types.get(t.derived)
    if dt is None:
        return False
    return any(not c.pointer and differentiable(types, c.type, _seen | {t.derived}) for c in dt.components.values())


def diff_components(types: dict, name: str) -> list[Symbol]:
    """Components of type ``name`` that get a derivative (real, or differentiable derived)."""
    dt = types[name]
    return [c for c in dt.components.values() if not c.pointer and differentiable(types, c.type)]

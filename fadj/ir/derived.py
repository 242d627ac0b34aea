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


def diff_type_spec(t: TypeSpec, poly: bool | None = None) -> TypeSpec:
    """The type of the derivative of a value of derived type ``t``: ``t_diff``, CLASS when ``t``
    is (or as ``poly`` says)."""
    return TypeSpec("type", 0, derived=diff_type_name(t.derived), poly=t.poly if poly is None else poly)


def component(types: dict, t: TypeSpec | None, comp: str) -> Symbol | None:
    if t is None or t.base != "type":
        return None
    dt = types.get(t.derived)
    if dt is None:
        return None
    c = dt.components.get(comp)
    if c is None and comp in ancestors(types, dt.name):
        return parent_component(comp)     # ``s%model``: the parent part of an extended type
    return c


def ancestors(types: dict, name: str) -> list[str]:
    """The types ``name`` extends, nearest first."""
    out: list[str] = []
    p = types[name].parent if name in types else None
    while p is not None and p not in out:
        out.append(p)
        p = types[p].parent if p in types else None
    return out


def parent_component(name: str) -> Symbol:
    return Symbol(name, type=TypeSpec("type", 0, derived=name))


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


def diff_parent(types: dict, name: str) -> str | None:
    """The parent type that ``name``'s derivative type extends: the primal parent's, when that
    carries derivatives (else the derivative type starts the hierarchy itself)."""
    p = types[name].parent
    return p if p is not None and differentiable(types, TypeSpec("type", 0, derived=p)) else None


def own_diff_components(types: dict, name: str) -> list[Symbol]:
    """The components ``name_diff`` declares itself: all, less those it inherits."""
    p = diff_parent(types, name)
    inherited = {c.name for c in diff_components(types, p)} if p is not None else set()
    return [c for c in diff_components(types, name) if c.name not in inherited]


def extensions(types: dict, name: str) -> list[str]:
    """Types of the sources that extend ``name``, at any depth."""
    out: list[str] = []
    todo = [name]
    while todo:
        n = todo.pop()
        for t in types.values():
            if t.parent == n and t.name not in out:
                out.append(t.name)
                todo.append(t.name)
    return out


def diff_components(types: dict, name: str) -> list[Symbol]:
    """Components of type ``name`` that get a derivative (real, or differentiable derived)."""
    dt = types[name]
    return [c for c in dt.components.values() if not c.pointer and differentiable(types, c.type)]

"""Declarations of a derivative routine, as Fortran lines.

Every symbol is declared explicitly (the generated code says ``implicit
none``), in an order gfortran accepts: named constants first (in their
original order, since they may refer to each other), then integer scalars
(they size arrays), then the rest.
"""
from __future__ import annotations

from fadj.backend.fortran import expr_str
from fadj.ir.symbols import Dim, Symbol


def dims_str(dims: tuple[Dim, ...]) -> str:
    parts = []
    for d in dims:
        if d.kind == "explicit":
            hi = expr_str(d.hi)
            parts.append(f"{expr_str(d.lo)}:{hi}" if d.lo is not None else hi)
        elif d.kind == "assumed_size":
            parts.append(f"{expr_str(d.lo)}:*" if d.lo is not None else "*")
        elif d.kind == "assumed_shape":
            parts.append(f"{expr_str(d.lo)}:" if d.lo is not None else ":")
        else:
            parts.append(":")
    return ", ".join(parts)


def declaration(s: Symbol, keep_intent: bool = True) -> str:
    t = s.type
    attrs = [t.decl() if t is not None else "real"]
    if t is not None and t.poly:
        attrs[0] = f"class({t.derived})"
    if s.parameter:
        attrs.append("parameter")
    if s.intent and keep_intent and s.is_arg:
        attrs.append(f"intent({s.intent})")
    if s.optional:
        attrs.append("optional")
    if s.value:
        attrs.append("value")
    if s.allocatable:
        attrs.append("allocatable")
    if s.pointer:
        attrs.append("pointer")
    if s.target:
        attrs.append("target")
    if s.save and not s.parameter and not s.is_arg and s.common is None and s.init is None:
        attrs.append("save")
    attrs += list(s.extra_attrs)
    text = ", ".join(attrs) + " :: " + s.name
    if s.dims:
        text += f"({dims_str(s.dims)})"
    if s.init is not None and (s.parameter or s.common is None):
        text += f" = {expr_str(s.init)}"
    return text


def order_symbols(symbols: list[Symbol]) -> list[Symbol]:
    """Named constants, then integer scalars, then the rest; within that, every symbol after the
    symbols its value, bounds or kind refer to (``parameter (mu = one)`` after ``one``)."""
    params = [s for s in symbols if s.parameter]
    ints = [s for s in symbols if not s.parameter and not s.dims and s.type is not None and s.type.base == "integer"]
    rest = [s for s in symbols if s not in params and s not in ints]
    return _after_dependencies(params + ints + rest)


def _refs(s: Symbol) -> set[str]:
    from fadj.ir import expr as E
    names: set[str] = set()
    exprs = [s.init] if s.parameter and s.init is not None else []
    for d in s.dims or ():
        exprs += [d.lo, d.hi]
    for e in exprs:
        if e is not None:
            names |= {n.name for n in E.walk(e) if isinstance(n, (E.Name, E.Index))}
    return names - {s.name}


def _after_dependencies(order: list[Symbol]) -> list[Symbol]:
    """Stable topological order: each symbol as early as its position allows, after what it uses."""
    names = {s.name for s in order}
    deps = {id(s): _refs(s) & names for s in order}
    done: set[str] = set()
    out: list[Symbol] = []
    left = list(order)
    while left:
        for i, s in enumerate(left):
            if deps[id(s)] <= done:
                break
        else:
            i = 0           # a cycle (not valid Fortran): keep the given order
        s = left.pop(i)
        out.append(s)
        done.add(s.name)
    return out

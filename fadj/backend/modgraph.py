"""Which Fortran files define and use which modules, read from their text.

The Makefile orders objects by it, and the derivative files are laid out so
that it has no cycle (``emit.derivative_files``).
"""
from __future__ import annotations

import re

_USE = re.compile(r"^\s*use\s*(?:,\s*\w+\s*::)?\s*(\w+)", re.IGNORECASE | re.MULTILINE)
_MODULE = re.compile(r"^\s*module\s+(?!procedure\b)(\w+)\s*$", re.IGNORECASE | re.MULTILINE)


def modules_defined(text: str) -> set[str]:
    return {m.lower() for m in _MODULE.findall(text)}


def modules_used(text: str) -> set[str]:
    return {m.lower() for m in _USE.findall(text)}


def file_deps(sources: dict[str, str]) -> dict[str, list[str]]:
    """name -> the other files whose modules it uses."""
    provider = {}
    for n, t in sources.items():
        for m in modules_defined(t):
            provider[m] = n
    return {n: [provider[m] for m in sorted(modules_used(t)) if m in provider and provider[m] != n]
            for n, t in sources.items()}


def dependency_order(sources: dict[str, str]) -> list[str]:
    """Files, each after those whose modules it uses (a cycle is left for gfortran to report)."""
    deps = file_deps(sources)
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(n):
        if state.get(n):
            return
        state[n] = 1
        for d in deps[n]:
            visit(d)
        state[n] = 2
        order.append(n)

    for n in sources:
        visit(n)
    return order


def has_cycle(sources: dict[str, str]) -> bool:
    deps = file_deps(sources)
    state: dict[str, int] = {}

    def visit(n) -> bool:
        if state.get(n) == 1:
            return True
        if state.get(n) == 2:
            return False
        state[n] = 1
        if any(visit(d) for d in deps[n]):
            return True
        state[n] = 2
        return False

    return any(visit(n) for n in sources)

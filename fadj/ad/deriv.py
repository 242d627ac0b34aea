"""What the AD engines produce: derivative routines as data, ready for the backend.

A DerivRoutine holds the signature, the symbols to declare (primal ones kept
from the original routine plus derivative ones), COMMON blocks, USEd modules
and the body as IR statements.  The backend lays it out with a template; no
Fortran text is built here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from fadj.ir import stmt as S
from fadj.ir.program import Routine, Use
from fadj.ir.symbols import Symbol


@dataclass
class DerivRoutine:
    name: str
    origin: Routine
    kind: str = "subroutine"                  # or 'function' (tangent of a function, _fwd of a function)
    args: list[str] = field(default_factory=list)
    result: str | None = None                 # function result variable
    uses: list[Use] = field(default_factory=list)
    symbols: list[Symbol] = field(default_factory=list)   # every symbol to declare, any order (backend sorts)
    commons: dict[str, list[str]] = field(default_factory=dict)
    externals: list[Symbol] = field(default_factory=list)  # external functions referenced (typed)
    data: list[str] = field(default_factory=list)
    body: list[S.Stmt] = field(default_factory=list)
    prefix: tuple[str, ...] = ()
    module: str | None = None                 # the primal module (goes into <module>_diff)
    internals: list["DerivRoutine"] = field(default_factory=list)
    comment: str = ""


class NameAllocator:
    """Fresh names inside one derivative routine that clash with nothing the routine sees."""

    def __init__(self, taken: set[str]):
        self.taken = set(taken)

    def reserve(self, name: str) -> None:
        self.taken.add(name)

    def fresh(self, base: str, numbered: bool = False) -> str:
        if not numbered and base not in self.taken:
            self.taken.add(base)
            return base
        i = 0 if not numbered else 1
        while True:
            cand = f"{base}{i}"
            if cand not in self.taken:
                self.taken.add(cand)
                return cand
            i += 1


def visible_names(r: Routine) -> set[str]:
    out: set[str] = set()
    sc = r.scope
    while sc is not None:
        out |= set(sc.symbols)
        sc = sc.parent
    out.add(r.name)
    return out

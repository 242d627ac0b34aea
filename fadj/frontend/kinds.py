"""Real kinds as the compiler flags make them: ``-fdefault-real-8``, ``-freal-4-real-8``...

Types are lowered as declared; these gfortran flags change what the declarations mean (a
plain REAL becomes 8 bytes, DOUBLE PRECISION 16 unless ``-fdefault-double-8``, every REAL(4)
8 bytes...).  Snapshot sizes, statistics and ``fadj check`` drivers need the real widths, so
after lowering every real and complex symbol's resolved kind is mapped here; the text fadj
re-emits (``kind_text``) stays as written, since the same flags compile the generated code.
"""
from __future__ import annotations

from dataclasses import dataclass

from fadj.errors import UnsupportedError
from fadj.ir.program import Program
from fadj.ir.symbols import TypeSpec


@dataclass(frozen=True)
class RealKinds:
    default: int = 4       # REAL, COMPLEX without a kind
    double: int = 8        # DOUBLE PRECISION, DOUBLE COMPLEX
    mapping: tuple = ()    # (written kind, actual kind) for explicit kinds (-freal-4-real-8)

    def of(self, t: TypeSpec) -> int:
        if t.double:
            return self.double
        if t.kind_text is None:
            return self.default
        return dict(self.mapping).get(t.kind, t.kind)

    @property
    def identity(self) -> bool:
        return self.default == 4 and self.double == 8 and not self.mapping


def real_kinds(fflags) -> RealKinds:
    """The widths gfortran gives real types under ``fflags``."""
    f = set(fflags)
    mapping = {}
    for src in (4, 8, 10, 16):
        for dst in (4, 8, 10, 16):
            if f"-freal-{src}-real-{dst}" in f:
                mapping[src] = dst
    default = 8 if "-fdefault-real-8" in f else 10 if "-fdefault-real-10" in f else 16 if "-fdefault-real-16" in f \
        else 4
    default = mapping.get(4, default) if default == 4 else default
    double = 8
    if "-fdefault-real-8" in f and "-fdefault-double-8" not in f:
        double = 16
    double = mapping.get(8, double) if double == 8 else double
    return RealKinds(default, double, tuple(sorted(mapping.items())))


def apply_real_kinds(prog: Program, kinds: RealKinds) -> None:
    """Map the resolved kind of every real and complex symbol of ``prog`` (see module doc)."""
    if kinds.identity:
        return

    def fix(sym) -> None:
        t = sym.type
        if t is not None and t.base in ("real", "complex"):
            k = kinds.of(t)
            if k != t.kind and k not in (4, 8):
                raise UnsupportedError(sym.loc, f"the compiler flags make '{sym.name}' real({k}), which fadj's "
                                                f"AD stack does not hold"
                                                + (" (add -fdefault-double-8 to -fdefault-real-8)" if t.double else ""))
            if k != t.kind:
                sym.type = TypeSpec(t.base, k, kind_text=t.kind_text, double=t.double, char_len=t.char_len,
                                    derived=t.derived)

    def scope(sc) -> None:
        for s in sc.symbols.values():
            fix(s)

    for m in prog.modules.values():
        scope(m.scope)
    for r in prog.order:
        scope(r.scope)
        for ir in r.internals:
            scope(ir.scope)
    for t in prog.types.values():
        for c in t.components.values():
            fix(c)

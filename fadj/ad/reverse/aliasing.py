"""How two actual arguments of one call share storage (sequence association, aliasing).

Classic Fortran passes pieces of one work array to several array dummies:
``call sub(n, w(1), w(n+1))`` with dummies ``a(n), b(n)`` gives the callee elements 1..n and
n+1..2n of ``w`` (sequence association: an element actual starts the dummy's element sequence).
The adjoint call must pass the adjoint elements with the same association (``wb(1)``,
``wb(n+1)``).  When the pieces may overlap, passing one adjoint storage under two names would
let the callee's adjoint update it through both, so this module tells the reverse engine what it
can prove:

* ``DISJOINT``: the element ranges provably do not meet (constant distance at least the size);
* ``SAME``: they provably overlap (same first element);
* ``UNKNOWN``: both ranges are known at run time only (offsets computed by the code, as in
  ``work(l1)``, ``work(l2)``): the engine can test them there;
* ``UNSIZED``: the callee's extent is not known (assumed-size or assumed-shape dummies).

A :class:`Region` is an actual's first element, as an offset in array element order from the
start of its variable, and the number of elements the dummy spans.
"""
from __future__ import annotations

from dataclasses import dataclass

from fadj.ad import build as B
from fadj.ir import expr as E
from fadj.ir.consts import try_int

DISJOINT, SAME, UNKNOWN, UNSIZED = "disjoint", "same", "unknown", "unsized"


@dataclass(frozen=True)
class Region:
    offset: E.Expr | None      # first element, counted from 0 in array element order
    size: E.Expr | None        # elements the dummy spans (None: unknown)


def linear_offset(ref: E.Expr, sym, lookup) -> E.Expr | None:
    """Offset of element ``ref`` (all subscripts scalar) from the first element of its array,
    from the declared bounds: sum_k (s_k - lo_k) * (extent_1 * ... * extent_{k-1})."""
    if isinstance(ref, E.Name):
        return B.ZERO
    if not isinstance(ref, E.Index) or sym is None or not sym.dims or len(ref.subs) != len(sym.dims):
        return None
    if any(isinstance(s, E.Slice) for s in ref.subs):
        return None
    total: E.Expr = B.ZERO
    stride: E.Expr = B.ONE
    for k, (s, d) in enumerate(zip(ref.subs, sym.dims)):
        lo = d.lo if d.lo is not None else B.ONE
        if d.kind not in ("explicit", "assumed_size"):
            return None
        term = B.simplify_linear(B.sub(s, lo))
        total = B.simplify_linear(B.add(total, _times(term, stride, lookup)))
        if k < len(sym.dims) - 1:
            if d.kind != "explicit" or d.hi is None:
                return None
            ext = B.simplify_linear(B.add(B.sub(d.hi, lo), B.ONE))
            c = try_int(ext, lookup)
            stride = _times(stride, B.lit(c) if c is not None else ext, lookup)
    return total


def _times(a: E.Expr, b: E.Expr, lookup) -> E.Expr:
    ca, cb = try_int(a, lookup), try_int(b, lookup)
    if ca is not None and cb is not None:
        return B.lit(ca * cb)
    if cb == 1 or B.is_one(b):
        return a
    if ca == 1 or B.is_one(a):
        return b
    if ca == 0 or cb == 0:
        return B.ZERO
    wrap = lambda x: x if isinstance(x, (E.Name, E.IntLit, E.Index)) else E.Paren(x)   # noqa: E731
    return E.BinOp("*", wrap(a), wrap(b))


def relation(r1: Region, r2: Region, lookup) -> str:
    """What can be proven about two regions of one variable."""
    if r1.offset is None or r2.offset is None:
        return UNSIZED
    d = try_int(B.simplify_linear(B.sub(r2.offset, r1.offset)), lookup)
    if d == 0:
        return SAME
    if r1.size is None or r2.size is None:
        return UNSIZED
    s1, s2 = try_int(r1.size, lookup), try_int(r2.size, lookup)
    # r2 starts at or after the end of r1, or r1 at or after the end of r2
    gap12 = try_int(B.simplify_linear(B.sub(B.sub(r2.offset, r1.offset), r1.size)), lookup)
    gap21 = try_int(B.simplify_linear(B.sub(B.sub(r1.offset, r2.offset), r2.size)), lookup)
    if (gap12 is not None and gap12 >= 0) or (gap21 is not None and gap21 >= 0):
        return DISJOINT
    if d is not None and s1 is not None and s2 is not None:
        return DISJOINT if (d >= s1 or -d >= s2) else SAME
    return UNKNOWN


def overlap_test(r1: Region, r2: Region) -> E.Expr:
    """Run-time condition that the two regions share an element."""
    a = E.BinOp("<", r1.offset, E.Paren(B.add(r2.offset, r2.size)))
    b = E.BinOp("<", r2.offset, E.Paren(B.add(r1.offset, r1.size)))
    return E.BinOp(".and.", a, b)

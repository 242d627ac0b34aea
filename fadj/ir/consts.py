"""Evaluating constant expressions: PARAMETER values and kind selectors.

Analysis needs the numeric kind of every real (to size stack pushes and to
write literals of the right kind) and the value of integer PARAMETERs that
appear in array bounds or directives.
"""
from __future__ import annotations

from typing import Callable

from fadj.ir import expr as E

#: named kind constants of the intrinsic modules, by value
INTRINSIC_KIND_NAMES = {
    "real32": 4, "real64": 8, "real128": 16, "int8": 1, "int16": 2, "int32": 4, "int64": 8,
    "c_float": 4, "c_double": 8, "c_long_double": 10, "c_int": 4, "c_long": 8,
    "c_int32_t": 4, "c_int64_t": 8, "c_bool": 1, "c_size_t": 8, "c_float_complex": 4,
    "c_double_complex": 8,
}

Lookup = Callable[[str], "E.Expr | None"]


class NotConstant(Exception):
    pass


def real_literal_kind(text: str, lookup: Lookup | None = None) -> int:
    """Kind of a real literal: ``1.0`` -> 4, ``1.0d0`` -> 8, ``1.0_dp`` -> value of dp."""
    t = text.lower()
    if "_" in t:
        k = t.rsplit("_", 1)[1]
        if k.isdigit():
            return int(k)
        try:
            return int(evaluate(E.Name(k), lookup))
        except NotConstant:
            return 8
    if "d" in t:
        return 8
    if "q" in t:
        return 16
    return 4


def selected_real_kind(p: int = 0, r: int = 0) -> int:
    if p <= 6 and r <= 37:
        return 4
    if p <= 15 and r <= 307:
        return 8
    if p <= 18 and r <= 4931:
        return 10
    if p <= 33 and r <= 4931:
        return 16
    return -1


def selected_int_kind(r: int) -> int:
    for k, digits in ((1, 2), (2, 4), (4, 9), (8, 18), (16, 38)):
        if r <= digits:
            return k
    return -1


def evaluate(e: E.Expr, lookup: Lookup | None = None, depth: int = 0):
    """Value of a constant expression (int, float or bool); NotConstant otherwise.

    ``lookup(name)`` returns the initialisation expression of a PARAMETER.
    """
    if depth > 50:
        raise NotConstant()
    ev = lambda x: evaluate(x, lookup, depth + 1)  # noqa: E731
    if isinstance(e, E.IntLit):
        return e.value
    if isinstance(e, E.RealLit):
        return float(e.text.lower().split("_")[0].replace("d", "e").replace("q", "e"))
    if isinstance(e, E.LogicalLit):
        return e.value
    if isinstance(e, E.Paren):
        return ev(e.inner)
    if isinstance(e, E.Name):
        if e.name in INTRINSIC_KIND_NAMES:
            init = lookup(e.name) if lookup else None
            if init is None:
                return INTRINSIC_KIND_NAMES[e.name]
        init = lookup(e.name) if lookup else None
        if init is None:
            raise NotConstant()
        return ev(init)
    if isinstance(e, E.UnOp):
        v = ev(e.operand)
        if e.op == "-":
            return -v
        if e.op == "+":
            return v
        if e.op == ".not.":
            return not v
        raise NotConstant()
    if isinstance(e, E.BinOp):
        a, b = ev(e.left), ev(e.right)
        op = e.op
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            if isinstance(a, int) and isinstance(b, int):
                q = abs(a) // abs(b)
                return q if (a >= 0) == (b >= 0) else -q
            return a / b
        if op == "**":
            return a ** b
        raise NotConstant()
    if isinstance(e, E.Call):
        return _intrinsic(e, lookup, depth)
    raise NotConstant()


def _intrinsic(e: E.Call, lookup, depth):
    name = e.name
    pos = [a for a in e.args if not isinstance(a, E.Keyword)]
    kw = {a.key: a.value for a in e.args if isinstance(a, E.Keyword)}
    if name == "kind" and (pos or "x" in kw):
        arg = pos[0] if pos else kw["x"]
        if isinstance(arg, E.RealLit):
            return real_literal_kind(arg.text, lookup)
        if isinstance(arg, E.IntLit):
            return 4 if "_" not in arg.text else int(evaluate(E.Name(arg.text.split("_")[1]), lookup))
        if isinstance(arg, E.LogicalLit):
            return 4
        raise NotConstant()
    if name == "selected_real_kind":
        vals = [evaluate(a, lookup, depth + 1) for a in pos]
        p = vals[0] if vals else evaluate(kw["p"], lookup, depth + 1) if "p" in kw else 0
        r = vals[1] if len(vals) > 1 else evaluate(kw["r"], lookup, depth + 1) if "r" in kw else 0
        return selected_real_kind(p, r)
    if name == "selected_int_kind":
        return selected_int_kind(evaluate(pos[0] if pos else kw["r"], lookup, depth + 1))
    vals = [evaluate(a, lookup, depth + 1) for a in pos]
    if name in ("max", "max0") and vals:
        return max(vals)
    if name in ("min", "min0") and vals:
        return min(vals)
    if name == "abs" and len(vals) == 1:
        return abs(vals[0])
    if name == "mod" and len(vals) == 2:
        a, p = vals
        return a - int(a / p) * p
    if name in ("int", "nint") and vals:
        return int(round(vals[0])) if name == "nint" else int(vals[0])
    if name in ("dble", "real", "float") and vals:
        return float(vals[0])
    if name == "sqrt" and len(vals) == 1:
        return vals[0] ** 0.5
    raise NotConstant()


def try_int(e: E.Expr | None, lookup: Lookup | None = None) -> int | None:
    if e is None:
        return None
    try:
        v = evaluate(e, lookup)
    except (NotConstant, ZeroDivisionError, OverflowError, KeyError, TypeError):
        return None
    return v if isinstance(v, int) and not isinstance(v, bool) else None

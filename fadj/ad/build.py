"""Building derivative expressions with light simplification.

Multiplying by one, adding zero, double negation and integer literal
arithmetic are folded as expressions are built, so that generated adjoint
statements read like hand-written ones (``xb = xb + 2*x*yb``, not
``xb = xb + 1*(2*x**(2-1))*yb``).
"""
from __future__ import annotations

from fadj.ir import expr as E

ONE = E.IntLit("1")
ZERO = E.IntLit("0")


def is_zero(e: E.Expr | None) -> bool:
    e = E.strip_parens(e) if e is not None else None
    if isinstance(e, E.IntLit):
        return e.value == 0
    if isinstance(e, E.RealLit):
        try:
            return float(e.text.split("_")[0].replace("d", "e")) == 0.0
        except ValueError:
            return False
    return False


def is_one(e: E.Expr | None) -> bool:
    e = E.strip_parens(e) if e is not None else None
    if isinstance(e, E.IntLit):
        return e.value == 1 and "_" not in e.text
    return False


def int_value(e: E.Expr) -> int | None:
    e = E.strip_parens(e)
    if isinstance(e, E.IntLit) and "_" not in e.text:
        return e.value
    if isinstance(e, E.UnOp) and e.op == "-":
        v = int_value(e.operand)
        return -v if v is not None else None
    return None


def lit(v: int) -> E.Expr:
    return E.IntLit(str(v)) if v >= 0 else E.UnOp("-", E.IntLit(str(-v)))


def neg(a: E.Expr) -> E.Expr:
    if is_zero(a):
        return ZERO
    v = int_value(a)
    if v is not None:
        return lit(-v)
    if isinstance(a, E.UnOp) and a.op == "-":
        return a.operand
    return E.UnOp("-", a)


def add(a: E.Expr | None, b: E.Expr | None) -> E.Expr:
    if a is None or is_zero(a):
        return b if b is not None else ZERO
    if b is None or is_zero(b):
        return a
    va, vb = int_value(a), int_value(b)
    if va is not None and vb is not None:
        return lit(va + vb)
    if a == b:
        return mul(E.IntLit("2"), a)            # x + x: one evaluation
    if isinstance(b, E.UnOp) and b.op == "-":
        return E.BinOp("-", a, b.operand)
    return E.BinOp("+", a, b)


def sub(a: E.Expr, b: E.Expr) -> E.Expr:
    if is_zero(b):
        return a
    va, vb = int_value(a), int_value(b)
    if va is not None and vb is not None:
        return lit(va - vb)
    if is_zero(a):
        return neg(b)
    return E.BinOp("-", a, b)


def mul(a: E.Expr | None, b: E.Expr | None) -> E.Expr:
    """a*b, with None meaning 1."""
    if a is None:
        return b if b is not None else ONE
    if b is None:
        return a
    if is_zero(a) or is_zero(b):
        return ZERO
    if is_one(a):
        return b
    if is_one(b):
        return a
    va, vb = int_value(a), int_value(b)
    if va is not None and vb is not None:
        return lit(va * vb)
    if va == -1:
        return neg(b)
    if vb == -1:
        return neg(a)
    # keep the sign outside: (-x)*y -> -(x*y)
    if isinstance(a, E.UnOp) and a.op == "-":
        return neg(mul(a.operand, b))
    if isinstance(b, E.UnOp) and b.op == "-":
        return neg(mul(a, b.operand))
    return E.BinOp("*", a, b)


def div(a: E.Expr, b: E.Expr) -> E.Expr:
    if is_one(b):
        return a
    if is_zero(a):
        return ZERO
    return E.BinOp("/", a, b)


def power(a: E.Expr, b: E.Expr) -> E.Expr:
    vb = int_value(b)
    if vb == 0:
        return ONE
    if vb == 1:
        return a
    return E.BinOp("**", a, b)


def call(name: str, *args: E.Expr) -> E.Expr:
    return E.Call(name, tuple(args))


def substitute(e: E.Expr, binding: dict[str, E.Expr], kind: int | None = None) -> E.Expr:
    """Instantiate a rule template: names bound to expressions, ``_K`` literals to ``kind``.

    Re-applies the simplifying builders bottom-up so that, e.g., ``b*a**(b - 1)``
    with ``b = 2`` becomes ``2*a``.
    """
    t = type(e)
    if t is E.Name:
        return binding.get(e.name, e)
    if t is E.RealLit:
        if e.text.endswith("_k"):
            k = kind or 8
            return E.RealLit(e.text[:-2] + f"_{k}")
        return e
    if t is E.BinOp:
        a = substitute(e.left, binding, kind)
        b = substitute(e.right, binding, kind)
        if e.op == "*":
            return mul(a, b)
        if e.op == "+":
            return add(a, b)
        if e.op == "-":
            return sub(a, b)
        if e.op == "/":
            return div(a, b)
        if e.op == "**":
            return power(a, b)
        return E.BinOp(e.op, a, b)
    if t is E.UnOp:
        a = substitute(e.operand, binding, kind)
        return neg(a) if e.op == "-" else E.UnOp(e.op, a)
    if t is E.Paren:
        inner = substitute(e.inner, binding, kind)
        if isinstance(inner, (E.Name, E.Index, E.IntLit, E.RealLit, E.Call, E.Paren)):
            return inner
        return inner   # precedence-aware printing adds the parentheses it needs
    if t is E.Call:
        return E.Call(e.name, tuple(substitute(a, binding, kind) for a in e.args))
    if t is E.Keyword:
        return E.Keyword(e.key, substitute(e.value, binding, kind))
    return e


def simplify_linear(e: E.Expr) -> E.Expr:
    """Fold an integer expression that is linear in its atoms: ``1 + (n - 1 + 1) - 1`` -> ``n``.

    Atoms are variables, array elements and anything non-linear, compared structurally;
    expressions that are not sums of atoms times integer constants come back unchanged.
    """
    terms = _linear(e)
    if terms is None:
        return e
    const = terms.pop(None, 0)
    out: E.Expr | None = None
    for atom, c in terms.items():
        if c == 0:
            continue
        t = atom if c in (1, -1) else mul(lit(abs(c)), atom)
        if out is None:
            out = t if c > 0 else neg(t)
        else:
            out = E.BinOp("+" if c > 0 else "-", out, t)
    if out is None:
        return lit(const)
    if const > 0:
        return E.BinOp("+", out, lit(const))
    if const < 0:
        return E.BinOp("-", out, lit(-const))
    return out


def _linear(e: E.Expr) -> dict | None:
    e = E.strip_parens(e)
    v = int_value(e)
    if v is not None:
        return {None: v}
    if isinstance(e, E.BinOp) and e.op in ("+", "-"):
        a, b = _linear(e.left), _linear(e.right)
        if a is None or b is None:
            return None
        sign = 1 if e.op == "+" else -1
        for k, c in b.items():
            a[k] = a.get(k, 0) + sign * c
        return a
    if isinstance(e, E.UnOp) and e.op == "-":
        a = _linear(e.operand)
        return None if a is None else {k: -c for k, c in a.items()}
    if isinstance(e, E.BinOp) and e.op == "*":
        ca, cb = int_value(e.left), int_value(e.right)
        if ca is not None:
            b = _linear(e.right)
            return None if b is None else {k: ca * c for k, c in b.items()}
        if cb is not None:
            a = _linear(e.left)
            return None if a is None else {k: cb * c for k, c in a.items()}
    if isinstance(e, (E.Name, E.Index, E.BinOp, E.Call)):
        return {e: 1}
    return None


def combine_terms(e: E.Expr) -> E.Expr:
    """``x + t - t - t`` -> ``x - t``: equal terms of a sum merged (structural equality)."""
    terms: list[tuple[int, E.Expr]] = []

    def flat(x: E.Expr, sign: int) -> None:
        if isinstance(x, E.BinOp) and x.op in ("+", "-"):
            flat(x.left, sign)
            flat(x.right, sign if x.op == "+" else -sign)
        elif isinstance(x, E.UnOp) and x.op == "-":
            flat(x.operand, -sign)
        else:
            terms.append((sign, x))

    flat(e, 1)
    if len(terms) < 2:
        return e
    coef: dict[E.Expr, int] = {}
    order: list[E.Expr] = []
    for sgn, t in terms:
        if t not in coef:
            coef[t] = 0
            order.append(t)
        coef[t] += sgn
    out: E.Expr | None = None
    for t in order:
        c = coef[t]
        if c == 0:
            continue
        piece = t if abs(c) == 1 else mul(lit(abs(c)), t)
        if out is None:
            out = piece if c > 0 else neg(piece)
        else:
            out = E.BinOp("+" if c > 0 else "-", out, piece)
    return out if out is not None else ZERO


def str_lit(text: str, piece: int = 60) -> E.Expr:
    """A character literal for ``text``, as a concatenation of pieces short enough that the
    emitted line can be continued between them (file paths can be long)."""
    parts = [text[i:i + piece] for i in range(0, len(text), piece)] or [""]
    out: E.Expr = E.StrLit("'" + parts[0].replace("'", "''") + "'")
    for s in parts[1:]:
        out = E.BinOp("//", out, E.StrLit("'" + s.replace("'", "''") + "'"))
    return out

"""The derivative-rule table: one entry per intrinsic function and operator.

Each rule names the arguments and gives, per argument, the partial derivative
as a Fortran expression template over those names; tangent and reverse mode
both read it, and the engines never mention a particular operation.

* ``ZERO`` marks an argument the result does not depend on differentiably
  (piecewise-constant functions, integer-valued arguments): an explicit "not
  differentiable here", never a silent default.
* ``_K`` in a literal (``1.0_K``) is replaced by the kind of the result.
* ``guard`` (optional, per argument) is a condition under which the partial is
  taken to be 0 (``sqrt`` at 0, ``a**b`` w.r.t. ``b`` for ``a <= 0``), written as
  ``merge(partial, 0, .not. guard)``.

Non-differentiable points take a defined one-sided value (documented in the
README's coverage table; tests/rule_cases.py checks each exactly):
  abs'(0) = +1 (for -0.0 too),  sign(a,b): d/da = abs'(a)*sign(1,b) (the primal's sign of b),
  min/max: a tie gives the whole derivative to the first argument,
  maxval/minval: a tie shares the derivative equally among the tied elements,
  dim(a,b) = max(a-b, 0): derivative 0 at a == b,  mod/aint/anint: 0 jump,
  sqrt'(0) = 0,  norm2, hypot and atan2 at the origin: 0,
  product: exact where elements are 0 (the product of the others, not 0/0).

Intrinsics with integer results (int, nint, floor, ceiling, ...) and conversions of integers
(float, dfloat) need no rule: no derivative flows through an integer.
"""
from __future__ import annotations

from dataclasses import dataclass, field

ZERO = None


@dataclass(frozen=True)
class Rule:
    args: tuple[str, ...]
    partials: dict = field(default_factory=dict)     # arg -> template str | ZERO
    guards: dict = field(default_factory=dict)       # arg -> condition template (partial is 0 when true)
    nary: bool = False                               # min/max: fold f(a,b,c) as f(f(a,b),c)
    defaults: dict = field(default_factory=dict)     # optional arguments absent from a call
    no_dim: bool = False


#: guard of functions of two arguments whose partials are 0/0 at the origin
_ORIGIN = "x == 0.0_K .and. y == 0.0_K"


def _u(partial: str, guard: str | None = None) -> Rule:
    return Rule(("x",), {"x": partial}, {"x": guard} if guard else {})


RULES: dict[str, Rule] = {
    # elementary functions:  y = f(x)  ->  dy/dx
    "sin": _u("cos(x)"),
    "cos": _u("-sin(x)"),
    "tan": _u("1.0_K + tan(x)**2"),
    "exp": _u("exp(x)"),
    "log": _u("1.0_K/x"),
    "log10": _u("1.0_K/(x*log(10.0_K))"),
    "sqrt": _u("0.5_K/sqrt(x)", guard="x == 0.0_K"),
    "abs": _u("merge(1.0_K, -1.0_K, x >= 0.0_K)"),
    "tanh": _u("1.0_K - tanh(x)**2"),
    "atan": _u("1.0_K/(1.0_K + x**2)"),
    "asin": _u("1.0_K/sqrt(1.0_K - x**2)"),
    "acos": _u("-(1.0_K/sqrt(1.0_K - x**2))"),
    "sinh": _u("cosh(x)"),
    "cosh": _u("sinh(x)"),
    "asinh": _u("1.0_K/sqrt(x**2 + 1.0_K)"),
    "acosh": _u("1.0_K/sqrt(x**2 - 1.0_K)"),
    "atanh": _u("1.0_K/(1.0_K - x**2)"),
    "erf": _u("2.0_K/sqrt(acos(-1.0_K))*exp(-x**2)"),
    "erfc": _u("-(2.0_K/sqrt(acos(-1.0_K))*exp(-x**2))"),
    # conversions between real kinds: identity
    "dble": _u("1.0_K"),
    "real": Rule(("x", "kind"), {"x": "1.0_K", "kind": ZERO}),
    "sngl": _u("1.0_K"),
    # piecewise constant with a real result: derivative 0 everywhere it exists
    "aint": Rule(("x", "kind"), {"x": ZERO, "kind": ZERO}),
    "anint": Rule(("x", "kind"), {"x": ZERO, "kind": ZERO}),
    # two arguments
    "atan2": Rule(("y", "x"), {"y": "x/(x**2 + y**2)", "x": "-(y/(x**2 + y**2))"},
                  guards={"y": _ORIGIN, "x": _ORIGIN}),
    "sign": Rule(("a", "b"), {"a": "merge(1.0_K, -1.0_K, a >= 0.0_K)*sign(1.0_K, b)", "b": ZERO}),
    "mod": Rule(("a", "p"), {"a": "1.0_K", "p": "-aint(a/p)"}),
    "modulo": Rule(("a", "p"), {"a": "1.0_K", "p": "-floor(a/p)"}),
    "dim": Rule(("x", "y"), {"x": "merge(1.0_K, 0.0_K, x > y)", "y": "merge(-1.0_K, 0.0_K, x > y)"}),
    "min": Rule(("a", "b"), {"a": "merge(1.0_K, 0.0_K, a <= b)", "b": "merge(0.0_K, 1.0_K, a <= b)"}, nary=True),
    "max": Rule(("a", "b"), {"a": "merge(1.0_K, 0.0_K, a >= b)", "b": "merge(0.0_K, 1.0_K, a >= b)"}, nary=True),
    "hypot": Rule(("x", "y"), {"x": "x/hypot(x, y)", "y": "y/hypot(x, y)"}, guards={"x": _ORIGIN, "y": _ORIGIN}),
    "merge": Rule(("tsource", "fsource", "mask"),
                  {"tsource": "merge(1.0_K, 0.0_K, mask)", "fsource": "merge(0.0_K, 1.0_K, mask)", "mask": ZERO}),
    # array reductions (no DIM argument): the partial is an array of the argument's shape;
    # reverse mode broadcasts the scalar adjoint over it, tangent mode sums
    "sum": Rule(("array", "mask"), {"array": "merge(1.0_K, 0.0_K, mask)", "mask": ZERO},
                defaults={"mask": ".true."}),
    # d/da_i = product of the others: product/a_i where a_i /= 0; at a zero element, the product of
    # the non-zero elements if it is the only zero, else 0
    "product": Rule(("array",), {"array": "merge(product(array)/array, merge(product(array, mask=array /= 0.0_K), "
                                          "0.0_K, count(array == 0.0_K) == 1), array /= 0.0_K)"}),
    "dot_product": Rule(("vector_a", "vector_b"), {"vector_a": "vector_b", "vector_b": "vector_a"}),
    "maxval": Rule(("array",), {"array": "merge(1.0_K, 0.0_K, array == maxval(array))/count(array == maxval(array))"}),
    "minval": Rule(("array",), {"array": "merge(1.0_K, 0.0_K, array == minval(array))/count(array == minval(array))"}),
    "norm2": Rule(("x",), {"x": "x/norm2(x)"}, guards={"x": "norm2(x) == 0.0_K"}),
    # operators (a op b); unary minus is "neg"
    "+": Rule(("a", "b"), {"a": "1", "b": "1"}),
    "-": Rule(("a", "b"), {"a": "1", "b": "-1"}),
    "*": Rule(("a", "b"), {"a": "b", "b": "a"}),
    "/": Rule(("a", "b"), {"a": "1.0_K/b", "b": "-(a/b/b)"}),
    "**": Rule(("a", "b"), {"a": "b*a**(b - 1)", "b": "a**b*log(a)"}, guards={"b": "a <= 0.0_K"}),
}


def rule_for(name: str) -> Rule | None:
    return RULES.get(name)


# ---------------------------------------------------------------------------
# Linear array operations that are not elementwise: the adjoint of the argument
# is the transposed operation applied to the result's adjoint SEED; the tangent
# is the operation applied to the argument's tangent.  Keyed by intrinsic, then
# by the rank pattern of the array arguments where it matters (matmul).

@dataclass(frozen=True)
class LinearRule:
    args: tuple[str, ...]
    adjoint: dict                                # arg -> template in SEED and the arguments
    defaults: dict = field(default_factory=dict)


LINEAR: dict[str, LinearRule] = {
    "transpose": LinearRule(("matrix",), {"matrix": "transpose(SEED)"}),
    "reshape": LinearRule(("source", "shape"), {"source": "reshape(SEED, shape(source))"}),
    "spread": LinearRule(("source", "dim", "ncopies"), {"source": "sum(SEED, dim=dim)"}),
    "cshift": LinearRule(("array", "shift", "dim"), {"array": "cshift(SEED, -shift, dim)"}, {"dim": "1"}),
    "eoshift": LinearRule(("array", "shift", "boundary", "dim"), {"array": "eoshift(SEED, -shift, dim=dim)"},
                          {"dim": "1"}),
    # matmul: (rank of a, rank of b) -> rule
    "matmul22": LinearRule(("matrix_a", "matrix_b"), {"matrix_a": "matmul(SEED, transpose(matrix_b))",
                                                      "matrix_b": "matmul(transpose(matrix_a), SEED)"}),
    "matmul21": LinearRule(("matrix_a", "matrix_b"),
                           {"matrix_a": "spread(SEED, 2, size(matrix_b))*spread(matrix_b, 1, size(SEED))",
                            "matrix_b": "matmul(SEED, matrix_a)"}),
    "matmul12": LinearRule(("matrix_a", "matrix_b"),
                           {"matrix_a": "matmul(matrix_b, SEED)",
                            "matrix_b": "spread(matrix_a, 2, size(SEED))*spread(SEED, 1, size(matrix_a))"}),
    # reductions along one dimension: the adjoint spreads back
    "sum_dim": LinearRule(("array", "dim"), {"array": "spread(SEED, dim, size(array, dim))"}),
}

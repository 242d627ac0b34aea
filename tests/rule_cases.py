"""One program statement per entry of the derivative-rule table (fadj.rules.table), per argument.

Each case is a few lines of Fortran computing outputs ``F(k)`` from inputs ``X(i)`` (numbered
from 1 within the case; the generator gives each case its own slice of the head's ``x`` and
``f``).  ``args`` says which inputs are the rule's argument of that name.  Two kinds:

* generic cases (``exact`` empty): at a point where the function is smooth, every Jacobian
  entry of the case from tangent mode and from reverse mode must match central differences;
* kink cases (``exact`` given): at a non-differentiable point, the derivative with respect to
  each named argument must be exactly the documented convention (README: abs'(0) = +1, min/max
  ties to the first argument, dim 0 at a tie, sqrt'(0) = 0, jumps of mod/aint/nint ignored...).

Local variables are written ``@name`` and become ``c<case>_name``.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RuleCase:
    rule: str                   # key of RULES or LINEAR (or a specific name such as dsin)
    label: str                  # unique id
    code: str
    point: list[float]
    args: dict[str, list[int]]  # rule argument -> input numbers (1-based within the case)
    nout: int = 1
    decl: str = ""
    exact: dict = field(default_factory=dict)   # arg -> expected dF(1)/dX(args[arg][0])
    hrel: float = 1e-6          # relative finite-difference step
    tol: float = 1e-7


CASES: list[RuleCase] = []


def rc(rule, label, code, point, args=None, **kw):
    CASES.append(RuleCase(rule, label, code, point, args if args is not None else {"x": [1]}, **kw))


# ------------------------------------------------------------------ elementary functions (one argument)
for name, x in [("sin", 0.7), ("cos", 0.7), ("tan", 0.6), ("exp", 0.4), ("log", 1.7), ("log10", 1.7),
                ("sqrt", 1.7), ("tanh", 0.6), ("atan", 0.6), ("asin", 0.45), ("acos", 0.45),
                ("sinh", 0.6), ("cosh", 0.6), ("asinh", 0.6), ("acosh", 1.6), ("atanh", 0.45),
                ("erf", 0.6), ("erfc", 0.6)]:
    rc(name, name, f"F(1) = {name}(X(1))", [x])
rc("abs", "abs-neg", "F(1) = abs(X(1))", [-0.8])
rc("abs", "abs-pos", "F(1) = abs(X(1))*X(1)", [0.8])
# specific (F77) names map onto the generic rules
for spec, x in [("dsin", 0.7), ("dexp", 0.4), ("dlog", 1.7), ("dsqrt", 1.7), ("dabs", -0.8), ("dtanh", 0.6),
                ("derf", 0.6)]:
    rc(spec, spec, f"F(1) = {spec}(X(1))", [x])
rc("datan2", "datan2", "F(1) = datan2(X(1), X(2))", [0.7, -1.3], {"y": [1], "x": [2]})
rc("dmax1", "dmax1", "F(1) = dmax1(X(1), X(2), X(3))", [0.6, 1.4, 0.9], {"a": [1, 2, 3]})
rc("dmin1", "dmin1", "F(1) = dmin1(X(1), X(2), X(3))", [0.6, 1.4, 0.9], {"a": [1, 2, 3]})
rc("dsign", "dsign", "F(1) = dsign(X(1), X(2))", [0.8, -1.4], {"a": [1], "b": [2]})
rc("dmod", "dmod", "F(1) = dmod(X(1), X(2))", [2.3, 0.7], {"a": [1], "p": [2]})

# ------------------------------------------------------------------ conversions between real kinds
rc("dble", "dble", "F(1) = 3*dble(X(1))", [0.7])
rc("real", "real-8", "F(1) = real(X(1), 8)*X(2)", [0.7, 1.3], {"x": [1], "*": [2]})
rc("real", "real-kind-kw", "F(1) = real(X(1), kind=8)**2", [0.7])
# single precision: the value is rounded to 24 bits, so the step is large and the tolerance loose
rc("real", "real-4", "F(1) = real(X(1), 4)", [0.7], hrel=1e-2, tol=1e-4)
rc("sngl", "sngl", "F(1) = 2*sngl(X(1))", [0.7], hrel=1e-2, tol=1e-4)

# ------------------------------------------------------------------ piecewise constant: derivative 0
for name in ("aint", "anint"):
    rc(name, name, f"F(1) = X(2)*{name}(3*X(1))", [0.7, 1.3], {"x": [1], "*": [2]})
    rc(name, f"{name}-kind", f"F(1) = X(2)*{name}(3*X(1), 8)", [0.7, 1.3], {"x": [1], "*": [2]})
# integer results carry no derivative (no rule needed; checked through the product)
for name in ("int", "nint", "floor", "ceiling"):
    rc(name, name, f"F(1) = X(2)*{name}(3*X(1))", [0.7, 1.3], {"x": [1], "*": [2]})
rc("dfloat", "dfloat", "F(1) = dfloat(nint(3*X(2)))*X(1)", [0.7, 1.3], {"x": [1], "int": [2]})
rc("float", "float", "F(1) = float(nint(3*X(2)))*X(1)", [0.7, 1.3], {"x": [1], "int": [2]})

# ------------------------------------------------------------------ two arguments
rc("atan2", "atan2", "F(1) = atan2(X(1), X(2))", [0.7, -1.3], {"y": [1], "x": [2]})
rc("sign", "sign-pos-neg", "F(1) = sign(X(1), X(2))", [0.8, -1.4], {"a": [1], "b": [2]})
rc("sign", "sign-neg-pos", "F(1) = sign(X(1), X(2))", [-0.8, 1.4], {"a": [1], "b": [2]})
rc("mod", "mod", "F(1) = mod(X(1), X(2))", [2.3, 0.7], {"a": [1], "p": [2]})
rc("mod", "mod-neg", "F(1) = mod(X(1), X(2))", [-2.3, 0.7], {"a": [1], "p": [2]})
rc("modulo", "modulo", "F(1) = modulo(X(1), X(2))", [2.3, 0.7], {"a": [1], "p": [2]})
rc("modulo", "modulo-neg", "F(1) = modulo(X(1), X(2))", [-2.3, 0.7], {"a": [1], "p": [2]})
rc("dim", "dim-above", "F(1) = dim(X(1), X(2))", [1.4, 0.6], {"x": [1], "y": [2]})
rc("dim", "dim-below", "F(1) = X(1) + dim(X(1), X(2))", [0.6, 1.4], {"x": [1], "y": [2]})
rc("min", "min-first", "F(1) = min(X(1), X(2))", [0.6, 1.4], {"a": [1], "b": [2]})
rc("min", "min-second", "F(1) = min(X(1), X(2))", [1.4, 0.6], {"a": [1], "b": [2]})
rc("min", "min-three", "F(1) = min(X(1), X(2), X(3))*X(4)", [1.4, 1.1, 0.6, 0.9], {"a": [1, 2, 3], "*": [4]})
rc("max", "max-first", "F(1) = max(X(1), X(2))", [1.4, 0.6], {"a": [1], "b": [2]})
rc("max", "max-second", "F(1) = max(X(1), X(2))", [0.6, 1.4], {"a": [1], "b": [2]})
rc("max", "max-three", "F(1) = max(X(1), X(2), X(3))*X(4)", [0.6, 1.1, 1.4, 0.9], {"a": [1, 2, 3], "*": [4]})
rc("max", "max-const", "F(1) = max(X(1), 0.5d0)**2 + max(0.9d0, X(2))", [0.8, 1.2], {"a": [1], "b": [2]})
rc("hypot", "hypot", "F(1) = hypot(X(1), X(2))", [0.7, -1.3], {"x": [1], "y": [2]})
rc("merge", "merge-true", "F(1) = merge(X(1), X(2), X(1) > X(2))", [1.4, 0.6],
   {"tsource": [1], "fsource": [2]})
rc("merge", "merge-false", "F(1) = merge(X(1), X(2), X(1) > X(2))", [0.6, 1.4],
   {"tsource": [1], "fsource": [2]})

# ------------------------------------------------------------------ operators
rc("+", "add", "F(1) = X(1) + X(2)", [0.7, 1.3], {"a": [1], "b": [2]})
rc("-", "sub", "F(1) = X(1) - X(2)", [0.7, 1.3], {"a": [1], "b": [2]})
rc("*", "mul", "F(1) = X(1)*X(2)", [0.7, 1.3], {"a": [1], "b": [2]})
rc("/", "div", "F(1) = X(1)/X(2)", [0.7, 1.3], {"a": [1], "b": [2]})
rc("**", "pow", "F(1) = X(1)**X(2)", [1.3, 2.7], {"a": [1], "b": [2]})
rc("**", "pow-base-below-1", "F(1) = X(1)**X(2)", [0.6, 1.7], {"a": [1], "b": [2]})
rc("**", "pow-int", "F(1) = X(1)**3", [1.3], {"a": [1]})
rc("**", "pow-real-const", "F(1) = X(1)**2.5d0", [1.3], {"a": [1]})
rc("**", "pow-const-base", "F(1) = 2.0d0**X(1)", [1.3], {"b": [1]})
rc("**", "pow-neg-base-int", "F(1) = X(1)**2", [-1.3], {"a": [1]})
rc("-", "neg", "F(1) = -X(1)*X(2)", [0.7, 1.3], {"x": [1, 2]})
rc("-", "neg-paren", "F(1) = -(X(1) - X(2))", [0.7, 1.3], {"x": [1, 2]})
rc("+", "pos", "F(1) = +X(1)", [0.7])

# ------------------------------------------------------------------ array reductions
rc("sum", "sum", "F(1) = sum(X(1:4)**2)", [0.7, 1.3, 0.9, 1.6], {"array": [1, 2, 3, 4]})
rc("sum", "sum-mask", "F(1) = sum(X(1:4), mask=X(1:4) > 1.0d0)", [0.7, 1.3, 0.9, 1.6],
   {"array": [1, 2, 3, 4]})
rc("product", "product", "F(1) = product(X(1:4))", [0.7, 1.3, 0.9, 1.6], {"array": [1, 2, 3, 4]})
rc("dot_product", "dot_product", "F(1) = dot_product(X(1:3), X(4:6))", [0.7, 1.3, 0.9, 1.6, -0.4, 1.1],
   {"vector_a": [1, 2, 3], "vector_b": [4, 5, 6]})
rc("maxval", "maxval", "F(1) = maxval(X(1:4))", [0.7, 1.3, 0.9, 1.6], {"array": [1, 2, 3, 4]})
rc("minval", "minval", "F(1) = minval(X(1:4))", [0.7, 1.3, 0.9, 1.6], {"array": [1, 2, 3, 4]})
rc("norm2", "norm2", "F(1) = norm2(X(1:4))", [0.7, -1.3, 0.9, 1.6], {"x": [1, 2, 3, 4]})
rc("sum", "sum-in-array-expr", "F(1:3) = X(1:3)*sum(X(1:3))", [0.7, 1.3, 0.9], {"array": [1, 2, 3]}, nout=3)

# ------------------------------------------------------------------ linear array operations
rc("transpose", "transpose",
   "@a = reshape(X(1:6), [2, 3])\n@b = transpose(@a)\nF(1:6) = reshape(@b, [6])*[1, 2, 3, 4, 5, 6]",
   [0.7, 1.3, 0.9, 1.6, -0.4, 1.1], {"matrix": [1, 2, 3, 4, 5, 6]}, nout=6,
   decl="real(8) :: @a(2, 3), @b(3, 2)")
rc("reshape", "reshape", "@a = reshape(X(1:6), [2, 3])\nF(1:3) = @a(1, :)*2 + @a(2, :)",
   [0.7, 1.3, 0.9, 1.6, -0.4, 1.1], {"source": [1, 2, 3, 4, 5, 6]}, nout=3, decl="real(8) :: @a(2, 3)")
rc("spread", "spread", "@a = spread(X(1:3), 2, 2)\nF(1:3) = @a(:, 1)*@a(:, 2)",
   [0.7, 1.3, 0.9], {"source": [1, 2, 3]}, nout=3, decl="real(8) :: @a(3, 2)")
rc("cshift", "cshift", "F(1:4) = cshift(X(1:4), 1)*[1, 2, 3, 4]", [0.7, 1.3, 0.9, 1.6],
   {"array": [1, 2, 3, 4]}, nout=4)
rc("eoshift", "eoshift", "F(1:4) = eoshift(X(1:4), -1, boundary=2.0d0)*[1, 2, 3, 4]", [0.7, 1.3, 0.9, 1.6],
   {"array": [1, 2, 3, 4]}, nout=4)
rc("matmul22", "matmul22",
   "@a = reshape(X(1:4), [2, 2])\n@b = reshape(X(5:8), [2, 2])\n@c = matmul(@a, @b)\nF(1:4) = reshape(@c, [4])",
   [0.7, 1.3, 0.9, 1.6, -0.4, 1.1, 0.5, 0.8], {"matrix_a": [1, 2, 3, 4], "matrix_b": [5, 6, 7, 8]}, nout=4,
   decl="real(8) :: @a(2, 2), @b(2, 2), @c(2, 2)")
rc("matmul21", "matmul21", "@a = reshape(X(1:6), [3, 2])\nF(1:3) = matmul(@a, X(7:8))",
   [0.7, 1.3, 0.9, 1.6, -0.4, 1.1, 0.5, 0.8], {"matrix_a": [1, 2, 3, 4, 5, 6], "matrix_b": [7, 8]}, nout=3,
   decl="real(8) :: @a(3, 2)")
rc("matmul12", "matmul12", "@a = reshape(X(3:8), [2, 3])\nF(1:3) = matmul(X(1:2), @a)",
   [0.7, 1.3, 0.9, 1.6, -0.4, 1.1, 0.5, 0.8], {"matrix_a": [1, 2], "matrix_b": [3, 4, 5, 6, 7, 8]}, nout=3,
   decl="real(8) :: @a(2, 3)")
rc("sum_dim", "sum_dim", "@a = reshape(X(1:6), [2, 3])\nF(1:3) = sum(@a**2, dim=1)",
   [0.7, 1.3, 0.9, 1.6, -0.4, 1.1], {"array": [1, 2, 3, 4, 5, 6]}, nout=3, decl="real(8) :: @a(2, 3)")

# ------------------------------------------------------------------ kinks: the documented conventions, exactly
rc("abs", "kink-abs-0", "F(1) = abs(X(1))", [0.0], exact={"x": 1.0})
rc("abs", "kink-abs-minus-0", "F(1) = abs(-X(1))", [0.0], exact={"x": -1.0})      # abs'(-0.0) = +1 too
rc("sign", "kink-sign-a0-bpos", "F(1) = sign(X(1), X(2))", [0.0, 2.0], {"a": [1], "b": [2]},
   exact={"a": 1.0, "b": 0.0})
rc("sign", "kink-sign-a0-bneg", "F(1) = sign(X(1), X(2))", [0.0, -2.0], {"a": [1], "b": [2]},
   exact={"a": -1.0, "b": 0.0})
rc("sign", "kink-sign-b0", "F(1) = sign(X(1), X(2))", [-0.8, 0.0], {"a": [1], "b": [2]},
   exact={"a": -1.0, "b": 0.0})            # sign(a, +0.0) = |a|
rc("min", "kink-min-tie", "F(1) = min(X(1), X(2))", [0.8, 0.8], {"a": [1], "b": [2]}, exact={"a": 1.0, "b": 0.0})
rc("max", "kink-max-tie", "F(1) = max(X(1), X(2))", [0.8, 0.8], {"a": [1], "b": [2]}, exact={"a": 1.0, "b": 0.0})
rc("min", "kink-min3-tie", "F(1) = min(X(1), X(2), X(3))", [0.9, 0.8, 0.8], {"a": [1], "b": [2], "c": [3]},
   exact={"a": 0.0, "b": 1.0, "c": 0.0})
rc("max", "kink-max3-tie", "F(1) = max(X(1), X(2), X(3))", [0.8, 0.8, 0.8], {"a": [1], "b": [2], "c": [3]},
   exact={"a": 1.0, "b": 0.0, "c": 0.0})
rc("dim", "kink-dim-tie", "F(1) = dim(X(1), X(2))", [0.8, 0.8], {"x": [1], "y": [2]}, exact={"x": 0.0, "y": 0.0})
rc("sqrt", "kink-sqrt-0", "F(1) = sqrt(X(1))", [0.0], exact={"x": 0.0})
rc("mod", "kink-mod-jump", "F(1) = mod(X(1), X(2))", [1.5, 0.5], {"a": [1], "p": [2]}, exact={"a": 1.0, "p": -3.0})
rc("aint", "kink-aint-jump", "F(1) = X(2)*aint(X(1))", [2.0, 1.5], {"x": [1], "*": [2]},
   exact={"x": 0.0, "*": 2.0})
rc("nint", "kink-nint-jump", "F(1) = X(2)*nint(X(1))", [0.5, 1.5], {"x": [1], "*": [2]},
   exact={"x": 0.0, "*": 1.0})
rc("**", "kink-pow-0", "F(1) = X(1)**X(2)", [0.0, 2.0], {"a": [1], "b": [2]}, exact={"a": 0.0, "b": 0.0})
rc("maxval", "kink-maxval-tie", "F(1) = maxval(X(1:3))", [0.9, 0.9, 0.3], {"a": [1], "b": [2], "c": [3]},
   exact={"a": 0.5, "b": 0.5, "c": 0.0})
rc("minval", "kink-minval-tie", "F(1) = minval(X(1:3))", [0.3, 0.9, 0.3], {"a": [1], "b": [2], "c": [3]},
   exact={"a": 0.5, "b": 0.0, "c": 0.5})
rc("product", "kink-product-one-zero", "F(1) = product(X(1:3))", [0.0, 2.0, 3.0], {"a": [1], "b": [2], "c": [3]},
   exact={"a": 6.0, "b": 0.0, "c": 0.0})
rc("product", "kink-product-two-zeros", "F(1) = product(X(1:3))", [0.0, 2.0, 0.0],
   {"a": [1], "b": [2], "c": [3]}, exact={"a": 0.0, "b": 0.0, "c": 0.0})
rc("norm2", "kink-norm2-0", "F(1) = norm2(X(1:2))", [0.0, 0.0], {"a": [1], "b": [2]}, exact={"a": 0.0, "b": 0.0})
rc("hypot", "kink-hypot-0", "F(1) = hypot(X(1), X(2))", [0.0, 0.0], {"x": [1], "y": [2]}, exact={"x": 0.0, "y": 0.0})
rc("atan2", "kink-atan2-0", "F(1) = atan2(X(1), X(2))", [0.0, 0.0], {"y": [1], "x": [2]}, exact={"y": 0.0, "x": 0.0})

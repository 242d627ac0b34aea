"""Partial derivatives of an expression with respect to its active references.

For ``y = e`` the chain rule along each path from the root of ``e`` to an
active reference ``r`` gives de/dr as the product of the local partials read
from the rule table.  Identical references are merged (``x*x`` gives one
partial ``2*x``... as ``x + x``), so each adjoint increment is emitted once.
"""
from __future__ import annotations

import functools
from typing import Callable

from fadj.ad import build as B
from fadj.errors import Loc, UnsupportedError
from fadj.ir import expr as E
from fadj.ir import intrinsics as I
from fadj.rules.table import LINEAR, RULES, Rule

#: placeholder for the adjoint seed inside a partial that applies a linear operation
SEED = "fadj_seed"


def has_seed(p: E.Expr) -> bool:
    return any(isinstance(n, E.Name) and n.name == SEED for n in E.walk(p))


def _seeded(p: E.Expr) -> E.Expr:
    return p if has_seed(p) else B.mul(p, E.Name(SEED))


def apply_partial(p: E.Expr, seed: E.Expr) -> E.Expr:
    """The adjoint contribution of a partial: ``p*seed``, or the linear operation on the seed."""
    if has_seed(p):
        return E.transform(p, lambda n: seed if isinstance(n, E.Name) and n.name == SEED else n)
    return B.mul(p, seed)

IsActive = Callable[[E.Expr], bool]


@functools.lru_cache(maxsize=None)
def template(text: str) -> E.Expr:
    """Parse a rule template once (with fparser, like user code)."""
    from fparser.two import Fortran2003 as F

    from fadj.frontend.lower_exprs import ExprLowerer
    from fadj.frontend.parse import _parser
    _parser()   # fparser's classes only match once a parser has been created
    node = F.Expr(text) if not _is_primary(text) else F.Primary(text)
    return ExprLowerer(lambda n: False, Loc("<rules>")).lower(node)


def _is_primary(text: str) -> bool:
    return text.replace("_", "").replace(".", "").isalnum()


def contains_active(e: E.Expr, is_active: IsActive) -> bool:
    for n in E.walk(e):
        if isinstance(n, E.REF_TYPES) and is_active(n):
            return True
    return False


def integer_valued_call(node: E.Call, typer) -> bool:
    """A call whose arguments are all integer or logical (``dfloat(nint(x))``, ``real(n)``):
    no derivative flows through it, whatever active values its integer arguments were made from."""
    if typer is None:
        return False
    args = [a.value if isinstance(a, E.Keyword) else a for a in node.args]
    for a in args:
        t = typer.type_of(a)
        if t is None or t.base in ("real", "complex"):
            return False
    return bool(args)


def real_kind_of(e: E.Expr, typer) -> int:
    t = typer.type_of(e) if typer is not None else None
    if t is not None and t.base in ("real", "complex"):
        return max(8, t.kind)
    return 8


class Partials:
    """Computes [(reference, partial)] for an expression."""

    def __init__(self, is_active: IsActive, typer, loc: Loc | None):
        self.is_active = is_active
        self.typer = typer
        self.loc = loc

    def of(self, e: E.Expr) -> list[tuple[E.Expr, E.Expr]]:
        self.root_rank = self.typer.rank_of(e) if self.typer is not None else 0
        acc: dict[E.Expr, E.Expr] = {}
        order: list[E.Expr] = []
        self._rec(e, None, acc, order)
        out = []
        for r in order:
            p = acc[r] if has_seed(acc[r]) else B.combine_terms(acc[r])
            if not B.is_zero(p):
                out.append((r, p))
        return out

    def _rec(self, node: E.Expr, factor, acc, order) -> None:
        if isinstance(node, E.REF_TYPES):
            if self.is_active(node):
                if node in acc:
                    old, new = acc[node], factor if factor is not None else B.ONE
                    if has_seed(old) or has_seed(new):
                        # one path applies a linear operation to the seed: both must be in seed form
                        old, new = _seeded(old), _seeded(new)
                    acc[node] = B.add(old, new)
                else:
                    acc[node] = factor if factor is not None else B.ONE
                    order.append(node)
            return
        if not contains_active(node, self.is_active):
            return
        if isinstance(node, E.Paren):
            self._rec(node.inner, factor, acc, order)
            return
        if isinstance(node, E.UnOp):
            if node.op == "-":
                self._rec(node.operand, B.neg(factor if factor is not None else B.ONE), acc, order)
            elif node.op == "+":
                self._rec(node.operand, factor, acc, order)
            return
        if isinstance(node, E.BinOp):
            rule = RULES.get(node.op)
            if rule is None:
                return   # relational / logical: no derivative flows through
            self._apply(rule, {"a": node.left, "b": node.right}, node, factor, acc, order)
            return
        if isinstance(node, E.Call):
            self._call(node, factor, acc, order)
            return
        if isinstance(node, (E.ArrayCtor, E.ImpliedDo)):
            raise UnsupportedError(self.loc, "array constructors with active values are not supported yet")
        raise UnsupportedError(self.loc, f"cannot differentiate expression '{node}'")

    def _apply(self, rule: Rule, binding: dict, node, factor, acc, order) -> None:
        kind = real_kind_of(node, self.typer)
        for arg in rule.args:
            child = binding.get(arg)
            if child is None or not contains_active(child, self.is_active):
                continue
            tmpl = rule.partials.get(arg)
            if tmpl is None:
                continue   # ZERO: not differentiable in this argument
            p = B.substitute(template(tmpl), binding, kind)
            p = _simplify_merge(p)
            guard = rule.guards.get(arg)
            if guard is not None:
                g = B.substitute(template(guard), binding, kind)
                if not _guard_is_false(g):
                    p = E.Call("merge", (E.RealLit(f"0.0_{kind}"), p, g))
            self._rec(child, B.mul(factor, p), acc, order)

    def _linear(self, node: E.Call, factor, acc, order) -> bool:
        """Non-elementwise linear intrinsics (transpose, matmul, reshape...): the child's factor
        applies the transposed operation to the seed."""
        name = I.generic_name(node.name)
        pos = [a for a in node.args if not isinstance(a, E.Keyword)]
        kw = {a.key: a.value for a in node.args if isinstance(a, E.Keyword)}
        key = name
        if name == "matmul" and len(pos) == 2:
            key = f"matmul{self.typer.rank_of(pos[0])}{self.typer.rank_of(pos[1])}"
        elif name == "sum" and ("dim" in kw or len(pos) > 1):
            key = "sum_dim"
        rule = LINEAR.get(key)
        if rule is None:
            return False
        binding = {k: template(v) for k, v in rule.defaults.items()}
        for i, a in enumerate(pos):
            if i < len(rule.args):
                binding[rule.args[i]] = a
        binding.update(kw)
        cur = factor if factor is not None and has_seed(factor) else B.mul(factor, E.Name(SEED))
        kind = real_kind_of(node, self.typer)
        for arg, tmpl in rule.adjoint.items():
            child = binding.get(arg)
            if child is None or not contains_active(child, self.is_active):
                continue
            op = B.substitute(template(tmpl), {**binding, "seed": cur}, kind)
            self._rec(child, op, acc, order)
        return True

    def _call(self, node: E.Call, factor, acc, order) -> None:
        if I.is_intrinsic(node.name) and (node.name in I.INQUIRY or node.name in I.INTEGER_RESULT
                                          or node.name in I.LOGICAL_RESULT):
            return      # integer or logical results (size, nint, any...): no derivative flows through
        if I.is_intrinsic(node.name) and integer_valued_call(node, self.typer):
            return      # dfloat(nint(x)): conversions of integers
        if self._linear(node, factor, acc, order):
            return
        name = I.generic_name(node.name)
        rule = RULES.get(name)
        if rule is None:
            if I.is_intrinsic(node.name):
                raise UnsupportedError(self.loc, f"no derivative rule for intrinsic '{node.name}' with an active argument")
            raise UnsupportedError(self.loc, f"call of function '{node.name}' inside an active expression was not normalised")
        pos = [a for a in node.args if not isinstance(a, E.Keyword)]
        kw = {a.key: a.value for a in node.args if isinstance(a, E.Keyword)}
        if name in I.REDUCTIONS and getattr(self, "root_rank", 0) > 0:
            # a reduction inside an array expression: every element of the result depends on it,
            # so the seed reaching it is summed first (x*sum(x): xb += sum(x*yb) + sum(x)*yb)
            factor = E.Call("sum", (_seeded(factor if factor is not None else B.ONE),))
        if rule.nary and len(pos) > 2:
            # min(a, b, c) = min(min(a, b), c)
            inner = E.Call(node.name, tuple(pos[:-1]))
            self._apply(rule, {rule.args[0]: inner, rule.args[1]: pos[-1]}, node, factor, acc, order)
            return
        if "dim" in kw or (name in ("sum", "product", "maxval", "minval", "norm2") and len(pos) > 1):
            raise UnsupportedError(self.loc, f"'{node.name}' with a DIM argument on active data is not supported yet")
        binding = {k: template(v) for k, v in rule.defaults.items()}
        for i, a in enumerate(pos):
            if i < len(rule.args):
                binding[rule.args[i]] = a
        for k, v in kw.items():
            binding[k] = v
        self._apply(rule, binding, node, factor, acc, order)


def _simplify_merge(p: E.Expr) -> E.Expr:
    """``merge(1, 0, .true.)`` (an absent MASK) is 1."""
    if isinstance(p, E.Call) and p.name == "merge" and isinstance(p.args[2], E.LogicalLit) and p.args[2].value:
        return B.ONE if B.is_one(p.args[0]) or (isinstance(p.args[0], E.RealLit) and
                                                 p.args[0].text.startswith("1.0_")) else p.args[0]
    return p


def _guard_is_false(g: E.Expr) -> bool:
    """A guard like ``2.0 <= 0`` on literals is statically false."""
    if isinstance(g, E.BinOp) and g.op in ("<=", "==") and isinstance(g.left, (E.IntLit, E.RealLit)):
        try:
            v = float(g.left.text.split("_")[0].replace("d", "e"))
        except ValueError:
            return False
        return v > 0
    return False

"""fparser expression nodes -> fadj IR expressions.

Dispatch is a table keyed on fparser classes.  fparser cannot tell an array
element ``a(i)`` from a function reference ``f(i)`` (both are ``Part_Ref``);
the lowering asks the caller's ``is_array`` callback, which knows the scope.
"""
from __future__ import annotations

from typing import Callable

from fparser.two import Fortran2003 as F
from fparser.two import utils as U

from fadj.errors import Loc, UnsupportedError
from fadj.ir import expr as E

OPERATORS = {
    ".gt.": ">", ".ge.": ">=", ".lt.": "<", ".le.": "<=", ".eq.": "==", ".ne.": "/=",
    ".and.": ".and.", ".or.": ".or.", ".not.": ".not.", ".eqv.": ".eqv.", ".neqv.": ".neqv.",
}


def lookup(table: dict, node):
    """Handler for ``node`` in a dispatch table keyed on fparser classes.

    fparser's F2008 parser returns subclasses of the F2003 classes, so the
    lookup walks the class hierarchy (and caches what it finds).
    """
    cls = type(node)
    h = table.get(cls)
    if h is None:
        for base in cls.__mro__[1:]:
            if base in table:
                h = table[base]
                table[cls] = h
                break
    return h


def norm_op(op: str) -> str:
    op = op.strip().lower()
    return OPERATORS.get(op, op)


#: prefix of a type-bound procedure reference before it is resolved (its first argument: the object)
BOUND = "%"


class ExprLowerer:
    """Lowers expressions of one scope.

    ``is_array(name)`` says whether a name followed by ``(...)`` is an array
    (element/section/substring) rather than a function reference.
    """

    def __init__(self, is_array: Callable[[str], bool], loc: Loc):
        self.is_array = is_array
        self.loc = loc

    def __call__(self, node) -> E.Expr:
        return self.lower(node)

    def lower(self, node) -> E.Expr:
        if node is None:
            raise UnsupportedError(self.loc, "missing expression")
        handler = lookup(_DISPATCH, node)
        if handler is not None:
            return handler(self, node)
        if isinstance(node, U.BinaryOpBase):
            left, op, right = node.items
            return E.BinOp(norm_op(op), self.lower(left), self.lower(right))
        if isinstance(node, U.UnaryOpBase):
            op, operand = node.items
            return E.UnOp(norm_op(op), self.lower(operand))
        if isinstance(node, (F.Hex_Constant, F.Binary_Constant, F.Octal_Constant)):
            return E.RawExpr(str(node))
        raise UnsupportedError(self.loc, f"unsupported expression '{node}' ({type(node).__name__})")

    # -- leaves -------------------------------------------------------------
    def name(self, node) -> E.Expr:
        return E.Name(str(node).lower())

    def int_lit(self, node) -> E.Expr:
        digits, kind = node.items[0], node.items[1]
        return E.IntLit(f"{digits}_{kind.lower()}" if kind else str(digits))

    def real_lit(self, node) -> E.Expr:
        text, kind = node.items[0], node.items[1]
        text = text.lower()
        return E.RealLit(f"{text}_{kind.lower()}" if kind else text)

    def logical_lit(self, node) -> E.Expr:
        text, kind = node.items[0], node.items[1]
        return E.LogicalLit(text.upper() == ".TRUE.", kind.lower() if kind else "")

    def char_lit(self, node) -> E.Expr:
        return E.StrLit(str(node))

    def complex_lit(self, node) -> E.Expr:
        return E.ComplexLit(self.lower(node.items[0]), self.lower(node.items[1]))

    def signed_lit(self, node) -> E.Expr:
        text = str(node).lower().replace(" ", "")
        neg = text.startswith("-")
        body = text.lstrip("+-")
        lit = E.RealLit(body) if any(c in body for c in ".ed") and not body.isdigit() else E.IntLit(body)
        return E.UnOp("-", lit) if neg else lit

    # -- references ---------------------------------------------------------
    def part_ref(self, node) -> E.Expr:
        if isinstance(node.items[0], F.Procedure_Designator):
            # obj%binding(args): a type-bound function, resolved by passes/resolve_bindings
            obj = self.lower(node.items[0].items[0])
            return E.Call(BOUND + str(node.items[0].items[2]).lower(), (obj,) + self.arg_list(node.items[1]))
        name = str(node.items[0]).lower()
        subs = self.arg_list(node.items[1])
        if self.is_array(name):
            return E.Index(name, subs)
        return E.Call(name, subs)

    def intrinsic_ref(self, node) -> E.Expr:
        name = str(node.items[0]).lower()
        args = self.arg_list(node.items[1])
        if self.is_array(name):   # an array that shadows an intrinsic name
            return E.Index(name, args)
        return E.Call(name, args)

    def arg_list(self, node) -> tuple[E.Expr, ...]:
        if node is None:
            return ()
        items = node.items if type(node).__name__.endswith("_List") else (node,)
        return tuple(self.lower(i) for i in items)

    def keyword_arg(self, node) -> E.Expr:
        return E.Keyword(str(node.items[0]).lower(), self.lower(node.items[1]))

    def triplet(self, node) -> E.Expr:
        lo, hi, step = node.items
        return E.Slice(self.lower(lo) if lo is not None else None,
                       self.lower(hi) if hi is not None else None,
                       self.lower(step) if step is not None else None)

    def paren(self, node) -> E.Expr:
        return E.Paren(self.lower(node.items[1]))

    def array_ctor(self, node) -> E.Expr:
        vals = node.items[1]
        if vals is None:
            return E.ArrayCtor(())
        return E.ArrayCtor(self.arg_list(vals))

    def implied_do(self, node) -> E.Expr:
        values, control = node.items
        var = str(control.items[0]).lower()
        bounds = [self.lower(b) for b in control.items[1]]
        return E.ImpliedDo(self.arg_list(values), var, bounds[0], bounds[1],
                           bounds[2] if len(bounds) > 2 else None)

    def data_ref(self, node) -> E.Expr:
        parts = node.items
        base = self._data_part(parts[0], first=True)
        for p in parts[1:]:
            if isinstance(p, F.Part_Ref):
                base = E.Component(base, str(p.items[0]).lower(), self.arg_list(p.items[1]))
            else:
                base = E.Component(base, str(p).lower())
        return base

    def _data_part(self, node, first: bool) -> E.Expr:
        if isinstance(node, F.Part_Ref):
            return E.Index(str(node.items[0]).lower(), self.arg_list(node.items[1]))
        return E.Name(str(node).lower())

    def structure_ctor(self, node) -> E.Expr:
        """``f()`` parses as a structure constructor; it is a function reference with no arguments
        (a real structure constructor ``t(1.0, 2.0)`` is a Call too: typing tells them apart)."""
        name = str(node.items[0]).lower()
        args = self.arg_list(node.items[1]) if node.items[1] is not None else ()
        return E.Call(name, args)

    def substring(self, node) -> E.Expr:
        base = self.lower(node.items[0])
        rng = node.items[1]
        lo, hi = rng.items
        sl = E.Slice(self.lower(lo) if lo is not None else None, self.lower(hi) if hi is not None else None)
        if isinstance(base, E.Name):
            return E.Index(base.name, (sl,))
        return E.RawExpr(str(node))


_DISPATCH = {
    F.Name: ExprLowerer.name,
    F.Int_Literal_Constant: ExprLowerer.int_lit,
    F.Real_Literal_Constant: ExprLowerer.real_lit,
    F.Logical_Literal_Constant: ExprLowerer.logical_lit,
    F.Char_Literal_Constant: ExprLowerer.char_lit,
    F.Complex_Literal_Constant: ExprLowerer.complex_lit,
    F.Signed_Int_Literal_Constant: ExprLowerer.signed_lit,
    F.Signed_Real_Literal_Constant: ExprLowerer.signed_lit,
    F.Part_Ref: ExprLowerer.part_ref,
    F.Intrinsic_Function_Reference: ExprLowerer.intrinsic_ref,
    F.Actual_Arg_Spec: ExprLowerer.keyword_arg,
    F.Subscript_Triplet: ExprLowerer.triplet,
    F.Parenthesis: ExprLowerer.paren,
    F.Array_Constructor: ExprLowerer.array_ctor,
    F.Ac_Implied_Do: ExprLowerer.implied_do,
    F.Data_Ref: ExprLowerer.data_ref,
    F.Structure_Constructor: ExprLowerer.structure_ctor,
    F.Component_Spec: ExprLowerer.keyword_arg,
}
if hasattr(F, "Function_Reference"):
    _DISPATCH[F.Function_Reference] = ExprLowerer.part_ref

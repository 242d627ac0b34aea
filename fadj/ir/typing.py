"""Type and rank of expressions, from the routine's symbols.

Analyses need to know which references carry real values (only those can be
active) and the derivative code needs the kind of every real expression (to
write literals and declare temporaries of the right kind).
"""
from __future__ import annotations

from typing import Callable

from fadj.ir import expr as E
from fadj.ir import intrinsics as I
from fadj.ir.consts import real_literal_kind
from fadj.ir.symbols import CHARACTER, INTEGER, LOGICAL, Scope, TypeSpec

_NUMERIC_ORDER = {"integer": 0, "real": 1, "complex": 2}
_ARITH = {"+", "-", "*", "/", "**"}


class Typer:
    """Types expressions of one scope; ``function_type(name, args)`` gives user functions' result
    types (``args``: the reference's actual arguments, which pick a generic's specific)."""

    def __init__(self, scope: Scope, function_type: Callable[..., TypeSpec | None] | None = None,
                 types: dict | None = None, function_routine: Callable | None = None):
        self.function_routine = function_routine
        self.scope = scope
        self.function_type = function_type or (lambda n, args=None: None)
        self.types = types or {}

    def param_lookup(self, name: str):
        s = self.scope.lookup(name)
        return s.init if s is not None and s.parameter else None

    def type_of(self, e: E.Expr) -> TypeSpec | None:
        t = type(e)
        if t is E.Name or t is E.Index:
            s = self.scope.lookup(e.name)
            if s is None:
                return None
            if s.procedure and t is E.Name and not s.is_result:
                return s.type
            return s.type
        if t is E.RealLit:
            k = real_literal_kind(e.text, self.param_lookup)
            return TypeSpec("real", k, kind_text=str(k) if k != 4 else None, double=("d" in e.text.lower()))
        if t is E.IntLit:
            return INTEGER
        if t is E.LogicalLit:
            return LOGICAL
        if t is E.StrLit:
            return CHARACTER
        if t is E.ComplexLit:
            a, b = self.type_of(e.re), self.type_of(e.im)
            k = max(x.kind if x and x.base == "real" else 4 for x in (a, b))
            return TypeSpec("complex", k, kind_text=str(k))
        if t is E.Paren:
            return self.type_of(e.inner)
        if t is E.UnOp:
            return LOGICAL if e.op == ".not." else self.type_of(e.operand)
        if t is E.BinOp:
            if e.op in _ARITH:
                return promote(self.type_of(e.left), self.type_of(e.right))
            if e.op == "//":
                return CHARACTER
            return LOGICAL
        if t is E.Call:
            return self.call_type(e)
        if t is E.ArrayCtor:
            for it in e.items:
                ty = self.type_of(it)
                if ty is not None:
                    return ty
            return None
        if t is E.ImpliedDo:
            return self.type_of(e.items[0]) if e.items else None
        if t is E.Keyword:
            return self.type_of(e.value)
        if t is E.Component:
            c = self.component(e)
            return c.type if c is not None else None
        return None

    def component(self, e: E.Component):
        from fadj.ir.derived import component
        return component(self.types, self.type_of(e.base), e.comp)

    def call_type(self, e: E.Call) -> TypeSpec | None:
        name = e.name
        s = self.scope.lookup(name)
        if s is not None and not s.intrinsic and (s.procedure or s.is_result) and not I.is_intrinsic(name):
            ft = self.function_type(name, e.args)
            return ft or s.type
        if s is not None and not s.intrinsic and s.procedure:
            ft = self.function_type(name, e.args)
            if ft is not None:
                return ft
            if s.type is not None:
                return s.type
        if name in I.SPECIFIC:
            gen, kind = I.SPECIFIC[name]
            if gen == "abs" and name == "cabs":
                return TypeSpec("real", 4)
            base = "complex" if name.startswith("c") and name != "cabs" else "real"
            return TypeSpec(base, kind, kind_text=str(kind), double=(kind == 8 and base == "real"))
        pos = [a for a in e.args if not isinstance(a, E.Keyword)]
        kw = {a.key: a.value for a in e.args if isinstance(a, E.Keyword)}
        if name in I.REAL_RESULT:
            kind = I.REAL_RESULT[name]
            kexpr = kw.get("kind") or (pos[1] if name in ("real", "cmplx") and len(pos) > 1 and name == "real" else None)
            if kexpr is not None:
                from fadj.ir.consts import try_int
                k = try_int(kexpr, self.param_lookup)
                kind = k or kind
            elif name in ("real", "aimag", "cmplx") and pos:
                at = self.type_of(pos[0])
                if at is not None and at.base in ("real", "complex"):
                    kind = at.kind
            base = "complex" if name in ("cmplx", "dcmplx") else "real"
            return TypeSpec(base, kind, kind_text=str(kind) if kind != 4 else None, double=(kind == 8 and base == "real"))
        if name in I.INTEGER_RESULT:
            return INTEGER
        if name in I.LOGICAL_RESULT:
            return LOGICAL
        if name in I.CHARACTER_RESULT:
            return CHARACTER
        if name in I.SAME_AS_ARG:
            types = [self.type_of(a) for a in pos]
            if name in ("min", "max", "dot_product", "matmul", "merge"):
                out = None
                for ty in types[:2] if name == "merge" else types:
                    out = promote(out, ty) if out is not None else ty
                return out
            return types[0] if types else None
        if name == "transfer" and len(pos) > 1:
            return self.type_of(pos[1])
        return s.type if s is not None else None

    # -- rank -------------------------------------------------------------
    def rank_of(self, e: E.Expr) -> int:
        t = type(e)
        if t is E.Name:
            s = self.scope.lookup(e.name)
            return s.rank if s is not None and not s.procedure else 0
        if t is E.Index:
            s = self.scope.lookup(e.name)
            if s is not None and s.type is not None and s.type.base == "character" and not s.is_array:
                return 0
            r = 0
            for sub in e.subs:
                if isinstance(sub, E.Slice):
                    r += 1
                elif self.rank_of(sub) > 0:
                    r += 1
            return r
        if t is E.Paren:
            return self.rank_of(e.inner)
        if t is E.Component:
            c = self.component(e)
            own = 0
            if c is not None and c.dims:
                own = sum(1 for s in e.subs if isinstance(s, E.Slice) or self.rank_of(s) > 0) if e.subs else c.rank
            return self.rank_of(e.base) + own
        if t is E.UnOp:
            return self.rank_of(e.operand)
        if t is E.BinOp:
            return max(self.rank_of(e.left), self.rank_of(e.right))
        if t is E.ArrayCtor:
            return 1
        if t is E.Call:
            name = I.generic_name(e.name)
            pos = [a for a in e.args if not isinstance(a, E.Keyword)]
            kw = {a.key: a.value for a in e.args if isinstance(a, E.Keyword)}
            if name in ("size", "lbound", "ubound", "len", "kind", "present", "allocated") and ("dim" in kw or len(pos) > 1 or name in ("len", "kind", "present", "allocated")):
                return 0
            if name in ("lbound", "ubound", "shape"):
                return 1
            if name == "size":
                return 0
            if name in ("sum", "product", "maxval", "minval", "count", "any", "all", "norm2"):
                if "dim" in kw or len(pos) > 1 and name not in ("count", "any", "all"):
                    return max(self.rank_of(pos[0]) - 1, 0) if pos else 0
                return 0
            if name == "dot_product":
                return 0
            if name == "matmul":
                return min(self.rank_of(pos[0]), self.rank_of(pos[1])) if len(pos) > 1 else 1
            if name == "transpose":
                return 2
            if name == "reshape":
                shp = pos[1] if len(pos) > 1 else kw.get("shape")
                if isinstance(shp, E.ArrayCtor):
                    return len(shp.items)
                return 1
            if name == "spread":
                return (self.rank_of(pos[0]) if pos else 0) + 1
            if name in ("maxloc", "minloc"):
                return 1 if "dim" not in kw else 0
            if name == "pack":
                return 1
            if I.is_intrinsic(e.name) and (name in I.SAME_AS_ARG or name in I.REAL_RESULT
                                           or name in I.INTEGER_RESULT or name in I.LOGICAL_RESULT):
                return max((self.rank_of(a) for a in pos), default=0)
            return self.function_rank(e.name, pos)
        return 0

    def function_rank(self, name: str, args=()) -> int:
        """Rank of a user function reference: its result's rank, or for an ELEMENTAL function
        the rank of its array arguments."""
        r = self.function_routine(name, tuple(args)) if self.function_routine is not None else None
        if r is None:
            return 0
        if "elemental" in r.prefix:
            return max((self.rank_of(a) for a in args), default=0)
        res = r.scope.local(r.result) if r.result else None
        return res.rank if res is not None else 0


def promote(a: TypeSpec | None, b: TypeSpec | None) -> TypeSpec | None:
    """Fortran's numeric promotion for a binary arithmetic operation."""
    if a is None:
        return b
    if b is None:
        return a
    oa, ob = _NUMERIC_ORDER.get(a.base, -1), _NUMERIC_ORDER.get(b.base, -1)
    if oa < 0 or ob < 0:
        return a
    if oa != ob:
        hi, lo = (a, b) if oa > ob else (b, a)
        if hi.base == "complex" and lo.base == "real" and lo.kind > hi.kind:
            return TypeSpec("complex", lo.kind, kind_text=str(lo.kind))
        return hi
    return a if a.kind >= b.kind else b


def is_real_typed(t: TypeSpec | None) -> bool:
    return t is not None and t.base == "real"

"""Stack operations in generated code (push/pop/look) and small helpers shared by the engine."""
from __future__ import annotations


from fadj.ad import build as B
from fadj.ir import expr as E
from fadj.ir import stmt as S




def _call(name: str, *args: E.Expr) -> S.CallStmt:
    return S.CallStmt(name, list(args))


def push(ref: E.Expr) -> S.Stmt:
    return _call("fadj_push", ref)


def pop(ref: E.Expr) -> S.Stmt:
    return _call("fadj_pop", ref)


def look(ref: E.Expr) -> S.Stmt:
    return _call("fadj_look", ref)


def _reversed_ops(ops: list[S.Stmt]) -> list[S.Stmt]:
    """Stack operations in the opposite order (loops run backwards), for pops and looks."""
    out: list[S.Stmt] = []
    for st in reversed(ops):
        if isinstance(st, S.Do):
            out.append(S.Do(st.var, st.end, st.start, B.neg(B.ONE), _reversed_ops(st.body)))
        else:
            out.append(st)
    return out


def _short(st: S.Assign) -> str:
    from fadj.backend.fortran import expr_str
    t = f"{expr_str(st.lhs)} = {expr_str(st.rhs)}"
    return t if len(t) <= 60 else t[:57] + "..."



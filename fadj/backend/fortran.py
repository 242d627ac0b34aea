"""IR -> free-form Fortran text: expressions and statements.

Expressions are printed with the fewest parentheses that keep the IR's tree
(user-written parentheses are ``Paren`` nodes and always printed), so a
re-printed primal statement evaluates exactly like the original.  Long lines
are continued with ``&`` at 132 columns.
"""
from __future__ import annotations

from fadj.ir import expr as E
from fadj.ir import stmt as S

_BIN_PREC = {
    "**": 10, "*": 9, "/": 9, "+": 7, "-": 7, "//": 6,
    "==": 5, "/=": 5, "<": 5, "<=": 5, ">": 5, ">=": 5,
    ".and.": 3, ".or.": 2, ".eqv.": 1, ".neqv.": 1,
}
_UN_PREC = {"-": 8, "+": 8, ".not.": 4}
_ATOM = 11
_RELATIONAL = {"==", "/=", "<", "<=", ">", ">="}


def prec(e: E.Expr) -> int:
    if isinstance(e, E.BinOp):
        return _BIN_PREC[e.op]
    if isinstance(e, E.UnOp):
        return _UN_PREC[e.op]
    return _ATOM


def _spaced(op: str) -> str:
    if op in ("*", "/", "**"):
        return op
    return f" {op} "


def expr_str(e: E.Expr) -> str:
    """Fortran text of an expression."""
    t = type(e)
    if t is E.Name:
        return e.name
    if t is E.IntLit or t is E.RealLit or t is E.StrLit or t is E.RawExpr:
        return e.text
    if t is E.Index:
        return f"{e.name}({', '.join(expr_str(s) for s in e.subs)})"
    if t is E.BinOp:
        p = _BIN_PREC[e.op]
        left = expr_str(e.left)
        right = expr_str(e.right)
        lp = prec(e.left)
        if lp < p or (e.op == "**" and lp <= p) or (e.op in _RELATIONAL and lp == p):
            left = f"({left})"
        rp = prec(e.right)
        if rp < p or (rp == p and e.op != "**") or isinstance(e.right, E.UnOp) \
                or (isinstance(e.right, (E.IntLit, E.RealLit)) and e.right.text.startswith("-")):
            right = f"({right})"
        return f"{left}{_spaced(e.op)}{right}"
    if t is E.UnOp:
        p = _UN_PREC[e.op]
        inner = expr_str(e.operand)
        if prec(e.operand) < p or isinstance(e.operand, E.UnOp) or (e.op != ".not." and prec(e.operand) == p):
            inner = f"({inner})"
        return f".not. {inner}" if e.op == ".not." else f"{e.op}{inner}"
    if t is E.Paren:
        return f"({expr_str(e.inner)})"
    if t is E.Call:
        return f"{e.name}({', '.join(expr_str(a) for a in e.args)})"
    if t is E.Keyword:
        return f"{e.key}={expr_str(e.value)}"
    if t is E.Slice:
        lo = expr_str(e.lo) if e.lo is not None else ""
        hi = expr_str(e.hi) if e.hi is not None else ""
        out = f"{lo}:{hi}"
        if e.step is not None:
            out += f":{expr_str(e.step)}"
        return out
    if t is E.LogicalLit:
        v = ".true." if e.value else ".false."
        return f"{v}_{e.kind}" if e.kind else v
    if t is E.ComplexLit:
        return f"({expr_str(e.re)}, {expr_str(e.im)})"
    if t is E.ArrayCtor:
        return f"[{', '.join(expr_str(i) for i in e.items)}]"
    if t is E.ImpliedDo:
        step = f", {expr_str(e.step)}" if e.step is not None else ""
        return f"({', '.join(expr_str(i) for i in e.items)}, {e.var} = {expr_str(e.lo)}, {expr_str(e.hi)}{step})"
    if t is E.Component:
        subs = f"({', '.join(expr_str(s) for s in e.subs)})" if e.subs else ""
        return f"{expr_str(e.base)}%{e.comp}{subs}"
    raise TypeError(f"cannot print {e!r}")


# ---------------------------------------------------------------------------
# statements

INDENT = "  "
MAX_LINE = 132


#: comment that ``origins`` printing puts before the lines of each source statement
ORIGIN = "! fadj origin: "


class StmtPrinter:
    """Prints statement lists as indented free-form lines.  With ``origins`` (debug builds), a
    comment ``! fadj origin: file:line`` precedes the lines that come from each source line, so
    that a crash at a generated line can be traced back (``fadj check --debug``)."""

    def __init__(self, origins: bool = False):
        self.lines: list[str] = []
        self.origins = origins
        self._origin = None
        self._omp_end: list[tuple] = []

    def emit(self, text: str, depth: int, label: str | None = None) -> None:
        prefix = INDENT * depth
        if label:
            text = f"{label} {text}"
        self.lines.extend(wrap_line(prefix + text))

    def body(self, stmts: list[S.Stmt], depth: int) -> None:
        for st in stmts:
            self.stmt(st, depth)

    def stmt(self, st: S.Stmt, depth: int) -> None:
        if self.origins and st.loc is not None and (st.loc.file, st.loc.line) != self._origin:
            self._origin = (st.loc.file, st.loc.line)
            self.lines.append(INDENT * depth + ORIGIN + f"{st.loc.file}:{st.loc.line}")
        method = getattr(self, "p_" + type(st).__name__)
        method(st, depth)

    def p_Assign(self, st: S.Assign, d):
        self.emit(f"{expr_str(st.lhs)} = {expr_str(st.rhs)}", d, st.label)

    def p_CallStmt(self, st: S.CallStmt, d):
        args = ", ".join(expr_str(a) for a in st.args)
        self.emit(f"call {st.name}({args})", d, st.label)

    def p_Comment(self, st: S.Comment, d):
        self.lines.append(INDENT * d + "! " + st.text)

    def p_If(self, st: S.If, d):
        name = f"{st.construct_name}: " if st.construct_name else ""
        for i, (cond, body) in enumerate(st.branches):
            if i == 0:
                self.emit(f"{name}if ({expr_str(cond)}) then", d, st.label)
            else:
                self.emit(f"else if ({expr_str(cond)}) then", d)
            self.body(body, d + 1)
        if st.else_body is not None:
            self.emit("else", d)
            self.body(st.else_body, d + 1)
        self.emit("end if" + (f" {st.construct_name}" if st.construct_name else ""), d)

    def p_Do(self, st: S.Do, d):
        for line in getattr(st, "omp", None) or ():
            self.lines.append(INDENT * d + line)
        end = getattr(st, "omp_end", None)
        if end:
            self._omp_end.append((id(st), INDENT * d + end))
        name = f"{st.construct_name}: " if st.construct_name else ""
        step = f", {expr_str(st.step)}" if st.step is not None else ""
        self.emit(f"{name}do {st.var} = {expr_str(st.start)}, {expr_str(st.end)}{step}", d, st.label)
        self.body(st.body, d + 1)
        self.emit("end do" + (f" {st.construct_name}" if st.construct_name else ""), d)
        if end:
            self.lines.append(self._omp_end.pop()[1])

    def p_DoWhile(self, st: S.DoWhile, d):
        name = f"{st.construct_name}: " if st.construct_name else ""
        head = f"do while ({expr_str(st.cond)})" if st.cond is not None else "do"
        self.emit(name + head, d, st.label)
        self.body(st.body, d + 1)
        self.emit("end do" + (f" {st.construct_name}" if st.construct_name else ""), d)

    def p_SelectCase(self, st: S.SelectCase, d):
        name = f"{st.construct_name}: " if st.construct_name else ""
        self.emit(f"{name}select case ({expr_str(st.selector)})", d, st.label)
        for sels, body in st.cases:
            parts = []
            for s in sels:
                if isinstance(s, tuple):
                    lo = expr_str(s[0]) if s[0] is not None else ""
                    hi = expr_str(s[1]) if s[1] is not None else ""
                    parts.append(f"{lo}:{hi}")
                else:
                    parts.append(expr_str(s))
            self.emit(f"case ({', '.join(parts)})", d)
            self.body(body, d + 1)
        if st.default is not None:
            self.emit("case default", d)
            self.body(st.default, d + 1)
        self.emit("end select" + (f" {st.construct_name}" if st.construct_name else ""), d)

    def p_Where(self, st: S.Where, d):
        for i, (mask, body) in enumerate(st.branches):
            self.emit(("where" if i == 0 else "elsewhere") + f" ({expr_str(mask)})", d, st.label if i == 0 else None)
            self.body(body, d + 1)
        if st.else_body is not None:
            self.emit("elsewhere", d)
            self.body(st.else_body, d + 1)
        self.emit("end where", d)

    def p_Region(self, st: S.Region, d):
        self.lines.append(INDENT * d + "! $AD CHECKPOINT-START")
        self.body(st.body, d)
        self.lines.append(INDENT * d + "! $AD CHECKPOINT-END")

    def p_Return(self, st, d):
        self.emit("return", d, st.label)

    def p_Continue(self, st, d):
        self.emit("continue", d, st.label)

    def p_Exit(self, st: S.Exit, d):
        self.emit("exit" + (f" {st.construct_name}" if st.construct_name else ""), d, st.label)

    def p_Cycle(self, st: S.Cycle, d):
        self.emit("cycle" + (f" {st.construct_name}" if st.construct_name else ""), d, st.label)

    def p_Goto(self, st: S.Goto, d):
        self.emit(f"go to {st.target}", d, st.label)

    def p_ComputedGoto(self, st: S.ComputedGoto, d):
        self.emit(f"go to ({', '.join(st.targets)}) {expr_str(st.index)}", d, st.label)

    def p_ArithmeticIf(self, st: S.ArithmeticIf, d):
        self.emit(f"if ({expr_str(st.expr)}) {', '.join(st.targets)}", d, st.label)

    def p_Stop(self, st: S.Stop, d):
        self.emit(st.text, d, st.label)

    def p_Allocate(self, st: S.Allocate, d):
        kw = "deallocate" if st.deallocate else "allocate"
        items = ", ".join(expr_str(i) for i in st.items)
        opts = f", {st.options}" if st.options else ""
        self.emit(f"{kw}({items}{opts})", d, st.label)

    def p_Raw(self, st: S.Raw, d):
        self.emit(st.text, d, st.label)


def stmts_str(stmts: list[S.Stmt], depth: int = 0) -> list[str]:
    p = StmtPrinter()
    p.body(stmts, depth)
    return p.lines


def wrap_line(line: str, limit: int = MAX_LINE) -> list[str]:
    """Split a free-form line into continued lines of at most ``limit`` columns."""
    if len(line) <= limit or line.lstrip().startswith("!"):
        return [line]
    indent = len(line) - len(line.lstrip())
    out: list[str] = []
    cur = line
    cont_prefix = " " * (indent + 4) + "& "
    budget = limit - 2
    while len(cur) > limit:
        cut = _break_point(cur, budget)
        if cut is None:
            break
        out.append(cur[:cut].rstrip() + " &")
        cur = cont_prefix + cur[cut:].lstrip()
    out.append(cur)
    return out


def _break_point(line: str, budget: int) -> int | None:
    """Rightmost position <= budget after a comma, blank or operator and outside quotes."""
    in_str: str | None = None
    best = None
    for i, c in enumerate(line[:budget]):
        if in_str:
            if c == in_str:
                in_str = None
            continue
        if c in "'\"":
            in_str = c
            continue
        if c in ", +-*/" and i > 0:
            prev, nxt = line[i - 1], line[i + 1] if i + 1 < len(line) else ""
            if c in "*/" and (prev in "*/" or nxt in "*/="):
                continue   # inside ** or // or /=
            if c in "+-" and prev in "eEdD" and i > 1 and (line[i - 2].isdigit() or line[i - 2] == "."):
                continue   # exponent of a literal
            if c == "/" and prev == "(":
                continue
            best = i + 1 if c in ", " else i
    if best is not None and best > len(line) - len(line.lstrip()) + 8:
        return best
    return None

"""Tangent (forward) mode: one ``foo_d`` per active routine reachable from the head.

The tangent of ``v = e`` is

    vd = sum_k de/dr_k * rd_k        (over the active references r_k of e)

with the partials ``de/dr_k`` read from the one rule table (``fadj.rules``),
exactly as reverse mode reads them.  It is emitted *before* the primal
statement, which may overwrite a variable that ``e`` reads (``x = x*y``).
Tangent code runs alongside the primal, so it needs no stack, no snapshot and
no reversed control flow: IF, SELECT CASE, DO and DO WHILE are copied around
the tangent statements, and a checkpointed region is just its body.

Calls: ``call foo(x, n)`` becomes ``call foo_d(x, xd, n)`` (which runs ``foo``
too); a function reference, which normalisation left alone as ``v = f(args)``,
becomes ``vd = f_d(args, argsd, v)``: ``f_d`` returns the tangent and sets the
primal result through its last argument.  A passive actual passed to an active
formal gets a zeroed tangent buffer.
"""
from __future__ import annotations

from dataclasses import replace

from fadj.ad import build as B
from fadj.ad.assemble import finish
from fadj.ad.deriv import DerivRoutine
from fadj.ad.dscope import DerivScope
from fadj.analysis.callgraph import CallSite
from fadj.analysis.effects import map_actuals
from fadj.errors import Loc, UnsupportedError
from fadj.ir import expr as E
from fadj.ir import intrinsics as I
from fadj.ir import stmt as S
from fadj.ir.program import Routine
from fadj.ir.symbols import Symbol, TypeSpec
from fadj.rules.partials import Partials, real_kind_of

REAL8 = TypeSpec("real", 8, double=True)


def tangent_routines(ctx) -> list[DerivRoutine]:
    """The ``_d`` routines the head's tangent needs, in source order (deterministic output)."""
    need = needed_routines(ctx)
    return [tangenter(ctx, r).routine() for r in ctx.prog.order if r in need]


def needed_routines(ctx) -> set[Routine]:
    """The head and every routine an active call site reaches from it."""
    need: set[Routine] = set()
    work = [ctx.head]
    while work:
        r = work.pop()
        if r in need:
            continue
        need.add(r)
        for site in ctx.cg.sites.get(r, []):
            if site.callee is not None and ctx.site_active(site):
                work.append(site.callee)
    return need


def tangenter(ctx, r: Routine) -> "Tangenter":
    """The (cached) tangent engine of ``r``: callers ask it for the names of ``r``'s tangent formals."""
    cache = ctx.__dict__.setdefault("_tangenters", {})
    t = cache.get(r)
    if t is None:
        t = Tangenter(ctx, r)
        cache[r] = t
    return t


def _zero(kind: int) -> E.Expr:
    return E.RealLit(f"0.0_{kind}")


class Tangenter:
    def __init__(self, ctx, r: Routine):
        self.ctx = ctx
        self.r = r
        self.act = ctx.activity
        self.cg = ctx.cg
        self.typer = ctx.typer(r)
        self.ds = DerivScope(ctx, r, "d")
        self.called: set[tuple[Routine, str]] = set()
        self.ext_functions: dict[str, TypeSpec] = {}     # f_d of external functions -> result type
        self._routine: DerivRoutine | None = None

    # -- activity ------------------------------------------------------------------
    def active_ref(self, ref: E.Expr) -> bool:
        return isinstance(ref, E.REF_TYPES) and self.act.ref_active(self.r, ref)

    def kind_of(self, ref: E.Expr) -> int:
        return real_kind_of(ref, self.typer)

    # -- expressions -------------------------------------------------------------------
    def tangent_expr(self, e: E.Expr, rank: int, loc: Loc | None) -> E.Expr | None:
        """``sum_k de/dr_k * rd_k``, or None when ``e`` has no active reference.

        ``rank`` is the rank of the value being assigned: a term whose partial or
        tangent is an array while the target is a scalar comes from a reduction
        (``s = sum(x)``: the partial is 1 over x's shape), and its tangent is the
        sum of the elementwise products.
        """
        self._check_reductions(e, rank > 0, loc)
        out: E.Expr | None = None
        for ref, p in Partials(self.active_ref, self.typer, loc).of(e):
            term = B.mul(p, self.ds.dref(ref))
            if rank == 0 and (self.typer.rank_of(ref) > 0 or self.typer.rank_of(p) > 0):
                term = E.Call("sum", (term,))
            out = B.add(out, term)
        return out

    def _check_reductions(self, e: E.Expr, array_context: bool, loc: Loc | None) -> None:
        """A reduction of active data whose scalar value is broadcast over an array.

        The partials merge identical references, so in ``v = x*sum(x)`` (v, x arrays)
        the term of ``sum`` would be taken elementwise: wrong.  Refuse it clearly.
        """
        if isinstance(e, E.Call) and I.generic_name(e.name) in I.REDUCTIONS and array_context:
            if any(isinstance(n, E.REF_TYPES) and self.active_ref(n) for a in e.args for n in E.walk(a)):
                raise UnsupportedError(loc, f"'{e.name}' of active data inside an array expression: assign the "
                                            f"reduction to a scalar variable first")
        inner = array_context or self.typer.rank_of(e) > 0
        for c in e.children():
            self._check_reductions(c, inner, loc)

    def tangent_actual(self, a: E.Expr, pre: list[S.Stmt], loc: Loc | None) -> E.Expr:
        """The tangent to pass for actual ``a``: its own, a tangent expression, or a zeroed buffer."""
        if isinstance(a, E.Keyword):
            return self.tangent_actual(a.value, pre, loc)
        if self.active_ref(a):
            return self.ds.dref(a)
        if not isinstance(a, E.REF_TYPES):
            d = self.tangent_expr(a, self.typer.rank_of(a), loc)
            if d is not None:
                return d         # array-valued expression argument: its tangent, by value
        t = self.typer.type_of(a)
        kind = max(8, t.kind) if t is not None and t.base == "real" else 8
        if isinstance(a, (E.Name, E.Index)):
            sym = self.r.scope.lookup(a.name)
            if sym is not None and not sym.parameter and not sym.procedure:
                key = ("buffer", a.name)
                name = self.ds.adj.get(key)
                if name is None:
                    name = self.ds.like(a.name + "d", sym)
                    self.ds.adj[key] = name
                pre.append(S.Assign(E.Name(name), _zero(kind)))
                return E.Name(name) if isinstance(a, E.Name) else E.Index(name, a.subs)
        tt = t if t is not None and t.base == "real" else REAL8
        name = self.ds.temp("dummyd", tt)
        pre.append(S.Assign(E.Name(name), _zero(kind)))
        return E.Name(name)

    # -- statement lists -------------------------------------------------------------
    def body(self, stmts: list[S.Stmt]) -> list[S.Stmt]:
        out: list[S.Stmt] = []
        for st in stmts:
            out += self.stmt(st)
        return out

    def stmt(self, st: S.Stmt) -> list[S.Stmt]:
        method = getattr(self, "t_" + type(st).__name__, None)
        if method is None:
            raise UnsupportedError(st.loc, f"tangent mode does not support {type(st).__name__.upper()} statements yet")
        return method(st)

    @staticmethod
    def labelled(new: list[S.Stmt], st: S.Stmt) -> list[S.Stmt]:
        """Tangent statements go before the primal one: a label (GOTO target) moves to the first.

        The primal statement is copied, never changed: reverse mode shares the IR.
        """
        if st.label is None or not new or new[0] is st:
            return new
        first = replace(new[0], label=st.label)
        return [first] + [replace(x, label=None) if x is st else x for x in new[1:]]

    # -- simple statements -----------------------------------------------------------
    def _copy(self, st):
        return [st]

    t_Comment = t_Continue = t_Return = t_Stop = t_Exit = t_Cycle = _copy
    t_Goto = t_ComputedGoto = t_ArithmeticIf = _copy

    def t_Raw(self, st: S.Raw):
        """I/O: a value read into an active variable has derivative 0."""
        zeros: list[S.Stmt] = []
        for name in sorted(st.writes):
            if self.active_ref(E.Name(name)):
                sym = self.r.scope.lookup(name)
                if sym is not None and sym.is_array:
                    raise UnsupportedError(st.loc, f"input statement reads into active array '{name}': "
                                                   f"fadj cannot tell which elements lose their derivative")
                zeros.append(S.Assign(self.ds.dref(E.Name(name)), _zero(self.kind_of(E.Name(name)))))
        return [st] + zeros

    def t_Allocate(self, st: S.Allocate):
        """Active arrays get their tangent allocated (and zeroed) or deallocated alongside."""
        items = [i for i in st.items if self.active_ref(i)]
        if not items:
            return [st]
        ditems = [self.ds.dref(i) for i in items]
        if st.deallocate:
            return [S.Allocate(ditems, deallocate=True, loc=st.loc, label=st.label), replace(st, label=None)]
        zeros = [S.Assign(E.Name(E.base_name(d)), _zero(self.kind_of(i))) for d, i in zip(ditems, items)]
        return [st, S.Allocate(ditems, loc=st.loc)] + zeros

    def t_Assign(self, st: S.Assign):
        site = self.cg.site_of.get(st)
        if site is not None:
            return self.call_site(st, site)
        if not self.active_ref(st.lhs):
            return [st]
        rank = self.typer.rank_of(st.lhs)
        d = self.tangent_expr(st.rhs, rank, st.loc)
        if d is None:
            d = _zero(self.kind_of(st.lhs))
        vd = self.ds.dref(st.lhs)
        if d == vd:
            return [st]       # v = v - c: the tangent is unchanged
        return self.labelled([S.Assign(vd, d, loc=st.loc), st], st)

    # -- control flow ------------------------------------------------------------------
    def t_If(self, st: S.If):
        return [S.If([(c, self.body(b)) for c, b in st.branches],
                     self.body(st.else_body) if st.else_body is not None else None,
                     construct_name=st.construct_name, label=st.label, loc=st.loc)]

    def t_SelectCase(self, st: S.SelectCase):
        return [S.SelectCase(st.selector, [(sel, self.body(b)) for sel, b in st.cases],
                             self.body(st.default) if st.default is not None else None,
                             construct_name=st.construct_name, label=st.label, loc=st.loc)]

    def t_Do(self, st: S.Do):
        return [S.Do(st.var, st.start, st.end, st.step, self.body(st.body), construct_name=st.construct_name,
                     label=st.label, loc=st.loc)]

    def t_DoWhile(self, st: S.DoWhile):
        return [S.DoWhile(st.cond, self.body(st.body), construct_name=st.construct_name, label=st.label,
                          loc=st.loc)]

    def t_Where(self, st: S.Where):
        return [S.Where([(m, self.body(b)) for m, b in st.branches],
                        self.body(st.else_body) if st.else_body is not None else None,
                        label=st.label, loc=st.loc)]

    def t_Region(self, st: S.Region):
        """A checkpointed region matters to reverse mode only: here it is its body."""
        return self.body(st.body)

    # -- calls -----------------------------------------------------------------------
    def t_CallStmt(self, st: S.CallStmt):
        site = self.cg.site_of.get(st)
        if site is not None:
            return self.call_site(st, site)
        # intrinsic subroutine (random_number, cpu_time...): what it writes does not depend on
        # the independents, except move_alloc, which moves the tangent along
        active = [a for a in st.args if self.active_ref(a)]
        if not active:
            return [st]
        if st.name == "move_alloc":
            return self.labelled([S.CallStmt("move_alloc", [self.ds.dref(a) for a in st.args], loc=st.loc), st], st)
        return [st] + [S.Assign(self.ds.dref(a), _zero(self.kind_of(a))) for a in active]

    def call_site(self, st: S.Stmt, site: CallSite) -> list[S.Stmt]:
        if not self.ctx.site_active(site):
            return [st]
        pre: list[S.Stmt] = []
        args = self.derivative_args(site, pre)
        callee = site.callee
        name = f"{callee.name}_d" if callee is not None else f"{site.name}_d"
        if callee is not None:
            self.called.add((callee, "d"))
        if not site.is_function:
            return self.labelled(pre + [S.CallStmt(name, args, loc=st.loc)], st)
        # v = f(args)  ->  vd = f_d(args, argsd, v)
        lhs = st.lhs
        if callee is None:
            t = self.typer.type_of(E.Call(site.name, tuple(site.args))) or self.typer.type_of(lhs) or REAL8
            self.ext_functions[name] = t
        elif callee.result_type() is None or not callee.result_type().is_real:
            raise UnsupportedError(st.loc, f"tangent of non-real function '{site.name}' with active arguments "
                                           f"is not supported")
        ltype = self.typer.type_of(lhs) or REAL8
        if self.active_ref(lhs):
            target = self.ds.dref(lhs)
        else:
            target = E.Name(self.ds.temp("dummyd", ltype))
        post: list[S.Stmt] = []
        res = lhs
        if any(E.base_name(a) == E.base_name(lhs) for a in site.args if isinstance(a, E.REF_TYPES)):
            # v = f(v): the primal result must not alias an argument of f_d
            tmp = E.Name(self.ds.temp("res", ltype))
            post.append(S.Assign(lhs, tmp))
            res = tmp
        call = S.Assign(target, E.Call(name, tuple(args + [res])), loc=st.loc)
        return self.labelled(pre + [call] + post, st)

    def derivative_args(self, site: CallSite, pre: list[S.Stmt]) -> list[E.Expr]:
        """Actual arguments of a ``_d`` call: each active formal's actual followed by its tangent."""
        args: list[E.Expr] = []
        callee = site.callee
        if callee is None:
            # external black box: every real argument is followed by its tangent (NAME_d from the user)
            for a in site.args:
                args.append(a)
                t = self.typer.type_of(a)
                if t is not None and t.is_real:
                    args.append(self.tangent_actual(a, pre, site.loc))
            return args
        actuals = map_actuals(site)
        active_f = set(self.act.active_formals(callee))
        keyword = False
        for f in callee.args:
            a = actuals.get(f)
            if a is None:
                keyword = True       # absent optional argument: name the following ones
                continue
            args.append(E.Keyword(f, a) if keyword else a)
            if f in active_f:
                d = self.tangent_actual(a, pre, site.loc)
                args.append(E.Keyword(tangenter(self.ctx, callee).ds.dname(f), d) if keyword else d)
        return args

    # -- routine assembly ----------------------------------------------------------------
    def routine(self) -> DerivRoutine:
        """``foo_d``: the primal with tangent statements; functions return the tangent."""
        if self._routine is not None:
            return self._routine
        r = self.r
        body = self.body(r.body)
        active_f = set(self.act.active_formals(r))
        args: list[str] = []
        for a in r.args:
            args.append(a)
            if a in active_f:
                args.append(self.ds.dname(a))
        kind, result = "subroutine", None
        if r.is_function:
            t = r.result_type()
            if t is None or not t.is_real:
                raise UnsupportedError(r.loc, f"tangent of function '{r.name}' with a non-real result is not supported")
            kind, result = "function", self.ds.dname(r.result)
            args.append(r.result)
        dr = DerivRoutine(f"{r.name}_d", r, kind, args, result=result, module=r.module,
                          body=self.zero_locals() + body, prefix=tuple(p for p in r.prefix if p == "recursive"))
        dr = finish(dr, r, self.ds, self.called, result_is_local=True)
        for name, t in sorted(self.ext_functions.items()):
            dr.externals.append(Symbol(name, type=t, procedure=True))
        self._routine = dr
        return dr

    def zero_locals(self) -> list[S.Stmt]:
        """Tangents of locals start at 0 (a local's value on entry does not depend on the inputs).

        A SAVEd local keeps its value from the previous call, which may depend on that
        call's inputs: its tangent is SAVEd too and not reset.
        """
        out = []
        for name, dn in list(self.ds.adj.items()):
            if not isinstance(name, str):
                continue
            sym = self.r.scope.local(name)
            if sym is None or sym.is_arg or sym.common is not None or sym.module is not None or sym.parameter:
                continue
            if sym.save or (sym.init is not None and not sym.is_result):
                for d in self.ds.symbols:
                    if d.name == dn:
                        d.save = True
                continue
            if sym.allocatable or sym.pointer:
                continue      # zeroed where allocated
            kind = max(8, sym.type.kind) if sym.type else 8
            out.append(S.Assign(E.Name(dn), _zero(kind)))
        return out


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
from fadj.analysis.effects import map_actuals, var_id
from fadj.errors import Loc, UnsupportedError
from fadj.ir import expr as E
from fadj.ir import intrinsics as I
from fadj.ir import stmt as S
from fadj.ir.program import Routine
from fadj.ir.derived import diff_components, diff_type_name, diff_type_spec
from fadj.ir.symbols import Symbol, TypeSpec
from fadj.backend.fortran import expr_str
from fadj.rules.partials import (_guard_is_false, _simplify_merge, contains_active, integer_valued_call, real_kind_of,
                                 template)
from fadj.rules.table import LINEAR, RULES, Rule

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


def _zero_of(t: TypeSpec | None, kind: int) -> E.Expr:
    """0 for a tangent of type ``t``: ``t_diff()`` (zero-initialised components) for a derived type."""
    if t is not None and t.base == "type":
        return E.Call(diff_type_name(t.derived), ())
    return _zero(kind)


def _unshaped(ref: E.Expr) -> E.Expr:
    """The array an ALLOCATE item names: ``a`` for ``a(n, m)``, ``g%a`` for ``g%a(n)``."""
    if isinstance(ref, E.Index):
        return E.Name(ref.name)
    if isinstance(ref, E.Component) and ref.subs:
        return E.Component(ref.base, ref.comp, ())
    return ref


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
    def tangent_expr(self, e: E.Expr, loc: Loc | None) -> E.Expr | None:
        """The tangent of expression ``e``, or None when ``e`` has no active reference."""
        return ForwardRules(self, loc).of(e)

    def tangent_actual(self, a: E.Expr, pre: list[S.Stmt], loc: Loc | None) -> E.Expr:
        """The tangent to pass for actual ``a``: its own, a tangent expression, or a zeroed buffer."""
        if isinstance(a, E.Keyword):
            return self.tangent_actual(a.value, pre, loc)
        if self.active_ref(a):
            return self.ds.dref(a)
        if not isinstance(a, E.REF_TYPES):
            d = self.tangent_expr(a, loc)
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
                pre.append(S.Assign(E.Name(name), _zero_of(sym.type, kind)))
                if isinstance(a, E.Name):
                    pre += self.shaped_zero_parts(a, E.Name(name), sym.type)
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
        """I/O: a value read into an active variable has derivative 0.  A data pointer
        assignment: the tangent pointer points at the target's tangent."""
        if st.kind == "data_pointer":
            out: list[S.Stmt] = [st]
            for p, t in st.data_pointer:
                if p in self.r.storage_groups and self.act.is_active_id(self.r, self.r.storage_groups[p]):
                    pd = self.ds.dname(p)
                    out.append(S.Raw(f"nullify({pd})" if t is None else f"{pd} => {expr_str(self.ds.dref(t))}",
                                     loc=st.loc))
            return out
        zeros: list[S.Stmt] = []
        for name in sorted(st.writes):
            if self.active_ref(E.Name(name)):
                sym = self.r.scope.lookup(name)
                if sym is not None and sym.is_array:
                    raise UnsupportedError(st.loc, f"input statement reads into active array '{name}': "
                                                   f"fadj cannot tell which elements lose their derivative")
                zeros.append(S.Assign(self.ds.dref(E.Name(name)),
                                      _zero_of(self.typer.type_of(E.Name(name)), self.kind_of(E.Name(name)))))
        return [st] + zeros

    def t_Allocate(self, st: S.Allocate):
        """Active arrays get their tangent allocated (and zeroed) or deallocated alongside."""
        items = [i for i in st.items if self.active_ref(i)]
        if not items:
            return [st]
        ditems = [self.ds.dref(i) for i in items]
        if st.deallocate:
            # a module (or SAVEd) array allocated by the primal has no tangent yet
            frees = [S.free_if_allocated(d, st.loc) for d in ditems]
            return [replace(frees[0], label=st.label)] + frees[1:] + [replace(st, label=None)]
        if "source" in st.options.lower().replace(" ", ""):
            raise UnsupportedError(st.loc, "ALLOCATE with SOURCE= of an active array is not supported yet in "
                                           "tangent mode (allocate it, then assign)")
        out: list[S.Stmt] = [st]
        for d, i in zip(ditems, items):
            # a stale tangent (left by an earlier call, or by the primal's own deallocation not
            # being seen) is dropped: the newly allocated array's tangent starts at zero
            out.append(S.free_if_allocated(_unshaped(d), st.loc))
            if _unshaped(i) is not i:
                out.append(S.Allocate([d], loc=st.loc))
            else:      # allocate(a, mold=b): the tangent takes the shape just allocated
                out.append(S.Allocate([d], options=f"mold={expr_str(i)}", loc=st.loc))
            whole = _unshaped(i)
            out.append(S.Assign(_unshaped(d), _zero_of(self.typer.type_of(whole), self.kind_of(whole))))
        return out

    def t_Assign(self, st: S.Assign):
        site = self.cg.site_of.get(st)
        if site is not None:
            return self.call_site(st, site)
        if not self.active_ref(st.lhs):
            return [st]
        d = self.tangent_expr(st.rhs, st.loc)
        shape = []
        vd = self.ds.dref(st.lhs)
        if d is None:
            t = self.typer.type_of(st.lhs)
            d = _zero_of(t, self.kind_of(st.lhs))
            shape = self.shaped_zero_parts(st.lhs, vd, t)
        if d == vd:
            return [st]       # v = v - c: the tangent is unchanged
        return self.labelled([S.Assign(vd, d, loc=st.loc), st] + shape, st)

    def shaped_zero_parts(self, v: E.Expr, vd: E.Expr, t: TypeSpec | None) -> list[S.Stmt]:
        """A derived value set from passive data (``u = field('u', [n, m])``): its tangent's
        allocatable components get the shapes the primal's have, zeroed, so that the code that
        copies or combines them later (``selfd%data = fd%data``) finds them allocated."""
        if t is None or t.base != "type" or self.typer.rank_of(v) > 0:
            return []
        out: list[S.Stmt] = []
        for c in diff_components(self.ctx.prog.types, t.derived):
            if c.allocatable and c.dims:
                part, dpart = E.Component(v, c.name), E.Component(vd, c.name)
                out.append(S.If([(E.Call("allocated", (part,)),
                                  [S.Allocate([dpart], options=f"mold={expr_str(part)}"),
                                   S.Assign(dpart, _zero(c.type.kind if c.type is not None else 8))])], None))
        return out

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
        name = self.ctx.call_name(self.r, callee, "d") if callee is not None else f"{site.name}_d"
        if callee is not None:
            self.called.add((callee, "d"))
        if not site.is_function:
            return self.labelled(pre + [S.CallStmt(name, args, loc=st.loc)], st)
        # v = f(args)  ->  vd = f_d(args, argsd, v)
        lhs = st.lhs
        if callee is None:
            t = self.typer.type_of(E.Call(site.name, tuple(site.args))) or self.typer.type_of(lhs) or REAL8
            self.ext_functions[name] = t
        elif callee.result_type() is None or not (callee.result_type().is_real or callee.result_type().base == "type"):
            raise UnsupportedError(st.loc, f"tangent of non-real function '{site.name}' with active arguments "
                                           f"is not supported")
        ltype = self.typer.type_of(lhs) or REAL8
        if self.active_ref(lhs):
            target = self.ds.dref(lhs)
        else:
            dtype = diff_type_spec(ltype) if ltype.base == "type" else ltype
            target = E.Name(self.ds.temp("dummyd", dtype))
        post: list[S.Stmt] = []
        res = lhs
        lsym = self.r.scope.lookup(E.base_name(lhs)) if isinstance(lhs, E.REF_TYPES) else None
        if lsym is not None and lsym.allocatable and self.typer.rank_of(lhs) > 0:
            pre += self.allocate_result(st, site, lhs)
        if any(E.base_name(a) == E.base_name(lhs) for a in site.args if isinstance(a, E.REF_TYPES)):
            # v = f(v): the primal result must not alias an argument of f_d
            rank = self.typer.rank_of(lhs)
            tmp = E.Name(self.ds.temp("res", ltype, rank))
            if rank:
                pre.append(S.Assign(tmp, lhs))      # an array result: the temporary takes v's shape
            post.append(S.Assign(lhs, tmp))
            res = tmp
        call = S.Assign(target, E.Call(name, tuple(args + [res])), loc=st.loc)
        return self.labelled(pre + [call] + post, st)

    def allocate_result(self, st: S.Stmt, site: CallSite, lhs: E.Expr) -> list[S.Stmt]:
        """``v = f(x)`` reallocates ``v``; ``f_d`` sets ``v`` through an argument, which must be
        allocated first, with the result's shape: an elemental result has the shape of its array
        arguments; an explicit-shape result (``dx(size(x))``) the bounds of its declaration in
        terms of the actual arguments; otherwise a function without side effects is called once
        more as the primal assignment, which allocates ``v``."""
        if site.callee is None:
            raise UnsupportedError(st.loc, f"array result of '{site.name}' assigned to allocatable "
                                           f"'{E.base_name(lhs)}': tangent mode needs it allocated (allocate it first)")
        rs = site.callee.scope.lookup(site.callee.result) if site.callee.result else None
        if rs is not None and rs.allocatable:
            return []       # f_d allocates it, as f allocates its result
        if "elemental" not in site.callee.prefix:
            v = E.Name(E.base_name(lhs))
            bounds = self.result_bounds(site)
            if bounds is not None:
                return [S.free_if_allocated(v),
                        S.Allocate([E.Index(v.name, bounds)])]
            if not self.ctx.effects.summary(site.callee).writes - {var_id(site.callee, site.callee.result)}:
                return [S.Assign(lhs, E.Call(site.name, tuple(site.args)), loc=st.loc)]
            raise UnsupportedError(st.loc, f"array result of '{site.name}' assigned to allocatable "
                                           f"'{E.base_name(lhs)}': its shape is not known before the call and "
                                           f"'{site.name}' has side effects")
        like = next((a for a in site.args if self.typer.rank_of(a) > 0), None)
        if like is None:
            return []
        if isinstance(like, E.Keyword):
            like = like.value
        shape = tuple(E.Call("size", (like, E.IntLit(str(k)))) for k in range(1, self.typer.rank_of(like) + 1))
        v = E.Name(E.base_name(lhs))
        return [S.free_if_allocated(v),
                S.Allocate([E.Index(v.name, shape)])]

    def result_bounds(self, site: CallSite) -> tuple | None:
        """Bounds (``lo:hi`` slices) of an explicit-shape function result in the caller's terms: the
        callee's dummies replaced by the actual arguments; None when anything else is involved."""
        callee = site.callee
        rs = callee.scope.lookup(callee.result) if callee.result else None
        if rs is None or not rs.dims or any(d.kind != "explicit" or d.hi is None for d in rs.dims):
            return None
        actuals = map_actuals(site)
        ok = True

        def subst(n: E.Expr) -> E.Expr:
            nonlocal ok
            if isinstance(n, (E.Name, E.Index)):
                s = callee.scope.lookup(n.name)
                if s is not None and s.is_arg and n.name in actuals and isinstance(n, E.Name):
                    a = actuals[n.name]
                    return a if isinstance(a, (E.Name, E.Index, E.IntLit)) else E.Paren(a)
                if s is not None and s.parameter and s.init is not None:
                    return E.Paren(s.init)
                if not (I.is_intrinsic(n.name) and isinstance(n, E.Index)):
                    ok = False
            return n

        out = []
        for d in rs.dims:
            lo = E.transform(d.lo, subst) if d.lo is not None else B.ONE
            hi = E.transform(d.hi, subst)
            out.append(E.Slice(lo, hi))
        return tuple(out) if ok else None

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
        active_f = set(self.ctx.derivative_formals(r))
        body = self.local_formal_tangents() + body
        args: list[str] = []
        for a in r.args:
            args.append(a)
            if a in active_f:
                args.append(self.ds.dname(a))
        kind, result = "subroutine", None
        if r.is_function:
            t = r.result_type()
            if t is None or not (t.is_real or t.base == "type"):
                raise UnsupportedError(r.loc, f"tangent of function '{r.name}' with a non-real result is not supported")
            kind, result = "function", self.ds.dname(r.result)
            args.append(r.result)
        prefix = tuple(p for p in r.prefix if p == "recursive")
        if "elemental" in r.prefix:
            prefix = ("impure", "elemental")     # sets the primal result through an argument
        entry: list[S.Stmt] = []
        rsym = r.scope.lookup(r.result) if r.is_function else None
        if rsym is not None and rsym.allocatable:
            # the primal result, now an argument, is unallocated on entry as a result would be
            v = E.Name(r.result)
            entry.append(S.free_if_allocated(v))
        dr = DerivRoutine(f"{r.name}_d", r, kind, args, result=result, module=r.module,
                          body=entry + self.zero_locals() + body, prefix=prefix)
        dr = finish(dr, r, self.ds, self.called, result_is_local=True)
        if "elemental" in r.prefix:
            # every dummy of an elemental procedure needs an INTENT; tangents and the result: INOUT
            dargs = set(dr.args)
            dr.symbols = [x.copy(intent=x.intent or "inout", is_arg=True) if x.name in dargs else x
                          for x in dr.symbols]
        for name, t in sorted(self.ext_functions.items()):
            dr.externals.append(Symbol(name, type=t, procedure=True))
        self._routine = dr
        return dr

    def local_formal_tangents(self) -> list[S.Stmt]:
        """The head's active arguments outside --vars/--outvars: local tangents, zero on entry."""
        out: list[S.Stmt] = []
        for a in self.ctx.local_derivative_formals(self.r):
            sym = self.r.scope.local(a)
            dn = self.ds.dname(a)
            self.ds.local_formals.add(dn)
            if sym.dims and any(d.kind == "assumed_size" for d in sym.dims):
                raise UnsupportedError(self.r.loc, f"argument '{a}' of '{self.r.name}' is active but in neither "
                                                   f"--vars nor --outvars, and its size is assumed: name it in "
                                                   f"--vars or --outvars")
            if sym.dims and any(d.kind in ("assumed_shape", "deferred") for d in sym.dims) or sym.allocatable:
                out.append(S.If([(E.UnOp(".not.", E.Call("allocated", (E.Name(dn),))),
                                  [S.Allocate([E.Name(dn)], options=f"mold={a}")])], logical_if=True))
            if sym.type is not None and sym.type.base == "type":
                out.append(S.Assign(E.Name(dn), E.Call(diff_type_name(sym.type.derived), ())))
            else:
                out.append(S.Assign(E.Name(dn), _zero(self.kind_of(E.Name(a)))))
        return out

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
            if sym.type is not None and sym.type.base == "type":
                continue      # t_diff components are default-initialised to zero
            kind = max(8, sym.type.kind) if sym.type else 8
            out.append(S.Assign(E.Name(dn), _zero(kind)))
        return out



class ForwardRules:
    """Forward chain rule over an expression tree, reading the one rule table.

    ``d(f(a, b)) = df/da * da + df/db * db`` with the partials of ``fadj.rules.table``
    (the same templates, guards and defaults reverse mode reads through ``Partials``);
    a reduction (``sum``, ``dot_product``, ``maxval``...) sums its elementwise partial
    times the argument's tangent; a linear array operation (``LINEAR``: matmul, transpose,
    reshape, spread, cshift, eoshift, sum along a dimension) is applied to the tangents of
    its arguments, one at a time.  Walking forward keeps each reduction where it is, so
    ``v = x*sum(x)`` (arrays) gives ``vd = sum(x)*xd + x*sum(xd)``.
    """

    def __init__(self, t: Tangenter, loc: Loc | None):
        self.t = t
        self.typer = t.typer
        self.loc = loc

    def of(self, e: E.Expr) -> E.Expr | None:
        if isinstance(e, E.REF_TYPES):
            return self.t.ds.dref(e) if self.t.active_ref(e) else None
        if not contains_active(e, self.t.active_ref):
            return None
        if isinstance(e, E.Paren):
            return self.of(e.inner)
        if isinstance(e, E.UnOp):
            d = self.of(e.operand)
            if e.op == "-":
                return B.neg(d) if d is not None else None
            return d if e.op == "+" else None
        if isinstance(e, E.BinOp):
            rule = RULES.get(e.op)
            if rule is None:
                return None     # relational, logical: no derivative flows through
            return self.chain(rule, {"a": e.left, "b": e.right}, e, reduce=False)
        if isinstance(e, E.Call):
            return self.call(e)
        if isinstance(e, E.ArrayCtor):
            return E.ArrayCtor(tuple(self.item(it) for it in e.items))
        raise UnsupportedError(self.loc, f"cannot differentiate expression '{expr_str(e)}'")

    def item(self, it: E.Expr) -> E.Expr:
        """Tangent of an array-constructor item (0 of the item's kind when passive)."""
        if isinstance(it, E.ImpliedDo):
            return E.ImpliedDo(tuple(self.item(x) for x in it.items), it.var, it.lo, it.hi, it.step)
        d = self.of(it)
        t = self.typer.type_of(it)
        kind = t.kind if t is not None and t.base == "real" else 8
        if d is None:
            return _zero(kind)
        return d if kind == 8 else E.Call("real", (d, E.IntLit(str(kind))))

    def chain(self, rule: Rule, binding: dict, node: E.Expr, reduce: bool) -> E.Expr | None:
        kind = real_kind_of(node, self.typer)
        out: E.Expr | None = None
        for arg in rule.args:
            child = binding.get(arg)
            if child is None or not contains_active(child, self.t.active_ref):
                continue
            tmpl = rule.partials.get(arg)
            if tmpl is None:
                continue     # ZERO: not differentiable in this argument
            d = self.of(child)
            if d is None:
                continue
            p = _simplify_merge(B.substitute(template(tmpl), binding, kind))
            guard = rule.guards.get(arg)
            if guard is not None:
                g = B.substitute(template(guard), binding, kind)
                if not _guard_is_false(g):
                    p = E.Call("merge", (E.RealLit(f"0.0_{kind}"), p, g))
            term = B.mul(p, d)
            if reduce:
                term = E.Call("sum", (term,))
            out = B.add(out, term)
        return out

    def call(self, e: E.Call) -> E.Expr | None:
        name = I.generic_name(e.name)
        if I.is_intrinsic(e.name) and (e.name in I.INQUIRY or e.name in I.INTEGER_RESULT
                                       or e.name in I.LOGICAL_RESULT or integer_valued_call(e, self.typer)):
            return None
        pos = [a for a in e.args if not isinstance(a, E.Keyword)]
        kw = {a.key: a.value for a in e.args if isinstance(a, E.Keyword)}
        key = name
        if name == "matmul" and len(pos) == 2:
            key = f"matmul{self.typer.rank_of(pos[0])}{self.typer.rank_of(pos[1])}"
        elif name == "sum" and ("dim" in kw or len(pos) > 1):
            key = "sum_dim"
        lin = LINEAR.get(key)
        if lin is not None:
            return self.linear(e, lin, pos, kw)
        rule = RULES.get(name)
        if rule is None:
            if I.is_intrinsic(e.name):
                raise UnsupportedError(self.loc, f"no derivative rule for intrinsic '{e.name}' with an active "
                                                 f"argument")
            raise UnsupportedError(self.loc, f"call of function '{e.name}' inside an active expression was not "
                                             f"normalised")
        if rule.nary and len(pos) > 2:
            # min(a, b, c) = min(min(a, b), c)
            inner = E.Call(e.name, tuple(pos[:-1]))
            return self.chain(rule, {rule.args[0]: inner, rule.args[1]: pos[-1]}, e, reduce=False)
        if "dim" in kw or (name in ("product", "maxval", "minval", "norm2") and len(pos) > 1):
            raise UnsupportedError(self.loc, f"'{e.name}' with a DIM argument on active data is not supported yet")
        binding = {k: template(v) for k, v in rule.defaults.items()}
        for i, a in enumerate(pos):
            if i < len(rule.args):
                binding[rule.args[i]] = a
        binding.update(kw)
        return self.chain(rule, binding, e, reduce=name in I.REDUCTIONS)

    def linear(self, e: E.Call, lin, pos: list[E.Expr], kw: dict) -> E.Expr | None:
        """A linear (or, for matmul, bilinear) operation: the operation on each argument's tangent."""
        named = {lin.args[i]: a for i, a in enumerate(pos) if i < len(lin.args)}
        named.update(kw)
        out: E.Expr | None = None
        for arg in lin.adjoint:
            child = named.get(arg)
            if child is None:
                continue
            d = self.of(child)
            if d is None:
                continue
            args = []
            for i, a in enumerate(e.args):
                key = a.key if isinstance(a, E.Keyword) else (lin.args[i] if i < len(lin.args) else None)
                if key == "boundary":
                    continue     # eoshift: what is shifted in is a constant, its tangent 0
                value = d if key == arg else (a.value if isinstance(a, E.Keyword) else a)
                args.append(E.Keyword(a.key, value) if isinstance(a, E.Keyword) else value)
            out = B.add(out, E.Call(e.name, tuple(args)))
        return out


"""Type-bound procedures, resolved statically: ``call v%scaled(a, w)`` becomes
``call scaled(v, a, w)``, ``v%norm2sq()`` becomes ``norm2sq(v)``, ``u + v`` with a GENERIC
``operator(+) => add`` becomes ``add(u, v)`` and an assignment with a GENERIC ``assignment(=)``
a call.  Each call must name one procedure whatever the object's dynamic type: an object declared
TYPE(t) has t's bindings; one declared CLASS(t) is resolved only where t and every type of the
sources that extends it bind the name to the same procedure (not overridden, or NON_OVERRIDABLE);
otherwise the call needs dynamic dispatch, and that is an error naming it.  After this pass the
call graph and the engines see ordinary calls.  References to the parent part of an extended
type (``s%model%c``) become references to the inherited component (``s%c``).

The object goes where the binding says: first (PASS), as the named dummy (PASS(arg)), or not
at all (NOPASS).  The procedure is made visible where it is called (a USE of its module).
"""
from __future__ import annotations

from fadj.analysis.callgraph import resolve
from fadj.analysis.effects import var_id
from fadj.errors import UnsupportedError
from fadj.frontend.lower_exprs import BOUND
from fadj.ir.derived import ancestors, extensions
from fadj.ir import expr as E
from fadj.ir import stmt as S
from fadj.ir.program import Program, Routine, Use
from fadj.ir.symbols import Symbol
from fadj.ir.typing import Typer
from fadj.ir.visit import map_exprs, map_stmt_exprs


class _Resolver:
    def __init__(self, prog: Program, r: Routine):
        self.prog = prog
        self.r = r
        # user functions' results have their types and ranks (``u * diffx(u)``, diffx an array)
        self.typer = Typer(r.scope, lambda n, args=None: getattr(self._function(n, args), "result_type", lambda: None)(), prog.types,
                           self._function)

    def _function(self, name: str, args=None) -> Routine | None:
        f = resolve(self.prog, self.r, name, list(args)) if args else None
        f = f or resolve(self.prog, self.r, name)
        return f if f is not None and f.is_function else None

    def type_of(self, e: E.Expr):
        t = self.typer.type_of(e)
        if t is not None and t.base == "type":
            return self.prog.types.get(t.derived)
        return None

    def static_binding(self, dt, bname: str, b, obj: E.Expr, loc) -> None:
        """An error naming the call unless every dynamic type ``obj`` may have binds ``bname``
        to ``b``'s procedure (``b``: the binding of ``dt``, the declared type)."""
        from fadj.backend.fortran import expr_str
        t = self.typer.type_of(obj)
        what = f"'%{bname}' of '{expr_str(obj)}'"
        if b.deferred:
            raise UnsupportedError(loc, f"{what} calls a DEFERRED binding of type '{dt.name}': it needs dynamic "
                                        f"dispatch, which is not supported (fadj resolves type-bound calls statically)")
        if t is not None and t.poly:
            for ext in extensions(self.prog.types, dt.name):
                et = self.prog.types[ext]
                eb = et.bindings.get(bname)
                if not et.abstract and eb is not None and eb.procedure != b.procedure:
                    raise UnsupportedError(loc, f"{what}, declared CLASS({dt.name}), calls '{b.procedure}' or, for type "
                                                f"'{ext}', '{eb.procedure or 'a deferred binding'}': dynamic dispatch "
                                                f"is not supported (fadj resolves type-bound calls statically)")

    def procedure(self, dt, name: str, loc) -> Routine:
        r = None
        for owner in [dt.name] + ancestors(self.prog.types, dt.name):    # inherited: the parent's module
            t = self.prog.types[owner]
            mod = self.prog.modules.get(t.module) if t.module else None
            r = next((x for x in mod.routines if x.name == name), None) if mod is not None else self.prog.routine(name)
            if r is not None:
                break
        if r is None:
            raise UnsupportedError(loc, f"procedure '{name}' bound to type '{dt.name}' is not in the sources")
        self.visible(r)
        return r

    def visible(self, proc: Routine) -> None:
        """Make ``proc`` callable by its name in the routine (and in its derivative routines)."""
        if proc.module is None or proc.module == self.r.module:
            return
        s = self.r.scope.lookup(proc.name)
        if s is not None and s.module == proc.module:
            return
        if s is not None:
            raise UnsupportedError(self.r.loc, f"'{proc.name}' (bound to a type) is hidden by another '{proc.name}' in "
                                               f"'{self.r.name}'")
        self.r.uses.append(Use(proc.module, [proc.name]))
        self.r.scope.add(Symbol(proc.name, procedure=True, module=proc.module, loc=self.r.loc))

    def bound_call(self, bname: str, obj: E.Expr, rest: list[E.Expr], loc) -> tuple[str, list[E.Expr]]:
        dt = self.type_of(obj)
        if dt is None:
            raise UnsupportedError(loc, f"'%{bname}' on an object whose type fadj does not know")
        if bname in dt.proc_pointers:
            return BOUND + bname, [obj] + rest          # a procedure pointer: resolve_procedure_pointers
        name, b = bname, dt.bindings.get(bname)
        if b is None and bname in dt.generics:
            specifics = [(n, dt.bindings[n]) for n in dt.generics[bname] if n in dt.bindings]
            name, b = next(((n, s) for n, s in specifics if len(self.procedure(dt, s.procedure, loc).args) ==
                            len(rest) + (0 if s.pass_arg is None else 1)), (bname, None))
        if b is None:
            raise UnsupportedError(loc, f"type '{dt.name}' has no type-bound procedure '{bname}'")
        self.static_binding(dt, name, b, obj, loc)
        proc = self.procedure(dt, b.procedure, loc)
        if b.pass_arg is None:
            return proc.name, rest
        k = 0 if b.pass_arg == "" else (proc.args.index(b.pass_arg) if b.pass_arg in proc.args else -1)
        if k < 0:
            raise UnsupportedError(loc, f"PASS({b.pass_arg}) of '{bname}': '{proc.name}' has no such argument")
        positional = [a for a in rest if not isinstance(a, E.Keyword)]
        if k <= len(positional) and all(not isinstance(a, E.Keyword) for a in rest[:k]):
            return proc.name, rest[:k] + [obj] + rest[k:]
        return proc.name, rest + [E.Keyword(proc.args[k], obj)]

    def pointer_names(self, obj: E.Expr) -> dict:
        dt = self.type_of(obj)
        return dt.proc_pointers if dt is not None else {}

    def operator(self, e: E.BinOp, loc) -> E.Expr:
        for side in (e.left, e.right):
            dt = self.type_of(side)
            if dt is None:
                continue
            names = dt.generics.get(f"operator({e.op})") or dt.generics.get(f"operator({_dotted(e.op)})")
            for n in names or ():
                b = dt.bindings.get(n)
                if b is None or b.deferred:
                    continue
                proc = self.procedure(dt, b.procedure, loc)
                if self._matches(proc, [e.left, e.right]):
                    self.static_binding(dt, n, b, side, loc)
                    return E.Call(proc.name, (e.left, e.right))
        return e

    def _matches(self, proc: Routine, actuals: list[E.Expr]) -> bool:
        """Whether ``proc`` is the specific of a generic that takes ``actuals``: type, kind and
        rank of each (as the compiler picks it; an elemental specific takes any rank)."""
        if len(proc.args) != len(actuals):
            return False
        elemental = "elemental" in proc.prefix
        for f, a in zip(proc.args, actuals):
            fs, at = proc.scope.local(f), self.typer.type_of(a)
            if fs is None:
                continue
            if not elemental and fs.rank != self.typer.rank_of(a):
                return False
            if fs.type is None or at is None:
                continue
            if fs.type.base != at.base or (fs.type.base == "type" and fs.type.derived != at.derived):
                return False
            if fs.type.base in ("real", "complex", "integer") and not _kind_agrees(fs.type, at, a):
                return False
        return True

    def expr(self, e: E.Expr, loc) -> E.Expr:
        def fn(n: E.Expr) -> E.Expr:
            if isinstance(n, E.Component) and isinstance(n.base, E.Component) and not n.base.subs:
                dt = self.type_of(n.base.base)
                if dt is not None and n.base.comp not in dt.components and n.base.comp in ancestors(self.prog.types, dt.name):
                    n = E.Component(n.base.base, n.comp, n.subs)      # s%model%c is s%c
            if isinstance(n, E.Call) and n.name.startswith(BOUND):
                if n.name[1:] in self.pointer_names(n.args[0]):
                    return n
                name, args = self.bound_call(n.name[1:], n.args[0], list(n.args[1:]), loc)
                return E.Call(name, tuple(args))
            if isinstance(n, E.Component):
                dt = self.type_of(n.base)
                if dt is not None and n.comp not in dt.components and n.comp in dt.bindings | dt.generics:
                    name, args = self.bound_call(n.comp, n.base, list(n.subs), loc)
                    return E.Call(name, tuple(args))
            if isinstance(n, E.BinOp):
                return self.operator(n, loc)
            return n
        return E.transform(e, fn)

    def body(self, stmts: list[S.Stmt]) -> list[S.Stmt]:
        out: list[S.Stmt] = []
        for st in stmts:
            for b in st.bodies():
                b[:] = self.body(b)
            if isinstance(st, S.CallStmt) and st.name.startswith(BOUND):
                args = [self.expr(a, st.loc) for a in st.args]
                if st.name[1:] in self.pointer_names(args[0]):
                    st.args = args
                else:
                    st.name, st.args = self.bound_call(st.name[1:], args[0], args[1:], st.loc)
            elif isinstance(st, S.Assign):
                dt = self.type_of(st.lhs)
                names = dt.generics.get("assignment(=)") if dt is not None else None
                if names:
                    rhs = self.expr(st.rhs, st.loc)
                    for n in names:
                        if dt.bindings[n].deferred:
                            continue
                        proc = self.procedure(dt, dt.bindings[n].procedure, st.loc)
                        if self._matches(proc, [st.lhs, rhs]):
                            self.static_binding(dt, n, dt.bindings[n], st.lhs, st.loc)
                            st = S.CallStmt(proc.name, [st.lhs, rhs], loc=st.loc, label=st.label,
                                            directives=st.directives)
                            break
            out.append(st)
        for st in S.walk_stmts(out):
            map_stmt_exprs(st, lambda e, loc=st.loc: self.expr(e, loc))
        return out


def _bodies(body: list[S.Stmt]):
    """``body`` and every statement list nested in it."""
    yield body
    for st in body:
        for b in st.bodies():
            yield from _bodies(b)


def _never_set(prog: Program, res: _Resolver, targets: dict, st: S.CallStmt) -> bool:
    """A call through a procedure-pointer component that no pointer assignment of the sources
    (nor a procedure argument passed on to one) gives a target."""
    dt = res.type_of(st.args[0]) if st.args else None
    comp = st.name[1:]
    return dt is not None and comp in dt.proc_pointers and not targets.get((_declaring(prog, dt, comp), comp))


def _declaring(prog: Program, dt, comp: str) -> str:
    """The type that declares procedure-pointer component ``comp`` (``dt`` or an ancestor): a
    pointer set through an extension's object is the same component."""
    for a in ancestors(prog.types, dt.name)[::-1]:
        if comp in prog.types[a].proc_pointers:
            return a
    return dt.name


def _kind_agrees(formal, actual, a: E.Expr) -> bool:
    """The actual's kind is the formal's; a literal without a kind suffix is taken as agreeing
    (fadj's typer gives it the default kind, promotion flags may widen it)."""
    if isinstance(a, (E.RealLit, E.IntLit)) and "_" not in a.text:
        return True
    return formal.kind == actual.kind


def _dotted(op: str) -> str:
    return {"==": ".eq.", "/=": ".ne.", "<": ".lt.", "<=": ".le.", ">": ".gt.", ">=": ".ge."}.get(op, op)


def resolve_bindings(prog: Program) -> None:
    """Resolve every type-bound reference of ``prog`` (see the module doc)."""
    if not any(t.bindings or t.generics or t.proc_pointers or t.parent for t in prog.types.values()):
        return
    for r in list(prog.order):
        try:
            r.body = _Resolver(prog, r).body(r.body)
        except UnsupportedError as err:
            # dynamic dispatch (or a binding fadj cannot resolve): an error if the head reaches it
            r.defer(err)


def resolve_procedure_pointers(prog: Program, resolve) -> set:
    """Calls through procedure-pointer components (``call s%rhs(y, dy)``, the way object-oriented
    solvers reach the user's right-hand side) become calls of the one procedure the sources ever
    point that component to (``s%rhs => decay``, after procedure arguments are specialised, so
    that a solver's ``initialize(me, f)`` setting ``me%rhs => f`` counts).  None, or more than
    one: an error naming the component.  Returns the routines changed."""
    targets: dict[tuple, set] = {}
    for r in prog.order:
        typer = Typer(r.scope, types=prog.types)
        for st in S.walk_stmts(r.body):
            pp = getattr(st, "proc_pointer", None)
            if pp is None:
                continue
            obj, comp, target = pp
            if obj is None:
                # a procedure pointer variable (``rhs => lorenz``), keyed by its storage
                if target is None:
                    continue       # nullified
                proc = resolve(prog, r, target, None)
                if proc is None:
                    raise UnsupportedError(st.loc, f"'{target}' pointed to by '{comp}' is not a procedure of the "
                                                   f"sources")
                targets.setdefault(("", var_id(r, comp)), set()).add(proc)
                continue
            t = typer.type_of(obj)
            dt = prog.types.get(t.derived) if t is not None and t.base == "type" else None
            if dt is None or comp not in dt.proc_pointers:
                raise UnsupportedError(st.loc, f"pointer assignment is not supported ('{st.text[:60]}')")
            if target is None:
                continue        # nullified
            proc = resolve(prog, r, target, None)
            if proc is None:
                s = r.scope.lookup(target)
                if s is not None and s.is_arg:
                    continue            # a procedure argument: its specialised copies say which
                raise UnsupportedError(st.loc, f"'{target}' pointed to by '{comp}' is not a procedure of the sources")
            targets.setdefault((_declaring(prog, dt, comp), comp), set()).add(proc)
    changed = set()
    for r in list(prog.order):
        res = _Resolver(prog, r)

        def fix_var(name: str, loc) -> str | None:
            """A call through a procedure pointer variable: the one procedure it points to."""
            sym = r.scope.lookup(name)
            if sym is None or not (sym.procedure and sym.pointer):
                return None
            procs = targets.get(("", var_id(r, name)), set())
            if len(procs) != 1:
                what = "never points to a procedure of the sources" if not procs else \
                    f"points to {len(procs)} procedures ({', '.join(sorted(p.name for p in procs))})"
                raise UnsupportedError(loc, f"procedure pointer '{name}' {what}: fadj needs the one it calls")
            proc = next(iter(procs))
            res.visible(proc)
            return proc.name

        def fix(name: str, args: list, loc) -> tuple[str, list] | None:
            dt = res.type_of(args[0])
            comp = name[1:]
            if dt is None or comp not in dt.proc_pointers:
                return None
            procs = targets.get((_declaring(prog, dt, comp), comp), set())
            if len(procs) != 1:
                what = "never points to a procedure of the sources" if not procs else \
                    f"points to {len(procs)} procedures ({', '.join(sorted(p.name for p in procs))})"
                raise UnsupportedError(loc, f"procedure-pointer component '{comp}' of type '{dt.name}' {what}: "
                                            f"fadj needs the one it calls")
            proc = next(iter(procs))
            res.visible(proc)
            b = dt.proc_pointers[comp]
            rest = args[1:]
            if b.pass_arg is None:
                return proc.name, rest
            k = 0 if b.pass_arg == "" else proc.args.index(b.pass_arg)
            return proc.name, rest[:k] + [args[0]] + rest[k:]

        hit = False
        for body in _bodies(r.body):
            for i, st in enumerate(body):
                if isinstance(st, S.CallStmt) and st.name.startswith(BOUND) and _never_set(prog, res, targets, st):
                    # nothing in the sources points it anywhere: the primal cannot make this call
                    # either (a null procedure pointer), so the derivative stops loudly if it is reached
                    where = f"{st.loc.file.rsplit('/', 1)[-1]}:{st.loc.line}" if st.loc is not None else ""
                    body[i] = S.Stop(f"error stop 'fadj: {where}: null procedure pointer %{st.name[1:]}'"[:120],
                                     loc=st.loc, label=st.label)
                    hit = True
        for st in S.walk_stmts(r.body):
            if isinstance(st, S.CallStmt) and st.name.startswith(BOUND):
                got = fix(st.name, st.args, st.loc)
                if got is not None:
                    st.name, st.args = got[0], got[1]
                    hit = True
            elif isinstance(st, S.CallStmt):
                got_name = fix_var(st.name, st.loc)
                if got_name is not None:
                    st.name = got_name
                    hit = True

        def fn(e: E.Expr) -> E.Expr:
            nonlocal hit
            if isinstance(e, E.Call) and not e.name.startswith(BOUND):
                got_name = fix_var(e.name, r.loc)
                if got_name is not None:
                    hit = True
                    return E.Call(got_name, e.args)
            if isinstance(e, E.Call) and e.name.startswith(BOUND):
                got = fix(e.name, list(e.args), r.loc)
                if got is not None:
                    hit = True
                    return E.Call(got[0], tuple(got[1]))
            return e
        map_exprs(r.body, lambda e: E.transform(e, fn))
        if hit:
            changed.add(r)
    return changed

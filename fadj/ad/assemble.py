"""Filling in a derivative routine's declarations, COMMONs and USEs.

Shared by both engines: the derivative routine redeclares what the primal
routine declares (so the copied primal statements compile unchanged, with
``implicit none``), plus the derivative variables and temporaries, the
derivative COMMON blocks, and USEs of the ``_diff`` modules whose routines or
variables it refers to.
"""
from __future__ import annotations

from fadj.ad.alloc_save import AllocSaver
from fadj.ad.deriv import DerivRoutine
from fadj.ad.dscope import DerivScope, diff_module_name
from fadj.analysis.equivalence import derivative_equivalences
from fadj.ir import expr as E
from fadj.ir import intrinsics as I
from fadj.ir.program import Routine, Use
from fadj.ir.symbols import Symbol


def primal_symbols(r: Routine, args: list[str], result_is_local: bool) -> tuple[list[Symbol], list[Symbol]]:
    """(data symbols, typed external functions) of ``r`` to redeclare."""
    out: list[Symbol] = []
    externals: list[Symbol] = []
    argset = set(args)
    passed = _procedures_passed(r)
    for s in r.scope.symbols.values():
        if s.module is not None and not s.is_arg:
            continue      # use-associated: the copied USE statements provide it
        if s.procedure:
            if s.name == r.name and not r.is_function:
                continue
            if s.intrinsic or (I.is_intrinsic(s.name) and not s.external) or I.from_passive_module(r, s.name):
                continue
            if any(ir.name == s.name for ir in r.internals):
                continue
            if s.type is not None or (s.external and s.name in passed):
                externals.append(s)     # typed functions, and EXTERNAL names passed as arguments
            continue
        if s.is_result and not s.is_arg:
            if result_is_local:
                out.append(s.copy(is_result=False, is_arg=False, intent=None))
            continue
        if s.intrinsic:
            continue
        if s.is_arg and s.name not in argset:
            continue
        c = s.copy()
        if c.is_arg and c.intent not in (None, "in"):
            c.intent = None          # derivative routines read and restore their outputs
        out.append(c)
    return out, externals


def _procedures_passed(r: Routine) -> set[str]:
    """Names passed as whole actual arguments in ``r`` (procedures among them need EXTERNAL)."""
    from fadj.ir import expr as E
    from fadj.ir.stmt import CallStmt, walk_stmts
    out: set[str] = set()
    for st in walk_stmts(r.body):
        if isinstance(st, CallStmt):
            out |= {a.name for a in st.args if isinstance(a, E.Name)}
    return out


def finish(dr: DerivRoutine, r: Routine, ds: DerivScope, called: set[tuple[Routine, str]],
           result_is_local: bool = True) -> DerivRoutine:
    # derivatives of active EQUIVALENCE storage share it as the values do (declared first)
    deq = derivative_equivalences(r, ds.dname, lambda vid: ds.ctx.activity.is_active_id(r, vid)) \
        if r.equivalences and r.storage_groups else []
    syms, externals = primal_symbols(r, [a for a in dr.args], result_is_local)
    if dr.kind == "function" and dr.result is not None:
        syms = [s.copy(is_result=True) if s.name == dr.result else s for s in syms]
    declared = {s.name for s in syms}
    # derivatives of dummy arguments that this version does not take (e.g. a _fwd half)
    unused = {ds.adj[a] for a in r.args if a in ds.adj and ds.adj[a] not in dr.args} - ds.local_formals
    for s in ds.symbols:
        if s.name in unused:
            continue
        if s.name in ds.local_formals:
            s = _local_copy(s)
        if s.name not in declared:
            syms.append(s)
            declared.add(s.name)
    for a in dr.args:
        if a not in declared:
            raise AssertionError(f"argument {a} of {dr.name} is not declared")
    argset = set(dr.args)
    syms = [s_.copy(optional=False) if s_.optional and s_.name not in argset else s_ for s_ in syms]
    dr.symbols = syms
    dr.externals = externals
    dr.commons = dict(r.commons)
    dr.commons.update(ds.commons)
    dr.data = [text for _, text in r.equivalences] + deq + list(r.data)
    uses = [Use(u.module, list(u.only) if u.only is not None else None, dict(u.renames)) for u in r.uses]
    uses += ds.uses
    # derivative module variables
    for mod, aliases in sorted(ds.diff_uses.items()):
        if mod == r.module:
            # same module: the _diff module itself holds them; rename only if needed
            continue
        only = []
        ren = {}
        for alias, var in sorted(aliases.items()):
            only.append(alias)
            if alias != var:
                ren[alias] = var
        uses.append(Use(diff_module_name(mod), only, ren))
    # derivative routines of other modules
    by_mod: dict[str, dict[str, str]] = {}
    for callee, version in sorted(called, key=lambda cv: (cv[0].name, cv[1])):
        if callee.module is not None and callee.module != r.module:
            local = ds.ctx.call_name(r, callee, version)
            by_mod.setdefault(callee.module, {})[local] = f"{callee.name}_{version}"
    for mod, names in sorted(by_mod.items()):
        uses.append(Use(diff_module_name(mod), sorted(names), {k: v for k, v in names.items() if k != v}))
    # derivative types of other modules
    for tname in sorted(ds.diff_types):
        t = ds.ctx.prog.types.get(tname)
        if t is not None and t.module is not None and t.module != r.module:
            uses.append(Use(diff_module_name(t.module), [f"{tname}_diff"]))
    uses.append(Use("fadj_stack"))
    dr.uses = uses
    allocation_aware_stack_ops(dr, r, ds)
    _pointers_are_associated(dr, r, ds)
    # typed external derivative functions (split halves of external functions)
    for callee, version in called:
        if callee.module is None and callee.host is None and callee.is_function and version in ("fwd", "d"):
            t = callee.result_type()
            dr.externals.append(Symbol(f"{callee.name}_{version}", type=t, procedure=True))
    return dr



def _pointers_are_associated(dr: DerivRoutine, r: Routine, ds: DerivScope) -> None:
    """``allocated(p)`` of a POINTER variable (one the code ALLOCATEs like an allocatable)
    is ``associated(p)``: the engines write the allocatable form for both."""
    from fadj.ir.visit import map_exprs
    pointers = {s_.name for s_ in dr.symbols if s_.pointer and not s_.allocatable}
    types = ds.ctx.prog.types
    if not pointers and not any(c.alloc_pointer for t in types.values() for c in t.components.values()):
        return
    local = {s_.name: s_ for s_ in dr.symbols}

    def type_name(ref: E.Expr) -> str | None:
        """The derived type of a reference of the derivative routine (a derivative variable is
        typed like its primal: ``t_diff`` components have the primal's names)."""
        if isinstance(ref, (E.Name, E.Index)):
            s_ = local.get(ref.name) or r.scope.lookup(ref.name)
            t = s_.type if s_ is not None else None
        elif isinstance(ref, E.Component):
            base = type_name(ref.base)
            c = types[base].components.get(ref.comp) if base in types else None
            t = c.type if c is not None else None
        else:
            return None
        if t is None or t.base != "type":
            return None
        return t.derived[:-5] if t.derived.endswith("_diff") and t.derived[:-5] in types else t.derived

    def is_pointer(ref: E.Expr) -> bool:
        if isinstance(ref, E.Name):
            return ref.name in pointers
        if isinstance(ref, E.Component) and not ref.subs:
            base = type_name(ref.base)
            c = types[base].components.get(ref.comp) if base in types else None
            return c is not None and c.alloc_pointer
        return False

    def fn(e: E.Expr) -> E.Expr:
        if isinstance(e, E.Call) and e.name == "allocated" and len(e.args) == 1 and is_pointer(e.args[0]):
            return E.Call("associated", e.args)
        return e
    map_exprs(dr.body, lambda e: E.transform(e, fn))


def _local_copy(s: Symbol) -> Symbol:
    """A derivative shaped like a dummy argument, declared as a local: explicit shapes stay
    (automatic arrays), assumed shapes become allocatable."""
    from dataclasses import replace

    from fadj.ir.symbols import Dim
    if s.type is not None and s.type.poly and not (s.allocatable or s.pointer):
        s = s.copy(type=replace(s.type, poly=False))      # a local of the declared type
    if s.dims and any(d.kind in ("assumed_shape", "deferred") for d in s.dims):
        return s.copy(is_arg=False, intent=None, optional=False,
                      dims=tuple(Dim(None, None, "deferred") for _ in s.dims), allocatable=True)
    return s.copy(is_arg=False, intent=None, optional=False)


def allocation_aware_stack_ops(dr: DerivRoutine, r: Routine, ds: DerivScope) -> None:
    """Whole allocatable arrays are saved with their allocation status and bounds (alloc_save)."""
    local = {s.name: s for s in dr.symbols}
    types = ds.ctx.prog.types

    def rank(ref) -> int:
        from fadj.ir import expr as E
        if isinstance(ref, E.Component):
            t = _type_of_base(ref.base)
            c = types[t].components.get(ref.comp) if t in types else None
            return len(c.dims) if c is not None and c.allocatable and c.dims else 0
        sym = local.get(ref.name) or r.scope.lookup(ref.name)
        return len(sym.dims) if sym is not None and sym.allocatable and sym.dims else 0

    def _type_of_base(base) -> str | None:
        t = ds.ctx.typer(r).type_of(base)
        if t is None:                     # a derivative variable (fb%c): typed like its primal
            from fadj.ir import expr as E
            sym = local.get(E.base_name(base))
            t = sym.type if sym is not None else None
            if t is not None and t.base == "type" and t.derived.endswith("_diff"):
                return t.derived[:-5]
        return t.derived if t is not None and t.base == "type" else None

    def scalar_dummy(name: str):
        sym = local.get(name)
        if sym is None or not sym.is_arg or sym.dims or sym.allocatable or sym.pointer or sym.type is None \
                or sym.type.base not in ("real", "integer", "logical"):
            return None
        return sym.type

    saver = AllocSaver(rank, lambda base: ds.names.fresh(base, numbered=False), scalar_dummy)
    dr.body = saver.body(dr.body)
    dr.symbols = dr.symbols + saver.symbols


def primal_copy(r: Routine) -> DerivRoutine:
    """The (normalised) primal routine itself, for placing inside a derivative host: internal
    procedures are not reachable from outside their host, so the host's derivative routines
    carry their own copy."""
    dr = DerivRoutine(r.name, r, r.kind, list(r.args), result=r.result if r.result != r.name else None,
                      body=r.body, prefix=r.prefix)
    syms, externals = primal_symbols(r, list(r.args), result_is_local=True)
    for s_ in syms:
        if s_.is_arg and s_.intent is None:
            pass
    dr.symbols = syms
    dr.externals = externals
    dr.commons = dict(r.commons)
    dr.data = [text for _, text in r.equivalences] + list(r.data)
    dr.uses = [Use(u.module, list(u.only) if u.only is not None else None, dict(u.renames)) for u in r.uses]
    return dr

"""Names and declarations of one derivative routine.

Both engines ask this object for the derivative name of a variable (``x`` ->
``xb`` / ``xd``, renamed only on a clash), for temporaries, and for access to
globals the primal routine never mentions (a COMMON block or module variable
that only a callee touches but that a snapshot must save).  It records every
symbol, COMMON block and USE the derivative routine must declare.
"""
from __future__ import annotations

from dataclasses import replace

from fadj.ad.deriv import NameAllocator, visible_names
from fadj.analysis.effects import is_global_id, var_id
from fadj.errors import UnsupportedError
from fadj.ir import expr as E
from fadj.ir.program import Routine, Use
from fadj.ir.symbols import INTEGER, Dim, Symbol, TypeSpec


def diff_module_name(module: str) -> str:
    return f"{module}_diff"


def diff_common_name(block: str, suffix: str) -> str:
    return f"{block}_{suffix}" if block else f"fadj_blank_{suffix}"


class DerivScope:
    def __init__(self, ctx, r: Routine, suffix: str):
        self.ctx = ctx
        self.r = r
        self.suffix = suffix                   # 'b' (reverse) or 'd' (tangent)
        self.names = NameAllocator(visible_names(r) | {f"{r.name}_b", f"{r.name}_d"})
        self.adj: dict[str, str] = {}          # primal local name -> derivative name
        self.symbols: list[Symbol] = []        # derivative symbols and temporaries
        self.uses: list[Use] = []
        self.commons: dict[str, list[str]] = {}
        self.global_alias: dict[str, str] = {}  # global id -> local name (imported)
        self.diff_uses: dict[str, dict[str, str]] = {}   # module -> {local alias: diff var name}
        self._temps: dict[tuple, list[str]] = {}
        self.diff_types: set[str] = set()      # t_diff types this routine uses
        self.local_formals: set[str] = set()   # derivatives of the head's arguments kept local

    # -- derivative names ------------------------------------------------------
    def dname(self, name: str) -> str:
        """Derivative variable of primal variable ``name`` (declared on first use)."""
        if name in self.adj:
            return self.adj[name]
        sym = self.r.scope.lookup(name)
        vid = var_id(self.r, name)
        if sym is not None and sym.module is not None and not sym.procedure and is_global_id(vid):
            dn = self.names.fresh(name + self.suffix)
            self.adj[name] = dn
            mod = sym.module
            diff_var = (sym.use_name or sym.name) + self.suffix
            self.diff_uses.setdefault(mod, {})[dn] = diff_var
            self.ctx.needed_module_globals.setdefault(mod, set()).add(sym.use_name or sym.name)
            return dn
        if sym is not None and sym.common is not None:
            self._declare_diff_common(sym.common)
            return self.adj[name]
        dn = self.names.fresh(name + self.suffix)
        self.adj[name] = dn
        if sym is not None:
            self.symbols.append(derivative_symbol(sym, dn, self.r))
            self._note_type(sym)
        return dn

    def _note_type(self, sym: Symbol) -> None:
        """Derivative types (``t_diff``) this routine declares variables of, and their components'."""
        from fadj.ir.derived import diff_components, diff_parent
        t = sym.type
        if t is None or t.base != "type":
            return
        todo = [t.derived]
        while todo:
            name = todo.pop()
            if name in self.ctx.needed_types:
                continue
            if name not in self.ctx.prog.types:
                raise UnsupportedError(sym.loc, f"derived type '{name}' is not defined in the given sources")
            self.ctx.needed_types.add(name)
            self.diff_types.add(name)
            for c in diff_components(self.ctx.prog.types, name):
                if c.type is not None and c.type.base == "type":
                    todo.append(c.type.derived)
            p = diff_parent(self.ctx.prog.types, name)
            if p is not None:
                todo.append(p)
        self.diff_types.add(t.derived)

    def dref(self, ref: E.Expr) -> E.Expr:
        if isinstance(ref, E.Name):
            return E.Name(self.dname(ref.name))
        if isinstance(ref, E.Index):
            return E.Index(self.dname(ref.name), ref.subs)
        if isinstance(ref, E.Component):
            return E.Component(self.dref(ref.base), ref.comp, ref.subs)
        raise UnsupportedError(None, f"no derivative for reference '{ref}'")

    def _declare_diff_common(self, block: str) -> None:
        dblock = diff_common_name(block, self.suffix)
        if dblock in self.commons:
            return
        members = self.r.commons.get(block)
        owner = self.r
        if members is None:
            # declared in the host (internal procedure)
            h = self.r.host
            while h is not None and block not in h.commons:
                h = h.host
            if h is None:
                raise UnsupportedError(self.r.loc, f"COMMON /{block}/ layout not found")
            members, owner = h.commons[block], h
        dnames = []
        for m in members:
            dn = self.names.fresh(m + self.suffix)
            self.adj[m] = dn
            msym = owner.scope.lookup(m)
            self.symbols.append(derivative_symbol(msym, dn, owner, keep_common=False))
            dnames.append(dn)
        self.commons[dblock] = dnames
        self.ctx.needed_commons.add(block)

    # -- temporaries -------------------------------------------------------------
    def temp(self, base: str, t: TypeSpec, rank: int = 0) -> str:
        """A fresh temporary (scalar, or allocatable array of ``rank``)."""
        name = self.names.fresh(base, numbered=False)
        if t.poly:
            t = replace(t, poly=False)       # a temporary is of the declared type
        dims = tuple(Dim(None, None, "deferred") for _ in range(rank)) if rank else None
        self.symbols.append(Symbol(name, type=t, dims=dims, allocatable=bool(rank)))
        if t.base == "type" and t.derived.endswith("_diff") and t.derived[:-5] in self.ctx.prog.types:
            self._note_type(Symbol(name, type=TypeSpec("type", 0, derived=t.derived[:-5])))
        return name

    def int_temp(self, base: str, t: TypeSpec | None = None) -> str:
        return self.temp(base, t or INTEGER)

    def like(self, base: str, sym: Symbol) -> str:
        """A local with the same type and shape as ``sym`` (adjoint buffers)."""
        name = self.names.fresh(base)
        s = derivative_symbol(sym, name, self.r)
        if s.type is not None and s.type.poly:
            s = s.copy(type=replace(s.type, poly=False))
        self.symbols.append(s)
        self._note_type(sym)
        return name

    # -- globals -----------------------------------------------------------------
    def global_ref(self, vid: str) -> E.Expr:
        """A reference to global ``vid`` usable in this routine (imported if needed)."""
        for s in self._scope_chain():
            if not s.procedure and var_id(self.r, s.name) == vid:
                return E.Name(s.name)
        if vid in self.global_alias:
            return E.Name(self.global_alias[vid])
        if vid.startswith("/"):
            _, block, idx = vid.split("/")
            layout = self.ctx.common_layouts.get(block)
            if layout is None:
                raise UnsupportedError(self.r.loc, f"COMMON /{block}/ layout not found")
            owner, members = layout
            local = []
            for i, m in enumerate(members):
                nm = self.names.fresh(f"fadj_{block or 'blank'}_{m}")
                msym = owner.scope.lookup(m)
                self.symbols.append(msym.copy(name=nm, intent=None, is_arg=False, common=None, save=False,
                                              init=None, dims=self._dims_here(msym.dims, owner)))
                local.append(nm)
                self.global_alias[f"/{block}/{i}"] = nm
            self.commons[block] = local
            return E.Name(self.global_alias[vid])
        mod, name = vid.split("::", 1)
        if mod in self.ctx.prog.modules:
            alias = self.names.fresh(name)
            self.uses.append(Use(mod, only=[alias], renames={alias: name} if alias != name else {}))
            self.global_alias[vid] = alias
            return E.Name(alias)
        raise UnsupportedError(self.r.loc, f"cannot access '{name}' of '{mod}' from derivative of '{self.r.name}'")

    def _dims_here(self, dims, owner: Routine):
        """Bounds declared in ``owner`` (PARAMETERs of its INCLUDEd header, say), usable here: folded
        to integers; PARAMETERs that cannot be folded are declared here too."""
        if not dims:
            return dims
        from fadj.ir.consts import try_int

        def lookup(name):
            s = owner.scope.lookup(name)
            return s.init if s is not None and s.parameter else None

        def here(e):
            if e is None:
                return None
            v = try_int(e, lookup)
            if v is not None:
                return E.IntLit(str(v)) if v >= 0 else E.UnOp("-", E.IntLit(str(-v)))
            for n in E.walk(e):
                if isinstance(n, E.Name) and self.r.scope.lookup(n.name) is None:
                    s = owner.scope.lookup(n.name)
                    if s is not None and s.parameter and all(x.name != n.name for x in self.symbols):
                        self.symbols.append(s.copy(is_arg=False, common=None))
            return e
        return tuple(Dim(here(d.lo), here(d.hi), d.kind) for d in dims)

    def _scope_chain(self):
        sc = self.r.scope
        while sc is not None:
            yield from sc.symbols.values()
            sc = sc.parent


def derivative_symbol(sym: Symbol, name: str, r: Routine, keep_common: bool = False) -> Symbol:
    """Declaration of a derivative (or buffer) variable shaped like primal ``sym``."""
    from fadj.ir.derived import diff_type_spec
    if sym.dims and any(d.kind == "assumed_size" for d in sym.dims) and not sym.is_arg:
        raise UnsupportedError(sym.loc, f"cannot allocate a derivative for assumed-size array '{sym.name}'")
    t = sym.type
    if t is not None and t.base == "type":
        # the derivative of a CLASS dummy is CLASS of the derivative type (an extension's actual)
        t = diff_type_spec(t, poly=t.poly and (sym.is_arg or sym.allocatable or sym.pointer))
    return Symbol(name, type=t, dims=sym.dims, is_arg=False, allocatable=sym.allocatable,
                  pointer=sym.pointer, optional=sym.optional and sym.is_arg,
                  target=sym.target, loc=sym.loc)     # pb => wb(2:n) needs wb a TARGET

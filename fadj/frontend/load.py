"""Loading a set of Fortran files into one fadj Program.

Order matters: modules are lowered first, in USE-dependency order, so that a
routine's USE statements find the module symbols; every routine's signature is
known before any body is lowered, so that ``f(x)`` can be told apart from an
array element.
"""
from __future__ import annotations

import re

from fparser.two import Fortran2003 as F

from fadj.errors import DirectiveError, FadjError, Loc, NameErr, SyntaxErr, UnsupportedError
from fadj.frontend.directive_tree import restore, statement_nodes, strip
from fadj.frontend.directives import scan_directives
from fadj.frontend.discover import expand_sources
from fadj.frontend.kinds import apply_real_kinds, real_kinds
from fadj.frontend.lower_decls import DeclLowerer
from fadj.frontend.lower_exprs import ExprLowerer
from fadj.frontend.lower_stmts import BodyLowerer
from fadj.frontend.options import DEFAULT, SourceOptions
from fadj.frontend.parse import parse_source
from fadj.frontend.source import load_source
from fadj.ir import expr as E
from fadj.ir import stmt as S
from fadj.passes.resolve_bindings import resolve_bindings
from fadj.ir.consts import INTRINSIC_KIND_NAMES
from fadj.ir.intrinsics import is_intrinsic
from fadj.ir.program import Module, Program, Routine, SourceFile
from fadj.ir.symbols import INTEGER, ImplicitRules, Scope, Symbol, TypeSpec

INTRINSIC_MODULES = {"iso_fortran_env", "iso_c_binding", "ieee_arithmetic", "ieee_exceptions",
                     "ieee_features", "omp_lib", "omp_lib_kinds", "mpi"}


class _Unit:
    """A program unit waiting to be lowered: its fparser node and its file."""

    def __init__(self, node, src: SourceFile, module: str | None = None, host: "_Unit | None" = None,
                 program: bool = False):
        self.node = node
        self.src = src
        self.module = module
        self.host = host
        self.program = program
        self.routine: Routine | None = None


def load_program(paths: list[str], opts: SourceOptions = DEFAULT, cache=None) -> Program:
    """Parse and lower ``paths`` (files, or folders searched recursively) read as ``opts`` says.

    Every file is first brought to the text the compiler sees (C preprocessor, INCLUDE
    lines: ``fadj.frontend.preprocess``); every ``loc`` names the user's file and line.
    ``cache`` (a ``fadj.cache.DiffCache``) gives back the trees of files parsed before.
    """
    prog = Program()
    modules: dict[str, tuple] = {}
    units: list[_Unit] = []
    directive_lines: dict[str, dict[int, object]] = {}
    for path in expand_sources(paths):
        src = load_source(path, opts)
        prog.files.append(src)
        for d in scan_directives(src.source_text, src.path, src.fixed_form, src.loc).values():
            directive_lines.setdefault(d.loc.file, {})[d.loc.line] = d
        tree = _parse_tree(src, cache)
        if not any(not isinstance(n, F.Comment) for n in tree.content):
            prog.empty_files.append(src.path)
        for node in tree.content:
            if isinstance(node, F.Module):
                name = str(_first_stmt(node).items[1]).lower()
                if name in modules:
                    raise FadjError(_loc(_first_stmt(node), src), f"module '{name}' is defined twice")
                modules[name] = (node, src)
            elif isinstance(node, (F.Subroutine_Subprogram, F.Function_Subprogram)):
                units.append(_Unit(node, src))
            elif isinstance(node, F.Comment):
                continue
            elif isinstance(node, (F.Main_Program, F.Main_Program0)):
                # lowered as a subroutine without arguments (a head only when --head names it);
                # left out of the library copy, where a second main program would clash with the driver
                units.append(_Unit(node, src, program=True))
                first, last = _loc(_first_stmt(node), src), _loc(node.content[-1], src)
                if first.file == src.path and last.file == src.path:
                    src.program_lines.append((first.line, last.line))
            else:
                kind = type(node).__name__.replace("_", " ").lower()
                raise UnsupportedError(_loc(node, src), f"unsupported program unit: {kind}")
    loader = _Loader(prog, modules)
    for name in loader.module_order():
        loader.lower_module(name)
    for u in units:
        loader.declare_routine(u, None)
    for u in units:
        loader.lower_routine(u)
    _check_directives_consumed(prog, directive_lines, loader.consumed)
    apply_real_kinds(prog, real_kinds(opts.fflags))
    if prog.namelists:
        _namelist_io_effects(prog)
    resolve_bindings(prog)
    return prog


_NML = re.compile(r"\bnml\s*=\s*(\w+)", re.I)
_NML_POSITIONAL = re.compile(r"^\s*(read|write)\s*\(\s*[^,()]+,\s*(\w+)\s*[,)]", re.I)


def _namelist_io_effects(prog: Program) -> None:
    """READ/WRITE of a NAMELIST group defines/reads the group's variables."""
    for r in prog.order:
        for st in S.walk_stmts(r.body):
            if not isinstance(st, S.Raw):
                continue
            m = _NML.search(st.text)
            group = m.group(1).lower() if m else None
            if group is None:
                p = _NML_POSITIONAL.match(st.text)
                if p and p.group(2).lower() in prog.namelists:
                    group = p.group(2).lower()
            if group is None or group not in prog.namelists:
                continue
            names = set(prog.namelists[group])
            st.reads = frozenset(st.reads | names)
            if st.text.lstrip().lower().startswith("read"):
                st.writes = frozenset(st.writes | names)


def _parse_tree(src: SourceFile, cache):
    """fparser's tree of ``src``, parsed without its ``$AD`` lines and given them back
    (``directive_tree``): from ``cache`` when it has seen this code."""
    from dataclasses import replace

    def fresh(s):
        tree = parse_source(s)
        return tree, statement_nodes(tree)

    def attempt(comments: bool):
        st = strip(src.source_text, src.fixed_form, comments)
        st = replace(st, text=_split_binding_lists(st.text))
        psrc = replace(src, parse_text=st.text, origins=tuple((lc.file, lc.line) for lc in map(src.loc, st.lines)))
        tree, nodes = cache.parse(psrc, fresh) if cache is not None else fresh(psrc)
        restore(nodes, st)
        return tree

    try:
        return attempt(False)
    except SyntaxErr:
        # a comment where fparser allows none (between two DOs sharing a label): parse without them
        try:
            return attempt(True)
        except FadjError:
            pass
        raise


_BINDING_LIST = re.compile(r"^(\s*)(procedure\s*(?:,[^:()]*(?:\([^)]*\))?[^:]*)?::)\s*(.+)$", re.I)


def _split_binding_lists(text: str) -> str:
    """``procedure, pass(self) :: a, b => c`` (several bindings in one statement, which fparser
    does not read) as ``procedure, pass(self) :: a; procedure, pass(self) :: b => c`` on the
    same line (lines keep their numbers)."""
    if "::" not in text or "procedure" not in text.lower():
        return text
    out = []
    for ln in text.split("\n"):
        m = _BINDING_LIST.match(ln)
        if m and "," in m.group(3) and "!" not in m.group(3) and "&" not in m.group(3):
            names = [x.strip() for x in m.group(3).split(",")]
            ln = m.group(1) + " ; ".join(f"{m.group(2)} {n}" for n in names)
        out.append(ln)
    return "\n".join(out)


def _first_stmt(node):
    return next(c for c in node.content if not isinstance(c, F.Comment))


def _loc(node, src: SourceFile) -> Loc:
    item = getattr(node, "item", None)
    span = getattr(item, "span", None) if item is not None else None
    return src.loc(span[0] if span else 1)


class _Loader:
    def __init__(self, prog: Program, modules: dict[str, tuple]):
        self.prog = prog
        self.module_nodes = modules
        self.exports_cache: dict[str, dict[str, Symbol]] = {}
        self.consumed: set[tuple[str, int]] = set()
        self.pending_units: list[_Unit] = []

    # -- modules -----------------------------------------------------------
    def module_order(self) -> list[str]:
        deps: dict[str, list[str]] = {}
        for name, (node, src) in self.module_nodes.items():
            deps[name] = [str(u.items[2]).lower() for u in F.walk(node, F.Use_Stmt)
                          if str(u.items[2]).lower() in self.module_nodes and str(u.items[2]).lower() != name]
        order: list[str] = []
        state: dict[str, int] = {}

        def visit(n, chain):
            if state.get(n) == 2:
                return
            if state.get(n) == 1:
                cyc = " -> ".join(chain + [n])
                node, src = self.module_nodes[n]
                raise FadjError(_loc(_first_stmt(node), src), f"circular USE between modules: {cyc}")
            state[n] = 1
            for d in deps[n]:
                visit(d, chain + [n])
            state[n] = 2
            order.append(n)

        for n in sorted(deps):
            visit(n, [])
        return order

    def lower_module(self, name: str) -> None:
        node, src = self.module_nodes[name]
        loc = _loc(_first_stmt(node), src)
        scope = Scope(implicit=ImplicitRules.default())
        ex = ExprLowerer(lambda n: _is_array(scope, n), loc)
        spec = next((c for c in node.content if isinstance(c, F.Specification_Part)), None)
        decl = DeclLowerer(scope, src.path, src.fixed_form, ex, src)
        decl.run(spec)
        if decl.trailing_comments:
            d = decl.trailing_comments[0]
            raise DirectiveError(_loc(d, src), "$AD directive in a module's specification part")
        self.apply_uses(scope, decl.uses)
        decl.finish()
        self.prog.namelists.update(decl.namelists)
        for s in scope:
            if s.module is None and not s.procedure:
                s.module = name
        self._register_types(decl.types, name)
        mod = Module(name, scope, [], loc, uses=decl.uses, source=src,
                     private_default=decl.access_default == "private",
                     private=decl.private, public=decl.public, commons=decl.commons)
        for gname, specifics in decl.interfaces.items():
            from fadj.ir.program import Interface
            mod.interfaces[gname] = Interface(gname, specifics, loc)
            if scope.local(gname) is None:
                scope.add(Symbol(gname, procedure=True, module=name, loc=loc))
        self.prog.modules[name] = mod
        sub = next((c for c in node.content if isinstance(c, F.Module_Subprogram_Part)), None)
        units = []
        if sub is not None:
            for c in sub.content:
                if isinstance(c, (F.Subroutine_Subprogram, F.Function_Subprogram)):
                    u = _Unit(c, src, module=name)
                    self.declare_routine(u, None)
                    units.append(u)
        for u in units:
            mod.routines.append(u.routine)
            scope.add(Symbol(u.routine.name, procedure=True, module=name,
                             type=None, loc=u.routine.loc))
        for u in units:
            self.lower_routine(u)

    def _register_types(self, types, module: str | None) -> None:
        for t in types:
            t.module = module
            prev = self.prog.types.get(t.name)
            if prev is not None and prev is not t:
                raise FadjError(t.loc, f"derived type '{t.name}' is defined twice (also at {prev.loc}); "
                                       f"fadj needs distinct type names")
            if t.parent is not None:
                inherit(t, self.prog.types)
            self.prog.types[t.name] = t

    def exports(self, modname: str, loc: Loc | None) -> dict[str, Symbol]:
        if modname in self.exports_cache:
            return self.exports_cache[modname]
        if modname in INTRINSIC_MODULES:
            out = {}
            for k, v in INTRINSIC_KIND_NAMES.items():
                out[k] = Symbol(k, type=INTEGER, parameter=True, init=E.IntLit(str(v)), module=modname)
            self.exports_cache[modname] = out
            return out
        mod = self.prog.modules.get(modname)
        if mod is None:
            raise NameErr(loc, f"module '{modname}' is not in the given sources")
        out: dict[str, Symbol] = {}
        for s in mod.scope:
            private = s.name in mod.private or (mod.private_default and s.name not in mod.public)
            if not private:
                out[s.name] = s
        for gname in mod.interfaces:
            if gname not in out:
                out[gname] = Symbol(gname, procedure=True, module=modname)
        self.exports_cache[modname] = out
        return out

    def apply_uses(self, scope: Scope, uses) -> None:
        for u in uses:
            exp = self.exports(u.module, u.loc)
            if u.only is None:
                renamed_remote = set(u.renames.values())
                for n, s in exp.items():
                    if n not in renamed_remote and scope.local(n) is None:
                        scope.add(s.copy(loc=s.loc))
                for local, remote in u.renames.items():
                    scope.add(self._use_sym(exp, local, remote, u))
            else:
                for local in u.only:
                    remote = u.renames.get(local, local)
                    scope.add(self._use_sym(exp, local, remote, u))

    def _use_sym(self, exp, local, remote, u) -> Symbol:
        s = exp.get(remote)
        if s is None:
            if u.module in INTRINSIC_MODULES:
                return Symbol(local, procedure=True, module=u.module, intrinsic=True)
            raise NameErr(u.loc, f"'{remote}' is not a public entity of module '{u.module}'")
        return s.copy(name=local, use_name=(s.use_name or s.name) if local != remote or s.use_name else None)

    # -- routines ----------------------------------------------------------
    def _declare_construct_locals(self, r: Routine, bl: BodyLowerer, decl: DeclLowerer, src) -> None:
        """Declare what FORALL, ASSOCIATE and BLOCK constructs add to the routine: temporaries,
        and BLOCK's own local variables (which must not clash with the routine's)."""
        from fadj.ir.symbols import Dim
        from fadj.ir.typing import Typer
        scope = r.scope
        for spec, loc in bl.block_specs:
            before = set(scope.symbols)
            sub = DeclLowerer(_BlockScope(scope), src.path, src.fixed_form, decl.ex, src)
            sub.run(spec)
            sub.finish()
            for name, s in sub.scope.own.items():
                if name in before:
                    raise UnsupportedError(loc, f"BLOCK declares '{name}', which '{r.name}' declares too: rename "
                                                f"it (fadj inlines BLOCK constructs)")
                scope.add(s)
        typer = Typer(scope, types=self.prog.types)
        for name, like, rank, logical in bl.temps:
            if logical:
                t, dims = TypeSpec("logical", 4), tuple(Dim(None, None, "deferred") for _ in range(rank))
            elif rank >= 0:
                t = typer.type_of(E.Name(E.base_name(like))) or TypeSpec("real", 8)
                dims = tuple(Dim(None, None, "deferred") for _ in range(rank))
            else:
                t = typer.type_of(like) or TypeSpec("real", 8)
                k = typer.rank_of(like)
                dims = tuple(Dim(None, None, "deferred") for _ in range(k)) if k else None
            scope.add(Symbol(name, type=t, dims=dims or None, allocatable=bool(dims), loc=r.loc))

    def declare_routine(self, u: _Unit, host: Routine | None) -> None:
        node, src = u.node, u.src
        head = next(c for c in node.content if not isinstance(c, F.Comment))
        is_fn = isinstance(node, F.Function_Subprogram)
        if u.program:
            name = str(head.items[1]).lower() if isinstance(head, F.Program_Stmt) else "main"
            args_node = None
        else:
            name = str(head.items[1]).lower()
            args_node = head.items[2]
        args = [str(a).lower() for a in args_node.items] if args_node is not None else []
        prefix: list[str] = []
        result = None
        rtype = None
        pre = head.items[0] if not u.program else None
        if pre is not None:
            for p in pre.items:
                if isinstance(p, (F.Intrinsic_Type_Spec, F.Declaration_Type_Spec)):
                    rtype = p
                else:
                    prefix.append(str(p).lower())
        if is_fn:
            suffix = head.items[3]
            result = name
            if suffix is not None:
                for it in suffix.items if hasattr(suffix, "items") else ():
                    if isinstance(it, F.Name):
                        result = str(it).lower()
                        break
        if "*" in args:
            raise UnsupportedError(_loc(head, src), f"alternate returns (*) in '{name}' are not supported")
        parent = host.scope if host is not None else (self.prog.modules[u.module].scope if u.module else None)
        implicit = parent.implicit if parent is not None else ImplicitRules.default()
        scope = Scope(implicit=ImplicitRules(dict(implicit.table)), parent=parent)
        r = Routine(name, "function" if is_fn else "subroutine", args, scope, [], _loc(head, src),
                    result=result, prefix=tuple(prefix), module=u.module, host=host, source=src)
        r._rtype_node = rtype  # type: ignore[attr-defined]
        r.is_program = u.program  # type: ignore[attr-defined]
        u.routine = r
        if host is None:
            prev = self.prog.routines.get(name)
            if prev is not None and prev.module is None and u.module is None:
                raise FadjError(r.loc, f"routine '{name}' is also defined at {prev.loc}")
            if prev is not None:
                # module procedures of the same name in different modules: legal, each is known as
                # module::name; an external routine keeps the plain name
                self.prog.same_names.setdefault(name, [prev]).append(r)
                if u.module is None:
                    self.prog.routines[name] = r
            else:
                self.prog.routines[name] = r
        self.prog.order.append(r)
        # internal procedures
        internal = next((c for c in node.content if isinstance(c, F.Internal_Subprogram_Part)), None)
        r._internal_units = []  # type: ignore[attr-defined]
        if internal is not None:
            for c in internal.content:
                if isinstance(c, (F.Subroutine_Subprogram, F.Function_Subprogram)):
                    iu = _Unit(c, src, module=u.module, host=u)
                    self.declare_routine(iu, r)
                    r.internals.append(iu.routine)
                    r._internal_units.append(iu)  # type: ignore[attr-defined]

    def lower_routine(self, u: _Unit) -> None:
        r = u.routine
        node, src = u.node, u.src
        scope = r.scope
        for a in r.args:
            scope.add(Symbol(a, is_arg=True, loc=r.loc))
        if r.result is not None:
            scope.add(Symbol(r.result, is_result=True, loc=r.loc))
        for ir in r.internals:
            scope.add(Symbol(ir.name, procedure=True, loc=ir.loc))
        ex = ExprLowerer(lambda n: _is_array(scope, n), r.loc)
        spec = next((c for c in node.content if isinstance(c, F.Specification_Part)), None)
        decl = DeclLowerer(scope, src.path, src.fixed_form, ex, src)
        if r._rtype_node is not None:  # type: ignore[attr-defined]
            t, kexpr = decl.type_spec(r._rtype_node, r.loc)  # type: ignore[attr-defined]
            scope.local(r.result).type = t
            if kexpr is not None:
                decl.kind_exprs[r.result] = kexpr
        decl.run(spec)
        self.apply_uses(scope, decl.uses)
        for s in scope:
            if s.is_arg:
                s.module = None   # an argument shadows a module name
        decl.finish()
        self.prog.namelists.update(decl.namelists)
        self._register_types(decl.types, None)
        r.uses = decl.uses
        r.commons = decl.commons
        r.data = decl.verbatim
        r.equivalences = decl.equivalences
        r.has_implicit_none = decl.has_implicit_none
        execp = next((c for c in node.content if isinstance(c, F.Execution_Part)), None)
        body_nodes = list(decl.trailing_comments) + (list(execp.content) if execp is not None else [])
        end = node.content[-1]
        r.end_loc = _loc(end, src)
        bl = BodyLowerer(src.path, src.fixed_form, ex, src)
        try:
            r.body = bl.block(body_nodes, r.end_loc)
            self._declare_construct_locals(r, bl, decl, src)
        except UnsupportedError as err:
            if _points_anything(body_nodes):
                raise                 # its pointer assignments could matter to calls elsewhere
            r.defer(err)
        r.omp_dropped = bl.omp_dropped  # type: ignore[attr-defined]
        r.data = r.data + bl.formats
        if bl.stmt_functions:
            _inline_stmt_functions(r, bl.stmt_functions)
        for st in S.walk_stmts(r.body):
            for d in st.directives:
                self.consumed.add((d.loc.file, d.loc.line))
            if isinstance(st, S.Region):
                self.consumed.add((st.loc.file, st.loc.line))
                self.consumed.add((st.end_loc.file, st.end_loc.line))
        _declare_used_names(r)
        for iu in r._internal_units:  # type: ignore[attr-defined]
            self.lower_routine(iu)


def _points_anything(nodes) -> bool:
    """Whether a body holds a pointer assignment (data or procedure pointer), at any depth."""
    from fparser.two.utils import walk
    return any(type(n).__name__ in ("Pointer_Assignment_Stmt", "Proc_Pointer_Assignment_Stmt")
               for n in walk(nodes))


def inherit(t, types: dict) -> None:
    """``type, extends(p) :: t``: t has p's components first (then its own), p's bindings and
    procedure-pointer components unless it overrides them, and p's GENERIC specifics besides its
    own.  Modules are lowered in USE order and a unit's types in source order, so p is known."""
    p = types.get(t.parent)
    if p is None:
        raise UnsupportedError(t.loc, f"parent type '{t.parent}' of '{t.name}' is not defined in the given sources")
    for c in t.components:
        if c in p.components:
            raise FadjError(t.loc, f"component '{c}' of '{t.name}' is also a component of its parent '{p.name}'")
    t.components = {**p.components, **t.components}
    t.bindings = {**p.bindings, **t.bindings}
    t.proc_pointers = {**p.proc_pointers, **t.proc_pointers}
    generics = {k: list(v) for k, v in p.generics.items()}
    for k, v in t.generics.items():
        generics.setdefault(k, []).extend(n for n in v if n not in generics.get(k, ()))
    t.generics = generics


def _inline_stmt_functions(r: Routine, funcs: dict) -> None:
    """Replace references to statement functions by their (parenthesised) definitions."""
    from fadj.ir.visit import map_exprs

    def expand(e: E.Expr) -> E.Expr:
        if isinstance(e, E.Call) and e.name in funcs:
            params, body = funcs[e.name]
            if len(params) != len(e.args):
                raise UnsupportedError(r.loc, f"statement function '{e.name}' called with {len(e.args)} arguments")
            binding = {p: (a if isinstance(a, (E.Name, E.IntLit, E.RealLit, E.Paren)) else E.Paren(a))
                       for p, a in zip(params, e.args)}
            return E.Paren(E.transform(body, lambda n: binding.get(n.name, n) if isinstance(n, E.Name) else n))
        return e

    # definitions may use earlier statement functions
    for name in list(funcs):
        params, body = funcs[name]
        funcs[name] = (params, E.transform(body, expand))
    map_exprs(r.body, lambda e: E.transform(e, expand))
    for name in funcs:
        s = r.scope.local(name)
        if s is not None:
            s.procedure = False


def _is_array(scope: Scope, name: str) -> bool:
    s = scope.lookup(name)
    if s is None:
        return False
    if s.is_array:
        return True
    return s.type is not None and s.type.base == "character" and not s.procedure


def _declare_used_names(r: Routine) -> None:
    """Give every name the body uses a symbol: implicit typing, procedures, intrinsics."""
    scope = r.scope
    called: set[str] = set()
    variables: dict[str, Loc] = {}
    for st in S.walk_stmts(r.body):
        for e in _stmt_exprs(st):
            for n in E.walk(e):
                if isinstance(n, E.Call):
                    called.add(n.name)
                elif isinstance(n, (E.Name, E.Index)):
                    variables.setdefault(n.name, st.loc)
                elif isinstance(n, E.ImpliedDo):
                    variables.setdefault(n.var, st.loc)
        if isinstance(st, S.Do):
            variables.setdefault(st.var, st.loc)
        if isinstance(st, S.CallStmt):
            s = scope.lookup(st.name)
            if s is None:
                scope.add(Symbol(st.name, procedure=True, external=True, loc=st.loc))
            else:
                s.procedure = True
    for name in called:
        s = scope.lookup(name)
        if s is None:
            if is_intrinsic(name):
                continue
            t = scope.implicit.type_of(name)
            scope.add(Symbol(name, type=t, procedure=True, external=True, implicit=True, loc=r.loc))
        elif not s.is_array:
            if s.is_result and name == r.name and r.result == name:
                continue  # recursive reference inside a RESULT-less function
            s.procedure = True
    for name, loc in variables.items():
        if scope.lookup(name) is not None:
            continue
        t = scope.implicit.type_of(name)
        if t is None:
            raise NameErr(loc, f"'{name}' has no declared type (IMPLICIT NONE is in effect)")
        scope.add(Symbol(name, type=t, implicit=True, loc=loc))
    for s in scope:
        if s.type is None and not s.procedure and not (s.module and s.parameter is False and s.procedure):
            t = scope.implicit.type_of(s.name)
            if t is None and s.module is None:
                raise NameErr(s.loc or r.loc, f"'{s.name}' has no declared type (IMPLICIT NONE is in effect)")
            if t is not None and s.module is None:
                s.type = t
                s.implicit = True


def _stmt_exprs(st: S.Stmt):
    if isinstance(st, S.Assign):
        return [st.lhs, st.rhs]
    if isinstance(st, S.CallStmt):
        return list(st.args)
    if isinstance(st, S.If):
        return [c for c, _ in st.branches]
    if isinstance(st, S.Do):
        return [x for x in (st.start, st.end, st.step) if x is not None]
    if isinstance(st, S.DoWhile):
        return [st.cond] if st.cond is not None else []
    if isinstance(st, S.SelectCase):
        out = [st.selector]
        for sels, _ in st.cases:
            for s in sels:
                if isinstance(s, tuple):
                    out += [x for x in s if x is not None]
                else:
                    out.append(s)
        return out
    if isinstance(st, S.Where):
        return [m for m, _ in st.branches]
    if isinstance(st, S.ComputedGoto):
        return [st.index]
    if isinstance(st, S.ArithmeticIf):
        return [st.expr]
    if isinstance(st, S.Allocate):
        return list(st.items)
    return []


def _check_directives_consumed(prog: Program, lines: dict[str, dict[int, object]], consumed) -> None:
    for path, by_line in lines.items():
        for line, d in sorted(by_line.items()):
            if (path, line) not in consumed:
                raise DirectiveError(Loc(path, line), f"$AD {d.keyword} is not inside the executable part of a "
                                                      f"routine, right before the statement it applies to")


def source_lines(prog: Program) -> dict[str, list[str]]:
    """The lines of every file a ``loc`` may name: the sources and the files they INCLUDE.

    Tools that show a directive as written (``fadj callgraph``) look it up by ``loc``,
    which for a line of an INCLUDEd file names that file, not the source.
    """
    out: dict[str, list[str]] = {}
    for f in prog.files:
        out[f.path] = f.text.split("\n")
        for h in f.headers:
            if h not in out:
                try:
                    with open(h, encoding="utf-8", errors="replace") as fh:
                        out[h] = fh.read().split("\n")
                except OSError:
                    pass
    return out


class _BlockScope:
    """The scope a BLOCK's declarations are read into: lookups see the routine's scope, new
    symbols are kept apart (``own``) until the loader checks them for clashes."""

    def __init__(self, parent):
        self.parent = parent
        self.own: dict = {}
        self.implicit = parent.implicit

    @property
    def symbols(self):
        return self.own

    def local(self, name):
        return self.own.get(name)

    def lookup(self, name):
        return self.own.get(name) or self.parent.lookup(name)

    def add(self, s):
        self.own[s.name] = s
        return s

    def __contains__(self, name):
        return self.lookup(name) is not None

    def __iter__(self):
        return iter(list(self.own.values()))

"""Derivative routines -> Fortran source files (text), via the templates.

One derivative file per primal source file (``cost.f`` -> ``cost_b.f90``):
derivatives of external routines at top level, those of module ``m``'s
procedures inside module ``m_diff`` (which also holds the derivatives of
``m``'s active variables).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fadj import __version__
from fadj.ad.deriv import DerivRoutine
from fadj.ad.dscope import diff_module_name
from fadj.backend.decls import declaration, order_symbols
from fadj.backend.fortran import MAX_LINE, StmtPrinter, wrap_line
from fadj.backend.modgraph import has_cycle
from fadj.backend.render import render
from fadj.errors import Loc, UnsupportedError
from fadj.ir.derived import diff_components, diff_parent, diff_type_name, own_diff_components
from fadj.ir.program import Program, Use


def use_line(u: Use) -> str:
    if u.only is None and not u.renames:
        return f"use {u.module}"
    if u.only is None:
        ren = ", ".join(f"{a} => {b}" for a, b in u.renames.items())
        return f"use {u.module}, {ren}"
    items = [f"{a} => {u.renames[a]}" if a in u.renames else a for a in u.only]
    return f"use {u.module}, only: {', '.join(items)}"


@dataclass
class TextRoutine:
    """A derivative routine already rendered (by an earlier run: ``fadj.cache``)."""

    name: str
    origin: object
    module: str | None
    text: str
    internals: list = field(default_factory=list)


def routine_text(dr: DerivRoutine | TextRoutine, depth: int = 0, origins: bool = False) -> str:
    """The Fortran text of a derivative routine; ``origins``: with source-origin comments."""
    if isinstance(dr, TextRoutine):
        return dr.text
    indent = "  " * depth
    prefix = " ".join(dr.prefix) + " " if dr.prefix else ""
    args = ", ".join(dr.args)
    if dr.kind == "function":
        res = f" result({dr.result})" if dr.result and dr.result != dr.name else ""
        header = f"{prefix}function {dr.name}({args}){res}"
    else:
        header = f"{prefix}subroutine {dr.name}({args})"
    header = "\n".join(wrap_line(indent + header))[len(indent):]    # long argument lists continue
    uses = [ln[len(indent) + 2:] for u in _dedupe([use_line(u) for u in dr.uses])
            for ln in wrap_line(indent + "  " + u)]
    decls = [declaration(s) for s in order_symbols(dr.symbols)]
    for s in dr.externals:
        decls.append(f"{s.type.decl()}, external :: {s.name}" if s.type is not None else f"external :: {s.name}")
    for blk, members in dr.commons.items():
        decls.append(f"common /{blk}/ {', '.join(members)}")
    decls += dr.data
    p = StmtPrinter(origins)
    p.body(dr.body, depth + 1)
    decls = [ln for d in decls for ln in wrap_line(indent + "  " + d)]
    decls = [d[len(indent) + 2:] for d in decls]
    return render("routine.f90.j2", indent=indent, header=header, uses=uses, decls=decls, body=p.lines,
                  kind=dr.kind, name=dr.name, comment=dr.comment,
                  internals=[routine_text(i, depth + 1, origins) for i in dr.internals]).rstrip("\n")


def _dedupe(lines: list[str]) -> list[str]:
    seen = set()
    out = []
    for ln in lines:
        if ln not in seen:
            seen.add(ln)
            out.append(ln)
    return out


@dataclass
class DiffModule:
    name: str
    primal: str
    uses: list[str] = field(default_factory=list)
    decls: list[str] = field(default_factory=list)
    routines: list[str] = field(default_factory=list)


def diff_type_lines(prog: Program, name: str) -> list[str]:
    """Declaration of derivative type ``name_diff``: the differentiable components, zero-initialised."""
    from fadj.ir.symbols import TypeSpec
    parent = diff_parent(prog.types, name)
    lines = [f"type, extends({diff_type_name(parent)}) :: {diff_type_name(name)}" if parent is not None
             else f"type :: {diff_type_name(name)}"]
    for c in own_diff_components(prog.types, name):
        t = c.type
        if t.base == "type":
            t = TypeSpec("type", 0, derived=diff_type_name(t.derived))
        d = c.copy(type=t, init=None, save=False)
        if c.alloc_pointer:
            lines.append("  " + declaration(d.copy(allocatable=False, pointer=True)) + " => null()")
            continue
        text = declaration(d)
        if not c.allocatable and t.base == "real":
            text += f" = 0.0_{max(8, t.kind)}"
        lines.append("  " + text)
    lines.append(f"end type {diff_type_name(name)}")
    return lines


def _type_order(prog: Program, names: set[str]) -> list[str]:
    """Derivative types in an order where components' types come first."""
    out: list[str] = []

    def visit(n: str) -> None:
        if n in out:
            return
        p = diff_parent(prog.types, n)
        if p is not None and p in names:
            visit(p)
        for c in diff_components(prog.types, n):
            if c.type.base == "type" and c.type.derived in names:
                visit(c.type.derived)
        out.append(n)

    for n in sorted(names):
        visit(n)
    return out


def derivative_files(prog: Program, routines: list[DerivRoutine], module_globals: dict[str, set[str]],
                     suffix: str, mode: str, var_suffixes: tuple[str, ...] | None = None,
                     needed_types: set[str] | None = None, origins: bool = False) -> dict[str, str]:
    """{file name: text} of the derivative sources, one per primal source file.

    ``suffix`` names the files (``cost_b.f90``); ``var_suffixes`` (default: ``suffix``)
    the derivatives of module variables declared in ``m_diff``: both ``vd`` and ``vb``
    when one library holds tangent and reverse routines.
    """
    by_file: dict[str, tuple[list[DiffModule], list[str]]] = {}
    modules: dict[str, DiffModule] = {}
    order: list[str] = []

    def file_of(path: str) -> tuple[list[DiffModule], list[str]]:
        if path not in by_file:
            by_file[path] = ([], [])
            order.append(path)
        return by_file[path]

    def module(mname: str) -> DiffModule:
        if mname not in modules:
            m = prog.modules[mname]
            dm = DiffModule(diff_module_name(mname), mname)
            modules[mname] = dm
            file_of(m.source.path)[0].append(dm)
            for tname in _type_order(prog, {t for t in (needed_types or ()) if prog.types[t].module == mname}):
                dm.decls += diff_type_lines(prog, tname)
                for c in prog.types[tname].components.values():
                    if c.type is not None and c.type.base == "type":
                        other = prog.types[c.type.derived].module
                        if other not in (None, mname):
                            dm.uses.append(f"use {diff_module_name(other)}, only: {c.type.derived}_diff")
                p = diff_parent(prog.types, tname)
                if p is not None and prog.types[p].module not in (None, mname):
                    dm.uses.append(f"use {diff_module_name(prog.types[p].module)}, only: {p}_diff")
            for vname in sorted(module_globals.get(mname, ())):
                sym = m.scope.local(vname)
                for sfx in var_suffixes or (suffix,):
                    if sym is not None:
                        from fadj.ad.dscope import derivative_symbol
                        d = derivative_symbol(sym, vname + sfx, None).copy(allocatable=sym.allocatable)
                        dm.decls.append(declaration(d))
                        if d.type is not None and d.type.base == "type":
                            other = prog.types[sym.type.derived].module
                            if other not in (None, mname):
                                dm.uses.append(f"use {diff_module_name(other)}, only: {d.type.derived}")
        return modules[mname]

    wanted = set(module_globals) | {prog.types[t].module for t in (needed_types or ()) if prog.types[t].module}
    for mname in prog.modules:       # in USE order: a module's derivative types before their extensions'
        if mname in wanted:
            module(mname)
    for dr in routines:
        path = dr.origin.source.path
        if dr.module is not None:
            dm = module(dr.module)
            dm.routines.append(routine_text(dr, 0, origins))
        else:
            file_of(path)[1].append(routine_text(dr, 0, origins))
    def layout(split: bool) -> dict[str, str]:
        out: dict[str, str] = {}

        def emit(stem: str, mods, rts, path) -> None:
            name = f"{stem}_{suffix}.f90"
            k = 1
            while name in out:
                k += 1
                name = f"{stem}{k}_{suffix}.f90"
            out[name] = within_line_limit(render("deriv_file.f90.j2", version=__version__, mode=mode,
                                                 source=Path(path).name, modules=mods, routines=rts), name)

        for path in order:
            mods, rts = by_file[path]
            stem = Path(path).stem
            if not split or len(mods) + bool(rts) <= 1:
                emit(stem, mods, rts, path)
                continue
            # one file per unit: the routines outside modules, then each module's derivative
            if rts:
                emit(stem, [], rts, path)
            for dm in mods:
                emit(f"{stem}_{dm.primal}", [dm], [], path)
        return out

    out = layout(False)
    if has_cycle(out):
        # a file whose module the derivative of another file's routines needs, while its own
        # routines need that other file's (a solver's clone calls the user's right-hand side in the
        # user's module, the user's head calls the solver): its units go in separate files
        out = layout(True)
    return out


def within_line_limit(text: str, name: str) -> str:
    """Every line at most 132 columns (gfortran's default for free form), whatever the input's
    line lengths: the last net under the wrapping done statement by statement."""
    lines = text.split("\n")
    if all(len(ln) <= MAX_LINE for ln in lines):
        return text
    out = []
    for ln in lines:
        if len(ln) <= MAX_LINE:
            out.append(ln)
            continue
        if ln.lstrip().startswith("!"):
            out.append(ln[:MAX_LINE])        # a comment fadj wrote: shortened
            continue
        parts = wrap_line(ln)
        if any(len(x) > MAX_LINE for x in parts):
            raise UnsupportedError(Loc(name), f"a generated line cannot be split to 132 columns: "
                                         f"'{ln.strip()[:60]}...'")
        out += parts
    return "\n".join(out)

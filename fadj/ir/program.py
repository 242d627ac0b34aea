"""Program units of fadj's IR: source files, modules, routines."""
from __future__ import annotations

from dataclasses import dataclass, field

from fadj.errors import Loc
from fadj.ir.stmt import Stmt
from fadj.ir.symbols import Scope, Symbol, TypeSpec


@dataclass
class Use:
    """``use module[, only: a, b => c]``; renames map local name -> module name."""

    module: str
    only: list[str] | None = None          # local names (None: everything)
    renames: dict[str, str] = field(default_factory=dict)
    loc: Loc | None = None


@dataclass
class SourceFile:
    """One source file the user gave, and the text fparser parses for it.

    ``text`` is the file as written (directive editing and the build copy use it);
    ``parse_text`` is what the compiler sees after the C preprocessor and INCLUDE
    expansion (None: the same as ``text``), and ``origins[i]`` the (file, line) that
    line ``i + 1`` of it came from, so that every ``loc`` names the file the user edits.
    """

    path: str            # as the user gave it (used in messages)
    fixed_form: bool
    text: str
    parse_text: str | None = None
    origins: tuple[tuple[str, int], ...] | None = None
    headers: tuple[str, ...] = ()       # files pulled in by INCLUDE or #include, in order
    cpp: bool = False                   # went through the C preprocessor
    program_lines: list = field(default_factory=list)   # (first, last) lines of PROGRAM units in text

    @property
    def source_text(self) -> str:
        """The text to parse: ``parse_text`` if the file was preprocessed or expanded, else ``text``."""
        return self.text if self.parse_text is None else self.parse_text

    def loc(self, line: int) -> Loc:
        """The original file and line of line ``line`` of ``source_text``."""
        if self.origins is not None and 0 < line <= len(self.origins):
            f, n = self.origins[line - 1]
            return Loc(f, n)
        return Loc(self.path, line)


@dataclass(eq=False)
class Routine:
    name: str
    kind: str                                  # 'subroutine' | 'function'
    args: list[str]
    scope: Scope
    body: list[Stmt]
    loc: Loc
    result: str | None = None                  # result variable (functions)
    prefix: tuple[str, ...] = ()               # pure, elemental, recursive
    uses: list[Use] = field(default_factory=list)
    module: str | None = None                  # enclosing module name
    host: "Routine | None" = None              # enclosing routine (internal procedures)
    internals: list["Routine"] = field(default_factory=list)
    commons: dict[str, list[str]] = field(default_factory=dict)   # block -> member names in order
    source: SourceFile | None = None
    end_loc: Loc | None = None
    has_implicit_none: bool = False
    data: list[str] = field(default_factory=list)  # DATA statements, re-emitted verbatim
    equivalences: list[tuple[Loc, str]] = field(default_factory=list)
    #: data pointers and their targets: name -> id of the storage they may share
    #: (passes/pointer_groups); analyses see one variable per group
    storage_groups: dict[str, str] = field(default_factory=dict)
    #: why fadj cannot read this routine's body (SELECT TYPE, dynamic dispatch, ...): the body is
    #: left empty and the error is raised only if the head reaches the routine, so that a library
    #: is usable around the parts a cost function never calls
    deferred_error: Exception | None = None

    def defer(self, err: Exception) -> None:
        """Keep ``err`` for when the head reaches this routine (see ``deferred_error``); raise it
        now if the body points pointers anywhere: calls elsewhere may depend on those targets
        (a procedure pointer resolves to the one procedure the sources point it to)."""
        from fadj.ir import stmt as S
        if any(getattr(st, "proc_pointer", None) or getattr(st, "data_pointer", None)
               for st in S.walk_stmts(self.body)):
            raise err
        self.body, self.deferred_error = [], err

    @property
    def is_function(self) -> bool:
        return self.kind == "function"

    def sym(self, name: str) -> Symbol | None:
        return self.scope.lookup(name)

    @property
    def qualname(self) -> str:
        if self.host is not None:
            return f"{self.host.qualname}.{self.name}"
        return f"{self.module}::{self.name}" if self.module else self.name

    def result_type(self) -> TypeSpec | None:
        if self.result is None:
            return None
        s = self.scope.lookup(self.result)
        return s.type if s else None


@dataclass
class Interface:
    """A generic interface ``interface name`` mapping to specific procedures."""

    name: str
    specifics: list[str]
    loc: Loc | None = None


@dataclass(eq=False)
class Module:
    name: str
    scope: Scope
    routines: list[Routine]
    loc: Loc
    uses: list[Use] = field(default_factory=list)
    source: SourceFile | None = None
    private_default: bool = False
    private: set[str] = field(default_factory=set)
    public: set[str] = field(default_factory=set)
    interfaces: dict[str, Interface] = field(default_factory=dict)
    commons: dict[str, list[str]] = field(default_factory=dict)
    types: dict[str, "DerivedType"] = field(default_factory=dict)


@dataclass
class Binding:
    """A type-bound procedure: the procedure it names, and the argument the object is passed as
    (``""``: the first; None: NOPASS)."""

    procedure: str
    pass_arg: str | None = ""
    deferred: bool = False          # DEFERRED in an abstract type: no procedure of its own


@dataclass(eq=False)
class DerivedType:
    """A derived type; ``components`` in declaration order (Symbols: type, dims, attributes);
    ``bindings`` its type-bound procedures, ``generics`` its GENERIC bindings (``operator(+)``,
    ``assignment(=)`` or a name) -> binding names."""

    name: str
    components: dict[str, Symbol]
    loc: Loc | None = None
    module: str | None = None
    sequence: bool = False
    bindings: dict = field(default_factory=dict)
    generics: dict = field(default_factory=dict)
    proc_pointers: dict = field(default_factory=dict)   # procedure-pointer components -> Binding
    parent: str | None = None       # EXTENDS(parent): its components and bindings come first
    abstract: bool = False


@dataclass
class Program:
    """All the sources fadj was given, lowered."""

    files: list[SourceFile] = field(default_factory=list)
    empty_files: list[str] = field(default_factory=list)   # sources without a program unit
    routines: dict[str, Routine] = field(default_factory=dict)   # external + module procedures
    modules: dict[str, Module] = field(default_factory=dict)
    order: list[Routine] = field(default_factory=list)          # every routine in source order
    types: dict[str, DerivedType] = field(default_factory=dict)  # derived types, by name
    namelists: dict[str, list[str]] = field(default_factory=dict)  # NAMELIST group -> variables
    same_names: dict[str, list] = field(default_factory=dict)  # name -> routines of that name (modules)

    def routine(self, name: str) -> Routine | None:
        """By name, or by ``module::name`` (needed when several modules define the name)."""
        name = name.lower()
        if "::" in name:
            mod, rn = name.split("::", 1)
            m = self.modules.get(mod)
            return next((r for r in m.routines if r.name == rn), None) if m is not None else None
        return self.routines.get(name)

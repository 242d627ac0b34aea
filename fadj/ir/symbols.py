"""Types, symbols and scopes of fadj's IR.

Every name a routine uses gets a Symbol with a resolved type during lowering
(implicit typing included), so that later stages never guess and the emitted
derivative code can say ``implicit none``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from fadj.errors import Loc
from fadj.ir.expr import Expr


@dataclass(frozen=True)
class TypeSpec:
    """A Fortran intrinsic or derived type.

    ``base`` is real / integer / logical / complex / character / type.  ``kind``
    is the resolved numeric kind (bytes for real, integer, logical; bytes of one
    part for complex) used by analysis; ``kind_text`` is how the user wrote it
    (``dp``, ``8``, ``kind=wp``) and is what fadj re-emits.  ``derived`` names the
    type for base == 'type'.
    """

    base: str
    kind: int = 4
    kind_text: str | None = None
    double: bool = False          # written DOUBLE PRECISION (re-emitted as such)
    char_len: str | None = None   # for character: the length text ('*', '10', 'n')
    derived: str | None = None
    # declared CLASS(t): polymorphic (a dummy, allocatable or pointer); compares equal to TYPE(t)
    poly: bool = field(default=False, compare=False)

    @property
    def is_real(self) -> bool:
        return self.base == "real"

    @property
    def is_differentiable(self) -> bool:
        """Only real (and complex) values carry derivatives; fadj differentiates reals."""
        return self.base == "real"

    @property
    def byte_size(self) -> int:
        if self.base == "complex":
            return 2 * self.kind
        return self.kind

    def decl(self) -> str:
        """Declaration type text, e.g. ``real(dp)``, ``double precision``, ``integer``."""
        if self.base == "type":
            return f"type({self.derived})"
        if self.base == "real" and self.double:
            return "double precision"
        if self.base == "character":
            return f"character(len={self.char_len})" if self.char_len else "character"
        if self.kind_text:
            return f"{self.base}({self.kind_text})"
        return self.base


INTEGER = TypeSpec("integer", 4)
LOGICAL = TypeSpec("logical", 4)
REAL4 = TypeSpec("real", 4)
REAL8 = TypeSpec("real", 8, double=True)
CHARACTER = TypeSpec("character", 1, char_len="*")


@dataclass(frozen=True)
class Dim:
    """One dimension of an array declaration.

    kind: 'explicit' (lo:hi, lo defaults to 1), 'assumed_size' (hi is '*'),
    'assumed_shape' (``:`` or ``lo:`` on a dummy), 'deferred' (``:`` on an
    allocatable or pointer).
    """

    lo: Expr | None
    hi: Expr | None
    kind: str = "explicit"


@dataclass
class Symbol:
    name: str
    type: TypeSpec | None = None
    dims: tuple[Dim, ...] | None = None
    intent: str | None = None
    is_arg: bool = False
    parameter: bool = False
    init: Expr | None = None            # PARAMETER value or initializer
    common: str | None = None           # COMMON block name ('' for blank COMMON)
    common_index: int = -1              # position in that block's member list
    save: bool = False
    allocatable: bool = False
    pointer: bool = False
    target: bool = False
    optional: bool = False
    value: bool = False
    external: bool = False
    intrinsic: bool = False
    is_result: bool = False
    module: str | None = None           # the module that declares it (module variables)
    use_name: str | None = None         # original name in that module if renamed on USE
    host: bool = False                  # host-associated (internal procedure sees it)
    procedure: bool = False             # names a function/subroutine, not data
    implicit: bool = False              # typed by an implicit rule
    loc: Loc | None = None
    extra_attrs: tuple[str, ...] = ()   # attributes fadj re-emits verbatim (e.g. 'volatile')
    #: a POINTER component that the sources only ALLOCATE (never point anywhere: that is an
    #: error at the pointer assignment): analysed as allocatable; its derivative component is a
    #: POINTER too and ``allocated()`` of it is ``associated()``
    alloc_pointer: bool = False

    @property
    def rank(self) -> int:
        return len(self.dims) if self.dims else 0

    @property
    def is_array(self) -> bool:
        return bool(self.dims)

    @property
    def is_real(self) -> bool:
        return self.type is not None and self.type.is_real

    @property
    def is_global(self) -> bool:
        """Visible beyond one activation of its routine: COMMON, module, SAVE data."""
        return self.common is not None or self.module is not None

    def copy(self, **changes) -> "Symbol":
        return replace(self, **changes)


@dataclass
class ImplicitRules:
    """IMPLICIT typing: letter -> type, or None everywhere after IMPLICIT NONE."""

    table: dict[str, TypeSpec | None] = field(default_factory=dict)

    @staticmethod
    def default() -> "ImplicitRules":
        t: dict[str, TypeSpec | None] = {}
        for c in "abcdefghijklmnopqrstuvwxyz":
            t[c] = INTEGER if c in "ijklmn" else REAL4
        return ImplicitRules(t)

    @staticmethod
    def none() -> "ImplicitRules":
        return ImplicitRules({c: None for c in "abcdefghijklmnopqrstuvwxyz"})

    def type_of(self, name: str) -> TypeSpec | None:
        return self.table.get(name[0].lower())


@dataclass
class Scope:
    """The symbols of one routine or module, in declaration order."""

    symbols: dict[str, Symbol] = field(default_factory=dict)
    implicit: ImplicitRules = field(default_factory=ImplicitRules.default)
    parent: "Scope | None" = None

    def lookup(self, name: str) -> Symbol | None:
        s = self.symbols.get(name)
        if s is None and self.parent is not None:
            return self.parent.lookup(name)
        return s

    def local(self, name: str) -> Symbol | None:
        return self.symbols.get(name)

    def add(self, sym: Symbol) -> Symbol:
        self.symbols[sym.name] = sym
        return sym

    def __contains__(self, name: str) -> bool:
        return self.lookup(name) is not None

    def __iter__(self):
        return iter(self.symbols.values())

"""Specification parts (declarations) -> symbols of a Scope.

Attributes may be spread over several statements (``DIMENSION X(N)`` then
``DOUBLE PRECISION X``), so symbols are built incrementally and finished once
the whole specification part has been read: implicit types applied, kinds
evaluated.
"""
from __future__ import annotations
import re

from fparser.two import Fortran2003 as F

from fadj.errors import DirectiveError, Loc, UnsupportedError
from fadj.frontend.directives import directive_text, parse_directive
from fadj.frontend.lower_exprs import ExprLowerer, lookup
from fadj.ir import expr as E
from fadj.ir.consts import INTRINSIC_KIND_NAMES, real_literal_kind, try_int
from fadj.ir.program import Use
from fadj.ir.symbols import Dim, ImplicitRules, Scope, Symbol, TypeSpec

_TYPE_DEFAULT_KIND = {"real": 4, "integer": 4, "logical": 4, "complex": 4, "character": 1}


class DeclLowerer:
    """Reads the specification part of one program unit into ``scope``."""

    def __init__(self, scope: Scope, path: str, fixed_form: bool, exprs: ExprLowerer, src=None):
        self.scope = scope
        self.path = path
        self.src = src                         # SourceFile: maps parsed lines to the user's file:line
        self.fixed_form = fixed_form
        self.ex = exprs
        self.uses: list[Use] = []
        self.commons: dict[str, list[str]] = {}
        self.verbatim: list[str] = []          # DATA / FORMAT statements re-emitted as written
        self.equivalences: list[tuple[Loc, str]] = []
        self.access_default: str | None = None
        self.private: set[str] = set()
        self.public: set[str] = set()
        self.save_all = False
        self.has_implicit_none = False
        self.kind_exprs: dict[str, E.Expr] = {}
        self.namelists: dict[str, list[str]] = {}   # NAMELIST group -> variables
        self.trailing_comments: list = []      # directive comments that belong to the first executable statement
        self.interfaces: dict[str, list[str]] = {}
        self.types: list = []                  # DerivedType definitions of this unit
        self.stmt_functions: list = []

    # -- helpers -------------------------------------------------------------
    def loc(self, node) -> Loc:
        item = getattr(node, "item", None)
        span = getattr(item, "span", None) if item is not None else None
        if span and self.src is not None:
            return self.src.loc(span[0])
        return Loc(self.path, span[0] if span else 0)

    def expr(self, node, loc):
        self.ex.loc = loc
        return self.ex.lower(node)

    def sym(self, name: str, loc: Loc | None = None) -> Symbol:
        name = name.lower()
        s = self.scope.local(name)
        if s is None:
            s = self.scope.add(Symbol(name, loc=loc))
        return s

    # -- driver ----------------------------------------------------------------
    def run(self, spec_part) -> None:
        if spec_part is None:
            return
        nodes = list(_flatten_spec(spec_part.content))
        # Directive comments after the last declaration belong to the execution part.
        last_decl = max((i for i, n in enumerate(nodes) if not isinstance(n, F.Comment)), default=-1)
        for i, node in enumerate(nodes):
            if isinstance(node, F.Comment):
                rest = directive_text(str(node), self.fixed_form)
                if rest is None:
                    s = str(node).lstrip().lower()
                    if i > last_decl and (s.startswith("!$omp") or s[:5] in ("c$omp", "*$omp")):
                        self.trailing_comments.append(node)     # OpenMP before the first statement
                    continue
                d = parse_directive(rest, self.loc(node))
                if i < last_decl:
                    raise DirectiveError(d.loc, f"$AD {d.keyword} must be right before an executable statement, "
                                                f"not a declaration")
                self.trailing_comments.append(node)
                continue
            handler = lookup(_DISPATCH, node)
            if handler is None:
                name = type(node).__name__.replace("_Stmt", "").replace("_", " ").upper()
                raise UnsupportedError(self.loc(node), f"unsupported declaration: {name} ('{str(node)[:60]}')")
            handler(self, node, self.loc(node))

    # -- statements ------------------------------------------------------------
    def type_decl(self, node, loc):
        tspec, attrs, entities = node.items
        base_type, kind_expr = self.type_spec(tspec, loc)
        attr = self.attributes(attrs, loc)
        for ent in entities.items:
            name_node, shape, charlen, init = ent.items
            s = self.sym(str(name_node), loc)
            t = base_type
            if charlen is not None and t.base == "character":
                t = TypeSpec("character", 1, char_len=_char_len_text(charlen))
            s.type = t
            s.loc = s.loc or loc
            if kind_expr is not None:
                self.kind_exprs[s.name] = kind_expr
            dims = self.array_spec(shape, loc) if shape is not None else attr.get("dims")
            if dims is not None:
                s.dims = dims
            self._apply_attrs(s, attr)
            if init is not None:
                s.init = self.expr(init.items[1], loc)
                if not s.parameter:
                    s.save = True

    def type_spec(self, tspec, loc) -> tuple[TypeSpec, E.Expr | None]:
        if isinstance(tspec, F.Intrinsic_Type_Spec):
            word = str(tspec.items[0]).upper()
            sel = tspec.items[1]
            if word == "DOUBLE PRECISION":
                return TypeSpec("real", 8, double=True), None
            if word == "DOUBLE COMPLEX":
                return TypeSpec("complex", 8, kind_text="8"), None
            base = word.lower()
            if base == "character":
                return TypeSpec("character", 1, char_len=_char_len_text(sel) if sel is not None else None), None
            if sel is None:
                return TypeSpec(base, _TYPE_DEFAULT_KIND[base]), None
            if isinstance(sel, F.Kind_Selector):
                if sel.items[0] == "*":
                    k = str(sel.items[1])
                    kind = int(k)
                    if base == "complex":
                        kind //= 2
                        k = str(kind)
                    return TypeSpec(base, kind, kind_text=k), None
                kexpr = self.expr(sel.items[1], loc)
                return TypeSpec(base, _TYPE_DEFAULT_KIND[base], kind_text=_expr_text(kexpr)), kexpr
            return TypeSpec(base, _TYPE_DEFAULT_KIND[base]), None
        if isinstance(tspec, F.Declaration_Type_Spec):
            kw, name = tspec.items
            if str(kw).upper() == "CLASS":
                if str(name).strip() == "*":
                    raise UnsupportedError(loc, "unlimited polymorphic CLASS(*) declarations are not supported")
                # polymorphic: passes/resolve_bindings resolves its type-bound calls statically
                # where every type it may have gives the same procedure
                return TypeSpec("type", 0, derived=str(name).lower(), poly=True), None
            return TypeSpec("type", 0, derived=str(name).lower()), None
        raise UnsupportedError(loc, f"unsupported type specification '{tspec}'")

    def attributes(self, attrs, loc) -> dict:
        out: dict = {}
        if attrs is None:
            return out
        for a in attrs.items:
            if isinstance(a, F.Dimension_Attr_Spec):
                out["dims"] = self.array_spec(a.items[1], loc)
            elif isinstance(a, F.Intent_Attr_Spec):
                out["intent"] = str(a.items[1]).lower().replace(" ", "")
            elif isinstance(a, F.Access_Spec):
                out["access"] = str(a).lower()
            else:
                word = str(a).lower().replace(" ", "")
                out[word] = True
        return out

    def _apply_attrs(self, s: Symbol, attr: dict) -> None:
        if "intent" in attr:
            s.intent = attr["intent"]
        for key, field_ in (("parameter", "parameter"), ("save", "save"), ("allocatable", "allocatable"),
                            ("pointer", "pointer"), ("target", "target"), ("optional", "optional"),
                            ("value", "value"), ("external", "external"), ("intrinsic", "intrinsic")):
            if attr.get(key):
                setattr(s, field_, True)
        if attr.get("external"):
            s.procedure = True
        for extra in ("volatile", "contiguous", "asynchronous", "protected"):
            if attr.get(extra) and extra not in s.extra_attrs:
                s.extra_attrs = s.extra_attrs + (extra,)
        acc = attr.get("access")
        if acc == "private":
            self.private.add(s.name)
        elif acc == "public":
            self.public.add(s.name)

    def array_spec(self, shape, loc) -> tuple[Dim, ...]:
        if isinstance(shape, F.Explicit_Shape_Spec_List):
            return tuple(self._explicit(sp, loc) for sp in shape.items)
        if isinstance(shape, F.Explicit_Shape_Spec):
            return (self._explicit(shape, loc),)
        if isinstance(shape, F.Assumed_Shape_Spec_List):
            return tuple(Dim(self.expr(sp.items[0], loc) if sp.items[0] is not None else None, None,
                             "assumed_shape") for sp in shape.items)
        if isinstance(shape, F.Assumed_Shape_Spec):
            return (Dim(self.expr(shape.items[0], loc) if shape.items[0] is not None else None, None, "assumed_shape"),)
        if isinstance(shape, F.Deferred_Shape_Spec_List):
            return tuple(Dim(None, None, "deferred") for _ in shape.items)
        if isinstance(shape, F.Deferred_Shape_Spec):
            return (Dim(None, None, "deferred"),)
        if isinstance(shape, F.Assumed_Size_Spec):
            explicit, last_lo = shape.items
            dims = []
            if explicit is not None:
                items = explicit.items if isinstance(explicit, F.Explicit_Shape_Spec_List) else (explicit,)
                dims = [self._explicit(sp, loc) for sp in items]
            dims.append(Dim(self.expr(last_lo, loc) if last_lo is not None else None, None, "assumed_size"))
            return tuple(dims)
        raise UnsupportedError(loc, f"unsupported array specification '{shape}'")

    def _explicit(self, sp, loc) -> Dim:
        lo, hi = sp.items
        return Dim(self.expr(lo, loc) if lo is not None else None, self.expr(hi, loc), "explicit")

    def dimension_stmt(self, node, loc):
        for name, shape in node.items[0]:
            s = self.sym(str(name), loc)
            s.dims = self.array_spec(shape, loc)

    def implicit_stmt(self, node, loc):
        spec = node.items[0]
        if isinstance(spec, str) and spec.upper() == "NONE":
            self.scope.implicit = ImplicitRules.none()
            self.has_implicit_none = True
            return
        rules = dict(self.scope.implicit.table)
        for ispec in spec.items:
            tspec, letters = ispec.items
            t, kexpr = self.type_spec(tspec, loc)
            if kexpr is not None:
                t = TypeSpec(t.base, self._eval_kind(t, kexpr), kind_text=t.kind_text, double=t.double)
            for ls in letters.items:
                a, b = ls.items
                b = b or a
                for c in range(ord(str(a).lower()), ord(str(b).lower()) + 1):
                    rules[chr(c)] = t
        self.scope.implicit = ImplicitRules(rules)

    def parameter_stmt(self, node, loc):
        for d in node.items[1].items:
            name, value = d.items
            s = self.sym(str(name), loc)
            s.parameter = True
            s.init = self.expr(value, loc)

    def common_stmt(self, node, loc):
        for block, objs in node.items[0]:
            bname = str(block).lower() if block is not None else ""
            members = self.commons.setdefault(bname, [])
            for o in objs.items:
                if isinstance(o, F.Name):
                    nm = str(o).lower()
                    s = self.sym(nm, loc)
                else:
                    nm = str(o.items[0]).lower()
                    s = self.sym(nm, loc)
                    s.dims = self.array_spec(o.items[1], loc)
                s.common = bname
                s.common_index = len(members)
                members.append(nm)

    def data_stmt(self, node, loc):
        self.verbatim.append(str(node))
        for n in _walk_names(node, F.Data_Stmt_Object_List):
            self.sym(n, loc).save = True

    def save_stmt(self, node, loc):
        lst = node.items[1] if len(node.items) > 1 else None
        if lst is None:
            self.save_all = True
            return
        for item in lst.items:
            text = str(item).strip()
            if text.startswith("/"):
                continue   # a saved COMMON block: nothing to do, COMMON data persists anyway
            self.sym(text, loc).save = True

    def use_stmt(self, node, loc):
        items = node.items
        modname = str(items[2]).lower()
        only_kw = str(items[3] or "").upper()
        lst = items[4]
        u = Use(modname, loc=loc)
        if "ONLY" in only_kw:
            u.only = []
        if lst is not None:
            for it in lst.items:
                if isinstance(it, F.Rename):
                    local, remote = str(it.items[1]).lower(), str(it.items[2]).lower()
                    u.renames[local] = remote
                    if u.only is not None:
                        u.only.append(local)
                else:
                    if u.only is not None:
                        u.only.append(str(it).lower())
        self.uses.append(u)

    def simple_attr_stmt(self, attr):
        def handler(self_, node, loc):
            lst = node.items[1] if len(node.items) > 1 else node.items[0]
            for it in getattr(lst, "items", ()):
                if isinstance(it, (F.Name, str)):
                    name = str(it)
                    s = self_.sym(name, loc)
                else:
                    name = str(it.items[0])
                    s = self_.sym(name, loc)
                    if len(it.items) > 1 and it.items[1] is not None:
                        s.dims = self_.array_spec(it.items[1], loc)
                if attr == "intent":
                    s.intent = str(node.items[0]).lower().replace(" ", "")
                else:
                    setattr(s, attr, True)
                if attr in ("external",):
                    s.procedure = True
        return handler

    def intent_stmt(self, node, loc):
        intent = str(node.items[0]).lower().replace(" ", "")
        for it in node.items[1].items:
            self.sym(str(it), loc).intent = intent

    def access_stmt(self, node, loc):
        word = str(node.items[0]).lower()
        lst = node.items[1]
        if lst is None:
            self.access_default = word
            return
        target = self.private if word == "private" else self.public
        for it in lst.items:
            target.add(str(it).lower())

    def namelist_stmt(self, node, loc):
        """NAMELIST groups: I/O of the primal (kept verbatim); READ/WRITE with ``nml=`` reads or
        defines the group's variables (frontend.load adds them to those statements' effects)."""
        for group, objs in node.items:
            self.namelists[str(group).lower()] = [str(o).lower() for o in objs.items]
        self.verbatim.append(str(node))

    def equivalence_stmt(self, node, loc):
        self.equivalences.append((loc, str(node)))

    def format_stmt(self, node, loc):
        lab = getattr(node.item, "label", None)
        self.verbatim.append(f"{lab} {node}" if lab is not None else str(node))

    def interface_block(self, node, loc):
        head = node.content[0]
        gname = head.items[0] if head.items else None
        specifics: list[str] = []
        for n in node.content[1:]:
            if isinstance(n, F.Procedure_Stmt):
                specifics += [str(x).lower() for x in n.items[0].items]
            elif isinstance(n, (F.Subroutine_Body, F.Function_Body)):
                st = next(c for c in n.content if not isinstance(c, F.Comment))
                nm = str(st.items[1]).lower()
                specifics.append(nm)
                s = self.sym(nm, loc)
                s.procedure = True
                s.external = True
                if isinstance(n, F.Function_Body):
                    self._function_body_type(n, s, loc)
        if gname is not None and str(gname).strip():
            self.interfaces[str(gname).lower()] = specifics

    def procedure_decl(self, node, loc):
        """``procedure(iface) :: f``: a procedure (a dummy one, usually) with iface's characteristics."""
        iface, attrs, decls = node.items
        words = str(attrs).lower().replace(" ", "") if attrs is not None else ""
        # a procedure pointer (``procedure(f), pointer :: rhs``): its calls go to the one procedure
        # the sources point it to (passes/resolve_bindings.resolve_procedure_pointers)
        isym = self.scope.lookup(str(iface).lower()) if iface is not None and isinstance(iface, F.Name) else None
        for d in decls.items:
            name = str(d.items[0] if hasattr(d, "items") and d.items else d).lower()
            s = self.sym(name, loc)
            s.procedure = True
            s.external = True
            s.optional = s.optional or "optional" in words.split(",")
            s.pointer = s.pointer or "pointer" in words.split(",")
            if isym is not None and isym.type is not None:
                s.type = isym.type
            elif iface is not None and not isinstance(iface, F.Name):
                s.type, _ = self.type_spec(iface, loc)

    def _function_body_type(self, body, s: Symbol, loc):
        st = next(c for c in body.content if not isinstance(c, F.Comment))
        prefix = st.items[0]
        if prefix is not None:
            for p in prefix.items:
                if isinstance(p, (F.Intrinsic_Type_Spec, F.Declaration_Type_Spec)):
                    s.type, _ = self.type_spec(p, loc)

    def derived_type(self, node, loc):
        """TYPE name ... END TYPE: components become Symbols of a DerivedType."""
        from fadj.ir.program import DerivedType
        head = node.content[0]
        name = str(head.items[1]).lower()
        attrs = str(head.items[0] or "").lower()
        comps: dict = {}
        bindings: dict = {}
        generics: dict = {}
        proc_pointers: dict = {}
        m = re.search(r"\bextends\s*\(\s*(\w+)\s*\)", attrs)
        parent = m.group(1) if m else None
        abstract = re.search(r"\babstract\b", attrs) is not None
        sub = DeclLowerer(_TypeScope(), self.path, self.fixed_form, self.ex, self.src)
        for part in node.content[1:]:
            if isinstance(part, F.Component_Part):
                for cd in part.content:
                    if isinstance(cd, F.Data_Component_Def_Stmt):
                        tspec, cattrs, decls = cd.items
                        t, kexpr = self.type_spec(tspec, self.loc(cd))
                        if kexpr is not None:
                            t = TypeSpec(t.base, self._eval_kind(t, kexpr), kind_text=t.kind_text)
                        flags = str(cattrs or "").lower()
                        cdims = None
                        for a in (cattrs.items if cattrs is not None else ()):
                            if isinstance(a, F.Dimension_Component_Attr_Spec):
                                cdims = self.array_spec(a.items[1], loc)
                        for d in decls.items:
                            cname = str(d.items[0]).lower()
                            dims = self.array_spec(d.items[1], loc) if d.items[1] is not None else cdims
                            init = d.items[3]
                            pointer = "pointer" in flags
                            as_alloc = pointer and t.base != "type"    # see Symbol.alloc_pointer
                            comps[cname] = Symbol(cname, type=t, dims=dims,
                                                  allocatable="allocatable" in flags or as_alloc,
                                                  pointer=pointer and not as_alloc, alloc_pointer=as_alloc,
                                                  loc=self.loc(cd),
                                                  init=self.expr(init.items[1], loc) if init is not None and
                                                  not as_alloc else None)
                    elif isinstance(cd, F.Comment):
                        continue
                    elif type(cd).__name__ == "Proc_Component_Def_Stmt":
                        self._proc_component(cd, name, proc_pointers)
                    else:
                        raise UnsupportedError(self.loc(cd), f"unsupported component declaration '{str(cd)[:60]}'")
            elif isinstance(part, (F.End_Type_Stmt, F.Comment)):
                continue
            elif isinstance(part, F.Sequence_Stmt):
                continue
            elif type(part).__name__ in ("Type_Bound_Procedure_Part", "Private_Components_Stmt"):
                if type(part).__name__ == "Type_Bound_Procedure_Part":
                    self._bindings(part, name, bindings, generics, loc)
            else:
                raise UnsupportedError(loc, f"unsupported part of type '{name}': {type(part).__name__}")
        del sub
        self.types.append(DerivedType(name, comps, loc, bindings=bindings, generics=generics,
                                      proc_pointers=proc_pointers, parent=parent, abstract=abstract))
        if "private" in attrs:
            self.private.add(name)

    def _proc_component(self, cd, tname: str, proc_pointers: dict) -> None:
        """``procedure(iface), pointer[, nopass | pass(a)] :: f => null()``: a procedure-pointer
        component; passes/resolve_bindings binds calls through it to the one procedure the
        sources ever point it to."""
        from fadj.ir.program import Binding
        iface, attrs, decls = cd.items
        words = [str(a).lower().replace(" ", "") for a in (attrs.items if attrs is not None else ())]
        pass_arg: str | None = ""
        for w in words:
            if w == "nopass":
                pass_arg = None
            elif w.startswith("pass("):
                pass_arg = w[5:-1]
        for d in decls.items:
            cname = str(d.items[0] if hasattr(d, "items") and d.items else d).lower()
            proc_pointers[cname] = Binding("", pass_arg)

    def _bindings(self, part, tname: str, bindings: dict, generics: dict, loc) -> None:
        """``procedure[, pass(a) | nopass] :: name [=> proc]`` and ``generic :: g => a, b``
        (operators and assignment too), into the type's binding tables."""
        from fadj.ir.program import Binding
        for b in part.content:
            kind = type(b).__name__
            if kind == "Specific_Binding":
                iface, attrs, _, bname, target = b.items
                pass_arg: str | None = ""          # "": the first argument
                deferred = False
                for a in (attrs.items if attrs is not None else ()):
                    text = str(a).lower().replace(" ", "")
                    if text == "nopass":
                        pass_arg = None
                    elif text.startswith("pass("):
                        pass_arg = text[5:-1]
                    elif text == "deferred":
                        deferred = True
                if iface is not None and not deferred:
                    raise UnsupportedError(self.loc(b), f"binding '{bname}' with an interface but not DEFERRED")
                bindings[str(bname).lower()] = Binding("" if deferred else str(target or bname).lower(), pass_arg,
                                                       deferred=deferred)
            elif kind == "Generic_Binding":
                _, spec, names = b.items
                key = str(spec).lower().replace(" ", "")
                generics.setdefault(key, []).extend(str(n).lower() for n in names.items)
            elif kind in ("Contains_Stmt", "Comment", "Binding_Private_Stmt"):
                continue
            elif kind == "Final_Binding":
                raise UnsupportedError(self.loc(b), f"FINAL procedures of type '{tname}' are not supported")
            else:
                raise UnsupportedError(self.loc(b), f"unsupported binding in type '{tname}': '{str(b)[:60]}'")

    def stmt_function(self, node, loc):
        self.stmt_functions.append((node, loc))

    def ignore(self, node, loc):
        return None

    def unsupported(self, what):
        def handler(self_, node, loc):
            raise UnsupportedError(loc, f"{what} is not supported ('{str(node)[:60]}')")
        return handler

    # -- finishing -------------------------------------------------------------
    def _eval_kind(self, t: TypeSpec, kexpr: E.Expr) -> int:
        if isinstance(kexpr, E.Call) and kexpr.name == "kind" and kexpr.args and isinstance(kexpr.args[0], E.RealLit):
            return real_literal_kind(kexpr.args[0].text, self.param_lookup)
        v = try_int(kexpr, self.param_lookup)
        if v is None:
            if isinstance(kexpr, E.Name) and kexpr.name in INTRINSIC_KIND_NAMES:
                return INTRINSIC_KIND_NAMES[kexpr.name]
            return _TYPE_DEFAULT_KIND.get(t.base, 4) if t.base != "real" else 8
        return v

    def param_lookup(self, name: str) -> E.Expr | None:
        s = self.scope.lookup(name)
        if s is not None and s.parameter:
            return s.init
        return None

    def _automatic(self, s: Symbol) -> bool:
        """An array whose bounds are not constant (an automatic array): no SAVE for it."""
        if not s.dims or s.allocatable or s.pointer:
            return False
        for d in s.dims:
            for b in (d.lo, d.hi):
                if b is not None and try_int(b, self.param_lookup) is None:
                    return True
        return False

    def finish(self) -> None:
        """Apply kinds and implicit types; called once the scope's USEs are resolved."""
        for s in list(self.scope.symbols.values()):
            if s.name in self.kind_exprs and s.type is not None:
                k = self._eval_kind(s.type, self.kind_exprs[s.name])
                s.type = TypeSpec(s.type.base, k, kind_text=s.type.kind_text, double=s.type.double,
                                  char_len=s.type.char_len, derived=s.type.derived)
            if self.save_all and not s.parameter and not s.is_arg and not self._automatic(s):
                s.save = True
            if s.type is None and not s.procedure and s.module is None:
                t = self.scope.implicit.type_of(s.name)
                if t is not None:
                    s.type = t
                    s.implicit = True


class _TypeScope(Scope):
    """Scope stand-in while reading a type's components (they are not variables)."""


def _flatten_spec(nodes):
    for n in nodes:
        if isinstance(n, F.Implicit_Part):
            yield from _flatten_spec(n.content)
        else:
            yield n


def _walk_names(node, within_cls) -> list[str]:
    out: list[str] = []

    def rec(n, inside):
        if isinstance(n, (str, type(None))):
            return
        inside = inside or isinstance(n, within_cls)
        if inside and isinstance(n, F.Name):
            out.append(str(n).lower())
            return
        if inside and isinstance(n, F.Part_Ref):
            out.append(str(n.items[0]).lower())
            return
        for c in getattr(n, "items", ()) or ():
            rec(c, inside)

    rec(node, False)
    return out


def _char_len_text(sel) -> str:
    t = str(sel).replace(" ", "")
    t = t.lstrip("*")
    if t.upper().startswith("(LEN="):
        t = t[5:-1]
    elif t.upper().startswith("(KIND="):
        return "1"
    elif t.startswith("(") and t.endswith(")"):
        t = t[1:-1]
        if "," in t:
            t = t.split(",")[0]
        if t.upper().startswith("LEN="):
            t = t[4:]
    return t.lower()


def _expr_text(e: E.Expr) -> str:
    from fadj.backend.fortran import expr_str
    return expr_str(e)


_DISPATCH = {
    F.Type_Declaration_Stmt: DeclLowerer.type_decl,
    F.Dimension_Stmt: DeclLowerer.dimension_stmt,
    F.Implicit_Stmt: DeclLowerer.implicit_stmt,
    F.Parameter_Stmt: DeclLowerer.parameter_stmt,
    F.Common_Stmt: DeclLowerer.common_stmt,
    F.Data_Stmt: DeclLowerer.data_stmt,
    F.Save_Stmt: DeclLowerer.save_stmt,
    F.Use_Stmt: DeclLowerer.use_stmt,
    F.External_Stmt: DeclLowerer.simple_attr_stmt(None, "external"),
    F.Intrinsic_Stmt: DeclLowerer.simple_attr_stmt(None, "intrinsic"),
    F.Optional_Stmt: DeclLowerer.simple_attr_stmt(None, "optional"),
    F.Allocatable_Stmt: DeclLowerer.simple_attr_stmt(None, "allocatable"),
    F.Target_Stmt: DeclLowerer.simple_attr_stmt(None, "target"),
    F.Pointer_Stmt: DeclLowerer.simple_attr_stmt(None, "pointer"),
    F.Intent_Stmt: DeclLowerer.intent_stmt,
    F.Access_Stmt: DeclLowerer.access_stmt,
    F.Equivalence_Stmt: DeclLowerer.equivalence_stmt,
    F.Format_Stmt: DeclLowerer.format_stmt,
    F.Interface_Block: DeclLowerer.interface_block,
    F.Procedure_Declaration_Stmt: DeclLowerer.procedure_decl,
    F.Stmt_Function_Stmt: DeclLowerer.stmt_function,
    F.Derived_Type_Def: DeclLowerer.derived_type,
    F.Import_Stmt: DeclLowerer.ignore,
    F.Entry_Stmt: DeclLowerer.unsupported(None, "ENTRY"),
    F.Namelist_Stmt: DeclLowerer.namelist_stmt,
}

"""fparser execution-part nodes -> fadj IR statements.

Dispatch is a table keyed on fparser classes.  Two things need care:

* fparser flattens labelled DO loops that share a terminal statement
  (``DO 20 I`` / ``DO 20 J`` / ``20 CONTINUE``) into one construct; the nesting
  is rebuilt here from the labels.
* ``$AD`` directives are comments.  A directive attaches to the next statement
  of the same block; CHECKPOINT-START/END become a Region around the statements
  between them.  Misplaced ones are errors at their own line.
"""
from __future__ import annotations

from dataclasses import dataclass

from fparser.two import Fortran2003 as F
from fparser.two import utils as U

from fadj.errors import DirectiveError, Loc, UnsupportedError
from fadj.frontend.directives import directive_text, parse_directive
from fadj.frontend.lower_constructs import ConstructLowerer
from fadj.frontend.lower_exprs import BOUND, ExprLowerer, lookup
from fadj.ir import expr as E
from fadj.ir import stmt as S


@dataclass
class _RegionMark:
    start: bool
    loc: Loc


@dataclass
class _DoOpen:
    """An open labelled DO while its terminal statement has not been seen."""

    label: str
    stmt: S.Stmt          # S.Do or S.DoWhile whose body is being filled


class BodyLowerer(ConstructLowerer):
    def __init__(self, path: str, fixed_form: bool, exprs: ExprLowerer, src=None):
        self.path = path
        self.src = src                         # SourceFile: maps parsed lines to the user's file:line
        self.fixed_form = fixed_form
        self.ex = exprs
        self.pending: list[S.Directive] = []
        self.stmt_functions: dict[str, tuple[list[str], E.Expr]] = {}
        self.seen_exec = False
        #: FORMAT statements (label and text): not executable, so they leave the body (where the
        #: reverse sweep would take their labels for jump targets) and are declared with the DATA
        self.formats: list[str] = []
        #: OpenMP directives waiting for their DO loop, and those derivative code leaves out
        self.pending_omp: list[str] = []
        self.omp_dropped: list[tuple] = []
        #: temporaries FORALL and ASSOCIATE need: (name, like, rank, logical); the loader declares them
        self.temps: list[tuple] = []
        self.forall_count = 0
        #: BLOCK constructs with declarations: (specification part, loc), and their bodies by index
        self.block_specs: list[tuple] = []
        self.block_bodies: list[tuple] = []

    # -- helpers -------------------------------------------------------------
    def loc(self, node) -> Loc:
        item = getattr(node, "item", None)
        if item is None and getattr(node, "content", None):
            # A construct (block DO, IF, SELECT CASE, WHERE) has no item of its own: its line is
            # that of its opening statement (without this, it got the previous statement's line).
            head = next((c for c in node.content if not isinstance(c, F.Comment)), None)
            item = getattr(head, "item", None)
        span = getattr(item, "span", None) if item is not None else None
        if span and self.src is not None:
            return self.src.loc(span[0])
        return Loc(self.path, span[0]) if span else self.ex.loc

    def expr(self, node, loc: Loc) -> E.Expr:
        self.ex.loc = loc
        return self.ex.lower(node)

    @staticmethod
    def label_of(node) -> str | None:
        item = getattr(node, "item", None)
        lab = getattr(item, "label", None) if item is not None else None
        content = getattr(node, "content", None)
        if lab is None and content and not isinstance(node, F.Comment):
            # a construct's label is on its first statement (``30 do j = 1, n``): a GO TO to
            # it enters the construct from the top
            head = getattr(content[0], "item", None)
            lab = getattr(head, "label", None) if head is not None else None
        return str(lab) if lab is not None else None

    # -- blocks -------------------------------------------------------------
    def block(self, nodes, closing_loc: Loc | None = None) -> list[S.Stmt]:
        """Lower a sequence of sibling nodes; rebuilds labelled-DO nesting and regions."""
        top: list = []
        open_dos: list[_DoOpen] = []

        def sink() -> list:
            return open_dos[-1].stmt.body if open_dos else top

        for node in self._flatten(nodes):
            if isinstance(node, F.Comment):
                self._comment(node, sink())
                continue
            if isinstance(node, F.Label_Do_Stmt):
                loc = self.loc(node)
                do = self._do_header(node, loc, body=[])
                do.label = self.label_of(node)      # a GO TO may jump to the DO statement itself
                self._attach(do)
                sink().append(do)
                open_dos.append(_DoOpen(str(node.items[1]), do))
                continue
            st = self.statement(node)
            if st is None:
                continue
            sink().append(st)
            lab = st.label
            while open_dos and lab is not None and open_dos[-1].label == lab:
                done = open_dos.pop()
                self._finish_body(done.stmt.body, self.loc(node))
        if open_dos:
            raise UnsupportedError(open_dos[-1].stmt.loc, f"DO loop with label {open_dos[-1].label} has no terminal statement")
        return self._finish_body(top, closing_loc)

    def _flatten(self, nodes):
        for n in nodes:
            content = getattr(n, "content", None)
            if content and not isinstance(n, F.Comment):
                # fparser puts comments written before a construct inside it: they belong before it
                k = 0
                while k < len(content) and isinstance(content[k], F.Comment):
                    k += 1
                if k:
                    yield from content[:k]
                    n.content = content[k:]
            if isinstance(n, (F.Block_Label_Do_Construct, F.Action_Term_Do_Construct)):
                yield from self._flatten(n.content)
            else:
                yield n

    def _finish_body(self, body: list, closing_loc: Loc | None) -> list[S.Stmt]:
        if self.pending:
            d = self.pending[0]
            raise DirectiveError(d.loc, f"$AD {d.keyword} is not followed by a statement in the same block")
        return _group_regions(body)

    def _comment(self, node, sink: list) -> None:
        text = str(node)
        if _omp_sentinel(text):
            self._omp(text, node, sink)
            return
        rest = directive_text(text, self.fixed_form)
        if rest is None:
            return
        loc = self.loc(node)
        d = parse_directive(rest, loc)
        if d.keyword in ("CHECKPOINT-START", "CHECKPOINT-END"):
            if self.pending:
                p = self.pending[0]
                raise DirectiveError(p.loc, f"$AD {p.keyword} must be right before the statement it applies to")
            sink.append(_RegionMark(d.keyword == "CHECKPOINT-START", loc))
        else:
            self.pending.append(d)

    def _omp(self, text: str, node, sink: list) -> None:
        """OpenMP: ``parallel do`` / ``do`` directives go with the DO loop that follows (kept where
        derivative code runs that loop as the primal does); other OpenMP directives are dropped
        from derivative code, with a note."""
        body = text.strip()[5:].strip()           # after the sentinel
        low = body.lower()
        if low.startswith("&"):                   # continuation of the previous directive
            if self.pending_omp:
                self.pending_omp[-1] += " " + body[1:].strip()
            return
        if low.startswith(("parallel do", "do")) and not low.startswith("do while"):
            self.pending_omp.append("!$omp " + body)
        elif low.startswith(("end parallel do", "end do")):
            if sink and isinstance(sink[-1], S.Do) and getattr(sink[-1], "omp", None):
                sink[-1].omp_end = "!$omp " + body
        else:
            self.omp_dropped.append((self.loc(node), body.split()[0] if body else ""))

    def _attach(self, st: S.Stmt) -> None:
        if self.pending_omp:
            if isinstance(st, S.Do):
                st.omp = list(self.pending_omp)
            self.pending_omp = []
        if not self.pending:
            return
        for d in self.pending:
            if d.keyword in ("CHECKPOINT", "NOCHECKPOINT") and not isinstance(st, S.CallStmt):
                raise DirectiveError(d.loc, f"$AD {d.keyword} must be right before a CALL statement")
            if d.keyword == "BINOMIAL-CKP" and not isinstance(st, S.Do):
                raise DirectiveError(d.loc, "$AD BINOMIAL-CKP must be right before a counted DO loop")
        kws = [d.keyword for d in self.pending]
        if "CHECKPOINT" in kws and "NOCHECKPOINT" in kws:
            raise DirectiveError(self.pending[-1].loc, "$AD CHECKPOINT and $AD NOCHECKPOINT on the same call")
        st.directives.extend(self.pending)
        self.pending = []

    # -- statements -----------------------------------------------------------
    def statement(self, node) -> S.Stmt | None:
        handler = lookup(_DISPATCH, node)
        loc = self.loc(node)
        if isinstance(node, F.Format_Stmt):
            lab = self.label_of(node)
            self.formats.append(f"{lab} {_text(node)}" if lab is not None else _text(node))
            return None
        if handler is None:
            if isinstance(node, _IO_CLASSES):
                st = self.raw_io(node, loc)
            else:
                name = type(node).__name__.replace("_Stmt", "").replace("_Construct", "").replace("_", " ").upper()
                raise UnsupportedError(loc, f"unsupported statement: {name} ('{_short(node)}')")
        else:
            st = handler(self, node, loc)
        if st is None:
            return None
        self.seen_exec = True
        st.loc = st.loc or loc
        lab = self.label_of(node)
        if lab is not None and st.label is None:
            st.label = lab
        self._attach(st)
        return st

    def assignment(self, node, loc):
        lhs = self.expr(node.items[0], loc)
        rhs = self.expr(node.items[2], loc)
        if isinstance(lhs, E.Call):
            if not self.seen_exec and all(isinstance(a, E.Name) for a in lhs.args):
                # a statement function  f(a, b) = expr : inlined where it is used
                self.stmt_functions[lhs.name] = ([a.name for a in lhs.args], rhs)
                return None
            raise UnsupportedError(loc, f"assignment to '{lhs.name}', which is not declared as an array")
        return S.Assign(lhs, rhs, loc=loc)

    def call(self, node, loc):
        args = list(self.ex.arg_list(node.items[1])) if node.items[1] is not None else []
        self.ex.loc = loc
        if isinstance(node.items[0], F.Procedure_Designator):
            # call obj%binding(args): resolved by passes/resolve_bindings (object first)
            obj = self.expr(node.items[0].items[0], loc)
            return S.CallStmt(BOUND + str(node.items[0].items[2]).lower(), [obj] + args, loc=loc)
        name = str(node.items[0]).lower()
        return S.CallStmt(name, args, loc=loc)

    def if_stmt(self, node, loc):
        cond = self.expr(node.items[0], loc)
        inner = self.statement(node.items[1])   # a directive before "IF (c) CALL f" is the call's
        inner.loc = loc
        return S.If([(cond, [inner])], None, logical_if=True, loc=loc)

    def if_construct(self, node, loc):
        content = node.content
        head = content[0]
        branches: list[tuple[E.Expr, list]] = []
        else_body = None
        cur_cond = self.expr(head.items[0], loc)
        cur_nodes: list = []
        in_else = False
        st = S.If([], None, construct_name=getattr(head.item, "name", None), loc=loc)
        self._attach(st)
        for n in content[1:]:
            if isinstance(n, (F.Else_If_Stmt, F.Else_Stmt, F.End_If_Stmt)):
                body = self.block(cur_nodes, self.loc(n))
                if in_else:
                    else_body = body
                else:
                    branches.append((cur_cond, body))
                cur_nodes = []
                if isinstance(n, F.Else_If_Stmt):
                    cur_cond = self.expr(n.items[0], self.loc(n))
                elif isinstance(n, F.Else_Stmt):
                    in_else = True
            else:
                cur_nodes.append(n)
        st.branches = branches
        st.else_body = else_body
        return st

    def _do_header(self, node, loc, body):
        ctl = node.items[2] if isinstance(node, F.Label_Do_Stmt) else node.items[1]
        name = getattr(node.item, "name", None)
        if ctl is None:
            return S.DoWhile(None, body, construct_name=name, loc=loc)
        while_cond, counter = ctl.items[0], ctl.items[1]
        if while_cond is not None:
            return S.DoWhile(self.expr(while_cond, loc), body, construct_name=name, loc=loc)
        var = str(counter[0]).lower()
        bounds = [self.expr(b, loc) for b in counter[1]]
        return S.Do(var, bounds[0], bounds[1], bounds[2] if len(bounds) > 2 else None,
                    body, construct_name=name, loc=loc)

    def nonlabel_do(self, node, loc):
        head = node.content[0]
        ctl = head.items[1]
        if ctl is not None and len(ctl.items) > 3 and ctl.items[3] is not None:
            return self.do_concurrent(node, ctl.items[3], loc)
        do = self._do_header(head, loc, body=[])
        self._attach(do)
        end = node.content[-1]
        do.body = self.block(node.content[1:-1], self.loc(end))
        return do

    def pointer_assignment(self, node, loc):
        """``obj%f => proc``: kept verbatim (it moves no data); passes/resolve_bindings binds
        the calls through a procedure-pointer component to the procedure the sources give it.

        ``p => t`` / ``p => w(2:n, j)`` / ``p => q`` / ``p => null()`` of a data pointer: a Raw
        statement carrying ``data_pointer = [(p, target or None)]`` (passes/pointer_groups puts
        the pointer and its targets in one storage group).  Pointer components are not
        supported."""
        obj, bounds, target = node.items
        nulled = isinstance(target, F.Intrinsic_Function_Reference) and str(target.items[0]).lower() == "null"
        if (isinstance(target, F.Name) or nulled) and type(obj).__name__ == "Data_Pointer_Object" and bounds is None:
            st = S.Raw(str(node), kind="proc_pointer", loc=loc)
            st.proc_pointer = (self.expr(obj.items[0], loc), str(obj.items[2]).lower(),
                               None if nulled else str(target).lower())
            return st
        if isinstance(obj, F.Name) and bounds is None:
            name = str(obj).lower()
            if isinstance(target, F.Intrinsic_Function_Reference) and str(target.items[0]).lower() == "null":
                return self._data_pointer(node, [(name, None)], loc)
            t = self.expr(target, loc)
            if isinstance(t, (E.Name, E.Index)):
                return self._data_pointer(node, [(name, t)], loc)
        raise UnsupportedError(loc, f"pointer assignment is not supported ('{str(node)[:60]}'): fadj "
                                    f"differentiates pointers to variables and sections of them")

    def nullify(self, node, loc):
        """NULLIFY of pointer variables: pointer assignments to nothing.  Of components (a solver's
        ``nullify(me%report)`` procedure pointer): kept as written, as it moves no data."""
        items = node.items[1].items
        if not all(isinstance(x, F.Name) for x in items):
            return self.raw_io(node, loc)
        return self._data_pointer(node, [(str(x).lower(), None) for x in items], loc)

    def _data_pointer(self, node, pairs, loc):
        reads: set[str] = set()
        for _, t in pairs:
            if isinstance(t, E.Index):
                for sub in t.subs:
                    reads |= {x.name for x in E.walk(sub) if isinstance(x, (E.Name, E.Index))}
        st = S.Raw(str(node), frozenset(reads), frozenset(), kind="data_pointer", loc=loc)
        st.data_pointer = pairs
        return st

    def select_case(self, node, loc):
        head = node.content[0]
        st = S.SelectCase(self.expr(head.items[0], loc), [], None,
                          construct_name=getattr(head.item, "name", None), loc=loc)
        self._attach(st)
        cur_sel = None
        cur_nodes: list = []
        started = False

        def flush(end_loc):
            body = self.block(cur_nodes, end_loc)
            if cur_sel is None:
                st.default = body
            else:
                st.cases.append((cur_sel, body))

        for n in node.content[1:]:
            if isinstance(n, (F.Case_Stmt, F.End_Select_Stmt)):
                if started:
                    flush(self.loc(n))
                elif cur_nodes:
                    self.block(cur_nodes)  # only comments may stand before the first CASE
                cur_nodes = []
                if isinstance(n, F.Case_Stmt):
                    started = True
                    cur_sel = self._case_selector(n, self.loc(n))
            else:
                cur_nodes.append(n)
        return st

    def _case_selector(self, n, loc):
        sel = n.items[0]
        ranges = sel.items[0]
        if ranges is None:
            return None
        out = []
        for r in ranges.items:
            if isinstance(r, F.Case_Value_Range):
                lo, hi = r.items
                out.append((self.expr(lo, loc) if lo is not None else None,
                            self.expr(hi, loc) if hi is not None else None))
            else:
                out.append(self.expr(r, loc))
        return out

    def where_construct(self, node, loc):
        head = node.content[0]
        st = S.Where([], None, loc=loc)
        self._attach(st)
        cur_mask = self.expr(head.items[0], loc)
        cur_nodes: list = []
        in_else = False
        for n in node.content[1:]:
            if isinstance(n, (F.Elsewhere_Stmt, F.Masked_Elsewhere_Stmt, F.End_Where_Stmt)):
                body = self.block(cur_nodes, self.loc(n))
                if in_else:
                    st.else_body = body
                else:
                    st.branches.append((cur_mask, body))
                cur_nodes = []
                if isinstance(n, F.Masked_Elsewhere_Stmt):
                    cur_mask = self.expr(n.items[0], self.loc(n))
                elif isinstance(n, F.Elsewhere_Stmt):
                    in_else = True
            else:
                cur_nodes.append(n)
        return st

    def where_stmt(self, node, loc):
        mask = self.expr(node.items[0], loc)
        inner = self.assignment(node.items[1], loc)
        return S.Where([(mask, [inner])], None, loc=loc)

    def allocate(self, node, loc):
        dealloc = isinstance(node, F.Deallocate_Stmt)
        items_node = node.items[0] if dealloc else node.items[1]
        opts_node = node.items[1] if dealloc else node.items[2]
        items = []
        for it in items_node.items:
            if isinstance(it, F.Allocation):
                shape = it.items[1]
                subs = []
                for sp in shape.items if shape is not None else ():
                    lo, hi = sp.items
                    if lo is None:
                        subs.append(self.expr(hi, loc))
                    else:
                        subs.append(E.Slice(self.expr(lo, loc), self.expr(hi, loc)))
                if isinstance(it.items[0], F.Data_Ref):
                    # allocate(f%data(nx, ny)): an allocatable component
                    obj = self.expr(it.items[0], loc)
                    if not isinstance(obj, E.Component) or obj.subs:
                        raise UnsupportedError(loc, f"ALLOCATE of '{it.items[0]}' is not supported")
                    items.append(E.Component(obj.base, obj.comp, tuple(subs)) if subs else obj)
                    continue
                name = str(it.items[0]).lower()
                items.append(E.Index(name, tuple(subs)) if subs else E.Name(name))
            else:
                items.append(self.expr(it, loc))
        return S.Allocate(items, deallocate=dealloc, options=str(opts_node) if opts_node is not None else "", loc=loc)

    def raw_io(self, node, loc):
        reads, writes = _io_effects(node)
        return S.Raw(_text(node), frozenset(reads), frozenset(writes), kind="io", loc=loc)

    def simple(self, cls):
        def make(self_, node, loc):
            return cls(loc=loc)
        return make


def _short(node) -> str:
    t = str(node)
    return t if len(t) < 60 else t[:57] + "..."


def _text(node) -> str:
    return str(node)


def _names(node) -> set[str]:
    out = set()
    if isinstance(node, F.Name):
        out.add(str(node).lower())
        return out
    for c in getattr(node, "items", ()) or ():
        if isinstance(c, (str, type(None))):
            continue
        out |= _names(c)
    return out


def _io_effects(node) -> tuple[set[str], set[str]]:
    """Variables an I/O statement reads and defines (inputs of READ are defined)."""
    names = _names(node)
    writes: set[str] = set()
    if isinstance(node, F.Read_Stmt):
        items = node.items[2] if len(node.items) > 2 else None
        if items is not None:
            writes = _names(items)
    # IOSTAT=, IOMSG=, SIZE=, and INQUIRE specifiers define variables too.
    for spec in U.walk(node, F.Io_Control_Spec):
        key = spec.items[0]
        if key is not None and str(key).upper() in ("IOSTAT", "IOMSG", "SIZE"):
            writes |= _names(spec.items[1])
    if isinstance(node, F.Inquire_Stmt) or isinstance(node, (F.Open_Stmt, F.Close_Stmt)):
        for spec in U.walk(node, (F.Inquire_Spec, F.Connect_Spec, F.Close_Spec)):
            key = spec.items[0]
            if key is not None and str(key).upper() not in ("UNIT", "FILE", "STATUS", "ACCESS", "FORM",
                                                             "RECL", "POSITION", "ACTION", "ERR"):
                writes |= _names(spec.items[1])
    return names, writes


def _group_regions(body: list) -> list[S.Stmt]:
    """Turn CHECKPOINT-START/END marks of one block into Region statements."""
    out: list = []
    stack: list[tuple[_RegionMark, list]] = []
    for item in body:
        if isinstance(item, _RegionMark):
            if item.start:
                stack.append((item, out))
                out = []
            else:
                if not stack:
                    raise DirectiveError(item.loc, "$AD CHECKPOINT-END without a matching $AD CHECKPOINT-START in the same block")
                mark, outer = stack.pop()
                region = S.Region(out, loc=mark.loc, end_loc=item.loc)
                outer.append(region)
                out = outer
        else:
            out.append(item)
    if stack:
        raise DirectiveError(stack[-1][0].loc, "$AD CHECKPOINT-START without a matching $AD CHECKPOINT-END in the same block")
    return out


_IO_CLASSES = tuple(getattr(F, n) for n in (
    "Print_Stmt", "Write_Stmt", "Read_Stmt", "Open_Stmt", "Close_Stmt", "Inquire_Stmt",
    "Rewind_Stmt", "Backspace_Stmt", "Endfile_Stmt", "Flush_Stmt", "Format_Stmt", "Wait_Stmt",
) if hasattr(F, n))


def _goto(self, node, loc):
    return S.Goto(str(node.items[0]), loc=loc)


def _computed_goto(self, node, loc):
    labels = [str(l) for l in node.items[0].items]
    return S.ComputedGoto(labels, self.expr(node.items[1], loc), loc=loc)


def _arith_if(self, node, loc):
    e = self.expr(node.items[0], loc)
    return S.ArithmeticIf(e, (str(node.items[1]), str(node.items[2]), str(node.items[3])), loc=loc)


def _stop(self, node, loc):
    return S.Stop(str(node).lower() if node.items[1] is None else str(node), loc=loc)


def _exit(self, node, loc):
    nm = node.items[1]
    return S.Exit(str(nm).lower() if nm is not None else None, loc=loc)


def _cycle(self, node, loc):
    nm = node.items[1]
    return S.Cycle(str(nm).lower() if nm is not None else None, loc=loc)


_DISPATCH = {
    F.Assignment_Stmt: BodyLowerer.assignment,
    F.Call_Stmt: BodyLowerer.call,
    F.If_Stmt: BodyLowerer.if_stmt,
    F.If_Construct: BodyLowerer.if_construct,
    F.Block_Nonlabel_Do_Construct: BodyLowerer.nonlabel_do,
    F.Case_Construct: BodyLowerer.select_case,
    F.Where_Construct: BodyLowerer.where_construct,
    F.Where_Stmt: BodyLowerer.where_stmt,
    F.Allocate_Stmt: BodyLowerer.allocate,
    F.Deallocate_Stmt: BodyLowerer.allocate,
    F.Continue_Stmt: lambda self, node, loc: S.Continue(loc=loc),
    F.Return_Stmt: lambda self, node, loc: S.Return(loc=loc),
    F.Stop_Stmt: _stop,
    F.Exit_Stmt: _exit,
    F.Cycle_Stmt: _cycle,
    F.Goto_Stmt: _goto,
    F.Computed_Goto_Stmt: _computed_goto,
    F.Forall_Stmt: BodyLowerer.forall_stmt,
    F.Pointer_Assignment_Stmt: BodyLowerer.pointer_assignment,
    F.Nullify_Stmt: BodyLowerer.nullify,
    F.Forall_Construct: BodyLowerer.forall_construct,
    F.Associate_Construct: BodyLowerer.associate,
    F.Arithmetic_If_Stmt: _arith_if,
}
from fparser.two import Fortran2008 as F8  # noqa: E402

_DISPATCH[F8.Error_Stop_Stmt] = lambda self, node, loc: S.Stop(str(node), loc=loc)
_DISPATCH[F8.Block_Construct] = BodyLowerer.block_construct


def _omp_sentinel(text: str) -> bool:
    s = text.lstrip().lower()
    return s.startswith("!$omp") or text[:5].lower() in ("c$omp", "*$omp")

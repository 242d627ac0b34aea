"""Lowering of the constructs that become plain loops and blocks: FORALL, DO CONCURRENT,
ASSOCIATE and BLOCK.

None of them reaches the IR: FORALL and DO CONCURRENT become DO nests (FORALL through
a temporary where an assignment reads what it writes), ASSOCIATE substitutes its
selectors, BLOCK's locals become the routine's.  A mixin of
:class:`fadj.frontend.lower_stmts.BodyLowerer`, which supplies ``expr``, ``block``,
``assignment``, ``loc`` and the temporaries lists.
"""
from __future__ import annotations

from fparser.two import Fortran2003 as F

from fadj.errors import UnsupportedError
from fadj.ir import expr as E
from fadj.ir import stmt as S


class ConstructLowerer:
    """Methods of :class:`fadj.frontend.lower_stmts.BodyLowerer` (split by concern)."""

    # -- FORALL ------------------------------------------------------------------
    def forall_stmt(self, node, loc):
        return self._forall(node.items[0], [node.items[1]], loc)

    def forall_construct(self, node, loc):
        head = node.content[0]
        body = [c for c in node.content[1:-1] if not isinstance(c, F.Comment)]
        return self._forall(head.items[1], body, loc)

    def _forall(self, header, nodes, loc):
        """FORALL: for each assignment, every right-hand side is evaluated before any element is
        assigned.  An assignment whose right-hand side or mask reads the variable it assigns goes
        through a temporary indexed like the FORALL (evaluate all, then assign); the others are
        a plain DO nest, as their order cannot matter."""
        triplets, mask_node = header.items[0].items, header.items[1]
        idx = [(str(tr.items[0]).lower(), self.expr(tr.items[1], loc), self.expr(tr.items[2], loc),
                self.expr(tr.items[3], loc) if tr.items[3] is not None else None) for tr in triplets]
        mask = self.expr(mask_node, loc) if mask_node is not None else None
        out: list[S.Stmt] = []
        for n in nodes:
            if not isinstance(n, F.Assignment_Stmt):
                raise UnsupportedError(self.loc(n), f"FORALL containing '{str(n)[:40]}' is not supported "
                                                    f"(assignments only)")
            asg = self.assignment(n, self.loc(n) or loc)
            base = E.base_name(asg.lhs)
            reads = {x.name for x in E.walk(asg.rhs) if isinstance(x, (E.Name, E.Index))}
            if mask is not None:
                reads |= {x.name for x in E.walk(mask) if isinstance(x, (E.Name, E.Index))}
            if base not in reads:
                out.append(self._nest(idx, self._masked(mask, [asg], loc), loc))
                continue
            self.forall_count += 1
            tmp = f"fadj_forall{self.forall_count}"
            shape = tuple(E.Slice(lo, hi) for _, lo, hi, _ in idx)
            at = E.Index(tmp, tuple(E.Name(v) for v, _, _, _ in idx))
            self.temps.append((tmp, asg.lhs, len(idx), False))
            pre = [S.Allocate([E.Index(tmp, shape)], loc=loc)]
            m = mask
            if mask is not None:
                mtmp = f"fadj_forall_mask{self.forall_count}"
                self.temps.append((mtmp, None, len(idx), True))
                mat = E.Index(mtmp, at.subs)
                pre.append(S.Allocate([E.Index(mtmp, shape)], loc=loc))
                pre.append(self._nest(idx, [S.Assign(mat, mask, loc=loc)], loc))
                m = mat
            first = self._nest(idx, self._masked(m, [S.Assign(at, asg.rhs, loc=asg.loc)], loc), loc)
            second = self._nest(idx, self._masked(m, [S.Assign(asg.lhs, at, loc=asg.loc)], loc), loc)
            free = [S.Allocate([E.Name(tmp)], deallocate=True, loc=loc)]
            if mask is not None:
                free.append(S.Allocate([E.Name(mtmp)], deallocate=True, loc=loc))
            out += pre + [first, second] + free
        if len(out) == 1:
            return out[0]
        return S.If([(E.LogicalLit(True), out)], None, loc=loc)

    @staticmethod
    def _masked(mask, body, loc):
        return [S.If([(mask, body)], None, loc=loc)] if mask is not None else body

    @staticmethod
    def _nest(idx, body, loc):
        for var, lo, hi, step in reversed(idx):
            body = [S.Do(var, lo, hi, step, body, loc=loc)]
        return body[0]

    # -- ASSOCIATE and BLOCK -----------------------------------------------------------
    def associate(self, node, loc):
        """ASSOCIATE (a => selector, ...): a variable selector is substituted for its name in the
        block; an expression selector is evaluated once, into a temporary, at the entry."""
        head = node.content[0]
        pre: list[S.Stmt] = []
        subst: dict[str, E.Expr] = {}
        for assoc in head.items[1].items:
            name = str(assoc.items[0]).lower()
            sel = self.expr(assoc.items[2], loc)
            if isinstance(sel, E.REF_TYPES) and not isinstance(sel, E.Call):
                subst[name] = sel
            else:
                self.forall_count += 1
                tmp = f"fadj_assoc{self.forall_count}_{name}"
                self.temps.append((tmp, sel, -1, False))
                pre.append(S.Assign(E.Name(tmp), sel, loc=loc))
                subst[name] = E.Name(tmp)
        outer = self.ex.is_array
        self.ex.is_array = lambda n: n in subst or outer(n)     # c(2) with c => p%c: an element
        try:
            body = self.block(node.content[1:-1], self.loc(node.content[-1]))
        finally:
            self.ex.is_array = outer
        _substitute_names(body, subst)
        return S.If([(E.LogicalLit(True), pre + body)], None, loc=loc, construct_name=getattr(head.item, "name", None))

    def block_construct(self, node, loc):
        """BLOCK with declarations: its local variables become locals of the routine (renamed
        when a name is taken) and its statements are inlined."""
        spec = next((c for c in node.content if isinstance(c, F.Specification_Part)), None)
        if spec is not None:
            self.block_specs.append((spec, loc))
        stmts = [c for c in node.content[1:-1] if not isinstance(c, F.Specification_Part)]
        body = self.block(stmts, self.loc(node.content[-1]))
        if spec is not None:
            self.block_bodies.append((len(self.block_specs) - 1, body))
        name = getattr(node.content[0].item, "name", None)
        if name and _exits_named(body, name.lower()):
            # EXIT name leaves the BLOCK: a jump to its end
            self.forall_count += 1
            label = str(98000 + self.forall_count)
            _exits_to_goto(body, name.lower(), label)
            body = body + [S.Continue(label=label, loc=loc)]
            name = None
        return S.If([(E.LogicalLit(True), body)], None, loc=loc, construct_name=name)

    def do_concurrent(self, node, header, loc):
        """DO CONCURRENT (i = a:b[:s], j = ..., mask): iterations are independent, so a nest of
        ordinary DO loops (first index outermost) with the mask as an IF runs it as written."""
        triplets, mask = header.items[0].items, header.items[1]
        if any(str(x).lower().startswith(("local", "shared", "default")) for x in header.items[2:] if x is not None):
            raise UnsupportedError(loc, "DO CONCURRENT locality specifiers are not supported")
        end = node.content[-1]
        body = self.block(node.content[1:-1], self.loc(end))
        if mask is not None:
            body = [S.If([(self.expr(mask, loc), body)], None, loc=loc)]
        name = getattr(node.content[0].item, "name", None)
        for k, tr in enumerate(reversed(triplets)):
            var, lo, hi, step = tr.items
            body = [S.Do(str(var).lower(), self.expr(lo, loc), self.expr(hi, loc),
                         self.expr(step, loc) if step is not None else None, body,
                         construct_name=name if k == len(triplets) - 1 else None, loc=loc)]
        self._attach(body[0])
        return body[0]


def _substitute_names(body: list[S.Stmt], subst: dict[str, E.Expr]) -> None:
    """Replace associate-names by their selectors in every expression of ``body``."""
    from fadj.ir.visit import map_exprs

    def fn(e: E.Expr) -> E.Expr:
        if isinstance(e, E.Name) and e.name in subst:
            return subst[e.name]
        if isinstance(e, E.Index) and e.name in subst:
            sel = subst[e.name]
            if isinstance(sel, E.Name):
                return E.Index(sel.name, e.subs)
            if isinstance(sel, E.Component) and not sel.subs:
                return E.Component(sel.base, sel.comp, e.subs)
            raise UnsupportedError(None, "ASSOCIATE: an associate-name for a section or element, indexed again, "
                                         "is not supported")
        return e
    map_exprs(body, lambda e: E.transform(e, fn))
    for st in S.walk_stmts(body):
        if isinstance(st, S.Do) and st.var in subst:
            raise UnsupportedError(st.loc, f"DO variable '{st.var}' is an associate-name: not supported")


def _exits_named(body: list[S.Stmt], name: str) -> bool:
    return any(isinstance(st, S.Exit) and st.construct_name == name for st in S.walk_stmts(body))


def _exits_to_goto(body: list[S.Stmt], name: str, label: str) -> None:
    for st in list(S.walk_stmts(body)):
        for b in st.bodies():
            for k, x in enumerate(b):
                if isinstance(x, S.Exit) and x.construct_name == name:
                    b[k] = S.Goto(label, loc=x.loc, label=x.label)
    for k, x in enumerate(body):
        if isinstance(x, S.Exit) and x.construct_name == name:
            body[k] = S.Goto(label, loc=x.loc, label=x.label)

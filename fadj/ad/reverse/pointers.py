"""Reverse mode of data pointer assignments: the backward sweep re-creates each association.

A pointer's association is state like a variable's value: the backward code of a statement
that reads or writes through ``p`` must see ``p`` (and ``pb``) associated as the forward sweep
had it there.  Every pointer ``p`` of the routine has an integer record ``fadj_pa_p`` saying
what it points to: 0 (nothing), or the number ``k`` of the pointer assignment that made the
association followed by the values of its target's subscripts (``lo, hi, step`` per section
subscript, the value of a scalar one), evaluated where the forward sweep ran it.  ``p => q``
copies ``q``'s record.  A pointer assignment pushes the record it replaces; its backward code
pops it and points ``p`` and ``pb`` again where the record says, with a SELECT CASE over the
group's pointer assignments.  A split routine's ``_bwd`` half starts from the records of the
end of ``_fwd``.

The storage groups that make the analyses see a pointer and its targets as one variable are
built by passes/pointer_groups.
"""
from __future__ import annotations

from fadj.ad.reverse.stack import pop, push
from fadj.backend.fortran import expr_str
from fadj.errors import UnsupportedError
from fadj.ir import expr as E
from fadj.ir import stmt as S
from fadj.ir.symbols import INTEGER, Dim, Symbol
from fadj.ir.visit import with_bodies
from fadj.passes.pointer_groups import group_pointers, pointer_statements


def _record_ints(t: E.Expr) -> list[E.Expr]:
    """The subscript values that fix a target section: lo, hi, step of each slice, or the value."""
    if not isinstance(t, E.Index):
        return []
    out: list[E.Expr] = []
    for d, sub in enumerate(t.subs, start=1):
        if isinstance(sub, E.Slice):
            base = E.Name(t.name)
            out += [sub.lo if sub.lo is not None else E.Call("lbound", (base, E.IntLit(str(d)))),
                    sub.hi if sub.hi is not None else E.Call("ubound", (base, E.IntLit(str(d)))),
                    sub.step if sub.step is not None else E.IntLit("1")]
        else:
            out.append(sub)
    return out


class PointerMixin:
    """Methods of :class:`fadj.ad.reverse.engine.Reverser` (split by concern)."""

    def _pointer_setup(self):
        """Records per pointer, and the pointer assignments with a target, numbered per group."""
        if hasattr(self, "_ptr"):
            return self._ptr
        r = self.r
        sites: dict[str, list[tuple[int, E.Expr]]] = {}      # group id -> [(k, target)]
        for st in pointer_statements(r):
            for p, t in st.data_pointer:
                if t is not None and not r.scope.local(E.base_name(t)).pointer:
                    g = r.storage_groups[p]
                    lst = sites.setdefault(g, [])
                    lst.append((len(lst) + 1, t))
                    st.__dict__.setdefault("_ptr_site", {})[(p, id(t))] = len(lst)
        records: dict[str, E.Name] = {}
        for p in group_pointers(r):
            g = r.storage_groups[p]
            size = 1 + max((len(_record_ints(t)) for _, t in sites.get(g, [])), default=0)
            name = self.ds.names.fresh(f"fadj_pa_{p}", numbered=False)
            self.ds.symbols.append(Symbol(name, type=INTEGER, dims=(Dim(None, E.IntLit(str(size))),)))
            records[p] = E.Name(name)
        self._ptr = (records, sites)
        return self._ptr

    def _group_active(self, p: str) -> bool:
        return self.act.is_active_id(self.r, self.r.storage_groups[p])

    def pointer_prologue(self) -> list[S.Stmt]:
        """The forward sweep starts with every local pointer pointing nowhere."""
        if not self.r.storage_groups:
            return []
        records, _ = self._pointer_setup()
        return [S.Assign(rec, E.IntLit("0")) for _, rec in sorted(records.items())]

    def r_data_pointer(self, st: S.Raw, sw):
        if not any(p in self.r.storage_groups for p, _ in st.data_pointer):
            return [st], []          # NULLIFY of a pointer used like an allocatable
        records, _ = self._pointer_setup()
        fwd: list[S.Stmt] = []
        bwd: list[S.Stmt] = []
        for p, t in st.data_pointer:
            if p not in records:
                continue
            rec = records[p]
            fwd.append(push(rec))
            if t is None:
                fwd.append(S.Assign(rec, E.IntLit("0")))
            elif self.r.scope.local(E.base_name(t)).pointer:
                fwd.append(S.Assign(rec, records[E.base_name(t)]))
            else:
                k = st._ptr_site[(p, id(t))]
                fwd.append(S.Assign(rec, E.IntLit("0")))
                fwd.append(S.Assign(E.Index(rec.name, (E.IntLit("1"),)), E.IntLit(str(k))))
                for j, v in enumerate(_record_ints(t), start=2):
                    fwd.append(S.Assign(E.Index(rec.name, (E.IntLit(str(j)),)), v))
            bwd = [pop(rec)] + self.reassociate(p) + bwd
        fwd.append(st)
        for p, t in st.data_pointer:
            if p in records and self._group_active(p):
                fwd.append(self._derivative_association(p, t, st))
        return fwd, bwd

    def _derivative_association(self, p: str, t: E.Expr | None, st: S.Stmt) -> S.Raw:
        pb = self.ds.dname(p)
        text = f"nullify({pb})" if t is None else f"{pb} => {expr_str(self.ds.dref(t))}"
        # a _fwd half has no adjoints: there it is left out (without_derivative_pointers)
        return S.Raw(text, kind="derivative_pointer", loc=st.loc)

    def reassociate(self, p: str) -> list[S.Stmt]:
        """``p`` (and ``pb``) point where ``p``'s record says."""
        records, sites = self._pointer_setup()
        rec = records[p]
        active = self._group_active(p)
        pb = self.ds.dname(p) if active else None

        def assoc(t: E.Expr | None) -> list[S.Stmt]:
            if t is None:
                out = [S.Raw(f"nullify({p})")]
                return out + ([S.Raw(f"nullify({pb})")] if active else [])
            ints = iter(range(2, 2 + len(_record_ints(t))))

            def at(k: int) -> E.Expr:
                return E.Index(rec.name, (E.IntLit(str(k)),))
            if isinstance(t, E.Index):
                subs = []
                for sub in t.subs:
                    if isinstance(sub, E.Slice):
                        subs.append(E.Slice(at(next(ints)), at(next(ints)), at(next(ints))))
                    else:
                        subs.append(at(next(ints)))
                t = E.Index(t.name, tuple(subs))
            out = [S.Raw(f"{p} => {expr_str(t)}")]
            if active:
                out.append(S.Raw(f"{pb} => {expr_str(self.ds.dref(t))}"))
            return out
        g = self.r.storage_groups[p]
        rank = self.r.scope.local(p).rank        # (a group may hold pointers of several ranks)
        cases = [([E.IntLit(str(k))], assoc(t)) for k, t in sites.get(g, []) if self.typer.rank_of(t) == rank]
        return [S.SelectCase(E.Index(rec.name, (E.IntLit("1"),)), cases, assoc(None))]

    def pointer_end_ops(self) -> tuple[list[S.Stmt], list[S.Stmt]]:
        """Split mode: ``_fwd`` ends by pushing every pointer's record, ``_bwd`` starts by popping
        them and pointing the pointers there."""
        if not self.r.storage_groups:
            return [], []
        records, _ = self._pointer_setup()
        save = [push(rec) for _, rec in sorted(records.items())]
        restore: list[S.Stmt] = []
        for p, rec in sorted(records.items(), reverse=True):
            restore += [pop(rec)] + self.reassociate(p)
        return save, restore


def without_derivative_pointers(stmts: list[S.Stmt]) -> list[S.Stmt]:
    """The forward sweep of a ``_fwd`` half: derivative pointers do not exist there (its
    ``_bwd`` points them from the records)."""
    out = []
    for st in stmts:
        if isinstance(st, S.Raw) and st.kind == "derivative_pointer":
            continue
        # shallow copies: the forward sweep is shared with the routine's joint version
        out.append(with_bodies(st, without_derivative_pointers) if st.bodies() else st)
    return out


def no_pointer_assignments(stmts: list[S.Stmt], loc, what: str) -> None:
    """Snapshots of checkpointed regions and binomial loops hold values, not pointer
    associations: a pointer assignment inside one is an error (its re-runs would start from
    the wrong association)."""
    for st in S.walk_stmts(stmts):
        if isinstance(st, S.Raw) and st.kind == "data_pointer":
            raise UnsupportedError(st.loc or loc, f"pointer assignment inside {what} is not supported yet "
                                                  f"(move it out)")

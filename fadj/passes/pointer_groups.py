"""Data pointers: a pointer and every variable it may point to are one storage for the analyses.

``p => w(2:n)``, ``old => new`` (the swap of time levels), ``p => a(:, j)`` inside a loop: which
storage a pointer designates changes at run time, so activity, TBR and snapshots cannot tell
``p`` from its targets.  This pass unites each pointer with the targets of its pointer
assignments (and with the pointers it is assigned from) into a storage group; ``var_id`` gives
every member the group's id, so a write through ``p`` is a (non-killing) write of all of them,
and a snapshot of the group saves each target whole.  The engines keep the associations: the
derivative pointer points at the derivative of the target (``pb => wb(2:n)``), and the reverse
sweep re-creates, statement by statement, the association the forward sweep had
(ad/reverse/pointers.py).

Supported: local pointers (not dummies, module variables or components) pointing at local
variables and at most one dummy argument (the group is then known by the dummy's name, which
is how callers see it; the locals are saved with it).  Anything else is an error at the
pointer assignment.
"""
from __future__ import annotations

from fadj.errors import UnsupportedError
from fadj.ir import expr as E
from fadj.ir import stmt as S
from fadj.ir.program import Routine


def pointer_statements(r: Routine) -> list[S.Raw]:
    return [st for st in S.walk_stmts(r.body) if getattr(st, "data_pointer", None)]


def group_targets(r: Routine, gid: str) -> list[str]:
    """The variables (not pointers) of storage group ``gid``, sorted."""
    return sorted(m for m, g in r.storage_groups.items() if g == gid and not r.scope.local(m).pointer)


def storage_of(r: Routine, vid: str) -> list[str]:
    """The variables that hold id ``vid``'s values: a storage group's targets (a group with a
    dummy argument is known by the dummy's name), or ``vid`` itself."""
    if vid.startswith("@") or vid in r.args and vid in r.storage_groups.values():
        return group_targets(r, vid)
    return [vid]


def group_pointers(r: Routine) -> list[str]:
    return sorted(m for m in r.storage_groups if r.scope.local(m).pointer)


def pointer_groups(r: Routine) -> None:
    """Fill ``r.storage_groups`` (name -> group id) from its pointer assignments."""
    _procedure_pointers(r)
    stmts = pointer_statements(r)
    if not stmts:
        return
    from fadj.passes.inline_pointer_moves import pointer_only
    if r.args and pointer_only(r):
        # it only re-points its pointer dummies: inlined where it is called (inline_pointer_moves);
        # a call left (its actuals are not the caller's local pointers) is an error in prepare
        r._pointer_moves = True       # type: ignore[attr-defined]
        return
    # pointers that are only nullified (an ALLOCATEd pointer, used like an allocatable) stay out
    pointed = {p for st in stmts for p, t in st.data_pointer if t is not None}
    pointed |= {E.base_name(t) for st in stmts for _, t in st.data_pointer if t is not None}
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for st in stmts:
        for p, t in st.data_pointer:
            if p not in pointed:
                continue
            _check_pointer(r, p, st)
            find(p)
            if t is None:
                continue
            b = E.base_name(t)
            bsym = r.scope.lookup(b)
            if bsym is None or r.scope.local(b) is None or bsym.module is not None or bsym.common is not None:
                raise UnsupportedError(st.loc, f"pointer '{p}' => '{b}': a target that is not a local variable or "
                                               f"dummy argument of '{r.name}' is not supported")
            if bsym.pointer:
                _check_pointer(r, b, st)
                if not isinstance(t, E.Name):
                    raise UnsupportedError(st.loc, f"pointer '{p}' => a section of pointer '{b}' is not supported "
                                                   f"(point it at a section of the target)")
            elif not isinstance(t, (E.Name, E.Index)):
                raise UnsupportedError(st.loc, f"pointer '{p}' => '{E.base_name(t)}': target not supported")
            parent[find(p)] = find(b)
    groups: dict[str, list[str]] = {}
    for m in parent:
        groups.setdefault(find(m), []).append(m)
    for members in groups.values():
        dummies = sorted(m for m in members if r.scope.local(m).is_arg)
        targets = sorted(m for m in members if not r.scope.local(m).pointer)
        if len(dummies) > 1:
            raise UnsupportedError(stmts[0].loc, f"pointers of '{r.name}' that may point to dummy arguments "
                                                 f"'{dummies[0]}' and '{dummies[1]}' are not supported")
        gid = dummies[0] if dummies else "@" + (targets[0] if targets else sorted(members)[0])
        for m in members:
            r.storage_groups[m] = gid
    for st in S.walk_stmts(r.body):
        if isinstance(st, S.Allocate) and any(E.base_name(i) in r.storage_groups
                                               and r.scope.local(E.base_name(i)).pointer for i in st.items):
            raise UnsupportedError(st.loc, "ALLOCATE or DEALLOCATE of a pointer that is also pointer-assigned "
                                           "is not supported")


def _check_pointer(r: Routine, p: str, st: S.Stmt) -> None:
    sym = r.scope.local(p)
    if sym is None or not sym.pointer or sym.is_arg or sym.module is not None or sym.common is not None or sym.save:
        what = "a dummy argument" if sym is not None and sym.is_arg else "not a local pointer of " + repr(r.name)
        raise UnsupportedError(st.loc, f"pointer assignment to '{p}' ({what}) is not supported: fadj "
                                       f"differentiates local pointers")


def _procedure_pointers(r: Routine) -> None:
    """``rhs => lorenz`` of a procedure pointer variable is not a data pointer: it becomes the
    statement resolve_procedure_pointers reads (as ``obj%f => proc`` of a component is)."""
    for st in pointer_statements(r):
        pairs = st.data_pointer
        sym = r.scope.lookup(pairs[0][0])
        if sym is None or not (sym.procedure and sym.pointer):
            continue
        if len(pairs) != 1 or not isinstance(pairs[0][1], (E.Name, type(None))):
            raise UnsupportedError(st.loc, f"'{st.text[:60]}': a procedure pointer is pointed to a procedure by "
                                           f"name only")
        st.kind = "proc_pointer"
        t = pairs[0][1]
        st.proc_pointer = (None, pairs[0][0], t.name if t is not None else None)    # None: nullified
        del st.data_pointer

"""Everything the derivative engines share about one differentiation request.

``prepare`` runs the front half of the pipeline after parsing: normalising
passes, call graph, read/write summaries, activity.  The context then answers
the engines' questions (is this reference active? how is this call
checkpointed? which derivative versions of a routine are needed?) and
collects what they produce.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from fadj.ad.plan import JOINT, SPLIT, CheckpointOptions, Decision, call_mode
from fadj.analysis.activity import Activity, analyse_activity
from fadj.analysis.callgraph import CallGraph, CallSite, build_callgraph, check_missing, resolve
from fadj.analysis.effects import Effects
from fadj.errors import NameErr, UnsupportedError
from fadj.ir import expr as E
from fadj.ir import intrinsics as I
from fadj.ir.program import Program, Routine
from fadj.ir.symbols import Symbol
from fadj.ir.typing import Typer
from fadj.passes.hoist_calls import hoist_calls
from fadj.passes.flatten_gotos import flatten_gotos
from fadj.passes.lift_internals import lift_internals
from fadj.passes.lower_constructors import lower_constructors
from fadj.passes.lower_where import lower_where
from fadj.passes.inline_pointer_moves import inline_pointer_moves
from fadj.passes.pointer_groups import pointer_groups
from fadj.passes.resolve_bindings import resolve_procedure_pointers
from fadj.passes.specialize_procedures import specialize_procedures
from fadj.analysis.equivalence import check_active_equivalences, check_equivalences
from fadj.analysis.shallow_copies import check_shallow_copies
from fadj.passes.structure_jumps import structure_jumps
from fadj.passes.structure_returns import structure_returns
from fadj.passes.unshadow_intrinsics import unshadow_intrinsics


def _unsized_section(site: CallSite, f: str, a) -> str | None:
    """The caller's assumed-size array behind actual ``a`` of dummy ``f`` when the part of it the
    dummy spans is unknown (so the caller cannot save it), else None."""
    sym = site.caller.scope.lookup(a.name)
    if sym is None or not sym.dims or not any(d.kind == "assumed_size" for d in sym.dims):
        return None
    fsym = site.callee.scope.local(f)
    if fsym is None or fsym.rank == 0:
        return None      # an element: saved as it is
    if sym.rank == 1 and fsym.dims and all(d.kind == "explicit" and d.hi is not None for d in fsym.dims):
        return None      # the section the dummy spans is known
    return a.name


@dataclass
class ADContext:
    prog: Program
    head: Routine
    vars: list[str]
    outvars: list[str]
    opts: CheckpointOptions
    cg: CallGraph
    effects: Effects
    activity: Activity
    routines: list[Routine]                      # reachable from the head, callees first
    mode: str = "reverse"
    notes: list[str] = field(default_factory=list)
    decisions: dict[int, Decision] = field(default_factory=dict)
    common_layouts: dict[str, tuple[Routine, list[str]]] = field(default_factory=dict)
    needed_module_globals: dict[str, set[str]] = field(default_factory=dict)   # module -> active var names
    needed_commons: set[str] = field(default_factory=set)
    needed_types: set[str] = field(default_factory=set)                      # derived types needing t_diff
    profile: bool | str = False               # instrument call sites for `fadj profile` ("count" or True)
    debug_checks: bool = False                # per-routine FADJ_DEBUG bookkeeping (debug builds only)
    profile_timed: set | None = None          # site keys to time (None: all)
    profile_sites: list = field(default_factory=list)                          # CallSite per profile slot

    def typer(self, r: Routine) -> Typer:
        return function_typer(self.prog, r)

    def decision(self, site: CallSite) -> Decision:
        d = self.decisions.get(id(site))
        if d is None:
            d = call_mode(site, self.opts)
            if d.mode == JOINT and d.why == "default":
                unsized = self._unsized_snapshot(site)
                if unsized is not None:
                    d = Decision(SPLIT, "unsized", f"{site.loc}: note: call to '{site.name}' not checkpointed "
                                                   f"(split mode): its snapshot would need the size of "
                                                   f"assumed-size array '{unsized}'")
            self.decisions[id(site)] = d
            if d.note and d.note not in self.notes:
                self.notes.append(d.note)
        return d

    def _unsized_snapshot(self, site: CallSite) -> str | None:
        """The caller's assumed-size array a joint call would have to save whole, or None.

        A checkpointed call saves what the callee both reads and writes; an assumed-size actual
        (``work(*)``) cannot be saved unless the dummy's extent gives the section.  Split mode
        saves nothing before the call for the callee's own sake, so it is the default there."""
        from fadj.analysis.effects import map_actuals
        if site.callee is None:
            return None
        summ = self.effects.summary(site.callee)
        for f, a in map_actuals(site).items():
            if f not in summ.reads or f not in summ.writes or not isinstance(a, (E.Name, E.Index)):
                continue
            name = _unsized_section(site, f, a)
            if name is not None:
                return name
        return None

    def allocates(self, r: Routine) -> bool:
        """Whether ``r`` or a routine it calls has an ALLOCATE statement (or MOVE_ALLOC)."""
        from fadj.ir import stmt as S
        cache = self.__dict__.setdefault("_allocates", {})
        if r in cache:
            return cache[r]
        cache[r] = False          # recursion guard
        got = any((isinstance(x, S.Allocate) and not x.deallocate)
                  or (isinstance(x, S.CallStmt) and x.name == "move_alloc")
                  or (isinstance(x, S.Assign) and self._reallocates(r, x.lhs)) for x in S.walk_stmts(r.body))
        if not got:
            got = any(site.callee is not None and self.allocates(site.callee) for site in self.cg.sites.get(r, []))
        cache[r] = got
        return got

    def _reallocates(self, r: Routine, lhs) -> bool:
        """An assignment to a whole allocatable (``self%data = f%data``, ``a = b`` of a type with
        allocatable components) allocates it when it is not (Fortran 2003 reallocation)."""
        from fadj.ir import expr as E
        from fadj.ir.derived import component, has_allocatable_parts
        if isinstance(lhs, E.Name):
            sym = r.scope.lookup(lhs.name)
            return sym is not None and (sym.allocatable or has_allocatable_parts(sym, self.prog.types))
        if isinstance(lhs, E.Component) and not lhs.subs:
            c = component(self.prog.types, self.typer(r).type_of(lhs.base), lhs.comp)
            return c is not None and (c.allocatable or has_allocatable_parts(c, self.prog.types))
        return False

    def kept_formals(self, r: Routine) -> frozenset:
        """Dummies of ``r`` whose overwritten values ``r`` itself saves, element by element.

        A caller that must save a variable a call overwrites saves the section the dummy spans;
        when the actual is the caller's own assumed-size array and that section is unknown
        (``work(*)`` handed on to ``work(*)``), no caller can.  ``r`` then saves what it writes
        there, so its backward half gives the values back and the caller saves nothing."""
        cache = self.__dict__.setdefault("_kept_formals", {})
        got = cache.get(r)
        if got is not None:
            return got
        from fadj.analysis.effects import map_actuals
        writes = self.effects.summary(r).writes
        out = set()
        for site in self.cg.callers.get(r, []):
            if not self.site_active(site):
                continue
            for f, a in map_actuals(site).items():
                if f in writes and f not in out and isinstance(a, (E.Name, E.Index)) \
                        and _unsized_section(site, f, a) is not None:
                    out.add(f)
        cache[r] = frozenset(out)
        return cache[r]

    def derivative_formals(self, r: Routine) -> list[str]:
        """Active formals that get a derivative argument.  As Tapenade: for the head, only those
        named in --vars or --outvars; another active argument of the head (a work array, a state
        it updates) has a local derivative, zero on entry."""
        active = self.activity.active_formals(r)
        if r is not self.head:
            return active
        named = set(self.vars) | set(self.outvars)
        return [a for a in active if a in named]

    def local_derivative_formals(self, r: Routine) -> list[str]:
        """Active formals of the head whose derivatives are locals (see derivative_formals)."""
        if r is not self.head:
            return []
        kept = set(self.derivative_formals(r))
        return [a for a in self.activity.active_formals(r) if a not in kept]

    def call_name(self, caller: Routine, callee: Routine, version: str) -> str:
        """Name under which ``caller``'s derivative calls ``callee``'s derivative ``version``: the
        plain ``name_v``, or, when modules share the name, ``module_name_v`` (imported renamed)."""
        plain = f"{callee.name}_{version}"
        if callee.module is not None and callee.name in self.prog.same_names and caller.module != callee.module:
            return f"{callee.module}_{plain}"
        return plain

    def reverser(self, r: Routine):
        """The (cached) reverse-mode engine of routine ``r``."""
        cache = self.__dict__.setdefault("_reversers", {})
        rv = cache.get(r)
        if rv is None:
            if r in self.__dict__.setdefault("_building", set()):
                raise UnsupportedError(r.loc, f"recursive routine '{r.name}' called in split mode "
                                              f"(use joint mode: $AD CHECKPOINT)")
            self._building.add(r)
            from fadj.ad.reverse import Reverser
            rv = Reverser(self, r)
            self._building.discard(r)
            cache[r] = rv
        return rv

    def profile_id(self, site: CallSite) -> int:
        """Profiling slots of a call site: 2k+1 its forward-sweep part, 2k+2 its backward part
        (1 and 2 are the head's two sweeps)."""
        for k, s in enumerate(self.profile_sites, start=1):
            if s is site:
                return 2 * k + 1
        self.profile_sites.append(site)
        return 2 * len(self.profile_sites) + 1

    def site_active(self, site: CallSite) -> bool:
        return self.activity.site_active(site)

    def needed_versions(self) -> dict[Routine, set[str]]:
        """Which derivative versions (b, fwd, bwd) of each routine the head's ``_b`` needs."""
        need: dict[Routine, set[str]] = {}
        work = [(self.head, "b")]
        while work:
            r, v = work.pop()
            if v in need.setdefault(r, set()):
                continue
            need[r].add(v)
            for site in self.cg.sites.get(r, []):
                if site.callee is None or not self.site_active(site):
                    continue
                mode = self.decision(site).mode
                if v == "b":
                    work += [(site.callee, "b")] if mode == JOINT else [(site.callee, "fwd"), (site.callee, "bwd")]
                elif v == "fwd":
                    if mode == SPLIT:
                        work.append((site.callee, "fwd"))
                elif v == "bwd":
                    work += [(site.callee, "b")] if mode == JOINT else [(site.callee, "bwd")]
        return need


def function_typer(prog: Program, r: Routine) -> Typer:
    """A Typer for ``r`` that knows the result types of the user functions ``r`` references."""
    return Typer(r.scope, lambda n, args=None: _function_type(prog, r, n, args), prog.types,
                 lambda n, args=None: _function_routine(prog, r, n, args))


def _resolve_function(prog: Program, r: Routine, name: str, args) -> Routine | None:
    """The function a reference designates; with its arguments, a generic's matching specific
    (``seval(u, ...)`` with double precision ``u`` is SevalDouble, not the first one listed)."""
    callee = resolve(prog, r, name, list(args)) if args else None
    if callee is None:
        callee = resolve(prog, r, name)
    return callee if callee is not None and callee.is_function else None


def _function_routine(prog: Program, r: Routine, name: str, args=None):
    return _resolve_function(prog, r, name, args)


def _function_type(prog: Program, r: Routine, name: str, args=None):
    callee = _resolve_function(prog, r, name, args)
    return callee.result_type() if callee is not None else None


def parse_names(spec: str | list[str] | None) -> list[str]:
    if spec is None:
        return []
    if isinstance(spec, str):
        spec = [spec]
    out: list[str] = []
    for s in spec:
        out += [w.lower() for w in s.replace(",", " ").split() if w]
    return out


def prepare(prog: Program, head_name: str, vars_: list[str] | None, outvars: list[str] | None,
            opts: CheckpointOptions, mode: str = "reverse") -> ADContext:
    if head_name.lower() in prog.same_names and "::" not in head_name:
        where = ", ".join(sorted(f"{r.module}::{r.name}" if r.module else r.name for r in prog.same_names[head_name.lower()]))
        raise NameErr(None, f"head '{head_name}' is ambiguous: say which one ({where})")
    head = prog.routine(head_name)
    if head is None:
        for m in prog.modules.values():
            for mr in m.routines:
                if mr.name == head_name.lower():
                    head = mr
    if head is None:
        known = ", ".join(sorted(prog.routines)) or "none"
        empty = f"; {', '.join(prog.empty_files)} holds no program unit" if prog.empty_files else ""
        raise NameErr(None, f"unknown head routine '{head_name}' (routines in the sources: {known}{empty})")
    normalise(prog, opts.externals)
    cg = build_callgraph(prog, list(prog.order), opts.externals)
    routines = cg.reachable(head)
    check_missing(cg, routines, opts.externals)
    for r in routines:
        if r.deferred_error is not None:
            raise r.deferred_error
        check_equivalences(r)
        check_shallow_copies(prog, r, function_typer(prog, r))
        if getattr(r, "_pointer_moves", False):
            raise UnsupportedError(r.loc, f"'{r.name}' re-points its pointer arguments, and a call passes it "
                                          f"something other than the caller's own local pointers: not supported")
    effects = Effects(cg)
    effects.compute(routines)
    vars_l = _check_head_vars(head, vars_, "vars", effects, prog.types)
    outs_l = _check_head_vars(head, outvars, "outvars", effects, prog.types)
    act = analyse_activity(cg, effects, routines, head, vars_l, outs_l)
    for r in routines:
        check_active_equivalences(r, lambda vid, r=r: act.is_active_id(r, vid))
    ctx = ADContext(prog, head, vars_l, outs_l, opts, cg, effects, act, routines, mode=mode)
    for r in routines:
        for loc, what in getattr(r, "omp_dropped", ()):
            ctx.notes.append(f"{loc.file}:{loc.line}: note: OpenMP '{what}' is kept in the primal library but "
                             f"not in the derivative code")
    for r in prog.order:
        for blk, members in r.commons.items():
            if blk not in ctx.common_layouts:
                ctx.common_layouts[blk] = (r, members)
    return ctx


def normalise(prog: Program, externals: set[str]) -> None:
    """Run the normalising passes on every routine, once (routines are marked).

    Public so that tools needing the call graph without a head (``fadj callgraph``,
    ``fadj directives list``) see exactly the call sites the engines see.
    """
    for r in prog.order:
        if r.internals and not getattr(r, "_lifted", False):
            try:
                lift_internals(r)
            except UnsupportedError as err:
                r.defer(err)
            r._lifted = True  # type: ignore[attr-defined]
    for r in prog.order:
        if getattr(r, "_normalised", False):
            continue
        try:
            _normalise_routine(prog, r, externals)
        except UnsupportedError as err:
            r.defer(err)          # raised if the head reaches r
        r._normalised = True  # type: ignore[attr-defined]
    if not getattr(prog, "_specialized", False):
        specialize_procedures(prog, resolve)
        for r in resolve_procedure_pointers(prog, resolve):
            typer = function_typer(prog, r)
            hoist_calls(prog, r, lambda n, r=r: _is_user_function(prog, r, n, externals), typer)
        prog._specialized = True  # type: ignore[attr-defined]


def _normalise_routine(prog: Program, r: Routine, externals: set[str]) -> None:
    unshadow_intrinsics(r)
    inline_pointer_moves(prog, r, resolve)
    pointer_groups(r)
    typer = function_typer(prog, r)
    hoist_calls(prog, r, lambda n, r=r: _is_user_function(prog, r, n, externals), typer)
    lower_constructors(r, typer)
    lower_where(r, typer)
    flat = flatten_gotos(r)
    structure_jumps(r)
    if not flat:
        structure_returns(r)


def _is_user_function(prog: Program, r: Routine, name: str, externals: set[str]) -> bool:
    sym = r.scope.lookup(name)
    if sym is not None and sym.is_array:
        return False
    if resolve(prog, r, name) is not None:
        return True
    if I.is_intrinsic(name) and (sym is None or not sym.external):
        return False
    return sym is not None and sym.procedure


def _check_head_vars(head: Routine, names: list[str] | None, what: str, effects: Effects,
                     types: dict) -> list[str]:
    summ = effects.summary(head)
    if names is None or not names:
        # default: every real argument the head reads (vars) or writes (outvars)
        pool = summ.reads if what == "vars" else summ.writes
        out = [a for a in head.args if a in pool and _is_real(head.scope.local(a), types)]
        if head.is_function and what == "outvars" and _is_real(head.scope.local(head.result), types):
            out.append(head.result)
        return out
    out = []
    for n in names:
        s = head.scope.lookup(n)
        is_res = head.is_function and n == head.result
        if s is None or (not s.is_arg and not is_res and not s.is_global):
            args = ", ".join(head.args)
            raise NameErr(head.loc, f"--{what}: '{n}' is not an argument of '{head.name}' ({args})")
        if not _is_real(s, types):
            raise NameErr(head.loc, f"--{what}: '{n}' is not real, so it cannot be differentiated")
        out.append(n)
    return out


def _is_real(s: Symbol | None, types: dict) -> bool:
    """Real, or a derived type with real components: something that can carry a derivative."""
    from fadj.ir.derived import differentiable
    return s is not None and differentiable(types, s.type)

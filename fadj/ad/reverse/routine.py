"""Assembling a derivative routine (``_b``, ``_fwd``, ``_bwd``) from the two sweeps: signature,
zeroed adjoint locals, the head's primal outputs, stack operations on derived types."""
from __future__ import annotations


from fadj.ad import build as B
from fadj.ad.assemble import finish
from fadj.ad.deriv import DerivRoutine
from fadj.analysis.effects import is_global_id
from fadj.errors import UnsupportedError
from fadj.ir import expr as E
from fadj.ir import stmt as S
from fadj.ir.program import Use
from fadj.ir.symbols import LOGICAL
from fadj.ir.symbols import TypeSpec
from fadj.ir.visit import with_bodies


from fadj.ad.reverse.stack import _call, _reversed_ops, pop, push


class RoutineMixin:
    """Methods of :class:`fadj.ad.reverse.engine.Reverser` (split by concern)."""

    def routine(self, version: str) -> DerivRoutine:
        """The derivative routine: version 'b' (joint), 'fwd' or 'bwd' (split halves)."""
        if not hasattr(self, "_sweeps"):
            if getattr(self.r, "_blocks_mode", False):
                self._sweeps = self.blocks(self.r.body, self.main)
            else:
                self._sweeps = self.body(self.r.body, self.main)
        fwd, bwd = self._sweeps
        if hasattr(self, "_end_label") and version != "fwd":
            fwd = fwd + [S.Continue(label=self._end_label)]
        elif hasattr(self, "_end_label"):
            fwd = fwd + [S.Continue(label=self._end_label)]
        r = self.r
        is_head = r is self.ctx.head
        active_f = set(self.ctx.derivative_formals(r))
        body: list[S.Stmt] = []
        zero = self.bwd_prologue + self.zero_locals()
        fwd = self.pointer_prologue() + self.local_formal_derivatives() + fwd
        if version == "b":
            save, restore = self.preserve_outputs() if is_head else ([], [])
            if is_head and self.ctx.profile:
                self.ds.uses.append(Use("fadj_profile"))
                fwd = [_call("fadj_prof_reset"), _call("fadj_prof_begin", E.IntLit("1"))] + fwd \
                    + [_call("fadj_prof_end", E.IntLit("1"))]
                bwd = [_call("fadj_prof_begin", E.IntLit("2"))] + bwd + [_call("fadj_prof_end", E.IntLit("2"))]
            body = fwd + save + zero + bwd + restore
            if is_head:
                body.append(_call("fadj_stats_report", E.StrLit(f"'{r.name}_b'")))
                if self.ctx.profile:
                    body.append(_call("fadj_prof_write", E.StrLit("'fadj_profile.dat'")))
        elif version == "fwd":
            if self.r.storage_groups:
                from fadj.ad.reverse.pointers import without_derivative_pointers
                fwd = without_derivative_pointers(fwd)
            body = fwd + self.save_end_locals()[0] + self.pointer_end_ops()[0]
        else:
            body = self.pointer_end_ops()[1] + self.save_end_locals()[1] + zero + bwd
        args: list[str] = []
        for a in r.args:
            args.append(a)
            if version != "fwd" and a in active_f:
                args.append(self.ds.dname(a))
        kind = "subroutine"
        result = None
        if r.is_function:
            if version == "fwd":
                kind, result = "function", r.result
            else:
                if self.act.is_active(r, r.result) or r is self.ctx.head:
                    args.append(self.ds.dname(r.result))
                else:
                    args.append(self.ds.temp(r.result + "b", self.r.scope.local(r.result).type))
        if self.ctx.prog.types:
            body = self.expand_derived(body)
        name = f"{r.name}_{version}"
        if self.ctx.debug_checks:
            body = debug_checks(body, name, r, balanced=version == "b", start=is_head and version == "b",
                                half=version if version in ("fwd", "bwd") else None)
        elif is_head and version == "b":
            body = [_call("fadj_dbg_start")] + body     # FADJ_DEBUG=1: the runtime checks every pop
        prefix = tuple(p for p in r.prefix if p == "recursive")
        if "elemental" in r.prefix:
            prefix = ("impure", "elemental")     # pushes to the stack: impure, applied element by element
        dr = DerivRoutine(name, r, kind, args, result=result, module=r.module, body=body, prefix=prefix)

        called = {(c, v) for c, v in self.called if (v == "fwd") == (version == "fwd") or version == "b"}
        dr = finish(dr, r, self.ds, called, result_is_local=True)
        if "elemental" in r.prefix:
            # every dummy of an elemental procedure needs an INTENT: derivatives are INOUT
            args = set(dr.args)
            dr.symbols = [s_.copy(intent=s_.intent or "inout", is_arg=True) if s_.name in args else s_
                          for s_ in dr.symbols]
        return dr

    def expand_derived(self, stmts: list[S.Stmt]) -> list[S.Stmt]:
        """The stack holds intrinsic types only: a push/pop/look of a derived-type variable
        becomes one per component (pops in reverse order), recursively."""
        out: list[S.Stmt] = []
        for st in stmts:
            if isinstance(st, S.CallStmt) and st.name in ("fadj_push", "fadj_pop", "fadj_look") and len(st.args) == 1:
                t = self.typer.type_of(st.args[0])
                if t is not None and t.base == "type":
                    ops = self._component_ops(st.name, st.args[0], t)
                    out += ops if st.name == "fadj_push" else _reversed_ops(ops)
                    continue
            for attr in ("branches", "cases"):
                if hasattr(st, attr):
                    setattr(st, attr, [(c, self.expand_derived(b)) for c, b in getattr(st, attr)])
            for attr in ("else_body", "default"):
                if getattr(st, attr, None) is not None:
                    setattr(st, attr, self.expand_derived(getattr(st, attr)))
            if isinstance(st, (S.Do, S.DoWhile)):
                st.body = self.expand_derived(st.body)
            out.append(st)
        return out

    def _component_ops(self, op: str, ref: E.Expr, t: TypeSpec) -> list[S.Stmt]:
        dt = self.ctx.prog.types.get(t.derived)
        if dt is None:
            raise UnsupportedError(self.r.loc, f"derived type '{t.derived}' is not defined in the given sources")
        base_rank = self.typer.rank_of(ref)
        ops: list[S.Stmt] = []
        for c in dt.components.values():
            if c.pointer or (c.type is not None and c.type.base in ("character",)):
                continue
            if c.allocatable and c.type is not None and c.type.base == "type":
                raise UnsupportedError(self.r.loc, f"saving '{c.name}', an allocatable component of derived type "
                                                   f"in type '{dt.name}', is not supported yet")
            cref = E.Component(ref, c.name)
            if base_rank > 0 and (c.dims or (c.type is not None and c.type.base == "type")):
                if base_rank > 1:
                    raise UnsupportedError(self.r.loc, f"saving arrays of rank {base_rank} of type '{dt.name}'")
                k = E.Name(self.ds.int_temp("ad_i"))
                if isinstance(ref, E.Name):
                    base_elem = E.Index(ref.name, (k,))
                elif isinstance(ref, E.Component) and not ref.subs:
                    base_elem = E.Component(ref.base, ref.comp, (k,))
                else:
                    raise UnsupportedError(self.r.loc, f"saving an array section of type '{dt.name}'")
                elem = E.Component(base_elem, c.name)
                inner = self._component_ops(op, elem, c.type) if c.type.base == "type" else [_call(op, elem)]
                ops.append(S.Do(k.name, E.Call("lbound", (ref, B.ONE)), E.Call("ubound", (ref, B.ONE)), None, inner))
            elif c.type is not None and c.type.base == "type":
                ops += self._component_ops(op, cref, c.type)
            else:
                ops.append(_call(op, cref))
        return ops      # in push order; pops and looks use _reversed_ops

    def zero_locals(self) -> list[S.Stmt]:
        out = []
        for name, dn in list(self.ds.adj.items()):
            if not isinstance(name, str):
                continue
            sym = self.r.scope.lookup(name)
            if sym is None or sym.is_arg or sym.common is not None or sym.module is not None:
                continue
            if self.r.is_function and name == self.r.result:
                continue
            if self.r.scope.local(name) is None or sym.pointer:
                continue
            if sym.allocatable:
                if not self._explicitly_allocated(name):
                    # a temporary allocated by assignment: its adjoint takes its shape
                    dn_ = E.Name(dn)
                    out.append(S.If([(E.Call("allocated", (E.Name(name),)), [
                        S.If([(E.UnOp(".not.", E.Call("allocated", (dn_,))),
                               [S.Allocate([dn_], options=f"mold={name}")])], logical_if=True),
                        S.Assign(dn_, self.zero_of(sym))])]))
                continue     # explicitly allocated adjoints are zeroed when they are allocated
            if sym.type is not None and sym.type.base == "type":
                continue     # t_diff components are default-initialised to zero
            kind = max(8, sym.type.kind) if sym.type else 8
            out.append(S.Assign(E.Name(dn), E.RealLit(f"0.0_{kind}")))
        return out

    def local_formal_derivatives(self) -> list[S.Stmt]:
        """The head's active arguments outside --vars/--outvars: local derivatives, zero (allocated
        like the argument where its shape is assumed)."""
        out: list[S.Stmt] = []
        for a in self.ctx.local_derivative_formals(self.r):
            sym = self.r.scope.local(a)
            dn = self.ds.dname(a)
            self.ds.local_formals.add(dn)
            if sym.dims and any(d.kind == "assumed_size" for d in sym.dims):
                raise UnsupportedError(self.r.loc, f"argument '{a}' of '{self.r.name}' is active but in neither "
                                                   f"--vars nor --outvars, and its size is assumed: name it in "
                                                   f"--vars or --outvars")
            if sym.dims and any(d.kind in ("assumed_shape", "deferred") for d in sym.dims) or sym.allocatable:
                out.append(S.If([(E.UnOp(".not.", E.Call("allocated", (E.Name(dn),))),
                                  [S.Allocate([E.Name(dn)], options=f"mold={a}")])], logical_if=True))
            if sym.type is not None and sym.type.base == "type":
                from fadj.ir.derived import diff_type_name
                out.append(S.Assign(E.Name(dn), E.Call(diff_type_name(sym.type.derived), ())))
            else:
                out.append(S.Assign(E.Name(dn), self.zero_of(sym)))
        return out

    def _explicitly_allocated(self, name: str) -> bool:
        return any(isinstance(st, S.Allocate) and any(E.base_name(i) == name for i in st.items)
                   for st in S.walk_stmts(self.r.body))

    def save_end_locals(self) -> tuple[list[S.Stmt], list[S.Stmt]]:
        """Split mode: ``_fwd`` ends by pushing the locals ``_bwd`` needs, ``_bwd`` starts by popping
        them.  An allocatable local also carries its allocation status and bounds."""
        if hasattr(self, "_end_ops"):
            return self._end_ops
        save: list[S.Stmt] = []
        restore: list[S.Stmt] = []
        for ref in self.end_locals():
            sym = self.r.scope.local(ref.name)
            if not sym.allocatable:
                save.append(push(ref))
                restore.insert(0, pop(ref))
                continue
            flag = E.Name(self.ds.temp("ad_allocated", LOGICAL))
            rank = len(sym.dims)
            los = [E.Name(self.ds.int_temp(f"ad_lb{k}")) for k in range(1, rank + 1)]
            his = [E.Name(self.ds.int_temp(f"ad_ub{k}")) for k in range(1, rank + 1)]
            bounds = []
            for k in range(rank):
                bounds += [push(E.Call("lbound", (ref, E.IntLit(str(k + 1))))),
                           push(E.Call("ubound", (ref, E.IntLit(str(k + 1)))))]
            save += [S.If([(E.Call("allocated", (ref,)), [push(ref)] + bounds)]),
                     push(E.Call("allocated", (ref,)))]
            pops = []
            for k in reversed(range(rank)):
                pops += [pop(his[k]), pop(los[k])]
            shape = tuple(E.Slice(lo, hi) for lo, hi in zip(los, his))
            restore = [pop(flag), S.If([(flag, pops + [S.Allocate([E.Index(ref.name, shape)]), pop(ref)])])] + restore
        self._end_ops = (save, restore)
        return self._end_ops

    def end_locals(self) -> list[E.Expr]:
        """Locals whose values at the end of the forward sweep the backward sweep needs (split mode)."""
        out = []
        recomputed = set().union(*self.recomputed.values())
        from fadj.passes.pointer_groups import storage_of
        ids = []
        for vid in sorted(self.main.req_end):
            # a storage group of pointers: each of its targets (the pointers' records are
            # saved by pointer_end_ops); a dummy among them is the caller's to keep
            ids += storage_of(self.r, vid)
        # an active temporary allocated by assignment (``fres1 = f(t, s)``): its adjoint takes its
        # shape at the start of the backward sweep (zero_locals), so _bwd needs it allocated
        for name, sym in sorted(self.r.scope.symbols.items()):
            if (sym.allocatable and sym.dims and name not in ids and not sym.is_arg and sym.module is None
                    and self.r.scope.local(name) is not None and self.act.is_active(self.r, name)
                    and not self._explicitly_allocated(name)):
                ids.append(name)
        for vid in ids:
            if is_global_id(vid) or vid in self.r.args or vid in recomputed:
                continue
            sym = self.r.scope.local(vid)
            if sym is None or sym.parameter or sym.procedure:
                continue
            out.append(self.whole(vid))
        return out

    def preserve_outputs(self) -> tuple[list[S.Stmt], list[S.Stmt]]:
        """The head's ``_b`` returns the primal outputs: copy what the backward sweep overwrites.

        Copies go to local variables, not to the stack: the backward sweep starts by popping
        what the forward sweep pushed last.
        """
        summ = self.eff.summary(self.r)
        save, restore = [], []
        for vid in sorted(summ.writes):
            if vid.startswith("@"):
                continue       # local pointers' storage: not an output
            if vid in self.restored or self._call_clobbers(vid):
                ref = self.ref_for_id(vid) if is_global_id(vid) else self.whole(vid)
                sym = self.r.scope.lookup(ref.name) if isinstance(ref, E.Name) else None
                if sym is None:
                    continue
                keep = E.Name(self.ds.like(f"ad_save_{ref.name}", sym))
                if sym.allocatable and sym.dims:
                    # unallocated at the end stays unallocated
                    save.append(_copy_allocation(ref, keep))
                    restore.append(_copy_allocation(keep, ref))
                else:
                    save.append(S.Assign(keep, ref))
                    restore.append(S.Assign(ref, keep))
        return save, restore

    def _call_clobbers(self, vid: str) -> bool:
        for site in self.cg.sites.get(self.r, []):
            if self.ctx.site_active(site) and vid in self.eff.call_effects(site)[1]:
                return True
        return False


def _copy_allocation(src: E.Expr, dst: E.Expr) -> S.Stmt:
    """``dst = src`` for allocatable arrays, ``src`` possibly unallocated (then so is ``dst``)."""
    return S.If([(E.Call("allocated", (src,)), [S.Assign(dst, src)])],
                [S.If([(E.Call("allocated", (dst,)), [S.Allocate([dst], deallocate=True)])], None)])


def debug_when(call: S.Stmt) -> S.Stmt:
    """``if (fadj_debug) call ...``: all that FADJ_DEBUG costs when it is off."""
    return S.If([(E.Name("fadj_debug"), [call])], None, logical_if=True)


def debug_checks(body: list[S.Stmt], name: str, r: Routine, balanced: bool, start: bool,
                 half: str | None = None) -> list[S.Stmt]:
    """FADJ_DEBUG bookkeeping of a derivative routine: entry (name, source file:line of the
    routine) and exit, where a routine that must leave the stack as it found it checks that
    (before every RETURN too); the head's routine first reads FADJ_DEBUG.  A split pair
    (``half`` "fwd" / "bwd") checks that its _bwd half pops exactly what its _fwd half pushed,
    so a mismatch is reported in the routine that has it, not in a caller later."""
    where = f"{r.loc.file}:{r.loc.line}" if r.loc is not None else r.name
    enter = [debug_when(_call("fadj_dbg_enter", E.StrLit(f"'{name}'"), B.str_lit(where)))]
    if half == "bwd":
        enter.append(debug_when(_call("fadj_dbg_bwd_begin")))
    end = {"fwd": "fadj_dbg_fwd_end", "bwd": "fadj_dbg_bwd_end"}.get(half)

    def leave() -> list[S.Stmt]:
        out = [debug_when(_call(end))] if end else []
        return out + [debug_when(_call("fadj_dbg_exit", E.LogicalLit(balanced)))]

    def before_returns(stmts: list[S.Stmt]) -> list[S.Stmt]:
        out: list[S.Stmt] = []
        for st in stmts:
            if isinstance(st, S.Return):
                out += leave()
            out.append(with_bodies(st, before_returns) if st.bodies() else st)
        return out

    head = [_call("fadj_dbg_start")] if start else []
    return head + enter + before_returns(body) + leave()

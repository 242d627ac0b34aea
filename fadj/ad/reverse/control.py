"""Reverse mode of control flow: IF/SELECT push the branch taken, DO loops are re-run backwards
(trip counts pushed when they cannot be recomputed), binomial loops run the Revolve schedule,
checkpointed regions re-run from a snapshot, unstructured code is reversed block by block."""
from __future__ import annotations

from fadj.ad import build as B
from fadj.analysis.effects import ref_names, var_id
from fadj.errors import UnsupportedError
from fadj.ir import expr as E
from fadj.ir import stmt as S
from fadj.ir.program import Use
from fadj.ir.symbols import INTEGER, TypeSpec


from fadj.ad.reverse.stack import _call, look, pop, push
from fadj.ad.reverse.sweep import Sweep
from fadj.ad.reverse.pointers import no_pointer_assignments


class ControlMixin:
    """Methods of :class:`fadj.ad.reverse.engine.Reverser` (split by concern)."""

    def r_If(self, st: S.If, sw):
        parts = [self.body(b, sw) for _, b in st.branches]
        else_part = self.body(st.else_body, sw) if st.else_body is not None else None
        has_bwd = any(b for _, b in parts) or (else_part is not None and else_part[1])
        if not has_bwd:
            new = S.If([(c, f) for (c, _), (f, _) in zip(st.branches, parts)],
                       else_part[0] if else_part is not None else None,
                       construct_name=st.construct_name, label=st.label, loc=st.loc)
            return [new], []
        if id(st) in self.recompute_conds:
            # the conditions read nothing the sweep changes: evaluate them again backwards
            new = S.If([(c, f) for (c, _), (f, _) in zip(st.branches, parts)],
                       else_part[0] if else_part is not None else None,
                       construct_name=st.construct_name, label=st.label, loc=st.loc)
            back = S.If([(c, b) for (c, _), (_, b) in zip(st.branches, parts)],
                        else_part[1] if else_part is not None and else_part[1] else None, loc=st.loc)
            return [new], [back]
        br = E.Name(self.branch_var())
        fb = []
        for k, ((c, _), (f, _)) in enumerate(zip(st.branches, parts), start=1):
            fb.append((c, f + [push(E.IntLit(str(k)))]))
        n = len(st.branches)
        if else_part is not None:
            felse = else_part[0] + [push(E.IntLit(str(n + 1)))]
        else:
            felse = [push(E.IntLit("0"))]
        fwd = [S.If(fb, felse, construct_name=st.construct_name, label=st.label, loc=st.loc)]
        bb = [(E.BinOp("==", br, E.IntLit(str(k))), b) for k, (_, b) in enumerate(parts, start=1) if b]
        if else_part is not None and else_part[1]:
            bb.append((E.BinOp("==", br, E.IntLit(str(n + 1))), else_part[1]))
        bwd = [pop(br), S.If(bb, None, loc=st.loc)]
        return fwd, bwd

    def r_SelectCase(self, st: S.SelectCase, sw):
        parts = [self.body(b, sw) for _, b in st.cases]
        dpart = self.body(st.default, sw) if st.default is not None else None
        has_bwd = any(b for _, b in parts) or (dpart is not None and dpart[1])
        if not has_bwd:
            new = S.SelectCase(st.selector, [(sel, f) for (sel, _), (f, _) in zip(st.cases, parts)],
                               dpart[0] if dpart is not None else None, construct_name=st.construct_name,
                               label=st.label, loc=st.loc)
            return [new], []
        if id(st) in self.recompute_conds:
            new = S.SelectCase(st.selector, [(sel, f) for (sel, _), (f, _) in zip(st.cases, parts)],
                               dpart[0] if dpart is not None else None, construct_name=st.construct_name,
                               label=st.label, loc=st.loc)
            back = S.SelectCase(st.selector, [(sel, b) for (sel, _), (_, b) in zip(st.cases, parts)],
                                dpart[1] if dpart is not None else None, loc=st.loc)
            return [new], [back]
        br = E.Name(self.branch_var())
        cases = [(sel, f + [push(E.IntLit(str(k)))]) for k, ((sel, _), (f, _)) in enumerate(zip(st.cases, parts), 1)]
        n = len(st.cases)
        default = (dpart[0] if dpart is not None else []) + [push(E.IntLit(str(n + 1)))]
        fwd = [S.SelectCase(st.selector, cases, default, construct_name=st.construct_name, label=st.label, loc=st.loc)]
        bb = [(E.BinOp("==", br, E.IntLit(str(k))), b) for k, (_, b) in enumerate(parts, start=1) if b]
        if dpart is not None and dpart[1]:
            bb.append((E.BinOp("==", br, E.IntLit(str(n + 1))), dpart[1]))
        return fwd, [pop(br), S.If(bb, None, loc=st.loc)]

    def branch_var(self) -> str:
        if not hasattr(self, "_branch"):
            self._branch = self.ds.int_temp("branch")
        return self._branch

    def r_Do(self, st: S.Do, sw):
        d = st.has_directive("BINOMIAL-CKP")
        if d is not None:
            return self.binomial(st, sw, d)
        nodes = sw.cfg.do_nodes[st]
        vid = var_id(self.r, st.var)
        fbody, bbody = self.body(st.body, sw)
        push_var = vid in sw.push[nodes["init"]]
        if not bbody and not push_var:
            loop = S.Do(st.var, st.start, st.end, st.step, fbody, construct_name=st.construct_name,
                        label=st.label, loc=st.loc)
            if getattr(st, "omp", None) and _primal_only(fbody):
                loop.omp, loop.omp_end = st.omp, getattr(st, "omp_end", None)     # runs as the primal does
            elif getattr(st, "omp", None):
                self.omp_note(st)
            return [loop], []
        if getattr(st, "omp", None):
            self.omp_note(st)
        var = E.Name(st.var)
        vtype = self.typer.type_of(var) or INTEGER
        step = st.step if st.step is not None else B.ONE
        fwd: list[S.Stmt] = []
        bwd: list[S.Stmt] = []
        after: list[S.Stmt] = []
        if push_var:
            fwd.append(push(var))
            after.append(pop(var))
        if _leaves_early(st.body):
            # the loop may stop early (EXIT): count the iterations it really ran
            cnt = E.Name(self.ds.int_temp("ad_count"))
            frm = E.Name(self.ds.int_temp("ad_from", vtype))
            fwd += [S.Assign(cnt, B.ZERO), S.Assign(frm, st.start),
                    S.Do(st.var, frm, st.end, st.step, [S.Assign(cnt, B.add(cnt, B.ONE))] + fbody,
                         construct_name=st.construct_name, label=st.label, loc=st.loc),
                    push(cnt), push(frm)]
            last = B.add(frm, B.mul(E.Paren(B.sub(cnt, B.ONE)), step))
            bwd += [pop(frm), pop(cnt), S.Do(st.var, last, frm, B.neg(step), bbody, loc=st.loc)]
        elif self.bounds_recomputable(st):
            fwd.append(S.Do(st.var, st.start, st.end, st.step, fbody, construct_name=st.construct_name,
                            label=st.label, loc=st.loc))
            if B.int_value(step) == 1:
                last = st.end
            else:
                last = B.add(st.start, B.mul(E.Paren(B.div(E.Paren(B.sub(st.end, st.start)), step)), step))
            bwd.append(S.Do(st.var, last, st.start, B.neg(step), bbody, loc=st.loc))
        else:
            if st.step is not None and (self.ids(ref_names(st.step)) & self.written_in(st.body)):
                raise UnsupportedError(st.loc, "DO loop whose step variable changes inside the loop")
            frm = E.Name(self.ds.int_temp("ad_from", vtype))
            to = E.Name(self.ds.int_temp("ad_to", vtype))
            fwd.append(S.Assign(frm, st.start))
            fwd.append(S.Do(st.var, frm, st.end, st.step, fbody, construct_name=st.construct_name,
                            label=st.label, loc=st.loc))
            fwd.append(push(B.sub(var, step)))
            fwd.append(push(frm))
            bwd.append(pop(frm))
            bwd.append(pop(to))
            bwd.append(S.Do(st.var, to, frm, B.neg(step), bbody, loc=st.loc))
        return fwd, bwd + after

    def omp_note(self, st: S.Do) -> None:
        note = (f"{st.loc.file}:{st.loc.line}: note: the OpenMP parallel loop runs serially in the derivative "
                f"code (its adjoint is not parallelised yet)") if st.loc else ""
        if note and note not in self.ctx.notes:
            self.ctx.notes.append(note)

    def r_DoWhile(self, st: S.DoWhile, sw):
        fbody, bbody = self.body(st.body, sw)
        if not bbody:
            return [S.DoWhile(st.cond, fbody, construct_name=st.construct_name, label=st.label, loc=st.loc)], []
        cnt = E.Name(self.ds.int_temp("ad_count"))
        it = E.Name(self.ds.int_temp("ad_iter"))
        fwd = [S.Assign(cnt, B.ZERO),
               S.DoWhile(st.cond, [S.Assign(cnt, B.add(cnt, B.ONE))] + fbody, construct_name=st.construct_name,
                         label=st.label, loc=st.loc),
               push(cnt)]
        bwd = [pop(cnt), S.Do(it.name, B.ONE, cnt, None, bbody, loc=st.loc)]
        return fwd, bwd

    def binomial(self, st: S.Do, sw: Sweep, d):
        """``$AD BINOMIAL-CKP``: reverse the loop with the optimal binomial (Revolve) schedule.

        Forward sweep: snapshot of the loop's state (checkpoint 0), the plain loop, its trip
        count.  Backward sweep: restore checkpoint 0 and let the runtime's revolver drive the
        steps: ADVANCE runs plain steps, TAKESHOT/RESTORE/DISCARD push/look/pop the state,
        each turn runs one step taped and at once its adjoint.
        """
        no_pointer_assignments(st.body, st.loc, "a $AD BINOMIAL-CKP loop")
        p = self.pushed(st, sw)
        refs = [x for v in sorted(p) for x in self.refs_for_id(v)]
        inner = self.sweep_for(st.body)
        fi, bi = self.body(st.body, inner)
        if not bi:
            return [S.Do(st.var, st.start, st.end, st.step, self.primal(st.body), construct_name=st.construct_name,
                         label=st.label, loc=st.loc)], []
        for v in p:
            self.restored.add(v)
        nsnaps = d.args[1]
        var = E.Name(st.var)
        vtype = self.typer.type_of(var) or INTEGER
        step = st.step if st.step is not None else B.ONE
        n = E.Name(self.ds.int_temp("ad_nsteps", INTEGER))
        first = E.Name(self.ds.int_temp("ad_first", vtype))
        k = E.Name(self.ds.int_temp("ad_k", INTEGER))
        act = E.Name(self.ds.int_temp("ad_action", INTEGER))
        rv = E.Name(self.ds.temp("ad_rv", TypeSpec("type", 0, derived="fadj_revolver")))
        self.ds.uses.append(Use("fadj_revolve"))
        trip = E.Call("max", (B.div(E.Paren(B.add(B.sub(st.end, first), step)), step), B.ZERO))
        fwd = self.snapshot_push(refs) + [
            S.Assign(first, st.start),
            S.Assign(n, trip),
            S.Do(st.var, first, st.end, st.step, self.primal(st.body), construct_name=st.construct_name,
                 label=st.label, loc=st.loc),
            push(n), push(first)]

        def comp(c):
            return E.Component(rv, c)

        def at(pos):
            return S.Assign(var, B.add(first, B.mul(pos, step)))

        recompute = _call("fadj_stats_recompute")
        looks = [_call("fadj_look_reset")] + [look(x) for x in reversed(refs)]
        cases = [
            ([E.Name("fadj_rv_advance")],
             [S.Do(k.name, comp("from"), B.sub(comp("to"), B.ONE), None, [at(k), recompute] + self.primal(st.body))]),
            ([E.Name("fadj_rv_takeshot")], self.snapshot_push(refs)),
            ([E.Name("fadj_rv_restore")], looks),
            ([E.Name("fadj_rv_firsturn"), E.Name("fadj_rv_youturn")], [at(comp("capo")), recompute] + fi + bi),
            ([E.Name("fadj_rv_discard")], [pop(x) for x in reversed(refs)]),
        ]
        driver = S.DoWhile(None, [S.Assign(act, E.Call("fadj_rv_next", (rv,))),
                                  S.SelectCase(act, cases, [S.Exit()])], loc=st.loc)
        bwd = [pop(first), pop(n)] + looks + [_call("fadj_rv_init", rv, n, E.IntLit(str(nsnaps))), driver]
        return fwd, bwd

    def r_Region(self, st: S.Region, sw):
        """A checkpointed fragment: snapshot, plain primal; later restore, re-run taped, adjoint, pop."""
        no_pointer_assignments(st.body, st.loc, "a $AD CHECKPOINT-START/END region")
        p = self.pushed(st, sw)
        refs = [x for v in sorted(p) for x in self.refs_for_id(v)]
        inner = self.sweep_for(st.body)
        fi, bi = self.body(st.body, inner)
        if not bi:
            return self.primal(st.body), []
        for v in p:
            self.restored.add(v)
        fwd = self.snapshot_push(refs) + self.primal(st.body)
        bwd = [look(x) for x in reversed(refs)] + [_call("fadj_stats_recompute")] + fi + bi + \
            [pop(x) for x in reversed(refs)]
        return fwd, bwd

    def snapshot_push(self, refs: list[E.Expr]) -> list[S.Stmt]:
        if not refs:
            return []
        return [_call("fadj_stats_snapshot_begin")] + [push(x) for x in refs] + [_call("fadj_stats_snapshot_end")]

    def primal(self, stmts: list[S.Stmt]) -> list[S.Stmt]:
        out: list[S.Stmt] = []
        for st in stmts:
            if isinstance(st, S.Region):
                out += self.primal(st.body)
            else:
                out.append(st)
        return out

    def blocks(self, stmts: list[S.Stmt], sw: Sweep) -> tuple[list[S.Stmt], list[S.Stmt]]:
        """Reversal of unstructured code (after ``flatten_gotos``): basic blocks record their id.

        Forward sweep: the code as it is (labels and jumps), each block pushing its number
        when it ends; a 0 first marks the start.  Backward sweep: pop a number, run that
        block's adjoint, until 0.
        """
        targets = {l for s_ in S.walk_stmts(stmts) for l in _jump_labels(s_)}
        blocks: list[list[S.Stmt]] = [[]]
        for st in stmts:
            if st.label is not None and st.label in targets and blocks[-1]:
                blocks.append([])
            blocks[-1].append(st)
            if _ends_block(st):
                blocks.append([])
        blocks = [b for b in blocks if b]
        bid = E.Name(self.ds.int_temp("ad_block"))
        fwd: list[S.Stmt] = [push(B.ZERO)]
        cases = []
        for k, blk in enumerate(blocks, start=1):
            head_label = blk[0].label
            parts = []
            b_all: list[S.Stmt] = []
            for i, st in enumerate(blk):
                f, b = self.stmt(st, sw)
                if i == 0 and head_label:
                    f = [_unlabelled(x) if x.label == head_label else x for x in f]
                parts.append(f)
                b_all = b + b_all
            # only blocks with adjoint work are recorded: the others need nothing in the backward sweep
            mark = [push(E.IntLit(str(k)))] if b_all else []
            f_all: list[S.Stmt] = [S.Continue(label=head_label)] if head_label else []
            for i, f in enumerate(parts):
                if i == len(parts) - 1 and _ends_block(blk[-1]):
                    f_all += mark
                f_all += f
            if not _ends_block(blk[-1]):
                f_all += mark
            fwd += f_all
            if b_all:
                cases.append(([E.IntLit(str(k))], b_all))
        loop = S.DoWhile(None, [pop(bid), S.If([(E.BinOp("==", bid, B.ZERO), [S.Exit()])], logical_if=True),
                                S.SelectCase(bid, cases, None)])
        return fwd, [loop]

    def r_Goto(self, st, sw):
        return [st], []

    def r_ComputedGoto(self, st, sw):
        return [st], []


def _primal_only(body: list[S.Stmt]) -> bool:
    """No stack operation, no derivative call: the loop does what the primal's does."""
    for x in S.walk_stmts(body):
        if isinstance(x, S.CallStmt) and (x.name.startswith("fadj_") or x.name.endswith(("_fwd", "_b", "_bwd"))):
            return False
    return True


def _leaves_early(body: list[S.Stmt]) -> bool:
    """Whether a loop body (normalised by structure_jumps) may EXIT its loop."""
    for st in body:
        if isinstance(st, S.Exit):
            return True
        if isinstance(st, (S.If, S.SelectCase)) and any(_leaves_early(b) for b in st.bodies()):
            return True
    return False


def _jump_labels(st: S.Stmt) -> list[str]:
    if isinstance(st, S.Goto):
        return [st.target]
    if isinstance(st, (S.ComputedGoto, S.ArithmeticIf)):
        return list(st.targets)
    return []


def _ends_block(st: S.Stmt) -> bool:
    """A statement after which control may not fall through to the next one."""
    if isinstance(st, (S.Goto, S.ComputedGoto, S.ArithmeticIf, S.Return, S.Stop)):
        return True
    if _is_jump_if(st):
        return True
    return False


def _is_jump_if(st: S.Stmt) -> bool:
    """``if (c) go to 10`` / ``if (c) return`` (flatten_gotos leaves no other IF with a jump)."""
    return (isinstance(st, S.If) and len(st.branches) == 1 and st.else_body is None
            and len(st.branches[0][1]) == 1
            and isinstance(st.branches[0][1][0], (S.Goto, S.ComputedGoto, S.Return)))


def _unlabelled(st: S.Stmt) -> S.Stmt:
    import copy
    c = copy.copy(st)
    c.label = None
    return c


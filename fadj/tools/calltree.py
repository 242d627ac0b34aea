"""The call tree of a program and every place a checkpointing directive can go.

``fadj callgraph`` and ``fadj directives list`` both show where the memory/time
trade-off of an adjoint is decided: call sites (joint or split mode, and why),
``CHECKPOINT-START/END`` regions and DO loops (binomial or taped).  This module
computes that once, as plain data the two renderers share.

Two views of the code meet here, on purpose:

* call sites come from the *normalised* IR, the one the engines differentiate
  (function references hoisted into ``tmp = f(x)``), so that activity and the
  effective mode are exactly the engines' (``ADContext.decision``);
* DO loops, regions and each line's enclosing loops come from the IR *as
  parsed*, before the normalising passes restructure control flow (GOTO code is
  flattened into blocks): these are what the user wrote and may annotate.

Both carry the source ``loc`` of their statement, which is how they are joined.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from fadj.ad.context import normalise, prepare
from fadj.ad.plan import CheckpointOptions, call_mode
from fadj.analysis.callgraph import CallSite, build_callgraph
from fadj.frontend.load import load_program, source_lines
from fadj.ir import stmt as S
from fadj.ir.program import Program, Routine

#: mode of a call site that needs no derivative code: a plain primal call
PASSIVE = "passive"
#: mode of a DO loop without BINOMIAL-CKP: every iteration's values are taped
TAPED = "taped"


@dataclass
class Item:
    """One row of ``fadj directives list``: a call site, a region or a DO loop."""

    kind: str                      # "call" | "function" | "region" | "do"
    file: str
    line: int
    routine: Routine
    depth: int                     # call-tree depth of ``routine`` (head or roots: 0)
    mode: str                      # joint | split | passive | taped | binomial:N | "-" (no source)
    why: str                       # default | directive | --nocheckpoint | ... | inactive | no source
    directive: str | None = None   # the directive line(s) as written, stripped; None if there is none
    callee_name: str | None = None
    callee: Routine | None = None
    active: bool | None = None     # None: unknown (no --head)
    loops: tuple[str, ...] = ()    # enclosing DO loops of the statement, outermost first
    loop_var: str | None = None    # do: the loop variable ("while" for DO WHILE)
    end_line: int | None = None    # region: line of CHECKPOINT-END

    @property
    def loc(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def site(self) -> str:
        """``caller -> callee`` (``callee()`` for a function), ``routine: region``, ``routine: do i``."""
        if self.kind in ("call", "function"):
            paren = "()" if self.kind == "function" else ""
            return f"{self.routine.name} -> {self.callee_name}{paren}"
        if self.kind == "region":
            return f"{self.routine.name}: region"
        return f"{self.routine.name}: do {self.loop_var}" if self.loop_var != "while" else \
            f"{self.routine.name}: do while"

    @property
    def mode_text(self) -> str:
        if self.mode == "-":
            return self.why                      # a call with no source (no --head): no mode at all
        return f"{self.mode} ({self.why})" if self.why else self.mode

    def as_json(self) -> dict:
        return {
            "file": self.file, "line": self.line, "kind": self.kind, "routine": self.routine.name,
            "callee": self.callee_name, "site": self.site, "depth": self.depth,
            "directive": self.directive, "mode": self.mode, "why": self.why, "active": self.active,
            "loops": list(self.loops), "loop_var": self.loop_var, "end_line": self.end_line,
        }


@dataclass
class CallTree:
    prog: Program
    head: Routine | None
    roots: list[Routine]                                       # [head], or the routines nobody calls
    calls: dict[Routine, list[Item]] = field(default_factory=dict)   # call sites per caller, source order
    blocks: dict[Routine, list[Item]] = field(default_factory=dict)  # DO loops and regions per routine
    depth: dict[Routine, int] = field(default_factory=dict)

    def routines(self) -> list[Routine]:
        """Routines of the tree, depth first from each root, each once, in call order."""
        out: list[Routine] = []
        seen: set[int] = set()

        def visit(r: Routine) -> None:
            if id(r) in seen:
                return
            seen.add(id(r))
            out.append(r)
            for it in self.calls.get(r, []):
                if it.callee is not None:
                    visit(it.callee)

        for root in self.roots:
            visit(root)
        return out

    def items(self) -> list[Item]:
        """Every call site, region and DO loop of the tree's routines, routine by routine in source order."""
        out: list[Item] = []
        for r in self.routines():
            rows = self.calls.get(r, []) + self.blocks.get(r, [])
            out += sorted(rows, key=lambda it: (it.line, 0 if it.kind in ("do", "region") else 1))
        return out


def build_tree(sources: list[str], head: str | None = None, vars_: list[str] | None = None,
               outvars: list[str] | None = None, opts: CheckpointOptions | None = None,
               source=None) -> CallTree:
    """Load ``sources`` (read as ``source``: -D/-I/...) and compute the call tree from ``head``
    (activity included) or from every root."""
    opts = opts or CheckpointOptions()
    prog = load_program(list(sources), source) if source is not None else load_program(list(sources))
    texts = source_lines(prog)
    blocks, loops_at = _survey_as_parsed(prog, texts)       # before the passes change the IR
    if head is not None:
        ctx = prepare(prog, head, vars_ or None, outvars or None, opts)
        cg, routines, roots = ctx.cg, ctx.routines, [ctx.head]

        def site_mode(site: CallSite) -> tuple[bool | None, str, str]:
            if not ctx.site_active(site):
                return False, PASSIVE, "inactive"
            d = ctx.decision(site)
            return True, d.mode, d.why
    else:
        normalise(prog, opts.externals)
        routines = list(prog.order)
        cg = build_callgraph(prog, routines, opts.externals)
        roots = _roots(prog, cg)

        def site_mode(site: CallSite) -> tuple[bool | None, str, str]:
            if site.callee is None and not site.external:
                return None, "-", "no source"
            d = call_mode(site, opts)
            return None, d.mode, d.why
    tree = CallTree(prog, roots[0] if head is not None else None, roots)
    tree.depth = _depths(roots, cg)
    for r in routines:
        if r not in tree.depth:
            continue
        tree.blocks[r] = list(blocks.get(r, []))
        for b in tree.blocks[r]:
            b.depth = tree.depth[r]
        rows = []
        for site in cg.sites.get(r, []):
            active, mode, why = site_mode(site)
            loc = site.loc or r.loc              # statements made by the passes keep their source's loc
            rows.append(Item("function" if site.is_function else "call", loc.file, loc.line, r, tree.depth[r],
                             mode, why, directive=_written(site.stmt, texts), callee_name=site.name,
                             callee=site.callee, active=active, loops=loops_at.get((loc.file, loc.line), ())))
        tree.calls[r] = rows
    return tree


def _roots(prog: Program, cg) -> list[Routine]:
    """Routines nobody calls; then, for call cycles nobody enters, the first member of each (source order)."""
    roots = [r for r in prog.order if not cg.callers.get(r)]
    reached = set(_depths(roots, cg))
    for r in prog.order:
        if r not in reached:
            roots.append(r)
            reached |= set(_depths([r], cg))
    return roots


def _depths(roots: list[Routine], cg) -> dict[Routine, int]:
    """Shortest call depth of every routine reachable from ``roots`` (breadth first: recursion terminates)."""
    depth: dict[Routine, int] = {}
    work = deque()
    for r in roots:
        if r not in depth:
            depth[r] = 0
            work.append(r)
    while work:
        r = work.popleft()
        for c in cg.callees(r):
            if c not in depth:
                depth[c] = depth[r] + 1
                work.append(c)
    return depth


def _written(st: S.Stmt, texts: dict[str, list[str]]) -> str | None:
    """The directive lines attached to ``st``, as the user wrote them (stripped, joined by '; ')."""
    out = []
    for d in st.directives:
        lines = texts.get(d.loc.file) if d.loc else None
        out.append(lines[d.loc.line - 1].strip() if lines and 0 < d.loc.line <= len(lines) else f"$AD {d.keyword}")
    return "; ".join(out) if out else None


def _survey_as_parsed(prog: Program, texts) -> tuple[dict[Routine, list[Item]], dict[tuple[str, int], tuple]]:
    """DO loops and regions of every routine, and the DO loops enclosing each statement line."""
    blocks: dict[Routine, list[Item]] = {}
    loops_at: dict[tuple[str, int], tuple[str, ...]] = {}

    def walk(r: Routine, body: list[S.Stmt], loops: tuple[str, ...]) -> None:
        for st in body:
            if st.loc is not None:
                key = (st.loc.file, st.loc.line)
                if len(loops) >= len(loops_at.get(key, ())):
                    loops_at[key] = loops
            inner = loops
            if isinstance(st, (S.Do, S.DoWhile)):
                var = st.var if isinstance(st, S.Do) else "while"
                d = st.has_directive("BINOMIAL-CKP")
                mode, why = (f"binomial:{d.args[1]}", "directive") if d else (TAPED, "default")
                blocks.setdefault(r, []).append(Item("do", st.loc.file, st.loc.line, r, 0, mode, why,
                                                     directive=_written(st, texts), loops=loops, loop_var=var))
                inner = loops + (var,)
            elif isinstance(st, S.Region):
                lines = texts.get(st.loc.file, [])
                written = lines[st.loc.line - 1].strip() if 0 < st.loc.line <= len(lines) else None
                blocks.setdefault(r, []).append(Item("region", st.loc.file, st.loc.line, r, 0, "joint", "region",
                                                     directive=written, loops=loops,
                                                     end_line=st.end_loc.line if st.end_loc else None))
            for b in st.bodies():
                walk(r, b, inner)

    for r in prog.order:
        walk(r, r.body, ())
    return blocks, loops_at


def loops_text(loops: tuple[str, ...]) -> str:
    """``do it`` / ``do j,i`` (outermost first), or '' outside loops."""
    return f"do {','.join(loops)}" if loops else ""

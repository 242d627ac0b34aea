"""Rendering a CallTree: the indented tree and Graphviz DOT (``fadj callgraph``), the table
and JSON (``fadj directives list``).

The text tree expands each routine's calls once: a routine called from several
sites has the same callees (and, activity and modes being per call site, the same
annotations) under each, so later occurrences point back instead of repeating a
subtree that can grow exponentially; a call back into a routine on the current
path is marked ``[recursive]`` and not followed.
"""
from __future__ import annotations

import json

from fadj.ir.program import Routine
from fadj.tools.calltree import CallTree, Item, loops_text


def tree_text(tree: CallTree) -> str:
    rows: list[tuple[str, str]] = []    # (left part: indent + loc + caller -> callee, right part: flags)
    expanded: set[int] = set()

    def visit(r: Routine, depth: int, path: tuple[int, ...]) -> None:
        for it in tree.calls.get(r, []):
            left = f"{'  ' * depth}{it.loc}  {it.site}"
            flags = _flags(it, tree.head is not None)
            c = it.callee
            if c is not None and id(c) in path:
                flags.append("[recursive]")
                rows.append((left, "  ".join(flags)))
            elif c is not None and id(c) in expanded and tree.calls.get(c):
                flags.append("[calls of " + c.name + " shown above]")
                rows.append((left, "  ".join(flags)))
            else:
                rows.append((left, "  ".join(flags)))
                if c is not None:
                    expanded.add(id(c))
                    visit(c, depth + 1, path + (id(c),))

    out: list[str] = []
    for root in tree.roots:
        if out:
            out.append("")
        what = "head" if root is tree.head else "root"
        out.append(f"{root.name}  ({what}, {root.loc})")
        expanded.add(id(root))
        start = len(rows)
        visit(root, 1, (id(root),))
        width = max((len(left) for left, _ in rows[start:]), default=0)
        out += [f"{left.ljust(width)}  {right}".rstrip() for left, right in rows[start:]]
    return "\n".join(out) + "\n"


def _flags(it: Item, with_activity: bool) -> list[str]:
    flags = []
    if with_activity and not it.active:
        flags.append("inactive")            # a plain primal call: no mode to show
    else:
        if with_activity:
            flags.append("active")
        flags.append(it.mode_text)
    if it.loops:
        flags.append("in " + loops_text(it.loops))
    return flags


# -- DOT ----------------------------------------------------------------------------------

NL = "\\n"   # a line break inside a DOT label (backslash n, not a newline)

_EDGE_STYLE = {
    "joint": 'color="blue3"',
    "split": 'color="red3"',
    "passive": 'color="gray50", style=dashed',
}


def tree_dot(tree: CallTree) -> str:
    """A ``digraph``: a node per routine, an edge per call site labelled ``file:line``, mode, loops."""
    lines = [
        "digraph callgraph {",
        "  // edges: blue joint (checkpointed), red split, dashed grey inactive (plain call)",
        '  node [shape=box, fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    routines = tree.routines()
    for r in routines:
        attrs = [f'label="{_esc(r.name)}\\n{_esc(str(r.loc))}"']
        if r is tree.head or (tree.head is None and r in tree.roots):
            attrs.append("penwidth=2")
        lines.append(f'  "{_esc(_node(r))}" [{", ".join(attrs)}];')
    missing: list[str] = []
    for r in routines:
        for it in tree.calls.get(r, []):
            if it.callee is None:
                node = f"ext:{it.callee_name}"
                if node not in missing:
                    missing.append(node)
                    note = "external" if it.why == "external" else "no source"
                    lines.append(f'  "{_esc(node)}" [label="{_esc(it.callee_name)}\\n({note})", '
                                 f'shape=ellipse, style=dashed];')
            else:
                node = _node(it.callee)
            label = [it.loc, " ".join(_flags(it, tree.head is not None))]
            style = _EDGE_STYLE.get(it.mode, 'color="black"')
            text = NL.join(_esc(x) for x in label)
            lines.append(f'  "{_esc(_node(r))}" -> "{_esc(node)}" [label="{text}", {style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node(r: Routine) -> str:
    return r.qualname


def _esc(s: str) -> str:
    """A DOT double-quoted string's content: backslash and quote escaped, no raw newline."""
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


# -- directives list ------------------------------------------------------------------

_COLUMNS = ("LOCATION", "SITE", "DEPTH", "DIRECTIVE", "MODE")


def items_table(tree: CallTree) -> str:
    rows = [(it.loc, it.site, str(it.depth), it.directive or "-", it.mode_text) for it in tree.items()]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(_COLUMNS)]
    out = []
    for row in [_COLUMNS] + rows:
        out.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    return "\n".join(out) + "\n"


def items_json(tree: CallTree) -> str:
    return json.dumps([it.as_json() for it in tree.items()], indent=2) + "\n"

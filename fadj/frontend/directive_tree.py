"""Parse without the ``$AD`` lines, then put them back into the tree.

A file's parse tree then depends on its code only: a directive inserted, removed or
changed needs no new parse (``fadj.cache`` keeps the tree), which is what makes
re-running ``fadj differentiate`` after a directive edit cheap.

``strip`` removes the directive lines and keeps where every remaining line was;
the tree of the stripped text has its line numbers moved back to the full text's
(``restore``), and each directive becomes a comment node right before the statement
that follows it, in that statement's list -- where fparser puts a comment that
precedes a statement (inside a DO construct before its DO statement, for a directive
before a loop), so the lowering reads directives exactly as it does comments.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from fadj.frontend.directives import directive_text


@dataclass
class Stripped:
    text: str                          # the file without its directive lines
    lines: list[int]                   # lines[k - 1]: line of the full text that line k of ``text`` was
    directives: list[tuple[int, str]]  # (line in the full text, the line's text stripped)


def strip(text: str, fixed_form: bool, comments: bool = False) -> Stripped:
    """The text without its ``$AD`` lines (and, with ``comments``, without any comment line:
    fparser rejects some that gfortran ignores, between two DOs sharing a terminal label)."""
    keep: list[str] = []
    lines: list[int] = []
    dirs: list[tuple[int, str]] = []
    for k, ln in enumerate(text.split("\n"), start=1):
        if directive_text(ln, fixed_form) is not None:
            dirs.append((k, ln.strip()))
        elif comments and _is_comment(ln, fixed_form):
            continue
        else:
            keep.append(ln)
            lines.append(k)
    return Stripped("\n".join(keep), lines, dirs)


def _is_comment(line: str, fixed_form: bool) -> bool:
    s = line.lstrip()
    if s.lower().startswith("!$omp") or (fixed_form and line[:5].lower() in ("c$omp", "*$omp")):
        return False
    return (fixed_form and line[:1] in ("c", "C", "*", "!")) or s.startswith("!")


def statement_nodes(tree) -> list:
    """The nodes that carry a line span (statements, comments), in source order."""
    from fparser.two.utils import walk
    out, seen = [], set()
    for node in walk(tree):
        item = getattr(node, "item", None)
        if item is not None and getattr(item, "span", None) is not None and id(item) not in seen:
            seen.add(id(item))
            out.append(node)
    return out


def restore(nodes: list, st: Stripped) -> None:
    """Give the stripped tree (``nodes``: its ``statement_nodes``) the full text's line numbers
    and its directives back (see the module docstring)."""
    from fparser.two import Fortran2003 as F
    n = len(st.lines)

    def full(k: int) -> int:
        return st.lines[k - 1] if 0 < k <= n else k + len(st.directives)

    for node in nodes:
        a, b = node.item.span
        node.item.span = (full(a), full(b))
    if not st.directives:
        return
    targets = [x for x in nodes if isinstance(getattr(getattr(x, "parent", None), "content", None), list)]
    k = 0
    for line, text in st.directives:
        while k < len(targets) and targets[k].item.span[0] < line:
            k += 1
        c = object.__new__(F.Comment)
        c.items = [text]
        c.item = SimpleNamespace(span=(line, line), comment=text)
        if k < len(targets):
            nxt = targets[k]
            parent = nxt.parent
            at = next(i for i, x in enumerate(parent.content) if x is nxt)
            before = parent.content[at - 1] if at > 0 else None
            if at == len(parent.content) - 1 and type(before).__name__ in ("Execution_Part", "Specification_Part") \
                    and isinstance(getattr(before, "content", None), list):
                # right before a unit's END: at the end of its executable part, as fparser does
                parent, at = before, len(before.content)
        else:
            # after the last statement: at the end of the last list (the lowering reports it)
            parent = targets[-1].parent if targets else None
            at = len(parent.content) if parent is not None else 0
        if parent is None:
            continue        # no statement at all: nothing consumes it; load reports it
        c.parent = parent
        parent.content.insert(at, c)

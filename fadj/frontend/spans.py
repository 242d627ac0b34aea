"""Which lines of a source file each statement covers, and which lines are comments.

The IR keeps only the first line of a statement (``loc``).  Editing directives
(``fadj directives set``) needs more: a user may name any continuation line of a
CALL, and only whole comment lines may be removed.  fparser's line reader
(the one ``parse_source`` runs) joins continuation lines and splits off comments
with the parser's own rules, so these spans agree with the IR's ``loc`` by
construction; this module keeps that fparser use inside the frontend.
"""
from __future__ import annotations

from dataclasses import dataclass

from fadj.errors import SyntaxErr
from fadj.frontend.parse import _loc_from_message
from fadj.ir.program import SourceFile


@dataclass(frozen=True)
class LineMap:
    """Statement spans and comment lines of one file (1-based line numbers).

    ``spans`` lists (first, last) line of every statement in source order; the
    statements of one line joined by ``;`` share a span and appear once each.
    ``comments`` holds the lines that are nothing but a comment (or blank).
    """

    spans: tuple[tuple[int, int], ...]
    comments: frozenset[int]

    def statement_at(self, line: int) -> tuple[int, int] | None:
        """The span of the statement that has ``line`` as its first or a continuation line."""
        if line in self.comments:
            return None
        for first, last in self.spans:
            if first <= line <= last:
                return first, last
        return None


def line_map(src: SourceFile) -> LineMap:
    from fparser.common.readfortran import Comment, FortranStringReader
    from fparser.common.sourceinfo import FortranFormat

    # spans are of the file as written: INCLUDE lines are not followed (fparser's reader would
    # return the included file's lines, numbered as its own), they read as blank lines here
    from fadj.frontend.preprocess import blank_includes
    reader = FortranStringReader(blank_includes(src.text), ignore_comments=False, include_dirs=None)
    reader.set_format(FortranFormat(not src.fixed_form, False))
    reader.id = src.path
    lines = src.text.split("\n")
    spans: list[tuple[int, int]] = []
    comments: set[int] = set()
    try:
        for item in reader:
            first, last = item.span
            if not isinstance(item, Comment):
                spans.append((first, last))
            elif first == last and lines[first - 1].strip() == item.comment.strip():
                comments.add(first)   # not a trailing comment ("x = 1 ! note"): the whole line
    except Exception as e:  # the reader raises assorted errors on bad input
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise SyntaxErr(_loc_from_message(src, str(e)), f"cannot read: {msg}") from None
    return LineMap(tuple(spans), frozenset(comments))

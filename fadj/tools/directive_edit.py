"""``fadj directives set`` and ``fadj directives clear``: edit ``$AD`` directives in place.

Which statement a FILE:LINE names comes from parsing the file, never from the
text alone: the line must be the first or a continuation line of a statement
whose IR node (matched by ``loc``) is a CALL (also the CALL of a logical
``IF (c) CALL f``) or a DO loop.

Which existing directive lines belong to that statement is exactly what the
frontend attaches to it (``stmt.directives``): the ``$AD`` comment lines written
after the previous statement of the same block and before this one, with any
other comment or blank lines in between.  ``CHECKPOINT-START/END`` lines are
never a statement's: they delimit regions, which only ``clear`` removes.

An edit touches only those lines: the first of them is replaced (keeping its
line ending) and the others deleted, or, with none, one line is inserted right
above the statement's first line (``C$AD`` in column 1 in fixed form, ``!$AD``
at the statement's indentation in free form).  Before anything is written the
edited text is parsed again and must give the same statements with the same
directives, except the new one on the intended statement.
"""
from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from fadj.errors import FadjError, Loc, NameErr
from fadj.frontend.directives import directive_text, parse_directive
from fadj.frontend.load import load_program
from fadj.frontend.source import read_source
from fadj.frontend.spans import line_map
from fadj.ir import expr as E
from fadj.ir import stmt as S
from fadj.ir.consts import try_int
from fadj.ir.program import Program, Routine
from fadj.tools import textlines as T

ACTIONS = "checkpoint, nocheckpoint, binomial:NSNAPS or none"
#: nsteps / firststep written when the loop gives neither a constant nor a name; fadj ignores
#: both (it uses the loop's run-time trip count and start), only nsnaps matters
PLACEHOLDER_NSTEPS = "0"
PLACEHOLDER_FIRST = "1"


@dataclass(frozen=True)
class Action:
    kind: str                 # checkpoint | nocheckpoint | binomial | none
    nsnaps: int | None = None

    def __str__(self) -> str:
        return f"binomial:{self.nsnaps}" if self.kind == "binomial" else self.kind


@dataclass
class Change:
    """The planned edit of one file: its text before and after, and one report line per change."""

    path: str
    before: str
    after: str
    reports: list[str] = field(default_factory=list)


def parse_action(text: str, loc: Loc) -> Action:
    t = text.strip().lower()
    if t in ("checkpoint", "nocheckpoint", "none"):
        return Action(t)
    if t.startswith("binomial:"):
        n = t.split(":", 1)[1]
        if not n.isdigit() or int(n) < 1:
            raise FadjError(loc, f"binomial:NSNAPS needs a positive number of snapshots, not '{n}'")
        return Action("binomial", int(n))
    raise FadjError(loc, f"unknown action '{text}' (expected {ACTIONS})")


def parse_target(spec: str) -> tuple[str, int]:
    path, sep, line = spec.rpartition(":")
    if not sep or not path or not line.isdigit() or int(line) < 1:
        raise FadjError(Loc(spec), "expected FILE:LINE (e.g. model.f90:42), the line of a CALL or DO statement")
    return path, int(line)


# -- set --------------------------------------------------------------------------------

def plan_set(spec: str, action_text: str, others: list[str] = (), source=None) -> Change:
    """``source`` (a ``SourceOptions``: -D/-I/--cpp) says how FILE and ``others`` are read."""
    path, line = parse_target(spec)
    if not Path(path).is_file():
        raise FadjError(Loc(path, line), "no such file")
    src_file = read_source(path)                     # not a Fortran suffix: error
    action = parse_action(action_text, Loc(path, line))
    lines = T.read_lines(path)
    others = _other_sources(path, others)
    prog = _load([path] + others, spec, action_text, source)
    lmap = line_map(src_file)
    loc = Loc(path, line)
    if line > len(lines):
        raise FadjError(loc, f"the file has only {len(lines)} lines")
    if line in lmap.comments or not lines[line - 1].text.strip():
        owner = _directive_owner(prog, path, line)
        if owner is None:
            raise FadjError(loc, "this is a comment or blank line, not a CALL or DO statement")
        line, loc = owner, Loc(path, owner)        # a $AD line: the statement it belongs to
    if _switched_off(prog, path, line):
        raise FadjError(loc, "this line is switched off by the preprocessor (see -D/-U and fadj.toml's defines)")
    span = lmap.statement_at(line)
    if span is None:
        raise FadjError(loc, "this line is not part of a statement")
    first = span[0]
    routine, st = _statement(prog, path, first, loc)
    _check_applies(action, st, Loc(path, first))

    own = sorted(d.loc.line for d in st.directives)
    was = "+".join(_describe(d) for d in st.directives) or "none"
    new_text, kw, note = None, None, ""
    if action.kind != "none":
        kw, note = _keyword_text(action, routine, st, lines, span)
        new_text = ("C$AD " if src_file.fixed_form else _indent(lines[first - 1].text) + "!$AD ") + kw
    edited = list(lines)
    if _same(action, st.directives):
        edited = lines                                # already so: leave the user's spelling alone
    elif own:
        keep_end = lines[own[0] - 1].end
        for n in reversed(own):
            del edited[n - 1]
        if new_text is not None:
            edited.insert(own[0] - 1, T.Line(new_text, keep_end, None))
    elif new_text is not None:
        edited.insert(first - 1, T.Line(new_text, T.usual_ending(lines, first), None))
    before, after = T.join_lines(lines), T.join_lines(edited)
    if after == before:
        report = f"{path}:{first}: {action} (unchanged)"
    else:
        report = f"{path}:{first}: {action} (was: {was})"
        if new_text is not None and action.kind == "binomial":
            report += f" [{new_text.strip()}{note}]"
        _verify(path, others, prog, after, edited, st, kw, source)
    return Change(path, before, after, [report])


def _directive_owner(prog: Program, path: str, line: int) -> int | None:
    """The first line of the statement whose ``$AD`` directive is on ``path:line``, or None."""
    from fadj.ir import stmt as S
    for r in prog.order:
        for st in S.walk_stmts(r.body):
            if st.loc is not None and st.loc.file == path and any(
                    d.loc.file == path and d.loc.line == line for d in st.directives):
                return st.loc.line
    return None


def _switched_off(prog: Program, path: str, line: int) -> bool:
    """Whether the preprocessor blanked ``path:line`` (code inside a false ``#if``)."""
    src = next((f for f in prog.files if f.path == path), None)
    if src is None or not src.cpp or src.origins is None:
        return False
    text = src.source_text.split("\n")
    return any(o == (path, line) and not text[i].strip() for i, o in enumerate(src.origins) if i < len(text))


def _other_sources(path: str, others) -> list[str]:
    """The extra sources, without FILE itself (a shell glob often includes it)."""
    from fadj.frontend.discover import expand_sources
    me = Path(path).resolve()
    out = []
    for o in expand_sources(others) if others else ():      # folders: their files
        if Path(o).resolve() != me and o not in out:
            out.append(o)
    return out


def _load(paths: list[str], spec: str, action_text: str, source=None) -> Program:
    try:
        return load_program(paths, source) if source is not None else load_program(paths)
    except NameErr as e:
        # most often a module (or its variables) defined in a file that was not given
        raise NameErr(e.loc, f"{e.message} (if it comes from another file, give that file too: "
                             f"fadj directives set {spec} {action_text} OTHER.f90...)") from None


def _statement(prog: Program, path: str, first: int, loc: Loc) -> tuple[Routine, S.Stmt]:
    """The CALL or DO statement that starts on line ``first`` of ``path`` (as the IR has it)."""
    found = [(r, st) for r in prog.order for st in S.walk_stmts(r.body)
             if st.loc is not None and st.loc.file == path and st.loc.line == first and not isinstance(st, S.Region)]
    if not found:
        raise FadjError(loc, "not a CALL or DO statement (not an executable statement)")
    r, st = found[0]                                    # walk order: the line's first, outermost statement
    if isinstance(st, S.If) and st.logical_if and isinstance(st.branches[0][1][0], S.CallStmt):
        return r, st.branches[0][1][0]                  # a directive before IF (c) CALL f is the CALL's
    if isinstance(st, (S.CallStmt, S.Do, S.DoWhile)):
        return r, st
    later = any(isinstance(s, (S.CallStmt, S.Do)) for _, s in found[1:])
    hint = " (a directive applies to the first statement of a line: put the CALL or DO on a line of its own)" \
        if later else ""
    raise FadjError(loc, f"not a CALL or DO statement (it is {_what(st)}){hint}")


def _check_applies(action: Action, st: S.Stmt, loc: Loc) -> None:
    if action.kind in ("checkpoint", "nocheckpoint") and not isinstance(st, S.CallStmt):
        raise FadjError(loc, f"{action} applies to a CALL statement, this is {_what(st)} "
                             f"(a counted DO loop takes binomial:NSNAPS)")
    if action.kind == "binomial" and not isinstance(st, S.Do):
        raise FadjError(loc, f"{action} applies to a counted DO loop, this is {_what(st)}")


def _what(st: S.Stmt) -> str:
    return {S.CallStmt: "a CALL statement", S.Do: "a DO loop", S.DoWhile: "a DO WHILE loop",
            S.Assign: "an assignment", S.If: "an IF statement", S.SelectCase: "a SELECT CASE construct",
            S.Where: "a WHERE statement"}.get(type(st), f"a {type(st).__name__.upper()} statement")


def _describe(d: S.Directive) -> str:
    return f"binomial:{d.args[1]}" if d.keyword == "BINOMIAL-CKP" else d.keyword.lower()


def _same(action: Action, ds: list[S.Directive]) -> bool:
    """The statement already has exactly the requested directive (for binomial: the same nsnaps)."""
    if action.kind == "none":
        return not ds
    return len(ds) == 1 and _describe(ds[0]) == str(action)


def _indent(text: str) -> str:
    """The statement's indentation; a free-form label counts as blanks (``10  call f`` -> 4 blanks)."""
    m = re.match(r"([ \t]*)(\d{1,5}[ \t]+)?", text)
    return m.group(1) + re.sub(r"[^\t]", " ", m.group(2) or "")


def _keyword_text(action: Action, r: Routine, st: S.Stmt, lines: list[T.Line], span) -> tuple[str, str]:
    """The directive after its sentinel, and a note when binomial arguments are placeholders."""
    if action.kind != "binomial":
        return action.kind.upper(), ""
    nsteps, first, exact = binomial_args(r, st, " ".join(ln.text for ln in lines[span[0] - 1:span[1]]))
    note = "" if exact else "; nsteps/firststep are placeholders: fadj uses the loop's bounds at run time"
    return f"BINOMIAL-CKP {nsteps} {action.nsnaps} {first}", note


def binomial_args(r: Routine, do: S.Do, text: str) -> tuple[str, str, bool]:
    """``nsteps`` and ``firststep`` of ``$AD BINOMIAL-CKP`` for loop ``do``, and whether both are real.

    fadj's reverse engine only reads nsnaps (it counts the trip at run time), but
    the directive takes three arguments, as in Tapenade, and readers expect the
    true ones: the trip count when the bounds are constants (PARAMETERs
    included), else the end bound's name (written as in the source), else a
    placeholder; firststep is the start bound, its value or its name.
    """
    def lookup(name):
        s = r.scope.lookup(name)
        return s.init if s is not None and s.parameter else None

    start, end = try_int(do.start, lookup), try_int(do.end, lookup)
    step = try_int(do.step, lookup) if do.step is not None else 1
    exact = True
    if start is not None and end is not None and step:
        q = abs(end - start + step) // abs(step)          # Fortran's truncating division
        nsteps = str(max(0, q if (end - start + step >= 0) == (step > 0) else -q))
    elif isinstance(do.end, E.Name):
        nsteps = _spelled(do.end.name, text)
    else:
        nsteps, exact = PLACEHOLDER_NSTEPS, False
    if start is not None:
        first = str(start)
    elif isinstance(do.start, E.Name):
        first = _spelled(do.start.name, text)
    else:
        first, exact = PLACEHOLDER_FIRST, False
    return nsteps, first, exact


def _spelled(name: str, stmt_text: str) -> str:
    """``name`` as the DO statement writes it (NSTEP in upper-case code), searched after the '='."""
    code = stmt_text.split("=", 1)[1] if "=" in stmt_text else stmt_text
    m = re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", code, re.IGNORECASE)
    return m.group(0) if m else name


def _verify(path: str, others: list[str], prog: Program, after: str, edited: list[T.Line],
            target: S.Stmt, kw: str | None, source=None) -> None:
    """Parse the edited text: every statement keeps its directives, except ``target``, which has ``kw``."""
    where = {ln.origin: i for i, ln in enumerate(edited, start=1) if ln.origin is not None}
    expected = []
    for st in _stmts(prog, path):
        ds = [(d.keyword, d.args) for d in st.directives]
        if st is target:
            ds = []
            if kw is not None:
                d = parse_directive(kw, Loc(path))
                ds = [(d.keyword, d.args)]
        expected.append(_shape(st, ds, where))
    with tempfile.TemporaryDirectory(prefix="fadj-verify-") as tmp:
        copy = Path(tmp) / Path(path).name
        copy.write_bytes(T.encode(after))
        try:
            again = load_program([str(copy)] + others, _beside(path, source))
        except FadjError as e:
            raise RuntimeError(f"internal error: {path} no longer parses after the edit: {e.format()}") from None
        got = [_shape(st, [(d.keyword, d.args) for d in st.directives], None) for st in _stmts(again, str(copy))]
    if got != expected:
        raise RuntimeError(f"internal error: the edit of {path} would change other statements or miss its target")


def _beside(path: str, source):
    """``source`` with ``path``'s folder on the include path: the copy verified in a temporary
    folder must find the files ``path`` INCLUDEs (or #includes) beside it."""
    from dataclasses import replace
    from fadj.frontend.options import SourceOptions
    source = source or SourceOptions()
    return replace(source, include_dirs=(str(Path(path).resolve().parent),) + tuple(source.include_dirs))


def _stmts(prog: Program, path: str) -> list[S.Stmt]:
    return [st for r in prog.order for st in S.walk_stmts(r.body) if st.loc is not None and st.loc.file == path]


def _shape(st: S.Stmt, ds, where) -> tuple:
    line = st.loc.line if where is None else where.get(st.loc.line, -1)
    end = getattr(st, "end_loc", None)
    end_line = None if end is None else (end.line if where is None else where.get(end.line, -1))
    return type(st).__name__, line, end_line, tuple(ds)


# -- clear ------------------------------------------------------------------------------

def plan_clear(paths: list[str]) -> list[Change]:
    """Every whole-line ``$AD`` comment of each file removed (all kinds, malformed ones too)."""
    changes = []
    for path in paths:
        src = read_source(path)
        comments = line_map(src).comments
        lines = T.read_lines(path)
        drop = [i for i, ln in enumerate(lines, start=1)
                if i in comments and directive_text(ln.text, src.fixed_form) is not None]
        kept = [ln for i, ln in enumerate(lines, start=1) if i not in set(drop)]
        reports = [f"{path}:{i}: removed {lines[i - 1].text.strip()}" for i in drop] or [f"{path}: no $AD directive"]
        changes.append(Change(path, T.join_lines(lines), T.join_lines(kept), reports))
    return changes


# -- writing ----------------------------------------------------------------------------

def apply(changes: list[Change], dry_run: bool, echo=print) -> None:
    """Print the reports (and with ``dry_run`` the diffs); otherwise write each changed file atomically.

    A file that changed on disk since it was read is not overwritten (error, nothing written).
    """
    if not dry_run:
        for ch in changes:
            if ch.after != ch.before and T.join_lines(T.read_lines(ch.path)) != ch.before:
                raise FadjError(Loc(ch.path), "the file changed while fadj was editing it: nothing written")
    for ch in changes:
        if dry_run:
            diff = T.unified_diff(ch.path, ch.before, ch.after)
            if diff:
                echo(diff, end="")
        elif ch.after != ch.before:
            T.write_atomic(ch.path, T.encode(ch.after))
        suffix = " [dry run: not written]" if dry_run and ch.after != ch.before else ""
        for rep in ch.reports:
            echo(rep + suffix)

"""``$AD`` directive comments: recognising and parsing them.

Sentinels: ``!$AD`` in free form (after optional blanks); ``C$AD``, ``c$AD``,
``*$AD`` or ``!$AD`` in column 1 of fixed form.  Keywords are case-insensitive.
A comment that has the sentinel but a keyword fadj does not know is an error,
never ignored: a misspelled directive would otherwise silently change the
memory/time trade-off the user asked for.
"""
from __future__ import annotations

import re

from fadj.errors import DirectiveError, Loc
from fadj.ir.stmt import Directive

#: keyword -> number of integer arguments it takes
KEYWORDS = {
    "CHECKPOINT": 0,
    "NOCHECKPOINT": 0,
    "CHECKPOINT-START": 0,
    "CHECKPOINT-END": 0,
    "BINOMIAL-CKP": 3,
}

_FREE = re.compile(r"^\s*!\$ad\b(.*)$", re.IGNORECASE)
_FIXED = re.compile(r"^[cC*!]\$ad\b(.*)$", re.IGNORECASE)


def directive_text(line: str, fixed_form: bool) -> str | None:
    """The text after the sentinel if ``line`` is a directive comment, else None."""
    m = (_FIXED if fixed_form else _FREE).match(line.rstrip("\n"))
    if m is None and fixed_form:
        # '!' comments may start anywhere in fixed form too.
        m = _FREE.match(line)
    return m.group(1) if m else None


def parse_directive(rest: str, loc: Loc) -> Directive:
    words = rest.replace(",", " ").split()
    if not words:
        raise DirectiveError(loc, "empty $AD directive")
    kw = words[0].upper()
    if kw not in KEYWORDS:
        raise DirectiveError(loc, f"unknown $AD directive '{words[0]}' (known: {', '.join(KEYWORDS)})")
    nargs = KEYWORDS[kw]
    args = words[1:]
    if len(args) != nargs:
        if kw == "BINOMIAL-CKP":
            raise DirectiveError(loc, "$AD BINOMIAL-CKP takes three integers: nsteps nsnaps firststep")
        raise DirectiveError(loc, f"$AD {kw} takes no arguments")
    values = []
    for a in args:
        if not re.fullmatch(r"[+-]?\d+", a):
            # nsteps may be a variable name in Tapenade; fadj accepts names for nsteps and firststep.
            if re.fullmatch(r"[A-Za-z_]\w*", a) and len(values) != 1:
                values.append(a.lower())
                continue
            raise DirectiveError(loc, f"$AD {kw}: '{a}' is not an integer")
        values.append(int(a))
    if kw == "BINOMIAL-CKP":
        nsnaps = values[1]
        if nsnaps < 1:
            raise DirectiveError(loc, "$AD BINOMIAL-CKP needs at least 1 snapshot")
    return Directive(kw, tuple(values), loc)


def scan_directives(text: str, path: str, fixed_form: bool, locate=None) -> dict[int, Directive]:
    """Every directive in a file, by line number (1-based); raises on malformed ones.

    ``locate(line) -> Loc`` maps a line of a preprocessed text to the user's file and line
    (``SourceFile.loc``); without it the line is ``path``'s own.
    """
    out: dict[int, Directive] = {}
    for i, line in enumerate(text.replace('\r\n', '\n').replace('\r', '\n').split('\n'), start=1):
        rest = directive_text(line, fixed_form)
        if rest is not None:
            out[i] = parse_directive(rest, locate(i) if locate is not None else Loc(path, i))
    return out

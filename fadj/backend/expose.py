"""Build copies of the primal in which derivative code can reach a module's PRIVATE entities.

Derivative routines live in module ``m_diff``, outside ``m``; they call ``m``'s private
procedures and read its private variables and components.  So the copy of ``m`` in the output
folder makes them PUBLIC (the user's file is untouched).  That must not change what the
user's own code sees: a unit that writes ``use m`` (without ONLY) and has an entity of the same
name as one of ``m``'s private ones would now clash with it (or, inside a module procedure,
take ``m``'s entity instead of its host's).  Such USE statements get renames
``fadj_priv_x => x`` for every exposed name, on the same line (the object is compiled without
a line-length limit), so the user's line numbers stay as written.  Module spec parts that come
from an INCLUDEd or ``#include``d file are exposed in a copy of that file written next to
the primal copy, where the compiler finds it first.
"""
from __future__ import annotations

import re
import zlib
from pathlib import Path

from fadj.errors import UnsupportedError

_PRIV_STMT = re.compile(r"^(\s*)private(\s*(::.*)?)$", re.IGNORECASE)
_PRIV_ATTR = re.compile(r",(\s*)private(\s*)(::|,)", re.IGNORECASE)
_TYPE_DEF = re.compile(r"^\s*type\s*((,[^:]*)?::\s*\w+|\s+\w+)\s*$", re.IGNORECASE)
_PRIVATE_WORD = re.compile(r"\bprivate\b", re.IGNORECASE)
_BARE_PRIVATE = re.compile(r"^(\s*)private\s*$", re.IGNORECASE)
_TYPE_END = re.compile(r"^\s*end\s*type\b", re.IGNORECASE)
_SPEC_END = re.compile(r"^\s*(contains|end\s*module\b)", re.IGNORECASE)


def expose_privates(text: str, modules) -> str:
    """The build copy of a module makes its PRIVATE entities PUBLIC.

    Derivative routines live in module ``m_diff``, outside ``m``; they call ``m``'s private
    procedures and read its private variables.  Only the copy in the output folder changes
    (the user's file is untouched), and only the specification part of the module.  Inside a
    derived-type definition PRIVATE means private components or bindings, which derivative code
    reads too (``s%neq``): the PRIVATE statement is dropped, the attribute becomes PUBLIC.
    """
    mods = [m for m in modules if m.private or m.private_default or _PRIVATE_WORD.search(text)]
    if not mods:
        return text
    lines = text.splitlines(keepends=True)

    def public(code: str) -> str:
        return _PRIV_ATTR.sub(lambda mm: f",{mm.group(1)}public{mm.group(2)}{mm.group(3)}", code)

    for m in mods:
        in_type = False
        for i in range(m.loc.line - 1, len(lines)):
            ln = lines[i]
            code = ln.rstrip("\r\n")
            if _SPEC_END.match(code) and not in_type:
                break
            if _TYPE_DEF.match(code):
                new, in_type = public(code), True
            elif _TYPE_END.match(code):
                new, in_type = code, False
            elif in_type:
                new = _BARE_PRIVATE.sub(r"\1! private (made public by fadj)", public(code))
            else:
                new = public(_PRIV_STMT.sub(lambda mm: f"{mm.group(1)}public{mm.group(2)}", code))
            lines[i] = new + ln[len(code):]
    return "".join(lines)


_NAME = re.compile(r"^[a-z_]\w*$")


def exposed_names(m, prog) -> set[str]:
    """Identifiers that are PRIVATE in module ``m`` and PUBLIC in its build copy."""
    # what the user's module declares (not fadj's specialised copies of its routines, nor the
    # key under which abstract interfaces are kept)
    routines = {r.name for r in m.routines if getattr(r, "_specialized_from", None) is None}
    copies = {r.name for r in m.routines} - routines
    if m.private_default:
        own = {n for n, s in m.scope.symbols.items() if s.module in (None, m.name)}
        own |= routines | set(m.types) | {n for n in m.interfaces if n != "abstract"}
        names = own - m.public
    else:
        names = set(m.private)
    pseudo = {"abstract"} if "abstract" in m.interfaces else set()    # abstract interfaces' key
    return {n for n in names - copies - pseudo if _NAME.match(n)}


def _alias(name: str) -> str:
    a = f"fadj_priv_{name}"
    return a if len(a) <= 63 else f"fadj_priv_{zlib.crc32(name.encode()):08x}_{name[:40]}"


def _units(prog):
    for m in prog.modules.values():
        yield m.name, m.uses
    for r in prog.order:
        yield r.module, r.uses


def all_exposed_names(prog) -> dict[str, set[str]]:
    """Module name -> its exposed names, for every module (computed once per build)."""
    return {m.name: exposed_names(m, prog) for m in prog.modules.values()}


def hide_exposed(text: str, f, prog, exposed: dict[str, set[str]]) -> tuple[str, bool]:
    """``use m`` statements of ``f`` (without ONLY, outside ``m``) rename ``m``'s exposed names
    (``exposed``, from all_exposed_names) out of the way.  Returns the text and whether a line
    was lengthened."""
    lines = text.split("\n")
    done: set[int] = set()
    for unit, uses in _units(prog):
        for u in uses:
            names = exposed.get(u.module)
            if (not names or u.only is not None or unit == u.module or u.loc is None
                    or u.loc.file != f.path or u.loc.line in done or not 0 < u.loc.line <= len(lines)):
                continue
            k = u.loc.line - 1
            m = re.match(rf"^(\s*use\b[\s,:]*(non_intrinsic\s*::\s*)?{re.escape(u.module)}\b[^!&]*?)\s*(!.*)?$",
                         lines[k], re.IGNORECASE)
            if m is None or (f.fixed_form and lines[k][:1] in "cC*!"):
                continue    # a USE continued on the next line, or written in a way not matched: as it is
            names = sorted(n for n in names if n not in u.renames.values())
            if not names:
                continue
            renames = ", ".join(f"{_alias(n)} => {n}" for n in names)
            lines[k] = f"{m.group(1)}, {renames}" + (f" {m.group(3)}" if m.group(3) else "")
            done.add(u.loc.line)
    return "\n".join(lines), bool(done)


_MODULE_STMT = re.compile(r"^\s*module\s+(?!procedure\b)\w+\s*(!.*)?$", re.IGNORECASE)


class _Start:
    """Where a module's specification part starts in a header (line of its MODULE statement,
    or 1 when the header begins inside a module of the including file)."""

    def __init__(self, line: int):
        self.loc = type("L", (), {"line": line})()
        self.private = True
        self.private_default = False


def expose_headers(f, outdir: Path, prog) -> None:
    """Headers of ``f`` that hold a module's PRIVATE statements or attributes: an exposed copy
    in ``outdir`` (at the same path relative to the including file), found before the user's."""
    if not any(m.source is f for m in prog.modules.values()):
        return
    here = Path(f.path).resolve().parent
    for h in f.headers:
        hp = Path(h).resolve()
        try:
            text = hp.read_text(errors="surrogateescape")
        except OSError:
            continue
        if not _PRIVATE_WORD.search(text):
            continue
        starts = [1] + [i + 1 for i, ln in enumerate(text.splitlines()) if _MODULE_STMT.match(ln)]
        new = expose_privates(text, [_Start(n) for n in starts])
        if new == text:
            continue
        try:
            rel = hp.relative_to(here)
        except ValueError:
            raise UnsupportedError(None, f"{h}: a module's PRIVATE entities in an included file outside "
                                         f"the including file's folder ({here}) are not supported") from None
        dest = Path(outdir) / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not dest.exists() or dest.read_text(errors="surrogateescape") != new:
            dest.write_text(new, errors="surrogateescape")

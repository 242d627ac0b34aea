"""Reading source files and deciding their form (fixed or free).

The form is decided from the file name, as gfortran does, never guessed from
the contents: fparser's guess goes wrong on files that start with a ``c$``
comment (a fixed-form ``C$AD`` directive, say).
"""
from __future__ import annotations

from pathlib import Path

from fadj.errors import FadjError, Loc
from fadj.frontend.options import DEFAULT, SourceOptions
from fadj.ir.program import SourceFile

FIXED_SUFFIXES = {".f", ".for", ".f77", ".ftn", ".fpp"}
FREE_SUFFIXES = {".f90", ".f95", ".f03", ".f08", ".f18"}
FORTRAN_SUFFIXES = FIXED_SUFFIXES | FREE_SUFFIXES


def is_fixed_form(path: str) -> bool:
    suffix = Path(path).suffix.lower()
    if suffix in FIXED_SUFFIXES:
        return True
    if suffix in FREE_SUFFIXES:
        return False
    raise FadjError(Loc(path), f"cannot tell whether '{path}' is fixed or free form: "
                    f"use a Fortran suffix ({', '.join(sorted(FORTRAN_SUFFIXES))})")


def read_source(path: str, fixed_form: bool | None = None) -> SourceFile:
    p = Path(path)
    if not p.exists():
        raise FadjError(Loc(path), "no such file")
    if p.is_dir():
        raise FadjError(Loc(path), "is a directory, not a Fortran source file")
    try:
        # bytes that are not UTF-8 (Latin-1 comments, strings) ride through as surrogates, and
        # are written back as the same bytes (the output copy of the primal is byte-identical)
        text = p.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError as e:
        raise FadjError(Loc(path), f"cannot read: {e.strerror}") from None
    if fixed_form is None:
        fixed_form = is_fixed_form(path)
    return SourceFile(path=str(path), fixed_form=fixed_form, text=text)


def load_source(path: str, opts: SourceOptions = DEFAULT) -> SourceFile:
    """Read ``path`` and prepare the text the compiler sees (preprocessed, INCLUDEs expanded).

    The form follows the suffix (``.F`` fixed, ``.F90`` free, also after preprocessing)
    unless ``-ffixed-form`` / ``-ffree-form`` is among the user's flags.
    """
    from fadj.frontend.preprocess import prepare
    return prepare(read_source(path, opts.forced_form), opts)

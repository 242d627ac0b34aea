"""Running fparser 2 on one source file, turning its failures into fadj errors."""
from __future__ import annotations

import functools
import re

from fadj.errors import Loc, SyntaxErr, UnsupportedError
from fadj.ir.program import SourceFile


@functools.lru_cache(maxsize=1)
def _parser():
    from fparser.two.parser import ParserFactory
    return ParserFactory().create(std="f2008")


def _clear_symbol_tables() -> None:
    # fparser keeps a process-wide symbol table; stale entries from an earlier
    # parse change how later files are parsed.
    try:
        from fparser.two.symbol_table import SYMBOL_TABLES
        SYMBOL_TABLES.clear()
    except ImportError:  # older fparser
        pass


def parse_source(src: SourceFile):
    """Parse ``src`` with comments kept (directives live in comments); returns fparser's Program."""
    from fparser.common.readfortran import FortranStringReader
    from fparser.common.sourceinfo import FortranFormat
    from fparser.two.utils import FortranSyntaxError

    _clear_symbol_tables()
    # fparser logs what it skips or cannot read (with the user's text); fadj reports errors itself
    import logging
    logging.getLogger("fparser").setLevel(logging.CRITICAL + 1)
    # INCLUDE lines were expanded by fadj.frontend.preprocess (with a line map); an INCLUDE left
    # here (a file read without ``prepare``) is still found beside the including file
    import os
    include_dirs = [os.path.dirname(os.path.abspath(src.path))]
    reader = FortranStringReader(src.source_text, ignore_comments=False, include_dirs=include_dirs)
    reader.set_format(FortranFormat(not src.fixed_form, False))
    reader.id = src.path

    def reader_error(message, item=None):
        # fparser's reader logs such errors and calls sys.exit(1) (an END statement naming
        # another unit): one line at the statement instead
        line = item.span[0] if item is not None and getattr(item, "span", None) else reader.linecount
        text = str(message).strip().splitlines()[0]
        m = re.match(r"expected <([\w-]+)-name> is (\w+) but got (\w+)", text)
        if m:
            text = f"END {m.group(1).upper()} {m.group(3)} closes {m.group(1)} '{m.group(2)}'"
        raise SyntaxErr(src.loc(max(1, line)), f"syntax error: {text}")
    reader.error = reader_error        # (removed after the parse: the cache pickles the reader)
    try:
        tree = _parser()(reader)
    except SyntaxErr:
        raise
    except FortranSyntaxError as e:
        loc = _loc_from_message(src, str(e))
        what = unsupported_construct(_line_of(src, str(e)))
        if what is not None:
            raise UnsupportedError(loc, what) from None
        raise SyntaxErr(loc, _syntax_message(str(e))) from None
    except Exception as e:  # fparser raises assorted internal errors on bad input
        raise SyntaxErr(_loc_from_message(src, str(e)),
                        f"cannot parse: {type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}") from None
    finally:
        del reader.error
    if tree is None:
        raise SyntaxErr(src.loc(1), "no Fortran program unit found")
    return tree


#: valid Fortran that fparser (or fadj) does not read: named as unsupported, not as a syntax
#: error, so that nobody hunts for a typo in correct code.  (pattern, construct)
_UNSUPPORTED = [
    (r"^\s*submodule\b|^\s*module\s+(procedure|subroutine|function)\b|"
     r"^\s*(\w+\s+)*(module)\s+(subroutine|function)\b", "submodules and separate module procedures are"),
    (r"\bcodimension\b|::.*\[\s*[*:\w]|^\s*sync\s+(all|images|memory)\b|^\s*(end\s+)?critical\b|"
     r"^\s*(lock|unlock)\s*\(|^\s*event\s+(post|wait)\b|^\s*(form|change)\s+team\b", "coarrays are"),
    (r"^\s*implicit\s+none\s*\(", "IMPLICIT NONE with a specifier list (Fortran 2018) is"),
    (r"^\s*(select\s+type|type\s+is|class\s+is|class\s+default)\b", "SELECT TYPE is"),
    (r"^\s*select\s+rank\b", "SELECT RANK is"),
    (r"^\s*enum\s*,", "ENUM is"),
    (r"^\s*procedure\s*(,[^:]*)?::\s*\w+\s*,", "several type-bound procedures in one PROCEDURE statement are"),
    (r"^\s*generic\s*(,[^:]*)?::", "GENERIC type-bound procedures are"),
    (r"[(,]\s*\d+h", "Hollerith constants are"),
]


def unsupported_construct(line: str) -> str | None:
    """``"X is not supported"`` for a line fparser rejects that holds a construct fadj knows by
    name, or None (then it is reported as a syntax error)."""
    low = line.lower()
    for pat, what in _UNSUPPORTED:
        if re.search(pat, low):
            return f"{what} not supported ('{line.strip()[:60]}')"
    return None


def _line_of(src: SourceFile, msg: str) -> str:
    m = re.search(r">>>(.*)", msg)
    if m:
        return m.group(1)
    m = re.search(r"at line (\d+)", msg)
    lines = src.source_text.splitlines()
    if m and 0 < int(m.group(1)) <= len(lines):
        return lines[int(m.group(1)) - 1]
    return ""


def _loc_from_message(src: SourceFile, msg: str) -> Loc:
    m = re.search(r"at line (\d+)", msg)
    return src.loc(int(m.group(1)) if m else 1)


def _syntax_message(msg: str) -> str:
    m = re.search(r">>>(.*)", msg)
    if m:
        return f"syntax error: {m.group(1).strip()}"
    first = msg.strip().splitlines()[0] if msg.strip() else "syntax error"
    return f"syntax error: {first}"

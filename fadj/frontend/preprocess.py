"""The text the compiler sees: C preprocessor, INCLUDE lines and fixed-form columns, with a line map.

fadj parses what gfortran compiles, never a guess of it:

* **C preprocessor**: files gfortran preprocesses (``.F``, ``.F90``, ``.FPP``, ...;
  see ``options.CPP_SUFFIXES``) or every file with ``--cpp`` go through
  ``gfortran -cpp -E`` with the user's ``-D``/``-I``: the very preprocessor (traditional
  mode, ``__GFORTRAN__`` defined) that compiles them, always installed with gfortran.
  It keeps comments, so ``!$AD`` and ``C$AD`` directives survive, and it writes line
  markers (``# 12 "src/dyn.F"``, flag 1 entering an ``#include``, 2 returning), which
  give every output line its original file and line. Lines the defines switch off are
  blank in the output: neither parsed nor differentiated.
* **INCLUDE lines** are expanded here, before fparser sees the text (fparser's own
  INCLUDE reader numbers the included lines as if they were the includer's, and does
  not tell which file they came from). As gfortran does, an INCLUDEd file is searched
  in the including file's folder, then in the ``-I`` folders, and is not preprocessed.
* **Fixed-form columns**: code after column 72 (``-ffixed-line-length-N``) is ignored by
  gfortran (old card sequence numbers); fparser's reader would read it, so it is cut.

The result is a ``SourceFile`` with ``parse_text`` (what fparser parses) and
``origins`` (per line: the file and line the user edits), which the frontend uses for
every ``loc``: errors, directives and IR statements name the user's files, never a
temporary.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

from fadj.errors import FadjError, Loc, SyntaxErr
from fadj.frontend.options import DEFAULT, SourceOptions
from fadj.ir.program import SourceFile

_MARKER = re.compile(r'^#\s*(\d+)\s+"((?:[^"\\]|\\.)*)"((?:\s+\d+)*)\s*$')
_INCLUDE = re.compile(r"""^\s*include\s*(['"])(.+?)\1\s*(?:!.*)?$""", re.IGNORECASE)
_CPP_LINE = re.compile(r"^\s*#\s*(if|ifdef|ifndef|elif|else|endif|define|undef|include|error|pragma)\b")
_DIAG = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):(?:\d+:)? (?:fatal error|Fatal Error|error|Error): (?P<msg>.*)$")
_MAX_DEPTH = 50

Lines = list[str]
Origins = list[tuple[str, int]]


def prepare(src: SourceFile, opts: SourceOptions = DEFAULT) -> SourceFile:
    """``src`` with ``parse_text``/``origins``/``headers`` filled in (``src`` itself is unchanged)."""
    path = src.path
    headers: list[str] = []
    cpp = opts.preprocessed(path)
    if cpp:
        lines, origins = run_cpp(path, opts, headers)
    else:
        lines = src.text.split("\n")
        origins = [(path, i) for i in range(1, len(lines) + 1)]
        _no_cpp_lines(lines, origins, path)
    if any(_INCLUDE.match(ln) for ln in lines):
        lines, origins = _expand_includes(lines, origins, opts, headers, src.fixed_form, 0)
    if src.fixed_form and opts.fixed_line_length is not None:
        lines = [_cut(ln, opts.fixed_line_length) for ln in lines]
    text = "\n".join(lines)
    if not cpp and not headers and text == src.text:
        return src                             # nothing changed: no line map needed
    return replace(src, parse_text=text, origins=tuple(origins), headers=tuple(dict.fromkeys(headers)), cpp=cpp)


# -- the C preprocessor -------------------------------------------------------------------

def run_cpp(path: str, opts: SourceOptions, headers: list[str]) -> tuple[Lines, Origins]:
    """``gfortran -cpp -E`` of ``path``: the output lines (markers removed) and their origins."""
    exe = shutil.which("gfortran")
    if exe is None:
        raise FadjError(Loc(path), "preprocessing needs gfortran (apt-get install -y gfortran)")
    cmd = [exe, "-cpp", "-E", "-fdiagnostics-plain-output", *opts.cpp_flags(), path]
    p = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    if p.returncode != 0:
        raise _cpp_error(path, p.stderr)
    return parse_markers(p.stdout, path, headers)


def parse_markers(out: str, path: str, headers: list[str] | None = None) -> tuple[Lines, Origins]:
    """Split preprocessor output into lines and (file, line) origins, following its line markers.

    After ``# N "file" [flags]`` the next line is line N of ``file``; markers of
    ``<built-in>`` and ``<command-line>`` are skipped with the lines they cover (none).
    Files other than ``path`` that markers enter are appended to ``headers``.
    """
    lines: Lines = []
    origins: Origins = []
    cur, n = path, 1
    main = os.path.normpath(path)
    for ln in out.split("\n"):
        m = _MARKER.match(ln)
        if m:
            f = m.group(2).encode().decode("unicode_escape") if "\\" in m.group(2) else m.group(2)
            cur = f if f.startswith("<") else _user_path(f)
            n = int(m.group(1))
            if headers is not None and not cur.startswith("<") and os.path.normpath(cur) != main \
                    and cur not in headers:
                headers.append(cur)
            continue
        lines.append(ln)
        origins.append((path if os.path.normpath(cur) == main else cur, n))
        n += 1
    if lines and lines[-1] == "" and len(lines) > 1:
        lines.pop()                            # the newline cpp always ends with
        origins.pop()
    return lines, origins


def _user_path(f: str) -> str:
    """A path as cpp wrote it, tidied (``./a/../b.h`` -> ``b.h``), relative when it was."""
    return os.path.normpath(f)


def _cpp_error(path: str, stderr: str) -> FadjError:
    """The preprocessor's first error as a fadj error at its file:line."""
    for ln in stderr.splitlines():
        m = _DIAG.match(ln.strip())
        if m:
            f, line, msg = _user_path(m.group("file")), int(m.group("line")), m.group("msg").strip()
            if f == "f951" or not line:
                return FadjError(Loc(path), f"preprocessor: {msg}")
            return SyntaxErr(Loc(f, _include_line(f, line, msg)), f"preprocessor: {msg}")
    first = next((ln.strip() for ln in stderr.splitlines() if ln.strip()), "failed")
    return FadjError(Loc(path), f"preprocessor: {first}")


def _include_line(path: str, line: int, msg: str) -> int:
    """gfortran reports a missing ``#include`` one line late: point at the ``#include`` itself."""
    m = re.match(r"(.+): No such file or directory$", msg)
    if not m:
        return line
    try:
        text = Path(path).read_text(errors="replace").split("\n")
    except OSError:
        return line
    for k in (line, line - 1):
        if 0 < k <= len(text) and re.match(r"\s*#\s*include\b", text[k - 1]) and m.group(1) in text[k - 1]:
            return k
    return line


def _no_cpp_lines(lines: Lines, origins: Origins, path: str) -> None:
    """A preprocessor directive in a file that is not preprocessed: gfortran would reject it too."""
    for ln, (f, n) in zip(lines, origins):
        if _CPP_LINE.match(ln):
            raise SyntaxErr(Loc(f, n), f"preprocessor directive '{ln.strip()}' in a file that is not "
                                       f"preprocessed: name it with an upper-case suffix (.F, .F90) or give --cpp")


# -- INCLUDE lines ------------------------------------------------------------------------

def _expand_includes(lines: Lines, origins: Origins, opts: SourceOptions, headers: list[str],
                     fixed_form: bool, depth: int) -> tuple[Lines, Origins]:
    out: Lines = []
    out_o: Origins = []
    for ln, (f, n) in zip(lines, origins):
        m = _INCLUDE.match(ln)
        if m is None or (fixed_form and ln[:1] in "cC*!"):
            out.append(ln)
            out_o.append((f, n))
            continue
        loc = Loc(f, n)
        if depth >= _MAX_DEPTH:
            raise FadjError(loc, f"INCLUDE '{m.group(2)}': nested more than {_MAX_DEPTH} deep (does it include itself?)")
        hpath = find_include(m.group(2), f, opts.include_dirs, loc)
        if hpath not in headers:
            headers.append(hpath)
        try:
            htext = Path(hpath).read_text(encoding="utf-8", errors="replace")
        except OSError as e:
            raise FadjError(loc, f"INCLUDE '{m.group(2)}': cannot read {hpath}: {e.strerror}") from None
        hlines = htext.split("\n")
        if hlines and hlines[-1] == "":
            hlines.pop()
        horig = [(hpath, i) for i in range(1, len(hlines) + 1)]
        _no_cpp_lines(hlines, horig, hpath)
        hl, ho = _expand_includes(hlines, horig, opts, headers, fixed_form, depth + 1)
        out += hl
        out_o += ho
    return out, out_o


def blank_includes(text: str) -> str:
    """``text`` with every INCLUDE line emptied (same line count), for readers that must not follow them."""
    if "include" not in text.lower():
        return text
    return "\n".join("" if _INCLUDE.match(ln) else ln for ln in text.split("\n"))


def find_include(name: str, including: str, include_dirs, loc: Loc) -> str:
    """The file an INCLUDE names: the including file's folder first, then the -I folders."""
    dirs = [os.path.dirname(including) or "."] + [str(d) for d in include_dirs]
    for d in dirs:
        cand = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(cand):
            return cand
    where = ", ".join(dict.fromkeys(dirs))
    raise FadjError(loc, f"INCLUDE '{name}': not found in {where} (give the folder with -I DIR)")


# -- fixed-form columns -------------------------------------------------------------------

def _cut(line: str, width: int) -> str:
    """A fixed-form code line without what lies beyond column ``width`` (comment lines untouched).

    A TAB among the first six characters starts the statement at column 7 (gfortran's
    TAB format), so the limit counts from there.
    """
    if len(line) <= width or not line or line[0] in "cC*!" or line.lstrip().startswith("!"):
        return line
    tab = line.find("\t", 0, 6)
    limit = width if tab < 0 else tab + 1 + (width - 6)
    return line[:limit]

"""The user's compiler reads the sources before fadj differentiates them.

fadj's own front end (fparser, then lowering) accepts some code gfortran rejects (a variable
declared twice, a DO variable redefined in its loop), and in fixed form its line numbers for a
syntax error can be off.  So, when gfortran is on the PATH, every source is compiled with
``gfortran -fsyntax-only``, with the user's flags and defines, in module order, in a scratch
folder (its ``.mod`` files go there); gfortran's first error becomes fadj's one-line
``file:line: error:``.  A module gfortran cannot find (``use mpi`` without the MPI compiler
wrapper) is not the user's error here: the check stops there and says nothing.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from fadj.backend.modgraph import dependency_order
from fadj.errors import FadjError, Loc
from fadj.frontend.options import SourceOptions

_ERROR = re.compile(r"^(?:f951: )?(?:Fatal )?Error: (?P<msg>.*)$")
_EOF = re.compile(r"Unexpected end of file in [‘'][^’']+[’']")


def compiler_error(paths: list[str], source: SourceOptions) -> FadjError | None:
    """gfortran's first error on ``paths`` as a FadjError at its ``file:line``; None when gfortran
    accepts them (or is not installed, or misses a module the sources do not define)."""
    gfortran = shutil.which("gfortran")
    if gfortran is None or not paths:
        return None
    texts = {}
    for p in paths:
        try:
            texts[p] = Path(p).read_text(encoding="utf-8", errors="surrogateescape")
        except OSError:
            return None                 # reported by the front end
    with tempfile.TemporaryDirectory(prefix="fadj-syntax-") as tmp:
        for p in dependency_order(texts):
            err = _compile(gfortran, p, source, tmp)
            if err == "stop":
                return None
            if err is not None:
                return err
    return None


def _compile(gfortran: str, path: str, source: SourceOptions, tmp: str):
    cmd = [gfortran, "-fsyntax-only", "-fmax-errors=1", "-fdiagnostics-plain-output", f"-J{tmp}", f"-I{tmp}",
           f"-I{Path(path).resolve().parent}"]
    cmd += [f"-I{d}" for d in source.include_dirs]
    if source.preprocessed(path):
        cmd += ["-cpp"] + [f"-D{d}" for d in source.defines]
    if Path(path).suffix.lower() in (".f", ".for", ".f77", ".ftn") and not any(f.startswith("-std") for f in source.fflags):
        cmd.append("-std=legacy")       # as the generated Makefile compiles fixed-form sources
    cmd += [f for f in source.fflags if not f.startswith(("-o", "-c", "-J"))]
    cmd.append(path)
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return "stop"
    if p.returncode == 0:
        return None
    return _first_error(p.stderr, path)


_PLAIN = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):\d+: (?:Fatal )?Error: (?P<msg>.*)$")


def _first_error(stderr: str, path: str):
    """The first error of gfortran's plain output (``file:line:col: Error: message``).  A
    message about two places comes as a line holding only ``(1)`` and then the text."""
    where: Loc | None = None
    for ln in stderr.splitlines():
        m = _PLAIN.match(ln)
        if m:
            if where is None:
                where = Loc(m.group("file"), int(m.group("line")))
            msg = m.group("msg").strip()
            if int(m.group("line")) != where.line:        # the second place of a two-place message
                msg = msg.replace("at (2)", f"at line {m.group('line')}")
        else:
            e = _ERROR.match(ln.strip())
            if e is None:
                continue
            msg = e.group("msg").strip()
        if re.fullmatch(r"\(\d\)", msg) or not msg:
            continue
        if "Cannot open module file" in msg:
            return "stop"              # a module outside the sources (MPI, a library's .mod)
        if _EOF.search(msg):
            n = len(Path(path).read_text(errors="replace").splitlines())
            return _error(Loc(path, max(1, n)), "unexpected end of file: a unit or construct is not closed")
        return _error(where or Loc(path), msg)
    return None


def _error(where: Loc, msg: str) -> FadjError:
    msg = msg.strip().rstrip(".")
    msg = re.sub(r" at \(\d\)", "", msg)
    return FadjError(where, f"{msg} (gfortran -fsyntax-only)")

"""Explaining a derivative program that stopped without a result, in one paragraph.

A check driver (or a user's driver) can die inside generated code: a signal (segmentation
fault), a run-time check of a ``-fcheck=all`` build (array bound, unallocated array), a stack
error of fadj's runtime, or a FADJ_DEBUG report.  This module reads what the program printed
and says what happened, in which derivative routine, at which generated line, and which line
of the user's source that generated line comes from (debug builds precede the lines of each
source statement with ``! fadj origin: FILE:LINE``).
"""
from __future__ import annotations

import re
import signal
from dataclasses import dataclass
from pathlib import Path

from fadj.backend.fortran import ORIGIN

_SIGNAL = re.compile(r"Program received signal (\w+): (.*)")
_RUNTIME = re.compile(r"^At line (\d+) of file (\S+)(?: \(unit = \d+.*\))?\s*\n(Fortran runtime error: .*)$", re.M)
_FRAME = re.compile(r"^#\d+\s+0x[0-9a-f]+ in (\S+) at (\S+):(\d+)", re.M)
_FADJ = re.compile(r"^(fadj(?:_stack)?: .*)$", re.M)
_DEBUG_REPORT = re.compile(r"^fadj: FADJ_DEBUG: .*(?:\n  .*)*", re.M)
_ROUTINE = re.compile(r"^\s*(?:(?:impure|pure|elemental|recursive)\s+)*(?:subroutine|function)\s+(\w+)\s*\(", re.I)


@dataclass
class Crash:
    what: str                          # one line: the signal, the run-time error, the runtime message
    generated: tuple[str, int] | None  # (generated file, line)
    routine: str | None                # derivative (or primal) routine holding that line
    origin: str | None                 # user's source file:line


def _where(outdir: Path, text: str) -> tuple[str, int] | None:
    """The innermost place in a file of ``outdir`` (a generated or copied source)."""
    names = {p.name for p in outdir.glob("*.f90")} | {p.name for p in outdir.glob("*.f")}
    m = _RUNTIME.search(text)
    if m and Path(m.group(2)).name in names:
        return Path(m.group(2)).name, int(m.group(1))
    for fm in _FRAME.finditer(text):
        if Path(fm.group(2)).name in names and Path(fm.group(2)).name != "check_driver.f90":
            return Path(fm.group(2)).name, int(fm.group(3))
    return None


def _routine_and_origin(path: Path, line: int) -> tuple[str | None, str | None]:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return None, None
    routine = origin = None
    for k in range(min(line, len(lines)) - 1, -1, -1):
        s = lines[k]
        st = s.strip()
        if origin is None and st.startswith(ORIGIN):
            origin = st[len(ORIGIN):].strip()
        m = _ROUTINE.match(s)
        if m and not st.lower().startswith("end"):
            routine = m.group(1)
            break
    return routine, origin


def analyse(output: str, outdir: Path, returncode: int | None = None) -> Crash | None:
    """What stopped the program, or None if nothing in its output or exit says it crashed."""
    what = None
    m = _SIGNAL.search(output)
    if m:
        what = f"signal {m.group(1)} ({m.group(2).strip().rstrip('.')})"
    rm = _RUNTIME.search(output)
    if rm:
        what = rm.group(3).strip()
    dm = _DEBUG_REPORT.search(output)
    if dm:
        return Crash(dm.group(0).rstrip(), None, None, None)     # FADJ_DEBUG says it all
    fm = _FADJ.search(output)
    if fm and what is None:
        what = fm.group(1).strip()
    if what is None and returncode is not None and returncode < 0:
        try:
            what = f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            what = f"signal {-returncode}"
    if what is None:
        return None
    where = _where(outdir, output)
    routine = origin = None
    if where is not None:
        routine, origin = _routine_and_origin(outdir / where[0], where[1])
    return Crash(what, where, routine, origin)


def describe(c: Crash, debug: bool) -> str:
    """One paragraph for the user."""
    lines = [f"the derivative program stopped: {c.what}"]
    if c.generated is not None:
        at = f"{c.generated[0]}:{c.generated[1]}"
        lines.append(f"  at {at}" + (f", in {c.routine}" if c.routine else ""))
        if c.origin:
            lines.append(f"  from your source {c.origin}")
    if not debug:
        lines.append("  rerun with --debug (bounds and allocation checks, FADJ_DEBUG stack checks, source lines)")
    return "\n".join(lines)

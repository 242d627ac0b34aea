"""``fadj init``: a commented starter ``fadj.toml`` from the sources found.

The file is a starting point the user edits, so it says what fadj found and
guessed (the sources, the head) and leaves what only the user knows (which
arguments are the inputs and outputs to differentiate) as commented examples.
It never overwrites an existing project file: that one holds the user's choices.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

from fadj.errors import FadjError, Loc
from fadj.frontend.discover import expand_sources, fortran_files, is_fadj_output
from fadj.frontend.options import SourceOptions
from fadj.project import PROJECT_FILE

_PROGRAM = re.compile(r"^\s*program\s+\w+", re.IGNORECASE | re.MULTILINE)


def init(sources: list[str], source: SourceOptions | None = None, folder: str | Path = ".") -> str:
    """Write ``folder/fadj.toml``; returns the one-line report."""
    source = source or SourceOptions()
    target = Path(folder) / PROJECT_FILE
    if target.exists():
        raise FadjError(Loc(str(target)), "already exists: fadj init never overwrites it (edit it, or remove it)")
    entries = list(sources) or _entries(Path(folder))
    if not entries:
        raise FadjError(Loc(str(folder)), "no Fortran sources here: give files or folders (fadj init src lib)")
    files = expand_sources(entries)
    mains = [f for f in files if _PROGRAM.search(_read(f))]
    if not sources:                          # a main program is a driver, not a library source
        entries = [e for e in entries if e not in mains]
        files = [f for f in files if f not in mains]
        if not files:
            raise FadjError(Loc(str(folder)), "only main programs here: give the library's files or folders")
    tree, source = _load(files, source, Path(folder))
    head, others = _guess_head(tree)
    text = render(entries, mains, source, tree, head, others)
    target.write_text(text)
    return f"fadj: wrote {target} (head: {head or '?'}); edit vars and outvars, then run fadj differentiate"


def _load(files: list[str], source: SourceOptions, folder: Path):
    """The call tree; a header that is not found is looked for below ``folder`` and its folder
    added to the include path (a new project rarely comes with its -I options written down)."""
    from dataclasses import replace
    from fadj.tools.calltree import build_tree
    for _ in range(50):
        try:
            return build_tree(files, None, source=source), source
        except FadjError as e:
            m = re.match(r"(?:INCLUDE '(.+?)': not found|preprocessor: (.+?): No such file)", e.message)
            name = (m.group(1) or m.group(2)) if m else None
            found = _find_header(folder, name) if name else None
            if found is None or found in source.include_dirs:
                raise
            source = replace(source, include_dirs=source.include_dirs + (found,))
    raise AssertionError("unreachable")


def _find_header(folder: Path, name: str) -> str | None:
    """The folder below ``folder`` (first in sorted order) holding a file called ``name``."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not is_fadj_output(Path(root) / d))
        if Path(name).name in files and (Path(root) / name).is_file():
            return os.path.normpath(os.path.relpath(root, folder) if folder != Path(".") else root)
    return None


def _entries(folder: Path) -> list[str]:
    """This folder's Fortran files and the sub-folders holding some, as the user would list them."""
    out = []
    for p in sorted(folder.iterdir()):
        if p.name.startswith(".") or p.name == "__pycache__":
            continue
        if p.is_dir():
            if not is_fadj_output(p) and fortran_files(str(p)):
                out.append(os.path.relpath(p, folder) if folder != Path(".") else p.name)
        elif p.is_file() and fortran_files_suffix(p):
            out.append(os.path.relpath(p, folder) if folder != Path(".") else p.name)
    return out


def fortran_files_suffix(p: Path) -> bool:
    from fadj.frontend.source import FORTRAN_SUFFIXES
    return p.suffix.lower() in FORTRAN_SUFFIXES


def _read(path: str) -> str:
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return ""


def _guess_head(tree) -> tuple[str | None, list[str]]:
    """The routine nobody calls with the largest call tree; the other such routines."""
    def reach(r) -> int:
        seen, work = {id(r)}, [r]
        while work:
            x = work.pop()
            for it in tree.calls.get(x, []):
                if it.callee is not None and id(it.callee) not in seen:
                    seen.add(id(it.callee))
                    work.append(it.callee)
        return len(seen)

    roots = sorted(tree.roots, key=lambda r: (-reach(r), r.name))
    if not roots:
        return None, []
    return roots[0].name, [r.name for r in roots[1:]]


def _toml_list(items) -> str:
    return "[" + ", ".join(json.dumps(str(x)) for x in items) + "]"


def render(entries, mains, source: SourceOptions, tree, head, others) -> str:
    real_args = []
    if head is not None:
        r = tree.prog.routine(head) or next((x for x in tree.prog.order if x.name == head), None)
        if r is not None:
            for a in r.args:
                s = r.scope.local(a)
                if s is not None and s.type is not None and s.type.base == "real":
                    real_args.append(a)
    L = [
        "# fadj project file, written by `fadj init`.  In this folder `fadj differentiate`,",
        "# `fadj check`, `fadj callgraph` and `fadj directives list` need no other argument;",
        "# options given on the command line override this file.  Paths are relative to it.",
        "",
        "# Fortran files, or folders searched recursively (.f .F .f90 .F90 ...)",
        f"sources = {_toml_list(entries)}",
    ]
    if mains:
        L.append(f"# main programs (your drivers, not library sources): {', '.join(mains)}")
        L.append(f"# driver = {json.dumps(mains[0])}")
    L += [
        "",
        "# .F/.F90 files (every file with cpp = true) go through the C preprocessor:",
        "# -D defines (a list, or a table like {WITH_ICE = true, NLEV = 30}) and -I folders",
        f"defines = {_toml_list(source.defines)}",
        f"include_dirs = {_toml_list(source.include_dirs)}",
        "# cpp = true",
        "# your compiler flags, for the primal and the derivative code",
        f"fflags = {json.dumps(' '.join(source.fflags))}" if source.fflags else '# fflags = "-fdefault-real-8"',
        "",
        "# the routine to differentiate (guessed: the routine nobody calls with the largest call tree)",
        f"head = {json.dumps(head)}" if head else '# head = "..."',
    ]
    if others:
        L.append(f"# other routines nobody calls: {', '.join(others)}")
    L += [
        "# independent inputs and dependent outputs of the head (default: every real",
        "# argument it reads / writes)" + (f"; its real arguments: {', '.join(real_args)}" if real_args else ""),
        f"# vars = {_toml_list(real_args[:1])}",
        f"# outvars = {_toml_list(real_args[-1:])}",
        "",
        '# mode = "reverse"                  # or "tangent", or "both"',
        '# output = "fadj_out"',
        "# checkpointing defaults ($AD directives in the code override them)",
        "# nocheckpoint = false",
        "# nocheckpoint_routines = []",
        "# externals = []                    # routines without source: you supply NAME_b / NAME_d",
        "",
        "# fadj check: values of integer arguments, intervals of real ones, an init routine",
        "# [check]",
        "# sizes = { n = 40 }",
        "# ranges = { x = [0.5, 1.5] }",
        "",
    ]
    return "\n".join(L)

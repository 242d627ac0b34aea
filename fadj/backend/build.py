"""Writing the output folder (sources, runtime, Makefile) and running the build.

The output folder is self-contained: copies of the primal sources, the
derivative sources, the runtime, and a Makefile whose objects are listed in
dependency order (modules before their users), each object depending on the
ones whose modules it uses, so ``make -j`` works.
"""
from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from fadj import __version__
from fadj.backend.expose import all_exposed_names, expose_headers, expose_privates, hide_exposed
from fadj.backend.modgraph import dependency_order, modules_defined, modules_used
from fadj.backend.render import render
from fadj.backend.runtime import write_runtime
from fadj.errors import BuildError, Loc
from fadj.frontend.options import DEFAULT, SourceOptions
from fadj.ir.program import Program



@dataclass
class Obj:
    src: str
    obj: str
    deps: list[str]
    flags: str = ""                 # this object's own flags (a preprocessed primal copy: -cpp ...)
    headers: list[str] = field(default_factory=list)   # absolute paths of the files it INCLUDEs
    runtime: bool = False           # fadj's runtime: compiled without the user's kind promotions


#: gfortran flags that change the width of a type (not for fadj's runtime)
_PROMOTION = re.compile(r"^-f(default-(real|double|integer)-\d+|(real|integer)-\d+-(real|integer)-\d+)$")


def _without_programs(text: str, spans) -> str:
    """The library copy of a file leaves its PROGRAM units out (lines kept, as comments): the
    user's driver is the main program."""
    if not spans:
        return text
    lines = text.split("\n")
    for first, last in spans:
        for k in range(first - 1, min(last, len(lines))):
            lines[k] = "! fadj: PROGRAM unit left out of the library" if k == first - 1 else "!"
    return "\n".join(lines)


#: flags that set the source form: only for the primal copies (derivative files are free form)
_FORM_FLAGS = ("-ffixed-form", "-ffree-form")


def write_outdir(outdir: str | Path, prog: Program, deriv_files: dict[str, str],
                 extra_flags: str = "", source: SourceOptions | None = None) -> list[str]:
    """Write everything into ``outdir``; returns the source names in compile order.

    The primal sources are copied as the user wrote them (so that gfortran's messages
    give the user's line numbers) and compiled as the user compiles them: a file fadj
    preprocessed is compiled with ``-cpp`` and the same ``-D``/``-I`` (``FADJ_CPPFLAGS``),
    its own folder first on the include path (its INCLUDEd and #included files stay
    where they are, and are prerequisites of its object).  The user's ``--fflags``
    (``FADJ_FLAGS``) apply to every file, primal and derivative.  Module dependencies
    between objects come from the text the compiler sees (after preprocessing), so a
    ``USE`` switched off by a define adds no edge.
    """
    source = source or DEFAULT
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    sources: dict[str, str] = {}       # name in OUTDIR -> text the compiler sees (module dependencies)
    own: dict[str, tuple[str, list[str]]] = {}   # primal copy -> (its flags, its headers)
    runtime = set(write_runtime(out))
    for name in runtime:
        sources[name] = (out / name).read_text()
    exposed = all_exposed_names(prog)
    for f in prog.files:
        base = Path(f.path).name
        name = base
        k = 1
        taken = {_obj(n) for n in list(sources) + list(deriv_files)}
        while name in sources or name in deriv_files or _obj(name) in taken:   # a.f and a.F90: one a.o
            k += 1
            name = f"{Path(base).stem}_{k}{Path(base).suffix}"
        mods = [m for m in prog.modules.values() if m.source is f and (m.loc is None or m.loc.file == f.path)]
        text = expose_privates(f.text, mods)
        text, long_lines = hide_exposed(text, f, prog, exposed)
        text = _without_programs(text, f.program_lines)
        expose_headers(f, out, prog)
        _write_if_changed(out / name, text)
        sources[name] = f.source_text if f.source_text is not f.text else text
        flags = [shlex.quote(f"-I{Path(f.path).resolve().parent}")]
        flags += [x for x in source.fflags if x in _FORM_FLAGS]
        if long_lines:      # a USE that hides exposed names keeps its one line
            flags.append("-ffixed-line-length-none" if f.fixed_form else "-ffree-line-length-none")
        if f.cpp:
            flags += ["-cpp", "$(FADJ_CPPFLAGS)"]
        own[name] = (" ".join(flags), [str(Path(h).resolve()).replace(" ", "\\ ") for h in f.headers])
    for name, text in deriv_files.items():
        _write_if_changed(out / name, text)
        sources[name] = text
    order = dependency_order(sources)
    defined = {n: modules_defined(t) for n, t in sources.items()}
    objs = []
    for name in order:
        used = modules_used(sources[name])
        deps = [_obj(other) for other in order if other != name and defined[other] & used]
        flags, headers = own.get(name, ("", []))
        objs.append(Obj(name, _obj(name), deps, flags, headers, runtime=name in runtime))
    user = [shlex.quote(x) for x in source.fflags if x not in _FORM_FLAGS and x != "-cpp"]
    flags = " ".join([extra_flags] + user if extra_flags else user)
    # INCLUDE files: the -I folders, then every folder of a source or header (as before)
    dirs = [str(Path(d).resolve()) for d in source.include_dirs]
    dirs += sorted({str(Path(p).resolve().parent) for f in prog.files for p in (f.path, *f.headers)})
    for d in dict.fromkeys(dirs):
        flags = f"{flags} {shlex.quote('-I' + d)}".strip()
    if any(not n.endswith(".f90") and Path(n).suffix.lower() in (".f", ".for", ".f77", ".ftn") for n in order):
        flags = (flags + " -std=legacy").strip() if "-std" not in flags else flags
    cppflags = " ".join(shlex.quote(f"-D{d}") for d in source.defines)
    # the runtime declares its kinds explicitly (real32, real64...): promoted, two of its specifics
    # would be the same and the generic interfaces ambiguous
    runtime_flags = " ".join(x for x in flags.split() if not _PROMOTION.match(x))
    mk = render("Makefile.j2", version=__version__, objects=[o.obj for o in objs], ordered=objs,
                extra_flags=flags, runtime_flags=runtime_flags, cpp_flags=cppflags)
    _write_if_changed(out / "Makefile", mk)
    return order


def _obj(name: str) -> str:
    return str(Path(name).with_suffix(".o"))


def _write_if_changed(path: Path, text: str) -> None:
    if path.exists() and path.read_text(encoding="utf-8", errors="surrogateescape") == text:
        return
    path.write_text(text, encoding="utf-8", errors="surrogateescape")      # the user's bytes, as read


def run_make(outdir: str | Path, fflags: str | None = None, jobs: int = 2) -> str:
    """Build ``libadjoint.a``; on failure raise BuildError carrying the compiler's first error.
    Built with other FFLAGS than last time (a --debug build, then a plain one): everything is
    rebuilt, since make itself only looks at times."""
    if shutil.which("make") is None or shutil.which("gfortran") is None:
        raise BuildError(Loc(str(outdir)), "make and gfortran are needed to build the generated code "
                                          "(apt-get install -y gfortran make)")
    cmd = ["make", "-C", str(outdir), f"-j{jobs}"]
    if fflags is not None:
        cmd.append(f"FFLAGS={fflags}")
    stamp = Path(outdir) / ".fadj-fflags"
    flags = fflags if fflags is not None else "(Makefile default)"
    if stamp.exists() and stamp.read_text() != flags:
        cmd.append("-B")
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        err = _first_error(p.stdout + p.stderr)
        raise BuildError(Loc(str(Path(outdir) / "Makefile")), f"building the generated code failed: {err}")
    stamp.write_text(flags)
    return p.stdout


def _first_error(text: str) -> str:
    lines = text.splitlines()
    for i, ln in enumerate(lines):
        if "Error:" in ln:
            ctx = " | ".join(x.strip() for x in lines[max(0, i - 4):i] if x.strip())
            return f"{ln.strip()} ({ctx})"
    return lines[-1] if lines else "unknown error"

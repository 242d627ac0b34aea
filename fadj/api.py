"""The pipeline as functions: what the command line (and tests) call.

    sources --frontend--> Program --prepare--> ADContext --engines--> derivative routines
            --backend--> files in OUTDIR (+ Makefile) --make--> libadjoint.a
"""
from __future__ import annotations

import gc
import sys
from dataclasses import dataclass, field
from pathlib import Path

from fadj.ad.context import ADContext, parse_names, prepare
from fadj.ad.plan import CheckpointOptions
from fadj.backend.build import run_make, write_outdir
from fadj.backend.emit import TextRoutine, derivative_files, routine_text
from fadj.cache import DiffCache, RoutineKeys
from fadj.backend.syntax_check import compiler_error
from fadj.errors import FadjError, SyntaxErr
from fadj.frontend.discover import expand_sources
from fadj.frontend.load import load_program
from fadj.frontend.options import SourceOptions


#: "both" puts the tangent and the reverse routines into one library (used by ``fadj check``)
MODES = ("reverse", "tangent", "both")


@dataclass
class Result:
    outdir: Path
    files: dict[str, str]
    ctx: ADContext
    notes: list[str] = field(default_factory=list)


def differentiate(sources: list[str], head: str, vars_=None, outvars=None, mode: str = "reverse",
                  outdir: str | Path = "fadj_out", opts: CheckpointOptions | None = None,
                  build: bool = False, fflags: str | None = None,
                  source: SourceOptions | None = None, profile: bool | str = False,
                  profile_timed: set | None = None, cache: bool = True, origins: bool = False,
                  debug: bool = False) -> Result:
    """``fflags`` overrides the Makefile's FFLAGS for ``build``; ``source`` holds the user's
    ``-D``/``-I``/``--cpp``/``--fflags``: how the sources are read and how the Makefile compiles them.
    ``cache``: keep parse trees and generated routines in ``OUTDIR/.fadj-cache`` so that a
    re-run after a directive edit redoes only what changed (``fadj.cache``).  ``origins``: generated
    statements are preceded by comments naming their source line (debug builds; no cache).
    ``debug`` (and ``origins``): every derivative routine keeps FADJ_DEBUG bookkeeping (its name,
    its call sites, stack heights checked on exit); without it FADJ_DEBUG=1 still checks each pop
    against its push, in the runtime, but cannot name the routine."""
    was = gc.isenabled()
    gc.disable()        # parse trees are millions of objects: collecting them cost a quarter of a run
    try:
        return _differentiate(sources, head, vars_, outvars, mode, outdir, opts, build, fflags, source,
                              profile, profile_timed, cache and not origins and not debug, origins, debug)
    finally:
        if was:
            gc.enable()


def _with_compilers_line(err: SyntaxErr, paths: list[str], source: SourceOptions) -> FadjError:
    """A syntax error fadj's parser found, at the line gfortran gives for it (gfortran is right
    in fixed form, where fparser's line can be off) when gfortran's first error is in the same
    file; preprocessor errors stay fadj's."""
    if err.loc is None or err.message.startswith("preprocessor:"):
        return err
    ce = compiler_error(paths, source)
    if ce is None or ce.loc is None or Path(ce.loc.file).name != Path(err.loc.file).name:
        return err
    msg = ce.message
    msg = "s" + msg[1:] if msg.startswith("Syntax error") else f"syntax error: {msg}"
    return SyntaxErr(type(err.loc)(err.loc.file, ce.loc.line), msg)


def _compiler_accepts(prog, source: SourceOptions, dcache) -> None:
    """What fadj accepted gfortran must accept too (backend/syntax_check); remembered in the cache
    for sources and options it has seen pass."""
    import hashlib
    paths = [f.path for f in prog.files]
    h = hashlib.sha256(repr((source, paths)).encode())
    for f in prog.files:
        h.update(f.text.encode("utf-8", "surrogateescape"))
    stamp = dcache.folder / f"syntax-ok-{h.hexdigest()[:24]}" if dcache is not None else None
    if stamp is not None and stamp.exists():
        return
    err = compiler_error(paths, source)
    if err is not None:
        if err.loc is not None:
            # gfortran names an INCLUDEd file by the folder it found it in: the path fadj knows
            known = {Path(p).name: p for f in prog.files for p in (f.path, *f.headers)}
            err.loc = type(err.loc)(known.get(Path(err.loc.file).name, err.loc.file), err.loc.line)
        raise err
    if stamp is not None:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text("")


def usable_output_folder(outdir: Path) -> None:
    """Stop before any work if ``outdir`` cannot hold the output (a file, a read-only folder)."""
    import os
    if outdir.exists() and not outdir.is_dir():
        raise FadjError(None, f"output folder '{outdir}' is a file")
    probe = outdir
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if probe.is_dir() and not os.access(probe, os.W_OK | os.X_OK):
        raise FadjError(None, f"output folder '{outdir}' cannot be written ('{probe}' is read-only)")
    if probe.exists() and not probe.is_dir():
        raise FadjError(None, f"output folder '{outdir}': '{probe}' is a file")


def _differentiate(sources, head, vars_, outvars, mode, outdir, opts, build, fflags, source, profile,
                   profile_timed, cache, origins=False, debug=False) -> Result:
    opts = opts or CheckpointOptions()
    source = source or SourceOptions()
    usable_output_folder(Path(outdir))
    dcache = DiffCache(Path(outdir) / ".fadj-cache") if cache else None
    try:
        prog = load_program(list(sources), source, cache=dcache)
    except SyntaxErr as e:
        raise _with_compilers_line(e, expand_sources(list(sources)), source) from None
    ctx = prepare(prog, head, parse_names(vars_) or None, parse_names(outvars) or None, opts, mode)
    _compiler_accepts(prog, source, dcache)
    ctx.profile = profile
    ctx.profile_timed = profile_timed
    ctx.debug_checks = debug or origins
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    routines = []
    if mode in ("tangent", "both"):
        from fadj.ad.tangent import tangent_routines
        routines += tangent_routines(ctx)
    if mode in ("reverse", "both"):
        need = ctx.needed_versions()
        keys = RoutineKeys(ctx, need) if dcache is not None and mode == "reverse" and not profile else None
        for r in prog.order:
            for v in ("b", "fwd", "bwd"):
                if v in need.get(r, ()):
                    routines.append(_reverse_routine(ctx, r, v, dcache, keys))
    routines = _nest_internals(routines)
    if mode == "both":
        # one library with both: one <stem>_diff.f90 per source, one m_diff holding _d, _b, vd and vb
        files = derivative_files(prog, routines, ctx.needed_module_globals, "diff", "tangent and reverse",
                                 var_suffixes=("d", "b"), needed_types=ctx.needed_types, origins=origins)
    else:
        sfx = "b" if mode == "reverse" else "d"
        files = derivative_files(prog, routines, ctx.needed_module_globals, sfx, mode,
                                 needed_types=ctx.needed_types, origins=origins)
    write_outdir(outdir, prog, files, source=source)
    if dcache is not None:
        dcache.prune()
    if build:
        run_make(outdir, fflags)
    return Result(Path(outdir), files, ctx, list(ctx.notes))


def _reverse_routine(ctx: ADContext, r, v: str, dcache: DiffCache | None, keys: RoutineKeys | None):
    """``r``'s derivative version ``v`` (``b``, ``fwd``, ``bwd``): from the cache when its key is
    there, else generated. What generating it adds to the context's shared tables is captured
    per routine, so that a cached routine can add it again."""
    if keys is None or not keys.cacheable(r):
        return ctx.reverser(r).routine(v)
    key = keys.key(r, v)
    entry = dcache.routine(key)
    if entry is None:
        saved = (ctx.needed_module_globals, ctx.needed_types, ctx.needed_commons, ctx.notes)
        ctx.needed_module_globals, ctx.needed_types, ctx.needed_commons, ctx.notes = {}, set(), set(), []
        try:
            dr = ctx.reverser(r).routine(v)
            entry = {"name": dr.name, "module": dr.module, "text": routine_text(dr),
                     "globals": {m: sorted(n) for m, n in ctx.needed_module_globals.items()},
                     "types": sorted(ctx.needed_types), "commons": sorted(ctx.needed_commons),
                     "notes": list(ctx.notes)}
        finally:
            ctx.needed_module_globals, ctx.needed_types, ctx.needed_commons, ctx.notes = saved
        dcache.store_routine(key, entry)
    for m, names in entry["globals"].items():
        ctx.needed_module_globals.setdefault(m, set()).update(names)
    ctx.needed_types.update(entry["types"])
    ctx.needed_commons.update(entry["commons"])
    ctx.notes += [n for n in entry["notes"] if n not in ctx.notes]
    return TextRoutine(entry["name"], r, entry["module"], entry["text"])


def _nest_internals(routines: list) -> list:
    """Derivatives of internal procedures go inside every derivative routine of their host,
    with a copy of the (argument-lifted) primal procedure: only the host can call them."""
    from fadj.ad.assemble import primal_copy
    by_host: dict = {}
    top = []
    for dr in routines:
        host = dr.origin.host
        if host is not None:
            by_host.setdefault(id(host), []).append(dr)
        else:
            top.append(dr)
    for dr in top:
        r = dr.origin
        if r.internals:
            dr.internals = [primal_copy(ir) for ir in r.internals] + by_host.get(id(r), [])
    return top

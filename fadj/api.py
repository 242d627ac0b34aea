"""The pipeline as functions: what the command line (and tests) call.

    sources --frontend--> Program --prepare--> ADContext --engines--> derivative routines
            --backend--> files in OUTDIR (+ Makefile) --make--> libadjoint.a
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fadj.ad.context import ADContext, parse_names, prepare
from fadj.ad.plan import CheckpointOptions
from fadj.backend.build import run_make, write_outdir
from fadj.backend.emit import derivative_files
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
                  profile_timed: set | None = None) -> Result:
    """``fflags`` overrides the Makefile's FFLAGS for ``build``; ``source`` holds the user's
    ``-D``/``-I``/``--cpp``/``--fflags``: how the sources are read and how the Makefile compiles them."""
    opts = opts or CheckpointOptions()
    source = source or SourceOptions()
    prog = load_program(list(sources), source)
    ctx = prepare(prog, head, parse_names(vars_) or None, parse_names(outvars) or None, opts, mode)
    ctx.profile = profile
    ctx.profile_timed = profile_timed
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    routines = []
    if mode in ("tangent", "both"):
        from fadj.ad.tangent import tangent_routines
        routines += tangent_routines(ctx)
    if mode in ("reverse", "both"):
        need = ctx.needed_versions()
        for r in prog.order:
            for v in ("b", "fwd", "bwd"):
                if v in need.get(r, ()):
                    routines.append(ctx.reverser(r).routine(v))
    routines = _nest_internals(routines)
    if mode == "both":
        # one library with both: one <stem>_diff.f90 per source, one m_diff holding _d, _b, vd and vb
        files = derivative_files(prog, routines, ctx.needed_module_globals, "diff", "tangent and reverse",
                                 var_suffixes=("d", "b"), needed_types=ctx.needed_types)
    else:
        sfx = "b" if mode == "reverse" else "d"
        files = derivative_files(prog, routines, ctx.needed_module_globals, sfx, mode,
                                 needed_types=ctx.needed_types)
    write_outdir(outdir, prog, files, source=source)
    if build:
        run_make(outdir, fflags)
    return Result(Path(outdir), files, ctx, list(ctx.notes))


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

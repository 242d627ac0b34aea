"""The ``fadj`` command line: argument parsing and error reporting only.

Exit status: 0 success, 1 a check found wrong derivatives, 2 bad input.
Errors are one line, like a compiler's: ``file.f90:12: error: message``.
"""
from __future__ import annotations

import argparse
import sys

from fadj import __version__
from fadj.cli_args import add_head_args, add_source_args, name_set
from fadj.errors import CheckFailed, FadjError

EXAMPLES = {
    "differentiate": "example:\n  fadj differentiate cost.f helper.f --head cost --vars x --outvars f -o out\n"
                     "  make -C out && gfortran -I out driver.f90 -L out -ladjoint",
    "check": "example:\n  fadj check cost.f helper.f --head cost --vars x --outvars f --size n=40 -o chk\n"
             "  (exit status 0: all tests pass, 1: a derivative is wrong; the driver stays in chk/check_driver.f90)",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, status 2
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="fadj", description="Source-to-source automatic differentiation for Fortran.")
    p.add_argument("--version", action="version", version=f"fadj {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    d = sub.add_parser("differentiate", help="generate derivative code",
                       epilog=EXAMPLES["differentiate"], formatter_class=argparse.RawDescriptionHelpFormatter)
    add_head_args(d)
    d.add_argument("--mode", choices=["reverse", "tangent", "both"], default=None,
                   help="reverse (foo_b, the default), tangent (foo_d), or both in one library (<stem>_diff.f90)")
    d.add_argument("-o", "--output", default=None, metavar="OUTDIR", help="output folder (default ./fadj_out)")
    d.add_argument("--nocheckpoint", action="store_true", help="split mode (no checkpoint) as the default for every call")
    d.add_argument("--nocheckpoint-routines", default="", metavar='"f g"',
                   help="split mode for every call to the listed routines")
    d.add_argument("--build", action="store_true", help="also run make in OUTDIR")
    d.add_argument("--debug", action="store_true",
                   help="every derivative routine keeps FADJ_DEBUG bookkeeping: with FADJ_DEBUG=1 a stack mismatch "
                        "names the routine and the call (costs time: not for production runs)")
    d.add_argument("--no-cache", action="store_true",
                   help="parse and differentiate everything again (by default OUTDIR/.fadj-cache keeps parse "
                        "trees and generated routines, so a re-run after a directive edit redoes only what changed)")
    c = sub.add_parser("check", help="check the derivatives against finite differences and each other",
                       epilog=EXAMPLES["check"], formatter_class=argparse.RawDescriptionHelpFormatter)
    add_head_args(c)
    c.add_argument("--mode", choices=["reverse", "tangent", "both"], default=None,
                   help="which derivatives to check (default both: adds the dot-product test)")
    c.add_argument("-o", "--output", default=None, metavar="OUTDIR",
                   help="output folder, keeps check_driver.f90 (default ./fadj_check)")
    c.add_argument("--size", action="extend", nargs="+", default=[], metavar="NAME=VALUE",
                   help="value of an integer/logical argument (n=40), or extents of an array argument (x=4x5)")
    c.add_argument("--range", action="extend", nargs="+", default=[], metavar="NAME=LO:HI",
                   help="interval of the pseudo-random values of a real argument (default 0.5:1.5)")
    c.add_argument("--seed", type=int, default=1, help="seed of the inputs and directions (default 1)")
    c.add_argument("--init", default=None, metavar="NAME",
                   help="a subroutine of the sources, with the head's arguments, that sets the inputs")
    c.add_argument("--tol", type=float, default=None,
                   help="finite-difference tolerance (default 1e-6; 1e-3 with single-precision inputs or outputs)")
    c.add_argument("--directions", type=int, default=3, metavar="N", help="random directions (default 3)")
    c.add_argument("--link", nargs="+", default=[], metavar="FILE",
                   help="extra sources or objects for the driver build (e.g. NAME_d/NAME_b of --external routines)")
    c.add_argument("--nocheckpoint", action="store_true", help="split mode (no checkpoint) as the default for every call")
    c.add_argument("--nocheckpoint-routines", default="", metavar='"f g"',
                   help="split mode for every call to the listed routines")
    c.add_argument("--value", action="extend", nargs="+", default=[], metavar="NAME=TEXT",
                   help="value of a CHARACTER argument (--value task=FG)")
    c.add_argument("--debug", action="store_true",
                   help="build with -g -fcheck=all -fbacktrace, run with FADJ_DEBUG=1, trace a crash to your source line")
    c.add_argument("--no-generate", action="store_true",
                   help="rebuild and rerun the driver already in OUTDIR (after editing it or the generated code)")
    from fadj.tools.directive_cli import add_commands   # callgraph, directives list|set|clear
    add_commands(sub)
    from fadj.tools.plan_cli import add_commands as add_plan_commands   # profile, plan
    add_plan_commands(sub)
    i = sub.add_parser("init", help="write a commented fadj.toml for the sources found here",
                       epilog="example:\n  fadj init src -I include -D WITH_ICE   # then edit vars, outvars in fadj.toml\n"
                              "  fadj differentiate && make -C fadj_out",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    i.add_argument("sources", nargs="*", metavar="SRC", help="Fortran files or folders (default: this folder)")
    add_source_args(i)
    return p


def _glue_fflags(argv: list[str]) -> list[str]:
    """``--fflags "-O3 -g"`` -> ``--fflags=-O3 -g``: argparse takes a value starting with '-' for an option."""
    out, i = [], 0
    while i < len(argv):
        if argv[i] == "--fflags" and i + 1 < len(argv):
            out.append(f"--fflags={argv[i + 1]}")
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(_glue_fflags(list(sys.argv[1:] if argv is None else argv)))
    try:
        return _dispatch(args)
    except FadjError as e:
        sys.stderr.write(e.format() + "\n")
        return 2
    except CheckFailed as e:
        sys.stderr.write(f"fadj: {e}\n")
        return 1
    except OSError as e:
        # an output folder that is a file or read-only, a disk that is full: one line, exit 2
        where = e.filename if e.filename is not None else ""
        sys.stderr.write(f"{where + ': ' if where else 'fadj: '}error: {e.strerror or e}\n")
        return 2
    except KeyboardInterrupt:
        return 130


def _source_options(args):
    """``-D``/``-I``/``--cpp``/``--fflags`` of a command line alone (no project file)."""
    from fadj.frontend.options import SourceOptions
    return SourceOptions.make(args.defines, args.include_dirs, bool(args.cpp), args.fflags or ())


def _dispatch(args) -> int:
    if args.command == "init":
        from fadj.tools.init_project import init
        print(init(args.sources, _source_options(args)))
        return 0
    from fadj.project import load_project, merge_args
    # the one place where fadj.toml and the command line meet (the command line wins, field by field)
    merge_args(args, None if getattr(args, "no_project", True) else load_project("."))
    if args.command == "differentiate":
        from fadj.ad.plan import CheckpointOptions
        from fadj.api import differentiate
        opts = CheckpointOptions(nocheckpoint=args.nocheckpoint,
                                 nocheckpoint_routines=name_set(args.nocheckpoint_routines),
                                 externals=name_set(args.external))
        res = differentiate(args.sources, args.head, args.vars, args.outvars, args.mode, args.output, opts,
                            build=args.build, source=args.source_options, cache=not args.no_cache,
                            debug=args.debug)
        for note in res.notes:
            print(note)
        print(f"fadj: wrote {', '.join(res.files)} and the runtime to {res.outdir}/ (build: make -C {res.outdir})")
        return 0
    if args.command == "check":
        from fadj.ad.plan import CheckpointOptions
        from fadj.tools.check import CheckOptions, run_check
        opts = CheckOptions(args.sources, args.head, args.vars, args.outvars, args.mode, args.output,
                            sizes=args.size, ranges=args.range, seed=args.seed, init=args.init, tol=args.tol,
                            ndir=args.directions, link=args.link, generate=not args.no_generate,
                            checkpoint=CheckpointOptions(nocheckpoint=args.nocheckpoint,
                                                         nocheckpoint_routines=name_set(args.nocheckpoint_routines),
                                                         externals=name_set(args.external)),
                            source=args.source_options, values=args.value, debug=args.debug)
        rep = run_check(opts, echo=print)
        print(rep.summary())
        return 0
    if args.command in ("callgraph", "directives"):
        from fadj.tools.directive_cli import run
        return run(args)
    if args.command in ("profile", "plan"):
        from fadj.tools.plan_cli import run as run_plan
        return run_plan(args)
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())

"""The ``fadj`` command line: argument parsing and error reporting only.

Exit status: 0 success, 1 a check found wrong derivatives, 2 bad input.
Errors are one line, like a compiler's: ``file.f90:12: error: message``.
"""
from __future__ import annotations

import argparse
import sys

from fadj import __version__
from fadj.errors import CheckFailed, FadjError

EXAMPLES = {
    "differentiate": "example:\n  fadj differentiate cost.f helper.f --head cost --vars x --outvars f -o out\n"
                     "  make -C out && gfortran -I out driver.f90 -L out -ladjoint",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, status 2
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(2)


def _add_head_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("sources", nargs="+", metavar="SRC", help="Fortran source files")
    p.add_argument("--head", required=True, help="the routine to differentiate")
    p.add_argument("--vars", default=None, help="independent inputs, separated by spaces or commas "
                                                "(default: every real argument the head reads)")
    p.add_argument("--outvars", default=None, help="dependent outputs (default: every real argument the head writes)")
    p.add_argument("--external", nargs="+", default=[], metavar="NAME",
                   help="routines without source whose derivatives (NAME_b / NAME_d) you supply at link time")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="fadj", description="Source-to-source automatic differentiation for Fortran.")
    p.add_argument("--version", action="version", version=f"fadj {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    d = sub.add_parser("differentiate", help="generate derivative code",
                       epilog=EXAMPLES["differentiate"], formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_head_args(d)
    d.add_argument("--mode", choices=["reverse", "tangent", "both"], default="reverse",
                   help="reverse (foo_b), tangent (foo_d), or both in one library (<stem>_diff.f90)")
    d.add_argument("-o", "--output", default="fadj_out", metavar="OUTDIR", help="output folder (default ./fadj_out)")
    d.add_argument("--nocheckpoint", action="store_true", help="split mode (no checkpoint) as the default for every call")
    d.add_argument("--nocheckpoint-routines", default="", metavar='"f g"',
                   help="split mode for every call to the listed routines")
    d.add_argument("--build", action="store_true", help="also run make in OUTDIR")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except FadjError as e:
        sys.stderr.write(e.format() + "\n")
        return 2
    except CheckFailed as e:
        sys.stderr.write(f"fadj: {e}\n")
        return 1
    except KeyboardInterrupt:
        return 130


def _names(s) -> set[str]:
    if not s:
        return set()
    if isinstance(s, list):
        s = " ".join(s)
    return {w.lower() for w in s.replace(",", " ").split()}


def _dispatch(args) -> int:
    if args.command == "differentiate":
        from fadj.ad.plan import CheckpointOptions
        from fadj.api import differentiate
        opts = CheckpointOptions(nocheckpoint=args.nocheckpoint,
                                 nocheckpoint_routines=_names(args.nocheckpoint_routines),
                                 externals=_names(args.external))
        res = differentiate(args.sources, args.head, args.vars, args.outvars, args.mode, args.output, opts,
                            build=args.build)
        for note in res.notes:
            print(note)
        print(f"fadj: wrote {', '.join(res.files)} and the runtime to {res.outdir}/ (build: make -C {res.outdir})")
        return 0
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())

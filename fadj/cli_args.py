"""Command-line arguments shared by every command that reads sources.

A module of its own so that the command modules (``fadj.cli`` and the tools'
``add_commands``) import it without importing each other.
"""
from __future__ import annotations

import argparse


def add_source_args(p: argparse.ArgumentParser) -> None:
    """How the sources are read and compiled (every command that parses sources has these)."""
    g = p.add_argument_group("sources (as your compiler reads them; also from fadj.toml)")
    g.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME[=VALUE]",
                   help="define a preprocessor macro (.F/.F90 files, or every file with --cpp)")
    g.add_argument("-U", dest="undefines", action="append", default=[], metavar="NAME",
                   help="drop a define of fadj.toml")
    g.add_argument("-I", dest="include_dirs", action="append", default=[], metavar="DIR",
                   help="search DIR for INCLUDE and #include files (after the including file's folder)")
    g.add_argument("--cpp", action="store_true", default=None,
                   help="run every file through the C preprocessor, whatever its suffix")
    g.add_argument("--fflags", default=None, metavar='"FLAGS"',
                   help="gfortran flags of your build (e.g. \"-fdefault-real-8 -ffixed-line-length-132\"), "
                        "used for the primal and the derivative code")
    g.add_argument("--no-project", action="store_true", help="ignore ./fadj.toml")


def add_head_args(p: argparse.ArgumentParser) -> None:
    """The sources, head and independent/dependent variables (differentiate, check, profile, plan)."""
    p.add_argument("sources", nargs="*", metavar="SRC",
                   help="Fortran source files or folders (searched recursively); default: fadj.toml's sources")
    p.add_argument("--head", default=None, help="the routine to differentiate (default: fadj.toml's head)")
    p.add_argument("--vars", default=None, help="independent inputs, separated by spaces or commas "
                                                "(default: every real argument the head reads)")
    p.add_argument("--outvars", default=None, help="dependent outputs (default: every real argument the head writes)")
    p.add_argument("--external", nargs="+", default=[], metavar="NAME",
                   help="routines without source whose derivatives (NAME_b / NAME_d) you supply at link time")
    add_source_args(p)


def name_set(s) -> set[str]:
    """Names given as one string or a list, separated by spaces or commas, lower-cased."""
    if not s:
        return set()
    if isinstance(s, list):
        s = " ".join(s)
    return {w.lower() for w in s.replace(",", " ").split()}

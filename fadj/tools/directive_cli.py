"""Command-line definitions of ``fadj callgraph`` and ``fadj directives list|set|clear``.

Kept out of ``fadj/cli.py`` (which only hooks them in) so that the shared entry
point stays small while several people extend it; this module holds argument
parsing and printing only, the work is in ``calltree`` and ``directive_edit``.
"""
from __future__ import annotations

import argparse

_RAW = argparse.RawDescriptionHelpFormatter

CALLGRAPH_EPILOG = """\
Each call site shows file:line, caller -> callee (callee() for a function), with --head whether it
is active, its effective checkpointing mode and why (default, directive, --nocheckpoint,
--nocheckpoint-routines, external), and the DO loops around it.

example:
  cd fortran_examples/timestep_tree
  fadj callgraph tt_params.f90 tt_kernels.f90 tt_physics.f90 tt_model.f90 \\
       --head model_run --vars "a0 b0 kap par" --outvars cost
  fadj callgraph tt_*.f90 --head model_run --format dot | dot -Tpng -o calls.png"""

LIST_EPILOG = """\
DEPTH is the call depth of the routine holding the statement (the head, or each root, is 0).
MODE: joint / split / passive (inactive call) for calls, taped / binomial:N for DO loops.
--json gives a list of objects with the keys file, line, kind (call|function|region|do),
routine, callee, site, depth, directive, mode, why, active, loops, loop_var, end_line.

example:
  fadj directives list tt_params.f90 tt_kernels.f90 tt_physics.f90 tt_model.f90 --head model_run
  fadj directives list tt_*.f90 --head model_run --json > sites.json"""

SET_EPILOG = """\
LINE is the first or any continuation line of the CALL or DO statement (a label is fine).
checkpoint / nocheckpoint go before a CALL, binomial:NSNAPS before a counted DO loop
($AD BINOMIAL-CKP nsteps NSNAPS firststep, nsteps and firststep taken from the loop's bounds),
none removes the statement's directive.  Nothing else in the file changes.  A file that uses
modules needs the files defining them after ACTION (they are only read).

example (fortran_examples/nested_calls):
  fadj directives set chain_model.f90:80 nocheckpoint --dry-run
  fadj directives set chain_model.f90:57 binomial:4
  fadj directives set chain_model.f90:81 none
  fadj directives set tt_model.f90:53 checkpoint tt_params.f90 tt_kernels.f90 tt_physics.f90"""

CLEAR_EPILOG = """\
Removes every whole-line $AD comment (CALL and loop directives, CHECKPOINT-START/END regions,
misspelled ones too); nothing else changes.

example:
  fadj directives clear chain_model.f90 --dry-run
  fadj directives clear tt_*.f90"""


def _add_analysis_args(p: argparse.ArgumentParser) -> None:
    from fadj.cli_args import add_source_args
    p.add_argument("sources", nargs="*", metavar="SRC",
                   help="Fortran source files or folders (default: fadj.toml's sources)")
    p.add_argument("--head", default=None,
                   help="show the tree from this routine, with activity (default: every routine nobody calls)")
    p.add_argument("--vars", default=None, help="independent inputs of the head (as for differentiate)")
    p.add_argument("--outvars", default=None, help="dependent outputs of the head (as for differentiate)")
    p.add_argument("--external", nargs="+", default=[], metavar="NAME",
                   help="routines without source whose derivatives you supply")
    p.add_argument("--nocheckpoint", action="store_true", help="split mode as the default for every call")
    p.add_argument("--nocheckpoint-routines", default="", metavar='"f g"',
                   help="split mode for every call to the listed routines")
    add_source_args(p)


def add_commands(sub) -> None:
    """Add ``callgraph`` and ``directives`` to the subcommands of ``fadj``."""
    cg = sub.add_parser("callgraph", help="show the call tree with call sites, activity and checkpointing modes",
                        epilog=CALLGRAPH_EPILOG, formatter_class=_RAW)
    _add_analysis_args(cg)
    cg.add_argument("--format", choices=["text", "dot"], default="text",
                    help="an indented tree (default) or a Graphviz digraph")

    d = sub.add_parser("directives", help="list, set or clear $AD checkpointing directives",
                       epilog="example:\n  fadj directives list model.f90 --head run\n"
                              "  fadj directives set model.f90:42 nocheckpoint", formatter_class=_RAW)
    dsub = d.add_subparsers(dest="directives_command", required=True, parser_class=type(d))
    ls = dsub.add_parser("list", help="every call site, region and DO loop with its directive and mode",
                         epilog=LIST_EPILOG, formatter_class=_RAW)
    _add_analysis_args(ls)
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    st = dsub.add_parser("set", help="insert, replace or remove the directive of one CALL or DO",
                         epilog=SET_EPILOG, formatter_class=_RAW)
    st.add_argument("target", metavar="FILE:LINE", help="the line of a CALL or DO statement")
    st.add_argument("action", metavar="ACTION", help="checkpoint | nocheckpoint | binomial:NSNAPS | none")
    st.add_argument("others", nargs="*", metavar="SRC",
                    help="other sources FILE needs to be parsed (the modules it uses); not modified")
    st.add_argument("--dry-run", action="store_true", help="print a unified diff, write nothing")
    from fadj.cli_args import add_source_args
    add_source_args(st)
    cl = dsub.add_parser("clear", help="remove every $AD directive (regions included) from the files",
                         epilog=CLEAR_EPILOG, formatter_class=_RAW)
    cl.add_argument("sources", nargs="+", metavar="SRC", help="Fortran source files to clean")
    cl.add_argument("--dry-run", action="store_true", help="print a unified diff, write nothing")


def run(args) -> int:
    # imports here: building the parser (fadj --help) must not load the analyses
    from fadj.ad.context import parse_names
    from fadj.ad.plan import CheckpointOptions
    if args.command == "callgraph" or getattr(args, "directives_command", None) == "list":
        from fadj.tools.calltree import build_tree
        from fadj.tools.calltree_render import items_json, items_table, tree_dot, tree_text
        if args.head is None and (args.vars or args.outvars):
            from fadj.errors import FadjError
            raise FadjError(None, "--vars and --outvars need --head")
        opts = CheckpointOptions(nocheckpoint=args.nocheckpoint,
                                 nocheckpoint_routines=set(parse_names(args.nocheckpoint_routines)),
                                 externals=set(parse_names(args.external)))
        tree = build_tree(args.sources, args.head, parse_names(args.vars), parse_names(args.outvars), opts,
                          source=getattr(args, "source_options", None))
        if args.command == "callgraph":
            print(tree_dot(tree) if args.format == "dot" else tree_text(tree), end="")
        else:
            print(items_json(tree) if args.json else items_table(tree), end="")
        return 0
    from fadj.tools.directive_edit import apply, plan_clear, plan_set
    if args.directives_command == "set":
        changes = [plan_set(args.target, args.action, args.others, source=getattr(args, "source_options", None))]
    else:
        changes = plan_clear(args.sources)
    apply(changes, args.dry_run)
    return 0

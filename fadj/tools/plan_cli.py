"""Command-line definitions of ``fadj profile`` and ``fadj plan`` (parsing and printing only;
the work is in ``profile.py`` and ``plan.py``)."""
from __future__ import annotations

import argparse
from pathlib import Path

from fadj.errors import FadjError, Loc

_RAW = argparse.RawDescriptionHelpFormatter

PROFILE_EPILOG = """\
Builds the adjoint with call-site timers (all checkpointed, then all split), runs the driver
once per build, and writes OUTDIR/profile.json: per call site the executions, the primal time
with its snapshot, the snapshot bytes, the split forward time, tape bytes and backward time.
Call sites that run more often than 5000 times are counted, not timed, and keep their mode.

example (fortran_examples/timestep_tree, which has a fadj.toml and a driver):
  fadj profile --env FADJ_NX=96 --env FADJ_NSTEPS=150 -o prof
  fadj profile tt_*.f90 --head model_run --vars "a0 b0 kap par" --outvars cost --driver driver.f90"""

PLAN_EPILOG = """\
Chooses checkpoint (joint) or not (split) for every timed call site so that the predicted
adjoint time is smallest with the predicted peak stack within the budget (exact search over
the call sites; see fadj/tools/plan.py for the cost model), and prints it next to the
default and to every-call-split.  --apply writes the directives into the sources
($AD CHECKPOINT / $AD NOCHECKPOINT before each timed CALL), reporting each change.

example:
  fadj plan --memory-budget 60M --profile prof            # reuse prof/profile.json
  fadj plan --memory-budget 1.5G --env FADJ_NX=192 --apply --plot plan.png"""


def add_commands(sub) -> None:
    from fadj.cli_args import add_head_args as _add_head_args
    p = sub.add_parser("profile", help="measure each call site's cost in joint and split mode",
                       epilog=PROFILE_EPILOG, formatter_class=_RAW)
    _add_head_args(p)
    _add_run_args(p)
    p.add_argument("-o", "--output", default="fadj_profile", metavar="OUTDIR")
    q = sub.add_parser("plan", help="choose the checkpointing directives for a memory budget",
                       epilog=PLAN_EPILOG, formatter_class=_RAW)
    _add_head_args(q)
    _add_run_args(q)
    q.add_argument("--memory-budget", required=True, metavar="SIZE", help="peak stack bytes allowed (e.g. 512M, 2G)")
    q.add_argument("--profile", default=None, metavar="DIR",
                   help="use DIR/profile.json (default: profile now, into ./fadj_profile)")
    q.add_argument("--apply", action="store_true", help="write the plan's directives into the sources")
    q.add_argument("--plot", default=None, metavar="FILE.png", help="draw predicted time against memory")


def _add_run_args(p) -> None:
    p.add_argument("--driver", default=None, metavar="FILE",
                   help="program that calls the head's _b once (default: fadj.toml's driver)")
    p.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                   help="environment of the driver's run (e.g. problem sizes)")
    p.add_argument("--nocheckpoint", action="store_true", help="split mode as the default of the untimed calls")
    p.add_argument("--nocheckpoint-routines", default="", metavar='"f g"')


def _env(args) -> dict:
    env = {}
    from fadj.project import load_project
    cfg = None if getattr(args, "no_project", False) else load_project(".")
    if cfg is not None:
        env.update({k: str(v) for k, v in cfg.table("profile").get("env", {}).items()})
    for item in args.env:
        if "=" not in item:
            raise FadjError(Loc("fadj"), f"--env {item}: expected NAME=VALUE")
        k, v = item.split("=", 1)
        env[k] = v
    return env


def _driver(args) -> Path:
    d = args.driver
    if d is None and not getattr(args, "no_project", False):
        from fadj.project import load_project
        cfg = load_project(".")
        d = cfg.driver if cfg is not None else None
    if d is None:
        raise FadjError(Loc("fadj"), "no driver: give --driver FILE (a program calling the head's _b once)")
    if not Path(d).exists():
        raise FadjError(Loc(d), "no such file")
    return Path(d).resolve()


def _opts(args):
    from fadj.ad.plan import CheckpointOptions
    from fadj.cli_args import name_set as _names
    return CheckpointOptions(nocheckpoint=args.nocheckpoint, nocheckpoint_routines=_names(args.nocheckpoint_routines),
                             externals=_names(args.external))


def run(args) -> int:
    from fadj.tools.plan import Model, best_plan, parse_size, report
    from fadj.tools.profile import Profile, profile, table
    if args.command == "profile":
        prof = profile(args.sources, args.head, args.vars, args.outvars, _driver(args), Path(args.output),
                       _env(args), _opts(args), args.source_options, echo=_progress)
        print(table(prof))
        print(f"fadj: wrote {Path(args.output) / 'profile.json'}")
        return 0
    budget = parse_size(args.memory_budget)
    if args.profile:
        path = Path(args.profile) / "profile.json"
        if not path.exists():
            raise FadjError(Loc(str(path)), "no such file (run fadj profile first)")
        prof = read_profile(path)
    else:
        prof = profile(args.sources, args.head, args.vars, args.outvars, _driver(args), Path("fadj_profile"),
                       _env(args), _opts(args), args.source_options, echo=_progress)
    model = Model(prof)
    plan = best_plan(model, budget)
    print(report(model, plan, budget))
    if args.plot:
        from fadj.tools.plan import plot
        if plot(model, plan, budget, args.plot):
            print(f"fadj: wrote {args.plot}")
        else:
            print("fadj: --plot needs matplotlib (pip install fadj[plot])")
    if args.apply and plan is not None:
        apply_plan(model, plan, list(args.sources))
    return 0 if plan is not None else 1


def _progress(line: str) -> None:
    print(line, flush=True)


def read_profile(path: Path):
    """``profile.json`` as ``fadj profile`` wrote it; anything else is one line naming the file."""
    import json

    from fadj.tools.profile import Profile
    try:
        return Profile.from_json(path.read_text(errors="replace"))
    except json.JSONDecodeError as e:
        raise FadjError(Loc(str(path), e.lineno), f"not a profile written by fadj profile: {e.msg}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        what = f"no '{e.args[0]}'" if isinstance(e, KeyError) else str(e).splitlines()[0]
        raise FadjError(Loc(str(path)), f"not a profile written by fadj profile ({what}): run fadj profile "
                                        f"again") from None


def apply_plan(model, plan, sources: list[str], echo=print) -> None:
    """Write ``$AD CHECKPOINT`` / ``$AD NOCHECKPOINT`` before every timed call site, and
    ``$AD NOCHECKPOINT`` before the kernel calls of every group the plan splits."""
    from fadj.tools.directive_edit import apply, plan_set
    from fadj.tools.profile import current_line
    every = _files(sources)
    files = {Path(s).name: s for s in every}
    edits = []
    chosen = [(s, "nocheckpoint" if s.key in plan.split else "checkpoint") for s in model.free_sites()]
    chosen += [(s, "nocheckpoint") for g in model.free_groups() if g in plan.split for s in model.groups[g]]
    for s, action in chosen:
        path = files.get(s.file)
        if path is None:
            raise FadjError(Loc(s.file), "cannot find this source among the given ones")
        edits.append((path, current_line(model.prof, path, s.line), action))
    for path, line, action in sorted(set(edits), key=lambda e: (e[0], -e[1])):
        apply([plan_set(f"{path}:{line}", action, others=every)], dry_run=False, echo=echo)


def _files(sources: list[str]) -> list[str]:
    """The Fortran files of ``sources`` (folders searched as everywhere else: fadj's own output
    folders, which hold copies of the sources, are skipped)."""
    from fadj.frontend.discover import expand_sources
    return expand_sources(sources)
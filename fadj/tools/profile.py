"""``fadj profile``: measure what every call site costs in each checkpointing mode.

First a counting build (every active call site increments a counter) tells how often
each site runs.  Sites that run often (cheap kernels called per cell) are not timed:
a clock read would cost more than they do, and distort what is measured; they keep
their current mode (directives, options) in every build and the planner leaves them
alone.  The other sites are timed, in two builds: every one of them checkpointed
(joint), then every one split.  One run of a driver per build gives (for its last call
of the adjoint, when it makes several: a warm one), for each timed site, its number of
executions and

* joint build: the time of its forward-sweep part (snapshot + plain primal call) and
  the snapshot bytes it leaves on the stack,
* split build: the time of ``callee_fwd`` and the tape bytes it leaves, and the time
  of ``callee_bwd``,

plus the head's two sweeps.  From these, each routine's *own* forward/backward time
and tape (what is not in its call sites) follow by subtraction (the measured cost of
the timers themselves is subtracted too).

The cheap CALL sites are what makes split mode pay (a joint kernel call re-runs its
kernel at every level above it), so they are not left out of the choice: they are
grouped by the timed routine they run under (its *group*), and when there are any, the
two timed builds are made again with all of them split.  That second pair gives each
routine's own costs with its kernels split, and the planner decides, group by group,
whether a routine's kernels are split (``$AD NOCHECKPOINT`` on each of their calls) or
left as they are.  ``profile.json`` holds all of it; the planner (``plan.py``) predicts
any mix of modes from it.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

from fadj.ad.plan import CheckpointOptions
from fadj.api import differentiate
from fadj.backend.build import run_make
from fadj.errors import FadjError, Loc


@dataclass
class SiteProfile:
    key: str                  # file:line caller->callee#k: the same in every build
    file: str
    line: int
    caller: str
    callee: str
    count: int = 0
    fixed_joint: bool = False  # external, elemental or recursive callee: never split
    joint_fwd_s: float = 0.0   # totals over all executions
    joint_bwd_s: float = 0.0
    snapshot_bytes: int = 0
    split_fwd_s: float = 0.0
    split_bwd_s: float = 0.0
    tape_bytes: int = 0
    group: str = ""            # a cheap CALL site: the timed routine(s) it runs under ("a+b")


@dataclass
class Profile:
    head: str
    sites: list[SiteProfile] = field(default_factory=list)
    head_joint_fwd_s: float = 0.0
    head_joint_bwd_s: float = 0.0
    head_split_fwd_s: float = 0.0
    head_split_bwd_s: float = 0.0
    head_joint_tape: int = 0
    head_split_tape: int = 0
    joint_peak: int = 0
    split_peak: int = 0
    joint_primal_s: float = 0.0
    overhead_s: float = 0.0
    kernels_split: "Profile | None" = None    # the same measured with every cheap CALL site split
    # file name -> {"digest": of its lines without $AD lines, "ad_lines": their numbers}: lets
    # ``plan --apply`` find the profiled lines again after directives were written (source_marks)
    sources: dict = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @staticmethod
    def from_json(text: str) -> "Profile":
        return Profile.from_dict(json.loads(text))

    @staticmethod
    def from_dict(d: dict) -> "Profile":
        d = dict(d)
        sites = [SiteProfile(**s) for s in d.pop("sites")]
        k = d.pop("kernels_split", None)
        return Profile(sites=sites, kernels_split=Profile.from_dict(k) if k else None, **d)


#: a site running more often than this is not timed (its mode stays as the user has it)
TIMED_MAX_COUNT = 5000


def _keys(ctx) -> dict[int, str]:
    """profile id -> stable site key (``file.f90:52:step``)."""
    from fadj.ad.plan import site_key
    return {2 * k + 1: site_key(site) for k, site in enumerate(ctx.profile_sites, start=1)}


def _read(path: Path) -> tuple[float, dict[int, tuple[int, float, int]]]:
    if not path.exists():
        raise FadjError(Loc(str(path)), "the driver did not write the profile (did it call the head's _b?)")
    ovh = 0.0
    rows = {}
    for ln in path.read_text().splitlines():
        parts = ln.split()
        if parts[0] == "overhead":
            ovh = float(parts[1])
        elif len(parts) == 4:
            rows[int(parts[0])] = (int(parts[1]), float(parts[2]), int(parts[3]))
    return ovh, rows


class Progress:
    """``fadj profile: run 2 of 3 (timed calls joint) ...`` before each build-and-run, and its
    time after: a profile takes minutes."""

    def __init__(self, echo=None, total: int = 3):
        self.echo, self.total, self.k = echo, total, 0

    def start(self, what: str) -> float:
        import time
        self.k += 1
        if self.echo is not None:
            self.echo(f"fadj profile: build and run {self.k} of {self.total} ({what}) ...")
        return time.perf_counter()

    def done(self, t0: float) -> None:
        import time
        if self.echo is not None:
            self.echo(f"fadj profile:   done in {time.perf_counter() - t0:.1f} s")


def build_and_run(sources, head, vars_, outvars, opts, outdir: Path, driver: Path, env: dict, source=None,
                  level: bool | str = True, timed: set | None = None, progress: "Progress | None" = None,
                  what: str = ""):
    if progress is not None:
        t0 = progress.start(what)
        try:
            return build_and_run(sources, head, vars_, outvars, opts, outdir, driver, env, source, level, timed)
        finally:
            progress.done(t0)
    kw = {"source": source} if source is not None else {}
    res = differentiate(sources, head, vars_, outvars, "reverse", outdir, opts, profile=level, profile_timed=timed,
                        **kw)
    run_make(outdir)
    exe = outdir / "profile_driver.exe"
    p = subprocess.run(["gfortran", "-O2", "-I", str(outdir), str(driver), "-L", str(outdir), "-ladjoint",
                        "-o", str(exe)], capture_output=True, text=True)
    if p.returncode != 0:
        raise FadjError(Loc(str(driver)), f"the driver does not compile: {p.stderr.strip().splitlines()[-1]}")
    dat = outdir / "fadj_profile.dat"
    if dat.exists():
        dat.unlink()
    e = dict(os.environ, **{k: str(v) for k, v in env.items()}, FADJ_STATS="1")
    run = subprocess.run([str(exe)], capture_output=True, text=True, cwd=outdir, env=e, timeout=7200)
    out = run.stdout + run.stderr
    m = re.search(r"peak bytes (\d+)", out)
    peak = int(m.group(1)) if m else -1
    t = re.search(r"time primal[^=]*=\s*(\S+)", out)
    primal = float(t.group(1)) if t else float("nan")
    ovh, rows = _read(dat)
    return res.ctx, rows, ovh, peak, primal


def profile(sources, head, vars_, outvars, driver: Path, outdir: Path, env: dict | None = None,
            base: CheckpointOptions | None = None, source=None, echo=None) -> Profile:
    """``echo`` (print) gets a progress line before and after each build-and-run."""
    outdir = Path(outdir).resolve()
    base = base or CheckpointOptions()
    env = env or {}
    progress = Progress(echo)
    # 1. how often each site runs
    cctx, crows, _, _, _ = build_and_run(sources, head, vars_, outvars, base, outdir / "count", driver, env,
                                         source, level="count", progress=progress, what="counting the calls")
    counts = {key: crows.get(pid, (0, 0.0, 0))[0] for pid, key in _keys(cctx).items()}
    fixed = {key for key, site in zip(_keys(cctx).values(), cctx.profile_sites)
             if site.callee is None or site.is_function   # a directive can only go before a CALL
             or cctx.decision(site).why in ("external", "elemental", "recursive")}
    timed = {k for k, c in counts.items() if c <= TIMED_MAX_COUNT and k not in fixed}
    # 2. the timed sites all joint, then all split; the others as the user has them
    cheap = {k for k, c in counts.items() if c > TIMED_MAX_COUNT and k not in fixed}
    progress.total = 5 if cheap else 3
    prof = _measure_modes(sources, head, vars_, outvars, base, outdir, driver, env, source, counts, timed, {},
                          progress)
    if cheap:
        # 3. the same with every cheap CALL site split: each routine's own costs with its kernels split
        prof.kernels_split = _measure_modes(sources, head, vars_, outvars, base, outdir / "kernels_split", driver,
                                            env, source, counts, timed, {k: "split" for k in cheap}, progress,
                                            " with the cheap calls split")
        groups = kernel_groups(prof.sites, head, cheap)
        for sp in prof.sites:
            if sp.key in cheap:
                sp.group = groups.get(sp.caller, "")
    from fadj.frontend.discover import expand_sources
    prof.sources = source_marks(expand_sources(list(sources)))
    (outdir / "profile.json").write_text(prof.to_json())
    return prof


_AD_LINE = re.compile(r"^(?:\s*!|[cC*])\$ad\b", re.I)


def source_marks(paths) -> dict:
    """Per file name: the digest of its lines other than ``$AD`` directive lines, and the numbers
    of those lines.  Directives move code lines but leave the digest alone."""
    import hashlib
    out = {}
    for p in paths:
        lines = Path(p).read_text(encoding="utf-8", errors="surrogateescape").split("\n")
        ad = [i for i, ln in enumerate(lines, start=1) if _AD_LINE.match(ln)]
        code = "\n".join(ln for i, ln in enumerate(lines, start=1) if i not in set(ad))
        out[Path(p).name] = {"digest": hashlib.sha256(code.encode("utf-8", "surrogateescape")).hexdigest()[:24],
                             "ad_lines": ad}
    return out


def current_line(prof: "Profile", path: str, line: int) -> int:
    """Where the profiled ``line`` of ``path`` is now, after ``$AD`` lines were added or removed;
    an error if the code itself changed since ``fadj profile``."""
    old = prof.sources.get(Path(path).name)
    if old is None:
        return line          # a profile of an older fadj: taken as it is
    now = source_marks([path])[Path(path).name]
    if now["digest"] != old["digest"]:
        raise FadjError(Loc(path), "the profile is stale: this file's code changed since fadj profile (run fadj "
                                   "profile again)")
    index = line - sum(1 for a in old["ad_lines"] if a < line)        # its place among the code lines
    n = 0
    ad = set(now["ad_lines"])
    k = 0
    while n < index:
        k += 1
        if k not in ad:
            n += 1
    return k


def _measure_modes(sources, head, vars_, outvars, base, outdir: Path, driver, env, source, counts, timed,
                   extra: dict, progress: Progress | None = None, also: str = "") -> Profile:
    """The timed sites all joint, then all split (the others as the user has them, or as ``extra`` says)."""
    from dataclasses import replace
    runs = {}
    for mode in ("joint", "split"):
        opts = replace(base, forced={**base.forced, **extra, **{k: mode for k in timed}})
        runs[mode] = build_and_run(sources, head, vars_, outvars, opts, outdir / mode, driver, env, source,
                                   timed=timed, progress=progress, what=f"the timed calls {mode}{also}")
    jctx, jrows, ovh1, jpeak, jprimal = runs["joint"]
    sctx, srows, ovh2, speak, _ = runs["split"]
    prof = Profile(head=head, overhead_s=min(ovh1, ovh2), joint_peak=jpeak, split_peak=speak,
                   joint_primal_s=jprimal)
    sites: dict[str, SiteProfile] = {}
    for ctx, rows, mode in ((jctx, jrows, "joint"), (sctx, srows, "split")):
        for pid, key in _keys(ctx).items():
            site = ctx.profile_sites[(pid - 3) // 2]
            sp = sites.get(key)
            if sp is None:
                sp = sites[key] = SiteProfile(key, Path(site.loc.file).name, site.loc.line, site.caller.name,
                                              site.callee.name if site.callee else site.name,
                                              count=counts.get(key, 0))
            sp.fixed_joint = key not in timed
            if key not in timed:
                continue
            fwd, bwd = rows.get(pid, (0, 0.0, 0)), rows.get(pid + 1, (0, 0.0, 0))
            if mode == "joint":
                sp.joint_fwd_s, sp.joint_bwd_s, sp.snapshot_bytes = fwd[1], bwd[1], fwd[2]
            else:
                sp.split_fwd_s, sp.split_bwd_s, sp.tape_bytes = fwd[1], bwd[1], fwd[2]
        h1, h2 = rows.get(1, (0, 0.0, 0)), rows.get(2, (0, 0.0, 0))
        if mode == "joint":
            prof.head_joint_fwd_s, prof.head_joint_bwd_s, prof.head_joint_tape = h1[1], h2[1], h1[2]
        else:
            prof.head_split_fwd_s, prof.head_split_bwd_s, prof.head_split_tape = h1[1], h2[1], h1[2]
    prof.sites = sorted(sites.values(), key=lambda s: (s.fixed_joint, -(s.split_fwd_s + s.split_bwd_s + s.joint_fwd_s)))
    return prof


def kernel_groups(sites: list[SiteProfile], head: str, cheap: set[str]) -> dict[str, str]:
    """Routine -> the group of the cheap sites it calls: the timed routines it runs under
    (the head, or callees of timed sites), merged when one cheap routine runs under several."""
    timed_routines = {head} | {s.callee for s in sites if not s.fixed_joint}
    callers: dict[str, set[str]] = {}
    for s in sites:
        callers.setdefault(s.callee, set()).add(s.caller)

    def owners(f: str, seen: frozenset = frozenset()) -> set[str]:
        if f in timed_routines:
            return {f}
        if f in seen:
            return set()
        out: set[str] = set()
        for c in callers.get(f, ()):
            out |= owners(c, seen | {f})
        return out

    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    cheap_callers = {s.caller for s in sites if s.key in cheap}
    own = {f: owners(f) for f in cheap_callers}
    for os_ in own.values():
        first, *rest = sorted(os_) or [""]
        for o in rest:
            parent[find(o)] = find(first)
    members: dict[str, set[str]] = {}
    for os_ in own.values():
        for o in os_:
            members.setdefault(find(o), set()).add(o)
    name = {root: "+".join(sorted(ms)) for root, ms in members.items()}
    return {f: name[find(sorted(os_)[0])] for f, os_ in own.items() if os_}


def fmt_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def table(prof: Profile) -> str:
    """Per call site, largest first."""
    rows = [f"{'call site':44s} {'count':>10s} {'primal+snap s':>13s} {'snapshot':>10s} "
            f"{'fwd(split) s':>12s} {'tape(split)':>11s} {'bwd(split) s':>12s} {'bwd(joint) s':>12s}"]
    for s in prof.sites:
        rows.append(f"{s.key[:44]:44s} {s.count:10d} {s.joint_fwd_s:13.4f} {fmt_bytes(s.snapshot_bytes):>10s} "
                    f"{s.split_fwd_s:12.4f} {fmt_bytes(s.tape_bytes):>11s} {s.split_bwd_s:12.4f} "
                    f"{s.joint_bwd_s:12.4f}" + ("  (not timed: kept as is)" if s.fixed_joint else ""))
    rows.append(f"head {prof.head}: joint fwd {prof.head_joint_fwd_s:.4f} s, bwd {prof.head_joint_bwd_s:.4f} s, "
                f"peak {fmt_bytes(prof.joint_peak)}; split fwd {prof.head_split_fwd_s:.4f} s, "
                f"bwd {prof.head_split_bwd_s:.4f} s, peak {fmt_bytes(prof.split_peak)}; "
                f"timer cost {prof.overhead_s * 1e9:.0f} ns per measurement")
    return "\n".join(rows)

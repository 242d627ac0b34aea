"""``make bench``: adjoint time and memory of each checkpointing strategy, measured.

For every benchmarked example (a ``[bench]`` section in its fadj.toml) and every
strategy -- default (joint), ``--nocheckpoint``, a hand-chosen directive set, binomial
checkpointing of the time loop with few snapshots, and (when available) the planner's
choice -- the example is differentiated in a scratch copy (directives inserted with the
directive editor), built, and its driver run once at benchmark size with
``FADJ_STATS=1``.  The driver times one primal and one adjoint run in the same process,
so their ratio is measured in one run; the runtime reports peak stack bytes.

Writes ``BENCHMARKS.md`` (tables, machine) and ``BENCHMARKS.svg`` (memory against time) and prints
the tables.

    python -m fadj.tools.bench [--quick] [--examples a,b] [--out bench_out] [--no-tool]

Then the tool's own speed (``bench_tool.py``): differentiate time against parse time,
and the re-run after a directive edit.
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from fadj.ad.plan import CheckpointOptions
from fadj.tools.examples import Example, build_example, compile_driver, load_example, run_driver
from fadj.tools.fortran_numbers import fortran_float

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Strategy:
    name: str
    opts: CheckpointOptions = field(default_factory=CheckpointOptions)
    directives: dict[str, str] = field(default_factory=dict)   # "file:line" -> action
    note: str = ""


@dataclass
class PlanMeasure:
    budget: float
    predicted_s: float
    predicted_peak: float
    measure: "Measure"


@dataclass
class Measure:
    example: str
    strategy: str
    primal_s: float
    adjoint_s: float
    peak_bytes: int
    pushed_bytes: int
    snapshot_bytes: int
    recomputations: int
    max_rel_err: float
    passed: bool
    note: str = ""
    first_adjoint_s: float = float("nan")    # the first of the driver's adjoint calls

    @property
    def ratio(self) -> float:
        return self.adjoint_s / max(self.primal_s, 1e-9)


def bench_config(ex: Example) -> dict:
    with open(ex.path / "fadj.toml", "rb") as f:
        return tomllib.load(f).get("bench", {})


def strategies(ex: Example, cfg: dict) -> list[Strategy]:
    out = [Strategy("default (joint)", note="every call checkpointed"),
           Strategy("--nocheckpoint", CheckpointOptions(nocheckpoint=True), note="every call split")]
    if cfg.get("hand"):
        # functions called inside expressions take no directive: --nocheckpoint-routines names them
        opts = CheckpointOptions(nocheckpoint_routines=set(cfg.get("hand_nocheckpoint_routines", [])))
        out.append(Strategy("hand directives", opts, directives=dict(cfg["hand"]), note=cfg.get("hand_note", "")))
    loop = cfg.get("time_loop")
    for nsnaps in cfg.get("binomial_snaps", []):
        d = dict(cfg.get("binomial_with", {}))
        d[loop] = f"binomial:{nsnaps}"
        out.append(Strategy(f"binomial {nsnaps} snapshots", directives=d,
                            note="time loop reversed with the optimal binomial schedule"))
    return out


def prepare_sources(ex: Example, work: Path, directives: dict[str, str]) -> list[str]:
    """Copy the example's sources into ``work`` and insert the strategy's directives."""
    from fadj.tools.directive_edit import apply, plan_set
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    for f in ex.path.iterdir():
        if f.is_file():
            shutil.copy(f, work / f.name)
    sources = [str(work / s) for s in ex.sources]
    # later lines first, so that earlier insertions do not shift the line numbers
    for spec, action in sorted(directives.items(), key=lambda kv: (kv[0].split(":")[0], -int(kv[0].split(":")[1]))):
        fname, line = spec.rsplit(":", 1)
        ch = plan_set(f"{work / fname}:{line}", action, others=sources)
        apply([ch], dry_run=False, echo=lambda *a, **k: None)
    return sources


def run_one(ex: Example, st: Strategy, out: Path, env: dict) -> Measure:
    work = out / ex.name / re.sub(r"[^a-z0-9]+", "_", st.name.lower()).strip("_")
    srcs = prepare_sources(ex, work / "src", st.directives)
    outdir = work / "build"
    build_example(Example(work / "src", [Path(s).name for s in srcs], ex.head, ex.vars, ex.outvars, ex.driver),
                  outdir, st.opts)
    return measure(ex, st, outdir, env)


def measure(ex: Example, st: Strategy, outdir: Path, env: dict) -> Measure:
    """Compile the example's driver against the adjoint in ``outdir``, run it once, read its figures."""
    r = run_driver(compile_driver(ex, outdir), env={**env, "FADJ_STATS": "1"}, timeout=3600)
    text = r.output
    tp = _num(r"time primal[^=]*=\s*(\S+)", text)
    ta = _num(r"time adjoint[^=]*=\s*(\S+)", text)
    first = _num(r"first call of[^=]*=\s*(\S+)", text)
    m = re.search(r"peak bytes (\d+), bytes pushed (\d+), snapshot bytes (\d+), forward recomputations (\d+)", text)
    peak, pushed, snap, rec = (int(x) for x in m.groups()) if m else (-1, -1, -1, -1)
    return Measure(ex.name, st.name, tp, ta, peak, pushed, snap, rec, r.max_rel_err, r.passed, st.note, first)


def plan_study(ex: Example, cfg: dict, env: dict, out: Path, ms: list[Measure]) -> list[PlanMeasure]:
    """fadj profile, then fadj plan --apply for budgets spread between the smallest and the
    largest measured peak; each plan rebuilt (no instrumentation) and measured like the rest."""
    from fadj.tools.plan import Model, best_plan
    from fadj.tools.plan_cli import apply_plan
    from fadj.tools.profile import profile
    fracs = cfg.get("plan_budgets", [])
    if not fracs:
        return []
    peaks = [m.peak_bytes for m in ms if m.strategy in ("default (joint)", "--nocheckpoint")]
    lo, hi = min(peaks), max(peaks)
    prof = profile([str(ex.path / s) for s in ex.sources], ex.head, " ".join(ex.vars), " ".join(ex.outvars),
                   ex.path / ex.driver, out / ex.name / "profile", {**env, "FADJ_NREP": "2"})   # the 2nd, warm call
    model = Model(prof)
    rows = []
    for frac in fracs:
        budget = lo + frac * (hi - lo)
        plan = best_plan(model, budget)
        if plan is None:
            continue
        work = out / ex.name / f"plan_{int(frac * 100)}"
        st = Strategy(f"plan, budget {fmt_bytes(budget)}", note="fadj plan --apply")
        srcs = prepare_sources(ex, work / "src", {})
        apply_plan(model, plan, srcs, echo=lambda *a, **k: None)
        outdir = work / "build"
        build_example(Example(work / "src", ex.sources, ex.head, ex.vars, ex.outvars, ex.driver), outdir, st.opts)
        meas = measure(ex, st, outdir, env)
        rows.append(PlanMeasure(budget, plan.prediction.time_s, plan.prediction.peak_bytes, meas))
    return rows


def plan_table(rows: list[PlanMeasure], ms: list[Measure]) -> str:
    fits = lambda b: [m for m in ms if m.strategy in ("default (joint)", "--nocheckpoint") and m.peak_bytes <= b]  # noqa
    lines = ["| budget | predicted adjoint (s) | measured adjoint (s) | time error | predicted peak | measured peak "
             "| memory error | within budget | faster extreme that fits (s) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for p in rows:
        m = p.measure
        f = fits(p.budget)
        lines.append(f"| {fmt_bytes(p.budget)} | {p.predicted_s:.3f} | {m.adjoint_s:.3f} | "
                     f"{abs(p.predicted_s - m.adjoint_s) / m.adjoint_s:.0%} | {fmt_bytes(p.predicted_peak)} | "
                     f"{fmt_bytes(m.peak_bytes)} | {abs(p.predicted_peak - m.peak_bytes) / m.peak_bytes:.0%} | "
                     f"{'yes' if m.peak_bytes <= p.budget else 'NO'} | "
                     f"{min(x.adjoint_s for x in f):.3f} |" if f else
                     f"| {fmt_bytes(p.budget)} | {p.predicted_s:.3f} | {m.adjoint_s:.3f} | "
                     f"{abs(p.predicted_s - m.adjoint_s) / m.adjoint_s:.0%} | {fmt_bytes(p.predicted_peak)} | "
                     f"{fmt_bytes(m.peak_bytes)} | {abs(p.predicted_peak - m.peak_bytes) / m.peak_bytes:.0%} | "
                     f"{'yes' if m.peak_bytes <= p.budget else 'NO'} | none fits |")
    return "\n".join(lines)


def _num(pattern: str, text: str) -> float:
    m = re.search(pattern, text)
    return fortran_float(m.group(1)) if m else float("nan")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for ln in Path("/proc/cpuinfo").read_text().splitlines():
            if ln.startswith("model name"):
                cpu = ln.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gf = subprocess.run(["gfortran", "--version"], capture_output=True, text=True).stdout.splitlines()
    return (f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores; "
            f"{gf[0] if gf else 'gfortran ?'}; Python {platform.python_version()}; "
            f"date {time.strftime('%Y-%m-%d')}")


def fmt_bytes(n: int) -> str:
    """``profile.fmt_bytes``, and "?" for a figure the run did not report (-1)."""
    from fadj.tools.profile import fmt_bytes as fmt
    return "?" if n < 0 else fmt(n)


def table(ms: list[Measure]) -> str:
    lines = ["| strategy | primal (s) | adjoint (s) | adjoint/primal | first adjoint call (s) | peak stack | "
             "snapshot bytes pushed | forward recomputations | gradient error | |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for m in ms:
        lines.append(f"| {m.strategy} | {m.primal_s:.3f} | {m.adjoint_s:.3f} | {m.ratio:.2f} | {m.first_adjoint_s:.3f} | "
                     f"{fmt_bytes(m.peak_bytes)} | "
                     f"{fmt_bytes(m.snapshot_bytes)} | {m.recomputations} | {m.max_rel_err:.1e} | "
                     f"{'PASS' if m.passed else 'FAIL'} |")
    return "\n".join(lines)


def plot(results: dict[str, list[Measure]], path: Path) -> bool:
    """Adjoint time against peak memory, one panel per example, as an SVG (no plotting
    library needed; GitHub renders it inline in BENCHMARKS.md)."""
    import math
    from fadj.backend.render import render
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"]
    w, h, gap = 320, 240, 90
    panels = []
    for k, (name, ms) in enumerate(results.items()):
        ms = [m for m in ms if m.peak_bytes > 0]
        if not ms:
            continue
        mb = [max(m.peak_bytes / 2**20, 1e-3) for m in ms]
        lo, hi = math.floor(math.log10(min(mb))), math.ceil(math.log10(max(mb)))
        hi = max(hi, lo + 1)
        rmax = max(m.ratio for m in ms) * 1.15
        ystep = max(1, math.ceil(rmax / 6))

        def px(v):
            return round((math.log10(v) - lo) / (hi - lo) * w, 1)

        def py(v):
            return round(10 + h - v / rmax * h, 1)
        panels.append({
            "x0": gap + k * (w + gap), "w": w, "h": h, "title": name,
            "xticks": [{"x": px(10.0 ** e), "label": f"{10.0 ** e:g}"} for e in range(lo, hi + 1)],
            "yticks": [{"y": py(v), "label": str(v)} for v in range(0, int(rmax) + 1, ystep)],
            "points": [{"x": px(v), "y": py(m.ratio), "label": m.strategy, "color": colors[j % len(colors)]}
                       for j, (m, v) in enumerate(zip(ms, mb))]})
    if not panels:
        return False
    path.write_text(render("bench_plot.svg.j2", panels=panels, width=gap + len(panels) * (w + gap),
                           height=h + 80))
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="fadj-bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--examples", default="", help="comma-separated example names (default: every [bench] example)")
    ap.add_argument("--quick", action="store_true", help="use each example's quick sizes (for a smoke test)")
    ap.add_argument("--out", default="bench_out")
    ap.add_argument("--report", default=str(ROOT / "BENCHMARKS.md"))
    ap.add_argument("--no-tool", action="store_true", help="skip the tool's own speed (bench_tool.py)")
    args = ap.parse_args(argv)
    out = Path(args.out).resolve()
    wanted = {n for n in args.examples.split(",") if n}
    results: dict[str, list[Measure]] = {}
    plan_rows: dict[str, list[PlanMeasure]] = {}
    for tomlp in sorted((ROOT / "fortran_examples").glob("*/fadj.toml")):
        ex = load_example(tomlp.parent)
        cfg = bench_config(ex)
        if not cfg or (wanted and ex.name not in wanted):
            continue
        env = {k: str(v) for k, v in (cfg.get("quick_env") if args.quick else cfg.get("env", {})).items()}
        print(f"== {ex.name}: {' '.join(f'{k}={v}' for k, v in env.items())}", flush=True)
        ms = []
        for st in strategies(ex, cfg):
            m = run_one(ex, st, out, env)
            ms.append(m)
            print(f"   {st.name:28s} primal {m.primal_s:8.3f} s  adjoint {m.adjoint_s:8.3f} s  ratio {m.ratio:6.2f}  "
                  f"peak {fmt_bytes(m.peak_bytes):>9s}  err {m.max_rel_err:.1e} {'PASS' if m.passed else 'FAIL'}",
                  flush=True)
        plans = plan_study(ex, cfg, env, out, ms)
        for p in plans:
            print(f"   {p.measure.strategy:28s} predicted {p.predicted_s:8.3f} s {fmt_bytes(p.predicted_peak):>9s}   "
                  f"measured {p.measure.adjoint_s:8.3f} s {fmt_bytes(p.measure.peak_bytes):>9s}", flush=True)
        ms += [p.measure for p in plans]
        results[ex.name] = ms
        plan_rows[ex.name] = plans
    report = ["# fadj benchmarks", "", f"Measured by `make bench` on: {machine()}.", "",
              "Each row is one run of the example's driver: the primal and the adjoint each run FADJ_NREP times "
              "in the same process and the fastest of each is kept (so the ratio is measured in one run, and "
              "the noise of this shared machine shrinks); the first adjoint call is also shown: it pays for "
              "the operating system's first touch of the tape's memory, which on this virtual machine costs "
              "up to a third of it. Peak stack bytes (tape and snapshots) come from the runtime "
              "(`FADJ_STATS=1`), the gradient's error is against central finite differences in one random "
              "direction.", ""]
    for name, ms in results.items():
        cfg = bench_config(load_example(ROOT / "fortran_examples" / name))
        env = cfg.get("quick_env") if args.quick else cfg.get("env", {})
        report += [f"## {name}", "", f"Sizes: {', '.join(f'{k}={v}' for k, v in env.items())}.", "", table(ms), ""]
        if plan_rows.get(name):
            report += ["Planner (`fadj profile` then `fadj plan --apply`, rebuilt and re-measured):", "",
                       plan_table(plan_rows[name], ms), ""]
        if cfg.get("hand"):
            text = "Hand directives: " + ", ".join(f"`{k}` {v}" for k, v in cfg["hand"].items())
            if cfg.get("hand_nocheckpoint_routines"):
                text += f"; `--nocheckpoint-routines \"{' '.join(cfg['hand_nocheckpoint_routines'])}\"`"
            report += [text + (f" ({cfg['hand_note']})" if cfg.get("hand_note") else ""), ""]
    svg = Path(args.report).with_name("BENCHMARKS.svg")
    if plot(results, svg):
        report += ["Adjoint time against peak memory, every strategy above:", "",
                   f"![adjoint time against peak memory]({svg.name})", ""]
    if not args.no_tool:
        from fadj.tools import bench_tool
        speed = bench_tool.measure(out / "tool")
        report += bench_tool.section(speed)
        print("\n".join(bench_tool.section(speed)), flush=True)
    Path(args.report).write_text("\n".join(report))
    print(f"wrote {args.report}")
    return 0 if all(m.passed for ms in results.values() for m in ms) else 1


if __name__ == "__main__":
    sys.exit(main())

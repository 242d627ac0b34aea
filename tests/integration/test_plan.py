"""fadj profile + fadj plan on the time-stepping call-tree example: for three budgets between
the smallest and the largest peak memory, the applied plan, rebuilt without instrumentation
and re-run, keeps its peak stack within the budget, its predicted peak is within 25% of the
measured one, and the gradient stays right.  (Times are measured and reported by `make bench`,
not asserted here: machines are noisy.)"""
from __future__ import annotations

import re
import shutil

import pytest

from fadj.ad.plan import CheckpointOptions
from fadj.tools.examples import Example, build_example, compile_driver, load_example, run_driver
from fadj.tools.plan import Model, best_plan
from fadj.tools.plan_cli import apply_plan
from fadj.tools.profile import profile
from tests.conftest import EXAMPLES
from tests.helpers import run_cli

ENV = {"FADJ_NX": "40", "FADJ_NSTEPS": "16", "FADJ_NCOMP": "0", "FADJ_NDIR": "2"}


def _measure(ex: Example, srcdir, out):
    e = Example(srcdir, ex.sources, ex.head, ex.vars, ex.outvars, ex.driver)
    build_example(e, out, CheckpointOptions())
    r = run_driver(compile_driver(ex, out), env={**ENV, "FADJ_STATS": "1"})
    return int(re.search(r"peak bytes (\d+)", r.output).group(1)), r


@pytest.mark.slow
def test_plans_fit_their_budgets_and_predict_memory(tmp_path, gfortran):
    ex = load_example(EXAMPLES / "timestep_tree")
    srcs = [str(ex.path / s) for s in ex.sources]
    prof = profile(srcs, ex.head, " ".join(ex.vars), " ".join(ex.outvars), ex.path / ex.driver,
                   tmp_path / "prof", ENV)
    assert (tmp_path / "prof" / "profile.json").exists()
    model = Model(prof)
    free = model.free_sites()
    assert {s.callee for s in free} >= {"step", "advect", "diffuse", "react"}      # the coarse call sites
    lo, hi = sorted((prof.joint_peak, prof.split_peak))
    for frac in (0.2, 0.5, 0.8):
        budget = lo + frac * (hi - lo)
        plan = best_plan(model, budget)
        assert plan is not None and plan.prediction.peak_bytes <= budget
        work = tmp_path / f"src{int(frac * 100)}"
        shutil.copytree(ex.path, work)
        apply_plan(model, plan, [str(work / s) for s in ex.sources])
        text = (work / "tt_model.f90").read_text()
        assert "!$AD NOCHECKPOINT" in text or "!$AD CHECKPOINT" in text
        peak, run = _measure(ex, work, tmp_path / f"build{int(frac * 100)}")
        assert run.passed, run.output[-2000:]
        assert peak <= budget
        assert abs(plan.prediction.peak_bytes - peak) <= 0.25 * peak


@pytest.mark.slow
def test_plan_command_reads_a_profile(tmp_path, gfortran):
    ex = load_example(EXAMPLES / "timestep_tree")
    work = tmp_path / "tt"
    shutil.copytree(ex.path, work)
    p = run_cli("profile", "--env", "FADJ_NX=16", "--env", "FADJ_NSTEPS=6", "--env", "FADJ_NCOMP=0",
                "-o", "prof", cwd=work)
    assert p.returncode == 0, p.stderr
    assert re.search(r"tt_model\.f90:\d+:step\s+6\s", p.stdout), p.stdout
    # progress: each build-and-run announced, then timed
    assert "fadj profile: build and run 1 of 3 (counting the calls) ..." in p.stdout, p.stdout
    assert re.search(r"fadj profile: build and run 3 of 3 \(the timed calls split\) \.\.\.\n.*done in [\d.]+ s", p.stdout)
    p = run_cli("plan", "--memory-budget", "100G", "--profile", "prof", cwd=work)
    assert p.returncode == 0, p.stderr
    assert "plan (exact)" in p.stdout and "default (all joint)" in p.stdout
    p = run_cli("plan", "--memory-budget", "1", "--profile", "prof", cwd=work)
    assert p.returncode == 1 and "no plan fits the budget" in p.stdout
    before = (work / "tt_model.f90").read_text()
    p = run_cli("plan", "--memory-budget", "100G", "--profile", "prof", "--apply", cwd=work)
    assert p.returncode == 0, p.stderr
    after = (work / "tt_model.f90").read_text()
    assert after != before and re.search(r"tt_model\.f90:\d+: (no)?checkpoint \(was: none\)", p.stdout)
    # again, on the tree the first --apply edited: the profiled lines are found where they moved
    p = run_cli("plan", "--memory-budget", "100G", "--profile", "prof", "--apply", cwd=work)
    assert p.returncode == 0, p.stderr
    assert (work / "tt_model.f90").read_text() == after, p.stdout
    # code edited since the profile: one line saying so, nothing written
    (work / "tt_model.f90").write_text(after.replace("\n", "\n! an edit\n", 1))
    edited = (work / "tt_model.f90").read_text()
    p = run_cli("plan", "--memory-budget", "100G", "--profile", "prof", "--apply", cwd=work)
    assert p.returncode == 2 and p.stderr.strip().splitlines()[-1].startswith("tt_model.f90: error: the profile is "
                                                                              "stale"), p.stderr
    assert (work / "tt_model.f90").read_text() == edited

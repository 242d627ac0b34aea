"""The planner's cost model and search, on synthetic profiles (no compiler needed)."""
from __future__ import annotations

from fadj.tools.plan import EXACT_LIMIT, Model, best_plan, parse_size
from fadj.tools.profile import Profile, SiteProfile


def profile_chain() -> Profile:
    """head -> step (x10) -> phys (x1 per step): split is fast and big, joint small and slow."""
    step = SiteProfile("m.f90:10:step", "m.f90", 10, "head", "step", count=10,
                       joint_fwd_s=1.0, joint_bwd_s=0, snapshot_bytes=10 * 100,
                       split_fwd_s=2.0, split_bwd_s=3.0, tape_bytes=10 * 1000)
    phys = SiteProfile("m.f90:20:phys", "m.f90", 20, "step", "phys", count=10,
                       joint_fwd_s=0.5, joint_bwd_s=0, snapshot_bytes=10 * 50,
                       split_fwd_s=1.0, split_bwd_s=1.5, tape_bytes=10 * 600)
    return Profile(head="head", sites=[step, phys], head_split_fwd_s=2.2, head_split_bwd_s=3.1,
                   head_split_tape=10 * 1000 + 40, overhead_s=0.0)


def test_own_costs_are_what_the_sites_do_not_explain():
    m = Model(profile_chain())
    assert abs(m.own_fwd["head"] - 0.2) < 1e-12 and abs(m.own_bwd["head"] - 0.1) < 1e-12
    assert m.own_tape["head"] == 40
    assert abs(m.own_fwd["step"] - 0.1) < 1e-12        # (2.0 - 1.0)/10
    assert m.own_tape["step"] == 400                    # (10000 - 6000)/10


def test_all_split_prediction_reproduces_the_split_measurement():
    m = Model(profile_chain())
    p = m.predict(frozenset({"m.f90:10:step", "m.f90:20:phys"}))
    assert abs(p.time_s - (2.2 + 3.1)) < 1e-9
    assert p.peak_bytes == 10 * 1000 + 40


def test_joint_recomputes_and_saves_memory():
    m = Model(profile_chain())
    split = m.predict(frozenset({"m.f90:10:step", "m.f90:20:phys"}))
    joint = m.predict(frozenset())
    assert joint.peak_bytes < split.peak_bytes
    assert joint.time_s > split.time_s


def test_best_plan_respects_the_budget_and_is_fastest():
    m = Model(profile_chain())
    split = m.predict(frozenset({"m.f90:10:step", "m.f90:20:phys"}))
    joint = m.predict(frozenset())
    assert best_plan(m, split.peak_bytes).split == {"m.f90:10:step", "m.f90:20:phys"}
    assert best_plan(m, joint.peak_bytes).prediction.peak_bytes <= joint.peak_bytes
    smallest = min(m.predict(frozenset(s)).peak_bytes
                   for s in ([], ["m.f90:10:step"], ["m.f90:20:phys"], ["m.f90:10:step", "m.f90:20:phys"]))
    assert best_plan(m, smallest - 1) is None
    mid = best_plan(m, (split.peak_bytes + joint.peak_bytes) / 2)
    assert mid.prediction.peak_bytes <= (split.peak_bytes + joint.peak_bytes) / 2
    assert joint.time_s >= mid.prediction.time_s >= split.time_s


def test_many_sites_use_the_greedy_search():
    sites = []
    for k in range(EXACT_LIMIT + 3):
        sites.append(SiteProfile(f"m.f90:{k}:w{k}", "m.f90", k, "head", f"w{k}", count=1, joint_fwd_s=0.1,
                                 snapshot_bytes=10, split_fwd_s=0.2, split_bwd_s=0.2, tape_bytes=100 + k))
    prof = Profile(head="head", sites=sites, head_split_fwd_s=0.2 * len(sites) + 0.1,
                   head_split_bwd_s=0.2 * len(sites) + 0.1, head_split_tape=sum(s.tape_bytes for s in sites))
    m = Model(prof)
    budget = m.predict(frozenset(s.key for s in sites)).peak_bytes * 0.6
    plan = best_plan(m, budget)
    assert plan is not None and not plan.exact and plan.prediction.peak_bytes <= budget


def test_parse_size():
    assert parse_size("512") == 512 and parse_size("2K") == 2048 and parse_size("1.5MiB") == 1.5 * 2**20
    assert parse_size("3G") == 3 * 2**30

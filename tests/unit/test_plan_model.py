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


def profile_with_kernels() -> Profile:
    """head -> step (x10) -> phys (x1 per step) -> kernel (x1000 per phys, too cheap to time).
    With the kernels split, phys's own forward is faster (no kernel re-runs) and its tape bigger."""
    def sites(phys_fwd, phys_bwd, phys_tape, step_fwd, step_bwd, step_tape):
        step = SiteProfile("m.f90:10:step", "m.f90", 10, "head", "step", count=10,
                           joint_fwd_s=1.0, snapshot_bytes=10 * 100,
                           split_fwd_s=step_fwd, split_bwd_s=step_bwd, tape_bytes=step_tape)
        phys = SiteProfile("m.f90:20:phys", "m.f90", 20, "step", "phys", count=10,
                           joint_fwd_s=0.5, snapshot_bytes=10 * 50,
                           split_fwd_s=phys_fwd, split_bwd_s=phys_bwd, tape_bytes=phys_tape)
        kern = SiteProfile("k.f90:5:kernel", "k.f90", 5, "phys", "kernel", count=10000, fixed_joint=True,
                           group="phys")
        return [step, phys, kern]
    base = Profile(head="head", sites=sites(1.0, 3.0, 6000, 2.0, 4.0, 10000), head_split_fwd_s=2.2,
                   head_split_bwd_s=4.1, head_split_tape=10040)
    fast = Profile(head="head", sites=sites(0.6, 1.0, 9000, 1.6, 2.0, 13000), head_split_fwd_s=1.8,
                   head_split_bwd_s=2.1, head_split_tape=13040)
    base.kernels_split = fast
    return base


def test_kernel_groups_are_decisions_with_their_own_costs():
    m = Model(profile_with_kernels())
    assert m.decisions() == ["m.f90:10:step", "m.f90:20:phys", "kernels:phys"]
    assert abs(m.own_split_kernels[0]["phys"] - 0.06) < 1e-12 and abs(m.own_fwd["phys"] - 0.1) < 1e-12
    every = frozenset(m.decisions())
    p = m.predict(every)                      # everything split: the kernels-split build's measurement
    assert abs(p.time_s - (1.8 + 2.1)) < 1e-9 and p.peak_bytes == 13040
    q = m.predict(every - {"kernels:phys"})   # kernels as they are: the first build's
    assert abs(q.time_s - (2.2 + 4.1)) < 1e-9 and q.peak_bytes == 10040
    plan = best_plan(m, 13040)
    assert "kernels:phys" in plan.split


def test_kernel_groups_follow_the_timed_routine_they_run_under():
    from fadj.tools.profile import kernel_groups
    S = SiteProfile
    sites = [S("a:1:step", "a", 1, "head", "step", count=10),
             S("a:2:adv", "a", 2, "step", "adv", count=10), S("a:3:dif", "a", 3, "step", "dif", count=10),
             S("b:1:flux", "b", 1, "adv", "flux", count=9000, fixed_joint=True),
             S("b:2:slope", "b", 2, "flux", "slope", count=9000, fixed_joint=True),
             S("b:3:lap", "b", 3, "dif", "lap", count=9000, fixed_joint=True),
             S("b:4:slope", "b", 4, "lap", "slope", count=9000, fixed_joint=True),
             S("b:5:misfit", "b", 5, "head", "misfit", count=9000, fixed_joint=True),
             S("b:6:tiny", "b", 6, "slope", "tiny", count=9000, fixed_joint=True)]
    g = kernel_groups(sites, "head", {"b:1:flux", "b:2:slope", "b:3:lap", "b:5:misfit"})
    assert g == {"adv": "adv", "flux": "adv", "dif": "dif", "head": "head"}
    # slope's own kernel call runs under adv (via flux) and dif (via lap) alike: one decision for both
    g = kernel_groups(sites, "head", {"b:1:flux", "b:2:slope", "b:3:lap", "b:4:slope", "b:5:misfit", "b:6:tiny"})
    assert g["adv"] == g["dif"] == g["slope"] == g["lap"] == "adv+dif" and g["head"] == "head"

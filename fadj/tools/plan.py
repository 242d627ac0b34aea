"""``fadj plan``: the fastest checkpointing choice that fits a memory budget.

Cost model (call-tree reversal, per routine ``f`` and per call site ``s`` of ``f``
executed ``r_s`` times per execution of ``f``), from ``fadj profile``'s measurements:

    F(f)  = own_fwd(f)  + sum_s r_s * [ split: F(g_s)     | joint: P_s ]        forward sweep
    B(f)  = own_bwd(f)  + sum_s r_s * [ split: B(g_s)     | joint: F(g_s) + B(g_s) ]
    T(f)  = own_tape(f) + sum_s r_s * [ split: T(g_s)     | joint: snap_s ]     stack it leaves
    M(f)  = T(f) + max over joint s of M(g_s)                                  peak while reversing f

``P_s`` is the plain primal call with its snapshot, ``snap_s`` the snapshot bytes; a
joint call re-runs its callee taped (``F(g) + B(g)``) in the backward sweep.  The
adjoint time is ``F(head) + B(head)`` and its peak stack ``M(head)``.  The own costs
are what the split build measured minus its call sites.  Cheap kernel calls (too many
to time) are decided per group (``kernels:advect``: the cheap CALL sites running under
``advect``): with the group split, ``advect``'s own costs are those measured with its
kernels split.

The best plan minimises ``F + B`` subject to ``M <= budget``.  With at most
``EXACT_LIMIT`` decisions (call sites and kernel groups) every combination is evaluated (exact under the
model; this is the NP-hard call-tree-reversal problem, small enough here).  Beyond,
a greedy heuristic starts from all-split and makes joint, one at a time, the site
that saves the most memory per second of extra time until the plan fits (no
optimality guarantee; the printed table shows how far it is from the two extremes).
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from fadj.errors import FadjError
from fadj.tools.profile import Profile, SiteProfile, fmt_bytes

EXACT_LIMIT = 18


@dataclass
class Prediction:
    time_s: float
    peak_bytes: float


class Model:
    def __init__(self, prof: Profile):
        self.prof = prof
        self.sites = prof.sites
        self.by_caller: dict[str, list[SiteProfile]] = {}
        for s in self.sites:
            self.by_caller.setdefault(s.caller, []).append(s)
        self.calls: dict[str, int] = {prof.head: 1}
        for s in self.sites:
            self.calls[s.callee] = self.calls.get(s.callee, 0) + s.count
        self.own_fwd, self.own_bwd, self.own_tape = self._own_costs(prof)
        # cheap kernel calls, decided group by group (profile.py): own costs with them split
        self.own_split_kernels = self._own_costs(prof.kernels_split) if prof.kernels_split else None
        self.groups: dict[str, list[SiteProfile]] = {}      # "kernels:advect" -> its cheap call sites
        for s in self.sites:
            if s.group and self.own_split_kernels is not None:
                self.groups.setdefault("kernels:" + s.group, []).append(s)
        self.group_of = {r: g for g in self.groups for r in g[len("kernels:"):].split("+")}

    def _own_costs(self, prof: Profile) -> tuple[dict, dict, dict]:
        """Each routine's own forward/backward time and tape per execution: what the split
        build measured minus its timed call sites."""
        ovh = prof.overhead_s
        by_caller: dict[str, list[SiteProfile]] = {}
        for s in prof.sites:
            by_caller.setdefault(s.caller, []).append(s)
        own_fwd: dict[str, float] = {}
        own_bwd: dict[str, float] = {}
        own_tape: dict[str, float] = {}
        for f in self.calls:
            if f == prof.head:
                fwd, bwd, tape = prof.head_split_fwd_s, prof.head_split_bwd_s, prof.head_split_tape
            else:
                into = [s for s in prof.sites if s.callee == f]
                if all(s.fixed_joint for s in into):
                    continue
                fwd = sum(s.split_fwd_s for s in into)
                bwd = sum(s.split_bwd_s for s in into)
                tape = sum(s.tape_bytes for s in into)
            for s in by_caller.get(f, []):
                if s.fixed_joint:
                    continue          # not timed: its cost is part of f's own
                fwd -= s.split_fwd_s + s.count * ovh
                bwd -= s.split_bwd_s + s.count * ovh
                tape -= s.tape_bytes
            n = max(self.calls[f], 1)
            own_fwd[f] = max(fwd, 0.0) / n
            own_bwd[f] = max(bwd, 0.0) / n
            own_tape[f] = max(tape, 0.0) / n
        return own_fwd, own_bwd, own_tape

    def free_sites(self) -> list[SiteProfile]:
        return [s for s in self.sites if not s.fixed_joint and s.count > 0]

    def free_groups(self) -> list[str]:
        """The kernel groups the plan may split (``kernels:<routine>``)."""
        return sorted(self.groups)

    def decisions(self) -> list[str]:
        """Everything a plan decides: timed call sites, then kernel groups."""
        return [s.key for s in self.free_sites()] + self.free_groups()

    def predict(self, split: set[str]) -> Prediction:
        """Adjoint time and peak stack when the sites whose keys are in ``split`` are split."""
        memo: dict[str, tuple[float, float, float, float]] = {}

        def costs(f: str) -> tuple[float, float, float, float]:
            if f in memo:
                return memo[f]
            memo[f] = (0.0, 0.0, 0.0, 0.0)           # recursion guard
            n = max(self.calls.get(f, 1), 1)
            own = self.own_split_kernels if self.group_of.get(f) in split else \
                (self.own_fwd, self.own_bwd, self.own_tape)
            F = own[0].get(f, 0.0)
            Bw = own[1].get(f, 0.0)
            T = own[2].get(f, 0.0)
            child_peak = 0.0
            for s in self.by_caller.get(f, []):
                r = s.count / n
                c = max(s.count, 1)
                if s.key in split and not s.fixed_joint:
                    gF, gB, gT, gM = costs(s.callee)
                    F += r * gF
                    Bw += r * gB
                    T += r * gT
                elif s.fixed_joint:
                    continue                  # not timed: included in f's own costs
                else:
                    F += r * s.joint_fwd_s / c
                    T += r * s.snapshot_bytes / c
                    if s.callee not in self.own_fwd:
                        Bw += r * s.joint_bwd_s / c
                        gM = 0.0
                    else:
                        gF, gB, gT, gM = costs(s.callee)
                        Bw += r * (gF + gB)
                    child_peak = max(child_peak, gM)
            memo[f] = (F, Bw, T, T + child_peak)
            return memo[f]

        F, Bw, T, M = costs(self.prof.head)
        return Prediction(F + Bw, M)


@dataclass
class Plan:
    split: frozenset
    prediction: Prediction
    exact: bool


def best_plan(model: Model, budget: float) -> Plan | None:
    keys = model.decisions()
    if len(keys) <= EXACT_LIMIT:
        best = None
        for bits in itertools.product((False, True), repeat=len(keys)):
            split = frozenset(k for k, b in zip(keys, bits) if b)
            p = model.predict(split)
            if p.peak_bytes <= budget and (best is None or p.time_s < best.prediction.time_s):
                best = Plan(split, p, True)
        return best
    split = set(keys)
    p = model.predict(split)
    while p.peak_bytes > budget and split:
        best_key, best_score, best_p = None, None, None
        fallback = None
        for k in sorted(split):
            q = model.predict(split - {k})
            saved = p.peak_bytes - q.peak_bytes
            cost = max(q.time_s - p.time_s, 1e-12)
            if saved > 0 and (best_score is None or saved / cost > best_score):
                best_key, best_score, best_p = k, saved / cost, q
            if fallback is None or q.peak_bytes < fallback[1].peak_bytes:
                fallback = (k, q)
        if best_key is None:
            # no single switch saves memory yet (the first joint call adds its re-run's peak):
            # take the least bad one; the next ones will save
            best_key, best_p = fallback
        split.discard(best_key)
        p = best_p
    return Plan(frozenset(split), p, False) if p.peak_bytes <= budget else None


_SIZE = re.compile(r"^\s*(\d*\.?\d+(?:e[+-]?\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.I)
_UNITS = {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4}


def parse_size(text: str) -> float:
    """``512M``, ``1.5G``, ``60MB``, ``2GiB``, ``1000000`` (bytes; K, M, G, T are powers of 1024)."""
    m = _SIZE.match(text)
    if m is None:
        raise FadjError(None, f"--memory-budget {text!r}: not a size (a number of bytes, with K, M, G or T: "
                              f"512M, 1.5G)")
    value = float(m.group(1)) * _UNITS[m.group(2).upper()]
    if value <= 0:
        raise FadjError(None, f"--memory-budget {text!r}: the budget must be more than 0 bytes")
    return value


def report(model: Model, plan: Plan | None, budget: float) -> str:
    default = model.predict(frozenset())
    nock = model.predict(frozenset(model.decisions()))
    lines = [f"memory budget {fmt_bytes(budget)}", "",
             f"{'strategy':26s} {'predicted adjoint s':>20s} {'predicted peak':>15s}",
             f"{'default (all joint)':26s} {default.time_s:20.4f} {fmt_bytes(default.peak_bytes):>15s}"
             + ("" if default.peak_bytes <= budget else "  over budget"),
             f"{'--nocheckpoint':26s} {nock.time_s:20.4f} {fmt_bytes(nock.peak_bytes):>15s}"
             + ("" if nock.peak_bytes <= budget else "  over budget")]
    if plan is None:
        lines.append("no plan fits the budget")
        return "\n".join(lines)
    lines.append(f"{'plan' + (' (exact)' if plan.exact else ' (greedy)'):26s} {plan.prediction.time_s:20.4f} "
                 f"{fmt_bytes(plan.prediction.peak_bytes):>15s}")
    lines += ["", f"{'call site':44s} mode"]
    for s in model.sites:
        g = f"kernels:{s.group}"
        if g in model.groups:
            mode = ("split" if g in plan.split else "as is") + f" (kernels under {s.group})"
        else:
            mode = "joint (fixed)" if s.fixed_joint else ("split" if s.key in plan.split else "joint")
        lines.append(f"{s.key[:44]:44s} {mode}")
    return "\n".join(lines)


def plot(model: Model, plan: Plan | None, budget: float, path: str) -> bool:
    """Predicted adjoint time against peak stack: every plan of the search, the two extremes,
    the budget and the chosen plan (matplotlib is an optional dependency)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    keys = model.decisions()
    pts = []
    if len(keys) <= 12:
        for bits in itertools.product((False, True), repeat=len(keys)):
            p = model.predict(frozenset(k for k, b in zip(keys, bits) if b))
            pts.append((p.peak_bytes / 2**20, p.time_s))
    fig, ax = plt.subplots(figsize=(6, 4))
    if pts:
        ax.scatter(*zip(*pts), s=8, color="0.7", label="other plans")
    d = model.predict(frozenset())
    n = model.predict(frozenset(keys))
    ax.scatter([d.peak_bytes / 2**20], [d.time_s], color="tab:blue", label="all checkpointed")
    ax.scatter([n.peak_bytes / 2**20], [n.time_s], color="tab:red", label="all split")
    if plan is not None:
        ax.scatter([plan.prediction.peak_bytes / 2**20], [plan.prediction.time_s], color="tab:green", marker="*",
                   s=120, label="plan")
    ax.axvline(budget / 2**20, color="k", linestyle="--", linewidth=0.8, label="budget")
    ax.set_xlabel("predicted peak stack (MB)")
    ax.set_ylabel("predicted adjoint time (s)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True

"""The binomial (Revolve) schedule of tests.binomial_model: optimality and contract."""
from __future__ import annotations

import functools
import math

import pytest

from tests import binomial_model as B
from tests.binomial_model import Kind

SMALL = [(n, s) for n in range(0, 61) for s in range(1, 11)]
GENEROUS = [(n, s) for n in range(0, 61, 3) for s in (n, n + 1, 2 * n + 5, 10**6) if s >= 1]
LARGE = [(n, s) for n in (500, 1000) for s in (1, 2, 3, 5, 10, 30, n)]
GRID = SMALL + GENEROUS + LARGE


def simulate(nsteps, nsnaps):
    """Play the schedule against a model of the caller; check the contract independently
    of tests.binomial_model.count.  Returns (step executions, peak snapshots, takeshots)."""
    stack = [0]                  # checkpoint 0 is pushed by the caller
    state = 0                    # position of the caller's current state; None: unusable
    adjoints = []
    executions = takeshots = 0
    peak = 1
    actions = list(B.schedule(nsteps, nsnaps))
    assert actions[-1].kind is Kind.DONE
    assert all(a.kind is not Kind.DONE for a in actions[:-1])
    for a in actions[:-1]:
        if a.kind is Kind.ADVANCE:
            assert state == a.from_ < a.to < nsteps and a.capo == a.to
            executions += a.to - a.from_
            state = a.to
            continue
        assert a.from_ == a.to == a.capo
        if a.kind is Kind.TAKESHOT:
            assert state == a.capo
            stack.append(state)
            takeshots += 1
            peak = max(peak, len(stack))
        elif a.kind is Kind.RESTORE:
            assert stack[-1] == a.capo
            state = a.capo
        elif a.kind in (Kind.FIRSTURN, Kind.YOUTURN):
            assert state == a.capo
            assert (a.kind is Kind.FIRSTURN) == (not adjoints)
            adjoints.append(a.capo)
            executions += 1
            state = None         # the taped step moved it on: restore before reuse
        elif a.kind is Kind.DISCARD:
            assert stack.pop() == a.capo
            state = None
    assert adjoints == list(range(nsteps - 1, -1, -1))
    assert stack == []
    assert peak <= nsnaps
    return executions, peak, takeshots


@pytest.mark.parametrize("nsteps,nsnaps", GRID)
def test_schedule_is_optimal_and_keeps_the_contract(nsteps, nsnaps):
    executions, peak, takeshots = simulate(nsteps, nsnaps)
    assert executions == B.optimal_forward_steps(nsteps, nsnaps)
    c = B.count(nsteps, nsnaps)
    assert c == B.Counts(executions, executions - nsteps, nsteps, peak, takeshots)
    assert c.max_snapshots <= min(nsnaps, max(nsteps - 1, 1))


def test_closed_form_limits():
    for n in range(1, 200):
        assert B.optimal_forward_steps(n, 1) == n * (n + 1) // 2      # restart from 0 each time
        for s in (n - 1, n, 5 * n):
            if s >= 1:
                assert B.optimal_forward_steps(n, s) == 2 * n - 1     # one plain sweep + tape
    assert B.optimal_forward_steps(0, 3) == 0
    # n = C(s+t, t) steps need exactly t advances per step except the binomial rests
    for s in range(1, 8):
        for t in range(1, 8):
            n = math.comb(s + t, t)
            assert B.repetition_number(n, s) == t
            assert B.repetition_number(n + 1, s) == t + 1
            assert B.optimal_advances(n, s) == t * n - math.comb(s + t, t - 1)


@functools.lru_cache(maxsize=None)
def _dp(l, s):
    """(min advances, min takeshots among time-optimal) by brute force over the first split."""
    if l <= 1:
        return (0, 0)
    best = None
    for j in range(1, l):
        if j < l - 1 and s < 2:
            continue
        right = _dp(l - j, s - 1) if j < l - 1 else (0, 0)
        left = _dp(j, s)
        cand = (j + left[0] + right[0], left[1] + right[1] + (j < l - 1))
        best = cand if best is None or cand < best else best
    return best


def test_against_exhaustive_dynamic_programming():
    """Time-optimal, and among those the fewest snapshots written."""
    for l in range(0, 45):
        for s in range(1, 9):
            advances, takeshots = _dp(l, s)
            assert B.optimal_advances(l, s) == advances, (l, s)
            c = B.count(l, s)
            assert (c.advances, c.takeshots) == (advances, takeshots), (l, s)


def test_advance_length_stays_in_the_optimal_interval():
    for l in range(2, 400):
        for s in range(1, 12):
            t = B.repetition_number(l, s)
            lo = max(B.beta(s, t - 2), l - B.beta(s - 1, t), 1)
            hi = min(B.beta(s, t - 1), l - B.beta(s - 1, t - 1))
            j = B.advance_length(l, s)
            assert lo <= j <= hi, (l, s, j, lo, hi)


def test_worked_example():
    got = [(a.kind.name, a.capo, a.from_, a.to) for a in B.schedule(5, 2)]
    assert got == [
        ("ADVANCE", 2, 0, 2), ("TAKESHOT", 2, 2, 2), ("ADVANCE", 4, 2, 4),
        ("FIRSTURN", 4, 4, 4), ("RESTORE", 2, 2, 2), ("ADVANCE", 3, 2, 3),
        ("YOUTURN", 3, 3, 3), ("RESTORE", 2, 2, 2), ("YOUTURN", 2, 2, 2),
        ("DISCARD", 2, 2, 2), ("RESTORE", 0, 0, 0), ("ADVANCE", 1, 0, 1),
        ("YOUTURN", 1, 1, 1), ("RESTORE", 0, 0, 0), ("YOUTURN", 0, 0, 0),
        ("DISCARD", 0, 0, 0), ("DONE", 0, 0, 0),
    ]
    assert B.optimal_forward_steps(5, 2) == 11


def test_edge_cases():
    assert [a.kind for a in B.schedule(0, 1)] == [Kind.DISCARD, Kind.DONE]
    assert [a.kind for a in B.schedule(1, 1)] == [Kind.FIRSTURN, Kind.DISCARD, Kind.DONE]
    rv = B.Revolver(2, 1)
    kinds = [rv.next().kind for _ in range(8)]
    assert kinds == [Kind.ADVANCE, Kind.FIRSTURN, Kind.RESTORE, Kind.YOUTURN,
                     Kind.DISCARD, Kind.DONE, Kind.DONE, Kind.DONE]   # DONE repeats
    for bad in [(-1, 2), (3, 0)]:
        with pytest.raises(ValueError):
            B.Revolver(*bad)
        with pytest.raises(ValueError):
            B.optimal_forward_steps(*bad)
    # huge snapshot budgets cost nothing
    assert B.count(10, 2**31 - 1).max_snapshots == 9


def test_huge_schedule_counts_stay_exact():
    n, s = 2**31 - 1, 20
    t = B.repetition_number(n, s)
    assert B.optimal_forward_steps(n, s) == n + t * n - math.comb(s + t, t - 1)
    assert B.optimal_forward_steps(n, s) > 2**32


# --- cross-check with the checkpoint_schedules package (Maddison et al.) ------------
#
# checkpoint_schedules.MultistageCheckpointSchedule(max_n, snapshots_in_ram, 0) is the
# binomial schedule of Griewank & Walther 2000.  Its conventions versus fadj's:
#  * snapshots: its first action is Forward(0, n1, write_ics=True, ...), i.e. it stores
#    the initial state as a checkpoint counted in snapshots_in_ram -- like fadj's
#    checkpoint 0, which counts in nsnaps.  It clamps the budget to max_n - 1 (state
#    max_n - 1 is never stored: fadj likewise never snapshots state nsteps - 1), so
#    nsnaps maps to snapshots_in_ram unchanged.
#  * steps: Forward(n0, n1, ...) runs steps n0..n1-1; the one with write_adj_deps=True
#    is the taped step of a turn (always a single step), so the sum of n1 - n0 over
#    all Forward actions counts every execution of the step, exactly like
#    fadj's optimal_forward_steps (ADVANCE steps + one taped execution per turn).
#  * checkpoint_schedules.optimal_steps_binomial(n, s) = n + optimal_extra_steps(n, s)
#    is the same total computed by the dynamic programme of GW2000 eq. (2); its
#    "extra steps" are fadj's optimal_advances (the n taped steps are the "n").
#    It needs n >= 1 and recurses n deep, hence only the small grid.

def _cs_forward_steps(cs, n, s):
    sched = cs.MultistageCheckpointSchedule(n, s, 0)
    total = 0
    for action in sched:
        if isinstance(action, cs.Forward):
            total += action.n1 - action.n0
        if isinstance(action, cs.EndReverse):
            break
    return total


@pytest.mark.parametrize("nsteps,nsnaps",
                         [(n, s) for n, s in GRID if n >= 1 and (n <= 60 or s <= 10)])
def test_matches_checkpoint_schedules(nsteps, nsnaps):
    cs = pytest.importorskip("checkpoint_schedules")
    ours = B.optimal_forward_steps(nsteps, nsnaps)
    assert _cs_forward_steps(cs, nsteps, min(nsnaps, 10**4)) == ours
    if nsteps <= 60:
        assert cs.optimal_steps_binomial(nsteps, min(nsnaps, nsteps - 1)) == ours

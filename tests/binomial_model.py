"""Reference model of binomial (Revolve) checkpointing of a loop of ``nsteps`` steps with ``nsnaps`` snapshots.

It lives with the tests: the schedule that runs is the Fortran runtime's (``fadj_revolve``),
and this model is what the tests hold it to (test_revolve_runtime compares the two action by
action; test_binomial checks the model's optimality and contract).

This is fadj's own implementation of the schedule of Griewank and Walther
(Algorithm 799 "Revolve", ACM TOMS 26(1), 2000, and Griewank, "Achieving
logarithmic growth of temporal and spatial complexity in reverse automatic
differentiation", 1992).  The Fortran runtime module ``fadj_revolve``
(``templates/runtime/fadj_revolve.f90.j2``) implements the *same* state machine
step for step; :class:`Revolver` is its Python twin and the tests check that
both emit identical action sequences.

Conventions (shared with the Fortran runtime)
---------------------------------------------
* Steps are numbered ``0 .. nsteps-1``; step ``k`` maps state ``k`` to state
  ``k+1``.  The adjoint must run the adjoint steps ``nsteps-1, ..., 0``.
* Before the first action the caller holds state 0 and has already pushed it:
  this is *checkpoint 0*.  It counts as one of the ``nsnaps`` snapshots, so
  ``nsnaps = 1`` means "only the initial state" (quadratic recomputation).
* Actions (codes as in Fortran):

  ===========  ====  ==============================================================
  ADVANCE        1   run the plain step for ``k = from_ .. to-1`` (capo becomes ``to``)
  TAKESHOT       2   push the current state (state ``capo``) on the stack
  RESTORE        3   read state ``capo`` from the top snapshot, leaving it there
  FIRSTURN       4   run step ``capo`` (= nsteps-1) taped and its adjoint at once
  YOUTURN        5   same, for a later step
  DISCARD        6   pop the top snapshot (state ``capo``); it is no longer needed
  DONE           7   finished (capo = 0)
  ===========  ====  ==============================================================

  For every action other than ADVANCE, ``from_ == to == capo``.
* Every push (checkpoint 0 included) is matched by exactly one DISCARD, the
  last one being checkpoint 0 just before DONE, so a caller that pops into its
  state variables ends with state 0 in them.
* At most ``nsnaps`` snapshots are held at any time; a snapshot of state
  ``nsteps-1`` is never taken (that state is taped at once).

Cost model and the binomial optimum
-----------------------------------
Let ``beta(s, t) = C(s + t, s)``.  With ``s`` snapshots (the initial state
included) and each step *advanced* (run untaped) at most ``t`` times, at most
``beta(s, t)`` steps can be reversed (Griewank 1992).  For ``l`` steps let the
*repetition number* ``t`` be the least integer with ``beta(s, t) >= l``.  The
minimal number of untaped (ADVANCE) step executions is then

    F(l, s) = t*l - beta(s + 1, t - 1)            (F(0, s) = 0)

(Griewank & Walther 2000, Proposition 1), and each step is also executed once
taped at its turn, so the minimal total number of executions of the loop body
is ``l + F(l, s)``: :func:`optimal_forward_steps`.  Examples: ``s = 1`` gives
``F = l(l-1)/2``; ``s >= l - 1`` gives ``t = 1`` and ``F = l - 1`` (one plain
forward sweep up to state ``l-1``).

F satisfies the dynamic-programming recursion of the schedule below,

    F(1, s) = 0,   F(l, 1) = l(l-1)/2,
    F(l, s) = min_{1 <= j < l}  j + F(j, s) + F(l - j, s - 1)

(advance ``j`` steps and take a snapshot there; reverse the last ``l - j``
steps with the ``s - 1`` remaining snapshots; then the first ``j`` steps with
all ``s`` again; for ``j = l - 1`` no snapshot is taken, harmless since
``F(1, .) = 0``).  ``F(., s)`` is convex with increments
``F(l, s) - F(l-1, s) = t(l, s)``, so the cost of ``j`` is minimal exactly when
the first part needs one repetition less than the second, which gives the
interval of optimal splits (for ``l`` with repetition number ``t >= 1``)

    max(beta(s, t-2), l - beta(s-1, t))  <=  j  <=  min(beta(s, t-1), l - beta(s-1, t-1))

(with ``beta(s, -1) = 0``).  Any of them gives the optimal time; they differ
in how many snapshots are written.  The schedule takes

    j = clamp(l - beta(s-1, t-1) - beta(s-2, t-1),  beta(s, t-2),  beta(s, t-1))

(the choice of Griewank & Walther 2000, p. 34): the right part is made as close
as the optimal interval allows to ``beta(s-1, t-1) + beta(s-2, t-1)`` steps.
The clamp keeps ``j`` inside the optimal interval (using
``beta(s, t) = beta(s, t-1) + beta(s-1, t)``).  Exhaustive dynamic programming
shows that this choice also writes the fewest snapshots (TAKESHOTs) among
time-optimal schedules (checked for ``l < 300, s < 12``; the tests recheck a
smaller grid).  Edge cases:
``s = 1`` gives ``j = l - 1`` (no snapshot: advance to the last step, turn,
restore state 0, repeat); ``t = 1`` (``l <= s + 1``) gives ``j = 1`` (a snapshot
after every step).  :func:`advance_length` computes ``j``.
"""
from __future__ import annotations

import enum
import math
from collections.abc import Iterator
from typing import NamedTuple

__all__ = [
    "Kind", "Action", "Counts", "Revolver",
    "beta", "repetition_number", "optimal_advances", "optimal_forward_steps",
    "advance_length", "schedule", "count",
]


class Kind(enum.IntEnum):
    """Action codes; the values are those of the Fortran ``fadj_rv_*`` parameters."""
    ADVANCE = 1
    TAKESHOT = 2
    RESTORE = 3
    FIRSTURN = 4
    YOUTURN = 5
    DISCARD = 6
    DONE = 7


class Action(NamedTuple):
    """One action; ``from_``/``to`` are the step range of an ADVANCE (else both = capo)."""
    kind: Kind
    capo: int
    from_: int
    to: int


class Counts(NamedTuple):
    """Statistics of a whole schedule (see :func:`count`)."""
    forward_steps: int   # every execution of the loop body: ADVANCE steps + turns
    advances: int        # steps run untaped by ADVANCE
    turns: int           # taped steps (one per step)
    max_snapshots: int   # most snapshots held at once, checkpoint 0 included
    takeshots: int       # TAKESHOT actions (checkpoint 0 excluded: the caller pushes it)


def beta(s: int, t: int) -> int:
    """``beta(s, t) = C(s+t, s)``: most steps reversible with ``s`` snapshots and ``t``
    advances per step; ``0`` for ``t < 0``."""
    if t < 0 or s < 0:
        return 0
    return math.comb(s + t, s)


def _check(nsteps: int, nsnaps: int) -> None:
    if nsteps < 0:
        raise ValueError(f"binomial checkpointing: nsteps must be >= 0, got {nsteps}")
    if nsnaps < 1:
        raise ValueError(f"binomial checkpointing: nsnaps must be >= 1, got {nsnaps}")


def repetition_number(nsteps: int, nsnaps: int) -> int:
    """Least ``t >= 0`` with ``beta(nsnaps, t) >= nsteps``: the most times any step is
    advanced in an optimal schedule."""
    _check(nsteps, nsnaps)
    t, b = 0, 1                          # b = beta(s, t)
    while b < nsteps:
        t += 1
        b = b * (nsnaps + t) // t        # C(s+t, t) = C(s+t-1, t-1) (s+t)/t, exact
    return t


def optimal_advances(nsteps: int, nsnaps: int) -> int:
    """Minimal number of untaped step executions ``F(l, s) = t*l - beta(s+1, t-1)``."""
    if nsteps == 0:
        _check(nsteps, nsnaps)
        return 0
    t = repetition_number(nsteps, nsnaps)
    return t * nsteps - beta(nsnaps + 1, t - 1)


def optimal_forward_steps(nsteps: int, nsnaps: int) -> int:
    """Minimal total number of executions of the loop body to reverse ``nsteps`` steps
    with ``nsnaps`` snapshots (checkpoint 0 included): ``nsteps + F(nsteps, nsnaps)``,
    i.e. the steps re-run by ADVANCE plus the one taped execution of each step.

    ``nsteps + t*nsteps - C(nsnaps + t, t - 1)`` with ``t`` = :func:`repetition_number`.
    """
    return nsteps + optimal_advances(nsteps, nsnaps)


def advance_length(l: int, s: int) -> int:
    """Steps to advance from a snapshot with ``l >= 2`` steps left to reverse and ``s``
    snapshots available (the one at the current position included).

    ``j = clamp(l - beta(s-1, t-1) - beta(s-2, t-1), beta(s, t-2), beta(s, t-1))``
    (see the module docstring), computed with the same integer recurrences as the
    Fortran runtime, whose 64-bit intermediates cannot overflow for 32-bit ``l``.
    """
    if l < 2 or s < 1:
        raise ValueError(f"advance_length: need l >= 2 and s >= 1, got l={l}, s={s}")
    if s == 1:
        return l - 1
    # t >= 1 since beta(s, 0) = 1 < l.  b0 = beta(s, t-2), b1 = beta(s, t-1), b2 = beta(s, t)
    t, b0, b1, b2 = 1, 0, 1, s + 1
    while b2 < l:
        t += 1
        b0, b1 = b1, b2
        b2 = b2 * (s + t) // t
    if t == 1:
        return 1
    c1 = b0 * s // (t - 1)               # beta(s-1, t-1) = beta(s, t-2) s/(t-1)
    c2 = c1 * (s - 1) // (s + t - 2)     # beta(s-2, t-1) = beta(s-1, t-1) (s-1)/(s+t-2)
    return min(b1, max(b0, l - c1 - c2))


class Revolver:
    """The schedule as a state machine; mirrors ``type(fadj_revolver)`` field by field.

    ``next()`` returns the next :class:`Action` and updates ``capo``, ``from_``, ``to``.
    """

    def __init__(self, nsteps: int, nsnaps: int):
        _check(nsteps, nsnaps)
        self.nsteps = nsteps
        self.nsnaps = nsnaps
        self.capo = 0
        self.from_ = 0
        self.to = 0
        self.fine = nsteps           # adjoint is at state `fine`: steps >= fine are reversed
        self.nheld = 1               # snapshots held (checkpoint 0 is pushed by the caller)
        self.snaps = [0]             # their positions, bottom to top
        self.stale = nsteps == 0     # current state unusable (after a turn): restore first
        self.first = True            # next turn is the FIRSTURN
        self.finished = False
        self.advances = 0
        self.turns = 0
        self.takeshots = 0
        self.max_held = 1

    def _act(self, kind: Kind) -> Action:
        if kind is not Kind.ADVANCE:
            self.from_ = self.to = self.capo
        return Action(kind, self.capo, self.from_, self.to)

    def next(self) -> Action:
        if self.finished:
            return self._act(Kind.DONE)
        if self.stale:
            top = self.snaps[-1] if self.nheld > 0 else -1
            if self.nheld > 0 and top >= self.fine:
                # the top snapshot is the state of the step just reversed: drop it
                self.snaps.pop()
                self.nheld -= 1
                self.capo = top
                return self._act(Kind.DISCARD)
            if self.fine == 0:
                self.finished = True
                self.capo = 0
                return self._act(Kind.DONE)
            self.capo = top
            self.stale = False
            return self._act(Kind.RESTORE)
        if self.capo == self.fine - 1:
            kind = Kind.FIRSTURN if self.first else Kind.YOUTURN
            self.first = False
            self.turns += 1
            self.fine -= 1
            self.stale = True
            return self._act(kind)
        if self.capo > self.snaps[-1]:
            # just advanced to a state that is not the last one: keep it
            self.snaps.append(self.capo)
            self.nheld += 1
            self.takeshots += 1
            self.max_held = max(self.max_held, self.nheld)
            return self._act(Kind.TAKESHOT)
        # at the top snapshot with fine - capo >= 2 steps to go
        j = advance_length(self.fine - self.capo, self.nsnaps - self.nheld + 1)
        self.from_ = self.capo
        self.to = self.capo + j
        self.capo = self.to
        self.advances += j
        return self._act(Kind.ADVANCE)


def schedule(nsteps: int, nsnaps: int) -> Iterator[Action]:
    """Yield the actions of the binomial schedule, ending with DONE (exactly the
    sequence the Fortran ``fadj_rv_next`` returns)."""
    rv = Revolver(nsteps, nsnaps)
    while True:
        a = rv.next()
        yield a
        if a.kind is Kind.DONE:
            return


def count(nsteps: int, nsnaps: int) -> Counts:
    """Run the schedule, simulating the snapshot stack, and return its :class:`Counts`.

    Also checks the contract (raises ``AssertionError`` if broken): actions only
    use states that are held, adjoint steps come once each in decreasing order,
    every snapshot is discarded.
    """
    stack = [0]                  # positions of pushed snapshots (checkpoint 0 pushed by caller)
    state: int | None = 0        # position of the caller's current state, None if unusable
    adjoint = nsteps             # next adjoint step is adjoint - 1
    advances = turns = takeshots = 0
    peak = 1
    for a in schedule(nsteps, nsnaps):
        k = a.kind
        if k is Kind.ADVANCE:
            assert state == a.from_ < a.to <= nsteps - 1, a
            advances += a.to - a.from_
            state = a.to
        elif k is Kind.TAKESHOT:
            assert state == a.capo, a
            stack.append(state)
            peak = max(peak, len(stack))
        elif k is Kind.RESTORE:
            assert stack and stack[-1] == a.capo, a
            state = a.capo
        elif k in (Kind.FIRSTURN, Kind.YOUTURN):
            assert state == a.capo == adjoint - 1, a
            assert (k is Kind.FIRSTURN) == (adjoint == nsteps), a
            turns += 1
            adjoint -= 1
            state = None
        elif k is Kind.DISCARD:
            assert stack and stack[-1] == a.capo, a
            stack.pop()
            state = None
        else:
            assert k is Kind.DONE and adjoint == 0 and not stack, a
        if k is Kind.TAKESHOT:
            takeshots += 1
    return Counts(advances + turns, advances, turns, peak, takeshots)

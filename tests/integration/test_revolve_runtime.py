"""The Fortran runtime module fadj_revolve against its Python twin tests.binomial_model.

A Fortran driver reverses the loop x_{k+1} = sin(x_k) + 0.1 cos(k) x_k + 0.05 with the
revolver, using a small LIFO of its own (values tagged with the state position, or
-1 for tape) in place of fadj_stack, and checks every action against the caller's
contract as it goes.  The test compares the action trace with the Python schedule,
the adjoint dx_n/dx_0 with a plainly taped reversal, and the snapshot bound.
Nested binomial loops (each outer step is an inner binomial loop) share the LIFO.
"""
from __future__ import annotations

import shutil
import subprocess

import pytest

from tests import binomial_model as B
from fadj.backend.render import render

pytestmark = pytest.mark.skipif(shutil.which("gfortran") is None, reason="gfortran not found")

DRIVER = r"""
module lifo
  implicit none
  real(8), allocatable :: val(:)
  integer, allocatable :: tag(:)
  integer :: top = 0, nerr = 0
contains
  subroutine err(msg, i1, i2)
    character(*), intent(in) :: msg
    integer, intent(in) :: i1, i2
    nerr = nerr + 1
    print '(a,a,2(1x,i0))', 'E ', msg, i1, i2
  end subroutine
  subroutine lpush(v, t)
    real(8), intent(in) :: v
    integer, intent(in) :: t
    real(8), allocatable :: v2(:)
    integer, allocatable :: t2(:)
    if (.not. allocated(val)) allocate (val(4), tag(4))
    if (top == size(val)) then
      allocate (v2(2*top), t2(2*top))
      v2(1:top) = val
      t2(1:top) = tag
      call move_alloc(v2, val)
      call move_alloc(t2, tag)
    end if
    top = top + 1
    val(top) = v
    tag(top) = t
  end subroutine
  subroutine lpop(v, t)
    real(8), intent(out) :: v
    integer, intent(in) :: t
    if (top < 1) then
      call err('pop from empty stack', t, 0)
      v = 0
      return
    end if
    if (tag(top) /= t) call err('pop: wrong tag', tag(top), t)
    v = val(top)
    top = top - 1
  end subroutine
  subroutine llook(v, t)
    real(8), intent(out) :: v
    integer, intent(in) :: t
    if (top < 1) then
      call err('look at empty stack', t, 0)
      v = 0
      return
    end if
    if (tag(top) /= t) call err('look: wrong tag', tag(top), t)
    v = val(top)
  end subroutine
end module lifo

module loop
  use fadj_revolve
  use lifo
  implicit none
  integer(8) :: executions = 0
contains
  real(8) function f(k, x)
    integer, intent(in) :: k
    real(8), intent(in) :: x
    f = sin(x) + 0.1d0*cos(real(k, 8))*x + 0.05d0
    executions = executions + 1
  end function
  real(8) function fb(k, x, yb)        ! adjoint of y = f(k, x): xb = f'(x) yb
    integer, intent(in) :: k
    real(8), intent(in) :: x, yb
    fb = (cos(x) + 0.1d0*cos(real(k, 8)))*yb
  end function

  ! Reverse n steps of `unit` base steps each, starting at base step `first`, with s
  ! snapshots.  In: x = state `first`, xb = adjoint of the final state.  Out: x = state
  ! `first` (popped from checkpoint 0), xb = adjoint of state `first`.  unit > 1: each
  ! turn is itself a binomial reversal of `unit` base steps with si snapshots.
  recursive subroutine reverse(first, unit, n, s, si, x, xb, trace, rvmax, rvtake)
    integer, intent(in) :: first, unit, n, s, si
    real(8), intent(inout) :: x, xb
    logical, intent(in) :: trace
    integer, intent(out) :: rvmax
    integer(8), intent(out) :: rvtake
    type(fadj_revolver) :: rv
    integer :: a, k, i, cur, adj, held, peak, top0, imax
    integer(8) :: itake
    real(8) :: xt

    top0 = top
    call lpush(x, first)                      ! checkpoint 0
    held = 1
    peak = 1
    cur = 0
    adj = n
    call fadj_rv_init(rv, n, s)
    do
      a = fadj_rv_next(rv)
      if (trace) print '(a,4(1x,i0))', 'A', a, rv%capo, rv%from, rv%to
      select case (a)
      case (fadj_rv_advance)
        if (rv%from /= cur .or. rv%to <= rv%from .or. rv%to > n - 1 .or. rv%capo /= rv%to) &
          call err('advance from wrong state', rv%from, cur)
        do k = rv%from, rv%to - 1
          do i = 0, unit - 1
            x = f(first + k*unit + i, x)
          end do
        end do
        cur = rv%to
      case (fadj_rv_takeshot)
        if (cur /= rv%capo) call err('takeshot of wrong state', rv%capo, cur)
        call lpush(x, first + rv%capo*unit)
        held = held + 1
        peak = max(peak, held)
      case (fadj_rv_restore)
        call llook(x, first + rv%capo*unit)
        cur = rv%capo
      case (fadj_rv_firsturn, fadj_rv_youturn)
        if (cur /= rv%capo .or. rv%capo /= adj - 1) call err('turn at wrong step', rv%capo, adj)
        if ((a == fadj_rv_firsturn) .neqv. (adj == n)) call err('firsturn misplaced', rv%capo, adj)
        k = rv%capo
        if (unit == 1) then
          call lpush(x, -1)                   ! the tape of the taped step
          x = f(first + k, x)
          call lpop(xt, -1)
          xb = fb(first + k, xt, xb)
        else
          call reverse(first + k*unit, 1, unit, si, 0, x, xb, .false., imax, itake)
        end if
        adj = adj - 1
        cur = -1
      case (fadj_rv_discard)
        call lpop(x, first + rv%capo*unit)
        held = held - 1
        cur = -1
      case (fadj_rv_done)
        exit
      case default
        call err('unknown action', a, 0)
        exit
      end select
    end do
    if (adj /= 0) call err('adjoint steps left', adj, 0)
    if (top /= top0 .or. held /= 0) call err('stack not balanced', top - top0, held)
    if (peak > s .or. peak /= rv%max_held) call err('snapshot bound', peak, rv%max_held)
    if (rv%turns /= n) call err('turns', int(rv%turns), n)
    if (fadj_rv_next(rv) /= fadj_rv_done) call err('done does not repeat', 0, 0)
    rvmax = peak
    rvtake = rv%takeshots
  end subroutine reverse
end module loop

program t_revolve
  use loop
  implicit none
  integer :: n, s, ni, si, ios, k, nbase, peak
  integer(8) :: take
  real(8) :: x0, x, xb, xbref
  real(8), allocatable :: xs(:)

  do
    read (*, *, iostat=ios) n, s, ni, si
    if (ios /= 0) exit
    nbase = n*max(ni, 1)
    ! straightforward taped reversal
    allocate (xs(0:nbase))
    x0 = 0.3d0 + 0.001d0*n
    xs(0) = x0
    do k = 0, nbase - 1
      xs(k + 1) = f(k, xs(k))
    end do
    xbref = 1
    do k = nbase - 1, 0, -1
      xbref = fb(k, xs(k), xbref)
    end do
    ! binomial reversal
    executions = 0
    x = x0
    xb = 1
    if (ni == 0) then
      call reverse(0, 1, n, s, 0, x, xb, .true., peak, take)
    else
      call reverse(0, ni, n, s, si, x, xb, .false., peak, take)
    end if
    if (x /= x0) call err('state 0 not restored by the last discard', n, s)
    print '(a,4(1x,i0),1x,i0,1x,i0,1x,i0,1x,i0,2(1x,es24.16e3))', 'R', n, s, ni, si, &
      executions, fadj_rv_optimal_steps(n, s), take, peak, xb, xbref
    deallocate (xs)
  end do
  print '(a,1x,i0)', 'END', nerr
end program t_revolve
"""

FLAT = ([(n, s) for n in range(0, 41) for s in range(1, 9)]
        + [(n, s) for n in (0, 1, 2, 7, 20, 40) for s in (max(n, 1), n + 1, 1000)]
        + [(500, 3), (1000, 5), (1000, 10), (300, 1)])
NESTED = [(7, 3, 5, 2), (1, 1, 4, 1), (10, 10, 10, 1), (6, 2, 9, 3), (0, 2, 3, 2), (4, 1, 1, 1)]


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    d = tmp_path_factory.mktemp("revolve")
    (d / "fadj_revolve.f90").write_text(render("runtime/fadj_revolve.f90.j2"))
    (d / "t_revolve.f90").write_text(DRIVER)
    exe = d / "t_revolve"
    subprocess.run(["gfortran", "-O1", "-g", "-fcheck=all", "-Wall", "-Werror=line-truncation",
                    "-std=f2018", "fadj_revolve.f90", "t_revolve.f90", "-o", str(exe)],
                   cwd=d, check=True, capture_output=True, text=True)
    return exe


def run(exe, cases):
    inp = "".join(" ".join(map(str, c)) + "\n" for c in cases)
    out = subprocess.run([str(exe)], input=inp, capture_output=True, text=True,
                         check=True, timeout=60).stdout
    lines = out.splitlines()
    errors = [ln for ln in lines if ln.startswith("E ")]
    assert not errors, errors[:10]
    assert lines[-1] == "END 0"
    results, traces, trace = [], [], []
    for ln in lines[:-1]:
        w = ln.split()
        if w[0] == "A":
            trace.append(tuple(int(v) for v in w[1:]))
        elif w[0] == "R":
            results.append(tuple(int(v) for v in w[1:9]) + (float(w[9]), float(w[10])))
            traces.append(trace)
            trace = []
    assert len(results) == len(cases)
    return results, traces


def test_module_renders_without_jinja_leftovers():
    text = render("runtime/fadj_revolve.f90.j2")
    assert "module fadj_revolve" in text and "{{" not in text and "{%" not in text


def test_fortran_schedule_equals_python(driver):
    results, traces = run(driver, [(n, s, 0, 0) for n, s in FLAT])
    for (n, s), res, trace in zip(FLAT, results, traces):
        expected = [(int(a.kind), a.capo, a.from_, a.to) for a in B.schedule(n, s)]
        assert trace == expected, (n, s)
        _, _, _, _, executions, optimal, takeshots, peak, xb, xbref = res
        c = B.count(n, s)
        assert executions == optimal == B.optimal_forward_steps(n, s) == c.forward_steps, (n, s)
        assert (takeshots, peak) == (c.takeshots, c.max_snapshots), (n, s)
        assert peak <= s
        assert xb == pytest.approx(xbref, rel=1e-13, abs=1e-300), (n, s)


def test_nested_binomial_loops(driver):
    results, _ = run(driver, NESTED)
    for (n, s, ni, si), res in zip(NESTED, results):
        executions, optimal, takeshots, peak, xb, xbref = res[4:]
        # every outer execution runs ni base steps; every outer turn is an inner reversal
        outer = B.count(n, s)
        inner = B.optimal_forward_steps(ni, si)
        assert executions == outer.advances * ni + outer.turns * inner, (n, s, ni, si)
        assert optimal == B.optimal_forward_steps(n, s)
        assert peak <= s
        assert xb == pytest.approx(xbref, rel=1e-13, abs=1e-300), (n, s, ni, si)


def test_optimal_steps_function_for_large_counts(tmp_path):
    """fadj_rv_optimal_steps stays exact beyond 2**31 total steps."""
    (tmp_path / "fadj_revolve.f90").write_text(render("runtime/fadj_revolve.f90.j2"))
    (tmp_path / "t.f90").write_text(
        "program t\n  use fadj_revolve\n  implicit none\n"
        "  print '(i0)', fadj_rv_optimal_steps(2147483647, 20)\n"
        "  print '(i0)', fadj_rv_optimal_steps(100000, 1)\n"
        "  print '(i0)', fadj_rv_optimal_steps(7, 2147483647)\n"
        "end program t\n")
    subprocess.run(["gfortran", "fadj_revolve.f90", "t.f90", "-o", "t"], cwd=tmp_path,
                   check=True, capture_output=True)
    out = subprocess.run([str(tmp_path / "t")], capture_output=True, text=True, check=True).stdout
    assert [int(v) for v in out.split()] == [B.optimal_forward_steps(2**31 - 1, 20),
                                             B.optimal_forward_steps(100000, 1),
                                             B.optimal_forward_steps(7, 2**31 - 1)]

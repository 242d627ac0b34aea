"""Allocatables in motion: arrays saved or restored while unallocated, allocated by a
checkpointed call, deallocated in a split half, and fadj's own temporaries for array-valued
function results.  Whole allocatable arrays are saved with their allocation status and bounds
(``fadj_apush``/``fadj_apop``/``fadj_alook``) and restored exactly: unallocated stays
unallocated.  Each program goes through ``fadj check`` (tangent and reverse against central
differences, dot-product test), joint and split.
"""
from __future__ import annotations

import pytest

from fadj.ad.plan import CheckpointOptions
from fadj.tools.check import CheckOptions, run_check

# x = x - dt*tend(x) in a loop: the explicit-shape result dx(size(x)) goes through fadj's temporary
FUNCTION_RESULT_IN_LOOP = """\
module ops
contains
  pure function tend(x) result(dx)
    double precision, intent(in) :: x(:)
    double precision :: dx(size(x))
    integer :: m
    m = size(x)
    dx(1) = x(2) - x(m)
    dx(m) = x(1) - x(m-1)
    dx(2:m-1) = x(3:m) - x(1:m-2)
    dx = dx*x
  end function
end module
subroutine cost(x, n, f)
  use ops
  integer n, it
  double precision x(n), f, u(n)
  u = x
  do it = 1, 3
    u = u - 0.1d0*tend(u)
  end do
  f = sum(u**2)
end subroutine
"""

# a WHERE mask (fadj's allocatable temporary) saved on every trip of a time loop, unallocated on the first
WHERE_IN_TIME_LOOP = """\
subroutine cost(x, n, f)
  integer n, it
  double precision x(n), f, u(n), v(n)
  u = x
  do it = 1, 4
    v = u
    where (v > 1.0d0)
      u = u - 0.1d0*v**2
    elsewhere
      u = u + 0.05d0*sin(v)
    end where
  end do
  f = sum(u**2)
end subroutine
"""

# a module array allocated by a set-up call inside the head (checkpointed: recomputed from unallocated)
# and deallocated by the last call (split: its _fwd half frees it)
ALLOCATED_BY_A_CALL = """\
module grid
  implicit none
  double precision, allocatable :: g(:), w(:)
contains
  subroutine setup(x, n)
    integer n
    double precision x(n)
    allocate(g(n))
    g = x*2
  end subroutine
  subroutine step(n)
    integer n, i
    do i = 2, n
      g(i) = g(i) + 0.3d0*sin(g(i-1))
    end do
  end subroutine
  subroutine finish(n, f)
    integer n
    double precision f
    f = sum(g**2)
    deallocate(g)
  end subroutine
end module
subroutine cost(x, n, f)
  use grid
  integer n, it
  double precision x(n), f
  call setup(x, n)
  do it = 1, 3
    call step(n)
  end do
  call finish(n, f)
end subroutine
"""

# an allocatable function result (the callee allocates it)
ALLOCATABLE_RESULT = """\
module ops4
contains
  function tend(x) result(dx)
    double precision, intent(in) :: x(:)
    double precision, allocatable :: dx(:)
    integer :: m
    m = size(x)
    allocate(dx(m))
    dx(1) = x(2) - x(m)
    dx(m) = x(1) - x(m-1)
    dx(2:m-1) = x(3:m) - x(1:m-2)
    dx = dx*x
  end function
end module
subroutine cost(x, n, f)
  use ops4
  integer n, it
  double precision x(n), f
  double precision, allocatable :: u(:)
  allocate(u(n))
  u = x
  do it = 1, 3
    u = u - 0.1d0*tend(u)
  end do
  f = sum(u**2)
end subroutine
"""

# a solver object whose work arrays one call allocates and a later call uses (ddeabm's
# initialize / integrate): the adjoints of the components must exist before the later call's
# backward half runs, which comes before the first call's
COMPONENTS_ALLOCATED_BY_A_CALL = """\
module solv
  implicit none
  type state
    integer :: n = 0
    double precision, allocatable :: w(:), y(:)
  end type
contains
  subroutine init(s, n)
    type(state), intent(inout) :: s
    integer, intent(in) :: n
    s%n = n
    allocate(s%w(n), s%y(n))
    s%w = 0
    s%y = 0
  end subroutine
  subroutine run(s, x, nstep)
    type(state), intent(inout) :: s
    double precision, intent(inout) :: x(:)
    integer, intent(in) :: nstep
    integer :: k
    do k = 1, nstep
      s%w = 0.5d0*sin(x)
      s%y = s%y + s%w**2
      x = x + 0.1d0*s%y
    end do
  end subroutine
end module
subroutine cost(x, n, f)
  use solv
  implicit none
  integer, intent(in) :: n
  double precision, intent(in) :: x(n)
  double precision, intent(out) :: f
  type(state) :: s
  double precision :: xx(n)
  xx = x
  call init(s, n)
  call run(s, xx, 3)
  f = sum(xx**2) + sum(s%y)
end subroutine
"""


@pytest.mark.parametrize("source", [FUNCTION_RESULT_IN_LOOP, WHERE_IN_TIME_LOOP, ALLOCATED_BY_A_CALL, ALLOCATABLE_RESULT,
                                    COMPONENTS_ALLOCATED_BY_A_CALL],
                         ids=["function-result-in-loop", "where-in-time-loop", "allocated-by-a-call",
                              "allocatable-result", "components-allocated-by-a-call"])
@pytest.mark.parametrize("split", [False, True], ids=["joint", "split"])
def test_allocatables_check_passes(tmp_path, gfortran, source, split):
    (tmp_path / "m.f90").write_text(source)
    rep = run_check(CheckOptions([str(tmp_path / "m.f90")], "cost", "x", "f", outdir=tmp_path / "chk", sizes=["n=6"],
                                 checkpoint=CheckpointOptions(nocheckpoint=split)))
    assert rep.passed, rep.output[-2000:]

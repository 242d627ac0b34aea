"""Allocatables in motion: arrays saved or restored while unallocated, allocated by a
checkpointed call, deallocated in a split half, and fadj's own temporaries for array-valued
function results.  Whole allocatable arrays are saved with their allocation status and bounds
(``fadj_apush``/``fadj_apop``/``fadj_alook``) and restored exactly: unallocated stays
unallocated.  Each program goes through ``fadj check`` (tangent and reverse against central
differences, dot-product test), joint and split.
"""
from __future__ import annotations

import pytest

from tests.helpers import check_cost


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


# module arrays that a set-up routine allocates and the head frees when an earlier call (the
# primal, run first by fadj check) left them allocated (a finite-volume code's init_syst): the
# tangent must not free a tangent that was never made, the adjoints must exist before the backward
# halves of the later statements, and the backward DEALLOCATE must not allocate them a second time
MODULE_GRID_SET_UP_BY_A_CALL = """\
module grid
  implicit none
  integer :: ns
  double precision, allocatable :: u(:,:), unew(:,:), xs(:)
contains
  subroutine setup(n)
    integer, intent(in) :: n
    integer :: i
    ns = n
    allocate(u(ns,2), unew(ns,2), xs(ns))
    do i = 1, ns
      xs(i) = dble(i)/ns
      u(i,1) = 1d0 + xs(i)
      u(i,2) = 0.5d0
    end do
  end subroutine
end module
subroutine cost(x, n, f)
  use grid
  implicit none
  integer, intent(in) :: n
  double precision, intent(in) :: x(n)
  double precision, intent(out) :: f
  integer :: i, step
  if (allocated(u)) deallocate(u, unew, xs)
  call setup(n)
  u(:,1) = u(:,1) + 0.2d0*x
  do step = 1, 4
    do i = 2, ns - 1
      unew(i,:) = u(i,:) - 0.1d0*(u(i+1,:)**2 - u(i-1,:)*u(i,:))
    end do
    unew(1,:) = u(1,:)
    unew(ns,:) = u(ns,:)*u(1,:)
    u = unew
  end do
  f = sum(u(:,1)**2) + sum(u(:,2)*xs)
end subroutine
"""


# a callee that frees and re-allocates its allocatable dummy with another size (a regrid): the
# caller's adjoint takes the new shape after the call, the callee keeps the adjoint it is given
# (joint: it holds the adjoint of the new values; split: the _fwd half has none to free)
REALLOCATED_BY_A_CALL = """\
module m
contains
  subroutine regrid(a, n, x)
    double precision, allocatable, intent(inout) :: a(:)
    integer, intent(in) :: n
    double precision, intent(in) :: x(n)
    if (allocated(a)) deallocate(a)
    allocate(a(n))
    a = x**2
  end subroutine
end module
subroutine cost(x, n, f)
  use m
  implicit none
  integer, intent(in) :: n
  double precision, intent(in) :: x(n)
  double precision, intent(out) :: f
  double precision, allocatable :: a(:)
  double precision :: b(n)
  allocate(a(2))
  a = 1
  call regrid(a, n, x)
  a = sin(a)
  b = a
  call regrid(a, n, b)
  f = sum(a)
end subroutine
"""


@pytest.mark.parametrize("source", [FUNCTION_RESULT_IN_LOOP, WHERE_IN_TIME_LOOP, ALLOCATED_BY_A_CALL, ALLOCATABLE_RESULT,
                                    COMPONENTS_ALLOCATED_BY_A_CALL, MODULE_GRID_SET_UP_BY_A_CALL,
                                    REALLOCATED_BY_A_CALL],
                         ids=["function-result-in-loop", "where-in-time-loop", "allocated-by-a-call",
                              "allocatable-result", "components-allocated-by-a-call", "module-grid-set-up-by-a-call",
                              "reallocated-by-a-call"])
@pytest.mark.parametrize("split", [False, True], ids=["joint", "split"])
def test_allocatables_check_passes(tmp_path, gfortran, source, split):
    rep = check_cost(tmp_path, source, split, "m.f90")
    assert rep.passed, rep.output[-2000:]

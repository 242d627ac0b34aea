"""Data pointers: a pointer and its targets are one storage for the analyses
(passes/pointer_groups); the derivative pointer follows the primal one, and the backward sweep
re-creates each association the forward sweep had (ad/reverse/pointers.py).  Checked with
``fadj check`` (tangent, adjoint, dot-product test), joint and split."""
from __future__ import annotations

import pytest

from tests.helpers import check_cost, cost_error

# the swap of time levels: old and new exchange their targets after every step
SWAP = """\
subroutine step(n, old, new, c)
  integer n
  double precision old(n), new(n), c
  integer i
  new(1) = old(1)
  new(n) = old(n)
  do i = 2, n - 1
    new(i) = old(i) + c*(old(i-1) - 2*old(i) + old(i+1)) + 0.1d0*old(i)**2
  end do
end subroutine
subroutine cost(x, n, f)
  integer n
  double precision x(n), f
  double precision, target :: a(n), b(n)
  double precision, pointer :: old(:), new(:), tmp(:)
  integer it
  a = x
  b = 0
  old => a
  new => b
  do it = 1, 5
    call step(n, old, new, 0.2d0)
    tmp => old
    old => new
    new => tmp
  end do
  f = sum(old**2) + a(2)*b(3)
end subroutine
"""

# pointers to columns of a dummy argument, re-pointed in a loop (the group is the dummy);
# a pointer to an inner section of a local, nullified at the end
SECTIONS = """\
module relaxm
contains
subroutine relax(n, m, w, c)
  integer n, m
  double precision, target :: w(n, m)
  double precision c
  double precision, pointer :: col(:), prev(:)
  integer j
  do j = 2, m
    prev => w(:, j-1)
    col => w(:, j)
    col = col + c*prev**2
  end do
end subroutine
end module
subroutine cost(x, n, f)
  use relaxm
  integer n
  double precision x(n), f
  double precision, target :: g(n, 3)
  double precision, pointer :: inner(:)
  g(:, 1) = x
  g(:, 2) = 2*x
  g(:, 3) = x**2
  call relax(n, 3, g, 0.3d0)
  inner => g(2:n-1, 3)
  inner = inner*g(2:n-1, 1)
  f = sum(inner**2) + sum(g)
  nullify(inner)
end subroutine
"""

# a scalar pointer to one element after another, and a rank-1 pointer in one group
SCALAR = """\
subroutine cost(x, n, f)
  integer n
  double precision x(n), f
  double precision, target :: w(n)
  double precision, pointer :: s, v(:)
  integer i
  w = x
  f = 0
  do i = 1, n
    s => w(i)
    s = s**2 + 0.5d0*s
    f = f + s*w(1)
  end do
  v => w
  f = f + sum(v*x)
end subroutine
"""

# writes through the target read through the pointer in one statement (b(i) = p(i-1)*b(i)...)
ALIASED = """\
subroutine cost(x, n, f)
  integer n
  double precision x(n), f
  double precision, target :: b(n)
  double precision, pointer :: p(:)
  integer i
  b = x
  p => b
  do i = 2, n
    b(i) = p(i-1)*b(i) + sin(p(i))
  end do
  p(1:n-1) = p(2:n)**2
  b(2:n) = p(1:n-1)*b(2:n) + 0.5d0*p(2:n)
  b(1) = 2*p(1)
  f = sum(b**2)
end subroutine
"""


# the time levels swapped by a routine with pointer dummies (a course's swap_pointers): the call
# is inlined into the caller, whose pointers fadj follows
SWAP_BY_A_CALL = """\
module swapping
  implicit none
contains
  subroutine swap_pointers(a, b)
    double precision, dimension(:), pointer, intent(inout) :: a, b
    double precision, dimension(:), pointer :: tmp
    tmp => a
    a => b
    b => tmp
  end subroutine
  subroutine kernel(new, old)
    double precision, intent(inout) :: new(:)
    double precision, intent(in) :: old(:)
    integer :: i
    new(1) = old(1)
    new(size(old)) = old(size(old))
    do i = 2, size(old) - 1
      new(i) = 0.25d0*(old(i-1) + old(i+1)) + 0.5d0*old(i)**2
    end do
  end subroutine
end module
subroutine cost(x, n, f)
  use swapping
  integer n
  double precision x(n), f
  double precision, allocatable, target :: u(:), v(:)
  double precision, pointer :: old(:), new(:)
  integer :: step
  allocate(u(n), v(n))
  u = x
  old => u
  new => v
  do step = 1, 4
    call kernel(new, old)
    call swap_pointers(old, new)
  end do
  f = sum(old**2) + new(2)
end subroutine
"""


# time levels swapped between the dummy argument and a local work array, in a routine called in a
# loop (the group of the pointers is the dummy, the local array is saved with it)
DUMMY_AND_LOCAL = """\
module adv
contains
  subroutine advance(n, u, c, nsub)
    integer, intent(in) :: n, nsub
    double precision, intent(inout), target :: u(n)
    double precision, intent(in) :: c
    double precision, target :: w(n)
    double precision, pointer :: old(:), new(:), tmp(:)
    integer :: k, i
    old => u
    new => w
    do k = 1, nsub
      new(1) = old(1)
      new(n) = old(n)
      do i = 2, n - 1
        new(i) = old(i) + c*(old(i+1) - old(i-1))*old(i)
      end do
      tmp => old
      old => new
      new => tmp
    end do
    if (mod(nsub, 2) == 1) u = w
  end subroutine
end module
subroutine cost(x, n, f)
  use adv
  integer n, it
  double precision x(n), f, u(n)
  u = x
  do it = 1, 3
    call advance(n, u, 0.1d0, it)
  end do
  f = sum(u**3)
end subroutine
"""

# one pointer to the head's input, then to a local
HEAD_INPUT_AND_LOCAL = """\
subroutine cost(x, n, f)
  integer n
  double precision, target :: x(n)
  double precision f
  double precision, target :: w(n)
  double precision, pointer :: p(:)
  w = 2*x
  p => x
  f = sum(p)
  p => w
  f = f + sum(p**2)
end subroutine
"""

# strided sections chosen by an IF in a loop, read and written through two pointers
CONDITIONAL_STRIDED = """\
subroutine cost(x, n, f)
  integer n
  double precision x(n), f
  double precision, target :: a(n, 4), b(n)
  double precision, pointer :: p(:), q(:)
  integer j, k
  do j = 1, 4
    a(:, j) = x*j
  end do
  b = x**2
  f = 0
  do k = 1, 6
    if (mod(k, 2) == 0) then
      p => a(1:n:2, mod(k, 4) + 1)
      q => b(1:n:2)
    else
      p => b(2:n:2)
      q => a(2:n:2, 1)
    end if
    p = p*q + 0.1d0*sin(p)
    f = f + sum(p*q)
  end do
  f = f + sum(a**2) + sum(b)
end subroutine
"""


# a pointer ALLOCATEd and freed like an allocatable, and nullified (not pointer-assigned): the
# derivative code asks associated(), not allocated()
ALLOCATED_POINTER = """\
subroutine cost(x, n, f)
  integer n
  double precision x(n), f
  double precision, pointer :: w(:)
  nullify(w)
  allocate(w(n))
  w = x**2
  f = sum(w*x)
  deallocate(w)
  nullify(w)
end subroutine
"""


# POINTER components that are only ALLOCATEd (derived types written before Fortran 2003 had
# allocatable components): analysed like allocatable ones, their derivative components are
# pointers, allocated() of them is associated(); an INTENT(OUT) dummy that allocates them
ALLOCATED_POINTER_COMPONENTS = """\
module fields
  implicit none
  type :: field
    integer :: n = 0
    real(8), pointer :: u(:) => null()
    real(8), pointer :: w(:, :) => null()
    real(8) :: nu = 0.1d0
  end type
contains
  subroutine make(f, n)
    type(field), intent(out) :: f
    integer, intent(in) :: n
    f%n = n
    allocate(f%u(n), f%w(n, 2))
    f%u = 0
    f%w = 1
  end subroutine
  subroutine step(f)
    type(field), intent(inout) :: f
    integer :: i
    real(8) :: old(f%n)
    old = f%u
    do i = 2, f%n - 1
      f%u(i) = old(i) + f%nu*(old(i-1) - 2*old(i) + old(i+1)) + 0.05d0*old(i)**2*f%w(i, 1)
    end do
    f%w(:, 2) = f%w(:, 2) + f%u**2
  end subroutine
  subroutine destroy(f)
    type(field), intent(inout) :: f
    if (associated(f%u)) deallocate(f%u)
    if (associated(f%w)) deallocate(f%w)
  end subroutine
end module
subroutine cost(x, n, f)
  use fields
  integer n
  real(8) :: x(n), f
  type(field) :: st
  integer :: k
  call make(st, n)
  st%u = x
  st%w(:, 1) = x**2
  st%nu = 0.2d0*x(1)
  do k = 1, 4
    call step(st)
  end do
  f = sum(st%u**2) + sum(st%w(:, 2))
  call destroy(st)
end subroutine
"""


@pytest.mark.parametrize("source", [SWAP, SECTIONS, SCALAR, ALIASED, ALLOCATED_POINTER, SWAP_BY_A_CALL,
                                    DUMMY_AND_LOCAL, HEAD_INPUT_AND_LOCAL, CONDITIONAL_STRIDED,
                                    ALLOCATED_POINTER_COMPONENTS],
                         ids=["swap", "sections", "scalar", "aliased", "allocated-pointer", "swap-by-a-call",
                              "dummy-and-local", "head-input-and-local", "conditional-strided",
                              "allocated-pointer-components"])
@pytest.mark.parametrize("split", [False, True], ids=["joint", "split"])
def test_pointer_derivatives(tmp_path, gfortran, source, split):
    rep = check_cost(tmp_path, source, split, "p.f90")
    assert rep.passed, rep.output[-2000:]




def test_pointer_assignment_in_a_binomial_loop_is_an_error(tmp_path):
    src = SWAP.replace("  do it = 1, 5", "  !$AD BINOMIAL-CKP 5 2 1\n  do it = 1, 5")
    assert cost_error(tmp_path, src) == ("e.f90:24: error: pointer assignment inside a $AD BINOMIAL-CKP loop is not "
                                     "supported yet (move it out)")


def test_pointer_assignment_in_a_checkpointed_region_is_an_error(tmp_path):
    src = SWAP.replace("    tmp => old\n", "    !$AD CHECKPOINT-START\n    tmp => old\n    !$AD CHECKPOINT-END\n")
    assert cost_error(tmp_path, src) == ("e.f90:24: error: pointer assignment inside a $AD CHECKPOINT-START/END region "
                                     "is not supported yet (move it out)")


def test_pointer_dummy_assigned_is_an_error(tmp_path):
    msg = cost_error(tmp_path, """\
module m
contains
  subroutine point(p, w)
    double precision, pointer :: p(:)
    double precision, target :: w(:)
    p => w(2:)
  end subroutine
end module
subroutine cost(x, n, f)
  use m
  integer n
  double precision, target :: x(n)
  double precision f
  double precision, pointer :: q(:)
  call point(q, x)
  f = sum(q**2)
end subroutine
""")
    assert msg == ("e.f90:6: error: pointer assignment to 'p' (a dummy argument) is not supported: fadj "
                   "differentiates local pointers")


def test_section_of_a_pointer_is_an_error(tmp_path):
    msg = cost_error(tmp_path, """\
subroutine cost(x, n, f)
  integer n
  double precision x(n), f
  double precision, target :: w(n)
  double precision, pointer :: p(:), q(:)
  w = x
  p => w
  q => p(2:n)
  f = sum(q**2)
end subroutine
""")
    assert msg == ("e.f90:8: error: pointer 'q' => a section of pointer 'p' is not supported (point it at a "
                   "section of the target)")


def test_pointers_to_two_dummies_is_an_error(tmp_path):
    msg = cost_error(tmp_path, """\
subroutine cost(x, y, n, f)
  integer n
  double precision, target :: x(n), y(n)
  double precision f
  double precision, pointer :: p(:)
  p => x
  f = sum(p)
  p => y
  f = f + sum(p**2)
end subroutine
""")
    assert msg == ("e.f90:6: error: pointers of 'cost' that may point to dummy arguments 'x' and 'y' are not "
                   "supported")


def test_pointer_moves_with_other_actuals_are_an_error(tmp_path):
    src = SWAP_BY_A_CALL.replace("    call swap_pointers(old, new)\n", "    call swap_pointers(old, new)\n    call relay(old, new)\n")
    src = src.replace("end module\n", """  subroutine relay(p, q)
    double precision, dimension(:), pointer, intent(inout) :: p, q
    call swap_pointers(p, q)
  end subroutine
end module
""", 1)
    assert cost_error(tmp_path, src) == ("e.f90:4: error: 'swap_pointers' re-points its pointer arguments, and a call "
                                     "passes it something other than the caller's own local pointers: not supported")


def test_whole_assignment_of_a_type_with_pointer_components_is_an_error(tmp_path):
    """``t = s`` would share ``s%u`` (a pointer) rather than copy it: the analyses that treat
    allocated pointer components as allocatable would miss the aliasing."""
    src = ALLOCATED_POINTER_COMPONENTS.replace("  call destroy(st)", "  t = st\n  call destroy(st)")
    src = src.replace("  type(field) :: st\n", "  type(field) :: st, t\n")
    assert cost_error(tmp_path, src) == (
        "e.f90:48: error: assignment of a whole 'field', whose POINTER component 'u' it would share rather than "
        "copy, is not supported (assign the components, or make 'u' ALLOCATABLE)")

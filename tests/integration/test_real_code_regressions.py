"""Minimal programs of ours for failures that public codes showed (tracebacks, generated code
that did not compile, misplaced errors).  Each must pass ``fadj check`` or stop with the
one-line error named here."""
from __future__ import annotations

import pytest

from fadj.ad.plan import CheckpointOptions
from fadj.tools.check import CheckOptions, run_check
from tests.helpers import run_cli

# an EXTERNAL name passed as an actual argument (the derivative routines must declare it too)
EXTERNAL_ACTUAL = """\
subroutine three(k)
  integer k
  k = 3
end subroutine
subroutine apply(fcn, k)
  external fcn
  integer k
  call fcn(k)
end subroutine
subroutine cost(x, n, f)
  implicit none
  integer n, k
  double precision x(n), f
  external three
  call apply(three, k)
  f = sum(x**k)
end subroutine
"""

# a blanket SAVE in a routine with an automatic array (SAVE does not apply to it)
BLANKET_SAVE = """\
subroutine scale(n, x, f)
  integer n, k, ncall
  double precision x(n), f, tmp(n)
  save
  data ncall /0/
  ncall = ncall + 1
  do k = 1, n
    tmp(k) = x(k)**2
  end do
  f = sum(tmp)
end subroutine
subroutine cost(x, n, f)
  integer n
  double precision x(n), f
  call scale(n, x, f)
end subroutine
"""

# an interface block whose bodies are separated by blank lines and comments
INTERFACE_BLANKS = """\
module ops
  implicit none
  interface

    ! the kernel
    subroutine kern(a, b)
      double precision a, b
    end subroutine

  end interface
end module
subroutine kern(a, b)
  double precision a, b
  b = a*a + sin(a)
end subroutine
subroutine cost(x, n, f)
  use ops
  integer n, i
  double precision x(n), f, t
  f = 0
  do i = 1, n
    call kern(x(i), t)
    f = f + t
  end do
end subroutine
"""

# an assumed-size array passed to two input dummies of one call
ASSUMED_SIZE_TWICE = """\
subroutine pass2(n, a, b, c)
  integer n, i
  double precision a(n), b(n), c(n)
  do i = 1, n
    c(i) = a(i)*b(i)
  end do
end subroutine
subroutine step(n, u, v)
  integer n
  double precision u(*), v(*)
  call pass2(n, u, u, v)
end subroutine
subroutine cost(x, n, f)
  integer n
  double precision x(n), f, y(n)
  call step(n, x, y)
  f = sum(y*x)
end subroutine
"""

# DO CONCURRENT with several indices, a mask and a stride
DO_CONCURRENT = """\
subroutine cost(x, n, f)
  integer n, i, j
  double precision x(n), f, y(n, 2)
  y = 0
  do concurrent (i = 1:n, j = 1:2, x(i) > 0.7d0)
    y(i, j) = x(i)**j
  end do
  do concurrent (i = 1:n:2)
    y(i, 1) = 2*y(i, 1) + sin(x(i))
  end do
  f = sum(y)
end subroutine
"""


# a constant passed for a dummy the routine may write (rkf45's relerr): restoring it from a
# snapshot must not store into the constant
CONSTANT_ACTUAL = """\
subroutine integ(y, n, tol, nstep)
  integer n, nstep, k
  double precision y(n), tol
  if (tol < 1d-12) tol = 1d-12
  do k = 1, nstep
    y = y + tol*1d6*sin(y)
  end do
end subroutine
subroutine cost(x, n, f)
  integer n
  double precision x(n), f
  call integ(x, n, 1d-9, 3)
  call integ(x, n, 2d-9, 2)
  f = sum(x**2)
end subroutine
"""

# a piece of a work array sized by a local the caller computes (minpack's lr): the backward
# half of a split call needs that local too
SIZED_BY_A_LOCAL = """\
subroutine fill(m, a, b)
  integer m, i
  double precision a(m), b(m)
  do i = 1, m
    b(i) = a(i)**2 + sin(a(i))
  end do
end subroutine
subroutine cost(x, n, f)
  integer n, lr
  double precision x(n), f, wa(4*n)
  lr = (n*(n + 1))/2 - 2*n
  wa = 0
  wa(1:lr) = x(1:lr)
  call fill(lr, wa(1), wa(lr + 1))
  f = sum(wa**2)
end subroutine
"""


# EXIT from a named BLOCK (fortran-lang/minpack leaves its main block that way)
EXIT_BLOCK = """\
subroutine cost(x, n, f)
  integer n, i
  double precision x(n), f
  f = 0
  main: block
    do i = 1, n
      f = f + sin(x(i))*x(i)
      if (f > 2.5d0) exit main
    end do
    f = f*2
  end block main
  f = f + x(1)
end subroutine
"""

# one work array passed whole to a dummy the callee restores and, in part, to one it does not
# (bspline's dbtpcf: ``work`` and ``work(iq)``): the second call overwrites what the first call's
# backward half reads, so the caller must save it (it was a wrong gradient in split mode)
SHARED_WORK = """\
subroutine fill(n, s, v, q)
  integer, intent(in) :: n
  double precision, intent(in) :: s
  double precision, intent(inout) :: v(n)
  double precision, intent(out) :: q(n)
  integer :: i
  do i = 1, n
    q(i) = s + 0.5d0*i
  end do
  do i = 1, n
    v(i) = sin(v(i))
  end do
end subroutine
subroutine scalev(n, q, v)
  integer, intent(in) :: n
  double precision, intent(in) :: q(n)
  double precision, intent(inout) :: v(n)
  integer :: i
  do i = 1, n
    v(i) = v(i)*q(i)
  end do
end subroutine
subroutine cost(x, n, f)
  integer, intent(in) :: n
  double precision, intent(in) :: x(n)
  double precision, intent(out) :: f
  double precision :: work(2*n)
  work(1:n) = x
  call fill(n, 1d0, work, work(n+1))
  call scalev(n, work(n+1), work)
  call fill(n, 2d0, work, work(n+1))
  call scalev(n, work(n+1), work)
  f = sum(work(1:n)**2)
end subroutine
"""

# assumed-size work arrays handed on as INTENT(OUT) dummies (dbintk's q and work): their values
# on entry are not the callee's inputs, so a checkpointed call need not save them; a banded
# factor whose leading dimension is an expression (``k+km1``) sizes the saved section
INTENT_OUT_WORK = """\
subroutine band(w, nroww, nrow)
  integer, intent(in) :: nroww, nrow
  double precision, intent(inout) :: w(nroww, nrow)
  integer :: j
  do j = 2, nrow
    w(1, j) = w(1, j) + 0.25d0*w(1, j-1)
  end do
end subroutine
subroutine basis(k, xv, v, work)
  integer, intent(in) :: k
  double precision, intent(in) :: xv
  double precision, intent(out) :: v(k)
  double precision, intent(inout) :: work(*)
  integer :: j
  work(1) = xv
  do j = 1, k
    work(j+1) = work(j)*0.5d0 + 1d0
    v(j) = work(j+1)
  end do
end subroutine
subroutine interp(n, k, x, y, bc, q, work)
  integer, intent(in) :: n, k
  double precision, intent(in) :: x(n), y(n)
  double precision, intent(out) :: bc(n), q(*), work(*)
  integer :: i, km1
  km1 = k - 1
  q(1:n*(k+km1)) = 0
  bc = y
  do i = 1, n
    call basis(k, x(i), bc, work)
    bc(i) = y(i)*work(k+1) + sum(work(k+2:2*k)) + bc(i)
    q(1 + (i-1)*(k+km1)) = bc(i)
  end do
  call band(q, k+km1, n)
  do i = 1, n
    bc(i) = bc(i)*q(1 + (i-1)*(k+km1))
  end do
end subroutine
subroutine cost(x, n, f)
  integer, intent(in) :: n
  double precision, intent(in) :: x(n)
  double precision, intent(out) :: f
  double precision :: xs(n), bc(n), q(5*n), work(8)
  integer :: i
  do i = 1, n
    xs(i) = 0.1d0*i
  end do
  call interp(n, 3, xs, x, bc, q, work)
  f = sum(bc**2)
end subroutine
"""

# an assumed-size array the callee reads and writes: a checkpointed call would have to save it
# whole, so the default for that call is split mode (with a note)
UNSIZED_INOUT = """\
subroutine smooth(n, w)
  integer, intent(in) :: n
  double precision, intent(inout) :: w(*)
  integer :: i
  do i = 2, n
    w(i) = w(i) + 0.5d0*sin(w(i-1))
  end do
end subroutine
subroutine stage(n, x, w, f)
  integer, intent(in) :: n
  double precision, intent(in) :: x(n)
  double precision, intent(inout) :: w(*)
  double precision, intent(out) :: f
  w(1:n) = x
  call smooth(n, w)
  call smooth(n, w)
  f = sum(w(1:n)**2)
end subroutine
subroutine cost(x, n, f)
  integer, intent(in) :: n
  double precision, intent(in) :: x(n)
  double precision, intent(out) :: f
  double precision :: w(n)
  call stage(n, x, w, f)
end subroutine
"""

# a routine with GO TO (reversed block by block) whose IF holds work and an early RETURN
# (ddeabm's dsteps: ``if (start) then ... if (me%error) return ... end if``): the IF must be
# basic blocks too, or the backward sweep pops its items in the wrong order (a wrong gradient)
RETURN_INSIDE_IF_WITH_GOTOS = """\
subroutine step(x, n, start, h)
  integer n
  logical start
  double precision x(n), h
  integer i
  if (h <= 0) go to 50
  if (start) then
    do i = 1, n
      x(i) = sin(x(i))
    end do
    if (x(1) > 5d0) return
    h = h*cos(x(2))
  end if
  do i = 1, n
    x(i) = x(i)*h + 0.1d0*x(i)**2
  end do
50 continue
  x(1) = x(1) + h**2
end subroutine
subroutine cost(x, n, f)
  integer n
  double precision x(n), f, h
  logical start
  start = .true.
  h = 0.5d0
  call step(x, n, start, h)
  start = .false.
  call step(x, n, start, h)
  f = sum(x**2)
end subroutine
"""


# locals named like intrinsics that derivative code calls (old codes' ``sum``, ``max``, ``size``):
# the adjoint of ``v = h*x(1:k)`` is ``hb = hb + sum(x(1:k)*vb)``, which the local would hide
SHADOWED_INTRINSICS = """\
subroutine cost(x, n, f)
  integer n
  double precision x(n), f
  integer, parameter :: size = 3
  double precision sum, max(size), h, scale
  integer i
  data scale /2d0/
  h = x(n)
  max(1:size) = h*x(1:size)
  sum = 0
  do i = 1, size
    sum = sum + scale*max(i)**2
  end do
  f = sum*x(1)
end subroutine
"""

# a label on a block DO or IF construct, the target of a GO TO (``30 do j = 1, n``)
LABELLED_CONSTRUCTS = """\
subroutine cost(x, n, f)
  integer n
  double precision x(n), f
  integer j, it
  it = 0
  f = 0
30 do j = 1, n
    f = f + x(j)**2
  end do
  it = it + 1
  if (it < 2) go to 30
40 if (f > 1d3) then
    f = sqrt(f)
    go to 40
  end if
end subroutine
"""


# a generic function whose single-precision specific is listed first (FMM's Seval): the temporary
# that holds a reference's result takes the kind of the specific the arguments select
GENERIC_FUNCTION_RESULT = """\
module ev_mod
  implicit none
  private
  integer, parameter :: sp = kind(1.0), dp = kind(1d0)
  public :: ev
  interface ev
    module procedure ev_single, ev_double
  end interface
contains
  function ev_single(u, y) result(r)
    real(sp), intent(in) :: u, y(:)
    real(sp) :: r
    r = u*sum(y**2)
  end function
  function ev_double(u, y) result(r)
    real(dp), intent(in) :: u, y(:)
    real(dp) :: r
    r = u*sum(y**2) + y(1)*u**2
  end function
end module
subroutine cost(x, n, f)
  use ev_mod, only: ev
  implicit none
  integer, intent(in) :: n
  double precision, intent(in) :: x(n)
  double precision, intent(out) :: f
  integer :: i
  f = 0
  do i = 1, n
    f = f + ev(x(i), x)**2
  end do
end subroutine
"""


# a solver object with private components (ddeabm's ``type ddeabm_class; private; integer :: neq``)
# and a private binding: derivative routines live outside the module and use them
PRIVATE_COMPONENTS = """\
module solver
  implicit none
  private
  type, public :: state
    private
    integer :: neq = 0
    double precision, allocatable :: y(:)
    double precision :: h = 0.1d0
  contains
    procedure, public :: init
    procedure :: advance
  end type
  type, public :: other
    double precision, private :: w = 2d0
    double precision :: v = 1d0
  end type
  public :: run
contains
  subroutine init(me, n, x)
    class(state), intent(inout) :: me
    integer, intent(in) :: n
    double precision, intent(in) :: x(n)
    me%neq = n
    if (allocated(me%y)) deallocate(me%y)
    allocate(me%y(n))
    me%y = x
  end subroutine
  subroutine advance(me)
    class(state), intent(inout) :: me
    me%y = me%y + me%h*sin(me%y)
  end subroutine
  subroutine run(me, o, nstep, f)
    type(state), intent(inout) :: me
    type(other), intent(in) :: o
    integer, intent(in) :: nstep
    double precision, intent(out) :: f
    integer :: k
    do k = 1, nstep
      call me%advance()
    end do
    f = o%w*sum(me%y(1:me%neq)**2) + o%v
  end subroutine
end module
subroutine cost(x, n, f)
  use solver
  implicit none
  integer, intent(in) :: n
  double precision, intent(in) :: x(n)
  double precision, intent(out) :: f
  type(state) :: s
  type(other) :: o
  call s%init(n, x)
  call run(s, o, 3, f)
end subroutine
"""


# a private module variable and procedure exposed in the build copy have the names of a user
# module's own (the user module writes `use lib` without ONLY): the copy's USE renames them away
PRIVATE_NAME_CLASH = """\
module lib
  implicit none
  private
  public :: solve
  double precision :: scale = 2d0
contains
  subroutine helper(x, y)
    double precision, intent(in) :: x
    double precision, intent(out) :: y
    y = scale*sin(x)
  end subroutine
  subroutine solve(x, y)
    double precision, intent(in) :: x
    double precision, intent(out) :: y
    call helper(x, y)
    y = y*y
  end subroutine
end module
module user
  use lib
  implicit none
  double precision :: scale = 3d0
contains
  subroutine helper(x, y)
    double precision, intent(in) :: x
    double precision, intent(out) :: y
    y = scale*cos(x)
  end subroutine
end module
subroutine cost(x, n, f)
  use user
  integer n
  double precision x(n), f, a, b
  call solve(x(1), a)
  call helper(x(2), b)
  f = a*b + x(3)**2
end subroutine
"""


# a field type with an allocatable component and generic type-bound operators (a tsunami
# tutorial's Field): `h * x(1)` takes the scalar specific, not the first listed (mul_array);
# `u * grad(h)` the array one (grad returns an array); `(u + h)` is the temporary itself as an
# actual; tangents of fields made by a constructor are allocated like them; adjoint components
# that do not exist yet are zero (allocated where an increment or a callee needs them)
OVERLOADED_FIELD_OPERATORS = """\
module fields
  implicit none
  type :: field
    character(8) :: name = ''
    real(8), allocatable :: data(:)
  contains
    procedure, private, pass(self) :: assign_field, assign_real
    procedure, private, pass(self) :: mul_real, mul_array, mul_field, add_field, sub_field
    generic :: assignment(=) => assign_field, assign_real
    generic :: operator(*) => mul_array, mul_real, mul_field
    generic :: operator(+) => add_field
    generic :: operator(-) => sub_field
  end type
  interface field
    module procedure :: new_field
  end interface
contains
  type(field) function new_field(name, n) result(r)
    character(*), intent(in) :: name
    integer, intent(in) :: n
    r%name = name
    allocate(r%data(n))
    r%data = 0
  end function
  subroutine assign_field(self, f)
    class(field), intent(inout) :: self
    type(field), intent(in) :: f
    call copy_from(self, f)
  end subroutine
  subroutine copy_from(to, from)
    class(field), intent(inout) :: to
    type(field), intent(in) :: from
    to%name = from%name
    to%data = from%data
  end subroutine
  subroutine assign_real(self, a)
    class(field), intent(inout) :: self
    real(8), intent(in) :: a
    self%data = a
  end subroutine
  pure type(field) function mul_array(self, x) result(r)
    class(field), intent(in) :: self
    real(8), intent(in) :: x(:)
    r%name = self%name
    r%data = self%data*x
  end function
  pure type(field) function mul_real(self, x) result(r)
    class(field), intent(in) :: self
    real(8), intent(in) :: x
    r%name = self%name
    r%data = self%data*x
  end function
  pure type(field) function mul_field(self, f) result(r)
    class(field), intent(in) :: self, f
    r%name = self%name
    r%data = self%data*f%data
  end function
  pure type(field) function add_field(self, f) result(r)
    class(field), intent(in) :: self, f
    r%name = self%name
    r%data = self%data + f%data
  end function
  pure type(field) function sub_field(self, f) result(r)
    class(field), intent(in) :: self, f
    r%name = self%name
    r%data = self%data - f%data
  end function
  pure function grad(f) result(g)
    class(field), intent(in) :: f
    real(8), allocatable :: g(:)
    g = f%data - cshift(f%data, -1)
  end function
end module
subroutine cost(x, n, f)
  use fields
  integer n
  double precision x(n), f
  type(field) :: u, h
  integer :: k
  u = field('u', 4)
  h = field('h', 4)
  u = x(1)
  h%data = x(2:5)
  do k = 1, 2
    u = u - (u * grad(h) + h * x(1)) * 0.1d0
    h = h - (u * (u + h)) * 0.05d0
  end do
  f = sum(h%data**2) + sum(u%data)
end subroutine
"""


# the swap of two fields' allocatable components by MOVE_ALLOC inside a called routine (a heat
# equation code's swap_fields): the dummies' adjoints are live on entry to swap_fields_b, so they
# move in the backward sweep only (a first version also moved them forward: relative error 0.5)
MOVE_ALLOC_COMPONENTS = """\
module grid
  implicit none
  type :: field
    integer :: n
    double precision, allocatable :: data(:)
  end type
contains
  subroutine swap_fields(curr, prev)
    type(field), intent(inout) :: curr, prev
    double precision, allocatable :: tmp(:)
    call move_alloc(curr%data, tmp)
    call move_alloc(prev%data, curr%data)
    call move_alloc(tmp, prev%data)
  end subroutine
  subroutine evolve(curr, prev, a)
    type(field), intent(inout) :: curr
    type(field), intent(in) :: prev
    double precision, intent(in) :: a
    integer :: i
    do i = 2, prev%n - 1
      curr%data(i) = prev%data(i) + a*(prev%data(i-1) - 2*prev%data(i) + prev%data(i+1)) + 0.1d0*prev%data(i)**2
    end do
  end subroutine
end module
subroutine cost(x, n, f)
  use grid
  integer n
  double precision x(n), f
  type(field) :: cur, prev
  integer :: it
  prev%n = n
  cur%n = n
  allocate(prev%data(n), cur%data(n))
  prev%data = x
  cur%data = x
  do it = 1, 4
    call evolve(cur, prev, 0.2d0)
    call swap_fields(cur, prev)
  end do
  f = sum(prev%data**2) + cur%data(2)
end subroutine
"""


# the same swap of whole allocatable dummies (was silently wrong before: relative error 0.39)
MOVE_ALLOC_DUMMIES = """\
module swapper
  implicit none
contains
  subroutine swap(a, b)
    double precision, allocatable, intent(inout) :: a(:), b(:)
    double precision, allocatable :: t(:)
    call move_alloc(a, t)
    call move_alloc(b, a)
    call move_alloc(t, b)
  end subroutine
end module
subroutine cost(x, n, f)
  use swapper
  integer n, it, i
  double precision x(n), f
  double precision, allocatable :: u(:), v(:)
  allocate(u(n), v(n))
  u = x
  v = 0
  do it = 1, 3
    do i = 2, n - 1
      v(i) = u(i) + 0.2d0*(u(i-1) - 2*u(i) + u(i+1)) + 0.1d0*u(i)**2
    end do
    v(1) = u(1)
    v(n) = u(n)
    call swap(u, v)
  end do
  f = sum(u**2) + v(2)
end subroutine
"""


# an array-valued function assigned to its own argument in a time loop (`s = step(t, s)`): the
# tangent's and adjoint's result temporaries are arrays (was a build error), and in split mode the
# value the assignment overwrites is saved after the call's own tape and restored before its _bwd
# (without that, the split adjoint built but was wrong: relative error 3e-3)
ARRAY_FUNCTION_OF_ITS_RESULT = """\
module integ
  implicit none
contains
  function rhs(t, s) result(d)
    double precision, intent(in) :: t, s(:)
    double precision :: d(size(s))
    d(1) = -s(2)*s(1) + t
    d(2) = s(1)**2 - s(2)
    d(3) = s(3)*s(1)
  end function
  function step(t, s) result(y)
    double precision, intent(in) :: t
    double precision, intent(in) :: s(:)
    double precision :: y(size(s))
    y = s + 0.01d0*rhs(t, s)
  end function
end module
subroutine cost(x, n, f)
  use integ
  integer n, i
  double precision x(n), f, s(3), t
  s = x(1:3)
  t = 0
  do i = 1, 10
    s = step(t, s)
    t = t + 0.01d0
  end do
  f = sum(s**2)
end subroutine
"""


# a module with PRIVATE default, an abstract interface, a procedure-pointer component nullified,
# and a routine receiving a procedure (fadj copies it as solve_sq), used without ONLY: the build
# copy's USE renames only names the module really has (not 'abstract', not solve_sq: gfortran
# rejected both), and NULLIFY of a component is kept as written (ddeabm's nullify(me%report))
ABSTRACT_INTERFACE_AND_COPIES = """\
module funcs
  implicit none
contains
  function sq(x) result(y)
    double precision, intent(in) :: x
    double precision :: y
    y = sin(x)*x
  end function
end module
module lib
  implicit none
  private
  public :: solve, iface, holder
  abstract interface
    function iface(x) result(y)
      double precision, intent(in) :: x
      double precision :: y
    end function
  end interface
  type :: holder
    procedure(iface), pointer, nopass :: g => null()
  end type
contains
  function helper(y) result(z)
    double precision, intent(in) :: y
    double precision :: z
    z = y**2
  end function
  subroutine solve(f, x, y)
    procedure(iface) :: f
    double precision, intent(in) :: x
    double precision, intent(out) :: y
    type(holder) :: h
    nullify(h%g)
    y = f(x)
    y = helper(y)
  end subroutine
end module
subroutine cost(x, n, f)
  use funcs
  use lib
  integer n
  double precision x(n), f
  call solve(sq, x(1), f)
  f = f + x(2)
end subroutine
"""


@pytest.mark.parametrize("source", [EXTERNAL_ACTUAL, BLANKET_SAVE, INTERFACE_BLANKS, ASSUMED_SIZE_TWICE,
                                    DO_CONCURRENT, CONSTANT_ACTUAL, SIZED_BY_A_LOCAL, EXIT_BLOCK, SHARED_WORK,
                                    INTENT_OUT_WORK, UNSIZED_INOUT, RETURN_INSIDE_IF_WITH_GOTOS,
                                    SHADOWED_INTRINSICS, LABELLED_CONSTRUCTS, GENERIC_FUNCTION_RESULT,
                                    PRIVATE_COMPONENTS, PRIVATE_NAME_CLASH, OVERLOADED_FIELD_OPERATORS,
                                    MOVE_ALLOC_COMPONENTS, MOVE_ALLOC_DUMMIES, ARRAY_FUNCTION_OF_ITS_RESULT,
                                    ABSTRACT_INTERFACE_AND_COPIES],
                         ids=["external-actual", "blanket-save", "interface-blanks", "assumed-size-twice",
                              "do-concurrent", "constant-actual", "sized-by-a-local", "exit-block",
                              "shared-work", "intent-out-work", "unsized-inout", "return-inside-if-with-gotos",
                              "shadowed-intrinsics", "labelled-constructs", "generic-function-result",
                              "private-components", "private-name-clash", "overloaded-field-operators",
                              "move-alloc-components", "move-alloc-dummies", "array-function-of-its-result",
                              "abstract-interface-and-copies"])
@pytest.mark.parametrize("split", [False, True], ids=["joint", "split"])
def test_check_passes(tmp_path, gfortran, source, split):
    (tmp_path / "s.f90").write_text(source)
    # the procedure argument is passive: declared external, its calls are not differentiated
    ext = {"fcn"} if source is EXTERNAL_ACTUAL else set()
    rep = run_check(CheckOptions([str(tmp_path / "s.f90")], "cost", "x", "f", outdir=tmp_path / "chk", sizes=["n=5"],
                                 checkpoint=CheckpointOptions(nocheckpoint=split, externals=ext)))
    assert rep.passed, rep.output[-1500:]


def test_assumed_size_snapshot_error_names_the_call(tmp_path):
    (tmp_path / "a.f90").write_text("""\
subroutine setw(n, w)
  integer n
  double precision w(*)
  w(1:n) = 1
end subroutine
subroutine use(n, x, w, f)
  integer n
  double precision x(n), w(*), f
  call setw(n, w)
  f = sum(x*w(1:n))
  w(1) = f
end subroutine
subroutine cost(x, n, f)
  integer n
  double precision x(n), f, w(10)
  w = 0
  w(1:n) = x
  call use(n, x, w, f)
end subroutine
""")
    p = run_cli("differentiate", "a.f90", "--head", "cost", "--vars", "x", "--outvars", "f", cwd=tmp_path)
    if p.returncode == 0:
        return          # nothing to save there: no error needed
    assert p.returncode == 2
    assert p.stderr.startswith("a.f90:9: error: cannot save assumed-size array 'w'"), p.stderr


# a module whose specification part (PRIVATE, a private kind parameter) is in an included file
# (quadpack's quadpack_generic.F90): the build copy of that file is exposed too
INCLUDED_SPEC_PART = """\
  implicit none
  private
  integer, parameter :: wp = kind(1d0)
  real(wp), parameter :: half = 0.5_wp
  public :: solve
contains
  subroutine helper(x, y)
    real(wp), intent(in) :: x
    real(wp), intent(out) :: y
    real(wp) :: w(3)
    w = half*x
    y = sum(sin(w))
  end subroutine
  subroutine solve(x, y)
    real(wp), intent(in) :: x
    real(wp), intent(out) :: y
    call helper(x, y)
    y = y**2
  end subroutine
"""


@pytest.mark.parametrize("name,module", [("m.F90", 'module m\n#include "body.inc"\nend module m\n'),
                                         ("m.f90", "module m\n  include 'body.inc'\nend module m\n")],
                         ids=["cpp-include", "fortran-include"])
@pytest.mark.parametrize("split", [False, True], ids=["joint", "split"])
def test_private_spec_part_in_an_included_file(tmp_path, gfortran, name, module, split):
    (tmp_path / "body.inc").write_text(INCLUDED_SPEC_PART)
    (tmp_path / name).write_text(module)
    (tmp_path / "cost.f90").write_text("subroutine cost(x, n, f)\n  use m\n  integer n\n"
                                       "  double precision x(n), f, a\n  call solve(x(1), a)\n  f = a*x(2)\nend subroutine\n")
    rep = run_check(CheckOptions([str(tmp_path / name), str(tmp_path / "cost.f90")], "cost", "x", "f",
                                 outdir=tmp_path / "chk", sizes=["n=2"], checkpoint=CheckpointOptions(nocheckpoint=split)))
    assert rep.passed, rep.output[-1500:]
    assert (tmp_path / "body.inc").read_text() == INCLUDED_SPEC_PART      # the user's header is untouched

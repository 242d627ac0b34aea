"""The Fortran coverage table: one row per construct, each with a program that exercises it.

``supported`` rows are differentiated in reverse mode, built with gfortran and checked
against central finite differences (test_coverage.py); ``error`` rows must stop with a
one-line ``file:line: error:`` naming the construct.  README.md's coverage table lists the
same rows with the same statuses (a test keeps them in sync).

Every program's head is ``s(x, n, f)``: x(n) real(8) inputs, f real(8) output.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# sources shared with the regression tests of the same constructs (their head is cost)
from tests.integration.test_equivalence import CALL_THROUGH_OTHER_NAME
from tests.integration.test_pointers import ALLOCATED_POINTER_COMPONENTS
from tests.integration.test_procedure_arguments import OPTIONAL_PROC
from tests.integration.test_real_code_regressions import OVERLOADED_FIELD_OPERATORS, PRIVATE_NAME_CLASH
from tests.integration.test_type_extension import EXTENDED_MODEL


def _as_s(source: str, head: str = "subroutine cost(x, n, f)") -> str:
    """A regression test's source with its head renamed to this table's ``s(x, n, f)``."""
    assert head in source
    return source.replace(head, head.replace("cost", "s").replace("COST", "S"))


@dataclass
class Case:
    row: str                  # the construct, as in the README table
    status: str               # "supported" or "error"
    source: str
    suffix: str = ".f90"
    module: str | None = None
    error: str = ""           # expected message fragment (error rows)
    extra: dict = field(default_factory=dict)   # other files: name -> text (compiled first)
    externals: tuple = ()
    inits: list | None = None
    split_too: bool = True    # also check with --nocheckpoint
    tol: float = 1e-6         # relative error allowed against central differences
    hrel: float = 1e-5        # relative finite-difference step
    fflags: str = ""          # the user's compiler flags (--fflags)


CASES: list[Case] = []


def case(*args, **kw):
    CASES.append(Case(*args, **kw))


# ---------------------------------------------------------------------------- modules
case("module variables (active)", "supported", """\
module state
  implicit none
  real(8) :: u(8), gain = 1.5d0
contains
  subroutine step(n)
    integer :: n, i
    do i = 2, n
      u(i) = u(i) + gain*sin(u(i-1))
    end do
  end subroutine
end module
subroutine s(x, n, f)
  use state
  integer :: n
  real(8) :: x(n), f
  u(1:n) = x
  gain = x(1)
  call step(n)
  call step(n)
  f = sum(u(1:n)**2)
end subroutine
""")

case("USE with ONLY and renames", "supported", """\
module consts
  integer, parameter :: wp = kind(1.0d0)
  real(wp), parameter :: half = 0.5_wp
  real(wp) :: scale = 2.0_wp
end module
module ops
  use consts, only: wp, h => half
contains
  real(wp) function soft(a)
    real(wp), intent(in) :: a
    soft = h*a + log(1.0_wp + exp(-a))
  end function
end module
subroutine s(x, n, f)
  use consts, only: wp, sc => scale
  use ops, only: smooth => soft
  integer :: n, i
  real(wp) :: x(n), f
  f = 0
  do i = 1, n
    f = f + sc*smooth(x(i)**2)
  end do
end subroutine
""")

case("module procedures", "supported", """\
module physics
contains
  subroutine flux(u, g, n)
    integer, intent(in) :: n
    real(8), intent(in) :: u(n)
    real(8), intent(out) :: g(n)
    integer :: i
    do i = 1, n
      g(i) = u(i)*cos(u(i))
    end do
  end subroutine
  real(8) function energy(u, n)
    integer, intent(in) :: n
    real(8), intent(in) :: u(n)
    energy = 0.5d0*sum(u**2)
  end function
  subroutine s(x, n, f)
    integer :: n
    real(8) :: x(n), f, g(n)
    call flux(x, g, n)
    f = energy(g, n) + energy(x, n)
  end subroutine
end module
""", module="physics")

case("CONTAINS-internal procedures", "supported", """\
subroutine s(x, n, f)
  integer :: n, i
  real(8) :: x(n), f, w(n), c
  c = 0.3d0
  w = x
  do i = 1, 3
    call relax(0.5d0)
  end do
  f = total() + c*w(1)
contains
  subroutine relax(a)
    real(8) :: a
    integer :: k
    do k = 2, n
      w(k) = w(k) + a*sin(w(k-1))*c
    end do
    c = c*w(n)
  end subroutine
  real(8) function total()
    integer :: k
    total = 0
    do k = 1, n
      total = total + w(k)**2
    end do
  end function
end subroutine
""")

case("interfaces and generic names", "supported", """\
module gen
  interface norm
    module procedure norm_vec, norm_sca
  end interface
contains
  real(8) function norm_vec(v)
    real(8), intent(in) :: v(:)
    norm_vec = sqrt(sum(v**2))
  end function
  real(8) function norm_sca(a)
    real(8), intent(in) :: a
    norm_sca = abs(a)
  end function
  subroutine s(x, n, f)
    integer :: n
    real(8) :: x(n), f
    f = norm(x) + norm(x(2))*norm(x(3:5))
  end subroutine
end module
""", module="gen")

case("PRIVATE/PUBLIC entities", "supported", """\
module hidden
  implicit none
  private
  public :: s
  real(8), parameter :: c = 0.7d0
  real(8) :: scale = 1.5d0
contains
  real(8) function helper(a)
    real(8), intent(in) :: a
    helper = c*a**3 + scale*sin(a)
  end function
  subroutine accumulate(f, a)
    real(8), intent(inout) :: f
    real(8), intent(in) :: a
    f = f + helper(a)*a
  end subroutine
  subroutine s(x, n, f)
    integer :: n, i
    real(8) :: x(n), f
    f = 0
    do i = 1, n
      call accumulate(f, x(i))
      f = f + helper(x(i))**2
    end do
  end subroutine
end module
""", module="hidden")

# ---------------------------------------------------------------------------- legacy storage
case("COMMON blocks (named and blank)", "supported", """\
      SUBROUTINE INIT(X, N)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (NMAX = 16)
      COMMON /STATE/ U(NMAX), V(NMAX), NN
      COMMON /PARS/ ALPHA, BETA
      COMMON T0
      DIMENSION X(N)
      NN = N
      DO 10 I = 1, N
        U(I) = X(I)
        V(I) = 0.0D0
   10 CONTINUE
      ALPHA = 0.1D0
      BETA = X(1)
      T0 = 0.5D0
      END
      SUBROUTINE STEP
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (NMAX = 16)
      COMMON /STATE/ W(NMAX), Z(NMAX), M
      COMMON /PARS/ A, B
      COMMON T
      DO 20 I = 2, M
        Z(I) = Z(I) + A*SIN(W(I-1))*B + T
        W(I) = W(I) + Z(I)*W(I)
   20 CONTINUE
      T = T*1.1D0
      END
      SUBROUTINE S(X, N, F)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (NMAX = 16)
      COMMON /STATE/ U(NMAX), V(NMAX), NN
      COMMON T0
      DIMENSION X(N)
      CALL INIT(X, N)
      DO 30 K = 1, 4
        CALL STEP
   30 CONTINUE
      F = 0
      DO 40 I = 1, N
        F = F + U(I)**2 + V(I) + T0
   40 CONTINUE
      END
""", suffix=".f")

case("DATA and SAVE", "supported", """\
      SUBROUTINE S(X, N, F)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      DIMENSION X(N), W(3)
      SAVE NCALL
      DATA W /0.5D0, 1.5D0, -0.25D0/, NCALL /0/
      NCALL = NCALL + 1
      F = 0
      DO 10 I = 1, N
        F = F + W(MOD(I, 3) + 1)*X(I)**2
   10 CONTINUE
      END
""", suffix=".f")

case("EQUIVALENCE of written real storage (work arrays split by EQUIVALENCE)", "supported",
     _as_s(CALL_THROUGH_OTHER_NAME, "SUBROUTINE COST(X, N, F)"), suffix=".f")

case("EQUIVALENCE of active real storage with another type or kind", "error", """\
      SUBROUTINE S(X, N, F)
      DOUBLE PRECISION X(N), F, W(4)
      INTEGER K(8)
      EQUIVALENCE (W(1), K(1))
      W(1) = X(1)
      W(2) = X(2)**2
      F = W(1)*W(2)
      END
""", suffix=".f", error="EQUIVALENCE of active real storage with a value of another type or kind")

case("EQUIVALENCE of constants (machine constants from DATA bit patterns)", "supported", """\
      DOUBLE PRECISION FUNCTION DMACH(I)
      INTEGER I, SMALL(2), LARGE(2)
      DOUBLE PRECISION DMACHS(2)
      EQUIVALENCE (DMACHS(1), SMALL(1)), (DMACHS(2), LARGE(1))
      DATA SMALL(1), SMALL(2) / 0, 1072693248 /
      DATA LARGE(1), LARGE(2) / 0, 1073741824 /
      DMACH = DMACHS(I)
      END
      SUBROUTINE S(X, N, F)
      INTEGER N, I
      DOUBLE PRECISION X(N), F, DMACH, ONE, TWO
      ONE = DMACH(1)
      TWO = DMACH(2)
      F = 0
      DO 10 I = 1, N
        F = F + ONE*X(I)**2 + TWO*SIN(X(I))*X(I)
   10 CONTINUE
      END
""", suffix=".f")

case("INCLUDE files", "supported", """\
      SUBROUTINE S(X, N, F)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      INCLUDE 'blk.inc'
      DIMENSION X(N)
      ALPHA = 0.5D0
      DO 10 I = 1, N
        U(I) = X(I)*ALPHA + SIN(X(I))
   10 CONTINUE
      F = 0
      DO 20 I = 1, N
        F = F + U(I)**2
   20 CONTINUE
      END
""", suffix=".f", extra={"blk.inc": "      DOUBLE PRECISION U(16), ALPHA\n      COMMON /BLK/ U, ALPHA\n"})

# ---------------------------------------------------------------------------- arrays
case("assumed-shape arrays", "supported", """\
module ash
contains
  subroutine smooth(u, v)
    real(8), intent(in) :: u(:)
    real(8), intent(out) :: v(:)
    integer :: i
    v(1) = u(1)
    do i = 2, size(u)
      v(i) = 0.5d0*(u(i) + u(i-1))**2
    end do
  end subroutine
  subroutine s(x, n, f)
    integer :: n
    real(8) :: x(n), f, y(n)
    call smooth(x, y)
    call smooth(y(1:n:2), y(2:n:2))
    f = sum(y)
  end subroutine
end module
""", module="ash")

case("assumed-size arrays", "supported", """\
      SUBROUTINE WORK(A, B, M)
      DOUBLE PRECISION A(*), B(*)
      DO 10 I = 1, M
        B(I) = B(I) + A(I)**3
   10 CONTINUE
      END
      SUBROUTINE S(X, N, F)
      DOUBLE PRECISION X(N), F, Y(8), Z(8)
      DO 10 I = 1, N
        Y(I) = COS(X(I))
        Z(I) = 0.5D0
   10 CONTINUE
      CALL WORK(X, Y, N)
      CALL WORK(Y, Z(2), N - 1)
      F = 0
      DO 20 I = 1, N
        F = F + Y(I)*X(I) + Z(I)**2
   20 CONTINUE
      END
""", suffix=".f")

case("allocatable arrays (ALLOCATE/DEALLOCATE)", "supported", """\
subroutine s(x, n, f)
  integer :: n, i, k
  real(8) :: x(n), f
  real(8), allocatable :: w(:), v(:)
  allocate(w(0:n+1))
  w(0) = 0
  w(n+1) = 0
  w(1:n) = x
  f = 0
  do k = 1, 3
    allocate(v(n))
    do i = 1, n
      v(i) = 0.25d0*(w(i-1) + 2*w(i) + w(i+1)) + 0.1d0*sin(w(i))
    end do
    w(1:n) = v*v
    f = f + sum(v)
    deallocate(v)
  end do
  f = f + sum(w(1:n)**2)
  deallocate(w)
end subroutine
""")

case("automatic arrays", "supported", """\
subroutine inner(u, m)
  integer :: m
  real(8) :: u(m), tmp(m), work(2*m)
  tmp = u**2
  work(1:m) = tmp
  work(m+1:) = sin(u)
  u = work(1:m) + work(m+1:2*m)
end subroutine
subroutine s(x, n, f)
  integer :: n
  real(8) :: x(n), f, y(n)
  y = x
  call inner(y, n)
  f = sum(y*x)
end subroutine
""")

case("array sections with strides", "supported", """\
subroutine s(x, n, f)
  integer :: n
  real(8) :: x(n), f, y(n), z(n/2)
  y = x
  y(2:n:2) = y(1:n-1:2)*y(2:n:2)
  z = y(n:1:-2) + 2*y(1:n:2)
  y(1:n:2) = z**2
  f = sum(y) + sum(z*x(1:n/2))
end subroutine
""")

case("whole-array expressions", "supported", """\
subroutine s(x, n, f)
  integer :: n
  real(8) :: x(n), f, y(n), a
  a = 0.5d0
  y = exp(-a*x**2) + x*a
  y = y*y + sin(y)
  f = sum(y*x)
end subroutine
""")

case("WHERE / ELSEWHERE", "supported", """\
subroutine s(x, n, f)
  integer :: n
  real(8) :: x(n), f, y(n), c
  c = x(1)
  y = x
  where (y > 0.55d0)
    y = sqrt(y)*c
    x = y + 1
  elsewhere (y > 0.35d0)
    y = y**2
  elsewhere
    y = -y*c
  end where
  f = sum(y) + sum(x**2)
end subroutine
""")

case("array constructors", "supported", """\
subroutine s(x, n, f)
  integer :: n
  real(8) :: x(n), f, v(3)
  v = [x(1)*x(2), sin(x(3)), 2.0d0]
  f = sum(v**2) + dot_product([x(4), x(5)], [1.0d0, 3.0d0])
end subroutine
""")

case("array intrinsics (sum product dot_product matmul maxval minval transpose reshape spread "
     "cshift eoshift)", "supported", """\
subroutine s(x, n, f)
  integer :: n
  real(8) :: x(n), f, a(2, 4), b(4, 2), c(2, 2), v(4), w(2), y(8), z(4, 2)
  a = reshape(x, [2, 4])
  b = transpose(a)*1.5d0
  c = matmul(a, b)
  v = x(1:4)
  w = matmul(a, v) + matmul(v, b)
  y = cshift(x, 2)**2 + eoshift(x, -1)
  z = spread(x(1:4), 2, 2)*b
  f = sum(c**2) + sum(w*x(5:6)) + sum(y) + sum(sum(z, dim=1)**2) + dot_product(x, y)
  f = f + maxval(x)*minval(y) + product(x(1:3))
end subroutine
""")

case("inquiry intrinsics (size shape lbound ubound) and merge", "supported", """\
subroutine s(x, n, f)
  integer :: n, i
  real(8) :: x(n), f, y(0:n-1)
  integer :: sh(1)
  sh = shape(x)
  do i = lbound(y, 1), ubound(y, 1)
    y(i) = merge(x(i+1)**2, -x(i+1), x(i+1) > 0.45d0)
  end do
  f = sum(y)*size(x)/sh(1)
end subroutine
""")

# ---------------------------------------------------------------------------- control flow
case("DO WHILE, EXIT, CYCLE, named constructs", "supported", """\
subroutine s(x, n, f)
  integer :: n, i, j
  real(8) :: x(n), f, t
  f = 0
  outer: do i = 1, n
    t = x(i)
    if (t > 2.5d0) exit
    do j = 1, i
      if (j == 2) cycle
      if (x(j)*t > 3.0d0) exit outer
      f = f + sin(t*x(j))
    end do
    f = f*1.01d0
  end do outer
  i = 0
  do while (i < n)
    i = i + 1
    if (x(i) > 2.0d0) exit
    f = f + x(i)*cos(f)
  end do
end subroutine
""", inits=[
    # no exit taken
    "    do i = 1, n\n      x(i) = 0.2d0 + 0.1d0*i\n    end do",
    # EXIT of the outer loop at i = 4, EXIT of the DO WHILE at i = 4
    "    do i = 1, n\n      x(i) = 0.2d0 + 0.1d0*i\n    end do\n    x(4) = 2.7d0",
    # EXIT outer from the inner loop at i = 5, j = 1; EXIT of the DO WHILE at i = 5
    "    do i = 1, n\n      x(i) = 0.2d0 + 0.1d0*i\n    end do\n    x(1) = 1.5d0\n    x(5) = 2.2d0"])

case("SELECT CASE", "supported", """\
subroutine s(x, n, f)
  integer :: n, i
  real(8) :: x(n), f
  f = 1
  do i = 1, n
    select case (mod(i, 4))
    case (0)
      f = f*x(i)
    case (1, 2)
      f = f + exp(x(i))
    case default
      f = f/(1 + x(i)**2)
    end select
  end do
end subroutine
""")

case("arithmetic and logical IF", "supported", """\
      SUBROUTINE S(X, N, F)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      DIMENSION X(N)
      F = 0
      DO 30 I = 1, N
        IF (X(I) - 0.55D0) 10, 20, 20
   10   F = F + X(I)**2
        GOTO 30
   20   IF (X(I) .GT. 0.75D0) F = F + SQRT(X(I))*F
   30 CONTINUE
      END
""", suffix=".f")

case("GOTO and computed GOTO (forward and backward jumps)", "supported", """\
      SUBROUTINE S(X, N, F)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      DIMENSION X(N)
      F = 0.0D0
      I = 0
   10 I = I + 1
      IF (I .GT. N) GOTO 50
      T = X(I)
      IF (T .LT. 0.55D0) GOTO 20
      GOTO 30
   20 F = F + SIN(T)*F + T**2
      GOTO 10
   30 F = F*COS(T) + T
      DO 40 J = 1, N
         IF (X(J) .GT. 0.95D0) GOTO 10
         F = F + X(J)*T
   40 CONTINUE
      GOTO 10
   50 CONTINUE
      K = INT(3*X(1)) + 1
      GOTO (60, 70, 80) K
   60 F = F*X(1)
      GOTO 90
   70 F = F + X(2)**3
      GOTO 90
   80 F = F - X(3)
   90 RETURN
      END
""", suffix=".f", inits=[
    # X(1) chooses the computed GOTO's target (K = 1, 2, 3); X(8) > 0.95 jumps out of DO 40
    f"    do i = 1, n\n      x(i) = 0.2d0 + 0.1d0*i\n    end do\n    x(1) = {x1}d0" for x1 in ("0.2", "0.5", "0.9")])

case("STOP and early RETURN", "supported", """\
subroutine s(x, n, f)
  integer :: n, i
  real(8) :: x(n), f
  f = x(1)**2
  if (n <= 0) stop 'no data'
  if (x(2) > 2.0d0) then
    f = f + x(2)
    return
  end if
  do i = 1, n
    f = f + x(i)*x(1)
    if (f > 1.0d3) return
  end do
end subroutine
""", inits=["    do i = 1, n\n      x(i) = 0.2d0 + 0.1d0*i\n    end do",
           "    do i = 1, n\n      x(i) = 0.2d0 + 0.1d0*i\n    end do\n    x(2) = 2.5d0",
           "    do i = 1, n\n      x(i) = 2.0d0 + 3.0d0*i\n    end do\n    x(2) = 1.0d0"])

# ---------------------------------------------------------------------------- functions
case("PURE and ELEMENTAL functions", "supported", """\
module el
contains
  elemental real(8) function soft(a, c) result(r)
    real(8), intent(in) :: a, c
    r = c*log(1.0d0 + exp(a/c))
  end function
  pure real(8) function sq(a)
    real(8), intent(in) :: a
    sq = a*a
  end function
  subroutine s(x, n, f)
    integer :: n
    real(8) :: x(n), f, y(n)
    y = soft(x, 0.5d0) + sq(x(2))
    f = sum(y*soft(x(1), 2.0d0))
  end subroutine
end module
""", module="el")

case("RESULT clauses and recursive routines", "supported", """\
module rec
contains
  recursive function horner(c, x, k, n) result(v)
    integer, intent(in) :: k, n
    real(8), intent(in) :: c(n), x
    real(8) :: v
    if (k == n) then
      v = c(n)
    else
      v = c(k) + x*horner(c, x, k + 1, n)
    end if
  end function
  recursive subroutine tree(x, lo, hi, acc)
    integer, intent(in) :: lo, hi
    real(8), intent(in) :: x(:)
    real(8), intent(inout) :: acc
    integer :: mid
    if (hi - lo < 2) then
      acc = acc + sin(x(lo))*x(hi)
    else
      mid = (lo + hi)/2
      call tree(x, lo, mid, acc)
      acc = acc*1.01d0
      call tree(x, mid, hi, acc)
    end if
  end subroutine
  subroutine s(x, n, f)
    integer :: n
    real(8) :: x(n), f
    f = horner(x, 0.7d0*x(2), 1, n)
    call tree(x, 1, n, f)
  end subroutine
end module
""", module="rec", split_too=False)

case("OPTIONAL arguments, PRESENT and keyword arguments", "supported", """\
module opt
contains
  subroutine scale(a, n, w, bias)
    integer, intent(in) :: n
    real(8), intent(inout) :: a(n)
    real(8), intent(in), optional :: w
    real(8), intent(in), optional :: bias(n)
    real(8) :: ww
    ww = 1.0d0
    if (present(w)) ww = w
    a = a*ww
    if (present(bias)) a = a + bias**2
  end subroutine
  subroutine s(x, n, f)
    integer :: n
    real(8) :: x(n), f, y(n), z(n)
    y = x
    call scale(y, n)
    z = y
    call scale(z, n, w=x(1))
    call scale(y, n, bias=z, w=0.5d0)
    call scale(n=n, a=z, bias=y)
    f = sum(y*z)
  end subroutine
end module
""", module="opt")

case("statement functions", "supported", """\
      SUBROUTINE S(X, N, F)
      DOUBLE PRECISION X(N), F, Q, T, R, P
      Q(T, R) = T*2 + SIN(R)
      P(T) = Q(T, T**2)*T
      F = 0
      DO 10 I = 1, N - 1
        F = F + Q(X(I), X(I+1)) + P(X(I))
   10 CONTINUE
      END
""", suffix=".f")

# ---------------------------------------------------------------------------- kinds
case("real(4)/real(8), selected_real_kind, kind(1.d0), mixed precision", "supported", """\
module kinds
  integer, parameter :: sp = selected_real_kind(6)
  integer, parameter :: dp = kind(1.d0)
end module
subroutine s(x, n, f)
  use kinds
  integer :: n, i
  real(dp) :: x(n), f
  real(sp) :: w, v(n)
  real(8) :: acc
  w = 0.25_sp
  v = real(x, sp)
  acc = 0
  do i = 1, n
    w = w + 0.5_sp*v(i)
    acc = acc + w*real(i, dp) + v(i)*x(i) + real(i, dp)*x(i)
  end do
  f = acc
end subroutine
""", tol=1e-4, hrel=1e-2)

case("complex values (passive)", "supported", """\
subroutine s(x, n, f)
  integer :: n, i
  real(8) :: x(n), f
  complex(8) :: z
  z = (0.0d0, 1.0d0)
  f = 0
  do i = 1, n
    z = z*(0.9d0, 0.1d0)
    f = f + x(i)**2*real(z)
  end do
end subroutine
""")

case("derived types with real components", "supported", """\
module types
  implicit none
  type :: cell
    real(8) :: h, u(3)
    integer :: id
  end type cell
  type :: grid
    type(cell) :: c(8)
    real(8) :: dx = 1.0d0
  end type
contains
  subroutine update(g, n)
    type(grid), intent(inout) :: g
    integer :: n, i
    do i = 2, n
      g%c(i)%h = g%c(i)%h + g%dx*sin(g%c(i-1)%h)*g%c(i)%u(2)
      g%c(i)%u(1) = g%c(i)%h**2
    end do
  end subroutine
  subroutine s(x, n, f)
    integer :: n, i
    real(8) :: x(n), f
    type(grid) :: g
    do i = 1, n
      g%c(i)%h = x(i)
      g%c(i)%u = [x(i), 2*x(i), 1.0d0]
      g%c(i)%id = i
    end do
    g%dx = 0.5d0
    call update(g, n)
    call update(g, n)
    f = 0
    do i = 1, n
      f = f + g%c(i)%h*g%c(i)%u(1)
    end do
  end subroutine
end module
""", module="types")

# ---------------------------------------------------------------------------- I/O, externals
case("I/O (PRINT, WRITE, READ, OPEN) stays in the primal", "supported", """\
subroutine s(x, n, f)
  integer :: n, i
  real(8) :: x(n), f, c
  character(len=32) :: line
  write(line, '(f8.3)') 0.75d0
  read(line, *) c
  open(unit=42, file='fadj_io_test.txt', status='replace')
  f = 0
  do i = 1, n
    f = f + c*x(i)**2
    write(42, *) i, f
  end do
  close(42)
  if (f < -1) print *, 'negative', f
end subroutine
""")

case("routines without source (--external)", "supported", """\
subroutine s(x, n, f)
  integer :: n
  real(8) :: x(n), f, y(n)
  call blackbox(x, y, n)
  f = sum(y**2)
end subroutine
""", externals=("blackbox",), extra={"blackbox.f90": """\
subroutine blackbox(a, b, m)
  integer :: m
  real(8) :: a(m), b(m)
  b = sin(a)*a
end subroutine
subroutine blackbox_b(a, ab, b, bb, m)
  integer :: m
  real(8) :: a(m), ab(m), b(m), bb(m)
  ab = ab + (cos(a)*a + sin(a))*bb
  bb = 0
end subroutine
"""})

case("a call to a routine with no source", "error", """\
subroutine s(x, n, f)
  integer :: n
  real(8) :: x(n), f
  call nowhere(x, n, f)
end subroutine
""", error="call to routine 'nowhere', which has no source")

case("non-differentiable points (abs sign min max mod nint int floor, comparisons)", "supported", """\
subroutine s(x, n, f)
  integer :: n, i
  real(8) :: x(n), f
  f = 0
  do i = 1, n
    f = f + abs(x(i) - 0.65d0)*sign(1.0d0, x(i) - 0.45d0) + max(x(i), 0.55d0)*min(x(i), 0.95d0)
    f = f + mod(x(i), 0.3d0) + nint(x(i))*x(i) + int(3*x(i))*x(i)**2 + floor(x(i)*4)*x(i)
  end do
end subroutine
""", inits=["    do i = 1, n\n      x(i) = 0.213d0 + 0.097d0*i\n    end do"])   # away from the kinks

# ---------------------------------------------------------------------------- real-code patterns (issue 13)
case("sequence association: array elements passed to array dummies, pieces of one work array", "supported", """\
subroutine pieces(m, u, v, w)
  integer m, i
  double precision u(m), v(m), w(m)
  do i = 1, m
    v(i) = u(i)**2 + u(1)*u(i)
    w(i) = sin(v(i))*u(i)
  end do
end subroutine
subroutine s(x, n, f)
  integer n, i, l1, l2
  double precision x(n), f, work(3*n)
  work(1:n) = x
  l1 = n + 1
  l2 = l1 + n
  call pieces(n, work(1), work(l1), work(l2))
  f = 0
  do i = 1, 3*n
    f = f + work(i)*i
  end do
end subroutine
""")

case("allocatables saved while unallocated (function results in loops, WHERE masks, arrays a call allocates)",
     "supported", """\
module grid
  implicit none
  double precision, allocatable :: g(:)
contains
  subroutine setup(x, n)
    integer n
    double precision x(n)
    allocate(g(n))
    g = x*2
  end subroutine
  function tend(u) result(du)
    double precision, intent(in) :: u(:)
    double precision :: du(size(u))
    du = 0.1d0*u*cshift(u, 1)
  end function
end module
subroutine s(x, n, f)
  use grid
  integer n, it
  double precision x(n), f
  call setup(x, n)
  do it = 1, 3
    g = g - tend(g)
    where (g > 1.0d0)
      g = g*0.9d0
    end where
  end do
  f = sum(g**2)
  deallocate(g)
end subroutine
""")

case("PARAMETERs defined from each other, FORMAT statements in routines with jumps", "supported", """\
      SUBROUTINE S(X, N, F)
      INTEGER N, I
      DOUBLE PRECISION X(N), F, MU, ONE
      PARAMETER (ONE = 1.0D0)
      PARAMETER (MU = ONE/3.0D0)
      F = 0
      I = 0
   10 I = I + 1
      IF (I .GT. N) GOTO 30
      F = F + MU*X(I)**2
      IF (F .LT. -1.0D0) WRITE(*, 100) I, F
      GOTO 10
   30 RETURN
  100 FORMAT(' step ', I4, ES12.4)
      END
""", suffix=".f")

case("adaptive F77 solvers (GOTO accept/reject loops, step control, work arrays by offsets)", "supported", """\
      SUBROUTINE SIMP(A, B, C, S, E)
      DOUBLE PRECISION A, B, C, S, E, M, F1, F2, F3, F4, F5
      M = 0.5D0*(A + B)
      F1 = EXP(-C*A)
      F2 = EXP(-C*(0.75D0*A + 0.25D0*B))
      F3 = EXP(-C*M)
      F4 = EXP(-C*(0.25D0*A + 0.75D0*B))
      F5 = EXP(-C*B)
      S = (B - A)/12.0D0*(F1 + 4.0D0*F2 + 2.0D0*F3 + 4.0D0*F4 + F5)
      E = ABS(S - (B - A)/6.0D0*(F1 + 4.0D0*F3 + F5))
      END
      SUBROUTINE S(X, N, F)
      INTEGER N, LAST, I, K
      DOUBLE PRECISION X(N), F, W(40), E
      LAST = 1
      W(1) = 0.0D0
      W(11) = X(1)
      CALL SIMP(W(1), W(11), X(2), W(21), W(31))
   10 E = 0.0D0
      K = 1
      DO 20 I = 1, LAST
        E = E + W(30 + I)
        IF (W(30 + I) .GT. W(30 + K)) K = I
   20 CONTINUE
      IF (E .LT. 1.0D-10 .OR. LAST .EQ. 10) GOTO 90
      LAST = LAST + 1
      W(LAST) = 0.5D0*(W(K) + W(10 + K))
      W(10 + LAST) = W(10 + K)
      W(10 + K) = W(LAST)
      CALL SIMP(W(K), W(10 + K), X(2), W(20 + K), W(30 + K))
      CALL SIMP(W(LAST), W(10 + LAST), X(2), W(20 + LAST), W(30 + LAST))
      GOTO 10
   90 F = 0.0D0
      DO 95 I = 1, LAST
        F = F + W(20 + I)
   95 CONTINUE
      F = F*X(3)
      END
""", suffix=".f")

case("kind promotion flags (-fdefault-real-8 -fdefault-double-8)", "supported", """\
subroutine s(x, n, f)
  integer n, i
  double precision x(n), f
  real w(n)
  w = x
  do i = 2, n
    w(i) = w(i) + 0.3*sin(w(i-1))*w(i)
  end do
  f = sum(w**2)
end subroutine
""", fflags="-fdefault-real-8 -fdefault-double-8")

case("PROGRAM units among the sources, NAMELIST groups and NAMELIST I/O", "supported", """\
module settings
  implicit none
  double precision :: kappa = 0.3d0
  integer :: nsweep = 3
  namelist /run/ kappa, nsweep
end module
subroutine s(x, n, f)
  use settings
  integer n, i, k
  double precision x(n), f, u(n)
  u = x
  do k = 1, nsweep
    do i = 2, n
      u(i) = u(i) + kappa*sin(u(i-1))*u(i)
    end do
  end do
  if (f < -1d30) write(*, nml=run)
  f = sum(u**2)
end subroutine
program model
  use settings
  implicit none
  double precision :: x(4), f
  integer :: unit, ios
  open(newunit=unit, file='run.nml', status='old', action='read', iostat=ios)
  if (ios == 0) read(unit, nml=run)
  x = 1
  call s(x, 4, f)
  print *, f
end program
""")

# ---------------------------------------------------------------------------- valid Fortran fadj does not read
case("coarrays", "error", """\
subroutine s(x, n, f)
  integer n
  real(8) :: x(n), f
  real(8), save :: acc[*]
  f = sum(x**2)
end subroutine
""", error="coarrays are not supported")

case("submodules and separate module procedures", "error", """\
module shapes
  interface
    module function area(r) result(a)
      real(8), intent(in) :: r
      real(8) :: a
    end function
  end interface
end module
submodule (shapes) impl
contains
  module procedure area
    a = 3.14d0*r**2
  end procedure
end submodule
subroutine s(x, n, f)
  use shapes
  integer n
  real(8) :: x(n), f
  f = area(x(1))
end subroutine
""", error="submodules and separate module procedures are not supported")

case("Hollerith constants", "error", """\
      SUBROUTINE S(X, N, F)
      INTEGER N
      DOUBLE PRECISION X(N), F
      F = X(1)**2
      IF (F .LT. 0) CALL WARN(5HNEG F, 5)
      END
""", suffix=".f", error="Hollerith constants are not supported")

case("fixed form as gfortran reads it: comments between DOs sharing a label, GO TO a labelled DO", "supported", """\
      SUBROUTINE S(X, N, F)
      INTEGER N, I, J, K
      DOUBLE PRECISION X(N), F
      F = 0
      K = 0
   15 DO 20 I = 1, N
C       the inner loop ends on the same label
      DO 20 J = 1, N
        F = F + X(I)*SIN(X(J))*0.1D0
   20 CONTINUE
      K = K + 1
      IF (K .LT. 2) GOTO 15
      END
""", suffix=".f")

# ---------------------------------------------------------------------------- loops and constructors (issue 14)
case("DO CONCURRENT (several indices, mask, stride)", "supported", """\
subroutine s(x, n, f)
  integer n, i, j
  real(8) :: x(n), f, y(n, 2)
  y = 0
  do concurrent (i = 1:n, j = 1:2, x(i) > 0.65d0)
    y(i, j) = x(i)**j
  end do
  do concurrent (i = 1:n:2)
    y(i, 1) = 2*y(i, 1) + sin(x(i))
  end do
  f = sum(y)
end subroutine
""")

case("FORALL statements and constructs", "supported", """\
subroutine s(x, n, f)
  integer n, i
  real(8) :: x(n), f, y(n), z(n)
  y = x
  forall (i = 2:n) y(i) = y(i-1)*x(i)
  z = 0
  forall (i = 1:n, x(i) > 0.65d0)
    z(i) = sin(y(i))
    y(i) = y(i) + z(i)
  end forall
  f = sum(y) + sum(z)
end subroutine
""")

case("array constructors with implied DO and array items on active data", "supported", """\
subroutine s(x, n, f)
  integer n, i
  real(8) :: x(n), f, y(n), z(2*n)
  y = [(x(i)**2, i = 1, n)]
  z = [y, sin(x)]
  f = sum(z*[(dble(i), i = 1, 2*n)]) + sum([(x(i)*y(i), i = 1, n, 2)])
end subroutine
""")

case("ASSOCIATE and BLOCK constructs", "supported", """\
module pts
  implicit none
  type pt
    real(8) :: c(3)
  end type
end module
subroutine s(x, n, f)
  use pts
  integer n
  real(8) :: x(n), f
  type(pt) :: p
  p%c = x(1:3)
  associate (c => p%c, last => x(n), twice => 2*x(2))
    c(2) = c(1)*last + twice
    f = sum(c**2)
  end associate
  block
    real(8) :: tmp
    tmp = f*x(2)
    f = f + tmp
  end block
end subroutine
""")

# ---------------------------------------------------------------------------- allocatable components (issue 14)
case("allocatable components (ALLOCATE, DEALLOCATE, saved in snapshots and on the tape)", "supported", """\
module fields
  implicit none
  type :: field
    integer :: nx
    double precision :: dx
    double precision, allocatable :: data(:)
  end type
contains
  subroutine setup(f, x, n)
    type(field), intent(out) :: f
    integer, intent(in) :: n
    double precision, intent(in) :: x(n)
    f%nx = n
    f%dx = 1.0d0/n
    allocate(f%data(0:n+1))
    f%data(1:n) = x
    f%data(0) = 0
    f%data(n+1) = 0
  end subroutine
  subroutine evolve(new, old, a)
    type(field), intent(inout) :: new
    type(field), intent(in) :: old
    double precision, intent(in) :: a
    integer :: i
    do i = 1, old%nx
      new%data(i) = old%data(i) + a*(old%data(i-1) - 2*old%data(i) + old%data(i+1))*old%data(i)
    end do
  end subroutine
end module
subroutine s(x, n, f)
  use fields
  integer n, it
  double precision x(n), f
  type(field) :: cur, prev
  call setup(cur, x, n)
  call setup(prev, x, n)
  do it = 1, 4
    call evolve(cur, prev, 0.2d0)
    prev%data = cur%data
  end do
  f = sum(cur%data**2)
  deallocate(cur%data, prev%data)
end subroutine
""")

case("MOVE_ALLOC between active arrays (swapping old and new fields)", "supported", """\
subroutine s(x, n, f)
  implicit none
  integer n, it, i
  double precision x(n), f
  double precision, allocatable :: cur(:), prev(:), tmp(:)
  allocate(cur(n), prev(n))
  prev = x
  cur = 0d0
  do it = 1, 3
    do i = 2, n - 1
      cur(i) = prev(i) + 0.1d0*(prev(i-1) - 2d0*prev(i) + prev(i+1))**2
    end do
    cur(1) = prev(1)
    cur(n) = prev(n)
    call move_alloc(cur, tmp)
    call move_alloc(prev, cur)
    call move_alloc(tmp, prev)
  end do
  f = sum(prev**2)
end subroutine
""")

case("module procedures with the same name in different modules", "supported", """\
module ocean
  implicit none
contains
  subroutine step(u, n)
    integer n
    real(8) u(n)
    u = u + 0.1d0*sin(u)
  end subroutine
end module
module ice
  implicit none
contains
  subroutine step(u, n)
    integer n
    real(8) u(n)
    u = u*0.9d0 + 0.05d0*u**2
  end subroutine
end module
subroutine s(x, n, f)
  use ocean, only: ocean_step => step
  use ice, only: ice_step => step
  integer n
  real(8) x(n), f, u(n)
  u = x
  call ocean_step(u, n)
  call ice_step(u, n)
  f = sum(u**2)
end subroutine
""")

case("OpenMP directives", "supported", """\
subroutine s(x, n, f)
  integer n, i
  real(8) :: x(n), f, y(n), c(n)
  !$omp parallel do
  do i = 1, n
    c(i) = 0.5d0 + 0.01d0*i
  end do
  !$omp end parallel do
  !$omp parallel do private(i)
  do i = 1, n
    y(i) = sin(x(i))*c(i)
  end do
  f = sum(y**2)
end subroutine
""", fflags="-fopenmp")

case("type-bound procedures (PASS, NOPASS, GENERIC operators), CLASS(t) dummies", "supported", """\
module vecs
  implicit none
  type :: vec
    real(8) :: x(3)
  contains
    procedure :: norm2sq, scaled
    procedure, nopass :: dotp
    procedure, pass(c) :: into => vadd
    procedure :: add
    generic :: operator(+) => add
  end type
contains
  real(8) function norm2sq(self)
    class(vec), intent(in) :: self
    norm2sq = sum(self%x**2)
  end function
  subroutine scaled(self, a, out)
    class(vec), intent(in) :: self
    real(8), intent(in) :: a
    type(vec), intent(out) :: out
    out%x = a*self%x
  end subroutine
  real(8) function dotp(a, b)
    type(vec), intent(in) :: a, b
    dotp = sum(a%x*b%x)
  end function
  subroutine vadd(a, b, c)
    type(vec), intent(in) :: a, b
    class(vec), intent(inout) :: c
    c%x = a%x + b%x
  end subroutine
  function add(a, b) result(c)
    class(vec), intent(in) :: a, b
    type(vec) :: c
    c%x = a%x*b%x + a%x
  end function
end module
subroutine s(x, n, f)
  use vecs
  integer n
  real(8) x(n), f
  type(vec) :: u, v, w, z
  u%x = x(1:3)
  call u%scaled(x(4), v)
  w = u + v
  call z%into(w, u)
  f = z%norm2sq() + u%dotp(w, v) + norm2sq(u + w)
end subroutine
""")

case("procedure arguments and procedure-pointer components", "supported", """\
module integ
  implicit none
  abstract interface
    subroutine rhs_iface(y, dy)
      real(8), intent(in) :: y
      real(8), intent(out) :: dy
    end subroutine
  end interface
  type :: stepper
    real(8) :: h = 0.1d0
    procedure(rhs_iface), pointer, nopass :: rhs => null()
  end type
contains
  subroutine euler(st, y, nsteps)
    type(stepper), intent(in) :: st
    real(8), intent(inout) :: y
    integer, intent(in) :: nsteps
    real(8) :: dy
    integer :: i
    do i = 1, nsteps
      call st%rhs(y, dy)
      y = y + st%h*dy
    end do
  end subroutine
  subroutine apply(f, y, dy)
    procedure(rhs_iface) :: f
    real(8), intent(in) :: y
    real(8), intent(out) :: dy
    call f(y, dy)
  end subroutine
  subroutine decay(y, dy)
    real(8), intent(in) :: y
    real(8), intent(out) :: dy
    dy = -y*y
  end subroutine
end module
subroutine s(x, n, f)
  use integ
  integer n, i
  real(8) x(n), f, y, dy
  type(stepper) :: st
  st%rhs => decay
  f = 0
  do i = 1, n
    y = x(i)
    call euler(st, y, 4)
    call apply(decay, y, dy)
    f = f + y + dy
  end do
end subroutine
""")

case("OPTIONAL procedure arguments (present() of a procedure dummy)", "supported", _as_s(OPTIONAL_PROC))

case("generic operators and defined assignment on a type with allocatable components", "supported",
     _as_s(OVERLOADED_FIELD_OPERATORS))

case("PRIVATE names that a unit using the module (without ONLY) declares itself", "supported",
     _as_s(PRIVATE_NAME_CLASH))

case("data pointers: local pointers to variables and sections, re-pointed in loops (p => w(2:n), old => new)",
     "supported", """\
subroutine s(x, n, f)
  integer n
  real(8), target :: x(n)
  real(8) :: f
  real(8), target :: a(n), b(n)
  real(8), pointer :: p(:), old(:), new(:), tmp(:)
  integer it, i
  p => x(2:n)
  a = x
  b = 0
  old => a
  new => b
  do it = 1, 4
    new(1) = old(1)
    do i = 2, n
      new(i) = old(i) + 0.3d0*old(i-1)*old(i) + 0.1d0*p(i-1)
    end do
    tmp => old
    old => new
    new => tmp
  end do
  f = sum(p**2) + sum(old**3) + b(2)
end subroutine
""")

case("POINTER components that the sources ALLOCATE (derived types in the style of Fortran 95)", "supported",
     _as_s(ALLOCATED_POINTER_COMPONENTS))

case("pointer dummies, module pointers and pointer components that are pointer-assigned", "error", """\
module grid
  real(8), target :: w(10)
  real(8), pointer :: p(:)
end module
subroutine s(x, n, f)
  use grid
  integer n
  real(8) :: x(n), f
  w(1:n) = x
  p => w(2:n)
  f = sum(p**2)
end subroutine
""", error="pointer assignment to 'p' (not a local pointer of 's') is not supported")

case("type extension: EXTENDS (components and bindings inherited, the parent part s%p), ABSTRACT types, "
     "DEFERRED bindings, CLASS(t) of an extended type", "supported", _as_s(EXTENDED_MODEL))

case("dynamic dispatch (a binding overridden in an extension called through CLASS(t), a DEFERRED binding "
     "called through its abstract type)", "error", """\
module shapes
  implicit none
  type :: shape
    real(8) :: a = 1
  contains
    procedure :: area => shape_area
  end type
  type, extends(shape) :: square
  contains
    procedure :: area => square_area
  end type
contains
  real(8) function shape_area(me)
    class(shape), intent(in) :: me
    shape_area = me%a
  end function
  real(8) function square_area(me)
    class(square), intent(in) :: me
    square_area = me%a**2
  end function
  real(8) function twice(me)
    class(shape), intent(in) :: me
    twice = 2*me%area()
  end function
end module
subroutine s(x, n, f)
  use shapes
  integer n
  real(8) :: x(n), f
  type(square) :: q
  q%a = x(1)
  f = twice(q)
end subroutine
""", error="dynamic dispatch is not supported")

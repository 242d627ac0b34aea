"""Procedure arguments: integrators, quadratures and root finders that receive the user's
function.  Each receiving routine gets a copy per procedure passed (passes/specialize_procedures),
so the adjoint of the integrator calls the adjoint of the right-hand side.  Checked with
``fadj check`` (tangent, adjoint, dot-product test), joint and split."""
from __future__ import annotations

import pytest

from fadj.ad.plan import CheckpointOptions
from fadj.tools.check import CheckOptions, run_check
from tests.helpers import check_cost, run_cli

# an RK4 integrator in a module, the right-hand side through procedure(iface), passed through
# two levels (integrate -> rk4_step), the right-hand side in another module with a parameter
ODE = """\
module ode
  implicit none
  abstract interface
    subroutine rhs_iface(n, t, y, dy)
      integer, intent(in) :: n
      double precision, intent(in) :: t, y(n)
      double precision, intent(out) :: dy(n)
    end subroutine
  end interface
contains
  subroutine rk4_step(f, n, t, h, y)
    procedure(rhs_iface) :: f
    integer, intent(in) :: n
    double precision, intent(in) :: t, h
    double precision, intent(inout) :: y(n)
    double precision :: k1(n), k2(n), k3(n), k4(n)
    call f(n, t, y, k1)
    call f(n, t + h/2, y + h/2*k1, k2)
    call f(n, t + h/2, y + h/2*k2, k3)
    call f(n, t + h, y + h*k3, k4)
    y = y + h/6*(k1 + 2*k2 + 2*k3 + k4)
  end subroutine
  subroutine integrate(f, n, y, t1, nsteps)
    procedure(rhs_iface) :: f
    integer, intent(in) :: n, nsteps
    double precision, intent(inout) :: y(n)
    double precision, intent(in) :: t1
    integer :: k
    double precision :: h
    h = t1/nsteps
    do k = 1, nsteps
      call rk4_step(f, n, (k - 1)*h, h, y)
    end do
  end subroutine
end module
module model
  implicit none
  double precision :: alpha = 0.7d0
contains
  subroutine lotka(n, t, y, dy)
    integer, intent(in) :: n
    double precision, intent(in) :: t, y(n)
    double precision, intent(out) :: dy(n)
    dy(1) = alpha*y(1) - 0.5d0*y(1)*y(2)
    dy(2) = -0.8d0*y(2) + 0.3d0*y(1)*y(2) + 0*t
  end subroutine
end module
subroutine cost(x, n, f)
  use ode
  use model
  integer n
  double precision x(n), f, y(2)
  y = x(1:2)
  alpha = x(3)
  call integrate(lotka, 2, y, 1.0d0, 20)
  f = y(1)**2 + y(2)
end subroutine
"""

# F77: an EXTERNAL function dummy called inside expressions (Simpson's rule), two integrands
QUAD = """\
      DOUBLE PRECISION FUNCTION SIMPSN(F, A, B, M, P)
      INTEGER M, I
      DOUBLE PRECISION F, A, B, P, H, S
      EXTERNAL F
      H = (B - A)/M
      S = F(A, P) + F(B, P)
      DO 10 I = 1, M - 1, 2
        S = S + 4.0D0*F(A + I*H, P)
   10 CONTINUE
      DO 20 I = 2, M - 2, 2
        S = S + 2.0D0*F(A + I*H, P)
   20 CONTINUE
      SIMPSN = S*H/3.0D0
      END
      DOUBLE PRECISION FUNCTION G1(T, P)
      DOUBLE PRECISION T, P
      G1 = EXP(-P*T)*COS(T)
      END
      DOUBLE PRECISION FUNCTION G2(T, P)
      DOUBLE PRECISION T, P
      G2 = T**2/(1.0D0 + P*T)
      END
      SUBROUTINE COST(X, N, F)
      INTEGER N
      DOUBLE PRECISION X(N), F, SIMPSN, G1, G2
      EXTERNAL G1, G2
      F = SIMPSN(G1, X(1), X(2), 20, X(3))
     &    *SIMPSN(G2, 0.0D0, X(2), 10, X(3))
      END
"""

# a Newton root finder whose residual reads a module variable set by the head
NEWTON = """\
module prm
  double precision p
contains
  subroutine resid(z, r, dr)
    double precision z, r, dr
    r = z**3 - p
    dr = 3*z**2
  end subroutine
end module
subroutine newton(fcn, z)
  external fcn
  double precision z, r, dr
  integer it
  do it = 1, 25
    call fcn(z, r, dr)
    z = z - r/dr
  end do
end subroutine
subroutine cost(x, n, f)
  use prm
  integer n
  double precision x(n), f, z
  p = x(1)
  z = 1.0d0 + x(2)
  call newton(resid, z)
  f = z*x(3)
end subroutine
"""


# an object-oriented solver: initialize() stores the right-hand side in a procedure-pointer
# component, integrate() calls it through the object (type-bound procedures too)
OO_SOLVER = """\
module solver
  implicit none
  type :: ode_solver
    integer :: n = 0
    double precision :: h = 0.05d0
    procedure(deriv_func), pointer :: df => null()
  contains
    procedure :: initialize
    procedure :: integrate
  end type
  abstract interface
    subroutine deriv_func(me, n, t, y, dy)
      import :: ode_solver
      class(ode_solver), intent(inout) :: me
      integer, intent(in) :: n
      double precision, intent(in) :: t, y(n)
      double precision, intent(out) :: dy(n)
    end subroutine
  end interface
contains
  subroutine initialize(me, n, df, h)
    class(ode_solver), intent(inout) :: me
    integer, intent(in) :: n
    procedure(deriv_func) :: df
    double precision, intent(in) :: h
    me%n = n
    me%h = h
    me%df => df
  end subroutine
  subroutine integrate(me, y, nsteps)
    class(ode_solver), intent(inout) :: me
    double precision, intent(inout) :: y(me%n)
    integer, intent(in) :: nsteps
    double precision :: k1(me%n), k2(me%n)
    integer :: i
    do i = 1, nsteps
      call me%df(me%n, (i - 1)*me%h, y, k1)
      call me%df(me%n, i*me%h, y + me%h*k1, k2)
      y = y + me%h/2*(k1 + k2)
    end do
  end subroutine
end module
module model
  use solver
  implicit none
  double precision :: rate = 0.5d0
contains
  subroutine rhs(me, n, t, y, dy)
    class(ode_solver), intent(inout) :: me
    integer, intent(in) :: n
    double precision, intent(in) :: t, y(n)
    double precision, intent(out) :: dy(n)
    dy = -rate*y*y + 0.1d0*cos(t)
  end subroutine
end module
subroutine cost(x, n, f)
  use solver
  use model
  integer n
  double precision x(n), f, y(2)
  type(ode_solver) :: s
  rate = x(3)
  y = x(1:2)
  call s%initialize(2, rhs, 0.05d0)
  call s%integrate(y, 10)
  f = sum(y**2)
end subroutine
"""


# an optional procedure argument (ddeabm's `report`): present() of the dummy in the copy that
# receives it is true; the call without it keeps the dummy (absent) and takes the other branch
OPTIONAL_PROC = """\
module stepper
  implicit none
  abstract interface
    subroutine hook_iface(n, y)
      integer, intent(in) :: n
      double precision, intent(inout) :: y(n)
    end subroutine
  end interface
contains
  subroutine advance(n, y, h, hook)
    integer, intent(in) :: n
    double precision, intent(inout) :: y(n)
    double precision, intent(in) :: h
    procedure(hook_iface), optional :: hook
    y = y + h*sin(y)
    if (present(hook)) then
      call hook(n, y)
    else
      y = y*1.5d0
    end if
  end subroutine
  subroutine damp(n, y)
    integer, intent(in) :: n
    double precision, intent(inout) :: y(n)
    y = y - 0.25d0*y**2
  end subroutine
end module
subroutine cost(x, n, f)
  use stepper
  integer n
  double precision x(n), f, y(3)
  y = x
  call advance(3, y, 0.1d0, damp)
  call advance(3, y, 0.2d0)
  f = sum(y**3)
end subroutine
"""


# a module-level procedure pointer set once by an initialisation routine, called through the
# pointer in another module (a Lorenz model's `system => lorenz_system`), with an array result
# assigned to its own argument (`s = euler(t, s, h)`) in a time loop
MODULE_PROCEDURE_POINTER = """\
module rhs_iface_m
  implicit none
  abstract interface
    function rhs_iface(t, s) result(d)
      double precision, intent(in) :: t, s(:)
      double precision :: d(size(s))
    end function
  end interface
end module
module models
  implicit none
contains
  function lorenz(t, s) result(d)
    double precision, intent(in) :: t, s(:)
    double precision :: d(size(s))
    d(1) = 10d0*(s(2) - s(1))
    d(2) = s(1)*(28d0 - s(3)) - s(2)
    d(3) = s(1)*s(2) - 8d0/3d0*s(3) + 0*t
  end function
end module
module system
  use rhs_iface_m
  implicit none
  procedure(rhs_iface), pointer :: rhs => null()
contains
  subroutine system_init(name)
    use models, only: lorenz
    character(*), intent(in) :: name
    if (name == 'lorenz') then
      rhs => lorenz
    end if
  end subroutine
end module
module stepper
  implicit none
contains
  function euler(t, s, h) result(y)
    use system, only: rhs
    double precision, intent(in) :: t, s(:), h
    double precision :: y(size(s))
    y = s + h*rhs(t, s)
  end function
end module
subroutine cost(x, n, f)
  use system, only: system_init
  use stepper, only: euler
  integer n, i
  double precision x(n), f, s(3), t
  call system_init('lorenz')
  s = x(1:3)
  t = 0
  do i = 1, 20
    s = euler(t, s, 0.002d0)
    t = t + 0.002d0
  end do
  f = sum(s**2)
end subroutine
"""


@pytest.mark.parametrize("source,suffix", [(ODE, ".f90"), (QUAD, ".f"), (NEWTON, ".f90"), (OO_SOLVER, ".f90"),
                                           (OPTIONAL_PROC, ".f90"), (MODULE_PROCEDURE_POINTER, ".f90")],
                         ids=["rk4-two-levels", "f77-function-dummy", "newton-module-state", "oo-solver-pointer",
                              "optional-procedure", "module-procedure-pointer"])
@pytest.mark.parametrize("split", [False, True], ids=["joint", "split"])
def test_procedure_argument_derivatives(tmp_path, gfortran, source, suffix, split):
    rep = check_cost(tmp_path, source, split, f"s{suffix}", n=3)
    assert rep.passed, rep.output[-2000:]


def test_copies_are_named_after_the_procedures(tmp_path):
    (tmp_path / "s.f").write_text(QUAD)
    p = run_cli("differentiate", "s.f", "--head", "cost", "--vars", "x", "--outvars", "f", "-o", "out",
                cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    text = (tmp_path / "out" / "s_b.f90").read_text()
    assert "subroutine simpsn_g1_b(" in text and "subroutine simpsn_g2_b(" in text
    assert "call g1_b(" in text and "call g2_b(" in text


def test_head_with_a_procedure_argument_is_an_error(tmp_path):
    (tmp_path / "h.f90").write_text("""\
subroutine cost(fcn, x, f)
  external fcn
  double precision x, f
  call fcn(x, f)
end subroutine
""")
    p = run_cli("differentiate", "h.f90", "--head", "cost", "--vars", "x", "--outvars", "f", cwd=tmp_path)
    assert p.returncode == 2
    assert p.stderr.strip() == ("h.f90:4: error: 'fcn' is a procedure argument of 'cost': the procedure passed for "
                                "it is not known in the sources (the head's own argument, or a procedure pointer)")


def test_absent_optional_procedure_called_without_present_is_an_error(tmp_path):
    (tmp_path / "o.f90").write_text(OPTIONAL_PROC.replace("    if (present(hook)) then\n      call hook(n, y)\n",
                                                          "    call hook(n, y)\n    if (n > 5) then\n"))
    p = run_cli("differentiate", "o.f90", "--head", "cost", "--vars", "x", "--outvars", "f", cwd=tmp_path)
    assert p.returncode == 2
    assert p.stderr.strip() == ("o.f90:16: error: 'hook' is an optional procedure argument of 'advance' that a call "
                                "leaves out, and it is called without a present() test")


def test_internal_procedure_actual_is_an_error(tmp_path):
    (tmp_path / "i.f90").write_text("""\
subroutine apply(fcn, x, y)
  external fcn
  double precision x, y
  call fcn(x, y)
end subroutine
subroutine cost(x, f)
  double precision x, f
  call apply(sq, x, f)
contains
  subroutine sq(a, b)
    double precision a, b
    b = a*a
  end subroutine
end subroutine
""")
    p = run_cli("differentiate", "i.f90", "--head", "cost", "--vars", "x", "--outvars", "f", cwd=tmp_path)
    assert p.returncode == 2
    assert "i.f90:8: error: internal procedure 'sq' passed as procedure argument 'fcn' of 'apply' is not " \
           "supported" in p.stderr, p.stderr


def test_procedure_pointer_with_two_targets_is_an_error(tmp_path):
    src = OO_SOLVER.replace("  call s%initialize(2, rhs, 0.05d0)\n",
                            "  call s%initialize(2, rhs, 0.05d0)\n  if (f < 0) s%df => other\n")
    src = src.replace("end module\nsubroutine cost", """  subroutine other(me, n, t, y, dy)
    class(ode_solver), intent(inout) :: me
    integer, intent(in) :: n
    double precision, intent(in) :: t, y(n)
    double precision, intent(out) :: dy(n)
    dy = y
  end subroutine
end module
subroutine cost""")
    (tmp_path / "s.f90").write_text(src)
    p = run_cli("differentiate", "s.f90", "--head", "cost", "--vars", "x", "--outvars", "f", cwd=tmp_path)
    assert p.returncode == 2
    assert "procedure-pointer component 'df' of type 'ode_solver' points to 2 procedures (other, rhs)" in p.stderr, \
        p.stderr


# the solver in one file; the right-hand side's module and the head in another (fortran-lang
# minpack's examples): the solver's copy calls the user's module, the head calls the solver, so the
# derivative units of the second file go in separate files (else the Makefile has a cycle)
SOLVER_FILE = """\
module fixpt
  implicit none
contains
  subroutine iterate(g, n, x, nit)
    external g
    integer, intent(in) :: n, nit
    double precision, intent(inout) :: x(n)
    double precision :: gx(n)
    integer :: k
    do k = 1, nit
      call g(n, x, gx)
      x = 0.5d0*(x + gx)
    end do
  end subroutine
end module
"""

USER_FILE = """\
module problem
  implicit none
  double precision :: c(3)
contains
  subroutine g(n, x, gx)
    integer, intent(in) :: n
    double precision, intent(in) :: x(n)
    double precision, intent(out) :: gx(n)
    gx = cos(c(1:n)*x)
  end subroutine
end module
subroutine cost(x, n, f)
  use fixpt, only: iterate
  use problem, only: c, g
  implicit none
  integer, intent(in) :: n
  double precision, intent(in) :: x(n)
  double precision, intent(out) :: f
  double precision :: y(n)
  c = [0.7d0, 0.9d0, 1.1d0]
  y = x
  call iterate(g, n, y, 6)
  f = sum(y**2)
end subroutine
"""


@pytest.mark.parametrize("split", [False, True], ids=["joint", "split"])
def test_user_module_and_head_in_one_file(tmp_path, gfortran, split):
    (tmp_path / "solver.f90").write_text(SOLVER_FILE)
    (tmp_path / "user.f90").write_text(USER_FILE)
    rep = run_check(CheckOptions([str(tmp_path / "solver.f90"), str(tmp_path / "user.f90")], "cost", "x", "f",
                                 outdir=tmp_path / "chk", sizes=["n=3"],
                                 checkpoint=CheckpointOptions(nocheckpoint=split)))
    assert rep.passed, rep.output[-2000:]
    assert (tmp_path / "chk" / "user_problem_diff.f90").exists()


def test_procedure_pointer_with_two_targets_named(tmp_path):
    src = MODULE_PROCEDURE_POINTER.replace("      rhs => lorenz\n", "      rhs => lorenz\n    else\n      rhs => lorenz2\n")
    src = src.replace("end module\nmodule system", """  function lorenz2(t, s) result(d)
    double precision, intent(in) :: t, s(:)
    double precision :: d(size(s))
    d = -s + 0*t
  end function
end module
module system""", 1).replace("use models, only: lorenz\n", "use models, only: lorenz, lorenz2\n")
    (tmp_path / "p.f90").write_text(src)
    p = run_cli("differentiate", "p.f90", "--head", "cost", "--vars", "x", "--outvars", "f", cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    assert "error: procedure pointer 'rhs' points to 2 procedures (lorenz, lorenz2): fadj needs the one it calls" \
        in p.stderr, p.stderr

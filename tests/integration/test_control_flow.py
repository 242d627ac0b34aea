"""Reverse mode through every kind of control flow: nested IFs, SELECT CASE, DO WHILE,
EXIT/CYCLE (also to outer loops), RETURN inside loops, GO TO forward and backward, arithmetic
IF, computed GO TO. Gradients against central finite differences, several inputs taking
different paths."""
from __future__ import annotations

import pytest

from tests.helpers import fd_check

INITS = [
    "    do i = 1, n\n      x(i) = 0.2d0 + 0.1d0*i\n    end do",
    "    do i = 1, n\n      x(i) = 0.2d0 + 0.1d0*i\n    end do\n    x(5) = 3.5d0",
    "    do i = 1, n\n      x(i) = 0.2d0 + 0.1d0*i\n    end do\n    x(3) = 2.8d0",
    "    do i = 1, n\n      x(i) = 1.3d0 - 0.13d0*i\n    end do",
]

EXIT_CYCLE_RETURN = """\
subroutine s(x, n, f)
  integer :: n, i, j
  real(8) :: x(n), f, t
  f = 0
  outer: do i = 1, n
    t = x(i)
    if (t > 2.5d0) exit
    do j = 1, n
      if (j == i) cycle
      if (x(j) > 3.0d0) exit outer
      f = f + sin(t*x(j))
    end do
    if (f > 100) return
    f = f*1.01d0
  end do outer
  f = f + x(1)**2
end subroutine
"""

WHILE_ENDLESS = """\
subroutine s(x, n, f)
  integer :: n, i, k
  real(8) :: x(n), f, t
  f = 0
  i = 0
  do while (i < n)
    i = i + 1
    f = f + x(i)*cos(f)
  end do
  k = 0
  do
    k = k + 1
    if (k > n) exit
    t = x(k)
    if (t < 0.45d0) cycle
    f = f + t**3
  end do
  f = f + x(1)**2
end subroutine
"""

SELECT = """\
subroutine s(x, n, f)
  integer :: n, i
  real(8) :: x(n), f
  f = 1
  do i = 1, n
    select case (mod(i, 4))
    case (0)
      f = f*x(i)
    case (1, 2)
      if (x(i) > 1.0d0) then
        f = f + exp(x(i))
      else if (x(i) > 0.5d0) then
        f = f - x(i)**2
      else
        f = f + sqrt(x(i))*f
      end if
    case default
      f = f/(1 + x(i)**2)
    end select
  end do
end subroutine
"""

GOTO_F77 = """\
      SUBROUTINE S(X, N, F)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      DIMENSION X(N)
      F = 0.0D0
      I = 0
   10 I = I + 1
      IF (I .GT. N) GOTO 50
      T = X(I)
      IF (T - 0.55D0) 20, 30, 30
   20 F = F + SIN(T)*F + T**2
      GOTO 10
   30 F = F*COS(T) + T
      DO 40 J = 1, N
         IF (X(J) .GT. 1.25D0) GOTO 10
         F = F + X(J)*T
   40 CONTINUE
      GOTO 10
   50 CONTINUE
      K = MOD(N, 3) + 1
      GOTO (60, 70, 80) K
   60 F = F*X(1)
      GOTO 90
   70 F = F + X(2)**3
      GOTO 90
   80 F = F - X(3)
   90 RETURN
      END
"""

EARLY_RETURN = """\
      SUBROUTINE S(X, N, F)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      DIMENSION X(N)
      F = X(1)**2
      IF (N .LE. 0) RETURN
      IF (X(2) .GT. 2.0D0) THEN
         F = F + X(2)
         RETURN
      ELSE IF (X(3) .GT. 2.0D0) THEN
         F = F*X(3)
         RETURN
      END IF
      DO 10 I = 1, N
         F = F + X(I)*X(1)
   10 CONTINUE
      END
"""

CASES = {
    "exit-cycle-return": (EXIT_CYCLE_RETURN, ".f90"),
    "while-endless-do": (WHILE_ENDLESS, ".f90"),
    "select-case": (SELECT, ".f90"),
    "goto-arithmetic-if-computed-goto": (GOTO_F77, ".f"),
    "early-return": (EARLY_RETURN, ".f"),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("split", [False, True], ids=["joint", "split"])
def test_control_flow_gradient(name, split, tmp_path, gfortran):
    src, suffix = CASES[name]
    init = INITS if name != "early-return" else INITS + [
        "    do i = 1, n\n      x(i) = 0.2d0 + 0.1d0*i\n    end do\n    x(2) = 2.5d0"]
    # called from a wrapper, so that the routine is reversed both as a whole (_b) and in split halves
    if suffix == ".f":
        wrapper = ("      SUBROUTINE W(X, N, F)\n      DOUBLE PRECISION X(N), F\n      CALL S(X, N, F)\n"
                   "      F = 1.5D0*F\n      END\n")
    else:
        wrapper = "subroutine w(x, n, f)\n  integer :: n\n  real(8) :: x(n), f\n  call s(x, n, f)\n  f = 1.5d0*f\nend\n"
    err = fd_check(tmp_path, src + wrapper, head="w", suffix=suffix, init=init,
                   args=("--nocheckpoint",) if split else ())
    assert err < 1e-6

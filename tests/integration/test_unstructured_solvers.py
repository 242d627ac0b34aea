"""Unstructured F77 solver loops, written here in the style of netlib codes: an adaptive
Runge-Kutta integrator (GOTO accept/reject loop, step-size control, a stiffness counter, a
work array split by offsets) and an adaptive quadrature (an interval list in work arrays,
bisection of the worst interval, Simpson's rule with Richardson extrapolation).  Their adjoints
and tangents, joint and split, must match central differences: the step sizes, the accepted
steps and the chosen intervals depend on the inputs, and the derivative follows the path the
primal took (``fadj check``)."""
from __future__ import annotations

import pytest

from tests.helpers import check_cost


INTEGRATOR = """\
C     Adaptive Heun-Euler integrator, classic F77 style: GOTO accept/reject
C     loop, step-size control, a stiffness counter, work array split by offsets.
      SUBROUTINE RHS(N, T, Y, YP, P)
      INTEGER N
      DOUBLE PRECISION T, Y(N), YP(N), P(2)
      YP(1) = P(1)*Y(1) - 0.5D0*Y(1)*Y(2)
      YP(2) = -P(2)*Y(2) + 0.3D0*Y(1)*Y(2)
      END

      SUBROUTINE STEP2(N, T, H, Y, K1, K2, YNEW, ERR, P)
      INTEGER N, I
      DOUBLE PRECISION T, H, Y(N), K1(N), K2(N), YNEW(N), ERR, P(2)
      CALL RHS(N, T, Y, K1, P)
      DO 10 I = 1, N
        YNEW(I) = Y(I) + H*K1(I)
   10 CONTINUE
      CALL RHS(N, T + H, YNEW, K2, P)
      ERR = 0.0D0
      DO 20 I = 1, N
        YNEW(I) = Y(I) + 0.5D0*H*(K1(I) + K2(I))
        ERR = MAX(ERR, ABS(0.5D0*H*(K2(I) - K1(I)))/(1.0D0 + ABS(Y(I))))
   20 CONTINUE
      END

      SUBROUTINE INTEG(N, Y, T0, T1, TOL, WORK, P, NSTEP, IFLAG)
      INTEGER N, NSTEP, IFLAG, I, NREJ, NSTIFF, L1, L2, L3
      DOUBLE PRECISION Y(N), T0, T1, TOL, WORK(*), P(2), T, H, ERR, FAC
      L1 = 1
      L2 = L1 + N
      L3 = L2 + N
      T = T0
      H = 0.01D0*(T1 - T0)
      NSTEP = 0
      NREJ = 0
      NSTIFF = 0
      IFLAG = 0
  100 IF (T .GE. T1) GOTO 900
      IF (T + H .GT. T1) H = T1 - T
  200 CALL STEP2(N, T, H, Y, WORK(L1), WORK(L2), WORK(L3), ERR, P)
      IF (ERR .LE. TOL) GOTO 300
C     reject: shrink the step and retry
      NREJ = NREJ + 1
      FAC = MAX(0.2D0, 0.9D0*SQRT(TOL/ERR))
      H = H*FAC
      IF (NREJ .GT. 500) GOTO 800
      GOTO 200
C     accept
  300 T = T + H
      DO 310 I = 1, N
        Y(I) = WORK(L3 + I - 1)
  310 CONTINUE
      NSTEP = NSTEP + 1
      IF (ERR .GT. 0.5D0*TOL) THEN
        NSTIFF = NSTIFF + 1
      ELSE
        NSTIFF = 0
      END IF
      IF (NSTIFF .GT. 50) GOTO 810
      FAC = MIN(2.0D0, 0.9D0*SQRT(TOL/MAX(ERR, 1.0D-12)))
      H = H*FAC
      GOTO 100
  800 IFLAG = 1
      RETURN
  810 IFLAG = 2
      RETURN
  900 IFLAG = 0
      END

      SUBROUTINE COST(X, N, F)
      INTEGER N, NSTEP, IFLAG
      DOUBLE PRECISION X(N), F, Y(2), P(2), WORK(6)
      Y(1) = X(1)
      Y(2) = X(2)
      P(1) = X(3)
      P(2) = X(4)
      CALL INTEG(2, Y, 0.0D0, 2.0D0, 1.0D-5, WORK, P, NSTEP, IFLAG)
      F = Y(1)**2 + Y(2)
      END
"""

QUADRATURE = """\
C     Adaptive quadrature, classic F77 style: a list of intervals in
C     work
C     arrays, bisection of the interval with the largest error estimate
C     (GOTO loop), Simpson's rule on each half, Richardson
C     extrapolation.
      DOUBLE PRECISION FUNCTION FINT(T, P)
      DOUBLE PRECISION T, P(2)
      FINT = EXP(-P(1)*T)*COS(P(2)*T) + 0.1D0*T*T
      END

      SUBROUTINE SIMP(A, B, P, S, E)
      DOUBLE PRECISION A, B, P(2), S, E, C, H, S1, S2, FINT
      EXTERNAL FINT
      C = 0.5D0*(A + B)
      H = B - A
      S1 = H/6.0D0*(FINT(A, P) + 4.0D0*FINT(C, P) + FINT(B, P))
      S2 = H/12.0D0*(FINT(A, P) + 4.0D0*FINT(0.5D0*(A + C), P)
     &     + 2.0D0*FINT(C, P) + 4.0D0*FINT(0.5D0*(C + B), P)
     &     + FINT(B, P))
      S = S2 + (S2 - S1)/15.0D0
      E = ABS(S2 - S1)
      END

      SUBROUTINE AQUAD(A, B, P, TOL, LIMIT, WORK, RES, ERR, LAST, IER)
      INTEGER LIMIT, LAST, IER, I, K, L1, L2, L3
      DOUBLE PRECISION A, B, P(2), TOL, WORK(*), RES, ERR, AM, S, E
C     WORK(L1..): left ends, WORK(L2..): right ends, WORK(L3..): sums,
C     WORK(L3+LIMIT..): errors
      L1 = 1
      L2 = L1 + LIMIT
      L3 = L2 + LIMIT
      IER = 0
      LAST = 1
      WORK(L1) = A
      WORK(L2) = B
      CALL SIMP(A, B, P, WORK(L3), WORK(L3 + LIMIT))
   10 ERR = 0.0D0
      RES = 0.0D0
      K = 1
      DO 20 I = 1, LAST
        RES = RES + WORK(L3 + I - 1)
        ERR = ERR + WORK(L3 + LIMIT + I - 1)
        IF (WORK(L3 + LIMIT + I - 1) .GT. WORK(L3 + LIMIT + K - 1))
     &      K = I
   20 CONTINUE
      IF (ERR .LE. TOL) GOTO 90
      IF (LAST .GE. LIMIT) GOTO 80
C     bisect interval K: the right half goes to the end of the list
      AM = 0.5D0*(WORK(L1 + K - 1) + WORK(L2 + K - 1))
      LAST = LAST + 1
      WORK(L1 + LAST - 1) = AM
      WORK(L2 + LAST - 1) = WORK(L2 + K - 1)
      WORK(L2 + K - 1) = AM
      CALL SIMP(WORK(L1 + K - 1), AM, P, S, E)
      WORK(L3 + K - 1) = S
      WORK(L3 + LIMIT + K - 1) = E
      CALL SIMP(AM, WORK(L2 + LAST - 1), P, S, E)
      WORK(L3 + LAST - 1) = S
      WORK(L3 + LIMIT + LAST - 1) = E
      GOTO 10
   80 IER = 1
   90 RETURN
      END

      SUBROUTINE COST(X, N, F)
      INTEGER N, LAST, IER
      DOUBLE PRECISION X(N), F, P(2), WORK(200), RES, ERR
      P(1) = X(1)
      P(2) = X(2)
      CALL AQUAD(X(3), X(4), P, 1.0D-9, 50, WORK, RES, ERR, LAST, IER)
      F = RES**2 + RES
      END
"""


@pytest.mark.parametrize("source", [INTEGRATOR, QUADRATURE], ids=["adaptive-rk", "adaptive-quadrature"])
@pytest.mark.parametrize("split", [False, True], ids=["joint", "split"])
def test_solver_adjoint_matches_finite_differences(tmp_path, gfortran, source, split):
    rep = check_cost(tmp_path, source, split, "s.f", n=4)
    assert rep.passed, rep.output[-2000:]

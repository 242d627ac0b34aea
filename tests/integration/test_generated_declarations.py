"""Declarations and layout of generated code that real codes exercised: PARAMETERs that refer
to each other, COMMON arrays dimensioned by another routine's PARAMETERs, FORMAT statements in
routines reversed block by block, and argument lists longer than a line.  Each builds with the
generated Makefile's default flags and passes ``fadj check`` (joint and split)."""
from __future__ import annotations

import pytest

from fadj.ad.plan import CheckpointOptions
from fadj.api import differentiate
from fadj.tools.check import CheckOptions, run_check

# mu is declared before the PARAMETER it is defined from
PARAMETER_ORDER = ("p.f", """\
      SUBROUTINE COST(X, N, F)
      INTEGER N, I
      DOUBLE PRECISION X(N), F, MU, ONE, TWO
      PARAMETER (ONE = 1.0D0)
      PARAMETER (MU = ONE/3.0D0, TWO = 2*ONE)
      F = 0
      DO 10 I = 1, N
        F = F + MU*X(I)**2 + TWO*SIN(X(I))
   10 CONTINUE
      END
""", "n=5")

# the snapshot of /fld/ is taken in STEP, which does not declare the block: its declaration there
# needs SQ's PARAMETER nn
COMMON_PARAMETER = ("c.f", """\
      SUBROUTINE SQ
      INTEGER NN
      PARAMETER (NN = 4)
      DOUBLE PRECISION U(NN)
      COMMON /FLD/ U
      INTEGER I
      DO 10 I = 1, NN
        U(I) = U(I)*U(I) + 1D0
   10 CONTINUE
      END
      SUBROUTINE STEP
      CALL SQ
      CALL SQ
      END
      SUBROUTINE COST(X, N, F)
      INTEGER N
      DOUBLE PRECISION X(N), F, U(4)
      COMMON /FLD/ U
      U = X
      CALL STEP
      F = U(1) + U(2)*U(3) + U(4)
      END
""", "n=4")

# FORMATs after RETURN, one shared by two WRITEs, in a routine with jumps (reversed by blocks)
FORMATS = ("g.f", """\
      SUBROUTINE COST(X, N, F)
      INTEGER N, I, K
      DOUBLE PRECISION X(N), F, T
      F = 0
      K = 0
      I = 0
   10 I = I + 1
      IF (I .GT. N) GOTO 40
      T = X(I)
      IF (T .LT. 0.9D0) GOTO 20
      F = F + T**2
      WRITE(*, 100) I, F
      GOTO 10
   20 F = F*COS(T) + T
      WRITE(*, 100) I, F
      K = K + 1
      IF (K .GT. 100) GOTO 30
      GOTO 10
   30 WRITE(*, 200)
   40 RETURN
  100 FORMAT(' step ', I4, ' f = ', ES12.4)
  200 FORMAT(' too many ')
      END
""", "n=6")

# derivative argument lists past 132 columns
LONG_HEADER = ("h.f90", """\
subroutine integrate(alpha, beta, gamma, delta, epsil, zeta, theta, kappa, lambda, omega, result)
  double precision alpha, beta, gamma, delta, epsil, zeta, theta, kappa, lambda, omega, result
  result = alpha*beta + gamma*delta + epsil*zeta + theta*kappa + lambda*omega**2
end subroutine
subroutine cost(x, n, f)
  integer n
  double precision x(n), f
  call integrate(x(1), x(2), x(3), x(4), x(5), x(6), x(7), x(8), x(9), x(10), f)
end subroutine
""", "n=10")


@pytest.mark.parametrize("case", [PARAMETER_ORDER, COMMON_PARAMETER, FORMATS, LONG_HEADER],
                         ids=["parameter-order", "common-parameter", "formats", "long-header"])
@pytest.mark.parametrize("split", [False, True], ids=["joint", "split"])
def test_generated_code_builds_and_checks(tmp_path, gfortran, case, split):
    name, text, size = case
    (tmp_path / name).write_text(text)
    rep = run_check(CheckOptions([str(tmp_path / name)], "cost", "x", "f", outdir=tmp_path / "chk", sizes=[size],
                                 checkpoint=CheckpointOptions(nocheckpoint=split)))
    assert rep.passed, rep.output[-2000:]


def test_no_generated_line_is_longer_than_132(tmp_path):
    name, text, _ = LONG_HEADER
    (tmp_path / name).write_text(text)
    res = differentiate([str(tmp_path / name)], "cost", "x", "f", mode="both", outdir=tmp_path / "out")
    for fname, body in res.files.items():
        assert all(len(ln) <= 132 for ln in body.splitlines()), fname


def test_formats_are_emitted_once_per_routine(tmp_path):
    name, text, _ = FORMATS
    (tmp_path / name).write_text(text)
    res = differentiate([str(tmp_path / name)], "cost", "x", "f", outdir=tmp_path / "out")
    body = next(v for k, v in res.files.items() if k.endswith("_b.f90"))
    assert body.count("100 FORMAT(") == 1 and body.count("200 FORMAT(") == 1
    assert "100 continue" not in body

"""EQUIVALENCE of written real storage: the names are one storage for the analyses
(analysis/equivalence.py), their derivatives are equivalenced the same way.  Checked with
``fadj check`` (tangent, adjoint, dot-product test), joint and split."""
from __future__ import annotations

import pytest

from tests.helpers import check_cost, run_cli

# one work array W split into A and B by EQUIVALENCE, written through all three names
SPLIT_WORK = """\
      SUBROUTINE COST(X, N, F)
      INTEGER N, I
      DOUBLE PRECISION X(N), F
      DOUBLE PRECISION W(12), A(6), B(6)
      EQUIVALENCE (W(1), A(1)), (W(7), B(1))
      DO 10 I = 1, N
        A(I) = X(I)**2
        B(I) = SIN(X(I))
   10 CONTINUE
      DO 20 I = 2, 11
        W(I) = W(I) + 0.5D0*W(I-1)*W(I+1)
   20 CONTINUE
      F = 0
      DO 30 I = 1, 12
        F = F + W(I)**2
   30 CONTINUE
      F = F + A(2)*B(3)
      END
"""

# the storage written through P and Q, then by a (checkpointed) call through V: the snapshot
# before the call must hold what P and Q wrote
CALL_THROUGH_OTHER_NAME = """\
      SUBROUTINE WORK(X, N, F)
      INTEGER N, I
      DOUBLE PRECISION X(N), F
      DOUBLE PRECISION V(10), P(5), Q(5)
      EQUIVALENCE (V(1), P(1)), (V(6), Q(1))
      DO 10 I = 1, 5
        P(I) = X(I)*X(I+1)
        Q(I) = COS(X(I))
   10 CONTINUE
      CALL SCALE(V, 10)
      F = 0
      DO 20 I = 1, 5
        F = F + P(I)*Q(I) + V(I+5)**3
   20 CONTINUE
      END
      SUBROUTINE SCALE(V, M)
      INTEGER M, I
      DOUBLE PRECISION V(M)
      DO 30 I = 2, M
        V(I) = V(I) * V(I-1) * 0.3D0 + V(I)
   30 CONTINUE
      END
      SUBROUTINE COST(X, N, F)
      INTEGER N
      DOUBLE PRECISION X(N), F, G
      CALL WORK(X, N, F)
      CALL WORK(X, N, G)
      F = F*G
      END
"""

# two scalars sharing storage in a loop
SCALARS = """\
subroutine cost(x, n, f)
  integer n, i
  double precision x(n), f
  double precision a, b, t
  equivalence (a, b)
  f = 0
  do i = 1, n
    a = x(i)**2
    t = b*x(i)
    b = sin(t) + a
    f = f + a*t
  end do
end subroutine
"""


@pytest.mark.parametrize("source,suffix", [(SPLIT_WORK, ".f"), (CALL_THROUGH_OTHER_NAME, ".f"), (SCALARS, ".f90")],
                         ids=["split-work", "call-through-other-name", "scalars"])
@pytest.mark.parametrize("split", [False, True], ids=["joint", "split"])
def test_equivalence_derivatives(tmp_path, gfortran, source, suffix, split):
    rep = check_cost(tmp_path, source, split, f"e{suffix}")
    assert rep.passed, rep.output[-2000:]


def test_active_real_overlaid_by_an_integer_is_an_error(tmp_path):
    (tmp_path / "e.f").write_text("""\
      SUBROUTINE COST(X, N, F)
      INTEGER N, I
      DOUBLE PRECISION X(N), F
      DOUBLE PRECISION W(4)
      INTEGER K(8)
      EQUIVALENCE (W(1), K(1))
      W(1) = X(1)
      W(2) = X(2)**2
      F = W(1)*W(2)
      END
""")
    p = run_cli("differentiate", "e.f", "--head", "cost", "--vars", "x", "--outvars", "f", cwd=tmp_path)
    assert p.returncode == 2
    assert p.stderr.strip() == ("e.f:6: error: EQUIVALENCE of active real storage with a value of another type or "
                                "kind ('EQUIVALENCE(W(1), K(1))') is not supported: its derivative cannot share the "
                                "storage")

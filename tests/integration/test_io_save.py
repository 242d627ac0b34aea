"""Two documented behaviours of the coverage table, pinned with exact values.

* I/O stays in the primal and is re-executed when a checkpointed call is recomputed: a callee
  that prints runs twice per adjoint call in joint mode (the plain call in the forward sweep,
  the recomputation inside ``record_b``), once in split mode (``record_fwd``).
* SAVEd variables: derivative routines keep their own copy, so state carried between calls is
  not differentiated.  Two calls of ``s_b`` see ncall = 1, 2 and acc = x1, 2*x1 in their own
  copy (the primal's copy is not touched), and the derivative of acc flows only from this
  call's ``acc = acc + x(1)``.
"""
from __future__ import annotations

import math
import re

import pytest

from fadj.ad.plan import CheckpointOptions
from fadj.api import differentiate
from fadj.backend.build import run_make
from tests.helpers import compile_and_run

SOURCE = """\
subroutine record(x, n, f)
  integer :: n
  real(8) :: x(n), f
  f = sum(sin(x)**2)
  print '(a)', 'record ran'
end subroutine
subroutine s(x, n, f)
  integer :: n
  real(8) :: x(n), f
  real(8), save :: acc = 0
  integer, save :: ncall = 0
  ncall = ncall + 1
  acc = acc + x(1)
  call record(x, n, f)
  f = f + acc*x(2) + ncall*x(3)**2
end subroutine
"""

DRIVER = """\
program d
  implicit none
  real(8) :: x(3), xb(3), f, fb
  integer :: k
  x = [0.7d0, 1.3d0, 0.9d0]
  call s(x, 3, f)
  print '(a, es24.16)', 'primal ', f
  do k = 1, 2
    xb = 0
    fb = 1
    call s_b(x, xb, 3, f, fb)
    print '(a, 5es24.16)', 'adjoint ', f, xb, fb
  end do
  call s(x, 3, f)
  print '(a, es24.16)', 'primal ', f
end program
"""

X = (0.7, 1.3, 0.9)


def expected(k: int):
    """f and its gradient when ncall = k and acc = k*x1 (the k-th call)."""
    x1, x2, x3 = X
    f = sum(math.sin(v) ** 2 for v in X) + k * x1 * x2 + k * x3 ** 2
    g = (math.sin(2 * x1) + x2, math.sin(2 * x2) + k * x1, math.sin(2 * x3) + 2 * k * x3)
    return f, g


@pytest.mark.parametrize("split,runs_per_adjoint", [(False, 2), (True, 1)], ids=["joint", "split"])
def test_io_rerun_and_save_copies(tmp_path, gfortran, split, runs_per_adjoint):
    (tmp_path / "s.f90").write_text(SOURCE)
    out = tmp_path / "out"
    differentiate([str(tmp_path / "s.f90")], "s", "x", "f", outdir=out, opts=CheckpointOptions(nocheckpoint=split))
    run_make(out)
    text = compile_and_run(out, DRIVER)
    assert text.count("record ran") == 2 + 2 * runs_per_adjoint, text
    primal = [float(v) for v in re.findall(r"^primal\s+(\S+)", text, re.M)]
    adj = [[float(v) for v in ln.split()[1:]] for ln in text.splitlines() if ln.startswith("adjoint")]
    # the primal's own SAVE copy: calls 1 and 2, untouched by the adjoint calls in between
    assert primal == pytest.approx([expected(1)[0], expected(2)[0]], rel=1e-14)
    for k, row in enumerate(adj, start=1):
        f, g = expected(k)
        assert row[0] == pytest.approx(f, rel=1e-14)
        assert row[1:4] == pytest.approx(g, rel=1e-14)
        assert row[4] == 0.0

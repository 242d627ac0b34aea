"""Kind promotion flags (``--fflags "-fdefault-real-8 -fdefault-double-8"``, ``-freal-4-real-8``):
the analysis takes the promoted widths (a plain REAL is 8 bytes: the check driver declares it
so), the runtime is compiled without them (its explicit kinds would collide), and a promotion
to a width the runtime does not hold is an error at the variable."""
from __future__ import annotations

import pytest

from fadj.ad.plan import CheckpointOptions
from fadj.frontend.kinds import RealKinds, real_kinds
from fadj.frontend.options import SourceOptions
from fadj.tools.check import CheckOptions, run_check
from tests.helpers import run_cli

SOURCE = """\
subroutine cost(x, n, f)
  integer n, i
  real x(n), f, w(n)
  real(4) :: c
  c = 0.3
  w = x
  do i = 2, n
    w(i) = w(i) + c*sin(w(i-1))*w(i)
  end do
  f = sum(w**2)
end subroutine
"""


@pytest.mark.parametrize("flags", ["-fdefault-real-8 -fdefault-double-8", "-freal-4-real-8"])
@pytest.mark.parametrize("split", [False, True], ids=["joint", "split"])
def test_promoted_code_checks(tmp_path, gfortran, flags, split):
    (tmp_path / "p.f90").write_text(SOURCE)
    rep = run_check(CheckOptions([str(tmp_path / "p.f90")], "cost", "x", "f", outdir=tmp_path / "chk", sizes=["n=5"],
                                 checkpoint=CheckpointOptions(nocheckpoint=split),
                                 source=SourceOptions.make(fflags=flags), tol=1e-6))
    assert rep.passed, rep.output[-1500:]
    assert "real(8) :: x(1:5)" in (tmp_path / "chk" / "check_driver.f90").read_text()


def test_kind_model():
    assert real_kinds([]) == RealKinds()
    k = real_kinds(["-fdefault-real-8", "-fdefault-double-8"])
    assert (k.default, k.double) == (8, 8)
    assert real_kinds(["-fdefault-real-8"]).double == 16
    k = real_kinds(["-freal-4-real-8"])
    assert (k.default, k.double, dict(k.mapping)) == (8, 8, {4: 8})


def test_double_promoted_to_16_is_an_error(tmp_path):
    (tmp_path / "q.f90").write_text(SOURCE.replace("  real x(n), f, w(n)", "  double precision x(n), f, w(n)"))
    p = run_cli("differentiate", "q.f90", "--head", "cost", "--vars", "x", "--outvars", "f",
                "--fflags", "-fdefault-real-8", cwd=tmp_path)
    assert p.returncode == 2
    assert "real(16), which fadj's AD stack does not hold (add -fdefault-double-8 to -fdefault-real-8)" in p.stderr

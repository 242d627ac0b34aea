"""Module procedures with the same name in different modules (``step`` in ocean and in ice):
legal Fortran, each known as module::name.  Their derivatives live in their own ``m_diff``
and callers import them renamed where both are used."""
from __future__ import annotations

import pytest

from fadj.ad.plan import CheckpointOptions
from fadj.tools.check import CheckOptions, run_check
from tests.helpers import run_cli

SOURCE = """\
module ocean
  implicit none
contains
  subroutine step(u, n)
    integer n
    double precision u(n)
    u = u + 0.1d0*sin(u)
  end subroutine
  subroutine run(u, n)
    integer n
    double precision u(n)
    call step(u, n)
    call step(u, n)
  end subroutine
end module
module ice
  implicit none
contains
  subroutine step(u, n)
    integer n
    double precision u(n)
    u = u*0.9d0 + 0.05d0*u**2
  end subroutine
end module
subroutine cost(x, n, f)
  use ocean, only: ocean_step => step, run
  use ice, only: ice_step => step
  integer n
  double precision x(n), f
  call ocean_step(x, n)
  call ice_step(x, n)
  call run(x, n)
  f = sum(x**2)
end subroutine
"""


@pytest.mark.parametrize("mode,split", [("both", False), ("both", True)], ids=["joint", "split"])
def test_same_named_module_procedures(tmp_path, gfortran, mode, split):
    (tmp_path / "m.f90").write_text(SOURCE)
    rep = run_check(CheckOptions([str(tmp_path / "m.f90")], "cost", "x", "f", outdir=tmp_path / "chk", sizes=["n=4"],
                                 mode=mode, checkpoint=CheckpointOptions(nocheckpoint=split)))
    assert rep.passed, rep.output[-1500:]


def test_head_by_module_and_name(tmp_path):
    (tmp_path / "m.f90").write_text(SOURCE)
    p = run_cli("differentiate", "m.f90", "--head", "step", "--vars", "u", "--outvars", "u", cwd=tmp_path)
    assert p.returncode == 2
    assert p.stderr.strip() == "fadj: error: head 'step' is ambiguous: say which one (ice::step, ocean::step)"
    p = run_cli("differentiate", "m.f90", "--head", "ice::step", "--vars", "u", "--outvars", "u", cwd=tmp_path)
    assert p.returncode == 0, p.stderr

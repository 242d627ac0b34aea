"""The head's derivative interface is Tapenade's: an argument in neither --vars nor --outvars
has no derivative argument, even when it is active inside (a work array, a state updated in
place).  Its derivative is a local, zero on entry; a driver written for Tapenade's signature
links and gets the right gradient."""
from __future__ import annotations

import re

import pytest

from fadj.ad.plan import CheckpointOptions
from fadj.api import differentiate
from fadj.backend.build import run_make
from fadj.tools.check import CheckOptions, run_check
from tests.helpers import compile_and_run

SOURCE = """\
subroutine cost(x, n, work, state, f)
  integer n, i
  double precision x(n), work(n), state(n), f
  do i = 1, n
    work(i) = x(i)**2
    state(i) = state(i) + work(i)*x(i)
  end do
  f = sum(state) + sum(work*state)
end subroutine
"""

DRIVER = """\
program d
  implicit none
  integer, parameter :: n = 4
  double precision :: x(n), xb(n), work(n), state(n), f, fb, g(n)
  integer :: i
  x = [0.3d0, 0.7d0, 1.1d0, 1.4d0]
  state = 0.5d0
  xb = 0
  fb = 1
  call cost_b(x, xb, n, work, state, f, fb)
  ! f = sum(0.5 + x**3) + sum(x**2*(0.5 + x**3)): df/dx = 3x**2 + x + 5x**4
  g = 3*x**2 + x + 5*x**4
  print '(a, es12.4)', 'err ', maxval(abs(xb - g)/abs(g))
  print '(a, es12.4)', 'fb ', fb
end program
"""


@pytest.mark.parametrize("split", [False, True], ids=["joint", "split"])
def test_tapenade_signature_and_gradient(tmp_path, gfortran, split):
    (tmp_path / "t.f90").write_text(SOURCE)
    out = tmp_path / "out"
    res = differentiate([str(tmp_path / "t.f90")], "cost", "x", "f", outdir=out,
                        opts=CheckpointOptions(nocheckpoint=split))
    text = res.files["t_b.f90"]
    assert re.search(r"^subroutine cost_b\(x, xb, n, work, state, f, fb\)$", text, re.M), text[:400]
    run_make(out)
    got = compile_and_run(out, DRIVER)
    err = float(re.search(r"err\s+(\S+)", got).group(1))
    assert err < 1e-14, got
    assert float(re.search(r"fb\s+(\S+)", got).group(1)) == 0.0


def test_tangent_signature_and_check(tmp_path, gfortran):
    (tmp_path / "t.f90").write_text(SOURCE)
    res = differentiate([str(tmp_path / "t.f90")], "cost", "x", "f", mode="tangent", outdir=tmp_path / "out")
    assert re.search(r"^subroutine cost_d\(x, xd, n, work, state, f, fd\)$", res.files["t_d.f90"], re.M)
    rep = run_check(CheckOptions([str(tmp_path / "t.f90")], "cost", "x", "f", outdir=tmp_path / "chk",
                                 sizes=["n=5"]))
    assert rep.passed, rep.output[-1500:]


def test_named_arguments_keep_their_derivatives(tmp_path):
    (tmp_path / "t.f90").write_text(SOURCE)
    res = differentiate([str(tmp_path / "t.f90")], "cost", "x state", "f", outdir=tmp_path / "out")
    assert re.search(r"^subroutine cost_b\(x, xb, n, work, state, stateb, f, fb\)$", res.files["t_b.f90"], re.M)

"""A PROGRAM unit as the head: its body is differentiated as a subroutine without arguments,
``heat_b()``, with respect to module variables (--vars/--outvars name them)."""
from __future__ import annotations

import re

from fadj.api import differentiate
from fadj.backend.build import run_make
from tests.helpers import compile_and_run

SOURCE = """\
module state
  implicit none
  double precision :: kappa = 0.1d0, total = 0
  double precision :: u(10)
  integer :: nsteps = 5
  namelist /run/ kappa, nsteps
end module
subroutine step(n)
  use state
  integer n, i
  do i = 2, n - 1
    u(i) = u(i) + kappa*(u(i-1) - 2*u(i) + u(i+1))*u(i)
  end do
end subroutine
program heat
  use state
  implicit none
  integer :: k, i
  do i = 1, 10
    u(i) = sin(0.3d0*i)
  end do
  do k = 1, nsteps
    call step(10)
  end do
  total = sum(u**2)
  if (total < 0) write(*, nml=run)
end program
"""

DRIVER = """\
program d
  use state
  use state_diff
  implicit none
  double precision :: k0, tp, tm, h
  k0 = kappa
  kappab = 0
  totalb = 1
  call heat_b()
  h = 1d-6
  kappa = k0 + h
  call run_primal(tp)
  kappa = k0 - h
  call run_primal(tm)
  print '(a, 2es24.15)', 'ad fd ', kappab, (tp - tm)/(2*h)
contains
  subroutine run_primal(t)
    double precision t
    integer i, k
    do i = 1, 10
      u(i) = sin(0.3d0*i)
    end do
    do k = 1, nsteps
      call step(10)
    end do
    t = sum(u**2)
  end subroutine
end program
"""


def test_program_as_head(tmp_path, gfortran):
    (tmp_path / "whole.f90").write_text(SOURCE)
    out = tmp_path / "out"
    res = differentiate([str(tmp_path / "whole.f90")], "heat", "kappa", "total", outdir=out)
    assert re.search(r"^subroutine heat_b\(\)$", res.files["whole_b.f90"], re.M)
    assert "program heat" not in (out / "whole.f90").read_text().lower()   # left out of the library copy
    run_make(out)
    text = compile_and_run(out, DRIVER)
    ad, fd = map(float, text.split()[2:4])
    assert abs(ad - fd) <= 1e-7 * abs(fd), text

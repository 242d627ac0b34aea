"""OpenMP directives: the primal library keeps them all (it is a copy of the sources); derivative
code keeps ``parallel do`` on loops it runs as the primal does (no tape operation inside), and
runs the others serially, saying so in a note."""
from __future__ import annotations

import re

from fadj.api import differentiate
from fadj.frontend.options import SourceOptions
from fadj.tools.check import CheckOptions, run_check

SOURCE = """\
subroutine cost(x, n, f)
  integer n, i, k
  double precision x(n), f, y(n), c(n)
  do i = 1, n
    c(i) = 0.5d0 + 0.01d0*i
  end do
  y = x
  do k = 1, 3
    call relax(y, c, n)
  end do
  f = sum(y**2)
end subroutine
subroutine relax(y, c, n)
  integer n, i
  double precision y(n), c(n), w(n)
  !$omp parallel do
  do i = 1, n
    w(i) = c(i)*2
  end do
  !$omp end parallel do
  do i = 2, n
    y(i) = y(i) + w(i)*sin(y(i-1))
  end do
end subroutine
"""


def test_passive_parallel_loop_keeps_its_directive(tmp_path, gfortran):
    (tmp_path / "p.f90").write_text(SOURCE)
    res = differentiate([str(tmp_path / "p.f90")], "cost", "x", "f", outdir=tmp_path / "out",
                        source=SourceOptions.make(fflags="-fopenmp"))
    text = res.files["p_b.f90"]
    m = re.search(r"subroutine relax_b\(.*?end subroutine relax_b", text, re.S)
    assert m and "!$omp parallel do" in m.group(0) and "!$omp end parallel do" in m.group(0)
    assert "!$omp parallel do" in (tmp_path / "out" / "p.f90").read_text()      # the primal library copy
    rep = run_check(CheckOptions([str(tmp_path / "p.f90")], "cost", "x", "f", outdir=tmp_path / "chk",
                                 sizes=["n=6"], source=SourceOptions.make(fflags="-fopenmp")))
    assert rep.passed, rep.output[-1500:]


def test_active_parallel_loop_runs_serially_with_a_note(tmp_path):
    (tmp_path / "a.f90").write_text("""\
subroutine cost(x, n, f)
  integer n, i
  double precision x(n), f, y(n)
  !$omp parallel do
  do i = 1, n
    y(i) = sin(x(i))
  end do
  !$omp end parallel do
  f = sum(y)
end subroutine
""")
    res = differentiate([str(tmp_path / "a.f90")], "cost", "x", "f", outdir=tmp_path / "out")
    assert "!$omp" not in res.files["a_b.f90"]
    assert any("a.f90:5: note: the OpenMP parallel loop runs serially" in n for n in res.notes), res.notes

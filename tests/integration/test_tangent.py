"""Tangent mode end to end: the generated ``_d`` routines against finite differences (1e-6).

Every bundled example and small focused sources (functions, modules, calls, loops, IF, SELECT
CASE, DO WHILE, WHERE, ALLOCATE, COMMON, GOTO, external routines) go through ``fadj check
--mode tangent``, whose driver compares J*xd with central differences of the primal.  Hand-written
drivers check the calling conventions (``g_d`` returns the tangent and sets the primal result,
``vd`` in ``m_diff``, ``/c_d/``) against exact derivatives, independently of the check tool.
"""
from __future__ import annotations

import re

import pytest

from fadj.api import differentiate
from fadj.backend.build import run_make
from fadj.tools.check import CheckOptions, run_check
from fadj.tools.examples import all_examples
from fadj.tools.fortran_numbers import fortran_float
from tests.conftest import EXAMPLES
from tests.helpers import compile_and_run, run_cli

EXS = all_examples(EXAMPLES)
HINT = ("\n(an example needs the sizes and input ranges of its head: see the [check] table of "
        "fortran_examples/{}/fadj.toml and the README's 'fadj check' section)")


def table(output: str, test: str) -> list[tuple[float, ...]]:
    """Rows (dir, value, reference, [h,] rel.err) of one test's table in a check driver's output."""
    rows = []
    inside = False
    for line in output.splitlines():
        if line.startswith("test "):
            inside = line.startswith(f"test {test}:")
            continue
        if inside:
            parts = line.split()
            if parts and parts[0].isdigit() and parts[-1] in ("PASS", "FAIL"):
                rows.append(tuple(fortran_float(p) for p in parts[:-1]))
            elif not line.strip():
                inside = False
    return rows


@pytest.mark.slow
@pytest.mark.parametrize("ex", EXS, ids=[e.name for e in EXS])
def test_example_tangent_against_finite_differences(ex, tmp_path, gfortran):
    p = run_cli("check", *ex.check_args(), "--mode", "tangent", "-o", str(tmp_path / "chk"))
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr + HINT.format(ex.name)
    rows = table(p.stdout, "tangent")
    assert len(rows) == 3
    assert all(r[-1] <= 1e-6 for r in rows), rows
    assert "test adjoint" not in p.stdout   # tangent only: no _b in the library
    assert (tmp_path / "chk" / "check_driver.f90").exists()


# --- focused sources -----------------------------------------------------------------------------

CALLS_LOOPS_IF = """
module fm
  implicit none
  double precision :: wgt = 0.5d0
  double precision :: acc
contains
  double precision function sq(a)
    double precision, intent(in) :: a
    sq = a*a
  end function sq

  subroutine step(u, n, c)
    integer, intent(in) :: n
    double precision, intent(inout) :: u(n)
    double precision, intent(in) :: c
    integer :: i
    do i = 2, n
      if (u(i) > 1.1d0) then
        u(i) = u(i) - c*sq(u(i-1))*0.1d0
      else if (u(i) < 0.7d0) then
        u(i) = sqrt(u(i)) + c
      else
        u(i) = u(i)*exp(-c) + 0.05d0*u(i-1)
      end if
    end do
    acc = acc + wgt*sum(u)
  end subroutine step
end module fm

subroutine head(x, c, n, f, g)
  use fm
  implicit none
  integer, intent(in) :: n
  double precision, intent(in) :: x(n), c
  double precision, intent(out) :: f, g(2)
  double precision :: u(n), t
  integer :: k, m
  u = x
  acc = 0.0d0
  do k = 1, 3
    call step(u, n, c)
  end do
  t = 0.0d0
  m = 0
  do while (m < n)
    m = m + 1
    select case (mod(m, 3))
    case (0)
      t = t + u(m)**2
    case (1)
      t = t + sin(u(m))
    case default
      t = sq(t)/(1.0d0 + t)
    end select
  end do
  t = sq(t)
  f = t + acc
  g(1) = dot_product(u(1:n-1), x(2:n))
  g(2) = maxval(u)*c
end subroutine head
"""

F77_COMMON_GOTO = """\
      SUBROUTINE HEADB(X, Y, N, F)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      DIMENSION X(N), Y(N)
      COMMON /PARS/ P, Q
      P = X(1)
      Q = 2.0D0
      S = 0.0D0
      K = 0
   10 K = K + 1
      IF (K .GT. N) GOTO 20
      CALL ACCUM(X(K), S)
      Y(K) = Y(K)*S + P
      GOTO 10
   20 CONTINUE
      CALL ACCUM(Q, S)
      CALL ACCUM(2.5D0, S)
      F = S*P
      RETURN
      END

      SUBROUTINE ACCUM(A, S)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      COMMON /PARS/ P, Q
      S = S + P*A**2 + Q*A
      END
"""

FUNCTION_HEAD_WHERE_ALLOCATE = """
double precision function energy(x, n) result(e)
  implicit none
  integer, intent(in) :: n
  double precision, intent(in) :: x(n)
  double precision, allocatable :: w(:)
  integer :: i
  allocate(w(n))
  w = x**2
  where (w > 1.0d0)
    w = log(w)
  elsewhere
    w = w - 1.0d0
  end where
  e = 0.0d0
  do i = 1, n
    e = e + w(i)*x(i)
  end do
  deallocate(w)
end function energy
"""

MODULE_CALLS_BUFFERS = """
module ops
  implicit none
contains
  subroutine scale_add(v, w, s, n, opt)
    integer, intent(in) :: n
    double precision, intent(inout) :: v(n)
    double precision, intent(in) :: w(n), s
    double precision, intent(in), optional :: opt
    v = v + s*w
    if (present(opt)) v(1) = v(1)*opt
  end subroutine scale_add
  double precision function norm3(v, n)
    integer, intent(in) :: n
    double precision, intent(in) :: v(n)
    norm3 = sum(abs(v)**3)**(1.0d0/3.0d0)
  end function norm3
end module ops

module top
  use ops
  implicit none
contains
  subroutine heade(x, n, f)
    integer, intent(in) :: n
    double precision, intent(inout) :: x(n)
    double precision, intent(out) :: f
    double precision :: w(n), c
    integer :: i
    do i = 1, n
      w(i) = dble(i)/dble(n)
    end do
    c = 0.3d0
    call scale_add(x, w, c, n)
    call scale_add(w, x, 0.5d0, n, opt=c)
    call scale_add(x(2:n), w(1:n-1), x(1), n - 1)
    f = norm3(x, n) + norm3(w, n)
    x(1) = norm3(x, n)*x(1)
  end subroutine heade
end module top
"""

EXTERNAL_CALLER = """
subroutine headd(x, n, f)
  implicit none
  integer, intent(in) :: n
  double precision, intent(in) :: x(n)
  double precision, intent(out) :: f
  double precision, external :: extg
  double precision :: a, b
  integer :: i
  f = 0.0d0
  do i = 1, n
    a = x(i)
    call extf(a, b)
    f = f + b + extg(a*b)
  end do
end subroutine headd
"""

EXTERNAL_DERIVATIVES = """
! what a user supplies for --external extf extg: b = a**3, extg(y) = sin(y)
subroutine extf(a, b)
  double precision :: a, b
  b = a**3
end subroutine
subroutine extf_d(a, ad, b, bd)
  double precision :: a, ad, b, bd
  bd = 3*a**2*ad
  b = a**3
end subroutine
double precision function extg(y)
  double precision :: y
  extg = sin(y)
end function
double precision function extg_d(y, yd, g)
  double precision :: y, yd, g
  g = sin(y)
  extg_d = cos(y)*yd
end function
"""

FOCUSED = {
    # name: (file name, text, head, vars, outvars, sizes, extra options)
    "calls_loops_if_select_while": ("a.f90", CALLS_LOOPS_IF, "head", "x c", "f g", ["n=7"], {}),
    "f77_common_goto_literal_actual": ("b.f", F77_COMMON_GOTO, "headb", "x y", "f y", ["n=5"], {}),
    "function_head_where_allocate": ("c.f90", FUNCTION_HEAD_WHERE_ALLOCATE, "energy", None, None, ["n=5"], {}),
    "modules_sections_optional_buffers": ("e.f90", MODULE_CALLS_BUFFERS, "heade", "x", "f x", ["n=6"], {}),
    "external_routines": ("d.f90", EXTERNAL_CALLER, "headd", "x", "f", ["n=5"], {"external": ["extf", "extg"]}),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(FOCUSED), ids=list(FOCUSED))
def test_focused_tangent_against_finite_differences(case, tmp_path, gfortran):
    fname, text, head, vars_, outvars, sizes, extra = FOCUSED[case]
    src = tmp_path / fname
    src.write_text(text)
    opts = CheckOptions([str(src)], head, vars_, outvars, mode="tangent", outdir=tmp_path / "chk", sizes=sizes)
    if "external" in extra:
        (tmp_path / "ext.f90").write_text(EXTERNAL_DERIVATIVES)
        opts.checkpoint.externals = set(extra["external"])
        opts.link = [str(tmp_path / "ext.f90")]
    rep = run_check(opts)
    rows = table(rep.output, "tangent")
    assert len(rows) == 3 and all(r[-1] <= 1e-6 for r in rows), rep.output


# --- conventions, against exact derivatives ---------------------------------------------------------

CONVENTIONS = """
module m
  implicit none
  double precision :: v
contains
  double precision function g(x)
    double precision, intent(in) :: x
    g = x**3*exp(x)
  end function g
  subroutine cost(x, n, f)
    integer, intent(in) :: n
    double precision, intent(in) :: x(n)
    double precision, intent(out) :: f
    double precision :: s, c
    common /blk/ s, c
    integer :: i
    v = 0.0d0
    s = 0.0d0
    do i = 1, n
      v = v + g(x(i))
      s = s + x(i)**2
    end do
    f = v*s
  end subroutine cost
end module m
"""

CONVENTIONS_DRIVER = """
program drv
  use m, only: g, cost
  use m_diff, only: g_d, cost_d, vd
  implicit none
  double precision :: x(3), xd(3), f, fd, gval, gd, s, c, sd, cd, exact
  common /blk/ s, c
  common /blk_d/ sd, cd
  x = [0.5d0, 1.0d0, 1.5d0]
  ! g_d(x, xd, g): returns the tangent, sets the primal result
  gd = g_d(x(2), 2.0d0, gval)
  print '(a, 2es25.16)', 'g ', gval, g(x(2))
  print '(a, 2es25.16)', 'gd', gd, 2.0d0*(3*x(2)**2 + x(2)**3)*exp(x(2))
  ! cost_d(x, xd, n, f, fd): f = (sum g(x_i)) * (sum x_i^2), tangent along e_3
  xd = [0.0d0, 0.0d0, 1.0d0]
  call cost_d(x, xd, 3, f, fd)
  exact = (3*x(3)**2 + x(3)**3)*exp(x(3))*sum(x**2) + sum(x**3*exp(x))*2*x(3)
  print '(a, 2es25.16)', 'fd', fd, exact
  print '(a, 2es25.16)', 'f ', f, sum(x**3*exp(x))*sum(x**2)
  ! module variable tangent in m_diff, COMMON tangent block /blk_d/
  print '(a, 2es25.16)', 'vd', vd, (3*x(3)**2 + x(3)**3)*exp(x(3))
  print '(a, 2es25.16)', 'sd', sd, 2*x(3)
end program drv
"""


def test_conventions_against_exact_derivatives(tmp_path, gfortran):
    src = tmp_path / "m.f90"
    src.write_text(CONVENTIONS)
    res = differentiate([str(src)], "cost", "x", "f", mode="tangent", outdir=tmp_path / "o")
    text = res.files["m_d.f90"]
    assert "module m_diff" in text
    assert re.search(r"^function g_d\(x, xd, g\) result\(gd\)$", text, re.M)
    assert re.search(r"^subroutine cost_d\(x, xd, n, f, fd\)$", text, re.M)
    assert "common /blk_d/ sd, cd" in text
    assert re.search(r"^\s*double precision :: vd$", text, re.M)
    run_make(tmp_path / "o")
    out = compile_and_run(tmp_path / "o", CONVENTIONS_DRIVER)
    for line in out.splitlines():
        name, got, want = line.split()
        assert float(got) == pytest.approx(float(want), rel=1e-13), line


def test_tangent_statement_before_primal(tmp_path, write):
    src = write("s.f90", """
subroutine s(x, y)
  real(8), intent(inout) :: x
  real(8), intent(out) :: y
  y = x*x
  x = x*y
end subroutine
""")
    res = differentiate([src], "s", "x", "x y", mode="tangent", outdir=tmp_path / "o")
    body = res.files["s_d.f90"].split("implicit none")[1]
    lines = [ln.strip() for ln in body.splitlines() if "=" in ln and "::" not in ln]
    # x = x*y overwrites x, which its tangent reads: the tangent goes first
    assert lines == ["yd = 2*(x*xd)", "y = x*x", "xd = y*xd + x*yd", "x = x*y"]


def test_mode_both_is_one_library(tmp_path):
    src = tmp_path / "m.f90"
    src.write_text(CONVENTIONS)
    res = differentiate([str(src)], "cost", "x", "f", mode="both", outdir=tmp_path / "o")
    assert list(res.files) == ["m_diff.f90"]
    text = res.files["m_diff.f90"]
    assert text.count("\nmodule m_diff\n") == 1
    for name in ("cost_d", "g_d", "cost_b", "g_b"):
        assert re.search(rf"^(subroutine|function) {name}\(", text, re.M), name
    assert re.search(r"^\s*double precision :: vd$", text, re.M)
    assert re.search(r"^\s*double precision :: vb$", text, re.M)


def test_single_modes_keep_their_file_names(tmp_path):
    src = tmp_path / "m.f90"
    src.write_text(CONVENTIONS)
    assert list(differentiate([str(src)], "cost", "x", "f", mode="tangent", outdir=tmp_path / "t").files) == \
        ["m_d.f90"]
    assert list(differentiate([str(src)], "cost", "x", "f", mode="reverse", outdir=tmp_path / "r").files) == \
        ["m_b.f90"]


@pytest.mark.slow
def test_reductions_inside_array_expressions(tmp_path, write, gfortran):
    """The forward walk keeps each reduction in place: d(x*sum(x)) = sum(x)*xd + x*sum(xd)."""
    src = write("r.f90", """
subroutine r(x, y)
  real(8), intent(in) :: x(4)
  real(8), intent(out) :: y(4)
  y = x*sum(x) + cshift(x, 1)*maxval(x)
  y(1:2) = y(1:2) + matmul(reshape(x, [2, 2]), x(1:2)*x(3:4))
end subroutine
""")
    rep = run_check(CheckOptions([src], "r", "x", "y", mode="tangent", outdir=tmp_path / "chk"))
    rows = table(rep.output, "tangent")
    assert len(rows) == 3 and all(r[-1] <= 1e-6 for r in rows), rep.output
    text = (tmp_path / "chk" / "r_d.f90").read_text()
    assert "sum(x)*xd + x*sum(xd)" in text, text


@pytest.mark.slow
def test_internal_procedure_updating_a_host_variable(tmp_path, gfortran):
    """Host variables are lifted to arguments: the internal procedure gets its own _d, nested."""
    (tmp_path / "f.f90").write_text("""subroutine h(x, f)
  real(8), intent(in) :: x(3)
  real(8), intent(out) :: f
  real(8) :: t
  t = 0
  call inner(x(1))
  call inner(x(2)*2.0d0)
  f = t*x(3)
contains
  subroutine inner(a)
    real(8), intent(in) :: a
    t = t + a**2
  end subroutine inner
end subroutine h
""")
    rep = run_check(CheckOptions([str(tmp_path / "f.f90")], "h", mode="tangent", outdir=tmp_path / "chk"))
    assert rep.passed
    text = (tmp_path / "chk" / "f_d.f90").read_text()
    assert re.search(r"^contains$(.|\n)*^\s*subroutine inner_d\(a, ad, t, td\)$", text, re.M), text


def test_passive_internal_procedures_are_copied(tmp_path, write, gfortran):
    """A routine with a _d keeps its (passive) internal procedures, so its primal calls resolve."""
    src = write("p.f90", """subroutine h(x, f)
  real(8), intent(in) :: x(3)
  real(8), intent(out) :: f
  real(8) :: w
  integer :: i
  f = 0
  do i = 1, 3
    w = weight(i)
    f = f + w*x(i)**2
  end do
contains
  real(8) function weight(k)
    integer, intent(in) :: k
    weight = 1.0d0/dble(k)
  end function weight
end subroutine h
""")
    rep = run_check(CheckOptions([src], "h", "x", "f", mode="tangent", outdir=tmp_path / "chk"))
    assert rep.passed
    text = (tmp_path / "chk" / "p_d.f90").read_text()
    assert re.search(r"^contains\n\s*function weight\(k\)", text, re.M), text


# --- the Fortran coverage corpus (tests/coverage_cases.py) in tangent mode --------------------------

def _coverage_cases():
    from tests.coverage_cases import CASES
    # routines without source need a user-supplied NAME_d, which the corpus does not have
    return [c for c in CASES if c.status == "supported" and not c.externals]


COVERAGE = _coverage_cases()


@pytest.mark.slow
@pytest.mark.parametrize("case", COVERAGE, ids=[re.sub(r"[^a-z0-9]+", "-", c.row.lower())[:40] for c in COVERAGE])
def test_coverage_construct_in_tangent_mode(case, tmp_path, gfortran):
    src = tmp_path / f"src{case.suffix}"
    src.write_text(case.source)
    sources = [str(src)]
    for name, text in case.extra.items():
        (tmp_path / name).write_text(text)
        if name.endswith((".f", ".f90")):
            sources.insert(0, str(tmp_path / name))
    from fadj.frontend.options import SourceOptions
    rep = run_check(CheckOptions(sources, "s", "x", "f", mode="tangent", outdir=tmp_path / "chk", sizes=["n=8"],
                                 tol=case.tol, source=SourceOptions.make(fflags=case.fflags)))
    rows = table(rep.output, "tangent")
    assert len(rows) == 3 and all(r[-1] <= case.tol for r in rows), rep.output


def test_differentiate_cli_mode_both(tmp_path):
    (tmp_path / "m.f90").write_text(CONVENTIONS)
    p = run_cli("differentiate", "m.f90", "--head", "cost", "--mode", "both", "-o", "out", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "out" / "m_diff.f90").exists()
    assert not (tmp_path / "out" / "m_b.f90").exists() and not (tmp_path / "out" / "m_d.f90").exists()

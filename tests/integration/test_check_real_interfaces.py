"""``fadj check`` on the interfaces real codes have, and when their derivative code crashes.

* CHARACTER arguments (a task string) take ``--value NAME=TEXT``;
* single-precision outputs: the driver converts them, and the default tolerance follows the
  precision (1e-3: central differences of real(4) values agree to about 2e-5);
* the driver is compiled and linked with the Makefile's flags (``--fflags "-O2 -fopenmp"``);
* a crash of the derivative code is one paragraph: what happened, the derivative routine and
  generated line, the user's source line (``--debug``), or the advice to rerun with ``--debug``.
"""
from __future__ import annotations

import re

import pytest

from tests.helpers import run_cli

TASK = """\
subroutine cost(x, n, task, f)
  integer n
  double precision x(n), f
  character(len=*) task
  if (task(1:2) == 'FG') then
    f = sum(x**2)
  else
    f = sum(x)
  end if
end subroutine
"""


def test_character_argument_from_value(tmp_path, gfortran):
    (tmp_path / "t.f90").write_text(TASK)
    args = ["check", "t.f90", "--head", "cost", "--vars", "x", "--outvars", "f", "--size", "n=4", "-o", "chk"]
    p = run_cli(*args, "--value", "task=FG", cwd=tmp_path)
    assert p.returncode == 0, p.stdout[-1500:] + p.stderr
    assert "character(len=2) :: task" in (tmp_path / "chk" / "check_driver.f90").read_text()
    p = run_cli(*args, cwd=tmp_path)
    assert p.returncode == 2
    assert p.stderr.strip() == ("t.f90:1: error: character argument 'task' of 'cost' is an input: give its value "
                                "with --value task=TEXT"), p.stderr


def test_single_precision_output(tmp_path, gfortran):
    (tmp_path / "s.f90").write_text("subroutine cost(x, n, f)\n  integer n\n  real x(n), f\n  f = sum(x**2)\n"
                                    "end subroutine\n")
    for mode in ("both", "reverse", "tangent"):
        p = run_cli("check", "s.f90", "--head", "cost", "--vars", "x", "--outvars", "f", "--size", "n=4",
                    "--mode", mode, "-o", f"chk_{mode}", cwd=tmp_path)
        assert p.returncode == 0, (mode, p.stdout[-1500:] + p.stderr)


def test_driver_gets_the_makefile_flags(tmp_path, gfortran):
    (tmp_path / "o.f90").write_text("""\
subroutine cost(x, n, f)
  use omp_lib
  integer n
  double precision x(n), f, t
  t = omp_get_wtime()
  f = sum(sin(x)) + 0*t
end subroutine
""")
    p = run_cli("check", "o.f90", "--head", "cost", "--vars", "x", "--outvars", "f", "--size", "n=4",
                "--fflags", "-O2 -fopenmp", "-o", "chk", cwd=tmp_path)
    assert p.returncode == 0, p.stdout[-1500:] + p.stderr


CRASHY = """\
subroutine inner(u, n)
  integer n, i
  double precision u(n)
  do i = 2, n
    u(i) = u(i) + 0.5d0*sin(u(i-1))*u(i)
  end do
end subroutine
subroutine cost(x, n, f)
  integer n
  double precision x(n), f
  call inner(x, n)
  f = sum(x**2)
end subroutine
"""


@pytest.mark.slow
def test_crash_is_traced_to_the_source_line(tmp_path, gfortran):
    (tmp_path / "c.f90").write_text(CRASHY)
    args = ["check", "c.f90", "--head", "cost", "--vars", "x", "--outvars", "f", "--size", "n=5", "-o", "chk"]
    p = run_cli(*args, "--debug", cwd=tmp_path)
    assert p.returncode == 0, p.stdout[-1500:] + p.stderr
    gen = tmp_path / "chk" / "c_diff.f90"
    text = gen.read_text()
    assert "! fadj origin: c.f90:5" in text
    # a deliberate bug: an adjoint update far out of bounds
    new, n = re.subn(r"^(\s*)ub\(i - 1\) = ub\(i - 1\)", r"\1ub(i - 9) = ub(i - 1)", text, count=1, flags=re.M)
    assert n == 1
    gen.write_text(new)
    line = next(k for k, ln in enumerate(new.splitlines(), 1) if "ub(i - 9)" in ln)
    p = run_cli(*args, "--debug", "--no-generate", cwd=tmp_path)
    assert p.returncode == 1, p.stdout[-1500:] + p.stderr
    assert "Traceback" not in p.stderr
    err = p.stderr.strip().splitlines()
    assert err[0].startswith("fadj: the derivative program stopped: Fortran runtime error: Index '-4' of dimension 1 "
                             "of array 'ub' below lower bound of 1"), p.stderr
    assert err[1] == f"  at c_diff.f90:{line}, in inner_b", p.stderr
    assert err[2] == "  from your source c.f90:5", p.stderr


@pytest.mark.slow
def test_signal_without_debug_advises_debug(tmp_path, gfortran):
    (tmp_path / "c.f90").write_text(CRASHY)
    args = ["check", "c.f90", "--head", "cost", "--vars", "x", "--outvars", "f", "--size", "n=5", "-o", "chk"]
    p = run_cli(*args, cwd=tmp_path)
    assert p.returncode == 0
    gen = tmp_path / "chk" / "c_diff.f90"
    text = gen.read_text()
    # a write through a null pointer: the same crash whatever the optimisation
    new, n = re.subn(r"^(\s*)ub\(i - 1\) = ub\(i - 1\)(.*)$",
                     r"\g<0>\n\1call fadj_crash_here()", text, count=1, flags=re.M)
    assert n == 1
    new += """
subroutine fadj_crash_here()
  use, intrinsic :: iso_c_binding
  integer, pointer :: p
  call c_f_pointer(c_null_ptr, p)
  p = 1
end subroutine
"""
    gen.write_text(new)
    p = run_cli(*args, "--no-generate", cwd=tmp_path)
    assert p.returncode == 1, p.stdout[-1500:] + p.stderr
    err = p.stderr.strip().splitlines()
    assert err[0].startswith("fadj: the derivative program stopped: signal SIGSEGV"), p.stderr
    assert err[-1].strip().startswith("rerun with --debug"), p.stderr

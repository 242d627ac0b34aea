"""FADJ_DEBUG=1: a stack mismatch stops the adjoint with the derivative routine, its source
file:line and the call site, instead of a wrong gradient or a crash far away.

Each test corrupts one stack operation of correct generated code (a deliberate bug of the
kind a wrong TBR or snapshot decision makes) and runs it with and without FADJ_DEBUG."""
from __future__ import annotations

import re
import subprocess

import pytest

from fadj.api import differentiate
from fadj.backend.build import run_make

SOURCE = """\
module m
contains
  subroutine inner(u, n)
    integer n, i
    double precision u(n)
    do i = 2, n
      u(i) = u(i) + 0.5d0*sin(u(i-1))*u(i)
    end do
  end subroutine
end module
subroutine cost(x, n, f)
  use m
  integer n, k
  double precision x(n), f
  do k = 1, 3
    call inner(x, n)
  end do
  f = sum(x**2)
end subroutine
"""

DRIVER = """\
program d
  implicit none
  double precision :: x(6), xb(6), f, fb
  x = [0.1d0, 0.2d0, 0.3d0, 0.4d0, 0.5d0, 0.6d0]
  xb = 0
  fb = 1
  call cost_b(x, xb, 6, f, fb)
  print '(a, 6es12.4)', 'xb ', xb
end program
"""


def build(tmp_path, corrupt=None, fflags=None, debug=True):
    """The derivative code of SOURCE built (``debug``: with ``differentiate --debug``'s bookkeeping)."""
    (tmp_path / "m.f90").write_text(SOURCE)
    out = tmp_path / "out"
    differentiate([str(tmp_path / "m.f90")], "cost", "x", "f", outdir=out, debug=debug)
    if corrupt is not None:
        f = out / "m_b.f90"
        f.write_text(corrupt(f.read_text()))
    run_make(out, fflags)
    (out / "d.f90").write_text(DRIVER)
    subprocess.run(["gfortran", "-I", str(out), str(out / "d.f90"), "-L", str(out), "-ladjoint", "-o",
                    str(out / "d.exe")], check=True, capture_output=True)
    return out / "d.exe"


def run(exe, debug):
    env = {"FADJ_DEBUG": "1"} if debug else {}
    import os
    return subprocess.run([str(exe)], capture_output=True, text=True, env=dict(os.environ, **env))


def test_correct_code_runs_the_same_with_checks(tmp_path, gfortran):
    exe = build(tmp_path)
    a, b = run(exe, False), run(exe, True)
    assert a.returncode == b.returncode == 0, b.stderr
    assert a.stdout == b.stdout


@pytest.mark.parametrize("fflags", [None, "-O0 -g -fcheck=all -fbacktrace"], ids=["plain", "checked"])
def test_missing_pop_is_reported_with_routine_and_call_site(tmp_path, gfortran, fflags):
    """A pop removed from the callee's tape (the pops of one loop all have the same size, so
    the callee's exit check is what sees it); the report itself must survive gfortran's run-time
    checks (a ``fadj check --debug`` build)."""
    def corrupt(text):
        new, n = re.subn(r"^(\s*)call fadj_pop\(u\(i\)\)$", r"\1continue", text, count=1, flags=re.M)
        assert n == 1
        return new
    exe = build(tmp_path, corrupt, fflags)
    p = run(exe, True)
    assert p.returncode != 0
    lines = p.stderr.strip().splitlines()
    assert lines[0].startswith("fadj: FADJ_DEBUG: "), p.stderr
    assert re.search(r"^  in inner_b \(derivative of \S*m\.f90:3\)$", p.stderr, re.M), p.stderr
    assert re.search(r"^  called from \S*m\.f90:16 \(cost_b\)$", p.stderr, re.M), p.stderr
    assert "Backtrace" not in p.stderr


def test_pop_of_the_wrong_kind_is_reported(tmp_path, gfortran):
    """The loop counter's pop meets a real: named by type and size."""
    def corrupt(text):
        start = text.index("subroutine inner_b(")
        end = text.index("end subroutine inner_b", start)
        seg = text[start:end].replace("  do i = 2, n\n", "  call fadj_push(1.5d0)\n  do i = 2, n\n", 1)
        seg = re.sub(r"(\n\s*end do\n)(\s*do i = n, 2, -1\n)", r"\1  call fadj_pop(n)\n\2", seg, count=1)
        return text[:start] + seg + text[end:]
    exe = build(tmp_path, corrupt)
    p = run(exe, True)
    assert p.returncode != 0
    assert "a pop of integer(4) (4 bytes) meets a push of real(8) (8 bytes)" in p.stderr, p.stderr
    assert "in inner_b" in p.stderr


def test_unbalanced_joint_routine_is_reported_on_exit(tmp_path, gfortran):
    """A push without its pop: the routine's exit check names it (the pops still match)."""
    def corrupt(text):
        start = text.index("subroutine inner_b(")
        body_end = text.index("end subroutine inner_b", start)
        seg = text[start:body_end]
        seg = seg.replace("  do i = 2, n\n", "  call fadj_push(n)\n  do i = 2, n\n", 1)
        return text[:start] + seg + text[body_end:]
    exe = build(tmp_path, corrupt)
    p = run(exe, True)
    assert p.returncode != 0
    assert "the stack holds" in p.stderr and "in inner_b" in p.stderr, p.stderr


def test_plain_build_has_no_per_routine_checks_and_still_checks_pops(tmp_path, gfortran):
    """Without --debug the derivative routines carry no FADJ_DEBUG tests (they cost tiny routines
    a third of their time); the head reads FADJ_DEBUG, and the runtime still checks each pop
    against its push."""
    def corrupt(text):
        assert "fadj_dbg_enter" not in text and "fadj_dbg_site" not in text
        start = text.index("subroutine inner_b(")
        end = text.index("end subroutine inner_b", start)
        seg = text[start:end].replace("  do i = 2, n\n", "  call fadj_push(1.5d0)\n  do i = 2, n\n", 1)
        seg = re.sub(r"(\n\s*end do\n)(\s*do i = n, 2, -1\n)", r"\1  call fadj_pop(n)\n\2", seg, count=1)
        return text[:start] + seg + text[end:]
    exe = build(tmp_path, corrupt, debug=False)
    p = run(exe, True)
    assert p.returncode != 0
    assert "a pop of integer(4) (4 bytes) meets a push of real(8) (8 bytes)" in p.stderr, p.stderr

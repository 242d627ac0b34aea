"""Sequence association: elements of one work array passed to array dummies (F77 style).

``call sub(n, w(1), w(n+1))`` with dummies ``a(n), b(n)`` hands the callee two disjoint pieces of
``w``; the adjoint call must pass ``wb(1)``, ``wb(n+1)`` with the same association (before, a
scalar temporary took the second one's place: a crash or a wrong gradient).  Each case goes
through ``fadj check`` (tangent and reverse against central differences, dot-product test) in
joint and split mode, with the callee in a file of its own (gfortran sees no interface).
Pieces that may overlap: inputs only get a temporary of the dummy's size (right either way);
two outputs of the callee that share storage are an error at generation time when provable,
and stop the adjoint with a one-line message at run time otherwise.
"""
from __future__ import annotations

import subprocess

import pytest

from fadj.ad.plan import CheckpointOptions
from fadj.tools.check import CheckOptions, run_check
from tests.helpers import run_cli

HALVES = ("""\
subroutine inner(n, u, v)
  integer n, i
  double precision u(n), v(n)
  do i = 1, n
    v(i) = u(i)**2 + u(1)*u(i)
    u(i) = sin(u(i))*v(i)
  end do
end subroutine
""", """\
subroutine cost(x, n, f)
  integer n, i
  double precision x(n), f
  double precision work(2*n)
  work(1:n) = x
  work(n+1:2*n) = 0
  call inner(n, work(1), work(n+1))
  f = 0d0
  do i = 1, n
    f = f + work(n+i)*work(i)
  end do
end subroutine
""")

# offsets computed at run time (quadpack's dqags -> dqagse(..., work(1), work(l1), work(l2)))
OFFSETS = ("""\
subroutine fill(m, x, a, b, c)
  integer m, i
  double precision x(m), a(m), b(m), c(m)
  do i = 1, m
    a(i) = x(i)**2
    b(i) = a(i)*x(i) + 1d0
    c(i) = exp(0.1d0*b(i))*a(i)
  end do
end subroutine
""", """\
subroutine cost(x, n, f)
  integer n, l1, l2, i
  double precision x(n), f, work(3*n)
  l1 = n + 1
  l2 = l1 + n
  call fill(n, x, work(1), work(l1), work(l2))
  f = 0d0
  do i = 1, 3*n
    f = f + work(i)*dble(i)
  end do
end subroutine
""")

# an element of a rank-3 array passed to a rank-2 dummy (NPB's lhs(1,1,k,j))
MULTIDIM = ("""\
subroutine blk(a, r)
  double precision a(3, 3), r(3)
  integer i, j
  do j = 1, 3
    do i = 1, 3
      r(i) = r(i) + a(i, j)*r(j)*0.1d0
      a(i, j) = a(i, j)*r(i)
    end do
  end do
end subroutine
""", """\
subroutine cost(x, n, f)
  integer n, k
  double precision x(n), f, lhs(3, 3, 4), rhs(3, 4)
  do k = 1, 4
    lhs(:, :, k) = reshape(x(1:9), [3, 3])*dble(k)
    rhs(:, k) = x(10:12)
  end do
  do k = 1, 4
    call blk(lhs(1, 1, k), rhs(1, k))
  end do
  f = sum(lhs**2) + sum(rhs)
end subroutine
""")

# two overlapping pieces that the callee only reads (conforming Fortran)
INPUTS = ("""\
subroutine pair(n, a, b, s)
  integer n, i
  double precision a(n), b(n), s
  s = 0
  do i = 1, n
    s = s + a(i)*b(i)**2
  end do
end subroutine
""", """\
subroutine cost(x, n, f)
  integer n
  double precision x(n), f, w(n)
  w = x*x
  call pair(n - 1, w(1), w(2), f)
end subroutine
""")


def _write(tmp_path, files):
    """One file per routine: gfortran sees no interface of the callee."""
    paths = []
    for k, text in enumerate(files):
        p = tmp_path / f"f{k}.f90"
        p.write_text(text)
        paths.append(str(p))
    return paths


@pytest.mark.parametrize("files,size", [(HALVES, 5), (OFFSETS, 4), (MULTIDIM, 12), (INPUTS, 6)],
                         ids=["halves", "runtime-offsets", "multidim-element", "overlapping-inputs"])
@pytest.mark.parametrize("split", [False, True], ids=["joint", "split"])
def test_sequence_association_check_passes(tmp_path, gfortran, files, size, split):
    srcs = _write(tmp_path, files)
    rep = run_check(CheckOptions(srcs, "cost", "x", "f", outdir=tmp_path / "chk", sizes=[f"n={size}"],
                                 checkpoint=CheckpointOptions(nocheckpoint=split)))
    assert rep.passed, rep.output[-2000:]


def test_identical_outputs_are_an_error(tmp_path):
    (tmp_path / "s.f90").write_text("""\
subroutine stage(n, y, a, s)
  integer n, k
  double precision y(n), a(n), s(n)
  do k = 1, n
    a(k) = y(k)**2
  end do
  do k = 1, n
    s(k) = y(k) + 3d0*a(k)
  end do
end subroutine
subroutine cost(x, n, f)
  integer n
  double precision x(n), f, w(n)
  call stage(n, x, w, w)
  f = sum(w)
end subroutine
""")
    p = run_cli("differentiate", "s.f90", "--head", "cost", "--vars", "x", "--outvars", "f", cwd=tmp_path)
    assert p.returncode == 2
    assert p.stderr.strip() == ("s.f90:14: error: 'w' is passed to arguments 'a' and 's' of 'stage', which writes "
                                "both: with one storage under two names the adjoint is not defined (pass separate "
                                "variables)")


def test_overlapping_outputs_at_run_time_stop_with_the_call(tmp_path, gfortran):
    """Offsets only the run knows: the adjoint checks them and stops, naming the call."""
    srcs = _write(tmp_path, (OFFSETS[0], OFFSETS[1].replace("l1 = n + 1", "l1 = n")))
    out = tmp_path / "chk"
    rep_err = None
    try:
        run_check(CheckOptions(srcs, "cost", "x", "f", outdir=out, sizes=["n=4"], mode="reverse"))
    except Exception as e:       # CheckFailed: the driver stopped without a result
        rep_err = e
    assert rep_err is not None
    exe = out / "check_driver.exe"
    p = subprocess.run([str(exe)], capture_output=True, text=True, cwd=out)
    assert p.returncode != 0
    assert p.stderr.startswith("fadj: ") and "Backtrace" not in p.stderr, p.stderr
    assert ("/f1.f90:6: 'work' is passed to arguments 'a' and 'b' of 'fill' with overlapping storage, and "
            "'fill' writes both: the adjoint is not defined (pass separate arrays)") in p.stderr, p.stderr

"""Recompute instead of store (fadj/ad/recompute.py): cheap values are evaluated again in the
backward sweep, and the gradient stays right.  Each case checks what is (not) pushed in the
generated code and compares the adjoint with central finite differences, joint and split."""
from __future__ import annotations

import re

import pytest

from fadj.ad.plan import CheckpointOptions
from fadj.api import differentiate
from tests.helpers import fd_check

# neighbours chosen by IF/ELSE (walls), a kernel subroutine setting one INTENT(OUT) scalar, and a
# linear intermediate (adv) whose value no adjoint needs
STENCIL = """
module k
contains
  subroutine drag(a, b, r)
    real(8), intent(in) :: a, b
    real(8), intent(out) :: r
    r = sqrt(a*a + b*b + 0.01d0)
  end subroutine drag
end module k

subroutine s(x, n, f)
  use k
  integer, intent(in) :: n
  real(8), intent(in) :: x(n)
  real(8), intent(out) :: f
  real(8) :: xs, xn, r, adv, t
  integer :: i
  f = 0
  do i = 1, n
    if (i == 1) then
      xs = x(i)
    else
      xs = x(i - 1)
    end if
    if (i == n) then
      xn = x(i)
    else
      xn = x(i + 1)
    end if
    call drag(x(i), xn, r)
    adv = xn - xs
    t = xs*xn + r*x(i)
    f = f + t*t + adv
  end do
end subroutine s
"""


def _gen(tmp_path, source, split):
    src = tmp_path / "src.f90"
    src.write_text(source)
    res = differentiate([str(src)], "s", "x", "f", outdir=tmp_path / "gen",
                        opts=CheckpointOptions(nocheckpoint=split))
    return res.files["src_b.f90"]


@pytest.mark.parametrize("split", [False, True], ids=["joint", "split"])
def test_if_branches_and_kernel_outputs_are_recomputed(split, tmp_path):
    text = _gen(tmp_path, STENCIL, split)
    head = text[text.index("subroutine s_b"):]
    assert re.findall(r"call fadj_push\((\w+)\)", head) == []
    backward = head.split("do i = n, 1, -1")[1]
    # the IF is run again with the assignments the adjoint needs, then the kernel
    assert re.search(r"if \(i == 1\) then\s+xs = x\(i\)\s+else\s+xs = x\(i - 1\)\s+end if", backward)
    assert "call drag(x(i), xn, r)" in backward
    # adv's value is needed by no adjoint statement: not evaluated again
    code = [line.strip() for line in backward.splitlines() if not line.strip().startswith("!")]
    assert "adv = xn - xs" not in code


@pytest.mark.slow
@pytest.mark.parametrize("split", [False, True], ids=["joint", "split"])
def test_recomputed_values_give_the_right_gradient(split, tmp_path, gfortran):
    args = ("--nocheckpoint",) if split else ()
    assert fd_check(tmp_path, STENCIL, args=args) < 1e-6


# what must still be saved: an IF without ELSE (the value may be the previous iteration's),
# a kernel that also writes a module variable, a value read before it is set in the iteration
SAVED = """
module k2
  real(8) :: calls = 0
contains
  subroutine drag2(a, r)
    real(8), intent(in) :: a
    real(8), intent(out) :: r
    r = a*a
    calls = calls + 1
  end subroutine drag2
end module k2

subroutine s(x, n, f)
  use k2
  integer, intent(in) :: n
  real(8), intent(in) :: x(n)
  real(8), intent(out) :: f
  real(8) :: w, r, prev
  integer :: i
  f = 0
  w = 1
  prev = 0
  do i = 1, n
    if (x(i) > 0.55d0) then
      w = x(i)
    end if
    call drag2(x(i), r)
    f = f + w*w*x(i) + r*x(i) + prev*x(i)
    prev = x(i)*x(i)
  end do
end subroutine s
"""


def test_values_that_are_not_cheap_to_recompute_are_saved(tmp_path):
    text = _gen(tmp_path, SAVED, split=True)
    head = text[text.index("subroutine s_fwd") if "subroutine s_fwd" in text else text.index("subroutine s_b"):]
    pushed = set(re.findall(r"call fadj_push\((\w+)\)", head))
    assert {"w", "r", "prev"} <= pushed


@pytest.mark.slow
@pytest.mark.parametrize("split", [False, True], ids=["joint", "split"])
def test_saved_values_give_the_right_gradient(split, tmp_path, gfortran):
    args = ("--nocheckpoint",) if split else ()
    init = ["    do i = 1, n\n      x(i) = 0.2d0 + 0.1d0*i\n    end do"]
    assert fd_check(tmp_path, SAVED, args=args, init=init) < 1e-6

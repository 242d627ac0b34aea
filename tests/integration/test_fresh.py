"""Fresh writes (fadj/ad/fresh.py): the first write of a local work array overwrites nothing
anyone stored, so nothing is pushed -- and a work array rewritten by an outer loop, or
written twice in its loop, is still saved.  Gradients checked against finite differences."""
from __future__ import annotations

import re

import pytest

from fadj.ad.plan import CheckpointOptions
from fadj.api import differentiate
from tests.helpers import fd_check

# a Thomas solve: gam is a local work array written once per element
THOMAS = """
subroutine s(x, n, f)
  integer, intent(in) :: n
  real(8), intent(in) :: x(n)
  real(8), intent(out) :: f
  real(8) :: gam(64), u(64), bet, w(64)
  integer :: j
  call fill(w, n)
  bet = 2.0d0 + x(1)
  u(1) = x(1)/bet
  do j = 2, n
    gam(j) = (0.5d0 + w(j))/bet
    bet = 2.0d0 + x(j)*x(j) - 0.3d0*gam(j)
    u(j) = (x(j) - 0.3d0*u(j - 1))/bet
  end do
  do j = n - 1, 1, -1
    u(j) = u(j) - gam(j + 1)*u(j + 1)
  end do
  f = sum(u(1:n)**2)
end subroutine s

subroutine fill(w, n)
  integer, intent(in) :: n
  real(8), intent(out) :: w(64)
  integer :: j
  do j = 1, n
    w(j) = 0.01d0*j
  end do
end subroutine fill
"""

# the same work array rewritten at every step of an outer loop: its values must be saved
STEPS = """
subroutine s(x, n, f)
  integer, intent(in) :: n
  real(8), intent(inout) :: x(n)
  real(8), intent(out) :: f
  real(8) :: g(64)
  integer :: j, t
  do t = 1, 3
    do j = 1, n
      g(j) = x(j)*x(j)
    end do
    do j = 2, n
      x(j) = x(j) + 0.1d0*g(j - 1)*x(j)
    end do
  end do
  f = sum(x)
end subroutine s
"""


def _pushed(tmp_path, source):
    src = tmp_path / "src.f90"
    src.write_text(source)
    res = differentiate([str(src)], "s", "x", "f", outdir=tmp_path / "gen", opts=CheckpointOptions(), cache=False)
    text = res.files["src_b.f90"]
    return re.findall(r"call fadj_push\((\w+)(\([^)]*\))?\)", text[text.index("subroutine s_b"):])


def test_first_writes_of_work_arrays_are_not_saved(tmp_path):
    pushed = {name for name, _ in _pushed(tmp_path, THOMAS)}
    assert "gam" not in pushed and "w" not in pushed
    assert "bet" in pushed and "u" in pushed        # really overwritten values still are


def test_work_arrays_rewritten_by_an_outer_loop_are_saved(tmp_path):
    assert "g" in {name for name, _ in _pushed(tmp_path, STEPS)}


@pytest.mark.slow
@pytest.mark.parametrize("case", [THOMAS, STEPS], ids=["thomas", "steps"])
@pytest.mark.parametrize("split", [False, True], ids=["joint", "split"])
def test_fresh_writes_keep_the_gradient(case, split, tmp_path, gfortran):
    args = ("--nocheckpoint",) if split else ()
    assert fd_check(tmp_path, case, args=args) < 1e-6

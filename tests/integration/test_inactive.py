"""Inactive code gets no derivative code: passive routines get no _b, passive variables
get no adjoint, passive statements get no adjoint statement."""
from __future__ import annotations

import re

from fadj.api import differentiate
from tests.conftest import EXAMPLES


def test_passive_routines_and_variables(tmp_path):
    ex = EXAMPLES / "gather_scatter"
    res = differentiate([str(ex / "mesh_geometry.f90"), str(ex / "residual_cost.f90")], "mesh_cost",
                        "u", "f", outdir=tmp_path)
    text = "".join(res.files.values())
    routines = set(re.findall(r"^subroutine (\w+)", text, re.M))
    assert routines == {"mesh_cost_b", "assemble_residual_b"}   # mesh_geometry, node_valence: passive
    # area, bx, by, src are real but computed from integers only: no adjoints
    for passive in ("areab", "bxb", "byb", "srcb"):
        assert not re.search(rf"\b{passive}\b", text), passive
    assert re.search(r"\bub\b", text) and re.search(r"\brb\b", text)


def test_passive_statements_have_no_adjoint(tmp_path, write):
    src = write("p.f90", """
subroutine head(x, n, f)
  integer, intent(in) :: n
  real(8), intent(in) :: x(n)
  real(8), intent(out) :: f
  real(8) :: scale, w
  integer :: i, cnt
  cnt = 0
  scale = 1.0d0/dble(n)
  f = 0
  do i = 1, n
    cnt = cnt + 1
    w = scale*dble(i)
    f = f + w*x(i)**2
  end do
end subroutine
""")
    res = differentiate([src], "head", "x", "f", outdir=tmp_path / "o")
    text = res.files["p_b.f90"]
    assert "scaleb" not in text and "wb" not in text and "cntb" not in text
    adjoint_comments = re.findall(r"! adjoint of line (\d+)", text)
    # only f = 0 and f = f + w*x(i)**2 are active
    assert sorted(set(adjoint_comments)) == ["10", "14"]
    # w is overwritten each iteration and needed by the adjoint, but cheap: it is evaluated
    # again in the backward loop instead of saved; nothing (cnt, scale, f, i) is pushed
    assert re.findall(r"call fadj_push\((\w+)\)", text) == []
    backward = text.split("do i = n, 1, -1")[1]
    assert "w = scale*dble(i)" in backward.split("! adjoint of line 13")[0]

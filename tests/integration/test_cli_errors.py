"""Bad input gets one line 'file:line: error: ...' on stderr, exit status 2, no traceback,
and the user's files are never modified."""
from __future__ import annotations

import re

import pytest

from tests.helpers import run_cli

GOOD = """subroutine s(x, f)
  real(8) x, f
  call g(x, f)
end
subroutine g(x, f)
  real(8) x, f
  f = x*x
end
"""

CASES = [
    # (file name, text, extra args, expected location, expected message fragment)
    ("syntax.f90", "subroutine s(x, f)\n  real(8) x, f\n  f = x +* 2\nend\n", ["--head", "s"], "syntax.f90:3",
     "syntax error"),
    ("nosrc.f90", "subroutine s(x, f)\n  real(8) x, f\n  call g(x, f)\nend\n", ["--head", "s"], "nosrc.f90:3",
     "call to routine 'g', which has no source"),
    ("good.f90", GOOD, ["--head", "nope"], "fadj", "unknown head routine 'nope'"),
    ("good.f90", GOOD, ["--head", "s", "--vars", "y"], "good.f90:1", "'y' is not an argument of 's'"),
    ("good.f90", GOOD, ["--head", "s", "--outvars", "q"], "good.f90:1", "'q' is not an argument"),
    ("nocp.f", "      SUBROUTINE S(X, F)\n      F = X\nC$AD NOCHECKPOINT\n      F = 2*F\n      END\n",
     ["--head", "s"], "nocp.f:3", "must be right before a CALL"),
    ("unknown.f", "      SUBROUTINE S(X, F)\n      F = X\nC$AD NOCHEKPOINT\n      F = 2*F\n      END\n",
     ["--head", "s"], "unknown.f:3", "unknown $AD directive"),
    ("region.f90", "subroutine s(x, f)\n  real(8) x, f\n  !$ad checkpoint-start\n  f = x\nend\n",
     ["--head", "s"], "region.f90:3", "without a matching $AD CHECKPOINT-END"),
    ("regionend.f90", "subroutine s(x, f)\n  real(8) x, f\n  f = x\n  !$AD CHECKPOINT-END\nend\n",
     ["--head", "s"], "regionend.f90:4", "CHECKPOINT-END without a matching"),
    ("binom.f90", "subroutine s(x, f)\n  real(8) x, f\n  f = x\n  !$ad binomial-ckp 10 3 1\n  f = f*2\nend\n",
     ["--head", "s"], "binom.f90:4", "must be right before a counted DO loop"),
    ("dangling.f90", "subroutine s(x, f)\n  real(8) x, f\n  f = x\n  !$ad nocheckpoint\nend\n",
     ["--head", "s"], "dangling.f90:4", "not followed by a statement"),
    ("decl.f90", "subroutine s(x, f)\n  !$ad checkpoint\n  real(8) x, f\n  f = x\nend\n",
     ["--head", "s"], "decl.f90:2", "executable statement"),
    ("implicit.f90", "subroutine s(x, f)\n  implicit none\n  real(8) x, f\n  f = x*y\nend\n",
     ["--head", "s"], "implicit.f90:4", "'y' has no declared type"),
]


@pytest.mark.parametrize("name,text,args,where,msg", CASES, ids=[c[0] + ":" + c[4][:20] for c in CASES])
def test_bad_input_one_line_error(tmp_path, name, text, args, where, msg):
    src = tmp_path / name
    src.write_text(text)
    before = src.read_bytes()
    p = run_cli("differentiate", name, *args, "-o", "out", cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert "Traceback" not in p.stderr
    assert lines[0].startswith(f"{where}: error: "), lines[0]
    assert msg in lines[0]
    assert src.read_bytes() == before


def test_missing_file(tmp_path):
    p = run_cli("differentiate", "nothere.f90", "--head", "s", cwd=tmp_path)
    assert p.returncode == 2
    assert p.stderr.strip() == "nothere.f90: error: no such file"


def test_missing_head_option(tmp_path):
    (tmp_path / "good.f90").write_text(GOOD)
    p = run_cli("differentiate", "good.f90", cwd=tmp_path)
    assert p.returncode == 2
    assert len(p.stderr.strip().splitlines()) == 1
    assert re.search(r"error: .*--head", p.stderr)


def test_success_writes_outdir(tmp_path):
    (tmp_path / "good.f90").write_text(GOOD)
    p = run_cli("differentiate", "good.f90", "--head", "s", "--vars", "x", "--outvars", "f", "-o", "out",
                cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    out = tmp_path / "out"
    assert (out / "good_b.f90").exists() and (out / "Makefile").exists() and (out / "fadj_stack.f90").exists()
    text = (out / "good_b.f90").read_text()
    assert "subroutine s_b(x, xb, f, fb)" in text and "subroutine g_b(x, xb, f, fb)" in text

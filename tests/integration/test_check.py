"""``fadj check`` as a user runs it (a separate process): every bundled example passes with
both modes (finite differences and the dot-product test to 1e-10), and a deliberately wrong
derivative makes it exit 1 and name the (input, output) pair that disagrees."""
from __future__ import annotations

import re

import pytest

from fadj.tools.examples import all_examples
from tests.conftest import EXAMPLES
from tests.helpers import run_cli
from tests.integration.test_tangent import HINT, table

EXS = all_examples(EXAMPLES)


@pytest.mark.slow
@pytest.mark.parametrize("ex", EXS, ids=[e.name for e in EXS])
def test_example_passes_check_both(ex, tmp_path, gfortran):
    out = tmp_path / "chk"
    p = run_cli("check", *ex.check_args(), "--mode", "both", "-o", str(out))
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr + HINT.format(ex.name)
    assert p.stdout.rstrip().splitlines()[-1].startswith("fadj: all derivative checks passed")
    assert "fadj-check: PASS" in p.stdout
    tangent, adjoint, dot = (table(p.stdout, t) for t in ("tangent", "adjoint", "dot"))
    assert len(tangent) == len(adjoint) == len(dot) == 3
    assert all(r[-1] <= 1e-6 for r in tangent + adjoint)
    assert all(r[-1] <= 1e-10 for r in dot), dot
    print(ex.name, "dot-product relative errors:", [r[-1] for r in dot])
    assert (out / "check_driver.f90").exists()
    assert {f.name for f in out.glob("*_diff.f90")}   # one library with both modes


TWO = """subroutine two(x, y, f, g)
  implicit none
  double precision, intent(in) :: x(3), y
  double precision, intent(out) :: f, g(2)
  f = x(1)*x(2) + sin(x(3))
  g(1) = exp(0.3d0*y) + x(1)
  g(2) = x(2)*x(3)
end subroutine two
"""


def _corrupt(path, routine: str, pattern: str, repl: str) -> None:
    """Change one generated statement inside ``routine`` (a deliberate bug)."""
    text = path.read_text()
    start = text.index(f"subroutine {routine}(")
    end = text.index(f"end subroutine {routine}", start)
    body, n = re.subn(pattern, repl, text[start:end], count=1, flags=re.M)
    assert n == 1, (pattern, text[start:end])
    path.write_text(text[:start] + body + text[end:])


@pytest.mark.slow
@pytest.mark.parametrize("routine,pattern,repl,test", [
    # tangent of g(1) w.r.t. y scaled by 1.5
    ("two_d", r"^(\s*gd\(1\) = .*)\byd\b", r"\1(1.5d0*yd)", "tangent"),
    # adjoint of y from g(1) scaled by 1.5
    ("two_b", r"^(\s*yb = yb \+ )(.*gb\(1\))$", r"\g<1>1.5d0*\2", "adjoint"),
], ids=["tangent", "adjoint"])
def test_wrong_derivative_fails_and_names_the_pair(tmp_path, routine, pattern, repl, test, gfortran):
    (tmp_path / "two.f90").write_text(TWO)
    args = ["check", "two.f90", "--head", "two", "--vars", "x y", "--outvars", "f g", "-o", "chk"]
    p = run_cli(*args, cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    _corrupt(tmp_path / "chk" / "two_diff.f90", routine, pattern, repl)
    p = run_cli(*args, "--no-generate", cwd=tmp_path)
    assert p.returncode == 1, p.stdout + p.stderr
    assert re.search(rf"^fadj-check: FAIL \(.*\b{test}\b.*\bdot\b.*\)$", p.stdout, re.M), p.stdout
    assert f"fadj-check: worst pair: input y output g test {test}" in p.stdout, p.stdout
    err = p.stderr.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in p.stderr
    assert f"the {test} derivative of output 'g' with respect to input 'y'" in err[0], err
    # the pairs that were not corrupted agree
    rows = {tuple(ln.split()[:2]): ln for ln in p.stdout.splitlines() if re.match(r"^\s*[xy]\s+[fg]\s", ln)}
    assert set(rows) == {("x", "f"), ("x", "g"), ("y", "f"), ("y", "g")}
    assert all(rows[k].rstrip().endswith("PASS") for k in rows if k != ("y", "g")), rows
    assert rows[("y", "g")].rstrip().endswith("FAIL")


@pytest.mark.slow
def test_wrong_derivative_in_an_example(tmp_path, gfortran):
    """A corrupted statement deep in an example's call tree (a callee's tangent) is caught."""
    ex = next(e for e in EXS if e.name == "nested_calls")
    out = tmp_path / "chk"
    p = run_cli("check", *ex.check_args(), "-o", str(out))
    assert p.returncode == 0, p.stdout + p.stderr
    _corrupt(out / "chain_model_diff.f90", "pin_and_cap_d", r"^(\s*phd = )(twopi.*)$", r"\g<1>1.01d0*\2")
    p = run_cli("check", *ex.check_args(), "-o", str(out), "--no-generate")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "input x output f test tangent" in p.stdout
    assert "with respect to input 'x'" in p.stderr


def test_no_generate_needs_a_driver(tmp_path):
    (tmp_path / "two.f90").write_text(TWO)
    (tmp_path / "chk").mkdir()
    p = run_cli("check", "two.f90", "--head", "two", "-o", "chk", "--no-generate", cwd=tmp_path)
    assert p.returncode == 2
    assert p.stderr.strip() == "chk/check_driver.f90: error: no check driver here: run fadj check without " \
                               "--no-generate first"


@pytest.mark.parametrize("extra,where,msg", [
    ([], "f.f90:1", "dimensioned by argument 'n': give its value with --size n=VALUE"),
    (["--size", "n=4"], "f.f90:1", "integer argument 'k' of 'f' is an input: give its value with --size k=VALUE"),
    (["--size", "n=4", "k=2", "q=3"], "f.f90:1", "--size q: 'q' is not an argument of 'f'"),
    (["--size", "n=four", "k=2"], "fadj", "--size n=four: expected an integer"),
    (["--size", "n=4", "k=2", "--init", "nope"], "f.f90:1", "--init nope: no routine 'nope'"),
    (["--size", "n=4", "k=2", "--init", "g"], "f.f90:7", "--init g: must be a subroutine with the arguments of 'f'"),
    (["--size", "n=4", "k=2", "--range", "x=2:1"], "fadj", "--range x=2:1: expected LO <= HI"),
])
def test_bad_check_input_one_line_error(tmp_path, extra, where, msg):
    (tmp_path / "f.f90").write_text("""subroutine f(x, n, k, y)
  integer, intent(in) :: n, k
  real(8), intent(in) :: x(n)
  real(8), intent(out) :: y
  y = sum(x**k)
end subroutine f
subroutine g(x)
  real(8) :: x
  x = 1
end subroutine g
""")
    p = run_cli("check", "f.f90", "--head", "f", "--vars", "x", "--outvars", "y", "-o", "chk", *extra,
                cwd=tmp_path)
    assert p.returncode == 2, p.stdout + p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr, p.stderr
    assert lines[0].startswith(f"{where}: error: "), lines[0]
    assert msg in lines[0], lines[0]

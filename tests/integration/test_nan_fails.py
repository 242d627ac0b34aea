"""A NaN in a derivative is a failure everywhere fadj or its tests compare derivatives.

gfortran's ``max`` and ``maxval`` skip NaN arguments (``max(0, NaN)`` is 0), so an error
reduced with them passes a NaN gradient.  Each test here corrupts one generated statement so
that one derivative element becomes NaN, and checks that the comparison fails: the tests'
own finite-difference helper, an example's driver, and ``fadj check`` (exit 1, one line on
stderr, no traceback).
"""
from __future__ import annotations

import math
import re

import pytest

from fadj.tools.examples import all_examples, build_example, compile_driver, run_driver
from fadj.tools.fortran_numbers import fortran_float
from tests.conftest import EXAMPLES
from tests.helpers import fd_check, run_cli

#: a run-time NaN that gfortran cannot fold at compile time (log of a negative number)
NAN = "log(-1.0d0 - abs({v}))"


def poison(path, routine: str, target: str) -> None:
    """Make ``target`` NaN on exit of ``routine`` in the generated file ``path``."""
    text = path.read_text()
    end = re.search(rf"^\s*end (subroutine|function) {routine}\b", text, re.M | re.I)
    assert end, routine
    line = f"  {target} = {NAN.format(v=target)}\n"
    # before the final statistics report, if there is one, else before END
    stats = text.rfind(f"call fadj_stats_report('{routine}')", 0, end.start())
    at = text.rfind("\n", 0, stats) + 1 if stats >= 0 else end.start()
    path.write_text(text[:at] + line + text[at:])


@pytest.mark.parametrize("v", ["NaN", "       NaN", "Infinity", "-Infinity", "1.80+308", "******"])
def test_fortran_float_reads_non_finite_output(v):
    assert not math.isfinite(fortran_float(v)) or fortran_float(v) > 1e307


def test_fortran_float_reads_plain_numbers():
    assert fortran_float("1.0D+00") == 1.0
    assert fortran_float(" 2.5E-03") == 2.5e-3
    assert fortran_float("-1.80-308") == -1.8e-308


SOURCE = """\
subroutine s(x, n, f)
  integer :: n, i
  real(8) :: x(n), f
  f = 0
  do i = 1, n
    f = f + sin(x(i))*x(i)
  end do
end subroutine
"""


def test_fd_helper_fails_on_a_nan_gradient(tmp_path, gfortran):
    assert fd_check(tmp_path / "ok", SOURCE) < 1e-6
    err = fd_check(tmp_path / "bad", SOURCE, edit=lambda out: poison(out / "src_b.f90", "s_b", "xb(3)"))
    assert not err < 1e-6, err


def test_example_driver_fails_on_a_nan_gradient(tmp_path, gfortran):
    ex = next(e for e in all_examples(EXAMPLES) if e.name == "nested_calls")
    out = tmp_path / "out"
    build_example(ex, out)
    poison(out / "chain_model_b.f90", "chain_action_b", "xb(5)")
    from fadj.backend.build import run_make
    run_make(out)
    r = run_driver(compile_driver(ex, out))
    assert not r.passed
    assert r.returncode != 0
    assert not r.max_rel_err <= 1e-6, r.max_rel_err
    assert re.search(r"^fadj-driver: max_rel_err=\s*\S+ FAIL$", r.output, re.M), r.output[-500:]


TWO = """subroutine two(x, y, f, g)
  implicit none
  double precision, intent(in) :: x(3), y
  double precision, intent(out) :: f, g(2)
  f = x(1)*x(2) + sin(x(3))
  g(1) = exp(0.3d0*y) + x(1)
  g(2) = x(2)*x(3)
end subroutine two
"""


@pytest.mark.slow
@pytest.mark.parametrize("routine,target,test", [
    ("two_d", "gd(2)", "tangent"),
    ("two_b", "xb(2)", "adjoint"),
], ids=["tangent", "adjoint"])
def test_check_fails_on_a_nan_derivative(tmp_path, routine, target, test, gfortran):
    (tmp_path / "two.f90").write_text(TWO)
    args = ["check", "two.f90", "--head", "two", "--vars", "x y", "--outvars", "f g", "-o", "chk"]
    p = run_cli(*args, cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    poison(tmp_path / "chk" / "two_diff.f90", routine, target)
    p = run_cli(*args, "--no-generate", cwd=tmp_path)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "Traceback" not in p.stderr
    err = p.stderr.strip().splitlines()
    assert len(err) == 1, err
    assert f"the {test} derivative of output '{'g' if test == 'tangent' else 'f'}' with respect to input 'x'" \
        in err[0] or f"the {test} derivative" in err[0], err
    assert "relative error nan" in err[0], err
    assert re.search(rf"^fadj-check: FAIL \(.*\b{test}\b.*\)$", p.stdout, re.M), p.stdout
    assert "NaN" in p.stdout

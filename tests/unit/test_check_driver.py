"""The check-driver generator: array sizes from declarations and --size, the flat layout of
inputs and outputs, values of integer/logical arguments, and one-line file:line errors for
what it cannot know."""
from __future__ import annotations

import pytest

from fadj.ad.context import parse_names, prepare
from fadj.ad.plan import CheckpointOptions
from fadj.backend.render import render
from fadj.errors import FadjError
from fadj.frontend.load import load_program
from fadj.tools.check import CheckOptions, driver_spec

SRC = """module m
  implicit none
  integer, parameter :: nmax = 5
contains
  subroutine h(x, n, w, flag, k, y, cnt)
    integer, intent(in) :: n, k
    real(8), intent(inout) :: x(0:n+1)
    real(8), intent(in) :: w(nmax, 3)
    logical, intent(in) :: flag
    real(8), intent(out) :: y(2)
    integer, intent(out) :: cnt
    cnt = k
    y(1) = sum(x)*w(1, 1)
    if (flag) y(2) = sum(w)
    x = 2*x
  end subroutine h
end module m
"""


def _ctx(tmp_path, text, head, vars_=None, outvars=None, name="s.f90"):
    p = tmp_path / name
    p.write_text(text)
    prog = load_program([str(p)])
    return prepare(prog, head, parse_names(vars_) or None, parse_names(outvars) or None, CheckpointOptions()), str(p)


def _spec(tmp_path, text, head, vars_=None, outvars=None, **kw):
    ctx, path = _ctx(tmp_path, text, head, vars_, outvars)
    return driver_spec(ctx, CheckOptions([path], head, vars_, outvars, **kw))


def test_sizes_from_declarations_parameters_and_size_option(tmp_path):
    s = _spec(tmp_path, SRC, "h", "x w", "y x", sizes=["n=4", "k=3", "flag=true"])
    args = {a.dummy: a for a in s["args"]}
    assert args["x"].dims == [(0, 5)]            # 0:n+1 with n = 4
    assert args["w"].dims == [(1, 5), (1, 3)]    # PARAMETER nmax of the module
    assert args["y"].dims == [(1, 2)]
    assert args["n"].fill == "value" and args["n"].value == "4" and args["n"].sizes_arrays
    assert args["k"].value == "3" and not args["k"].sizes_arrays
    assert args["flag"].value == ".true."
    assert args["cnt"].fill == "zero"            # written, never read: no value needed
    # flat vectors: inputs x (6 values) then w (15); outputs y (2) then x (6, in-out)
    assert [(b.label, b.first, b.last) for b in s["ins"]] == [("x", 1, 6), ("w", 7, 21)]
    assert [(b.label, b.first, b.last) for b in s["outs"]] == [("y", 1, 2), ("x", 3, 8)]
    assert s["nin"] == 21 and s["nout"] == 8
    assert s["head_module"] == "m" and s["diff_module"] == "m_diff"


def test_rendered_driver(tmp_path):
    s = _spec(tmp_path, SRC, "h", "x w", "y x", sizes=["n=4", "k=3", "flag=0"], ranges=["w=2:3"], seed=7)
    text = render("check_driver.f90.j2", **s)
    assert render("check_driver.f90.j2", **s) == text              # deterministic
    assert "use m, only: h\n" in text and "use m_diff, only: h_d, h_b\n" in text
    assert "real(8) :: x(0:5), x0(0:5)\n" in text and "real(8) :: xd(0:5), xb(0:5)\n" in text
    assert "integer(4) :: n, n0\n" in text and "logical(4) :: flag, flag0\n" in text
    assert "w = reshape(ck_uniform(15, 2.0d0, 3.0d0), shape(w))" in text       # --range w=2:3
    assert "x = reshape(ck_uniform(6, 5.0d-1, 1.5d0), shape(x))" in text       # default [0.5, 1.5]
    assert "flag = .false." in text and "ck_seed = 7_8" in text
    # each active argument followed by its derivative, in the head's order
    tangent_call = text.split("call h_d( &\n")[1].split(")")[0]
    assert [a.strip(" ,&") for a in tangent_call.split("\n") if a.strip()] == \
        ["x", "xd", "n", "w", "wd", "flag", "k", "y", "yd", "cnt"]
    assert "ck_tol = 1.0d-6" in text and "ck_dot_tol = 1.0d-10" in text
    for line in text.splitlines():
        assert len(line) <= 132, line


def test_function_head_and_assumed_shape(tmp_path):
    src = """module fm
contains
  real(8) function g(x)
    real(8), intent(in) :: x(:, :)
    g = sum(x**2)
  end function g
end module fm
"""
    s = _spec(tmp_path, src, "g", sizes=["x=3x4"])
    assert s["result"] is not None and s["result"].dummy == "g"
    assert [b.label for b in s["outs"]] == ["g"]
    assert {a.dummy: a for a in s["args"]}["x"].dims == [(1, 3), (1, 4)]
    text = render("check_driver.f90.j2", **s)
    assert "g_val = g( &" in text and "g_vald = g_d( &" in text and "call g_b( &" in text


@pytest.mark.parametrize("text,opts,where,msg", [
    (SRC, dict(sizes=["k=3", "flag=1"]), "s.f90:5",
     "array argument 'x' of 'h' is dimensioned by argument 'n': give its value with --size n=VALUE"),
    (SRC, dict(sizes=["n=4", "flag=1"]), "s.f90:5",
     "integer argument 'k' of 'h' is an input: give its value with --size k=VALUE"),
    (SRC, dict(sizes=["n=4", "k=1", "flag=maybe"]), "fadj", "--size flag=maybe: expected true or false"),
    (SRC, dict(sizes=["n=4", "k=1", "flag=1", "m=2"]), "s.f90:5", "--size m: 'm' is not an argument of 'h'"),
    ("subroutine a(x, f)\n  real(8) :: x(:), f\n  f = sum(x)\nend\n", {}, "s.f90:1",
     "assumed-shape array argument 'x' of 'a': give its extents with --size x=N"),
    ("subroutine a(x, n, f)\n  real(8) :: x(*), f\n  f = x(1)\nend\n", {}, "s.f90:1",
     "assumed-size array argument 'x' of 'a'"),
    ("subroutine a(x, f)\n  real(8) :: x(2), f\n  f = sum(x)\nend\n", dict(sizes=["x=2x2"]), "fadj",
     "'x' has rank 1: give 1 extent(s)"),
    ("subroutine a(x, s, f)\n  real(8) :: x, f\n  character(len=4) :: s(2)\n  f = x\nend\n", {}, "s.f90:1",
     "argument 's' of 'a' is a character array"),
    ("subroutine a(x, s, f)\n  real(8) :: x, f\n  character(len=4) :: s\n  f = x\n  if (s == 'a') f = 0\nend\n", {},
     "s.f90:1", "character argument 's' of 'a' is an input: give its value with --value s=TEXT"),
    ("subroutine a(x, e, f)\n  real(8) :: x, f\n  integer :: e(3)\n  f = x*e(1)\nend\n", {}, "s.f90:1",
     "integer array argument 'e' of 'a' is an input: give an --init routine"),
])
def test_errors_name_the_argument(tmp_path, text, opts, where, msg):
    head = "h" if text is SRC else "a"
    with pytest.raises(FadjError) as e:
        _spec(tmp_path, text, head, "x" if head == "a" else None, "f" if head == "a" else None, **opts)
    line = e.value.format()
    assert line.startswith(f"{where if where == 'fadj' else str(tmp_path / where)}: error: "), line
    assert msg in line, line


def test_init_routine_lifts_the_value_requirement(tmp_path):
    src = """subroutine a(x, e, f)
  real(8) :: x, f
  integer :: e(3)
  f = x*e(1)
end
subroutine ainit(x, e, f)
  real(8) :: x, f
  integer :: e(3)
  e = 2
end
"""
    s = _spec(tmp_path, src, "a", "x", "f", init="ainit")
    assert s["init"] == "ainit" and s["init_module"] is None
    text = render("check_driver.f90.j2", **s)
    assert "external :: ainit" in text and "call ainit( &" in text


def test_finite_difference_steps_follow_the_precision():
    from fadj.tools.check import fd_steps
    assert fd_steps(2.0 ** -52) == pytest.approx([1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9])
    assert fd_steps(2.0 ** -23) == pytest.approx([1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6])

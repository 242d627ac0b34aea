"""Every entry of the derivative-rule table, per argument, tangent and reverse, end to end.

All cases of tests/rule_cases.py go into one head ``rules(x, f)`` (each case has its own slice
of ``x`` and ``f``), differentiated once in both modes and built with gfortran.  A driver
computes the whole Jacobian three ways -- tangent (``rules_d``, one unit direction per input),
reverse (``rules_b``, one unit output weight per output) and central differences -- and prints
its non-zero entries.  Each (rule, argument) is a test: at generic points both derivatives
match central differences; at kinks they equal the documented convention exactly.  Entries
outside every case's block must be 0 (no derivative leaks between statements).
"""
from __future__ import annotations

import math
import re

import pytest

from fadj.api import differentiate
from fadj.backend.build import run_make
from fadj.rules.table import LINEAR, RULES
from fadj.tools.fortran_numbers import fortran_float
from tests.helpers import compile_and_run
from tests.rule_cases import CASES

_SLICE = re.compile(r"\b([XF])\((\d+)(?::(\d+))?\)")


def _layout():
    """Offsets of each case's inputs and outputs in the head's x and f."""
    xo = fo = 0
    out = []
    for c in CASES:
        out.append((xo, fo))
        xo += len(c.point)
        fo += c.nout
    return out, xo, fo


def head_source() -> str:
    offsets, nx, nf = _layout()
    decls, body = [], []
    for n, (c, (xo, fo)) in enumerate(zip(CASES, offsets), start=1):
        def place(m, xo=xo, fo=fo):
            base = xo if m.group(1) == "X" else fo
            name = m.group(1).lower()
            lo = base + int(m.group(2))
            return f"{name}({lo}:{base + int(m.group(3))})" if m.group(3) else f"{name}({lo})"
        local = lambda s, n=n: s.replace("@", f"c{n}_")   # noqa: E731
        if c.decl:
            decls.append("  " + local(c.decl))
        body.append(f"  ! {c.label} ({c.rule})")
        body += ["  " + _SLICE.sub(place, local(ln)) for ln in c.code.splitlines()]
    return "\n".join([
        "subroutine rules(x, f)",
        "  implicit none",
        f"  real(8), intent(in) :: x({nx})",
        f"  real(8), intent(out) :: f({nf})",
        *decls,
        *body,
        "end subroutine rules", ""])


DRIVER = """\
program rules_driver
  implicit none
  integer, parameter :: nx = {nx}, nf = {nf}
  real(8) :: x0(nx), x(nx), xd(nx), xb(nx), f(nf), fd(nf), fb(nf), fp(nf), fm(nf), hrel(nx), h, t
  real(8) :: jt(nf, nx), jr(nf, nx), jf(nf, nx)
  integer :: i, k
{init}
  do i = 1, nx
    x = x0
    xd = 0
    xd(i) = 1
    call rules_d(x, xd, f, fd)
    jt(:, i) = fd
  end do
  do k = 1, nf
    x = x0
    xb = 0
    fb = 0
    fb(k) = 1
    call rules_b(x, xb, f, fb)
    jr(k, :) = xb
  end do
  do i = 1, nx
    h = hrel(i)*max(1d0, abs(x0(i)))
    t = x0(i) + h
    h = t - x0(i)
    x = x0
    x(i) = x0(i) + h
    call rules(x, fp)
    x(i) = x0(i) - h
    call rules(x, fm)
    jf(:, i) = (fp - fm)/(2*h)
  end do
  do i = 1, nx
    do k = 1, nf
      if (jt(k, i) /= 0 .or. jr(k, i) /= 0 .or. jf(k, i) /= 0) &
          print '(a, 2i6, 3es26.17)', 'J', k, i, jt(k, i), jr(k, i), jf(k, i)
    end do
  end do
  print '(a)', 'done'
end program rules_driver
"""


def _flit(v: float) -> str:
    return f"{v!r}d0" if "e" not in repr(v) else repr(v).replace("e", "d")


@pytest.fixture(scope="module")
def jacobian(tmp_path_factory, gfortran):
    """{(k, i): (tangent, reverse, central difference)} over the head's outputs k and inputs i."""
    tmp = tmp_path_factory.mktemp("rules")
    (tmp / "rules.f90").write_text(head_source())
    out = tmp / "out"
    differentiate([str(tmp / "rules.f90")], "rules", "x", "f", mode="both", outdir=out)
    run_make(out)
    _, nx, nf = _layout()
    x0 = [v for c in CASES for v in c.point]
    hrel = [c.hrel for c in CASES for _ in c.point]
    init = "\n".join(f"  x0({i}) = {_flit(v)}\n  hrel({i}) = {_flit(h)}" for i, (v, h) in enumerate(zip(x0, hrel), 1))
    text = compile_and_run(out, DRIVER.format(nx=nx, nf=nf, init=init))
    assert text.rstrip().endswith("done"), text[-500:]
    jac = {}
    for ln in text.splitlines():
        p = ln.split()
        if p and p[0] == "J":
            jac[(int(p[1]), int(p[2]))] = tuple(fortran_float(v) for v in p[3:6])
    return jac


def _entry(jac, k, i):
    return jac.get((k, i), (0.0, 0.0, 0.0))


def _keys():
    offsets, _, _ = _layout()
    for c, (xo, fo) in zip(CASES, offsets):
        for arg, inputs in c.args.items():
            yield pytest.param(c, arg, xo, fo, id=f"{c.label}[{arg}]")


@pytest.mark.parametrize("case,arg,xo,fo", list(_keys()))
def test_rule_argument(jacobian, case, arg, xo, fo):
    for i in case.args[arg]:
        for k in range(1, case.nout + 1):
            jt, jr, jf = _entry(jacobian, fo + k, xo + i)
            if case.exact:
                want = case.exact[arg]
                assert jt == want and jr == want, f"d F({k})/d X({i}): tangent {jt}, reverse {jr}, convention {want}"
            else:
                scale = max(abs(jf), 1e-3)
                et, er = abs(jt - jf) / scale, abs(jr - jf) / scale
                assert et <= case.tol and er <= case.tol, \
                    f"d F({k})/d X({i}): tangent {jt}, reverse {jr}, central differences {jf}"


def test_no_derivative_outside_the_cases(jacobian):
    offsets, _, _ = _layout()
    blocks = set()
    for c, (xo, fo) in zip(CASES, offsets):
        blocks |= {(fo + k, xo + i) for k in range(1, c.nout + 1) for i in range(1, len(c.point) + 1)}
    leaks = {ki: v for ki, v in jacobian.items() if ki not in blocks}
    assert not leaks


def test_tangent_and_reverse_agree_everywhere(jacobian):
    """The dot-product test entry by entry: tangent and reverse give the same Jacobian."""
    bad = {ki: v for ki, v in jacobian.items() if not math.isclose(v[0], v[1], rel_tol=1e-12, abs_tol=1e-14)}
    assert not bad


def test_every_rule_has_a_case():
    covered = {c.rule for c in CASES}
    assert set(RULES) <= covered, sorted(set(RULES) - covered)
    assert set(LINEAR) <= covered, sorted(set(LINEAR) - covered)


def test_every_argument_of_every_rule_is_exercised():
    """Each argument with a partial (not ZERO) is varied by a generic case of its rule."""
    missing = []
    for name, rule in RULES.items():
        cases = [c for c in CASES if c.rule == name and not c.exact]
        for a in rule.args:
            if rule.partials.get(a) is None or (name in ("sum",) and a == "mask"):
                continue
            if not any(a in c.args for c in cases) and not (rule.nary and any("a" in c.args for c in cases)):
                missing.append((name, a))
    assert not missing

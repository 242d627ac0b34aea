"""Checkpointing strategies on a small time-stepping model with a three-deep call tree
(time loop -> step -> physics -> kernel): every strategy gives the same, correct gradient,
and the memory/recomputation trade-off shows in the runtime statistics.

The bigger `timestep_tree` example runs the same strategies in test_checkpointing_example.py.
"""
from __future__ import annotations

import re

import pytest

from tests.binomial_model import optimal_forward_steps
from fadj.ad.plan import CheckpointOptions
from fadj.api import differentiate
from fadj.backend.build import run_make
from fadj.tools.fortran_numbers import fortran_float
from tests.helpers import compile_and_run

MODEL = """\
subroutine kernel(a, b, c)
  double precision :: a, b, c
  c = c + a*exp(-b*b) + sin(a*c)
end subroutine kernel

subroutine physics(u, n, dt)
  integer, intent(in) :: n
  double precision :: u(n), dt
  integer :: i
  double precision :: tmp(n), s
  do i = 1, n
    s = 0.1d0
{K}    call kernel(u(i), dt, s)
    tmp(i) = u(i) + dt*s*u(max(i-1, 1))
  end do
  do i = 1, n
    u(i) = tmp(i)
  end do
end subroutine physics

subroutine step(u, n, dt, acc)
  integer, intent(in) :: n
  double precision :: u(n), dt, acc
  integer :: i
{RS}  do i = 2, n
    u(i) = u(i) - dt*u(i)*u(i-1)
  end do
{RE}{P}  call physics(u, n, dt)
  acc = acc + u(n)**2
end subroutine step

subroutine cost(x, n, nt, f)
  integer, intent(in) :: n, nt
  double precision, intent(in) :: x(n)
  double precision, intent(out) :: f
  double precision :: u(n), acc, dt
  integer :: it
  do it = 1, n
    u(it) = x(it)
  end do
  dt = 0.01d0
  acc = 0
{B}  do it = 1, nt
{LS}    u(1) = u(1)*1.001d0
{S}    call step(u, n, dt, acc)
{LE}  end do
  f = acc + sum(u)
end subroutine cost
"""

DRIVER = """\
program drv
  implicit none
  integer, parameter :: n = 10, nt = {NT}
  double precision :: x(n), x0(n), xb(n), f, f0, fb, fp, fm, h, g, e, emax
  integer :: i
  logical :: bad
  bad = .false.
  do i = 1, n
    x0(i) = 0.3d0 + 0.05d0*i
  end do
  x = x0
  call cost(x, n, nt, f0)
  xb = 0
  fb = 1
  call cost_b(x, xb, n, nt, f, fb)
  emax = abs(f - f0)/abs(f0)
  do i = 1, n
    h = 1d-4*max(1d0, abs(x0(i)))
    x = x0
    x(i) = x0(i) + h
    call cost(x, n, nt, fp)
    x(i) = x0(i) - h
    call cost(x, n, nt, fm)
    g = (fp - fm)/(2*h)
    e = abs(g - xb(i))/max(abs(g), 1d-3)
    if (.not. (e <= huge(e))) bad = .true.   ! max skips NaN
    emax = max(emax, e)
  end do
  if (bad .or. .not. (emax <= huge(emax))) emax = huge(emax)
  print '(a, es10.3)', 'maxerr ', emax
  print '(a, es24.16)', 'xb1 ', xb(1)
end program drv
"""


def model(**marks) -> str:
    keys = dict(K="", RS="", RE="", P="", B="", LS="", LE="", S="")
    keys.update(marks)
    return MODEL.format(**keys)


def run(tmp_path, source: str, opts: CheckpointOptions | None = None, nt: int = 12):
    tmp_path.mkdir(parents=True, exist_ok=True)
    src = tmp_path / "model.f90"
    src.write_text(source)
    out = tmp_path / "out"
    res = differentiate([str(src)], "cost", "x", "f", outdir=out, opts=opts)
    run_make(out)
    text = compile_and_run(out, DRIVER.replace("{NT}", str(nt)), env={"FADJ_STATS": "1"})
    err = fortran_float(re.search(r"maxerr\s+(\S+)", text).group(1))
    xb1 = float(re.search(r"xb1\s+(\S+)", text).group(1))
    m = re.search(r"peak bytes (\d+), bytes pushed (\d+), snapshot bytes (\d+), forward recomputations (\d+)", text)
    stats = dict(zip(("peak", "pushed", "snapshot", "recompute"), map(int, m.groups())))
    return res, err, xb1, stats


NOCK = "    !$AD NOCHECKPOINT\n"
CK = "    !$AD CHECKPOINT\n"

STRATEGIES = {
    "default": (model(), None),
    "nocheckpoint": (model(), CheckpointOptions(nocheckpoint=True)),
    "nocheckpoint-routines": (model(), CheckpointOptions(nocheckpoint_routines={"physics", "kernel"})),
    "NOCHECKPOINT on chosen calls": (model(K="    " + NOCK, P=NOCK.replace("    ", "  ")), None),
    "CHECKPOINT overrides --nocheckpoint": (model(S=CK), CheckpointOptions(nocheckpoint=True)),
    "nested mix split/joint": (model(S=NOCK, P="  !$AD CHECKPOINT\n", K="    " + NOCK), None),
    "region in step": (model(RS="  !$AD CHECKPOINT-START\n", RE="  !$AD CHECKPOINT-END\n"), None),
    "region inside time loop": (model(LS="    !$AD CHECKPOINT-START\n", LE="    !$AD CHECKPOINT-END\n"), None),
    "region inside time loop, split calls": (
        model(LS="    !$AD CHECKPOINT-START\n", LE="    !$AD CHECKPOINT-END\n"), CheckpointOptions(nocheckpoint=True)),
    "binomial 2": (model(B="  !$AD BINOMIAL-CKP 12 2 1\n"), None),
    "binomial 4": (model(B="  !$AD BINOMIAL-CKP 12 4 1\n"), None),
    "binomial 8": (model(B="  !$AD BINOMIAL-CKP 12 8 1\n"), None),
    "binomial 4, split calls": (model(B="  !$AD BINOMIAL-CKP 12 4 1\n"), CheckpointOptions(nocheckpoint=True)),
}


@pytest.fixture(scope="module")
def reference(tmp_path_factory, gfortran):
    _, err, xb1, stats = run(tmp_path_factory.mktemp("ref"), model(), CheckpointOptions(nocheckpoint=True))
    assert err < 1e-6
    return xb1, stats


@pytest.mark.parametrize("name", list(STRATEGIES))
def test_strategy_gradient(name, tmp_path, reference, gfortran):
    source, opts = STRATEGIES[name]
    _, err, xb1, stats = run(tmp_path, source, opts)
    assert err < 1e-6, (name, err)
    # all strategies compute the same adjoint (to rounding)
    assert xb1 == pytest.approx(reference[0], rel=1e-12)


def test_tradeoff_default_vs_split(tmp_path, reference, gfortran):
    """--nocheckpoint stores the trajectory (more memory, no recomputation); joint mode saves
    memory and recomputes."""
    split = reference[1]
    _, _, _, joint = run(tmp_path, model())
    assert split["recompute"] == 0
    assert joint["recompute"] > 0
    assert joint["peak"] < split["peak"]


@pytest.mark.parametrize("nt,nsnaps", [(12, 2), (12, 4), (20, 3), (7, 1), (16, 16)])
def test_binomial_forward_steps_are_optimal(nt, nsnaps, tmp_path, gfortran):
    """With the step body inlined (no checkpointed calls), the runtime's recomputation count is
    exactly the number of loop-body executions of the reversal: it must equal the optimum."""
    src = model(B=f"  !$AD BINOMIAL-CKP {nt} {nsnaps} 1\n", S=NOCK)
    _, err, _, stats = run(tmp_path, src, CheckpointOptions(nocheckpoint=True), nt=nt)
    assert err < 1e-6
    assert stats["recompute"] == optimal_forward_steps(nt, nsnaps)


def test_binomial_memory_bounded_by_snapshots(tmp_path, gfortran):
    """Peak memory of a binomial loop depends on nsnaps, not on the number of steps."""
    peaks = {}
    for nt in (10, 40):
        src = model(B=f"  !$AD BINOMIAL-CKP {nt} 3 1\n", S=NOCK)
        _, err, _, stats = run(tmp_path / str(nt), src, CheckpointOptions(nocheckpoint=True), nt=nt)
        assert err < 1e-6
        peaks[nt] = stats["peak"]
    assert peaks[40] == peaks[10]


def test_nested_binomial_loops(tmp_path, gfortran):
    src = model(B="  !$AD BINOMIAL-CKP 12 3 1\n").replace(
        "  do i = 2, n\n    u(i) = u(i) - dt*u(i)*u(i-1)\n  end do\n",
        "  !$AD BINOMIAL-CKP 9 2 2\n  do i = 2, n\n    u(i) = u(i) - dt*u(i)*u(i-1)\n  end do\n")
    _, err, _, _ = run(tmp_path, src, CheckpointOptions(nocheckpoint=True))
    assert err < 1e-6


def test_snapshot_holds_only_what_is_needed(tmp_path):
    """The snapshot of a checkpointed call saves what the call reads and overwrites, or what the
    caller needs later, not every argument."""
    src = tmp_path / "s.f90"
    src.write_text("""\
subroutine scale(a, b, n, s)
  integer :: n, i
  double precision :: a(n), b(n), s
  do i = 1, n
    b(i) = s*a(i)**2
  end do
end subroutine
subroutine head(x, y, n, f)
  integer :: n
  double precision :: x(n), y(n), f, s
  s = 2.0d0
  call scale(x, y, n, s)
  f = sum(y)
end subroutine
""")
    res = differentiate([str(src)], "head", "x", "f", outdir=tmp_path / "o")
    text = res.files["s_b.f90"]
    head_b = text[text.index("subroutine head_b"):]
    # scale reads a and s, writes b (pure output): nothing it reads is overwritten -> no snapshot
    fwd_part = head_b[:head_b.index("call scale(x, y, n, s)")]
    assert "fadj_push" not in fwd_part, head_b
    assert "fadj_look" not in head_b


def test_tape_spills_to_disk(tmp_path, gfortran):
    """With FADJ_STACK_RAM below the tape size, blocks go to FADJ_STACK_DIR and the gradient is
    bit-identical; the spill files are gone at the end."""
    src = tmp_path / "model.f90"
    src.write_text(model())
    out = tmp_path / "out"
    differentiate([str(src)], "cost", "x", "f", outdir=out, opts=CheckpointOptions(nocheckpoint=True))
    run_make(out)
    drv = DRIVER.replace("{NT}", "8000")
    plain = compile_and_run(out, drv, env={"FADJ_STATS": "1"})
    peak = int(re.search(r"peak bytes (\d+)", plain).group(1))
    assert peak > 1_000_000          # the tape really is bigger than the cap below
    spill_dir = tmp_path / "spill"
    spill_dir.mkdir()
    spilled = compile_and_run(out, drv, name="drv2",
                              env={"FADJ_STATS": "1", "FADJ_STACK_RAM": "256K", "FADJ_STACK_DIR": str(spill_dir)})
    assert re.search(r"xb1\s+(\S+)", spilled).group(1) == re.search(r"xb1\s+(\S+)", plain).group(1)
    assert list(spill_dir.iterdir()) == []


def test_external_routine_stays_joint_with_a_note(tmp_path, gfortran):
    """--nocheckpoint cannot split a routine whose only derivative is the user's NAME_b: the call
    stays checkpointed and fadj says so."""
    from tests.helpers import run_cli
    (tmp_path / "m.f90").write_text("""\
subroutine s(x, n, f)
  integer :: n
  real(8) :: x(n), f, y(n)
  call blackbox(x, y, n)
  f = sum(y**2)
end subroutine
""")
    p = run_cli("differentiate", "m.f90", "--head", "s", "--vars", "x", "--outvars", "f", "--nocheckpoint",
                "--external", "blackbox", "-o", "out", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert re.search(r"m\.f90:4: note: 'blackbox' is external .* kept checkpointed", p.stdout), p.stdout
    text = (tmp_path / "out" / "m_b.f90").read_text()
    assert "call blackbox_b(x, xb, y, yb, n)" in text and "blackbox_fwd" not in text

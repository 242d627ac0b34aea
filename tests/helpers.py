"""Helpers for tests that build and run generated code."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, cwd: str | Path | None = None) -> subprocess.CompletedProcess:
    """Run ``fadj`` as a user would (a separate process)."""
    return subprocess.run([sys.executable, "-m", "fadj", *args], capture_output=True, text=True, cwd=cwd)


def check_cost(tmp_path: Path, source: str, split: bool, name: str = "s.f90", n: int = 6):
    """``fadj check`` (tangent, adjoint, dot-product test) of ``cost(x, n, f)`` in ``source``,
    joint or split (``--nocheckpoint``); the report."""
    from fadj.ad.plan import CheckpointOptions
    from fadj.tools.check import CheckOptions, run_check
    (tmp_path / name).write_text(source)
    return run_check(CheckOptions([str(tmp_path / name)], "cost", "x", "f", outdir=tmp_path / "chk",
                                  sizes=[f"n={n}"], checkpoint=CheckpointOptions(nocheckpoint=split)))


def cost_error(tmp_path: Path, src: str) -> str:
    """The one-line error of ``fadj differentiate e.f90 --head cost --vars x --outvars f`` on
    ``src`` (exit status 2 and exactly one line asserted)."""
    (tmp_path / "e.f90").write_text(src)
    p = run_cli("differentiate", "e.f90", "--head", "cost", "--vars", "x", "--outvars", "f", cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    return lines[0]


def compile_and_run(outdir: Path, driver_text: str, name: str = "drv", env: dict | None = None,
                    flags: tuple = ()) -> str:
    """Compile a Fortran driver against OUTDIR/libadjoint.a (with ``flags`` too: -fopenmp), run it,
    return stdout."""
    drv = outdir / f"{name}.f90"
    drv.write_text(driver_text)
    exe = outdir / f"{name}.exe"
    subprocess.run(["gfortran", "-O1", *flags, "-I", str(outdir), str(drv), "-L", str(outdir), "-ladjoint", "-o",
                    str(exe)], check=True, capture_output=True, text=True)
    import os
    e = dict(os.environ, **(env or {}))
    p = subprocess.run([str(exe)], capture_output=True, text=True, check=True, cwd=outdir, env=e)
    return p.stdout


FD_DRIVER = """\
program fd_driver
{uses}  implicit none
  integer, parameter :: n = {n}
  real(8) :: x(n), x0(n), xb(n), f, f0, fb, fp, fm, h, g, emax
  integer :: i, k
  emax = 0
  do k = 1, {ncases}
    call init(k, x0)
    x = x0
    call {head}(x, n, f0)
    x = x0
    xb = 0
    fb = 1
    call {head}_b(x, xb, n, f, fb)
    emax = worse(emax, abs(f - f0)/max(abs(f0), 1d-300))
    do i = 1, n
      h = {hrel}*max(1d0, abs(x0(i)))
      x = x0
      x(i) = x0(i) + h
      call {head}(x, n, fp)
      x = x0
      x(i) = x0(i) - h
      call {head}(x, n, fm)
      g = (fp - fm)/(2*h)
      emax = worse(emax, abs(g - xb(i))/max(abs(g), 1d-2))
    end do
  end do
  print '(a, es12.4)', 'maxerr ', emax
contains
  ! max(a, b) keeping a NaN or Inf: gfortran's max skips NaN, which would pass a NaN gradient
  double precision function worse(a, b)
    double precision, intent(in) :: a, b
    worse = max(a, b)
    if (.not. (a <= huge(a) .and. b <= huge(b))) worse = a + b
  end function worse
  subroutine init(k, x)
    integer, intent(in) :: k
    real(8), intent(out) :: x(n)
    integer :: i
{init}
  end subroutine init
end program fd_driver
"""


def fd_check(tmp_path: Path, source: str, head: str = "s", n: int = 8, init: list[str] | None = None,
             suffix: str = ".f90", args: tuple = (), module: str | None = None, extra_sources: dict | None = None,
             externals: tuple = (), edit=None, hrel: float = 1e-5, fflags: str = "") -> float:
    """Differentiate ``head(x, n, f)``, build, and compare x's adjoint with central differences
    for each input case (Fortran statements setting x, given k = 1, 2, ...). Returns the max
    relative error (normalised by max(|g|, 1e-2)); NaN or Inf if the gradient holds one.
    ``edit(outdir)``, if given, runs between generation and build (tests that corrupt code)."""
    from fadj.api import differentiate
    from fadj.backend.build import run_make
    from fadj.ad.plan import CheckpointOptions
    tmp_path.mkdir(parents=True, exist_ok=True)
    src = tmp_path / f"src{suffix}"
    src.write_text(source)
    srcs = [str(src)]
    for name, text in (extra_sources or {}).items():
        (tmp_path / name).write_text(text)
        if Path(name).suffix.lower() in (".f", ".f90", ".for", ".f77"):
            srcs.insert(0, str(tmp_path / name))
    out = tmp_path / "out"
    opts = CheckpointOptions(nocheckpoint="--nocheckpoint" in args, externals=set(externals))
    from fadj.frontend.options import SourceOptions
    differentiate(srcs, head, "x", "f", outdir=out, opts=opts, source=SourceOptions.make(fflags=fflags))
    if edit is not None:
        edit(out)
    run_make(out)
    init = init or ["    do i = 1, n\n      x(i) = 0.2d0 + 0.1d0*i\n    end do"]
    body = "\n".join(f"    if (k == {k}) then\n{text}\n    end if" for k, text in enumerate(init, start=1))
    uses = f"  use {module}\n  use {module}_diff\n" if module else ""
    step = f"{hrel:.3e}".replace("e", "d")
    text = compile_and_run(out, FD_DRIVER.format(n=n, ncases=len(init), head=head, init=body, uses=uses, hrel=step),
                           flags=tuple(f for f in fflags.split() if f == "-fopenmp"))
    import re

    from fadj.tools.fortran_numbers import fortran_float
    return fortran_float(re.search(r"maxerr\s+(\S+)", text).group(1))

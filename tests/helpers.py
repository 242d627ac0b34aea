"""Helpers for tests that build and run generated code."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, cwd: str | Path | None = None) -> subprocess.CompletedProcess:
    """Run ``fadj`` as a user would (a separate process)."""
    return subprocess.run([sys.executable, "-m", "fadj", *args], capture_output=True, text=True, cwd=cwd)


def compile_and_run(outdir: Path, driver_text: str, name: str = "drv", env: dict | None = None) -> str:
    """Compile a Fortran driver against OUTDIR/libadjoint.a, run it, return stdout."""
    drv = outdir / f"{name}.f90"
    drv.write_text(driver_text)
    exe = outdir / f"{name}.exe"
    subprocess.run(["gfortran", "-O1", "-I", str(outdir), str(drv), "-L", str(outdir), "-ladjoint", "-o", str(exe)],
                   check=True, capture_output=True, text=True)
    import os
    e = dict(os.environ, **(env or {}))
    p = subprocess.run([str(exe)], capture_output=True, text=True, check=True, cwd=outdir, env=e)
    return p.stdout

"""Running a bundled example end to end: differentiate, build, compile its driver, run.

An example is a folder with a ``fadj.toml`` (sources, head, vars, outvars,
driver) and a driver written against DESIGN.md's conventions, which prints
``fadj-driver: max_rel_err=<e> PASS|FAIL`` as its last line.  Tests, ``make
demo`` and the benchmarks all go through here.
"""
from __future__ import annotations

import os
import re
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from fadj.ad.plan import CheckpointOptions
from fadj.api import differentiate
from fadj.backend.build import run_make
from fadj.tools.fortran_numbers import fortran_float
from fadj.frontend.options import SourceOptions

_RESULT = re.compile(r"fadj-driver:\s*max_rel_err=\s*(\S+)\s+(PASS|FAIL)")


@dataclass
class Example:
    path: Path
    sources: list[str]
    head: str
    vars: list[str]
    outvars: list[str]
    driver: str | None
    description: str = ""
    check: dict = field(default_factory=dict)   # the [check] table: sizes, ranges, init, sources
    source: SourceOptions = field(default_factory=SourceOptions)   # defines, include_dirs, cpp, fflags

    def check_args(self) -> list[str]:
        """``fadj check`` arguments for this example (sources, head, vars, and its [check] table).

        [check] keys: ``sizes = {n = 40}`` (--size), ``ranges = {kap = [6e-4, 1.4e-3]}``
        (--range), ``init = "name"`` (--init), ``sources = ["init.f90"]`` (extra sources
        that only the check needs, e.g. the --init routine).
        """
        c = self.check
        args = [str(self.path / s) for s in self.sources + list(c.get("sources", []))]
        args += ["--head", self.head]
        for d in self.source.defines:
            args += ["-D", d]
        for d in self.source.include_dirs:
            args += ["-I", d]
        if self.source.cpp:
            args.append("--cpp")
        if self.source.fflags:
            args.append("--fflags=" + " ".join(self.source.fflags))
        if self.vars:
            args += ["--vars", " ".join(self.vars)]
        if self.outvars:
            args += ["--outvars", " ".join(self.outvars)]
        for k, v in c.get("sizes", {}).items():
            args += ["--size", f"{k}={v}"]
        for k, (lo, hi) in c.get("ranges", {}).items():
            args += ["--range", f"{k}={lo!r}:{hi!r}"]
        if c.get("init"):
            args += ["--init", c["init"]]
        return args

    @property
    def name(self) -> str:
        return self.path.name


def load_example(path: str | Path) -> Example:
    path = Path(path)
    with open(path / "fadj.toml", "rb") as f:
        c = tomllib.load(f)
    from fadj.project import read_project
    cfg = read_project(path / "fadj.toml")     # validated: defines, include_dirs, cpp, fflags
    source = SourceOptions.make(cfg.defines, [str(Path(d).resolve()) for d in cfg.include_dirs], cfg.cpp,
                                cfg.fflags)
    return Example(path, list(c["sources"]), c["head"], list(c.get("vars", [])), list(c.get("outvars", [])),
                   c.get("driver"), c.get("description", ""), dict(c.get("check", {})), source)


def all_examples(root: str | Path) -> list[Example]:
    root = Path(root)
    return [load_example(p.parent) for p in sorted(root.glob("*/fadj.toml"))]


@dataclass
class RunResult:
    output: str
    max_rel_err: float
    passed: bool
    returncode: int


def build_example(ex: Example, outdir: Path, opts: CheckpointOptions | None = None, mode: str = "reverse",
                  sources: list[str] | None = None, fflags: str | None = None):
    srcs = [str(ex.path / s) for s in (sources or ex.sources)]
    res = differentiate(srcs, ex.head, " ".join(ex.vars), " ".join(ex.outvars), mode, outdir, opts,
                        source=ex.source)
    run_make(outdir, fflags)
    return res


def compile_driver(ex: Example, outdir: Path, driver: str | None = None, fflags: str = "-O2") -> Path:
    drv = ex.path / (driver or ex.driver)
    exe = outdir / "driver.exe"
    cmd = ["gfortran", *fflags.split(), "-I", str(outdir), str(drv), "-L", str(outdir), "-ladjoint", "-o", str(exe)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"driver compilation failed:\n{p.stdout}{p.stderr}")
    return exe


def run_driver(exe: Path, env: dict | None = None, timeout: float = 600) -> RunResult:
    e = dict(os.environ)
    if env:
        e.update(env)
    exe = Path(exe).resolve()      # it runs in its own folder (spill files of the stack land there)
    p = subprocess.run([str(exe)], capture_output=True, text=True, env=e, timeout=timeout, cwd=exe.parent)
    out = p.stdout + p.stderr
    m = None
    for m in _RESULT.finditer(out):
        pass
    if m is None:
        return RunResult(out, float("inf"), False, p.returncode)
    return RunResult(out, fortran_float(m.group(1)), m.group(2) == "PASS" and p.returncode == 0, p.returncode)


def run_example(ex: Example, outdir: Path, opts: CheckpointOptions | None = None, env: dict | None = None,
                sources: list[str] | None = None, driver: str | None = None) -> RunResult:
    build_example(ex, outdir, opts, sources=sources)
    exe = compile_driver(ex, outdir, driver)
    return run_driver(exe, env)

"""``make bench``, the tool's own speed: differentiate time against fparser's parse time on
one long file, and the re-run after a directive edit in a ten-file project (the cache of
``fadj.cache``).

The sources are generated (``synthetic_module``): stencil loops with nonlinear
intrinsics, an IF per cell and a chain of calls, so that every stage of the pipeline
(parse, lowering, analyses, reverse mode, emission) has real work.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


def synthetic_module(m: int, routines: int = 8, blocks: int = 6) -> str:
    """Module ``m<m>``: ``routines`` subroutines of ``blocks`` stencil blocks each, every one
    calling the one before it (the first calls the last of module ``m-1``)."""
    out = [f"module m{m}"] + ([f"  use m{m - 1}"] if m else []) + ["  implicit none", "contains"]
    for k in range(routines):
        out += [f"  subroutine r{m}_{k}(u, v, n)", "    integer, intent(in) :: n",
                "    real(8), intent(inout) :: u(n), v(n)", "    real(8) :: a, b, c, w(n)", "    integer :: i"]
        for j in range(blocks):
            out += ["    do i = 2, n - 1",
                    f"      a = u(i - 1)*{0.3 + 0.01 * j:.2f}d0 + u(i + 1)*{0.2 + 0.01 * k:.2f}d0",
                    f"      b = sin(v(i))*a + exp(-u(i)**2)*{0.1 + 0.01 * m:.2f}d0",
                    "      c = sqrt(a*a + b*b + 1.0d0)",
                    "      if (a > b) then", "        w(i) = a*c - b", "      else", "        w(i) = b*c - a*a",
                    "      end if", "    end do",
                    "    do i = 2, n - 1", "      u(i) = u(i) + 0.01d0*w(i)",
                    "      v(i) = v(i) - 0.01d0*tanh(w(i))*u(i)", "    end do"]
        if k > 0:
            out.append(f"    call r{m}_{k - 1}(u, v, n)")
        elif m > 0:
            out.append(f"    call r{m - 1}_{routines - 1}(u, v, n)")
        out.append(f"  end subroutine r{m}_{k}")
    out.append(f"end module m{m}")
    return "\n".join(out) + "\n"


def synthetic_same_names(modules: int = 40, blocks: int = 4) -> str:
    """``modules`` modules that each define ``rhs`` and ``step`` (the names every module of a model
    reuses); each ``step`` calls its own ``rhs`` and the previous module's ``step``, renamed."""
    out = []
    for m in range(modules):
        out += [f"module s{m}"] + ([f"  use s{m - 1}, only: prev_step => step"] if m else []) + \
            ["  implicit none", "contains", "  subroutine rhs(u, w, n)", "    integer, intent(in) :: n",
             "    real(8), intent(in) :: u(n)", "    real(8), intent(out) :: w(n)", "    integer :: i", "    w = 0"]
        for j in range(blocks):
            out += ["    do i = 2, n - 1",
                    f"      w(i) = w(i) + sin(u(i - 1))*{0.1 + 0.01 * j:.2f}d0 + u(i + 1)*u(i)*{0.01 * m:.2f}d0",
                    "    end do"]
        out += ["  end subroutine rhs", "  subroutine step(u, n)", "    integer, intent(in) :: n",
                "    real(8), intent(inout) :: u(n)", "    real(8) :: w(n)"]
        if m:
            out.append("    call prev_step(u, n)")
        out += ["    call rhs(u, w, n)", "    u = u + 0.01d0*w", "  end subroutine step", f"end module s{m}"]
    return "\n".join(out) + "\n"


def synthetic_head(last: str) -> str:
    return f"""subroutine head(u, v, n, f)
  use {last.split('_')[0].replace('r', 'm', 1)}
  implicit none
  integer, intent(in) :: n
  real(8), intent(inout) :: u(n), v(n)
  real(8), intent(out) :: f
  integer :: t
  do t = 1, 3
    call {last}(u, v, n)
  end do
  f = sum(u*u) + sum(v)
end subroutine head
"""


@dataclass
class ToolSpeed:
    lines: int
    parse_s: float
    differentiate_s: float
    files: int
    project_lines: int
    first_s: float
    edit_s: float
    inplace_s: float
    same_modules: int = 0
    same_lines: int = 0
    same_parse_s: float = 0.0
    same_differentiate_s: float = 0.0

    @property
    def ratio(self) -> float:
        return self.differentiate_s / self.parse_s


def _cli(args: list[str], cwd: Path) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "fadj", *args], cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - t


def measure(work: Path) -> ToolSpeed:
    from fadj.api import differentiate
    from fadj.frontend.options import DEFAULT
    from fadj.frontend.parse import parse_source
    from fadj.frontend.source import load_source
    if work.exists():
        shutil.rmtree(work)
    # one long file: parse alone, then the whole differentiation (no cache)
    one = work / "one"
    one.mkdir(parents=True)
    f = one / "long.f90"
    f.write_text(synthetic_module(0, routines=15, blocks=14))
    (one / "head.f90").write_text(synthetic_head("r0_14"))
    lines = len(f.read_text().splitlines())
    t = time.perf_counter()
    parse_source(load_source(str(f), DEFAULT))
    parse_s = time.perf_counter() - t
    t = time.perf_counter()
    differentiate([str(f), str(one / "head.f90")], "head", "u v", "f", outdir=one / "out", cache=False)
    diff_s = time.perf_counter() - t
    # a ten-file project through the command line: first run, a directive inserted, one changed
    proj = work / "project"
    proj.mkdir()
    names = []
    for m in range(9):
        (proj / f"m{m}.f90").write_text(synthetic_module(m))
        names.append(f"m{m}.f90")
    (proj / "head.f90").write_text(synthetic_head("r8_7"))
    names.append("head.f90")
    plines = sum(len((proj / n).read_text().splitlines()) for n in names)
    args = ["differentiate", *names, "--head", "head", "--vars", "u v", "--outvars", "f", "-o", "out"]
    first = _cli(args, proj)
    m4 = proj / "m4.f90"
    m4.write_text(m4.read_text().replace("    call r4_2(u, v, n)\n", "    !$AD NOCHECKPOINT\n    call r4_2(u, v, n)\n"))
    edit = _cli(args, proj)
    m4.write_text(m4.read_text().replace("!$AD NOCHECKPOINT", "!$AD CHECKPOINT"))
    inplace = _cli(args, proj)
    # forty modules defining procedures of the same names
    same = work / "same"
    same.mkdir()
    s = same / "models.f90"
    nmod = 40
    s.write_text(synthetic_same_names(nmod))
    (same / "head.f90").write_text(f"subroutine head(u, n, f)\n  use s{nmod - 1}\n  implicit none\n  integer, intent(in) :: n\n"
                                   "  real(8), intent(inout) :: u(n)\n  real(8), intent(out) :: f\n  call step(u, n)\n"
                                   "  f = sum(u*u)\nend subroutine head\n")
    t = time.perf_counter()
    parse_source(load_source(str(s), DEFAULT))
    same_parse = time.perf_counter() - t
    t = time.perf_counter()
    differentiate([str(s), str(same / "head.f90")], "head", "u", "f", outdir=same / "out", cache=False)
    same_diff = time.perf_counter() - t
    return ToolSpeed(lines, parse_s, diff_s, len(names), plines, first, edit, inplace,
                     nmod, len(s.read_text().splitlines()), same_parse, same_diff)


def section(t: ToolSpeed) -> list[str]:
    return ["## Tool speed", "",
            f"One generated file of {t.lines} lines (plus a 12-line head): fparser parses it in "
            f"{t.parse_s:.2f} s; `differentiate` (parse, lowering, analyses, reverse mode, emission; no cache) "
            f"takes {t.differentiate_s:.2f} s, {t.ratio:.2f} times the parse alone, "
            f"{t.differentiate_s / t.lines * 1000:.2f} s per 1,000 lines.", "",
            f"A generated project of {t.files} files ({t.project_lines} lines), through the command line "
            f"(Python start-up included):", "",
            "| run | time (s) | of the first |", "|---|---|---|",
            f"| first (`OUTDIR/.fadj-cache` filled) | {t.first_s:.2f} | 1.00 |",
            f"| after inserting one `$AD NOCHECKPOINT` line | {t.edit_s:.2f} | {t.edit_s / t.first_s:.2f} |",
            f"| after changing it to `$AD CHECKPOINT` in place | {t.inplace_s:.2f} | {t.inplace_s / t.first_s:.2f} |",
            ""] + ([f"One generated file of {t.same_modules} modules ({t.same_lines} lines) that all define `rhs` and "
                    f"`step`: parsed in {t.same_parse_s:.2f} s, differentiated in {t.same_differentiate_s:.2f} s, "
                    f"{t.same_differentiate_s / t.same_parse_s:.2f} times the parse.", ""] if t.same_modules else [])


if __name__ == "__main__":
    res = measure(Path(sys.argv[1] if len(sys.argv) > 1 else "bench_out/tool"))
    print("\n".join(section(res)))

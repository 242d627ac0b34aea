"""Re-differentiation cache (fadj/cache.py): a re-run reparses only the files whose code changed
(a directive edit, of any kind, parses nothing) and regenerates only the routines whose inputs
changed, and its output is exactly what a run
without the cache writes -- after directive edits in callers and in split callees, a code
edit, and a damaged cache."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import fadj.frontend.load as load
from fadj.api import differentiate

KERN = """module kern
  implicit none
contains
  subroutine helper(a, b)
    real(8), intent(in) :: a
    real(8), intent(inout) :: b
    b = b + sin(a)*a
  end subroutine helper
  subroutine flux(u, f, n)
    integer, intent(in) :: n
    real(8), intent(in) :: u(n)
    real(8), intent(out) :: f(n)
    integer :: i
    do i = 1, n
      f(i) = u(i)*u(i)
      call helper(u(i), f(i))
    end do
  end subroutine flux
end module kern
"""

PHYS = """module phys
  use kern
  implicit none
contains
  subroutine step(u, n)
    integer, intent(in) :: n
    real(8), intent(inout) :: u(n)
    real(8) :: f(n)
    integer :: i
    call flux(u, f, n)
    do i = 2, n
      u(i) = u(i) - 0.1d0*(f(i) - f(i - 1))
    end do
  end subroutine step
end module phys
"""

HEAD = """subroutine run(u, n, cost)
  use phys
  implicit none
  integer, intent(in) :: n
  real(8), intent(inout) :: u(n)
  real(8), intent(out) :: cost
  integer :: t
  do t = 1, 4
    call step(u, n)
  end do
  cost = sum(u**2)
end subroutine run
"""


@pytest.fixture
def project(tmp_path):
    for name, text in (("kern.f90", KERN), ("phys.f90", PHYS), ("run.f90", HEAD)):
        (tmp_path / name).write_text(text)
    return tmp_path


@pytest.fixture
def parses(monkeypatch):
    """Names of the files fparser parses."""
    seen: list[str] = []
    real = load.parse_source

    def counting(src):
        seen.append(Path(src.path).name)
        return real(src)
    monkeypatch.setattr(load, "parse_source", counting)
    return seen


def run(project: Path, out: str, cache: bool = True):
    srcs = [str(project / n) for n in ("kern.f90", "phys.f90", "run.f90")]
    return differentiate(srcs, "run", "u", "cost", outdir=project / out, cache=cache).files


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_unchanged_sources_are_not_parsed_again(project, parses):
    first = run(project, "out")
    assert sorted(parses) == ["kern.f90", "phys.f90", "run.f90"]
    parses.clear()
    again = run(project, "out")
    assert parses == [] and again == first
    assert (project / "out" / ".fadj-cache" / "parse").is_dir()


def test_directive_edits_parse_nothing_and_match_an_uncached_run(project, parses):
    run(project, "out")
    # a caller's directive: flux becomes split (flux_fwd / flux_bwd appear)
    edit(project / "phys.f90", "    call flux(u, f, n)\n", "    !$AD NOCHECKPOINT\n    call flux(u, f, n)\n")
    parses.clear()
    got = run(project, "out")
    assert parses == []
    assert got == run(project, "fresh", cache=False)
    assert "subroutine flux_fwd" in got["kern_b.f90"]
    # a directive inside the split callee: what flux_bwd restores changes, and so may step_b
    edit(project / "kern.f90", "      call helper(u(i), f(i))\n", "      !$AD NOCHECKPOINT\n      call helper(u(i), f(i))\n")
    parses.clear()
    got = run(project, "out")
    assert parses == []
    assert got == run(project, "fresh2", cache=False)
    assert "subroutine helper_fwd" in got["kern_b.f90"]
    # a directive changed in place: no file is parsed again
    edit(project / "phys.f90", "!$AD NOCHECKPOINT", "!$AD CHECKPOINT")
    parses.clear()
    got = run(project, "out")
    assert parses == []
    assert got == run(project, "fresh3", cache=False)
    assert "subroutine flux_fwd" not in got["kern_b.f90"]
    edit(project / "phys.f90", "!$AD CHECKPOINT", "!$AD NOCHECKPOINT")
    # and back: the cache gives the first run's text again
    edit(project / "kern.f90", "      !$AD NOCHECKPOINT\n", "")
    edit(project / "phys.f90", "    !$AD NOCHECKPOINT\n", "")
    assert run(project, "out") == run(project, "fresh4", cache=False)


def test_code_edits_are_seen(project, parses):
    run(project, "out")
    edit(project / "kern.f90", "b = b + sin(a)*a", "b = b + cos(a)*a")
    parses.clear()
    got = run(project, "out")
    assert parses == ["kern.f90"]
    assert re.search(r"sin\(a\)", got["kern_b.f90"])       # d/da cos(a)*a = -sin(a)*a + cos(a)
    assert got == run(project, "fresh", cache=False)


def test_a_damaged_cache_is_ignored(project):
    first = run(project, "out")
    for p in (project / "out" / ".fadj-cache").rglob("*.pickle"):
        p.write_bytes(b"not a pickle")
    assert run(project, "out") == first
    # entries of sources no longer given are removed at the end of a run
    n = len(list((project / "out" / ".fadj-cache").rglob("*.pickle")))
    edit(project / "run.f90", "do t = 1, 4", "do t = 1, 5")
    run(project, "out")
    assert len(list((project / "out" / ".fadj-cache").rglob("*.pickle"))) == n


def test_no_cache_flag_writes_no_cache(project, tmp_path):
    from tests.helpers import run_cli
    r = run_cli("differentiate", "--head", "run", "--vars", "u", "--outvars", "cost", "--no-cache",
                "-o", str(project / "nc"), *[str(project / n) for n in ("kern.f90", "phys.f90", "run.f90")])
    assert r.returncode == 0, r.stderr
    assert not (project / "nc" / ".fadj-cache").exists()

"""Bad inputs and odd environments: every command path answers in one line, exit 2, no
traceback, and nothing of the user's is changed (issue 15's table, one test per row)."""
from __future__ import annotations

import os
import subprocess

import pytest

from tests.helpers import run_cli

GOOD = """\
subroutine cost(x, n, f)
  integer n
  real(8) x(n), f
  f = sum(x**2)
end subroutine
"""
HEAD = ["--head", "cost", "--vars", "x", "--outvars", "f"]


def _one_line(p: subprocess.CompletedProcess) -> str:
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    assert "Traceback" not in p.stderr, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    return lines[0]


def _differentiate(tmp_path, name: str, text: str | bytes, *extra: str) -> str:
    src = tmp_path / name
    if isinstance(text, bytes):
        src.write_bytes(text)
    else:
        src.write_text(text)
    before = src.read_bytes()
    line = _one_line(run_cli("differentiate", name, *HEAD, "-o", "out", *extra, cwd=tmp_path))
    assert src.read_bytes() == before
    return line


def test_end_statement_naming_another_unit(tmp_path):
    """fparser's reader calls sys.exit(1) there: exit 1, nothing printed, before."""
    line = _differentiate(tmp_path, "c.f90", GOOD.replace("end subroutine", "end subroutine costt"))
    assert line.startswith("c.f90:5: error: "), line


def test_output_folder_that_is_a_file(tmp_path):
    (tmp_path / "c.f90").write_text(GOOD)
    (tmp_path / "afile").write_text("x")
    for out in ("afile", "afile/sub"):
        for cmd, extra in ((["differentiate"], []), (["check"], ["--size", "n=3"])):
            line = _one_line(run_cli(*cmd, "c.f90", *HEAD, "-o", out, *extra, cwd=tmp_path))
            assert line.startswith(f"fadj: error: output folder '{out}'") and "is a file" in line, line
    assert (tmp_path / "afile").read_text() == "x"


def test_read_only_output_folder(tmp_path, monkeypatch):
    """As root every folder is writable: the check itself is exercised with os.access refusing."""
    from fadj.api import usable_output_folder
    from fadj.errors import FadjError
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(FadjError) as e:
        usable_output_folder(tmp_path / "out")
    assert "cannot be written" in e.value.format() and "read-only" in e.value.format()


@pytest.mark.parametrize("budget,msg", [("lots", "not a size"), ("-5M", "not a size"), ("0", "more than 0 bytes")])
def test_memory_budget_that_is_not_a_size(tmp_path, budget, msg):
    (tmp_path / "c.f90").write_text(GOOD)
    line = _one_line(run_cli("plan", "c.f90", *HEAD, f"--memory-budget={budget}", cwd=tmp_path))
    assert line.startswith("fadj: error: --memory-budget") and msg in line, line


def test_memory_budget_sizes():
    from fadj.tools.plan import parse_size
    assert parse_size("512M") == 512 * 2 ** 20
    assert parse_size("1.5G") == 1.5 * 2 ** 30
    assert parse_size("60MB") == parse_size("60MiB") == 60 * 2 ** 20
    assert parse_size("1000000") == 1e6


@pytest.mark.parametrize("text,msg", [
    ("nonsense {", "prof/profile.json:1: error: not a profile written by fadj profile"),
    ('{"a": 1}', "prof/profile.json: error: not a profile written by fadj profile (no 'sites')"),
    ("[1]", "prof/profile.json: error: not a profile written by fadj profile"),
])
def test_damaged_profile(tmp_path, text, msg):
    (tmp_path / "c.f90").write_text(GOOD)
    (tmp_path / "prof").mkdir()
    (tmp_path / "prof" / "profile.json").write_text(text)
    line = _one_line(run_cli("plan", "c.f90", *HEAD, "--memory-budget", "1M", "--profile", "prof", cwd=tmp_path))
    assert line.startswith(msg), line


@pytest.mark.parametrize("entry,msg", [
    ("sizes = 5", "[check] 'sizes' must be a table"),
    ('sizes = {n = "abc"}', "[check] 'sizes' value of 'n' must be an integer"),
    ("ranges = {x = [2, 1]}", "[check] 'ranges' value of 'x' must be [lo, hi]"),
    ("init = 3", "[check] 'init' must be a string"),
])
def test_check_table_of_the_wrong_type(tmp_path, entry, msg):
    (tmp_path / "c.f90").write_text(GOOD)
    (tmp_path / "fadj.toml").write_text('sources = ["c.f90"]\nhead = "cost"\nvars = ["x"]\noutvars = ["f"]\n\n'
                                        f'[check]\n{entry}\n')
    line = _one_line(run_cli("check", cwd=tmp_path))
    assert line.startswith(f"fadj.toml:7: error: {msg}"), line


def test_fixed_form_syntax_error_at_gfortrans_line(tmp_path, gfortran):
    src = ("      SUBROUTINE COST(X, N, F)\n      INTEGER N\n      DOUBLE PRECISION X(N), F, H\nC     a comment\n"
           "C     another comment\n      H  = -/DBLE(N+1)\n      F = H*SUM(X**2)\n      END\n")
    line = _differentiate(tmp_path, "fx.f", src)
    assert line == "fx.f:6: error: syntax error in expression (gfortran -fsyntax-only)", line


def test_truncated_fixed_form_file(tmp_path, gfortran):
    src = ("      SUBROUTINE COST(X, N, F)\n      INTEGER N\n      DOUBLE PRECISION X(N), F\nC     a comment\n"
           "C     another comment\n")
    line = _differentiate(tmp_path, "tr.f", src)
    assert line == ("tr.f:5: error: syntax error: unexpected end of file: a unit or construct is not closed "
                    "(gfortran -fsyntax-only)"), line


@pytest.mark.parametrize("mutant,where,msg", [
    (GOOD.replace("  real(8) x(n), f\n", "  real(8) x(n), f\n  real(8) f\n"), "m.f90:4", "already has basic type"),
    (GOOD.replace("  f = sum(x**2)\n", "  integer i\n  f = 0\n  do i = 1, n\n    i = i + 1\n    f = f + x(i)\n"
                                       "  end do\n"), "m.f90:7", "cannot be redefined inside loop beginning at line 6"),
])
def test_code_gfortran_rejects_is_rejected(tmp_path, gfortran, mutant, where, msg):
    """fadj's front end accepted these mutants; the compiler's own reading now stops them."""
    line = _differentiate(tmp_path, "m.f90", mutant)
    assert line.startswith(f"{where}: error: ") and msg in line and "(gfortran -fsyntax-only)" in line, line


def test_bytes_that_are_not_utf8_are_kept(tmp_path, gfortran):
    src = GOOD.encode().replace(b"  f = sum", b"  ! caf\xe9 na\xefve\n  if (n < 0) print *, 'r\xe9sum\xe9'\n  f = sum")
    (tmp_path / "l.f90").write_bytes(src)
    p = run_cli("differentiate", "l.f90", *HEAD, "-o", "out", "--build", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "out" / "l.f90").read_bytes() == src           # the primal copy: the user's bytes
    assert b"'r\xe9sum\xe9'" in (tmp_path / "out" / "l_b.f90").read_bytes()


def test_empty_source_file_is_named(tmp_path):
    line = _differentiate(tmp_path, "e.f90", "")
    assert line == "fadj: error: unknown head routine 'cost' (routines in the sources: none; e.f90 holds no program unit)"


def test_directives_set_on_the_directive_line_itself(tmp_path):
    src = """\
subroutine step(x, n)
  integer n
  real(8) x(n)
  x = sin(x)
end subroutine
subroutine cost(x, n, f)
  integer n
  real(8) x(n), f
  !$AD NOCHECKPOINT
  call step(x, n)
  f = sum(x**2)
end subroutine
"""
    (tmp_path / "d.f90").write_text(src)
    p = run_cli("directives", "set", "d.f90:9", "none", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "d.f90:10: none (was: nocheckpoint)" in p.stdout
    assert (tmp_path / "d.f90").read_text() == src.replace("  !$AD NOCHECKPOINT\n", "")


def test_unusable_stack_dir_is_one_line_before_the_sweep(tmp_path, gfortran):
    (tmp_path / "c.f90").write_text(GOOD)
    p = run_cli("check", "c.f90", *HEAD, "--size", "n=3", "-o", "chk", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    env = dict(os.environ, FADJ_STACK_DIR=str(tmp_path / "nowhere"))
    r = subprocess.run(["./check_driver.exe"], cwd=tmp_path / "chk", capture_output=True, text=True, env=env)
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"fadj_stack: FADJ_STACK_DIR={tmp_path / 'nowhere'} cannot hold "
                                                   f"spill files"), r.stderr


def test_message_quoting_bytes_that_are_not_utf8(tmp_path):
    """fadj's own syntax error (no gfortran on the PATH) quotes the line: its Latin-1 byte is
    shown as U+FFFD, and the line prints (it was a UnicodeEncodeError traceback)."""
    import sys
    (tmp_path / "s.f90").write_bytes(GOOD.encode().replace(b"sum(x**2)", b"sum(x**2) +* 'caf\xe9'"))
    env = dict(os.environ, PATH=str(tmp_path / "nothing-here"))
    p = subprocess.run([sys.executable, "-m", "fadj", "differentiate", "s.f90", *HEAD, "-o", "out"], cwd=tmp_path,
                       capture_output=True, text=True, env=env)
    line = _one_line(p)
    assert line.startswith("s.f90:4: error: syntax error") and "caf\ufffd" in line, line

"""``fadj directives set`` / ``clear``: byte-exact edits that land on the intended statement.

Round trips (set, then set ... none) must give the file back byte for byte, in
fixed and free form, with CRLF endings, tabs, trailing blanks, labels,
continuation lines and no final newline; the edited file must still parse, with
the directive on the statement the user named (checked in the IR).
"""
from __future__ import annotations

import os
import re

import pytest

from fadj.frontend.load import load_program
from fadj.ir import stmt as S
from fadj.tools.directive_edit import apply, plan_clear, plan_set
from tests.helpers import run_cli

FREE = """module m
  implicit none
contains
  subroutine top(x, n, nsteps, f)
    integer, intent(in) :: n, nsteps
    real(8), intent(inout) :: x(n)
    real(8), intent(out) :: f
    integer :: it, i
    ! a comment before the loop   
    do it = 1, nsteps
\t    call work(x, &
         n)   ! trailing comment
    end do
    do i = 2, 11, 3
      ! note
      !$AD NOCHECKPOINT
      ! another
10    call work(x, n)
    end do
    if (n > 0) call work(x, n)
    f = x(1)
  end subroutine
  subroutine work(x, n)
    integer, intent(in) :: n
    real(8), intent(inout) :: x(n)
    x = x*x
  end subroutine
end module
"""

FIXED = """      SUBROUTINE TOP(X, N, NSTEP, F)
      DIMENSION X(N)
      DO 20 IT = 1, NSTEP
         CALL WORK(X,
C        a comment inside the statement
     &             N)
   20 CONTINUE
C     comment
   30 CALL WORK(X, N)
      DO 40 I = 1, N  
      IF (I .GT. 1) CALL WORK(X, N)
   40 CONTINUE
      F = X(1)
      END
      SUBROUTINE WORK(X, N)
      DIMENSION X(N)
      DO 10 I = 1, N
         X(I) = X(I)*X(I)
   10 CONTINUE
      END
"""


def _line(text: str, pattern: str, nth: int = 0) -> int:
    """1-based number of the nth line matching ``pattern`` (so tests do not hard-code numbers)."""
    hits = [i for i, ln in enumerate(re.split(r"\r\n|\n", text), start=1) if re.search(pattern, ln)]
    return hits[nth]


def _variants(text: str) -> dict[str, bytes]:
    return {
        "lf": text.encode(),
        "crlf": text.replace("\n", "\r\n").encode(),
        "no-final-newline": text.rstrip("\n").encode(),
        "mixed": (text.replace("\n", "\r\n", 3)).encode(),
    }


def _stmt_at(path: str, line: int) -> S.Stmt:
    """The statement the IR has at ``line`` (the CALL inside a logical IF when there is one)."""
    prog = load_program([path])
    for r in prog.order:
        for st in S.walk_stmts(r.body):
            if st.loc.line == line and not isinstance(st, (S.If, S.Region)):
                return st
    raise AssertionError(f"no statement at line {line}")


def _set(spec: str, action: str, dry_run: bool = False) -> list[str]:
    out: list[str] = []
    apply([plan_set(spec, action)], dry_run, echo=lambda s, end="\n": out.append(s))
    return out


CASES = [
    # (source, file name, pattern of the line given, pattern of the statement's first line, action, keyword)
    (FREE, "m.f90", r"call work\(x, &", r"call work\(x, &", "nocheckpoint", "NOCHECKPOINT"),
    (FREE, "m.f90", r"^\s+n\)", r"call work\(x, &", "checkpoint", "CHECKPOINT"),        # continuation line
    (FREE, "m.f90", r"do it = ", r"do it = ", "binomial:4", "BINOMIAL-CKP"),
    (FREE, "m.f90", r"if \(n > 0\) call", r"if \(n > 0\) call", "nocheckpoint", "NOCHECKPOINT"),
    (FIXED, "t.f", r"CALL WORK\(X,$", r"CALL WORK\(X,$", "nocheckpoint", "NOCHECKPOINT"),
    (FIXED, "t.f", r"&\s+N\)", r"CALL WORK\(X,$", "checkpoint", "CHECKPOINT"),      # after a comment line
    (FIXED, "t.f", r"^   30 CALL", r"^   30 CALL", "nocheckpoint", "NOCHECKPOINT"),  # labelled
    (FIXED, "t.f", r"DO 20 IT", r"DO 20 IT", "binomial:2", "BINOMIAL-CKP"),
    (FIXED, "t.f", r"DO 40 I", r"DO 40 I", "binomial:7", "BINOMIAL-CKP"),            # trailing blanks
    (FIXED, "t.f", r"IF \(I .GT. 1\) CALL", r"IF \(I .GT. 1\) CALL", "checkpoint", "CHECKPOINT"),
]


@pytest.mark.parametrize("variant", ["lf", "crlf", "no-final-newline", "mixed"])
@pytest.mark.parametrize("src,name,pattern,first_pattern,action,keyword", CASES,
                         ids=[f"{c[1]}:{c[2]}:{c[4]}" for c in CASES])
def test_set_then_none_is_byte_identical(tmp_path, variant, src, name, pattern, first_pattern, action, keyword):
    original = _variants(src)[variant]
    f = tmp_path / name
    f.write_bytes(original)
    line, first = _line(src, pattern), _line(src, first_pattern)
    _set(f"{f}:{line}", action)
    edited = f.read_bytes()
    assert edited != original
    # exactly one line was inserted, right above the statement's first line
    old_lines, new_lines = original.splitlines(keepends=True), edited.splitlines(keepends=True)
    assert len(new_lines) == len(old_lines) + 1
    assert new_lines[:first - 1] == old_lines[:first - 1] and new_lines[first:] == old_lines[first - 1:]
    inserted = new_lines[first - 1].decode()
    eol = "\r\n" if old_lines[first - 1].endswith(b"\r\n") else "\n"
    assert inserted.endswith(eol) and not inserted.endswith("\r\r\n")
    if name.endswith(".f"):
        assert inserted.startswith("C$AD " + keyword)
    else:
        stmt_text = old_lines[first - 1].decode()
        indent = re.match(r"[ \t]*(\d+[ \t]+)?", stmt_text).group(0)
        assert inserted.startswith(re.sub(r"\d", " ", indent) + "!$AD " + keyword)
    # the IR puts the directive on the statement named, now one line lower
    st = _stmt_at(str(f), first + 1)
    assert isinstance(st, S.Do if keyword == "BINOMIAL-CKP" else S.CallStmt)
    assert [d.keyword for d in st.directives] == [keyword]
    if keyword == "BINOMIAL-CKP":
        assert st.directives[0].args[1] == int(action.split(":")[1])
    # and 'none' (naming the statement by its new line) gives the original bytes back
    _set(f"{f}:{first + 1}", "none")
    assert f.read_bytes() == original


def test_replace_keeps_position_ending_and_comments(tmp_path):
    original = FREE.replace("\n", "\r\n").encode()
    f = tmp_path / "m.f90"
    f.write_bytes(original)
    call = _line(FREE, r"^10    call work")
    directive = _line(FREE, r"!\$AD NOCHECKPOINT")
    assert _set(f"{f}:{call}", "checkpoint") == [f"{f}:{call}: checkpoint (was: nocheckpoint)"]
    new_lines = f.read_bytes().splitlines(keepends=True)
    old_lines = original.splitlines(keepends=True)
    assert len(new_lines) == len(old_lines)
    changed = [i + 1 for i, (a, b) in enumerate(zip(old_lines, new_lines)) if a != b]
    assert changed == [directive]
    assert new_lines[directive - 1] == b"      !$AD CHECKPOINT\r\n"
    assert [d.keyword for d in _stmt_at(str(f), call).directives] == ["CHECKPOINT"]
    # back to the directive the file had: byte-identical (same indentation as the label-less code)
    assert _set(f"{f}:{call}", "nocheckpoint") == [f"{f}:{call}: nocheckpoint (was: checkpoint)"]
    assert f.read_bytes() == original
    # asking for what is there already changes nothing
    assert _set(f"{f}:{call}", "nocheckpoint") == [f"{f}:{call}: nocheckpoint (unchanged)"]
    assert f.read_bytes() == original


def test_none_removes_an_existing_directive_and_only_it(tmp_path):
    f = tmp_path / "m.f90"
    f.write_text(FREE)
    call = _line(FREE, r"^10    call work")
    _set(f"{f}:{call}", "none")
    assert f.read_text() == FREE.replace("      !$AD NOCHECKPOINT\n", "")
    assert _stmt_at(str(f), call - 1).directives == []


def test_binomial_arguments_from_the_loop(tmp_path):
    f = tmp_path / "m.f90"
    f.write_text(FREE)
    out = _set(f"{f}:{_line(FREE, 'do i = 2, 11, 3')}", "binomial:3")
    assert "!$AD BINOMIAL-CKP 4 3 2" in f.read_text()          # (11 - 2 + 3)/3 = 4 steps from 2
    assert "placeholder" not in out[0]
    f.write_text(FREE)
    _set(f"{f}:{_line(FREE, 'do it = 1, nsteps')}", "binomial:5")
    assert "    !$AD BINOMIAL-CKP nsteps 5 1\n    do it = 1, nsteps\n" in f.read_text()
    g = tmp_path / "t.f"
    g.write_text(FIXED)
    _set(f"{g}:{_line(FIXED, 'DO 20 IT')}", "binomial:2")
    assert "C$AD BINOMIAL-CKP NSTEP 2 1\n      DO 20 IT = 1, NSTEP\n" in g.read_text()


def test_binomial_placeholders_when_bounds_are_expressions(tmp_path):
    text = FREE.replace("do it = 1, nsteps", "do it = n/2, 2*nsteps")
    f = tmp_path / "m.f90"
    f.write_text(text)
    out = _set(f"{f}:{_line(text, 'do it = ')}", "binomial:5")
    assert "!$AD BINOMIAL-CKP 0 5 1" in f.read_text()
    assert "placeholders" in out[0]
    st = _stmt_at(str(f), _line(text, r"do it = ") + 1)
    assert st.directives[0].args == (0, 5, 1)


def test_binomial_with_parameter_bounds(tmp_path):
    text = FREE.replace("integer :: it, i", "integer :: it, i\n    integer, parameter :: nt = 12")
    text = text.replace("do it = 1, nsteps", "do it = 0, nt - 1")
    f = tmp_path / "m.f90"
    f.write_text(text)
    _set(f"{f}:{_line(text, 'do it = ')}", "binomial:3")
    assert "!$AD BINOMIAL-CKP 12 3 0" in f.read_text()


def test_dry_run_prints_a_diff_and_writes_nothing(tmp_path):
    f = tmp_path / "t.f"
    f.write_bytes(FIXED.rstrip("\n").encode())
    before = f.read_bytes()
    line = _line(FIXED, r"^   30 CALL")
    r = run_cli("directives", "set", f"{f}:{line}", "nocheckpoint", "--dry-run")
    assert r.returncode == 0, r.stderr
    assert f.read_bytes() == before
    assert f"--- a/{f}" in r.stdout and f"+++ b/{f}" in r.stdout
    assert "\n+C$AD NOCHECKPOINT\n" in r.stdout
    assert r.stdout.strip().endswith(f"{f}:{line}: nocheckpoint (was: none) [dry run: not written]")
    assert sorted(os.listdir(tmp_path)) == ["t.f"]


def test_write_is_atomic_and_keeps_permissions(tmp_path):
    f = tmp_path / "m.f90"
    f.write_text(FREE)
    os.chmod(f, 0o640)
    line = _line(FREE, r"if \(n > 0\)")
    _set(f"{f}:{line}", "nocheckpoint")
    assert sorted(os.listdir(tmp_path)) == ["m.f90"]          # no temporary file left behind
    assert (f.stat().st_mode & 0o777) == 0o640


def test_bytes_that_are_not_utf8_survive(tmp_path):
    f = tmp_path / "t.f"
    original = FIXED.replace("C     comment", "C     caf\xe9 \t ").encode("latin-1")
    f.write_bytes(original)
    line = _line(FIXED, r"^   30 CALL")
    _set(f"{f}:{line}", "checkpoint")
    assert b"caf\xe9 \t \n" in f.read_bytes()
    _set(f"{f}:{line + 1}", "none")
    assert f.read_bytes() == original


ERRORS = [
    # (source, file name, pattern of the line, action, expected message fragment)
    (FREE, "m.f90", r"f = x\(1\)", "nocheckpoint", "not a CALL or DO statement (it is an assignment)"),
    (FREE, "m.f90", r"end do", "nocheckpoint", "not a CALL or DO statement"),
    (FREE, "m.f90", r"call work\(x, &", "binomial:3", "applies to a counted DO loop, this is a CALL statement"),
    (FREE, "m.f90", r"do it = ", "nocheckpoint", "applies to a CALL statement, this is a DO loop"),
    (FREE, "m.f90", r"! note", "checkpoint", "comment or blank line"),
    (FREE, "m.f90", r"integer :: it, i", "checkpoint", "not a CALL or DO statement"),
    (FREE, "m.f90", r"call work\(x, &", "nockpt", "unknown action 'nockpt'"),
    (FREE, "m.f90", r"call work\(x, &", "binomial:0", "positive number of snapshots"),
    (FIXED, "t.f", r"C     comment", "nocheckpoint", "comment or blank line"),
    (FIXED, "t.f", r"^   30 CALL", "binomial:2", "applies to a counted DO loop"),
]


@pytest.mark.parametrize("src,name,pattern,action,fragment", ERRORS, ids=[f"{e[1]}:{e[2]}:{e[3]}" for e in ERRORS])
def test_errors_are_one_line_exit_2_file_untouched(tmp_path, src, name, pattern, action, fragment):
    f = tmp_path / name
    f.write_text(src)
    line = _line(src, pattern)
    r = run_cli("directives", "set", f"{f}:{line}", action)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"{f}:{line}: error: ")
    assert fragment in r.stderr
    assert f.read_text() == src
    assert sorted(os.listdir(tmp_path)) == [name]


def test_error_when_the_call_is_not_first_on_its_line(tmp_path):
    text = FREE.replace("    f = x(1)\n", "    f = x(1); call work(x, n)\n")
    f = tmp_path / "m.f90"
    f.write_text(text)
    line = _line(text, r"f = x\(1\); call")
    r = run_cli("directives", "set", f"{f}:{line}", "nocheckpoint")
    assert r.returncode == 2 and "on a line of its own" in r.stderr
    assert f.read_text() == text


def test_errors_for_missing_file_bad_target_and_past_the_end(tmp_path):
    r = run_cli("directives", "set", f"{tmp_path}/nope.f90:3", "checkpoint")
    assert r.returncode == 2 and r.stderr == f"{tmp_path}/nope.f90:3: error: no such file\n"
    r = run_cli("directives", "set", f"{tmp_path}/nope.f90", "checkpoint")
    assert r.returncode == 2 and "error: expected FILE:LINE" in r.stderr
    f = tmp_path / "m.f90"
    f.write_text(FREE)
    r = run_cli("directives", "set", f"{f}:999", "checkpoint")
    assert r.returncode == 2 and r.stderr.startswith(f"{f}:999: error: the file has only")


def test_missing_module_file_is_named_and_others_are_accepted(tmp_path):
    (tmp_path / "mod.f90").write_text("module p\n  integer, parameter :: nt = 4\nend module\n")
    text = ("subroutine s(x)\n  use p\n  real(8) x\n  integer it\n  do it = 1, nt\n    call g(x)\n  end do\n"
            "end\nsubroutine g(x)\n  real(8) x\n  x = x*x\nend\n")
    f = tmp_path / "s.f90"
    f.write_text(text)
    r = run_cli("directives", "set", f"{f}:5", "binomial:2")
    assert r.returncode == 2 and "module 'p' is not in the given sources" in r.stderr
    assert "give that file too" in r.stderr
    r = run_cli("directives", "set", f"{f}:5", "binomial:2", str(tmp_path / "mod.f90"), str(f))
    assert r.returncode == 0, r.stderr
    assert "  !$AD BINOMIAL-CKP 4 2 1\n  do it = 1, nt\n" in f.read_text()
    assert (tmp_path / "mod.f90").read_text() == "module p\n  integer, parameter :: nt = 4\nend module\n"


def test_clear_removes_every_directive_and_nothing_else(tmp_path):
    text = FREE.replace("    do it = 1, nsteps\n", "    !$ad binomial-ckp nsteps 3 1\n    do it = 1, nsteps\n")
    text = text.replace("    if (n > 0)", "    !$AD CHECKPOINT-START\n    if (n > 0)")
    text = text.replace("    f = x(1)\n", "    !$AD CHECKPOINT-END\n    f = x(1)\n")
    f = tmp_path / "m.f90"
    f.write_bytes(text.replace("\n", "\r\n").encode())
    r = run_cli("directives", "clear", str(f), "--dry-run")
    assert r.returncode == 0 and f.read_bytes() == text.replace("\n", "\r\n").encode()
    assert r.stdout.count("\n-") >= 4
    r = run_cli("directives", "clear", str(f))
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == 4 and all(": removed " in ln for ln in r.stdout.splitlines())
    expected = "".join(ln for ln in text.splitlines(keepends=True) if "$ad" not in ln.lower())
    assert f.read_bytes() == expected.replace("\n", "\r\n").encode()
    load_program([str(f)])
    r = run_cli("directives", "clear", str(f))
    assert r.stdout == f"{f}: no $AD directive\n"


def test_clear_keeps_a_fixed_form_continuation_that_looks_like_a_directive(tmp_path):
    # column 6 '!' is a continuation mark in fixed form, not a comment: not a directive line
    text = "      SUBROUTINE S(X)\nC$AD NOCHECKPOINT\n      CALL G(X,\n     !$ad)\n      END\n"
    f = tmp_path / "c.f"
    f.write_text(text)
    [ch] = plan_clear([str(f)])
    assert ch.after == text.replace("C$AD NOCHECKPOINT\n", "")


def test_clear_is_all_or_nothing(tmp_path):
    f = tmp_path / "m.f90"
    f.write_text(FREE)
    r = run_cli("directives", "clear", str(f), str(tmp_path / "missing.f90"))
    assert r.returncode == 2 and r.stderr == f"{tmp_path}/missing.f90: error: no such file\n"
    assert f.read_text() == FREE


def test_a_wrong_edit_is_never_written(tmp_path, monkeypatch):
    """The edited text is parsed before writing: a wrong edit (simulated here) leaves the file alone."""
    import fadj.tools.directive_edit as DE
    f = tmp_path / "m.f90"
    f.write_text(FREE)
    monkeypatch.setattr(DE, "_indent", lambda text: "x = 1 ")       # the directive becomes code
    with pytest.raises(RuntimeError, match="internal error"):
        plan_set(f"{f}:{_line(FREE, r'if .n > 0. call')}", "nocheckpoint")
    assert f.read_text() == FREE


def test_set_inside_a_region_keeps_the_region(tmp_path):
    """A new directive goes between CHECKPOINT-START and the CALL: the region still holds the call."""
    text = FREE.replace("    if (n > 0)", "    !$AD CHECKPOINT-START\n    if (n > 0)")
    text = text.replace("    f = x(1)\n", "    !$AD CHECKPOINT-END\n    f = x(1)\n")
    f = tmp_path / "m.f90"
    f.write_text(text)
    line = _line(text, r"if \(n > 0\) call")
    _set(f"{f}:{line}", "nocheckpoint")
    assert "    !$AD CHECKPOINT-START\n    !$AD NOCHECKPOINT\n    if (n > 0) call" in f.read_text()
    [region] = [st for r in load_program([str(f)]).order for st in S.walk_stmts(r.body) if isinstance(st, S.Region)]
    [call] = [st for st in S.walk_stmts(region.body) if isinstance(st, S.CallStmt)]
    assert [d.keyword for d in call.directives] == ["NOCHECKPOINT"]
    _set(f"{f}:{line + 1}", "none")
    assert f.read_text() == text

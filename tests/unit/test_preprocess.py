"""Whole projects, frontend side: the C preprocessor, INCLUDE lines, fixed-form columns, folders.

Every statement, directive and error must name the file and line the user edits,
never the preprocessed text or a temporary; conditional code switched off by the
defines is neither parsed nor differentiated.  (gfortran runs the preprocessor.)
"""
from __future__ import annotations

import os

import pytest

from fadj.errors import FadjError
from fadj.frontend.discover import expand_sources
from fadj.frontend.load import load_program
from fadj.frontend.options import SourceOptions
from fadj.frontend.preprocess import parse_markers, prepare
from fadj.frontend.source import read_source
from fadj.ir import stmt as S


def stmts(prog, name):
    r = prog.routine(name) or next(x for x in prog.order if x.name == name)
    return list(S.walk_stmts(r.body))


def calls(prog, name):
    return [st.name for st in stmts(prog, name) if isinstance(st, S.CallStmt)]


def test_line_markers_give_each_line_its_file_and_line():
    out = ('# 1 "a.F90"\n# 1 "<built-in>"\n# 1 "<command-line>"\n# 1 "a.F90"\nx\n\n'
           '# 1 "inc/./h.h" 1\nh1\nh2\n# 4 "a.F90" 2\ny\n')
    headers = []
    lines, origins = parse_markers(out, "a.F90", headers)
    assert lines == ["x", "", "h1", "h2", "y"]
    assert origins == [("a.F90", 1), ("a.F90", 2), ("inc/h.h", 1), ("inc/h.h", 2), ("a.F90", 4)]
    assert headers == ["inc/h.h"]


@pytest.fixture
def chdir_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


CPP_F90 = """! first line
#include "cfg.h"
subroutine s(x, f)
  real(8), intent(in) :: x
  real(8), intent(out) :: f
  f = x
#ifdef WITH_G
  call g(x, f)
#endif
#if NLEV > 2
  !$AD NOCHECKPOINT
  call h(x, f)
#endif
end subroutine s
"""


def test_cpp_file_locs_name_the_users_lines(chdir_tmp, gfortran):
    (chdir_tmp / "inc").mkdir()
    (chdir_tmp / "inc" / "cfg.h").write_text("! cfg\n#define NLEV 3\n")
    (chdir_tmp / "a.F90").write_text(CPP_F90)
    prog = load_program(["a.F90"], SourceOptions.make(include_dirs=["inc"]))
    body = stmts(prog, "s")
    assert [(type(st).__name__, st.loc.file, st.loc.line) for st in body] == [
        ("Assign", "a.F90", 6), ("CallStmt", "a.F90", 12)]
    [d] = body[1].directives
    assert (d.keyword, d.loc.file, d.loc.line) == ("NOCHECKPOINT", "a.F90", 11)
    assert prog.routine("s").loc.line == 3
    src = prog.files[0]
    assert src.cpp and src.headers == ("inc/cfg.h",) and src.text == CPP_F90   # the file as written


def test_defines_switch_code_on_and_off(chdir_tmp, gfortran):
    (chdir_tmp / "cfg.h").write_text("#define NLEV 1\n")
    (chdir_tmp / "a.F90").write_text(CPP_F90)
    assert calls(load_program(["a.F90"]), "s") == []
    assert calls(load_program(["a.F90"], SourceOptions.make(["WITH_G"])), "s") == ["g"]


def test_cpp_option_preprocesses_lower_case_suffixes(chdir_tmp, gfortran):
    (chdir_tmp / "b.f").write_text("      SUBROUTINE S(X)\n      DOUBLE PRECISION X\n#ifdef A\n"
                                   "      X = 2*X\n#endif\n      END\n")
    with pytest.raises(FadjError) as e:
        load_program(["b.f"])
    assert str(e.value.loc) == "b.f:3" and "not preprocessed" in e.value.message
    prog = load_program(["b.f"], SourceOptions.make(["A"], cpp=True))
    [st] = stmts(prog, "s")
    assert (st.loc.file, st.loc.line) == ("b.f", 4)


def test_fixed_form_directives_survive_the_preprocessor(chdir_tmp, gfortran):
    (chdir_tmp / "c.F").write_text(
        "C     comment with a quote ' and //\n"
        "      SUBROUTINE S(X)\n      DOUBLE PRECISION X\n"
        "#ifdef NEVER\n      X = 1\n#endif\n"
        "C$AD NOCHECKPOINT\n      CALL G(X)\n      END\n")
    [st] = stmts(load_program(["c.F"]), "s")
    assert st.loc.line == 8 and [(d.keyword, d.loc.line) for d in st.directives] == [("NOCHECKPOINT", 7)]


def test_preprocessor_errors_are_at_the_users_line(chdir_tmp, gfortran):
    (chdir_tmp / "d.F90").write_text("subroutine s\n\n#include \"nothere.h\"\nend\n")
    with pytest.raises(FadjError) as e:
        load_program(["d.F90"])
    assert str(e.value.loc) == "d.F90:3" and "nothere.h" in e.value.message
    (chdir_tmp / "e.F90").write_text("subroutine s\n#ifndef OK\n#error set OK\n#endif\nend\n")
    with pytest.raises(FadjError) as e:
        load_program(["e.F90"])
    assert str(e.value.loc) == "e.F90:3" and "set OK" in e.value.message
    load_program(["e.F90"], SourceOptions.make(["OK"]))


# -- INCLUDE ----------------------------------------------------------------------------------

F77_MAIN = """      SUBROUTINE TOP(X)
      IMPLICIT NONE
      INCLUDE 'blk.h'
      DOUBLE PRECISION X
      A = X
      CALL LOW
      END
      SUBROUTINE LOW
      IMPLICIT NONE
      INCLUDE 'blk.h'
      B = A*A
      END
"""


def test_include_lines_map_to_the_header(chdir_tmp):
    (chdir_tmp / "hdr").mkdir()
    (chdir_tmp / "hdr" / "blk.h").write_text("      DOUBLE PRECISION A, B\n      INCLUDE 'blk2.h'\n")
    (chdir_tmp / "hdr" / "blk2.h").write_text("      COMMON /BLK/ A, B\n")
    (chdir_tmp / "m.f").write_text(F77_MAIN)
    prog = load_program(["m.f"], SourceOptions.make(include_dirs=["hdr"]))
    top, low = prog.routine("top"), prog.routine("low")
    assert top.commons == low.commons == {"blk": ["a", "b"]}      # one block, wherever included
    assert [(st.loc.file, st.loc.line) for st in low.body] == [("m.f", 11)]
    assert prog.files[0].headers == (os.path.join("hdr", "blk.h"), os.path.join("hdr", "blk2.h"))
    assert prog.files[0].text == F77_MAIN


def test_errors_in_headers_name_the_header(chdir_tmp):
    (chdir_tmp / "blk.h").write_text("      DOUBLE PRECISION A, B\n      COMMON /BLK/ A, B +\n")
    (chdir_tmp / "m.f").write_text(F77_MAIN)
    with pytest.raises(FadjError) as e:
        load_program(["m.f"])
    assert str(e.value.loc) == "blk.h:2"
    (chdir_tmp / "blk.h").write_text("      DOUBLE PRECISION A, B\nC$AD NOCHECKPOINT\n      COMMON /BLK/ A, B\n")
    with pytest.raises(FadjError) as e:
        load_program(["m.f"])
    assert str(e.value.loc) == "blk.h:2" and "$AD NOCHECKPOINT" in e.value.message


def test_missing_include_is_an_error_at_its_line(chdir_tmp):
    (chdir_tmp / "m.f").write_text(F77_MAIN)
    with pytest.raises(FadjError) as e:
        load_program(["m.f"], SourceOptions.make(include_dirs=["nowhere"]))
    assert str(e.value.loc) == "m.f:3" and "INCLUDE 'blk.h': not found in ., nowhere" in e.value.message


# -- fixed-form columns -----------------------------------------------------------------------

def test_fixed_form_code_after_column_72_is_ignored(chdir_tmp):
    long = "      X = X + 1.0D0" + " " * 52 + "00000030"          # a card sequence number in 73-80
    (chdir_tmp / "s.f").write_text(f"      SUBROUTINE S(X)\n      DOUBLE PRECISION X\n{long}\n      END\n")
    [st] = stmts(load_program(["s.f"]), "s")
    assert st.loc.line == 3 and "00000030" not in str(st.rhs)
    wide = "      X = X + 1.0D0" + " " * 53 + "*2.0D0"                   # only with -ffixed-line-length-132
    (chdir_tmp / "w.f").write_text(f"      SUBROUTINE W(X)\n      DOUBLE PRECISION X\n{wide}\n      END\n")
    short = stmts(load_program(["w.f"]), "w")[0].rhs
    wide_rhs = stmts(load_program(["w.f"], SourceOptions.make(fflags="-ffixed-line-length-132")), "w")[0].rhs
    assert str(short) != str(wide_rhs) and "2.0" in str(wide_rhs)


# -- folders --------------------------------------------------------------------------------

def test_folders_are_searched_recursively_in_a_fixed_order(chdir_tmp):
    for p in ["src/b/z.f90", "src/a.F", "src/b/a.f90", "src/.hidden/x.f90", "src/out/copy.f90", "src/n.h"]:
        (chdir_tmp / p).parent.mkdir(parents=True, exist_ok=True)
        (chdir_tmp / p).write_text("")
    (chdir_tmp / "src/out/Makefile").write_text("# Generated by fadj 0.1.0: builds libadjoint.a\n")
    assert expand_sources(["src"]) == ["src/a.F", "src/b/a.f90", "src/b/z.f90"]
    assert expand_sources(["src/b/z.f90", "src"]) == ["src/b/z.f90", "src/a.F", "src/b/a.f90"]
    (chdir_tmp / "empty").mkdir()
    with pytest.raises(FadjError) as e:
        expand_sources(["empty"])
    assert str(e.value.loc) == "empty" and "no Fortran sources" in e.value.message


def test_unchanged_files_keep_no_line_map(chdir_tmp):
    (chdir_tmp / "p.f90").write_text("subroutine p\nend subroutine p\n")
    src = prepare(read_source("p.f90"))
    assert src.parse_text is None and src.origins is None


def test_modules_across_folders_in_use_order_cycles_and_missing_ones_named(chdir_tmp):
    (chdir_tmp / "a").mkdir()
    (chdir_tmp / "b").mkdir()
    (chdir_tmp / "a" / "top.f90").write_text("module top\n  use low\ncontains\n  subroutine t(x)\n"
                                             "    real(8) :: x\n    call l(x)\n  end subroutine t\nend module top\n")
    (chdir_tmp / "b" / "low.f90").write_text("module low\ncontains\n  subroutine l(x)\n    real(8) :: x\n"
                                             "    x = 2*x\n  end subroutine l\nend module low\n")
    prog = load_program(["a", "b"])                     # a/top.f90 first, but it uses b's module
    assert [f.path for f in prog.files] == ["a/top.f90", "b/low.f90"] and set(prog.modules) == {"top", "low"}
    (chdir_tmp / "b" / "low.f90").write_text("module low\n  use top\nend module low\n")
    with pytest.raises(FadjError) as e:
        load_program(["a", "b"])
    assert "circular USE between modules: low -> top -> low" in e.value.message
    (chdir_tmp / "b" / "low.f90").write_text("module low\n  use gone\nend module low\n")
    with pytest.raises(FadjError) as e:
        load_program(["a", "b"])
    assert str(e.value.loc) == "b/low.f90:2" and "module 'gone' is not in the given sources" in e.value.message

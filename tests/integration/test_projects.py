"""Whole Fortran projects end to end (GitHub issue 8), on the bundled ``project_multi`` example:
folders of sources, ``.F``/``.F90`` files through the C preprocessor with the project's
defines, an INCLUDE header with COMMON blocks, modules across folders, all from ``fadj.toml``
with no other argument; the generated Makefile builds with ``make -j4``; errors and
directives name the user's file:line; a define that removes a routine changes the call graph.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from fadj.frontend.load import load_program
from fadj.frontend.options import SourceOptions
from fadj.ir import stmt as S
from fadj.tools.examples import compile_driver, load_example, run_driver
from tests.conftest import EXAMPLES
from tests.helpers import run_cli

PM = EXAMPLES / "project_multi"


@pytest.fixture
def pm(tmp_path):
    """A copy of project_multi to work in (fadj writes its output folders there)."""
    work = tmp_path / "pm"
    shutil.copytree(PM, work)
    return work


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def make(outdir: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if k not in ("FC", "FFLAGS", "MAKEFLAGS", "MFLAGS")}
    e.update(env or {})
    return subprocess.run(["make", "-C", str(outdir), *args], capture_output=True, text=True, env=e)


def test_example_has_the_shape_of_a_project():
    srcs = [p for p in (PM / "src").rglob("*") if p.is_file()]
    assert len(srcs) >= 10 and len({p.parent for p in srcs}) >= 4
    assert any(p.suffix == ".F" for p in srcs)
    texts = {p.name: p.read_text() for p in srcs}
    assert any("#ifdef" in t for t in texts.values()) and any(re.search(r"^#if ", t, re.M) for t in texts.values())
    includers = [n for n, t in texts.items() if re.search(r"^\s*include 'pm_grid.h'", t, re.I | re.M)]
    assert len(includers) >= 3 and "COMMON" in (PM / "include" / "pm_grid.h").read_text()


def test_differentiate_from_the_project_file_then_make_j4(pm, gfortran):
    before = digest(pm)
    p = run_cli("differentiate", cwd=pm)
    assert p.returncode == 0, p.stderr
    out = pm / "fadj_out"
    m = make(out, "-j4")
    assert m.returncode == 0, m.stdout + m.stderr
    assert (out / "libadjoint.a").exists()
    # the compiler is gfortran (not make's built-in f77), the .F files are preprocessed with the defines
    assert re.search(r"^gfortran .*-cpp -DWITH_REACTION -DNFORCE=2 .*-c pm_diffuse\.F", m.stdout, re.M), m.stdout
    assert "Nothing to be done" in make(out, "-j4").stdout or "up to date" in make(out, "-j4").stdout
    # the user's files are untouched; the build's primal copies are the files as written
    assert {k: v for k, v in digest(pm).items() if not k.startswith("fadj_out")} == before
    for f in ("pm_diffuse.F", "pm_step.F90", "pm_model.F90", "pm_cost.f90"):
        [orig] = (pm / "src").rglob(f)
        assert (out / f).read_text() == orig.read_text()
    # the gradient is right (the example's driver, against finite differences)
    ex = load_example(pm)
    r = run_driver(compile_driver(ex, out))
    assert r.passed, r.output[-2000:]
    # another define: a new Makefile, every object rebuilt, the reaction gone
    p = run_cli("differentiate", "-U", "WITH_REACTION", cwd=pm)
    assert p.returncode == 0, p.stderr
    assert "pm_react_b.f90" not in p.stdout
    m = make(out, "-j4")
    assert m.returncode == 0 and "-c pm_diffuse.F" in m.stdout and "WITH_REACTION" not in m.stdout, m.stdout


def test_make_takes_fc_and_fflags_and_the_users_flags(pm, gfortran):
    p = run_cli("differentiate", "--fflags", "-fno-range-check -ffixed-line-length-132", "-o", "o2", cwd=pm)
    assert p.returncode == 0, p.stderr
    m = make(pm / "o2", "-j4", env={"FFLAGS": "-O0 -g"})
    assert m.returncode == 0, m.stdout + m.stderr
    compiles = [ln for ln in m.stdout.splitlines() if " -c " in ln]
    assert compiles and all(ln.startswith("gfortran -O0 -g ") and "-fno-range-check -ffixed-line-length-132" in ln
                            for ln in compiles)
    assert make(pm / "o2", "clean").returncode == 0
    m = make(pm / "o2", "-j4", "FC=gfortran -fcheck=bounds")
    assert m.returncode == 0 and "gfortran -fcheck=bounds -O2" in m.stdout, m.stdout + m.stderr


def test_fadj_check_from_the_project_file(pm, gfortran):
    p = run_cli("check", cwd=pm)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr
    assert p.stdout.rstrip().splitlines()[-1].startswith("fadj: all derivative checks passed")


def test_callgraph_follows_the_defines(pm):
    p = run_cli("callgraph", cwd=pm)
    assert p.returncode == 0, p.stderr
    assert re.search(r"src/dynamics/pm_step\.F90:30  pm_stepper -> react +active", p.stdout), p.stdout
    assert re.search(r"src/dynamics/pm_advance\.F:12  pmadv -> pm_stepper +active  joint \(directive\)", p.stdout)
    q = run_cli("callgraph", "-U", "WITH_REACTION", cwd=pm)
    assert q.returncode == 0, q.stderr
    assert "react" not in q.stdout
    assert [ln for ln in p.stdout.splitlines() if "react" not in ln] == q.stdout.splitlines()
    # the same from the command line alone, without the project file
    r = run_cli("callgraph", "src", "-I", "include", "--head", "pm_run", "--no-project", cwd=pm)
    assert r.returncode == 0 and "react" not in r.stdout and "pmforc" in r.stdout, r.stderr
    r = run_cli("callgraph", "src", "-I", "include", "-D", "WITH_REACTION", "--head", "pm_run", "--no-project", cwd=pm)
    assert "pm_stepper -> react" in r.stdout


def test_every_loc_names_a_file_the_user_edits(pm, monkeypatch):
    monkeypatch.chdir(pm)
    prog = load_program(["src"], SourceOptions.make(["WITH_REACTION", "NFORCE=2"], ["include"]))
    files = {str(p.relative_to(pm)) for p in pm.rglob("*") if p.is_file()}
    locs = {(st.loc.file, st.loc.line) for r in prog.order for st in S.walk_stmts(r.body)}
    locs |= {(r.loc.file, r.loc.line) for r in prog.order}
    assert {f for f, _ in locs} <= files
    # pm_setup.F: its statements are lines 9-21 of the file (after its INCLUDE of 10 header lines)
    setup = prog.routine("pmsetup")
    assert [(st.loc.file, st.loc.line) for st in S.walk_stmts(setup.body)] == \
        [("src/dynamics/pm_setup.F", n) for n in range(9, 22)]
    assert setup.commons == prog.routine("pmdiff").commons == prog.routine("pm_run").commons


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("where,old,new,expected", [
    # a syntax error in the INCLUDEd header
    ("include/pm_grid.h", "      DOUBLE PRECISION KAPPA0, RELAX, QSURF",
     "      DOUBLE PRECISION KAPPA0, RELAX, QSURF +", r"include/pm_grid\.h:8: error: syntax error"),
    # a directive in the header, among declarations
    ("include/pm_grid.h", "      COMMON /PMGRID/", "!$AD NOCHECKPOINT\n      COMMON /PMGRID/",
     r"include/pm_grid\.h:9: error: \$AD NOCHECKPOINT must be right before an executable statement"),
    # a directive with no statement after it, in a preprocessed file whose #include shifts the lines
    ("src/dynamics/pm_step.F90", "  end subroutine pm_stepper", "    !$AD CHECKPOINT\n  end subroutine pm_stepper",
     r"src/dynamics/pm_step\.F90:36: error: \$AD CHECKPOINT is not followed by a statement"),
    # a misspelled directive in a fixed-form .F file, after a conditional block
    ("src/physics/pm_force.F", "      END", "C$AD NOCHEKPOINT\n      END",
     r"src/physics/pm_force\.F:16: error: unknown \$AD directive 'NOCHEKPOINT'"),
    # a syntax error below #if / #else / #endif lines
    ("src/physics/pm_diffuse.F", "      FLUX(NZ) = 0.0D0", "      FLUX(NZ) = 0.0D0 +",
     r"src/physics/pm_diffuse\.F:11: error: syntax error"),
    # the preprocessor's own error, at its line
    ("src/dynamics/pm_step.F90", '#include "pm_config.h"', '#include "pm_nope.h"',
     r"src/dynamics/pm_step\.F90:3: error: preprocessor: pm_nope\.h: No such file or directory"),
])
def test_errors_are_at_the_original_file_and_line(pm, where, old, new, expected):
    _edit(pm / where, old, new)
    p = run_cli("differentiate", cwd=pm)
    assert p.returncode == 2 and p.stdout == "", p.stdout
    assert re.fullmatch(expected + r".*\n", p.stderr), p.stderr


def test_a_conditional_directive_error_disappears_with_its_define(pm):
    _edit(pm / "src/dynamics/pm_step.F90", "      call react(t, tend, n)",
          "      call react(t, tend, n)\n      !$AD BINOMIAL-CKP")
    assert run_cli("callgraph", cwd=pm).returncode == 2
    assert run_cli("callgraph", "-U", "WITH_REACTION", cwd=pm).returncode == 0


def test_directives_set_edits_the_users_preprocessed_file(pm):
    step = pm / "src/dynamics/pm_step.F90"
    before = step.read_text().split("\n")
    p = run_cli("directives", "set", "src/dynamics/pm_step.F90:28", "nocheckpoint", cwd=pm)
    assert p.returncode == 0 and p.stdout == "src/dynamics/pm_step.F90:28: nocheckpoint (was: none)\n", p.stderr
    after = step.read_text().split("\n")
    assert after == before[:27] + ["      !$AD NOCHECKPOINT"] + before[27:]
    p = run_cli("directives", "list", "--json", cwd=pm)
    assert p.returncode == 0, p.stderr
    import json
    [forc] = [it for it in json.loads(p.stdout) if it["callee"] == "pmforc"]
    assert (forc["file"], forc["line"], forc["mode"], forc["why"]) == \
        ("src/dynamics/pm_step.F90", 29, "split", "directive")
    [stepper] = [it for it in json.loads(p.stdout) if it["callee"] == "pm_stepper"]
    assert (stepper["file"], stepper["directive"]) == ("src/dynamics/pm_advance.F", "C$AD CHECKPOINT")


def test_directives_set_on_code_switched_off_is_an_error(pm):
    p = run_cli("directives", "set", "src/dynamics/pm_step.F90:30", "nocheckpoint", "-U", "WITH_REACTION", cwd=pm)
    assert p.returncode == 2 and p.stderr == ("src/dynamics/pm_step.F90:30: error: this line is switched off by the "
                                              "preprocessor (see -D/-U and fadj.toml's defines)\n")


def test_init_then_differentiate(pm):
    (pm / "fadj.toml").unlink()
    p = run_cli("init", "-D", "WITH_REACTION", cwd=pm)
    assert p.returncode == 0 and p.stdout == \
        "fadj: wrote fadj.toml (head: pm_run); edit vars and outvars, then run fadj differentiate\n", p.stderr
    text = (pm / "fadj.toml").read_text()
    assert 'sources = ["src"]' in text and 'include_dirs = ["include"]' in text and 'head = "pm_run"' in text
    p = run_cli("differentiate", "--vars", "t0 kap", "--outvars", "cost", cwd=pm)
    assert p.returncode == 0, p.stderr
    assert run_cli("init", cwd=pm).returncode == 2

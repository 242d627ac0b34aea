"""``fadj.toml``: the schema, how it meets the command line (the command line wins), ``fadj init``."""
from __future__ import annotations

import pytest

from fadj.cli import _glue_fflags, build_parser
from fadj.errors import FadjError
from fadj.project import load_project, merge_args, read_project
from fadj.tools.examples import all_examples
from fadj.tools.init_project import init
from tests.conftest import EXAMPLES

PROJECT = """sources = ["src", "extra/x.F"]
include_dirs = ["include"]
defines = ["WITH_ICE", "NLEV=30"]
fflags = "-fdefault-real-8 -ffixed-line-length-132"
head = "Run"
vars = ["a0", "kap"]
outvars = "cost"
nocheckpoint_routines = ["advect"]
externals = ["blackbox"]
output = "build/ad"
driver = "driver.f90"
description = "x"

[check]
sizes = { nsteps = 4, flag = true }
ranges = { kap = [0.1, 0.2] }
init = "setup"
sources = ["check_init.f90"]

[bench]
anything = 1
"""


@pytest.fixture
def proj(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fadj.toml").write_text(PROJECT)
    return tmp_path


def parse(*argv):
    return build_parser().parse_args(_glue_fflags(list(argv)))


def test_every_bundled_example_reads_as_a_project():
    for ex in all_examples(EXAMPLES):
        cfg = read_project(ex.path / "fadj.toml")
        assert cfg.head == ex.head and cfg.sources


def test_schema(proj):
    cfg = load_project(".")
    assert cfg.sources == ["src", "extra/x.F"] and cfg.include_dirs == ["include"]
    assert cfg.head == "run" and cfg.vars == ["a0", "kap"] and cfg.outvars == ["cost"]
    assert cfg.fflags == ["-fdefault-real-8", "-ffixed-line-length-132"]
    assert cfg.table("bench") == {"anything": 1} and cfg.table("plan") == {}
    assert load_project(proj / "nowhere") is None


def test_paths_are_relative_to_the_project_file(proj, monkeypatch):
    (proj / "sub").mkdir()
    monkeypatch.chdir(proj / "sub")
    cfg = read_project(proj / "fadj.toml")
    assert cfg.sources == [str(proj / "src"), str(proj / "extra/x.F")] and cfg.output == str(proj / "build/ad")


@pytest.mark.parametrize("text,where,what", [
    ('sources = ["a.f"]\ndefins = ["X"]\n', "fadj.toml:2", "unknown key 'defins'"),
    ('head = 3\n', "fadj.toml:1", "'head' must be a string"),
    ('defines = ["1X"]\n', "fadj.toml:1", "'1X' is not NAME or NAME=VALUE"),
    ('mode = "sideways"\n', "fadj.toml:1", "mode must be one of"),
    ('head = "a\n', "fadj.toml:1", "not valid TOML"),
])
def test_schema_errors_name_the_line(tmp_path, monkeypatch, text, where, what):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fadj.toml").write_text(text)
    with pytest.raises(FadjError) as e:
        load_project(".")
    assert str(e.value.loc) == where and what in e.value.message


def test_defines_as_a_table(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fadj.toml").write_text('defines = {A = true, B = false, N = 3, S = "x"}\n')
    assert load_project(".").defines == ["A", "N=3", "S=x"]


def test_project_fills_what_the_command_line_leaves_out(proj):
    args = parse("differentiate")
    merge_args(args, load_project("."))
    assert args.sources == ["src", "extra/x.F"] and args.head == "run"
    assert args.vars == "a0 kap" and args.outvars == "cost" and args.mode == "reverse" and args.output == "build/ad"
    assert args.nocheckpoint_routines == "advect" and args.external == ["blackbox"]
    so = args.source_options
    assert so.defines == ("WITH_ICE", "NLEV=30") and so.include_dirs == ("include",)
    assert so.fflags == ("-fdefault-real-8", "-ffixed-line-length-132") and so.fixed_line_length == 132


def test_command_line_wins_field_by_field(proj):
    args = parse("differentiate", "a.f90", "--head", "run", "--outvars", "f", "-D", "NLEV=40", "-U", "WITH_ICE",
                 "-D", "NEW", "-I", "mine", "--fflags", "-O0", "-o", "o", "--mode", "tangent")
    merge_args(args, load_project("."))
    assert args.sources == ["a.f90"] and args.vars == "a0 kap" and args.outvars == "f"
    assert (args.output, args.mode) == ("o", "tangent")
    assert args.source_options.defines == ("NLEV=40", "NEW")
    assert args.source_options.include_dirs == ("mine", "include") and args.source_options.fflags == ("-O0",)


def test_another_head_does_not_take_the_projects_vars(proj):
    args = parse("check", "--head", "other")
    merge_args(args, load_project("."))
    assert args.head == "other" and args.vars is None and args.size == [] and args.init is None


def test_check_takes_its_table(proj):
    args = parse("check", "--size", "nsteps=9")
    merge_args(args, load_project("."))
    assert args.sources == ["src", "extra/x.F", "check_init.f90"]
    assert args.size == ["nsteps=4", "flag=true", "nsteps=9"] and args.range == ["kap=0.1:0.2"]
    assert args.init == "setup" and args.mode == "both" and args.output == "fadj_check"


def test_no_project_and_no_sources_is_an_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FadjError) as e:
        merge_args(parse("differentiate"), None)
    assert "no sources" in e.value.message
    with pytest.raises(FadjError) as e:
        merge_args(parse("differentiate", "a.f90"), None)
    assert "--head is required" in e.value.message


def test_init_writes_a_starter_file_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "c.h").write_text("      DOUBLE PRECISION A\n      COMMON /C/ A\n")
    (tmp_path / "src" / "a.f").write_text("      SUBROUTINE TOP(X, F)\n      INCLUDE 'c.h'\n"
                                          "      DOUBLE PRECISION X, F\n      CALL LOW(X, F)\n      END\n"
                                          "      SUBROUTINE LOW(X, F)\n      DOUBLE PRECISION X, F\n"
                                          "      F = X*X\n      END\n      SUBROUTINE AUX\n      END\n")
    (tmp_path / "driver.f90").write_text("program d\nend program d\n")
    msg = init([])
    assert msg.startswith("fadj: wrote fadj.toml (head: top)")
    cfg = load_project(".")
    assert cfg.sources == ["src"] and cfg.head == "top" and cfg.include_dirs == ["inc"]
    text = (tmp_path / "fadj.toml").read_text()
    assert "# vars = " in text and "driver.f90" in text and "aux" in text
    with pytest.raises(FadjError) as e:
        init([])
    assert "already exists" in e.value.message

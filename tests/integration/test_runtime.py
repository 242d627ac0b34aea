"""End-to-end tests of the AD stack runtime (Fortran module ``fadj_stack``).

The runtime is rendered with ``fadj.backend.runtime.write_runtime``, compiled with
gfortran in three flavours (optimised; with ``-fdefault-real-8 -fdefault-integer-8``;
unoptimised with run-time checks) and linked with the Fortran programs in
``runtime_src/``.  The programs print values and counts; the assertions here check
them exactly (expected byte counts are computed independently on this side).
"""
from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from pathlib import Path

import jinja2
import pytest

from fadj.backend.render import templates_dir
from fadj.backend.runtime import runtime_sources, write_runtime

GFORTRAN = shutil.which("gfortran")
NO_GFORTRAN = "gfortran not found on PATH: the runtime tests compile and run Fortran"

SRC = Path(__file__).parent / "runtime_src"

FLAVOURS = {
    "default": ["-O2"],
    "r8i8": ["-O2", "-fdefault-real-8", "-fdefault-integer-8"],
    "checked": ["-O0", "-g", "-fcheck=all", "-fbacktrace"],
}
WARN_FLAGS = ["-Wall", "-Wextra"]

# Types of the contract: (id, declaration, bytes per element).
TYPES = [
    ("r4", "real(real32)", 4),
    ("r8", "real(real64)", 8),
    ("i4", "integer(int32)", 4),
    ("i8", "integer(int64)", 8),
    ("l4", "logical(4)", 4),
    ("l8", "logical(8)", 8),
    ("c4", "complex(real32)", 8),
    ("c8", "complex(real64)", 16),
]
RANKS = list(range(8))
EXTENTS = [5, 3, 2, 2, 1, 2, 2]  # extents of the rank-7 arrays; lower ranks take a prefix


def _clean_env(**extra: str) -> dict[str, str]:
    """The current environment without FADJ_* variables, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FADJ_")}
    env.update(extra)
    return env


class Builder:
    """Compiles the runtime once per flavour and each test program once per flavour."""

    def __init__(self, root: Path):
        self.root = root
        self._runtimes: dict[str, tuple[Path, list[Path], str]] = {}
        self._exes: dict[tuple[str, str], Path] = {}

    def runtime(self, flavour: str, only_stack: bool = True) -> tuple[Path, list[Path], str]:
        """(directory with .mod files, objects in link order, compiler messages).

        The test programs need only fadj_stack.f90 (and fadj_stack_debug.f90, which it uses);
        ``only_stack=False`` compiles every runtime file in the order write_runtime gives.
        """
        key = flavour if only_stack else f"{flavour}_all"
        if key not in self._runtimes:
            d = self.root / f"rt_{key}"
            names = write_runtime(d)
            if only_stack:
                names = ["fadj_stack_debug.f90", "fadj_stack.f90"]
            objs, messages = [], ""
            for name in names:
                obj = d / (Path(name).stem + ".o")
                proc = subprocess.run(
                    [GFORTRAN, *FLAVOURS[flavour], *WARN_FLAGS, "-c", name, "-o", obj.name],
                    cwd=d, capture_output=True, text=True,
                )
                assert proc.returncode == 0, f"runtime {name} does not compile:\n{proc.stderr}"
                messages += proc.stderr
                objs.append(obj)
            self._runtimes[key] = (d, objs, messages)
        return self._runtimes[key]

    def program(self, name: str, flavour: str) -> Path:
        key = (name, flavour)
        if key not in self._exes:
            rt_dir, objs, _ = self.runtime(flavour)
            src = SRC / f"{name}.f90"
            if not src.exists():  # a Jinja2 test template
                src = self.root / f"{name}_{flavour}.f90"
                src.write_text(render_test_template(f"{name}.f90.j2"))
            exe = self.root / f"{name}_{flavour}"
            proc = subprocess.run(
                [GFORTRAN, *FLAVOURS[flavour], "-I", str(rt_dir), str(src), *map(str, objs), "-o", str(exe)],
                capture_output=True, text=True,
            )
            assert proc.returncode == 0, f"{name} does not compile:\n{proc.stderr}"
            self._exes[key] = exe
        return self._exes[key]

    def run(self, name: str, flavour: str = "default", cwd: Path | None = None,
            check: bool = True, **env: str) -> subprocess.CompletedProcess:
        exe = self.program(name, flavour)
        proc = subprocess.run([str(exe)], capture_output=True, text=True, cwd=cwd or self.root,
                              env=_clean_env(**env), timeout=120)
        if check:
            assert proc.returncode == 0, f"{name} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        return proc


def render_test_template(name: str) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(SRC)), trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    types = [{"id": i, "decl": d, "bytes": b, "n": n + 1} for n, (i, d, b) in enumerate(TYPES)]
    return env.get_template(name).render(types=types, ranks=RANKS, extents=EXTENTS,
                                         nmax=math.prod(EXTENTS))


def values(stdout: str) -> dict[str, str]:
    """Lines ``name value...`` as {name: "value..."}."""
    out = {}
    for line in stdout.splitlines():
        parts = line.split(maxsplit=1)
        if parts:
            out[parts[0]] = parts[1].strip() if len(parts) > 1 else ""
    return out


def assert_passed(stdout: str, expected: int) -> None:
    assert "FAIL" not in stdout, stdout
    m = re.search(r"passed (\d+) failed (\d+)", stdout)
    assert m, stdout
    assert (int(m.group(1)), int(m.group(2))) == (expected, 0), stdout


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> Builder:
    """Every test that compiles Fortran takes this fixture: skipped without gfortran."""
    if GFORTRAN is None:
        pytest.skip(NO_GFORTRAN)
    return Builder(tmp_path_factory.mktemp("fadj_runtime"))


# ---------------------------------------------------------------- rendering


def test_runtime_sources_cover_the_runtime_folder(tmp_path):
    folder = templates_dir() / "runtime"
    expected = {p.name[:-3] for p in folder.glob("*.j2")} | {p.name for p in folder.glob("*.f90")}
    sources = runtime_sources()
    assert set(sources) == expected
    assert list(sources)[:2] == ["fadj_stack_debug.f90", "fadj_stack.f90"]
    names = write_runtime(tmp_path)
    assert names == list(sources)
    for name in names:
        assert (tmp_path / name).read_text() == sources[name]
    # unchanged files are not rewritten (make does not rebuild the runtime)
    stamp = (tmp_path / "fadj_stack.f90").stat().st_mtime_ns
    os.utime(tmp_path / "fadj_stack.f90", ns=(stamp - 10**9, stamp - 10**9))
    write_runtime(tmp_path)
    assert (tmp_path / "fadj_stack.f90").stat().st_mtime_ns == stamp - 10**9


def test_public_names_of_the_contract():
    text = runtime_sources()["fadj_stack.f90"]
    public = set()
    for line in re.findall(r"^\s*public\s*::(.*)$", text, re.M):
        public |= {n.strip() for n in line.split(",")}
    assert public == {
        "fadj_push", "fadj_pop", "fadj_look", "fadj_look_reset",
        "fadj_stack_bytes", "fadj_stack_peak_bytes", "fadj_stack_reset_peak", "fadj_stack_reset",
        "fadj_stats_snapshot_begin", "fadj_stats_snapshot_end", "fadj_stats_recompute",
        "fadj_stats_reset", "fadj_stats_report",
        "fadj_stats_pushed_bytes", "fadj_stats_snapshot_bytes", "fadj_stats_recomputations",
        # sequence-association helpers and the aliasing stop (derivative code calls them)
        "fadj_seq_get_r4", "fadj_seq_get_r8", "fadj_seq_add_r4", "fadj_seq_add_r8", "fadj_alias_error",
        # FADJ_DEBUG bookkeeping (derivative routines call these when fadj_debug is set)
        "fadj_dbg_start", "fadj_dbg_site", "fadj_dbg_enter", "fadj_dbg_exit", "fadj_debug",
        # and check that the backward half of a split call pops what its forward half pushed
        "fadj_dbg_fwd_end", "fadj_dbg_bwd_begin", "fadj_dbg_bwd_end",
    }
    assert "implicit none" in text
    # one specific per operation x type x rank
    for op in ("push", "pop", "look"):
        for tid, _, _ in TYPES:
            for r in RANKS:
                assert f"subroutine fadj_{op}_{tid}_{r}(x)" in text


@pytest.mark.parametrize("flavour", ["default", "r8i8"])
def test_stack_compiles_without_warnings(build, flavour):
    _, _, messages = build.runtime(flavour)
    assert "Warning" not in messages and "Error" not in messages, messages


def test_whole_runtime_compiles_in_the_given_order(build):
    _, objs, _ = build.runtime("default", only_stack=False)
    assert [o.name for o in objs[:2]] == ["fadj_stack_debug.o", "fadj_stack.o"]
    assert len(objs) == len(runtime_sources())


# ---------------------------------------------------------------- values


@pytest.mark.parametrize("flavour,block", [("default", None), ("default", "24"), ("r8i8", None),
                                           ("checked", "40")])
def test_every_type_and_rank_round_trips_bitwise(build, flavour, block):
    env = {"FADJ_STACK_BLOCK": block} if block else {}
    out = build.run("t_roundtrip", flavour, **env).stdout
    assert_passed(out, 2 * len(TYPES) * len(RANKS))  # value and marker per item
    elems = sum(math.prod(EXTENTS[:r]) for r in RANKS)
    expected = sum(b * elems for _, _, b in TYPES) + 8 * len(TYPES) * len(RANKS)
    v = values(out)
    assert int(v["bytes_after_push"]) == expected == 32372
    assert int(v["peak_after_push"]) == expected
    assert int(v["bytes_after_pop"]) == 0


@pytest.mark.parametrize("flavour", ["default", "r8i8", "checked"])
def test_sections_elements_and_zero_size(build, flavour):
    out = build.run("t_sections", flavour).stdout
    assert_passed(out, 11)
    v = values(out)
    assert int(v["bytes_strided"]) == 4 * 8
    assert int(v["bytes_all"]) == (4 + 1 + 5 + 0 + 8) * 8 + 4 * 4 + 4 * 8


@pytest.mark.parametrize("flavour,block", [("default", None), ("r8i8", None), ("checked", "24")])
def test_look_cursor(build, flavour, block):
    env = {"FADJ_STACK_BLOCK": block} if block else {}
    assert_passed(build.run("t_look", flavour, **env).stdout, 11)


@pytest.mark.parametrize("flavour,expected", [("default", 72), ("r8i8", 144)])
def test_default_kinds_resolve(build, flavour, expected):
    v = values(build.run("t_default_kinds", flavour).stdout)
    assert v == {"bytes": str(expected), "ok": "T"}


def test_items_larger_than_a_block(build):
    v = values(build.run("t_blocks").stdout)
    nbig, nhuge, nscal = 9 * 131072 + 3, 5 * 1048576 + 1, 1500000
    total = 4 + 2 * 8 * nbig + 4 * nhuge + 4 * (nscal // 3) + 8 * (nscal - nscal // 3)
    assert int(v["bytes"]) == total
    assert int(v["peak"]) == total + 8 + 3 * 4
    assert int(v["bytes_end"]) == 0
    assert int(v["errors"]) == 0


@pytest.mark.parametrize("flavour,block,ram", [
    ("default", None, None),
    ("default", "40", None),          # every item split across blocks
    ("checked", "333", None),
    ("default", "5000", "20000"),     # spill files, with looks into spilled blocks
])
def test_random_operations_against_a_model(build, tmp_path, flavour, block, ram):
    env = {}
    if block:
        env["FADJ_STACK_BLOCK"] = block
    if ram:
        env.update(FADJ_STACK_RAM=ram, FADJ_STACK_DIR=str(tmp_path))
    v = values(build.run("t_random", flavour, cwd=tmp_path, **env).stdout)
    assert int(v["errors"]) == 0
    assert int(v["pops"]) > 5000 and int(v["looks"]) > 5000 and int(v["max_depth"]) > 1000
    assert list(tmp_path.iterdir()) == []


def test_pop_below_the_bottom_stops_with_a_message(build):
    proc = build.run("t_underflow", check=False)
    assert proc.returncode != 0
    assert proc.stdout.split() == ["before"]
    assert "fadj_stack: fadj_pop: popping more bytes than the stack holds" in proc.stderr


# ---------------------------------------------------------------- statistics


def test_byte_statistics_exact(build):
    out = build.run("t_stats").stdout
    rows = {k: [int(x) for x in v.split()] for k, v in values(out).items() if k != "fadj"}
    # label: bytes held, peak, bytes pushed, snapshot bytes, recomputations
    assert rows == {
        "start": [0, 0, 0, 0, 0],
        "two_pushes": [48, 48, 48, 0, 0],
        "one_pop": [8, 48, 48, 0, 0],
        "reset_peak": [8, 8, 48, 0, 0],
        "push_look": [24, 24, 64, 0, 0],
        "popped": [0, 24, 64, 0, 0],
        "stats_reset": [0, 0, 0, 0, 0],
        "open_snapshot": [812, 812, 812, 812, 0],
        "snapshots": [820, 820, 820, 812, 3],
        "all_popped": [0, 820, 820, 812, 3],
        "after_reset": [0, 0, 0, 0, 0],
    }
    assert "fadj stats" not in out  # FADJ_STATS not set


@pytest.mark.parametrize("setting,printed", [(None, False), ("0", False), ("1", True)])
def test_stats_report_only_with_FADJ_STATS_1(build, setting, printed):
    env = {"FADJ_STATS": setting} if setting is not None else {}
    out = build.run("t_stats", **env).stdout
    lines = [line for line in out.splitlines() if line.startswith("fadj stats")]
    if printed:
        assert lines == [
            "fadj stats [cost_b]: peak bytes 820, bytes pushed 820, snapshot bytes 812, forward recomputations 3",
            "fadj stats [second]: peak bytes 820, bytes pushed 1620, snapshot bytes 812, forward recomputations 3",
        ]
    else:
        assert lines == []


# ---------------------------------------------------------------- spilling


@pytest.mark.parametrize("ram", ["1M", "1048576", "1024k"])
def test_spill_to_disk(build, tmp_path, ram):
    spill = tmp_path / "spill"
    spill.mkdir()
    proc = build.run("t_spill", cwd=tmp_path, FADJ_STACK_RAM=ram, FADJ_STACK_DIR=str(spill))
    v = {k: int(x) for k, x in values(proc.stdout).items()}
    n = 131072 + 5
    assert v["errors"] == 0
    assert v["bytes"] == 48 * (8 * n + 4)                      # about 50 MB
    assert v["peak"] == 48 * (8 * n + 4) + 5 * 8 * n
    assert v["bytes_end"] == 0
    # 1 MiB cap -> 128 KiB blocks, at most 6 in use in RAM: the rest of the tape is on disk
    assert v["files_full"] >= (v["bytes"] - 2**20) // 2**17
    assert v["files_nested"] > v["files_full"]
    assert v["files_end"] == 0
    assert v["files_again"] > 0
    assert v["files_reset"] == 0
    assert list(spill.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir()] == ["spill"]


def test_no_spill_files_without_a_cap(build, tmp_path):
    proc = build.run("t_spill", cwd=tmp_path, FADJ_STACK_DIR=str(tmp_path))
    v = {k: int(x) for k, x in values(proc.stdout).items()}
    assert v["errors"] == 0
    assert v["files_full"] == v["files_nested"] == v["files_again"] == 0
    assert list(tmp_path.iterdir()) == []


def test_default_spill_directory_is_the_current_one(build, tmp_path):
    proc = build.run("t_look", cwd=tmp_path, FADJ_STACK_RAM="0", FADJ_STACK_BLOCK="16")
    assert_passed(proc.stdout, 11)
    assert list(tmp_path.iterdir()) == []  # all read back and deleted
    proc = build.run("t_spill", cwd=tmp_path, FADJ_STACK_RAM="1M")
    v = {k: int(x) for k, x in values(proc.stdout).items()}
    assert v["errors"] == 0 and v["files_full"] > 300 and v["files_end"] == 0
    assert list(tmp_path.iterdir()) == []


def test_bad_ram_setting_is_ignored_with_a_warning(build, tmp_path):
    proc = build.run("t_look", cwd=tmp_path, FADJ_STACK_RAM="lots", FADJ_STACK_BLOCK="16")
    assert_passed(proc.stdout, 11)
    assert "fadj_stack: ignoring FADJ_STACK_RAM=lots" in proc.stderr
    assert list(tmp_path.iterdir()) == []

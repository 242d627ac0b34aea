"""``fadj callgraph`` and ``fadj directives list`` on the bundled timestep_tree example.

Line numbers are looked up in the sources (the example may change), never hard-coded.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLES

TT = EXAMPLES / "timestep_tree"
SOURCES = ["tt_params.f90", "tt_kernels.f90", "tt_physics.f90", "tt_model.f90"]
HEAD = ["--head", "model_run", "--vars", "a0 b0 kap par", "--outvars", "cost"]


def fadj(*args: str, cwd: Path = TT) -> subprocess.CompletedProcess:
    """Run fadj as a user would; the timeout turns an endless recursion into a failure."""
    return subprocess.run([sys.executable, "-m", "fadj", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def line_of(path: Path, pattern: str, nth: int = 0) -> int:
    hits = [i for i, ln in enumerate(path.read_text().split("\n"), start=1) if re.search(pattern, ln)]
    return hits[nth]


def out_lines(r: subprocess.CompletedProcess) -> list[str]:
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


def has_line(lines: list[str], pattern: str) -> bool:
    return any(re.fullmatch(pattern, ln) for ln in lines)


def test_text_tree_from_the_head_shows_sites_activity_modes_and_loops():
    model, physics = TT / "tt_model.f90", TT / "tt_physics.f90"
    lines = out_lines(fadj("callgraph", *SOURCES, *HEAD))
    assert lines[0] == f"model_run  (head, tt_model.f90:{line_of(model, r'subroutine model_run')})"
    step = line_of(model, r"^\s*call step\(")
    adv1, adv2 = line_of(model, r"call advect\("), line_of(model, r"call advect\(", 1)
    ff1 = line_of(physics, r"call face_flux\(")
    grid = line_of(model, r"call grid_init\(")
    light = line_of(physics, r"light_factor\(")
    assert has_line(lines, rf"  tt_model\.f90:{grid}  model_run -> grid_init +inactive")
    assert has_line(lines, rf"  tt_model\.f90:{step}  model_run -> step +active  joint \(default\)  in do it")
    assert has_line(lines, rf"    tt_model\.f90:{adv1}  step -> advect +active  joint \(default\)")
    assert has_line(lines, rf"    tt_model\.f90:{adv2}  step -> advect +active  joint \(default\)"
                           rf"  \[calls of advect shown above\]")
    assert has_line(lines, rf"      tt_physics\.f90:{ff1}  advect -> face_flux +active  joint \(default\)  in do j,i")
    assert has_line(lines, rf"      tt_physics\.f90:{light}  react -> light_factor\(\) +inactive  in do j")
    assert has_line(lines, r"        tt_kernels\.f90:\d+  face_flux -> slope_va\(\) +active  joint \(default\)")
    # each site once (the second advect is not expanded again)
    assert sum("advect -> face_flux" in ln for ln in lines) == 2


def test_modes_follow_the_command_line_defaults():
    lines = out_lines(fadj("callgraph", *SOURCES, *HEAD, "--nocheckpoint-routines", "advect np_kernel"))
    advect = [ln for ln in lines if "step -> advect" in ln]
    assert len(advect) == 2 and all("split (--nocheckpoint-routines)" in ln for ln in advect)
    assert any("react -> np_kernel" in ln and "split (--nocheckpoint-routines)" in ln for ln in lines)
    assert any("step -> diffuse" in ln and "joint (default)" in ln for ln in lines)
    lines = out_lines(fadj("callgraph", *SOURCES, *HEAD, "--nocheckpoint"))
    active = [ln for ln in lines[1:] if "  active  " in ln]
    assert active and all("split (--nocheckpoint)" in ln for ln in active)
    assert all("split" not in ln for ln in lines[1:] if "inactive" in ln)


def test_without_head_every_root_and_no_activity():
    lines = out_lines(fadj("callgraph", *SOURCES))
    roots = [ln for ln in lines if ln and not ln.startswith(" ")]
    assert roots == [f"model_run  (root, tt_model.f90:{line_of(TT / 'tt_model.f90', r'subroutine model_run')})"]
    assert not any(re.search(r"\b(in)?active\b", ln) for ln in lines)
    assert any("model_run -> grid_init" in ln and "joint (default)" in ln for ln in lines)


DOT_EDGE = re.compile(r'  "([^"\\]+)" -> "([^"\\]+)" \[label="((?:[^"\\]|\\.)*)", ([^\]]*)\];')
DOT_NODE = re.compile(r'  "([^"\\]+)" \[label="((?:[^"\\]|\\.)*)"(, [^\]]*)?\];')


def test_dot_output_is_a_valid_digraph_with_one_edge_per_site():
    r = fadj("callgraph", *SOURCES, *HEAD, "--format", "dot")
    lines = out_lines(r)
    assert lines[0] == "digraph callgraph {" and lines[-1] == "}"
    nodes, edges = set(), []
    for ln in lines[1:-1]:
        if ln.startswith("  //") or re.fullmatch(r"  (node|edge) \[.*\];", ln):
            continue
        m = DOT_EDGE.fullmatch(ln)
        if m:
            edges.append(m.groups())
            continue
        m = DOT_NODE.fullmatch(ln)
        assert m, f"not a DOT node or edge statement: {ln!r}"
        nodes.add(m.group(1))
    assert all(a in nodes and b in nodes for a, b, _, _ in edges)
    step = line_of(TT / "tt_model.f90", r"call step\(")
    [e] = [e for e in edges if e[:2] == ("tt_model::model_run", "tt_model::step")]
    assert e[2] == f"tt_model.f90:{step}\\nactive joint (default) in do it" and 'color="blue3"' in e[3]
    grid = [e for e in edges if e[1] == "tt_params::grid_init"]
    assert len(grid) == 1 and "style=dashed" in grid[0][3] and "inactive" in grid[0][2]
    calls = out_lines(fadj("callgraph", *SOURCES, *HEAD))
    assert len(edges) == sum(" -> " in ln for ln in calls)       # every site, repeats included
    if shutil.which("dot"):
        p = subprocess.run(["dot", "-Tsvg"], input=r.stdout, capture_output=True, text=True, timeout=60)
        assert p.returncode == 0 and "<svg" in p.stdout, p.stderr


RECURSIVE = """recursive subroutine a(x, n)
  real(8) x
  integer n
  if (n > 0) then
    x = x*x
    call b(x, n - 1)
    call a(x, n - 1)
  end if
end
recursive subroutine b(x, n)
  real(8) x
  integer n
  call a(x, n)
  call ext(x)
end
subroutine p(x)
  real(8) x
  call q(x)
end
subroutine q(x)
  real(8) x
  call p(x)
end
"""


def test_recursion_terminates_and_is_marked(tmp_path):
    (tmp_path / "rec.f90").write_text(RECURSIVE)
    lines = out_lines(fadj("callgraph", "rec.f90", cwd=tmp_path))
    assert lines == [
        "a  (root, rec.f90:1)",
        "  rec.f90:6  a -> b       joint (recursive)",
        "    rec.f90:13  b -> a    joint (recursive)  [recursive]",
        "    rec.f90:14  b -> ext  no source",
        "  rec.f90:7  a -> a       joint (recursive)  [recursive]",
        "",
        "p  (root, rec.f90:16)",          # p and q call each other, nobody else calls them
        "  rec.f90:18  p -> q    joint (default)",
        "    rec.f90:22  q -> p  joint (default)  [recursive]",
    ]
    lines = out_lines(fadj("callgraph", "rec.f90", "--head", "a", "--external", "ext", cwd=tmp_path))
    assert "    rec.f90:14  b -> ext  active  joint (external)" in lines
    r = fadj("callgraph", "rec.f90", "--head", "a", "--format", "dot", "--external", "ext", cwd=tmp_path)
    assert '"a" -> "a"' in r.stdout and '"ext:ext" [label="ext\\n(external)", shape=ellipse' in r.stdout
    r = fadj("callgraph", "rec.f90", "--head", "a", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.startswith("rec.f90:14: error: call to routine 'ext'")


def test_directives_list_table():
    lines = out_lines(fadj("directives", "list", *SOURCES, *HEAD))
    assert lines[0].split() == ["LOCATION", "SITE", "DEPTH", "DIRECTIVE", "MODE"]
    model = TT / "tt_model.f90"
    loop, step = line_of(model, r"^\s*do it = 1, nsteps"), line_of(model, r"^\s*call step\(")
    assert has_line(lines, rf"tt_model\.f90:{loop} +model_run: do it +0 +- +taped \(default\)")
    assert has_line(lines, rf"tt_model\.f90:{step} +model_run -> step +0 +- +joint \(default\)")
    assert has_line(lines, r"tt_physics\.f90:\d+ +react -> light_factor\(\) +2 +- +passive \(inactive\)")


def test_directives_list_json_reflects_directives_set(tmp_path):
    work = tmp_path / "tt"
    shutil.copytree(TT, work)
    model = work / "tt_model.f90"
    loop, step = line_of(model, r"^\s*do it = 1, nsteps"), line_of(model, r"^\s*call step\(")
    adv2 = line_of(model, r"call advect\(", 1)
    r = fadj("directives", "set", f"tt_model.f90:{step}", "nocheckpoint", *SOURCES, cwd=work)
    assert r.stdout == f"tt_model.f90:{step}: nocheckpoint (was: none)\n", r.stderr
    r = fadj("directives", "set", f"tt_model.f90:{loop}", "binomial:3", *SOURCES, cwd=work)
    assert r.returncode == 0 and r.stdout.startswith(f"tt_model.f90:{loop}: binomial:3 (was: none)"), r.stderr
    # a region around the second advect (written by hand, as a user would)
    text = model.read_text().split("\n")
    adv2 += 2
    text[adv2 - 1:adv2] = ["    !$AD CHECKPOINT-START", text[adv2 - 1], "    !$AD CHECKPOINT-END"]
    model.write_text("\n".join(text))

    r = fadj("directives", "list", *SOURCES, *HEAD, "--json", cwd=work)
    assert r.returncode == 0, r.stderr
    items = json.loads(r.stdout)
    keys = {"file", "line", "kind", "routine", "callee", "site", "depth", "directive", "mode", "why", "active",
            "loops", "loop_var", "end_line"}
    assert all(set(it) == keys for it in items)
    [call] = [it for it in items if it["callee"] == "step"]
    assert call == {**call, "file": "tt_model.f90", "line": step + 2, "kind": "call", "routine": "model_run",
                    "depth": 0, "directive": "!$AD NOCHECKPOINT", "mode": "split", "why": "directive",
                    "active": True, "loops": ["it"]}
    [do] = [it for it in items if it["kind"] == "do" and it["loop_var"] == "it"]
    assert do["line"] == loop + 1 and do["directive"] == "!$AD BINOMIAL-CKP nsteps 3 1"
    assert do["mode"] == "binomial:3" and do["why"] == "directive"
    [region] = [it for it in items if it["kind"] == "region"]
    assert region["routine"] == "step" and region["line"] == adv2 and region["end_line"] == adv2 + 2
    assert region["depth"] == 1 and region["directive"] == "!$AD CHECKPOINT-START"
    inside = [it for it in items if it["callee"] == "advect"]
    assert [it["line"] for it in inside] == [adv2 - 1, adv2 + 1]
    kernels = [it for it in items if it["callee"] == "np_kernel"]
    assert len(kernels) == 1 and kernels[0]["depth"] == 2 and kernels[0]["loops"] == ["j", "i"]
    # the text tree shows the same modes
    lines = out_lines(fadj("callgraph", *SOURCES, *HEAD, cwd=work))
    assert has_line(lines, rf"  tt_model\.f90:{step + 2}  model_run -> step +active  split \(directive\)  in do it")


def test_callgraph_errors_are_one_line(tmp_path):
    r = fadj("callgraph", "nope.f90", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr == "nope.f90: error: no such file\n"
    r = fadj("callgraph", *SOURCES, "--vars", "a0")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--vars and --outvars need --head" in r.stderr
    r = fadj("directives", "list", *SOURCES, "--head", "nohead")
    assert r.returncode == 2 and "unknown head routine 'nohead'" in r.stderr and "Traceback" not in r.stderr


def test_every_command_has_help_with_an_example():
    for cmd in (["callgraph"], ["directives"], ["directives", "list"], ["directives", "set"],
                ["directives", "clear"]):
        r = fadj(*cmd, "--help")
        assert r.returncode == 0 and "example" in r.stdout and "fadj " + " ".join(cmd) in r.stdout, cmd

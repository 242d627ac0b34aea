"""``make bench``'s report (fadj/tools/bench.py): the table shows every figure, the SVG plot
has a point per strategy, and a quick run of one example writes both files."""
from __future__ import annotations

import re
import sys

import pytest

from fadj.tools.bench import Measure, plot, table


def _m(strategy, adj, peak):
    return Measure("ex", strategy, 1.0, adj, peak, 10, 5, 3, 1e-9, True, first_adjoint_s=adj * 1.2)


def test_table_has_every_figure():
    text = table([_m("default (joint)", 5.0, 100 * 2**20), _m("--nocheckpoint", 3.0, 400 * 2**20)])
    head, rule, *rows = text.splitlines()
    assert head.count("|") == rule.count("|") == rows[0].count("|")
    assert "| default (joint) | 1.000 | 5.000 | 5.00 | 6.000 | 100.0 MB |" in rows[0]
    assert rows[1].endswith("| PASS |")


def test_plot_is_an_svg_with_a_point_per_strategy(tmp_path):
    path = tmp_path / "b.svg"
    res = {"a": [_m("default (joint)", 5.0, 100 * 2**20), _m("--nocheckpoint", 3.0, 400 * 2**20)],
           "b": [_m("default (joint)", 2.0, 2 * 2**20)]}
    assert plot(res, path)
    svg = path.read_text()
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert len(re.findall(r"<circle ", svg)) == 3
    assert ">a</text>" in svg and ">b</text>" in svg


@pytest.mark.slow
def test_quick_bench_writes_the_report(tmp_path, gfortran):
    from fadj.tools.bench import main
    report = tmp_path / "B.md"
    rc = main(["--quick", "--examples", "burgers1d", "--out", str(tmp_path / "out"), "--report", str(report),
               "--no-tool"])
    assert rc == 0
    text = report.read_text()
    assert "## burgers1d" in text and "| --nocheckpoint |" in text and "PASS" in text
    assert (tmp_path / "BENCHMARKS.svg").is_file()


def test_synthetic_sources_differentiate(tmp_path):
    from fadj.api import differentiate
    from fadj.tools.bench_tool import synthetic_head, synthetic_module
    (tmp_path / "m0.f90").write_text(synthetic_module(0, routines=2, blocks=1))
    (tmp_path / "m1.f90").write_text(synthetic_module(1, routines=2, blocks=1))
    (tmp_path / "head.f90").write_text(synthetic_head("r1_1"))
    res = differentiate([str(tmp_path / n) for n in ("m0.f90", "m1.f90", "head.f90")], "head", "u v", "f",
                        outdir=tmp_path / "out", cache=False)
    assert "subroutine r0_0_b" in res.files["m0_b.f90"] and "subroutine head_b" in res.files["head_b.f90"]

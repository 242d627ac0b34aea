"""``make demo``: the demo differentiates, builds and checks a bundled example, with the output
folder given relative to where it runs (as the Makefile does), and prints its report."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import EXAMPLES


@pytest.mark.slow
def test_demo_runs_as_make_demo_does(tmp_path, gfortran):
    p = subprocess.run([sys.executable, "-m", "fadj.tools.demo", str(EXAMPLES / "nested_calls"), "demo_out"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "== checkpointing report:" in p.stdout
    assert "PASS" in p.stdout.splitlines()[-1]
    assert (tmp_path / "demo_out" / "libadjoint.a").is_file()

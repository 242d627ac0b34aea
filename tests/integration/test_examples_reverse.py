"""Every bundled example: differentiate in reverse mode, build with gfortran, and check the
gradient of its driver (written against DESIGN.md's conventions) against central finite
differences to 1e-6.  The drivers run with FADJ_DEBUG=1: every pop and look is checked against
its push, and every joint routine's stack height on exit (no false alarm on correct code)."""
from __future__ import annotations

import pytest

from fadj.tools.examples import all_examples, run_example
from tests.conftest import EXAMPLES

EXS = [e for e in all_examples(EXAMPLES) if e.driver]


@pytest.mark.parametrize("ex", EXS, ids=[e.name for e in EXS])
def test_example_gradient(ex, tmp_path, gfortran):
    r = run_example(ex, tmp_path / "out", env={"FADJ_DEBUG": "1"})
    assert r.passed, r.output[-3000:]
    assert r.max_rel_err < 1e-6

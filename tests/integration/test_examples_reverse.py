"""Every bundled example: differentiate in reverse mode, build with gfortran, and check the
gradient of its driver (written against DESIGN.md's conventions) against central finite
differences to 1e-6."""
from __future__ import annotations

import pytest

from fadj.tools.examples import all_examples, run_example
from tests.conftest import EXAMPLES

EXS = [e for e in all_examples(EXAMPLES) if e.driver]


@pytest.mark.parametrize("ex", EXS, ids=[e.name for e in EXS])
def test_example_gradient(ex, tmp_path, gfortran):
    r = run_example(ex, tmp_path / "out")
    assert r.passed, r.output[-3000:]
    assert r.max_rel_err < 1e-6

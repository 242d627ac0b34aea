"""One test per row of the README's Fortran coverage table (tests/coverage_cases.py):
supported constructs differentiate correctly (reverse mode vs central finite differences,
joint and split modes), unsupported ones stop with a one-line file:line error."""
from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT
from tests.coverage_cases import CASES
from tests.helpers import fd_check, run_cli

SUPPORTED = [c for c in CASES if c.status == "supported"]
ERRORS = [c for c in CASES if c.status == "error"]


def _id(c):
    return re.sub(r"[^a-z0-9]+", "-", c.row.lower()).strip("-")[:50]


@pytest.mark.slow
@pytest.mark.parametrize("case", SUPPORTED, ids=[_id(c) for c in SUPPORTED])
def test_supported_construct(case, tmp_path, gfortran):
    err = fd_check(tmp_path / "joint", case.source, suffix=case.suffix, module=case.module,
                   extra_sources=case.extra, externals=case.externals, init=case.inits, hrel=case.hrel, fflags=case.fflags)
    assert err < case.tol, err
    if case.split_too:
        err = fd_check(tmp_path / "split", case.source, suffix=case.suffix, module=case.module,
                       extra_sources=case.extra, externals=case.externals, init=case.inits,
                       args=("--nocheckpoint",), hrel=case.hrel, fflags=case.fflags)
        assert err < case.tol, err


@pytest.mark.parametrize("case", ERRORS, ids=[_id(c) for c in ERRORS])
def test_unsupported_construct_is_an_error(case, tmp_path):
    src = tmp_path / f"src{case.suffix}"
    src.write_text(case.source)
    p = run_cli("differentiate", src.name, "--head", "s", "--vars", "x", "--outvars", "f", cwd=tmp_path)
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and re.match(rf"{src.name}:\d+: error: ", lines[0]), p.stderr
    assert case.error in lines[0]


def test_readme_table_lists_every_row():
    text = (ROOT / "README.md").read_text()
    table = {}
    for m in re.finditer(r"^\| (.+?) \| (supported|error)[^|]*\|", text, re.M):
        table[m.group(1).strip()] = m.group(2)
    rows = {c.row: c.status for c in CASES}
    assert table == rows

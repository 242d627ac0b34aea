"""Shared fixtures: repository paths, gfortran availability, example runner."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "fortran_examples"


@pytest.fixture(scope="session")
def gfortran():
    if shutil.which("gfortran") is None:
        pytest.skip("gfortran is not installed (make test installs it)")
    return shutil.which("gfortran")


@pytest.fixture
def write(tmp_path):
    """Write a source file into tmp_path and return its path (as str)."""
    def _write(name: str, text: str) -> str:
        p = tmp_path / name
        p.write_text(text)
        return str(p)
    return _write

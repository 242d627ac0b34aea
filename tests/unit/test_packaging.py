"""pyproject.toml ships every package: an installed fadj once lacked fadj.ad.reverse (the
explicit ``packages`` list had not been updated), so ``pip install .`` gave a fadj that could
not import its reverse engine."""
from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _config():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_python_folder_is_a_listed_package():
    listed = set(_config()["packages"])
    folders = {p.parent for p in (ROOT / "fadj").rglob("*.py") if "__pycache__" not in p.parts}
    wanted = {".".join(f.relative_to(ROOT).parts) for f in folders}
    assert wanted <= listed, sorted(wanted - listed)


def test_every_template_folder_is_a_listed_package():
    listed = set(_config()["packages"])
    folders = {p.parent for p in (ROOT / "templates").rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    wanted = {".".join(("fadj",) + f.relative_to(ROOT).parts) for f in folders}
    assert wanted <= listed, sorted(wanted - listed)


def test_license_is_an_spdx_string():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert isinstance(project["license"], str)      # a table is deprecated (setuptools warns at every build)

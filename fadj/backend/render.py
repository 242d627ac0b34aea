"""The one Jinja2 environment that renders every file fadj emits.

Templates live in the top-level ``templates/`` folder, installed as the package
``fadj.templates``; this module finds them either way (installed wheel or a
source checkout).
"""
from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import jinja2


def templates_dir() -> Path:
    """Folder holding the templates (``fadj.templates`` package data)."""
    try:
        p = Path(str(resources.files("fadj.templates")))
        if p.is_dir():
            return p
    except (ModuleNotFoundError, TypeError):
        pass
    return Path(__file__).resolve().parents[2] / "templates"


@functools.lru_cache(maxsize=None)
def env() -> jinja2.Environment:
    e = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    return e


def render(template_name: str, /, **context) -> str:
    """Render template ``name`` (path relative to templates/)."""
    return env().get_template(template_name).render(**context)

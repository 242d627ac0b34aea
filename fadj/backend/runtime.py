"""The runtime sources that every differentiated build compiles and links.

Every ``templates/runtime/*.j2`` is rendered (output name: the template name
without ``.j2``) and every plain ``templates/runtime/*.f90`` is copied, so new
runtime pieces (e.g. ``fadj_revolve.f90.j2``) are picked up without code changes.
``fadj_stack_debug.f90`` and ``fadj_stack.f90`` come first in compile order: fadj_stack
uses fadj_stack_debug, the other runtime modules may use fadj_stack.
"""
from __future__ import annotations

from pathlib import Path

from fadj.backend.render import render, templates_dir

RUNTIME_DIR = "runtime"
FIRST = ("fadj_stack_debug.f90", "fadj_stack.f90")


def _compile_order(names) -> list[str]:
    return sorted(names, key=lambda n: (FIRST.index(n) if n in FIRST else len(FIRST), n))


def runtime_sources() -> dict[str, str]:
    """Return ``{file name: Fortran text}`` of the runtime, in compile order."""
    folder = templates_dir() / RUNTIME_DIR
    out: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        if path.name.endswith(".j2"):
            name = path.name[: -len(".j2")]
            text = render(f"{RUNTIME_DIR}/{path.name}")
        elif path.suffix == ".f90":
            name = path.name
            text = path.read_text()
        else:
            continue
        if name in out:
            raise RuntimeError(f"runtime file {name} comes from both {path.name} and another source")
        out[name] = text
    return {name: out[name] for name in _compile_order(out)}


def write_runtime(outdir) -> list[str]:
    """Write the runtime sources into ``outdir``; return their names in compile order.

    Files whose content is unchanged are not rewritten, so that ``make`` does not
    rebuild the runtime needlessly.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    sources = runtime_sources()
    for name, text in sources.items():
        target = outdir / name
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
    return list(sources)

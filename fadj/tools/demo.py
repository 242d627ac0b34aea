"""``make demo``: differentiate a bundled example, build it, verify the gradient, report.

    python -m fadj.tools.demo fortran_examples/nested_calls demo_out
"""
from __future__ import annotations

import sys
from pathlib import Path

from fadj.errors import FadjError
from fadj.tools.examples import compile_driver, load_example, build_example, run_driver


def main(argv: list[str]) -> int:
    ex = load_example(argv[0] if argv else "fortran_examples/nested_calls")
    out = Path(argv[1] if len(argv) > 1 else "demo_out")
    print(f"== fadj demo: {ex.name}: {ex.description}")
    print(f"== differentiate {' '.join(ex.sources)} --head {ex.head} --vars \"{' '.join(ex.vars)}\" "
          f"--outvars \"{' '.join(ex.outvars)}\" -o {out}")
    try:
        res = build_example(ex, out)
    except FadjError as e:
        print(e.format(), file=sys.stderr)
        return 2
    print(f"== generated: {', '.join(res.files)}; built {out}/libadjoint.a with gfortran")
    exe = compile_driver(ex, out)
    r = run_driver(exe, env={"FADJ_STATS": "1"})
    print("== gradient check (driver against central finite differences):")
    for line in r.output.splitlines():
        if line.startswith("fadj stats") or "fadj-driver" in line:
            continue
        print("   " + line)
    print("== checkpointing report:")
    _report(res, r.output)
    print(f"== result: max relative error {r.max_rel_err:.3e}: {'PASS' if r.passed else 'FAIL'}")
    return 0 if r.passed else 1


def _report(res, output: str) -> None:
    ctx = res.ctx
    for r in ctx.routines:
        for site in ctx.cg.sites.get(r, []):
            if site.callee is None or not ctx.site_active(site):
                continue
            d = ctx.decision(site)
            print(f"   {site.loc}: {r.name} -> {site.name}: {d.mode} ({d.why})")
    for line in output.splitlines():
        if line.startswith("fadj stats"):
            print("   " + line)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

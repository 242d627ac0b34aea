"""Mutation check of the derivative rules and engines (``make mutate``; not part of CI).

Each mutant is one deliberate bug: a textual change of one snippet of fadj (the rule table, the
reverse and tangent engines, the runtime).  For each, a copy of the repository gets the change
and the mutation suite runs on it, stopping at the first failing test; a mutant is *killed*
when a test fails, and *survives* when none does (then a test is missing).  The report lists
every mutant with the test that killed it.

    python -m tests.mutate [--only ID ...] [--list] [--out mutate_out]

A snippet that no longer occurs exactly once is an error: the list follows the code.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: run in this order with -x: the fast, targeted tests first
SUITE = [
    "tests/integration/test_rules.py",
    "tests/integration/test_nan_fails.py",
    "tests/integration/test_control_flow.py",
    "tests/integration/test_coverage.py",
    "tests/integration/test_tangent.py",
    "tests/integration/test_checkpointing.py",
    "tests/integration/test_fresh.py",
    "tests/integration/test_recompute.py",
    "tests/integration/test_io_save.py",
    "tests/integration/test_examples_reverse.py",
    "tests/integration/test_check.py",
    "tests/integration/test_revolve_runtime.py",
]


@dataclass(frozen=True)
class Mutant:
    id: str
    path: str
    old: str
    new: str
    what: str


T = "fadj/rules/table.py"
M: list[Mutant] = []


def mutant(id_, path, old, new, what):
    M.append(Mutant(id_, path, old, new, what))


# ---------------------------------------------------------------- the rule table, entry by entry
for id_, old, new, what in [
    ("sin", '"sin": _u("cos(x)")', '"sin": _u("-cos(x)")', "sin' sign"),
    ("cos", '"cos": _u("-sin(x)")', '"cos": _u("sin(x)")', "cos' sign"),
    ("tan", '"tan": _u("1.0_K + tan(x)**2")', '"tan": _u("1.0_K + tan(x)")', "tan' square dropped"),
    ("exp", '"exp": _u("exp(x)")', '"exp": _u("exp(x)*1.0001_K")', "exp' off by 1e-4"),
    ("log", '"log": _u("1.0_K/x")', '"log": _u("1.0_K/x**2")', "log' power"),
    ("log10", '"log10": _u("1.0_K/(x*log(10.0_K))")', '"log10": _u("1.0_K/(x*log(2.0_K))")', "log10' base"),
    ("sqrt", '"sqrt": _u("0.5_K/sqrt(x)"', '"sqrt": _u("1.0_K/sqrt(x)"', "sqrt' factor"),
    ("sqrt-guard", 'guard="x == 0.0_K"', 'guard=None', "sqrt guard removed (sqrt'(0) = Inf)"),
    ("abs-0", '"abs": _u("merge(1.0_K, -1.0_K, x >= 0.0_K)")', '"abs": _u("merge(1.0_K, -1.0_K, x > 0.0_K)")',
     "abs'(0) = -1"),
    ("abs-signed-zero", '"abs": _u("merge(1.0_K, -1.0_K, x >= 0.0_K)")', '"abs": _u("sign(1.0_K, x)")',
     "abs'(-0.0) = -1"),
    ("tanh", '"tanh": _u("1.0_K - tanh(x)**2")', '"tanh": _u("1.0_K + tanh(x)**2")', "tanh' sign"),
    ("atan", '"atan": _u("1.0_K/(1.0_K + x**2)")', '"atan": _u("1.0_K/(1.0_K - x**2)")', "atan' sign"),
    ("asin", '"asin": _u("1.0_K/sqrt(1.0_K - x**2)")', '"asin": _u("1.0_K/sqrt(1.0_K + x**2)")', "asin' sign"),
    ("acos", '"acos": _u("-(1.0_K/sqrt(1.0_K - x**2))")', '"acos": _u("1.0_K/sqrt(1.0_K - x**2)")', "acos' sign"),
    ("sinh", '"sinh": _u("cosh(x)")', '"sinh": _u("sinh(x)")', "sinh' = sinh"),
    ("cosh", '"cosh": _u("sinh(x)")', '"cosh": _u("cosh(x)")', "cosh' = cosh"),
    ("asinh", '"asinh": _u("1.0_K/sqrt(x**2 + 1.0_K)")', '"asinh": _u("1.0_K/sqrt(x**2 + 2.0_K)")', "asinh'"),
    ("acosh", '"acosh": _u("1.0_K/sqrt(x**2 - 1.0_K)")', '"acosh": _u("1.0_K/sqrt(x**2 - 0.5_K)")', "acosh'"),
    ("atanh", '"atanh": _u("1.0_K/(1.0_K - x**2)")', '"atanh": _u("1.0_K/(1.0_K + x**2)")', "atanh' sign"),
    ("erf", '"erf": _u("2.0_K/sqrt(acos(-1.0_K))*exp(-x**2)")', '"erf": _u("2.0_K/acos(-1.0_K)*exp(-x**2)")',
     "erf' factor"),
    ("erfc", '"erfc": _u("-(2.0_K/sqrt(acos(-1.0_K))*exp(-x**2))")',
     '"erfc": _u("2.0_K/sqrt(acos(-1.0_K))*exp(-x**2)")', "erfc' sign"),
    ("dble", '"dble": _u("1.0_K")', '"dble": _u("2.0_K")', "dble' = 2"),
    ("real", '"real": Rule(("x", "kind"), {"x": "1.0_K"', '"real": Rule(("x", "kind"), {"x": "0.5_K"', "real' = 1/2"),
    ("sngl", '"sngl": _u("1.0_K")', '"sngl": _u("2.0_K")', "sngl' = 2"),
    ("aint", '"aint": Rule(("x", "kind"), {"x": ZERO', '"aint": Rule(("x", "kind"), {"x": "1.0_K"',
     "aint' = 1"),
    ("atan2-y", '{"y": "x/(x**2 + y**2)"', '{"y": "-x/(x**2 + y**2)"', "atan2 d/dy sign"),
    ("atan2-x", '"x": "-(y/(x**2 + y**2))"}', '"x": "y/(x**2 + y**2)"}', "atan2 d/dx sign"),
    ("atan2-guard", 'guards={"y": _ORIGIN, "x": _ORIGIN}', 'guards={}', "atan2 at the origin: 0/0"),
    ("sign-a", '"a": "merge(1.0_K, -1.0_K, a >= 0.0_K)*sign(1.0_K, b)"', '"a": "sign(1.0_K, b)"',
     "sign: abs'(a) factor dropped"),
    ("sign-b", '"a": "merge(1.0_K, -1.0_K, a >= 0.0_K)*sign(1.0_K, b)", "b": ZERO',
     '"a": "merge(1.0_K, -1.0_K, a >= 0.0_K)*sign(1.0_K, b)", "b": "1.0_K"', "sign d/db = 1"),
    ("mod-p", '"p": "-aint(a/p)"}', '"p": "-floor(a/p)"}', "mod d/dp: floor for aint"),
    ("mod-a", '"mod": Rule(("a", "p"), {"a": "1.0_K"', '"mod": Rule(("a", "p"), {"a": "0.0_K"', "mod d/da = 0"),
    ("modulo-p", '"p": "-floor(a/p)"}', '"p": "-aint(a/p)"}', "modulo d/dp: aint for floor"),
    ("dim-tie", '"x": "merge(1.0_K, 0.0_K, x > y)"', '"x": "merge(1.0_K, 0.0_K, x >= y)"', "dim tie: d/dx = 1"),
    ("dim-y", '"y": "merge(-1.0_K, 0.0_K, x > y)"', '"y": "merge(1.0_K, 0.0_K, x > y)"', "dim d/dy sign"),
    ("min-tie", '"a": "merge(1.0_K, 0.0_K, a <= b)", "b": "merge(0.0_K, 1.0_K, a <= b)"',
     '"a": "merge(1.0_K, 0.0_K, a < b)", "b": "merge(0.0_K, 1.0_K, a < b)"', "min tie to the second argument"),
    ("max-tie", '"a": "merge(1.0_K, 0.0_K, a >= b)", "b": "merge(0.0_K, 1.0_K, a >= b)"',
     '"a": "merge(1.0_K, 0.0_K, a > b)", "b": "merge(0.0_K, 1.0_K, a > b)"', "max tie to the second argument"),
    ("max-b", '"b": "merge(0.0_K, 1.0_K, a >= b)"}', '"b": "merge(0.0_K, 0.5_K, a >= b)"}', "max d/db halved"),
    ("hypot", '{"x": "x/hypot(x, y)", "y": "y/hypot(x, y)"}', '{"x": "y/hypot(x, y)", "y": "x/hypot(x, y)"}',
     "hypot partials swapped"),
    ("hypot-guard", 'guards={"x": _ORIGIN, "y": _ORIGIN}', 'guards={}', "hypot at the origin: 0/0"),
    ("merge", '{"tsource": "merge(1.0_K, 0.0_K, mask)", "fsource": "merge(0.0_K, 1.0_K, mask)"',
     '{"tsource": "merge(0.0_K, 1.0_K, mask)", "fsource": "merge(1.0_K, 0.0_K, mask)"', "merge branches swapped"),
    ("sum-mask", '"sum": Rule(("array", "mask"), {"array": "merge(1.0_K, 0.0_K, mask)"',
     '"sum": Rule(("array", "mask"), {"array": "1.0_K"', "sum: mask ignored"),
    ("product", '"product": Rule(("array",), {"array": "merge(product(array)/array,',
     '"product": Rule(("array",), {"array": "merge(product(array)/array/2,', "product' halved"),
    ("product-zero", 'merge(product(array, mask=array /= 0.0_K), "\n                                          '
     '"0.0_K, count(array == 0.0_K) == 1)', 'merge(0.0_K, "\n                                          '
     '"0.0_K, count(array == 0.0_K) == 1)', "product' at a single zero = 0"),
    ("dot_product", '{"vector_a": "vector_b", "vector_b": "vector_a"}', '{"vector_a": "vector_a", "vector_b": "vector_a"}',
     "dot_product d/da = a"),
    ("maxval-tie", '"array": "merge(1.0_K, 0.0_K, array == maxval(array))/count(array == maxval(array))"',
     '"array": "merge(1.0_K, 0.0_K, array == maxval(array))"', "maxval tie counted twice"),
    ("minval", '"array": "merge(1.0_K, 0.0_K, array == minval(array))/count(array == minval(array))"',
     '"array": "merge(1.0_K, 0.0_K, array == maxval(array))/count(array == maxval(array))"', "minval' at max"),
    ("norm2", '"norm2": Rule(("x",), {"x": "x/norm2(x)"}', '"norm2": Rule(("x",), {"x": "x*norm2(x)"}', "norm2'"),
    ("norm2-guard", 'guards={"x": "norm2(x) == 0.0_K"}', 'guards={}', "norm2 at 0: 0/0"),
    ("add", '"+": Rule(("a", "b"), {"a": "1", "b": "1"})', '"+": Rule(("a", "b"), {"a": "1", "b": "2"})', "+ d/db = 2"),
    ("sub", '"-": Rule(("a", "b"), {"a": "1", "b": "-1"})', '"-": Rule(("a", "b"), {"a": "1", "b": "1"})', "- d/db = +1"),
    ("mul", '"*": Rule(("a", "b"), {"a": "b", "b": "a"})', '"*": Rule(("a", "b"), {"a": "a", "b": "a"})', "* d/da = a"),
    ("div", '"b": "-(a/b/b)"}', '"b": "-(a/b)"}', "/ d/db"),
    ("pow-a", '"a": "b*a**(b - 1)"', '"a": "b*a**b"', "** d/da exponent"),
    ("pow-b", '"b": "a**b*log(a)"}', '"b": "0.5_K*a**b*log(a)"}', "** d/db halved (the issue's mutant)"),
    ("pow-guard", 'guards={"b": "a <= 0.0_K"}', 'guards={}', "** d/db at a = 0: 0*log(0)"),
    ("transpose", '{"matrix": "transpose(SEED)"}', '{"matrix": "transpose(SEED)*2"}', "transpose adjoint doubled"),
    ("reshape", '{"source": "reshape(SEED, shape(source))"}', '{"source": "reshape(SEED, shape(source))*2"}',
     "reshape adjoint doubled"),
    ("spread", '{"source": "sum(SEED, dim=dim)"}', '{"source": "sum(SEED, dim=dim)/2"}', "spread adjoint halved"),
    ("cshift", '"cshift(SEED, -shift, dim)"', '"cshift(SEED, shift, dim)"', "cshift adjoint shifted the wrong way"),
    ("eoshift", '"eoshift(SEED, -shift, dim=dim)"', '"eoshift(SEED, shift, dim=dim)"', "eoshift adjoint direction"),
    ("matmul22", '"matmul(SEED, transpose(matrix_b))"', '"matmul(SEED, matrix_b)"', "matmul d/da untransposed"),
    ("matmul21", '"matrix_b": "matmul(SEED, matrix_a)"', '"matrix_b": "matmul(SEED, matrix_a)*2"',
     "matmul(A, v) d/dv doubled"),
    ("matmul12", '"matrix_a": "matmul(matrix_b, SEED)"', '"matrix_a": "matmul(matrix_b, SEED)*2"',
     "matmul(v, A) d/dv doubled"),
    ("sum_dim", '"spread(SEED, dim, size(array, dim))"}', '"spread(SEED, dim, size(array, dim))*2"}',
     "sum(dim) adjoint doubled"),
]:
    mutant(f"rule-{id_}", T, old, new, what)

# ---------------------------------------------------------------- partial derivatives (both modes)
P = "fadj/rules/partials.py"
mutant("partials-merge-refs", P, "                    acc[node] = B.add(old, new)", "                    acc[node] = new",
       "identical references: only the last path counts")
mutant("partials-neg", P, "self._rec(node.operand, B.neg(factor if factor is not None else B.ONE), acc, order)",
       "self._rec(node.operand, factor, acc, order)", "reverse: unary minus ignored")
mutant("partials-nary", P, "self._apply(rule, {rule.args[0]: inner, rule.args[1]: pos[-1]}, node, factor, acc, order)",
       "self._apply(rule, {rule.args[0]: pos[-1], rule.args[1]: inner}, node, factor, acc, order)",
       "reverse: min(a, b, c) folded as min(c, min(a, b)) (ties)")
mutant("partials-guard", P, "                    p = E.Call(\"merge\", (E.RealLit(f\"0.0_{kind}\"), p, g))",
       "                    pass", "reverse: guards ignored")
mutant("partials-reduction-in-array", P, "            factor = E.Call(\"sum\", (_seeded(factor if factor is not None else B.ONE),))",
       "            pass", "reverse: reduction inside an array expression not summed")
TG = "fadj/ad/tangent.py"
mutant("tangent-neg", TG, "                return B.neg(d) if d is not None else None", "                return d",
       "tangent: unary minus ignored")
mutant("tangent-guard", TG, "                    p = E.Call(\"merge\", (E.RealLit(f\"0.0_{kind}\"), p, g))",
       "                    pass", "tangent: guards ignored")
mutant("tangent-nary", TG, "return self.chain(rule, {rule.args[0]: inner, rule.args[1]: pos[-1]}, e, reduce=False)",
       "return self.chain(rule, {rule.args[0]: pos[-1], rule.args[1]: inner}, e, reduce=False)",
       "tangent: min(a, b, c) folded the other way (ties)")

# ---------------------------------------------------------------- reverse engine
A = "fadj/ad/reverse/assign.py"
mutant("rev-reset", A, "                out.append(self.increment(r_, p, vb, rank))\n            out.append(S.Assign(vb, zero))",
       "                out.append(self.increment(r_, p, vb, rank))", "adjoint of the left-hand side not reset")
mutant("rev-tbr", A, "        if lhs_id in self.pushed(st, sw):\n            fwd.append(push(st.lhs))",
       "        if False:\n            fwd.append(push(st.lhs))", "overwritten values never saved (TBR)")
mutant("rev-self", A, "            if not B.is_one(self_refs[0]):\n                out.append(S.Assign(vb, B.mul(self_refs[0], vb)))",
       "            if False:\n                out.append(S.Assign(vb, B.mul(self_refs[0], vb)))", "v = f(v): dv/dv dropped")
mutant("rev-increment", A, "        return S.Assign(rb, B.add(rb, inc))", "        return S.Assign(rb, inc)",
       "adjoints overwritten instead of incremented")
mutant("rev-where-reset", A, "            out.append(S.Where([(mask, [S.Assign(vb, zero)])], None))", "",
       "WHERE: masked adjoint not reset")
C = "fadj/ad/reverse/control.py"
mutant("rev-do-bounds", C, "            bwd.append(S.Do(st.var, last, st.start, B.neg(step), bbody, loc=st.loc))",
       "            bwd.append(S.Do(st.var, last, B.add(st.start, B.ONE), B.neg(step), bbody, loc=st.loc))",
       "reversed DO loop misses its first iteration")
mutant("rev-do-exit", C, "            last = B.add(frm, B.mul(E.Paren(B.sub(cnt, B.ONE)), step))",
       "            last = B.add(frm, B.mul(cnt, step))", "loop left by EXIT: one iteration too many reversed")
mutant("rev-dowhile", C, "        bwd = [pop(cnt), S.Do(it.name, B.ONE, cnt, None, bbody, loc=st.loc)]",
       "        bwd = [pop(cnt), S.Do(it.name, B.ONE, B.sub(cnt, B.ONE), None, bbody, loc=st.loc)]",
       "DO WHILE: one iteration too few reversed")
mutant("rev-if-branch", C, "fb.append((c, f + [push(E.IntLit(str(k)))]))", "fb.append((c, f + [push(E.IntLit(str(k + 1)))]))",
       "IF: the forward sweep records the wrong branch")
mutant("rev-select-branch", C, "cases = [(sel, f + [push(E.IntLit(str(k)))]) for k,",
       "cases = [(sel, f + [push(E.IntLit(str(k % 2 + 1)))]) for k,", "SELECT CASE: the wrong case recorded")
CA = "fadj/ad/reverse/calls.py"
mutant("rev-joint-restore", CA, "            bwd = [look(x) for x in reversed(refs)]", "            bwd = []",
       "joint call: snapshot not restored before the callee's adjoint")
mutant("rev-joint-pop", CA, "            bwd += pre + [_call(name, *adj_args)] + post + [pop(x) for x in reversed(refs)]",
       "            bwd += pre + [_call(name, *adj_args)] + post + [look(x) for x in reversed(refs)]",
       "joint call: snapshot left on the stack (looked at, not popped)")

# ---------------------------------------------------------------- runtime
RV = "templates/runtime/fadj_revolve.f90.j2"
mutant("revolve-snaps", RV, "j = advance_length(rv%fine - rv%capo, rv%nsnaps - rv%nheld + 1)",
       "j = advance_length(rv%fine - rv%capo, rv%nsnaps - rv%nheld)", "binomial schedule: one snapshot fewer")


def check_list(root: Path = ROOT) -> list[str]:
    """Problems with the list: snippets that do not occur exactly once."""
    bad = []
    for mu in M:
        n = (root / mu.path).read_text().count(mu.old)
        if n != 1:
            bad.append(f"{mu.id}: snippet occurs {n} times in {mu.path}")
    return bad


# ---------------------------------------------------------------- running


def make_copy(dst: Path) -> None:
    if dst.exists():
        shutil.rmtree(dst)
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for f in files:
        src = ROOT / f
        if src.is_file():
            (dst / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / f)
    # fadj.templates resolves inside the copy (the editable install maps it to the original)
    (dst / "fadj" / "templates").symlink_to("../templates")


def run_suite(copy: Path, timeout: float) -> tuple[str, str, float]:
    """('killed', test) or ('survived', ''), and the seconds it took."""
    env = dict(os.environ, PYTHONPATH=str(copy), PYTHONDONTWRITEBYTECODE="1")
    t0 = time.time()
    try:
        p = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-n", "2", "-p", "no:cacheprovider", *SUITE],
                           cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "killed", "(timeout)", time.time() - t0
    dt = time.time() - t0
    if p.returncode == 0:
        return "survived", "", dt
    m = re.search(r"^(?:FAILED|ERROR) (\S+)", p.stdout, re.M)
    return "killed", m.group(1) if m else f"(pytest exit {p.returncode})", dt


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="*", help="mutant ids to run")
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    ap.add_argument("--out", default="mutate_out")
    ap.add_argument("--timeout", type=float, default=1800)
    a = ap.parse_args(argv)
    bad = check_list()
    if bad:
        print("\n".join(bad), file=sys.stderr)
        return 2
    chosen = [mu for mu in M if not a.only or mu.id in a.only]
    if a.list:
        for mu in chosen:
            print(f"{mu.id:32s} {mu.path:32s} {mu.what}")
        return 0
    out = Path(a.out).resolve()
    copy = out / "tree"
    out.mkdir(parents=True, exist_ok=True)
    make_copy(copy)
    probe = subprocess.run([sys.executable, "-c", "import fadj, fadj.backend.render as r; print(fadj.__file__, "
                            "r.templates_dir())"], env=dict(os.environ, PYTHONPATH=str(copy)), capture_output=True,
                           text=True, cwd=copy)
    if str(copy) not in probe.stdout.split()[0] or str(copy) not in probe.stdout.split()[1].replace("/fadj/templates",
                                                                                                     "/templates"):
        print(f"the copy is not the fadj that runs: {probe.stdout}{probe.stderr}", file=sys.stderr)
        return 2
    status, test, dt = run_suite(copy, a.timeout)
    if status != "survived":
        print(f"the unmutated tree fails the suite ({test}): fix that first", file=sys.stderr)
        return 2
    print(f"baseline: the suite passes in {dt:.0f} s")
    rows = []
    for mu in chosen:
        f = copy / mu.path
        original = f.read_text()
        f.write_text(original.replace(mu.old, mu.new, 1))
        try:
            status, test, dt = run_suite(copy, a.timeout)
        finally:
            f.write_text(original)
        rows.append((mu, status, test, dt))
        print(f"{mu.id:32s} {status:8s} {dt:6.0f} s  {test}", flush=True)
    lines = ["| mutant | file | change | result | caught by |", "|---|---|---|---|---|"]
    for mu, status, test, dt in rows:
        lines.append(f"| {mu.id} | {mu.path} | {mu.what} | {status} | {test} |")
    survived = [r for r in rows if r[1] == "survived"]
    lines.append("")
    lines.append(f"{len(rows) - len(survived)} of {len(rows)} mutants killed; survivors: "
                 f"{', '.join(r[0].id for r in survived) or 'none'}")
    (out / "report.md").write_text("\n".join(lines) + "\n")
    print(lines[-1])
    print(f"report: {out / 'report.md'}")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())

"""``fadj check``: validate the generated derivatives of a head routine, built in.

    fadj check SRC... --head H --vars ... --outvars ... [--mode both] [--size n=40] [--seed N]
                      [--init NAME] [--range NAME=LO:HI] [--tol 1e-6] [-o OUTDIR] [--no-generate]

Differentiates the head (tangent, reverse, or both into one library), builds
it with the generated Makefile, writes a Fortran driver derived from the
head's signature (``OUTDIR/check_driver.f90``, from the template
``check_driver.f90.j2``, kept for the user to adapt), compiles and runs it.

Driver inputs (the user-facing conventions, also in the driver's header):

* array extents come from the declarations: constants and PARAMETERs, and
  integer arguments given with ``--size n=40``; an assumed-shape or
  assumed-size array takes ``--size x=40`` (``x=4x5`` for rank 2);
* integer and logical arguments take their value from ``--size`` too
  (``--size nsteps=10 flag=true``; for an integer array every element);
* real arguments get deterministic pseudo-random values, uniform in
  [0.5, 1.5] by default (so that sqrt, log, 1/x stay defined), or in
  ``--range NAME=LO:HI``, from a generator seeded with ``--seed``;
* ``--init NAME``: a subroutine from the user's sources with the head's
  argument list, called after the values above are set, that may overwrite
  any of them (connectivity arrays, consistent states...).  Integer arguments
  that size arrays must still be given with ``--size``.

Tests the driver runs (see the template for the exact formulas):

* the primal outputs returned by ``H_d`` / ``H_b`` equal those of ``H``, and
  ``H_b`` leaves the adjoints of pure outputs at zero;
* finite differences, for ``ndir`` random directions ``xd``: the tangent
  ``J xd`` and the adjoint ``<xd, J^T yb>`` (random ``yb``) against central
  differences of the primal.  The step: central differences are taken for
  h = 1e-2 ... 1e-9 (relative to each input's magnitude; 1e-1 ... 1e-6 when an
  input or output is single precision, see ``fd_steps``), and the estimate
  used is the one that agrees best with both its neighbours (the most stable:
  truncation error falls and rounding error grows as h shrinks).  The AD value
  plays no part in choosing the step;
* with both modes, the dot-product test ``<J xd, yb> = <xd, J^T yb>``, which
  holds to rounding error independently of finite differences (1e-10).

When a test fails, the driver repeats the tests for every (input variable,
output variable) pair, with the direction restricted to one input and the
output projected on one output, and names the pair that disagrees most.
"""
from __future__ import annotations

import math
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from fadj import __version__
from fadj.ad.plan import CheckpointOptions
from fadj.analysis.effects import is_global_id, var_id
from fadj.backend.build import run_make
from fadj.backend.render import render
from fadj.errors import NOWHERE, BuildError, CheckFailed, FadjError, Loc, NameErr, UnsupportedError
from fadj.ir import expr as E
from fadj.ir.consts import NotConstant, evaluate
from fadj.ir.program import Routine
from fadj.tools.crash import analyse, describe
from fadj.tools.fortran_numbers import fortran_float

DRIVER = "check_driver.f90"
DEFAULT_RANGE = (0.5, 1.5)


def fd_steps(eps: float) -> list[float]:
    """Finite-difference steps tried (relative to each input's magnitude), largest first.

    Powers of ten around the optimal central-difference step eps**(1/3), from a thousand
    times larger to ten thousand times smaller (at most 0.1): 1e-2 ... 1e-9 in double
    precision, 1e-1 ... 1e-6 in single precision.  The driver uses the estimate that
    agrees best with both neighbours, so the candidates are the inner steps.
    """
    c = round(math.log10(eps ** (1.0 / 3.0)))
    return [10.0 ** k for k in range(min(c + 3, -1), c - 5, -1)]

#: machine epsilon per real kind, for the dot-product tolerance
_EPS = {4: 2.0 ** -23, 8: 2.0 ** -52, 10: 2.0 ** -63, 16: 2.0 ** -112}
_RESULT = re.compile(r"^fadj-check: (PASS|FAIL)\b", re.M)
_WORST = re.compile(r"^fadj-check: worst pair: input (\S+) output (\S+) test (\S+) rel_err=\s*(\S+)", re.M)


@dataclass
class CheckOptions:
    sources: list[str]
    head: str
    vars: str | list[str] | None = None
    outvars: str | list[str] | None = None
    mode: str = "both"
    outdir: str | Path = "fadj_check"
    sizes: list[str] = field(default_factory=list)        # NAME=VALUE
    ranges: list[str] = field(default_factory=list)       # NAME=LO:HI
    seed: int = 1
    init: str | None = None
    tol: float | None = None       # default: 1e-6, or 1e-3 when an input or output is single precision
    ndir: int = 3
    checkpoint: CheckpointOptions = field(default_factory=CheckpointOptions)
    link: list[str] = field(default_factory=list)         # extra sources/objects for the driver build
    generate: bool = True
    fflags: str = "-O2"
    timeout: float = 1800
    values: list[str] = field(default_factory=list)       # NAME=TEXT (character arguments)
    debug: bool = False            # -g -fcheck=all builds, FADJ_DEBUG=1, crashes traced to the source
    source: object = None          # fadj.frontend.options.SourceOptions: -D/-I/--cpp/--fflags of the sources


@dataclass
class CheckReport:
    outdir: Path
    driver: Path
    output: str
    passed: bool
    worst: tuple[str, str, str, float] | None = None     # (input, output, test, rel_err)

    def summary(self) -> str:
        if self.passed:
            return f"fadj: all derivative checks passed (driver: {self.driver})"
        if self.worst is not None:
            i, o, t, e = self.worst
            return (f"derivative check failed: the {t} derivative of output '{o}' with respect to input '{i}' "
                    f"disagrees most (relative error {e:.2e}); driver: {self.driver}")
        return f"derivative check failed (driver: {self.driver})"


# ----------------------------------------------------------------------------------------
# the driver's description of the head's arguments

@dataclass
class DArg:
    """One argument of the head (or its function result) as the driver declares and fills it."""

    dummy: str                    # name in the head (reports use it)
    name: str                     # driver variable holding the value
    base: str                     # real | integer | logical | character
    kind: int
    dims: list[tuple[int, int]]   # (lower, upper) bounds; empty for a scalar
    fill: str = "zero"            # random | value | zero
    value: str = "0"              # Fortran literal for fill == value
    lo: float = DEFAULT_RANGE[0]
    hi: float = DEFAULT_RANGE[1]
    active: bool = False          # followed by its derivative in H_d / H_b
    save: str = ""
    dname: str = ""
    bname: str = ""
    sizes_arrays: bool = False    # an integer argument that dimensions arrays
    is_result: bool = False
    clen: int = 1                 # character length

    @property
    def size(self) -> int:
        n = 1
        for lo, hi in self.dims:
            n *= max(hi - lo + 1, 0)
        return n

    @property
    def rank(self) -> int:
        return len(self.dims)


@dataclass
class Block:
    """A variable's place in the driver's flat vectors of inputs or outputs."""

    arg: DArg
    first: int      # 1-based
    last: int

    @property
    def label(self) -> str:
        return self.arg.dummy


def parse_assignments(items: list[str], what: str) -> dict[str, str]:
    """``["n=40", "m=3"]`` -> ``{"n": "40", "m": "3"}`` (names lower-case)."""
    out: dict[str, str] = {}
    for item in items:
        for part in item.replace(",", " ").split():
            if "=" not in part:
                raise FadjError(NOWHERE, f"{what} '{part}': expected NAME=VALUE")
            k, v = part.split("=", 1)
            k = k.strip().lower()
            if not k.isidentifier() or not v.strip():
                raise FadjError(NOWHERE, f"{what} '{part}': expected NAME=VALUE")
            out[k] = v.strip()
    return out


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise FadjError(NOWHERE, f"--size {what}={text}: expected an integer") from None


def _parse_values(items: list[str]) -> dict[str, str]:
    """``--value task=FG`` (the text may hold anything but a newline; quotes are added)."""
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise FadjError(NOWHERE, f"--value '{item}': expected NAME=TEXT")
        k, v = item.split("=", 1)
        k = k.strip().lower()
        if not k.isidentifier():
            raise FadjError(NOWHERE, f"--value '{item}': expected NAME=TEXT")
        out[k] = v
    return out


def _character_arg(d: DArg, sym, values: dict[str, str], is_input: bool, head: Routine, loc: Loc) -> None:
    """A CHARACTER argument (a task string, a file name): a fixed value from --value."""
    from fadj.ir.consts import try_int
    if sym.dims:
        raise UnsupportedError(loc, f"argument '{d.dummy}' of '{head.name}' is a character array: fadj check "
                                    f"handles character scalars (write your own driver)")
    text = values.get(d.dummy)
    if text is None and is_input:
        raise NameErr(loc, f"character argument '{d.dummy}' of '{head.name}' is an input: give its value with "
                           f"--value {d.dummy}=TEXT")
    text = text or ""
    n = None
    spec = (sym.type.char_len or "1").strip()
    if spec not in ("*", ":"):
        try:
            n = int(spec)
        except ValueError:
            s = head.scope.lookup(spec.lower())
            n = try_int(s.init) if s is not None and s.parameter else None
            if n is None:
                raise UnsupportedError(loc, f"character argument '{d.dummy}' of '{head.name}' has length '{spec}': "
                                            f"fadj check needs a constant or assumed (*) length") from None
    d.clen = n if n is not None and n > 0 else max(len(text), 1)
    if n is not None and n > 0 and len(text) > n:
        raise FadjError(NOWHERE, f"--value {d.dummy}={text}: longer than its length {n}")
    d.fill = "value"
    d.value = "'" + text.replace("'", "''") + "'"


def _logical(text: str, what: str) -> str:
    t = text.strip(".").lower()
    if t in ("true", "t", "1", "yes"):
        return ".true."
    if t in ("false", "f", "0", "no"):
        return ".false."
    raise FadjError(NOWHERE, f"--size {what}={text}: expected true or false")


#: intrinsics the driver calls: a head argument (or its d/b/0 variant) must not hide them
_DRIVER_INTRINSICS = {"abs", "adjustl", "all", "dble", "huge", "index", "max", "maxval", "mod", "real", "reshape",
                      "shape", "sum", "tiny", "trim"}


class _Names:
    """Driver variable names: the head's own names where free, fresh ones otherwise."""

    def __init__(self, taken: set[str]):
        self.taken = set(taken) | _DRIVER_INTRINSICS

    def fresh(self, base: str) -> str:
        """``base``, or ``base2``, ``base3``... (the driver's own names all start with ``ck_``)."""
        name, k = base, 1
        while name in self.taken:
            k += 1
            name = f"{base}{k}"
        self.taken.add(name)
        return name


def driver_spec(ctx, opts: CheckOptions) -> dict:
    """Everything the driver template needs, from the head's signature and the options.

    Raises FadjError (``file:line: error:``) for what the driver cannot be generated
    without: an unknown size, an integer input without a value, an unsupported type.
    """
    head: Routine = ctx.head
    sizes = parse_assignments(opts.sizes, "--size")
    ranges = _parse_ranges(opts.ranges)
    values = _parse_values(opts.values)
    known = set(head.args) | ({head.result} if head.is_function else set())
    for n in list(sizes) + list(ranges) + list(values):
        if n not in known:
            what = "--size" if n in sizes else "--range" if n in ranges else "--value"
            raise NameErr(head.loc, f"{what} {n}: '{n}' is not an argument of '{head.name}' ({', '.join(head.args)})")
    for v in ctx.vars + ctx.outvars:
        if is_global_id(var_id(head, v)) and v not in head.args:
            raise UnsupportedError(head.loc, f"fadj check handles arguments of the head only: '{v}' is a module or "
                                             f"COMMON variable (write your own driver)")
    reads = ctx.effects.summary(head).reads
    dim_users = _dimension_arguments(head)
    active = set(ctx.derivative_formals(head))
    names = _Names(set(head.args) | {head.name, f"{head.name}_d", f"{head.name}_b"} | ({opts.init} if opts.init else set()))
    args: list[DArg] = []
    for a in head.args:
        sym = head.scope.local(a)
        loc = sym.loc or head.loc
        t = sym.type
        if t is None or t.base not in ("real", "integer", "logical", "character"):
            tn = t.decl() if t is not None else "untyped"
            raise UnsupportedError(loc, f"argument '{a}' of '{head.name}' is {tn}: fadj check handles real, integer, "
                                        f"logical and character arguments (write your own driver)")
        if sym.allocatable or sym.pointer or sym.procedure:
            raise UnsupportedError(loc, f"argument '{a}' of '{head.name}' is allocatable, a pointer or a procedure: "
                                        f"fadj check cannot generate its driver (write your own driver)")
        own = not a.startswith("ck_") and a not in _DRIVER_INTRINSICS
        d = DArg(a, a if own else names.fresh("a_" + a), t.base, t.kind, _extents(head, sym, sizes, loc))
        if t.base == "character":
            _character_arg(d, sym, values, a in reads and opts.init is None, head, loc)
            args.append(d)
            continue
        if a in values:
            raise FadjError(NOWHERE, f"--value {a}: '{a}' is not a character argument (give numbers with --size)")
        if t.base == "real":
            if a in sizes and not sym.is_array:
                raise FadjError(NOWHERE, f"--size {a}: '{a}' is a real scalar, which gets a pseudo-random value "
                                         f"(choose its interval with --range {a}=LO:HI)")
            d.fill = "random"
            d.lo, d.hi = ranges.get(a, DEFAULT_RANGE)
            d.active = a in active
        else:
            d.sizes_arrays = a in dim_users and not sym.is_array
            if a in sizes and not (sym.dims and any(x.kind != "explicit" for x in sym.dims)):
                d.fill = "value"
                d.value = str(_int(sizes[a], a)) if t.base == "integer" else _logical(sizes[a], a)
            elif d.sizes_arrays:
                users = ", ".join(sorted(dim_users[a]))
                raise NameErr(loc, f"integer argument '{a}' of '{head.name}' dimensions {users}: give its value "
                                   f"with --size {a}=VALUE")
            elif a in reads and opts.init is None:
                if sym.is_array:
                    raise NameErr(loc, f"{t.base} array argument '{a}' of '{head.name}' is an input: give an --init "
                                       f"routine that sets it (or one value for every element with --size {a}=VALUE)")
                raise NameErr(loc, f"{t.base} argument '{a}' of '{head.name}' is an input: give its value with "
                                   f"--size {a}=VALUE (or set it in an --init routine)")
        args.append(d)
    result = None
    if head.is_function:
        rsym = head.scope.lookup(head.result)
        t = rsym.type if rsym is not None else None
        if t is None or t.base != "real":
            raise UnsupportedError(head.loc, f"function '{head.name}' does not return a real: nothing to check")
        result = DArg(head.result, names.fresh(f"{head.result}_val"), "real", t.kind, [], fill="zero",
                      active=True, is_result=True)
    everything = args + ([result] if result else [])
    by_dummy = {d.dummy: d for d in everything}
    for d in everything:
        d.save = names.fresh(f"{d.name}0")
        if d.active:
            d.dname = names.fresh(f"{d.name}d")
            d.bname = names.fresh(f"{d.name}b")
    ins = _blocks([by_dummy[v] for v in ctx.vars])
    outs = _blocks([by_dummy[v] for v in ctx.outvars])
    if not ins or not outs:
        raise NameErr(head.loc, f"nothing to check for '{head.name}': no {'--vars' if not ins else '--outvars'}")
    init_module = None
    if opts.init:
        init_module = _check_init(ctx, opts.init)
    kinds = [b.arg.kind for b in ins + outs]
    eps = max(_EPS.get(k, 2.0 ** -52) for k in kinds)
    modes = {"tangent": ["tangent"], "reverse": ["reverse"], "both": ["tangent", "reverse"]}[opts.mode]
    diff_module = f"{head.module}_diff" if head.module else None
    deriv = []
    if "tangent" in modes:
        deriv.append(f"{head.name}_d")
    if "reverse" in modes:
        deriv.append(f"{head.name}_b")
    return dict(
        version=__version__, head=head.name, head_module=head.module, diff_module=diff_module,
        deriv_names=deriv, tangent="tangent" in modes, reverse="reverse" in modes, mode=opts.mode,
        args=args, result=result, everything=everything, ins=ins, outs=outs,
        out_only=[b for b in outs if b.arg.dummy not in ctx.vars and b.arg.active],
        nin=ins[-1].last, nout=outs[-1].last, ndir=opts.ndir, seed=opts.seed,
        tol=_flit(check_tolerance(opts.tol, eps)), dot_tol=_flit(max(1e-10, 1000 * eps)),
        primal_tol=_flit(max(1e-10, 1000 * eps)),
        steps=[_flit(h) for h in fd_steps(eps)], init=opts.init, init_module=init_module,
        name_len=max(len(b.label) for b in ins + outs), flit=_flit,
        dims_of=lambda d: ", ".join(f"{lo}:{hi}" for lo, hi in d.dims),
    )


def check_tolerance(tol: float | None, eps: float) -> float:
    """--tol, or by default 1e-6, loosened to 1e-3 when an input or output is single precision
    (central differences of real(4) values agree to about eps**(2/3), 2e-5)."""
    if tol is not None:
        return tol
    return 1e-6 if eps < 1e-10 else 1e-3


def _flit(x: float) -> str:
    """A double precision literal: 1e-06 -> 1.0d-06."""
    m, e = f"{x:.15e}".split("e")
    m = m.rstrip("0")
    if m.endswith("."):
        m += "0"
    return f"{m}d{int(e)}"


def _parse_ranges(items: list[str]) -> dict[str, tuple[float, float]]:
    out = {}
    for k, v in parse_assignments(items, "--range").items():
        try:
            lo, hi = (float(x) for x in v.split(":"))
        except ValueError:
            raise FadjError(NOWHERE, f"--range {k}={v}: expected NAME=LO:HI") from None
        if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
            raise FadjError(NOWHERE, f"--range {k}={v}: expected LO <= HI")
        out[k] = (lo, hi)
    return out


def _blocks(args: list[DArg]) -> list[Block]:
    out, pos = [], 0
    for a in args:
        out.append(Block(a, pos + 1, pos + a.size))
        pos += a.size
    return out


def _dimension_arguments(head: Routine) -> dict[str, set[str]]:
    """Integer arguments used in the bounds of the head's array arguments -> those arrays."""
    out: dict[str, set[str]] = {}
    for a in head.args:
        sym = head.scope.local(a)
        for d in sym.dims or ():
            for b in (d.lo, d.hi):
                if b is None:
                    continue
                for n in E.names_in(b):
                    if n in head.args:
                        out.setdefault(n, set()).add(a)
    return out


def _extents(head: Routine, sym, sizes: dict[str, str], loc: Loc) -> list[tuple[int, int]]:
    """The (lower, upper) bounds of an array argument, or [] for a scalar."""
    if not sym.dims:
        return []
    given = sizes.get(sym.name)
    if given is not None and (any(d.kind != "explicit" for d in sym.dims) or sym.type.base == "real"):
        ext = [_int(x, sym.name) for x in given.lower().split("x")]
        if len(ext) != len(sym.dims) or any(e < 0 for e in ext):
            raise FadjError(NOWHERE, f"--size {sym.name}={given}: '{sym.name}' has rank {len(sym.dims)}: "
                                     f"give {len(sym.dims)} extent(s) like " + "x".join(["10"] * len(sym.dims)))
        out = []
        for d, e in zip(sym.dims, ext):
            lo = _bound(head, d.lo, sizes, sym, loc) if d.lo is not None else 1
            out.append((lo, lo + e - 1))
        return out
    out = []
    for d in sym.dims:
        if d.kind != "explicit":
            shape = "assumed-size" if d.kind == "assumed_size" else "assumed-shape" if d.kind == "assumed_shape" \
                else "deferred-shape"
            raise NameErr(loc, f"{shape} array argument '{sym.name}' of '{head.name}': give its extents with "
                               f"--size {sym.name}=" + "x".join(["N"] * len(sym.dims)))
        lo = _bound(head, d.lo, sizes, sym, loc) if d.lo is not None else 1
        hi = _bound(head, d.hi, sizes, sym, loc)
        out.append((lo, hi))
    return out


def _bound(head: Routine, e: E.Expr, sizes: dict[str, str], sym, loc: Loc) -> int:
    def lookup(name: str):
        if name in sizes and name in head.args:
            return E.IntLit(str(_int(sizes[name], name)))
        s = head.scope.lookup(name)
        return s.init if s is not None and s.parameter else None

    try:
        v = evaluate(e, lookup)
    except (NotConstant, ZeroDivisionError, TypeError):
        v = None
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    missing = sorted(n for n in E.names_in(e) if n in head.args and n not in sizes)
    if missing:
        n = missing[0]
        raise NameErr(loc, f"array argument '{sym.name}' of '{head.name}' is dimensioned by argument '{n}': "
                           f"give its value with --size {n}=VALUE")
    raise NameErr(loc, f"cannot evaluate the bounds of array argument '{sym.name}' of '{head.name}': "
                       f"give its extents with --size {sym.name}=" + "x".join(["N"] * len(sym.dims)))


def _check_init(ctx, name: str) -> str | None:
    """The --init routine must exist in the sources and take the head's arguments; returns its module."""
    prog = ctx.prog
    name = name.lower()
    r = prog.routine(name)
    if r is None:
        for m in prog.modules.values():
            for mr in m.routines:
                if mr.name == name:
                    r = mr
    if r is None:
        raise NameErr(ctx.head.loc, f"--init {name}: no routine '{name}' in the sources (give the file that "
                                    f"defines it as a source)")
    if r.is_function or len(r.args) != len(ctx.head.args):
        raise NameErr(r.loc, f"--init {name}: must be a subroutine with the arguments of '{ctx.head.name}' "
                             f"({', '.join(ctx.head.args)})")
    return r.module


# ----------------------------------------------------------------------------------------
# running

def generate(opts: CheckOptions):
    """Differentiate, write the runtime, derivative sources, Makefile and the check driver."""
    from fadj.api import differentiate
    if opts.mode not in ("tangent", "reverse", "both"):
        raise FadjError(NOWHERE, f"--mode {opts.mode}: expected reverse, tangent or both")
    if opts.ndir < 1 or (opts.tol is not None and not opts.tol > 0):
        raise FadjError(NOWHERE, "--directions must be at least 1 and --tol positive")
    res = differentiate(opts.sources, opts.head, opts.vars, opts.outvars, opts.mode, opts.outdir, opts.checkpoint,
                        source=opts.source, origins=opts.debug)
    spec = driver_spec(res.ctx, opts)
    text = render("check_driver.f90.j2", **spec)
    path = Path(opts.outdir) / DRIVER
    path.write_text(text)
    return res, path


#: how --debug builds the generated code and the driver
DEBUG_FFLAGS = "-g -O0 -fcheck=all -fbacktrace"


def makefile_flags(outdir: Path) -> list[str]:
    """FADJ_FLAGS of the generated Makefile (the user's --fflags: -fopenmp, -fdefault-real-8...):
    the driver is compiled and linked with them too."""
    mk = outdir / "Makefile"
    if not mk.exists():
        return []
    m = re.search(r"^FADJ_FLAGS = (.*)$", mk.read_text(), re.M)
    return [f for f in (m.group(1).split() if m else []) if not f.startswith("-I")]


def build_driver(outdir: Path, link: list[str], fflags: str = "-O2") -> Path:
    """Compile OUTDIR/check_driver.f90 against OUTDIR/libadjoint.a (plus ``link`` files)."""
    drv = outdir / DRIVER
    if not drv.exists():
        raise FadjError(Loc(str(drv)), "no check driver here: run fadj check without --no-generate first")
    if shutil.which("gfortran") is None:
        raise BuildError(Loc(str(outdir)), "gfortran is needed to build the check driver")
    exe = outdir / "check_driver.exe"
    extra = [str(Path(f).resolve()) for f in link]
    for f in extra:
        if not Path(f).exists():
            raise FadjError(Loc(f), "no such file")
    od = outdir.resolve()
    cmd = ["gfortran", *fflags.split(), *makefile_flags(outdir), "-I", str(od), str(drv.resolve()), *extra,
           "-L", str(od), "-ladjoint", "-o", str(exe.resolve())]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=outdir)
    if p.returncode != 0:
        lines = [ln for ln in (p.stdout + p.stderr).splitlines() if ln.strip()]
        first = next((ln for ln in lines if "Error" in ln or "undefined reference" in ln), lines[-1] if lines else "")
        raise BuildError(Loc(str(drv)), f"compiling the check driver failed: {first.strip()}")
    return exe


def run_check(opts: CheckOptions, echo=None) -> CheckReport:
    """Generate (unless ``opts.generate`` is False), build, run; raise CheckFailed on a wrong derivative.

    ``echo(line)`` receives the driver's output as it is printed (the CLI passes ``print``).
    """
    outdir = Path(opts.outdir)
    if opts.generate:
        generate(opts)
    elif not (outdir / DRIVER).exists():
        raise FadjError(Loc(str(outdir / DRIVER)), "no check driver here: run fadj check without --no-generate first")
    if opts.debug:
        run_make(outdir, DEBUG_FFLAGS)
        exe = build_driver(outdir, opts.link, DEBUG_FFLAGS)
    else:
        run_make(outdir)
        exe = build_driver(outdir, opts.link, opts.fflags)
    out, code = _run(exe, opts.timeout, echo, {"FADJ_DEBUG": "1"} if opts.debug else None)
    m = None
    for m in _RESULT.finditer(out):
        pass
    w = _WORST.search(out)
    worst = (w.group(1), w.group(2), w.group(3), fortran_float(w.group(4))) if w else None
    rep = CheckReport(outdir, outdir / DRIVER, out, m is not None and m.group(1) == "PASS", worst)
    if not rep.passed:
        if m is None:
            crash = analyse(out, outdir, code)
            if crash is not None:
                err = CheckFailed(describe(crash, opts.debug))
            else:
                tail = " | ".join(out.strip().splitlines()[-3:])
                err = CheckFailed(f"the check driver stopped without a result ({exe}): {tail}")
        else:
            err = CheckFailed(rep.summary())
        err.report = rep   # type: ignore[attr-defined]
        raise err
    return rep


def _run(exe: Path, timeout: float, echo, env: dict | None = None) -> tuple[str, int | None]:
    import os
    code = None
    try:
        p = subprocess.run([str(exe.resolve())], capture_output=True, text=True, cwd=exe.parent, timeout=timeout,
                           env=dict(os.environ, **(env or {})))
        out = p.stdout + p.stderr
        code = p.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        out += f"fadj: the check driver did not finish within {timeout:.0f} s\n"
    if echo is not None:
        for line in out.splitlines():
            echo(line)
    return out, code

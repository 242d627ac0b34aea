"""``fadj.toml``: a project's sources, build options and differentiation settings in one file.

Users re-run fadj from their build while tuning directives; typing the same
dozen sources, defines and flags every time is where mistakes come from.  In a
folder with a ``fadj.toml``, ``fadj differentiate``, ``check``, ``callgraph``,
``directives list`` (and every command with sources) need no other argument;
options given on the command line override the file, field by field.  SRC on
the command line is another run: the file's ``head`` is then not implied (its
defines, include folders and flags still are: they say how the code is read).

Schema (every key optional; paths relative to the file's folder)::

    sources = ["src", "lib/extra.F"]     # files, or folders searched recursively
    include_dirs = ["include"]           # -I: INCLUDE and #include search path
    defines = ["WITH_ICE", "NLEV=30"]    # -D (or a table: {WITH_ICE = true, NLEV = 30})
    cpp = false                          # --cpp: preprocess every file
    fflags = "-fdefault-real-8"          # --fflags: passed to gfortran for primal and derivative code
    head = "model_run"
    vars = ["x0", "kappa"]               # --vars (a list, or one string)
    outvars = ["cost"]
    mode = "reverse"                     # differentiate's --mode
    output = "fadj_out"                  # differentiate's -o
    nocheckpoint = false
    nocheckpoint_routines = ["advect"]
    externals = ["blackbox"]
    driver = "driver.f90"                # for the example runner and tests
    description = "..."
    [check]                              # fadj check: sizes, ranges, init, sources, output, mode
    [bench]                              # read by the benchmarks only

Tables are for the commands that use them; any other command ignores them.  An
unknown top-level key is an error (a misspelled ``defines`` would silently
differentiate another variant of the code).
"""
from __future__ import annotations

import os
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from fadj.errors import FadjError, Loc
from fadj.frontend.options import SourceOptions

PROJECT_FILE = "fadj.toml"

#: top-level keys and their kinds: "str", "bool", "names" (list of strings or one string),
#: "defines" (list or table), "flags" (string or list)
KEYS = {
    "sources": "names", "include_dirs": "names", "defines": "defines", "cpp": "bool", "fflags": "flags",
    "head": "str", "vars": "names", "outvars": "names", "mode": "str", "output": "str",
    "nocheckpoint": "bool", "nocheckpoint_routines": "names", "externals": "names",
    "driver": "str", "description": "str",
}
MODES = ("reverse", "tangent", "both")


@dataclass
class ProjectConfig:
    """A project file, validated; paths already joined to its folder (as the user would type them)."""

    path: Path
    sources: list[str] = field(default_factory=list)
    include_dirs: list[str] = field(default_factory=list)
    defines: list[str] = field(default_factory=list)      # NAME or NAME=VALUE
    cpp: bool = False
    fflags: list[str] = field(default_factory=list)
    head: str | None = None
    vars: list[str] | None = None
    outvars: list[str] | None = None
    mode: str | None = None
    output: str | None = None
    nocheckpoint: bool = False
    nocheckpoint_routines: list[str] = field(default_factory=list)
    externals: list[str] = field(default_factory=list)
    driver: str | None = None
    description: str = ""
    tables: dict[str, dict] = field(default_factory=dict)  # [check], [bench], ... as read

    def table(self, name: str) -> dict:
        return dict(self.tables.get(name, {}))

    def source_options(self) -> SourceOptions:
        return SourceOptions.make(self.defines, self.include_dirs, self.cpp, self.fflags)

    def rel(self, p: str) -> str:
        """A path of the file, relative to its folder, as seen from the current folder."""
        return _join(self.path.parent, p)


def load_project(cwd: str | Path = ".") -> ProjectConfig | None:
    """The ``fadj.toml`` of folder ``cwd``, or None when it has none."""
    p = Path(cwd) / PROJECT_FILE
    return read_project(p) if p.is_file() else None


def read_project(path: str | Path) -> ProjectConfig:
    path = Path(path)
    where = _shown(path)
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+)", str(e))
        raise FadjError(Loc(where, int(m.group(1)) if m else 0), f"not valid TOML: {str(e).split(' (at')[0]}") \
            from None
    except OSError as e:
        raise FadjError(Loc(where), f"cannot read: {e.strerror}") from None
    cfg = ProjectConfig(path)
    for key, value in raw.items():
        if isinstance(value, dict) and key != "defines":
            cfg.tables[key] = value
            continue
        kind = KEYS.get(key)
        if kind is None:
            known = ", ".join(sorted(KEYS))
            raise FadjError(Loc(where, _line_of(path, key)), f"unknown key '{key}' (known: {known}; tables "
                                                              f"like [check] are read by their commands)")
        setattr(cfg, key, _value(kind, key, value, Loc(where, _line_of(path, key))))
    if cfg.mode is not None and cfg.mode not in MODES:
        raise FadjError(Loc(where, _line_of(path, "mode")), f"mode must be one of {', '.join(MODES)}, not '{cfg.mode}'")
    base = path.parent
    cfg.sources = [_join(base, s) for s in cfg.sources]
    cfg.include_dirs = [_join(base, s) for s in cfg.include_dirs]
    if cfg.output is not None:
        cfg.output = _join(base, cfg.output)
    if cfg.head is not None:
        cfg.head = cfg.head.lower()
    return cfg


def _value(kind: str, key: str, v, loc: Loc):
    if kind == "str":
        if not isinstance(v, str):
            raise FadjError(loc, f"'{key}' must be a string")
        return v
    if kind == "bool":
        if not isinstance(v, bool):
            raise FadjError(loc, f"'{key}' must be true or false")
        return v
    if kind == "flags":
        if isinstance(v, str):
            return shlex.split(v)
        if isinstance(v, list) and all(isinstance(x, str) for x in v):
            return list(v)
        raise FadjError(loc, f"'{key}' must be a string of flags or a list of strings")
    if kind == "names":
        if isinstance(v, str):
            return v.replace(",", " ").split() if key not in ("sources", "include_dirs") else [v]
        if isinstance(v, list) and all(isinstance(x, str) for x in v):
            return list(v)
        raise FadjError(loc, f"'{key}' must be a list of strings")
    if kind == "defines":
        return _defines(v, loc)
    raise AssertionError(kind)


def _defines(v, loc: Loc) -> list[str]:
    """``["A", "N=3"]`` or ``{A = true, N = 3, B = false}`` -> ``["A", "N=3"]`` (false: not defined)."""
    out = []
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        out = list(v)
    elif isinstance(v, dict):
        for name, val in v.items():
            if val is True:
                out.append(name)
            elif val is False:
                continue
            elif isinstance(val, (int, float, str)):
                out.append(f"{name}={val}")
            else:
                raise FadjError(loc, f"defines: value of '{name}' must be true, false, a number or a string")
    else:
        raise FadjError(loc, "'defines' must be a list like [\"A\", \"N=3\"] or a table like {A = true, N = 3}")
    for d in out:
        if not re.fullmatch(r"[A-Za-z_]\w*(=.*)?", d):
            raise FadjError(loc, f"defines: '{d}' is not NAME or NAME=VALUE")
    return out


def _join(base: Path, p: str) -> str:
    """``p`` relative to ``base``; written from the current folder's point of view."""
    if os.path.isabs(p):
        return os.path.normpath(p)
    if base.resolve() == Path.cwd().resolve():
        return os.path.normpath(p)
    return os.path.normpath(os.path.join(str(base), p))


def _shown(path: Path) -> str:
    """How messages name the project file: relative to the current folder when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _line_of(path: Path, key: str) -> int:
    """The line defining top-level ``key`` (tomllib keeps no positions); 0 if not found."""
    try:
        for i, ln in enumerate(path.read_text(errors="replace").split("\n"), start=1):
            if ln.startswith("["):
                return 0
            if re.match(rf"\s*{re.escape(key)}\s*=", ln):
                return i
    except OSError:
        pass
    return 0


# -- the command line and the project file ------------------------------------------------

#: built-in defaults of options a project file may set (argparse leaves them None: "not given")
DEFAULTS = {
    "differentiate": {"mode": "reverse", "output": "fadj_out"},
    "check": {"mode": "both", "output": "fadj_check"},
}
#: commands that cannot run without a head routine
NEEDS_HEAD = {"differentiate", "check", "profile", "plan"}


def merge_args(args, cfg: ProjectConfig | None) -> None:
    """Fill what the command line left out from ``cfg``; the command line wins, field by field.

    Sets ``args.source_options`` (a ``SourceOptions``) on every command.  How sources are
    read (defines, include folders, flags) and the checkpointing defaults always come from
    the file.  Its ``head`` is taken only when the sources are too (SRC on the command line
    is another run); ``vars``, ``outvars`` and the ``[check]`` table describe that head and
    are used only for it.  Defines merge by name (``-D N=4`` replaces the file's ``N``,
    ``-U N`` drops it); ``-I`` folders come before the file's.
    """
    command = args.command
    has = lambda name: hasattr(args, name)   # noqa: E731
    from_project = False
    if cfg is not None and has("sources") and not args.sources and command != "init":
        args.sources = list(cfg.sources)
        from_project = True
    if cfg is not None and has("others") and not args.others:
        args.others = list(cfg.sources)      # directives set: the modules FILE uses
    if has("head") and args.head is None and cfg is not None and (from_project or not has("sources")):
        args.head = cfg.head            # SRC on the command line: another run, the project's head is not implied
    same_head = cfg is not None and (not has("head") or (args.head or "").lower() == (cfg.head or ""))
    if same_head:
        for key in ("vars", "outvars"):
            if has(key) and getattr(args, key) is None and getattr(cfg, key) is not None:
                setattr(args, key, " ".join(getattr(cfg, key)))
    if cfg is not None:
        if has("nocheckpoint") and not args.nocheckpoint:
            args.nocheckpoint = cfg.nocheckpoint
        if has("nocheckpoint_routines") and not args.nocheckpoint_routines:
            args.nocheckpoint_routines = " ".join(cfg.nocheckpoint_routines)
        if has("external") and not args.external:
            args.external = list(cfg.externals)
        if command == "differentiate":
            for key in ("mode", "output"):
                if getattr(args, key) is None:
                    setattr(args, key, getattr(cfg, key))
    if command == "check" and same_head:
        _merge_check(args, cfg, from_project)
    for key, value in DEFAULTS.get(command, {}).items():
        if has(key) and getattr(args, key) is None:
            setattr(args, key, value)
    args.source_options = _source_options(args, cfg)
    if has("sources") and not args.sources and command != "init":
        raise FadjError(None, "no sources: give Fortran files or folders, or run in a folder with a fadj.toml "
                              "(fadj init writes one)")
    if command in NEEDS_HEAD and not getattr(args, "head", None):
        where = ""
        if cfg is not None:
            where = f" ({_shown(cfg.path)} has no 'head')" if cfg.head is None else \
                f" with SRC on the command line ({_shown(cfg.path)}'s head goes with its own sources)"
        raise FadjError(None, f"--head is required{where}: the routine to differentiate")


def _merge_check(args, cfg: ProjectConfig, from_project: bool) -> None:
    """``fadj check`` options from the ``[check]`` table (the command line's --size/--range win)."""
    c = cfg.table("check")
    _check_table_types(cfg.path, c)
    if from_project:
        args.sources += [cfg.rel(s) for s in c.get("sources", [])]
    sizes = [f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in c.get("sizes", {}).items()]
    args.size = sizes + list(args.size)
    ranges = [f"{k}={lo!r}:{hi!r}" for k, (lo, hi) in c.get("ranges", {}).items()]
    args.range = ranges + list(args.range)
    if args.init is None and c.get("init"):
        args.init = c["init"]
    if args.output is None and c.get("output"):
        args.output = cfg.rel(c["output"])
    if args.mode is None and c.get("mode"):
        args.mode = c["mode"]


_EXTENTS = re.compile(r"^\d+(x\d+)*$")


def _check_table_types(path: Path, c: dict) -> None:
    """The ``[check]`` table's values have the types ``fadj check`` takes (one line at the key)."""
    def err(key: str, what: str):
        return FadjError(Loc(_shown(path), _line_in_table(path, "check", key)), f"[check] '{key}' {what}")
    sizes = c.get("sizes", {})
    if not isinstance(sizes, dict):
        raise err("sizes", "must be a table like {n = 40, x = \"4x5\"}")
    for k, v in sizes.items():
        if not (isinstance(v, (bool, int)) or isinstance(v, str) and _EXTENTS.match(v.strip())):
            raise err("sizes", f"value of '{k}' must be an integer, true or false, or extents like \"4x5\" "
                               f"(not {v!r})")
    ranges = c.get("ranges", {})
    if not isinstance(ranges, dict):
        raise err("ranges", "must be a table like {x = [0.5, 1.5]}")
    for k, v in ranges.items():
        if not (isinstance(v, list) and len(v) == 2 and all(isinstance(b, (int, float)) and not isinstance(b, bool)
                                                            for b in v) and v[0] < v[1]):
            raise err("ranges", f"value of '{k}' must be [lo, hi], two numbers with lo < hi (not {v!r})")
    if not (isinstance(c.get("sources", []), list) and all(isinstance(x, str) for x in c.get("sources", []))):
        raise err("sources", "must be a list of strings")
    for key in ("init", "output", "mode"):
        if key in c and not isinstance(c[key], str):
            raise err(key, "must be a string")


def _line_in_table(path: Path, table: str, key: str) -> int:
    """The line of ``key`` inside ``[table]`` (else of the table's header; 0 if neither)."""
    header = 0
    try:
        for i, ln in enumerate(path.read_text(errors="replace").split("\n"), start=1):
            if re.match(r"\s*\[", ln):
                if header:
                    break
                if re.match(rf"\s*\[\s*{re.escape(table)}\s*\]", ln):
                    header = i
            elif header and re.match(rf"\s*{re.escape(key)}\s*=", ln):
                return i
    except OSError:
        pass
    return header


def _source_options(args, cfg: ProjectConfig | None) -> SourceOptions:
    defines: dict[str, str] = {}
    for d in (cfg.defines if cfg is not None else []) + list(getattr(args, "defines", []) or []):
        defines[d.split("=", 1)[0]] = d
    for name in getattr(args, "undefines", []) or []:
        defines.pop(name, None)
    dirs = list(getattr(args, "include_dirs", []) or []) + (cfg.include_dirs if cfg is not None else [])
    cpp = bool(getattr(args, "cpp", None)) or (cfg is not None and cfg.cpp)
    fflags = getattr(args, "fflags", None)
    if fflags is None:
        fflags = cfg.fflags if cfg is not None else ()
    return SourceOptions.make(defines.values(), dict.fromkeys(dirs), cpp, fflags)

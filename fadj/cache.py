"""Re-differentiation cache: after a directive edit, only what changed is redone.

A user tuning checkpoint directives re-runs ``fadj differentiate`` many times on the same
sources.  Two things are kept in ``OUTDIR/.fadj-cache`` between runs:

* **parse trees**: fparser's tree of each file, keyed by the text fparser reads (after the
  preprocessor, without the ``$AD`` lines, which are put back afterwards), fparser's version
  and fadj's own code.  Parsing is most of a run's time, and code that did not change parses
  to the same tree, so it is unpickled instead.
* **derivative routines**: the text of each generated routine (``foo_b``, ``foo_fwd``,
  ``foo_bwd``) together with what generating it added to the shared tables (active module
  variables, derivative types, COMMON blocks, notes).  Its key is everything that text can
  depend on:

  - the request (fadj's own code, head, ``--vars``, ``--outvars``, checkpoint options) and the
    code of every file with its ``$AD`` lines taken out: activity, read/write summaries and
    interfaces follow from these, and a directive edit leaves them alone;
  - the whole text of the routine's own file (its directives, its call sites' decisions and
    its line numbers, quoted in the comments);
  - the same, recursively, for the callee of each of its active calls in split mode: a split
    caller's code depends on what the callee's ``_bwd`` restores and needs, which the
    callee's own directives decide; for a joint call, the file of the callee (its derivative
    arguments' names; its interface and read/write summary are in the code anyway);
  - which versions of the routine the head needs, and the version itself.

Anything else (internal procedures, tangent mode, profiling builds) is always regenerated.
Entries not used by a run are removed at its end, so the folder holds one run's worth.
"""
from __future__ import annotations

import functools
import hashlib
import os
import pickle
import re
import sys
from pathlib import Path

from fadj import __version__
from fadj.ad.plan import JOINT

_DIRECTIVE_LINE = re.compile(r"^(?:[ \t]*!|[cC*])\$ad\b[^\n]*(?:\n|$)", re.IGNORECASE | re.MULTILINE)


def _digest(*parts) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(repr(p).encode())
        h.update(b"\0")
    return h.hexdigest()[:32]


def _fparser_node(cls):
    """An empty fparser node of class ``cls``; unpickling then fills in its attributes."""
    return object.__new__(cls)


class _TreePickler(pickle.Pickler):
    """Pickles fparser nodes by their attributes (fparser's own ``__getnewargs__`` fails on
    comment nodes, which hold our directives)."""

    def reducer_override(self, obj):
        from fparser.two.utils import Base
        if isinstance(obj, Base):
            return _fparser_node, (type(obj),), obj.__dict__
        return NotImplemented


@functools.lru_cache(maxsize=1)
def tool_digest() -> str:
    """fadj's own code and templates: a cache written by other fadj code is not used."""
    from fadj.backend.render import templates_dir
    h = hashlib.sha256(__version__.encode())
    for root in (Path(__file__).resolve().parent, templates_dir()):
        for p in sorted(root.rglob("*")):
            if p.suffix in (".py", ".j2", ".f90") and p.is_file():
                h.update(p.name.encode())
                h.update(p.read_bytes())
    return h.hexdigest()[:32]


@functools.lru_cache(maxsize=1)
def _fparser_version() -> str:
    try:
        from importlib.metadata import version
        return version("fparser")
    except Exception:
        return "?"


class DiffCache:
    """One output folder's cache (see the module docstring)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.used: set[Path] = set()
        self.hits = 0
        self.misses = 0

    # -- storage -------------------------------------------------------------------
    def _path(self, kind: str, key: str) -> Path:
        return self.folder / kind / f"{key}.pickle"

    def _load(self, kind: str, key: str):
        p = self._path(kind, key)
        self.used.add(p)
        try:
            with open(p, "rb") as f:
                return pickle.load(f)
        except Exception:       # missing, truncated, written by another Python: redo the work
            return None

    def _store(self, kind: str, key: str, value) -> None:
        p = self._path(kind, key)
        self.used.add(p)
        tmp = p.with_suffix(f".{os.getpid()}.tmp")
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as f:
                _TreePickler(f, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
            os.replace(tmp, p)
        except Exception:
            tmp.unlink(missing_ok=True)     # a cache that cannot be written only costs time

    def prune(self) -> None:
        """Remove the entries this run did not use."""
        for kind in ("parse", "routine"):
            d = self.folder / kind
            if d.is_dir():
                for p in d.glob("*.*"):
                    if p not in self.used:
                        p.unlink(missing_ok=True)

    # -- parse trees -----------------------------------------------------------------
    def parse(self, src, parse_fn):
        """``parse_fn(src)`` -- a (tree, statement nodes) pair for ``src``, whose text has no
        ``$AD`` lines (``fadj.frontend.directive_tree``) -- unpickled when this code was
        parsed before: a directive edit, of any kind, needs no parse."""
        key = _digest(tool_digest(), _fparser_version(), src.path, src.fixed_form, src.source_text)
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 200000))    # deep trees (long expressions, many units)
        try:
            entry = self._load("parse", key)
            if entry is not None:
                self.hits += 1
                return entry
            self.misses += 1
            entry = parse_fn(src)
            self._store("parse", key, entry)
            return entry
        finally:
            sys.setrecursionlimit(limit)

    # -- derivative routines -------------------------------------------------------
    def routine(self, key: str):
        entry = self._load("routine", key)
        if entry is not None:
            self.hits += 1
        else:
            self.misses += 1
        return entry

    def store_routine(self, key: str, entry) -> None:
        self._store("routine", key, entry)


def code_digest(files) -> str:
    """The code of all files with their ``$AD`` lines removed (directive edits leave it)."""
    return _digest(*[(f.path, _DIRECTIVE_LINE.sub("", f.source_text)) for f in files])


def file_digest(f) -> str:
    return _digest(f.path, f.fixed_form, f.text, f.source_text, f.origins)


class RoutineKeys:
    """Cache keys of the derivative routines of one request (see the module docstring)."""

    def __init__(self, ctx, need: dict):
        self.ctx = ctx
        self.need = need
        o = ctx.opts
        self.base = _digest(tool_digest(), ctx.mode, ctx.head.name, list(ctx.vars), list(ctx.outvars),
                            o.nocheckpoint, sorted(o.nocheckpoint_routines), sorted(o.externals),
                            sorted(o.forced.items()), code_digest(ctx.prog.files))
        self._files: dict[str, str] = {}
        self._fp: dict[int, str] = {}

    def cacheable(self, r) -> bool:
        return r.host is None and not r.internals and r.source is not None

    def _file(self, f) -> str:
        d = self._files.get(f.path)
        if d is None:
            d = self._files[f.path] = file_digest(f)
        return d

    def fingerprint(self, r) -> str:
        """r's own file, and (recursively) that of each callee it calls in split mode."""
        got = self._fp.get(id(r))
        if got is not None:
            return got
        self._fp[id(r)] = "recursive"          # a cycle contributes a constant
        callees = []
        for site in self.ctx.cg.sites.get(r, []):
            if site.callee is None or not self.ctx.site_active(site):
                continue
            if self.ctx.decision(site).mode != JOINT:
                callees.append(self.fingerprint(site.callee))
            elif site.callee.source is not None:
                callees.append(self._file(site.callee.source))   # its derivative arguments' names
        fp = self._fp[id(r)] = _digest(self._file(r.source), sorted(callees))
        return fp

    def key(self, r, version: str) -> str:
        return _digest(self.base, r.name, r.module, self.fingerprint(r), sorted(self.need.get(r, ())), version,
                       sorted(self.ctx.kept_formals(r)))

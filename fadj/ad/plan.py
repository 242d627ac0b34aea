"""Checkpointing plan: joint (checkpointed) or split mode for every call site.

Precedence, as in Tapenade: a directive on the call site (``$AD CHECKPOINT`` /
``$AD NOCHECKPOINT``) wins; then ``--nocheckpoint-routines``; then
``--nocheckpoint``; the default is joint mode.  A routine whose derivative the
user supplies (``--external``) always stays joint: only its ``_b`` exists.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from fadj.analysis.callgraph import CallSite

JOINT = "joint"
SPLIT = "split"


@dataclass
class CheckpointOptions:
    nocheckpoint: bool = False
    nocheckpoint_routines: set[str] = field(default_factory=set)
    externals: set[str] = field(default_factory=set)
    forced: dict[str, str] = field(default_factory=dict)   # site key -> mode (set by the profiler)


@dataclass
class Decision:
    mode: str
    why: str
    note: str | None = None


def site_key(site: CallSite) -> str:
    """A call site's name that survives re-parsing: ``file.f90:52:step``."""
    from pathlib import Path
    return f"{Path(site.loc.file).name}:{site.loc.line}:{site.name}"


def call_mode(site: CallSite, opts: CheckpointOptions) -> Decision:
    d_ck = site.stmt.has_directive("CHECKPOINT")
    d_nock = site.stmt.has_directive("NOCHECKPOINT")
    if site.callee is None:
        note = None
        if d_nock or opts.nocheckpoint or site.name in opts.nocheckpoint_routines:
            note = (f"{site.loc}: note: '{site.name}' is external (only {site.name}_b is supplied): "
                    f"kept checkpointed")
        return Decision(JOINT, "external", note)
    forced = opts.forced.get(site_key(site)) if opts.forced else None
    if forced is not None and site.callee is not None and not (
            "elemental" in site.callee.prefix or "recursive" in site.callee.prefix):
        return Decision(forced, "profile")
    if site.callee is not None and ("elemental" in site.callee.prefix or "recursive" in site.callee.prefix):
        kind = "elemental" if "elemental" in site.callee.prefix else "recursive"
        note = None
        if d_nock or opts.nocheckpoint or site.name in opts.nocheckpoint_routines:
            note = f"{site.loc}: note: '{site.name}' is {kind}: kept checkpointed (joint mode)"
        return Decision(JOINT, kind, note)
    if d_ck:
        return Decision(JOINT, "directive")
    if d_nock:
        return Decision(SPLIT, "directive")
    if site.name in opts.nocheckpoint_routines or (site.callee and site.callee.name in opts.nocheckpoint_routines):
        return Decision(SPLIT, "--nocheckpoint-routines")
    if opts.nocheckpoint:
        return Decision(SPLIT, "--nocheckpoint")
    return Decision(JOINT, "default")

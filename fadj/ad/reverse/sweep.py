"""The unit the reverse engine works on: a statement list with its CFG and TBR result.

Its own module so that the engine's mixins (calls, control) can name it
without importing the engine that imports them.
"""
from __future__ import annotations

from dataclasses import dataclass

from fadj.analysis.cfg import CFG, Node


@dataclass
class Sweep:
    """A statement list with its CFG and TBR result (the routine body, or a checkpointed region)."""

    cfg: CFG
    push: dict[Node, frozenset]
    req_in: dict[Node, frozenset]
    req_end: frozenset

"""Reading the numbers that gfortran prints.

Drivers print their errors with ``es`` edit descriptors, and gfortran writes what they
cannot hold in ways Python's ``float`` does not read: an exponent of three digits drops
the ``E`` (``1.80+308``), a double-precision exponent may come as ``D``, and non-finite
values are ``NaN``, ``Infinity``, ``Inf`` or a field of asterisks.  A NaN or an infinite
error must reach the caller as such (a failure), never as a traceback.
"""
from __future__ import annotations

import math
import re

_NO_E = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))([+-]\d+)$")


def fortran_float(text: str) -> float:
    """The value of one number as gfortran printed it; a field of asterisks is NaN."""
    t = text.strip().lower().replace("d", "e")
    if not t or set(t) == {"*"}:
        return math.nan
    if t.lstrip("+-") in ("nan",):
        return math.nan
    if t.lstrip("+-") in ("inf", "infinity"):
        return -math.inf if t.startswith("-") else math.inf
    m = _NO_E.match(t)
    if m:
        t = f"{m.group(1)}e{m.group(2)}"
    return float(t)

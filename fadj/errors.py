"""One error hierarchy for everything a user can get wrong.

Every user-facing error carries the file and line it refers to, so that the
command line can print it like a compiler does (``file.f90:12: error: ...``)
and exit with status 2.  Internal bugs are *not* FadjError: they propagate as
ordinary exceptions so that they are noticed.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Loc:
    """A position in a user's source: file name as the user gave it, 1-based line."""

    file: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


NOWHERE = Loc("fadj", 0)


class FadjError(Exception):
    """An error in the user's input; printed as one line, exit status 2."""

    def __init__(self, loc: Loc | None, message: str):
        super().__init__(message)
        self.loc = loc or NOWHERE
        self.message = message

    def format(self) -> str:
        msg = " ".join(self.message.split())  # always one line
        # bytes of the user's file that are not UTF-8 (read as surrogates) are shown as U+FFFD:
        # the line must be printable on any terminal
        text = f"{self.loc}: error: {msg}"
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


class SyntaxErr(FadjError):
    """The source does not parse."""


class UnsupportedError(FadjError):
    """A construct fadj cannot differentiate (yet); names the construct."""


class DirectiveError(FadjError):
    """A misplaced, misspelled or malformed ``$AD`` directive."""


class NameErr(FadjError):
    """An unknown head, variable, routine or module name."""


class BuildError(FadjError):
    """gfortran or make failed on generated code (a bug in fadj or in the user's flags)."""


class CheckFailed(Exception):
    """A derivative check found a wrong derivative (exit status 1)."""

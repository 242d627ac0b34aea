"""How the user's sources are read and compiled: what their compiler command line says.

fadj must see the code the compiler sees, so the options that change it -- C
preprocessor defines and include paths, which files are preprocessed, the
fixed-form line length, a forced source form -- are one value that travels
from the command line (or ``fadj.toml``) through the frontend (parsing) to the
backend (the generated Makefile compiles the primal copies with the same flags).
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

#: suffixes gfortran sends through the C preprocessor (gfortran's manual: "Fortran source
#: with the extensions .fpp, .FPP, .F, .FOR, .FTN, .F90, .F95, .F03 or .F08 is
#: preprocessed"); compared case-sensitively, as gfortran does
CPP_SUFFIXES = frozenset({".fpp", ".FPP", ".F", ".FOR", ".FTN", ".F90", ".F95", ".F03", ".F08"})

_FIXED_LEN = re.compile(r"^-ffixed-line-length-(\d+|none)$")


@dataclass(frozen=True)
class SourceOptions:
    """``-D``/``-I``/``--cpp``/``--fflags`` as one immutable value (hashable: safe as a default)."""

    defines: tuple[str, ...] = ()          # "NAME" or "NAME=VALUE", in command-line order
    include_dirs: tuple[str, ...] = ()     # searched after the including file's own folder
    cpp: bool = False                      # preprocess every file, whatever its suffix
    fflags: tuple[str, ...] = ()           # the user's compiler flags, passed to every compilation

    @classmethod
    def make(cls, defines=(), include_dirs=(), cpp: bool = False, fflags=()) -> "SourceOptions":
        """Build from loose values: ``fflags`` may be one string ("-O2 -std=legacy")."""
        if isinstance(fflags, str):
            fflags = shlex.split(fflags)
        return cls(tuple(defines), tuple(str(d) for d in include_dirs), bool(cpp), tuple(fflags))

    def preprocessed(self, path: str) -> bool:
        """Whether ``path`` goes through the C preprocessor (gfortran's rule, or ``--cpp``)."""
        return self.cpp or Path(path).suffix in CPP_SUFFIXES or "-cpp" in self.fflags

    @property
    def fixed_line_length(self) -> int | None:
        """Columns of a fixed-form line that count (72 as gfortran; None: no limit)."""
        n = 72
        for f in self.fflags:
            m = _FIXED_LEN.match(f)
            if m:
                n = None if m.group(1) in ("none", "0") else int(m.group(1))
            elif f == "-ffixed-line-length-none":
                n = None
        return n

    @property
    def forced_form(self) -> bool | None:
        """True for ``-ffixed-form``, False for ``-ffree-form``, None: the suffix decides."""
        form = None
        for f in self.fflags:
            if f == "-ffixed-form":
                form = True
            elif f == "-ffree-form":
                form = False
        return form

    def cpp_flags(self) -> list[str]:
        """``-D`` and ``-I`` options for the preprocessor, run in the current folder: include folders
        as the user wrote them, so that line markers (and messages) name headers as the user does."""
        return [f"-D{d}" for d in self.defines] + [f"-I{d}" for d in self.include_dirs]


DEFAULT = SourceOptions()

"""Byte-faithful line editing of a user's source file: split, edit whole lines, diff, write atomically.

``fadj directives set/clear`` promise that everything they do not mean to change
stays byte for byte: line endings (LF, CRLF, even old-Mac CR), tabs, trailing
blanks, a missing final newline, bytes that are not UTF-8.  So the file is read
as bytes, decoded with ``surrogateescape`` (undecodable bytes survive the round
trip), and split into (content, ending) pairs with the *universal newlines*
rule -- the rule ``read_source`` applies, so line numbers here are the IR's.
"""
from __future__ import annotations

import difflib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

_LINE = re.compile(r"([^\r\n]*)(\r\n|\r|\n)")


@dataclass
class Line:
    text: str           # without its ending
    end: str            # "\n", "\r\n", "\r", or "" (last line without a final newline)
    origin: int | None  # 1-based line number in the original file; None for an inserted line


def read_lines(path: str | Path) -> list[Line]:
    return split_lines(Path(path).read_bytes().decode("utf-8", "surrogateescape"))


def split_lines(text: str) -> list[Line]:
    out: list[Line] = []
    pos = 0
    for m in _LINE.finditer(text):
        out.append(Line(m.group(1), m.group(2), len(out) + 1))
        pos = m.end()
    if pos < len(text):
        out.append(Line(text[pos:], "", len(out) + 1))
    return out


def join_lines(lines: list[Line]) -> str:
    return "".join(ln.text + ln.end for ln in lines)


def encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def usual_ending(lines: list[Line], near: int) -> str:
    """The ending for an inserted line before line ``near`` (1-based): that line's, else the file's first."""
    if 0 < near <= len(lines) and lines[near - 1].end:
        return lines[near - 1].end
    return next((ln.end for ln in lines if ln.end), "\n")


def new_line_number(lines: list[Line], origin: int) -> int | None:
    """Where original line ``origin`` is in the edited ``lines`` (None if it was deleted)."""
    for i, ln in enumerate(lines, start=1):
        if ln.origin == origin:
            return i
    return None


def unified_diff(path: str, before: str, after: str) -> str:
    """``diff -u`` of two texts, with git's marker for a last line that has no newline."""
    out = []
    for d in difflib.unified_diff(_keep_split(before), _keep_split(after), fromfile=f"a/{path}",
                                  tofile=f"b/{path}"):
        if d.endswith(("\n", "\r")):
            out.append(d)
        else:
            out.append(d + "\n\\ No newline at end of file\n")
    return "".join(out)


def _keep_split(text: str) -> list[str]:
    return [ln.text + ln.end for ln in split_lines(text)]


def write_atomic(path: str | Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` in one step: a temporary file beside it, then ``os.replace``.

    A crash or a full disk leaves either the old file or the new one, never half
    of each; the file keeps its permission bits.
    """
    p = Path(path)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".fadj-tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, p.stat().st_mode & 0o7777)
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise

"""Fuzzing the front door: mutants of the bundled examples (lines and tokens deleted, duplicated
and swapped, files truncated, random bytes) must each end as a user would want: fadj accepts
the mutant (and then what it wrote builds with gfortran) or stops with a one-line FadjError
(exit status 2).  Any other exception is a traceback a user would see; a mutant taking more
than a minute is a hang.  Fixed seed: the same mutants every run."""
from __future__ import annotations

import random
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from fadj.ad.plan import CheckpointOptions
from fadj.api import differentiate
from fadj.errors import FadjError
from fadj.tools.examples import load_example

EXAMPLES = Path(__file__).resolve().parents[2] / "fortran_examples"
KINDS = ("delete line", "duplicate line", "swap lines", "delete token", "duplicate token", "swap tokens",
         "truncate", "random bytes")
#: (example, number of mutants): small examples of different styles (free form with modules,
#: fixed form with COMMON, control flow)
PLAN = [("burgers1d", 70), ("f77_common", 70), ("control_misc", 70), ("nested_calls", 70)]
CHUNK = 35
_TOKEN = re.compile(rb"[A-Za-z_]\w*|\d+\.?\d*(?:[eEdD][+-]?\d+)?|\S")


def mutate(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    lines = data.split(b"\n")
    kind = rng.choice(KINDS)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    if kind == "delete line":
        del lines[i]
    elif kind == "duplicate line":
        lines.insert(i, lines[i])
    elif kind == "swap lines":
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "truncate":
        return kind, data[:rng.randrange(len(data))]
    elif kind == "random bytes":
        k = rng.randrange(len(data))
        return kind, data[:k] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 4))) + data[k:]
    else:
        toks = [(m.start(), m.end()) for m in _TOKEN.finditer(data)]
        a, b = rng.choice(toks), rng.choice(toks)
        if kind == "delete token":
            return kind, data[:a[0]] + data[a[1]:]
        if kind == "duplicate token":
            return kind, data[:a[1]] + b" " + data[a[0]:a[1]] + data[a[1]:]
        if a > b:
            a, b = b, a
        if a[1] <= b[0]:
            return kind, data[:a[0]] + data[b[0]:b[1]] + data[a[1]:b[0]] + data[a[0]:a[1]] + data[b[1]:]
        return kind, data
    return kind, b"\n".join(lines)


def _mutants():
    out = []
    for name, count in PLAN:
        for start in range(0, count, CHUNK):
            out.append(pytest.param(name, start, min(CHUNK, count - start), id=f"{name}-{start}"))
    return out


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang()


@pytest.mark.slow
@pytest.mark.parametrize("name,start,count", _mutants())
def test_mutants_end_in_success_or_one_line_error(tmp_path, gfortran, name, start, count):
    ex = load_example(EXAMPLES / name)
    rng = random.Random(f"{name}:{start}")
    problems = []
    accepted = rejected = 0
    for k in range(start, start + count):
        work = tmp_path / f"m{k}"
        shutil.copytree(ex.path, work)
        target = work / rng.choice(ex.sources)
        kind, text = mutate(target.read_bytes(), rng)
        target.write_bytes(text)
        before = {p.name: p.read_bytes() for p in work.iterdir() if p.is_file()}
        what = f"mutant {k} of {name} ({kind} in {target.name})"
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(60)
        try:
            differentiate([str(work / s) for s in ex.sources], ex.head, " ".join(ex.vars), " ".join(ex.outvars),
                          outdir=work / "out", opts=CheckpointOptions(), source=ex.source, cache=False)
        except FadjError as e:
            rejected += 1
            if "\n" in e.format():
                problems.append(f"{what}: a message of several lines: {e.format()!r}")
            continue
        except _Hang:
            problems.append(f"{what}: still running after 60 s")
            continue
        except Exception as e:  # noqa: BLE001 -- the point of the test: nothing else may escape
            problems.append(f"{what}: {type(e).__name__}: {e}")
            continue
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)
            after = {p.name: p.read_bytes() for p in work.iterdir() if p.is_file()}
            if after != before:
                problems.append(f"{what}: a source file was changed")
        accepted += 1
        p = subprocess.run(["make", "-C", str(work / "out")], capture_output=True, text=True)
        if p.returncode != 0:
            problems.append(f"{what}: accepted, but the generated code does not build: "
                            f"{(p.stderr or p.stdout).strip().splitlines()[-1:]}")
    assert not problems, ascii("\n".join(problems))
    assert accepted + rejected == count
    assert accepted > 0 and rejected > 0, (accepted, rejected)   # mutants of both kinds were met

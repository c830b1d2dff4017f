"""Code coverage per module and per type, from merged ``coverage.dat`` counts.

A *site* is a coverage point without its instance: the same ``if`` arm of
``sync_fifo`` counted in its eight instances is one site, covered when any
instance hit it. Only sites in files under the RTL folder count (the benches'
own SystemVerilog does not). Sites named in the exclusions file
(``coverage/exclusions.toml``) are left out of the percentages and listed with
their reason; an exclusion that matches nothing is an error, so the file never
keeps a stale entry.
"""

from __future__ import annotations

import fnmatch
import functools
import re
import tomllib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ci.coverage.vcov import Point, point

__all__ = [
    "TYPES",
    "Coverage",
    "Exclusion",
    "ExclusionError",
    "Site",
    "load_exclusions",
    "sites",
]

#: The code coverage types reported, in report order (Verilator's names).
TYPES = ("line", "branch", "toggle", "expr", "user")


class ExclusionError(ValueError):
    """A malformed exclusions file, or an exclusion that matches nothing."""


@dataclass(frozen=True)
class Exclusion:
    """Sites of ``module`` whose type matches ``type`` and whose comment matches
    ``match`` (both fnmatch), and, when given, whose line is ``line`` or lies in
    the SystemVerilog function ``function`` (from ``function ... name(`` to its
    ``endfunction``: robust to edits elsewhere in the file); ``reason`` says why
    they cannot be covered."""

    module: str
    type: str
    match: str
    reason: str
    line: int | None = None
    function: str | None = None

    def covers(self, s: Site) -> bool:
        if s.module != self.module or not fnmatch.fnmatchcase(s.type, self.type):
            return False
        if self.line is not None and s.line != self.line:
            return False
        if self.function is not None:
            span = function_span(s.file, self.function)
            if span is None or not span[0] <= s.line <= span[1]:
                return False
        return fnmatch.fnmatchcase(s.comment, self.match)

    def describe(self) -> str:
        where = f"{self.module}:{self.line}" if self.line is not None else self.module
        if self.function is not None:
            where += f" function {self.function}"
        return f"{where} {self.type} '{self.match}'"


@functools.cache
def function_span(file: str, name: str) -> tuple[int, int] | None:
    """First and last line of the function *name* in *file*, or None."""
    try:
        lines = Path(file).read_text(errors="replace").splitlines()
    except OSError:
        return None
    head = re.compile(rf"\bfunction\b[^;]*\b{re.escape(name)}\s*\(")
    for n, text in enumerate(lines, start=1):
        if head.search(text):
            for m in range(n, len(lines) + 1):
                if re.search(r"\bendfunction\b", lines[m - 1]):
                    return n, m
    return None


def load_exclusions(path: Path) -> list[Exclusion]:
    """The ``[[exclude]]`` tables of *path* (none when the file does not exist)."""
    if not path.is_file():
        return []
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ExclusionError(f"{path}: {exc}") from None
    out = []
    for n, entry in enumerate(data.get("exclude", []), start=1):
        missing = {"module", "type", "match", "reason"} - set(entry)
        unknown = set(entry) - {"module", "type", "match", "reason", "line", "function"}
        if missing or unknown:
            raise ExclusionError(
                f"{path}: exclusion {n}: missing {sorted(missing)}, unknown {sorted(unknown)}"
            )
        if not any(fnmatch.fnmatchcase(t, entry["type"]) for t in TYPES):
            raise ExclusionError(
                f"{path}: exclusion {n}: type {entry['type']!r} matches none of {TYPES}"
            )
        if not str(entry["reason"]).strip():
            raise ExclusionError(f"{path}: exclusion {n}: an exclusion needs its reason")
        out.append(Exclusion(**entry))
    return out


@dataclass(frozen=True)
class Site(Point):
    """A coverage point merged over the instances of its module: its count summed
    over them, and how many there were."""

    count: int
    instances: int

    def describe(self) -> str:
        return f"{Path(self.file).name}:{self.line} {self.type} {self.comment}"


def sites(counts: Mapping[str, int], rtl_dir: Path) -> list[Site]:
    """Every site of a file under *rtl_dir*, its counts summed over instances."""
    root = str(rtl_dir.resolve()) + "/"
    merged: dict[Point, list[int]] = {}
    for key, count in counts.items():
        p, _ = point(key)
        if p.file.startswith(root):
            entry = merged.setdefault(p, [0, 0])
            entry[0] += count
            entry[1] += 1
    return sorted(
        (Site(**vars(p), count=c, instances=n) for p, (c, n) in merged.items()),
        key=lambda s: (s.type, s.module, s.file, s.line, s.column, s.comment),
    )


@dataclass
class Coverage:
    """Sites split into counted and excluded, with per-module figures."""

    sites: list[Site]
    exclusions: list[Exclusion] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.excluded: dict[Site, Exclusion] = {}
        used: set[Exclusion] = set()
        for s in self.sites:
            for ex in self.exclusions:
                if ex.covers(s):
                    self.excluded[s] = ex
                    used.add(ex)
                    break
        self.unused = [ex for ex in self.exclusions if ex not in used]

    @property
    def counted(self) -> list[Site]:
        return [s for s in self.sites if s not in self.excluded]

    def totals(self, module: str | None = None) -> dict[str, tuple[int, int]]:
        """``type -> (covered, total)`` over every module or one."""
        out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for s in self.counted:
            if module is None or s.module == module:
                out[s.type][0] += s.count > 0
                out[s.type][1] += 1
        return {t: (c, n) for t, (c, n) in out.items()}

    def percent(self, type_: str, module: str | None = None) -> float | None:
        covered, total = self.totals(module).get(type_, (0, 0))
        return None if total == 0 else 100.0 * covered / total

    def modules(self) -> list[str]:
        return sorted({s.module for s in self.sites})

    def missed(self, module: str | None = None) -> list[Site]:
        return [s for s in self.counted if s.count == 0 and module in (None, s.module)]

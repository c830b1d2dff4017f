"""Verilator's coverage data files (``coverage.dat``): read, merge, write.

The format is documented by Verilator (``include/verilated_cov.cpp``,
``src/VlcTop.cpp``): a first line ``# SystemC::Coverage-3``, then one line per
coverage point, ``C '<key>' <count>``. The key is a series of
``\\x01<name>\\x02<value>`` pairs; the names used here:

====  ==========================================================
f     source file
l     line
n     column
t     type: ``line``, ``branch``, ``toggle``, ``expr``, ``user``
page  ``v_<type>/<module>``: the module the point belongs to
o     comment: ``block``, ``if``/``else`` arm, ``sig[3]:0->1``, ...
S     for ``line`` and ``branch``: the source lines the point stands for
h     hierarchy: the instance the point was counted in
====  ==========================================================

Merging sums the counts of identical keys (what ``verilator_coverage
--write`` does), so merged files can be merged again: across the tests of a
process, the processes of a shard, and the shards of a regression.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "HEADER",
    "CoverageFormatError",
    "Point",
    "merge",
    "parse_key",
    "read",
    "write",
]

HEADER = "# SystemC::Coverage-3"
_FIELD, _VALUE = "\x01", "\x02"


class CoverageFormatError(ValueError):
    """A file that is not a Verilator coverage data file, with where and why."""


@dataclass(frozen=True)
class Point:
    """One coverage point, its key decoded, without the instance it was counted
    in: the same point in every instance of a module."""

    type: str
    module: str
    file: str
    line: int
    column: int
    comment: str
    lines: str  # the ``S`` field ("12", "12-14,16") or ""


def parse_key(key: str) -> dict[str, str]:
    """The ``name -> value`` pairs of a raw key."""
    fields = {}
    for pair in key.split(_FIELD)[1:]:
        name, sep, value = pair.partition(_VALUE)
        if not sep:
            raise CoverageFormatError(f"key field without a value: {pair!r}")
        fields[name] = value
    return fields


def point(key: str) -> tuple[Point, str]:
    """The :class:`Point` a raw key names, and the instance (``h``) it was counted in."""
    f = parse_key(key)
    page = f.get("page", "")
    # A parameterised module's page names its specialisation (interp_rom__L8_I9,
    # axi_burst_planner_ for a type parameter): its sites are the module's.
    module = page.split("/", 1)[1].split("__", 1)[0].rstrip("_") if "/" in page else ""
    try:
        return Point(
            type=f["t"], module=module, file=f["f"], line=int(f["l"]),
            column=int(f.get("n", "0")), comment=f.get("o", ""), lines=f.get("S", ""),
        ), f.get("h", "")  # fmt: skip
    except (KeyError, ValueError) as exc:
        raise CoverageFormatError(f"coverage point without type, file or line: {f}") from exc


def read(path: Path) -> dict[str, int]:
    """The raw key -> count pairs of one file (keys repeated in it are summed)."""
    counts: dict[str, int] = {}
    with open(path, encoding="utf-8", errors="surrogateescape") as fh:
        first = fh.readline().rstrip("\n")
        if first != HEADER:
            raise CoverageFormatError(f"{path}: first line {first!r}, expected {HEADER!r}")
        for n, line in enumerate(fh, start=2):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            if not line.startswith("C '"):
                raise CoverageFormatError(f"{path}:{n}: not a coverage line: {line[:80]!r}")
            key, sep, count = line[3:].rpartition("' ")
            if not sep or not count.isdigit():
                raise CoverageFormatError(f"{path}:{n}: no count after the key: {line[:80]!r}")
            counts[key] = counts.get(key, 0) + int(count)
    return counts


def merge(files: Iterable[Path | Mapping[str, int]]) -> dict[str, int]:
    """Counts of every key over *files* (paths or already read mappings), summed."""
    total: dict[str, int] = {}
    for item in files:
        for key, count in (read(item) if isinstance(item, Path) else item).items():
            total[key] = total.get(key, 0) + count
    return total


def write(counts: Mapping[str, int], path: Path) -> Path:
    """*counts* as a coverage data file that Verilator's tools and :func:`read` read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as fh:
        fh.write(HEADER + "\n")
        for key in sorted(counts):
            fh.write(f"C '{key}' {counts[key]}\n")
    return path

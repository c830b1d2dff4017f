"""Coverage in lcov's tracefile format (``lcov.info``), for genhtml, editors and CI
services: ``DA`` per source line of the ``line`` sites (its ``S`` lines), ``BRDA``
per ``branch`` site. Toggle, expression and user points have no lcov record;
they are in ``summary.json`` and the HTML report."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from ci.coverage.metrics import Site

__all__ = ["lcov_text", "line_hits", "line_numbers"]


def line_numbers(spec: str, default: int) -> list[int]:
    """The lines of an ``S`` field ("12", "12-14,16"); *default* when it is empty."""
    out: list[int] = []
    for part in filter(None, spec.split(",")):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out or [default]


def line_hits(sites: Iterable[Site]) -> dict[str, dict[int, int]]:
    """``file -> line -> count`` of the ``line`` sites (a line in several blocks
    takes the largest count: it ran when any block holding it ran)."""
    hits: dict[str, dict[int, int]] = defaultdict(dict)
    for s in sites:
        if s.type == "line":
            for n in line_numbers(s.lines, s.line):
                hits[s.file][n] = max(hits[s.file].get(n, 0), s.count)
    return hits


def lcov_text(sites: Iterable[Site], test_name: str = "edgemoe") -> str:
    sites = list(sites)
    hits = line_hits(sites)
    branches: dict[str, list[Site]] = defaultdict(list)
    for s in sites:
        if s.type == "branch":
            branches[s.file].append(s)
    out = [f"TN:{test_name}\n"]
    for file in sorted(set(hits) | set(branches)):
        out.append(f"SF:{file}\n")
        for i, s in enumerate(sorted(branches[file], key=lambda s: (s.line, s.column))):
            out.append(f"BRDA:{s.line},{s.column},{i},{s.count}\n")
        brs = branches[file]
        out.append(f"BRF:{len(brs)}\nBRH:{sum(s.count > 0 for s in brs)}\n")
        lines = hits[file]
        out += [f"DA:{n},{c}\n" for n, c in sorted(lines.items())]
        out.append(f"LF:{len(lines)}\nLH:{sum(c > 0 for c in lines.values())}\n")
        out.append("end_of_record\n")
    return "".join(out)

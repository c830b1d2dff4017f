"""``python -m ci.coverage``: merge the coverage data files of a regression and
report RTL code coverage.

Reads every ``*.dat`` (Verilator's code coverage) and ``functional-*.json``
(the benches' functional bins, ci.coverage.functional) under the raw folders
(default ``reports/coverage/raw``, where the benches' runs write theirs when
``EDGEMOE_COVERAGE_DIR`` is set: ``nox -s coverage``), merges them and writes
into ``--out`` (default ``reports/coverage``):

* ``coverage.dat``: the merged counts (Verilator's format; merges again);
* ``lcov.info``: line and branch coverage for lcov/genhtml and CI services;
* ``summary.json``: percentages per type and per module, thresholds, what was
  missed and excluded;
* ``index.html`` and ``files/*.html``: the browsable report.

With ``--check`` it exits 1 when a threshold of ``coverage/policy.toml`` is
not met (a metric not measured fails its threshold), or when an exclusion of
that file matches nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path

from ci.coverage import functional, vcov
from ci.coverage.html import write_html
from ci.coverage.lcov import lcov_text
from ci.coverage.metrics import TYPES, Coverage, load_exclusions, sites
from ci.rtl_sources import REPO_ROOT, RTL_DIR

POLICY = REPO_ROOT / "coverage" / "policy.toml"
RAW_DIR = REPO_ROOT / "reports" / "coverage" / "raw"
#: How many never-hit sites summary.json lists per module and type.
MISSED_LISTED = 50
#: How many missed functional bins it lists (all are counted).
MISSED_BINS_LISTED = 500


def thresholds(policy: Path = POLICY) -> dict[str, float]:
    if not policy.is_file():
        return {}
    return {k: float(v) for k, v in tomllib.loads(policy.read_text()).get("thresholds", {}).items()}


def summary(cov: Coverage, limits: dict[str, float], files: int, fcov: dict) -> dict:
    per_module = {}
    for module in cov.modules():
        per_module[module] = {
            t: {"covered": c, "total": n, "pct": round(100.0 * c / n, 2)}
            for t, (c, n) in sorted(cov.totals(module).items())
        }
    missed: dict[str, dict[str, list[str]]] = {}
    for s in cov.missed():
        listed = missed.setdefault(s.module, {}).setdefault(s.type, [])
        if len(listed) < MISSED_LISTED:
            listed.append(s.describe())
    out: dict = {t: _round(cov.percent(t)) for t in TYPES}
    out |= {
        "functional": fcov["pct"],
        "bins_missed": fcov["bins_missed"][:MISSED_BINS_LISTED],
        "bins_missed_count": len(fcov["bins_missed"]),
        "functional_groups": fcov["per_group"],
        "functional_unknown_bins": fcov["unknown"],
        "data_files": files,
        "thresholds": limits,
        "per_module": per_module,
        "missed": missed,
        "excluded": [
            {"site": s.describe(), "module": s.module, "reason": ex.reason}
            for s, ex in cov.excluded.items()
        ],
    }
    return out


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def failures(report: dict, cov: Coverage) -> list[str]:
    out = []
    for metric, limit in report["thresholds"].items():
        got = report.get(metric)
        if got is None:
            out.append(f"{metric}: not measured (threshold {limit:g}%)")
        elif got < limit:
            out.append(f"{metric}: {got:.2f}% < {limit:g}%")
    out += [f"exclusion matches nothing: {ex.describe()}" for ex in cov.unused]
    out += [
        f"functional bin outside its group's space: {b}" for b in report["functional_unknown_bins"]
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, action="append", help="folder of *.dat files")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "reports" / "coverage")
    parser.add_argument("--policy", type=Path, default=POLICY)
    parser.add_argument("--rtl-dir", type=Path, default=RTL_DIR, help="the sources that count")
    parser.add_argument("--check", action="store_true", help="exit 1 below the thresholds")
    args = parser.parse_args(argv)

    raw_dirs = [Path(d) for d in (args.raw or [RAW_DIR])]
    files = sorted(f for d in raw_dirs for f in d.rglob("*.dat"))
    bins_files = sorted(f for d in raw_dirs for f in d.rglob("functional-*.json"))
    if not files:
        print(f"no coverage data under {', '.join(map(str, args.raw or [RAW_DIR]))}: "
              "run the benches with EDGEMOE_COVERAGE_DIR set (nox -s coverage)")  # fmt: skip
        return 1
    try:
        counts = vcov.merge(files)
        fcov = functional.report(functional.merge(bins_files))
        cov = Coverage(sites(counts, args.rtl_dir), load_exclusions(args.policy))
    except ValueError as exc:  # CoverageFormatError, ExclusionError
        print(f"coverage: {exc}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    vcov.write(counts, args.out / "coverage.dat")
    (args.out / "lcov.info").write_text(lcov_text(cov.counted))
    limits = thresholds(args.policy)
    report = summary(cov, limits, len(files), fcov)
    (args.out / "summary.json").write_text(json.dumps(report, indent=1) + "\n")
    index = write_html(cov, args.out, limits, fcov)

    types = [t for t in TYPES if report[t] is not None]
    print(f"{'module':<28}" + "".join(f"{t:>10}" for t in types))
    for module in cov.modules():
        cells = (cov.percent(t, module) for t in types)
        print(f"{module:<28}" + "".join("         -" if p is None else f"{p:9.1f}%" for p in cells))
    print(f"{'all of rtl/':<28}" + "".join(f"{report[t]:9.1f}%" for t in types))
    for group, keys in fcov["per_group"].items():
        for key, n in keys.items():
            print(f"functional {group} [{key}]: {n['covered']}/{n['total']} bins")
    functional_pct = "-" if fcov["pct"] is None else f"{fcov['pct']:.1f}%"
    print(f"functional: {functional_pct}; {len(files)} code and {len(bins_files)} functional "
          f"data files; report {index}; summary {args.out / 'summary.json'}")  # fmt: skip
    problems = failures(report, cov)
    for p in problems:
        print(f"coverage below policy: {p}")
    return 1 if args.check and problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""``python -m ci.regression``: merge shard reports, refresh durations, hunt flakes.

python -m ci.regression merge DIR [DIR ...] --out reports/regression
    one JUnit XML and one summary from the report folders of separate shards
    (each written by ``pytest --shard K/N --report-dir DIR``)
python -m ci.regression durations [SUMMARY.json ...]
    record the tests' durations (default: reports/regression/summary.json)
    into ci/regression/durations.json, which balances shards and workers
python -m ci.regression flakes N [-- PYTEST ARGS]
    run the randomised tests under N fresh seeds; every failure with its seed
"""

from __future__ import annotations

import argparse
import json
import secrets
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from ci.regression import report, shards

DEFAULT_OUT = Path("reports/regression")
FLAKES_OUT = Path("reports/flakes")


class MergeError(ValueError):
    """A shard folder is missing its report or the shards do not belong together."""


def _load_summary(folder: Path) -> dict:
    path = folder / "summary.json"
    if not path.is_file():
        raise MergeError(f"{folder}: no summary.json (run pytest with --report-dir {folder})")
    return json.loads(path.read_text())


def merge_junit(paths: list[Path], out: Path) -> Path:
    """Every <testsuite> of the shards' JUnit files under one <testsuites>."""
    root = ET.Element("testsuites")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    time_s = 0.0
    for path in paths:
        tree = ET.parse(path).getroot()
        suites = [tree] if tree.tag == "testsuite" else list(tree.iter("testsuite"))
        for suite in suites:
            root.append(suite)
            for key in totals:
                totals[key] += int(suite.get(key, 0))
            time_s += float(suite.get("time", 0))
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{time_s:.3f}")
    out.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)
    return out


def merge(folders: list[Path], out: Path) -> dict:
    """One summary (and JUnit XML) from the shards' report folders."""
    if not folders:
        raise MergeError("no shard folders given")
    parts = [_load_summary(f) for f in folders]
    seeds = {p["seed"] for p in parts}
    tiers = {p.get("tier") for p in parts}
    if len(seeds) != 1 or len(tiers) != 1:
        raise MergeError(
            f"shards ran with different seeds {sorted(seeds)} or tiers {sorted(map(str, tiers))}: "
            "run every shard with the same --sim-seed and session"
        )
    tests: dict[str, dict] = {}
    for p in parts:
        for t in p["tests"]:
            if t["nodeid"] in tests:
                raise MergeError(f"{t['nodeid']} ran in two shards")
            tests[t["nodeid"]] = t
    junits = [f / "junit.xml" for f in folders if (f / "junit.xml").is_file()]
    meta = {
        "tier": parts[0].get("tier"),
        "seed": parts[0]["seed"],
        "shard": None,
        "command": "python -m ci.regression merge " + " ".join(map(str, folders)),
        "wall_s": max(p.get("wall_s") or 0 for p in parts),
        "git_commit": parts[0].get("git_commit"),
        "shards": [
            {
                "folder": str(f),
                "shard": p.get("shard"),
                "wall_s": p.get("wall_s"),
                "totals": p["totals"],
            }
            for f, p in zip(folders, parts, strict=True)
        ],
        "junit_xml": str(merge_junit(junits, out / "junit.xml")) if junits else None,
    }
    summary = report.summarise(meta, list(tests.values()))
    report.write(summary, out)
    return summary


def record_durations(summaries: list[Path], path: Path = shards.DURATIONS_FILE) -> int:
    """Merge the passed tests' durations of *summaries* into the durations file."""
    known = shards.load_durations(path)
    for s in summaries:
        for t in json.loads(s.read_text())["tests"]:
            if t["outcome"] == "passed":
                known[t["nodeid"]] = round(t["duration_s"], 2)
    path.write_text(json.dumps({"tests": dict(sorted(known.items()))}, indent=0) + "\n")
    return len(known)


def hunt_flakes(n: int, pytest_args: list[str], out: Path = FLAKES_OUT) -> int:
    """Run the randomised tests *n* times, each under a fresh seed; report failures."""
    runs = []
    for i in range(n):
        seed = secrets.randbelow(2**31)
        folder = out / f"run-{i + 1:02d}-seed-{seed}"
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            "--randomised-only",
            "--sim-seed",
            str(seed),
            "--report-dir",
            str(folder),
            "-q",
            "-p",
            "no:cacheprovider",
            *pytest_args,
        ]
        print(f"flakes: run {i + 1}/{n}, seed {seed}: {' '.join(cmd[2:])}", flush=True)
        subprocess.run(cmd, check=False)
        summary = _load_summary(folder)
        failed = [t for t in summary["tests"] if t["outcome"] in ("failed", "error")]
        runs.append(
            {
                "run": i + 1,
                "seed": seed,
                "totals": summary["totals"],
                "wall_s": summary.get("wall_s"),
                "failures": failed,
            }
        )
        print(f"flakes: run {i + 1}: {summary['totals']}", flush=True)
    flakes = [f for r in runs for f in r["failures"]]
    doc = {"runs": runs, "seeds": [r["seed"] for r in runs], "flakes": len(flakes)}
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(doc, indent=1) + "\n")
    lines = [
        "# Flake hunt",
        "",
        f"{n} runs of the randomised tests, each under a fresh seed: **{len(flakes)} failure(s)**.",
        "",
        "| run | seed | passed | failed | seconds |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        t = r["totals"]
        lines.append(
            f"| {r['run']} | {r['seed']} | {t['passed']} | "
            f"{t['failed'] + t['error']} | {r['wall_s'] or 0:.0f} |"
        )
    for f in flakes:
        lines += [
            "",
            f"- `{f['nodeid']}` (seed {f['seed']}): {f['message'].splitlines()[0]}",
            f"  rerun: `{f['rerun']}`",
        ]
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    print(f"flakes: {len(flakes)} failure(s) in {n} runs; {out / 'summary.md'}")
    return 1 if flakes else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ci.regression", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("merge", help="merge shard report folders")
    m.add_argument("folders", nargs="+", type=Path)
    m.add_argument("--out", type=Path, default=DEFAULT_OUT)
    d = sub.add_parser("durations", help="record test durations for balancing")
    d.add_argument("summaries", nargs="*", type=Path, default=[DEFAULT_OUT / "summary.json"])
    f = sub.add_parser("flakes", help="run the randomised tests under N fresh seeds")
    f.add_argument("n", type=int)
    f.add_argument("pytest_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.cmd == "merge":
        try:
            summary = merge(args.folders, args.out)
        except MergeError as exc:
            print(f"merge: {exc}", file=sys.stderr)
            return 2
        print(f"merged {len(args.folders)} shards: {summary['totals']} -> {args.out}")
        return 0 if summary["ok"] else 1
    if args.cmd == "durations":
        n = record_durations(args.summaries)
        print(f"{shards.DURATIONS_FILE}: {n} tests")
        return 0
    if args.n < 1:
        parser.error("flakes: N must be at least 1")
    extra = args.pytest_args[1:] if args.pytest_args[:1] == ["--"] else args.pytest_args
    return hunt_flakes(args.n, extra)


if __name__ == "__main__":
    sys.exit(main())

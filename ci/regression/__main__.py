"""``python -m ci.regression``: merge shard reports, refresh durations, hunt flakes.

python -m ci.regression merge DIR [DIR ...] --out reports/regression
    one JUnit XML and one summary from the report folders of separate shards
    (each written by ``pytest --shard K/N --report-dir DIR``)
python -m ci.regression durations [SUMMARY.json ...]
    record the tests' durations (default: reports/regression/summary.json)
    into ci/regression/durations.json, which balances shards and workers
python -m ci.regression flakes N [--fresh] [-- PYTEST ARGS]
    run the randomised tests under N fresh seeds; every failure with its seed.
    Runs already made at the same commit (clean tree, same arguments) count
    towards N, so a long hunt continues where it stopped (--fresh: start over)
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


def _tree_state(cwd: Path | None = None) -> tuple[str | None, bool]:
    """(HEAD commit, whether tracked files differ from it) of the working tree."""

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                                 timeout=30)  # fmt: skip
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return commit, status is None or status != ""


def _earlier_runs(out: Path, commit: str | None, dirty: bool, pytest_args: list[str]) -> list:
    """The finished runs in *out* that a hunt may count again: made at the same
    commit, from a clean tree (now and then), with the same pytest arguments."""
    if commit is None or dirty:
        return []
    runs = []
    for folder in sorted(out.glob("run-*")):
        meta_path = folder / "hunt.json"
        if not (meta_path.is_file() and (folder / "summary.json").is_file()):
            continue
        meta = json.loads(meta_path.read_text())
        if meta.get("commit") == commit and not meta.get("dirty", True) and \
                meta.get("pytest_args") == pytest_args:  # fmt: skip
            runs.append((folder, meta))
    return runs


def hunt_flakes(
    n: int, pytest_args: list[str], out: Path = FLAKES_OUT, *, resume: bool = True
) -> int:
    """Run the randomised tests *n* times, each under a fresh seed; report failures.

    With *resume*, runs already in *out* from the same commit (a clean tree) and
    the same pytest arguments count towards the *n*, so a hunt longer than one
    sitting can be continued where it stopped."""
    commit, dirty = _tree_state()
    earlier = _earlier_runs(out, commit, dirty, pytest_args) if resume else []
    folders = [f for f, _ in earlier[:n]]
    if folders:
        print(f"flakes: {len(folders)} earlier run(s) at {commit[:12]} count towards {n}",
              flush=True)  # fmt: skip
    taken = {int(f.name.split("-")[1]) for f in out.glob("run-*") if f.name.split("-")[1].isdigit()}
    number = max(taken, default=0)
    while len(folders) < n:
        number += 1
        seed = secrets.randbelow(2**31)
        folder = out / f"run-{number:02d}-seed-{seed}"
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
        print(f"flakes: run {len(folders) + 1}/{n}, seed {seed}: {' '.join(cmd[2:])}", flush=True)
        subprocess.run(cmd, check=False)
        _load_summary(folder)  # a run that wrote no summary stops the hunt here
        meta = {"seed": seed, "commit": commit, "dirty": dirty, "pytest_args": pytest_args}
        (folder / "hunt.json").write_text(json.dumps(meta, indent=1) + "\n")
        folders.append(folder)
    runs = []
    for k, folder in enumerate(folders):
        summary = _load_summary(folder)
        failed = [t for t in summary["tests"] if t["outcome"] in ("failed", "error")]
        runs.append({"run": k + 1, "folder": folder.name, "seed": summary["seed"],
                     "totals": summary["totals"], "wall_s": summary.get("wall_s"),
                     "failures": failed})  # fmt: skip
        print(f"flakes: run {k + 1} (seed {summary['seed']}): {summary['totals']}", flush=True)
    flakes = [f for r in runs for f in r["failures"]]
    doc = {"runs": runs, "seeds": [r["seed"] for r in runs], "flakes": len(flakes),
           "git_commit": commit, "dirty": dirty, "pytest_args": pytest_args}  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(doc, indent=1) + "\n")
    where = f"commit {commit[:12]}" if commit else "an unknown commit"
    lines = [
        "# Flake hunt",
        "",
        f"{n} runs of the randomised tests, each under a fresh seed, at {where}"
        f"{' (uncommitted changes)' if dirty else ''}: **{len(flakes)} failure(s)**.",
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
    f.add_argument("--fresh", action="store_true", help="do not count earlier runs of this commit")
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
    return hunt_flakes(args.n, extra, resume=not args.fresh)


if __name__ == "__main__":
    sys.exit(main())

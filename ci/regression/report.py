"""The regression report: ``summary.json`` and ``summary.md`` of one run (or of merged shards).

``summary.json`` holds the run's tier, seed, shard, configurations and one
entry per test (outcome, seconds, configurations, failure message and the
command that reruns it alone with the same seed and a waveform), and each
feature of the testplan (``coverage/testplan.toml``) with the outcomes of its
tests; ``summary.md`` is the same for a person: failures first, each with its
rerun command, then the testplan's features that ran, time per test file and
configuration, then the slowest tests.
"""

from __future__ import annotations

import json
import shlex
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from ci.coverage.testplan import TESTPLAN
from ci.coverage.testplan import load as load_testplan

__all__ = ["OUTCOMES", "rerun_command", "summarise", "testplan_results", "write"]

OUTCOMES = ("passed", "failed", "error", "skipped")
#: Slowest tests listed in summary.md.
SLOWEST = 15
#: Lines of a failure message quoted in summary.md (all of it is in summary.json).
MESSAGE_LINES = 12


def rerun_command(nodeid: str, seed: int, tier: str | None, *, sim: bool) -> str:
    """The one command that reruns *nodeid* alone with *seed* (and, for a
    simulation, writes a waveform): through the tier's nox session when there is
    one (``-R``: reuse its virtualenv, no reinstall), else plain pytest."""
    args = f"{shlex.quote(nodeid)} --sim-seed {seed}" + (" --waves" if sim else "")
    if tier:
        return f"nox -R -s {tier} -- {args}"
    return f"python -m pytest {args}"


def summarise(meta: dict[str, Any], tests: list[dict[str, Any]]) -> dict[str, Any]:
    """The summary.json document of *tests* (dicts as the plugin records them)."""
    totals = Counter(t["outcome"] for t in tests)
    configs = sorted({c for t in tests for c in t.get("configs", [])})
    return {
        **meta,
        "totals": {k: totals.get(k, 0) for k in OUTCOMES},
        "ok": totals.get("failed", 0) == 0 and totals.get("error", 0) == 0,
        "test_seconds": round(sum(t["duration_s"] for t in tests), 3),
        "configurations": configs,
        "testplan": testplan_results(tests),
        "tests": sorted(tests, key=lambda t: t["nodeid"]),
    }


def testplan_results(tests: list[dict[str, Any]], path: Path = TESTPLAN) -> list[dict[str, Any]]:
    """Each feature of the testplan (coverage/testplan.toml) with the outcomes of
    its pytest tests in this run (every parametrisation counts): ``failed`` when
    any failed, ``passed`` when some ran and none failed, ``not run`` otherwise."""
    if not path.is_file():
        return []
    by_test: dict[str, Counter] = defaultdict(Counter)
    for t in tests:
        by_test[t["nodeid"].split("[", 1)[0]][t["outcome"]] += 1
    out = []
    for feature in load_testplan(path):
        c = sum((by_test.get(name, Counter()) for name in feature.tests), Counter())
        bad = c["failed"] + c["error"]
        status = "failed" if bad else "passed" if c["passed"] else "not run"
        out.append({"feature": feature.id, "status": status, "passed": c["passed"],
                    "failed": bad, "skipped": c["skipped"]})  # fmt: skip
    return out


def _markdown(summary: dict[str, Any]) -> str:
    t = summary["totals"]
    shard = summary.get("shard")
    lines = [
        "# Regression summary",
        "",
        f"- tier: `{summary.get('tier') or 'pytest'}`"
        + (f", shard {shard}" if shard else "")
        + (f", merged from {len(summary['shards'])} shards" if summary.get("shards") else ""),
        f"- seed: {summary.get('seed')}",
        f"- command: `{summary.get('command', '')}`",
        f"- configurations: {', '.join(summary['configurations']) or '(none)'}",
        f"- result: **{'PASS' if summary['ok'] else 'FAIL'}**: "
        + ", ".join(f"{t[k]} {k}" for k in OUTCOMES)
        + f"; {summary['test_seconds']:.0f} s of test time"
        + (f" in {summary['wall_s']:.0f} s wall" if summary.get("wall_s") else ""),
        "",
    ]
    failures = [x for x in summary["tests"] if x["outcome"] in ("failed", "error")]
    if failures:
        lines += ["## Failures", ""]
        for x in failures:
            msg = x.get("message", "").strip().splitlines()[:MESSAGE_LINES]
            lines += [
                f"### {x['nodeid']} ({x['outcome']}, seed {x['seed']})",
                "",
                "```",
                *msg,
                "```",
                "",
                "Rerun alone (same seed, waveform):",
                "",
                "```sh",
                x["rerun"],
                "```",
                "",
            ]
    plan = [f for f in summary.get("testplan", []) if f["status"] != "not run"]
    if plan:
        lines += [
            "## Testplan (coverage/testplan.toml)",
            "",
            "| feature | status | passed | failed | skipped |",
            "|---|---|---:|---:|---:|",
        ]
        lines += [
            f"| `{f['feature']}` | {f['status']} | {f['passed']} | {f['failed']} | {f['skipped']} |"
            for f in plan
        ]
        lines.append("")
    groups: dict[str, list[dict]] = defaultdict(list)
    for x in summary["tests"]:
        groups[x["group"]].append(x)
    lines += [
        "## By test file and configuration",
        "",
        "| group | tests | passed | failed | skipped | seconds |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in sorted(groups, key=lambda g: -sum(x["duration_s"] for x in groups[g])):
        xs = groups[name]
        c = Counter(x["outcome"] for x in xs)
        lines.append(
            f"| `{name}` | {len(xs)} | {c['passed']} | {c['failed'] + c['error']} | "
            f"{c['skipped']} | {sum(x['duration_s'] for x in xs):.1f} |"
        )
    lines += [
        "",
        f"## Slowest {SLOWEST} tests",
        "",
        "| test | outcome | seconds |",
        "|---|---|---:|",
    ]
    for x in sorted(summary["tests"], key=lambda x: -x["duration_s"])[:SLOWEST]:
        lines.append(f"| `{x['nodeid']}` | {x['outcome']} | {x['duration_s']:.1f} |")
    skipped = [x for x in summary["tests"] if x["outcome"] == "skipped"]
    if skipped:
        lines += ["", "## Skipped", ""]
        lines += [f"- `{x['nodeid']}`: {x.get('message', '').strip()}" for x in skipped]
    return "\n".join(lines) + "\n"


def write(summary: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """Write ``summary.json`` and ``summary.md`` into *out_dir*; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    js, md = out_dir / "summary.json", out_dir / "summary.md"
    js.write_text(json.dumps(summary, indent=1) + "\n")
    md.write_text(_markdown(summary))
    return js, md

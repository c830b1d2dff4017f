"""``python -m ci.report_html``: one self-contained HTML page of every report.

Reads what exists of the suite's reports under a reports folder (default
``reports/``) and writes ``index.html`` beside them (``nox -s report``):

* ``errorbounds/summary.json`` and its PNG plots (``nox -s errorbounds``): every
  gate's measured value, gate, margin and status, the plots embedded;
* ``regression/summary.json`` (any pytest run): totals, seed, configurations,
  failures with their message and rerun command, the slowest tests;
* ``flakes/summary.json`` (``nox -s flakes``): runs, seeds, failures;
* ``bench/bench.json`` (``nox -s bench``): the kernel's simulation speed and
  cycles per layer and stage.

The page needs nothing beside itself: no network, no script, the plots inline
as base64 data URIs, so the one file can be mailed or kept as a CI artifact.
A report not written yet shows the command that writes it; a report that
cannot be read (not JSON, missing fields) shows a marked "broken" section
naming the file, and the command exits 1 after writing the page.
"""

from __future__ import annotations

import argparse
import base64
import heapq
import html
import json
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from ci.regression.report import MESSAGE_LINES, OUTCOMES, SLOWEST
from ci.rtl_sources import REPO_ROOT
from golden.errorbounds import gates
from golden.errorbounds.report import ORDER, TITLES, gate_value_text

__all__ = ["KINDS", "ReportError", "Section", "build_index", "main", "write_index"]

DEFAULT_REPORTS = Path("reports")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 72em;
       padding: 0 1em; color: #222; }
h1, h2, h3, h4 { line-height: 1.2; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
h4 { font-family: ui-monospace, monospace; font-weight: normal; word-break: break-all; }
table { border-collapse: collapse; margin: .6em 0; }
th, td { border: 1px solid #ccc; padding: .2em .5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font-family: ui-monospace, monospace; font-size: 12.5px; }
pre { background: #f6f6f6; padding: .5em; overflow-x: auto; white-space: pre-wrap; }
.pass { color: #106b10; font-weight: bold; }
.FAIL, .broken { color: #b00; font-weight: bold; }
.absent { color: #777; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { color: #555; font-size: 12px; }
"""


class ReportError(ValueError):
    """A report file that cannot be read: not JSON, or not the expected content."""


class Html(str):
    """Text that is already HTML (escaped where needed); table cells keep it as is."""


def esc(value: object) -> Html:
    """Any value as escaped HTML text (an ``Html`` value passes through)."""
    return value if isinstance(value, Html) else Html(html.escape(str(value), quote=True))


def tag(name: str, content: object, cls: str | None = None) -> Html:
    attr = f' class="{esc(cls)}"' if cls else ""
    return Html(f"<{name}{attr}>{esc(content)}</{name}>")


def code(text: object) -> Html:
    return tag("code", text)


def status_text(status: str) -> Html:
    """A status word (pass, FAIL, not run, broken) in its colour."""
    cls = {"not run": "absent"}.get(status, status)
    return tag("span", status, cls)


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], numeric: Iterable[int] = ()):
    """An HTML table; every cell is escaped unless it is ``Html``; ``numeric`` columns
    are right-aligned."""
    right = set(numeric)
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    td = ('<td class="num">', "<td>")
    body = "".join(
        "<tr>"
        + "".join(f"{td[i not in right]}{esc(c)}</td>" for i, c in enumerate(row))
        + "</tr>\n"
        for row in rows
    )
    return Html(f"<table>\n<tr>{head}</tr>\n{body}</table>\n")


def facts(pairs: Iterable[tuple[str, object]]) -> Html:
    """A short list of "name: value" lines (pairs whose value is None are left out)."""
    items = "".join(f"<li>{esc(k)}: {esc(v)}</li>" for k, v in pairs if v is not None)
    return Html(f"<ul>{items}</ul>\n")


def pre(text: str) -> Html:
    return Html(f"<pre>{esc(text)}</pre>\n")


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def count(value: float) -> str:
    return f"{value:,.0f}"


def first_lines(message: str, n: int = MESSAGE_LINES) -> str:
    """The first ``n`` lines of a failure message, saying how many were left out."""
    lines = message.strip().splitlines() or ["(no message)"]
    more = len(lines) - n
    return "\n".join(lines[:n] + ([f"... {more} more line(s) in summary.json"] if more > 0 else []))


def first_line(message: str) -> str:
    return (message.strip().splitlines() or ["(no message)"])[0]


def png_data_uri(path: Path) -> str:
    """``path`` as a ``data:image/png;base64,...`` URI; a file that is not a PNG is refused."""
    data = path.read_bytes()
    if not data.startswith(PNG_SIGNATURE):
        raise ReportError(f"{path}: not a PNG file")
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def figure(path: Path) -> Html:
    """An embedded plot with its file name as caption (or a line saying why not)."""
    try:
        uri = png_data_uri(path)
    except (OSError, ReportError) as exc:
        return Html(f'<p class="broken">plot not embedded: {esc(exc)}</p>\n')
    return Html(
        f'<figure><img src="{uri}" alt="{esc(path.name)}">'
        f"<figcaption>{esc(path.name)}</figcaption></figure>\n"
    )


def read_json(path: Path) -> Any:
    """The JSON document in ``path``; a ``ReportError`` naming the file if it is not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ReportError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path}: cannot be read ({exc})") from None


class Rendered(NamedTuple):
    status: str  # "pass" or "FAIL"
    summary: str  # one line for the overview
    body: Html


# ---------------------------------------------------------------- error bounds


def _gate_rows(doc: dict) -> list[dict]:
    """The gates as summary.json recorded them (computed from gates.py for an older
    summary.json without them)."""
    if "gates" in doc:
        return doc["gates"]
    return [r.as_dict() for r in gates.check(doc)[1]]


def _gate_row(g: dict, doc: dict) -> list[object]:
    section = g["path"].split(".", 1)[0]
    design = gates.DESIGN.get(g["path"])
    unit = design.unit if design else ""
    cmp = "" if unit == "flag" else f"{g['compare']} "
    if g["measured"] is None:
        measured = f"not measured ({g.get('note') or 'no value'})"
    else:
        measured = gate_value_text(g["measured"], unit)
    quantity = g["quantity"] + (f" (when {g['applies']})" if g.get("applies") else "")
    measured_at = (doc.get(section) or {}).get("measured_at", "-")
    return [
        TITLES.get(section, section),
        Html(f"{esc(quantity)}<br>{code(g['path'])}"),
        measured,
        cmp + gate_value_text(g["gate"], unit),
        g.get("margin_text", "-"),
        status_text(g["status"]),
        measured_at,
    ]


def _plot_order(path: Path) -> tuple[int, str]:
    """Plots in the report's section order (gelu_error.png, ..., model_sqnr.png), then others."""
    prefix = path.stem.split("_", 1)[0]
    return (ORDER.index(prefix) if prefix in ORDER else len(ORDER), path.name)


def render_errorbounds(doc: dict, folder: Path) -> Rendered:
    rows = _gate_rows(doc)
    failed = [g["path"] for g in rows if g["status"] == "FAIL"]
    unmeasured = [g["path"] for g in rows if g["measured"] is None]
    parts = [
        tag("p", "Every gate of golden/errorbounds/gates.py: measured value, enforced gate "
                 "and margin (errors: gate / measured; SQNR: measured - gate)."),
        table(
            ["approximation", "quantity", "measured", "gate", "margin", "status", "measured at"],
            (_gate_row(g, doc) for g in rows),
            numeric=(2, 3),
        ),
    ]  # fmt: skip
    unavailable = doc.get("unavailable") or {}
    if unavailable:
        parts.append(tag("h3", "Not measured"))
        parts.append(facts(sorted(unavailable.items())))
    plots = sorted(folder.glob("*.png"), key=_plot_order)
    parts.append(tag("h3", "Plots"))
    parts += [figure(p) for p in plots] or [tag("p", "no plots in this folder", "absent")]
    summary = f"{len(rows) - len(failed)} of {len(rows)} gates hold"
    if failed:
        summary += "; FAIL: " + ", ".join(failed)
    if unmeasured:
        summary += f"; {len(unmeasured)} not measured"
    return Rendered("FAIL" if failed else "pass", summary, Html("".join(parts)))


# ---------------------------------------------------------------- regression


def _failure_block(t: dict) -> Html:
    return Html(
        f"<h4>{esc(t['nodeid'])} ({esc(t['outcome'])}, seed {esc(t.get('seed', '-'))})</h4>\n"
        + pre(first_lines(t.get("message", "")))
        + tag("p", "Rerun alone (same seed, waveform):")
        + pre(t["rerun"])
    )


def _slowest_table(tests: list[dict], n: int = SLOWEST) -> Html:
    slowest = heapq.nlargest(n, tests, key=lambda t: t["duration_s"])
    return table(
        ["test", "outcome", "configurations", "seconds"],
        (
            [code(t["nodeid"]), t["outcome"], ", ".join(t.get("configs", [])) or "-",
             seconds(t["duration_s"])]
            for t in slowest
        ),
        numeric=(3,),
    )  # fmt: skip


def render_regression(doc: dict, folder: Path) -> Rendered:
    totals, tests = doc["totals"], doc["tests"]
    failures = [t for t in tests if t["outcome"] in ("failed", "error")]
    ok = bool(doc["ok"])
    shard = doc.get("shard")
    run_facts = facts(
        [
            ("result", status_text("pass" if ok else "FAIL")),
            ("tier", doc.get("tier") or "pytest"),
            ("seed", doc.get("seed")),
            ("shard", shard),
            ("command", code(doc.get("command", "-"))),
            ("commit", code(doc["git_commit"]) if doc.get("git_commit") else None),
            ("started", doc.get("started")),
            ("wall time", f"{seconds(doc.get('wall_s'))} s" if doc.get("wall_s") else None),
            ("test time", f"{seconds(doc.get('test_seconds'))} s"),
            ("configurations", ", ".join(doc.get("configurations", [])) or "(none)"),
        ]
    )
    parts = [
        run_facts,
        table(OUTCOMES, [[totals.get(k, 0) for k in OUTCOMES]], numeric=range(len(OUTCOMES))),
    ]
    if doc.get("shards"):
        parts += [
            tag("h3", "Shards"),
            table(
                ["folder", "shard", *OUTCOMES, "wall seconds"],
                (
                    [s["folder"], s.get("shard") or "-",
                     *(s["totals"].get(k, 0) for k in OUTCOMES), seconds(s.get("wall_s"))]
                    for s in doc["shards"]
                ),
                numeric=range(2, 3 + len(OUTCOMES)),
            ),
        ]  # fmt: skip
    if failures:
        parts.append(tag("h3", f"Failures ({len(failures)})"))
        parts += [_failure_block(t) for t in failures]
    parts += [tag("h3", f"Slowest {min(SLOWEST, len(tests))} tests"), _slowest_table(tests)]
    summary = ", ".join(f"{totals.get(k, 0)} {k}" for k in OUTCOMES)
    summary += f"; seed {doc.get('seed')}"
    return Rendered("pass" if ok else "FAIL", summary, Html("".join(parts)))


# ---------------------------------------------------------------- flakes


def render_flakes(doc: dict, folder: Path) -> Rendered:
    runs = doc["runs"]
    found = [(r, f) for r in runs for f in r["failures"]]
    parts = [
        facts(
            [
                ("runs", len(runs)),
                ("seeds", ", ".join(str(s) for s in doc.get("seeds", [r["seed"] for r in runs]))),
                ("failures", len(found)),
            ]
        ),
        table(
            ["run", "seed", "passed", "failed", "skipped", "seconds"],
            (
                [r["run"], r["seed"], r["totals"]["passed"],
                 r["totals"]["failed"] + r["totals"]["error"], r["totals"]["skipped"],
                 seconds(r.get("wall_s"))]
                for r in runs
            ),
            numeric=range(6),
        ),
    ]  # fmt: skip
    if found:
        parts += [
            tag("h3", f"Failures ({len(found)})"),
            table(
                ["test", "run", "seed", "message", "rerun"],
                (
                    [code(f["nodeid"]), r["run"], f.get("seed", r["seed"]),
                     first_line(f.get("message", "")), code(f["rerun"])]
                    for r, f in found
                ),
                numeric=(1, 2),
            ),
        ]  # fmt: skip
    summary = f"{len(found)} failure(s) in {len(runs)} run(s)"
    return Rendered("FAIL" if found else "pass", summary, Html("".join(parts)))


def _flake_runs_hint(folder: Path) -> str:
    runs = sorted(p.name for p in folder.glob("run-*") if p.is_dir())
    if not runs:
        return ""
    return (
        f"{len(runs)} run folder(s) ({', '.join(runs)}) but no summary.json: "
        "a hunt that did not finish"
    )


# ---------------------------------------------------------------- bench


def _ratio(num: float, den: float) -> str:
    return f"{num / den:.2f}" if den else "-"


def _bench_config(r: dict) -> Html:
    s = r["speed"]
    speed = table(
        ["AxiRam", "fast path", "bare C++", "AxiRam / bare", "fast path / bare"],
        [[count(s["axiram_cycles_per_s"]), count(s["fastpath_cycles_per_s"]),
          count(s["bare_cycles_per_s"]), f"{s['axiram_over_bare']:.3f}",
          f"{s['fastpath_over_bare']:.3f}"]],
        numeric=range(5),
    )  # fmt: skip
    layers = table(
        ["layer", "cycles", "ideal cycles", "ratio"],
        (
            [x["layer"], count(x["cycles"]), count(x["ideal_cycles"]),
             _ratio(x["cycles"], x["ideal_cycles"])]
            for x in r["layers"]
        ),
        numeric=range(4),
    )  # fmt: skip
    stages = table(
        ["stage", "layer", "name", "op", "cycles", "ideal cycles", "ratio", "bound"],
        (
            [x["stage"], x["layer"], x["name"], x.get("op", "-"), count(x["cycles"]),
             count(x["ideal_cycles"]), _ratio(x["cycles"], x["ideal_cycles"]), x["bound"]]
            for x in r["stages"]
        ),
        numeric=(0, 1, 4, 5, 6),
    )  # fmt: skip
    return Html(
        tag("h3", f"{r['config']} (stop after {r['stop_after']})")
        + facts(
            [
                ("kernel cycles (fast path)", count(r["kernel_cycles"])),
                ("kernel cycles (AxiRam)", count(r["kernel_cycles_axiram"])),
                ("kernel cycles (bare harness)", count(r["kernel_cycles_bare"])),
            ]
        )
        + tag("h4", "Simulated kernel cycles per wall-clock second")
        + speed
        + tag("h4", "Cycles per layer against the ideal")
        + layers
        + tag("h4", "Cycles per stage against the ideal (MAC- or read-bound)")
        + stages
    )


def render_bench(doc: dict, folder: Path) -> Rendered:
    kernel = doc["kernel"]
    body = Html("".join(_bench_config(r) for r in kernel))
    summary = ", ".join(f"{r['config']}: {count(r['kernel_cycles'])} cycles" for r in kernel)
    return Rendered("pass", summary or "no configurations", body)


# ---------------------------------------------------------------- the page


class Kind(NamedTuple):
    """One kind of report: where its file lives, what writes it, how it is shown."""

    key: str
    title: str
    file: str  # relative to the reports folder
    command: str  # what writes it
    render: Callable[[Any, Path], Rendered]
    absent_hint: Callable[[Path], str] | None = None  # more words when the file is absent


KINDS: tuple[Kind, ...] = (
    Kind("errorbounds", "Error bounds", "errorbounds/summary.json", "nox -s errorbounds",
         render_errorbounds),
    Kind("regression", "Regression", "regression/summary.json",
         "nox -s test (or nox -s sim; every pytest run writes it)", render_regression),
    Kind("flakes", "Flake hunt", "flakes/summary.json", "nox -s flakes", render_flakes,
         _flake_runs_hint),
    Kind("bench", "Kernel bench", "bench/bench.json", "nox -s bench", render_bench),
)  # fmt: skip


@dataclass
class Section:
    kind: Kind
    status: str  # "pass", "FAIL", "not run" or "broken"
    summary: str
    body: Html
    problem: str = ""  # why a broken section is broken (names the file)


def build_section(kind: Kind, reports: Path) -> Section:
    """A kind's section: rendered, "not run" with its command, or "broken" with the reason."""
    path = reports / kind.file
    if not path.is_file():
        hint = kind.absent_hint(path.parent) if kind.absent_hint else ""
        body = Html(
            f'<p class="absent">not run yet: {code(kind.command)}'
            + (f" ({esc(hint)})" if hint else "")
            + "</p>\n"
        )
        return Section(kind, "not run", kind.command, body)
    try:
        rendered = kind.render(read_json(path), path.parent)
    except ReportError as exc:
        problem = str(exc)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        what = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
        problem = f"{path}: not a {kind.title.lower()} report ({type(exc).__name__}: {what})"
    else:
        return Section(kind, rendered.status, rendered.summary, rendered.body)
    body = Html(
        f'<p class="broken">broken: {esc(problem)}</p>\n'
        f"<p>Rewrite it with {code(kind.command)}.</p>\n"
    )
    return Section(kind, "broken", problem, body, problem)


def git_commit(repo: Path = REPO_ROOT) -> str:
    """HEAD of the repository, or "unknown" outside git."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


def build_index(reports: Path, commit: str | None = None) -> tuple[str, list[Section]]:
    """The whole page for the reports under ``reports``, and its sections."""
    sections = [build_section(k, reports) for k in KINDS]
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    overview = table(
        ["report", "status", "summary"],
        (
            [Html(f'<a href="#{s.kind.key}">{esc(s.kind.title)}</a>'), status_text(s.status),
             s.summary]
            for s in sections
        ),
    )  # fmt: skip
    body = "".join(
        f'<section id="{esc(s.kind.key)}">\n<h2>{esc(s.kind.title)}: {status_text(s.status)}</h2>\n'
        f"<p>{code(reports / s.kind.file)}</p>\n{s.body}</section>\n"
        for s in sections
    )
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>edgemoe-cv reports</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n"
        "<h1>edgemoe-cv reports</h1>\n"
        f"<p>commit {code(commit or git_commit())}, written {esc(now)}, "
        f"from {code(reports)}</p>\n"
        f"{overview}{body}</body>\n</html>\n"
    )
    return page, sections


def write_index(reports: Path, out: Path | None = None) -> tuple[Path, list[Section]]:
    """Write the page (default ``reports/index.html``); returns its path and sections."""
    out = out or reports / "index.html"
    page, sections = build_index(reports)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out, sections


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ci.report_html", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--reports", type=Path, default=DEFAULT_REPORTS,
                        help="the reports folder (default: reports)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=None,
                        help="the page to write (default: REPORTS/index.html)")  # fmt: skip
    args = parser.parse_args(argv)
    out, sections = write_index(args.reports, args.out)
    for s in sections:
        print(f"report: {s.kind.title}: {s.status}: {s.summary}")
    broken = [s for s in sections if s.status == "broken"]
    for s in broken:
        print(f"report: BROKEN: {s.problem}", file=sys.stderr)
    print(f"report: wrote {out} ({out.stat().st_size:,} bytes)")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())

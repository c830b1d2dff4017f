"""A browsable, self-contained HTML coverage report: ``index.html`` (every
module's line, branch, toggle and expression coverage, the thresholds, the
functional coverage groups and the bins never hit, the exclusions) and one page
per RTL file (its source with each line's count, the branch arms beside their
line, the points never hit listed at the top)."""

from __future__ import annotations

import html
from collections import defaultdict
from pathlib import Path

from ci.coverage.lcov import line_hits
from ci.coverage.metrics import TYPES, Coverage, Site

__all__ = ["write_html"]

_STYLE = """
body{font-family:sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}
td:first-child,th:first-child{text-align:left}
.low{background:#fdd}.ok{background:#dfd}.none{color:#999}
pre{margin:0;font-size:12px;line-height:1.35}
.hit{background:#e6ffe6}.miss{background:#ffd6d6}.src td{border:none;padding:0 .4em}
.src td.n{color:#999}.src td.c{color:#555}.br{color:#a40}
"""


def _pct(cov: Coverage, type_: str, module: str | None, threshold: float | None) -> str:
    covered, total = cov.totals(module).get(type_, (0, 0))
    if total == 0:
        return '<td class="none">-</td>'
    pct = 100.0 * covered / total
    cls = "" if threshold is None else (' class="ok"' if pct >= threshold else ' class="low"')
    return f"<td{cls}>{pct:.1f}% ({covered}/{total})</td>"


def _page(title: str, body: list[str]) -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body>{''.join(body)}</body></html>\n"
    )


def _file_page(path: Path, sites: list[Site], hits: dict[int, int]) -> str:
    arms: dict[int, list[Site]] = defaultdict(list)
    for s in sites:
        if s.type == "branch":
            arms[s.line].append(s)
    missed = [s for s in sites if s.count == 0]
    body = [f"<h1>{html.escape(path.name)}</h1><p><a href='../index.html'>index</a></p>"]
    body.append(f"<h2>Never hit ({len(missed)})</h2><pre>")
    body += [html.escape(s.describe()) + "\n" for s in missed]
    body.append("</pre><h2>Source</h2><table class='src'>")
    text = path.read_text(errors="replace").splitlines() if path.is_file() else []
    for n, line in enumerate(text, start=1):
        count = hits.get(n)
        cls = "" if count is None else (" class='hit'" if count else " class='miss'")
        note = " ".join(f"{s.comment}:{s.count}" for s in arms.get(n, []))
        body.append(
            f"<tr{cls}><td class='n'>{n}</td><td class='c'>{'' if count is None else count}"
            f"</td><td><pre>{html.escape(line)}</pre></td>"
            f"<td class='br'>{html.escape(note)}</td></tr>"
        )
    body.append("</table>")
    return _page(path.name, body)


def write_html(
    cov: Coverage, out_dir: Path, thresholds: dict[str, float], fcov: dict | None = None
) -> Path:
    """Write ``index.html`` and ``files/<name>.html`` into *out_dir*; the index's path."""
    files_dir = out_dir / "files"
    files_dir.mkdir(parents=True, exist_ok=True)
    types = [t for t in TYPES if any(s.type == t for s in cov.sites)]
    head = "".join(f"<th>{t}</th>" for t in types)
    body = ["<h1>RTL code coverage</h1>"]
    body.append(
        "<p>Thresholds: "
        + ", ".join(f"{t} &ge; {v:g}%" for t, v in thresholds.items())
        + ". A site is a coverage point merged over the instances of its module.</p>"
    )
    body.append(f"<table><tr><th>module</th>{head}</tr>")
    body.append(
        "<tr><th>all of rtl/</th>"
        + "".join(_pct(cov, t, None, thresholds.get(t)) for t in types)
        + "</tr>"
    )
    by_module_file = {s.module: s.file for s in cov.sites}
    for module in cov.modules():
        link = f"files/{Path(by_module_file[module]).stem}.html"
        cells = "".join(_pct(cov, t, module, None) for t in types)
        body.append(f"<tr><td><a href='{link}'>{html.escape(module)}</a></td>{cells}</tr>")
    body.append("</table>")
    if fcov is not None:
        pct = "-" if fcov["pct"] is None else f"{fcov['pct']:.1f}%"
        body.append(f"<h2>Functional coverage: {pct}</h2><table>")
        body.append("<tr><th>group</th><th>configuration</th><th>bins hit</th></tr>")
        for group, keys in fcov["per_group"].items():
            for key, n in keys.items():
                cls = "ok" if n["covered"] == n["total"] else "low"
                body.append(
                    f"<tr><td>{html.escape(group)}</td><td>{html.escape(key)}</td>"
                    f"<td class='{cls}'>{n['covered']}/{n['total']}</td></tr>"
                )
        body.append("</table>")
        if fcov["bins_missed"]:
            body.append(f"<p>Bins never hit ({len(fcov['bins_missed'])}):</p><pre>")
            body += [html.escape(b) + "\n" for b in fcov["bins_missed"][:2000]]
            body.append("</pre>")
    body.append(f"<h2>Exclusions ({len(cov.excluded)} sites)</h2><table>")
    body.append("<tr><th>site</th><th>reason</th></tr>")
    for s, ex in sorted(cov.excluded.items(), key=lambda kv: kv[0].describe()):
        body.append(
            f"<tr><td>{html.escape(s.describe())}</td><td>{html.escape(ex.reason)}</td></tr>"
        )
    body.append("</table>")
    hits = line_hits(cov.counted)
    by_file: dict[str, list[Site]] = defaultdict(list)
    for s in cov.counted:
        by_file[s.file].append(s)
    for file, file_sites in by_file.items():
        page = _file_page(Path(file), file_sites, hits.get(file, {}))
        (files_dir / f"{Path(file).stem}.html").write_text(page)
    index = out_dir / "index.html"
    index.write_text(_page("RTL code coverage", body))
    return index

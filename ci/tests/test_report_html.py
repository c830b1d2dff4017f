"""The HTML index of the reports (ci/report_html.py), on small fake report folders.

Each report is written in its real schema (the regression summary by
ci.regression.report itself, the error-bound gates by golden.errorbounds.gates),
so a schema change that the page does not follow fails here.
"""

from __future__ import annotations

import base64
import html
import json
import re
import struct
import zlib
from pathlib import Path

import pytest

from ci import report_html
from ci.regression import report as regression_report
from golden.errorbounds import gates

SEED = 424242
EVIL = '<script>alert("x")</script> & more'


def tiny_png() -> bytes:
    """A valid 1x1 grey PNG, written byte by byte."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + chunk(b"IEND", b"")
    )


def write_json(path: Path, doc: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))


def errorbounds_summary() -> dict:
    """GELU within its gate, exp outside it, LayerNorm in dB, softmax never measured."""
    summary = {
        "gelu": {"max_abs": 6.2e-6, "measured_at": "2026-01-02 03:04 UTC"},
        "exp": {"max_abs": 1.25e-7},
        "reciprocal": {"max_rel": 4.0e-9},
        "rsqrt": {"max_rel": 2.0e-9},
        "layernorm": {"min_sqnr_db": 101.5},
        "model": {"min_layer_sqnr_db": 110.25, "weights_kind": "synthetic"},
        "unavailable": {"softmax": f"needs {EVIL}"},
    }
    summary["gates"] = [r.as_dict() for r in gates.check(summary)[1]]
    return summary


def regression_summary() -> dict:
    tests = [
        {"nodeid": "tb/a/test_a.py::test_ok[tiny]", "outcome": "passed", "duration_s": 3.25,
         "message": "", "group": "tb/a/test_a.py[tiny]", "configs": ["tiny"]},
        {"nodeid": "tb/a/test_a.py::test_bad[m3vit]", "outcome": "failed", "duration_s": 7.5,
         "message": f"assert 1 == 2\n{EVIL}\n" + "\n".join(f"line {i}" for i in range(40)),
         "group": "tb/a/test_a.py[m3vit]", "configs": ["m3vit"]},
        {"nodeid": "golden/tests/test_g.py::test_skip", "outcome": "skipped", "duration_s": 0.01,
         "message": "no weights", "group": "golden/tests/test_g.py", "configs": []},
    ]  # fmt: skip
    for t in tests:
        t["seed"] = SEED
        t["rerun"] = regression_report.rerun_command(t["nodeid"], SEED, "sim", sim=True)
    meta = {
        "tier": "sim",
        "seed": SEED,
        "shard": None,
        "command": "pytest tb -m sim",
        "started": "2026-01-02T03:04:05+00:00",
        "wall_s": 12.5,
        "git_commit": "abc123",
    }
    return regression_report.summarise(meta, tests)


def flakes_summary() -> dict:
    failure = {
        "nodeid": "tb/b/test_b.py::test_flaky[tiny]", "outcome": "failed", "duration_s": 1.0,
        "message": "mismatch at vector 17\nmore", "seed": 777,
        "rerun": "python -m pytest 'tb/b/test_b.py::test_flaky[tiny]' --sim-seed 777 --waves",
    }  # fmt: skip
    totals = {"passed": 40, "failed": 0, "error": 0, "skipped": 2}
    runs = [
        {"run": 1, "seed": 111, "totals": totals, "wall_s": 30.0, "failures": []},
        {"run": 2, "seed": 777, "totals": {**totals, "passed": 39, "failed": 1}, "wall_s": 31.0,
         "failures": [failure]},
    ]  # fmt: skip
    return {"runs": runs, "seeds": [111, 777], "flakes": 1}


def bench_doc() -> dict:
    stages = [
        {"stage": 0, "layer": 0, "name": "patch", "op": "PATCH_EMBED", "macs": 100,
         "ideal_cycles": 1000, "bound": "MAC", "cycles": 1500},
        {"stage": 1, "layer": 0, "name": "ln1", "op": "LAYERNORM", "macs": 0,
         "ideal_cycles": 0, "bound": "read", "cycles": 321},
    ]  # fmt: skip
    speed = {"axiram_cycles_per_s": 12345.0, "fastpath_cycles_per_s": 98765.0,
             "bare_cycles_per_s": 200000.0, "axiram_over_bare": 0.0617,
             "fastpath_over_bare": 0.4938}  # fmt: skip
    kernel = {
        "config": "tiny_dense",
        "stop_after": "all",
        "kernel_cycles": 1821,
        "kernel_cycles_axiram": 1900,
        "kernel_cycles_bare": 1821,
        "speed": speed,
        "stages": stages,
        "layers": [{"layer": 0, "cycles": 1821, "ideal_cycles": 1000}],
    }
    return {"kernel": [kernel]}


@pytest.fixture
def full(tmp_path: Path) -> Path:
    """A reports folder with every kind of report."""
    reports = tmp_path / "reports"
    write_json(reports / "errorbounds/summary.json", errorbounds_summary())
    (reports / "errorbounds/gelu_error.png").write_bytes(tiny_png())
    write_json(reports / "regression/summary.json", regression_summary())
    write_json(reports / "flakes/summary.json", flakes_summary())
    write_json(reports / "bench/bench.json", bench_doc())
    return reports


def section_html(page: str, key: str) -> str:
    match = re.search(rf'<section id="{key}">(.*?)</section>', page, re.S)
    assert match, f"no section {key}"
    return match.group(1)


def page_of(reports: Path) -> tuple[str, dict[str, report_html.Section]]:
    page, sections = report_html.build_index(reports, commit="cafe0123")
    return page, {s.kind.key: s for s in sections}


def test_every_section_rendered(full: Path):
    page, sections = page_of(full)
    assert {k: s.status for k, s in sections.items()} == {
        "errorbounds": "FAIL",
        "regression": "FAIL",
        "flakes": "FAIL",
        "bench": "pass",
    }
    assert "cafe0123" in page
    assert "not run yet" not in page and "broken" not in page.replace(".broken", "")


def test_errorbound_gates_from_summary(full: Path):
    page, sections = page_of(full)
    eb = section_html(page, "errorbounds")
    # measured, gate, margin and status of each gate, as the summary recorded them
    assert "6.2e-06" in eb and "&lt;= 9.4e-06" in eb and "1.52x (+0.60 bits)" in eb
    assert "1.25e-07" in eb and "&lt;= 8.8e-08" in eb  # exp is outside its gate
    assert re.search(r"1\.25e-07.*?FAIL", eb, re.S)
    assert "101.50 dB" in eb and "&gt;= 98.50 dB" in eb and "+3.00 dB" in eb
    assert "110.25 dB" in eb and "model.weights_kind == synthetic" in eb
    assert "not measured" in eb  # softmax
    assert "2026-01-02 03:04 UTC" in eb
    assert html.escape(f"needs {EVIL}") in eb and EVIL not in eb
    assert "exp.max_abs" in sections["errorbounds"].summary


def test_errorbound_gate_numbers_are_the_recorded_ones(tmp_path: Path):
    summary = errorbounds_summary()
    summary["gates"][0]["gate"] = 1.2345e-5
    write_json(tmp_path / "errorbounds/summary.json", summary)
    page, _ = page_of(tmp_path)
    assert "&lt;= 1.234e-05" in section_html(page, "errorbounds")


def test_errorbound_gates_computed_when_not_recorded(tmp_path: Path):
    summary = errorbounds_summary()
    del summary["gates"]
    write_json(tmp_path / "errorbounds/summary.json", summary)
    page, sections = page_of(tmp_path)
    assert sections["errorbounds"].status == "FAIL"
    assert "&lt;= 9.4e-06" in section_html(page, "errorbounds")


def test_plots_embedded(full: Path):
    page, _ = page_of(full)
    uri = "data:image/png;base64," + base64.b64encode(tiny_png()).decode()
    assert f'<img src="{uri}" alt="gelu_error.png">' in section_html(page, "errorbounds")


def test_not_a_png_is_named_not_embedded(full: Path):
    (full / "errorbounds/exp_error.png").write_text("<html>not a png</html>")
    page, sections = page_of(full)
    eb = section_html(page, "errorbounds")
    assert "plot not embedded" in eb and "exp_error.png: not a PNG file" in eb
    assert "<html>not a png" not in page
    assert sections["errorbounds"].status == "FAIL"  # the gates still decide


def test_page_is_self_contained(full: Path):
    page, _ = page_of(full)
    links = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert links and all(x.startswith(("data:", "#")) for x in links), links
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert "<link" not in page and "@import" not in page


def test_regression_section(full: Path):
    page, sections = page_of(full)
    reg = section_html(page, "regression")
    assert '<td class="num">1</td>' in reg  # totals: 1 passed, 1 failed, 0 error, 1 skipped
    assert sections["regression"].summary == "1 passed, 1 failed, 0 error, 1 skipped; seed 424242"
    assert "seed: 424242" in reg and "m3vit, tiny" in reg and "tier: sim" in reg
    failure = regression_summary()["tests"][1]
    assert html.escape(failure["rerun"]) in reg
    assert "nox -R -s sim -- " in reg and "--sim-seed 424242 --waves" in reg
    assert "assert 1 == 2" in reg and html.escape(EVIL) in reg and EVIL not in page
    assert "line 9" in reg and "line 10\n" not in reg and "more line(s) in summary.json" in reg
    # slowest first
    assert reg.index("test_bad[m3vit]</code></td><td>failed") < reg.index("test_ok[tiny]</code>")
    assert "7.5" in reg and "3.2" in reg


def test_flakes_section(full: Path):
    page, sections = page_of(full)
    fl = section_html(page, "flakes")
    assert sections["flakes"].summary == "1 failure(s) in 2 run(s)"
    assert "seeds: 111, 777" in fl and "mismatch at vector 17" in fl and "more" not in fl
    assert html.escape("--sim-seed 777 --waves") in fl and "test_flaky[tiny]" in fl


def test_bench_section(full: Path):
    page, _ = page_of(full)
    b = section_html(page, "bench")
    assert "tiny_dense (stop after all)" in b
    assert "12,345" in b and "98,765" in b and "0.062" in b
    assert "1,500" in b and "1.50" in b and "1.82" in b  # stage and layer ratios
    assert "<td>read</td>" in b  # the read-bound stage (ideal 0: no ratio)


def test_absent_reports_say_how_to_produce_them(tmp_path: Path):
    out, sections = report_html.write_index(tmp_path / "nothing-here")
    page = out.read_text()
    assert out == tmp_path / "nothing-here/index.html"
    assert {s.status for s in sections} == {"not run"}
    for key, command in [
        ("errorbounds", "nox -s errorbounds"),
        ("regression", "nox -s test"),
        ("flakes", "nox -s flakes"),
        ("bench", "nox -s bench"),
    ]:
        assert f"not run yet: <code>{command}" in section_html(page, key)


def test_unfinished_flake_hunt_is_named(tmp_path: Path):
    (tmp_path / "flakes/run-01-seed-5").mkdir(parents=True)
    page, sections = page_of(tmp_path)
    assert sections["flakes"].status == "not run"
    assert "run-01-seed-5" in section_html(page, "flakes") and "did not finish" in page


def test_malformed_json_is_a_marked_broken_section(full: Path, capsys):
    path = full / "regression/summary.json"
    path.write_text('{"tests": [<oops>')
    out = full.parent / "site/index.html"
    assert report_html.main(["--reports", str(full), "--out", str(out)]) == 1
    page = out.read_text()
    reg = section_html(page, "regression")
    assert f"broken: {html.escape(str(path))}: not valid JSON (line 1, column 12" in reg
    assert "Traceback" not in page and "<oops>" not in page
    err = capsys.readouterr().err
    assert str(path) in err and "not valid JSON" in err
    # the other sections are still there
    assert "6.2e-06" in section_html(page, "errorbounds")


@pytest.mark.parametrize(
    ("doc", "words"),
    [
        ({"tests": []}, "missing field 'totals'"),
        ([1, 2], "TypeError"),
    ],
)
def test_wrong_schema_is_a_marked_broken_section(tmp_path: Path, doc, words):
    write_json(tmp_path / "bench/bench.json", doc)
    write_json(tmp_path / "regression/summary.json", doc)
    page, sections = page_of(tmp_path)
    for key in ("bench", "regression"):
        assert sections[key].status == "broken"
        assert str(tmp_path) in sections[key].problem
        assert "broken:" in section_html(page, key)
    assert html.escape(words) in section_html(page, "regression")
    assert "Traceback" not in page


def test_cli_writes_the_page(full: Path, tmp_path: Path, capsys):
    out = tmp_path / "out/page.html"
    assert report_html.main(["--reports", str(full), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed and "Kernel bench: pass" in printed
    assert out.read_text().startswith("<!DOCTYPE html>")

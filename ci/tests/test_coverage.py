"""ci.coverage on hand-written coverage data: Verilator's file format read,
merged and written back, sites merged over instances, exclusions, thresholds,
lcov records and the command's exit status."""

from __future__ import annotations

import json

import pytest

from ci.coverage import vcov
from ci.coverage.__main__ import main
from ci.coverage.lcov import lcov_text, line_numbers
from ci.coverage.metrics import Coverage, Exclusion, ExclusionError, load_exclusions, sites


def key(rtl, *, t="line", module="fifo", line=10, col=3, o="block", s="10", h="top.u_a"):
    fields = {"f": f"{rtl}/{module}.sv", "l": str(line), "n": str(col), "t": t,
              "page": f"v_{t}/{module}", "o": o, "S": s, "h": h}  # fmt: skip
    return "".join(f"\x01{k}\x02{v}" for k, v in fields.items() if v != "")


@pytest.fixture
def rtl(tmp_path):
    d = tmp_path / "rtl"
    d.mkdir()
    (d / "fifo.sv").write_text("module fifo;\n" + "\n" * 30 + "endmodule\n")
    return d


def dat(path, counts):
    return vcov.write(counts, path)


def test_write_read_merge_round_trip(rtl, tmp_path):
    a = {key(rtl): 3, key(rtl, t="branch", o="if", line=12, s="12-13"): 0}
    b = {key(rtl): 2, key(rtl, h="top.u_b"): 1}
    pa, pb = dat(tmp_path / "a.dat", a), dat(tmp_path / "b.dat", b)
    merged = vcov.merge([pa, pb])
    assert merged[key(rtl)] == 5 and merged[key(rtl, h="top.u_b")] == 1
    again = vcov.read(vcov.write(merged, tmp_path / "m.dat"))
    assert again == merged
    assert vcov.merge([again, again])[key(rtl)] == 10


@pytest.mark.parametrize(
    "text, message",
    [
        ("C 'x' 1\n", "first line"),
        ("# SystemC::Coverage-3\nD 'x' 1\n", ":2: not a coverage line"),
        ("# SystemC::Coverage-3\nC 'x'\n", ":2: no count"),
    ],
)
def test_a_malformed_file_names_file_and_line(tmp_path, text, message):
    path = tmp_path / "bad.dat"
    path.write_text(text)
    with pytest.raises(vcov.CoverageFormatError, match=message):
        vcov.read(path)


def test_sites_merge_instances_and_keep_only_rtl(rtl, tmp_path):
    counts = {
        key(rtl, h="top.u_a"): 0,
        key(rtl, h="top.u_b"): 4,  # the same site in another instance
        key(rtl, t="toggle", o="q[0]:0->1", s=""): 0,
        key(tmp_path / "tb", module="bench"): 9,  # a bench file: not counted
    }
    got = sites(counts, rtl)
    assert [(s.type, s.count, s.instances) for s in got] == [("line", 4, 2), ("toggle", 0, 1)]
    cov = Coverage(got)
    assert cov.percent("line") == 100.0 and cov.percent("toggle") == 0.0
    assert cov.percent("branch") is None
    assert [s.comment for s in cov.missed()] == ["q[0]:0->1"]


def test_exclusions_leave_sites_out_and_stale_ones_are_errors(rtl, tmp_path):
    counts = {key(rtl): 1, key(rtl, t="toggle", o="addr[63]:0->1", s=""): 0}
    policy = tmp_path / "policy.toml"
    policy.write_text(
        "[thresholds]\ntoggle = 90.0\n"
        '[[exclude]]\nmodule = "fifo"\ntype = "toggle"\nmatch = "addr[[]6?]*"\n'
        'reason = "addresses above 2**60 are never used"\n'
        '[[exclude]]\nmodule = "fifo"\ntype = "branch"\nmatch = "*"\nreason = "stale"\n'
    )
    cov = Coverage(sites(counts, rtl), load_exclusions(policy))
    assert cov.percent("toggle") is None  # its only site is excluded
    assert [ex.reason for ex in cov.excluded.values()] == ["addresses above 2**60 are never used"]
    assert [ex.type for ex in cov.unused] == ["branch"]
    raw = tmp_path / "raw"
    dat(raw / "a.dat", counts)
    out = tmp_path / "out"
    args = ["--raw", str(raw), "--out", str(out), "--rtl-dir", str(rtl), "--policy", str(policy)]
    assert main(args) == 0  # without --check: reports only
    assert main([*args, "--check"]) == 1  # "toggle: not measured", the stale exclusion
    summary = json.loads((out / "summary.json").read_text())
    assert summary["excluded"][0]["reason"] == "addresses above 2**60 are never used"


@pytest.mark.parametrize(
    "entry, message",
    [
        ('module = "m"\ntype = "line"\nmatch = "*"\n', "missing"),
        ('module = "m"\ntype = "line"\nmatch = "*"\nreason = " "\n', "needs its reason"),
        ('module = "m"\ntype = "lines"\nmatch = "*"\nreason = "r"\n', "matches none"),
    ],
)
def test_a_malformed_exclusion_is_an_error(tmp_path, entry, message):
    policy = tmp_path / "policy.toml"
    policy.write_text("[[exclude]]\n" + entry)
    with pytest.raises(ExclusionError, match=message):
        load_exclusions(policy)


def test_thresholds_pass_and_fail(rtl, tmp_path):
    counts = {key(rtl, line=10, s="10"): 1, key(rtl, line=11, s="11"): 0}
    raw = tmp_path / "raw"
    dat(raw / "a.dat", counts)
    policy = tmp_path / "policy.toml"
    out = tmp_path / "out"
    args = ["--raw", str(raw), "--out", str(out), "--rtl-dir", str(rtl), "--policy", str(policy)]
    policy.write_text("[thresholds]\nline = 50.0\n")
    assert main([*args, "--check"]) == 0
    policy.write_text("[thresholds]\nline = 50.1\n")
    assert main([*args, "--check"]) == 1
    summary = json.loads((out / "summary.json").read_text())
    assert summary["line"] == 50.0 and summary["per_module"]["fifo"]["line"]["total"] == 2
    assert summary["missed"]["fifo"]["line"] == ["fifo.sv:11 line block"]
    assert (out / "index.html").is_file() and (out / "files" / "fifo.html").is_file()


def test_no_data_is_an_error(tmp_path, capsys):
    assert main(["--raw", str(tmp_path), "--out", str(tmp_path / "out")]) == 1
    assert "no coverage data" in capsys.readouterr().out


def test_lcov_records(rtl):
    counts = {
        key(rtl, line=10, s="10-12"): 2,
        key(rtl, line=11, s="11", col=5): 0,
        key(rtl, t="branch", o="if", line=10, col=7, s=""): 2,
        key(rtl, t="branch", o="else", line=10, col=8, s=""): 0,
    }
    text = lcov_text(sites(counts, rtl))
    assert "DA:10,2\nDA:11,2\nDA:12,2\n" in text  # line 11 ran inside the first block
    assert "BRDA:10,7,0,2\nBRDA:10,8,1,0\nBRF:2\nBRH:1\n" in text
    assert text.endswith("LF:3\nLH:3\nend_of_record\n")
    assert line_numbers("3-4,7", 1) == [3, 4, 7] and line_numbers("", 9) == [9]


def test_a_parameterised_module_is_one_module(rtl):
    a = key(rtl, h="top.u_a").replace("v_line/fifo", "v_line/fifo__W8")
    b = key(rtl, h="top.u_b").replace("v_line/fifo", "v_line/fifo__W16")
    c = key(rtl, h="top.u_c").replace("v_line/fifo", "v_line/fifo_")  # a type parameter
    (site,) = sites({a: 0, b: 2, c: 1}, rtl)
    assert (site.module, site.count, site.instances) == ("fifo", 3, 3)


def test_exclusion_on_one_line_only(rtl):
    s = sites({key(rtl, line=10): 0, key(rtl, line=11, s="11"): 0}, rtl)
    cov = Coverage(s, [Exclusion("fifo", "line", "*", "reset-only block", line=11)])
    assert [x.line for x in cov.excluded] == [11] and cov.percent("line") == 0.0


def test_exclusion_of_an_elaboration_function(rtl):
    (rtl / "fifo.sv").write_text(
        "module fifo;\n"  # 1
        "  function automatic bit ok();\n"  # 2
        "    for (int i = 0; i < 4; i++) begin\n"  # 3
        "      if (i == 9) return 0;\n"  # 4
        "    end\n"  # 5
        "    return 1;\n"  # 6
        "  endfunction\n"  # 7
        "  always_comb x = 1;\n"  # 8
        "endmodule\n"
    )
    counts = {key(rtl, line=3, s="3"): 0, key(rtl, t="branch", line=4, o="if", s=""): 0,
              key(rtl, line=8, s="8"): 5}  # fmt: skip
    ex = Exclusion("fifo", "*", "*", "evaluated at elaboration only", function="ok")
    cov = Coverage(sites(counts, rtl), [ex])
    assert sorted(s.line for s in cov.excluded) == [3, 4]
    assert cov.percent("line") == 100.0 and not cov.unused
    stale = Exclusion("fifo", "*", "*", "gone", function="nope")
    assert Coverage(sites(counts, rtl), [stale]).unused == [stale]

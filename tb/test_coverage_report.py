"""Code coverage end to end: a branch no input can take, added to a copy of
rtl/ctrl_regs.sv, is reported as never hit after the control bench's tests ran
on the instrumented build, while the arm beside it is hit (ci.coverage)."""

from __future__ import annotations

import json
import re

import pytest

from ci.coverage import COVERAGE_ENV, vcov
from ci.coverage.__main__ import main as coverage_main
from ci.coverage.metrics import Coverage, sites
from tb.ctrl.test_ctrl import BENCHES
from tb.mutation import Mutant, build_mutant

pytestmark = pytest.mark.sim

#: In WrResp the write address channel is never ready (AWREADY only in WrIdle),
#: so aw_hs is 0 there: the added else-if arm is dead, though no tool proves it.
DEAD_BRANCH = Mutant(
    "dead_branch", "ctrl_regs.sv",
    "WrResp: if (ctrl_req_i.b_ready) wr_state_q <= WrIdle;",
    "WrResp: if (ctrl_req_i.b_ready) wr_state_q <= WrIdle;\n"
    "        else if (aw_hs) wr_state_q <= WrData;  // DEAD BRANCH",
    "a branch no input can take",
)  # fmt: skip


def test_a_dead_branch_is_reported_as_never_hit(sim_builds, tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    monkeypatch.setenv(COVERAGE_ENV, str(raw))
    bench = BENCHES["ctrl_regs"]
    sim = build_mutant(
        sim_builds, "tiny", bench.toplevel, DEAD_BRANCH, sources=bench.sources, public=bench.public
    )
    assert sim.coverage and sim.name.endswith("-cov")
    sim.run("tb.ctrl.ctrl_tests", ["ctrl_args", "ctrl_sequencing"], seed=1)
    data = sorted(raw.glob("*.dat"))
    assert len(data) == 1, f"one run, one coverage file: {data}"

    # The mutated copy is the only file under its folder: the report over it.
    mutated = sim.build_dir.parent / f"mutant-src-{bench.toplevel}-{DEAD_BRANCH.name}"
    line = next(
        n
        for n, text in enumerate((mutated / "ctrl_regs.sv").read_text().splitlines(), start=1)
        if "DEAD BRANCH" in text
    )
    cov = Coverage(sites(vcov.merge(data), mutated))
    at_line = {s.comment: s.count for s in cov.sites if s.type == "branch" and s.line == line}
    assert at_line.get("if") == 0, f"branch sites at line {line}: {at_line}"
    # The write response's own arm, a line above, was taken by the writes (the
    # master's BREADY is always high, so the added arms were not even reached).
    assert any(s.count > 0 for s in cov.sites if s.line == line - 1)

    out = tmp_path / "report"
    coverage_main(["--raw", str(raw), "--out", str(out), "--rtl-dir", str(mutated)])
    summary = json.loads((out / "summary.json").read_text())
    missed = summary["missed"]["ctrl_regs"]["branch"]
    assert any(re.fullmatch(rf"ctrl_regs\.sv:{line} branch if", m) for m in missed), missed
    page = (out / "files" / "ctrl_regs.html").read_text()
    assert f"ctrl_regs.sv:{line} branch if" in page

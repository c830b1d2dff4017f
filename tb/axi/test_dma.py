"""pytest entry of the DMA bench (cocotb tests in tb/axi/dma_tests.py).

Top level: tb/axi/axi_dma_tb.sv: rtl/axi_dma.sv (a read and a write direction,
each with its rtl/axi_burst_planner.sv, on one AXI4 port) with that port on the bench adapter
axi_gmem_tb_port (tb.components.axi.tb_port: m_axi_gmem_* for AxiRam); AXI_DATA_W from the
configuration (tiny 64, small 128, m3vit 256 with ``--sim-config m3vit``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from ci.rtl_sources import rtl_closure
from hls.axi_port import GMEM_PORT
from tb.components.axi.bursts import burst_violations, split_bursts
from tb.components.axi.tb_port import tb_port_file
from tb.components.bench_pytest import BenchBuild
from tb.marks import mutant_test
from tb.mutation import Mutant
from tb.simbuild import PORT_SIGNALS

#: The top, the bench adapters of the engine memory port and of m_axi_gmem,
#: and the rtl/ modules under them.
BENCH = BenchBuild(
    "axi_dma_tb",
    "tb.axi.dma_tests",
    sources=rtl_closure(
        Path(__file__).with_name("axi_dma_tb.sv"),
        tb_port_file(GMEM_PORT),
        Path(__file__).parents[1] / "components" / "engine_mem_tb_engine.sv",
    ),
    configs="sim_config",
    public=(*PORT_SIGNALS, "engine_mem_tb_engine:*", "axi_gmem_tb_port:*"),
)

test_dma_directed = BENCH.cocotb_test(
    ["dma_reset_idle", "dma_directed", "dma_errors", "dma_misaligned", "dma_reset_mid_transfer"],
    timeout=600,
    doc="""Reset state, directed edge cases, error responses, misaligned commands,
    reset mid-transfer.""",
)
test_dma_random = BENCH.cocotb_test(
    ["dma_random"],
    timeout=600,
    doc="Random transfers with and without AxiRam pauses; beats/s recorded.",
)
test_dma_hypothesis = BENCH.cocotb_test(
    ["dma_hypothesis"],
    timeout=600,
    kinds=[pytest.mark.hypothesis],
    doc="Hypothesis over command sequences near 4 KiB boundaries, in the simulation.",
)


def _beats_bytes(config: str) -> int:
    from golden.config import load_config

    return load_config(config).axi_data_width // 8


def _reads(cmds, kind):
    return [(a, n) for k, a, n in cmds if k == kind]


#: AXI4 address channel of each command kind.
_CHANNEL = {"rd": "AR", "wr": "AW"}


def _check_page(cmds, beat_bytes, message):
    """The modelled mutant (page check one beat late, in the burst planner both
    masters share) breaks a 4 KiB rule on some command of the shrunk input, on
    the channel the failure names; the correct split does not."""
    good = [v for _, a, n in cmds for b in split_bursts(a, n, beat_bytes)
            for v in burst_violations(*b, beat_bytes)]  # fmt: skip
    bad = {k for k, a, n in cmds for b in split_bursts(a, n, beat_bytes, page_slack=1)
           if any("4 KiB" in v for v in burst_violations(*b, beat_bytes))}  # fmt: skip
    assert not good and bad, (good, bad)
    assert any(_CHANNEL[k] in message for k in bad), (bad, message)


def _check_257(cmds, beat_bytes, message):
    """The modelled mutant (257-beat bursts, in the shared burst planner) makes
    a 257-beat burst of some command on the channel the failure names."""
    good = [b for _, a, n in cmds for b in split_bursts(a, n, beat_bytes)]
    assert all(n <= 256 for _, n in good), good
    bad = {k for k, a, n in cmds
           if any(m == 257 for _, m in split_bursts(a, n, beat_bytes, max_burst=257))}  # fmt: skip
    assert bad, f"no 257-beat burst in the shrunk input {cmds}"
    assert any(_CHANNEL[k] in message for k in bad), (bad, message)


def _check_wlast(cmds, beat_bytes, message):
    assert _reads(cmds, "wr"), f"no write in the shrunk input {cmds}"
    assert "WLAST" in message


#: Mutants of the two directions and their shared burst planner, with the checks
#: their shrunk inputs must pass.
MUTANTS = {
    "page_off_by_one": (
        Mutant("page_off_by_one", "axi_burst_planner.sv", "CntW'(PageBeats) -",
               "CntW'(PageBeats + 1) -", "4 KiB boundary check one beat late"),
        _check_page,
    ),
    "max_burst_257": (
        Mutant("max_burst_257", "axi_burst_planner.sv", "MaxBurstBeats = 256",
               "MaxBurstBeats = 257", "bursts of up to 257 beats"),
        _check_257,
    ),
    "wlast_early": (
        Mutant("wlast_early", "axi_dma.sv", "(wbeat_q == w_len)",
               "(wbeat_q + 8'd1 == w_len)", "WLAST one beat early"),
        _check_wlast,
    ),
}  # fmt: skip


@mutant_test(MUTANTS)
def test_dma_bench_catches_mutant(mutant_config, mutant, sim_builds, seed_report):
    """A mutated master must fail dma_hypothesis with a shrunk command list that
    the modelled mutation confirms (tiny only: mutant builds cost time)."""
    mut, check = MUTANTS[mutant]
    shrunk = BENCH.run_mutant(
        sim_builds, mutant_config, mut, "dma_hypothesis", seed_report, {"DMA_HYP_EXAMPLES": "40"}
    )
    m = re.match(r"commands=(\[.*?\]): (.*)", shrunk, re.S)
    assert m, f"no command list in the shrunk example: {shrunk}"
    cmds = ast.literal_eval(m.group(1))
    print(f"mutant {mutant}: failing input {cmds}: {m.group(2)[:300]}")
    check(cmds, _beats_bytes(mutant_config), m.group(2))

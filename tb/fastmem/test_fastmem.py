"""pytest entry of the fast memory path (cocotb tests in tb/fastmem/fastmem_tests.py).

Top level: tb/fastmem/dma_fastmem_tb.sv, the DMA engines of rtl/ over
tb/fastmem/axi_dpi_mem.sv (an AXI4 slave whose storage is the DPI-C buffer of
tb/fastmem/dpi_mem.c, seen from Python as a NumPy array). Three speeds of the
same copy are recorded with tb.benchlog: the fast path under cocotb
("fastmem_dma"), the same RTL in a bare Verilator C++ harness
("fastmem_dma_bare", the ceiling) and, from tb/axi, AxiRam ("axi_dma").
Measurements only: nothing asserts on time.
"""

from __future__ import annotations

import json

import pytest

from tb import benchlog
from tb.fastmem.build import cocotb_build, run_bare

TESTS = "tb.fastmem.fastmem_tests"
BARE_BEATS = 1 << 22
#: "gpi": cocotb's GPI clock (dma_fastmem_tb); "hdl": the clock made in the HDL
#: (dma_fastmem_clk_tb, --timing), Python waking only on its Timer polls.
CLOCKS = ["gpi", "hdl"]


@pytest.fixture(scope="session")
def fastmem_builds(sim_builds):
    def get(config: str, pause_pct: int = 0, clock: str = "gpi"):
        spec = cocotb_build(pause_pct=pause_pct, hdl_clock=clock == "hdl")
        return sim_builds(spec.pop("toplevel"), config, **spec)

    return get


@pytest.mark.sim
@pytest.mark.timeout(600)
@pytest.mark.parametrize("clock", CLOCKS)
@pytest.mark.parametrize("pause_pct", [0, 25])
def test_fastmem_copy(sim_config, pause_pct, clock, fastmem_builds, seed_report):
    """Random DMA copies through axi_dpi_mem, across 4 KiB boundaries, with and
    without ready/valid pauses, bit-exact through the NumPy view."""
    fastmem_builds(sim_config, pause_pct, clock).run(TESTS, ["fastmem_copy"], seed=seed_report)


@pytest.mark.sim
@pytest.mark.timeout(600)
@pytest.mark.parametrize("clock", CLOCKS)
@pytest.mark.parametrize("pause_pct", [0, 25])
def test_fastmem_speed(sim_config, pause_pct, clock, fastmem_builds, seed_report):
    """One long copy under cocotb, timed (beats/s, cycles/s recorded)."""
    extra = {} if pause_pct == 0 else {"FASTMEM_BEATS": str(1 << 18)}
    fastmem_builds(sim_config, pause_pct, clock).run(
        TESTS, ["fastmem_speed"], seed=seed_report, extra_env=extra
    )


def _load(unit: str, config: str) -> dict | None:
    path = benchlog.BENCH_DIR / f"{unit}-{config}.json"
    return json.loads(path.read_text()) if path.is_file() else None


@pytest.mark.sim
@pytest.mark.timeout(600)
def test_fastmem_bare(sim_config, seed_report):
    """The same RTL in a bare Verilator C++ harness (no cocotb): one long copy,
    checked byte for byte by the harness; cycles/s recorded and compared."""
    res = run_bare(sim_config, BARE_BEATS, seed=seed_report or 1)
    assert res["ok"] and res["beats"] == BARE_BEATS, res
    benchlog.record(
        "fastmem_dma_bare", sim_config, res["beats"], res["seconds"],
        cycles_per_s=res["cycles_per_s"], beats_per_s=res["beats_per_s"],
        beats_per_cycle=res["beats"] / res["cycles"],
    )  # fmt: skip
    lines = [f"[{sim_config}] bare harness: {res['cycles_per_s']:.0f} cycles/s"]
    fast = _load("fastmem_dma", sim_config)
    axi = _load("axi_dma", sim_config)
    bare = res["cycles_per_s"]
    for unit, what in (("fastmem_dma", "GPI clock"), ("fastmem_dma_hdlclk", "HDL clock")):
        f = _load(unit, sim_config)
        if f:
            lines.append(
                f"fast path (cocotb, {what}): {f['beats_per_s']:.0f} beats/s, "
                f"{f['cycles_per_s']:.0f} cycles/s = {f['cycles_per_s'] / bare:.3f} of bare"
            )
    if axi:
        ax = axi.get("beats_per_s_no_pauses", axi["vectors_per_s"])
        lines.append(f"AxiRam (tb/axi): {ax:.0f} beats/s = {ax / bare:.5f} of bare")
        if fast:
            lines.append(f"fast path / AxiRam: {fast['beats_per_s'] / ax:.1f}x")
    print("\n".join(lines))

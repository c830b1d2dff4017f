"""pytest entry of the fast memory path (cocotb tests in tb/fastmem/fastmem_tests.py).

Top level: tb/fastmem/dma_fastmem_tb.sv, the DMA engines of rtl/ over
tb/fastmem/axi_dpi_mem.sv (an AXI4 slave whose storage is the DPI-C buffer of
tb/fastmem/dpi_mem.c, seen from Python as a NumPy array), built fast: only its
ports public (``tb.simbuild.build(public=..., fast=True)``, see
tb/fastmem/build.py). ``test_fastmem_ratios`` measures, in one run and on the
same copy by the same RTL, AxiRam (dma_fastmem_tb with AXIRAM), the fast path
as built before (every signal public, -Os) and now, and the bare Verilator C++
harness (the ceiling), and records the figures and their ratios with
tb.benchlog. Measurements only: nothing asserts on time.
"""

from __future__ import annotations

import json
import os

import pytest

from tb import benchlog, simbuild
from tb.fastmem.build import axiram_build, cocotb_build, run_bare
from tb.marks import sim_test

TESTS = "tb.fastmem.fastmem_tests"
BARE_BEATS = 1 << 22
#: Beats of the timed copies of test_fastmem_ratios (AxiRam: about 40k beats/s).
RATIO_BEATS = 1 << 21
AXIRAM_BEATS = 1 << 14


def env_rounds() -> int:
    """FASTMEM_RATIO_ROUNDS (default 3): rounds of test_fastmem_ratios."""
    return int(os.environ.get("FASTMEM_RATIO_ROUNDS", 3))


#: "gpi": cocotb's GPI clock; "hdl": the clock made in the HDL (dma_fastmem_tb
#: with HDL_CLOCK, --timing), Python waking only on its Timer polls.
CLOCKS = ["gpi", "hdl"]


@pytest.fixture(scope="session")
def fastmem_builds(sim_builds):
    """``get(config, pause_pct=0, clock="gpi", fast=True)``: a build of the fast
    path (``clock="axiram"``: on AxiRam), reused for the session (sim_builds)."""

    def get(config: str, pause_pct: int = 0, clock: str = "gpi", fast: bool = True):
        if clock == "axiram":
            spec = axiram_build()
        else:
            spec = cocotb_build(pause_pct=pause_pct, hdl_clock=clock == "hdl", fast=fast)
        return sim_builds(config=config, **spec)

    return get


@sim_test(600)
@pytest.mark.parametrize("clock", CLOCKS)
@pytest.mark.parametrize("pause_pct", [0, 25])
def test_fastmem_copy(sim_config, pause_pct, clock, fastmem_builds, seed_report):
    """Random DMA copies through axi_dpi_mem, across 4 KiB boundaries, with and
    without ready/valid pauses, bit-exact through the NumPy view."""
    fastmem_builds(sim_config, pause_pct, clock).run(TESTS, ["fastmem_copy"], seed=seed_report)


@sim_test(600)
@pytest.mark.parametrize("clock", CLOCKS)
def test_fastmem_speed_pauses(sim_config, clock, fastmem_builds, seed_report):
    """One long copy under 25% pauses, timed (beats/s, cycles/s recorded)."""
    fastmem_builds(sim_config, 25, clock).run(
        TESTS, ["fastmem_speed"], seed=seed_report, extra_env={"FASTMEM_BEATS": str(1 << 18)}
    )


def _speed(build: simbuild.SimBuild, test: str, label: str, beats: int, seed: int) -> dict:
    build.run(
        TESTS, [test], seed=seed,
        extra_env={"FASTMEM_BEATS": str(beats), "FASTMEM_LABEL": label},
        run_name=f"{test}_{label}",
    )  # fmt: skip
    rec = benchlog.BENCH_DIR / f"{label}-{build.config}.json"
    return json.loads(rec.read_text())


@sim_test(900, pytest.mark.perf)
def test_fastmem_ratios(sim_config, fastmem_builds, seed_report):
    """The same long copy by the same DMA RTL, timed in one run: AxiRam, the fast
    path built as before (every signal public, -Os) and now (only the ports
    public, -O2; GPI clock and HDL clock), the bare C++ harness as before and
    with the same -O2. Cycles/s and the ratios to the bare harness recorded
    (tb.benchlog units fastmem_*, summary fastmem_ratios)."""
    seed = seed_report or 1
    runs = {
        "axiram": (fastmem_builds(sim_config, clock="axiram"), "fastmem_speed_axiram",
                   "fastmem_axiram", AXIRAM_BEATS),
        "hdl_before": (fastmem_builds(sim_config, clock="hdl", fast=False), "fastmem_speed",
                       "fastmem_dma_hdlclk_before", RATIO_BEATS),
        "gpi_before": (fastmem_builds(sim_config, clock="gpi", fast=False), "fastmem_speed",
                       "fastmem_dma_before", RATIO_BEATS),
        "hdl": (fastmem_builds(sim_config, clock="hdl"), "fastmem_speed",
                "fastmem_dma_hdlclk", RATIO_BEATS),
        "gpi": (fastmem_builds(sim_config, clock="gpi"), "fastmem_speed",
                "fastmem_dma", RATIO_BEATS),
    }  # fmt: skip
    bares = {"bare_before": ("fastmem_dma_bare_before", False), "bare": ("fastmem_dma_bare", True)}
    # The machines are shared: every figure is the best of ROUNDS interleaved rounds.
    fig: dict[str, dict] = {}
    for _ in range(env_rounds()):
        for key, (build, test, label, beats) in runs.items():
            got = _speed(build, test, label, beats, seed)
            if key not in fig or got["cycles_per_s"] > fig[key]["cycles_per_s"]:
                fig[key] = got
        for key, (_unit, fast) in bares.items():
            res = run_bare(sim_config, BARE_BEATS, seed=seed, fast=fast)
            assert res["ok"] and res["beats"] == BARE_BEATS, res
            if key not in fig or res["cycles_per_s"] > fig[key]["cycles_per_s"]:
                fig[key] = res
    for key, (_build, _test, label, _beats) in runs.items():
        f = fig[key]  # the best round's figure, not the last one's
        benchlog.record(
            label, sim_config, f["vectors"], f["seconds"], cycles_per_s=f["cycles_per_s"],
            beats_per_s=f["beats_per_s"], beats_per_cycle=f["beats_per_cycle"],
        )  # fmt: skip
    for key, (unit, _) in bares.items():
        res = fig[key]
        benchlog.record(
            unit, sim_config, res["beats"], res["seconds"],
            cycles_per_s=res["cycles_per_s"], beats_per_s=res["beats_per_s"],
            beats_per_cycle=res["beats"] / res["cycles"],
        )  # fmt: skip
    cps = {k: float(v["cycles_per_s"]) for k, v in fig.items()}
    bare = cps["bare"]
    ratios = {
        # the acceptance figure: the fast path (HDL clock) against the bare
        # harness with the same compiler flags
        "hdl_over_bare": cps["hdl"] / bare,
        "gpi_over_bare": cps["gpi"] / bare,
        "axiram_over_bare": cps["axiram"] / bare,
        # as measured before this build mode: both at -Os, every signal public
        "hdl_before_over_bare_before": cps["hdl_before"] / cps["bare_before"],
        "gpi_before_over_bare_before": cps["gpi_before"] / cps["bare_before"],
        "hdl_before_over_bare": cps["hdl_before"] / bare,
        "hdl_over_axiram": cps["hdl"] / cps["axiram"],
    }
    benchlog.record(
        "fastmem_ratios", sim_config, fig["hdl"]["vectors"], fig["hdl"]["seconds"],
        **{f"{k}_cycles_per_s": v for k, v in cps.items()}, **ratios,
    )  # fmt: skip
    lines = [f"[{sim_config}] cycles/s of one copy (same RTL, same traffic):"]
    lines += [f"  {k:<12} {v:>12.0f}  = {v / bare:.4f} of bare" for k, v in cps.items()]
    lines += [f"  {k} = {v:.3f}" for k, v in ratios.items()]
    print("\n".join(lines))

"""pytest entry of the rsqrt bench (cocotb tests in tb/rsqrt/rsqrt_tests.py).

Built for formats.ln_var (the LayerNorm unit's input), LANES=1, on the unit
configurations (tiny and m3vit by default, --sim-config to choose).
"""

from __future__ import annotations

import pytest

from hls.config import load_config
from tb.mutation import Mutant, assert_caught, build_mutant
from tb.recip.model import check_minimal_input
from tb.rsqrt.model import NrUnit

TESTS = "tb.rsqrt.rsqrt_tests"
KIND = "rsqrt"
FILE = "rsqrt_unit.sv"

#: Textual mutants of rtl/rsqrt_unit.sv and the rtl_model knobs that model them.
MUTANTS = {
    "newton_sign": (
        Mutant(
            "newton_sign",
            FILE,
            "$signed(ResOne) - $signed({1'b0, my2_q})",
            "$signed({1'b0, my2_q}) - $signed(ResOne)",
            "operator flipped: the Newton residual m*y^2 - 1, so the correction has the wrong sign",
        ),
        {"newton_sign": True},
    ),
    "seed_index_off": (
        Mutant(
            "seed_index_off",
            FILE,
            "addr_lo2 + AddrW'(1)",
            "addr_lo2 + AddrW'(0)",
            "constant one LSB off: the upper seed entry read at i, not i + 1 (no slope)",
        ),
        {"seed_index_off": True},
    ),
    "odd_shift": (
        Mutant(
            "odd_shift",
            FILE,
            "ShAmtW'(int'(p1_q) + 1 - (t1 & 1))",
            "ShAmtW'(int'(p1_q) + 1)",
            "normalisation by an odd shift: m in [1, 2) always, the exponent parity lost",
        ),
        {"shift_off": True},
    ),
    "no_round": (
        Mutant(
            "no_round",
            FILE,
            "YyW'(1) << (M - 1)",
            "YyW'(0)",
            "rounding constant removed: y*y truncates to M fraction bits instead of rounding",
        ),
        {"no_round": True},
    ),
}


def _unit(config: str) -> NrUnit:
    return NrUnit(KIND, load_config(config))


@pytest.fixture(scope="session")
def rsqrt_sim(unit_config, sim_builds):
    unit = _unit(unit_config)
    return sim_builds(unit.toplevel, unit_config, parameters=unit.parameters)


@pytest.mark.sim
@pytest.mark.timeout(600)
def test_rsqrt_stream(rsqrt_sim, seed_report):
    """Reset, full rate and latency, x = 0, >= 100,000 vectors under stalls, mid-stream reset."""
    rsqrt_sim.run(
        TESTS,
        [
            "rsqrt_reset_idle",
            "rsqrt_throughput",
            "rsqrt_zero_input",
            "rsqrt_stream",
            "rsqrt_reset_mid_stream",
        ],
        seed=seed_report,
    )


@pytest.mark.sim
@pytest.mark.timeout(600)
def test_rsqrt_hypothesis(rsqrt_sim, seed_report):
    """Hypothesis property inside the simulation (bridge/resume), aimed at the corners."""
    rsqrt_sim.run(TESTS, ["rsqrt_hypothesis"], seed=seed_report)


@pytest.mark.sim
@pytest.mark.timeout(900)
@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_rsqrt_bench_catches_mutant(mutant_config, mutant, sim_builds, seed_report):
    """A mutated copy of the RTL (tiny only) fails rsqrt_hypothesis with a shrunk input
    that really separates the mutant from the golden model."""
    mut, knobs = MUTANTS[mutant]
    unit = _unit(mutant_config)
    sim = build_mutant(sim_builds, mutant_config, unit.toplevel, mut, parameters=unit.parameters)
    result = sim.run(TESTS, ["rsqrt_hypothesis"], seed=seed_report, check=False)
    text = assert_caught(result, "rsqrt_hypothesis")
    summary = check_minimal_input(unit, text, knobs)
    print(f"mutant {mutant} ({mut.why}): minimal failing input {summary}")

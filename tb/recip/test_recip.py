"""pytest entry of the reciprocal bench (cocotb tests in tb/recip/recip_tests.py).

Built for formats.softmax_sum (the softmax engine's input), LANES=1, on the
unit configurations (tiny and m3vit by default, --sim-config to choose).
"""

from __future__ import annotations

import pytest

from hls.config import load_config
from tb.mutation import Mutant, assert_caught, build_mutant
from tb.recip.model import NrUnit, check_minimal_input

TESTS = "tb.recip.recip_tests"
KIND = "recip"
FILE = "recip_unit.sv"

#: Textual mutants of rtl/recip_unit.sv and the rtl_model knobs that model them.
MUTANTS = {
    "newton_sign": (
        Mutant(
            "newton_sign",
            FILE,
            "$signed(ResOne) - $signed({1'b0, my_q})",
            "$signed({1'b0, my_q}) - $signed(ResOne)",
            "operator flipped: the Newton residual m*y - 1, so the correction has the wrong sign",
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
    "shift_off": (
        Mutant(
            "shift_off",
            FILE,
            "{x1_q, {M{1'b0}}} >> p1_q",
            "{x1_q, {M{1'b0}}} >> (p1_q + PosW'(1))",
            "normalisation shift one too far: m in [1/2, 1) read as a mantissa in [1, 2)",
        ),
        {"shift_off": True},
    ),
    "no_round": (
        Mutant(
            "no_round",
            FILE,
            "YdW'(1) << (CorrSh - 1)",
            "YdW'(0)",
            "rounding constant removed: the Newton update y*d truncates instead of rounding",
        ),
        {"no_round": True},
    ),
}


def _unit(config: str) -> NrUnit:
    return NrUnit(KIND, load_config(config))


@pytest.fixture(scope="session")
def recip_sim(unit_config, sim_builds):
    unit = _unit(unit_config)
    return sim_builds(unit.toplevel, unit_config, parameters=unit.parameters)


@pytest.mark.sim
@pytest.mark.timeout(600)
def test_recip_stream(recip_sim, seed_report):
    """Reset, full rate and latency, x = 0, >= 100,000 vectors under stalls, mid-stream reset."""
    recip_sim.run(
        TESTS,
        [
            "recip_reset_idle",
            "recip_throughput",
            "recip_zero_input",
            "recip_stream",
            "recip_reset_mid_stream",
        ],
        seed=seed_report,
    )


@pytest.mark.sim
@pytest.mark.timeout(600)
def test_recip_hypothesis(recip_sim, seed_report):
    """Hypothesis property inside the simulation (bridge/resume), aimed at the corners."""
    recip_sim.run(TESTS, ["recip_hypothesis"], seed=seed_report)


@pytest.mark.sim
@pytest.mark.timeout(900)
@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_recip_bench_catches_mutant(mutant_config, mutant, sim_builds, seed_report):
    """A mutated copy of the RTL (tiny only) fails recip_hypothesis with a shrunk input
    that really separates the mutant from the golden model."""
    mut, knobs = MUTANTS[mutant]
    unit = _unit(mutant_config)
    sim = build_mutant(sim_builds, mutant_config, unit.toplevel, mut, parameters=unit.parameters)
    result = sim.run(TESTS, ["recip_hypothesis"], seed=seed_report, check=False)
    text = assert_caught(result, "recip_hypothesis")
    summary = check_minimal_input(unit, text, knobs)
    print(f"mutant {mutant} ({mut.why}): minimal failing input {summary}")

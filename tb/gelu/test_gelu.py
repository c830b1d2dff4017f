"""pytest entry of the GELU bench (cocotb tests in tb/gelu/gelu_tests.py)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tb.gelu.model import GeluGeometry, gelu_model, read_rom_hex
from tb.mutation import Mutant, run_mutant
from tb.simbuild import generated

TESTS = "tb.gelu.gelu_tests"
#: Lanes of the bench build: 8 x 32-bit words per beat.
LANES = 8


@pytest.fixture(scope="session")
def gelu_sim(sim_config, sim_builds):
    return sim_builds("gelu_unit", sim_config, parameters={"LANES": LANES})


@pytest.mark.sim
@pytest.mark.timeout(600)
def test_gelu_stream(gelu_sim, seed_report):
    """Reset, full-rate throughput, reset mid-stream, and >= 1M inputs under random
    stalls, bit-exact."""
    gelu_sim.run(
        TESTS,
        ["gelu_reset_idle", "gelu_throughput", "gelu_reset_mid_stream", "gelu_stream"],
        seed=seed_report,
    )


@pytest.mark.sim
@pytest.mark.timeout(600)
def test_gelu_hypothesis(gelu_sim, seed_report):
    """Hypothesis property inside the simulation (bridge/resume)."""
    gelu_sim.run(TESTS, ["gelu_hypothesis"], seed=seed_report)


#: Mutants of rtl/gelu_unit.sv, each with the knobs of tb.gelu.model.gelu_model
#: that make the Python model commit the same bug.
MUTANTS = {
    "no_rounding": (
        Mutant("no_rounding", "gelu_unit.sv", "AccW'(1) << (Shift - 1)", "AccW'(0)",
               "round half up becomes truncation"),
        {"round_half": False},
    ),
    "abs_off_by_one": (
        Mutant("abs_off_by_one", "gelu_unit.sv", "(~x0 + DATA_W'(1))", "(~x0)",
               "|x| of a negative x off by one LSB (one's complement)"),
        {"abs_ones_complement": True},
    ),
}  # fmt: skip


@pytest.mark.sim
@pytest.mark.timeout(900)
@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_gelu_bench_catches_mutant(mutant_config, mutant, sim_builds, seed_report):
    """A mutated copy of the RTL must fail gelu_hypothesis with a shrunk input
    that really separates the mutant from the golden model."""
    mut, knobs = MUTANTS[mutant]
    shrunk = run_mutant(
        sim_builds, mutant_config, "gelu_unit", mut, "gelu_hypothesis", TESTS, seed_report,
        parameters={"LANES": LANES},
    )  # fmt: skip
    m = re.search(r"x=(-?\d+) .*rtl (-?\d+) golden (-?\d+)", shrunk)
    assert m, f"no input in the shrunk example: {shrunk}"
    x, y_rtl, y_gold = (int(v) for v in m.groups())
    print(f"mutant {mutant}: minimal failing input x={x}, rtl {y_rtl}, golden {y_gold}")

    from golden.gelu import gelu
    from hls.config import load_config

    cfg = load_config(mutant_config)
    geo = GeluGeometry.from_config(cfg)
    table = read_rom_hex(generated(mutant_config).gelu_rom)
    xa = np.array([x], dtype=np.int64)
    assert int(gelu(xa, cfg)[0]) == y_gold
    assert int(gelu_model(xa, table, geo)[0]) == y_gold, "the Python model disagrees with golden"
    assert int(gelu_model(xa, table, geo, **knobs)[0]) == y_rtl, (
        "the mutant's output is not what the modelled mutation predicts"
    )
    assert y_rtl != y_gold

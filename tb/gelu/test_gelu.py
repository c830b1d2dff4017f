"""pytest entry of the GELU bench (cocotb tests in tb/gelu/gelu_tests.py)."""

from __future__ import annotations

import pytest

from ci.rtl_sources import rtl_closure
from golden.config import load_config
from golden.gelu import gelu
from hls.geometry import geometry
from tb.components.unit_checks import confirm_lane_mutant
from tb.gelu.model import gelu_model, table_of
from tb.marks import mutant_test, sim_test
from tb.mutation import Mutant, run_mutant

TESTS = "tb.gelu.gelu_tests"
#: Lanes of the bench build: 8 x 32-bit words per beat.
LANES = 8
#: gelu_unit and the modules it instantiates.
SOURCES = rtl_closure("gelu_unit")


@pytest.fixture(scope="session")
def gelu_sim(sim_config, sim_builds):
    return sim_builds("gelu_unit", sim_config, parameters={"LANES": LANES}, sources=SOURCES)


@sim_test(600)
def test_gelu_stream(gelu_sim, seed_report):
    """Reset, full-rate throughput, reset mid-stream, and >= 1M inputs under random
    stalls, bit-exact."""
    gelu_sim.run(
        TESTS,
        ["gelu_reset_idle", "gelu_throughput", "gelu_reset_mid_stream", "gelu_stream"],
        seed=seed_report,
    )


@sim_test(600, pytest.mark.hypothesis)
def test_gelu_hypothesis(gelu_sim, seed_report):
    """Hypothesis property inside the simulation (bridge/resume)."""
    gelu_sim.run(TESTS, ["gelu_hypothesis"], seed=seed_report)


#: Mutants of rtl/gelu_unit.sv, each with the knobs of tb.gelu.model.gelu_model
#: that make the Python model commit the same bug.
MUTANTS = {
    "no_rounding": (
        Mutant("no_rounding", "gelu_unit.sv", ".ROUND (1'b1)", ".ROUND (1'b0)",
               "round half up becomes truncation"),
        {"round_half": False},
    ),
    "abs_off_by_one": (
        Mutant("abs_off_by_one", "gelu_unit.sv", "(~x0 + DATA_W'(1))", "(~x0)",
               "|x| of a negative x off by one LSB (one's complement)"),
        {"abs_ones_complement": True},
    ),
}  # fmt: skip


@mutant_test(MUTANTS)
def test_gelu_bench_catches_mutant(mutant_config, mutant, sim_builds, seed_report):
    """A mutated copy of the RTL must fail gelu_hypothesis with a shrunk input
    that really separates the mutant from the golden model."""
    mut, knobs = MUTANTS[mutant]
    shrunk = run_mutant(
        sim_builds, mutant_config, "gelu_unit", mut, "gelu_hypothesis", TESTS, seed_report,
        sources=SOURCES, parameters={"LANES": LANES},
    )  # fmt: skip
    cfg = load_config(mutant_config)
    geo, table = geometry(cfg), table_of(cfg)
    confirm_lane_mutant(
        shrunk, mutant,
        golden=lambda x: gelu(x, cfg),
        model=lambda x, **kw: gelu_model(x, table, geo, **kw),
        knobs=knobs,
    )  # fmt: skip

"""pytest entry of the GELU bench (cocotb tests in tb/gelu/gelu_tests.py)."""

from __future__ import annotations

import pytest

from golden.config import load_config
from golden.gelu import gelu
from hls.geometry import geometry
from tb.components.bench_pytest import BenchBuild
from tb.components.unit_checks import confirm_lane_mutant
from tb.gelu.model import gelu_model, table_of
from tb.marks import mutant_test
from tb.mutation import Mutant

#: gelu_unit with 8 lanes (8 x 32-bit words per beat), on the per-commit configurations.
BENCH = BenchBuild("gelu_unit", "tb.gelu.gelu_tests", parameters={"LANES": 8}, configs="sim_config")

test_gelu_stream = BENCH.cocotb_test(
    ["gelu_reset_idle", "gelu_throughput", "gelu_reset_mid_stream", "gelu_stream"],
    timeout=600,
    doc="""Reset, full-rate throughput, reset mid-stream, and >= 1M inputs under random
    stalls, bit-exact.""",
)
test_gelu_hypothesis = BENCH.cocotb_test(
    ["gelu_hypothesis"],
    timeout=600,
    kinds=[pytest.mark.hypothesis],
    doc="Hypothesis property inside the simulation (bridge/resume).",
)


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
    shrunk = BENCH.run_mutant(sim_builds, mutant_config, mut, "gelu_hypothesis", seed_report)
    cfg = load_config(mutant_config)
    geo, table = geometry(cfg), table_of(cfg)
    confirm_lane_mutant(
        shrunk, mutant,
        golden=lambda x: gelu(x, cfg),
        model=lambda x, **kw: gelu_model(x, table, geo, **kw),
        knobs=knobs,
    )  # fmt: skip

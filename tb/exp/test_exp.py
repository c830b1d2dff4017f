"""pytest entry of the exp bench (cocotb tests in tb/exp/exp_tests.py)."""

from __future__ import annotations

import numpy as np
import pytest

from golden.approx.exp import exp_neg
from golden.config import load_config
from hls.geometry import geometry
from tb.components.bench_pytest import BenchBuild
from tb.components.unit_checks import confirm_lane_mutant
from tb.exp.model import edge_vectors, exp_model, stream_vectors, table_of
from tb.marks import mutant_test
from tb.mutation import Mutant

#: Lanes of the bench builds: 3 on tiny (an odd lane count), 8 on m3vit (its P).
LANES = {"tiny": 3, "m3vit": 8}
BENCH = BenchBuild(
    "exp_unit", "tb.exp.exp_tests", parameters=lambda config: {"LANES": LANES.get(config, 4)}
)


def test_exp_model_matches_golden(unit_config, seed_report):
    """The bench's stage-by-stage model of the RTL (no mutation) is golden exp_neg,
    on every corner and random fill; every mutation it models differs from golden."""
    cfg = load_config(unit_config)
    geo, table = geometry(cfg), table_of(cfg)
    x = stream_vectors(geo, 200_000, np.random.default_rng(seed_report), 1)
    gold = exp_neg(x, cfg)
    bad = np.flatnonzero(exp_model(x, geo, table) != gold)
    assert not len(bad), f"model differs from golden at x={int(x[bad[0]])}"
    for name, (_, knobs) in MUTANTS.items():
        assert (exp_model(x, geo, table, **knobs) != gold).any(), f"{name} is an equivalent mutant"
    edges = edge_vectors(geo)
    assert -geo.exp_a_flush in edges and exp_neg(np.array([-geo.exp_a_flush]), cfg)[0] > 0
    assert exp_neg(np.array([-geo.exp_a_flush - 1]), cfg)[0] == 0


test_exp_stream = BENCH.cocotb_test(
    [
        "exp_reset_idle",
        "exp_throughput",
        "exp_positive_inputs",
        "exp_reset_mid_stream",
        "exp_stream",
    ],
    timeout=600,
    doc="""Reset, full-rate throughput and latency, x > 0, reset mid-stream, and >= 1M
    inputs under random stalls, bit-exact.""",
)
test_exp_hypothesis = BENCH.cocotb_test(
    ["exp_hypothesis"],
    timeout=600,
    kinds=[pytest.mark.hypothesis],
    doc="Hypothesis property inside the simulation (bridge/resume), aimed at the corners.",
)


#: Mutants of rtl/exp_unit.sv (and of rtl/interp_rom.sv, its table interpolation), each
#: with the knobs of tb.exp.model.exp_model that make the Python model commit the same bug.
MUTANTS = {
    "log2e_plus_one": (
        Mutant("log2e_plus_one", "exp_unit.sv", "UW'(a1_q) * UW'(LOG2E)",
               "UW'(a1_q) * UW'(LOG2E + 1)", "the multiplier's log2(e) constant one LSB high"),
        {"log2e_delta": 1},
    ),
    "interp_sign_flipped": (
        Mutant("interp_sign_flipped", "interp_rom.sv", "+ prod_q;", "- prod_q;",
               "the interpolation's slope term subtracted instead of added"),
        {"interp_sign": -1},
    ),
    "no_output_rounding": (
        Mutant("no_output_rounding", "exp_unit.sv", "((SumW'(1) << sh6_q) >> 1)", "'0",
               "the output rounding constant removed (truncation)"),
        {"out_round": False},
    ),
    "flush_nonstrict": (
        Mutant("flush_nonstrict", "exp_unit.sv", "mag0 > AFlush", "mag0 >= AFlush",
               "the flush-to-zero comparison made non-strict"),
        {"flush_nonstrict": True},
    ),
}  # fmt: skip


@mutant_test(MUTANTS)
def test_exp_bench_catches_mutant(mutant_config, mutant, sim_builds, seed_report):
    """A mutated copy of the RTL must fail exp_hypothesis with a shrunk input that
    really separates the mutant from the golden model (tiny only)."""
    mut, knobs = MUTANTS[mutant]
    shrunk = BENCH.run_mutant(sim_builds, mutant_config, mut, "exp_hypothesis", seed_report)
    cfg = load_config(mutant_config)
    geo, table = geometry(cfg), table_of(cfg)
    confirm_lane_mutant(
        shrunk, mutant,
        golden=lambda x: exp_neg(x, cfg),
        model=lambda x, **kw: exp_model(x, geo, table, **kw),
        knobs=knobs,
    )  # fmt: skip

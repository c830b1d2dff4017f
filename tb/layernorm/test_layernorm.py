"""pytest entry of the LayerNorm bench (cocotb tests in tb/layernorm/layernorm_tests.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from golden.config import load_config
from golden.layernorm import layernorm
from tb.components.bench_pytest import BenchBuild
from tb.layernorm.model import build_parameters, layernorm_model
from tb.marks import mutant_test
from tb.mutation import Mutant, by_name

#: Lanes of the bench build: 8 features per beat (a divisor of every row length).
LANES = 8
BENCH = BenchBuild(
    "layernorm_unit",
    "tb.layernorm.layernorm_tests",
    parameters=lambda config: build_parameters(load_config(config), LANES),
)

test_layernorm_stream = BENCH.cocotb_test(
    [
        "ln_reset_idle",
        "ln_throughput",
        "ln_stream",
        "ln_reset_mid_stream",
        "ln_param_reload_mid_stream",
    ],
    timeout=900,
    doc="""Reset, throughput, >= 200k row elements under stalls, reset mid-stream,
    parameter reload mid-stream: bit-exact with golden.layernorm.""",
)
test_layernorm_hypothesis = BENCH.cocotb_test(
    ["ln_hypothesis"],
    timeout=900,
    kinds=[pytest.mark.hypothesis],
    doc="Hypothesis property inside the simulation on the LayerNorm corners.",
)


#: Mutants of rtl/layernorm_unit.sv (and its layernorm_row_stats, layernorm_normalise)
#: and the same change in layernorm_model.
MUTANTS = by_name(
    (
        Mutant(
            "eps_omitted",
            "layernorm_row_stats.sv",
            "(VAR_W + 1)'(EPS_RAW)",
            "(VAR_W + 1)'(0)",
            "var + eps without the eps (a constant dropped)",
        ),
        {"eps": False},
    ),
    (
        Mutant(
            "mean_one_lsb_off",
            "layernorm_row_stats.sv",
            "((MeanDW'(s1_mag) << MeanUp) + MeanDW'(ROW_LEN))",
            "((MeanDW'(s1_mag) << MeanUp) + MeanDW'(2 * ROW_LEN))",
            "the mean's rounding constant N becomes 2N for non-negative row sums",
        ),
        {"mean_round": 2},
    ),
    (
        Mutant(
            "dev_sign_flipped",
            "layernorm_normalise.sv",
            "assign dev1 = (DevW'($signed(x1_q[l*DATA_W +: DATA_W])) <<< XUp) -\n"
            "                  DevW'($signed(mean1_q));",
            "assign dev1 = DevW'($signed(mean1_q)) -\n"
            "                  (DevW'($signed(x1_q[l*DATA_W +: DATA_W])) <<< XUp);",
            "x - mean computed as mean - x",
        ),
        {"dev_sign": -1},
    ),
    (
        Mutant(
            "var_acc_truncated",
            "layernorm_unit.sv",
            "QW'(beat_q)",
            "QW'(beat_q & ~LaneQW'(1))",
            "the sum-of-squares accumulator loses its LSB on every beat",
        ),
        {"q_drop_lsb": True},
    ),
)


@mutant_test(MUTANTS, timeout=1200)
def test_layernorm_bench_catches_mutant(mutant_config, mutant, sim_builds, seed_report):
    """A mutated copy of the RTL (tiny only) must fail ln_hypothesis with a
    shrunk input that really separates the mutant from the golden model."""
    cfg = load_config(mutant_config)
    mut, knobs = MUTANTS[mutant]
    text = BENCH.run_mutant(sim_builds, mutant_config, mut, "ln_hypothesis", seed_report)
    assert "input {" in text, f"no input in the minimal failing example: {text}"
    data = json.loads(text[text.index("input {") + len("input ") :])
    x = np.array(data["x"], dtype=np.int64)
    gamma, beta = np.array(data["gamma"]), np.array(data["beta"])
    y_rtl = np.array(data["rtl"], dtype=np.int64)
    print(f"mutant {mutant} ({mut.why}): failing input: {text[:600]}")
    y_gold = layernorm(x, gamma, beta, cfg)
    assert (layernorm_model(x, gamma, beta, cfg) == y_gold).all(), "model disagrees with golden"
    assert (y_rtl != y_gold).any(), "the reported input does not separate mutant and golden"
    y_mut = layernorm_model(x, gamma, beta, cfg, lanes=LANES, **knobs)
    assert (y_mut == y_rtl).all(), "the mutant's output is not what the modelled mutation predicts"

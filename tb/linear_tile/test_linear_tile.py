"""pytest entry of the linear-tile bench (cocotb tests in tb/linear_tile/linear_tile_tests.py)."""

from __future__ import annotations

import ast
import re

import numpy as np
import pytest

from hls.geometry import geometry
from tb.components.bench_pytest import BenchBuild
from tb.linear_tile.model import linear_model
from tb.marks import mutant_test
from tb.mutation import Mutant, by_name

#: linear_tile with the modules it instantiates (linear_tile_row, the GELU stage and unit).
BENCH = BenchBuild("linear_tile", "tb.linear_tile.linear_tile_tests")

test_linear_tile_stream = BENCH.cocotb_test(
    ["linear_reset_idle", "linear_throughput", "linear_stream", "linear_reset_mid_stream"],
    timeout=900,
    doc="""Reset, full-rate throughput, >= 100,000 output values under random stalls,
    and a reset in the middle of a stream, all bit-exact with golden.""",
)
test_linear_tile_hypothesis = BENCH.cocotb_test(
    ["linear_hypothesis"],
    timeout=900,
    kinds=[pytest.mark.hypothesis],
    doc="Hypothesis property inside the simulation (bridge/resume).",
)


#: Mutants of rtl/linear_tile.sv and the knobs of tb.linear_tile.model.linear_model
#: that model each one.
MUTANTS = by_name(
    (
        Mutant(
            "acc_one_bit_short",
            "linear_tile.sv",
            "parameter int unsigned ACC_W      = TILE_ACC_W",
            "parameter int unsigned ACC_W      = TILE_ACC_W - 1",
            "the accumulator one bit narrower than the worst case: full-K extreme sums wrap",
        ),
        {"acc_bits_less": 1},
    ),
    (
        Mutant(
            "no_round_constant",
            "linear_tile_row.sv",
            ".ROUND (1'b1)",
            ".ROUND (1'b0)",
            "rounding constant removed: round half up becomes truncation",
        ),
        {"round_half": False},
    ),
    (
        Mutant(
            "bias_misaligned",
            "linear_tile.sv",
            "localparam int unsigned BiasShift    = AccFrac - B_FRAC;",
            "localparam int unsigned BiasShift    = AccFrac - B_FRAC + 1;",
            "the bias (bias format) aligned one bit too far left",
        ),
        {"bias_shift_delta": 1},
    ),
    (
        Mutant(
            "sat_nonstrict",
            "round_sat.sv",
            "(rounded > OutMax) ?",
            "(rounded > OutMax + QW'(1)) ?",
            "saturation test made non-strict: exactly 2**31 LSB wraps to the minimum",
        ),
        {"sat_nonstrict": True},
    ),
)

_FAILURE = re.compile(
    r"x=(\[[^\]]*\]) w=(\[[^\]]*\]) b=(-?\d+) alt=([01]) gelu=([01]): rtl (-?\d+) golden (-?\d+)"
)


@mutant_test(MUTANTS, timeout=1200)
def test_linear_tile_bench_catches_mutant(mutant_config, mutant, sim_builds, seed_report):
    """A mutated copy of the RTL must fail linear_hypothesis with a shrunk input
    that really separates the mutant from the golden model ("tiny" only: mutant
    builds cost time)."""
    from golden.config import load_config
    from golden.stages.linear import linear

    config = mutant_config
    mut, knobs = MUTANTS[mutant]
    minimal = BENCH.run_mutant(sim_builds, config, mut, "linear_hypothesis", seed_report)
    m = _FAILURE.search(minimal)
    assert m, f"no operands in the shrunk input: {minimal}"
    x, w = ast.literal_eval(m.group(1)), ast.literal_eval(m.group(2))
    b, alt, use_gelu, y_rtl, y_gold = (int(v) for v in m.groups()[2:])
    print(f"mutant {mutant}: failing input {minimal[:600]}")

    cfg = load_config(config)
    geo = geometry(cfg)
    b_fmt = cfg.formats.attn_bias if alt else cfg.formats.bias
    xa, wa = np.array([x], dtype=np.int64), np.array([w], dtype=np.int64)
    gold = int(linear(xa, wa, np.array([b]), cfg, gelu=bool(use_gelu), b_fmt=b_fmt)[0, 0])
    assert gold == y_gold, "the reported golden value is not golden's on these operands"
    args = (x, w, b, bool(alt), bool(use_gelu), geo, cfg)
    assert linear_model(*args) == y_gold, "the Python model disagrees with golden"
    assert linear_model(*args, **knobs) == y_rtl, (
        "the mutant's output is not what the modelled mutation predicts"
    )
    assert y_rtl != y_gold

"""cocotb tests of rtl/exp_unit.sv against golden.approx.exp.exp_neg, bit for bit.

Run through tb/exp/test_exp.py (pytest), which builds the model for a
configuration and sets the environment read here:

EDGEMOE_CONFIG        configuration name (golden.config.load_config)
EDGEMOE_SEED          seed of every random choice (printed by each test)
EXP_VECTORS           inputs streamed by exp_stream (default 1,000,000)
EXP_HYP_EXAMPLES      Hypothesis examples of exp_hypothesis (default 2000)
HYPOTHESIS_PROFILE    "long" (nox -s nightly) raises both defaults 20-fold
"""

from __future__ import annotations

import cocotb
import numpy as np
from hypothesis import strategies as st

from ci.coverage import functional
from ci.rtl_sources import GEN_ROOT
from golden.approx.exp import exp_neg
from golden.config import load_config
from hls.geometry import geometry
from tb.components.stream import pack_lanes, reset, start_clock, stream
from tb.components.unit_checks import LaneUnit
from tb.exp.model import (
    LATENCY,
    a_at,
    check_supported,
    corner_a,
    describe,
    min_input,
    stream_vectors,
    table_of,
)
from tb.hypothesis_sim import example_scale, examples_for
from tb.simenv import env_config_name, env_int, env_seed

CFG = load_config(env_config_name())
check_supported(CFG)
GEO = geometry(CFG)
_SCALE = example_scale()

UNIT = LaneUnit(
    unit="exp",
    config=CFG.name,
    in_w=GEO.exp_in_w,
    out_w=CFG.formats.exp_out.width,
    signed_out=False,
    golden=lambda x: exp_neg(x, CFG),
    golden_name="golden exp_neg",
    describe=lambda x: describe(GEO, x),
    vectors=lambda n, rng, lanes: stream_vectors(GEO, n, rng, lanes),
    rom=GEN_ROOT / CFG.name / "exp2_neg.hex",
    table=lambda: table_of(CFG),
    sample=lambda x: functional.sample("exp.range", CFG, x),
)


@cocotb.test(timeout_time=20, timeout_unit="us")
async def exp_reset_idle(dut):
    """Out of reset: ready, nothing valid, and nothing appears without input."""
    await UNIT.reset_idle(dut)


@cocotb.test(timeout_time=200, timeout_unit="us")
async def exp_throughput(dut):
    """Full rate: one beat per cycle in and out, no bubbles, and the documented latency."""
    await UNIT.throughput(dut, env_seed(), latency=LATENCY)


@cocotb.test(timeout_time=100, timeout_unit="us")
async def exp_positive_inputs(dut):
    """Outside the contract (golden rejects x > 0): the unit returns exp(0) = 1 for x > 0."""
    lanes = UNIT.lanes(dut)
    start_clock(dut)
    await reset(dut)
    top = (1 << (GEO.exp_in_w - 1)) - 1
    x = np.array([1, 2, 1 << CFG.formats.feature.frac_bits, top - 1, top] * lanes, dtype=np.int64)
    outs, _ = await stream(dut, pack_lanes(x, lanes, GEO.exp_in_w))
    y = UNIT.unpack(outs, lanes)
    one = 1 << CFG.formats.exp_out.frac_bits
    bad = np.flatnonzero(y != one)
    assert not len(bad), f"x={int(x[bad[0]])} > 0 gave {int(y[bad[0]])}, not exp(0) = {one}"


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def exp_reset_mid_stream(dut):
    """A reset in the middle of a stream leaves the unit empty: the next stream matches."""
    await UNIT.reset_mid_stream(dut, env_seed() + 1)


@cocotb.test(timeout_time=1000, timeout_unit="ms")
async def exp_stream(dut):
    """>= EXP_VECTORS inputs (every corner + random fill) under random stalls on
    both sides, compared bit for bit with golden exp_neg."""
    await UNIT.stream(dut, env_seed(), env_int("EXP_VECTORS", _SCALE * 1_000_000))


def _x_strategy():
    """x <= 0 aimed at the corners: range-reduction boundaries x = -k ln2 (+-2 LSB),
    table breakpoints of the fraction (+-2 LSB), the flush limit (+-2 LSB), the
    extremes; and uniform draws over the unflushed range and the whole input range."""
    a_flush = GEO.exp_a_flush
    k_top = CFG.formats.exp_out.frac_bits + 3
    extremes = sorted(-int(a) for a in corner_a(GEO)["extremes"])  # 0, -1 LSB, most negative

    def at_t(k: int, i: int, d: int) -> int:
        return -max(0, a_at(GEO, (k << CFG.exp.t_frac_bits) + (i << GEO.exp_frac_idx_w)) + d)

    d = st.integers(-2, 2)
    return st.one_of(
        st.builds(at_t, st.integers(0, k_top), st.just(0), d),  # x = -k ln2
        st.builds(at_t, st.integers(0, k_top), st.integers(0, 1 << CFG.exp.step_log2), d),
        st.builds(lambda dd: -(a_flush + dd), d),  # the flush-to-zero threshold
        st.sampled_from(extremes),
        st.integers(-(a_flush + 8), 0),
        st.integers(min_input(GEO), 0),
    )


@cocotb.test(timeout_time=500, timeout_unit="ms")
async def exp_hypothesis(dut):
    """Hypothesis property (in a bridge thread, driving the DUT through resume):
    for any short burst of inputs and stall pattern the RTL equals golden exp_neg.
    A failure is shrunk and reported as 'minimal failing input: x=...'."""
    await UNIT.hypothesis(
        dut,
        env_seed(),
        x_strategy=_x_strategy(),
        examples=examples_for("EXP_HYP_EXAMPLES", 2000),
    )

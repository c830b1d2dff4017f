"""cocotb tests of rtl/gelu_unit.sv against golden.gelu.gelu, bit for bit.

Run through tb/gelu/test_gelu.py (pytest), which builds the model for a
configuration and sets the environment read here:

EDGEMOE_CONFIG        configuration name (golden.config.load_config)
EDGEMOE_SEED          seed of every random choice (printed by each test)
GELU_VECTORS          inputs streamed by gelu_stream (default 1,000,000)
GELU_HYP_EXAMPLES     Hypothesis examples of gelu_hypothesis (default 1000)
HYPOTHESIS_PROFILE    "long" (nox -s nightly) raises both defaults 20-fold
"""

from __future__ import annotations

import cocotb
from hypothesis import strategies as st

from ci.coverage import functional
from ci.rtl_sources import GEN_ROOT
from golden.config import load_config
from golden.gelu import gelu
from hls.geometry import geometry
from tb.components.unit_checks import LaneUnit
from tb.gelu.model import LATENCY, describe, segments, stream_vectors, table_of
from tb.hypothesis_sim import example_scale, examples_for
from tb.simenv import env_config_name, env_int, env_seed

CFG = load_config(env_config_name())
GEO = geometry(CFG)
FEAT = CFG.formats.feature
_SCALE = example_scale()

UNIT = LaneUnit(
    unit="gelu",
    config=CFG.name,
    in_w=FEAT.width,
    out_w=FEAT.width,
    signed_out=True,
    golden=lambda x: gelu(x, CFG),
    golden_name="golden.gelu",
    describe=lambda x: describe(GEO, x),
    vectors=lambda n, rng, lanes: stream_vectors(GEO, n, rng, lanes),
    rom=GEN_ROOT / CFG.name / "gelu_delta.hex",
    table=lambda: table_of(CFG),
    sample=lambda x: functional.sample("gelu.segment", CFG, x),
)


@cocotb.test(timeout_time=20, timeout_unit="us")
async def gelu_reset_idle(dut):
    """Out of reset: ready, nothing valid, and nothing appears without input."""
    await UNIT.reset_idle(dut)


@cocotb.test(timeout_time=200, timeout_unit="us")
async def gelu_throughput(dut):
    """Full rate: with out_ready_i held high, one beat per cycle in and out, no bubbles,
    and the documented latency."""
    await UNIT.throughput(dut, env_seed(), latency=LATENCY)


@cocotb.test(timeout_time=1000, timeout_unit="ms")
async def gelu_stream(dut):
    """>= GELU_VECTORS inputs (edge cases + random fill) under random stalls on
    both sides, compared bit for bit with golden.gelu."""
    await UNIT.stream(dut, env_seed(), env_int("GELU_VECTORS", _SCALE * 1_000_000))


def _x_strategy():
    """Inputs inside the table, next to its breakpoints (both signs), or anywhere."""
    lim = GEO.gelu_table_limit

    def near(i: int, d: int, neg: bool) -> int:
        x = (i << GEO.gelu_frac_idx_w) + d
        return max(FEAT.min_raw, min(FEAT.max_raw, -x if neg else x))

    near_bp = st.builds(
        near,
        st.integers(0, segments(GEO) + 1),
        st.integers(-2, 2),
        st.booleans(),
    )
    return st.one_of(
        st.integers(-lim, lim),
        near_bp,
        st.integers(FEAT.min_raw, FEAT.max_raw),
    )


@cocotb.test(timeout_time=500, timeout_unit="ms")
async def gelu_hypothesis(dut):
    """Hypothesis property (in a bridge thread, driving the DUT through resume):
    for any short burst of inputs and stall pattern the RTL equals golden.gelu.
    A failure is shrunk and printed as 'minimal failing input: x=...'."""
    await UNIT.hypothesis(
        dut,
        env_seed(),
        x_strategy=_x_strategy(),
        examples=examples_for("GELU_HYP_EXAMPLES", 1000),
    )


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def gelu_reset_mid_stream(dut):
    """A reset in the middle of a stream leaves the unit empty: the next stream matches."""
    await UNIT.reset_mid_stream(dut, env_seed())

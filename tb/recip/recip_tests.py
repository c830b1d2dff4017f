"""cocotb tests of rtl/recip_unit.sv against golden.approx.reciprocal.reciprocal_parts.

Run through tb/recip/test_recip.py (pytest), which builds the unit for the
format the softmax engine feeds it (formats.softmax_sum). The test bodies are
shared with the rsqrt bench (tb/recip/nr_bench.py); the environment knobs are
RECIP_VECTORS (stream length, default 120,000) and RECIP_HYP_EXAMPLES
(default 1000), both 20-fold under HYPOTHESIS_PROFILE=long.
"""

from __future__ import annotations

import cocotb

from hls.config import load_config
from tb.recip import nr_bench
from tb.recip.model import NrUnit
from tb.simbuild import env_config_name

UNIT = NrUnit("recip", load_config(env_config_name()))


@cocotb.test(timeout_time=20, timeout_unit="us")
async def recip_reset_idle(dut):
    """Out of reset: ready, nothing valid, nothing appears without input."""
    await nr_bench.reset_idle(dut, UNIT)


@cocotb.test(timeout_time=200, timeout_unit="us")
async def recip_throughput(dut):
    """One beat per cycle, no bubbles, latency 5 + 4 * RECIP_NEWTON_STEPS."""
    await nr_bench.throughput(dut, UNIT)


@cocotb.test(timeout_time=50, timeout_unit="us")
async def recip_zero_input(dut):
    """x = 0 gives the all-zero word (the documented out-of-domain value)."""
    await nr_bench.zero_input(dut, UNIT)


@cocotb.test(timeout_time=100, timeout_unit="ms")
async def recip_stream(dut):
    """>= 100,000 edge + random inputs under random stalls, bit-exact."""
    await nr_bench.stream_all(dut, UNIT)


@cocotb.test(timeout_time=10, timeout_unit="ms")
async def recip_reset_mid_stream(dut):
    """A reset mid-stream leaves the unit empty; the next stream matches."""
    await nr_bench.reset_mid_stream(dut, UNIT)


@cocotb.test(timeout_time=100, timeout_unit="ms")
async def recip_hypothesis(dut):
    """Hypothesis property at the corners (powers of two, breakpoints, extremes)."""
    await nr_bench.hypothesis_property(dut, UNIT)

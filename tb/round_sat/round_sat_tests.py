"""cocotb test of rtl/round_sat.sv against golden.fixed.quantize, every input value.

Run through tb/round_sat/test_round_sat.py (pytest), which builds the cell once
per parameter set (IN_W, OUT_W, SHIFT, ROUND; read back from the environment).
"""

from __future__ import annotations

import cocotb
import numpy as np
from cocotb.triggers import Timer

from tb.round_sat.model import RoundSatParams, golden_round_sat
from tb.simenv import env_parameters


@cocotb.test(timeout_time=1, timeout_unit="ms")
async def round_sat_exhaustive(dut):
    """Every IN_W-bit input, one per nanosecond: out_o equals golden quantize bit for bit."""
    params = RoundSatParams.from_build(env_parameters())
    inputs = np.arange(-(1 << (params.in_w - 1)), 1 << (params.in_w - 1))
    expected = golden_round_sat(inputs, params)
    mask = (1 << params.in_w) - 1
    for x, want in zip(inputs.tolist(), expected.tolist(), strict=True):
        dut.in_i.value = x & mask
        await Timer(1, "ns")
        got = dut.out_o.value.to_signed()
        assert got == want, (
            f"first failing input: x={x}: rtl {got} golden {want} ({params.describe()})"
        )

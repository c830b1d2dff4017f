"""cocotb tests of rtl/nr_core.sv (ROOT = 2, 1/sqrt(x)) against golden.approx.rsqrt.rsqrt_parts.

Run through tb/rsqrt/test_rsqrt.py (pytest), which builds the unit for the
format the LayerNorm unit feeds it (formats.ln_var). The tests are shared with
the reciprocal bench and declared by tb/components/nr_bench.py (bind_tests); the
environment knobs are RSQRT_VECTORS (stream length, default 120,000) and
RSQRT_HYP_EXAMPLES (default 1000), both 20-fold under HYPOTHESIS_PROFILE=long.
"""

from __future__ import annotations

from tb.components import nr_bench

#: rsqrt_reset_idle, rsqrt_throughput, rsqrt_zero_input, rsqrt_stream,
#: rsqrt_reset_mid_stream and rsqrt_hypothesis (tb/components/nr_bench.py).
UNIT = nr_bench.bind_tests(globals(), "rsqrt")

"""cocotb tests of rtl/nr_core.sv (ROOT = 1, 1/x) against golden.approx.reciprocal.reciprocal_parts.

Run through tb/recip/test_recip.py (pytest), which builds the unit for the
format the softmax engine feeds it (formats.softmax_sum). The tests are shared
with the rsqrt bench and declared by tb/components/nr_bench.py (bind_tests); the
environment knobs are RECIP_VECTORS (stream length, default 120,000) and
RECIP_HYP_EXAMPLES (default 1000), both 20-fold under HYPOTHESIS_PROFILE=long.
"""

from __future__ import annotations

from tb.components import nr_bench

#: recip_reset_idle, recip_throughput, recip_zero_input, recip_stream,
#: recip_reset_mid_stream and recip_hypothesis (tb/components/nr_bench.py).
UNIT = nr_bench.bind_tests(globals(), "recip")

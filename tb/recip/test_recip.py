"""pytest entry of the reciprocal bench (cocotb tests in tb/recip/recip_tests.py).

Built for formats.softmax_sum (the softmax engine's input), LANES=1, on the
unit configurations (tiny and m3vit by default, --sim-config to choose). This
module states the unit; the pytest bodies are shared with the rsqrt bench
(tb/components/nr_pytest.py).
"""

from __future__ import annotations

from tb.components import nr_pytest
from tb.mutation import Mutant

KIND = "recip"

#: Textual mutants of nr_core with ROOT = 1 (rtl/nr_*.sv; ROOT = 2 is the rsqrt bench)
#: and the rtl_model knobs that model them.
MUTANTS = {
    "newton_sign": nr_pytest.newton_sign(
        "operator flipped: the Newton residual m*y - 1, so the correction has the wrong sign"
    ),
    "seed_index_off": nr_pytest.seed_index_off(),
    "shift_off": (
        Mutant(
            "shift_off",
            "nr_normalise.sv",
            "{1'b0}}} >> sh1",
            "{1'b0}}} >> (sh1 + ShAmtW'(1))",
            "normalisation shift one too far: m in [1/2, 1) read as a mantissa in [1, 2)",
        ),
        {"shift_off": True},
    ),
    "no_round": (
        Mutant(
            "no_round",
            "nr_newton_update.sv",
            "YdW'(1) << (CorrSh - 1)",
            "YdW'(0)",
            "rounding constant removed: the Newton update y*d truncates instead of rounding",
        ),
        {"no_round": True},
    ),
}


test_recip_stream, test_recip_hypothesis, test_recip_bench_catches_mutant = nr_pytest.bench_tests(
    KIND, MUTANTS
)

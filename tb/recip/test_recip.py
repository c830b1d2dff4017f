"""pytest entry of the reciprocal bench (cocotb tests in tb/recip/recip_tests.py).

Built for formats.softmax_sum (the softmax engine's input), LANES=1, on the
unit configurations (tiny and m3vit by default, --sim-config to choose). This
module states the unit; the pytest bodies are shared with the rsqrt bench
(tb/recip/nr_pytest.py).
"""

from __future__ import annotations

from tb.mutation import Mutant
from tb.recip import nr_pytest

KIND = "recip"
FILE = "recip_unit.sv"

#: Textual mutants of rtl/recip_unit.sv and the rtl_model knobs that model them.
MUTANTS = {
    "newton_sign": (
        Mutant(
            "newton_sign",
            FILE,
            "$signed(ResOne) - $signed({1'b0, my_q})",
            "$signed({1'b0, my_q}) - $signed(ResOne)",
            "operator flipped: the Newton residual m*y - 1, so the correction has the wrong sign",
        ),
        {"newton_sign": True},
    ),
    "seed_index_off": nr_pytest.seed_index_off(FILE),
    "shift_off": (
        Mutant(
            "shift_off",
            FILE,
            "{x1_q, {M{1'b0}}} >> p1_q",
            "{x1_q, {M{1'b0}}} >> (p1_q + PosW'(1))",
            "normalisation shift one too far: m in [1/2, 1) read as a mantissa in [1, 2)",
        ),
        {"shift_off": True},
    ),
    "no_round": (
        Mutant(
            "no_round",
            FILE,
            "YdW'(1) << (CorrSh - 1)",
            "YdW'(0)",
            "rounding constant removed: the Newton update y*d truncates instead of rounding",
        ),
        {"no_round": True},
    ),
}


nr_sim, test_recip_stream, test_recip_hypothesis, test_recip_bench_catches_mutant = (
    nr_pytest.bench_tests(KIND, MUTANTS)
)

"""pytest entry of the rsqrt bench (cocotb tests in tb/rsqrt/rsqrt_tests.py).

Built for formats.ln_var (the LayerNorm unit's input), LANES=1, on the unit
configurations (tiny and m3vit by default, --sim-config to choose). This
module states the unit; the pytest bodies are shared with the reciprocal
bench (tb/components/nr_pytest.py).
"""

from __future__ import annotations

from tb.components import nr_pytest
from tb.mutation import Mutant

KIND = "rsqrt"

#: Textual mutants of nr_core with ROOT = 2 (rtl/nr_*.sv; ROOT = 1 is the recip bench)
#: and the rtl_model knobs that model them.
MUTANTS = {
    "newton_sign": nr_pytest.newton_sign(
        "operator flipped: the Newton residual m*y^2 - 1, so the correction has the wrong sign"
    ),
    "seed_index_off": nr_pytest.seed_index_off(),
    "odd_shift": (
        Mutant(
            "odd_shift",
            "nr_normalise.sv",
            "ShAmtW'(int'(p1_q) + int'(ROOT) - 1 - (t1 & ParMask))",
            "ShAmtW'(int'(p1_q) + int'(ROOT) - 1)",
            "normalisation by an odd shift: m in [1, 2) always, the exponent parity lost",
        ),
        {"shift_off": True},
    ),
    "no_round": (
        Mutant(
            "no_round",
            "nr_core.sv",
            "YyW'(1) << (M - 1)",
            "YyW'(0)",
            "rounding constant removed: y*y truncates to M fraction bits instead of rounding",
        ),
        {"no_round": True},
    ),
}


test_rsqrt_stream, test_rsqrt_hypothesis, test_rsqrt_bench_catches_mutant = nr_pytest.bench_tests(
    KIND, MUTANTS
)

"""pytest entry of the top-k bench (cocotb tests in tb/topk/topk_tests.py).

Every configuration of ``unit_config`` (tiny and m3vit) runs the build with the
configuration's K; tiny also builds the K = 1 and K = EXPERTS variants. The
mutation test runs on tiny only (a mutant build costs a Verilator build).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tb.components.bench_pytest import BenchBuild
from tb.marks import mutant_test
from tb.mutation import Mutant
from tb.topk.model import golden_topk, topk_model

BENCH = BenchBuild("topk_select", "tb.topk.topk_tests")
ALL = ["topk_reset_idle", "topk_throughput", "topk_reset_mid_stream", "topk_stream"]

test_topk_stream = BENCH.cocotb_test(
    ALL,
    timeout=900,
    doc="""Reset, full rate (latency 2), reset mid-stream, and >= 100k tokens under random
    stalls, bit-exact with golden top_k.""",
)
test_topk_hypothesis = BENCH.cocotb_test(
    ["topk_hypothesis"],
    timeout=900,
    kinds=[pytest.mark.hypothesis],
    doc="Hypothesis property inside the simulation: ties, all-equal, one LSB apart, extremes.",
)
test_topk_k_variants = BENCH.k_variants_test(
    [*ALL, "topk_hypothesis"],
    extra_env={"TOPK_VECTORS": "30000", "TOPK_HYP_EXAMPLES": "150"},
    doc="K = 1 (argmax) and K = EXPERTS (a full sort): stream and Hypothesis, bit-exact.",
)


#: Mutants of rtl/topk_select.sv, each with the knobs of tb.topk.model.topk_model
#: that make the Python model commit the same bug.
MUTANTS = {
    "non_strict": (
        Mutant("non_strict", "topk_select.sv", "(key0[j] > key0[e])", "(key0[j] >= key0[e])",
               "logit comparison made non-strict: equal logits beat each other (tie rule)"),
        {"non_strict": True},
    ),
    "index_flipped": (
        Mutant("index_flipped", "topk_select.sv", "(j < e)", "(j > e)",
               "index compare flipped: of equal logits the higher index ranks first"),
        {"index_flipped": True},
    ),
    "sign_dropped": (
        Mutant("sign_dropped", "topk_select.sv", "logit0[e][DATA_W-1] ^ SIGNED",
               "logit0[e][DATA_W-1]", "XOR dropped: logits compared as unsigned words"),
        {"unsigned_compare": True},
    ),
    "rank_off_by_one": (
        Mutant("rank_off_by_one", "topk_select.sv", "IDX_W'(s)", "IDX_W'(s + 1)",
               "constant one off: slot s takes the expert of rank s + 1"),
        {"rank_offset": 1},
    ),
}  # fmt: skip


@mutant_test(MUTANTS)
def test_topk_bench_catches_mutant(mutant_config, mutant, sim_builds, seed_report):
    """A mutated copy of the RTL must fail topk_hypothesis with a shrunk token whose
    golden result differs from the RTL's, and which the modelled mutation reproduces."""
    mut, knobs = MUTANTS[mutant]
    shrunk = BENCH.run_mutant(
        sim_builds, mutant_config, mut, "topk_hypothesis", seed_report, {"TOPK_HYP_EXAMPLES": "300"}
    )
    assert " | " in shrunk, f"no token in the shrunk example: {shrunk}"
    rep = json.loads(shrunk.rsplit(" | ", 1)[1])
    logits, k = rep["logits"], rep["k"]
    print(f"mutant {mutant}: failing input {shrunk.rsplit(' | ', 1)[0]}")

    from golden.config import load_config

    data_w = load_config(mutant_config).formats.feature.width
    gi, gv = golden_topk(np.array([logits], dtype=np.int64), k)
    golden = [gi[0].tolist(), gv[0].tolist()]
    assert golden == rep["golden"], "the reported golden result is not golden top_k's"
    assert list(topk_model(logits, k, data_w)) == golden, "the Python model disagrees with golden"
    assert list(topk_model(logits, k, data_w, **knobs)) == rep["rtl"], (
        "the mutant's output is not what the modelled mutation predicts"
    )
    assert rep["rtl"] != golden

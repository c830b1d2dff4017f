"""pytest entry of the top-k bench (cocotb tests in tb/topk/topk_tests.py).

Every configuration of ``unit_config`` (tiny and m3vit) runs the build with the
configuration's K; tiny also builds the K = 1 and K = EXPERTS variants. The
mutation test runs on tiny only (a mutant build costs a Verilator build).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tb.marks import mutant_test, sim_test
from tb.mutation import Mutant, run_mutant
from tb.topk.model import golden_topk, topk_model

TESTS = "tb.topk.topk_tests"
ALL = ["topk_reset_idle", "topk_throughput", "topk_reset_mid_stream", "topk_stream"]


def _variant_overrides(config: str, variant: str) -> dict[str, int]:
    """The configuration of a K variant: top_k replaced (the package and the
    module's K default follow it)."""
    from golden.config import load_config

    return {"top_k": 1 if variant == "k1" else load_config(config).experts}


@sim_test(900)
def test_topk_stream(unit_config, sim_builds, seed_report):
    """Reset, full rate (latency 2), reset mid-stream, and >= 100k tokens under random
    stalls, bit-exact with golden top_k."""
    sim = sim_builds("topk_select", unit_config)
    sim.run(TESTS, ALL, seed=seed_report)


@sim_test(900, pytest.mark.hypothesis)
def test_topk_hypothesis(unit_config, sim_builds, seed_report):
    """Hypothesis property inside the simulation: ties, all-equal, one LSB apart, extremes."""
    sim = sim_builds("topk_select", unit_config)
    sim.run(TESTS, ["topk_hypothesis"], seed=seed_report)


@sim_test(900, pytest.mark.variant)
@pytest.mark.parametrize("variant", ["k1", "kE"])
def test_topk_k_variants(mutant_config, variant, sim_builds, seed_report):
    """K = 1 (argmax) and K = EXPERTS (a full sort): stream and Hypothesis, bit-exact."""
    overrides = _variant_overrides(mutant_config, variant)
    sim = sim_builds(
        "topk_select", mutant_config, overrides=overrides, name=f"topk_select-{variant}"
    )
    sim.run(
        TESTS,
        [*ALL, "topk_hypothesis"],
        seed=seed_report,
        extra_env={"TOPK_VECTORS": "30000", "TOPK_HYP_EXAMPLES": "150"},
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
    shrunk = run_mutant(
        sim_builds, mutant_config, "topk_select", mut, "topk_hypothesis", TESTS, seed_report,
        extra_env={"TOPK_HYP_EXAMPLES": "300"},
    )  # fmt: skip
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

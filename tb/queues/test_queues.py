"""pytest entry of the expert-queue bench (cocotb tests in tb/queues/queues_tests.py).

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
from tb.queues.stimulus import golden_packet

BENCH = BenchBuild("expert_queue_builder", "tb.queues.queues_tests")
ALL = ["queues_reset_idle", "queues_throughput", "queues_reset_mid_stream", "queues_stream"]

test_queues_stream = BENCH.cocotb_test(
    ALL,
    timeout=900,
    doc="""Reset, documented cycle count, reset mid-stream, and >= 100k tokens under random
    stalls, bit-exact with golden build_queues.""",
)
test_queues_hypothesis = BENCH.cocotb_test(
    ["queues_hypothesis"],
    timeout=900,
    kinds=[pytest.mark.hypothesis],
    doc="Hypothesis property inside the simulation: full queues, empty experts, short batches.",
)
test_queues_k_variants = BENCH.k_variants_test(
    [*ALL, "queues_hypothesis"],
    extra_env={"QUEUES_VECTORS": "20000", "QUEUES_HYP_EXAMPLES": "150"},
    doc="K = 1 and K = EXPERTS (every token in every queue): stream and Hypothesis.",
)


def _lengths_plus_one(rtl: list, gold: list, n_experts: int) -> bool:
    """len_q cleared to 1: every length one more, every expert active."""
    return (
        gold[0] == "hdr"
        and list(rtl[1]) == [v + 1 for v in gold[1]]
        and rtl[2] == (1 << n_experts) - 1
    )


#: Mutants of rtl/expert_queue_builder.sv, each with a check that the beat the bench
#: reported is what the mutation predicts (None: the beat is stale memory).
MUTANTS = {
    "wr_ptr_off_by_one": Mutant(
        "wr_ptr_off_by_one", "expert_queue_builder.sv",
        "wr_ptr_q[e] <= ofs[e];", "wr_ptr_q[e] <= ofs[e] + PtrW'(1);",
        "queue write pointer starts one past the queue's offset",
    ),
    "len_const_off_by_one": Mutant(
        "len_const_off_by_one", "expert_queue_builder.sv",
        "(first_tok ? LEN_W'(0) : len_q[e])", "(first_tok ? LEN_W'(1) : len_q[e])",
        "length counter restarts at 1, not 0",
    ),
    "last_of_queue_flipped": Mutant(
        "last_of_queue_flipped", "expert_queue_builder.sv",
        "rd_next == wr_ptr_q[rd_exp]", "rd_next != wr_ptr_q[rd_exp]",
        "== flipped to != in the last-of-queue flag",
    ),
}  # fmt: skip


@mutant_test(MUTANTS)
def test_queues_bench_catches_mutant(mutant_config, mutant, sim_builds, seed_report):
    """A mutated copy of the RTL must fail queues_hypothesis with a shrunk batch whose
    golden packet differs from the RTL's at the reported beat, as the mutation predicts."""
    from golden.config import load_config

    mut = MUTANTS[mutant]
    shrunk = BENCH.run_mutant(sim_builds, mutant_config, mut, "queues_hypothesis", seed_report)
    assert " | " in shrunk, f"no batch in the shrunk example: {shrunk}"
    text, blob = shrunk.rsplit(" | ", 1)
    rep = json.loads(blob)
    print(f"mutant {mutant}: failing input {text}")

    n_experts = load_config(mutant_config).experts
    ex, sc = np.array(rep["experts"], dtype=np.int64), np.array(rep["scores"], dtype=np.int64)
    gold = json.loads(json.dumps(golden_packet(ex, sc, n_experts)))  # tuples -> lists
    p, rtl = rep["beat"], rep["rtl"]
    assert gold[p] == rep["golden"], "the reported golden beat is not golden build_queues'"
    assert rtl != gold[p], "the reported beat does not separate the mutant from golden"
    if mutant == "len_const_off_by_one":
        assert p == 0 and _lengths_plus_one(rtl, gold[p], n_experts), (
            f"expected the header with every length + 1, got {rtl}"
        )
    elif mutant == "last_of_queue_flipped":
        assert rtl[:5] == gold[p][:5] and rtl[5] == 1 - gold[p][5], (
            f"expected only last_of_queue flipped, got {rtl}"
        )
    elif mutant == "wr_ptr_off_by_one" and p >= 2:
        # Entry i is read where entry i - 1 was written (address 0 is stale).
        assert rtl[1:5] == gold[p - 1][1:5], f"expected golden entry {p - 2}'s fields, got {rtl}"

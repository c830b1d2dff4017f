"""pytest entry of the attention-engine bench (cocotb tests in attention_engine_tests.py)."""

from __future__ import annotations

import numpy as np
import pytest

from golden.config import load_config
from golden.softmax import softmax_two_pass
from golden.stages.attention import attention_scores
from hls.program import Engine
from tb.attention_engine.stimulus import make_qkv
from tb.components.bench_pytest import engine_bench_build, failure_of
from tb.marks import sim_test
from tb.mutation import Mutant

BENCH = engine_bench_build(Engine.ATTENTION, "tb.attention_engine.attention_engine_tests")

test_attention_engine_jobs = BENCH.cocotb_test(
    ["attn_tails", "attn_extremes", "attn_cycles"],
    timeout=900,
    doc="""Every T mod P, random and realistic data, extremes, back-to-back jobs, bit-exact
    with golden.stages.attention.attention, with the K/V read traffic of the schedule.""",
)
test_attention_engine_reset_mid_job = BENCH.cocotb_test(
    ["attn_reset_mid_job"],
    timeout=900,
    doc="A reset at several points of a job, each followed by a clean, exact job.",
)


#: The tiny-P variant (configuration overrides, so the generated package, the
#: engine and the bench agree): one query per group and 256-bit beats (4 per row), so
#: a key row's P x HEADS steps (2 on tiny, whose HEADS is the fewest its DIM
#: allows: head_dim must be a power of 4) are far below the pass-2 latency
#: (~11 cycles), and the loader fills all three row buffers while the
#: statistics are computed: pass 2 comes back to a V-row buffer whose last
#: multiply-accumulate is still pending. Only the rb_drain guard keeps it from
#: issuing that stale row again. (With tiny's 16-beat rows the loader is too
#: slow for that ever to happen.)
TINY_P = {"attn_parallel": 1, "axi_data_width": 256}
#: The variant runs these (every T mod P is trivial at P = 1: the tails test
#: gives 1, 2, 3 and TOKENS tokens, the extremes test every stimulus kind).
TINY_P_TESTS = ["attn_tails", "attn_extremes"]

DRAIN_GUARD_REMOVED = Mutant(
    "rb_drain_guard_removed",
    "attn_operand_loader.sv",
    "assign rb_ready = rb_full_q[rb_rsel_q] & ~rb_drain_q[rb_rsel_q];",
    "assign rb_ready = rb_full_q[rb_rsel_q];",
    "a V-row buffer is issued again before its last MAC released it",
)


@sim_test(900, pytest.mark.variant)
def test_attention_engine_tiny_p(mutant_config, sim_builds, seed_report):
    """P = 1 (P x HEADS below the pass-2 latency): the jobs stay bit-exact."""
    sim = BENCH.build(sim_builds, mutant_config, overrides=TINY_P, name=f"{BENCH.toplevel}-p1")
    sim.run(BENCH.tests, TINY_P_TESTS, seed=seed_report)


@sim_test(900, pytest.mark.mutant)
def test_attention_engine_catches_drain_guard_removed(mutant_config, sim_builds, seed_report):
    """Without the rb_drain guard the P = 1 build issues a V row again before its
    last MAC: the bench must fail (outputs differ from golden, or the job never
    finishes within the bench's cycle bound)."""
    mut = DRAIN_GUARD_REMOVED
    sim = BENCH.build_mutant(sim_builds, mutant_config, mut, overrides=TINY_P)
    result = sim.run(BENCH.tests, TINY_P_TESTS[:1], seed=seed_report, check=False)
    message = failure_of(result, TINY_P_TESTS[0], mut)
    # The stale row is one more V row than the loader brings: wrong outputs, or
    # pass 2 waits forever for a row that never comes (the bench's cycle bound).
    assert "differ from golden" in message or "no done_o within" in message, message
    print(f"mutant {mut.name} caught: {message[:400]}")


@pytest.mark.parametrize("config", ["tiny", "m3vit"])
def test_stimulus_kinds_hit_their_corners(config):
    """The edge-case stimuli really make the rows they are named after (golden scores
    and probabilities): increasing rows, saturated scores, all-equal and one-hot rows."""
    cfg = load_config(config)
    f = cfg.formats.feature
    rng = np.random.default_rng(11)
    t = cfg.tokens

    def scores(kind):
        q, k, _ = make_qkv(kind, t, rng, cfg)
        return attention_scores(q, k, cfg)

    s = scores("increasing")
    assert np.all(np.diff(s, axis=-1) > 0), "increasing: a row's scores do not grow strictly"
    s = scores("saturate")
    assert np.mean((s == f.max_raw) | (s == f.min_raw)) > 0.5, "saturate: few saturated scores"
    s = scores("equal")
    assert np.all(s == s[..., :1]), "equal: rows are not all-equal"
    p = softmax_two_pass(scores("onehot"), cfg)
    assert np.all(p.max(axis=-1) == 1 << cfg.formats.prob.frac_bits), "onehot: not one-hot"

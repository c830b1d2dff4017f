"""pytest entry of the attention-engine bench (cocotb tests in attention_engine_tests.py)."""

from __future__ import annotations

import numpy as np
import pytest

from golden.softmax import softmax_two_pass
from golden.stages.attention import attention_scores
from hls.config import load_config
from tb.attention_engine.model import make_qkv
from tb.simbuild import RTL_DIR

TESTS = "tb.attention_engine.attention_engine_tests"
TOPLEVEL = "attention_engine"
#: The engine and the units it instantiates.
SOURCES = [
    RTL_DIR / f"{name}.sv"
    for name in (
        "exp_unit",
        "recip_unit",
        "softmax_stats_unit",
        "attn_score_unit",
        "attn_prob_unit",
        "attention_engine",
    )
]


@pytest.fixture(scope="session")
def attention_engine_sim(unit_config, sim_builds):
    return sim_builds(TOPLEVEL, unit_config, sources=SOURCES)


@pytest.mark.sim
@pytest.mark.timeout(900)
def test_attention_engine_jobs(attention_engine_sim, seed_report):
    """Every T mod P, random and realistic data, extremes, back-to-back jobs, bit-exact
    with golden.stages.attention.attention, with the K/V read traffic of the schedule."""
    attention_engine_sim.run(
        TESTS, ["attn_tails", "attn_extremes", "attn_cycles"], seed=seed_report
    )


@pytest.mark.sim
@pytest.mark.timeout(900)
def test_attention_engine_reset_mid_job(attention_engine_sim, seed_report):
    """A reset at several points of a job, each followed by a clean, exact job."""
    attention_engine_sim.run(TESTS, ["attn_reset_mid_job"], seed=seed_report)


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

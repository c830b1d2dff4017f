"""pytest entry of the softmax-statistics bench (cocotb tests in softmax_stats_tests.py)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from golden.config import load_config
from hls.geometry import geometry
from tb.components.bench_pytest import BenchBuild
from tb.marks import mutant_test, sim_test
from tb.mutation import Mutant, by_name
from tb.softmax_stats.model import golden_stats, make_group, rtl_model

#: The unit with the exp unit and the FIFO it instantiates.
BENCH = BenchBuild("softmax_stats_unit", "tb.softmax_stats.softmax_stats_tests")

test_softmax_stats_stream = BENCH.cocotb_test(
    ["ss_reset_idle", "ss_throughput", "ss_stream", "ss_reset_mid_stream"],
    timeout=600,
    doc="""Reset, full-rate throughput, >= 200k scores under random stalls, and
    mid-stream resets, bit-exact with golden.softmax.online_softmax_stats.""",
)
test_softmax_stats_hypothesis = BENCH.cocotb_test(
    ["ss_hypothesis"],
    timeout=600,
    kinds=[pytest.mark.hypothesis],
    doc="Hypothesis property inside the simulation (bridge/resume) aimed at the corners.",
)


#: Each mutant with the knobs of tb.softmax_stats.model.rtl_model that model it.
MUTANTS: dict[str, tuple[Mutant, dict]] = by_name(
    (
        Mutant(
            "max_compare_flipped",
            "softmax_stats_unit.sv",
            "assign grow[l] = ~first_q & (d > 0);",
            "assign grow[l] = ~first_q & (d < 0);",
            "the new-maximum comparison flipped (tracks the minimum)",
        ),
        {"grow_cmp": "<"},
    ),
    (
        Mutant(
            "rescale_skipped",
            "softmax_stats_unit.sv",
            "head_grow[l] ? s_rescaled : s_add",
            "head_grow[l] ? s_old + SumOne : s_add",
            "a new maximum adds exp(0) = 1 without rescaling the running sum",
        ),
        {"rescale": False},
    ),
    (
        Mutant(
            "sum_rounding_dropped",
            "softmax_stats_unit.sv",
            "ProdW'(1) << (EXP_FRAC - 1)",
            "ProdW'(0)",
            "the rescaled sum's round-half-up constant removed (truncation)",
        ),
        {"round_half": False},
    ),
    (
        Mutant(
            "last_off_by_one",
            "softmax_stats_unit.sv",
            "out_data_q <= {sum_new, head_max};",
            "out_data_q <= {sum_q, head_max};",
            "the result is taken one key early (without the row's last key)",
        ),
        {"out_sum_before_last": True},
    ),
)

_FAIL_RE = re.compile(
    r"groups=(\[.*?\]) in_idle=.*?group (\d+) lane (\d+) .*?"
    r"rtl m=(-?\d+) s=(\d+) golden m=(-?\d+) s=(\d+)",
    re.S,
)


@mutant_test(MUTANTS)
def test_softmax_stats_catches_mutant(mutant_config, mutant, sim_builds, seed_report):
    """A mutated copy of the RTL must fail ss_hypothesis with a shrunk input that
    the golden model and the modelled mutation confirm ("tiny" only: builds cost)."""
    mut, knobs = MUTANTS[mutant]
    text = BENCH.run_mutant(sim_builds, mutant_config, mut, "ss_hypothesis", seed_report)
    print(f"mutant {mutant} ({mut.why}): failing input: {text}")
    m = _FAIL_RE.search(text)
    assert m, f"the shrunk input is not a value mismatch: {text}"
    groups = [np.array(g, dtype=np.int64) for g in json.loads(m.group(1))]
    g, lane, rtl_m, rtl_s, gold_m, gold_s = (int(v) for v in m.groups()[1:])

    cfg = load_config(mutant_config)
    gm, gs = golden_stats(groups, cfg)
    assert (int(gm[g, lane]), int(gs[g, lane])) == (gold_m, gold_s), "golden value misreported"
    mm, ms = rtl_model(groups, cfg)
    assert np.array_equal(mm, gm) and np.array_equal(ms, gs), "the RTL model disagrees with golden"
    mm, ms = rtl_model(groups, cfg, **knobs)
    assert (int(mm[g, lane]), int(ms[g, lane])) == (rtl_m, rtl_s), (
        "the mutant's output is not what the modelled mutation predicts"
    )
    assert (rtl_m, rtl_s) != (gold_m, gold_s)


def test_nonstrict_max_compare_is_equivalent():
    """Why no "d >= 0" mutant: at d = 0 both update branches give the same bits
    (exp(0) = 1 exactly in exp_out, so round(s * 1) + 1 = s + 1 and m = x = m),
    so a non-strict new-maximum comparison is an equivalent mutant. Checked on
    tie-heavy rows with the RTL model."""
    rng = np.random.default_rng(7)
    for name in ("tiny", "m3vit"):
        cfg = load_config(name)
        geo = geometry(cfg)
        groups = [
            make_group(n, rng, geo, kinds=("ties", "equal", "lsb", "extreme"))
            for n in (1, 2, 3, 9, 17, 40)
            for _ in range(4)
        ]
        gm, gs = golden_stats(groups, cfg)
        mm, ms = rtl_model(groups, cfg, grow_cmp=">=")
        assert np.array_equal(mm, gm) and np.array_equal(ms, gs)


@sim_test(900, pytest.mark.mutant)
def test_softmax_stats_nonstrict_mutant_survives(mutant_config, sim_builds, seed_report):
    """The non-strict comparison, built and run: it must pass the Hypothesis test
    (an equivalent mutant, see test_nonstrict_max_compare_is_equivalent). If an
    RTL change ever makes ties matter, this fails and the mutant joins MUTANTS."""
    mut = Mutant(
        "max_compare_nonstrict",
        "softmax_stats_unit.sv",
        "assign grow[l] = ~first_q & (d > 0);",
        "assign grow[l] = ~first_q & (d >= 0);",
        "ties take the rescale branch: s * exp(0) rounded + 1 = s + 1, the same bits",
    )
    sim = BENCH.build_mutant(sim_builds, mutant_config, mut)
    result = sim.run(BENCH.tests, ["ss_hypothesis"], seed=seed_report, check=False)
    assert result.passed, f"ties now matter: {result.failure_summary()}"

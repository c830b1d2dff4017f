"""pytest entry of the round_sat bench (cocotb test in tb/round_sat/round_sat_tests.py).

The cell is combinational and configuration-independent: every parameter set is
one build (on the smallest configuration's package, which it does not read),
made once per session, and its test drives every IN_W-bit input.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from golden.config import MUTANT_CONFIGS
from tb.components.bench_pytest import BenchBuild
from tb.marks import mutant_test, sim_test
from tb.mutation import Mutant, by_name
from tb.round_sat.model import RoundSatParams, golden_round_sat, mutant_round_sat

TESTS = "tb.round_sat.round_sat_tests"
#: The package the builds see (round_sat reads none of it).
CONFIG = MUTANT_CONFIGS[0]

#: Every input of an 8-bit cell against these output widths, shifts and modes.
PARAMETER_SETS = [
    RoundSatParams(in_w=8, out_w=8, shift=0),  # no rounding, no overflow
    RoundSatParams(in_w=8, out_w=5, shift=0),  # saturation only
    RoundSatParams(in_w=8, out_w=4, shift=3),  # rounding and saturation
    RoundSatParams(in_w=8, out_w=5, shift=3),  # OUT_W = IN_W - SHIFT: only the carry saturates
    RoundSatParams(in_w=8, out_w=6, shift=3),  # OUT_W = IN_W + 1 - SHIFT: never saturates
    RoundSatParams(in_w=8, out_w=9, shift=3),  # wider than the rounded value: sign extension
    RoundSatParams(in_w=8, out_w=2, shift=7),  # the largest shift with a nonzero result
    RoundSatParams(in_w=8, out_w=3, shift=4, round_half_up=False),  # AP_TRN, saturated
]
#: The build the mutants are run on: rounds and saturates.
MUTANT_PARAMS = RoundSatParams(in_w=8, out_w=4, shift=3)
MUTANT_BENCH = BenchBuild(
    "round_sat", "tb.round_sat.round_sat_tests", parameters=MUTANT_PARAMS.build_parameters()
)


@pytest.fixture(scope="session", params=PARAMETER_SETS, ids=lambda p: p.name)
def round_sat_sim(request, sim_builds):
    params: RoundSatParams = request.param
    sim = sim_builds(
        "round_sat", CONFIG, parameters=params.build_parameters(), name=f"round_sat-{params.name}"
    )
    return sim


@sim_test(600)
def test_round_sat_exhaustive(round_sat_sim, seed_report):
    """Every input value, bit-exact with golden.fixed.quantize (AP_RND or AP_TRN, AP_SAT)."""
    round_sat_sim.run(TESTS, ["round_sat_exhaustive"], seed=seed_report)


#: Mutants of rtl/round_sat.sv and the knobs of mutant_round_sat that model them.
MUTANTS = by_name(
    (
        Mutant(
            "no_rounding",
            "round_sat.sv",
            "+ (SumW'(1) << (SHIFT - 1))",
            "+ SumW'(0)",
            "the rounding constant dropped: round half up becomes truncation",
        ),
        {"round_half_up": False},
    ),
    (
        Mutant(
            "sat_nonstrict",
            "round_sat.sv",
            "(rounded > OutMax) ?",
            "(rounded > OutMax + QW'(1)) ?",
            "saturation one too late: the value one above the largest output wraps",
        ),
        {"saturate_at_max": False},
    ),
)

_FAILURE = re.compile(r"x=(-?\d+): rtl (-?\d+) golden (-?\d+)")


@mutant_test(MUTANTS, timeout=600)
def test_round_sat_bench_catches_mutant(mutant, sim_builds, seed_report):
    """A mutated copy of the cell fails the exhaustive test at an input where the
    golden value and the Python model of the mutation really differ."""
    mut, knobs = MUTANTS[mutant]
    failing = MUTANT_BENCH.run_mutant(sim_builds, CONFIG, mut, "round_sat_exhaustive", seed_report)
    match = _FAILURE.search(failing)
    assert match, f"unexpected failure report: {failing}"
    x, rtl, golden = (int(g) for g in match.groups())
    raw = np.array([x])
    assert golden == int(golden_round_sat(raw, MUTANT_PARAMS)[0])
    assert rtl != golden
    assert rtl == int(mutant_round_sat(raw, MUTANT_PARAMS, **knobs)[0]), (
        f"{mutant}: the RTL's {rtl} at x={x} is not the modelled mutation"
    )

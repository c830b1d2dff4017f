"""pytest entry of the linear-engine bench (cocotb tests: tb/linear_engine/linear_engine_tests.py).

``linear_engine`` (with its read scheduler and router, weight stager, feature
feed, output writer, ``linear_tile`` and ``gelu_unit``) behind the Python memory
model ``tb.components.enginemem``, on the unit configurations (tiny and m3vit).
"""

from __future__ import annotations

import pytest

from hls.program import Engine
from tb.components.engine_bench import engine_tb_build
from tb.marks import mutant_test, sim_test
from tb.mutation import Mutant, build_mutant, by_name

TESTS = "tb.linear_engine.linear_engine_tests"
#: The engine under the engine benches' top (tb/components/engine_tb.sv), which puts
#: its memory-port structs (engine_mem_req_t / engine_mem_rsp_t) on the flat names of
#: engine_mem_tb_port (u_mem) that tb.components.enginemem drives.
TOPLEVEL = "engine_tb"
BUILD = engine_tb_build(Engine.LINEAR)


@pytest.fixture(scope="session")
def engine_sim(unit_config, sim_builds):
    return sim_builds(TOPLEVEL, unit_config, name="linear_engine_tb", **BUILD)


@sim_test(900)
def test_linear_engine_jobs(engine_sim, seed_report):
    """Reset, back-to-back linear and patch jobs under memory stalls (GELU,
    attn_bias, odd token counts, several tiles, the largest K, extremes), resets
    mid-job: bit-exact with golden.stages.linear.linear / patch_embed, nothing
    written outside the output."""
    engine_sim.run(TESTS, ["le_reset_idle", "le_jobs", "le_reset_mid_job"], seed=seed_report)


@sim_test(900)
def test_linear_engine_cycles(engine_sim, seed_report):
    """Cycles per job of the model's layer shapes (no stalls) against the MAC bound."""
    engine_sim.run(TESTS, ["le_cycles"], seed=seed_report)


#: Mutants of the linear engine's RTL (the rtl/ file holding the code) and the jobs
#: of le_jobs that must expose each (a part of their label, quoted by the failure
#: message).
MUTANTS = by_name(
    (
        Mutant(
            "pixel_signed",
            "linear_feature_feed.sv",
            "X_W'(segment[i*PixelBytes*8 +: PIXEL_W]) << PixelShift",
            "X_W'($signed(segment[i*PixelBytes*8 +: PIXEL_W])) << PixelShift",
            "pixels sign-extended: ap_ufixed<8,0> values >= 0.5 become negative",
        ),
        "patch random",
    ),
    (
        Mutant(
            "pos_add_wraps_up",
            "linear_output_writer.sv",
            ".in_i  (sum),",
            ".in_i  ({sum[X_W] | sum[X_W-1], sum[X_W-1:0]}),",
            "tile result + pos wraps instead of saturating at the top",
        ),
        "patch",
    ),
)


@mutant_test(MUTANTS)
def test_linear_engine_catches_mutant(mutant_config, mutant, sim_builds, seed_report):
    """A mutated engine must fail le_jobs at the job built to expose it, with a
    difference from the golden model ("tiny" only: mutant builds cost time)."""
    mut, job = MUTANTS[mutant]
    sim = build_mutant(sim_builds, mutant_config, TOPLEVEL, mut, **BUILD)
    result = sim.run(TESTS, ["le_jobs"], seed=seed_report, check=False)
    assert not result.passed, f"the bench did not catch mutant {mutant} ({mut.why})"
    case = next(c for c in result.testcases if c.name == "le_jobs")
    assert case.status == "failed", f"expected a failure, got {case.status}: {case.message}"
    assert job in case.message and "differ from golden" in case.message, case.message
    print(f"mutant {mutant} caught: {case.message[:400]}")

"""pytest entry of the linear-engine bench (cocotb tests: tb/linear_engine/linear_engine_tests.py).

``linear_engine`` (with its read scheduler and router, weight stager, feature
feed, output writer, ``linear_tile`` and ``gelu_unit``) behind the Python memory
model ``tb.components.enginemem``, on the unit configurations (tiny and m3vit).
"""

from __future__ import annotations

from hls.program import Engine
from tb.components.bench_pytest import engine_bench_build, failure_of
from tb.marks import mutant_test
from tb.mutation import Mutant, by_name

BENCH = engine_bench_build(Engine.LINEAR, "tb.linear_engine.linear_engine_tests")

test_linear_engine_jobs = BENCH.cocotb_test(
    ["le_reset_idle", "le_jobs", "le_reset_mid_job"],
    timeout=900,
    doc="""Reset, back-to-back linear and patch jobs under memory stalls (GELU,
    attn_bias, odd token counts, several tiles, the largest K, extremes), resets
    mid-job: bit-exact with golden.stages.linear.linear / patch_embed, nothing
    written outside the output.""",
)
test_linear_engine_cycles = BENCH.cocotb_test(
    ["le_cycles"],
    timeout=900,
    doc="Cycles per job of the model's layer shapes (no stalls) against the MAC bound.",
)


#: Mutants of the linear engine's RTL (the rtl/ file holding the code) and the jobs
#: of le_jobs that must expose each (a part of their label, quoted by the failure
#: message).
MUTANTS = by_name(
    (
        Mutant(
            "pixel_signed",
            "linear_feature_feed.sv",
            "X_W'(segment[i*PixelBytes*8 +: PIXEL_W]) << PIXEL_SHIFT",
            "X_W'($signed(segment[i*PixelBytes*8 +: PIXEL_W])) << PIXEL_SHIFT",
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
    sim = BENCH.build_mutant(sim_builds, mutant_config, mut)
    result = sim.run(BENCH.tests, ["le_jobs"], seed=seed_report, check=False)
    message = failure_of(result, "le_jobs", mut)
    assert job in message and "differ from golden" in message, message
    print(f"mutant {mutant} caught: {message[:400]}")

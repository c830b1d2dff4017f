"""pytest entry of the LayerNorm- and residual-engine bench (cocotb tests in
layernorm_residual_engines_tests.py).

``layernorm_engine`` (with ``layernorm_unit`` and ``rsqrt_unit``) and
``residual_engine``, each behind the Python memory model ``tb.components.enginemem``, on
the unit configurations (tiny and m3vit). Each engine is built under the engine
benches' top (``tb/components/engine_tb.sv``, ``tb.components.engine_bench.engine_tb_build``),
which puts the engine's memory-port structs on the flat names of
``engine_mem_tb_port`` (``u_mem``) that ``tb.components.enginemem`` drives.
"""

from __future__ import annotations

import pytest

from hls.program import Engine
from tb.components.engine_bench import engine_tb_build
from tb.marks import sim_test

TESTS = "tb.layernorm_residual_engines.layernorm_residual_engines_tests"

#: The cocotb tests of each engine: reset, back-to-back jobs under memory stalls
#: (LayerNorm: 1, odd, 2, 0, random, TOKENS tokens; residual: saturating sums
#: both ways), resets mid-job, cycles per job.
ENGINE_TESTS = {
    Engine.LAYERNORM: ["ln_reset_idle", "ln_jobs", "ln_reset_mid_job", "ln_throughput"],
    Engine.RESIDUAL: ["res_reset_idle", "res_jobs", "res_reset_mid_job", "res_throughput"],
}


@sim_test(900)
@pytest.mark.parametrize("engine", list(ENGINE_TESTS), ids=lambda e: f"{e.name.lower()}_engine")
def test_row_engine(engine, unit_config, sim_builds, seed_report):
    """The engine's tests (ENGINE_TESTS): bit-exact with golden.layernorm or
    golden.stages.residual.residual_add, nothing written outside the output."""
    name = f"{engine.name.lower()}_engine_tb"
    sim = sim_builds("engine_tb", unit_config, name=name, **engine_tb_build(engine))
    sim.run(TESTS, ENGINE_TESTS[engine], seed=seed_report)

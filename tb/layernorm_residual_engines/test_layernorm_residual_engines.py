"""pytest entry of the LayerNorm- and residual-engine bench (cocotb tests in
layernorm_residual_engines_tests.py).

``layernorm_engine`` (with ``layernorm_unit`` and ``nr_core``) and
``residual_engine``, each behind the Python memory model ``tb.components.enginemem``, on
the unit configurations (tiny and m3vit). Each engine is built under the engine
benches' top (``tb/components/engine_tb.sv``, ``engine_bench_build``), which puts the
engine's memory-port structs on the flat names of ``engine_mem_tb_port`` (``u_mem``)
that ``tb.components.enginemem`` drives.
"""

from __future__ import annotations

from hls.program import Engine
from tb.components.bench_pytest import engine_bench_build

TESTS = "tb.layernorm_residual_engines.layernorm_residual_engines_tests"
LAYERNORM_ENGINE = engine_bench_build(Engine.LAYERNORM, TESTS)
RESIDUAL_ENGINE = engine_bench_build(Engine.RESIDUAL, TESTS)

test_layernorm_engine = LAYERNORM_ENGINE.cocotb_test(
    ["ln_reset_idle", "ln_jobs", "ln_reset_mid_job", "ln_throughput"],
    timeout=900,
    doc="""Reset, back-to-back jobs (1, odd, 2, 0, random, TOKENS tokens) under
    memory stalls, resets mid-job, cycles per job: bit-exact with
    golden.layernorm, nothing written outside the output.""",
)
test_residual_engine = RESIDUAL_ENGINE.cocotb_test(
    ["res_reset_idle", "res_jobs", "res_reset_mid_job", "res_throughput"],
    timeout=900,
    doc="""Reset, back-to-back jobs with saturating sums both ways under memory
    stalls, resets mid-job, cycles per job: bit-exact with residual_add,
    nothing written outside the output.""",
)

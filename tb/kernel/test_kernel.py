"""pytest entry of the whole-kernel bench (cocotb tests in tb/kernel/kernel_tests.py).

The kernel is built once per configuration (``golden.config.KERNEL_CONFIGS``:
the all-dense ``tiny_dense`` and ``small_dense``) and every test runs against
that build: the whole model with every stage checked as it completes (AxiRam with
random pauses), bad arguments, and an AXI error response. One run per stage
through ``stop_after`` uses the fast memory path (tb/kernel/fastpath.py, with
random pauses too), since each of those runs repeats every stage before its own.
"""

from __future__ import annotations

import pytest

from golden.config import load_config
from golden.quantize_weights import quantize_image, quantize_weights
from golden.weights import default_weights_dir, load_image, load_weights
from hls.registers import stage_index
from tb.kernel.fastpath import axiram_build_spec, fast_build_spec
from tb.marks import sim_test

TESTS = "tb.kernel.kernel_tests"
TOPLEVEL = "edgemoe_kernel"
#: Pause probability (percent, per cycle and channel) of the fast path's memory in
#: the stop_after tests.
STOP_AFTER_PAUSE_PCT = 25


def kernel_build(sim_builds, config: str):
    """The kernel on cocotbext-axi's AxiRam (ports and stage monitor public)."""
    return sim_builds(TOPLEVEL, config, **axiram_build_spec())


@sim_test(1800)
def test_kernel_whole_model(kernel_config, sim_builds, seed_report):
    """Patch embedding + every layer, each stage bit-exact under random AXI pauses."""
    kernel_build(sim_builds, kernel_config).run(TESTS, ["kernel_run"], seed=seed_report)


@sim_test(1800)
def test_kernel_stop_after(kernel_stage, sim_builds, seed_report):
    """stop_after = one stage: stages 0..i bit-exact, nothing after i written. On the
    fast memory path (DPI-C) with random pauses on every AXI channel (PAUSE_PCT)."""
    config, stage = kernel_stage
    sim_builds(config=config, **fast_build_spec(STOP_AFTER_PAUSE_PCT)).run(
        TESTS, ["kernel_run"], seed=seed_report, extra_env={"KERNEL_STOP": str(stage)},
        run_name=f"stop_{stage}",
    )  # fmt: skip


@sim_test(900)
def test_kernel_two_images(kernel_config, sim_builds, seed_report):
    """num_images = 2: every stage of both images bit-exact as it completes, each
    image's output in its own region (fast path, random pauses)."""
    sim_builds(config=kernel_config, **fast_build_spec(STOP_AFTER_PAUSE_PCT)).run(
        TESTS, ["kernel_run"], seed=seed_report, extra_env={"KERNEL_IMAGES": "2"},
        run_name="two_images",
    )  # fmt: skip


@sim_test(900)
def test_kernel_moe_stage_unsupported(sim_builds, seed_report):
    """tiny (MoE on layer 1): the dense stages before the first MoE stage run bit-exact,
    then the kernel stops with UNSUPPORTED_STAGE instead of hanging (fast path)."""
    sim_builds(config="tiny", **fast_build_spec(STOP_AFTER_PAUSE_PCT)).run(
        TESTS, ["kernel_unsupported_stage"], seed=seed_report
    )


@sim_test(900)
def test_kernel_faults(kernel_config, sim_builds, seed_report):
    """Bad arguments (every status code) and an AXI read error: clear status, no hang,
    nothing lost (a good run afterwards is bit-exact); a run that hangs fails within
    its bound with a report of the stages finished, the one hung and the AXI state."""
    kernel_build(sim_builds, kernel_config).run(
        TESTS, ["kernel_bad_args", "kernel_axi_error", "kernel_hang_report"], seed=seed_report
    )


@sim_test(7200, pytest.mark.long)
def test_kernel_m3vit_layer0_real_weights(sim_builds, seed_report):
    """m3vit patch embedding + layer 0 on the real trained weights and image, every
    stage bit-exact (AxiRam without pauses). Nightly: ``nox -s nightly``."""
    weights = default_weights_dir()
    if weights is None:
        pytest.skip("no real weights: ../shared/m3vit-weights (or $EDGEMOE_WEIGHTS) is absent")
    cfg = load_config("m3vit")
    # The files are checked here, before the build: a bad one fails in seconds.
    quantize_weights(cfg, load_weights(cfg, weights))
    quantize_image(load_image(weights / "image.float32.bin", cfg), cfg)
    stop = stage_index(cfg, 0, "residual2")
    kernel_build(sim_builds, "m3vit").run(
        TESTS, ["kernel_run"], seed=seed_report, run_name="m3vit_layer0_real",
        extra_env={"KERNEL_STOP": str(stop), "KERNEL_WEIGHTS": str(weights), "KERNEL_PAUSE": "0"},
    )  # fmt: skip

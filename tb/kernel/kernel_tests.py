"""cocotb tests of the whole kernel (top ``edgemoe_kernel``); pytest entry: test_kernel.py.

Environment (set by the pytest entry):

EDGEMOE_CONFIG   configuration name
EDGEMOE_SEED     seed of the weights, images and AXI pauses
KERNEL_STOP      stop_after for ``kernel_run`` (a stage index, or ``all``)
KERNEL_IMAGES    images per run (default 1)
KERNEL_PAUSE     probability of a pause per cycle on each AXI channel (default 0.25)
KERNEL_STATS     if set, ``kernel_run`` writes cycles per stage and wall time there (JSON)
KERNEL_WEIGHTS   if set, a weights directory (``golden.weights.load_weights``, with
                 ``image.float32.bin``): real weights and image instead of synthetic ones
"""

from __future__ import annotations

import json
import os
import re

import cocotb
from cocotb.triggers import RisingEdge
from cocotbext.axi.constants import AxiResp

from ci.coverage import functional
from golden.config import load_config
from golden.quantize_weights import quantize_image, quantize_weights
from golden.weights import load_image, load_weights
from hls.program import SUPPORTED_OPS, program
from hls.registers import STOP_ALL, Status, check_args
from tb.components.axi.control import KernelTimeout
from tb.kernel.env import KernelEnv, StageMonitor
from tb.kernel.model import KernelInputs, expected_taps, synthetic_inputs
from tb.simenv import env_config_name, env_seed

CFG = load_config(env_config_name())
STAGES = program(CFG)


def _inputs(seed: int, images: int) -> KernelInputs:
    directory = os.environ.get("KERNEL_WEIGHTS")
    if not directory:
        return synthetic_inputs(CFG, seed, images)
    qw = quantize_weights(CFG, load_weights(CFG, directory))
    image = quantize_image(load_image(os.path.join(directory, "image.float32.bin"), CFG), CFG)
    return KernelInputs(qw, (image,) * images)


def _stop() -> int:
    value = os.environ.get("KERNEL_STOP", "all")
    return STOP_ALL if value == "all" else int(value)


async def _checked_run(env: KernelEnv, inputs, stop: int, images: int) -> StageMonitor:
    """One run with the stage monitor; checks status, stage order and the stop point."""
    monitor = StageMonitor(env, expected_taps(CFG, inputs))
    monitor.start()
    status = await env.run(inputs, stop_after=stop, images=images)
    monitor.stop()
    if monitor.failure is not None:
        raise monitor.failure
    assert status == Status.OK, f"status {status!r} after a run with good arguments"
    last = len(STAGES) - 1 if stop == STOP_ALL else stop
    want = [(n, i) for n in range(images) for i in range(last + 1)]
    got = [(n, i) for n, i, _ in monitor.seen]
    assert got == want, f"stages completed {got}, expected {want}"
    env.check_not_written(STAGES[last + 1 :])
    env.check_inputs_untouched()
    functional.sample("kernel.stop_after", CFG, [stop])
    return monitor


@cocotb.test(timeout_time=3600, timeout_unit="sec")
async def kernel_run(dut):
    """Patch embedding and every layer (or up to KERNEL_STOP), each stage checked
    bit for bit the moment it completes, under random pauses on all AXI channels."""
    seed = env_seed()
    images = int(os.environ.get("KERNEL_IMAGES", "1"))
    env = KernelEnv(dut, CFG, seed, images=images,
                    pause=float(os.environ.get("KERNEL_PAUSE", "0.25")))  # fmt: skip
    await env.reset()
    inputs = _inputs(seed, images)
    env.load(inputs)
    stop = _stop()
    monitor = await _checked_run(env, inputs, stop, images)
    wall = env.run_wall_s
    cycles = await env.ctl.read_cycles()
    dut._log.info(f"{len(monitor.seen)} stages bit-exact; {cycles} kernel cycles in {wall:.1f} s "
                  f"({cycles / wall:.0f} cycles/s)")  # fmt: skip
    if os.environ.get("KERNEL_STATS"):
        stats = {"config": CFG.name, "cycles": cycles, "wall_s": wall,
                 "stages": monitor.stage_cycles()}  # fmt: skip
        with open(os.environ["KERNEL_STATS"], "w") as f:
            json.dump(stats, f, indent=1)


@cocotb.test(timeout_time=600, timeout_unit="sec")
async def kernel_bad_args(dut):
    """Each bad argument ends the run at once with arg_check's status code, touches no
    memory, and the kernel then runs a good job as if nothing had happened."""
    seed = env_seed()
    env = KernelEnv(dut, CFG, seed, pause=0.1)
    await env.reset()
    inputs = synthetic_inputs(CFG, seed)
    env.load(inputs)
    good = {**env.layout.pointers(), "task_id": 0, "num_images": 1, "stop_after": 0}
    beat = CFG.axi_data_width // 8
    cases = [
        *({p: 0} for p in ("image", "weights", "scratch", "output")),
        *({p: good[p] + beat // 2} for p in ("image", "weights", "scratch", "output")),
        {"task_id": CFG.tasks},
        {"task_id": 0xFFFF_FFFF},
        {"num_images": 0},
        {"stop_after": len(STAGES)},
        {"stop_after": 0xFFFF_FFFE},
        {"image": 0, "task_id": CFG.tasks},  # two bad: the smallest code wins
    ]
    for case in cases:
        values = {**good, **case}
        want = check_args(CFG, values)
        assert want != Status.OK, f"case {case} is not bad"
        status = await env.run(inputs, stop_after=values["stop_after"], args=values,
                               timeout_cycles=500)  # fmt: skip
        assert status == want, f"arguments {case}: status {status!r}, expected {want!r}"
        env.check_not_written(STAGES)
    await _checked_run(env, inputs, 0, 1)


@cocotb.test(timeout_time=600, timeout_unit="sec")
async def kernel_axi_error(dut):
    """An SLVERR on the weights of stage 2 ends the run after that stage with
    AXI_READ_ERROR (no hang); the next run, with the error gone, is bit-exact."""
    seed = env_seed()
    env = KernelEnv(dut, CFG, seed, pause=0.1)
    await env.reset()
    inputs = synthetic_inputs(CFG, seed)
    env.load(inputs)
    st = STAGES[2]
    lo = env.layout.bases["weights"] + st.b.offset
    env.ram.add_error_region(lo, lo + CFG.axi_data_width // 8, AxiResp.SLVERR)
    status = await env.run(inputs, stop_after=STOP_ALL)
    assert status == Status.AXI_READ_ERROR, f"status {status!r}, expected AXI_READ_ERROR"
    env.check_not_written(STAGES[3:])
    env.ram.clear_error_regions()
    await _checked_run(env, inputs, 3, 1)


#: Stages that finish before kernel_hang_report stops the memory's read data.
HANG_AFTER_STAGES = 3


@cocotb.test(timeout_time=600, timeout_unit="sec")
async def kernel_hang_report(dut):
    """A kernel that hangs (here: the memory stops returning read data after three
    stages) fails within its cycle bound with a report of which stages finished,
    which stage hung and for how long, and the AXI channels' handshake levels."""
    seed = env_seed()
    env = KernelEnv(dut, CFG, seed, pause=0.1)
    await env.reset()
    inputs = synthetic_inputs(CFG, seed)
    env.load(inputs)
    # A good run of those stages first: their cycles bound the hung run.
    good = await _checked_run(env, inputs, HANG_AFTER_STAGES - 1, 1)
    bound = 20_000 + sum(s["cycles"] for s in good.stage_cycles())
    monitor = StageMonitor(env, expected_taps(CFG, inputs))
    monitor.start()

    async def stall_reads() -> None:
        while len(monitor.seen) < HANG_AFTER_STAGES:
            await RisingEdge(dut.ap_clk)
        r = env.ram.channels()["r"]
        r.clear_pause_generator()
        r.pause = True

    cocotb.start_soon(stall_reads())
    try:
        await env.run(inputs, stop_after=STOP_ALL, timeout_cycles=bound)
    except KernelTimeout as exc:
        text = str(exc)
    else:
        raise AssertionError("the run with the read data stopped ended; it should have hung")
    monitor.stop()
    if monitor.failure is not None:
        raise monitor.failure
    finished = len(monitor.seen)
    assert finished >= HANG_AFTER_STAGES, monitor.seen
    hung = STAGES[finished]
    want = (rf"kernel hung after \d+ cycles: {finished} stage\(s\) finished, the last stage "
            rf"{finished - 1} \(.*\) of image 0 at cycle \d+; stage {finished} \(layer "
            rf"{hung.layer}, {hung.name}, {hung.op.name}\) of image 0 running for \d+ cycles; "
            rf"AXI valid/ready now: AR \d/\d.*, R 0/\d, AW \d/\d, W \d/\d, B \d/\d")  # fmt: skip
    assert re.match(want, text), f"hang report does not read as expected:\n{text}"
    assert f"no interrupt within {bound} cycles" in text, text
    dut._log.info(f"hang report: {text}")


@cocotb.test(timeout_time=600, timeout_unit="sec")
async def kernel_unsupported_stage(dut):
    """A configuration with MoE layers: every stage before the first MoE stage is
    bit-exact, then the run ends with UNSUPPORTED_STAGE, that stage's buffer untouched."""
    first = next(st.index for st in STAGES if st.op not in SUPPORTED_OPS)
    seed = env_seed()
    env = KernelEnv(dut, CFG, seed)
    await env.reset()
    inputs = synthetic_inputs(CFG, seed)
    env.load(inputs)
    monitor = StageMonitor(env, expected_taps(CFG, inputs))
    monitor.start()
    status = await env.run(inputs, stop_after=STOP_ALL, timeout_cycles=None)
    monitor.stop()
    if monitor.failure is not None:
        raise monitor.failure
    assert status == Status.UNSUPPORTED_STAGE, f"status {status!r}, expected UNSUPPORTED_STAGE"
    assert [i for _, i, _ in monitor.seen] == list(range(first)), monitor.seen
    env.check_not_written(STAGES[first:])
    env.check_inputs_untouched()

"""cocotb test of a design given by a description file (``tb/kernel/design.py``);
pytest entry: test_design.py. The design exposes no stage signals, so the stages
are checked by reading the memory after the run: every stage up to ``stop_after``
bit for bit against the golden tap, every later stage's buffer still untouched.
A design without a ``stop_after`` argument runs once, and only its final output
(the buffers in the ``output`` space) is checked.

Environment (set by the pytest entry):

EDGEMOE_DESIGN   the design file
EDGEMOE_CONFIG   its configuration (the build's)
EDGEMOE_SEED     seed of the weights, image and AXI pauses
KERNEL_STOP      the stop_after value of the run (a stage index, or ``all``)
KERNEL_PAUSE     probability of a pause per cycle on each AXI channel (default 0.25)
"""

from __future__ import annotations

import os

import cocotb

from hls.program import Space, program
from hls.registers import STOP_ALL, Status
from tb.kernel.design import load_design, stage_label
from tb.kernel.env import KernelEnv
from tb.kernel.model import expected_taps, synthetic_inputs
from tb.simenv import env_seed


@cocotb.test(timeout_time=3600, timeout_unit="sec")
async def design_run(dut):
    """One run up to KERNEL_STOP, then every stage buffer it wrote compared with golden."""
    design = load_design(os.environ["EDGEMOE_DESIGN"])
    cfg = design.kernel_config()
    stages = program(cfg)
    value = os.environ.get("KERNEL_STOP", "all")
    stop = STOP_ALL if value == "all" else int(value)
    seed = env_seed()
    env = KernelEnv(dut, cfg, seed, pause=float(os.environ.get("KERNEL_PAUSE", "0.25")),
                    ports=design.ports, registers=design.registers)  # fmt: skip
    await env.reset()
    inputs = synthetic_inputs(cfg, seed)
    env.load(inputs)
    status = await env.run(inputs, stop_after=stop)
    if status is not None:
        assert status == Status.OK, f"status {status!r} after a run with good arguments"
    last = len(stages) - 1 if stop == STOP_ALL else stop
    if design.has_stop_after:
        checked = stages[: last + 1]
        env.check_not_written(stages[last + 1 :])
    else:
        checked = [st for st in stages if st.y.space is Space.OUTPUT]
        dut._log.info("no stop_after argument: only the final output is checked")
    expected = expected_taps(cfg, inputs)[0]
    for st in checked:  # in stage order: a failure names the first wrong stage
        env.check_stage(st, 0, expected[st.index])
    env.check_inputs_untouched()
    cycles = await env.ctl.read_cycles() if "cycles" in env.ctl.registers else None
    dut._log.info(
        f"stop_after {stage_label(cfg, stop)}: {len(checked)} stage buffer(s) bit-exact"
        + (f"; {cycles} kernel cycles" if cycles is not None else "")
    )

"""The control slave's cocotb environment (rtl/ctrl_regs.sv): clock and reset,
the cocotbext-axi ``AxiLiteMaster`` with seeded pauses, register access helpers,
the output check against :class:`tb.ctrl.model.RegFileModel`, and
:class:`FakeKernel`, which plays the kernel (ap_done/ap_ready/ap_idle,
status and cycles). The tests are in ``tb/ctrl/ctrl_tests.py``.
"""

from __future__ import annotations

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge, Timer
from cocotbext.axi import AxiLiteBus, AxiLiteMaster

from golden.config import load_config
from hls.registers import (
    REGISTER_MAP,
    STOP_ALL,
    Status,
    check_args,
    stage_count,
)
from tb.components.axi.tb_port import flat_port_handle
from tb.ctrl.model import RegFileModel, unpack_args
from tb.simenv import env_config_name

CFG = load_config(env_config_name())
RO_PORTS = {r.name: f"{r.name}_i" for r in REGISTER_MAP if r.access == "ro"}
CHANNELS = ("aw", "w", "b", "ar", "r")


# ---------------------------------------------------------------- set-up
async def setup(dut, *, idle: int = 1) -> AxiLiteMaster:
    Clock(dut.clk_i, 10, unit="ns").start()
    axil = AxiLiteMaster(
        AxiLiteBus.from_prefix(control_port(dut), "s_axi_control"), dut.clk_i, dut.rst_ni,
        reset_active_level=False,
    )  # fmt: skip
    quiet(axil)
    await reset(dut, idle=idle)
    return axil


async def reset(dut, *, idle: int = 1) -> None:
    dut.rst_ni.value = 0
    dut.ap_done_i.value = 0
    dut.ap_ready_i.value = 0
    dut.ap_idle_i.value = idle
    for port in RO_PORTS.values():
        getattr(dut, port).value = 0
    await ClockCycles(dut.clk_i, 2)
    dut.rst_ni.value = 1
    await ClockCycles(dut.clk_i, 2)


def control_port(dut):
    """The flat s_axi_control_* signals: on the bench adapter u_control."""
    return flat_port_handle(dut, "s_axi_control", "u_control")


def quiet(axil: AxiLiteMaster) -> None:
    import logging

    for ch in (axil.write_if, axil.read_if):
        ch.log.setLevel(logging.WARNING)


def set_pauses(axil: AxiLiteMaster, rng: random.Random | None) -> None:
    """Random pauses on all five AXI-Lite channels (None: no pauses)."""
    chans = [
        axil.write_if.aw_channel, axil.write_if.w_channel, axil.write_if.b_channel,
        axil.read_if.ar_channel, axil.read_if.r_channel,
    ]  # fmt: skip
    for ch in chans:
        if rng is None:
            ch.clear_pause_generator()
            ch.pause = False
        else:
            p = rng.choice((0.2, 0.5, 0.8))
            seq = [rng.random() < p for _ in range(509)]
            ch.set_pause_generator(_cycle(seq))


def _cycle(seq):
    while True:
        yield from seq


async def rd(axil, addr: int) -> int:
    return int.from_bytes((await axil.read(addr, 4)).data, "little")


async def wr(axil, addr: int, data: int, strb: int = 0xF) -> None:
    """Write bytes of ``data`` selected by ``strb`` (a contiguous run of strobes
    becomes one AXI-Lite write; others one write per byte run)."""
    lanes = [i for i in range(4) if strb >> i & 1]
    if not lanes:
        return
    runs, cur = [], [lanes[0]]
    for i in lanes[1:]:
        if i == cur[-1] + 1:
            cur.append(i)
        else:
            runs.append(cur)
            cur = [i]
    runs.append(cur)
    raw = data.to_bytes(4, "little")
    for run in runs:
        await axil.write(addr + run[0], raw[run[0] : run[-1] + 1])


async def pulse(dut, signal: str) -> None:
    await RisingEdge(dut.clk_i)
    getattr(dut, signal).value = 1
    await RisingEdge(dut.clk_i)
    getattr(dut, signal).value = 0


def check_outputs(dut, model: RegFileModel, where: str) -> None:
    errs = []
    if int(dut.ap_start_o.value) != model.start:
        errs.append(f"ap_start_o {int(dut.ap_start_o.value)} != model {model.start}")
    if int(dut.interrupt_o.value) != model.irq:
        errs.append(f"interrupt_o {int(dut.interrupt_o.value)} != model {model.irq}")
    for name, v in unpack_args(int(dut.args_o.value)).items():
        if v != model.args[name]:
            errs.append(f"args_o.{name} 0x{v:x} != model 0x{model.args[name]:x}")
    if errs:
        raise AssertionError(f"{where}: " + "; ".join(errs))


# ---------------------------------------------------------------- fake kernel
class FakeKernel:
    """An ap_ctrl_hs kernel: idle until ap_start, then ap_ready (at the start, or
    with ap_done), runs ``latency`` cycles (1 when the arguments are bad, as
    arg_check makes the real kernel do), ap_done for one cycle; restarts at once
    while ap_start stays high (auto_restart).  ``hang`` never finishes."""

    def __init__(self, dut, *, latency: int = 20, ready_at_start: bool = True) -> None:
        self.dut = dut
        self.latency = latency
        self.ready_at_start = ready_at_start
        self.hang = False
        self.runs = 0
        self.statuses: list[Status] = []
        self._task = cocotb.start_soon(self._run())

    def stop(self) -> None:
        self._task.cancel()

    def _args(self) -> dict[str, int]:
        return unpack_args(int(self.dut.args_o.value))

    async def _run(self) -> None:
        dut = self.dut
        running, remaining, first, cycles, status = False, 0, False, 0, Status.OK
        while True:
            await RisingEdge(dut.clk_i)
            await Timer(1, "ns")  # values after the edge, drive for this cycle
            ready = done = 0
            if not running and int(dut.ap_start_o.value):
                status = check_args(CFG, self._args())
                running, first, cycles = True, True, 0
                remaining = 1 if status else self.latency
            if running:
                cycles += 1
                if first and self.ready_at_start:
                    ready = 1
                first = False
                if not self.hang:
                    remaining -= 1
                if remaining == 0:
                    done = 1
                    ready |= int(not self.ready_at_start)
                    running = False
                    self.runs += 1
                    self.statuses.append(status)
                    dut.status_i.value = int(status)
                    dut.cycles_i.value = cycles
            dut.ap_ready_i.value = ready
            dut.ap_done_i.value = done
            dut.ap_idle_i.value = int(not running and not done)


def good_args(rng: random.Random) -> dict[str, int]:
    align = CFG.axi_data_width // 8
    ptr = lambda: rng.randrange(1, 1 << 40) * align  # noqa: E731
    return dict(
        image=ptr(), weights=ptr(), scratch=ptr(), output=ptr(),
        task_id=rng.randrange(CFG.tasks), num_images=rng.randrange(1, 5),
        stop_after=rng.choice((STOP_ALL, rng.randrange(stage_count(CFG)))),
    )  # fmt: skip

"""cocotb environment of the whole kernel (top ``edgemoe_kernel``).

* ``s_axi_control``: cocotbext-axi ``AxiLiteMaster`` (on the fast path the
  silent :class:`tb.components.axi.lite_driver.LiteDriver`) driven by
  :class:`tb.components.axi.control.KernelControl` (the ap_ctrl_hs driver that also runs a
  Vitis-generated kernel);
* ``m_axi_gmem``: cocotbext-axi ``AxiRam`` (:class:`tb.components.axi.protocol.DmaRam`) as
  DRAM, with seeded random pauses on all five channels; or, on the fast path
  (top ``kernel_fastmem_tb``), the DPI-C memory (:class:`tb.components.dpi_memory.DpiMemory`,
  a zero-copy NumPy view, no Python per beat);
* :class:`StageMonitor`: the moment the sequencer reports a finished stage
  (``u_seq.stage_done_o``, or the fast-path top's ``stage_done_o`` port), reads
  that stage's output buffer out of the memory and compares it bit for bit with
  the golden tap, naming the first differing token and element on failure. It
  also records the cycle each stage ended, so that a run that hangs says which
  stages finished, which one hung and for how long, and what the five AXI
  channels of ``m_axi_gmem`` were doing (:meth:`KernelEnv.hang_report`).

A user's kernel (``tb/kernel/design.py``) runs in the same environment with its
own port names (``ports``) and the register map of its Vitis header
(``registers``); arguments its header lacks are not written, and without a
``status`` register :meth:`KernelEnv.run` returns None.
"""

from __future__ import annotations

import time

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge
from cocotbext.axi import AxiLiteBus, AxiLiteMaster

from golden.config import KernelConfig
from hls.program import program
from hls.registers import REGISTER_MAP, STOP_ALL, Register, Status
from tb.components.axi.bursts import cyclic_pattern
from tb.components.axi.control import KernelControl, KernelTimeout
from tb.components.axi.lite_driver import LiteDriver
from tb.components.axi.protocol import DmaRam
from tb.kernel.design import VITIS_PORTS, Ports
from tb.kernel.model import (
    SENTINEL,
    KernelInputs,
    Layout,
    compare_stage,
    cycle_budget,
)

CLOCK_NS = 10
CHANNELS = ("aw", "w", "b", "ar", "r")


class StageMonitor:
    """Checks every stage's output buffer as the stage completes (see the module docstring)."""

    def __init__(self, env: KernelEnv, expected: list[list[np.ndarray]]) -> None:
        self.env = env
        self.expected = expected
        self.stages = program(env.cfg)
        self.seen: list[tuple[int, int, int]] = []  # (image, stage, cycle)
        env.monitor = self  # the env's hang report reads the progress
        self.failure: AssertionError | None = None
        self._task = None

    def start(self) -> None:
        self._task = cocotb.start_soon(self._watch())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _watch(self) -> None:
        dut = self.env.dut
        seq = dut if hasattr(dut, "stage_done_o") else dut.u_seq
        while True:
            await RisingEdge(seq.stage_done_o)
            idx = int(seq.stage_idx_o.value)
            image = int(seq.image_idx_o.value)
            self.seen.append((image, idx, self.env.cycle()))
            try:
                self.check(image, idx)
            except AssertionError as exc:
                self.failure = self.failure or exc
                raise

    def check(self, image: int, idx: int) -> None:
        self.env.check_stage(self.stages[idx], image, self.expected[image][idx])

    def stage_cycles(self) -> list[dict]:
        """Cycles per stage of image 0 (from the previous stage's end, or the start)."""
        out, prev = [], self.env.start_cycle
        for image, idx, cyc in self.seen:
            if image == 0:
                st = self.stages[idx]
                out.append({"stage": idx, "layer": st.layer, "name": st.name,
                            "op": st.op.name, "cycles": cyc - prev})  # fmt: skip
            prev = cyc
        return out


class KernelEnv:
    """Clock, reset, control master, DRAM with pauses, and the memory layout."""

    def __init__(
        self,
        dut,
        cfg: KernelConfig,
        seed: int,
        *,
        images: int = 1,
        pause: float = 0.25,
        ports: Ports = VITIS_PORTS,
        registers: tuple[Register, ...] = REGISTER_MAP,
    ) -> None:
        self.dut = dut
        self.cfg = cfg
        self.ports = ports
        self.rng = np.random.default_rng(seed)
        self.layout = Layout(cfg, images)
        self.clock = getattr(dut, ports.clock)
        self.reset_n = getattr(dut, ports.reset_n)
        Clock(self.clock, CLOCK_NS, unit="ns").start()
        #: True on the fast path (DPI-C memory; pauses are the build's PAUSE_PCT).
        self.fast = hasattr(dut, "stage_done_o")
        if self.fast:
            from tb.components.dpi_memory import DpiMemory

            self.ram = DpiMemory(self.layout.size)
        else:
            self.ram = DmaRam(dut, self.layout.size, clock=self.clock, reset=self.reset_n,
                              prefix=ports.memory)  # fmt: skip
        if pause > 0 and not self.fast:
            self.ram.set_pauses(
                {ch: cyclic_pattern(self.rng, 997 + 7 * i, pause) for i, ch in enumerate(CHANNELS)}
            )
        if self.fast:  # no Python per cycle between register accesses
            self.axil = LiteDriver(dut, self.clock)
        else:
            bus = AxiLiteBus.from_prefix(dut, ports.control)
            self.axil = AxiLiteMaster(bus, self.clock, self.reset_n, reset_active_level=False)
            self.axil.write_if.log.setLevel("WARNING")
            self.axil.read_if.log.setLevel("WARNING")
        self.ctl = KernelControl(
            self.axil,
            registers,
            clock=self.clock,
            interrupt=getattr(dut, ports.interrupt),
            period_ns=CLOCK_NS,
        )
        self.start_cycle = 0
        self.run_wall_s = 0.0

    def cycle(self) -> int:
        return int(cocotb.utils.get_sim_time("ns")) // CLOCK_NS

    async def reset(self, cycles: int = 4) -> None:
        self.reset_n.value = 0
        await ClockCycles(self.clock, cycles)
        self.reset_n.value = 1
        await ClockCycles(self.clock, 2)

    # ---- memory
    def load(self, inputs: KernelInputs) -> None:
        for space, blob in self.layout.fill(inputs).items():
            self.ram.write(self.layout.bases[space], blob)
        self._initial = {s: self.snapshot(s) for s in ("weights", "image")}

    def snapshot(self, space: str) -> bytes:
        return self.ram.read(self.layout.bases[space], self.layout.mm.space_bytes(space))

    def read_stage(self, stage, image: int) -> np.ndarray:
        addr, region = self.layout.stage_region(stage, image)
        return region.unpack(self.ram.read(addr, region.nbytes))

    def check_stage(self, stage, image: int, expected: np.ndarray) -> None:
        """The stage's buffer in memory against ``expected`` (raises StageMismatch)."""
        fmt = self.layout.stage_region(stage, image)[1].fmt
        compare_stage(stage, image, self.read_stage(stage, image), expected, fmt)

    def check_inputs_untouched(self) -> None:
        for space, blob in self._initial.items():
            if self.snapshot(space) != blob:
                raise AssertionError(f"the kernel wrote into the {space} space")

    def check_not_written(self, stages, image: int = 0) -> None:
        """Every listed stage's buffer still holds the sentinel (the run stopped before it)."""
        for st in stages:
            addr, region = self.layout.stage_region(st, image)
            data = np.frombuffer(self.ram.read(addr, region.nbytes), np.uint8)
            if np.any(data != SENTINEL):
                raise AssertionError(
                    f"stage {st.index} ({st.name}) wrote its buffer although the run "
                    "should have stopped before it"
                )

    # ---- control
    async def run(
        self,
        inputs: KernelInputs,
        *,
        stop_after: int = STOP_ALL,
        images: int = 1,
        args: dict | None = None,
        timeout_cycles: int | None = None,
    ) -> Status | int | None:
        """Write the arguments, start, wait for ap_done (interrupt), return the status
        (None when the register map has no ``status``). Arguments the register map
        lacks are not written, except ``stop_after`` other than STOP_ALL (an error)."""
        last = len(program(self.cfg)) - 1 if stop_after == STOP_ALL else stop_after
        timeout = timeout_cycles or cycle_budget(self.cfg, last, images)
        regs = self.ctl.registers
        if stop_after != STOP_ALL and "stop_after" not in regs:
            raise ValueError(f"stop_after={stop_after}: the register map has no stop_after")
        defaults = {**self.layout.pointers(), "task_id": inputs.task, "num_images": images,
                    "stop_after": stop_after}  # fmt: skip
        values = {**{k: v for k, v in defaults.items() if k in regs}, **(args or {})}
        await self.ctl.write_args(**values)
        await self.ctl.enable_interrupts(done=True)
        self.start_cycle = self.cycle()
        wall = time.monotonic()
        await self.ctl.start()
        try:
            await self.ctl.wait_done(timeout)
        except KernelTimeout as exc:
            raise KernelTimeout(f"{self.hang_report(images)}\n{exc}") from None
        #: Wall-clock seconds from ap_start to ap_done (the run alone, for speed figures).
        self.run_wall_s = time.monotonic() - wall
        return await self.ctl.read_status() if "status" in regs else None

    def axi_levels(self) -> str:
        """The handshake levels of ``m_axi_gmem``'s five channels right now, e.g.
        ``AR 1/0 (addr 0x1000)`` = ARVALID high, ARREADY low: waiting for the memory."""

        def signal(ch: str, name: str):
            # the kernel's Vitis ports (m_axi_gmem_ARVALID): the top's, or those
            # of kernel_fastmem_tb's u_kernel
            handle = f"{self.ports.memory}_{(ch + name).upper()}"
            for scope in (self.dut, getattr(self.dut, "u_kernel", None)):
                if scope is not None and hasattr(scope, handle):
                    return getattr(scope, handle)
            return None

        out = []
        for ch in ("ar", "r", "aw", "w", "b"):
            valid, ready, addr = (signal(ch, n) for n in ("valid", "ready", "addr"))
            if valid is None or ready is None:
                continue
            text = f"{ch.upper()} {int(valid.value)}/{int(ready.value)}"
            if addr is not None and int(valid.value):
                text += f" (addr {int(addr.value):#x})"
            out.append(text)
        if not out:
            return "AXI channels not visible in this build"
        return "AXI valid/ready now: " + ", ".join(out)

    def hang_report(self, images: int = 1) -> str:
        """Which stages finished (from the stage monitor), which one hung and since
        when, and the AXI channels' handshake levels."""
        now = self.cycle() - self.start_cycle
        stages = program(self.cfg)
        monitor = getattr(self, "monitor", None)
        if monitor is None:  # a design without stage signals: progress is not visible
            return (f"kernel hung after {now} cycles (no stage monitor: which stage hung is "
                    f"not known); {self.axi_levels()}")  # fmt: skip
        seen = monitor.seen
        if seen:
            image, idx, cyc = seen[-1]
            last = stages[idx]
            since = cyc - self.start_cycle
            done = (f"{len(seen)} stage(s) finished, the last stage {idx} (layer {last.layer}, "
                    f"{last.name}) of image {image} at cycle {since}")  # fmt: skip
            image, idx = (image, idx + 1) if idx + 1 < len(stages) else (image + 1, 0)
        else:
            done, image, idx, since = "no stage finished", 0, 0, 0
        if image < images:
            st = stages[idx]
            hung = (f"stage {idx} (layer {st.layer}, {st.name}, {st.op.name}) of image {image} "
                    f"running for {now - since} cycles")  # fmt: skip
        else:
            hung = "every stage finished but ap_done never came"
        return f"kernel hung after {now} cycles: {done}; {hung}; {self.axi_levels()}"

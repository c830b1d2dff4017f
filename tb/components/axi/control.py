"""Drive a kernel through its ``s_axi_control`` slave (Vitis HLS ``ap_ctrl_hs`` layout).

:class:`KernelControl` relies only on the ap_ctrl_hs block (0x00 control, 0x04
GIE, 0x08 IER, 0x0C ISR) and a register map (name, kind, offset), so it runs
our kernel (``hls.registers.REGISTER_MAP``) and a user's Vitis-generated one
alike (:func:`register_map_from_vitis_header` reads the map from the
``x<kernel>_hw.h`` header Vitis writes next to the RTL)::

    axil = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axi_control"), dut.ap_clk, dut.ap_rst_n,
                         reset_active_level=False)
    ctl = KernelControl(axil, REGISTER_MAP, interrupt=dut.interrupt)
    await ctl.write_args(image=0x1000, weights=0x8000, ..., task_id=0, num_images=1)
    await ctl.start()
    await ctl.wait_done(timeout_cycles=100_000)      # polls ap_done, or waits on `interrupt`
    status = await ctl.read_status()

Reading the control word clears ap_done and ap_ready (clear-on-read): only
:meth:`read_control` and :meth:`wait_done` read it; :meth:`start` keeps the
auto_restart bit from its own record instead of reading it back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import cocotb
from cocotb.triggers import ClockCycles, First, RisingEdge, Timer

from hls.registers import (
    ADDR_AP_CTRL,
    ADDR_GIE,
    ADDR_IER,
    ADDR_ISR,
    AP_CTRL_BITS,
    Register,
    Status,
)

__all__ = [
    "ApCtrl",
    "KernelControl",
    "KernelControlError",
    "KernelTimeout",
    "register_map_from_vitis_header",
]

ISR_DONE = 0b01
ISR_READY = 0b10


class KernelControlError(AssertionError):
    """A control-register access was refused or returned something impossible."""


class KernelTimeout(KernelControlError):
    """The kernel did not signal ap_done within the allowed cycles."""


def _ap_ctrl_bit(name: str) -> property:
    """A read-only property of :class:`ApCtrl`: the control word's bit ``name``."""
    return property(lambda self: self._bit(name), doc=f"The {name} bit.")


@dataclass(frozen=True)
class ApCtrl:
    """The control word at 0x00, decoded."""

    raw: int

    def _bit(self, name: str) -> bool:
        return bool(self.raw >> AP_CTRL_BITS[name] & 1)

    start = _ap_ctrl_bit("ap_start")
    done = _ap_ctrl_bit("ap_done")
    idle = _ap_ctrl_bit("ap_idle")
    ready = _ap_ctrl_bit("ap_ready")
    auto_restart = _ap_ctrl_bit("auto_restart")
    interrupt = _ap_ctrl_bit("interrupt")

    def __str__(self) -> str:
        names = [n for n in AP_CTRL_BITS if self._bit(n)]
        return f"0x{self.raw:03x} ({', '.join(names) or 'nothing set'})"


def _as_map(registers) -> dict[str, Register]:
    if isinstance(registers, Mapping):
        regs = registers.values()
    else:
        regs = registers
    out = {}
    for r in regs:
        if r.kind not in ("ptr64", "u32"):
            raise ValueError(f"register {r.name!r}: kind {r.kind!r} is not ptr64 or u32")
        out[r.name] = r
    return out


def register_map_from_vitis_header(text: str) -> tuple[Register, ...]:
    """The argument slots of a Vitis HLS driver header (``x<kernel>_hw.h``).

    Reads ``#define X<K>_<BUS>_ADDR_<NAME>_DATA 0x..`` and ``..._BITS_<NAME>_DATA n``;
    arguments whose data word is commented "(Read)" only are read-only.
    """
    addrs = dict(re.findall(r"#define\s+\w+?_ADDR_(\w+)_DATA\s+(0x[0-9a-fA-F]+)", text))
    bits = dict(re.findall(r"#define\s+\w+?_BITS_(\w+)_DATA\s+(\d+)", text))
    regs = []
    for name, off in addrs.items():
        width = int(bits.get(name, 32))
        if width > 64:
            raise ValueError(f"argument {name}: {width}-bit arguments are not supported")
        lname = name.lower()
        # The comment keeps the C argument's case (xrowDelimiters), the define is upper case.
        m = re.search(rf"Data signal of {re.escape(lname)}\s*\n.*?\((Read[^)]*)\)", text, re.I)
        access = "ro" if m and m.group(1) == "Read" else "rw"
        regs.append(
            Register(lname, "ptr64" if width > 32 else "u32", int(off, 16), access, "from header")
        )
    return tuple(sorted(regs, key=lambda r: r.offset))


class KernelControl:
    """ap_ctrl_hs control of a kernel over an AXI4-Lite master (cocotbext-axi).

    ``axil`` is an ``AxiLiteMaster`` (anything with ``async read(addr, n)``
    returning ``.data`` and ``async write(addr, bytes)`` will do);
    ``registers`` the argument slots (``hls.registers.REGISTER_MAP`` or
    :func:`register_map_from_vitis_header`); ``clock`` counts timeouts
    (default: the master's clock); ``interrupt`` is the kernel's interrupt
    output, used by :meth:`wait_done` once interrupts are enabled.
    """

    def __init__(
        self,
        axil,
        registers: Iterable[Register] | Mapping[str, Register],
        *,
        clock=None,
        interrupt=None,
        log=None,
        period_ns: float | None = None,
    ) -> None:
        self.axil = axil
        self.registers = _as_map(registers)
        self.clock = clock if clock is not None else axil.write_if.clock
        self.interrupt = interrupt
        #: With the clock period known, timeouts are one simulator timer instead
        #: of a Python wake-up on every clock edge (ClockCycles): long runs.
        self.period_ns = period_ns
        self.log = log if log is not None else cocotb.log
        self._auto_restart = False
        self._ier = 0
        self._gie = False

    # ---- raw words
    async def read32(self, address: int) -> int:
        resp = await self.axil.read(address, 4)
        if int(getattr(resp, "resp", 0)) != 0:
            raise KernelControlError(f"read of 0x{address:02x} answered {resp.resp}")
        return int.from_bytes(resp.data, "little")

    async def write32(self, address: int, value: int) -> None:
        if not 0 <= value < 1 << 32:
            raise ValueError(f"0x{value:x} does not fit 32 bits (address 0x{address:02x})")
        resp = await self.axil.write(address, value.to_bytes(4, "little"))
        if int(getattr(resp, "resp", 0)) != 0:
            raise KernelControlError(f"write of 0x{address:02x} answered {resp.resp}")

    # ---- arguments
    def _reg(self, name: str) -> Register:
        try:
            return self.registers[name]
        except KeyError:
            raise KeyError(
                f"no register {name!r} in the register map; known: {sorted(self.registers)}"
            ) from None

    async def write_args(self, **values: int) -> None:
        """Write argument registers by name (pointers as two words, low first)."""
        for name, value in values.items():
            reg = self._reg(name)
            if reg.access != "rw":
                raise KernelControlError(f"register {name!r} is read-only")
            value = int(value)
            if not 0 <= value < 1 << reg.bits:
                raise ValueError(f"{name}={value:#x} does not fit {reg.bits} bits")
            for i, off in enumerate(reg.data_offsets):
                await self.write32(off, (value >> (32 * i)) & 0xFFFF_FFFF)

    async def read_arg(self, name: str) -> int:
        reg = self._reg(name)
        value = 0
        for i, off in enumerate(reg.data_offsets):
            value |= await self.read32(off) << (32 * i)
        return value

    async def read_status(self) -> Status | int:
        """The ``status`` register: a :class:`hls.registers.Status` when the code is known."""
        code = await self.read_arg("status")
        try:
            return Status(code)
        except ValueError:
            return code

    async def read_cycles(self) -> int:
        return await self.read_arg("cycles")

    # ---- ap_ctrl_hs
    async def read_control(self) -> ApCtrl:
        """Read 0x00 (clears ap_done and ap_ready)."""
        return ApCtrl(await self.read32(ADDR_AP_CTRL))

    async def set_auto_restart(self, on: bool) -> None:
        self._auto_restart = bool(on)
        await self.write32(ADDR_AP_CTRL, int(on) << AP_CTRL_BITS["auto_restart"])

    async def start(self) -> None:
        """Set ap_start (keeping auto_restart as last set through this driver)."""
        word = 1 << AP_CTRL_BITS["ap_start"]
        if self._auto_restart:
            word |= 1 << AP_CTRL_BITS["auto_restart"]
        await self.write32(ADDR_AP_CTRL, word)

    async def enable_interrupts(self, done: bool = True, ready: bool = False) -> None:
        """IER = (done, ready), then GIE = 1."""
        self._ier = (ISR_DONE if done else 0) | (ISR_READY if ready else 0)
        await self.write32(ADDR_IER, self._ier)
        await self.write32(ADDR_GIE, 1)
        self._gie = True

    async def disable_interrupts(self) -> None:
        await self.write32(ADDR_GIE, 0)
        await self.write32(ADDR_IER, 0)
        self._gie, self._ier = False, 0

    async def read_isr(self) -> int:
        return await self.read32(ADDR_ISR) & 0b11

    async def clear_isr(self, mask: int = ISR_DONE | ISR_READY) -> int:
        """Clear the ISR bits in ``mask`` that are set (toggle-on-write); returns them."""
        pending = await self.read_isr() & mask
        if pending:
            await self.write32(ADDR_ISR, pending)
        return pending

    async def wait_done(self, timeout_cycles: int, *, use_interrupt: bool | None = None) -> ApCtrl:
        """Wait for ap_done: on ``interrupt`` (when given and the done interrupt is
        enabled, or ``use_interrupt=True``), else by polling the control word.

        Consumes the done indication (ISR bit cleared, control word read) and
        returns the control word read.  Raises :class:`KernelTimeout`, naming
        the last control word, after ``timeout_cycles`` clock cycles.
        """
        if use_interrupt is None:
            use_interrupt = self.interrupt is not None and self._gie and bool(self._ier & ISR_DONE)
        if use_interrupt and self.interrupt is None:
            raise KernelControlError("use_interrupt=True but no interrupt signal was given")
        expired = False

        async def timer() -> None:
            nonlocal expired
            if self.period_ns:
                await Timer(timeout_cycles * self.period_ns, unit="ns")
            else:
                await ClockCycles(self.clock, timeout_cycles)
            expired = True

        timer_task = cocotb.start_soon(timer())
        try:
            if use_interrupt:
                return await self._wait_interrupt(timer_task, timeout_cycles)
            while True:
                ctrl = await self.read_control()
                if ctrl.done:
                    return ctrl
                if expired:
                    raise KernelTimeout(
                        f"ap_done not seen within {timeout_cycles} cycles (polling); "
                        f"control word {ctrl}"
                    )
        finally:
            if not timer_task.done():
                timer_task.cancel()

    async def _wait_interrupt(self, timer_task, timeout_cycles: int) -> ApCtrl:
        while True:
            if not self.interrupt.value:
                await First(RisingEdge(self.interrupt), timer_task.complete)
            if not self.interrupt.value:
                isr = await self.read_isr()
                ctrl = await self.read_control()
                raise KernelTimeout(
                    f"no interrupt within {timeout_cycles} cycles; ISR 0b{isr:02b}, "
                    f"control word {ctrl}"
                )
            isr = await self.clear_isr()
            if isr & ISR_DONE:
                ctrl = await self.read_control()
                if not ctrl.done:
                    raise KernelControlError(
                        f"ISR reported ap_done but the control word does not: {ctrl}"
                    )
                return ctrl
            # ap_ready only (or a spurious interrupt): keep waiting for done.
            if timer_task.done():
                raise KernelTimeout(
                    f"ap_done not seen within {timeout_cycles} cycles (interrupt); last ISR "
                    f"0b{isr:02b}"
                )

    async def run(self, timeout_cycles: int, **args: int) -> Status | int:
        """Write ``args``, start, wait for ap_done, return the status register."""
        await self.write_args(**args)
        await self.start()
        await self.wait_done(timeout_cycles)
        return await self.read_status()

"""Python models of the control slave (register file) and stimulus helpers.

:class:`RegFileModel` is a transaction-level model of ``rtl/ctrl_regs.sv`` (the
Vitis HLS 2023.x ap_ctrl_hs slave): valid when the bench lets the design
settle (a few cycles) between operations, which it does.  The argument check
is modelled by :func:`hls.registers.check_args`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hls.generate import ctrl_args_fields
from hls.registers import (
    ADDR_AP_CTRL,
    ADDR_GIE,
    ADDR_IER,
    ADDR_ISR,
    REGISTER_MAP,
    Register,
)

RW_WORDS: dict[int, tuple[str, int]] = {
    off: (r.name, i)
    for r in REGISTER_MAP
    if r.access == "rw"
    for i, off in enumerate(r.data_offsets)
}
RO_WORDS: dict[int, str] = {r.data_offsets[0]: r.name for r in REGISTER_MAP if r.access == "ro"}
RESERVED_WORDS: tuple[int, ...] = tuple(r.reserved_offset for r in REGISTER_MAP)
MAP_END = max(r.end for r in REGISTER_MAP)
ALL_WORDS: tuple[int, ...] = tuple(range(0, MAP_END, 4))

#: ctrl_args_t (the arguments port of ctrl_regs and arg_check): (register, member,
#: bits), most significant first.
ARG_FIELDS = ctrl_args_fields()


def pack_args(args: Mapping[str, int]) -> int:
    """The arguments, by register name, as the bits of a ``ctrl_args_t`` port."""
    word = 0
    for name, _, bits in ARG_FIELDS:
        if not 0 <= args[name] < 1 << bits:
            raise ValueError(f"{name}={args[name]} does not fit {bits} bits")
        word = word << bits | args[name]
    return word


def unpack_args(word: int) -> dict[str, int]:
    """A ``ctrl_args_t`` port's bits as the arguments, by register name."""
    args = {}
    for name, _, bits in reversed(ARG_FIELDS):
        args[name] = word & ((1 << bits) - 1)
        word >>= bits
    return args


def strb_mask(strb: int) -> int:
    return sum(0xFF << (8 * i) for i in range(4) if strb >> i & 1)


@dataclass
class RegFileModel:
    """The register file as software and the kernel see it, between transactions."""

    start: int = 0
    done: int = 0
    idle_in: int = 0  # ap_idle as driven by the kernel
    idle_q: int = 0  # ap_idle as read (one register stage)
    ready: int = 0
    auto: int = 0
    ars: int = 0  # auto_restart_status
    gie: int = 0
    ier: int = 0
    isr: int = 0
    irq: int = 0
    args: dict[str, int] = field(
        default_factory=lambda: {r.name: 0 for r in REGISTER_MAP if r.access == "rw"}
    )
    ro: dict[str, int] = field(
        default_factory=lambda: {r.name: 0 for r in REGISTER_MAP if r.access == "ro"}
    )

    def settle(self) -> None:
        """Let the registered paths catch up (a few idle cycles)."""
        if self.auto:
            self.ars = 1
        elif self.idle_in:
            self.ars = 0
        self.idle_q = self.idle_in
        self.irq = int(bool(self.gie and self.isr))

    def control_word(self) -> int:
        return (
            self.start | self.done << 1 | self.idle_q << 2 | self.ready << 3
            | self.auto << 7 | self.irq << 9
        )  # fmt: skip

    # ---- software side
    def read(self, addr: int) -> int:
        if addr == ADDR_AP_CTRL:
            value = self.control_word()
            self.done = self.ready = 0
            return value
        if addr == ADDR_GIE:
            return self.gie
        if addr == ADDR_IER:
            return self.ier
        if addr == ADDR_ISR:
            return self.isr
        if addr in RW_WORDS:
            name, word = RW_WORDS[addr]
            return self.args[name] >> (32 * word) & 0xFFFF_FFFF
        if addr in RO_WORDS:
            return self.ro[RO_WORDS[addr]]
        return 0

    def write(self, addr: int, data: int, strb: int = 0xF) -> None:
        b0 = strb & 1
        if addr == ADDR_AP_CTRL and b0:
            if data & 1:
                self.start = 1
            self.auto = data >> 7 & 1
        elif addr == ADDR_GIE and b0:
            self.gie = data & 1
        elif addr == ADDR_IER and b0:
            self.ier = data & 0b11
        elif addr == ADDR_ISR and b0:
            self.isr ^= data & 0b11
        elif addr in RW_WORDS:
            name, word = RW_WORDS[addr]
            mask = strb_mask(strb) << (32 * word)
            self.args[name] = (self.args[name] & ~mask) | ((data << (32 * word)) & mask)

    # ---- kernel side (one-cycle pulses)
    def kernel_ready(self) -> None:
        self.start = self.auto
        if not self.auto:
            self.ready = 1
        if self.ier & 0b10:
            self.isr |= 0b10

    def kernel_done(self) -> None:
        if not self.ars:
            self.done = 1
        if self.ier & 0b01:
            self.isr |= 0b01

    def kernel_idle(self, value: int) -> None:
        if value and not self.idle_in and self.ars:
            self.done = 1  # auto_restart_done: the kernel went idle after auto_restart
        self.idle_in = value


def describe(reg: Register) -> str:
    return f"{reg.name} ({reg.kind}, 0x{reg.offset:02x})"

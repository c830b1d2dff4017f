"""The kernel's ``s_axi_control`` register map: the one source of truth.

The layout is the one Vitis HLS 2023.x generates for an ``ap_ctrl_hs`` kernel
(``<kernel>_control_s_axi.v``), so the testbench's control driver
(``tb/components/axi/control.py``) also runs a user's HLS-generated kernel:

====== ====================================================================
0x00   control: bit 0 ap_start (R/W, cleared on the ap_ready handshake unless
       auto_restart), bit 1 ap_done (R, clear-on-read), bit 2 ap_idle (R),
       bit 3 ap_ready (R, clear-on-read), bit 7 auto_restart (R/W), bit 9
       interrupt (R)
0x04   GIE: bit 0 global interrupt enable
0x08   IER: bit 0 ap_done, bit 1 ap_ready interrupt enable
0x0C   ISR: bit 0 ap_done, bit 1 ap_ready; set by the event when enabled in
       IER, toggle-on-write
0x10.. one slot per argument, in :data:`ARGUMENTS` order: a 64-bit pointer
       takes three words (data[31:0], data[63:32], reserved), a 32-bit scalar
       two (data, reserved); reserved words read 0 and ignore writes
====== ====================================================================

Read-only registers (driven by the kernel) come after the arguments.
``hls/generate.py`` writes the offsets, the status codes and the stage count
into the package ``edgemoe_cfg_pkg`` (:func:`sv_localparams`); the RTL
(``rtl/ctrl_regs.sv``, ``rtl/arg_check.sv``) and the testbench read them from
here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum

from golden.config import KernelConfig
from golden.taps import stage_names

__all__ = [
    "ADDR_AP_CTRL",
    "ADDR_GIE",
    "ADDR_IER",
    "ADDR_ISR",
    "AP_CTRL_BITS",
    "ARGUMENTS",
    "FIRST_ARG_OFFSET",
    "REGISTER_MAP",
    "STOP_ALL",
    "Register",
    "Status",
    "addr_width",
    "check_args",
    "pointer_align",
    "register",
    "stage_count",
    "stage_index",
    "stop_after_stages",
    "sv_localparams",
]

# ---- the ap_ctrl_hs block (fixed by Vitis HLS)
ADDR_AP_CTRL = 0x00
ADDR_GIE = 0x04
ADDR_IER = 0x08
ADDR_ISR = 0x0C
FIRST_ARG_OFFSET = 0x10

#: Bits of the control word at 0x00.
AP_CTRL_BITS: dict[str, int] = {
    "ap_start": 0,
    "ap_done": 1,
    "ap_idle": 2,
    "ap_ready": 3,
    "auto_restart": 7,
    "interrupt": 9,
}

#: ``stop_after`` value that runs every stage.
STOP_ALL = 0xFFFF_FFFF

_WORDS = {"ptr64": 3, "u32": 2}


@dataclass(frozen=True)
class Register:
    """One argument slot (or read-only kernel output) of the register map."""

    name: str
    kind: str  # "ptr64" (three words) or "u32" (two words)
    offset: int  # byte address of the first data word
    access: str  # "rw" (an argument) or "ro" (driven by the kernel)
    doc: str = ""

    @property
    def words(self) -> int:
        return _WORDS[self.kind]

    @property
    def bits(self) -> int:
        return 64 if self.kind == "ptr64" else 32

    @property
    def data_offsets(self) -> tuple[int, ...]:
        """Byte addresses of the data words, least significant first."""
        return tuple(self.offset + 4 * i for i in range(self.words - 1))

    @property
    def reserved_offset(self) -> int:
        return self.offset + 4 * (self.words - 1)

    @property
    def end(self) -> int:
        """First byte address after the slot."""
        return self.offset + 4 * self.words


#: (name, kind, access, description), in register order.  Arguments first,
#: read-only kernel outputs after them.  New arguments (MoE options, fault
#: handling) are appended here; offsets follow.
ARGUMENTS: tuple[tuple[str, str, str, str], ...] = (
    ("image", "ptr64", "rw", "input image(s), pixels ap_ufixed<8,0>"),
    ("weights", "ptr64", "rw", "packed weights of every layer"),
    ("scratch", "ptr64", "rw", "scratch/activation buffers (stage outputs)"),
    ("output", "ptr64", "rw", "output features"),
    ("task_id", "u32", "rw", "task (selects the MoE gates), 0..TASKS-1"),
    ("num_images", "u32", "rw", "images to process, >= 1"),
    ("stop_after", "u32", "rw", "run up to this stage index (stage_index), 0xFFFFFFFF = all"),
    ("status", "u32", "ro", "Status code of the last run (0 = ok)"),
    ("cycles", "u32", "ro", "kernel cycles of the last run (performance counter)"),
)


def _layout(specs) -> tuple[Register, ...]:
    regs, offset = [], FIRST_ARG_OFFSET
    for name, kind, access, doc in specs:
        if kind not in _WORDS:
            raise ValueError(f"register {name!r}: unknown kind {kind!r}")
        if access not in ("rw", "ro"):
            raise ValueError(f"register {name!r}: access must be 'rw' or 'ro'")
        reg = Register(name, kind, offset, access, doc)
        regs.append(reg)
        offset = reg.end
    names = [r.name for r in regs]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate register names in {names}")
    return tuple(regs)


#: The argument slots and read-only registers, with their offsets.
REGISTER_MAP: tuple[Register, ...] = _layout(ARGUMENTS)


def register(name: str) -> Register:
    for reg in REGISTER_MAP:
        if reg.name == name:
            return reg
    raise KeyError(f"no register {name!r}; known: {[r.name for r in REGISTER_MAP]}")


def addr_width(regs: tuple[Register, ...] = REGISTER_MAP) -> int:
    """Address bits of the slave: the smallest covering every word (as Vitis sizes it)."""
    end = max(r.end for r in regs)
    return max(5, (end - 1).bit_length())


class Status(IntEnum):
    """Error codes in the ``status`` register.

    Codes 1..11 come from ``rtl/arg_check.sv`` before the kernel starts any
    work: the kernel then finishes at once (ap_done) with the code in
    ``status``.  When several arguments are bad, the smallest code is
    reported (pointers in register order, then the scalars).  Codes from 0x10
    are faults the kernel detects while running.
    """

    OK = 0
    NULL_IMAGE = 1
    MISALIGNED_IMAGE = 2
    NULL_WEIGHTS = 3
    MISALIGNED_WEIGHTS = 4
    NULL_SCRATCH = 5
    MISALIGNED_SCRATCH = 6
    NULL_OUTPUT = 7
    MISALIGNED_OUTPUT = 8
    BAD_TASK_ID = 9  # task_id >= TASKS
    ZERO_IMAGES = 10  # num_images == 0
    BAD_STOP_AFTER = 11  # stop_after >= stage_count and != STOP_ALL
    # Runtime faults (reported by the kernel's memory masters; not by arg_check).
    AXI_READ_ERROR = 0x10  # SLVERR/DECERR on an m_axi read
    AXI_WRITE_ERROR = 0x11  # SLVERR/DECERR on an m_axi write
    UNSUPPORTED_STAGE = 0x12  # the program reached a stage with no engine (MoE, for now)


_POINTERS = ("image", "weights", "scratch", "output")


# ---- stages (stop_after)
def stop_after_stages(cfg: KernelConfig) -> tuple[tuple[int, str], ...]:
    """Every stage boundary of the kernel in execution order, as (layer, tap name):
    ``stop_after = i`` runs up to and including entry ``i`` (layer -1 is the
    patch embedding).  The names are the golden model's taps (``golden.taps``)."""
    return tuple(
        (layer, name) for layer in range(-1, cfg.layers) for name in stage_names(cfg, layer)
    )


def stage_count(cfg: KernelConfig) -> int:
    return len(stop_after_stages(cfg))


def stage_index(cfg: KernelConfig, layer: int, name: str) -> int:
    """The ``stop_after`` value that stops after stage ``name`` of ``layer``."""
    try:
        return stop_after_stages(cfg).index((layer, name))
    except ValueError:
        raise ValueError(f"no stage {name!r} in layer {layer} of {cfg.name!r}") from None


def pointer_align(cfg: KernelConfig) -> int:
    """Pointers must be multiples of one AXI data beat (bytes)."""
    return cfg.axi_data_width // 8


def check_args(cfg: KernelConfig, values: Mapping[str, int]) -> Status:
    """The status ``rtl/arg_check.sv`` reports for these argument values (its model)."""
    align = pointer_align(cfg)
    for i, name in enumerate(_POINTERS):
        ptr = int(values[name]) & (2**64 - 1)
        if ptr == 0:
            return Status(1 + 2 * i)
        if ptr % align:
            return Status(2 + 2 * i)
    if int(values["task_id"]) & 0xFFFF_FFFF >= cfg.tasks:
        return Status.BAD_TASK_ID
    if int(values["num_images"]) & 0xFFFF_FFFF == 0:
        return Status.ZERO_IMAGES
    stop = int(values["stop_after"]) & 0xFFFF_FFFF
    if stop != STOP_ALL and stop >= stage_count(cfg):
        return Status.BAD_STOP_AFTER
    return Status.OK


# ---- SystemVerilog
def sv_localparams(cfg: KernelConfig) -> list[str]:
    """Package lines: the address map, status codes, stage count and pointer alignment."""

    def p(name: str, value: int, comment: str) -> str:
        return f"  localparam int {name} = {value};  // {comment}\n"

    lines = [
        p("CTRL_ADDR_W", addr_width(), "s_axi_control address bits"),
        p("CTRL_ADDR_AP_CTRL", ADDR_AP_CTRL, "ap_start/done/idle/ready, auto_restart, irq"),
        p("CTRL_ADDR_GIE", ADDR_GIE, "global interrupt enable"),
        p("CTRL_ADDR_IER", ADDR_IER, "interrupt enable: done, ready"),
        p("CTRL_ADDR_ISR", ADDR_ISR, "interrupt status (toggle on write)"),
    ]
    for reg in REGISTER_MAP:
        up = reg.name.upper()
        for i, off in enumerate(reg.data_offsets):
            lines.append(p(f"CTRL_ADDR_{up}_DATA_{i}", off, f"{reg.name} ({reg.access})"))
        lines.append(p(f"CTRL_ADDR_{up}_RSVD", reg.reserved_offset, "reserved, reads 0"))
    for code in Status:
        lines.append(p(f"CTRL_STATUS_{code.name}", int(code), "status code"))
    lines += [
        p("CTRL_STAGES", stage_count(cfg), "stop_after values 0..CTRL_STAGES-1 are stages"),
        "  localparam logic [31:0] CTRL_STOP_ALL = 32'hffffffff;  // stop_after: run all\n",
        p("CTRL_PTR_ALIGN", pointer_align(cfg), "pointer alignment (bytes, one AXI beat)"),
    ]
    return lines

"""The kernel's register map as the driver header Vitis HLS writes (``x<kernel>_hw.h``).

A Vitis kernel comes with ``x<kernel>_hw.h``: the ap_ctrl_hs block and one
``#define X<KERNEL>_CONTROL_ADDR_<ARG>_DATA`` / ``..._BITS_<ARG>_DATA`` pair per
argument, with a comment block describing every word. The kernel bench reads a
user's design's register map from that header (``tb/kernel/design.py``); this
module writes the same header for our own kernel from :data:`REGISTER_MAP`, so
our kernel runs through exactly the path a user's does::

    python -m hls.vitis_header --out designs/edgemoe_kernel/xedgemoe_kernel_hw.h

Our read-only registers (``status``, ``cycles``) keep a reserved word after their
data word where Vitis would put an ``_ap_vld`` control word (``rtl/ctrl_regs.sv``
has none), and the header says so.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path

from hls.registers import (
    ADDR_AP_CTRL,
    ADDR_GIE,
    ADDR_IER,
    ADDR_ISR,
    AP_CTRL_BITS,
    REGISTER_MAP,
    Register,
)

__all__ = ["KERNEL_NAME", "header_name", "vitis_header_text"]

#: The kernel's name, as Vitis derives the header and define names from it.
KERNEL_NAME = "edgemoe_kernel"
#: The AXI4-Lite bundle's name (the ``s_axi_<bundle>`` port prefix).
BUNDLE = "control"

_AP_CTRL_ACCESS = {
    "ap_start": "Read/Write/COH",
    "ap_done": "Read/COR",
    "ap_idle": "Read",
    "ap_ready": "Read/COR",
    "auto_restart": "Read/Write",
    "interrupt": "Read",
}


def header_name(kernel: str = KERNEL_NAME) -> str:
    """The file name Vitis gives the header: ``x<kernel>_hw.h``."""
    return f"x{kernel.lower()}_hw.h"


def _word_comments(reg: Register) -> list[str]:
    access = "Read/Write" if reg.access == "rw" else "Read"
    out = []
    for i, off in enumerate(reg.data_offsets):
        out += [
            f"// 0x{off:02x} : Data signal of {reg.name}",
            f"//        bit 31~0 - {reg.name}[{32 * i + 31}:{32 * i}] ({access})",
        ]
    note = " (no ap_vld control word: reads 0)" if reg.access == "ro" else ""
    out.append(f"// 0x{reg.reserved_offset:02x} : reserved{note}")
    return out


def vitis_header_text(
    kernel: str = KERNEL_NAME, registers: Iterable[Register] = REGISTER_MAP
) -> str:
    """The text of ``x<kernel>_hw.h`` for ``registers`` (default: our kernel's map)."""
    prefix = f"X{kernel.upper()}_{BUNDLE.upper()}"
    bits = "\n".join(
        f"//        bit {bit:<2} - {name} ({_AP_CTRL_ACCESS[name]})"
        for name, bit in AP_CTRL_BITS.items()
    )
    lines = [
        "// ==============================================================",
        f"// {header_name(kernel)}: the s_axi_{BUNDLE} register map of {kernel}, in the",
        "// layout of a Vitis HLS driver header. Generated from hls/registers.py by",
        "// `python -m hls.vitis_header`; do not edit.",
        "// ==============================================================",
        f"// {BUNDLE}",
        f"// 0x{ADDR_AP_CTRL:02x} : Control signals",
        bits,
        "//        others - reserved",
        f"// 0x{ADDR_GIE:02x} : Global Interrupt Enable Register",
        "//        bit 0  - Global Interrupt Enable (Read/Write)",
        "//        others - reserved",
        f"// 0x{ADDR_IER:02x} : IP Interrupt Enable Register (Read/Write)",
        "//        bit 0 - enable ap_done interrupt (Read/Write)",
        "//        bit 1 - enable ap_ready interrupt (Read/Write)",
        "//        others - reserved",
        f"// 0x{ADDR_ISR:02x} : IP Interrupt Status Register (Read/TOW)",
        "//        bit 0 - ap_done (Read/TOW)",
        "//        bit 1 - ap_ready (Read/TOW)",
        "//        others - reserved",
    ]
    registers = tuple(registers)
    for reg in registers:
        lines += _word_comments(reg)
    lines += [
        "// (SC = Self Clear, COR = Clear on Read, TOW = Toggle on Write, "
        "COH = Clear on Handshake)",
        "",
    ]
    defines = [
        ("ADDR_AP_CTRL", f"0x{ADDR_AP_CTRL:02x}"),
        ("ADDR_GIE", f"0x{ADDR_GIE:02x}"),
        ("ADDR_IER", f"0x{ADDR_IER:02x}"),
        ("ADDR_ISR", f"0x{ADDR_ISR:02x}"),
    ]
    for reg in registers:
        up = reg.name.upper()
        defines += [(f"ADDR_{up}_DATA", f"0x{reg.offset:02x}"), (f"BITS_{up}_DATA", str(reg.bits))]
    width = max(len(name) for name, _ in defines)
    lines += [f"#define {prefix}_{name:<{width}} {value}" for name, value in defines]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="the header file to write")
    parser.add_argument("--kernel", default=KERNEL_NAME, help="kernel name (define prefix)")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(vitis_header_text(args.kernel))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

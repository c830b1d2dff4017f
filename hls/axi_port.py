"""The kernel's AXI4 master port ``m_axi_gmem``, defined once: its widths, its
channels and bundles as packed structs (``axi_typedefs``, written into the
package by ``hls.generate``), and the module that puts those structs on the flat
Vitis names (``axi_gmem_flat_text``: the generated ``axi_gmem_flat.sv``).

The flat names follow from the tables: ``<prefix>_<CHANNEL><FIELD>`` for every
payload field (``m_axi_gmem_AWADDR``), ``<CHANNEL>VALID`` / ``<CHANNEL>READY``
for the handshakes, so adding a field to :data:`AXI_CHANNELS` reaches the
structs, the flat port and every bench that reads it by name at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from golden.config import KernelConfig
from hls.sv_text import sv_int, sv_struct

__all__ = [
    "AXI_ADDR_W",
    "AXI_BUNDLES",
    "AXI_CHANNELS",
    "AXI_ID_W",
    "AXI_LEN_W",
    "CONTROL_CHANNELS",
    "CONTROL_PREFIX",
    "GMEM_PREFIX",
    "MASTER_CHANNELS",
    "FlatSignal",
    "axi_gmem_flat_text",
    "axi_typedefs",
    "control_signals",
    "flat_signals",
]

#: Widths of the AXI4 master port that the configuration does not choose: 64-bit
#: byte addresses and one ID bit, as Vitis HLS builds an m_axi port by default;
#: AxLEN is AXI4's 8 bits. The data width is the configuration's axi_data_width,
#: the strobe one bit per data byte.
AXI_ADDR_W = 64
AXI_ID_W = 1
AXI_LEN_W = 8

#: The address channels' fields (AW and AR alike).
_ADDRESS_CHANNEL = [
    ("id", "axi_id_t"), ("addr", "axi_addr_t"), ("len", "axi_len_t"), ("size", "logic [2:0]"),
    ("burst", "logic [1:0]"), ("lock", "logic"), ("cache", "logic [3:0]"),
    ("prot", "logic [2:0]"), ("qos", "logic [3:0]"), ("region", "logic [3:0]"),
]  # fmt: skip

#: Fields of each channel struct, most significant first (the order of
#: pulp-platform/axi's typedef.svh, without ATOP and USER): (name, SV type).
AXI_CHANNELS: dict[str, list[tuple[str, str]]] = {
    "aw": _ADDRESS_CHANNEL,
    "w": [("data", "axi_data_t"), ("strb", "axi_strb_t"), ("last", "logic")],
    "b": [("id", "axi_id_t"), ("resp", "logic [1:0]")],
    "ar": _ADDRESS_CHANNEL,
    "r": [("id", "axi_id_t"), ("data", "axi_data_t"), ("resp", "logic [1:0]"), ("last", "logic")],
}  # fmt: skip

#: The request (what the master drives) and response (what it receives) bundles.
AXI_BUNDLES: dict[str, list[tuple[str, str]]] = {
    "axi_req_t": [("aw", "axi_aw_chan_t"), ("aw_valid", "logic"), ("w", "axi_w_chan_t"),
                  ("w_valid", "logic"), ("b_ready", "logic"), ("ar", "axi_ar_chan_t"),
                  ("ar_valid", "logic"), ("r_ready", "logic")],
    "axi_rsp_t": [("aw_ready", "logic"), ("ar_ready", "logic"), ("w_ready", "logic"),
                  ("b_valid", "logic"), ("b", "axi_b_chan_t"), ("r_valid", "logic"),
                  ("r", "axi_r_chan_t")],
}  # fmt: skip


def axi_typedefs(cfg: KernelConfig) -> list[str]:
    """The AXI4 master port m_axi_gmem as packed structs: its widths
    (``AXI_ADDR_W``, ``AXI_ID_W``, ``AXI_LEN_W``, ``AXI_STRB_W``; ``AXI_DATA_W``
    is a size of the configuration), one struct per channel
    (``axi_<ch>_chan_t``, :data:`AXI_CHANNELS`) and the request/response
    bundles ``axi_req_t`` / ``axi_rsp_t`` (:data:`AXI_BUNDLES`). Handshake
    signals live in the bundles, payloads in the channel structs, as in
    pulp-platform/axi. The flat Vitis names (``m_axi_gmem_*``) are mapped onto
    these once, in the generated ``axi_gmem_flat`` (:func:`axi_gmem_flat_text`)."""
    lines = [
        "  // AXI4 master port m_axi_gmem: widths, channel structs, request/response.\n",
        sv_int("AXI_ADDR_W", AXI_ADDR_W, "m_axi_gmem byte address bits"),
        sv_int("AXI_ID_W", AXI_ID_W, "m_axi_gmem ID bits"),
        sv_int("AXI_LEN_W", AXI_LEN_W, "AxLEN bits (AXI4: up to 256 beats)"),
        sv_int("AXI_STRB_W", cfg.axi_data_width // 8, "WSTRB bits: one per data byte"),
        "  typedef logic [AXI_ADDR_W-1:0] axi_addr_t;\n",
        "  typedef logic [AXI_ID_W-1:0]   axi_id_t;\n",
        "  typedef logic [AXI_LEN_W-1:0]  axi_len_t;\n",
        "  typedef logic [AXI_DATA_W-1:0] axi_data_t;\n",
        "  typedef logic [AXI_STRB_W-1:0] axi_strb_t;\n",
    ]
    for channel, members in AXI_CHANNELS.items():
        lines += sv_struct(f"axi_{channel}_chan_t", members)
    for bundle, members in AXI_BUNDLES.items():
        lines += sv_struct(bundle, members)
    return lines


#: The Vitis name of the kernel's one AXI4 master.
GMEM_PREFIX = "m_axi_gmem"
#: The Vitis name of the kernel's AXI4-Lite control slave.
CONTROL_PREFIX = "s_axi_control"

#: s_axi_control's channels (AXI4-Lite: 32-bit data, no IDs, bursts or LAST;
#: ``CTRL_ADDR_W`` from hls/registers.py): (field, SV type), as on the kernel's
#: boundary (checked against rtl/edgemoe_kernel.sv by hls/tests).
CONTROL_CHANNELS: dict[str, list[tuple[str, str]]] = {
    "aw": [("addr", "logic [CTRL_ADDR_W-1:0]")],
    "w": [("data", "logic [31:0]"), ("strb", "logic [3:0]")],
    "b": [("resp", "logic [1:0]")],
    "ar": [("addr", "logic [CTRL_ADDR_W-1:0]")],
    "r": [("data", "logic [31:0]"), ("resp", "logic [1:0]")],
}

#: The channels whose VALID and payload the master drives (AXI4 and AXI4-Lite).
MASTER_CHANNELS = ("aw", "w", "ar")


@dataclass(frozen=True)
class FlatSignal:
    """One signal of an AXI port under its flat name."""

    name: str  # e.g. m_axi_gmem_AWADDR
    sv_type: str  # its type in the package, e.g. axi_addr_t
    bundle: str  # "req" (the master drives it) or "rsp" (the master receives it)
    member: str  # where it sits in its bundle, e.g. "aw.addr", "aw_valid"


def flat_signals(
    prefix: str = GMEM_PREFIX, channels: dict[str, list[tuple[str, str]]] = AXI_CHANNELS
) -> list[FlatSignal]:
    """Every signal of an AXI port under its flat name, channel by channel in
    the order of *channels* (default: m_axi_gmem, :data:`AXI_CHANNELS`): VALID,
    READY, then the payload in struct order. A channel's VALID and payload are
    the master's (``req``) on :data:`MASTER_CHANNELS`, the slave's (``rsp``)
    otherwise; its READY the other side's."""
    signals = []
    for channel, fields in channels.items():
        source, sink = ("req", "rsp") if channel in MASTER_CHANNELS else ("rsp", "req")
        up = f"{prefix}_{channel.upper()}"
        signals += [
            FlatSignal(f"{up}VALID", "logic", source, f"{channel}_valid"),
            FlatSignal(f"{up}READY", "logic", sink, f"{channel}_ready"),
            *(FlatSignal(f"{up}{f.upper()}", t, source, f"{channel}.{f}") for f, t in fields),
        ]
    return signals


def control_signals() -> list[FlatSignal]:
    """s_axi_control's signals (:data:`CONTROL_CHANNELS`) under their flat names."""
    return flat_signals(CONTROL_PREFIX, CONTROL_CHANNELS)


def axi_gmem_flat_text() -> str:
    """``axi_gmem_flat.sv``: the request bundle (``req_i``) out on the flat
    ``m_axi_gmem_*`` outputs, the flat inputs into the response bundle
    (``rsp_o``). Wiring only; the kernel's boundary and the benches' adapter
    (tb/axi/axi_gmem_tb_port.sv) instantiate it."""
    signals = flat_signals()
    pad = max(len(s.sv_type) for s in signals)
    ports = ["  input  axi_req_t req_i", "  output axi_rsp_t rsp_o"]
    ports += [
        f"  {'output' if s.bundle == 'req' else 'input '} {s.sv_type:<{pad}} {s.name}"
        for s in signals
    ]
    name_pad = max(len(s.name) for s in signals)
    outs = [
        f"  assign {s.name:<{name_pad}} = req_i.{s.member};\n" for s in signals if s.bundle == "req"
    ]
    ins = [
        f"  assign rsp_o.{s.member:<{name_pad - 6}} = {s.name};\n"
        for s in signals
        if s.bundle == "rsp"
    ]
    return "".join(
        [
            "// Generated by hls/axi_port.py from AXI_CHANNELS and AXI_BUNDLES. Do not edit.\n",
            "//\n",
            f"// The AXI4 master port {GMEM_PREFIX} as Vitis HLS names it: the request\n",
            "// bundle (req_i, axi_req_t of the package) out on the flat outputs, the flat\n",
            "// inputs gathered into the response bundle (rsp_o, axi_rsp_t). Wiring only.\n",
            "module axi_gmem_flat\n",
            "  import edgemoe_cfg_pkg::*;\n",
            "(\n",
            ",\n".join(ports),
            "\n);\n\n",
            "  // Request: what the master drives.\n",
            *outs,
            "\n  // Response: what the master receives.\n",
            *ins,
            "\nendmodule : axi_gmem_flat\n",
        ]
    )

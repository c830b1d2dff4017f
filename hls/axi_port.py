"""The kernel's two AXI ports, defined once: the AXI4 master ``m_axi_gmem`` and
the AXI4-Lite control slave ``s_axi_control``. For each: its channels and
bundles as packed structs (``axi_typedefs``, ``control_typedefs``, written into
the package by ``hls.generate``), and the module that puts those structs on the
flat Vitis names (:func:`flat_module_text`: the generated ``axi_gmem_flat.sv``
and ``axi_control_flat.sv``), so the flat names exist only on the kernel's
boundary and in the benches' adapters generated from the same tables.

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
    "CONTROL_BUNDLES",
    "CONTROL_CHANNELS",
    "CONTROL_PORT",
    "CONTROL_PREFIX",
    "GMEM_PORT",
    "GMEM_PREFIX",
    "MASTER_CHANNELS",
    "VITIS_PORTS",
    "FlatSignal",
    "VitisPort",
    "axi_typedefs",
    "control_signals",
    "control_typedefs",
    "flat_module_text",
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
    these once, in the generated ``axi_gmem_flat`` (:func:`flat_module_text`)."""
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
    return lines + GMEM_PORT.typedefs()


#: The Vitis name of the kernel's one AXI4 master.
GMEM_PREFIX = "m_axi_gmem"
#: The Vitis name of the kernel's AXI4-Lite control slave.
CONTROL_PREFIX = "s_axi_control"

#: s_axi_control's channels (AXI4-Lite: 32-bit data, no IDs, bursts or LAST;
#: ``ctrl_addr_t`` has the ``CTRL_ADDR_W`` bits of hls/registers.py): (field, SV
#: type), as on the kernel's boundary (checked against rtl/edgemoe_kernel.sv by
#: hls/tests).
CONTROL_CHANNELS: dict[str, list[tuple[str, str]]] = {
    "aw": [("addr", "ctrl_addr_t")],
    "w": [("data", "logic [31:0]"), ("strb", "logic [3:0]")],
    "b": [("resp", "logic [1:0]")],
    "ar": [("addr", "ctrl_addr_t")],
    "r": [("data", "logic [31:0]"), ("resp", "logic [1:0]")],
}

#: s_axi_control's request (what the driver sends) and response bundles: the
#: members of AXI_BUNDLES, in their order, on the control port's channel structs.
CONTROL_BUNDLES: dict[str, list[tuple[str, str]]] = {
    bundle.replace("axi_", "ctrl_", 1): [(m, t.replace("axi_", "ctrl_", 1)) for m, t in members]
    for bundle, members in AXI_BUNDLES.items()
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


@dataclass(frozen=True)
class VitisPort:
    """One AXI port of the kernel's Vitis boundary: its flat names, its structs
    in the package, and the generated module between the two."""

    prefix: str  # flat-name prefix, e.g. m_axi_gmem
    types: str  # struct-name prefix: <types>_req_t, <types>_<ch>_chan_t
    channels: dict[str, list[tuple[str, str]]]
    bundles: dict[str, list[tuple[str, str]]]
    kernel_is_master: bool  # the kernel drives the requests (m_axi) or answers them (s_axi)

    @property
    def module(self) -> str:
        """The generated flat <-> struct module: ``axi_gmem_flat``, ``axi_control_flat``."""
        return f"{self.prefix.split('_', 1)[1]}_flat"

    @property
    def struct_ports(self) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
        """The module's two struct ports as (direction, type, name): the request
        comes in on a master's side (``req_i``) and goes out on a slave's (``req_o``)."""
        req, rsp = f"{self.types}_req_t", f"{self.types}_rsp_t"
        if self.kernel_is_master:
            return ("input", req, "req_i"), ("output", rsp, "rsp_o")
        return ("output", req, "req_o"), ("input", rsp, "rsp_i")

    def signals(self) -> list[FlatSignal]:
        """Every signal under its flat name (:func:`flat_signals`)."""
        return flat_signals(self.prefix, self.channels)

    def direction(self, signal: FlatSignal) -> str:
        """``input`` or ``output``: the flat signal's direction on the kernel."""
        return "output" if (signal.bundle == "req") == self.kernel_is_master else "input"

    def typedefs(self) -> list[str]:
        """One packed struct per channel (``<types>_<ch>_chan_t``), then the bundles."""
        lines = []
        for channel, members in self.channels.items():
            lines += sv_struct(f"{self.types}_{channel}_chan_t", members)
        for bundle, members in self.bundles.items():
            lines += sv_struct(bundle, members)
        return lines


#: m_axi_gmem: the kernel is the master (its requests go out on the flat names).
GMEM_PORT = VitisPort(GMEM_PREFIX, "axi", AXI_CHANNELS, AXI_BUNDLES, kernel_is_master=True)
#: s_axi_control: the kernel is the slave (requests come in on the flat names).
CONTROL_PORT = VitisPort(
    CONTROL_PREFIX, "ctrl", CONTROL_CHANNELS, CONTROL_BUNDLES, kernel_is_master=False
)
#: The kernel's AXI ports, each with its generated flat module.
VITIS_PORTS = (GMEM_PORT, CONTROL_PORT)


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
    return CONTROL_PORT.signals()


def control_typedefs() -> list[str]:
    """s_axi_control as packed structs (``ctrl_<ch>_chan_t``, ``ctrl_req_t`` /
    ``ctrl_rsp_t``), the port of ctrl_regs; ``axi_control_flat`` maps the flat
    names onto them (:func:`flat_module_text`)."""
    return [
        "  // AXI4-Lite control slave s_axi_control: channel structs, request/response.\n",
        "  typedef logic [CTRL_ADDR_W-1:0] ctrl_addr_t;\n",
        *CONTROL_PORT.typedefs(),
    ]


def flat_module_text(port: VitisPort) -> str:
    """The generated ``<port.module>.sv``: the port's structs on its flat Vitis
    names, wiring only. On a master port (m_axi_gmem) the request bundle
    (``req_i``) goes out on the flat outputs and the flat inputs are gathered
    into the response (``rsp_o``); on a slave port (s_axi_control) the flat
    inputs are gathered into the request (``req_o``) and the response
    (``rsp_i``) goes out. The kernel's boundary and the benches' adapters
    (tb.components.axi.tb_port) instantiate it."""
    signals = port.signals()
    (req_dir, req_t, req), (rsp_dir, rsp_t, rsp) = port.struct_ports
    pad = max(len(s.sv_type) for s in signals)
    ports = [f"  {req_dir:<6} {req_t} {req}", f"  {rsp_dir:<6} {rsp_t} {rsp}"]
    ports += [f"  {port.direction(s):<6} {s.sv_type:<{pad}} {s.name}" for s in signals]
    name_pad = max(len(s.name) for s in signals)
    assigns = {"req": [], "rsp": []}
    for s in signals:
        struct = f"{req if s.bundle == 'req' else rsp}.{s.member}"
        if port.direction(s) == "output":
            assigns[s.bundle].append(f"  assign {s.name:<{name_pad}} = {struct};\n")
        else:
            assigns[s.bundle].append(f"  assign {struct:<{name_pad}} = {s.name};\n")
    role = "master" if port.kernel_is_master else "slave"
    return "".join(
        [
            "// Generated by hls/axi_port.py from its port tables. Do not edit.\n",
            "//\n",
            f"// The AXI {role} port {port.prefix} as Vitis HLS names it, on the package's\n",
            f"// {req_t} / {rsp_t}. Wiring only.\n",
            f"module {port.module}\n",
            "  import edgemoe_cfg_pkg::*;\n",
            "(\n",
            ",\n".join(ports),
            "\n);\n\n",
            "  // Request: what the master drives.\n",
            *assigns["req"],
            "\n  // Response: what the master receives.\n",
            *assigns["rsp"],
            f"\nendmodule : {port.module}\n",
        ]
    )

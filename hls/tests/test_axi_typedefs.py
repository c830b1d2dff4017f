"""The generated AXI structs (axi_req_t, axi_rsp_t and their channels; ctrl_req_t,
ctrl_rsp_t of the AXI4-Lite control slave) have the layout of the ports the
configuration describes, and the generated flat modules map every member.

The package text is parsed on its own terms (localparams, typedefs, packed
structs: the first member is the most significant), and every member's bit
offset and width is compared with a layout written here from the AXI4
specification and the configuration's data width.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from golden.config import CONFIG_NAMES, load_config
from hls.axi_port import (
    VITIS_PORTS,
    control_signals,
    flat_module_text,
    flat_signals,
)
from hls.generate import generate

#: The kernel top, whose Vitis boundary the port tables must match.
KERNEL_TOP = Path(__file__).resolve().parents[2] / "rtl" / "edgemoe_kernel.sv"

_LOCALPARAM = re.compile(r"localparam int (\w+) = (-?\d+);")
_VECTOR = re.compile(r"typedef logic \[(\w+)-1:0\]\s+(\w+);")
_STRUCT = re.compile(r"typedef struct packed \{(.*?)\}\s*(\w+);", re.S)
_MEMBER = re.compile(r"^\s*(logic(?: \[(\w+):0\])?|\w+)\s+(\w+);", re.M)


def _layouts(text: str) -> tuple[dict[str, int], dict[str, list[tuple[str, int, int]]]]:
    """Widths of the package's types, and each struct's members as
    (name, offset of the lowest bit, width), most significant first."""
    params = {name: int(value) for name, value in _LOCALPARAM.findall(text)}
    widths = {name: params[bound] for bound, name in _VECTOR.findall(text)}
    structs: dict[str, list[tuple[str, int, int]]] = {}
    for body, name in _STRUCT.findall(text):
        members = []
        for sv_type, msb, member in _MEMBER.findall(body):
            if sv_type.startswith("logic"):
                width = int(msb) + 1 if msb else 1
            else:
                width = widths[sv_type]
            members.append((member, width))
        total = sum(w for _, w in members)
        widths[name] = total
        offset, layout = total, []
        for member, width in members:
            offset -= width
            layout.append((member, offset, width))
        structs[name] = layout
    return widths, structs


def _expected_control(addr_w: int) -> dict[str, list[tuple[str, int]]]:
    """AXI4-Lite (IHI 0022, without PROT) with 32-bit data and the register
    map's address width; the bundles in the member order of the AXI4 ones."""
    channels = {
        "ctrl_aw_chan_t": [("addr", addr_w)],
        "ctrl_w_chan_t": [("data", 32), ("strb", 4)],
        "ctrl_b_chan_t": [("resp", 2)],
        "ctrl_ar_chan_t": [("addr", addr_w)],
        "ctrl_r_chan_t": [("data", 32), ("resp", 2)],
    }
    return channels | {
        "ctrl_req_t": [("aw", addr_w), ("aw_valid", 1), ("w", 36), ("w_valid", 1),
                       ("b_ready", 1), ("ar", addr_w), ("ar_valid", 1), ("r_ready", 1)],
        "ctrl_rsp_t": [("aw_ready", 1), ("ar_ready", 1), ("w_ready", 1), ("b_valid", 1),
                       ("b", 2), ("r_valid", 1), ("r", 34)],
    }  # fmt: skip


def _expected(cfg) -> dict[str, list[tuple[str, int]]]:
    """AXI4 (IHI 0022, without ATOP and USER) with 64-bit addresses, one ID bit,
    8-bit AxLEN and the configuration's data width; members most significant
    first, in pulp-platform/axi's order."""
    data = cfg.axi_data_width
    address = [("id", 1), ("addr", 64), ("len", 8), ("size", 3), ("burst", 2), ("lock", 1),
               ("cache", 4), ("prot", 3), ("qos", 4), ("region", 4)]  # fmt: skip
    channels = {
        "axi_aw_chan_t": address,
        "axi_w_chan_t": [("data", data), ("strb", data // 8), ("last", 1)],
        "axi_b_chan_t": [("id", 1), ("resp", 2)],
        "axi_ar_chan_t": address,
        "axi_r_chan_t": [("id", 1), ("data", data), ("resp", 2), ("last", 1)],
    }
    ax = sum(w for _, w in address)

    def width(name):
        return sum(w for _, w in channels[name])

    return channels | {
        "axi_req_t": [("aw", ax), ("aw_valid", 1), ("w", width("axi_w_chan_t")), ("w_valid", 1),
                      ("b_ready", 1), ("ar", ax), ("ar_valid", 1), ("r_ready", 1)],
        "axi_rsp_t": [("aw_ready", 1), ("ar_ready", 1), ("w_ready", 1), ("b_valid", 1),
                      ("b", width("axi_b_chan_t")), ("r_valid", 1), ("r", width("axi_r_chan_t"))],
    }  # fmt: skip


@pytest.fixture(scope="module", params=CONFIG_NAMES)
def package(request, tmp_path_factory):
    cfg = load_config(request.param)
    return cfg, generate(cfg, tmp_path_factory.mktemp(cfg.name)).package.read_text()


def test_axi_struct_layout(package):
    """Every member of every AXI4 and AXI4-Lite struct at its bit offset, with its width."""
    cfg, text = package
    _, structs = _layouts(text)
    params = {name: int(value) for name, value in _LOCALPARAM.findall(text)}
    expected = _expected(cfg) | _expected_control(params["CTRL_ADDR_W"])
    for name, members in expected.items():
        offset, expected = sum(w for _, w in members), []
        for member, width in members:
            offset -= width
            expected.append((member, offset, width))
        assert structs.get(name) == expected, name


def test_axi_widths(package):
    """The port's widths as the package states them, and the bundles' sizes."""
    cfg, text = package
    params = {name: int(value) for name, value in _LOCALPARAM.findall(text)}
    data = cfg.axi_data_width
    assert (params["AXI_DATA_W"], params["AXI_STRB_W"]) == (data, data // 8)
    assert (params["AXI_ADDR_W"], params["AXI_ID_W"], params["AXI_LEN_W"]) == (64, 1, 8)
    widths, _ = _layouts(text)
    # AW and AR: 94 bits each; W: data + strobe + last; B: ID + resp; R: ID +
    # data + resp + last; handshakes: 5 in the request, 5 in the response.
    assert widths["axi_req_t"] == 2 * 94 + (data + data // 8 + 1) + 5
    assert widths["axi_rsp_t"] == (1 + 2) + (1 + data + 2 + 1) + 5


@pytest.mark.parametrize("port", VITIS_PORTS, ids=lambda p: p.prefix)
def test_flat_signals_cover_every_bundle_member_once(port):
    """The flat port carries each leaf of its request / response bundle exactly
    once, in the bundle that holds it, under a name no other signal has."""
    signals = port.signals()
    assert len({s.name for s in signals}) == len(signals)
    leaves = {"req": set(), "rsp": set()}
    for bundle, members in port.bundles.items():
        side = "req" if bundle.endswith("_req_t") else "rsp"
        for member, sv_type in members:
            if sv_type.endswith("_chan_t"):
                channel = sv_type.removeprefix(f"{port.types}_").removesuffix("_chan_t")
                leaves[side] |= {f"{member}.{field}" for field, _ in port.channels[channel]}
            else:
                leaves[side].add(member)
    for side in ("req", "rsp"):
        assert sorted(s.member for s in signals if s.bundle == side) == sorted(leaves[side])


@pytest.mark.parametrize(
    "signals, master_side",
    [(flat_signals(), "output"), (control_signals(), "input")],
    ids=["m_axi_gmem", "s_axi_control"],
)
def test_flat_port_matches_the_kernel_boundary(signals, master_side):
    """The flat names of the tables (the generated axi_gmem_flat, the generated
    fast-path top's control ports) and the kernel top (rtl/edgemoe_kernel.sv,
    the Vitis boundary) name the same ports with the same directions: the
    kernel is the master of m_axi_gmem and the slave of s_axi_control."""
    text = KERNEL_TOP.read_text()
    prefix = signals[0].name.rsplit("_", 1)[0]
    kernel = {
        name: direction
        for direction, name in re.findall(
            rf"^\s*(input|output)\s+logic\b[^,\n]*?\b({prefix}_\w+)", text, re.M
        )
    }
    slave_side = "input" if master_side == "output" else "output"
    table = {s.name: master_side if s.bundle == "req" else slave_side for s in signals}
    assert kernel == table


@pytest.mark.parametrize("port", VITIS_PORTS, ids=lambda p: p.prefix)
def test_flat_module_assigns_every_signal(port):
    """In the generated axi_gmem_flat (the kernel masters m_axi_gmem) each flat
    output is assigned from req_i and each flat input into rsp_o; in
    axi_control_flat (the kernel answers s_axi_control) each flat input goes into
    req_o and each flat output comes from rsp_i. Once each."""
    text = flat_module_text(port)
    (_, _, req), (_, _, rsp) = port.struct_ports
    assert (req, rsp) == (("req_i", "rsp_o") if port.kernel_is_master else ("req_o", "rsp_i"))
    for s in port.signals():
        struct = re.escape(f"{req if s.bundle == 'req' else rsp}.{s.member}")
        if port.direction(s) == "output":
            pattern = rf"assign {s.name}\s+= {struct};"
        else:
            pattern = rf"assign {struct}\s+= {s.name};"
        assert len(re.findall(pattern, text)) == 1, s.name
        assert len(re.findall(rf"^\s+{port.direction(s)}\s.*\b{s.name}\b", text, re.M)) == 1

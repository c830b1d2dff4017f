"""Generate the RTL's view of a configuration: a SystemVerilog package, ROM files
and the RTL modules that are pure wiring from a table.

``python -m hls.generate --config tiny --out build/gen/tiny`` writes

* ``edgemoe_cfg_pkg.sv``: package ``edgemoe_cfg_pkg`` with every size, every
  fixed-point format (``<CLASS>_W``, ``<CLASS>_FRAC``, ``<CLASS>_SIGNED``) and
  every approximation parameter (``<TABLE>_<FIELD>``) of the configuration as
  localparams: the RTL's only source of them;
* every value derived from them (lane bytes, row beats, the linear engine's
  largest K, index and word widths, the approximation units' shifts and
  widths; see :mod:`hls.geometry`), computed once;
* the engine memory port's request and response types (``engine_mem_req_t``,
  ``engine_mem_rsp_t``, packed structs of ``AXI_DATA_W``-bit beats; see
  :func:`engine_mem_typedefs`), the one definition every engine and the kernel
  use, and the job every engine takes (``engine_job_t``; see
  :func:`engine_job_typedefs`);
* the AXI4 master port ``m_axi_gmem`` as packed structs (per-channel
  ``axi_aw_chan_t`` .. ``axi_r_chan_t`` and the ``axi_req_t`` / ``axi_rsp_t``
  bundles, in the style of pulp-platform/axi's ``typedef.svh``; see
  :func:`hls.axi_port.axi_typedefs`), which the DMA masters and the kernel use,
  and the AXI4-Lite control slave ``s_axi_control`` likewise (``ctrl_req_t`` /
  ``ctrl_rsp_t``, the port of ctrl_regs; :func:`hls.axi_port.control_typedefs`);
* ``axi_gmem_flat.sv`` and ``axi_control_flat.sv`` (``GENERATED_MODULES``):
  those ports on their flat Vitis names (``m_axi_gmem_AWVALID``,
  ``s_axi_control_AWADDR``, ...), every name and width following from the same
  tables (:func:`hls.axi_port.flat_module_text`);
* one ``$readmemh`` file per ROM (``ROMS``), named in the package as
  ``<TABLE>_ROM_FILE``.

Everything is enumerated from the configuration's dataclasses, so a field
added in ``golden/config.py`` reaches the RTL without an edit here.  Files are
only rewritten when their content changes, so Verilator builds that depend on
them are not invalidated needlessly.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import partial
from pathlib import Path

import numpy as np

from golden.approx.tables import (
    exp2_neg_table,
    gelu_delta_table,
    log2e_constant,
    recip_table,
    rsqrt_table,
)
from golden.config import ALL_CONFIG_NAMES, KernelConfig, load_config
from golden.fixed import Overflow, Quant
from golden.layernorm import eps_raw
from hls.axi_port import VITIS_PORTS, axi_typedefs, control_typedefs, flat_module_text
from hls.geometry import sv_geometry_lines
from hls.program import sv_package_lines
from hls.registers import REGISTER_MAP, sv_localparams
from hls.sv_text import sv_int, sv_struct, write_if_changed

__all__ = [
    "ENGINE_JOB_FIELDS",
    "GENERATED_MODULES",
    "PACKAGE_NAME",
    "ROMS",
    "GeneratedFiles",
    "ctrl_args_fields",
    "generate",
    "package_text",
    "rom_hex_text",
]

PACKAGE_NAME = "edgemoe_cfg_pkg"

#: RTL modules written from tables rather than by hand (wiring whose every line
#: follows from a table), by module name: their text.
GENERATED_MODULES: dict[str, Callable[[], str]] = {
    port.module: partial(flat_module_text, port) for port in VITIS_PORTS
}


@dataclass(frozen=True)
class Rom:
    """A ROM of the kernel: its table function and the width of one entry."""

    config_field: str  # the KernelConfig field holding the table's parameters
    table: Callable[[object], np.ndarray]
    entry_bits: Callable[[object], int]


ROMS: dict[str, Rom] = {
    "gelu_delta": Rom("gelu", gelu_delta_table, lambda g: g.table_bits),
    "exp2_neg": Rom("exp", exp2_neg_table, lambda e: e.entry_bits),
    "recip": Rom("recip", recip_table, lambda r: r.entry_bits),
    "rsqrt": Rom("rsqrt", rsqrt_table, lambda r: r.entry_bits),
}

# Model sizes, with the package name each gets.
_SIZES = {
    "DIM": "dim", "HEADS": "heads", "HEAD_DIM": "head_dim", "TOKENS": "tokens",
    "LAYERS": "layers", "MLP_HIDDEN": "mlp_hidden", "EXPERT_HIDDEN": "expert_hidden",
    "EXPERTS": "experts", "TOP_K": "top_k", "TASKS": "tasks", "ATTN_P": "attn_parallel",
    "AXI_DATA_W": "axi_data_width", "ATTN_SCALE_LOG2": "attn_scale_log2",
    "CHANNELS": "channels", "PATCH": "patch", "PATCHES": "patches",
}  # fmt: skip


@dataclass(frozen=True)
class GeneratedFiles:
    package: Path
    roms: dict[str, Path]
    modules: dict[str, Path]  # generated RTL modules by name (GENERATED_MODULES)

    @property
    def gelu_rom(self) -> Path:
        return self.roms["gelu_delta"]


def rom_hex_text(entries: np.ndarray, bits: int) -> str:
    """``$readmemh`` text: one zero-padded hexadecimal entry per line."""
    digits = (bits + 3) // 4
    if entries.size and (entries.min() < 0 or entries.max() >= 1 << bits):
        raise ValueError(f"ROM entries do not fit {bits} unsigned bits")
    return "".join(f"{int(v):0{digits}x}\n" for v in entries)


def engine_mem_typedefs() -> list[str]:
    """The engine memory port (rtl/*_engine.sv, muxed onto the AXI masters by
    rtl/engine_mem_mux.sv), as a request/response pair of packed structs in the
    style of OpenTitan's tlul_pkg: the request holds what the engine drives
    (read and write commands, read-data ready, write beats), the response what it
    receives (command readies, read beats, write-data ready). Beats are
    ``AXI_DATA_W`` bits; a command is (byte address, beats)."""
    return [
        "  // Engine memory port: what an engine drives (request) and receives (response).\n",
        "  typedef struct packed {\n",
        "    logic                  rd_cmd_valid;  // read command: beats from rd_cmd_addr\n",
        "    logic [63:0]           rd_cmd_addr;\n",
        "    logic [31:0]           rd_cmd_beats;\n",
        "    logic                  rd_ready;      // read data taken\n",
        "    logic                  wr_cmd_valid;  // write command: beats to wr_cmd_addr\n",
        "    logic [63:0]           wr_cmd_addr;\n",
        "    logic [31:0]           wr_cmd_beats;\n",
        "    logic                  wr_valid;      // write data beat\n",
        "    logic [AXI_DATA_W-1:0] wr_data;\n",
        "  } engine_mem_req_t;\n",
        "  typedef struct packed {\n",
        "    logic                  rd_cmd_ready;\n",
        "    logic                  rd_valid;      // read data beat\n",
        "    logic [AXI_DATA_W-1:0] rd_data;\n",
        "    logic                  wr_cmd_ready;\n",
        "    logic                  wr_ready;\n",
        "  } engine_mem_rsp_t;\n",
    ]


#: The job every engine takes (``engine_job_t``, with ``job_valid_i`` /
#: ``job_ready_o`` / ``done_o``; rtl/engine_port.sv): a stage descriptor of
#: hls/program.py as the sequencer resolves it, most significant field first as
#: (name, bits). a..d are the inputs' and y the output's byte address (what each
#: input is, the engine says: its op's operands in hls/program.py), tokens, k and
#: m the sizes, gelu and bias_alt the linear flags, patch the PATCH_EMBED op on
#: the linear engine. An engine reads the fields its op uses.
ENGINE_JOB_FIELDS: list[tuple[str, int]] = [
    ("a", 64), ("b", 64), ("c", 64), ("d", 64), ("y", 64),
    ("tokens", 16), ("k", 16), ("m", 16),
    ("gelu", 1), ("bias_alt", 1), ("patch", 1),
]  # fmt: skip


def engine_job_typedefs() -> list[str]:
    """The engine job as a packed struct (:data:`ENGINE_JOB_FIELDS`)."""
    members = [(name, "logic" if bits == 1 else f"logic [{bits - 1}:0]")
               for name, bits in ENGINE_JOB_FIELDS]  # fmt: skip
    return [
        "  // Engine job: the resolved stage descriptor every engine takes.\n",
        *sv_struct("engine_job_t", members),
    ]


def engine_side_typedefs() -> list[str]:
    """What an engine and its engine_port (rtl/engine_port.sv) exchange, as two
    packed structs, so that every engine has the same four ports (clock, reset,
    ``port_i``, ``port_o``) and engine_slot wires one engine_port to any engine.
    ``engine_req_t`` (engine -> engine_port): the job's write beats (read at the
    take), read commands and read-data ready (straight to the memory port), the
    write command the engine asks for and its data beats. ``engine_rsp_t``
    (engine_port -> engine): the job and its take, busy, the done pulse, the open
    write command, and the memory port's responses the engine uses."""
    req = [
        ("job_beats", "logic [31:0]"),  # write beats of the whole job
        ("rd_cmd_valid", "logic"), ("rd_cmd_addr", "logic [63:0]"),
        ("rd_cmd_beats", "logic [31:0]"), ("rd_ready", "logic"),
        ("wr_req", "logic"), ("wr_req_addr", "logic [63:0]"), ("wr_req_beats", "logic [31:0]"),
        ("wr_valid", "logic"), ("wr_data", "logic [AXI_DATA_W-1:0]"), ("wr_last", "logic"),
    ]  # fmt: skip
    rsp = [
        ("job", "engine_job_t"), ("take", "logic"), ("busy", "logic"), ("done", "logic"),
        ("wr_open", "logic"),
        ("rd_cmd_ready", "logic"), ("rd_valid", "logic"), ("rd_data", "logic [AXI_DATA_W-1:0]"),
        ("wr_ready", "logic"),
    ]  # fmt: skip
    return [
        "  // Engine side of engine_port: what an engine drives (req) and receives (rsp).\n",
        *sv_struct("engine_req_t", req),
        *sv_struct("engine_rsp_t", rsp),
    ]


def _sections(cfg: KernelConfig, roms: dict[str, Path]) -> list[str]:
    lines = [sv_int(name, getattr(cfg, attr), attr) for name, attr in _SIZES.items()]
    lines += [
        sv_int("TILE_ROWS", cfg.linear_tile[0], "linear tile: output rows"),
        sv_int("TILE_COLS", cfg.linear_tile[1], "linear tile: input columns"),
        sv_int("IMAGE_H", cfg.image_hw[0], "image height (pixels)"),
        sv_int("IMAGE_W", cfg.image_hw[1], "image width (pixels)"),
    ]
    for f in fields(cfg.formats):
        fmt = getattr(cfg.formats, f.name)
        name = f.name.upper()
        lines += [
            sv_int(f"{name}_W", fmt.width, str(fmt)),
            sv_int(f"{name}_FRAC", fmt.frac_bits, f"{f.name} fraction bits"),
            sv_int(f"{name}_SIGNED", int(fmt.signed), f"{f.name} is signed"),
            sv_int(
                f"{name}_RND", int(fmt.quant is Quant.RND), f"1: {f.name} rounds half up (AP_RND)"
            ),
            sv_int(
                f"{name}_SAT", int(fmt.overflow is Overflow.SAT), f"1: {f.name} saturates (AP_SAT)"
            ),
        ]
    for rom_name, rom in ROMS.items():
        params = getattr(cfg, rom.config_field)
        prefix = rom.config_field.upper()
        for f in fields(params):
            lines.append(sv_int(f"{prefix}_{f.name.upper()}", getattr(params, f.name), f.name))
        lines += [
            sv_int(f"{prefix}_ENTRIES", len(rom.table(params)), f"{rom_name} ROM depth"),
            sv_int(f"{prefix}_ENTRY_W", rom.entry_bits(params), f"{rom_name} ROM entry bits"),
            f'  localparam string {prefix}_ROM_FILE = "{roms[rom_name].resolve()}";\n',
        ]
    lines.append(
        f"  localparam longint unsigned LN_EPS_RAW = 64'd{eps_raw(cfg)};  "
        f"// LayerNorm eps {cfg.ln_eps:g} in ln_var\n"
    )
    log2e = log2e_constant(cfg.exp)
    lines.append(
        f"  localparam logic [{cfg.exp.log2e_bits}:0] EXP_LOG2E = "
        f"{cfg.exp.log2e_bits + 1}'h{log2e:x};  // log2(e), {cfg.exp.log2e_bits} fraction bits\n"
    )
    lines += sv_localparams(cfg)  # s_axi_control map (hls/registers.py)
    lines += sv_package_lines(cfg)  # the stage program (hls/program.py)
    lines += sv_geometry_lines(cfg)  # derived values (hls/geometry.py)
    lines += engine_mem_typedefs()
    lines += engine_job_typedefs()
    lines += engine_side_typedefs()
    lines += axi_typedefs(cfg)  # m_axi_gmem (hls/axi_port.py)
    lines += control_typedefs()  # s_axi_control (hls/axi_port.py)
    lines += ctrl_args_typedef()  # the arguments ctrl_regs holds (hls/registers.py)
    return lines


# --- the kernel's arguments ----------------------------------------------------


def ctrl_args_fields() -> list[tuple[str, str, int]]:
    """Members of ``ctrl_args_t`` as (register, member, bits), most significant
    first: the arguments (read/write registers) of
    :data:`hls.registers.REGISTER_MAP`, in register order. A pointer's member is
    ``<name>_ptr`` (``output`` alone is a SystemVerilog keyword)."""
    return [
        (r.name, f"{r.name}_ptr" if r.kind == "ptr64" else r.name, r.bits)
        for r in REGISTER_MAP
        if r.access == "rw"
    ]


def ctrl_args_typedef() -> list[str]:
    """``ctrl_args_t``: the kernel's arguments as one packed struct, the bundle
    ctrl_regs holds, kernel_sequencer samples at ap_start and arg_check checks
    (so their argument ports are written once, here)."""
    members = [(member, f"logic [{bits - 1}:0]") for _, member, bits in ctrl_args_fields()]
    return [
        "  // The kernel's arguments (the read/write registers of s_axi_control).\n",
        *sv_struct("ctrl_args_t", members),
    ]


def package_text(cfg: KernelConfig, roms: dict[str, Path]) -> str:
    return "".join(
        [
            f"// Generated by hls/generate.py from configuration '{cfg.name}'. Do not edit.\n",
            f"package {PACKAGE_NAME};\n",
            *_sections(cfg, roms),
            f"endpackage : {PACKAGE_NAME}\n",
        ]
    )


def generate(cfg: KernelConfig, out_dir: Path) -> GeneratedFiles:
    """Write the package and ROM files of ``cfg`` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    roms = {}
    for name, rom in ROMS.items():
        params = getattr(cfg, rom.config_field)
        text = rom_hex_text(rom.table(params), rom.entry_bits(params))
        roms[name] = write_if_changed(out_dir / f"{name}.hex", text)
    pkg = write_if_changed(out_dir / f"{PACKAGE_NAME}.sv", package_text(cfg, roms))
    modules = {
        name: write_if_changed(out_dir / f"{name}.sv", text())
        for name, text in GENERATED_MODULES.items()
    }
    return GeneratedFiles(package=pkg, roms=roms, modules=modules)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", choices=ALL_CONFIG_NAMES, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    files = generate(load_config(args.config), args.out)
    print(files.package)
    for path in [*files.modules.values(), *files.roms.values()]:
        print(path)


if __name__ == "__main__":
    main()

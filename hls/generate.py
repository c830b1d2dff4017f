"""Generate the RTL's view of a configuration: a SystemVerilog package and ROM files.

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
  use;
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
from hls.geometry import sv_geometry_lines
from hls.program import sv_package_lines
from hls.registers import sv_localparams

__all__ = ["PACKAGE_NAME", "ROMS", "GeneratedFiles", "generate", "package_text", "rom_hex_text"]

PACKAGE_NAME = "edgemoe_cfg_pkg"


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

    @property
    def gelu_rom(self) -> Path:
        return self.roms["gelu_delta"]


def rom_hex_text(entries: np.ndarray, bits: int) -> str:
    """``$readmemh`` text: one zero-padded hexadecimal entry per line."""
    digits = (bits + 3) // 4
    if entries.size and (entries.min() < 0 or entries.max() >= 1 << bits):
        raise ValueError(f"ROM entries do not fit {bits} unsigned bits")
    return "".join(f"{int(v):0{digits}x}\n" for v in entries)


def _int(name: str, value: int, comment: str) -> str:
    return f"  localparam int {name} = {int(value)};  // {comment}\n"


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


def _sections(cfg: KernelConfig, roms: dict[str, Path]) -> list[str]:
    lines = [_int(name, getattr(cfg, attr), attr) for name, attr in _SIZES.items()]
    lines += [
        _int("TILE_ROWS", cfg.linear_tile[0], "linear tile: output rows"),
        _int("TILE_COLS", cfg.linear_tile[1], "linear tile: input columns"),
        _int("IMAGE_H", cfg.image_hw[0], "image height (pixels)"),
        _int("IMAGE_W", cfg.image_hw[1], "image width (pixels)"),
    ]
    for f in fields(cfg.formats):
        fmt = getattr(cfg.formats, f.name)
        name = f.name.upper()
        lines += [
            _int(f"{name}_W", fmt.width, str(fmt)),
            _int(f"{name}_FRAC", fmt.frac_bits, f"{f.name} fraction bits"),
            _int(f"{name}_SIGNED", int(fmt.signed), f"{f.name} is signed"),
            _int(
                f"{name}_RND", int(fmt.quant is Quant.RND), f"1: {f.name} rounds half up (AP_RND)"
            ),
            _int(
                f"{name}_SAT", int(fmt.overflow is Overflow.SAT), f"1: {f.name} saturates (AP_SAT)"
            ),
        ]
    for rom_name, rom in ROMS.items():
        params = getattr(cfg, rom.config_field)
        prefix = rom.config_field.upper()
        for f in fields(params):
            lines.append(_int(f"{prefix}_{f.name.upper()}", getattr(params, f.name), f.name))
        lines += [
            _int(f"{prefix}_ENTRIES", len(rom.table(params)), f"{rom_name} ROM depth"),
            _int(f"{prefix}_ENTRY_W", rom.entry_bits(params), f"{rom_name} ROM entry bits"),
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
    return lines


def package_text(cfg: KernelConfig, roms: dict[str, Path]) -> str:
    return "".join(
        [
            f"// Generated by hls/generate.py from configuration '{cfg.name}'. Do not edit.\n",
            f"package {PACKAGE_NAME};\n",
            *_sections(cfg, roms),
            f"endpackage : {PACKAGE_NAME}\n",
        ]
    )


def _write_if_changed(path: Path, text: str) -> Path:
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


def generate(cfg: KernelConfig, out_dir: Path) -> GeneratedFiles:
    """Write the package and ROM files of ``cfg`` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    roms = {}
    for name, rom in ROMS.items():
        params = getattr(cfg, rom.config_field)
        text = rom_hex_text(rom.table(params), rom.entry_bits(params))
        roms[name] = _write_if_changed(out_dir / f"{name}.hex", text)
    pkg = _write_if_changed(out_dir / f"{PACKAGE_NAME}.sv", package_text(cfg, roms))
    return GeneratedFiles(package=pkg, roms=roms)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", choices=ALL_CONFIG_NAMES, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    files = generate(load_config(args.config), args.out)
    print(files.package)
    for path in files.roms.values():
        print(path)


if __name__ == "__main__":
    main()

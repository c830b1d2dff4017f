"""Your own kernel: the description of a design the kernel bench runs (``--design``).

A design is a TOML file (docs/your_design.md walks through it)::

    top = "my_kernel"                 # the top module
    files = "files.f"                 # a list file (one path a line), or ["a.v", "b.sv"]
    header = "xmy_kernel_hw.h"        # the register map Vitis wrote for the kernel
    config = "tiny_dense"             # the golden configuration (and memory map) it implements
    stages = ["patch_embed", "layer0.attn", "all"]   # optional: the stop_after runs

    [ports]        # optional; Vitis names by default
    clock = "ap_clk"
    reset_n = "ap_rst_n"
    interrupt = "interrupt"
    control = "s_axi_control"         # the AXI4-Lite slave's prefix
    memory = "m_axi_gmem"             # the AXI4 master's prefix

    [registers]    # optional: the bench's argument -> the header's name, where they differ
    image = "img"

    [parameters]   # optional: parameters of the top module
    C_M_AXI_GMEM_DATA_WIDTH = 64

Paths are relative to the TOML file's folder; the paths in a list file relative
to the list file's folder. :func:`load_design` checks all of it without building
anything, and every fault is one line naming the file (:class:`DesignError`).

``python -m tb.kernel.design check path/to/design.toml`` prints what the bench
will run; ``python -m tb.kernel.design write-own`` rewrites the repository's own
design (:data:`OWN_DESIGN`: our kernel's file list from ``ci.rtl_sources`` and
its header from ``hls.vitis_header``).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ci.rtl_sources import REPO_ROOT, declared_modules, rtl_closure, strip_comments
from golden.config import ALL_CONFIG_NAMES, ConfigError, KernelConfig, did_you_mean, load_config
from hls.registers import STOP_ALL, Register, stop_after_stages
from hls.vitis_header import header_name, vitis_header_text
from tb.components.axi.control import register_map_from_vitis_header

__all__ = [
    "OWN_DESIGN",
    "VITIS_PORTS",
    "Design",
    "DesignError",
    "Ports",
    "load_design",
    "stage_label",
]

#: The repository's own kernel, described as a user would describe theirs.
OWN_DESIGN = REPO_ROOT / "designs" / "edgemoe_kernel" / "design.toml"
OWN_FILE_LIST = "files.f"


class DesignError(ValueError):
    """A design description that cannot be run; the message is one line naming the file."""


#: The sequencer's stage signals that the stage monitor watches (tb/kernel/env.py).
#: A design without a ``kernel_sequencer`` module builds with them too (Verilator
#: skips a rule for a module that is not there), so our own design and the kernel
#: bench are one build.
STAGE_MONITOR = ("kernel_sequencer:stage_done_o", "kernel_sequencer:stage_idx_o",
                 "kernel_sequencer:image_idx_o")  # fmt: skip


@dataclass(frozen=True)
class Ports:
    """Port names of the top: clock, active-low reset, interrupt, and the prefixes of
    the AXI4-Lite control slave and of the AXI4 memory master."""

    clock: str = "ap_clk"
    reset_n: str = "ap_rst_n"
    interrupt: str = "interrupt"
    control: str = "s_axi_control"
    memory: str = "m_axi_gmem"

    def required(self) -> list[tuple[str, str]]:
        """(port, which key names it) for every port the bench drives or watches."""
        out = [(self.clock, "clock"), (self.reset_n, "reset_n"), (self.interrupt, "interrupt")]
        for ch in ("AWVALID", "WDATA", "BVALID", "ARVALID", "RDATA"):
            out.append((f"{self.control}_{ch}", "control"))
        for ch in ("AWVALID", "WDATA", "BVALID", "ARVALID", "RDATA", "RLAST"):
            out.append((f"{self.memory}_{ch}", "memory"))
        return out

    def public(self) -> tuple[str, ...]:
        """What the bench touches (``tb.simbuild.build(public=...)``): these ports and
        the stage monitor's signals. Nothing else is public: a fully public kernel
        is a model 2.3 times the size, slower to compile and to simulate."""
        ports = (self.clock, self.reset_n, self.interrupt, f"{self.control}_*", f"{self.memory}_*")
        return (*ports, *STAGE_MONITOR)


#: The names Vitis HLS gives an ap_ctrl_hs kernel's ports.
VITIS_PORTS = Ports()

#: The arguments the bench writes: (name, kind); the pointers are the memory map's spaces.
REQUIRED_ARGS = (("image", "ptr64"), ("weights", "ptr64"), ("output", "ptr64"))
#: Arguments the bench writes when the header has them.
OPTIONAL_ARGS = (("scratch", "ptr64"), ("task_id", "u32"), ("num_images", "u32"),
                 ("stop_after", "u32"))  # fmt: skip
#: Read-only registers the bench reads when the header has them.
OPTIONAL_OUTPUTS = ("status", "cycles")

_KEYS = ("name", "top", "files", "header", "config", "stages", "ports", "registers", "parameters")
_REQUIRED_KEYS = ("top", "files", "header", "config")


@dataclass(frozen=True)
class Design:
    """A loaded, checked design (see the module docstring)."""

    path: Path
    name: str
    top: str
    files: tuple[Path, ...]
    header: Path
    config: str
    #: The register map, under the bench's argument names (``[registers]`` applied).
    registers: tuple[Register, ...]
    #: The stop_after values to run, in order (``STOP_ALL``: one full run).
    stops: tuple[int, ...]
    ports: Ports = VITIS_PORTS
    parameters: Mapping[str, object] = field(default_factory=dict)

    @property
    def has_stop_after(self) -> bool:
        return any(r.name == "stop_after" for r in self.registers)

    def kernel_config(self) -> KernelConfig:
        return load_config(self.config)


def _fail(path: Path, message: str) -> DesignError:
    return DesignError(f"design {_shown(path)}: {message}")


def _shown(path: Path) -> str:
    """A path as short as it reads well: relative to the working folder when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _read_file_list(path: Path, list_file: Path) -> list[Path]:
    if not list_file.is_file():
        raise _fail(path, f"file list {_shown(list_file)} does not exist")
    out = []
    for number, line in enumerate(list_file.read_text().splitlines(), 1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        file = (list_file.parent / entry).resolve()
        if not file.is_file():
            raise _fail(path, f"{list_file.name} line {number}: {entry} does not exist "
                              f"(paths are relative to {_shown(list_file.parent)})")  # fmt: skip
        out.append(file)
    return out


def _files(path: Path, value) -> list[Path]:
    if isinstance(value, str):
        files = _read_file_list(path, path.parent / value)
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        files = []
        for entry in value:
            file = (path.parent / entry).resolve()
            if not file.is_file():
                raise _fail(path, f"files: {entry} does not exist "
                                  f"(paths are relative to {_shown(path.parent)})")  # fmt: skip
            files.append(file)
    else:
        raise _fail(path, "files must be a list file's path or a list of paths")
    if not files:
        raise _fail(path, "files: the list is empty")
    return files


def _module_text(file: Path, top: str) -> str:
    text = strip_comments(file.read_text(errors="replace"))
    m = re.search(rf"^\s*module\s+(?:automatic\s+|static\s+)?{re.escape(top)}\b(.*?)\bendmodule",
                  text, re.MULTILINE | re.DOTALL)  # fmt: skip
    return m.group(1) if m else ""


def _check_top(path: Path, top: str, files: list[Path], ports: Ports) -> None:
    found = {name: f for f in files for name in declared_modules(f.read_text(errors="replace"))}
    if top not in found:
        count = f"{len(files)} file" + ("s" if len(files) != 1 else "")
        raise _fail(path, f"top {top!r} is not declared in any of its {count}"
                          f"{did_you_mean(top, found)}")  # fmt: skip
    words = {w.lower() for w in re.findall(r"\b\w+\b", _module_text(found[top], top))}
    for port, key in ports.required():
        if port.lower() not in words:
            raise _fail(path, f"top {top!r} ({_shown(found[top])}) has no port {port!r} "
                              f"([ports] {key} = {getattr(ports, key)!r})")  # fmt: skip


def _registers(
    path: Path, header: Path, renames: Mapping[str, str], shown: str
) -> tuple[Register, ...]:
    """The header's register map under the bench's names; ``shown``: the header's path
    as the design file writes it (for messages)."""
    if not header.is_file():
        raise _fail(path, f"header {shown} does not exist")
    text = header.read_text(errors="replace")
    if not re.search(r"#define\s+\w+_ADDR_AP_CTRL\s+0x0+\b", text):
        raise _fail(path, f"header {shown} is not a Vitis ap_ctrl_hs header "
                          "(no #define ..._ADDR_AP_CTRL 0x00)")  # fmt: skip
    try:
        by_name = {r.name: r for r in register_map_from_vitis_header(text)}
    except ValueError as exc:
        raise _fail(path, f"header {shown}: {exc}") from None
    known = [n for n, _ in REQUIRED_ARGS + OPTIONAL_ARGS] + list(OPTIONAL_OUTPUTS)
    for role in renames:
        if role not in known:
            hint = did_you_mean(role, known)
            raise _fail(path, f"[registers] {role}: not an argument of the bench{hint}; "
                              f"known: {', '.join(known)}")  # fmt: skip
    out = []
    for role, kind in REQUIRED_ARGS + OPTIONAL_ARGS:
        name = renames.get(role, role)
        reg = by_name.get(name.lower())
        if reg is None:
            if (role, kind) in OPTIONAL_ARGS and role not in renames:
                continue
            raise _fail(path, f"header {shown} has no register {name!r} "
                              f"({'a 64-bit pointer' if kind == 'ptr64' else '32 bits'}; "
                              f"found: {', '.join(by_name) or 'none'})")  # fmt: skip
        if reg.kind != kind or reg.access != "rw":
            what = f"{reg.bits}-bit {'argument' if reg.access == 'rw' else 'output'}"
            bits = 64 if kind == "ptr64" else 32
            raise _fail(path, f"header {shown}: register {name!r} is a {what}; "
                              f"{role} must be a {bits}-bit argument")  # fmt: skip
        out.append(dataclasses.replace(reg, name=role))
    for role in OPTIONAL_OUTPUTS:
        reg = by_name.get(renames.get(role, role).lower())
        if reg is not None:
            out.append(dataclasses.replace(reg, name=role))
        elif role in renames:
            raise _fail(path, f"header {shown} has no register {renames[role]!r}")
    return tuple(sorted(out, key=lambda r: r.offset))


def stage_label(cfg: KernelConfig, stop: int) -> str:
    """``patch_embed``, ``layer0.attn``, ... for a stop_after value; ``all`` for STOP_ALL."""
    if stop == STOP_ALL:
        return "all"
    layer, name = stop_after_stages(cfg)[stop]
    return name if layer < 0 else f"layer{layer}.{name}"


def _stops(path: Path, cfg: KernelConfig, value, has_stop_after: bool) -> tuple[int, ...]:
    stages = stop_after_stages(cfg)
    labels = {stage_label(cfg, i): i for i in range(len(stages))}
    if value is None:
        return tuple(range(len(stages))) if has_stop_after else (STOP_ALL,)
    if not isinstance(value, list) or not value:
        raise _fail(path, "stages must be a non-empty list of stage names or indices")
    out = []
    for item in value:
        if item == "all":
            stop = STOP_ALL
        elif isinstance(item, int) and not isinstance(item, bool) and 0 <= item < len(stages):
            stop = item
        elif isinstance(item, str) and item in labels:
            stop = labels[item]
        else:
            raise _fail(path, f"stages: no stage {item!r} in {cfg.name!r}"
                              f"{did_you_mean(str(item), labels)} (names like "
                              f"{next(iter(labels))!r}, 'layer0.attn', 0..{len(stages) - 1}, "
                              "or 'all')")  # fmt: skip
        if stop != STOP_ALL and not has_stop_after:
            raise _fail(path, f"stages: {item!r} needs a stop_after argument, which the header "
                              "has not (only 'all', the final output, can be checked)")  # fmt: skip
        out.append(stop)
    return tuple(dict.fromkeys(out))


def _table(path: Path, data: dict, key: str) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise _fail(path, f"{key} must be a table ([{key}])")
    return value


def _string(path: Path, data: dict, key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value:
        raise _fail(path, f"{key} must be a non-empty string")
    return value


def load_design(path: str | os.PathLike) -> Design:
    """Read and check a design description; raises :class:`DesignError` (one line)."""
    path = Path(path).resolve()
    if not path.is_file():
        raise DesignError(f"design {_shown(path)} does not exist")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise _fail(path, f"not valid TOML: {exc}") from None
    for key in data:
        if key not in _KEYS:
            raise _fail(path, f"unknown key {key!r}{did_you_mean(key, _KEYS)}; "
                              f"known: {', '.join(_KEYS)}")  # fmt: skip
    for key in _REQUIRED_KEYS:
        if key not in data:
            raise _fail(path, f"{key!r} is missing (required: {', '.join(_REQUIRED_KEYS)})")
    top = _string(path, data, "top")
    config = _string(path, data, "config")
    if config not in ALL_CONFIG_NAMES:
        raise _fail(path, f"config {config!r} is not a preset configuration"
                          f"{did_you_mean(config, ALL_CONFIG_NAMES)}; "
                          f"known: {', '.join(ALL_CONFIG_NAMES)}")  # fmt: skip
    try:
        cfg = load_config(config)
    except ConfigError as exc:
        raise _fail(path, str(exc)) from None
    port_names = _table(path, data, "ports")
    known_ports = [f.name for f in dataclasses.fields(Ports)]
    for key, value in port_names.items():
        if key not in known_ports:
            raise _fail(path, f"[ports] unknown key {key!r}{did_you_mean(key, known_ports)}; "
                              f"known: {', '.join(known_ports)}")  # fmt: skip
        if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z_]\w*", value):
            raise _fail(path, f"[ports] {key} must be an identifier, not {value!r}")
    ports = Ports(**port_names)
    renames = _table(path, data, "registers")
    if not all(isinstance(v, str) for v in renames.values()):
        raise _fail(path, "[registers] values must be the header's argument names (strings)")
    parameters = _table(path, data, "parameters")
    files = _files(path, data["files"])
    _check_top(path, top, files, ports)
    header_text = _string(path, data, "header")
    header = (path.parent / header_text).resolve()
    registers = _registers(path, header, renames, header_text)
    has_stop_after = any(r.name == "stop_after" for r in registers)
    if has_stop_after and not any(r.name == "scratch" for r in registers):
        raise _fail(path, "the stop_after checks read the scratch buffers, but the header has "
                          "no scratch pointer")  # fmt: skip
    name = data.get("name", top)
    if not isinstance(name, str) or not re.fullmatch(r"[\w.-]+", name):
        raise _fail(path, f"name must be letters, digits, '_', '.' or '-', not {name!r}")
    return Design(
        path=path,
        name=name,
        top=top,
        files=tuple(files),
        header=header,
        config=config,
        registers=registers,
        stops=_stops(path, cfg, data.get("stages"), has_stop_after),
        ports=ports,
        parameters=dict(parameters),
    )


# ---- the repository's own design
def own_file_list(folder: Path) -> str:
    """Our kernel's file list (``ci.rtl_sources.rtl_closure``), relative to ``folder``."""
    lines = ["# edgemoe_kernel and every rtl/ module under it (generated by",
             "# `python -m tb.kernel.design write-own`; do not edit)"]  # fmt: skip
    lines += [os.path.relpath(f, folder) for f in rtl_closure("edgemoe_kernel")]
    return "\n".join(lines) + "\n"


def own_design_files(design: Path = OWN_DESIGN) -> dict[Path, str]:
    """The generated files of our own design: the file list and the Vitis header."""
    folder = design.parent
    return {folder / OWN_FILE_LIST: own_file_list(folder),
            folder / header_name(): vitis_header_text()}  # fmt: skip


def describe(design: Design) -> str:
    cfg = design.kernel_config()
    regs = ", ".join(f"{r.name}@0x{r.offset:02x}" for r in design.registers)
    if design.has_stop_after:
        checks = (f"{len(design.stops)} stop_after run(s), each checking every stage up to "
                  "its stop bit for bit")  # fmt: skip
    else:
        checks = "one full run: the header has no stop_after, so only the final output is checked"
    runs = ", ".join(stage_label(cfg, s) for s in design.stops)
    names = ", ".join(f"{i} {stage_label(cfg, i)}" for i in range(len(stop_after_stages(cfg))))
    head = (f"design {design.name}: top {design.top}, {len(design.files)} files, "
            f"config {design.config}")  # fmt: skip
    lines = [head, f"registers: {regs}", f"checks: {checks}", f"runs: {runs}"]
    return "\n".join([*lines, f"stop_after values of {cfg.name}: {names}"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tb.kernel.design", description=__doc__.split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="check a design file and print what the bench runs")
    check.add_argument("design", type=Path)
    sub.add_parser("write-own", help=f"rewrite {_shown(OWN_DESIGN.parent)}'s generated files")
    args = parser.parse_args(argv)
    if args.command == "write-own":
        for file, text in own_design_files().items():
            file.write_text(text)
            print(f"wrote {_shown(file)}")
        return 0
    try:
        print(describe(load_design(args.design)))
    except DesignError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

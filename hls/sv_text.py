"""Pieces of SystemVerilog text that the generators (``hls.generate``,
``hls.axi_port``, ``tb.kernel.fastmem_top``) write: a package localparam, a
packed struct, and the write that leaves an unchanged file alone."""

from __future__ import annotations

import os
from pathlib import Path


def sv_int(name: str, value: int, comment: str) -> str:
    """``localparam int NAME = value;  // comment`` (one package line)."""
    return f"  localparam int {name} = {int(value)};  // {comment}\n"


def sv_struct(name: str, members: list[tuple[str, str]]) -> list[str]:
    """A packed struct typedef, members (name, SV type) most significant first."""
    pad = max(len(sv_type) for _, sv_type in members)
    body = [f"    {sv_type:<{pad}} {member};\n" for member, sv_type in members]
    return ["  typedef struct packed {\n", *body, f"  }} {name};\n"]


def write_if_changed(path: Path, text: str) -> Path:
    """Write *text* to *path* only when it differs from what is there, so the
    Verilator builds that depend on the file are not invalidated needlessly. The
    text goes to a temporary file first and replaces *path* in one step, so a
    parallel test worker never reads a half-written file."""
    if not path.exists() or path.read_text() != text:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text)
        os.replace(tmp, path)
    return path

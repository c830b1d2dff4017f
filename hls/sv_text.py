"""Pieces of SystemVerilog text that the generators (``hls.generate``,
``hls.axi_port``) write: a package localparam and a packed struct."""

from __future__ import annotations


def sv_int(name: str, value: int, comment: str) -> str:
    """``localparam int NAME = value;  // comment`` (one package line)."""
    return f"  localparam int {name} = {int(value)};  // {comment}\n"


def sv_struct(name: str, members: list[tuple[str, str]]) -> list[str]:
    """A packed struct typedef, members (name, SV type) most significant first."""
    pad = max(len(sv_type) for _, sv_type in members)
    body = [f"    {sv_type:<{pad}} {member};\n" for member, sv_type in members]
    return ["  typedef struct packed {\n", *body, f"  }} {name};\n"]

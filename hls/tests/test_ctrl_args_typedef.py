"""The generated ctrl_args_t (the kernel's arguments as ctrl_regs holds them) has
the layout of the register map's arguments: every read/write register, in
register order from the most significant bits, at its register's width."""

from __future__ import annotations

from golden.config import load_config
from hls.generate import generate
from hls.tests.test_axi_typedefs import _layouts

#: The Vitis ap_ctrl_hs arguments of the kernel (docs/kernel.md): four 64-bit
#: pointers, then three 32-bit scalars.
EXPECTED = [
    ("image_ptr", 64), ("weights_ptr", 64), ("scratch_ptr", 64), ("output_ptr", 64),
    ("task_id", 32), ("num_images", 32), ("stop_after", 32),
]  # fmt: skip


def test_ctrl_args_layout(tmp_path):
    text = generate(load_config("tiny"), tmp_path).package.read_text()
    _, structs = _layouts(text)
    offset, expected = sum(w for _, w in EXPECTED), []
    for member, width in EXPECTED:
        offset -= width
        expected.append((member, offset, width))
    assert structs["ctrl_args_t"] == expected

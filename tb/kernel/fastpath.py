"""The kernel on the fast memory path, under cocotb and under a bare C++ harness.

* :func:`fast_build` - ``kernel_fastmem_tb`` (edgemoe_kernel + the DPI-C AXI
  memory of tb/fastmem) for cocotb, with only the ports public and -O2
  (``tb.simbuild.build(public=..., fast=True)``); the same cocotb tests as the
  AxiRam build run on it (``tb/kernel/kernel_tests.py``: the environment picks
  the DPI memory when the top has the monitor ports).
* :func:`run_bare` - the same top driven by ``bare_kernel.cpp`` (no cocotb, no
  VPI): the speed ceiling. The memory image goes in as a file, the whole memory
  comes back as a file, and every stage buffer in it is compared with the golden
  model, so the ceiling run is checked bit for bit too.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from pathlib import Path

from ci.rtl_sources import rtl_closure
from golden.config import load_config
from hls.program import program
from hls.registers import REGISTER_MAP, STOP_ALL, register
from tb.components.dpi_memory import AXI_DPI_MEM, dpi_build_args
from tb.fastmem import build as fastmem_build
from tb.kernel.design import VITIS_PORTS
from tb.kernel.model import KernelInputs, Layout, compare_stage, cycle_budget, expected_taps

HERE = Path(__file__).resolve().parent
TOP = "kernel_fastmem_tb"
BARE_MAIN = HERE / "bare_kernel.cpp"
#: The kernel: its top and every rtl/ module under it.
KERNEL_SOURCES = rtl_closure("edgemoe_kernel")
FAST_SOURCES = [*rtl_closure(HERE / f"{TOP}.sv"), AXI_DPI_MEM]
#: What Python touches of kernel_fastmem_tb: its ports (nothing inside).
PUBLIC = ("ap_clk", "ap_rst_n", "interrupt", "s_axi_control_*", "stage_done_o", "stage_idx_o",
          "image_idx_o", "fault_o",
          # the kernel's m_axi_gmem handshakes, read only when a run hangs
          # (KernelEnv.hang_report)
          "edgemoe_kernel:m_axi_gmem_*VALID", "edgemoe_kernel:m_axi_gmem_*READY",
          "edgemoe_kernel:m_axi_gmem_A?ADDR")  # fmt: skip


def axiram_build_spec() -> dict:
    """``tb.simbuild.build`` keyword arguments of the kernel on cocotbext-axi's AxiRam
    (toplevel edgemoe_kernel; the build our own design's runs share)."""
    return {"sources": KERNEL_SOURCES, "public": VITIS_PORTS.public()}


def fast_build_spec(pause_pct: int = 0) -> dict:
    """``tb.simbuild.build`` keyword arguments of the cocotb fast-path model."""
    name = TOP + (f"_pause{pause_pct}" if pause_pct else "") + "-fast"
    return {
        "toplevel": TOP,
        "sources": FAST_SOURCES,
        "parameters": {"PAUSE_PCT": pause_pct},
        "name": name,
        "build_args": tuple(dpi_build_args()),
        "public": PUBLIC,
        "fast": True,
    }


def build_bare(config: str) -> Path:
    """The bare harness of kernel_fastmem_tb (tb.fastmem.build.build_bare with
    bare_kernel.cpp), with the fast cocotb build's C++ flags."""
    return fastmem_build.build_bare(config, top=TOP, sources=FAST_SOURCES, main=BARE_MAIN)


def run_bare(config: str, inputs: KernelInputs, stop_after: int = STOP_ALL) -> dict:
    """One run of the bare harness on ``inputs``; every stage up to ``stop_after``
    (of the last image; the outputs of the others) is checked against the golden
    model (raises ``tb.kernel.model.StageMismatch``). Returns its
    figures (kernel_cycles, sim_cycles, seconds, cycles_per_s, status)."""
    cfg = load_config(config)
    exe = build_bare(config)
    layout = Layout(cfg, len(inputs.images))
    stages = program(cfg)
    last = len(stages) - 1 if stop_after == STOP_ALL else stop_after
    image = bytearray(layout.size)
    for space, blob in layout.fill(inputs).items():
        base = layout.bases[space]
        image[base : base + len(blob)] = blob
    values = {**layout.pointers(), "task_id": inputs.task, "num_images": len(inputs.images),
              "stop_after": stop_after}  # fmt: skip
    writes = []
    for reg in REGISTER_MAP:
        if reg.access != "rw":
            continue
        v = int(values[reg.name])
        for i, off in enumerate(reg.data_offsets):
            writes.append(f"{off:#x}={(v >> (32 * i)) & 0xFFFF_FFFF:#x}")
    with tempfile.TemporaryDirectory() as tmp:
        mem_in, mem_out = Path(tmp) / "in.bin", Path(tmp) / "out.bin"
        mem_in.write_bytes(image)
        budget = cycle_budget(cfg, last, len(inputs.images))
        cmd = [str(exe), str(mem_in), str(layout.size), str(mem_out), str(budget),
               str(register("status").offset), str(register("cycles").offset), *writes]  # fmt: skip
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=7200)
        out = res.stdout + res.stderr
        m = re.search(r"^RESULT (\{.*\})$", out, re.M)
        if res.returncode != 0 or m is None:
            raise AssertionError(
                f"bare kernel harness failed (exit {res.returncode}):\n{out[-3000:]}"
            )
        result = json.loads(m.group(1))
        dump = mem_out.read_bytes()
    if result["status"] != 0:
        raise AssertionError(f"bare kernel run ended with status {result['status']}")
    # Scratch buffers hold the last image's stages; earlier images leave their outputs.
    expected = expected_taps(cfg, inputs)
    for n in range(len(inputs.images)):
        final = n == len(inputs.images) - 1
        for st in stages[: last + 1] if final else stages[last : last + 1]:
            if not final and st.y.space.name != "OUTPUT":
                continue
            addr, region = layout.stage_region(st, n)
            got = region.unpack(dump[addr : addr + region.nbytes])
            compare_stage(st, n, got, expected[n][st.index], region.fmt)
    return result

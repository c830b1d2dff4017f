"""Builds of the fast memory path: the cocotb models of dma_fastmem_tb (on the
DPI-C buffer with a GPI or an HDL clock, or on AxiRam), and the bare Verilator
C++ harness of the same RTL (the ceiling).

The fast path is built with ``tb.simbuild.build(public=PUBLIC, fast=True)``:
only the ports Python touches are public (instead of the runner's
``--public-flat-rw``) and the model is compiled with -O2; ``fast=False`` gives
the former build (every signal public, -Os), kept to measure the difference.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import time
from pathlib import Path

from ci.rtl_sources import LINT_WAIVERS, generated, generated_sources, rtl_closure
from ci.toolchain import setup_verilator, verilator_id
from hls.axi_port import GMEM_PORT
from tb import simbuild
from tb.components.axi.tb_port import tb_port_file
from tb.components.dpi_memory import AXI_DPI_MEM, DPI_C, dpi_build_args
from tb.simbuild import SIM_ROOT

HERE = Path(__file__).resolve().parent
TOP = "dma_fastmem_tb"
BARE_MAIN = HERE / "bare_main.cpp"
#: The top, both memories it can have (AXIRAM), and the rtl/ modules under them
#: (rtl/axi_dma; the generated axi_gmem_flat comes with the package); a build
#: elaborates only the memory it uses.
SOURCES = rtl_closure(HERE / f"{TOP}.sv", AXI_DPI_MEM, tb_port_file(GMEM_PORT))


def _digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


#: What Python touches of dma_fastmem_tb on the DPI-C buffer: the ports (and,
#: with HDL_CLOCK, the clock made inside, ``clk``). Nothing else is public.
PUBLIC = ("*_i", "*_ni", "*_o")
HDL_CLOCK_PUBLIC = (*PUBLIC, "clk")
#: --timing with the wheel's compiler flags (DESIGN.md section 7).
TIMING_ARGS = ["--timing", "-CFLAGS", "-std=c++20 -fcoroutines"]


def cocotb_build(*, pause_pct: int = 0, hdl_clock: bool = False, fast: bool = True) -> dict:
    """``tb.simbuild.build`` arguments of the cocotb model of dma_fastmem_tb on the
    DPI-C buffer: GPI clock from Python or, with *hdl_clock*, the clock generated
    in the HDL (HDL_CLOCK, --timing). *fast*: only :data:`PUBLIC` public, -O2
    (build name suffix ``-fast``); else every signal public and -Os, as the
    runner builds by default."""
    params = {"PAUSE_PCT": pause_pct}
    name = TOP
    if hdl_clock:
        params["HDL_CLOCK"] = 1
        name += "_hdlclk"
    if pause_pct:
        name += f"_pause{pause_pct}"
    args = [*dpi_build_args(), *(TIMING_ARGS if hdl_clock else [])]
    spec = {
        "toplevel": TOP,
        "sources": SOURCES,
        "parameters": params,
        "name": name + ("-fast" if fast else ""),
        "build_args": tuple(args),
    }
    if fast:
        spec.update(public=HDL_CLOCK_PUBLIC if hdl_clock else PUBLIC, fast=True)
    return spec


def axiram_build() -> dict:
    """``tb.simbuild.build`` arguments of dma_fastmem_tb with AXIRAM (the same copy
    on an open m_axi_gmem port for cocotbext-axi's AxiRam; every signal public,
    as AxiRam needs the whole bus)."""
    return {
        "toplevel": TOP,
        "sources": SOURCES,
        "parameters": {"AXIRAM": 1},
        "name": f"{TOP}_axiram",
    }


def build_bare(
    config: str,
    *,
    fast: bool = True,
    top: str = TOP,
    sources=None,
    main: Path = BARE_MAIN,
) -> Path:
    """``verilator --cc --exe --build`` of *top* (default dma_fastmem_tb, with
    *sources*) and the C++ *main* (default bare_main.cpp) with the DPI-C buffer:
    no cocotb, no VPI, no --public-flat-rw; returns the executable. *fast*: the
    same C++ flags as the fast cocotb build (simbuild.FAST_BUILD_ARGS), so the
    ratio measures cocotb's cost, not compiler options. The kernel's bare harness
    (tb/kernel/fastpath.py) is built here too."""
    exe_path = setup_verilator()
    gen = generated(config)
    srcs = [*LINT_WAIVERS, *generated_sources(gen, list(SOURCES if sources is None else sources))]
    build_dir = SIM_ROOT / config / (f"{top}-bare" + ("-fast" if fast else ""))
    extra = list(simbuild.FAST_BUILD_ARGS) if fast else []
    args = [
        str(exe_path), "--cc", "--exe", "--build", "-j", "2", "-Wno-fatal",
        "--output-split", "0", "--top-module", top, "-Mdir", str(build_dir),
        "-o", "bare", "-CFLAGS", "-DDPI_MEM_BARE", *extra,
        *map(str, srcs), str(DPI_C), str(main),
    ]  # fmt: skip
    digest = _digest(*srcs, DPI_C, main) + verilator_id() + " ".join(extra)
    stamp = build_dir / "edgemoe_bare.json"
    exe = build_dir / "bare"
    if exe.is_file() and stamp.is_file() and json.loads(stamp.read_text()).get("digest") == digest:
        return exe
    build_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    res = subprocess.run(args, capture_output=True, text=True)
    (build_dir / "build.log").write_text(res.stdout + res.stderr)
    if res.returncode != 0:
        raise simbuild.BuildError(
            f"bare build of {top} for {config} failed; log {build_dir / 'build.log'}:\n"
            + "\n".join((res.stdout + res.stderr).splitlines()[-40:])
        )
    stamp.write_text(json.dumps({"digest": digest}))
    print(f"built bare {top} for {config} in {build_dir} ({time.monotonic() - t0:.1f} s)")
    return exe


def run_bare(config: str, beats: int, seed: int = 1, *, fast: bool = True) -> dict[str, float]:
    """Run the bare harness: one copy of *beats* beats; returns its JSON figures
    (beats, cycles, seconds, cycles_per_s, beats_per_s, ok)."""
    from golden.config import load_config

    exe = build_bare(config, fast=fast)
    beat_bytes = load_config(config).axi_data_width // 8
    res = subprocess.run(
        [str(exe), str(beats), str(beat_bytes), str(seed)], capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    out = res.stdout + res.stderr
    m = re.search(r"^RESULT (\{.*\})$", out, re.M)
    if res.returncode != 0 or m is None:
        raise AssertionError(f"bare harness failed (exit {res.returncode}):\n{out[-3000:]}")
    return json.loads(m.group(1))

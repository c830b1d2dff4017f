"""cocotb tests of the fast memory path (top: tb/fastmem/dma_fastmem_tb.sv).

The DMA engines copy memory through ``axi_dpi_mem`` (a DPI-C buffer); the
buffer is filled and checked through its zero-copy NumPy view
(:class:`tb.components.dpi_memory.DpiMemory`). Python never touches a beat: it
issues one copy command and sleeps on a Timer until the copy ends.
Run through tb/fastmem/test_fastmem.py, which sets:

EDGEMOE_CONFIG        configuration name (AXI_DATA_W from it)
EDGEMOE_PARAMETERS    build parameters (PAUSE_PCT: axi_dpi_mem pauses; HDL_CLOCK;
                      AXIRAM)
EDGEMOE_SEED          seed of every random choice
FASTMEM_COPIES        random copies of fastmem_copy (default 200)
FASTMEM_BEATS         beats of the timed copy of fastmem_speed (default 2**20;
                      fastmem_speed_axiram: 2**14)
FASTMEM_LABEL         tb.benchlog unit of the timed copy (default from the top
                      and PAUSE_PCT: fastmem_dma[_hdlclk][_pauseN])

The same tests run with HDL_CLOCK (clock generated in the HDL, so the
simulator runs between Python's Timer polls without any GPI clock callback).
fastmem_speed_axiram runs the same copy with AXIRAM (the same DMA engines,
cocotbext-axi's AxiRam as the memory): the reference the fast path replaces.
"""

from __future__ import annotations

import os
import time

import cocotb
import numpy as np
from cocotb.triggers import FallingEdge, RisingEdge, Timer

from golden.config import load_config
from tb import benchlog
from tb.components.axi.bursts import PAGE, split_bursts
from tb.components.dpi_memory import DpiMemory
from tb.components.stream import CLOCK_PERIOD_NS, start_clock
from tb.simenv import env_config_name, env_int, env_parameters, env_seed

CFG = load_config(env_config_name())
BB = CFG.axi_data_width // 8
PAUSE_PCT = int(env_parameters().get("PAUSE_PCT", 0))
#: The clock is made in the HDL (--timing, signal ``clk``); else cocotb's GPI clock on clk_i.
HDL_CLOCK = bool(int(env_parameters().get("HDL_CLOCK", 0)))
#: Shortest sleep of Bench.copy between two looks at the counters (cycles).
MIN_POLL = 16


class Bench:
    def __init__(self, dut, mem_bytes: int | None, salt: int = 0):
        self.dut = dut
        self.rng = np.random.default_rng([env_seed(), salt, PAUSE_PCT])
        #: The DPI-C buffer (None with AXIRAM, whose memory is an AxiRam).
        self.mem = DpiMemory(mem_bytes) if mem_bytes is not None else None
        if HDL_CLOCK:
            self.clk = dut.clk
        else:
            self.clk = dut.clk_i
            start_clock(dut)
        dut.copy_valid_i.value = 0
        dut.err_clear_i.value = 0

    async def reset(self) -> None:
        d = self.dut
        d.rst_ni.value = 0
        await Timer(3 * CLOCK_PERIOD_NS, "ns")
        await FallingEdge(self.clk)
        d.rst_ni.value = 1
        await RisingEdge(self.clk)

    def counters(self) -> tuple[int, int]:
        return int(self.dut.cycles_o.value), int(self.dut.beats_o.value)

    async def copy(self, src: int, dst: int, beats: int) -> None:
        """Copy *beats* beats from *src* to *dst* (one copy command)."""
        d = self.dut
        _, beats0 = self.counters()
        d.copy_src_i.value = src
        d.copy_dst_i.value = dst
        d.copy_beats_i.value = beats
        # Called only when both engines are idle, so the command goes in the next edge.
        # Drive from mid-cycle: a Timer may wake us in the very time step of a
        # rising edge of an HDL clock, which a RisingEdge would then not wait for.
        await FallingEdge(self.clk)
        assert d.copy_ready_o.value == 1
        d.copy_valid_i.value = 1
        await RisingEdge(self.clk)
        d.copy_valid_i.value = 0
        # No Python per cycle and no value-change callback: the engines move at
        # most one beat per cycle, so sleep for the beats still missing (at
        # least MIN_POLL cycles): a copy wakes Python a few times, not per beat.
        limit = 20 * beats * (100 // max(1, 100 - PAUSE_PCT) + 1) + 2000
        waited = 0
        b = beats0
        while True:
            poll = max(MIN_POLL, beats - (b - beats0))
            await Timer(poll * CLOCK_PERIOD_NS, "ns")
            waited += poll
            _, b = self.counters()
            if b - beats0 >= beats and d.idle_o.value:
                break
            assert waited < limit, (
                f"copy {src:#x}->{dst:#x} of {beats} beats hangs: {b - beats0} beats "
                f"written after {waited} cycles"
            )
        assert b - beats0 == beats, f"{b - beats0} beats written for a {beats}-beat copy"

    async def timed_copy(self, src: int, dst: int, beats: int) -> tuple[int, float]:
        """:meth:`copy`, and the cycles and wall-clock seconds it took."""
        c0, _ = self.counters()
        t0 = time.perf_counter()
        await self.copy(src, dst, beats)
        seconds = time.perf_counter() - t0
        c1, _ = self.counters()
        return c1 - c0, seconds

    def check_clean(self) -> None:
        d = self.dut
        assert int(d.fault_o.value) == 0, f"axi_dpi_mem faults {int(d.fault_o.value):#06b}"
        assert int(d.rd_err_o.value) == 0 and int(d.wr_err_o.value) == 0


def _first_diff(got: np.ndarray, exp: np.ndarray) -> str:
    i = int(np.flatnonzero(got != exp)[0])
    return (
        f"first difference at byte {i} (beat {i // BB}): got {got[i]:#04x}, expected {exp[i]:#04x}"
    )


def _report_speed(dut, label: str, beats: int, cycles: int, seconds: float) -> None:
    """Log a timed copy and record it in tb.benchlog (beats/s, cycles/s, beats/cycle)."""
    dut._log.info(
        "%s: %d beats in %d cycles (%.3f beats/cycle), %.2f s: %.0f beats/s, %.0f cycles/s",
        label, beats, cycles, beats / cycles, seconds, beats / seconds, cycles / seconds,
    )  # fmt: skip
    benchlog.record(
        label, CFG.name, beats, seconds,
        beats_per_s=beats / seconds, cycles_per_s=cycles / seconds,
        beats_per_cycle=beats / cycles,
    )  # fmt: skip


def _pick(rng, base: int, zone: int, span: int) -> int:
    """A beat-aligned start in [base, base + zone - span]: half the time a few
    beats before a page end, so the copy's bursts cross 4 KiB boundaries."""
    if rng.random() < 0.5:
        page = int(rng.integers(1, (zone - span) // PAGE)) if zone - span > 2 * PAGE else 1
        a = page * PAGE - BB * int(rng.integers(1, 9))
    else:
        a = BB * int(rng.integers(0, (zone - span) // BB))
    return base + max(0, min(a, zone - span))


@cocotb.test(timeout_time=500, timeout_unit="ms")
async def fastmem_copy(dut):
    """Random copies (4 KiB boundary crossings, 1..600 beats, bursts split at
    pages and at 256 beats), bit-exact through the NumPy view; every other
    byte untouched; AR/AW burst counts as split_bursts predicts."""
    n = env_int("FASTMEM_COPIES", 200)
    zone = 64 * PAGE
    b = Bench(dut, 2 * zone + PAGE, salt=1)
    await b.reset()
    rng = b.rng
    mem = b.mem
    mem.array[:] = rng.integers(0, 256, size=mem.size, dtype=np.uint8)
    shadow = mem.array.copy()
    # Python's writes are seen by the RTL (same buffer) and the RTL's by Python.
    total_beats = crossings = 0
    for i in range(n):
        beats = int(rng.choice([1, 2, PAGE // BB - 1, PAGE // BB, PAGE // BB + 1, 256, 257])
                    if rng.random() < 0.3 else rng.integers(1, 601))  # fmt: skip
        span = beats * BB

        src, dst = _pick(rng, 0, zone, span), _pick(rng, zone, zone, span)
        r0, w0 = int(dut.rd_bursts_o.value), int(dut.wr_bursts_o.value)
        await b.copy(src, dst, beats)
        shadow[dst : dst + span] = shadow[src : src + span]
        exp = (len(split_bursts(src, beats, BB)), len(split_bursts(dst, beats, BB)))
        got = (int(dut.rd_bursts_o.value) - r0, int(dut.wr_bursts_o.value) - w0)
        assert got == exp, (
            f"copy {i} {src:#x}->{dst:#x} {beats} beats: (AR, AW) bursts {got}, expected {exp}"
        )
        crossings += exp[0] > 1 or exp[1] > 1
        if not np.array_equal(mem.array, shadow):
            raise AssertionError(
                f"copy {i} {src:#x}->{dst:#x} {beats} beats: {_first_diff(mem.array, shadow)}"
            )
        total_beats += beats
    b.check_clean()
    assert crossings > n // 4, f"only {crossings} of {n} copies were split into bursts"
    st = mem.stats()
    assert st["reads"] == total_beats and st["writes"] == total_beats, st
    dut._log.info(
        "%d copies (%d split at 4 KiB or 256 beats), %d beats, bit-exact (pauses %d%%)",
        n, crossings, total_beats, PAUSE_PCT,
    )  # fmt: skip


@cocotb.test(timeout_time=2000, timeout_unit="ms")
async def fastmem_speed(dut):
    """One long copy, timed: beats/s and cycles/s of the fast path, recorded."""
    beats = env_int("FASTMEM_BEATS", 1 << 20)
    span = beats * BB
    b = Bench(dut, 2 * span + PAGE, salt=2)
    await b.reset()
    src, dst = 0, span + PAGE // 2  # dst off the page grid: bursts split differently
    dst -= dst % BB
    b.mem.array[src : src + span] = b.rng.integers(0, 256, size=span, dtype=np.uint8)
    cycles, dt = await b.timed_copy(src, dst, beats)
    got, exp = b.mem.view(dst, span), b.mem.view(src, span)
    if not np.array_equal(got, exp):
        raise AssertionError(f"long copy: {_first_diff(got, exp)}")
    b.check_clean()
    label = "fastmem_dma" + ("_hdlclk" if HDL_CLOCK else "")
    label += f"_pause{PAUSE_PCT}" if PAUSE_PCT else ""
    label = os.environ.get("FASTMEM_LABEL", label)
    _report_speed(dut, label, beats, cycles, dt)


@cocotb.test(timeout_time=2000, timeout_unit="ms")
async def fastmem_speed_axiram(dut):
    """fastmem_speed with AXIRAM: the same copy by the same DMA engines, with
    cocotbext-axi's AxiRam (Python per beat) as the memory; timed and checked."""
    from tb.components.axi.protocol import DmaRam

    beats = env_int("FASTMEM_BEATS", 1 << 14)
    span = beats * BB
    b = Bench(dut, None, salt=2)
    # The adapter u_gmem sits in the top's generate block of the AxiRam memory.
    ram = DmaRam(dut.gen_axiram, 2 * span + PAGE, clock=dut.clk_i, reset=dut.rst_ni)
    await b.reset()
    src, dst = 0, span + PAGE // 2
    dst -= dst % BB
    data = b.rng.integers(0, 256, size=span, dtype=np.uint8)
    ram.write(src, data.tobytes())
    cycles, dt = await b.timed_copy(src, dst, beats)
    got = np.frombuffer(ram.read(dst, span), dtype=np.uint8)
    if not np.array_equal(got, data):
        raise AssertionError(f"long copy through AxiRam: {_first_diff(got, data)}")
    b.check_clean()
    label = os.environ.get("FASTMEM_LABEL", "fastmem_axiram")
    _report_speed(dut, label, beats, cycles, dt)

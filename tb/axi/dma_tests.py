"""cocotb tests of rtl/axi_dma.sv, both directions (top: tb/axi/axi_dma_tb.sv).

cocotbext-axi ``AxiRam`` (:class:`tb.components.axi.protocol.DmaRam`) is the DRAM, with
seeded random pauses on all five channels; every run is checked by the
protocol monitor of :mod:`tb.components.axi.protocol` and bit-exact against a shadow
copy of the memory.  Run through tb/axi/test_dma.py, which sets:

EDGEMOE_CONFIG        configuration name (AXI_DATA_W from it)
EDGEMOE_SEED          seed of every random choice
DMA_COMMANDS          commands per phase of dma_random (default 120)
DMA_HYP_EXAMPLES      Hypothesis examples of dma_hypothesis (default 60)
"""

from __future__ import annotations

import time

import cocotb
import numpy as np
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge
from cocotbext.axi.constants import AxiResp
from hypothesis import strategies as st

from golden.config import load_config
from tb import benchlog
from tb.axi.stimulus import random_commands
from tb.components.axi.bursts import MAX_BURST, PAGE, Command, cyclic_pattern
from tb.components.axi.protocol import DmaRam, ProtocolError, gmem_bus, run_transfers
from tb.components.stream import idle_pattern, start_clock
from tb.hypothesis_sim import examples_for, run_property
from tb.simenv import env_config_name, env_int, env_seed

CFG = load_config(env_config_name())
BEAT_BITS = CFG.axi_data_width
BB = BEAT_BITS // 8
PER_PAGE = PAGE // BB
MEM_SIZE = 1 << 22
READ_BASE = 0x0
WRITE_BASE = 0x20_0000
ZONE_PAGES = 48
CHANNELS = ("aw", "w", "b", "ar", "r")


class Bench:
    """The DUT, its AxiRam, and a shadow copy of the memory."""

    def __init__(self, dut, seed: int):
        self.dut = dut
        self.rng = np.random.default_rng(seed)
        start_clock(dut)
        self.ram = DmaRam(dut, MEM_SIZE)
        self.shadow = bytearray(MEM_SIZE)
        dut.err_clear_i.value = 0
        for name in ("rd_cmd_valid_i", "wr_cmd_valid_i", "wr_valid_i", "rd_ready_i"):
            getattr(dut.u_eng, name).value = 0

    async def reset(self, cycles: int = 3) -> None:
        d = self.dut
        await RisingEdge(d.clk_i)  # a failed transfer may have left us in ReadOnly
        d.rst_ni.value = 0
        for name in ("rd_cmd_valid_i", "wr_cmd_valid_i", "wr_valid_i", "rd_ready_i"):
            getattr(d.u_eng, name).value = 0
        await ClockCycles(d.clk_i, cycles)
        d.rst_ni.value = 1
        await RisingEdge(d.clk_i)
        await RisingEdge(d.clk_i)
        # AxiRam complaints about bursts of a failed run before the reset are stale now.
        self.ram.errors.faults.clear()

    def fill(self, base: int, nbytes: int) -> None:
        data = self.rng.integers(0, 256, size=nbytes, dtype=np.uint8).tobytes()
        self.ram.write(base, data)
        self.shadow[base : base + nbytes] = data

    def pauses(self, p: float) -> dict[str, list[bool]] | None:
        if p <= 0:
            return None
        return {ch: cyclic_pattern(self.rng, 4099 + 2 * i, p) for i, ch in enumerate(CHANNELS)}

    def _span(self, addr: int, beats: int) -> list[int]:
        a = addr - addr % BB
        return [(a + i * BB) % MEM_SIZE for i in range(beats)]

    def expected_reads(self, commands) -> tuple[list[int], list[int]]:
        beats, lasts = [], []
        for c in commands:
            if c.kind != "rd":
                continue
            for i, a in enumerate(self._span(c.addr, c.beats)):
                beats.append(int.from_bytes(self.shadow[a : a + BB], "little"))
                lasts.append(int(i == c.beats - 1))
        return beats, lasts

    async def transfer(
        self,
        commands: list[Command],
        *,
        pause: float = 0.0,
        stalls: bool = False,
        error_beats: set[int] | None = None,
    ):
        """Run ``commands`` and check read data, read lasts and written memory.
        ``error_beats``: beat addresses answering an error (reads give zeros there,
        writes leave memory unchanged)."""
        self.ram.set_pauses(self.pauses(pause))
        exp_reads, exp_lasts = self.expected_reads(commands)
        wdata = []
        for c in commands:
            if c.kind != "wr":
                continue
            for a in self._span(c.addr, c.beats):
                word = int.from_bytes(self.rng.bytes(BB), "little")
                wdata.append(word)
                if not (error_beats and a in error_beats):
                    self.shadow[a : a + BB] = word.to_bytes(BB, "little")
        if error_beats:
            i = 0
            for c in commands:
                if c.kind == "rd":
                    for a in self._span(c.addr, c.beats):
                        if a in error_beats:
                            exp_reads[i] = 0
                        i += 1
        kw = {}
        if stalls:
            kw = dict(
                cmd_idle=list(idle_pattern(self.rng, 997)),
                in_idle=list(idle_pattern(self.rng, 1999)),
                out_idle=list(idle_pattern(self.rng, 2003)),
            )
        res = await run_transfers(self.dut, self.ram, commands, wdata, beat_bytes=BB, **kw)
        self.check(commands, res, exp_reads, exp_lasts)
        return res

    def check(self, commands, res, exp_reads, exp_lasts) -> None:
        if res.read_beats != exp_reads:
            pairs = zip(res.read_beats, exp_reads, strict=True)
            k = next(i for i, (a, b) in enumerate(pairs) if a != b)
            raise AssertionError(
                f"read beat {k} of {len(exp_reads)}: rtl {res.read_beats[k]:#x}, "
                f"memory {exp_reads[k]:#x} (commands {commands})"
            )
        if [int(v) for v in res.read_lasts] != exp_lasts:
            pairs = zip(res.read_lasts, exp_lasts, strict=True)
            k = next(i for i, (a, b) in enumerate(pairs) if a != b)
            raise AssertionError(f"out_last_o {res.read_lasts[k]} on read beat {k}, expected "
                                 f"{exp_lasts[k]} (commands {commands})")  # fmt: skip
        for c in commands:
            if c.kind != "wr":
                continue
            for a in self._span(c.addr, c.beats):
                got = self.ram.read(a, BB)
                if got != bytes(self.shadow[a : a + BB]):
                    raise AssertionError(
                        f"memory at {a:#x} after {c}: {got.hex()} expected "
                        f"{bytes(self.shadow[a : a + BB]).hex()} (commands {commands})"
                    )


async def _new_bench(dut, salt: int = 0) -> Bench:
    b = Bench(dut, env_seed() * 7919 + salt)
    await b.reset()
    b.fill(READ_BASE, (ZONE_PAGES + 4) * PAGE)
    return b


@cocotb.test(timeout_time=1, timeout_unit="ms")
async def dma_reset_idle(dut):
    """Out of reset: both engines idle, commands accepted, no AXI valid, no error."""
    b = await _new_bench(dut)
    await ReadOnly()
    gmem = gmem_bus(dut)
    for handle in (dut.rd_idle_o, dut.wr_idle_o, dut.u_eng.rd_cmd_ready_o,
                   dut.u_eng.wr_cmd_ready_o, gmem.m_axi_gmem_BREADY):  # fmt: skip
        assert handle.value == 1, f"{handle._name} is low after reset"
    for handle in (gmem.m_axi_gmem_ARVALID, gmem.m_axi_gmem_AWVALID, gmem.m_axi_gmem_WVALID,
                   dut.u_eng.rd_valid_o):  # fmt: skip
        assert handle.value == 0, f"{handle._name} is high after reset"
    assert dut.rd_err_o.value == 0 and dut.wr_err_o.value == 0
    assert len(gmem.m_axi_gmem_RDATA) == BEAT_BITS and len(gmem.m_axi_gmem_ARADDR) == 64
    assert len(gmem.m_axi_gmem_ARID) == 1
    del b


def directed_commands() -> list[Command]:
    """Single beats, 256/257 beats, a page, page crossings, a 4 GiB crossing, a
    64-bit high address, a zero-length command and back-to-back commands."""
    out = []
    for kind, base in (("rd", READ_BASE), ("wr", WRITE_BASE)):
        page = base + 4 * PAGE
        out += [
            Command(kind, base, 1),
            Command(kind, page - BB, 1),
            Command(kind, page - BB, 2),  # one beat each side of a boundary
            Command(kind, base + PAGE, MAX_BURST),
            Command(kind, base + 8 * PAGE, MAX_BURST + 1),
            Command(kind, base + 12 * PAGE, PER_PAGE),
            Command(kind, base + 16 * PAGE - 3 * BB, 2 * MAX_BURST + 5),
            Command(kind, base + 20 * PAGE + 5 * BB, 3 * PER_PAGE),
            Command(kind, base + 30 * PAGE, 0),
            *(Command(kind, base + 31 * PAGE + i * 3 * BB, 1 + i % 3) for i in range(8)),
        ]
    # Across the 4 GiB boundary (64-bit carry) and at a high address; the RAM
    # folds addresses modulo its size.
    out += [
        Command("rd", 0xFFFF_F000 - 2 * BB, 4),
        Command("wr", (1 << 32) * 3 - 3 * BB, 6),
        Command("rd", 0x1234_5678_0000_0000 + PAGE - BB, 3),
    ]
    return out


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def dma_directed(dut):
    """Directed edge cases, without and with AxiRam pauses and stream stalls."""
    b = await _new_bench(dut, 1)
    b.fill(0xFFFF_F000 % MEM_SIZE - 2 * BB, 8 * BB)
    b.fill(0x1234_5678_0000_0000 % MEM_SIZE + PAGE - BB, 3 * BB)
    cmds = directed_commands()
    res = await b.transfer(cmds)
    dut._log.info("directed: %d cycles, max read bursts outstanding %d",
                  res.cycles, res.monitor.max_reads_outstanding)  # fmt: skip
    await b.transfer(cmds, pause=0.3, stalls=True)
    assert dut.rd_err_o.value == 0 and dut.wr_err_o.value == 0


async def _random_phase(b: Bench, n: int, pause: float, stalls: bool, label: str):
    cmds = random_commands(
        b.rng, BB, n, read_base=READ_BASE, write_base=WRITE_BASE, pages=ZONE_PAGES
    )
    beats = sum(c.beats for c in cmds)
    t0 = time.perf_counter()
    res = await b.transfer(cmds, pause=pause, stalls=stalls)
    dt = time.perf_counter() - t0
    rate = beats / dt
    b.dut._log.info(
        "%s: %d commands, %d beats, %d cycles (%.2f beats/cycle), %.1f s, %.0f beats/s, "
        "max read bursts outstanding %d, %d read + %d write bursts",
        label, n, beats, res.cycles, beats / max(res.cycles, 1), dt, rate,
        res.monitor.max_reads_outstanding, res.monitor.bursts["rd"], res.monitor.bursts["wr"],
    )  # fmt: skip
    return beats, dt, res


@cocotb.test(timeout_time=2000, timeout_unit="ms")
async def dma_random(dut):
    """Random commands near 4 KiB boundaries: at full speed, then with 25% random
    pauses on all five AxiRam channels and stalls on the streams; beats/s recorded."""
    n = env_int("DMA_COMMANDS", 120)
    b = await _new_bench(dut, 2)
    beats0, dt0, res0 = await _random_phase(b, n, 0.0, False, "no pauses")
    assert res0.monitor.max_reads_outstanding > 1, "never more than one read burst outstanding"
    beats1, dt1, res1 = await _random_phase(b, n, 0.25, True, "25% pauses + stalls")
    assert res1.monitor.max_reads_outstanding > 1
    benchlog.record(
        "axi_dma", CFG.name, beats0 + beats1, dt0 + dt1,
        beats_per_s_no_pauses=beats0 / dt0, beats_per_s_pauses=beats1 / dt1,
        beats_per_cycle_no_pauses=beats0 / res0.cycles,
    )  # fmt: skip


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def dma_errors(dut):
    """SLVERR/DECERR regions: sticky error codes (first wins), cleared by
    err_clear_i, every transfer still completes its beats."""
    b = await _new_bench(dut, 3)
    region = READ_BASE + 10 * PAGE
    wregion = WRITE_BASE + 10 * PAGE
    cases = [
        ("rd", region, AxiResp.SLVERR), ("wr", wregion, AxiResp.SLVERR),
        ("rd", region, AxiResp.DECERR), ("wr", wregion, AxiResp.DECERR),
    ]  # fmt: skip
    for kind, lo, resp in cases:
        b.ram.clear_error_regions()
        b.ram.add_error_region(lo, lo + 2 * BB, int(resp))
        bad = {lo, lo + BB}
        cmds = [Command(kind, lo - 4 * BB, 8), Command(kind, lo + 9 * BB, 3)]
        await b.transfer(cmds, pause=0.2, error_beats=bad)
        await ReadOnly()
        err = getattr(dut, f"{kind}_err_o").value
        other = dut.wr_err_o.value if kind == "rd" else dut.rd_err_o.value
        assert err == int(resp), f"{kind}: error code {int(err)}, expected {int(resp)}"
        assert other == 0, f"the other engine reports error {int(other)}"
        # Sticky: a later error of the other kind does not replace the first.
        b.ram.clear_error_regions()
        other_resp = AxiResp.DECERR if resp == AxiResp.SLVERR else AxiResp.SLVERR
        b.ram.add_error_region(lo, lo + BB, int(other_resp))
        await RisingEdge(dut.clk_i)
        await b.transfer([Command(kind, lo, 2)], error_beats={lo})
        await ReadOnly()
        assert getattr(dut, f"{kind}_err_o").value == int(resp), "the first error code changed"
        await RisingEdge(dut.clk_i)
        dut.err_clear_i.value = 1
        await RisingEdge(dut.clk_i)
        dut.err_clear_i.value = 0
        await ReadOnly()
        assert dut.rd_err_o.value == 0 and dut.wr_err_o.value == 0, "err_clear_i did not clear"
        await RisingEdge(dut.clk_i)
    # A whole 300-beat read of an erroring page completes all its beats.
    b.ram.clear_error_regions()
    b.ram.add_error_region(region, region + PAGE, int(AxiResp.DECERR))
    bad = {region + i * BB for i in range(PER_PAGE)}
    await b.transfer([Command("rd", region - 5 * BB, 300)], error_beats=bad)
    await ReadOnly()
    assert dut.rd_err_o.value == 3
    b.ram.clear_error_regions()


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def dma_misaligned(dut):
    """A command address inside a beat: error code 1, the transfer starts at its beat."""
    b = await _new_bench(dut, 4)
    cmds = [Command("rd", READ_BASE + 2 * PAGE + 3, 4)]
    res = await b.transfer(cmds)
    await ReadOnly()
    assert dut.rd_err_o.value == 1, f"rd_err_o {int(dut.rd_err_o.value)}, expected 1"
    assert len(res.read_beats) == 4


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def dma_reset_mid_transfer(dut):
    """Reset in the middle of reads and writes; afterwards both engines are idle
    and a full transfer matches."""
    b = await _new_bench(dut, 5)
    cmds = [
        Command("rd", READ_BASE + PAGE - 4 * BB, 700),
        Command("wr", WRITE_BASE + PAGE - 4 * BB, 700),
    ]
    task = cocotb.start_soon(b.transfer(cmds, pause=0.2))
    await ClockCycles(dut.clk_i, 300)
    assert not task.done(), "the transfer finished before the reset"
    task.cancel()
    await b.reset()
    await ReadOnly()
    assert dut.rd_idle_o.value == 1 and dut.wr_idle_o.value == 1
    gmem = gmem_bus(dut)
    assert gmem.m_axi_gmem_ARVALID.value == 0 and gmem.m_axi_gmem_WVALID.value == 0
    await RisingEdge(dut.clk_i)
    await b.transfer(cmds, pause=0.2, stalls=True)


def _hyp_commands():
    per_page = PER_PAGE
    offsets = st.one_of(
        st.integers(0, 3),
        st.integers(per_page - 4, per_page - 1),
        st.integers(max(0, per_page - MAX_BURST - 3), max(0, per_page - MAX_BURST + 3)),
        st.integers(0, per_page - 1),
    )
    lengths = st.one_of(
        st.integers(1, 4),
        st.integers(MAX_BURST - 3, MAX_BURST + 3),
        st.integers(max(1, per_page - 3), per_page + 3),
        st.integers(1, 600),
    )
    command = st.tuples(st.sampled_from(["rd", "wr"]), st.integers(0, 7), offsets, lengths)
    return st.lists(command, min_size=1, max_size=4)


@cocotb.test(timeout_time=5000, timeout_unit="ms")
async def dma_hypothesis(dut):
    """Hypothesis over command sequences near 4 KiB boundaries (light AxiRam pauses):
    protocol monitor clean, data bit-exact; a failure is shrunk."""
    b = await _new_bench(dut, 6)
    b.ram.set_pauses(b.pauses(0.15))

    @cocotb.task.resume
    async def run(cmds: list[Command]) -> None:
        await b.reset()
        await b.transfer(cmds, pause=0.15)

    def prop(commands):
        cmds = [
            Command(k, (READ_BASE if k == "rd" else WRITE_BASE) + p * PAGE + o * BB, n)
            for k, p, o, n in commands
        ]
        try:
            run(cmds)
        except (ProtocolError, AssertionError) as exc:
            raise AssertionError(f"commands={cmds!r}: {str(exc)[:600]}") from None

    await run_property(
        dut, prop, strategies={"commands": _hyp_commands()},
        examples=examples_for("DMA_HYP_EXAMPLES", 60), seed=env_seed(), unit="axi_dma",
    )  # fmt: skip

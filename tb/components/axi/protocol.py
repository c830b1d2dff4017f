"""cocotb side of the DMA bench: AxiRam with error regions, a protocol monitor,
and one per-cycle driver for both DMA engines.

* :class:`DmaRam`: cocotbext-axi's ``AxiRam`` (same memory model and channel
  sinks/sources) whose reads and writes answer SLVERR or DECERR inside
  configured address ranges, and which records instead of dying when a burst
  breaks its own checks (a 4 KiB crossing, WLAST in the wrong place), so that
  the bench reports the violation and a Hypothesis run can shrink it.
* :class:`ProtocolMonitor`: checks, at every handshake, that each AR/AW is an
  INCR burst of full-width beats, 1..256 beats, inside one 4 KiB page, equal to
  the next burst of :func:`tb.components.axi.bursts.split_bursts` for the commands
  accepted so far; that AR/AW/W hold their values while stalled; that W beats
  follow their AW, WSTRB is all ones and WLAST is on beat AWLEN exactly; and
  that no R/B comes without an outstanding burst.  It records the largest
  number of read bursts outstanding at once.
* :func:`run_transfers`: drives the command streams and the write data as
  sources and takes the read data as a sink of one
  :class:`tb.components.channel.ChannelEngine` (seeded idle patterns), samples
  the AXI side in the same cycle and returns the read beats.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace

from cocotbext.axi import AxiBus
from cocotbext.axi.axi_ram import AxiRamRead, AxiRamWrite
from cocotbext.axi.constants import AxiResp
from cocotbext.axi.memory import Memory

from tb.components.axi.bursts import (
    MAX_BURST,
    PAGE,
    Command,
    burst_violations,
    cycle_forever,
    split_bursts,
)
from tb.components.axi.tb_port import flat_port_handle
from tb.components.channel import (
    ChannelEngine,
    ChannelError,
    Sink,
    Source,
    cyclic_pauses,
    read_unsigned,
)

__all__ = [
    "DmaRam",
    "ProtocolError",
    "ProtocolMonitor",
    "TransferResult",
    "gmem_bus",
    "run_transfers",
]


class ProtocolError(ChannelError):
    """The DMA broke an AXI4 rule or its specification, or stopped moving."""


class _ErrorRegions:
    """Address ranges [lo, hi) answering SLVERR (2) or DECERR (3)."""

    def __init__(self) -> None:
        self.regions: list[tuple[int, int, int]] = []
        self.last_resp = AxiResp.SLVERR
        self.faults: list[str] = []

    def resp_at(self, address: int) -> int | None:
        for lo, hi, resp in self.regions:
            if lo <= address < hi:
                return resp
        return None


class _ErrorRegionSide:
    """What the read and the write side of :class:`DmaRam` add to AxiRam's, the
    same for both: an access in an error region fails (AxiRam answers SLVERR)
    and the response channel (R or B) carries the region's code instead; an
    assertion failure of AxiRam's burst checks is recorded as a fault instead of
    ending the side's process."""

    _side = ""  # "read" or "write", for the fault messages
    _resp_channel = ""  # the attribute of the response channel
    _resp_field = ""  # its response field

    def __init__(self, *args, errors: _ErrorRegions, **kwargs):
        self._errors = errors
        super().__init__(*args, **kwargs)
        channel = getattr(self, self._resp_channel)
        send = channel.send
        field = self._resp_field

        async def send_with_resp(frame):
            if int(getattr(frame, field)) == AxiResp.SLVERR:
                setattr(frame, field, self._errors.last_resp)
            await send(frame)

        channel.send = send_with_resp

    def _check_region(self, address: int) -> None:
        resp = self._errors.resp_at(address)
        if resp is not None:
            self._errors.last_resp = AxiResp(resp)
            raise OSError(f"error region at {address:#x}")

    async def _record_faults(self, process) -> None:
        while True:
            try:
                await process()
            except AssertionError as exc:
                self._errors.faults.append(f"AxiRam {self._side} side: assertion failed: {exc}")


class _RamRead(_ErrorRegionSide, AxiRamRead):
    _side, _resp_channel, _resp_field = "read", "r_channel", "rresp"

    async def _read(self, address, length):
        self._check_region(address)
        return await super()._read(address, length)

    async def _process_read(self):
        await self._record_faults(super()._process_read)


class _RamWrite(_ErrorRegionSide, AxiRamWrite):
    _side, _resp_channel, _resp_field = "write", "b_channel", "bresp"

    async def _write(self, address, data):
        self._check_region(address)
        await super()._write(address, data)

    async def _process_write(self):
        await self._record_faults(super()._process_write)


def gmem_bus(dut, prefix: str = "m_axi_gmem"):
    """The handle holding the flat ``<prefix>_*`` AXI signals: the top itself, or
    the bench adapter ``u_gmem`` (``axi_gmem_tb_port``) that the DMA bench tops
    instantiate."""
    return flat_port_handle(dut, prefix, "u_gmem")


class DmaRam(Memory):
    """``AxiRam`` on ``m_axi_gmem`` (or the master named by ``prefix``) plus error
    regions (:meth:`add_error_region`)."""

    def __init__(self, dut, size: int, *, clock=None, reset=None, prefix: str = "m_axi_gmem"):
        super().__init__(size)
        self.errors = _ErrorRegions()
        bus = AxiBus.from_prefix(gmem_bus(dut, prefix), prefix)
        kw = dict(reset_active_level=False, mem=self.mem, errors=self.errors)
        clock = dut.clk_i if clock is None else clock  # active-low reset
        reset = dut.rst_ni if reset is None else reset
        self.write_if = _RamWrite(bus.write, clock, reset, **kw)
        self.read_if = _RamRead(bus.read, clock, reset, **kw)
        # Per-burst INFO lines and per-beat error warnings would flood the log.
        for side in (self.write_if, self.read_if):
            side.log.setLevel(logging.ERROR)

    def add_error_region(self, lo: int, hi: int, resp: int) -> None:
        """Reads/writes of bytes in [lo, hi) (modulo the RAM size) answer ``resp``."""
        self.errors.regions.append((lo % self.size, (hi - 1) % self.size + 1, resp))

    def clear_error_regions(self) -> None:
        self.errors.regions.clear()

    def channels(self):
        w, r = self.write_if, self.read_if
        return {
            "aw": w.aw_channel, "w": w.w_channel, "b": w.b_channel,
            "ar": r.ar_channel, "r": r.r_channel,
        }  # fmt: skip

    def set_pauses(self, patterns: dict[str, list[bool]] | None) -> None:
        """Seeded pause patterns per channel (None: no pauses)."""
        for name, ch in self.channels().items():
            if patterns is None or not any(patterns[name]):
                ch.clear_pause_generator()
                ch.pause = False
            else:
                ch.set_pause_generator(cycle_forever(patterns[name]))


@dataclass
class _Burst:
    addr: int
    beats: int
    done: int = 0


@dataclass
class ProtocolMonitor:
    """See the module docstring.  ``violations`` holds the messages of broken rules."""

    beat_bytes: int
    violations: list[str] = field(default_factory=list)
    expected: dict[str, deque] = field(default_factory=lambda: {"rd": deque(), "wr": deque()})
    reads: deque = field(default_factory=deque)  # AR accepted, RLAST not yet
    writes_w: deque = field(default_factory=deque)  # AW accepted, W not complete
    writes_b: int = 0  # bursts whose W completed, B not yet
    max_reads_outstanding: int = 0
    bursts: dict[str, int] = field(default_factory=lambda: {"rd": 0, "wr": 0})
    slack: dict = field(default_factory=dict)

    def command(self, cmd: Command) -> None:
        self.expected[cmd.kind].extend(split_bursts(cmd.addr, cmd.beats, self.beat_bytes))

    def _fail(self, cycle: int, message: str) -> None:
        self.violations.append(f"cycle {cycle}: {message}")

    def address(self, cycle: int, kind: str, addr: int, alen: int, size: int, burst: int) -> None:
        ch = "AR" if kind == "rd" else "AW"
        beats = alen + 1
        if burst != 1:
            self._fail(cycle, f"{ch} burst type {burst}, not INCR (1)")
        if 1 << size != self.beat_bytes:
            self._fail(cycle, f"{ch}SIZE {size}: {1 << size} bytes, the beat is {self.beat_bytes}")
        for bad in burst_violations(addr, beats, self.beat_bytes):
            self._fail(cycle, f"{ch} {addr:#x} len {beats}: {bad}")
        exp = self.expected[kind]
        if not exp:
            self._fail(cycle, f"{ch} {addr:#x} len {beats} without a command asking for it")
        else:
            ea, eb = exp.popleft()
            if (ea, eb) != (addr, beats):
                self._fail(
                    cycle,
                    f"{ch} {addr:#x} {beats} beats, expected {ea:#x} {eb} beats "
                    f"(min(beats left, {MAX_BURST}, beats to the next {PAGE}-byte page))",
                )
        self.bursts[kind] += 1
        if kind == "rd":
            self.reads.append(_Burst(addr, beats))
            self.max_reads_outstanding = max(self.max_reads_outstanding, len(self.reads))
        else:
            self.writes_w.append(_Burst(addr, beats))

    def r_beat(self, cycle: int, last: int) -> None:
        if not self.reads:
            self._fail(cycle, "R beat with no read burst outstanding")
            return
        b = self.reads[0]
        b.done += 1
        if bool(last) != (b.done == b.beats):
            self._fail(cycle, f"RLAST={last} on beat {b.done} of {b.beats} (slave side)")
        if last or b.done >= b.beats:
            self.reads.popleft()

    def w_beat(self, cycle: int, last: int, strb: int) -> None:
        if strb != (1 << self.beat_bytes) - 1:
            self._fail(cycle, f"WSTRB {strb:#x}, not all ones")
        if not self.writes_w:
            self._fail(cycle, "W beat before its AW (no write burst open)")
            return
        b = self.writes_w[0]
        b.done += 1
        if bool(last) != (b.done == b.beats):
            self._fail(
                cycle, f"WLAST={last} on beat {b.done} of the {b.beats}-beat burst at {b.addr:#x}"
            )
        if last or b.done >= b.beats:
            self.writes_w.popleft()
            self.writes_b += 1

    def b_resp(self, cycle: int) -> None:
        if self.writes_b <= 0:
            self._fail(cycle, "B response before the burst's last W beat")
        self.writes_b -= 1

    def stable(self, cycle: int, name: str, now: tuple) -> None:
        """A valid not taken last cycle must hold its payload."""
        prev = self.slack.get(name)
        if prev is not None and prev != now:
            self._fail(cycle, f"{name} changed while stalled: {prev} -> {now}")

    def finish(self) -> list[str]:
        left = []
        for kind in ("rd", "wr"):
            if self.expected[kind]:
                left.append(f"{len(self.expected[kind])} {kind} bursts never issued")
        if self.reads or self.writes_w or self.writes_b:
            left.append("bursts still open at the end")
        return left


@dataclass
class TransferResult:
    read_beats: list[int]
    read_lasts: list[int]
    cycles: int
    monitor: ProtocolMonitor


async def run_transfers(
    dut,
    ram: DmaRam,
    commands: Sequence[Command],
    write_data: Sequence[int],
    *,
    beat_bytes: int,
    cmd_idle: Sequence[bool] = (False,),
    in_idle: Sequence[bool] = (False,),
    out_idle: Sequence[bool] = (False,),
    max_cycles: int | None = None,
    monitor: ProtocolMonitor | None = None,
) -> TransferResult:
    """Run ``commands`` (reads and writes, each kind in order, the two kinds
    concurrently) to completion; ``write_data`` holds every write beat in
    command order.  Returns the read beats.  Raises :class:`ProtocolError` on a
    violation (at once) or when nothing completes within ``max_cycles``.

    Call right after a rising edge, the DMA idle and out of reset.
    """
    rd_cmds = deque(c for c in commands if c.kind == "rd")
    wr_cmds = deque(c for c in commands if c.kind == "wr")
    rd_total = sum(c.beats for c in rd_cmds)
    wr_total = sum(c.beats for c in wr_cmds)
    if len(write_data) != wr_total:
        raise ValueError(f"{len(write_data)} write beats for {wr_total} commanded")
    mon = monitor or ProtocolMonitor(beat_bytes)
    if max_cycles is None:
        max_cycles = 40 * (rd_total + wr_total + 16 * len(commands)) + 2000

    s = _handles(dut)  # handle look-ups on dut are slow: once per run
    reads: list[int] = []
    lasts: list[int] = []
    faults = ram.errors.faults
    done_cycle = -1

    def command_source(cmds: deque, valid, ready, addr, beats, pauses) -> Source:
        def offer() -> bool:
            if not cmds:
                return False
            addr.value = cmds[0].addr
            beats.value = cmds[0].beats
            return True

        return Source(valid, ready, pauses, offer, lambda: mon.command(cmds.popleft()))

    def offer_write() -> bool:
        i = wr_source.taken
        if i >= wr_total:
            return False
        s.wr_data_i.value = write_data[i]
        return True

    def take_read(beat: tuple[int, int]) -> None:
        reads.append(beat[0])
        lasts.append(beat[1])

    rd_cmd_source = command_source(
        rd_cmds, s.rd_cmd_valid_i, s.rd_cmd_ready_o, s.rd_cmd_addr_i, s.rd_cmd_beats_i,
        cyclic_pauses(cmd_idle),
    )  # fmt: skip
    # The write commands pause by the same pattern, 7 cycles on.
    wr_cmd_source = command_source(
        wr_cmds, s.wr_cmd_valid_i, s.wr_cmd_ready_o, s.wr_cmd_addr_i, s.wr_cmd_beats_i,
        cyclic_pauses(cmd_idle, 7),
    )  # fmt: skip
    wr_source = Source(s.wr_valid_i, s.wr_ready_o, cyclic_pauses(in_idle), offer_write)
    rd_sink = Sink(
        s.rd_valid_o, s.rd_ready_i, cyclic_pauses(out_idle),
        lambda: (read_unsigned(s.rd_data_o), read_unsigned(s.rd_last_o)), take_read,
        name="read data (rd_data_o, rd_last_o)", error=ProtocolError,
    )  # fmt: skip

    def check(cyc: int) -> bool:
        """The AXI side of the cycle; True once everything is done and both engines idle."""
        nonlocal done_cycle
        _sample_axi(s, mon, cyc)
        if faults:
            mon.violations.extend(faults)
            faults.clear()
        if mon.violations:
            raise ProtocolError("; ".join(mon.violations[:3]))
        done = (
            not rd_cmds and not wr_cmds and wr_source.taken == wr_total
            and len(reads) >= rd_total and not rd_cmd_source.held and not wr_cmd_source.held
        )  # fmt: skip
        if done and s.rd_idle_o.value and s.wr_idle_o.value:
            done_cycle = cyc
            return True
        return False

    engine = ChannelEngine(
        dut.clk_i, (rd_cmd_source, wr_cmd_source, wr_source, rd_sink), error=ProtocolError
    )
    await engine.run(
        check=check,
        max_cycles=max_cycles + 1,
        stuck=lambda cyc: (
            f"the DMA stopped moving: after {cyc} cycles {len(reads)}/{rd_total} read beats, "
            f"{wr_source.taken}/{wr_total} write beats, {len(rd_cmds)} reads and {len(wr_cmds)} "
            f"writes not accepted, rd_idle={s.rd_idle_o.value} wr_idle={s.wr_idle_o.value}; "
            + "; ".join(mon.finish())
        ),
    )
    engine.quiet()
    left = mon.finish()
    if left:
        raise ProtocolError("; ".join(left))
    if len(reads) != rd_total:
        raise ProtocolError(f"{len(reads)} read beats for {rd_total} commanded")
    return TransferResult(reads, lasts, done_cycle, mon)


#: The DMA's engine memory port, on the bench's u_eng (engine_mem_tb_engine).
_ENGINE_PORT = (
    "rd_cmd_valid_i", "rd_cmd_ready_o", "rd_cmd_addr_i", "rd_cmd_beats_i", "rd_valid_o",
    "rd_ready_i", "rd_data_o", "wr_cmd_valid_i", "wr_cmd_ready_o", "wr_cmd_addr_i",
    "wr_cmd_beats_i", "wr_valid_i", "wr_ready_o", "wr_data_i",
)  # fmt: skip
#: The DMA's other ports, the top's.
_PORTS = ("rd_last_o", "rd_idle_o", "wr_idle_o")
_AXI = (
    "ARVALID", "ARREADY", "ARADDR", "ARLEN", "ARSIZE", "ARBURST", "AWVALID", "AWREADY",
    "AWADDR", "AWLEN", "AWSIZE", "AWBURST", "WVALID", "WREADY", "WDATA", "WLAST", "WSTRB",
    "RVALID", "RREADY", "RLAST", "BVALID", "BREADY",
)  # fmt: skip


def _handles(dut) -> SimpleNamespace:
    ports = {name: getattr(dut, name) for name in _PORTS}
    ports |= {name: getattr(dut.u_eng, name) for name in _ENGINE_PORT}
    gmem = gmem_bus(dut)
    ports |= {name: getattr(gmem, f"m_axi_gmem_{name}") for name in _AXI}
    # AR and AW have the same fields and rules: (channel, monitor kind, valid,
    # ready, the fields ProtocolMonitor.address checks).
    ports["address_channels"] = tuple(
        (ch, kind, ports[f"{ch}VALID"], ports[f"{ch}READY"],
         tuple(ports[f"{ch}{field}"] for field in ("ADDR", "LEN", "SIZE", "BURST")))
        for ch, kind in (("AR", "rd"), ("AW", "wr"))
    )  # fmt: skip
    return SimpleNamespace(**ports)


def _sample_axi(h, mon: ProtocolMonitor, cyc: int) -> None:
    """Handshakes and stall stability of the five channels in one cycle."""
    for ch, kind, valid, ready, (addr, alen, size, burst) in h.address_channels:
        if valid.value:
            payload = (int(addr.value), int(alen.value), int(size.value), int(burst.value))
            mon.stable(cyc, ch, payload)
            if ready.value:
                mon.address(cyc, kind, *payload)
                mon.slack[ch] = None
            else:
                mon.slack[ch] = payload
        elif mon.slack.get(ch) is not None:
            mon._fail(cyc, f"{ch}VALID dropped before {ch}READY")
            mon.slack[ch] = None
    if h.WVALID.value:
        payload = (int(h.WDATA.value), int(h.WLAST.value))
        mon.stable(cyc, "W", payload)
        if h.WREADY.value:
            mon.w_beat(cyc, payload[1], int(h.WSTRB.value))
            mon.slack["W"] = None
        else:
            mon.slack["W"] = payload
    elif mon.slack.get("W") is not None:
        mon._fail(cyc, "WVALID dropped before WREADY")
        mon.slack["W"] = None
    if h.RVALID.value and h.RREADY.value:
        mon.r_beat(cyc, int(h.RLAST.value))
    if h.BVALID.value and h.BREADY.value:
        mon.b_resp(cyc)

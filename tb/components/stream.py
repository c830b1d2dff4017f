"""cocotb helpers for units with a lowRISC-style valid/ready stream interface.

The convention: ``clk_i``, ``rst_ni`` (active low), an input stream
``in_valid_i``/``in_ready_o``/``in_data_i`` and an output stream
``out_valid_o``/``out_ready_i``/``out_data_o``; ``*_data`` carries ``LANES``
packed words (lane 0 in the least significant bits) as one wide integer per
beat.

:func:`stream` runs the input as a :class:`~tb.components.channel.Source` and
the output as a :class:`~tb.components.channel.Sink` of one
:class:`~tb.components.channel.ChannelEngine` (drive after the rising edge,
sample at ``ReadOnly``). It checks the handshake rules on the way (an input
beat is held until taken; an output beat that is not taken stays unchanged;
nothing comes out after the last beat) and raises :class:`StreamError` with the
cycle and counts when a rule breaks or the stream stops moving.
"""

from __future__ import annotations

from collections.abc import Coroutine, Sequence
from dataclasses import dataclass

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge

from tb.components.channel import (
    ChannelEngine,
    ChannelError,
    Sink,
    Source,
    cycle_bound,
    cyclic_pauses,
    idle_patterns,
)

CLOCK_PERIOD_NS = 10


class StreamError(ChannelError):
    """The stream broke a handshake rule or stopped moving."""


@dataclass
class StreamStats:
    cycles: int = 0
    in_beats: int = 0
    out_beats: int = 0
    in_wait_cycles: int = 0  # in_valid high, in_ready low
    out_wait_cycles: int = 0  # out_valid high, out_ready low
    first_out_cycle: int = -1  # cycle index of the first output beat taken
    last_out_cycle: int = -1


def start_clock(dut, period_ns: int = CLOCK_PERIOD_NS) -> None:
    """Start cocotb's GPI clock on ``clk_i`` (never an HDL clock, DESIGN.md section 7)."""
    Clock(dut.clk_i, period_ns, unit="ns").start()


async def reset(
    dut, cycles: int = 2, *, inputs: Sequence[str] = ("in_valid_i", "in_data_i")
) -> None:
    """Hold ``rst_ni`` low for *cycles* with both streams idle (the unit's
    ``inputs`` and ``out_ready_i`` at 0); return after a rising edge."""
    dut.rst_ni.value = 0
    for name in inputs:
        getattr(dut, name).value = 0
    dut.out_ready_i.value = 0
    await ClockCycles(dut.clk_i, cycles)
    await ReadOnly()
    if dut.out_valid_o.value != 0:
        raise StreamError("out_valid_o is high during reset")
    await RisingEdge(dut.clk_i)
    dut.rst_ni.value = 1
    await RisingEdge(dut.clk_i)


def idle_pattern(
    rng: np.random.Generator,
    length: int,
    probabilities: Sequence[float] = (0.0, 0.0, 0.1, 0.3, 0.6, 0.9),
    mean_phase: int = 200,
) -> np.ndarray:
    """A boolean per cycle: True = idle (no valid / no ready) in that cycle.

    Made of phases of random length (mean *mean_phase* cycles), each with an
    idle probability drawn from *probabilities*, so a long stream sees full
    speed, light and heavy stalls, and the changes between them.
    """
    out = np.empty(length, dtype=bool)
    pos = 0
    while pos < length:
        n = int(rng.integers(1, 2 * mean_phase))
        p = float(rng.choice(probabilities))
        out[pos : pos + n] = rng.random(min(n, length - pos)) < p
        pos += n
    return out


async def stream(
    dut,
    words: Sequence[int],
    *,
    in_idle: np.ndarray | None = None,
    out_idle: np.ndarray | None = None,
    max_cycles: int | None = None,
    drain_cycles: int = 4,
    n_out: int | None = None,
) -> tuple[list[int], StreamStats]:
    """Send *words* (one beat each) through the unit and return the output beats.

    Call right after a rising edge with the unit out of reset and empty.
    *in_idle*/*out_idle* are cyclic per-cycle patterns (True: do not offer an
    input beat / do not take an output beat in that cycle). The unit must
    return exactly one output beat per input beat, or *n_out* output beats in
    all when given (units that reduce or expand a stream); ``max_cycles``
    (default ``4 * max(len(words), n_out) + 100`` divided by the share of ready
    cycles) bounds the run, so a stuck handshake fails with a message instead
    of hanging.
    """
    n = len(words)
    one_to_one = n_out is None
    n_out = n if n_out is None else n_out
    in_data = dut.in_data_i
    in_idle_l, out_idle_l = idle_patterns(in_idle, out_idle)
    if max_cycles is None:
        max_cycles = cycle_bound(4 * max(n, n_out) + 100, (in_idle_l, out_idle_l))

    outs: list[int] = []

    def offer() -> bool:
        i = source.taken
        if i < n:
            in_data.value = words[i]
            return True
        return False

    def take(word: int) -> None:
        outs.append(word)
        if one_to_one and len(outs) > source.taken:
            raise StreamError(
                f"cycle {sink.last}: {len(outs)} output beats for {source.taken} input beats "
                "(duplication)"
            )

    source = Source(dut.in_valid_i, dut.in_ready_o, cyclic_pauses(in_idle_l), offer)
    sink = output_sink(dut, out_idle_l, take)
    engine = ChannelEngine(dut.clk_i, (source, sink), error=StreamError)
    cycles = await engine.run(
        (sink, n_out),
        max_cycles=max_cycles,
        stuck=lambda cyc: (
            f"stream stopped moving: after {cyc} cycles {source.taken} of {n} input beats were "
            f"taken and {sink.taken} of {n_out} output beats came out"
        ),
    )

    await engine.drain(sink, drain_cycles, "output beats")  # nothing more may come out
    return outs, StreamStats(
        cycles=cycles,
        in_beats=source.taken,
        out_beats=sink.taken,
        in_wait_cycles=source.waits,
        out_wait_cycles=sink.waits,
        first_out_cycle=sink.first,
        last_out_cycle=sink.last,
    )


def output_sink(dut, idle: list[bool], take) -> Sink:
    """The unit's output port (``out_valid_o`` / ``out_ready_i`` / ``out_data_o``)
    as a :class:`Sink` that is not ready in the cycles ``idle`` (cyclic) marks and
    passes every word it takes to ``take``."""
    out_data = dut.out_data_o
    return Sink(
        dut.out_valid_o, dut.out_ready_i, cyclic_pauses(idle),
        lambda: int(str(out_data.value), 2), take, name="out (out_data_o)", error=StreamError,
    )  # fmt: skip


async def interrupt_with_reset(
    dut,
    words: Sequence[int],
    *,
    after_cycles: int,
    in_idle: np.ndarray | None = None,
    out_idle: np.ndarray | None = None,
    n_out: int | None = None,
) -> None:
    """Start streaming *words*, then reset the unit in the middle of it.

    After *after_cycles* cycles the stream is abandoned (beats in flight are
    lost, as they are in hardware) and :func:`reset` is applied; the unit must
    come out idle and empty, so the next :func:`stream` must match the golden
    model from scratch.
    """
    await abandon_with_reset(
        dut,
        stream(dut, words, in_idle=in_idle, out_idle=out_idle, n_out=n_out, max_cycles=1 << 30),
        after_cycles,
        reset,
    )


async def abandon_with_reset(dut, run: Coroutine, after_cycles: int, reset_unit) -> None:
    """Start *run* (a driver's coroutine), abandon it after *after_cycles* cycles,
    which it must not finish in, and reset the unit with ``reset_unit(dut)``."""
    task = cocotb.start_soon(run)
    await ClockCycles(dut.clk_i, after_cycles)
    if task.done():
        raise StreamError(
            f"the stream finished within {after_cycles} cycles: the reset would not be mid-stream"
        )
    task.cancel()
    await reset_unit(dut)


def pack_lanes(values: np.ndarray, lanes: int, width: int) -> list[int]:
    """Signed raw values (length a multiple of *lanes*) to one integer per beat."""
    v = np.asarray(values, dtype=np.int64).reshape(-1, lanes)
    if width in (8, 16, 32, 64):
        u = v.astype(f"<i{width // 8}").view(f"<u{width // 8}")
        nbytes = lanes * width // 8
        raw = u.tobytes()
        return [int.from_bytes(raw[k : k + nbytes], "little") for k in range(0, len(raw), nbytes)]
    mask = (1 << width) - 1
    return [
        sum((int(x) & mask) << (width * lane) for lane, x in enumerate(row)) for row in v.tolist()
    ]


def unpack_lanes(words: Sequence[int], lanes: int, width: int) -> np.ndarray:
    """One integer per beat to signed raw values (lane 0 first), as int64."""
    if width in (8, 16, 32, 64):
        nbytes = lanes * width // 8
        raw = b"".join(w.to_bytes(nbytes, "little") for w in words)
        return np.frombuffer(raw, dtype=f"<i{width // 8}").astype(np.int64)
    mask, sign = (1 << width) - 1, 1 << (width - 1)
    out = []
    for w in words:
        for lane in range(lanes):
            x = (w >> (width * lane)) & mask
            out.append(x - (1 << width) if x & sign else x)
    return np.array(out, dtype=np.int64)

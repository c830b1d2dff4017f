"""cocotb test bodies shared by the valid/ready stream benches (tb/components/stream.py convention).

Each bench keeps its own stimulus and golden comparison and hands them in:
*words* are the input beats, *compare* is a callback that gets the output
beats (or a chunk of them) and returns ``None`` when they match the golden
model, else a description of the first difference.  Every function starts
the clock and resets the unit itself, so it is the whole body of a test.

- :func:`reset_idle`: out of reset the unit is ready and nothing comes out;
- :func:`full_rate`: with no stalls one beat per cycle in and out (no
  bubbles), optionally the documented latency, and the results;
- :func:`reset_mid_stream`: a reset in the middle of a stream, then the next
  stream must match from scratch (several rounds);
- :func:`stream_chunked`: a long stream in chunks under random stalls on both
  sides, compared chunk by chunk; returns the cycle counts and wall time for
  the bench's log and :func:`tb.benchlog.record`;
- :func:`lane_property`: an in-simulation Hypothesis property of a
  one-value-per-lane unit.

:class:`LaneUnit` bundles a one-value-per-lane unit's (gelu, exp) golden model,
stimulus and ROM into those bodies; :func:`confirm_lane_mutant` is the pytest
side of its mutation tests.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from cocotb.triggers import ReadOnly, RisingEdge

from tb.components.stream import (
    StreamStats,
    idle_pattern,
    interrupt_with_reset,
    reset,
    start_clock,
    stream,
)

__all__ = [
    "LaneUnit",
    "StreamTotals",
    "burst_runner",
    "confirm_lane_mutant",
    "full_rate",
    "lane_property",
    "read_rom_hex",
    "reset_idle",
    "reset_mid_stream",
    "stream_chunked",
    "unpack_unsigned",
]

#: ``compare(outs)``: None when the output beats match the golden model, else the difference.
Compare = Callable[[list[int]], "str | None"]


async def reset_idle(
    dut,
    cycles: int = 16,
    *,
    ready: Sequence[str] = ("in_ready_o",),
    reset_fn: Callable[[object], Awaitable[None]] = reset,
) -> None:
    """Out of reset: every port in *ready* high, ``out_valid_o`` low, for *cycles*
    cycles with ``out_ready_i`` high and no input."""
    start_clock(dut)
    await reset_fn(dut)
    dut.out_ready_i.value = 1
    for cyc in range(cycles):
        await ReadOnly()
        for name in ready:
            assert getattr(dut, name).value == 1, f"{name} low {cyc} cycles after reset"
        assert dut.out_valid_o.value == 0, f"out_valid_o high {cyc} cycles after reset"
        await RisingEdge(dut.clk_i)


async def full_rate(
    dut, words: Sequence[int], compare: Compare, *, latency: int | None = None, what: str = "beats"
) -> StreamStats:
    """Full rate: with ``out_ready_i`` held high, one beat per cycle in and out (the
    unit never drops ``in_ready_o``, the output beats come back to back), the
    documented *latency* (cycles to the first output beat) when given, and the
    results match."""
    start_clock(dut)
    await reset(dut)
    outs, stats = await stream(dut, words)
    n = len(words)
    dut._log.info(
        "latency %d cycles, %d %s in %d cycles", stats.first_out_cycle, n, what, stats.cycles
    )
    if latency is not None:
        assert stats.first_out_cycle == latency, (
            f"latency {stats.first_out_cycle} cycles, documented {latency}"
        )
    assert stats.in_wait_cycles == 0, f"in_ready_o was low on {stats.in_wait_cycles} cycles"
    span = stats.last_out_cycle - stats.first_out_cycle + 1
    assert span == n, f"{n} output beats spread over {span} cycles: bubbles at full rate"
    err = compare(outs)
    assert err is None, err
    return stats


async def reset_mid_stream(
    dut,
    rng: np.random.Generator,
    make_stream: Callable[[], tuple[Sequence[int], Compare]],
    *,
    rounds: int = 4,
    max_after: int = 300,
    idle_len: int = 1024,
    mean_phase: int = 200,
) -> None:
    """*rounds* times: draw a stream (``make_stream() -> (words, compare)``), reset the
    unit 1..*max_after* cycles into it, then stream the same words again (stall
    patterns swapped) and require a match: a reset leaves the unit empty."""
    start_clock(dut)
    await reset(dut)
    for _ in range(rounds):
        words, compare = make_stream()
        idle = idle_pattern(rng, idle_len, mean_phase=mean_phase)
        await interrupt_with_reset(
            dut,
            words,
            after_cycles=int(rng.integers(1, max_after)),
            in_idle=idle,
            out_idle=idle[::-1],
        )
        outs, _ = await stream(dut, words, in_idle=idle[::-1], out_idle=idle)
        err = compare(outs)
        assert err is None, f"after a mid-stream reset: {err}"


@dataclass
class StreamTotals:
    cycles: int = 0
    in_wait: int = 0  # cycles with the input waiting
    out_wait: int = 0  # cycles with the output waiting
    seconds: float = 0.0  # wall time

    def describe(self) -> str:
        """``N cycles (I with the input waiting, O with the output waiting) in S s``."""
        return (
            f"{self.cycles} cycles ({self.in_wait} with the input waiting, {self.out_wait} "
            f"with the output waiting) in {self.seconds:.1f} s"
        )


async def stream_chunked(
    dut,
    words: Sequence[int],
    compare: Callable[[int, int, list[int]], str | None],
    *,
    rng: np.random.Generator,
    seed: int,
    chunk: int = 1 << 14,
    pattern_len: int = 1 << 16,
    what: str = "beats",
) -> StreamTotals:
    """Stream *words* in chunks of *chunk* beats under random stalls on both sides
    (:func:`tb.components.stream.idle_pattern` of *pattern_len* cycles, rotated per chunk);
    ``compare(start, stop, outs)`` checks the output beats of ``words[start:stop]``
    (so a failure names the chunk, *what* ``start..stop-1``, and the seed).
    Requires that the stalls exercised backpressure on both sides."""
    start_clock(dut)
    await reset(dut)
    in_idle = idle_pattern(rng, pattern_len)
    out_idle = idle_pattern(rng, pattern_len)
    totals = StreamTotals()
    t0 = time.perf_counter()
    for start in range(0, len(words), chunk):
        part = words[start : start + chunk]
        shift = int(rng.integers(0, pattern_len))
        outs, stats = await stream(
            dut, part, in_idle=np.roll(in_idle, shift), out_idle=np.roll(out_idle, shift)
        )
        totals.cycles += stats.cycles
        totals.in_wait += stats.in_wait_cycles
        totals.out_wait += stats.out_wait_cycles
        stop = start + len(part)
        err = compare(start, stop, outs)
        if err is not None:
            raise AssertionError(f"{what} {start}..{stop - 1}: {err} (seed {seed})")
    totals.seconds = time.perf_counter() - t0
    assert totals.in_wait > 0 and totals.out_wait > 0, (
        "the stall patterns never exercised backpressure"
    )
    return totals


def burst_runner(dut) -> Callable[..., list[int]]:
    """For a Hypothesis property (it runs in a thread of its own): a blocking
    ``run(words, in_idle, out_idle, n_out=None)`` that resets the unit, streams
    ``words`` under the example's cyclic stall patterns (lists of bools) and
    returns the output beats (:func:`tb.components.stream.stream`)."""
    from cocotb.task import resume

    @resume
    async def run(
        words: Sequence[int], in_idle: list[bool], out_idle: list[bool], n_out: int | None = None
    ) -> list[int]:
        await reset(dut)
        outs, _ = await stream(
            dut,
            words,
            in_idle=np.array(in_idle, dtype=bool),
            out_idle=np.array(out_idle, dtype=bool),
            n_out=n_out,
        )
        return outs

    return run


async def lane_property(
    dut,
    *,
    lanes: int,
    in_w: int,
    unpack: Callable[[list[int]], np.ndarray],
    golden: Callable[[np.ndarray], np.ndarray],
    describe: Callable[[int], str],
    x_strategy,
    examples: int,
    seed: int,
    unit: str,
) -> None:
    """In-simulation Hypothesis property of a one-value-per-lane unit: for any short
    burst of inputs (``x_strategy`` per value, up to three beats) and any cyclic
    stall pattern on both sides, the output lanes (``unpack`` of the beats) equal
    ``golden`` of the inputs. A failure names the input (``describe``) and lane and
    is shrunk by Hypothesis ("minimal failing input: ...")."""
    from hypothesis import strategies as st

    from tb.components.stream import StreamError, pack_lanes
    from tb.hypothesis_sim import run_property, stall_pattern

    start_clock(dut)
    await reset(dut)
    run_burst = burst_runner(dut)

    def prop(xs: list[int], in_idle: list[bool], out_idle: list[bool]) -> None:
        x = np.zeros(len(xs) + (-len(xs)) % lanes, dtype=np.int64)
        x[: len(xs)] = xs
        try:
            outs = run_burst(pack_lanes(x, lanes, in_w), in_idle, out_idle)
        except StreamError as exc:
            raise AssertionError(f"xs={xs} in_idle={in_idle} out_idle={out_idle} ({exc})") from exc
        y = unpack(outs)
        gold = np.asarray(golden(x), dtype=np.int64)
        bad = np.flatnonzero(y != gold)
        if len(bad):
            k = int(bad[0])
            raise AssertionError(
                f"{describe(int(x[k]))} lane {k % lanes}: rtl {int(y[k])} golden {int(gold[k])}"
            )

    await run_property(
        dut,
        prop,
        strategies={
            "xs": st.lists(x_strategy, min_size=1, max_size=3 * lanes),
            # Cyclic stall patterns; the trailing False keeps each side moving.
            "in_idle": stall_pattern(8),
            "out_idle": stall_pattern(8),
        },
        examples=examples,
        seed=seed,
        unit=unit,
    )


# ---- one-value-per-lane units (gelu, exp): the bench parts they share


def unpack_unsigned(words: Sequence[int], lanes: int, width: int) -> np.ndarray:
    """One integer per beat to unsigned raw values (lane 0 first), as int64
    (:func:`tb.components.stream.unpack_lanes` is the signed counterpart)."""
    if width in (8, 16, 32):
        nbytes = lanes * width // 8
        raw = b"".join(w.to_bytes(nbytes, "little") for w in words)
        return np.frombuffer(raw, dtype=f"<u{width // 8}").astype(np.int64)
    mask = (1 << width) - 1
    return np.array(
        [(w >> (width * lane)) & mask for w in words for lane in range(lanes)], dtype=np.int64
    )


def read_rom_hex(path: Path) -> np.ndarray:
    """The entries of a $readmemh file (one hex number per line) as int64."""
    vals = []
    for line in Path(path).read_text().splitlines():
        line = line.split("//", 1)[0].strip()
        if line and not line.startswith("@"):
            vals.extend(int(tok, 16) for tok in line.split())
    return np.array(vals, dtype=np.int64)


@dataclass(frozen=True)
class LaneUnit:
    """A unit that maps each lane's value through one function (``LANES`` lanes of
    ``in_w`` bits in, of ``out_w`` bits out, one valid/ready handshake), with its
    golden model, stimulus and ROM: the test bodies of its bench.

    ``unit`` names it in messages, :func:`tb.benchlog.record` and the environment
    knobs (``<UNIT>_VECTORS``); ``vectors(n, rng, lanes)`` draws at least *n*
    inputs (edge cases and random fill, a multiple of *lanes*); ``rom`` is the
    ROM file the RTL loads and ``table`` the table the golden model uses.
    """

    unit: str
    config: str
    in_w: int
    out_w: int
    signed_out: bool
    golden: Callable[[np.ndarray], np.ndarray]
    golden_name: str
    describe: Callable[[int], str]
    vectors: Callable[[int, np.random.Generator, int], np.ndarray]
    rom: Path
    table: Callable[[], np.ndarray]
    #: Functional coverage of the inputs driven and checked (ci.coverage.functional).
    sample: Callable[[np.ndarray], None] = lambda x: None

    def check_rom(self) -> None:
        """The ROM file the RTL loads must hold the table the golden model uses."""
        rom, table = read_rom_hex(self.rom), np.asarray(self.table(), dtype=np.int64)
        if rom.shape != table.shape or (rom != table).any():
            raise AssertionError(
                f"{self.rom} does not hold the {self.unit} table of configuration "
                f"{self.config!r} (the configuration changed after generation?)"
            )

    def lanes(self, dut) -> int:
        """LANES of the build (from its port widths), after :meth:`check_rom`."""
        self.check_rom()
        width, out_width = len(dut.in_data_i), len(dut.out_data_o)
        lanes, rest = divmod(width, self.in_w)
        if rest or out_width != lanes * self.out_w:
            raise AssertionError(
                f"in_data_i {width} / out_data_o {out_width} bits are not LANES x {self.in_w} / "
                f"LANES x {self.out_w}"
            )
        return lanes

    def unpack(self, words: Sequence[int], lanes: int) -> np.ndarray:
        from tb.components.stream import unpack_lanes

        return (unpack_lanes if self.signed_out else unpack_unsigned)(words, lanes, self.out_w)

    def compare(self, x: np.ndarray, y_rtl: np.ndarray, lanes: int) -> str | None:
        """None when *y_rtl* equals the golden model on *x*; else a description
        of the first difference (input, lane, RTL and golden values)."""
        y_gold = np.asarray(self.golden(x), dtype=np.int64)
        if len(y_rtl) != len(x):
            return f"{len(y_rtl)} outputs for {len(x)} inputs"
        bad = np.flatnonzero(y_rtl != y_gold)
        if not len(bad):
            self.sample(x)
            return None
        k = int(bad[0])
        return (
            f"{len(bad)} of {len(x)} outputs differ from {self.golden_name}; first: input #{k} "
            f"{self.describe(int(x[k]))} on lane {k % lanes} (beat {k // lanes}): "
            f"rtl {int(y_rtl[k])}, golden {int(y_gold[k])}"
        )

    def _golden_sampled(self, x: np.ndarray) -> np.ndarray:
        self.sample(np.asarray(x))
        return self.golden(x)

    def compare_words(self, x: np.ndarray, lanes: int) -> Compare:
        """``compare(outs)`` of this module's test bodies for the inputs *x*."""
        return lambda outs: self.compare(x, self.unpack(outs, lanes), lanes)

    def _draw(self, n: int, rng: np.random.Generator, lanes: int) -> tuple[np.ndarray, list[int]]:
        """Exactly *n* inputs (a multiple of *lanes*) and their beats."""
        from tb.components.stream import pack_lanes

        x = self.vectors(n, rng, lanes)[:n]
        return x, pack_lanes(x, lanes, self.in_w)

    async def reset_idle(self, dut) -> None:
        """Out of reset: ready, nothing valid, and nothing appears without input."""
        self.lanes(dut)
        await reset_idle(dut)

    async def throughput(self, dut, seed: int, *, latency: int, beats: int = 256) -> None:
        """Full rate (:func:`full_rate`) on *beats* beats of stimulus, with the
        documented *latency*."""
        lanes = self.lanes(dut)
        x, words = self._draw(beats * lanes, np.random.default_rng(seed), lanes)
        await full_rate(dut, words, self.compare_words(x, lanes), latency=latency)

    async def reset_mid_stream(self, dut, seed: int, *, beats: int = 512) -> None:
        """:func:`reset_mid_stream` on streams of *beats* beats."""
        lanes = self.lanes(dut)
        rng = np.random.default_rng(seed)

        def make_stream():
            x, words = self._draw(beats * lanes, rng, lanes)
            return words, self.compare_words(x, lanes)

        await reset_mid_stream(dut, rng, make_stream)

    async def stream(self, dut, seed: int, n: int) -> None:
        """>= *n* inputs (``vectors``: every edge case and random fill) under random
        stalls on both sides (:func:`stream_chunked`), bit for bit; the speed goes
        to the log and :func:`tb.benchlog.record`."""
        from tb.benchlog import record
        from tb.components.stream import pack_lanes

        lanes = self.lanes(dut)
        dut._log.info("seed %d (rerun: pytest --sim-seed %d)", seed, seed)
        rng = np.random.default_rng(seed)
        x = self.vectors(n, rng, lanes)
        words = pack_lanes(x, lanes, self.in_w)

        def check(start: int, stop: int, outs: list[int]) -> str | None:
            return self.compare_words(x[start * lanes : stop * lanes], lanes)(outs)

        t = await stream_chunked(dut, words, check, rng=rng, seed=seed)
        dut._log.info(
            "%d inputs in %d beats, %s: %.0f inputs/s, %.0f cycles/s",
            len(x), len(words), t.describe(), len(x) / t.seconds, t.cycles / t.seconds,
        )  # fmt: skip
        cycles_per_s = t.cycles / t.seconds
        record(self.unit, self.config, len(x), t.seconds, cycles_per_s=cycles_per_s, lanes=lanes)

    async def hypothesis(self, dut, seed: int, *, x_strategy, examples: int) -> None:
        """:func:`lane_property` with this unit's golden model (``x_strategy`` per value)."""
        lanes = self.lanes(dut)
        await lane_property(
            dut,
            lanes=lanes,
            in_w=self.in_w,
            unpack=lambda o: self.unpack(o, lanes),
            golden=self._golden_sampled,
            describe=self.describe,
            x_strategy=x_strategy,
            examples=examples,
            seed=seed,
            unit=self.unit,
        )


def confirm_lane_mutant(
    shrunk: str,
    mutant: str,
    golden: Callable[[np.ndarray], np.ndarray],
    model: Callable[..., np.ndarray],
    knobs: dict[str, object],
) -> None:
    """pytest side of a lane unit's mutation test: the shrunk input *shrunk* (``x=...
    rtl ... golden ...``, from :func:`lane_property` via :func:`tb.mutation.run_mutant`)
    really separates the mutant from the golden model: ``model(x)`` (the bench's
    Python model of the RTL) is golden there and ``model(x, **knobs)`` (the modelled
    mutation) is what the mutant returned."""
    import re

    m = re.search(r"x=(-?\d+) .*rtl (-?\d+) golden (-?\d+)", shrunk)
    assert m, f"no input in the shrunk example: {shrunk}"
    x, y_rtl, y_gold = (int(v) for v in m.groups())
    print(f"mutant {mutant}: failing input x={x}, rtl {y_rtl}, golden {y_gold}")
    xa = np.array([x], dtype=np.int64)
    assert int(golden(xa)[0]) == y_gold
    assert int(model(xa)[0]) == y_gold, "the Python model disagrees with golden"
    assert int(model(xa, **knobs)[0]) == y_rtl, (
        "the mutant's output is not what the modelled mutation predicts"
    )
    assert y_rtl != y_gold

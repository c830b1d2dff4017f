"""cocotb driver of rtl/linear_tile.sv's three ports (weights, features, results).

:func:`tb.components.stream.stream` drives one input port; the linear tile has
two (weight tiles and feature beats) whose traffic interleaves through double
buffering, so this driver runs both as sources and the results as a sink of one
:class:`tb.components.channel.ChannelEngine`, with the same handshake checks: an
offered beat is held until taken, an output beat not taken stays unchanged,
nothing comes out after the expected number of beats, and a stream that stops
moving fails with the cycle and counts instead of hanging.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tb.components import stream
from tb.components.channel import (
    ChannelEngine,
    Source,
    cycle_bound,
    cyclic_pauses,
    idle_patterns,
)
from tb.components.stream import StreamError, abandon_with_reset, output_sink
from tb.linear_tile.model import Beats


@dataclass
class LinearStats:
    cycles: int = 0
    w_beats: int = 0
    in_beats: int = 0
    out_beats: int = 0
    w_wait_cycles: int = 0  # w_valid high, w_ready low
    in_wait_cycles: int = 0  # in_valid high, in_ready low
    out_wait_cycles: int = 0  # out_valid high, out_ready low
    first_in_cycle: int = -1
    last_in_cycle: int = -1
    first_out_cycle: int = -1
    last_out_cycle: int = -1


_INPUTS = (
    "w_valid_i", "w_data_i", "w_last_i", "w_bias_i", "w_bias_alt_i", "w_gelu_i",
    "in_valid_i", "in_data_i", "in_last_i", "in_tile_last_i",
)  # fmt: skip


async def reset(dut, cycles: int = 2) -> None:
    """Hold ``rst_ni`` low for *cycles* with every port idle; return after a rising edge."""
    await stream.reset(dut, cycles, inputs=_INPUTS)


async def run_beats(
    dut,
    beats: Beats,
    *,
    w_idle: np.ndarray | None = None,
    in_idle: np.ndarray | None = None,
    out_idle: np.ndarray | None = None,
    max_cycles: int | None = None,
    drain_cycles: int = 12,
) -> tuple[list[int], LinearStats]:
    """Send *beats* through the engine and return the output beats (raw ints).

    Call right after a rising edge with the engine out of reset and empty.
    The idle patterns are cyclic per-cycle booleans (True: offer no weight
    beat / no feature beat / take no output beat in that cycle).
    """
    w_data, w_last = dut.w_data_i, dut.w_last_i
    w_bias, w_alt, w_gelu = dut.w_bias_i, dut.w_bias_alt_i, dut.w_gelu_i
    in_data, in_last, in_tlast = dut.in_data_i, dut.in_last_i, dut.in_tile_last_i

    patterns = idle_patterns(w_idle, in_idle, out_idle)
    nw, nx, n_out = len(beats.w_data), len(beats.in_data), beats.n_out
    if max_cycles is None:
        max_cycles = cycle_bound(4 * (nw + nx + n_out) + 200, patterns)

    outs: list[int] = []
    cur = {}  # last value driven on each data/flag input (skip redundant writes)

    def drive(sig, key, value):
        if cur.get(key) != value:
            sig.value = value
            cur[key] = value

    def offer_weight() -> bool:
        i = weights.taken
        if i >= nw:
            return False
        drive(w_data, "wd", beats.w_data[i])
        last = beats.w_last[i]
        drive(w_last, "wl", last)
        if last:
            drive(w_bias, "wb", beats.w_bias[i])
            drive(w_alt, "wa", beats.w_alt[i])
            drive(w_gelu, "wg", beats.w_gelu[i])
        return True

    def offer_feature() -> bool:
        i = features.taken
        if i >= nx:
            return False
        drive(in_data, "xd", beats.in_data[i])
        drive(in_last, "xl", beats.in_last[i])
        drive(in_tlast, "xt", beats.in_tile_last[i])
        return True

    weights = Source(dut.w_valid_i, dut.w_ready_o, cyclic_pauses(patterns[0]), offer_weight)
    features = Source(dut.in_valid_i, dut.in_ready_o, cyclic_pauses(patterns[1]), offer_feature)
    results = output_sink(dut, patterns[2], outs.append)
    engine = ChannelEngine(dut.clk_i, (weights, features, results), error=StreamError)
    cycles = await engine.run(
        (results, n_out),
        max_cycles=max_cycles,
        stuck=lambda cyc: (
            f"stream stopped moving: after {cyc} cycles {weights.taken}/{nw} weight beats, "
            f"{features.taken}/{nx} feature beats were taken and {len(outs)}/{n_out} results "
            "came out"
        ),
    )

    await engine.drain(results, drain_cycles, "results")
    if weights.taken != nw or features.taken != nx:
        raise StreamError(
            f"all {n_out} results came out with only {weights.taken}/{nw} weight and "
            f"{features.taken}/{nx} feature beats taken"
        )
    return outs, LinearStats(
        cycles=cycles,
        w_beats=weights.taken,
        in_beats=features.taken,
        out_beats=results.taken,
        w_wait_cycles=weights.waits,
        in_wait_cycles=features.waits,
        out_wait_cycles=results.waits,
        first_in_cycle=features.first,
        last_in_cycle=features.last,
        first_out_cycle=results.first,
        last_out_cycle=results.last,
    )


async def interrupt_with_reset(
    dut,
    beats: Beats,
    *,
    after_cycles: int,
    w_idle: np.ndarray | None = None,
    in_idle: np.ndarray | None = None,
    out_idle: np.ndarray | None = None,
) -> None:
    """Start sending *beats*, reset the engine after *after_cycles* cycles (weight
    tiles, tokens and results in flight are lost, as in hardware).

    The multi-port counterpart of :func:`tb.components.stream.interrupt_with_reset`.
    """
    await abandon_with_reset(
        dut,
        run_beats(
            dut, beats, w_idle=w_idle, in_idle=in_idle, out_idle=out_idle, max_cycles=1 << 30
        ),
        after_cycles,
        reset,
    )

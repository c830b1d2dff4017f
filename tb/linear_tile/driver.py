"""cocotb driver of rtl/linear_tile.sv's three ports (weights, features, results).

:func:`tb.components.stream.stream` drives one input port; the linear engine has two
(weight tiles and feature beats) whose traffic interleaves through double
buffering, so this driver offers both from one coroutine, with two triggers
per cycle as :mod:`tb.components.stream` does, and checks the same handshake rules: an
offered beat is held until taken, an output beat not taken stays unchanged,
nothing comes out after the expected number of beats, and a stream that stops
moving fails with the cycle and counts instead of hanging.
"""

from __future__ import annotations

from dataclasses import dataclass

import cocotb
import numpy as np
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge

from tb.components.stream import StreamError
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
    dut.rst_ni.value = 0
    for name in _INPUTS:
        getattr(dut, name).value = 0
    dut.out_ready_i.value = 0
    await ClockCycles(dut.clk_i, cycles)
    await ReadOnly()
    if dut.out_valid_o.value != 0:
        raise StreamError("out_valid_o is high during reset")
    await RisingEdge(dut.clk_i)
    dut.rst_ni.value = 1
    await RisingEdge(dut.clk_i)


def _pattern(p) -> list[bool]:
    return [bool(v) for v in p] if p is not None and len(p) else [False]


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
    clk = dut.clk_i
    w_valid, w_ready, w_data, w_last = dut.w_valid_i, dut.w_ready_o, dut.w_data_i, dut.w_last_i
    w_bias, w_alt, w_gelu = dut.w_bias_i, dut.w_bias_alt_i, dut.w_gelu_i
    in_valid, in_ready, in_data = dut.in_valid_i, dut.in_ready_o, dut.in_data_i
    in_last, in_tlast = dut.in_last_i, dut.in_tile_last_i
    out_valid, out_ready, out_data = dut.out_valid_o, dut.out_ready_i, dut.out_data_o
    edge, ro = RisingEdge(clk), ReadOnly()

    wi_l, ii_l, oi_l = _pattern(w_idle), _pattern(in_idle), _pattern(out_idle)
    lw, li, lo = len(wi_l), len(ii_l), len(oi_l)
    if all(wi_l) or all(ii_l) or all(oi_l):
        raise ValueError("an idle pattern that is idle on every cycle never moves the stream")
    nw, nx, n_out = len(beats.w_data), len(beats.in_data), beats.n_out
    if max_cycles is None:
        busy = 1.0
        for pat in (wi_l, ii_l, oi_l):
            busy *= max(0.05, 1 - sum(pat) / len(pat))
        max_cycles = int((4 * (nw + nx + n_out) + 200) / busy)

    st = LinearStats()
    outs: list[int] = []
    wi = xi = 0
    w_drv = x_drv = False  # level on the valid inputs
    w_hold = x_hold = False  # an offered beat was not taken yet
    cur = {}  # last value driven on each data/flag input (skip redundant writes)

    def drive(sig, key, value):
        if cur.get(key) != value:
            sig.value = value
            cur[key] = value

    r_drv: bool | None = None
    stalled_word: int | None = None
    cyc = 0
    while len(outs) < n_out:
        if cyc >= max_cycles:
            raise StreamError(
                f"stream stopped moving: after {cyc} cycles {wi}/{nw} weight beats, "
                f"{xi}/{nx} feature beats were taken and {len(outs)}/{n_out} results came out"
            )
        if not w_hold:
            v = wi < nw and not wi_l[cyc % lw]
            if v:
                drive(w_data, "wd", beats.w_data[wi])
                last = beats.w_last[wi]
                drive(w_last, "wl", last)
                if last:
                    drive(w_bias, "wb", beats.w_bias[wi])
                    drive(w_alt, "wa", beats.w_alt[wi])
                    drive(w_gelu, "wg", beats.w_gelu[wi])
            if v != w_drv:
                w_valid.value = int(v)
                w_drv = v
        if not x_hold:
            v = xi < nx and not ii_l[cyc % li]
            if v:
                drive(in_data, "xd", beats.in_data[xi])
                drive(in_last, "xl", beats.in_last[xi])
                drive(in_tlast, "xt", beats.in_tile_last[xi])
            if v != x_drv:
                in_valid.value = int(v)
                x_drv = v
        r = not oi_l[cyc % lo]
        if r != r_drv:
            out_ready.value = int(r)
            r_drv = r

        await ro

        if w_drv:
            if w_ready.value:
                wi += 1
                w_hold = False
            else:
                w_hold = True
                st.w_wait_cycles += 1
        if x_drv:
            if in_ready.value:
                xi += 1
                x_hold = False
                if st.first_in_cycle < 0:
                    st.first_in_cycle = cyc
                st.last_in_cycle = cyc
            else:
                x_hold = True
                st.in_wait_cycles += 1
        if out_valid.value:
            word = out_data.value.to_unsigned()
            if stalled_word is not None and word != stalled_word:
                raise StreamError(
                    f"cycle {cyc}: out_data_o changed while out_valid_o was high and "
                    f"out_ready_i low (output beat {len(outs)})"
                )
            if r:
                outs.append(word)
                if st.first_out_cycle < 0:
                    st.first_out_cycle = cyc
                st.last_out_cycle = cyc
                stalled_word = None
            else:
                stalled_word = word
                st.out_wait_cycles += 1
        elif stalled_word is not None:
            raise StreamError(
                f"cycle {cyc}: out_valid_o dropped before output beat {len(outs)} was taken"
            )
        await edge
        cyc += 1

    if w_drv:
        w_valid.value = 0
    if x_drv:
        in_valid.value = 0
    out_ready.value = 1
    for k in range(drain_cycles):
        await ro
        if out_valid.value:
            raise StreamError(
                f"out_valid_o high {k} cycles after the last of {n_out} results (extra beat)"
            )
        await edge
    if wi != nw or xi != nx:
        raise StreamError(
            f"all {n_out} results came out with only {wi}/{nw} weight and {xi}/{nx} "
            "feature beats taken"
        )
    st.cycles, st.w_beats, st.in_beats, st.out_beats = cyc, wi, xi, len(outs)
    return outs, st


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
    task = cocotb.start_soon(
        run_beats(dut, beats, w_idle=w_idle, in_idle=in_idle, out_idle=out_idle, max_cycles=1 << 30)
    )
    await ClockCycles(dut.clk_i, after_cycles)
    if task.done():
        raise StreamError(
            f"the stream finished within {after_cycles} cycles: the reset would not be mid-stream"
        )
    task.cancel()
    await reset(dut)

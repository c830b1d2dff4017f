"""cocotb tests of rtl/softmax_stats_unit.sv against golden.softmax.online_softmax_stats.

Run through tb/softmax_stats/test_softmax_stats.py (pytest), which builds the
model for a configuration and sets the environment read here:

EDGEMOE_CONFIG               configuration name (golden.config.load_config)
EDGEMOE_SEED                 seed of every random choice (printed by each test)
SOFTMAX_STATS_VECTORS        scores streamed by ss_stream (default 200,000)
SOFTMAX_STATS_HYP_EXAMPLES   Hypothesis examples of ss_hypothesis (default 600)
HYPOTHESIS_PROFILE           "long" (nox -s nightly) raises both defaults 20-fold

A "vector" is one score: a key beat carries P of them (P = ATTN_P query rows).
"""

from __future__ import annotations

import json
import time

import cocotb
import numpy as np
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge
from hypothesis import strategies as st

from golden.config import load_config
from hls.geometry import geometry
from tb.benchlog import record
from tb.components import unit_checks
from tb.components.stream import (
    StreamError,
    idle_pattern,
    interrupt_with_reset,
    reset,
    start_clock,
    stream,
)
from tb.hypothesis_sim import example_scale, examples_for, run_property, stall_pattern
from tb.simenv import env_config_name, env_int, env_seed, seeded_rng
from tb.softmax_stats.model import (
    check_supported,
    edge_groups,
    golden_stats,
    make_group,
    pack_groups,
    random_length,
    stream_groups,
    unpack_results,
)

CFG = load_config(env_config_name())
check_supported(CFG)
GEO = geometry(CFG)
FEAT = CFG.formats.feature
_SCALE = example_scale()
UNIT = "softmax_stats"


def _check_dut(dut) -> None:
    if len(dut.in_data_i) != GEO.stats_in_w or len(dut.out_data_o) != GEO.stats_out_w:
        raise AssertionError(
            f"in_data_i/out_data_o are {len(dut.in_data_i)}/{len(dut.out_data_o)} bits; "
            f"configuration {CFG.name!r} (P={CFG.attn_parallel}) needs "
            f"{GEO.stats_in_w}/{GEO.stats_out_w}"
        )


def _row_text(row: np.ndarray, limit: int = 12) -> str:
    vals = [int(v) for v in row]
    if len(vals) <= limit:
        return str(vals)
    return f"{vals[: limit // 2]} ... {vals[-limit // 2 :]} ({len(vals)} keys)"


def compare(groups: list[np.ndarray], outs: list[int]) -> str | None:
    """None when the result beats equal the golden model; else the first difference
    (group, lane, its scores, RTL and golden (max, sum))."""
    if len(outs) != len(groups):
        return f"{len(outs)} result beats for {len(groups)} rows"
    gm, gs = golden_stats(groups, CFG)
    rm, rs = unpack_results(outs, GEO)
    bad = np.argwhere((rm != gm) | (rs != gs))
    if not len(bad):
        return None
    g, lane = (int(v) for v in bad[0])
    return (
        f"{len(bad)} of {gm.size} row results differ from golden.softmax.online_softmax_stats; "
        f"first: group {g} lane {lane} ({groups[g].shape[1]} keys "
        f"{_row_text(groups[g][lane])}): rtl m={int(rm[g, lane])} s={int(rs[g, lane])} "
        f"golden m={int(gm[g, lane])} s={int(gs[g, lane])}"
    )


def _chunks(groups: list[np.ndarray], beats: int) -> list[list[np.ndarray]]:
    out, cur, n = [], [], 0
    for g in groups:
        cur.append(g)
        n += g.shape[1]
        if n >= beats:
            out.append(cur)
            cur, n = [], 0
    if cur:
        out.append(cur)
    return out


@cocotb.test(timeout_time=20, timeout_unit="us")
async def ss_reset_idle(dut):
    """Out of reset: ready, nothing valid, and nothing appears without input."""
    _check_dut(dut)
    await unit_checks.reset_idle(dut)


@cocotb.test(timeout_time=500, timeout_unit="us")
async def ss_throughput(dut):
    """Full rate: with out_ready_i high, one key beat per cycle, rows back to back
    (including one-key rows) without a bubble."""
    _check_dut(dut)
    rng = np.random.default_rng(env_seed())
    start_clock(dut)
    await reset(dut)
    groups = [make_group(n, rng, GEO) for n in [1, 1, 9, 2, 1, 129, 1, 3, 1, 1, 17]]
    words = pack_groups(groups, GEO)
    outs, stats = await stream(dut, words, n_out=len(groups))
    dut._log.info(
        "%d key beats, %d rows in %d cycles; first result %d cycles after the first beat",
        len(words),
        len(groups),
        stats.cycles,
        stats.first_out_cycle,
    )
    assert stats.in_wait_cycles == 0, f"in_ready_o was low on {stats.in_wait_cycles} cycles"
    # The last result leaves a fixed latency after the last key is taken.
    latency = stats.last_out_cycle - (len(words) - 1)
    assert latency == stats.first_out_cycle, (
        f"the last row's result came {latency} cycles after its last key, the first row's "
        f"{stats.first_out_cycle}: bubbles at full rate"
    )
    err = compare(groups, outs)
    assert err is None, err


async def _stream_checked(dut, groups, rng, in_idle, out_idle, what: str):
    words = pack_groups(groups, GEO)
    shift = int(rng.integers(0, len(in_idle)))
    outs, stats = await stream(
        dut,
        words,
        in_idle=np.roll(in_idle, shift),
        out_idle=np.roll(out_idle, shift),
        n_out=len(groups),
    )
    err = compare(groups, outs)
    if err is not None:
        raise AssertionError(f"{what}: {err}")
    return stats


@cocotb.test(timeout_time=2000, timeout_unit="ms")
async def ss_stream(dut):
    """>= SOFTMAX_STATS_VECTORS scores (every row class at lengths 1, 2, 9, 129, 1024,
    extremes, random rows) under random stalls on both sides, bit-exact."""
    _check_dut(dut)
    s, rng = seeded_rng(dut)
    start_clock(dut)
    await reset(dut)
    groups = stream_groups(GEO, env_int("SOFTMAX_STATS_VECTORS", _SCALE * 200_000), rng)
    in_idle = idle_pattern(rng, 1 << 16)
    out_idle = idle_pattern(rng, 1 << 16)
    t0 = time.perf_counter()
    cycles = in_wait = out_wait = beats = scores = 0
    for k, part in enumerate(_chunks(groups, 1 << 13)):
        stats = await _stream_checked(dut, part, rng, in_idle, out_idle, f"chunk {k} (seed {s})")
        cycles += stats.cycles
        in_wait += stats.in_wait_cycles
        out_wait += stats.out_wait_cycles
        beats += stats.in_beats
        scores += sum(g.size for g in part)
    wall = time.perf_counter() - t0
    dut._log.info(
        "%d scores (%d rows of %d queries, %d key beats) in %d cycles (%d with the input "
        "waiting, %d with the output waiting) in %.1f s: %.0f scores/s, %.0f cycles/s",
        scores,
        len(groups),
        CFG.attn_parallel,
        beats,
        cycles,
        in_wait,
        out_wait,
        wall,
        scores / wall,
        cycles / wall,
    )
    record(UNIT, CFG.name, scores, wall, cycles=cycles, key_beats=beats, rows=len(groups))
    assert in_wait > 0 and out_wait > 0, "the stall patterns never exercised backpressure"


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def ss_reset_mid_stream(dut):
    """Resets in the middle of rows (and while a result waits for out_ready_i): the
    unit comes out idle and empty, and a full stream afterwards matches."""
    _check_dut(dut)
    s = env_seed()
    rng = np.random.default_rng(s + 1)
    start_clock(dut)
    await reset(dut)
    in_idle = idle_pattern(rng, 1 << 12)
    out_idle = idle_pattern(rng, 1 << 12)
    for k in range(6):
        groups = [make_group(random_length(rng), rng, GEO) for _ in range(6)]
        words = pack_groups(groups, GEO)
        after = int(rng.integers(2, max(3, len(words) // 2)))
        # k odd: the output side stalls for good, so results pile up inside the unit.
        stop = np.ones(64, dtype=bool)
        stop[0] = False
        await interrupt_with_reset(
            dut,
            words,
            after_cycles=after,
            in_idle=in_idle,
            out_idle=stop if k % 2 else out_idle,
            n_out=len(groups),
        )
        dut.out_ready_i.value = 1
        for cyc in range(4):
            await ReadOnly()
            assert dut.out_valid_o.value == 0, f"out_valid_o high {cyc} cycles after reset"
            await RisingEdge(dut.clk_i)
        after_reset = edge_groups(GEO, rng)[:12] + [
            make_group(random_length(rng), rng, GEO) for _ in range(4)
        ]
        await _stream_checked(
            dut, after_reset, rng, in_idle, out_idle, f"after reset #{k} at cycle {after}"
        )
    dut._log.info("6 mid-stream resets, each followed by a matching stream (seed %d)", s)


# ------------------------------------------------------------------------- Hypothesis


def _strategies():
    lo, hi = FEAT.min_raw, FEAT.max_raw
    unit = 1 << (FEAT.width - 10)
    corner = st.sampled_from([0, -1, 1, lo, lo + 1, hi, hi - 1])
    value = st.one_of(st.integers(-4 * unit, 4 * unit), corner, st.integers(lo, hi))

    def clip(v: int) -> int:
        return max(lo, min(hi, v))

    def lane(n: int):
        rising = st.builds(
            lambda a, d, up: [clip(a + (k if up else n - 1 - k) * d) for k in range(n)],
            value,
            st.one_of(st.sampled_from([1, 2, unit]), st.integers(1, hi)),
            st.booleans(),
        )
        equal = st.builds(lambda c: [c] * n, value)
        onehot = st.builds(
            lambda b, gap, pos: [clip(b + gap) if k == pos else b for k in range(n)],
            value,
            st.one_of(st.sampled_from([1, unit]), st.integers(1, 1 << FEAT.width)),
            st.integers(0, n - 1),
        )
        ties = st.builds(
            lambda a, picks: [clip(a + d) for d in picks],
            value,
            st.lists(st.sampled_from([0, 0, 1, -1, -unit]), min_size=n, max_size=n),
        )
        free = st.lists(value, min_size=n, max_size=n)
        return st.one_of(free, rising, equal, onehot, ties)

    group = st.integers(1, 12).flatmap(
        lambda n: st.lists(lane(n), min_size=CFG.attn_parallel, max_size=CFG.attn_parallel)
    )
    # Cyclic stall patterns; the trailing False keeps each side moving.
    idle = stall_pattern(8)
    return {
        "groups": st.lists(group, min_size=1, max_size=3),
        "in_idle": idle,
        "out_idle": idle,
    }


@cocotb.test(timeout_time=2000, timeout_unit="ms")
async def ss_hypothesis(dut):
    """Hypothesis property (bridge thread, resume-driven DUT): for any few rows -
    rising (the worst case for rescaling), all-equal, one-hot, ties, extremes,
    one-LSB steps, one key - and any stall pattern, the RTL equals the golden
    model. A failure is shrunk and reported as 'minimal failing input: groups=...'."""
    _check_dut(dut)
    s = env_seed()
    start_clock(dut)
    await reset(dut)

    run = unit_checks.burst_runner(dut)

    def prop(groups: list[list[list[int]]], in_idle: list[bool], out_idle: list[bool]) -> None:
        arrays = [np.array(g, dtype=np.int64) for g in groups]
        where = f"groups={json.dumps(groups)} in_idle={in_idle} out_idle={out_idle}"
        try:
            outs = run(pack_groups(arrays, GEO), in_idle, out_idle, n_out=len(arrays))
        except StreamError as exc:
            raise AssertionError(f"{where}: {exc}") from exc
        err = compare(arrays, outs)
        if err is not None:
            raise AssertionError(f"{where}: {err}")

    await run_property(
        dut,
        prop,
        strategies=_strategies(),
        examples=examples_for("SOFTMAX_STATS_HYP_EXAMPLES", 600),
        seed=s,
        unit=UNIT,
    )
    await ClockCycles(dut.clk_i, 1)

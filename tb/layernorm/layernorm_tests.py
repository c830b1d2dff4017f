"""cocotb tests of rtl/layernorm_unit.sv against golden.layernorm.layernorm, bit for bit.

Run through tb/layernorm/test_layernorm.py (pytest), which builds the model for
a configuration and sets the environment read here:

EDGEMOE_CONFIG        configuration name (golden.config.load_config)
EDGEMOE_SEED          seed of every random choice (printed by each test)
LN_VECTORS            row elements streamed by ln_stream (default 200,000 rounded
                      up to whole rows; 20x under HYPOTHESIS_PROFILE=long)
LN_HYP_EXAMPLES       Hypothesis examples of ln_hypothesis (default 300)
"""

from __future__ import annotations

import json
import time

import cocotb
import numpy as np
from cocotb.task import resume
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge
from hypothesis import strategies as st

from golden.config import load_config
from golden.layernorm import layernorm
from hls.geometry import geometry
from tb.benchlog import record
from tb.components import unit_checks
from tb.components.stream import (
    StreamError,
    idle_pattern,
    interrupt_with_reset,
    pack_lanes,
    reset,
    start_clock,
    stream,
    unpack_lanes,
)
from tb.hypothesis_sim import example_scale, examples_for, run_property, stall_pattern
from tb.layernorm.model import edge_rows, gamma_beta, random_rows
from tb.simenv import env_config_name, env_int, env_seed, seeded_rng

CFG = load_config(env_config_name())
GEO = geometry(CFG)
FEAT, NORM = CFG.formats.feature, CFG.formats.norm
F = CFG.formats.feature.frac_bits
GF = CFG.formats.norm.frac_bits
_SCALE = example_scale()


def _lanes(dut) -> int:
    width = len(dut.in_data_i)
    if width % FEAT.width or CFG.dim % (width // FEAT.width):
        raise AssertionError(f"in_data_i is {width} bits: not a divisor of a row of {CFG.dim}")
    lanes = width // FEAT.width
    if len(dut.prm_data_i) != 2 * lanes * NORM.width:
        raise AssertionError(f"prm_data_i is {len(dut.prm_data_i)} bits, not 2 x {lanes} x norm")
    return lanes


async def ln_reset(dut) -> None:
    dut.prm_valid_i.value = 0
    dut.prm_data_i.value = 0
    await reset(dut)


async def load_params(dut, gamma: np.ndarray, beta: np.ndarray, lanes: int) -> int:
    """Send gamma/beta through the parameter port; returns the cycles it took."""
    g = np.asarray(gamma, dtype=np.int64).reshape(-1, lanes)
    b = np.asarray(beta, dtype=np.int64).reshape(-1, lanes)
    words = pack_lanes(np.concatenate([g, b], axis=1).ravel(), 2 * lanes, NORM.width)
    cycles = 0
    for w in words:
        dut.prm_valid_i.value = 1
        dut.prm_data_i.value = w
        while True:
            await ReadOnly()
            taken = bool(dut.prm_ready_o.value)
            await RisingEdge(dut.clk_i)
            cycles += 1
            if taken:
                break
            if cycles > 100_000:
                raise StreamError("prm_ready_o never rose: the parameter load is stuck")
    dut.prm_valid_i.value = 0
    return cycles


def _max_cycles(rows: int, lanes: int, in_idle=None, out_idle=None) -> int:
    busy = 1.0
    for p in (in_idle, out_idle):
        if p is not None and len(p):
            busy *= max(0.05, 1 - float(np.mean(p)))
    return int((rows * (8 * CFG.dim // lanes + 300) + 1000) / busy)


async def run_rows(dut, x: np.ndarray, lanes: int, in_idle=None, out_idle=None) -> np.ndarray:
    """Stream rows (shape (R, DIM)) through the unit; returns the output rows."""
    words = pack_lanes(x.ravel(), lanes, FEAT.width)
    outs, _ = await stream(
        dut, words, in_idle=in_idle, out_idle=out_idle,
        max_cycles=_max_cycles(len(x), lanes, in_idle, out_idle),
    )  # fmt: skip
    return unpack_lanes(outs, lanes, FEAT.width).reshape(x.shape)


def describe_row(row: np.ndarray) -> str:
    r = np.asarray(row, dtype=np.float64) * 2.0**-F
    return f"(mean {r.mean():.9g}, std {r.std():.3g}, min {r.min():.9g}, max {r.max():.9g})"


def compare(x: np.ndarray, gamma, beta, y_rtl: np.ndarray) -> str | None:
    """None when *y_rtl* equals golden.layernorm; else the first difference."""
    y_gold = np.asarray(layernorm(x, gamma, beta, CFG), dtype=np.int64)
    bad = np.argwhere(y_rtl != y_gold)
    if not len(bad):
        return None
    r, k = (int(v) for v in bad[0])
    return (
        f"{len(bad)} of {y_rtl.size} outputs differ from golden.layernorm; first: row {r} "
        f"{describe_row(x[r])} element {k}: x={int(x[r, k])} gamma={int(gamma[k])} "
        f"beta={int(beta[k])}: rtl {int(y_rtl[r, k])}, golden {int(y_gold[r, k])}; "
        f"row {r} = {x[r].tolist()}"
    )


@cocotb.test(timeout_time=50, timeout_unit="us")
async def ln_reset_idle(dut):
    """Out of reset: ready for rows and parameters, nothing valid, nothing appears."""
    _lanes(dut)
    await unit_checks.reset_idle(dut, 32, ready=("in_ready_o", "prm_ready_o"), reset_fn=ln_reset)


@cocotb.test(timeout_time=20, timeout_unit="ms")
async def ln_throughput(dut):
    """Rows back to back with no stalls: cycles per row (buffers overlap fill,
    statistics and drain), and the results."""
    lanes = _lanes(dut)
    rng = np.random.default_rng(env_seed())
    start_clock(dut)
    await ln_reset(dut)
    gamma, beta = gamma_beta(GEO, GF, 0, rng)
    await load_params(dut, gamma, beta, lanes)
    rows = 64
    x = random_rows(GEO, F, rows, rng)
    words = pack_lanes(x.ravel(), lanes, FEAT.width)
    outs, stats = await stream(dut, words, max_cycles=_max_cycles(rows, lanes))
    beats = CFG.dim // lanes
    per_row = (stats.last_out_cycle - stats.first_out_cycle + 1) / (rows - 1)
    dut._log.info(
        "%d rows of %d beats: first result after %d cycles, then %.1f cycles per row "
        "(%.2f elements per cycle)",
        rows, beats, stats.first_out_cycle, per_row, CFG.dim / per_row,
    )  # fmt: skip
    err = compare(x, gamma, beta, unpack_lanes(outs, lanes, FEAT.width).reshape(x.shape))
    assert err is None, err


@cocotb.test(timeout_time=5000, timeout_unit="ms")
async def ln_stream(dut):
    """>= LN_VECTORS row elements (edge rows + mixed random rows), gamma/beta
    reloaded per chunk (random, identity, extremes), random stalls on both
    sides, compared bit for bit with golden.layernorm."""
    lanes = _lanes(dut)
    s, rng = seeded_rng(dut)
    start_clock(dut)
    await ln_reset(dut)
    edges = edge_rows(GEO, F)
    n_rows = max(len(edges), -(-env_int("LN_VECTORS", _SCALE * 200_000) // CFG.dim))
    x = np.concatenate([edges, random_rows(GEO, F, n_rows - len(edges), rng)])
    rng.shuffle(x)
    in_idle = idle_pattern(rng, 1 << 16)
    out_idle = idle_pattern(rng, 1 << 16)
    chunk = max(1, 4096 // CFG.dim)  # rows per chunk (one gamma/beta set each)
    t0 = time.perf_counter()
    cycles = in_wait = out_wait = 0
    for c, start in enumerate(range(0, len(x), chunk)):
        part = x[start : start + chunk]
        gamma, beta = gamma_beta(GEO, GF, c % 5, rng)
        await load_params(dut, gamma, beta, lanes)
        shift = int(rng.integers(0, 1 << 16))
        ii, oi = np.roll(in_idle, shift), np.roll(out_idle, shift)
        words = pack_lanes(part.ravel(), lanes, FEAT.width)
        outs, stats = await stream(
            dut, words, in_idle=ii, out_idle=oi, max_cycles=_max_cycles(len(part), lanes, ii, oi)
        )
        cycles += stats.cycles
        in_wait += stats.in_wait_cycles
        out_wait += stats.out_wait_cycles
        y = unpack_lanes(outs, lanes, FEAT.width).reshape(part.shape)
        err = compare(part, gamma, beta, y)
        if err is not None:
            raise AssertionError(f"rows {start}..{start + len(part) - 1}: {err} (seed {s})")
    wall = time.perf_counter() - t0
    dut._log.info(
        "%d rows, %d elements, %d cycles (%d with the input waiting, %d with the output "
        "waiting) in %.1f s: %.0f elements/s, %.0f rows/s, %.0f cycles/s",
        len(x), x.size, cycles, in_wait, out_wait, wall,
        x.size / wall, len(x) / wall, cycles / wall,
    )  # fmt: skip
    record("layernorm_unit", CFG.name, x.size, wall, rows=len(x), cycles=cycles)
    assert in_wait > 0 and out_wait > 0, "the stall patterns never exercised backpressure"


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def ln_reset_mid_stream(dut):
    """A reset in the middle of a stream (rows in every buffer state), then a
    full stream with fresh parameters must match the golden model from scratch."""
    lanes = _lanes(dut)
    s = env_seed()
    rng = np.random.default_rng(s + 1)
    start_clock(dut)
    beats = CFG.dim // lanes
    for after in (1, beats // 2 + 1, beats + 3, 3 * beats + 7, 5 * beats + 30):
        await ln_reset(dut)
        gamma, beta = gamma_beta(GEO, GF, 0, rng)
        await load_params(dut, gamma, beta, lanes)
        x = random_rows(GEO, F, 12, rng)
        idle = idle_pattern(rng, 256, probabilities=(0.0, 0.3))
        await interrupt_with_reset(
            dut, pack_lanes(x.ravel(), lanes, FEAT.width), after_cycles=after,
            in_idle=idle, out_idle=np.roll(idle, 17),
        )  # fmt: skip
        await ReadOnly()
        assert dut.out_valid_o.value == 0, "out_valid_o high after the reset"
        assert dut.prm_ready_o.value == 1, "the unit is not empty after the reset"
        await RisingEdge(dut.clk_i)
        gamma, beta = gamma_beta(GEO, GF, int(rng.integers(0, 5)), rng)
        await load_params(dut, gamma, beta, lanes)
        x = np.concatenate([edge_rows(GEO, F)[:4], random_rows(GEO, F, 8, rng)])
        y = await run_rows(dut, x, lanes, in_idle=idle, out_idle=np.roll(idle, 5))
        err = compare(x, gamma, beta, y)
        assert err is None, f"after a reset {after} cycles into a stream: {err} (seed {s})"


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def ln_param_reload_mid_stream(dut):
    """A parameter load offered while rows are streaming waits for the rows in
    flight (they keep the old gamma/beta), then the rest use the new ones."""
    lanes = _lanes(dut)
    rng = np.random.default_rng(env_seed() + 2)
    start_clock(dut)
    await ln_reset(dut)
    g0, b0 = gamma_beta(GEO, GF, 0, rng)
    g1, b1 = gamma_beta(GEO, GF, 2, rng)
    await load_params(dut, g0, b0, lanes)
    x = random_rows(GEO, F, 10, rng)
    words = pack_lanes(x.ravel(), lanes, FEAT.width)
    taken = [0]  # input beats accepted so far

    async def count_inputs():
        while True:
            await ReadOnly()
            if dut.in_valid_i.value and dut.in_ready_o.value:
                taken[0] += 1
            await RisingEdge(dut.clk_i)

    counter = cocotb.start_soon(count_inputs())
    task = cocotb.start_soon(stream(dut, words, max_cycles=_max_cycles(len(x), lanes)))
    beats = CFG.dim // lanes
    await ClockCycles(dut.clk_i, 2 * beats + beats // 2)
    await load_params(dut, g1, b1, lanes)
    split_beats = taken[0]
    outs, _ = await task
    counter.cancel()
    assert split_beats % beats == 0, f"parameters taken in the middle of a row ({split_beats})"
    split = split_beats // beats
    assert 0 < split < len(x), f"the reload did not happen mid-stream (after {split} rows)"
    y = unpack_lanes(outs, lanes, FEAT.width).reshape(x.shape)
    for rows, g, b in ((slice(0, split), g0, b0), (slice(split, None), g1, b1)):
        err = compare(x[rows], g, b, y[rows])
        assert err is None, f"rows {rows}: {err}"


# ---------------------------------------------------------------------------
# Hypothesis


def _row_strategy():
    """Rows c + (offsets << shift), clipped: all-equal rows (offsets 0), nearly
    constant rows (a few offsets +-1, +-2), one-LSB spreads (offsets 0/1, shift 0),
    large mean / small spread (c near +-10, shift ~17 for std ~0.05), format
    extremes (c at an extreme, large shift)."""
    n, lo, hi = CFG.dim, FEAT.min_raw, FEAT.max_raw
    ten = 10 << F
    base = st.one_of(
        st.sampled_from([0, lo, hi, lo + 1, hi - 1, ten, -ten]),
        st.integers(ten - (1 << 12), ten + (1 << 12)),
        st.integers(lo, hi),
    )
    # Nearly constant rows: a few elements one or two LSB off (var well below eps).
    sparse = st.lists(st.tuples(st.integers(0, n - 1), st.integers(-2, 2)), min_size=1, max_size=3)

    def scatter(changes: list[tuple[int, int]]) -> list[int]:
        offs = [0] * n
        for k, d in changes:
            offs[k] = d
        return offs

    offsets = st.one_of(
        sparse.map(scatter),
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
        st.lists(st.integers(-3, 3), min_size=n, max_size=n),
        st.lists(st.integers(-(1 << 8), 1 << 8), min_size=n, max_size=n),
    )

    def make(c: int, offs: list[int], shift: int) -> list[int]:
        row = np.array([c + (o << shift) for o in offs], dtype=object)
        return [int(min(max(v, lo), hi)) for v in row]

    # Shift 0 (spreads of a few LSB) often: the statistics' low bits only show there.
    shift = st.one_of(st.just(0), st.integers(0, 4), st.integers(0, FEAT.width - 1))
    return st.builds(make, base, offsets, shift)


def _gb_strategy():
    n = CFG.dim
    ext = [
        NORM.min_raw,
        NORM.max_raw,
        NORM.min_raw + 1,
        NORM.max_raw - 1,
        1 << GF,
        -(1 << GF),
        0,
        1,
        -1,
    ]
    one = st.one_of(st.sampled_from(ext), st.integers(NORM.min_raw, NORM.max_raw))
    per_elem = st.lists(one, min_size=n, max_size=n)
    const = one.map(lambda v: [v] * n)
    return st.one_of(const, per_elem)


@cocotb.test(timeout_time=5000, timeout_unit="ms")
async def ln_hypothesis(dut):
    """Hypothesis property (bridge/resume): for any 1-2 rows from the corner
    strategies, any gamma/beta and any stall pattern the RTL equals
    golden.layernorm. A failure is shrunk and reported as 'minimal failing
    input: ...' with the rows, gamma, beta and the RTL output as JSON."""
    lanes = _lanes(dut)
    s = env_seed()
    examples = examples_for("LN_HYP_EXAMPLES", 300)
    start_clock(dut)
    await ln_reset(dut)

    @resume
    async def run(x: np.ndarray, gamma, beta, in_idle: list[bool], out_idle: list[bool]):
        await ln_reset(dut)
        await load_params(dut, np.array(gamma), np.array(beta), lanes)
        return await run_rows(
            dut, x, lanes, in_idle=np.array(in_idle, dtype=bool),
            out_idle=np.array(out_idle, dtype=bool),
        )  # fmt: skip

    def prop(rows, gamma, beta, in_idle, out_idle) -> None:
        x = np.array(rows, dtype=np.int64)
        try:
            y = run(x, gamma, beta, in_idle, out_idle)
        except StreamError as exc:
            example = {"x": rows, "gamma": gamma, "beta": beta, "in_idle": in_idle}
            example["out_idle"] = out_idle
            raise AssertionError(f"stream error {exc}; input {json.dumps(example)}") from None
        gold = np.asarray(layernorm(x, np.array(gamma), np.array(beta), CFG), dtype=np.int64)
        bad = np.argwhere(y != gold)
        if len(bad):
            r, k = (int(v) for v in bad[0])
            raise AssertionError(
                f"row {r} {describe_row(x[r])} element {k}: rtl {int(y[r, k])} golden "
                f"{int(gold[r, k])} ({len(bad)} of {y.size} differ); input "
                + json.dumps({"x": rows, "gamma": gamma, "beta": beta, "rtl": y.tolist()})
            )

    await run_property(
        dut,
        prop,
        strategies={
            "rows": st.lists(_row_strategy(), min_size=1, max_size=2),
            "gamma": _gb_strategy(),
            "beta": _gb_strategy(),
            # Cyclic stall patterns; the trailing False keeps each side moving.
            "in_idle": stall_pattern(6),
            "out_idle": stall_pattern(6),
        },
        examples=examples,
        seed=s,
        unit="layernorm",
        explicit=[
            # A zero row with one element one LSB up: the sum of squares is 1, so
            # only its LSB carries the variance (a truncated accumulator hides it).
            {
                "rows": [[1] + [0] * (CFG.dim - 1)],
                "gamma": [1 << GF] * CFG.dim,
                "beta": [0] * CFG.dim,
                "in_idle": [False],
                "out_idle": [False],
            }
        ],
    )
    await ClockCycles(dut.clk_i, 1)

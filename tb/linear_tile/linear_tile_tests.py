"""cocotb tests of rtl/linear_tile.sv against golden.stages.linear.linear, bit for bit.

Run through tb/linear_tile/test_linear_tile.py (pytest), which builds the model for a
configuration and sets the environment read here:

EDGEMOE_CONFIG        configuration name (golden.config.load_config)
EDGEMOE_SEED          seed of every random choice (printed by each test)
LINEAR_VECTORS        output values checked by linear_stream (default 100,000)
LINEAR_HYP_EXAMPLES   Hypothesis examples of linear_hypothesis (default 200)
HYPOTHESIS_PROFILE    "long" (nox -s nightly) raises both defaults 20-fold
"""

from __future__ import annotations

import time

import cocotb
import numpy as np
from cocotb.task import resume
from cocotb.triggers import ReadOnly, RisingEdge
from hypothesis import strategies as st

from golden.config import load_config
from golden.stages.linear import linear_tiled
from hls.geometry import geometry
from tb.benchlog import record
from tb.components.stream import idle_pattern, start_clock, unpack_lanes
from tb.hypothesis_sim import example_scale, examples_for, run_property, stall_pattern
from tb.linear_tile.driver import interrupt_with_reset, reset, run_beats
from tb.linear_tile.model import (
    Job,
    expected_outputs,
    golden_job,
    job_beats,
    output_origin,
    random_jobs,
    saturation_corner_job,
)
from tb.simenv import env_config_name, env_int, env_seed, seeded_rng

CFG = load_config(env_config_name())
GEO = geometry(CFG)
_SCALE = example_scale()


def _check_ports(dut) -> None:
    """The build's port widths must be those of the configuration's geometry."""
    want = {
        "in_data_i": GEO.config.linear_tile[1] * GEO.config.formats.feature.width,
        "w_data_i": GEO.config.linear_tile[1] * GEO.config.formats.linear_weight.width,
        "w_bias_i": GEO.config.linear_tile[0] * GEO.tile_bias_w,
        "out_data_o": GEO.config.linear_tile[0] * GEO.config.formats.feature.width,
    }
    for name, width in want.items():
        got = len(getattr(dut, name))
        if got != width:
            raise AssertionError(f"{name} is {got} bits, the {CFG.name} geometry needs {width}")


def describe_output(jobs: list[Job], beat: int, lane: int) -> str:
    """The operands of one output value, in the form failure messages use
    (parsed back by the mutation test)."""
    j, n, r0 = output_origin(jobs, GEO, beat)
    job = jobs[j]
    row = r0 + lane
    if row >= job.m:
        return f"{job.describe()} token {n} padding row {row}"
    return (
        f"{job.describe()} token {n} row {row}: x={job.x[n].tolist()} w={job.w[row].tolist()} "
        f"b={int(job.b[row])} alt={int(job.alt)} gelu={int(job.gelu)}"
    )


def compare(jobs: list[Job], outs: list[int]) -> str | None:
    """None when the output beats equal the golden model on *jobs*; else the
    first difference with its operands, RTL and golden values."""
    ys = [golden_job(job, CFG) for job in jobs]
    want = expected_outputs(jobs, ys, GEO)
    if len(outs) != len(want):
        return f"{len(outs)} output beats for {len(want)} expected"
    got = unpack_lanes(outs, GEO.config.linear_tile[0], GEO.config.formats.feature.width).reshape(
        -1, GEO.config.linear_tile[0]
    )
    bad = np.argwhere(got != want)
    if not len(bad):
        return None
    beat, lane = (int(v) for v in bad[0])
    return (
        f"{len(bad)} of {want.size} outputs differ from golden.stages.linear.linear; first: "
        f"beat {beat} lane {lane}, {describe_output(jobs, beat, lane)}: "
        f"rtl {int(got[beat, lane])} golden {int(want[beat, lane])}"
    )


def _values_checked(jobs: list[Job]) -> int:
    return sum(job.n * job.m for job in jobs)


@cocotb.test(timeout_time=20, timeout_unit="us")
async def linear_reset_idle(dut):
    """Out of reset: weights wanted, no features taken (no tile loaded), nothing valid."""
    _check_ports(dut)
    start_clock(dut)
    await reset(dut)
    dut.out_ready_i.value = 1
    dut.in_valid_i.value = 1
    for cyc in range(16):
        await ReadOnly()
        assert dut.w_ready_o.value == 1, f"w_ready_o low {cyc} cycles after reset"
        assert dut.in_ready_o.value == 0, f"in_ready_o high {cyc} cycles after reset, no weights"
        assert dut.out_valid_o.value == 0, f"out_valid_o high {cyc} cycles after reset"
        await RisingEdge(dut.clk_i)
    dut.in_valid_i.value = 0


@cocotb.test(timeout_time=2, timeout_unit="ms")
async def linear_throughput(dut):
    """Full rate: one feature beat (a ROWS x COLS MAC tile) per cycle across tile
    boundaries (double-buffered weights), one result per cycle when K <= COLS."""
    _check_ports(dut)
    rng = np.random.default_rng(env_seed())
    start_clock(dut)
    for kb, tokens, tiles in ((1, 64, 2), (3, 2 * GEO.config.linear_tile[0], 4)):
        await reset(dut)
        k = kb * GEO.config.linear_tile[1]
        job = Job(
            rng.integers(-(1 << 24), 1 << 24, size=(tokens, k)),
            rng.integers(-(1 << 13), 1 << 13, size=(tiles * GEO.config.linear_tile[0], k)),
            rng.integers(-100, 100, size=tiles * GEO.config.linear_tile[0]),
            False,
            False,
            "throughput",
        )
        beats = job_beats([job], GEO)
        outs, stats = await run_beats(dut, beats)
        span = stats.last_in_cycle - stats.first_in_cycle + 1
        latency = stats.first_out_cycle - (stats.first_in_cycle + kb - 1)
        dut._log.info(
            "K=%d: %d feature beats over %d cycles; %d results over %d cycles; "
            "latency %d cycles from a token's last beat to its result",
            k, stats.in_beats, span, stats.out_beats,
            stats.last_out_cycle - stats.first_out_cycle + 1, latency,
        )  # fmt: skip
        assert span == stats.in_beats, (
            f"K={k}: {stats.in_beats} feature beats spread over {span} cycles: bubbles at full rate"
        )
        if kb == 1:
            out_span = stats.last_out_cycle - stats.first_out_cycle + 1
            assert out_span == stats.out_beats, f"results spread over {out_span} cycles"
        err = compare([job], outs)
        assert err is None, err


@cocotb.test(timeout_time=2000, timeout_unit="ms")
async def linear_stream(dut):
    """>= LINEAR_VECTORS output values of random layers (typical, full-scale,
    extreme, constructed boundary, constant-fill and sparse operands; K and M
    multiples and non-multiples of the tile; GELU on and off; both bias formats)
    under random stalls on all three ports, bit for bit against golden."""
    _check_ports(dut)
    s, rng = seeded_rng(dut)
    start_clock(dut)
    await reset(dut)
    target = env_int("LINEAR_VECTORS", _SCALE * 100_000)
    jobs = random_jobs(rng, GEO, target)
    pats = [idle_pattern(rng, 1 << 14) for _ in range(3)]
    t0 = time.perf_counter()
    totals = dict(cycles=0, w_wait=0, in_wait=0, out_wait=0, values=0)
    chunk = 16  # jobs per chunk: compare (and fail) early
    for start in range(0, len(jobs), chunk):
        part = jobs[start : start + chunk]
        shift = int(rng.integers(0, 1 << 14))
        idle = [np.roll(p, shift) for p in pats]
        outs, stats = await run_beats(
            dut, job_beats(part, GEO), w_idle=idle[0], in_idle=idle[1], out_idle=idle[2]
        )
        totals["cycles"] += stats.cycles
        totals["w_wait"] += stats.w_wait_cycles
        totals["in_wait"] += stats.in_wait_cycles
        totals["out_wait"] += stats.out_wait_cycles
        err = compare(part, outs)
        if err is not None:
            raise AssertionError(f"jobs {start}..{start + len(part) - 1}: {err} (seed {s})")
        totals["values"] += _values_checked(part)
    wall = time.perf_counter() - t0
    kinds = sorted({j.kind for j in jobs})
    dut._log.info(
        "%d output values of %d jobs (%s) in %d cycles (%d weight, %d feature, %d output "
        "waits) in %.1f s: %.0f values/s, %.0f cycles/s",
        totals["values"], len(jobs), ",".join(kinds), totals["cycles"], totals["w_wait"],
        totals["in_wait"], totals["out_wait"], wall, totals["values"] / wall,
        totals["cycles"] / wall,
    )  # fmt: skip
    record("linear_tile", CFG.name, totals["values"], wall, cycles=totals["cycles"])
    assert totals["values"] >= target
    assert totals["in_wait"] > 0 and totals["out_wait"] > 0 and totals["w_wait"] > 0, (
        "the stall patterns never exercised backpressure"
    )


@cocotb.test(timeout_time=500, timeout_unit="ms")
async def linear_reset_mid_stream(dut):
    """A reset in the middle of a stream (weight tiles, tokens and results in
    flight) leaves the engine idle and empty: a full stream afterwards matches."""
    _check_ports(dut)
    s = env_seed()
    rng = np.random.default_rng(s + 1)
    start_clock(dut)
    await reset(dut)
    for after in (3, 17, 150):
        # An output beat carries at most ROWS values and leaves at most once per
        # cycle: (after + 64) * ROWS values cannot be done within `after` cycles.
        jobs = random_jobs(rng, GEO, (after + 64) * GEO.config.linear_tile[0])
        idle = [idle_pattern(rng, 1024) for _ in range(3)]
        await interrupt_with_reset(
            dut,
            job_beats(jobs, GEO),
            after_cycles=after,
            w_idle=idle[0],
            in_idle=idle[1],
            out_idle=idle[2],
        )
        await ReadOnly()
        assert dut.out_valid_o.value == 0 and dut.in_ready_o.value == 0, "not empty after reset"
        assert dut.w_ready_o.value == 1, "weight port not free after reset"
        await RisingEdge(dut.clk_i)
        jobs = random_jobs(rng, GEO, 20 * GEO.config.linear_tile[0])
        outs, _ = await run_beats(dut, job_beats(jobs, GEO), in_idle=idle[1], out_idle=idle[2])
        err = compare(jobs, outs)
        assert err is None, f"after a reset {after} cycles into a stream: {err} (seed {s})"


# ---------------------------------------------------------------------------
# Hypothesis


def _value(fmt) -> st.SearchStrategy[int]:
    """One raw value: zero, one LSB, the extremes and their neighbours, +-1.0, or any.
    Zero first: Hypothesis shrinks sampled_from and one_of towards their first choice."""
    lo, hi = fmt.min_raw, fmt.max_raw
    special = [0, 1, -1, lo, lo + 1, hi - 1, hi, 1 << fmt.frac_bits, -(1 << fmt.frac_bits)]
    return st.one_of(st.sampled_from(special), st.integers(lo, hi))


def _matrix(draw, rows: int, cols: int, fmt) -> np.ndarray:
    """A fill value plus a few overrides (shrinks to all zeros), or seeded random."""
    lo, hi = fmt.min_raw, fmt.max_raw
    value = _value(fmt)
    if draw(st.integers(0, 3)) == 3:
        seed = draw(st.integers(0, 2**32 - 1))
        style = draw(st.sampled_from(["full", "small"]))
        r = np.random.default_rng(seed)
        if style == "full":
            return r.integers(lo, hi, size=(rows, cols), endpoint=True)
        return r.integers(-(1 << fmt.frac_bits), 1 << fmt.frac_bits, size=(rows, cols))
    a = np.full((rows, cols), draw(value), dtype=np.int64)
    for i, j, v in draw(
        st.lists(st.tuples(st.integers(0, rows - 1), st.integers(0, cols - 1), value), max_size=6)
    ):
        a[i, j] = v
    return a


@st.composite
def _jobs(draw) -> list[Job]:
    """One or two small layers aimed at the corners. Modes: 'general' (fill values
    and overrides from the extremes, one-LSB values and +-1.0, or seeded random;
    zero vectors; K = 1 single-element dot products; K and M around the tile
    sizes), 'boundary' (accumulators constructed around +-saturation and the
    rounding half points) and 'extreme' (constant full-scale operands over the
    whole MAX_K with an extreme bias: the accumulator's width)."""
    out = []
    c, r, mk = GEO.config.linear_tile[1], GEO.config.linear_tile[0], GEO.tile_max_k
    for _ in range(draw(st.integers(1, 2))):
        mode = draw(st.sampled_from(["general", "general", "boundary", "extreme"]))
        k = draw(st.one_of(st.sampled_from([1, c, c + 1, mk]), st.integers(1, mk)))
        m = draw(st.one_of(st.sampled_from([1, r, r + 1]), st.integers(1, 2 * r)))
        n = draw(st.integers(1, 3))
        alt = draw(st.booleans())
        b_fmt = GEO.config.formats.attn_bias if alt else GEO.config.formats.bias
        use_gelu = draw(st.booleans())
        if mode == "boundary":
            k = max(k, 3)
            # acc = (a1 + a2) * 2**Fw + r0 on a chosen target around +-saturation,
            # rounded half up into q; operands one LSB apart shrink well.
            s = GEO.tile_acc_frac - GEO.config.formats.feature.frac_bits
            top = 1 << (GEO.config.formats.feature.width - 1)
            q = draw(st.sampled_from([top - 1, top, -top, -top - 1])) + draw(st.integers(-2, 2))
            h = draw(st.one_of(st.sampled_from([0, 1, (1 << s) - 1]), st.integers(0, (1 << s) - 1)))
            target = (q << s) + h - (1 << (s - 1))
            a, r0 = (
                target >> GEO.config.formats.linear_weight.frac_bits,
                target & ((1 << GEO.config.formats.linear_weight.frac_bits) - 1),
            )
            x = np.zeros((n, k), dtype=np.int64)
            x[:, :3] = [a // 2, a - a // 2, r0]
            w = np.zeros((m, k), dtype=np.int64)
            w[:, :3] = [
                1 << GEO.config.formats.linear_weight.frac_bits,
                1 << GEO.config.formats.linear_weight.frac_bits,
                1,
            ]
            b = np.zeros(m, dtype=np.int64)
        elif mode == "extreme":
            k = mk
            ext = [
                (f.min_raw, f.max_raw, f.min_raw + 1, f.max_raw - 1)
                for f in (GEO.config.formats.feature, GEO.config.formats.linear_weight)
            ]
            x = np.full((n, k), draw(st.sampled_from(ext[0])), dtype=np.int64)
            w = np.full((m, k), draw(st.sampled_from(ext[1])), dtype=np.int64)
            b = np.full(m, draw(st.sampled_from([0, b_fmt.min_raw, b_fmt.max_raw])), np.int64)
        else:
            x = _matrix(draw, n, k, GEO.config.formats.feature)
            w = _matrix(draw, m, k, GEO.config.formats.linear_weight)
            b = np.array(draw(st.lists(_value(b_fmt), min_size=m, max_size=m)), np.int64)
        out.append(Job(x, w, b, use_gelu, alt, "hypothesis"))
    return out


@cocotb.test(timeout_time=2000, timeout_unit="ms")
async def linear_hypothesis(dut):
    """Hypothesis property inside the simulation: for any one or two small layers
    (corner-seeking operands) and stall pattern, the RTL equals golden (linear and
    linear_tiled in the engine's tile). A failure is shrunk and reported as
    'minimal failing input: ... x=[...] w=[...] b=... alt=... gelu=...: rtl Y golden Z'."""
    _check_ports(dut)
    s = env_seed()
    start_clock(dut)
    await reset(dut)

    @resume
    async def run(jobs: list[Job], idle: list[list[bool]]) -> list[int]:
        await reset(dut)
        outs, _ = await run_beats(
            dut,
            job_beats(jobs, GEO),
            w_idle=np.array(idle[0], dtype=bool),
            in_idle=np.array(idle[1], dtype=bool),
            out_idle=np.array(idle[2], dtype=bool),
        )
        return outs

    def prop(jobs: list[Job], idle: list[list[bool]]) -> None:
        for job in jobs[:1]:
            b_fmt = CFG.formats.attn_bias if job.alt else CFG.formats.bias
            tiled = linear_tiled(
                job.x,
                job.w,
                job.b,
                CFG,
                tile=(GEO.config.linear_tile[0], GEO.config.linear_tile[1]),
                gelu=job.gelu,
                b_fmt=b_fmt,
            )
            assert np.array_equal(tiled, golden_job(job, CFG)), "golden linear_tiled != linear"
        outs = run(jobs, idle)
        err = compare(jobs, outs)
        if err is not None:
            raise AssertionError(err)

    pattern = stall_pattern(6)
    await run_property(
        dut,
        prop,
        strategies={"jobs": _jobs(), "idle": st.tuples(pattern, pattern, pattern)},
        examples=examples_for("LINEAR_HYP_EXAMPLES", 200),
        seed=s,
        unit="linear_tile",
        explicit=[{"jobs": [saturation_corner_job(GEO)], "idle": ([False], [False], [False])}],
    )

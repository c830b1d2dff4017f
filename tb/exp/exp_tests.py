"""cocotb tests of rtl/exp_unit.sv against golden.approx.exp.exp_neg, bit for bit.

Run through tb/exp/test_exp.py (pytest), which builds the model for a
configuration and sets the environment read here:

EDGEMOE_CONFIG        configuration name (hls.config.load_config)
EDGEMOE_SEED          seed of every random choice (printed by each test)
EXP_VECTORS           inputs streamed by exp_stream (default 1,000,000)
EXP_HYP_EXAMPLES      Hypothesis examples of exp_hypothesis (default 2000)
HYPOTHESIS_PROFILE    "long" (nox -s long) raises both defaults 20-fold
"""

from __future__ import annotations

import os

import cocotb
import numpy as np
from hypothesis import strategies as st

from golden.approx.exp import exp_neg
from hls.config import load_config
from tb import unit_checks
from tb.benchlog import record
from tb.exp.model import (
    LATENCY,
    ExpGeometry,
    corner_a,
    read_rom_hex,
    stream_vectors,
    table_of,
)
from tb.hypothesis_sim import examples_for
from tb.simbuild import GEN_ROOT, env_config_name, env_int, env_seed
from tb.stream import pack_lanes, reset, start_clock, stream

CFG = load_config(env_config_name())
GEO = ExpGeometry.from_config(CFG)
_SCALE = 20 if os.environ.get("HYPOTHESIS_PROFILE") == "long" else 1


def _check_rom() -> None:
    """The ROM file the RTL loads must hold the table the golden model uses."""
    path = GEN_ROOT / CFG.name / "exp2_neg.hex"
    rom, table = read_rom_hex(path), table_of(CFG)
    if rom.shape != table.shape or (rom != table).any():
        raise AssertionError(
            f"{path} does not hold the exp table of configuration {CFG.name!r} "
            "(the configuration changed after generation?)"
        )


def _lanes(dut) -> int:
    _check_rom()
    width, out_width = len(dut.in_data_i), len(dut.out_data_o)
    if width % GEO.in_w or out_width % GEO.out_w or width // GEO.in_w != out_width // GEO.out_w:
        raise AssertionError(
            f"in_data_i {width} / out_data_o {out_width} bits are not LANES x {GEO.in_w} / "
            f"LANES x {GEO.out_w}"
        )
    return width // GEO.in_w


def unpack_unsigned(words: list[int], lanes: int, width: int) -> np.ndarray:
    """One integer per beat to unsigned raw values (lane 0 first), as int64."""
    if width in (8, 16, 32):
        nbytes = lanes * width // 8
        raw = b"".join(w.to_bytes(nbytes, "little") for w in words)
        return np.frombuffer(raw, dtype=f"<u{width // 8}").astype(np.int64)
    mask = (1 << width) - 1
    return np.array(
        [(w >> (width * lane)) & mask for w in words for lane in range(lanes)], dtype=np.int64
    )


def compare(x: np.ndarray, y_rtl: np.ndarray, lanes: int) -> str | None:
    """None when *y_rtl* equals the golden model on *x*; else a description
    of the first difference (input, lane, RTL and golden values)."""
    y_gold = np.asarray(exp_neg(x, CFG), dtype=np.int64)
    if len(y_rtl) != len(x):
        return f"{len(y_rtl)} outputs for {len(x)} inputs"
    bad = np.flatnonzero(y_rtl != y_gold)
    if not len(bad):
        return None
    k = int(bad[0])
    return (
        f"{len(bad)} of {len(x)} outputs differ from golden exp_neg; first: input #{k} "
        f"{GEO.describe(int(x[k]))} on lane {k % lanes} (beat {k // lanes}): "
        f"rtl {int(y_rtl[k])}, golden {int(y_gold[k])}"
    )


@cocotb.test(timeout_time=20, timeout_unit="us")
async def exp_reset_idle(dut):
    """Out of reset: ready, nothing valid, and nothing appears without input."""
    _lanes(dut)
    await unit_checks.reset_idle(dut)


def _compare_words(x: np.ndarray, lanes: int):
    """compare(outs) of tb.unit_checks for the inputs *x*."""
    return lambda outs: compare(x, unpack_unsigned(outs, lanes, GEO.out_w), lanes)


@cocotb.test(timeout_time=200, timeout_unit="us")
async def exp_throughput(dut):
    """Full rate: one beat per cycle in and out, no bubbles, and the documented latency."""
    lanes = _lanes(dut)
    rng = np.random.default_rng(env_seed())
    beats = 256
    x = stream_vectors(GEO, beats * lanes, rng, lanes)[: beats * lanes]
    await unit_checks.full_rate(
        dut, pack_lanes(x, lanes, GEO.in_w), _compare_words(x, lanes), latency=LATENCY
    )


@cocotb.test(timeout_time=100, timeout_unit="us")
async def exp_positive_inputs(dut):
    """Outside the contract (golden rejects x > 0): the unit returns exp(0) = 1 for x > 0."""
    lanes = _lanes(dut)
    start_clock(dut)
    await reset(dut)
    top = (1 << (GEO.in_w - 1)) - 1
    x = np.array([1, 2, 1 << GEO.in_frac, top - 1, top] * lanes, dtype=np.int64)
    outs, _ = await stream(dut, pack_lanes(x, lanes, GEO.in_w))
    y = unpack_unsigned(outs, lanes, GEO.out_w)
    one = 1 << GEO.out_frac
    bad = np.flatnonzero(y != one)
    assert not len(bad), f"x={int(x[bad[0]])} > 0 gave {int(y[bad[0]])}, not exp(0) = {one}"


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def exp_reset_mid_stream(dut):
    """A reset in the middle of a stream leaves the unit empty: the next stream matches."""
    lanes = _lanes(dut)
    rng = np.random.default_rng(env_seed() + 1)

    def make_stream():
        x = stream_vectors(GEO, 512 * lanes, rng, lanes)[: 512 * lanes]
        return pack_lanes(x, lanes, GEO.in_w), _compare_words(x, lanes)

    await unit_checks.reset_mid_stream(dut, rng, make_stream)


@cocotb.test(timeout_time=1000, timeout_unit="ms")
async def exp_stream(dut):
    """>= EXP_VECTORS inputs (every corner + random fill) under random stalls on
    both sides, compared bit for bit with golden exp_neg."""
    lanes = _lanes(dut)
    s = env_seed()
    dut._log.info("seed %d (rerun: pytest --sim-seed %d)", s, s)
    rng = np.random.default_rng(s)
    x = stream_vectors(GEO, env_int("EXP_VECTORS", _SCALE * 1_000_000), rng, lanes)
    words = pack_lanes(x, lanes, GEO.in_w)

    def check(start: int, stop: int, outs: list[int]) -> str | None:
        return _compare_words(x[start * lanes : stop * lanes], lanes)(outs)

    t = await unit_checks.stream_chunked(dut, words, check, rng=rng, seed=s)
    dut._log.info(
        "%d inputs in %d beats, %s: %.0f vectors/s, %.0f cycles/s",
        len(x), len(words), t.describe(), len(x) / t.seconds, t.cycles / t.seconds,
    )  # fmt: skip
    record("exp", CFG.name, len(x), t.seconds, cycles_per_s=t.cycles / t.seconds, lanes=lanes)


def _x_strategy():
    """x <= 0 aimed at the corners: range-reduction boundaries x = -k ln2 (+-2 LSB),
    table breakpoints of the fraction (+-2 LSB), the flush limit (+-2 LSB), the
    extremes; and uniform draws over the unflushed range and the whole input range."""
    a_flush = GEO.a_flush()
    k_top = GEO.out_frac + 3
    extremes = sorted(-int(a) for a in corner_a(GEO)["extremes"])  # 0, -1 LSB, most negative

    def at_t(k: int, i: int, d: int) -> int:
        return -max(0, GEO.a_at((k << GEO.t_frac) + (i << GEO.m)) + d)

    d = st.integers(-2, 2)
    return st.one_of(
        st.builds(at_t, st.integers(0, k_top), st.just(0), d),  # x = -k ln2
        st.builds(at_t, st.integers(0, k_top), st.integers(0, 1 << GEO.step_log2), d),
        st.builds(lambda dd: -(a_flush + dd), d),  # the flush-to-zero threshold
        st.sampled_from(extremes),
        st.integers(-(a_flush + 8), 0),
        st.integers(GEO.min_raw, 0),
    )


@cocotb.test(timeout_time=500, timeout_unit="ms")
async def exp_hypothesis(dut):
    """Hypothesis property (in a bridge thread, driving the DUT through resume):
    for any short burst of inputs and stall pattern the RTL equals golden exp_neg.
    A failure is shrunk and reported as 'minimal failing input: x=...'."""
    lanes = _lanes(dut)
    await unit_checks.lane_property(
        dut,
        lanes=lanes,
        in_w=GEO.in_w,
        unpack=lambda o: unpack_unsigned(o, lanes, GEO.out_w),
        golden=lambda x: exp_neg(x, CFG),
        describe=GEO.describe,
        x_strategy=_x_strategy(),
        examples=examples_for("EXP_HYP_EXAMPLES", 2000),
        seed=env_seed(),
        unit="exp",
    )

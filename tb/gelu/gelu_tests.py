"""cocotb tests of rtl/gelu_unit.sv against golden.gelu.gelu, bit for bit.

Run through tb/gelu/test_gelu.py (pytest), which builds the model for a
configuration and sets the environment read here:

EDGEMOE_CONFIG        configuration name (hls.config.load_config)
EDGEMOE_SEED          seed of every random choice (printed by each test)
GELU_VECTORS          inputs streamed by gelu_stream (default 1,000,000)
GELU_HYP_EXAMPLES     Hypothesis examples of gelu_hypothesis (default 1000)
HYPOTHESIS_PROFILE    "long" (nox -s long) raises both defaults 20-fold
"""

from __future__ import annotations

import os

import cocotb
import numpy as np
from hypothesis import strategies as st

from golden.gelu import gelu
from hls.config import load_config
from hls.tables import gelu_delta_table
from tb import benchlog, unit_checks
from tb.gelu.model import GeluGeometry, read_rom_hex, stream_vectors
from tb.hypothesis_sim import examples_for
from tb.simbuild import GEN_ROOT, env_config_name, env_int, env_seed
from tb.stream import pack_lanes, unpack_lanes

CFG = load_config(env_config_name())
GEO = GeluGeometry.from_config(CFG)
_SCALE = 20 if os.environ.get("HYPOTHESIS_PROFILE") == "long" else 1


def _check_rom() -> None:
    """The ROM file the RTL loads must hold the table the golden model uses."""
    path = GEN_ROOT / CFG.name / "gelu_delta.hex"
    rom, table = read_rom_hex(path), np.asarray(gelu_delta_table(CFG.gelu))
    if rom.shape != table.shape or (rom != table).any():
        raise AssertionError(
            f"{path} does not hold the GELU table of configuration {CFG.name!r} "
            "(the configuration changed after generation?)"
        )


def _lanes(dut) -> int:
    _check_rom()
    width = len(dut.in_data_i)
    if width % GEO.data_w:
        raise AssertionError(f"in_data_i is {width} bits, not a multiple of {GEO.data_w}")
    return width // GEO.data_w


def compare(x: np.ndarray, y_rtl: np.ndarray, lanes: int) -> str | None:
    """None when *y_rtl* equals the golden model on *x*; else a description
    of the first difference (input, lane, RTL and golden values)."""
    y_gold = np.asarray(gelu(x, CFG), dtype=np.int64)
    if len(y_rtl) != len(x):
        return f"{len(y_rtl)} outputs for {len(x)} inputs"
    bad = np.flatnonzero(y_rtl != y_gold)
    if not len(bad):
        return None
    k = int(bad[0])
    return (
        f"{len(bad)} of {len(x)} outputs differ from golden.gelu; first: input #{k} "
        f"{GEO.describe(int(x[k]))} on lane {k % lanes} (beat {k // lanes}): "
        f"rtl {int(y_rtl[k])}, golden {int(y_gold[k])}"
    )


@cocotb.test(timeout_time=20, timeout_unit="us")
async def gelu_reset_idle(dut):
    """Out of reset: ready, nothing valid, and nothing appears without input."""
    await unit_checks.reset_idle(dut)


def _compare_words(x: np.ndarray, lanes: int):
    """compare(outs) of tb.unit_checks for the inputs *x*."""
    return lambda outs: compare(x, unpack_lanes(outs, lanes, GEO.data_w), lanes)


@cocotb.test(timeout_time=200, timeout_unit="us")
async def gelu_throughput(dut):
    """Full rate: with out_ready_i held high, one beat per cycle in and out, no bubbles."""
    lanes = _lanes(dut)
    rng = np.random.default_rng(env_seed())
    beats = 256
    x = stream_vectors(GEO, beats * lanes, rng, lanes)[: beats * lanes]
    await unit_checks.full_rate(dut, pack_lanes(x, lanes, GEO.data_w), _compare_words(x, lanes))


@cocotb.test(timeout_time=1000, timeout_unit="ms")
async def gelu_stream(dut):
    """>= GELU_VECTORS inputs (edge cases + random fill) under random stalls on
    both sides, compared bit for bit with golden.gelu."""
    lanes = _lanes(dut)
    s = env_seed()
    dut._log.info("seed %d (rerun: pytest --sim-seed %d)", s, s)
    rng = np.random.default_rng(s)
    x = stream_vectors(GEO, env_int("GELU_VECTORS", _SCALE * 1_000_000), rng, lanes)
    words = pack_lanes(x, lanes, GEO.data_w)

    def check(start: int, stop: int, outs: list[int]) -> str | None:
        return _compare_words(x[start * lanes : stop * lanes], lanes)(outs)

    t = await unit_checks.stream_chunked(dut, words, check, rng=rng, seed=s)
    dut._log.info(
        "%d inputs in %d beats, %s: %.0f inputs/s, %.0f cycles/s",
        len(x), len(words), t.describe(), len(x) / t.seconds, t.cycles / t.seconds,
    )  # fmt: skip
    benchlog.record("gelu", CFG.name, len(x), t.seconds, cycles_per_s=t.cycles / t.seconds)


def _x_strategy():
    """Inputs inside the table, next to its breakpoints (both signs), or anywhere."""
    lim = GEO.table_limit

    def near(i: int, d: int, neg: bool) -> int:
        x = (i << GEO.m) + d
        return max(GEO.min_raw, min(GEO.max_raw, -x if neg else x))

    near_bp = st.builds(
        near,
        st.integers(0, GEO.segments + 1),
        st.integers(-2, 2),
        st.booleans(),
    )
    return st.one_of(
        st.integers(-lim, lim),
        near_bp,
        st.integers(GEO.min_raw, GEO.max_raw),
    )


@cocotb.test(timeout_time=500, timeout_unit="ms")
async def gelu_hypothesis(dut):
    """Hypothesis property (in a bridge thread, driving the DUT through resume):
    for any short burst of inputs and stall pattern the RTL equals golden.gelu.
    A failure is shrunk and printed as 'minimal failing input: x=...'."""
    lanes = _lanes(dut)
    await unit_checks.lane_property(
        dut,
        lanes=lanes,
        in_w=GEO.data_w,
        unpack=lambda o: unpack_lanes(o, lanes, GEO.data_w),
        golden=lambda x: gelu(x, CFG),
        describe=GEO.describe,
        x_strategy=_x_strategy(),
        examples=examples_for("GELU_HYP_EXAMPLES", 1000),
        seed=env_seed(),
        unit="gelu",
    )


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def gelu_reset_mid_stream(dut):
    """A reset in the middle of a stream leaves the unit empty: the next stream matches."""
    lanes = _lanes(dut)
    rng = np.random.default_rng(env_seed())

    def make_stream():
        x = stream_vectors(GEO, 512 * lanes, rng, lanes)
        return pack_lanes(x, lanes, GEO.data_w), _compare_words(x, lanes)

    await unit_checks.reset_mid_stream(dut, rng, make_stream)

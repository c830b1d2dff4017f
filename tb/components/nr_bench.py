"""cocotb tests shared by the recip and rsqrt benches (tb/recip, tb/rsqrt).

Each bench's ``<kind>_tests.py`` binds the tests :func:`bind_tests` declares
(``<kind>_reset_idle``, ``_throughput``, ``_zero_input``, ``_stream``,
``_reset_mid_stream``, ``_hypothesis``) for its :class:`tb.components.nr_unit.NrUnit`.
Everything is compared bit for bit with the golden model (``<kind>_parts``).

Environment (set by the pytest side, tb.simbuild):
EDGEMOE_CONFIG / EDGEMOE_SEED           configuration name and seed
<KIND>_VECTORS                          stream length (default 120,000; >= 100,000)
<KIND>_HYP_EXAMPLES                     Hypothesis examples (default 1000)
HYPOTHESIS_PROFILE=long                 both 20-fold
"""

from __future__ import annotations

import cocotb
import numpy as np
from hypothesis import strategies as st

from ci.rtl_sources import GEN_ROOT
from golden.config import load_config
from tb import benchlog
from tb.components import unit_checks
from tb.components.nr_unit import NrUnit
from tb.components.stream import StreamError, reset, start_clock, stream
from tb.components.unit_checks import read_rom_hex
from tb.hypothesis_sim import example_scale, examples_for, run_property, stall_pattern
from tb.simenv import env_config_name, env_int, env_seed

_SCALE = example_scale()
DEFAULT_VECTORS = 120_000


def lanes_of(dut, unit: NrUnit) -> int:
    """Lanes of the build, after checking the ports and the ROM file against the configuration."""
    path = GEN_ROOT / unit.cfg.name / f"{unit.kind}.hex"
    rom, table = read_rom_hex(path), unit.table()
    if rom.shape != table.shape or (rom != table).any():
        raise AssertionError(
            f"{path} does not hold the {unit.kind} table of configuration {unit.cfg.name!r} "
            "(the configuration changed after generation?)"
        )
    assert unit.out_w <= 63, f"output words of {unit.out_w} bits do not fit the int64 compare"
    width = len(dut.in_data_i)
    if width % unit.in_w:
        raise AssertionError(f"in_data_i is {width} bits, not a multiple of IN_W={unit.in_w}")
    lanes = width // unit.in_w
    if len(dut.out_data_o) != lanes * unit.out_w:
        raise AssertionError(
            f"out_data_o is {len(dut.out_data_o)} bits, expected {lanes} x {unit.out_w}"
        )
    return lanes


async def reset_idle(dut, unit: NrUnit) -> None:
    """Out of reset: ready, nothing valid, and nothing appears without input."""
    lanes_of(dut, unit)
    await unit_checks.reset_idle(dut, 2 * unit.latency + 4)


def _compare_words(unit: NrUnit, x: np.ndarray, lanes: int):
    """compare(outs) of tb.components.unit_checks for the inputs *x*."""
    return lambda outs: unit.compare(x, unit.unpack(outs, lanes), lanes)


async def throughput(dut, unit: NrUnit) -> None:
    """Full rate: one beat per cycle in and out, no bubbles, the documented latency."""
    lanes = lanes_of(dut, unit)
    rng = np.random.default_rng(env_seed())
    beats = 256
    x = unit.random_vectors(beats * lanes, rng)
    await unit_checks.full_rate(
        dut, unit.pack(x, lanes), _compare_words(unit, x, lanes), latency=unit.latency
    )


async def zero_input(dut, unit: NrUnit) -> None:
    """x = 0 (outside the golden model's domain) gives the all-zero word; its neighbours
    in the stream are unaffected."""
    lanes = lanes_of(dut, unit)
    start_clock(dut)
    await reset(dut)
    x = np.array([0, 1, 0, unit.max_raw, 0, 0, 2, 0] * lanes, dtype=np.int64)
    outs, _ = await stream(dut, unit.pack(x, lanes))
    words = unit.unpack(outs, lanes)
    assert all(int(w) == 0 for w in words[x == 0]), (
        f"x = 0 must give 0, got {[unit.describe_word(w) for w in words[x == 0]]}"
    )
    err = unit.compare(x, words, lanes)  # golden_words maps x = 0 to 0
    assert err is None, err


async def stream_all(dut, unit: NrUnit) -> None:
    """>= 100,000 inputs (every edge vector + random fill) under random stalls on both
    sides, compared bit for bit with the golden model, chunk by chunk."""
    lanes = lanes_of(dut, unit)
    s = env_seed()
    dut._log.info("%s: seed %d (rerun: pytest --sim-seed %d)", unit.kind, s, s)
    rng = np.random.default_rng(s)
    n = env_int(f"{unit.kind.upper()}_VECTORS", _SCALE * DEFAULT_VECTORS)
    x = unit.stream_vectors(n, rng, lanes)
    words = unit.pack(x, lanes)

    def check(start: int, stop: int, outs: list[int]) -> str | None:
        return _compare_words(unit, x[start * lanes : stop * lanes], lanes)(outs)

    t = await unit_checks.stream_chunked(dut, words, check, rng=rng, seed=s)
    wall = t.seconds
    dut._log.info(
        "%s: %d inputs in %d beats, %s: %.0f vectors/s, %.0f cycles/s",
        unit.kind, len(x), len(words), t.describe(), len(x) / wall, t.cycles / wall,
    )  # fmt: skip
    print(f"{unit.kind} [{unit.cfg.name}]: {len(x)} vectors in {wall:.1f} s: {len(x) / wall:.0f}/s")
    benchlog.record(f"{unit.kind}_unit", unit.cfg.name, len(x), wall, cycles=t.cycles)


async def reset_mid_stream(dut, unit: NrUnit) -> None:
    """A reset in the middle of a stream leaves the unit empty: the next stream matches."""
    lanes = lanes_of(dut, unit)
    rng = np.random.default_rng(env_seed())

    def make_stream():
        x = unit.random_vectors(512 * lanes, rng)
        return unit.pack(x, lanes), _compare_words(unit, x, lanes)

    await unit_checks.reset_mid_stream(dut, rng, make_stream, mean_phase=20)


def x_strategy(unit: NrUnit) -> st.SearchStrategy[int]:
    """Inputs aimed at the unit's corners: powers of two and neighbours, the extremes,
    mantissas at table breakpoints and neighbours, 1 LSB, log-uniform and uniform values."""
    w = unit.in_w
    pow2 = st.builds(
        lambda k, d: unit.clip((1 << k) + d), st.integers(0, w - 1), st.integers(-2, 2)
    )
    extremes = st.sampled_from([1, 2, 3, unit.max_raw, unit.max_raw - 1])
    near_bp = st.builds(
        unit.breakpoint,
        st.sampled_from(unit.breakpoint_exponents()),
        st.integers(0, unit.breakpoints),
        st.integers(-2, 2),
    )
    log_uniform = st.builds(
        lambda p, bits: (1 << p) | (bits & ((1 << p) - 1)),
        st.integers(0, w - 1),
        st.integers(0, (1 << w) - 1),
    )
    return st.one_of(pow2, extremes, near_bp, log_uniform, st.integers(1, unit.max_raw))


async def hypothesis_property(dut, unit: NrUnit) -> None:
    """Hypothesis property inside the simulation: for any short burst of inputs and stall
    pattern the RTL equals the golden model. A failure is shrunk and reported as
    'minimal failing input: x=... lane L: rtl mant=.. scale=.., golden mant=.. scale=..'."""
    lanes = lanes_of(dut, unit)
    start_clock(dut)
    await reset(dut)

    run_burst = unit_checks.burst_runner(dut)

    def prop(xs: list[int], in_idle: list[bool], out_idle: list[bool]) -> None:
        x = np.ones(len(xs) + (-len(xs)) % lanes, dtype=np.int64)
        x[: len(xs)] = xs
        try:
            outs = run_burst(unit.pack(x, lanes), in_idle, out_idle)
        except StreamError as exc:
            raise AssertionError(f"xs={xs} in_idle={in_idle} out_idle={out_idle} ({exc})") from exc
        words = unit.unpack(outs, lanes)
        gold = unit.golden_words(x)
        bad = np.flatnonzero(words != gold)
        if len(bad):
            k = int(bad[0])
            raise AssertionError(
                f"{unit.describe(int(x[k]))} lane {k % lanes}: rtl "
                f"{unit.describe_word(words[k])}, golden {unit.describe_word(gold[k])}"
            )
        unit.sample(x)

    await run_property(
        dut,
        prop,
        strategies={
            "xs": st.lists(x_strategy(unit), min_size=1, max_size=4 * lanes),
            # Cyclic stall patterns; the trailing False keeps each side moving.
            "in_idle": stall_pattern(6),
            "out_idle": stall_pattern(6),
        },
        examples=examples_for(f"{unit.kind.upper()}_HYP_EXAMPLES", 1000),
        seed=env_seed(),
        unit=f"{unit.kind}_unit",
    )


def bind_tests(namespace: dict[str, object], kind: str) -> NrUnit:
    """Declare the bench's cocotb tests in *namespace* (a tests module's ``globals()``),
    in the order they run, for the unit of *kind* on the configuration of the run
    (tb.simenv.env_config_name); returns the unit (the module's ``UNIT``)."""
    unit = NrUnit(kind, load_config(env_config_name()))
    specs = (
        ("reset_idle", reset_idle, 20, "us",
         "Out of reset: ready, nothing valid, nothing appears without input."),
        ("throughput", throughput, 200, "us",
         f"One beat per cycle, no bubbles, latency 5 + {unit.stages_per_step} * "
         f"{kind.upper()}_NEWTON_STEPS."),
        ("zero_input", zero_input, 50, "us",
         "x = 0 gives the all-zero word (the documented out-of-domain value)."),
        ("stream", stream_all, 100, "ms",
         ">= 100,000 edge + random inputs under random stalls, bit-exact."),
        ("reset_mid_stream", reset_mid_stream, 10, "ms",
         "A reset mid-stream leaves the unit empty; the next stream matches."),
        ("hypothesis", hypothesis_property, 100, "ms",
         "Hypothesis property at the corners (powers of two, breakpoints, extremes)."),
    )  # fmt: skip
    for name, body, time, time_unit, doc in specs:
        test = _test_of(body, unit)
        test.__name__ = test.__qualname__ = f"{kind}_{name}"
        test.__module__ = str(namespace["__name__"])
        test.__doc__ = doc
        namespace[test.__name__] = cocotb.test(timeout_time=time, timeout_unit=time_unit)(test)
    return unit


def _test_of(body, unit: NrUnit):
    """A cocotb test function running ``body(dut, unit)``."""

    async def test(dut) -> None:
        await body(dut, unit)

    return test

"""cocotb tests of rtl/topk_select.sv against golden.stages.moe.top_k, bit for bit.

Run through tb/topk/test_topk.py (pytest), which builds the model for a
configuration (and K variants on tiny) and sets the environment read here:

EDGEMOE_CONFIG        configuration name (golden.config.load_config)
EDGEMOE_PARAMETERS    build parameters (K overrides the configuration's top_k)
EDGEMOE_SEED          seed of every random choice (printed by each test)
TOPK_VECTORS          tokens streamed by topk_stream (default 100,000)
TOPK_HYP_EXAMPLES     Hypothesis examples of topk_hypothesis (default 1000)
HYPOTHESIS_PROFILE    "long" (nox -s nightly) raises both defaults 20-fold
"""

from __future__ import annotations

import json

import cocotb
import numpy as np
from hypothesis import strategies as st

from ci.coverage import functional
from hls.geometry import geometry
from tb import benchlog
from tb.components import unit_checks
from tb.components.stream import (
    StreamError,
    reset,
    start_clock,
)
from tb.hypothesis_sim import example_scale, examples_for, run_property, stall_pattern
from tb.simenv import env_config, env_int, env_overrides, env_seed, seeded_rng
from tb.topk.model import golden_topk, pack_tokens, stream_tokens, unpack_choices

CFG = env_config()  # a K variant's build replaces top_k
GEO = geometry(CFG)
FEATURE = CFG.formats.feature
_SCALE = example_scale()
UNIT = "topk_select" + (f"_k{CFG.top_k}" if "top_k" in env_overrides() else "")


def _check_ports(dut) -> None:
    in_w = CFG.experts * FEATURE.width
    if len(dut.in_data_i) != in_w or len(dut.out_data_o) != GEO.topk_out_w:
        raise AssertionError(
            f"port widths in {len(dut.in_data_i)} / out {len(dut.out_data_o)} do not match "
            f"{CFG.name} K={CFG.top_k} (in {in_w}, out {GEO.topk_out_w})"
        )


def report(logits, idx_rtl, val_rtl, idx_gold, val_gold) -> str:
    """A mismatch as text plus a JSON tail (parsed by the mutation test)."""
    blob = {
        "logits": [int(v) for v in logits],
        "k": CFG.top_k,
        "rtl": [[int(v) for v in idx_rtl], [int(v) for v in val_rtl]],
        "golden": [[int(v) for v in idx_gold], [int(v) for v in val_gold]],
    }
    return (
        f"logits={blob['logits']}: rtl indices {blob['rtl'][0]} logits {blob['rtl'][1]}, "
        f"golden indices {blob['golden'][0]} logits {blob['golden'][1]} | {json.dumps(blob)}"
    )


def compare(x: np.ndarray, words: list[int]) -> str | None:
    """None when the output words equal the golden model on tokens *x* (T, E)."""
    if len(words) != len(x):
        return f"{len(words)} outputs for {len(x)} tokens"
    idx, val = unpack_choices(GEO, words)
    gi, gv = golden_topk(x, CFG.top_k)
    bad = np.flatnonzero(((idx != gi) | (val != gv)).any(axis=1))
    if not len(bad):
        functional.sample("topk.ties", CFG, x)
        return None
    t = int(bad[0])
    return f"{len(bad)} of {len(x)} tokens differ; first: token #{t} " + report(
        x[t], idx[t], val[t], gi[t], gv[t]
    )


@cocotb.test(timeout_time=20, timeout_unit="us")
async def topk_reset_idle(dut):
    """Out of reset: ready, nothing valid, and nothing appears without input."""
    _check_ports(dut)
    await unit_checks.reset_idle(dut)


@cocotb.test(timeout_time=200, timeout_unit="us")
async def topk_throughput(dut):
    """Full rate: with out_ready_i held high, one token per cycle, latency 2, no bubbles."""
    _check_ports(dut)
    rng = np.random.default_rng(env_seed())
    x = stream_tokens(GEO, 512, rng)[:512]
    await unit_checks.full_rate(
        dut, pack_tokens(GEO, x), lambda outs: compare(x, outs), latency=2, what="tokens"
    )


@cocotb.test(timeout_time=2000, timeout_unit="ms")
async def topk_stream(dut):
    """>= TOPK_VECTORS tokens (edge tokens + random mixture) under random stalls on
    both sides, compared bit for bit with golden top_k."""
    _check_ports(dut)
    s, rng = seeded_rng(dut)
    x = stream_tokens(GEO, env_int("TOPK_VECTORS", _SCALE * 100_000), rng)
    t = await unit_checks.stream_chunked(
        dut,
        pack_tokens(GEO, x),
        lambda start, stop, outs: compare(x[start:stop], outs),
        rng=rng,
        seed=s,
        chunk=1 << 13,
        pattern_len=1 << 14,
        what="tokens",
    )
    wall = t.seconds
    dut._log.info(
        "%d tokens (K=%d of %d experts), %s: %.0f vectors/s, %.0f cycles/s",
        len(x), CFG.top_k, CFG.experts, t.describe(), len(x) / wall, t.cycles / wall,
    )  # fmt: skip
    print(f"{UNIT} [{CFG.name}]: {len(x)} vectors in {wall:.1f} s, {len(x) / wall:.0f} vectors/s")
    benchlog.record(UNIT, CFG.name, len(x), wall, cycles=t.cycles)


def _token_strategy():
    """One token's logits, aimed at the corners: ties, all equal, one LSB apart,
    extremes, anything."""
    e, lo, hi = CFG.experts, FEATURE.min_raw, FEATURE.max_raw
    extremes = st.sampled_from([lo, lo + 1, -1, 0, 1, hi - 1, hi])

    def near(base: int, offs: list[int]) -> list[int]:
        return [min(hi, max(lo, base + d)) for d in offs]

    return st.one_of(
        st.lists(st.integers(-2, 2), min_size=e, max_size=e),
        st.integers(lo, hi).map(lambda v: [v] * e),
        st.builds(
            near,
            st.one_of(extremes, st.integers(lo, hi)),
            st.lists(st.integers(-1, 1), min_size=e, max_size=e),
        ),
        st.lists(extremes, min_size=e, max_size=e),
        st.lists(st.integers(lo, hi), min_size=e, max_size=e),
    )


@cocotb.test(timeout_time=1000, timeout_unit="ms")
async def topk_hypothesis(dut):
    """Hypothesis property (in a bridge thread, driving the DUT through resume):
    for any short burst of tokens and stall pattern the RTL equals golden top_k.
    A failure is shrunk and reported as 'minimal failing input: logits=...'."""
    _check_ports(dut)
    start_clock(dut)
    await reset(dut)

    run_burst = unit_checks.burst_runner(dut)

    def prop(tokens: list[list[int]], in_idle: list[bool], out_idle: list[bool]) -> None:
        x = np.array(tokens, dtype=np.int64)
        try:
            outs = run_burst(pack_tokens(GEO, x), in_idle, out_idle)
        except StreamError as exc:
            raise AssertionError(f"tokens={tokens} in_idle={in_idle} out_idle={out_idle} "
                                 f"({exc})") from exc  # fmt: skip
        err = compare(x, outs)
        if err is not None:
            raise AssertionError(err)

    await run_property(
        dut,
        prop,
        strategies={
            "tokens": st.lists(_token_strategy(), min_size=1, max_size=6),
            "in_idle": stall_pattern(6),
            "out_idle": stall_pattern(6),
        },
        examples=examples_for("TOPK_HYP_EXAMPLES", 1000),
        seed=env_seed(),
        unit=UNIT,
    )


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def topk_reset_mid_stream(dut):
    """A reset in the middle of a stream leaves the unit empty: the next stream matches."""
    _check_ports(dut)
    rng = np.random.default_rng(env_seed() + 1)

    def make_stream():
        x = stream_tokens(GEO, 1024, rng)[:1024]
        return pack_tokens(GEO, x), lambda outs: compare(x, outs)

    await unit_checks.reset_mid_stream(dut, rng, make_stream, max_after=400)

"""cocotb tests of rtl/expert_queue_builder.sv against golden.stages.moe.build_queues.

Run through tb/queues/test_queues.py (pytest), which builds the model for a
configuration (and K variants on tiny) and sets the environment read here:

EDGEMOE_CONFIG        configuration name (golden.config.load_config)
EDGEMOE_PARAMETERS    build parameters (K overrides the configuration's top_k)
EDGEMOE_SEED          seed of every random choice (printed by each test)
QUEUES_VECTORS        tokens streamed by queues_stream (default 100,000)
QUEUES_HYP_EXAMPLES   Hypothesis examples of queues_hypothesis (default 300)
HYPOTHESIS_PROFILE    "long" (nox -s nightly) raises both defaults 20-fold

Each batch's output packet (header beat, then the entries) is decoded and
compared field by field with the packet golden build_queues implies
(tb/queues/stimulus.py).
"""

from __future__ import annotations

import json
import time

import cocotb
import numpy as np
from cocotb.task import resume
from cocotb.triggers import ReadOnly, RisingEdge
from hypothesis import strategies as st

from ci.coverage import functional
from hls.geometry import geometry
from tb import benchlog
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
from tb.queues.stimulus import (
    Batch,
    decode_beat,
    golden_packet,
    pack_batch,
    random_batch,
    score_max,
)
from tb.simenv import env_config, env_int, env_overrides, env_seed, seeded_rng

CFG = env_config()  # a K variant's build replaces top_k
GEO = geometry(CFG)
_SCALE = example_scale()
UNIT = "expert_queue_builder" + (f"_k{CFG.top_k}" if "top_k" in env_overrides() else "")

_FIELDS = ("kind", "expert", "token", "slot", "score", "last_of_queue", "last_of_batch")


def _check_ports(dut) -> None:
    if len(dut.in_data_i) != GEO.queue_in_w or len(dut.out_data_o) != GEO.queue_out_w:
        raise AssertionError(
            f"port widths in {len(dut.in_data_i)} / out {len(dut.out_data_o)} do not match "
            f"{CFG.name} K={CFG.top_k} (in {GEO.queue_in_w}, out {GEO.queue_out_w})"
        )


def words_of(batches: list[Batch]) -> tuple[list[int], int]:
    """Input words of the batches and the number of output beats they make."""
    words: list[int] = []
    n_out = 0
    for ex, sc, last in batches:
        words += pack_batch(GEO, ex, sc, last)
        n_out += 1 + ex.size
    return words, n_out


def _show(beat: tuple) -> str:
    if beat[0] == "hdr":
        return f"header lengths {list(beat[1])} active {beat[2]:#x}"
    return ", ".join(f"{n}={v}" for n, v in zip(_FIELDS[1:], beat[1:], strict=True))


def compare(batches: list[Batch], outs: list[int]) -> str | None:
    """None when the output beats equal the golden packets of *batches*; else the
    first difference (batch, beat, RTL and golden) with a JSON tail holding the
    batch (parsed by the mutation test)."""
    pos = 0
    for b, (ex, sc, last) in enumerate(batches):
        gold = golden_packet(ex, sc, CFG.experts)
        got = [decode_beat(GEO, w) for w in outs[pos : pos + len(gold)]]
        pos += len(gold)
        for p, g in enumerate(gold):
            r = got[p] if p < len(got) else None
            if r == g:
                continue
            blob = {
                "experts": ex.tolist(),
                "scores": sc.tolist(),
                "last": bool(last),
                "beat": p,
                "rtl": None if r is None else list(r),
                "golden": list(g),
            }
            return (
                f"batch {b} of {len(batches)} ({len(ex)} tokens, K={CFG.top_k}, experts "
                f"{ex.tolist()}, scores {sc.tolist()}, last flag {int(last)}): beat {p}: "
                f"rtl {'(missing)' if r is None else _show(r)}; golden {_show(g)} | "
                f"{json.dumps(blob)}"
            )
    if len(outs) != pos:
        return f"{len(outs)} output beats, the golden packets have {pos}"
    for ex, _, _ in batches:
        functional.sample("queues.shape", CFG, ex)
    return None


async def _expect_idle(dut, cycles: int = 3) -> str | None:
    """After a packet: no further output beat, input ready again."""
    dut.out_ready_i.value = 1
    err = None
    for cyc in range(cycles + 1):
        await ReadOnly()
        if err is None and dut.out_valid_o.value:
            err = f"an extra output beat {cyc} cycles after the last packet"
        if err is None and cyc == cycles and not dut.in_ready_o.value:
            err = "in_ready_o low after the last packet"
        await RisingEdge(dut.clk_i)
    return err


@cocotb.test(timeout_time=20, timeout_unit="us")
async def queues_reset_idle(dut):
    """Out of reset: ready, nothing valid, and nothing appears without input."""
    _check_ports(dut)
    await unit_checks.reset_idle(dut)


@cocotb.test(timeout_time=10, timeout_unit="ms")
async def queues_throughput(dut):
    """Without stalls a batch of T tokens takes the documented T + 1 + T*K + 1 + T*K
    cycles, back to back, and every corner kind of batch matches."""
    _check_ports(dut)
    rng = np.random.default_rng(env_seed())
    start_clock(dut)
    await reset(dut)
    batches = [random_batch(GEO, rng, kind) for kind in range(5) for _ in range(3)]
    words, n_out = words_of(batches)
    outs, stats = await stream(dut, words, n_out=n_out)
    want = sum(len(ex) + 2 + 2 * ex.size for ex, _, _ in batches)
    dut._log.info("%d batches, %d tokens in %d cycles", len(batches), len(words), stats.cycles)
    assert stats.last_out_cycle + 1 == want, (
        f"{len(batches)} batches took {stats.last_out_cycle + 1} cycles, documented {want}"
    )
    err = compare(batches, outs)
    assert err is None, err


@cocotb.test(timeout_time=5000, timeout_unit="ms")
async def queues_stream(dut):
    """>= QUEUES_VECTORS tokens in batches of every kind (uniform, all to one expert,
    empty experts, skewed, repeated; 1..max tokens, forced last) under random stalls
    on both sides, compared bit for bit with golden build_queues."""
    _check_ports(dut)
    s, rng = seeded_rng(dut)
    start_clock(dut)
    await reset(dut)
    target = env_int("QUEUES_VECTORS", _SCALE * 100_000)
    in_idle = idle_pattern(rng, 1 << 14)
    out_idle = idle_pattern(rng, 1 << 14)
    t0 = time.perf_counter()
    tokens = cycles = in_wait = out_wait = n_batches = 0
    while tokens < target:
        batches: list[Batch] = []
        while sum(len(b[0]) for b in batches) < 2048:
            batches.append(random_batch(GEO, rng))
        words, n_out = words_of(batches)
        shift = int(rng.integers(0, 1 << 14))
        outs, stats = await stream(
            dut, words, n_out=n_out, in_idle=np.roll(in_idle, shift),
            out_idle=np.roll(out_idle, shift),
        )  # fmt: skip
        cycles += stats.cycles
        in_wait += stats.in_wait_cycles
        out_wait += stats.out_wait_cycles
        err = compare(batches, outs)
        if err is not None:
            raise AssertionError(f"tokens {tokens}..: {err} (seed {s})")
        tokens += len(words)
        n_batches += len(batches)
    wall = time.perf_counter() - t0
    dut._log.info(
        "%d tokens in %d batches (K=%d of %d experts), %d cycles (%d input waiting, %d output "
        "waiting) in %.1f s: %.0f vectors/s, %.0f cycles/s",
        tokens, n_batches, CFG.top_k, CFG.experts, cycles, in_wait, out_wait, wall, tokens / wall,
        cycles / wall,
    )  # fmt: skip
    print(f"{UNIT} [{CFG.name}]: {tokens} vectors in {wall:.1f} s, {tokens / wall:.0f} vectors/s")
    benchlog.record(UNIT, CFG.name, tokens, wall, cycles=cycles, batches=n_batches)
    assert in_wait > 0 and out_wait > 0, "the stall patterns never exercised backpressure"


@st.composite
def _batch_strategy(draw) -> Batch:
    """A batch aimed at the corners: few tokens or a full batch, every token to one
    expert (full queue), a subset of experts (empty queues), any top-k choices."""
    e, k, tmax = CFG.experts, CFG.top_k, CFG.tokens
    t = draw(st.one_of(st.integers(1, min(tmax, 6)), st.just(tmax), st.integers(1, tmax)))
    mode = draw(st.sampled_from(["free", "one", "subset"]))
    if mode == "subset":
        pool = draw(st.lists(st.integers(0, e - 1), min_size=k, max_size=e, unique=True))
    else:
        pool = list(range(e))
    fixed = draw(st.integers(0, e - 1)) if mode == "one" else None
    rows = []
    for _ in range(t):
        if fixed is None:
            rows.append(draw(st.permutations(pool))[:k])
        else:
            rest = draw(st.permutations([v for v in pool if v != fixed]))[: k - 1]
            pos = draw(st.integers(0, k - 1))
            rows.append([*rest[:pos], fixed, *rest[pos:]])
    top = score_max(GEO)
    score = st.one_of(st.sampled_from([0, 1, (top >> 1) + 1, top]), st.integers(0, top))
    scores = draw(st.lists(st.lists(score, min_size=k, max_size=k), min_size=t, max_size=t))
    last = draw(st.booleans()) if t == tmax else True
    return np.array(rows, dtype=np.int64), np.array(scores, dtype=np.int64), last


@cocotb.test(timeout_time=5000, timeout_unit="ms")
async def queues_hypothesis(dut):
    """Hypothesis property (in a bridge thread, driving the DUT through resume): for
    any 1..3 batches and stall pattern the output packets equal golden build_queues.
    A failure is shrunk and reported as 'minimal failing input: batch ...'."""
    _check_ports(dut)
    start_clock(dut)
    await reset(dut)

    @resume
    async def run(batches: list[Batch], in_idle: list[bool], out_idle: list[bool]):
        await reset(dut)
        words, n_out = words_of(batches)
        outs, _ = await stream(
            dut, words, n_out=n_out, drain_cycles=0,
            in_idle=np.array(in_idle, dtype=bool), out_idle=np.array(out_idle, dtype=bool),
        )  # fmt: skip
        return outs, await _expect_idle(dut)

    def prop(batches: list[Batch], in_idle: list[bool], out_idle: list[bool]) -> None:
        try:
            outs, idle_err = run(batches, in_idle, out_idle)
        except StreamError as exc:
            shown = [(b[0].tolist(), b[1].tolist(), b[2]) for b in batches]
            raise AssertionError(f"batches={shown} in_idle={in_idle} out_idle={out_idle} "
                                 f"({exc})") from exc  # fmt: skip
        err = compare(batches, outs)
        if err is not None:
            raise AssertionError(err)
        if idle_err is not None:
            raise AssertionError(f"{idle_err}; batches {[b[0].tolist() for b in batches]}")

    await run_property(
        dut,
        prop,
        strategies={
            "batches": st.lists(_batch_strategy(), min_size=1, max_size=3),
            "in_idle": stall_pattern(6),
            "out_idle": stall_pattern(6),
        },
        examples=examples_for("QUEUES_HYP_EXAMPLES", 300),
        seed=env_seed(),
        unit=UNIT,
    )


@cocotb.test(timeout_time=500, timeout_unit="ms")
async def queues_reset_mid_stream(dut):
    """A reset in any phase (input, scatter, output) leaves the unit empty: the next
    stream matches."""
    _check_ports(dut)
    rng = np.random.default_rng(env_seed() + 1)
    start_clock(dut)
    await reset(dut)
    for i in range(8):
        batches = [random_batch(GEO, rng) for _ in range(3)]
        words, n_out = words_of(batches)
        idle = idle_pattern(rng, 512, probabilities=(0.0, 0.3))
        # Cycles of the stream without stalls: any point before its end is mid-stream.
        span = sum(len(ex) + 2 + 2 * ex.size for ex, _, _ in batches)
        first = len(batches[0][0]) + 2 + 2 * batches[0][0].size
        after = int(rng.integers(1, first)) if i % 2 else int(rng.integers(1, span))
        await interrupt_with_reset(
            dut, words, after_cycles=after, in_idle=idle, out_idle=idle[::-1], n_out=n_out
        )
        outs, _ = await stream(dut, words, n_out=n_out, in_idle=idle[::-1], out_idle=idle)
        err = compare(batches, outs)
        assert err is None, f"after a reset {after} cycles into a stream: {err}"

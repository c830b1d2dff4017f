"""cocotb tests of rtl/arg_check.sv against hls.registers.check_args (its model).

EDGEMOE_CONFIG / EDGEMOE_SEED   configuration and seed (tb.simbuild)
ARGCHECK_VECTORS                vectors of argcheck_stream (default 100,000)
ARGCHECK_HYP_EXAMPLES           Hypothesis examples of argcheck_hypothesis (default 1000)
"""

from __future__ import annotations

import time

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.task import resume
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge
from hypothesis import strategies as st

from golden.config import load_config
from hls.registers import STOP_ALL, Status, check_args, pointer_align, stage_count
from tb import benchlog
from tb.components.stream import idle_pattern
from tb.ctrl.model import pack_args
from tb.hypothesis_sim import examples_for, run_property
from tb.simenv import env_config_name, env_int, env_seed, seeded_rng

CFG = load_config(env_config_name())
ALIGN = pointer_align(CFG)
STAGES = stage_count(CFG)
PTRS = ("image", "weights", "scratch", "output")
SCALARS = ("task_id", "num_images", "stop_after")
NAMES = PTRS + SCALARS


async def setup(dut) -> None:
    Clock(dut.clk_i, 10, unit="ns").start()
    await reset(dut)


async def reset(dut) -> None:
    dut.rst_ni.value = 0
    dut.in_valid_i.value = 0
    dut.out_ready_i.value = 0
    dut.args_i.value = 0
    await ClockCycles(dut.clk_i, 2)
    dut.rst_ni.value = 1
    await RisingEdge(dut.clk_i)


def ptr_values(rng: np.random.Generator, n: int) -> np.ndarray:
    """Pointers: mostly aligned, some null, some misaligned by one byte .. ALIGN-1."""
    v = rng.integers(1, 1 << 62, n, dtype=np.uint64) * np.uint64(ALIGN)
    kind = rng.random(n)
    v[kind < 0.08] = 0
    mis = kind > 0.9
    v[mis] += rng.integers(1, ALIGN, int(mis.sum()), dtype=np.uint64)
    top = (kind > 0.85) & (kind <= 0.9)  # highest aligned address
    v[top] = np.uint64(2**64 - ALIGN)
    return v


def vectors(rng: np.random.Generator, n: int) -> list[dict[str, int]]:
    cols = {p: ptr_values(rng, n) for p in PTRS}
    edge_task = np.array([0, CFG.tasks - 1, CFG.tasks, CFG.tasks + 1, 2**32 - 1], dtype=np.uint64)
    cols["task_id"] = rng.choice(edge_task, n)
    cols["task_id"] = np.where(rng.random(n) < 0.3, rng.integers(0, 2**32, n, dtype=np.uint64),
                               cols["task_id"])  # fmt: skip
    cols["num_images"] = np.where(rng.random(n) < 0.1, 0,
                                  rng.integers(1, 2**32, n, dtype=np.uint64))  # fmt: skip
    edge_stop = np.array(
        [0, STAGES - 1, STAGES, STAGES + 1, STOP_ALL, STOP_ALL - 1], dtype=np.uint64
    )
    cols["stop_after"] = np.where(rng.random(n) < 0.5, rng.choice(edge_stop, n),
                                  rng.integers(0, 2**32, n, dtype=np.uint64))  # fmt: skip
    out = [{k: int(cols[k][i]) for k in NAMES} for i in range(n)]
    # A share of all-good vectors, so OK is common too.
    for i in range(0, n, 3):
        for p in PTRS:
            out[i][p] = (out[i][p] // ALIGN) * ALIGN or ALIGN
        out[i]["task_id"] %= CFG.tasks
        out[i]["num_images"] = out[i]["num_images"] or 1
        if out[i]["stop_after"] != STOP_ALL:
            out[i]["stop_after"] %= STAGES
    return out


async def check_stream(dut, vecs, in_idle, out_idle) -> tuple[list[int], int]:
    """Drive ``vecs`` through the valid/ready ports with stalls; returns the
    statuses in order and the cycle count.  Checks the output holds under backpressure."""
    outs: list[int] = []
    i = cyc = 0
    held = None
    n = len(vecs)
    packed = [pack_args(v) for v in vecs]  # the bits of the args_i port (ctrl_args_t)
    while len(outs) < n:
        valid = i < n and not in_idle[cyc % len(in_idle)]
        dut.in_valid_i.value = int(valid)
        if valid:
            dut.args_i.value = packed[i]
        ready = not out_idle[cyc % len(out_idle)]
        dut.out_ready_i.value = int(ready)
        await ReadOnly()
        ov = int(dut.out_valid_o.value)
        if ov:
            st_ = int(dut.status_o.value)
            if held is not None and held != st_:
                raise AssertionError(f"cycle {cyc}: status_o changed under backpressure")
            held = None if ready else st_
            if ready:
                outs.append(st_)
        if valid and int(dut.in_ready_o.value):
            i += 1
        await RisingEdge(dut.clk_i)
        cyc += 1
        if cyc > 20 * n + 1000:
            raise AssertionError(f"stream stuck: {i} in, {len(outs)} out after {cyc} cycles")
    dut.in_valid_i.value = 0
    dut.out_ready_i.value = 0
    return outs, cyc


def first_mismatch(vecs, outs) -> str | None:
    for k, (v, got) in enumerate(zip(vecs, outs, strict=True)):
        want = int(check_args(CFG, v))
        if got != want:
            args = ", ".join(f"{n}=0x{v[n]:x}" for n in NAMES)
            name = Status(got).name if got in Status._value2member_map_ else "?"
            return f"vector #{k} ({args}): rtl {got} ({name}), model {want} ({Status(want).name})"
    return None


@cocotb.test(timeout_time=10, timeout_unit="us")
async def argcheck_reset_idle(dut):
    """Out of reset: ready, nothing valid."""
    await setup(dut)
    for _ in range(5):
        await ReadOnly()
        assert dut.in_ready_o.value == 1 and dut.out_valid_o.value == 0
        await RisingEdge(dut.clk_i)


@cocotb.test(timeout_time=1, timeout_unit="ms")
async def argcheck_codes(dut):
    """Each bad value gives its code, each boundary value that is fine gives OK,
    and with several bad values the smallest code wins."""
    await setup(dut)
    good = dict(image=ALIGN, weights=2 * ALIGN, scratch=2**64 - ALIGN, output=ALIGN << 20,
                task_id=0, num_images=1, stop_after=STOP_ALL)  # fmt: skip
    cases: list[tuple[dict, Status]] = [(good, Status.OK)]
    for i, p in enumerate(PTRS):
        cases.append(({**good, p: 0}, Status(1 + 2 * i)))
        for off in (1, ALIGN // 2, ALIGN - 1):
            cases.append(({**good, p: good[p] + off}, Status(2 + 2 * i)))
        cases.append(({**good, p: 1 << 63}, Status.OK))
    cases += [
        ({**good, "task_id": CFG.tasks - 1}, Status.OK),
        ({**good, "task_id": CFG.tasks}, Status.BAD_TASK_ID),
        ({**good, "task_id": 2**32 - 1}, Status.BAD_TASK_ID),
        ({**good, "num_images": 0}, Status.ZERO_IMAGES),
        ({**good, "num_images": 2**32 - 1}, Status.OK),
        ({**good, "stop_after": 0}, Status.OK),
        ({**good, "stop_after": STAGES - 1}, Status.OK),
        ({**good, "stop_after": STAGES}, Status.BAD_STOP_AFTER),
        ({**good, "stop_after": STOP_ALL - 1}, Status.BAD_STOP_AFTER),
        ({**good, "output": 0, "task_id": CFG.tasks}, Status.NULL_OUTPUT),
        ({**good, "num_images": 0, "stop_after": STAGES}, Status.ZERO_IMAGES),
        ({**good, "weights": 3, "image": 0}, Status.NULL_IMAGE),
    ]
    for args, expected in cases:
        assert check_args(CFG, args) == expected, f"model disagrees on {args}"
    outs, _ = await check_stream(dut, [a for a, _ in cases], [False], [False])
    for (args, expected), got in zip(cases, outs, strict=True):
        assert got == expected, f"{args}: rtl {got}, expected {int(expected)} ({expected.name})"


@cocotb.test(timeout_time=1000, timeout_unit="ms")
async def argcheck_stream(dut):
    """ARGCHECK_VECTORS random + edge vectors under random stalls on both sides,
    compared with hls.registers.check_args."""
    await setup(dut)
    s, rng = seeded_rng(dut)
    n = env_int("ARGCHECK_VECTORS", 100_000)
    t0 = time.perf_counter()
    vecs = vectors(rng, n)
    outs, cycles = await check_stream(
        dut, vecs, idle_pattern(rng, 1 << 14), idle_pattern(rng, 1 << 14)
    )
    err = first_mismatch(vecs, outs)
    assert err is None, f"{err} (seed {s})"
    wall = time.perf_counter() - t0
    counts = np.bincount(np.array(outs), minlength=12)
    dut._log.info("%d vectors in %d cycles, %.1f s: %.0f vectors/s; codes %s",
                  n, cycles, wall, n / wall, counts.tolist())  # fmt: skip
    assert all(counts[: int(Status.BAD_STOP_AFTER) + 1]), f"a status code never occurred: {counts}"
    benchlog.record("arg_check", CFG.name, n, wall, cycles_per_s=cycles / wall)


def _arg_strategies():
    def ptr():
        base = st.integers(0, 2**64 - 1)
        aligned = st.integers(0, (2**64 - 1) // ALIGN).map(lambda x: x * ALIGN)
        near = st.builds(lambda a, d: (a + d) % 2**64, aligned, st.integers(-1, 1))
        return st.one_of(st.just(0), aligned, near, base)

    def near(*points):
        return st.one_of(
            st.sampled_from(points), st.integers(0, 2**32 - 1),
            st.builds(lambda p, d: (p + d) % 2**32, st.sampled_from(points), st.integers(-2, 2)),
        )  # fmt: skip

    return {
        **{p: ptr() for p in PTRS},
        "task_id": near(0, CFG.tasks),
        "num_images": near(0, 1),
        "stop_after": near(0, STAGES, STOP_ALL),
    }


@cocotb.test(timeout_time=500, timeout_unit="ms")
async def argcheck_hypothesis(dut):
    """Hypothesis over argument values near every boundary (null, alignment, TASKS,
    0 images, STAGES, all ones): RTL status == check_args."""
    await setup(dut)

    @resume
    async def run(args: dict) -> int:
        outs, _ = await check_stream(dut, [args], [False], [False])
        return outs[0]

    def prop(**args):
        got = run(args)
        want = int(check_args(CFG, args))
        if got != want:
            text = " ".join(f"{n}={args[n]}" for n in NAMES)
            raise AssertionError(f"{text} rtl {got} model {want}")

    await run_property(
        dut, prop, strategies=_arg_strategies(),
        examples=examples_for("ARGCHECK_HYP_EXAMPLES", 1000), seed=env_seed(), unit="arg_check",
    )  # fmt: skip

"""cocotb tests of rtl/linear_engine.sv, bit for bit against the golden model.

Linear jobs against ``golden.stages.linear.linear``, patch-mode jobs against
``golden.stages.patch_embed.patch_embed``, the engine behind
``tb.enginemem.EngineMemory`` (random stalls on every handshake it drives).
Every job's output region is compared bit for bit, every byte outside it must
stay unwritten, and every read command must fall inside the job's inputs.

Run through tb/linear_engine/test_linear_engine.py (pytest), which builds the
engine for a configuration and sets the environment read here:

EDGEMOE_CONFIG        configuration name (hls.config.load_config)
EDGEMOE_SEED          seed of every random choice (printed by each test)
"""

from __future__ import annotations

import time

import cocotb
import numpy as np
from cocotb.triggers import ClockCycles, First, ReadOnly, RisingEdge, Timer

from hls.config import load_config
from hls.memory_map import unpack
from tb.enginemem import EngineMemory
from tb.linear_engine.model import EngineJob, Geometry, gelu_job, linear_job, patch_job
from tb.simbuild import env_config_name, env_seed
from tb.stream import CLOCK_PERIOD_NS, start_clock

CFG = load_config(env_config_name())
GEO = Geometry.from_config(CFG)
FEAT = CFG.formats.feature
#: Stall probability of the memory model in the functional tests.
STALL = 0.3


class JobError(AssertionError):
    """The engine broke the job protocol or its output is wrong."""


# ---------------------------------------------------------------------- harness


def mem_bytes(jobs: list[EngineJob]) -> int:
    """Memory that holds any one of *jobs* with its random gaps."""
    bb = GEO.beat_bytes
    need = 0
    for job in jobs:
        sizes = [-(-len(v) // bb) * bb for v in job.blobs(CFG).values()]
        need = max(need, sum(sizes) + 8 * bb * (len(sizes) + 2))
    return need


async def engine_reset(dut, cycles: int = 3) -> None:
    """Hold rst_ni low (job_valid_i low) and check the engine comes out idle."""
    dut.rst_ni.value = 0
    dut.job_valid_i.value = 0
    await ClockCycles(dut.clk_i, cycles)
    await ReadOnly()
    for name in ("rd_cmd_valid_o", "wr_cmd_valid_o", "wr_valid_o", "done_o"):
        if getattr(dut, name).value:
            raise JobError(f"{name} is high during reset")
    if not dut.job_ready_o.value:
        raise JobError("job_ready_o is low during reset")
    await RisingEdge(dut.clk_i)
    dut.rst_ni.value = 1
    await RisingEdge(dut.clk_i)


async def start(dut, size: int, seed: int, stall: float) -> EngineMemory:
    """Clock, memory model (random contents), job inputs idle, reset."""
    for name in dir(dut):
        if name.startswith("job_") and name.endswith("_i"):
            getattr(dut, name).value = 0
    start_clock(dut)
    mem = EngineMemory(dut, size, seed=seed, stall=stall)
    mem.data[:] = np.random.default_rng(seed + 1).integers(0, 256, size, dtype=np.uint8)
    mem.start()
    await engine_reset(dut)
    return mem


def restall(dut, mem: EngineMemory, stall: float, seed: int) -> EngineMemory:
    """Between jobs: a new memory model with another stall probability, same contents."""
    mem.stop()
    new = EngineMemory(dut, mem.size, seed=seed, stall=stall)
    new.data[:] = mem.data
    new.start()
    return new


def out_beats(job: EngineJob) -> int:
    return job.n * (job.m * 4 // GEO.beat_bytes)


def cycle_bound(job: EngineJob, stall: float) -> int:
    """A generous bound: every read and write beat, per-command overheads, stalls."""
    bb = GEO.beat_bytes
    reads = sum(len(v) for k, v in job.blobs(CFG).items() if k != "y") // bb
    tiles = job.m // GEO.rows
    per_tile = reads if job.patch else (job.n * job.k * 4 + GEO.rows * job.k * 2) // bb
    commands = tiles * job.n * (1 + (CFG.channels * CFG.patch if job.patch else 0))
    return int((tiles * per_tile + 4 * commands + 2 * out_beats(job) + 2000) / (1 - stall) ** 2)


async def run_job(dut, mem: EngineMemory, job: EngineJob, max_cycles: int) -> int:
    """Offer *job* (call right after a rising edge), wait for done_o; return the
    cycles from the job handshake to done_o. Checks: job_ready_o high when idle,
    low while the job runs; done_o a one-cycle pulse in the cycle the last write
    beat is accepted; the job's number of write beats; every read command inside
    one of the job's input regions."""
    edge, ro = RisingEdge(dut.clk_i), ReadOnly()
    writes0, reads0 = mem.write_beats, len(mem.read_commands)
    for name, value in job.fields().items():
        getattr(dut, name).value = value
    dut.job_valid_i.value = 1
    await ro
    if dut.done_o.value:
        raise JobError("done_o is high while no job runs")
    if not dut.job_ready_o.value:
        raise JobError("job_ready_o is low while the engine is idle")
    await edge
    dut.job_valid_i.value = 0
    c0 = mem.cycles
    # Sleep until done_o or job_ready_o rises (cheaper than a per-cycle loop).
    while True:
        left = max_cycles - (mem.cycles - c0)
        timeout = Timer(max(left, 1) * CLOCK_PERIOD_NS, "ns")
        fired = await First(RisingEdge(dut.done_o), RisingEdge(dut.job_ready_o), timeout)
        if fired is timeout or left <= 0:
            raise JobError(
                f"{job.describe()}: no done_o within {max_cycles} cycles (read beats "
                f"{mem.read_beats}, write beats {mem.write_beats}, pending reads "
                f"{mem.pending_read_beats}, pending writes {mem.pending_write_beats})"
            )
        await ro
        if dut.job_ready_o.value:
            raise JobError(f"job_ready_o is high {mem.cycles - c0} cycles into a running job")
        if dut.done_o.value:
            break
    if not (dut.wr_valid_o.value and dut.wr_ready_i.value):
        raise JobError("done_o in a cycle without a write beat accepted")
    cycles = mem.cycles - c0
    await edge
    await ro
    if dut.done_o.value:
        raise JobError("done_o high for more than one cycle")
    if not dut.job_ready_o.value:
        raise JobError("job_ready_o low the cycle after done_o")
    await edge
    if mem.pending_write_beats:
        raise JobError(f"done_o with {mem.pending_write_beats} write beats still owed")
    if mem.write_beats - writes0 != out_beats(job):
        raise JobError(f"{mem.write_beats - writes0} write beats, expected {out_beats(job)}")
    bb = GEO.beat_bytes
    # Input regions in whole beats (the bias may end mid-beat).
    regions = [(a, -(-n // bb) * bb) for k, (a, n) in job.regions(CFG).items() if k != "y"]
    for addr, beats in mem.read_commands[reads0:]:
        end = addr + beats * bb
        if not any(a <= addr and end <= a + n for a, n in regions):
            raise JobError(f"read of {beats} beats at 0x{addr:x} outside the job's inputs")
    return cycles


def check_output(mem: EngineMemory, job: EngineJob, label: str) -> None:
    """The output region equals golden bit for bit; nothing else was written."""
    y_addr, y_bytes = job.regions(CFG)["y"]
    expect = np.zeros(mem.size, dtype=bool)
    expect[y_addr : y_addr + y_bytes] = True
    bad = np.flatnonzero(mem.written != expect)
    if len(bad):
        a = int(bad[0])
        what = "not written" if expect[a] else "written outside the output region"
        raise JobError(
            f"{label}: {len(bad)} bytes wrong in the write mask; first at 0x{a:x} ({what}; "
            f"output region 0x{y_addr:x}..0x{y_addr + y_bytes:x})"
        )
    y = unpack(mem.data[y_addr : y_addr + y_bytes], FEAT, (job.n, job.m), GEO.beat_bits)
    gold = job.expected(CFG)
    diff = np.argwhere(y != gold)
    if len(diff):
        t, r = (int(v) for v in diff[0])
        ref = "patch_embed" if job.patch else "linear"
        raise JobError(
            f"{label}: {len(diff)} of {gold.size} outputs differ from "
            f"golden.stages.{ref}; first token {t} output {r}: rtl {int(y[t, r])} "
            f"golden {int(gold[t, r])}"
        )


async def idle_after_reset(dut) -> None:
    """Out of reset: job_ready_o high, no command, no write, no done_o, for 32 cycles."""
    await start(dut, 64 * GEO.beat_bytes, env_seed(), 0.0)
    for _ in range(32):
        await ReadOnly()
        for name in ("rd_cmd_valid_o", "wr_cmd_valid_o", "wr_valid_o", "done_o", "rd_ready_o"):
            assert not getattr(dut, name).value, f"{name} high with no job"
        assert dut.job_ready_o.value, "job_ready_o low with no job"
        await RisingEdge(dut.clk_i)


# ---------------------------------------------------------------------- tests


def functional_jobs(rng: np.random.Generator) -> list[tuple[EngineJob, float]]:
    """(job, memory stall probability) of le_jobs, run back to back."""
    d, r, t = GEO.dim, GEO.rows, GEO.tokens
    odd = r + 3 if (r + 3) % 2 else r + 5  # odd, not a multiple of ROWS
    jobs = [
        (linear_job(CFG, rng, "full-scale", t, d, d, x_kind="full", w_kind="extreme"), STALL),
        (linear_job(CFG, rng, "full-scale weights", t, d, 2 * r, w_kind="full"), STALL),
        (linear_job(CFG, rng, "mixed", t, d, 2 * r, x_kind="mixed", w_kind="mixed"), STALL),
        (gelu_job(CFG, rng, "gelu", odd, GEO.mlp_hidden), STALL),
        (linear_job(CFG, rng, "bias-alt one token", 1, d, d, alt=True), STALL),
        (linear_job(CFG, rng, "fc2 9 tokens", 9, GEO.mlp_hidden, d, x_kind="mixed"), STALL),
        (
            linear_job(CFG, rng, "largest K", odd, GEO.max_k, 2 * r, x_kind="mixed", w_kind="full"),
            STALL,
        ),
        (patch_job(CFG, rng, "patch random"), STALL),
        (linear_job(CFG, rng, "smallest", 2, GEO.cols, r, w_kind="extreme"), STALL),
        (patch_job(CFG, rng, "patch extreme", kind="extreme"), 0.0),
        (linear_job(CFG, rng, "bias mid-beat", 3, d, 2 * r, alt=True, b_skew=2), STALL),
        (gelu_job(CFG, rng, "gelu all tokens", t, 2 * r), 0.0),
        (linear_job(CFG, rng, "no stalls", odd, d, d, x_kind="mixed", w_kind="mixed"), 0.0),
        (linear_job(CFG, rng, "heavy stalls", 5, d, d, x_kind="mixed"), 0.7),
    ]
    return jobs


@cocotb.test(timeout_time=100, timeout_unit="us")
async def le_reset_idle(dut):
    """Out of reset: job_ready_o high, no command, no write, no done_o."""
    await idle_after_reset(dut)


@cocotb.test(timeout_time=2000, timeout_unit="ms")
async def le_jobs(dut):
    """Back-to-back jobs without reset: full-scale and extreme operands, GELU,
    attn_bias, 1 / 9 / odd token counts not a multiple of ROWS, M of several
    tiles, the largest K, patch mode on random and extreme images, a bias not
    on a beat boundary, memory stalls 0.3 / 0.7 / none: every output bit for
    bit, nothing written outside the output region."""
    s = env_seed()
    dut._log.info("seed %d (rerun: pytest --sim-seed %d)", s, s)
    rng = np.random.default_rng(s)
    jobs = functional_jobs(rng)
    mem = await start(dut, mem_bytes([j for j, _ in jobs]), s, jobs[0][1])
    t0 = time.perf_counter()
    values = 0
    for i, (job, stall) in enumerate(jobs):
        if stall != mem.stall:
            mem = restall(dut, mem, stall, s + i)
        job.place(mem.data, CFG, rng)
        mem.clear_written()
        cycles = await run_job(dut, mem, job, cycle_bound(job, stall))
        check_output(mem, job, f"job {i} {job.describe()} stalls {stall} (seed {s})")
        values += job.n * job.m
        dut._log.info(
            "job %d %s: %d cycles (stalls %.1f), MAC bound %d",
            i, job.describe(), cycles, stall, job.mac_bound(GEO),
        )  # fmt: skip
        for _ in range(int(rng.choice([0, 0, 1, 3]))):  # sometimes a gap between jobs
            await RisingEdge(dut.clk_i)
    dut._log.info("%d outputs of %d jobs checked in %.1f s", values, len(jobs),
                  time.perf_counter() - t0)  # fmt: skip


@cocotb.test(timeout_time=1000, timeout_unit="ms")
async def le_reset_mid_job(dut):
    """A reset in the middle of a job (early: during the first weight load; late:
    tokens and outputs in flight; in a patch job), then a clean job, three
    times: each clean job bit for bit."""
    s = env_seed() + 7
    dut._log.info("seed %d", s)
    rng = np.random.default_rng(s)
    d, r = GEO.dim, GEO.rows
    victims = [
        linear_job(CFG, rng, "victim early", GEO.tokens, d, d),
        linear_job(CFG, rng, "victim late", GEO.tokens, d, d, gelu=True),
        patch_job(CFG, rng, "victim patch"),
    ]
    cleans = [
        linear_job(CFG, rng, "clean 1", r + 1, d, 2 * r, x_kind="mixed"),
        linear_job(CFG, rng, "clean 2", 2, d, r, w_kind="extreme"),
        linear_job(CFG, rng, "clean 3", 3, GEO.mlp_hidden, d, alt=True),
    ]
    mem = await start(dut, mem_bytes(victims + cleans), s, STALL)
    w_beats = GEO.rows * GEO.dim * 2 // GEO.beat_bytes
    for k, (victim, clean) in enumerate(zip(victims, cleans, strict=True)):
        after = (3, 4 * w_beats, 6 * w_beats)[k]
        victim.place(mem.data, CFG, rng)
        task = cocotb.start_soon(run_job(dut, mem, victim, 1 << 30))
        await ClockCycles(dut.clk_i, after)
        assert not task.done(), f"job finished within {after} cycles: the reset is not mid-job"
        task.cancel()
        await engine_reset(dut)
        clean.place(mem.data, CFG, rng)
        mem.clear_written()
        await run_job(dut, mem, clean, cycle_bound(clean, STALL))
        check_output(mem, clean, f"clean job {k} {clean.describe()} after a reset at cycle {after}")


@cocotb.test(timeout_time=2000, timeout_unit="ms")
async def le_cycles(dut):
    """No stalls: cycles per job of the model's layer shapes (Q/K/V, fc2 with the
    largest K - fc1 reads as many beats -, patch embedding) against the MAC
    bound N*M*K/(ROWS*COLS) and the read-beat count (one read stream), bit for bit."""
    s = env_seed() + 11
    rng = np.random.default_rng(s)
    d, t = GEO.dim, GEO.tokens
    jobs = [
        linear_job(CFG, rng, "q/k/v", t, d, d, alt=True),
        linear_job(CFG, rng, "fc2", t, GEO.mlp_hidden, d),
        patch_job(CFG, rng, "patch_embed"),
    ]
    mem = await start(dut, mem_bytes(jobs), s, 0.0)
    for job in jobs:
        job.place(mem.data, CFG, rng)
        mem.clear_written()
        r0, w0 = mem.read_beats, mem.write_beats
        cycles = await run_job(dut, mem, job, cycle_bound(job, 0.0))
        check_output(mem, job, f"{job.describe()} (seed {s})")
        reads, writes = mem.read_beats - r0, mem.write_beats - w0
        mac = job.mac_bound(GEO)
        dut._log.info(
            "CYCLES %s [%s]: %d cycles; MAC bound %d (%.2fx); %d read beats (%.2f of the "
            "cycles), %d write beats",
            job.describe(), CFG.name, cycles, mac, cycles / mac, reads, reads / cycles, writes,
        )  # fmt: skip

"""cocotb tests of rtl/linear_engine.sv, bit for bit against the golden model.

Linear jobs against ``golden.stages.linear.linear``, patch-mode jobs against
``golden.stages.patch_embed.patch_embed``, the engine behind
``tb.components.enginemem.EngineMemory`` (random stalls on every handshake it drives).
Every job's output region is compared bit for bit, every byte outside it must
stay unwritten, and every read command must fall inside the job's inputs.

Run through tb/linear_engine/test_linear_engine.py (pytest), which builds the
engine for a configuration and sets the environment read here:

EDGEMOE_CONFIG        configuration name (golden.config.load_config)
EDGEMOE_SEED          seed of every random choice (printed by each test)
"""

from __future__ import annotations

import time

import cocotb
import numpy as np
from cocotb.triggers import RisingEdge

from golden.config import load_config
from hls.geometry import geometry
from hls.memory_map import unpack
from tb.components import engine_bench as bench
from tb.components.enginemem import EngineMemory
from tb.linear_engine.stimulus import EngineJob, gelu_job, linear_job, patch_job
from tb.simenv import env_config_name, env_seed, seeded_rng

CFG = load_config(env_config_name())
GEO = geometry(CFG)
ROWS, COLS = CFG.linear_tile
FEAT = CFG.formats.feature
#: Stall probability of the memory model in the functional tests.
STALL = 0.3


# ---------------------------------------------------------------------- harness


def mem_bytes(jobs: list[EngineJob]) -> int:
    """Memory that holds any one of *jobs* with its random gaps."""
    bb = GEO.beat_bytes
    need = 0
    for job in jobs:
        sizes = [-(-len(v) // bb) * bb for v in job.blobs(CFG).values()]
        need = max(need, sum(sizes) + 8 * bb * (len(sizes) + 2))
    return need


def out_beats(job: EngineJob) -> int:
    return job.n * (job.m * 4 // GEO.beat_bytes)


def cycle_bound(job: EngineJob, stall: float) -> int:
    """A generous bound: every read and write beat, per-command overheads, stalls."""
    bb = GEO.beat_bytes
    reads = sum(len(v) for k, v in job.blobs(CFG).items() if k != "y") // bb
    tiles = job.m // ROWS
    per_tile = reads if job.patch else (job.n * job.k * 4 + ROWS * job.k * 2) // bb
    commands = tiles * job.n * (1 + (CFG.channels * CFG.patch if job.patch else 0))
    return int((tiles * per_tile + 4 * commands + 2 * out_beats(job) + 2000) / (1 - stall) ** 2)


async def run_job(dut, mem: EngineMemory, job: EngineJob, max_cycles: int) -> int:
    """:func:`tb.components.engine_bench.run_job` of *job*: its write beats, and every read
    command inside one of its input regions (whole beats: the bias may end
    mid-beat)."""
    bb = GEO.beat_bytes
    regions = [(a, -(-n // bb) * bb) for k, (a, n) in job.regions(CFG).items() if k != "y"]
    return await bench.run_job(
        dut, mem, job.fields(), max_cycles,
        write_beats=out_beats(job), read_regions=regions, label=job.describe(),
    )  # fmt: skip


def check_output(mem: EngineMemory, job: EngineJob, label: str) -> None:
    """The output region equals golden bit for bit; nothing else was written."""
    y_addr, y_bytes = job.regions(CFG)["y"]
    bench.check_written(mem, y_addr, y_bytes, label)
    y = unpack(mem.data[y_addr : y_addr + y_bytes], FEAT, (job.n, job.m), GEO.beat_bits)
    gold = job.expected(CFG)
    diff = np.argwhere(y != gold)
    if len(diff):
        t, r = (int(v) for v in diff[0])
        ref = "patch_embed" if job.patch else "linear"
        raise bench.JobError(
            f"{label}: {len(diff)} of {gold.size} outputs differ from "
            f"golden.stages.{ref}; first token {t} output {r}: rtl {int(y[t, r])} "
            f"golden {int(gold[t, r])}"
        )


# ---------------------------------------------------------------------- tests


def functional_jobs(rng: np.random.Generator) -> list[tuple[EngineJob, float]]:
    """(job, memory stall probability) of le_jobs, run back to back."""
    d, r, t = CFG.dim, ROWS, CFG.tokens
    odd = r + 3 if (r + 3) % 2 else r + 5  # odd, not a multiple of ROWS
    jobs = [
        (linear_job(CFG, rng, "full-scale", t, d, d, x_kind="full", w_kind="extreme"), STALL),
        (linear_job(CFG, rng, "full-scale weights", t, d, 2 * r, w_kind="full"), STALL),
        (linear_job(CFG, rng, "mixed", t, d, 2 * r, x_kind="mixed", w_kind="mixed"), STALL),
        (gelu_job(CFG, rng, "gelu", odd, CFG.mlp_hidden), STALL),
        (linear_job(CFG, rng, "bias-alt one token", 1, d, d, alt=True), STALL),
        (linear_job(CFG, rng, "fc2 9 tokens", 9, CFG.mlp_hidden, d, x_kind="mixed"), STALL),
        (
            linear_job(
                CFG, rng, "largest K", odd, GEO.engine_max_k, 2 * r, x_kind="mixed", w_kind="full"
            ),
            STALL,
        ),
        (patch_job(CFG, rng, "patch random"), STALL),
        (linear_job(CFG, rng, "smallest", 2, COLS, r, w_kind="extreme"), STALL),
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
    await bench.idle_after_reset(dut, 64 * GEO.beat_bytes, env_seed())


@cocotb.test(timeout_time=2000, timeout_unit="ms")
async def le_jobs(dut):
    """Back-to-back jobs without reset: full-scale and extreme operands, GELU,
    attn_bias, 1 / 9 / odd token counts not a multiple of ROWS, M of several
    tiles, the largest K, patch mode on random and extreme images, a bias not
    on a beat boundary, memory stalls 0.3 / 0.7 / none: every output bit for
    bit, nothing written outside the output region."""
    s, rng = seeded_rng(dut)
    jobs = functional_jobs(rng)
    mem = await bench.start(dut, mem_bytes([j for j, _ in jobs]), s, jobs[0][1])
    t0 = time.perf_counter()
    values = 0
    for i, (job, stall) in enumerate(jobs):
        if stall != mem.stall:
            mem = bench.restall(dut, mem, stall, s + i)
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
    d, r = CFG.dim, ROWS
    victims = [
        linear_job(CFG, rng, "victim early", CFG.tokens, d, d),
        linear_job(CFG, rng, "victim late", CFG.tokens, d, d, gelu=True),
        patch_job(CFG, rng, "victim patch"),
    ]
    cleans = [
        linear_job(CFG, rng, "clean 1", r + 1, d, 2 * r, x_kind="mixed"),
        linear_job(CFG, rng, "clean 2", 2, d, r, w_kind="extreme"),
        linear_job(CFG, rng, "clean 3", 3, CFG.mlp_hidden, d, alt=True),
    ]
    mem = await bench.start(dut, mem_bytes(victims + cleans), s, STALL)
    w_beats = ROWS * CFG.dim * 2 // GEO.beat_bytes
    for k, (victim, clean) in enumerate(zip(victims, cleans, strict=True)):
        after = (3, 4 * w_beats, 6 * w_beats)[k]
        victim.place(mem.data, CFG, rng)
        await bench.reset_mid_job(dut, mem, victim.fields(), after)
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
    d, t = CFG.dim, CFG.tokens
    jobs = [
        linear_job(CFG, rng, "q/k/v", t, d, d, alt=True),
        linear_job(CFG, rng, "fc2", t, CFG.mlp_hidden, d),
        patch_job(CFG, rng, "patch_embed"),
    ]
    mem = await bench.start(dut, mem_bytes(jobs), s, 0.0)
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
